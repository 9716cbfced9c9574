//! Replies rendered as redis-cli prints them on a terminal, the form exercise checks compare.

use crate::resp::{Value, format_double};

/// The redis-cli rendering of a reply (multi-line for arrays, without a trailing newline).
pub fn render(value: &Value) -> String {
    let mut lines = Vec::new();
    render_into(value, &mut lines);
    lines.join("\n")
}

/// A bulk string as redis-cli quotes it: `"a\"b\n\xe4"`.
pub fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b' '..=b'~' => out.push(b as char),
            other => out.push_str(&format!("\\x{other:02x}")),
        }
    }
    out.push('"');
    out
}

fn render_into(value: &Value, lines: &mut Vec<String>) {
    match value {
        Value::Simple(s) => lines.push(String::from_utf8_lossy(s).into_owned()),
        Value::Error(e) => lines.push(format!("(error) {}", String::from_utf8_lossy(e))),
        Value::Integer(i) => lines.push(format!("(integer) {i}")),
        Value::Bulk(b) => lines.push(quote(b)),
        Value::Null | Value::NullArray => lines.push("(nil)".into()),
        Value::Double(d) => lines.push(format!("(double) {}", format_double(*d))),
        Value::Boolean(b) => lines.push(if *b { "(true)" } else { "(false)" }.into()),
        Value::Verbatim { text, .. } => lines.push(String::from_utf8_lossy(text).into_owned()),
        Value::BigNumber(n) => lines.push(format!("(big number) {}", String::from_utf8_lossy(n))),
        Value::Array(items) => aggregate(items.iter().map(Item::One), ")", "(empty array)", lines),
        Value::Set(items) => aggregate(items.iter().map(Item::One), "~", "(empty set)", lines),
        Value::Push(items) => aggregate(items.iter().map(Item::One), ")", "(empty push)", lines),
        Value::Map(pairs) => aggregate(
            pairs.iter().map(|(k, v)| Item::Pair(k, v)),
            "#",
            "(empty hash)",
            lines,
        ),
    }
}

enum Item<'a> {
    One(&'a Value),
    Pair(&'a Value, &'a Value),
}

fn aggregate<'a>(
    items: impl ExactSizeIterator<Item = Item<'a>>,
    marker: &str,
    empty: &str,
    lines: &mut Vec<String>,
) {
    let count = items.len();
    if count == 0 {
        lines.push(empty.into());
        return;
    }
    let width = count.to_string().len();
    for (i, item) in items.enumerate() {
        let prefix = format!("{:>width$}{marker} ", i + 1);
        let indent = " ".repeat(prefix.len());
        let mut inner = Vec::new();
        match item {
            Item::One(v) => render_into(v, &mut inner),
            Item::Pair(k, v) => {
                let mut key = Vec::new();
                render_into(k, &mut key);
                let mut val = Vec::new();
                render_into(v, &mut val);
                let head = format!("{} => ", key.join(" "));
                if val.len() == 1 {
                    inner.push(format!("{head}{}", val[0]));
                } else {
                    inner.push(head.trim_end().to_string());
                    inner.extend(val);
                }
            }
        }
        for (j, line) in inner.into_iter().enumerate() {
            if j == 0 {
                lines.push(format!("{prefix}{line}"));
            } else {
                lines.push(format!("{indent}{line}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_redis_cli() {
        assert_eq!(render(&Value::ok()), "OK");
        assert_eq!(render(&Value::Null), "(nil)");
        assert_eq!(render(&Value::Integer(-1)), "(integer) -1");
        assert_eq!(
            render(&Value::bulk("a\"b\n\u{4f60}")),
            r#""a\"b\n\xe4\xbd\xa0""#
        );
        assert_eq!(
            render(&Value::error(
                "WRONGTYPE Operation against a key holding the wrong kind of value"
            )),
            "(error) WRONGTYPE Operation against a key holding the wrong kind of value"
        );
        assert_eq!(render(&Value::Array(vec![])), "(empty array)");
        let nested = Value::Array(vec![
            Value::Integer(1),
            Value::Array(vec![
                Value::Integer(2),
                Value::Array(vec![Value::bulk("x"), Value::bulk("y")]),
            ]),
            Value::bulk("z"),
        ]);
        assert_eq!(
            render(&nested),
            "1) (integer) 1\n2) 1) (integer) 2\n   2) 1) \"x\"\n      2) \"y\"\n3) \"z\""
        );
        let ten = Value::Array((1..=10).map(Value::Integer).collect());
        assert!(render(&ten).starts_with(" 1) (integer) 1\n"));
        assert!(render(&ten).ends_with("\n10) (integer) 10"));
    }
}
