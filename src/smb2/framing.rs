//! NetBIOS session service framing (RFC 1002 4.3) as SMB2 uses it on TCP 139,
//! and the Direct TCP transport on 445 ([MS-SMB2] 2.1): a 4-byte header, then
//! the message. One [`Framer`] per direction cuts the reassembled byte stream
//! into messages.
//!
//! Bytes are kept only as far as anybody reads them: a message that arrives
//! whole in one segment is handed on in place (no copy); one that spans
//! segments is copied up to a keep limit that depends on what it is (a READ
//! response or a WRITE request keeps its fixed part only, an encrypted
//! message its transform header), and the rest is counted and skipped.
//!
//! After a gap the framer resynchronizes on the next plausible header: a
//! session message whose payload starts with 0xFE/0xFD/0xFC/0xFF 'SMB',
//! and for 0xFE 'SMB' an SMB2 header's StructureSize of 64 (see
//! [`resync_start`]).

use super::header::{
    le16, le32, Command, COMPRESSION_MAGIC, HEADER_LEN, HEADER_STRUCTURE_SIZE, SMB1_MAGIC,
    SMB2_MAGIC, TRANSFORM_MAGIC,
};
use super::smb1::Smb1Command;
use super::smb1_andx::NO_ANDX;

/// NetBIOS session packet type (RFC 1002 4.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NbssType(pub u8);

impl NbssType {
    pub const SESSION_MESSAGE: NbssType = NbssType(0x00);
    pub const SESSION_REQUEST: NbssType = NbssType(0x81);
    pub const POSITIVE_RESPONSE: NbssType = NbssType(0x82);
    pub const NEGATIVE_RESPONSE: NbssType = NbssType(0x83);
    pub const RETARGET_RESPONSE: NbssType = NbssType(0x84);
    pub const KEEPALIVE: NbssType = NbssType(0x85);

    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            NbssType::SESSION_MESSAGE => "SESSION_MESSAGE",
            NbssType::SESSION_REQUEST => "SESSION_REQUEST",
            NbssType::POSITIVE_RESPONSE => "POSITIVE_SESSION_RESPONSE",
            NbssType::NEGATIVE_RESPONSE => "NEGATIVE_SESSION_RESPONSE",
            NbssType::RETARGET_RESPONSE => "RETARGET_SESSION_RESPONSE",
            NbssType::KEEPALIVE => "SESSION_KEEP_ALIVE",
            _ => return None,
        })
    }

    fn is_known(self) -> bool {
        self.name().is_some()
    }
}

/// The largest message we keep whole for decoding (a Kerberos AP-REQ with a
/// large PAC is well below this); longer ones keep this much and skip the rest.
pub const MAX_KEEP: usize = 256 * 1024;
/// Bytes of a message kept whatever the other connections hold: an SMB2
/// header (64 bytes, [MS-SMB2] 2.2.1) and the start of its body.
pub const MIN_KEEP: usize = 128;
/// Room a keep buffer keeps between messages, for the next: a connection
/// that once carried a large message does not hold its room while idle
/// (up to 200,000 connections are tracked).
pub const RETAIN: usize = 4 * 1024;
/// NetBIOS lengths are 17 bits on 139 (RFC 1002) and 24 bits on 445 ([MS-SMB2] 2.1).
const MAX_NBSS_LEN: u32 = 0x00FF_FFFF;

/// One NetBIOS session message, as far as it was kept.
#[derive(Debug)]
pub struct Pdu<'a> {
    pub kind: NbssType,
    /// The kept bytes of the message (after the 4-byte header): a prefix of it.
    pub bytes: &'a [u8],
    /// The message length the header declared.
    pub len: u32,
    /// Bytes of this message missing from the capture (lost or cut by the snaplen).
    pub missing: u64,
    /// Where the missing bytes lie: all of them within
    /// `missing_from..missing_to` of the message (both 0 when none is missing).
    /// The span is exactly `missing` long when they are one run (one lost
    /// segment, one frame cut by the snaplen, the stream's end); longer when
    /// several holes lie apart (each segment of the message cut by the snaplen).
    pub missing_from: u32,
    pub missing_to: u32,
}

impl Pdu<'_> {
    /// How many of the missing bytes fall in `from..to` of the message: exact
    /// when they are one run; when they lie apart, spread evenly over their
    /// span (the positions of the holes are not kept). Summed over ranges that
    /// tile the message, this gives `missing` back, and a range never gets more
    /// than it holds of the span (none of its kept bytes).
    pub fn missing_in(&self, from: u32, to: u32) -> u64 {
        let (lo, hi) = (self.missing_from, self.missing_to);
        if self.missing == 0 || hi <= lo {
            return 0;
        }
        let span = u64::from(hi - lo);
        let missing = self.missing.min(span);
        // Missing bytes before position x: a whole number, growing with x.
        let before = |x: u32| missing * u64::from(x.clamp(lo, hi) - lo) / span;
        before(to.max(from)) - before(from)
    }
}

/// What the framer noticed besides messages.
#[derive(Clone, Copy, Debug, Default)]
pub struct FramerStats {
    /// Bytes skipped while looking for a header (after a gap or a mid-stream start).
    pub resync_skipped: u64,
    pub resyncs: u64,
    /// The first bytes found where a message header was expected and not
    /// plausible as one (the NetBIOS header and up to 4 bytes after it):
    /// the first `first_skipped_len` bytes of `first_skipped`.
    pub first_skipped: [u8; 8],
    pub first_skipped_len: u8,
}

impl FramerStats {
    /// The first bytes that were not a message header (empty: none yet).
    pub fn first_skipped(&self) -> &[u8] {
        &self.first_skipped[..usize::from(self.first_skipped_len).min(8)]
    }

    /// Keeps `head` as the first bytes that were not a header, once.
    fn note_skipped(&mut self, head: &[u8]) {
        if self.first_skipped_len == 0 {
            let n = head.len().min(8);
            self.first_skipped[..n].copy_from_slice(&head[..n]);
            self.first_skipped_len = n as u8;
        }
    }
}

#[derive(Debug)]
enum State {
    /// At or inside a 4-byte NetBIOS header.
    Header { have: usize, buf: [u8; 4] },
    /// Inside a message.
    Body(Body),
    /// Lost: looking for the next plausible header. `carry` holds the last bytes seen.
    Hunt { carry: [u8; CARRY], have: usize },
}

#[derive(Debug)]
struct Body {
    kind: NbssType,
    len: u32,
    /// Bytes of the message seen or skipped so far.
    pos: u32,
    keep: usize,
    /// `keep` was judged from the message's first bytes.
    decided: bool,
    missing: u64,
    /// The missing bytes lie within `missing_from..missing_to`.
    missing_from: u32,
    missing_to: u32,
    /// A hole was met: nothing after it is kept.
    holed: bool,
}

impl Body {
    /// `n` bytes from `pos` on are missing.
    fn hole(&mut self, n: u64) {
        if self.missing == 0 {
            self.missing_from = self.pos;
        }
        self.pos += n as u32;
        self.missing += n;
        self.missing_to = self.pos;
        self.holed = true;
    }
}

/// Cuts one direction of a TCP stream into NetBIOS session messages.
#[derive(Debug)]
pub struct Framer {
    state: State,
    kept: Vec<u8>,
    /// Most bytes of the current message kept from now on (at most
    /// [`MAX_KEEP`]): its owner lowers it when the messages of all
    /// connections hold too much ([`Framer::limit_keep`]).
    keep_cap: usize,
    pub stats: FramerStats,
}

impl Default for Framer {
    fn default() -> Self {
        Framer {
            state: State::Header {
                have: 0,
                buf: [0; 4],
            },
            kept: Vec::new(),
            keep_cap: MAX_KEEP,
            stats: FramerStats::default(),
        }
    }
}

fn nbss_len(h: &[u8]) -> u32 {
    u32::from_be_bytes([0, h[1], h[2], h[3]])
}

/// Does `h` (a NetBIOS header and the first 4 payload bytes) look like the start of a message?
fn plausible(h: &[u8]) -> bool {
    let kind = NbssType(h[0]);
    let len = nbss_len(h);
    if kind == NbssType::SESSION_MESSAGE {
        let magic = [h[4], h[5], h[6], h[7]];
        let known = [SMB2_MAGIC, TRANSFORM_MAGIC, COMPRESSION_MAGIC, SMB1_MAGIC].contains(&magic);
        return known && (32..=MAX_NBSS_LEN).contains(&len);
    }
    kind.is_known() && len < 1024
}

/// Bytes a resynchronization judges a start by: the NetBIOS header, the
/// protocol id and an SMB2 header's StructureSize.
const HUNT_WINDOW: usize = 10;
/// Bytes carried from one chunk to the next while hunting: a start may
/// begin in them.
const CARRY: usize = HUNT_WINDOW - 1;

/// Is `w` ([`HUNT_WINDOW`] bytes) where a message starts, as a
/// resynchronization sees it: a [`plausible`] session message, and when it
/// holds an SMB2 header, one whose StructureSize is 64 ([MS-SMB2] 2.2.1.1,
/// 2.2.1.2: it MUST be). Stricter than at a message boundary, where the
/// length before says a message starts and one with another StructureSize
/// is framed and listed all the same (as tshark does): inside data after a
/// gap, 0xFE 'SMB' is only a guess (a file holding SMB2 packets, text that
/// says "SMB"), and two more bytes halve the guesses that go wrong.
fn resync_start(w: &[u8]) -> bool {
    w.len() >= HUNT_WINDOW
        && w[0] == 0
        && w[5..8] == *b"SMB"
        && plausible(&w[..8])
        && (w[4..8] != SMB2_MAGIC || w[8..10] == HEADER_STRUCTURE_SIZE.to_le_bytes())
}

/// A header whose message is shorter than 4 bytes cannot be judged by its payload.
fn plausible_short(h: &[u8]) -> bool {
    let kind = NbssType(h[0]);
    kind != NbssType::SESSION_MESSAGE && kind.is_known() && nbss_len(h) < 4
}

/// Bytes of a WRITE request's data kept after its fixed part: a DCE/RPC
/// bind whole (C706 12.6.4.3: 28 bytes before the list, then 4 + 20 + 20
/// bytes a context; the binds written with WRITE in the samples and corpus
/// are 116 bytes, Windows 7's two contexts, tshark dcerpc.cn_frag_len, or
/// 160, three: NDR, NDR64 and bind time feature negotiation, Windows 10
/// and impacket), and a request's stub far enough to read the command line
/// of a service it creates ([MS-SCMR] 3.1.4.12 RCreateServiceW, which
/// impacket writes with WRITE: 452 bytes for smbexec's in
/// impacket-smbexec-svcctl frame 31, tshark dcerpc.cn_frag_len;
/// session::scmr). The IOCTL input, where other clients write theirs, is
/// kept whole. Keeping 1024 rather than 160 bytes costs nothing measurable
/// (callgrind, `messages` on a 16 MiB session capture: see the commit).
pub const WRITE_DATA_KEPT: usize = 1024;

/// Bytes of a READ response's data kept after its fixed part: on a named
/// pipe, a DCE/RPC answer's header, a fault's status, and a bind_ack's
/// results (C706 12.6.4.4: 26 bytes and the secondary address, padded to
/// 4, then 4 and 24 bytes a presentation context: three contexts after a
/// secondary address of up to 28 bytes, "\PIPE\ntsvcs" is 13).
pub const READ_DATA_KEPT: usize = 128;

/// How much of a message to keep, judged from its first bytes (`head`, up to 24).
fn keep_limit(kind: NbssType, len: u32, head: &[u8]) -> usize {
    let len = len as usize;
    if kind != NbssType::SESSION_MESSAGE || head.len() < 4 {
        return len.min(MAX_KEEP);
    }
    let magic = [head[0], head[1], head[2], head[3]];
    let limit = if magic == TRANSFORM_MAGIC {
        52 // SMB2 TRANSFORM_HEADER ([MS-SMB2] 2.2.41); the rest is ciphertext
    } else if magic == COMPRESSION_MAGIC {
        64 // COMPRESSION_TRANSFORM_HEADER and a chained payload header ([MS-SMB2] 2.2.42)
    } else if magic == SMB2_MAGIC && head.len() >= 24 {
        let command = Command(le16(head, 12));
        let response = le32(head, 16) & super::header::flags::SERVER_TO_REDIR != 0;
        let chained = le32(head, 20) != 0;
        match (command, response, chained) {
            // READ response: 16 bytes of fixed part before the data ([MS-SMB2] 2.2.20),
            // and the data's first bytes: on a named pipe, a DCE/RPC answer
            // (session::pipes)
            (Command::READ, true, false) => HEADER_LEN + 16 + READ_DATA_KEPT,
            // WRITE request: 48 bytes of fixed part before the data ([MS-SMB2] 2.2.21),
            // and the data's first bytes: on a named pipe, a DCE/RPC PDU's header and
            // a bind's presentation contexts (session::pipes)
            (Command::WRITE, false, false) => HEADER_LEN + 48 + WRITE_DATA_KEPT,
            _ => MAX_KEEP,
        }
    } else if magic == SMB1_MAGIC {
        smb1_keep_limit(head)
    } else {
        MAX_KEEP
    };
    len.min(limit)
}

/// How much of an SMB1 message to keep: of a READ_ANDX response or a
/// WRITE_ANDX request that ends its AndX chain, the header, WordCount, the
/// words and ByteCount, not the data after them ([MS-CIFS] 2.2.3.1 header,
/// 2.2.3.2 SMB_Parameters; 2.2.4.42.2, 2.2.4.43.1); all of anything else.
fn smb1_keep_limit(head: &[u8]) -> usize {
    /// WordCount follows the 32-byte SMB_Header; AndXCommand is the first word's low byte.
    const WORD_COUNT: usize = 32;
    let (Some(&command), Some(&flags), Some(&wc), Some(&andx)) = (
        head.get(4),
        head.get(9),
        head.get(WORD_COUNT),
        head.get(WORD_COUNT + 1),
    ) else {
        return MAX_KEEP;
    };
    let reply = flags & 0x80 != 0; // SMB_FLAGS_REPLY
    let data_follows = matches!(
        (Smb1Command(command), reply),
        (Smb1Command::READ_ANDX, true) | (Smb1Command::WRITE_ANDX, false)
    );
    if data_follows && andx == NO_ANDX {
        WORD_COUNT + 1 + 2 * usize::from(wc) + 2
    } else {
        MAX_KEEP
    }
}

/// Bytes of a message's start needed to judge its keep limit: an SMB2
/// header to its NextCommand (24), an SMB1 header to its AndXCommand (34).
const JUDGE: usize = 34;

/// Appends to `kept`, the message's first bytes, those of `part` (which
/// begins at offset `start` of the message) it lacks, up to `limit` in all.
fn keep_prefix(kept: &mut Vec<u8>, start: u32, part: &[u8], limit: usize) {
    let Some(from) = kept.len().checked_sub(start as usize) else {
        return; // the kept bytes do not reach `part` (a hole before it)
    };
    let to = limit.saturating_sub(start as usize).min(part.len());
    if from < to {
        kept.extend_from_slice(&part[from..to]);
    }
}

impl Framer {
    /// Keeps at most `cap` bytes of a message from now on (never fewer than
    /// [`MIN_KEEP`], an SMB2 header and the start of its body; never more
    /// than [`MAX_KEEP`]); the rest of a message is counted, not buffered.
    pub fn limit_keep(&mut self, cap: usize) {
        self.keep_cap = cap.clamp(MIN_KEEP, MAX_KEEP);
    }

    /// The memory the keep buffer holds for a message under way (between
    /// messages it keeps at most [`RETAIN`] bytes of room, for the next).
    pub fn kept_room(&self) -> usize {
        if self.in_message() {
            self.kept.capacity()
        } else {
            0
        }
    }

    /// Takes in-order bytes; calls `emit` for each message completed.
    pub fn data(&mut self, mut chunk: &[u8], emit: &mut impl FnMut(Pdu<'_>)) {
        // Every step consumes bytes or changes state towards consuming them;
        // the bound is a guard against a bug turning into an endless loop.
        let mut steps = 2 * chunk.len() + 16;
        while !chunk.is_empty() && steps > 0 {
            steps -= 1;
            chunk = match &self.state {
                State::Header { have: 0, .. } => self.at_boundary(chunk, emit),
                State::Header { .. } => self.header(chunk, emit),
                State::Body(_) => self.body(chunk, emit),
                State::Hunt { .. } => self.hunt(chunk, emit),
            };
        }
    }

    /// `len` bytes are missing here (lost, or cut by the snaplen).
    pub fn gap(&mut self, len: u64, emit: &mut impl FnMut(Pdu<'_>)) {
        if len == 0 {
            return;
        }
        match &mut self.state {
            State::Body(b) => {
                let left = u64::from(b.len - b.pos);
                let inside = len.min(left);
                b.hole(inside);
                if inside == left {
                    self.finish_body(emit);
                    if len > left {
                        self.start_hunt();
                    }
                }
            }
            State::Header { have, .. } | State::Hunt { have, .. } => {
                // Bytes before the gap that never became a header.
                self.stats.resync_skipped += *have as u64;
                self.start_hunt();
            }
        }
    }

    /// The stream ended: a message still open is handed out as it is.
    pub fn end(&mut self, emit: &mut impl FnMut(Pdu<'_>)) {
        if let State::Body(b) = &mut self.state {
            let left = u64::from(b.len - b.pos);
            if left > 0 {
                b.hole(left);
            }
            self.finish_body(emit);
        }
        if let State::Hunt { have, .. } = self.state {
            // The last bytes looked at for a header never became one.
            self.stats.resync_skipped += have as u64;
        }
        self.state = State::Header {
            have: 0,
            buf: [0; 4],
        };
        // Nothing more is expected in this direction, but the connection is
        // remembered for a while after its FIN (stream numbering): give the
        // keep buffer (up to RETAIN kept for reuse) back now.
        self.kept = Vec::new();
    }

    /// The framer is inside a message (bytes of it are pending).
    pub fn in_message(&self) -> bool {
        matches!(self.state, State::Body(_) | State::Header { have: 1.., .. })
    }

    fn start_hunt(&mut self) {
        self.stats.resyncs += 1;
        self.kept.clear();
        self.state = State::Hunt {
            carry: [0; CARRY],
            have: 0,
        };
    }

    /// Starts hunting after `seen` bytes that turned out not to be a message
    /// start; a start may still begin in their last [`CARRY`] bytes.
    fn hunt_after(&mut self, seen: &[u8]) {
        let keep = seen.len().min(CARRY);
        let mut carry = [0u8; CARRY];
        carry[..keep].copy_from_slice(&seen[seen.len() - keep..]);
        self.stats.resyncs += 1;
        self.stats.resync_skipped += (seen.len() - keep) as u64;
        self.state = State::Hunt { carry, have: keep };
    }

    /// At a message boundary: hand out whole messages in place, without a copy.
    fn at_boundary<'c>(&mut self, chunk: &'c [u8], emit: &mut impl FnMut(Pdu<'_>)) -> &'c [u8] {
        let mut rest = chunk;
        while rest.len() >= 4 {
            if rest.len() >= 8 {
                if !plausible(&rest[..8]) {
                    self.stats.note_skipped(&rest[..8]);
                    self.start_hunt();
                    return rest;
                }
            } else if !plausible_short(rest) {
                break; // judged once more bytes are in
            }
            let len = nbss_len(rest);
            let end = 4 + len as usize;
            if rest.len() < end {
                break;
            }
            emit(Pdu {
                kind: NbssType(rest[0]),
                bytes: &rest[4..end],
                len,
                missing: 0,
                missing_from: 0,
                missing_to: 0,
            });
            rest = &rest[end..];
        }
        if rest.is_empty() {
            return rest;
        }
        self.header(rest, emit)
    }

    /// Collects a header that spans segments, then starts the body.
    fn header<'c>(&mut self, chunk: &'c [u8], _emit: &mut impl FnMut(Pdu<'_>)) -> &'c [u8] {
        let State::Header { have, buf } = &mut self.state else {
            return chunk;
        };
        let take = (4 - *have).min(chunk.len());
        buf[*have..*have + take].copy_from_slice(&chunk[..take]);
        *have += take;
        if *have < 4 {
            return &chunk[take..];
        }
        let h = *buf;
        let kind = NbssType(h[0]);
        let len = nbss_len(&h);
        if !kind.is_known() || (kind == NbssType::SESSION_MESSAGE && len < 4) {
            self.stats.note_skipped(&h);
            self.hunt_after(&h[1..]);
            self.stats.resync_skipped += 1;
            return &chunk[take..];
        }
        self.kept.clear();
        self.state = State::Body(Body {
            kind,
            len,
            pos: 0,
            keep: (len as usize).min(MAX_KEEP),
            decided: false,
            missing: 0,
            missing_from: 0,
            missing_to: 0,
            holed: false,
        });
        &chunk[take..]
    }

    fn body<'c>(&mut self, chunk: &'c [u8], emit: &mut impl FnMut(Pdu<'_>)) -> &'c [u8] {
        let State::Body(b) = &mut self.state else {
            return chunk;
        };
        let left = (b.len - b.pos) as usize;
        let take = left.min(chunk.len());
        let part = &chunk[..take];
        let start = b.pos;
        if !b.holed && !b.decided {
            // Only what judging the message needs until its keep limit is
            // known: a READ response's or WRITE request's data is never copied.
            keep_prefix(&mut self.kept, start, part, JUDGE.min(b.keep));
        }
        b.pos += take as u32;
        if !b.decided && (self.kept.len() >= JUDGE.min(b.len as usize) || b.holed) {
            b.decided = true;
            if b.kind == NbssType::SESSION_MESSAGE && self.kept.len() >= 4 {
                let magic = [self.kept[0], self.kept[1], self.kept[2], self.kept[3]];
                if ![SMB2_MAGIC, TRANSFORM_MAGIC, COMPRESSION_MAGIC, SMB1_MAGIC].contains(&magic) {
                    let l = b.len.to_be_bytes();
                    let head = [
                        b.kind.0, l[1], l[2], l[3], magic[0], magic[1], magic[2], magic[3],
                    ];
                    self.stats.note_skipped(&head);
                    let seen = std::mem::take(&mut self.kept);
                    self.stats.resync_skipped += 4;
                    self.hunt_after(&seen);
                    self.kept = seen;
                    self.kept.clear();
                    return &chunk[take..];
                }
            }
            b.keep = keep_limit(b.kind, b.len, &self.kept);
            self.kept.truncate(b.keep);
        }
        if !b.holed && b.decided {
            keep_prefix(&mut self.kept, start, part, b.keep.min(self.keep_cap));
        }
        if b.pos == b.len {
            self.finish_body(emit);
        }
        &chunk[take..]
    }

    fn finish_body(&mut self, emit: &mut impl FnMut(Pdu<'_>)) {
        if let State::Body(b) = &self.state {
            emit(Pdu {
                kind: b.kind,
                bytes: &self.kept,
                len: b.len,
                missing: b.missing,
                missing_from: b.missing_from,
                missing_to: b.missing_to,
            });
        }
        if self.kept.capacity() > RETAIN {
            self.kept = Vec::new();
        } else {
            self.kept.clear();
        }
        self.state = State::Header {
            have: 0,
            buf: [0; 4],
        };
    }

    /// Looks for the next plausible message start; bytes before it are skipped.
    fn hunt<'c>(&mut self, chunk: &'c [u8], emit: &mut impl FnMut(Pdu<'_>)) -> &'c [u8] {
        let State::Hunt { carry, have } = &self.state else {
            return chunk;
        };
        let (carry, have) = (*carry, *have);
        // A start that begins in the carried bytes and ends in this chunk.
        let mut joined = [0u8; 2 * CARRY];
        joined[..have].copy_from_slice(&carry[..have]);
        let extra = chunk.len().min(CARRY);
        joined[have..have + extra].copy_from_slice(&chunk[..extra]);
        let jlen = have + extra;
        if let Some(p) = (0..have)
            .find(|&p| p + HUNT_WINDOW <= jlen && resync_start(&joined[p..p + HUNT_WINDOW]))
        {
            self.stats.resync_skipped += p as u64;
            self.state = State::Header {
                have: 0,
                buf: [0; 4],
            };
            self.data(&carry[p..have], emit);
            return chunk;
        }
        // A start inside the chunk.
        let found = chunk.windows(HUNT_WINDOW).position(resync_start);
        if let Some(i) = found {
            self.stats.resync_skipped += (have + i) as u64;
            self.state = State::Header {
                have: 0,
                buf: [0; 4],
            };
            return &chunk[i..];
        }
        // Nothing yet: keep the last bytes seen for the next chunk.
        let keep = jlen.min(CARRY);
        let mut next = [0u8; CARRY];
        if chunk.len() >= CARRY {
            next.copy_from_slice(&chunk[chunk.len() - CARRY..]);
        } else {
            next[..keep].copy_from_slice(&joined[jlen - keep..jlen]);
        }
        self.stats.resync_skipped += (have + chunk.len() - keep) as u64;
        self.state = State::Hunt {
            carry: next,
            have: keep,
        };
        &[]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what the framer emits as (kind, kept bytes, declared len, missing).
    /// (kind, kept bytes, declared length, missing bytes) of each message.
    type Emitted = Vec<(u8, Vec<u8>, u32, u64)>;

    fn run(steps: &[Result<&[u8], u64>]) -> (Emitted, FramerStats) {
        let mut f = Framer::default();
        let mut out = Vec::new();
        let mut emit = |p: Pdu<'_>| out.push((p.kind.0, p.bytes.to_vec(), p.len, p.missing));
        for s in steps {
            match s {
                Ok(b) => f.data(b, &mut emit),
                Err(n) => f.gap(*n, &mut emit),
            }
        }
        f.end(&mut emit);
        (out, f.stats)
    }

    /// A NetBIOS session message of `payload_len` bytes: an SMB2 protocol
    /// id and StructureSize (64), then `fill`.
    fn msg(payload_len: usize, fill: u8) -> Vec<u8> {
        let mut v = vec![0, 0, 0, 0];
        v[1..4].copy_from_slice(&(payload_len as u32).to_be_bytes()[1..]);
        v.extend_from_slice(&SMB2_MAGIC);
        v.extend_from_slice(&HEADER_STRUCTURE_SIZE.to_le_bytes());
        v.resize(4 + payload_len, fill);
        v
    }

    #[test]
    fn whole_split_and_several_per_chunk() {
        let a = msg(70, 1);
        let b = msg(100, 2);
        let mut both = a.clone();
        both.extend_from_slice(&b);
        let (out, _) = run(&[Ok(&both[..3]), Ok(&both[3..50]), Ok(&both[50..])]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].1, a[4..]);
        assert_eq!(out[1].1, b[4..]);
        let (out, _) = run(&[Ok(&both)]);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn gap_inside_a_message_then_resync() {
        let a = msg(200, 1);
        let b = msg(64, 2);
        // lose bytes 100..150 of a, then a's tail, then b
        let (out, _) = run(&[Ok(&a[..100]), Err(50), Ok(&a[150..]), Ok(&b)]);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].2, out[0].3, out[0].1.len()), (200, 50, 96));
        assert_eq!(out[1].1, b[4..]);
        // a gap past the end of a message: hunt for the next header
        let mut junk = vec![7u8; 33];
        junk.extend_from_slice(&b);
        let (out, st) = run(&[
            Ok(&a[..100]),
            Err(500),
            Ok(&junk[..10]),
            Ok(&junk[10..40]),
            Ok(&junk[40..]),
        ]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].1, b[4..]);
        assert_eq!(st.resync_skipped, 33);
    }

    #[test]
    fn midstream_start_hunts() {
        let b = msg(64, 2);
        let mut s = vec![0x42u8; 9];
        s.extend_from_slice(&b);
        s.extend_from_slice(&b);
        for cut in [1, 5, 9, 11, 13, 20] {
            let (out, st) = run(&[Ok(&s[..cut]), Ok(&s[cut..])]);
            assert_eq!(out.len(), 2, "cut {cut}");
            assert_eq!(st.resync_skipped, 9, "cut {cut}");
        }
    }

    #[test]
    fn netbios_session_packets_on_139() {
        // session request (called/calling names elided), positive response, keepalive
        let mut s = vec![0x81, 0, 0, 4, 1, 2, 3, 4, 0x82, 0, 0, 0, 0x85, 0, 0, 0];
        s.extend_from_slice(&msg(64, 3));
        let (out, _) = run(&[Ok(&s)]);
        let kinds: Vec<u8> = out.iter().map(|o| o.0).collect();
        assert_eq!(kinds, vec![0x81, 0x82, 0x85, 0x00]);
        for cut in 1..s.len() {
            let (out, _) = run(&[Ok(&s[..cut]), Ok(&s[cut..])]);
            assert_eq!(out.len(), 4, "cut {cut}");
        }
    }

    /// Of a READ response's data only the first READ_DATA_KEPT bytes are
    /// kept (a DCE/RPC answer's header on a pipe).
    #[test]
    fn read_response_data_is_not_kept() {
        let mut m = msg(64 + 16 + 100_000, 0);
        // command READ (8), flags SERVER_TO_REDIR
        m[4 + 12] = 8;
        m[4 + 16] = 1;
        let (out, _) = run(&[Ok(&m[..1000]), Ok(&m[1000..])]);
        assert_eq!(out[0].1.len(), 80 + READ_DATA_KEPT);
        assert_eq!(out[0].2, 100_080);
        // Not even copied before its kind is known: the buffer holds the
        // header, the fixed part and the data's first bytes, not the first
        // chunk's 920 bytes of data.
        let mut f = Framer::default();
        f.data(&m[..1000], &mut |_| {});
        assert!(f.in_message());
        assert!(
            f.kept_room() < 80 + READ_DATA_KEPT + 200,
            "{}",
            f.kept_room()
        );
    }

    /// The missing bytes of a message, over parts of it (the PDUs of a
    /// compound chain): one run of them is placed exactly; holes apart are
    /// spread over their span; summed over a tiling they are all there, and a
    /// part never gets more than it has beyond its kept bytes.
    #[test]
    fn missing_bytes_fall_in_the_parts_they_belong_to() {
        let m = msg(1000, 1);
        let spans = |steps: &[Result<&[u8], u64>]| -> Vec<u64> {
            let mut f = Framer::default();
            let mut got = Vec::new();
            let mut emit = |p: Pdu<'_>| {
                let cuts = [0u32, 300, 600, 800, 1000];
                got = cuts.windows(2).map(|w| p.missing_in(w[0], w[1])).collect();
                assert_eq!(got.iter().sum::<u64>(), p.missing);
                for (w, n) in cuts.windows(2).zip(&got) {
                    let kept = (p.bytes.len() as u32).clamp(w[0], w[1]) - w[0];
                    assert!(u64::from(w[1] - w[0] - kept) >= *n, "{w:?} {n}");
                }
            };
            for s in steps {
                match s {
                    Ok(b) => f.data(b, &mut emit),
                    Err(n) => f.gap(*n, &mut emit),
                }
            }
            f.end(&mut emit);
            got
        };
        // The snaplen cut the one frame: bytes 700.. of 1000 missing.
        assert_eq!(spans(&[Ok(&m[..704]), Err(300)]), [0, 0, 100, 200]);
        // A lost segment, 250..550, then the rest.
        assert_eq!(
            spans(&[Ok(&m[..254]), Err(300), Ok(&m[554..])]),
            [50, 250, 0, 0]
        );
        // The stream ended at 900.
        assert_eq!(spans(&[Ok(&m[..904])]), [0, 0, 0, 100]);
        // Two holes apart (each of two segments cut): 400..500 and 900..1000
        // missing, 200 bytes over 400..1000; spread evenly.
        assert_eq!(
            spans(&[Ok(&m[..404]), Err(100), Ok(&m[504..904]), Err(100)]),
            [0, 66, 67, 67]
        );
        // Nothing missing.
        assert_eq!(spans(&[Ok(&m)]), [0, 0, 0, 0]);
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut x: u32 = 12345;
        let mut data = vec![0u8; 5000];
        for _ in 0..200 {
            for b in data.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = if x.is_multiple_of(7) { 0 } else { x as u8 };
            }
            let mut f = Framer::default();
            let mut emit = |_: Pdu<'_>| {};
            for c in data.chunks(97) {
                f.data(c, &mut emit);
                if x.is_multiple_of(5) {
                    f.gap(u64::from(x % 300), &mut emit);
                }
            }
            f.end(&mut emit);
        }
    }
}
