//! `smbscope check --cannot-tell fail|pass` and `--nothing-to-check
//! fail|pass` (and `cannot_tell`, `nothing_to_check` in a policy file):
//! what a check that did not judge does to the exit code, on real captures.

mod common;

use common::{check, sample, smbscope, ScratchDir};

/// ntlm-snaplen-160 was captured with a snaplen of 160 bytes: the
/// SESSION_SETUP request of frame 10 is cut before its NTLMSSP
/// AUTHENTICATE (tshark: frame.len 650, frame.cap_len 160), so `--deny
/// ntlmv1` cannot tell which response it sent; its one logon was refused,
/// so `--require signing` has nothing to check.
#[test]
fn cannot_tell_pass_lets_a_check_that_could_not_judge_pass() {
    let f = sample("ntlm-snaplen-160.pcap");
    let lens = common::tshark_text(
        std::path::Path::new(&f),
        "frame.number == 10",
        &["frame.len", "frame.cap_len"],
    );
    let (len, cap) = lens.trim_end().split_once('\t').expect("two fields");
    assert!(
        cap.parse::<u64>().expect("cap_len") < len.parse::<u64>().expect("len"),
        "{lens}"
    );

    let (code, out) = check(&[&f, "--deny", "ntlmv1"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("FAIL deny ntlmv1: cannot tell: session 0x54402ac0"),
        "{out}"
    );
    assert!(out.ends_with("\n1 check(s), 0 passed, 1 failed\n"), "{out}");
    let (code, same) = check(&[&f, "--deny", "ntlmv1", "--cannot-tell", "fail"]);
    assert_eq!((code, same.as_str()), (1, out.as_str()));

    // Let pass: shown as SKIP, the "cannot tell: " kept.
    let (code, skip) = check(&[&f, "--deny", "ntlmv1", "--cannot-tell", "pass"]);
    assert_eq!(code, 0, "{skip}");
    assert_eq!(
        skip,
        out.replacen("FAIL", "SKIP", 1).replace(
            "1 check(s), 0 passed, 1 failed\n",
            "1 check(s), 0 passed, 0 failed, 1 skipped (not judged, let pass)\n"
        )
    );

    // nothing_to_check is not cannot_tell: it has an option of its own.
    let both = [&f[..], "--deny", "ntlmv1", "--require", "signing"];
    let (code, out) = check(&[&both[..], &["--cannot-tell", "pass"]].concat());
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("\nFAIL require signing: nothing to check: no session was set up (1 tried)\n"),
        "{out}"
    );
    assert!(out.ends_with("2 check(s), 0 passed, 1 failed, 1 skipped (not judged, let pass)\n"));
    let (code, out) = check(&[&both[..], &["--nothing-to-check", "pass"]].concat());
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("FAIL deny ntlmv1: cannot tell: "), "{out}");
    assert!(
        out.contains("\nSKIP require signing: nothing to check: "),
        "{out}"
    );
    let lenient = [
        &both[..],
        &["--cannot-tell", "pass", "--nothing-to-check", "pass"],
    ]
    .concat();
    let (code, out) = check(&lenient);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("2 check(s), 0 passed, 0 failed, 2 skipped (not judged, let pass)\n"));

    // A check that judged and failed still fails: the logon was refused.
    let (code, out) = check(&[&f, "--expect-success", "--cannot-tell", "pass"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("FAIL expect-success: logon.bad_password"),
        "{out}"
    );
}

/// The JSON keeps `result` `cannot_tell`, counts the check in `skipped`,
/// neither `passed` nor `failed`, and says how the unjudged were counted;
/// JUnit makes it a `<skipped>` testcase, its message the evidence.
#[test]
fn cannot_tell_pass_in_json_and_junit() {
    let f = sample("ntlm-snaplen-160.pcap");
    let args = [&f[..], "--deny", "ntlmv1", "--require", "signing"];
    let (code, json) = check(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        (
            &v["verdict"],
            &v["exit_code"],
            &v["passed"],
            &v["failed"],
            &v["skipped"]
        ),
        (&"fail".into(), &1.into(), &0.into(), &2.into(), &0.into())
    );
    assert_eq!(
        v["unjudged"],
        serde_json::json!({"cannot_tell": "fail", "nothing_to_check": "fail"})
    );
    let (code, json) = check(&[&args[..], &["--format", "json", "--cannot-tell", "pass"]].concat());
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["checks"][0]["result"], "cannot_tell");
    assert_eq!(v["checks"][1]["result"], "nothing_to_check");
    assert_eq!((&v["failed"], &v["skipped"]), (&1.into(), &1.into()));
    assert_eq!(v["unjudged"]["cannot_tell"], "pass");
    let lenient = [
        &args[..],
        &[
            "--format",
            "json",
            "--cannot-tell",
            "pass",
            "--nothing-to-check",
            "pass",
        ],
    ]
    .concat();
    let (code, json) = check(&lenient);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(
        (
            &v["verdict"],
            &v["exit_code"],
            &v["passed"],
            &v["failed"],
            &v["skipped"]
        ),
        (&"pass".into(), &0.into(), &0.into(), &0.into(), &2.into())
    );
    assert_eq!(v["checks"][0]["result"], "cannot_tell");

    let (code, xml) = check(&[&args[..], &["--format", "junit", "--cannot-tell", "pass"]].concat());
    assert_eq!(code, 1);
    assert!(
        xml.contains(" tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\">"),
        "{xml}"
    );
    assert!(
        xml.contains(
            "name=\"deny ntlmv1\">\n      <skipped message=\"cannot tell: session 0x54402ac0"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"nothing to check: no session was set up (1 tried)\" type=\"nothing_to_check\">"),
        "{xml}"
    );
    // Without the option, both are failures, as before.
    let (_, xml) = check(&[&args[..], &["--format", "junit"]].concat());
    assert!(
        xml.contains(" failures=\"2\" errors=\"0\" skipped=\"0\">"),
        "{xml}"
    );
    assert!(!xml.contains("<skipped"), "{xml}");
}

/// Several captures in one job, some of which show no SMB at all
/// (connection-refused: the server refused the TCP connection): with
/// `--nothing-to-check pass` they do not fail the job, and
/// ntlm-success-copy, whose logon the capture shows, still passes on what
/// it judged.
#[test]
fn nothing_to_check_pass_over_several_captures() {
    let refused = sample("connection-refused.pcap");
    let ok = sample("ntlm-success-copy.pcap");
    let (code, out) = check(&[&ok, &refused, "--deny", "ntlmv1"]);
    assert_eq!(code, 1, "{out}");
    let (code, out) = check(&[
        &ok,
        &refused,
        "--deny",
        "ntlmv1",
        "--nothing-to-check",
        "pass",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS deny ntlmv1: none in "), "{out}");
    assert!(
        out.contains("SKIP deny ntlmv1: nothing to check: no SMB connection on the ports followed"),
        "{out}"
    );
    assert!(out.ends_with("2 capture(s): 2 passed, 0 failed, 0 passed on a damaged capture, 0 could not be read\n"), "{out}");
    let (code, jsonl) = check(&[
        &ok,
        &refused,
        "--deny",
        "ntlmv1",
        "--nothing-to-check",
        "pass",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 0);
    let docs: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(docs[1]["checks"][0]["result"], "nothing_to_check");
    assert_eq!(docs[1]["skipped"], 1);
}

/// The policy file's `cannot_tell` and `nothing_to_check`: the flags take
/// their place; a wrong value is a usage error (exit 2), and a file that
/// says them alone has no check.
#[test]
fn policy_file_sets_what_unjudged_checks_do() {
    let f = sample("ntlm-snaplen-160.pcap");
    let dir = ScratchDir::new("checkunjudged");
    let write = |name: &str, text: &str| -> String {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p.to_string_lossy().into_owned()
    };
    let lenient = write(
        "lenient.toml",
        "deny = [\"ntlmv1\"]\nrequire = [\"signing\"]\ncannot_tell = \"pass\"\nnothing_to_check = \"pass\"\n",
    );
    let (code, out) = check(&[&f, "--policy", &lenient]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = check(&[&f, "--policy", &lenient, "--cannot-tell", "fail"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("FAIL deny ntlmv1: cannot tell: "), "{out}");
    assert!(out.contains("\nSKIP require signing: "), "{out}");

    let wrong = write(
        "wrong.toml",
        "deny = [\"ntlmv1\"]\ncannot_tell = \"maybe\"\n",
    );
    let o = smbscope(&["check", &f, "--policy", &wrong]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("maybe"), "{err}");
    let o = smbscope(&["check", &f, "--deny", "ntlmv1", "--cannot-tell", "maybe"]);
    assert_eq!(o.status.code(), Some(2));

    let alone = write("alone.toml", "cannot_tell = \"pass\"\n");
    let o = smbscope(&["check", &f, "--policy", &alone]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("has no checks"), "{err}");
}
