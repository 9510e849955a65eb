#!/usr/bin/env python3
"""udp_relay.py LISTEN_IP LISTEN_PORT SERVER_IP SERVER_PORT SECONDS

A UDP-only relay: each datagram received on LISTEN_IP:LISTEN_PORT is sent
unchanged to SERVER_IP:SERVER_PORT from a fresh socket bound to 127.0.0.1,
and the answer is sent back unchanged to the client. Nothing listens on
TCP LISTEN_IP:LISTEN_PORT, so a client that retries over TCP gets its
connection refused, as behind a firewall that lets only UDP through.
Exits after SECONDS.
"""
import select
import socket
import sys
import time

lip, lport, sip, sport, secs = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                int(sys.argv[4]), float(sys.argv[5]))
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind((lip, lport))
print(f"udp relay on {lip}:{lport} -> {sip}:{sport}", flush=True)
end = time.time() + secs
while time.time() < end:
    r, _, _ = select.select([srv], [], [], 0.5)
    if not r:
        continue
    data, client = srv.recvfrom(65535)
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.bind(("127.0.0.1", 0))
    up.settimeout(5)
    up.sendto(data, (sip, sport))
    try:
        answer, _ = up.recvfrom(65535)
    except socket.timeout:
        print("no answer from the server", flush=True)
        continue
    finally:
        up.close()
    srv.sendto(answer, client)
    print(f"relayed {len(data)} -> {len(answer)} bytes", flush=True)
