//! Regressions for what the fuzzers found at the protocol level, each compared with a real
//! redis-server byte for byte (the engine-level and client-level ones live next to the code
//! they broke: src/glob.rs, src/resp/parse.rs, tests/engine_limits.rs).

mod support;

use redis_tutor::engine::{Clock, Engine};
use std::net::SocketAddr;
use std::time::Duration;
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
