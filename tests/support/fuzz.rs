//! What the fuzzers share: a seeded generator, commands built from the engine's own command
//! table (COMMAND DOCS argument grammar, so most requests get past the parser and into the
//! handlers), hostile values, raw protocol fragments, and the process's memory figures.
//!
//! The same seed always generates the same sequence, so a crash reproduces with its seed.

use redis_tutor::engine::command_table;
use redis_tutor::heap::CountingAllocator;
use redis_tutor::resp::Value;
use std::alloc::{GlobalAlloc, Layout};
use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The counting allocator with a cap (FUZZ_HEAP_CAP_MB, 3072 by default): an allocation that takes the heap over it aborts the
/// process after printing which execution was running, so a runaway reply or value is
/// reported instead of taking the machine's memory.
pub struct CappedAllocator;

pub static HEAP_CAP: AtomicUsize = AtomicUsize::new(usize::MAX);
pub static CURRENT_EXEC: AtomicU64 = AtomicU64::new(0);
pub static CURRENT_SEED: AtomicU64 = AtomicU64::new(0);

fn over_cap(size: usize) {
    let live = redis_tutor::heap::in_use().unwrap_or(0);
    if live.saturating_add(size) <= HEAP_CAP.load(Ordering::Relaxed) {
        return;
    }
    // Format without allocating: the allocator must not re-enter itself.
    let mut line = [0u8; 256];
    let mut cursor = std::io::Cursor::new(&mut line[..]);
    let _ = write!(
        cursor,
        "\nfuzz: heap would go over its cap ({live} bytes live, allocating {size} more) during execution {} of seed {}; rerun with FUZZ_SEED={} FUZZ_SHOW={}\n",
        CURRENT_EXEC.load(Ordering::Relaxed),
        CURRENT_SEED.load(Ordering::Relaxed),
        CURRENT_SEED.load(Ordering::Relaxed),
        CURRENT_EXEC.load(Ordering::Relaxed),
    );
    let used = cursor.position() as usize;
    let _ = std::io::stderr().write_all(&line[..used]);
    std::process::abort();
}

// SAFETY: every call goes to CountingAllocator (the system allocator) unchanged.
unsafe impl GlobalAlloc for CappedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        over_cap(layout.size());
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { CountingAllocator.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        over_cap(layout.size());
        // SAFETY: as above.
        unsafe { CountingAllocator.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { CountingAllocator.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        over_cap(new_size.saturating_sub(layout.size()));
        // SAFETY: as above.
        unsafe { CountingAllocator.realloc(ptr, layout, new_size) }
    }
}

/// Arms the heap cap for a run from `seed`.
pub fn set_heap_cap(seed: u64) {
    CURRENT_SEED.store(seed, Ordering::Relaxed);
    let cap_mb = setting("FUZZ_HEAP_CAP_MB", 3072) as usize;
    HEAP_CAP.store(cap_mb << 20, Ordering::Relaxed);
}

/// A small, fast, seeded generator (SplitMix64): the fuzzers need reproducible streams, not
/// cryptographic ones, and must not change when a dependency changes its algorithms.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent` in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Integers at the edges Redis's parsers and range checks care about.
const INTEGERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "-2",
    "5",
    "10",
    "-10",
    "100",
    "1000",
    "-1000",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483648",
    "4294967295",
    "4294967296",
    "536870911",
    "536870912",
    "4294967294",
    "99999999999",
    "-99999999999",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775806",
    "-9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "1e3",
    "0x10",
    "+1",
    "-0",
    "00",
    "",
    " 1",
    "1.5",
];

const DOUBLES: &[&str] = &[
    "0",
    "1",
    "-1",
    "1.5",
    "-1.5",
    "0.1",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "1e308",
    "1e309",
    "-1e308",
    "5e-324",
    "(1",
    "(1.5",
    "(-inf",
    "[a",
    "(a",
    "-",
    "+",
    "1e",
    "3.0e3",
    "0x1p3",
    "17.5",
    "-0",
    "180",
    "-180",
    "85.05112878",
    "-85.05112879",
    "13.361389",
    "38.115556",
];

const KEYS: &[&str] = &["k0", "k1", "k2", "k3", "k4", "{t}a", "{t}b", "", "k0"];

const STRINGS: &[&str] = &[
    "a", "b", "c", "", "v", "hello", "1", "2", "-1", "3.5", "field", "member", "*", "?", "\\",
    "\0", "\r\n", "\"", "'", "a b", "\u{ff}", "m1", "m2", "m3", "Palermo", "Catania",
];

const PATTERNS: &[&str] = &[
    "*",
    "k*",
    "?",
    "[",
    "[^a]",
    "[a-",
    "\\",
    "*a*b*c*d*e*f*g*",
    "k[0-9]",
    "[]",
    "{t}*",
    "#",
    "nosort",
    "k*->a",
    "*->field",
    "k*->",
];

/// CONFIG SET parameters worth fuzzing (not `requirepass`, which would lock the fuzzer out).
const CONFIG_NAMES: &[&str] = &[
    "maxmemory",
    "maxmemory-policy",
    "hash-max-listpack-entries",
    "hash-max-listpack-value",
    "set-max-intset-entries",
    "zset-max-listpack-entries",
    "zset-max-listpack-value",
    "list-max-listpack-size",
    "proto-max-bulk-len",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "notify-keyspace-events",
    "client-output-buffer-limit",
    "hz",
    "lua-time-limit",
];

/// Commands left out: they would stop the fuzzer itself, not find engine bugs.
fn excluded(words: &[String]) -> bool {
    matches!(
        words.join(" ").as_str(),
        "shutdown" | "client pause" | "debug" | "monitor" | "failover" | "replicaof" | "slaveof"
    )
}

/// One command (or subcommand) to generate: its name words, arity and argument grammar.
#[derive(Debug, Clone)]
struct Template {
    words: Vec<String>,
    arity: i64,
    arguments: Vec<Value>,
}

/// Generates requests: mostly well-formed by the command's COMMAND DOCS grammar, some with
/// random arguments, a few unknown commands.
pub struct CommandGen {
    templates: Vec<Template>,
}

impl Default for CommandGen {
    fn default() -> Self {
        CommandGen::new()
    }
}

fn field<'a>(map: &'a Value, name: &str) -> Option<&'a Value> {
    match map {
        Value::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| k.as_bytes() == Some(name.as_bytes()))
            .map(|(_, v)| v),
        Value::Array(items) => items
            .chunks(2)
            .find(|pair| pair[0].as_bytes() == Some(name.as_bytes()))
            .and_then(|pair| pair.get(1)),
        _ => None,
    }
}

fn text<'a>(map: &'a Value, name: &str) -> Option<&'a str> {
    field(map, name)
        .and_then(Value::as_bytes)
        .and_then(|b| std::str::from_utf8(b).ok())
}

fn list(value: Option<&Value>) -> Vec<Value> {
    match value {
        Some(Value::Array(items) | Value::Set(items)) => items.clone(),
        _ => Vec::new(),
    }
}

impl CommandGen {
    pub fn new() -> CommandGen {
        let mut templates = Vec::new();
        for spec in command_table().iter() {
            if spec.subcommands.is_empty() {
                templates.push(Template {
                    words: vec![spec.name.clone()],
                    arity: spec.arity,
                    arguments: list(spec.arguments()),
                });
            }
            for (sub, subspec) in &spec.subcommands {
                templates.push(Template {
                    words: vec![spec.name.clone(), sub.clone()],
                    arity: subspec.arity,
                    arguments: list(subspec.arguments()),
                });
            }
        }
        templates.retain(|t| !excluded(&t.words));
        CommandGen { templates }
    }

    /// The next request's arguments.
    pub fn command(&self, rng: &mut Rng) -> Vec<Vec<u8>> {
        if rng.chance(1) {
            let mut args = vec![rng.pick(STRINGS).as_bytes().to_vec()];
            for _ in 0..rng.below(3) {
                args.push(value(rng, "string"));
            }
            return args;
        }
        let template = rng.pick(&self.templates);
        let mut args: Vec<Vec<u8>> = template
            .words
            .iter()
            .map(|w| {
                if rng.chance(50) {
                    w.to_ascii_uppercase().into_bytes()
                } else {
                    w.clone().into_bytes()
                }
            })
            .collect();
        if rng.chance(85) {
            for argument in &template.arguments {
                grammar(rng, argument, &mut args, 0);
            }
        } else {
            let wanted = template.arity.unsigned_abs() as usize + rng.below(4);
            while args.len() < wanted {
                let kind = *rng.pick(&["key", "integer", "double", "string", "pattern"]);
                args.push(value(rng, kind));
            }
        }
        if template.words[0] == "config" && args.len() >= 3 && rng.chance(80) {
            args[2] = rng.pick(CONFIG_NAMES).as_bytes().to_vec();
        }
        args
    }
}

/// Appends arguments following one COMMAND DOCS argument description.
fn grammar(rng: &mut Rng, argument: &Value, out: &mut Vec<Vec<u8>>, depth: usize) {
    let flags: Vec<String> = list(field(argument, "flags"))
        .iter()
        .filter_map(|f| {
            f.as_bytes()
                .map(|b| String::from_utf8_lossy(b).into_owned())
        })
        .collect();
    let has = |f: &str| flags.iter().any(|x| x == f);
    if has("optional") && rng.chance(50) {
        return;
    }
    let repeats = if has("multiple") {
        {
            let most = if rng.chance(5) { 40 } else { 3 };
            1 + rng.below(most)
        }
    } else {
        1
    };
    let kind = text(argument, "type").unwrap_or("string");
    let token = text(argument, "token");
    let children = list(field(argument, "arguments"));
    for repeat in 0..repeats {
        if let Some(token) = token
            && (repeat == 0 || has("multiple_token"))
        {
            out.push(token.as_bytes().to_vec());
        }
        match kind {
            "pure-token" => {}
            "oneof" if !children.is_empty() && depth < 8 => {
                let child = rng.pick(&children).clone();
                grammar(rng, &child, out, depth + 1);
            }
            "block" if depth < 8 => {
                for child in &children {
                    grammar(rng, child, out, depth + 1);
                }
            }
            other => out.push(named_value(rng, text(argument, "name"), other)),
        }
    }
}

/// BITFIELD field types: valid ones at the edges and invalid ones.
const FIELD_TYPES: &[&str] = &[
    "i1", "u1", "i8", "u8", "i16", "u32", "i63", "i64", "u63", "u64", "i65", "u0", "I8", "x8",
];

/// A value for the argument called `name`: BITFIELD's `encoding` gets field types and its
/// `offset` now and then a `#N` one; any other argument, [`value`] of its type.
fn named_value(rng: &mut Rng, name: Option<&str>, kind: &str) -> Vec<u8> {
    match name {
        Some("encoding") if rng.chance(90) => rng.pick(FIELD_TYPES).as_bytes().to_vec(),
        Some("offset") if rng.chance(20) => {
            let mut offset = b"#".to_vec();
            offset.extend(value(rng, "integer"));
            offset
        }
        _ => value(rng, kind),
    }
}

/// A value for an argument of COMMAND DOCS type `kind`, now and then a hostile one of another.
pub fn value(rng: &mut Rng, kind: &str) -> Vec<u8> {
    let kind = if rng.chance(10) {
        *rng.pick(&["key", "integer", "double", "string", "pattern", "random"])
    } else {
        kind
    };
    match kind {
        // Now and then a long key, for the glob matcher to chew on.
        "key" if rng.chance(1) => vec![b'a'; rng.below(200_000)],
        "key" => rng.pick(KEYS).as_bytes().to_vec(),
        "integer" => {
            if rng.chance(30) {
                (rng.below(40) as i64 - 10).to_string().into_bytes()
            } else {
                rng.pick(INTEGERS).as_bytes().to_vec()
            }
        }
        "double" => rng.pick(DOUBLES).as_bytes().to_vec(),
        "unix-time" => rng
            .pick(&["0", "1", "-1", "1700000000", "4102444800", "99999999999999"])
            .as_bytes()
            .to_vec(),
        // Now and then an abusive one (thousands of `*a`: CVE-2024-31228's kind).
        "pattern" if rng.chance(2) => b"*a".repeat(rng.below(20_000)),
        "pattern" => rng.pick(PATTERNS).as_bytes().to_vec(),
        "random" => {
            let len = if rng.chance(3) {
                rng.below(100_000)
            } else {
                rng.below(12)
            };
            (0..len).map(|_| rng.next_u64() as u8).collect()
        }
        _ => {
            if rng.chance(20) {
                rng.pick(INTEGERS).as_bytes().to_vec()
            } else {
                rng.pick(STRINGS).as_bytes().to_vec()
            }
        }
    }
}

/// Raw protocol pieces, as ../shared/tools/wire-fuzz.py mixes them.
const FRAGMENTS: &[&[u8]] = &[
    b"*",
    b"$",
    b"+",
    b"-",
    b":",
    b"\r\n",
    b"\r",
    b"\n",
    b"-1",
    b"0",
    b"1",
    b"2",
    b"3",
    b"99999999999",
    b"-99",
    b"SET",
    b"GET",
    b"PING",
    b"x",
    b" ",
    b"\"",
    b"'",
    b"\\x",
    b"%",
    b"~",
    b">",
    b"#",
    b",",
    b"(",
    b"_",
    b"=",
    b"!",
    b"|",
    b"\x00",
    b"\xff",
    b"HELLO",
    b"3",
    b"MULTI",
    b"SUBSCRIBE",
    b"BLPOP",
    b"CLIENT",
    b"KILL",
    b"DEBUG",
    b"CONFIG",
    b"SET",
    b"maxmemory",
    b"FLUSHALL",
    b"SELECT",
    b"99",
    b"EXEC",
    b"1048576",
    b"536870912",
    b"*1048577",
    b"$536870913",
];

/// The bytes of one wire-level case: a fragment soup, a well-formed request (RESP or
/// inline), or a well-formed request cut or corrupted.
pub fn wire_payload(rng: &mut Rng, commands: &CommandGen) -> Vec<u8> {
    match rng.below(10) {
        0..=2 => {
            let n = 1 + rng.below(40);
            (0..n).flat_map(|_| rng.pick(FRAGMENTS).to_vec()).collect()
        }
        3..=5 => resp_request(&commands.command(rng)),
        6 => inline_request(&commands.command(rng)),
        _ => {
            let mut bytes = if rng.chance(50) {
                resp_request(&commands.command(rng))
            } else {
                inline_request(&commands.command(rng))
            };
            match rng.below(3) {
                0 if !bytes.is_empty() => bytes.truncate(rng.below(bytes.len())),
                1 if !bytes.is_empty() => {
                    let at = rng.below(bytes.len());
                    bytes[at] = rng.next_u64() as u8;
                }
                _ => {
                    let at = rng.below(bytes.len() + 1);
                    let fragment = rng.pick(FRAGMENTS);
                    bytes.splice(at..at, fragment.iter().copied());
                }
            }
            bytes
        }
    }
}

/// A request as a RESP array of bulk strings.
pub fn resp_request(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = bytes::BytesMut::new();
    Value::encode_request(args, &mut out);
    out.to_vec()
}

/// A request as an inline command line, quoting what needs it.
pub fn inline_request(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        let plain = !arg.is_empty()
            && arg
                .iter()
                .all(|&c| c.is_ascii_graphic() && c != b'"' && c != b'\'' && c != b'\\');
        if plain {
            out.extend_from_slice(arg);
        } else {
            out.push(b'"');
            for &c in arg {
                if c.is_ascii_graphic() && c != b'"' && c != b'\\' || c == b' ' {
                    out.push(c);
                } else {
                    out.extend_from_slice(format!("\\x{c:02x}").as_bytes());
                }
            }
            out.push(b'"');
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A process's resident memory now and at its peak (VmRSS, VmHWM), in KiB.
pub fn rss_kib(pid: Option<u32>) -> Option<(u64, u64)> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_string(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    let read = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some((read("VmRSS:")?, read("VmHWM:")?))
}

/// A fuzz setting from the environment (`FUZZ_SEED`, `FUZZ_EXECS` ...), or `default`.
pub fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Arguments shown the way redis-cli would take them back, for reports.
pub fn show(args: &[Vec<u8>]) -> String {
    String::from_utf8_lossy(&inline_request(args))
        .trim_end()
        .chars()
        .take(300)
        .collect()
}
