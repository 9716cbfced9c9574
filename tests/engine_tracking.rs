//! Client-side caching (CLIENT TRACKING) compared byte for byte with real Redis 7.0.15 on two
//! and three connections: default mode, OPTIN/OPTOUT with CLIENT CACHING, NOLOOP, BCAST with
//! prefixes, REDIRECT (RESP3 pushes, and the RESP2 `__redis__:invalidate` messages), a broken
//! redirect, flushes, transactions, scripts, TRACKINGINFO, GETREDIR and the errors.

mod support;

use support::differential::{ClientPair, Differential, RawConn, args_of};

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n")
}

/// The client id of a connection (CLIENT ID).
async fn id_of(conn: &mut RawConn) -> i64 {
    let reply = conn.request(&args_of("CLIENT ID")).await;
    let text = String::from_utf8_lossy(&reply);
    text.trim_start_matches(':')
        .trim_end()
        .parse()
        .expect("an integer reply")
}

/// Sends PING and compares everything each server sends up to its PONG (the invalidations
/// that arrived before it); returns how many replies were compared.
async fn through_pong(real: &mut RawConn, engine: &mut RawConn, what: &str) -> usize {
    let ping = args_of("PING");
    real.send(&ping).await;
    engine.send(&ping).await;
    let mut real_seen = Vec::new();
    loop {
        let reply = real.read_raw().await.expect("a reply");
        let done = reply == b"+PONG\r\n";
        real_seen.push(show(&reply));
        if done {
            break;
        }
    }
    let mut engine_seen = Vec::new();
    for _ in 0..real_seen.len() {
        engine_seen.push(show(&engine.read_raw().await.expect("a reply")));
    }
    assert_eq!(
        engine_seen, real_seen,
        "{what}: what came before PONG\n  engine (left) vs real Redis (right)"
    );
    real_seen.len()
}

/// Compares one field of an INFO section (the rest holds buffer sizes and timings).
async fn same_info_field(d: &mut Differential, section: &str, field: &str) {
    let (real, engine) = d.both(&format!("INFO {section}")).await;
    let line = |raw: &[u8]| {
        let prefix = format!("{field}:");
        support::differential::body(raw)
            .lines()
            .find(|l| l.starts_with(&prefix))
            .map(str::to_string)
    };
    assert_eq!(
        line(&engine),
        line(&real),
        "INFO {section} {field}: engine (left) vs real Redis (right)"
    );
    d.count_compared(1);
}

/// Client ids differ between the two servers: a line naming one is sent with each server's
/// own id for `{id}`, and the replies are compared with the ids written as `ID`.
struct Ids {
    real: i64,
    engine: i64,
}

impl Ids {
    async fn of(pair: &mut ClientPair) -> Ids {
        Ids {
            real: id_of(&mut pair.real).await,
            engine: id_of(&mut pair.engine).await,
        }
    }

    fn masked(reply: &[u8], id: i64) -> String {
        show(reply)
            .replace(&format!(":{id}\\r\\n"), ":ID\\r\\n")
            .replace(&format!("redir={id} "), "redir=ID ")
    }

    /// Sends `line` (with `{id}` replaced) to both and compares the replies, ids masked.
    async fn same(&self, real: &mut RawConn, engine: &mut RawConn, line: &str) {
        real.send(&args_of(&line.replace("{id}", &self.real.to_string())))
            .await;
        engine
            .send(&args_of(&line.replace("{id}", &self.engine.to_string())))
            .await;
        self.same_pending(real, engine, line).await;
    }

    /// Reads one reply from each and compares them, ids masked.
    async fn same_pending(&self, real: &mut RawConn, engine: &mut RawConn, what: &str) {
        let real_reply = real.read_raw().await.expect("a reply");
        let engine_reply = engine.read_raw().await.expect("a reply");
        assert_eq!(
            Ids::masked(&engine_reply, self.engine),
            Ids::masked(&real_reply, self.real),
            "{what}\n  engine (left) vs real Redis (right)"
        );
    }
}

/// Default mode: the keys a client read are invalidated once, when anyone modifies them;
/// its own writes come after its reply; flushes invalidate everything with a null.
async fn default_mode(d: &mut Differential) {
    let mut other = ClientPair::connect(d).await;
    d.run(
        "CLIENT TRACKING on
         CLIENT GETREDIR
         CLIENT TRACKINGINFO
         SET a 1
         MSET b 2 c 3
         GET a
         MGET b c nothing
         HGET h f
         GET a",
    )
    .await;
    other.same("SET a 10").await;
    // Read again before the next write: the first write dropped the key from the table.
    other.same("SET a 11").await;
    other.same("DEL b c nothing h").await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "other's writes").await;
    d.count_compared(n);
    // The client's own write: the reply, then the invalidation.
    d.run("GET a\nINCR a\nGET a\nGET k").await;
    if d.is_resp3() {
        d.same_pending("own invalidation").await;
    }
    // Inside a transaction, after EXEC's reply.
    d.run("MULTI\nSET a 5\nGET k\nEXEC").await;
    if d.is_resp3() {
        d.same_pending("invalidation after EXEC").await;
    }
    d.run("GET x\nGET y").await;
    other.same("SELECT 3").await;
    other.same("SET x in-another-db").await;
    other.same("FLUSHDB").await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "x and FLUSHDB").await;
    d.count_compared(n);
    d.same("FLUSHALL").await;
    if d.is_resp3() {
        d.same_pending("flushall null").await;
    }
    other.same("SET y after-flush").await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "after the flush").await;
    d.count_compared(n);
    same_info_field(d, "clients", "tracking_clients").await;
    d.run(
        "CLIENT TRACKING off
         CLIENT TRACKINGINFO
         CLIENT GETREDIR
         GET z",
    )
    .await;
    other.same("SET z 1").await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "tracking off").await;
    d.count_compared(n + 6);
}

#[tokio::test]
async fn default_mode_resp2() {
    if let Some(mut d) = Differential::start_with(false).await {
        default_mode(&mut d).await;
    }
}

#[tokio::test]
async fn default_mode_resp3() {
    if let Some(mut d) = Differential::start_with(true).await {
        default_mode(&mut d).await;
    }
}

/// OPTIN tracks only after CLIENT CACHING YES, OPTOUT all but after CLIENT CACHING NO;
/// the choice lasts one command, or one transaction.
#[tokio::test]
async fn optin_optout_and_caching() {
    let Some(mut d) = Differential::start_with(true).await else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;
    d.run(
        "CLIENT CACHING yes
         CLIENT TRACKING on OPTIN
         CLIENT CACHING no
         CLIENT CACHING maybe
         GET not-cached
         CLIENT CACHING yes
         CLIENT TRACKINGINFO
         GET cached
         GET not-cached-either
         CLIENT CACHING yes
         MULTI
         GET in-multi-1
         GET in-multi-2
         EXEC
         GET after-multi",
    )
    .await;
    other
        .same("MSET not-cached 1 cached 2 not-cached-either 3 in-multi-1 4 in-multi-2 5 after-multi 6")
        .await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "OPTIN").await;
    d.count_compared(n);
    d.run(
        "CLIENT TRACKING on OPTOUT
         CLIENT TRACKING off
         CLIENT TRACKING on OPTOUT NOLOOP
         CLIENT CACHING yes
         CLIENT CACHING no
         CLIENT TRACKINGINFO
         GET skipped
         GET tracked
         SET tracked mine",
    )
    .await;
    other.same("MSET skipped 1 tracked 2").await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "OPTOUT").await;
    d.count_compared(n + 3);
}

/// BCAST: every key under a prefix, sent once per prefix before the server sleeps; keys
/// written together come in one message; NOLOOP leaves out the client's own writes.
#[tokio::test]
async fn broadcast_with_prefixes() {
    let Some(mut d) = Differential::start_with(true).await else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;
    d.run(
        "CLIENT TRACKING on BCAST PREFIX user: PREFIX obj: NOLOOP
         CLIENT TRACKINGINFO
         CLIENT TRACKING on PREFIX x
         CLIENT TRACKING on BCAST OPTIN
         CLIENT TRACKING on
         CLIENT TRACKING on BCAST PREFIX user:1
         CLIENT TRACKING on BCAST PREFIX u PREFIX a PREFIX ab
         CLIENT TRACKING on BCAST PREFIX q PREFIX q",
    )
    .await;
    // Redis 7.0 answers an error and then OK when the overlap is not the first prefix's.
    d.send("CLIENT TRACKING on BCAST PREFIX zz PREFIX b PREFIX bc")
        .await;
    d.same_pending("overlap error").await;
    d.same_pending("and OK").await;
    d.same("CLIENT TRACKINGINFO").await;
    other.same("MSET user:2 a obj:9 b other c user:1 d").await;
    other.same("MULTI").await;
    other.same("INCR obj:count").await;
    other.same("DEL user:1 other").await;
    other.same("EXEC").await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "broadcasts").await;
    d.count_compared(n);
    d.same("SET user:mine 1").await;
    other.same("SET user:theirs 1").await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "NOLOOP").await;
    d.count_compared(n);
    other.same("FLUSHALL").await;
    d.same_pending("flush null").await;
    same_info_field(&mut d, "clients", "tracking_clients").await;
    d.run(
        "CLIENT TRACKING off
         CLIENT TRACKINGINFO",
    )
    .await;
    other.same("SET user:3 x").await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "BCAST off").await;
    d.count_compared(n + 10);
}

/// Switches both connections of a pair to RESP3 (the replies carry each server's own id).
async fn hello3(pair: &mut ClientPair) {
    pair.send("HELLO 3").await;
    pair.real.read_raw().await;
    pair.engine.read_raw().await;
}

/// REDIRECT: invalidations go to another connection, as RESP3 pushes or (RESP2) messages on
/// `__redis__:invalidate`; when that connection is gone the tracking client is told.
async fn redirect(resp3_receiver: bool) {
    let Some(mut d) = Differential::start_with(false).await else {
        return;
    };
    let mut receiver = ClientPair::connect(&d).await;
    let ids = Ids::of(&mut receiver).await;
    if resp3_receiver {
        hello3(&mut receiver).await;
    } else {
        receiver.same("SUBSCRIBE __redis__:invalidate").await;
    }
    let mut tracker = ClientPair::connect(&d).await;
    hello3(&mut tracker).await;
    d.run(
        "CLIENT TRACKING on REDIRECT 0
         CLIENT TRACKING on REDIRECT notanumber
         CLIENT TRACKING on REDIRECT 99999",
    )
    .await;
    ids.same(
        &mut d.real_conn,
        &mut d.engine_conn,
        "CLIENT TRACKING on REDIRECT {id} REDIRECT {id}",
    )
    .await;
    ids.same(
        &mut d.real_conn,
        &mut d.engine_conn,
        "CLIENT TRACKING on REDIRECT {id}",
    )
    .await;
    ids.same(&mut d.real_conn, &mut d.engine_conn, "CLIENT GETREDIR")
        .await;
    ids.same(&mut d.real_conn, &mut d.engine_conn, "CLIENT TRACKINGINFO")
        .await;
    ids.same(
        &mut tracker.real,
        &mut tracker.engine,
        "CLIENT TRACKING on BCAST PREFIX b: REDIRECT {id}",
    )
    .await;
    d.run("GET k1\nGET k2").await;
    d.same("SET k1 mine").await;
    tracker.same("MSET k2 theirs b:1 x").await;
    tracker.same("FLUSHDB").await;
    let (real, engine) = (&mut receiver.real, &mut receiver.engine);
    for what in [
        "k1",
        "k2",
        "b: broadcast",
        "flushdb null of d",
        "flushdb null of tracker",
    ] {
        ids.same_pending(real, engine, what).await;
    }
    // The receiver leaves: the next invalidation finds the redirect broken.
    ids.same(
        &mut tracker.real,
        &mut tracker.engine,
        "CLIENT KILL ID {id}",
    )
    .await;
    d.same("GET k3").await;
    tracker.same("PING").await;
    tracker.same("SET k3 x").await;
    tracker.same("PING").await;
    ids.same(&mut d.real_conn, &mut d.engine_conn, "CLIENT TRACKINGINFO")
        .await;
    ids.same(
        &mut tracker.real,
        &mut tracker.engine,
        "CLIENT TRACKINGINFO",
    )
    .await;
    tracker.same("SET b:2 y").await;
    ids.same_pending(
        &mut tracker.real,
        &mut tracker.engine,
        "tracking-redir-broken",
    )
    .await;
    ids.same(
        &mut tracker.real,
        &mut tracker.engine,
        "CLIENT TRACKINGINFO",
    )
    .await;
    d.count_compared(18);
}

#[tokio::test]
async fn redirect_to_a_resp2_subscriber() {
    redirect(false).await;
}

#[tokio::test]
async fn redirect_to_a_resp3_client() {
    redirect(true).await;
}

/// A script's reads make its caller cache the keys the script declared (EVAL_RO itself
/// does not); its writes invalidate after the script's reply.
#[tokio::test]
async fn scripts_track_their_declared_keys() {
    let Some(mut d) = Differential::start_with(true).await else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;
    d.run(
        "CLIENT TRACKING on
         EVAL_RO \"return 1\" 1 ro-declared
         EVAL \"return redis.call('get', KEYS[1])\" 2 declared-1 declared-2
         EVAL_RO \"return redis.call('get', 'undeclared')\" 1 declared-3
         EVAL \"return redis.call('set', KEYS[1], 'v')\" 1 declared-1",
    )
    .await;
    d.same_pending("own write in a script").await;
    other
        .same("MSET ro-declared 1 declared-2 2 undeclared 3 declared-3 4")
        .await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "script keys").await;
    d.count_compared(n + 2);
}

/// The `flags=` and `redir=` fields of a CLIENT INFO line.
fn flags_and_redir(raw: &[u8]) -> String {
    support::differential::body(raw)
        .split(' ')
        .filter(|f| f.starts_with("flags=") || f.starts_with("redir="))
        .collect::<Vec<_>>()
        .join(" ")
}

/// CLIENT INFO shows tracking in its flags (t, B, R) and the redirect in `redir=`.
#[tokio::test]
async fn client_info_shows_tracking() {
    let Some(mut d) = Differential::start_with(true).await else {
        return;
    };
    let mut receiver = ClientPair::connect(&d).await;
    let ids = Ids::of(&mut receiver).await;
    let compare = async |d: &mut Differential, what: &str| {
        let (real, engine) = d.both("CLIENT INFO").await;
        let (real, engine) = (flags_and_redir(&real), flags_and_redir(&engine));
        let engine = engine.replace(&format!("redir={}", ids.engine), "redir=ID");
        let real = real.replace(&format!("redir={}", ids.real), "redir=ID");
        assert_eq!(engine, real, "{what}: engine (left) vs real Redis (right)");
        d.count_compared(1);
    };
    compare(&mut d, "tracking off").await;
    d.same("CLIENT TRACKING on").await;
    compare(&mut d, "tracking on").await;
    d.same("CLIENT TRACKING off").await;
    d.same("CLIENT TRACKING on BCAST").await;
    compare(&mut d, "BCAST").await;
    ids.same(
        &mut d.real_conn,
        &mut d.engine_conn,
        "CLIENT TRACKING on BCAST REDIRECT {id}",
    )
    .await;
    compare(&mut d, "redirected").await;
    ids.same(&mut d.real_conn, &mut d.engine_conn, "CLIENT KILL ID {id}")
        .await;
    let mut other = ClientPair::connect(&d).await;
    other.same("SET anything 1").await;
    // The broadcast finds the redirect gone: the tracking client is told, and flagged R.
    ids.same_pending(
        &mut d.real_conn,
        &mut d.engine_conn,
        "tracking-redir-broken",
    )
    .await;
    compare(&mut d, "broken redirect").await;
}

/// A key that expires is invalidated for the clients that read it, like a write.
#[tokio::test]
async fn expiry_invalidates() {
    let Some(mut d) = Differential::start_with(true).await else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;
    other.same("SET soon v PX 30").await;
    d.run("CLIENT TRACKING on\nGET soon").await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // Reading it after its time expires it (if active expiry did not already).
    other.same("GET soon").await;
    let n = through_pong(&mut d.real_conn, &mut d.engine_conn, "expired").await;
    d.count_compared(n);
}
