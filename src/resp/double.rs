//! C's `%.17g`, the way Redis 7.0 prints doubles (ZSCORE, RESP3 doubles, redis-cli's `(double)`).

/// Formats `d` exactly as C's `printf("%.17g", d)` does.
pub fn format_double(d: f64) -> String {
    format_g(d, 17)
}

/// C's `%.{precision}g`: the shorter of fixed and scientific notation, trailing zeros removed.
pub fn format_g(d: f64, precision: usize) -> String {
    if d.is_nan() {
        return "nan".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let p = precision.max(1);
    let sci = format!("{:.*e}", p - 1, d);
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    if exp >= -4 && exp < p as i32 {
        let fixed = format!("{:.*}", (p as i32 - 1 - exp) as usize, d);
        strip_zeros(&fixed).to_string()
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", strip_zeros(mantissa), sign, exp.abs())
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::format_double;

    #[test]
    #[allow(clippy::approx_constant)] // 3.14 is the documented redis-cli example
    fn matches_c_printf() {
        for (d, s) in [
            (1.1, "1.1000000000000001"),
            (1e20, "1e+20"),
            (3.14, "3.1400000000000001"),
            (0.0, "0"),
            (-0.0, "-0"),
            (100.0, "100"),
            (1.5, "1.5"),
            (0.0001, "0.0001"),
            (0.00001, "1.0000000000000001e-05"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (123456789.123, "123456789.123"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (3479099956230698.0, "3479099956230698"),
        ] {
            assert_eq!(format_double(d), s, "{d:?}");
        }
    }
}
