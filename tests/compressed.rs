//! Compressed captures read as they are: real captures compressed by the
//! real `gzip`, `zstd`, `pzstd` and `lz4` tools (.ci/run installs them)
//! give the same output as the captures themselves, by path and on standard
//! input; a cut or corrupt compressed stream is damage after what came
//! before it (exit 3), named with the offset in the decompressed capture and
//! the decompressor's complaint.

mod common;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_smbscope"))
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// A public corpus capture, when ../shared/corpus/public is there.
fn corpus(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/public")
        .join(name);
    if p.is_file() {
        Some(p)
    } else {
        println!("note: {} absent; skipped", p.display());
        None
    }
}

fn scratch_dir(name: &str) -> common::ScratchDir {
    common::ScratchDir::new(&format!("gz-{name}"))
}

fn gzip(level: &str, bytes: &[u8]) -> Vec<u8> {
    let gz = common::filter("gzip", &["-c", "-n", level], bytes);
    assert_eq!(&gz[..3], &[0x1f, 0x8b, 0x08], "gzip's magic number");
    gz
}

/// The compressors smbscope reads, as their tools write: the name its
/// messages give, the command and its arguments, the magic number (at the
/// start, or after pzstd's skippable frame of 12 bytes).
const TOOLS: [(&str, &str, &[&str]); 5] = [
    ("gzip", "gzip", &["-c", "-n", "-1"]),
    ("zstd", "zstd", &["-q", "-c"]),
    ("zstd", "pzstd", &["-q", "-p", "2", "-c"]),
    ("lz4", "lz4", &["-q", "-c"]),
    ("lz4", "lz4", &["-q", "-l", "-c"]),
];

fn compress(tool: &str, args: &[&str], bytes: &[u8]) -> Vec<u8> {
    let out = common::filter(tool, args, bytes);
    let magic: &[u8] = match (tool, args.contains(&"-l")) {
        ("gzip", _) => &[0x1f, 0x8b, 0x08],
        ("zstd", _) => &[0x28, 0xb5, 0x2f, 0xfd],
        ("pzstd", _) => &[0x50, 0x2a, 0x4d, 0x18],
        ("lz4", false) => &[0x04, 0x22, 0x4d, 0x18],
        _ => &[0x02, 0x21, 0x4c, 0x18],
    };
    assert!(out.starts_with(magic), "{tool} {args:?}");
    out
}

/// `smbscope ARGS NAME` run in `dir`, on the file `NAME` there: the same
/// name for a capture and its compressed copy, so that outputs that name
/// the file can be compared byte for byte.
fn run_in(dir: &Path, args: &[&str], name: &str) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .arg(name)
        .output()
        .unwrap()
}

/// `smbscope ARGS -` with `bytes` written to its standard input (a pipe).
fn run_stdin(args: &[&str], bytes: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = bytes.to_vec();
    let feed = std::thread::spawn(move || {
        // The reader may stop early (exit 2): a broken pipe is not an error here.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    feed.join().unwrap();
    out
}

/// A capture as it is in `DIR/plain/NAME` and compressed in `DIR/gz/NAME`.
struct Pair {
    plain: PathBuf,
    gz: PathBuf,
    name: &'static str,
}

impl Pair {
    fn new(dir: &Path, name: &'static str, plain: &[u8], gz: &[u8]) -> Pair {
        let pair = Pair {
            plain: dir.join("plain"),
            gz: dir.join("gz"),
            name,
        };
        for (d, bytes) in [(&pair.plain, plain), (&pair.gz, gz)] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join(name), bytes).unwrap();
        }
        pair
    }

    /// `smbscope ARGS NAME` on both: the plain one's output, after
    /// checking that the compressed one's (stdout, stderr, exit code) is
    /// the same.
    fn same(&self, args: &[&str]) -> Output {
        let plain = run_in(&self.plain, args, self.name);
        let gz = run_in(&self.gz, args, self.name);
        assert_eq!(
            gz.status.code(),
            plain.status.code(),
            "{} {args:?}",
            self.name
        );
        assert!(
            gz.stdout == plain.stdout,
            "{} {args:?}: the output differs",
            self.name
        );
        assert_eq!(
            String::from_utf8_lossy(&gz.stderr),
            String::from_utf8_lossy(&plain.stderr),
            "{} {args:?}",
            self.name
        );
        plain
    }
}

/// Samples (classic pcap, a 6 MiB one whose records cross the reader's
/// 1 MiB reads, pcapng with two interfaces of different link types, two
/// sections) and a public pcapng, compressed by gzip at levels 1 and 9:
/// `messages` gives the same JSON Lines and JSON, byte for byte. The same
/// captures compressed by zstd, pzstd (a skippable frame first, then a
/// frame per thread's piece), lz4 and `lz4 -l` (legacy frames) give the
/// same JSON Lines.
#[test]
fn compressed_captures_give_the_messages_of_the_captures_they_hold() {
    let dir = scratch_dir("same");
    let mut files: Vec<(PathBuf, &str)> = [
        "ntlm-smb311.pcap",
        "krb5-ap-skew.pcap",
        "ntlm-success-copy.pcap",
        "ntlm-pcapng-two-interfaces.pcapng",
        "ntlm-pcapng-two-sections.pcapng",
    ]
    .into_iter()
    .map(|n| (sample(n), "-1"))
    .collect();
    files.extend(corpus("zeek-smb2-kerberos-tso.pcapng").map(|p| (p, "-9")));
    for (i, (path, level)) in files.iter().enumerate() {
        let raw = std::fs::read(path).unwrap();
        let gz = gzip(level, &raw);
        assert!(gz.len() < raw.len());
        let pair = Pair::new(&dir.join(i.to_string()), "capture", &raw, &gz);
        let out = pair.same(&["messages", "--format", "jsonl"]);
        assert_eq!(out.status.code(), Some(0), "{}", path.display());
        let lines = String::from_utf8(out.stdout).unwrap().lines().count();
        assert!(lines >= 20, "{}: {lines} messages", path.display());
        pair.same(&["messages", "--format", "json"]);
        for (j, (_, tool, args)) in TOOLS.iter().enumerate().skip(1) {
            let packed = compress(tool, args, &raw);
            let pair = Pair::new(&dir.join(format!("{i}-{j}")), "capture", &raw, &packed);
            pair.same(&["messages", "--format", "jsonl"]);
        }
    }
}

/// A gzip file of several members (RFC 1952 2.2: "a series of members"),
/// as `cat a.gz b.gz` or a split capture compressed piece by piece gives
/// it: the members' bytes are one capture. Cut inside a record, with a
/// member of one byte among them. Likewise zstd and LZ4 frames one after
/// another (RFC 8878 3.1; the LZ4 frame format's "concatenated frames"),
/// with an empty frame among them.
#[test]
fn a_file_of_several_members_or_frames_is_one_capture() {
    let dir = scratch_dir("members");
    let raw = std::fs::read(sample("ntlm-pcapng-two-interfaces.pcapng")).unwrap();
    let (a, rest) = raw.split_at(raw.len() / 3 + 7);
    let (b, c) = rest.split_at(1);
    let mut gz = gzip("-6", a);
    gz.extend(gzip("-6", b));
    gz.extend(gzip("-1", c));
    let members = gz.windows(3).filter(|w| w == &[0x1f, 0x8b, 0x08]).count();
    assert!(members >= 3, "{members}");
    let pair = Pair::new(&dir, "capture", &raw, &gz);
    let out = pair.same(&["messages", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0));
    for (tool, args) in [("zstd", &["-q", "-c"]), ("lz4", &["-q", "-c"])] {
        let mut packed = compress(tool, args, a);
        packed.extend(compress(tool, args, b""));
        packed.extend(compress(tool, args, rest));
        let pair = Pair::new(&dir.join(tool), "capture", &raw, &packed);
        assert_eq!(
            pair.same(&["messages", "--format", "jsonl"]).status.code(),
            Some(0)
        );
    }
}

/// LZ4 files as `lz4 -d` (1.9.4) reads them, each checked against its
/// output (the capture, byte for byte), give the capture's messages: `lz4
/// -l` files concatenated (lz4io.c takes a legacy block size over
/// LZ4_COMPRESSBOUND(8 MiB) for the next frame's magic number), a legacy
/// frame before a frame of the frame format and one after it; and
/// skippable frames (LZ4 Frame Format, "Skippable Frames": magic 0x184D2A50
/// to 0x184D2A5F, little-endian, a 4-byte little-endian Frame Size, that
/// many bytes of User Data) before, between and after the frames. No tool
/// writes skippable frames, so they are built here by the format's words
/// around the `lz4` tool's frames: a container, not what the decoder is
/// tested on; one of 100000 bytes first, past the reader's first 16 bytes.
#[test]
fn lz4_legacy_frames_concatenated_and_skippable_frames_are_read_as_lz4_reads_them() {
    let dir = scratch_dir("lz4-frames");
    let name = "ntlm-pcapng-two-interfaces.pcapng";
    let raw = std::fs::read(sample(name)).unwrap();
    let (a, rest) = raw.split_at(raw.len() / 3);
    let (b, c) = rest.split_at(rest.len() / 2);
    let legacy = |piece: &[u8]| compress("lz4", &["-q", "-l", "-c"], piece);
    let frame = |piece: &[u8]| compress("lz4", &["-q", "-c"], piece);
    let skippable = |magic: u32, size: usize| -> Vec<u8> {
        let mut f = magic.to_le_bytes().to_vec();
        f.extend((size as u32).to_le_bytes());
        f.extend((0..size).map(|i| (i % 251) as u8));
        f
    };
    let files: [(&str, Vec<u8>); 5] = [
        (
            "legacy-legacy-legacy",
            [legacy(a), legacy(b), legacy(c)].concat(),
        ),
        (
            "legacy-frame-legacy",
            [legacy(a), frame(b), legacy(c)].concat(),
        ),
        ("frame-legacy", [frame(a), legacy(rest)].concat()),
        (
            "skippable-frames",
            [
                skippable(0x184D_2A50, 5),
                frame(a),
                skippable(0x184D_2A5F, 0),
                skippable(0x184D_2A57, 300),
                frame(b),
                frame(c),
                skippable(0x184D_2A50, 9),
            ]
            .concat(),
        ),
        (
            "skippable-legacy",
            [
                skippable(0x184D_2A5A, 100_000),
                legacy(a),
                skippable(0x184D_2A51, 7),
                legacy(rest),
            ]
            .concat(),
        ),
    ];
    let whole = bin().args(args_jsonl()).arg(sample(name)).output().unwrap();
    assert_eq!(whole.status.code(), Some(0));
    for (what, bytes) in &files {
        let path = dir.join(format!("{what}.lz4"));
        std::fs::write(&path, bytes).unwrap();
        let lz4 = Command::new("lz4").arg("-dc").arg(&path).output().unwrap();
        assert!(lz4.status.success() && lz4.stdout == raw, "lz4 -dc {what}");
        let (out, err) = jsonl_of(&path);
        assert_eq!(out.status.code(), Some(0), "{what}: {err}");
        assert!(out.stdout == whole.stdout, "{what}");
    }
}

/// `smbscope FILE` (the report, text and JSON) and `smbscope check FILE`
/// read a gzip file as the capture it holds; a zstd and an lz4 file too.
#[test]
fn report_and_check_read_compressed_files() {
    let dir = scratch_dir("report");
    let raw = std::fs::read(sample("ntlm-wrong-password.pcap")).unwrap();
    let pair = Pair::new(&dir, "logon.pcap", &raw, &gzip("-1", &raw));
    let text = pair.same(&[]);
    assert_eq!(text.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&text.stdout).contains("STATUS_LOGON_FAILURE"));
    pair.same(&["report", "--format", "json"]);
    pair.same(&["report", "--format", "jsonl"]);
    let check = pair.same(&["check", "--expect-status", "STATUS_LOGON_FAILURE"]);
    assert_eq!(check.status.code(), Some(0));
    let fail = pair.same(&["check", "--expect-success", "--format", "json"]);
    assert_eq!(fail.status.code(), Some(1));
    for (i, (_, tool, args)) in TOOLS.iter().enumerate().skip(1) {
        let pair = Pair::new(
            &dir.join(i.to_string()),
            "logon.pcap",
            &raw,
            &compress(tool, args, &raw),
        );
        pair.same(&[]);
        pair.same(&[
            "check",
            "--expect-status",
            "STATUS_LOGON_FAILURE",
            "--format",
            "junit",
        ]);
    }
}

/// A gzip stream on standard input is decompressed too, and standard input
/// keeps its kind: from a pipe it is live (a request's line is written
/// without waiting for its response, so without response_frame), as the
/// capture itself from a pipe; redirected from a file (`< FILE.gz`) it is
/// a file, as the path is. zstd and lz4 from a pipe likewise.
#[test]
fn compressed_standard_input_is_read_as_the_capture() {
    let raw = std::fs::read(sample("ntlm-smb311.pcap")).unwrap();
    let gz = gzip("-1", &raw);
    let args = ["messages", "--format", "jsonl"];
    let piped = run_stdin(&args, &gz);
    assert_eq!(piped.status.code(), Some(0));
    let want = run_stdin(&args, &raw);
    assert!(piped.stdout == want.stdout, "from a pipe");
    assert!(!String::from_utf8_lossy(&piped.stdout).contains("response_frame"));
    for (_, tool, args) in &TOOLS[1..] {
        let piped = run_stdin(&args_jsonl(), &compress(tool, args, &raw));
        assert_eq!(piped.status.code(), Some(0), "{tool} {args:?}");
        assert!(piped.stdout == want.stdout, "{tool} {args:?}");
    }

    let dir = scratch_dir("stdin");
    let path = dir.join("capture.pcap.gz");
    std::fs::write(&path, &gz).unwrap();
    let redirected = bin()
        .args(args)
        .arg("-")
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    assert_eq!(redirected.status.code(), Some(0));
    let by_path = bin()
        .args(args)
        .arg(sample("ntlm-smb311.pcap"))
        .output()
        .unwrap();
    assert!(
        redirected.stdout == by_path.stdout,
        "redirected from a file"
    );
    assert!(String::from_utf8_lossy(&by_path.stdout).contains("response_frame"));
}

/// The offset and frame of "... at byte N of the decompressed capture
/// (frame F)" in `err`.
fn decompressed_offset(err: &str) -> (usize, u64) {
    let (_, after) = err
        .split_once("at byte ")
        .unwrap_or_else(|| panic!("{err}"));
    let (n, after) = after
        .split_once(" of the decompressed capture (frame ")
        .unwrap_or_else(|| panic!("{err}"));
    let (f, _) = after.split_once(')').unwrap();
    (n.parse().unwrap(), f.parse().unwrap())
}

fn args_jsonl() -> [&'static str; 3] {
    ["messages", "--format", "jsonl"]
}

/// `smbscope messages --format jsonl PATH`: its output and standard error.
fn jsonl_of(path: &Path) -> (Output, String) {
    let out = bin().args(args_jsonl()).arg(path).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, err)
}

/// `messages --format jsonl` on the capture cut at `at` bytes: what a
/// reader that stops there reports (exit 3, the record cut in `frame`;
/// exit 0 when `at` falls between records, with `frame` the next one).
fn messages_of_prefix(dir: &Path, raw: &[u8], at: usize, frame: u64) -> Vec<u8> {
    let path = dir.join(format!("prefix-{at}.pcap"));
    std::fs::write(&path, &raw[..at]).unwrap();
    let (out, err) = jsonl_of(&path);
    match out.status.code() {
        Some(3) => assert!(
            err.contains(&format!("(frame {frame}): the record needs")),
            "{err}"
        ),
        Some(0) => assert!(at == raw.len() || at > 24, "{err}"),
        other => panic!("exit {other:?}: {err}"),
    }
    out.stdout
}

/// A compressed file cut short in the middle of its data (gzip, zstd,
/// pzstd, lz4, lz4 -l; at 3/5 of the gzip file, 9/10 of the others): exit
/// 3, the messages before the cut (the same as from the capture cut where
/// the decompressed bytes end), and an error that gives that end as an
/// offset in the decompressed capture, with the decompressor's complaint.
/// LZ4 gives out whole blocks only: the legacy frame's one block of 8 MiB
/// holds the whole capture, so cut it gives nothing (exit 2, at byte 0).
#[test]
fn a_cut_compressed_file_reports_what_came_before_and_exits_3() {
    let dir = scratch_dir("cut");
    let raw = std::fs::read(sample("ntlm-success-copy.pcap")).unwrap();
    for (i, (name, tool, args)) in TOOLS.iter().enumerate() {
        let packed = compress(tool, args, &raw);
        let path = dir.join(format!("cut-{i}.pcap.{name}"));
        let keep = if i == 0 {
            3 * packed.len() / 5
        } else {
            9 * packed.len() / 10
        };
        std::fs::write(&path, &packed[..keep]).unwrap();
        let (out, err) = jsonl_of(&path);
        assert!(
            err.contains(&format!(
                "cut-{i}.pcap.{name}: the {name} data ends early, at byte "
            )) && err.contains(" of the decompressed capture (frame ")
                && err.contains(&format!("): {name}: ")),
            "{tool} {args:?}: {err}"
        );
        let (at, frame) = decompressed_offset(&err);
        assert!(at < raw.len(), "{at}");
        if args.contains(&"-l") {
            assert_eq!((at, out.status.code()), (0, Some(2)), "{err}");
            continue;
        }
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(
            at > 0 && err.contains("(the messages before it were reported)"),
            "{err}"
        );
        let before = messages_of_prefix(&dir, &raw, at, frame);
        assert!(out.stdout == before, "{tool} {args:?}");
        if i == 0 {
            assert!(at > raw.len() / 3, "{at}");
            assert!(String::from_utf8_lossy(&before).lines().count() >= 10);
            // The report says the same, after what came before.
            let out = bin().arg(&path).output().unwrap();
            assert_eq!(out.status.code(), Some(3));
            let err = String::from_utf8(out.stderr).unwrap();
            assert!(
                err.contains("the gzip data ends early")
                    && err.contains("(what came before it was reported)"),
                "{err}"
            );
        }
    }
}

/// An LZ4 frame file cut exactly after its first block (4 MiB of the
/// 6 MiB sample: the lz4 tool's default block size), where lz4_flex sees
/// no error, is cut short all the same: exit 3 at byte 4194304 of the
/// decompressed capture. The frame's layout (LZ4 Frame Format: magic, FLG,
/// BD, header checksum, then each block's 4-byte size, its high bit for a
/// block stored as it is) is read off the tool's output to find the end of
/// the block.
#[test]
fn an_lz4_file_cut_between_blocks_is_cut_short() {
    let dir = scratch_dir("lz4-blocks");
    let raw = std::fs::read(sample("ntlm-success-copy.pcap")).unwrap();
    let packed = compress("lz4", &["-q", "-c"], &raw);
    let flg = packed[4];
    assert_eq!(
        flg & 0b1101_1000,
        0b0100_0000,
        "version 01, no block checksum, no content size"
    );
    assert_eq!(packed[5], 0x70, "BD: 4 MiB blocks");
    let size = u32::from_le_bytes(packed[7..11].try_into().unwrap()) & 0x7fff_ffff;
    let end = 11 + size as usize;
    assert!(end < packed.len() - 8);
    let path = dir.join("blocks.pcap.lz4");
    std::fs::write(&path, &packed[..end]).unwrap();
    let (out, err) = jsonl_of(&path);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(
            "the lz4 data ends early, at byte 4194304 of the decompressed capture (frame "
        ),
        "{err}"
    );
    let (at, frame) = decompressed_offset(&err);
    assert!(out.stdout == messages_of_prefix(&dir, &raw, at, frame));
    // Two more bytes, of the next block's size: cut inside it.
    std::fs::write(&path, &packed[..end + 2]).unwrap();
    let (out, err) = jsonl_of(&path);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("the lz4 data ends early, at byte 4194304 "),
        "{err}"
    );
}

/// Corrupt deflate data: a capture split in two, each piece compressed by
/// gzip, the second member's first block header changed to the reserved
/// block type 3 (RFC 1951 3.2.3, "11 - reserved (error)"): the error is at
/// the exact byte where the second piece begins, the messages before it
/// are those of the first piece, exit 3. A checksum that does not match
/// (RFC 1952 2.3.1, CRC32) is named the same way, after every message.
/// Bytes flipped anywhere in the deflate data end in an error, never a
/// panic.
#[test]
fn corrupt_gzip_data_is_named_and_what_came_before_is_reported() {
    let dir = scratch_dir("corrupt");
    let raw = std::fs::read(sample("ntlm-smb311.pcap")).unwrap();
    let split = raw.len() / 2 + 3;
    let first = gzip("-1", &raw[..split]);
    let mut gz = first.clone();
    gz.extend(gzip("-1", &raw[split..]));
    // gzip -n writes a 10-byte header (no name): the deflate data follows.
    assert_eq!(gz[first.len() + 3], 0, "FLG: no optional fields");
    gz[first.len() + 10] |= 0b110;
    let path = dir.join("bad.pcap.gz");
    std::fs::write(&path, &gz).unwrap();
    let (out, err) = jsonl_of(&path);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "bad.pcap.gz: the gzip data is corrupt at byte {split} of the decompressed capture (frame "
        )) && err.contains("): gzip: "),
        "{err}"
    );
    let (at, frame) = decompressed_offset(&err);
    assert_eq!(at, split);
    assert!(out.stdout == messages_of_prefix(&dir, &raw, at, frame));

    // The checksum of the whole capture changed: every message, then the error.
    let mut gz = gzip("-1", &raw);
    let n = gz.len();
    gz[n - 8] ^= 0x01;
    std::fs::write(&path, &gz).unwrap();
    let (out, err) = jsonl_of(&path);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains(&format!(
            "the gzip data is corrupt at byte {} of the decompressed capture",
            raw.len()
        )),
        "{err}"
    );
    let whole = bin()
        .args(["messages", "--format", "jsonl"])
        .arg(sample("ntlm-smb311.pcap"))
        .output()
        .unwrap();
    assert!(out.stdout == whole.stdout);

    // Flipped bytes: some error (exit 2 before the capture's header, else
    // 3), said on standard error, and no panic.
    let gz = gzip("-1", &raw);
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..40 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut bad = gz.clone();
        let at = 10 + (x as usize) % (gz.len() - 18);
        bad[at] ^= 1u8 << ((x >> 60) % 8);
        bad[(at + 1).min(gz.len() - 9)] ^= (x >> 32) as u8;
        let out = run_stdin(&["messages", "--format", "jsonl"], &bad);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "byte {at}: {err}");
        // The CRC32 and length of the trailer see any change of the data.
        assert!(matches!(out.status.code(), Some(2 | 3)), "byte {at}: {err}");
        assert!(err.contains("smbscope: -: "), "{err}");
    }
}

/// A gzip file followed by bytes that start no gzip member: "junk" (what
/// `printf junk >> x.pcap.gz` leaves), and the zeros `dd conv=sync` pads it
/// with to whole 10240-byte blocks (as tar and tape drives pad). gzip 1.12
/// decompresses both whole, warning of the junk ("decompression OK,
/// trailing garbage ignored", exit 2) and ignoring zeros to the end
/// silently (exit 0); tshark 4.0.17 reads every frame, then calls the file
/// damaged (exit 2). smbscope reads the capture whole (the messages of the
/// plain capture, byte for byte), then names the bytes it did not read by
/// their offset in the compressed file, where the gzip data ends: damage,
/// exit 3, as for any; `check` gives it as its `damage`, with no frame cut
/// (`frame` null) and the end of the decompressed capture as `byte_offset`.
#[test]
fn a_gzip_file_with_trailing_bytes_is_read_whole_and_the_bytes_named() {
    let dir = scratch_dir("trailing");
    let raw = std::fs::read(sample("krb5-success.pcap")).unwrap();
    let gz = gzip("-6", &raw);
    let mut junk = gz.clone();
    junk.extend_from_slice(b"junk");
    let dd = ["bs=10240", "conv=sync", "iflag=fullblock", "status=none"];
    let padded = common::filter("dd", &dd, &gz);
    assert_eq!(padded.len(), gz.len().div_ceil(10240) * 10240);
    assert!(padded.len() > gz.len() + 8 && padded[..gz.len()] == gz[..]);
    let whole = bin()
        .args(args_jsonl())
        .arg(sample("krb5-success.pcap"))
        .output()
        .unwrap();
    assert_eq!(whole.status.code(), Some(0));
    // From a pipe, live: a request's line comes before its response.
    let piped = run_stdin(&args_jsonl(), &raw);
    for (name, bytes, gzip_exit, starts) in [
        ("junk", &junk, 2, "6a756e6b)"),
        (
            "padded",
            &padded,
            0,
            "0000000000000000: zeros, as dd or a tape drive pads a file)",
        ),
    ] {
        let path = dir.join(format!("{name}.pcap.gz"));
        std::fs::write(&path, bytes).unwrap();
        let gunzip = Command::new("gzip").arg("-dc").arg(&path).output().unwrap();
        assert_eq!(gunzip.status.code(), Some(gzip_exit), "gzip -dc {name}");
        assert!(gunzip.stdout == raw, "gzip -dc {name}");
        let (out, err) = jsonl_of(&path);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(
            out.stdout == whole.stdout,
            "{name}: the messages of the whole capture"
        );
        let says = format!(
            "{name}.pcap.gz: the gzip data ends at byte {} of the compressed file, and what \
             follows is not gzip (it starts with {starts}: the capture it holds was read \
             whole (78 frames, to byte {} of the decompressed capture); the bytes after it \
             were not read (gzip -d ignores them too)",
            gz.len(),
            raw.len()
        );
        assert!(err.contains(&says), "{err}");
        let out = run_stdin(&args_jsonl(), bytes);
        assert_eq!(out.status.code(), Some(3));
        assert!(out.stdout == piped.stdout);
        let check = bin()
            .args(["check", "--expect-success", "--format", "json"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(check.status.code(), Some(3));
        let v: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
        assert_eq!(v["verdict"], "pass_damaged", "{v}");
        assert_eq!(v["damage"]["byte_offset"], raw.len() as u64, "{v}");
        assert!(v["damage"]["frame"].is_null(), "{v}");
        let message = v["damage"]["message"].as_str().unwrap();
        assert!(says.ends_with(message), "{message}");
        // The text's NOTE says the checks cover the whole capture, which
        // was read whole: not "the part before it", as for a cut one.
        let text = bin()
            .args(["check", "--expect-success"])
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8(text.stdout).unwrap();
        assert!(
            text.contains(&format!(
                "NOTE capture damaged: {message}; the checks cover the whole capture\n"
            )),
            "{text}"
        );
    }
}

/// zstd and lz4 files whose content checksum (RFC 8878 3.1.1, the last 4
/// bytes of the frame; the LZ4 frame format's Content Checksum, after the
/// EndMark) does not match: named corrupt, with what came before reported,
/// exit 3. Bytes flipped anywhere after the magic number: no panic, and an
/// error on standard error whenever the exit code says one.
#[test]
fn corrupt_zstd_and_lz4_data_is_named_and_what_came_before_is_reported() {
    let dir = scratch_dir("corrupt-frames");
    let raw = std::fs::read(sample("ntlm-success-copy.pcap")).unwrap();
    for (name, args) in [("zstd", &["-q", "-c"]), ("lz4", &["-q", "-c"])] {
        let mut packed = compress(name, args, &raw);
        let n = packed.len();
        packed[n - 1] ^= 0x10;
        let path = dir.join(format!("bad.pcap.{name}"));
        std::fs::write(&path, &packed).unwrap();
        let (out, err) = jsonl_of(&path);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(
            err.contains(&format!(
                "bad.pcap.{name}: the {name} data is corrupt at byte "
            )) && err.contains(&format!("): {name}: ")),
            "{err}"
        );
        let (at, frame) = decompressed_offset(&err);
        assert!(at > 0 && at <= raw.len(), "{at}");
        assert!(
            out.stdout == messages_of_prefix(&dir, &raw, at, frame),
            "{name}"
        );

        let small = compress(
            name,
            args,
            &std::fs::read(sample("ntlm-smb311.pcap")).unwrap(),
        );
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..40 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut bad = small.clone();
            let at = 4 + (x as usize) % (small.len() - 4);
            bad[at] ^= 1u8 << ((x >> 60) % 8);
            let out = run_stdin(&args_jsonl(), &bad);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!err.contains("panicked"), "{name} byte {at}: {err}");
            match out.status.code() {
                // A flip that turns off the checksum flag can go unseen.
                Some(0) => {}
                Some(2 | 3) => assert!(err.contains("smbscope: -: "), "{err}"),
                other => panic!("{name} byte {at}: exit {other:?}: {err}"),
            }
        }
    }
}

/// A zstd file made with a window over 16 MiB (`zstd --long=25`; from 2^28
/// the zstd tool itself refuses it without `--long=28` or `--memory`):
/// refused with what to do, not given the memory; 16 MiB is read.
#[test]
fn a_zstd_window_over_16_mib_is_refused_with_what_to_do() {
    let raw = std::fs::read(sample("ntlm-smb311.pcap")).unwrap();
    // From standard input, so that zstd does not fit the window to the size.
    let packed = compress("zstd", &["-q", "-c", "--long=25"], &raw);
    let out = run_stdin(&args_jsonl(), &packed);
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("smbscope: -: the zstd data needs a window over 16 MiB (zstd --long or --ultra), more than smbscope gives it, at byte 0 of the decompressed capture (frame 1): zstd: Frame requires too much memory for decoding; decompress it on the way in (zstd -dc --long=31 FILE | smbscope -)"),
        "{err}"
    );
    let packed = compress("zstd", &["-q", "-c", "--long=24"], &raw);
    let out = run_stdin(&args_jsonl(), &packed);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout == run_stdin(&args_jsonl(), &raw).stdout);
}

/// What a gzip file holds that is not a capture is named as the usual "not
/// a pcap or pcapng capture" (exit 2), saying the file was gzip-compressed:
/// text, nothing, and a gzip file inside (compressed twice).
#[test]
fn a_gzip_file_that_holds_no_capture_says_so() {
    let dir = scratch_dir("notcap");
    let readme = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let capture = std::fs::read(sample("ntlm-smb311.pcap")).unwrap();
    for (name, bytes, says) in [
        (
            "readme.gz",
            gzip("-1", &readme),
            format!(
                "not a pcap or pcapng capture: the file is gzip-compressed, and what it holds starts with {} (pcap starts with d4c3b2a1 or a1b2c3d4, pcapng with 0a0d0d0a)",
                readme[..4].iter().map(|b| format!("{b:02x}")).collect::<String>()
            ),
        ),
        (
            "empty.gz",
            gzip("-1", b""),
            "not a pcap or pcapng capture: the file is gzip-compressed, and what it holds is empty"
                .to_string(),
        ),
        (
            "twice.pcap.gz.gz",
            gzip("-1", &gzip("-1", &capture)),
            "not a pcap or pcapng capture: the file is gzip-compressed, and what it holds is gzip-compressed"
                .to_string(),
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let out = bin().arg("messages").arg(&path).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("{name}: {says}")),
            "{name}: {err}"
        );
        let out = run_stdin(&["messages"], &bytes);
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{err}");
        let says = says.replace("the file is", "the input is");
        assert!(err.contains(&format!("smbscope: -: {says}")), "{err}");
    }
}

/// Bytes after the last zstd or LZ4 frame that start no other, as after
/// the last gzip member: "junk", the zeros `dd conv=sync` pads with, and
/// two bytes ("JU", shorter than a magic number and not the start of one)
/// after the real tools' output (zstd, pzstd, lz4, gzip for comparison).
/// `zstd -dc` and `lz4 -dc` write the whole capture, then stop at them
/// (exit 1; lz4 40 for the two bytes, "Magic Number unreadable"; gzip
/// warns, exit 2, or says nothing of zeros, exit 0).
/// smbscope reads the capture whole (the messages of the plain capture,
/// byte for byte), then names those bytes by their offset in the
/// compressed file (where the tool's output ends) and their first bytes,
/// zeros said so: damage, exit 3, as after gzip, where zstd said "corrupt
/// ... Unknown frame descriptor" at an offset in the decompressed capture
/// and lz4 "corrupt ... WrongMagicNumber". After `lz4 -l`'s legacy frame,
/// which has no end mark, what follows is read as a block size, as `lz4
/// -d` reads it: junk, past the largest block size, is trailing too; zeros
/// are a block of size 0, corrupt (lz4 -d: "Error 54 : Decoding Failed"),
/// and two bytes a cut block size (lz4 -d: "Error 52").
#[test]
fn zstd_and_lz4_files_with_trailing_bytes_are_read_whole_and_the_bytes_named() {
    let dir = scratch_dir("trailing-frames");
    let raw = std::fs::read(sample("krb5-success.pcap")).unwrap();
    let whole = bin()
        .args(args_jsonl())
        .arg(sample("krb5-success.pcap"))
        .output()
        .unwrap();
    assert_eq!(whole.status.code(), Some(0));
    let dd = ["bs=10240", "conv=sync", "iflag=fullblock", "status=none"];
    let mut named = 0;
    for (name, tool, args) in TOOLS {
        let packed = compress(tool, args, &raw);
        let legacy = args.contains(&"-l");
        let mut junk = packed.clone();
        junk.extend_from_slice(b"junk");
        let padded = common::filter("dd", &dd, &packed);
        assert!(padded.len() > packed.len() + 8 && padded[..packed.len()] == packed[..]);
        let mut short = packed.clone();
        short.extend_from_slice(b"JU");
        let zeros = "0000000000000000: zeros, as dd or a tape drive pads a file";
        // gzip's exit code: 2 for a warning, 0 for zeros.
        for (what, bytes, starts, tool_exit) in [
            ("junk", &junk, "6a756e6b", 2),
            ("padded", &padded, zeros, 0),
            ("short", &short, "4a55", 2),
        ] {
            let label = format!("{tool} {args:?} {what}");
            let path = dir.join(format!("{what}.pcap.{name}"));
            std::fs::write(&path, bytes).unwrap();
            let unpack = Command::new(if tool == "pzstd" { "zstd" } else { tool })
                .arg("-dc")
                .arg(&path)
                .output()
                .unwrap();
            assert!(unpack.stdout == raw, "{label}: the tool writes the capture");
            let (out, err) = jsonl_of(&path);
            assert_eq!(out.status.code(), Some(3), "{label}: {err}");
            assert!(out.stdout == whole.stdout, "{label}: the whole capture");
            if legacy && what != "junk" {
                assert_ne!(unpack.status.code(), Some(0), "{label}");
                let says = if what == "padded" {
                    "is corrupt"
                } else {
                    "ends early,"
                };
                assert!(
                    err.contains(&format!("the lz4 data {says} at byte {}", raw.len())),
                    "{label}: {err}"
                );
                continue;
            }
            if tool == "gzip" {
                assert_eq!(unpack.status.code(), Some(tool_exit), "{label}");
            } else {
                assert_ne!(unpack.status.code(), Some(0), "{label}");
            }
            let tail = if tool == "gzip" {
                "gzip -d ignores them too".to_string()
            } else {
                format!("{name} -d too writes the capture, then stops at them")
            };
            let says = format!(
                "{what}.pcap.{name}: the {name} data ends at byte {} of the compressed file, \
                 and what follows is not {name} (it starts with {starts}): the capture it \
                 holds was read whole (78 frames, to byte {} of the decompressed capture); \
                 the bytes after it were not read ({tail})",
                packed.len(),
                raw.len()
            );
            assert!(err.contains(&says), "{label}: {err}");
            named += 1;
            // From a pipe the same.
            let piped = run_stdin(&args_jsonl(), bytes);
            assert_eq!(piped.status.code(), Some(3), "{label}");
        }
    }
    assert_eq!(named, 13);
}

/// A compressed capture cut inside a record (the capture cut, then
/// compressed whole by the tool) and followed by junk: both are named, the
/// cut record (with its offset in the decompressed capture, as for the cut
/// capture alone) and the bytes after the compressed data (their offset in
/// the compressed file and first bytes), where gzip named only the cut and
/// zstd and lz4 called the junk corrupt; exit 3, the messages before the cut.
#[test]
fn a_cut_capture_followed_by_junk_names_both() {
    let dir = scratch_dir("cut-and-junk");
    let raw = std::fs::read(sample("krb5-success.pcap")).unwrap();
    let at = raw.len() * 2 / 3;
    let cut = &raw[..at];
    let plain = dir.join("cut.pcap");
    std::fs::write(&plain, cut).unwrap();
    let (alone, alone_err) = jsonl_of(&plain);
    assert_eq!(alone.status.code(), Some(3));
    let record = alone_err
        .lines()
        .find(|l| l.contains("capture ends inside a record"))
        .and_then(|l| l.split_once("cut.pcap: "))
        .map(|(_, r)| r.trim_end_matches(" (the messages before it were reported)"))
        .expect("the cut named")
        .to_string();
    for (name, tool, args) in TOOLS {
        let mut packed = compress(tool, args, cut);
        let end = packed.len();
        packed.extend_from_slice(b"junk");
        let path = dir.join(format!("cut.pcap.{name}"));
        std::fs::write(&path, &packed).unwrap();
        let (out, err) = jsonl_of(&path);
        assert_eq!(out.status.code(), Some(3), "{tool} {args:?}: {err}");
        assert!(out.stdout == alone.stdout, "{tool} {args:?}");
        // The offset is in the decompressed capture, which is the cut one.
        let record = record.replace(" (frame", " of the decompressed capture (frame");
        let says = format!(
            "cut.pcap.{name}: {record}; and the {name} data ends at byte {end} of the \
             compressed file, and what follows is not {name} (it starts with 6a756e6b), \
             not read"
        );
        assert!(err.contains(&says), "{tool} {args:?}: {err}\nwanted {says}");
    }
}
