#!/usr/bin/env python3
"""Builds crafted captures for the work-per-item audit (BENCHMARKS.md,
"Crafted captures: work per item") by repeating real packets of samples/.

No protocol byte is typed here: each segment copies the packets of a sample
(classic pcap, Ethernet, IPv4; optionally only those to or from some server
ports), COPIES times. Every copy keeps the client address (so all copies
share ONE client IP, unlike ../shared/tools/pcap-amplify, which gives each
copy its own), gets a fresh client port for each client port of the sample
(from a pool 1024..65535 that is reused round-robin once exhausted, as a
busy client reuses ports), and is shifted in time to START + k * STEP
seconds after the first sample's first packet (relative times within a
copy kept). Segments are written one after another in file order, so a
segment may be written after another but timed before it. TCP checksums
are patched for the new port (RFC 1624), UDP checksums zeroed (IPv4: none).

usage: craft.py OUT SEGMENT [SEGMENT ...]
  SEGMENT = SAMPLE[:PORTS]:COPIES:START:STEP
  PORTS   = server ports joined by '+', e.g. 88 or 445+139 (default: all)

Examples (see BENCHMARKS.md for what each measures):
  # N failed NTLM sessions, then 4096 KDC errors timed after all of them:
  craft.py /tmp/fb.pcap samples/ntlm-wrong-password.pcap:N:0:0.02 \\
                        samples/krb5-unknown-spn.pcap:88:2048:1e6:0.01
  # 4096 TGS exchanges for another SPN, then N Kerberos sessions:
  craft.py /tmp/js.pcap samples/krb5-unknown-spn.pcap:88:2048:0:0.01 \\
                        samples/krb5-success.pcap:445:N:100:0.1
"""
import struct
import sys

SERVER_PORTS = {88, 139, 445}


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        e, nano = "<", False
    elif magic == b"\xa1\xb2\xc3\xd4":
        e, nano = ">", False
    elif magic == b"\x4d\x3c\xb2\xa1":
        e, nano = "<", True
    elif magic == b"\xa1\xb2\x3c\x4d":
        e, nano = ">", True
    else:
        sys.exit(f"{path}: not a classic pcap")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit(f"{path}: link type {linktype}, want Ethernet")
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        t = sec * 10**9 + (frac if nano else frac * 1000)
        out.append((t, bytearray(data[off + 16:off + 16 + incl]), orig))
        off += 16 + incl
    return out


def ports_of(pkt):
    """(ip header offset, l4 offset, proto, sport, dport) of an IPv4 TCP/UDP frame."""
    if len(pkt) < 34 or pkt[12:14] != b"\x08\x00":
        return None
    ihl = (pkt[14] & 0x0F) * 4
    proto = pkt[23]
    l4 = 14 + ihl
    if proto not in (6, 17) or len(pkt) < l4 + 8:
        return None
    sport, dport = struct.unpack(">HH", pkt[l4:l4 + 4])
    return l4, proto, sport, dport


def patch_tcp_sum(pkt, l4, old, new):
    at = l4 + 16
    hc = struct.unpack(">H", pkt[at:at + 2])[0]
    s = (~hc & 0xFFFF) + (~old & 0xFFFF) + new
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    pkt[at:at + 2] = struct.pack(">H", ~s & 0xFFFF)


class PortPool:
    def __init__(self):
        self.next = 1024

    def take(self):
        p = self.next
        self.next = 1024 if p == 65535 else p + 1
        return p


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out_path, segs = sys.argv[1], sys.argv[2:]
    pool = PortPool()
    base = None
    records = 0
    with open(out_path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        for seg in segs:
            parts = seg.split(":")
            if len(parts) == 4:
                sample, ports, (copies, start, step) = parts[0], None, parts[1:]
            else:
                sample, ports, copies, start, step = parts
                ports = {int(p) for p in ports.split("+")}
            pkts = []
            for t, p, orig in read_pcap(sample):
                pp = ports_of(p)
                if ports is not None and (pp is None or not ({pp[2], pp[3]} & ports)):
                    continue
                pkts.append((t, p, orig, pp))
            if not pkts:
                sys.exit(f"{seg}: no packets")
            t0 = pkts[0][0]
            if base is None:
                base = t0
            start_ns, step_ns = int(float(start) * 1e9), int(float(step) * 1e9)
            for k in range(int(copies)):
                fresh = {}
                shift = base + start_ns + k * step_ns
                for t, p, orig, pp in pkts:
                    q = bytearray(p)
                    if pp is not None:
                        l4, proto, sport, dport = pp
                        client_is_src = dport in SERVER_PORTS
                        cp = sport if client_is_src else dport
                        if cp not in fresh:
                            fresh[cp] = pool.take()
                        np_ = fresh[cp]
                        at = l4 if client_is_src else l4 + 2
                        q[at:at + 2] = struct.pack(">H", np_)
                        if proto == 6 and len(q) >= l4 + 18:
                            patch_tcp_sum(q, l4, cp, np_)
                        elif proto == 17:
                            q[l4 + 6:l4 + 8] = b"\0\0"
                    ts = shift + (t - t0)
                    out.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(q), orig))
                    out.write(q)
                    records += 1
    print(f"{out_path}: {records} packets", file=sys.stderr)


if __name__ == "__main__":
    main()
