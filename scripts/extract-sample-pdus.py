#!/usr/bin/env python3
"""Writes tests/data/sample_pdus.txt: the SMB PDUs of our own sample captures
(made by scripts/make-samples.sh in the wt-samples worktree from Samba smbd and
smbclient; see samples/README.md there), one per line:

    <capture>:<frame>:<index> <hex>

Only TCP segments that start with a NetBIOS session message are used; each
NetBIOS message is split, SMB2 compounds are split at NextCommand. PDUs longer
than 512 bytes are cut to their first 512 bytes (as the lead may keep only a
prefix of READ/WRITE PDUs). Transform (0xFD 'SMB') messages are skipped.

It also writes tests/data/sample_tshark.tsv: tshark's reference fields for
the same frames (columns below), one row per frame, values comma-joined.

usage: scripts/extract-sample-pdus.py SAMPLES_DIR tests/data
"""
import os, subprocess, sys

MAXLEN = 512

def pdus(payload):
    at = 0
    while at + 4 <= len(payload):
        typ = payload[at]
        ln = int.from_bytes(payload[at + 1:at + 4], 'big')
        msg = payload[at + 4:at + 4 + ln]
        at += 4 + ln
        if typ != 0:
            continue
        if msg[:4] == b'\xfeSMB':
            off = 0
            while True:
                nxt = int.from_bytes(msg[off + 20:off + 24], 'little')
                end = off + nxt if nxt else len(msg)
                yield msg[off:end]
                if not nxt or end >= len(msg):
                    break
                off = end
        elif msg[:4] == b'\xffSMB':
            yield msg

FIELDS = ['smb2.cmd', 'smb2.flags.response', 'smb2.nt_status', 'smb2.dialect', 'smb2.tree',
          'smb2.filename', 'smb2.share_type', 'smb2.ioctl.function', 'smb2.create.disposition',
          'smb2.ses_flags.guest', 'smb2.ses_flags.null', 'smb2.ses_flags.encrypt', 'smb.cmd']

def main(d, outdir):
    pdu_out = open(os.path.join(outdir, 'sample_pdus.txt'), 'w')
    tsv_out = open(os.path.join(outdir, 'sample_tshark.tsv'), 'w')
    tsv_out.write('\t'.join(['capture', 'frame.number'] + FIELDS) + '\n')
    for name in sorted(os.listdir(d)):
        if not name.endswith('.pcap'):
            continue
        out = subprocess.run(['tshark', '-r', os.path.join(d, name), '-Y', 'tcp.len > 0 && tcp.port == 445',
                              '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.payload'],
                             capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            num, _, hx = line.partition('\t')
            p = bytes.fromhex(hx.replace(':', ''))
            if len(p) < 8 or p[0] != 0 or p[4:8] not in (b'\xfeSMB', b'\xffSMB'):
                continue
            for i, pdu in enumerate(pdus(p)):
                print(f'{name}:{num}:{i} {pdu[:MAXLEN].hex()}', file=pdu_out)
        args = ['tshark', '-r', os.path.join(d, name), '-Y', 'smb2 || smb', '-T', 'fields',
                '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'frame.number']
        for f in FIELDS:
            args += ['-e', f]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            tsv_out.write(name + '\t' + line + '\n')

main(sys.argv[1], sys.argv[2])
