//! Generic keyspace commands compared with a real Redis 7.0.15 (RESP2 and RESP3): DEL,
//! EXISTS, TYPE, RENAME, COPY, MOVE, KEYS, SCAN, the EXPIRE/TTL family, SWAPDB, FLUSH*,
//! OBJECT, and expiry driven by the engine's virtual clock.

mod support;

use redis_tutor::engine::{Clock, Engine};
use std::collections::HashSet;
use std::time::Duration;
use support::differential::{Differential, RawConn, args_of, check_script};

#[tokio::test]
async fn del_exists_type_touch() {
    check_script(
        r#"
        MSET a 1 b 2 c 3
        EXISTS a
        EXISTS a b missing a
        TYPE a
        TYPE missing
        TOUCH a b missing
        DEL a missing
        DEL a
        UNLINK b c d
        EXISTS a b c
        DBSIZE
        DEL
        EXISTS
        TYPE
        TYPE a b
        TOUCH
        UNLINK
        "#,
    )
    .await;
}

#[tokio::test]
async fn rename_and_renamenx() {
    check_script(
        r#"
        SET a 1
        RENAME a b
        GET b
        EXISTS a
        RENAME missing x
        RENAMENX missing x
        RENAME b b
        RENAMENX b b
        SET c 3
        RENAMENX b c
        RENAME b c
        GET c
        EXISTS b
        SET t v EX 100
        RENAME t t2
        TTL t2
        RENAMENX t2 t3
        TTL t3
        RENAME
        RENAME a
        RENAMENX a
        "#,
    )
    .await;
}

#[tokio::test]
async fn copy_and_move() {
    check_script(
        r#"
        SET a hello EX 100
        COPY a b
        GET b
        TTL b
        COPY a b
        COPY a b REPLACE
        COPY a a
        COPY a a DB 1
        COPY missing x
        COPY a b DB 16
        COPY a b DB -1
        COPY a b DB x
        COPY a b DB
        COPY a b FOO
        COPY a b replace db 2
        SELECT 2
        GET b
        TTL b
        SELECT 0
        MOVE a 3
        MOVE a 3
        EXISTS a
        SELECT 3
        GET a
        MOVE a 3
        MOVE missing 0
        SET a other
        SELECT 0
        SET a mine
        SELECT 3
        MOVE a 0
        GET a
        MOVE a 16
        MOVE a x
        MOVE a -1
        MOVE a 2147483648
        COPY a b DB 2147483648
        COPY a b DB -2147483649
        SWAPDB 2147483648 0
        SWAPDB 0 -2147483649
        COPY
        MOVE a
        "#,
    )
    .await;
}

#[tokio::test]
async fn expire_family() {
    check_script(
        r#"
        SET k v
        TTL k
        PTTL k
        EXPIRETIME k
        PEXPIRETIME k
        TTL missing
        PTTL missing
        EXPIRETIME missing
        PEXPIRETIME missing
        EXPIRE k 1000
        TTL k
        EXPIRE missing 10
        EXPIRE k 2000 NX
        EXPIRE k 2000 XX
        TTL k
        EXPIRE k 100 GT
        EXPIRE k 3000 GT
        TTL k
        EXPIRE k 4000 LT
        EXPIRE k 500 LT
        TTL k
        PERSIST k
        PERSIST k
        PERSIST missing
        EXPIRE k 100 XX
        EXPIRE k 100 GT
        EXPIRE k 100 LT
        TTL k
        PERSIST k
        EXPIRE k 100 NX
        EXPIRE k 10 NX XX
        EXPIRE k 10 NX GT
        EXPIRE k 10 NX LT
        EXPIRE k 10 GT LT
        EXPIRE k 10 FOO
        EXPIRE k 10 nx nx
        EXPIRE k x
        EXPIRE k 1.5
        EXPIRE k 9223372036854775807
        EXPIRE k -9223372036854775808
        EXPIRE k 9223372036854775
        PEXPIRE k 9223372036854775807
        EXPIREAT k 9223372036854775807
        PEXPIREAT k 9223372036854775807
        PEXPIREAT k 4102444800000
        PEXPIRETIME k
        EXPIRETIME k
        EXPIREAT k 4102444800
        EXPIRETIME k
        PEXPIRE k 1000000
        ? PTTL k
        SET gone v
        EXPIRE gone 0
        EXISTS gone
        SET gone v
        EXPIRE gone -10
        EXISTS gone
        SET gone v
        PEXPIRE gone -1
        EXISTS gone
        SET gone v
        EXPIREAT gone 1
        EXISTS gone
        SET gone v
        PEXPIREAT gone 1000
        GET gone
        SET g v EX 100
        EXPIRE g 0 GT
        EXISTS g
        EXPIRE g 0 LT
        EXISTS g
        EXPIRE
        EXPIRE k
        TTL
        PERSIST
        EXPIRETIME
        "#,
    )
    .await;
}

#[tokio::test]
async fn keys_scan_randomkey_dbsize() {
    check_script(
        r#"
        KEYS *
        SCAN 0
        RANDOMKEY
        MSET user:1 a user:2 b user:10 c other d "" empty "a*b" x
        ~ KEYS *
        ~ KEYS user:*
        ~ KEYS user:?
        ~ KEYS user:[0-1]*
        ~ KEYS *[^r]
        ~ KEYS a\*b
        KEYS nomatch*
        ~ SCAN 0 COUNT 1000
        ~ SCAN 0 MATCH user:* COUNT 1000
        ~ SCAN 0 MATCH * COUNT 1000
        ~ SCAN 0 TYPE string COUNT 1000
        ~ SCAN 0 TYPE STRING COUNT 1000
        ~ SCAN 0 TYPE list COUNT 1000
        ~ SCAN 0 TYPE nosuchtype COUNT 1000
        ~ SCAN 0 count 1000 match other type string
        ~ SCAN 0 COUNT 4294967296
        ~ SCAN 0 COUNT 9223372036854775807
        SCAN 0 COUNT 0
        SCAN 0 COUNT -1
        SCAN 0 COUNT x
        SCAN 0 MATCH
        SCAN 0 FOO bar
        SCAN x
        SCAN " 1"
        SCAN 1x
        SCAN 1.5
        DBSIZE
        ? RANDOMKEY
        KEYS
        SCAN
        DBSIZE x
        RANDOMKEY x
        "#,
    )
    .await;
}

/// Walks SCAN to the end on both servers: each must return every key.
#[tokio::test]
async fn scan_walk_returns_every_key() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let mut mset = String::from("MSET");
    for i in 0..500 {
        mset.push_str(&format!(" key:{i} {i}"));
    }
    d.same(&mset).await;
    d.same("DBSIZE").await;
    for (name, conn) in [("real", &mut d.real_conn), ("engine", &mut d.engine_conn)] {
        let mut seen = HashSet::new();
        let mut cursor = "0".to_string();
        let mut rounds = 0;
        loop {
            let reply = conn
                .request(&args_of(&format!("SCAN {cursor} COUNT 17")))
                .await;
            let (value, _) = redis_tutor::resp::parse_value(&reply).unwrap().unwrap();
            let redis_tutor::resp::Value::Array(parts) = value else {
                panic!("{name}: SCAN reply is not an array");
            };
            cursor = String::from_utf8(parts[0].as_bytes().unwrap().to_vec()).unwrap();
            if let redis_tutor::resp::Value::Array(keys) = &parts[1] {
                seen.extend(keys.iter().map(|k| k.as_bytes().unwrap().to_vec()));
            }
            rounds += 1;
            assert!(rounds < 10_000, "{name}: SCAN never finished");
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), 500, "{name}: SCAN returned {} keys", seen.len());
    }
}

#[tokio::test]
async fn flush_and_swapdb() {
    check_script(
        r#"
        SET a 1
        SELECT 1
        SET b 2
        SET c 3
        SELECT 0
        SWAPDB 0 1
        ~ KEYS *
        SELECT 1
        KEYS *
        SWAPDB 0 0
        SWAPDB 0 16
        SWAPDB -1 0
        SWAPDB x 0
        SWAPDB 0 x
        SWAPDB 0
        FLUSHDB
        DBSIZE
        SELECT 0
        DBSIZE
        FLUSHDB ASYNC
        FLUSHDB sync
        FLUSHDB foo
        FLUSHDB ASYNC SYNC
        SET a 1
        SELECT 5
        SET b 1
        FLUSHALL
        DBSIZE
        SELECT 0
        DBSIZE
        FLUSHALL ASYNC
        FLUSHALL SYNC
        FLUSHALL foo
        FLUSHALL SYNC ASYNC
        "#,
    )
    .await;
}

#[tokio::test]
async fn object_subcommands() {
    check_script(
        r#"
        SET int 12345
        SET neg -5
        SET short hello
        SET long 0123456789012345678901234567890123456789abcde
        SET exactly44 01234567890123456789012345678901234567890123
        SET float 1.5
        SET bigint 12345678901234567890
        OBJECT ENCODING int
        OBJECT ENCODING neg
        OBJECT ENCODING short
        OBJECT ENCODING long
        OBJECT ENCODING exactly44
        OBJECT ENCODING float
        OBJECT ENCODING bigint
        OBJECT ENCODING missing
        INCR counter
        OBJECT ENCODING counter
        SET grow hello
        APPEND grow " world"
        OBJECT ENCODING grow
        APPEND fresh 123
        OBJECT ENCODING fresh
        SETRANGE sr 0 abc
        OBJECT ENCODING sr
        SET sr2 12
        SETRANGE sr2 0 3
        OBJECT ENCODING sr2
        SETBIT bits 3 1
        OBJECT ENCODING bits
        INCRBYFLOAT fl 3
        OBJECT ENCODING fl
        INCRBYFLOAT fl 0.5
        OBJECT ENCODING fl
        INCR fl2
        INCRBYFLOAT fl2 1
        INCR fl2
        OBJECT ENCODING fl2
        BITOP OR bo int
        OBJECT ENCODING bo
        RENAME grow grown
        OBJECT ENCODING grown
        COPY grown grown2
        OBJECT ENCODING grown2
        MOVE grown2 1
        SELECT 1
        OBJECT ENCODING grown2
        SELECT 0
        SET grown hello
        OBJECT ENCODING grown
        GETRANGE int 0 1
        OBJECT ENCODING int
        SET spaced " 12"
        OBJECT ENCODING spaced
        SET max 9223372036854775807
        OBJECT ENCODING max
        SET over 9223372036854775808
        OBJECT ENCODING over
        OBJECT REFCOUNT int
        OBJECT REFCOUNT short
        OBJECT REFCOUNT counter
        OBJECT REFCOUNT missing
        OBJECT FREQ short
        OBJECT FREQ missing
        OBJECT IDLETIME missing
        OBJECT IDLETIME short
        OBJECT HELP
        OBJECT
        OBJECT ENCODING
        OBJECT FOO x
        OBJECT ENCODING a b
        CONFIG SET maxmemory-policy allkeys-lfu
        OBJECT IDLETIME short
        OBJECT FREQ missing
        CONFIG SET maxmemory-policy noeviction
        MEMORY USAGE int
        MEMORY USAGE short
        MEMORY USAGE long
        MEMORY USAGE exactly44
        MEMORY USAGE bigint
        MEMORY USAGE counter
        MEMORY USAGE sr
        MEMORY USAGE missing
        MEMORY USAGE short SAMPLES 5
        MEMORY USAGE short SAMPLES 0
        MEMORY USAGE short SAMPLES
        MEMORY USAGE short SAMPLES x
        MEMORY USAGE short FOO
        MEMORY HELP
        "#,
    )
    .await;
}

#[tokio::test]
async fn long_ttls_tick_within_tolerance() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    d.same("SET k v EX 100000").await;
    for cmd in ["PTTL k", "TTL k"] {
        let (real, engine) = d.both(cmd).await;
        let number = |raw: &[u8]| -> i64 {
            String::from_utf8_lossy(&raw[1..raw.len() - 2])
                .parse()
                .unwrap()
        };
        let (r, e) = (number(&real), number(&engine));
        let tolerance = if cmd.starts_with('P') { 2_000 } else { 2 };
        assert!((r - e).abs() <= tolerance, "{cmd}: engine {e}, real {r}");
    }
}

#[tokio::test]
async fn keyspace_statistics_count_like_redis() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    for cmd in [
        "SET a 1",
        "GET a",
        "GET missing",
        "MGET a b c",
        "EXISTS a missing",
        "TYPE a",
        "TTL missing",
        "STRLEN a",
        "INCR a",
        "SET b 2 GET",
        "GETRANGE a 0 1",
        "OBJECT ENCODING a",
        "TOUCH a x",
    ] {
        d.same(cmd).await;
    }
    let stat = |info: &[u8], field: &str| -> String {
        String::from_utf8_lossy(info)
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")).map(str::to_string))
            .unwrap_or_default()
    };
    let (real, engine) = d.both("INFO stats").await;
    for field in ["keyspace_hits", "keyspace_misses", "total_error_replies"] {
        assert_eq!(
            stat(&engine, field),
            stat(&real, field),
            "INFO stats {field}: engine vs real"
        );
    }
}

#[tokio::test]
async fn virtual_clock_expires_keys() {
    let clock = Clock::new();
    let engine = Engine::start_local(clock.clone()).await.expect("engine");
    let mut conn = RawConn::connect(engine.addr()).await;
    let mut ask = async |cmd: &str| {
        let reply = conn.request(&args_of(cmd)).await;
        String::from_utf8(reply).unwrap()
    };
    assert_eq!(ask("SET lazy v EX 100").await, "+OK\r\n");
    assert_eq!(ask("SET active v PX 100000").await, "+OK\r\n");
    assert_eq!(ask("SET forever v").await, "+OK\r\n");
    assert_eq!(ask("TTL lazy").await, ":100\r\n");
    assert_eq!(ask("DBSIZE").await, ":3\r\n");
    clock.advance(Duration::from_secs(50));
    assert_eq!(ask("TTL lazy").await, ":50\r\n");
    clock.advance(Duration::from_secs(60));
    assert_eq!(ask("TTL lazy").await, ":-2\r\n", "TTL after expiry");
    assert_eq!(ask("EXISTS lazy").await, ":0\r\n");
    assert_eq!(ask("GET lazy").await, "$-1\r\n");
    // The other key is reclaimed by active expiry without being touched.
    let mut size = String::new();
    for _ in 0..100 {
        size = ask("DBSIZE").await;
        if size == ":1\r\n" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(size, ":1\r\n", "DBSIZE after active expiry");
    let info = ask("INFO stats").await;
    assert!(
        info.contains("expired_keys:2\r\n"),
        "expired_keys counts lazy and active expiry: {info}"
    );
    let keyspace = ask("INFO keyspace").await;
    assert!(
        keyspace.contains("db0:keys=1,expires=0,avg_ttl=0\r\n"),
        "INFO keyspace: {keyspace}"
    );
}

/// String commands against lists, hashes, sets and sorted sets, and generic commands on
/// those types. Needs the collection commands (RPUSH, HSET, SADD, ZADD) in the engine.
#[tokio::test]
async fn string_commands_against_other_types() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let (_, probe) = d.both("RPUSH probe x").await;
    if probe.starts_with(b"-ERR unknown command") {
        println!("skipping: the engine has no collection commands yet");
        return;
    }
    d.run(
        r#"
        RPUSH l a b c
        HSET h f v
        SADD s 1 2 3
        SADD sw a b
        ZADD z 1 a
        GET l
        GETSET h x
        GETDEL s
        GETEX z EX 10
        SET l v GET
        APPEND h x
        STRLEN s
        GETRANGE z 0 1
        SETRANGE l 0 x
        INCR h
        INCRBY s 1
        DECR z
        DECRBY l 1
        INCRBYFLOAT h 1
        MGET l h s z missing
        SETBIT l 1 1
        GETBIT h 1
        BITCOUNT s
        BITPOS z 1
        BITOP AND dest l
        BITOP OR dest missing h
        LCS l h
        TYPE l
        TYPE h
        TYPE s
        TYPE z
        OBJECT ENCODING l
        OBJECT ENCODING h
        OBJECT ENCODING s
        OBJECT ENCODING sw
        OBJECT ENCODING z
        ~ SCAN 0 TYPE list COUNT 100
        ~ SCAN 0 TYPE hash COUNT 100
        ~ SCAN 0 TYPE zset COUNT 100
        COPY l l2
        RPUSH l2 d
        LRANGE l 0 -1
        LRANGE l2 0 -1
        RENAME h h2
        HGETALL h2
        EXPIRE s 100
        TTL s
        MOVE z 1
        EXISTS z
        SELECT 1
        ZRANGE z 0 -1 WITHSCORES
        SELECT 0
        SET l v
        TYPE l
        DEL l2 h2 s sw
        EXISTS l2 h2 s sw
        "#,
    )
    .await;
}

#[tokio::test]
async fn maxmemory_noeviction_refuses_writes() {
    check_script(
        r#"
        SET before v
        CONFIG SET maxmemory 1
        SET a b
        APPEND before x
        INCR n
        GET before
        GET a
        EXISTS before
        DEL before
        SET a b
        CONFIG SET maxmemory 0
        SET a b
        GET a
        "#,
    )
    .await;
}

#[tokio::test]
async fn maxmemory_allkeys_evicts_everything_under_a_tiny_limit() {
    check_script(
        r#"
        MSET a 1 b 2 c 3
        CONFIG SET maxmemory-policy allkeys-random
        CONFIG SET maxmemory 1
        SET d 4
        DBSIZE
        CONFIG SET maxmemory 0
        CONFIG SET maxmemory-policy noeviction
        "#,
    )
    .await;
}

/// allkeys-lru keeps the keys that were used recently; volatile-ttl evicts the soonest to
/// expire; INFO counts evictions.
#[tokio::test]
async fn lru_and_ttl_eviction_order() {
    let engine = Engine::start_local(Clock::new()).await.expect("engine");
    let mut conn = RawConn::connect(engine.addr()).await;
    let mut ask = async |cmd: &str| String::from_utf8(conn.request(&args_of(cmd)).await).unwrap();
    let used = |info: &str| -> u64 {
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let base = used(&ask("INFO memory").await);
    let value = "v".repeat(1000);
    // Room for about 50 values of 1 KB.
    assert_eq!(
        ask(&format!(
            "CONFIG SET maxmemory {} maxmemory-policy allkeys-lru",
            base + 60_000
        ))
        .await,
        "+OK\r\n"
    );
    for i in 0..40 {
        ask(&format!("SET key:{i} {value}")).await;
    }
    for i in 40..120 {
        // key:0 is read all the time, so it is never the least recently used.
        assert!(ask("GET key:0").await.starts_with("$1000\r\n"));
        ask(&format!("SET key:{i} {value}")).await;
    }
    assert_eq!(ask("EXISTS key:0").await, ":1\r\n", "the hot key survives");
    assert_eq!(
        ask("EXISTS key:1").await,
        ":0\r\n",
        "an old cold key is gone"
    );
    assert_eq!(
        ask("EXISTS key:119").await,
        ":1\r\n",
        "the newest key is kept"
    );
    let stats = ask("INFO stats").await;
    let evicted: u64 = stats
        .lines()
        .find_map(|l| l.strip_prefix("evicted_keys:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(evicted >= 60, "evicted_keys: {evicted}");
    assert!(used(&ask("INFO memory").await) <= base + 60_000);

    ask("FLUSHALL").await;
    ask("CONFIG SET maxmemory-policy volatile-ttl").await;
    ask(&format!("SET forever {value}")).await;
    for i in 0..80 {
        ask(&format!("SET ttl:{i} {value} EX {}", 1000 + i)).await;
    }
    assert_eq!(
        ask("EXISTS forever").await,
        ":1\r\n",
        "volatile-ttl spares keys without TTL"
    );
    assert_eq!(
        ask("EXISTS ttl:0").await,
        ":0\r\n",
        "the soonest to expire went first"
    );
    assert_eq!(ask("EXISTS ttl:79").await, ":1\r\n");
}

/// OBJECT IDLETIME grows with the (virtual) clock; TYPE, TTL, EXISTS and OBJECT leave it
/// alone, a read resets it.
#[tokio::test]
async fn idletime_follows_access() {
    let clock = Clock::new();
    let engine = Engine::start_local(clock.clone()).await.expect("engine");
    let mut conn = RawConn::connect(engine.addr()).await;
    let mut ask = async |cmd: &str| String::from_utf8(conn.request(&args_of(cmd)).await).unwrap();
    ask("SET k v").await;
    ask("MSET m1 a m2 b").await;
    assert_eq!(ask("OBJECT IDLETIME k").await, ":0\r\n");
    clock.advance(Duration::from_secs(30));
    for untouching in [
        "TYPE k",
        "TTL k",
        "EXISTS k",
        "OBJECT ENCODING k",
        "MEMORY USAGE k",
    ] {
        ask(untouching).await;
    }
    assert_eq!(ask("OBJECT IDLETIME k").await, ":30\r\n");
    assert_eq!(ask("OBJECT IDLETIME m2").await, ":30\r\n");
    ask("GET k").await;
    assert_eq!(ask("OBJECT IDLETIME k").await, ":0\r\n");
    assert_eq!(ask("OBJECT IDLETIME missing").await, "$-1\r\n");
}
