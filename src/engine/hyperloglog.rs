//! HyperLogLog exactly as Redis 7.0 stores and counts it (a port of hyperloglog.c): a string
//! starting with the "HYLL" header, 16384 six-bit registers in the sparse (ZERO/XZERO/VAL
//! opcodes) or dense encoding, MurmurHash64A, and Ertl's improved cardinality estimator.
//!
//! Functions work on the whole string value (header included), so GET returns the same bytes
//! real Redis would.

/// Header: "HYLL", encoding, 3 unused bytes, 8-byte little-endian cached cardinality.
pub const HEADER_LEN: usize = 16;
/// Number of registers (2^14).
pub const REGISTERS: usize = 1 << P;
/// Length of a dense HLL string, header included.
pub const DENSE_LEN: usize = HEADER_LEN + (REGISTERS * BITS).div_ceil(8);
/// The default `hll-sparse-max-bytes`: a sparse HLL growing past this becomes dense.
pub const SPARSE_MAX_BYTES: usize = 3000;
/// Reply for a structurally broken HLL.
pub const INVALID_HLL_ERR: &str = "INVALIDOBJ Corrupted HLL object detected";
/// Reply for a string that is not an HLL at all.
pub const NOT_HLL_ERR: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";

const P: usize = 14;
const Q: usize = 64 - P;
const BITS: usize = 6;
const REGISTER_MAX: u8 = (1 << BITS) - 1;
const P_MASK: u64 = (REGISTERS - 1) as u64;
const ENCODING_OFFSET: usize = 4;
const CARD_OFFSET: usize = 8;
const DENSE: u8 = 0;
const SPARSE: u8 = 1;
const SPARSE_VAL_MAX_VALUE: u8 = 32;
const SPARSE_VAL_MAX_LEN: usize = 4;
const SPARSE_ZERO_MAX_LEN: usize = 64;
const SPARSE_XZERO_MAX_LEN: usize = 16384;
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// The HLL's structure is broken (Redis's "INVALIDOBJ Corrupted HLL object detected").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupted;

/// Redis's MurmurHash64A (little-endian reads).
pub fn murmurhash64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4a7935bd1e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut k = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate().rev() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element updates and the value it proposes (run of zeros + 1).
fn pattern_len(element: &[u8]) -> (usize, u8) {
    let hash = murmurhash64a(element, 0xadc83b19);
    let index = (hash & P_MASK) as usize;
    let hash = (hash >> P) | (1u64 << Q);
    (index, hash.trailing_zeros() as u8 + 1)
}

/// A new, empty HLL in the sparse encoding (one XZERO covering every register).
pub fn new_sparse() -> Vec<u8> {
    let mut hll = Vec::with_capacity(HEADER_LEN + 2);
    hll.extend_from_slice(b"HYLL");
    hll.push(SPARSE);
    hll.extend_from_slice(&[0; 11]);
    let mut remaining = REGISTERS;
    while remaining > 0 {
        let run = remaining.min(SPARSE_XZERO_MAX_LEN);
        hll.extend_from_slice(&xzero(run));
        remaining -= run;
    }
    hll
}

/// True when a string is an HLL Redis accepts (header, known encoding, dense length).
pub fn is_valid(value: &[u8]) -> bool {
    value.len() >= HEADER_LEN
        && value.starts_with(b"HYLL")
        && value[ENCODING_OFFSET] <= SPARSE
        && (value[ENCODING_OFFSET] != DENSE || value.len() == DENSE_LEN)
}

/// True for the sparse encoding (the value must be valid).
pub fn is_sparse(hll: &[u8]) -> bool {
    hll[ENCODING_OFFSET] == SPARSE
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(hll: &mut [u8]) {
    hll[CARD_OFFSET + 7] |= 1 << 7;
}

/// The cached cardinality, when still valid.
pub fn cached_cardinality(hll: &[u8]) -> Option<u64> {
    let card: [u8; 8] = hll[CARD_OFFSET..CARD_OFFSET + 8]
        .try_into()
        .expect("8 bytes");
    (card[7] & 0x80 == 0).then(|| u64::from_le_bytes(card))
}

/// Stores a freshly computed cardinality in the header.
pub fn set_cached_cardinality(hll: &mut [u8], card: u64) {
    hll[CARD_OFFSET..CARD_OFFSET + 8].copy_from_slice(&card.to_le_bytes());
}

fn dense_get(registers: &[u8], index: usize) -> u8 {
    let byte = index * BITS / 8;
    let fb = (index * BITS) & 7;
    let b0 = u16::from(registers[byte]);
    let b1 = u16::from(registers.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) as u8) & REGISTER_MAX
}

fn dense_set(registers: &mut [u8], index: usize, value: u8) {
    let byte = index * BITS / 8;
    let fb = (index * BITS) & 7;
    let v = u16::from(value);
    registers[byte] &= !((u16::from(REGISTER_MAX) << fb) as u8);
    registers[byte] |= (v << fb) as u8;
    if let Some(next) = registers.get_mut(byte + 1) {
        *next &= !((u16::from(REGISTER_MAX) >> (8 - fb)) as u8);
        *next |= (v >> (8 - fb)) as u8;
    }
}

/// hllDenseSet: raises a register; true when it changed.
fn dense_raise(registers: &mut [u8], index: usize, count: u8) -> bool {
    if count > dense_get(registers, index) {
        dense_set(registers, index, count);
        true
    } else {
        false
    }
}

fn is_zero_op(op: u8) -> bool {
    op & 0xc0 == 0
}

fn is_xzero_op(op: u8) -> bool {
    op & 0xc0 == 0x40
}

fn is_val_op(op: u8) -> bool {
    op & 0x80 != 0
}

fn zero_len(op: u8) -> usize {
    usize::from(op & 0x3f) + 1
}

fn xzero_len(op: u8, next: u8) -> usize {
    ((usize::from(op & 0x3f) << 8) | usize::from(next)) + 1
}

fn val_value(op: u8) -> u8 {
    ((op >> 2) & 0x1f) + 1
}

fn val_len(op: u8) -> usize {
    usize::from(op & 0x3) + 1
}

fn val(value: u8, len: usize) -> u8 {
    ((value - 1) << 2 | (len as u8 - 1)) | 0x80
}

fn zero(len: usize) -> u8 {
    (len - 1) as u8
}

fn xzero(len: usize) -> [u8; 2] {
    let l = len - 1;
    [(l >> 8) as u8 | 0x40, (l & 0xff) as u8]
}

/// One decoded sparse opcode.
enum Op {
    Zero(usize),
    Val(u8, usize),
}

/// Walks the sparse opcodes after the header: (position, opcode length, opcode).
fn sparse_ops(hll: &[u8]) -> impl Iterator<Item = (usize, usize, Op)> + '_ {
    let mut p = HEADER_LEN;
    std::iter::from_fn(move || {
        let op = *hll.get(p)?;
        let at = p;
        let (len, decoded) = if is_zero_op(op) {
            (1, Op::Zero(zero_len(op)))
        } else if is_xzero_op(op) {
            let next = hll.get(p + 1).copied().unwrap_or(0);
            (2, Op::Zero(xzero_len(op, next)))
        } else {
            (1, Op::Val(val_value(op), val_len(op)))
        };
        p += len;
        Some((at, len, decoded))
    })
}

/// Converts a sparse HLL to dense in place (a dense one is left as it is).
pub fn sparse_to_dense(hll: &mut Vec<u8>) -> Result<(), Corrupted> {
    if hll[ENCODING_OFFSET] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_LEN];
    dense[..HEADER_LEN].copy_from_slice(&hll[..HEADER_LEN]);
    dense[ENCODING_OFFSET] = DENSE;
    let registers = &mut dense[HEADER_LEN..];
    let mut idx = 0;
    for (_, _, op) in sparse_ops(hll) {
        match op {
            Op::Zero(run) => idx += run,
            Op::Val(value, run) => {
                if run + idx > REGISTERS {
                    return Err(Corrupted);
                }
                for i in idx..idx + run {
                    dense_set(registers, i, value);
                }
                idx += run;
            }
        }
    }
    if idx != REGISTERS {
        return Err(Corrupted);
    }
    *hll = dense;
    Ok(())
}

/// hllSparseSet: raises register `index` to `count` in a sparse HLL, splitting opcodes and
/// promoting to dense when the value does not fit or the string would pass `max_bytes`.
/// Ok(true) when the HLL changed.
fn sparse_raise(
    hll: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: usize,
) -> Result<bool, Corrupted> {
    if count > SPARSE_VAL_MAX_VALUE {
        return promote_and_raise(hll, index, count);
    }
    // Step 1: find the opcode covering the register.
    let mut first = 0;
    let mut prev = None;
    let mut found = None;
    for (at, len, op) in sparse_ops(hll) {
        let span = match op {
            Op::Zero(run) | Op::Val(_, run) => run,
        };
        if index < first + span {
            found = Some((at, len, op, span));
            break;
        }
        prev = Some(at);
        first += span;
    }
    let Some((p, oplen, op, span)) = found else {
        return Err(Corrupted);
    };
    let last = first + span - 1;
    // The replacement opcodes: at worst XZERO-VAL-XZERO, 5 bytes.
    let mut seq = OpSeq::default();
    match op {
        Op::Val(old, run) => {
            if old >= count {
                return Ok(false);
            }
            if run == 1 {
                hll[p] = val(count, 1);
                merge_adjacent_values(hll, prev);
                return Ok(true);
            }
            if index != first {
                seq.push(val(old, index - first));
            }
            seq.push(val(count, 1));
            if index != last {
                seq.push(val(old, last - index));
            }
        }
        Op::Zero(run) => {
            if oplen == 1 && run == 1 {
                hll[p] = val(count, 1);
                merge_adjacent_values(hll, prev);
                return Ok(true);
            }
            let push_zeros = |seq: &mut OpSeq, len: usize| {
                if len > SPARSE_ZERO_MAX_LEN {
                    seq.extend_from_slice(&xzero(len));
                } else {
                    seq.push(zero(len));
                }
            };
            if index != first {
                push_zeros(&mut seq, index - first);
            }
            seq.push(val(count, 1));
            if index != last {
                push_zeros(&mut seq, last - index);
            }
        }
    }
    // Step 3: substitute the new sequence for the old opcode.
    let seq = seq.as_slice();
    if seq.len() > oplen && hll.len() + seq.len() - oplen > max_bytes {
        return promote_and_raise(hll, index, count);
    }
    if p + oplen <= hll.len() {
        hll.splice(p..p + oplen, seq.iter().copied());
    } else {
        // A truncated XZERO at the very end: Redis writes the sequence in place and cuts the
        // string to its old length plus the growth, dropping the sequence's last byte.
        let new_len = hll.len() + seq.len() - oplen;
        hll.truncate(p);
        hll.extend_from_slice(seq);
        hll.truncate(new_len);
    }
    merge_adjacent_values(hll, prev);
    Ok(true)
}

/// Up to 5 opcode bytes built without allocating.
#[derive(Default)]
struct OpSeq {
    bytes: [u8; 5],
    len: usize,
}

impl OpSeq {
    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    fn extend_from_slice(&mut self, bs: &[u8]) {
        for &b in bs {
            self.push(b);
        }
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Step 4 of hllSparseSet: merges adjacent VAL opcodes with equal values, scanning up to 5
/// opcodes from the one before the change.
fn merge_adjacent_values(hll: &mut Vec<u8>, prev: Option<usize>) {
    let mut p = prev.unwrap_or(HEADER_LEN);
    let mut scan = 5;
    while p < hll.len() && scan > 0 {
        scan -= 1;
        let op = hll[p];
        if is_xzero_op(op) {
            p += 2;
            continue;
        }
        if is_zero_op(op) {
            p += 1;
            continue;
        }
        if let Some(&next) = hll.get(p + 1).filter(|&&n| is_val_op(n)) {
            let value = val_value(op);
            let len = val_len(op) + val_len(next);
            if value == val_value(next) && len <= SPARSE_VAL_MAX_LEN {
                hll[p + 1] = val(value, len);
                hll.remove(p);
                continue;
            }
        }
        p += 1;
    }
    invalidate_cache(hll);
}

fn promote_and_raise(hll: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupted> {
    sparse_to_dense(hll)?;
    Ok(dense_raise(&mut hll[HEADER_LEN..], index, count))
}

/// Raises register `index` to at least `count`, in either encoding; Ok(true) when changed.
pub fn raise_register(
    hll: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: usize,
) -> Result<bool, Corrupted> {
    match hll[ENCODING_OFFSET] {
        DENSE => Ok(dense_raise(&mut hll[HEADER_LEN..], index, count)),
        SPARSE => sparse_raise(hll, index, count, max_bytes),
        _ => Err(Corrupted),
    }
}

/// PFADD of one element; Ok(true) when a register changed.
pub fn add(hll: &mut Vec<u8>, element: &[u8], max_bytes: usize) -> Result<bool, Corrupted> {
    let (index, count) = pattern_len(element);
    raise_register(hll, index, count, max_bytes)
}

/// Raises `max[i]` to each register of `hll` (hllMerge).
pub fn merge_into(max: &mut [u8; REGISTERS], hll: &[u8]) -> Result<(), Corrupted> {
    if hll[ENCODING_OFFSET] == DENSE {
        let registers = &hll[HEADER_LEN..];
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(registers, i));
        }
        return Ok(());
    }
    let mut i = 0;
    for (_, _, op) in sparse_ops(hll) {
        match op {
            Op::Zero(run) => i += run,
            Op::Val(value, run) => {
                if run + i > REGISTERS {
                    return Err(Corrupted);
                }
                for m in &mut max[i..i + run] {
                    *m = (*m).max(value);
                }
                i += run;
            }
        }
    }
    if i == REGISTERS {
        Ok(())
    } else {
        Err(Corrupted)
    }
}

/// Every register's value (PFDEBUG GETREG on a dense HLL).
pub fn dense_registers(hll: &[u8]) -> Vec<u8> {
    let registers = &hll[HEADER_LEN..];
    (0..REGISTERS).map(|i| dense_get(registers, i)).collect()
}

/// The sparse opcodes in PFDEBUG DECODE's notation (`z:3 Z:100 v:2,1`).
pub fn decode_sparse(hll: &[u8]) -> String {
    let parts: Vec<String> = sparse_ops(hll)
        .map(|(at, _, op)| match op {
            Op::Zero(run) if is_xzero_op(hll[at]) => format!("Z:{run}"),
            Op::Zero(run) => format!("z:{run}"),
            Op::Val(value, run) => format!("v:{value},{run}"),
        })
        .collect();
    parts.join(" ")
}

/// The cardinality estimate of a valid HLL (hllCount); a sparse HLL whose opcodes do not
/// cover exactly 16384 registers is corrupted.
pub fn count(hll: &[u8]) -> Result<u64, Corrupted> {
    let mut histogram = [0u32; 64];
    if hll[ENCODING_OFFSET] == DENSE {
        let registers = &hll[HEADER_LEN..];
        for i in 0..REGISTERS {
            histogram[usize::from(dense_get(registers, i))] += 1;
        }
    } else {
        let mut idx = 0;
        for (_, _, op) in sparse_ops(hll) {
            match op {
                Op::Zero(run) => {
                    idx += run;
                    histogram[0] += run as u32;
                }
                Op::Val(value, run) => {
                    idx += run;
                    histogram[usize::from(value)] += run as u32;
                }
            }
        }
        if idx != REGISTERS {
            return Err(Corrupted);
        }
    }
    Ok(estimate(&histogram))
}

/// The cardinality estimate of one-byte-per-register values (a merged PFCOUNT).
pub fn count_registers(registers: &[u8; REGISTERS]) -> u64 {
    let mut histogram = [0u32; 64];
    for &r in registers.iter() {
        histogram[usize::from(r & 63)] += 1;
    }
    estimate(&histogram)
}

fn estimate(histogram: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - f64::from(histogram[Q + 1])) / m);
    for j in (1..=Q).rev() {
        z += f64::from(histogram[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histogram[0]) / m);
    (ALPHA_INF * m * m / z).round() as u64
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let previous = z;
        z += x * y;
        y += y;
        if previous == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let previous = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if previous == z {
            return z / 3.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(n: usize) -> Vec<u8> {
        let mut hll = new_sparse();
        for i in 1..=n {
            add(&mut hll, format!("el{i}").as_bytes(), SPARSE_MAX_BYTES).unwrap();
        }
        hll
    }

    #[test]
    fn empty_hll_layout() {
        let hll = new_sparse();
        assert_eq!(hll, b"HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff");
        assert_eq!(count(&hll), Ok(0));
    }

    #[test]
    fn thousand_elements_count_1005_like_redis() {
        let hll = filled(1000);
        assert!(is_sparse(&hll));
        assert_eq!(count(&hll), Ok(1005));
    }

    #[test]
    fn sparse_and_dense_count_the_same() {
        let mut hll = filled(100);
        assert!(is_sparse(&hll));
        let sparse = count(&hll).unwrap();
        sparse_to_dense(&mut hll).unwrap();
        assert_eq!(count(&hll).unwrap(), sparse);
        let mut merged = [0u8; REGISTERS];
        merge_into(&mut merged, &hll).unwrap();
        assert_eq!(count_registers(&merged), sparse);
    }

    #[test]
    fn truncated_sparse_is_corrupted() {
        let mut hll = filled(10);
        hll.pop();
        assert_eq!(count(&hll), Err(Corrupted));
    }
}
