//! The DCE/RPC binds and requests the session layer notes on named pipe
//! opens (session::pipes, session::dcerpc), written with WRITE or with
//! FSCTL_PIPE_TRANSCEIVE, and the answers read back (bind_ack results,
//! faults), against tshark's dcerpc fields on every sample and corpus
//! capture that shows SMB named-pipe traffic.
//!
//! tshark runs once per such capture, with every field the tests read
//! ([`Theirs`]), two captures at a time; the captures without pipe traffic
//! (most of them) are not given to tshark: [`pipe_traffic`] picks them from
//! our own model, and `the_pre_filter_skips_no_capture_with_dcerpc` shows it
//! skips none where tshark finds DCE/RPC in SMB2 (tests/data/dcerpc_frames.tsv,
//! tshark's count for every capture, written by scripts/tshark-test-data.sh;
//! the kept captures' counts are checked against tshark live).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;

use smbscope::capture::CaptureReader;
use smbscope::pipeline::Options;
use smbscope::report::analyze;
use smbscope::session::pipes::PipeOpen;
use smbscope::session::{dcerpc, rpc};
use smbscope::session::{BuildOptions, Model};

/// Our model of a capture (with `--port N` for the captures whose name
/// says so, as tshark is not told of those ports and decodes nothing
/// there).
fn model(path: &Path) -> Model {
    let f = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut r = CaptureReader::new(f).expect("capture header");
    let mut o = Options::default();
    for a in common::port_args(&name_of(path)) {
        if let Ok(p) = a.parse() {
            o.smb_ports.push(p);
        }
    }
    let build = BuildOptions {
        timeline: true,
        ..BuildOptions::default()
    };
    analyze(&mut r, &o, build, |_| {}).model
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The pre-filter: our model shows SMB named-pipe traffic, a named pipe
/// opened with success, or, in a capture of the client's side alone, a
/// tree connect to IPC$ the client went on using (TreeWentOn: no CREATE
/// response, no pipe open).
fn pipe_traffic(m: &Model) -> bool {
    !m.pipes.is_empty()
        || m.trees
            .iter()
            .any(|t| t.client_went_on.is_some() && t.share.to_ascii_uppercase().ends_with("IPC$"))
}

/// The fields of tshark's one run on a capture: every frame holding
/// DCE/RPC in SMB2.
const FIELDS: &[&str] = &[
    "frame.number",
    "tcp.stream",
    "smb2.flags.response",
    "smb2.cmd",
    "smb2.sesid",
    "smb2.fid",
    "dcerpc.pkt_type",
    "dcerpc.cn_flags.first_frag",
    "dcerpc.cn_call_id",
    "dcerpc.cn_ctx_id",
    "dcerpc.opnum",
    "dcerpc.cn_bind_to_uuid",
    "dcerpc.cn_bind_if_ver",
    "dcerpc.cn_bind_if_ver_minor",
    "dcerpc.cn_frag_len",
    "dcerpc.cn_ack_result",
    "dcerpc.cn_reject_reason",
    "dcerpc.cn_status",
];

/// One frame of tshark's output: its fields by name, each a list (a frame
/// may carry several PDUs, tshark joins their values with ',').
struct Row<'a> {
    frame: u64,
    fields: Vec<&'a str>,
}

impl<'a> Row<'a> {
    fn parse(line: &'a str) -> Option<Row<'a>> {
        let fields: Vec<&str> = line.split('\t').collect();
        let frame = fields.first()?.parse().ok()?;
        Some(Row { frame, fields })
    }

    fn all(&self, name: &str) -> Vec<&'a str> {
        let i = FIELDS.iter().position(|f| *f == name).expect("a field");
        match self.fields.get(i).copied().unwrap_or("") {
            "" => vec![],
            v => v.split(',').collect(),
        }
    }

    fn num(&self, name: &str) -> Option<u64> {
        self.all(name).first()?.parse().ok()
    }

    fn response(&self) -> bool {
        self.all("smb2.flags.response")
            .iter()
            .any(|v| *v == "1" || *v == "True")
    }

    /// The SMB2 command is one of `cmds` (as tshark's `smb2.cmd == N`).
    fn command(&self, cmds: &[&str]) -> bool {
        self.all("smb2.cmd").iter().any(|c| cmds.contains(c))
    }
}

/// What tshark says of a capture's DCE/RPC in SMB2, in the terms of
/// [`ours`].
#[derive(Default)]
struct Theirs {
    /// Frames with DCE/RPC in SMB2 (the pre-filter's measure).
    frames: usize,
    /// Binds ("bind UUID vMAJ.MIN") and requests ("opnum N, answered at
    /// F") in WRITE and IOCTL requests, by frame.
    asked: BTreeSet<(u64, String)>,
    /// Answers in READ and IOCTL responses: bind results ("bind accepted",
    /// "bind refused", "bind nak") and faults ("fault 0x1c010002").
    answers: BTreeSet<(u64, String)>,
    /// Requests (in frames of one PDU) with the interface UUID that the
    /// bind of their presentation context on the same pipe named.
    interfaces: BTreeSet<(u64, String)>,
    /// The frag_length of each bind and alter_context written with WRITE.
    write_binds: Vec<(u64, usize)>,
}

fn tshark(path: &Path) -> String {
    common::tshark_text(path, "smb2 and dcerpc", FIELDS)
}

fn theirs(text: &str) -> Theirs {
    let rows: Vec<Row<'_>> = text.lines().filter_map(Row::parse).collect();
    let mut t = Theirs {
        frames: rows.len(),
        ..Theirs::default()
    };
    // Response and fault PDUs by (tcp.stream, call_id): their frames, in
    // order.
    // (dcerpc.request_in is not used: where a server echoes the request in
    // an IOCTL response's input (zeek-smb2-dialect202-ntlm, frame 23),
    // tshark links the response to that echo.)
    let mut responses: BTreeMap<(u64, u64), Vec<u64>> = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| r.response() && r.command(&["8", "11"]))
    {
        let stream = r.num("tcp.stream").unwrap_or(u64::MAX);
        let types = r.all("dcerpc.pkt_type");
        for (ty, id) in types.iter().zip(r.all("dcerpc.cn_call_id")) {
            if let (true, Ok(id)) = (*ty == "2" || *ty == "3", id.parse::<u64>()) {
                responses.entry((stream, id)).or_default().push(r.frame);
            }
        }
        if types.contains(&"12") || types.contains(&"15") {
            let accepted = r.all("dcerpc.cn_ack_result").contains(&"0");
            let word = if accepted { "accepted" } else { "refused" };
            t.answers.insert((r.frame, format!("bind {word}")));
        }
        if types.contains(&"13") {
            t.answers.insert((r.frame, "bind nak".to_string()));
        }
        for s in r.all("dcerpc.cn_status") {
            t.answers.insert((r.frame, format!("fault {s}")));
        }
    }
    // The abstract syntax of each presentation context bound on a pipe:
    // (SessionId, FileId, p_cont_id) -> UUID. An open belongs to the
    // session ([MS-SMB2] 3.3.5.9), not to the connection: srvsvc of
    // zeek-smb2-v2only-nonzero-reserved1 is bound on tcp.stream 2 (frame
    // 98) and called on 1 (frame 102), where tshark, which keeps binds per
    // connection, names no interface.
    let mut contexts: BTreeMap<(String, String, String), String> = BTreeMap::new();
    for r in rows
        .iter()
        .filter(|r| !r.response() && r.command(&["9", "11"]))
    {
        let stream = r.num("tcp.stream").unwrap_or(u64::MAX);
        let types = r.all("dcerpc.pkt_type");
        if types.contains(&"0") {
            let firsts = r.all("dcerpc.cn_flags.first_frag");
            // Call ids of the requests only (binds carry theirs too).
            let ids: Vec<&str> = types
                .iter()
                .zip(r.all("dcerpc.cn_call_id"))
                .filter(|(ty, _)| **ty == "0")
                .map(|(_, id)| id)
                .collect();
            for (i, op) in r.all("dcerpc.opnum").iter().enumerate() {
                if firsts.get(i).is_none_or(|v| *v == "1" || *v == "True") {
                    let id = ids.get(i).and_then(|x| x.parse::<u64>().ok());
                    let answer = id
                        .and_then(|id| responses.get(&(stream, id)))
                        .and_then(|f| f.iter().copied().find(|&f| f > r.frame))
                        .map_or(String::new(), |f| format!(", answered at {f}"));
                    t.asked.insert((r.frame, format!("opnum {op}{answer}")));
                }
            }
            // The context of a frame's only PDU, a request.
            if let ([_], [ctx], [sid], [fid]) = (
                types.as_slice(),
                r.all("dcerpc.cn_ctx_id").as_slice(),
                r.all("smb2.sesid").as_slice(),
                r.all("smb2.fid").as_slice(),
            ) {
                let key = (sid.to_string(), fid.to_string(), ctx.to_string());
                if let Some(u) = contexts.get(&key) {
                    t.interfaces.insert((r.frame, u.clone()));
                }
            }
        }
        if types.iter().any(|ty| *ty == "11" || *ty == "14") {
            let uuids = r.all("dcerpc.cn_bind_to_uuid");
            let major = r.all("dcerpc.cn_bind_if_ver");
            let minor = r.all("dcerpc.cn_bind_if_ver_minor");
            for (i, u) in uuids.iter().enumerate() {
                t.asked.insert((
                    r.frame,
                    format!(
                        "bind {u} v{}.{}",
                        major.get(i).unwrap_or(&"?"),
                        minor.get(i).unwrap_or(&"?")
                    ),
                ));
            }
            // A frame of one bind: its contexts' ids, one per UUID.
            let (sid, fid) = (r.all("smb2.sesid"), r.all("smb2.fid"));
            let ids = r.all("dcerpc.cn_ctx_id");
            if let ([_], [sid], [fid]) = (types.as_slice(), sid.as_slice(), fid.as_slice()) {
                if ids.len() == uuids.len() {
                    for (id, u) in ids.iter().zip(&uuids) {
                        let key = (sid.to_string(), fid.to_string(), id.to_string());
                        contexts.insert(key, u.to_string());
                    }
                }
            }
            if r.command(&["9"]) {
                for len in r.all("dcerpc.cn_frag_len") {
                    t.write_binds
                        .push((r.frame, len.parse().expect("frag_len")));
                }
            }
        }
    }
    t
}

/// What we note, in [`Theirs`]' terms.
#[derive(Default)]
struct Ours {
    asked: BTreeSet<(u64, String)>,
    answers: BTreeSet<(u64, String)>,
    interfaces: BTreeSet<(u64, String)>,
}

fn ours(pipes: &[PipeOpen]) -> Ours {
    let mut o = Ours::default();
    for p in pipes {
        for b in &p.interfaces {
            let s = b.syntax;
            o.asked.insert((
                b.frame,
                format!(
                    "bind {} v{}.{}",
                    s.uuid_text(),
                    s.version_major,
                    s.version_minor
                ),
            ));
            if let Some((frame, r)) = b.result {
                o.answers.insert((frame, format!("bind {}", r.key())));
            }
        }
        for c in &p.calls {
            let answer = c
                .response_frame
                .map_or(String::new(), |r| format!(", answered at {r}"));
            o.asked
                .insert((c.frame, format!("opnum {}{answer}", c.opnum)));
            if let (Some(f), Some(r)) = (c.fault, c.response_frame) {
                o.answers.insert((r, format!("fault {f:#010x}")));
            }
            let bound = c.interface.and_then(|i| p.interfaces.get(usize::from(i)));
            if let Some(b) = bound {
                o.interfaces.insert((c.frame, b.syntax.uuid_text()));
            }
        }
    }
    o
}

/// Captures where tshark decodes binds and calls on pipes whose CREATE
/// response the capture lacks (it holds the client's side only): their
/// pipe opens are the CREATE requests the client went on with
/// (`PipeOpen::unanswered`), and their binds and calls are tshark's all
/// the same.
const ONE_SIDED: &[&str] = &["sv-smb2-oneside-kerberos.pcap"];

/// What one capture gave: (name, our model, tshark's fields), for the
/// captures that pass the pre-filter; tshark runs on two at a time.
struct Compared {
    name: String,
    pipes: Vec<PipeOpen>,
    /// The text timelines of its connections (without `--verbose`).
    timeline: String,
    theirs: Theirs,
}

fn runs() -> &'static (Vec<Compared>, Vec<String>) {
    static ALL: std::sync::OnceLock<(Vec<Compared>, Vec<String>)> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let all = common::all_captures();
        let all = &all;
        let (mut kept, mut skipped) = (Vec::new(), Vec::new());
        std::thread::scope(|scope| {
            // Every other capture each.
            let workers: Vec<_> = (0..2)
                .map(|first| {
                    scope.spawn(move || {
                        let mut kept = Vec::new();
                        let mut skipped = Vec::new();
                        for path in all.iter().skip(first).step_by(2) {
                            let m = model(path);
                            if !pipe_traffic(&m) {
                                skipped.push(name_of(path));
                                continue;
                            }
                            let timeline = m
                                .connections
                                .iter()
                                .map(|c| c.timeline.text.as_str())
                                .collect();
                            kept.push(Compared {
                                name: name_of(path),
                                pipes: m.pipes,
                                timeline,
                                theirs: theirs(&tshark(path)),
                            });
                        }
                        (kept, skipped)
                    })
                })
                .collect();
            for w in workers {
                let (k, s) = w.join().expect("a worker");
                kept.extend(k);
                skipped.extend(s);
            }
        });
        (kept, skipped)
    })
}

/// Every bind and request tshark decodes in an SMB2 WRITE or IOCTL request
/// is ours, frame by frame, with its answer, and we note none that tshark
/// does not; the only ones we do not keep are requests past a pipe's
/// first MAX_CALLS (the mdssvc pipe of sv-smb302-null-linktype-kerberos),
/// counted on it (`calls_omitted`). In [`ONE_SIDED`] captures, they are
/// noted on unanswered pipe opens, and none is answered.
/// Binds written on another channel of the session than the one that
/// opened the pipe are attributed to it (zeek-smb2-v2only-nonzero-reserved1
/// frame 98, srvsvc opened on tcp.stream 1, bound on 2).
#[test]
fn binds_and_calls_on_pipes_agree_with_tshark() {
    let mut compared = 0;
    let mut written = 0;
    let mut omitted = 0;
    let mut one_sided = 0;
    for c in &runs().0 {
        let (name, noted, seen) = (&c.name, ours(&c.pipes).asked, &c.theirs.asked);
        if ONE_SIDED.contains(&name.as_str()) {
            assert!(
                !c.pipes.is_empty() && c.pipes.iter().all(|p| p.unanswered && p.frame.is_none()),
                "{name}"
            );
            assert_eq!(&noted, seen, "{name}");
            assert!(!noted.iter().any(|(_, w)| w.contains("answered")));
            one_sided += seen.len();
        } else {
            assert!(c.pipes.iter().all(|p| !p.unanswered), "{name}");
        }
        let extra: Vec<_> = noted.difference(seen).collect();
        assert!(extra.is_empty(), "{name}: ours only: {extra:?}");
        let missing: Vec<_> = seen.difference(&noted).collect();
        assert!(
            missing.iter().all(|(_, w)| w.starts_with("opnum ")),
            "{name}: tshark only: {missing:?}"
        );
        let counted: u64 = c.pipes.iter().map(|o| o.calls_omitted).sum();
        assert_eq!(missing.len() as u64, counted, "{name}: {missing:?}");
        omitted += counted;
        written += c
            .pipes
            .iter()
            .flat_map(|o| o.calls.iter())
            .filter(|c| c.written)
            .count();
        compared += noted.len();
    }
    eprintln!("{compared} binds and calls, {written} written with WRITE, {omitted} past MAX_CALLS, {one_sided} one-sided");
    assert!(compared > 10, "only {compared} binds and calls compared");
    assert!(written > 0, "no call written with WRITE");
    assert!(omitted > 0, "no call past MAX_CALLS");
    assert!(one_sided > 0, "the one-sided capture decodes no call");
}

/// The answers read back: each bind_ack's result (accepted when tshark's
/// dcerpc.cn_ack_result holds an acceptance, 0) at the frame that brought
/// it, with an IOCTL response or a READ, and each fault's status
/// (dcerpc.cn_status) on the call it answered, as tshark has them; and
/// each request's interface, that of the bind of its presentation context
/// (dcerpc.cn_ctx_id) on the same pipe (smb2.fid), which names its
/// operation in the timeline.
#[test]
fn bind_results_faults_and_call_interfaces_agree_with_tshark() {
    let (mut results, mut interfaces) = (0, 0);
    for c in &runs().0 {
        let name = &c.name;
        let o = ours(&c.pipes);
        let t = &c.theirs;
        assert_eq!(o.answers, t.answers, "{name}: answers");
        results += o.answers.len();
        // A call past MAX_CALLS is not kept: tshark's may be more.
        let extra: Vec<_> = o.interfaces.difference(&t.interfaces).collect();
        assert!(extra.is_empty(), "{name}: interfaces ours only: {extra:?}");
        let kept: BTreeSet<u64> = c
            .pipes
            .iter()
            .flat_map(|p| p.calls.iter().map(|c| c.frame))
            .collect();
        let missing: Vec<_> = t
            .interfaces
            .iter()
            .filter(|(f, _)| kept.contains(f))
            .filter(|x| !o.interfaces.contains(x))
            .collect();
        assert!(
            missing.is_empty(),
            "{name}: interfaces tshark only: {missing:?}"
        );
        interfaces += o.interfaces.len();
    }
    eprintln!("{results} bind results and faults, {interfaces} call interfaces");
    assert!(
        results > 10,
        "only {results} bind results and faults compared"
    );
    assert!(
        interfaces > 20,
        "only {interfaces} call interfaces compared"
    );
}

/// The timeline's entries by frame: each line with the lines its summary
/// wraps onto, joined.
fn entries(timeline: &str) -> BTreeMap<u64, String> {
    let mut out: BTreeMap<u64, String> = BTreeMap::new();
    let mut last = None;
    for line in timeline.lines() {
        let indent = line.len() - line.trim_start().len();
        match (indent >= 23, last) {
            (true, Some(f)) => {
                let e = out.entry(f).or_default();
                e.push(' ');
                e.push_str(line.trim());
            }
            _ => {
                let frame = line.split_whitespace().nth(1).and_then(|f| f.parse().ok());
                if let Some(f) = frame {
                    out.entry(f).or_default().push_str(line);
                }
                last = frame;
            }
        }
    }
    out
}

/// `w` is in `l`, not as part of a longer word ("opnum 1" is not in
/// "opnum 12").
fn has_word(l: &str, w: &str) -> bool {
    l.match_indices(w).any(|(i, _)| {
        let before = l[..i].chars().next_back();
        let after = l[i + w.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// What the timeline names for an interface: its document, or its UUID
/// and version.
fn interface_word(uuid: &str, version: &str) -> String {
    match rpc::KNOWN.iter().find(|r| r.uuid == uuid) {
        Some(r) => r.doc.to_string(),
        None => format!("{uuid} {version}"),
    }
}

/// What the timeline names for a call of `opnum` on interface `uuid`.
fn call_word(uuid: Option<&str>, opnum: &str) -> String {
    let r = uuid.and_then(|u| rpc::KNOWN.iter().find(|r| r.uuid == u));
    let name = r.and_then(|r| rpc::op_name(r, opnum.parse().ok()?));
    name.map_or(format!("opnum {opnum}"), str::to_string)
}

/// The text timeline (without `--verbose`) names, on each frame that
/// tshark finds a bind in, the interface of the UUID tshark reads there
/// (by our table, rpc::KNOWN); on each request, the operation of tshark's
/// opnum on the interface tshark's bind gave its presentation context, and
/// the same on the frame that answered it (a request past MAX_CALLS, not
/// kept, included); on each bind_ack, the result
/// tshark reads. Every DCE/RPC PDU is on a line of its own (the routine
/// WRITEs and READs that carry them included).
#[test]
fn timeline_names_agree_with_tshark() {
    let (mut binds, mut calls, mut answers) = (0, 0, 0);
    for c in &runs().0 {
        let name = &c.name;
        let lines = entries(&c.timeline);
        let line = |f: u64| -> &str {
            lines
                .get(&f)
                .unwrap_or_else(|| panic!("{name}: frame {f} not in the timeline"))
        };
        let interface: BTreeMap<u64, &str> = c
            .theirs
            .interfaces
            .iter()
            .map(|(f, u)| (*f, u.as_str()))
            .collect();
        for (f, what) in &c.theirs.asked {
            if let Some(b) = what.strip_prefix("bind ") {
                let (uuid, version) = b.split_once(' ').expect("UUID and version");
                let word = interface_word(uuid, version);
                let l = line(*f);
                assert!(
                    l.contains(&format!("bind {word}"))
                        || l.contains(&format!("alter_context {word}"))
                        || l.contains(&format!(", {word}")),
                    "{name}: frame {f} {what}: {l}"
                );
                binds += 1;
                continue;
            }
            let Some(rest) = what.strip_prefix("opnum ") else {
                continue;
            };
            let (opnum, answered) = match rest.split_once(", answered at ") {
                Some((o, a)) => (o, a.parse::<u64>().ok()),
                None => (rest, None),
            };
            let uuid = interface.get(f).copied();
            let word = call_word(uuid, opnum);
            // Where tshark names no interface (a compound request of
            // several FileIds: sv-smb302-null-linktype-kerberos frame 446,
            // mdssvc's opnum 2 after an OPLOCK_BREAK and a
            // QUERY_DIRECTORY), ours may: the name of that opnum in one
            // of our interfaces.
            let named = |l: &str| {
                has_word(l, &word)
                    || uuid.is_none()
                        && rpc::KNOWN
                            .iter()
                            .filter_map(|r| rpc::op_name(r, opnum.parse().ok()?))
                            .any(|n| has_word(l, n))
            };
            let l = line(*f);
            assert!(named(l), "{name}: frame {f} {what}: {word}: {l}");
            calls += 1;
            if let Some(a) = answered {
                let l = line(a);
                assert!(named(l), "{name}: frame {a} answers {f}: {word}: {l}");
                answers += 1;
            }
        }
        for (f, what) in &c.theirs.answers {
            let l = line(*f);
            let ok = match what.as_str() {
                "bind accepted" => {
                    l.contains("bind_ack accepted") || l.contains("alter_context_resp accepted")
                }
                "bind refused" => {
                    l.contains("bind_ack refused") || l.contains("alter_context_resp refused")
                }
                "bind nak" => l.contains("bind_nak refused"),
                fault => {
                    let hex = fault.strip_prefix("fault 0x").expect("a fault");
                    let status = u32::from_str_radix(hex, 16).expect("a status");
                    has_word(l, &format!("fault {}", dcerpc::fault_words(status)))
                }
            };
            assert!(ok, "{name}: frame {f} {what}: {l}");
            answers += 1;
        }
    }
    eprintln!(
        "timeline: {binds} binds, {calls} calls, {answers} answers named as tshark reads them"
    );
    assert!(
        binds > 10 && calls > 50 && answers > 50,
        "{binds} {calls} {answers}"
    );
}

/// Every bind and alter_context written with WRITE in the samples and
/// corpus fits whole in the WRITE data the framer keeps (tshark's
/// dcerpc.cn_frag_len: 116 or 160 bytes, two or three presentation
/// contexts), so that each of its contexts is read.
#[test]
fn binds_written_with_write_are_kept_whole() {
    let keep = smbscope::smb2::framing::WRITE_DATA_KEPT;
    let mut binds = 0;
    for c in &runs().0 {
        for &(frame, len) in &c.theirs.write_binds {
            assert!(
                len <= keep,
                "{} frame {frame}: a bind of {len} bytes",
                c.name
            );
            binds += 1;
        }
    }
    assert!(binds > 10, "only {binds} binds written with WRITE");
}

/// tshark's count of frames with DCE/RPC in SMB2, per capture, as
/// scripts/tshark-test-data.sh wrote it: (capture, bytes, frames).
fn stored_counts() -> BTreeMap<String, (u64, usize)> {
    common::capture_rows(include_str!("data/dcerpc_frames.tsv"))
        .filter_map(|(name, bytes, rest)| Some((name, (bytes, rest.parse().ok()?))))
        .collect()
}

/// The pre-filter skips no capture where tshark finds DCE/RPC in SMB2:
/// each capture has tshark's count in tests/data/dcerpc_frames.tsv (with
/// its size: a capture made or changed since is named, to run
/// scripts/tshark-test-data.sh on), every capture with a count above zero is
/// kept, and the kept captures' counts are what tshark says now.
#[test]
fn the_pre_filter_skips_no_capture_with_dcerpc() {
    let stored = stored_counts();
    let (kept, skipped) = runs();
    let mut with_dcerpc = 0;
    for path in common::all_captures() {
        let name = name_of(&path);
        let bytes = std::fs::metadata(&path).expect("capture").len();
        let Some(&(size, frames)) = stored.get(&name) else {
            panic!("{name}: not in tests/data/dcerpc_frames.tsv (scripts/tshark-test-data.sh)");
        };
        assert_eq!(
            size, bytes,
            "{name}: changed since tests/data/dcerpc_frames.tsv"
        );
        if frames > 0 {
            with_dcerpc += 1;
            assert!(
                !skipped.contains(&name),
                "{name}: {frames} DCE/RPC frames, skipped"
            );
        }
    }
    for c in kept {
        let stored = stored.get(&c.name).map(|&(_, n)| n);
        assert_eq!(stored, Some(c.theirs.frames), "{}: tshark's count", c.name);
    }
    eprintln!(
        "{with_dcerpc} captures with DCE/RPC; {} kept, {} skipped",
        kept.len(),
        skipped.len()
    );
    assert!(with_dcerpc > 10, "only {with_dcerpc} captures with DCE/RPC");
    assert!(
        skipped.len() > kept.len(),
        "the pre-filter keeps {}",
        kept.len()
    );
}

/// What a call to the Service Control Manager says of a service
/// (`PipeOpen::services`, session::scmr) is what tshark's svcctl
/// dissector reads on the same request frame: svcctl.servicename and
/// svcctl.binarypathname of RCreateServiceW (opnum 12: impacket's smbexec
/// in impacket-smbexec-svcctl frame 31, whose WRITE of 452 bytes the
/// framer keeps whole), ROpenServiceW (16) and RChangeServiceConfigW
/// (11); and every such request of tshark's is read. tshark 4.0.17 does
/// not decode RCreateServiceWOW64W (opnum 45, "Unknown operation 45"),
/// PsExec's: [MS-SCMR] 3.1.4.41 gives it RCreateServiceW's parameters,
/// which we read alike (PSEXESVC, %SystemRoot%\\PSEXESVC.exe in
/// sv-smb21-psexec-kerberos-port139 frame 160 and in the one-sided
/// capture's frame 12); those are counted apart.
#[test]
fn service_names_and_command_lines_agree_with_tshark() {
    let (mut compared, mut paths, mut wow64) = (0, 0, Vec::new());
    for c in &runs().0 {
        let ours: BTreeMap<u64, (u16, &smbscope::session::scmr::ServiceArgs)> = c
            .pipes
            .iter()
            .flat_map(|p| {
                p.services.iter().map(move |(f, a)| {
                    let op = p
                        .calls
                        .iter()
                        .find(|x| x.frame == *f)
                        .map_or(0, |x| x.opnum);
                    (*f, (op, a))
                })
            })
            .collect();
        let on_svcctl = c
            .pipes
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case("svcctl"));
        if !on_svcctl {
            assert!(ours.is_empty(), "{}", c.name);
            continue;
        }
        let path = common::all_captures()
            .into_iter()
            .find(|p| name_of(p) == c.name)
            .expect("the capture");
        let text = common::tshark_text(
            &path,
            "svcctl && dcerpc.pkt_type == 0 && (svcctl.opnum == 11 || svcctl.opnum == 12 || svcctl.opnum == 16)",
            &["frame.number", "svcctl.servicename", "svcctl.binarypathname"],
        );
        let mut theirs: BTreeMap<u64, (Option<String>, Option<String>)> = BTreeMap::new();
        for l in text.lines() {
            let mut f = l.split('\t');
            let frame: u64 = f.next().and_then(|x| x.parse().ok()).expect("a frame");
            let field = |x: Option<&str>| x.filter(|v| !v.is_empty()).map(str::to_string);
            let name = field(f.next());
            let bin = field(f.next());
            theirs.insert(frame, (name, bin));
        }
        for (frame, (name, bin)) in &theirs {
            let (_, a) = ours
                .get(frame)
                .unwrap_or_else(|| panic!("{} frame {frame}: not read", c.name));
            assert_eq!(
                (&a.name, &a.binary_path),
                (name, bin),
                "{} frame {frame}",
                c.name
            );
            assert!(!a.cut, "{} frame {frame}", c.name);
            compared += 1;
            paths += usize::from(bin.is_some());
        }
        for (frame, (op, a)) in &ours {
            if *op == 45 {
                wow64.push((
                    c.name.clone(),
                    *frame,
                    a.name.clone(),
                    a.binary_path.clone(),
                ));
            } else {
                assert!(
                    theirs.contains_key(frame),
                    "{} frame {frame}: ours only",
                    c.name
                );
            }
        }
    }
    eprintln!("{compared} calls ({paths} command lines) as tshark reads them; opnum 45: {wow64:?}");
    assert!(compared >= 4 && paths >= 1, "{compared} {paths}");
    let psexec = (
        Some("PSEXESVC".to_string()),
        Some("%SystemRoot%\\PSEXESVC.exe".to_string()),
    );
    assert!(!wow64.is_empty());
    assert!(
        wow64
            .iter()
            .all(|(_, _, n, b)| (n, b) == (&psexec.0, &psexec.1)),
        "{wow64:?}"
    );
}
