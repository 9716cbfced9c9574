//! Bitmap commands on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP.

use super::strings::{check_string_length, string_for_writing, write_string};
use crate::engine::args::{not_integer, parse_i64, syntax_error, wrongtype};
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::Data;
use crate::engine::notify::EventClass;
use crate::resp::Value;
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("setbit", setbit),
    ("getbit", getbit),
    ("bitcount", bitcount),
    ("bitpos", bitpos),
    ("bitop", bitop),
];

const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BAD_BIT: &str = "ERR bit is not an integer or out of range";

/// getBitOffsetFromArgument: a bit offset below proto-max-bulk-len * 8.
fn bit_offset(ctx: &Ctx, arg: &[u8]) -> Result<u64, Value> {
    let max_bits = ctx.store.config.proto_max_bulk_len() * 8;
    match parse_i64(arg) {
        Some(n) if n >= 0 && (n as u64) < max_bits => Ok(n as u64),
        _ => Err(Value::error(BAD_OFFSET)),
    }
}

fn setbit(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let offset = match bit_offset(ctx, &args[2]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let on = match parse_i64(&args[3]) {
        Some(v @ (0 | 1)) => v == 1,
        _ => return Value::error(BAD_BIT),
    };
    let now = ctx.now_ms();
    let byte = (offset >> 3) as usize;
    let old_len = match ctx.db().data(&args[1], now) {
        None => 0,
        Some(Data::String(b)) => b.len(),
        Some(_) => return wrongtype(),
    };
    if let Err(e) = check_string_length(ctx, old_len as u64, byte as u64 + 1) {
        return e;
    }
    let mut bits = string_for_writing(ctx, &args[1], byte + 1);
    let mask = 1u8 << (7 - (offset & 7));
    let old = bits[byte] & mask != 0;
    if on {
        bits[byte] |= mask;
    } else {
        bits[byte] &= !mask;
    }
    write_string(ctx, &args[1], bits.freeze(), Some("raw"));
    ctx.modified(EventClass::STRING, "setbit", &args[1]);
    Value::Integer(old as i64)
}

fn getbit(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let offset = match bit_offset(ctx, &args[2]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    match ctx.read_key(&args[1]) {
        None => Value::Integer(0),
        Some(Data::String(b)) => {
            let byte = (offset >> 3) as usize;
            let bit = b
                .get(byte)
                .is_some_and(|v| v & (1 << (7 - (offset & 7))) != 0);
            Value::Integer(bit as i64)
        }
        Some(_) => wrongtype(),
    }
}

/// Parses `start end [BYTE|BIT]` into an inclusive bit range over a string of `len` bytes,
/// with Redis's clamping; None when the range is empty.
fn bit_range(start: i64, end: i64, in_bits: bool, len: usize) -> Option<(u64, u64)> {
    let total = if in_bits { len as i64 * 8 } else { len as i64 };
    let (mut start, mut end) = (start, end);
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    if start > end {
        return None;
    }
    if in_bits {
        Some((start as u64, end as u64))
    } else {
        Some((start as u64 * 8, end as u64 * 8 + 7))
    }
}

fn unit_is_bit(arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"bit") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"byte") {
        Some(false)
    } else {
        None
    }
}

fn count_bits(s: &[u8], first: u64, last: u64) -> i64 {
    let (fb, lb) = ((first / 8) as usize, (last / 8) as usize);
    let mut count: i64 = s[fb..=lb].iter().map(|b| b.count_ones() as i64).sum();
    // Take out the bits of the edge bytes that fall outside the range.
    let before_first = !(0xffu8 >> (first % 8));
    let after_last = ((1u16 << (7 - (last % 8))) - 1) as u8;
    count -= (s[fb] & before_first).count_ones() as i64;
    count -= (s[lb] & after_last).count_ones() as i64;
    count
}

fn bitcount(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let s = match ctx.read_key(&args[1]) {
        None => return Value::Integer(0),
        Some(Data::String(b)) => b.clone(),
        Some(_) => return wrongtype(),
    };
    let range = match args.len() {
        2 => bit_range(0, -1, false, s.len()),
        4 | 5 => {
            let (Some(start), Some(end)) = (parse_i64(&args[2]), parse_i64(&args[3])) else {
                return not_integer();
            };
            let in_bits = match args.get(4) {
                None => false,
                Some(unit) => match unit_is_bit(unit) {
                    Some(b) => b,
                    None => return syntax_error(),
                },
            };
            bit_range(start, end, in_bits, s.len())
        }
        _ => return syntax_error(),
    };
    match range {
        Some((first, last)) => Value::Integer(count_bits(&s, first, last)),
        None => Value::Integer(0),
    }
}

fn bitpos(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let bit = match parse_i64(&args[2]) {
        Some(b @ (0 | 1)) => b == 1,
        Some(_) => return Value::error("ERR The bit argument must be 1 or 0."),
        None => return not_integer(),
    };
    let s = match ctx.read_key(&args[1]) {
        None => return Value::Integer(if bit { -1 } else { 0 }),
        Some(Data::String(b)) => b.clone(),
        Some(_) => return wrongtype(),
    };
    let mut end_given = false;
    let range = match args.len() {
        3 => bit_range(0, -1, false, s.len()),
        4..=6 => {
            let Some(start) = parse_i64(&args[3]) else {
                return not_integer();
            };
            let in_bits = match args.get(5) {
                None => false,
                Some(unit) => match unit_is_bit(unit) {
                    Some(b) => b,
                    None => return syntax_error(),
                },
            };
            let end = match args.get(4) {
                Some(arg) => match parse_i64(arg) {
                    Some(e) => {
                        end_given = true;
                        e
                    }
                    None => return not_integer(),
                },
                None => -1,
            };
            bit_range(start, end, in_bits, s.len())
        }
        _ => return syntax_error(),
    };
    let Some((first, last)) = range else {
        return Value::Integer(-1);
    };
    for pos in first..=last {
        let set = s[(pos / 8) as usize] & (1 << (7 - (pos % 8))) != 0;
        if set == bit {
            return Value::Integer(pos as i64);
        }
    }
    if bit || end_given {
        Value::Integer(-1)
    } else {
        // No clear bit in the string: the first one is just past its end (of the range's
        // last byte).
        Value::Integer(((last / 8 + 1) * 8) as i64)
    }
}

fn bitop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    #[derive(PartialEq)]
    enum Op {
        And,
        Or,
        Xor,
        Not,
    }
    let op = match args[1].to_ascii_lowercase().as_slice() {
        b"and" => Op::And,
        b"or" => Op::Or,
        b"xor" => Op::Xor,
        b"not" => Op::Not,
        _ => return syntax_error(),
    };
    if op == Op::Not && args.len() != 4 {
        return Value::error("ERR BITOP NOT must be called with a single source key.");
    }
    let mut sources: Vec<Bytes> = Vec::with_capacity(args.len() - 3);
    for key in &args[3..] {
        match ctx.read_key(key) {
            None => sources.push(Bytes::new()),
            Some(Data::String(b)) => sources.push(b.clone()),
            Some(_) => return wrongtype(),
        }
    }
    let max_len = sources.iter().map(Bytes::len).max().unwrap_or(0);
    let dest = &args[2];
    if max_len == 0 {
        let db = ctx.db();
        if db.remove(dest).is_some() {
            db.modified(EventClass::GENERIC, "del", dest);
        }
        return Value::Integer(0);
    }
    let mut out = vec![0u8; max_len];
    for (i, byte) in out.iter_mut().enumerate() {
        let at = |s: &Bytes| s.get(i).copied().unwrap_or(0);
        let mut v = at(&sources[0]);
        for s in &sources[1..] {
            match op {
                Op::And => v &= at(s),
                Op::Or => v |= at(s),
                Op::Xor => v ^= at(s),
                Op::Not => {}
            }
        }
        *byte = if op == Op::Not { !v } else { v };
    }
    ctx.db().set(dest.clone(), Data::String(Bytes::new()));
    write_string(ctx, dest, Bytes::from(out), Some("raw"));
    ctx.modified(EventClass::STRING, "set", dest);
    Value::Integer(max_len as i64)
}
