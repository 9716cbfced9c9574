//! Pub/sub and keyspace notifications compared byte for byte with real Redis 7.0.15, RESP2
//! and RESP3: message sequences on several connections, subscribed mode, PUBSUB
//! introspection, and the notifications each class of write emits.

mod support;

use support::differential::{ClientPair, Differential, RawConn};

async fn channels_patterns_and_subscribed_mode(resp3: bool) {
    let Some(mut d) = Differential::start_with(resp3).await else {
        return;
    };
    let mut publisher = ClientPair::connect(&d).await;
    d.send("SUBSCRIBE news weather").await;
    d.same_pending("subscribe news").await;
    d.same_pending("subscribe weather").await;
    publisher.same("PUBLISH news hello").await;
    d.same_pending("message on news").await;
    publisher.same("PUBLISH nobody-listens x").await;
    d.send("PSUBSCRIBE n* w?ather").await;
    d.same_pending("psubscribe n*").await;
    d.same_pending("psubscribe w?ather").await;
    publisher.same("PUBLISH news twice").await;
    d.same_pending("message on news").await;
    d.same_pending("pmessage through n*").await;
    publisher.same("PUBLISH nothing-else y").await;
    d.same_pending("pmessage nothing-else").await;
    publisher.same("PUBSUB NUMSUB news weather other").await;
    publisher.same("PUBSUB NUMPAT").await;
    publisher.same_unordered("PUBSUB CHANNELS").await;
    publisher.same("PUBSUB CHANNELS n*").await;
    publisher.same("PUBSUB NUMSUB").await;
    // Only some commands in RESP2's subscribed mode; anything goes in RESP3.
    d.same("GET key").await;
    d.same("PING").await;
    d.same("PING payload").await;
    d.send("UNSUBSCRIBE news").await;
    d.same_pending("unsubscribe news").await;
    d.send("PUNSUBSCRIBE w?ather").await;
    d.same_pending("punsubscribe w?ather").await;
    d.send("UNSUBSCRIBE").await;
    d.same_pending("unsubscribe from the rest").await;
    d.send("PUNSUBSCRIBE").await;
    d.same_pending("punsubscribe from the rest").await;
    d.send("UNSUBSCRIBE").await;
    d.same_pending("unsubscribe with nothing left").await;
    d.same("GET key").await;
    // Shard channels.
    d.send("SSUBSCRIBE orders").await;
    d.same_pending("ssubscribe").await;
    publisher.same("SPUBLISH orders o1").await;
    d.same_pending("smessage").await;
    publisher.same("PUBLISH orders not-sharded").await;
    publisher.same("PUBSUB SHARDCHANNELS").await;
    publisher.same("PUBSUB SHARDNUMSUB orders none").await;
    d.send("SUNSUBSCRIBE").await;
    d.same_pending("sunsubscribe").await;
    // RESET leaves subscribed mode.
    d.send("SUBSCRIBE again").await;
    d.same_pending("subscribe again").await;
    d.same("RESET").await;
    publisher.same("PUBLISH again nobody").await;
    d.same("PING").await;
    d.same("SUBSCRIBE").await;
}

#[tokio::test]
async fn channels_patterns_and_subscribed_mode_resp2() {
    channels_patterns_and_subscribed_mode(false).await;
}

#[tokio::test]
async fn channels_patterns_and_subscribed_mode_resp3() {
    channels_patterns_and_subscribed_mode(true).await;
}

/// Reads replies up to (and including) the message on channel `sync`.
async fn until_sync(conn: &mut RawConn) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let reply = conn.read_raw().await.expect("a message");
        let text = String::from_utf8_lossy(&reply).into_owned();
        let done = text.contains("\r\n$4\r\nsync\r\n");
        seen.push(text);
        if done {
            return seen;
        }
    }
}

/// Runs `command` on the other connection and compares every notification it caused.
async fn notifications_of(d: &mut Differential, other: &mut ClientPair, command: &str) {
    other.same(command).await;
    other.send("PUBLISH sync done").await;
    other.same_pending("PUBLISH sync").await;
    let real = until_sync(&mut d.real_conn).await;
    let engine = until_sync(&mut d.engine_conn).await;
    assert_eq!(
        engine, real,
        "notifications of {command} (engine left, real Redis right)"
    );
}

async fn keyspace_notifications(resp3: bool) {
    let Some(mut d) = Differential::start_with(resp3).await else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;
    other.same("CONFIG SET notify-keyspace-events KEA").await;
    d.send("PSUBSCRIBE __key*__:*").await;
    d.same_pending("psubscribe keyspace").await;
    d.send("SUBSCRIBE sync").await;
    d.same_pending("subscribe sync").await;
    for command in [
        "SET s v",
        "SET s w EX 100",
        "SETNX s x",
        "APPEND s more",
        "SETRANGE s 0 X",
        "INCR n",
        "INCRBYFLOAT n 1.5",
        "GETDEL n",
        "MSET a 1 b 2",
        "EXPIRE a 100",
        "PERSIST a",
        "EXPIRE a 0",
        "RENAME b c",
        "COPY c d",
        "DEL c d nothing",
        "LPUSH l x y z",
        "RPOP l",
        "LSET l 0 new",
        "LINSERT l BEFORE new ins",
        "LREM l 0 ins",
        "LTRIM l 0 0",
        "LMOVE l l2 LEFT RIGHT",
        "SADD set m1 m2",
        "SREM set m1",
        "SPOP set",
        "SADD set a b",
        "SMOVE set set2 a",
        "SINTERSTORE set3 set set2",
        "SUNIONSTORE set3 set set2",
        "HSET h f v g w",
        "HINCRBY h n 1",
        "HDEL h f g n",
        "ZADD z 1 a 2 b",
        "ZINCRBY z 5 a",
        "ZREM z a",
        "ZPOPMIN z",
        "ZADD z 1 a 2 b 3 c",
        "ZREMRANGEBYSCORE z 2 3",
        "ZUNIONSTORE z2 1 z",
        "SETBIT bits 3 1",
        "SETBIT bits 3 1",
        "SETBIT bits 30 0",
        "SETBIT bits 30 0",
        "SETBIT bits 3 0",
        "BITFIELD bf SET u8 0 200",
        "BITFIELD bf SET u8 0 200",
        "BITFIELD bf INCRBY u8 0 1 GET u8 0",
        "BITFIELD bf OVERFLOW FAIL INCRBY u8 0 100",
        "BITFIELD bf SET u8 100 0",
        "BITFIELD_RO bf GET u8 0",
        "RPUSH src 3 1 2",
        "SORT src STORE sorted",
        "SORT src LIMIT 0 0 STORE sorted",
        "SORT nothing STORE sorted",
        "SORT_RO src",
        "PFADD hll a b c",
        "GEOADD geo 13.361389 38.115556 Palermo",
        "MOVE geo 1",
        "FLUSHALL",
    ] {
        notifications_of(&mut d, &mut other, command).await;
    }
    // Lazy expiry reports `expired`; `m` reports reads that miss, `n` new keys.
    other.same("SET short v PX 1").await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    notifications_of(&mut d, &mut other, "GET short").await;
    other.same("CONFIG SET notify-keyspace-events Emn").await;
    notifications_of(&mut d, &mut other, "GET missing").await;
    notifications_of(&mut d, &mut other, "SET fresh v").await;
    notifications_of(&mut d, &mut other, "SORT src BY w_* GET # GET h_*->f").await;
    notifications_of(&mut d, &mut other, "BITFIELD nbf SET u8 0 1").await;
    other.same("CONFIG SET notify-keyspace-events Kl").await;
    notifications_of(&mut d, &mut other, "SET ignored v").await;
    notifications_of(&mut d, &mut other, "RPUSH listed v").await;
    other.same("CONFIG SET notify-keyspace-events \"\"").await;
    notifications_of(&mut d, &mut other, "RPUSH listed w").await;
}

#[tokio::test]
async fn keyspace_notifications_resp2() {
    keyspace_notifications(false).await;
}

#[tokio::test]
async fn keyspace_notifications_resp3() {
    keyspace_notifications(true).await;
}

/// Notifications reach a RESP3 client's own connection as pushes before the reply of the
/// command that caused them, inside MULTI and scripts too.
#[tokio::test]
async fn own_notifications_in_resp3() {
    let Some(mut d) = Differential::start_resp3().await else {
        return;
    };
    d.same("CONFIG SET notify-keyspace-events KEA").await;
    d.send("SUBSCRIBE __keyevent@0__:set").await;
    d.same_pending("subscribe").await;
    d.send("SET mine v").await;
    d.same_pending("the push").await;
    d.same_pending("the reply").await;
    d.send("MULTI").await;
    d.same_pending("MULTI").await;
    d.send("SET a 1").await;
    d.same_pending("QUEUED").await;
    d.send("EXEC").await;
    d.same_pending("the push from EXEC").await;
    d.same_pending("EXEC").await;
    d.send("EVAL \"return redis.call('set', 'b', '2')\" 0")
        .await;
    d.same_pending("the push from the script").await;
    d.same_pending("EVAL").await;
    d.same("EVAL \"return redis.call('subscribe', 'c')\" 0")
        .await;
}

/// The redis crate's pub/sub connection receives what another connection publishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_with_the_redis_crate() {
    let engine = redis_tutor::engine::Engine::start_local(redis_tutor::engine::Clock::new())
        .await
        .expect("engine");
    let url = engine.url();
    tokio::task::spawn_blocking(move || {
        let client = redis::Client::open(url).unwrap();
        let mut subscriber = client.get_connection().unwrap();
        let mut publisher = client.get_connection().unwrap();
        let mut pubsub = subscriber.as_pubsub();
        pubsub.subscribe("chat").unwrap();
        pubsub.psubscribe("ch*").unwrap();
        let receivers: i64 = redis::cmd("PUBLISH")
            .arg("chat")
            .arg("hi")
            .query(&mut publisher)
            .unwrap();
        assert_eq!(receivers, 2);
        let first = pubsub.get_message().unwrap();
        assert_eq!(first.get_channel_name(), "chat");
        assert_eq!(first.get_payload::<String>().unwrap(), "hi");
        let second = pubsub.get_message().unwrap();
        assert_eq!(second.get_pattern::<String>().unwrap(), "ch*");
        pubsub.unsubscribe("chat").unwrap();
        pubsub.punsubscribe("ch*").unwrap();
    })
    .await
    .unwrap();
}
