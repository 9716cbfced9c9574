//! Sorted set commands compared byte for byte with real Redis 7.0.15, RESP2 and RESP3:
//! ZADD flags, %.17g scores, every ZRANGE form, removals, pops (blocking too) and the algebra.

mod support;

use support::differential::{ClientPair, Differential, check_script};

#[tokio::test]
async fn zadd_flags_and_scores() {
    check_script(
        "ZADD z 1 a 2 b 3 c
         ZADD z 1 a
         ZADD z CH 10 a 2 b 4 d
         ZRANGE z 0 -1 WITHSCORES
         ZADD z NX 100 a 5 e
         ZADD z XX 100 a 6 f
         ZADD z XX CH 101 a 6 f
         ZADD z GT 50 a
         ZADD z GT CH 150 a
         ZADD z LT CH 200 a
         ZADD z LT CH 1 a
         ZADD z XX GT CH 2 a
         ZADD z INCR 5 a
         ZADD z INCR NX 5 a
         ZADD z INCR XX 5 nothere
         ZADD z INCR GT -1 a
         ZADD z INCR LT -1 a
         ZADD nokey XX 1 a
         ZADD nokey XX INCR 1 a
         ZCARD nokey
         ZADD z NX XX 1 a
         ZADD z GT LT 1 a
         ZADD z GT NX 1 a
         ZADD z LT NX 1 a
         ZADD z INCR 1 a 2 b
         ZADD z 1
         ZADD z 1 a 2
         ZADD z NX
         ZADD z x a
         ZADD z 1 a x b
         ZADD z nan a
         ZADD z 1e400 a
         ZADD z 1e-400 a
         ZADD z \" 1\" a
         ZADD z \"1 \" a
         ZADD z 0x10 hex
         ZADD z --5 a
         ZADD z +-5 a
         ZADD z 1E2 upper
         ZADD z 0X1p4 hexp
         ZADD z .5 dot
         ZADD z 5. dot2
         ZADD z +5 plus
         ZADD z inf top -inf bottom +inf top2
         ZADD z INCR -inf top
         ZADD z 1.1 f1 1e20 f2 0.1 f3 -0.5 f4 3.0 f5 1e-5 f6 123456789.123 f7 5e-324 f8
         ZRANGE z 0 -1 WITHSCORES
         ZSCORE z f1
         ZSCORE z f2
         ZSCORE z top
         ZSCORE z bottom
         ZSCORE z nothere
         ZSCORE nokey a
         ZMSCORE z f1 nothere f3
         ZMSCORE nokey a b
         ZINCRBY z 1.5 f5
         ZINCRBY z 1 newmember
         ZINCRBY z x f5
         ZINCRBY z nx f5
         ZINCRBY z -inf top
         ZINCRBY nokey2 0.1 m
         ZINCRBY nokey2 0.2 m
         ZADD zero -0 m
         ZSCORE zero m
         ZCARD z
         ZADD ties 1 c 1 a 1 b 0 z 2 y
         ZRANGE ties 0 -1 WITHSCORES
         ZADD
         ZADD z
         ZINCRBY z 1
         ZSCORE z
         ZMSCORE z
         ZCARD
        ",
    )
    .await;
}

#[tokio::test]
async fn ranges_by_rank_score_and_lex() {
    check_script(
        "ZADD z 1 a 2 b 3 c 4 d 5 e 5 f -1 neg
         ZRANGE z 0 -1
         ZRANGE z 0 -1 WITHSCORES
         ZRANGE z 2 3
         ZRANGE z -2 -1 withscores
         ZRANGE z 5 2
         ZRANGE z 100 200
         ZRANGE z -100 100
         ZRANGE z 0 -1 REV
         ZRANGE z 0 1 REV WITHSCORES
         ZREVRANGE z 0 2
         ZREVRANGE z 0 -1 WITHSCORES
         ZREVRANGE z 0 1 REV
         ZRANGE z x 1
         ZRANGE z 0 1 LIMIT 0 1
         ZRANGE z 0 1 FOO
         ZRANGE nokey 0 -1
         ZRANGE z 1 4 BYSCORE
         ZRANGE z (1 4 BYSCORE
         ZRANGE z (1 (4 BYSCORE WITHSCORES
         ZRANGE z -inf +inf BYSCORE
         ZRANGE z -inf (2 BYSCORE
         ZRANGE z 5 1 BYSCORE
         ZRANGE z 5 1 BYSCORE REV
         ZRANGE z (5 (1 BYSCORE REV WITHSCORES
         ZRANGE z -inf +inf BYSCORE LIMIT 1 2
         ZRANGE z -inf +inf BYSCORE LIMIT 1 -1
         ZRANGE z -inf +inf BYSCORE LIMIT -1 2
         ZRANGE z -inf +inf BYSCORE LIMIT 10 2
         ZRANGE z -inf +inf BYSCORE LIMIT 0 0
         ZRANGE z +inf -inf BYSCORE REV LIMIT 2 3 WITHSCORES
         ZRANGE z x 1 BYSCORE
         ZRANGE z 1 y BYSCORE
         ZRANGE z ( 4 BYSCORE
         ZRANGE z \" 1\" 4 BYSCORE
         ZRANGE z 1e400 4 BYSCORE
         ZRANGE z nan 4 BYSCORE
         ZRANGE z (inf +inf BYSCORE
         ZRANGE z -inf (-inf BYSCORE
         ZRANGE z (5 5 BYSCORE
         ZRANGE z 5 (5 BYSCORE
         ZRANGE z 5 5 BYSCORE
         ZRANGE z 0 1 BYSCORE BYLEX
         ZRANGE z 0 1 BYSCORE LIMIT 0
         ZRANGE z 0 1 BYSCORE LIMIT x 1
         ZRANGEBYSCORE z 1 3
         ZRANGEBYSCORE z 1 3 WITHSCORES LIMIT 1 1
         ZRANGEBYSCORE z 1 3 BYSCORE
         ZRANGEBYSCORE z 1 3 REV
         ZREVRANGEBYSCORE z 3 1
         ZREVRANGEBYSCORE z 1 3
         ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 0 3
         ZREVRANGEBYSCORE z (5 (1
         ZRANGEBYSCORE nokey 0 1
         ZRANGEBYSCORE z a b
         ZCOUNT z 1 3
         ZCOUNT z (1 3
         ZCOUNT z -inf +inf
         ZCOUNT z 10 1
         ZCOUNT nokey 0 1
         ZCOUNT z x 1
         ZCOUNT nokey x 1
         ZADD lex 0 a 0 b 0 c 0 d 0 e 0 f 0 g
         ZRANGE lex - + BYLEX
         ZRANGE lex [b [d BYLEX
         ZRANGE lex (b (d BYLEX
         ZRANGE lex (b + BYLEX
         ZRANGE lex - (c BYLEX
         ZRANGE lex + - BYLEX
         ZRANGE lex + - BYLEX REV
         ZRANGE lex [d [b BYLEX REV
         ZRANGE lex - + BYLEX LIMIT 2 3
         ZRANGE lex - + BYLEX REV LIMIT 1 2
         ZRANGE lex - + BYLEX LIMIT -1 2
         ZRANGE lex [a [a BYLEX
         ZRANGE lex (a [a BYLEX
         ZRANGE lex [z [zz BYLEX
         ZRANGE lex - + BYLEX WITHSCORES
         ZRANGE lex a [c BYLEX
         ZRANGE lex [a c BYLEX
         ZRANGE lex -- + BYLEX
         ZRANGE lex \"\" + BYLEX
         ZRANGEBYLEX lex [b [d
         ZRANGEBYLEX lex - + LIMIT 0 2
         ZRANGEBYLEX lex - + WITHSCORES
         ZREVRANGEBYLEX lex [d [b
         ZREVRANGEBYLEX lex + - LIMIT 1 1
         ZREVRANGEBYLEX lex [b [d
         ZRANGEBYLEX nokey - +
         ZRANGEBYLEX lex x y
         ZLEXCOUNT lex - +
         ZLEXCOUNT lex [b (d
         ZLEXCOUNT lex + -
         ZLEXCOUNT nokey - +
         ZLEXCOUNT lex x +
         ZRANK z c
         ZRANK z neg
         ZRANK z nothere
         ZRANK nokey a
         ZREVRANK z c
         ZREVRANK z f
         ZREVRANK z nothere
         ZRANGE z 0
         ZRANGE
        ",
    )
    .await;
}

#[tokio::test]
async fn zrangestore_and_removals() {
    check_script(
        "ZADD z 1 a 2 b 3 c 4 d 5 e
         ZRANGESTORE dst z 0 2
         ZRANGE dst 0 -1 WITHSCORES
         ZRANGESTORE dst z 2 4 BYSCORE REV
         ZRANGESTORE dst z 4 2 BYSCORE REV
         ZRANGE dst 0 -1 WITHSCORES
         ZRANGESTORE dst z [b [d BYLEX LIMIT 0 2
         ZRANGESTORE dst z 0 -1 WITHSCORES
         ZRANGESTORE dst z 10 20
         ZCARD dst
         ZRANGESTORE dst nokey 0 -1
         ZRANGESTORE dst z 0 1 LIMIT 0 1
         ZRANGESTORE dst z x y
         ZRANGESTORE dst z 0 -1
         ZREM z a nothere
         ZREM z nothere
         ZREM nokey a
         ZRANGE z 0 -1
         ZREMRANGEBYRANK z 0 0
         ZREMRANGEBYRANK z -1 -1
         ZRANGE z 0 -1
         ZREMRANGEBYRANK z 5 10
         ZREMRANGEBYRANK z x 1
         ZREMRANGEBYRANK nokey 0 1
         ZREMRANGEBYRANK z 0 -1
         ZCARD z
         ZADD z 1 a 2 b 3 c 4 d 5 e
         ZREMRANGEBYSCORE z (1 3
         ZRANGE z 0 -1
         ZREMRANGEBYSCORE z x 3
         ZREMRANGEBYSCORE nokey 0 1
         ZREMRANGEBYSCORE z -inf +inf
         ZCARD z
         ZADD l 0 a 0 b 0 c 0 d
         ZREMRANGEBYLEX l [b (d
         ZRANGE l 0 -1
         ZREMRANGEBYLEX l x y
         ZREMRANGEBYLEX nokey - +
         ZREMRANGEBYLEX l - +
         ZCARD l
         ZREM z
        ",
    )
    .await;
}

#[tokio::test]
async fn pops_and_random_members() {
    check_script(
        "ZADD z 1 a 2 b 3 c 4 d 5 e
         ZPOPMIN z
         ZPOPMAX z
         ZPOPMIN z 2
         ZPOPMAX z 0
         ZPOPMAX z 10
         ZCARD z
         ZPOPMIN z
         ZPOPMIN z 3
         ZPOPMIN z -1
         ZPOPMIN z x
         ZPOPMIN z 1 2
         ZADD z 1 a 2 b 3 c
         ZMPOP 1 z MIN
         ZMPOP 2 nokey z MAX COUNT 5
         ZMPOP 1 z MIN
         ZMPOP 0 z MIN
         ZMPOP x z MIN
         ZMPOP 2 z MIN
         ZMPOP 1 z MIDDLE
         ZMPOP 1 z MIN COUNT 0
         ZMPOP 1 z MIN COUNT
         ZMPOP 1 z MIN COUNT 1 COUNT 1
         ZMPOP 1 z MIN FOO
         ZADD z 1 a 2 b 3 c
         BZPOPMIN z 0
         BZPOPMAX nokey z 0
         BZMPOP 0 1 z MIN COUNT 10
         BZPOPMIN z 0.01
         BZPOPMAX z 0.01
         BZMPOP 0.01 1 z MAX
         BZPOPMIN z x
         BZPOPMIN z -1
         BZMPOP x 1 z MIN
         BZMPOP 0 0 z MIN
         BZMPOP x 0 z MIN
         ZADD r 1 a 2 b 3 c
         ZRANDMEMBER r 3
         ZRANDMEMBER r 10 WITHSCORES
         ZRANDMEMBER r 5 withscores
         ZRANDMEMBER r 0
         ZRANDMEMBER nokey
         ZRANDMEMBER nokey 5
         ZRANDMEMBER r x
         ZRANDMEMBER r 1 foo
         ZRANDMEMBER r -9223372036854775808
         ZRANDMEMBER r 9223372036854775807 WITHSCORES
         ? ZRANDMEMBER r
         ? ZRANDMEMBER r 2
         ? ZRANDMEMBER r -5 WITHSCORES
         ZADD one 1.5 m
         ZRANDMEMBER one
         ZRANDMEMBER one -2 WITHSCORES
         ZRANDMEMBER one 1 WITHSCORES
        ",
    )
    .await;
}

#[tokio::test]
async fn union_intersection_difference() {
    check_script(
        "ZADD a 1 x 2 y 3 z
         ZADD b 10 y 20 z 30 w
         SADD s z w v
         ZUNION 2 a b
         ZUNION 2 a b WITHSCORES
         ZUNION 2 a b WEIGHTS 2 3 WITHSCORES
         ZUNION 2 a b AGGREGATE MIN WITHSCORES
         ZUNION 2 a b AGGREGATE max WITHSCORES
         ZUNION 3 a b s WITHSCORES
         ZUNION 2 a nokey WITHSCORES
         ZINTER 2 a b WITHSCORES
         ZINTER 2 a b WEIGHTS 1 -1 WITHSCORES
         ZINTER 3 a b s WITHSCORES
         ZINTER 2 a nokey
         ZINTER 2 a a WITHSCORES
         ZINTER 2 a a AGGREGATE MAX WITHSCORES
         ZDIFF 2 a b WITHSCORES
         ZDIFF 2 b a
         ZDIFF 2 a a
         ZDIFF 1 nokey
         ZDIFF 3 b a s WITHSCORES
         ZDIFF 2 a b WEIGHTS 1 2
         ZDIFF 2 a b AGGREGATE SUM
         ZUNIONSTORE d 2 a b
         ZRANGE d 0 -1 WITHSCORES
         ZINTERSTORE d 2 a b WEIGHTS 0.5 2 AGGREGATE SUM
         ZRANGE d 0 -1 WITHSCORES
         ZDIFFSTORE d 2 a b
         ZRANGE d 0 -1 WITHSCORES
         ZINTERSTORE d 2 a nokey
         ZCARD d
         ZUNIONSTORE d 2 a b WITHSCORES
         ZUNION 0 a
         ZUNIONSTORE d 0 a
         ZINTER -1 a
         ZUNION x a
         ZUNION 3 a b
         ZUNION 2 a b WEIGHTS 1
         ZUNION 2 a b WEIGHTS 1 x
         ZUNION 2 a b AGGREGATE AVG
         ZUNION 2 a b AGGREGATE
         ZUNION 2 a b FOO
         ZUNION 2 a b WITHSCORES WITHSCORES
         ZADD inf 1 x
         ZADD ninf -inf x
         ZUNION 2 inf ninf WEIGHTS inf 1 WITHSCORES
         ZUNION 2 a ninf WITHSCORES
         ZINTER 2 ninf ninf WEIGHTS -1 1 WITHSCORES
         ZADD pinf inf x
         ZUNION 2 pinf ninf WITHSCORES
         ZINTERCARD 2 a b
         ZINTERCARD 2 a b LIMIT 1
         ZINTERCARD 2 a b LIMIT 0
         ZINTERCARD 1 a
         ZINTERCARD 2 a nokey
         ZINTERCARD 2 a s
         ZINTERCARD 0 a
         ZINTERCARD 2 a
         ZINTERCARD 1 a LIMIT -1
         ZINTERCARD 1 a LIMIT x
         ZINTERCARD 1 a WITHSCORES
         ZINTERCARD 1 a WEIGHTS 1
         LPUSH list v
         ZUNION 2 a list
         ZINTERSTORE d 2 list a
         ZINTERCARD 1 list
        ",
    )
    .await;
}

#[tokio::test]
async fn zscan_wrong_types_and_large_sets() {
    let mut script = String::from(
        "ZADD z 1 a 2.5 b 1.1 c
         ZSCAN z 0
         ZSCAN z 0 MATCH b*
         ZSCAN z 0 COUNT 1
         ZSCAN nokey 0
         ZSCAN z x
         ZSCAN z 0 COUNT 0
         ZSCAN z 0 NOMATCH
         LPUSH list v
         ZADD list 1 a
         ZINCRBY list 1 a
         ZSCORE list a
         ZMSCORE list a
         ZCARD list
         ZCOUNT list 0 1
         ZLEXCOUNT list - +
         ZRANGE list 0 -1
         ZRANGE list x y
         ZRANGEBYSCORE list 0 1
         ZRANGEBYLEX list - +
         ZRANGESTORE d list 0 -1
         ZRANK list a
         ZREVRANK list a
         ZREM list a
         ZREMRANGEBYRANK list 0 1
         ZREMRANGEBYSCORE list 0 1
         ZREMRANGEBYLEX list - +
         ZPOPMIN list
         ZPOPMAX list 2
         BZPOPMIN list 0
         BZMPOP 0 1 list MIN
         ZMPOP 1 list MIN
         ZRANDMEMBER list
         ZRANDMEMBER list 2
         ZSCAN list 0
        ",
    );
    for i in 0..150 {
        script.push_str(&format!("ZADD big {} m{i}\n", i % 7));
    }
    script.push_str(
        "ZCARD big
         ZRANGE big 0 -1 WITHSCORES
         ZRANGE big 3 (5 BYSCORE LIMIT 10 20
         ZRANK big m99
         ZREVRANK big m99
         ZPOPMIN big 3
         ZREMRANGEBYRANK big 10 20
         ZRANGE big 0 -1
         ZRANDMEMBER big 1000
         ZRANDMEMBER big 1000 WITHSCORES
         ZADD long 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
         ZADD long 2 b
         ZRANGE long 0 -1 WITHSCORES
         ZADD zero -0 m
         ZUNIONSTORE big2 1 big
         ZRANGE big2 0 5 WITHSCORES
        ",
    );
    check_script(&script).await;
}

async fn blocking_zpops(resp3: bool) {
    let started = Differential::start_with(resp3).await;
    let Some(mut d) = started else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;
    for (wait, push) in [
        ("BZPOPMIN zq 5", "ZADD zq 2 b 1 a"),
        ("BZPOPMAX zq2 zq3 5", "ZADD zq3 2 b 1 a"),
        ("BZMPOP 5 1 zq4 MAX COUNT 2", "ZADD zq4 1 a 2 b 3 c"),
        ("BZPOPMIN zq5 5", "ZUNIONSTORE zq5 1 zq4"),
        ("BZPOPMIN zq6 5", "ZINCRBY zq6 1.5 m"),
    ] {
        d.send(wait).await;
        other.same(push).await;
        d.same_pending(&format!("{wait} served by {push}")).await;
    }
    d.same("BZPOPMIN nothing 0.05").await;
    d.same("BZMPOP 0.05 1 nothing MIN").await;
    // A list pushed to a key a BZPOPMIN waits on does not serve it: it stays blocked.
    d.send("BZPOPMIN mixed 5").await;
    other.same("RPUSH mixed x").await;
    other.same("LPOP mixed").await;
    other.same("ZADD mixed 7 seven").await;
    d.same_pending("BZPOPMIN mixed, served only by the ZADD")
        .await;
}

#[tokio::test]
async fn blocking_zpops_resp2() {
    blocking_zpops(false).await;
}

#[tokio::test]
async fn blocking_zpops_resp3() {
    blocking_zpops(true).await;
}

#[tokio::test]
async fn repeated_options_and_overwrites() {
    check_script(
        "ZADD z 1 a 2 b 3 c
         ZADD z GT 5 newmember
         ZADD z LT CH 0 newer 10 a
         ZADD z CH INCR 1 a
         ZADD z XX GT CH 0.5 b 9 c
         ZADD z nx nx 1 a
         ZRANGE z 0 -1 WITHSCORES
         ZRANGEBYSCORE z -inf +inf LIMIT 0 1 LIMIT 1 2
         ZRANGE z 0 -1 REV REV
         ZRANGE z 0 -1 WITHSCORES WITHSCORES
         ZRANGE z (1 5 BYSCORE BYSCORE
         ZINTERSTORE d 1 z WEIGHTS 2 WEIGHTS 3
         ZRANGE d 0 -1 WITHSCORES
         ZUNIONSTORE d 1 z AGGREGATE MIN AGGREGATE MAX
         ZUNIONSTORE z 2 z d
         ZRANGE z 0 -1 WITHSCORES
         RPUSH list x
         ZUNIONSTORE list 1 z
         ZRANGE list 0 2
         ZRANGESTORE list z 0 0
         ZRANGE list 0 -1 WITHSCORES
         ZDIFFSTORE z 2 z z
         ZCARD z
         ZINTERCARD 1 d LIMIT 1 LIMIT 2
         ZREMRANGEBYRANK d -100 -2
         ZRANGE d 0 -1
         ZADD s 1.5 x 1.25 y
         ZINCRBY s 0.1 x
         ZSCORE s x
         ZINCRBY s -1.35 y
         ZADD s 1e308 big
         ZINCRBY s 1e308 big
         ZADD s -1e308 small
         ZINCRBY s -1e308 small
         ZRANGE s 0 -1 WITHSCORES
        ",
    )
    .await;
}
