//! Parsing a W3C `traceparent` (Trace Context level 1, section 3.2).

use super::TraceContext;

/// The length of a version-00 `traceparent`: `00-` + 32 + `-` + 16 + `-` + 2.
const LEN: usize = 55;

impl TraceContext {
    /// The context of a W3C `traceparent` header value
    /// (`{version}-{trace-id}-{parent-id}-{trace-flags}`, lowercase hex), **if it is valid and
    /// sampled**; `None` otherwise. An exemplar from an unsampled trace would link to a trace
    /// that was never recorded, so unsampled contexts are treated like none.
    ///
    /// Valid: version `00` and exactly 55 characters; a later version (`01` to `fe`) with the
    /// same first four fields, followed by nothing or by `-` and more (the W3C rule for future
    /// versions). Invalid: version `ff`, upper-case or other non-hex digits, wrong lengths or
    /// separators, an all-zero trace id or parent id. Sampled: bit 0 of the flags is set.
    ///
    /// ```
    /// use session_metrics::exemplar::TraceContext;
    ///
    /// let context = TraceContext::from_traceparent(
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    /// ).unwrap();
    /// assert_eq!(context.trace_id[0], 0x4b);
    /// assert_eq!(context.span_id, [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]);
    /// // Not sampled (flags 00): no exemplar.
    /// assert!(TraceContext::from_traceparent(
    ///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
    /// ).is_none());
    /// // All-zero trace id: invalid.
    /// assert!(TraceContext::from_traceparent(
    ///     "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    /// ).is_none());
    /// ```
    pub fn from_traceparent(value: &str) -> Option<Self> {
        let bytes = value.as_bytes();
        if bytes.len() < LEN || [2, 35, 52].iter().any(|&i| bytes[i] != b'-') {
            return None;
        }
        let version = hex::<1>(&bytes[0..2])?[0];
        match version {
            0 if bytes.len() == LEN => {}
            0 | 0xff => return None,
            _ if bytes.len() == LEN || bytes[LEN] == b'-' => {}
            _ => return None,
        }
        let trace_id = hex::<16>(&bytes[3..35])?;
        let span_id = hex::<8>(&bytes[36..52])?;
        let flags = hex::<1>(&bytes[53..55])?[0];
        let valid = trace_id != [0; 16] && span_id != [0; 8];
        (valid && flags & 1 == 1).then_some(Self { trace_id, span_id })
    }

    /// The `traceparent` of this context, sampled (`00-{trace-id}-{span-id}-01`).
    ///
    /// ```
    /// use session_metrics::exemplar::TraceContext;
    ///
    /// let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// let context = TraceContext::from_traceparent(header).unwrap();
    /// assert_eq!(context.to_traceparent(), header);
    /// ```
    pub fn to_traceparent(&self) -> String {
        let mut out = String::with_capacity(LEN);
        out.push_str("00-");
        push_hex(&mut out, &self.trace_id);
        out.push('-');
        push_hex(&mut out, &self.span_id);
        out.push_str("-01");
        out
    }
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// `2 * N` lowercase hex digits as `N` bytes.
fn hex<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    fn digit(d: u8) -> Option<u8> {
        match d {
            b'0'..=b'9' => Some(d - b'0'),
            b'a'..=b'f' => Some(d - b'a' + 10),
            _ => None,
        }
    }
    if digits.len() != 2 * N {
        return None;
    }
    let mut out = [0; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn parse(s: &str) -> Option<TraceContext> {
        TraceContext::from_traceparent(s)
    }

    #[test]
    fn valid_sampled() {
        let c = parse(VALID).unwrap();
        assert_eq!(
            c.trace_id,
            [
                0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e,
                0x47, 0x36
            ]
        );
        assert_eq!(c.span_id, [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]);
        assert_eq!(c.to_traceparent(), VALID);
        // Other flag bits do not matter, only bit 0.
        assert_eq!(parse(&VALID.replace("-01", "-03")), Some(c));
        assert_eq!(parse(&VALID.replace("-01", "-ff")), Some(c));
    }

    #[test]
    fn unsampled_is_none() {
        assert_eq!(parse(&VALID.replace("-01", "-00")), None);
        assert_eq!(parse(&VALID.replace("-01", "-02")), None);
    }

    #[test]
    fn versions() {
        assert_eq!(parse(&VALID.replacen("00", "ff", 1)), None, "ff is invalid");
        assert_eq!(parse(&VALID.replacen("00", "0g", 1)), None, "not hex");
        assert_eq!(parse(&VALID.replacen("00", "0A", 1)), None, "upper case");
        // Version 00 is exactly 55 characters.
        assert_eq!(parse(&format!("{VALID}-extra")), None);
        // Future versions: parsed by the first four fields, more after a dash.
        let v1 = VALID.replacen("00", "01", 1);
        assert!(parse(&v1).is_some());
        assert!(parse(&format!("{v1}-more")).is_some());
        assert_eq!(parse(&format!("{v1}x")), None);
    }

    #[test]
    fn lengths_separators_and_digits() {
        assert_eq!(parse(""), None);
        assert_eq!(parse(&VALID[..54]), None);
        assert_eq!(parse(&VALID.replace('-', "_")), None);
        assert_eq!(
            parse(&VALID.replacen("4bf9", "4BF9", 1)),
            None,
            "upper case"
        );
        assert_eq!(parse(&VALID.replacen("4bf9", "4bz9", 1)), None, "not hex");
        assert_eq!(parse(&VALID.replacen("00f0", "+0f0", 1)), None);
        // A multi-byte character where a digit belongs: not a panic.
        assert_eq!(parse(&VALID.replacen("4b", "é", 1)), None);
    }

    #[test]
    fn all_zero_ids_are_invalid() {
        assert_eq!(
            parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            None
        );
        assert_eq!(
            parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
            None
        );
    }
}
