//! Kerberos V5 messages (RFC 4120 5): AP-REQ, AP-REP and KRB-ERROR as
//! carried in GSS-API tokens (RFC 4121 4.1), and AS-REQ/AS-REP/TGS-REQ/
//! TGS-REP/KRB-ERROR on port 88, with the TCP record marker (RFC 4120 7.2.2).
//!
//! Only the cleartext parts are decoded: encrypted parts give their enctype
//! and key version.

use super::der::{Der, Fields, Tlv, APPLICATION, T_SEQUENCE, UNIVERSAL};
use super::{AuthError, ErrorKind};
use crate::ntstatus::NtStatus;
use crate::smb2::inline::{List, Text};
use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! open_enum {
    ($(#[$m:meta])* $ty:ident { $($konst:ident = $val:literal => $name:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $ty(pub i32);

        // Written to JSON without an escape check (json::push_name).
        const _: () = { $( assert!($crate::json::is_plain_name($name)); )* };

        impl $ty {
            $(pub const $konst: $ty = $ty($val);)*

            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some($name),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.0),
                }
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(n) => crate::smb2::wire::serialize_name(s, n),
                    None => s.collect_str(self),
                }
            }
        }
    };
}

open_enum! {
    /// Encryption type numbers (RFC 3961 8, RFC 4757, RFC 8009; the negative
    /// values are Microsoft's, as Wireshark names them). Unknown numbers
    /// print as the number.
    EncType {
        DES_CBC_CRC = 1 => "des-cbc-crc",
        DES_CBC_MD4 = 2 => "des-cbc-md4",
        DES_CBC_MD5 = 3 => "des-cbc-md5",
        DES3_CBC_MD5 = 5 => "des3-cbc-md5",
        DES3_CBC_SHA1 = 7 => "des3-cbc-sha1",
        DES3_CBC_SHA1_KD = 16 => "des3-cbc-sha1-kd",
        AES128_CTS_HMAC_SHA1_96 = 17 => "aes128-cts-hmac-sha1-96",
        AES256_CTS_HMAC_SHA1_96 = 18 => "aes256-cts-hmac-sha1-96",
        AES128_CTS_HMAC_SHA256_128 = 19 => "aes128-cts-hmac-sha256-128",
        AES256_CTS_HMAC_SHA384_192 = 20 => "aes256-cts-hmac-sha384-192",
        RC4_HMAC = 23 => "rc4-hmac",
        RC4_HMAC_EXP = 24 => "rc4-hmac-exp",
        CAMELLIA128_CTS_CMAC = 25 => "camellia128-cts-cmac",
        CAMELLIA256_CTS_CMAC = 26 => "camellia256-cts-cmac",
        RC4_MD4 = -128 => "rc4-md4",
        RC4_PLAIN2 = -129 => "rc4-plain2",
        RC4_LM = -130 => "rc4-lm",
        RC4_SHA = -131 => "rc4-sha",
        DES_PLAIN = -132 => "des-plain",
        RC4_HMAC_OLD = -133 => "rc4-hmac-old",
        RC4_PLAIN_OLD = -134 => "rc4-plain-old",
        RC4_HMAC_OLD_EXP = -135 => "rc4-hmac-old-exp",
        RC4_PLAIN_OLD_EXP = -136 => "rc4-plain-old-exp",
        RC4_PLAIN = -140 => "rc4-plain",
        RC4_PLAIN_EXP = -141 => "rc4-plain-exp",
    }
}

impl EncType {
    /// RC4 and DES (single and triple) enctypes: weak, disabled by default
    /// on current domain controllers (RFC 6649, RFC 8429).
    pub fn is_weak(self) -> bool {
        self.name()
            .is_some_and(|n| n.starts_with("rc4") || n.starts_with("des"))
    }
}

open_enum! {
    /// Pre-authentication data types (RFC 4120 7.5.2, RFC 6113, RFC 4556,
    /// [MS-KILE] 2.2, [MS-SFU] 2.2). Unknown numbers print as the number.
    PaDataType {
        TGS_REQ = 1 => "PA-TGS-REQ",
        ENC_TIMESTAMP = 2 => "PA-ENC-TIMESTAMP",
        PW_SALT = 3 => "PA-PW-SALT",
        ENC_UNIX_TIME = 5 => "PA-ENC-UNIX-TIME",
        SANDIA_SECUREID = 6 => "PA-SANDIA-SECUREID",
        SESAME = 7 => "PA-SESAME",
        OSF_DCE = 8 => "PA-OSF-DCE",
        CYBERSAFE_SECUREID = 9 => "PA-CYBERSAFE-SECUREID",
        AFS3_SALT = 10 => "PA-AFS3-SALT",
        ETYPE_INFO = 11 => "PA-ETYPE-INFO",
        SAM_CHALLENGE = 12 => "PA-SAM-CHALLENGE",
        SAM_RESPONSE = 13 => "PA-SAM-RESPONSE",
        PK_AS_REQ_OLD = 14 => "PA-PK-AS-REQ-OLD",
        PK_AS_REP_OLD = 15 => "PA-PK-AS-REP-OLD",
        PK_AS_REQ = 16 => "PA-PK-AS-REQ",
        PK_AS_REP = 17 => "PA-PK-AS-REP",
        ETYPE_INFO2 = 19 => "PA-ETYPE-INFO2",
        USE_SPECIFIED_KVNO = 20 => "PA-USE-SPECIFIED-KVNO",
        SAM_REDIRECT = 21 => "PA-SAM-REDIRECT",
        GET_FROM_TYPED_DATA = 22 => "PA-GET-FROM-TYPED-DATA",
        SAM_ETYPE_INFO = 23 => "PA-SAM-ETYPE-INFO",
        ALT_PRINC = 24 => "PA-ALT-PRINC",
        SERVER_REFERRAL = 25 => "PA-SERVER-REFERRAL",
        PAC_REQUEST = 128 => "PA-PAC-REQUEST",
        FOR_USER = 129 => "PA-FOR-USER",
        FOR_X509_USER = 130 => "PA-FOR-X509-USER",
        FOR_CHECK_DUPS = 131 => "PA-FOR-CHECK_DUPS",
        AS_CHECKSUM = 132 => "PA-AS-CHECKSUM",
        FX_COOKIE = 133 => "PA-FX-COOKIE",
        AUTHENTICATION_SET = 134 => "PA-AUTHENTICATION-SET",
        AUTH_SET_SELECTED = 135 => "PA-AUTH-SET-SELECTED",
        FX_FAST = 136 => "PA-FX-FAST",
        FX_ERROR = 137 => "PA-FX-ERROR",
        ENCRYPTED_CHALLENGE = 138 => "PA-ENCRYPTED-CHALLENGE",
        OTP_CHALLENGE = 141 => "PA-OTP-CHALLENGE",
        OTP_REQUEST = 142 => "PA-OTP-REQUEST",
        OTP_PIN_CHANGE = 144 => "PA-OTP-PIN-CHANGE",
        EPAK_AS_REQ = 145 => "PA-EPAK-AS-REQ",
        EPAK_AS_REP = 146 => "PA-EPAK-AS-REP",
        PKINIT_KX = 147 => "PA-PKINIT-KX",
        PKU2U_NAME = 148 => "PA-PKU2U-NAME",
        REQ_ENC_PA_REP = 149 => "PA-REQ-ENC-PA-REP",
        AS_FRESHNESS = 150 => "PA-AS-FRESHNESS",
        SPAKE = 151 => "PA-SPAKE",
        SUPPORTED_ETYPES = 165 => "PA-SUPPORTED-ENCTYPES",
        EXTENDED_ERROR = 166 => "PA-EXTENDED-ERROR",
        PAC_OPTIONS = 167 => "PA-PAC-OPTIONS",
    }
}

open_enum! {
    /// Kerberos message types (RFC 4120 5.10, the APPLICATION tag numbers).
    KrbMsgType {
        AS_REQ = 10 => "AS-REQ",
        AS_REP = 11 => "AS-REP",
        TGS_REQ = 12 => "TGS-REQ",
        TGS_REP = 13 => "TGS-REP",
        AP_REQ = 14 => "AP-REQ",
        AP_REP = 15 => "AP-REP",
        TGT_REQ = 16 => "TGT-REQ",
        TGT_REP = 17 => "TGT-REP",
        KRB_SAFE = 20 => "KRB-SAFE",
        KRB_PRIV = 21 => "KRB-PRIV",
        KRB_CRED = 22 => "KRB-CRED",
        KRB_ERROR = 30 => "KRB-ERROR",
    }
}

/// APOptions bit names (RFC 4120 5.5.1), bit 0 first.
const AP_OPTION_NAMES: [&str; 3] = ["reserved", "use-session-key", "mutual-required"];

fn ap_option_name(bit: usize) -> Option<&'static str> {
    AP_OPTION_NAMES.get(bit).copied()
}

/// KDCOptions ALLOW-POSTDATE: the ticket asked for may be used to get
/// postdated tickets (RFC 4120 2.4, 5.4.1).
pub const KDC_OPT_ALLOW_POSTDATE: usize = 5;
/// KDCOptions POSTDATED: a request for a postdated ticket, valid from the
/// request's `from` (RFC 4120 2.4, 5.4.1).
pub const KDC_OPT_POSTDATED: usize = 6;
/// KDCOptions FORWARDED: a TGS-REQ for a forwarded ticket-granting ticket,
/// one a client hands to a server for it to act as the client (RFC 4120
/// 2.6, 5.4.1).
pub const KDC_OPT_FORWARDED: usize = 2;

/// Whether a TGS-REQ with `options` for service `sname` asks for a
/// forwarded TGT: the FORWARDED option and a krbtgt service (RFC 4120
/// 2.6: "a forwarded TGT"; a forwarded service ticket names its service).
pub fn asks_forwarded_tgt(request: KrbMsgType, options: KdcOptions, sname: Option<&str>) -> bool {
    request == KrbMsgType::TGS_REQ
        && options.has(KDC_OPT_FORWARDED)
        && sname.is_some_and(|n| {
            n.get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("krbtgt/"))
        })
}

/// KDCOptions bit names (RFC 4120 5.4.1, RFC 6806, RFC 6112, [MS-SFU]).
fn kdc_option_name(bit: usize) -> Option<&'static str> {
    Some(match bit {
        0 => "reserved",
        1 => "forwardable",
        2 => "forwarded",
        3 => "proxiable",
        4 => "proxy",
        5 => "allow-postdate",
        6 => "postdated",
        8 => "renewable",
        11 => "opt-hardware-auth",
        14 => "constrained-delegation",
        15 => "canonicalize",
        16 => "request-anonymous",
        26 => "disable-transited-check",
        27 => "renewable-ok",
        28 => "enc-tkt-in-skey",
        30 => "renew",
        31 => "validate",
        _ => return None,
    })
}

macro_rules! kerberos_flags {
    ($(#[$m:meta])* $ty:ident, $names:path) => {
        $(#[$m])*
        ///
        /// The first 32 bits of the BIT STRING, bit 0 (the high bit of the
        /// first octet) as the high bit. Serializes as the list of the set
        /// bits' names, bit 0 first; unnamed bits as "bitN".
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $ty(pub u32);

        impl $ty {
            /// From the BIT STRING's octets (beyond the fourth ignored).
            pub fn from_octets(b: &[u8]) -> Self {
                let mut v = [0u8; 4];
                for (d, s) in v.iter_mut().zip(b) {
                    *d = *s;
                }
                $ty(u32::from_be_bytes(v))
            }

            pub fn is_empty(&self) -> bool {
                self.0 == 0
            }

            /// Is bit `n` (0: the BIT STRING's first) set?
            pub fn has(self, n: usize) -> bool {
                n < 32 && self.0 & (1u32 << (31 - n)) != 0
            }

            /// Numbers of the set bits, bit 0 first.
            pub fn bits(self) -> impl Iterator<Item = usize> {
                let mut v = self.0;
                std::iter::from_fn(move || {
                    let n = v.leading_zeros() as usize;
                    v &= u32::MAX.checked_shr(n as u32 + 1).unwrap_or(0);
                    (n < 32).then_some(n)
                })
            }

            /// Names of the set bits, bit 0 first.
            pub fn names(self) -> Vec<String> {
                self.bits().map(|n| bit_name(n, $names).to_string()).collect()
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(None)?;
                for n in self.bits() {
                    match $names(n) {
                        Some(name) => seq.serialize_element(&crate::smb2::wire::Name(name))?,
                        None => seq.serialize_element(&*bit_name(n, $names))?,
                    }
                }
                seq.end()
            }
        }
    };
}

/// A flag's name, or "bitN".
fn bit_name(n: usize, name: fn(usize) -> Option<&'static str>) -> std::borrow::Cow<'static, str> {
    match name(n) {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(format!("bit{n}")),
    }
}

kerberos_flags! {
    /// APOptions (RFC 4120 5.5.1), a KerberosFlags BIT STRING.
    ApOptions, ap_option_name
}

kerberos_flags! {
    /// KDCOptions (RFC 4120 5.4.1), a KerberosFlags BIT STRING.
    KdcOptions, kdc_option_name
}

/// The cleartext part of a Ticket (RFC 4120 5.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TicketInfo {
    pub realm: Text,
    /// sname joined with '/', e.g. "cifs/fs1.corp.example".
    pub sname: Text,
    /// enc-part etype.
    pub enctype: EncType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kvno: Option<i64>,
}

/// What a Kerberos message says in the clear. Which fields are set depends
/// on `msg_type`:
/// - AP-REQ (5.5.1): realm/sname (of the ticket), ticket, ap_options,
///   mutual_required, authenticator_etype.
/// - AP-REP (5.5.2): enc_part_etype.
/// - AS-REQ/TGS-REQ (5.4.1): realm, sname, cname (AS), kdc_options, etypes,
///   padata_types, enc_timestamp_etype (AS), from, till, nonce; for TGS-REQ
///   `ticket` is the ticket in the PA-TGS-REQ AP-REQ (the client's TGT).
/// - AS-REP/TGS-REP (5.4.2): crealm, cname, realm/sname (of the ticket),
///   ticket, enc_part_etype, padata_types, etype_info2, etype_info.
/// - KRB-ERROR (5.9.1): error_code, error, e_text, stime, susec, ctime,
///   cusec, crealm, cname, realm, sname, e_data_padata_types, etype_info2,
///   etype_info, nt_status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KerberosInfo {
    pub msg_type: KrbMsgType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sname: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crealm: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cname: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<i32>,
    /// Name of error_code (RFC 4120 7.5.9), e.g. "KRB_AP_ERR_SKEW".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e_text: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stime: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub susec: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctime: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cusec: Option<i64>,
    /// KRB-ERROR e-data as METHOD-DATA (e.g. with KDC_ERR_PREAUTH_REQUIRED).
    #[serde(skip_serializing_if = "<[PaDataType]>::is_empty")]
    pub e_data_padata_types: List<PaDataType, 8>,
    /// The etypes of a PA-ETYPE-INFO2 (RFC 4120 5.2.7.5) in a KRB-ERROR's
    /// METHOD-DATA or a KDC reply's padata: the keys the KDC will take
    /// pre-authentication in (or used for the reply), its preference first.
    #[serde(skip_serializing_if = "<[EncType]>::is_empty")]
    pub etype_info2: List<EncType, 8>,
    /// The etypes of a PA-ETYPE-INFO (RFC 4120 5.2.7.4), ETYPE-INFO2's
    /// older form, in the same places: a KDC sends it beside ETYPE-INFO2
    /// when the AS-REQ offered no "newer" etype (DES, 3DES and RC4 only:
    /// RFC 4120 3.1.3), and a KDC older than RFC 4120 (Windows 2000 and
    /// 2003) sends it alone.
    #[serde(skip_serializing_if = "<[EncType]>::is_empty")]
    pub etype_info: List<EncType, 8>,
    /// KRB-ERROR e-data as KERB-EXT-ERROR ([MS-KILE] 2.2.1/2.2.2): the
    /// NTSTATUS behind the error, written by name as the SMB2 header's
    /// `status` is ("0xC0001234" for a code the table does not know).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "status_name"
    )]
    pub nt_status: Option<NtStatus>,
    /// The same NTSTATUS as a number, as the header's `status_code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nt_status_code: Option<u32>,
    #[serde(skip_serializing_if = "ApOptions::is_empty")]
    pub ap_options: ApOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mutual_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<TicketInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_etype: Option<EncType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enc_part_etype: Option<EncType>,
    #[serde(skip_serializing_if = "KdcOptions::is_empty")]
    pub kdc_options: KdcOptions,
    /// etype list of a KDC-REQ, client's preference first.
    #[serde(skip_serializing_if = "<[EncType]>::is_empty")]
    pub etypes: List<EncType, 8>,
    #[serde(skip_serializing_if = "<[PaDataType]>::is_empty")]
    pub padata_types: List<PaDataType, 8>,
    /// AS-REQ: the etype of its PA-ENC-TIMESTAMP (RFC 4120 5.2.7.2), the
    /// key the client pre-authenticated with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enc_timestamp_etype: Option<EncType>,
    /// KDC-REQ-BODY `from` (RFC 4120 5.4.1): later than the request in a
    /// request for a postdated ticket (RFC 4120 2.4).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub till: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<i64>,
}

impl KerberosInfo {
    fn new(msg_type: KrbMsgType) -> Self {
        KerberosInfo {
            msg_type,
            realm: None,
            sname: None,
            crealm: None,
            cname: None,
            error_code: None,
            error: None,
            e_text: None,
            stime: None,
            susec: None,
            ctime: None,
            cusec: None,
            e_data_padata_types: List::new(),
            etype_info2: List::new(),
            etype_info: List::new(),
            nt_status: None,
            nt_status_code: None,
            ap_options: ApOptions(0),
            mutual_required: None,
            ticket: None,
            authenticator_etype: None,
            enc_part_etype: None,
            kdc_options: KdcOptions(0),
            etypes: List::new(),
            padata_types: List::new(),
            enc_timestamp_etype: None,
            from: None,
            till: None,
            nonce: None,
        }
    }

    /// One line, e.g. `Kerberos AP-REQ cifs/fs1@CORP.EXAMPLE (aes256-cts-hmac-sha1-96)`.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_into(&mut s);
        s
    }

    /// Appends [`KerberosInfo::summary`] to `s`.
    pub fn summary_into(&self, s: &mut String) {
        use fmt::Write as _;
        let _ = write!(s, "Kerberos {}", self.msg_type);
        match self.msg_type {
            KrbMsgType::AP_REQ => {
                s.push(' ');
                at(s, &self.sname, &self.realm);
                if let Some(t) = &self.ticket {
                    let _ = write!(s, " ({})", t.enctype);
                }
                if self.mutual_required == Some(true) {
                    s.push_str(" mutual-required");
                }
            }
            KrbMsgType::AP_REP => {
                if let Some(e) = self.enc_part_etype {
                    let _ = write!(s, " ({e})");
                }
            }
            KrbMsgType::KRB_ERROR => self.error_summary(s),
            KrbMsgType::AS_REQ | KrbMsgType::TGS_REQ => self.request_summary(s),
            KrbMsgType::AS_REP | KrbMsgType::TGS_REP => {
                s.push(' ');
                at(s, &self.cname, &self.crealm);
                if self.client_hidden_by_fast() {
                    s.push_str(if self.cname.as_deref().is_some_and(|n| !n.is_empty()) {
                        " (client name hidden by FAST)"
                    } else {
                        "(client name hidden by FAST)"
                    });
                }
                if let Some(t) = &self.ticket {
                    let _ = write!(s, " ticket {}@{} ({})", t.sname, t.realm, t.enctype);
                }
            }
            _ => {}
        }
    }

    /// An AS-REP or TGS-REP armored with FAST (PA-FX-FAST in its padata)
    /// whose outer cname is the anonymous principal or empty: the KDC hid
    /// the client's name at the client's request (RFC 6113 5.4.1,
    /// hide-client-names: "the KDC SHALL identify the client as the
    /// anonymous principal"; Heimdal leaves it empty). The real client is
    /// in the FAST-encrypted part, not on the wire.
    pub fn client_hidden_by_fast(&self) -> bool {
        matches!(self.msg_type, KrbMsgType::AS_REP | KrbMsgType::TGS_REP)
            && self.padata_types.contains(&PaDataType::FX_FAST)
            && self.cname.as_deref().is_none_or(|n| {
                n.is_empty()
                    || n.get(..19)
                        .is_some_and(|p| p.eq_ignore_ascii_case("WELLKNOWN/ANONYMOUS"))
            })
    }

    /// The KRB-ERROR part of the summary: code, service, e-text. The
    /// service only when the error names one: an error with an empty sname
    /// (Heimdal's outer error under FAST, whose realm is the placeholder
    /// "<unspecified realm>") has no "for …".
    fn error_summary(&self, s: &mut String) {
        use fmt::Write as _;
        if let Some(c) = self.error_code {
            let _ = write!(s, " {} ({c})", self.error.unwrap_or("unknown error"));
        }
        if self.sname.as_deref().is_some_and(|n| !n.is_empty()) {
            s.push_str(" for ");
            at(s, &self.sname, &self.realm);
        }
        if let Some(t) = &self.e_text {
            let _ = write!(s, " \"{t}\"");
        }
    }

    /// The AS-REQ/TGS-REQ part of the summary: client, service, etypes.
    fn request_summary(&self, s: &mut String) {
        if self.cname.is_some() {
            s.push(' ');
            at(s, &self.cname, &self.realm);
        }
        if let Some(sn) = &self.sname {
            s.push_str(" for ");
            s.push_str(sn);
            if self.cname.is_none() {
                if let Some(r) = &self.realm {
                    s.push('@');
                    s.push_str(r);
                }
            }
            if asks_forwarded_tgt(self.msg_type, self.kdc_options, Some(sn)) {
                s.push_str(" (forwarded TGT)");
            }
        }
        if !self.etypes.is_empty() {
            s.push_str(" etypes [");
            crate::text::push_joined(s, &self.etypes, ", ");
            s.push(']');
        }
    }
}

/// Appends "name@realm", "name", "@realm" or nothing (an empty part counts
/// as absent).
fn at(s: &mut String, name: &Option<Text>, realm: &Option<Text>) {
    let name = name.as_deref().filter(|n| !n.is_empty());
    let realm = realm.as_deref().filter(|r| !r.is_empty());
    if let Some(n) = name {
        s.push_str(n);
    }
    if let Some(r) = realm {
        s.push('@');
        s.push_str(r);
    }
}

/// Kerberos over TCP: one record (RFC 4120 7.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KrbTcpRecord<'a> {
    /// A whole message is present; `consumed` counts the 4-byte marker too.
    Complete { message: &'a [u8], consumed: usize },
    /// Not enough bytes yet; the record needs `total_len` bytes in all
    /// (0 while the 4-byte marker itself is incomplete).
    Incomplete { total_len: usize },
}

/// Largest record we accept (1 MiB). RFC 4120 sets no limit; Windows caps
/// tickets near 64 KiB (MaxTokenSize), so more is garbage or an attack.
pub const MAX_KRB_TCP_RECORD: usize = 1 << 20;

/// Splits one Kerberos-over-TCP record off `buf`: a 4-byte big-endian
/// length whose high bit is reserved (RFC 4120 7.2.2, RFC 5021), then the
/// message. For the reassembler: call again with the rest after `consumed`.
pub fn kerberos_tcp_record(buf: &[u8]) -> Result<KrbTcpRecord<'_>, AuthError> {
    let Some(m) = buf.get(..4) else {
        return Ok(KrbTcpRecord::Incomplete { total_len: 0 });
    };
    let marker = u32::from_be_bytes([m[0], m[1], m[2], m[3]]);
    if marker & 0x8000_0000 != 0 {
        return Err(AuthError::new(
            "Kerberos TCP record marker",
            0,
            ErrorKind::Unsupported("reserved high bit set (RFC 5021 extension)"),
        ));
    }
    let len = marker as usize;
    if len > MAX_KRB_TCP_RECORD {
        return Err(AuthError::new(
            "Kerberos TCP record marker",
            0,
            ErrorKind::Invalid("record longer than 1 MiB"),
        ));
    }
    match buf.get(4..4 + len) {
        Some(message) => Ok(KrbTcpRecord::Complete {
            message,
            consumed: 4 + len,
        }),
        None => Ok(KrbTcpRecord::Incomplete { total_len: 4 + len }),
    }
}

/// Decodes one Kerberos message (AS-REQ, AS-REP, TGS-REQ, TGS-REP, AP-REQ,
/// AP-REP, KRB-ERROR), e.g. a UDP/88 payload or a TCP/88 record without its
/// marker.
pub fn parse_kerberos_message(b: &[u8]) -> Result<KerberosInfo, AuthError> {
    parse_message_at(b, 0)
}

/// As [`parse_kerberos_message`], for bytes at absolute offset `base`.
pub(crate) fn parse_message_at(b: &[u8], base: usize) -> Result<KerberosInfo, AuthError> {
    let mut k = KerberosInfo::new(KrbMsgType(0));
    message_into(b, base, &mut k)?;
    Ok(k)
}

/// [`parse_kerberos_message`], decoded straight into a box (decoded
/// messages keep it boxed; built elsewhere it would be moved in, 672 bytes).
pub fn parse_kerberos_message_boxed(b: &[u8]) -> Result<Box<KerberosInfo>, AuthError> {
    parse_message_boxed(b, 0)
}

/// [`parse_message_at`] into a box.
pub(crate) fn parse_message_boxed(b: &[u8], base: usize) -> Result<Box<KerberosInfo>, AuthError> {
    let mut k = Box::write(Box::new_uninit(), KerberosInfo::new(KrbMsgType(0)));
    message_into(b, base, &mut k)?;
    Ok(k)
}

/// [`parse_message_at`] into `k`, which starts as `KerberosInfo::new`.
fn message_into(b: &[u8], base: usize, k: &mut KerberosInfo) -> Result<(), AuthError> {
    let mut d = Der::new(b, base, "Kerberos message");
    let app = d.read()?;
    if app.class != APPLICATION || !app.constructed {
        return Err(AuthError::new(
            "Kerberos message",
            app.offset(),
            ErrorKind::Invalid("not an APPLICATION-tagged Kerberos message"),
        ));
    }
    let t = i32::try_from(app.tag).unwrap_or(i32::MAX);
    k.msg_type = KrbMsgType(t);
    match k.msg_type {
        KrbMsgType::AP_REQ => parse_ap_req(&app, k),
        KrbMsgType::AP_REP => parse_ap_rep(&app, k),
        KrbMsgType::KRB_ERROR => parse_krb_error(&app, k),
        KrbMsgType::AS_REQ | KrbMsgType::TGS_REQ => parse_kdc_req(&app, k),
        KrbMsgType::AS_REP | KrbMsgType::TGS_REP => parse_kdc_rep(&app, k),
        _ => Err(AuthError::new(
            "Kerberos message",
            app.offset(),
            ErrorKind::Unsupported("Kerberos message type not decoded"),
        )),
    }
}

/// `[APPLICATION n] SEQUENCE { [0].. }` → the fields.
fn app_fields<'a>(app: &Tlv<'a>, what: &'static str) -> Result<Fields<'a>, AuthError> {
    let seq = app.inner(what)?;
    seq_fields(&seq, what)
}

fn seq_fields<'a>(seq: &Tlv<'a>, what: &'static str) -> Result<Fields<'a>, AuthError> {
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
    Fields::of(seq, what)
}

/// PrincipalName (RFC 4120 5.2.2): name-string components joined with '/'.
fn principal(t: &Tlv, what: &'static str) -> Result<Text, AuthError> {
    let f = seq_fields(t, what)?;
    let list = f.req(1, what)?;
    let mut d = list.children(what)?;
    if let Some(name) = joined_on_stack(d.clone()) {
        return Ok(name);
    }
    // The components joined with '/', written into one Text.
    let mut name = Text::new();
    let mut first = true;
    while !d.is_empty() {
        let part = d.read()?;
        if !first {
            name.push('/');
        }
        first = false;
        name.push_str(&part.str_lossy(what)?);
    }
    Ok(name)
}

/// The components read by `d` joined with '/', gathered on the stack and
/// checked as UTF-8 once: `None` when they do not fit in 64 bytes, are not
/// valid UTF-8 or do not read (then [`principal`] joins them one by one,
/// with its replacements and errors). '/' cannot be part of a multi-byte
/// sequence, so the check of the whole is the check of each part.
fn joined_on_stack(mut d: Der<'_>) -> Option<Text> {
    let mut buf = [0u8; 64];
    let mut len = 0usize;
    let mut first = true;
    while !d.is_empty() {
        let part = d.read().ok()?;
        if part.class != UNIVERSAL || part.constructed {
            return None;
        }
        if !first {
            *buf.get_mut(len)? = b'/';
            len += 1;
        }
        first = false;
        buf.get_mut(len..len + part.value.len())?
            .copy_from_slice(part.value);
        len += part.value.len();
    }
    std::str::from_utf8(buf.get(..len)?).ok().map(Text::from)
}

/// EncryptedData (RFC 4120 5.2.9): (etype, kvno).
fn enc_data(t: &Tlv, what: &'static str) -> Result<(EncType, Option<i64>), AuthError> {
    let f = seq_fields(t, what)?;
    let etype = EncType(f.req(0, what)?.int32(what)?);
    let kvno = match f.get(1, what)? {
        Some(k) => Some(k.int(what)?),
        None => None,
    };
    Ok((etype, kvno))
}

/// Ticket (RFC 4120 5.3): `[APPLICATION 1] SEQUENCE`.
fn ticket(t: &Tlv) -> Result<TicketInfo, AuthError> {
    const WHAT: &str = "Kerberos Ticket";
    if t.class != APPLICATION || t.tag != 1 {
        return Err(AuthError::new(
            WHAT,
            t.offset(),
            ErrorKind::UnexpectedTag {
                expected: "[APPLICATION 1]",
                found: super::der::tag_name(t.class, t.tag),
            },
        ));
    }
    let f = app_fields(t, WHAT)?;
    let realm = f.req(1, "Kerberos Ticket realm")?.string(WHAT)?;
    let sname = principal(&f.req(2, "Kerberos Ticket sname")?, "Kerberos Ticket sname")?;
    let (enctype, kvno) = enc_data(
        &f.req(3, "Kerberos Ticket enc-part")?,
        "Kerberos Ticket enc-part",
    )?;
    Ok(TicketInfo {
        realm,
        sname,
        enctype,
        kvno,
    })
}

/// KerberosTime (RFC 4120 5.2.3) "YYYYMMDDHHMMSSZ" as RFC 3339; other
/// forms unchanged.
fn krb_time(t: &Tlv, what: &'static str) -> Result<Text, AuthError> {
    // The usual form is checked on the bytes (digits need no UTF-8 check);
    // anything else as the string it is, with str_lossy's errors.
    let b = t.value;
    let string = t.class == UNIVERSAL && !t.constructed;
    if string && b.len() == 15 && b[14] == b'Z' && b[..14].iter().all(u8::is_ascii_digit) {
        // "YYYY-MM-DDTHH:MM:SSZ", written on the stack.
        let mut out = *b"0000-00-00T00:00:00Z";
        for (to, from) in [
            (0, 0..4),
            (5, 4..6),
            (8, 6..8),
            (11, 8..10),
            (14, 10..12),
            (17, 12..14),
        ] {
            let len = from.len();
            out[to..to + len].copy_from_slice(&b[from]);
        }
        return Ok(Text::from(crate::smb2::wire::ascii(&out)));
    }
    Ok(Text::from(t.str_lossy(what)?))
}

/// AP-REQ (RFC 4120 5.5.1).
fn parse_ap_req(app: &Tlv, k: &mut KerberosInfo) -> Result<(), AuthError> {
    let (opts, t, a_etype) = ap_req_parts(app)?;
    k.ap_options = ApOptions::from_octets(opts);
    k.mutual_required = Some(opts.first().is_some_and(|b| b & 0x20 != 0));
    k.authenticator_etype = Some(a_etype);
    k.realm = Some(t.realm.clone());
    k.sname = Some(t.sname.clone());
    k.ticket = Some(t);
    Ok(())
}

/// The parts of an AP-REQ (RFC 4120 5.5.1) read here: the ap-options
/// octets, the ticket and the authenticator's etype.
fn ap_req_parts<'a>(app: &Tlv<'a>) -> Result<(&'a [u8], TicketInfo, EncType), AuthError> {
    const WHAT: &str = "Kerberos AP-REQ";
    let f = app_fields(app, WHAT)?;
    let (_, opts) = f.req(2, "Kerberos AP-REQ ap-options")?.bits(WHAT)?;
    let t = ticket(&f.req(3, "Kerberos AP-REQ ticket")?)?;
    let (a_etype, _) = enc_data(
        &f.req(4, "Kerberos AP-REQ authenticator")?,
        "Kerberos AP-REQ authenticator",
    )?;
    Ok((opts, t, a_etype))
}

/// AP-REP (RFC 4120 5.5.2).
fn parse_ap_rep(app: &Tlv, k: &mut KerberosInfo) -> Result<(), AuthError> {
    const WHAT: &str = "Kerberos AP-REP";
    let f = app_fields(app, WHAT)?;
    let (e, _) = enc_data(&f.req(2, "Kerberos AP-REP enc-part")?, WHAT)?;
    k.enc_part_etype = Some(e);
    Ok(())
}

/// SEQUENCE OF PA-DATA (RFC 4120 5.2.7): the types, and the PA-TGS-REQ
/// value when present.
fn padata<'a>(t: &Tlv<'a>, what: &'static str) -> Result<PaData<'a>, AuthError> {
    let mut d = t.children(what)?;
    let mut out = PaData {
        types: List::new(),
        tgs_req: None,
        pw_salt: None,
        etype_info2: None,
        etype_info: None,
        enc_timestamp: None,
    };
    while !d.is_empty() {
        let pa = d.read()?;
        let f = seq_fields(&pa, what)?;
        let ty = PaDataType(f.req(1, what)?.int32(what)?);
        let slot = match ty {
            PaDataType::TGS_REQ => Some(&mut out.tgs_req),
            PaDataType::PW_SALT => Some(&mut out.pw_salt),
            PaDataType::ETYPE_INFO2 => Some(&mut out.etype_info2),
            PaDataType::ETYPE_INFO => Some(&mut out.etype_info),
            PaDataType::ENC_TIMESTAMP => Some(&mut out.enc_timestamp),
            _ => None,
        };
        if let Some(slot) = slot {
            if let Some(v) = f.get(2, what)? {
                *slot = Some(v);
            }
        }
        out.types.push(ty);
    }
    Ok(out)
}

/// A PA-DATA list: its types, and the values read further.
struct PaData<'a> {
    types: List<PaDataType, 8>,
    /// PA-TGS-REQ's value: an AP-REQ.
    tgs_req: Option<Tlv<'a>>,
    /// PA-PW-SALT's value: in a KRB-ERROR's METHOD-DATA, Windows and Samba
    /// KDCs put a 12-byte KERB-EXT-ERROR there ([MS-KILE] 2.2.1).
    pw_salt: Option<Tlv<'a>>,
    /// PA-ETYPE-INFO2's value (see [`etype_info_entries`]).
    etype_info2: Option<Tlv<'a>>,
    /// PA-ETYPE-INFO's value (see [`etype_info_entries`]).
    etype_info: Option<Tlv<'a>>,
    /// PA-ENC-TIMESTAMP's value (see [`enc_timestamp_etype`]).
    enc_timestamp: Option<Tlv<'a>>,
}

impl PaData<'_> {
    /// Puts the etypes of its PA-ETYPE-INFO2 and PA-ETYPE-INFO into `k`.
    fn etype_infos_into(&self, k: &mut KerberosInfo) {
        if let Some(v) = &self.etype_info2 {
            k.etype_info2 = etype_info_entries(v, "Kerberos ETYPE-INFO2");
        }
        if let Some(v) = &self.etype_info {
            k.etype_info = etype_info_entries(v, "Kerberos ETYPE-INFO");
        }
    }
}

/// The etypes of PA-ETYPE-INFO2's value (RFC 4120 5.2.7.5): ETYPE-INFO2 ::=
/// SEQUENCE SIZE (1..MAX) OF ETYPE-INFO2-ENTRY { etype [0] Int32, salt [1]
/// KerberosString OPTIONAL, s2kparams [2] OCTET STRING OPTIONAL }; or of
/// PA-ETYPE-INFO's (RFC 4120 5.2.7.4): ETYPE-INFO ::= SEQUENCE OF
/// ETYPE-INFO-ENTRY { etype [0] Int32, salt [1] OCTET STRING OPTIONAL }.
/// Both put the etype in [0] of each entry. Best effort: the entries
/// before one that does not decode.
fn etype_info_entries(v: &Tlv, what: &'static str) -> List<EncType, 8> {
    let mut out = List::new();
    let Ok(bytes) = v.octets(what) else {
        return out;
    };
    let Ok(seq) = Der::new(bytes, v.value_offset, what).read() else {
        return out;
    };
    if seq.class != UNIVERSAL || seq.tag != T_SEQUENCE {
        return out;
    }
    let Ok(mut entries) = seq.children(what) else {
        return out;
    };
    while !entries.is_empty() {
        let etype = entries
            .read()
            .and_then(|e| seq_fields(&e, what))
            .and_then(|f| f.req(0, what))
            .and_then(|t| t.int32(what));
        match etype {
            Ok(e) => out.push(EncType(e)),
            Err(_) => break,
        }
    }
    out
}

/// The etype of PA-ENC-TIMESTAMP's value, an EncryptedData (RFC 4120
/// 5.2.7.2); none when it does not decode.
fn enc_timestamp_etype(v: &Tlv) -> Option<EncType> {
    const WHAT: &str = "Kerberos PA-ENC-TIMESTAMP";
    let bytes = v.octets(WHAT).ok()?;
    let data = Der::new(bytes, v.value_offset, WHAT).read().ok()?;
    enc_data(&data, WHAT).ok().map(|(etype, _)| etype)
}

/// AS-REQ / TGS-REQ: KDC-REQ and KDC-REQ-BODY (RFC 4120 5.4.1).
fn parse_kdc_req(app: &Tlv, k: &mut KerberosInfo) -> Result<(), AuthError> {
    const WHAT: &str = "Kerberos KDC-REQ";
    const BODY: &str = "Kerberos KDC-REQ-BODY";
    let f = app_fields(app, WHAT)?;
    if let Some(pa) = f.get(3, "Kerberos KDC-REQ padata")? {
        let pa = padata(&pa, "Kerberos KDC-REQ PA-DATA")?;
        k.padata_types = pa.types;
        k.enc_timestamp_etype = pa.enc_timestamp.as_ref().and_then(enc_timestamp_etype);
        if let Some(v) = pa.tgs_req {
            // PA-TGS-REQ carries an AP-REQ with the TGT (RFC 4120 5.4.1).
            let ap_bytes = v.octets("Kerberos PA-TGS-REQ")?;
            let mut d = Der::new(ap_bytes, v.value_offset, "Kerberos PA-TGS-REQ");
            let ap_app = d.read()?;
            if ap_app.class == APPLICATION && ap_app.tag == 14 {
                k.ticket = Some(ap_req_parts(&ap_app)?.1);
            }
        }
    }
    let body = f.req(4, "Kerberos KDC-REQ req-body")?;
    let b = seq_fields(&body, BODY)?;
    let (_, opts) = b.req(0, "Kerberos KDC-REQ-BODY kdc-options")?.bits(BODY)?;
    k.kdc_options = KdcOptions::from_octets(opts);
    if let Some(c) = b.get(1, "Kerberos KDC-REQ-BODY cname")? {
        k.cname = Some(principal(&c, "Kerberos KDC-REQ-BODY cname")?);
    }
    k.realm = Some(b.req(2, "Kerberos KDC-REQ-BODY realm")?.string(BODY)?);
    if let Some(s) = b.get(3, "Kerberos KDC-REQ-BODY sname")? {
        k.sname = Some(principal(&s, "Kerberos KDC-REQ-BODY sname")?);
    }
    if let Some(t) = b.get(4, "Kerberos KDC-REQ-BODY from")? {
        k.from = Some(krb_time(&t, BODY)?);
    }
    if let Some(t) = b.get(5, "Kerberos KDC-REQ-BODY till")? {
        k.till = Some(krb_time(&t, BODY)?);
    }
    if let Some(n) = b.get(7, "Kerberos KDC-REQ-BODY nonce")? {
        k.nonce = Some(n.int(BODY)?);
    }
    if let Some(e) = b.get(8, "Kerberos KDC-REQ-BODY etype")? {
        let mut d = e.children("Kerberos KDC-REQ-BODY etype")?;
        while !d.is_empty() {
            k.etypes
                .push(EncType(d.read()?.int32("Kerberos KDC-REQ-BODY etype")?));
        }
    }
    Ok(())
}

/// AS-REP / TGS-REP: KDC-REP (RFC 4120 5.4.2).
fn parse_kdc_rep(app: &Tlv, k: &mut KerberosInfo) -> Result<(), AuthError> {
    const WHAT: &str = "Kerberos KDC-REP";
    let f = app_fields(app, WHAT)?;
    if let Some(pa) = f.get(2, "Kerberos KDC-REP padata")? {
        let pa = padata(&pa, "Kerberos KDC-REP PA-DATA")?;
        pa.etype_infos_into(k);
        k.padata_types = pa.types;
    }
    k.crealm = Some(f.req(3, "Kerberos KDC-REP crealm")?.string(WHAT)?);
    k.cname = Some(principal(
        &f.req(4, "Kerberos KDC-REP cname")?,
        "Kerberos KDC-REP cname",
    )?);
    let t = ticket(&f.req(5, "Kerberos KDC-REP ticket")?)?;
    let (e, _) = enc_data(
        &f.req(6, "Kerberos KDC-REP enc-part")?,
        "Kerberos KDC-REP enc-part",
    )?;
    k.enc_part_etype = Some(e);
    k.realm = Some(t.realm.clone());
    k.sname = Some(t.sname.clone());
    k.ticket = Some(t);
    Ok(())
}

/// KRB-ERROR (RFC 4120 5.9.1).
fn parse_krb_error(app: &Tlv, k: &mut KerberosInfo) -> Result<(), AuthError> {
    const WHAT: &str = "Kerberos KRB-ERROR";
    let f = app_fields(app, WHAT)?;
    if let Some(t) = f.get(2, "Kerberos KRB-ERROR ctime")? {
        k.ctime = Some(krb_time(&t, WHAT)?);
    }
    if let Some(t) = f.get(3, "Kerberos KRB-ERROR cusec")? {
        k.cusec = Some(t.int(WHAT)?);
    }
    k.stime = Some(krb_time(&f.req(4, "Kerberos KRB-ERROR stime")?, WHAT)?);
    k.susec = Some(f.req(5, "Kerberos KRB-ERROR susec")?.int(WHAT)?);
    let code = f.req(6, "Kerberos KRB-ERROR error-code")?.int32(WHAT)?;
    k.error_code = Some(code);
    k.error = crate::ntstatus::kerberos::name(code);
    if let Some(t) = f.get(7, "Kerberos KRB-ERROR crealm")? {
        k.crealm = Some(t.string(WHAT)?);
    }
    if let Some(t) = f.get(8, "Kerberos KRB-ERROR cname")? {
        k.cname = Some(principal(&t, "Kerberos KRB-ERROR cname")?);
    }
    k.realm = Some(f.req(9, "Kerberos KRB-ERROR realm")?.string(WHAT)?);
    k.sname = Some(principal(
        &f.req(10, "Kerberos KRB-ERROR sname")?,
        "Kerberos KRB-ERROR sname",
    )?);
    if let Some(t) = f.get(11, "Kerberos KRB-ERROR e-text")? {
        k.e_text = Some(t.string(WHAT)?);
    }
    if let Some(t) = f.get(12, "Kerberos KRB-ERROR e-data")? {
        if let Ok(v) = t.octets(WHAT) {
            e_data(v, t.value_offset, k);
        }
    }
    Ok(())
}

/// A KerberosTime as RFC 3339 ("2026-11-25T22:08:23Z") with its
/// microseconds (susec, cusec: RFC 4120 5.9.1) when they are in range:
/// "2026-11-25T22:08:23.594632Z".
pub fn time_with_usec(t: &str, usec: Option<i64>) -> String {
    match (t.strip_suffix('Z'), usec) {
        (Some(base), Some(u)) if (0..1_000_000).contains(&u) && !base.contains('.') => {
            format!("{base}.{u:06}Z")
        }
        _ => t.to_string(),
    }
}

/// e-data is not self-describing: METHOD-DATA (RFC 4120 5.9.1) with
/// KDC_ERR_PREAUTH_REQUIRED, KERB-ERROR-DATA ([MS-KILE] 2.2.1) from
/// Windows, or TYPED-DATA. Best effort: what does not decode is left out.
fn e_data(v: &[u8], base: usize, k: &mut KerberosInfo) {
    let mut d = Der::new(v, base, "Kerberos e-data");
    let Ok(seq) = d.read() else { return };
    if seq.class != UNIVERSAL || seq.tag != T_SEQUENCE {
        return;
    }
    // KERB-ERROR-DATA ::= SEQUENCE { data-type [1] INTEGER, data-value [2]
    // OCTET STRING OPTIONAL }; data-type 3 (KERB_ERR_TYPE_EXTENDED) holds
    // KERB-EXT-ERROR: status (NTSTATUS, LE), reserved, flags.
    if let Ok(f) = Fields::of(&seq, "Kerberos KERB-ERROR-DATA") {
        let dt = f.get(1, "Kerberos KERB-ERROR-DATA").ok().flatten();
        if let Some(Ok(3)) = dt.map(|t| t.int("Kerberos KERB-ERROR-DATA")) {
            if let Some(Ok(val)) = f
                .get(2, "Kerberos KERB-ERROR-DATA")
                .ok()
                .flatten()
                .map(|t| t.octets("Kerberos KERB-ERROR-DATA"))
            {
                ext_error(val, k);
            }
            return;
        }
    }
    // METHOD-DATA ::= SEQUENCE OF PA-DATA; a PA-PW-SALT of 12 bytes in it
    // is a KERB-EXT-ERROR (what Samba's KDC sends with
    // KDC_ERR_CLIENT_REVOKED and KDC_ERR_KEY_EXPIRED).
    if let Ok(pa) = padata(&seq, "Kerberos METHOD-DATA") {
        pa.etype_infos_into(k);
        k.e_data_padata_types = pa.types;
        if let Some(Ok(val)) = pa.pw_salt.map(|t| t.octets("Kerberos PA-PW-SALT")) {
            if val.len() == 12 {
                ext_error(val, k);
            }
        }
    }
}

/// KERB-EXT-ERROR ([MS-KILE] 2.2.1): status (NTSTATUS, little-endian),
/// reserved, flags.
fn ext_error(val: &[u8], k: &mut KerberosInfo) {
    if let Some(s) = val.get(..4) {
        let st = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
        k.nt_status = Some(NtStatus(st));
        k.nt_status_code = Some(st);
    }
}

fn status_name<S: Serializer>(st: &Option<NtStatus>, s: S) -> Result<S::Ok, S::Error> {
    match st {
        Some(st) => s.collect_str(st),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_with_microseconds() {
        let t = "2026-11-25T22:08:23Z";
        assert_eq!(
            time_with_usec(t, Some(594632)),
            "2026-11-25T22:08:23.594632Z"
        );
        assert_eq!(time_with_usec(t, Some(7)), "2026-11-25T22:08:23.000007Z");
        assert_eq!(time_with_usec(t, None), t);
        assert_eq!(time_with_usec(t, Some(1_000_000)), t);
        assert_eq!(time_with_usec(t, Some(-1)), t);
        assert_eq!(time_with_usec("garbage", Some(5)), "garbage");
    }

    #[test]
    fn weak_enctypes_are_rc4_and_des() {
        for e in [
            EncType::RC4_HMAC,
            EncType::RC4_HMAC_EXP,
            EncType::DES_CBC_MD5,
            EncType::DES3_CBC_SHA1,
            EncType::RC4_PLAIN,
        ] {
            assert!(e.is_weak(), "{e}");
        }
        for e in [
            EncType::AES128_CTS_HMAC_SHA1_96,
            EncType::AES256_CTS_HMAC_SHA1_96,
            EncType::CAMELLIA256_CTS_CMAC,
            EncType(999),
            EncType(-999),
        ] {
            assert!(!e.is_weak(), "{e}");
        }
    }

    /// The names as they were listed before the flags kept their bits.
    fn reference_names(bytes: &[u8], name: impl Fn(usize) -> Option<&'static str>) -> Vec<String> {
        let mut out = Vec::new();
        for (i, byte) in bytes.iter().take(4).enumerate() {
            for j in 0..8 {
                if byte & (0x80 >> j) != 0 {
                    let bit = i * 8 + j;
                    out.push(name(bit).map_or_else(|| format!("bit{bit}"), str::to_string));
                }
            }
        }
        out
    }

    /// One step of a fixed-seed xorshift64 generator.
    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// The flag names are written to JSON without an escape check.
    #[test]
    fn flag_names_need_no_escaping() {
        let names: Vec<&str> = (0..32)
            .flat_map(|b| [ap_option_name(b), kdc_option_name(b)])
            .flatten()
            .collect();
        assert!(names.len() > 10, "{}", names.len());
        assert!(names.iter().all(|n| crate::json::is_plain_name(n)));
    }

    #[test]
    fn kerberos_flags_match_reference() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            next(&mut x);
            let b = x.to_le_bytes();
            let len = (x >> 60) as usize % 7;
            let octets = &b[..len];
            let want = reference_names(octets, kdc_option_name);
            let k = KdcOptions::from_octets(octets);
            assert_eq!(k.names(), want);
            assert_eq!(k.is_empty(), want.is_empty());
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                serde_json::to_string(&want).unwrap()
            );
            let a = ApOptions::from_octets(octets);
            assert_eq!(a.names(), reference_names(octets, ap_option_name));
        }
        assert_eq!(
            KdcOptions::from_octets(&[0x50, 0x80, 0x02, 0x01]).names(),
            ["forwardable", "proxiable", "renewable", "bit22", "validate"]
        );
    }

    /// PrincipalName with the given components (GeneralString each).
    fn principal_der(parts: &[Vec<u8>]) -> Vec<u8> {
        let mut list = Vec::new();
        for p in parts {
            list.push(0x1b);
            list.push(p.len() as u8);
            list.extend_from_slice(p);
        }
        let mut seq_of = vec![0x30, list.len() as u8];
        seq_of.extend_from_slice(&list);
        let mut body = vec![0xa0, 3, 0x02, 1, 1, 0xa1, seq_of.len() as u8];
        body.extend_from_slice(&seq_of);
        let mut v = vec![0x30, body.len() as u8];
        v.extend_from_slice(&body);
        v
    }

    #[test]
    fn principal_joins_as_the_parts_lossy() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..5_000 {
            next(&mut x);
            let parts: Vec<Vec<u8>> = (0..(x % 4))
                .map(|i| {
                    let len = ((x >> (8 * i)) % 30) as usize;
                    (0..len)
                        .map(|j| {
                            let b = (x >> ((i as usize + j) % 56)) as u8;
                            // Mostly ASCII, some bytes that are not UTF-8 alone.
                            if j % 7 == 3 {
                                b | 0x80
                            } else {
                                b & 0x7f
                            }
                        })
                        .collect()
                })
                .collect();
            let der = principal_der(&parts);
            let t = Der::new(&der, 0, "t").read().unwrap();
            let want: Vec<String> = parts
                .iter()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            assert_eq!(principal(&t, "t").unwrap().as_str(), want.join("/"));
        }
    }

    #[test]
    fn record_marker() {
        assert_eq!(
            kerberos_tcp_record(&[0, 0]).unwrap(),
            KrbTcpRecord::Incomplete { total_len: 0 }
        );
        assert_eq!(
            kerberos_tcp_record(&[0, 0, 0, 3, 1]).unwrap(),
            KrbTcpRecord::Incomplete { total_len: 7 }
        );
        assert_eq!(
            kerberos_tcp_record(&[0, 0, 0, 2, 1, 2, 9]).unwrap(),
            KrbTcpRecord::Complete {
                message: &[1, 2],
                consumed: 6
            }
        );
        assert!(kerberos_tcp_record(&[0x80, 0, 0, 2, 1, 2]).is_err());
        assert!(kerberos_tcp_record(&[0x7f, 0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn open_enums_print() {
        assert_eq!(EncType(18).to_string(), "aes256-cts-hmac-sha1-96");
        assert_eq!(EncType(23).to_string(), "rc4-hmac");
        assert_eq!(EncType(99).to_string(), "99");
        assert_eq!(PaDataType(128).to_string(), "PA-PAC-REQUEST");
        assert_eq!(KrbMsgType(30).to_string(), "KRB-ERROR");
        assert_eq!(
            serde_json::to_string(&EncType(-135)).unwrap(),
            "\"rc4-hmac-old-exp\""
        );
    }
}
