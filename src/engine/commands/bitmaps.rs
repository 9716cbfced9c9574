//! Bitmap commands on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, and BITFIELD (with
//! BITFIELD_RO): signed and unsigned integers of 1 to 64 bits at any bit offset.

use super::strings::{check_string_length, check_string_room, string_for_writing, write_string};
use crate::engine::args::{c_str, not_integer, parse_i64, syntax_error, wrongtype};
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
    ("bitfield", bitfield),
    ("bitfield_ro", bitfield_ro),
];

const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BAD_BIT: &str = "ERR bit is not an integer or out of range";

/// getBitOffsetFromArgument: a bit offset below proto-max-bulk-len * 8.
fn bit_offset(ctx: &Ctx, arg: &[u8]) -> Result<u64, Value> {
    field_offset(ctx, arg, None)
}

/// getBitOffsetFromArgument for BITFIELD too: with the field's `width`, `#N` means N fields
/// of that width (multiplied as C's long long does, wrapping).
fn field_offset(ctx: &Ctx, arg: &[u8], width: Option<u32>) -> Result<u64, Value> {
    let (digits, multiplier) = match (arg.first(), width) {
        (Some(b'#'), Some(bits)) => (&arg[1..], bits as i64),
        _ => (arg, 1),
    };
    match parse_i64(digits).map(|n| n.wrapping_mul(multiplier)) {
        Some(n) if n >= 0 && ((n as u64) >> 3) < ctx.store.config.proto_max_bulk_len() => {
            Ok(n as u64)
        }
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
        None => None,
        Some(Data::String(b)) => Some(b.len()),
        Some(_) => return wrongtype(),
    };
    if let Err(e) = check_string_length(ctx, old_len.unwrap_or(0) as u64, byte as u64 + 1) {
        return e;
    }
    // Created or grown (lookupStringForBitCommand's `dirty`).
    let dirty = old_len.is_none_or(|len| len <= byte);
    let mut bits = string_for_writing(ctx, &args[1], byte + 1);
    let mask = 1u8 << (7 - (offset & 7));
    let old = bits[byte] & mask != 0;
    if on {
        bits[byte] |= mask;
    } else {
        bits[byte] &= !mask;
    }
    write_string(ctx, &args[1], bits.freeze(), Some("raw"));
    // Redis 7.0 signals and notifies only when the string changed.
    if dirty || old != on {
        ctx.modified(EventClass::STRING, "setbit", &args[1]);
    }
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

/// What a BITFIELD subcommand does.
#[derive(Clone, Copy, PartialEq)]
enum FieldOp {
    Get,
    Set,
    IncrBy,
}

/// The OVERFLOW behaviour in force for the subcommands after it.
#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

/// One parsed BITFIELD operation.
struct FieldRequest {
    op: FieldOp,
    signed: bool,
    bits: u32,
    offset: u64,
    /// The SET value or INCRBY increment.
    value: i64,
    overflow: Overflow,
}

const BAD_FIELD_TYPE: &str = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

/// getBitfieldTypeFromArgument: `i1`..`i64` or `u1`..`u63`; (signed, bits).
fn field_type(arg: &[u8]) -> Result<(bool, u32), Value> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(Value::error(BAD_FIELD_TYPE)),
    };
    let most = if signed { 64 } else { 63 };
    match parse_i64(c_str(&arg[1..])) {
        Some(bits) if (1..=most).contains(&bits) => Ok((signed, bits as u32)),
        _ => Err(Value::error(BAD_FIELD_TYPE)),
    }
}

/// Parses the subcommands after the key, as bitfieldGeneric does (the first error wins).
fn parse_field_requests(ctx: &Ctx, args: &[Bytes]) -> Result<Vec<FieldRequest>, Value> {
    let mut requests = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let word = c_str(&args[j]);
        let op = if word.eq_ignore_ascii_case(b"get") && left >= 2 {
            FieldOp::Get
        } else if word.eq_ignore_ascii_case(b"set") && left >= 3 {
            FieldOp::Set
        } else if word.eq_ignore_ascii_case(b"incrby") && left >= 3 {
            FieldOp::IncrBy
        } else if word.eq_ignore_ascii_case(b"overflow") && left >= 1 {
            let kind = c_str(&args[j + 1]);
            overflow = if kind.eq_ignore_ascii_case(b"wrap") {
                Overflow::Wrap
            } else if kind.eq_ignore_ascii_case(b"sat") {
                Overflow::Sat
            } else if kind.eq_ignore_ascii_case(b"fail") {
                Overflow::Fail
            } else {
                return Err(Value::error("ERR Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(syntax_error());
        };
        let (signed, bits) = field_type(&args[j + 1])?;
        let offset = field_offset(ctx, &args[j + 2], Some(bits))?;
        let value = if op == FieldOp::Get {
            0
        } else {
            parse_i64(&args[j + 3]).ok_or_else(not_integer)?
        };
        requests.push(FieldRequest {
            op,
            signed,
            bits,
            offset,
            value,
            overflow,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }
    Ok(requests)
}

/// getUnsignedBitfield: `bits` bits from bit `offset`, most significant first; bytes past
/// the end of `s` read as zero.
fn get_unsigned_field(s: &[u8], offset: u64, bits: u32) -> u64 {
    (offset..offset + bits as u64).fold(0, |value, pos| {
        let byte = s.get((pos >> 3) as usize).copied().unwrap_or(0);
        (value << 1) | ((byte >> (7 - (pos & 7))) & 1) as u64
    })
}

/// getSignedBitfield: the field sign-extended from its top bit.
fn get_signed_field(s: &[u8], offset: u64, bits: u32) -> i64 {
    let value = get_unsigned_field(s, offset, bits) as i64;
    if bits < 64 && value & (1 << (bits - 1)) != 0 {
        value | (-1i64 << bits)
    } else {
        value
    }
}

/// setUnsignedBitfield: the low `bits` bits of `value` at bit `offset` (within `s`).
fn set_field(s: &mut [u8], offset: u64, bits: u32, value: u64) {
    for j in 0..bits as u64 {
        let on = value & (1 << (bits as u64 - 1 - j)) != 0;
        let pos = offset + j;
        let mask = 1u8 << (7 - (pos & 7));
        let byte = &mut s[(pos >> 3) as usize];
        if on {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
}

/// checkUnsignedBitfieldOverflow: whether `value + incr` leaves a `bits`-bit unsigned field,
/// and then the value to store under WRAP or SAT (None under FAIL).
fn unsigned_overflow(value: u64, incr: i64, bits: u32, overflow: Overflow) -> Option<Option<u64>> {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = (value as i64).wrapping_neg();
    let saturated = if value > max || (incr > 0 && incr > max_incr) {
        max
    } else if incr < 0 && incr < min_incr {
        0
    } else {
        return None;
    };
    Some(match overflow {
        Overflow::Wrap => {
            let mask = if bits == 64 { 0 } else { u64::MAX << bits };
            Some(value.wrapping_add(incr as u64) & !mask)
        }
        Overflow::Sat => Some(saturated),
        Overflow::Fail => None,
    })
}

/// checkSignedBitfieldOverflow, with C's wrapping arithmetic (so a SET far below the
/// range of a narrow field saturates to its maximum, as Redis 7.0 does).
fn signed_overflow(value: i64, incr: i64, bits: u32, overflow: Overflow) -> Option<Option<i64>> {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = max.wrapping_sub(value);
    let min_incr = min.wrapping_sub(value);
    let saturated = if value > max
        || (bits != 64 && incr > max_incr)
        || (value >= 0 && incr > 0 && incr > max_incr)
    {
        max
    } else if value < min
        || (bits != 64 && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        min
    } else {
        return None;
    };
    Some(match overflow {
        Overflow::Wrap => {
            let mut c = (value as u64).wrapping_add(incr as u64);
            if bits < 64 {
                let mask = u64::MAX << bits;
                if c & (1 << (bits - 1)) != 0 {
                    c |= mask;
                } else {
                    c &= !mask;
                }
            }
            Some(c as i64)
        }
        Overflow::Sat => Some(saturated),
        Overflow::Fail => None,
    })
}

/// Runs one SET or INCRBY on `s`: the reply (None when FAIL refused it) and whether the
/// field's value changed.
fn write_field(s: &mut [u8], request: &FieldRequest) -> (Option<i64>, bool) {
    let (offset, bits) = (request.offset, request.bits);
    if request.signed {
        let old = get_signed_field(s, offset, bits);
        let (checked, incr) = match request.op {
            FieldOp::IncrBy => (old, request.value),
            _ => (request.value, 0),
        };
        let new = match signed_overflow(checked, incr, bits, request.overflow) {
            None => checked.wrapping_add(incr),
            Some(Some(limited)) => limited,
            Some(None) => return (None, false),
        };
        set_field(s, offset, bits, new as u64);
        let reply = if request.op == FieldOp::IncrBy {
            new
        } else {
            old
        };
        (Some(reply), old != new)
    } else {
        let old = get_unsigned_field(s, offset, bits);
        let (checked, incr) = match request.op {
            FieldOp::IncrBy => (old, request.value),
            _ => (request.value as u64, 0),
        };
        let new = match unsigned_overflow(checked, incr, bits, request.overflow) {
            None => checked.wrapping_add(incr as u64),
            Some(Some(limited)) => limited,
            Some(None) => return (None, false),
        };
        set_field(s, offset, bits, new);
        let reply = if request.op == FieldOp::IncrBy {
            new
        } else {
            old
        };
        (Some(reply as i64), old != new)
    }
}

/// A GET's value.
fn read_field(s: &[u8], request: &FieldRequest) -> i64 {
    if request.signed {
        get_signed_field(s, request.offset, request.bits)
    } else {
        get_unsigned_field(s, request.offset, request.bits) as i64
    }
}

fn reply_of(value: Option<i64>) -> Value {
    value.map_or(Value::Null, Value::Integer)
}

fn bitfield(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    bitfield_generic(ctx, args, false)
}

fn bitfield_ro(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    bitfield_generic(ctx, args, true)
}

/// bitfieldGeneric: only GETs read the key (a missing key reads as zeros and is not
/// created); any SET or INCRBY makes room up to the farthest bit written first.
fn bitfield_generic(ctx: &mut Ctx, args: &[Bytes], read_only: bool) -> Value {
    let requests = match parse_field_requests(ctx, args) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let highest = requests
        .iter()
        .filter(|r| r.op != FieldOp::Get)
        .map(|r| r.offset + r.bits as u64 - 1)
        .max();
    let Some(highest) = highest else {
        let s = match ctx.read_key(&args[1]) {
            None => Bytes::new(),
            Some(Data::String(b)) => b.clone(),
            Some(_) => return wrongtype(),
        };
        return Value::Array(
            requests
                .iter()
                .map(|r| Value::Integer(read_field(&s, r)))
                .collect(),
        );
    };
    if read_only {
        return Value::error("ERR BITFIELD_RO only supports the GET subcommand");
    }
    let now = ctx.now_ms();
    let old_len = match ctx.db().data(&args[1], now) {
        None => None,
        Some(Data::String(b)) => Some(b.len()),
        Some(_) => return wrongtype(),
    };
    let len = (highest >> 3) as usize + 1;
    if let Err(e) = check_string_room(old_len.unwrap_or(0) as u64, len as u64) {
        return e;
    }
    let mut s = string_for_writing(ctx, &args[1], len);
    // lookupStringForBitCommand's `dirty`: the key was created or grown.
    let dirty = old_len.is_none_or(|old| old < s.len());
    let mut changes = 0;
    let replies = requests
        .iter()
        .map(|r| {
            if r.op == FieldOp::Get {
                return Value::Integer(read_field(&s, r));
            }
            let (reply, changed) = write_field(&mut s, r);
            if reply.is_some() && (dirty || changed) {
                changes += 1;
            }
            reply_of(reply)
        })
        .collect();
    write_string(ctx, &args[1], s.freeze(), Some("raw"));
    if changes > 0 {
        ctx.modified(EventClass::STRING, "setbit", &args[1]);
    }
    Value::Array(replies)
}
