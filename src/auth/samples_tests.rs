//! Unit tests on real message bytes from our own sample captures
//! (samples/*.pcap, made with Samba 4.17 smbd/smbclient/MIT and Heimdal
//! tools; see samples/README.md). Each `testdata/*.hex` file names the capture,
//! frame and tshark field it was taken from.

use super::*;
use crate::ntstatus::NtStatus;

/// Every sample blob: (name, bytes).
pub(crate) fn sample_blobs() -> Vec<(&'static str, Vec<u8>)> {
    macro_rules! blobs {
        ($($n:literal),* $(,)?) => {
            vec![$(($n, unhex(include_str!(concat!("testdata/", $n, ".hex"))))),*]
        };
    }
    blobs![
        "ntlm_negotiate_response_init2",
        "ntlm_negtokeninit_negotiate",
        "ntlm_challenge",
        "ntlm_authenticate",
        "ntlm_accept_completed",
        "ntlm_authenticate_nonascii",
        "ntlm_authenticate_upn",
        "ntlm_smb202_authenticate",
        "krb_negotiate_response_init2",
        "krb_ap_req",
        "krb_ap_rep",
        "krb_ap_err_skew",
        "krb_ap_rep_skew_retry",
        "krb88_as_req",
        "krb88_preauth_required",
        "krb88_as_req_tcp",
        "krb88_as_rep",
        "krb88_tgs_req",
        "krb88_tgs_rep",
        "krb88_preauth_failed",
        "krb88_unknown_user",
        "krb88_unknown_spn",
        "krb88_skew",
        "krb88_key_expired",
        "krb88_preauth_required_etype_info",
        "krb88_as_rep_etype_info",
    ]
}

/// The hex line of a testdata file (lines starting with '#' are comments).
fn unhex(text: &str) -> Vec<u8> {
    let h: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.chars())
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    (0..h.len() / 2)
        .filter_map(|i| u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

fn blob(name: &str) -> Vec<u8> {
    sample_blobs()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| b)
        .unwrap()
}

fn ntlm(a: &AuthInfo) -> &NtlmsspMessage {
    a.ntlmssp.as_ref().expect("ntlmssp")
}

fn krb(a: &AuthInfo) -> &KerberosInfo {
    a.kerberos.as_ref().expect("kerberos")
}

// Expected values are tshark 4.0.17's for the same frame unless noted.

#[test]
fn negotiate_response_negtokeninit2_from_smbd() {
    let a = parse_security_blob(&blob("ntlm_negotiate_response_init2")).unwrap();
    assert_eq!(a.mechanism, Mechanism::SpnegoOnly);
    let s = a.spnego.as_ref().unwrap();
    assert_eq!(s.spnego_token, spnego::SpnegoToken::NegTokenInit2);
    assert_eq!(&s.mech_types[..], [MechType(MechType::NTLMSSP.into())]);
    assert_eq!(
        s.neg_hint_name.as_deref(),
        Some("not_defined_in_RFC4178@please_ignore")
    );
    assert_eq!(a.summary(), "SPNEGO negTokenInit2 [ntlmssp]");

    // The AD DC offers Kerberos first.
    let a = parse_security_blob(&blob("krb_negotiate_response_init2")).unwrap();
    let names: Vec<String> = a
        .spnego
        .unwrap()
        .mech_types
        .iter()
        .map(|m| m.to_string())
        .collect();
    assert_eq!(names, ["ms-kerberos", "kerberos", "ntlmssp"]);
}

#[test]
fn ntlmssp_three_legs_in_spnego() {
    let a = parse_security_blob(&blob("ntlm_negtokeninit_negotiate")).unwrap();
    assert_eq!(a.mechanism, Mechanism::Ntlmssp);
    let NtlmsspMessage::Negotiate(n) = ntlm(&a) else {
        panic!("not NEGOTIATE")
    };
    assert_eq!(n.flags.0, 0x6208_8215);
    assert_eq!(n.version.unwrap().to_string(), "6.1 build 0");
    assert_eq!(
        a.summary(),
        "SPNEGO negTokenInit [ntlmssp] NTLMSSP NEGOTIATE"
    );

    let a = parse_security_blob(&blob("ntlm_challenge")).unwrap();
    let s = a.spnego.as_ref().unwrap();
    assert_eq!(s.neg_result, Some(NegState::ACCEPT_INCOMPLETE)); // spnego.negResult 1
    assert_eq!(s.supported_mech.as_ref().unwrap().oid(), MechType::NTLMSSP);
    let NtlmsspMessage::Challenge(c) = ntlm(&a) else {
        panic!("not CHALLENGE")
    };
    assert_eq!(c.server_challenge.to_string(), "9e70590c94e3671f"); // ntlmssp.ntlmserverchallenge
    assert_eq!(c.target_name.as_deref(), Some("FILESRV"));
    assert_eq!(c.target_info.len(), 5);
    assert_eq!(
        a.summary(),
        "SPNEGO accept-incomplete NTLMSSP CHALLENGE 9e70590c94e3671f target FILESRV"
    );

    let a = parse_security_blob(&blob("ntlm_authenticate")).unwrap();
    let NtlmsspMessage::Authenticate(x) = ntlm(&a) else {
        panic!("not AUTHENTICATE")
    };
    assert_eq!(
        (x.user.as_str(), x.domain.as_str(), x.workstation.as_str()),
        ("alice", "SAMPLES", "VM")
    );
    assert_eq!(x.response_kind, ntlmssp::ResponseKind::NtlmV2);
    assert_eq!(x.nt_response_len, 220);
    assert_eq!(
        x.nt_proof_str.as_ref().map(ToString::to_string).as_deref(),
        Some("64ba01b570478f924babc2892893047d")
    );
    let v2 = x.ntlmv2.as_ref().unwrap();
    assert_eq!(v2.client_challenge.to_string(), "434f5fbaf4f57e3e");
    assert_eq!(v2.av_flags, Some(2));
    assert_eq!(v2.target_spn.as_deref(), Some("cifs/127.0.0.2"));
    assert!(x.mic_present && x.mic.is_some());
    assert!(x.encrypted_session_key_present);
    assert_eq!(
        a.summary(),
        "SPNEGO negTokenResp NTLMSSP AUTHENTICATE SAMPLES\\alice from VM (NTLMv2)"
    );

    let a = parse_security_blob(&blob("ntlm_accept_completed")).unwrap();
    assert_eq!(a.mechanism, Mechanism::SpnegoOnly);
    assert_eq!(
        a.spnego.as_ref().unwrap().neg_result,
        Some(NegState::ACCEPT_COMPLETED)
    );
    assert_eq!(a.summary(), "SPNEGO accept-completed");
}

#[test]
fn ntlmssp_non_ascii_and_upn_users() {
    // tshark: ntlmssp.auth.username "jösé", domain "SAMPLES".
    let a = parse_security_blob(&blob("ntlm_authenticate_nonascii")).unwrap();
    let NtlmsspMessage::Authenticate(x) = ntlm(&a) else {
        panic!()
    };
    assert_eq!(x.user, "jösé");
    assert_eq!(x.domain, "SAMPLES");
    assert_eq!(x.workstation, "CLIENT1");
    // tshark: username "alice@SAMPLES.SMBSCOPE.TEST", domain NULL (empty).
    let a = parse_security_blob(&blob("ntlm_authenticate_upn")).unwrap();
    let NtlmsspMessage::Authenticate(x) = ntlm(&a) else {
        panic!()
    };
    assert_eq!(x.user, "alice@SAMPLES.SMBSCOPE.TEST");
    assert_eq!(x.domain, "");
    assert_eq!(
        x.ntlmv2.as_ref().unwrap().target_spn.as_deref(),
        Some("cifs/alias.samples.smbscope.test")
    );
    assert_eq!(
        a.summary(),
        "SPNEGO negTokenResp NTLMSSP AUTHENTICATE alice@SAMPLES.SMBSCOPE.TEST from CLIENT1 (NTLMv2)"
    );
}

#[test]
fn kerberos_ap_req_and_ap_rep_in_spnego() {
    let a = parse_security_blob(&blob("krb_ap_req")).unwrap();
    assert_eq!(a.mechanism, Mechanism::Kerberos);
    assert_eq!(a.krb5_token_id.as_deref(), Some("KRB_AP_REQ"));
    let k = krb(&a);
    assert_eq!(k.msg_type, KrbMsgType::AP_REQ); // kerberos.msg_type 14
    assert_eq!(k.realm.as_deref(), Some("SAMPLES.SMBSCOPE.TEST"));
    assert_eq!(k.sname.as_deref(), Some("cifs/dc1.samples.smbscope.test"));
    assert_eq!(k.mutual_required, Some(true));
    let t = k.ticket.as_ref().unwrap();
    assert_eq!(
        (t.enctype, t.kvno),
        (EncType::AES256_CTS_HMAC_SHA1_96, Some(1))
    );
    assert_eq!(
        k.authenticator_etype,
        Some(EncType::AES256_CTS_HMAC_SHA1_96)
    );
    assert_eq!(
        a.summary(),
        "SPNEGO negTokenInit [ms-kerberos, kerberos] Kerberos AP-REQ \
         cifs/dc1.samples.smbscope.test@SAMPLES.SMBSCOPE.TEST (aes256-cts-hmac-sha1-96) mutual-required"
    );

    let a = parse_security_blob(&blob("krb_ap_rep")).unwrap();
    assert_eq!(
        a.spnego.as_ref().unwrap().neg_result,
        Some(NegState::ACCEPT_COMPLETED)
    );
    assert_eq!(
        a.spnego
            .as_ref()
            .unwrap()
            .supported_mech
            .as_ref()
            .unwrap()
            .to_string(),
        "ms-kerberos"
    );
    assert_eq!(krb(&a).msg_type, KrbMsgType::AP_REP);
    assert_eq!(
        krb(&a).enc_part_etype,
        Some(EncType::AES256_CTS_HMAC_SHA1_96)
    );
}

#[test]
fn kerberos_error_in_session_setup() {
    // krb5-ap-skew frame 19: tshark kerberos.error_code 37, realm
    // SAMPLES.SMBSCOPE.TEST, SNameString DC1$, no CNameString.
    let a = parse_security_blob(&blob("krb_ap_err_skew")).unwrap();
    assert_eq!(a.krb5_token_id.as_deref(), Some("KRB_ERROR"));
    let k = krb(&a);
    assert_eq!(k.msg_type, KrbMsgType::KRB_ERROR);
    assert_eq!(k.error_code, Some(37));
    assert_eq!(k.error, Some("KRB_AP_ERR_SKEW"));
    assert_eq!(k.realm.as_deref(), Some("SAMPLES.SMBSCOPE.TEST"));
    assert_eq!(k.sname.as_deref(), Some("DC1$"));
    assert_eq!(k.cname, None);
    assert_eq!(k.stime.as_deref(), Some("2026-11-25T21:56:35Z"));
    assert_eq!(k.susec, Some(704_845));
    let j = serde_json::to_value(&a).unwrap();
    assert_eq!(j["kerberos"]["error_code"], 37);
    assert_eq!(j["kerberos"]["error"], "KRB_AP_ERR_SKEW");
    assert_eq!(j["neg_result"], "accept-incomplete");
}

#[test]
fn kdc_error_with_an_ntstatus() {
    let k = parse_kerberos_message(&blob("krb88_key_expired")).unwrap();
    assert_eq!(k.error, Some("KDC_ERR_KEY_EXPIRED"));
    assert_eq!(k.nt_status, Some(NtStatus::PASSWORD_EXPIRED));
    assert_eq!(k.nt_status_code, Some(0xC000_0071));
    let json = serde_json::to_value(&k).unwrap();
    assert_eq!(json["nt_status"], "STATUS_PASSWORD_EXPIRED");
    assert_eq!(json["nt_status_code"], 0xC000_0071_u32);
}

#[test]
fn kdc_exchange_on_port_88() {
    let k = parse_kerberos_message(&blob("krb88_as_req")).unwrap();
    assert_eq!(k.msg_type, KrbMsgType::AS_REQ);
    assert_eq!(k.cname.as_deref(), Some("alice"));
    assert_eq!(k.realm.as_deref(), Some("SAMPLES.SMBSCOPE.TEST"));
    assert_eq!(k.sname.as_deref(), Some("krbtgt/SAMPLES.SMBSCOPE.TEST"));
    assert_eq!(k.etypes.first(), Some(&EncType::AES256_CTS_HMAC_SHA1_96));
    assert_eq!(k.etypes.len(), 8);
    assert!(k.etypes.contains(&EncType::RC4_HMAC));

    // tshark padata types 16,15,147,2,136,655,19 (655 has no name).
    let k = parse_kerberos_message(&blob("krb88_preauth_required")).unwrap();
    assert_eq!(k.error_code, Some(25));
    assert_eq!(k.error, Some("KDC_ERR_PREAUTH_REQUIRED"));
    let pa: Vec<i32> = k.e_data_padata_types.iter().map(|p| p.0).collect();
    assert_eq!(pa, [16, 15, 147, 2, 136, 655, 19]);
    assert_eq!(
        k.e_text.as_deref(),
        Some("Need to use PA-ENC-TIMESTAMP/PA-PK-AS-REQ")
    );

    let k = parse_kerberos_message(&blob("krb88_as_req_tcp")).unwrap();
    assert_eq!(k.padata_types.first(), Some(&PaDataType::ENC_TIMESTAMP));

    let k = parse_kerberos_message(&blob("krb88_as_rep")).unwrap();
    assert_eq!(k.msg_type, KrbMsgType::AS_REP);
    assert_eq!(
        (k.crealm.as_deref(), k.cname.as_deref()),
        (Some("SAMPLES.SMBSCOPE.TEST"), Some("alice"))
    );
    assert_eq!(k.sname.as_deref(), Some("krbtgt/SAMPLES.SMBSCOPE.TEST"));

    // tshark: msg_type 12,14; SNameString krbtgt,SAMPLES.SMBSCOPE.TEST,cifs,dc1.samples.smbscope.test
    let k = parse_kerberos_message(&blob("krb88_tgs_req")).unwrap();
    assert_eq!(k.msg_type, KrbMsgType::TGS_REQ);
    assert_eq!(k.sname.as_deref(), Some("cifs/dc1.samples.smbscope.test"));
    let t = k.ticket.as_ref().unwrap();
    assert_eq!(
        (t.realm.as_str(), t.sname.as_str()),
        ("SAMPLES.SMBSCOPE.TEST", "krbtgt/SAMPLES.SMBSCOPE.TEST")
    );
    assert_eq!(
        &k.padata_types[..],
        [PaDataType::TGS_REQ, PaDataType::FX_FAST]
    );

    let k = parse_kerberos_message(&blob("krb88_tgs_rep")).unwrap();
    assert_eq!(k.msg_type, KrbMsgType::TGS_REP);
    assert_eq!(k.sname.as_deref(), Some("cifs/dc1.samples.smbscope.test"));
    // Under FAST the outer cname is the anonymous principal (tshark:
    // CNameString WELLKNOWN,ANONYMOUS, crealm WELLKNOWN:ANONYMOUS,
    // padata_type 136): RFC 6113 5.4.1 hide-client-names. alice is inside
    // the FAST-encrypted part; the summary says the name is hidden rather
    // than let it read as an anonymous logon.
    assert_eq!(k.cname.as_deref(), Some("WELLKNOWN/ANONYMOUS"));
    assert_eq!(&k.padata_types[..], [PaDataType::FX_FAST]);
    assert!(k.client_hidden_by_fast());
    assert_eq!(
        k.summary(),
        "Kerberos TGS-REP WELLKNOWN/ANONYMOUS@WELLKNOWN:ANONYMOUS (client name hidden by FAST) ticket cifs/dc1.samples.smbscope.test@SAMPLES.SMBSCOPE.TEST (aes256-cts-hmac-sha1-96)"
    );
    // The AS-REP of the same capture (frame 10) is not armored: alice.
    let k = parse_kerberos_message(&blob("krb88_as_rep")).unwrap();
    assert!(!k.client_hidden_by_fast());
    assert!(k
        .summary()
        .starts_with("Kerberos AS-REP alice@SAMPLES.SMBSCOPE.TEST ticket"));

    let k = parse_kerberos_message(&blob("krb88_preauth_failed")).unwrap();
    assert_eq!(
        (k.error_code, k.error),
        (Some(24), Some("KDC_ERR_PREAUTH_FAILED"))
    );
    let k = parse_kerberos_message(&blob("krb88_unknown_user")).unwrap();
    assert_eq!(
        (k.error_code, k.cname.as_deref()),
        (Some(6), Some("nosuchuser"))
    );
    assert_eq!(
        k.summary(),
        "Kerberos KRB-ERROR KDC_ERR_C_PRINCIPAL_UNKNOWN (6) for krbtgt/SAMPLES.SMBSCOPE.TEST@SAMPLES.SMBSCOPE.TEST"
    );
    // Under FAST the outer error is generic: realm "<unspecified realm>",
    // empty sname (tshark shows the same).
    let k = parse_kerberos_message(&blob("krb88_unknown_spn")).unwrap();
    assert_eq!(k.error_code, Some(7));
    assert_eq!(k.realm.as_deref(), Some("<unspecified realm>"));
    assert_eq!(k.sname.as_deref(), Some(""));
    assert_eq!(&k.e_data_padata_types[..], [PaDataType::FX_FAST]);
    // It names no server: the summary has no "for @<unspecified realm>".
    assert_eq!(
        k.summary(),
        "Kerberos KRB-ERROR KDC_ERR_S_PRINCIPAL_UNKNOWN (7)"
    );
    // krb5-ap-skew frame 13, the KDC's skew error under FAST: the same.
    let k = parse_kerberos_message(&blob("krb88_skew")).unwrap();
    assert_eq!(k.sname.as_deref(), Some(""));
    assert_eq!(k.summary(), "Kerberos KRB-ERROR KRB_AP_ERR_SKEW (37)");
    // The server's skew error in SESSION_SETUP names its service.
    let a = parse_security_blob(&blob("krb_ap_err_skew")).unwrap();
    assert_eq!(
        krb(&a).summary(),
        "Kerberos KRB-ERROR KRB_AP_ERR_SKEW (37) for DC1$@SAMPLES.SMBSCOPE.TEST"
    );
}

/// PA-ETYPE-INFO (RFC 4120 5.2.7.4) beside PA-ETYPE-INFO2 (5.2.7.5): the
/// Samba KDC sends both to impacket's GetNPUsers.py, whose AS-REQ offers
/// rc4-hmac alone, no "newer" etype (RFC 4120 3.1.3 has the KDC send
/// both then), in the KRB-ERROR's METHOD-DATA and in the AS-REP's padata.
/// tshark: kerberos.padata_type 16,15,147,2,136,655,19,11 and
/// kerberos.etype 23,23 (ETYPE-INFO2's, then ETYPE-INFO's) in both; the
/// AS-REP then 18 (ticket) and 23 (enc-part).
#[test]
fn etype_info_beside_etype_info2() {
    let types = [16, 15, 147, 2, 136, 655, 19, 11];
    let k = parse_kerberos_message(&blob("krb88_preauth_required_etype_info")).unwrap();
    assert_eq!(k.error_code, Some(25));
    let pa: Vec<i32> = k.e_data_padata_types.iter().map(|p| p.0).collect();
    assert_eq!(pa, types);
    assert_eq!(&k.etype_info2[..], [EncType::RC4_HMAC]);
    assert_eq!(&k.etype_info[..], [EncType::RC4_HMAC]);
    let j = serde_json::to_value(&k).unwrap();
    assert_eq!(j["etype_info2"], serde_json::json!(["rc4-hmac"]));
    assert_eq!(j["etype_info"], serde_json::json!(["rc4-hmac"]));

    let k = parse_kerberos_message(&blob("krb88_as_rep_etype_info")).unwrap();
    assert_eq!(k.msg_type, KrbMsgType::AS_REP);
    assert_eq!(k.cname.as_deref(), Some("paul"));
    let pa: Vec<i32> = k.padata_types.iter().map(|p| p.0).collect();
    assert_eq!(pa, types);
    assert_eq!(&k.etype_info2[..], [EncType::RC4_HMAC]);
    assert_eq!(&k.etype_info[..], [EncType::RC4_HMAC]);
    assert_eq!(
        k.ticket.as_ref().map(|t| t.enctype),
        Some(EncType::AES256_CTS_HMAC_SHA1_96)
    );
    assert_eq!(k.enc_part_etype, Some(EncType::RC4_HMAC));

    // MIT kinit offers AES: the Samba KDC sends ETYPE-INFO2 alone
    // (tshark: padata types 16,15,147,2,136,655,19; kerberos.etype 18).
    let k = parse_kerberos_message(&blob("krb88_preauth_required")).unwrap();
    assert_eq!(&k.etype_info2[..], [EncType::AES256_CTS_HMAC_SHA1_96]);
    assert!(k.etype_info.is_empty());
    let j = serde_json::to_value(&k).unwrap();
    assert!(j.get("etype_info").is_none(), "{j}");
}

#[test]
fn json_shape() {
    let a = parse_security_blob(&blob("ntlm_authenticate_upn")).unwrap();
    let j = serde_json::to_value(&a).unwrap();
    assert_eq!(j["mechanism"], "ntlmssp");
    assert_eq!(j["ntlmssp"]["message_type"], "AUTHENTICATE");
    assert_eq!(j["ntlmssp"]["user"], "alice@SAMPLES.SMBSCOPE.TEST");
    assert_eq!(j["ntlmssp"]["domain"], "");
    assert_eq!(j["ntlmssp"]["workstation"], "CLIENT1");
    assert_eq!(j["ntlmssp"]["response_kind"], "NTLMv2");
    assert!(j.get("kerberos").is_none());
    assert!(j.get("neg_result").is_none());

    let j = serde_json::to_value(parse_security_blob(&blob("ntlm_challenge")).unwrap()).unwrap();
    assert_eq!(j["neg_result"], "accept-incomplete");
    assert_eq!(j["supported_mech"], "ntlmssp");
    assert_eq!(j["ntlmssp"]["message_type"], "CHALLENGE");
    assert_eq!(j["ntlmssp"]["server_challenge"], "9e70590c94e3671f");

    let j = serde_json::to_value(parse_security_blob(&blob("krb_ap_req")).unwrap()).unwrap();
    assert_eq!(j["mechanism"], "kerberos");
    assert_eq!(
        j["mech_types"],
        serde_json::json!(["ms-kerberos", "kerberos"])
    );
    assert_eq!(j["kerberos"]["msg_type"], "AP-REQ");
    assert_eq!(j["kerberos"]["realm"], "SAMPLES.SMBSCOPE.TEST");
    assert_eq!(j["kerberos"]["sname"], "cifs/dc1.samples.smbscope.test");
    assert!(j["kerberos"].get("cname").is_none());

    let j =
        serde_json::to_value(parse_security_blob(&blob("ntlm_negotiate_response_init2")).unwrap())
            .unwrap();
    assert_eq!(j["mechanism"], "spnego-only");
}

/// Every truncation of every sample fails cleanly with an offset inside
/// the buffer (or parses, for prefixes that are themselves complete).
#[test]
fn truncations_fail_with_offsets_inside_the_buffer() {
    for (name, b) in sample_blobs() {
        for n in 0..b.len() {
            let cut = &b[..n];
            let r = if name.starts_with("krb88") {
                parse_kerberos_message(cut).map(|_| ())
            } else {
                parse_security_blob(cut).map(|_| ())
            };
            if let Err(e) = r {
                assert!(e.offset <= n, "{name} cut at {n}: {e}");
            }
        }
    }
}
