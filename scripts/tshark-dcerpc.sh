#!/usr/bin/env bash
# Writes tests/data/dcerpc_frames.tsv: for every capture of samples/ and
# ../shared/corpus/public, its size in bytes and how many of its frames
# tshark finds DCE/RPC in SMB2 in (`-Y 'smb2 and dcerpc'`, no port
# options: as tests/pipes_dcerpc.rs runs tshark). tests/pipes_dcerpc.rs
# reads it to show that its pre-filter (our model shows named-pipe traffic)
# skips no capture where tshark finds DCE/RPC; run it again when a capture
# is added or changed.
#
# usage: scripts/tshark-dcerpc.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/tests/data/dcerpc_frames.tsv
{
  echo "# capture	bytes	frames with DCE/RPC in SMB2 (tshark $(tshark --version 2>/dev/null | head -1 | awk '{print $3}'); scripts/tshark-dcerpc.sh)"
  for f in "$root"/samples/*.pcap "$root"/samples/*.pcapng \
    "$root"/../shared/corpus/public/*.pcap "$root"/../shared/corpus/public/*.pcapng; do
    [ -e "$f" ] || continue
    n=$(tshark -r "$f" -Y 'smb2 and dcerpc' -T fields -e frame.number 2>/dev/null | wc -l)
    printf '%s\t%s\t%s\n' "$(basename "$f")" "$(stat -c %s "$f")" "$n"
  done | LC_ALL=C sort
} > "$out"
