//! HyperLogLog fidelity: PFADD, PFCOUNT, PFMERGE and PFDEBUG compared byte for byte with a
//! real Redis 7.0, from empty sketches through sparse ones to dense ones of 100k elements.

mod support;

use support::differential::{Differential, check_script};

/// `PFADD key prefix{from}..prefix{to}` as one command line.
fn pfadd_line(key: &str, prefix: &str, from: usize, to: usize) -> String {
    let mut line = format!("PFADD {key}");
    for i in from..=to {
        line.push_str(&format!(" {prefix}{i}"));
    }
    line
}

#[tokio::test]
async fn pfadd_pfcount_basics_match_redis() {
    check_script(
        "PFADD h a b c
         PFCOUNT h
         PFADD h a b c
         PFADD h d
         PFCOUNT h
         PFADD empty
         PFCOUNT empty
         PFADD empty
         PFCOUNT missing
         PFADD h \"\" \"with space\" \"\\x00\\xff\"
         PFCOUNT h
         PFDEBUG ENCODING h
         PFDEBUG DECODE h
         PFDEBUG DECODE empty
         PFDEBUG decode h
         PFCOUNT h empty missing
         PFCOUNT missing other
         PFADD
         PFCOUNT
         PFMERGE
         PFDEBUG GETREG
         PFDEBUG GETREG h extra
         TYPE h
         ",
    )
    .await;
}

#[tokio::test]
async fn pfmerge_matches_redis() {
    let mut script = String::from(
        "PFADD a x y z
         PFADD b z w
         PFMERGE dest a b
         PFCOUNT dest
         PFDEBUG DECODE dest
         PFMERGE dest
         PFCOUNT dest
         PFMERGE fresh
         PFCOUNT fresh
         PFDEBUG ENCODING fresh
         PFDEBUG DECODE fresh
         PFMERGE a a
         PFCOUNT a
         PFMERGE nothing missing1 missing2
         PFCOUNT nothing
         ",
    );
    // A dense source makes the destination dense.
    script.push_str(&pfadd_line("big", "e", 1, 3000));
    script.push_str(
        "
         PFDEBUG ENCODING big
         PFCOUNT big
         PFMERGE small a b
         PFDEBUG ENCODING small
         PFMERGE small big
         PFDEBUG ENCODING small
         PFCOUNT small
         PFCOUNT a b big
         PFMERGE a2 a
         PFDEBUG DECODE a2
         PFDEBUG GETREG a2
         PFDEBUG ENCODING a2
         ",
    );
    check_script(&script).await;
}

#[tokio::test]
async fn pfdebug_matches_redis() {
    check_script(
        "PFDEBUG GETREG missing
         PFDEBUG ENCODING missing
         PFDEBUG NOSUCH missing
         PFADD h a b c d e f g
         PFDEBUG NOSUCH h
         PFDEBUG ENCODING h
         PFDEBUG DECODE h
         PFDEBUG TODENSE h
         PFDEBUG TODENSE h
         PFDEBUG ENCODING h
         PFDEBUG DECODE h
         PFCOUNT h
         PFADD h h1 h2
         PFCOUNT h
         PFADD g a b c d e f g
         PFDEBUG GETREG g
         PFDEBUG ENCODING g
         PFCOUNT g
         ",
    )
    .await;
}

#[tokio::test]
async fn wrong_types_are_refused_like_redis() {
    check_script(
        "GEOADD z 13.361389 38.115556 Palermo
         PFADD z a
         PFCOUNT z
         PFCOUNT z other
         PFADD h a
         PFCOUNT h z
         PFMERGE h z
         PFMERGE z h
         PFDEBUG ENCODING z
         PFCOUNT h
         ",
    )
    .await;
}

#[tokio::test]
async fn counts_match_redis_in_batches_up_to_100k() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    for batch in 0..1000 {
        let from = batch * 100 + 1;
        d.same(&pfadd_line("big", "el", from, from + 99)).await;
        d.same("PFCOUNT big").await;
        d.same("PFCOUNT big").await;
        if batch % 10 == 0 {
            d.same("PFDEBUG ENCODING big").await;
        }
        if batch < 40 {
            d.same("PFDEBUG DECODE big").await;
        }
    }
    // Re-adding known elements changes nothing.
    d.same(&pfadd_line("big", "el", 1, 500)).await;
    d.same("PFCOUNT big").await;
}

#[tokio::test]
async fn many_sizes_and_merges_match_redis() {
    let Some(mut d) = Differential::start_resp3().await else {
        return;
    };
    let sizes = [1, 2, 10, 50, 100, 300, 700, 1000, 1500, 2500, 5000, 20000];
    for (n, size) in sizes.iter().enumerate() {
        let key = format!("s{n}");
        let mut added = 0;
        while added < *size {
            let to = (added + 250).min(*size);
            d.same(&pfadd_line(&key, &format!("k{n}:"), added + 1, to))
                .await;
            added = to;
        }
        d.same(&format!("PFCOUNT {key}")).await;
        d.same(&format!("PFDEBUG ENCODING {key}")).await;
    }
    let keys: Vec<String> = (0..sizes.len()).map(|n| format!("s{n}")).collect();
    for window in keys.windows(3) {
        d.same(&format!("PFCOUNT {}", window.join(" "))).await;
        d.same(&format!("PFMERGE m{} {}", window[0], window.join(" ")))
            .await;
        d.same(&format!("PFCOUNT m{}", window[0])).await;
        d.same(&format!("PFDEBUG ENCODING m{}", window[0])).await;
    }
    d.same(&format!("PFCOUNT {}", keys.join(" "))).await;
    d.same(&format!("PFMERGE all {}", keys.join(" "))).await;
    d.same("PFCOUNT all").await;
    d.same("PFDEBUG GETREG all").await;
    // Overlapping sets: the union counts each element once.
    d.same(&pfadd_line("o1", "x", 1, 2000)).await;
    d.same(&pfadd_line("o2", "x", 1000, 3000)).await;
    d.same("PFCOUNT o1 o2").await;
    d.same("PFMERGE o1 o2").await;
    d.same("PFCOUNT o1").await;
    d.same("PFDEBUG DECODE o1").await;
}

#[tokio::test]
async fn stored_bytes_match_redis() {
    let mut script = String::from(
        "PFADD h a b c
         GET h
         TYPE h
         STRLEN h
         PFCOUNT h
         GET h
         PFADD h a
         GET h
         PFADD h d
         GET h
         PFADD empty
         GET empty
         PFMERGE merged h empty
         GET merged
         PFCOUNT merged
         GET merged
         ",
    );
    script.push_str(&pfadd_line("big", "e", 1, 3000));
    script.push_str(
        "
         GET big
         PFCOUNT big
         GET big
         PFDEBUG TODENSE h
         GET h
         PFCOUNT h
         GET h
         EXPIRE h 100
         PFADD h zz
         TTL h
         PFCOUNT h
         TTL h
         PFMERGE h big
         TTL h
         GET h
         ",
    );
    check_script(&script).await;
}

/// The 16-byte header of a sparse HLL whose cached cardinality is stale.
const SPARSE_HEADER: &str = "HYLL\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80";

#[tokio::test]
async fn corrupted_and_foreign_strings_match_redis() {
    let script = format!(
        "SET s hello
         PFADD s a
         PFCOUNT s
         PFCOUNT s missing
         PFMERGE d s
         PFMERGE s
         PFDEBUG ENCODING s
         SET num 12345
         PFADD num a
         SET short HYLL
         PFADD short a
         SET badenc \"HYLL\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"
         PFCOUNT badenc
         SET baddense \"HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\\x7f\\xff\"
         PFCOUNT baddense
         PFADD baddense x
         SET cached \"HYLL\\x01\\x00\\x00\\x00\\x2a\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff\"
         PFCOUNT cached
         PFCOUNT cached missing
         PFADD cached a
         PFCOUNT cached
         SET short_run \"{SPARSE_HEADER}\\x7f\\xfe\"
         PFCOUNT short_run
         PFCOUNT short_run missing
         PFMERGE d2 short_run
         PFDEBUG DECODE short_run
         PFDEBUG GETREG short_run
         PFDEBUG TODENSE short_run
         PFADD short_run a b c d e f g h i j k l m n o p
         GET short_run
         SET long_run \"{SPARSE_HEADER}\\x7f\\xff\\x80\"
         PFCOUNT long_run
         PFMERGE d3 long_run
         PFDEBUG DECODE long_run
         SET overflow \"{SPARSE_HEADER}\\x7f\\xfe\\x83\"
         PFCOUNT overflow
         PFMERGE d4 overflow
         PFDEBUG TODENSE overflow
         SET vals \"{SPARSE_HEADER}\\x7f\\xfb\\x80\\x84\\x88\\x8c\\x90\"
         PFCOUNT vals
         PFDEBUG DECODE vals
         PFADD vals a b c
         PFDEBUG DECODE vals
         GET vals
         SET trunc \"{SPARSE_HEADER}\\x7f\"
         PFCOUNT trunc
         PFADD trunc a
         SETRANGE d 4 \\x05
         PFCOUNT d
         "
    );
    check_script(&script).await;
}

#[tokio::test]
async fn sparse_max_bytes_config_matches_redis() {
    let mut script = String::from(
        "CONFIG SET hll-sparse-max-bytes 100
         ",
    );
    for batch in 0..6 {
        script.push_str(&pfadd_line("h", "a", batch * 5 + 1, batch * 5 + 5));
        script.push_str("\nPFDEBUG ENCODING h\nPFCOUNT h\nSTRLEN h\n");
    }
    script.push_str(
        "PFADD s x
         PFMERGE m s h
         PFDEBUG ENCODING m
         CONFIG SET hll-sparse-max-bytes 0
         PFADD z a
         PFDEBUG ENCODING z
         PFADD z2
         PFDEBUG ENCODING z2
         GET z
         CONFIG SET hll-sparse-max-bytes 1kb
         ",
    );
    for batch in 0..4 {
        script.push_str(&pfadd_line("k", "b", batch * 100 + 1, batch * 100 + 100));
        script.push_str("\nPFDEBUG ENCODING k\nGET k\n");
    }
    check_script(&script).await;
}

#[tokio::test]
async fn elements_of_every_length_and_byte_match_redis() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    // Every length from 0 to 40 (all MurmurHash tails), with binary bytes.
    for len in 0..=40usize {
        let mut line = String::from("PFADD lens");
        for seed in 0..20usize {
            let element: String = (0..len)
                .map(|i| format!("\\x{:02x}", (i * 31 + seed * 17 + len) % 256))
                .collect();
            line.push_str(&format!(" \"{element}\""));
        }
        d.same(&line).await;
        d.same("PFCOUNT lens").await;
        d.same("PFDEBUG DECODE lens").await;
    }
    // One command with 20k elements goes from sparse to dense midway.
    let mut line = String::from("PFADD one");
    for i in 0..20000 {
        line.push_str(&format!(" member:{i}:{}", i * 7919 % 10007));
    }
    d.same(&line).await;
    d.same("PFCOUNT one").await;
    d.same("GET one").await;
    d.same("PFCOUNT one lens").await;
}
