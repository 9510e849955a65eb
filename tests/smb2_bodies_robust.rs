//! Robustness: deterministic mutations of every real PDU we have (our sample
//! PDUs always; a bounded selection of corpus PDUs when ../shared/corpus is
//! present) must never panic, hang or allocate absurdly. Mutations: every
//! truncation, bit flips at pseudo-random positions, every 16/32-bit field of
//! the body's first 96 bytes set to 0 / 1 / max / ±1 / just past the PDU, and
//! the header's command, response flag and status swapped, so each body is
//! also read as every other command and as each documented error case.

mod common;

use smbscope::smb2::{parse_body, parse_smb1, Smb2Header};
use std::collections::HashMap;
use std::time::Instant;

/// xorshift64*: a fixed, dependency-free pseudo-random sequence.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const STATUSES: [u32; 11] = [
    0,
    0x0000_0103, // PENDING
    0x0000_010C, // NOTIFY_ENUM_DIR
    0x8000_0005, // BUFFER_OVERFLOW
    0x8000_002D, // STOPPED_ON_SYMLINK
    0xC000_000D, // INVALID_PARAMETER
    0xC000_0016, // MORE_PROCESSING_REQUIRED
    0xC000_0023, // BUFFER_TOO_SMALL
    0xC000_006D, // LOGON_FAILURE
    0xC000_00CC, // BAD_NETWORK_NAME
    0x8000_0006, // NO_MORE_FILES
];

/// Parses `p` as SMB2 or SMB1 and uses the result; `full` also serializes.
fn exercise(p: &[u8], full: bool, n: &mut usize) {
    *n += 1;
    if p.starts_with(b"\xffSMB") {
        if let Ok(m) = parse_smb1(p) {
            let _ = m.summary();
            if full {
                serde_json::to_string(&m).unwrap();
            }
        }
        return;
    }
    let Ok(h) = Smb2Header::parse(p) else { return };
    if let Ok(b) = parse_body(&h, p) {
        let _ = b.summary();
        if let Some(r) = b.security_buffer() {
            let _ = r.slice(p);
            let _ = r.present_slice(p);
        }
        if full {
            serde_json::to_string(&b).unwrap();
        }
    }
}

fn mutate_all(p: &[u8], rng: &mut Rng, n: &mut usize) {
    // every truncation
    for len in 0..p.len() {
        exercise(&p[..len], len % 16 == 0, n);
    }
    let mut q = p.to_vec();
    // bit flips
    for i in 0..64 {
        let at = rng.below(q.len());
        let bit = 1u8 << rng.below(8);
        q[at] ^= bit;
        exercise(&q, i % 8 == 0, n);
        q[at] ^= bit;
    }
    // 16- and 32-bit field bumps in the body's first 96 bytes
    let len = p.len() as u64;
    for at in (64..p.len().min(160)).step_by(2) {
        for width in [2usize, 4] {
            if at + width > q.len() {
                continue;
            }
            let orig = q[at..at + width].to_vec();
            let v = if width == 2 {
                u64::from(u16::from_le_bytes([orig[0], orig[1]]))
            } else {
                u64::from(u32::from_le_bytes([orig[0], orig[1], orig[2], orig[3]]))
            };
            let max = if width == 2 { 0xFFFF } else { 0xFFFF_FFFF };
            for nv in [
                0,
                1,
                max,
                v.wrapping_add(1) & max,
                v.wrapping_sub(1) & max,
                len & max,
                (len + 8) & max,
                len.saturating_sub(1) & max,
            ] {
                q[at..at + width].copy_from_slice(&nv.to_le_bytes()[..width]);
                exercise(&q, false, n);
            }
            q[at..at + width].copy_from_slice(&orig);
        }
    }
    // SMB2 header swaps: command x response flag x status
    if q.starts_with(b"\xfeSMB") && q.len() >= 64 {
        let orig = q[..64].to_vec();
        for cmd in 0u16..=0x14 {
            for resp in [0u8, 1] {
                q[12..14].copy_from_slice(&cmd.to_le_bytes());
                q[16] = (orig[16] & !1) | resp;
                let st = STATUSES[rng.below(STATUSES.len())];
                q[8..12].copy_from_slice(&st.to_le_bytes());
                exercise(&q, cmd % 4 == 0, n);
            }
        }
        q[..64].copy_from_slice(&orig);
    }
}

#[test]
fn mutated_real_pdus_never_panic() {
    let start = Instant::now();
    let mut rng = Rng(0x5EED_CAFE_F00D_1234);
    let mut n = 0usize;
    let mut pdus: Vec<Vec<u8>> = common::sample_pdus().into_iter().map(|(_, b)| b).collect();
    let samples = pdus.len();
    // plus up to 2 PDUs of each (command, direction, status class) per corpus capture,
    // cut to 512 bytes
    if let Some(dir) = common::corpus_dir() {
        for cap in common::corpus_captures(&dir) {
            let mut seen: HashMap<(u8, u16, bool, bool), usize> = HashMap::new();
            for f in common::frames(&cap) {
                let Some(msgs) = common::messages(&f.payload) else {
                    continue;
                };
                for m in msgs {
                    let list = match m {
                        common::Msg::Smb2(v) => v,
                        common::Msg::Smb1(v) => vec![v],
                        common::Msg::Transform => continue,
                    };
                    for p in list {
                        let key = (
                            p[0],
                            u16::from_le_bytes([
                                p.get(12).copied().unwrap_or(0),
                                p.get(13).copied().unwrap_or(0),
                            ]),
                            p.get(16).is_some_and(|f| f & 1 != 0),
                            p.get(8..12).is_some_and(|s| s != [0, 0, 0, 0]),
                        );
                        let c = seen.entry(key).or_default();
                        if *c < 2 {
                            *c += 1;
                            pdus.push(p[..p.len().min(512)].to_vec());
                        }
                    }
                }
            }
        }
    }
    for p in &pdus {
        mutate_all(p, &mut rng, &mut n);
    }
    eprintln!(
        "robustness: {} PDUs ({samples} from samples), {n} parses, {:?}",
        pdus.len(),
        start.elapsed()
    );
    assert!(n > 10_000);
}

#[test]
fn random_bodies_behind_valid_headers_never_panic() {
    let mut rng = Rng(42);
    let mut n = 0usize;
    for i in 0..20_000usize {
        let len = 66 + rng.below(200);
        let mut p: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        p[..4].copy_from_slice(b"\xfeSMB");
        p[12] = rng.below(0x15) as u8;
        p[13] = 0;
        // plausible StructureSize so the body parsers get past the first check
        let ss: [u16; 14] = [2, 4, 9, 16, 17, 24, 25, 32, 33, 36, 41, 48, 49, 57];
        let s = if i % 4 == 0 {
            65
        } else {
            ss[rng.below(ss.len())]
        };
        p[64..66].copy_from_slice(&s.to_le_bytes());
        exercise(&p, i % 16 == 0, &mut n);
    }
    assert_eq!(n, 20_000);
}
