//! `net::decode` for every link type we decode (the first input byte picks it),
//! and one we do not; `net::arp` of the frames that are not IP.
//!
//! Invariants: a TCP/UDP payload is part of the frame and never longer than its
//! wire length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smbscope::capture::LinkType;
use smbscope::net::{decode, Packet};

const LINKS: [LinkType; 11] = [
    LinkType::ETHERNET,
    LinkType::RAW,
    LinkType::NULL,
    LinkType::LOOP,
    LinkType::LINUX_SLL,
    LinkType::LINUX_SLL2,
    LinkType::IPV4,
    LinkType::IPV6,
    LinkType::RAW_BSD,
    LinkType::RAW_BSD14,
    LinkType(147), // USER0: not decoded
];

fn within(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    inner.is_empty() || (i >= o && i + inner.len() <= o + outer.len())
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else {
        return;
    };
    let link = LINKS[usize::from(sel) % LINKS.len()];
    match decode(link, frame) {
        Ok(Packet::Tcp(t)) => {
            assert!(within(frame, t.payload), "TCP payload outside the frame");
            assert!(t.payload.len() as u64 <= u64::from(t.wire_len));
            let _ = (t.flags.fin(), t.flags.syn(), t.flags.rst(), t.flags.ack());
        }
        Ok(Packet::Udp(u)) => {
            assert!(within(frame, u.payload), "UDP payload outside the frame");
            assert!(u.payload.len() as u64 <= u64::from(u.wire_len));
        }
        Err(skip) => {
            let _ = skip.key();
            if skip == smbscope::net::Skip::NotIp {
                let _ = smbscope::net::arp(link, frame);
            }
        }
    }
});
