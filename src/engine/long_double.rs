//! x87 80-bit `long double` arithmetic in software, as INCRBYFLOAT and HINCRBYFLOAT need it.
//!
//! Redis parses both operands with `strtold`, adds them in 80-bit extended precision (64-bit
//! mantissa, rounded to nearest even) and prints the sum with `%.17Lf`, trailing zeros
//! removed. Plain f64 gives visibly different answers (0.1 + 0.2 would print
//! 0.30000000000000004), so the values here are exact binary numbers `mantissa * 2^exp` with
//! a 64-bit mantissa, and parsing, adding and printing go through exact big-integer steps.

use std::cmp::Ordering;

/// Largest binary exponent (of the leading bit) an 80-bit long double can hold.
const MAX_EXP: i64 = 16383;
/// Smallest binary exponent (of the lowest bit) of an 80-bit denormal.
const MIN_EXP: i64 = -16445;

/// A finite 80-bit extended-precision number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongDouble {
    negative: bool,
    /// The significand, 0 for zero, otherwise at most 64 bits.
    mantissa: u64,
    /// The value is `mantissa * 2^exp`.
    exp: i64,
}

/// Why a long double operation gave no number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LongDoubleError {
    /// Not a number `strtold` accepts in full (Redis: "value is not a valid float").
    NotAFloat,
    /// The result is infinite or NaN ("increment would produce NaN or Infinity").
    NanOrInfinity,
}

impl LongDouble {
    /// Parses as Redis's `string2ld`: all of `s` must be a `strtold` number, no leading
    /// space, not NaN, not overflowing. Infinities parse as `Err(NanOrInfinity)`.
    pub fn parse(s: &[u8]) -> Result<LongDouble, LongDoubleError> {
        use LongDoubleError::*;
        if s.is_empty() || s.len() >= 5 * 1024 || s[0].is_ascii_whitespace() {
            return Err(NotAFloat);
        }
        let (negative, body) = match s[0] {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        let lower = body.to_ascii_lowercase();
        if lower == b"inf" || lower == b"infinity" {
            return Err(NanOrInfinity);
        }
        if lower.len() > 2 && lower.starts_with(b"0x") {
            return parse_hex(negative, &lower[2..]);
        }
        parse_decimal(negative, &lower)
    }

    fn zero(negative: bool) -> LongDouble {
        LongDouble {
            negative,
            mantissa: 0,
            exp: 0,
        }
    }

    /// The sum rounded to 64 significant bits, or an error when it overflows.
    pub fn sum(self, other: LongDouble) -> Result<LongDouble, LongDoubleError> {
        if other.mantissa == 0 {
            return Ok(if self.mantissa == 0 {
                LongDouble::zero(self.negative && other.negative)
            } else {
                self
            });
        }
        if self.mantissa == 0 {
            return Ok(other);
        }
        let base = self.exp.min(other.exp);
        let a = Big::from_u64(self.mantissa).shl((self.exp - base) as usize);
        let b = Big::from_u64(other.mantissa).shl((other.exp - base) as usize);
        let (negative, sum) = if self.negative == other.negative {
            (self.negative, a.add(&b))
        } else {
            match a.cmp(&b) {
                Ordering::Equal => return Ok(LongDouble::zero(false)),
                Ordering::Greater => (self.negative, a.sub(&b)),
                Ordering::Less => (other.negative, b.sub(&a)),
            }
        };
        round(negative, sum, false, base)
    }

    /// `%.17Lf` with trailing zeros (and a trailing point) removed, and "-0" printed as "0":
    /// what Redis replies and stores after INCRBYFLOAT.
    pub fn to_human_string(self) -> String {
        const SCALE: u32 = 17;
        let scaled = Big::from_u64(self.mantissa).mul_pow10(SCALE);
        let digits = if self.exp >= 0 {
            scaled.shl(self.exp as usize)
        } else {
            let shift = (-self.exp) as usize;
            let (mut q, rest) = scaled.shr_with_rest(shift);
            // Round half to even, as glibc's printf does in the default rounding mode.
            let half = Big::from_u64(1).shl(shift - 1);
            match rest.cmp(&half) {
                Ordering::Greater => q = q.add(&Big::from_u64(1)),
                Ordering::Equal if q.is_odd() => q = q.add(&Big::from_u64(1)),
                _ => {}
            }
            q
        };
        let mut text = digits.to_decimal();
        if text.len() <= SCALE as usize {
            text = format!("{}{}", "0".repeat(SCALE as usize + 1 - text.len()), text);
        }
        let point = text.len() - SCALE as usize;
        let (int_part, frac_part) = text.split_at(point);
        let frac_part = frac_part.trim_end_matches('0');
        let mut out = String::with_capacity(text.len() + 2);
        if self.negative {
            out.push('-');
        }
        out.push_str(int_part);
        if !frac_part.is_empty() {
            out.push('.');
            out.push_str(frac_part);
        }
        if out == "-0" { "0".into() } else { out }
    }
}

/// Adds `incr` to `current` the way INCRBYFLOAT does and returns the new value's text.
pub fn incr_by_float(current: &[u8], incr: &[u8]) -> Result<String, LongDoubleError> {
    use LongDoubleError::*;
    // Both operands are parsed first; an infinite one only fails after the sum.
    let a = LongDouble::parse(current);
    let b = LongDouble::parse(incr);
    match (a, b) {
        (Err(NotAFloat), _) | (_, Err(NotAFloat)) => Err(NotAFloat),
        (Ok(a), Ok(b)) => Ok(a.sum(b)?.to_human_string()),
        _ => Err(NanOrInfinity),
    }
}

fn parse_decimal(negative: bool, s: &[u8]) -> Result<LongDouble, LongDoubleError> {
    use LongDoubleError::*;
    let mut digits = Big::from_u64(0);
    let mut exp10: i64 = 0;
    let mut seen_digit = false;
    let mut seen_point = false;
    let mut significant = 0usize;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            c @ b'0'..=b'9' => {
                seen_digit = true;
                if significant > 0 || c != b'0' {
                    significant += 1;
                }
                digits = digits.mul_small(10).add(&Big::from_u64((c - b'0') as u64));
                if seen_point {
                    exp10 -= 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return Err(NotAFloat);
    }
    if i < s.len() {
        // Only an exponent may follow, and it must be complete.
        if s[i] != b'e' {
            return Err(NotAFloat);
        }
        let rest = &s[i + 1..];
        let (sign, num) = match rest.first() {
            Some(b'-') => (-1i64, &rest[1..]),
            Some(b'+') => (1, &rest[1..]),
            _ => (1, rest),
        };
        if num.is_empty() || !num.iter().all(u8::is_ascii_digit) {
            return Err(NotAFloat);
        }
        let mut e: i64 = 0;
        for &c in num {
            e = (e * 10 + (c - b'0') as i64).min(1_000_000);
        }
        exp10 += sign * e;
    }
    if digits.is_zero() {
        return Ok(LongDouble::zero(negative));
    }
    // Magnitude checks before any big arithmetic: 10^4933 overflows, 10^-4952 underflows.
    let magnitude = exp10 + significant as i64;
    if magnitude > 4933 {
        return Err(NotAFloat);
    }
    if magnitude < -4950 {
        return Err(NotAFloat);
    }
    if exp10 >= 0 {
        return round(negative, digits.mul_pow10(exp10 as u32), false, 0).map_err(|_| NotAFloat);
    }
    let den = Big::from_u64(1).mul_pow10((-exp10) as u32);
    let shift = (66 + den.bit_len() as i64 - digits.bit_len() as i64).max(0) as usize;
    let (q, r) = digits.shl(shift).div_rem(&den);
    round(negative, q, !r.is_zero(), -(shift as i64)).map_err(|_| NotAFloat)
}

fn parse_hex(negative: bool, s: &[u8]) -> Result<LongDouble, LongDoubleError> {
    use LongDoubleError::*;
    let mut digits = Big::from_u64(0);
    let mut exp2: i64 = 0;
    let mut seen_digit = false;
    let mut seen_point = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if let Some(v) = (c as char).to_digit(16) {
            seen_digit = true;
            digits = digits.shl(4).add(&Big::from_u64(v as u64));
            if seen_point {
                exp2 -= 4;
            }
        } else if c == b'.' && !seen_point {
            seen_point = true;
        } else {
            break;
        }
        i += 1;
    }
    if !seen_digit {
        return Err(NotAFloat);
    }
    if i < s.len() {
        if s[i] != b'p' {
            return Err(NotAFloat);
        }
        let rest = &s[i + 1..];
        let (sign, num) = match rest.first() {
            Some(b'-') => (-1i64, &rest[1..]),
            Some(b'+') => (1, &rest[1..]),
            _ => (1, rest),
        };
        if num.is_empty() || !num.iter().all(u8::is_ascii_digit) {
            return Err(NotAFloat);
        }
        let mut e: i64 = 0;
        for &c in num {
            e = (e * 10 + (c - b'0') as i64).min(1_000_000);
        }
        exp2 += sign * e;
    }
    if digits.is_zero() {
        return Ok(LongDouble::zero(negative));
    }
    round(negative, digits, false, exp2).map_err(|_| NotAFloat)
}

/// Rounds `n * 2^exp` (plus a sticky bit for discarded nonzero parts) to 64 bits.
fn round(negative: bool, n: Big, sticky: bool, exp: i64) -> Result<LongDouble, LongDoubleError> {
    let bits = n.bit_len();
    if bits == 0 {
        return Ok(LongDouble::zero(negative));
    }
    let mut exp = exp;
    // Below the denormal range the low bits are lost as well.
    let mut drop = bits.saturating_sub(64) as i64;
    if exp + drop < MIN_EXP {
        drop = MIN_EXP - exp;
    }
    let mut mantissa;
    if drop <= 0 {
        mantissa = n.low_u64();
    } else {
        let drop = drop as usize;
        let (q, rest) = n.shr_with_rest(drop);
        mantissa = q.low_u64();
        let half = Big::from_u64(1).shl(drop - 1);
        let up = match rest.cmp(&half) {
            Ordering::Greater => true,
            Ordering::Equal => sticky || mantissa & 1 == 1,
            Ordering::Less => false,
        };
        exp += drop as i64;
        if up {
            match mantissa.checked_add(1) {
                Some(m) => mantissa = m,
                None => {
                    mantissa = 1 << 63;
                    exp += 1;
                }
            }
        }
    }
    if mantissa == 0 {
        return Ok(LongDouble::zero(negative));
    }
    let top = exp + 63 - mantissa.leading_zeros() as i64;
    if top > MAX_EXP {
        return Err(LongDoubleError::NanOrInfinity);
    }
    Ok(LongDouble {
        negative,
        mantissa,
        exp,
    })
}

/// A non-negative big integer, little-endian 32-bit limbs without trailing zero limbs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn is_odd(&self) -> bool {
        self.0.first().is_some_and(|l| l & 1 == 1)
    }

    fn low_u64(&self) -> u64 {
        let lo = self.0.first().copied().unwrap_or(0) as u64;
        let hi = self.0.get(1).copied().unwrap_or(0) as u64;
        lo | (hi << 32)
    }

    fn bit_len(&self) -> usize {
        match self.0.last() {
            None => 0,
            Some(top) => self.0.len() * 32 - top.leading_zeros() as usize,
        }
    }

    fn mul_small(&self, m: u32) -> Big {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut carry = 0u64;
        for &l in &self.0 {
            let v = l as u64 * m as u64 + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        out.push(carry as u32);
        let mut b = Big(out);
        b.trim();
        b
    }

    fn mul_pow10(&self, mut k: u32) -> Big {
        let mut b = self.clone();
        while k >= 9 {
            b = b.mul_small(1_000_000_000);
            k -= 9;
        }
        b.mul_small(10u32.pow(k))
    }

    fn add(&self, other: &Big) -> Big {
        let n = self.0.len().max(other.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v = self.0.get(i).copied().unwrap_or(0) as u64
                + other.0.get(i).copied().unwrap_or(0) as u64
                + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        out.push(carry as u32);
        let mut b = Big(out);
        b.trim();
        b
    }

    /// `self - other`, for `self >= other`.
    fn sub(&self, other: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut v = self.0[i] as i64 - other.0.get(i).copied().unwrap_or(0) as i64 - borrow;
            borrow = 0;
            if v < 0 {
                v += 1 << 32;
                borrow = 1;
            }
            out.push(v as u32);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    fn shl(&self, bits: usize) -> Big {
        if self.is_zero() {
            return self.clone();
        }
        let (limbs, rem) = (bits / 32, bits % 32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if rem == 0 {
                out.push(l);
            } else {
                out.push((l << rem) | carry);
                carry = l >> (32 - rem);
            }
        }
        out.push(carry);
        let mut b = Big(out);
        b.trim();
        b
    }

    /// `(self >> bits, self mod 2^bits)`.
    fn shr_with_rest(&self, bits: usize) -> (Big, Big) {
        let (limbs, rem) = (bits / 32, bits % 32);
        if limbs >= self.0.len() {
            return (Big(vec![]), self.clone());
        }
        let mut low: Vec<u32> = self.0[..limbs].to_vec();
        if rem > 0 {
            low.push(self.0[limbs] & ((1u32 << rem) - 1));
        }
        let mut high = Vec::with_capacity(self.0.len() - limbs);
        for i in limbs..self.0.len() {
            let cur = self.0[i] as u64 | ((self.0.get(i + 1).copied().unwrap_or(0) as u64) << 32);
            high.push((cur >> rem) as u32);
        }
        let (mut q, mut r) = (Big(high), Big(low));
        q.trim();
        r.trim();
        (q, r)
    }

    /// Long division, bit by bit: fine for the short quotients used here.
    fn div_rem(&self, den: &Big) -> (Big, Big) {
        let mut rest = self.clone();
        let mut quotient = Big(vec![]);
        let span = self.bit_len().saturating_sub(den.bit_len());
        for i in (0..=span).rev() {
            let shifted = den.shl(i);
            if rest.cmp(&shifted) != Ordering::Less {
                rest = rest.sub(&shifted);
                quotient = quotient.add(&Big::from_u64(1).shl(i));
            }
        }
        (quotient, rest)
    }

    fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let mut chunks = Vec::new();
        let mut limbs = self.0.clone();
        while !limbs.is_empty() {
            let mut rem = 0u64;
            for l in limbs.iter_mut().rev() {
                let cur = (rem << 32) | *l as u64;
                *l = (cur / 1_000_000_000) as u32;
                rem = cur % 1_000_000_000;
            }
            chunks.push(rem as u32);
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
        }
        let mut out = chunks.pop().map(|c| c.to_string()).unwrap_or_default();
        for c in chunks.iter().rev() {
            out.push_str(&format!("{c:09}"));
        }
        out
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Big) -> Option<Ordering> {
        Some(Ord::cmp(self, other))
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incr(a: &str, b: &str) -> String {
        incr_by_float(a.as_bytes(), b.as_bytes()).expect("valid floats")
    }

    #[test]
    fn sums_print_like_redis() {
        assert_eq!(incr("10.5", "0.1"), "10.6");
        assert_eq!(incr("0.1", "0.2"), "0.3");
        assert_eq!(incr("3.0e3", "1"), "3001");
        assert_eq!(incr("5", "-5"), "0");
        assert_eq!(incr("-0.0", "0"), "0");
        assert_eq!(
            incr("100000000000000000", "0.1"),
            "100000000000000000.1015625"
        );
        assert_eq!(incr("0", "0.000003814697265625"), "0.00000381469726562");
        assert_eq!(incr("0x10", "1"), "17");
        assert_eq!(incr("1e-20", "0"), "0");
        assert_eq!(incr("-1.5", "0.25"), "-1.25");
    }

    #[test]
    fn rejects_what_strtold_and_redis_reject() {
        for bad in [
            "", " 1", "1 ", "abc", "1e", "1e+", "nan", "0x", ".", "1..2", "1e5000",
        ] {
            assert_eq!(
                incr_by_float(bad.as_bytes(), b"1"),
                Err(LongDoubleError::NotAFloat),
                "{bad:?}"
            );
        }
        assert_eq!(
            incr_by_float(b"inf", b"1"),
            Err(LongDoubleError::NanOrInfinity)
        );
        assert_eq!(
            incr_by_float(b"1", b"-infinity"),
            Err(LongDoubleError::NanOrInfinity)
        );
    }
}
