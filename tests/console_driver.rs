//! The console task end to end: against the embedded engine for the commands it implements,
//! and against a real redis-server for MULTI/EXEC, subscribed mode, BLPOP and lost connections.

mod support;

use redis_tutor::backend::{Backend, Connection};
use redis_tutor::console::{
    Connector, ConsoleEvent, ConsoleHandle, Outcome, OutputKind, READING_MESSAGES, spawn_console,
};
use std::sync::Arc;
use std::time::Duration;
use support::real_redis::RealRedis;

/// Guards against a hang only; no test depends on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn next_event(console: &mut ConsoleHandle) -> ConsoleEvent {
    tokio::time::timeout(HANG_GUARD, console.events.recv())
        .await
        .expect("the console kept silent")
        .expect("the console task ended")
}

/// Events up to and including the next `Ready`.
async fn until_ready(console: &mut ConsoleHandle) -> Vec<ConsoleEvent> {
    let mut events = Vec::new();
    loop {
        let event = next_event(console).await;
        let ready = matches!(event, ConsoleEvent::Ready { .. });
        events.push(event);
        if ready {
            return events;
        }
    }
}

/// Sends `line` and returns what was printed (all output kinds) and the prompt shown after.
async fn run(console: &mut ConsoleHandle, line: &str) -> (String, String) {
    console.send_line(line);
    printed_and_prompt(until_ready(console).await)
}

fn printed_and_prompt(events: Vec<ConsoleEvent>) -> (String, String) {
    let mut printed = String::new();
    let mut prompt = String::new();
    for event in events {
        match event {
            ConsoleEvent::Output { text, .. } => printed.push_str(&text),
            ConsoleEvent::Ready { prompt: p } => prompt = p,
            _ => {}
        }
    }
    (printed, prompt)
}

fn output_kinds(events: &[ConsoleEvent]) -> Vec<OutputKind> {
    events
        .iter()
        .filter_map(|e| match e {
            ConsoleEvent::Output { kind, .. } => Some(*kind),
            _ => None,
        })
        .collect()
}

async fn embedded_console() -> (ConsoleHandle, String) {
    let backend = Arc::new(Backend::embedded().await.expect("embedded engine starts"));
    let addr = backend.address_for_prompt();
    let mut console = spawn_console(Connector::backend(backend, addr.clone()));
    let events = until_ready(&mut console).await;
    assert!(
        events.contains(&ConsoleEvent::Connected {
            addr: addr.clone(),
            reconnected: false
        }),
        "expected a first connection, found {events:?}"
    );
    (console, addr)
}

fn real_console(server: &RealRedis) -> ConsoleHandle {
    let addr = server.addr();
    spawn_console(Connector::new(addr.to_string(), move || async move {
        let socket = tokio::net::TcpStream::connect(addr).await?;
        Ok(Connection::new(Box::new(socket)))
    }))
}

async fn client(server: &RealRedis) -> Connection {
    let socket = tokio::net::TcpStream::connect(server.addr())
        .await
        .expect("connect");
    Connection::new(Box::new(socket))
}

fn args(line: &str) -> Vec<Vec<u8>> {
    line.split(' ').map(|a| a.as_bytes().to_vec()).collect()
}

#[tokio::test]
async fn embedded_ping_echo_select_and_repeat() {
    let (mut console, addr) = embedded_console().await;
    assert_eq!(
        run(&mut console, "PING").await,
        ("PONG\n".into(), format!("{addr}> "))
    );
    assert_eq!(
        run(&mut console, "ECHO \"two words\\n\"").await.0,
        "\"two words\\n\"\n"
    );
    assert_eq!(
        run(&mut console, "SELECT 2").await,
        ("OK\n".into(), format!("{addr}[2]> "))
    );
    assert_eq!(
        run(&mut console, "SELECT 99").await,
        (
            "(error) ERR DB index is out of range\n".into(),
            format!("{addr}[2]> ")
        )
    );
    assert_eq!(run(&mut console, "3 PING").await.0, "PONG\nPONG\nPONG\n");
    assert_eq!(
        run(&mut console, "0 PING").await.0,
        "Invalid redis-cli repeat command option value.\n"
    );
    assert_eq!(
        run(&mut console, "ECHO \"open").await.0,
        "Invalid argument(s)\n"
    );
    assert_eq!(
        run(&mut console, "ECHO").await.0,
        "(error) ERR wrong number of arguments for 'echo' command\n"
    );

    let transcript = console.transcript().entries();
    let sent: Vec<_> = transcript.iter().map(|e| e.args.clone()).collect();
    assert_eq!(
        sent,
        vec![
            args("PING"),
            vec![b"ECHO".to_vec(), b"two words\n".to_vec()],
            args("SELECT 2"),
            args("SELECT 99"),
            args("PING"),
            args("PING"),
            args("PING"),
            args("ECHO"),
        ],
        "only what reached the server is in the transcript"
    );
    assert_eq!(
        transcript[3].outcome,
        Outcome::Error("ERR DB index is out of range".into())
    );
    assert_eq!(transcript[0].outcome, Outcome::Reply);
}

#[tokio::test]
async fn embedded_local_commands_never_reach_the_server() {
    let (mut console, _) = embedded_console().await;
    console.send_line("help echo");
    let events = until_ready(&mut console).await;
    assert_eq!(output_kinds(&events), [OutputKind::Help]);
    assert_eq!(
        printed_and_prompt(events).0,
        "\n  ECHO message\n  summary: Echo the given string\n  since: 1.0.0\n  group: connection\n\n"
    );
    console.send_line(":set nohints");
    assert!(
        until_ready(&mut console)
            .await
            .contains(&ConsoleEvent::HintsEnabled(false))
    );
    console.send_line("clear");
    assert!(
        until_ready(&mut console)
            .await
            .contains(&ConsoleEvent::ClearScreen)
    );
    console.send_line("quit");
    let events = until_ready(&mut console).await;
    assert!(
        events.iter().any(|event| matches!(
            event,
            ConsoleEvent::Connected {
                reconnected: true,
                ..
            }
        )),
        "quit closes the connection and opens another: {events:?}"
    );
    assert!(
        printed_and_prompt(events)
            .0
            .starts_with("Closed the connection to "),
        "quit says what it did"
    );
    assert!(console.transcript().entries().is_empty());
}

#[tokio::test]
async fn real_multi_exec_prompts() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let mut console = real_console(&server);
    until_ready(&mut console).await;
    let addr = server.addr().to_string();
    assert_eq!(
        run(&mut console, "SELECT 1").await.1,
        format!("{addr}[1]> ")
    );
    assert_eq!(
        run(&mut console, "MULTI").await,
        ("OK\n".into(), format!("{addr}[1](TX)> "))
    );
    assert_eq!(
        run(&mut console, "INCR counter").await,
        ("QUEUED\n".into(), format!("{addr}[1](TX)> "))
    );
    assert_eq!(run(&mut console, "SET k v").await.0, "QUEUED\n");
    assert_eq!(
        run(&mut console, "EXEC").await,
        ("1) (integer) 1\n2) OK\n".into(), format!("{addr}[1]> "))
    );
    run(&mut console, "MULTI").await;
    run(&mut console, "SELECT 4").await;
    assert_eq!(
        run(&mut console, "INCR").await,
        (
            "(error) ERR wrong number of arguments for 'incr' command\n".into(),
            format!("{addr}[4](TX)> ")
        )
    );
    assert_eq!(
        run(&mut console, "EXEC").await,
        (
            "(error) EXECABORT Transaction discarded because of previous errors.\n".into(),
            format!("{addr}[1]> ")
        ),
        "an aborted transaction goes back to the database selected before MULTI"
    );
}

#[tokio::test]
async fn real_subscribed_mode_prints_messages_and_accepts_commands() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let mut console = real_console(&server);
    until_ready(&mut console).await;
    let addr = server.addr().to_string();

    console.send_line("SUBSCRIBE news alerts");
    let mut events = until_ready(&mut console).await;
    let mut printed = String::new();
    // The second confirmation may come with the first reply or just after the prompt.
    while !printed_and_prompt(events.clone()).0.contains("alerts") {
        events.push(next_event(&mut console).await);
        printed = printed_and_prompt(events.clone()).0;
    }
    let (text, _) = printed_and_prompt(events);
    assert_eq!(
        text,
        format!(
            "{READING_MESSAGES}\n1) \"subscribe\"\n2) \"news\"\n3) (integer) 1\n1) \"subscribe\"\n2) \"alerts\"\n3) (integer) 2\n"
        ),
        "{printed}"
    );

    let mut publisher = client(&server).await;
    publisher
        .request(&args("PUBLISH news hello"))
        .await
        .unwrap();
    match next_event(&mut console).await {
        ConsoleEvent::Output { kind, text } => {
            assert_eq!(kind, OutputKind::Message);
            assert_eq!(text, "1) \"message\"\n2) \"news\"\n3) \"hello\"\n");
        }
        other => panic!("expected the message, found {other:?}"),
    }

    // Typing while subscribed sends the command; its reply is printed when it comes.
    console.send_line("PING");
    let mut text = String::new();
    while !text.contains("pong") {
        if let ConsoleEvent::Output { text: t, .. } = next_event(&mut console).await {
            text.push_str(&t);
        }
    }
    assert_eq!(text, "1) \"pong\"\n2) \"\"\n");

    console.send_line("UNSUBSCRIBE");
    let mut prompt = String::new();
    let mut text = String::new();
    while prompt != format!("{addr}> ") {
        match next_event(&mut console).await {
            ConsoleEvent::Output { text: t, .. } => text.push_str(&t),
            ConsoleEvent::Ready { prompt: p } => prompt = p,
            _ => {}
        }
    }
    assert!(text.contains("3) (integer) 0\n"), "{text}");
    assert_eq!(run(&mut console, "PING").await.0, "PONG\n");
    assert!(console.transcript().used("SUBSCRIBE"));
    assert!(console.transcript().used("UNSUBSCRIBE"));
}

#[tokio::test]
async fn real_blpop_waits_without_timeout_and_can_be_interrupted() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let mut console = real_console(&server);
    until_ready(&mut console).await;
    let addr = server.addr().to_string();
    run(&mut console, "SELECT 2").await;

    console.send_line("BLPOP queue 0");
    assert_eq!(
        next_event(&mut console).await,
        ConsoleEvent::Busy {
            line: "BLPOP queue 0".into()
        }
    );
    // The UI stays free: a line typed meanwhile waits its turn.
    console.send_line("PING");
    let mut producer = client(&server).await;
    producer.request(&args("SELECT 2")).await.unwrap();
    // Wait until the console is blocked on the server before pushing.
    loop {
        let blocked = producer.request(&args("INFO clients")).await.unwrap();
        if String::from_utf8_lossy(blocked.as_bytes().unwrap()).contains("blocked_clients:1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    producer.request(&args("RPUSH queue job")).await.unwrap();
    let (text, prompt) = printed_and_prompt(until_ready(&mut console).await);
    assert_eq!(text, "1) \"queue\"\n2) \"job\"\n");
    assert_eq!(prompt, format!("{addr}[2]> "));
    let events = until_ready(&mut console).await;
    assert_eq!(printed_and_prompt(events.clone()).0, "PONG\n", "{events:?}");

    console.send_line("BLPOP other 0");
    assert!(matches!(
        next_event(&mut console).await,
        ConsoleEvent::Busy { .. }
    ));
    console.interrupt();
    let events = until_ready(&mut console).await;
    assert!(
        events.contains(&ConsoleEvent::Connected {
            addr: addr.clone(),
            reconnected: true
        }),
        "{events:?}"
    );
    assert!(
        output_kinds(&events)
            .iter()
            .all(|k| *k == OutputKind::Timing),
        "only a timing line may be printed: {events:?}"
    );
    let (_, prompt) = printed_and_prompt(events);
    assert_eq!(
        prompt,
        format!("{addr}[2]> "),
        "the database survives the reconnection"
    );
    assert_eq!(run(&mut console, "PING").await.0, "PONG\n");
}

#[tokio::test]
async fn real_lost_connection_shows_not_connected_then_reconnects() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let mut console = real_console(&server);
    until_ready(&mut console).await;
    let addr = server.addr().to_string();
    run(&mut console, "SELECT 3").await;
    let mut admin = client(&server).await;
    admin
        .request(&args("CLIENT KILL TYPE normal SKIPME yes"))
        .await
        .unwrap();

    console.send_line("PING");
    let events = until_ready(&mut console).await;
    assert_eq!(
        output_kinds(&events),
        [OutputKind::ConnectionError],
        "{events:?}"
    );
    assert_eq!(
        printed_and_prompt(events),
        (
            "Error: Server closed the connection\n".into(),
            "not connected> ".into()
        )
    );

    console.send_line("PING");
    let events = until_ready(&mut console).await;
    assert!(events.contains(&ConsoleEvent::Connected {
        addr: addr.clone(),
        reconnected: true
    }));
    assert_eq!(
        printed_and_prompt(events),
        ("PONG\n".into(), format!("{addr}[3]> "))
    );
}

#[tokio::test]
async fn unreachable_server_reports_redis_cli_error() {
    let port = support::real_redis::free_port();
    let addr = format!("127.0.0.1:{port}");
    let target = addr.clone();
    let mut console = spawn_console(Connector::new(addr.clone(), move || {
        let target = target.clone();
        async move {
            let socket = tokio::net::TcpStream::connect(target).await?;
            Ok(Connection::new(Box::new(socket)))
        }
    }));
    let (text, prompt) = printed_and_prompt(until_ready(&mut console).await);
    assert_eq!(
        text,
        format!("Could not connect to Redis at {addr}: Connection refused\n")
    );
    assert_eq!(prompt, "not connected> ");
}

#[tokio::test]
async fn real_resp3_subscription_ends_with_interrupt() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let mut console = real_console(&server);
    until_ready(&mut console).await;
    let addr = server.addr().to_string();
    let (hello, _) = run(&mut console, "HELLO 3").await;
    assert!(hello.starts_with("1# \"server\" => \"redis\"\n"), "{hello}");

    let (text, prompt) = run(&mut console, "SUBSCRIBE news").await;
    assert_eq!(
        text,
        format!("{READING_MESSAGES}\n1) \"subscribe\"\n2) \"news\"\n3) (integer) 1\n")
    );
    assert_eq!(prompt, format!("{addr}(subscribed mode)> "));

    // In RESP3 other commands work while subscribed, and messages are pushes.
    assert_eq!(run(&mut console, "SET k v").await.0, "");
    let mut text = String::new();
    while !text.contains("OK") {
        if let ConsoleEvent::Output { text: t, .. } = next_event(&mut console).await {
            text.push_str(&t);
        }
    }
    assert_eq!(text, "OK\n");
    client(&server)
        .await
        .request(&args("PUBLISH news hi"))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut console).await,
        ConsoleEvent::Output {
            kind: OutputKind::Message,
            text: "1) \"message\"\n2) \"news\"\n3) \"hi\"\n".into()
        }
    );

    console.interrupt();
    let events = until_ready(&mut console).await;
    assert!(
        events.contains(&ConsoleEvent::Connected {
            addr: addr.clone(),
            reconnected: true
        }),
        "{events:?}"
    );
    assert_eq!(printed_and_prompt(events).1, format!("{addr}> "));
    // The new connection speaks RESP3 again, like redis-cli after a reconnection.
    assert_eq!(
        run(&mut console, "HGETALL missing").await.0,
        "(empty hash)\n"
    );
}

#[tokio::test]
async fn real_slow_command_prints_timing_line() {
    let Some(server) = RealRedis::start(&["--enable-debug-command", "yes"]) else {
        return;
    };
    let mut console = real_console(&server);
    until_ready(&mut console).await;
    console.send_line("DEBUG SLEEP 0.6");
    let events = until_ready(&mut console).await;
    assert_eq!(
        output_kinds(&events),
        [OutputKind::Reply, OutputKind::Timing],
        "{events:?}"
    );
    let (text, _) = printed_and_prompt(events);
    let timing = text.strip_prefix("OK\n").expect("the reply comes first");
    assert!(
        timing.starts_with("(0.") && timing.ends_with("s)\n") && timing.len() == "(0.60s)\n".len(),
        "expected a line like (0.60s), found {timing:?}"
    );
    assert_eq!(
        run(&mut console, "PING").await.0,
        "PONG\n",
        "fast commands print no timing"
    );
}

#[tokio::test]
async fn real_monitor_streams_until_interrupted() {
    let Some(server) = RealRedis::start(&[]) else {
        return;
    };
    let mut console = real_console(&server);
    until_ready(&mut console).await;
    assert_eq!(run(&mut console, "MONITOR").await.0, "OK\n");
    client(&server)
        .await
        .request(&args("SET watched 1"))
        .await
        .unwrap();
    let mut text = String::new();
    while !text.contains("watched") {
        if let ConsoleEvent::Output { kind, text: t } = next_event(&mut console).await {
            assert_eq!(kind, OutputKind::Message);
            text.push_str(&t);
        }
    }
    assert!(text.ends_with("\"SET\" \"watched\" \"1\"\n"), "{text}");
    console.interrupt();
    until_ready(&mut console).await;
    assert_eq!(run(&mut console, "PING").await.0, "PONG\n");
}

#[tokio::test]
async fn embedded_raw_mode_and_redacted_credentials() {
    use redis_tutor::console::{ConsoleOptions, spawn_console_with};
    let backend = Arc::new(Backend::embedded().await.expect("embedded engine starts"));
    let addr = backend.address_for_prompt();
    let mut console = spawn_console_with(
        Connector::backend(backend, addr),
        ConsoleOptions { raw: true },
    );
    until_ready(&mut console).await;
    assert_eq!(run(&mut console, "ECHO \"a b\"").await.0, "a b\n");
    assert_eq!(run(&mut console, "PING").await.0, "PONG\n");

    run(&mut console, "AUTH hunter2").await;
    let entries = console.transcript().entries();
    let auth = entries.last().expect("AUTH was sent");
    assert_eq!(auth.args, vec![b"AUTH".to_vec(), b"(redacted)".to_vec()]);
    assert!(console.transcript().used("AUTH"));
}
