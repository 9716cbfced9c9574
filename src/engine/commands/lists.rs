//! List commands: pushes, pops (with counts and from several keys), ranges, positional edits,
//! LPOS, LMOVE, and the blocking forms (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP).

use crate::engine::args::{
    NOT_INTEGER, arity_error, not_integer, parse_f64, parse_i64, syntax_error, wrongtype,
};
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::Data;
use crate::engine::notify::EventClass;
use crate::resp::Value;
use bytes::Bytes;
use std::collections::VecDeque;
use std::time::Duration;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("lpush", lpush),
    ("rpush", rpush),
    ("lpushx", lpushx),
    ("rpushx", rpushx),
    ("lpop", lpop),
    ("rpop", rpop),
    ("llen", llen),
    ("lrange", lrange),
    ("lindex", lindex),
    ("linsert", linsert),
    ("lrem", lrem),
    ("ltrim", ltrim),
    ("lset", lset),
    ("lpos", lpos),
    ("lmove", lmove),
    ("rpoplpush", rpoplpush),
    ("lmpop", lmpop),
    ("blpop", blpop),
    ("brpop", brpop),
    ("blmove", blmove),
    ("brpoplpush", brpoplpush),
    ("blmpop", blmpop),
];

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq)]
enum End {
    Left,
    Right,
}

impl End {
    /// The keyspace event of a push at this end.
    fn push_event(self) -> &'static str {
        match self {
            End::Left => "lpush",
            End::Right => "rpush",
        }
    }

    /// The keyspace event of a pop from this end.
    fn pop_event(self) -> &'static str {
        match self {
            End::Left => "lpop",
            End::Right => "rpop",
        }
    }
}

fn pop_end(list: &mut VecDeque<Bytes>, end: End) -> Option<Bytes> {
    match end {
        End::Left => list.pop_front(),
        End::Right => list.pop_back(),
    }
}

fn push_end(list: &mut VecDeque<Bytes>, end: End, value: Bytes) {
    match end {
        End::Left => list.push_front(value),
        End::Right => list.push_back(value),
    }
}

/// LEFT or RIGHT, case-insensitively.
fn parse_end(arg: &[u8]) -> Result<End, Value> {
    if arg.eq_ignore_ascii_case(b"left") {
        Ok(End::Left)
    } else if arg.eq_ignore_ascii_case(b"right") {
        Ok(End::Right)
    } else {
        Err(syntax_error())
    }
}

/// Redis's getRangeLongFromObjectOrReply: an integer within [min, max], else `msg`.
fn parse_ranged(arg: &[u8], min: i64, max: i64, msg: &str) -> Result<i64, Value> {
    match parse_i64(arg) {
        Some(v) if v >= min && v <= max => Ok(v),
        _ => Err(Value::error(msg)),
    }
}

fn parse_long(arg: &[u8]) -> Result<i64, Value> {
    parse_i64(arg).ok_or_else(not_integer)
}

/// A blocking command's timeout in seconds (a float, 0 = forever), as Redis's
/// getTimeoutFromObjectOrReply reads it; None means block forever.
pub(super) fn parse_timeout(arg: &[u8]) -> Result<Option<Duration>, Value> {
    let seconds =
        parse_f64(arg).ok_or_else(|| Value::error("ERR timeout is not a float or out of range"))?;
    let millis = seconds * 1000.0;
    // C's conversion of an out-of-range double to long long yields LLONG_MIN.
    let millis = if (-9.2e18..9.2e18).contains(&millis) {
        millis as i64
    } else {
        i64::MIN
    };
    match millis {
        m if m < 0 => Err(Value::error("ERR timeout is negative")),
        0 => Ok(None),
        m => Ok(Some(Duration::from_millis(m as u64))),
    }
}

/// The list at `key` for reading or changing in place: Ok(None) when missing.
fn list_at<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut VecDeque<Bytes>>, Value> {
    let now = ctx.now_ms();
    match ctx.db().data(key, now) {
        None => Ok(None),
        Some(Data::List(list)) => Ok(Some(list)),
        Some(_) => Err(wrongtype()),
    }
}

/// Records `event` on the list at `key` and deletes the list if it is now empty.
fn changed(ctx: &mut Ctx, key: &Bytes, event: &'static str) {
    let db = ctx.db();
    db.modified(EventClass::LIST, event, key);
    db.remove_if_empty(key);
}

/// Records a pop from `end` of the list at `key`, deleting the list if it is now empty.
fn popped_from(ctx: &mut Ctx, key: &Bytes, end: End) {
    changed(ctx, key, end.pop_event());
}

/// Pushes `values` at `end` of the list at `key`, creating it unless `only_existing`.
/// Returns the new length (0 when nothing was created), or WRONGTYPE.
fn push(ctx: &mut Ctx, key: &Bytes, values: &[Bytes], end: End, only_existing: bool) -> Value {
    let now = ctx.now_ms();
    let db = ctx.db();
    if only_existing && !db.contains(key, now) {
        return Value::Integer(0);
    }
    let Data::List(list) = db.get_or_create(key, now, || {
        Data::List(VecDeque::with_capacity(values.len()))
    }) else {
        return wrongtype();
    };
    for v in values {
        push_end(list, end, v.clone());
    }
    let len = list.len() as i64;
    db.modified(EventClass::LIST, end.push_event(), key);
    Value::Integer(len)
}

fn lpush(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    push(ctx, &args[1], &args[2..], End::Left, false)
}

fn rpush(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    push(ctx, &args[1], &args[2..], End::Right, false)
}

fn lpushx(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    push(ctx, &args[1], &args[2..], End::Left, true)
}

fn rpushx(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    push(ctx, &args[1], &args[2..], End::Right, true)
}

/// Pops up to `count` elements from `end` of an existing list, deleting it when emptied.
fn pop_many(ctx: &mut Ctx, key: &Bytes, end: End, count: usize) -> Result<Vec<Value>, Value> {
    let list = list_at(ctx, key)?.expect("caller checked the key exists");
    let n = count.min(list.len());
    let popped = (0..n)
        .map(|_| Value::Bulk(pop_end(list, end).expect("n <= len")))
        .collect();
    popped_from(ctx, key, end);
    Ok(popped)
}

fn pop(ctx: &mut Ctx, args: &[Bytes], end: End) -> Value {
    if args.len() > 3 {
        return arity_error(&String::from_utf8_lossy(&args[0]).to_ascii_lowercase());
    }
    let count = match args.get(2) {
        Some(arg) => match parse_ranged(
            arg,
            0,
            i64::MAX,
            "ERR value is out of range, must be positive",
        ) {
            Ok(c) => Some(c as usize),
            Err(e) => return e,
        },
        None => None,
    };
    let key = &args[1];
    match list_at(ctx, key) {
        Err(e) => e,
        Ok(None) if count.is_some() => Value::NullArray,
        Ok(None) => Value::Null,
        Ok(Some(list)) => match count {
            None => {
                let value = pop_end(list, end).expect("stored lists are never empty");
                popped_from(ctx, key, end);
                Value::Bulk(value)
            }
            Some(count) => match pop_many(ctx, key, end, count) {
                Ok(items) => Value::Array(items),
                Err(e) => e,
            },
        },
    }
}

fn lpop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    pop(ctx, args, End::Left)
}

fn rpop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    pop(ctx, args, End::Right)
}

fn llen(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match list_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(list) => Value::Integer(list.map_or(0, |l| l.len() as i64)),
    }
}

/// Resolves LRANGE-style indexes against `len`: the inclusive span, or None when empty.
fn span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

fn lrange(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let (start, end) = match (parse_long(&args[2]), parse_long(&args[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    match list_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(None) => Value::Array(Vec::new()),
        Ok(Some(list)) => match span(start, end, list.len()) {
            None => Value::Array(Vec::new()),
            Some((from, to)) => Value::Array(
                list.range(from..=to)
                    .map(|v| Value::Bulk(v.clone()))
                    .collect(),
            ),
        },
    }
}

/// A possibly negative list index resolved against `len`.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (i >= 0 && i < len as i64).then_some(i as usize)
}

fn lindex(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let list = match list_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::Null,
        Ok(Some(list)) => list,
    };
    let index = match parse_long(&args[2]) {
        Ok(i) => i,
        Err(e) => return e,
    };
    match resolve_index(index, list.len()) {
        Some(i) => Value::Bulk(list[i].clone()),
        None => Value::Null,
    }
}

fn linsert(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let after = if args[2].eq_ignore_ascii_case(b"after") {
        true
    } else if args[2].eq_ignore_ascii_case(b"before") {
        false
    } else {
        return syntax_error();
    };
    let list = match list_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::Integer(0),
        Ok(Some(list)) => list,
    };
    match list.iter().position(|v| *v == args[3]) {
        None => Value::Integer(-1),
        Some(at) => {
            list.insert(at + after as usize, args[4].clone());
            let len = list.len() as i64;
            ctx.modified(EventClass::LIST, "linsert", &args[1]);
            Value::Integer(len)
        }
    }
}

fn lrem(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let count = match parse_long(&args[2]) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let list = match list_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::Integer(0),
        Ok(Some(list)) => list,
    };
    let limit = if count == 0 {
        usize::MAX
    } else {
        count.unsigned_abs() as usize
    };
    let element = &args[3];
    let mut removed = 0;
    if count >= 0 {
        let mut i = 0;
        while i < list.len() && removed < limit {
            if list[i] == element {
                list.remove(i);
                removed += 1;
            } else {
                i += 1;
            }
        }
    } else {
        let mut i = list.len();
        while i > 0 && removed < limit {
            i -= 1;
            if list[i] == element {
                list.remove(i);
                removed += 1;
            }
        }
    }
    if removed > 0 {
        changed(ctx, &args[1], "lrem");
    }
    Value::Integer(removed as i64)
}

fn ltrim(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let (start, end) = match (parse_long(&args[2]), parse_long(&args[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let list = match list_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::ok(),
        Ok(Some(list)) => list,
    };
    match span(start, end, list.len()) {
        None => list.clear(),
        Some((from, to)) => {
            list.truncate(to + 1);
            list.drain(..from);
        }
    }
    changed(ctx, &args[1], "ltrim");
    Value::ok()
}

fn lset(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let list = match list_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::error("ERR no such key"),
        Ok(Some(list)) => list,
    };
    let index = match parse_long(&args[2]) {
        Ok(i) => i,
        Err(e) => return e,
    };
    match resolve_index(index, list.len()) {
        Some(i) => {
            list[i] = args[3].clone();
            ctx.modified(EventClass::LIST, "lset", &args[1]);
            Value::ok()
        }
        None => Value::error("ERR index out of range"),
    }
}

fn lpos(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let mut rank: i64 = 1;
    let mut count: i64 = -1;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < args.len() {
        let opt = &args[j];
        let more = j + 1 < args.len();
        if opt.eq_ignore_ascii_case(b"rank") && more {
            j += 1;
            rank = match parse_i64(&args[j]) {
                None => return Value::error(NOT_INTEGER),
                Some(0) => {
                    return Value::error(
                        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                    );
                }
                Some(r) => r,
            };
        } else if opt.eq_ignore_ascii_case(b"count") && more {
            j += 1;
            count = match parse_ranged(&args[j], 0, i64::MAX, "ERR COUNT can't be negative") {
                Ok(c) => c,
                Err(e) => return e,
            };
        } else if opt.eq_ignore_ascii_case(b"maxlen") && more {
            j += 1;
            maxlen = match parse_ranged(&args[j], 0, i64::MAX, "ERR MAXLEN can't be negative") {
                Ok(m) => m,
                Err(e) => return e,
            };
        } else {
            return syntax_error();
        }
        j += 1;
    }
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let list = match list_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) if count != -1 => return Value::Array(Vec::new()),
        Ok(None) => return Value::Null,
        Ok(Some(list)) => list,
    };
    let len = list.len() as i64;
    let element = &args[2];
    let mut found = Vec::new();
    let mut matches: i64 = 0;
    let mut first = None;
    let scan: Box<dyn Iterator<Item = &Bytes>> = if from_tail {
        Box::new(list.iter().rev())
    } else {
        Box::new(list.iter())
    };
    for (index, value) in scan.enumerate() {
        let index = index as i64;
        if maxlen != 0 && index >= maxlen {
            break;
        }
        if value != element {
            continue;
        }
        matches += 1;
        let position = if from_tail { len - index - 1 } else { index };
        if matches >= rank {
            if count == -1 {
                first = Some(position);
                break;
            }
            found.push(Value::Integer(position));
            if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count {
                break;
            }
        }
    }
    if count != -1 {
        Value::Array(found)
    } else {
        first.map_or(Value::Null, Value::Integer)
    }
}

/// Moves one element from `src`'s `from` end to `dst`'s `to` end (LMOVE), or None when `src`
/// is missing. Errors when either key holds another type.
fn move_element(
    ctx: &mut Ctx,
    src: &Bytes,
    dst: &Bytes,
    from: End,
    to: End,
) -> Result<Option<Bytes>, Value> {
    if list_at(ctx, src)?.is_none() {
        return Ok(None);
    }
    list_at(ctx, dst)?;
    let list = list_at(ctx, src)?.expect("checked above");
    let value = pop_end(list, from).expect("stored lists are never empty");
    match push(ctx, dst, std::slice::from_ref(&value), to, false) {
        Value::Error(e) => return Err(Value::Error(e)),
        _ => popped_from(ctx, src, from),
    }
    Ok(Some(value))
}

fn lmove_reply(ctx: &mut Ctx, args: &[Bytes], from: End, to: End) -> Value {
    match move_element(ctx, &args[1], &args[2], from, to) {
        Ok(Some(value)) => Value::Bulk(value),
        Ok(None) => Value::Null,
        Err(e) => e,
    }
}

fn lmove(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match (parse_end(&args[3]), parse_end(&args[4])) {
        (Ok(from), Ok(to)) => lmove_reply(ctx, args, from, to),
        (Err(e), _) | (_, Err(e)) => e,
    }
}

fn rpoplpush(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    lmove_reply(ctx, args, End::Right, End::Left)
}

/// Parsed `numkeys key... LEFT|RIGHT [COUNT n]` of LMPOP/BLMPOP (starting at `args[0]`).
struct MultiPop<'a> {
    keys: &'a [Bytes],
    end: End,
    count: usize,
}

fn parse_multi_pop(args: &[Bytes]) -> Result<MultiPop<'_>, Value> {
    let numkeys = parse_ranged(
        &args[0],
        1,
        i64::MAX,
        "ERR numkeys should be greater than 0",
    )?;
    let end_at = numkeys as usize + 1;
    if numkeys >= args.len() as i64 - 1 {
        return Err(syntax_error());
    }
    let end = parse_end(&args[end_at])?;
    let mut count = None;
    let mut j = end_at + 1;
    while j < args.len() {
        if count.is_none() && args[j].eq_ignore_ascii_case(b"count") && j + 1 < args.len() {
            j += 1;
            count = Some(parse_ranged(
                &args[j],
                1,
                i64::MAX,
                "ERR count should be greater than 0",
            )?);
        } else {
            return Err(syntax_error());
        }
        j += 1;
    }
    Ok(MultiPop {
        keys: &args[1..end_at],
        end,
        count: count.unwrap_or(1) as usize,
    })
}

/// Pops from the first non-empty list among `keys`: `[key, [elements]]`, or None. With
/// `skip_other_types` (a blocked retry), keys holding another type count as empty.
fn multi_pop(
    ctx: &mut Ctx,
    request: &MultiPop,
    skip_other_types: bool,
) -> Result<Option<Value>, Value> {
    for key in request.keys {
        let found = match list_at(ctx, key) {
            Err(_) if skip_other_types => false,
            found => found?.is_some(),
        };
        if found {
            let items = pop_many(ctx, key, request.end, request.count)?;
            return Ok(Some(Value::Array(vec![
                Value::Bulk(key.clone()),
                Value::Array(items),
            ])));
        }
    }
    Ok(None)
}

fn lmpop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let request = match parse_multi_pop(&args[1..]) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match multi_pop(ctx, &request, false) {
        Ok(Some(reply)) => reply,
        Ok(None) => Value::NullArray,
        Err(e) => e,
    }
}

/// True when the running command is a blocked client's retry after a push: keys that now
/// hold another type are then skipped (the client stays blocked), as Redis serves only
/// clients waiting for the type that was pushed.
fn is_retry(ctx: &Ctx) -> bool {
    ctx.store.blocked.is_blocked(ctx.client_id)
}

/// BLPOP/BRPOP: pops from the first non-empty key, or blocks on all of them.
fn blocking_pop(ctx: &mut Ctx, args: &[Bytes], end: End) -> Value {
    let timeout = match parse_timeout(&args[args.len() - 1]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let retry = is_retry(ctx);
    let keys = &args[1..args.len() - 1];
    for key in keys {
        match list_at(ctx, key) {
            Err(_) if retry => {}
            Err(e) => return e,
            Ok(None) => {}
            Ok(Some(list)) => {
                let value = pop_end(list, end).expect("stored lists are never empty");
                popped_from(ctx, key, end);
                return Value::Array(vec![Value::Bulk(key.clone()), Value::Bulk(value)]);
            }
        }
    }
    ctx.block_on(keys.to_vec(), timeout);
    Value::NullArray
}

fn blpop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    blocking_pop(ctx, args, End::Left)
}

fn brpop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    blocking_pop(ctx, args, End::Right)
}

/// BLMOVE/BRPOPLPUSH: moves like LMOVE, or blocks on the source.
fn blocking_move(ctx: &mut Ctx, args: &[Bytes], from: End, to: End, timeout: &[u8]) -> Value {
    let timeout = match parse_timeout(timeout) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let retry = is_retry(ctx);
    match list_at(ctx, &args[1]) {
        Err(e) if !retry => e,
        Err(_) | Ok(None) => {
            ctx.block_on(vec![args[1].clone()], timeout);
            // What a transaction or script gets instead of blocking.
            Value::Null
        }
        Ok(Some(_)) => lmove_reply(ctx, args, from, to),
    }
}

fn blmove(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match (parse_end(&args[3]), parse_end(&args[4])) {
        (Ok(from), Ok(to)) => blocking_move(ctx, args, from, to, &args[5]),
        (Err(e), _) | (_, Err(e)) => e,
    }
}

fn brpoplpush(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    blocking_move(ctx, args, End::Right, End::Left, &args[3])
}

fn blmpop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let request = match parse_multi_pop(&args[2..]) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let timeout = match parse_timeout(&args[1]) {
        Ok(t) => t,
        Err(e) => return e,
    };
    let retry = is_retry(ctx);
    match multi_pop(ctx, &request, retry) {
        Ok(Some(reply)) => reply,
        Ok(None) => {
            ctx.block_on(request.keys.to_vec(), timeout);
            Value::NullArray
        }
        Err(e) => e,
    }
}
