#!/usr/bin/env bash
# Writes the per-capture files of tests/data that hold tshark's view of
# every capture of samples/ and ../shared/corpus/public, each row the
# capture's name, its size in bytes (a capture made or changed since is
# named by the tests that read them) and:
# - dcerpc_frames.tsv: how many of its frames tshark finds DCE/RPC in
#   SMB2 in (`-Y 'smb2 and dcerpc'`, no port options: as
#   tests/pipes_dcerpc.rs runs tshark), to show that its pre-filter (our
#   model shows named-pipe traffic) skips no capture where tshark finds
#   DCE/RPC;
# - client_guids.tsv: the ClientGuid of each SMB2 NEGOTIATE request
#   ([MS-SMB2] 2.2.3) as FRAME:STREAM:GUID items (tshark's smb2.client_guid,
#   tcp.stream; ports 4455, 4456 and 4457 decoded as NetBIOS session
#   service, as scripts/tshark-fields.sh does), which tests/client_guid.rs
#   compares with `connections[].negotiate.client_guid` and
#   activity.impacket_client.
# Run it again when a capture is added or changed.
#
# usage: scripts/tshark-test-data.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=$root/tests/data
version=$(tshark --version 2>/dev/null | head -1 | awk '{print $3}')
captures=()
for f in "$root"/samples/*.pcap "$root"/samples/*.pcapng \
  "$root"/../shared/corpus/public/*.pcap "$root"/../shared/corpus/public/*.pcapng; do
  [ -e "$f" ] && captures+=("$f")
done
dcerpc_frames() {
  tshark -r "$1" -Y 'smb2 and dcerpc' -T fields -e frame.number 2>/dev/null | wc -l
}
client_guids() {
  tshark -r "$1" -d tcp.port==4455,nbss -d tcp.port==4456,nbss -d tcp.port==4457,nbss \
    -Y 'smb2.cmd == 0 && smb2.flags.response == 0 && smb2.client_guid' \
    -T fields -E occurrence=a -E aggregator=, -e frame.number -e tcp.stream -e smb2.client_guid 2>/dev/null |
    awk -F'\t' '{n = split($3, g, ","); for (i = 1; i <= n; i++) printf "%s%s:%s:%s", (c++ ? " " : ""), $1, $2, g[i]}'
}
# write FILE HEADER FUNCTION: one row per capture, sorted by name.
write() {
  {
    echo "# capture	bytes	$2 (tshark $version; scripts/tshark-test-data.sh)"
    for f in "${captures[@]}"; do
      printf '%s\t%s\t%s\n' "$(basename "$f")" "$(stat -c %s "$f")" "$($3 "$f")"
    done | LC_ALL=C sort
  } > "$data/$1"
}
write dcerpc_frames.tsv "frames with DCE/RPC in SMB2" dcerpc_frames
write client_guids.tsv "FRAME:STREAM:GUID of each SMB2 NEGOTIATE request" client_guids
