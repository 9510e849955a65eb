#!/usr/bin/env bash
# Writes tshark's reference fields for each capture given into
# samples/tshark/NAME.tshark.tsv: the same columns and options as
# ../shared/corpus/public/MANIFEST.md ("How the reference files were made"),
# so tests/differential.rs reads both alike. Ports 4455, 4456 and 4457 (the samples'
# silent and resetting servers) are decoded as NetBIOS session service.
#
# With --beside, each NAME.tshark.tsv is written next to its capture instead,
# for captures kept outside the repo (tests/differential.rs reads those when
# SMBSCOPE_DIFF_EXTRA names them).
#
# usage: scripts/tshark-fields.sh [--beside] samples/*.pcap
set -euo pipefail
beside=false
if [ "${1:-}" = --beside ]; then
  beside=true
  shift
fi
samples_dir=$(dirname "$0")/../samples/tshark
$beside || mkdir -p "$samples_dir"
for f in "$@"; do
  if $beside; then out_dir=$(dirname "$f"); else out_dir=$samples_dir; fi
  tshark -r "$f" -d tcp.port==4455,nbss -d tcp.port==4456,nbss -d tcp.port==4457,nbss -Y 'smb2 || smb' \
    -T fields -E header=y -E separator=/t -E occurrence=a -E aggregator=, \
    -e frame.number -e frame.time_epoch -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e tcp.srcport -e tcp.dstport -e tcp.stream \
    -e smb2.cmd -e smb2.flags.response -e smb2.nt_status -e smb2.msg_id -e smb2.sesid -e smb2.tid -e smb2.dialect -e smb2.tree -e smb2.filename \
    -e ntlmssp.messagetype -e ntlmssp.auth.domain -e ntlmssp.auth.username -e ntlmssp.auth.hostname -e ntlmssp.ntlmserverchallenge \
    -e kerberos.realm -e kerberos.CNameString -e kerberos.SNameString -e kerberos.msg_type -e spnego.negResult \
    -e smb.cmd -e smb.nt_status > "$out_dir/$(basename "$f").tshark.tsv"
done
