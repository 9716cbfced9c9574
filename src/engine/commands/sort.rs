//! SORT and SORT_RO (sort.c): the elements of a list, set or sorted set, sorted by their own
//! value or by keys a `BY` pattern names (numerically, or by bytes with ALPHA), with LIMIT,
//! `GET` patterns (`#`, `key*`, `hash*->field`) and, for SORT, STORE into a list.
//!
//! Two things Redis's results depend on are not modelled: ALPHA compares with strcoll in
//! redis-server's locale (here: the C and C.UTF-8 order, bytes up to the first NUL), and the
//! numeric parse tests an errno it never clears, so in Redis an earlier ERANGE can make a
//! later numeric SORT of non-integer values fail.

use crate::engine::args::{c_str, not_integer, parse_i64, strtod, syntax_error, wrongtype};
use crate::engine::command::{Ctx, Handler};
use crate::engine::data::Data;
use crate::engine::limits;
use crate::engine::notify::EventClass;
use crate::resp::Value;
use bytes::Bytes;
use std::cmp::Ordering;
use std::collections::VecDeque;

pub const COMMANDS: &[(&str, Handler)] = &[("sort", sort), ("sort_ro", sort_ro)];

fn sort(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    sort_generic(ctx, args, false)
}

fn sort_ro(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    sort_generic(ctx, args, true)
}

/// sortGetKeys: the positions of SORT's keys (COMMAND GETKEYS), the sorted key and the last
/// STORE destination, skipping the arguments of LIMIT, GET and BY.
pub(super) fn sort_keys(argv: &[Bytes]) -> impl Iterator<Item = usize> {
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        if is_word(&argv[i], "limit") {
            i += 2;
        } else if is_word(&argv[i], "get") || is_word(&argv[i], "by") {
            i += 1;
        } else if is_word(&argv[i], "store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    std::iter::once(1).chain(store)
}

/// The options after the key, as sortCommandGeneric reads them.
struct SortOptions {
    desc: bool,
    alpha: bool,
    /// A `BY` pattern without `*` was given (it stays set even if a later BY has one).
    dont_sort: bool,
    limit_start: i64,
    limit_count: i64,
    by: Option<Bytes>,
    gets: Vec<Bytes>,
    store: Option<Bytes>,
}

fn is_word(arg: &[u8], word: &str) -> bool {
    c_str(arg).eq_ignore_ascii_case(word.as_bytes())
}

fn parse_options(args: &[Bytes], read_only: bool) -> Result<SortOptions, Value> {
    let mut options = SortOptions {
        desc: false,
        alpha: false,
        dont_sort: false,
        limit_start: 0,
        limit_count: -1,
        by: None,
        gets: Vec::new(),
        store: None,
    };
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        let arg = &args[j];
        if is_word(arg, "asc") {
            options.desc = false;
        } else if is_word(arg, "desc") {
            options.desc = true;
        } else if is_word(arg, "alpha") {
            options.alpha = true;
        } else if is_word(arg, "limit") && left >= 2 {
            options.limit_start = parse_i64(&args[j + 1]).ok_or_else(not_integer)?;
            options.limit_count = parse_i64(&args[j + 2]).ok_or_else(not_integer)?;
            j += 2;
        } else if !read_only && is_word(arg, "store") && left >= 1 {
            options.store = Some(args[j + 1].clone());
            j += 1;
        } else if is_word(arg, "by") && left >= 1 {
            let pattern = &args[j + 1];
            if !c_str(pattern).contains(&b'*') {
                options.dont_sort = true;
            }
            options.by = Some(pattern.clone());
            j += 1;
        } else if is_word(arg, "get") && left >= 1 {
            options.gets.push(args[j + 1].clone());
            j += 1;
        } else {
            return Err(syntax_error());
        }
        j += 1;
    }
    Ok(options)
}

/// lookupKeyByPattern: `#` is the element itself; otherwise the first `*` (before any NUL)
/// is replaced by the element, and `->field` after it reads a hash field. A pattern without
/// `*`, a missing key or a key of the wrong type gives None.
fn lookup_by_pattern(ctx: &mut Ctx, pattern: &[u8], element: &Bytes) -> Option<Bytes> {
    let c_pattern = c_str(pattern);
    if c_pattern == b"#" {
        return Some(element.clone());
    }
    let star = c_pattern.iter().position(|&b| b == b'*')?;
    // strstr(p+1, "->") and a field that does not start with a NUL.
    let arrow = c_pattern[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|at| star + 1 + at)
        .filter(|&at| c_pattern.len() > at + 2);
    let (key_end, field) = match arrow {
        Some(at) => (at, Some(&pattern[at + 2..])),
        None => (pattern.len(), None),
    };
    let mut key = Vec::with_capacity(key_end - 1 + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    match (ctx.read_key(&key)?, field) {
        (Data::Hash(hash), Some(field)) => hash.get(field).cloned(),
        (Data::String(s), None) => Some(s.clone()),
        _ => None,
    }
}

/// The score of a numeric sort as SORT reads it: C's strtod up to the first NUL (leading
/// white space allowed, an empty string is 0), refusing NaN and ERANGE (overflow, and
/// underflow to zero or to a subnormal).
fn sort_score(value: &[u8]) -> Option<f64> {
    let s = c_str(value);
    let spaces = s
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let body = &s[spaces..];
    if body.is_empty() {
        // No number at all: strtod's end pointer stays at the start.
        return s.is_empty().then_some(0.0);
    }
    let (score, erange) = strtod(body)?;
    let unsigned = body.strip_prefix(b"-").or(body.strip_prefix(b"+"));
    let hex = unsigned
        .unwrap_or(body)
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"0x"));
    let subnormal = score != 0.0 && score.abs() < f64::MIN_POSITIVE && !hex;
    (!erange && !subnormal && !score.is_nan()).then_some(score)
}

/// pqsort.c's partial quicksort (NetBSD's qsort, skipping the partitions outside the
/// elements `first..=last`), ported as is: elements that compare equal (ALPHA BY ties) end up
/// in the order Redis gives them.
fn partial_sort<T>(v: &mut [T], cmp: &impl Fn(&T, &T) -> Ordering, first: i64, last: i64) {
    partial_sort_at(v, 0, v.len(), cmp, first, last);
}

/// Whether `count` elements from `base` hold none of `first..=last`.
fn outside(base: usize, count: usize, first: i64, last: i64) -> bool {
    let (base, end) = (base as i64, (base + count) as i64);
    (first < base && last < base) || (first >= end && last >= end)
}

fn insertion_sort<T>(v: &mut [T], base: usize, n: usize, cmp: &impl Fn(&T, &T) -> Ordering) {
    for m in base + 1..base + n {
        let mut l = m;
        while l > base && cmp(&v[l - 1], &v[l]) == Ordering::Greater {
            v.swap(l, l - 1);
            l -= 1;
        }
    }
}

fn median_of_three<T>(
    v: &[T],
    a: usize,
    b: usize,
    c: usize,
    cmp: &impl Fn(&T, &T) -> Ordering,
) -> usize {
    let less = |x: usize, y: usize| cmp(&v[x], &v[y]) == Ordering::Less;
    let greater = |x: usize, y: usize| cmp(&v[x], &v[y]) == Ordering::Greater;
    if less(a, b) {
        if less(b, c) {
            b
        } else if less(a, c) {
            c
        } else {
            a
        }
    } else if greater(b, c) {
        b
    } else if less(a, c) {
        a
    } else {
        c
    }
}

/// Swaps `n` elements from `a` with `n` from `b`, pair by pair (vecswap).
fn swap_runs<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        v.swap(a + i, b + i);
    }
}

fn partial_sort_at<T>(
    v: &mut [T],
    mut base: usize,
    mut n: usize,
    cmp: &impl Fn(&T, &T) -> Ordering,
    first: i64,
    last: i64,
) {
    loop {
        if n < 7 {
            insertion_sort(v, base, n, cmp);
            return;
        }
        let mut pm = base + n / 2;
        if n > 7 {
            let mut pl = base;
            let mut pn = base + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = median_of_three(v, pl, pl + d, pl + 2 * d, cmp);
                pm = median_of_three(v, pm - d, pm, pm + d, cmp);
                pn = median_of_three(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = median_of_three(v, pl, pm, pn, cmp);
        }
        v.swap(base, pm);
        let (mut pa, mut pb) = (base + 1, base + 1);
        let (mut pc, mut pd) = (base + n - 1, base + n - 1);
        let mut swapped = false;
        loop {
            while pb <= pc {
                match cmp(&v[pb], &v[base]) {
                    Ordering::Greater => break,
                    Ordering::Equal => {
                        swapped = true;
                        v.swap(pa, pb);
                        pa += 1;
                    }
                    Ordering::Less => {}
                }
                pb += 1;
            }
            while pb <= pc {
                match cmp(&v[pc], &v[base]) {
                    Ordering::Less => break,
                    Ordering::Equal => {
                        swapped = true;
                        v.swap(pc, pd);
                        pd -= 1;
                    }
                    Ordering::Greater => {}
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            swapped = true;
            pb += 1;
            pc -= 1;
        }
        if !swapped {
            insertion_sort(v, base, n, cmp);
            return;
        }
        let pn = base + n;
        let r = (pa - base).min(pb - pa);
        swap_runs(v, base, pb - r, r);
        let r = (pd - pc).min(pn - pd - 1);
        swap_runs(v, pb, pn - r, r);
        let r = pb - pa;
        if r > 1 && !outside(base, r, first, last) {
            partial_sort_at(v, base, r, cmp, first, last);
        }
        let r = pd - pc;
        if r <= 1 {
            return;
        }
        base = pn - r;
        n = r;
        if outside(base, n, first, last) {
            return;
        }
    }
}

/// One element being sorted: its value and what it sorts by.
struct SortItem {
    element: Bytes,
    score: f64,
    /// ALPHA with BY: the value the pattern found (None sorts first).
    by_value: Option<Bytes>,
}

/// How sortCompare compares: strcoll (the C locale's byte order, up to the first NUL) when
/// replying, binary-safe comparison when storing.
fn compare_strings(a: &[u8], b: &[u8], binary: bool) -> Ordering {
    if binary {
        a.cmp(b)
    } else {
        c_str(a).cmp(c_str(b))
    }
}

fn compare_items(a: &SortItem, b: &SortItem, options: &SortOptions) -> Ordering {
    let storing = options.store.is_some();
    let order = if !options.alpha {
        // Equal scores fall back to comparing the elements, so the result is deterministic.
        a.score
            .partial_cmp(&b.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.element.cmp(&b.element))
    } else if options.by.is_some() {
        match (&a.by_value, &b.by_value) {
            (Some(x), Some(y)) => compare_strings(x, y, storing),
            (x, y) => x.is_some().cmp(&y.is_some()),
        }
    } else {
        compare_strings(&a.element, &b.element, storing)
    };
    if options.desc { order.reverse() } else { order }
}

/// The kinds of value SORT accepts.
#[derive(PartialEq)]
enum Source {
    List,
    Set,
    ZSet,
}

/// The elements to sort, loaded as sortCommandGeneric loads them (a sorted set is converted
/// to a skiplist for good): with BY and no sorting, a list or sorted set gives only the LIMIT
/// range, in DESC order when asked. Returns the elements and the output range within them.
fn load_elements(
    ctx: &mut Ctx,
    key: &[u8],
    options: &mut SortOptions,
) -> Result<(Vec<Bytes>, i64, i64), Value> {
    let source = match ctx.read_key(key) {
        None => None,
        Some(Data::List(_)) => Some(Source::List),
        Some(Data::Set(_)) => Some(Source::Set),
        Some(Data::ZSet(z)) => {
            z.convert_to_skiplist();
            Some(Source::ZSet)
        }
        Some(_) => return Err(wrongtype()),
    };
    // A set with no sorting asked would come out in its hash order: when it is stored (or
    // inside a script), it is sorted by its bytes instead, so the result is deterministic.
    let in_script = ctx.client().script_protocol.is_some();
    if options.dont_sort && source == Some(Source::Set) && (options.store.is_some() || in_script) {
        options.dont_sort = false;
        options.alpha = true;
        options.by = None;
    }
    let index = ctx.client().db;
    let data = ctx.store.dbs[index].peek_data(key);
    let len = match data {
        Some(Data::List(l)) => l.len(),
        Some(Data::Set(s)) => s.len(),
        Some(Data::ZSet(z)) => z.len(),
        _ => 0,
    } as i64;
    let mut start = options.limit_start.clamp(0, len);
    let count = options.limit_count.clamp(-1, len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);
    let ranged = options.dont_sort && matches!(source, Some(Source::List | Source::ZSet));
    let wanted = if ranged && (start != 0 || end != len - 1) {
        end - start + 1
    } else {
        len
    };
    let elements: Vec<Bytes> = match data {
        Some(Data::List(list)) if ranged => {
            if end < start {
                Vec::new()
            } else {
                let taken = wanted.max(0) as usize;
                let elements = if options.desc {
                    let first = (len - start - 1) as usize;
                    list.range(..=first).rev().take(taken).cloned().collect()
                } else {
                    list.range(start as usize..).take(taken).cloned().collect()
                };
                end -= start;
                start = 0;
                elements
            }
        }
        Some(Data::List(list)) => list.iter().cloned().collect(),
        Some(Data::Set(set)) => set.iter().cloned().collect(),
        Some(Data::ZSet(zset)) if ranged => {
            let taken = wanted.max(0) as usize;
            let elements = if options.desc {
                let members = zset.iter().rev().skip(start as usize);
                members.take(taken).map(|(m, _)| m.clone()).collect()
            } else {
                let members = zset.iter().skip(start as usize);
                members.take(taken).map(|(m, _)| m.clone()).collect()
            };
            end -= start;
            start = 0;
            elements
        }
        Some(Data::ZSet(zset)) => zset.iter().map(|(m, _)| m.clone()).collect(),
        _ => Vec::new(),
    };
    Ok((elements, start, end))
}

/// sortCommandGeneric. SORT_RO is SORT without STORE.
fn sort_generic(ctx: &mut Ctx, args: &[Bytes], read_only: bool) -> Value {
    let mut options = match parse_options(args, read_only) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let (elements, start, end) = match load_elements(ctx, &args[1], &mut options) {
        Ok(loaded) => loaded,
        Err(e) => return e,
    };
    let mut items: Vec<SortItem> = elements
        .into_iter()
        .map(|element| SortItem {
            element,
            score: 0.0,
            by_value: None,
        })
        .collect();
    let mut not_a_number = false;
    if !options.dont_sort {
        for item in &mut items {
            let by_value = match &options.by {
                Some(pattern) => match lookup_by_pattern(ctx, pattern, &item.element) {
                    Some(v) => v,
                    None => continue,
                },
                None => item.element.clone(),
            };
            if options.alpha {
                if options.by.is_some() {
                    item.by_value = Some(by_value);
                }
            } else {
                match sort_score(&by_value) {
                    Some(score) => item.score = score,
                    None => not_a_number = true,
                }
            }
        }
        let compare = |a: &SortItem, b: &SortItem| compare_items(a, b, &options);
        if options.by.is_some() && (start != 0 || end != items.len() as i64 - 1) {
            partial_sort(&mut items, &compare, start, end);
        } else {
            // glibc's qsort is a merge sort: stable, as this one.
            items.sort_by(compare);
        }
    }
    let picked = (end - start + 1).max(0) as u64;
    let output_len = picked * options.gets.len().max(1) as u64;
    if not_a_number {
        return Value::error("ERR One or more scores can't be converted into double");
    }
    let range = if picked == 0 {
        &items[..0]
    } else {
        &items[start as usize..=end as usize]
    };
    match options.store.clone() {
        None => sort_reply(ctx, range, &options.gets, output_len),
        Some(destination) => sort_store(ctx, range, &options.gets, output_len, &destination),
    }
}

/// The reply of SORT without STORE: the elements, or what each GET pattern finds for them.
fn sort_reply(ctx: &mut Ctx, items: &[SortItem], gets: &[Bytes], output_len: u64) -> Value {
    // At least three bytes per element (a RESP3 null): refuse what cannot fit before the
    // lookups, then check the whole reply once built.
    if !ctx.reply_fits(limits::reply_bytes(output_len, 3)) {
        return Value::Null;
    }
    let mut reply = Vec::with_capacity(output_len as usize);
    let mut bytes = 0;
    for item in items {
        if gets.is_empty() {
            bytes += limits::bulk_bytes(item.element.len());
            reply.push(Value::Bulk(item.element.clone()));
        }
        for pattern in gets {
            match lookup_by_pattern(ctx, pattern, &item.element) {
                Some(v) => {
                    bytes += limits::bulk_bytes(v.len());
                    reply.push(Value::Bulk(v));
                }
                None => {
                    bytes += 3;
                    reply.push(Value::Null);
                }
            }
        }
    }
    if !ctx.reply_fits(bytes) {
        return Value::Null;
    }
    Value::Array(reply)
}

/// SORT ... STORE: the result as a list at `destination` (missing GET values stored as empty
/// strings); an empty result deletes it.
fn sort_store(
    ctx: &mut Ctx,
    items: &[SortItem],
    gets: &[Bytes],
    output_len: u64,
    destination: &Bytes,
) -> Value {
    let needed = output_len.saturating_mul(std::mem::size_of::<Bytes>() as u64);
    let room = limits::memory_room();
    if needed > room {
        return Value::error(format!(
            "OOM command not allowed: the sorted list would need {}, more than the {} left under the embedded Redis's memory safety limit of {} (real Redis would go on allocating until the machine runs out of memory). Delete keys or FLUSHALL to go on.",
            limits::human_approx(needed),
            limits::human_approx(room),
            limits::human(limits::memory_limit())
        ));
    }
    let mut list = VecDeque::with_capacity(output_len as usize);
    for item in items {
        if gets.is_empty() {
            list.push_back(item.element.clone());
        }
        for pattern in gets {
            list.push_back(lookup_by_pattern(ctx, pattern, &item.element).unwrap_or_default());
        }
    }
    let db = ctx.db();
    if list.is_empty() {
        if db.remove(destination).is_some() {
            db.modified(EventClass::GENERIC, "del", destination);
        }
    } else {
        db.set(destination.clone(), Data::List(list));
        db.modified(EventClass::LIST, "sortstore", destination);
    }
    Value::Integer(output_len as i64)
}
