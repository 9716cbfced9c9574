//! LZF as Redis builds it (lzf_c.c, lzf_d.c with lzfP.h's settings: HLOG 16, VERY_FAST,
//! not ULTRA_FAST, CHECK_INPUT). RDB strings longer than 20 bytes are stored compressed
//! when that saves at least four bytes, so the compressor is ported step for step: the
//! same input gives the same bytes as Redis.
//!
//! One difference is deliberate: Redis leaves its hash table uninitialised (INIT_HTAB 0),
//! so a stale slot can, rarely, offer a match a fresh table would not; this port always
//! starts from an empty table, which is what a fresh server's stack gives.
//!
//! The compressed format:
//!
//! ```text
//! 000LLLLL <L+1 bytes>         literal run
//! LLLooooo oooooooo            back reference of L+2 bytes, offset o+1 back
//! 111ooooo LLLLLLLL oooooooo   back reference of L+9 bytes
//! ```

/// HLOG: the hash table has 2^16 slots.
const HASH_LOG: u32 = 16;
const HASH_SIZE: usize = 1 << HASH_LOG;
/// The longest literal run.
const MAX_LIT: usize = 1 << 5;
/// The farthest a back reference reaches.
const MAX_OFF: usize = 1 << 13;
/// The longest back reference.
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// FRST: the first two bytes at `at`.
fn first(input: &[u8], at: usize) -> u32 {
    (u32::from(input[at]) << 8) | u32::from(input[at + 1])
}

/// NEXT: the rolling hash value with the third byte at `at` shifted in.
fn next(hash: u32, input: &[u8], at: usize) -> u32 {
    (hash << 8) | u32::from(input[at + 2])
}

/// IDX (VERY_FAST): the slot of a hash value.
fn slot(hash: u32) -> usize {
    ((hash >> (3 * 8 - HASH_LOG)).wrapping_sub(hash.wrapping_mul(5)) as usize) & (HASH_SIZE - 1)
}

/// lzf_compress into at most `out_len` bytes; None when the output would not fit (the
/// caller then stores the input as it is).
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let in_len = input.len();
    if in_len == 0 || out_len == 0 {
        return None;
    }
    // Each slot holds the last position with that hash; 0 is "none" (a reference must
    // lie after the input's first byte anyway).
    let mut table = vec![0usize; HASH_SIZE];
    // Redis allocates one byte more than it lets the compressor fill.
    let mut out = vec![0u8; out_len + 1];
    let mut ip = 0;
    let mut op = 1; // a literal run starts
    let mut lit: usize = 0;
    let mut hash = if in_len >= 2 { first(input, 0) } else { 0 };
    while ip + 2 < in_len {
        hash = next(hash, input, ip);
        let at = slot(hash);
        let reference = table[at];
        table[at] = ip;
        let off = ip.wrapping_sub(reference).wrapping_sub(1);
        if off < MAX_OFF
            && ip + 4 < in_len
            && reference > 0
            && input[reference..reference + 3] == input[ip..ip + 3]
        {
            let mut len = 2;
            let max_len = (in_len - ip - len).min(MAX_REF);
            out[op - lit - 1] = (lit as u8).wrapping_sub(1); // the run stops
            if lit == 0 {
                op -= 1; // an empty run is undone
            }
            if op + 3 + 1 >= out_len {
                return None;
            }
            let mut mismatched = false;
            if max_len > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[reference + len] != input[ip + len] {
                        mismatched = true;
                        break;
                    }
                }
            }
            if !mismatched {
                loop {
                    len += 1;
                    if !(len < max_len && input[reference + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2; // the number of bytes, less two
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 2; // and a new literal run starts
            lit = 0;
            ip += len + 1;
            if ip + 2 >= in_len {
                break;
            }
            // VERY_FAST: hash the match's last two positions.
            ip -= 2;
            hash = first(input, ip);
            hash = next(hash, input, ip);
            table[slot(hash)] = ip;
            ip += 1;
            hash = next(hash, input, ip);
            table[slot(hash)] = ip;
            ip += 1;
        } else {
            if op >= out_len {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_len {
        return None; // at most three bytes are still to come
    }
    while ip < in_len {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1);
    if lit == 0 {
        op -= 1;
    }
    out.truncate(op);
    Some(out)
}

/// lzf_decompress, expecting `out_len` bytes: None unless the input decodes to exactly
/// that many (as Redis compares the decompressed length with the one stored). The output
/// grows with what the input really produces, so a lying `out_len` allocates nothing.
pub fn decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    // Redis's loop reads a control byte before it looks at the input's length; with no
    // input it reads past it, and only an empty result can then match.
    let decoded = !input.is_empty() && decode(input, out_len, &mut out);
    if !decoded {
        out.clear(); // lzf_decompress answers 0 on error
    }
    (out.len() == out_len).then_some(out)
}

/// The decoding loop; false on the errors lzf_decompress reports (E2BIG, EINVAL).
fn decode(input: &[u8], out_len: usize, out: &mut Vec<u8>) -> bool {
    let mut ip = 0;
    loop {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < 1 << 5 {
            // A literal run of ctrl+1 bytes.
            let run = ctrl + 1;
            if out.len() + run > out_len || ip + run > input.len() {
                return false;
            }
            out.extend_from_slice(&input[ip..ip + run]);
            ip += run;
        } else {
            // A back reference.
            let mut len = ctrl >> 5;
            if ip >= input.len() {
                return false;
            }
            if len == 7 {
                len += usize::from(input[ip]);
                ip += 1;
                if ip >= input.len() {
                    return false;
                }
            }
            let back = ((ctrl & 0x1f) << 8) + usize::from(input[ip]) + 1;
            ip += 1;
            if out.len() + len + 2 > out_len || back > out.len() {
                return false;
            }
            // Byte by byte: the reference may overlap what it writes.
            let from = out.len() - back;
            for i in 0..len + 2 {
                out.push(out[from + i]);
            }
        }
        if ip >= input.len() {
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{compress, decompress};

    /// A small deterministic generator (xorshift) for the round trips.
    struct Xorshift(u64);

    impl Xorshift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    /// Inputs of every shape: random, repetitive, runs, text.
    fn samples() -> Vec<Vec<u8>> {
        let mut rng = Xorshift(0x2545_f491_4f6c_dd1d);
        let mut samples = vec![
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(),
            b"#!lua name=mylib\nredis.register_function('f', function() return 1 end)\nredis.register_function('g', function() return 1 end)".to_vec(),
            vec![0; 70_000],
            (0..20_000u32).map(|i| (i % 251) as u8).collect(),
        ];
        for len in [1, 2, 3, 4, 5, 6, 7, 8, 16, 21, 33, 64, 100, 300, 1000, 9000] {
            samples.push((0..len).map(|_| rng.next() as u8).collect());
            samples.push((0..len).map(|_| b'a' + (rng.next() % 3) as u8).collect());
            samples.push((0..len).map(|i| b"abcdefgh"[i % 8]).collect());
        }
        samples
    }

    #[test]
    fn round_trips() {
        for sample in samples() {
            for out_len in [
                sample.len() + 64,
                sample.len(),
                sample.len().saturating_sub(4),
            ] {
                if let Some(packed) = compress(&sample, out_len) {
                    assert!(packed.len() <= out_len);
                    assert_eq!(
                        decompress(&packed, sample.len()).as_deref(),
                        Some(&sample[..])
                    );
                }
            }
        }
    }

    #[test]
    fn compresses_repetition_and_not_noise() {
        let run = vec![b'x'; 1000];
        let packed = compress(&run, run.len() - 4).expect("a run compresses");
        assert!(packed.len() < 20, "{} bytes", packed.len());
        let noise: Vec<u8> = {
            let mut rng = Xorshift(7);
            (0..1000).map(|_| rng.next() as u8).collect()
        };
        assert_eq!(compress(&noise, noise.len() - 4), None);
    }

    /// What Redis 7.0.15 stores for 25 `a`s (DUMP of such a string): two literals, a
    /// back reference of 21 bytes, two literals.
    #[test]
    fn known_bytes() {
        assert_eq!(
            compress(&[b'a'; 25], 21),
            Some(vec![0x01, b'a', b'a', 0xe0, 0x0c, 0x00, 0x01, b'a', b'a'])
        );
    }

    #[test]
    fn corrupt_input_is_refused() {
        // A back reference before the start of the output.
        assert_eq!(decompress(&[0x20, 0x05], 3), None);
        // A literal run longer than the input.
        assert_eq!(decompress(&[0x05, b'a'], 6), None);
        // A result of another length than expected.
        assert_eq!(decompress(&[0x01, b'a', b'b'], 3), None);
        // Expecting nothing always succeeds, as in Redis.
        assert_eq!(decompress(&[0xff, 0xff], 0), Some(Vec::new()));
        assert_eq!(decompress(&[], 0), Some(Vec::new()));
        assert_eq!(decompress(&[], 1), None);
        // A lying length allocates only what the input produces.
        assert_eq!(decompress(&[0x00, b'a'], usize::MAX), None);
    }
}
