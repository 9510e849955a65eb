#!/usr/bin/env python3
"""silent_listener.py IP PORT [SECONDS]

Accept TCP connections and never answer: read and discard whatever the client
sends until it closes the connection or SECONDS (default 60) have passed.
Stands in for a server that completes the TCP handshake but never speaks SMB.
"""
import select
import socket
import sys
import time

ip, port = sys.argv[1], int(sys.argv[2])
deadline = time.time() + (float(sys.argv[3]) if len(sys.argv) > 3 else 60.0)

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((ip, port))
srv.listen(5)
print(f"silent listener on {ip}:{port}", flush=True)

conns = []
while time.time() < deadline:
    r, _, _ = select.select([srv] + conns, [], [], 0.5)
    for s in r:
        if s is srv:
            c, _ = srv.accept()
            conns.append(c)
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            conns.remove(s)
            s.close()
for c in conns:
    c.close()
srv.close()
