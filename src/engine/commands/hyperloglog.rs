//! HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG. Values are plain strings in
//! Redis's HLL format (see `engine::hyperloglog`), modified in place so a key keeps its TTL.

use crate::engine::args::wrongtype;
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::Data;
use crate::engine::hyperloglog::{self as hll, INVALID_HLL_ERR, NOT_HLL_ERR, REGISTERS};
use crate::engine::notify::EventClass;
use crate::resp::Value;
use bytes::Bytes;

/// The HyperLogLog family's handlers by command name.
pub const COMMANDS: &[(&str, Handler)] = &[
    ("pfadd", pfadd),
    ("pfcount", pfcount),
    ("pfmerge", pfmerge),
    ("pfdebug", pfdebug),
];

/// The HLL string in a looked-up value: Ok(None) when the key is missing, Err(reply) when it
/// holds another type or a string that is not an HLL (isHLLObjectOrReply).
fn as_hll(found: Option<&mut Data>) -> Result<Option<&mut Bytes>, Value> {
    match found {
        None => Ok(None),
        Some(Data::String(s)) if hll::is_valid(s) => Ok(Some(s)),
        Some(Data::String(_)) => Err(Value::error(NOT_HLL_ERR)),
        Some(_) => Err(wrongtype()),
    }
}

/// Runs `f` on the HLL bytes of `value` as a growable buffer, then stores them back.
fn modify<R>(value: &mut Bytes, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let mut buf = Vec::from(std::mem::take(value));
    let result = f(&mut buf);
    *value = Bytes::from(buf);
    result
}

/// The `hll-sparse-max-bytes` config: past this size a sparse HLL becomes dense.
fn sparse_max_bytes(ctx: &Ctx) -> usize {
    usize::try_from(ctx.store.config.get_i64("hll-sparse-max-bytes")).unwrap_or(0)
}

fn pfadd(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let max_bytes = sparse_max_bytes(ctx);
    let db = ctx.db();
    let key = &args[1];
    let mut updated = false;
    let value = match as_hll(db.data(key, now)) {
        Err(reply) => return reply,
        Ok(Some(value)) => value,
        Ok(None) => {
            updated = true;
            db.set(key.clone(), Data::String(Bytes::from(hll::new_sparse())));
            match db.data(key, now) {
                Some(Data::String(s)) => s,
                _ => unreachable!("the HLL was just stored"),
            }
        }
    };
    let reply = modify(value, |buf| {
        for element in &args[2..] {
            match hll::add(buf, element, max_bytes) {
                Ok(changed) => updated |= changed,
                Err(hll::Corrupted) => return Value::error(INVALID_HLL_ERR),
            }
        }
        if updated {
            hll::invalidate_cache(buf);
        }
        Value::Integer(i64::from(updated))
    });
    if updated {
        ctx.modified(EventClass::STRING, "pfadd", key);
    }
    reply
}

fn pfcount(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() > 2 {
        let mut max = Box::new([0u8; REGISTERS]);
        for key in &args[1..] {
            match as_hll(ctx.read_key(key)) {
                Err(reply) => return reply,
                Ok(None) => {}
                Ok(Some(value)) => {
                    if hll::merge_into(&mut max, value).is_err() {
                        return Value::error(INVALID_HLL_ERR);
                    }
                }
            }
        }
        return Value::Integer(hll::count_registers(&max) as i64);
    }
    match as_hll(ctx.read_key(&args[1])) {
        Err(reply) => reply,
        Ok(None) => Value::Integer(0),
        Ok(Some(value)) => {
            if let Some(card) = hll::cached_cardinality(value) {
                return Value::Integer(card as i64);
            }
            match hll::count(value) {
                Err(hll::Corrupted) => Value::error(INVALID_HLL_ERR),
                Ok(card) => {
                    modify(value, |buf| hll::set_cached_cardinality(buf, card));
                    // Caching the cardinality writes the key (no keyspace event).
                    ctx.db().signal_modified(&args[1]);
                    Value::Integer(card as i64)
                }
            }
        }
    }
}

fn pfmerge(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let max_bytes = sparse_max_bytes(ctx);
    let mut max = Box::new([0u8; REGISTERS]);
    let mut use_dense = false;
    for key in &args[1..] {
        match as_hll(ctx.read_key(key)) {
            Err(reply) => return reply,
            Ok(None) => {}
            Ok(Some(value)) => {
                use_dense |= !hll::is_sparse(value);
                if hll::merge_into(&mut max, value).is_err() {
                    return Value::error(INVALID_HLL_ERR);
                }
            }
        }
    }
    let dest = &args[1];
    let db = ctx.db();
    if !db.contains(dest, now) {
        db.set(dest.clone(), Data::String(Bytes::from(hll::new_sparse())));
    }
    let Some(Data::String(value)) = db.data(dest, now) else {
        unreachable!("the destination was checked to be an HLL or just created");
    };
    let reply = modify(value, |buf| {
        if use_dense && hll::sparse_to_dense(buf).is_err() {
            return Value::error(INVALID_HLL_ERR);
        }
        for (index, &count) in max.iter().enumerate() {
            if count != 0 {
                // As in Redis, a corrupted destination is left as the merge finds it.
                let _ = hll::raise_register(buf, index, count, max_bytes);
            }
        }
        hll::invalidate_cache(buf);
        Value::ok()
    });
    ctx.modified(EventClass::STRING, "pfadd", dest);
    reply
}

fn pfdebug(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let now = ctx.now_ms();
    let subcommand = String::from_utf8_lossy(&args[1]).into_owned();
    let value = match as_hll(ctx.db().data(&args[2], now)) {
        Err(reply) => return reply,
        Ok(None) => return Value::error("ERR The specified key does not exist"),
        Ok(Some(value)) => value,
    };
    match subcommand.to_ascii_lowercase().as_str() {
        "getreg" => modify(value, |buf| {
            if hll::sparse_to_dense(buf).is_err() {
                return Value::error(INVALID_HLL_ERR);
            }
            Value::Array(
                hll::dense_registers(buf)
                    .into_iter()
                    .map(|r| Value::Integer(i64::from(r)))
                    .collect(),
            )
        }),
        "decode" if hll::is_sparse(value) => Value::bulk(hll::decode_sparse(value)),
        "decode" => Value::error("ERR HLL encoding is not sparse"),
        "encoding" if hll::is_sparse(value) => Value::simple("sparse"),
        "encoding" => Value::simple("dense"),
        "todense" => {
            if !hll::is_sparse(value) {
                return Value::Integer(0);
            }
            modify(value, |buf| match hll::sparse_to_dense(buf) {
                Ok(()) => Value::Integer(1),
                Err(hll::Corrupted) => Value::error(INVALID_HLL_ERR),
            })
        }
        _ => Value::error(format!("ERR Unknown PFDEBUG subcommand '{subcommand}'")),
    }
}
