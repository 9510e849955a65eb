//! GSS-API framing (RFC 2743 3.1 InitialContextToken, RFC 4121 4.1 Kerberos
//! tokens) and the entry point for SMB2 security buffers.

use std::fmt::Write as _;

use super::der::{Der, Fields, APPLICATION, T_OID, T_SEQUENCE, UNIVERSAL};
use super::kerberos::{parse_message_boxed, KerberosInfo};
use super::ntlmssp::{parse_ntlmssp, NtlmsspMessage, SIGNATURE};
use super::spnego::{parse_negotiation_token_into, MechType, SpnegoInfo};
use super::{AuthError, ErrorKind};
use crate::smb2::inline::Text;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// Which authentication protocol the blob carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Mechanism {
    #[serde(rename = "ntlmssp")]
    Ntlmssp,
    #[serde(rename = "kerberos")]
    Kerberos,
    /// NegoEx ([MS-NEGOEX]) messages: recognised, not decoded.
    #[serde(rename = "negoex")]
    Negoex,
    /// A SPNEGO token without an inner mechanism token (e.g. the server's
    /// NegTokenInit2 hint in NEGOTIATE, or a final accept-completed).
    #[serde(rename = "spnego-only")]
    SpnegoOnly,
}

impl Mechanism {
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::Ntlmssp => "ntlmssp",
            Mechanism::Kerberos => "kerberos",
            Mechanism::Negoex => "negoex",
            Mechanism::SpnegoOnly => "spnego-only",
        }
    }
}

/// Kerberos GSS token ids (RFC 4121 4.1; draft-swift-win2k-krb-user2user
/// uses 04 00/04 01 for TGT-REQ/TGT-REP; draft-ietf-kitten-iakerb 3.1 uses
/// 05 01 for IAKERB_PROXY).
fn krb5_token_name(id: u16) -> Option<&'static str> {
    Some(match id {
        0x0100 => "KRB_AP_REQ",
        0x0200 => "KRB_AP_REP",
        0x0300 => "KRB_ERROR",
        0x0400 => "KRB_TGT_REQ",
        0x0401 => "KRB_TGT_REP",
        0x0501 => "IAKERB_PROXY",
        _ => return None,
    })
}

/// Everything decoded from one security blob.
///
/// Serializes as one object: `mechanism`, then each present field in
/// declaration order, the SPNEGO fields flat among them (see
/// [`SpnegoInfo::serialize_fields`]); absent fields are left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthInfo {
    pub mechanism: Mechanism,
    /// thisMech of the outer InitialContextToken (RFC 2743 3.1), if the
    /// blob had one ("spnego" usually).
    pub gss_mech: Option<MechType>,
    /// SPNEGO fields (neg_result, mech_types, supported_mech, ...), flat.
    pub spnego: Option<SpnegoInfo>,
    /// The OID of the Kerberos GSS token inside (RFC 4121 4.1), e.g.
    /// "ms-kerberos" or "kerberos".
    pub krb5_mech: Option<MechType>,
    /// Its TOK_ID, e.g. "KRB_AP_REQ" (or hex when unknown).
    pub krb5_token_id: Option<std::borrow::Cow<'static, str>>,
    /// IAKERB-HEADER target-realm (draft-ietf-kitten-iakerb 3.1), for an
    /// IAKERB_PROXY token carrying a KDC message.
    pub iakerb_target_realm: Option<Text>,
    pub ntlmssp: Option<NtlmsspMessage>,
    /// Boxed: most blobs carry none, and the rest of the struct is moved
    /// around with every decoded message.
    pub kerberos: Option<Box<KerberosInfo>>,
}

/// Written by hand rather than derived: `#[serde(flatten)]` would send the
/// whole object through `serialize_map` and serde's flattening adapter,
/// which cost more than the fields themselves on logon-heavy captures.
impl Serialize for AuthInfo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("AuthInfo", 1)?;
        st.serialize_field("mechanism", &self.mechanism)?;
        if let Some(m) = &self.gss_mech {
            st.serialize_field("gss_mech", m)?;
        }
        if let Some(sp) = &self.spnego {
            sp.serialize_fields(&mut st)?;
        }
        if let Some(m) = &self.krb5_mech {
            st.serialize_field("krb5_mech", m)?;
        }
        if let Some(t) = &self.krb5_token_id {
            st.serialize_field("krb5_token_id", t)?;
        }
        if let Some(r) = &self.iakerb_target_realm {
            st.serialize_field("iakerb_target_realm", r)?;
        }
        if let Some(n) = &self.ntlmssp {
            st.serialize_field("ntlmssp", n)?;
        }
        if let Some(k) = &self.kerberos {
            st.serialize_field("kerberos", k)?;
        }
        st.end()
    }
}

impl AuthInfo {
    /// Nothing decoded yet: SPNEGO-only, every field absent.
    pub const EMPTY: AuthInfo = AuthInfo {
        mechanism: Mechanism::SpnegoOnly,
        gss_mech: None,
        spnego: None,
        krb5_mech: None,
        krb5_token_id: None,
        iakerb_target_realm: None,
        ntlmssp: None,
        kerberos: None,
    };

    /// One line, e.g. `SPNEGO accept-incomplete NTLMSSP CHALLENGE 1122334455667788`.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// Appends [`AuthInfo::summary`] to `out`.
    pub fn summary_into(&self, out: &mut String) {
        let Some(s) = &self.spnego else {
            return self.inner_summary(out);
        };
        out.push_str("SPNEGO ");
        if let Some(r) = s.neg_result {
            let _ = write!(out, "{r}");
        } else {
            out.push_str(s.spnego_token.as_str());
        }
        if !s.mech_types.is_empty() {
            out.push_str(" [");
            crate::text::push_joined(out, &s.mech_types, ", ");
            out.push(']');
        }
        // The inner token's summary after a space; without one, the
        // supported mechanism (if any) instead.
        let mark = out.len();
        out.push(' ');
        self.inner_summary(out);
        if out.len() == mark + 1 {
            out.truncate(mark);
            if let Some(m) = &s.supported_mech {
                let _ = write!(out, " {m}");
            }
        }
    }

    /// Appends the summary of the token inside SPNEGO (NTLMSSP, Kerberos,
    /// "NegoEx"), or nothing.
    fn inner_summary(&self, out: &mut String) {
        if let Some(n) = &self.ntlmssp {
            n.summary_into(out);
        } else if let Some(k) = &self.kerberos {
            k.summary_into(out);
        } else if self.mechanism == Mechanism::Negoex {
            out.push_str("NegoEx");
        }
    }
}

/// Decodes an SMB2 NEGOTIATE / SESSION_SETUP security buffer ([MS-SMB2]
/// 2.2.4, 2.2.5, 2.2.6): a GSS-API InitialContextToken (SPNEGO or bare
/// Kerberos), a SPNEGO NegTokenResp/NegTokenInit without the GSS header,
/// raw NTLMSSP, or a raw Kerberos AP-REQ/AP-REP/KRB-ERROR.
pub fn parse_security_blob(b: &[u8]) -> Result<AuthInfo, AuthError> {
    let mut info = AuthInfo::EMPTY;
    security_blob_into(b, &mut info)?;
    Ok(info)
}

/// [`parse_security_blob`], decoded straight into a box (the decoded
/// message keeps it boxed; built elsewhere it would be moved in, 480 bytes).
pub fn parse_security_blob_boxed(b: &[u8]) -> Result<Box<AuthInfo>, AuthError> {
    let mut info = Box::write(Box::new_uninit(), AuthInfo::EMPTY);
    security_blob_into(b, &mut info)?;
    Ok(info)
}

/// [`parse_security_blob`] into `info`, which starts as [`AuthInfo::EMPTY`].
fn security_blob_into(b: &[u8], info: &mut AuthInfo) -> Result<(), AuthError> {
    match b.first() {
        None => Err(AuthError::new(
            "security blob",
            0,
            ErrorKind::Truncated { needed: 1, have: 0 },
        )),
        Some(0x60) => {
            let (oid, rest, off) = initial_context_token(b, 0)?;
            if oid.0 == MechType::SPNEGO {
                info.gss_mech = Some(oid);
                spnego_into(rest, off, info)
            } else {
                mech_token(oid, rest, off, info)
            }
        }
        Some(0xa0) | Some(0xa1) => spnego_into(b, 0, info),
        Some(_) => inner_token(b, 0, info),
    }
}

/// A SPNEGO NegotiationToken at absolute offset `off`, and the mechanism
/// token inside it.
fn spnego_into(b: &[u8], off: usize, info: &mut AuthInfo) -> Result<(), AuthError> {
    let tok = parse_negotiation_token_into(b, off, info.spnego.insert(SpnegoInfo::EMPTY))?;
    if let Some((t, toff)) = tok {
        inner_token(t, toff, info)?;
    }
    Ok(())
}

/// InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE { thisMech
/// MechType, innerContextToken ANY } (RFC 2743 3.1). Returns the mechanism,
/// the inner token bytes and their absolute offset.
pub fn initial_context_token(b: &[u8], base: usize) -> Result<(MechType, &[u8], usize), AuthError> {
    const WHAT: &str = "GSS-API InitialContextToken";
    let mut d = Der::new(b, base, WHAT);
    let app = d.expect(APPLICATION, 0, WHAT)?;
    let mut c = app.children(WHAT)?;
    let oid = c.expect(UNIVERSAL, T_OID, "GSS-API thisMech")?;
    let mech = MechType::from_tlv(&oid, "GSS-API thisMech")?;
    let start = c.offset();
    let rest = app
        .value
        .get(start.saturating_sub(app.value_offset)..)
        .unwrap_or(&[]);
    Ok((mech, rest, start))
}

/// A mechanism token (SPNEGO mechToken / responseToken, or the whole blob).
fn inner_token(t: &[u8], off: usize, info: &mut AuthInfo) -> Result<(), AuthError> {
    if t.starts_with(SIGNATURE) {
        info.mechanism = Mechanism::Ntlmssp;
        info.ntlmssp = Some(parse_ntlmssp(t, off)?);
        return Ok(());
    }
    if t.starts_with(b"NEGOEXTS") {
        info.mechanism = Mechanism::Negoex;
        return Ok(());
    }
    match t.first() {
        Some(0x60) => {
            let (oid, rest, roff) = initial_context_token(t, off)?;
            if oid.0 == MechType::SPNEGO {
                return Err(AuthError::new(
                    "GSS-API InitialContextToken",
                    off,
                    ErrorKind::Unsupported("SPNEGO nested in SPNEGO"),
                ));
            }
            mech_token(oid, rest, roff, info)
        }
        // A bare Kerberos message: [APPLICATION 14/15/30].
        Some(0x6e) | Some(0x6f) | Some(0x7e) => {
            info.mechanism = Mechanism::Kerberos;
            info.kerberos = Some(parse_message_boxed(t, off)?);
            Ok(())
        }
        _ => Err(AuthError::new(
            "security token",
            off,
            ErrorKind::Unsupported("neither NTLMSSP, Kerberos, NegoEx nor SPNEGO"),
        )),
    }
}

/// The innerContextToken of a non-SPNEGO InitialContextToken.
fn mech_token(
    oid: MechType,
    rest: &[u8],
    off: usize,
    info: &mut AuthInfo,
) -> Result<(), AuthError> {
    if oid.is_kerberos() {
        // RFC 4121 4.1: TOK_ID (2 bytes, big-endian) then the message.
        let id = rest.get(..2).ok_or_else(|| {
            AuthError::new(
                "Kerberos GSS token TOK_ID",
                off,
                ErrorKind::Truncated {
                    needed: 2,
                    have: rest.len(),
                },
            )
        })?;
        let id = u16::from_be_bytes([id[0], id[1]]);
        info.mechanism = Mechanism::Kerberos;
        info.krb5_mech = Some(oid);
        info.krb5_token_id =
            Some(krb5_token_name(id).map_or_else(|| format!("{id:04x}").into(), Into::into));
        let mut msg = rest.get(2..).unwrap_or(&[]);
        let mut moff = off + 2;
        if id == 0x0501 {
            // IAKERB_PROXY: IAKERB-HEADER ::= SEQUENCE { target-realm [1]
            // UTF8String, cookie [2] OCTET STRING OPTIONAL, ... }, then the
            // KDC message (draft-ietf-kitten-iakerb 3.1).
            const WHAT: &str = "IAKERB-HEADER";
            let mut d = Der::new(msg, moff, WHAT);
            let hdr = d.expect(UNIVERSAL, T_SEQUENCE, WHAT)?;
            let f = Fields::of(&hdr, WHAT)?;
            info.iakerb_target_realm = Some(f.req(1, "IAKERB-HEADER target-realm")?.string(WHAT)?);
            let used = d.offset() - moff;
            msg = msg.get(used..).unwrap_or(&[]);
            moff += used;
        }
        info.kerberos = Some(parse_message_boxed(msg, moff)?);
        Ok(())
    } else if oid.0 == MechType::NTLMSSP {
        info.mechanism = Mechanism::Ntlmssp;
        info.ntlmssp = Some(parse_ntlmssp(rest, off)?);
        Ok(())
    } else {
        Err(AuthError::new(
            "GSS-API thisMech",
            off,
            ErrorKind::Unsupported("mechanism other than SPNEGO, Kerberos, NTLMSSP"),
        ))
    }
}
