//! Connection-level commands compared with real Redis 7.0.15: MONITOR's exact lines (time
//! stamps and client addresses aside), CLIENT KILL and its filters, CLIENT REPLY.

mod support;

use support::differential::{ClientPair, Differential, RawConn};

/// A MONITOR line with its time stamp and client address (which differ between servers)
/// replaced: `+<ts> [0 <peer>] "SET" "k" "v"`.
fn without_stamp(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line).into_owned();
    let Some(rest) = text.strip_prefix('+') else {
        return text;
    };
    let Some((stamp, rest)) = rest.split_once(" [") else {
        return text;
    };
    assert!(
        stamp.len() > 7 && stamp.as_bytes()[stamp.len() - 7] == b'.',
        "time stamp with six decimals: {text}"
    );
    let Some((client, rest)) = rest.split_once("] ") else {
        return text;
    };
    let (db, peer) = client.split_once(' ').expect("db and peer");
    let peer = if peer == "lua" { "lua" } else { "<peer>" };
    format!("+<ts> [{db} {peer}] {rest}")
}

/// Compares the next `count` MONITOR lines of both servers.
async fn monitor_lines(monitor: &mut ClientPair, count: usize) {
    for _ in 0..count {
        let real = monitor.real.read_raw().await.expect("a MONITOR line");
        let engine = monitor.engine.read_raw().await.expect("a MONITOR line");
        assert_eq!(without_stamp(&engine), without_stamp(&real));
    }
}

async fn monitor_shows_commands(resp3: bool) {
    let d = Differential::start_with(resp3).await;
    let Some(mut d) = d else {
        return;
    };
    let mut monitor = ClientPair::connect(&d).await;
    monitor.same("MONITOR").await;
    d.same("SET k v").await;
    d.same("GET k").await;
    d.same("SET spaced \"a b\\n\\x01\\\"\"").await;
    d.same("SELECT 1").await;
    d.same("INCR n").await;
    d.same("SELECT 0").await;
    // Not shown: refused commands and administrative ones.
    d.same("NOSUCH x").await;
    d.same("GET").await;
    d.same("CONFIG GET maxmemory").await;
    d.same("EVAL \"return redis.call('incr', KEYS[1])\" 1 counter")
        .await;
    d.same("MULTI").await;
    d.same("SET in multi").await;
    d.same("EXEC").await;
    d.same("PING").await;
    // The last line is the ECHO on both: no line more, none missing.
    d.same("ECHO end").await;
    monitor_lines(&mut monitor, 13).await;
}

#[tokio::test]
async fn monitor_shows_commands_resp2() {
    monitor_shows_commands(false).await;
}

#[tokio::test]
async fn monitor_shows_commands_resp3() {
    monitor_shows_commands(true).await;
}

#[tokio::test]
async fn client_kill_filters() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let mut subscriber = ClientPair::connect(&d).await;
    subscriber.same("SUBSCRIBE news").await;
    for line in [
        "CLIENT KILL 127.0.0.1:1",
        "CLIENT KILL ADDR 127.0.0.1:1",
        "CLIENT KILL LADDR 127.0.0.1:1",
        "CLIENT KILL ID 0",
        "CLIENT KILL ID x",
        "CLIENT KILL ID 999999",
        "CLIENT KILL TYPE nosuch",
        "CLIENT KILL TYPE master",
        "CLIENT KILL USER nosuch",
        "CLIENT KILL SKIPME maybe",
        "CLIENT KILL BADOPTION x",
        "CLIENT KILL ID",
        "CLIENT KILL TYPE pubsub",
        "PUBLISH news gone",
        "CLIENT KILL TYPE normal",
        "CLIENT KILL TYPE normal SKIPME yes",
    ] {
        d.same(line).await;
    }
    assert!(
        subscriber.real.read_raw().await.is_none(),
        "real Redis closed it"
    );
    assert!(
        subscriber.engine.read_raw().await.is_none(),
        "the engine closed it"
    );
    // Killing itself: the reply arrives, then the connection closes.
    d.same("CLIENT KILL TYPE normal SKIPME no").await;
    assert!(d.real_conn.read_raw().await.is_none());
    assert!(d.engine_conn.read_raw().await.is_none());
}

#[tokio::test]
async fn client_reply_off_and_skip() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    for line in [
        "CLIENT REPLY OFF",
        "SET a 1",
        "GET a",
        "CLIENT REPLY ON",
        "CLIENT REPLY SKIP",
        "GET a",
        "GET a",
        "CLIENT REPLY BAD",
    ] {
        d.send(line).await;
    }
    d.same_pending("CLIENT REPLY ON").await;
    d.same_pending("GET after the skipped one").await;
    d.same_pending("CLIENT REPLY BAD").await;
    d.same("PING").await;
}

/// The monitor keeps its own address out: the engine's first line names the other client.
#[tokio::test]
async fn monitor_names_the_client() {
    let engine = redis_tutor::engine::Engine::start_local(redis_tutor::engine::Clock::new())
        .await
        .expect("engine");
    let mut monitor = RawConn::connect(engine.addr()).await;
    let mut other = RawConn::connect(engine.addr()).await;
    let args = |line: &str| support::differential::args_of(line);
    assert_eq!(monitor.request(&args("MONITOR")).await, b"+OK\r\n");
    other.request(&args("SET k v")).await;
    let local = other_local_addr(&mut other).await;
    let line = String::from_utf8(monitor.read_raw().await.unwrap()).unwrap();
    assert!(
        line.ends_with(&format!("[0 {local}] \"SET\" \"k\" \"v\"\r\n")),
        "{line}"
    );
}

/// The address the server sees for `conn` (CLIENT INFO's addr=).
async fn other_local_addr(conn: &mut RawConn) -> String {
    let info = conn
        .request(&support::differential::args_of("CLIENT INFO"))
        .await;
    let text = String::from_utf8(info).unwrap();
    let start = text.find("addr=").unwrap() + 5;
    text[start..].split(' ').next().unwrap().to_string()
}

/// CLIENT PAUSE WRITE holds writes and what may write (reads go on) until CLIENT UNPAUSE,
/// on both servers.
#[tokio::test]
async fn client_pause_write_until_unpause() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;
    for line in [
        "CLIENT PAUSE x",
        "CLIENT PAUSE -1",
        "CLIENT PAUSE 10 NOPE",
        "CLIENT PAUSE 10 WRITE extra",
        "CLIENT PAUSE 100000 WRITE",
    ] {
        d.same(line).await;
    }
    other.same("GET key").await;
    other.send("SET key held").await;
    other.send("GET key").await;
    // Scripts that may write and PUBLISH wait too; read-only scripts do not.
    d.same("EVAL_RO \"return 1\" 0").await;
    d.send("PUBLISH channel held").await;
    d.send("EVAL \"return 2\" 0").await;
    let mut third = ClientPair::connect(&d).await;
    third.same("CLIENT UNPAUSE").await;
    other.same_pending("the held SET").await;
    other.same_pending("the GET behind it").await;
    d.same_pending("the held PUBLISH").await;
    d.same_pending("the held EVAL").await;
}

/// CLIENT PAUSE ALL holds every command, CLIENT UNPAUSE included, until its time passes on
/// the engine clock.
#[tokio::test]
async fn client_pause_all_ends_with_its_time() {
    let clock = redis_tutor::engine::Clock::frozen(1_700_000_000_000_000);
    let engine = redis_tutor::engine::Engine::start_local(clock.clone())
        .await
        .expect("engine");
    let mut pauser = RawConn::connect(engine.addr()).await;
    let mut other = RawConn::connect(engine.addr()).await;
    let args = support::differential::args_of;
    assert_eq!(pauser.request(&args("CLIENT PAUSE 5000")).await, b"+OK\r\n");
    other.send(&args("PING")).await;
    pauser.send(&args("CLIENT UNPAUSE")).await;
    clock.advance(std::time::Duration::from_secs(5));
    assert_eq!(other.read_raw().await.unwrap(), b"+PONG\r\n");
    assert_eq!(pauser.read_raw().await.unwrap(), b"+OK\r\n");
}
