//! Hash commands: field reads and writes, counters (HINCRBY, HINCRBYFLOAT in long double),
//! HRANDFIELD and HSCAN.

use super::scan::{empty_scan, parse_cursor, parse_scan_args, scan_reply};
use crate::engine::args::{
    NOT_FLOAT, arity_error, not_integer, parse_i64, parse_random_count, wrongtype,
};
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::{Data, HashValue};
use crate::engine::limits;
use crate::engine::long_double::{LongDouble, LongDoubleError};
use crate::engine::notify::EventClass;
use crate::resp::{Protocol, Value};
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("hset", hset),
    ("hmset", hset),
    ("hsetnx", hsetnx),
    ("hget", hget),
    ("hmget", hmget),
    ("hgetall", hgetall),
    ("hdel", hdel),
    ("hexists", hexists),
    ("hkeys", hkeys),
    ("hvals", hvals),
    ("hlen", hlen),
    ("hstrlen", hstrlen),
    ("hincrby", hincrby),
    ("hincrbyfloat", hincrbyfloat),
    ("hrandfield", hrandfield),
    ("hscan", hscan),
];

/// The hash at `key`: Ok(None) when missing.
fn hash_at<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut HashValue>, Value> {
    let now = ctx.now_ms();
    match ctx.db().data(key, now) {
        None => Ok(None),
        Some(Data::Hash(hash)) => Ok(Some(hash)),
        Some(_) => Err(wrongtype()),
    }
}

/// The hash at `key`, created empty when missing (Redis's hashTypeLookupWriteOrCreate).
fn hash_or_create<'a>(ctx: &'a mut Ctx, key: &Bytes) -> Result<&'a mut HashValue, Value> {
    let now = ctx.now_ms();
    match ctx
        .db()
        .get_or_create(key, now, || Data::Hash(HashValue::new()))
    {
        Data::Hash(hash) => Ok(hash),
        _ => Err(wrongtype()),
    }
}

/// The arity error naming the command as the client spelled it, in lower case.
fn arity_error_of(args: &[Bytes]) -> Value {
    arity_error(&String::from_utf8_lossy(&args[0]).to_ascii_lowercase())
}

/// HSET and HMSET: set field/value pairs.
fn hset(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() % 2 == 1 {
        return arity_error_of(args);
    }
    let limits = ctx.store.encoding_limits;
    let hash = match hash_or_create(ctx, &args[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    if let Some(longest) = args[2..].iter().map(Bytes::len).max() {
        hash.admit_length(longest, &limits);
    }
    let mut created = 0;
    for pair in args[2..].chunks(2) {
        if hash.insert(pair[0].clone(), pair[1].clone(), &limits) {
            created += 1;
        }
    }
    ctx.modified(EventClass::HASH, "hset", &args[1]);
    if args[0].eq_ignore_ascii_case(b"hmset") {
        Value::ok()
    } else {
        Value::Integer(created)
    }
}

fn hsetnx(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let limits = ctx.store.encoding_limits;
    let hash = match hash_or_create(ctx, &args[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    if hash.contains_key(&args[2]) {
        return Value::Integer(0);
    }
    hash.insert(args[2].clone(), args[3].clone(), &limits);
    ctx.modified(EventClass::HASH, "hset", &args[1]);
    Value::Integer(1)
}

fn hget(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match hash_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(hash) => hash
            .and_then(|h| h.get(&args[2]))
            .map_or(Value::Null, |v| Value::Bulk(v.clone())),
    }
}

fn hmget(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match hash_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(hash) => Value::Array(
            args[2..]
                .iter()
                .map(|f| {
                    hash.as_ref()
                        .and_then(|h| h.get(f))
                        .map_or(Value::Null, |v| Value::Bulk(v.clone()))
                })
                .collect(),
        ),
    }
}

fn hgetall(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match hash_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(None) => Value::Map(Vec::new()),
        Ok(Some(hash)) => Value::Map(
            hash.iter()
                .map(|(f, v)| (Value::Bulk(f.clone()), Value::Bulk(v.clone())))
                .collect(),
        ),
    }
}

fn hdel(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let hash = match hash_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::Integer(0),
        Ok(Some(hash)) => hash,
    };
    let mut deleted = 0;
    for field in &args[2..] {
        if hash.remove(field) {
            deleted += 1;
            if hash.is_empty() {
                break;
            }
        }
    }
    if deleted > 0 {
        let db = ctx.db();
        db.modified(EventClass::HASH, "hdel", &args[1]);
        db.remove_if_empty(&args[1]);
    }
    Value::Integer(deleted)
}

fn hexists(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match hash_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(hash) => Value::Integer(hash.is_some_and(|h| h.contains_key(&args[2])) as i64),
    }
}

fn hkeys(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match hash_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(hash) => Value::Array(
            hash.iter()
                .flat_map(|h| h.keys())
                .map(|f| Value::Bulk(f.clone()))
                .collect(),
        ),
    }
}

fn hvals(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match hash_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(hash) => Value::Array(
            hash.iter()
                .flat_map(|h| h.values())
                .map(|v| Value::Bulk(v.clone()))
                .collect(),
        ),
    }
}

fn hlen(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match hash_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(hash) => Value::Integer(hash.map_or(0, |h| h.len() as i64)),
    }
}

fn hstrlen(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match hash_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(hash) => Value::Integer(
            hash.and_then(|h| h.get(&args[2]))
                .map_or(0, |v| v.len() as i64),
        ),
    }
}

fn hincrby(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let Some(incr) = parse_i64(&args[3]) else {
        return not_integer();
    };
    let limits = ctx.store.encoding_limits;
    let hash = match hash_or_create(ctx, &args[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let current = match hash.get(&args[2]) {
        None => 0,
        Some(v) => match parse_i64(v) {
            Some(n) => n,
            None => return Value::error("ERR hash value is not an integer"),
        },
    };
    let Some(sum) = current.checked_add(incr) else {
        return Value::error("ERR increment or decrement would overflow");
    };
    hash.insert(args[2].clone(), Bytes::from(sum.to_string()), &limits);
    ctx.modified(EventClass::HASH, "hincrby", &args[1]);
    Value::Integer(sum)
}

fn hincrbyfloat(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let incr = match LongDouble::parse(&args[3]) {
        Ok(v) => v,
        Err(LongDoubleError::NotAFloat) => return Value::error(NOT_FLOAT),
        Err(LongDoubleError::NanOrInfinity) => {
            return Value::error("ERR value is NaN or Infinity");
        }
    };
    let limits = ctx.store.encoding_limits;
    let hash = match hash_or_create(ctx, &args[1]) {
        Ok(h) => h,
        Err(e) => return e,
    };
    let current = match hash.get(&args[2]).map(|v| LongDouble::parse(v)) {
        None => LongDouble::parse(b"0"),
        Some(Err(LongDoubleError::NotAFloat)) => {
            return Value::error("ERR hash value is not a float");
        }
        Some(parsed) => parsed,
    };
    let sum = match current.and_then(|c| c.sum(incr)) {
        Ok(sum) => sum,
        Err(_) => return Value::error("ERR increment would produce NaN or Infinity"),
    };
    let text = Bytes::from(sum.to_human_string());
    hash.insert(args[2].clone(), text.clone(), &limits);
    ctx.modified(EventClass::HASH, "hincrbyfloat", &args[1]);
    Value::Bulk(text)
}

/// One HRANDFIELD element: the field, or with values a pair (flat in RESP2, nested in RESP3).
fn push_field(out: &mut Vec<Value>, field: &Bytes, value: &Bytes, with_values: bool, resp3: bool) {
    let f = Value::Bulk(field.clone());
    if !with_values {
        out.push(f);
    } else if resp3 {
        out.push(Value::Array(vec![f, Value::Bulk(value.clone())]));
    } else {
        out.push(f);
        out.push(Value::Bulk(value.clone()));
    }
}

fn hrandfield(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let resp3 = ctx.protocol() == Protocol::Resp3;
    if args.len() < 3 {
        return match hash_at(ctx, &args[1]) {
            Err(e) => e,
            Ok(None) => Value::Null,
            Ok(Some(hash)) => {
                let i = rand::random_range(0..hash.len());
                Value::Bulk(hash.get_index(i).expect("index in range").0.clone())
            }
        };
    }
    let (count, with_values) = match parse_random_count(args, b"withvalues") {
        Ok(parsed) => parsed,
        Err(e) => return e,
    };
    match hash_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::Array(Vec::new()),
        Ok(Some(_)) => {}
    }
    if count < 0 {
        // Repeats allowed: the count alone sets the reply's size, so it is checked first.
        let each = limits::bulk_bytes(0) * if with_values { 2 } else { 1 };
        if !ctx.reply_fits(limits::reply_bytes(count.unsigned_abs(), each)) {
            return Value::Null;
        }
        let Ok(Some(hash)) = hash_at(ctx, &args[1]) else {
            unreachable!("the hash was just read");
        };
        let mut out = Vec::new();
        for _ in 0..count.unsigned_abs() {
            let i = rand::random_range(0..hash.len());
            let (f, v) = hash.get_index(i).expect("index in range");
            push_field(&mut out, f, v, with_values, resp3);
        }
        return Value::Array(out);
    }
    let Ok(Some(hash)) = hash_at(ctx, &args[1]) else {
        unreachable!("the hash was just read");
    };
    let mut out = Vec::new();
    let n = count.unsigned_abs() as usize;
    if n == 1 {
        for _ in 0..n {
            let i = rand::random_range(0..hash.len());
            let (f, v) = hash.get_index(i).expect("index in range");
            push_field(&mut out, f, v, with_values, resp3);
        }
    } else if n >= hash.len() {
        for (f, v) in hash.iter() {
            push_field(&mut out, f, v, with_values, resp3);
        }
    } else {
        for i in rand::seq::index::sample(&mut rand::rng(), hash.len(), n) {
            let (f, v) = hash.get_index(i).expect("index in range");
            push_field(&mut out, f, v, with_values, resp3);
        }
    }
    Value::Array(out)
}

fn hscan(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if let Err(e) = parse_cursor(&args[2]) {
        return e;
    }
    let hash = match hash_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return empty_scan(),
        Ok(Some(hash)) => hash,
    };
    let scan = match parse_scan_args(&args[2..]) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let (window, next) = scan.window(hash.len(), hash.is_listpack());
    let mut items = Vec::new();
    for i in window {
        let (f, v) = hash.get_index(i).expect("index in range");
        if scan.matches(f) {
            items.push(Value::Bulk(f.clone()));
            items.push(Value::Bulk(v.clone()));
        }
    }
    scan_reply(next, items)
}
