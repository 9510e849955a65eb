//! `smbscope check` on real sample captures, as a CI job runs it: a check
//! that judged nothing, or a fact the capture cut off, is not a pass.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sample(name: &str) -> String {
    root()
        .join("samples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn smbscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smbscope"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(root())
        .output()
        .expect("run smbscope")
}

/// `smbscope check ARGS`: exit code and standard output.
fn check(args: &[&str]) -> (i32, String) {
    let mut a = vec!["check"];
    a.extend_from_slice(args);
    let o = smbscope(&a);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

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
        out.starts_with("FAIL expect-success: cannot tell: session 0xf06e294f (stream 0, frames 8-11) an identity the capture cut off: the capture cut its SESSION_SETUP request (frame 10) before the security token, so who it logged on as is not known\n"),
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
