//! Compressed captures, read as they are: the bytes of a gzip file (RFC
//! 1952; several members one after another, as `cat a.gz b.gz` and pigz
//! write them, are one stream) decompressed on the way into the capture
//! reader, a piece at a time, as tshark and dumpcap read them.

use std::io::{self, Chain, Cursor, Read};

use flate2::read::MultiGzDecoder;

use super::Compressor;

/// A compressed input with the bytes already read from it (to know its
/// compressor) put back in front.
type Replayed<R> = Chain<Cursor<Vec<u8>>, R>;

/// What the capture reader reads from: the input as it is, or the input
/// decompressed.
pub(super) enum Source<R> {
    Plain(R),
    Gzip(Box<MultiGzDecoder<Replayed<R>>>),
    /// Only while the input moves from one to another.
    Moving,
}

impl<R: Read> Source<R> {
    /// The compressor that reads a file whose first bytes are `head`, when
    /// smbscope reads its output.
    pub(super) fn compressor_of(head: &[u8]) -> Option<Compressor> {
        match super::OtherFormat::of(head) {
            Some(super::OtherFormat::Compressed(c @ Compressor::Gzip)) => Some(c),
            _ => None,
        }
    }

    /// The plain input turned into its decompressed bytes, `head` (the bytes
    /// already read from it) first. Anything else stays as it is.
    pub(super) fn decompress(&mut self, c: Compressor, head: Vec<u8>) {
        let Source::Plain(raw) = std::mem::replace(self, Source::Moving) else {
            return;
        };
        let input = Cursor::new(head).chain(raw);
        *self = match c {
            Compressor::Gzip => Source::Gzip(Box::new(MultiGzDecoder::new(input))),
            // Not read (compressor_of does not give them): left as it was.
            Compressor::Zstd | Compressor::Xz | Compressor::Bzip2 | Compressor::Lz4 => {
                Source::Plain(input.into_inner().1)
            }
        };
    }
}

impl<R: Read> Read for Source<R> {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Gzip(d) => d.read(buf),
            Source::Moving => Ok(0),
        }
    }
}
