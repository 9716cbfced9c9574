//! Regressions for what the fuzzers found at the protocol level, each compared with a real
//! redis-server byte for byte (the engine-level and client-level ones live next to the code
//! they broke: src/glob.rs, src/resp/parse.rs, tests/engine_limits.rs).

mod support;

use redis_tutor::engine::{Clock, Engine};
use std::net::SocketAddr;
use std::time::Duration;
use support::differential::{RawConn, args_of};
use support::fuzz::resp_request;
use support::real_redis::RealRedis;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `lines` as RESP requests and reads until the output ends with `until`.
async fn exchange(addr: SocketAddr, lines: &[&str], until: &[u8]) -> Vec<u8> {
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    for line in lines {
        let args: Vec<Vec<u8>> = line.split(' ').map(|w| w.as_bytes().to_vec()).collect();
        socket.write_all(&resp_request(&args)).await.unwrap();
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !out.ends_with(until) {
        let n = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut buf))
            .await
            .expect("the server went silent")
            .unwrap();
        assert!(n > 0, "closed after {:?}", String::from_utf8_lossy(&out));
        out.extend_from_slice(&buf[..n]);
    }
    out
}

/// The command fuzzer's first crash: CLIENT REPLY OFF or SKIP queued in a transaction made
/// EXEC's handler reach `unreachable!` (a command that wrote no reply). Redis leaves EXEC's
/// array short; so does the engine.
#[tokio::test]
async fn client_reply_inside_exec_leaves_the_array_short() {
    let engine = Engine::start_local(Clock::new()).await.unwrap();
    let real = RealRedis::start(&[]);
    for (lines, until) in [
        (
            &[
                "MULTI",
                "CLIENT REPLY OFF",
                "PING",
                "EXEC",
                "CLIENT REPLY ON",
            ][..],
            &b"*2\r\n+OK\r\n"[..],
        ),
        (
            &[
                "MULTI",
                "CLIENT REPLY SKIP",
                "PING",
                "EXEC",
                "ECHO skipped",
                "ECHO after",
            ][..],
            &b"after\r\n"[..],
        ),
    ] {
        let found = exchange(engine.addr(), lines, until).await;
        let expected = match &real {
            Some(real) => exchange(real.addr(), lines, until).await,
            None if lines[1] == "CLIENT REPLY SKIP" => {
                b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+PONG\r\n$5\r\nafter\r\n".to_vec()
            }
            None => b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n".to_vec(),
        };
        assert_eq!(
            String::from_utf8_lossy(&found),
            String::from_utf8_lossy(&expected),
            "{lines:?}"
        );
    }
}

/// The wire fuzzer's find: a client blocked (BLPOP k 0) with a protocol error queued behind
/// it, that then hung up, was never forgotten, because its socket was no longer read after
/// the error. After about a million fuzz connections such ghosts had used up the process's
/// file descriptors, and the engine stopped accepting connections.
#[tokio::test]
async fn a_blocked_client_that_hangs_up_after_a_protocol_error_is_forgotten() {
    let engine = Engine::start_local(Clock::new()).await.unwrap();
    let mut admin = RawConn::connect(engine.addr()).await;
    let mut socket = tokio::net::TcpStream::connect(engine.addr()).await.unwrap();
    socket
        .write_all(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*x\r\n")
        .await
        .unwrap();
    // Hang up only once the engine has it blocked (and its input closed by the error).
    let mut blocked = false;
    for _ in 0..500 {
        let list = String::from_utf8(admin.request(&args_of("CLIENT LIST")).await).unwrap();
        if list.contains("flags=b") {
            blocked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(blocked, "the client never blocked");
    drop(socket);
    for _ in 0..500 {
        let info = String::from_utf8(admin.request(&args_of("INFO clients")).await).unwrap();
        if info.contains("connected_clients:1\r\n") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the blocked client that hung up is still connected");
}

/// The command fuzzer's find: LCS of a 64 KB string with itself allocated its 16 GB table.
/// Redis 7.0.15 refuses a table larger than proto-max-bulk-len before allocating it.
#[tokio::test]
async fn lcs_refuses_a_table_over_proto_max_bulk_len() {
    support::differential::check_script(
        r#"
        SETRANGE k3 65535 "a b"
        LCS k3 k3
        LCS k3 k3 LEN
        CONFIG SET proto-max-bulk-len 1mb
        SETRANGE a 599 x
        SETRANGE b 399 x
        LCS a a LEN
        LCS b b LEN
        CONFIG SET proto-max-bulk-len 512mb
        "#,
    )
    .await;
}

/// The command fuzzer found that a client-given key count as large as an i64 (ZINTER's
/// numkeys) overflowed the key finder behind client tracking, which then panicked instead of
/// letting the command answer its own error.
#[tokio::test]
async fn a_huge_key_count_reaches_the_command_under_tracking() {
    support::differential::check_script(
        r#"
        CLIENT TRACKING on
        ZINTER 9223372036854775807 a b
        ZUNION 9223372036854775806 a
        SINTERCARD 9223372036854775807 a
        EVAL "return 1" 9223372036854775807 a
        LMPOP 9223372036854775807 a LEFT
        GET a
        "#,
    )
    .await;
}
