#!/usr/bin/python3
"""tun_pair.py NETNS DEV0 DEV1 SECONDS

Joins two TUN devices into a point-to-point IP link, as a VPN's tun
interface carries traffic: DEV0 in this network namespace, DEV1 in the
namespace NETNS (/run/netns/NETNS, made by `ip netns add`). Every IP packet
the kernel sends out of one device is written into the other, unchanged, so
a capture on DEV0 holds raw IPv4 and IPv6 packets (LINKTYPE_RAW) that the
two kernels' TCP stacks exchanged. The devices must exist (`ip tuntap add
DEV mode tun`); their addresses are set by the caller once this runs.
Exits after SECONDS.
"""
import ctypes
import fcntl
import os
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    netns, dev0, dev1, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    fd0 = open_tun(dev0)
    libc = ctypes.CDLL(None, use_errno=True)
    ns = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    if libc.setns(ns, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")
    fd1 = open_tun(dev1)
    peer = {fd0: fd1, fd1: fd0}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select([fd0, fd1], [], [], 0.2)
        for fd in ready:
            packet = os.read(fd, 65536)
            try:
                os.write(peer[fd], packet)
            except OSError:
                pass  # the other end is not up yet: the packet is lost, as on a real link


if __name__ == "__main__":
    main()
