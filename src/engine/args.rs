//! Argument parsing with Redis's exact rules, and the error replies commands share.

use crate::resp::Value;

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const SYNTAX: &str = "ERR syntax error";

pub fn wrongtype() -> Value {
    Value::error(WRONGTYPE)
}

pub fn not_integer() -> Value {
    Value::error(NOT_INTEGER)
}

pub fn not_float() -> Value {
    Value::error(NOT_FLOAT)
}

pub fn syntax_error() -> Value {
    Value::error(SYNTAX)
}

/// addReplyErrorArity: `command` is the lower-case full name (`get`, `client|kill`).
pub fn arity_error(command: &str) -> Value {
    Value::error(format!(
        "ERR wrong number of arguments for '{command}' command"
    ))
}

/// Redis's string2ll: optional `-`, digits, no `+`, no spaces, no leading zeros, in range.
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && (b.len() > 1) {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
}

/// Redis's float argument rules (strtod, then no leading space, no trailing bytes, not NaN).
pub fn parse_f64(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let v: f64 = match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        lower if lower.contains("nan") || lower.contains("inf") => return None,
        _ => s.parse().ok()?,
    };
    (!v.is_nan()).then_some(v)
}

/// The bytes C's string functions (strcasecmp, strchr, strcoll) see: up to the first NUL.
pub fn c_str(arg: &[u8]) -> &[u8] {
    arg.iter()
        .position(|&b| b == 0)
        .map_or(arg, |end| &arg[..end])
}

/// Redis's getDoubleFromObject: strtod over the whole argument, no leading space, not NaN,
/// and not out of range (overflow to infinity, underflow to zero).
pub fn parse_double(arg: &[u8]) -> Option<f64> {
    if arg.first().is_some_and(|c| c.is_ascii_whitespace()) {
        return None;
    }
    match strtod(arg)? {
        (v, false) if !v.is_nan() => Some(v),
        _ => None,
    }
}

/// C's strtod over the whole of `s` (decimal, hex, inf, nan); the flag reports ERANGE
/// (overflow to infinity, underflow to zero).
pub fn strtod(s: &[u8]) -> Option<(f64, bool)> {
    let (negative, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let sign = if negative { -1.0 } else { 1.0 };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some((sign * f64::INFINITY, false));
    }
    if body.eq_ignore_ascii_case(b"nan") {
        return Some((f64::NAN, false));
    }
    if body.len() > 2 && body[0] == b'0' && body[1].eq_ignore_ascii_case(&b'x') {
        let hex = std::str::from_utf8(&body[2..]).ok()?.to_ascii_lowercase();
        return parse_hex_float(&hex).map(|(v, erange)| (sign * v, erange));
    }
    if body.is_empty()
        || matches!(body[0], b'-' | b'+')
        || !body
            .iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
    {
        return None;
    }
    let value: f64 = std::str::from_utf8(body).ok()?.parse().ok()?;
    let mantissa_end = body
        .iter()
        .position(|c| c.eq_ignore_ascii_case(&b'e'))
        .unwrap_or(body.len());
    let underflow = value == 0.0
        && body[..mantissa_end]
            .iter()
            .any(|c| matches!(c, b'1'..=b'9'));
    Some((sign * value, value.is_infinite() || underflow))
}

/// A hexadecimal float body (after `0x`, in lower case): hex digits, an optional point, an
/// optional binary exponent (`p-3`); the flag reports ERANGE.
fn parse_hex_float(body: &str) -> Option<(f64, bool)> {
    let (digits, exponent) = match body.split_once('p') {
        Some((d, e)) => (d, e.parse::<i32>().ok()?),
        None => (body, 0),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut mantissa = 0.0f64;
    for c in int_part.chars().chain(frac_part.chars()) {
        mantissa = mantissa * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = exponent.saturating_sub(4 * i32::try_from(frac_part.len()).ok()?);
    // Scaled in steps: 2^-1074 (a subnormal) must not come out as 1 / 2^1074 = 1 / inf.
    let mut v = mantissa;
    while scale.abs() > 1000 && v != 0.0 && v.is_finite() {
        let step = scale.clamp(-1000, 1000);
        v *= 2f64.powi(step);
        scale -= step;
    }
    v *= 2f64.powi(scale);
    Some((v, v.is_infinite() || (v == 0.0 && mantissa != 0.0)))
}

/// The `count [WITH...]` arguments of HRANDFIELD (`withvalues`) and ZRANDMEMBER
/// (`withscores`), at `args[2..]`: the count and whether the keyword was given, or Redis's
/// error reply.
pub fn parse_random_count(args: &[bytes::Bytes], keyword: &[u8]) -> Result<(i64, bool), Value> {
    let count = match parse_i64(&args[2]) {
        None => return Err(not_integer()),
        Some(i64::MIN) => {
            return Err(Value::error(
                "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
            ));
        }
        Some(c) => c,
    };
    if args.len() > 4 || (args.len() == 4 && !args[3].eq_ignore_ascii_case(keyword)) {
        return Err(syntax_error());
    }
    let with = args.len() == 4;
    if with && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(Value::error("ERR value is out of range"));
    }
    Ok((count, with))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtod_reads_hex_floats_and_reports_erange() {
        assert_eq!(strtod(b"0x1.8p1"), Some((3.0, false)));
        assert_eq!(strtod(b"-0x10"), Some((-16.0, false)));
        assert_eq!(strtod(b"0x1p-1074"), Some((f64::from_bits(1), false)));
        assert_eq!(strtod(b"0x1p-1080"), Some((0.0, true)));
        assert_eq!(strtod(b"0x1p1024"), Some((f64::INFINITY, true)));
        assert_eq!(strtod(b"1e-400"), Some((0.0, true)));
        assert_eq!(parse_double(b"0x1p-1080"), None);
        assert_eq!(parse_double(b" 1"), None);
        assert_eq!(parse_double(b"nan"), None);
        assert_eq!(parse_double(b"-inf"), Some(f64::NEG_INFINITY));
    }

    #[test]
    fn integers_follow_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"1.0",
            b"9223372036854775808",
            b"abc",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn floats_follow_redis() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
        assert_eq!(parse_f64(b"1x"), None);
        assert_eq!(parse_f64(b""), None);
    }
}
