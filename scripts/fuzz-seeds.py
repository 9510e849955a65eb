#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, from real bytes.

Usage: fuzz-seeds.py OUT_DIR [CAPTURE_OR_DIR ...]

Reads pcap/pcapng captures itself (no tshark needed), follows TCP streams in
sequence order, and writes one file per seed (named by its SHA-1) into
OUT_DIR/<target>/:

  capture        the capture, cut at a record boundary to at most 64 KiB, and
                 that compressed by gzip (zstd and lz4 need their tools)
  pipeline, report  the capture cut so (the whole chain runs on it; report: and
                 the report and check after it)
  net            link-type selector byte (see fuzz_targets/net.rs) + one frame
  tcp            the capture's TCP segments in the tcp target's record format
  framing        4 control bytes + one direction of a stream on 445/139
  smb2, smb1     one NetBIOS session message's payload (0xFE/0xFF 'SMB')
  security_blob  NEGOTIATE / SESSION_SETUP security buffers
  ntlmssp        the NTLMSSP message inside a security buffer
  kerberos       one direction of a TCP/88 stream (record markers kept), UDP/88 payloads

Also from the repository itself: src/auth/testdata/*.hex (security blobs and
Kerberos messages) and tests/data/sample_pdus.txt (SMB PDUs).

The seeds are local working files (fuzz/corpus is gitignored); never commit
them, least of all ones made from captures that are not ours.
"""

import gzip
import hashlib
import os
import struct
import sys

MAX_LEN = {
    "capture": 65536,
    "pipeline": 65536,
    "report": 65536,
    "net": 4096,
    "tcp": 65536,
    "framing": 65536,
    "smb2": 65536,
    "smb1": 16384,
    "security_blob": 16384,
    "ntlmssp": 8192,
    "kerberos": 16384,
}
# Seeds kept per target per capture, so a large capture does not drown the rest.
PER_FILE = {"net": 150, "smb2": 120, "smb1": 40, "security_blob": 40,
            "ntlmssp": 20, "kerberos": 20, "framing": 8, "tcp": 2, "capture": 2,
            "pipeline": 1, "report": 1}

# Index of each link type in net.rs's LINKS table.
NET_SEL = {1: 0, 101: 1, 0: 2, 108: 3, 113: 4, 276: 5, 228: 6, 229: 7, 12: 8, 14: 9}


class Out:
    def __init__(self, root):
        self.root = root
        self.count = {}
        self.per_file = {}

    def new_file(self):
        self.per_file = {}

    def add(self, target, data):
        data = bytes(data[: MAX_LEN[target]])
        if not data:
            return
        n = self.per_file.get(target, 0)
        if n >= PER_FILE.get(target, 10**9):
            return
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, hashlib.sha1(data).hexdigest())
        if not os.path.exists(p):
            with open(p, "wb") as f:
                f.write(data)
            self.count[target] = self.count.get(target, 0) + 1
            self.per_file[target] = n + 1


# ---------------------------------------------------------------- captures

def read_capture(data):
    """Yields (linktype, ts_secs, frame_bytes, record_end_offset)."""
    if len(data) < 24:
        return
    magic_le = struct.unpack("<I", data[:4])[0]
    if magic_le == 0x0A0D0D0A:
        yield from read_pcapng(data)
        return
    for endian in "<>":
        magic = struct.unpack(endian + "I", data[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D, 0xA1B2CD34):
            break
    else:
        return
    hdr = 24 if magic == 0xA1B2CD34 else 16
    link = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + hdr <= len(data):
        secs, _frac, caplen, _orig = struct.unpack(endian + "IIII", data[off:off + 16])
        end = off + hdr + caplen
        if end > len(data):
            return
        yield link, secs, data[off + hdr:end], end
        off = end


def read_pcapng(data):
    off = 0
    endian = "<"
    ifaces = []
    while off + 12 <= len(data):
        btype = struct.unpack("<I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        btype, blen = struct.unpack(endian + "II", data[off:off + 8])
        if blen < 12 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        end = off + blen
        if btype == 1 and len(body) >= 8:
            ifaces.append(struct.unpack(endian + "H", body[:2])[0])
        elif btype in (6, 2) and len(body) >= 20:
            if btype == 6:
                ifid, tsh, _tsl, caplen = struct.unpack(endian + "IIII", body[:16])
            else:
                ifid = struct.unpack(endian + "H", body[:2])[0]
                tsh, _tsl, caplen = struct.unpack(endian + "III", body[4:16])
            if ifid < len(ifaces):
                # timestamp: good enough for the tcp seeds' clock (µs assumed)
                yield ifaces[ifid], ((tsh << 32) | _tsl) // 1_000_000, body[20:20 + caplen], end
        elif btype == 3 and len(body) >= 4 and ifaces:
            yield ifaces[0], 0, body[4:], end
        off = end


def ip_of_frame(link, b):
    """The IP packet inside a frame, or None."""
    if link == 1:
        if len(b) < 14:
            return None
        et, off = struct.unpack(">H", b[12:14])[0], 14
        while et in (0x8100, 0x88A8, 0x9100) and len(b) >= off + 4:
            et, off = struct.unpack(">H", b[off + 2:off + 4])[0], off + 4
        return b[off:] if et in (0x0800, 0x86DD) else None
    if link in (101, 12, 14, 228, 229):
        return b
    if link in (0, 108):
        return b[4:] if len(b) >= 4 else None
    if link == 113:
        return b[16:] if len(b) >= 16 else None
    if link == 276:
        return b[20:] if len(b) >= 20 else None
    return None


def transport(ip):
    """(proto, src, dst, l4 bytes) or None."""
    if not ip:
        return None
    v = ip[0] >> 4
    if v == 4 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0] or len(ip)
        if struct.unpack(">H", ip[6:8])[0] & 0x3FFF:
            return None  # fragment
        return ip[9], ip[12:16], ip[16:20], ip[ihl:min(total, len(ip))]
    if v == 6 and len(ip) >= 40:
        plen = struct.unpack(">H", ip[4:6])[0] or len(ip) - 40
        return ip[6], ip[8:24], ip[24:40], ip[40:40 + plen]
    return None


class Seg:
    __slots__ = ("src", "dst", "seq", "ack", "flags", "payload", "ts")


def tcp_segments(frames):
    for link, ts, b, _end in frames:
        t = transport(ip_of_frame(link, b))
        if not t:
            continue
        proto, src, dst, l4 = t
        if proto == 6 and len(l4) >= 20:
            s = Seg()
            sp, dp, s.seq, s.ack = struct.unpack(">HHII", l4[:12])
            hl = (l4[12] >> 4) * 4
            s.flags = l4[13] & 0x3F
            s.src, s.dst = (bytes(src), sp), (bytes(dst), dp)
            s.payload = bytes(l4[hl:])
            s.ts = ts
            yield s


def udp_payloads(frames):
    for link, _ts, b, _end in frames:
        t = transport(ip_of_frame(link, b))
        if t and t[0] == 17 and len(t[3]) >= 8:
            sp, dp = struct.unpack(">HH", t[3][:4])
            yield sp, dp, bytes(t[3][8:])


def streams(segs):
    """One direction's bytes in sequence order: {(src, dst): bytes}."""
    out, nxt, held = {}, {}, {}
    for s in segs:
        k = (s.src, s.dst)
        if s.flags & 2:
            nxt[k] = (s.seq + 1) & 0xFFFFFFFF
            out.setdefault(k, bytearray())
            continue
        if not s.payload:
            continue
        if k not in nxt:
            nxt[k] = s.seq
            out.setdefault(k, bytearray())
        held.setdefault(k, {})[s.seq] = s.payload
        # deliver what is contiguous
        progress = True
        while progress:
            progress = False
            for seq in list(held[k]):
                rel = (seq - nxt[k]) & 0xFFFFFFFF
                p = held[k][seq]
                if rel >= 0x80000000:  # starts before next: overlap or retransmission
                    over = (nxt[k] - seq) & 0xFFFFFFFF
                    del held[k][seq]
                    if over < len(p):
                        out[k] += p[over:]
                        nxt[k] = (nxt[k] + len(p) - over) & 0xFFFFFFFF
                        progress = True
                elif rel == 0:
                    del held[k][seq]
                    out[k] += p
                    nxt[k] = (nxt[k] + len(p)) & 0xFFFFFFFF
                    progress = True
    return out


# ---------------------------------------------------------------- seeds

def tcp_seed(segs, limits):
    """Encodes up to 4 conversations' segments in the tcp target's format."""
    convs, first_seq = {}, {}
    isn = [0x10000000, 0xFFFFF000]  # the second wraps soon
    out = bytearray([limits]) + struct.pack("<II", *isn)
    cursor = {}
    last_ts = None
    for s in segs:
        key = tuple(sorted([s.src, s.dst]))
        if key not in convs:
            if len(convs) == 4:
                continue
            convs[key] = (len(convs), s.src)
        conv, origin = convs[key]
        d = 0 if s.src == origin else 1
        first_seq.setdefault((conv, d), s.seq)
        rel = (s.seq - first_seq[(conv, d)]) & 0xFFFFFFFF
        seq = (isn[d] + rel) & 0xFFFFFFFF
        if (conv, 1 - d) in first_seq:
            ack = (isn[1 - d] + ((s.ack - first_seq[(conv, 1 - d)]) & 0xFFFFFFFF)) & 0xFFFFFFFF
        else:
            ack = None
        pieces = [s.payload[i:i + 255] for i in range(0, len(s.payload), 255)] or [b""]
        for i, p in enumerate(pieces):
            flags = s.flags
            if i > 0:
                flags &= ~0x02
            if i < len(pieces) - 1:
                flags &= ~0x01
            h = d | (conv << 1)
            adv = b""
            if last_ts is not None and s.ts > last_ts and i == 0:
                h |= 8
                adv = bytes([min(s.ts - last_ts, 255)])
            last_ts = s.ts if last_ts is None or s.ts > last_ts else last_ts
            cur = cursor.get((conv, d), isn[d])
            sd = ((seq - cur + 0x8000) & 0xFFFFFFFF) - 0x8000
            if not -0x8000 <= sd < 0x8000:
                sd = 0
            cur_peer = cursor.get((conv, 1 - d), isn[1 - d])
            ad = 0 if ack is None else ((ack - cur_peer + 0x8000) & 0xFFFFFFFF) - 0x8000
            if not -0x8000 <= ad < 0x8000:
                ad = 0
            rec = bytes([h, flags & 0x3F]) + adv + struct.pack("<hhB", sd, ad, len(p)) + p
            if len(out) + len(rec) > MAX_LEN["tcp"]:
                return bytes(out)
            out += rec
            seq_used = (cur + sd) & 0xFFFFFFFF
            cursor[(conv, d)] = (seq_used + len(p)) & 0xFFFFFFFF
            seq = (seq + len(p)) & 0xFFFFFFFF
    return bytes(out)


def nbss_messages(stream):
    off = 0
    while off + 4 <= len(stream):
        n = int.from_bytes(stream[off + 1:off + 4], "big")
        if stream[off] not in (0, 0x81, 0x82, 0x83, 0x84, 0x85):
            return
        yield stream[off + 4:off + 4 + n]
        off += 4 + n


def smb2_blob(pdu):
    """The security buffer of a NEGOTIATE response / SESSION_SETUP PDU, or None."""
    if len(pdu) < 72 or pdu[:4] != b"\xfeSMB":
        return None
    cmd = struct.unpack("<H", pdu[12:14])[0]
    resp = pdu[16] & 1
    ss = struct.unpack("<H", pdu[64:66])[0]
    at = {(0, 1, 65): 64 + 56, (1, 0, 25): 64 + 12, (1, 1, 9): 64 + 4}.get((cmd, resp, ss))
    if at is None or len(pdu) < at + 4:
        return None
    off, ln = struct.unpack("<HH", pdu[at:at + 4])
    b = pdu[off:off + ln]
    return b if b else None


def smb2_pdu_seeds(out, msg):
    if msg[:4] == b"\xfeSMB":
        out.add("smb2", msg)
        # each PDU of a compound on its own too, and its security blob
        off = 0
        for _ in range(64):
            m = msg[off:]
            if len(m) < 64:
                break
            nc = struct.unpack("<I", m[20:24])[0]
            pdu = m[:nc] if nc else m
            if off:
                out.add("smb2", pdu)
            blob = smb2_blob(pdu)
            if blob:
                blob_seeds(out, blob)
            if not nc:
                break
            off += nc
    elif msg[:4] == b"\xffSMB":
        out.add("smb1", msg)
        # SMB1 SESSION_SETUP_ANDX with extended security: a GSS token with
        # the SPNEGO OID, or raw NTLMSSP
        spnego = b"\x06\x06\x2b\x06\x01\x05\x05\x02"
        i = msg.find(spnego, 32)
        for start in (i - 2, i - 3, i - 4):
            if i > 0 and start >= 32 and msg[start] == 0x60:
                blob_seeds(out, msg[start:])
                break
        else:
            j = msg.find(b"NTLMSSP\x00", 32)
            if j > 0:
                blob_seeds(out, msg[j:])


def blob_seeds(out, blob):
    out.add("security_blob", blob)
    i = blob.find(b"NTLMSSP\x00")
    if i >= 0:
        out.add("ntlmssp", blob[i:])


def from_capture(out, path):
    with open(path, "rb") as f:
        data = f.read()
    frames = list(read_capture(data))
    if not frames:
        return
    out.new_file()
    # capture: the file cut at a record boundary
    cut = 0
    for *_x, end in frames:
        if end > MAX_LEN["capture"]:
            break
        cut = end
    out.add("capture", data[: cut or MAX_LEN["capture"]])
    # and gzip-compressed (the reader decompresses it on the way in)
    out.add("capture", gzip.compress(data[: cut or MAX_LEN["capture"]], mtime=0))
    out.add("pipeline", data[: cut or MAX_LEN["pipeline"]])
    out.add("report", data[: cut or MAX_LEN["report"]])
    for link, _ts, b, _end in frames:
        if link in NET_SEL:
            out.add("net", bytes([NET_SEL[link]]) + bytes(b))
    segs = list(tcp_segments(frames))
    out.add("tcp", tcp_seed(segs, 0x7F))
    out.add("tcp", tcp_seed(segs, 0x00))
    for (src, dst), stream in streams(segs).items():
        ports = (src[1], dst[1])
        if 88 in ports:
            out.add("kerberos", stream)
            continue
        if not stream:
            continue
        smbish = any(p in (445, 139) for p in ports) or stream[4:8] in (b"\xfeSMB", b"\xffSMB")
        if not smbish:
            continue
        out.add("framing", b"\x34\x12\x0a\x00" + bytes(stream))
        out.add("framing", b"\x21\x43\x06\x48" + bytes(stream))
        for msg in nbss_messages(stream):
            smb2_pdu_seeds(out, msg)
    for sp, dp, p in udp_payloads(frames):
        if 88 in (sp, dp):
            out.add("kerberos", p)


def from_repo(out, repo):
    out.new_file()
    tdir = os.path.join(repo, "src/auth/testdata")
    if os.path.isdir(tdir):
        for name in sorted(os.listdir(tdir)):
            if not name.endswith(".hex"):
                continue
            with open(os.path.join(tdir, name)) as f:
                hx = "".join(c for line in f if not line.startswith("#") for c in line
                             if c in "0123456789abcdefABCDEF")
            b = bytes.fromhex(hx)
            if name.startswith("krb88_"):
                # a TCP/88 record or a bare message: the target takes both
                out.add("kerberos", b)
            else:
                blob_seeds(out, b)
    pdus = os.path.join(repo, "tests/data/sample_pdus.txt")
    if os.path.exists(pdus):
        source = None
        with open(pdus) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2:
                    # lines are "capture:frame:... dir hex": the cap is per capture
                    if parts[0].split(":")[0] != source:
                        source = parts[0].split(":")[0]
                        out.new_file()
                    try:
                        smb2_pdu_seeds(out, bytes.fromhex(parts[-1]))
                    except ValueError:
                        pass


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = Out(sys.argv[1])
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from_repo(out, repo)
    files = []
    for a in sys.argv[2:]:
        if os.path.isdir(a):
            files += [os.path.join(a, n) for n in sorted(os.listdir(a))
                      if n.endswith((".pcap", ".pcapng", ".cap"))]
        elif os.path.exists(a):
            files.append(a)
    for p in files:
        try:
            from_capture(out, p)
        except Exception as e:  # a capture we cannot read is no reason to stop
            print(f"fuzz-seeds: {p}: {e}", file=sys.stderr)
    for t in sorted(MAX_LEN):
        print(f"  {t:14} {out.count.get(t, 0):5} new seeds")


if __name__ == "__main__":
    main()
