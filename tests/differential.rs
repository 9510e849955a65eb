//! The differential test against tshark: for every capture of
//! ../shared/corpus/public (when that folder is there) and samples/, the
//! per-stream sequence of SMB2 messages — (command, response, status, message
//! id, session id, tree id), transform headers by session id, SMB1 messages by
//! command — equals tshark 4.0.17's, and so do the frame numbers, except in
//! the cases listed in [`KNOWN`] with the reason.
//!
//! tshark's fields come from `*.tshark.tsv` (the corpus ships them; for the
//! samples `scripts/tshark-fields.sh` writes them into samples/tshark/).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use smbscope::capture::CaptureReader;
use smbscope::pipeline::{self, Event, Kind, Options};

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
}

type Streams = BTreeMap<u64, Vec<Entry>>;

fn smb2_key(cmd: u16, resp: bool, mid: u64, sesid: u64) -> String {
    format!("smb2/{cmd}/{}/{mid}/{sesid:#018x}", u8::from(resp))
}

fn plain(frame: u64, key: String) -> Entry {
    Entry {
        frame,
        key,
        status: None,
        tid: None,
        incomplete: false,
    }
}

fn ours(path: &Path) -> Streams {
    let file = File::open(path).expect("capture opens");
    let mut reader = CaptureReader::new(file).expect("a capture");
    let mut opts = Options::default();
    opts.smb_ports.extend([4455, 4456]);
    let mut out = Streams::new();
    let outcome = pipeline::run(&mut reader, &opts, |ev| {
        let Event::Message(m) = ev else { return };
        let entry = match (m.kind, m.header, m.transform, m.smb1) {
            (Kind::Smb2, Some(h), _, _) => Entry {
                frame: m.frame,
                key: smb2_key(h.command.0, h.is_response(), h.message_id, h.session_id),
                status: h.is_response().then_some(h.status),
                tid: h.tree_id.map(|t| format!("{t:#010x}")),
                incomplete: m.missing > 0,
            },
            (Kind::Smb2Transform, _, Some(t), _) => plain(
                m.frame,
                format!("transform/{:#018x}", t.session_id.unwrap_or(0)),
            ),
            (Kind::Smb1, _, _, Some(s)) => plain(m.frame, format!("smb1/{:#04x}", s.command)),
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

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or(u64::MAX)
}

/// tshark's rows → per-stream entries, in frame order.
fn theirs(tsv: &Path) -> Streams {
    let text = std::fs::read_to_string(tsv).expect("tsv reads");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let (c_frame, c_stream) = (col("frame.number"), col("tcp.stream"));
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
        let v = out.entry(stream).or_default();
        // smb.cmd lists AndX follow-ups too (0xff: none); a message is its first command.
        if let Some(cmd) = split(get(c_smb1)).first() {
            v.push(plain(frame, format!("smb1/{:#04x}", hex(cmd))));
        }
        let cmds = split(get(c_cmd));
        let sesids = split(get(c_ses));
        if cmds.is_empty() {
            for s in sesids {
                v.push(plain(frame, format!("transform/{:#018x}", hex(s))));
            }
            continue;
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
    g.key == w.key && g.frame == w.frame && status_ok && tid_ok
}

/// Compares one capture. Messages we report with bytes missing (a gap inside
/// them) that tshark does not show at all are allowed: tshark cannot
/// reassemble a PDU with a hole and drops it; we report its header, marked
/// incomplete. They are counted in `extra_incomplete`.
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
        if name.ends_with(".pcap") {
            v.push((
                p.clone(),
                root.join("samples/tshark")
                    .join(format!("{name}.tshark.tsv")),
            ));
        }
    }
    v.sort();
    v
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
