//! Printing replies exactly as redis-cli 7.0 does: the TTY layout (`--no-raw`, the default on a
//! terminal), the `--raw` layout, the commands whose replies are printed verbatim, client
//! tracking invalidations, and the timing line of slow commands.

use crate::resp::{Value, format_double};
use std::time::Duration;

/// Formats a reply as interactive redis-cli prints it, including the final newline.
///
/// Bytes that are not valid UTF-8 in unquoted text (status lines, errors, verbatim strings)
/// are shown as U+FFFD; bulk strings are always quoted and escaped, so they are exact.
pub fn format_reply(value: &Value) -> String {
    let mut out = Vec::new();
    write_tty(&mut out, value, "");
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats a reply as `redis-cli --raw` prints it: strings unquoted, integers bare, nil as an
/// empty line, one element a line, map pairs as `key value`, followed by a newline.
pub fn format_reply_raw(value: &Value) -> String {
    let mut out = Vec::new();
    write_raw(&mut out, value);
    out.push(b'\n');
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats a reply of a command that redis-cli prints verbatim (see [`prints_verbatim`]): the
/// raw form without the final newline, so INFO's text appears exactly as the server sent it.
pub fn format_reply_verbatim(value: &Value) -> String {
    let mut out = Vec::new();
    write_raw(&mut out, value);
    String::from_utf8_lossy(&out).into_owned()
}

/// Formats a reply to `args` as redis-cli does: verbatim for INFO-like commands, otherwise in
/// the TTY layout, or the raw layout when `raw` is set (`redis-cli --raw`).
pub fn format_command_reply(args: &[Vec<u8>], value: &Value, raw: bool) -> String {
    if prints_verbatim(args) {
        format_reply_verbatim(value)
    } else if raw {
        format_reply_raw(value)
    } else {
        format_reply(value)
    }
}

/// Formats a push message that arrives outside subscribed mode (RESP3), as redis-cli's push
/// handler prints it: in TTY mode client tracking invalidations as `-> invalidate: 'k1', 'k2'`
/// and anything else like a reply; with `raw`, like a raw reply.
pub fn format_push(value: &Value, raw: bool) -> String {
    if raw {
        return format_reply_raw(value);
    }
    if let Value::Push(items) = value
        && items.len() == 2
        && items[0].as_bytes() == Some(b"invalidate")
        && let Value::Array(keys) = &items[1]
    {
        let keys: Vec<String> = keys
            .iter()
            .map(|k| {
                format!(
                    "'{}'",
                    String::from_utf8_lossy(k.as_bytes().unwrap_or_default())
                )
            })
            .collect();
        return format!("-> invalidate: {}\n", keys.join(", "));
    }
    format_reply(value)
}

/// True for the commands whose reply redis-cli prints verbatim even in TTY mode: INFO, LOLWUT,
/// CLIENT LIST/INFO, CLUSTER NODES/INFO, MEMORY DOCTOR/MALLOC-STATS, LATENCY DOCTOR/GRAPH,
/// DEBUG HTSTATS/HTSTATS-KEY/CLIENT-EVICTION and PROXY INFO (the list in redis-cli.c).
pub fn prints_verbatim(args: &[Vec<u8>]) -> bool {
    let Some(command) = args.first() else {
        return false;
    };
    let is = |arg: &[u8], name: &str| arg.eq_ignore_ascii_case(name.as_bytes());
    let sub = |names: &[&str]| args.get(1).is_some_and(|a| names.iter().any(|n| is(a, n)));
    let argc = args.len();
    if is(command, "info") || is(command, "lolwut") {
        return true;
    }
    if argc >= 2 {
        if is(command, "debug") && sub(&["htstats", "htstats-key", "client-eviction"]) {
            return true;
        }
        if is(command, "memory") && sub(&["malloc-stats", "doctor"]) {
            return true;
        }
        if is(command, "client") && sub(&["list", "info"]) {
            return true;
        }
        if is(command, "proxy") && sub(&["info"]) {
            return true;
        }
    }
    if argc == 2 && is(command, "cluster") && sub(&["nodes", "info"]) {
        return true;
    }
    if argc == 3 && is(command, "latency") && sub(&["graph"]) {
        return true;
    }
    argc == 2 && is(command, "latency") && sub(&["doctor"])
}

/// The line redis-cli prints after a command (or a repeated command) that took 0.5 s or more:
/// `(0.64s)`, seconds with two decimals. None for faster commands.
pub fn format_elapsed(elapsed: Duration) -> Option<String> {
    let millis = elapsed.as_millis();
    (millis >= 500).then(|| format!("({:.2}s)", millis as f64 / 1000.0))
}

/// Appends `bytes` quoted the way redis-cli shows bulk strings (sdscatrepr).
pub fn quote_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for &b in bytes {
        match b {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', b]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// cliFormatReplyTTY: `prefix` is the indentation of the lines after the first.
fn write_tty(out: &mut Vec<u8>, value: &Value, prefix: &str) {
    match value {
        Value::Error(message) => {
            out.extend_from_slice(b"(error) ");
            out.extend_from_slice(message);
            out.push(b'\n');
        }
        Value::Simple(text) | Value::Verbatim { text, .. } => {
            out.extend_from_slice(text);
            out.push(b'\n');
        }
        Value::Integer(n) => out.extend_from_slice(format!("(integer) {n}\n").as_bytes()),
        Value::Double(d) => {
            out.extend_from_slice(format!("(double) {}\n", format_double(*d)).as_bytes())
        }
        Value::DoubleText(text) => {
            out.extend_from_slice(b"(double) ");
            out.extend_from_slice(text);
            out.push(b'\n');
        }
        Value::BigNumber(digits) => {
            out.extend_from_slice(b"(big number) ");
            out.extend_from_slice(digits);
            out.push(b'\n');
        }
        Value::Bulk(bytes) => {
            quote_bytes(out, bytes);
            out.push(b'\n');
        }
        Value::Null | Value::NullArray => out.extend_from_slice(b"(nil)\n"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"(true)\n" } else { b"(false)\n" }),
        Value::Array(items) => write_tty_list(out, items, ')', "(empty array)", prefix),
        Value::Set(items) => write_tty_list(out, items, '~', "(empty set)", prefix),
        Value::Push(items) => write_tty_list(out, items, ')', "(empty push)", prefix),
        Value::Map(pairs) => write_tty_map(out, pairs, prefix),
    }
}

/// Digits of the widest index, and the indentation for the elements' continuation lines.
fn index_layout(count: usize, prefix: &str) -> (usize, String) {
    let width = count.to_string().len();
    (width, format!("{prefix}{}", " ".repeat(width + 2)))
}

fn write_tty_list(out: &mut Vec<u8>, items: &[Value], sep: char, empty: &str, prefix: &str) {
    if items.is_empty() {
        out.extend_from_slice(empty.as_bytes());
        out.push(b'\n');
        return;
    }
    let (width, inner) = index_layout(items.len(), prefix);
    for (i, item) in items.iter().enumerate() {
        let lead = if i == 0 { "" } else { prefix };
        out.extend_from_slice(format!("{lead}{:>width$}{sep} ", i + 1).as_bytes());
        write_tty(out, item, &inner);
    }
}

fn write_tty_map(out: &mut Vec<u8>, pairs: &[(Value, Value)], prefix: &str) {
    if pairs.is_empty() {
        out.extend_from_slice(b"(empty hash)\n");
        return;
    }
    let (width, inner) = index_layout(pairs.len(), prefix);
    for (i, (key, value)) in pairs.iter().enumerate() {
        let lead = if i == 0 { "" } else { prefix };
        out.extend_from_slice(format!("{lead}{:>width$}# ", i + 1).as_bytes());
        write_tty(out, key, &inner);
        out.pop();
        out.extend_from_slice(b" => ");
        let mut formatted = Vec::new();
        write_tty(&mut formatted, value, &inner);
        // A value that spans several lines starts on its own line, indented like the rest.
        if formatted.iter().filter(|&&b| b == b'\n').count() > 1 {
            out.push(b'\n');
            out.extend_from_slice(inner.as_bytes());
        }
        out.extend_from_slice(&formatted);
    }
}

/// cliFormatReplyRaw (without the final delimiter).
fn write_raw(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null | Value::NullArray => {}
        Value::Error(message) => {
            out.extend_from_slice(message);
            out.push(b'\n');
        }
        Value::Simple(text) | Value::Bulk(text) | Value::Verbatim { text, .. } => {
            out.extend_from_slice(text)
        }
        Value::BigNumber(digits) => out.extend_from_slice(digits),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"(true)" } else { b"(false)" }),
        Value::Integer(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::Double(d) => out.extend_from_slice(format_double(*d).as_bytes()),
        Value::DoubleText(text) => out.extend_from_slice(text),
        Value::Array(items) | Value::Set(items) | Value::Push(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                write_raw(out, item);
            }
        }
        Value::Map(pairs) => {
            for (i, (key, value)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(b'\n');
                }
                write_raw(out, key);
                out.push(b' ');
                write_raw(out, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn bulk(s: &str) -> Value {
        Value::bulk(s.to_string())
    }

    #[test]
    fn nested_arrays_indent_by_the_parent_prefix() {
        let v = Value::Array(vec![
            Value::Integer(1),
            Value::Array(vec![
                Value::Integer(2),
                Value::Array(vec![bulk("x"), bulk("y")]),
            ]),
            bulk("z"),
        ]);
        let expected =
            "1) (integer) 1\n2) 1) (integer) 2\n   2) 1) \"x\"\n      2) \"y\"\n3) \"z\"\n";
        assert_eq!(format_reply(&v), expected);
    }

    #[test]
    fn big_numbers_and_empty_pushes() {
        let big = Value::BigNumber(Bytes::from_static(b"1234567999999999999999999999999999999"));
        assert_eq!(
            format_reply(&big),
            "(big number) 1234567999999999999999999999999999999\n"
        );
        assert_eq!(
            format_reply_raw(&big),
            "1234567999999999999999999999999999999\n"
        );
        assert_eq!(format_reply(&Value::Push(vec![])), "(empty push)\n");
    }

    #[test]
    fn pushes_are_numbered_like_arrays() {
        let push = Value::Push(vec![bulk("server-cpu-usage"), Value::Integer(42)]);
        assert_eq!(
            format_push(&push, false),
            "1) \"server-cpu-usage\"\n2) (integer) 42\n"
        );
        assert_eq!(format_push(&push, true), "server-cpu-usage\n42\n");
    }

    #[test]
    fn invalidations_print_their_keys() {
        let push = Value::Push(vec![
            bulk("invalidate"),
            Value::Array(vec![bulk("a"), bulk("b")]),
        ]);
        assert_eq!(format_push(&push, false), "-> invalidate: 'a', 'b'\n");
    }

    #[test]
    fn verbatim_commands_follow_redis_cli_list() {
        let args = |s: &str| {
            s.split(' ')
                .map(|a| a.as_bytes().to_vec())
                .collect::<Vec<_>>()
        };
        for yes in [
            "INFO",
            "info memory",
            "CLIENT LIST",
            "client info",
            "CLUSTER NODES",
            "MEMORY DOCTOR",
            "LATENCY DOCTOR",
            "LATENCY GRAPH command",
            "LOLWUT",
        ] {
            assert!(prints_verbatim(&args(yes)), "{yes} should print verbatim");
        }
        for no in [
            "GET k",
            "CLIENT ID",
            "CLUSTER NODES x",
            "LATENCY LATEST",
            "MEMORY USAGE k",
            "LATENCY GRAPH",
        ] {
            assert!(!prints_verbatim(&args(no)), "{no} should be formatted");
        }
    }

    #[test]
    fn slow_commands_get_a_timing_line() {
        assert_eq!(format_elapsed(Duration::from_millis(499)), None);
        assert_eq!(
            format_elapsed(Duration::from_millis(500)).as_deref(),
            Some("(0.50s)")
        );
        assert_eq!(
            format_elapsed(Duration::from_millis(640)).as_deref(),
            Some("(0.64s)")
        );
        assert_eq!(
            format_elapsed(Duration::from_millis(12_340)).as_deref(),
            Some("(12.34s)")
        );
    }
}
