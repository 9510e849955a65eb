//! The binary on real captures: output, streaming from standard input, exit
//! codes and errors for damaged or foreign files.

mod common;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod pcap_build;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_smbscope"))
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn tmp(name: &str, bytes: &[u8]) -> common::ScratchFile {
    common::ScratchFile::new("cli", name, bytes)
}

/// `smbscope messages PATH` (text), which must exit 0, and the first line
/// of its output that holds `needle`.
fn messages_text_line(path: &Path, needle: &str) -> (String, String) {
    let out = bin().arg("messages").arg(path).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle}: {text}"))
        .to_string();
    (text, line)
}

#[test]
fn messages_text_shows_the_logon_failure() {
    let (text, line) =
        messages_text_line(&sample("ntlm-wrong-password.pcap"), "STATUS_LOGON_FAILURE");
    assert!(line.contains("SESSION_SETUP rsp"), "{line}");
    assert!(
        text.contains("NTLMSSP AUTHENTICATE SAMPLES\\alice"),
        "{text}"
    );
}

/// A security blob that does not decode is named in plain words in the text
/// table, the message and the rest of the capture are still listed. The blob
/// is the real NEGOTIATE response's, with its first byte (the GSS-API
/// [APPLICATION 0] tag, 0x60) changed to a SEQUENCE tag.
#[test]
fn messages_text_explains_a_blob_that_does_not_decode() {
    let mut bytes = std::fs::read(sample("ntlm-wrong-password.pcap")).unwrap();
    let spnego = [0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];
    let at = bytes
        .windows(spnego.len())
        .position(|w| w == spnego)
        .expect("the NEGOTIATE response's SPNEGO token");
    bytes[at] = 0x30;
    let (text, line) = messages_text_line(&tmp("bad-blob.pcap", &bytes), "NEGOTIATE rsp");
    assert!(
        line.contains("[security blob: security token at offset 0: unsupported: neither NTLMSSP, Kerberos, NegoEx nor SPNEGO]"),
        "{line}"
    );
    assert!(text.contains("STATUS_LOGON_FAILURE"), "{text}");
}

#[test]
fn jsonl_has_the_documented_keys() {
    let out = bin()
        .args(["messages", "--format", "jsonl"])
        .arg(sample("ntlm-wrong-password.pcap"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let failure = lines
        .iter()
        .find(|v| v["status"] == "STATUS_LOGON_FAILURE")
        .expect("failure");
    for key in [
        "frame",
        "time",
        "stream",
        "src",
        "dst",
        "kind",
        "command",
        "response",
        "status_code",
        "message_id",
        "session_id",
        "tree_id",
        "request_frame",
        "response_time",
    ] {
        assert!(failure.get(key).is_some(), "missing {key} in {failure}");
    }
    assert_eq!(failure["kind"], "smb2");
    assert_eq!(failure["status_code"], 0xC000_006Du32);
    let req = lines
        .iter()
        .find(|v| v["frame"] == failure["request_frame"])
        .expect("request");
    assert_eq!(req["response_frame"], failure["frame"]);
    let auth = lines
        .iter()
        .find(|v| v["auth"]["ntlmssp"]["message_type"] == "AUTHENTICATE")
        .expect("auth");
    assert_eq!(auth["auth"]["ntlmssp"]["user"], "alice");
    assert_eq!(auth["auth"]["ntlmssp"]["response_kind"], "NTLMv2");
    let neg = lines
        .iter()
        .find(|v| v["command"] == "NEGOTIATE" && v["response"] == true)
        .expect("negotiate");
    assert_eq!(neg["negotiate"]["dialect"], "3.1.1");
}

#[test]
fn json_is_one_document() {
    let out = bin()
        .args(["messages", "--format", "json"])
        .arg(sample("ntlm-bad-share.pcap"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    let msgs = v["messages"].as_array().unwrap();
    assert!(msgs
        .iter()
        .any(|m| m["status"] == "STATUS_BAD_NETWORK_NAME"));
    assert!(msgs.iter().any(|m| m["tree_connect"]["share"]
        .as_str()
        .is_some_and(|s| s.ends_with("nosuchshare"))));
    assert!(v["capture"]["frames"].as_u64().unwrap() > 0);
}

#[test]
fn not_a_capture_exits_2_and_names_the_file() {
    let p = tmp("hello.txt", b"hello, world\n");
    let out = bin().arg("messages").arg(p.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("hello.txt") && err.contains("not a pcap or pcapng"),
        "{err}"
    );
    for (name, bytes, says) in [
        ("empty.pcap", &b""[..], "the input is empty"),
        ("two.pcap", &b"\xd4\xc3"[..], "only 2 byte(s) (d4c3)"),
    ] {
        let out = bin()
            .arg("messages")
            .arg(tmp(name, bytes).path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(name) && err.contains(says), "{err}");
    }
    let out = bin()
        .args(["messages", "/no/such/file.pcap"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A directory opens and fails at its first read: it is named as one,
    // by the report and by check's JSON too.
    let dir = p.path().parent().expect("scratch dir").to_path_buf();
    for args in [
        &["messages"][..],
        &["report"],
        &["check", "--deny", "smb1", "--format", "jsonl"],
    ] {
        let out = bin().args(args).arg(&dir).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(
            err.contains(&format!(
                "{}: is a directory, not a capture file",
                dir.display()
            )),
            "{args:?}: {err}"
        );
        if args[0] == "check" {
            let doc = String::from_utf8(out.stdout).unwrap();
            assert!(
                doc.contains("\"error\":\"is a directory, not a capture file\""),
                "{doc}"
            );
        }
    }
}

/// A file whose header cannot be read is not a capture (exit 2), whether
/// pcap or pcapng, and the error says which header is cut or invalid:
/// samples cut with `head -c` and one whose byte-order magic is changed.
/// Cut after its first block, a pcapng file is damaged (exit 3).
#[test]
fn a_cut_or_invalid_file_header_exits_2_and_says_so() {
    let pcap = std::fs::read(sample("ntlm-wrong-password.pcap")).unwrap();
    let ng = std::fs::read(sample("ntlm-pcapng-two-sections.pcapng")).unwrap();
    let ng_be = std::fs::read(sample("ntlm-pcapng-big-endian.pcapng")).unwrap();
    let mut bad_magic = ng.clone();
    bad_magic[8..12].copy_from_slice(&ng[8..12].iter().map(|b| b ^ 1).collect::<Vec<_>>());
    let mut bad_trailer = ng.clone();
    bad_trailer[160] ^= 4; // the 164-byte block's trailing length
    for (name, bytes, says) in [
        (
            "head10.pcap",
            &pcap[..10],
            "the pcap file header is cut: it needs 24 bytes, 10 are present",
        ),
        (
            "head50.pcapng",
            &ng[..50],
            "the pcapng section header block is cut: it needs 164 bytes, 50 are present",
        ),
        (
            "head8.pcapng",
            &ng[..8],
            "the pcapng section header block is cut: it needs 28 bytes, 8 are present",
        ),
        (
            "head20-be.pcapng",
            &ng_be[..20],
            "the pcapng section header block is cut: it needs 28 bytes, 20 are present",
        ),
        (
            "magic.pcapng",
            &bad_magic[..],
            "the pcapng section header block is invalid: its byte-order magic is 4c3d2a1b, \
             not 4d3c2b1a (little-endian) or 1a2b3c4d (big-endian)",
        ),
        (
            "trailer.pcapng",
            &bad_trailer[..],
            "the pcapng section header block is invalid: its trailing length 160 differs from its length 164",
        ),
    ] {
        let out = bin().arg("messages").arg(tmp(name, bytes).path()).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(&format!("{name}: {says}")), "{err}");
        assert!(out.stdout.is_empty(), "{name}");
    }
    let out = bin()
        .arg("messages")
        .arg(tmp("head170.pcapng", &ng[..170]).path())
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("capture ends inside a record at byte 164"),
        "{err}"
    );
}

#[test]
fn truncated_capture_reports_what_came_before_and_exits_3() {
    let cut = cut_capture("cut.pcap");
    let out = bin()
        .args(["messages", "--format", "jsonl"])
        .arg(cut.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("cut.pcap") && err.contains("capture ends inside a record at byte"),
        "{err}"
    );
    let n = String::from_utf8(out.stdout).unwrap().lines().count();
    assert!(n >= 5, "{n} messages before the damage");
}

/// A pipe whose reading end is already closed: every write to it fails
/// with EPIPE, as a write to `| head` does once head has exited.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

/// The copy of ntlm-wrong-password.pcap without its last 30 bytes: the
/// last record is cut, written as `name` (a name of its own per test: the
/// tests run at the same time).
fn cut_capture(name: &str) -> common::ScratchFile {
    let whole = std::fs::read(sample("ntlm-wrong-password.pcap")).unwrap();
    tmp(name, &whole[..whole.len() - 30])
}

/// Standard error closed by its reader (`2>&1 | head`) is no reason to
/// panic: the exit code stays the capture's.
#[test]
fn a_closed_standard_error_changes_no_exit_code() {
    let cut = cut_capture("cut-stderr.pcap");
    for args in [&["messages"][..], &["report"], &["check", "--deny", "smb1"]] {
        let out = bin()
            .args(args)
            .arg(cut.path())
            .stdout(Stdio::null())
            .stderr(closed_pipe())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
    }
}

/// `args` run with standard output a closed pipe: the exit code and
/// what was written on standard error.
fn with_reader_gone(args: &[&str], file: &Path) -> (Option<i32>, String) {
    let out = bin()
        .args(args)
        .arg(file)
        .stdout(closed_pipe())
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

/// `check` gives its verdict whether or not the reader of its output is
/// still there (`| head`, a CI step that stopped reading): a failed check
/// stays 1, a damaged capture 3, a pass 0; nothing is said of the pipe.
#[test]
fn check_keeps_its_verdict_when_the_reader_of_its_output_has_gone() {
    let wrong = sample("ntlm-wrong-password.pcap");
    let cut_file = cut_capture("cut-check.pcap");
    let cut = cut_file.to_path_buf();
    for (args, file, code) in [
        (&["check", "--expect-success"][..], &wrong, 1),
        (
            &["check", "--expect-success", "--format", "junit"],
            &wrong,
            1,
        ),
        (&["check", "--expect-status", "LOGON_FAILURE"], &wrong, 0),
        (&["check", "--deny", "smb1"], &cut, 3),
        (&["check", "--deny", "smb1", "--format", "junit"], &cut, 3),
        (&["check", "--expect-success"], &cut, 1),
    ] {
        let (got, err) = with_reader_gone(args, file);
        assert_eq!(got, Some(code), "{args:?} {}: {err}", file.display());
        assert!(!err.contains("writing output"), "{err}");
    }
}

/// `messages` and the report stop quietly when the reader of their output
/// has gone: 0, or 3 when the capture's damage was read before it went
/// (said on standard error); never 4, and nothing said of the pipe.
#[test]
fn messages_and_report_stop_quietly_when_the_reader_of_their_output_has_gone() {
    let whole = sample("ntlm-wrong-password.pcap");
    let cut = cut_capture("cut-reader-gone.pcap");
    for format in ["text", "json", "jsonl"] {
        for command in ["messages", "report"] {
            let args = [command, "--format", format];
            let (code, err) = with_reader_gone(&args, &whole);
            assert_eq!(code, Some(0), "{args:?}: {err}");
            assert!(err.is_empty(), "{args:?}: {err}");
            let (code, err) = with_reader_gone(&args, &cut);
            assert_eq!(code, Some(3), "{args:?}: {err}");
            assert!(
                err.contains("cut-reader-gone.pcap: capture ends inside a record")
                    && !err.contains("writing output"),
                "{args:?}: {err}"
            );
        }
    }
}

/// Standard input redirected from a file (`smbscope messages - < x.pcap`)
/// is read as the file it is: each request's JSON line has its
/// `response_frame`, as with the path (3 on ntlm-wrong-password: the
/// NEGOTIATE and two SESSION_SETUPs: `tshark -2` smb2.response_in 6, 9, 11). From a
/// pipe, it is a live input and the requests' lines have none.
#[test]
fn standard_input_redirected_from_a_file_is_a_file() {
    let path = sample("ntlm-wrong-password.pcap");
    let count = |out: std::process::Output| {
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("\"response_frame\""))
            .count()
    };
    let args = ["messages", "--format", "jsonl"];
    let by_path = count(bin().args(args).arg(&path).output().unwrap());
    assert_eq!(by_path, 3);
    let file = std::fs::File::open(&path).unwrap();
    let redirected = count(bin().args(args).arg("-").stdin(file).output().unwrap());
    assert_eq!(redirected, by_path);
    let mut child = bin()
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(&std::fs::read(&path).unwrap()).unwrap();
    drop(input);
    assert_eq!(count(child.wait_with_output().unwrap()), 0);
}

/// A live input is read no further once the reader of the output has gone
/// (`tcpdump -w - | smbscope messages - | head`): the process ends, exit 0,
/// while its input is still open.
#[test]
fn a_live_input_is_read_no_further_once_the_reader_of_the_output_has_gone() {
    let bytes = std::fs::read(sample("ntlm-wrong-password.pcap")).unwrap();
    for args in [
        &["messages", "--format", "jsonl", "-"][..],
        &["messages", "-"],
        &["report", "--format", "jsonl", "-"],
    ] {
        let mut child = bin()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(closed_pipe())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(&bytes).unwrap();
        input.flush().unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if start.elapsed() > Duration::from_secs(20) {
                child.kill().unwrap();
                child.wait().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        drop(input);
        let status = status.unwrap_or_else(|| panic!("{args:?} still reads its input"));
        assert_eq!(status.code(), Some(0), "{args:?}");
    }
}

#[test]
fn corrupt_record_length_names_offset_and_frame() {
    let mut bytes = std::fs::read(sample("ntlm-wrong-password.pcap")).unwrap();
    // the first record's caplen, at 24 + 8
    bytes[32..36].copy_from_slice(&0x4000_0000u32.to_le_bytes());
    let p = tmp("corrupt.pcap", &bytes);
    let out = bin().arg("messages").arg(p.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("corrupt record at byte 24 (frame 1)"), "{err}");
    // With no snaplen to speak of in the file header (0xFFFFFFFF), what
    // refused the record is the most smbscope reads in one record.
    bytes[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    bytes[32..36].copy_from_slice(&0x7FFF_FF00u32.to_le_bytes());
    let p = tmp("corrupt-no-snaplen.pcap", &bytes);
    let out = bin().arg("messages").arg(p.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "corrupt record at byte 24 (frame 1): record length 2147483392 is larger than \
             67108864 bytes (64 MiB), the most smbscope reads in one record (the file \
             header's snaplen, 4294967295, allows more)"
        ),
        "{err}"
    );
}

/// Feeds a capture to `smbscope messages --format jsonl INPUT` through
/// `feed` (all but its last 200 bytes, then the rest): the first message must
/// come out while the input is still open.
fn streams_while_input_is_open(input: &str, stdin: Stdio, feed: impl FnOnce() -> Box<dyn Write>) {
    let bytes = std::fs::read(sample("ntlm-wrong-password.pcap")).unwrap();
    let mut child = bin()
        .args(["messages", "--format", "jsonl", input])
        .stdin(stdin)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut sink = match child.stdin.take() {
        Some(s) => Box::new(s) as Box<dyn Write>,
        None => feed(),
    };
    sink.write_all(&bytes[..bytes.len() - 200]).unwrap();
    sink.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("a message before end of input");
    assert!(first.contains("\"command\":\"NEGOTIATE\""), "{first}");
    assert!(start.elapsed() < Duration::from_secs(20));
    sink.write_all(&bytes[bytes.len() - 200..]).unwrap();
    drop(sink);
    assert!(child.wait().unwrap().success());
}

#[test]
fn standard_input_streams_messages_as_they_arrive() {
    streams_while_input_is_open("-", Stdio::piped(), || unreachable!("stdin is piped"));
}

/// A FIFO named by its path (as `<(tcpdump -w - ...)` gives one) is a live
/// stream too: lines go out as messages arrive, not in 64 KiB blocks.
#[test]
fn a_fifo_path_streams_messages_as_they_arrive() {
    let dir = scratch_dir("fifo");
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("note: mkfifo is not available; FIFO streaming not tested");
        return;
    }
    let path = fifo.to_string_lossy().to_string();
    let writer = fifo.clone();
    streams_while_input_is_open(&path, Stdio::null(), move || {
        Box::new(
            std::fs::OpenOptions::new()
                .write(true)
                .open(writer)
                .unwrap(),
        )
    });
}

#[test]
fn status_looks_up_by_code_name_and_word() {
    for q in ["0xC000006D", "STATUS_LOGON_FAILURE", "logon_failure"] {
        let out = bin().args(["status", q]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{q}");
        assert!(
            String::from_utf8(out.stdout)
                .unwrap()
                .contains("STATUS_LOGON_FAILURE"),
            "{q}"
        );
    }
    let out = bin().args(["status", "KRB_AP_ERR_SKEW"]).output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("37"));
    let out = bin()
        .args(["status", "--format", "json", "0xC000006D"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["name"], "STATUS_LOGON_FAILURE");
    // Text or JSON (README: `status QUERY [--format text|json]`): its answer
    // is one list, so JSON Lines is a usage error, not a pretty-printed array.
    let out = bin()
        .args(["status", "--format", "jsonl", "0xC000006D"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let out = bin()
        .args(["status", "zzzz-no-such-thing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // A code in no table: what its bits say is printed, and nothing matched.
    for (q, says) in [
        ("0xDEADBEEF", "severity error, facility 0xEAD"),
        ("krb:999", "not a known Kerberos error code"),
    ] {
        let out = bin().args(["status", q]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{q}");
        assert!(String::from_utf8(out.stdout).unwrap().contains(says), "{q}");
        let out = bin()
            .args(["status", "--format", "json", q])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{q}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v[0]["name"], serde_json::Value::Null, "{q}");
    }
    // 0x without a hexadecimal number is a mistyped code: a usage error,
    // not a search for the words "0x".
    for q in ["0x", "0xZZ", "0x123456789", "krb:0x"] {
        let out = bin().args(["status", q]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{q}");
        assert!(out.stdout.is_empty(), "{q}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("is not a code: 0x takes"), "{q}: {err}");
    }
    // The answer stands when the reader of the output has gone.
    for (q, code) in [
        ("0xC000006D", 0),
        ("zzzz-no-such-thing", 1),
        ("0xDEADBEEF", 1),
    ] {
        let out = bin()
            .args(["status", "--format", "json", q])
            .stdout(closed_pipe())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{q}");
    }
}

/// `status` explains SMB1 errors in the DOS form, by the name the report
/// gives them, by code name or by class/code number: what [MS-CIFS] pairs
/// them with for the request they answer; a number alone is an NTSTATUS.
#[test]
fn status_explains_dos_form_errors() {
    let run = |q: &str| {
        let out = bin().args(["status", q]).output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, text) = run("ERRDOS/ERRnoaccess");
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.starts_with("0x01/0x0005  ERRDOS/ERRnoaccess\n"),
        "{text}"
    );
    assert!(text.contains("Description: access denied\n"), "{text}");
    assert!(
        text.contains("  - SMB_COM_SESSION_SETUP_ANDX: STATUS_LOGON_FAILURE"),
        "{text}"
    );
    for q in [
        "errdos/errnoaccess",
        "ERRnoaccess",
        "0x01/0x0005",
        "ERRDOS/0x0005",
    ] {
        assert_eq!(run(q), (Some(0), text.clone()), "{q}");
    }
    let (code, text) = run("ERRSRV/ERRinvnetname");
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("  - SMB_COM_TREE_CONNECT_ANDX: STATUS_BAD_NETWORK_NAME"),
        "{text}"
    );
    let (code, text) = run("ERRDOS/0x00B7");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("(not a known SMB1 DOS-form error)"), "{text}");
    // The number of smbscope's own keeping is no DOS-form error.
    let (code, text) = run("0xF1010005");
    assert_eq!(code, Some(1), "{text}");
    assert!(!text.contains("ERRnoaccess"), "{text}");
    let out = bin()
        .args(["status", "--format", "json", "ERRDOS/0x0043"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["kind"], "dos");
    assert_eq!(v[0]["name"], "ERRDOS/ERRnosuchshare");
    assert_eq!(v[0]["code"], 0x0043_0001);
    assert_eq!(
        v[0]["dos"]["paired"][0]["status"],
        "STATUS_BAD_NETWORK_NAME"
    );
}

#[test]
fn ipv6_addresses_are_bracketed() {
    let out = bin()
        .args(["messages", "--format", "jsonl"])
        .arg(sample("ntlm-ipv6-success.pcap"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["dst"], "[::1]:445");
    assert!(text.contains("\"status\":\"STATUS_SUCCESS\""));
}

/// A DER TLV (X.690 8.1): tag, definite length, value.
fn tlv(tag: u8, v: &[u8]) -> Vec<u8> {
    let n = v.len();
    let mut out = vec![tag];
    match n {
        0..=0x7f => out.push(n as u8),
        0x80..=0xff => out.extend_from_slice(&[0x81, n as u8]),
        0x100..=0xffff => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
        _ => out.extend_from_slice(&[0x83, (n >> 16) as u8, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(v);
    out
}

/// One frame of the test's connection to port 88.
fn krb_tcp_frame(from_client: bool, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    pcap_build::tcp_frame(88, from_client, seq, ack, flags, payload)
}

/// An AS-REQ (RFC 4120 5.4.1) padded with `fill` unknown context fields
/// of four bytes before the known ones, in the request and in its body.
fn as_req(fill: usize) -> Vec<u8> {
    let fill: Vec<u8> = (0..fill).flat_map(|_| [0xaf, 0x02, 0x05, 0x00]).collect();
    let mut body = fill.clone();
    body.extend(tlv(0xa0, &tlv(0x03, &[0x00, 0x40, 0x81, 0x00, 0x10])));
    body.extend(tlv(0xa2, &tlv(0x1b, b"REALM")));
    let mut req = fill;
    req.extend(tlv(0xa1, &[0x02, 0x01, 0x05]));
    req.extend(tlv(0xa2, &[0x02, 0x01, 0x0a]));
    req.extend(tlv(0xa4, &tlv(0x30, &body)));
    tlv(0x6a, &tlv(0x30, &req))
}

/// Runs `messages --format FORMAT` on a pcap of `client_data` sent by the
/// client of a connection to port 88, in segments of `segment` bytes.
fn messages_of_krb_stream(client_data: &[u8], segment: usize, format: &str) -> Vec<u8> {
    let mut frames = vec![
        krb_tcp_frame(true, 100, 0, 0x02, b""),
        krb_tcp_frame(false, 500, 101, 0x12, b""),
    ];
    let mut seq = 101u32;
    for chunk in client_data.chunks(segment) {
        frames.push(krb_tcp_frame(true, seq, 501, 0x18, chunk));
        seq += chunk.len() as u32;
    }
    let name = format!("krb-{segment}-{format}.pcap");
    let path = tmp(&name, &pcap_build::classic_pcap(&frames));
    let out = bin()
        .args(["messages", path.to_str().unwrap(), "--format", format])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    out.stdout
}

/// A record marker announcing more than 1 MiB ends the decoding of that
/// direction (its record boundaries are lost), and the bytes skipped are
/// counted in `kerberos_bytes_dropped`, not silently lost.
#[test]
fn kerberos_bytes_after_an_over_long_record_marker_are_counted() {
    let ok = as_req(0);
    let mut data = (ok.len() as u32).to_be_bytes().to_vec();
    data.extend_from_slice(&ok);
    data.extend_from_slice(&(2u32 << 20).to_be_bytes());
    data.extend_from_slice(&[0x6a; 9_996]);
    let out = messages_of_krb_stream(&data, 5_000, "json");
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let messages = v["messages"].as_array().unwrap();
    let kerberos = messages.iter().filter(|m| m["kind"] == "kerberos");
    assert_eq!(kerberos.count(), 1);
    assert_eq!(v["capture"]["kerberos_bytes_dropped"], 10_000);
}

/// Kerberos over TCP (RFC 4120 7.2.2) with records of nearly the largest
/// size we accept (1 MiB): twenty AS-REQs of ~1,000,050 bytes each (padded
/// with unknown context fields, which a KDC ignores), back to back and cut
/// into 60,000-byte segments, so that most segments end one record and
/// begin the next. Each record is a message; before, the buffer check
/// counted the whole segment and gave up on the direction after two.
#[test]
fn large_kerberos_records_across_segments_are_all_decoded() {
    let as_req = as_req(124_995);
    assert!(as_req.len() < 1 << 20 && as_req.len() > 1_000_000);
    let mut data = Vec::new();
    for _ in 0..20 {
        data.extend_from_slice(&(as_req.len() as u32).to_be_bytes());
        data.extend_from_slice(&as_req);
    }
    let out = messages_of_krb_stream(&data, 60_000, "jsonl");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kerberos: Vec<&serde_json::Value> =
        lines.iter().filter(|v| v["kind"] == "kerberos").collect();
    assert_eq!(kerberos.len(), 20, "one message per record");
    assert!(kerberos.iter().all(|v| v["command"] == "AS-REQ"));
}

fn messages_out(path: &Path, format: &str) -> Vec<u8> {
    let out = bin()
        .args(["messages", "--format", format])
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", path.display());
    assert!(!out.stdout.is_empty(), "{}", path.display());
    out.stdout
}

fn jsonl_values(path: &Path) -> Vec<serde_json::Value> {
    String::from_utf8(messages_out(path, "jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Copies of real captures that capture libraries rewrote into forms no tool
/// on the (little-endian, VLAN-less) machine that made the samples writes
/// while capturing (scripts/make-samples.sh, `link_rewrites`): big-endian
/// classic pcap in micro- and nanoseconds (scapy), big-endian pcapng with two
/// interfaces of their own link type and resolution (dpkt's blocks), and
/// QinQ (an 802.1ad tag over an 802.1Q tag on every frame, tcprewrite). The
/// packets and time stamps are the source's, so every message reads the
/// same, in every format.
#[test]
fn rewritten_copies_read_like_their_sources() {
    for (copy, source) in [
        ("ntlm-port139-big-endian.pcap", "ntlm-port139-netbios.pcap"),
        (
            "ntlm-sll2-nanosecond-big-endian.pcap",
            "ntlm-sll2-nanosecond.pcap",
        ),
        (
            "ntlm-pcapng-big-endian.pcapng",
            "ntlm-pcapng-two-interfaces.pcapng",
        ),
        ("ntlm-port139-qinq.pcap", "ntlm-port139-netbios.pcap"),
    ] {
        for format in ["jsonl", "text"] {
            assert!(
                messages_out(&sample(copy), format) == messages_out(&sample(source), format),
                "{copy} reads differently from {source} ({format})"
            );
        }
    }
}

/// A pcapng file whose sections differ in byte order: dumpcap's two
/// little-endian sections, then the big-endian copy's section. Each section
/// is read in its own order; frame and stream numbers go on across them.
#[test]
fn pcapng_sections_are_read_in_their_own_byte_order() {
    let first = jsonl_values(&sample("ntlm-pcapng-two-sections.pcapng"));
    let second = jsonl_values(&sample("ntlm-pcapng-big-endian.pcapng"));
    let mixed = jsonl_values(&sample("ntlm-pcapng-mixed-byte-order.pcapng"));
    assert_eq!(mixed.len(), first.len() + second.len());
    assert_eq!(mixed[..first.len()], first[..]);
    let file = std::fs::File::open(sample("ntlm-pcapng-two-sections.pcapng")).unwrap();
    let mut reader = smbscope::capture::CaptureReader::new(file).unwrap();
    let mut frames = 0;
    while reader.next_frame().unwrap().is_some() {
        frames += 1;
    }
    let streams = first
        .iter()
        .filter_map(|m| m["stream"].as_u64())
        .max()
        .unwrap()
        + 1;
    for (mut ours, theirs) in mixed[first.len()..].iter().cloned().zip(second) {
        for key in ["frame", "request_frame", "response_frame"] {
            if let Some(n) = ours[key].as_u64() {
                ours[key] = (n - frames).into();
            }
        }
        ours["stream"] = (ours["stream"].as_u64().unwrap() - streams).into();
        assert_eq!(ours, theirs);
    }
}

/// A sequence-number wrap-around on real traffic: the 3 MB copy of
/// ntlm-success-copy.pcap with every sequence and acknowledgment number moved
/// by tcprewrite so that the client's numbers pass 2^32 about 1 MB into the
/// WRITE's data, each frame then cut to 256 bytes by editcap (scripts/
/// make-samples.sh, `seq_wrap_copy`), and the segment that crosses 2^32
/// swapped with the one after it. Every message after the wrap (CLOSE, the
/// READ, LOGOFF...) is still found, with the same header fields as in the
/// unshifted, uncut capture; the early segment is held as out of order, not
/// taken for a retransmission, and no byte is counted lost: all that is
/// missing is what the snaplen cut.
#[test]
fn sequence_numbers_that_wrap_around_keep_every_message() {
    let header = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        [
            "frame",
            "stream",
            "command",
            "response",
            "status",
            "message_id",
            "session_id",
            "tree_id",
            "request_frame",
            "response_frame",
        ]
        .iter()
        .map(|k| v[*k].clone())
        .collect()
    };
    let wrapped = jsonl_values(&sample("ntlm-copy-seq-wrap-snaplen-256.pcap"));
    let source = jsonl_values(&sample("ntlm-success-copy.pcap"));
    assert!(source.len() > 40);
    let ours: Vec<_> = wrapped.iter().map(header).collect();
    let theirs: Vec<_> = source.iter().map(header).collect();
    assert_eq!(ours, theirs);
    let out = messages_out(&sample("ntlm-copy-seq-wrap-snaplen-256.pcap"), "json");
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let tcp = &doc["capture"]["tcp"];
    assert_eq!(
        (
            &tcp["out_of_order_segments"],
            &tcp["retransmitted_segments"],
            &tcp["gap_bytes"]
        ),
        (&1.into(), &0.into(), &0.into()),
        "{tcp}"
    );
}

/// `out_of_order_segments` counts reordered segments, not those after a
/// hole the capture never fills: zeek-smb311-dcerpc-20-fids-retrans lost
/// 40 segments (40 gaps, 16,000 bytes, each shown by the peer's ACK) and
/// reordered none; tshark flags no tcp.analysis.out_of_order there, and 53
/// tcp.analysis.lost_segment (the first segment after each hole, 26 of
/// them without payload), at least one per hole. It used to be 40: every
/// segment held behind a hole. sv-smb2-peter-gap's hole (tshark's
/// lost_segment at frame 191) is never filled either.
#[test]
fn segments_after_a_lost_one_are_not_out_of_order() {
    let Some(dir) = common::corpus_dir() else {
        return;
    };
    for (name, gaps) in [
        ("zeek-smb311-dcerpc-20-fids-retrans.pcap", 40),
        ("sv-smb2-peter-gap.pcap", 1),
    ] {
        let f = dir.join(name);
        let flagged = |filter: &str| {
            common::tshark_text(&f, filter, &["frame.number"])
                .lines()
                .count()
        };
        assert_eq!(flagged("tcp.analysis.out_of_order"), 0, "{name}");
        let lost = flagged("tcp.analysis.lost_segment");
        let out = messages_out(&f, "json");
        let doc: serde_json::Value = serde_json::from_slice(&out).expect("json");
        let tcp = &doc["capture"]["tcp"];
        assert_eq!(tcp["out_of_order_segments"], 0, "{name}: {tcp}");
        assert_eq!(tcp["gaps"], gaps, "{name}: {tcp}");
        assert!(lost >= gaps, "{name}: {lost} lost_segment");
    }
}

/// Frames cut by the snaplen inside the 64-byte SMB2 header, as
/// `editcap -s` cuts them (pcap_build::snapped): with the 48 bytes before
/// the Signature kept (snaplen 118 on this capture: Ethernet, IPv4, TCP with
/// timestamps and NetBIOS take 70), or some of the Signature too (120),
/// every message has the same header fields, pairing and statuses as in the
/// uncut capture, no body (nothing of it was kept), and `check` finds the
/// logon failure. With 47 bytes (117) the message is shown without its
/// header, as before.
#[test]
fn a_header_cut_inside_its_signature_is_still_read() {
    let keys = [
        "frame",
        "stream",
        "command",
        "response",
        "status",
        "status_code",
        "message_id",
        "session_id",
        "tree_id",
        "credit_charge",
        "credits_requested",
        "credits_granted",
        "flags",
        "signed",
        "request_frame",
        "response_frame",
    ];
    let header = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        keys.iter().map(|k| v[*k].clone()).collect()
    };
    let source = std::fs::read(sample("ntlm-wrong-password.pcap")).unwrap();
    let whole = jsonl_values(&sample("ntlm-wrong-password.pcap"));
    assert_eq!(whole.len(), 6);
    for snaplen in [118, 120] {
        let cut = tmp(
            &format!("snap{snaplen}.pcap"),
            &pcap_build::snapped(&source, snaplen),
        );
        let msgs = jsonl_values(&cut);
        let ours: Vec<_> = msgs.iter().map(header).collect();
        let theirs: Vec<_> = whole.iter().map(header).collect();
        assert_eq!(ours, theirs, "snaplen {snaplen}");
        for m in &msgs {
            assert_eq!(m["kept_bytes"], snaplen - 70, "{m}");
            assert_eq!(m["truncated"], true, "{m}");
            assert!(m.get("body_error").is_none(), "{m}");
            assert!(m.get("session_setup").is_none(), "{m}");
        }
        let out = bin()
            .args(["check", "--expect-status", "STATUS_LOGON_FAILURE"])
            .arg(cut.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "snaplen {snaplen}");
    }
    let cut = tmp("snap117.pcap", &pcap_build::snapped(&source, 117));
    let msgs = jsonl_values(&cut);
    assert_eq!(msgs.len(), 6);
    for m in &msgs {
        assert!(
            m.get("command").is_none() && m.get("message_id").is_none(),
            "{m}"
        );
        assert_eq!(m["kept_bytes"], 47, "{m}");
    }
}

/// Transform headers ([MS-SMB2] 2.2.41) cut by the snaplen, as `editcap
/// -s` cuts them (pcap_build::snapped): ntlm-smb311-encrypted.pcap, whose
/// frames 12-43 are transforms 70 bytes into the frame (Ethernet, IPv4,
/// TCP with timestamps, NetBIOS). Each field is given when its bytes were
/// kept and left out when not: OriginalMessageSize (`original_size`) with
/// 40 bytes of the header (snaplen 110), Flags (`transform_flags`) with
/// 44 (114), SessionId with 52 (122), the values the uncut capture has; the
/// text line never says "0 bytes inside", nor "compressed". tshark on
/// `editcap -s` copies shows the same fields at the same snaplens.
#[test]
fn a_transform_header_cut_by_the_snaplen_gives_the_fields_it_kept() {
    let source = std::fs::read(sample("ntlm-smb311-encrypted.pcap")).unwrap();
    let whole: Vec<_> = jsonl_values(&sample("ntlm-smb311-encrypted.pcap"))
        .into_iter()
        .filter(|m| m["kind"] == "smb2_transform")
        .collect();
    assert_eq!(whole.len(), 32);
    assert!(whole.iter().all(|m| m["original_size"].as_u64() > Some(0)));
    let fields = [
        ("original_size", 40),
        ("transform_flags", 44),
        ("session_id", 52),
    ];
    for snaplen in [100, 105, 106, 109, 110, 113, 114, 121, 122] {
        let kept = snaplen - 70;
        let cut = tmp(
            &format!("transform{snaplen}.pcap"),
            &pcap_build::snapped(&source, snaplen),
        );
        let doc: serde_json::Value = serde_json::from_slice(&messages_out(&cut, "json")).unwrap();
        for msgs in [
            jsonl_values(&cut),
            doc["messages"].as_array().unwrap().clone(),
        ] {
            let msgs: Vec<_> = msgs
                .into_iter()
                .filter(|m| m["kind"] == "smb2_transform")
                .collect();
            assert_eq!(msgs.len(), whole.len(), "snaplen {snaplen}");
            for (m, w) in msgs.iter().zip(&whole) {
                assert_eq!(m["kept_bytes"], kept, "{m}");
                for (key, needs) in fields {
                    if kept >= needs {
                        assert_eq!(m[key], w[key], "snaplen {snaplen} {key}: {m}");
                    } else {
                        assert!(m.get(key).is_none(), "snaplen {snaplen} {key}: {m}");
                    }
                }
            }
        }
        let out = bin().arg("messages").arg(cut.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<_> = text
            .lines()
            .filter(|l| l.contains("smb2_transform"))
            .collect();
        assert_eq!(lines.len(), whole.len(), "{text}");
        for l in lines {
            assert!(l.contains("encrypted"), "snaplen {snaplen}: {l}");
            assert!(
                !l.contains("compressed") && !l.contains(" 0 bytes inside"),
                "{l}"
            );
            assert_eq!(
                l.contains("bytes inside"),
                kept >= 40,
                "snaplen {snaplen}: {l}"
            );
            assert_eq!(
                l.contains("size cut off"),
                kept < 40,
                "snaplen {snaplen}: {l}"
            );
        }
    }
}

/// A NetBIOS session message of which the snaplen kept fewer than the 4
/// bytes of a protocol id, as `editcap -s` cuts it (pcap_build::snapped):
/// ntlm-wrong-password.pcap, whose 6 SMB2 messages each start 66 bytes into
/// their frame (Ethernet, IPv4, TCP with timestamps), the NetBIOS header
/// then the SMB2 header from byte 70. Cut at 70 to 73, what it carries is
/// not known: it is told as what it is, kind `netbios`, command
/// `SESSION_MESSAGE` (RFC 1002 4.3.6), `response` null, as tshark shows
/// an NBSS "Session message" (nbss.type 0x00, nbss.length) and no SMB2 on
/// `editcap -s` copies, where it was guessed kind `smb2`; from 74 (0xFE
/// 'SMB' kept) it is SMB2, header fields still cut (tshark: SMB2, no
/// smb2.cmd). The report counts them as the connection's messages.
#[test]
fn a_session_message_cut_before_its_protocol_id_is_not_guessed_smb2() {
    let path = sample("ntlm-wrong-password.pcap");
    let source = std::fs::read(&path).unwrap();
    let whole = jsonl_values(&path);
    assert_eq!(whole.len(), 6);
    for snaplen in [70u64, 71, 72, 73, 74] {
        let kept = snaplen - 70;
        let cut = tmp(
            &format!("session-message{snaplen}.pcap"),
            &pcap_build::snapped(&source, snaplen as u32),
        );
        let doc: serde_json::Value = serde_json::from_slice(&messages_out(&cut, "json")).unwrap();
        for msgs in [
            jsonl_values(&cut),
            doc["messages"].as_array().unwrap().clone(),
        ] {
            assert_eq!(msgs.len(), whole.len(), "snaplen {snaplen}");
            for (m, w) in msgs.iter().zip(&whole) {
                let (kind, command) = if kept < 4 {
                    ("netbios", Some("SESSION_MESSAGE"))
                } else {
                    ("smb2", None)
                };
                assert_eq!(
                    (
                        m["frame"].clone(),
                        m["kind"].as_str(),
                        m["command"].as_str(),
                        m["response"].clone(),
                        m["length"].clone(),
                        m["kept_bytes"].as_u64(),
                    ),
                    (
                        w["frame"].clone(),
                        Some(kind),
                        command,
                        serde_json::Value::Null,
                        w["length"].clone(),
                        Some(kept)
                    ),
                    "snaplen {snaplen}: {m}"
                );
                assert!(m.get("netbios").is_none() && m.get("netbios_error").is_none());
            }
        }
        let (text, _) = messages_text_line(&cut, "bytes missing from the capture");
        let rows: Vec<_> = text
            .lines()
            .filter(|l| l.contains(" 0 C>S ") || l.contains(" 0 S>C "))
            .collect();
        assert_eq!(rows.len(), 6, "{text}");
        for l in rows {
            assert_eq!(l.contains(" SESSION_MESSAGE "), kept < 4, "{l}");
            assert_eq!(l.contains(" smb2 "), kept >= 4, "{l}");
            assert!(!l.contains(" req") && !l.contains(" rsp"), "{l}");
        }
        // The report counts them as the connection's messages, as before.
        let out = bin()
            .args(["report", "--format", "json"])
            .arg(cut.path())
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let c = &report["connections"][0];
        assert_eq!(
            (c["messages"].as_u64(), c["server_messages"].as_u64()),
            (Some(6), Some(3))
        );
    }
}

/// A NetBIOS SESSION REQUEST (RFC 1002 4.3.2) cut by the snaplen, as
/// `editcap -s` cuts it (pcap_build::snapped): ntlm-port139-netbios.pcap,
/// frame 4, whose 68 bytes (called name FILESRV<20>, then calling name
/// CLIENT1<00>, 34 bytes each) start 70 bytes into the frame. A name whose
/// 34 bytes were all kept is given (snaplen 104 on for the called name, as
/// tshark's nbss.called_name on `editcap -s` copies), one cut is left out
/// and the text says so; a cut is not a decoding error (`netbios_error`),
/// and the report's connection has the names that were kept.
#[test]
fn a_netbios_session_request_cut_by_the_snaplen_gives_the_names_it_kept() {
    let source = std::fs::read(sample("ntlm-port139-netbios.pcap")).unwrap();
    let whole = &jsonl_values(&sample("ntlm-port139-netbios.pcap"))[0];
    assert_eq!(whole["command"], "SESSION_REQUEST");
    assert_eq!(whole["netbios"]["called_name"], "FILESRV<20>");
    assert_eq!(whole["netbios"]["calling_name"], "CLIENT1<00>");
    for snaplen in [70u64, 71, 74, 90, 103, 104, 105, 120, 137] {
        let kept = snaplen - 70;
        let cut = tmp(
            &format!("nbss{snaplen}.pcap"),
            &pcap_build::snapped(&source, snaplen as u32),
        );
        let m = &jsonl_values(&cut)[0];
        assert_eq!(
            (m["frame"].as_u64(), m["kept_bytes"].as_u64()),
            (Some(4), Some(kept))
        );
        assert!(m.get("netbios_error").is_none(), "snaplen {snaplen}: {m}");
        let called = (kept >= 34).then(|| whole["netbios"]["called_name"].clone());
        assert_eq!(m["netbios"].get("called_name").cloned(), called, "{m}");
        assert!(m["netbios"].get("calling_name").is_none(), "{m}");
        assert_eq!(m.get("netbios").is_some(), kept >= 34, "{m}");
        let (_, line) = messages_text_line(&cut, "SESSION_REQUEST");
        let said = if kept >= 34 {
            "called FILESRV<20>, calling name cut off"
        } else {
            "called and calling names cut off"
        };
        assert!(line.contains(said), "snaplen {snaplen}: {line}");
        let out = bin()
            .args(["report", "--format", "json"])
            .arg(cut.path())
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let nb = &report["connections"][0]["netbios"];
        assert_eq!(nb["answer"], "positive");
        assert_eq!(nb.get("called_name").cloned(), called, "{nb}");
    }
}

/// A NetBIOS NEGATIVE SESSION RESPONSE (RFC 1002 4.3.4) and a RETARGET
/// SESSION RESPONSE (4.3.5) cut by the snaplen, as `editcap -s` cuts them
/// (pcap_build::snapped): frame 6 of nbss-negative-response-keepalive.pcap
/// (error code 0x82 at byte 70 of the frame) and of
/// nbss-retarget-response.pcap (address 127.0.0.2 at bytes 70..74, port
/// 445 at 74..76). A field whose bytes were all kept is given, as tshark's
/// nbss.error_code, nbss.retarget_ip_address and nbss.retarget_port on
/// `editcap -s` copies (the code from snaplen 71, the address from 74, the
/// port from 76); one cut is left out and the text says so; a cut is not a
/// decoding error (`netbios_error`), and the report's connection has what
/// was kept.
#[test]
fn netbios_responses_cut_by_the_snaplen_give_the_fields_they_kept() {
    // (snaplen, the message's `netbios`, its text, the report's line)
    type Cut = (u64, &'static str, &'static str, &'static str);
    let cases: [(&str, u64, &[Cut]); 2] = [
        (
            "nbss-negative-response-keepalive.pcap",
            71,
            &[
                (
                    70,
                    "{}",
                    "refused: error code cut off",
                    "refused (error code not in the capture)",
                ),
                (
                    71,
                    r#"{"error_code":130,"error":"CALLED_NAME_NOT_PRESENT"}"#,
                    "refused: 0x82 CALLED_NAME_NOT_PRESENT (called name not present)",
                    "refused (0x82 CALLED_NAME_NOT_PRESENT, called name not present)",
                ),
            ],
        ),
        (
            "nbss-retarget-response.pcap",
            76,
            &[
                (
                    70,
                    "{}",
                    "retarget address cut off",
                    "retargeted (address not in the capture)",
                ),
                (
                    73,
                    "{}",
                    "retarget address cut off",
                    "retargeted (address not in the capture)",
                ),
                (
                    74,
                    r#"{"retarget_address":"127.0.0.2"}"#,
                    "retarget to 127.0.0.2, port cut off",
                    "retargeted to 127.0.0.2 (port not in the capture)",
                ),
                (
                    75,
                    r#"{"retarget_address":"127.0.0.2"}"#,
                    "retarget to 127.0.0.2, port cut off",
                    "retargeted to 127.0.0.2 (port not in the capture)",
                ),
                (
                    76,
                    r#"{"retarget":"127.0.0.2:445"}"#,
                    "retarget to 127.0.0.2:445",
                    "retargeted to 127.0.0.2:445",
                ),
            ],
        ),
    ];
    for (name, whole_len, cuts) in cases {
        let source = std::fs::read(sample(name)).unwrap();
        for &(snaplen, netbios, said, report_said) in cuts {
            let cut = tmp(
                &format!("nbss-{name}-{snaplen}"),
                &pcap_build::snapped(&source, snaplen as u32),
            );
            let m = jsonl_values(&cut)
                .into_iter()
                .find(|m| m["frame"] == 6)
                .unwrap_or_else(|| panic!("{name} cut to {snaplen}: no frame 6"));
            let kept = snaplen - 70;
            let length = whole_len - 70;
            assert_eq!(
                (m["kept_bytes"].as_u64(), m["missing_bytes"].as_u64()),
                if kept < length {
                    (Some(kept), Some(length - kept))
                } else {
                    (None, None)
                },
                "{name} cut to {snaplen}: {m}"
            );
            assert!(
                m.get("netbios_error").is_none(),
                "{name} cut to {snaplen}: {m}"
            );
            let decoded: serde_json::Value = serde_json::from_str(netbios).unwrap();
            let empty = serde_json::json!({});
            assert_eq!(
                m.get("netbios").unwrap_or(&empty),
                &decoded,
                "{name} cut to {snaplen}"
            );
            let command = m["command"].as_str().unwrap().to_string();
            let (_, line) = messages_text_line(&cut, &command);
            assert!(line.contains(said), "{name} cut to {snaplen}: {line}");
            let out = bin().arg("report").arg(cut.path()).output().unwrap();
            // lines wrapped at 80 columns, joined again
            let text = String::from_utf8(out.stdout).unwrap();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                text.contains(&format!("NetBIOS {said}")),
                "{name} cut to {snaplen}: {text}"
            );
            assert!(
                text.contains(report_said),
                "{name} cut to {snaplen}: {text}"
            );
            let out = bin()
                .args(["report", "--format", "json"])
                .arg(cut.path())
                .output()
                .unwrap();
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let nb = &report["connections"][0]["netbios"];
            assert_eq!(nb["response_frame"], 6, "{nb}");
            for k in ["error_code", "error", "retarget", "retarget_address"] {
                assert_eq!(nb.get(k), decoded.get(k), "{name} cut to {snaplen}: {nb}");
            }
        }
    }
}

/// Kerberos over UDP is counted apart from Kerberos over TCP: the footer of
/// the text table and `capture` in the JSON give both, as tshark counts the
/// streams to or from port 88 (`udp.port==88` / `tcp.port==88`, distinct
/// udp.stream / tcp.stream): (capture, TCP, UDP).
#[test]
fn kerberos_over_udp_is_counted_beside_kerberos_over_tcp() {
    for (name, tcp, udp) in [
        ("krb5-kinit-account-locked-out.pcap", 0, 2),
        ("krb5-kinit-udp-only-kdc.pcap", 1, 2),
        ("krb5-success.pcap", 3, 2),
        ("krb5-ap-skew.pcap", 2, 0),
    ] {
        let text = String::from_utf8(messages_out(&sample(name), "text")).unwrap();
        let footer = text.lines().last().unwrap_or_default();
        assert!(
            footer.contains(&format!(
                "{tcp} Kerberos TCP connections and {udp} Kerberos UDP streams"
            )),
            "{name}: {footer}"
        );
        let json: serde_json::Value =
            serde_json::from_slice(&messages_out(&sample(name), "json")).unwrap();
        let cap = &json["capture"];
        assert_eq!(cap["kerberos_connections"], tcp, "{name}");
        assert_eq!(cap["kerberos_udp_streams"], udp, "{name}");
    }
}

/// The rows of `smbscope messages PATH` (text), cut at the header's
/// columns: (command cell, the line from the status column on, the whole
/// line). A status may be longer than its column
/// (STATUS_MORE_PROCESSING_REQUIRED), so the rest is not cut.
fn text_cells(path: &Path) -> Vec<(String, String, String)> {
    let text = String::from_utf8(messages_out(path, "text")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let (c, s) = (
        header.find("command").unwrap(),
        header.find("status").unwrap(),
    );
    lines
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let command = l.get(c..s - 1).unwrap_or_default().trim_end().to_string();
            let rest = l.get(s..).unwrap_or_default().to_string();
            (command, rest, l.to_string())
        })
        .collect()
}

/// The status at the start of [`text_cells`]'s rest ("" when blank; the
/// names have no blank).
fn status_cell(rest: &str) -> &str {
    rest.split(' ').next().unwrap_or_default()
}

/// A KRB-ERROR's row names its error in the status column, as the report's
/// timeline does: krb5-kinit-wrong-password frames 2 and 4 carry
/// kerberos.error_code 25 and 24 (tshark).
#[test]
fn messages_text_puts_a_kerberos_error_in_the_status_column() {
    let rows = text_cells(&sample("krb5-kinit-wrong-password.pcap"));
    let errors: Vec<(&str, &str)> = rows
        .iter()
        .filter(|(c, _, _)| c == "krb KRB-ERROR")
        .map(|(_, s, l)| {
            (
                l.split_whitespace().next().unwrap_or_default(),
                status_cell(s),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("2", "KDC_ERR_PREAUTH_REQUIRED"),
            ("4", "KDC_ERR_PREAUTH_FAILED")
        ],
        "{rows:#?}"
    );
    // The requests' status stays empty.
    assert!(rows
        .iter()
        .filter(|(c, _, _)| c == "krb AS-REQ")
        .all(|(_, s, _)| status_cell(s).is_empty()));
}

/// SMB1 commands go without their "SMB_COM_" in the text table (the JSON
/// keeps it), so SESSION_SETUP_ANDX and TREE_CONNECT_ANDX fit the command
/// column: the status column starts where the header says on every row.
#[test]
fn messages_text_smb1_commands_fit_the_command_column() {
    for name in [
        "smb1-ntlm-success.pcap",
        "smb1-files-andx.pcap",
        "smb1-dos-wrong-password.pcap",
    ] {
        let rows = text_cells(&sample(name));
        let json = jsonl_values(&sample(name));
        assert_eq!(rows.len(), json.len(), "{name}");
        let mut long = 0;
        for ((command, status, line), m) in rows.iter().zip(&json) {
            let full = m["command"].as_str().unwrap();
            let want = format!(
                "{} {}",
                full.strip_prefix("SMB_COM_").unwrap_or(full),
                if m["response"] == true { "rsp" } else { "req" }
            );
            assert_eq!(command, &want, "{name}: {line}");
            assert_eq!(
                status_cell(status),
                m["status"].as_str().unwrap_or_default(),
                "{name}: {line}"
            );
            long += usize::from(full.len() > 20);
        }
        assert!(
            long > 0,
            "{name}: no SESSION_SETUP_ANDX or TREE_CONNECT_ANDX"
        );
    }
}

/// A directory of this test run's own under the system's temporary one.
fn scratch_dir(name: &str) -> common::ScratchDir {
    common::ScratchDir::new(&format!("cli-{name}"))
}

/// What `smbscope messages PATH` says on standard error about a file that
/// is not a capture (exit code 2).
fn not_a_capture(path: &Path) -> String {
    let out = bin().arg("messages").arg(path).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", path.display());
    String::from_utf8(out.stderr).unwrap()
}

/// A sample compressed by gzip is read as it is, by path and from standard
/// input, as tshark reads it (tests/compressed.rs has the rest); a file of
/// another format users hand over for a capture is named, with what to do,
/// instead of its first bytes in hex: the sample written by editcap as
/// Network Monitor 2.x ("GMBU") and 1.x ("RTSS"), converted back to pcapng
/// as the message says.
#[test]
fn gzip_files_are_read_and_network_monitor_files_named_with_what_to_do() {
    let src = sample("ntlm-smb311.pcap");
    let dir = scratch_dir("formats");
    let error = |path: &Path| not_a_capture(path);
    // Each message's frame, command and status (JSON Lines from standard
    // input leave out a request's response_frame).
    let keys = |jsonl: Vec<u8>| -> Vec<(serde_json::Value, serde_json::Value, serde_json::Value)> {
        String::from_utf8(jsonl)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|m| {
                (
                    m["frame"].clone(),
                    m["command"].clone(),
                    m["status"].clone(),
                )
            })
            .collect()
    };
    let want = keys(messages_out(&src, "jsonl"));
    assert!(want.len() > 20);

    let gz = dir.join("ntlm-smb311.pcap.gz");
    let zipped = Command::new("gzip").arg("-c").arg(&src).output().unwrap();
    assert!(zipped.status.success());
    assert_eq!(&zipped.stdout[..3], &[0x1f, 0x8b, 0x08]);
    std::fs::write(&gz, &zipped.stdout).unwrap();
    assert!(keys(messages_out(&gz, "jsonl")) == want);
    // From standard input too.
    let mut child = bin()
        .args(["messages", "--format", "jsonl", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&zipped.stdout)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(keys(out.stdout) == want);

    for (format, magic) in [("netmon2", b"GMBU"), ("netmon1", b"RTSS")] {
        let cap = dir.join(format!("ntlm-smb311-{format}.cap"));
        let ran = Command::new("editcap")
            .args(["-F", format])
            .arg(&src)
            .arg(&cap)
            .status();
        if !ran.is_ok_and(|s| s.success()) {
            eprintln!("note: editcap is not installed; Network Monitor files not tried");
            return;
        }
        assert_eq!(&std::fs::read(&cap).unwrap()[..4], magic);
        let err = error(&cap);
        assert!(
            err.contains("the file is a Microsoft Network Monitor capture (.cap): open it in Wireshark and save it as pcapng"),
            "{err}"
        );
        let back = dir.join(format!("ntlm-smb311-{format}.pcapng"));
        let ran = Command::new("editcap")
            .args(["-F", "pcapng"])
            .arg(&cap)
            .arg(&back)
            .status();
        assert!(ran.is_ok_and(|s| s.success()));
        assert!(keys(messages_out(&back, "jsonl")) == want, "{format}");
    }
}

/// Files compressed by zstd and lz4 are read as they are, as tshark 4.2
/// reads them; by xz and bzip2 (which tshark does not read either), a zip
/// archive and a Sun snoop capture (editcap -F snoop) of a sample are
/// named, with what to do; the command the message gives to decompress
/// reads back the sample through standard input, as does the snoop file
/// converted as it says.
#[test]
fn compressed_zip_and_snoop_files_are_named_with_what_to_do() {
    let src = sample("ntlm-smb311.pcap");
    let dir = scratch_dir("packed");
    let error = |path: &Path| not_a_capture(path);
    let run = |cmd: &str, stdin: &[u8]| -> Vec<u8> {
        let mut words = cmd.split(' ');
        let tool = words.next().unwrap();
        common::filter(tool, &words.collect::<Vec<_>>(), stdin)
    };
    let jsonl_of = |bytes: &[u8]| {
        let mut child = bin()
            .args(["messages", "--format", "jsonl", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        child.wait_with_output().unwrap().stdout
    };
    let raw = std::fs::read(&src).unwrap();
    let want = jsonl_of(&raw);
    assert!(String::from_utf8_lossy(&want).lines().count() > 20);
    for (tool, ext) in [("zstd", "zst"), ("lz4", "lz4")] {
        let packed = run(&format!("{tool} -c"), &raw);
        assert!(jsonl_of(&packed) == want, "{tool}");
        let path = dir.join(format!("ntlm-smb311.pcap.{ext}"));
        std::fs::write(&path, &packed).unwrap();
        assert!(
            messages_out(&path, "jsonl") == messages_out(&src, "jsonl"),
            "{tool}"
        );
    }
    for (tool, ext, cat) in [("xz", "xz", "xz -dc"), ("bzip2", "bz2", "bzip2 -dc")] {
        let packed = run(&format!("{tool} -c"), &raw);
        let path = dir.join(format!("ntlm-smb311.pcap.{ext}"));
        std::fs::write(&path, &packed).unwrap();
        let err = error(&path);
        assert!(
            err.contains(&format!(
                "not a pcap or pcapng capture: the file is {tool}-compressed: decompress it first, or pipe it in ({cat} {} | smbscope -)",
                path.display()
            )),
            "{err}"
        );
        assert!(jsonl_of(&run(cat, &packed)) == want, "{tool}");
    }

    let zip = dir.join("ntlm-smb311.zip");
    let made = Command::new("zip")
        .arg("-jq")
        .arg(&zip)
        .arg(&src)
        .status()
        .expect("zip (.ci/run installs it)");
    assert!(made.success());
    let err = error(&zip);
    assert!(
        err.contains(&format!(
            "the file is a zip archive: list it (unzip -l {z}) and read the capture inside (unzip -p {z} NAME | smbscope -)",
            z = zip.display()
        )),
        "{err}"
    );

    let snoop = dir.join("ntlm-smb311.snoop");
    let ran = Command::new("editcap")
        .args(["-F", "snoop"])
        .arg(&src)
        .arg(&snoop)
        .status()
        .expect("editcap (with tshark)");
    assert!(ran.success());
    assert_eq!(&std::fs::read(&snoop).unwrap()[..8], b"snoop\0\0\0");
    let err = error(&snoop);
    assert!(
        err.contains("the file is a Sun snoop capture: convert it to pcapng (editcap -F pcapng IN OUT.pcapng)"),
        "{err}"
    );
    let back = dir.join("ntlm-smb311-snoop.pcapng");
    let ran = Command::new("editcap")
        .args(["-F", "pcapng"])
        .arg(&snoop)
        .arg(&back)
        .status()
        .unwrap();
    assert!(ran.success());
    let frames = |jsonl: &[u8]| -> Vec<serde_json::Value> {
        String::from_utf8_lossy(jsonl)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .map(|m| serde_json::json!([m["frame"], m["command"], m["status"], m["message_id"]]))
            .collect()
    };
    assert_eq!(
        frames(&jsonl_of(&std::fs::read(&back).unwrap())),
        frames(&want)
    );
}

/// The captures of samples/ and, when present, of the corpus.
fn all_captures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for d in [root.join("samples"), root.join("../shared/corpus/public")] {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        out.extend(
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng")),
        );
    }
    out.sort();
    out
}

/// No message says more bytes of it are missing than it has beyond those
/// kept (`missing_bytes` + `kept_bytes` ≤ `length`, `kept_bytes` absent
/// when all were kept), on every capture: the PDUs of a compound chain the
/// snaplen cut each carry their own share of the missing bytes, not the
/// whole NetBIOS message's.
#[test]
fn no_message_misses_more_bytes_than_it_has() {
    let caps = all_captures();
    assert!(caps.len() > 50, "{}", caps.len());
    let mut cut = 0;
    for cap in &caps {
        let out = bin()
            .args(["messages", "--format", "jsonl"])
            .arg(cap)
            .output()
            .unwrap();
        for l in String::from_utf8_lossy(&out.stdout).lines() {
            let m: serde_json::Value = serde_json::from_str(l).unwrap();
            let Some(missing) = m["missing_bytes"].as_u64() else {
                continue;
            };
            cut += 1;
            let len = m["length"].as_u64().unwrap();
            let kept = m["kept_bytes"].as_u64().unwrap_or(len);
            assert!(kept + missing <= len, "{}: {m}", cap.display());
        }
    }
    assert!(cut > 0);
}

/// zeek-smb2-kerberos-snaplen9999 (corpus), frame 43: one NetBIOS message
/// of 11960 bytes (nbss.length) holding a compound QUERY_DIRECTORY response
/// of two PDUs (smb2.chain_offset 0x2e68 = 11880, so 11880 + 80), in a frame
/// of 12018 bytes (frame.len) of which 10014 were captured (frame.cap_len):
/// 54 bytes of Ethernet, IPv4 and TCP headers and 4 of NetBIOS leave 9956
/// bytes of the message, 2004 missing, all at its end. The first PDU misses
/// 11880 - 9956 = 1924 bytes, the second all its 80. Of the second no byte
/// of its header was kept, so whether it is a response is not known (the
/// flag is in the header, [MS-SMB2] 2.2.1.2; tshark shows no second PDU):
/// `response` is null and the text has neither `req` nor `rsp`, where both
/// said "response" from the direction alone. Its place in the chain is
/// known all the same (from the first PDU's NextCommand): `chain_index` 1,
/// where it had none.
#[test]
fn a_compound_cut_by_the_snaplen_misses_bytes_where_they_were_cut() {
    let Some(path) = common::corpus_capture("zeek-smb2-kerberos-snaplen9999.pcap") else {
        return;
    };
    let got: Vec<_> = jsonl_values(&path)
        .into_iter()
        .filter(|m| m["frame"] == 43)
        .map(|m| {
            (
                m["chain_index"].as_u64(),
                m["length"].as_u64(),
                m["kept_bytes"].as_u64(),
                m["missing_bytes"].as_u64(),
                m["response"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some(0), Some(11880), Some(9956), Some(1924), true.into()),
            (
                Some(1),
                Some(80),
                Some(0),
                Some(80),
                serde_json::Value::Null
            ),
        ]
    );
    let text = String::from_utf8(messages_out(&path, "text")).unwrap();
    assert!(text.contains("[1924 of 11880 bytes missing from the capture]"));
    let cut = text
        .lines()
        .find(|l| l.contains("[80 of 80 bytes missing from the capture]"))
        .expect("the second PDU's line");
    assert!(
        cut.contains(" S>C smb2                     ") && !cut.contains("rsp"),
        "{cut}"
    );
    // The same in the JSON document.
    let doc: serde_json::Value = serde_json::from_slice(&messages_out(&path, "json")).unwrap();
    let responses: Vec<_> = doc["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["frame"] == 43)
        .map(|m| (m["chain_index"].as_u64(), m["response"].clone()))
        .collect();
    assert_eq!(
        responses,
        [(Some(0), true.into()), (Some(1), serde_json::Value::Null)]
    );
}

/// A scratch directory removed when dropped (at the end of the test, or
/// when an assertion fails).
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Linux file name is bytes: a real sample copied under the name
/// `bad\xff\xfename.pcap` (two bytes that are not UTF-8) is read by
/// `messages`, the report (also as `smbscope FILE`) and `check`, as its
/// source is, and named with U+FFFD for each of the two bytes in text, JSON
/// and JUnit. Clap used to refuse the name ("invalid UTF-8 was detected",
/// exit 2, an empty JUnit file); `smbscope FILE` took it for a command.
#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_is_read_and_named() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir =
        ScratchDir(std::env::temp_dir().join(format!("smbscope-non-utf8-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let bad = OsStr::from_bytes(b"bad\xff\xfename.pcap");
    let source = sample("ntlm-wrong-password.pcap");
    std::fs::copy(&source, dir.0.join(bad)).unwrap();
    let shown = "bad\u{FFFD}\u{FFFD}name.pcap";
    let run = |args: &[&OsStr]| {
        let o = bin().args(args).current_dir(&dir.0).output().unwrap();
        (
            o.status.code(),
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
        )
    };
    let os = |s: &'static str| OsStr::new(s);

    // messages: the same lines as the source's, the name in the document.
    let (code, jsonl, err) = run(&[os("messages"), os("--format"), os("jsonl"), bad]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(jsonl.as_bytes(), messages_out(&source, "jsonl"));
    let (code, json, _) = run(&[os("messages"), os("--format"), os("json"), bad]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["file"], shown);
    assert_eq!(doc["capture"]["file"], shown);

    // The report, as `smbscope FILE` and as `report --format json`.
    let (code, text, err) = run(&[bad]);
    assert_eq!(code, Some(0), "{err}");
    assert!(text.contains(shown), "{text}");
    assert!(text.contains("STATUS_LOGON_FAILURE"), "{text}");
    let (code, json, _) = run(&[os("report"), os("--format"), os("json"), bad]);
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["capture"]["file"], shown);

    // check, in JUnit, JSON and text with another capture.
    let deny = [os("check"), os("--deny"), os("ntlmv1")];
    let (code, xml, err) = run(&[&deny[..], &[os("--format"), os("junit"), bad]].concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(
        xml.contains(&format!(
            "<testsuite name=\"smbscope check {shown}\" tests=\"1\" failures=\"0\""
        )),
        "{xml}"
    );
    let (code, json, _) = run(&[&deny[..], &[os("--format"), os("json"), bad]].concat());
    assert_eq!(code, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["file"], shown);
    assert_eq!(doc["verdict"], "pass");
    let (code, text, _) = run(&[&deny[..], &[bad, source.as_os_str()]].concat());
    assert_eq!(code, Some(0));
    assert!(
        text.starts_with(&format!("== {shown}\nPASS deny ntlmv1: ")),
        "{text}"
    );

    // A name that is not UTF-8 and names no file: the usual error, naming it.
    let missing = OsStr::from_bytes(b"gone\xff.pcap");
    let (code, _, err) = run(&[os("messages"), missing]);
    assert_eq!(code, Some(2));
    assert!(err.starts_with("smbscope: gone\u{FFFD}.pcap: "), "{err}");
    let (code, json, _) = run(&[&deny[..], &[os("--format"), os("json"), missing]].concat());
    assert_eq!(code, Some(2));
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["file"], "gone\u{FFFD}.pcap");
    assert_eq!(doc["verdict"], "error");
    drop(dir);
}

/// "0.001886" (seconds, as the text's time column writes it, or tshark's
/// frame.time_relative with its 9 decimals) as nanoseconds.
fn decimal_nanos(s: &str) -> i64 {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let negative = int.starts_with('-');
    let frac: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
    let n = int.trim_start_matches('-').parse::<i64>().unwrap() * 1_000_000_000
        + frac.parse::<i64>().unwrap();
    if negative {
        -n
    } else {
        n
    }
}

/// The text's time column is the time since the capture's first frame,
/// tshark's frame.time_relative (the report's timeline counts the same),
/// not since the first message: for every line of captures whose first
/// frame is a SYN (ntlm-wrong-password: the first message, frame 4, is at
/// 0.001886, where the column used to say 0.000000), a UDP Kerberos message,
/// a NetBIOS datagram (sv-smb2-ntlm-logon-failure), ICMPv6 (sv-smb2-peter-guest)
/// or DHCPv6 (sv-smb21-psexec-kerberos-port139), each of the corpus when
/// present, the line's time is tshark's to the microsecond it is written to.
#[test]
fn messages_text_time_is_wiresharks_frame_time_relative() {
    let mut captures: Vec<PathBuf> = [
        "ntlm-wrong-password.pcap",
        "krb5-success.pcap",
        "krb5-fallback-ntlm.pcap",
        "ntlm-port139-netbios.pcap",
    ]
    .iter()
    .map(|n| sample(n))
    .collect();
    if let Some(dir) = common::corpus_dir() {
        for n in [
            "sv-smb2-ntlm-logon-failure.pcap",
            "sv-smb2-peter-guest.pcap",
            "sv-smb21-psexec-kerberos-port139.pcap",
        ] {
            captures.push(dir.join(n));
        }
    }
    for cap in &captures {
        let relative: std::collections::HashMap<u64, i64> =
            common::tshark_text(cap, "frame", &["frame.number", "frame.time_relative"])
                .lines()
                .filter_map(|l| {
                    let (n, t) = l.split_once('\t')?;
                    Some((n.parse().ok()?, decimal_nanos(t)))
                })
                .collect();
        let text = String::from_utf8(messages_out(cap, "text")).unwrap();
        let mut lines = 0;
        for line in text.lines().skip(1).take_while(|l| !l.is_empty()) {
            let mut cols = line.split_whitespace();
            let frame: u64 = cols.next().unwrap().parse().unwrap();
            let ours = decimal_nanos(cols.next().unwrap());
            let theirs = relative[&frame];
            assert!(
                (ours - theirs).abs() <= 500,
                "{} frame {frame}: {ours} ns, tshark {theirs} ns: {line}",
                cap.display()
            );
            lines += 1;
        }
        assert!(lines > 3, "{}: {text}", cap.display());
    }
    let (_, line) = messages_text_line(&sample("ntlm-wrong-password.pcap"), "NEGOTIATE req");
    assert!(line.starts_with("      4    0.001886 "), "{line}");
}

/// `--port 0` is a usage error (exit 2) with a clear message, for each
/// command that takes `--port` (messages, the report as `smbscope FILE` and
/// `report`, check), where it was followed without a word (exit 0); and
/// nothing is written on standard output. `--port 4455` on the capture with
/// SMB there is still taken. The `--help` of each says port 0 is refused.
#[test]
fn port_0_is_a_usage_error() {
    let cap = sample("no-smb-response-port4455.pcap");
    let cap = cap.to_str().unwrap();
    for args in [
        &["messages", cap, "--port", "0"][..],
        &[cap, "--port", "0"],
        &["report", "--port", "0", cap],
        &["check", cap, "--deny", "smb1", "--port", "0"],
        &[
            "check", cap, "--deny", "smb1", "--port", "4455", "--port", "0",
        ],
    ] {
        let out = bin().args(args).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            err.contains("invalid value '0' for '--port <PORT>': port 0 is not a TCP port a server listens on: give 1 to 65535"),
            "{args:?}: {err}"
        );
    }
    let out = bin()
        .args(["check", cap, "--deny", "smb1", "--port", "4455"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0)); // And the help of each command says so before anyone tries.
    for cmd in ["messages", "report", "check"] {
        let out = bin().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            help.contains("--port <PORT>")
                && help.contains("1 to 65535 (port 0 is a usage error, exit 2)"),
            "{cmd}: {help}"
        );
    }
}

/// The records of a classic little-endian pcap: (start, end) of each,
/// its 16-byte record header included.
fn pcap_records(pcap: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 24;
    while let Some(h) = pcap.get(at..at + 16) {
        let end = at + 16 + u32::from_le_bytes([h[8], h[9], h[10], h[11]]) as usize;
        out.push((at, end));
        at = end;
    }
    out
}

/// tshark's `fields` of the frames `filter` selects, one row a frame;
/// `None` when tshark is not installed.
fn tshark_rows(cap: &Path, filter: &str, fields: &[&str]) -> Option<Vec<Vec<String>>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(cap).args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().ok()?;
    assert!(out.status.success(), "tshark on {}", cap.display());
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect(),
    )
}

/// An SMB2 header whose StructureSize is not 64 ([MS-SMB2] 2.2.1.1,
/// 2.2.1.2: it MUST be) is listed all the same, its fields read at the
/// offsets of a 64-byte header, as tshark reads them (`smb2.header_len`,
/// no expert note), and flagged: `header_structure_size` in JSON, "[header
/// StructureSize N, not 64]" in the text. ntlm-wrong-password.pcap with
/// the StructureSize of frame 9's header (a SESSION_SETUP response)
/// patched to 0, 65 and 128: every key of every message is the sample's
/// but that one; and zeek-smb2-fscontrol-port139 (corpus), a real message
/// with StructureSize 319 (tshark: smb2.header_len 319, SetInfo Response).
#[test]
fn an_smb2_header_of_another_structure_size_is_listed_and_flagged() {
    let path = sample("ntlm-wrong-password.pcap");
    let source = std::fs::read(&path).unwrap();
    let whole = jsonl_values(&path);
    assert!(whole
        .iter()
        .all(|m| m.get("header_structure_size").is_none()));
    let (start, end) = pcap_records(&source)[8];
    let at = start
        + source[start..end]
            .windows(4)
            .position(|w| w == b"\xfeSMB")
            .expect("frame 9 holds an SMB2 header");
    assert_eq!(source[at + 4..at + 6], [64, 0]);
    for size in [0u16, 65, 128] {
        let mut patched = source.clone();
        patched[at + 4..at + 6].copy_from_slice(&size.to_le_bytes());
        let cap = tmp(&format!("structure-size{size}.pcap"), &patched);
        let got = jsonl_values(&cap);
        assert_eq!(got.len(), whole.len());
        for (g, w) in got.iter().zip(&whole) {
            let mut g = g.clone();
            let flagged = g.as_object_mut().unwrap().remove("header_structure_size");
            let want = (w["frame"] == 9).then(|| serde_json::Value::from(size));
            assert_eq!(flagged, want, "{size}: {g}");
            assert_eq!(&g, w, "{size}");
        }
        if let Some(rows) = tshark_rows(cap.path(), "frame.number == 9", &["smb2.header_len"]) {
            assert_eq!(rows, [[size.to_string()]]);
        }
        let (_, line) = messages_text_line(cap.path(), "SESSION_SETUP rsp");
        assert!(
            line.contains(&format!("[header StructureSize {size}, not 64]")),
            "{line}"
        );
    }
    let Some(zeek) = common::corpus_capture("zeek-smb2-fscontrol-port139.pcap") else {
        return;
    };
    let got = jsonl_values(&zeek);
    assert_eq!(
        got.iter()
            .map(|m| (m["command"].as_str(), m["header_structure_size"].as_u64()))
            .collect::<Vec<_>>(),
        [(Some("SET_INFO"), Some(319))]
    );
    if let Some(rows) = tshark_rows(&zeek, "smb2", &["smb2.header_len", "smb2.cmd"]) {
        assert_eq!(rows, [["319", "17"]]);
    }
}

/// After a gap, the framer resynchronizes on a session message whose SMB2
/// header has StructureSize 64, not on any 0xFE 'SMB' in the data:
/// sv-smb302-null-linktype-kerberos (corpus) without its frame 368, the
/// first segment of a WRITE request whose data (frame 370, 369 once 368 is
/// gone) holds `00 00 10 78 fe 53 4d 42 45 45` (a NetBIOS length of 4216,
/// 0xFE 'SMB', then 'EE' where StructureSize would be). Taken for a
/// message start, those 4216 bytes swallowed the client's next 13 requests
/// (frames 371 to 378); now each is listed, as tshark lists them on the
/// same copy (`smb2.cmd` of the client's frames).
#[test]
fn a_resync_after_a_gap_passes_over_smb2_lookalikes_in_data() {
    let Some(path) = common::corpus_capture("sv-smb302-null-linktype-kerberos.pcap") else {
        return;
    };
    let source = std::fs::read(&path).unwrap();
    let records = pcap_records(&source);
    let (lost, _) = records[367];
    let (_, lost_end) = records[367];
    let data = &source[records[369].0..records[369].1];
    assert!(
        data.windows(10).any(|w| w == b"\x00\x00\x10\x78\xfeSMBEE"),
        "frame 370 holds the lookalike"
    );
    let mut cut = source[..lost].to_vec();
    cut.extend_from_slice(&source[lost_end..]);
    let cap = tmp("resync-lookalike.pcap", &cut);
    let ours: Vec<(u64, String)> = jsonl_values(cap.path())
        .into_iter()
        .filter(|m| m["dst"].as_str().is_some_and(|d| d.ends_with(":445")))
        .filter(|m| (369..=380).contains(&m["frame"].as_u64().unwrap_or(0)))
        .map(|m| {
            let c = m["command"].as_str().unwrap_or("?").to_string();
            (m["frame"].as_u64().unwrap_or(0), c)
        })
        .collect();
    assert_eq!(ours.len(), 13, "{ours:?}");
    let Some(rows) = tshark_rows(
        cap.path(),
        "smb2 && tcp.dstport == 445 && frame.number >= 369 && frame.number <= 380",
        &["frame.number", "smb2.cmd"],
    ) else {
        eprintln!("note: tshark is not installed; not compared");
        return;
    };
    let names = [
        "CREATE",
        "CLOSE",
        "READ",
        "WRITE",
        "QUERY_DIRECTORY",
        "QUERY_INFO",
        "SET_INFO",
    ];
    let codes = [5u16, 6, 8, 9, 14, 16, 17];
    let theirs: Vec<(u64, String)> = rows
        .iter()
        .flat_map(|r| {
            let frame: u64 = r[0].parse().unwrap();
            r[1].split(',')
                .map(|c| {
                    let c: u16 = c.parse().unwrap();
                    let i = codes.iter().position(|&k| k == c).expect("a known command");
                    (frame, names[i].to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(ours, theirs);
}

/// The data of an SMB1 READ_ANDX response or WRITE_ANDX request that ends
/// its AndX chain is not kept, as an SMB2 READ's or WRITE's is not: a
/// message spanning segments keeps its header, WordCount, words and
/// ByteCount ([MS-CIFS] 2.2.3.1, 2.2.3.2; 2.2.4.42.2, 2.2.4.43.1), 35 + 2 ×
/// WordCount bytes, and its DataLength is read all the same (tshark's
/// smb.data_len_low + 65536 × smb.data_len_high, frame by frame). A
/// READ_ANDX chained after another command (smb1-files-andx frame 15, an
/// OPEN_ANDX response) is kept whole.
#[test]
fn smb1_read_and_write_data_is_not_kept() {
    for (name, cut) in [("smb1-files-put-get.pcap", 3), ("smb1-files-andx.pcap", 2)] {
        let path = sample(name);
        let mut ours = Vec::new();
        let mut kept = 0;
        for m in jsonl_values(&path) {
            let Some(fc) = m["smb1"]["file_commands"]
                .as_array()
                .and_then(|v| v.first())
            else {
                continue;
            };
            let data = match (fc["command"].as_str(), m["response"].as_bool()) {
                (Some("SMB_COM_READ_ANDX"), Some(true)) => fc["data_length"].as_u64(),
                (Some("SMB_COM_WRITE_ANDX"), Some(false)) => fc["data_length"].as_u64(),
                _ => continue,
            };
            if let Some(k) = m["kept_bytes"].as_u64() {
                let wc = fc["word_count"].as_u64().unwrap();
                assert_eq!(k, 35 + 2 * wc, "{name}: {m}");
                assert!(k < m["length"].as_u64().unwrap(), "{name}: {m}");
                kept += 1;
            }
            ours.push((m["frame"].as_u64().unwrap(), data.unwrap()));
        }
        assert_eq!(kept, cut, "{name}");
        let Some(rows) = tshark_rows(
            &path,
            "smb.data_len_low && !(smb.cmd == 0x2d)",
            &["frame.number", "smb.data_len_low", "smb.data_len_high"],
        ) else {
            continue;
        };
        let theirs: Vec<(u64, u64)> = rows
            .iter()
            .flat_map(|r| {
                let frame: u64 = r[0].parse().unwrap();
                let high: Vec<u64> = r[2].split(',').map(|x| x.parse().unwrap()).collect();
                r[1].split(',')
                    .zip(high)
                    .map(move |(low, high)| (frame, low.parse::<u64>().unwrap() + 65536 * high))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(ours, theirs, "{name}");
    }
}

/// A KDC reply armored with FAST hides the client's name (RFC 6113 5.4.1,
/// hide-client-names): Samba's Heimdal KDC names the anonymous principal
/// (krb5-success frame 27, tshark `kerberos.CNameString`
/// WELLKNOWN,ANONYMOUS, `kerberos.padata_type` 136), macOS's Heimdal LKDC
/// leaves cname empty (sv-smb302-null-linktype-kerberos frame 17, a TGS-REP
/// inside IAKERB, `padata_types` PA-FX-FAST in our JSON Lines; tshark does
/// not dissect IAKERB). Neither is an anonymous logon: the text says the
/// name is hidden, as the session's `client_principal` is taken from the
/// AS-REP instead.
#[test]
fn fast_armored_kdc_replies_say_the_client_name_is_hidden() {
    let path = common::root().join("samples/krb5-success.pcap");
    let (_, line) = messages_text_line(&path, "TGS-REP");
    assert!(
        line.contains(
            "Kerberos TGS-REP WELLKNOWN/ANONYMOUS@WELLKNOWN:ANONYMOUS (client name hidden by FAST) ticket cifs/dc1.samples.smbscope.test@SAMPLES.SMBSCOPE.TEST"
        ),
        "{line}"
    );
    let (_, line) = messages_text_line(&path, "AS-REP");
    assert!(
        line.contains("Kerberos AS-REP alice@SAMPLES.SMBSCOPE.TEST ticket"),
        "{line}"
    );
    let Some(path) = common::corpus_capture("sv-smb302-null-linktype-kerberos.pcap") else {
        return;
    };
    let (_, line) = messages_text_line(&path, "TGS-REP");
    assert!(line.starts_with("     17 "), "{line}");
    assert!(
        line.contains("Kerberos TGS-REP (client name hidden by FAST) ticket cifs/localhost@"),
        "{line}"
    );
}
