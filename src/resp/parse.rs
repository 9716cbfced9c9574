//! An incremental parser for RESP2 and RESP3 replies, as a client reads them.

use super::Value;
use bytes::Bytes;

/// A reply stream that is not valid RESP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("protocol error: {0}")]
pub struct ParseError(pub String);

/// Parses one value from the start of `buf`.
///
/// Returns `Ok(None)` when `buf` holds only part of a value (read more and call again), or the
/// value and the number of bytes it took.
pub fn parse_value(buf: &[u8]) -> Result<Option<(Value, usize)>, ParseError> {
    let mut pos = 0;
    match parse_at(buf, &mut pos)? {
        Some(v) => Ok(Some((v, pos))),
        None => Ok(None),
    }
}

fn line<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let rest = &buf[*pos..];
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    *pos += end + 2;
    Some(&rest[..end])
}

fn int(line: &[u8]) -> Result<i64, ParseError> {
    std::str::from_utf8(line)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            ParseError(format!(
                "bad length or integer {:?}",
                String::from_utf8_lossy(line)
            ))
        })
}

fn parse_at(buf: &[u8], pos: &mut usize) -> Result<Option<Value>, ParseError> {
    let Some(&kind) = buf.get(*pos) else {
        return Ok(None);
    };
    *pos += 1;
    let Some(head) = line(buf, pos) else {
        return Ok(None);
    };
    let bytes = || Bytes::copy_from_slice(head);
    Ok(Some(match kind {
        b'+' => Value::Simple(bytes()),
        b'-' => Value::Error(bytes()),
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
            let numeric = matches!(s, "inf" | "-inf" | "nan" | "-nan") || s.parse::<f64>().is_ok();
            if !numeric {
                return Err(ParseError(format!("bad double {s:?}")));
            }
            Value::DoubleText(bytes())
        }
        b'(' => Value::BigNumber(bytes()),
        b'$' | b'=' | b'!' => {
            let n = int(head)?;
            if n < 0 {
                return Ok(Some(Value::Null));
            }
            let n = n as usize;
            if buf.len() < *pos + n + 2 {
                return Ok(None);
            }
            let body = Bytes::copy_from_slice(&buf[*pos..*pos + n]);
            if &buf[*pos + n..*pos + n + 2] != b"\r\n" {
                return Err(ParseError("bulk string not followed by CRLF".into()));
            }
            *pos += n + 2;
            match kind {
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
            }
        }
        b'*' | b'~' | b'>' => {
            let n = int(head)?;
            if n < 0 {
                return Ok(Some(Value::NullArray));
            }
            let mut items = Vec::with_capacity((n as usize).min(4096));
            for _ in 0..n {
                match parse_at(buf, pos)? {
                    Some(v) => items.push(v),
                    None => return Ok(None),
                }
            }
            match kind {
                b'*' => Value::Array(items),
                b'~' => Value::Set(items),
                _ => Value::Push(items),
            }
        }
        b'%' | b'|' => {
            let n = int(head)?;
            let mut pairs = Vec::with_capacity((n.max(0) as usize).min(4096));
            for _ in 0..n {
                let Some(k) = parse_at(buf, pos)? else {
                    return Ok(None);
                };
                let Some(v) = parse_at(buf, pos)? else {
                    return Ok(None);
                };
                pairs.push((k, v));
            }
            if kind == b'|' {
                // An attribute annotates the value that follows; we keep the value.
                return parse_at(buf, pos);
            }
            Value::Map(pairs)
        }
        other => {
            return Err(ParseError(format!(
                "unexpected type byte {:?}",
                other as char
            )));
        }
    }))
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
}
