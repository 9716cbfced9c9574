//! RESP2/RESP3 values: one `Value` type for what the engine replies, what clients parse,
//! what the console prints and what the tests compare.

mod double;
mod parse;
mod split;

pub use double::{format_double, format_g};
pub use parse::{Decoder, ParseError, ReplyLimits, parse_value};
pub use split::split_args;

use bytes::{BufMut, Bytes, BytesMut};

/// The protocol a connection speaks (HELLO 2 / HELLO 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    #[default]
    Resp2,
    Resp3,
}

impl Protocol {
    /// The number HELLO and CLIENT INFO report.
    pub fn version(self) -> i64 {
        match self {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        }
    }
}

/// A reply (or a request) in the RESP data model.
///
/// RESP3-only types degrade to their RESP2 forms when encoded for a RESP2 client, exactly as
/// Redis does (maps flatten to arrays, doubles become bulk strings, booleans integers).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `+OK`
    Simple(Bytes),
    /// `-ERR ...`: the full message including its code.
    Error(Bytes),
    Integer(i64),
    Bulk(Bytes),
    /// A null bulk string (`$-1` in RESP2, `_` in RESP3).
    Null,
    /// A null array (`*-1` in RESP2, `_` in RESP3), e.g. BLPOP timing out.
    NullArray,
    Array(Vec<Value>),
    Map(Vec<(Value, Value)>),
    Set(Vec<Value>),
    Double(f64),
    /// A double as text: what the engine formats itself (GEOPOS's `%.17Lf` form) and what the
    /// parser gives for a RESP3 double, so that it prints exactly as the server wrote it.
    /// A RESP3 double, or a bulk string in RESP2.
    DoubleText(Bytes),
    Boolean(bool),
    Verbatim {
        format: Bytes,
        text: Bytes,
    },
    BigNumber(Bytes),
    Push(Vec<Value>),
}

impl Value {
    pub fn ok() -> Value {
        Value::Simple(Bytes::from_static(b"OK"))
    }

    pub fn simple(s: &'static str) -> Value {
        Value::Simple(Bytes::from_static(s.as_bytes()))
    }

    /// An error reply; `msg` includes the code (`ERR ...`, `WRONGTYPE ...`).
    pub fn error(msg: impl Into<String>) -> Value {
        Value::Error(Bytes::from(msg.into()))
    }

    pub fn bulk(b: impl Into<Bytes>) -> Value {
        Value::Bulk(b.into())
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Value::Error(_))
    }

    /// The bytes of a string-like value (simple, bulk, verbatim, error, big number).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Simple(b)
            | Value::Bulk(b)
            | Value::Error(b)
            | Value::BigNumber(b)
            | Value::DoubleText(b) => Some(b),
            Value::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Encodes a request: an array of bulk strings.
    pub fn encode_request<A: AsRef<[u8]>>(args: &[A], out: &mut BytesMut) {
        put_header(out, b'*', args.len() as i64);
        for a in args {
            put_bulk(out, a.as_ref());
        }
    }

    /// Serializes the value for a client speaking `proto`.
    pub fn encode(&self, proto: Protocol, out: &mut BytesMut) {
        let resp3 = proto == Protocol::Resp3;
        match self {
            Value::Simple(s) => put_line(out, b'+', s),
            Value::Error(e) => put_line(out, b'-', e),
            Value::Integer(i) => put_header(out, b':', *i),
            Value::Bulk(b) => put_bulk(out, b),
            Value::Null if resp3 => out.put_slice(b"_\r\n"),
            Value::NullArray if resp3 => out.put_slice(b"_\r\n"),
            Value::Null => out.put_slice(b"$-1\r\n"),
            Value::NullArray => out.put_slice(b"*-1\r\n"),
            Value::Array(items) => put_aggregate(out, b'*', items, proto),
            Value::Set(items) => put_aggregate(out, if resp3 { b'~' } else { b'*' }, items, proto),
            Value::Push(items) => put_aggregate(out, if resp3 { b'>' } else { b'*' }, items, proto),
            Value::Map(pairs) => {
                if resp3 {
                    put_header(out, b'%', pairs.len() as i64);
                } else {
                    put_header(out, b'*', 2 * pairs.len() as i64);
                }
                for (k, v) in pairs {
                    k.encode(proto, out);
                    v.encode(proto, out);
                }
            }
            Value::Double(d) if resp3 => put_line(out, b',', format_double(*d).as_bytes()),
            Value::Double(d) => put_bulk(out, format_double(*d).as_bytes()),
            Value::DoubleText(t) if resp3 => put_line(out, b',', t),
            Value::DoubleText(t) => put_bulk(out, t),
            Value::Boolean(b) if resp3 => out.put_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Value::Boolean(b) => put_header(out, b':', *b as i64),
            Value::Verbatim { format, text } if resp3 => {
                put_header(out, b'=', (format.len() + 1 + text.len()) as i64);
                out.put_slice(format);
                out.put_u8(b':');
                out.put_slice(text);
                out.put_slice(b"\r\n");
            }
            Value::Verbatim { text, .. } => put_bulk(out, text),
            Value::BigNumber(n) if resp3 => put_line(out, b'(', n),
            Value::BigNumber(n) => put_bulk(out, n),
        }
    }

    /// How many bytes `encode` would write for a client speaking `proto`, found without
    /// writing them: what the engine checks against a client's output-buffer limit before a
    /// reply is encoded.
    pub fn encoded_len(&self, proto: Protocol) -> u64 {
        let resp3 = proto == Protocol::Resp3;
        let line = |body: usize| body as u64 + 3;
        let header = |n: usize| line(digit_count(n as u64));
        let bulk = |len: usize| header(len) + len as u64 + 2;
        match self {
            Value::Simple(s) | Value::Error(s) => line(s.len()),
            Value::Integer(i) => line(usize::from(*i < 0) + digit_count(i.unsigned_abs())),
            Value::Bulk(b) => bulk(b.len()),
            Value::Null | Value::NullArray => {
                if resp3 {
                    3
                } else {
                    5
                }
            }
            Value::Array(items) | Value::Set(items) | Value::Push(items) => {
                header(items.len()) + items.iter().map(|v| v.encoded_len(proto)).sum::<u64>()
            }
            Value::Map(pairs) => {
                let n = if resp3 { pairs.len() } else { 2 * pairs.len() };
                header(n)
                    + pairs
                        .iter()
                        .map(|(k, v)| k.encoded_len(proto) + v.encoded_len(proto))
                        .sum::<u64>()
            }
            Value::Double(d) => {
                let text = format_double(*d).len();
                if resp3 { line(text) } else { bulk(text) }
            }
            Value::DoubleText(t) => {
                if resp3 {
                    line(t.len())
                } else {
                    bulk(t.len())
                }
            }
            Value::Boolean(_) => {
                if resp3 {
                    4
                } else {
                    line(1)
                }
            }
            Value::Verbatim { format, text } => {
                if resp3 {
                    bulk(format.len() + 1 + text.len())
                } else {
                    bulk(text.len())
                }
            }
            Value::BigNumber(n) => {
                if resp3 {
                    line(n.len())
                } else {
                    bulk(n.len())
                }
            }
        }
    }

    /// The encoded bytes, for tests and one-off writes.
    pub fn to_bytes(&self, proto: Protocol) -> Vec<u8> {
        let mut out = BytesMut::new();
        self.encode(proto, &mut out);
        out.to_vec()
    }
}

fn put_line(out: &mut BytesMut, prefix: u8, body: &[u8]) {
    out.reserve(body.len() + 3);
    out.put_u8(prefix);
    out.put_slice(body);
    out.put_slice(b"\r\n");
}

/// `<prefix><n>\r\n`, copied in one piece: replies are mostly these lines.
fn put_header(out: &mut BytesMut, prefix: u8, n: i64) {
    let digits = Digits::of(n);
    let digits = digits.as_bytes();
    let mut line = [0u8; 23];
    let len = digits.len();
    line[0] = prefix;
    line[1..=len].copy_from_slice(digits);
    line[len + 1..len + 3].copy_from_slice(b"\r\n");
    out.extend_from_slice(&line[..len + 3]);
}

fn put_bulk(out: &mut BytesMut, b: &[u8]) {
    out.reserve(b.len() + 25);
    put_header(out, b'$', b.len() as i64);
    out.put_slice(b);
    out.put_slice(b"\r\n");
}

fn put_aggregate(out: &mut BytesMut, prefix: u8, items: &[Value], proto: Protocol) {
    put_header(out, prefix, items.len() as i64);
    for v in items {
        v.encode(proto, out);
    }
}

/// How many decimal digits `n` has.
fn digit_count(n: u64) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}

/// "00" to "99": two digits at a time halves the divisions.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The decimal digits of an integer in a stack buffer, formatted without `fmt`.
pub struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    pub fn of(n: i64) -> Digits {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut m = n.unsigned_abs();
        while m >= 100 {
            let pair = (m % 100) as usize * 2;
            m /= 100;
            i -= 2;
            buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        }
        if m >= 10 {
            let pair = m as usize * 2;
            i -= 2;
            buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[pair..pair + 2]);
        } else {
            i -= 1;
            buf[i] = b'0' + m as u8;
        }
        if n < 0 {
            i -= 1;
            buf[i] = b'-';
        }
        Digits { buf, start: i }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp2_degrades_resp3_types() {
        let map = Value::Map(vec![(Value::bulk("a"), Value::Integer(1))]);
        assert_eq!(map.to_bytes(Protocol::Resp2), b"*2\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(map.to_bytes(Protocol::Resp3), b"%1\r\n$1\r\na\r\n:1\r\n");
        assert_eq!(
            Value::Double(1.5).to_bytes(Protocol::Resp2),
            b"$3\r\n1.5\r\n"
        );
        assert_eq!(Value::Double(1e20).to_bytes(Protocol::Resp3), b",1e+20\r\n");
        assert_eq!(Value::NullArray.to_bytes(Protocol::Resp2), b"*-1\r\n");
        assert_eq!(Value::Null.to_bytes(Protocol::Resp3), b"_\r\n");
        assert_eq!(
            Value::Integer(i64::MIN).to_bytes(Protocol::Resp2),
            b":-9223372036854775808\r\n"
        );
    }

    #[test]
    fn digits_are_what_display_writes() {
        let mut samples = vec![i64::MIN, i64::MAX, i64::MIN + 1, 0, -1];
        let mut p: i64 = 1;
        while let Some(next) = p.checked_mul(10) {
            samples.extend([p - 1, p, p + 1, -p, -(p - 1), -(p + 1)]);
            p = next;
        }
        samples.extend([p - 1, p, -p]);
        for n in samples {
            let digits = Digits::of(n);
            assert_eq!(digits.as_bytes(), n.to_string().as_bytes(), "{n}");
            let integer = Value::Integer(n);
            assert_eq!(
                integer.encoded_len(Protocol::Resp2),
                integer.to_bytes(Protocol::Resp2).len() as u64,
                "{n}"
            );
        }
    }

    /// `encoded_len` agrees with `encode` for every kind of value, in both protocols.
    #[test]
    fn encoded_len_is_what_encode_writes() {
        let v = Value::Array(vec![
            Value::Map(vec![(Value::bulk("k"), Value::Double(1.5))]),
            Value::Set(vec![Value::Integer(-12), Value::Boolean(true)]),
            Value::DoubleText(Bytes::from_static(b"-0.25")),
            Value::Verbatim {
                format: Bytes::from_static(b"txt"),
                text: Bytes::from_static(b"hi"),
            },
            Value::BigNumber(Bytes::from_static(b"1234567890123")),
            Value::Push(vec![Value::Null, Value::NullArray]),
            Value::error("ERR x"),
            Value::ok(),
            Value::bulk(vec![b'x'; 12345]),
            Value::Array(Vec::new()),
        ]);
        for proto in [Protocol::Resp2, Protocol::Resp3] {
            assert_eq!(
                v.encoded_len(proto),
                v.to_bytes(proto).len() as u64,
                "{proto:?}"
            );
        }
    }

    #[test]
    fn round_trips_through_the_parser() {
        let v = Value::Array(vec![
            Value::Set(vec![Value::bulk("x")]),
            Value::Boolean(true),
            Value::DoubleText(Bytes::from_static(b"-0.25")),
            Value::Verbatim {
                format: Bytes::from_static(b"txt"),
                text: Bytes::from_static(b"hi"),
            },
            Value::BigNumber(Bytes::from_static(b"123456789012345678901234567890")),
            Value::Push(vec![Value::Null]),
            Value::error("ERR x"),
        ]);
        let bytes = v.to_bytes(Protocol::Resp3);
        let (parsed, used) = parse_value(&bytes).unwrap().unwrap();
        assert_eq!(used, bytes.len());
        assert_eq!(parsed, v);
    }
}
