//! The engine's command pipeline: requests queued behind a blocked command, blocking timeouts
//! on the engine clock (a frozen clock included), and a connection that vanishes while
//! blocked leaving no waiter behind.

mod support;

use redis_tutor::engine::{Clock, Engine};
use std::time::Duration;
use support::differential::{ClientPair, Differential, RawConn, args_of};

async fn ask(conn: &mut RawConn, line: &str) -> String {
    String::from_utf8(conn.request(&args_of(line)).await).unwrap()
}

/// Requests pipelined after a blocking command wait for it, then run in order, as in Redis.
async fn requests_wait_behind_a_blocked_command(resp3: bool) {
    let d = Differential::start_with(resp3).await;
    let Some(mut d) = d else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;
    d.send("BLPOP queue 5").await;
    d.send("SET after-block yes").await;
    d.send("GET after-block").await;
    // Not yet run: the other client sees no key.
    other.same("EXISTS after-block").await;
    other.same("RPUSH queue job").await;
    d.same_pending("BLPOP").await;
    d.same_pending("SET behind BLPOP").await;
    d.same_pending("GET behind BLPOP").await;
    // A timed-out wait lets the queued requests run too.
    d.send("BLPOP nothing 0.05").await;
    d.send("PING").await;
    d.same_pending("BLPOP timing out").await;
    d.same_pending("PING behind it").await;
    // QUIT: the reply is written, then the connection closes.
    d.send("QUIT").await;
    d.same_pending("QUIT").await;
    assert!(d.real_conn.read_raw().await.is_none(), "real Redis closes");
    assert!(
        d.engine_conn.read_raw().await.is_none(),
        "the engine closes"
    );
}

/// Waits until CLIENT LIST (asked on `conn`) shows a blocked client.
async fn wait_until_blocked(conn: &mut RawConn) {
    for _ in 0..200 {
        if ask(conn, "CLIENT LIST").await.contains("flags=b") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no client blocked");
}

#[tokio::test]
async fn requests_wait_behind_a_blocked_command_resp2() {
    requests_wait_behind_a_blocked_command(false).await;
}

#[tokio::test]
async fn requests_wait_behind_a_blocked_command_resp3() {
    requests_wait_behind_a_blocked_command(true).await;
}

/// Grading scenarios run on a frozen clock: a blocking timeout passes only when the clock is
/// advanced past it, however long the wall clock takes.
#[tokio::test]
async fn blocking_timeouts_follow_a_frozen_clock() {
    let clock = Clock::frozen(1_700_000_000_000_000);
    let engine = Engine::start_local(clock.clone()).await.expect("engine");
    let mut waiter = RawConn::connect(engine.addr()).await;
    let mut other = RawConn::connect(engine.addr()).await;
    waiter.send(&args_of("BLPOP k 5")).await;
    // Make sure the BLPOP was processed before moving time on.
    wait_until_blocked(&mut other).await;
    clock.advance(Duration::from_secs(4));
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(
        ask(&mut other, "CLIENT LIST").await.contains("flags=b"),
        "still blocked 4 s (engine clock) into a 5 s timeout"
    );
    clock.advance(Duration::from_secs(1));
    let reply = waiter.read_raw().await.expect("the timeout reply");
    assert_eq!(String::from_utf8(reply).unwrap(), "*-1\r\n");
    assert_eq!(ask(&mut waiter, "PING").await, "+PONG\r\n");
}

/// A client that disconnects while blocked leaves no waiter: a later push stays in the list.
#[tokio::test]
async fn a_vanished_blocked_client_leaves_no_waiter() {
    let engine = Engine::start_local(Clock::new()).await.expect("engine");
    let mut other = RawConn::connect(engine.addr()).await;
    {
        let mut waiter = RawConn::connect(engine.addr()).await;
        waiter.send(&args_of("BLPOP k 0")).await;
        wait_until_blocked(&mut other).await;
    }
    let mut blocked = String::new();
    for _ in 0..100 {
        blocked = ask(&mut other, "INFO clients").await;
        if blocked.contains("blocked_clients:0") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(blocked.contains("blocked_clients:0"), "{blocked}");
    assert_eq!(ask(&mut other, "RPUSH k v").await, ":1\r\n");
    assert_eq!(ask(&mut other, "LLEN k").await, ":1\r\n");
}
