//! Reading requests off a client's input buffer: RESP multibulk and inline commands, with
//! Redis's own limits and protocol error texts.

use crate::resp::split_args;
use bytes::{Buf, Bytes, BytesMut};

/// Longest inline request, and longest multibulk header line (Redis's PROTO_INLINE_MAX_SIZE).
const INLINE_MAX: usize = 64 * 1024;
/// Most arguments in one multibulk request.
const MULTIBULK_MAX: i64 = 1024 * 1024;
/// Largest bulk argument (proto-max-bulk-len).
const BULK_MAX: i64 = 512 * 1024 * 1024;

/// Malformed input: the connection gets `-ERR Protocol error: <0>` and is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl ProtocolError {
    fn new(msg: impl Into<String>) -> Self {
        ProtocolError(msg.into())
    }

    /// The error reply Redis sends before closing.
    pub fn reply_text(&self) -> String {
        format!("ERR Protocol error: {}", self.0)
    }
}

/// Takes the next complete request off `buf`.
///
/// `Ok(None)` means more bytes are needed. Empty requests (a blank inline line, `*0`) are
/// skipped, as Redis does.
pub fn next_request(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    loop {
        if buf.is_empty() {
            return Ok(None);
        }
        let parsed = if buf[0] == b'*' {
            multibulk(buf)?
        } else {
            inline(buf)?
        };
        match parsed {
            Some(args) if args.is_empty() => continue,
            other => return Ok(other),
        }
    }
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        at += buf.get(at..)?.iter().position(|&b| b == b'\r')?;
        if buf.get(at + 1) == Some(&b'\n') {
            return Some(at);
        }
        at += 1;
    }
}

fn inline(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::new("too big inline request"));
        }
        return Ok(None);
    };
    let mut line = &buf[..nl];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    let args =
        split_args(line).ok_or_else(|| ProtocolError::new("unbalanced quotes in request"))?;
    buf.advance(nl + 1);
    Ok(Some(args.into_iter().map(Bytes::from).collect()))
}

/// Parses a decimal the way Redis's string2ll does for protocol lengths: an optional `-`,
/// digits, no `+`, no leading zeros, in range.
fn parse_len(digits: &[u8]) -> Option<i64> {
    let (negative, body) = match digits.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, digits),
    };
    if body.is_empty() || (body[0] == b'0' && digits.len() > 1) {
        return None;
    }
    let mut n: i64 = 0;
    for &d in body {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(if negative { -n } else { n })
}

fn multibulk(buf: &mut BytesMut) -> Result<Option<Vec<Bytes>>, ProtocolError> {
    let Some(end) = find_crlf(buf, 0) else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::new("too big mbulk count string"));
        }
        return Ok(None);
    };
    let count = match parse_len(&buf[1..end]) {
        Some(n) if n <= MULTIBULK_MAX => n,
        _ => return Err(ProtocolError::new("invalid multibulk length")),
    };
    if count <= 0 {
        buf.advance(end + 2);
        return Ok(Some(Vec::new()));
    }
    // Walk the arguments without consuming until the whole request is here (noting
    // nothing: the walk below takes them out, which spares an allocation per request).
    let mut pos = end + 2;
    for _ in 0..count {
        if pos >= buf.len() {
            return Ok(None);
        }
        if buf[pos] != b'$' {
            return Err(ProtocolError(format!(
                "expected '$', got '{}'",
                buf[pos] as char
            )));
        }
        let Some(line_end) = find_crlf(buf, pos) else {
            if buf.len() - pos > INLINE_MAX {
                return Err(ProtocolError::new("too big bulk count string"));
            }
            return Ok(None);
        };
        let len = match parse_len(&buf[pos + 1..line_end]) {
            Some(n) if (0..=BULK_MAX).contains(&n) => n as usize,
            _ => return Err(ProtocolError::new("invalid bulk length")),
        };
        let start = line_end + 2;
        if buf.len() < start + len + 2 {
            return Ok(None);
        }
        pos = start + len + 2;
    }
    let frame = buf.split_to(pos).freeze();
    let mut args = Vec::with_capacity(count as usize);
    let mut at = end + 2;
    while at < frame.len() {
        let line_end = find_crlf(&frame, at).expect("walked above");
        let len = parse_len(&frame[at + 1..line_end]).expect("walked above") as usize;
        let start = line_end + 2;
        args.push(frame.slice(start..start + len));
        at = start + len + 2;
    }
    Ok(Some(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Result<Vec<Vec<Bytes>>, ProtocolError> {
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(r) = next_request(&mut buf)? {
            out.push(r);
        }
        Ok(out)
    }

    #[test]
    fn reads_pipelined_multibulk_and_inline() {
        let reqs =
            parse_all(b"*1\r\n$4\r\nPING\r\nECHO \"a b\"\r\n\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
                .unwrap();
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[1], vec![Bytes::from("ECHO"), Bytes::from("a b")]);
        assert_eq!(reqs[2][1], Bytes::from("k"));
    }

    #[test]
    fn waits_for_a_whole_request() {
        let full = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
        for cut in 1..full.len() {
            let mut buf = BytesMut::from(&full[..cut]);
            assert_eq!(next_request(&mut buf), Ok(None), "cut at {cut}");
        }
    }

    #[test]
    fn reports_redis_protocol_errors() {
        let err = |input: &[u8]| parse_all(input).unwrap_err().reply_text();
        assert_eq!(
            err(b"*x\r\n"),
            "ERR Protocol error: invalid multibulk length"
        );
        assert_eq!(
            err(b"*1\r\n+PING\r\n"),
            "ERR Protocol error: expected '$', got '+'"
        );
        assert_eq!(
            err(b"*1\r\n$-5\r\n"),
            "ERR Protocol error: invalid bulk length"
        );
        assert_eq!(
            err(b"*1\r\n$999999999999\r\n"),
            "ERR Protocol error: invalid bulk length"
        );
        assert_eq!(
            err(b"GET \"k\r\n"),
            "ERR Protocol error: unbalanced quotes in request"
        );
        assert_eq!(
            err(&vec![b'a'; INLINE_MAX + 1]),
            "ERR Protocol error: too big inline request"
        );
    }
}
