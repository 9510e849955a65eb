//! The clock difference a KRB-ERROR lets us measure (RFC 4120 5.9.1: stime
//! is the server's clock, ctime the client's when the server echoes it).

use crate::capture::Timestamp;

/// Seconds since the Unix epoch of an RFC 3339 UTC time such as
/// "2026-11-25T22:02:33Z" or "...33.5Z".
pub fn parse_utc(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || !s.ends_with('Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let sec: f64 = s.get(17..s.len() - 1)?.parse().ok()?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, mo, d) as f64 * 86_400.0 + (h * 3600 + mi * 60) as f64 + sec)
}

/// Days since 1970-01-01 (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `t` in seconds since the Unix epoch.
pub fn seconds(t: Timestamp) -> f64 {
    t.secs as f64 + f64::from(t.nanos) / 1e9
}

/// A sentence with the measured clock differences.
pub fn clock_note(stime: Option<&str>, ctime: Option<&str>, captured: Timestamp) -> String {
    let st = stime.and_then(parse_utc);
    let ct = ctime.and_then(parse_utc);
    match (st, ct) {
        (Some(s), Some(c)) => format!(
            "Measured: the server's clock (stime {}) is {:+.3} s from the client's (ctime {}).",
            stime.unwrap_or(""),
            s - c,
            ctime.unwrap_or("")
        ),
        (Some(s), None) => {
            let d = s - seconds(captured);
            let who = if d.abs() < 60.0 {
                "so the server's clock agrees with the capture host's, and the client's clock is the one that is off"
            } else {
                "so the server's clock itself is off"
            };
            format!(
                "Measured: the server's time in the KRB-ERROR (stime {}) is {d:+.3} s from the capture's clock, {who}. The client's time is encrypted in the AP-REQ and cannot be read.",
                stime.unwrap_or("")
            )
        }
        _ => "The KRB-ERROR carries no server time to measure the difference.".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_utc("2016-10-16T08:08:40Z"), Some(1_476_605_320.0));
        assert_eq!(parse_utc("2016-10-16T08:08:40.5Z"), Some(1_476_605_320.5));
        assert_eq!(parse_utc("garbage"), None);
        assert_eq!(parse_utc("2016-13-16T08:08:40Z"), None);
    }
}
