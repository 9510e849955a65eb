//! SMB1 logon and share messages: SMB_COM_SESSION_SETUP_ANDX ([MS-CIFS]
//! 2.2.4.53; with extended security, [MS-SMB] 2.2.4.6) and
//! SMB_COM_TREE_CONNECT_ANDX ([MS-CIFS] 2.2.4.55; [MS-SMB] 2.2.4.7).
//!
//! Offsets are from the SMB1 header's first byte: WordCount is at 32, the
//! parameter words follow it, then ByteCount and the bytes. Strings are
//! UTF-16LE, 2-byte aligned from the header's start, when Flags2 has
//! SMB_FLAGS2_UNICODE, and NUL-terminated OEM otherwise (read as ASCII:
//! the code page is not on the wire).
//! Every read is bounded by ByteCount and by the bytes present.

use serde::Serialize;
use std::ops::Range;

use super::tree::ShareType;
use super::wire::{open_flags, u16_at, u8_at, utf16le};

/// Offset of WordCount in an SMB1 message.
const WORD_COUNT_AT: usize = 32;
/// Longest string kept from a logon or tree connect (characters).
const MAX_STRING: usize = 256;

open_flags! {
    /// The Action field of a SESSION_SETUP_ANDX response ([MS-CIFS]
    /// 2.2.4.53.2).
    Smb1SetupAction(u16), width 4;
    GUEST = 0x0001 => "GUEST",
    USE_LANMAN_KEY = 0x0002 => "USE_LANMAN_KEY",
}

/// SMB_COM_SESSION_SETUP_ANDX, request or response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SessionSetupAndx {
    /// WordCount: 12 (request with extended security), 13 (NT LM 0.12
    /// request with passwords); 4 (response with extended security), 3
    /// (response), 0 (error response).
    pub word_count: u8,
    /// SecurityBlobLength (WordCount 12 and 4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_blob_length: Option<u16>,
    /// OEMPasswordLen (WordCount 13).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oem_password_length: Option<u16>,
    /// UnicodePasswordLen (WordCount 13).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unicode_password_length: Option<u16>,
    /// AccountName (requests without extended security).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// PrimaryDomain (requests without extended security; WordCount 3
    /// responses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_os: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_lanman: Option<String>,
    /// Action (responses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Smb1SetupAction>,
    /// Where the security blob lies in the message (the part present).
    #[serde(skip)]
    pub security_blob: Option<Range<usize>>,
    /// The capture cut the message before ByteCount's end: a string not
    /// given may be in the part cut off.
    #[serde(skip)]
    pub cut: bool,
}

/// SMB_COM_TREE_CONNECT_ANDX: the request's share and service asked for,
/// the response's service given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeConnectAndx {
    /// Path (requests), e.g. `\\SERVER\SHARE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Service: "A:" (disk), "LPT1:" (printer), "IPC" (named pipe), "COMM",
    /// "?????" (any, in requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// NativeFileSystem (responses), e.g. "NTFS".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_file_system: Option<String>,
}

impl TreeConnectAndx {
    /// The share type the response's Service names, in SMB2's terms.
    pub fn share_type(&self) -> Option<ShareType> {
        Some(match self.service.as_deref()? {
            "A:" => ShareType::DISK,
            "IPC" => ShareType::PIPE,
            "LPT1:" => ShareType::PRINT,
            _ => return None,
        })
    }
}

/// The bytes of the command whose WordCount `wc` is at `at` (from the
/// header's first byte): the range ByteCount gives them, clipped to what
/// is present, and whether it was clipped (the capture cut the message).
pub(super) fn bytes_range(pdu: &[u8], at: usize, wc: u8) -> Option<(Range<usize>, bool)> {
    let bc_at = at + 1 + 2 * usize::from(wc);
    let count = usize::from(u16_at(pdu, bc_at)?);
    let start = bc_at + 2;
    let declared = start.saturating_add(count);
    let end = declared.min(pdu.len());
    (start <= end).then_some((start..end, declared > end))
}

/// Reads NUL-terminated strings one after another out of `pdu[at..end]`.
/// When the capture cut the bytes (`cut`), a string whose end is not there
/// is not given: a part of a name is not the name.
pub(super) struct Strings<'a> {
    pdu: &'a [u8],
    at: usize,
    end: usize,
    unicode: bool,
    cut: bool,
}

impl<'a> Strings<'a> {
    /// The strings of `pdu[bytes]`.
    pub(super) fn new(pdu: &'a [u8], bytes: &Range<usize>, unicode: bool, cut: bool) -> Self {
        Strings {
            pdu,
            at: bytes.start,
            end: bytes.end,
            unicode,
            cut,
        }
    }

    /// Skips the pad byte before a Unicode string at an odd offset.
    fn align(&mut self) {
        if self.unicode && self.at % 2 == 1 {
            self.at += 1;
        }
    }

    /// The next string, or None when the bytes end before it begins.
    pub(super) fn next_string(&mut self) -> Option<String> {
        self.align();
        self.next_in(self.unicode)
    }

    /// The next string in OEM (some fields are OEM whatever Flags2 says).
    fn next_oem(&mut self) -> Option<String> {
        self.next_in(false)
    }

    fn next_in(&mut self, unicode: bool) -> Option<String> {
        let rest = self.pdu.get(self.at..self.end)?;
        if rest.is_empty() {
            return None;
        }
        let end = if unicode {
            rest.chunks_exact(2)
                .position(|u| u == [0, 0])
                .map(|n| 2 * n)
        } else {
            rest.iter().position(|&b| b == 0)
        };
        let (len, skip) = match end {
            Some(n) => (n, n + if unicode { 2 } else { 1 }),
            None if self.cut => {
                self.at = self.end;
                return None;
            }
            None if unicode => (rest.len() & !1, rest.len()),
            None => (rest.len(), rest.len()),
        };
        self.at = self.at.saturating_add(skip).min(self.end);
        let raw = rest.get(..len)?;
        // The OEM code page is not on the wire: ASCII, and U+FFFD for any
        // other byte, as tshark shows it.
        let mut s = if unicode {
            utf16le(raw)
        } else {
            raw.iter()
                .map(|&b| {
                    if b.is_ascii() {
                        char::from(b)
                    } else {
                        '\u{FFFD}'
                    }
                })
                .collect()
        };
        if let Some((i, _)) = s.char_indices().nth(MAX_STRING) {
            s.truncate(i);
        }
        Some(s)
    }
}

/// Parses a SESSION_SETUP_ANDX request or response (`pdu` from the SMB1
/// header's first byte). None when WordCount is not a known form.
pub fn parse_session_setup(pdu: &[u8], response: bool, unicode: bool) -> Option<SessionSetupAndx> {
    let wc = u8_at(pdu, WORD_COUNT_AT)?;
    let w = WORD_COUNT_AT + 1;
    let mut s = SessionSetupAndx {
        word_count: wc,
        ..SessionSetupAndx::default()
    };
    if response && wc == 0 {
        return Some(s);
    }
    let (bytes, cut) = bytes_range(pdu, WORD_COUNT_AT, wc)?;
    s.cut = cut;
    let mut st = Strings::new(pdu, &bytes, unicode, cut);
    match (response, wc) {
        // [MS-SMB] 2.2.4.6.1: ... SessionKey, SecurityBlobLength (word 7).
        (false, 12) | (true, 4) => {
            let len = u16_at(pdu, w + if response { 6 } else { 14 })?;
            if response {
                s.action = u16_at(pdu, w + 4).map(Smb1SetupAction);
            }
            s.security_blob_length = Some(len);
            let end = bytes.start.saturating_add(usize::from(len));
            s.security_blob = Some(bytes.start..end.min(bytes.end));
            st.at = end.min(bytes.end);
            s.native_os = st.next_string();
            s.native_lanman = st.next_string();
            if response {
                // Not in [MS-SMB] 2.2.4.6.2, but Windows and Samba send it,
                // as in the WordCount 3 form, and tshark reads it.
                s.primary_domain = st.next_string();
            }
        }
        // [MS-CIFS] 2.2.4.53.1: OEMPasswordLen (word 7), UnicodePasswordLen (word 8).
        (false, 13) => {
            let oem = u16_at(pdu, w + 14)?;
            let uni = u16_at(pdu, w + 16)?;
            s.oem_password_length = Some(oem);
            s.unicode_password_length = Some(uni);
            st.at = bytes
                .start
                .saturating_add(usize::from(oem) + usize::from(uni))
                .min(bytes.end);
            s.account = st.next_string();
            s.primary_domain = st.next_string();
            s.native_os = st.next_string();
            s.native_lanman = st.next_string();
        }
        // [MS-CIFS] 2.2.4.53.2: Action (word 2), then NativeOS, NativeLanMan, PrimaryDomain.
        (true, 3) => {
            s.action = u16_at(pdu, w + 4).map(Smb1SetupAction);
            s.native_os = st.next_string();
            s.native_lanman = st.next_string();
            s.primary_domain = st.next_string();
        }
        _ => return None,
    }
    Some(s)
}

/// Parses a TREE_CONNECT_ANDX request ([MS-CIFS] 2.2.4.55.1: WordCount 4,
/// PasswordLength in word 3; the bytes are Password, Path, and Service in
/// OEM) or response (2.2.4.55.2, [MS-SMB] 2.2.4.7.2: WordCount 3 or 7; the
/// bytes are Service in OEM, then NativeFileSystem), whose WordCount is at
/// `at` (32 for the header's own command; further for one chained by AndX
/// to a SESSION_SETUP_ANDX, [MS-CIFS] 2.2.3.4).
pub fn parse_tree_connect(
    pdu: &[u8],
    at: usize,
    response: bool,
    unicode: bool,
) -> Option<TreeConnectAndx> {
    let wc = u8_at(pdu, at)?;
    let (bytes, cut) = match (response, wc) {
        (false, 4) | (true, 3) | (true, 7) => bytes_range(pdu, at, wc)?,
        _ => return None,
    };
    let mut st = Strings::new(pdu, &bytes, unicode, cut);
    if response {
        let service = st.next_oem();
        let native_file_system = st.next_string();
        return Some(TreeConnectAndx {
            path: None,
            service,
            native_file_system,
        });
    }
    let pw = u16_at(pdu, at + 1 + 6)?;
    st.at = bytes.start.saturating_add(usize::from(pw)).min(bytes.end);
    let path = st.next_string();
    let service = st.next_oem();
    Some(TreeConnectAndx {
        path,
        service,
        native_file_system: None,
    })
}

/// One line of what a logon or tree connect message says: "account
/// SAMPLES\\alice, passwords 24+24 bytes", "GUEST", "\\\\srv\\share",
/// "service A:"; a tree connect chained to a logon after it, by name
/// ("...; SMB_COM_TREE_CONNECT_ANDX \\\\srv\\share").
pub fn logon_detail(
    setup: Option<&SessionSetupAndx>,
    tree: Option<&TreeConnectAndx>,
) -> Option<String> {
    let tree = tree.and_then(tree_detail);
    let Some(setup) = setup else {
        return tree;
    };
    match (setup_detail(setup), tree) {
        (Some(s), Some(t)) => Some(format!("{s}; SMB_COM_TREE_CONNECT_ANDX {t}")),
        (None, Some(t)) => Some(format!("SMB_COM_TREE_CONNECT_ANDX {t}")),
        (s, None) => s,
    }
}

/// A tree connect's path, or its response's service.
fn tree_detail(t: &TreeConnectAndx) -> Option<String> {
    match (&t.path, &t.service) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(s)) => Some(format!("service {s}")),
        (None, None) => None,
    }
}

/// A logon's account and password lengths, or its response's GUEST.
fn setup_detail(s: &SessionSetupAndx) -> Option<String> {
    if let (Some(oem), Some(uni)) = (s.oem_password_length, s.unicode_password_length) {
        let user = s.account.as_deref().unwrap_or("");
        let who = match s.primary_domain.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => format!("{d}\\{user}"),
            None => user.to_string(),
        };
        let who = if who.is_empty() {
            "(none)".to_string()
        } else {
            who
        };
        return Some(format!(
            "account {who}, passwords {oem}+{uni} bytes (no SPNEGO)"
        ));
    }
    s.action
        .filter(|a| a.contains(Smb1SetupAction::GUEST))
        .map(|_| "action GUEST".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An SMB1 header (32 bytes) with the given words and bytes.
    fn message(words: &[u8], bytes: &[u8]) -> Vec<u8> {
        let mut p = vec![0u8; 32];
        p[..4].copy_from_slice(b"\xffSMB");
        p.push((words.len() / 2) as u8);
        p.extend_from_slice(words);
        p.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        p.extend_from_slice(bytes);
        p
    }

    #[test]
    fn cut_and_hostile_lengths_do_not_panic() {
        // WordCount 13, lengths far beyond the message.
        let mut words = vec![0u8; 26];
        words[14..16].copy_from_slice(&0xffffu16.to_le_bytes());
        words[16..18].copy_from_slice(&0xffffu16.to_le_bytes());
        let p = message(&words, b"abc");
        for n in 0..=p.len() {
            let _ = parse_session_setup(&p[..n], false, true);
            let _ = parse_session_setup(&p[..n], false, false);
            let _ = parse_tree_connect(&p[..n], WORD_COUNT_AT, false, true);
            let _ = parse_tree_connect(&p[..n], WORD_COUNT_AT, true, true);
        }
        let s = parse_session_setup(&p, false, true).unwrap();
        assert_eq!((s.oem_password_length, s.account), (Some(0xffff), None));
    }
}
