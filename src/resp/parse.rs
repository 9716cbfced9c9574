//! An incremental parser for RESP2 and RESP3 replies, as a client reads them.
//!
//! The console and the grader read replies from any server a learner points them at, so the
//! parser trusts nothing a server announces: nesting is followed on a heap stack of bounded
//! depth (never the thread's stack), announced lengths are checked against [`ReplyLimits`]
//! and never allocated up front, and a reply read in many pieces is parsed once, not again
//! from its start on every read.

use super::Value;
use bytes::Bytes;

/// A reply stream that is not valid RESP, or a reply over the client's limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("protocol error: {0}")]
pub struct ParseError(pub String);

/// What a client accepts in one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyLimits {
    /// Aggregates inside aggregates. The engine stops a script's reply at 1000 levels; 1024
    /// leaves room for that while formatting and dropping a value stay far from the end of
    /// a thread's stack.
    pub max_depth: usize,
    /// One string's bytes: Redis's own largest (`proto-max-bulk-len`'s default, 512 MB).
    pub max_bulk: usize,
    /// Elements in the whole reply, nested ones included: 16 million, sixteen times a
    /// million-key `KEYS *` (each element costs the client about 60 bytes once parsed).
    pub max_elements: usize,
    /// Bytes of the whole reply: 1 GiB.
    pub max_bytes: usize,
}

impl Default for ReplyLimits {
    fn default() -> Self {
        ReplyLimits {
            max_depth: 1024,
            max_bulk: 512 * 1024 * 1024,
            max_elements: 16 * 1024 * 1024,
            max_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// Parses one value from the start of `buf`.
///
/// Returns `Ok(None)` when `buf` holds only part of a value (read more and call again), or the
/// value and the number of bytes it took. For a stream read piece by piece, [`Decoder`] does
/// not parse the same bytes twice.
pub fn parse_value(buf: &[u8]) -> Result<Option<(Value, usize)>, ParseError> {
    let mut decoder = Decoder::default();
    match decoder.feed(buf)? {
        (used, Some(value)) => Ok(Some((value, used))),
        (_, None) => Ok(None),
    }
}

/// An aggregate being filled.
#[derive(Debug)]
struct Frame {
    kind: u8,
    /// Values still to come (a map's pairs count twice).
    left: usize,
    items: Vec<Value>,
}

impl Frame {
    fn finish(self) -> Value {
        match self.kind {
            b'*' => Value::Array(self.items),
            b'~' => Value::Set(self.items),
            b'>' => Value::Push(self.items),
            _ => {
                let mut pairs = Vec::with_capacity(self.items.len() / 2);
                let mut items = self.items.into_iter();
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    pairs.push((k, v));
                }
                Value::Map(pairs)
            }
        }
    }
}

/// A reply parser that keeps its place between reads: what it has parsed is consumed, and
/// the aggregates still open wait on its own stack.
#[derive(Debug, Default)]
pub struct Decoder {
    limits: ReplyLimits,
    stack: Vec<Frame>,
    /// Elements and bytes of the reply being read, for the limits.
    elements: usize,
    bytes: usize,
}

fn find_crlf(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let at = from + buf.get(from..)?.iter().position(|&b| b == b'\r')?;
        if buf.get(at + 1) == Some(&b'\n') {
            return Some(at);
        }
        from = at + 1;
    }
}

fn int(line: &[u8]) -> Result<i64, ParseError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            ParseError(format!(
                "bad length or integer {:?}",
                String::from_utf8_lossy(&line[..line.len().min(64)])
            ))
        })
}

/// What one element of the stream is.
enum Item {
    Value(Value),
    Open(Frame),
    /// An attribute map: its pairs are read and dropped, then the value it annotates follows.
    Attribute(usize),
}

impl Decoder {
    /// A decoder with other limits than the defaults.
    pub fn with_limits(limits: ReplyLimits) -> Decoder {
        Decoder {
            limits,
            ..Decoder::default()
        }
    }

    /// Parses what it can of `buf`: returns how many bytes it used (the caller drops them
    /// before the next call) and the reply, once complete. An error leaves the stream
    /// unusable: the connection must be closed.
    pub fn feed(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>), ParseError> {
        let mut pos = 0;
        loop {
            let Some((item, used)) = self.item(&buf[pos..])? else {
                return Ok((pos, None));
            };
            pos += used;
            self.bytes += used;
            if self.bytes > self.limits.max_bytes {
                return Err(self.over("bytes", self.limits.max_bytes));
            }
            let mut value = match item {
                Item::Open(frame) if frame.left > 0 => {
                    self.open(frame)?;
                    continue;
                }
                Item::Open(frame) => frame.finish(),
                Item::Attribute(0) => continue,
                Item::Attribute(n) => {
                    // Read as a map whose value is dropped when complete.
                    self.open(Frame {
                        kind: b'|',
                        left: n,
                        items: Vec::new(),
                    })?;
                    continue;
                }
                Item::Value(value) => value,
            };
            // Hand the value to the aggregates it completes.
            loop {
                let Some(top) = self.stack.last_mut() else {
                    self.elements = 0;
                    self.bytes = 0;
                    return Ok((pos, Some(value)));
                };
                top.items.push(value);
                top.left -= 1;
                if top.left > 0 {
                    break;
                }
                let frame = self.stack.pop().expect("checked above");
                if frame.kind == b'|' {
                    break;
                }
                value = frame.finish();
            }
        }
    }

    fn over(&self, what: &str, limit: usize) -> ParseError {
        ParseError(format!(
            "the reply is over the client's limit of {limit} {what}"
        ))
    }

    fn open(&mut self, frame: Frame) -> Result<(), ParseError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(ParseError(format!(
                "the reply nests deeper than the client's limit of {} levels",
                self.limits.max_depth
            )));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Counts `n` announced elements against the limit.
    fn announce(&mut self, n: i64) -> Result<usize, ParseError> {
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        self.elements = self.elements.saturating_add(n);
        if self.elements > self.limits.max_elements {
            return Err(self.over("elements", self.limits.max_elements));
        }
        Ok(n)
    }

    /// The next element at the start of `buf` and the bytes it took; None if incomplete.
    fn item(&mut self, buf: &[u8]) -> Result<Option<(Item, usize)>, ParseError> {
        let Some(&kind) = buf.first() else {
            return Ok(None);
        };
        let Some(end) = find_crlf(&buf[1..]) else {
            if buf.len() > 64 * 1024 {
                return Err(ParseError("a reply line longer than 64 KB".into()));
            }
            return Ok(None);
        };
        let head = &buf[1..1 + end];
        let used = 1 + end + 2;
        let copy = || Bytes::copy_from_slice(head);
        let value = match kind {
            b'+' => Value::Simple(copy()),
            b'-' => Value::Error(copy()),
            b':' => Value::Integer(int(head)?),
            b'_' => Value::Null,
            b'#' => match head {
                b"t" => Value::Boolean(true),
                b"f" => Value::Boolean(false),
                _ => return Err(ParseError("bad boolean".into())),
            },
            b',' => {
                // Kept as the server wrote it: redis-cli prints a double's text as received.
                let s = std::str::from_utf8(head).map_err(|_| ParseError("bad double".into()))?;
                let numeric =
                    matches!(s, "inf" | "-inf" | "nan" | "-nan") || s.parse::<f64>().is_ok();
                if !numeric {
                    return Err(ParseError(format!("bad double {s:?}")));
                }
                Value::DoubleText(copy())
            }
            b'(' => Value::BigNumber(copy()),
            b'$' | b'=' | b'!' => {
                let n = int(head)?;
                if n < 0 {
                    return Ok(Some((Item::Value(Value::Null), used)));
                }
                if n as u64 > self.limits.max_bulk as u64 {
                    return Err(ParseError(format!(
                        "a string of {n} bytes is over the client's limit of {} bytes",
                        self.limits.max_bulk
                    )));
                }
                let n = n as usize;
                if buf.len() < used + n + 2 {
                    return Ok(None);
                }
                let body = Bytes::copy_from_slice(&buf[used..used + n]);
                if &buf[used + n..used + n + 2] != b"\r\n" {
                    return Err(ParseError("bulk string not followed by CRLF".into()));
                }
                let value = match kind {
                    b'$' => Value::Bulk(body),
                    b'!' => Value::Error(body),
                    _ => {
                        if body.len() < 4 || body[3] != b':' {
                            return Err(ParseError("bad verbatim string".into()));
                        }
                        Value::Verbatim {
                            format: body.slice(..3),
                            text: body.slice(4..),
                        }
                    }
                };
                return Ok(Some((Item::Value(value), used + n + 2)));
            }
            b'*' | b'~' | b'>' => {
                let n = int(head)?;
                if n < 0 {
                    return Ok(Some((Item::Value(Value::NullArray), used)));
                }
                let left = self.announce(n)?;
                let frame = Frame {
                    kind,
                    left,
                    items: Vec::with_capacity(left.min(1024)),
                };
                return Ok(Some((Item::Open(frame), used)));
            }
            b'%' | b'|' => {
                let n = int(head)?.max(0);
                let left = self.announce(n.saturating_mul(2))?;
                if kind == b'|' {
                    return Ok(Some((Item::Attribute(left), used)));
                }
                let frame = Frame {
                    kind,
                    left,
                    items: Vec::with_capacity(left.min(1024)),
                };
                return Ok(Some((Item::Open(frame), used)));
            }
            other => {
                return Err(ParseError(format!(
                    "unexpected type byte {:?}",
                    other as char
                )));
            }
        };
        Ok(Some((Item::Value(value), used)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_input_asks_for_more() {
        let full = b"*2\r\n$3\r\nfoo\r\n:12\r\n";
        for cut in 0..full.len() {
            assert_eq!(parse_value(&full[..cut]).unwrap(), None, "cut at {cut}");
        }
        let (v, used) = parse_value(full).unwrap().unwrap();
        assert_eq!(used, full.len());
        assert_eq!(
            v,
            Value::Array(vec![Value::bulk("foo"), Value::Integer(12)])
        );
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_value(b"?x\r\n").is_err());
        assert!(parse_value(b":abc\r\n").is_err());
    }

    /// The decoder keeps its place: fed a byte at a time, it parses each byte once and
    /// gives the same value as a whole parse.
    #[test]
    fn a_reply_fed_in_pieces_is_parsed_once() {
        let full = b">3\r\n%1\r\n+k\r\n~2\r\n:1\r\n#t\r\n|1\r\n+a\r\n:2\r\n,1.5\r\n$-1\r\n";
        let (whole, _) = parse_value(full).unwrap().unwrap();
        let mut decoder = Decoder::default();
        let mut input: Vec<u8> = Vec::new();
        let mut found = None;
        for &b in full.iter() {
            input.push(b);
            let (used, value) = decoder.feed(&input).unwrap();
            input.drain(..used);
            if value.is_some() {
                found = value;
            }
        }
        assert!(input.is_empty());
        assert_eq!(found, Some(whole.clone()));
        assert_eq!(
            whole,
            Value::Push(vec![
                Value::Map(vec![(
                    Value::simple("k"),
                    Value::Set(vec![Value::Integer(1), Value::Boolean(true)])
                )]),
                Value::DoubleText(Bytes::from_static(b"1.5")),
                Value::Null,
            ])
        );
    }

    /// A hostile server: nesting a million deep, announcing lengths it never sends, strings
    /// over the limit. Each is a clear error or a wait for more, never a stack overflow or an
    /// allocation of the announced size.
    #[test]
    fn hostile_replies_are_refused_clearly() {
        let deep = b"*1\r\n".repeat(1_000_000);
        let err = parse_value(&deep).unwrap_err();
        assert!(err.0.contains("deeper than"), "{err}");
        let err = parse_value(b"$99999999999\r\nabc").unwrap_err();
        assert!(err.0.contains("over the client's limit"), "{err}");
        let err = parse_value(b"*99999999999\r\n:1\r\n").unwrap_err();
        assert!(err.0.contains("elements"), "{err}");
        // Announced but not sent: a wait, with nothing allocated for the announcement.
        assert_eq!(parse_value(b"*16000000\r\n:1\r\n").unwrap(), None);
        assert_eq!(parse_value(b"$536870912\r\nabc").unwrap(), None);
        let tiny = ReplyLimits {
            max_bytes: 10,
            ..ReplyLimits::default()
        };
        let err = Decoder::with_limits(tiny)
            .feed(b"*3\r\n:1\r\n:2\r\n:3\r\n")
            .unwrap_err();
        assert!(err.0.contains("bytes"), "{err}");
    }

    /// The limits reset between replies: many small replies in a row are fine.
    #[test]
    fn limits_count_one_reply_at_a_time() {
        let tiny = ReplyLimits {
            max_elements: 3,
            ..ReplyLimits::default()
        };
        let mut decoder = Decoder::with_limits(tiny);
        let mut input = b"*3\r\n:1\r\n:2\r\n:3\r\n".repeat(5);
        for _ in 0..5 {
            let (used, value) = decoder.feed(&input).unwrap();
            input.drain(..used);
            assert!(value.is_some());
        }
    }

    /// As deep as the client accepts, a reply still formats and drops on a 2 MB thread stack.
    #[test]
    fn the_deepest_accepted_reply_is_safe_to_use() {
        let depth = ReplyLimits::default().max_depth;
        let mut raw = b"*1\r\n".repeat(depth);
        raw.extend_from_slice(b":1\r\n");
        std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let (value, _) = parse_value(&raw).unwrap().unwrap();
                let text = crate::console::format_reply(&value);
                assert!(text.ends_with("(integer) 1\n"), "{text}");
                let _ = value.to_bytes(crate::resp::Protocol::Resp3);
                drop(value);
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
