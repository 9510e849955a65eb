//! The clock differences a KRB-ERROR lets us measure (RFC 4120 5.9.1: stime
//! is the answering server's clock when it sent the error, ctime the
//! client's time from its request when the server echoes it), against the
//! capture's own timestamps (the capturing host's clock, which may be off
//! as well).

use crate::capture::Timestamp;

/// Seconds since the Unix epoch of an RFC 3339 UTC time such as
/// "2026-11-25T22:02:33Z" or "...33.5Z"; `None` for anything else,
/// including fields out of range (hostile KerberosTimes).
pub fn parse_utc(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || !s.ends_with('Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        let t = s.get(r)?;
        if !t.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse::<i64>().ok()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi) = (num(11..13)?, num(14..16)?);
    let sec_text = s.get(17..s.len() - 1)?;
    // Digits with at most one '.', as RFC 3339 writes them: no "NaN",
    // "inf" or exponent.
    let (whole, frac) = sec_text.split_once('.').unwrap_or((sec_text, "0"));
    if whole.len() != 2
        || frac.is_empty()
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let sec: f64 = sec_text.parse().ok()?;
    if !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&mi)
        || sec >= 61.0
    {
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

/// The time-related KRB-ERRORs whose findings measure the clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockError {
    /// KRB_AP_ERR_SKEW (37): the client's time (authenticator ctime, or
    /// the pre-authentication timestamp) is outside the allowed skew of
    /// the server's clock.
    Skew,
    /// KRB_AP_ERR_TKT_NYV (33): the ticket's start time is later than the
    /// server's clock plus the allowed skew.
    NotYetValid,
    /// KRB_AP_ERR_TKT_EXPIRED (32): the ticket's end time has passed by
    /// the server's clock.
    Expired,
}

/// What the capture holds of one KRB-ERROR's times.
#[derive(Clone, Copy, Debug)]
pub struct ErrorTimes<'a> {
    /// stime with susec, RFC 3339.
    pub stime: Option<&'a str>,
    /// ctime with cusec, RFC 3339, when the server echoed it.
    pub ctime: Option<&'a str>,
    /// The frame that carried the KRB-ERROR and its capture time.
    pub frame: u64,
    pub captured: f64,
    /// The capture time of the request the error answers (the client's
    /// time in it was taken just before it was sent).
    pub request_captured: f64,
    /// Where the client's own time sits, encrypted, e.g. "the AP-REQ's
    /// authenticator".
    pub client_time_in: &'a str,
    /// Who answered: "server" or "KDC".
    pub who: &'a str,
}

/// Below this (seconds), the server's and the capturing host's clocks
/// count as agreeing: small beside the allowed skew of 5 minutes.
const AGREE_SECS: f64 = 60.0;

/// Over this, one of the clocks was never set or the capture's
/// timestamps were rewritten: nothing follows about the clocks.
const UNSET_SECS: f64 = 366.0 * 86_400.0;

/// How far (seconds) a server's clock, read as `stime` (RFC 3339) in a
/// message captured at `captured`, is ahead of the capturing host's
/// (negative: behind); `None` when unreadable or years off (see
/// [`UNSET_SECS`]).
pub fn offset(stime: Option<&str>, captured: f64) -> Option<f64> {
    let d = parse_utc(stime?)? - captured;
    (d.abs() <= UNSET_SECS).then_some(d)
}

/// Whether an offset from [`offset`] counts as the clocks agreeing.
pub fn agrees(d: f64) -> bool {
    d.abs() < AGREE_SECS
}

/// A sentence on the SMB server's clock as its NEGOTIATE response (frame
/// `frame`) shows it: `d`, its SystemTime minus the capture's timestamp of
/// that frame ([MS-SMB2] 2.2.4); empty when years off (an unset clock, or
/// rewritten capture times, which prove nothing).
pub fn negotiate_note(frame: u64, d: f64) -> String {
    if d.is_nan() || d.abs() > UNSET_SECS {
        return String::new();
    }
    let said = format!("The SMB server's SystemTime in its NEGOTIATE response (frame {frame})");
    if agrees(d) {
        format!(
            " {said} was {} from the capturing host's clock: they agree.",
            offset_words(d)
        )
    } else {
        format!(
            " {said} was {} the capturing host's clock.",
            relative_words(d)
        )
    }
}

/// One or two sentences saying which clock the KRB-ERROR shows off and by
/// how much, as far as the wire shows it; empty when it carries no
/// readable stime.
pub fn clock_note(kind: ClockError, t: &ErrorTimes<'_>) -> String {
    let Some((stime, st)) = t.stime.and_then(|s| Some((s, parse_utc(s)?))) else {
        return "The KRB-ERROR carries no readable server time (stime) to measure the clocks with."
            .to_string();
    };
    let d = st - t.captured;
    let who = t.who;
    let compare = if who == "KDC" {
        "compare this KDC's clock with the other domain controllers'"
    } else {
        "compare the server's clock with the KDC's"
    };
    let read = format!(
        "The {who}'s clock read {} in its KRB-ERROR (frame {})",
        utc_words(stime),
        t.frame
    );
    if d.abs() > UNSET_SECS {
        return format!("{read}, {} from the capture's timestamps: one of the two clocks was never set or the capture's times were rewritten, so the capture cannot tell which clock is off.", offset_words(d));
    }
    let agree = d.abs() < AGREE_SECS;
    // A Samba AD DC's KDC also refuses a TGT with two minutes or less left
    // (the finding's explanation says so before this note).
    let nearly = if who == "KDC" {
        ", or was two minutes or less away"
    } else {
        ""
    };
    let rel = if agree {
        format!(
            "{read}, {} from the capturing host's clock",
            offset_words(d)
        )
    } else {
        format!(
            "{read}: it is {} the capturing host's clock",
            relative_words(d)
        )
    };
    let ct = t.ctime.and_then(|c| Some((c, parse_utc(c)?)));
    if let (ClockError::Skew, Some((ctime, ct))) = (kind, ct) {
        return format!(
            "{rel}. The client's time it echoes (ctime {}) is {} the {who}'s, which is the offset between the client's and the {who}'s clocks, and {} the capturing host's clock when the request was captured.",
            utc_words(ctime),
            relative_words(ct - st),
            relative_words(ct - t.request_captured)
        );
    }
    let then = match (kind, agree) {
        (ClockError::Skew, true) => format!(": the {who} and the capturing host agree, so the client's time (encrypted in {}) is the one more than the allowed skew away from both.", t.client_time_in),
        (ClockError::Skew, false) => format!(". The client's time is encrypted in {}, so the capture cannot tell whether the client's clock or the {who}'s is off; if the client's agrees with the capturing host's, the {who}'s is.", t.client_time_in),
        (ClockError::NotYetValid, true) => format!(": the {who} and the capturing host agree, so the ticket's start time (set by the KDC that issued it; encrypted) lies more than the allowed skew ahead of both: that KDC's clock was ahead when it issued the ticket, or the ticket is postdated."),
        (ClockError::NotYetValid, false) if d < 0.0 => format!(". A clock behind the issuing KDC's makes a fresh ticket not yet valid: {compare}."),
        (ClockError::NotYetValid, false) => ", so the ticket's start time lies even further ahead of the capturing host's clock: the KDC that issued the ticket had a clock ahead of both, or the ticket is postdated.".to_string(),
        (ClockError::Expired, true) => format!(": the {who} and the capturing host agree, so by both clocks the ticket's end time (set by the KDC that issued it; encrypted) had passed{nearly}: the ticket is old, not made to look old by the {who}'s clock."),
        (ClockError::Expired, false) if d > 0.0 => format!(". A clock ahead makes a ticket look expired that much early: {compare}."),
        (ClockError::Expired, false) => format!(", so by the capturing host's clock too the ticket's end time had passed{nearly}: the ticket is old."),
    };
    format!("{rel}{then}")
}

/// "2026-11-25 22:08:23 UTC" of "2026-11-25T22:08:23.598057Z" (already
/// checked by [`parse_utc`]).
fn utc_words(t: &str) -> String {
    match (t.get(..10), t.get(11..19)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => t.to_string(),
    }
}

/// "2 h 03 min ahead of", "4.5 s behind".
pub fn relative_words(d: f64) -> String {
    let dir = if d >= 0.0 { "ahead of" } else { "behind" };
    format!("{} {dir}", offset_words(d))
}

/// The size of an offset: "0.1 ms", "12.4 s", "7 min 05 s", "2 h 03 min",
/// "3 days 4 h".
pub fn offset_words(d: f64) -> String {
    let a = d.abs();
    if a < 1.0 {
        format!("{:.1} ms", a * 1000.0)
    } else if a < 60.0 {
        format!("{a:.1} s")
    } else {
        // Whole seconds, at most UNSET_SECS-ish in practice but bounded
        // whatever comes: f64 → u64 saturates.
        let s = a.round() as u64;
        if s < 3600 {
            format!("{} min {:02} s", s / 60, s % 60)
        } else if s < 2 * 86_400 {
            format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
        } else {
            format!("{} days {} h", s / 86_400, (s % 86_400) / 3600)
        }
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

    #[test]
    fn refuses_hostile_times() {
        for t in [
            "2016-10-16T08:08:NaNZ",
            "2016-10-16T08:08:infZ",
            "2016-10-16T08:08:1e308Z",
            "2016-10-16T-1:08:40Z",
            "2016-10-16T24:08:40Z",
            "2016-10-16T08:60:40Z",
            "2016-10-16T08:08:99Z",
            "2016-10-16T08:08:40.Z",
            "+016-10-16T08:08:40Z",
            "2016-10-16T08:08:4\u{e9}Z",
        ] {
            assert_eq!(parse_utc(t), None, "{t}");
        }
    }

    fn times<'a>(stime: &'a str, ctime: Option<&'a str>, captured: f64) -> ErrorTimes<'a> {
        ErrorTimes {
            stime: Some(stime),
            ctime,
            frame: 17,
            captured,
            request_captured: captured - 0.5,
            client_time_in: "the AP-REQ's authenticator",
            who: "server",
        }
    }

    #[test]
    fn says_which_clock() {
        let s = "2026-11-27T10:00:03.200000Z";
        let at = parse_utc(s).unwrap_or_default();
        // Server and capturing host agree.
        let n = clock_note(ClockError::NotYetValid, &times(s, None, at - 0.2));
        assert!(n.starts_with("The server's clock read 2026-11-27 10:00:03 UTC in its KRB-ERROR (frame 17), 200.0 ms from the capturing host's clock: the server and the capturing host agree, so the ticket's start time"), "{n}");
        // The server 2 h 03 min behind the capturing host.
        let n = clock_note(ClockError::NotYetValid, &times(s, None, at + 7380.0));
        assert!(n.contains("it is 2 h 03 min behind the capturing host's clock. A clock behind the issuing KDC's"), "{n}");
        let n = clock_note(ClockError::Expired, &times(s, None, at - 600.0));
        assert!(n.contains("10 min 00 s ahead of the capturing host's clock. A clock ahead makes a ticket look expired"), "{n}");
        let n = clock_note(ClockError::Skew, &times(s, None, at));
        assert!(
            n.contains("so the client's time (encrypted in the AP-REQ's authenticator) is the one"),
            "{n}"
        );
        // ctime: the client 1 h ahead of the server, whose clock agrees
        // with the capturing host's.
        let c = "2026-11-27T11:00:03.200000Z";
        let n = clock_note(ClockError::Skew, &times(s, Some(c), at));
        assert!(
            n.contains("(ctime 2026-11-27 11:00:03 UTC) is 1 h 00 min ahead of the server's"),
            "{n}"
        );
        assert!(
            n.contains("and 1 h 00 min ahead of the capturing host's clock"),
            "{n}"
        );
        // Years apart: no conclusion.
        let n = clock_note(ClockError::Skew, &times(s, None, 0.0));
        assert!(n.contains("cannot tell which clock is off"), "{n}");
        // No readable stime.
        let n = clock_note(ClockError::Skew, &times("20261127100003Z", None, at));
        assert!(n.contains("no readable server time"), "{n}");
    }

    #[test]
    fn negotiate_system_time() {
        assert_eq!(
            negotiate_note(6, -0.0075),
            " The SMB server's SystemTime in its NEGOTIATE response (frame 6) was 7.5 ms from the capturing host's clock: they agree."
        );
        assert!(negotiate_note(6, 7380.0)
            .ends_with("(frame 6) was 2 h 03 min ahead of the capturing host's clock."));
        assert!(
            negotiate_note(6, -61.0).ends_with("was 1 min 01 s behind the capturing host's clock.")
        );
        // years off, or not a number: nothing follows
        assert_eq!(negotiate_note(6, -1.7e9), "");
        assert_eq!(negotiate_note(6, f64::NAN), "");
    }

    #[test]
    fn offsets_in_words() {
        assert_eq!(offset_words(-0.0004), "0.4 ms");
        assert_eq!(offset_words(12.44), "12.4 s");
        assert_eq!(offset_words(425.0), "7 min 05 s");
        assert_eq!(offset_words(-7380.0), "2 h 03 min");
        assert_eq!(offset_words(3.0 * 86_400.0 + 4.0 * 3600.0), "3 days 4 h");
        assert!(!offset_words(f64::NAN).is_empty());
        assert!(!offset_words(f64::INFINITY).is_empty());
    }
}
