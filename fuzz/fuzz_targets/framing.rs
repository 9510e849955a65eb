//! `smb2::framing::Framer` fed one direction of a stream in chunks, with gaps;
//! NetBIOS session packets that are not messages go through `smb2::nbss`.
//!
//! Input: a 2-byte seed, a chunk-size byte, a gap byte, then the stream bytes
//! (NetBIOS session messages as on TCP 445/139). The seed drives how the
//! stream is cut into chunks; the gap byte how often bytes go missing
//! (0: never) and how many.
//!
//! Invariants: a message keeps at most its declared length and at most
//! MAX_KEEP bytes, and kept + missing never exceed the declared length; no
//! more bytes are kept than were given. Without gaps, and when neither run
//! had to resynchronize, the chunked run yields the same messages as feeding
//! the stream in one piece (the in-place path keeps more of long READ/WRITE
//! messages, so only the common prefix of the bytes is compared).
#![no_main]

mod common;

use common::{Bytes, Rng};
use libfuzzer_sys::fuzz_target;
use smbscope::smb2::framing::{Framer, Pdu, MAX_KEEP};
use smbscope::smb2::nbss::{parse_nbss, parse_nbss_kept, NbssPacket};

#[derive(Debug, PartialEq, Eq)]
struct Msg {
    kind: u8,
    len: u32,
    missing: u64,
    bytes: Vec<u8>,
}

/// `stream`: the input; a message handed out in place points into it, a
/// copied one (it spanned chunks) must respect MAX_KEEP. A NetBIOS session
/// packet other than a message is decoded too (`smb2::nbss`).
fn check(p: &Pdu<'_>, stream: &[u8]) {
    // a whole packet has every field
    match parse_nbss(p.kind, p.bytes) {
        Some(Ok(NbssPacket::SessionRequest { called, calling })) => {
            // both names, each at least its "<xx>" suffix
            assert!(
                called.is_some_and(|n| n.0.len() >= 4) && calling.is_some_and(|n| n.0.len() >= 4)
            );
        }
        Some(Ok(NbssPacket::NegativeResponse { error })) => assert!(error.is_some()),
        Some(Ok(NbssPacket::Retarget { ip, port })) => assert!(ip.is_some() && port.is_some()),
        _ => {}
    }
    // the bytes kept of a packet the stream cut
    let _ = parse_nbss_kept(p.kind, p.bytes, (p.bytes.len() as u64) < u64::from(p.len));
    let kept = p.bytes.len() as u64;
    assert!(
        kept <= u64::from(p.len),
        "kept more than the message length"
    );
    let (s, b) = (stream.as_ptr() as usize, p.bytes.as_ptr() as usize);
    let in_place = b >= s && b + p.bytes.len() <= s + stream.len();
    assert!(
        in_place || p.bytes.len() <= MAX_KEEP,
        "copied past MAX_KEEP"
    );
    assert!(
        kept + p.missing <= u64::from(p.len),
        "kept {kept} + missing {} > len {}",
        p.missing,
        p.len
    );
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Bytes::new(data);
    let mut rng = Rng::new(u32::from(inp.u16()));
    let max_chunk = 1u32 << (inp.u8() % 13);
    let gap = inp.u8();
    let stream = inp.rest();

    let mut chunked = Vec::new();
    let mut f = Framer::default();
    let mut kept_total = 0u64;
    let mut emit = |p: Pdu<'_>| {
        check(&p, stream);
        kept_total += p.bytes.len() as u64;
        chunked.push(Msg {
            kind: p.kind.0,
            len: p.len,
            missing: p.missing,
            bytes: p.bytes.to_vec(),
        });
    };
    let mut rest = stream;
    let mut gaps = 0;
    while !rest.is_empty() {
        let n = (1 + rng.below(max_chunk) as usize).min(rest.len());
        f.data(&rest[..n], &mut emit);
        rest = &rest[n..];
        if gap != 0 && rng.below(256) < u32::from(gap & 0x3F) {
            // Bytes lost from the stream; sometimes more than is left (a gap
            // the framer must skip past), sometimes huge.
            let len = match gap >> 6 {
                0 => u64::from(rng.below(64)),
                1 => u64::from(rng.below(4096)),
                2 => u64::from(rng.next()),
                _ => u64::from(rng.next()) << 24,
            };
            gaps += 1;
            f.gap(len, &mut emit);
            rest = &rest[(len.min(rest.len() as u64)) as usize..];
        }
    }
    let _ = f.in_message();
    f.end(&mut emit);
    assert!(
        kept_total <= stream.len() as u64,
        "kept more bytes than given"
    );
    let chunked_resyncs = f.stats.resyncs;

    if gaps == 0 {
        let mut whole = Vec::new();
        let mut g = Framer::default();
        let mut emit = |p: Pdu<'_>| {
            check(&p, stream);
            whole.push(Msg {
                kind: p.kind.0,
                len: p.len,
                missing: p.missing,
                bytes: p.bytes.to_vec(),
            });
        };
        g.data(stream, &mut emit);
        g.end(&mut emit);
        if chunked_resyncs == 0 && g.stats.resyncs == 0 {
            assert_eq!(whole.len(), chunked.len(), "message count differs");
            for (a, b) in whole.iter().zip(&chunked) {
                assert_eq!((a.kind, a.len, a.missing), (b.kind, b.len, b.missing));
                let n = a.bytes.len().min(b.bytes.len());
                assert_eq!(a.bytes[..n], b.bytes[..n], "kept bytes differ");
            }
        }
    }
});
