//! `tcp::Reassembler` fed synthetic segments decoded from the input.
//!
//! Input: one byte of limits, 8 bytes of initial sequence numbers, then
//! segment records:
//!   h: u8      bit 0 direction (0 client→server), bits 1-2 conversation (of 4),
//!              bit 3 the capture clock advances by the next byte's seconds
//!   f: u8      TCP flags (FIN SYN RST PSH ACK URG, bits 0-5); bits 6-7: the
//!              snaplen cut the segment (wire length > bytes present) by the next byte
//!   seq: i16   relative to where this direction's previous segment ended
//!   ack: i16   relative to where the other direction's previous segment ended
//!   len: u8    payload bytes that follow
//!
//! Invariants: per sender, the bytes delivered never exceed the bytes given;
//! each direction ends at most once; every conversation opened is closed, and
//! none is tracked after `finish`.
#![no_main]

mod common;

use common::Bytes;
use libfuzzer_sys::fuzz_target;
use smbscope::capture::Timestamp;
use smbscope::net::{TcpFlags, TcpSegment};
use smbscope::tcp::{Ctx, EndReason, FlowInfo, Gap, Limits, Reassembler, StreamSink};
use std::net::{IpAddr, Ipv4Addr};

type Endpoint = (IpAddr, u16);

/// Endpoints: the clients of conversations 0-3, then the server.
const SERVER: usize = 4;

fn index(ep: Endpoint) -> usize {
    if ep.1 == 445 {
        SERVER
    } else {
        usize::from(ep.1 - 50_000)
    }
}

struct Flow {
    stream: u64,
    /// Endpoint indexes of direction 0 and 1.
    ends: [usize; 2],
}

#[derive(Default)]
struct Sink {
    delivered: [u64; 5],
    /// Per stream number: which directions ended.
    ended: Vec<[bool; 2]>,
    opened: u64,
    closed: u64,
    follow_all: bool,
}

impl StreamSink for Sink {
    type State = Flow;
    fn open(&mut self, info: &FlowInfo, ctx: &Ctx) -> Option<Flow> {
        assert_eq!(info.stream, ctx.stream);
        // Follow every other conversation unless told to follow all, so the
        // not-followed path (numbering only) is exercised too.
        if !self.follow_all && info.stream % 3 == 2 {
            return None;
        }
        self.opened += 1;
        Some(Flow {
            stream: info.stream,
            ends: [
                index((info.src, info.src_port)),
                index((info.dst, info.dst_port)),
            ],
        })
    }
    fn data(&mut self, st: &mut Flow, ctx: &Ctx, dir: usize, bytes: &[u8]) {
        assert_eq!(st.stream, ctx.stream);
        assert!(dir < 2);
        assert!(!bytes.is_empty(), "empty data callback");
        self.delivered[st.ends[dir]] += bytes.len() as u64;
    }
    fn gap(&mut self, st: &mut Flow, ctx: &Ctx, dir: usize, gap: Gap) {
        assert_eq!(st.stream, ctx.stream);
        assert!(dir < 2);
        assert!(gap.len > 0, "empty gap");
        assert!(
            gap.frame <= ctx.frame,
            "a gap shown after the frame that found it"
        );
    }
    fn end(&mut self, st: &mut Flow, ctx: &Ctx, dir: usize, _reason: EndReason, _silent: bool) {
        assert_eq!(st.stream, ctx.stream);
        let s = st.stream as usize;
        if self.ended.len() <= s {
            self.ended.resize(s + 1, [false; 2]);
        }
        assert!(!self.ended[s][dir], "direction ended twice");
        self.ended[s][dir] = true;
    }
    fn close(&mut self, st: Flow, ctx: &Ctx) {
        assert_eq!(st.stream, ctx.stream);
        self.closed += 1;
    }
}

fn endpoint(conv: usize, dir: usize) -> Endpoint {
    if dir == 0 {
        (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 50_000 + conv as u16)
    } else {
        (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)), 445)
    }
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Bytes::new(data);
    let l = inp.u8();
    let per_dir = [16usize, 300, 4096, 1 << 20][usize::from(l & 3)];
    let limits = Limits {
        max_flows: 1 + usize::from((l >> 2) & 3),
        max_ooo_per_dir: per_dir,
        max_ooo_total: per_dir * (1 + usize::from((l >> 4) & 3)),
        // Bit 7: few segments per direction and in all.
        max_ooo_segments_per_dir: if l & 0x80 != 0 { 3 } else { 4096 },
        max_ooo_segments_total: if l & 0x80 != 0 { 5 } else { 65_536 },
        closed_timeout_secs: 2,
        idle_timeout_secs: 10,
    };
    let mut sink = Sink {
        follow_all: l & 0x40 != 0,
        ..Sink::default()
    };
    let isn = [inp.u32(), inp.u32()];
    // Where each (conversation, direction)'s last segment ended.
    let mut cursor = [[isn[0], isn[1]]; 4];
    let mut given = [0u64; 5];
    let mut r: Reassembler<Flow> = Reassembler::new(limits);
    let mut ts = Timestamp {
        secs: 1_000,
        nanos: 0,
    };
    let mut frame = 0u64;
    while !inp.is_empty() {
        let h = inp.u8();
        let f = inp.u8();
        let dir = usize::from(h & 1);
        let conv = usize::from((h >> 1) & 3);
        if h & 8 != 0 {
            ts.secs += i64::from(inp.u8());
        }
        let seq_delta = inp.u16() as i16;
        let ack_delta = inp.u16() as i16;
        let len = usize::from(inp.u8());
        let cut = if f & 0xC0 != 0 {
            u32::from(inp.u8()) << ((f >> 6) * 4)
        } else {
            0
        };
        let payload = inp.take(len);
        let seq = cursor[conv][dir].wrapping_add(seq_delta as u32);
        let ack = cursor[conv][1 - dir].wrapping_add(ack_delta as u32);
        let wire_len = payload.len() as u32 + cut;
        let (src, dst) = (endpoint(conv, dir), endpoint(conv, 1 - dir));
        let seg = TcpSegment {
            src: src.0,
            dst: dst.0,
            src_port: src.1,
            dst_port: dst.1,
            seq,
            ack,
            flags: TcpFlags(f & 0x3F),
            payload,
            wire_len,
        };
        frame += 1;
        r.process(&seg, frame, ts, &mut sink);
        given[index(src)] += payload.len() as u64;
        cursor[conv][dir] = seq.wrapping_add(wire_len);
        assert!(
            r.tracked() <= limits.max_flows,
            "more flows tracked than allowed"
        );
    }
    r.finish(ts, frame + 1, &mut sink);
    assert_eq!(r.tracked(), 0, "flows left after finish");
    assert_eq!(sink.opened, sink.closed, "followed flows not closed");
    assert_eq!(r.stats.segments, frame);
    for (ep, (n, g)) in sink.delivered.iter().zip(given).enumerate() {
        assert!(*n <= g, "endpoint {ep}: {n} bytes delivered, {g} given");
    }
});
