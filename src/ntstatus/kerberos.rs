//! Kerberos error codes: RFC 4120 section 7.5.9, RFC 6113 and the codes
//! Microsoft's KDC adds ([MS-KILE] 3.1.5.x, e.g. KDC_ERR_PREAUTH_EXPIRED).
//!
//! Lookup by value ([`lookup`], [`name`]), by name ([`by_name`]) and by word
//! ([`search`]); our explanations of the codes a troubleshooter meets
//! ([`explain`]) and the ones that are a normal step ([`is_benign`]).
//! Windows shows these codes in hex in its security log (events 4768, 4769
//! and 4771: "Failure Code 0x18" is 24, KDC_ERR_PREAUTH_FAILED).

use super::Explanation;
use serde::Serialize;

/// A Kerberos error code (KRB-ERROR error-code, RFC 4120 5.9.1) with its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct KrbErrorCode {
    pub code: i32,
    pub name: &'static str,
    /// The RFC's one-line meaning (RFC 4120; RFC 4556 for the PKINIT codes).
    pub meaning: &'static str,
}

macro_rules! krb_errors {
    ($($code:literal $name:ident $meaning:literal;)*) => {
        /// Every code we know, in numeric order.
        pub const KRB_ERRORS: &[KrbErrorCode] = &[
            $(KrbErrorCode { code: $code, name: stringify!($name), meaning: $meaning },)*
        ];
    };
}

krb_errors! {
    0 KDC_ERR_NONE "No error";
    1 KDC_ERR_NAME_EXP "Client's entry in database has expired";
    2 KDC_ERR_SERVICE_EXP "Server's entry in database has expired";
    3 KDC_ERR_BAD_PVNO "Requested protocol version number not supported";
    4 KDC_ERR_C_OLD_MAST_KVNO "Client's key encrypted in old master key";
    5 KDC_ERR_S_OLD_MAST_KVNO "Server's key encrypted in old master key";
    6 KDC_ERR_C_PRINCIPAL_UNKNOWN "Client not found in Kerberos database";
    7 KDC_ERR_S_PRINCIPAL_UNKNOWN "Server not found in Kerberos database";
    8 KDC_ERR_PRINCIPAL_NOT_UNIQUE "Multiple principal entries in database";
    9 KDC_ERR_NULL_KEY "The client or server has a null key";
    10 KDC_ERR_CANNOT_POSTDATE "Ticket not eligible for postdating";
    11 KDC_ERR_NEVER_VALID "Requested starttime is later than end time";
    12 KDC_ERR_POLICY "KDC policy rejects request";
    13 KDC_ERR_BADOPTION "KDC cannot accommodate requested option";
    14 KDC_ERR_ETYPE_NOSUPP "KDC has no support for encryption type";
    15 KDC_ERR_SUMTYPE_NOSUPP "KDC has no support for checksum type";
    16 KDC_ERR_PADATA_TYPE_NOSUPP "KDC has no support for padata type";
    17 KDC_ERR_TRTYPE_NOSUPP "KDC has no support for transited type";
    18 KDC_ERR_CLIENT_REVOKED "Clients credentials have been revoked";
    19 KDC_ERR_SERVICE_REVOKED "Credentials for server have been revoked";
    20 KDC_ERR_TGT_REVOKED "TGT has been revoked";
    21 KDC_ERR_CLIENT_NOTYET "Client not yet valid; try again later";
    22 KDC_ERR_SERVICE_NOTYET "Server not yet valid; try again later";
    23 KDC_ERR_KEY_EXPIRED "Password has expired; change password to reset";
    24 KDC_ERR_PREAUTH_FAILED "Pre-authentication information was invalid";
    25 KDC_ERR_PREAUTH_REQUIRED "Additional pre-authentication required";
    26 KDC_ERR_SERVER_NOMATCH "Requested server and ticket don't match";
    27 KDC_ERR_MUST_USE_USER2USER "Server principal valid for user2user only";
    28 KDC_ERR_PATH_NOT_ACCEPTED "KDC Policy rejects transited path";
    29 KDC_ERR_SVC_UNAVAILABLE "A service is not available";
    31 KRB_AP_ERR_BAD_INTEGRITY "Integrity check on decrypted field failed";
    32 KRB_AP_ERR_TKT_EXPIRED "Ticket expired";
    33 KRB_AP_ERR_TKT_NYV "Ticket not yet valid";
    34 KRB_AP_ERR_REPEAT "Request is a replay";
    35 KRB_AP_ERR_NOT_US "The ticket isn't for us";
    36 KRB_AP_ERR_BADMATCH "Ticket and authenticator don't match";
    37 KRB_AP_ERR_SKEW "Clock skew too great";
    38 KRB_AP_ERR_BADADDR "Incorrect net address";
    39 KRB_AP_ERR_BADVERSION "Protocol version mismatch";
    40 KRB_AP_ERR_MSG_TYPE "Invalid msg type";
    41 KRB_AP_ERR_MODIFIED "Message stream modified";
    42 KRB_AP_ERR_BADORDER "Message out of order";
    44 KRB_AP_ERR_BADKEYVER "Specified version of key is not available";
    45 KRB_AP_ERR_NOKEY "Service key not available";
    46 KRB_AP_ERR_MUT_FAIL "Mutual authentication failed";
    47 KRB_AP_ERR_BADDIRECTION "Incorrect message direction";
    48 KRB_AP_ERR_METHOD "Alternative authentication method required";
    49 KRB_AP_ERR_BADSEQ "Incorrect sequence number in message";
    50 KRB_AP_ERR_INAPP_CKSUM "Inappropriate type of checksum in message";
    51 KRB_AP_PATH_NOT_ACCEPTED "Policy rejects transited path";
    52 KRB_ERR_RESPONSE_TOO_BIG "Response too big for UDP; retry with TCP";
    60 KRB_ERR_GENERIC "Generic error (description in e-text)";
    61 KRB_ERR_FIELD_TOOLONG "Field is too long for this implementation";
    62 KDC_ERROR_CLIENT_NOT_TRUSTED "Client certificate not trusted (RFC 4556)";
    63 KDC_ERROR_KDC_NOT_TRUSTED "KDC certificate not trusted (RFC 4556)";
    64 KDC_ERROR_INVALID_SIG "Invalid signature (RFC 4556)";
    65 KDC_ERR_KEY_TOO_WEAK "Key parameters too weak (RFC 4556)";
    66 KDC_ERR_CERTIFICATE_MISMATCH "Certificate does not match the request (RFC 4556)";
    67 KRB_AP_ERR_NO_TGT "No TGT available to validate USER-TO-USER";
    68 KDC_ERR_WRONG_REALM "Wrong realm: referral to another realm (RFC 6806)";
    69 KRB_AP_ERR_USER_TO_USER_REQUIRED "Ticket must be for USER-TO-USER";
    70 KDC_ERR_CANT_VERIFY_CERTIFICATE "Cannot verify the certificate (RFC 4556)";
    71 KDC_ERR_INVALID_CERTIFICATE "Invalid certificate (RFC 4556)";
    72 KDC_ERR_REVOKED_CERTIFICATE "Revoked certificate (RFC 4556)";
    73 KDC_ERR_REVOCATION_STATUS_UNKNOWN "Revocation status unknown (RFC 4556)";
    74 KDC_ERR_REVOCATION_STATUS_UNAVAILABLE "Revocation status unavailable (RFC 4556)";
    75 KDC_ERR_CLIENT_NAME_MISMATCH "Client name does not match the certificate (RFC 4556)";
    76 KDC_ERR_KDC_NAME_MISMATCH "KDC name does not match the certificate (RFC 4556)";
    90 KDC_ERR_PREAUTH_EXPIRED "Pre-authentication has expired (RFC 6113)";
    91 KDC_ERR_MORE_PREAUTH_DATA_REQUIRED "More pre-authentication data required (RFC 6113)";
    92 KDC_ERR_PREAUTH_BAD_AUTHENTICATION_SET "Pre-authentication set not satisfiable (RFC 6113)";
    93 KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS "Unknown critical FAST option (RFC 6113)";
}

/// The entry for `code`, if it is a known one.
pub fn lookup(code: i32) -> Option<&'static KrbErrorCode> {
    KRB_ERRORS
        .binary_search_by_key(&code, |e| e.code)
        .ok()
        .map(|i| &KRB_ERRORS[i])
}

/// The name for `code` (e.g. "KRB_AP_ERR_SKEW"), if it is a known one.
pub fn name(code: i32) -> Option<&'static str> {
    lookup(code).map(|e| e.name)
}

/// The entry named `name` (case-insensitive, e.g. "krb_ap_err_skew").
pub fn by_name(name: &str) -> Option<&'static KrbErrorCode> {
    let name = name.trim();
    KRB_ERRORS
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(name))
}

/// Codes whose name, RFC meaning or explanation holds every word of
/// `words` as a whole word (case-insensitive; "_" counts as a space). Codes whose name holds
/// all the words come first; explained codes first within each group.
pub fn search(words: &str) -> Vec<&'static KrbErrorCode> {
    let words: Vec<String> = words
        .split(|c: char| c.is_whitespace() || c == '_')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for e in KRB_ERRORS {
        let name = e.name.to_ascii_lowercase().replace('_', " ");
        let rank = if words.iter().all(|w| super::has_word(&name, w)) {
            0
        } else {
            let mut text = format!("{name} {}", e.meaning.to_ascii_lowercase());
            if let Some(x) = explain(e.code) {
                for part in std::iter::once(&x.meaning).chain(x.causes).chain(x.check) {
                    text.push(' ');
                    text.push_str(&part.to_ascii_lowercase());
                }
            }
            if !words.iter().all(|w| super::has_word(&text, w)) {
                continue;
            }
            2
        };
        hits.push((rank + u8::from(explain(e.code).is_none()), e));
    }
    hits.sort_by_key(|&(rank, e)| (rank, e.code));
    hits.into_iter().map(|(_, e)| e).collect()
}

/// Our explanation of `code`, for the codes a troubleshooter meets.
pub fn explain(code: i32) -> Option<&'static Explanation> {
    EXPLAINED
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, _, x)| x)
}

/// Every code that [`explain`] knows, in the order written.
pub fn explained_codes() -> impl Iterator<Item = i32> {
    EXPLAINED.iter().map(|(c, _, _)| *c)
}

/// True for the errors that are a normal step of Kerberos, not a fault:
/// KDC_ERR_NONE; KDC_ERR_PREAUTH_REQUIRED (the KDC's answer to a first
/// AS-REQ without pre-authentication: the client retries with it);
/// KRB_ERR_RESPONSE_TOO_BIG (the client retries over TCP);
/// KDC_ERR_MORE_PREAUTH_DATA_REQUIRED (another round of FAST pre-auth).
///
/// Context changes this: PREAUTH_REQUIRED not followed by a second AS-REQ,
/// or RESPONSE_TOO_BIG not followed by a TCP attempt (TCP 88 blocked), is a
/// problem. KDC_ERR_WRONG_REALM is a normal referral when the user's realm
/// differs from the one asked, and KRB_AP_ERR_TKT_EXPIRED is routinely
/// answered by a new ticket; the caller judges those from what follows.
pub fn is_benign(code: i32) -> bool {
    matches!(code, 0 | 25 | 52 | 91)
}

mod explain;
use explain::EXPLAINED;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_names_resolve() {
        assert!(KRB_ERRORS.windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(name(37), Some("KRB_AP_ERR_SKEW"));
        assert_eq!(name(25), Some("KDC_ERR_PREAUTH_REQUIRED"));
        assert_eq!(name(30), None);
    }

    #[test]
    fn by_name_and_search() {
        assert_eq!(by_name("krb_ap_err_skew").map(|e| e.code), Some(37));
        assert_eq!(
            by_name(" KDC_ERR_PREAUTH_FAILED ").map(|e| e.code),
            Some(24)
        );
        assert!(by_name("SKEW").is_none());
        assert_eq!(search("skew").first().map(|e| e.code), Some(37));
        assert!(search("preauth").iter().any(|e| e.code == 24));
        assert!(search("").is_empty());
    }

    #[test]
    fn explanations_are_complete_and_match_the_table() {
        let mut seen = std::collections::HashSet::new();
        for (code, name_, x) in EXPLAINED {
            assert!(seen.insert(*code), "{code} explained twice");
            assert_eq!(name(*code), Some(*name_), "code {code}");
            assert!(!x.meaning.trim().is_empty(), "{name_}");
            assert!(!x.causes.is_empty() && x.causes.iter().all(|c| !c.trim().is_empty()));
            assert!(!x.check.is_empty() && x.check.iter().all(|c| !c.trim().is_empty()));
        }
        assert!(EXPLAINED.len() >= 30, "{} explained", EXPLAINED.len());
        for code in [0, 25, 52, 91] {
            assert!(is_benign(code));
        }
        assert!(!is_benign(24));
    }
}
