//! List commands compared byte for byte with real Redis 7.0.15, RESP2 and RESP3, including
//! blocking pops served across two connections.

mod support;

use support::differential::{ClientPair, Differential, check_script};

#[tokio::test]
async fn pushes_pops_and_lengths() {
    check_script(
        "LPUSH l a b c
         RPUSH l d e
         LRANGE l 0 -1
         LLEN l
         LLEN nokey
         LPUSHX nokey a
         RPUSHX nokey a
         LLEN nokey
         LPUSHX l x y
         RPUSHX l z
         LRANGE l 0 -1
         LPOP l
         RPOP l
         LPOP l 2
         RPOP l 2
         LPOP l 0
         RPOP l 0
         LPOP l 100
         LLEN l
         LPOP l
         RPOP l
         LPOP l 0
         RPOP l 3
         LPOP l -1
         LPOP l x
         RPOP l 1.5
         LPOP l 1 2
         LPUSH
         LPUSH l
         RPUSH l
         LPUSHX l
         LLEN
         LLEN a b
         RPUSH bin \"\\x00\\xff\" \"a b\" \"\"
         LRANGE bin 0 -1
         LLEN bin
         RPOP bin
         LPOP bin 5
         RPUSH dup a a a
         LPOP dup 9223372036854775807
        ",
    )
    .await;
}

#[tokio::test]
async fn ranges_indexes_and_edits() {
    check_script(
        "RPUSH l a b c d e f g
         LRANGE l 0 2
         LRANGE l -3 -1
         LRANGE l -100 100
         LRANGE l 5 2
         LRANGE l 7 10
         LRANGE l -1 -2
         LRANGE l 0 0
         LRANGE l x 1
         LRANGE l 0 y
         LRANGE nokey 0 -1
         LRANGE l 0
         LINDEX l 0
         LINDEX l -1
         LINDEX l 6
         LINDEX l 7
         LINDEX l -8
         LINDEX l x
         LINDEX nokey x
         LINDEX nokey 0
         LSET l 0 A
         LSET l -1 G
         LSET l 7 x
         LSET l -8 x
         LSET l x v
         LSET nokey 0 x
         LRANGE l 0 -1
         LINSERT l BEFORE c X
         LINSERT l after c Y
         LINSERT l AFTER G end
         LINSERT l before A start
         LINSERT l before nothere z
         LINSERT l middle c z
         LINSERT nokey before a b
         LINSERT nokey middle a b
         LRANGE l 0 -1
         LTRIM l 1 -2
         LRANGE l 0 -1
         LTRIM l -3 100
         LRANGE l 0 -1
         LTRIM l a 1
         LTRIM nokey 0 1
         LTRIM l 5 1
         LLEN l
         RPUSH t a b c
         LTRIM t 0 0
         LRANGE t 0 -1
         LTRIM t 1 -1
         LLEN t
        ",
    )
    .await;
}

#[tokio::test]
async fn lrem_and_lpos() {
    check_script(
        "RPUSH l a b a c a b a
         LREM l 2 a
         LRANGE l 0 -1
         LREM l -1 a
         LRANGE l 0 -1
         LREM l 0 b
         LRANGE l 0 -1
         LREM l 0 zz
         LREM l x a
         LREM nokey 1 a
         LREM l 0 a
         LREM l 0 c
         LLEN l
         RPUSH p a b c 1 2 3 c c
         LPOS p c
         LPOS p c RANK 2
         LPOS p c RANK -1
         LPOS p c RANK -3
         LPOS p c RANK 4
         LPOS p c COUNT 0
         LPOS p c COUNT 2
         LPOS p c COUNT 2 RANK -1
         LPOS p c RANK 2 COUNT 0
         LPOS p c MAXLEN 3
         LPOS p c MAXLEN 4 COUNT 0
         LPOS p c RANK -1 MAXLEN 2 COUNT 0
         LPOS p c RANK -1 MAXLEN 1
         LPOS p z
         LPOS p z COUNT 1
         LPOS nokey z
         LPOS nokey z COUNT 0
         LPOS p c RANK 0
         LPOS p c RANK x
         LPOS p c COUNT -1
         LPOS p c COUNT x
         LPOS p c MAXLEN -1
         LPOS p c MAXLEN x
         LPOS p c RANK
         LPOS p c FOO 1
         LPOS p c RANK -9223372036854775808
         LPOS p c RANK -9223372036854775808 COUNT 2
         LPOS p c RANK 9223372036854775807 COUNT 2
         LPOS nokey c RANK 0
        ",
    )
    .await;
}

#[tokio::test]
async fn moves_and_multi_pops() {
    check_script(
        "RPUSH src a b c
         LMOVE src dst LEFT RIGHT
         LMOVE src dst right left
         LRANGE src 0 -1
         LRANGE dst 0 -1
         LMOVE src src LEFT RIGHT
         RPUSH rot 1 2 3
         LMOVE rot rot LEFT RIGHT
         LRANGE rot 0 -1
         LMOVE rot rot RIGHT LEFT
         LRANGE rot 0 -1
         LMOVE rot rot LEFT LEFT
         LRANGE rot 0 -1
         RPOPLPUSH rot rot
         LRANGE rot 0 -1
         LMOVE nokey dst LEFT LEFT
         LMOVE src dst UP LEFT
         LMOVE src dst LEFT DOWN
         LMOVE nokey dst LEFT x
         RPOPLPUSH src dst
         RPOPLPUSH src dst
         LLEN src
         LRANGE dst 0 -1
         RPOPLPUSH nokey dst
         RPUSH m1 a b c
         RPUSH m2 x y
         LMPOP 2 nokey m1 LEFT
         LMPOP 2 nokey m1 RIGHT COUNT 5
         LMPOP 2 m1 m2 right count 1
         LMPOP 1 nokey LEFT
         LMPOP 0 m1 LEFT
         LMPOP -1 m1 LEFT
         LMPOP x m1 LEFT
         LMPOP 3 m1 LEFT
         LMPOP 2 m1 m2
         LMPOP 1 m2 MIDDLE
         LMPOP 1 m2 LEFT COUNT 0
         LMPOP 1 m2 LEFT COUNT -1
         LMPOP 1 m2 LEFT COUNT x
         LMPOP 1 m2 LEFT COUNT
         LMPOP 1 m2 LEFT COUNT 1 COUNT 1
         LMPOP 1 m2 LEFT FOO
         LMPOP 1 m2 LEFT COUNT 10
         LLEN m2
        ",
    )
    .await;
}

#[tokio::test]
async fn wrong_type_keys() {
    check_script(
        "SADD s m
         RPUSH l a
         LPUSH s a
         RPUSH s a
         LPUSHX s a
         RPUSHX s a
         LPOP s
         RPOP s 2
         LLEN s
         LRANGE s 0 -1
         LRANGE s x 0
         LINDEX s 0
         LINDEX s x
         LINSERT s BEFORE a b
         LREM s 0 a
         LTRIM s 0 1
         LSET s 0 a
         LSET s x a
         LPOS s a
         LPOS s a RANK 0
         LMOVE s l LEFT LEFT
         LMOVE l s LEFT LEFT
         LRANGE l 0 -1
         RPOPLPUSH s l
         RPOPLPUSH l s
         LMPOP 2 nokey s LEFT
         LMPOP 2 l s LEFT
         BLPOP nokey s 0
         BRPOP s 0
         BLMOVE s l LEFT LEFT 0
         BLMOVE nokey s LEFT LEFT 0.01
         BRPOPLPUSH s l 0
         BLMPOP 0 1 s LEFT
        ",
    )
    .await;
}

#[tokio::test]
async fn blocking_commands_without_blocking() {
    check_script(
        "RPUSH l a b c
         BLPOP l 0
         BRPOP l 1
         BLPOP nokey l 0.5
         BLPOP l 0.01
         RPUSH l a b
         BLPOP l x
         BLPOP l -1
         BLPOP l inf
         BLPOP l 1e100
         BLPOP l nan
         BLPOP l \" 1\"
         BLPOP l
         BRPOP l
         BLMOVE l d LEFT RIGHT 0
         BLMOVE l d UP RIGHT 0
         BLMOVE l d LEFT RIGHT x
         BLMOVE l d LEFT RIGHT -1
         BRPOPLPUSH l d 0
         BRPOPLPUSH l d x
         BRPOPLPUSH l d -1
         LRANGE d 0 -1
         RPUSH l a b c
         BLMPOP 0 1 l LEFT
         BLMPOP 0 2 nokey l RIGHT COUNT 5
         BLMPOP x 1 l LEFT
         BLMPOP -1 1 l LEFT
         BLMPOP 0 0 l LEFT
         BLMPOP 0 1 l FOO
         BLMPOP 0 1 l LEFT COUNT 0
         BLMPOP 0 3 l LEFT
         BLMPOP x 0 l LEFT
         BLMPOP 0.01 1 nokey LEFT
         BLPOP nokey 0.01
         BRPOP nokey nokey2 0.02
         BLMOVE nokey d LEFT LEFT 0.01
         BRPOPLPUSH nokey d 0.01
        ",
    )
    .await;
}

async fn blocking_flows(resp3: bool) {
    let started = Differential::start_with(resp3).await;
    let Some(mut d) = started else {
        return;
    };
    let mut other = ClientPair::connect(&d).await;

    // A waits, B pushes: A gets [key, value].
    d.send("BLPOP q 5").await;
    other.same("RPUSH q x").await;
    d.same_pending("BLPOP served by RPUSH").await;
    d.same("LLEN q").await;

    // Timeouts give the null array.
    d.same("BLPOP q 0.1").await;
    d.same("BRPOP q q2 0.05").await;
    d.same("BLMOVE q d LEFT LEFT 0.05").await;
    d.same("BLMPOP 0.05 1 q LEFT").await;

    // Several waiters are served in FIFO order, one element each.
    d.send("BRPOP fifo 5").await;
    let mut third = ClientPair::connect(&d).await;
    third.send("BLPOP fifo 5").await;
    other.same("RPUSH fifo a b c").await;
    d.same_pending("first waiter").await;
    third.same_pending("second waiter").await;
    other.same("LRANGE fifo 0 -1").await;

    // BLMOVE serves and pushes to its destination, which serves another waiter.
    d.send("BLMOVE src mid RIGHT LEFT 5").await;
    third.send("BLPOP mid 5").await;
    other.same("LPUSH src one two").await;
    d.same_pending("BLMOVE").await;
    third.same_pending("BLPOP on the BLMOVE destination").await;
    other.same("LRANGE src 0 -1").await;
    other.same("LLEN mid").await;

    // BLMPOP with COUNT and BRPOPLPUSH.
    d.send("BLMPOP 5 2 k1 k2 RIGHT COUNT 2").await;
    other.same("RPUSH k2 a b c").await;
    d.same_pending("BLMPOP").await;
    d.send("BRPOPLPUSH empty dest 5").await;
    other.same("RPUSH empty v").await;
    d.same_pending("BRPOPLPUSH").await;
    d.same("LRANGE dest 0 -1").await;

    // A push inside a pipeline with the blocking command: no blocking at all.
    d.send("RPUSH piped v").await;
    d.send("BLPOP piped 5").await;
    d.same_pending("pipelined RPUSH").await;
    d.same_pending("pipelined BLPOP").await;

    // A waiter on two keys gets the one pushed to.
    d.send("BLPOP w1 w2 5").await;
    other.same("LPUSH w2 z").await;
    d.same_pending("BLPOP on two keys").await;

    // BLMOVE from a list to itself rotates the pushed element back in.
    d.send("BLMOVE rot rot LEFT RIGHT 5").await;
    other.same("RPUSH rot only").await;
    d.same_pending("BLMOVE rotation").await;
    d.same("LRANGE rot 0 -1").await;

    // A set created on the awaited key does not serve (nor fail) the waiter.
    d.send("BLPOP typed 5").await;
    other.same("SADD typed m").await;
    other.same("SREM typed m").await;
    other.same("RPUSH typed v").await;
    d.same_pending("BLPOP after a set came and went").await;

    // LMOVE into an awaited key serves its waiter.
    d.send("BRPOP target 5").await;
    other.same("RPUSH source s1").await;
    other.same("LMOVE source target LEFT LEFT").await;
    d.same_pending("BRPOP served by LMOVE").await;
}

#[tokio::test]
async fn blocking_pops_are_served_across_connections_resp2() {
    blocking_flows(false).await;
}

#[tokio::test]
async fn blocking_pops_are_served_across_connections_resp3() {
    blocking_flows(true).await;
}

#[tokio::test]
async fn repeated_options_and_large_counts() {
    check_script(
        "RPUSH l a b a c a
         LPOS l a RANK 1 RANK 2
         LPOS l a COUNT 1 COUNT 0
         LPOS l a MAXLEN 2 MAXLEN 0 COUNT 0
         LREM l -100 a
         LRANGE l 0 -1
         LREM l 9223372036854775807 b
         LRANGE l 0 -1
         LINSERT l BEFORE c c
         LINSERT l AFTER c c
         LRANGE l 0 -1
         LRANGE l -9223372036854775808 9223372036854775807
         LTRIM l -9223372036854775808 9223372036854775807
         LRANGE l 0 -1
         LINDEX l 9223372036854775807
         LINDEX l -9223372036854775808
         LSET l -9223372036854775808 x
         RPUSH big 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19
         LRANGE big 5 9
         LRANGE big -5 -3
         LPOP big 3
         RPOP big 3
         LRANGE big 0 -1
         LMPOP 1 big RIGHT COUNT 9223372036854775807
         LLEN big
        ",
    )
    .await;
}
