//! The differential test against tshark: for every capture of
//! ../shared/corpus/public (when that folder is there) and samples/, the
//! per-stream sequence of SMB2 messages — (command, response, status, message
//! id, session id, tree id), transform headers by session id, SMB1 messages by
//! command — equals tshark 4.0.17's, and so do the frame numbers wherever
//! tshark reassembles (a message with bytes missing from the capture is one
//! it cannot; see `agree`), except in the cases listed in [`KNOWN`] with the
//! reason.
//!
//! tshark's fields come from `*.tshark.tsv` (the corpus ships them; for the
//! samples `scripts/tshark-fields.sh` writes them into samples/tshark/).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use smbscope::capture::CaptureReader;
use smbscope::pipeline::{self, Event, Kind, Options};

mod common;
mod pcap_build;

/// One message as both sides describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    frame: u64,
    /// kind/command/response/message id/session id
    key: String,
    /// NTSTATUS of a response; `None` where tshark's list cannot be aligned.
    status: Option<u32>,
    /// tree id, when known (tshark omits it for async headers).
    tid: Option<String>,
    /// Ours only: the message has bytes missing from the capture.
    incomplete: bool,
    /// The frame's time stamp (seconds and nanoseconds since the epoch),
    /// tshark's frame.time_epoch: per-interface and per-file resolutions
    /// (microseconds, nanoseconds) must give the same instant.
    time: (i64, u32),
}

type Streams = BTreeMap<u64, Vec<Entry>>;

fn smb2_key(cmd: u16, resp: bool, mid: u64, sesid: u64) -> String {
    format!("smb2/{cmd}/{}/{mid}/{sesid:#018x}", u8::from(resp))
}

fn plain(frame: u64, time: (i64, u32), key: String) -> Entry {
    Entry {
        frame,
        key,
        status: None,
        tid: None,
        incomplete: false,
        time,
    }
}

fn ours(path: &Path) -> Streams {
    let file = File::open(path).expect("capture opens");
    let mut reader = CaptureReader::new(file).expect("a capture");
    let mut opts = Options::default();
    opts.smb_ports.extend([4455, 4456, 4457]);
    let mut out = Streams::new();
    let outcome = pipeline::run(&mut reader, &opts, |ev| {
        let Event::Message(m) = ev else { return };
        let time = (m.ts.secs, m.ts.nanos);
        let entry = match (m.kind, m.header, m.transform, m.smb1) {
            (Kind::Smb2, Some(h), _, _) => Entry {
                frame: m.frame,
                key: smb2_key(h.command.0, h.is_response(), h.message_id, h.session_id),
                status: h.is_response().then_some(h.status),
                tid: h.tree_id.map(|t| format!("{t:#010x}")),
                incomplete: m.missing > 0,
                time,
            },
            // A transform header cut before the end of its SessionId has
            // none, and tshark lists no SessionId for it either.
            (Kind::Smb2Transform, _, Some(t), _) => match t.session_id {
                Some(id) => plain(m.frame, time, format!("transform/{id:#018x}")),
                None => return,
            },
            (Kind::Smb1, _, _, Some(s)) => plain(m.frame, time, format!("smb1/{:#04x}", s.command)),
            _ => return,
        };
        out.entry(m.stream).or_default().push(entry);
    });
    assert!(
        outcome.error.is_none(),
        "{}: {:?}",
        path.display(),
        outcome.error
    );
    out
}

fn split(s: &str) -> Vec<&str> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').collect()
    }
}

/// tshark's frame.time_epoch ("1476605277.277352000") as seconds and nanoseconds.
fn epoch(s: &str) -> (i64, u32) {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
    (
        secs.parse().unwrap_or(i64::MIN),
        digits.parse().unwrap_or(u32::MAX),
    )
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or(u64::MAX)
}

/// tshark's rows → per-stream entries, in frame order.
fn theirs(tsv: &Path) -> Streams {
    theirs_of(&std::fs::read_to_string(tsv).expect("tsv reads"), false)
}

/// [`theirs`] of the text of a tsv. With `whole_headers_only`, an SMB2
/// header for which tshark lists no SessionId is left out: one cut by the
/// snaplen before the end of its SessionId, whose first fields tshark shows
/// and we do not read (see `headers_cut_by_the_snaplen_agree_with_tshark`).
fn theirs_of(text: &str, whole_headers_only: bool) -> Streams {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let (c_frame, c_stream, c_time) = (
        col("frame.number"),
        col("tcp.stream"),
        col("frame.time_epoch"),
    );
    let (c_cmd, c_resp, c_status) = (
        col("smb2.cmd"),
        col("smb2.flags.response"),
        col("smb2.nt_status"),
    );
    let (c_mid, c_ses, c_tid, c_smb1) = (
        col("smb2.msg_id"),
        col("smb2.sesid"),
        col("smb2.tid"),
        col("smb.cmd"),
    );
    let mut out = Streams::new();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let get = |c: usize| f.get(c).copied().unwrap_or("");
        let Ok(frame) = get(c_frame).parse::<u64>() else {
            continue;
        };
        let Ok(stream) = get(c_stream).parse::<u64>() else {
            continue;
        };
        let time = epoch(get(c_time));
        let v = out.entry(stream).or_default();
        // smb.cmd lists AndX follow-ups too (0xff: none); a message is its
        // first command, and a command after a 0xff begins the frame's next
        // message (smbclient's READ_ANDX responses, two in a segment).
        let smb1 = split(get(c_smb1));
        for (i, cmd) in smb1.iter().enumerate() {
            if i == 0 || smb1[i - 1] == "0xff" {
                v.push(plain(frame, time, format!("smb1/{:#04x}", hex(cmd))));
            }
        }
        let cmds = split(get(c_cmd));
        let sesids = split(get(c_ses));
        if cmds.is_empty() {
            for s in sesids {
                v.push(plain(frame, time, format!("transform/{:#018x}", hex(s))));
            }
            continue;
        }
        let mut cmds = cmds;
        if whole_headers_only {
            // A frame's cut header is its last.
            cmds.truncate(sesids.len());
        }
        let resps = split(get(c_resp));
        let mids = split(get(c_mid));
        let tids = split(get(c_tid));
        let statuses = split(get(c_status));
        let n_resp = resps.iter().filter(|r| **r == "1").count();
        let mut st_iter = statuses.iter();
        for (i, cmd) in cmds.iter().enumerate() {
            let resp = resps.get(i) == Some(&"1");
            // nt_status is listed for responses only; when the count differs (a
            // nested status in a body), the statuses of this frame are not compared.
            let status = if resp && statuses.len() == n_resp {
                st_iter.next().map(|s| hex(s) as u32)
            } else {
                None
            };
            v.push(Entry {
                frame,
                key: smb2_key(
                    cmd.parse().unwrap_or(u16::MAX),
                    resp,
                    mids.get(i).and_then(|m| m.parse().ok()).unwrap_or(u64::MAX),
                    sesids.get(i).map_or(u64::MAX, |s| hex(s)),
                ),
                status,
                tid: (tids.len() == cmds.len()).then(|| format!("{:#010x}", hex(tids[i]))),
                incomplete: false,
                time,
            });
        }
    }
    out.retain(|_, v| !v.is_empty());
    out
}

/// Differences from tshark that we believe are tshark's, or the capture's, with the reason.
const KNOWN: &[(&str, &str)] = &[];

fn agree(g: &Entry, w: &Entry) -> bool {
    let status_ok = match (g.status, w.status) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    let tid_ok = match (&g.tid, &w.tid) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    // A message we report incomplete (bytes of it missing, e.g. cut by the
    // snaplen) is one tshark cannot reassemble: it shows the header in the
    // frame where the message starts, ours is the frame of its last byte.
    let frame_ok = if g.incomplete {
        w.frame <= g.frame
    } else {
        g.frame == w.frame && g.time == w.time
    };
    g.key == w.key && frame_ok && status_ok && tid_ok
}

/// Compares one capture. Messages we report with bytes missing (a gap inside
/// them) that tshark does not show at all are allowed: tshark cannot
/// reassemble a PDU with a hole and drops it (or, when the frames are cut by
/// the snaplen, shows the header at the PDU's first frame; see `agree`); we
/// report its header, marked incomplete. Those tshark drops are counted in
/// `extra_incomplete`.
fn compare(
    name: &str,
    ours: &Streams,
    theirs: &Streams,
    extra_incomplete: &mut usize,
) -> Vec<String> {
    let mut problems = Vec::new();
    let empty = Vec::new();
    for (stream, want) in theirs {
        let got = ours.get(stream).unwrap_or(&empty);
        let (mut i, mut j) = (0, 0);
        while i < got.len() || j < want.len() {
            match (got.get(i), want.get(j)) {
                (Some(g), Some(w)) if agree(g, w) => {
                    i += 1;
                    j += 1;
                }
                (Some(g), _) if g.incomplete => {
                    *extra_incomplete += 1;
                    i += 1;
                }
                (g, w) => {
                    problems.push(format!(
                        "{name} stream {stream} #{j}: ours {g:?} tshark {w:?}"
                    ));
                    break;
                }
            }
        }
    }
    for (stream, got) in ours {
        if !theirs.contains_key(stream) {
            problems.push(format!(
                "{name} stream {stream}: {} messages tshark does not show, first {:?}",
                got.len(),
                got[0]
            ));
        }
    }
    problems
}

fn captures() -> Vec<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = Vec::new();
    let corpus = root.join("../shared/corpus/public");
    if corpus.is_dir() {
        for e in std::fs::read_dir(&corpus).expect("corpus lists").flatten() {
            let p = e.path();
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if name.ends_with(".pcap") || name.ends_with(".pcapng") {
                v.push((p.clone(), corpus.join(format!("{name}.tshark.tsv"))));
            }
        }
    } else {
        eprintln!(
            "note: {} is absent; only samples/ are compared",
            corpus.display()
        );
    }
    for e in std::fs::read_dir(root.join("samples"))
        .expect("samples list")
        .flatten()
    {
        let p = e.path();
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.ends_with(".pcap") || name.ends_with(".pcapng") {
            v.push((
                p.clone(),
                root.join("samples/tshark")
                    .join(format!("{name}.tshark.tsv")),
            ));
        }
    }
    v.sort();
    v.extend(extra_captures());
    v
}

/// Captures named in `SMBSCOPE_DIFF_EXTRA` (paths separated by ':'), each
/// compared against the `NAME.tshark.tsv` beside it: for large captures that
/// do not belong in the repo, such as the benchmark captures (BENCHMARKS.md,
/// "Agreement with tshark at scale"). Unset, nothing is added.
fn extra_captures() -> Vec<(PathBuf, PathBuf)> {
    let Some(list) = std::env::var_os("SMBSCOPE_DIFF_EXTRA") else {
        return Vec::new();
    };
    std::env::split_paths(&list)
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| {
            let mut tsv = p.clone().into_os_string();
            tsv.push(".tshark.tsv");
            (p, PathBuf::from(tsv))
        })
        .collect()
}

/// tshark's fields for `cap`, as scripts/tshark-fields.sh writes them;
/// `None` when tshark cannot be run.
fn tshark_fields(cap: &Path) -> Option<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tshark-fields.sh");
    let text = std::fs::read_to_string(script).expect("the script reads");
    // The script's -e options, so that both stay alike.
    let fields: Vec<&str> = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] == "-e")
        .map(|w| w[1])
        .collect();
    assert!(fields.len() > 20, "{fields:?}");
    let mut cmd = common::tshark_fields(cap, "smb2 || smb", ',');
    cmd.args(["-E", "header=y"]);
    for p in [4455, 4456, 4457] {
        cmd.args(["-d", &format!("tcp.port=={p},nbss")]);
    }
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.stderr(std::process::Stdio::null()).output().ok()?;
    assert!(out.status.success(), "tshark on {}", cap.display());
    Some(String::from_utf8(out.stdout).expect("tshark writes UTF-8"))
}

/// Frames cut by the snaplen inside the SMB2 header: copies of samples
/// with every record cut to 80..140 bytes (pcap_build::snapped, what
/// `editcap -F pcap -s` writes, `-F nsecpcap` for nanoseconds, checked
/// against editcap where it is installed), compared with a live tshark on each copy. Every header with
/// its first 48 bytes (all fields but the Signature) in the capture has the
/// fields tshark shows; a header cut before the end of its SessionId is left
/// out on both sides (tshark shows its first fields, we keep such a message
/// without a header). Skipped, with a note, where tshark is not installed.
#[test]
fn headers_cut_by_the_snaplen_agree_with_tshark() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let dir = common::ScratchDir::new("snaplen");
    // Ethernet (the SMB2 header at byte 70 of a frame), Linux cooked v2
    // with nanoseconds (76), and encrypted messages (the 52-byte transform
    // header at 70).
    let samples = [
        "ntlm-wrong-password.pcap",
        "ntlm-sll2-nanosecond.pcap",
        "ntlm-smb311-encrypted.pcap",
    ];
    let snaplens = [
        80, 90, 100, 110, 117, 118, 119, 120, 122, 123, 124, 125, 130, 133, 134, 135, 140,
    ];
    let (mut all, mut compared, mut extra) = (Vec::new(), 0usize, 0usize);
    for name in samples {
        let source = std::fs::read(root.join(name)).expect("sample");
        for snaplen in snaplens {
            let bytes = pcap_build::snapped(&source, snaplen);
            let cut = dir.join(format!("{name}-s{snaplen}.pcap"));
            std::fs::write(&cut, &bytes).expect("written");
            if snaplen == 120 {
                let by_editcap = dir.join(format!("{name}-editcap.pcap"));
                let nanosecond = source[..4] == [0x4d, 0x3c, 0xb2, 0xa1];
                let format = if nanosecond { "nsecpcap" } else { "pcap" };
                let ran = std::process::Command::new("editcap")
                    .args(["-F", format, "-s", "120"])
                    .arg(root.join(name))
                    .arg(&by_editcap)
                    .status();
                if ran.is_ok_and(|s| s.success()) {
                    assert!(
                        std::fs::read(&by_editcap).expect("editcap's") == bytes,
                        "{name}: not what editcap writes"
                    );
                }
            }
            let Some(tsv) = tshark_fields(&cut) else {
                eprintln!("note: tshark is not installed; cut headers not compared");
                return;
            };
            let theirs = theirs_of(&tsv, true);
            compared += theirs.values().map(Vec::len).sum::<usize>();
            let label = format!("{name} cut to {snaplen}");
            all.extend(compare(&label, &ours(&cut), &theirs, &mut extra));
        }
    }
    eprintln!("{compared} messages of cut captures compared");
    // The samples hold 6, 30 and 38 messages, every one whole in the
    // copies that keep 48 bytes of each SMB2 header (12 of the snaplens for
    // Ethernet, 7 for Linux cooked v2) and 52 of each transform header (9).
    assert!(compared >= 6 * 12 + 30 * 7 + 38 * 9, "{compared}");
    assert!(
        all.is_empty(),
        "{} differences:\n{}",
        all.len(),
        all.join("\n")
    );
}

#[test]
fn messages_agree_with_tshark() {
    let mut all = Vec::new();
    let mut compared = 0;
    let mut extra_incomplete = 0;
    for (cap, tsv) in captures() {
        assert!(
            tsv.is_file(),
            "no tshark fields for {} (run scripts/tshark-fields.sh)",
            cap.display()
        );
        let name = cap
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let problems = compare(&name, &ours(&cap), &theirs(&tsv), &mut extra_incomplete);
        compared += 1;
        if let Some((_, why)) = KNOWN.iter().find(|(n, _)| *n == name) {
            eprintln!("known difference in {name}: {why}");
            continue;
        }
        all.extend(problems);
    }
    assert!(compared > 0);
    eprintln!("{compared} captures compared; {extra_incomplete} incomplete messages reported that tshark drops");
    assert!(
        all.is_empty(),
        "{} differences:\n{}",
        all.len(),
        all.join("\n")
    );
}

/// Decoded fields, end to end through the pipeline and the JSON output, per
/// frame: every value we print must be one tshark shows for the same frame
/// (tshark also lists nested values, e.g. the AP-REQ inside a TGS-REQ, and
/// names from other messages, so ours are a subset), and where we decoded a
/// SESSION_SETUP or Kerberos message, tshark decoded the same token kind.
mod fields {
    use super::*;
    use serde_json::Value;
    use smbscope::report::messages::MessageJson;
    use std::collections::BTreeSet;

    type Frames = BTreeMap<u64, BTreeMap<&'static str, Vec<String>>>;

    fn dialect_code(s: &str) -> Option<u16> {
        Some(match s {
            "2.0.2" => 0x0202,
            "2.1" => 0x0210,
            "3.0" => 0x0300,
            "3.0.2" => 0x0302,
            "3.1.1" => 0x0311,
            "2.???" => 0x02ff,
            _ => return None,
        })
    }

    fn s(v: &Value, path: &[&str]) -> Option<String> {
        let mut cur = v;
        for p in path {
            cur = cur.get(p)?;
        }
        match cur {
            Value::String(x) => Some(x.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn null_if_empty(x: String) -> String {
        if x.is_empty() {
            "NULL".into()
        } else {
            x
        }
    }

    /// Our values per frame, in tshark's spelling.
    fn ours(path: &Path) -> (Frames, BTreeSet<u64>, BTreeSet<u64>) {
        let mut reader = CaptureReader::new(File::open(path).expect("opens")).expect("capture");
        let mut opts = Options::default();
        opts.smb_ports.extend([4455, 4456, 4457]);
        let mut out = Frames::new();
        let mut token_frames = BTreeSet::new();
        let mut iakerb_frames = BTreeSet::new();
        pipeline::run(&mut reader, &opts, |ev| {
            let Event::Message(m) = ev else { return };
            let dec = m.decode();
            let v = serde_json::to_value(MessageJson { msg: m, dec: &dec }).expect("serializes");
            let f = out.entry(m.frame).or_default();
            let mut add = |k: &'static str, x: Option<String>| {
                if let Some(x) = x {
                    f.entry(k).or_default().push(x);
                }
            };
            let command = v.get("command").and_then(Value::as_str);
            if matches!(
                command,
                Some("SESSION_SETUP" | "SMB_COM_SESSION_SETUP_ANDX")
            ) || m.kind == Kind::Kerberos
            {
                token_frames.insert(m.frame);
            }
            if let Some(ds) = v.pointer("/negotiate/dialects").and_then(Value::as_array) {
                for d in ds.iter().filter_map(Value::as_str) {
                    add("smb2.dialect", dialect_code(d).map(|c| format!("{c:#06x}")));
                }
            }
            add(
                "smb2.dialect",
                s(&v, &["negotiate", "dialect"])
                    .and_then(|d| dialect_code(&d))
                    .map(|c| format!("{c:#06x}")),
            );
            add("smb2.tree", s(&v, &["tree_connect", "share"]));
            if m.response() == Some(false) {
                // tshark shows no value for the empty name (the share's root).
                add(
                    "smb2.filename",
                    s(&v, &["create", "filename"]).filter(|n| !n.is_empty()),
                );
            }
            let Some(a) = v.get("auth") else { return };
            if s(a, &["krb5_mech"]).as_deref() == Some("iakerb") {
                iakerb_frames.insert(m.frame);
            }
            let mt = s(a, &["ntlmssp", "message_type"]).map(|t| match t.as_str() {
                "NEGOTIATE" => "0x00000001".to_string(),
                "CHALLENGE" => "0x00000002".to_string(),
                "AUTHENTICATE" => "0x00000003".to_string(),
                other => other.to_string(),
            });
            // A NEGOTIATE may name the client's domain and workstation too
            // (tshark: ntlmssp.negotiate.*); the auth columns are AUTHENTICATE's.
            let authenticate = mt.as_deref() == Some("0x00000003");
            add("ntlmssp.messagetype", mt);
            let mut add = |k: &'static str, x: Option<String>| {
                if authenticate || !k.starts_with("ntlmssp.auth.") {
                    add(k, x)
                }
            };
            add(
                "ntlmssp.auth.username",
                s(a, &["ntlmssp", "user"]).map(null_if_empty),
            );
            add(
                "ntlmssp.auth.domain",
                s(a, &["ntlmssp", "domain"]).map(null_if_empty),
            );
            add(
                "ntlmssp.auth.hostname",
                s(a, &["ntlmssp", "workstation"]).map(null_if_empty),
            );
            add(
                "ntlmssp.ntlmserverchallenge",
                s(a, &["ntlmssp", "server_challenge"]),
            );
            let nr = s(a, &["neg_result"]).map(|r| match r.as_str() {
                "accept-completed" => "0".to_string(),
                "accept-incomplete" => "1".to_string(),
                "reject" => "2".to_string(),
                "request-mic" => "3".to_string(),
                other => other.to_string(),
            });
            add("spnego.negResult", nr);
            let kt = s(a, &["kerberos", "msg_type"]).map(|t| match t.as_str() {
                "AS-REQ" => "10".to_string(),
                "AS-REP" => "11".to_string(),
                "TGS-REQ" => "12".to_string(),
                "TGS-REP" => "13".to_string(),
                "AP-REQ" => "14".to_string(),
                "AP-REP" => "15".to_string(),
                "KRB-ERROR" => "30".to_string(),
                other => other.to_string(),
            });
            add("kerberos.msg_type", kt);
            add("kerberos.realm", s(a, &["kerberos", "realm"]));
            add("kerberos.CNameString", s(a, &["kerberos", "cname"]));
            if let Some(sn) = s(a, &["kerberos", "sname"]) {
                for part in sn.split('/') {
                    add("kerberos.SNameString", Some(part.to_string()));
                }
            }
        });
        (out, token_frames, iakerb_frames)
    }

    const FIELDS: &[&str] = &[
        "smb2.dialect",
        "smb2.tree",
        "smb2.filename",
        "ntlmssp.messagetype",
        "ntlmssp.auth.username",
        "ntlmssp.auth.domain",
        "ntlmssp.auth.hostname",
        "ntlmssp.ntlmserverchallenge",
        "spnego.negResult",
        "kerberos.msg_type",
        "kerberos.realm",
        "kerberos.CNameString",
        "kerberos.SNameString",
    ];

    fn theirs(tsv: &Path) -> BTreeMap<u64, BTreeMap<&'static str, Vec<String>>> {
        let text = std::fs::read_to_string(tsv).expect("tsv");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let mut out = BTreeMap::new();
        for line in lines {
            let f: Vec<&str> = line.split('\t').collect();
            let Ok(frame) = f[0].parse::<u64>() else {
                continue;
            };
            let mut m: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
            for name in FIELDS {
                let Some(c) = header.iter().position(|h| h == name) else {
                    continue;
                };
                let vals = split(f.get(c).copied().unwrap_or(""));
                let vals = vals.into_iter().map(|x| {
                    if *name == "smb2.dialect" {
                        format!("{:#06x}", hex(x))
                    } else if *name == "ntlmssp.messagetype" {
                        format!("{:#010x}", hex(x))
                    } else {
                        x.to_string()
                    }
                });
                m.insert(name, vals.collect());
            }
            out.insert(frame, m);
        }
        out
    }

    #[test]
    fn decoded_fields_agree_with_tshark() {
        let mut problems = Vec::new();
        let (mut values, mut frames_with_tokens, mut iakerb_values) = (0usize, 0usize, 0usize);
        for (cap, tsv) in captures() {
            let name = cap
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let (ours, token_frames, iakerb_frames) = ours(&cap);
            let theirs = theirs(&tsv);
            for (frame, fields) in &ours {
                // The reference rows are the frames tshark shows as SMB or SMB2;
                // Kerberos on port 88 is compared with a live tshark in tests/auth_corpus.rs.
                let Some(t) = theirs.get(frame) else { continue };
                let t = Some(t);
                for (field, vals) in fields {
                    let pool: Vec<&String> = t
                        .and_then(|t| t.get(field))
                        .map(|v| v.iter().collect())
                        .unwrap_or_default();
                    for v in vals {
                        values += 1;
                        // tshark lists "," inside values as separators too: compare loosely for those.
                        // IAKERB (draft-ietf-kitten-iakerb, as macOS sends to its local KDC):
                        // tshark 4.0 does not decode the Kerberos message inside the IAKERB header.
                        if pool.is_empty()
                            && field.starts_with("kerberos.")
                            && iakerb_frames.contains(frame)
                        {
                            iakerb_values += 1;
                            continue;
                        }
                        if !pool.contains(&v) && !v.contains(',') {
                            problems.push(format!(
                                "{name} frame {frame} {field}: ours {v:?}, tshark {pool:?}"
                            ));
                        }
                    }
                }
            }
            for frame in &token_frames {
                let Some(t) = theirs.get(frame) else { continue };
                frames_with_tokens += 1;
                let t = Some(t);
                let has = |f: &str| t.and_then(|t| t.get(f)).is_some_and(|v| !v.is_empty());
                let o = ours.get(frame);
                let we = |f: &str| o.and_then(|o| o.get(f)).is_some_and(|v| !v.is_empty());
                for f in ["ntlmssp.messagetype", "kerberos.msg_type"] {
                    if has(f) && !we(f) && !known_undecoded(&name, *frame) {
                        problems.push(format!(
                            "{name} frame {frame}: tshark decodes {f}, we do not"
                        ));
                    }
                }
            }
        }
        eprintln!(
            "{values} decoded values compared ({iakerb_values} inside IAKERB, which tshark does not decode), \
             {frames_with_tokens} frames with tokens"
        );
        assert!(
            problems.is_empty(),
            "{} differences:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }

    /// Frames where tshark decodes a token we do not, with the reason.
    fn known_undecoded(_name: &str, _frame: u64) -> bool {
        false
    }
}

/// Our compact JSON writer (src/report/json.rs, a speed measure) writes every
/// message of every capture exactly as serde_json would.
#[test]
fn json_writer_matches_serde_json_on_every_message() {
    use smbscope::report::messages::MessageJson;
    let mut lines = 0usize;
    for (cap, _) in captures() {
        let mut reader = CaptureReader::new(File::open(&cap).expect("opens")).expect("capture");
        let mut opts = Options::default();
        opts.smb_ports.extend([4455, 4456, 4457]);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let mut cache = smbscope::report::messages::LineCache::default();
        pipeline::run(&mut reader, &opts, |ev| {
            let Event::Message(m) = ev else { return };
            let dec = m.decode();
            let v = MessageJson { msg: m, dec: &dec };
            ours.clear();
            smbscope::report::messages::write_message_json(&mut ours, m, &dec, &mut cache)
                .expect("ours");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&serde_json::to_vec(&v).expect("serde_json")),
                "{} frame {}: the line writer",
                cap.display(),
                m.frame
            );
            ours.clear();
            smbscope::report::json::to_vec(&mut ours, &v).expect("ours");
            theirs = serde_json::to_vec(&v).expect("serde_json");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{} frame {}",
                cap.display(),
                m.frame
            );
            lines += 1;
        });
    }
    eprintln!("{lines} messages written alike");
}

/// A NetBIOS session packet as both sides describe it: type, called and
/// calling names, negative-response error code, retarget address and port
/// (each empty when not given).
type NbssRow = (String, String, String, String, String, String);

/// Our NetBIOS session packets of `cap` by frame, from the JSON output,
/// whether the capture has a message on TCP 139, and the frames of packets
/// we could not decode (`netbios_error`).
fn netbios_ours(cap: &Path) -> (BTreeMap<u64, NbssRow>, bool, Vec<u64>) {
    use smbscope::report::messages::MessageJson;
    let mut reader = CaptureReader::new(File::open(cap).expect("opens")).expect("capture");
    let mut ours = BTreeMap::new();
    let mut on_139 = false;
    let mut errors = Vec::new();
    pipeline::run(&mut reader, &Options::default(), |ev| {
        let Event::Message(m) = ev else { return };
        on_139 |= m.src.port() == 139 || m.dst.port() == 139;
        // Session messages are not compared (tshark's `nbss.type != 0`):
        // one cut before its protocol id's end is kind netbios too
        // (tests/cli.rs a_session_message_cut_before_its_protocol_id_is_not_guessed_smb2).
        if m.kind != Kind::Netbios || m.netbios.is_some_and(|t| t.0 == 0) {
            return;
        }
        let dec = m.decode();
        let v = serde_json::to_value(MessageJson { msg: m, dec: &dec }).expect("json");
        if v.get("netbios_error").is_some() {
            errors.push(m.frame);
        }
        let s = |k: &str| v["netbios"][k].as_str().unwrap_or_default().to_string();
        let code = v["netbios"]["error_code"]
            .as_u64()
            .map_or(String::new(), |c| format!("{c:#04x}"));
        // "ip:port" whole; "ip" alone when the capture cut the port
        let (ip, port) = match v["netbios"]["retarget"].as_str() {
            Some(to) => match to.rsplit_once(':') {
                Some((ip, port)) => (ip.to_string(), port.to_string()),
                None => (to.to_string(), String::new()),
            },
            None => (s("retarget_address"), String::new()),
        };
        let kind = format!("{:#04x}", m.netbios.map_or(0, |t| t.0));
        let row = (kind, s("called_name"), s("calling_name"), code, ip, port);
        ours.insert(m.frame, row);
    });
    (ours, on_139, errors)
}

/// tshark's NetBIOS session packets of `cap` by frame (its `nbss.*`
/// fields); `None` when tshark is not installed.
fn netbios_tshark(cap: &Path) -> Option<BTreeMap<u64, NbssRow>> {
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(cap)
        .args(["-Y", "nbss.type != 0", "-T", "fields", "-E", "separator=/t"])
        .args(["-e", "frame.number", "-e", "nbss.type"])
        .args(["-e", "nbss.called_name", "-e", "nbss.calling_name"])
        .args(["-e", "nbss.error_code"])
        .args(["-e", "nbss.retarget_ip_address", "-e", "nbss.retarget_port"])
        .output()
        .ok()?;
    assert!(out.status.success(), "tshark on {}", cap.display());
    let mut theirs = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let get = |i: usize| f.get(i).copied().unwrap_or_default().to_string();
        if let Ok(frame) = get(0).parse() {
            theirs.insert(frame, (get(1), get(2), get(3), get(4), get(5), get(6)));
        }
    }
    Some(theirs)
}

/// NetBIOS session packets other than session messages (RFC 1002 4.3), end
/// to end through the JSON output: for every capture with a connection on
/// TCP 139, each packet's frame, type, called and calling names,
/// negative-response error code and retarget address and port equal a
/// live tshark's `nbss.*` fields (the stored references hold SMB frames
/// only). Skipped, with a note, where tshark is not installed.
#[test]
fn netbios_session_packets_agree_with_tshark() {
    let (mut compared, mut problems) = (0usize, Vec::new());
    for (cap, _) in captures() {
        let (ours, on_139, _) = netbios_ours(&cap);
        if !on_139 {
            continue;
        }
        let Some(theirs) = netbios_tshark(&cap) else {
            // as the live-tshark auth tests: CI installs tshark (.ci/run)
            eprintln!("note: tshark is not installed; NetBIOS packets not compared");
            return;
        };
        compared += theirs.len();
        if ours != theirs {
            problems.push(format!(
                "{}: ours {ours:?}\ntshark {theirs:?}",
                cap.display()
            ));
        }
    }
    eprintln!("{compared} NetBIOS session packets compared");
    // the samples alone hold 11 (ntlm-port139-netbios, the two-interface
    // pcapng, nbss-negative-response-keepalive, nbss-retarget-response)
    assert!(compared >= 11, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// NetBIOS session packets cut by the snaplen: copies of the samples with
/// a session request (frame 4: 68 bytes from byte 70 of the frame), a
/// negative response (nbss-negative-response-keepalive, frame 6: its error
/// code at byte 70) and a retarget response (nbss-retarget-response, frame
/// 6: the address at bytes 70..74, the port at 74..76), every record cut
/// as `editcap -s` cuts it (pcap_build::snapped), compared with a live
/// tshark on each copy: the fields whose bytes were all kept, and the
/// packets themselves (one cut inside its 4-byte header is neither side's).
/// A cut is not a decoding error (`netbios_error`).
/// Skipped, with a note, where tshark is not installed.
#[test]
fn netbios_packets_cut_by_the_snaplen_agree_with_tshark() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let dir = common::ScratchDir::new("nbss-cut");
    let samples = [
        "ntlm-port139-netbios.pcap",
        "nbss-negative-response-keepalive.pcap",
        "nbss-retarget-response.pcap",
    ];
    let snaplens = [68, 69, 70, 71, 72, 73, 74, 75, 76, 103, 104];
    let (mut problems, mut compared, mut fields) = (Vec::new(), 0usize, 0usize);
    for name in samples {
        let source = std::fs::read(root.join(name)).expect("sample");
        for snaplen in snaplens {
            let cut = dir.join(format!("{name}-s{snaplen}.pcap"));
            std::fs::write(&cut, pcap_build::snapped(&source, snaplen)).expect("written");
            let Some(theirs) = netbios_tshark(&cut) else {
                eprintln!("note: tshark is not installed; cut NetBIOS packets not compared");
                return;
            };
            let (ours, _, errors) = netbios_ours(&cut);
            if !errors.is_empty() {
                problems.push(format!(
                    "{name} cut to {snaplen}: netbios_error in {errors:?}"
                ));
            }
            compared += theirs.len();
            fields += theirs
                .values()
                .map(|r| {
                    [&r.1, &r.2, &r.3, &r.4, &r.5]
                        .iter()
                        .filter(|f| !f.is_empty())
                        .count()
                })
                .sum::<usize>();
            if ours != theirs {
                problems.push(format!(
                    "{name} cut to {snaplen}: ours {ours:?}\ntshark {theirs:?}"
                ));
            }
        }
    }
    eprintln!("{compared} cut NetBIOS session packets compared, {fields} fields");
    assert!(compared >= 40, "{compared}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
