//! `smbscope check` on real sample captures, as a CI job runs it: a check
//! that judged nothing, or a fact the capture cut off, is not a pass.

mod common;

use common::{check, sample, smbscope};

/// The SMB of no-smb-response-port4455 is on port 4455, not followed
/// without --port: every check fails with "nothing to check", where a deny
/// used to pass on the empty list of offenders. With --port 4455 the
/// capture's one connection is judged. connection-refused's two
/// connections carry no SMB message. krb5-kinit-wrong-password holds
/// Kerberos only: `deny weak-enctype` judges its KDC exchanges, `deny smb1`
/// has nothing to judge.
#[test]
fn a_capture_without_smb_is_nothing_to_check() {
    let f = sample("no-smb-response-port4455.pcap");
    let (code, out) = check(&[&f, "--deny", "smb1", "--deny", "unsigned"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "FAIL deny smb1: nothing to check: no SMB connection on the ports followed (445, 139; add --port for another)\n\
         FAIL deny unsigned: nothing to check: no SMB connection on the ports followed (445, 139; add --port for another)\n\
         2 check(s), 0 passed, 2 failed\n"
    );
    let (_, out) = check(&[&f, "--deny", "smb1", "--port", "4455"]);
    assert!(out.starts_with("PASS deny smb1: none in "), "{out}");
    let (code, out) = check(&[&sample("connection-refused.pcap"), "--deny", "smb1"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("FAIL deny smb1: nothing to check: "),
        "{out}"
    );
    let krb = sample("krb5-kinit-wrong-password.pcap");
    let (code, out) = check(&[&krb, "--deny", "weak-enctype", "--deny", "smb1"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("PASS deny weak-enctype: "), "{out}");
    assert!(
        out.contains("FAIL deny smb1: nothing to check: no SMB connection"),
        "{out}"
    );
    // JUnit: a failure like any other.
    let (code, xml) = check(&[&f, "--deny", "smb1", "--format", "junit"]);
    assert_eq!(code, 1);
    assert!(
        xml.contains("<failure message=\"nothing to check: no SMB connection"),
        "{xml}"
    );
}

/// `require signing` and `require encryption` where no session was set up
/// (ntlm-wrong-password: one SESSION_SETUP refused, STATUS_LOGON_FAILURE at
/// frame 11) judge nothing: `nothing_to_check`, a failure, told apart from
/// an unsigned session in the JSON's `result`.
#[test]
fn a_requirement_with_no_session_set_up_is_nothing_to_check() {
    let f = sample("ntlm-wrong-password.pcap");
    let (code, out) = check(&[&f, "--require", "signing", "--require", "encryption"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "FAIL require signing: nothing to check: no session was set up (1 tried)\n\
         FAIL require encryption: nothing to check: no session was set up (1 tried)\n\
         2 check(s), 0 passed, 2 failed\n"
    );
    let (_, json) = check(&[&f, "--require", "signing", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["checks"][0]["result"], "nothing_to_check", "{json}");
    assert_eq!(
        v["checks"][0]["evidence"], "no session was set up (1 tried)",
        "{json}"
    );
}

/// ntlm-snaplen-160 was captured with a snaplen of 160: the
/// AUTHENTICATE (frame 10, 580 bytes on the wire, tshark shows no
/// ntlmssp.auth.username) is cut, so which response it sent is not known:
/// `deny ntlmv1` and `deny lm` cannot pass. ntlm-copy-seq-wrap-snaplen-256
/// cut its AUTHENTICATE (frame 10) too: the session is set up, but whose
/// it is (the user's own or anonymous) is not known, so `expect-success`
/// cannot pass either. The whole capture it was cut from (ntlm-success-copy)
/// still passes all three.
#[test]
fn a_fact_the_capture_cut_off_is_not_a_pass() {
    let (code, out) = check(&[
        &sample("ntlm-snaplen-160.pcap"),
        "--deny",
        "ntlmv1",
        "--deny",
        "lm",
        "--deny",
        "ntlm",
    ]);
    assert_eq!(code, 1);
    for line in out.lines().take(3) {
        assert!(
            line.contains(": cannot tell: session ")
                && line.contains(
                    "the capture cut its SESSION_SETUP request (frame 10) before the security token"
                ),
            "{out}"
        );
    }
    let (code, out) = check(&[
        &sample("ntlm-copy-seq-wrap-snaplen-256.pcap"),
        "--expect-success",
        "--deny",
        "anonymous",
        "--deny",
        "ntlmv1",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("FAIL expect-success: cannot tell: session 0xf06e294f (stream 0, frames 8-11), an identity the capture cut off: the capture cut its SESSION_SETUP request (frame 10) before the security token, so who it logged on as is not known\n"),
        "{out}"
    );
    assert!(out.contains("FAIL deny anonymous: cannot tell: "), "{out}");
    assert!(out.contains("FAIL deny ntlmv1: cannot tell: "), "{out}");
    let (code, out) = check(&[
        &sample("ntlm-success-copy.pcap"),
        "--expect-success",
        "--deny",
        "anonymous",
        "--deny",
        "ntlmv1",
    ]);
    assert_eq!(code, 0, "{out}");
}

/// smb1-plaintext-password: the SMB1 logon sends alice's password in clear
/// (tshark: smb.security_blob absent, smb.password "..." in frame 8);
/// `deny lm` and `deny ntlmv1` pass, `deny plaintext` fails, and so does
/// `deny-finding` of the posture finding it raises.
#[test]
fn plaintext_and_findings_can_be_denied() {
    let f = sample("smb1-plaintext-password.pcap");
    let (code, out) = check(&[&f, "--deny", "lm", "--deny", "plaintext"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("PASS deny lm: "), "{out}");
    assert!(
        out.contains("FAIL deny plaintext: session 0x0 (stream 0, frames 8-9) SAMPLES\\alice sent its password in clear"),
        "{out}"
    );
    let (code, out) = check(&[&f, "--deny-finding", "posture.plaintext_passwords"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with(
            "FAIL deny-finding posture.plaintext_passwords: error: posture.plaintext_passwords (tcp.stream eq 0, "
        ),
        "{out}"
    );
    let (code, out) = check(&[&f, "--deny-finding", "attack."]);
    assert_eq!(code, 0, "{out}");
    // A code or prefix of no finding is a usage error.
    assert_eq!(check(&[&f, "--deny-finding", "posture.nonsense"]).0, 2);
    assert_eq!(check(&[&f, "--deny-finding", "nonsense."]).0, 2);
}

/// A finding code in any case, with spaces around it, is the code as the
/// findings table spells it (lower case, dotted): smb1-plaintext-password
/// raises posture.plaintext_passwords (the SMB1 NEGOTIATE response of
/// frame 6 lacks NEGOTIATE_ENCRYPT_PASSWORDS, tshark:
/// smb.sm.password 0, PLAINTEXT). ` posture.` once passed there, its leading
/// space matching no code; three spellings of one code are one check,
/// named as the table spells it.
#[test]
fn a_finding_code_in_two_spellings_is_one_check() {
    let f = sample("smb1-plaintext-password.pcap");
    let (code, out) = check(&[&f, "--deny-finding", " posture."]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(
            "FAIL deny-finding posture.: error: posture.plaintext_passwords (tcp.stream eq 0, "
        ),
        "{out}"
    );
    let (code, out) = check(&[
        &f,
        "--deny-finding",
        "Posture.Plaintext_Passwords",
        "--deny-finding",
        " posture.plaintext_passwords ",
        "--deny-finding",
        "posture.plaintext_passwords",
        "--deny-finding",
        "ATTACK.",
        "--deny-finding",
        "attack.",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let checks = v["checks"].as_array().expect("checks");
    let names: Vec<&str> = checks.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "deny-finding posture.plaintext_passwords",
            "deny-finding attack."
        ],
        "{out}"
    );
    assert_eq!(checks[0]["argument"], "posture.plaintext_passwords");
    assert_eq!(checks[0]["result"], "fail");
    assert_eq!(checks[1]["result"], "pass");
}

/// Kerberos errors by name or `krb:N`: krb5-kinit-wrong-password's KDC
/// answers the AS-REQ of frame 3 with KDC_ERR_PREAUTH_FAILED (tshark:
/// kerberos.error_code 24, frame 4); krb5-ap-ticket-not-yet-valid's server
/// answers the AP-REQ with KRB_AP_ERR_TKT_NYV inside SPNEGO (frame 17,
/// kerberos.error_code 33).
#[test]
fn expect_status_takes_kerberos_errors() {
    let (code, out) = check(&[
        &sample("krb5-kinit-wrong-password.pcap"),
        "--expect-status",
        "KDC_ERR_PREAUTH_FAILED",
        "--expect-status",
        "krb:24",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("PASS expect-status KDC_ERR_PREAUTH_FAILED: the KDC answered AS-REQ (udp stream 1, frame 4) with KRB-ERROR KDC_ERR_PREAUTH_FAILED (24)\n"),
        "{out}"
    );
    let (code, out) = check(&[
        &sample("krb5-ap-ticket-not-yet-valid.pcap"),
        "--expect-status",
        "KRB_AP_ERR_TKT_NYV",
        "--expect-status",
        "KDC_ERR_PREAUTH_FAILED",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "its SESSION_SETUP response (frame 17) carried KRB-ERROR KRB_AP_ERR_TKT_NYV (33)"
        ),
        "{out}"
    );
    assert!(
        out.contains("FAIL expect-status KDC_ERR_PREAUTH_FAILED: KDC_ERR_PREAUTH_FAILED (24) not in any KRB-ERROR; "),
        "{out}"
    );
    assert_eq!(
        check(&[
            &sample("krb5-kinit-wrong-password.pcap"),
            "--expect-status",
            "KRB_NO_SUCH"
        ])
        .0,
        2
    );
}

/// pcapattack-smb2-kerberos-rc4 (tshark): the AS-REQ of tcp.stream 1
/// (frame 3) offers aes256, aes128, rc4-hmac and DES (kerberos.ENCTYPE 18,
/// 17, 23, 24, -135, 3); the AS-REP (frame 5) has its ticket in
/// aes256 and its encrypted part, the client's key, in rc4-hmac
/// (kerberos.etype 18, 23). `--deny weak-enctype` fails there as the
/// report's `posture.weak_enctype` does, naming the request and the reply;
/// on tcp.stream 2 the TGS-REP (frame 9) carries an rc4-hmac ticket
/// (kerberos.etype 23, 18), named as the reply, not as the request.
#[test]
fn deny_weak_enctype_names_a_weak_reply_key() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let f = dir.join("pcapattack-smb2-kerberos-rc4.pcapng");
    let f = f.to_string_lossy();
    let (code, out) = check(&[&f, "--stream", "1", "--deny", "weak-enctype"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(
            "FAIL deny weak-enctype: AS-REQ frame 3, AS-REP frame 5: reply encrypted with rc4-hmac\n"
        ),
        "{out}"
    );
    let (code, out) = check(&[&f, "--stream", "2", "--deny", "weak-enctype"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(
            "FAIL deny weak-enctype: TGS-REQ frame 7, TGS-REP frame 9: a rc4-hmac ticket\n"
        ),
        "{out}"
    );
    // Stream 3's exchange is all AES: the pass says what it judged.
    let (code, out) = check(&[&f, "--stream", "3", "--deny", "weak-enctype"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("PASS deny weak-enctype: none in 0 session(s), 0 connection(s), 1 Kerberos exchange(s) with a KDC\n"),
        "{out}"
    );
}

/// A capture that cannot be read still gives a JUnit document (an empty
/// report.xml is rejected by CI test reporters), with exit 2. Its
/// `<error>` says why as the JSON document's `error` does; the suite and
/// the classname name the file.
#[test]
fn junit_on_an_unreadable_capture() {
    let (code, xml) = check(&["/nonexistent.pcap", "--deny", "smb1", "--format", "junit"]);
    assert_eq!(code, 2);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains("<testsuite name=\"smbscope check /nonexistent.pcap\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase classname=\"smbscope.check./nonexistent_pcap\" name=\"capture\">\n      <error message=\"No such file or directory (os error 2)\""),
        "{xml}"
    );
    assert!(xml.contains("errors=\"1\""), "{xml}");
    let (_, json) = check(&["/nonexistent.pcap", "--deny", "smb1", "--format", "jsonl"]);
    assert!(
        json.contains("\"error\":\"No such file or directory (os error 2)\""),
        "{json}"
    );
}

/// The same check on several captures is a testcase of each, told apart by
/// its classname (`smbscope.check.` and the path, dots made underscores,
/// so Jenkins' package stays `smbscope.check`): GitLab keys a testcase by
/// suite, classname and name, Jenkins lists cases by classname and name.
#[test]
fn junit_testcases_of_several_captures_are_told_apart() {
    let a = sample("ntlm-wrong-password.pcap");
    let b = sample("ntlm-smb311.pcap");
    let (code, xml) = check(&[&a, &b, "--deny", "ntlmv1", "--format", "junit"]);
    assert_eq!(code, 0, "{xml}");
    let classes: Vec<&str> = xml
        .match_indices("classname=\"")
        .filter_map(|(i, m)| xml[i + m.len()..].split('"').next())
        .collect();
    assert_eq!(
        classes,
        [
            format!("smbscope.check.{}", a.replace('.', "_")),
            format!("smbscope.check.{}", b.replace('.', "_"))
        ],
        "{xml}"
    );
    assert_eq!(xml.matches("name=\"deny ntlmv1\"").count(), 2, "{xml}");
}

/// A check the capture cannot judge is a JUnit `<failure>` as a violation
/// is (exit 1), its `type` told apart: `check` for ntlm-wrong-password's
/// `expect-success` (bob's logon refused, a fact), `nothing_to_check` for
/// its `require signing` (no session set up), `cannot_tell` for
/// ntlm-snaplen-160's `deny ntlmv1` (the AUTHENTICATE cut before its
/// response), as the JSON's `result` says.
#[test]
fn junit_failure_types_tell_a_violation_from_a_capture_that_cannot_show() {
    let a = sample("ntlm-wrong-password.pcap");
    let b = sample("ntlm-snaplen-160.pcap");
    let (code, xml) = check(&[
        &a,
        &b,
        "--expect-success",
        "--require",
        "signing",
        "--deny",
        "ntlmv1",
        "--format",
        "junit",
    ]);
    assert_eq!(code, 1, "{xml}");
    // (testcase name, failure type or "" for a pass), in order.
    let cases: Vec<(String, String)> = xml
        .split("<testcase ")
        .skip(1)
        .map(|t| {
            let name = t.split(" name=\"").nth(1).and_then(|x| x.split('"').next());
            let kind = t
                .split("<failure ")
                .nth(1)
                .and_then(|x| x.split("type=\"").nth(1))
                .and_then(|x| x.split('"').next());
            (
                name.unwrap_or_default().to_string(),
                kind.unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(n, k)| (n.to_string(), k.to_string()))
            .collect()
    };
    assert_eq!(
        cases,
        want(&[
            ("expect-success", "check"),
            ("deny ntlmv1", ""),
            ("require signing", "nothing_to_check"),
            ("expect-success", "check"),
            ("deny ntlmv1", "cannot_tell"),
            ("require signing", "nothing_to_check"),
        ]),
        "{xml}"
    );
    for (f, results) in [
        (&a, ["fail", "pass", "nothing_to_check"]),
        (&b, ["fail", "cannot_tell", "nothing_to_check"]),
    ] {
        let (_, json) = check(&[
            f,
            "--expect-success",
            "--require",
            "signing",
            "--deny",
            "ntlmv1",
            "--format",
            "json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        let got: Vec<&str> = v["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter_map(|c| c["result"].as_str())
            .collect();
        assert_eq!(got, results, "{json}");
    }
}

/// ntlmv1-accepted-wrong-password: alice logs on (stream 0), bob's wrong
/// password is refused (stream 1, frame 49 STATUS_LOGON_FAILURE).
/// `--expect-success` covers the whole capture, and fails on bob; with
/// `--user alice` it covers alice's sessions and findings alone.
#[test]
fn checks_can_be_scoped_to_a_user() {
    let f = sample("ntlmv1-accepted-wrong-password.pcap");
    assert_eq!(check(&[&f, "--expect-success"]).0, 1);
    let (code, out) = check(&[&f, "--expect-success", "--user", "ALICE"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = check(&[&f, "--expect-success", "--user", "bob"]);
    assert_eq!(code, 1);
    assert!(out.contains("(SAMPLES\\bob)"), "{out}");
    let (code, out) = check(&[&f, "--deny", "smb1", "--user", "nobody"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("FAIL deny smb1: nothing to check: no SMB connection of user nobody"),
        "{out}"
    );
}

/// A check given twice is one; an empty policy file says so.
#[test]
fn duplicates_and_empty_policies() {
    let f = sample("ntlmv1-accepted-wrong-password.pcap");
    let (_, xml) = check(&[&f, "--deny", "smb1", "--deny", "SMB1", "--format", "junit"]);
    assert_eq!(xml.matches("<testcase ").count(), 1, "{xml}");
    let dir = common::ScratchDir::new("checkcli");
    let p = dir.join("empty.toml");
    std::fs::write(&p, "").expect("write");
    let o = smbscope(&["check", &f, "--policy", &p.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("has no checks"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// One code in several spellings is one check, named as first given:
/// krb5-kinit-wrong-password's KDC_ERR_PREAUTH_FAILED (tshark:
/// kerberos.error_code 24, frame 4) as `krb:24`, `krb:0x18` and by name;
/// ntlm-wrong-password's STATUS_LOGON_FAILURE (smb2.nt_status 0xc000006d,
/// frame 11) as number and names; smb1-dos-wrong-password's
/// ERRDOS/ERRnoaccess by name and as `ERRDOS/0x0005`, while the same bytes
/// read as an NTSTATUS number (0x00050001) stay a check of their own.
#[test]
fn one_code_in_two_spellings_is_one_check() {
    let (code, out) = check(&[
        &sample("krb5-kinit-wrong-password.pcap"),
        "--expect-status",
        "krb:24",
        "--expect-status",
        "KDC_ERR_PREAUTH_FAILED",
        "--expect-status",
        "krb:0x18",
        "--expect-status",
        "kdc_err_preauth_failed",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.starts_with("PASS expect-status krb:24: "), "{out}");
    assert!(out.ends_with("1 check(s), 1 passed, 0 failed\n"), "{out}");
    let f = sample("ntlm-wrong-password.pcap");
    let (code, xml) = check(&[
        &f,
        "--expect-status",
        "0xc000006d",
        "--expect-status",
        "LOGON_FAILURE",
        "--expect-status",
        "STATUS_LOGON_FAILURE",
        "--expect-status",
        "STATUS_ACCESS_DENIED",
        "--format",
        "junit",
    ]);
    assert_eq!(code, 1, "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert!(xml.contains("name=\"expect-status 0xc000006d\""), "{xml}");
    let (_, out) = check(&[
        &sample("smb1-dos-wrong-password.pcap"),
        "--expect-status",
        "ERRDOS/ERRnoaccess",
        "--expect-status",
        "ERRDOS/0x0005",
        "--expect-status",
        "0x00050001",
    ]);
    assert!(
        out.starts_with("PASS expect-status ERRDOS/ERRnoaccess: "),
        "{out}"
    );
    assert!(out.contains("\nFAIL expect-status 0x00050001: "), "{out}");
    assert!(out.ends_with("2 check(s), 1 passed, 1 failed\n"), "{out}");
}

/// A deny cannot pass on a session whose SESSION_SETUP the capture lacks.
/// zeek-smb2-readwrite-midstream starts mid-connection: tshark shows no
/// NEGOTIATE or SESSION_SETUP, and 24 responses not an error with
/// smb2.sesid 0x3c231cc0 from frame 2 on, one of them an interim
/// STATUS_PENDING (frame 17), which is not counted. In
/// sv-smb21-psexec-kerberos-port139, streams 3 (SMB2) and 4 (SMB1, smb.uid
/// 2048) only disconnect a tree and log off (frames 64 and 69 the first
/// responses): `deny plaintext` cannot tell for the SMB1 one alone, while
/// the sessions of stream 0 and 5, set up in the capture, are judged.
#[test]
fn a_session_set_up_before_the_capture_is_not_a_pass() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let f = dir.join("zeek-smb2-readwrite-midstream.pcap");
    let (code, out) = check(&[
        &f.to_string_lossy(),
        "--deny",
        "ntlmv1",
        "--deny",
        "plaintext",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let checks = v["checks"].as_array().expect("checks");
    assert_eq!(checks[0]["result"], "cannot_tell", "{out}");
    assert_eq!(
        checks[0]["evidence"],
        "stream 0: 23 server message(s) of a session whose SESSION_SETUP the capture lacks (the first: frame 2)"
    );
    // SMB2 sends no password in clear.
    assert_eq!(checks[1]["result"], "pass", "{out}");
    let f = dir.join("sv-smb21-psexec-kerberos-port139.pcap");
    let (code, out) = check(&[
        &f.to_string_lossy(),
        "--deny",
        "plaintext",
        "--deny",
        "ntlm",
    ]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.lines().take(2).collect::<Vec<_>>(),
        [
            "FAIL deny plaintext: cannot tell: stream 4: 2 server message(s) of a session whose SESSION_SETUP the capture lacks (the first: frame 69)",
            "FAIL deny ntlm: cannot tell: stream 3: 2 server message(s) of a session whose SESSION_SETUP the capture lacks (the first: frame 64); stream 4: 2 server message(s) of a session whose SESSION_SETUP the capture lacks (the first: frame 69)",
        ],
        "{out}"
    );
}

/// What tshark shows of one session's messages on one TCP stream, counted
/// as `check` counts a session's: SMB2 messages with that smb2.sesid (a
/// TRANSFORM's, smb2.header.transform present, in clear too), both
/// directions, but interim STATUS_PENDING responses (async, 0x00000103),
/// CANCEL requests (smb2.cmd 12) and MessageId 0xFFFFFFFFFFFFFFFF; or, for
/// an SMB1 UID (`smb1`), the messages with that smb.uid but the server's
/// oplock breaks (a LOCKING_ANDX request from the server), signed when
/// smb.flags2.sec_sig is set and smb.signature is not zeros.
#[derive(Debug, Default, PartialEq)]
struct Seen {
    messages: u64,
    signed: u64,
    encrypted: u64,
    first_unsigned: Option<u64>,
    first_unencrypted: Option<u64>,
}

fn tshark_session(path: &std::path::Path, stream: u64, sid: &str, smb1: bool) -> Seen {
    let mut seen = Seen::default();
    let mut note = |frame: u64, signed: bool, encrypted: bool| {
        seen.messages += 1;
        seen.signed += u64::from(signed);
        seen.encrypted += u64::from(encrypted);
        if !signed && !encrypted {
            seen.first_unsigned.get_or_insert(frame);
        }
        if !encrypted {
            seen.first_unencrypted.get_or_insert(frame);
        }
    };
    if smb1 {
        let text = common::tshark_text(
            path,
            &format!("tcp.stream == {stream} && smb.uid == {sid}"),
            &[
                "frame.number",
                "smb.flags.response",
                "smb.cmd",
                "smb.flags2.sec_sig",
                "smb.signature",
                "tcp.srcport",
            ],
        );
        for l in text.lines() {
            let f: Vec<&str> = l.split('\t').collect();
            let frame: u64 = f[0].parse().expect("frame");
            let from_server = f[5] == "445" || f[5] == "139";
            if f[1] == "0" && f[2].starts_with("0x24") && from_server {
                continue;
            }
            let signed = f[3] == "1" && f[4].chars().any(|c| c != '0');
            note(frame, signed, false);
        }
        return seen;
    }
    let text = common::tshark_text(
        path,
        &format!("tcp.stream == {stream} && smb2"),
        &[
            "frame.number",
            "smb2.sesid",
            "smb2.header.transform.flags",
            "smb2.flags.signature",
            "smb2.msg_id",
            "smb2.nt_status",
            "smb2.flags.response",
            "smb2.cmd",
            "smb2.flags.async",
        ],
    );
    for l in text.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        let frame: u64 = f[0].parse().expect("frame");
        if !f[2].is_empty() {
            if f[1] == sid {
                note(frame, false, true);
            }
            continue;
        }
        let col = |i: usize| -> Vec<&str> { f[i].split(',').collect() };
        let (sids, signed, ids, status, response, cmd, asy) =
            (col(1), col(3), col(4), col(5), col(6), col(7), col(8));
        // nt_status is a response's field only.
        let mut responses = 0;
        for i in 0..sids.len() {
            let is_response = response[i] == "1";
            let st = if is_response {
                responses += 1;
                status[responses - 1]
            } else {
                ""
            };
            let by_rule = ids[i] == "18446744073709551615"
                || (is_response && asy[i] == "1" && st == "0x00000103")
                || (!is_response && cmd[i] == "12");
            if sids[i] == sid && !by_rule {
                note(frame, signed[i] == "1", false);
            }
        }
    }
    seen
}

/// A session whose SESSION_SETUP the capture lacks (set up before it
/// began) is judged by its messages, as tshark counts them (see
/// [`tshark_session`]): zeek-smb2-compound-midstream's 0x40000000031
/// signs all 42 it shows (smb2.flags.signature 1), none encrypted;
/// zeek-smb2-readwrite-midstream's 0x3c231cc0 signs none of its 53;
/// sv-smb3-encrypted-midstream's 0x48009400003d sends 44 in TRANSFORM
/// headers and its TREE_CONNECT exchange (frames 15, 16) signed in clear;
/// sv-smb21-psexec-kerberos-port139's streams 3 (SMB2, 0x40000000029) and
/// 4 (SMB1, smb.uid 2048, SECURITY_SIGNATURE with a zero signature) sign
/// nothing, where `require signing` passed on the sessions of streams 0
/// and 5 alone. Their mechanism is not known: `expect-mechanism` cannot
/// tell, on a capture with such sessions alone too.
#[test]
fn a_session_set_up_before_the_capture_is_judged_by_its_messages() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let json = |f: &std::path::Path, args: &[&str]| -> (i32, Vec<(String, String)>) {
        let mut a = vec![f.to_str().expect("path")];
        a.extend_from_slice(args);
        a.extend_from_slice(&["--format", "json"]);
        let (code, out) = check(&a);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let checks = v["checks"].as_array().expect("checks");
        let r = checks
            .iter()
            .map(|c| {
                (
                    c["result"].as_str().unwrap_or("").to_string(),
                    c["evidence"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        (code, r)
    };
    // In the order the checks come out: denies, then requirements.
    let all = [
        "--deny",
        "unsigned",
        "--deny",
        "unencrypted",
        "--require",
        "signing",
        "--require",
        "encryption",
    ];

    let f = dir.join("zeek-smb2-compound-midstream.pcap");
    let t = tshark_session(&f, 0, "0x0000040000000031", false);
    assert_eq!((t.messages, t.signed, t.encrypted), (42, 42, 0), "{t:?}");
    let (code, r) = json(&f, &all);
    assert_eq!(code, 1);
    let signed = format!("session 0x40000000031 (stream 0, frames 1-35), its SESSION_SETUP not in the capture: {} of {} message(s) of it seen signed", t.signed, t.messages);
    assert_eq!(r[0], ("pass".into(), format!("none in 0 session(s), 1 connection(s), nor in 1 session(s) whose SESSION_SETUP the capture lacks: {signed}")));
    assert_eq!(
        r[2],
        (
            "pass".into(),
            format!("1 session(s), all signed or encrypted: {signed}")
        )
    );
    let plain = format!("session 0x40000000031 (stream 0, frames 1-35), its SESSION_SETUP not in the capture, not encrypted: 0 of {} message(s) of it seen encrypted; the first outside a TRANSFORM header: frame {}", t.messages, t.first_unencrypted.expect("first"));
    assert_eq!(r[1], ("fail".into(), plain.clone()));
    assert_eq!(r[3], ("fail".into(), plain));

    let f = dir.join("zeek-smb2-readwrite-midstream.pcap");
    let t = tshark_session(&f, 0, "0x000000003c231cc0", false);
    assert_eq!(
        (t.messages, t.signed, t.first_unsigned),
        (53, 0, Some(1)),
        "{t:?}"
    );
    let (code, r) = json(
        &f,
        &[
            "--deny",
            "unsigned",
            "--require",
            "signing",
            "--expect-mechanism",
            "kerberos",
        ],
    );
    assert_eq!(code, 1);
    let unsigned = format!(
        "0 of {} message(s) of it seen signed; the first unsigned: frame 1",
        t.messages
    );
    assert_eq!(r[1], ("fail".into(), format!("session 0x3c231cc0 (stream 0, frames 1-56), its SESSION_SETUP not in the capture, neither signed nor encrypted: {unsigned}")));
    assert_eq!(r[2], ("fail".into(), format!("session 0x3c231cc0 (stream 0, frames 1-56), its SESSION_SETUP not in the capture, not signed: {unsigned}")));
    // Its mechanism is not known: not a pass, not "no session".
    assert_eq!(r[0], ("cannot_tell".into(), "session 0x3c231cc0 (stream 0, frames 1-56), its SESSION_SETUP not in the capture, so its mechanism is not known".into()));

    let f = dir.join("sv-smb3-encrypted-midstream.pcap");
    let t = tshark_session(&f, 0, "0x000048009400003d", false);
    assert_eq!(
        (
            t.messages,
            t.signed,
            t.encrypted,
            t.first_unsigned,
            t.first_unencrypted
        ),
        (46, 2, 44, None, Some(15)),
        "{t:?}"
    );
    let (_, r) = json(&f, &all);
    assert_eq!(r[0].0, "pass", "{r:?}");
    assert!(
        r[0].1
            .ends_with(": 2 of 46 message(s) of it seen signed, 44 encrypted"),
        "{r:?}"
    );
    assert_eq!(r[2].0, "pass", "{r:?}");
    assert_eq!(r[1], ("fail".into(), "session 0x48009400003d (stream 0, frames 1-46), its SESSION_SETUP not in the capture, not all encrypted: 44 of 46 message(s) of it seen encrypted; the first outside a TRANSFORM header: frame 15".into()));
    assert_eq!(r[3].0, "fail", "{r:?}");

    let f = dir.join("sv-smb21-psexec-kerberos-port139.pcap");
    let smb2 = tshark_session(&f, 3, "0x0000040000000029", false);
    let smb1 = tshark_session(&f, 4, "2048", true);
    assert_eq!(
        (smb2.messages, smb2.signed, smb2.first_unsigned),
        (4, 0, Some(63))
    );
    assert_eq!(
        (smb1.messages, smb1.signed, smb1.first_unsigned),
        (4, 0, Some(67))
    );
    let (code, r) = json(
        &f,
        &["--require", "signing", "--expect-mechanism", "kerberos"],
    );
    assert_eq!(code, 1);
    assert_eq!(r[0], ("cannot_tell".into(), "session 0x40000000029 (stream 3, frames 63-66), its SESSION_SETUP not in the capture, so its mechanism is not known; session 0x800 (stream 4, frames 67-73), its SESSION_SETUP not in the capture, so its mechanism is not known".into()));
    assert_eq!(r[1], ("fail".into(), "session 0x40000000029 (stream 3, frames 63-66), its SESSION_SETUP not in the capture, not signed: 0 of 4 message(s) of it seen signed; the first unsigned: frame 63; session 0x800 (stream 4, frames 67-73), its SESSION_SETUP not in the capture, not signed: 0 of 4 message(s) of it seen signed; the first unsigned: frame 67".into()));
}

/// Real captures cut by `editcap -r` so that they begin after the session
/// was set up, judged as the whole capture judges the session:
/// ntlm-smb311's session does not sign (the whole capture: unsigned, frame
/// 14); its TREE_CONNECT exchange alone (frames 12-13) is signed, as SMB
/// 3.1.1 signs every TREE_CONNECT, which shows nothing (cannot tell); with
/// the IOCTL after it (12-17) the unsigned IOCTL request is frame 3 of the
/// cut. ntlm-smb311-encrypted's 32 messages after the setup (12-43) are
/// all TRANSFORMs. arkime-smb1-vlan-ntlm's SMB1 UID 8192 signs the 6
/// messages after its setup (15-22), as the whole capture shows.
#[test]
fn a_capture_cut_after_the_setup_is_judged_as_the_whole() {
    let dir = common::ScratchDir::new("checkcut");
    let cut = |src: &std::path::Path, name: &str, frames: &str| -> std::path::PathBuf {
        let out = dir.join(name);
        let ran = std::process::Command::new("editcap")
            .arg("-r")
            .arg(src)
            .arg(&out)
            .arg(frames)
            .status()
            .expect("editcap (with tshark)");
        assert!(ran.success());
        out
    };
    let run =
        |f: &std::path::Path, what: &[&str]| check(&[&[f.to_str().expect("path")], what].concat());

    let whole = std::path::PathBuf::from(sample("ntlm-smb311.pcap"));
    let (_, out) = run(&whole, &["--deny", "unsigned"]);
    assert!(out.contains("the first unsigned: frame 14"), "{out}");
    let f = cut(&whole, "tc.pcap", "12-13");
    let t = tshark_session(&f, 0, "0x00000000111ee4a3", false);
    assert_eq!((t.messages, t.signed), (2, 2), "{t:?}");
    assert_eq!(common::tshark_text(&f, "smb2", &["smb2.cmd"]), "3\n3\n");
    let (code, out) = run(&f, &["--deny", "unsigned", "--require", "signing"]);
    assert_eq!(code, 1);
    let why = "FAIL deny unsigned: cannot tell: session 0x111ee4a3 (stream 0, frames 1-2), its SESSION_SETUP not in the capture: 2 of 2 message(s) of it seen signed, but only TREE_CONNECT or SESSION_SETUP ones, which SMB 3.x signs also in a session that signs nothing else ([MS-SMB2] 3.3.5.7, 3.3.5.5.3)";
    assert!(out.starts_with(why), "{out}");
    assert!(
        out.contains("\nFAIL require signing: cannot tell: session 0x111ee4a3 "),
        "{out}"
    );
    let f = cut(&whole, "tc-ioctl.pcap", "12-17");
    let t = tshark_session(&f, 0, "0x00000000111ee4a3", false);
    assert_eq!(
        (t.messages, t.signed, t.first_unsigned),
        (6, 2, Some(3)),
        "{t:?}"
    );
    let (_, out) = run(&f, &["--deny", "unsigned"]);
    assert!(out.starts_with("FAIL deny unsigned: session 0x111ee4a3 (stream 0, frames 1-6), its SESSION_SETUP not in the capture, not all signed or encrypted: 2 of 6 message(s) of it seen signed; the first unsigned: frame 3\n"), "{out}");

    let f = cut(
        &std::path::PathBuf::from(sample("ntlm-smb311-encrypted.pcap")),
        "enc.pcap",
        "12-43",
    );
    let t = tshark_session(&f, 0, "0x0000000043bcd7cd", false);
    assert_eq!((t.messages, t.encrypted), (32, 32), "{t:?}");
    let (code, out) = run(
        &f,
        &[
            "--deny",
            "unencrypted",
            "--require",
            "encryption",
            "--deny",
            "unsigned",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS require encryption: 1 session(s), all encrypted: session 0x43bcd7cd (stream 0, frames 1-32), its SESSION_SETUP not in the capture: 32 of 32 message(s) of it seen encrypted\n"), "{out}");

    if let Some(corpus) = common::corpus_dir() {
        let whole = corpus.join("arkime-smb1-vlan-ntlm.pcap");
        let (_, out) = run(&whole, &["--require", "signing"]);
        assert!(
            out.contains("6 of 6 message(s) after its setup signed"),
            "{out}"
        );
        let f = cut(&whole, "smb1.pcap", "15-22");
        let t = tshark_session(&f, 0, "8192", true);
        assert_eq!((t.messages, t.signed), (6, 6), "{t:?}");
        let (code, out) = run(&f, &["--deny", "unsigned", "--require", "signing"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("PASS require signing: 1 session(s), all signed or encrypted: session 0x2000 (stream 0, frames 1-8), its SESSION_SETUP not in the capture: 6 of 6 message(s) of it seen signed\n"), "{out}");
    }
}

/// A password goes in clear only in SMB1 to a server that asks for it:
/// ntlm-snaplen-160's cut AUTHENTICATE (frame 10) leaves its NTLM response
/// unknown, but the server answered the NEGOTIATE in SMB2 (frame 6), so
/// `deny plaintext` can tell, and passes.
#[test]
fn a_cut_smb2_logon_sent_no_plaintext() {
    let (code, out) = check(&[&sample("ntlm-snaplen-160.pcap"), "--deny", "plaintext"]);
    assert_eq!(
        (code, out.lines().next()),
        (
            0,
            Some("PASS deny plaintext: none in 1 session(s), 1 connection(s)")
        ),
        "{out}"
    );
}

/// `--expect-status` under a filter: only the first response of each
/// status is kept, so a status first carried outside what the filter keeps
/// is `cannot tell`, naming where it was, not `not seen`. tshark, in
/// impacket-multichannel-logoff-bound-channel: STATUS_NO_MORE_FILES
/// (0x80000006) at frame 19 (tcp.stream 0) and frame 38 (tcp.stream 1).
#[test]
fn expect_status_under_a_filter_cannot_tell_what_is_not_kept() {
    let f = sample("impacket-multichannel-logoff-bound-channel.pcap");
    let (code, out) = check(&[
        &f,
        "--expect-status",
        "STATUS_NO_MORE_FILES",
        "--stream",
        "1",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("FAIL expect-status STATUS_NO_MORE_FILES: cannot tell: the capture's first response with STATUS_NO_MORE_FILES is on tcp.stream 0, which the filter leaves out"),
        "{out}"
    );
    let (code, out) = check(&[
        &f,
        "--expect-status",
        "STATUS_NO_MORE_FILES",
        "--stream",
        "0",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(stream 0, frame 19)"), "{out}");
}

/// `check --format json` says what the text lines say, one check for one
/// line: the name, PASS for `pass` alone, the evidence with `cannot tell: `
/// or `nothing to check: ` first for those results, and the count. On
/// ntlm-snaplen-160 (AUTHENTICATE cut at frame 10) `deny ntlmv1` cannot
/// tell and `deny plaintext` passes; no-smb-response-port4455 has nothing
/// to check without --port; ntlmv1-accepted-wrong-password fails
/// `--deny ntlmv1` and passes `--deny smb1`.
#[test]
fn json_says_what_the_text_says() {
    let cases: &[(&str, &[&str], i32, &[&str])] = &[
        (
            "ntlm-snaplen-160.pcap",
            &["--deny", "ntlmv1", "--deny", "plaintext"],
            1,
            &["cannot_tell", "pass"],
        ),
        (
            "no-smb-response-port4455.pcap",
            &["--deny", "smb1"],
            1,
            &["nothing_to_check"],
        ),
        (
            "ntlmv1-accepted-wrong-password.pcap",
            &[
                "--deny",
                "ntlmv1",
                "--deny",
                "smb1",
                "--expect-status",
                "logon_failure",
            ],
            1,
            // expect-status first: checks go in a fixed order.
            &["pass", "fail", "pass"],
        ),
        (
            "ntlm-success-copy.pcap",
            &["--expect-success"],
            0,
            &["pass"],
        ),
    ];
    for (name, args, want_code, results) in cases {
        let f = sample(name);
        let mut a = vec![f.as_str()];
        a.extend_from_slice(args);
        let (code, text) = check(&a);
        a.extend_from_slice(&["--format", "json"]);
        let (jcode, json) = check(&a);
        assert_eq!(
            (code, jcode),
            (*want_code, *want_code),
            "{name}: {text}{json}"
        );
        let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(v["file"], f.as_str());
        assert_eq!(v["exit_code"], *want_code);
        assert_eq!(v["verdict"], if *want_code == 0 { "pass" } else { "fail" });
        assert!(v["damage"].is_null() && v["error"].is_null(), "{json}");
        let checks = v["checks"].as_array().expect("checks");
        let got: Vec<&str> = checks
            .iter()
            .map(|c| c["result"].as_str().unwrap_or("?"))
            .collect();
        assert_eq!(&got, results, "{name}: {json}");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), checks.len() + 1, "{text}");
        for (c, line) in checks.iter().zip(&lines) {
            let prefix = match c["result"].as_str() {
                Some("cannot_tell") => "cannot tell: ",
                Some("nothing_to_check") => "nothing to check: ",
                _ => "",
            };
            let word = if c["result"] == "pass" {
                "PASS"
            } else {
                "FAIL"
            };
            let kind = c["kind"].as_str().unwrap_or("?");
            let name = match c["argument"].as_str() {
                Some(arg) => format!("{kind} {arg}"),
                None => kind.to_string(),
            };
            assert_eq!(c["name"], name.as_str());
            let evidence = c["evidence"].as_str().unwrap_or("?");
            assert_eq!(*line, format!("{word} {name}: {prefix}{evidence}"));
        }
        let passed = got.iter().filter(|r| **r == "pass").count();
        assert_eq!(
            (v["passed"].as_u64(), v["failed"].as_u64()),
            (Some(passed as u64), Some((got.len() - passed) as u64))
        );
        assert_eq!(
            lines.last().copied(),
            Some(
                format!(
                    "{} check(s), {passed} passed, {} failed",
                    got.len(),
                    got.len() - passed
                )
                .as_str()
            )
        );
    }
}

/// An unreadable capture still gives a JSON document, with exit 2; a
/// damaged one (ntlm-wrong-password cut 10 bytes before its end, inside
/// its last record) says where, as the text's NOTE line does, and passes
/// its checks with exit 3.
#[test]
fn json_on_unreadable_and_damaged_captures() {
    let (code, json) = check(&["/nonexistent.pcap", "--deny", "smb1", "--format", "json"]);
    assert_eq!(code, 2);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["verdict"], "error");
    assert_eq!(v["exit_code"], 2);
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("No such file or directory")),
        "{json}"
    );
    assert_eq!(v["checks"], serde_json::json!([]));
    let dir = common::ScratchDir::new("checkjson");
    let source = std::fs::read(sample("ntlm-wrong-password.pcap")).expect("sample");
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &source[..source.len() - 10]).expect("write");
    let cut = cut.to_string_lossy().into_owned();
    let (code, text) = check(&[&cut, "--deny", "smb1"]);
    assert_eq!(code, 3, "{text}");
    let (code, json) = check(&[&cut, "--deny", "smb1", "--format", "json"]);
    assert_eq!(code, 3);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["verdict"], "pass_damaged");
    let d = &v["damage"];
    let message = d["message"].as_str().expect("message");
    assert!(
        text.contains(&format!("NOTE capture damaged: {message};")),
        "{text}{json}"
    );
    assert!(
        message.contains(&format!(
            "at byte {} (frame {})",
            d["byte_offset"], d["frame"]
        )),
        "{json}"
    );
}

/// A damaged copy of a sample (ntlm-wrong-password cut 10 bytes before
/// its end, inside its last record) and a text file, in a temporary
/// directory that is removed when dropped.
struct Broken {
    _dir: common::ScratchDir,
    cut: String,
    text: String,
}

impl Broken {
    fn new(tag: &str) -> Broken {
        let dir = common::ScratchDir::new(&format!("check-{tag}"));
        let source = std::fs::read(sample("ntlm-wrong-password.pcap")).expect("sample");
        let cut = dir.join("cut.pcap");
        std::fs::write(&cut, &source[..source.len() - 10]).expect("write");
        let text = dir.join("notes.txt");
        std::fs::write(&text, "not a capture\n").expect("write");
        Broken {
            cut: cut.to_string_lossy().into_owned(),
            text: text.to_string_lossy().into_owned(),
            _dir: dir,
        }
    }
}

/// Several captures, each judged on its own with the same `--deny ntlmv1`:
/// ntlm-success-copy passes (NTLMv2), ntlmv1-accepted-wrong-password fails
/// (alice and bob send NTLMv1), the cut copy passes on a damaged capture,
/// the text file cannot be read. The exit code is 2 if any could not be
/// read, else 1 if any failed, else 3 if any passed damaged, else 0, in
/// whatever order the files come; each capture's lines are those it gives
/// alone, under a header.
#[test]
fn several_captures_and_the_exit_code_precedence() {
    let b = Broken::new("several");
    let pass = sample("ntlm-success-copy.pcap");
    let fail = sample("ntlmv1-accepted-wrong-password.pcap");
    let cases: &[(&[&str], i32)] = &[
        (&[&pass, &pass], 0),
        (&[&pass, &b.cut], 3),
        (&[&b.cut, &fail, &pass], 1),
        (&[&fail, &b.cut], 1),
        (&[&pass, &b.text, &fail], 2),
        (&[&b.text, &b.cut], 2),
    ];
    for (files, want) in cases {
        let mut a: Vec<&str> = files.to_vec();
        a.extend_from_slice(&["--deny", "ntlmv1"]);
        let (code, text) = check(&a);
        assert_eq!(code, *want, "{files:?}: {text}");
        // Text: each capture's own lines under "== FILE", then a count.
        let mut expected = String::new();
        let mut counts = [0; 4];
        for f in files.iter() {
            let (alone, out) = check(&[f, "--deny", "ntlmv1"]);
            counts[alone as usize] += 1;
            expected.push_str(&format!("== {f}\n"));
            if alone == 2 {
                // What standard error says alone, without "smbscope: FILE: ".
                let o = smbscope(&["check", f, "--deny", "ntlmv1"]);
                let err = String::from_utf8_lossy(&o.stderr).into_owned();
                let why = err
                    .strip_prefix(&format!("smbscope: {f}: "))
                    .expect("the file named");
                assert!(why.starts_with("not a pcap or pcapng capture: "), "{err}");
                expected.push_str(&format!("ERROR capture could not be read: {why}"));
                assert!(out.is_empty());
            } else {
                expected.push_str(&out);
            }
        }
        assert!(text.starts_with(&expected), "{text}\n---\n{expected}");
        assert_eq!(text.lines().count(), expected.lines().count() + 1, "{text}");
        assert_eq!(text.lines().count(), expected.lines().count() + 1, "{text}");
        let summary = format!(
            "{} capture(s): {} passed, {} failed, {} passed on a damaged capture, {} could not be read\n",
            files.len(), counts[0], counts[1], counts[3], counts[2]
        );
        assert!(text.ends_with(&summary), "{text}");
        // JSON Lines: one document a line, each with its own verdict.
        a.extend_from_slice(&["--format", "jsonl"]);
        let (code, jsonl) = check(&a);
        assert_eq!(code, *want);
        let docs: Vec<serde_json::Value> = jsonl
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON line"))
            .collect();
        assert_eq!(docs.len(), files.len(), "{jsonl}");
        for (d, f) in docs.iter().zip(files.iter()) {
            assert_eq!(d["file"], *f);
            let (alone, _) = check(&[f, "--deny", "ntlmv1"]);
            assert_eq!(d["exit_code"], alone, "{d}");
        }
        // JUnit: one testsuite per capture, totals over them.
        let n = a.len();
        a[n - 1] = "junit";
        let (code, xml) = check(&a);
        assert_eq!(code, *want);
        assert_eq!(xml.matches("<testsuite ").count(), files.len(), "{xml}");
        assert_eq!(xml.matches("<testsuites ").count(), 1, "{xml}");
        let failures = docs
            .iter()
            .map(|d| d["failed"].as_u64().unwrap_or(0))
            .sum::<u64>();
        let errors = docs
            .iter()
            .filter(|d| !d["damage"].is_null() || !d["error"].is_null())
            .count();
        assert!(
            xml.contains(&format!("failures=\"{failures}\" errors=\"{errors}\">")),
            "{xml}"
        );
    }
    // One capture: no header, no count of captures, as before.
    let (_, text) = check(&[&pass, "--deny", "ntlmv1"]);
    assert_eq!(
        text,
        "PASS deny ntlmv1: none in 1 session(s), 1 connection(s)\n1 check(s), 1 passed, 0 failed\n"
    );
    // --format json is one document: for several captures, a usage error.
    assert_eq!(
        check(&[&pass, &pass, "--deny", "ntlmv1", "--format", "json"]).0,
        2
    );
}

/// `-` reads standard input, among files, at most once; what it gives is
/// what the file gives.
#[test]
fn standard_input_among_captures() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let fail = sample("ntlmv1-accepted-wrong-password.pcap");
    let pass = sample("ntlm-success-copy.pcap");
    let run = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_smbscope"))
            .arg("check")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run smbscope");
        let data = std::fs::read(&fail).expect("sample");
        // smbscope may stop reading before the end (a usage error).
        let _ = c.stdin.take().expect("stdin").write_all(&data);
        let o = c.wait_with_output().expect("wait");
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (code, out) = run(&[&pass, "-", "--deny", "ntlmv1"]);
    assert_eq!(code, 1, "{out}");
    let (_, alone) = check(&[&fail, "--deny", "ntlmv1"]);
    assert!(out.contains(&format!("== -\n{alone}")), "{out}");
    let (code, out) = run(&["-", "--deny", "ntlmv1", "--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        (v["file"].as_str(), v["verdict"].as_str()),
        (Some("-"), Some("fail"))
    );
    let (code, out) = run(&["-", &pass, "-", "--deny", "ntlmv1"]);
    assert_eq!((code, out.as_str()), (2, ""));
}

/// A scratch directory for captures cut with editcap, removed when dropped.
struct Cuts(std::path::PathBuf);

impl Cuts {
    fn new(tag: &str) -> Cuts {
        let dir = std::env::temp_dir().join(format!("smbscope-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        Cuts(dir)
    }

    /// `editcap [-r] SRC OUT FRAMES`: the frames kept (`keep`) or deleted.
    fn cut(&self, src: &str, name: &str, frames: &str, keep: bool) -> String {
        let out = self.0.join(name);
        let mut c = std::process::Command::new("editcap");
        if keep {
            c.arg("-r");
        }
        let ran = c
            .arg(src)
            .arg(&out)
            .arg(frames)
            .status()
            .expect("editcap (with tshark)");
        assert!(ran.success());
        out.to_string_lossy().into_owned()
    }
}

impl Drop for Cuts {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// ntlm-smb311 cut after its TREE_CONNECT (editcap -r 1-13): alice's
/// session is set up in the capture (frames 8-11) and its only messages
/// after the setup are the TREE_CONNECT exchange (frames 12-13, tshark:
/// smb2.cmd 3, smb2.flags.signature 1), which SMB 3.1.1 signs whether or not
/// the session signs ([MS-SMB2] 3.2.4.1.1, 3.3.5.7; the whole capture's
/// IOCTL at frame 14 is unsigned), and neither side required signing in
/// NEGOTIATE (smb2.sec_mode.sign_required 0): `deny unsigned` and `require
/// signing` cannot tell, as for a session set up before the capture; they
/// passed before.
#[test]
fn a_session_whose_only_messages_are_311_tree_connects_cannot_tell() {
    let cuts = Cuts::new("check311");
    let f = cuts.cut(&sample("ntlm-smb311.pcap"), "tc.pcap", "1-13", true);
    let p = std::path::Path::new(&f);
    // With its SessionId: the first SESSION_SETUP response and the second
    // request, unsigned; the final response, signed (3.3.5.5.3); the
    // TREE_CONNECT request and response, signed.
    let cmds = common::tshark_text(
        p,
        "smb2.sesid == 0x111ee4a3",
        &["smb2.cmd", "smb2.flags.signature"],
    );
    assert_eq!(cmds, "1\t0\n1\t0\n1\t1\n3\t1\n3\t1\n");
    let modes = common::tshark_text(p, "smb2.cmd == 0", &["smb2.sec_mode.sign_required"]);
    assert_eq!(modes, "0\n0\n");
    let (code, out) = check(&[&f, "--deny", "unsigned", "--require", "signing"]);
    assert_eq!(code, 1, "{out}");
    let why = "cannot tell: session 0x111ee4a3 (stream 0, frames 8-11) SAMPLES\\alice: 2 of 2 message(s) after its setup signed, but only TREE_CONNECT or SESSION_SETUP ones, which SMB 3.x signs also in a session that signs nothing else ([MS-SMB2] 3.3.5.7, 3.3.5.5.3)";
    assert_eq!(
        out.lines().take(2).collect::<Vec<_>>(),
        [
            format!("FAIL deny unsigned: {why}"),
            format!("FAIL require signing: {why}")
        ],
        "{out}"
    );
    // With the unsigned IOCTL after it (1-17), a failure as before.
    let f = cuts.cut(&sample("ntlm-smb311.pcap"), "ioctl.pcap", "1-17", true);
    let (_, out) = check(&[&f, "--deny", "unsigned"]);
    assert!(out.starts_with("FAIL deny unsigned: session 0x111ee4a3 (stream 0, frames 8-11) SAMPLES\\alice not all signed or encrypted: 2 of 6 message(s) after its setup signed; the first unsigned: frame 14\n"), "{out}");
}

/// zeek-smb2-fscontrol-port139's only SMB2 message (frame 4) is no message
/// of a session: tshark shows a SET_INFO *response* (smb2.flags.response 1,
/// Flags 0xff, its SMB2 header's StructureSize 319 where [MS-SMB2] 2.2.1
/// says 64) sent by the side that opened the connection to port 139, the
/// client. [MS-SMB2] 2.2.1.1: SMB2_FLAGS_SERVER_TO_REDIR "MUST NOT be set
/// on requests sent from the client to the server", so it is neither a
/// request nor the server's answer; its signing flag and SessionId (bytes
/// of an ASN.1 token) show nothing of any session. It used to make a
/// session whose SESSION_SETUP the capture lacks, all of whose messages
/// were signed, so `deny unsigned` and `require signing` passed on it; now
/// the capture shows no session: the denies pass on none (as on a capture
/// with a NEGOTIATE alone), `require signing` has nothing to check.
#[test]
fn a_response_the_client_sent_is_no_session_message() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let f = dir.join("zeek-smb2-fscontrol-port139.pcap");
    let t = common::tshark_text(
        &f,
        "smb2",
        &[
            "frame.number",
            "tcp.stream",
            "tcp.dstport",
            "smb2.flags.response",
            "smb2.flags.signature",
            "smb2.header_len",
        ],
    );
    assert_eq!(t, "4\t0\t139\t1\t1\t319\n");
    let syn = common::tshark_text(
        &f,
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
        &["tcp.dstport"],
    );
    assert_eq!(syn, "139\n");
    let (code, out) = check(&[
        f.to_str().expect("path"),
        "--deny",
        "unsigned",
        "--deny",
        "guest",
        "--require",
        "signing",
    ]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "PASS deny unsigned: none in 0 session(s), 1 connection(s)",
            "PASS deny guest: none in 0 session(s), 1 connection(s)",
            "FAIL require signing: nothing to check: no session was set up (0 tried)",
            "3 check(s), 2 passed, 1 failed",
        ],
        "{out}"
    );
}

/// A session whose SESSION_SETUP the capture lacks is shown not to be a
/// guest or anonymous one when the server answered a signed request of it
/// without an error (other than those SMB signs whatever the session): the
/// server verified the signature ([MS-SMB2] 3.3.5.2.4), so the client signs
/// the session, which Windows and Samba clients do not do in a guest or
/// anonymous one; not to be a guest one when the server sent it a
/// TRANSFORM (3.2.4.1.8). zeek-smb2-compound-midstream: frame 1 a signed
/// compound request (smb2.cmd 5,16,6), frame 2 its responses, signed,
/// STATUS_SUCCESS. sv-smb3-encrypted-midstream: frame 2 a TRANSFORM from
/// port 445 with 0x48009400003d; its requests are TRANSFORMs too, so
/// anonymous cannot tell. zeek-smb2-readwrite-midstream signs nothing:
/// cannot tell. impacket-logoff-refused with bob's connection start and
/// setup deleted (editcap 16-26): his CREATE, frame 41 of the whole (30 of
/// the cut), signed, answered STATUS_SUCCESS at 42 (31).
#[test]
fn a_pre_capture_session_with_a_key_is_not_guest_nor_anonymous() {
    let cuts = Cuts::new("checkkey");
    let f = cuts.cut(
        &sample("impacket-logoff-refused.pcap"),
        "bob.pcap",
        "16-26",
        false,
    );
    let p = std::path::Path::new(&f);
    let t = common::tshark_text(
        p,
        "frame.number == 30 || frame.number == 31",
        &[
            "tcp.stream",
            "smb2.cmd",
            "smb2.flags.response",
            "smb2.flags.signature",
            "smb2.sesid",
            "smb2.nt_status",
        ],
    );
    assert_eq!(
        t,
        "1\t5\t0\t1\t0x000000004d1dd375\t\n1\t5\t1\t1\t0x000000004d1dd375\t0x00000000\n"
    );
    let (code, out) = check(&[&f, "--deny", "guest", "--deny", "anonymous"]);
    assert_eq!(code, 0, "{out}");
    let pre = "nor in 1 session(s) whose SESSION_SETUP the capture lacks: session 0x4d1dd375 (stream 1, frames 16-33), its SESSION_SETUP not in the capture: the server answered its signed request of frame 30 without an error (frame 31), having verified the signature ([MS-SMB2] 3.3.5.2.4): its client signs it, which Windows and Samba clients do not do in";
    assert!(out.starts_with(&format!("PASS deny guest: none in 1 session(s), 2 connection(s), {pre} a guest session\nPASS deny anonymous: none in 1 session(s), 2 connection(s), {pre} an anonymous session\n")), "{out}");

    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let run = |name: &str| {
        let f = dir.join(name);
        let (code, out) = check(&[
            f.to_str().expect("path"),
            "--deny",
            "guest",
            "--deny",
            "anonymous",
        ]);
        (code, out.lines().map(str::to_string).collect::<Vec<_>>())
    };
    let f = dir.join("zeek-smb2-compound-midstream.pcap");
    let t = common::tshark_text(
        &f,
        "frame.number <= 2",
        &[
            "tcp.srcport",
            "smb2.cmd",
            "smb2.flags.signature",
            "smb2.nt_status",
        ],
    );
    assert_eq!(
        t,
        "55770\t5,16,6\t1,1,1\t\n445\t5,16,6\t1,1,1\t0x00000000,0x00000000,0x00000000\n"
    );
    let (code, out) = run("zeek-smb2-compound-midstream.pcap");
    assert_eq!(code, 0, "{out:?}");
    assert!(out[0].ends_with(": the server answered its signed request of frame 1 without an error (frame 2), having verified the signature ([MS-SMB2] 3.3.5.2.4): its client signs it, which Windows and Samba clients do not do in a guest session"), "{out:?}");

    let f = dir.join("sv-smb3-encrypted-midstream.pcap");
    let t = common::tshark_text(
        &f,
        "frame.number == 2",
        &["tcp.srcport", "smb2.header.transform.flags", "smb2.sesid"],
    );
    assert_eq!(t, "445\t0x0001\t0x000048009400003d\n");
    let (code, out) = run("sv-smb3-encrypted-midstream.pcap");
    assert_eq!(code, 1, "{out:?}");
    assert_eq!(out[0], "PASS deny guest: none in 0 session(s), 1 connection(s), nor in 1 session(s) whose SESSION_SETUP the capture lacks: session 0x48009400003d (stream 0, frames 1-46), its SESSION_SETUP not in the capture: the server sent it a TRANSFORM (frame 2): it is encrypted, which a guest session is not ([MS-SMB2] 3.2.4.1.8)");
    assert_eq!(out[1], "FAIL deny anonymous: cannot tell: session 0x48009400003d (stream 0, frames 1-46), its SESSION_SETUP not in the capture: no request of it signed (other than those SMB signs whatever the session) and answered without an error, so whether it is an anonymous session is not known");

    let (code, out) = run("zeek-smb2-readwrite-midstream.pcap");
    assert_eq!(code, 1, "{out:?}");
    assert_eq!(out[0], "FAIL deny guest: cannot tell: session 0x3c231cc0 (stream 0, frames 1-56), its SESSION_SETUP not in the capture: no request of it signed (other than those SMB signs whatever the session) and answered without an error, and no TRANSFORM from the server, so whether it is a guest session is not known");
}

/// `--user` and a session whose SESSION_SETUP the capture lacks: whose it
/// is, is not known, so its connection is kept and every check of
/// sessions cannot tell on it. impacket-logoff-refused (alice on stream 0,
/// bob on stream 1, both signing) with bob's connection start and setup
/// deleted (editcap 16-26): `--user alice` used to drop stream 1 and pass
/// `deny unsigned` on alice alone; `--user bob` had nothing to check. The
/// whole capture shows bob's logon, so `--user alice` passes there.
#[test]
fn user_cannot_tell_on_a_session_whose_setup_is_missing() {
    let cuts = Cuts::new("checkuser");
    let whole = sample("impacket-logoff-refused.pcap");
    let f = cuts.cut(&whole, "bob.pcap", "16-26", false);
    let users = common::tshark_text(
        std::path::Path::new(&f),
        "ntlmssp.auth.username",
        &["tcp.stream", "ntlmssp.auth.username"],
    );
    assert_eq!(users, "0\talice\n");
    let lacks = "cannot tell: stream 1: 3 server message(s) of a session whose SESSION_SETUP the capture lacks (the first: frame 17)";
    for user in ["alice", "bob"] {
        let (code, out) = check(&[
            &f,
            "--user",
            user,
            "--deny",
            "unsigned",
            "--require",
            "signing",
            "--deny",
            "guest",
        ]);
        assert_eq!(code, 1, "{out}");
        assert_eq!(
            out.lines().collect::<Vec<_>>(),
            [
                format!("FAIL deny unsigned: {lacks}"),
                format!("FAIL deny guest: {lacks}"),
                format!("FAIL require signing: {lacks}"),
                "3 check(s), 0 passed, 3 failed".to_string(),
            ],
            "{user}: {out}"
        );
    }
    let (code, out) = check(&[
        &whole,
        "--user",
        "alice",
        "--deny",
        "unsigned",
        "--require",
        "signing",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("PASS deny unsigned: none in 1 session(s), 1 connection(s)\n"),
        "{out}"
    );
}

/// An empty user name with an NTLMv2 response is not anonymous:
/// sv-smb2-peter-guest's AUTHENTICATE (frame 37: tshark's
/// ntlmssp.auth.username "NULL", domain BUILDER, a 120-byte
/// NtChallengeResponse) got IS_GUEST (frame 38), a guest session. [MS-NLMP]
/// 3.2.5.1.2 and 3.3.1 make a logon anonymous only with an empty user name
/// AND no NtChallengeResponse (and an empty or Z(1) LM one). The check
/// named it "(anonymous)"; it names the domain and the empty user name.
/// anonymous-list-shares' AUTHENTICATE (empty user, no response) stays
/// "(anonymous)".
#[test]
fn an_empty_user_name_with_a_response_is_not_anonymous() {
    if let Some(dir) = common::corpus_dir() {
        let f = dir.join("sv-smb2-peter-guest.pcap");
        let t = common::tshark_text(
            &f,
            "frame.number == 37 || frame.number == 38",
            &[
                "ntlmssp.auth.username",
                "ntlmssp.auth.domain",
                "ntlmssp.ntlmv2_response.ntproofstr",
                "smb2.ses_flags.guest",
            ],
        );
        assert_eq!(
            t,
            "NULL\tBUILDER\t5bee8ab95ba75e87fc8281355b1a7e8e\t\n\t\t\t1\n"
        );
        let f = f.to_string_lossy();
        let (code, out) = check(&[
            &f,
            "--expect-success",
            "--deny",
            "guest",
            "--deny",
            "anonymous",
        ]);
        assert_eq!(code, 1, "{out}");
        let who = "session 0x2a16df11 (stream 0, frames 34-38) BUILDER\\(no user name)";
        assert_eq!(
            out.lines().take(3).collect::<Vec<_>>(),
            [
                format!("FAIL expect-success: {who} guest"),
                format!("FAIL deny guest: {who} is a guest session"),
                "PASS deny anonymous: none in 1 session(s), 1 connection(s)".to_string(),
            ],
            "{out}"
        );
        let o = smbscope(&[&f]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.contains("NTLMSSP AUTHENTICATE BUILDER\\(no user"),
            "{text}"
        );
        assert!(!text.contains("(anonymous)"), "{text}");
    }
    let f = sample("anonymous-list-shares.pcap");
    let (_, out) = check(&[&f, "--deny", "anonymous", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let ev = v["checks"][0]["evidence"].as_str().expect("evidence");
    assert!(ev.ends_with("(anonymous) is an anonymous session"), "{ev}");
}

/// sv-smb2-oneside-kerberos holds the client's side alone (tshark: no
/// frame from 192.168.10.10:445 carries SMB2; the client's acknowledgement
/// numbers, those of its last segment, the RST with the ACK bit of frame
/// 83, included, cover 28,406 bytes of the server's): its logon (SESSION_SETUP request frame
/// 5, SessionId 0) has no response in the capture. From frame 6 on, the
/// client sends 70 requests with SessionId 0x0000240004000045, all signed
/// (tshark: smb2.sesid, smb2.flags.signature), beginning with a
/// TREE_CONNECT: a client takes a SessionId from the SESSION_SETUP
/// response that gives it ([MS-SMB2] 3.2.5.3) and signs with the key the
/// finished logon gave it (3.2.4.1.1). The session is named by that id and
/// `client_went_on` counts those requests; `expect-success` and `deny
/// guest` still cannot tell (what the response said is not in the
/// capture), while `deny unsigned` and `require signing` pass on the
/// client's requests, all signed: they cannot tell before. `deny ntlmv1`, a
/// fact of the client's request (a Kerberos AP-REQ), passes as before.
#[test]
fn a_logon_whose_answer_a_one_sided_capture_lacks_is_judged_by_what_the_client_went_on_with() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    let f = dir.join("sv-smb2-oneside-kerberos.pcap");
    let from_server = common::tshark_text(&f, "smb2 && tcp.srcport == 445", &["frame.number"]);
    assert_eq!(from_server, "");
    let setup = common::tshark_text(
        &f,
        "smb2.cmd == 1",
        &["frame.number", "smb2.flags.response", "kerberos.msg_type"],
    );
    assert_eq!(setup, "5\t0\t14\n");
    let acks = common::tshark_text(&f, "tcp.srcport != 445", &["tcp.ack_raw"]);
    let acks: Vec<u64> = acks.lines().filter_map(|a| a.parse().ok()).collect();
    let server_bytes =
        acks.iter().max().expect("acks") - acks.iter().filter(|&&a| a > 0).min().expect("acks");
    assert_eq!(server_bytes, 28406);
    let used = common::tshark_text(
        &f,
        "smb2.sesid == 0x0000240004000045",
        &["frame.number", "smb2.cmd", "smb2.flags.signature"],
    );
    let rows: Vec<&str> = used.lines().collect();
    let signed: usize = rows
        .iter()
        .map(|r| {
            r.split('\t')
                .nth(2)
                .unwrap_or("")
                .split(',')
                .filter(|x| *x == "1")
                .count()
        })
        .sum();
    assert_eq!(
        (rows.first(), rows.last()),
        (Some(&"6\t3\t1"), Some(&"82\t2\t1"))
    );
    assert_eq!(signed, 70, "{used}");
    let path = f.to_string_lossy();
    let o = common::smbscope(&[&path, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let s = &v["sessions"][0];
    assert_eq!(s["session_id"], "0x240004000045");
    assert_eq!(
        (&s["outcome"], &s["status"]),
        (&"unfinished".into(), &serde_json::Value::Null)
    );
    assert_eq!(
        s["client_went_on"],
        serde_json::json!({"first_frame": 6, "last_frame": 82, "requests": 70, "signed_requests": 70})
    );
    // The client signs its requests only in a signed session (3.2.4.1.1).
    assert_eq!(s["signed"], true);
    let (code, out) = check(&[
        &path,
        "--expect-success",
        "--deny",
        "unsigned",
        "--deny",
        "guest",
        "--deny",
        "ntlmv1",
        "--require",
        "signing",
    ]);
    assert_eq!(code, 1, "{out}");
    let place = "session 0x240004000045 (stream 0, frames 5-82), its SESSION_SETUP response not in the capture (connection.one_sided), the client's requests with it from frame 6";
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            // The error finding of PsExec's run, which the client's requests
            // show (report_findings' one_sided_psexec), comes first.
            "FAIL expect-success: attack.service_execution (tcp.stream eq 0, frames 7, 9, 12 and 2 more): PsExec: 192.168.10.31 ran a program as a service on 192.168.10.10".to_string(),
            format!("PASS deny unsigned: none in 1 session(s), 1 connection(s), nor in 1 session(s) whose SESSION_SETUP the capture lacks: {place}: 70 of 70 message(s) of it seen signed"),
            format!("FAIL deny guest: cannot tell: {place}: no request of it signed (other than those SMB signs whatever the session) and answered without an error, and no TRANSFORM from the server, so whether it is a guest session is not known"),
            "PASS deny ntlmv1: none in 1 session(s), 1 connection(s)".to_string(),
            format!("PASS require signing: 1 session(s), all signed or encrypted: {place}: 70 of 70 message(s) of it seen signed"),
            "5 check(s), 3 passed, 2 failed".to_string(),
        ],
        "{out}"
    );
    // The report's Sessions row and the one_sided finding say it.
    let o = common::smbscope(&[&path]);
    let text = String::from_utf8_lossy(&o.stdout);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("0 0x240004000045 ↓ kerberos unfinished yes ↓ 5-"),
        "{text}"
    );
    assert!(
        text.contains("Its logon of frame 5, though, almost certainly succeeded"),
        "{text}"
    );
    assert!(text.contains("no response; almost certainly succeeded: the client went on with SessionId 0x240004000045 and signed requests from frame 6; the server's side is not in the capture"), "{text}");
}
