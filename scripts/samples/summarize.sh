#!/usr/bin/env bash
# summarize.sh [PCAP...] - print, per capture, the frames that matter:
# SMB2 command/status/dialect, SMB1 status (NTSTATUS, or the DOS form's
# error class/code), NTLMSSP message and user, Kerberos message
# types, errors and names, TCP resets.  Used to check the captures and to
# write samples/README.md.  Ports 4455/4456/4457 are decoded as SMB.
if [ $# -eq 0 ]; then
    cd "$(dirname "$0")/../../samples" || exit 1
    set -- *.pcap
fi
for f in "$@"; do
    echo "## $f ($(stat -c %s "$f") bytes, $(tshark -r "$f" 2>/dev/null | wc -l) frames)"
    tshark -r "$f" -d tcp.port==4455,nbss -d tcp.port==4456,nbss -d tcp.port==4457,nbss \
        -Y 'smb2 or smb or kerberos or ntlmssp or tcp.flags.reset==1' \
        -T fields -E separator='|' -E occurrence=a -E aggregator=';' \
        -e frame.number -e _ws.col.Protocol -e smb2.protocol_id -e smb2.cmd -e smb2.flags.response \
        -e smb2.nt_status -e smb.nt_status -e smb2.dialect -e ntlmssp.messagetype \
        -e ntlmssp.auth.username -e ntlmssp.auth.domain -e kerberos.msg_type \
        -e kerberos.error_code -e kerberos.CNameString -e kerberos.SNameString -e udp.port \
        -e tcp.flags.reset -e smb.flags2.nt_error -e smb.error_class -e smb.error_code 2>/dev/null |
    awk -F'|' '
    function first(x,  a) { split(x, a, ";"); return a[1] }
    {
        line=$1" "$2;
        if (first($3)=="0xfd534d42") line=line" TRANSFORM";
        if ($4!="") line=line" cmd="$4 (first($5)=="1"?" resp":" req");
        if ($6!="") line=line" status="$6;
        if ($7!="") line=line" smb1status="first($7);
        if (first($18)=="0" && first($19)!="") line=line" smb1dos="first($19)"/"first($20);
        if ($8!="") line=line" dialect="$8;
        if ($9!="") line=line" ntlmssp="first($9);
        if ($10!="") line=line" user="first($10);
        if ($11!="") line=line" domain="first($11);
        if ($12!="") line=line" krb_msg="$12;
        if ($13!="") line=line" krb_err="$13;
        if ($14!="") line=line" cname="$14;
        if ($15!="") line=line" sname="$15;
        if ($16!="" && $12!="") line=line" (udp)";
        if (first($17)=="1") line=line" RST";
        print "  "line }'
done
