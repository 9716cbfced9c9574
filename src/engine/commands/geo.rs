//! Geospatial commands (a port of Redis 7.0's geo.c): GEOADD, GEOPOS, GEODIST, GEOHASH,
//! GEOSEARCH, GEOSEARCHSTORE and the deprecated GEORADIUS family. Points live in a sorted set
//! whose scores are 52-bit geohashes (see `engine::geohash`).

use super::sorted_sets::store_result;
use crate::engine::args::{not_float, parse_double, parse_i64, syntax_error, wrongtype};
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::{Data, SortedSet};
use crate::engine::geohash::{self, Shape, ShapeKind};
use crate::engine::notify::EventClass;
use crate::engine::sorted_set::ScoreRange;
use crate::resp::Value;
use bytes::Bytes;

/// The GEO family's handlers by command name.
pub const COMMANDS: &[(&str, Handler)] = &[
    ("geoadd", geoadd),
    ("geopos", geopos),
    ("geodist", geodist),
    ("geohash", geohash_command),
    ("geosearch", geosearch),
    ("geosearchstore", geosearchstore),
    ("georadius", georadius),
    ("georadius_ro", georadius_ro),
    ("georadiusbymember", georadiusbymember),
    ("georadiusbymember_ro", georadiusbymember_ro),
];

/// A double argument, or `ERR <message>` (the generic float error when `message` is None).
fn double_or_reply(arg: &[u8], message: Option<&str>) -> Result<f64, Value> {
    parse_double(arg).ok_or_else(|| match message {
        Some(m) => Value::error(format!("ERR {m}")),
        None => not_float(),
    })
}

/// A longitude and latitude argument pair (extractLongLatOrReply).
fn long_lat_or_reply(args: &[Bytes]) -> Result<(f64, f64), Value> {
    let longitude = double_or_reply(&args[0], None)?;
    let latitude = double_or_reply(&args[1], None)?;
    if !(geohash::LONG_MIN..=geohash::LONG_MAX).contains(&longitude)
        || !(geohash::LAT_MIN..=geohash::LAT_MAX).contains(&latitude)
    {
        return Err(Value::error(format!(
            "ERR invalid longitude,latitude pair {},{}",
            c_fixed6(longitude),
            c_fixed6(latitude)
        )));
    }
    Ok((longitude, latitude))
}

/// C's `%f`.
fn c_fixed6(d: f64) -> String {
    if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format!("{d:.6}")
    }
}

/// Metres per unit, or the unit error (extractUnitOrReply).
fn unit_or_reply(arg: &[u8]) -> Result<f64, Value> {
    match arg.to_ascii_lowercase().as_slice() {
        b"m" => Ok(1.0),
        b"km" => Ok(1000.0),
        b"ft" => Ok(0.3048),
        b"mi" => Ok(1609.34),
        _ => Err(Value::error(
            "ERR unsupported unit provided. please use M, KM, FT, MI",
        )),
    }
}

/// A radius and its unit: (radius, metres per unit).
fn distance_or_reply(args: &[Bytes]) -> Result<(f64, f64), Value> {
    let radius = double_or_reply(&args[0], Some("need numeric radius"))?;
    if radius < 0.0 {
        return Err(Value::error("ERR radius cannot be negative"));
    }
    Ok((radius, unit_or_reply(&args[1])?))
}

/// A box's width, height and unit: (width, height, metres per unit).
fn box_or_reply(args: &[Bytes]) -> Result<(f64, f64, f64), Value> {
    let width = double_or_reply(&args[0], Some("need numeric width"))?;
    let height = double_or_reply(&args[1], Some("need numeric height"))?;
    if height < 0.0 || width < 0.0 {
        return Err(Value::error("ERR height or width cannot be negative"));
    }
    Ok((width, height, unit_or_reply(&args[2])?))
}

/// The sorted set in a looked-up value (None when the key is missing), or WRONGTYPE.
fn as_zset(found: Option<&mut Data>) -> Result<Option<&mut SortedSet>, Value> {
    match found {
        None => Ok(None),
        Some(Data::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(wrongtype()),
    }
}

/// Redis's ld2string in human mode: `%.17Lf` with trailing zeros (and a bare dot) removed.
fn human_double(d: f64) -> Value {
    let mut text = format!("{d:.17}");
    if text.contains('.') {
        text.truncate(text.trim_end_matches('0').trim_end_matches('.').len());
    }
    if text == "-0" {
        text = "0".into();
    }
    Value::DoubleText(Bytes::from(text))
}

/// A distance as GEODIST and WITHDIST print it: a bulk string with 4 decimals.
fn distance_reply(d: f64) -> Value {
    Value::bulk(format!("{d:.4}"))
}

fn coordinates_reply((longitude, latitude): (f64, f64)) -> Value {
    Value::Array(vec![human_double(longitude), human_double(latitude)])
}

fn geoadd(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let (mut nx, mut xx, mut ch) = (false, false, false);
    let mut first = 2;
    while first < args.len() {
        match args[first].to_ascii_lowercase().as_slice() {
            b"nx" => nx = true,
            b"xx" => xx = true,
            b"ch" => ch = true,
            _ => break,
        }
        first += 1;
    }
    let triples = &args[first..];
    if !triples.len().is_multiple_of(3) || (xx && nx) || triples.is_empty() {
        return syntax_error();
    }
    let mut points = Vec::with_capacity(triples.len() / 3);
    for triple in triples.chunks_exact(3) {
        let (longitude, latitude) = match long_lat_or_reply(&triple[..2]) {
            Ok(pair) => pair,
            Err(reply) => return reply,
        };
        let score = geohash::score_of(longitude, latitude).expect("validated coordinates");
        points.push((score as f64, triple[2].clone()));
    }
    let key = &args[1];
    let now = ctx.now_ms();
    match as_zset(ctx.db().data(key, now)) {
        Err(reply) => return reply,
        Ok(None) if xx => return Value::Integer(0),
        Ok(_) => {}
    }
    let limits = ctx.store.encoding_limits;
    let Data::ZSet(zset) = ctx
        .db()
        .get_or_create(key, now, || Data::ZSet(SortedSet::default()))
    else {
        unreachable!("checked to be a sorted set or missing");
    };
    let (mut added, mut changed) = (0, 0);
    for (score, member) in points {
        match zset.score(&member) {
            Some(_) if nx => {}
            Some(old) => {
                if old != score {
                    zset.insert(member, score, &limits);
                    changed += 1;
                }
            }
            None if xx => {}
            None => {
                zset.insert(member, score, &limits);
                added += 1;
            }
        }
    }
    // geoaddCommand runs ZADD, whose event this is.
    if added + changed > 0 {
        ctx.modified(EventClass::ZSET, "zadd", key);
    }
    Value::Integer(if ch { added + changed } else { added })
}

fn geopos(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let zset = match as_zset(ctx.read_key(&args[1])) {
        Err(reply) => return reply,
        Ok(z) => z,
    };
    let replies = args[2..]
        .iter()
        .map(|member| match zset.as_ref().and_then(|z| z.score(member)) {
            None => Value::NullArray,
            Some(score) => coordinates_reply(geohash::decode_score(score)),
        })
        .collect();
    Value::Array(replies)
}

fn geodist(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let to_meter = match args.len() {
        5 => match unit_or_reply(&args[4]) {
            Ok(u) => u,
            Err(reply) => return reply,
        },
        4 => 1.0,
        _ => return syntax_error(),
    };
    let zset = match as_zset(ctx.read_key(&args[1])) {
        Err(reply) => return reply,
        Ok(None) => return Value::Null,
        Ok(Some(z)) => z,
    };
    let (Some(a), Some(b)) = (zset.score(&args[2]), zset.score(&args[3])) else {
        return Value::Null;
    };
    let (a, b) = (geohash::decode_score(a), geohash::decode_score(b));
    distance_reply(geohash::distance(a.0, a.1, b.0, b.1) / to_meter)
}

fn geohash_command(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let zset = match as_zset(ctx.read_key(&args[1])) {
        Err(reply) => return reply,
        Ok(z) => z,
    };
    let replies = args[2..]
        .iter()
        .map(|member| match zset.as_ref().and_then(|z| z.score(member)) {
            None => Value::Null,
            Some(score) => Value::bulk(geohash::standard_geohash(score).to_vec()),
        })
        .collect();
    Value::Array(replies)
}

/// Which command of the search family is running (the flags of georadiusGeneric).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Command {
    /// GEORADIUS(_RO): centre and radius are positional.
    Radius { store_allowed: bool },
    /// GEORADIUSBYMEMBER(_RO): member and radius are positional.
    RadiusByMember { store_allowed: bool },
    /// GEOSEARCH.
    GeoSearch,
    /// GEOSEARCHSTORE.
    GeoSearchStore,
}

fn georadius(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    search(
        ctx,
        args,
        Command::Radius {
            store_allowed: true,
        },
    )
}

fn georadius_ro(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    search(
        ctx,
        args,
        Command::Radius {
            store_allowed: false,
        },
    )
}

fn georadiusbymember(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    search(
        ctx,
        args,
        Command::RadiusByMember {
            store_allowed: true,
        },
    )
}

fn georadiusbymember_ro(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    search(
        ctx,
        args,
        Command::RadiusByMember {
            store_allowed: false,
        },
    )
}

fn geosearch(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    search(ctx, args, Command::GeoSearch)
}

fn geosearchstore(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    search(ctx, args, Command::GeoSearchStore)
}

/// A point found by a search.
struct GeoPoint {
    longitude: f64,
    latitude: f64,
    /// Distance from the centre in metres (in the query's unit once replied).
    dist: f64,
    score: f64,
    member: Bytes,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// The decoded position of a member (longLatFromMember), or the member error.
fn member_position(zset: &SortedSet, member: &[u8]) -> Result<(f64, f64), Value> {
    zset.score(member)
        .map(geohash::decode_score)
        .ok_or_else(|| Value::error("ERR could not decode requested zset member"))
}

/// What a search ends with: a reply, or members to store at a key (none: delete the key).
enum SearchOutcome {
    Reply(Value),
    Store {
        key: Bytes,
        members: Vec<(Bytes, f64)>,
    },
}

/// georadiusGeneric: parses the search, finds the points, replies or stores them.
fn search(ctx: &mut Ctx, args: &[Bytes], kind: Command) -> Value {
    let src_index = if kind == Command::GeoSearchStore {
        2
    } else {
        1
    };
    let outcome = match as_zset(ctx.read_key(&args[src_index])) {
        Err(reply) => return reply,
        Ok(zset) => run_search(args, kind, zset.map(|z| &*z)),
    };
    match outcome {
        Err(reply) | Ok(SearchOutcome::Reply(reply)) => reply,
        Ok(SearchOutcome::Store { key, members }) => {
            let limits = ctx.store.encoding_limits;
            let mut zset = SortedSet::default();
            for (member, score) in members {
                zset.insert(member, score, &limits);
            }
            let event = if kind == Command::GeoSearchStore {
                "geosearchstore"
            } else {
                "georadiusstore"
            };
            store_result(ctx, &key, zset, event)
        }
    }
}

/// Parses the search options and finds the points: georadiusGeneric up to the reply.
fn run_search(
    args: &[Bytes],
    kind: Command,
    zset: Option<&SortedSet>,
) -> Result<SearchOutcome, Value> {
    let mut center = (0.0, 0.0);
    let mut shape_kind = None;
    let mut conversion = 0.0;
    let mut store_key: Option<Bytes> = None;
    let base_args = match kind {
        Command::Radius { .. } => {
            center = long_lat_or_reply(&args[2..4])?;
            let (radius, unit) = distance_or_reply(&args[4..6])?;
            shape_kind = Some(ShapeKind::Circle { radius });
            conversion = unit;
            6
        }
        Command::RadiusByMember { .. } => {
            if let Some(z) = zset {
                center = member_position(z, &args[2])?;
                let (radius, unit) = distance_or_reply(&args[3..5])?;
                shape_kind = Some(ShapeKind::Circle { radius });
                conversion = unit;
            }
            5
        }
        Command::GeoSearch => 2,
        Command::GeoSearchStore => {
            store_key = Some(args[1].clone());
            3
        }
    };
    let is_search = matches!(kind, Command::GeoSearch | Command::GeoSearchStore);
    let store_allowed = matches!(
        kind,
        Command::Radius {
            store_allowed: true
        } | Command::RadiusByMember {
            store_allowed: true
        }
    );

    let (mut withdist, mut withhash, mut withcoords) = (false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = Sort::None;
    let mut any = false;
    let mut count: i64 = 0;
    let mut storedist = false;
    let options = &args[base_args.min(args.len())..];
    let remaining = options.len();
    let mut i = 0;
    while i < remaining {
        let arg = options[i].to_ascii_lowercase();
        match arg.as_slice() {
            b"withdist" => withdist = true,
            b"withhash" => withhash = true,
            b"withcoord" => withcoords = true,
            b"any" => any = true,
            b"asc" => sort = Sort::Asc,
            b"desc" => sort = Sort::Desc,
            b"count" if i + 1 < remaining => {
                count = parse_i64(&options[i + 1]).ok_or_else(crate::engine::args::not_integer)?;
                if count <= 0 {
                    return Err(Value::error("ERR COUNT must be > 0"));
                }
                i += 1;
            }
            b"store" | b"storedist" if i + 1 < remaining && store_allowed => {
                store_key = Some(options[i + 1].clone());
                storedist = arg == b"storedist";
                i += 1;
            }
            b"storedist" if kind == Command::GeoSearchStore => storedist = true,
            b"frommember" if i + 1 < remaining && is_search && !fromloc => {
                if let Some(z) = zset {
                    center = member_position(z, &options[i + 1])?;
                }
                frommember = true;
                i += 1;
            }
            b"fromlonlat" if i + 2 < remaining && is_search && !frommember => {
                center = long_lat_or_reply(&options[i + 1..i + 3])?;
                fromloc = true;
                i += 2;
            }
            b"byradius" if i + 2 < remaining && is_search && !bybox => {
                let (radius, unit) = distance_or_reply(&options[i + 1..i + 3])?;
                shape_kind = Some(ShapeKind::Circle { radius });
                conversion = unit;
                byradius = true;
                i += 2;
            }
            b"bybox" if i + 3 < remaining && is_search && !byradius => {
                let (width, height, unit) = box_or_reply(&options[i + 1..i + 4])?;
                shape_kind = Some(ShapeKind::Box { width, height });
                conversion = unit;
                bybox = true;
                i += 3;
            }
            _ => return Err(syntax_error()),
        }
        i += 1;
    }

    if (store_key.is_some() || storedist) && (withdist || withhash || withcoords) {
        let what = if kind == Command::GeoSearchStore {
            "GEOSEARCHSTORE"
        } else {
            "STORE option in GEORADIUS"
        };
        return Err(Value::error(format!(
            "ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        )));
    }
    let name = String::from_utf8_lossy(&args[0]);
    if is_search && !(frommember || fromloc) {
        return Err(Value::error(format!(
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        )));
    }
    if is_search && !(byradius || bybox) {
        return Err(Value::error(format!(
            "ERR exactly one of BYRADIUS and BYBOX can be specified for {name}"
        )));
    }
    if any && count == 0 {
        return Err(Value::error("ERR the ANY argument requires COUNT argument"));
    }

    let Some(zset) = zset else {
        return Ok(match store_key {
            Some(key) => SearchOutcome::Store {
                key,
                members: Vec::new(),
            },
            None => SearchOutcome::Reply(Value::Array(Vec::new())),
        });
    };
    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let shape = Shape {
        longitude: center.0,
        latitude: center.1,
        conversion,
        kind: shape_kind.expect("a shape was parsed"),
    };
    let limit = if any { count as usize } else { 0 };
    let mut points = points_in_cells(zset, &shape, limit);
    if points.is_empty() && store_key.is_none() {
        return Ok(SearchOutcome::Reply(Value::Array(Vec::new())));
    }
    let returned = if count == 0 {
        points.len()
    } else {
        points.len().min(count as usize)
    };
    if sort != Sort::None {
        let compare = |a: &GeoPoint, b: &GeoPoint| {
            let order = a
                .dist
                .partial_cmp(&b.dist)
                .unwrap_or(std::cmp::Ordering::Equal);
            if sort == Sort::Desc {
                order.reverse()
            } else {
                order
            }
        };
        if returned == points.len() {
            points.sort_by(compare);
        } else {
            partial_sort(&mut points, returned - 1, &compare);
        }
    }
    points.truncate(returned);
    for p in &mut points {
        p.dist /= conversion;
    }

    let Some(store_key) = store_key else {
        let with_options = withdist || withhash || withcoords;
        let replies = points
            .into_iter()
            .map(|p| {
                if !with_options {
                    return Value::Bulk(p.member);
                }
                let mut item = vec![Value::Bulk(p.member)];
                if withdist {
                    item.push(distance_reply(p.dist));
                }
                if withhash {
                    item.push(Value::Integer(p.score as i64));
                }
                if withcoords {
                    item.push(coordinates_reply((p.longitude, p.latitude)));
                }
                Value::Array(item)
            })
            .collect();
        return Ok(SearchOutcome::Reply(Value::Array(replies)));
    };
    let members = points
        .into_iter()
        .map(|p| (p.member, if storedist { p.dist } else { p.score }))
        .collect();
    Ok(SearchOutcome::Store {
        key: store_key,
        members,
    })
}

/// Collects the members inside the shape from the 9 search cells, in Redis's scan order,
/// stopping once `limit` points are found (0: no limit).
fn points_in_cells(zset: &SortedSet, shape: &Shape, limit: usize) -> Vec<GeoPoint> {
    let cells = geohash::search_cells(shape);
    let mut points = Vec::new();
    let mut last_processed = 0;
    for (i, cell) in cells.iter().enumerate() {
        if cell.is_zero() {
            continue;
        }
        if last_processed != 0 && *cell == cells[last_processed] {
            continue;
        }
        if !points.is_empty() && limit != 0 && points.len() >= limit {
            break;
        }
        let (min, max) = cell.score_range();
        let scores = ScoreRange {
            min: min as f64,
            max: max as f64,
            min_exclusive: false,
            max_exclusive: true,
        };
        for (member, score) in zset.range_by_score(&scores) {
            let (longitude, latitude) = geohash::decode_score(score);
            if let Some(dist) = geohash::distance_if_within(shape, longitude, latitude) {
                points.push(GeoPoint {
                    longitude,
                    latitude,
                    dist,
                    score,
                    member: member.clone(),
                });
                if limit != 0 && points.len() >= limit {
                    break;
                }
            }
        }
        last_processed = i;
    }
    points
}

/// Redis's pqsort: Bentley-McIlroy quicksort that only finishes the partitions overlapping
/// positions `0..=upto`, so ties come out in the same order as in Redis.
fn partial_sort<F>(v: &mut [GeoPoint], upto: usize, cmp: &F)
where
    F: Fn(&GeoPoint, &GeoPoint) -> std::cmp::Ordering,
{
    pqsort(v, 0, v.len(), cmp, 0, upto);
}

/// `_pqsort` on `v[base..base + n]`; `lrange..=rrange` are the absolute positions wanted.
fn pqsort<F>(v: &mut [GeoPoint], mut base: usize, mut n: usize, cmp: &F, lr: usize, rr: usize)
where
    F: Fn(&GeoPoint, &GeoPoint) -> std::cmp::Ordering,
{
    use std::cmp::Ordering::{Equal, Greater, Less};
    let c = |v: &[GeoPoint], a: usize, b: usize| cmp(&v[a], &v[b]);
    let med3 = |v: &[GeoPoint], a: usize, b: usize, d: usize| {
        if c(v, a, b) == Less {
            if c(v, b, d) == Less {
                b
            } else if c(v, a, d) == Less {
                d
            } else {
                a
            }
        } else if c(v, b, d) == Greater {
            b
        } else if c(v, a, d) == Less {
            a
        } else {
            d
        }
    };
    let vecswap = |v: &mut [GeoPoint], a: usize, b: usize, n: usize| {
        for k in 0..n {
            v.swap(a + k, b + k);
        }
    };
    loop {
        let a = base;
        if n < 7 {
            for pm in a + 1..a + n {
                let mut pl = pm;
                while pl > a && c(v, pl - 1, pl) == Greater {
                    v.swap(pl, pl - 1);
                    pl -= 1;
                }
            }
            return;
        }
        let mut pm = a + n / 2;
        if n > 7 {
            let mut pl = a;
            let mut pn = a + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d);
                pm = med3(v, pm - d, pm, pm + d);
                pn = med3(v, pn - 2 * d, pn - d, pn);
            }
            pm = med3(v, pl, pm, pn);
        }
        v.swap(a, pm);
        let (mut pa, mut pb) = (a + 1, a + 1);
        // pc and pd may move one below `a + 1`; keep them as signed positions.
        let (mut pc, mut pd) = ((a + n - 1) as isize, (a + n - 1) as isize);
        loop {
            while pb as isize <= pc {
                let r = c(v, pb, a);
                if r == Greater {
                    break;
                }
                if r == Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb as isize <= pc {
                let r = c(v, pc as usize, a);
                if r == Less {
                    break;
                }
                if r == Equal {
                    v.swap(pc as usize, pd as usize);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb as isize > pc {
                break;
            }
            v.swap(pb, pc as usize);
            pb += 1;
            pc -= 1;
        }
        let pn = a + n;
        let r = (pa - a).min(pb - pa);
        vecswap(v, a, pb - r, r);
        let r = ((pd - pc) as usize).min(pn - pd as usize - 1);
        vecswap(v, pb, pn - r, r);
        let left = pb - pa;
        if left > 1 {
            let (l, r) = (a, a + left - 1);
            if !((lr < l && rr < l) || (lr > r && rr > r)) {
                pqsort(v, a, left, cmp, lr, rr);
            }
        }
        let right = (pd - pc) as usize;
        if right > 1 {
            base = pn - right;
            n = right;
            let (l, r) = (base, base + right - 1);
            if !((lr < l && rr < l) || (lr > r && rr > r)) {
                continue;
            }
        }
        return;
    }
}
