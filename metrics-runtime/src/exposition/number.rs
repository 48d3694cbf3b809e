//! Sample values as the exposition formats write them.
//!
//! Finite values are written as Rust's `Display` writes them (the shortest digits that read
//! back as the same `f64`, never an exponent: `0.001`, `0.0000001`, `3`), which is what the
//! `prometheus` crate's text encoder writes, so the text format keeps today's bytes. Whole
//! numbers below 10^15 take an integer fast path. The non-finite values are written as both
//! formats spell them: `+Inf`, `-Inf`, `NaN`.

use std::io::Write;

/// Whole numbers below this magnitude are written with `itoa`; they print the same either way.
const INTEGER_LIMIT: f64 = 1e15;

/// Appends an unsigned integer (counts, counter values).
#[inline]
pub(crate) fn write_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Appends a float sample value.
#[inline]
pub(crate) fn write_f64(out: &mut Vec<u8>, value: f64) {
    if value.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if value.is_infinite() {
        out.extend_from_slice(if value > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if value.fract() == 0.0 && value.abs() < INTEGER_LIMIT {
        if value == 0.0 && value.is_sign_negative() {
            out.extend_from_slice(b"-0");
        } else {
            out.extend_from_slice(itoa::Buffer::new().format(value as i64).as_bytes());
        }
    } else {
        // Writing into a `Vec` cannot fail.
        let _ = write!(out, "{value}");
    }
}

/// A bucket bound or quantile as a label value (`0.005`, `1`, `+Inf`): the same spelling in
/// both formats, so a series keeps its identity whichever format Prometheus scraped.
pub(crate) fn bound_label(value: f64) -> String {
    let mut out = Vec::new();
    write_f64(&mut out, value);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn finite_values_print_as_display_does() {
        for value in [
            0.0,
            1.0,
            -3.0,
            0.001,
            1e-7,
            0.1 + 0.2,
            2.5,
            1e15,
            1e21,
            123_456.789,
            -0.5,
            1e300,
        ] {
            assert_eq!(text(value), value.to_string(), "{value:e}");
        }
    }

    #[test]
    fn non_finite_values_use_the_exposition_spelling() {
        assert_eq!(text(f64::INFINITY), "+Inf");
        assert_eq!(text(f64::NEG_INFINITY), "-Inf");
        assert_eq!(text(f64::NAN), "NaN");
        assert_eq!(text(-0.0), "-0");
        assert_eq!(bound_label(1.0), "1");
        assert_eq!(bound_label(0.005), "0.005");
    }

    #[test]
    fn integers_print_in_full() {
        let mut out = Vec::new();
        write_u64(&mut out, u64::MAX);
        assert_eq!(out, u64::MAX.to_string().as_bytes());
    }
}
