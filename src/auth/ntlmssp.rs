//! NTLMSSP messages ([MS-NLMP] 2.2): NEGOTIATE, CHALLENGE, AUTHENTICATE.

use super::{filetime_to_string, AuthError, ErrorKind};
use crate::smb2::inline::{HexCode, Octets, Text};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::fmt;

/// The 8-byte signature every NTLMSSP message starts with ([MS-NLMP] 2.2.1).
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

/// NegotiateFlags ([MS-NLMP] 2.2.2.5). An open set: unknown bits survive
/// and print as hex.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NegotiateFlags(pub u32);

const FLAG_NAMES: [(u32, &str); 22] = [
    (0x0000_0001, "NEGOTIATE_UNICODE"),
    (0x0000_0002, "NEGOTIATE_OEM"),
    (0x0000_0004, "REQUEST_TARGET"),
    (0x0000_0010, "NEGOTIATE_SIGN"),
    (0x0000_0020, "NEGOTIATE_SEAL"),
    (0x0000_0040, "NEGOTIATE_DATAGRAM"),
    (0x0000_0080, "NEGOTIATE_LM_KEY"),
    (0x0000_0200, "NEGOTIATE_NTLM"),
    (0x0000_0800, "ANONYMOUS"),
    (0x0000_1000, "NEGOTIATE_OEM_DOMAIN_SUPPLIED"),
    (0x0000_2000, "NEGOTIATE_OEM_WORKSTATION_SUPPLIED"),
    (0x0000_8000, "NEGOTIATE_ALWAYS_SIGN"),
    (0x0001_0000, "TARGET_TYPE_DOMAIN"),
    (0x0002_0000, "TARGET_TYPE_SERVER"),
    (0x0008_0000, "NEGOTIATE_EXTENDED_SESSIONSECURITY"),
    (0x0010_0000, "NEGOTIATE_IDENTIFY"),
    (0x0040_0000, "REQUEST_NON_NT_SESSION_KEY"),
    (0x0080_0000, "NEGOTIATE_TARGET_INFO"),
    (0x0200_0000, "NEGOTIATE_VERSION"),
    (0x2000_0000, "NEGOTIATE_128"),
    (0x4000_0000, "NEGOTIATE_KEY_EXCH"),
    (0x8000_0000, "NEGOTIATE_56"),
];

impl NegotiateFlags {
    pub const UNICODE: u32 = 0x0000_0001;
    pub const OEM: u32 = 0x0000_0002;
    pub const ANONYMOUS: u32 = 0x0000_0800;
    pub const EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
    pub const VERSION: u32 = 0x0200_0000;
    pub const KEY_EXCH: u32 = 0x4000_0000;

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit == bit
    }

    /// Names of the set bits (without the `NTLMSSP_` prefix); unknown bits
    /// as `0x...`.
    pub fn names(self) -> Vec<String> {
        self.bits()
            .map(|b| match flag_name(b) {
                Some(n) => n.to_string(),
                None => format!("0x{b:08x}"),
            })
            .collect()
    }

    /// The set bits, lowest first, each as its mask.
    fn bits(self) -> impl Iterator<Item = u32> {
        let mut v = self.0;
        std::iter::from_fn(move || {
            let b = v & v.wrapping_neg();
            v &= !b;
            (b != 0).then_some(b)
        })
    }
}

// Written to JSON without an escape check (json::push_name).
const _: () = {
    let mut i = 0;
    while i < FLAG_NAMES.len() {
        assert!(crate::json::is_plain_name(FLAG_NAMES[i].1));
        i += 1;
    }
};

/// [`FLAG_NAMES`] by bit number.
const FLAG_BY_BIT: [Option<&str>; 32] = {
    let mut t = [None; 32];
    let mut i = 0;
    while i < FLAG_NAMES.len() {
        let (bit, name) = FLAG_NAMES[i];
        t[bit.trailing_zeros() as usize] = Some(name);
        i += 1;
    }
    t
};

/// The name of the single bit `b`, if it has one.
fn flag_name(b: u32) -> Option<&'static str> {
    FLAG_BY_BIT
        .get(b.trailing_zeros() as usize)
        .copied()
        .flatten()
}

impl Serialize for NegotiateFlags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("NegotiateFlags", 2)?;
        st.serialize_field("value", &HexCode::<8>(self.0))?;
        st.serialize_field("names", &FlagNames(*self))?;
        st.end()
    }
}

/// [`NegotiateFlags::names`] as a JSON list, without building it.
struct FlagNames(NegotiateFlags);

impl Serialize for FlagNames {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(None)?;
        for b in self.0.bits() {
            match flag_name(b) {
                Some(n) => seq.serialize_element(&crate::smb2::wire::Name(n))?,
                None => seq.serialize_element(&HexCode::<8>(b))?,
            }
        }
        seq.end()
    }
}

/// VERSION ([MS-NLMP] 2.2.2.10). Prints, and serializes, as "major.minor
/// build N" (ProductMajorVersion, ProductMinorVersion, ProductBuild); a
/// message writes its NTLMRevisionCurrent as a key of its own, see
/// [`Version::serialize_fields`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
    pub build: u16,
    /// NTLMRevisionCurrent: 0x0F, NTLMSSP_REVISION_W2K3, from current
    /// clients and servers (tshark's ntlmssp.version.ntlm_current_revision).
    pub ntlm_revision: u8,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{} build {}", self.major, self.minor, self.build)
    }
}

impl Version {
    /// The text of `Display`, on the stack (at most "255.255 build 65535").
    fn text(&self) -> ([u8; 20], usize) {
        use crate::report::fastfmt::put_dec;
        let mut b = [0u8; 20];
        let mut n = put_dec(&mut b, u32::from(self.major));
        b[n] = b'.';
        n += 1;
        n += put_dec(&mut b[n..], u32::from(self.minor));
        b[n..n + 7].copy_from_slice(b" build ");
        n += 7;
        n += put_dec(&mut b[n..], u32::from(self.build));
        (b, n)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (b, n) = self.text();
        crate::json::ascii_text(&b[..n]).serialize(s)
    }
}

impl Version {
    /// A message's keys for its VERSION, when it carries one: `version`
    /// ("major.minor build N") and `ntlm_revision` (NTLMRevisionCurrent).
    fn serialize_fields<M: SerializeStruct>(
        v: Option<&Version>,
        st: &mut M,
    ) -> Result<(), M::Error> {
        match v {
            Some(v) => {
                st.serialize_field("version", v)?;
                st.serialize_field("ntlm_revision", &v.ntlm_revision)
            }
            None => {
                st.skip_field("version")?;
                st.skip_field("ntlm_revision")
            }
        }
    }
}

/// AV_PAIR AvId ([MS-NLMP] 2.2.2.1), open set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AvId(pub u16);

impl AvId {
    pub const EOL: AvId = AvId(0);
    pub const NB_COMPUTER_NAME: AvId = AvId(1);
    pub const NB_DOMAIN_NAME: AvId = AvId(2);
    pub const DNS_COMPUTER_NAME: AvId = AvId(3);
    pub const DNS_DOMAIN_NAME: AvId = AvId(4);
    pub const DNS_TREE_NAME: AvId = AvId(5);
    pub const FLAGS: AvId = AvId(6);
    pub const TIMESTAMP: AvId = AvId(7);
    pub const SINGLE_HOST: AvId = AvId(8);
    pub const TARGET_NAME: AvId = AvId(9);
    pub const CHANNEL_BINDINGS: AvId = AvId(10);

    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "MsvAvEOL",
            1 => "MsvAvNbComputerName",
            2 => "MsvAvNbDomainName",
            3 => "MsvAvDnsComputerName",
            4 => "MsvAvDnsDomainName",
            5 => "MsvAvDnsTreeName",
            6 => "MsvAvFlags",
            7 => "MsvAvTimestamp",
            8 => "MsvAvSingleHost",
            9 => "MsvAvTargetName",
            10 => "MsvAvChannelBindings",
            _ => return None,
        })
    }
}

impl fmt::Display for AvId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "0x{:04x}", self.0),
        }
    }
}

impl Serialize for AvId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(n) => crate::smb2::wire::serialize_name(s, n),
            None => s.collect_str(self),
        }
    }
}

/// MsvAvFlags bit: the AUTHENTICATE message carries a MIC ([MS-NLMP] 2.2.2.1).
pub const AV_FLAG_MIC_PRESENT: u32 = 0x0000_0002;

/// The decoded value of an AV_PAIR.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AvValue {
    /// Names (UTF-16LE on the wire).
    Text(Text),
    /// MsvAvFlags.
    Flags(u32),
    /// MsvAvTimestamp, serialized as RFC 3339 UTC.
    Timestamp(NtTime),
    /// Anything else, serialized as lowercase hex.
    Hex(Octets),
}

/// A FILETIME of an NTLM message (MsvAvTimestamp, the NTLMv2 client
/// challenge's TimeStamp; [MS-NLMP] 2.2.2.1, 2.2.2.7), kept as the number
/// and written as [`filetime_to_string`] writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NtTime(pub u64);

impl fmt::Display for NtTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&filetime_to_string(self.0))
    }
}

impl Serialize for NtTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // From 1970 on the text is FileTime's, written on the stack.
        if self.0 / 10_000_000 >= crate::smb2::FileTime::EPOCH_DIFF {
            return crate::smb2::FileTime(self.0).serialize(s);
        }
        s.serialize_str(&filetime_to_string(self.0))
    }
}

/// AV_PAIR ([MS-NLMP] 2.2.2.1). Serializes as `{"id":..,"text":..}`
/// (the value's kind as the second key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvPair {
    pub id: AvId,
    pub value: AvValue,
}

/// By hand: the derived form (`#[serde(flatten)]` on `value`) goes through
/// `serialize_map` and serde's flattening adapter, for two keys.
impl Serialize for AvPair {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("AvPair", 2)?;
        st.serialize_field("id", &self.id)?;
        match &self.value {
            AvValue::Text(t) => st.serialize_field("text", t)?,
            AvValue::Flags(f) => st.serialize_field("flags", f)?,
            AvValue::Timestamp(t) => st.serialize_field("timestamp", t)?,
            AvValue::Hex(h) => st.serialize_field("hex", h)?,
        }
        st.end()
    }
}

/// How the client answered the challenge ([MS-NLMP] 3.3.1, 3.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ResponseKind {
    #[serde(rename = "anonymous")]
    Anonymous,
    #[serde(rename = "LM")]
    Lm,
    #[serde(rename = "NTLMv1")]
    NtlmV1,
    #[serde(rename = "NTLMv1-ESS")]
    NtlmV1Ess,
    #[serde(rename = "NTLMv2")]
    NtlmV2,
    /// An NtChallengeResponse of 1..23 bytes: matches no scheme.
    #[serde(rename = "unknown")]
    Unknown,
}

impl ResponseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseKind::Anonymous => "anonymous",
            ResponseKind::Lm => "LM",
            ResponseKind::NtlmV1 => "NTLMv1",
            ResponseKind::NtlmV1Ess => "NTLMv1-ESS",
            ResponseKind::NtlmV2 => "NTLMv2",
            ResponseKind::Unknown => "unknown",
        }
    }
}

/// NEGOTIATE_MESSAGE ([MS-NLMP] 2.2.1.1). Serialized by hand (the keys
/// in this order, those of `None` left out): a VERSION is two keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiate {
    pub flags: NegotiateFlags,
    pub domain: Option<Text>,
    pub workstation: Option<Text>,
    pub version: Option<Version>,
}

impl Serialize for Negotiate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Negotiate", 5)?;
        st.serialize_field("flags", &self.flags)?;
        if let Some(d) = &self.domain {
            st.serialize_field("domain", d)?;
        }
        if let Some(w) = &self.workstation {
            st.serialize_field("workstation", w)?;
        }
        Version::serialize_fields(self.version.as_ref(), &mut st)?;
        st.end()
    }
}

/// CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2). Serialized by hand, as
/// [`Negotiate`]; `target_info` left out when empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub flags: NegotiateFlags,
    /// ServerChallenge, 8 bytes, serialized as lowercase hex.
    pub server_challenge: Octets,
    pub target_name: Option<Text>,
    pub target_info: AvPairs,
    pub version: Option<Version>,
}

impl Serialize for Challenge {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Challenge", 6)?;
        st.serialize_field("flags", &self.flags)?;
        st.serialize_field("server_challenge", &self.server_challenge)?;
        if let Some(t) = &self.target_name {
            st.serialize_field("target_name", t)?;
        }
        if !self.target_info.is_empty() {
            st.serialize_field("target_info", &self.target_info)?;
        }
        Version::serialize_fields(self.version.as_ref(), &mut st)?;
        st.end()
    }
}

/// The NTLMv2_CLIENT_CHALLENGE inside an NTLMv2 response ([MS-NLMP] 2.2.2.7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NtlmV2ClientChallenge {
    /// ChallengeFromClient, serialized as lowercase hex.
    pub client_challenge: Octets,
    pub timestamp: NtTime,
    #[serde(skip_serializing_if = "<[AvPair]>::is_empty")]
    pub av_pairs: AvPairs,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub av_flags: Option<u32>,
    /// MsvAvChannelBindings (16-byte hash, hex); all zeros means "none".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_bindings: Option<Octets>,
    /// MsvAvTargetName, e.g. "cifs/fs1.corp.example".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_spn: Option<Text>,
}

/// AUTHENTICATE_MESSAGE ([MS-NLMP] 2.2.1.3). Serialized by hand, as
/// [`Negotiate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticate {
    pub flags: NegotiateFlags,
    pub user: Text,
    pub domain: Text,
    pub workstation: Text,
    pub response_kind: ResponseKind,
    pub lm_response_len: usize,
    pub nt_response_len: usize,
    /// NTProofStr of an NTLMv2 response (first 16 bytes), serialized as hex.
    pub nt_proof_str: Option<Octets>,
    pub ntlmv2: Option<NtlmV2ClientChallenge>,
    /// Why the NTLMv2 client challenge could not be decoded, if so.
    pub ntlmv2_error: Option<String>,
    /// MsvAvFlags says the message carries a MIC.
    pub mic_present: bool,
    /// The MIC field, serialized as hex, when the message has room for it
    /// and it is present.
    pub mic: Option<Octets>,
    pub encrypted_session_key_present: bool,
    pub version: Option<Version>,
}

impl Serialize for Authenticate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Authenticate", 15)?;
        st.serialize_field("flags", &self.flags)?;
        st.serialize_field("user", &self.user)?;
        st.serialize_field("domain", &self.domain)?;
        st.serialize_field("workstation", &self.workstation)?;
        st.serialize_field("response_kind", &self.response_kind)?;
        st.serialize_field("lm_response_len", &self.lm_response_len)?;
        st.serialize_field("nt_response_len", &self.nt_response_len)?;
        if let Some(p) = &self.nt_proof_str {
            st.serialize_field("nt_proof_str", p)?;
        }
        if let Some(v2) = &self.ntlmv2 {
            st.serialize_field("ntlmv2", v2)?;
        }
        if let Some(e) = &self.ntlmv2_error {
            st.serialize_field("ntlmv2_error", e)?;
        }
        st.serialize_field("mic_present", &self.mic_present)?;
        if let Some(m) = &self.mic {
            st.serialize_field("mic", m)?;
        }
        st.serialize_field(
            "encrypted_session_key_present",
            &self.encrypted_session_key_present,
        )?;
        Version::serialize_fields(self.version.as_ref(), &mut st)?;
        st.end()
    }
}

/// One NTLMSSP message; serializes with a `message_type` key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "message_type")]
pub enum NtlmsspMessage {
    #[serde(rename = "NEGOTIATE")]
    Negotiate(Negotiate),
    #[serde(rename = "CHALLENGE")]
    Challenge(Challenge),
    #[serde(rename = "AUTHENTICATE")]
    Authenticate(Box<Authenticate>),
}

impl NtlmsspMessage {
    pub fn message_type(&self) -> &'static str {
        match self {
            NtlmsspMessage::Negotiate(_) => "NEGOTIATE",
            NtlmsspMessage::Challenge(_) => "CHALLENGE",
            NtlmsspMessage::Authenticate(_) => "AUTHENTICATE",
        }
    }

    /// The MessageType number (1, 2, 3).
    pub fn message_type_number(&self) -> u32 {
        match self {
            NtlmsspMessage::Negotiate(_) => 1,
            NtlmsspMessage::Challenge(_) => 2,
            NtlmsspMessage::Authenticate(_) => 3,
        }
    }

    /// One line, e.g. `NTLMSSP AUTHENTICATE CORP\alice from WS1 (NTLMv2)`.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// [`NtlmsspMessage::summary`], appended to `s` (the timeline's line:
    /// no `String` of its own per message).
    pub fn summary_into(&self, s: &mut String) {
        match self {
            NtlmsspMessage::Negotiate(n) => {
                s.push_str("NTLMSSP NEGOTIATE");
                if let Some(d) = n.domain.as_deref().filter(|d| !d.is_empty()) {
                    s.push_str(" domain ");
                    s.push_str(d);
                }
                if let Some(w) = n.workstation.as_deref().filter(|w| !w.is_empty()) {
                    s.push_str(" from ");
                    s.push_str(w);
                }
            }
            NtlmsspMessage::Challenge(c) => {
                s.push_str("NTLMSSP CHALLENGE ");
                c.server_challenge.with_hex(|h| s.push_str(h));
                if let Some(t) = c.target_name.as_deref().filter(|t| !t.is_empty()) {
                    s.push_str(" target ");
                    s.push_str(t);
                }
            }
            NtlmsspMessage::Authenticate(a) => {
                s.reserve(48 + a.domain.len() + a.user.len() + a.workstation.len());
                s.push_str("NTLMSSP AUTHENTICATE ");
                // An empty user name is not itself anonymous: the
                // response kind after it says whether the logon is
                // ([MS-NLMP] 3.2.5.1.2: no NtChallengeResponse either).
                if !a.domain.is_empty() {
                    s.push_str(&a.domain);
                    s.push('\\');
                }
                if a.user.is_empty() {
                    s.push_str("(no user name)");
                } else {
                    s.push_str(&a.user);
                }
                if !a.workstation.is_empty() {
                    s.push_str(" from ");
                    s.push_str(&a.workstation);
                }
                s.push_str(" (");
                s.push_str(a.response_kind.as_str());
                s.push(')');
            }
        }
    }
}

/// Bounds-checked little-endian reads over one NTLMSSP message.
struct Msg<'a> {
    b: &'a [u8],
    base: usize,
    what: &'static str,
}

impl<'a> Msg<'a> {
    fn bytes(&self, off: usize, len: usize, what: &'static str) -> Result<&'a [u8], AuthError> {
        off.checked_add(len)
            .and_then(|end| self.b.get(off..end))
            .ok_or_else(|| {
                AuthError::new(
                    what,
                    self.base + off,
                    ErrorKind::Truncated {
                        needed: len,
                        have: self.b.len().saturating_sub(off),
                    },
                )
            })
    }
    fn u32(&self, off: usize) -> Result<u32, AuthError> {
        let b = self.bytes(off, 4, self.what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// A (Len, MaxLen, BufferOffset) field descriptor at `off` (e.g.
    /// [MS-NLMP] 2.2.1.3 UserNameFields); returns (buffer offset, bytes).
    fn field(&self, off: usize, what: &'static str) -> Result<(usize, &'a [u8]), AuthError> {
        let d = self.bytes(off, 8, what)?;
        let len = usize::from(u16::from_le_bytes([d[0], d[1]]));
        let boff = u32::from_le_bytes([d[4], d[5], d[6], d[7]]) as usize;
        if len == 0 {
            return Ok((boff, &[]));
        }
        Ok((boff, self.bytes(boff, len, what)?))
    }
    fn version(&self, off: usize) -> Result<Version, AuthError> {
        let v = self.bytes(off, 8, "NTLMSSP VERSION")?;
        Ok(Version {
            major: v[0],
            minor: v[1],
            build: u16::from_le_bytes([v[2], v[3]]),
            ntlm_revision: v[7],
        })
    }
}

/// UTF-16LE to text; lone surrogates become U+FFFD, an odd last byte is dropped.
pub(crate) fn utf16le(b: &[u8]) -> Text {
    crate::smb2::wire::utf16le_text(b)
}

/// OEM strings: the code page is not on the wire. UTF-8 when valid, else
/// each byte as Latin-1, so nothing is lost.
fn oem(b: &[u8]) -> Text {
    match std::str::from_utf8(b) {
        Ok(s) => Text::from(s),
        Err(_) => {
            let mut t = Text::new();
            for c in b {
                t.push(char::from(*c));
            }
            t
        }
    }
}

fn text(b: &[u8], flags: NegotiateFlags) -> Text {
    if flags.has(NegotiateFlags::UNICODE) {
        utf16le(b)
    } else {
        oem(b)
    }
}

/// An AV_PAIR list ([MS-NLMP] 2.2.2.1) up to MsvAvEOL, decoded. Reads as
/// a slice of pairs; serializes as a list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AvPairs(Vec<AvPair>);

impl std::ops::Deref for AvPairs {
    type Target = [AvPair];
    fn deref(&self) -> &[AvPair] {
        &self.0
    }
}

/// The pairs of an AV_PAIR list as (AvId, Value bytes, offset in `b` of
/// the pair's end), up to MsvAvEOL or the end of the bytes; an `Err` (then
/// nothing more) with the offset in `b` of a pair cut short.
fn av_pair_slices(b: &[u8]) -> impl Iterator<Item = Result<(AvId, &[u8], usize), usize>> + '_ {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        if pos > b.len() {
            return None;
        }
        let Some(hdr) = b.get(pos..pos + 4) else {
            // Bytes left that cannot hold a header.
            let at = pos;
            pos = usize::MAX;
            return (at < b.len()).then_some(Err(at));
        };
        let id = AvId(u16::from_le_bytes([hdr[0], hdr[1]]));
        let len = usize::from(u16::from_le_bytes([hdr[2], hdr[3]]));
        if id == AvId::EOL {
            pos = usize::MAX;
            return None;
        }
        let at = pos;
        match b.get(pos + 4..pos + 4 + len) {
            Some(v) => {
                pos += 4 + len;
                Some(Ok((id, v, pos)))
            }
            None => {
                pos = usize::MAX;
                Some(Err(at))
            }
        }
    })
}

/// The value of one AV_PAIR, decoded by its AvId.
fn av_value(id: AvId, v: &[u8]) -> AvValue {
    match id {
        AvId::NB_COMPUTER_NAME
        | AvId::NB_DOMAIN_NAME
        | AvId::DNS_COMPUTER_NAME
        | AvId::DNS_DOMAIN_NAME
        | AvId::DNS_TREE_NAME
        | AvId::TARGET_NAME => AvValue::Text(utf16le(v)),
        AvId::FLAGS if v.len() == 4 => AvValue::Flags(u32::from_le_bytes([v[0], v[1], v[2], v[3]])),
        AvId::TIMESTAMP if v.len() == 8 => {
            let mut a = [0u8; 8];
            a.copy_from_slice(v);
            AvValue::Timestamp(NtTime(u64::from_le_bytes(a)))
        }
        _ => AvValue::Hex(Octets::new(v)),
    }
}

/// AV_PAIR list ([MS-NLMP] 2.2.2.1), up to MsvAvEOL or the end of the bytes.
pub fn parse_av_pairs(b: &[u8], base: usize) -> Result<AvPairs, AuthError> {
    // Windows sends 5 to 10 pairs (an NTLMv2 client challenge from Samba
    // or Windows 9 or 10): room for 10 without growing.
    let mut out = Vec::with_capacity(if b.is_empty() { 0 } else { 10 });
    for p in av_pair_slices(b) {
        match p {
            Ok((id, v, _)) => out.push(AvPair {
                id,
                value: av_value(id, v),
            }),
            Err(at) => {
                let have = b.len() - at;
                let kind = match b.get(at + 2..at + 4) {
                    Some(l) if have >= 4 => ErrorKind::Truncated {
                        needed: usize::from(u16::from_le_bytes([l[0], l[1]])),
                        have: have - 4,
                    },
                    _ => ErrorKind::Truncated { needed: 4, have },
                };
                return Err(AuthError::new("NTLMSSP AV_PAIR", base + at, kind));
            }
        }
    }
    Ok(AvPairs(out))
}

/// Decodes an NTLMSSP message that starts with "NTLMSSP\0". `base` is the
/// absolute offset of `b` in the caller's buffer (for error offsets).
pub fn parse_ntlmssp(b: &[u8], base: usize) -> Result<NtlmsspMessage, AuthError> {
    let m = Msg {
        b,
        base,
        what: "NTLMSSP header",
    };
    if m.bytes(0, 8, "NTLMSSP signature")? != SIGNATURE {
        return Err(AuthError::new(
            "NTLMSSP signature",
            base,
            ErrorKind::Invalid("not \"NTLMSSP\\0\""),
        ));
    }
    match m.u32(8)? {
        1 => parse_negotiate(&Msg {
            what: "NTLMSSP NEGOTIATE",
            ..m
        }),
        2 => parse_challenge(&Msg {
            what: "NTLMSSP CHALLENGE",
            ..m
        }),
        3 => parse_authenticate(&Msg {
            what: "NTLMSSP AUTHENTICATE",
            ..m
        }),
        _ => Err(AuthError::new(
            "NTLMSSP MessageType",
            base + 8,
            ErrorKind::Unsupported("MessageType other than 1, 2, 3"),
        )),
    }
}

/// [MS-NLMP] 2.2.1.1. Old clients send only the first 16 bytes.
fn parse_negotiate(m: &Msg) -> Result<NtlmsspMessage, AuthError> {
    let flags = NegotiateFlags(m.u32(12)?);
    let mut n = Negotiate {
        flags,
        domain: None,
        workstation: None,
        version: None,
    };
    if m.b.len() >= 32 {
        // DomainName and Workstation are OEM strings (2.2.1.1).
        let (doff, d) = m.field(16, "NTLMSSP NEGOTIATE DomainNameFields")?;
        let (woff, w) = m.field(24, "NTLMSSP NEGOTIATE WorkstationFields")?;
        n.domain = (!d.is_empty()).then(|| oem(d));
        n.workstation = (!w.is_empty()).then(|| oem(w));
        let payload = [(d, doff), (w, woff)]
            .iter()
            .filter(|(s, _)| !s.is_empty())
            .map(|(_, o)| *o)
            .min()
            .unwrap_or(m.b.len());
        if flags.has(NegotiateFlags::VERSION) && payload >= 40 && m.b.len() >= 40 {
            n.version = Some(m.version(32)?);
        }
    }
    Ok(NtlmsspMessage::Negotiate(n))
}

/// [MS-NLMP] 2.2.1.2.
fn parse_challenge(m: &Msg) -> Result<NtlmsspMessage, AuthError> {
    let (toff, target) = m.field(12, "NTLMSSP CHALLENGE TargetNameFields")?;
    let flags = NegotiateFlags(m.u32(20)?);
    let chal = m.bytes(24, 8, "NTLMSSP CHALLENGE ServerChallenge")?;
    let mut c = Challenge {
        flags,
        server_challenge: Octets::new(chal),
        target_name: (!target.is_empty()).then(|| text(target, flags)),
        target_info: AvPairs::default(),
        version: None,
    };
    let mut payload = if target.is_empty() { m.b.len() } else { toff };
    if m.b.len() >= 48 {
        let (ioff, info) = m.field(40, "NTLMSSP CHALLENGE TargetInfoFields")?;
        if !info.is_empty() {
            payload = payload.min(ioff);
            c.target_info = parse_av_pairs(info, m.base + ioff)?;
        }
        if flags.has(NegotiateFlags::VERSION) && payload >= 56 && m.b.len() >= 56 {
            c.version = Some(m.version(48)?);
        }
    }
    Ok(NtlmsspMessage::Challenge(c))
}

/// [MS-NLMP] 2.2.1.3; the response kind per 3.3.1 / 3.3.2.
fn parse_authenticate(m: &Msg) -> Result<NtlmsspMessage, AuthError> {
    let (lm_off, lm) = m.field(12, "NTLMSSP AUTHENTICATE LmChallengeResponseFields")?;
    let (nt_off, nt) = m.field(20, "NTLMSSP AUTHENTICATE NtChallengeResponseFields")?;
    let (d_off, dom) = m.field(28, "NTLMSSP AUTHENTICATE DomainNameFields")?;
    let (u_off, usr) = m.field(36, "NTLMSSP AUTHENTICATE UserNameFields")?;
    let (w_off, ws) = m.field(44, "NTLMSSP AUTHENTICATE WorkstationFields")?;
    let (k_off, key) = m.field(52, "NTLMSSP AUTHENTICATE EncryptedRandomSessionKeyFields")?;
    let flags = NegotiateFlags(m.u32(60)?);
    // The payload starts at the lowest buffer offset; Version and MIC exist
    // only when the fixed part has room for them.
    let payload = [
        (lm, lm_off),
        (nt, nt_off),
        (dom, d_off),
        (usr, u_off),
        (ws, w_off),
        (key, k_off),
    ]
    .iter()
    .filter(|(s, _)| !s.is_empty())
    .map(|(_, o)| *o)
    .min()
    .unwrap_or(m.b.len());

    let user = text(usr, flags);
    let response_kind = match nt.len() {
        0 if user.is_empty() => ResponseKind::Anonymous,
        0 => ResponseKind::Lm,
        24 => {
            // NTLMv1 with extended session security: LmChallengeResponse is
            // the client challenge padded with zeros (3.3.1).
            let ess = flags.has(NegotiateFlags::EXTENDED_SESSIONSECURITY)
                && lm.len() == 24
                && lm.get(8..).is_some_and(|z| z.iter().all(|b| *b == 0));
            if ess {
                ResponseKind::NtlmV1Ess
            } else {
                ResponseKind::NtlmV1
            }
        }
        n if n > 24 => ResponseKind::NtlmV2,
        _ => ResponseKind::Unknown,
    };

    let mut a = Authenticate {
        flags,
        user,
        domain: text(dom, flags),
        workstation: text(ws, flags),
        response_kind,
        lm_response_len: lm.len(),
        nt_response_len: nt.len(),
        nt_proof_str: None,
        ntlmv2: None,
        ntlmv2_error: None,
        mic_present: false,
        mic: None,
        encrypted_session_key_present: !key.is_empty(),
        version: None,
    };
    if response_kind == ResponseKind::NtlmV2 {
        a.nt_proof_str = nt.get(..16).map(Octets::new);
        match parse_ntlmv2_client_challenge(nt.get(16..).unwrap_or(&[]), m.base + nt_off + 16) {
            Ok(c) => {
                a.mic_present = c.av_flags.is_some_and(|f| f & AV_FLAG_MIC_PRESENT != 0);
                a.ntlmv2 = Some(c);
            }
            Err(e) => a.ntlmv2_error = Some(e.to_string()),
        }
    }
    if flags.has(NegotiateFlags::VERSION) && payload >= 72 {
        a.version = Some(m.version(64)?);
    }
    if payload >= 88 && a.mic_present {
        a.mic = Some(Octets::new(m.bytes(72, 16, "NTLMSSP AUTHENTICATE MIC")?));
    }
    Ok(NtlmsspMessage::Authenticate(Box::new(a)))
}

/// NTLMv2_CLIENT_CHALLENGE ([MS-NLMP] 2.2.2.7): the part of an NTLMv2
/// response after NTProofStr.
fn parse_ntlmv2_client_challenge(
    b: &[u8],
    base: usize,
) -> Result<NtlmV2ClientChallenge, AuthError> {
    const WHAT: &str = "NTLMv2_CLIENT_CHALLENGE";
    let fixed = b.get(..28).ok_or_else(|| {
        AuthError::new(
            WHAT,
            base,
            ErrorKind::Truncated {
                needed: 28,
                have: b.len(),
            },
        )
    })?;
    if fixed[0] != 1 || fixed[1] != 1 {
        return Err(AuthError::new(
            WHAT,
            base,
            ErrorKind::Invalid("RespType/HiRespType not 1"),
        ));
    }
    let mut ts = [0u8; 8];
    ts.copy_from_slice(&fixed[8..16]);
    let av_pairs = parse_av_pairs(b.get(28..).unwrap_or(&[]), base + 28)?;
    let mut c = NtlmV2ClientChallenge {
        client_challenge: Octets::new(&fixed[16..24]),
        timestamp: NtTime(u64::from_le_bytes(ts)),
        av_flags: None,
        channel_bindings: None,
        target_spn: None,
        av_pairs: AvPairs::default(),
    };
    for p in av_pairs.iter() {
        match (&p.id, &p.value) {
            (&AvId::FLAGS, AvValue::Flags(f)) => c.av_flags = Some(*f),
            (&AvId::CHANNEL_BINDINGS, AvValue::Hex(h)) => c.channel_bindings = Some(h.clone()),
            (&AvId::TARGET_NAME, AvValue::Text(t)) => c.target_spn = Some(t.clone()),
            _ => {}
        }
    }
    c.av_pairs = av_pairs;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds an AUTHENTICATE message from parts (offsets computed).
    fn authenticate(
        flags: u32,
        lm: &[u8],
        nt: &[u8],
        dom: &[u8],
        user: &[u8],
        ws: &[u8],
    ) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(SIGNATURE);
        v.extend_from_slice(&3u32.to_le_bytes());
        let mut off = 88u32;
        let mut payload = Vec::new();
        for f in [lm, nt, dom, user, ws, &[][..]] {
            let l = f.len() as u16;
            v.extend_from_slice(&l.to_le_bytes());
            v.extend_from_slice(&l.to_le_bytes());
            v.extend_from_slice(&off.to_le_bytes());
            off += u32::from(l);
            payload.extend_from_slice(f);
        }
        v.extend_from_slice(&flags.to_le_bytes());
        v.extend_from_slice(&[10, 0, 0x61, 0x4a, 0, 0, 0, 15]);
        v.extend_from_slice(&[0u8; 16]);
        v.extend_from_slice(&payload);
        v
    }

    fn u16s(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
    }

    /// AV_PAIR ids are written to JSON without an escape check.
    #[test]
    fn av_id_names_need_no_escaping() {
        let names: Vec<&str> = (0..=u16::MAX).filter_map(|v| AvId(v).name()).collect();
        assert_eq!(names.len(), 11);
        assert!(names.iter().all(|n| crate::json::is_plain_name(n)));
    }

    #[test]
    fn version_text_is_display() {
        for (major, minor, build) in [
            (0, 0, 0),
            (6, 1, 0),
            (10, 0, 19041),
            (255, 255, 65535),
            (9, 10, 99),
            (100, 99, 1000),
        ] {
            let v = Version {
                major,
                minor,
                build,
                ntlm_revision: 15,
            };
            let (b, n) = v.text();
            assert_eq!(std::str::from_utf8(&b[..n]).unwrap(), v.to_string());
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{v}\""));
        }
    }

    #[test]
    fn response_kinds() {
        let uni = NegotiateFlags::UNICODE | NegotiateFlags::VERSION;
        let ess = uni | NegotiateFlags::EXTENDED_SESSIONSECURITY;
        let mut lm_ess = vec![0x11u8; 8];
        lm_ess.extend_from_slice(&[0u8; 16]);
        let cases = [
            (uni, vec![0], vec![], "", ResponseKind::Anonymous),
            (uni, vec![7; 24], vec![], "bob", ResponseKind::Lm),
            (uni, vec![7; 24], vec![8; 24], "bob", ResponseKind::NtlmV1),
            (ess, lm_ess, vec![8; 24], "bob", ResponseKind::NtlmV1Ess),
            (uni, vec![7; 24], vec![8; 23], "bob", ResponseKind::Unknown),
        ];
        for (flags, lm, nt, user, kind) in cases {
            let b = authenticate(flags, &lm, &nt, &u16s("D"), &u16s(user), &u16s("WS"));
            let NtlmsspMessage::Authenticate(a) = parse_ntlmssp(&b, 0).unwrap() else {
                panic!("not AUTHENTICATE");
            };
            assert_eq!(a.response_kind, kind, "{user} {}", nt.len());
            assert_eq!(a.user, user);
            assert_eq!(a.version.unwrap().to_string(), "10.0 build 19041");
        }
    }

    #[test]
    fn non_ascii_names_survive() {
        let b = authenticate(
            NegotiateFlags::UNICODE,
            &[0],
            &[],
            &u16s("KÖLN"),
            &u16s("jürgen😀"),
            &u16s("WS1"),
        );
        let NtlmsspMessage::Authenticate(a) = parse_ntlmssp(&b, 0).unwrap() else {
            panic!()
        };
        assert_eq!(a.user, "jürgen😀");
        assert_eq!(a.domain, "KÖLN");
        // OEM: Latin-1 fallback keeps every byte.
        let b = authenticate(0, &[0], &[], b"K\xd6LN", b"bob", b"WS1");
        let NtlmsspMessage::Authenticate(a) = parse_ntlmssp(&b, 0).unwrap() else {
            panic!()
        };
        assert_eq!(a.domain, "KÖLN");
    }

    #[test]
    fn field_past_end_is_an_error_with_offset() {
        let mut b = authenticate(NegotiateFlags::UNICODE, &[0], &[], &[], &u16s("bob"), &[]);
        // UserNameFields.Len = 0x7fff
        b[36] = 0xff;
        b[37] = 0x7f;
        let e = parse_ntlmssp(&b, 100).unwrap_err();
        assert_eq!(e.structure, "NTLMSSP AUTHENTICATE UserNameFields");
        assert_eq!(e.offset, 100 + 89);
    }
}
