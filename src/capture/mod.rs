//! The capture layer: pcap and pcapng records → [`Frame`]s.
//!
//! Reads classic pcap (both byte orders, micro- and nanosecond timestamps,
//! the "modified" Kuznetzov variant) and pcapng (several sections, several
//! interfaces each with its own link type, timestamp resolution and offset)
//! from any [`Read`], streaming: a frame is handed on as soon as its record
//! is in, so `tcpdump -w - | smbscope messages -` works. A capture
//! compressed by gzip, zstd or lz4 is decompressed on the way in (see
//! [`decompress`]); byte offsets are then offsets in the decompressed capture.
//!
//! Frames are numbered from 1 in file order, counting every packet record
//! (pcapng EPB and SPB), like Wireshark's `frame.number`.

mod decompress;
mod reader;

pub use decompress::{Fault, Trailing};
pub use reader::{CaptureReader, Format};

use std::fmt;

/// A capture timestamp: seconds and nanoseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    /// The signed difference `self - earlier` in nanoseconds.
    pub fn nanos_since(self, earlier: Timestamp) -> i64 {
        let s = self.secs.saturating_sub(earlier.secs);
        s.saturating_mul(1_000_000_000)
            .saturating_add(i64::from(self.nanos) - i64::from(earlier.nanos))
    }

    /// Writes the time as RFC 3339 UTC with nanoseconds, e.g.
    /// `2016-10-16T08:08:40.594743000Z`.
    pub fn write_rfc3339(self, out: &mut impl fmt::Write) -> fmt::Result {
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, m, d) = crate::time::civil_from_days(days);
        write!(
            out,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:09}Z",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60,
            self.nanos
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_rfc3339(f)
    }
}

/// A link-layer header type (LINKTYPE_* of the pcap/pcapng specs). Open: any value is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    /// DLT_RAW as some BSDs write it in pcap files.
    pub const RAW_BSD: LinkType = LinkType(12);
    pub const RAW_BSD14: LinkType = LinkType(14);
    pub const RAW: LinkType = LinkType(101);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);

    pub fn name(self) -> &'static str {
        match self {
            LinkType::NULL => "NULL",
            LinkType::ETHERNET => "ETHERNET",
            LinkType::RAW | LinkType::RAW_BSD | LinkType::RAW_BSD14 => "RAW",
            LinkType::LOOP => "LOOP",
            LinkType::LINUX_SLL => "LINUX_SLL",
            LinkType::IPV4 => "IPV4",
            LinkType::IPV6 => "IPV6",
            LinkType::LINUX_SLL2 => "LINUX_SLL2",
            _ => "OTHER",
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            "OTHER" => write!(f, "LINKTYPE {}", self.0),
            n => f.write_str(n),
        }
    }
}

/// One packet record of a capture.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// 1-based, like Wireshark's `frame.number`.
    pub number: u64,
    pub ts: Timestamp,
    pub link_type: LinkType,
    /// The captured bytes (possibly cut by the snaplen).
    pub data: &'a [u8],
    /// The packet's length on the wire.
    pub orig_len: u32,
    /// Byte offset of the record in the capture file (in the decompressed
    /// capture, when the file is compressed).
    pub offset: u64,
}

/// Why a capture could not be read (further).
#[derive(Debug)]
pub enum CaptureError {
    Io {
        offset: u64,
        source: std::io::Error,
    },
    /// The compressed data of a compressed capture cannot be decompressed
    /// further (`fault`: cut short, corrupt, or unreadable): `offset` is how
    /// many decompressed bytes came before, `source` the decompressor's
    /// complaint (or the read error).
    Decompress {
        compressor: Compressor,
        offset: u64,
        frame: u64,
        fault: Fault,
        source: std::io::Error,
    },
    /// A compressed capture read whole, its compressed data followed by
    /// bytes that start no more of it (after a gzip file's last member:
    /// what `gzip -d` ignores as "trailing garbage"; after a zstd or LZ4
    /// file's last frame), which are not read: `offset` is the end of the
    /// decompressed capture, after `frames` frames.
    Trailing {
        compressor: Compressor,
        offset: u64,
        frames: u64,
        trailing: Trailing,
    },
    /// The first bytes are neither a pcap nor a pcapng header (those of the
    /// decompressed data, when `compressed`).
    NotACapture {
        magic: [u8; 4],
        len: usize,
        /// What the file is, when its first bytes say (see [`OtherFormat::of`]).
        format: Option<OtherFormat>,
        /// The compressor of the file, whose output is not a capture.
        compressed: Option<Compressor>,
    },
    /// The file header (classic pcap) or the first section header block
    /// (pcapng) is cut short: nothing of the capture can be read.
    HeaderCut {
        pcapng: bool,
        needed: u64,
        have: u64,
    },
    /// The first section header block of a pcapng file is not valid.
    HeaderInvalid {
        what: String,
    },
    /// A record header that cannot be right (e.g. a length past any sane size).
    Corrupt {
        offset: u64,
        frame: u64,
        what: String,
        /// The file's compressor: `offset` is in the decompressed capture.
        compressed: Option<Compressor>,
    },
    /// The file ends inside a record.
    Truncated {
        offset: u64,
        frame: u64,
        needed: u64,
        have: u64,
        /// The file's compressor: `offset` is in the decompressed capture.
        compressed: Option<Compressor>,
        /// The compressed data (whole: the capture inside it is cut) is
        /// followed by bytes that start no more of it.
        trailing: Option<Trailing>,
    },
}

/// "byte N" of a capture, "byte N of the decompressed capture" of a
/// compressed one, in error messages.
struct At(u64, Option<Compressor>);

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            None => write!(f, "byte {}", self.0),
            Some(_) => write!(f, "byte {} of the decompressed capture", self.0),
        }
    }
}

impl CaptureError {
    /// The byte offset the error refers to.
    pub fn offset(&self) -> u64 {
        match self {
            CaptureError::Io { offset, .. }
            | CaptureError::Decompress { offset, .. }
            | CaptureError::Trailing { offset, .. }
            | CaptureError::Corrupt { offset, .. }
            | CaptureError::Truncated { offset, .. } => *offset,
            CaptureError::NotACapture { .. }
            | CaptureError::HeaderCut { .. }
            | CaptureError::HeaderInvalid { .. } => 0,
        }
    }

    /// The frame whose record is cut or corrupt (the first not read), when
    /// the error names one (not [`CaptureError::Trailing`], after the
    /// capture's last frame).
    pub fn frame(&self) -> Option<u64> {
        match self {
            CaptureError::Corrupt { frame, .. }
            | CaptureError::Truncated { frame, .. }
            | CaptureError::Decompress { frame, .. } => Some(*frame),
            _ => None,
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Io { offset, source } => {
                write!(f, "read error at byte {offset}: {source}")
            }
            CaptureError::Decompress {
                compressor,
                offset,
                frame,
                fault,
                source,
            } => {
                let name = compressor.name();
                let at = At(*offset, Some(*compressor));
                match fault {
                    Fault::Cut => write!(
                        f,
                        "the {name} data ends early, at {at} (frame {frame}): {name}: {source}"
                    ),
                    Fault::Corrupt => write!(
                        f,
                        "the {name} data is corrupt at {at} (frame {frame}): {name}: {source}"
                    ),
                    Fault::Read => write!(
                        f,
                        "read error in the {name} data at {at} (frame {frame}): {source}"
                    ),
                    Fault::WindowTooLarge => write!(
                        f,
                        "the {name} data needs a window over {} MiB (zstd --long or \
                         --ultra), more than smbscope gives it, at {at} (frame {frame}): \
                         {name}: {source}; decompress it on the way in \
                         (zstd -dc --long=31 FILE | smbscope -)",
                        1u32 << (decompress::ZSTD_WINDOW_LOG_MAX - 20)
                    ),
                }
            }
            CaptureError::Trailing {
                compressor,
                offset,
                frames,
                trailing,
            } => {
                write!(
                    f,
                    "{}: the capture it holds was read whole ({frames} frames, to {}); \
                     the bytes after it were not read ({})",
                    TrailingAt(*compressor, trailing),
                    At(*offset, Some(*compressor)),
                    // gzip 1.12 warns ("trailing garbage ignored", exit
                    // 2); zstd 1.5.4 ("unsupported format") and lz4 1.9.4
                    // exit 1, each having written the capture.
                    match compressor {
                        Compressor::Gzip => "gzip -d ignores them too".to_string(),
                        c => format!("{} -d too writes the capture, then stops at them", c.name()),
                    }
                )
            }
            CaptureError::NotACapture {
                compressed: Some(c),
                format,
                magic,
                len,
            } => f.write_str(&not_a_capture_inside(*c, *format, magic, *len, "the file")),
            CaptureError::NotACapture {
                format: Some(other),
                ..
            } => write!(f, "not a pcap or pcapng capture: {}", other.advice("FILE")),
            CaptureError::NotACapture { len: 0, .. } => {
                write!(f, "not a pcap or pcapng capture: the input is empty")
            }
            CaptureError::NotACapture { magic, len, .. } if *len < 4 => write!(
                f,
                "not a pcap or pcapng capture: only {len} byte(s) ({})",
                hex(&magic[..*len])
            ),
            CaptureError::NotACapture { magic, .. } => write!(
                f,
                "not a pcap or pcapng capture: the file starts with {} \
                 (pcap starts with d4c3b2a1 or a1b2c3d4, pcapng with 0a0d0d0a)",
                hex(magic)
            ),
            CaptureError::HeaderCut {
                pcapng: false,
                needed,
                have,
            } => write!(
                f,
                "the pcap file header is cut: it needs {needed} bytes, {have} are present"
            ),
            CaptureError::HeaderCut {
                pcapng: true,
                needed,
                have,
            } => write!(
                f,
                "the pcapng section header block is cut: it needs {needed} bytes, \
                 {have} are present"
            ),
            CaptureError::HeaderInvalid { what } => {
                write!(f, "the pcapng section header block is invalid: {what}")
            }
            CaptureError::Corrupt {
                offset,
                frame,
                what,
                compressed,
            } => {
                let at = At(*offset, *compressed);
                write!(f, "corrupt record at {at} (frame {frame}): {what}")
            }
            CaptureError::Truncated {
                offset,
                frame,
                needed,
                have,
                compressed,
                trailing,
            } => {
                write!(
                    f,
                    "capture ends inside a record at {} (frame {frame}): \
                     the record needs {needed} bytes, {have} are present",
                    At(*offset, *compressed)
                )?;
                match (compressed, trailing) {
                    (Some(c), Some(t)) => write!(f, "; and {}, not read", TrailingAt(*c, t)),
                    _ => Ok(()),
                }
            }
        }
    }
}

/// Where a compressed file's data ends and what follows: "the gzip data
/// ends at byte N of the compressed file, and what follows is not gzip (it
/// starts with 6a756e6b)", zeros said so.
struct TrailingAt<'a>(Compressor, &'a Trailing);

impl fmt::Display for TrailingAt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let TrailingAt(compressor, trailing) = self;
        let shown = trailing.shown();
        let zeros = if shown.iter().all(|&b| b == 0) {
            ": zeros, as dd or a tape drive pads a file"
        } else {
            ""
        };
        write!(
            f,
            "the {name} data ends at byte {} of the compressed file, and what \
             follows is not {name} (it starts with {}{zeros})",
            trailing.at,
            hex(shown),
            name = compressor.name(),
        )
    }
}

impl CaptureError {
    /// The error about `file` (as named on the command line): its
    /// [`Display`](fmt::Display), with the file's name where the advice
    /// for a file of another format names it.
    pub fn about(&self, file: &str) -> String {
        match self {
            CaptureError::NotACapture {
                format: Some(other),
                compressed: None,
                ..
            } => format!("not a pcap or pcapng capture: {}", other.advice(file)),
            CaptureError::NotACapture {
                compressed: Some(c),
                format,
                magic,
                len,
            } if file == "-" => not_a_capture_inside(*c, *format, magic, *len, "the input"),
            e => e.to_string(),
        }
    }
}

impl std::error::Error for CaptureError {}

/// Why a compressed `subject` ("the file", "the input") is not a capture:
/// its decompressed bytes, of which `len` came (the first four in
/// `magic`), are `format` or nothing known.
fn not_a_capture_inside(
    c: Compressor,
    format: Option<OtherFormat>,
    magic: &[u8; 4],
    len: usize,
    subject: &str,
) -> String {
    let holds = match (format, len) {
        (Some(other), _) => format!("is {}", other.what()),
        (None, 0) => "is empty".to_string(),
        (None, n) if n < 4 => format!("is only {n} byte(s) ({})", hex(&magic[..n])),
        (None, _) => format!(
            "starts with {} (pcap starts with d4c3b2a1 or a1b2c3d4, pcapng with 0a0d0d0a)",
            hex(magic)
        ),
    };
    format!(
        "not a pcap or pcapng capture: {subject} is {}-compressed, and what it holds {holds}",
        c.name()
    )
}

/// A file users hand over for a capture that smbscope does not read, known
/// by its first bytes, with what to do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtherFormat {
    /// A compressed file, known by its compressor's magic number: a
    /// `.pcap.gz`, `.zst` or `.lz4` (which the capture reader decompresses,
    /// see [`decompress`]; this is what such a file holds when that is
    /// compressed again), or a `.pcap.xz` or `.bz2`, which it does not read
    /// (nor does tshark).
    Compressed(Compressor),
    /// A zip archive (APPNOTE.TXT 4.3.7: a local file header, signature
    /// 0x04034b50), a capture attached to a ticket.
    Zip,
    /// A Sun snoop capture (RFC 1761: "snoop\0\0\0", version 2), as
    /// Solaris' snoop and some appliances write it.
    Snoop,
    /// Microsoft Network Monitor 1.x ("RTSS") or 2.x and 3.x ("GMBU"), the
    /// magic numbers of Wireshark's wiretap/netmon.c: a `.cap` file.
    NetMon,
    /// An Event Trace Log of Windows (`netsh trace`, `pktmon`): a file of
    /// WMI buffers, the first of which opens with a WMI_BUFFER_HEADER
    /// (0x48 bytes, its BufferSize first), then a SYSTEM_TRACE_HEADER (0x20
    /// bytes; HeaderType at byte 2, 1 or 2 for 32 or 64 bits; HookId at
    /// byte 6, 0 for the log file header) and the TRACE_LOGFILE_HEADER at
    /// 0x68, whose BufferSize repeats the buffer's (Geoff Chappell's
    /// descriptions of WMI_BUFFER_HEADER and SYSTEM_TRACE_HEADER; Microsoft's
    /// DbgShell, EtwDefinitions.cs, reads the BufferSize at 0x68).
    Etl,
}

/// A compressor whose output users hand over for a capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compressor {
    /// RFC 1952 2.3.1: ID1 0x1f, ID2 0x8b, CM 8 (deflate).
    Gzip,
    /// RFC 8878 3.1.1: the frame's magic number 0xFD2FB528, little-endian.
    Zstd,
    /// The .xz file format 2.1.1.1: 0xFD '7zXZ' 0x00.
    Xz,
    /// bzip2's stream header: "BZh" and a block size of '1' to '9'.
    Bzip2,
    /// The LZ4 frame format: magic number 0x184D2204, little-endian.
    Lz4,
}

impl Compressor {
    /// Its name, as in "gzip-compressed".
    pub fn name(self) -> &'static str {
        match self {
            Compressor::Gzip => "gzip",
            Compressor::Zstd => "zstd",
            Compressor::Xz => "xz",
            Compressor::Bzip2 => "bzip2",
            Compressor::Lz4 => "lz4",
        }
    }

    /// The command that writes the decompressed bytes to standard output.
    fn cat(self) -> &'static str {
        match self {
            Compressor::Gzip => "zcat",
            Compressor::Zstd => "zstd -dc",
            Compressor::Xz => "xz -dc",
            Compressor::Bzip2 => "bzip2 -dc",
            Compressor::Lz4 => "lz4 -dc",
        }
    }
}

/// Skippable frames read past at the start of a file to the zstd or LZ4
/// frame after them.
const SKIPPABLE_FRAMES_FIRST: usize = 16;

/// The most first bytes read to see past skippable frames at the start of
/// a file (see [`OtherFormat::skippable_frames_need`]): the capture
/// reader's first read, 1 MiB.
pub(crate) const SKIPPABLE_FRAMES_HEAD_MAX: usize = 1 << 20;

/// The bytes [`OtherFormat::of`] needs to know an ETL file.
pub const OTHER_FORMAT_HEAD: usize = 0x6c;

impl OtherFormat {
    /// What the first bytes of a file (up to [`OTHER_FORMAT_HEAD`]) say it is.
    pub fn of(head: &[u8]) -> Option<OtherFormat> {
        match head {
            [0x50..=0x5f, 0x2a, 0x4d, 0x18, ..] => return Self::after_skippable_frames(head),
            // The legacy LZ4 frame (`lz4 -l`).
            [0x02, 0x21, 0x4c, 0x18, ..] => return Some(OtherFormat::Compressed(Compressor::Lz4)),
            [0x1f, 0x8b, 0x08, ..] => return Some(OtherFormat::Compressed(Compressor::Gzip)),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => return Some(OtherFormat::Compressed(Compressor::Zstd)),
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => {
                return Some(OtherFormat::Compressed(Compressor::Xz))
            }
            [b'B', b'Z', b'h', b'1'..=b'9', ..] => {
                return Some(OtherFormat::Compressed(Compressor::Bzip2))
            }
            [0x04, 0x22, 0x4d, 0x18, ..] => return Some(OtherFormat::Compressed(Compressor::Lz4)),
            [b'P', b'K', 0x03, 0x04, ..] => return Some(OtherFormat::Zip),
            [b's', b'n', b'o', b'o', b'p', 0, 0, 0, ..] => return Some(OtherFormat::Snoop),
            [b'G', b'M', b'B', b'U', ..] | [b'R', b'T', b'S', b'S', ..] => {
                return Some(OtherFormat::NetMon)
            }
            _ => {}
        }
        let u32_at = |i: usize| -> Option<u32> {
            let b = head.get(i..i + 4)?;
            Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let buffer_size = u32_at(0)?;
        let etl = buffer_size >= 0x100
            && u32_at(0x68)? == buffer_size
            && matches!(head.get(0x4a), Some(1 | 2))
            && head.get(0x4e..0x50) == Some(&[0, 0][..]);
        etl.then_some(OtherFormat::Etl)
    }

    /// What a file that starts with skippable frames is: zstd-compressed
    /// when a zstd frame follows them within `head`, lz4-compressed when
    /// an LZ4 frame (or a legacy one) does. A skippable frame (magic
    /// 0x184D2A50 to 0x184D2A5F, little-endian, then its length; RFC 8878
    /// 3.1.2, and the LZ4 Frame Format's "Skippable Frames", the same)
    /// starts every file pzstd writes; an LZ4 file may have them too.
    fn after_skippable_frames(mut head: &[u8]) -> Option<OtherFormat> {
        for _ in 0..SKIPPABLE_FRAMES_FIRST {
            match head {
                [0x50..=0x5f, 0x2a, 0x4d, 0x18, a, b, c, d, rest @ ..] => {
                    let len = u32::from_le_bytes([*a, *b, *c, *d]) as usize;
                    head = rest.get(len..)?;
                }
                [0x28, 0xb5, 0x2f, 0xfd, ..] => {
                    return Some(OtherFormat::Compressed(Compressor::Zstd))
                }
                [0x04, 0x22, 0x4d, 0x18, ..] | [0x02, 0x21, 0x4c, 0x18, ..] => {
                    return Some(OtherFormat::Compressed(Compressor::Lz4))
                }
                _ => return None,
            }
        }
        None
    }

    /// How many first bytes of a file that starts with skippable frames
    /// (see [`Self::after_skippable_frames`]) show the magic number after
    /// them, when `head` holds fewer: None when it holds them, or the file
    /// does not start with a skippable frame.
    pub(crate) fn skippable_frames_need(head: &[u8]) -> Option<usize> {
        let mut at = 0usize;
        for _ in 0..SKIPPABLE_FRAMES_FIRST {
            let rest = head.get(at..).unwrap_or_default();
            match rest {
                [0x50..=0x5f, 0x2a, 0x4d, 0x18, a, b, c, d, ..] => {
                    let len = u32::from_le_bytes([*a, *b, *c, *d]) as usize;
                    at = at.saturating_add(8).saturating_add(len);
                }
                [0x50..=0x5f, 0x2a, 0x4d, 0x18, ..] => return Some(at + 8),
                _ if rest.len() < 4 && at > 0 => return Some(at.saturating_add(4)),
                _ => return None,
            }
        }
        None
    }

    /// What it is, in a few words: "xz-compressed", "a zip archive".
    pub fn what(self) -> String {
        match self {
            OtherFormat::Compressed(c) => format!("{}-compressed", c.name()),
            OtherFormat::Zip => "a zip archive".to_string(),
            OtherFormat::Snoop => "a Sun snoop capture".to_string(),
            OtherFormat::NetMon => "a Microsoft Network Monitor capture".to_string(),
            OtherFormat::Etl => "a Windows event trace (ETL)".to_string(),
        }
    }

    /// What it is and what to do, for the error message about `file` (the
    /// name given on the command line, "-" for standard input).
    pub fn advice(self, file: &str) -> String {
        let stdin = file == "-";
        match self {
            OtherFormat::Compressed(c) if stdin => format!(
                "the input is {}-compressed: decompress it on the way in \
                 (... | {} | smbscope -)",
                c.name(),
                c.cat()
            ),
            OtherFormat::Compressed(c) => format!(
                "the file is {}-compressed: decompress it first, or pipe it in \
                 ({} {file} | smbscope -)",
                c.name(),
                c.cat()
            ),
            OtherFormat::Zip if stdin => {
                "the input is a zip archive: unzip it and read the capture inside".to_string()
            }
            OtherFormat::Zip => format!(
                "the file is a zip archive: list it (unzip -l {file}) and read the \
                 capture inside (unzip -p {file} NAME | smbscope -)"
            ),
            OtherFormat::Snoop => "the file is a Sun snoop capture: convert it to pcapng \
                 (editcap -F pcapng IN OUT.pcapng) and read that"
                .to_string(),
            OtherFormat::NetMon => {
                "the file is a Microsoft Network Monitor capture (.cap): open it in \
                 Wireshark and save it as pcapng (or editcap -F pcapng IN.cap OUT.pcapng)"
                    .to_string()
            }
            OtherFormat::Etl => {
                "the file is a Windows event trace (ETL, from netsh trace or pktmon): \
                 convert it with etl2pcapng (github.com/microsoft/etl2pcapng) or \
                 pktmon etl2pcap, then read the pcapng"
                    .to_string()
            }
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Length of [`Timestamp::rfc3339_fixed`]'s text: `YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ`.
const RFC3339_LEN: usize = 30;

impl Timestamp {
    /// The RFC 3339 text of [`Timestamp::write_rfc3339`], written without the
    /// formatting machinery (it runs once per message of the JSON output).
    /// `None` when the year has other than four digits or `nanos` is out of
    /// range: the caller then takes the general path.
    pub(crate) fn rfc3339_fixed(self) -> Option<[u8; RFC3339_LEN]> {
        if self.nanos > 999_999_999 {
            return None;
        }
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400);
        let (y, m, d) = crate::time::civil_from_days(days);
        if !(0..=9999).contains(&y) {
            return None;
        }
        let mut b = *b"0000-00-00T00:00:00.000000000Z";
        let mut digits = |at: usize, width: usize, mut v: u64| {
            for i in (at..at + width).rev() {
                b[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        digits(0, 4, y as u64);
        digits(5, 2, u64::from(m));
        digits(8, 2, u64::from(d));
        digits(11, 2, (sod / 3600) as u64);
        digits(14, 2, ((sod / 60) % 60) as u64);
        digits(17, 2, (sod % 60) as u64);
        digits(20, 9, u64::from(self.nanos));
        Some(b)
    }
}

/// Length of the text before the nanoseconds: `YYYY-MM-DDTHH:MM:SS.`.
const RFC3339_SECS_LEN: usize = 20;

/// The text up to the nanoseconds (`YYYY-MM-DDTHH:MM:SS.`) of the last
/// timestamp written by [`Timestamp::rfc3339_cached`], and its second:
/// consecutive messages mostly share their second.
#[derive(Clone, Copy, Debug, Default)]
pub struct DateCache(Option<(i64, [u8; RFC3339_SECS_LEN])>);

impl Timestamp {
    /// [`Timestamp::rfc3339_fixed`], with all but the nanoseconds taken
    /// from `cache` when the second is the cached one.
    pub(crate) fn rfc3339_cached(self, cache: &mut DateCache) -> Option<[u8; RFC3339_LEN]> {
        let mut b = match cache.0 {
            Some((secs, head)) if secs == self.secs && self.nanos <= 999_999_999 => {
                let mut b = *b"0000-00-00T00:00:00.000000000Z";
                b[..RFC3339_SECS_LEN].copy_from_slice(&head);
                b
            }
            _ => {
                let b = self.rfc3339_fixed()?;
                let mut head = [0u8; RFC3339_SECS_LEN];
                head.copy_from_slice(&b[..RFC3339_SECS_LEN]);
                cache.0 = Some((self.secs, head));
                return Some(b);
            }
        };
        put_nanos(&mut b, self.nanos);
        Some(b)
    }
}

/// Writes `nanos` (below 10^9) as the nine digits at 20..29 of `b`.
#[inline]
fn put_nanos(b: &mut [u8; RFC3339_LEN], nanos: u32) {
    b[20..29].copy_from_slice(&nine_digits(nanos));
}

/// The last nine decimal digits of `v` (all of them below 10^9): the first,
/// then [`eight_digits`] of the rest.
#[inline]
pub(crate) fn nine_digits(v: u32) -> [u8; 9] {
    let mut b = [b'0'; 9];
    b[0] = b'0' + (v / 100_000_000 % 10) as u8;
    b[1..].copy_from_slice(&eight_digits(v % 100_000_000).to_le_bytes());
    b
}

/// The eight decimal digits of `v` (below 10^8, zero-padded) as ASCII, the
/// first in the lowest byte: split into halves of four digits, each into
/// pairs, each into digits, all lanes of a word at once (the quotients by
/// 100 and 10 as multiplications, exact for lanes below 10^4 and 10^2).
#[inline]
pub(crate) fn eight_digits(v: u32) -> u64 {
    let x = u64::from(v / 10_000) | (u64::from(v % 10_000) << 32);
    let hundreds = ((x * 10_486) >> 20) & 0x0000_007F_0000_007F;
    let x = hundreds | ((x - hundreds * 100) << 16);
    let tens = ((x * 103) >> 10) & 0x000F_000F_000F_000F;
    let x = tens | ((x - tens * 10) << 8);
    x + 0x3030_3030_3030_3030
}

/// Serialized as RFC 3339 text, UTC, nanoseconds.
impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.rfc3339_fixed() {
            // Only ASCII digits and punctuation were written.
            Some(b) => s.serialize_str(std::str::from_utf8(&b).unwrap_or_default()),
            None => s.collect_str(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight digits of every magnitude, zero-padded, as `{:08}` writes
    /// them; nine digits likewise.
    #[test]
    fn digits_match_the_formatting() {
        let values = (0..100_000_000u32)
            .step_by(97)
            .chain(0..20_000)
            .chain(99_980_000..100_000_000);
        for v in values {
            let b = eight_digits(v).to_le_bytes();
            assert_eq!(std::str::from_utf8(&b), Ok(format!("{v:08}").as_str()));
            let w = v.wrapping_mul(10).wrapping_add(v % 10) % 1_000_000_000;
            let b = nine_digits(w);
            assert_eq!(std::str::from_utf8(&b), Ok(format!("{w:09}").as_str()));
        }
    }

    #[test]
    fn cached_date_gives_the_same_text() {
        let mut cache = DateCache::default();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut t = Timestamp {
            secs: 1_476_605_320,
            nanos: 0,
        };
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t = match x % 8 {
                // The same second: the cached text up to the nanoseconds.
                1..=4 => Timestamp {
                    secs: t.secs,
                    nanos: (x >> 40) as u32 % 1_050_000_000,
                },
                0 => Timestamp {
                    secs: (x >> 3) as i64 % 400_000_000_000 - 100_000_000_000,
                    nanos: (x >> 40) as u32 % 1_100_000_000,
                },
                _ => Timestamp {
                    secs: t.secs.saturating_add((x >> 3) as i64 % 20_000 - 5_000),
                    nanos: (x >> 40) as u32 % 1_000_000_000,
                },
            };
            assert_eq!(t.rfc3339_cached(&mut cache), t.rfc3339_fixed(), "{t:?}");
        }
    }

    #[test]
    fn rfc3339_formats_utc() {
        let t = Timestamp {
            secs: 1_476_605_320,
            nanos: 594_743_000,
        };
        assert_eq!(t.to_string(), "2016-10-16T08:08:40.594743000Z");
        assert_eq!(
            Timestamp::default().to_string(),
            "1970-01-01T00:00:00.000000000Z"
        );
        let leap = Timestamp {
            secs: 951_825_600,
            nanos: 1,
        };
        assert_eq!(leap.to_string(), "2000-02-29T12:00:00.000000001Z");
        let before = Timestamp { secs: -1, nanos: 0 };
        assert_eq!(before.to_string(), "1969-12-31T23:59:59.000000000Z");
    }

    #[test]
    fn fixed_rfc3339_matches_display() {
        let mut secs: i64 = -70_000_000_000;
        while secs < 300_000_000_000 {
            for nanos in [0, 1, 594_743_000, 999_999_999, 1_000_000_000, u32::MAX] {
                let t = Timestamp { secs, nanos };
                let json = serde_json::to_string(&t).unwrap();
                assert_eq!(json, format!("\"{t}\""), "{secs} {nanos}");
                if let Some(b) = t.rfc3339_fixed() {
                    assert_eq!(std::str::from_utf8(&b).unwrap(), t.to_string());
                }
            }
            secs += 86_400 * 37 + 3_607;
        }
        for secs in [
            i64::MIN,
            i64::MAX,
            -62_167_219_200,
            -62_167_219_201,
            253_402_300_799,
            253_402_300_800,
        ] {
            let t = Timestamp { secs, nanos: 5 };
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
        }
    }

    #[test]
    fn nanos_since_is_signed() {
        let a = Timestamp {
            secs: 10,
            nanos: 900_000_000,
        };
        let b = Timestamp {
            secs: 11,
            nanos: 100_000_000,
        };
        assert_eq!(b.nanos_since(a), 200_000_000);
        assert_eq!(a.nanos_since(b), -200_000_000);
    }
}
