#!/usr/bin/python3
"""nbss_session.py HOST CALLED CALLING_TYPE [keepalive]

One NetBIOS session request (RFC 1002 4.3.2) to HOST:139 with impacket's
NetBIOSTCPSession: called name CALLED<20>, calling name CLIENT1 with the
NetBIOS name type CALLING_TYPE (e.g. 0x00, or 0x52 'R', which smbd refuses as
a PATHWORKS client).  With "keepalive", after a positive response the client
sends one session keepalive (RFC 1002 4.3.7) before it closes.  Prints what
the server answered; exits 0 either way.
"""
import sys
import time

from impacket import nmb


def main():
    host, called, calling_type = sys.argv[1], sys.argv[2], int(sys.argv[3], 0)
    keepalive = len(sys.argv) > 4 and sys.argv[4] == "keepalive"
    try:
        s = nmb.NetBIOSTCPSession("CLIENT1", called, host, nmb.TYPE_SERVER, 139,
                                  10, local_type=calling_type)
    except nmb.NetBIOSError as e:
        print("negative session response:", e)
        return
    print("positive session response")
    if keepalive:
        p = nmb.NetBIOSSessionPacket()
        p.set_type(nmb.NETBIOS_SESSION_KEEP_ALIVE)
        p.set_trailer(b"")
        s.get_socket().sendall(p.rawData())
        print("keepalive sent")
        time.sleep(0.5)
    s.close()


if __name__ == "__main__":
    main()
