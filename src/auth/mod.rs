//! The auth layer: security blobs carried in SMB2 NEGOTIATE / SESSION_SETUP
//! (GSS-API, SPNEGO, NTLMSSP, Kerberos) and Kerberos messages on port 88.
//!
//! Pure functions on `&[u8]`: [`parse_security_blob`] for an SMB2 security
//! buffer, [`parse_kerberos_message`] for a port-88 message (after the TCP
//! record marker, see [`kerberos_tcp_record`]). Results own their data and
//! serialize to JSON with absent fields left out.
//!
//! JSON of an [`AuthInfo`] (SPNEGO fields are flat at the top level):
//!
//! ```json
//! {"mechanism":"ntlmssp",               // "kerberos", "negoex", "spnego-only"
//!  "gss_mech":"spnego", "spnego_token":"negTokenResp",
//!  "neg_result":"accept-incomplete",    // accept-completed, reject, request-mic
//!  "supported_mech":"ntlmssp", "mech_types":["ms-kerberos","kerberos","ntlmssp"],
//!  "ntlmssp":{"message_type":"AUTHENTICATE", "user":"alice", "domain":"SAMPLES",
//!             "workstation":"VM", "response_kind":"NTLMv2", "server_challenge":"...", ...},
//!  "kerberos":{"msg_type":"AP-REQ", "realm":"CORP.EXAMPLE", "sname":"cifs/fs1.corp.example",
//!              "cname":"alice", "error_code":37, "error":"KRB_AP_ERR_SKEW", ...}}
//! ```
//!
//! [`KerberosInfo`] is the `kerberos` object; [`parse_kerberos_message`]
//! returns it directly for port 88.

pub mod der;
pub mod gssapi;
pub mod kerberos;
pub mod ntlmssp;
pub mod spnego;

use serde::Serialize;
use std::fmt;

pub use gssapi::{parse_security_blob, parse_security_blob_boxed, AuthInfo, Mechanism};
pub use kerberos::{
    kerberos_tcp_record, parse_kerberos_message, parse_kerberos_message_boxed, EncType,
    KerberosInfo, KrbMsgType, KrbTcpRecord, PaDataType, TicketInfo,
};
pub use ntlmssp::{parse_ntlmssp, NegotiateFlags, NtlmsspMessage};
pub use spnego::{MechType, NegState, SpnegoInfo};

/// Why a blob could not be decoded: which structure, at which byte offset
/// (from the start of the buffer given to the entry point), and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuthError {
    pub structure: &'static str,
    pub offset: usize,
    pub kind: ErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Fewer bytes than the structure or a length field requires.
    Truncated { needed: usize, have: usize },
    /// An ASN.1 element with another tag than the grammar allows here.
    UnexpectedTag {
        expected: &'static str,
        found: &'static str,
    },
    /// A mandatory `[n]` field is absent.
    Missing(u32),
    /// Nesting deeper than [`der::MAX_DEPTH`].
    TooDeep,
    /// A value the protocol does not allow.
    Invalid(&'static str),
    /// Well-formed but not something this layer decodes.
    Unsupported(&'static str),
}

impl AuthError {
    pub fn new(structure: &'static str, offset: usize, kind: ErrorKind) -> Self {
        AuthError {
            structure,
            offset,
            kind,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Truncated { needed, have } => {
                write!(f, "truncated: needs {needed} bytes, {have} present")
            }
            ErrorKind::UnexpectedTag { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ErrorKind::Missing(n) => write!(f, "mandatory field [{n}] missing"),
            ErrorKind::TooDeep => write!(f, "ASN.1 nesting deeper than {}", der::MAX_DEPTH),
            ErrorKind::Invalid(s) => write!(f, "invalid: {s}"),
            ErrorKind::Unsupported(s) => write!(f, "unsupported: {s}"),
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at offset {}: {}",
            self.structure, self.offset, self.kind
        )
    }
}

impl std::error::Error for AuthError {}

/// Lowercase hex of `b` (the reference for [`crate::smb2::inline::Octets`]).
#[cfg(test)]
pub(crate) fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut v = vec![0u8; b.len() * 2];
    for (o, x) in v.chunks_exact_mut(2).zip(b) {
        o[0] = D[usize::from(x >> 4)];
        o[1] = D[usize::from(x & 15)];
    }
    // Only ASCII digits were written.
    String::from_utf8(v).unwrap_or_default()
}

/// A Windows FILETIME (100 ns since 1601-01-01 UTC) as RFC 3339 UTC text,
/// [`FileTime`](crate::smb2::FileTime)'s; `filetime N` before 1970.
pub(crate) fn filetime_to_string(ft: u64) -> String {
    if ft / 10_000_000 < crate::smb2::FileTime::EPOCH_DIFF {
        return format!("filetime {ft}");
    }
    crate::smb2::FileTime(ft).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
    /// (H. Hinnant's algorithm), in unsigned arithmetic: a reference of its
    /// own for the test, apart from `crate::time::civil_from_days`.
    fn civil_from_days(days: u64) -> (u64, u64, u64) {
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z % 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (if m <= 2 { y + 1 } else { y }, m, d)
    }

    #[test]
    fn filetime() {
        // 2016-10-16T08:08:40Z = 1476605320 s after 1970.
        let ft = (1_476_605_320u64 + 11_644_473_600) * 10_000_000 + 1234;
        assert_eq!(filetime_to_string(ft), "2016-10-16T08:08:40.0001234Z");
        assert_eq!(filetime_to_string(0), "filetime 0");
        // The stack writer against the format string it replaced.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for ft in [x, x >> (x % 64), u64::MAX] {
                let secs_1601 = ft / 10_000_000;
                if secs_1601 < 11_644_473_600 {
                    continue;
                }
                let secs = secs_1601 - 11_644_473_600;
                let rem = secs % 86_400;
                let (y, m, d) = civil_from_days(secs / 86_400);
                let want = format!(
                    "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:07}Z",
                    rem / 3600,
                    (rem % 3600) / 60,
                    rem % 60,
                    ft % 10_000_000
                );
                assert_eq!(filetime_to_string(ft), want);
            }
        }
    }

    #[test]
    fn hex_lower() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
    }

    #[test]
    fn error_display() {
        let e = AuthError::new(
            "NTLMSSP AUTHENTICATE UserName",
            36,
            ErrorKind::Truncated {
                needed: 10,
                have: 2,
            },
        );
        assert_eq!(
            e.to_string(),
            "NTLMSSP AUTHENTICATE UserName at offset 36: truncated: needs 10 bytes, 2 present"
        );
    }
}

#[cfg(test)]
pub(crate) mod samples_tests;
