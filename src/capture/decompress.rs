//! Compressed captures, read as they are, as tshark 4.2 reads them: the
//! bytes of a gzip file (RFC 1952), a zstd file (RFC 8878) or an LZ4 frame
//! file (the LZ4 Frame Format) decompressed on the way into the capture
//! reader, a piece at a time. Several gzip members, zstd frames or LZ4
//! frames one after another (`cat a.gz b.gz`, pigz, pzstd) are one stream.
//! Bytes after the last gzip member, zstd frame or LZ4 frame that start no
//! other ("trailing garbage", which `gzip -d` ignores, and after which
//! `zstd -d` and `lz4 -d` stop with an error, each having written all that
//! came before) end the stream and are kept as [`Trailing`], for the
//! capture reader to report.

use std::fmt;
use std::io::{self, BufRead, Chain, Cursor, Read};

use flate2::bufread::GzDecoder;
use lz4_flex::frame::FrameDecoder;

use super::Compressor;

/// The largest zstd window accepted, as a power of two: 16 MiB. libzstd
/// allocates the window a frame header asks for, up to 128 MiB by default
/// (2^27, zstd's own limit when decompressing); 16 MiB keeps a hostile
/// header's allocation within what the fuzz targets allow one allocation
/// (32 MB) and memory within the flat figures of BENCHMARKS.md, and takes
/// every file of `zstd -1` to `-19` (window at most 8 MiB) and pzstd. A
/// frame that asks for more (`--ultra -20` and up, `--long`) is refused
/// with what to do.
pub const ZSTD_WINDOW_LOG_MAX: u32 = 24;

/// A compressed input with the bytes already read from it (to know its
/// compressor) put back in front, its own read errors marked.
type Replayed<R> = Chain<Cursor<Vec<u8>>, Marked<R>>;

/// What the capture reader reads from: the input as it is, or the input
/// decompressed.
pub(super) enum Source<R: Read> {
    Plain(R),
    Gzip(Box<Gzip<Replayed<R>>>),
    Zstd(Box<Zstd<Replayed<R>>>),
    Lz4(Box<Lz4<Replayed<R>>>),
    /// Only while the input moves from one to another.
    Moving,
}

/// The compressors whose output the capture reader decompresses: of the
/// [`Compressor`]s known by their magic number, those that are not only
/// named and refused (xz, bzip2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Decompressor {
    Gzip,
    Zstd,
    Lz4,
}

impl Decompressor {
    /// The compressor it reads, as errors name it.
    pub(super) fn compressor(self) -> Compressor {
        match self {
            Decompressor::Gzip => Compressor::Gzip,
            Decompressor::Zstd => Compressor::Zstd,
            Decompressor::Lz4 => Compressor::Lz4,
        }
    }
}

/// Why a compressed input gave no more bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The compressed data ends inside a member or frame.
    Cut,
    /// The decompressor refused the data (a bad block, a checksum that does
    /// not match, a header it does not know).
    Corrupt,
    /// Reading the compressed input failed (an I/O error).
    Read,
    /// A zstd frame asks for a window larger than
    /// [`ZSTD_WINDOW_LOG_MAX`] allows (made with `zstd --long` or `--ultra
    /// -20` and up).
    WindowTooLarge,
}

/// libzstd's name of the error for a frame whose window is over the limit
/// (ZSTD_error_frameParameter_windowTooLarge).
const ZSTD_WINDOW_TOO_LARGE: &str = "Frame requires too much memory for decoding";

impl<R: Read> Source<R> {
    /// The decompressor of a file whose first bytes are `head`, when
    /// smbscope reads its output.
    pub(super) fn decompressor_of(head: &[u8]) -> Option<Decompressor> {
        match super::OtherFormat::of(head)? {
            super::OtherFormat::Compressed(Compressor::Gzip) => Some(Decompressor::Gzip),
            super::OtherFormat::Compressed(Compressor::Zstd) => Some(Decompressor::Zstd),
            super::OtherFormat::Compressed(Compressor::Lz4) => Some(Decompressor::Lz4),
            _ => None,
        }
    }

    /// The plain input turned into its decompressed bytes, `head` (the bytes
    /// already read from it) first; anything else stays as it is. Fails
    /// when the decompressor cannot be set up (zstd's context).
    pub(super) fn decompress(&mut self, kind: Decompressor, head: Vec<u8>) -> io::Result<()> {
        let Source::Plain(raw) = std::mem::replace(self, Source::Moving) else {
            return Ok(());
        };
        let input = Cursor::new(head).chain(Marked(raw));
        *self = match kind {
            Decompressor::Gzip => Source::Gzip(Box::new(Gzip::new(input))),
            Decompressor::Zstd => Source::Zstd(Box::new(Zstd::new(input)?)),
            Decompressor::Lz4 => Source::Lz4(Box::new(Lz4::new(input))),
        };
        Ok(())
    }

    /// The bytes after the compressed data that the decompressor left,
    /// once it came to them.
    pub(super) fn trailing(&self) -> Option<Trailing> {
        match self {
            Source::Gzip(g) => g.trailing,
            Source::Zstd(z) => z.trailing,
            Source::Lz4(l) => l.trailing,
            Source::Plain(_) | Source::Moving => None,
        }
    }

    /// What an error of [`Read::read`] on a decompressed input means.
    pub(super) fn fault(&self, e: &io::Error) -> Fault {
        if e.get_ref().is_some_and(|inner| inner.is::<InputError>()) {
            Fault::Read
        } else if matches!(self, Source::Zstd(_)) && e.to_string() == ZSTD_WINDOW_TOO_LARGE {
            Fault::WindowTooLarge
        } else if e.kind() == io::ErrorKind::UnexpectedEof {
            Fault::Cut
        } else {
            Fault::Corrupt
        }
    }
}

impl<R: Read> Read for Source<R> {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Gzip(d) => d.read(buf),
            Source::Zstd(d) => d.read(buf),
            Source::Lz4(d) => d.read(buf),
            Source::Moving => Ok(0),
        }
    }
}

/// How much of a gzip or zstd file's input is read at a time: what
/// flate2's MultiGzDecoder reads through.
const INPUT_BUF: usize = 32 * 1024;

/// The gzip members of a file one after another (RFC 1952 2.2, "a series
/// of members"), each read by flate2's decoder (its inflate state kept from
/// one member to the next), up to the end of the input or to bytes after a
/// member that do not start another: GNU gzip's "trailing garbage" (or
/// zeros of padding), which it ignores with a warning ("decompression OK,
/// trailing garbage ignored"; zeros to the end silently). Those end the
/// stream here too, kept in `trailing`.
pub(super) struct Gzip<R: Read> {
    d: GzDecoder<Input<R>>,
    trailing: Option<Trailing>,
}

/// Bytes after the compressed data that start no member or frame of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trailing {
    /// Their offset in the compressed file.
    pub at: u64,
    /// Their first bytes, `len` of them (up to 8).
    pub head: [u8; 8],
    pub len: usize,
}

impl Trailing {
    /// The bytes at `at` whose first ones are `more`.
    fn new(at: u64, more: &[u8]) -> Trailing {
        let mut head = [0u8; 8];
        let len = more.len().min(8);
        head[..len].copy_from_slice(&more[..len]);
        Trailing { at, head, len }
    }

    /// The bytes shown of them.
    pub fn shown(&self) -> &[u8] {
        self.head.get(..self.len).unwrap_or(&self.head)
    }
}

impl<R: Read> Gzip<R> {
    fn new(input: R) -> Gzip<R> {
        Gzip {
            d: GzDecoder::new(Input::new(input)),
            trailing: None,
        }
    }
}

impl<R: Read> Read for Gzip<R> {
    /// The decoder gives 0 bytes at the end of each member, after it
    /// checked the member's CRC32 and ISIZE; what comes next decides: the
    /// end of the input, another member (ID1 ID2, 0x1f 0x8b), or trailing
    /// bytes.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.d.read(buf)?;
            if n > 0 || buf.is_empty() || self.trailing.is_some() {
                return Ok(n);
            }
            let input = self.d.get_mut();
            let at = input.taken;
            match input.peek(8)? {
                [] => return Ok(0),
                [0x1f] | [0x1f, 0x8b, ..] => {
                    let next = input.take();
                    self.d.reset(next);
                }
                more => {
                    self.trailing = Some(Trailing::new(at, more));
                    return Ok(0);
                }
            }
        }
    }
}

/// A zstd frame's magic number, 0xFD2FB528, as it is written
/// (little-endian; RFC 8878 3.1.1).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Whether `next` (the bytes after a zstd frame, at least 1) starts
/// another frame (RFC 8878 3.1: a zstd frame, or a skippable frame, magic
/// 0x184D2A50 to 0x184D2A5F), or could, cut inside its magic number.
fn starts_zstd_frame(next: &[u8]) -> bool {
    let magic = &next[..next.len().min(4)];
    ZSTD_MAGIC.starts_with(magic) || is_skippable_prefix(magic)
}

/// Whether `magic` (up to 4 bytes) is, or begins, a skippable frame's magic
/// number, 0x184D2A50 to 0x184D2A5F little-endian (the same in zstd, RFC
/// 8878 3.1.2, and LZ4).
fn is_skippable_prefix(magic: &[u8]) -> bool {
    let skippable = [0x50u8, 0x2a, 0x4d, 0x18];
    magic.iter().zip(skippable).enumerate().all(
        |(i, (&b, m))| {
            if i == 0 {
                b & 0xf0 == m
            } else {
                b == m
            }
        },
    )
}

/// The frames of a zstd file one after another (RFC 8878 3.1, "a series of
/// frames"), each read by libzstd's decoder on its own (`single_frame`),
/// up to the end of the input or to bytes after a frame that start no
/// other: `zstd -d` writes what came before them and stops ("unsupported
/// format", exit 1). Those end the stream here, kept in `trailing`.
pub(super) struct Zstd<R: Read> {
    /// None only while the input moves on to the next frame's decoder.
    d: Option<zstd::stream::read::Decoder<'static, Input<R>>>,
    trailing: Option<Trailing>,
}

impl<R: Read> Zstd<R> {
    fn new(input: R) -> io::Result<Zstd<R>> {
        Ok(Zstd {
            d: Some(zstd_frame(Input::new(input))?),
            trailing: None,
        })
    }
}

/// A decoder of the one frame at the start of `input`, its window within
/// [`ZSTD_WINDOW_LOG_MAX`].
fn zstd_frame<R: Read>(
    input: Input<R>,
) -> io::Result<zstd::stream::read::Decoder<'static, Input<R>>> {
    let mut d = zstd::stream::read::Decoder::with_buffer(input)?.single_frame();
    d.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
    Ok(d)
}

impl<R: Read> Read for Zstd<R> {
    /// The decoder gives 0 bytes at the end of its frame (libzstd took its
    /// bytes, and only those, from the input); what comes next decides: the
    /// end of the input, another frame, or trailing bytes.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(d) = self.d.as_mut() else {
                return Ok(0);
            };
            let n = d.read(buf)?;
            if n > 0 || buf.is_empty() || self.trailing.is_some() {
                return Ok(n);
            }
            let input = d.get_mut();
            let at = input.taken;
            match input.peek(8)? {
                [] => return Ok(0),
                more if starts_zstd_frame(more) => {
                    let Some(done) = self.d.take() else {
                        return Ok(0);
                    };
                    self.d = Some(zstd_frame(done.finish())?);
                }
                more => {
                    self.trailing = Some(Trailing::new(at, more));
                    return Ok(0);
                }
            }
        }
    }
}

/// The compressed input of a gzip or zstd file, buffered for flate2's or
/// libzstd's decoder, counting the bytes it took, and showing the next few
/// at a member's or frame's end.
pub(super) struct Input<R> {
    /// None only in the stand-in left while the input moves on to the
    /// decoder's next member.
    inner: Option<R>,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// Bytes taken from the input (given or consumed): the offset of
    /// `buf[pos]` in the compressed file.
    taken: u64,
}

impl<R: Read> Input<R> {
    fn new(inner: R) -> Input<R> {
        Input {
            inner: Some(inner),
            buf: vec![0; INPUT_BUF].into_boxed_slice(),
            pos: 0,
            end: 0,
            taken: 0,
        }
    }

    /// It all, leaving an empty stand-in in its place.
    fn take(&mut self) -> Input<R> {
        Input {
            inner: self.inner.take(),
            buf: std::mem::take(&mut self.buf),
            pos: std::mem::take(&mut self.pos),
            end: std::mem::take(&mut self.end),
            taken: self.taken,
        }
    }

    /// The next `want` bytes (at most the buffer's size), fewer where the
    /// input ends, none taken.
    fn peek(&mut self, want: usize) -> io::Result<&[u8]> {
        let want = want.min(self.buf.len());
        if self.end - self.pos < want {
            self.buf.copy_within(self.pos..self.end, 0);
            (self.end, self.pos) = (self.end - self.pos, 0);
            while self.end < want {
                let Some(inner) = self.inner.as_mut() else {
                    break;
                };
                match inner.read(&mut self.buf[self.end..]) {
                    Ok(0) => break,
                    Ok(n) => self.end += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(&self.buf[self.pos..self.end])
    }
}

impl<R: Read> BufRead for Input<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos == self.end {
            let n = match self.inner.as_mut() {
                Some(inner) => inner.read(&mut self.buf)?,
                None => 0,
            };
            (self.pos, self.end) = (0, n);
        }
        Ok(&self.buf[self.pos..self.end])
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.end - self.pos);
        self.pos += amt;
        self.taken += amt as u64;
    }
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// The LZ4 frame format's magic number, 0x184D2204 (LZ4 Frame Format,
/// "General Structure of LZ4 Frame format").
const LZ4_MAGIC: u32 = 0x184D_2204;
/// The legacy frame's magic number, 0x184C2102 (LZ4 Frame Format, "Legacy
/// frame"; `lz4 -l`).
const LZ4_LEGACY_MAGIC: u32 = 0x184C_2102;
/// Skippable frames' magic numbers, 0x184D2A50 to 0x184D2A5F (LZ4 Frame
/// Format, "Skippable Frames").
const LZ4_SKIPPABLE: std::ops::RangeInclusive<u32> = 0x184D_2A50..=0x184D_2A5F;
/// The most a legacy frame's block decompresses to: 8 MiB.
const LEGACY_BLOCK_MAX: usize = 8 << 20;
/// LZ4_COMPRESSBOUND(8 MiB), the most a legacy block's compressed size can
/// be: a larger block size is the magic number of the frame that follows
/// (`lz4 -d`, lz4io.c, reads it so: legacy streams concatenated, or another
/// frame after one).
const LEGACY_BLOCK_BOUND: u32 = (LEGACY_BLOCK_MAX + LEGACY_BLOCK_MAX / 255 + 16) as u32;

/// The frames of an LZ4 file one after another, as `lz4 -d` reads them:
/// frames of the LZ4 frame format (read by lz4_flex), legacy frames (read
/// here, block by block) and skippable frames (skipped), each known by its
/// magic number, read here between frames.
pub(super) struct Lz4<R: Read> {
    /// lz4_flex's frame decoder, which holds the input: between frames it
    /// is read here through [`FrameDecoder::get_mut`].
    d: FrameDecoder<Lz4Input<R>>,
    state: Lz4State,
    /// A legacy frame's block: its compressed bytes, and what they
    /// decompressed to (`LEGACY_BLOCK_MAX` once a legacy frame came),
    /// `filled` bytes of it, given up to `given`.
    src: Vec<u8>,
    dst: Vec<u8>,
    filled: usize,
    given: usize,
    /// Bytes after a frame that start no other: the stream ended there.
    trailing: Option<Trailing>,
}

/// Where the reading of an LZ4 file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lz4State {
    /// Between frames, with the next frame's magic number when it was read
    /// already (as a legacy frame's last block size).
    Between(Option<u32>),
    /// In a frame of the LZ4 frame format, read by lz4_flex.
    Frame,
    /// In a legacy frame.
    Legacy,
    /// After the last frame, at bytes that start no other ([`Lz4::trailing`]).
    Ended,
}

impl<R: Read> Lz4<R> {
    fn new(input: R) -> Lz4<R> {
        Lz4 {
            d: FrameDecoder::new(Lz4Input {
                inner: input,
                back: [0; 4],
                back_from: 4,
                ended: false,
                taken: 0,
            }),
            state: Lz4State::Between(None),
            src: Vec::new(),
            dst: Vec::new(),
            filled: 0,
            given: 0,
            trailing: None,
        }
    }

    /// Up to 4 bytes of the input, and how many there were (fewer only at
    /// its end).
    fn read_word(&mut self) -> io::Result<([u8; 4], usize)> {
        let mut b = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match self.d.get_mut().read(&mut b[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((b, got))
    }

    /// A little-endian u32 of the input (a size); None at the input's end,
    /// an error when it ends inside the four bytes.
    fn read_u32(&mut self, what: &str) -> io::Result<Option<u32>> {
        match self.read_word()? {
            (_, 0) => Ok(None),
            (b, 4) => Ok(Some(u32::from_le_bytes(b))),
            _ => Err(cut(&format!("the input ends inside {what}"))),
        }
    }

    /// Between frames: the next frame's magic number, or the end of the
    /// stream (the input's, or bytes that start no frame, kept as
    /// trailing). The input ending inside a magic number is a cut file.
    fn next_frame(&mut self) -> io::Result<()> {
        let at = self.d.get_ref().offset();
        match self.read_word()? {
            (_, 0) => self.state = Lz4State::Ended,
            (b, 4) => self.start_frame(u32::from_le_bytes(b), at)?,
            (b, got) if is_lz4_magic_prefix(&b[..got]) => {
                return Err(cut("the input ends inside a frame's magic number"))
            }
            (b, got) => self.trail(at, &b[..got])?,
        }
        Ok(())
    }

    /// The stream ends at `at`, at bytes that start no frame, `seen` of
    /// them read already (up to 8 kept, to show).
    fn trail(&mut self, at: u64, seen: &[u8]) -> io::Result<()> {
        let mut head = [0u8; 8];
        head[..seen.len()].copy_from_slice(seen);
        let (more, got) = if seen.len() == 4 {
            self.read_word()?
        } else {
            ([0; 4], 0)
        };
        head[seen.len()..seen.len() + got].copy_from_slice(&more[..got]);
        self.trailing = Some(Trailing::new(at, &head[..seen.len() + got]));
        self.state = Lz4State::Ended;
        Ok(())
    }

    /// What follows the frame magic number `magic` (read at `at`): a
    /// frame, or a skippable frame's Frame Size and User Data, skipped; or,
    /// for a number that starts no frame, the end of the stream there.
    fn start_frame(&mut self, magic: u32, at: u64) -> io::Result<()> {
        self.state = if magic == LZ4_MAGIC {
            self.d.get_mut().put_back(magic);
            Lz4State::Frame
        } else if magic == LZ4_LEGACY_MAGIC {
            Lz4State::Legacy
        } else if LZ4_SKIPPABLE.contains(&magic) {
            let what = "a skippable frame";
            let size = self
                .read_u32(what)?
                .ok_or_else(|| cut(&format!("the input ends inside {what}")))?;
            let input = self.d.get_mut();
            let skipped = io::copy(&mut input.by_ref().take(u64::from(size)), &mut io::sink())?;
            if skipped < u64::from(size) {
                return Err(cut(&format!("the input ends inside {what}")));
            }
            Lz4State::Between(None)
        } else {
            return self.trail(at, &magic.to_le_bytes());
        };
        Ok(())
    }

    /// The next block of a legacy frame, decompressed into `dst`; or the
    /// frame's end: the input's, or the next frame's magic number where a
    /// block's size would be (see [`LEGACY_BLOCK_BOUND`]).
    fn legacy_block(&mut self) -> io::Result<()> {
        let size = match self.read_u32("a legacy block's size")? {
            None => {
                self.state = Lz4State::Between(None);
                return Ok(());
            }
            Some(size) if size > LEGACY_BLOCK_BOUND => {
                self.state = Lz4State::Between(Some(size));
                return Ok(());
            }
            Some(size) => size,
        };
        // Grown with the bytes that come, not to what the size says.
        self.src.clear();
        let input = self.d.get_mut();
        input
            .by_ref()
            .take(u64::from(size))
            .read_to_end(&mut self.src)?;
        if self.src.len() < size as usize {
            return Err(cut("the input ends inside a legacy block"));
        }
        if self.dst.is_empty() {
            self.dst = vec![0; LEGACY_BLOCK_MAX];
        }
        self.filled = lz4_flex::block::decompress_into(&self.src, &mut self.dst)
            .map_err(lz4_flex::frame::Error::DecompressionError)?;
        self.given = 0;
        Ok(())
    }
}

/// The error of a file cut short.
fn cut(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, what.to_string())
}

impl<R: Read> Read for Lz4<R> {
    /// lz4_flex ends each frame with a read of 0 bytes that takes its
    /// EndMark (4 bytes, 8 with the content checksum); it takes the input
    /// ending where a block's header is due (at its start or inside it)
    /// for the end of a frame too, which the input notes (`ended`): then
    /// the file is cut short.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            match self.state {
                Lz4State::Frame => {
                    self.d.get_mut().ended = false;
                    let n = self.d.read(buf)?;
                    if n > 0 {
                        return Ok(n);
                    }
                    if self.d.get_ref().ended {
                        return Err(cut("the input ends inside a frame, between two blocks"));
                    }
                    self.state = Lz4State::Between(None);
                }
                Lz4State::Legacy if self.given < self.filled => {
                    let block = &self.dst[self.given..self.filled];
                    let n = block.len().min(buf.len());
                    buf[..n].copy_from_slice(&block[..n]);
                    self.given += n;
                    return Ok(n);
                }
                Lz4State::Legacy => self.legacy_block()?,
                Lz4State::Between(Some(magic)) => {
                    // Read as a legacy block's size: its 4 bytes are behind.
                    let at = self.d.get_ref().offset().saturating_sub(4);
                    self.start_frame(magic, at)?
                }
                Lz4State::Between(None) => self.next_frame()?,
                Lz4State::Ended => return Ok(0),
            }
        }
    }
}

/// The compressed input of an LZ4 file: a magic number read between
/// frames is put back for lz4_flex, which reads each frame's itself; and
/// a read that finds the input's end is noted.
pub(super) struct Lz4Input<R> {
    inner: R,
    back: [u8; 4],
    /// The bytes of `back` from here on are still to be given.
    back_from: usize,
    /// A read found the end of the input.
    ended: bool,
    /// Bytes read from the input.
    taken: u64,
}

impl<R> Lz4Input<R> {
    fn put_back(&mut self, magic: u32) {
        self.back = magic.to_le_bytes();
        self.back_from = 0;
    }

    /// The offset in the compressed file of the next byte given.
    fn offset(&self) -> u64 {
        self.taken - (self.back.len() - self.back_from.min(4)) as u64
    }
}

/// Whether `b` (1 to 3 bytes) begins the magic number of a frame `lz4 -d`
/// reads: the input ends inside it.
fn is_lz4_magic_prefix(b: &[u8]) -> bool {
    LZ4_MAGIC.to_le_bytes().starts_with(b)
        || LZ4_LEGACY_MAGIC.to_le_bytes().starts_with(b)
        || is_skippable_prefix(b)
}

impl<R: Read> Read for Lz4Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(back) = self.back.get(self.back_from..).filter(|b| !b.is_empty()) {
            let n = back.len().min(buf.len());
            buf[..n].copy_from_slice(&back[..n]);
            self.back_from += n;
            return Ok(n);
        }
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
        }
        self.taken += n as u64;
        Ok(n)
    }
}

/// The compressed input, its read errors wrapped in [`InputError`] (their
/// kind kept), so that a failed read is told from the decompressor's
/// complaint, which the decompressors pass on unchanged.
pub(super) struct Marked<R>(R);

impl<R: Read> Read for Marked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), InputError(e)))
    }
}

/// A read error of the compressed input itself.
#[derive(Debug)]
struct InputError(io::Error);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for InputError {}
