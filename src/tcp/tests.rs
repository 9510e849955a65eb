//! Reassembly behaviour on constructed segment sequences. (The real-capture
//! checks — stream numbers and message order against tshark — are in
//! tests/differential.rs.)

use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::net::TcpFlags;

#[derive(Default)]
struct Log {
    events: Vec<String>,
    bytes: [Vec<u8>; 2],
}

struct Sink {
    follow: bool,
    closed: Vec<u64>,
}

impl StreamSink for Sink {
    type State = Log;
    fn open(&mut self, _: &FlowInfo, _: &Ctx) -> Option<Log> {
        self.follow.then(Log::default)
    }
    fn data(&mut self, st: &mut Log, ctx: &Ctx, dir: usize, bytes: &[u8]) {
        st.bytes[dir].extend_from_slice(bytes);
        st.events.push(format!(
            "f{} d{dir} {}",
            ctx.frame,
            String::from_utf8_lossy(bytes)
        ));
    }
    fn gap(&mut self, st: &mut Log, ctx: &Ctx, dir: usize, gap: Gap) {
        let Gap {
            len, reason, frame, ..
        } = gap;
        let shown = if frame == ctx.frame {
            String::new()
        } else {
            format!(" shown f{frame}")
        };
        st.events
            .push(format!("f{} d{dir} gap {len} {reason:?}{shown}", ctx.frame));
    }
    fn end(&mut self, st: &mut Log, ctx: &Ctx, dir: usize, reason: EndReason, silent: bool) {
        if silent {
            st.events.push(format!("f{} d{dir} silent", ctx.frame));
        }
        st.events
            .push(format!("f{} d{dir} end {reason:?}", ctx.frame));
    }
    fn close(&mut self, st: Log, ctx: &Ctx) {
        self.closed.push(ctx.stream);
        LAST.with(|l| *l.borrow_mut() = Some(st));
    }
}

thread_local! {
    static LAST: std::cell::RefCell<Option<Log>> = const { std::cell::RefCell::new(None) };
}

const C: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const S: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));

fn seg(from_client: bool, seq: u32, ack: u32, flags: u8, payload: &[u8]) -> TcpSegment<'_> {
    let (src, dst, sp, dp) = if from_client {
        (C, S, 50000, 445)
    } else {
        (S, C, 445, 50000)
    };
    TcpSegment {
        src,
        dst,
        src_port: sp,
        dst_port: dp,
        seq,
        ack,
        flags: TcpFlags(flags),
        payload,
        wire_len: payload.len() as u32,
    }
}

const SYN: u8 = TcpFlags::SYN;
const SA: u8 = TcpFlags::SYN | TcpFlags::ACK;
const A: u8 = TcpFlags::ACK;
const FA: u8 = TcpFlags::FIN | TcpFlags::ACK;

fn run(segs: &[TcpSegment<'_>]) -> Log {
    let mut r = Reassembler::new(Limits::default());
    let mut sink = Sink {
        follow: true,
        closed: vec![],
    };
    for (i, s) in segs.iter().enumerate() {
        r.process(s, i as u64 + 1, Timestamp { secs: 1, nanos: 0 }, &mut sink);
    }
    r.finish(
        Timestamp { secs: 2, nanos: 0 },
        segs.len() as u64,
        &mut sink,
    );
    LAST.with(|l| l.borrow_mut().take()).expect("closed")
}

#[test]
fn in_order_with_handshake_and_fin() {
    let log = run(&[
        seg(true, 100, 0, SYN, b""),
        seg(false, 900, 101, SA, b""),
        seg(true, 101, 901, A, b"ab"),
        seg(false, 901, 103, A, b"xy"),
        seg(true, 103, 903, FA, b"c"),
        seg(false, 903, 105, FA, b""),
    ]);
    assert_eq!(log.bytes[0], b"abc");
    assert_eq!(log.bytes[1], b"xy");
    assert!(log.events.contains(&"f5 d0 end Fin".to_string()));
    assert!(log.events.contains(&"f6 d1 end Fin".to_string()));
}

#[test]
fn out_of_order_retransmission_and_overlap() {
    let log = run(&[
        seg(true, 100, 0, SYN, b""),
        seg(true, 106, 0, A, b"fgh"),     // early
        seg(true, 101, 0, A, b"abc"),     // fills part
        seg(true, 101, 0, A, b"abc"),     // retransmission
        seg(true, 103, 0, A, b"cde"),     // overlap, completes the hole
        seg(true, 104, 0, A, b"defghij"), // overlapping tail
    ]);
    assert_eq!(log.bytes[0], b"abcdefghij");
    assert_eq!(log.events[1], "f5 d0 de");
    assert_eq!(log.events[2], "f5 d0 fgh");
}

#[test]
fn sequence_wraparound() {
    let log = run(&[
        seg(true, u32::MAX - 2, 0, SYN, b""),
        seg(true, u32::MAX - 1, 0, A, b"ab"),
        seg(true, 0, 0, A, b"cd"),
        seg(true, 4, 0, A, b"gh"),
        seg(true, 2, 0, A, b"ef"),
    ]);
    assert_eq!(log.bytes[0], b"abcdefgh");
}

#[test]
fn hole_acknowledged_by_peer_is_a_gap() {
    let log = run(&[
        seg(true, 100, 0, SYN, b""),
        seg(true, 101, 0, A, b"abc"),
        seg(true, 110, 0, A, b"xyz"), // 6 bytes (104..110) never captured
        seg(false, 900, 113, A, b""), // server acked them
    ]);
    assert_eq!(log.bytes[0], b"abcxyz");
    assert!(
        log.events
            .contains(&"f4 d0 gap 6 Lost shown f3".to_string()),
        "{:?}",
        log.events
    );
}

/// A hole is placed where it first showed: a segment without data past the
/// next byte expected (frame 3, where Wireshark flags "previous segment(s)
/// not captured"), not the frame that made it a gap (the peer's ACK).
#[test]
fn gap_names_the_frame_that_showed_the_hole() {
    let log = run(&[
        seg(true, 100, 0, SYN, b""),
        seg(true, 101, 0, A, b"abc"),
        seg(true, 107, 0, A, b""),    // ahead of 104: the hole shows
        seg(true, 110, 0, A, b"xyz"), // held
        seg(false, 900, 113, A, b""), // the server acked 104..110
        seg(true, 113, 0, A, b"k"),
        seg(true, 120, 0, A, b"m"), // a second hole shows (114..120)
        seg(false, 900, 121, A, b""),
    ]);
    assert_eq!(log.bytes[0], b"abcxyzkm");
    let gaps: Vec<_> = log.events.iter().filter(|e| e.contains("gap")).collect();
    assert_eq!(
        gaps,
        ["f5 d0 gap 6 Lost shown f3", "f8 d0 gap 6 Lost shown f7"],
        "{:?}",
        log.events
    );
}

/// A hole that a late segment fills is no gap, and the segment that showed
/// it is forgotten: a later hole is placed at its own frame.
#[test]
fn filled_hole_is_forgotten() {
    let log = run(&[
        seg(true, 100, 0, SYN, b""),
        seg(true, 101, 0, A, b"abc"),
        seg(true, 107, 0, A, b"ghi"), // held
        seg(true, 104, 0, A, b"def"), // fills the hole
        seg(true, 120, 0, A, b"z"),   // a new hole shows
        seg(false, 900, 121, A, b""),
    ]);
    assert_eq!(log.bytes[0], b"abcdefghiz");
    let gaps: Vec<_> = log.events.iter().filter(|e| e.contains("gap")).collect();
    assert_eq!(gaps, ["f6 d0 gap 10 Lost shown f5"], "{:?}", log.events);
}

/// A one-sided capture: the client's handshake ACK and data, no packet of
/// the server's, and the client's ACKs moving over 40 bytes from it. Those
/// are one gap of the server's direction when the conversation ends.
#[test]
fn direction_never_seen_but_acknowledged_is_a_gap() {
    let log = run(&[
        seg(true, 100, 0, SYN, b""),
        seg(true, 101, 901, A, b"ab"), // SYN-ACK 900 not in the capture
        seg(true, 103, 921, A, b"cd"), // 20 server bytes acknowledged
        seg(true, 105, 941, A, b""),   // 20 more
    ]);
    assert_eq!(log.bytes[0], b"abcd");
    let gaps: Vec<_> = log.events.iter().filter(|e| e.contains("gap")).collect();
    assert_eq!(gaps, ["f4 d1 gap 40 Lost"], "{:?}", log.events);
}

/// A SYN nobody answered: the server's direction ends silent at the
/// capture's end; a direction that sent anything, even a SYN-ACK, is not.
#[test]
fn direction_that_sent_nothing_ends_silent() {
    let log = run(&[seg(true, 100, 0, SYN, b""), seg(true, 100, 0, SYN, b"")]);
    let silent: Vec<_> = log.events.iter().filter(|e| e.contains("silent")).collect();
    assert_eq!(silent, ["f2 d1 silent"], "{:?}", log.events);
    let log = run(&[seg(true, 100, 0, SYN, b""), seg(false, 900, 101, SA, b"")]);
    assert!(
        !log.events.iter().any(|e| e.contains("silent")),
        "{:?}",
        log.events
    );
}

/// Both directions in the capture: the ACKs add no gap.
#[test]
fn direction_seen_adds_no_gap_at_the_end() {
    let log = run(&[
        seg(true, 100, 0, SYN, b""),
        seg(false, 900, 101, SA, b""),
        seg(true, 101, 901, A, b"ab"),
        seg(false, 901, 103, A, b"xy"),
        seg(true, 103, 903, A, b""),
    ]);
    assert!(
        !log.events.iter().any(|e| e.contains("gap")),
        "{:?}",
        log.events
    );
}

#[test]
fn midstream_start_and_unfilled_hole_at_end() {
    let log = run(&[
        seg(false, 5000, 0, A, b"mid"),
        seg(false, 5010, 0, A, b"late"),
    ]);
    // the first packet's sender is direction 0, whichever side it is
    assert_eq!(log.bytes[0], b"midlate");
    assert!(
        log.events.iter().any(|e| e.contains("gap 7 Lost")),
        "{:?}",
        log.events
    );
}

#[test]
fn snaplen_cut_is_reported() {
    let mut s = seg(true, 101, 0, A, b"abcdef");
    s.payload = &b"abcdef"[..2];
    let log = run(&[seg(true, 100, 0, SYN, b""), s, seg(true, 107, 0, A, b"g")]);
    assert_eq!(log.bytes[0], b"abg");
    assert!(log.events.contains(&"f2 d0 gap 4 Snaplen".to_string()));
}

#[test]
fn streams_are_numbered_like_wireshark() {
    let mut r: Reassembler<Log> = Reassembler::new(Limits::default());
    let mut sink = Sink {
        follow: false,
        closed: vec![],
    };
    let t = Timestamp { secs: 1, nanos: 0 };
    let mut other = seg(true, 1, 0, SYN, b"");
    other.src_port = 50001;
    assert_eq!(r.process(&seg(true, 100, 0, SYN, b""), 1, t, &mut sink), 0);
    assert_eq!(r.process(&seg(false, 9, 101, SA, b""), 2, t, &mut sink), 0);
    assert_eq!(r.process(&other, 3, t, &mut sink), 1);
    // a retransmitted SYN stays in its stream
    assert_eq!(r.process(&seg(true, 100, 0, SYN, b""), 4, t, &mut sink), 0);
    // a new SYN with another ISN on the same ports is a new stream (port reuse)
    assert_eq!(r.process(&seg(true, 7777, 0, SYN, b""), 5, t, &mut sink), 2);
    assert_eq!(r.process(&seg(false, 3, 7778, SA, b""), 6, t, &mut sink), 2);
}

#[test]
fn budget_exceeded_skips_the_hole() {
    let mut r = Reassembler::new(Limits {
        max_ooo_per_dir: 4,
        ..Limits::default()
    });
    let mut sink = Sink {
        follow: true,
        closed: vec![],
    };
    let t = Timestamp { secs: 1, nanos: 0 };
    for (i, s) in [
        seg(true, 100, 0, SYN, b""),
        seg(true, 111, 0, A, b"abc"),
        seg(true, 114, 0, A, b"de"),
    ]
    .iter()
    .enumerate()
    {
        r.process(s, i as u64 + 1, t, &mut sink);
    }
    r.finish(t, 3, &mut sink);
    let log = LAST.with(|l| l.borrow_mut().take()).unwrap();
    assert_eq!(log.bytes[0], b"abcde");
    assert!(
        log.events
            .contains(&"f3 d0 gap 10 Budget shown f2".to_string()),
        "{:?}",
        log.events
    );
    assert_eq!(r.stats.budget_dropped_bytes, 10);
}

/// Conversations that each hold 4,000 one-byte out-of-order segments (the
/// bytes of a real capture; the first byte never comes): the segments held
/// in all stay within `max_ooo_segments_total`, what is given up is counted
/// in `budget_dropped_bytes`, and every byte sent is delivered or counted.
/// (Before the cap, 20 such conversations held 80,000 segments, ~90 bytes
/// of memory each, for 80,000 bytes counted against the 16 MiB budget.)
#[test]
fn segments_held_in_all_are_capped() {
    let bytes = include_bytes!("../../samples/ntlm-wrong-password.pcap");
    let limits = Limits::default();
    let mut r: Reassembler<Log> = Reassembler::new(limits);
    let mut sink = Sink {
        follow: true,
        closed: vec![],
    };
    let t = Timestamp { secs: 1, nanos: 0 };
    let (mut frame, mut most) = (0u64, 0usize);
    for conv in 0..20u8 {
        let client = IpAddr::V4(Ipv4Addr::new(10, 1, 0, conv));
        let one = |seq: u32, flags: u8, payload: &'static [u8]| TcpSegment {
            src: client,
            dst: S,
            src_port: 50000,
            dst_port: 445,
            seq,
            ack: 0,
            flags: TcpFlags(flags),
            payload,
            wire_len: payload.len() as u32,
        };
        frame += 1;
        r.process(&one(1000, SYN, b""), frame, t, &mut sink);
        for i in 2..4002u32 {
            let at = i as usize % bytes.len();
            let b = &bytes[at..at + 1];
            frame += 1;
            r.process(&one(1000 + i, A, b), frame, t, &mut sink);
            most = most.max(r.held_total.segments);
        }
    }
    assert!(
        most <= limits.max_ooo_segments_total,
        "{most} segments held"
    );
    assert!(r.stats.budget_dropped_bytes > 0);
    r.finish(t, frame, &mut sink);
    assert_eq!(r.held_total.segments, 0);
    assert_eq!(r.held_total.bytes, 0);
    assert_eq!(
        r.stats.budget_dropped_bytes + r.stats.gap_bytes,
        20,
        "each conversation's one missing byte is a gap, counted once"
    );
}

/// A direction that held 1,000 one-byte segments until its hole was filled
/// gives their room back (it kept 1,024 entries, 56 bytes each, for the
/// rest of the conversation, however many conversations did the same).
#[test]
fn room_for_held_segments_is_given_back() {
    let bytes = include_bytes!("../../samples/ntlm-wrong-password.pcap");
    let mut r: Reassembler<Log> = Reassembler::new(Limits::default());
    let mut sink = Sink {
        follow: true,
        closed: vec![],
    };
    let t = Timestamp { secs: 1, nanos: 0 };
    r.process(&seg(true, 1000, 0, SYN, b""), 1, t, &mut sink);
    for i in (1..1001u32).rev() {
        let b = &bytes[i as usize..i as usize + 1];
        r.process(
            &seg(true, 1001 + i, 0, A, b),
            u64::from(1002 - i),
            t,
            &mut sink,
        );
    }
    let held = |r: &Reassembler<Log>| {
        r.flows
            .iter()
            .flatten()
            .map(|f| f.dirs[0].held.capacity())
            .sum::<usize>()
    };
    assert!(held(&r) >= 1000);
    r.process(&seg(true, 1001, 0, A, &bytes[..1]), 1002, t, &mut sink);
    assert_eq!(r.held_total.segments, 0);
    assert!(
        held(&r) <= KEEP_HELD_CAPACITY,
        "room for {} segments kept",
        held(&r)
    );
    r.finish(t, 1002, &mut sink);
    let log = LAST.with(|l| l.borrow_mut().take()).unwrap();
    assert_eq!(log.bytes[0], &bytes[..1001]);
}

/// Many conversations opening, closing, resetting and reusing ports, with the
/// clock jumping back and forth: the sweep forgets the same conversations, in
/// the same order, as a scan of the whole table would (checked inside `sweep`
/// in test builds).
#[test]
fn sweep_forgets_what_a_full_scan_would() {
    for (closed, idle) in [(2, 5), (0, 3), (7, 2), (-1, 4)] {
        let mut r: Reassembler<Log> = Reassembler::new(Limits {
            closed_timeout_secs: closed,
            idle_timeout_secs: idle,
            max_flows: 40,
            ..Limits::default()
        });
        let mut sink = Sink {
            follow: true,
            closed: vec![],
        };
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut secs = 1_000i64;
        for frame in 1..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            secs += match x % 16 {
                0 => -3,
                1..=3 => 1,
                4 => 6,
                _ => 0,
            };
            let flags = [SYN, SA, A, A, FA, TcpFlags::RST, A, FA][(x >> 8) as usize % 8];
            let mut s = seg((x >> 12) & 1 == 0, (x >> 16) as u32 % 3, 0, flags, b"");
            let port = 40_000 + (x >> 24) as u16 % 64;
            if (x >> 12) & 1 == 0 {
                s.src_port = port;
            } else {
                s.dst_port = port;
            }
            r.process(&s, frame, Timestamp { secs, nanos: 0 }, &mut sink);
        }
        assert!(r.stats.flows_evicted > 100, "{:?}", r.stats);
    }
}

/// `flows_evicted` counts the conversations forgotten while still open, not
/// those forgotten after both sides closed them: one closed by a FIN each
/// way and one left open, on other ports, both idle past their timeouts.
#[test]
fn only_open_conversations_forgotten_are_counted() {
    let mut r: Reassembler<Log> = Reassembler::new(Limits {
        closed_timeout_secs: 120,
        idle_timeout_secs: 3600,
        ..Limits::default()
    });
    let mut sink = Sink {
        follow: true,
        closed: vec![],
    };
    let at = |secs| Timestamp { secs, nanos: 0 };
    let closed = [
        seg(true, 1, 0, SYN, b""),
        seg(false, 1, 2, SA, b""),
        seg(true, 2, 2, FA, b""),
        seg(false, 2, 3, FA, b""),
    ];
    for (i, s) in closed.iter().enumerate() {
        r.process(s, i as u64 + 1, at(1_000), &mut sink);
    }
    let mut open = seg(true, 1, 0, SYN, b"");
    open.src_port = 50001;
    r.process(&open, 5, at(1_000), &mut sink);
    // Past the closed timeout: the closed conversation is forgotten.
    let mut later = seg(true, 1, 0, SYN, b"");
    later.src_port = 50002;
    r.process(&later, 6, at(1_200), &mut sink);
    assert_eq!(sink.closed, [0]);
    assert_eq!(r.stats.flows_evicted, 0, "{:?}", r.stats);
    // Past the idle timeout: the open ones too, and they are counted.
    let mut last = seg(true, 1, 0, SYN, b"");
    last.src_port = 50003;
    r.process(&last, 7, at(10_000), &mut sink);
    sink.closed.sort_unstable();
    assert_eq!(sink.closed, [0, 1, 2]);
    assert_eq!(r.stats.flows_evicted, 2, "{:?}", r.stats);
}

/// `out_of_order_segments` counts a segment held ahead of a hole that a
/// later segment fills (reordered), not one after a hole the capture never
/// fills (the peer's ACK, or the capture's end, makes it a gap).
#[test]
fn out_of_order_counts_reordered_segments_not_those_after_a_loss() {
    let stats = |segs: &[TcpSegment<'_>]| {
        let mut r = Reassembler::new(Limits::default());
        let mut sink = Sink {
            follow: true,
            closed: vec![],
        };
        for (i, s) in segs.iter().enumerate() {
            r.process(s, i as u64 + 1, Timestamp { secs: 1, nanos: 0 }, &mut sink);
        }
        r.finish(
            Timestamp { secs: 2, nanos: 0 },
            segs.len() as u64,
            &mut sink,
        );
        let s = r.stats;
        (s.out_of_order_segments, s.gaps, s.gap_bytes)
    };
    let reordered = stats(&[
        seg(true, 100, 0, SYN, b""),
        seg(true, 104, 0, A, b"def"),
        seg(true, 107, 0, A, b"ghi"),
        seg(true, 101, 0, A, b"abc"),
    ]);
    assert_eq!(reordered, (2, 0, 0));
    let acked = stats(&[
        seg(true, 100, 0, SYN, b""),
        seg(true, 101, 0, A, b"abc"),
        seg(true, 110, 0, A, b"xyz"),
        seg(false, 900, 113, A, b""),
    ]);
    assert_eq!(acked, (0, 1, 6));
    let never = stats(&[
        seg(true, 100, 0, SYN, b""),
        seg(true, 101, 0, A, b"abc"),
        seg(true, 110, 0, A, b"xyz"),
    ]);
    assert_eq!(never, (0, 1, 6));
}
