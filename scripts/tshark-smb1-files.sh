#!/usr/bin/env bash
# Writes tests/data/smb1_files_tshark.tsv: tshark's reading of the SMB1
# file commands (SMB_COM_NT_CREATE_ANDX 0xa2, OPEN_ANDX 0x2d, READ_ANDX 0x2e,
# WRITE_ANDX 0x2f, CLOSE 0x04; [MS-CIFS] 2.2.4.64, 2.2.4.41, 2.2.4.42,
# 2.2.4.43, 2.2.4.5) in the captures of samples/ and, when present,
# ../shared/corpus/public (named "corpus:NAME" there): per frame with one
# of them, anywhere in an AndX chain, the fields below, each field's
# values in the frame's order joined by "|" (smb.cmd lists the header's
# command and each AndXCommand, 0xff ending a chain). tests/smb1_files.rs
# holds ours to it, message by message and tree by tree.
#
# usage: scripts/tshark-smb1-files.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/tests/data/smb1_files_tshark.tsv
fields=(frame.number tcp.stream smb.cmd smb.flags.response smb.flags2.nt_error smb.nt_status
  smb.error_class smb.error_code smb.uid smb.tid smb.wct smb.file smb.fid smb.access_mask
  smb.share_access smb.access.desired smb.offset smb.offset_high smb.data_len_low
  smb.data_len_high smb.count_low smb.count_high)
filter='tcp && (smb.cmd == 0xa2 || smb.cmd == 0x2d || smb.cmd == 0x2e || smb.cmd == 0x2f || smb.cmd == 0x04)'
. "$root/scripts/tshark-table.sh"
tshark_table "$out" "$filter" '|' "${fields[@]}"
