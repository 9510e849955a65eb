#!/usr/bin/env python3
"""Hostile captures built from the real packets of samples/ (standard library only).

Every payload byte written here comes from a real frame of a sample: TCP
payloads are cut, repeated, reordered or given other sequence numbers, ports
or SessionIds; only the Ethernet/IPv4/TCP/UDP headers around them are
rewritten (lengths, ports, sequence numbers, flags; checksums are zeroed, as
smbscope and tshark do not check them). Classic pcap, Ethernet, IPv4.

usage: gen.py SCENARIO OUT N

Scenarios (N is the repeat count; the file grows linearly with it):
  ooo-reverse   one SMB connection whose client sends the bytes of its real
                SESSION_SETUP requests as 1-byte segments, in reverse order,
                in blocks of 4000 bytes (each block's first byte comes last)
  ooo-flows     N SMB connections, each holding 4000 one-byte out-of-order
                segments (the first byte of the request never comes)
  syn           N SYNs from distinct 4-tuples to port 445 (the sample's SYN)
  partial       N SMB connections, each with a SESSION_SETUP request whose
                NetBIOS length claims 250,000 bytes, of which 249,000 come
                (copies of the real request's bytes), the rest never
  krb-partial   N Kerberos TCP connections, each with a record marker
                claiming 1,000,000 bytes and 999,000 bytes that follow
  unanswered    one SMB connection, N SESSION_SETUP requests (MessageId k),
                never answered
  storm         one SMB connection, N rounds of the real failed NTLM session
                setup (4 messages), SessionId + k (distinct sessions)
  storm-same    the same with the SessionId of the sample (reused)
  krb-udp       N AS-REQ / KRB-ERROR (PREAUTH_FAILED) pairs over UDP from one
                client port
"""
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/adversarial")
from craft import read_pcap  # noqa: E402

SAMPLES = __file__.rsplit("/", 3)[0] + "/samples/"


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.t = 1_700_000_000 * 10**6
        self.buf = []
        self.n = 0

    def frame(self, b, step_us=1):
        self.t += step_us
        self.buf.append(struct.pack("<IIII", self.t // 10**6, self.t % 10**6, len(b), len(b)))
        self.buf.append(b)
        self.n += 1
        if len(self.buf) > 20000:
            self.flush()

    def flush(self):
        self.f.write(b"".join(self.buf))
        self.buf = []

    def close(self):
        self.flush()
        self.f.close()
        print(f"{self.n} frames", file=sys.stderr)


def frames(sample):
    return [p for _, p, _ in read_pcap(SAMPLES + sample)]


def split(p):
    """(eth+ip header template, l4 header, payload) of an IPv4 frame."""
    ihl = (p[14] & 0x0F) * 4
    l4 = 14 + ihl
    if p[23] == 6:
        doff = (p[l4 + 12] >> 4) * 4
        return bytes(p[:l4]), bytes(p[l4:l4 + doff]), bytes(p[l4 + doff:])
    return bytes(p[:l4]), bytes(p[l4:l4 + 8]), bytes(p[l4 + 8:])


class Tcp:
    """Builds TCP frames from a real frame's headers (its options kept)."""

    def __init__(self, tmpl_frame):
        self.ip, self.tcp, _ = split(tmpl_frame)

    def seg(self, src, dst, sport, dport, seq, ack, flags, payload):
        ip = bytearray(self.ip)
        struct.pack_into(">H", ip, 16, len(ip) - 14 + len(self.tcp) + len(payload))
        ip[24:26] = b"\0\0"
        ip[26:30], ip[30:34] = src, dst
        t = bytearray(self.tcp)
        struct.pack_into(">HHII", t, 0, sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF)
        t[13] = flags
        t[16:18] = b"\0\0"
        return bytes(ip) + bytes(t) + payload


SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
CLI, SRV = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])


class Conn:
    """One TCP connection: handshake, then data both ways with real payloads."""

    def __init__(self, w, tcp, sport, dport=445, src=CLI, dst=SRV):
        self.w, self.tcp = w, tcp
        self.a, self.b, self.sp, self.dp = src, dst, sport, dport
        self.seq = [1000, 5000]

    def handshake(self):
        s = self.seq
        self.w.frame(self.tcp.seg(self.a, self.b, self.sp, self.dp, s[0], 0, SYN, b""))
        self.w.frame(self.tcp.seg(self.b, self.a, self.dp, self.sp, s[1], s[0] + 1, SYN | ACK, b""))
        s[0] += 1
        s[1] += 1
        self.w.frame(self.tcp.seg(self.a, self.b, self.sp, self.dp, s[0], s[1], ACK, b""))

    def send(self, d, payload, at=None):
        """Direction d (0 client, 1 server); at: offset from next (out of order)."""
        s = self.seq
        seq = s[d] + (at or 0)
        if d == 0:
            f = self.tcp.seg(self.a, self.b, self.sp, self.dp, seq, s[1], ACK | PSH, payload)
        else:
            f = self.tcp.seg(self.b, self.a, self.dp, self.sp, seq, s[0], ACK | PSH, payload)
        self.w.frame(f)
        if at is None:
            s[d] += len(payload)

    def skip(self, d, n):
        self.seq[d] += n


def ntlm():
    """Payloads of ntlm-wrong-password: negotiate req/rsp, 4 session setup."""
    fr = frames("ntlm-wrong-password.pcap")
    pl = {i + 1: split(p)[2] for i, p in enumerate(fr)}
    return fr, pl


def set_sid(msg, sid):
    m = bytearray(msg)
    struct.pack_into("<Q", m, 4 + 40, sid)
    return bytes(m)


def set_mid(msg, mid):
    m = bytearray(msg)
    struct.pack_into("<Q", m, 4 + 24, mid)
    return bytes(m)


def negotiated(w, tcp, pl, sport, k=None):
    c = Conn(w, tcp, sport)
    if k is not None:
        c.a = bytes([10, (k >> 16) & 255, (k >> 8) & 255, k & 255])
    c.handshake()
    c.send(0, pl[4])
    c.send(1, pl[6])
    return c


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    scen, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    w = Writer(out)
    fr, pl = ntlm()
    tcp = Tcp(fr[3])
    reqs = pl[8] + pl[10]
    if scen == "ooo-reverse":
        c = negotiated(w, tcp, pl, 40000)
        stream = reqs * (4000 // len(reqs) + 1)
        block = stream[:4000]
        for _ in range(n):
            for i in range(len(block) - 1, -1, -1):
                c.send(0, block[i:i + 1], at=i)
            c.skip(0, len(block))
    elif scen == "ooo-flows":
        for k in range(n):
            c = negotiated(w, tcp, pl, 1024 + k % 60000, k)
            for i in range(1, 4001):
                c.send(0, reqs[i % len(reqs):i % len(reqs) + 1], at=i)
    elif scen == "syn":
        for k in range(n):
            src = bytes([10, (k >> 16) & 255, (k >> 8) & 255, k & 255])
            w.frame(tcp.seg(src, SRV, 1024 + k % 60000, 445, k * 7919, 0, SYN, b""))
    elif scen == "partial":
        body = reqs * (250000 // len(reqs) + 1)
        for k in range(n):
            c = negotiated(w, tcp, pl, 1024 + k % 60000, k)
            # NetBIOS length 250,000 around a real SESSION_SETUP request's bytes.
            msg = struct.pack(">I", 250000) + pl[8][4:] + body
            msg = msg[:249004]
            for i in range(0, len(msg), 60000):
                c.send(0, msg[i:i + 60000])
    elif scen == "krb-partial":
        kf = frames("krb5-success.pcap")
        ktcp = Tcp(kf[7])
        asreq = split(kf[7])[2][4:]
        body = asreq * (1000000 // len(asreq) + 1)
        for k in range(n):
            src = bytes([10, (k >> 16) & 255, (k >> 8) & 255, k & 255])
            c = Conn(w, ktcp, 1024 + k % 60000, 88, src, bytes([127, 0, 0, 3]))
            c.handshake()
            msg = (struct.pack(">I", 1000000) + body)[:999004]
            for i in range(0, len(msg), 60000):
                c.send(0, msg[i:i + 60000])
    elif scen == "unanswered":
        c = negotiated(w, tcp, pl, 40000)
        for k in range(n):
            c.send(0, set_mid(pl[8], 10 + k))
    elif scen in ("storm", "storm-same"):
        c = negotiated(w, tcp, pl, 40000)
        for k in range(n):
            for i in (8, 9, 10, 11):
                m = pl[i]
                if scen == "storm":
                    sid = struct.unpack("<Q", m[44:52])[0]
                    if sid:
                        m = set_sid(m, sid + k)
                mid = struct.unpack("<Q", m[28:36])[0]
                m = set_mid(m, mid + 2 * k)
                c.send(0 if i in (8, 10) else 1, m)
    elif scen == "krb-udp":
        kf = frames("krb5-kinit-wrong-password.pcap")
        for _ in range(n):
            w.frame(bytes(kf[2]))
            w.frame(bytes(kf[3]))
    else:
        sys.exit(f"unknown scenario {scen}\n{__doc__}")
    w.close()


if __name__ == "__main__":
    main()
