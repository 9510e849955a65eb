//! SPNEGO NegotiationToken (RFC 4178 4.2, [MS-SPNG] 2.2): NegTokenInit,
//! the NegTokenInit2 form servers put in the SMB2 NEGOTIATE response, and
//! NegTokenResp.

use super::der::{Der, Fields, Tlv, CONTEXT, T_OCTET_STRING, T_OID, T_SEQUENCE, UNIVERSAL};
use super::{AuthError, ErrorKind};
use crate::smb2::inline::{List, Octets};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// A GSS-API mechanism OID (RFC 2743 3.1) in dotted form. Prints and
/// serializes as its short name when known, else as the dotted OID. The
/// known ones are `'static` (no allocation per blob).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MechType(pub Cow<'static, str>);

impl MechType {
    pub const SPNEGO: &'static str = "1.3.6.1.5.5.2";
    pub const NTLMSSP: &'static str = "1.3.6.1.4.1.311.2.2.10";
    pub const KERBEROS: &'static str = "1.2.840.113554.1.2.2";
    pub const MS_KERBEROS: &'static str = "1.2.840.48018.1.2.2";
    pub const KERBEROS_U2U: &'static str = "1.2.840.113554.1.2.2.3";
    pub const NEGOEX: &'static str = "1.3.6.1.4.1.311.2.2.30";
    /// IAKERB (draft-ietf-kitten-iakerb), used by macOS to its local KDC.
    pub const IAKERB: &'static str = "1.3.6.1.5.2.5";

    pub fn oid(&self) -> &str {
        &self.0
    }

    /// The mechanisms named here by their contents octets (X.690 8.19).
    const KNOWN: [(&'static [u8], &'static str); 7] = [
        (&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x02], Self::SPNEGO),
        (
            &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a],
            Self::NTLMSSP,
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02],
            Self::KERBEROS,
        ),
        (
            &[0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02],
            Self::MS_KERBEROS,
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x03],
            Self::KERBEROS_U2U,
        ),
        (
            &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x1e],
            Self::NEGOEX,
        ),
        (&[0x2b, 0x06, 0x01, 0x05, 0x02, 0x05], Self::IAKERB),
    ];

    /// The MechType of an OBJECT IDENTIFIER element: a known mechanism
    /// without building its dotted form, any other through [`Tlv::oid`].
    pub fn from_tlv(t: &Tlv, what: &'static str) -> Result<MechType, AuthError> {
        if t.class == UNIVERSAL && t.tag == T_OID {
            if let Some((_, dotted)) = Self::KNOWN.iter().find(|(b, _)| *b == t.value) {
                return Ok(MechType(Cow::Borrowed(dotted)));
            }
        }
        Ok(MechType(Cow::Owned(t.oid(what)?)))
    }

    pub fn name(&self) -> Option<&'static str> {
        Some(match &*self.0 {
            Self::SPNEGO => "spnego",
            Self::NTLMSSP => "ntlmssp",
            Self::KERBEROS => "kerberos",
            Self::MS_KERBEROS => "ms-kerberos",
            Self::KERBEROS_U2U => "kerberos-u2u",
            Self::NEGOEX => "negoex",
            Self::IAKERB => "iakerb",
            _ => return None,
        })
    }

    /// Kerberos 5 under any of its OIDs (RFC 4121, [MS-KILE] 3.1.5.1,
    /// IAKERB).
    pub fn is_kerberos(&self) -> bool {
        matches!(
            &*self.0,
            Self::KERBEROS | Self::MS_KERBEROS | Self::KERBEROS_U2U | Self::IAKERB
        )
    }
}

impl fmt::Display for MechType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name().unwrap_or(&self.0))
    }
}

impl Serialize for MechType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(n) => crate::smb2::wire::serialize_name(s, n),
            None => s.serialize_str(&self.0),
        }
    }
}

/// negState (RFC 4178 4.2.2), open set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NegState(pub i64);

impl NegState {
    pub const ACCEPT_COMPLETED: NegState = NegState(0);
    pub const ACCEPT_INCOMPLETE: NegState = NegState(1);
    pub const REJECT: NegState = NegState(2);
    pub const REQUEST_MIC: NegState = NegState(3);

    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "accept-completed",
            1 => "accept-incomplete",
            2 => "reject",
            3 => "request-mic",
            _ => return None,
        })
    }
}

impl fmt::Display for NegState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "negState({})", self.0),
        }
    }
}

impl Serialize for NegState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(n) => crate::smb2::wire::serialize_name(s, n),
            None => s.collect_str(self),
        }
    }
}

/// Which NegotiationToken choice this was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SpnegoToken {
    /// NegTokenInit (RFC 4178 4.2.1).
    #[serde(rename = "negTokenInit")]
    NegTokenInit,
    /// NegTokenInit2 ([MS-SPNG] 2.2.1): NegTokenInit with negHints.
    #[serde(rename = "negTokenInit2")]
    NegTokenInit2,
    /// NegTokenResp (RFC 4178 4.2.2).
    #[serde(rename = "negTokenResp")]
    NegTokenResp,
}

impl SpnegoToken {
    pub fn as_str(self) -> &'static str {
        match self {
            SpnegoToken::NegTokenInit => "negTokenInit",
            SpnegoToken::NegTokenInit2 => "negTokenInit2",
            SpnegoToken::NegTokenResp => "negTokenResp",
        }
    }
}

/// ContextFlags bit names (RFC 4178 4.2.1), bit 0 first.
const REQ_FLAG_NAMES: [&str; 7] = [
    "delegFlag",
    "mutualFlag",
    "replayFlag",
    "sequenceFlag",
    "anonFlag",
    "confFlag",
    "integFlag",
];

/// ContextFlags (RFC 4178 4.2.1): the first octet of the BIT STRING, bit 0
/// (delegFlag) as its high bit. Serializes as the list of the set flags'
/// names, bit 0 first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ContextFlags(pub u8);

impl ContextFlags {
    pub fn is_empty(&self) -> bool {
        self.names().next().is_none()
    }

    /// Names of the set flags, bit 0 first.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        REQ_FLAG_NAMES
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.0 & (0x80 >> i) != 0)
            .map(|(_, n)| *n)
    }
}

impl Serialize for ContextFlags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

/// What a SPNEGO token said, apart from the inner mechanism token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpnegoInfo {
    pub spnego_token: SpnegoToken,
    /// mechTypes, most preferred first (NegTokenInit).
    #[serde(skip_serializing_if = "<[MechType]>::is_empty")]
    pub mech_types: List<MechType, 4>,
    #[serde(skip_serializing_if = "ContextFlags::is_empty")]
    pub req_flags: ContextFlags,
    /// negHints.hintName ([MS-SPNG] 2.2.1), e.g.
    /// "not_defined_in_RFC4178@please_ignore" (that one borrowed: too long
    /// to keep in place, and sent by nearly every server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neg_hint_name: Option<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neg_hint_address: Option<Octets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neg_result: Option<NegState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supported_mech: Option<MechType>,
    /// mechListMIC, serialized as hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mech_list_mic: Option<Octets>,
}

impl SpnegoInfo {
    /// A NegTokenInit with nothing in it, the start of a decode.
    pub const EMPTY: SpnegoInfo = SpnegoInfo {
        spnego_token: SpnegoToken::NegTokenInit,
        mech_types: List::new(),
        req_flags: ContextFlags(0),
        neg_hint_name: None,
        neg_hint_address: None,
        neg_result: None,
        supported_mech: None,
        mech_list_mic: None,
    };

    /// Writes the fields into an object being serialized (flat in
    /// [`super::AuthInfo`]), as the derived `Serialize` writes them.
    pub fn serialize_fields<M: SerializeStruct>(&self, st: &mut M) -> Result<(), M::Error> {
        st.serialize_field("spnego_token", &self.spnego_token)?;
        if !self.mech_types.is_empty() {
            st.serialize_field("mech_types", &self.mech_types)?;
        }
        if !self.req_flags.is_empty() {
            st.serialize_field("req_flags", &self.req_flags)?;
        }
        if let Some(n) = &self.neg_hint_name {
            st.serialize_field("neg_hint_name", n)?;
        }
        if let Some(a) = &self.neg_hint_address {
            st.serialize_field("neg_hint_address", a)?;
        }
        if let Some(r) = &self.neg_result {
            st.serialize_field("neg_result", r)?;
        }
        if let Some(m) = &self.supported_mech {
            st.serialize_field("supported_mech", m)?;
        }
        if let Some(m) = &self.mech_list_mic {
            st.serialize_field("mech_list_mic", m)?;
        }
        Ok(())
    }
}

/// The hintName Windows and Samba put in NegTokenInit2 ([MS-SPNG] 3.2.5.2).
const NEG_HINT_NAME_IGNORE: &str = "not_defined_in_RFC4178@please_ignore";

/// The inner mechanism token (mechToken or responseToken) and the absolute
/// offset of its first byte.
pub type InnerToken<'a> = Option<(&'a [u8], usize)>;

/// Decodes a NegotiationToken (the `[0]`/`[1]` CHOICE, RFC 4178 4.2) that
/// starts at absolute offset `base`.
pub fn parse_negotiation_token(
    b: &[u8],
    base: usize,
) -> Result<(SpnegoInfo, InnerToken<'_>), AuthError> {
    let mut info = SpnegoInfo::EMPTY;
    let token = parse_negotiation_token_into(b, base, &mut info)?;
    Ok((info, token))
}

/// [`parse_negotiation_token`] into `info`, which starts as
/// [`SpnegoInfo::EMPTY`] (so that a boxed caller builds it in place).
pub fn parse_negotiation_token_into<'a>(
    b: &'a [u8],
    base: usize,
    info: &mut SpnegoInfo,
) -> Result<InnerToken<'a>, AuthError> {
    let mut d = Der::new(b, base, "SPNEGO NegotiationToken");
    let choice = d.read()?;
    if choice.class != CONTEXT || !choice.constructed {
        return Err(AuthError::new(
            "SPNEGO NegotiationToken",
            choice.offset(),
            ErrorKind::Invalid("not a [0] negTokenInit or [1] negTokenResp"),
        ));
    }
    match choice.tag {
        0 => parse_init(&choice, info),
        1 => parse_resp(&choice, info),
        _ => Err(AuthError::new(
            "SPNEGO NegotiationToken",
            choice.offset(),
            ErrorKind::Unsupported("NegotiationToken choice other than [0], [1]"),
        )),
    }
}

fn sequence<'a>(choice: &Tlv<'a>, what: &'static str) -> Result<Fields<'a>, AuthError> {
    let seq = choice.inner(what)?;
    if seq.class != UNIVERSAL || seq.tag != T_SEQUENCE {
        return Err(AuthError::new(
            what,
            seq.offset(),
            ErrorKind::UnexpectedTag {
                expected: "SEQUENCE",
                found: super::der::tag_name(seq.class, seq.tag),
            },
        ));
    }
    Fields::of(&seq, what)
}

/// NegTokenInit (RFC 4178 4.2.1) or NegTokenInit2 ([MS-SPNG] 2.2.1).
/// The two differ at `[3]`: mechListMIC (OCTET STRING) vs negHints
/// (SEQUENCE); NegTokenInit2 moves mechListMIC to `[4]`.
fn parse_init<'a>(choice: &Tlv<'a>, info: &mut SpnegoInfo) -> Result<InnerToken<'a>, AuthError> {
    const WHAT: &str = "SPNEGO NegTokenInit";
    let f = sequence(choice, WHAT)?;
    if let Some(list) = f.get(0, "SPNEGO NegTokenInit mechTypes")? {
        let mut d = list.children("SPNEGO MechTypeList")?;
        while !d.is_empty() {
            let o = d.expect(UNIVERSAL, T_OID, "SPNEGO MechType")?;
            info.mech_types
                .push(MechType::from_tlv(&o, "SPNEGO MechType")?);
        }
    }
    if let Some(flags) = f.get(1, "SPNEGO NegTokenInit reqFlags")? {
        let (_, bits) = flags.bits("SPNEGO ContextFlags")?;
        info.req_flags = ContextFlags(bits.first().copied().unwrap_or(0));
    }
    let mut token = None;
    if let Some(t) = f.get(2, "SPNEGO NegTokenInit mechToken")? {
        token = Some((t.octets("SPNEGO mechToken")?, t.value_offset));
    }
    if let Some(t3) = f.get(3, "SPNEGO NegTokenInit [3]")? {
        if t3.class == UNIVERSAL && t3.tag == T_SEQUENCE {
            info.spnego_token = SpnegoToken::NegTokenInit2;
            let hints = Fields::of(&t3, "SPNEGO NegHints")?;
            if let Some(n) = hints.get(0, "SPNEGO NegHints hintName")? {
                let name = n.str_lossy("SPNEGO hintName")?;
                info.neg_hint_name = Some(if name == NEG_HINT_NAME_IGNORE {
                    Cow::Borrowed(NEG_HINT_NAME_IGNORE)
                } else {
                    Cow::Owned(name.into_owned())
                });
            }
            if let Some(a) = hints.get(1, "SPNEGO NegHints hintAddress")? {
                info.neg_hint_address = Some(Octets::new(a.octets("SPNEGO hintAddress")?));
            }
        } else if t3.class == UNIVERSAL && t3.tag == T_OCTET_STRING {
            info.mech_list_mic = Some(Octets::new(t3.value));
        } else {
            return Err(AuthError::new(
                WHAT,
                t3.offset(),
                ErrorKind::UnexpectedTag {
                    expected: "negHints SEQUENCE or mechListMIC OCTET STRING",
                    found: super::der::tag_name(t3.class, t3.tag),
                },
            ));
        }
    }
    if let Some(mic) = f.get(4, "SPNEGO NegTokenInit2 mechListMIC")? {
        info.spnego_token = SpnegoToken::NegTokenInit2;
        info.mech_list_mic = Some(Octets::new(mic.octets("SPNEGO mechListMIC")?));
    }
    Ok(token)
}

/// NegTokenResp (RFC 4178 4.2.2).
fn parse_resp<'a>(choice: &Tlv<'a>, info: &mut SpnegoInfo) -> Result<InnerToken<'a>, AuthError> {
    let f = sequence(choice, "SPNEGO NegTokenResp")?;
    info.spnego_token = SpnegoToken::NegTokenResp;
    if let Some(s) = f.get(0, "SPNEGO NegTokenResp negState")? {
        info.neg_result = Some(NegState(s.int("SPNEGO negState")?));
    }
    if let Some(m) = f.get(1, "SPNEGO NegTokenResp supportedMech")? {
        info.supported_mech = Some(MechType::from_tlv(&m, "SPNEGO supportedMech")?);
    }
    let mut token = None;
    if let Some(t) = f.get(2, "SPNEGO NegTokenResp responseToken")? {
        token = Some((t.octets("SPNEGO responseToken")?, t.value_offset));
    }
    if let Some(mic) = f.get(3, "SPNEGO NegTokenResp mechListMIC")? {
        info.mech_list_mic = Some(Octets::new(mic.octets("SPNEGO mechListMIC")?));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mechanism and negState names are written to JSON without an escape
    /// check.
    #[test]
    fn names_need_no_escaping() {
        let mechs = MechType::KNOWN.map(|(_, dotted)| MechType(Cow::Borrowed(dotted)));
        let names: Vec<&str> = mechs
            .iter()
            .map(MechType::name)
            .chain((0..8).map(|v| NegState(v).name()))
            .flatten()
            .collect();
        assert_eq!(names.len(), 7 + 4);
        assert!(names.iter().all(|n| crate::json::is_plain_name(n)));
    }

    #[test]
    fn known_mech_octets_are_their_oids() {
        for (octets, dotted) in MechType::KNOWN {
            assert_eq!(
                super::super::der::oid_to_string(octets).as_deref(),
                Some(dotted)
            );
            let mut tlv = vec![0x06, octets.len() as u8];
            tlv.extend_from_slice(octets);
            let t = Der::new(&tlv, 0, "t").read().unwrap();
            let m = MechType::from_tlv(&t, "t").unwrap();
            assert!(matches!(m.0, Cow::Borrowed(_)));
            assert_eq!(m.oid(), dotted);
        }
        // Anything else is spelled out.
        let t = Der::new(&[0x06, 0x03, 0x2b, 0x06, 0x07], 0, "t")
            .read()
            .unwrap();
        assert_eq!(MechType::from_tlv(&t, "t").unwrap().oid(), "1.3.6.7");
    }
}
