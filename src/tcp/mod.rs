//! The tcp layer: conversations numbered like Wireshark's `tcp.stream`, and
//! per-direction reassembly with bounded memory.
//!
//! Every TCP conversation gets a number in order of first appearance, whether
//! or not anybody follows its bytes, so the numbers match Wireshark's. A pure
//! SYN whose sequence number differs from the first one seen in that direction
//! starts a new conversation on the same addresses and ports (port reuse), as
//! Wireshark 4.0 does (`packet-tcp.c`, TA_PORTS_REUSED).
//!
//! For the conversations a [`StreamSink`] follows, bytes are handed on in
//! sequence order: retransmitted and overlapping bytes are dropped,
//! out-of-order segments are held back (copied, within a per-direction and a
//! total budget) until the hole is filled. A hole becomes a reported gap when
//! the peer has acknowledged past it (the bytes were sent but not captured),
//! when a budget is exceeded, at FIN/RST, or at the end of the capture.
//! Bytes cut by the snaplen are a gap too (reason [`GapReason::Snaplen`]).
//! Sequence numbers wrap around (RFC 9293 3.4, modular comparison).

pub mod hash;
pub mod udp;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::net::IpAddr;

use crate::capture::Timestamp;
use crate::net::TcpSegment;
use hash::KeyedHashMap;

/// Limits of the reassembler.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Conversations tracked at once; past this the least recently seen are dropped.
    pub max_flows: usize,
    /// Out-of-order bytes held for one direction.
    pub max_ooo_per_dir: usize,
    /// Out-of-order bytes held in all.
    pub max_ooo_total: usize,
    /// Out-of-order segments held for one direction.
    pub max_ooo_segments_per_dir: usize,
    /// Out-of-order segments held in all: each costs its bookkeeping and an
    /// allocation whatever its size, so one-byte segments would otherwise
    /// hold ~90 bytes of memory for each byte counted in `max_ooo_total`.
    pub max_ooo_segments_total: usize,
    /// A closed conversation is forgotten this long (capture time) after its last packet.
    pub closed_timeout_secs: i64,
    /// An idle conversation is forgotten this long after its last packet.
    pub idle_timeout_secs: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_flows: 200_000,
            max_ooo_per_dir: 1 << 20,
            max_ooo_total: 16 << 20,
            max_ooo_segments_per_dir: 4096,
            max_ooo_segments_total: 65_536,
            closed_timeout_secs: 120,
            idle_timeout_secs: 3600,
        }
    }
}

/// Where and when a segment was seen: the frame that caused an event.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub frame: u64,
    pub ts: Timestamp,
    pub stream: u64,
}

/// A conversation's addresses, as its first packet had them (direction 0).
#[derive(Clone, Copy, Debug)]
pub struct FlowInfo {
    pub stream: u64,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    /// The first packet was a pure SYN: direction 0 is the client.
    pub saw_syn: bool,
}

/// Why bytes are missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GapReason {
    /// Sent (acknowledged by the peer, or skipped past) but not in the capture.
    Lost,
    /// Cut from the frame by the snaplen.
    Snaplen,
    /// Dropped because the out-of-order budget was exceeded.
    Budget,
}

/// Bytes missing from a direction, as handed to [`StreamSink::gap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gap {
    pub len: u64,
    pub reason: GapReason,
    /// The first frame that showed the hole: the first segment of the
    /// direction, with or without data (not a RST), whose sequence number was
    /// past the next byte expected, which is where Wireshark flags "previous
    /// segment(s) not captured". The current frame when no segment showed it
    /// (a snaplen cut; a direction the capture holds nothing of; bytes
    /// acknowledged, never sent on).
    pub frame: u64,
    pub ts: Timestamp,
}

/// How a direction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    Fin,
    Reset,
    /// The conversation was forgotten (idle, or the table was full).
    Evicted,
    /// The capture ended.
    CaptureEnd,
}

/// The client's SYN answered: what [`StreamSink::handshake`] is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handshake {
    /// Pure SYNs the conversation's first sender sent before the answer,
    /// the first included: 1 when its first SYN was answered. Those after
    /// the first are retransmissions (same sequence number: another one
    /// starts a new conversation, see [`Reassembler::process`]).
    pub syns: u32,
}

/// Bytes of a direction sent again and again without the peer's
/// acknowledgement moving: what [`StreamSink::unacknowledged`] is told.
#[derive(Clone, Copy, Debug)]
pub struct Stall<'a> {
    /// Segments whose bytes were all sent before, not yet acknowledged by
    /// the peer (a retransmission of bytes the peer had acknowledged is
    /// not counted: a keep-alive, a spurious retransmission), while the
    /// peer's acknowledgement stayed where it was at the first.
    pub retransmissions: u32,
    /// The first and the last of them (frame, time).
    pub first: (u64, Timestamp),
    pub last: (u64, Timestamp),
    /// The peer sent no segment at all from the first retransmission on.
    pub peer_silent: bool,
    /// The peer's acknowledgement that moved past the stalled bytes
    /// (frame, time); `None`: it never came, up to the direction's end
    /// (a RST, the capture's end, the conversation forgotten).
    pub acked: Option<(u64, Timestamp)>,
    /// The first bytes of the first retransmission (up to [`STALL_HEAD`]):
    /// what was in it, e.g. a NetBIOS header and an SMB2 header.
    pub head: &'a [u8],
}

/// Bytes of a stalled retransmission kept: a NetBIOS session header (4),
/// an SMB2 header (64) and a body's StructureSize (2), rounded up.
pub const STALL_HEAD: usize = 72;

/// The consumer of reassembled bytes; one `State` per followed conversation.
pub trait StreamSink {
    type State;
    /// A new conversation. `Some` to follow its bytes, `None` to only number it.
    fn open(&mut self, info: &FlowInfo, ctx: &Ctx) -> Option<Self::State>;
    /// In-order bytes of direction `dir` (0: the first packet's sender).
    fn data(&mut self, st: &mut Self::State, ctx: &Ctx, dir: usize, bytes: &[u8]);
    /// `gap.len` bytes of direction `dir` are missing at this point of the
    /// stream (`ctx` is the frame being read when that became known).
    fn gap(&mut self, st: &mut Self::State, ctx: &Ctx, dir: usize, gap: Gap);
    /// Direction `dir` ended (FIN reached, RST, evicted, the capture's end).
    /// Called once per direction. `silent`: the direction sent not a single
    /// segment (for the side that did not open the conversation: no
    /// SYN-ACK, no RST).
    fn end(&mut self, st: &mut Self::State, ctx: &Ctx, dir: usize, reason: EndReason, silent: bool);
    /// The conversation is forgotten; nothing more comes for it.
    fn close(&mut self, st: Self::State, ctx: &Ctx);
    /// The first answer (SYN-ACK, `ctx` its frame) to the client's SYN:
    /// called once, for a conversation whose first packet was a pure SYN.
    fn handshake(&mut self, _st: &mut Self::State, _ctx: &Ctx, _h: Handshake) {}
    /// Direction `dir` retransmitted bytes its peer had not acknowledged
    /// ([`Stall`]); called when the stall ends: the peer's acknowledgement
    /// moved past them (`ctx` its frame), or the direction ended without
    /// it (before [`StreamSink::end`]).
    fn unacknowledged(&mut self, _st: &mut Self::State, _ctx: &Ctx, _dir: usize, _s: Stall<'_>) {}
}

/// Counters of what the reassembler saw and cut.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct TcpStats {
    pub streams: u64,
    pub segments: u64,
    pub retransmitted_segments: u64,
    /// Segments with payload that came before bytes preceding them, which
    /// a later segment brought (reordered): held, then delivered when the
    /// hole filled. Not those after a hole the capture never fills (lost,
    /// the peer's ACK or the capture's end shows it: [`TcpStats::gaps`]),
    /// nor those over the memory cap, delivered past their hole.
    pub out_of_order_segments: u64,
    pub gaps: u64,
    pub gap_bytes: u64,
    pub snaplen_cut_bytes: u64,
    pub budget_dropped_bytes: u64,
    /// Conversations forgotten while still open: idle past the timeout, or
    /// dropped because the table was full.
    pub flows_evicted: u64,
}

/// One end of a conversation in a form cheap to compare and hash: the
/// address's 128 bits (an IPv4 address in the low 32) and the port, with the
/// address family beside the port so that 10.0.0.1 and ::a00:1 differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Endpoint {
    addr: u128,
    /// The port in the low 16 bits; bit 16 set for IPv6.
    port_family: u32,
}

impl Endpoint {
    fn new(ip: IpAddr, port: u16) -> Endpoint {
        let (addr, v6) = match ip {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 0),
            IpAddr::V6(a) => (u128::from(a), 1 << 16),
        };
        Endpoint {
            addr,
            port_family: v6 | u32::from(port),
        }
    }

    /// A total order, only to put a conversation's two ends in a fixed order:
    /// by address, then port and family (the tuple order, written out: the
    /// tuple's `<=` goes through `partial_cmp` on each member).
    fn le(self, other: Endpoint) -> bool {
        self.addr < other.addr || (self.addr == other.addr && self.port_family <= other.port_family)
    }
}

/// A conversation's two ends, the lower first: both directions of a
/// conversation have the same key.
#[derive(Clone, Copy, PartialEq, Eq)]
struct FlowKey {
    lo: Endpoint,
    hi: Endpoint,
}

impl FlowKey {
    fn new(a: Endpoint, b: Endpoint) -> FlowKey {
        if a.le(b) {
            FlowKey { lo: a, hi: b }
        } else {
            FlowKey { lo: b, hi: a }
        }
    }
}

impl std::hash::Hash for FlowKey {
    /// Five words, whatever the address family.
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u64(self.lo.addr as u64);
        h.write_u64((self.lo.addr >> 64) as u64);
        h.write_u64(self.hi.addr as u64);
        h.write_u64((self.hi.addr >> 64) as u64);
        h.write_u64(u64::from(self.lo.port_family) << 32 | u64::from(self.hi.port_family));
    }
}

/// Room for held segments a direction keeps once they are delivered.
const KEEP_HELD_CAPACITY: usize = 16;

/// Out-of-order bytes and segments held by all conversations, within
/// [`Limits::max_ooo_total`] and [`Limits::max_ooo_segments_total`].
#[derive(Clone, Copy, Debug, Default)]
struct HeldTotal {
    bytes: usize,
    segments: usize,
}

/// Out-of-order bytes waiting for a hole before them to be filled.
struct Held {
    seq: u32,
    data: Vec<u8>,
    /// Bytes on the wire past `data` (snaplen cut).
    cut: u32,
    /// Where the segment arrived: its bytes are reported with this frame when
    /// a hole before them turns out to be lost (nothing later filled it).
    frame: u64,
    ts: Timestamp,
}

#[derive(Default)]
struct Direction {
    /// First sequence number seen (the SYN's, or the first segment's).
    base_seq: Option<u32>,
    /// Next byte expected.
    next: Option<u32>,
    /// Sequence number just past the last data byte, once a FIN was seen.
    fin_at: Option<u32>,
    /// The highest acknowledgement the peer sent for this direction.
    peer_acked: Option<u32>,
    /// The first acknowledgement the peer sent for this direction.
    peer_first_ack: Option<u32>,
    /// In sequence order; filled holes are drained from the front.
    held: VecDeque<Held>,
    held_bytes: usize,
    /// The first segment (sequence number, frame, time) seen past `next`
    /// while a hole is open: where the hole showed.
    ahead: Option<(u32, u64, Timestamp)>,
    ended: bool,
    /// Pure SYNs sent (the first sender's direction), up to the answer.
    syns: u32,
    /// Retransmissions the peer has not acknowledged (boxed: made at the
    /// direction's first such retransmission, and kept for the next).
    stall: Option<Box<StallState>>,
}

/// A direction's retransmissions of bytes the peer has not acknowledged,
/// while its acknowledgement stays put ([`Stall`]).
struct StallState {
    /// A stall is under way (else the box waits for the next).
    live: bool,
    /// The peer's acknowledgement when the stall began.
    acked_at_start: Option<u32>,
    retransmissions: u32,
    first: (u64, Timestamp),
    last: (u64, Timestamp),
    peer_silent: bool,
    head: [u8; STALL_HEAD],
    head_len: usize,
}

struct Flow<S> {
    key: FlowKey,
    stream: u64,
    /// The sender of the conversation's first packet.
    origin: Endpoint,
    dirs: [Direction; 2],
    last_seen: i64,
    closed: bool,
    /// The time past which the sweep forgets the conversation, as last scheduled.
    due: i64,
    state: Option<S>,
}

impl<S> Flow<S> {
    /// The time past which the conversation is forgotten (`now > due`, see
    /// [`Flow::expired`]), unless a packet comes first.
    fn deadline(&self, limits: &Limits) -> i64 {
        let timeout = if self.closed {
            limits.closed_timeout_secs.min(limits.idle_timeout_secs)
        } else {
            limits.idle_timeout_secs
        };
        self.last_seen.saturating_add(timeout)
    }

    /// Schedules the deadline of the conversation (in `slot`), if it moved.
    fn schedule(&mut self, slot: usize, limits: &Limits, deadlines: &mut BinaryHeap<Deadline>) {
        let due = self.deadline(limits);
        if due != self.due {
            self.due = due;
            deadlines.push(Reverse((due, self.stream, slot)));
        }
    }

    /// Is the conversation to be forgotten at `now`?
    fn expired(&self, now: i64, limits: &Limits) -> bool {
        let idle = now.saturating_sub(self.last_seen);
        idle > limits.idle_timeout_secs || (self.closed && idle > limits.closed_timeout_secs)
    }
}

/// A scheduled deadline: (due, stream, slot), earliest first. An entry is
/// stale once its conversation is gone (another stream in the slot) or was
/// rescheduled (another `due`).
type Deadline = Reverse<(i64, u64, usize)>;

/// `a - b` in sequence space: positive when `a` is after `b`.
fn seq_diff(a: u32, b: u32) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

/// Numbers TCP conversations and reassembles the followed ones.
pub struct Reassembler<S> {
    limits: Limits,
    index: KeyedHashMap<FlowKey, usize>,
    flows: Vec<Option<Flow<S>>>,
    free: Vec<usize>,
    next_stream: u64,
    held_total: HeldTotal,
    last_sweep: i64,
    /// Every conversation's current deadline (and stale ones, dropped as met
    /// or when the heap outgrows the table): the sweep looks only at
    /// conversations that may be due instead of scanning the table.
    deadlines: BinaryHeap<Deadline>,
    /// The sweep's list of slots to forget, kept for reuse.
    expired: Vec<usize>,
    /// The slot of the last segment's conversation: most segments follow
    /// one of the same conversation, found without hashing when the
    /// conversation in that slot has the segment's key.
    last_slot: usize,
    pub stats: TcpStats,
}

impl<S> Reassembler<S> {
    pub fn new(limits: Limits) -> Self {
        Reassembler {
            limits,
            index: KeyedHashMap::default(),
            flows: Vec::new(),
            free: Vec::new(),
            next_stream: 0,
            held_total: HeldTotal::default(),
            last_sweep: i64::MIN,
            deadlines: BinaryHeap::new(),
            expired: Vec::new(),
            last_slot: 0,
            stats: TcpStats::default(),
        }
    }

    /// Conversations tracked now.
    pub fn tracked(&self) -> usize {
        self.index.len()
    }

    /// Takes one segment of frame `frame` seen at `ts`. Returns the stream number.
    pub fn process<K: StreamSink<State = S>>(
        &mut self,
        seg: &TcpSegment<'_>,
        frame: u64,
        ts: Timestamp,
        sink: &mut K,
    ) -> u64 {
        self.stats.segments += 1;
        if ts.secs >= self.last_sweep.saturating_add(1) {
            self.sweep(ts, frame, sink);
        }
        let src = Endpoint::new(seg.src, seg.src_port);
        let key = FlowKey::new(src, Endpoint::new(seg.dst, seg.dst_port));
        let pure_syn = seg.flags.syn() && !seg.flags.ack();
        let slot = match self.lookup(&key) {
            Some(i) if pure_syn && self.is_port_reuse(i, src, seg.seq) => {
                self.remove(i, ts, frame, sink, EndReason::Evicted);
                self.insert(key, seg, frame, ts, sink)
            }
            Some(i) => i,
            None => self.insert(key, seg, frame, ts, sink),
        };
        self.last_slot = slot;
        let stream = self.step(slot, src, seg, frame, ts, sink);
        if self.deadlines.len() > 2 * self.flows.len() + 64 {
            self.rebuild_deadlines();
        }
        stream
    }

    /// The slot of the conversation with `key`, if it is tracked.
    #[inline]
    fn lookup(&self, key: &FlowKey) -> Option<usize> {
        let last = self.flows.get(self.last_slot).and_then(Option::as_ref);
        if last.is_some_and(|f| f.key == *key) {
            // `index` maps a tracked conversation's key to its slot.
            return Some(self.last_slot);
        }
        self.find(key)
    }

    /// [`Self::lookup`] in the table, kept out of line so that the check
    /// of the last slot is inlined alone.
    #[inline(never)]
    fn find(&self, key: &FlowKey) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// Runs one segment through conversation `slot`. Returns its stream number.
    fn step<K: StreamSink<State = S>>(
        &mut self,
        slot: usize,
        src: Endpoint,
        seg: &TcpSegment<'_>,
        frame: u64,
        ts: Timestamp,
        sink: &mut K,
    ) -> u64 {
        let held_total = &mut self.held_total;
        let stats = &mut self.stats;
        let limits = &self.limits;
        let deadlines = &mut self.deadlines;
        let Some(flow) = self.flows.get_mut(slot).and_then(Option::as_mut) else {
            return 0;
        };
        flow.last_seen = ts.secs;
        let dir = usize::from(flow.origin != src);
        let ctx = Ctx {
            frame,
            ts,
            stream: flow.stream,
        };
        if flow.dirs[dir].base_seq.is_none() {
            flow.dirs[dir].base_seq = Some(seg.seq);
        }
        let Some(state) = flow.state.as_mut() else {
            if seg.flags.rst() || (seg.flags.fin() && flow.dirs[1 - dir].ended) {
                flow.closed = true;
            }
            flow.dirs[dir].ended |= seg.flags.fin();
            flow.schedule(slot, limits, deadlines);
            return ctx.stream;
        };
        let mut st = Stepper {
            state,
            sink,
            ctx,
            held_total,
            stats,
            limits,
        };
        st.segment(&mut flow.dirs, dir, seg);
        if seg.flags.rst() {
            if flow.dirs[1 - dir].stall.is_some() {
                st.heard_from_peer(&mut flow.dirs[1 - dir], 1 - dir, None);
            }
            let shown = rst_shows_sent(seg);
            // the sender's direction first: the first end is who reset it
            for (d, sent) in [(dir, shown.0), (1 - dir, shown.1)] {
                st.unseen(&mut flow.dirs[d], d, sent);
                st.flush(&mut flow.dirs[d], d, GapReason::Lost);
                st.lost_tail(&mut flow.dirs[d], d, sent);
                st.end(&mut flow.dirs[d], d, EndReason::Reset);
            }
        }
        flow.closed = flow.dirs[0].ended && flow.dirs[1].ended;
        flow.schedule(slot, limits, deadlines);
        ctx.stream
    }

    /// Drops the stale deadlines: one entry per conversation is left.
    fn rebuild_deadlines(&mut self) {
        let mut v = std::mem::take(&mut self.deadlines).into_vec();
        v.clear();
        v.extend(
            self.flows
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.as_ref().map(|f| Reverse((f.due, f.stream, i)))),
        );
        self.deadlines = BinaryHeap::from(v);
    }

    fn is_port_reuse(&self, i: usize, src: Endpoint, seq: u32) -> bool {
        let Some(f) = self.flows.get(i).and_then(Option::as_ref) else {
            return false;
        };
        let dir = usize::from(f.origin != src);
        matches!(f.dirs[dir].base_seq, Some(b) if b != seq)
    }

    fn insert<K: StreamSink<State = S>>(
        &mut self,
        key: FlowKey,
        seg: &TcpSegment<'_>,
        frame: u64,
        ts: Timestamp,
        sink: &mut K,
    ) -> usize {
        if self.index.len() >= self.limits.max_flows {
            self.evict_oldest(ts, frame, sink);
        }
        let stream = self.next_stream;
        self.next_stream += 1;
        self.stats.streams += 1;
        let info = FlowInfo {
            stream,
            src: seg.src,
            dst: seg.dst,
            src_port: seg.src_port,
            dst_port: seg.dst_port,
            saw_syn: seg.flags.syn() && !seg.flags.ack(),
        };
        let state = sink.open(&info, &Ctx { frame, ts, stream });
        let flow = Flow {
            key,
            stream,
            origin: Endpoint::new(seg.src, seg.src_port),
            dirs: [Direction::default(), Direction::default()],
            last_seen: ts.secs,
            closed: false,
            // Scheduled after the first segment.
            due: i64::MIN,
            state,
        };
        let slot = match self.free.pop() {
            Some(i) => {
                self.flows[i] = Some(flow);
                i
            }
            None => {
                self.flows.push(Some(flow));
                self.flows.len() - 1
            }
        };
        self.index.insert(key, slot);
        slot
    }

    /// Forgets conversation `i`, flushing what it held.
    fn remove<K: StreamSink<State = S>>(
        &mut self,
        i: usize,
        ts: Timestamp,
        frame: u64,
        sink: &mut K,
        why: EndReason,
    ) {
        let Some(mut flow) = self.flows.get_mut(i).and_then(Option::take) else {
            return;
        };
        self.index.remove(&flow.key);
        self.free.push(i);
        let ctx = Ctx {
            frame,
            ts,
            stream: flow.stream,
        };
        if let Some(mut state) = flow.state.take() {
            let mut st = Stepper {
                state: &mut state,
                sink,
                ctx,
                held_total: &mut self.held_total,
                stats: &mut self.stats,
                limits: &self.limits,
            };
            for d in 0..2 {
                st.unseen(&mut flow.dirs[d], d, None);
                st.flush(&mut flow.dirs[d], d, GapReason::Lost);
                st.lost_tail(&mut flow.dirs[d], d, None);
                st.end(&mut flow.dirs[d], d, why);
            }
            sink.close(state, &ctx);
        }
    }

    /// Drops conversations idle past the timeouts (capture time), in slot order.
    fn sweep<K: StreamSink<State = S>>(&mut self, now: Timestamp, frame: u64, sink: &mut K) {
        self.last_sweep = now.secs;
        let mut expired = std::mem::take(&mut self.expired);
        expired.clear();
        let mut keep = Vec::new();
        while let Some(&Reverse((due, stream, i))) = self.deadlines.peek() {
            if now.secs <= due {
                break;
            }
            self.deadlines.pop();
            let Some(f) = self.flows.get(i).and_then(Option::as_ref) else {
                continue;
            };
            if f.stream != stream || f.due != due {
                continue;
            }
            if f.expired(now.secs, &self.limits) {
                expired.push(i);
            } else {
                // Only with a negative timeout: checked again at the next sweep.
                keep.push(Reverse((due, stream, i)));
            }
        }
        self.deadlines.extend(keep);
        expired.sort_unstable();
        expired.dedup();
        #[cfg(test)]
        assert_eq!(
            expired,
            self.scan_expired(now.secs),
            "sweep at {}",
            now.secs
        );
        for &i in &expired {
            self.count_if_open(i);
            self.remove(i, now, frame, sink, EndReason::Evicted);
        }
        self.expired = expired;
    }

    /// What the sweep forgets, found by scanning the whole table.
    #[cfg(test)]
    fn scan_expired(&self, now: i64) -> Vec<usize> {
        let flows = self.flows.iter().enumerate();
        flows
            .filter_map(|(i, f)| {
                f.as_ref()
                    .filter(|f| f.expired(now, &self.limits))
                    .map(|_| i)
            })
            .collect()
    }

    /// The table is full: drop the least recently seen eighth.
    fn evict_oldest<K: StreamSink<State = S>>(&mut self, now: Timestamp, frame: u64, sink: &mut K) {
        let mut ages: Vec<(i64, usize)> = self
            .flows
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|f| (f.last_seen, i)))
            .collect();
        ages.sort_unstable();
        let n = (ages.len() / 8).max(1);
        for &(_, i) in &ages[..n.min(ages.len())] {
            self.count_if_open(i);
            self.remove(i, now, frame, sink, EndReason::Evicted);
        }
    }

    /// Counts the conversation in `slot`, about to be forgotten, in
    /// `flows_evicted` when it is still open: forgetting one that both
    /// sides closed (or a reset ended) loses nothing.
    fn count_if_open(&mut self, slot: usize) {
        if self
            .flows
            .get(slot)
            .and_then(Option::as_ref)
            .is_some_and(|f| !f.closed)
        {
            self.stats.flows_evicted += 1;
        }
    }

    /// The capture ended: flush and close every conversation, in stream order.
    pub fn finish<K: StreamSink<State = S>>(&mut self, now: Timestamp, frame: u64, sink: &mut K) {
        let mut open: Vec<(u64, usize)> = self
            .flows
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|f| (f.stream, i)))
            .collect();
        open.sort_unstable();
        for (_, i) in open {
            self.remove(i, now, frame, sink, EndReason::CaptureEnd);
        }
    }
}

/// What a RST shows was sent, before it, by its sender and by its peer:
/// (its sequence number past its own bytes, its acknowledgement number).
/// Only a RST with the ACK bit: then its acknowledgement number is "the
/// next sequence number the sender of the segment is expecting to receive"
/// (RFC 9293 3.1), the peer's bytes before it sent; and its sequence
/// number is, when not 0, the sender's next (SND.NXT, as a stack aborting
/// an established connection sends it, RFC 9293 3.10.5). Not a RST without
/// the ACK bit, which answers a segment with the sequence number that
/// segment acknowledged (<SEQ=SEG.ACK><CTL=RST>, 3.10.7.1-3.10.7.3: in
/// SYN-SENT or LISTEN, an unacceptable acknowledgement, no byte sent),
/// nor the sequence number 0 of <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>,
/// a closed port's answer to a segment without ACK (3.10.7.1).
#[cold]
fn rst_shows_sent(seg: &TcpSegment<'_>) -> (Option<u32>, Option<u32>) {
    if !seg.flags.ack() {
        return (None, None);
    }
    let seq = (seg.seq != 0).then(|| seg.seq.wrapping_add(seg.wire_len));
    (seq, Some(seg.ack))
}

/// One followed conversation's processing of one segment.
struct Stepper<'a, S, K> {
    state: &'a mut S,
    sink: &'a mut K,
    ctx: Ctx,
    held_total: &'a mut HeldTotal,
    stats: &'a mut TcpStats,
    limits: &'a Limits,
}

impl<S, K: StreamSink<State = S>> Stepper<'_, S, K> {
    fn segment(&mut self, dirs: &mut [Direction; 2], dir: usize, seg: &TcpSegment<'_>) {
        let (fwd, rev) = match dirs {
            [a, b] if dir == 0 => (a, b),
            [a, b] => (b, a),
        };
        if seg.flags.ack() && !seg.flags.rst() {
            self.peer_ack(rev, 1 - dir, seg.ack);
        }
        let mut seq = seg.seq;
        if seg.flags.syn() {
            seq = seq.wrapping_add(1);
            if fwd.next.is_none() {
                fwd.next = Some(seq);
            }
            self.syn(fwd, rev, dir, seg.flags.ack());
        }
        if !seg.flags.rst() {
            self.note_ahead(fwd, seq);
        }
        if seg.wire_len > 0 {
            self.data(fwd, dir, seq, seg.payload, seg.wire_len);
        }
        if seg.flags.fin() && !fwd.ended {
            let at = seq.wrapping_add(seg.wire_len);
            if fwd.next.is_none() {
                fwd.next = Some(at);
            }
            fwd.fin_at = Some(at);
        }
        self.check_fin(fwd, dir);
    }

    /// Counts the first sender's SYNs until the answer, and reports the
    /// first answer (a SYN-ACK from direction 1) to them.
    #[cold]
    #[inline(never)]
    fn syn(&mut self, fwd: &mut Direction, rev: &Direction, dir: usize, ack: bool) {
        match (dir, ack) {
            (0, false) if rev.syns == 0 => fwd.syns = fwd.syns.saturating_add(1),
            (1, true) if rev.syns > 0 && fwd.syns == 0 => {
                fwd.syns = 1;
                let h = Handshake { syns: rev.syns };
                self.sink.handshake(self.state, &self.ctx, h);
            }
            _ => {}
        }
    }

    /// A segment whose bytes were all sent before: when the peer has not
    /// acknowledged them, a retransmission of a stall ([`Stall`]), the
    /// first one or the next while the peer's acknowledgement stays put.
    #[cold]
    #[inline(never)]
    fn retransmitted(&mut self, d: &mut Direction, seq: u32, present: &[u8], wire_len: u32) {
        let end = seq.wrapping_add(wire_len);
        if d.peer_acked.is_some_and(|a| seq_diff(end, a) <= 0) {
            return; // acknowledged before: a keep-alive, a spurious retransmission
        }
        let now = (self.ctx.frame, self.ctx.ts);
        let s = d.stall.get_or_insert_with(|| {
            Box::new(StallState {
                live: false,
                acked_at_start: None,
                retransmissions: 0,
                first: now,
                last: now,
                peer_silent: true,
                head: [0; STALL_HEAD],
                head_len: 0,
            })
        });
        if s.live {
            s.retransmissions = s.retransmissions.saturating_add(1);
            s.last = now;
            return;
        }
        let head = present.get(..STALL_HEAD).unwrap_or(present);
        s.head[..head.len()].copy_from_slice(head);
        s.head_len = head.len();
        s.live = true;
        s.acked_at_start = d.peer_acked;
        s.retransmissions = 1;
        s.first = now;
        s.last = now;
        s.peer_silent = true;
    }

    /// The peer sent a segment while direction `d` stalled; with `ack`,
    /// an acknowledgement past where it was: the stall is over.
    #[cold]
    #[inline(never)]
    fn heard_from_peer(&mut self, d: &mut Direction, dir: usize, ack: Option<u32>) {
        let Some(s) = d.stall.as_deref_mut().filter(|s| s.live) else {
            return;
        };
        s.peer_silent = false;
        let moved = match (ack, s.acked_at_start) {
            (Some(a), Some(start)) => seq_diff(a, start) > 0,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if moved {
            self.stall_over(d, dir, true);
        }
    }

    /// Reports direction `d`'s stall, if one is under way: over with the
    /// peer's acknowledgement in this frame (`acked`), or left without.
    #[cold]
    #[inline(never)]
    fn stall_over(&mut self, d: &mut Direction, dir: usize, acked: bool) {
        let Some(s) = d.stall.as_deref_mut().filter(|s| s.live) else {
            return;
        };
        s.live = false;
        let stall = Stall {
            retransmissions: s.retransmissions,
            first: s.first,
            last: s.last,
            peer_silent: s.peer_silent,
            acked: acked.then_some((self.ctx.frame, self.ctx.ts)),
            head: s.head.get(..s.head_len).unwrap_or_default(),
        };
        self.sink.unacknowledged(self.state, &self.ctx, dir, stall);
    }

    /// Remembers the first segment past the next byte expected: the frame a
    /// hole shows in.
    fn note_ahead(&self, d: &mut Direction, seq: u32) {
        if d.ahead.is_none() && d.next.is_some_and(|next| seq_diff(seq, next) > 0) {
            d.ahead = Some((seq, self.ctx.frame, self.ctx.ts));
        }
    }

    /// Forgets the hole's first segment once the stream has reached it.
    fn passed_ahead(d: &mut Direction) {
        if let (Some((seq, ..)), Some(next)) = (d.ahead, d.next) {
            if seq_diff(seq, next) <= 0 {
                d.ahead = None;
            }
        }
    }

    /// The peer acknowledged `ack` for direction `dir`: a hole it covers is lost.
    fn peer_ack(&mut self, d: &mut Direction, dir: usize, ack: u32) {
        d.peer_first_ack.get_or_insert(ack);
        d.peer_acked = Some(match d.peer_acked {
            Some(p) if seq_diff(ack, p) <= 0 => p,
            _ => ack,
        });
        if d.stall.is_some() {
            self.heard_from_peer(d, dir, Some(ack));
        }
        self.resolve_lost(d, dir);
        if d.fin_at.is_some() && !d.ended {
            self.fin_acked(d, dir);
        }
    }

    /// The peer acknowledged direction `d`'s FIN (its sequence number
    /// plus one, RFC 9293 3.4, 3.5) while bytes before the FIN were never
    /// captured (Wireshark's "previous segment(s) not captured" on the FIN,
    /// "ACKed segment that wasn't captured" on the acknowledgement): the
    /// peer received them, so they are a gap, and the direction ends at
    /// its FIN.
    #[cold]
    #[inline(never)]
    fn fin_acked(&mut self, d: &mut Direction, dir: usize) {
        let (Some(next), Some(fin), Some(acked)) = (d.next, d.fin_at, d.peer_acked) else {
            return;
        };
        if !d.held.is_empty() || seq_diff(acked, fin) <= 0 {
            return;
        }
        let hole = seq_diff(fin, next);
        if hole > 0 {
            self.skip(d, dir, hole as u64, GapReason::Lost);
        }
        self.check_fin(d, dir);
    }

    /// At the direction's end (a RST, the conversation forgotten, the
    /// capture's end), once every held segment is delivered: bytes past
    /// the last one delivered that its FIN's sequence number shows were
    /// sent are a gap; without a FIN in the capture, those that the
    /// furthest of the peer's acknowledgement and `rst` (what the RST that
    /// ends the conversation shows was sent in this direction,
    /// [`rst_shows_sent`]) shows were sent. A FIN takes one sequence number
    /// (RFC 9293 3.4) and is not a byte: a hole of one sequence number
    /// there is taken as a FIN the capture lacks, not as a byte (an SMB
    /// message is never one byte; a FIN lost with bytes before it is
    /// counted as one of them, which nothing in TCP tells apart).
    fn lost_tail(&mut self, d: &mut Direction, dir: usize, rst: Option<u32>) {
        if d.ended || !d.held.is_empty() {
            return;
        }
        let Some(next) = d.next else {
            return;
        };
        let hole = match (d.fin_at, d.peer_acked, rst) {
            (Some(fin), ..) => seq_diff(fin, next),
            (None, Some(a), Some(r)) => seq_diff(a, next).max(seq_diff(r, next)),
            (None, Some(s), None) | (None, None, Some(s)) => seq_diff(s, next),
            (None, None, None) => return,
        };
        if hole > 1 || (hole == 1 && d.fin_at.is_some()) {
            self.skip(d, dir, hole as u64, GapReason::Lost);
        }
    }

    /// If bytes are held behind a hole the peer has acknowledged past, the hole is a gap.
    fn resolve_lost(&mut self, d: &mut Direction, dir: usize) {
        if d.held.is_empty() {
            return; // no hole: the usual case, decided before the other fields are read
        }
        while let (Some(next), Some(acked), Some(first)) = (d.next, d.peer_acked, d.held.front()) {
            if seq_diff(acked, next) <= 0 {
                return;
            }
            let hole = seq_diff(first.seq, next).min(seq_diff(acked, next));
            if hole <= 0 {
                return;
            }
            self.skip(d, dir, hole as u64, GapReason::Lost);
            self.drain_own(d, dir);
        }
    }

    fn skip(&mut self, d: &mut Direction, dir: usize, len: u64, reason: GapReason) {
        self.stats.gaps += 1;
        match reason {
            GapReason::Snaplen => self.stats.snaplen_cut_bytes += len,
            GapReason::Budget => self.stats.budget_dropped_bytes += len,
            GapReason::Lost => self.stats.gap_bytes += len,
        }
        let (mut frame, mut ts) = (self.ctx.frame, self.ctx.ts);
        if reason != GapReason::Snaplen {
            // The segment after the hole, held or seen earlier without data.
            let held = d.held.front().map(|h| (h.frame, h.ts));
            let ahead = d.ahead.map(|(_, f, t)| (f, t));
            if let Some(first) = [held, ahead].into_iter().flatten().min_by_key(|&(f, _)| f) {
                (frame, ts) = first;
            }
        }
        if let Some(n) = d.next {
            d.next = Some(n.wrapping_add(len as u32));
        }
        Self::passed_ahead(d);
        let gap = Gap {
            len,
            reason,
            frame,
            ts,
        };
        self.sink.gap(self.state, &self.ctx, dir, gap);
    }

    fn data(&mut self, d: &mut Direction, dir: usize, seq: u32, present: &[u8], wire_len: u32) {
        let next = *d.next.get_or_insert(seq);
        let rel = seq_diff(seq, next);
        if rel > 0 {
            // Counted out of order when the hole fills ([`Self::drain`]).
            self.hold(d, dir, seq, present, wire_len);
            self.resolve_lost(d, dir);
            return;
        }
        let overlap = rel.unsigned_abs();
        if overlap >= u64::from(wire_len) {
            self.stats.retransmitted_segments += 1;
            self.retransmitted(d, seq, present, wire_len);
            return;
        }
        self.take_in_order(d, dir, overlap as usize, present, wire_len);
        if !d.held.is_empty() {
            self.drain(d, dir);
        }
    }

    /// Delivers a segment that starts `overlap` bytes before `next`.
    fn take_in_order(
        &mut self,
        d: &mut Direction,
        dir: usize,
        overlap: usize,
        present: &[u8],
        wire_len: u32,
    ) {
        if let Some(fresh) = present.get(overlap..) {
            if !fresh.is_empty() {
                self.sink.data(self.state, &self.ctx, dir, fresh);
                if let Some(n) = d.next {
                    d.next = Some(n.wrapping_add(fresh.len() as u32));
                }
                if d.ahead.is_some() {
                    Self::passed_ahead(d);
                }
            }
        }
        let cut = (wire_len as usize).saturating_sub(present.len().max(overlap));
        if cut > 0 {
            self.skip(d, dir, cut as u64, GapReason::Snaplen);
        }
    }

    /// Keeps an out-of-order segment (a copy) until the hole before it is filled.
    fn hold(&mut self, d: &mut Direction, dir: usize, seq: u32, present: &[u8], wire_len: u32) {
        if d.held_bytes + present.len() > self.limits.max_ooo_per_dir
            || self.held_total.bytes + present.len() > self.limits.max_ooo_total
            || d.held.len() >= self.limits.max_ooo_segments_per_dir
            || self.held_total.segments >= self.limits.max_ooo_segments_total
        {
            // Give up on the hole(s): deliver what is held, skipping holes.
            self.flush(d, dir, GapReason::Budget);
            if let Some(next) = d.next {
                let hole = seq_diff(seq, next);
                if hole > 0 {
                    self.skip(d, dir, hole as u64, GapReason::Budget);
                }
            }
            self.take_in_order(d, dir, 0, present, wire_len);
            return;
        }
        let cut = wire_len.saturating_sub(present.len() as u32);
        let pos = d.held.partition_point(|h| seq_diff(h.seq, seq) < 0);
        d.held.insert(
            pos,
            Held {
                seq,
                data: present.to_vec(),
                cut,
                frame: self.ctx.frame,
                ts: self.ctx.ts,
            },
        );
        d.held_bytes += present.len();
        self.held_total.bytes += present.len();
        self.held_total.segments += 1;
    }

    /// Delivers held segments that became contiguous because a segment filled
    /// the hole before them: their bytes complete messages in this frame.
    fn drain(&mut self, d: &mut Direction, dir: usize) {
        self.drain_with(d, dir, false);
    }

    /// Delivers held segments after a hole was given up: each with the frame
    /// it arrived in, as nothing later completed it.
    fn drain_own(&mut self, d: &mut Direction, dir: usize) {
        self.drain_with(d, dir, true);
    }

    fn drain_with(&mut self, d: &mut Direction, dir: usize, own_frame: bool) {
        let now = (self.ctx.frame, self.ctx.ts);
        while let (Some(next), Some(first)) = (d.next, d.held.front()) {
            if seq_diff(first.seq, next) > 0 {
                break;
            }
            let Some(h) = d.held.pop_front() else {
                break;
            };
            if own_frame {
                (self.ctx.frame, self.ctx.ts) = (h.frame, h.ts);
            } else {
                // The bytes before it came after it: reordered.
                self.stats.out_of_order_segments += 1;
            }
            d.held_bytes -= h.data.len();
            self.held_total.bytes -= h.data.len();
            self.held_total.segments -= 1;
            let wire = h.data.len() as u32 + h.cut;
            let overlap = seq_diff(next, h.seq).unsigned_abs();
            if overlap < u64::from(wire) {
                self.take_in_order(d, dir, overlap as usize, &h.data, wire);
            }
        }
        if d.held.is_empty() && d.held.capacity() > KEEP_HELD_CAPACITY {
            // A direction that once held thousands of segments does not keep
            // their room (56 bytes each) for the rest of the conversation.
            d.held = VecDeque::new();
        }
        (self.ctx.frame, self.ctx.ts) = now;
    }

    /// A direction of which the capture holds no byte, no SYN and no FIN,
    /// but whose bytes the peer acknowledged (a one-sided capture): what
    /// the peer's acknowledgements moved over is a gap, once, when the
    /// direction ends, up to the acknowledgement of the RST that ends it
    /// (`rst`, [`rst_shows_sent`]) when that is further. (A move of one
    /// sequence number is a FIN, as in [`Stepper::lost_tail`]; a FIN after
    /// bytes counts as one of them.)
    fn unseen(&mut self, d: &mut Direction, dir: usize, rst: Option<u32>) {
        if d.next.is_some() || d.ended {
            return;
        }
        if let (Some(first), Some(last)) = (d.peer_first_ack, d.peer_acked) {
            let last = match rst {
                Some(r) if seq_diff(r, last) > 0 => r,
                _ => last,
            };
            let span = seq_diff(last, first);
            if span > 1 {
                self.skip(d, dir, span as u64, GapReason::Lost);
            }
        }
    }

    /// Delivers everything held, skipping the holes between.
    fn flush(&mut self, d: &mut Direction, dir: usize, reason: GapReason) {
        while let (Some(next), Some(first)) = (d.next, d.held.front()) {
            let hole = seq_diff(first.seq, next);
            if hole > 0 {
                self.skip(d, dir, hole as u64, reason);
            }
            self.drain_own(d, dir);
        }
    }

    fn check_fin(&mut self, d: &mut Direction, dir: usize) {
        if let (Some(next), Some(fin)) = (d.next, d.fin_at) {
            if !d.ended && seq_diff(fin, next) <= 0 {
                self.end(d, dir, EndReason::Fin);
            }
        }
    }

    fn end(&mut self, d: &mut Direction, dir: usize, why: EndReason) {
        // After its FIN, the peer may still acknowledge a stall's bytes.
        if why != EndReason::Fin && d.stall.is_some() {
            self.stall_over(d, dir, false);
        }
        if !d.ended {
            d.ended = true;
            let silent = d.base_seq.is_none();
            self.sink.end(self.state, &self.ctx, dir, why, silent);
        }
    }
}

#[cfg(test)]
mod tests;
