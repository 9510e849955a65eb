//! Streaming reader for pcap and pcapng files.

use std::io::{ErrorKind, Read};

use pcap_parser::pcapng::{parse_interfacedescriptionblock_be, parse_interfacedescriptionblock_le};

use super::decompress::{Decompressor, Source};
use super::{
    hex, CaptureError, Compressor, Frame, LinkType, OtherFormat, Timestamp, OTHER_FORMAT_HEAD,
    SKIPPABLE_FRAMES_HEAD_MAX,
};

/// Records larger than this are taken as corrupt, whatever the header says.
const MAX_RECORD: usize = 64 << 20;
/// What one read asks the source for.
const CHUNK: usize = 1 << 20;
/// A classic pcap record's caplen may exceed the snaplen; beyond this it is corrupt.
const PCAP_CAPLEN_SLACK: u32 = 262_144;

const PCAP_MAGIC_US: u32 = 0xA1B2_C3D4;
const PCAP_MAGIC_NS: u32 = 0xA1B2_3C4D;
const PCAP_MAGIC_MODIFIED: u32 = 0xA1B2_CD34;
const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_BOM: u32 = 0x1A2B_3C4D;
const PCAPNG_IDB: u32 = 0x0000_0001;
const PCAPNG_SPB: u32 = 0x0000_0003;
const PCAPNG_EPB: u32 = 0x0000_0006;
/// The obsolete Packet Block (pcapng draft, section 4.3 of old versions).
const PCAPNG_PB: u32 = 0x0000_0002;
/// The shortest section header block: the block's type and two lengths,
/// byte-order magic, major and minor version, section length ([pcapng] 4.1).
const SHB_MIN_LEN: usize = 28;

/// The file format found in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Pcap {
        big_endian: bool,
        nanosecond: bool,
        modified: bool,
    },
    PcapNg,
}

#[derive(Clone, Copy, Debug)]
struct Interface {
    link_type: LinkType,
    snaplen: u32,
    /// Timestamp units per second.
    units: u64,
    offset_secs: i64,
}

/// Reads frames one at a time from a pcap or pcapng byte stream, or from
/// one compressed by gzip, zstd or lz4 (decompressed on the way in).
pub struct CaptureReader<R: Read> {
    src: Source<R>,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// File offset of `buf[0]` (in the decompressed capture when compressed).
    base: u64,
    /// The input's compressor, when it is decompressed on the way in.
    compressed: Option<Compressor>,
    frames: u64,
    format: Format,
    /// Classic pcap: the file's link type and snaplen.
    link_type: LinkType,
    snaplen: u32,
    /// pcapng: the current section's byte order and interfaces.
    ng_big_endian: bool,
    interfaces: Vec<Interface>,
    link_types_seen: Vec<LinkType>,
}

fn rd32(b: &[u8], at: usize, be: bool) -> u32 {
    let a = [b[at], b[at + 1], b[at + 2], b[at + 3]];
    if be {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

fn rd16(b: &[u8], at: usize, be: bool) -> u16 {
    let a = [b[at], b[at + 1]];
    if be {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
    }
}

/// The four fields of a classic pcap record header (ts_sec, ts_usec or
/// ts_nsec, incl_len, orig_len; pcap-savefile(5)), read with one test of
/// the byte order instead of one per field.
fn record_header(h: &[u8; 16], be: bool) -> [u32; 4] {
    let word = |i: usize| [h[i], h[i + 1], h[i + 2], h[i + 3]];
    let (a, b, c, d) = (word(0), word(4), word(8), word(12));
    if be {
        [a, b, c, d].map(u32::from_be_bytes)
    } else {
        [a, b, c, d].map(u32::from_le_bytes)
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header and prepares to read frames; a compressed
    /// input (gzip, zstd, lz4: known by its magic number) is decompressed
    /// first.
    pub fn new(src: R) -> Result<Self, CaptureError> {
        let mut r = CaptureReader {
            src: Source::Plain(src),
            buf: vec![0; CHUNK],
            pos: 0,
            end: 0,
            eof: false,
            base: 0,
            compressed: None,
            frames: 0,
            format: Format::PcapNg,
            link_type: LinkType::ETHERNET,
            snaplen: 0,
            ng_big_endian: false,
            interfaces: Vec::new(),
            link_types_seen: Vec::new(),
        };
        // Enough for a compressor's magic number after pzstd's skippable
        // frame (12 bytes); a capture's header is longer anyway. After
        // larger skippable frames (an LZ4 file's), more, up to 1 MiB.
        r.fill(16)?;
        while let Some(need) = OtherFormat::skippable_frames_need(&r.buf[r.pos..r.end]) {
            if need > SKIPPABLE_FRAMES_HEAD_MAX || !r.fill(need)? {
                break;
            }
        }
        if let Some(d) = Source::<R>::decompressor_of(&r.buf[r.pos..r.end]) {
            r.decompress(d)?;
        }
        r.read_file_header()?;
        Ok(r)
    }

    /// Reads on from the decompressed bytes of the input, from the start:
    /// the bytes read so far go back to the decompressor.
    fn decompress(&mut self, d: Decompressor) -> Result<(), CaptureError> {
        let head = self.buf[self.pos..self.end].to_vec();
        self.compressed = Some(d.compressor());
        (self.pos, self.end, self.base, self.eof) = (0, 0, 0, false);
        self.src.decompress(d, head).map_err(|e| self.read_error(e))
    }

    /// Reads the pcap file header, or checks the first pcapng section
    /// header block.
    fn read_file_header(&mut self) -> Result<(), CaptureError> {
        let r = self;
        if !r.fill(4)? {
            let len = r.end - r.pos;
            let mut magic = [0u8; 4];
            magic[..len].copy_from_slice(&r.buf[r.pos..r.end]);
            return Err(CaptureError::NotACapture {
                magic,
                len,
                format: None,
                compressed: r.compressed,
            });
        }
        let head = [r.buf[0], r.buf[1], r.buf[2], r.buf[3]];
        let le = u32::from_le_bytes(head);
        let be = u32::from_be_bytes(head);
        if le == PCAPNG_SHB {
            r.format = Format::PcapNg;
            // Checked here so that a file whose first block cannot be read
            // is not a capture, rather than one damaged after its start;
            // next_frame reads it like any block.
            r.check_first_section_header()?;
            return Ok(());
        }
        let big_endian = match (le, be) {
            (PCAP_MAGIC_US | PCAP_MAGIC_NS | PCAP_MAGIC_MODIFIED, _) => false,
            (_, PCAP_MAGIC_US | PCAP_MAGIC_NS | PCAP_MAGIC_MODIFIED) => true,
            _ => {
                // What else it is, from its first bytes (a read error
                // leaves what came).
                let _ = r.fill(OTHER_FORMAT_HEAD);
                return Err(CaptureError::NotACapture {
                    magic: head,
                    len: 4,
                    format: OtherFormat::of(&r.buf[r.pos..r.end]),
                    compressed: r.compressed,
                });
            }
        };
        let magic = if big_endian { be } else { le };
        if !r.fill(24)? {
            return Err(CaptureError::HeaderCut {
                pcapng: false,
                needed: 24,
                have: (r.end - r.pos) as u64,
            });
        }
        let h = &r.buf[r.pos..r.pos + 24];
        r.snaplen = rd32(h, 16, big_endian);
        r.link_type = LinkType(rd32(h, 20, big_endian) & 0x0FFF_FFFF);
        r.format = Format::Pcap {
            big_endian,
            nanosecond: magic == PCAP_MAGIC_NS,
            modified: magic == PCAP_MAGIC_MODIFIED,
        };
        r.note_link_type(r.link_type);
        r.pos += 24;
        Ok(())
    }

    /// The pcapng section header block the input starts with is whole,
    /// with a byte-order magic, a length of at least 28 bytes ([pcapng]
    /// 4.1) and a trailing length equal to it.
    fn check_first_section_header(&mut self) -> Result<(), CaptureError> {
        let cut = |r: &Self, needed: usize| CaptureError::HeaderCut {
            pcapng: true,
            needed: needed as u64,
            have: (r.end - r.pos) as u64,
        };
        if !self.fill(12)? {
            return Err(cut(self, SHB_MIN_LEN));
        }
        let b = &self.buf[self.pos..self.end];
        let be = match u32::from_le_bytes([b[8], b[9], b[10], b[11]]) {
            PCAPNG_BOM => false,
            x if x.swap_bytes() == PCAPNG_BOM => true,
            _ => {
                return Err(CaptureError::HeaderInvalid {
                    what: format!(
                        "its byte-order magic is {}, not 4d3c2b1a (little-endian) or \
                         1a2b3c4d (big-endian)",
                        hex(&b[8..12])
                    ),
                })
            }
        };
        let len = rd32(b, 4, be) as usize;
        if len < SHB_MIN_LEN || !len.is_multiple_of(4) || len > MAX_RECORD {
            return Err(CaptureError::HeaderInvalid {
                what: format!("its length is {len}"),
            });
        }
        if !self.fill(len)? {
            return Err(cut(self, len));
        }
        let trailing = rd32(&self.buf[self.pos..self.pos + len], len - 4, be);
        if trailing != len as u32 {
            return Err(CaptureError::HeaderInvalid {
                what: format!("its trailing length {trailing} differs from its length {len}"),
            });
        }
        Ok(())
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Every link type seen so far (file header or pcapng interfaces), in order.
    pub fn link_types(&self) -> &[LinkType] {
        &self.link_types_seen
    }

    /// The number of frames handed out so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The file offset of the next unread byte (in the decompressed capture
    /// when the input is compressed).
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The input's compressor, when it was decompressed on the way in.
    pub fn compressed(&self) -> Option<Compressor> {
        self.compressed
    }

    fn note_link_type(&mut self, lt: LinkType) {
        if !self.link_types_seen.contains(&lt) && self.link_types_seen.len() < 64 {
            self.link_types_seen.push(lt);
        }
    }

    #[cold]
    #[inline(never)]
    fn truncated(&self, needed: usize) -> CaptureError {
        CaptureError::Truncated {
            offset: self.offset(),
            frame: self.frames + 1,
            needed: needed as u64,
            have: (self.end - self.pos) as u64,
            compressed: self.compressed,
            // Known once the decompressor came to the end of its data,
            // which it has: the record is cut at the end of the input.
            trailing: self.src.trailing(),
        }
    }

    /// Makes at least `need` bytes available at `pos`. Returns false at end of input.
    #[inline]
    fn fill(&mut self, need: usize) -> Result<bool, CaptureError> {
        if self.end - self.pos >= need {
            return Ok(true);
        }
        self.refill(need)
    }

    /// [`Self::fill`] when the buffer runs short: moves what is left to the
    /// front and reads more.
    #[cold]
    #[inline(never)]
    fn refill(&mut self, need: usize) -> Result<bool, CaptureError> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        while self.end < need && !self.eof {
            if self.end == self.buf.len() {
                // Grow with the bytes that arrive, not with what a header
                // claims: a corrupt length must not allocate up front.
                let grown = (self.buf.len() * 2).min(need.next_power_of_two());
                self.buf.resize(grown, 0);
            }
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.end += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(self.read_error(e)),
            }
        }
        Ok(self.end >= need)
    }

    /// The end of the input between two records: the end of the capture,
    /// or, when the compressed data was followed by bytes that start no
    /// more of it, the capture read whole and those bytes left unread.
    #[cold]
    #[inline(never)]
    fn end_of_input(&self) -> Result<Option<Pending>, CaptureError> {
        match (self.compressed, self.src.trailing()) {
            (Some(compressor), Some(trailing)) => Err(CaptureError::Trailing {
                compressor,
                offset: self.offset(),
                frames: self.frames,
                trailing,
            }),
            _ => Ok(None),
        }
    }

    /// A read of the input that failed: an I/O error, or the decompressor's
    /// complaint, after the bytes read so far.
    #[cold]
    #[inline(never)]
    fn read_error(&self, source: std::io::Error) -> CaptureError {
        let offset = self.base + self.end as u64;
        match self.compressed {
            None => CaptureError::Io { offset, source },
            Some(compressor) => CaptureError::Decompress {
                compressor,
                offset,
                frame: self.frames + 1,
                fault: self.src.fault(&source),
                source,
            },
        }
    }

    /// The next frame, `Ok(None)` at a clean end of input. Inlined: a
    /// classic pcap record already whole in the buffer is read here; every
    /// other case (refill, pcapng, errors) goes through [`Self::read_frame`].
    /// (`always`: with `inline` alone it stayed a call in the frame loop.)
    #[inline(always)]
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if let Format::Pcap {
            big_endian,
            nanosecond,
            modified: false,
        } = self.format
        {
            if let Some(p) = self.buffered_pcap(big_endian, nanosecond) {
                return Ok(Some(self.hand_out(p)));
            }
        }
        self.read_frame()
    }

    /// [`Self::next_frame`] by the general path.
    #[inline(never)]
    fn read_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        let found = match self.format {
            Format::Pcap {
                big_endian,
                nanosecond,
                modified,
            } => self.next_pcap(big_endian, nanosecond, modified)?,
            Format::PcapNg => self.next_pcapng()?,
        };
        Ok(found.map(|p| self.hand_out(p)))
    }

    /// Numbers the frame found and lends its bytes.
    #[inline]
    fn hand_out(&mut self, p: Pending) -> Frame<'_> {
        self.frames += 1;
        Frame {
            number: self.frames,
            ts: p.ts,
            link_type: p.link_type,
            data: &self.buf[p.data_start..p.data_start + p.data_len],
            orig_len: p.orig_len,
            offset: p.offset,
        }
    }

    /// A classic pcap record with the 16-byte header that is whole in the
    /// buffer and passes [`Self::next_pcap`]'s checks; `None` (nothing
    /// consumed) leaves it to that path.
    #[inline]
    fn buffered_pcap(&mut self, be: bool, nanosecond: bool) -> Option<Pending> {
        let avail = self.buf.get(self.pos..self.end)?;
        let [secs, frac, caplen, orig_len] = record_header(avail.first_chunk()?, be);
        if !self.caplen_ok(caplen) || avail.len() - 16 < caplen as usize {
            return None;
        }
        Some(self.take_pcap_record(16, [secs, frac, caplen, orig_len], nanosecond))
    }

    /// A record's captured length is within the snaplen's slack and the record cap.
    #[inline]
    fn caplen_ok(&self, caplen: u32) -> bool {
        caplen <= self.snaplen.max(PCAP_CAPLEN_SLACK) && caplen as usize <= MAX_RECORD
    }

    /// The record at `pos` (header of `hdr_len` bytes, its fields in
    /// `fields`), whole in the buffer: its frame, and `pos` moved past it.
    #[inline]
    fn take_pcap_record(&mut self, hdr_len: usize, fields: [u32; 4], nanosecond: bool) -> Pending {
        let [secs, frac, caplen, orig_len] = fields;
        let nanos = if nanosecond {
            frac
        } else {
            frac.saturating_mul(1000)
        };
        let p = Pending {
            ts: Timestamp {
                secs: i64::from(secs),
                nanos: nanos.min(999_999_999),
            },
            link_type: self.link_type,
            data_start: self.pos + hdr_len,
            data_len: caplen as usize,
            orig_len,
            offset: self.offset(),
        };
        self.pos += hdr_len + caplen as usize;
        p
    }

    fn next_pcap(
        &mut self,
        be: bool,
        nanosecond: bool,
        modified: bool,
    ) -> Result<Option<Pending>, CaptureError> {
        let hdr_len = if modified { 24 } else { 16 };
        if !self.fill(hdr_len)? {
            return if self.end == self.pos {
                self.end_of_input()
            } else {
                Err(self.truncated(hdr_len))
            };
        }
        let Some(h) = self
            .buf
            .get(self.pos..self.end)
            .and_then(<[u8]>::first_chunk)
        else {
            return Err(self.truncated(hdr_len));
        };
        let fields = record_header(h, be);
        let caplen = fields[2];
        if !self.caplen_ok(caplen) {
            return Err(self.corrupt_caplen(caplen));
        }
        let total = hdr_len + caplen as usize;
        if !self.fill(total)? {
            return Err(self.truncated(total));
        }
        Ok(Some(self.take_pcap_record(hdr_len, fields, nanosecond)))
    }

    #[cold]
    #[inline(never)]
    fn corrupt_caplen(&self, caplen: u32) -> CaptureError {
        // The limit that refused it: [`Self::caplen_ok`]'s smaller bound.
        let snaplen = self.snaplen;
        let what = if snaplen as usize >= MAX_RECORD {
            format!(
                "record length {caplen} is larger than {MAX_RECORD} bytes (64 MiB), the most \
                 smbscope reads in one record (the file header's snaplen, {snaplen}, allows more)"
            )
        } else if snaplen >= PCAP_CAPLEN_SLACK {
            format!("record length {caplen} is larger than the file header's snaplen {snaplen}")
        } else {
            format!(
                "record length {caplen} is larger than {PCAP_CAPLEN_SLACK} bytes, the most a \
                 record may have when the file header's snaplen ({snaplen}) is smaller"
            )
        };
        self.corrupt(what)
    }

    #[cold]
    #[inline(never)]
    fn corrupt(&self, what: String) -> CaptureError {
        CaptureError::Corrupt {
            offset: self.offset(),
            frame: self.frames + 1,
            what,
            compressed: self.compressed,
        }
    }

    fn next_pcapng(&mut self) -> Result<Option<Pending>, CaptureError> {
        loop {
            if !self.fill(12)? {
                return if self.end == self.pos {
                    self.end_of_input()
                } else {
                    Err(self.truncated(12))
                };
            }
            let b = &self.buf[self.pos..self.end];
            let block_type = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            if block_type == PCAPNG_SHB {
                let bom = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
                self.ng_big_endian = match bom {
                    PCAPNG_BOM => false,
                    x if x.swap_bytes() == PCAPNG_BOM => true,
                    _ => {
                        return Err(
                            self.corrupt(format!("section header with byte-order magic {bom:08x}"))
                        )
                    }
                };
            }
            let be = self.ng_big_endian;
            let block_type = rd32(b, 0, be);
            let len = rd32(b, 4, be) as usize;
            let least = if block_type == PCAPNG_SHB {
                SHB_MIN_LEN
            } else {
                12
            };
            if len > MAX_RECORD {
                return Err(self.corrupt(format!(
                    "block of type {block_type:#x} with length {len}, larger than {MAX_RECORD} \
                     bytes (64 MiB), the most smbscope reads in one block"
                )));
            }
            if len < least || !len.is_multiple_of(4) {
                return Err(
                    self.corrupt(format!("block of type {block_type:#x} with length {len}"))
                );
            }
            if !self.fill(len)? {
                return Err(self.truncated(len));
            }
            let start = self.pos;
            let block = &self.buf[start..start + len];
            if rd32(block, len - 4, be) != len as u32 {
                return Err(self.corrupt(format!(
                    "block of type {block_type:#x}: trailing length {} differs from {len}",
                    rd32(block, len - 4, be)
                )));
            }
            let offset = self.offset();
            let pending = match block_type {
                PCAPNG_SHB => {
                    self.interfaces.clear();
                    None
                }
                PCAPNG_IDB => {
                    self.read_idb(start, len)?;
                    None
                }
                PCAPNG_EPB | PCAPNG_PB => {
                    Some(self.read_epb(start, len, block_type == PCAPNG_PB, offset)?)
                }
                PCAPNG_SPB => Some(self.read_spb(start, len, offset)?),
                _ => None,
            };
            self.pos += len;
            if let Some(p) = pending {
                return Ok(Some(p));
            }
        }
    }

    fn read_idb(&mut self, start: usize, len: usize) -> Result<(), CaptureError> {
        let block = &self.buf[start..start + len];
        let parsed = if self.ng_big_endian {
            parse_interfacedescriptionblock_be(block)
        } else {
            parse_interfacedescriptionblock_le(block)
        };
        let idb = parsed
            .map_err(|e| {
                self.corrupt(format!(
                    "interface description block: {}",
                    idb_error_text(&e)
                ))
            })?
            .1;
        let units = idb.ts_resolution().unwrap_or(1_000_000).max(1);
        let iface = Interface {
            link_type: LinkType(u32::from(idb.linktype.0 as u16)),
            snaplen: idb.snaplen,
            units,
            offset_secs: idb.ts_offset(),
        };
        if self.interfaces.len() >= 65_536 {
            return Err(self.corrupt("more than 65536 interfaces in one section".into()));
        }
        self.note_link_type(iface.link_type);
        self.interfaces.push(iface);
        Ok(())
    }

    fn interface(&self, id: u32) -> Result<Interface, CaptureError> {
        self.interfaces.get(id as usize).copied().ok_or_else(|| {
            self.corrupt(format!(
                "packet names interface {id}, which was not described"
            ))
        })
    }

    /// Enhanced Packet Block (pcapng 4.3) or the obsolete Packet Block.
    fn read_epb(
        &self,
        start: usize,
        len: usize,
        obsolete: bool,
        offset: u64,
    ) -> Result<Pending, CaptureError> {
        let be = self.ng_big_endian;
        let b = &self.buf[start..start + len];
        if len < 32 {
            return Err(self.corrupt(format!("packet block of length {len}")));
        }
        let if_id = if obsolete {
            u32::from(rd16(b, 8, be))
        } else {
            rd32(b, 8, be)
        };
        let iface = self.interface(if_id)?;
        let ts = (u64::from(rd32(b, 12, be)) << 32) | u64::from(rd32(b, 16, be));
        let caplen = rd32(b, 20, be) as usize;
        let orig_len = rd32(b, 24, be);
        if caplen > len - 32 {
            return Err(self.corrupt(format!(
                "packet block: captured length {caplen} does not fit its block of {len} bytes"
            )));
        }
        Ok(Pending {
            ts: scale_ts(ts, iface.units, iface.offset_secs),
            link_type: iface.link_type,
            data_start: start + 28,
            data_len: caplen,
            orig_len,
            offset,
        })
    }

    /// Simple Packet Block (pcapng 4.4): interface 0, no timestamp.
    fn read_spb(&self, start: usize, len: usize, offset: u64) -> Result<Pending, CaptureError> {
        let b = &self.buf[start..start + len];
        if len < 16 {
            return Err(self.corrupt(format!("simple packet block of length {len}")));
        }
        let iface = self.interface(0)?;
        let orig_len = rd32(b, 8, self.ng_big_endian);
        let mut caplen = (orig_len as usize).min(len - 16);
        if iface.snaplen > 0 {
            caplen = caplen.min(iface.snaplen as usize);
        }
        Ok(Pending {
            ts: Timestamp::default(),
            link_type: iface.link_type,
            data_start: start + 12,
            data_len: caplen,
            orig_len,
            offset,
        })
    }
}

/// A frame found, by position in the buffer.
struct Pending {
    ts: Timestamp,
    link_type: LinkType,
    data_start: usize,
    data_len: usize,
    orig_len: u32,
    offset: u64,
}

fn scale_ts(ts: u64, units: u64, offset_secs: i64) -> Timestamp {
    let secs = (ts / units) as i64;
    let frac = u128::from(ts % units) * 1_000_000_000 / u128::from(units);
    Timestamp {
        secs: secs.saturating_add(offset_secs),
        nanos: frac as u32,
    }
}

/// What pcap-parser found wrong with an interface description block, in
/// words and without the block's bytes (its `Debug` and `Display` forms print
/// the input, which can be a block of megabytes).
fn idb_error_text(e: &pcap_parser::nom::Err<pcap_parser::PcapError<&[u8]>>) -> String {
    use pcap_parser::{nom::Err, PcapError};
    match e {
        Err::Incomplete(_) => "shorter than its options".to_string(),
        Err::Error(p) | Err::Failure(p) => match p {
            PcapError::NomError(_, kind) | PcapError::OwnedNomError(_, kind) => {
                format!("not decodable (pcap-parser: {})", kind.description())
            }
            other => other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Compressor;

    /// The error text of a real interface description block that
    /// pcap-parser rejects names what is wrong and carries none of the
    /// block's bytes. The block is the second interface's of a sample
    /// (Linux cooked, with options), its two lengths changed.
    #[test]
    fn a_rejected_interface_block_is_named_without_its_bytes() {
        let cap = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/ntlm-pcapng-two-interfaces.pcapng"
        ))
        .expect("sample");
        let block = &cap[156..188];
        assert_eq!(&block[..4], &[1, 0, 0, 0], "an interface description block");
        for (len, cut) in [(32u32, 24usize), (12, 32), (28, 32)] {
            let mut b = block[..cut].to_vec();
            b[4..8].copy_from_slice(&len.to_le_bytes());
            let n = b.len();
            b[n - 4..].copy_from_slice(&len.to_le_bytes());
            let e = parse_interfacedescriptionblock_le(&b).expect_err("rejected");
            let text = idb_error_text(&e);
            assert!(
                text == "shorter than its options"
                    || text == "not decodable (pcap-parser: predicate verification)",
                "{text}"
            );
        }
    }

    fn pcap_header(magic: u32, be: bool, linktype: u32) -> Vec<u8> {
        let mut v = Vec::new();
        let w32 = |v: &mut Vec<u8>, x: u32| {
            v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() })
        };
        w32(&mut v, magic);
        v.extend_from_slice(&if be { [0, 2, 0, 4] } else { [2, 0, 4, 0] });
        w32(&mut v, 0);
        w32(&mut v, 0);
        w32(&mut v, 65535);
        w32(&mut v, linktype);
        v
    }

    fn record(v: &mut Vec<u8>, be: bool, secs: u32, frac: u32, data: &[u8]) {
        for x in [secs, frac, data.len() as u32, data.len() as u32] {
            v.extend_from_slice(&if be { x.to_be_bytes() } else { x.to_le_bytes() });
        }
        v.extend_from_slice(data);
    }

    #[test]
    fn classic_pcap_both_byte_orders_and_resolutions() {
        for (be, magic, frac, nanos) in [
            (false, PCAP_MAGIC_US, 5, 5000),
            (true, PCAP_MAGIC_US, 5, 5000),
            (false, PCAP_MAGIC_NS, 5, 5),
            (true, PCAP_MAGIC_NS, 7, 7),
        ] {
            let mut f = pcap_header(magic, be, 1);
            record(&mut f, be, 100, frac, b"abc");
            record(&mut f, be, 101, 0, b"de");
            let mut r = CaptureReader::new(&f[..]).unwrap();
            let a = r.next_frame().unwrap().unwrap();
            assert_eq!(
                (a.number, a.data, a.ts.secs, a.ts.nanos),
                (1, &b"abc"[..], 100, nanos)
            );
            let b = r.next_frame().unwrap().unwrap();
            assert_eq!((b.number, b.data), (2, &b"de"[..]));
            assert!(r.next_frame().unwrap().is_none());
        }
    }

    #[test]
    fn truncated_and_corrupt_records_name_the_offset() {
        let mut f = pcap_header(PCAP_MAGIC_US, false, 1);
        record(&mut f, false, 1, 0, b"abcd");
        let mut cut = f.clone();
        cut.truncate(f.len() - 2);
        let mut r = CaptureReader::new(&cut[..]).unwrap();
        match r.next_frame() {
            Err(CaptureError::Truncated {
                offset: 24,
                frame: 1,
                needed: 20,
                have: 18,
                compressed: None,
                trailing: None,
            }) => {}
            other => panic!("{other:?}"),
        }
        let mut bad = f.clone();
        bad[24 + 8..24 + 12].copy_from_slice(&0x7000_0000u32.to_le_bytes());
        let mut r = CaptureReader::new(&bad[..]).unwrap();
        assert!(matches!(
            r.next_frame(),
            Err(CaptureError::Corrupt {
                offset: 24,
                frame: 1,
                ..
            })
        ));
    }

    /// A record refused for its length names the limit that refused it: a
    /// sample's first record with its length changed, under three file
    /// header snaplens (the sample's own is 262144).
    #[test]
    fn a_record_too_long_names_the_limit_that_refused_it() {
        let cap = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/ntlm-wrong-password.pcap"
        ))
        .expect("sample");
        assert_eq!(rd32(&cap, 16, false), 262_144);
        for (snaplen, caplen, says) in [
            (
                u32::MAX,
                2_147_483_392u32,
                "record length 2147483392 is larger than 67108864 bytes (64 MiB), the most \
                 smbscope reads in one record (the file header's snaplen, 4294967295, allows more)",
            ),
            (
                1_000_000,
                1_000_001,
                "record length 1000001 is larger than the file header's snaplen 1000000",
            ),
            (
                262_144,
                262_145,
                "record length 262145 is larger than the file header's snaplen 262144",
            ),
            (
                65_535,
                300_000,
                "record length 300000 is larger than 262144 bytes, the most a record may \
                 have when the file header's snaplen (65535) is smaller",
            ),
        ] {
            let mut f = cap.clone();
            f[16..20].copy_from_slice(&snaplen.to_le_bytes());
            f[32..36].copy_from_slice(&caplen.to_le_bytes());
            let mut r = CaptureReader::new(&f[..]).expect("header");
            match r.next_frame() {
                Err(
                    e @ CaptureError::Corrupt {
                        offset: 24,
                        frame: 1,
                        ..
                    },
                ) => {
                    assert_eq!(
                        e.to_string(),
                        format!("corrupt record at byte 24 (frame 1): {says}")
                    )
                }
                other => panic!("{snaplen} {caplen}: {other:?}"),
            }
        }
        // Within the limits, the record is taken (and the file is cut short).
        let mut f = cap.clone();
        f[16..20].copy_from_slice(&65_535u32.to_le_bytes());
        f[32..36].copy_from_slice(&262_144u32.to_le_bytes());
        let mut r = CaptureReader::new(&f[..]).expect("header");
        assert!(matches!(
            r.next_frame(),
            Err(CaptureError::Truncated { .. })
        ));
    }

    #[test]
    fn not_a_capture() {
        assert!(matches!(
            CaptureReader::new(&b"hello world"[..]),
            Err(CaptureError::NotACapture { len: 4, .. })
        ));
        assert!(matches!(
            CaptureReader::new(&b"he"[..]),
            Err(CaptureError::NotACapture { len: 2, .. })
        ));
    }

    /// The head of an ETL file as the layouts say (WMI_BUFFER_HEADER,
    /// SYSTEM_TRACE_HEADER, TRACE_LOGFILE_HEADER; see [`OtherFormat::Etl`]):
    /// no ETL file is at hand, so this is built, not captured.
    fn etl_head(header_type: u8) -> Vec<u8> {
        let mut h = vec![0u8; 0x200];
        h[..4].copy_from_slice(&0x1_0000u32.to_le_bytes()); // BufferSize, 64 KiB
        h[4..8].copy_from_slice(&0x1c0u32.to_le_bytes()); // SavedOffset
        h[0x30..0x34].copy_from_slice(&0x1c0u32.to_le_bytes()); // Offset
                                                                // SYSTEM_TRACE_HEADER: Version 2, HeaderType, Flags 0xC0, Size, HookId 0.
        h[0x48..0x4c].copy_from_slice(&[2, 0, header_type, 0xc0]);
        h[0x4c..0x4e].copy_from_slice(&0x178u16.to_le_bytes());
        h[0x68..0x6c].copy_from_slice(&0x1_0000u32.to_le_bytes()); // BufferSize again
        h[0x6c..0x70].copy_from_slice(&[10, 0, 0x4a, 0x4a]); // Version 10.0
        h
    }

    #[test]
    fn other_formats_are_known_by_their_first_bytes() {
        let of = OtherFormat::of;
        // The heads of `gzip -c`, `zstd -c` (1.5.4), `xz -c` (5.4.1),
        // `bzip2 -c` (1.0.8), `lz4 -c` (1.9.4), zip (3.0), editcap -F snoop
        // and -F netmon2 / netmon1 (tshark 4.0.17) on a sample; tests/cli.rs
        // runs the tools themselves.
        let compressed = |c| Some(OtherFormat::Compressed(c));
        assert_eq!(
            of(&[0x1f, 0x8b, 0x08, 0x08, 0x5e, 0x2b]),
            compressed(Compressor::Gzip)
        );
        assert_eq!(
            of(&[0x28, 0xb5, 0x2f, 0xfd, 0x64, 0x65]),
            compressed(Compressor::Zstd)
        );
        assert_eq!(of(b"\xfd7zXZ\x00\x00\x04"), compressed(Compressor::Xz));
        assert_eq!(of(b"BZh91AY&SY"), compressed(Compressor::Bzip2));
        assert_eq!(of(b"BZh0"), None);
        assert_eq!(
            of(&[0x04, 0x22, 0x4d, 0x18, 0x64, 0x40]),
            compressed(Compressor::Lz4)
        );
        // `lz4 -l` (legacy frame), and pzstd (1.5.4), whose files start
        // with a skippable frame of 4 bytes before the first zstd frame:
        // known when the head reaches that frame.
        assert_eq!(
            of(&[0x02, 0x21, 0x4c, 0x18, 0x52, 0x0e]),
            compressed(Compressor::Lz4)
        );
        let pzstd = [
            0x50, 0x2a, 0x4d, 0x18, 0x04, 0, 0, 0, 0xac, 0x23, 0, 0, 0x28, 0xb5, 0x2f, 0xfd,
        ];
        assert_eq!(of(&pzstd), compressed(Compressor::Zstd));
        assert_eq!(of(&pzstd[..15]), None);
        let mut longer = pzstd;
        longer[4] = 5;
        assert_eq!(of(&longer), None);
        assert_eq!(of(b"PK\x03\x04\x14\x00"), Some(OtherFormat::Zip));
        assert_eq!(
            of(b"snoop\x00\x00\x00\x00\x00\x00\x02"),
            Some(OtherFormat::Snoop)
        );
        assert_eq!(of(b"GMBU\x00\x02\x01\x00"), Some(OtherFormat::NetMon));
        assert_eq!(of(b"RTSS\x01\x01\x01\x00"), Some(OtherFormat::NetMon));
        assert_eq!(of(&etl_head(2)), Some(OtherFormat::Etl));
        assert_eq!(of(&etl_head(1)), Some(OtherFormat::Etl));
        // Not an ETL: another header type, a HookId, BufferSizes that differ,
        // the head cut before 0x6c; and text.
        assert_eq!(of(&etl_head(0x13)), None);
        let mut h = etl_head(2);
        h[0x4e] = 0x50;
        assert_eq!(of(&h), None);
        let mut h = etl_head(2);
        h[0x68] = 1;
        assert_eq!(of(&h), None);
        assert_eq!(of(&etl_head(2)[..0x6b]), None);
        assert_eq!(of(&[0u8; 0x100]), None);
        assert_eq!(of(b"hello, world\n"), None);
        // Through the reader, which reads the head for it.
        let e = CaptureReader::new(&etl_head(2)[..]).err().unwrap();
        assert!(matches!(
            e,
            CaptureError::NotACapture {
                format: Some(OtherFormat::Etl),
                ..
            }
        ));
        assert!(e.to_string().contains("etl2pcapng"), "{e}");
    }

    fn ng_block(v: &mut Vec<u8>, t: u32, body: &[u8]) {
        let len = 12 + body.len().div_ceil(4) * 4;
        v.extend_from_slice(&t.to_le_bytes());
        v.extend_from_slice(&(len as u32).to_le_bytes());
        v.extend_from_slice(body);
        v.resize(v.len() + (len - 12 - body.len()), 0);
        v.extend_from_slice(&(len as u32).to_le_bytes());
    }

    #[test]
    fn pcapng_interfaces_have_their_own_link_type_and_resolution() {
        let mut f = Vec::new();
        let mut shb = Vec::new();
        shb.extend_from_slice(&PCAPNG_BOM.to_le_bytes());
        shb.extend_from_slice(&[1, 0, 0, 0]);
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        ng_block(&mut f, PCAPNG_SHB, &shb);
        // interface 0: Ethernet, default microseconds
        ng_block(&mut f, PCAPNG_IDB, &[1, 0, 0, 0, 0, 0, 0, 0]);
        // interface 1: raw IP, if_tsresol = 9 (nanoseconds)
        let mut idb = vec![101, 0, 0, 0, 0, 0, 0, 0];
        idb.extend_from_slice(&[9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
        ng_block(&mut f, PCAPNG_IDB, &idb);
        for (ifc, ts) in [
            (1u32, 1_500_000_000_123_456_789u64),
            (0, 1_500_000_000_123_456),
        ] {
            let mut epb = Vec::new();
            epb.extend_from_slice(&ifc.to_le_bytes());
            epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
            epb.extend_from_slice(&(ts as u32).to_le_bytes());
            epb.extend_from_slice(&3u32.to_le_bytes());
            epb.extend_from_slice(&3u32.to_le_bytes());
            epb.extend_from_slice(b"xyz");
            ng_block(&mut f, PCAPNG_EPB, &epb);
        }
        let mut r = CaptureReader::new(&f[..]).unwrap();
        let a = r.next_frame().unwrap().unwrap();
        assert_eq!(
            (a.link_type, a.ts.secs, a.ts.nanos, a.data),
            (LinkType::RAW, 1_500_000_000, 123_456_789, &b"xyz"[..])
        );
        let b = r.next_frame().unwrap().unwrap();
        assert_eq!(
            (b.number, b.link_type, b.ts.nanos),
            (2, LinkType::ETHERNET, 123_456_000)
        );
        assert!(r.next_frame().unwrap().is_none());
        assert_eq!(r.link_types(), &[LinkType::ETHERNET, LinkType::RAW]);
    }

    #[test]
    fn corrupt_record_length_allocates_only_what_arrives() {
        // A pcapng section header claiming 48 MiB, in a 12-byte file: the
        // file's first block, so the file is not a capture.
        let mut claim = PCAPNG_SHB.to_le_bytes().to_vec();
        claim.extend_from_slice(&(48u32 << 20).to_le_bytes());
        claim.extend_from_slice(&PCAPNG_BOM.to_le_bytes());
        assert!(matches!(
            CaptureReader::new(&claim[..]),
            Err(CaptureError::HeaderCut { pcapng: true, needed, have: 12 }) if needed == 48 << 20
        ));
        // The same after a real section (a sample's first section header
        // block): damage after the start.
        let cap = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/ntlm-pcapng-two-interfaces.pcapng"
        ))
        .expect("sample");
        let shb_len = rd32(&cap, 4, false) as usize;
        let mut f = cap[..shb_len].to_vec();
        f.extend_from_slice(&claim);
        let mut r = CaptureReader::new(&f[..]).unwrap();
        assert!(matches!(
            r.next_frame(),
            Err(CaptureError::Truncated { needed, have: 12, .. }) if needed == 48 << 20
        ));
        assert!(r.buf.len() <= 2 * CHUNK, "buffer grew to {}", r.buf.len());
        // Classic pcap with a huge snaplen and a record claiming 40 MiB.
        let mut f = pcap_header(PCAP_MAGIC_US, false, 1);
        f[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        for x in [0u32, 0, 40 << 20, 40 << 20] {
            f.extend_from_slice(&x.to_le_bytes());
        }
        f.extend_from_slice(b"abc");
        let mut r = CaptureReader::new(&f[..]).unwrap();
        assert!(matches!(
            r.next_frame(),
            Err(CaptureError::Truncated { .. })
        ));
        assert!(r.buf.len() <= 2 * CHUNK, "buffer grew to {}", r.buf.len());
    }

    #[test]
    fn records_larger_than_the_first_buffer_are_read_whole() {
        let mut f = pcap_header(PCAP_MAGIC_US, false, 1);
        f[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        let big: Vec<u8> = (0..3 * CHUNK + 5).map(|i| i as u8).collect();
        record(&mut f, false, 1, 0, &big);
        record(&mut f, false, 2, 0, b"tail");
        for step in [usize::MAX, 1000, 65_537] {
            let mut r = CaptureReader::new(Chunks(&f, step)).unwrap();
            assert_eq!(r.next_frame().unwrap().unwrap().data, &big[..]);
            assert_eq!(r.next_frame().unwrap().unwrap().data, b"tail");
            assert!(r.next_frame().unwrap().is_none());
        }
    }

    /// A reader that hands out at most `.1` bytes per read.
    struct Chunks<'a>(&'a [u8], usize);
    impl Read for Chunks<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// A reader that hands out one byte per read, like a slow pipe.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((x, rest)), Some(slot)) => {
                    *slot = *x;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// A compressed sample read one byte at a time, as from a slow pipe,
    /// gives the frames of the sample: compressed by the real tools (gzip,
    /// zstd, pzstd with its skippable frame first, lz4), which .ci/run
    /// installs.
    #[test]
    fn compressed_input_read_a_byte_at_a_time() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/krb5-ap-skew.pcap");
        let raw = std::fs::read(path).expect("sample");
        let frames = |src: &mut dyn Read| -> Vec<(u64, Vec<u8>, u64)> {
            let mut r = CaptureReader::new(src).expect("capture");
            let mut v = Vec::new();
            while let Some(f) = r.next_frame().expect("frame") {
                v.push((f.number, f.data.to_vec(), f.offset));
            }
            v
        };
        let want = frames(&mut &raw[..]);
        assert!(want.len() > 50);
        for (tool, args, c) in [
            ("gzip", &["-c"][..], Compressor::Gzip),
            ("zstd", &["-q", "-c"], Compressor::Zstd),
            ("pzstd", &["-q", "-c"], Compressor::Zstd),
            ("lz4", &["-q", "-c"], Compressor::Lz4),
        ] {
            let out = std::process::Command::new(tool)
                .args(args)
                .arg(path)
                .output()
                .unwrap_or_else(|e| panic!("{tool}: {e} (.ci/run installs it)"));
            assert!(out.status.success(), "{tool}");
            assert_eq!(frames(&mut Trickle(&out.stdout)), want, "{tool}");
            let r = CaptureReader::new(Trickle(&out.stdout)).expect("capture");
            assert_eq!(r.compressed(), Some(c));
        }
    }

    #[test]
    fn short_reads_are_reassembled() {
        let mut f = pcap_header(PCAP_MAGIC_US, false, 1);
        for i in 0..50u8 {
            record(&mut f, false, u32::from(i), 0, &vec![i; usize::from(i) * 3]);
        }
        let mut r = CaptureReader::new(Trickle(&f)).unwrap();
        let mut n: u8 = 0;
        while let Some(fr) = r.next_frame().unwrap() {
            assert_eq!(fr.data.len(), usize::from(n) * 3);
            n += 1;
        }
        assert_eq!(n, 50);
    }
}
