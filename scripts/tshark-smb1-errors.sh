#!/usr/bin/env bash
# Writes tests/data/smb1_errors_tshark.tsv: tshark's reading of every SMB1
# response over TCP with an error Status ([MS-CIFS] 2.2.3.1: an NTSTATUS
# other than 0, or a DOS-form ErrorClass other than SUCCESS) in the captures
# of samples/ and, when present, ../shared/corpus/public (named "corpus:NAME"
# there): per frame, tcp.stream, smb.cmd (an AndX chain's commands joined
# by ","), smb.flags2.nt_error, smb.nt_status, smb.error_class,
# smb.error_code, smb.uid, smb.tid, smb.trans2.cmd (a TRANSACTION2's
# subcommand, from its request) and smb.response_to (the request's frame).
# tests/smb1_errors.rs holds the report's errors[] to it.
#
# usage: scripts/tshark-smb1-errors.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/tests/data/smb1_errors_tshark.tsv
fields=(frame.number tcp.stream smb.cmd smb.flags2.nt_error smb.nt_status smb.error_class smb.error_code smb.uid smb.tid smb.trans2.cmd smb.response_to)
. "$root/scripts/tshark-table.sh"
tshark_table "$out" 'tcp && smb.flags.response == 1 && (smb.nt_status != 0 || smb.error_class != 0)' , "${fields[@]}"
