//! The engine's limits: a reply a typo asked for closes that one connection, as Redis does
//! when `client-output-buffer-limit` is hit, instead of allocating until the process dies;
//! the limit in force is what CONFIG GET says; everybody else goes on being served.

mod support;

use redis_tutor::engine::limits::DEFAULT_OUTPUT_BUFFER_LIMIT;
use redis_tutor::engine::{Clock, Engine};
use support::differential::{RawConn, args_of, check_script};
use support::real_redis::RealRedis;

async fn ask(conn: &mut RawConn, line: &str) -> String {
    String::from_utf8(conn.request(&args_of(line)).await).unwrap()
}

/// Sends `line` and expects the server to close the connection without a reply.
async fn closed_by(conn: &mut RawConn, line: &str) {
    conn.send(&args_of(line)).await;
    let reply = conn.read_raw().await;
    assert!(
        reply.is_none(),
        "`{line}` should close the connection, found the reply {:?}",
        reply.map(|r| String::from_utf8_lossy(&r).into_owned())
    );
}

/// The typo cases of issue 8: real Redis 7.0.15 (no limit for normal clients) allocates until
/// the machine runs out of memory; the engine closes the connection and serves on.
#[tokio::test]
async fn a_typo_sized_reply_closes_only_that_connection() {
    let engine = Engine::start_local(Clock::new()).await.unwrap();
    let mut other = RawConn::connect(engine.addr()).await;
    ask(&mut other, "SADD s a").await;
    ask(&mut other, "HSET h f v").await;
    ask(&mut other, "ZADD z 1 m").await;
    for line in [
        "SRANDMEMBER s -99999999999",
        "HRANDFIELD h -99999999999",
        "HRANDFIELD h -4611686018427387903 WITHVALUES",
        "ZRANDMEMBER z -99999999999",
        "ZRANDMEMBER z -4611686018427387903 WITHSCORES",
    ] {
        let mut conn = RawConn::connect(engine.addr()).await;
        closed_by(&mut conn, line).await;
        assert_eq!(ask(&mut other, "PING").await, "+PONG\r\n", "after {line}");
    }
    assert_eq!(ask(&mut other, "SCARD s").await, ":1\r\n");
    assert_eq!(
        ask(&mut other, "SRANDMEMBER s -3")
            .await
            .matches("$1")
            .count(),
        3
    );
    // No ghost clients: only `other` is left.
    let list = ask(&mut other, "CLIENT LIST").await;
    assert_eq!(list.matches("id=").count(), 1, "{list}");
}

/// With the limit off, as in Redis's default, a reply bigger than the engine's memory safety
/// limit still is never built.
#[tokio::test]
async fn with_the_limit_off_the_memory_safety_limit_still_holds() {
    let engine = Engine::start_local(Clock::new()).await.unwrap();
    let mut other = RawConn::connect(engine.addr()).await;
    assert_eq!(
        ask(
            &mut other,
            "CONFIG SET client-output-buffer-limit \"normal 0 0 0\""
        )
        .await,
        "+OK\r\n"
    );
    ask(&mut other, "SADD s a").await;
    let mut conn = RawConn::connect(engine.addr()).await;
    closed_by(&mut conn, "SRANDMEMBER s -99999999999").await;
    assert_eq!(ask(&mut other, "PING").await, "+PONG\r\n");
    let reply = ask(&mut other, "SRANDMEMBER s -1000").await;
    assert!(reply.starts_with("*1000\r\n"), "{reply}");
}

/// CONFIG GET tells the limit in force; CONFIG SET parses and refuses values as Redis does.
#[tokio::test]
async fn config_tells_the_truth_about_the_limit() {
    let engine = Engine::start_local(Clock::new()).await.unwrap();
    let mut conn = RawConn::connect(engine.addr()).await;
    let reply = ask(&mut conn, "CONFIG GET client-output-buffer-limit").await;
    assert!(reply.contains(DEFAULT_OUTPUT_BUFFER_LIMIT), "{reply}");
    assert!(reply.contains("normal 67108864 0 0"), "{reply}");
    ask(
        &mut conn,
        "CONFIG SET client-output-buffer-limit \"NORMAL 1mb 2kb 3\"",
    )
    .await;
    let reply = ask(&mut conn, "CONFIG GET client-output-buffer-limit").await;
    assert!(
        reply.contains("normal 1048576 2048 3 slave 268435456 67108864 60 pubsub"),
        "{reply}"
    );
    check_script(
        r#"
        CONFIG SET client-output-buffer-limit "wrong number"
        CONFIG SET client-output-buffer-limit "master 10mb 10mb 60"
        CONFIG SET client-output-buffer-limit "normal 10mbs 10mb 60"
        CONFIG SET client-output-buffer-limit "normal 10mb 10mb -1"
        CONFIG SET client-output-buffer-limit "replica 1kb 2kb 3 pubsub 1mb 1kb 1"
        CONFIG SET client-output-buffer-limit ""
        "#,
    )
    .await;
}

/// A reply over a configured limit closes the connection in Redis and in the engine alike,
/// without a reply, and the next connection is served.
#[tokio::test]
async fn a_reply_over_the_limit_closes_the_connection_as_in_redis() {
    let engine = Engine::start_local(Clock::new()).await.unwrap();
    let real = RealRedis::start(&[]);
    let mut addrs = vec![("engine", engine.addr())];
    if let Some(real) = &real {
        addrs.push(("redis-server", real.addr()));
    }
    for (name, addr) in addrs {
        let mut setup = RawConn::connect(addr).await;
        ask(
            &mut setup,
            "CONFIG SET client-output-buffer-limit \"normal 100kb 0 0\"",
        )
        .await;
        let mut push = vec![b"RPUSH".to_vec(), b"list".to_vec()];
        push.extend((0..20_000).map(|i| format!("element-{i}").into_bytes()));
        setup.request(&push).await;
        let mut conn = RawConn::connect(addr).await;
        closed_by(&mut conn, "LRANGE list 0 -1").await;
        let mut conn = RawConn::connect(addr).await;
        closed_by(&mut conn, "SORT list BY nosort GET # GET # GET #").await;
        let reply = ask(&mut setup, "LRANGE list 0 9").await;
        assert!(reply.starts_with("*10\r\n"), "{name}: {reply}");
        ask(
            &mut setup,
            "CONFIG SET client-output-buffer-limit \"normal 0 0 0\"",
        )
        .await;
        ask(&mut setup, "DEL list").await;
    }
}

/// A fuzz crash: KEYS with a pattern of thousands of `*a` against a long key recursed until
/// the engine thread's stack overflowed, which aborts the whole process (the tutor with it).
/// Redis 7.2.6 and later stop matching at 1000 levels; so does the engine.
#[tokio::test]
async fn an_abusive_glob_pattern_cannot_overflow_the_engine_stack() {
    let engine = Engine::start_local(Clock::new()).await.unwrap();
    let mut conn = RawConn::connect(engine.addr()).await;
    let key = vec![b'a'; 100_000];
    conn.request(&[b"SET".to_vec(), key, b"v".to_vec()]).await;
    let pattern = b"*a".repeat(50_000);
    let reply = conn.request(&[b"KEYS".to_vec(), pattern.clone()]).await;
    assert_eq!(reply, b"*0\r\n");
    let reply = conn
        .request(&[b"SCAN".to_vec(), b"0".to_vec(), b"MATCH".to_vec(), pattern])
        .await;
    assert_eq!(reply, b"*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(ask(&mut conn, "PING").await, "+PONG\r\n");
}

/// A request that never ends (a bulk announced and streamed on and on) is cut off at
/// client-query-buffer-limit, as in Redis; a long pipeline of complete requests is not.
#[tokio::test]
async fn the_query_buffer_limit_closes_an_endless_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let engine = Engine::start_local(Clock::new()).await.unwrap();
    let mut admin = RawConn::connect(engine.addr()).await;
    assert_eq!(
        ask(&mut admin, "CONFIG SET client-query-buffer-limit 1mb").await,
        "+OK\r\n"
    );
    let mut pipelined = tokio::net::TcpStream::connect(engine.addr()).await.unwrap();
    let requests = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\n".to_vec();
    let mut batch = Vec::new();
    for _ in 0..20_000 {
        batch.extend_from_slice(&requests);
        batch.extend_from_slice(&[b'v'; 100]);
        batch.extend_from_slice(b"\r\n");
    }
    assert!(batch.len() > 2 * 1024 * 1024);
    let (mut reader, mut writer) = pipelined.split();
    let write = async {
        writer.write_all(&batch).await.unwrap();
    };
    let read = async {
        let mut got = 0;
        let mut buf = vec![0u8; 65536];
        while got < 20_000 * 5 {
            let n = reader.read(&mut buf).await.unwrap();
            assert!(n > 0, "the pipeline's connection was closed");
            got += n;
        }
    };
    tokio::join!(write, read);

    let mut endless = tokio::net::TcpStream::connect(engine.addr()).await.unwrap();
    endless
        .write_all(b"*2\r\n$3\r\nGET\r\n$536870912\r\n")
        .await
        .unwrap();
    let chunk = vec![b'x'; 64 * 1024];
    let mut closed = false;
    for _ in 0..64 {
        if endless.write_all(&chunk).await.is_err() {
            closed = true;
            break;
        }
    }
    if !closed {
        let mut buf = [0u8; 16];
        let read =
            tokio::time::timeout(std::time::Duration::from_secs(30), endless.read(&mut buf)).await;
        closed = matches!(read, Ok(Ok(0) | Err(_)));
    }
    assert!(
        closed,
        "a 4 MB request should pass a 1 MB query buffer limit"
    );
    assert_eq!(ask(&mut admin, "PING").await, "+PONG\r\n");
}
