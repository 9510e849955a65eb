#!/usr/bin/env python3
"""Builds a crafted capture of ONE TCP connection that holds many SMB2
sessions, by repeating real packets of a sample (BENCHMARKS.md, "Crafted
captures: work per item").

usage: one_conn.py OUT SAMPLE FIRST LAST COPIES [STEP]

Frames 1..FIRST-1 of SAMPLE (the TCP handshake and NEGOTIATE) are written
once; frames FIRST..LAST (whole SMB2 PDUs, one per segment, e.g. a
SESSION_SETUP exchange and TREE_CONNECTs) are then written COPIES times,
copy k with its TCP sequence and acknowledgment numbers moved past the
bytes of the k copies before it, its time shifted by k * STEP seconds
(default 0.001), and the SessionId of every SMB2 header that has one
([MS-SMB2] 2.2.1, offset 40) plus k, so that each copy is a new session
with its own trees on the same connection. Nothing after LAST is written:
the connection is still open when the capture ends. Classic pcap,
Ethernet, IPv4. Example (each copy: NTLM session setup, TREE_CONNECT IPC$,
IOCTL, TREE_DISCONNECT, TREE_CONNECT share):
  one_conn.py /tmp/oc.pcap samples/ntlm-success-copy.pcap 8 19 20000
"""
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from craft import read_pcap, ports_of  # noqa: E402


def bump_session_ids(q, l4, k):
    """Adds k to the SessionId of each SMB2 header in the TCP payload."""
    doff = (q[l4 + 12] >> 4) * 4
    at = l4 + doff
    while at + 4 + 64 <= len(q):
        nb_len = struct.unpack(">I", q[at:at + 4])[0] & 0xFFFFFF
        pdu = at + 4
        while pdu + 64 <= len(q) and q[pdu:pdu + 4] == b"\xfeSMB":
            sid = struct.unpack("<Q", q[pdu + 40:pdu + 48])[0]
            if sid:
                q[pdu + 40:pdu + 48] = struct.pack("<Q", (sid + k) & (2**64 - 1))
            nxt = struct.unpack("<I", q[pdu + 20:pdu + 24])[0]
            if nxt == 0:
                break
            pdu += nxt
        at += 4 + nb_len


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    out_path, sample = sys.argv[1], sys.argv[2]
    first, last, copies = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    step = int(float(sys.argv[6]) * 1e9) if len(sys.argv) > 6 else 10**6
    pkts = read_pcap(sample)
    head, chunk = pkts[:first - 1], pkts[first - 1:last]
    # Client and server bytes of one copy (payload lengths).
    client_port = None
    sent = {True: 0, False: 0}
    for _, p, _ in chunk:
        l4, proto, sport, dport = ports_of(p)
        from_client = dport == 445
        doff = (p[l4 + 12] >> 4) * 4
        ip_len = struct.unpack(">H", p[16:18])[0]
        sent[from_client] += 14 + ip_len - (l4 + doff)
    n = 0
    with open(out_path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))

        def put(t, q, orig):
            nonlocal n
            out.write(struct.pack("<IIII", t // 10**9, t % 10**9, len(q), orig))
            out.write(q)
            n += 1

        for t, p, orig in head:
            put(t, p, orig)
        for k in range(copies):
            for t, p, orig in chunk:
                q = bytearray(p)
                l4, proto, sport, dport = ports_of(q)
                from_client = dport == 445
                seq, ack = struct.unpack(">II", q[l4 + 4:l4 + 12])
                seq = (seq + k * sent[from_client]) & 0xFFFFFFFF
                ack = (ack + k * sent[not from_client]) & 0xFFFFFFFF
                q[l4 + 4:l4 + 12] = struct.pack(">II", seq, ack)
                bump_session_ids(q, l4, k)
                put(t + k * step, q, orig + 0)
    print(f"{out_path}: {n} packets", file=sys.stderr)


if __name__ == "__main__":
    main()
