//! MULTI/EXEC/DISCARD/WATCH compared byte for byte with real Redis 7.0.15, RESP2 and RESP3:
//! queueing, EXECABORT, runtime errors inside EXEC, blocking commands inside MULTI, WATCH
//! broken by other clients, FLUSHDB/FLUSHALL/SWAPDB and expiry; and the redis crate's
//! optimistic-locking transaction against the engine.

mod support;

use redis_tutor::engine::{Clock, Engine};
use std::time::Duration;
use support::differential::{ClientPair, Differential, RawConn, args_of, check_script};

#[tokio::test]
async fn queueing_exec_and_discard() {
    check_script(
        "MULTI
         SET k v
         INCR counter
         GET k
         EXEC
         MULTI
         DISCARD
         GET k
         EXEC
         DISCARD
         MULTI
         MULTI
         WATCH k
         SET inside yes
         EXEC
         GET inside
         MULTI
         EXEC
         MULTI
         PING
         ECHO hello
         HSET h f v
         HGETALL h
         EXEC",
    )
    .await;
}

#[tokio::test]
async fn queueing_errors_abort_and_runtime_errors_do_not() {
    check_script(
        "SET s text
         MULTI
         INCR s
         SET after-error ok
         LPUSH s x
         EXEC
         GET after-error
         MULTI
         SET a 1
         NOSUCHCOMMAND x y
         SET b 2
         EXEC
         EXISTS a b
         MULTI
         GET
         EXEC
         MULTI
         CLIENT NOSUCH
         EXEC
         MULTI
         SET c 1
         EXEC extra
         EXISTS c
         EXEC
         EXEC extra
         MULTI
         DISCARD extra
         EXEC",
    )
    .await;
}

#[tokio::test]
async fn blocking_commands_inside_multi_answer_at_once() {
    check_script(
        "MULTI
         BLPOP empty 0
         BRPOP empty 0
         BLMOVE empty dst LEFT RIGHT 0
         BRPOPLPUSH empty dst 0
         BLMPOP 0 1 empty LEFT
         BZPOPMIN zempty 0
         BZPOPMAX zempty 0
         BZMPOP 0 1 zempty MIN
         EXEC
         RPUSH full a b
         MULTI
         BLPOP full 0
         BLMOVE full dst LEFT RIGHT 0
         BLPOP full 0
         EXEC
         LRANGE dst 0 -1",
    )
    .await;
}

#[tokio::test]
async fn watch_on_one_connection() {
    check_script(
        "SET w 1
         WATCH w
         SET w 2
         MULTI
         INCR w
         EXEC
         GET w
         WATCH w
         UNWATCH
         SET w 3
         MULTI
         INCR w
         EXEC
         WATCH w missing
         GET w
         MULTI
         INCR w
         EXEC
         WATCH w
         WATCH w
         DISCARD
         MULTI
         DISCARD
         SET w 10
         MULTI
         INCR w
         EXEC",
    )
    .await;
}

/// Another client's write to a watched key makes EXEC answer a null reply.
async fn watch_broken_by_other_clients(resp3: bool) {
    let d = Differential::start_with(resp3).await;
    let Some(mut d) = d else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;
    let flows: &[(&str, &str)] = &[
        // (the other client's command, what it should do to the transaction)
        ("SET balance 50", "a write to the watched key breaks it"),
        ("SET unrelated 1", "a write to another key does not"),
        (
            "INCRBY balance 0",
            "even a write that changes nothing breaks it",
        ),
        ("GET balance", "a read does not"),
        ("BITFIELD balance SET u8 0 1", "a BITFIELD write breaks it"),
        (
            "SETBIT balance 7 1",
            "a SETBIT that changes nothing does not",
        ),
        (
            "SETBIT balance 6 1",
            "a SETBIT that changes a bit breaks it",
        ),
        (
            "BITFIELD balance SET u8 0 49",
            "a BITFIELD SET of the value already there does not",
        ),
        ("BITFIELD_RO balance GET u8 0", "a BITFIELD read does not"),
        (
            "SORT nothing STORE balance",
            "SORT STORE deleting it breaks it",
        ),
        (
            "SORT nothing STORE other",
            "SORT STORE to another key does not",
        ),
        ("DEL balance", "a delete breaks it"),
        ("EXPIRE balance 100", "a new TTL breaks it"),
        ("PERSIST balance", "removing the TTL breaks it"),
        ("RENAME balance moved", "a rename away breaks it"),
        ("FLUSHDB", "FLUSHDB breaks it when the key exists"),
        ("FLUSHALL", "FLUSHALL breaks it when the key exists"),
        ("SWAPDB 0 1", "SWAPDB breaks it"),
        (
            "SELECT 1",
            "a write in another database does not (then SET balance 7)",
        ),
    ];
    for (index, (write, why)) in flows.iter().enumerate() {
        d.same("FLUSHALL").await;
        d.same("SET balance 100").await;
        d.same("EXPIRE balance 1000").await;
        d.same("WATCH balance").await;
        other.same(write).await;
        if *write == "SELECT 1" {
            other.same("SET balance 7").await;
            other.same("SELECT 0").await;
        }
        d.same("MULTI").await;
        d.same("DECRBY balance 30").await;
        let (real, engine) = d.both("EXEC").await;
        assert_eq!(
            String::from_utf8_lossy(&engine),
            String::from_utf8_lossy(&real),
            "flow {index}: {why}"
        );
    }
    // FLUSHDB of a missing watched key is no change; SWAPDB bringing the key in is.
    d.same("FLUSHALL").await;
    d.same("WATCH ghost").await;
    other.same("FLUSHDB").await;
    d.same("MULTI").await;
    d.same("SET ghost here").await;
    d.same("EXEC").await;
    d.same("DEL ghost").await;
    d.same("WATCH ghost").await;
    other.same("SELECT 1").await;
    other.same("SET ghost in-db-1").await;
    other.same("SWAPDB 0 1").await;
    d.same("MULTI").await;
    d.same("GET ghost").await;
    d.same("EXEC").await;
}

#[tokio::test]
async fn watch_broken_by_other_clients_resp2() {
    watch_broken_by_other_clients(false).await;
}

#[tokio::test]
async fn watch_broken_by_other_clients_resp3() {
    watch_broken_by_other_clients(true).await;
}

/// A huge transaction queues and runs like any other.
#[tokio::test]
async fn a_huge_multi_queue() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    d.same("MULTI").await;
    for _ in 0..5000 {
        d.send("INCR counter").await;
    }
    for _ in 0..5000 {
        d.same_pending("QUEUED").await;
    }
    d.same("EXEC").await;
    d.same("GET counter").await;
}

async fn ask(conn: &mut RawConn, line: &str) -> String {
    String::from_utf8(conn.request(&args_of(line)).await).unwrap()
}

/// A watched key whose TTL passes before EXEC fails the transaction even if nobody touched
/// it; one already expired at WATCH time does not (Redis's isWatchedKeyExpired). Real Redis
/// cannot move its clock, so this runs on the engine's frozen clock with Redis's answers.
#[tokio::test]
async fn watched_keys_expiring_break_exec() {
    let clock = Clock::frozen(1_700_000_000_000_000);
    let engine = Engine::start_local(clock.clone()).await.expect("engine");
    let mut conn = RawConn::connect(engine.addr()).await;
    assert_eq!(ask(&mut conn, "SET soon v PX 1000").await, "+OK\r\n");
    assert_eq!(ask(&mut conn, "WATCH soon").await, "+OK\r\n");
    clock.advance(Duration::from_secs(2));
    assert_eq!(ask(&mut conn, "MULTI").await, "+OK\r\n");
    assert_eq!(ask(&mut conn, "SET other 1").await, "+QUEUED\r\n");
    assert_eq!(ask(&mut conn, "EXEC").await, "*-1\r\n");

    assert_eq!(ask(&mut conn, "SET gone v PX 1000").await, "+OK\r\n");
    clock.advance(Duration::from_secs(2));
    assert_eq!(ask(&mut conn, "WATCH gone").await, "+OK\r\n");
    assert_eq!(ask(&mut conn, "GET gone").await, "$-1\r\n");
    assert_eq!(ask(&mut conn, "MULTI").await, "+OK\r\n");
    assert_eq!(ask(&mut conn, "SET gone back").await, "+QUEUED\r\n");
    assert_eq!(ask(&mut conn, "EXEC").await, "*1\r\n+OK\r\n");
}

/// The redis crate's `transaction` (WATCH, MULTI, EXEC, retry on a null reply) keeps a
/// counter exact while two clients race to increment it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimistic_locking_with_the_redis_crate() {
    let engine = Engine::start_local(Clock::new()).await.expect("engine");
    let url = engine.url();
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let url = url.clone();
            tokio::task::spawn_blocking(move || {
                let client = redis::Client::open(url).unwrap();
                let mut con = client.get_connection().unwrap();
                for _ in 0..50 {
                    let _: () = redis::transaction(&mut con, &["counter"], |con, pipe| {
                        let current: i64 = redis::cmd("GET")
                            .arg("counter")
                            .query::<Option<i64>>(con)?
                            .unwrap_or(0);
                        pipe.set("counter", current + 1).ignore().query(con)
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let mut conn = RawConn::connect(engine.addr()).await;
    assert_eq!(ask(&mut conn, "GET counter").await, "$3\r\n100\r\n");
}
