//! What the session layer reads out of a SESSION_SETUP security token
//! (GSS-API / SPNEGO [RFC 4178], NTLMSSP [MS-NLMP], Kerberos [RFC 4120]).

use std::borrow::Cow;

use crate::auth::kerberos::EncType;
use crate::auth::{AuthInfo, KerberosInfo, KrbMsgType, Mechanism, NtlmsspMessage};

/// NTLMSSP_NEGOTIATE_SIGN ([MS-NLMP] 2.2.2.5, bit D).
const NTLMSSP_NEGOTIATE_SIGN: u32 = 0x0000_0010;

/// The facts of one token, request or response.
#[derive(Clone, Debug, Default)]
pub struct TokenFacts {
    pub mechanism: Option<&'static str>,
    /// e.g. "NTLMSSP AUTHENTICATE", "Kerberos AP-REQ", "SPNEGO".
    pub token: Option<Cow<'static, str>>,
    pub user: Option<String>,
    pub domain: Option<String>,
    pub workstation: Option<String>,
    pub ntlm_response: Option<&'static str>,
    pub service_principal: Option<String>,
    /// cname@crealm of an AS-REP or TGS-REP carried in the token (IAKERB,
    /// [draft-ietf-kitten-iakerb] 3: the KDC exchange inside SESSION_SETUP),
    /// unless empty or the anonymous principal.
    pub client_principal: Option<String>,
    pub ticket_enctype: Option<EncType>,
    pub spnego_result: Option<Cow<'static, str>>,
    pub krb_error: Option<(i32, String)>,
    pub krb_stime: Option<String>,
    pub krb_ctime: Option<String>,
    pub challenge_without_signing: bool,
    /// Mechanisms listed in a SPNEGO NegTokenInit(2), by name (or OID).
    pub mech_types: Vec<Cow<'static, str>>,
}

impl TokenFacts {
    /// Reads the facts of a decoded security blob.
    pub fn from_auth(a: &AuthInfo) -> TokenFacts {
        let mut f = TokenFacts {
            mechanism: match a.mechanism {
                Mechanism::SpnegoOnly => None,
                m => Some(m.as_str()),
            },
            ..TokenFacts::default()
        };
        if let Some(s) = &a.spnego {
            f.spnego_result = s.neg_result.map(|r| {
                r.name()
                    .map_or_else(|| Cow::Owned(r.to_string()), Cow::Borrowed)
            });
            f.mech_types = s
                .mech_types
                .iter()
                .map(|m| {
                    m.name()
                        .map_or_else(|| Cow::Owned(m.to_string()), Cow::Borrowed)
                })
                .collect();
            f.token = Some(Cow::Borrowed("SPNEGO"));
        }
        if let Some(n) = &a.ntlmssp {
            f.ntlm(n);
        }
        if let Some(k) = &a.kerberos {
            f.kerberos(k);
        }
        f
    }

    fn ntlm(&mut self, n: &NtlmsspMessage) {
        self.token = Some(Cow::Borrowed(match n {
            NtlmsspMessage::Negotiate(_) => "NTLMSSP NEGOTIATE",
            NtlmsspMessage::Challenge(_) => "NTLMSSP CHALLENGE",
            NtlmsspMessage::Authenticate(_) => "NTLMSSP AUTHENTICATE",
        }));
        match n {
            NtlmsspMessage::Authenticate(a) => {
                self.user = Some(a.user.to_string());
                self.domain = Some(a.domain.to_string());
                self.workstation = Some(a.workstation.to_string()).filter(|w| !w.is_empty());
                self.ntlm_response = Some(a.response_kind.as_str());
            }
            NtlmsspMessage::Challenge(c) => {
                self.challenge_without_signing = c.flags.0 & NTLMSSP_NEGOTIATE_SIGN == 0;
            }
            NtlmsspMessage::Negotiate(_) => {}
        }
    }

    fn kerberos(&mut self, k: &KerberosInfo) {
        self.token = Some(kerberos_token(k.msg_type));
        match k.msg_type {
            KrbMsgType::AP_REQ => {
                self.service_principal = principal(k.sname.as_deref(), k.realm.as_deref());
                self.ticket_enctype = k.ticket.as_ref().map(|t| t.enctype);
            }
            KrbMsgType::AS_REP | KrbMsgType::TGS_REP => {
                self.client_principal =
                    principal(k.cname.as_deref(), k.crealm.as_deref()).filter(|p| !is_anonymous(p));
            }
            KrbMsgType::KRB_ERROR => {
                if let Some(c) = k.error_code {
                    let name = k
                        .error
                        .map_or_else(|| format!("KRB error {c}"), str::to_string);
                    self.krb_error = Some((c, name));
                }
                let at = crate::auth::kerberos::time_with_usec;
                self.krb_stime = k.stime.as_deref().map(|t| at(t, k.susec));
                self.krb_ctime = k.ctime.as_deref().map(|t| at(t, k.cusec));
            }
            _ => {}
        }
    }

    /// "DOMAIN\user", "user", or None when anonymous.
    pub fn identity(&self) -> Option<String> {
        if let Some(sp) = &self.service_principal {
            return Some(sp.clone());
        }
        let user = self.user.as_deref().filter(|u| !u.is_empty())?;
        Some(match self.domain.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => concat(&[d, "\\", user]),
            None => user.to_string(),
        })
    }
}

/// "Kerberos AP-REQ": the token name of a Kerberos message.
fn kerberos_token(t: KrbMsgType) -> Cow<'static, str> {
    Cow::Borrowed(match t {
        KrbMsgType::AS_REQ => "Kerberos AS-REQ",
        KrbMsgType::AS_REP => "Kerberos AS-REP",
        KrbMsgType::TGS_REQ => "Kerberos TGS-REQ",
        KrbMsgType::TGS_REP => "Kerberos TGS-REP",
        KrbMsgType::AP_REQ => "Kerberos AP-REQ",
        KrbMsgType::AP_REP => "Kerberos AP-REP",
        KrbMsgType::KRB_ERROR => "Kerberos KRB-ERROR",
        _ => return Cow::Owned(format!("Kerberos {t}")),
    })
}

/// RFC 6111's anonymous principal, WELLKNOWN/ANONYMOUS (any realm).
pub(crate) fn is_anonymous(principal: &str) -> bool {
    principal
        .get(..19)
        .is_some_and(|p| p.eq_ignore_ascii_case("WELLKNOWN/ANONYMOUS"))
}

/// "name@REALM" from Kerberos name and realm, skipping empty parts.
pub fn principal(name: Option<&str>, realm: Option<&str>) -> Option<String> {
    let name = name.filter(|n| !n.is_empty())?;
    Some(
        match realm.filter(|r| !r.is_empty() && !r.starts_with('<')) {
            Some(r) => concat(&[name, "@", r]),
            None => name.to_string(),
        },
    )
}

/// The parts one after another in a `String` of their length (what
/// `format!` of them gives, without its formatting machinery and growth).
pub(crate) fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}
