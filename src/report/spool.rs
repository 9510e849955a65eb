//! A spool for report text written before it can be printed: the text
//! report's connection timelines are handed to it as each connection closes,
//! but printed after the header (whose counts are known only at the end), in
//! stream order. The text is kept in memory up to [`MEMORY_LIMIT`] and in
//! an unlinked temporary file beyond, so memory does not grow with the
//! capture; only a 20-byte index entry per piece stays in memory.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;

/// Bytes kept in memory before they go to the temporary file: few, so
/// that the buffer stays in the CPU's cache between the copy in and the
/// write out (8 MiB cost 8 MB more peak RSS and more system time on
/// session-1g; a write per 256 KiB is still few system calls).
pub const MEMORY_LIMIT: usize = 256 << 10;

/// Bytes read from the temporary file at once by [`Spool::write_sorted`].
pub const READ_WINDOW: usize = 1 << 20;

/// One piece of text: its sort key and where it is.
#[derive(Clone, Copy, Debug)]
struct Piece {
    key: u64,
    offset: u64,
    len: u32,
}

/// Pieces of text, each with a key, written out at the end in key order
/// (pieces with the same key in the order they came).
#[derive(Debug, Default)]
pub struct Spool {
    pieces: Vec<Piece>,
    /// The bytes from `flushed` on.
    mem: Vec<u8>,
    /// The temporary file holding bytes `0..flushed`.
    file: Option<File>,
    flushed: u64,
    /// The temporary file could not be made or written: keep the rest in memory.
    memory_only: bool,
    /// Bytes read back from the temporary file by [`Spool::write_sorted`].
    read_back: u64,
}

impl Spool {
    pub fn new() -> Spool {
        Spool::default()
    }

    /// Adds a piece of text under `key`.
    #[cfg(test)]
    pub fn add(&mut self, key: u64, text: &[u8]) {
        self.add_parts(key, &[text]);
    }

    /// Adds one piece of text under `key`, made of `parts` one after the other.
    pub fn add_parts(&mut self, key: u64, parts: &[&[u8]]) {
        let offset = self.flushed + self.mem.len() as u64;
        // A piece is at most a connection's timeline (bounded), far below 4 GiB.
        let mut left = u32::MAX as usize;
        for p in parts {
            let p = &p[..p.len().min(left)];
            self.mem.extend_from_slice(p);
            left -= p.len();
        }
        self.pieces.push(Piece {
            key,
            offset,
            len: (u32::MAX as usize - left) as u32,
        });
        if self.mem.len() >= MEMORY_LIMIT && !self.memory_only {
            if let Err(e) = self.spill() {
                // Not fatal: what the file holds stays readable, the rest
                // stays in memory. (Not `eprintln!`: it panics when
                // standard error is a closed pipe.)
                let _ = writeln!(
                    io::stderr(),
                    "smbscope: cannot write the report's temporary file in {} ({e}; set TMPDIR to change it); keeping the rest in memory",
                    std::env::temp_dir().display()
                );
                self.memory_only = true;
            }
        }
    }

    fn spill(&mut self) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(temp_file()?);
        }
        if let Some(f) = &self.file {
            f.write_all_at(&self.mem, self.flushed)?;
        }
        self.flushed += self.mem.len() as u64;
        self.mem.clear();
        Ok(())
    }

    /// Writes every piece to `out`, in key order. The temporary file is
    /// read in windows of up to [`READ_WINDOW`] bytes, each the piece and
    /// the pieces that follow it both in key order and in the file, one
    /// right after the other: pieces come nearly in key order, so a window
    /// holds many, and however they come no byte is read twice (the
    /// conversations a full table forgets close in slot order, not stream
    /// order: reading a whole window for each of those pieces read the
    /// file once per piece).
    pub fn write_sorted(&mut self, out: &mut impl Write) -> io::Result<()> {
        self.pieces.sort_by_key(|p| p.key);
        // Only `window[..window_len]` holds file bytes: the buffer keeps the
        // length of the largest window read, so it is zeroed once, not at
        // each read of a window longer than the last.
        let mut window: Vec<u8> = Vec::new();
        let mut window_len = 0usize;
        // The file offset of `window[0]`.
        let mut window_at = 0u64;
        for (i, p) in self.pieces.iter().enumerate() {
            let len = p.len as usize;
            if p.offset >= self.flushed {
                let at = (p.offset - self.flushed) as usize;
                out.write_all(&self.mem[at..at + len])?;
                continue;
            }
            let Some(f) = &self.file else {
                continue;
            };
            let inside =
                p.offset >= window_at && p.offset + p.len as u64 <= window_at + window_len as u64;
            if !inside {
                let end = run_end(&self.pieces[i..], self.flushed);
                window_len = (end - p.offset) as usize;
                if window.len() < window_len {
                    window.resize(window_len, 0);
                }
                f.read_exact_at(&mut window[..window_len], p.offset)?;
                self.read_back += window_len as u64;
                window_at = p.offset;
            }
            let at = (p.offset - window_at) as usize;
            out.write_all(&window[at..at + len])?;
        }
        Ok(())
    }
}

/// Where the window read for `run[0]` (a piece in the file) ends: past the
/// pieces after it in key order that follow it in the file without a byte
/// between, while they fit in [`READ_WINDOW`] bytes (the first piece
/// whatever its size), and before `flushed`.
fn run_end(run: &[Piece], flushed: u64) -> u64 {
    let Some(first) = run.first() else {
        return 0;
    };
    let mut end = first.offset + u64::from(first.len);
    for p in run.iter().skip(1) {
        let next = p.offset + u64::from(p.len);
        if p.offset != end || next > flushed || next - first.offset > READ_WINDOW as u64 {
            break;
        }
        end = next;
    }
    end.min(flushed)
}

/// A new temporary file, unlinked at once so nothing is left behind.
fn temp_file() -> io::Result<File> {
    let dir = std::env::temp_dir();
    let pid = std::process::id();
    for n in 0..100u32 {
        let path = dir.join(format!("smbscope-report-{pid}-{n}.tmp"));
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => {
                let _ = std::fs::remove_file(&path);
                return Ok(f);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_come_out_in_key_order_across_memory_and_file() {
        let mut s = Spool::new();
        let big = vec![b'x'; MEMORY_LIMIT / 3 + 7];
        let mut want: Vec<(u64, Vec<u8>)> = Vec::new();
        for i in 0..10u64 {
            let key = (i * 7) % 10;
            let mut t = format!("piece {i} key {key}\n").into_bytes();
            t.extend_from_slice(&big[..(i as usize * 1000) % big.len()]);
            if i % 3 == 0 {
                t.extend_from_slice(&big);
            }
            s.add(key, &t);
            want.push((key, t));
        }
        assert!(s.flushed > 0, "the spool spilled to its file");
        want.sort_by_key(|w| w.0);
        let mut out = Vec::new();
        s.write_sorted(&mut out).unwrap();
        let expect: Vec<u8> = want.into_iter().flat_map(|w| w.1).collect();
        assert_eq!(out.len(), expect.len());
        assert!(out == expect);
    }

    #[test]
    fn many_small_pieces_nearly_in_order_across_windows() {
        let mut s = Spool::new();
        fill_and_check(&mut s, 3 * READ_WINDOW.max(MEMORY_LIMIT) as u64, |i| {
            // Keys mostly rising, now and then one far back or repeated.
            let key = match i % 17 {
                0 => i / 3,
                5 => i.saturating_sub(1),
                _ => i,
            };
            let t = format!("{i}:{key}:{}\n", "y".repeat((i % 3001) as usize)).into_bytes();
            (key, t)
        });
    }

    /// Adds `piece(0)`, `piece(1)`, … until `flushed` bytes went to the
    /// file, then checks `write_sorted` gives the pieces in key order.
    fn fill_and_check(s: &mut Spool, flushed: u64, piece: impl Fn(u64) -> (u64, Vec<u8>)) {
        let mut want: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut i = 0u64;
        while s.flushed < flushed {
            let (key, t) = piece(i);
            s.add(key, &t);
            want.push((key, t));
            i += 1;
        }
        want.sort_by_key(|w| w.0);
        let mut out = Vec::new();
        s.write_sorted(&mut out).unwrap();
        let expect: Vec<u8> = want.into_iter().flat_map(|w| w.1).collect();
        assert!(out == expect);
    }

    /// Pieces spilled in an order far from their keys' (as the
    /// conversations forgotten by a full table close, in slot order): each
    /// byte of the file is read back once, not a window per piece.
    #[test]
    fn scattered_pieces_read_the_file_once() {
        let mut s = Spool::new();
        fill_and_check(&mut s, 2 * MEMORY_LIMIT as u64, |i| {
            let key = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            let t = format!("Connection {i}: {}\n", "z".repeat((i % 200) as usize)).into_bytes();
            (key, t)
        });
        assert!(
            s.read_back <= s.flushed,
            "{} bytes read back for a file of {}",
            s.read_back,
            s.flushed
        );
    }

    #[test]
    fn equal_keys_keep_their_order() {
        let mut s = Spool::new();
        s.add(2, b"b1 ");
        s.add(1, b"a ");
        s.add(2, b"b2 ");
        let mut out = Vec::new();
        s.write_sorted(&mut out).unwrap();
        assert_eq!(out, b"a b1 b2 ");
    }
}
