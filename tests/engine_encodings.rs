//! OBJECT ENCODING of collections compared with real Redis 7.0.15: intset/hashtable,
//! listpack/hashtable, listpack/skiplist, quicklist, one-way conversions and CONFIG SET limits.

mod support;

use support::differential::check_script;

#[tokio::test]
async fn collection_encodings_follow_redis() {
    let mut script = String::from(
        "RPUSH l a
         OBJECT ENCODING l
         SADD s 1 2 3
         OBJECT ENCODING s
         SADD s a
         OBJECT ENCODING s
         SREM s a
         OBJECT ENCODING s
         SINTERSTORE d s s
         OBJECT ENCODING d
         SADD h1 x 1
         SDIFFSTORE d2 h1 nokey
         OBJECT ENCODING d2
         SMOVE s fresh 1
         OBJECT ENCODING fresh
         HSET h f v
         OBJECT ENCODING h
         HSET h long 01234567890123456789012345678901234567890123456789012345678901234
         OBJECT ENCODING h
         HDEL h long
         OBJECT ENCODING h
         HSET h2 f 1
         HINCRBYFLOAT h2 f 1.0000000000000000000000000000000000000000000000000000000000000000001
         OBJECT ENCODING h2
         ZADD z 1 a
         OBJECT ENCODING z
         ZADD z 2 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
         OBJECT ENCODING z
         ZREM z bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
         OBJECT ENCODING z
         ZUNIONSTORE zu 1 z
         OBJECT ENCODING zu
         ZRANGESTORE zr z 0 -1
         OBJECT ENCODING zr
        ",
    );
    for i in 0..130 {
        script.push_str(&format!("ZADD bigz {i} m{i}\n"));
    }
    script.push_str("OBJECT ENCODING bigz\n");
    for i in 0..513 {
        script.push_str(&format!("SADD bigset {i}\nHSET bighash f{i} v\n"));
        if i == 511 {
            script.push_str("OBJECT ENCODING bigset\nOBJECT ENCODING bighash\n");
        }
    }
    script.push_str(
        "OBJECT ENCODING bighash
         OBJECT ENCODING bigz
         OBJECT ENCODING bigset
         CONFIG SET set-max-intset-entries 2
         SADD small 1 2
         OBJECT ENCODING small
         SADD small 3
         OBJECT ENCODING small
         CONFIG SET hash-max-listpack-entries 1 zset-max-listpack-value 3
         HSET tiny a 1
         OBJECT ENCODING tiny
         HSET tiny b 2
         OBJECT ENCODING tiny
         ZADD short 1 abc
         OBJECT ENCODING short
         ZADD short 1 abcd
         OBJECT ENCODING short
         CONFIG SET zset-max-listpack-entries 0
         ZADD none 1 a
         OBJECT ENCODING none
        ",
    );
    check_script(&script).await;
}
