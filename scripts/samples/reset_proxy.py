#!/usr/bin/env python3
"""reset_proxy.py LISTEN_IP LISTEN_PORT SERVER_IP SERVER_PORT [reset|fin]

A TCP relay for one SMB2 connection that aborts it in the middle of
authentication: it relays the client's messages to the real server and back
until the client sends its second SMB2 SESSION_SETUP request (the NTLMSSP
AUTHENTICATE), then closes both sockets with SO_LINGER 0, so that the client
receives a TCP RST instead of the SESSION_SETUP response.

Bytes are relayed unchanged; the relay only reads the 4-byte Direct TCP
transport header and the SMB2 command field to know where it is.

With "fin" as fifth argument it closes both sockets normally instead, so the
client receives a FIN (an orderly close) while its AUTHENTICATE waits.

With "hold" it keeps both sockets open and forwards nothing more: the
AUTHENTICATE is never answered, and the relay closes only after the client
has closed its side (or after 30 s without anything from either side).
"""
import select
import socket
import struct
import sys

lip, lport, sip, sport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
mode = sys.argv[5] if len(sys.argv) > 5 else "reset"

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((lip, lport))
srv.listen(1)
print(f"reset proxy on {lip}:{lport} -> {sip}:{sport}", flush=True)

cli, _ = srv.accept()
up = socket.create_connection((sip, sport))
buf = b""
setups = 0
held = False


def abort(*socks):
    for s in socks:
        if mode == "fin":
            s.shutdown(socket.SHUT_RDWR)
            s.close()
            continue
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()


while True:
    r, _, _ = select.select([cli, up], [], [], 30)
    if not r:
        break
    if up in r:
        data = up.recv(65536)
        if not data:
            break
        cli.sendall(data)
    if cli in r:
        data = cli.recv(65536)
        if not data:
            break
        if held:
            continue
        buf += data
        out = b""
        # walk complete transport frames in what the client sent
        while len(buf) >= 4:
            n = struct.unpack(">I", buf[:4])[0] & 0xFFFFFF
            if len(buf) < 4 + n:
                break
            frame, buf = buf[: 4 + n], buf[4 + n :]
            if frame[4:8] == b"\xfeSMB" and struct.unpack("<H", frame[16:18])[0] == 1:
                setups += 1
                if setups == 2:
                    print(f"second SESSION_SETUP request: {mode}", flush=True)
                    if mode == "hold":
                        held = True
                        break
                    if out:
                        up.sendall(out)
                    abort(cli, up)
                    srv.close()
                    sys.exit(0)
            out += frame
        if out:
            up.sendall(out)
cli.close()
up.close()
srv.close()
