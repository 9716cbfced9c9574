//! Hash commands compared byte for byte with real Redis 7.0.15, RESP2 and RESP3. Small
//! hashes are listpacks (insertion order, kept across HDEL); large ones compare unordered.

mod support;

use support::differential::check_script;

#[tokio::test]
async fn fields_reads_and_writes() {
    check_script(
        "HSET h a 1 b 2 c 3
         HSET h b 20 d 4
         HGETALL h
         HGET h b
         HGET h nofield
         HGET nokey a
         HMGET h a nofield d
         HMGET nokey a b
         HLEN h
         HLEN nokey
         HKEYS h
         HVALS h
         HKEYS nokey
         HVALS nokey
         HGETALL nokey
         HEXISTS h a
         HEXISTS h z
         HEXISTS nokey a
         HSTRLEN h b
         HSTRLEN h z
         HSTRLEN nokey a
         HDEL h b nofield
         HGETALL h
         HSET h b again
         HGETALL h
         HDEL h a c d b
         HLEN h
         HGETALL h
         HDEL nokey a
         HMSET m x 1 y 2
         HMSET m x 3
         HGETALL m
         HSETNX m x 9
         HSETNX m z 9
         HSETNX fresh f v
         HGETALL m
         HGETALL fresh
         HSET h a
         HSET h a 1 b
         HMSET h a
         HSET h
         HGET h
         HMGET h
         HDEL h
         HSETNX h a
         HSET bin \"\\x00k\" \"\\xff\" \"\" empty
         HGETALL bin
         HGET bin \"\"
         HSTRLEN bin \"\\x00k\"
         HINCRBY c n 5
         HINCRBY c n -7
         HINCRBY c n x
         HINCRBY c n 1.5
         HINCRBY c n 9223372036854775807
         HSET c big 9223372036854775807
         HINCRBY c big 1
         HSET c small -9223372036854775808
         HINCRBY c small -1
         HINCRBY c small 0
         HSET c text abc
         HINCRBY c text 1
         HSET c spaced \" 1\"
         HINCRBY c spaced 1
         HGETALL c
        ",
    )
    .await;
}

#[tokio::test]
async fn hincrbyfloat_uses_long_double() {
    check_script(
        "HSET f a 10.5
         HINCRBYFLOAT f a 0.1
         HINCRBYFLOAT f b 0.1
         HINCRBYFLOAT f b 0.2
         HINCRBYFLOAT f c 3.0e3
         HINCRBYFLOAT f c 1
         HINCRBYFLOAT f d -5
         HINCRBYFLOAT f d 5
         HINCRBYFLOAT f e 1e308
         HINCRBYFLOAT f e 1e308
         HINCRBYFLOAT f a inf
         HINCRBYFLOAT f a -inf
         HINCRBYFLOAT f a nan
         HINCRBYFLOAT f a x
         HINCRBYFLOAT f a \"\"
         HINCRBYFLOAT f a \" 1\"
         HSET f t text
         HINCRBYFLOAT f t 1
         HSET f i inf
         HINCRBYFLOAT f i 1
         HINCRBYFLOAT f n 1.23456789012345678
         HINCRBYFLOAT f z 0x10
         HINCRBYFLOAT f m 5.0e-3
         HINCRBYFLOAT f neg -0.0
         ~ HGETALL f
         HINCRBYFLOAT nokey2 a 1.5
         HGETALL nokey2
        ",
    )
    .await;
}

#[tokio::test]
async fn hrandfield_and_hscan() {
    check_script(
        "HSET h a 1 b 2 c 3
         HRANDFIELD h 3
         HRANDFIELD h 10
         HRANDFIELD h 10 WITHVALUES
         HRANDFIELD h 3 withvalues
         HRANDFIELD h 0
         HRANDFIELD h 0 WITHVALUES
         HRANDFIELD nokey
         HRANDFIELD nokey 3
         HRANDFIELD nokey -3 WITHVALUES
         HRANDFIELD h x
         HRANDFIELD h 1 foo
         HRANDFIELD h 1 WITHVALUES x
         HRANDFIELD h -9223372036854775808
         HRANDFIELD h 9223372036854775807 WITHVALUES
         HRANDFIELD h -4611686018427387904 WITHVALUES
         ? HRANDFIELD h
         ? HRANDFIELD h 2
         ? HRANDFIELD h -5 WITHVALUES
         HSET one f v
         HRANDFIELD one
         HRANDFIELD one 1
         HRANDFIELD one -2
         HRANDFIELD one -2 WITHVALUES
         HRANDFIELD one 1 WITHVALUES
         HSCAN h 0
         HSCAN h 0 COUNT 1
         HSCAN h 5
         HSCAN h 0 MATCH a*
         HSCAN h 0 MATCH [bc]
         HSCAN nokey 0
         HSCAN nokey 0 COUNT 0
         HSCAN h x
         HSCAN h 0 COUNT 0
         HSCAN h 0 COUNT x
         HSCAN h 0 MATCH
         HSCAN h 0 FOO bar
         HSCAN h
        ",
    )
    .await;
}

#[tokio::test]
async fn wrong_types_and_large_hashes() {
    let mut script = String::from(
        "SADD s m
         HSET s a 1
         HMSET s a 1
         HSETNX s a 1
         HGET s a
         HMGET s a
         HGETALL s
         HDEL s a
         HEXISTS s a
         HKEYS s
         HVALS s
         HLEN s
         HSTRLEN s a
         HINCRBY s a 1
         HINCRBY s a x
         HINCRBYFLOAT s a 1
         HINCRBYFLOAT s a x
         HRANDFIELD s
         HRANDFIELD s 2
         HRANDFIELD s x
         HSCAN s 0
         HSCAN s x
         LPUSH h2 a
         HGETALL h2
        ",
    );
    // Past hash-max-listpack-entries the hash is a hashtable: compare without order.
    for i in 0..520 {
        script.push_str(&format!("HSET big f{i} v{i}\n"));
    }
    script.push_str(
        "HLEN big
         ~ HKEYS big
         ~ HVALS big
         ~ HGETALL big
         HDEL big f1 f2 f3
         HLEN big
         HGET big f100
         ~ HRANDFIELD big 1000
         ~ HRANDFIELD big 1000 WITHVALUES
         HSET long f 01234567890123456789012345678901234567890123456789012345678901234567890
         HSET long g 1
         ~ HGETALL long
        ",
    );
    check_script(&script).await;
}
