//! The whole pcap/pcapng reader: `CaptureReader::new`, then `next_frame` until
//! `None` or an error.
//!
//! Invariants: the same input read from a slice and through a reader that
//! hands out short reads yields the same frames and the same error (after
//! a decompressor's error, the same frames as far as both got); frame
//! numbers count up from 1; a frame's bytes are part of the input (of the
//! decompressed input when it is compressed: those paths too are taken,
//! from a seed made by gzip or an input that starts with a gzip, zstd or
//! LZ4 magic number).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smbscope::capture::{CaptureError, CaptureReader, Compressor};
use std::io::Read;

/// Hands out at most `step` bytes per read, like a pipe.
struct Short<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Short<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// One frame as read: (number, link type, ts, data, orig_len, offset).
type Seen = (u64, u32, (i64, u32), Vec<u8>, u32, u64);

/// Most bytes a decompressor makes of one input byte, the bound of a
/// compressed input's decompressed size: deflate, a 258-byte match per two
/// bits (RFC 1951 3.2.5); zstd, an RLE block of 128 KiB from 4 bytes (RFC
/// 8878 3.1.1.2); LZ4, a match of up to 255 bytes per length byte.
fn ratio(c: Compressor) -> usize {
    match c {
        Compressor::Gzip => 1032,
        Compressor::Zstd => 32_768,
        _ => 256,
    }
}

/// What a reader produced: the frames, the error text if it stopped on
/// one, and whether that error is the decompressor's.
type Outcome = (Vec<Seen>, Option<String>, bool);

/// What a reader produced (see [`Outcome`]).
fn read_all<R: Read>(src: R, input_len: usize) -> Outcome {
    let mut out = Vec::new();
    let mut r = match CaptureReader::new(src) {
        Ok(r) => r,
        Err(e) => return (out, Some(e.to_string()), decompressing(&e)),
    };
    let _ = r.format();
    // The bytes the capture reader reads: the input, or what it inflates to.
    let input_len = match r.compressed() {
        Some(c) => input_len.saturating_mul(ratio(c)),
        None => input_len,
    };
    loop {
        match r.next_frame() {
            Ok(Some(f)) => {
                assert_eq!(f.number, out.len() as u64 + 1, "frame numbers count from 1");
                assert!(f.data.len() <= input_len, "frame larger than the input");
                assert!(f.offset < input_len as u64, "frame offset past the input");
                if out.len() < 4 {
                    let _ = (f.ts.to_string(), f.link_type.to_string());
                }
                out.push((
                    f.number,
                    f.link_type.0,
                    (f.ts.secs, f.ts.nanos),
                    f.data.to_vec(),
                    f.orig_len,
                    f.offset,
                ));
            }
            Ok(None) => break,
            Err(e) => {
                let _ = e.offset();
                return (out, Some(e.to_string()), decompressing(&e));
            }
        }
        // Every frame consumes at least one record header.
        assert!(
            out.len() <= input_len / 12 + 1,
            "more frames than records fit"
        );
    }
    assert!(r.offset() <= input_len as u64);
    assert!(r.link_types().len() <= 64);
    (out, None, false)
}

fn decompressing(e: &CaptureError) -> bool {
    matches!(e, CaptureError::Decompress { .. })
}

fuzz_target!(|data: &[u8]| {
    let whole = read_all(data, data.len());
    // A step size picked by the input's length, so the corpus need not change.
    let step = [1, 3, 7, 64, 4093][data.len() % 5];
    let short = read_all(Short { data, step }, data.len());
    if whole.2 || short.2 {
        // A decompressor that fails drops what it made in the read that
        // failed, and how much that is depends on the input each read had:
        // the frames before are the same as far as both got.
        let n = whole.0.len().min(short.0.len());
        assert_eq!(
            whole.0[..n],
            short.0[..n],
            "short reads (step {step}) change the frames"
        );
    } else {
        assert_eq!(whole, short, "short reads (step {step}) change the result");
    }
});
