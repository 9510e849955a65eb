//! What the session layer reads out of a SESSION_SETUP security token
//! (GSS-API / SPNEGO [RFC 4178], NTLMSSP [MS-NLMP], Kerberos [RFC 4120]).

use std::borrow::Cow;

use crate::auth::kerberos::EncType;
use crate::auth::ntlmssp::{AvId, AvValue, Challenge};
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
    /// The AP-REQ ticket's key version (RFC 4120 5.2.9).
    pub ticket_kvno: Option<i64>,
    /// The AP-REQ authenticator's enctype (RFC 4120 5.5.1).
    pub authenticator_enctype: Option<EncType>,
    pub spnego_result: Option<Cow<'static, str>>,
    pub krb_error: Option<(i32, String)>,
    pub krb_stime: Option<String>,
    pub krb_ctime: Option<String>,
    pub challenge_without_signing: bool,
    /// The VERSION of an NTLM NEGOTIATE or AUTHENTICATE ([MS-NLMP]
    /// 2.2.2.10): the client's operating system as it states it; of a
    /// CHALLENGE, the server's.
    pub ntlm_version: Option<crate::auth::ntlmssp::Version>,
    /// The NTLM message `ntlm_version` is of: "NEGOTIATE", "CHALLENGE" or
    /// "AUTHENTICATE" ([MS-NLMP] 2.2.1).
    pub ntlm_version_of: Option<&'static str>,
    /// The server's names in an NTLM CHALLENGE's TargetInfo; Some for every
    /// CHALLENGE, its names None when absent or empty.
    pub server_names: Option<Box<ServerNames>>,
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
        self.ntlm_version_of = Some(match n {
            NtlmsspMessage::Negotiate(_) => "NEGOTIATE",
            NtlmsspMessage::Challenge(_) => "CHALLENGE",
            NtlmsspMessage::Authenticate(_) => "AUTHENTICATE",
        });
        match n {
            NtlmsspMessage::Authenticate(a) => {
                self.ntlm_version = a.version;
                self.user = Some(a.user.to_string());
                self.domain = Some(a.domain.to_string());
                self.workstation = Some(a.workstation.to_string()).filter(|w| !w.is_empty());
                self.ntlm_response = Some(a.response_kind.as_str());
            }
            NtlmsspMessage::Challenge(c) => {
                self.challenge_without_signing = c.flags.0 & NTLMSSP_NEGOTIATE_SIGN == 0;
                self.ntlm_version = c.version;
                self.server_names = Some(Box::new(ServerNames::of(c)));
            }
            NtlmsspMessage::Negotiate(n) => self.ntlm_version = n.version,
        }
    }

    fn kerberos(&mut self, k: &KerberosInfo) {
        self.token = Some(kerberos_token(k.msg_type));
        match k.msg_type {
            KrbMsgType::AP_REQ => {
                self.service_principal = principal(k.sname.as_deref(), k.realm.as_deref());
                self.ticket_enctype = k.ticket.as_ref().map(|t| t.enctype);
                self.ticket_kvno = k.ticket.as_ref().and_then(|t| t.kvno);
                self.authenticator_enctype = k.authenticator_etype;
            }
            KrbMsgType::AS_REP | KrbMsgType::TGS_REP => {
                self.client_principal =
                    principal(k.cname.as_deref(), k.crealm.as_deref()).filter(|p| !is_anonymous(p));
            }
            KrbMsgType::KRB_ERROR => {
                if let Some(c) = k.error_code {
                    // A code without a name as `smbscope status` takes it.
                    let name = k.error.map_or_else(|| format!("krb:{c}"), str::to_string);
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

/// The names a server gives in an NTLM CHALLENGE's TargetInfo AV_PAIRs
/// ([MS-NLMP] 2.2.2.1) without trailing NULs, each None when absent or
/// empty. As long as the wire's u16 AvLen lets them be, as the
/// AUTHENTICATE's user and domain are. Written into a session's JSON as
/// `server_nb_computer_name` and the others, each left out when None.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ServerNames {
    /// MsvAvNbComputerName.
    #[serde(
        rename = "server_nb_computer_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub nb_computer_name: Option<String>,
    /// MsvAvNbDomainName.
    #[serde(
        rename = "server_nb_domain_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub nb_domain_name: Option<String>,
    /// MsvAvDnsComputerName.
    #[serde(
        rename = "server_dns_computer_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_computer_name: Option<String>,
    /// MsvAvDnsDomainName.
    #[serde(
        rename = "server_dns_domain_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_domain_name: Option<String>,
    /// MsvAvDnsTreeName.
    #[serde(
        rename = "server_dns_tree_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub dns_tree_name: Option<String>,
}

impl ServerNames {
    /// The names of a CHALLENGE's TargetInfo (the first pair of each id).
    pub fn of(c: &Challenge) -> ServerNames {
        let mut n = ServerNames::default();
        for p in c.target_info.iter() {
            let AvValue::Text(t) = &p.value else {
                continue;
            };
            let slot = match p.id {
                AvId::NB_COMPUTER_NAME => &mut n.nb_computer_name,
                AvId::NB_DOMAIN_NAME => &mut n.nb_domain_name,
                AvId::DNS_COMPUTER_NAME => &mut n.dns_computer_name,
                AvId::DNS_DOMAIN_NAME => &mut n.dns_domain_name,
                AvId::DNS_TREE_NAME => &mut n.dns_tree_name,
                _ => continue,
            };
            // Samba sends a lone NUL for a DNS domain it has none of.
            let t = t.trim_end_matches('\0');
            if slot.is_none() && !t.is_empty() {
                *slot = Some(t.to_string());
            }
        }
        n
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::samples_tests::sample_blobs;
    use crate::ntstatus::{parse_query, Query};

    /// A KRB-ERROR whose code has no name (krb5-ap-skew frame 19, tshark
    /// kerberos.error_code 37, with its code taken for one past the table)
    /// is named as `smbscope status` takes it, "krb:99": the finding that
    /// shows it has a status a user can look up.
    #[test]
    fn a_kerberos_error_without_a_name_is_named_as_status_takes_it() {
        let (_, blob) = sample_blobs()
            .into_iter()
            .find(|(n, _)| *n == "krb_ap_err_skew")
            .expect("sample blob");
        let mut a = crate::auth::parse_security_blob(&blob).expect("decoded");
        let f = TokenFacts::from_auth(&a);
        assert_eq!(f.krb_error, Some((37, "KRB_AP_ERR_SKEW".to_string())));
        let k = a.kerberos.as_mut().expect("kerberos");
        (k.error_code, k.error) = (Some(99), None);
        let f = TokenFacts::from_auth(&a);
        let (code, name) = f.krb_error.expect("krb_error");
        assert_eq!((code, name.as_str()), (99, "krb:99"));
        assert!(matches!(parse_query(&name), Query::Kerberos(99)));
    }
}
