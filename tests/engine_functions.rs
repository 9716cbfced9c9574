//! Redis 7.0 functions compared byte for byte with real Redis 7.0.15, RESP2 and RESP3:
//! FUNCTION LOAD with its metadata and registration errors, FCALL and FCALL_RO with flags,
//! error texts naming the function and line, FUNCTION LIST/DELETE/FLUSH/STATS, a busy
//! function stopped by FUNCTION KILL (which SCRIPT KILL may not stop), and FUNCTION DUMP
//! (LZF compression included) and FUNCTION RESTORE with its policies and bad payloads.

mod support;

use redis_tutor::engine::rdb::crc64::crc64;
use redis_tutor::engine::rdb::save_string;
use redis_tutor::resp::{Value, parse_value};
use std::time::Duration;
use support::differential::{ClientPair, Differential, RawConn, args_of, check_script};

/// Loading a library: what the first line must say, what its code may do while it loads,
/// and every way `redis.register_function` refuses its arguments.
#[tokio::test]
async fn function_load_and_its_errors() {
    check_script(
        r##"FUNCTION LOAD "#!lua name=mylib\nredis.register_function('f1', function(keys, args) return {keys[1], args[1]} end)"
         FUNCTION LOAD "#!lua name=mylib\nredis.register_function('x', function() end)"
         FUNCTION LOAD "#!lua name=other\nredis.register_function('F1', function() end)"
         FUNCTION LOAD "return 1"
         FUNCTION LOAD "#!lua name=nonewline"
         FUNCTION LOAD "#!lua\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=a foo=b\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!js name=a\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=a-b\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=a name=b\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!LUA  name=upper\nredis.register_function('zz', function() end)"
         FUNCTION LOAD "#!lua name=b\nlocal x = "
         FUNCTION LOAD "#!lua name=b\nerror('x')"
         FUNCTION LOAD "#!lua name=b\nreturn 1"
         FUNCTION LOAD "#!lua name=b\nredis.call('ping')"
         FUNCTION LOAD "#!lua name=b\nlocal t = string"
         FUNCTION LOAD "#!lua name=b\nx = 1"
         FUNCTION LOAD "#!lua name=b\nredis.x = 1"
         FUNCTION LOAD "#!lua name=b\nredis.log(redis.LOG_WARNING, redis.REDIS_VERSION .. redis.REDIS_VERSION_NUM)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('a-b', function() end)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('x', function() end) redis.register_function('x', function() end)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, flags={'bad'}}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, flags='no-writes'}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, flags={1}}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('x')"
         FUNCTION LOAD "#!lua name=b\nredis.register_function()"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('x', function() end, 3)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function('x', 1)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function({}, function() end)"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x'}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{callback=function() end}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, other=1}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{[1]=2}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{[true]=2}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name={}, callback=function() end}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=1}"
         FUNCTION LOAD "#!lua name=b\nredis.register_function{function_name='x', callback=function() end, description={}}"
         FUNCTION LOAD "#!lua name=num\nredis.register_function(1, function() return 'one' end)"
         FUNCTION LOAD "#!lua NAME=upper_key\nredis.register_function('nf1', function() return 1 end)"
         FUNCTION LOAD "#!lua \"name=quoted\"\nredis.register_function('nf2', function() return 1 end)"
         FUNCTION LOAD "#!lua name=nul\x00\nredis.register_function('nf3', function() return 1 end)"
         FUNCTION LOAD "#!lua name=\"open\nredis.register_function('nf4', function() return 1 end)"
         FUNCTION LOAD "#! lua name=spaced\nredis.register_function('nf5', function() return 1 end)"
         FUNCTION LOAD "#!lua name=b\nwhile true do end"
         FUNCTION LOAD BAD "#!lua name=b\nredis.register_function('x', function() end)"
         FUNCTION LOAD REPLACE
         FUNCTION LOAD REPLACE REPLACE "#!lua name=mylib\nredis.register_function('f2', function() return 2 end)"
         FCALL f1 0
         FCALL f2 0
         FCALL 1 0
         FUNCTION STATS"##,
    )
    .await;
}

/// FCALL and FCALL_RO: keys and arguments as parameters, names in any case, flags, and
/// errors naming the function and its line.
#[tokio::test]
async fn fcall_and_flags() {
    check_script(
        r##"FUNCTION LOAD "#!lua name=mylib\nredis.register_function('echo', function(keys, args) return {keys[1], keys[2], args[1], #keys, #args} end)\nredis.register_function{function_name='ro', callback=function(keys, args) return redis.call('set', keys[1], args[1]) end, flags={'no-writes'}, description='tries to write'}\nredis.register_function{function_name='reader', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'}}\nredis.register_function('writer', function(keys, args) return redis.call('set', keys[1], args[1]) end)\nredis.register_function('boom', function() error('bad') end)\nredis.register_function('boom2', function() return redis.call('nosuch') end)\nredis.register_function('keys', function() return KEYS end)\nredis.register_function('table', function() return {1, 'two', {3}} end)\nredis.register_function('pcalled', function() return redis.pcall('incr', 'str') end)"
         SET str abc
         FCALL echo 2 k1 k2 a1
         FCALL ECHO 0
         FCALL echo 0 a b c
         FCALL ro 1 k v
         FCALL_RO ro 1 k v
         FCALL writer 1 k v
         FCALL_RO writer 1 k v
         FCALL reader 1 k
         FCALL_RO reader 1 k
         FCALL boom 0
         FCALL boom2 0
         FCALL keys 0
         FCALL table 0
         FCALL pcalled 0
         FCALL nosuch 0
         FCALL nosuch x
         FCALL echo x
         FCALL echo 5 a
         FCALL echo -1
         MULTI
         FCALL writer 1 k in-multi
         FCALL reader 1 k
         EXEC
         EVAL "return redis.call('fcall', 'echo', 0)" 0"##,
    )
    .await;
}

/// FUNCTION LIST (one function per library: Redis lists a library's functions in hash
/// order), DELETE, FLUSH and STATS.
#[tokio::test]
async fn list_delete_flush_stats_and_help() {
    check_script(
        r##"FUNCTION LIST
         FUNCTION STATS
         FUNCTION LOAD "#!lua name=Lib\nredis.register_function('Fn', function(keys, args) return 1 end)"
         FUNCTION LOAD "#!lua name=lib2\nredis.register_function{function_name='described', callback=function() return 1 end, flags={'allow-oom', 'no-writes'}, description='hello'}"
         FUNCTION LOAD "#!lua name=zlib\nredis.register_function{function_name='z', callback=function() return 1 end}"
         FUNCTION LIST LIBRARYNAME lib
         FUNCTION LIST LIBRARYNAME Lib
         FUNCTION LIST LIBRARYNAME lib2 WITHCODE
         FUNCTION LIST WITHCODE LIBRARYNAME z*
         FUNCTION LIST LIBRARYNAME
         FUNCTION LIST LIBRARYNAME a LIBRARYNAME b
         FUNCTION LIST WITHCODE WITHCODE
         FUNCTION LIST foo
         FUNCTION STATS
         FUNCTION DELETE LIB
         FUNCTION DELETE Lib
         FCALL fn 0
         FUNCTION STATS
         FUNCTION FLUSH BAD
         FUNCTION FLUSH SYNC EXTRA
         FUNCTION FLUSH ASYNC
         FUNCTION LIST
         FUNCTION STATS
         FUNCTION KILL
         FUNCTION HELP
         FUNCTION HELP extra
         FUNCTION FLUSH"##,
    )
    .await;
}

/// Polls with PING until the server answers BUSY (the function passed its time limit).
async fn ping_until_busy(conn: &mut RawConn) -> Vec<u8> {
    for _ in 0..500 {
        let reply = conn.request(&args_of("PING")).await;
        if reply.starts_with(b"-BUSY") {
            return reply;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never busy");
}

/// A function past the time limit: other clients get the function's BUSY text, SCRIPT KILL
/// may not stop it, FUNCTION KILL does; a busy EVAL script is not FUNCTION KILL's.
#[tokio::test]
async fn busy_function_and_function_kill() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    d.run(
        r##"CONFIG SET busy-reply-threshold 100
         FUNCTION LOAD "#!lua name=slow\nredis.register_function('forever', function() while true do end end)""##,
    )
    .await;
    let mut other = ClientPair::connect(&d).await;
    d.send("FCALL forever 0").await;
    let real = ping_until_busy(&mut other.real).await;
    let engine = ping_until_busy(&mut other.engine).await;
    assert_eq!(
        String::from_utf8_lossy(&engine),
        String::from_utf8_lossy(&real)
    );
    other.same("SCRIPT KILL").await;
    other
        .same("FUNCTION LOAD \"#!lua name=x\\nredis.register_function('x', function() end)\"")
        .await;
    other.same("FUNCTION KILL").await;
    d.same_pending("the killed function").await;
    other.same("PING").await;

    d.send("EVAL \"while true do end\" 0").await;
    ping_until_busy(&mut other.real).await;
    ping_until_busy(&mut other.engine).await;
    other.same("FUNCTION KILL").await;
    other.same("FUNCTION STATS").await;
    other.same("SCRIPT KILL").await;
    d.same_pending("the killed script").await;
    d.same("FUNCTION STATS").await;
}

/// Owned arguments from byte strings.
fn argv(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// The bytes of a bulk-string reply.
fn bulk(raw: &[u8]) -> Vec<u8> {
    match parse_value(raw)
        .expect("valid RESP")
        .expect("a whole reply")
        .0
    {
        Value::Bulk(bytes) => bytes.to_vec(),
        other => panic!("not a bulk string: {other:?}"),
    }
}

/// `body` with a DUMP footer of RDB `version` and a right checksum.
fn payload(body: &[u8], version: u16) -> Vec<u8> {
    let mut out = body.to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// `s` as an RDB string stored verbatim (length and bytes).
fn verbatim(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    save_string(&mut out, s, false);
    out
}

/// A library with one function: short code, which LZF cannot shrink by four bytes.
fn library(name: &str, function: &str) -> String {
    format!("#!lua name={name}\nredis.register_function('{function}', function() return 1 end)")
}

/// A library with `functions` functions of similar code, which compresses well.
fn big_library(name: &str, functions: usize) -> String {
    let mut code = format!("#!lua name={name}\n");
    for i in 0..functions {
        code += &format!(
            "redis.register_function('{name}_f{i}', function(keys, args) return {{keys[1], args[1], {i}}} end)\n"
        );
    }
    code
}

/// FUNCTION LOAD [REPLACE] of `code` on both, compared.
async fn load(d: &mut Differential, code: &str, replace: bool) -> Vec<u8> {
    let mut args = argv(&[b"FUNCTION", b"LOAD"]);
    if replace {
        args.push(b"REPLACE".to_vec());
    }
    args.push(code.as_bytes().to_vec());
    d.same_args(&args).await
}

/// FUNCTION RESTORE of `payload` (with a policy or more arguments) on both, compared.
async fn restore(d: &mut Differential, payload: &[u8], rest: &[&str]) -> Vec<u8> {
    let mut args = argv(&[b"FUNCTION", b"RESTORE", payload]);
    args.extend(rest.iter().map(|r| r.as_bytes().to_vec()));
    d.same_args(&args).await
}

/// FUNCTION DUMP's bytes: the footer alone without libraries; a library's code after
/// opcode 245, verbatim when short or when `rdbcompression` is off (a 14-bit or 32-bit
/// length), LZF-compressed when that saves four bytes.
#[tokio::test]
async fn function_dump_is_byte_exact() {
    for resp3 in [false, true] {
        let Some(mut d) = Differential::start_with(resp3).await else {
            return;
        };
        let empty = bulk(&d.same("FUNCTION DUMP").await);
        assert_eq!(empty.len(), 10, "just the footer");
        d.same("FUNCTION DUMP extra").await;

        load(&mut d, &library("short", "f"), false).await;
        let dump = bulk(&d.same("FUNCTION DUMP").await);
        assert_eq!(&dump[..2], &[0xf5, 0x40], "verbatim, a 14-bit length");

        d.same("FUNCTION FLUSH").await;
        load(&mut d, &big_library("big", 3), false).await;
        let dump = bulk(&d.same("FUNCTION DUMP").await);
        assert_eq!(&dump[..2], &[0xf5, 0xc3], "LZF-compressed");

        d.same("FUNCTION FLUSH").await;
        load(&mut d, &big_library("huge", 400), false).await;
        let dump = bulk(&d.same("FUNCTION DUMP").await);
        assert_eq!(&dump[..2], &[0xf5, 0xc3], "LZF-compressed");
        d.same("CONFIG SET rdbcompression no").await;
        d.same("CONFIG GET rdbcompression").await;
        let dump = bulk(&d.same("FUNCTION DUMP").await);
        assert_eq!(&dump[..2], &[0xf5, 0x80], "verbatim, a 32-bit length");
        d.same("CONFIG SET rdbcompression yes").await;
        d.same("FUNCTION DUMP").await;
    }
}

/// A tiny deterministic generator (xorshift) for generated inputs.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Filler text for a library's comment: words from a small vocabulary (so it repeats),
/// random letters, runs of one character, in pieces of random length.
fn filler(rng: &mut Xorshift, len: usize) -> String {
    const WORDS: [&str; 8] = [
        "redis ",
        "key ",
        "value ",
        "lua ",
        "a",
        "bb",
        "\n",
        "function ",
    ];
    let mut text = String::new();
    while text.len() < len {
        match rng.below(3) {
            0 => text += WORDS[rng.below(WORDS.len())],
            1 => text.push((b'a' + rng.below(26) as u8) as char),
            _ => text += &"z".repeat(rng.below(300)),
        }
    }
    text
}

/// LZF byte for byte: libraries with generated comments of every size and redundancy,
/// dumped by both.
#[tokio::test]
async fn function_dump_compresses_as_redis_does() {
    let Some(mut d) = Differential::start().await else {
        return;
    };
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let mut compressed = 0;
    for round in 0..80 {
        let len = match round % 4 {
            0 => rng.below(40),
            1 => rng.below(400),
            2 => rng.below(4000),
            _ => rng.below(40_000),
        };
        let code = format!(
            "#!lua name=gen\nredis.register_function('gen', function() return 1 end)\n--[[{}]]",
            filler(&mut rng, len)
        );
        load(&mut d, &code, true).await;
        let dump = bulk(&d.same("FUNCTION DUMP").await);
        compressed += usize::from(dump[1] == 0xc3);
    }
    assert!(compressed > 40, "only {compressed} compressed");
}

/// FUNCTION RESTORE of a payload real Redis dumped: APPEND (the default) refuses a library
/// that exists, REPLACE replaces it, FLUSH drops the others first; a function name taken
/// by another library is refused; the policy and the arguments are checked.
#[tokio::test]
async fn function_restore_policies() {
    for resp3 in [false, true] {
        let Some(mut d) = Differential::start_with(resp3).await else {
            return;
        };
        load(&mut d, &big_library("mylib", 3), false).await;
        let dump = bulk(&d.same("FUNCTION DUMP").await);
        restore(&mut d, &dump, &[]).await;
        restore(&mut d, &dump, &["APPEND"]).await;
        restore(&mut d, &dump, &["replace"]).await;
        d.same("FCALL mylib_f1 1 k a").await;
        d.same("FUNCTION FLUSH").await;
        restore(&mut d, &dump, &[]).await;
        d.same_unordered("FUNCTION LIST LIBRARYNAME mylib").await;
        d.same("FCALL mylib_f2 0").await;

        // Another library taking one of the payload's function names.
        d.same("FUNCTION FLUSH").await;
        load(&mut d, &library("thief", "MYLIB_F0"), false).await;
        restore(&mut d, &dump, &[]).await;
        restore(&mut d, &dump, &["REPLACE"]).await;
        d.same_unordered("FUNCTION LIST").await;
        restore(&mut d, &dump, &["FLUSH"]).await;
        d.same_unordered("FUNCTION LIST").await;
        d.same("FCALL MYLIB_F0 0").await;

        // REPLACE swaps the library of the same name, and its functions with it.
        d.same("FUNCTION DELETE mylib").await;
        load(&mut d, &library("other", "o"), false).await;
        let short = bulk(&d.same("FUNCTION DUMP").await);
        load(&mut d, &library("other", "p"), true).await;
        restore(&mut d, &short, &["REPLACE"]).await;
        d.same("FCALL p 0").await;
        d.same("FUNCTION STATS").await;
        // FLUSH with an empty payload leaves nothing.
        let empty = bulk(&d.same("FUNCTION DUMP").await);
        d.same("FUNCTION FLUSH").await;
        let none = bulk(&d.same("FUNCTION DUMP").await);
        restore(&mut d, &dump, &[]).await;
        restore(&mut d, &none, &[]).await;
        d.same("FUNCTION STATS").await;
        restore(&mut d, &none, &["FLUSH"]).await;
        d.same("FUNCTION STATS").await;
        restore(&mut d, &empty, &["flush"]).await;
        d.same("FUNCTION STATS").await;

        restore(&mut d, &dump, &["BAD"]).await;
        restore(&mut d, &dump, &["REPLACE", "extra"]).await;
        d.same("FUNCTION RESTORE").await;
        d.same_unordered("FUNCTION LIST").await;
    }
}

/// Payloads that are wrong in every way: a flipped byte, a cut, a newer version (and an
/// older one, accepted), every way a library's bytes can be bad (string and length
/// encodings, LZF, lengths past the end, the old pre-GA format and its NUL bytes), and
/// libraries that do not load. Each answers Redis's error; the server keeps serving.
#[tokio::test]
async fn function_restore_refuses_bad_payloads() {
    for resp3 in [false, true] {
        let Some(mut d) = Differential::start_with(resp3).await else {
            return;
        };
        load(&mut d, &big_library("good", 2), false).await;
        let dump = bulk(&d.same("FUNCTION DUMP").await);
        d.same("FUNCTION FLUSH").await;
        for at in 0..dump.len() {
            let mut flipped = dump.clone();
            flipped[at] ^= 0x20;
            restore(&mut d, &flipped, &[]).await;
        }
        for len in 0..dump.len() {
            restore(&mut d, &dump[..len], &[]).await;
        }

        let lib = library("lib", "g");
        let body = &lib.as_bytes()[lib.find('\n').unwrap() + 1..];
        let entry = [&[0xf5][..], &verbatim(lib.as_bytes())].concat();
        let pre_ga = |name: &[u8], engine: &[u8], description: Option<&[u8]>, body: &[u8]| {
            let mut out = vec![0xf6];
            out.extend(verbatim(name));
            out.extend(verbatim(engine));
            match description {
                Some(text) => {
                    out.push(1);
                    out.extend(verbatim(text));
                }
                None => out.push(0),
            }
            out.extend(verbatim(body));
            out
        };
        let bodies: Vec<Vec<u8>> = vec![
            // Versions: newer is refused, older accepted.
            payload(&entry, 11),
            payload(b"", 256),
            payload(b"", 9),
            payload(b"", 0),
            // Not a function; string and length encodings Redis does not know.
            payload(b"\x00\x05hello", 10),
            payload(b"\xf5\xc4abcdefgh", 10),
            payload(b"\xf5\x82abcdefgh", 10),
            // Integer-encoded strings are no library.
            payload(b"\xf5\xc0\x05", 10),
            payload(b"\xf5\xc1\x05\x01", 10),
            payload(b"\xf5\xc2\x05\x01\x00\x00", 10),
            // LZF: corrupt, decoding to nothing, longer than the payload, a reference
            // before the start.
            payload(b"\xf5\xc3\x05\x10\xffabcde", 10),
            payload(b"\xf5\xc3\x02\x00ab", 10),
            payload(b"\xf5\xc3\x3f\x05\x00a", 10),
            payload(b"\xf5\xc3\x02\x05\x20\x05", 10),
            payload(b"\xf5\xc3\x02\x81\x7f\xff\xff\xff\xff\xff\xff\xff\x00a", 10),
            // Lengths far past the end.
            payload(b"\xf5\x80\x7f\xff\xff\xffab", 10),
            payload(b"\xf5\x81\x7f\xff\xff\xff\xff\xff\xff\xffab", 10),
            // A string that runs into the footer; a stray opcode after a library.
            payload(b"\xf5\x05", 10),
            payload(&[&entry[..], &[0xf5]].concat(), 10),
            payload(&[&entry[..], &[0xf5, 0x01]].concat(), 10),
            // One library twice; two libraries with one function name.
            payload(&[&entry[..], &entry].concat(), 10),
            payload(
                &[
                    &entry[..],
                    &[0xf5],
                    &verbatim(library("lib2", "G").as_bytes()),
                ]
                .concat(),
                10,
            ),
            // Libraries that do not load.
            payload(&[&[0xf5][..], &verbatim(b"return 1")].concat(), 10),
            payload(
                &[&[0xf5][..], &verbatim(b"#!lua name=x\nlocal x = ")].concat(),
                10,
            ),
            payload(
                &[&[0xf5][..], &verbatim(b"#!lua name=x\nerror('no')")].concat(),
                10,
            ),
            payload(
                &[&[0xf5][..], &verbatim(b"#!lua name=x\nreturn 1")].concat(),
                10,
            ),
            payload(
                &[&[0xf5][..], &verbatim(b"#!lua name=x\0\nreturn 1")].concat(),
                10,
            ),
            payload(
                &[&[0xf5][..], &verbatim(b"#!lua \"name=x\nreturn 1")].concat(),
                10,
            ),
            // The pre-GA format, whole and cut at each field.
            payload(&pre_ga(b"old", b"LUA", None, body), 10),
            payload(
                &pre_ga(
                    b"olddesc",
                    b"lua",
                    Some(b"described"),
                    body.to_vec()
                        .iter()
                        .map(|&c| if c == b'g' { b'h' } else { c })
                        .collect::<Vec<u8>>()
                        .as_slice(),
                ),
                10,
            ),
            payload(b"\xf6\x3f", 10),
            payload(b"\xf6\x01a\x3f", 10),
            payload(b"\xf6\x01a\x01b\x82", 10),
            payload(b"\xf6\x01a\x01b\x01\x3f", 10),
            payload(b"\xf6\x01a\x01b\x00\x3f", 10),
            payload(b"\xf6\x01a\x01b\x00\x01x", 10),
            payload(&pre_ga(b"a-b", b"lua", None, body), 10),
            payload(&pre_ga(b"sp", b"lua x", None, body), 10),
            // NUL bytes cut the pre-GA fields.
            payload(
                &pre_ga(
                    b"nul\0x",
                    b"lua",
                    None,
                    b"\nredis.register_function('nul', function() return 1 end) -- \0 end",
                ),
                10,
            ),
            payload(&pre_ga(b"nul2", b"lu\0a", None, body), 10),
        ];
        for body in &bodies {
            restore(&mut d, body, &[]).await;
        }
        d.same_unordered("FUNCTION LIST WITHCODE").await;
        d.same("FCALL nul 0").await;
        d.same("PING").await;
    }
}

/// Several libraries (whose order in a dump is Redis's hash order): each server restores
/// the other's dump and lists the same libraries.
#[tokio::test]
async fn dumps_restore_across_servers() {
    for resp3 in [false, true] {
        let Some(mut d) = Differential::start_with(resp3).await else {
            return;
        };
        for (name, functions) in [("alpha", 1), ("beta", 5), ("gamma", 40)] {
            load(&mut d, &big_library(name, functions), false).await;
        }
        load(&mut d, &library("delta", "d"), false).await;
        let dump_request = argv(&[b"FUNCTION", b"DUMP"]);
        let real_dump = bulk(&d.real_conn.request(&dump_request).await);
        let engine_dump = bulk(&d.engine_conn.request(&dump_request).await);
        assert_eq!(real_dump.len(), engine_dump.len());
        d.same("FUNCTION FLUSH").await;

        // Each restores the other's payload.
        let restore_into = |dump: &[u8]| argv(&[b"FUNCTION", b"RESTORE", dump]);
        let real = d.real_conn.request(&restore_into(&engine_dump)).await;
        let engine = d.engine_conn.request(&restore_into(&real_dump)).await;
        assert_eq!(
            (real.as_slice(), engine.as_slice()),
            (&b"+OK\r\n"[..], &b"+OK\r\n"[..])
        );
        d.same_unordered("FUNCTION LIST WITHCODE").await;
        d.same("FUNCTION STATS").await;
        d.same("FCALL gamma_f39 1 k v").await;
        // And their own, over what is there: refused, naming the first library found
        // (in hash order in Redis).
        let real = d.real_conn.request(&restore_into(&real_dump)).await;
        let engine = d.engine_conn.request(&restore_into(&engine_dump)).await;
        for reply in [&real, &engine] {
            let text = String::from_utf8_lossy(reply);
            assert!(
                text.starts_with("-ERR Library ") && text.ends_with(" already exists\r\n"),
                "{text}"
            );
        }
        d.count_compared(3);
    }
}
