//! The pieces of Redis's RDB serialization (rdb.c, cluster.c) that DUMP payloads are made
//! of: lengths, strings (integer-encoded, LZF-compressed or verbatim) and the payload
//! footer (the RDB version and a CRC-64). FUNCTION DUMP and FUNCTION RESTORE use them;
//! DUMP and RESTORE of keys would build on the same pieces.
//!
//! Reading treats the bytes as hostile: every length is checked against what is left
//! before anything is allocated for it.

pub mod crc64;
pub mod lzf;

use crc64::crc64;

/// RDB_VERSION of Redis 7.0: the newest version a payload may carry.
pub const RDB_VERSION: u16 = 10;

/// RDB_OPCODE_FUNCTION2: a function library (its code, shebang included) follows.
pub const OPCODE_FUNCTION2: u8 = 245;

/// RDB_OPCODE_FUNCTION_PRE_GA: a library as 7.0's release candidates saved it (name,
/// engine, description, code without the shebang).
pub const OPCODE_FUNCTION_PRE_GA: u8 = 246;

/// The first byte of a 32-bit length (RDB_32BITLEN), then the length big-endian.
const LEN_32BIT: u8 = 0x80;
/// The first byte of a 64-bit length (RDB_64BITLEN), then the length big-endian.
const LEN_64BIT: u8 = 0x81;
/// The top two bits of a first byte whose low six bits name a string encoding
/// (RDB_ENCVAL) rather than a length.
const ENCODED: u8 = 3;
/// String encodings (RDB_ENC_*): an 8, 16 or 32-bit integer, little-endian, or LZF.
const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

/// The footer's size: two bytes of RDB version, eight of CRC-64.
pub const FOOTER_LEN: usize = 10;

/// rdbSaveLen.
pub fn save_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.extend_from_slice(&[0x40 | (len >> 8) as u8, len as u8]);
    } else if let Ok(len) = u32::try_from(len) {
        out.push(LEN_32BIT);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(LEN_64BIT);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// rdbSaveRawString: a string that reads back as an integer (at most 11 bytes) as that
/// integer; one longer than 20 bytes LZF-compressed when `compress` (`rdbcompression`)
/// and compression saves at least four bytes; otherwise its length and its bytes.
pub fn save_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11
        && let Some(value) = integer_value(s)
    {
        save_integer(out, value);
        return;
    }
    // rdbSaveLzfStringObject (even 20 equal bytes would not compress).
    if compress
        && s.len() > 20
        && let Some(packed) = lzf::compress(s, s.len() - 4)
    {
        out.push(ENCODED << 6 | ENC_LZF);
        save_len(out, packed.len() as u64);
        save_len(out, s.len() as u64);
        out.extend_from_slice(&packed);
        return;
    }
    save_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// rdbTryIntegerEncoding's test: the string is an integer written as Redis writes it (no
/// sign but `-`, no leading zero or space), within 32 bits.
fn integer_value(s: &[u8]) -> Option<i32> {
    let value: i64 = std::str::from_utf8(s).ok()?.parse().ok()?;
    if value.to_string().as_bytes() != s {
        return None;
    }
    i32::try_from(value).ok()
}

/// rdbEncodeInteger: the smallest of the three integer encodings.
fn save_integer(out: &mut Vec<u8>, value: i32) {
    if let Ok(v) = i8::try_from(value) {
        out.extend_from_slice(&[ENCODED << 6 | ENC_INT8, v as u8]);
    } else if let Ok(v) = i16::try_from(value) {
        out.push(ENCODED << 6 | ENC_INT16);
        out.extend_from_slice(&v.to_le_bytes());
    } else {
        out.push(ENCODED << 6 | ENC_INT32);
        out.extend_from_slice(&value.to_le_bytes());
    }
}

/// createDumpPayload's footer: the RDB version and the CRC-64 of everything before the
/// checksum, both little-endian.
pub fn finish_dump_payload(payload: &mut Vec<u8>) {
    payload.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, payload);
    payload.extend_from_slice(&crc.to_le_bytes());
}

/// verifyDumpPayload: the payload's RDB version when it has a footer, a version this
/// server reads (older ones included) and a matching CRC-64.
pub fn verify_dump_payload(payload: &[u8]) -> Option<u16> {
    let footer = payload.len().checked_sub(FOOTER_LEN)?;
    let version = u16::from_le_bytes([payload[footer], payload[footer + 1]]);
    if version > RDB_VERSION {
        return None;
    }
    let crc = crc64(0, &payload[..footer + 2]);
    (crc.to_le_bytes() == payload[footer + 2..]).then_some(version)
}

/// A length, or the string encoding a first byte names instead (rdbLoadLenByRef).
enum Length {
    Plain(u64),
    Encoding(u8),
}

/// Reads RDB values from a buffer (a rio over memory); every read answers None when the
/// bytes run out or are not what the format allows.
pub struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, at: 0 }
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.at
    }

    /// The next `n` bytes.
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.remaining() {
            return None;
        }
        let bytes = &self.data[self.at..self.at + n];
        self.at += n;
        Some(bytes)
    }

    /// The next `N` bytes, as an array.
    fn take_array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    /// rdbLoadType: one byte.
    pub fn read_type(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// rdbLoadLenByRef.
    fn read_length(&mut self) -> Option<Length> {
        let first = self.read_type()?;
        Some(match first >> 6 {
            ENCODED => Length::Encoding(first & 0x3f),
            0 => Length::Plain(u64::from(first & 0x3f)),
            1 => Length::Plain(u64::from(first & 0x3f) << 8 | u64::from(self.read_type()?)),
            _ if first == LEN_32BIT => {
                Length::Plain(u64::from(u32::from_be_bytes(self.take_array()?)))
            }
            _ if first == LEN_64BIT => Length::Plain(u64::from_be_bytes(self.take_array()?)),
            _ => return None, // "Unknown length encoding"
        })
    }

    /// rdbLoadLen(rdb, NULL): a length, where an encoding byte reads as its six low bits.
    pub fn read_len(&mut self) -> Option<u64> {
        Some(match self.read_length()? {
            Length::Plain(len) => len,
            Length::Encoding(encoding) => u64::from(encoding),
        })
    }

    /// rdbGenericLoadStringObject: a string stored verbatim, as an integer (read back in
    /// decimal) or LZF-compressed.
    pub fn read_string(&mut self) -> Option<Vec<u8>> {
        match self.read_length()? {
            Length::Plain(len) => Some(self.take(usize::try_from(len).ok()?)?.to_vec()),
            Length::Encoding(ENC_INT8) => Some(
                i8::from_le_bytes(self.take_array()?)
                    .to_string()
                    .into_bytes(),
            ),
            Length::Encoding(ENC_INT16) => Some(
                i16::from_le_bytes(self.take_array()?)
                    .to_string()
                    .into_bytes(),
            ),
            Length::Encoding(ENC_INT32) => Some(
                i32::from_le_bytes(self.take_array()?)
                    .to_string()
                    .into_bytes(),
            ),
            Length::Encoding(ENC_LZF) => {
                // rdbLoadLzfStringObject.
                let packed_len = usize::try_from(self.read_len()?).ok()?;
                let len = usize::try_from(self.read_len()?).ok()?;
                lzf::decompress(self.take(packed_len)?, len)
            }
            Length::Encoding(_) => None, // "Unknown RDB string encoding type"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(s: &[u8], compress: bool) -> Vec<u8> {
        let mut out = Vec::new();
        save_string(&mut out, s, compress);
        out
    }

    fn read_back(bytes: &[u8]) -> Option<Vec<u8>> {
        Reader::new(bytes).read_string()
    }

    #[test]
    fn lengths_in_every_size() {
        for (len, bytes) in [
            (0u64, vec![0x00]),
            (63, vec![0x3f]),
            (64, vec![0x40, 0x40]),
            (16383, vec![0x7f, 0xff]),
            (16384, vec![0x80, 0, 0, 0x40, 0]),
            (1 << 32, vec![0x81, 0, 0, 0, 1, 0, 0, 0, 0]),
        ] {
            let mut out = Vec::new();
            save_len(&mut out, len);
            assert_eq!(out, bytes);
            assert_eq!(Reader::new(&out).read_len(), Some(len));
        }
        // The unused first bytes 0x82..0xbf are refused.
        assert_eq!(Reader::new(&[0x82, 0, 0, 0, 0]).read_len(), None);
        // Encoding bytes read as six-bit lengths where a plain length is expected.
        assert_eq!(Reader::new(&[0xc5]).read_len(), Some(5));
    }

    #[test]
    fn integers_are_encoded_as_redis_does() {
        assert_eq!(saved(b"12", true), vec![0xc0, 12]);
        assert_eq!(saved(b"-128", true), vec![0xc0, 0x80]);
        assert_eq!(saved(b"300", true), vec![0xc1, 0x2c, 0x01]);
        assert_eq!(saved(b"-2147483648", true), vec![0xc2, 0, 0, 0, 0x80]);
        // Not Redis's way of writing the number, or too wide: verbatim.
        for s in [&b"012"[..], b"+1", b" 1", b"-0", b"2147483648", b"1.5"] {
            assert_eq!(saved(s, true)[1..], *s);
        }
        for s in [&b"12"[..], b"-128", b"300", b"-2147483648", b"2147483647"] {
            assert_eq!(read_back(&saved(s, true)).as_deref(), Some(s));
        }
    }

    #[test]
    fn strings_compress_past_twenty_bytes_when_it_pays() {
        let run = [b'a'; 25];
        assert_eq!(
            saved(&run, true),
            [&[
                0xc3, 9, 25, 0x01, b'a', b'a', 0xe0, 0x0c, 0x00, 0x01, b'a', b'a'
            ][..]]
            .concat()
        );
        assert_eq!(saved(&run, false), [&[25][..], &run].concat());
        assert_eq!(saved(&[b'a'; 20], true), [&[20][..], &[b'a'; 20]].concat());
        let text = b"no repetition in this string at all";
        assert_eq!(saved(text, true), [&[text.len() as u8][..], text].concat());
        for s in [&run[..], &[b'a'; 20], text, &[b'x'; 20_000]] {
            assert_eq!(read_back(&saved(s, true)).as_deref(), Some(s));
        }
    }

    #[test]
    fn hostile_strings_are_refused_without_allocating() {
        // Lengths beyond the data.
        assert_eq!(
            read_back(&[0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            None
        );
        assert_eq!(read_back(&[0x80, 0x7f, 0xff, 0xff, 0xff, b'a']), None);
        // An LZF string claiming a huge result, or more input than there is.
        assert_eq!(
            read_back(&[0xc3, 0x02, 0x81, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0x00, b'a']),
            None
        );
        assert_eq!(read_back(&[0xc3, 0x3f, 0x05, 0x00, b'a']), None);
        // Unknown encodings, truncated integers.
        assert_eq!(read_back(&[0xc4, 1, 2, 3]), None);
        assert_eq!(read_back(&[0xc2, 1, 2]), None);
        assert_eq!(read_back(&[]), None);
    }

    #[test]
    fn the_footer_is_checked() {
        let mut payload = vec![OPCODE_FUNCTION2];
        save_string(&mut payload, b"#!lua name=x\n", true);
        finish_dump_payload(&mut payload);
        assert_eq!(verify_dump_payload(&payload), Some(RDB_VERSION));
        for at in 0..payload.len() {
            let mut flipped = payload.clone();
            flipped[at] ^= 0x01;
            assert_eq!(verify_dump_payload(&flipped), None, "byte {at}");
        }
        assert_eq!(verify_dump_payload(&payload[1..]), None);
        assert_eq!(verify_dump_payload(&[0; 9]), None);
        // An empty payload of version 10.
        let mut empty = Vec::new();
        finish_dump_payload(&mut empty);
        assert_eq!(verify_dump_payload(&empty), Some(RDB_VERSION));
    }
}
