//! A careless learner and a hostile server, seen from the console: a typo asking for a
//! reply of 10^11 elements leaves the engine up, explains what happened and why real Redis
//! would have gone on allocating, and the next command works; a server sending a reply no
//! client should accept gets a clear protocol error, and the console connects again.

use redis_tutor::backend::{Backend, Connection};
use redis_tutor::console::{Connector, ConsoleEvent, ConsoleHandle, spawn_console};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Guards against a hang only; no test depends on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Sends `line` and returns what was printed up to the next prompt.
async fn run(console: &mut ConsoleHandle, line: &str) -> String {
    console.send_line(line);
    until_ready(console).await
}

/// What was printed up to the next prompt.
async fn until_ready(console: &mut ConsoleHandle) -> String {
    let mut printed = String::new();
    loop {
        let event = tokio::time::timeout(HANG_GUARD, console.events.recv())
            .await
            .expect("the console kept silent")
            .expect("the console task ended");
        match event {
            ConsoleEvent::Output { text, .. } => printed.push_str(&text),
            ConsoleEvent::Ready { .. } => return printed,
            _ => {}
        }
    }
}

async fn embedded_console() -> ConsoleHandle {
    let backend = Arc::new(Backend::embedded().await.expect("embedded engine starts"));
    let addr = backend.address_for_prompt();
    let mut console = spawn_console(Connector::backend(backend, addr));
    until_ready(&mut console).await;
    console
}

#[tokio::test]
async fn a_typo_sized_reply_is_explained_and_the_session_goes_on() {
    let mut console = embedded_console().await;
    run(&mut console, "SADD s a").await;
    run(&mut console, "HSET h f v").await;
    run(&mut console, "ZADD z 1 m").await;
    for typo in [
        "SRANDMEMBER s -99999999999",
        "HRANDFIELD h -99999999999 WITHVALUES",
        "ZRANDMEMBER z -99999999999",
    ] {
        let printed = run(&mut console, typo).await;
        assert!(
            printed.contains("Error: Server closed the connection"),
            "{typo}: {printed}"
        );
        assert!(
            printed.contains("output buffer limit for normal clients")
                && printed.contains("client-output-buffer-limit normal 64mb 0 0")
                && printed.contains("Real Redis has no limit for normal clients by default"),
            "{typo}: the learner should see why, found {printed}"
        );
        assert_eq!(run(&mut console, "SCARD s").await, "(integer) 1\n");
    }
    assert_eq!(
        run(&mut console, "SRANDMEMBER s -2").await,
        "1) \"a\"\n2) \"a\"\n"
    );
}

/// A one-shot server that answers any request with `reply`.
async fn hostile_server(reply: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 || socket.write_all(&reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_hostile_server_gets_a_clear_error_not_a_crash() {
    for (reply, expected) in [
        (b"*1\r\n".repeat(200_000), "nests deeper than"),
        (b"$99999999999\r\n".to_vec(), "over the client's limit"),
        (b"*99999999999\r\n".to_vec(), "over the client's limit"),
    ] {
        let addr = hostile_server(reply).await;
        let open_addr = addr.clone();
        let connector = Connector::new(addr, move || {
            let addr = open_addr.clone();
            async move {
                let stream = tokio::net::TcpStream::connect(addr).await?;
                Ok(Connection::new(Box::new(stream)))
            }
        });
        let mut console = spawn_console(connector);
        until_ready(&mut console).await;
        let printed = run(&mut console, "GET k").await;
        assert!(
            printed.contains("Error: Protocol error:") && printed.contains(expected),
            "expected a protocol error mentioning {expected:?}, found {printed}"
        );
        // The console is still there and connects again for the next command.
        let printed = run(&mut console, "GET k").await;
        assert!(printed.contains(expected), "{printed}");
    }
}
