#!/usr/bin/env python3
"""Rewrite a real capture in big-endian byte order, packets untouched.

Captures are written in the byte order of the machine that wrote them; every
tool here runs on little-endian x86, so a big-endian file (as a SPARC, POWER
or s390x host writes it) has to be written by a capture library told to use
that order:

  byte_order.py pcap   IN.pcap   OUT.pcap     scapy's RawPcapWriter with
                                              endianness=">" (keeps the
                                              link type, the snaplen and the
                                              micro- or nanosecond magic)
  byte_order.py pcapng IN.pcapng OUT.pcapng   dpkt's big-endian pcapng blocks
                                              (SectionHeaderBlock,
                                              InterfaceDescriptionBlock with
                                              if_tsresol, EnhancedPacketBlock),
                                              one interface per link type of
                                              IN, each with its resolution

Every packet keeps its bytes, its captured and original lengths and its time
stamp to the unit of its file or interface, so smbscope and tshark must read
OUT exactly as they read IN (tests/cli.rs compares the two).
"""
import sys

from dpkt import pcapng
from scapy.utils import RawPcapNgReader, RawPcapReader, RawPcapWriter


def classic(src, dst):
    reader = RawPcapReader(src)
    nano = bool(getattr(reader, "nano", False))
    writer = RawPcapWriter(dst, linktype=reader.linktype, endianness=">",
                           nano=nano, snaplen=reader.snaplen, sync=False)
    writer.write_header(None)
    count = 0
    for data, meta in reader:
        # scapy's usec is the fraction in the file's unit (ns for a
        # nanosecond file), and it writes it back as given
        writer.write_packet(data, sec=meta.sec, usec=meta.usec,
                            caplen=meta.caplen, wirelen=meta.wirelen)
        count += 1
    writer.close()
    reader.close()
    return count


def resol_option(tsresol):
    """if_tsresol (pcapng option 9): a power of ten, as its exponent."""
    exp = len(str(tsresol)) - 1
    if 10 ** exp != tsresol:
        raise SystemExit(f"time resolution {tsresol} is not a power of ten")
    return pcapng.PcapngOption(code=pcapng.PCAPNG_OPT_IF_TSRESOL, data=bytes([exp]))


def ng(src, dst):
    reader = RawPcapNgReader(src)
    packets = list(reader)
    interfaces = {}  # link type -> (interface id, resolution)
    for _, meta in packets:
        if meta.linktype not in interfaces:
            interfaces[meta.linktype] = (len(interfaces), meta.tsresol)
    with open(dst, "wb") as out:
        out.write(bytes(pcapng.SectionHeaderBlock()))
        for linktype, (_, tsresol) in interfaces.items():
            idb = pcapng.InterfaceDescriptionBlock(
                linktype=linktype, snaplen=262144,
                opts=[resol_option(tsresol),
                      pcapng.PcapngOption(code=pcapng.PCAPNG_OPT_ENDOFOPT)])
            out.write(bytes(idb))
        for data, meta in packets:
            ifid, _ = interfaces[meta.linktype]
            epb = pcapng.EnhancedPacketBlock(
                iface_id=ifid, ts_high=meta.tshigh, ts_low=meta.tslow,
                caplen=len(data), pkt_len=meta.wirelen, pkt_data=data)
            out.write(bytes(epb))
    reader.close()
    return len(packets)


def main(argv):
    if len(argv) != 4 or argv[1] not in ("pcap", "pcapng"):
        raise SystemExit(__doc__)
    count = (classic if argv[1] == "pcap" else ng)(argv[2], argv[3])
    print(f"{argv[3]}: {count} packets, big-endian", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
