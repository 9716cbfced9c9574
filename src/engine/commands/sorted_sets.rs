//! Sorted set commands: ZADD and its flags, scores and ranks, the ZRANGE family (by rank,
//! score and member, reversed, limited, stored), removals by range, pops (blocking too),
//! ZRANDMEMBER, the algebra (ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD) and
//! ZSCAN.

use super::lists::parse_timeout;
use super::scan::{empty_scan, parse_cursor, parse_scan_args, scan_reply};
use crate::engine::args::{
    NOT_FLOAT, not_integer, parse_double, parse_i64, parse_random_count, strtod, syntax_error,
    wrongtype,
};
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::{Data, SortedSet};
use crate::engine::encoding::EncodingLimits;
use crate::engine::limits;
use crate::engine::notify::EventClass;
use crate::engine::sorted_set::{LexBound, LexRange, ScoreRange};
use crate::resp::{Protocol, Value, format_double};
use bytes::Bytes;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("zadd", zadd),
    ("zincrby", zincrby),
    ("zscore", zscore),
    ("zmscore", zmscore),
    ("zcard", zcard),
    ("zcount", zcount),
    ("zlexcount", zlexcount),
    ("zrange", zrange),
    ("zrangestore", zrangestore),
    ("zrevrange", zrevrange),
    ("zrangebyscore", zrangebyscore),
    ("zrevrangebyscore", zrevrangebyscore),
    ("zrangebylex", zrangebylex),
    ("zrevrangebylex", zrevrangebylex),
    ("zrank", zrank),
    ("zrevrank", zrevrank),
    ("zrem", zrem),
    ("zremrangebyrank", zremrangebyrank),
    ("zremrangebyscore", zremrangebyscore),
    ("zremrangebylex", zremrangebylex),
    ("zpopmin", zpopmin),
    ("zpopmax", zpopmax),
    ("bzpopmin", bzpopmin),
    ("bzpopmax", bzpopmax),
    ("zmpop", zmpop),
    ("bzmpop", bzmpop),
    ("zrandmember", zrandmember),
    ("zunionstore", zunionstore),
    ("zinterstore", zinterstore),
    ("zdiffstore", zdiffstore),
    ("zunion", zunion),
    ("zinter", zinter),
    ("zdiff", zdiff),
    ("zintercard", zintercard),
    ("zscan", zscan),
];

/// One end of a score range as zslParseRange reads it (plain strtod: leading space allowed,
/// an empty string is 0, overflow is infinity).
fn parse_range_end(arg: &[u8]) -> Option<(f64, bool)> {
    let (exclusive, number) = match arg.strip_prefix(b"(") {
        Some(rest) => (true, rest),
        None => (false, arg),
    };
    if number.is_empty() {
        return Some((0.0, exclusive));
    }
    let start = number
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))?;
    let (value, _) = strtod(&number[start..])?;
    (!value.is_nan()).then_some((value, exclusive))
}

fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, Value> {
    match (parse_range_end(min), parse_range_end(max)) {
        (Some((min, min_exclusive)), Some((max, max_exclusive))) => Ok(ScoreRange {
            min,
            max,
            min_exclusive,
            max_exclusive,
        }),
        _ => Err(Value::error("ERR min or max is not a float")),
    }
}

fn parse_lex_end(arg: &[u8]) -> Option<LexBound> {
    match arg.first()? {
        b'+' if arg.len() == 1 => Some(LexBound::PosInfinity),
        b'-' if arg.len() == 1 => Some(LexBound::NegInfinity),
        b'(' => Some(LexBound::Exclusive(Bytes::copy_from_slice(&arg[1..]))),
        b'[' => Some(LexBound::Inclusive(Bytes::copy_from_slice(&arg[1..]))),
        _ => None,
    }
}

fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, Value> {
    match (parse_lex_end(min), parse_lex_end(max)) {
        (Some(min), Some(max)) => Ok(LexRange { min, max }),
        _ => Err(Value::error("ERR min or max not valid string range item")),
    }
}

fn parse_long(arg: &[u8]) -> Result<i64, Value> {
    parse_i64(arg).ok_or_else(not_integer)
}

/// The sorted set at `key`: Ok(None) when missing.
fn zset_at<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut SortedSet>, Value> {
    let now = ctx.now_ms();
    match ctx.db().data(key, now) {
        None => Ok(None),
        Some(Data::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(wrongtype()),
    }
}

/// True when the running command is a blocked client's retry after a push.
fn is_retry(ctx: &Ctx) -> bool {
    ctx.store.blocked.is_blocked(ctx.client_id)
}

fn resp3(ctx: &Ctx) -> bool {
    ctx.protocol() == Protocol::Resp3
}

/// Member/score pairs as a reply: flat in RESP2, `[member, score]` pairs in RESP3, or just
/// the members without scores.
fn pairs_reply(pairs: Vec<(Bytes, f64)>, with_scores: bool, resp3: bool) -> Value {
    let mut out = Vec::with_capacity(if with_scores && !resp3 {
        pairs.len() * 2
    } else {
        pairs.len()
    });
    for (member, score) in pairs {
        if !with_scores {
            out.push(Value::Bulk(member));
        } else if resp3 {
            out.push(Value::Array(vec![
                Value::Bulk(member),
                Value::Double(score),
            ]));
        } else {
            out.push(Value::Bulk(member));
            out.push(Value::Double(score));
        }
    }
    Value::Array(out)
}

/// Stores `zset` at `dst` (deleting `dst` when empty), records `event`, and replies with
/// the size.
pub(super) fn store_result(
    ctx: &mut Ctx,
    dst: &Bytes,
    mut zset: SortedSet,
    event: &'static str,
) -> Value {
    let len = zset.len() as i64;
    if len == 0 {
        let db = ctx.db();
        if db.remove(dst).is_some() {
            db.modified(EventClass::GENERIC, "del", dst);
        }
    } else {
        zset.fit_encoding(&ctx.store.encoding_limits);
        let db = ctx.db();
        db.set(dst.clone(), Data::ZSet(zset));
        db.modified(EventClass::ZSET, event, dst);
    }
    Value::Integer(len)
}

fn collect_set(pairs: Vec<(Bytes, f64)>, limits: &EncodingLimits) -> SortedSet {
    let mut zset = SortedSet::default();
    for (member, score) in pairs {
        zset.insert(member, score, limits);
    }
    zset
}

/// ZADD's flags.
#[derive(Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// ZADD and ZINCRBY (which is ZADD with INCR forced on).
fn zadd_generic(ctx: &mut Ctx, args: &[Bytes], incr: bool) -> Value {
    let mut flags = AddFlags {
        incr,
        ..AddFlags::default()
    };
    let mut at = 2;
    while at < args.len() {
        let opt = &args[at];
        if opt.eq_ignore_ascii_case(b"nx") {
            flags.nx = true;
        } else if opt.eq_ignore_ascii_case(b"xx") {
            flags.xx = true;
        } else if opt.eq_ignore_ascii_case(b"ch") {
            flags.ch = true;
        } else if opt.eq_ignore_ascii_case(b"incr") {
            flags.incr = true;
        } else if opt.eq_ignore_ascii_case(b"gt") {
            flags.gt = true;
        } else if opt.eq_ignore_ascii_case(b"lt") {
            flags.lt = true;
        } else {
            break;
        }
        at += 1;
    }
    let pairs = &args[at..];
    if pairs.is_empty() || pairs.len() % 2 == 1 {
        return syntax_error();
    }
    if flags.nx && flags.xx {
        return Value::error("ERR XX and NX options at the same time are not compatible");
    }
    if [flags.gt, flags.lt, flags.nx]
        .iter()
        .filter(|&&f| f)
        .count()
        > 1
    {
        return Value::error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    if flags.incr && pairs.len() > 2 {
        return Value::error("ERR INCR option supports a single increment-element pair");
    }
    let mut scores = Vec::with_capacity(pairs.len() / 2);
    for pair in pairs.chunks(2) {
        match parse_double(&pair[0]) {
            Some(s) => scores.push(s),
            None => return Value::error(NOT_FLOAT),
        }
    }
    let limits = ctx.store.encoding_limits;
    let key = &args[1];
    let now = ctx.now_ms();
    let db = ctx.db();
    match db.data(key, now) {
        Some(Data::ZSet(_)) => {}
        Some(_) => return wrongtype(),
        None if flags.xx => {
            return if flags.incr {
                Value::Null
            } else {
                Value::Integer(0)
            };
        }
        None => {}
    }
    let Data::ZSet(zset) = db.get_or_create(key, now, || Data::ZSet(SortedSet::default())) else {
        unreachable!("checked to be a sorted set or missing")
    };
    let (mut added, mut updated, mut processed) = (0, 0, 0);
    let mut last_score = 0.0;
    let mut failed = false;
    for (pair, &score) in pairs.chunks(2).zip(&scores) {
        let member = &pair[1];
        match zset.score(member) {
            Some(current) => {
                if flags.nx {
                    continue;
                }
                let mut new = score;
                if flags.incr {
                    new += current;
                    if new.is_nan() {
                        failed = true;
                        break;
                    }
                }
                if (flags.lt && new >= current) || (flags.gt && new <= current) {
                    continue;
                }
                last_score = new;
                processed += 1;
                if new != current {
                    zset.insert(member.clone(), new, &limits);
                    updated += 1;
                }
            }
            None if !flags.xx => {
                zset.insert(member.clone(), score, &limits);
                last_score = zset.score(member).unwrap_or(score);
                added += 1;
                processed += 1;
            }
            None => {}
        }
    }
    if added + updated > 0 {
        let event = if flags.incr { "zincr" } else { "zadd" };
        ctx.modified(EventClass::ZSET, event, key);
    }
    if failed {
        return Value::error("ERR resulting score is not a number (NaN)");
    }
    if flags.incr {
        if processed > 0 {
            Value::Double(last_score)
        } else {
            Value::Null
        }
    } else {
        Value::Integer(if flags.ch { added + updated } else { added })
    }
}

fn zadd(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    zadd_generic(ctx, args, false)
}

fn zincrby(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    zadd_generic(ctx, args, true)
}

fn zscore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match zset_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(z) => z
            .and_then(|z| z.score(&args[2]))
            .map_or(Value::Null, Value::Double),
    }
}

fn zmscore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match zset_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(z) => Value::Array(
            args[2..]
                .iter()
                .map(|m| {
                    z.as_ref()
                        .and_then(|z| z.score(m))
                        .map_or(Value::Null, Value::Double)
                })
                .collect(),
        ),
    }
}

fn zcard(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match zset_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(z) => Value::Integer(z.map_or(0, |z| z.len() as i64)),
    }
}

fn zcount(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let range = match parse_score_range(&args[2], &args[3]) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match zset_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(z) => Value::Integer(z.map_or(0, |z| z.range_by_score(&range).count() as i64)),
    }
}

fn zlexcount(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let range = match parse_lex_range(&args[2], &args[3]) {
        Ok(r) => r,
        Err(e) => return e,
    };
    match zset_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(z) => Value::Integer(z.map_or(0, |z| z.range_by_lex(&range, false).count() as i64)),
    }
}

/// How a ZRANGE-family command selects members.
#[derive(Clone, Copy, PartialEq)]
enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Which way a ZRANGE-family command walks.
#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// The parsed bounds of a range request.
enum Bounds {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// A parsed ZRANGE-family request.
struct RangeRequest {
    bounds: Bounds,
    reverse: bool,
    with_scores: bool,
    offset: i64,
    limit: i64,
}

/// Parses `src min max [options]` starting at `args[start]` as zrangeGenericCommand does.
fn parse_range_request(
    args: &[Bytes],
    start: usize,
    store: bool,
    mut kind: RangeKind,
    mut direction: Direction,
) -> Result<RangeRequest, Value> {
    let mut with_scores = false;
    let (mut offset, mut limit) = (0, -1);
    let mut j = start + 3;
    while j < args.len() {
        let opt = &args[j];
        let left = args.len() - j - 1;
        if !store && opt.eq_ignore_ascii_case(b"withscores") {
            with_scores = true;
        } else if opt.eq_ignore_ascii_case(b"limit") && left >= 2 {
            offset = parse_long(&args[j + 1])?;
            limit = parse_long(&args[j + 2])?;
            j += 2;
        } else if direction == Direction::Auto && opt.eq_ignore_ascii_case(b"rev") {
            direction = Direction::Reverse;
        } else if kind == RangeKind::Auto && opt.eq_ignore_ascii_case(b"bylex") {
            kind = RangeKind::Lex;
        } else if kind == RangeKind::Auto && opt.eq_ignore_ascii_case(b"byscore") {
            kind = RangeKind::Score;
        } else {
            return Err(syntax_error());
        }
        j += 1;
    }
    let reverse = direction == Direction::Reverse;
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    if limit != -1 && kind == RangeKind::Rank {
        return Err(Value::error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if with_scores && kind == RangeKind::Lex {
        return Err(Value::error(
            "ERR syntax error, WITHSCORES not supported in combination with BYLEX",
        ));
    }
    let (mut min, mut max) = (&args[start + 1], &args[start + 2]);
    if reverse && kind != RangeKind::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    let bounds = match kind {
        RangeKind::Score => Bounds::Score(parse_score_range(min, max)?),
        RangeKind::Lex => Bounds::Lex(parse_lex_range(min, max)?),
        _ => Bounds::Rank(parse_long(min)?, parse_long(max)?),
    };
    Ok(RangeRequest {
        bounds,
        reverse,
        with_scores,
        offset,
        limit,
    })
}

/// Resolves rank bounds against `len`: (start, count), or None when empty.
fn rank_span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { len + start } else { start }.max(0);
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    let end = end.min(len - 1);
    Some((start as usize, (end - start + 1) as usize))
}

/// Applies LIMIT offset/count to a walk, as Redis does (a negative offset skips everything,
/// a negative count means no limit).
fn limited<'a, I: Iterator<Item = (&'a Bytes, f64)>>(
    walk: I,
    offset: i64,
    limit: i64,
) -> impl Iterator<Item = (&'a Bytes, f64)> {
    let skip = if offset < 0 {
        usize::MAX
    } else {
        offset as usize
    };
    let take = if limit < 0 {
        usize::MAX
    } else {
        limit as usize
    };
    walk.skip(skip).take(take)
}

/// The members a range request selects, in reply order.
fn select_range(zset: &SortedSet, request: &RangeRequest) -> Vec<(Bytes, f64)> {
    let own = |(m, s): (&Bytes, f64)| (m.clone(), s);
    match &request.bounds {
        Bounds::Rank(start, end) => match rank_span(*start, *end, zset.len()) {
            None => Vec::new(),
            Some((from, count)) if request.reverse => {
                zset.iter().rev().skip(from).take(count).map(own).collect()
            }
            Some((from, count)) => zset.iter().skip(from).take(count).map(own).collect(),
        },
        Bounds::Score(range) => {
            if request.offset > 0 && request.offset as u64 >= zset.len() as u64 {
                return Vec::new();
            }
            let walk = zset.range_by_score(range);
            if request.reverse {
                limited(walk.rev(), request.offset, request.limit)
                    .map(own)
                    .collect()
            } else {
                limited(walk, request.offset, request.limit)
                    .map(own)
                    .collect()
            }
        }
        Bounds::Lex(range) => limited(
            zset.range_by_lex(range, request.reverse),
            request.offset,
            request.limit,
        )
        .map(own)
        .collect(),
    }
}

fn range_reply(ctx: &mut Ctx, args: &[Bytes], kind: RangeKind, direction: Direction) -> Value {
    let request = match parse_range_request(args, 1, false, kind, direction) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let resp3 = resp3(ctx);
    match zset_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(None) => Value::Array(Vec::new()),
        Ok(Some(zset)) => pairs_reply(select_range(zset, &request), request.with_scores, resp3),
    }
}

fn zrange(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    range_reply(ctx, args, RangeKind::Auto, Direction::Auto)
}

fn zrevrange(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    range_reply(ctx, args, RangeKind::Rank, Direction::Reverse)
}

fn zrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    range_reply(ctx, args, RangeKind::Score, Direction::Forward)
}

fn zrevrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    range_reply(ctx, args, RangeKind::Score, Direction::Reverse)
}

fn zrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    range_reply(ctx, args, RangeKind::Lex, Direction::Forward)
}

fn zrevrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    range_reply(ctx, args, RangeKind::Lex, Direction::Reverse)
}

fn zrangestore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let request = match parse_range_request(args, 2, true, RangeKind::Auto, Direction::Auto) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let limits = ctx.store.encoding_limits;
    let selected = match zset_at(ctx, &args[2]) {
        Err(e) => return e,
        Ok(None) => Vec::new(),
        Ok(Some(zset)) => select_range(zset, &request),
    };
    store_result(ctx, &args[1], collect_set(selected, &limits), "zrangestore")
}

fn rank_generic(ctx: &mut Ctx, args: &[Bytes], reverse: bool) -> Value {
    match zset_at(ctx, &args[1]) {
        Err(e) => e,
        Ok(None) => Value::Null,
        Ok(Some(zset)) => match zset.rank(&args[2]) {
            None => Value::Null,
            Some(r) if reverse => Value::Integer((zset.len() - 1 - r) as i64),
            Some(r) => Value::Integer(r as i64),
        },
    }
}

fn zrank(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    rank_generic(ctx, args, false)
}

fn zrevrank(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    rank_generic(ctx, args, true)
}

fn zrem(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let zset = match zset_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::Integer(0),
        Ok(Some(zset)) => zset,
    };
    let mut removed = 0;
    for member in &args[2..] {
        if zset.remove(member).is_some() {
            removed += 1;
            if zset.is_empty() {
                break;
            }
        }
    }
    if removed > 0 {
        let db = ctx.db();
        db.modified(EventClass::ZSET, "zrem", &args[1]);
        db.remove_if_empty(&args[1]);
    }
    Value::Integer(removed)
}

/// ZREMRANGEBY*: removes the members the bounds select and replies with their number.
fn remove_range(ctx: &mut Ctx, args: &[Bytes], bounds: Result<Bounds, Value>) -> Value {
    let bounds = match bounds {
        Ok(b) => b,
        Err(e) => return e,
    };
    let zset = match zset_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::Integer(0),
        Ok(Some(zset)) => zset,
    };
    let request = RangeRequest {
        bounds,
        reverse: false,
        with_scores: false,
        offset: 0,
        limit: -1,
    };
    let doomed = select_range(zset, &request);
    for (member, _) in &doomed {
        zset.remove(member);
    }
    if !doomed.is_empty() {
        let event = match request.bounds {
            Bounds::Rank(..) => "zremrangebyrank",
            Bounds::Score(_) => "zremrangebyscore",
            Bounds::Lex(_) => "zremrangebylex",
        };
        let db = ctx.db();
        db.modified(EventClass::ZSET, event, &args[1]);
        db.remove_if_empty(&args[1]);
    }
    Value::Integer(doomed.len() as i64)
}

fn zremrangebyrank(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let bounds = parse_long(&args[2])
        .and_then(|start| parse_long(&args[3]).map(|end| Bounds::Rank(start, end)));
    remove_range(ctx, args, bounds)
}

fn zremrangebyscore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    remove_range(
        ctx,
        args,
        parse_score_range(&args[2], &args[3]).map(Bounds::Score),
    )
}

fn zremrangebylex(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    remove_range(
        ctx,
        args,
        parse_lex_range(&args[2], &args[3]).map(Bounds::Lex),
    )
}

/// How a pop reply is shaped (Redis's genericZpopCommand flags).
struct PopShape {
    /// Prefix the reply with the key (BZPOP*, ZMPOP).
    emit_key: bool,
    /// `[member, score]` pairs instead of a flat list.
    nested: bool,
    /// Reply with the null array (not an empty array) when no key exists.
    nil_when_empty: bool,
}

/// Pops up to `count` lowest (or highest) members from the first existing key of `keys`.
fn pop_generic(
    ctx: &mut Ctx,
    keys: &[Bytes],
    highest: bool,
    count: Option<usize>,
    shape: PopShape,
) -> Value {
    let mut found = None;
    for key in keys {
        match zset_at(ctx, key) {
            Err(e) => return e,
            Ok(None) => {}
            Ok(Some(_)) => {
                found = Some(key);
                break;
            }
        }
    }
    let Some(key) = found else {
        return if shape.nil_when_empty {
            Value::NullArray
        } else {
            Value::Array(Vec::new())
        };
    };
    if count == Some(0) {
        return Value::Array(Vec::new());
    }
    let zset = zset_at(ctx, key).ok().flatten().expect("found above");
    let n = count.unwrap_or(1).min(zset.len());
    let mut items = Vec::with_capacity(n * 2 + 1);
    for _ in 0..n {
        let (member, score) = zset.pop(highest).expect("n <= len");
        if shape.nested {
            items.push(Value::Array(vec![
                Value::Bulk(member),
                Value::Double(score),
            ]));
        } else {
            items.push(Value::Bulk(member));
            items.push(Value::Double(score));
        }
    }
    let db = ctx.db();
    db.modified(
        EventClass::ZSET,
        if highest { "zpopmax" } else { "zpopmin" },
        key,
    );
    db.remove_if_empty(key);
    match (shape.emit_key, shape.nested) {
        (true, true) => Value::Array(vec![Value::Bulk(key.clone()), Value::Array(items)]),
        (true, false) => {
            items.insert(0, Value::Bulk(key.clone()));
            Value::Array(items)
        }
        _ => Value::Array(items),
    }
}

fn zpop_min_max(ctx: &mut Ctx, args: &[Bytes], highest: bool) -> Value {
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
    let nested = resp3(ctx) && count.is_some();
    let shape = PopShape {
        emit_key: false,
        nested,
        nil_when_empty: false,
    };
    pop_generic(ctx, &args[1..2], highest, count, shape)
}

fn zpopmin(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    zpop_min_max(ctx, args, false)
}

fn zpopmax(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    zpop_min_max(ctx, args, true)
}

/// The first of `keys` holding a sorted set, skipping other types on a blocked retry.
fn first_ready(ctx: &mut Ctx, keys: &[Bytes]) -> Result<Option<Bytes>, Value> {
    let retry = is_retry(ctx);
    for key in keys {
        match zset_at(ctx, key) {
            Err(_) if retry => {}
            Err(e) => return Err(e),
            Ok(None) => {}
            Ok(Some(_)) => return Ok(Some(key.clone())),
        }
    }
    Ok(None)
}

/// BZPOPMIN/BZPOPMAX/BZMPOP: pops like the non-blocking form, or blocks on all keys.
fn blocking_pop(
    ctx: &mut Ctx,
    keys: &[Bytes],
    timeout_arg: &[u8],
    highest: bool,
    count: Option<usize>,
    shape: PopShape,
) -> Value {
    let timeout = match parse_timeout(timeout_arg) {
        Ok(t) => t,
        Err(e) => return e,
    };
    match first_ready(ctx, keys) {
        Err(e) => e,
        Ok(Some(key)) => pop_generic(ctx, std::slice::from_ref(&key), highest, count, shape),
        Ok(None) => {
            ctx.block_on(keys.to_vec(), timeout);
            Value::NullArray
        }
    }
}

fn bzpopmin(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let shape = PopShape {
        emit_key: true,
        nested: false,
        nil_when_empty: false,
    };
    blocking_pop(
        ctx,
        &args[1..args.len() - 1],
        &args[args.len() - 1],
        false,
        None,
        shape,
    )
}

fn bzpopmax(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let shape = PopShape {
        emit_key: true,
        nested: false,
        nil_when_empty: false,
    };
    blocking_pop(
        ctx,
        &args[1..args.len() - 1],
        &args[args.len() - 1],
        true,
        None,
        shape,
    )
}

/// Parsed `numkeys key... MIN|MAX [COUNT n]` (starting at `args[0]`).
fn parse_multi_pop(args: &[Bytes]) -> Result<(&[Bytes], bool, usize), Value> {
    let numkeys = match parse_i64(&args[0]) {
        Some(n) if n >= 1 => n,
        _ => return Err(Value::error("ERR numkeys should be greater than 0")),
    };
    if numkeys >= args.len() as i64 - 1 {
        return Err(syntax_error());
    }
    let where_at = numkeys as usize + 1;
    let highest = if args[where_at].eq_ignore_ascii_case(b"min") {
        false
    } else if args[where_at].eq_ignore_ascii_case(b"max") {
        true
    } else {
        return Err(syntax_error());
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < args.len() {
        if count.is_none() && args[j].eq_ignore_ascii_case(b"count") && j + 1 < args.len() {
            j += 1;
            count = match parse_i64(&args[j]) {
                Some(c) if c >= 1 => Some(c as usize),
                _ => return Err(Value::error("ERR count should be greater than 0")),
            };
        } else {
            return Err(syntax_error());
        }
        j += 1;
    }
    Ok((&args[1..where_at], highest, count.unwrap_or(1)))
}

const MPOP_SHAPE: PopShape = PopShape {
    emit_key: true,
    nested: true,
    nil_when_empty: true,
};

fn zmpop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match parse_multi_pop(&args[1..]) {
        Ok((keys, highest, count)) => pop_generic(ctx, keys, highest, Some(count), MPOP_SHAPE),
        Err(e) => e,
    }
}

fn bzmpop(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    match parse_multi_pop(&args[2..]) {
        Ok((keys, highest, count)) => {
            blocking_pop(ctx, keys, &args[1], highest, Some(count), MPOP_SHAPE)
        }
        Err(e) => e,
    }
}

fn zrandmember(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() < 3 {
        return match zset_at(ctx, &args[1]) {
            Err(e) => e,
            Ok(None) => Value::Null,
            Ok(Some(zset)) => {
                let i = rand::random_range(0..zset.len());
                Value::Bulk(zset.iter().nth(i).expect("index in range").0.clone())
            }
        };
    }
    let (count, with_scores) = match parse_random_count(args, b"withscores") {
        Ok(parsed) => parsed,
        Err(e) => return e,
    };
    let resp3 = resp3(ctx);
    match zset_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return Value::Array(Vec::new()),
        Ok(Some(_)) => {}
    }
    if count < 0 {
        // Repeats allowed: the count alone sets the reply's size, so it is checked first
        // (a score takes at least `,0\r\n` or `$1\r\n0\r\n`).
        let each = limits::bulk_bytes(0) + if with_scores { 4 } else { 0 };
        if !ctx.reply_fits(limits::reply_bytes(count.unsigned_abs(), each)) {
            return Value::Null;
        }
    }
    let Ok(Some(zset)) = zset_at(ctx, &args[1]) else {
        unreachable!("the sorted set was just read");
    };
    let n = count.unsigned_abs() as usize;
    let members: Vec<(&Bytes, f64)> = zset.iter().collect();
    let own = |(m, s): (&Bytes, f64)| (m.clone(), s);
    let picked: Vec<(Bytes, f64)> = if n == 0 {
        Vec::new()
    } else if count < 0 || n == 1 {
        (0..n)
            .map(|_| own(members[rand::random_range(0..members.len())]))
            .collect()
    } else if n >= members.len() {
        // Redis replies with the whole set from the highest score down.
        members.into_iter().rev().map(own).collect()
    } else {
        rand::seq::index::sample(&mut rand::rng(), members.len(), n)
            .into_iter()
            .map(|i| own(members[i]))
            .collect()
    };
    pairs_reply(picked, with_scores, resp3)
}

/// How ZUNION/ZINTER combine the scores of a member found in several inputs.
#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn combine(self, target: f64, value: f64) -> f64 {
        match self {
            Aggregate::Sum => {
                let sum = target + value;
                if sum.is_nan() { 0.0 } else { sum }
            }
            Aggregate::Min => {
                if value < target {
                    value
                } else {
                    target
                }
            }
            Aggregate::Max => {
                if value > target {
                    value
                } else {
                    target
                }
            }
        }
    }
}

/// Which algebra a command performs.
#[derive(Clone, Copy, PartialEq)]
enum ZOp {
    Union,
    Inter,
    Diff,
}

impl ZOp {
    /// The keyspace event of the STORE form.
    fn store_event(self) -> &'static str {
        match self {
            ZOp::Union => "zunionstore",
            ZOp::Inter => "zinterstore",
            ZOp::Diff => "zdiffstore",
        }
    }
}

/// One input of the algebra: a sorted set, or a plain set whose members score 1.
enum Input<'a> {
    Missing,
    ZSet(&'a SortedSet),
    Set(&'a crate::engine::data::SetValue),
}

impl Input<'_> {
    fn len(&self) -> usize {
        match self {
            Input::Missing => 0,
            Input::ZSet(z) => z.len(),
            Input::Set(s) => s.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Input::Missing => None,
            Input::ZSet(z) => z.score(member),
            Input::Set(s) => s.contains(member).then_some(1.0),
        }
    }

    fn members(&self) -> Vec<(Bytes, f64)> {
        match self {
            Input::Missing => Vec::new(),
            Input::ZSet(z) => z.iter().map(|(m, s)| (m.clone(), s)).collect(),
            Input::Set(s) => s.iter().map(|m| (m.clone(), 1.0)).collect(),
        }
    }

    fn same_as(&self, other: &Input) -> bool {
        match (self, other) {
            (Input::ZSet(a), Input::ZSet(b)) => std::ptr::eq(*a, *b),
            (Input::Set(a), Input::Set(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

/// A parsed algebra request.
struct AlgebraRequest {
    keys: Vec<Bytes>,
    weights: Vec<f64>,
    aggregate: Aggregate,
    with_scores: bool,
    limit: usize,
}

/// Parses `numkeys key... [WEIGHTS ...] [AGGREGATE ...] [WITHSCORES] [LIMIT n]` from
/// `args[numkeys_at]` on; the inputs are type-checked before the options, as in Redis.
fn parse_algebra(
    ctx: &mut Ctx,
    args: &[Bytes],
    numkeys_at: usize,
    op: ZOp,
    store: bool,
    cardinality_only: bool,
) -> Result<AlgebraRequest, Value> {
    let setnum = parse_long(&args[numkeys_at])?;
    if setnum < 1 {
        return Err(Value::error(format!(
            "ERR at least 1 input key is needed for '{}' command",
            String::from_utf8_lossy(&args[0]).to_ascii_lowercase()
        )));
    }
    if setnum > (args.len() - numkeys_at - 1) as i64 {
        return Err(syntax_error());
    }
    let setnum = setnum as usize;
    let keys = args[numkeys_at + 1..numkeys_at + 1 + setnum].to_vec();
    let now = ctx.now_ms();
    for key in &keys {
        match ctx.db().data(key, now) {
            None | Some(Data::ZSet(_)) | Some(Data::Set(_)) => {}
            Some(_) => return Err(wrongtype()),
        }
    }
    let mut request = AlgebraRequest {
        keys,
        weights: vec![1.0; setnum],
        aggregate: Aggregate::Sum,
        with_scores: false,
        limit: 0,
    };
    let mut j = numkeys_at + 1 + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        let opt = &args[j];
        if op != ZOp::Diff
            && !cardinality_only
            && remaining > setnum
            && opt.eq_ignore_ascii_case(b"weights")
        {
            for i in 0..setnum {
                request.weights[i] = parse_double(&args[j + 1 + i])
                    .ok_or_else(|| Value::error("ERR weight value is not a float"))?;
            }
            j += 1 + setnum;
        } else if op != ZOp::Diff
            && !cardinality_only
            && remaining >= 2
            && opt.eq_ignore_ascii_case(b"aggregate")
        {
            let how = &args[j + 1];
            request.aggregate = if how.eq_ignore_ascii_case(b"sum") {
                Aggregate::Sum
            } else if how.eq_ignore_ascii_case(b"min") {
                Aggregate::Min
            } else if how.eq_ignore_ascii_case(b"max") {
                Aggregate::Max
            } else {
                return Err(syntax_error());
            };
            j += 2;
        } else if !store && !cardinality_only && opt.eq_ignore_ascii_case(b"withscores") {
            request.with_scores = true;
            j += 1;
        } else if cardinality_only && remaining >= 2 && opt.eq_ignore_ascii_case(b"limit") {
            request.limit = match parse_i64(&args[j + 1]) {
                Some(l) if l >= 0 => l as usize,
                _ => return Err(Value::error("ERR LIMIT can't be negative")),
            };
            j += 2;
        } else {
            return Err(syntax_error());
        }
    }
    Ok(request)
}

/// Computes the algebra over the request's inputs.
fn compute_algebra(ctx: &mut Ctx, request: &AlgebraRequest, op: ZOp) -> Vec<(Bytes, f64)> {
    let index = ctx.client().db;
    let db = &ctx.store.dbs[index];
    let mut inputs: Vec<(Input, f64)> = request
        .keys
        .iter()
        .zip(&request.weights)
        .map(|(k, &w)| {
            let input = match db.peek_data(k) {
                Some(Data::ZSet(z)) => Input::ZSet(z),
                Some(Data::Set(s)) => Input::Set(s),
                _ => Input::Missing,
            };
            (input, w)
        })
        .collect();
    let weighted = |score: f64, weight: f64| {
        let v = score * weight;
        if v.is_nan() { 0.0 } else { v }
    };
    match op {
        ZOp::Inter => {
            inputs.sort_by_key(|(input, _)| input.len());
            let (first, first_weight) = &inputs[0];
            if first.len() == 0 {
                return Vec::new();
            }
            let mut out = Vec::new();
            'members: for (member, score) in first.members() {
                let mut total = weighted(score, *first_weight);
                for (other, weight) in &inputs[1..] {
                    let value = if other.same_as(first) {
                        Some(score)
                    } else {
                        other.score(&member)
                    };
                    match value {
                        Some(v) => total = request.aggregate.combine(total, v * weight),
                        None => continue 'members,
                    }
                }
                out.push((member, total));
            }
            out
        }
        ZOp::Union => {
            inputs.sort_by_key(|(input, _)| input.len());
            let mut totals: indexmap::IndexMap<Bytes, f64> = indexmap::IndexMap::new();
            for (input, weight) in &inputs {
                for (member, score) in input.members() {
                    let value = weighted(score, *weight);
                    match totals.get_mut(&member) {
                        Some(total) => *total = request.aggregate.combine(*total, value),
                        None => {
                            totals.insert(member, value);
                        }
                    }
                }
            }
            totals.into_iter().collect()
        }
        ZOp::Diff => {
            let (first, _) = &inputs[0];
            first
                .members()
                .into_iter()
                .filter(|(member, _)| {
                    !inputs[1..]
                        .iter()
                        .any(|(other, _)| other.same_as(first) || other.score(member).is_some())
                })
                .collect()
        }
    }
}

fn algebra_reply(ctx: &mut Ctx, args: &[Bytes], op: ZOp) -> Value {
    let request = match parse_algebra(ctx, args, 1, op, false, false) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let limits = ctx.store.encoding_limits;
    let result = collect_set(compute_algebra(ctx, &request, op), &limits);
    let pairs = result.iter().map(|(m, s)| (m.clone(), s)).collect();
    pairs_reply(pairs, request.with_scores, resp3(ctx))
}

fn algebra_store(ctx: &mut Ctx, args: &[Bytes], op: ZOp) -> Value {
    let request = match parse_algebra(ctx, args, 2, op, true, false) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let limits = ctx.store.encoding_limits;
    let result = collect_set(compute_algebra(ctx, &request, op), &limits);
    store_result(ctx, &args[1], result, op.store_event())
}

fn zunion(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    algebra_reply(ctx, args, ZOp::Union)
}

fn zinter(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    algebra_reply(ctx, args, ZOp::Inter)
}

fn zdiff(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    algebra_reply(ctx, args, ZOp::Diff)
}

fn zunionstore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    algebra_store(ctx, args, ZOp::Union)
}

fn zinterstore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    algebra_store(ctx, args, ZOp::Inter)
}

fn zdiffstore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    algebra_store(ctx, args, ZOp::Diff)
}

fn zintercard(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let request = match parse_algebra(ctx, args, 1, ZOp::Inter, false, true) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let count = compute_algebra(ctx, &request, ZOp::Inter).len();
    let count = if request.limit == 0 {
        count
    } else {
        count.min(request.limit)
    };
    Value::Integer(count as i64)
}

fn zscan(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if let Err(e) = parse_cursor(&args[2]) {
        return e;
    }
    let zset = match zset_at(ctx, &args[1]) {
        Err(e) => return e,
        Ok(None) => return empty_scan(),
        Ok(Some(zset)) => zset,
    };
    let scan = match parse_scan_args(&args[2..]) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let (window, next) = scan.window(zset.len(), zset.is_listpack());
    let mut items = Vec::new();
    for (member, score) in zset.iter().skip(window.start).take(window.len()) {
        if scan.matches(member) {
            items.push(Value::Bulk(member.clone()));
            items.push(Value::Bulk(Bytes::from(format_double(score))));
        }
    }
    scan_reply(next, items)
}
