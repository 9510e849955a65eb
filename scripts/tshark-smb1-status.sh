#!/usr/bin/env bash
# Writes tests/data/smb1_status_tshark.tsv: tshark's reading of the Status
# of every SMB1 header over TCP ([MS-CIFS] 2.2.3.1; not the browser's
# mailslot datagrams on UDP 138, which smbscope does not read) in the
# captures of samples/ and,
# when present, ../shared/corpus/public (named "corpus:NAME" there): per
# frame, smb.flags.response, smb.flags2.nt_error (1: an NTSTATUS, 0: the DOS
# form), smb.nt_status, smb.error_class, smb.error_code, each field's values
# in the frame's order joined by ",". tests/smb1_status.rs holds ours to it.
#
# usage: scripts/tshark-smb1-status.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/tests/data/smb1_status_tshark.tsv
fields=(frame.number smb.flags.response smb.flags2.nt_error smb.nt_status smb.error_class smb.error_code)
. "$root/scripts/tshark-table.sh"
tshark_table "$out" 'tcp && smb' , "${fields[@]}"
