//! Generic keyspace commands: DEL, EXISTS, TYPE, RENAME, COPY, MOVE, KEYS, SCAN, the
//! EXPIRE/TTL family, FLUSHDB/FLUSHALL/SWAPDB, OBJECT and MEMORY USAGE.

use crate::engine::args::{not_integer, parse_i64, syntax_error};
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::Data;
use crate::engine::db::Entry;
use crate::engine::notify::EventClass;
use crate::engine::store::DATABASES;
use crate::glob::glob_match;
use crate::resp::Value;
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("del", del),
    ("unlink", del),
    ("exists", exists),
    ("type", type_),
    ("rename", rename),
    ("renamenx", renamenx),
    ("copy", copy),
    ("move", move_),
    ("touch", touch),
    ("randomkey", randomkey),
    ("keys", keys),
    ("scan", scan),
    ("dbsize", dbsize),
    ("flushdb", flushdb),
    ("flushall", flushall),
    ("swapdb", swapdb),
    ("expire", expire),
    ("pexpire", pexpire),
    ("expireat", expireat),
    ("pexpireat", pexpireat),
    ("ttl", ttl),
    ("pttl", pttl),
    ("expiretime", expiretime),
    ("pexpiretime", pexpiretime),
    ("persist", persist),
    ("object|encoding", object_encoding),
    ("object|refcount", object_refcount),
    ("object|idletime", object_idletime),
    ("object|freq", object_freq),
    ("object|help", object_help),
    ("memory|usage", memory_usage),
    ("memory|help", memory_help),
];

const SAME_OBJECT: &str = "ERR source and destination objects are the same";
const DB_OUT_OF_RANGE: &str = "ERR DB index is out of range";

/// getIntFromObjectOrReply without its error: a 32-bit integer (SWAPDB reports its own).
fn parse_int(arg: &[u8]) -> Option<i64> {
    parse_i64(arg).filter(|n| i32::try_from(*n).is_ok())
}

/// getIntFromObjectOrReply's error for a number outside 32 bits.
fn int_range_error() -> Value {
    Value::error("ERR value is out of range, value must between -2147483648 and 2147483647")
}

/// A database index argument: Err(reply) when it is not an integer or out of range.
pub(super) fn db_index(arg: &[u8]) -> Result<usize, Value> {
    match parse_i64(arg) {
        None => Err(not_integer()),
        Some(n) if i32::try_from(n).is_err() => Err(int_range_error()),
        Some(n) if n < 0 || n >= DATABASES as i64 => Err(Value::error(DB_OUT_OF_RANGE)),
        Some(n) => Ok(n as usize),
    }
}

fn del(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let db = ctx.db();
    let mut removed = 0;
    for key in &args[1..] {
        if db.contains(key, now) {
            db.remove(key);
            db.modified(EventClass::GENERIC, "del", key);
            removed += 1;
        }
    }
    Value::Integer(removed)
}

/// Looks `key` up without counting it as used (Redis's LOOKUP_NOTOUCH, as TYPE, TTL, EXISTS
/// and OBJECT do), still counting a keyspace hit or miss.
fn peek_key<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a Entry> {
    let now = ctx.now_ms();
    let index = ctx.client().db;
    let store = &mut *ctx.store;
    let found = store.dbs[index].peek(key, now);
    if found.is_some() {
        store.stats.keyspace_hits += 1;
    } else {
        store.stats.keyspace_misses += 1;
    }
    found
}

fn exists(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let found = args[1..]
        .iter()
        .filter(|key| peek_key(ctx, key).is_some())
        .count();
    Value::Integer(found as i64)
}

fn touch(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let found = args[1..]
        .iter()
        .filter(|key| ctx.read_key(key).is_some())
        .count();
    Value::Integer(found as i64)
}

fn type_(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    Value::simple(peek_key(ctx, &args[1]).map_or("none", |e| e.data.type_name()))
}

fn rename_generic(ctx: &mut Ctx, args: &[Bytes], nx: bool) -> Value {
    let now = ctx.now_ms();
    let db = ctx.db();
    let Some(entry) = db.get(&args[1], now) else {
        return Value::error("ERR no such key");
    };
    let expire_at = entry.expire_at();
    if args[1] == args[2] {
        return if nx { Value::Integer(0) } else { Value::ok() };
    }
    if db.contains(&args[2], now) {
        if nx {
            return Value::Integer(0);
        }
        db.remove(&args[2]);
    }
    let entry = db.remove(&args[1]).expect("checked above");
    db.set_with_expiry(args[2].clone(), entry.data, expire_at);
    if let Some(moved) = db.get(&args[2], now) {
        moved.string_encoding = entry.string_encoding;
    }
    db.modified(EventClass::GENERIC, "rename_from", &args[1]);
    db.modified(EventClass::GENERIC, "rename_to", &args[2]);
    if nx { Value::Integer(1) } else { Value::ok() }
}

fn rename(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    rename_generic(ctx, args, false)
}

fn renamenx(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    rename_generic(ctx, args, true)
}

fn copy(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let source_db = ctx.client().db;
    let mut target_db = source_db;
    let mut replace = false;
    let mut j = 3;
    while j < args.len() {
        if args[j].eq_ignore_ascii_case(b"replace") {
            replace = true;
        } else if args[j].eq_ignore_ascii_case(b"db") && j + 1 < args.len() {
            target_db = match db_index(&args[j + 1]) {
                Ok(db) => db,
                Err(e) => return e,
            };
            j += 1;
        } else {
            return syntax_error();
        }
        j += 1;
    }
    if source_db == target_db && args[1] == args[2] {
        return Value::error(SAME_OBJECT);
    }
    if ctx.read_key(&args[1]).is_none() {
        return Value::Integer(0);
    }
    let now = ctx.now_ms();
    let (data, expire_at, encoding) = {
        let e = ctx.store.dbs[source_db]
            .get(&args[1], now)
            .expect("looked up above");
        (e.data.clone(), e.expire_at(), e.string_encoding)
    };
    let target = &mut ctx.store.dbs[target_db];
    if target.contains(&args[2], now) {
        if !replace {
            return Value::Integer(0);
        }
        target.remove(&args[2]);
    }
    target.set_with_expiry(args[2].clone(), data, expire_at);
    if let Some(copied) = target.get(&args[2], now) {
        copied.string_encoding = encoding;
    }
    target.modified(EventClass::GENERIC, "copy_to", &args[2]);
    Value::Integer(1)
}

fn move_(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let target_db = match db_index(&args[2]) {
        Ok(db) => db,
        Err(e) => return e,
    };
    let source_db = ctx.client().db;
    if source_db == target_db {
        return Value::error(SAME_OBJECT);
    }
    let now = ctx.now_ms();
    if !ctx.store.dbs[source_db].contains(&args[1], now) {
        return Value::Integer(0);
    }
    if ctx.store.dbs[target_db].contains(&args[1], now) {
        return Value::Integer(0);
    }
    let source = &mut ctx.store.dbs[source_db];
    let entry = source.remove(&args[1]).expect("checked above");
    source.modified(EventClass::GENERIC, "move_from", &args[1]);
    let expire_at = entry.expire_at();
    let target = &mut ctx.store.dbs[target_db];
    target.set_with_expiry(args[1].clone(), entry.data, expire_at);
    if let Some(moved) = target.get(&args[1], now) {
        moved.string_encoding = entry.string_encoding;
    }
    target.modified(EventClass::GENERIC, "move_to", &args[1]);
    Value::Integer(1)
}

fn randomkey(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    ctx.db().random_key(now).map_or(Value::Null, Value::Bulk)
}

fn keys(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let pattern = &args[1];
    let all = pattern.as_ref() == b"*";
    let keys = ctx
        .db()
        .keys(now)
        .into_iter()
        .filter(|k| all || glob_match(pattern, k))
        .map(Value::Bulk)
        .collect();
    Value::Array(keys)
}

/// parseScanCursorOrReply: strtoul rules (leading `+`/`-`, zeros; no spaces, no junk).
fn parse_cursor(arg: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(arg).ok()?;
    if text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        // strtoul parses nothing and leaves the end pointer at the start: only "" passes.
        return text.is_empty().then_some(0);
    }
    if !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(if negative { n.wrapping_neg() } else { n })
}

fn scan(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let Some(cursor) = parse_cursor(&args[1]) else {
        return Value::error("ERR invalid cursor");
    };
    let mut count: usize = 10;
    let mut pattern: Option<&Bytes> = None;
    let mut type_name: Option<&Bytes> = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - i >= 2;
        let opt = &args[i];
        if opt.eq_ignore_ascii_case(b"count") && more {
            match parse_i64(&args[i + 1]) {
                None => return not_integer(),
                Some(n) if n < 1 => return syntax_error(),
                Some(n) => count = n.min(i64::from(u32::MAX)) as usize,
            }
        } else if opt.eq_ignore_ascii_case(b"match") && more {
            pattern = Some(&args[i + 1]).filter(|p| p.as_ref() != b"*");
        } else if opt.eq_ignore_ascii_case(b"type") && more {
            type_name = Some(&args[i + 1]);
        } else {
            return syntax_error();
        }
        i += 2;
    }
    let now = ctx.now_ms();
    let db = ctx.db();
    // A COUNT beyond the number of keys visits them all; no need to reserve more.
    let count = count.min(db.len() + 1);
    let (next, found) = db.scan(cursor, count, now);
    let mut keys = Vec::with_capacity(found.len());
    for key in found {
        if pattern.is_some_and(|p| !glob_match(p, &key)) {
            continue;
        }
        if let Some(wanted) = type_name {
            let actual = peek_key(ctx, &key).map_or("none", |e| e.data.type_name());
            if !wanted.eq_ignore_ascii_case(actual.as_bytes()) {
                continue;
            }
        }
        keys.push(Value::Bulk(key));
    }
    Value::Array(vec![
        Value::Bulk(Bytes::from(next.to_string())),
        Value::Array(keys),
    ])
}

fn dbsize(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    Value::Integer(ctx.db().len() as i64)
}

/// The optional ASYNC|SYNC argument of FLUSHDB and FLUSHALL.
fn flush_mode_ok(args: &[Bytes]) -> bool {
    match args.len() {
        1 => true,
        2 => args[1].eq_ignore_ascii_case(b"sync") || args[1].eq_ignore_ascii_case(b"async"),
        _ => false,
    }
}

fn flushdb(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if !flush_mode_ok(args) {
        return syntax_error();
    }
    let (index, now) = (ctx.client().db, ctx.now_ms());
    ctx.store.flush_db(index, now);
    ctx.store.tracking_invalidate_on_flush();
    Value::ok()
}

fn flushall(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if !flush_mode_ok(args) {
        return syntax_error();
    }
    let now = ctx.now_ms();
    for index in 0..DATABASES {
        ctx.store.flush_db(index, now);
    }
    ctx.store.tracking_invalidate_on_flush();
    Value::ok()
}

fn swapdb(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let Some(first) = parse_int(&args[1]) else {
        return Value::error("ERR invalid first DB index");
    };
    let Some(second) = parse_int(&args[2]) else {
        return Value::error("ERR invalid second DB index");
    };
    let range = 0..DATABASES as i64;
    if !range.contains(&first) || !range.contains(&second) {
        return Value::error(DB_OUT_OF_RANGE);
    }
    let (a, b) = (first as usize, second as usize);
    let now = ctx.now_ms();
    ctx.store.swap_dbs(a, b, now);
    Value::ok()
}

/// What EXPIRE's NX/XX/GT/LT options ask for.
#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

fn parse_expire_flags(args: &[Bytes]) -> Result<ExpireFlags, Value> {
    let mut f = ExpireFlags::default();
    for opt in args {
        match opt.to_ascii_lowercase().as_slice() {
            b"nx" => f.nx = true,
            b"xx" => f.xx = true,
            b"gt" => f.gt = true,
            b"lt" => f.lt = true,
            _ => {
                return Err(Value::error(format!(
                    "ERR Unsupported option {}",
                    String::from_utf8_lossy(opt)
                )));
            }
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(Value::error(
            "ERR NX and XX, GT or LT options at the same time are not compatible",
        ));
    }
    if f.gt && f.lt {
        return Err(Value::error(
            "ERR GT and LT options at the same time are not compatible",
        ));
    }
    Ok(f)
}

/// expireGenericCommand: `base_ms` is the current time for relative forms, 0 for absolute.
fn expire_generic(ctx: &mut Ctx, args: &[Bytes], base_ms: i64, seconds: bool, name: &str) -> Value {
    let flags = match parse_expire_flags(&args[3..]) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let Some(mut when) = parse_i64(&args[2]) else {
        return not_integer();
    };
    let invalid = || super::strings::invalid_expire(name);
    if seconds {
        if !(i64::MIN / 1000..=i64::MAX / 1000).contains(&when) {
            return invalid();
        }
        when *= 1000;
    }
    if when > i64::MAX - base_ms {
        return invalid();
    }
    when += base_ms;
    let now = ctx.now_ms();
    let db = ctx.db();
    let Some(entry) = db.get(&args[1], now) else {
        return Value::Integer(0);
    };
    let current = entry.expire_at();
    let refused = (flags.nx && current.is_some())
        || (flags.xx && current.is_none())
        || (flags.gt && current.is_none_or(|c| when <= c))
        || (flags.lt && current.is_some_and(|c| when >= c));
    if refused {
        return Value::Integer(0);
    }
    if when <= now {
        db.remove(&args[1]);
        db.modified(EventClass::GENERIC, "del", &args[1]);
    } else {
        db.set_expire(&args[1], Some(when));
        db.modified(EventClass::GENERIC, "expire", &args[1]);
    }
    Value::Integer(1)
}

fn expire(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    expire_generic(ctx, args, now, true, "expire")
}

fn pexpire(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    expire_generic(ctx, args, now, false, "pexpire")
}

fn expireat(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    expire_generic(ctx, args, 0, true, "expireat")
}

fn pexpireat(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    expire_generic(ctx, args, 0, false, "pexpireat")
}

/// ttlGenericCommand: -2 missing, -1 no TTL, else remaining (or absolute) time.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], in_ms: bool, absolute: bool) -> Value {
    let now = ctx.now_ms();
    let Some(entry) = peek_key(ctx, key) else {
        return Value::Integer(-2);
    };
    let Some(at) = entry.expire_at() else {
        return Value::Integer(-1);
    };
    let ttl = if absolute { at } else { (at - now).max(0) };
    Value::Integer(if in_ms { ttl } else { (ttl + 500) / 1000 })
}

fn ttl(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    ttl_generic(ctx, &args[1], false, false)
}

fn pttl(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    ttl_generic(ctx, &args[1], true, false)
}

fn expiretime(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    ttl_generic(ctx, &args[1], false, true)
}

fn pexpiretime(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    ttl_generic(ctx, &args[1], true, true)
}

fn persist(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let db = ctx.db();
    match db.get(&args[1], now).map(|e| e.expire_at()) {
        Some(Some(_)) => {
            db.set_expire(&args[1], None);
            db.modified(EventClass::GENERIC, "persist", &args[1]);
            Value::Integer(1)
        }
        _ => Value::Integer(0),
    }
}

/// True for a value Redis would store int-encoded (a string2l number of at most 20 bytes).
fn int_encodable(b: &[u8]) -> bool {
    b.len() <= 20 && parse_i64(b).is_some()
}

/// An entry's encoding: the one recorded by an in-place write, else the value's own.
fn entry_encoding(entry: &Entry) -> &'static str {
    entry
        .string_encoding
        .unwrap_or_else(|| entry.data.encoding())
}

/// MEMORY USAGE's estimate for one key: its value, its name and its dict entry.
pub(super) fn key_memory(key: &[u8], entry: &Entry) -> usize {
    const DICT_ENTRY: usize = 24;
    value_size(&entry.data, entry_encoding(entry)) + sds_size(key.len()) + DICT_ENTRY
}

/// The encoding of the value at `key` in the current database, if the key exists.
fn key_encoding(ctx: &mut Ctx, key: &[u8]) -> Option<&'static str> {
    let now = ctx.now_ms();
    let index = ctx.client().db;
    let store = &mut *ctx.store;
    let entry = store.dbs[index].peek(key, now)?;
    Some(entry_encoding(entry))
}

fn object_encoding(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if peek_key(ctx, &args[2]).is_none() {
        return Value::Null;
    }
    key_encoding(ctx, &args[2]).map_or(Value::Null, |e| {
        Value::Bulk(Bytes::from_static(e.as_bytes()))
    })
}

fn object_refcount(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match peek_key(ctx, &args[2]).map(|e| &e.data) {
        None => Value::Null,
        // Integers 0..9999 are shared objects with Redis's OBJ_SHARED_REFCOUNT.
        Some(Data::String(b)) if parse_i64(b).is_some_and(|n| (0..10_000).contains(&n)) => {
            Value::Integer(i32::MAX as i64)
        }
        Some(_) => Value::Integer(1),
    }
}

fn lfu_policy(ctx: &Ctx) -> bool {
    ctx.store
        .config
        .get("maxmemory-policy")
        .is_some_and(|p| p.ends_with("lfu"))
}

fn object_idletime(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let Some(idle_ms) = peek_key(ctx, &args[2]).map(|e| e.idle_ms(now)) else {
        return Value::Null;
    };
    if lfu_policy(ctx) {
        return Value::error(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        );
    }
    Value::Integer(idle_ms / 1000)
}

fn object_freq(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if peek_key(ctx, &args[2]).is_none() {
        return Value::Null;
    }
    if !lfu_policy(ctx) {
        return Value::error(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
        );
    }
    // LFU_INIT_VAL: the counter a key starts with.
    Value::Integer(5)
}

/// A help reply: status lines, as addReplyHelp sends them.
pub(super) fn help_reply(lines: &[&'static str]) -> Value {
    Value::Array(lines.iter().map(|l| Value::simple(l)).collect())
}

fn object_help(_: &mut Ctx, _: &[Bytes]) -> Value {
    help_reply(&[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ])
}

fn memory_help(_: &mut Ctx, _: &[Bytes]) -> Value {
    help_reply(&[
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "DOCTOR",
        "    Return memory problems reports.",
        "MALLOC-STATS",
        "    Return internal statistics report from the memory allocator.",
        "PURGE",
        "    Attempt to purge dirty pages for reclamation by the allocator.",
        "STATS",
        "    Return information about the memory usage of the server.",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ])
}

/// jemalloc's size class for an allocation of `n` bytes (16-byte quantum, four classes per
/// doubling), which is what zmalloc_size reports.
fn alloc_size(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16) * 16;
    }
    let group = usize::BITS - (n - 1).leading_zeros() - 1; // floor(log2(n - 1))
    let step = 1usize << (group - 2);
    n.div_ceil(step) * step
}

/// An sds string's allocation: header by length class, the bytes and a terminator.
fn sds_size(len: usize) -> usize {
    let header = match len {
        0..32 => 1,
        32..256 => 3,
        256..65536 => 5,
        _ => 9,
    };
    alloc_size(header + len + 1)
}

/// A listpack entry's approximate size: encoding header, bytes, back-length.
fn listpack_entry(b: &[u8]) -> usize {
    if int_encodable(b) {
        return 2 + (parse_i64(b).unwrap_or(0).unsigned_abs() > 127) as usize * 8;
    }
    let header = match b.len() {
        0..64 => 1,
        64..4096 => 2,
        _ => 5,
    };
    let body = header + b.len();
    body + if body < 128 { 1 } else { 2 }
}

/// A hashtable: the dict, its bucket array (a power of two) and one entry per element.
fn dict_size(entries: usize) -> usize {
    const DICT: usize = 56;
    const ENTRY: usize = 24;
    let buckets = entries.next_power_of_two().max(4);
    DICT + alloc_size(buckets * 8) + entries * ENTRY
}

/// An estimate modelled on Redis's objectComputeSize (with every element sampled). It is
/// exact for strings and close, not byte-identical, for collections.
fn value_size(data: &Data, encoding: &str) -> usize {
    const ROBJ: usize = 16;
    match data {
        Data::String(_) if encoding == "int" => ROBJ,
        Data::String(b) if encoding == "embstr" => alloc_size(ROBJ + 3 + b.len() + 1),
        Data::String(b) => ROBJ + sds_size(b.len()),
        Data::List(l) => {
            // One listpack node per up to 128 entries (list-max-listpack-size -2 is 8 KB).
            let bytes: usize = l.iter().map(|e| listpack_entry(e)).sum();
            let nodes = l.len().div_ceil(128).max(1);
            ROBJ + 48 + nodes * 32 + alloc_size(bytes + 7 * nodes)
        }
        Data::Set(s) if encoding == "intset" => ROBJ + alloc_size(8 + s.len() * 8),
        Data::Set(s) => {
            ROBJ + dict_size(s.len()) + s.iter().map(|m| sds_size(m.len())).sum::<usize>()
        }
        Data::Hash(h) if encoding == "listpack" => {
            let bytes: usize = h
                .iter()
                .map(|(k, v)| listpack_entry(k) + listpack_entry(v))
                .sum();
            ROBJ + alloc_size(7 + bytes)
        }
        Data::Hash(h) => {
            ROBJ + dict_size(h.len())
                + h.iter()
                    .map(|(k, v)| sds_size(k.len()) + sds_size(v.len()))
                    .sum::<usize>()
        }
        Data::ZSet(z) if encoding == "listpack" => {
            let bytes: usize = z
                .iter()
                .map(|(m, s)| {
                    listpack_entry(m) + listpack_entry(crate::resp::format_double(s).as_bytes())
                })
                .sum();
            ROBJ + alloc_size(7 + bytes)
        }
        Data::ZSet(z) => {
            // dict + skiplist header, then per member an sds and a skiplist node with levels.
            ROBJ + 16
                + dict_size(z.len())
                + alloc_size(32 + 32 * 16)
                + z.iter()
                    .map(|(m, _)| sds_size(m.len()) + alloc_size(32 + 16))
                    .sum::<usize>()
        }
    }
}

fn memory_usage(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let mut j = 3;
    while j < args.len() {
        if args[j].eq_ignore_ascii_case(b"samples") && j + 1 < args.len() {
            if parse_i64(&args[j + 1]).is_none() {
                return not_integer();
            }
            j += 2;
        } else {
            return syntax_error();
        }
    }
    let now = ctx.now_ms();
    let index = ctx.client().db;
    let store = &mut *ctx.store;
    match store.dbs[index].peek(&args[2], now) {
        None => Value::Null,
        Some(entry) => Value::Integer(key_memory(&args[2], entry) as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_parsing_follows_strtoul() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b"+5"), Some(5));
        assert_eq!(parse_cursor(b"007"), Some(7));
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b" 1"), None);
        assert_eq!(parse_cursor(b"1x"), None);
        assert_eq!(parse_cursor(b"x"), None);
    }

    #[test]
    fn string_memory_matches_redis() {
        let size = |v: &'static str| {
            let data = Data::String(Bytes::from_static(v.as_bytes()));
            value_size(&data, data.encoding()) + sds_size(3) + 24
        };
        // MEMORY USAGE on Redis 7.0.15 (jemalloc) for key "foo".
        assert_eq!(size("bar"), 64);
        assert_eq!(size(""), 64);
        assert_eq!(size("12345"), 48);
        assert_eq!(size(&"x".repeat(100).leak()[..]), 160);
    }
}
