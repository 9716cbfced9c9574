//! Connection and server commands compared with a real Redis 7.0.15: HELLO, AUTH, RESET,
//! CLIENT, CONFIG, COMMAND, INFO (field names per section), TIME.

mod support;

use redis_tutor::resp::{Value, parse_value};
use std::collections::BTreeSet;
use support::differential::{Differential, RawConn, args_of, body, check_script, command_calls};

#[tokio::test]
async fn hello_and_auth() {
    check_script(
        r#"
        HELLO 4
        HELLO 1
        HELLO x
        HELLO 3 FOO
        HELLO 3 AUTH a
        HELLO 3 SETNAME
        HELLO 3 SETNAME "bad name"
        AUTH pass
        AUTH default anything
        AUTH someone pass
        AUTH a b c
        HELLO 2 AUTH someone pass
        AUTH
        "#,
    )
    .await;
}

/// HELLO's reply carries the client id, which differs between servers: compare the rest.
#[tokio::test]
async fn hello_reply_map() {
    for script in [
        "HELLO",
        "HELLO 2",
        "HELLO 3",
        "HELLO 3 SETNAME tutor",
        "HELLO 2 AUTH default x",
    ] {
        let Some(mut d) = Differential::start().await else {
            return;
        };
        let (real, engine) = d.both(script).await;
        let strip = |raw: &[u8]| {
            let (v, _) = parse_value(raw).unwrap().unwrap();
            let pairs: Vec<(Value, Value)> = match v {
                Value::Map(p) => p,
                Value::Array(items) => items
                    .chunks(2)
                    .map(|c| (c[0].clone(), c[1].clone()))
                    .collect(),
                other => panic!("HELLO reply {other:?}"),
            };
            pairs
                .into_iter()
                .filter(|(k, _)| k.as_bytes() != Some(b"id"))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&engine), strip(&real), "{script}");
        assert_eq!(engine[0], real[0], "{script}: reply type");
        d.same("CLIENT GETNAME").await;
    }
}

#[tokio::test]
async fn requirepass_and_auth() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    d.same("CONFIG SET requirepass secret").await;
    d.same("PING").await;
    let mut real = RawConn::connect(d.real.addr()).await;
    let mut engine = RawConn::connect(d.engine.addr()).await;
    for cmd in [
        "PING",
        "GET k",
        "NOSUCH x",
        "GET",
        "HELLO 3",
        "AUTH wrong",
        "AUTH default wrong",
        "AUTH secret",
        "PING",
        "RESET",
        "PING",
        "HELLO 2 AUTH default secret",
        "PING",
        "AUTH default secret",
        "CONFIG SET requirepass \"\"",
        "AUTH x",
    ] {
        let args = args_of(cmd);
        let (r, e) = (real.request(&args).await, engine.request(&args).await);
        if cmd.starts_with("HELLO 2") {
            assert_eq!(e[0], r[0], "{cmd}");
            continue;
        }
        assert_eq!(
            String::from_utf8_lossy(&e),
            String::from_utf8_lossy(&r),
            "{cmd}: engine vs real"
        );
    }
}

#[tokio::test]
async fn client_commands() {
    check_script(
        r#"
        CLIENT GETNAME
        CLIENT SETNAME tutor
        CLIENT GETNAME
        CLIENT SETNAME "with space"
        CLIENT SETNAME "new\nline"
        CLIENT SETNAME "é"
        CLIENT SETNAME ""
        CLIENT GETNAME
        CLIENT SETNAME
        CLIENT SETNAME a b
        CLIENT NO-EVICT on
        CLIENT NO-EVICT OFF
        CLIENT NO-EVICT maybe
        CLIENT GETREDIR
        CLIENT UNBLOCK 999999
        CLIENT UNBLOCK 999999 TIMEOUT
        CLIENT UNBLOCK 999999 error
        CLIENT UNBLOCK 999999 foo
        CLIENT UNBLOCK x
        CLIENT UNBLOCK x foo
        CLIENT UNBLOCK -1
        CLIENT UNBLOCK
        SELECT +1
        SELECT 01
        SELECT 2147483648
        SELECT 15
        SELECT 0
        CLIENT LIST TYPE foo
        CLIENT LIST TYPE master
        CLIENT LIST TYPE pubsub
        CLIENT LIST ID x
        CLIENT LIST ID 999999
        CLIENT LIST foo
        CLIENT LIST TYPE normal ID 1
        CLIENT HELP
        CLIENT NOSUCH
        CLIENT
        CLIENT ID x
        CLIENT INFO x
        RESET
        RESET x
        "#,
    )
    .await;
}

/// `name=value` field names of a CLIENT LIST/INFO line.
fn field_names(line: &str) -> Vec<String> {
    line.split(' ')
        .map(|f| f.split_once('=').map_or(f, |(k, _)| k).to_string())
        .collect()
}

#[tokio::test]
async fn client_list_and_info_format() {
    for resp3 in [false, true] {
        let d = Differential::start_with(resp3).await;
        let Some(mut d) = d else {
            return;
        };
        d.same("CLIENT SETNAME me").await;
        d.same("SELECT 2").await;
        for cmd in ["CLIENT INFO", "CLIENT LIST", "CLIENT LIST TYPE normal"] {
            let (real, engine) = d.both(cmd).await;
            assert_eq!(engine[0], real[0], "{cmd}: reply type");
            let (real, engine) = (body(&real), body(&engine));
            assert!(engine.ends_with('\n'), "{cmd}: {engine:?}");
            assert_eq!(
                engine.lines().count(),
                real.lines().count(),
                "{cmd}: one line per client"
            );
            let (r, e) = (real.lines().next().unwrap(), engine.lines().next().unwrap());
            assert_eq!(field_names(e), field_names(r), "{cmd} fields");
            for exact in ["name=me", "db=2", "flags=N", "user=default"] {
                assert!(e.contains(exact), "{cmd}: {e} lacks {exact}");
            }
            assert!(e.contains(if resp3 { "resp=3" } else { "resp=2" }), "{e}");
            let words: Vec<String> = cmd.split(' ').take(2).map(str::to_lowercase).collect();
            assert!(e.contains(&format!(" cmd={} ", words.join("|"))), "{e}");
        }
        let id = d.engine_conn.request(&args_of("CLIENT ID")).await;
        let id = String::from_utf8_lossy(&id[1..id.len() - 2]).into_owned();
        let listed = d
            .engine_conn
            .request(&args_of(&format!("CLIENT LIST ID {id}")))
            .await;
        assert!(
            body(&listed).starts_with(&format!("id={id} ")),
            "CLIENT LIST ID"
        );
    }
}

#[tokio::test]
async fn config_get_and_set() {
    check_script(
        r#"
        CONFIG GET maxmemory
        CONFIG GET maxmemory-policy
        CONFIG GET databases
        CONFIG GET appendonly
        CONFIG GET appendfsync
        ~ CONFIG GET maxmemory-samples timeout tcp-keepalive
        ~ CONFIG GET hash-max-*
        ~ CONFIG GET *-max-*-entries
        ~ CONFIG GET set-max-intset-entries zset-max-listpack-entries zset-max-listpack-value
        ~ CONFIG GET list-max-listpack-size list-compress-depth list-max-ziplist-size
        CONFIG GET hash-max-ziplist-entries
        CONFIG GET HZ Hz hz
        CONFIG GET nosuch
        CONFIG GET nosuch*
        CONFIG GET requirepass
        CONFIG GET notify-keyspace-events
        CONFIG GET proto-max-bulk-len
        ~ CONFIG GET lua-time-limit busy-reply-threshold
        ~ CONFIG GET slowlog-log-slower-than slowlog-max-len latency-tracking
        ~ CONFIG GET lfu-log-factor lfu-decay-time activerehashing loglevel
        CONFIG GET save
        CONFIG SET maxmemory 10mb
        CONFIG GET maxmemory
        CONFIG SET maxmemory 1gb
        CONFIG GET maxmemory
        CONFIG SET maxmemory 100k
        CONFIG GET maxmemory
        CONFIG SET maxmemory abc
        CONFIG SET maxmemory -1
        CONFIG SET maxmemory 0
        CONFIG SET maxmemory-policy allkeys-lru
        CONFIG GET maxmemory-policy
        CONFIG SET maxmemory-policy ALLKEYS-LFU
        CONFIG GET maxmemory-policy
        CONFIG SET maxmemory-policy foo
        CONFIG SET maxmemory-policy noeviction
        CONFIG SET hz abc
        CONFIG SET hz -1
        CONFIG SET hz 1000
        CONFIG GET hz
        CONFIG SET hz 0
        CONFIG GET hz
        CONFIG SET hz 10
        CONFIG SET activerehashing maybe
        CONFIG SET activerehashing NO
        CONFIG GET activerehashing
        CONFIG SET databases 3
        CONFIG SET daemonize yes
        CONFIG SET nosuch 1
        CONFIG SET hz 10 nosuch 1
        CONFIG SET nosuch 1 hz x
        CONFIG SET hz x nosuch 1
        CONFIG SET hz 10 HZ 11
        CONFIG SET hash-max-listpack-entries 1 hash-max-ziplist-entries 2
        CONFIG SET hash-max-ziplist-entries 100
        CONFIG GET hash-max-listpack-entries
        CONFIG SET hash-max-listpack-entries 512 zset-max-listpack-entries 64
        CONFIG GET zset-max-ziplist-entries
        CONFIG SET timeout -1
        CONFIG SET timeout 30
        CONFIG GET timeout
        CONFIG SET save "100 x"
        CONFIG SET save "100"
        CONFIG SET save "3600 1 300 100"
        CONFIG GET save
        CONFIG SET save ""
        CONFIG SET notify-keyspace-events Q
        CONFIG SET notify-keyspace-events KEA
        CONFIG GET notify-keyspace-events
        CONFIG SET notify-keyspace-events Ex
        CONFIG GET notify-keyspace-events
        CONFIG SET notify-keyspace-events "g$lshzxetdKE"
        CONFIG GET notify-keyspace-events
        CONFIG SET notify-keyspace-events ""
        CONFIG SET loglevel foo
        CONFIG SET loglevel warning
        CONFIG SET appendfsync foo
        CONFIG SET maxmemory-samples 0
        CONFIG SET proto-max-bulk-len 10
        CONFIG SET lfu-log-factor -1
        CONFIG SET slowlog-log-slower-than -2
        CONFIG SET slowlog-log-slower-than -1
        CONFIG SET list-max-listpack-size -2
        CONFIG SET set-max-intset-entries x
        CONFIG SET latency-tracking no
        CONFIG GET latency-tracking
        CONFIG SET
        CONFIG SET hz
        CONFIG SET hz 10 hz
        CONFIG GET
        CONFIG RESETSTAT
        CONFIG RESETSTAT x
        CONFIG HELP
        CONFIG REWRITE
        CONFIG REWRITE x
        ROLE
        MEMORY DOCTOR
        MEMORY PURGE
        MEMORY DOCTOR x
        MEMORY STATS x
        DEBUG
        DEBUG SLEEP 0
        DEBUG OBJECT k
        ROLE x
        CONFIG NOSUCH
        CONFIG
        "#,
    )
    .await;
}

#[tokio::test]
async fn config_get_star_lists_every_parameter() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let names = |raw: &[u8]| -> BTreeSet<String> {
        let (v, _) = parse_value(raw).unwrap().unwrap();
        let Value::Array(items) = v else {
            panic!("CONFIG GET reply")
        };
        items
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c[0].as_bytes().unwrap()).into_owned())
            .collect()
    };
    let (real, engine) = d.both("CONFIG GET *").await;
    assert_eq!(names(&engine), names(&real));
}

#[tokio::test]
async fn proto_max_bulk_len_limits_strings() {
    check_script(
        r#"
        CONFIG SET proto-max-bulk-len 1mb
        SETRANGE k 1048575 x
        SETRANGE k 1048576 x
        SETBIT b 8388607 1
        SETBIT b 8388608 1
        CONFIG SET proto-max-bulk-len 512mb
        "#,
    )
    .await;
}

#[tokio::test]
async fn command_introspection() {
    check_script(
        r#"
        COMMAND INFO get
        COMMAND INFO GET set nosuch
        COMMAND INFO config|get
        COMMAND INFO client|list
        COMMAND DOCS get
        COMMAND DOCS nosuch
        COMMAND DOCS get nosuch set
        COMMAND DOCS config|set
        COMMAND INFO incrbyfloat expire scan
        COMMAND DOCS scan
        COMMAND LIST FILTERBY MODULE x
        COMMAND LIST FILTERBY ACLCAT nosuchcategory
        COMMAND LIST FILTERBY FOO x
        COMMAND LIST FILTERBY
        COMMAND LIST FOO
        ~ COMMAND LIST FILTERBY PATTERN incr*
        COMMAND GETKEYS get a
        COMMAND GETKEYS mset a b c d
        COMMAND GETKEYS get a b
        COMMAND GETKEYS nosuch a
        COMMAND GETKEYS rename a b
        COMMAND GETKEYS bitop and d a b
        COMMAND GETKEYS copy a b
        COMMAND GETKEYS object encoding k
        COMMAND HELP
        COMMAND NOSUCH
        COMMAND COUNT x
        "#,
    )
    .await;
}

/// COMMAND and COMMAND COUNT: every engine command has Redis's exact COMMAND INFO entry.
#[tokio::test]
async fn command_all_matches_redis_entries() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let entries = |raw: &[u8]| -> Vec<Value> {
        match parse_value(raw).unwrap().unwrap().0 {
            Value::Array(items) => items,
            other => panic!("COMMAND reply {other:?}"),
        }
    };
    let (real, engine) = d.both("COMMAND").await;
    let (real, engine) = (entries(&real), entries(&engine));
    let count = d.engine_conn.request(&args_of("COMMAND COUNT")).await;
    assert_eq!(count, format!(":{}\r\n", engine.len()).into_bytes());
    let name = |v: &Value| match v {
        Value::Array(f) => f[0].as_bytes().unwrap().to_vec(),
        _ => panic!("entry"),
    };
    for entry in &engine {
        let twin = real
            .iter()
            .find(|r| name(r) == name(entry))
            .expect("every engine command exists in Redis");
        // Subcommand lists only include what the engine implements.
        if let (Value::Array(e), Value::Array(r)) = (entry, twin) {
            assert_eq!(e[..9], r[..9], "{}", String::from_utf8_lossy(&name(entry)));
        }
    }
}

#[tokio::test]
async fn time_and_lastsave() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let (real, engine) = d.both("TIME").await;
    let secs = |raw: &[u8]| -> i64 {
        let (v, _) = parse_value(raw).unwrap().unwrap();
        let Value::Array(parts) = v else { panic!() };
        String::from_utf8_lossy(parts[0].as_bytes().unwrap())
            .parse()
            .unwrap()
    };
    assert!((secs(&real) - secs(&engine)).abs() <= 2, "TIME seconds");
    let (real, engine) = d.both("LASTSAVE").await;
    assert_eq!(engine[0], b':');
    assert_eq!(real[0], b':');
    d.same("TIME x").await;
    d.same("LASTSAVE x").await;
}

/// Section titles and field names of an INFO reply.
fn info_shape(raw: &[u8]) -> Vec<(String, Vec<String>)> {
    let text = body(raw);
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        if let Some(title) = line.strip_prefix("# ") {
            sections.push((title.to_string(), Vec::new()));
        } else if let Some((_, fields)) = sections.last_mut() {
            fields.push(line.split(':').next().unwrap().to_string());
        }
    }
    sections
}

#[tokio::test]
async fn info_sections_have_redis_fields() {
    for resp3 in [false, true] {
        let d = Differential::start_with(resp3).await;
        let Some(mut d) = d else {
            return;
        };
        d.same("SET a 1").await;
        d.same("SET b 2 EX 1000").await;
        for cmd in [
            "INFO",
            "INFO default",
            "INFO server",
            "INFO SERVER clients",
            "INFO memory",
            "INFO persistence",
            "INFO stats",
            "INFO replication",
            "INFO cpu",
            "INFO modules",
            "INFO errorstats",
            "INFO cluster",
            "INFO keyspace",
            "INFO nosuch",
            "INFO all",
            "INFO everything",
        ] {
            let (real, engine) = d.both(cmd).await;
            assert_eq!(engine[0], real[0], "{cmd}: reply type");
            let (mut r, mut e) = (info_shape(&real), info_shape(&engine));
            // Per-command lines depend on which commands ran (INFO itself counts).
            for shape in [&mut r, &mut e] {
                for (title, fields) in shape.iter_mut() {
                    if title == "Commandstats" || title == "Latencystats" {
                        fields.clear();
                    }
                }
            }
            assert_eq!(e, r, "{cmd}: sections and field names");
            assert!(
                body(&engine).ends_with("\r\n") || body(&engine).is_empty(),
                "{cmd}"
            );
        }
        // avg_ttl is a sampled estimate in Redis (0 until the expire cycle runs): skip it.
        let keyspace = |raw: &[u8]| body(raw).split(",avg_ttl").next().unwrap().to_string();
        let (real, engine) = d.both("INFO keyspace").await;
        assert_eq!(keyspace(&engine), keyspace(&real), "INFO keyspace values");
        d.same("INFO nosuch").await;
    }
}

#[tokio::test]
async fn info_commandstats_and_errorstats_count_calls() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    for cmd in [
        "CONFIG RESETSTAT",
        "SET a 1",
        "GET a",
        "GET a",
        "INCR x y",
        "NOSUCH",
        "SET a 1 EX 0",
        "INCR a b",
    ] {
        d.same(cmd).await;
    }
    let (real, engine) = d.both("INFO errorstats").await;
    assert_eq!(body(&engine), body(&real), "INFO errorstats");
    let (real, engine) = d.both("INFO commandstats").await;
    assert_eq!(
        command_calls(&engine),
        command_calls(&real),
        "INFO commandstats calls"
    );
}

/// INFO memory's used_memory is an estimate, but it follows the dataset.
#[tokio::test]
async fn used_memory_follows_the_dataset() {
    let engine = redis_tutor::engine::Engine::start_local(redis_tutor::engine::Clock::new())
        .await
        .expect("engine");
    let mut conn = RawConn::connect(engine.addr()).await;
    let used = async |conn: &mut RawConn| -> u64 {
        let info = body(&conn.request(&args_of("INFO memory")).await);
        info.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .expect("used_memory field")
            .trim()
            .parse()
            .expect("a number")
    };
    let empty = used(&mut conn).await;
    let mut mset = String::from("MSET");
    for i in 0..1000 {
        mset.push_str(&format!(" key:{i} {}", "v".repeat(100)));
    }
    conn.request(&args_of(&mset)).await;
    let full = used(&mut conn).await;
    assert!(
        full > empty + 100_000,
        "1000 keys of 100 bytes: {empty} -> {full}"
    );
    conn.request(&args_of("FLUSHALL")).await;
    assert_eq!(used(&mut conn).await, empty, "back to the empty footprint");
}

/// MEMORY STATS: the same fields in the same order (values are estimates).
#[tokio::test]
async fn memory_stats_fields() {
    for resp3 in [false, true] {
        let d = Differential::start_with(resp3).await;
        let Some(mut d) = d else {
            return;
        };
        d.same("SET a 1").await;
        d.same("SET b 2 EX 100").await;
        let (real, engine) = d.both("MEMORY STATS").await;
        let shape = |raw: &[u8]| -> Vec<String> {
            let (v, _) = parse_value(raw).unwrap().unwrap();
            let pairs: Vec<(Value, Value)> = match v {
                Value::Map(p) => p,
                Value::Array(items) => items
                    .chunks(2)
                    .map(|c| (c[0].clone(), c[1].clone()))
                    .collect(),
                other => panic!("MEMORY STATS reply {other:?}"),
            };
            pairs
                .iter()
                .map(|(k, v)| {
                    let kind = match v {
                        Value::Integer(_) => "int",
                        Value::Double(_) | Value::Bulk(_) => "number",
                        Value::Map(_) | Value::Array(_) => "nested",
                        _ => "other",
                    };
                    format!("{}:{kind}", String::from_utf8_lossy(k.as_bytes().unwrap()))
                })
                .collect()
        };
        assert_eq!(shape(&engine), shape(&real), "MEMORY STATS (resp3 {resp3})");
    }
}

#[tokio::test]
async fn slowlog_errors_and_help() {
    check_script(
        r#"
        SLOWLOG LEN
        SLOWLOG GET
        SLOWLOG GET x
        SLOWLOG GET -2
        SLOWLOG GET 1 2
        SLOWLOG RESET
        SLOWLOG HELP
        SLOWLOG NOSUCH
        SLOWLOG
        "#,
    )
    .await;
}

/// With a zero threshold every command is logged: ids, arguments and client names match
/// (timestamps, durations and addresses differ by nature).
#[tokio::test]
async fn slowlog_records_commands() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let long = "y".repeat(200);
    let many: String = (0..40).map(|i| format!(" {i}")).collect();
    for cmd in [
        "CONFIG SET slowlog-log-slower-than 0",
        "SLOWLOG RESET",
        "CLIENT SETNAME watcher",
        "SET a b",
        &format!("SET long {long}"),
        &format!("MSET{many}"),
        &format!("DEL{many}"),
        "GET a",
    ] {
        d.both(cmd).await;
    }
    d.same("SLOWLOG LEN").await;
    let entries = |raw: &[u8]| -> Vec<String> {
        let (v, _) = parse_value(raw).unwrap().unwrap();
        let Value::Array(entries) = v else {
            panic!("SLOWLOG GET reply")
        };
        entries
            .into_iter()
            .map(|e| {
                let Value::Array(f) = e else { panic!("entry") };
                format!("{:?} {:?} {:?}", f[0], f[3], f[5])
            })
            .collect()
    };
    let (real, engine) = d.both("SLOWLOG GET -1").await;
    let (real, engine) = (entries(&real), entries(&engine));
    assert_eq!(engine, real, "SLOWLOG GET -1: ids, arguments, client names");
    d.same("CONFIG SET slowlog-max-len 2").await;
    d.both("PING").await;
    d.same("SLOWLOG LEN").await;
}
