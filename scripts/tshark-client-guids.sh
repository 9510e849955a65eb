#!/usr/bin/env bash
# Writes tests/data/client_guids.tsv: for every capture of samples/ and
# ../shared/corpus/public, its size in bytes and the ClientGuid of each SMB2
# NEGOTIATE request tshark decodes in it ([MS-SMB2] 2.2.3), as
# FRAME:STREAM:GUID items (tshark's smb2.client_guid, tcp.stream; ports
# 4455, 4456 and 4457 decoded as NetBIOS session service, as
# scripts/tshark-fields.sh does). tests/client_guid.rs compares it with
# `connections[].negotiate.client_guid` and with activity.impacket_client;
# run it again when a capture is added or changed.
#
# usage: scripts/tshark-client-guids.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/tests/data/client_guids.tsv
{
  echo "# capture	bytes	FRAME:STREAM:GUID of each SMB2 NEGOTIATE request (tshark $(tshark --version 2>/dev/null | head -1 | awk '{print $3}'); scripts/tshark-client-guids.sh)"
  for f in "$root"/samples/*.pcap "$root"/samples/*.pcapng \
    "$root"/../shared/corpus/public/*.pcap "$root"/../shared/corpus/public/*.pcapng; do
    [ -e "$f" ] || continue
    items=$(tshark -r "$f" -d tcp.port==4455,nbss -d tcp.port==4456,nbss -d tcp.port==4457,nbss \
      -Y 'smb2.cmd == 0 && smb2.flags.response == 0 && smb2.client_guid' \
      -T fields -E occurrence=a -E aggregator=, -e frame.number -e tcp.stream -e smb2.client_guid 2>/dev/null |
      awk -F'\t' '{n = split($3, g, ","); for (i = 1; i <= n; i++) printf "%s%s:%s:%s", (c++ ? " " : ""), $1, $2, g[i]}')
    printf '%s\t%s\t%s\n' "$(basename "$f")" "$(stat -c %s "$f")" "$items"
  done | LC_ALL=C sort
} > "$out"
