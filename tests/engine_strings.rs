//! String and bitmap commands compared byte for byte with a real Redis 7.0.15, in RESP2 and
//! RESP3: replies, error texts and edge cases (ranges, overflow, binary data, options).

mod support;

use support::differential::{Differential, check_script};
use support::fuzz::Rng;

#[tokio::test]
async fn set_and_get_with_options() {
    check_script(
        r#"
        SET k v
        GET k
        GET missing
        SET k v2 GET
        SET newkey v GET
        GET newkey
        SET k v NX
        SET k v XX
        SET absent v XX
        GET absent
        SET absent v NX
        SET k v3 NX GET
        SET k v4 XX GET
        SET k v EX 100
        TTL k
        SET k v PX 100000
        ? PTTL k
        SET k v EX 10 EX 20
        TTL k
        SET k v KEEPTTL
        TTL k
        SET k v
        TTL k
        SET k v EX 0
        SET k v EX -1
        SET k v PX 0
        SET k v EX 9223372036854775807
        SET k v EX 9223372036854
        SET k v PX 9223372036854775807
        SET k v EXAT 0
        SET k v EXAT 4102444800
        TTL k
        SET k v PXAT 4102444800000
        EXPIRETIME k
        SET k v EX x
        SET k v EX 1.5
        SET k v EX
        SET k v PX
        SET k v EX 10 PX 10
        SET k v EX 10 KEEPTTL
        SET k v KEEPTTL EX 10
        SET k v NX XX
        SET k v XX NX
        SET k v GET GET
        SET k v PERSIST
        SET k v FOO
        set k v ex 100 nx
        set k v exat 4102444800 xx get
        SET k v EXAT 4102444800 PXAT 4102444800000
        SET
        SET k
        GET
        GET a b
        SET past v EXAT 1
        EXISTS past
        SET past v PXAT 1
        GET past
        SET past v PXAT 1 GET
        SET k v PXAT -1
        SET k v EXAT 9223372036854775807
        SET k v PXAT 9223372036854775807
        SET "" empty
        GET ""
        SET bin "a\x00b\r\nc"
        GET bin
        STRLEN bin
        "#,
    )
    .await;
}

#[tokio::test]
async fn getset_getdel_getex_setnx_setex() {
    check_script(
        r#"
        GETSET k v1
        GETSET k v2
        GET k
        SET t v EX 100
        GETSET t x
        TTL t
        GETDEL k
        GETDEL k
        EXISTS k
        GETEX missing
        SET g v
        GETEX g
        GETEX g EX 100
        TTL g
        GETEX g PX 200000
        ? PTTL g
        GETEX g PERSIST
        TTL g
        GETEX g EXAT 4102444800
        TTL g
        GETEX g PXAT 4102444800000
        TTL g
        GETEX g EX 0
        GETEX g EX -5
        GETEX g EX x
        GETEX g PERSIST EX 10
        GETEX g EX 10 PERSIST
        GETEX g NX
        GETEX g KEEPTTL
        GETEX g EX
        GETEX g EXAT 1
        EXISTS g
        SETNX n 1
        SETNX n 2
        GET n
        SETEX s 100 v
        TTL s
        SETEX s 0 v
        SETEX s -1 v
        SETEX s x v
        SETEX s 9223372036854775807 v
        PSETEX p 100000 v
        ? PTTL p
        PSETEX p 0 v
        PSETEX p x v
        SETNX
        SETEX s 1
        GETDEL
        GETEX
        "#,
    )
    .await;
}

#[tokio::test]
async fn mset_mget_msetnx() {
    check_script(
        r#"
        MSET a 1 b 2 c 3
        MGET a b c missing
        MSET a
        MSET a 1 b
        MSETNX a 1 x 2
        MSETNX x 1 y 2
        MGET x y
        MSETNX z 1 z 2
        GET z
        SET t v EX 100
        MSET t w
        TTL t
        MGET
        MSETNX
        MSETNX q
        "#,
    )
    .await;
}

#[tokio::test]
async fn counters() {
    check_script(
        r#"
        INCR c
        INCR c
        DECR c
        DECR c
        DECR c
        INCRBY c 10
        INCRBY c -20
        DECRBY c 5
        DECRBY c -5
        INCRBY c x
        INCRBY c 1.5
        INCRBY c ""
        DECRBY c -9223372036854775808
        DECRBY c 9223372036854775808
        SET big 9223372036854775806
        INCR big
        INCR big
        INCRBY big 1
        SET small -9223372036854775807
        DECR small
        DECR small
        DECRBY small 1
        INCRBY small -1
        SET s hello
        INCR s
        DECR s
        INCRBY s 1
        SET sp " 1"
        INCR sp
        SET plus +1
        INCR plus
        SET zero 00
        INCR zero
        SET neg -0
        INCR neg
        SET f 1.5
        INCR f
        SET e ""
        INCR e
        SET ttl 5 EX 100
        INCR ttl
        TTL ttl
        INCR
        INCR a b
        INCRBY a
        DECRBY a
        "#,
    )
    .await;
}

#[tokio::test]
async fn incrbyfloat_in_long_double() {
    check_script(
        r#"
        INCRBYFLOAT f 10.5
        INCRBYFLOAT f 0.1
        INCRBYFLOAT g 0.1
        INCRBYFLOAT g 0.2
        SET h 3.0e3
        INCRBYFLOAT h 1
        INCRBYFLOAT h -3001
        INCRBYFLOAT h 5.0e3
        INCRBYFLOAT h 2.0e2
        INCRBYFLOAT h -1.5
        SET big 100000000000000000
        INCRBYFLOAT big 0.1
        INCRBYFLOAT tiny 0.000003814697265625
        INCRBYFLOAT tiny2 1e-20
        INCRBYFLOAT hex 0x10
        INCRBYFLOAT neg -0.0
        INCRBYFLOAT huge 1e300
        INCRBYFLOAT huge2 1.7976931348623157e308
        INCRBYFLOAT huge2 1e308
        INCRBYFLOAT pi 3.14159265358979323846
        INCRBYFLOAT third 0.333333333333333333333
        INCRBYFLOAT third 0.666666666666666666667
        INCRBYFLOAT m 1.1
        INCRBYFLOAT m 2.2
        INCRBYFLOAT m 3.3
        INCRBYFLOAT m -6.6
        INCRBYFLOAT n 5
        INCRBYFLOAT n 1E2
        INCRBYFLOAT n .5
        INCRBYFLOAT n 5.
        INCRBYFLOAT n +2
        INCRBYFLOAT n inf
        INCRBYFLOAT n -inf
        INCRBYFLOAT n nan
        INCRBYFLOAT n abc
        INCRBYFLOAT n ""
        INCRBYFLOAT n " 1"
        INCRBYFLOAT n "1 "
        INCRBYFLOAT n 1e
        INCRBYFLOAT n 1e5000
        GET n
        SET inf inf
        INCRBYFLOAT inf 1
        SET word abc
        INCRBYFLOAT word 1
        SET ttl 1 EX 100
        INCRBYFLOAT ttl 1.5
        TTL ttl
        INCRBYFLOAT
        INCRBYFLOAT a
        "#,
    )
    .await;
}

#[tokio::test]
async fn incrbyfloat_many_sums_match() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let increments = [
        "0.1",
        "0.2",
        "0.3",
        "1.1",
        "-0.7",
        "2.5e-3",
        "1e10",
        "-1e10",
        "123.456",
        "0.0001",
        "99.99",
        "-33.3333",
        "7e-7",
        "5e5",
        "0.5",
        "1.25",
        "-2.75",
        "1e-15",
        "3.3",
        "1e17",
        "0.1",
        "-1e17",
        "0.015625",
        "12345678.9",
        "-12345678.9",
    ];
    for (i, a) in increments.iter().enumerate() {
        d.same(&format!("INCRBYFLOAT acc {a}")).await;
        d.same(&format!("INCRBYFLOAT k{i} {a}")).await;
        let b = increments[(i * 7 + 3) % increments.len()];
        d.same(&format!("INCRBYFLOAT k{i} {b}")).await;
    }
}

#[tokio::test]
async fn append_strlen_ranges() {
    check_script(
        r#"
        APPEND a hello
        APPEND a " world"
        GET a
        STRLEN a
        STRLEN missing
        APPEND a ""
        APPEND empty ""
        EXISTS empty
        GETRANGE a 0 4
        GETRANGE a -5 -1
        GETRANGE a 0 -1
        GETRANGE a 5 3
        GETRANGE a -1 -5
        GETRANGE a -100 100
        GETRANGE a 100 200
        GETRANGE a 0 0
        GETRANGE a -1 -1
        GETRANGE a 3 -100
        GETRANGE a x 1
        GETRANGE a 1 x
        GETRANGE missing 0 -1
        SUBSTR a 0 2
        SETRANGE a 6 WORLD
        GET a
        SETRANGE a 20 x
        GET a
        SETRANGE a 0 ""
        SETRANGE new 0 ""
        EXISTS new
        SETRANGE new 3 abc
        GET new
        SETRANGE new -1 x
        SETRANGE new x x
        SETRANGE new 536870912 x
        SETRANGE new 536870912 ""
        SET t v EX 100
        APPEND t x
        SETRANGE t 0 y
        TTL t
        GET t
        SET n 123
        APPEND n 4
        GET n
        INCR n
        APPEND
        STRLEN
        GETRANGE a 0
        SETRANGE a 0
        "#,
    )
    .await;
}

#[tokio::test]
async fn lcs() {
    check_script(
        r#"
        MSET key1 ohmytext key2 mynewtext
        LCS key1 key2
        LCS key1 key2 LEN
        LCS key1 key2 IDX
        LCS key1 key2 IDX MINMATCHLEN 4
        LCS key1 key2 IDX MINMATCHLEN 4 WITHMATCHLEN
        LCS key1 key2 IDX WITHMATCHLEN
        LCS key1 key2 IDX LEN
        LCS key1 key2 FOO
        LCS key1 key2 MINMATCHLEN x
        LCS key1 key2 MINMATCHLEN
        LCS key1 missing
        LCS missing1 missing2 IDX
        MSET a abcdefg b xbcdyfgz
        LCS a b IDX WITHMATCHLEN
        LCS a b
        "#,
    )
    .await;
}

#[tokio::test]
async fn bitmaps() {
    check_script(
        r#"
        SETBIT b 7 1
        GET b
        SETBIT b 7 0
        SETBIT b 100 1
        STRLEN b
        GETBIT b 100
        GETBIT b 99
        GETBIT b 100000
        GETBIT missing 5
        SETBIT b -1 1
        SETBIT b x 1
        SETBIT b 4294967296 1
        SETBIT b 1 2
        SETBIT b 1 -1
        SETBIT b 1 x
        GETBIT b -1
        GETBIT b x
        SET s foobar
        BITCOUNT s
        BITCOUNT s 0 0
        BITCOUNT s 1 1
        BITCOUNT s 1 -1
        BITCOUNT s -2 -1
        BITCOUNT s 5 1
        BITCOUNT s 0 100
        BITCOUNT s 1 1 BYTE
        BITCOUNT s 5 30 BIT
        BITCOUNT s 0 -1 BIT
        BITCOUNT s -9 -1 BIT
        BITCOUNT s 3 3 BIT
        BITCOUNT s 1 1 FOO
        BITCOUNT s 1
        BITCOUNT s x 1
        BITCOUNT s 1 1 BIT extra
        BITCOUNT missing
        BITCOUNT missing 1 x
        SET zero ""
        BITCOUNT zero
        SET p "\xff\xf0\x00"
        BITPOS p 0
        BITPOS p 1
        BITPOS p 0 1
        BITPOS p 1 2
        BITPOS p 0 2 -1
        BITPOS p 1 2 -1
        BITPOS p 1 7 15 BIT
        BITPOS p 0 7 15 BIT
        BITPOS p 0 0 11 BIT
        BITPOS p 1 17 BIT
        BITPOS p 0 0 -1 BYTE
        BITPOS p 2
        BITPOS p x
        BITPOS p 1 x
        BITPOS p 1 0 x
        BITPOS p 1 0 1 FOO
        BITPOS missing 0
        BITPOS missing 1
        SET ones "\xff\xff"
        BITPOS ones 0
        BITPOS ones 0 0 -1
        BITPOS ones 0 1
        BITPOS zero 0
        BITPOS zero 1
        SET k1 foobar
        SET k2 abcdef
        BITOP AND dest k1 k2
        GET dest
        BITOP OR dest k1 k2
        GET dest
        BITOP XOR dest k1 k2
        GET dest
        BITOP NOT dest k1
        GET dest
        BITOP NOT dest k1 k2
        BITOP AND dest k1 missing
        GET dest
        BITOP OR dest missing1 missing2
        EXISTS dest
        SET short ab
        BITOP OR dest short k1
        GET dest
        BITOP FOO dest k1
        SET t v EX 100
        BITOP NOT t k1
        TTL t
        SETBIT
        GETBIT b
        BITCOUNT
        BITPOS b
        BITOP AND
        BITOP AND dest
        "#,
    )
    .await;
}

/// Pseudo-random decimals of many shapes (fixed seed), summed on both servers.
#[tokio::test]
async fn incrbyfloat_generated_values_match() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d);
    let mut next = move || rng.next_u64();
    for i in 0..150 {
        let r = next();
        let digits = 1 + (r % 19) as usize;
        let mantissa = (next() % 10u64.pow(digits as u32)).to_string();
        let sign = if r & (1 << 40) != 0 { "-" } else { "" };
        let number = match (r >> 20) % 4 {
            0 => format!("{sign}{mantissa}"),
            1 => {
                let point = (r >> 24) as usize % (mantissa.len() + 1);
                format!("{sign}{}.{}", &mantissa[..point], &mantissa[point..])
            }
            2 => format!("{sign}{mantissa}e{}", (r >> 30) as i64 % 40 - 20),
            _ => format!("{sign}0.{mantissa}"),
        };
        let key = format!("k{}", i % 10);
        d.same(&format!("INCRBYFLOAT {key} {number}")).await;
    }
}

#[tokio::test]
async fn bitfield() {
    check_script(
        r#"
        BITFIELD bf SET u8 0 255
        GET bf
        OBJECT ENCODING bf
        BITFIELD bf GET u8 0 GET i8 0 GET u4 0 GET i4 4 GET u1 7 GET i1 7 GET u8 4 GET i8 4
        BITFIELD bf INCRBY u8 0 1
        BITFIELD bf INCRBY u8 0 -1
        BITFIELD bf OVERFLOW SAT INCRBY u8 0 1000 INCRBY u8 0 -1000
        BITFIELD bf OVERFLOW FAIL INCRBY u8 0 1000 INCRBY u8 0 10 INCRBY u8 0 -11
        BITFIELD bf OVERFLOW WRAP INCRBY u8 0 1000 INCRBY u8 0 -1000
        BITFIELD bf SET i8 8 -128 GET i8 8 INCRBY i8 8 -1 OVERFLOW SAT INCRBY i8 8 -1000 INCRBY i8 8 1000 OVERFLOW FAIL INCRBY i8 8 1
        BITFIELD bf SET i64 0 -1 GET i64 0 GET u63 0 GET u63 1 GET i64 1
        BITFIELD bf INCRBY i64 0 9223372036854775807 INCRBY i64 0 9223372036854775807
        BITFIELD bf OVERFLOW SAT INCRBY i64 0 9223372036854775807 INCRBY i64 0 9223372036854775807 INCRBY i64 0 -9223372036854775808 INCRBY i64 0 -9223372036854775808 INCRBY i64 0 -1
        BITFIELD bf OVERFLOW FAIL INCRBY i64 0 -1 SET i64 0 5 INCRBY i64 0 9223372036854775807 INCRBY i64 0 -9223372036854775808
        BITFIELD bf OVERFLOW FAIL SET u8 0 256 SET u8 0 -1 SET i8 0 128 SET i8 0 -129 SET i8 0 -128 SET i8 0 127
        BITFIELD bf OVERFLOW SAT SET u8 0 256 SET u8 0 -1 SET i8 0 128 SET i8 0 -129 SET i8 0 -9223372036854775808 SET i8 0 9223372036854775807 SET u8 0 -9223372036854775808
        BITFIELD bf OVERFLOW WRAP SET u8 0 256 SET u8 0 -1 SET i8 0 128 SET i8 0 -129 SET i8 0 -9223372036854775808 SET u8 0 -9223372036854775808
        BITFIELD bf SET u63 0 9223372036854775807 OVERFLOW SAT INCRBY u63 0 1 OVERFLOW WRAP INCRBY u63 0 1 INCRBY u63 0 -1
        BITFIELD bf OVERFLOW SAT INCRBY u63 0 -9223372036854775808 OVERFLOW WRAP INCRBY u63 0 -9223372036854775808
        BITFIELD bf SET u4 #1 15 GET u4 #1 GET u4 4 SET i5 #3 -3 GET i5 15 GET i5 #3
        BITFIELD bf SET u1 #70 1 GET u1 70 INCRBY i1 71 1 INCRBY i1 71 -1 INCRBY u1 72 3
        GET bf
        STRLEN bf
        OBJECT ENCODING bf
        BITFIELD bf GET i3 5 GET u13 3 GET i17 1 GET u31 9 GET i33 2 GET i64 60 GET u63 65
        BITFIELD bf GET u8 #-1
        BITFIELD bf GET u8 #x
        BITFIELD bf GET u8 #
        BITFIELD bf GET u8 ##1
        BITFIELD bf GET u8 -1
        BITFIELD bf GET u8 +1
        BITFIELD bf GET u8 01
        BITFIELD bf GET u8 4294967296
        BITFIELD bf GET u8 4294967295
        BITFIELD bf GET u8 #536870912
        BITFIELD bf GET u8 #536870911
        BITFIELD bf GET i64 #9223372036854775807
        BITFIELD bf GET i64 #144115188075855872
        BITFIELD bf GET u8 1.5
        BITFIELD bf GET u64 0
        BITFIELD bf GET i65 0
        BITFIELD bf GET i0 0
        BITFIELD bf GET u0 0
        BITFIELD bf GET I8 0
        BITFIELD bf GET U8 0
        BITFIELD bf GET x8 0
        BITFIELD bf GET i 0
        BITFIELD bf GET i08 0
        BITFIELD bf GET i+8 0
        BITFIELD bf GET i-8 0
        BITFIELD bf GET "" 0
        BITFIELD bf GET "i8\x00junk" 0
        BITFIELD bf SET u8 0 x
        BITFIELD bf SET u8 0 1.5
        BITFIELD bf SET u8 0 9223372036854775808
        BITFIELD bf INCRBY u8 0 ""
        BITFIELD bf SET u8 0
        BITFIELD bf GET u8
        BITFIELD bf INCRBY u8 0
        BITFIELD bf FOO u8 0
        BITFIELD bf OVERFLOW
        BITFIELD bf OVERFLOW FOO GET u8 0
        BITFIELD bf GET u8 0 OVERFLOW FOO
        BITFIELD bf OVERFLOW sat
        BITFIELD bf overflow fail get u8 0 set u8 0 1 incrby u8 0 1
        BITFIELD bf GET u8 0 FOO
        BITFIELD bf GET u8 0 SET u8 x 1
        BITFIELD bf GET u64 0 SET u8 0 x
        BITFIELD bf SET u8 0 x GET u64 0
        BITFIELD bf
        BITFIELD missing GET u8 0 GET i64 100
        EXISTS missing
        BITFIELD missing OVERFLOW SAT
        EXISTS missing
        BITFIELD new SET u8 100 1
        STRLEN new
        BITFIELD new2 INCRBY i16 #10 -5
        GET new2
        BITFIELD new3 OVERFLOW FAIL SET u4 0 100
        EXISTS new3
        STRLEN new3
        BITFIELD_RO bf GET u8 0 GET i8 #2
        BITFIELD_RO bf SET u8 0 1
        BITFIELD_RO bf INCRBY u8 0 1
        BITFIELD_RO bf GET u8 0 SET u8 0 1
        BITFIELD_RO bf OVERFLOW SAT GET u8 0
        BITFIELD_RO bf OVERFLOW SAT
        BITFIELD_RO bf SET u8 x 1
        BITFIELD_RO bf SET u8 0 x
        BITFIELD_RO bf SET u99 0 1
        BITFIELD_RO missing GET u8 0
        BITFIELD_RO missing SET u8 0 1
        EXISTS missing
        BITFIELD_RO bf
        BITFIELD_RO bf GET
        BITFIELD_RO
        BITFIELD
        SET n 12345
        BITFIELD n GET u8 0 GET u16 8
        OBJECT ENCODING n
        BITFIELD_RO n GET u8 0
        OBJECT ENCODING n
        BITFIELD n SET u8 0 49
        OBJECT ENCODING n
        GET n
        SET short abc
        BITFIELD short GET u8 0
        OBJECT ENCODING short
        BITFIELD short INCRBY u8 0 0
        OBJECT ENCODING short
        GET short
        RPUSH list a
        BITFIELD list GET u8 0
        BITFIELD list SET u8 0 1
        BITFIELD_RO list GET u8 0
        BITFIELD list GET u8 x
        BITFIELD list SET u8 0 x
        SET t v EX 100
        BITFIELD t SET u8 0 1
        TTL t
        GET t
        CONFIG SET proto-max-bulk-len 1mb
        BITFIELD big GET u8 8388607
        BITFIELD big GET u8 8388608
        BITFIELD big GET u8 #1048575
        BITFIELD big GET u8 #1048576
        BITFIELD big SET i64 8388607 -1
        STRLEN big
        BITFIELD big SET u8 8388608 1
        BITFIELD big GET i64 8388607 GET i64 8388600
        CONFIG SET proto-max-bulk-len 512mb
        "#,
    )
    .await;
}

/// Pseudo-random BITFIELD operations (fixed seed) on a few keys: every width, signedness,
/// overflow mode and offset shape, with the strings compared afterwards.
#[tokio::test]
async fn bitfield_generated_operations_match() {
    for resp3 in [false, true] {
        let d = Differential::start_with(resp3).await;
        let Some(mut d) = d else {
            return;
        };
        let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.next_u64();
        const VALUES: &[&str] = &[
            "0",
            "1",
            "-1",
            "127",
            "-128",
            "255",
            "256",
            "9223372036854775807",
            "-9223372036854775808",
            "4611686018427387904",
            "-4611686018427387905",
        ];
        for i in 0..400 {
            let mut line = format!("BITFIELD k{}", i % 4);
            for _ in 0..1 + next() % 4 {
                let r = next();
                if r % 7 == 0 {
                    line.push_str(
                        [" OVERFLOW WRAP", " OVERFLOW SAT", " OVERFLOW FAIL"]
                            [(r >> 8) as usize % 3],
                    );
                }
                let signed = (r >> 12) % 2 == 0;
                let bits = 1 + (r >> 16) % if signed { 64 } else { 63 };
                let kind = if signed { 'i' } else { 'u' };
                let offset = if (r >> 24) % 3 == 0 {
                    format!("#{}", (r >> 32) % 8)
                } else {
                    ((r >> 32) % 80).to_string()
                };
                let value = if (r >> 28) % 2 == 0 {
                    VALUES[(r >> 40) as usize % VALUES.len()].to_string()
                } else {
                    ((next() as i64) >> ((r >> 44) % 64)).to_string()
                };
                match (r >> 4) % 3 {
                    0 => line.push_str(&format!(" GET {kind}{bits} {offset}")),
                    1 => line.push_str(&format!(" SET {kind}{bits} {offset} {value}")),
                    _ => line.push_str(&format!(" INCRBY {kind}{bits} {offset} {value}")),
                }
            }
            d.same(&line).await;
        }
        for k in 0..4 {
            d.same(&format!("GET k{k}")).await;
        }
    }
}
