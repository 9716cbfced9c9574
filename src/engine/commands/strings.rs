//! String commands: SET and its options, GET and friends, counters, ranges, APPEND, LCS.

use crate::engine::args::{arity_error, not_integer, parse_i64, syntax_error, wrongtype};
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::Data;
use crate::engine::limits;
use crate::engine::long_double::{LongDoubleError, incr_by_float};
use crate::engine::notify::EventClass;
use crate::resp::{Digits, Value};
use bytes::{Bytes, BytesMut};

pub const COMMANDS: &[(&str, Handler)] = &[
    ("set", set),
    ("get", get),
    ("getset", getset),
    ("getdel", getdel),
    ("getex", getex),
    ("setnx", setnx),
    ("setex", setex),
    ("psetex", psetex),
    ("mset", mset),
    ("msetnx", msetnx),
    ("mget", mget),
    ("incr", incr),
    ("decr", decr),
    ("incrby", incrby),
    ("decrby", decrby),
    ("incrbyfloat", incrbyfloat),
    ("append", append),
    ("strlen", strlen),
    ("getrange", getrange),
    ("substr", getrange),
    ("setrange", setrange),
    ("lcs", lcs),
];

/// The `proto-max-bulk-len` limit on string sizes (APPEND, SETRANGE, SETBIT), and the
/// embedded engine's memory safety limit: a string that grows may be moved to a buffer of its
/// new length, so growth the heap has no room for is refused before anything is allocated (a
/// client may have raised proto-max-bulk-len to 4 GB).
pub(super) fn check_string_length(ctx: &Ctx, old_len: u64, len: u64) -> Result<(), Value> {
    if len > ctx.store.config.proto_max_bulk_len() {
        return Err(Value::error(
            "ERR string exceeds maximum allowed size (proto-max-bulk-len)",
        ));
    }
    check_string_room(old_len, len)
}

/// The memory safety limit alone on a string growing from `old_len` to `len` bytes (BITFIELD,
/// whose offsets are bounded by proto-max-bulk-len but whose last field may reach past it).
pub(super) fn check_string_room(old_len: u64, len: u64) -> Result<(), Value> {
    let room = limits::memory_room();
    if len > old_len && len > room {
        return Err(Value::error(format!(
            "OOM command not allowed: the string would need {}, more than the {} left under the embedded Redis's memory safety limit of {} (real Redis would go on allocating until the machine runs out of memory). Delete keys or FLUSHALL to go on.",
            limits::human_approx(len),
            limits::human_approx(room),
            limits::human(limits::memory_limit())
        )));
    }
    Ok(())
}

/// The string at `key` taken out of the database to be changed in place (its bytes are
/// copied only when something else shares them), zero-padded to at least `len` bytes; empty
/// when the key is missing. [`write_string`] puts it back.
pub(super) fn string_for_writing(ctx: &mut Ctx, key: &[u8], len: usize) -> BytesMut {
    let now = ctx.now_ms();
    let taken = match ctx.db().data(key, now) {
        Some(Data::String(b)) => std::mem::take(b),
        _ => Bytes::new(),
    };
    let mut out = taken
        .try_into_mut()
        .unwrap_or_else(|shared| BytesMut::from(&shared[..]));
    if out.len() < len {
        out.resize(len, 0);
    }
    out
}

/// Writes a string in place, keeping the key's TTL (a new key gets none), and records the
/// encoding Redis would give the written object (None: as SET encodes it).
pub(super) fn write_string(
    ctx: &mut Ctx,
    key: &Bytes,
    value: Bytes,
    encoding: Option<&'static str>,
) {
    let now = ctx.now_ms();
    let db = ctx.db();
    if db.get(key, now).is_none() {
        db.set(key.clone(), Data::String(Bytes::new()));
    }
    let entry = db.get(key, now).expect("present or just added");
    entry.data = Data::String(value);
    entry.string_encoding = encoding;
}

/// `ERR invalid expire time in '<cmd>' command`.
pub(super) fn invalid_expire(command: &str) -> Value {
    Value::error(format!("ERR invalid expire time in '{command}' command"))
}

fn eq_ignore_case(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

/// The expiry option of SET and GETEX.
#[derive(Clone, Copy, PartialEq)]
enum ExpireKind {
    Ex,
    Px,
    ExAt,
    PxAt,
}

/// SET and GETEX options, as parseExtendedStringArgumentsOrReply reads them.
#[derive(Default)]
struct StringOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    expire: Option<(ExpireKind, &'a Bytes)>,
}

fn parse_string_options(args: &[Bytes], for_set: bool) -> Result<StringOptions<'_>, Value> {
    let mut o = StringOptions::default();
    let mut j = 0;
    while j < args.len() {
        let opt = &args[j][..];
        let next = args.get(j + 1);
        let kind = o.expire.map(|(k, _)| k);
        let expire_other_than = |k: ExpireKind| kind.is_some_and(|have| have != k);
        if eq_ignore_case(opt, "nx") && !o.xx && for_set {
            o.nx = true;
        } else if eq_ignore_case(opt, "xx") && !o.nx && for_set {
            o.xx = true;
        } else if eq_ignore_case(opt, "get") && for_set {
            o.get = true;
        } else if eq_ignore_case(opt, "keepttl") && !o.persist && kind.is_none() && for_set {
            o.keep_ttl = true;
        } else if eq_ignore_case(opt, "persist") && !for_set && kind.is_none() && !o.keep_ttl {
            o.persist = true;
        } else if let Some(k) = [
            ("ex", ExpireKind::Ex),
            ("px", ExpireKind::Px),
            ("exat", ExpireKind::ExAt),
            ("pxat", ExpireKind::PxAt),
        ]
        .iter()
        .find(|(name, _)| eq_ignore_case(opt, name))
        .map(|(_, k)| *k)
        .filter(|k| !o.keep_ttl && !o.persist && !expire_other_than(*k) && next.is_some())
        {
            o.expire = Some((k, next.expect("checked above")));
            j += 1;
        } else {
            return Err(syntax_error());
        }
        j += 1;
    }
    Ok(o)
}

/// The absolute expiry (ms) an EX/PX/EXAT/PXAT argument asks for, as getExpireMillisecondsOrReply.
fn expire_at_ms(now_ms: i64, kind: ExpireKind, arg: &[u8], command: &str) -> Result<i64, Value> {
    let Some(n) = parse_i64(arg) else {
        return Err(not_integer());
    };
    let seconds = matches!(kind, ExpireKind::Ex | ExpireKind::ExAt);
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(invalid_expire(command));
    }
    let mut ms = if seconds { n * 1000 } else { n };
    if matches!(kind, ExpireKind::Ex | ExpireKind::Px) {
        ms = ms.wrapping_add(now_ms);
    }
    if ms <= 0 {
        return Err(invalid_expire(command));
    }
    Ok(ms)
}

/// getGenericCommand: the string at `key` for a read, null when missing, WRONGTYPE otherwise.
fn get_string(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Bytes>, Value> {
    match ctx.read_key(key) {
        None => Ok(None),
        Some(Data::String(b)) => Ok(Some(b.clone())),
        Some(_) => Err(wrongtype()),
    }
}

fn bulk_or_null(v: Option<Bytes>) -> Value {
    v.map_or(Value::Null, Value::Bulk)
}

/// setGenericCommand.
fn set_generic(
    ctx: &mut Ctx,
    opts: &StringOptions,
    key: &Bytes,
    value: &Bytes,
    command: &str,
) -> Result<Option<Value>, Value> {
    let now = ctx.now_ms();
    let expire = match opts.expire {
        Some((kind, arg)) => Some(expire_at_ms(now, kind, arg, command)?),
        None => None,
    };
    let old = if opts.get {
        Some(bulk_or_null(get_string(ctx, key)?))
    } else {
        None
    };
    let db = ctx.db();
    let found = db.contains(key, now);
    if (opts.nx && found) || (opts.xx && !found) {
        return Ok(Some(old.unwrap_or(Value::Null)));
    }
    let data = Data::String(value.clone());
    if expire.is_some() {
        db.set_with_expiry(key.clone(), data, expire);
    } else if opts.keep_ttl {
        db.set_keep_ttl(key.clone(), data, now);
    } else {
        db.set(key.clone(), data);
    }
    db.modified(EventClass::STRING, "set", key);
    if expire.is_some() {
        db.modified(EventClass::GENERIC, "expire", key);
    }
    Ok(old)
}

fn set(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let opts = match parse_string_options(&args[3..], true) {
        Ok(o) => o,
        Err(e) => return e,
    };
    match set_generic(ctx, &opts, &args[1], &args[2], "set") {
        Ok(Some(reply)) => reply,
        Ok(None) => Value::ok(),
        Err(e) => e,
    }
}

fn get(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match ctx.read_key(&args[1]) {
        None => Value::Null,
        Some(Data::String(b)) => Value::Bulk(b.clone()),
        Some(_) => wrongtype(),
    }
}

fn getset(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let old = match get_string(ctx, &args[1]) {
        Ok(old) => old,
        Err(e) => return e,
    };
    ctx.db().set(args[1].clone(), Data::String(args[2].clone()));
    ctx.modified(EventClass::STRING, "set", &args[1]);
    bulk_or_null(old)
}

fn getdel(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match get_string(ctx, &args[1]) {
        Ok(Some(v)) => {
            ctx.db().remove(&args[1]);
            ctx.modified(EventClass::GENERIC, "del", &args[1]);
            Value::Bulk(v)
        }
        Ok(None) => Value::Null,
        Err(e) => e,
    }
}

fn getex(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let opts = match parse_string_options(&args[2..], false) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let value = match get_string(ctx, &args[1]) {
        Ok(Some(v)) => v,
        Ok(None) => return Value::Null,
        Err(e) => return e,
    };
    let now = ctx.now_ms();
    let expire = match opts.expire {
        Some((kind, arg)) => match expire_at_ms(now, kind, arg, "getex") {
            Ok(at) => Some((kind, at)),
            Err(e) => return e,
        },
        None => None,
    };
    let db = ctx.db();
    match expire {
        Some((ExpireKind::ExAt | ExpireKind::PxAt, at)) if at <= now => {
            db.remove(&args[1]);
            db.modified(EventClass::GENERIC, "del", &args[1]);
        }
        Some((_, at)) => {
            db.set_expire(&args[1], Some(at));
            db.modified(EventClass::GENERIC, "expire", &args[1]);
        }
        None if opts.persist
            && db
                .peek(&args[1], now)
                .is_some_and(|e| e.expire_at().is_some()) =>
        {
            db.set_expire(&args[1], None);
            db.modified(EventClass::GENERIC, "persist", &args[1]);
        }
        None => {}
    }
    Value::Bulk(value)
}

fn setnx(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let opts = StringOptions {
        nx: true,
        ..StringOptions::default()
    };
    match set_generic(ctx, &opts, &args[1], &args[2], "setnx") {
        Ok(None) => Value::Integer(1),
        Ok(Some(_)) => Value::Integer(0),
        Err(e) => e,
    }
}

fn set_with_ttl(ctx: &mut Ctx, args: &[Bytes], kind: ExpireKind, command: &str) -> Value {
    let opts = StringOptions {
        expire: Some((kind, &args[2])),
        ..StringOptions::default()
    };
    match set_generic(ctx, &opts, &args[1], &args[3], command) {
        Ok(_) => Value::ok(),
        Err(e) => e,
    }
}

fn setex(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    set_with_ttl(ctx, args, ExpireKind::Ex, "setex")
}

fn psetex(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    set_with_ttl(ctx, args, ExpireKind::Px, "psetex")
}

fn mset(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len().is_multiple_of(2) {
        return arity_error("mset");
    }
    let db = ctx.db();
    for pair in args[1..].chunks(2) {
        db.set(pair[0].clone(), Data::String(pair[1].clone()));
        db.modified(EventClass::STRING, "set", &pair[0]);
    }
    Value::ok()
}

fn msetnx(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len().is_multiple_of(2) {
        return arity_error("msetnx");
    }
    let now = ctx.now_ms();
    let db = ctx.db();
    if args[1..].chunks(2).any(|pair| db.contains(&pair[0], now)) {
        return Value::Integer(0);
    }
    for pair in args[1..].chunks(2) {
        db.set(pair[0].clone(), Data::String(pair[1].clone()));
        db.modified(EventClass::STRING, "set", &pair[0]);
    }
    Value::Integer(1)
}

fn mget(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let values = args[1..]
        .iter()
        .map(|key| match ctx.read_key(key) {
            Some(Data::String(b)) => Value::Bulk(b.clone()),
            _ => Value::Null,
        })
        .collect();
    Value::Array(values)
}

/// The decimal digits of `n`, formatted without going through `fmt`.
fn integer_bytes(n: i64) -> Bytes {
    Bytes::copy_from_slice(Digits::of(n).as_bytes())
}

/// incrDecrCommand: adds `by` to the integer at `key`, keeping its TTL.
fn incr_decr(ctx: &mut Ctx, key: &Bytes, by: i64) -> Value {
    let now = ctx.now_ms();
    let db = ctx.db();
    let Some(entry) = db.get(key, now) else {
        db.set(key.clone(), Data::String(integer_bytes(by)));
        db.modified(EventClass::STRING, "incrby", key);
        return Value::Integer(by);
    };
    let Data::String(text) = &entry.data else {
        return wrongtype();
    };
    let Some(current) = parse_i64(text) else {
        return not_integer();
    };
    let Some(sum) = current.checked_add(by) else {
        return Value::error("ERR increment or decrement would overflow");
    };
    entry.data = Data::String(integer_bytes(sum));
    entry.string_encoding = None;
    db.modified(EventClass::STRING, "incrby", key);
    Value::Integer(sum)
}

fn incr(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    incr_decr(ctx, &args[1], 1)
}

fn decr(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    incr_decr(ctx, &args[1], -1)
}

fn incrby(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match parse_i64(&args[2]) {
        Some(by) => incr_decr(ctx, &args[1], by),
        None => not_integer(),
    }
}

fn decrby(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match parse_i64(&args[2]) {
        Some(i64::MIN) => Value::error("ERR decrement would overflow"),
        Some(by) => incr_decr(ctx, &args[1], -by),
        None => not_integer(),
    }
}

fn incrbyfloat(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let db = ctx.db();
    let current = match db.get(&args[1], now).map(|e| &e.data) {
        None => None,
        Some(Data::String(b)) => Some(b.clone()),
        Some(_) => return wrongtype(),
    };
    let sum = match incr_by_float(current.as_deref().unwrap_or(b"0"), &args[2]) {
        Ok(sum) => Bytes::from(sum),
        Err(LongDoubleError::NotAFloat) => return Value::error("ERR value is not a valid float"),
        Err(LongDoubleError::NanOrInfinity) => {
            return Value::error("ERR increment would produce NaN or Infinity");
        }
    };
    // createStringObjectFromLongDouble: never int-encoded.
    let encoding = if sum.len() <= 44 { "embstr" } else { "raw" };
    write_string(ctx, &args[1], sum.clone(), Some(encoding));
    ctx.modified(EventClass::STRING, "incrbyfloat", &args[1]);
    Value::Bulk(sum)
}

fn append(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let old_len = match ctx.db().data(&args[1], now) {
        None => None,
        Some(Data::String(b)) => Some(b.len()),
        Some(_) => return wrongtype(),
    };
    let Some(old_len) = old_len else {
        ctx.db().set(args[1].clone(), Data::String(args[2].clone()));
        ctx.modified(EventClass::STRING, "append", &args[1]);
        return Value::Integer(args[2].len() as i64);
    };
    if let Err(e) = check_string_length(ctx, old_len as u64, (old_len + args[2].len()) as u64) {
        return e;
    }
    let mut joined = string_for_writing(ctx, &args[1], 0);
    joined.extend_from_slice(&args[2]);
    let len = joined.len() as i64;
    write_string(ctx, &args[1], joined.freeze(), Some("raw"));
    ctx.modified(EventClass::STRING, "append", &args[1]);
    Value::Integer(len)
}

fn strlen(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match ctx.read_key(&args[1]) {
        None => Value::Integer(0),
        Some(Data::String(b)) => Value::Integer(b.len() as i64),
        Some(_) => wrongtype(),
    }
}

fn getrange(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let (Some(mut start), Some(mut end)) = (parse_i64(&args[2]), parse_i64(&args[3])) else {
        return not_integer();
    };
    let s = match ctx.read_key(&args[1]) {
        None => return Value::Bulk(Bytes::new()),
        Some(Data::String(b)) => b.clone(),
        Some(_) => return wrongtype(),
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return Value::Bulk(Bytes::new());
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return Value::Bulk(Bytes::new());
    }
    Value::Bulk(s.slice(start as usize..=end as usize))
}

fn setrange(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let Some(offset) = parse_i64(&args[2]) else {
        return not_integer();
    };
    if offset < 0 {
        return Value::error("ERR offset is out of range");
    }
    let value = &args[3];
    let now = ctx.now_ms();
    let old_len = match ctx.db().data(&args[1], now) {
        None => 0,
        Some(Data::String(b)) => b.len(),
        Some(_) => return wrongtype(),
    };
    if value.is_empty() {
        return Value::Integer(old_len as i64);
    }
    let end = offset as u64 + value.len() as u64;
    if let Err(e) = check_string_length(ctx, old_len as u64, end) {
        return e;
    }
    let offset = offset as usize;
    let mut out = string_for_writing(ctx, &args[1], end as usize);
    out[offset..offset + value.len()].copy_from_slice(value);
    let len = out.len() as i64;
    write_string(ctx, &args[1], out.freeze(), Some("raw"));
    ctx.modified(EventClass::STRING, "setrange", &args[1]);
    Value::Integer(len)
}

fn lcs(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let mut strings = Vec::with_capacity(2);
    for key in &args[1..3] {
        match ctx.read_key(key) {
            None => strings.push(Bytes::new()),
            Some(Data::String(b)) => strings.push(b.clone()),
            Some(_) => {
                return Value::error("ERR The specified keys must contain string values");
            }
        }
    }
    let (mut get_len, mut get_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len: i64 = 0;
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j];
        if eq_ignore_case(opt, "idx") {
            get_idx = true;
        } else if eq_ignore_case(opt, "len") {
            get_len = true;
        } else if eq_ignore_case(opt, "withmatchlen") {
            with_match_len = true;
        } else if eq_ignore_case(opt, "minmatchlen") && j + 1 < args.len() {
            match parse_i64(&args[j + 1]) {
                Some(n) => min_match_len = n.max(0),
                None => return not_integer(),
            }
            j += 1;
        } else {
            return syntax_error();
        }
        j += 1;
    }
    if get_idx && get_len {
        return Value::error("ERR If you want both the length and indexes, please just use IDX.");
    }
    let (a, b) = (&strings[0], &strings[1]);
    let (alen, blen) = (a.len(), b.len());
    // The table is refused before it is allocated when it would pass proto-max-bulk-len, as
    // in Redis 7.0.15 (two 64 KB strings would need 16 GB).
    let table_bytes = (alen as u64 + 1)
        .checked_mul(blen as u64 + 1)
        .and_then(|cells| cells.checked_mul(4));
    if table_bytes.is_none_or(|bytes| bytes > ctx.store.config.proto_max_bulk_len()) {
        return Value::error(
            "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
        );
    }
    // dp[i][j]: LCS length of a[..i] and b[..j].
    let width = blen + 1;
    let mut dp = vec![0u32; (alen + 1) * width];
    for i in 1..=alen {
        for jj in 1..=blen {
            dp[i * width + jj] = if a[i - 1] == b[jj - 1] {
                dp[(i - 1) * width + jj - 1] + 1
            } else {
                dp[(i - 1) * width + jj].max(dp[i * width + jj - 1])
            };
        }
    }
    let total = dp[alen * width + blen] as usize;
    if get_len {
        return Value::Integer(total as i64);
    }
    // Walk back from the end collecting the common string and the matching ranges.
    let mut result = vec![0u8; total];
    let mut idx = total;
    let (mut i, mut jj) = (alen, blen);
    let mut matches = Vec::new();
    let mut range: Option<(usize, usize, usize, usize)> = None; // a_start, a_end, b_start, b_end
    let emit = |r: (usize, usize, usize, usize), matches: &mut Vec<Value>| {
        let len = r.1 - r.0 + 1;
        if min_match_len == 0 || len as i64 >= min_match_len {
            let mut m = vec![
                Value::Array(vec![Value::Integer(r.0 as i64), Value::Integer(r.1 as i64)]),
                Value::Array(vec![Value::Integer(r.2 as i64), Value::Integer(r.3 as i64)]),
            ];
            if with_match_len {
                m.push(Value::Integer(len as i64));
            }
            matches.push(Value::Array(m));
        }
    };
    while i > 0 && jj > 0 {
        let mut emit_range = false;
        if a[i - 1] == b[jj - 1] {
            idx -= 1;
            result[idx] = a[i - 1];
            match &mut range {
                None => range = Some((i - 1, i - 1, jj - 1, jj - 1)),
                Some(r) if r.0 == i && r.2 == jj => {
                    r.0 -= 1;
                    r.2 -= 1;
                }
                Some(_) => {
                    emit_range = true;
                }
            }
            if emit_range {
                let done = range.take().expect("range in progress");
                emit(done, &mut matches);
                range = Some((i - 1, i - 1, jj - 1, jj - 1));
            }
            i -= 1;
            jj -= 1;
        } else {
            if dp[(i - 1) * width + jj] > dp[i * width + jj - 1] {
                i -= 1;
            } else {
                jj -= 1;
            }
            if let Some(done) = range.take() {
                emit(done, &mut matches);
            }
        }
    }
    if let Some(done) = range.take() {
        emit(done, &mut matches);
    }
    if get_idx {
        Value::Map(vec![
            (Value::bulk("matches"), Value::Array(matches)),
            (Value::bulk("len"), Value::Integer(total as i64)),
        ])
    } else {
        Value::Bulk(Bytes::from(result))
    }
}
