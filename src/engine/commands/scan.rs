//! The argument rules shared by SSCAN, HSCAN and ZSCAN: the cursor, MATCH and COUNT.

use crate::engine::args::{not_integer, parse_i64, syntax_error};
use crate::glob::glob_match;
use crate::resp::Value;
use bytes::Bytes;

/// A parsed `key cursor [MATCH pattern] [COUNT count]`.
pub struct ScanArgs<'a> {
    pub cursor: u64,
    pattern: Option<&'a [u8]>,
    pub count: usize,
}

/// Redis's parseScanCursorOrReply: C's strtoul (a sign is allowed, `-1` wraps), whole string.
pub fn parse_cursor(arg: &[u8]) -> Result<u64, Value> {
    let invalid = || Value::error("ERR invalid cursor");
    let (negative, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ => (false, arg),
    };
    if arg.is_empty() {
        return Ok(0);
    }
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(invalid());
    }
    let value: u64 = std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(invalid)?;
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// Parses the cursor and the options after it (`args` starts at the cursor).
pub fn parse_scan_args(args: &[Bytes]) -> Result<ScanArgs<'_>, Value> {
    let cursor = parse_cursor(&args[0])?;
    let mut scan = ScanArgs {
        cursor,
        pattern: None,
        count: 10,
    };
    let mut i = 1;
    while i < args.len() {
        let more = args.len() - i >= 2;
        if args[i].eq_ignore_ascii_case(b"count") && more {
            let count = parse_i64(&args[i + 1]).ok_or_else(not_integer)?;
            if count < 1 {
                return Err(syntax_error());
            }
            scan.count = count as usize;
        } else if args[i].eq_ignore_ascii_case(b"match") && more {
            let pattern = &args[i + 1][..];
            scan.pattern = (pattern != b"*").then_some(pattern);
        } else {
            return Err(syntax_error());
        }
        i += 2;
    }
    Ok(scan)
}

impl ScanArgs<'_> {
    /// True when `item` passes the MATCH filter.
    pub fn matches(&self, item: &[u8]) -> bool {
        self.pattern.is_none_or(|p| glob_match(p, item))
    }
}

/// The reply for one scan step: `[cursor, items]`.
pub fn scan_reply(cursor: u64, items: Vec<Value>) -> Value {
    Value::Array(vec![
        Value::Bulk(Bytes::from(cursor.to_string())),
        Value::Array(items),
    ])
}

/// The reply when the key does not exist.
pub fn empty_scan() -> Value {
    scan_reply(0, Vec::new())
}

impl ScanArgs<'_> {
    /// The positions of a `len`-element collection this call visits, and the next cursor. A
    /// compact encoding (listpack, intset) is returned whole with cursor 0, as Redis does.
    pub fn window(&self, len: usize, compact: bool) -> (std::ops::Range<usize>, u64) {
        if compact {
            return (0..len, 0);
        }
        let start = (self.cursor.min(len as u64)) as usize;
        let end = start.saturating_add(self.count).min(len);
        let next = if end >= len { 0 } else { end as u64 };
        (start..end, next)
    }
}
