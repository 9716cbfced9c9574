//! Set commands: membership, random members and pops, moves, the algebra (SUNION, SINTER,
//! SDIFF and their STORE forms, SINTERCARD) and SSCAN.

use super::scan::{empty_scan, parse_cursor, parse_scan_args, scan_reply};
use crate::engine::args::{not_integer, parse_i64, syntax_error, wrongtype};
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::{Data, SetValue};
use crate::engine::limits;
use crate::engine::notify::EventClass;
use crate::resp::Value;
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("sadd", sadd),
    ("srem", srem),
    ("smembers", smembers),
    ("sismember", sismember),
    ("smismember", smismember),
    ("scard", scard),
    ("srandmember", srandmember),
    ("spop", spop),
    ("smove", smove),
    ("sunion", sunion),
    ("sinter", sinter),
    ("sdiff", sdiff),
    ("sunionstore", sunionstore),
    ("sinterstore", sinterstore),
    ("sdiffstore", sdiffstore),
    ("sintercard", sintercard),
    ("sscan", sscan),
];

/// The set at `key`: Ok(None) when missing.
fn set_at<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut SetValue>, Value> {
    let now = ctx.now_ms();
    match ctx.db().data(key, now) {
        None => Ok(None),
        Some(Data::Set(set)) => Ok(Some(set)),
        Some(_) => Err(wrongtype()),
    }
}

fn bulks<'a>(members: impl Iterator<Item = &'a Bytes>) -> Vec<Value> {
    members.map(|m| Value::Bulk(m.clone())).collect()
}

fn sadd(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let limits = ctx.store.encoding_limits;
    let now = ctx.now_ms();
    let db = ctx.db();
    let Data::Set(set) = db.get_or_create(&args[1], now, || Data::Set(SetValue::new())) else {
        return wrongtype();
    };
    let added = args[2..]
        .iter()
        .filter(|m| set.insert((*m).clone(), &limits))
        .count();
    if added > 0 {
        db.modified(EventClass::SET, "sadd", &args[1]);
    }
    Value::Integer(added as i64)
}

fn srem(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let set = match set_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::Integer(0),
        Ok(Some(set)) => set,
    };
    let mut removed = 0;
    for m in &args[2..] {
        if set.remove(m) {
            removed += 1;
            if set.is_empty() {
                break;
            }
        }
    }
    if removed > 0 {
        let db = ctx.db();
        db.modified(EventClass::SET, "srem", &args[1]);
        db.remove_if_empty(&args[1]);
    }
    Value::Integer(removed)
}

fn smembers(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match set_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(None) => Value::Set(Vec::new()),
        Ok(Some(set)) => Value::Set(bulks(set.iter())),
    }
}

fn sismember(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match set_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(set) => Value::Integer(set.is_some_and(|s| s.contains(&args[2])) as i64),
    }
}

fn smismember(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match set_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(set) => Value::Array(
            args[2..]
                .iter()
                .map(|m| Value::Integer(set.as_ref().is_some_and(|s| s.contains(m)) as i64))
                .collect(),
        ),
    }
}

fn scard(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match set_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(set) => Value::Integer(set.map_or(0, |s| s.len() as i64)),
    }
}

fn srandmember(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() > 3 {
        return syntax_error();
    }
    let count = match args.get(2) {
        None => None,
        Some(arg) => match parse_i64(arg) {
            None => return not_integer(),
            Some(i64::MIN) => {
                return Value::error(
                    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
                );
            }
            Some(c) => Some(c),
        },
    };
    let set = match set_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) if count.is_some() => return Value::Array(Vec::new()),
        Ok(None) => return Value::Null,
        Ok(Some(set)) => set,
    };
    let Some(count) = count else {
        return Value::Bulk(set.random().expect("stored sets are never empty").clone());
    };
    if count < 0 {
        let n = count.unsigned_abs();
        let each = shortest_member_bytes(set);
        if !ctx.reply_fits(limits::reply_bytes(n, each)) {
            return Value::Null;
        }
        let Ok(Some(set)) = set_at(ctx, &args[1]) else {
            unreachable!("the set was just read");
        };
        let n = n as usize;
        return Value::Array(
            (0..n)
                .map(|_| Value::Bulk(set.random().expect("non-empty").clone()))
                .collect(),
        );
    }
    let count = count as usize;
    if count >= set.len() {
        return Value::Array(bulks(set.iter()));
    }
    let picked = rand::seq::index::sample(&mut rand::rng(), set.len(), count);
    Value::Array(
        picked
            .into_iter()
            .map(|i| Value::Bulk(set[i].clone()))
            .collect(),
    )
}

/// The least bytes one member takes in a reply: exact for small sets, a bulk string's
/// framing for large ones (where finding the shortest member would cost more than the reply).
fn shortest_member_bytes(set: &SetValue) -> u64 {
    if set.len() > 1024 {
        return limits::bulk_bytes(0);
    }
    let shortest = set.iter().map(|m| m.len()).min().unwrap_or(0);
    limits::bulk_bytes(shortest)
}

fn spop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() > 3 {
        return syntax_error();
    }
    let count = match args.get(2) {
        None => None,
        Some(arg) => match parse_i64(arg) {
            Some(c) if c >= 0 => Some(c as usize),
            _ => return Value::error("ERR value is out of range, must be positive"),
        },
    };
    let key = &args[1];
    let set = match set_at(ctx, key) {
        Err(e) => return e,
        Ok(None) if count.is_some() => return Value::Set(Vec::new()),
        Ok(None) => return Value::Null,
        Ok(Some(set)) => set,
    };
    let reply = match count {
        None => {
            let i = rand::random_range(0..set.len());
            Value::Bulk(set.remove_index(i).expect("index in range"))
        }
        Some(count) if count >= set.len() => {
            let all = Value::Set(bulks(set.iter()));
            let db = ctx.db();
            db.modified(EventClass::SET, "spop", key);
            db.remove(key);
            db.modified(EventClass::GENERIC, "del", key);
            return all;
        }
        Some(count) => Value::Set(
            (0..count)
                .map(|_| {
                    let i = rand::random_range(0..set.len());
                    Value::Bulk(set.remove_index(i).expect("index in range"))
                })
                .collect(),
        ),
    };
    let db = ctx.db();
    if count != Some(0) {
        db.modified(EventClass::SET, "spop", key);
    }
    db.remove_if_empty(key);
    reply
}

fn smove(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let (src, dst, member) = (&args[1], &args[2], &args[3]);
    let limits = ctx.store.encoding_limits;
    let src_exists = match set_at(ctx, src) {
        Err(e) => return e,
        Ok(set) => set.is_some(),
    };
    if let Err(e) = set_at(ctx, dst)
        && src_exists
    {
        return e;
    }
    if !src_exists {
        return Value::Integer(0);
    }
    let set = set_at(ctx, src).ok().flatten().expect("checked above");
    if src == dst {
        return Value::Integer(set.contains(member) as i64);
    }
    if !set.remove(member) {
        return Value::Integer(0);
    }
    let now = ctx.now_ms();
    let db = ctx.db();
    db.modified(EventClass::SET, "srem", src);
    db.remove_if_empty(src);
    if let Data::Set(target) = db.get_or_create(dst, now, || Data::Set(SetValue::new()))
        && target.insert(member.clone(), &limits)
    {
        db.modified(EventClass::SET, "sadd", dst);
    }
    Value::Integer(1)
}

/// The sets at `keys` (None for a missing key), or WRONGTYPE for the first key of another
/// type. Expired keys are removed first so that the values can then be borrowed together.
fn sets_at<'a>(ctx: &'a mut Ctx, keys: &[Bytes]) -> Result<Vec<Option<&'a SetValue>>, Value> {
    for key in keys {
        set_at(ctx, key)?;
    }
    let index = ctx.client().db;
    let db = &ctx.store.dbs[index];
    Ok(keys
        .iter()
        .map(|k| match db.peek_data(k) {
            Some(Data::Set(set)) => Some(set),
            _ => None,
        })
        .collect())
}

/// The members of every set in `sets` (SUNION), in a fresh set.
fn union_of(
    sets: &[Option<&SetValue>],
    ctx_limits: &crate::engine::encoding::EncodingLimits,
) -> SetValue {
    let mut result = SetValue::new();
    for set in sets.iter().flatten() {
        for m in set.iter() {
            result.insert(m.clone(), ctx_limits);
        }
    }
    result
}

/// The members of the first set in none of the others (SDIFF), in a fresh set.
fn difference_of(
    sets: &[Option<&SetValue>],
    limits: &crate::engine::encoding::EncodingLimits,
) -> SetValue {
    let mut result = SetValue::new();
    let Some(Some(first)) = sets.first() else {
        return result;
    };
    if sets[1..]
        .iter()
        .flatten()
        .any(|other| std::ptr::eq(*other, *first))
    {
        return result;
    }
    for m in first.iter() {
        if !sets[1..].iter().flatten().any(|other| other.contains(m)) {
            result.insert(m.clone(), limits);
        }
    }
    result
}

/// Walks the smallest set and yields the members every other set holds (SINTER's order).
fn intersection_of<'a>(sets: &[Option<&'a SetValue>]) -> Vec<&'a Bytes> {
    if sets.iter().any(Option::is_none) {
        return Vec::new();
    }
    let mut sets: Vec<&SetValue> = sets.iter().flatten().copied().collect();
    sets.sort_by_key(|s| s.len());
    let first = sets[0];
    first
        .iter()
        .filter(|m| {
            sets[1..]
                .iter()
                .all(|s| std::ptr::eq(*s, first) || s.contains(*m))
        })
        .collect()
}

/// Which set operation a command performs.
#[derive(Clone, Copy)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

impl SetOp {
    /// The keyspace event of the STORE form.
    fn store_event(self) -> &'static str {
        match self {
            SetOp::Union => "sunionstore",
            SetOp::Inter => "sinterstore",
            SetOp::Diff => "sdiffstore",
        }
    }
}

fn set_operation(ctx: &mut Ctx, keys: &[Bytes], op: SetOp) -> Value {
    let limits = ctx.store.encoding_limits;
    let sets = match sets_at(ctx, keys) {
        Ok(sets) => sets,
        Err(e) => return e,
    };
    match op {
        SetOp::Union => Value::Set(bulks(union_of(&sets, &limits).iter())),
        SetOp::Diff => Value::Set(bulks(difference_of(&sets, &limits).iter())),
        SetOp::Inter => Value::Set(bulks(intersection_of(&sets).into_iter())),
    }
}

fn set_operation_store(ctx: &mut Ctx, dst: &Bytes, keys: &[Bytes], op: SetOp) -> Value {
    let limits = ctx.store.encoding_limits;
    let sets = match sets_at(ctx, keys) {
        Ok(sets) => sets,
        Err(e) => return e,
    };
    let result = match op {
        SetOp::Union => union_of(&sets, &limits),
        SetOp::Diff => difference_of(&sets, &limits),
        SetOp::Inter => {
            let mut result = SetValue::new();
            for m in intersection_of(&sets) {
                result.insert(m.clone(), &limits);
            }
            result
        }
    };
    let len = result.len() as i64;
    let db = ctx.db();
    if len == 0 {
        if db.remove(dst).is_some() {
            db.modified(EventClass::GENERIC, "del", dst);
        }
    } else {
        db.set(dst.clone(), Data::Set(result));
        db.modified(EventClass::SET, op.store_event(), dst);
    }
    Value::Integer(len)
}

fn sunion(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    set_operation(ctx, &args[1..], SetOp::Union)
}

fn sinter(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    set_operation(ctx, &args[1..], SetOp::Inter)
}

fn sdiff(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    set_operation(ctx, &args[1..], SetOp::Diff)
}

fn sunionstore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    set_operation_store(ctx, &args[1], &args[2..], SetOp::Union)
}

fn sinterstore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    set_operation_store(ctx, &args[1], &args[2..], SetOp::Inter)
}

fn sdiffstore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    set_operation_store(ctx, &args[1], &args[2..], SetOp::Diff)
}

fn sintercard(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let numkeys = match parse_i64(&args[1]) {
        Some(n) if n >= 1 => n as usize,
        _ => return Value::error("ERR numkeys should be greater than 0"),
    };
    if numkeys > args.len() - 2 {
        return Value::error("ERR Number of keys can't be greater than number of args");
    }
    let mut limit = 0usize;
    let mut j = 2 + numkeys;
    while j < args.len() {
        if args[j].eq_ignore_ascii_case(b"limit") && j + 1 < args.len() {
            j += 1;
            limit = match parse_i64(&args[j]) {
                Some(l) if l >= 0 => l as usize,
                _ => return Value::error("ERR LIMIT can't be negative"),
            };
        } else {
            return syntax_error();
        }
        j += 1;
    }
    let sets = match sets_at(ctx, &args[2..2 + numkeys]) {
        Ok(sets) => sets,
        Err(e) => return e,
    };
    let count = intersection_of(&sets).len();
    Value::Integer(if limit == 0 { count } else { count.min(limit) } as i64)
}

fn sscan(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if let Err(e) = parse_cursor(&args[2]) {
        return e;
    }
    let set = match set_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return empty_scan(),
        Ok(Some(set)) => set,
    };
    let scan = match parse_scan_args(&args[2..]) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let (window, next) = scan.window(set.len(), set.is_intset());
    let items = window
        .map(|i| &set[i])
        .filter(|m| scan.matches(m))
        .map(|m| Value::Bulk(m.clone()))
        .collect();
    scan_reply(next, items)
}
