//! Set commands compared byte for byte with real Redis 7.0.15, RESP2 and RESP3. Integer-only
//! sets are intsets (sorted replies); sets of strings are hashtables, compared unordered (`~`).

mod support;

use support::differential::check_script;

#[tokio::test]
async fn adds_removes_and_membership() {
    check_script(
        "SADD s 3 1 2 10 -5
         SADD s 2 3 4
         SMEMBERS s
         SCARD s
         SISMEMBER s 10
         SISMEMBER s 11
         SISMEMBER nokey 1
         SMISMEMBER s 1 11 -5
         SMISMEMBER nokey a b
         SREM s 1 2 99
         SMEMBERS s
         SREM s 3 4 10 -5
         SCARD s
         SMEMBERS s
         SREM nokey a
         SADD h b a c
         ~ SMEMBERS h
         SADD h 1
         ~ SMEMBERS h
         SREM h a b c
         SMEMBERS h
         SADD h 0
         ~ SMEMBERS h
         SADD bin \"\\x00\\x01\" \"a b\" \"\"
         ~ SMEMBERS bin
         SISMEMBER bin \"\"
         SADD neg -1 -10 -9223372036854775808 9223372036854775807 0
         SMEMBERS neg
         SADD notint 01 1
         ~ SMEMBERS notint
         SADD
         SADD s
         SREM s
         SISMEMBER s
         SMISMEMBER s
         SCARD
         SMEMBERS
         LPUSH list a
         SADD list a
         SREM list a
         SMEMBERS list
         SISMEMBER list a
         SMISMEMBER list a
         SCARD list
         SADD big 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 -1 -2 -3 100 50 25
         SMEMBERS big
        ",
    )
    .await;
}

#[tokio::test]
async fn random_members_and_pops() {
    check_script(
        "SADD s 5 3 1
         SRANDMEMBER s 3
         SRANDMEMBER s 10
         SRANDMEMBER s 0
         SRANDMEMBER nokey
         SRANDMEMBER nokey 5
         SRANDMEMBER nokey -5
         SRANDMEMBER s x
         SRANDMEMBER s -9223372036854775808
         SRANDMEMBER s 1 2
         ? SRANDMEMBER s
         ? SRANDMEMBER s 2
         ? SRANDMEMBER s -5
         SADD one only
         SRANDMEMBER one
         SRANDMEMBER one -3
         SRANDMEMBER one 1
         SPOP one
         SCARD one
         SPOP nokey
         SPOP nokey 3
         SPOP s 0
         SPOP s -1
         SPOP s x
         SPOP s 1 2
         SPOP s 3
         SCARD s
         SADD s 1 2 3 4 5
         ? SPOP s 2
         SCARD s
         ? SPOP s
         SCARD s
         ? SPOP s 100
         SCARD s
         SADD t a
         SPOP t 1
         SADD t a b c
         ~ SPOP t 5
         LPUSH list a
         SPOP list
         SRANDMEMBER list
         SRANDMEMBER list 2
        ",
    )
    .await;
}

#[tokio::test]
async fn smove() {
    check_script(
        "SADD a 1 2 3
         SADD b x
         SMOVE a b 2
         SMEMBERS a
         ~ SMEMBERS b
         SMOVE a b 99
         SMOVE nokey b 1
         SMOVE a a 1
         SMOVE a a 99
         SMOVE a fresh 1
         SMEMBERS fresh
         SMOVE a fresh 3
         SCARD a
         SMEMBERS fresh
         LPUSH list v
         SMOVE list a 1
         SMOVE fresh list 1
         SMOVE nokey list 1
         SMOVE fresh
        ",
    )
    .await;
}

#[tokio::test]
async fn set_algebra() {
    check_script(
        "SADD a 1 2 3 4
         SADD b 3 4 5
         SADD c 4 6
         SADD x a b c 4
         SUNION a b c
         SINTER a b c
         SINTER a b
         SDIFF a b c
         SDIFF a b
         SDIFF b a
         SDIFF a a
         SDIFF a nokey b
         SUNION a nokey
         SINTER a nokey
         SDIFF nokey a
         SINTER a
         SINTER a a
         ~ SUNION a x
         SINTER a x
         ~ SINTER x a
         ~ SDIFF x a
         SUNIONSTORE d a b c
         SMEMBERS d
         SINTERSTORE d a b
         SMEMBERS d
         SDIFFSTORE d a b
         SMEMBERS d
         SINTERSTORE d a nokey
         SCARD d
         SUNIONSTORE d nokey
         SUNIONSTORE a a b
         SMEMBERS a
         SDIFFSTORE b b b
         SCARD b
         LPUSH list v
         SUNION a list
         SINTER nokey list
         SINTER list nokey
         SDIFF nokey list
         SUNIONSTORE d a list
         SINTERSTORE list a c
         SMEMBERS list
         SINTERCARD 2 a c
         SINTERCARD 1 a
         SINTERCARD 2 a nokey
         SINTERCARD 2 a c LIMIT 1
         SINTERCARD 2 a c LIMIT 0
         SINTERCARD 1 a LIMIT 3
         SINTERCARD 0 a
         SINTERCARD -1 a
         SINTERCARD x a
         SINTERCARD 3 a c
         SINTERCARD 1 a LIMIT -1
         SINTERCARD 1 a LIMIT x
         SINTERCARD 1 a LIMIT
         SINTERCARD 1 a FOO 1
         SADD str x
         SINTERCARD 2 a str
         SUNION
         SUNIONSTORE d
        ",
    )
    .await;
}

#[tokio::test]
async fn sscan() {
    check_script(
        "SADD ints 5 1 3 2 4
         SSCAN ints 0
         SSCAN ints 0 COUNT 2
         SSCAN ints 7 COUNT 1
         SSCAN ints 0 MATCH 1*
         SSCAN ints 0 MATCH *[34]
         SADD strs apple banana cherry
         ~ SSCAN strs 0
         ~ SSCAN strs 0 MATCH b*
         ~ SSCAN strs 0 COUNT 100 MATCH *e*
         SSCAN strs 0 MATCH nothing
         SSCAN nokey 0
         SSCAN nokey 0 COUNT 0
         SSCAN strs x
         SSCAN strs 0 COUNT 0
         SSCAN strs 0 COUNT -1
         SSCAN strs 0 COUNT x
         SSCAN strs 0 TYPE string
         SSCAN strs 0 MATCH
         SSCAN strs 18446744073709551616
         ~ SSCAN strs \"\"
         SSCAN strs -
         LPUSH list a
         SSCAN list 0
         SSCAN list x
        ",
    )
    .await;
}

#[tokio::test]
async fn overwrites_and_repeated_options() {
    check_script(
        "SADD a 1 2 3
         SADD b 2 3 4
         RPUSH list x
         SUNIONSTORE list a b
         SMEMBERS list
         SINTERSTORE a a b
         SMEMBERS a
         SMOVE b a 2
         SMEMBERS a
         SMEMBERS b
         SINTERCARD 2 a b LIMIT 1 LIMIT 5
         SDIFFSTORE b b
         SCARD b
         SADD c 9 8 7
         SDIFF c a b
         SUNIONSTORE u c a
         SMEMBERS u
         SADD u x
         SREM u x
         ~ SMEMBERS u
         SADD neg -1 -2 100 0
         SMEMBERS neg
         SISMEMBER neg -1
         SISMEMBER neg 01
        ",
    )
    .await;
}
