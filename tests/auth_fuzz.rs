//! Fuzz-style robustness: deterministic mutations (bit flips, byte
//! substitutions, truncations, length-field bumps, insertions, deletions)
//! of every real blob we have must never panic; the parsers return Ok or
//! Err. Sources: our sample blobs in src/auth/testdata/*.hex, plus the
//! public corpus blobs when ../shared/corpus/public exists.

mod auth_support;

use smbscope::auth::{kerberos_tcp_record, parse_kerberos_message, parse_security_blob};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::Instant;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn sample_blobs() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/auth/testdata");
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("src/auth/testdata")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "hex"))
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let h: String = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| l.chars())
            .filter(|c| c.is_ascii_hexdigit())
            .collect();
        let b: Vec<u8> = (0..h.len() / 2)
            .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        out.push((p.file_name().unwrap().to_string_lossy().to_string(), b));
    }
    out
}

fn corpus_blobs() -> Vec<(String, Vec<u8>)> {
    let Some(dir) = auth_support::corpus_dir() else {
        println!("note: corpus absent; fuzzing sample blobs only");
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.to_string_lossy();
            n.ends_with(".pcap") || n.ends_with(".pcapng")
        })
        .collect();
    paths.sort();
    for p in paths {
        let segs = auth_support::segments(&p);
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let mut seen = std::collections::HashSet::new();
        for b in auth_support::smb_blobs(&segs) {
            // One of each distinct (length, first bytes) shape is enough.
            let key = (
                b.bytes.len(),
                b.bytes.iter().take(24).copied().collect::<Vec<u8>>(),
            );
            if seen.insert(key) {
                out.push((format!("{name}#{}", b.frame), b.bytes));
            }
        }
        for (f, m) in auth_support::kerberos88(&segs) {
            out.push((format!("{name}#{f}"), m));
        }
    }
    out
}

fn mutate(rng: &mut Rng, src: &[u8]) -> Vec<u8> {
    let mut v = src.to_vec();
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        let len = v.len();
        match rng.below(8) {
            0 => {
                if len > 0 {
                    let i = rng.below(len);
                    v[i] ^= 1 << rng.below(8);
                }
            }
            1 => {
                if len > 0 {
                    let i = rng.below(len);
                    v[i] = [0x00, 0xff, 0x7f, 0x80, 0x81, 0x84, 0x30, 0xa0][rng.below(8)];
                }
            }
            2 => v.truncate(rng.below(len + 1)),
            3 => {
                // Bump a length-like byte: DER length octets and NTLMSSP
                // Len/Offset fields are single bytes in the low position.
                if len > 0 {
                    let i = rng.below(len);
                    let d = [1u8, 2, 0x10, 0x7f, 0x80, 0xfe, 0xff][rng.below(7)];
                    v[i] = v[i].wrapping_add(d);
                }
            }
            4 => {
                if len >= 2 {
                    // 16-bit little-endian bump (NTLMSSP field descriptors).
                    let i = rng.below(len - 1);
                    let x = u16::from_le_bytes([v[i], v[i + 1]])
                        .wrapping_add(1 + rng.below(0x400) as u16);
                    v[i..i + 2].copy_from_slice(&x.to_le_bytes());
                }
            }
            5 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(8);
                for _ in 0..n {
                    v.insert(i, rng.next() as u8);
                }
            }
            6 => {
                if len > 0 {
                    let i = rng.below(len);
                    let n = 1 + rng.below(8.min(len - i));
                    v.drain(i..i + n);
                }
            }
            _ => {
                // Splice: repeat a chunk (nesting-like growth).
                if len > 0 {
                    let i = rng.below(len);
                    let n = 1 + rng.below(32.min(len - i));
                    let chunk: Vec<u8> = v[i..i + n].to_vec();
                    let at = rng.below(len + 1);
                    v.splice(at..at, chunk);
                }
            }
        }
    }
    v
}

fn exercise(b: &[u8]) {
    if let Ok(a) = parse_security_blob(b) {
        let _ = serde_json::to_string(&a).unwrap();
        let _ = a.summary();
    }
    if let Ok(k) = parse_kerberos_message(b) {
        let _ = serde_json::to_string(&k).unwrap();
        let _ = k.summary();
    }
    let _ = kerberos_tcp_record(b);
}

#[test]
fn mutated_real_blobs_never_panic() {
    let start = Instant::now();
    let samples = sample_blobs();
    assert!(samples.len() >= 20, "sample blobs missing");
    let corpus = corpus_blobs();
    let mut rng = Rng(0x5eed_cafe_f00d_beef);
    let mut runs = 0usize;
    let mut ok = 0usize;
    let plan: Vec<(&(String, Vec<u8>), usize)> = samples
        .iter()
        .map(|s| (s, 3000))
        .chain(corpus.iter().map(|s| (s, 300)))
        .collect();
    // Deep nesting: a long run of SEQUENCE headers must not recurse deeply.
    let mut deep = Vec::new();
    for _ in 0..10_000 {
        deep.extend_from_slice(&[0x30, 0x84, 0x00, 0x00, 0xff, 0xff]);
    }
    for b in [
        &deep[..],
        &[0x60u8, 0x84, 0xff, 0xff, 0xff, 0xff][..],
        b"NTLMSSP\0\x03\0\0\0",
    ] {
        exercise(b);
    }
    for ((name, blob), iters) in plan {
        for i in 0..iters {
            let m = mutate(&mut rng, blob);
            let r = catch_unwind(AssertUnwindSafe(|| exercise(&m)));
            if r.is_err() {
                let hex: String = m.iter().map(|b| format!("{b:02x}")).collect();
                panic!("panic on mutation {i} of {name}: {hex}");
            }
            runs += 1;
            ok +=
                usize::from(parse_security_blob(&m).is_ok() || parse_kerberos_message(&m).is_ok());
        }
    }
    println!(
        "{runs} mutants of {} sample + {} corpus blobs, {ok} still parsed, {:.1?}",
        samples.len(),
        corpus.len(),
        start.elapsed()
    );
}
