#!/usr/bin/env bash
# make-samples.sh - recreate the sample captures in samples/ from real
# implementations (Samba smbd/smbclient, a Samba AD DC, impacket), all on
# loopback.  Run as root on Debian 12:
#
#   scripts/make-samples.sh            # every group
#   scripts/make-samples.sh smb krb    # only some groups
#
# Groups: smb (NTLM against smbd), krb (Kerberos against a Samba AD DC),
#         impacket, anon (anonymous/guest), fail (failure cases), ntlmv1
#         (refused NTLMv1 logons beside their evidence); not run by
#         default: more, enc, rare (the rarer finding codes, ~10 minutes),
#         link (NetBIOS on 139, Linux cooked v2, nanoseconds, pcapng),
#         files (file operations smbd refuses: a file in use, a full disk,
#         a read-only file system; mounts two small tmpfs),
#         probe (an HTTP request to smbd's port 445),
#         clock (a domain controller whose clock is off, under faketime),
#         logoff (LOGOFFs smbd refuses: another connection's SessionId, a
#         bad signature; logons after a LOGOFF on the same connection),
#         retry (wrong passwords followed by the right one: typed again,
#         after another user's logon, after ten wrong ones),
#         slow (a TREE_CONNECT answered after 2 s: the share's 'root
#         preexec' sleeps),
#         guess (password spraying: one password tried over many
#         accounts, against smbd and against the KDC, until one logs on),
#         krbfallback (an AP-REQ the server cannot decrypt, then the same
#         user's NTLM logon on the same connection),
#         smb1logoff (logons after a LOGOFF_ANDX against impacket's SMB1
#         server, which answers it with UID 0),
#         roast (Kerberos roasting against the AD DC: impacket's
#         GetNPUsers.py and GetUserSPNs.py -request, and MIT kinit of an
#         account that does not require pre-authentication),
#         smb1 (SMB1 logons: NTLMSSP in SPNEGO, and without SPNEGO; with
#         smb1dos: DOS-form errors, a file in use in both forms, too many
#         open files, and the MS17-010 check, smb1plain: a password sent
#         in clear, smb1files: file reads and writes, and smb1chain: a
#         TREE_CONNECT_ANDX chained to the SESSION_SETUP_ANDX,
#         each also alone),
#         smb1late (an SMB1 connection captured after its logon, whose
#         only SMB1 answers are errors),
#         smb1latetree (an SMB1 connection captured after its tree
#         connect: file traffic on the tree, then a tdis and a listing on
#         the TID it no longer has; impacket's requests on a TID after
#         its TREE_DISCONNECT),
#         setupsign (a SESSION_SETUP that requires signing on a connection
#         whose NEGOTIATE required none, and no message after it),
#         roastlate (Kerberoasting whose AS-REQ is not in the capture),
#         guessguest (the guess group's spray against smbd with 'map to
#         guest = bad user': unknown names get guest sessions),
#         smb2logoff (a LOGOFF impacket's SMB2 server answers with
#         SessionId 0, then a logon on the same connection; the same
#         smbclient commands against smbd),
#         sharegone (smbd closes a share in use: smbcontrol close-share),
#         clientstop (smbclient interrupted while its NTLMSSP AUTHENTICATE
#         waits for an answer a relay holds back),
#         rpcfault (DCE/RPC on smbd's srvsvc pipe that it refuses: a bind
#         of an unknown interface, an operation number out of range),
#         smb2late (SMB2 sessions and trees in use before the capture
#         began: smbclient on a share, rpcclient on IPC$),
#         smbexec (impacket's smbexec.py: a service created over svcctl
#         whose command line runs a command),
#         onesidedrop (a program put on C$, captured in the client's
#         direction alone).
#
# Addresses (loopback only):
#   127.0.0.2  smbd (standalone, tdbsam), port 445; silent listener :4455,
#              resetting proxy :4456
#   127.0.0.3  Samba AD DC (DC1.SAMPLES.SMBSCOPE.TEST), KDC on 88
#   127.0.0.4  impacket smbserver.py, port 445
#   127.0.0.5  udp_relay.py: UDP 88 relayed to the KDC, TCP 88 refused (rare)
#   127.0.0.8  reset_proxy.py in hold mode, port 445, to smbd (clientstop)
# The client side of every connection is 127.0.0.1.
#
# Nothing is written under /etc/samba or /var/lib/samba: every daemon gets its
# own config and state dirs under a temp dir, which is removed at the end
# (KEEP_TMP=1 keeps it; OUT=dir writes the captures elsewhere).  No /etc/hosts
# entry is needed.  What the script does touch outside that dir:
#   - installs missing packages with apt-get (idempotent);
#   - stops the distro's smbd/nmbd/winbind/samba-ad-dc services if running;
#   - creates the Unix users alice, bob and carol (no login shell, no home),
#     because a standalone smbd maps SMB users to Unix users;
#   - the AD DC's winbindd listens on /run/samba/winbindd/pipe (the only
#     place libwbclient looks), so no other winbindd may run meanwhile.
# Every daemon is stopped on exit, also on failure or Ctrl-C.
#
# Fixed credentials (documented in samples/README.md):
#   alice / Passw0rd!      bob / Bobs-Passw0rd!     carol / Carol-Passw0rd!
#   AD: Administrator / Adm1n-Passw0rd!, alice / Passw0rd!, jösé / Passw0rd!
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${OUT:-$ROOT/samples}
HELP=$HERE/samples
PY=/usr/bin/python3           # Debian's python, which has impacket

SMBD_IP=127.0.0.2
DC_IP=127.0.0.3
IMP_IP=127.0.0.4
REALM=SAMPLES.SMBSCOPE.TEST
DOMAIN=SAMPLES
DC_NAME=DC1
DC_FQDN=dc1.samples.smbscope.test

PW_ALICE='Passw0rd!'
PW_BOB='Bobs-Passw0rd!'
PW_CAROL='Carol-Passw0rd!'
PW_ADMIN='Adm1n-Passw0rd!'

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

log() { printf '\n=== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- packages
install_packages() {
    local pkgs=(samba smbclient samba-ad-dc samba-ad-provision winbind krb5-user tcpdump tshark
                python3-impacket python3-scapy python3-dpkt tcpreplay faketime
                ldb-tools iproute2 procps)
    local missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update
        apt-get install -y --no-install-recommends "${missing[@]}"
    fi
    # Debian starts the distro's own daemons on install; they listen on all
    # addresses and would collide with ours on 127.0.0.x:445/88.  (They are
    # stopped, not disabled, and not restarted afterwards.)
    for u in smbd nmbd winbind samba-ad-dc; do
        systemctl stop "$u" 2>/dev/null || true
    done
}

# ---------------------------------------------------------------- cleanup
T=$(mktemp -d /tmp/smbscope-samples.XXXXXX)
chmod 755 "$T"
PIDS=()          # daemons we started (process-group leaders where possible)
CAP_PID=

cleanup() {
    local rc=$? p
    set +e
    [ -n "$CAP_PID" ] && kill -INT "$CAP_PID" 2>/dev/null && wait "$CAP_PID" 2>/dev/null
    # every daemon was started by spawn() as the leader of its own process
    # group; its children (smbd workers, samba-dcerpcd, the DC's winbindd,
    # smbd and prefork workers) are in that group too
    for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null; done
    [ ${#PIDS[@]} -gt 0 ] && sleep 2
    for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    kill_detached
    ip netns del smbscope-tun 2>/dev/null; ip link del smbtun0 2>/dev/null  # group link
    for p in "$T/small" "$T/frozen"; do mountpoint -q "$p" && umount "$p"; done  # group files
    if [ -z "${KEEP_TMP:-}" ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Start a daemon in its own process group (setsid), remember its pid.
spawn() {  # spawn LOGFILE CMD...
    local logf=$1; shift
    setsid "$@" >"$logf" 2>&1 &
    PIDS+=($!)
    LAST_PID=$!
}

# samba-dcerpcd, which smbd starts on demand, makes itself a process group
# leader and so escapes unspawn().  Kill it and its rpcd_* workers: only
# processes whose command line names our temp dir.
kill_detached() {
    local p cmd
    for p in $(pgrep -f "$T/" 2>/dev/null); do
        cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
        case $cmd in
            *samba-dcerpcd*"$T/"*|*rpcd_*"$T/"*) kill -TERM "$p" 2>/dev/null ;;
        esac
    done
}

# Kill a process group we started earlier.
unspawn() {  # unspawn PID
    local p=$1 q keep=()
    kill -TERM -- "-$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    sleep 0.5                     # let the group's other members exit too
    kill -KILL -- "-$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
    for q in "${PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
    PIDS=("${keep[@]}")
}

wait_port() {  # wait_port IP PORT [SECONDS]
    local ip=$1 port=$2 n=${3:-60}
    for _ in $(seq $((n * 5))); do
        if ss -ltnH "src $ip:$port" 2>/dev/null | grep -q .; then return 0; fi
        sleep 0.2
    done
    echo "nothing listening on $ip:$port" >&2
    return 1
}

# ---------------------------------------------------------------- capture
# CAP_TCPDUMP: tcpdump's interface and format options (default: -i lo, the
# Ethernet link type, microseconds); group link changes it.
CAP_TCPDUMP=(-i lo)
cap_start() {  # cap_start NAME 'bpf filter'
    CAP_NAME=$1
    local f=$OUT/$1.pcap
    rm -f "$f"
    tcpdump -s 0 "${CAP_TCPDUMP[@]}" -U -B 131072 -Z root -w "$f" "$2" 2>"$T/tcpdump.$1.log" &
    CAP_PID=$!
    wait_log "$T/tcpdump.$1.log" 'listening on'
}

# Wait (10 s at most) until a capture tool's log says it listens, then a little more.
wait_log() {  # wait_log LOGFILE TEXT
    for _ in $(seq 100); do
        grep -q "$2" "$1" 2>/dev/null && break
        sleep 0.1
    done
    sleep 0.5
}

cap_stop() {
    sleep 1.5                          # let the last packets reach tcpdump
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    CAP_PID=
    echo "  -> $OUT/$CAP_NAME.pcap: $(tshark -r "$OUT/$CAP_NAME.pcap" 2>/dev/null | wc -l) frames" >&2
}

# capture NAME 'bpf filter' CMD...: run CMD while capturing into NAME.pcap.
# Packet capture on a busy loopback (notably under gVisor) now and then loses
# a segment without counting it as dropped; retry until tshark sees none.
capture() {
    local name=$1 filter=$2 try lost; shift 2
    for try in 1 2 3 4 5; do
        cap_start "$name" "$filter"
        "$@"
        cap_stop
        lost=$(tshark -r "$OUT/$name.pcap" -Y 'tcp.analysis.lost_segment or tcp.analysis.ack_lost_segment' 2>/dev/null | wc -l)
        [ "$lost" = 0 ] && return 0
        echo "  !! $lost lost segment(s) in the capture, retrying ($try)" >&2
    done
    echo "  !! $name.pcap still has lost segments" >&2
}

# ng_capture NAME 'bpf filter' CMD...: run CMD while dumpcap captures on lo
# into $T/NAME.pcapng (dumpcap's own pcapng writer).
ng_capture() {
    local name=$1 filter=$2; shift 2
    rm -f "$T/$name.pcapng"
    dumpcap -q -i lo -f "$filter" -w "$T/$name.pcapng" 2>"$T/dumpcap.$name.log" &
    CAP_PID=$!
    wait_log "$T/dumpcap.$name.log" 'Capturing on'
    "$@"
    sleep 1.5
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    CAP_PID=
}

# Run a client command, log it, never fail the script because the client
# (expectedly) failed.
run() {
    echo "+ $*" >&2
    "$@" 2>&1 | sed 's/^/    | /' >&2 || true
}

# ================================================================ smbd
SMBD_PID=
smbd_conf() {  # smbd_conf [extra global lines...]
    local d=$T/smbd
    mkdir -p "$d"/{private,lock,state,cache,run,log,ncalrpc} "$T/share" "$T/public" "$T/restricted" "$T/secret"
    chmod 777 "$T/share" "$T/public" "$T/restricted" "$T/secret"
    {
        cat <<EOF
[global]
    workgroup = SAMPLES
    netbios name = FILESRV
    server string = smbscope sample server
    server role = standalone server
    interfaces = $SMBD_IP/8
    bind interfaces only = yes
    smb ports = 445
    disable netbios = yes
    private dir = $d/private
    lock directory = $d/lock
    state directory = $d/state
    cache directory = $d/cache
    pid directory = $d/run
    ncalrpc dir = $d/ncalrpc
    log file = $d/log/log.%m
    log level = 1
    passdb backend = tdbsam:$d/private/passdb.tdb
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
    map to guest = bad user
    guest account = nobody
    server min protocol = SMB2_02
EOF
        for l in "$@"; do echo "    $l"; done
        cat <<EOF

[share]
    path = $T/share
    read only = no

[public]
    path = $T/public
    read only = yes
    guest ok = yes

[restricted]
    path = $T/restricted
    read only = no
    valid users = bob

[secret]
    path = $T/secret
    read only = no
    smb encrypt = required
EOF
        # more shares (group files)
        [ -z "${SMBD_SHARES:-}" ] || printf '\n%s\n' "$SMBD_SHARES"
    } >"$d/smb.conf"
    SMBCONF=$d/smb.conf
}

smbd_start() {  # smbd_start [extra global lines...]
    smbd_stop
    smbd_conf "$@"
    spawn "$T/smbd/log/stdout" smbd --foreground --no-process-group -s "$SMBCONF"
    SMBD_PID=$LAST_PID
    wait_port $SMBD_IP 445
}

# relay_start LOG IP PORT [MODE]: reset_proxy.py listening on IP:PORT and
# relaying to smbd's port 445 (MODE: its default reset, fin or hold), up and
# listening; its PID in LAST_PID.
relay_start() {
    spawn "$1" $PY "$HELP/reset_proxy.py" "$2" "$3" $SMBD_IP 445 ${4:+"$4"}
    wait_port "$2" "$3"
}

smbd_stop() {
    if [ -n "$SMBD_PID" ]; then
        unspawn "$SMBD_PID"
        SMBD_PID=
        kill_detached
        sleep 0.5
    fi
}

smbd_users() {
    smbd_conf
    local u
    for u in alice bob carol; do
        id "$u" >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$u"
    done
    printf '%s\n%s\n' "$PW_ALICE" "$PW_ALICE" | smbpasswd -c "$SMBCONF" -s -a alice >/dev/null
    printf '%s\n%s\n' "$PW_BOB" "$PW_BOB" | smbpasswd -c "$SMBCONF" -s -a bob >/dev/null
    printf '%s\n%s\n' "$PW_CAROL" "$PW_CAROL" | smbpasswd -c "$SMBCONF" -s -a carol >/dev/null
    echo "hello from the public share" >"$T/public/readme.txt"
    echo "hello from the share" >"$T/share/hello.txt"
}

# smbclient with a private, empty client config so /etc/samba/smb.conf does
# not leak into the captures.
CLIENT_CONF=$T/client.conf
client_conf() {
    cat >"$CLIENT_CONF" <<EOF
[global]
    workgroup = SAMPLES
    netbios name = CLIENT1
    realm = SAMPLES.SMBSCOPE.TEST
    client min protocol = SMB2_02
    name resolve order = host
    lock directory = $T/client
    state directory = $T/client
    cache directory = $T/client
    private dir = $T/client
    ncalrpc dir = $T/client/ncalrpc
EOF
    mkdir -p "$T/client/ncalrpc"
}
smbc() { run smbclient -s "$CLIENT_CONF" -t 10 "$@"; }

# ---------------------------------------------------------------- group smb
# alice puts a 3 MiB file on 'share' and reads it back, captured into
# $OUT/NAME.pcap (smbd running)
copy_round_trip() {  # copy_round_trip NAME
    local F=$T/payload.bin
    # compressible on purpose: keeps the committed capture cheap in git
    (yes 'smbscope sample payload: 3 MiB of this line, put and read back' || true) |
        head -c $((3 * 1024 * 1024)) >"$F"
    capture "$1" "host $SMBD_IP" smbc //$SMBD_IP/share -U "alice%$PW_ALICE" \
        -c "put $F payload.bin; get payload.bin $T/payload.back; rm payload.bin; ls"
    cmp "$F" "$T/payload.back" && echo "  copy round trip ok" >&2
}

# A capture that ends while the server still owes its answer to a logon:
# ntlm-wrong-password.pcap up to its NTLMSSP AUTHENTICATE (frame 10 in the
# committed file), without the server's STATUS_LOGON_FAILURE after it.
# editcap -r keeps those frames as they are (a byte-for-byte prefix of the
# file).
capture_ends_before_logon_answer() {
    local src=$OUT/ntlm-wrong-password.pcap auth
    auth=$(tshark -r "$src" -Y 'ntlmssp.messagetype == 3' -T fields -e frame.number | head -1)
    editcap -F pcap -r "$src" "$OUT/capture-ends-before-logon-answer.pcap" "1-$auth"
}
group_smb() {
    log "group smb: NTLM against smbd on $SMBD_IP"
    smbd_users
    smbd_start
    local H="host $SMBD_IP"

    copy_round_trip ntlm-success-copy
    capture ntlm-wrong-password "$H" smbc //$SMBD_IP/share -U 'alice%WrongPassw0rd' -c 'ls'
    capture_ends_before_logon_answer
    capture ntlm-bad-share "$H" smbc //$SMBD_IP/nosuchshare -U "alice%$PW_ALICE" -c 'ls'
    capture ntlm-smb202 "$H" smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -m SMB2_02 -c 'ls'
    capture ntlm-smb311 "$H" smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -m SMB3_11 -c 'ls'
    capture ntlm-smb311-encrypted "$H" smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -m SMB3_11 \
        --client-protection=encrypt -c 'ls; get hello.txt /dev/null'
    smbd_stop
}

# ================================================================ AD DC
# A Samba AD DC for SAMPLES.SMBSCOPE.TEST on 127.0.0.3.  Its name needs no
# /etc/hosts entry: smbclient gets the address with -I and builds the SPN
# from the name in the UNC (cifs/dc1.samples.smbscope.test), and the
# private krb5.conf names the KDC by address.
#
# The one shared path: the DC's winbindd must use the compiled-in socket
# directory /run/samba/winbindd (libwbclient, which smbd uses to map SIDs to
# uids, ignores any other setting), so no other winbindd may run meanwhile.
DC_PID=
DCD=$T/dc
DCCONF=$DCD/etc/smb.conf
export KRB5_CONFIG=$T/krb5.conf
export KRB5CCNAME=FILE:$T/krb5cc

dc_provision() {
    [ -f "$DCD/private/sam.ldb" ] && return 0
    log "provisioning the AD DC in $DCD"
    mkdir -p "$DCD"
    # an empty config, so that /etc/samba/smb.conf is not merged in
    : >"$T/empty.conf"
    samba-tool domain provision -s "$T/empty.conf" --targetdir="$DCD" \
        --realm=$REALM --domain=$DOMAIN --server-role=dc --dns-backend=NONE \
        --host-name=dc1 --host-ip=$DC_IP --adminpass="$PW_ADMIN" \
        --option="interfaces = $DC_IP/8" --option='bind interfaces only = yes' \
        --option='disable netbios = yes' >"$T/provision.log" 2>&1 ||
        { tail -30 "$T/provision.log" >&2; return 1; }
    mkdir -p "$DCD"/{run,log,share}
    chmod 777 "$DCD/share"
    echo "hello from the DC share" >"$DCD/share/hello.txt"
    cat >"$DCCONF" <<END_CONF
[global]
    netbios name = $DC_NAME
    realm = $REALM
    workgroup = $DOMAIN
    server role = active directory domain controller
    interfaces = $DC_IP/8
    bind interfaces only = yes
    smb ports = 445
    disable netbios = yes
    server services = s3fs, rpc, ldap, cldap, kdc, winbindd
    private dir = $DCD/private
    lock directory = $DCD
    state directory = $DCD/state
    cache directory = $DCD/cache
    binddns dir = $DCD/bind-dns
    pid directory = $DCD/run
    ncalrpc dir = $DCD/run/ncalrpc
    ntp signd socket directory = $DCD/run/ntp_signd
    log file = $DCD/log/log.%m
    log level = 1
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes

[sysvol]
    path = $DCD/state/sysvol
    read only = no

[netlogon]
    path = $DCD/state/sysvol/samples.smbscope.test/scripts
    read only = no

[share]
    path = $DCD/share
    read only = no
END_CONF
    cat >"$KRB5_CONFIG" <<END_CONF
[libdefaults]
    default_realm = $REALM
    dns_lookup_realm = false
    dns_lookup_kdc = false
    rdns = false
    dns_canonicalize_hostname = false
    forwardable = true

[realms]
    $REALM = {
        kdc = $DC_IP
        admin_server = $DC_IP
    }

[domain_realm]
    .samples.smbscope.test = $REALM
    samples.smbscope.test = $REALM
END_CONF
    local u
    samba-tool domain passwordsettings set -s "$DCCONF" --complexity=off \
        --account-lockout-threshold=3 --account-lockout-duration=30 \
        --reset-account-lockout-after=30 --max-pwd-age=20 >/dev/null
    for u in alice 'jösé' dave erin frank grace heidi ivan; do
        samba-tool user create "$u" "$PW_ALICE" -s "$DCCONF" >/dev/null
    done
    # judy: password set 30 days ago (domain max password age is 20 days)
    faketime -f '-30d' samba-tool user create judy "$PW_ALICE" -s "$DCCONF" >/dev/null
    samba-tool user disable dave -s "$DCCONF" >/dev/null
    samba-tool user setexpiry frank --days=0 -s "$DCCONF" >/dev/null
    local base
    base=$(ldbsearch -H "$DCD/private/sam.ldb" -s base -b '' defaultNamingContext 2>/dev/null |
           sed -n 's/^defaultNamingContext: //p')
    ldbmodify -H "$DCD/private/sam.ldb" >/dev/null <<END_LDIF
dn: CN=grace,CN=Users,$base
changetype: modify
replace: pwdLastSet
pwdLastSet: 0

dn: CN=heidi,CN=Users,$base
changetype: modify
replace: logonHours
logonHours:: AAAAAAAAAAAAAAAAAAAAAAAAAAAA

dn: CN=ivan,CN=Users,$base
changetype: modify
replace: userWorkstations
userWorkstations: OTHERPC
END_LDIF
}

dc_start() {
    dc_provision
    [ -n "$DC_PID" ] && return 0
    log "starting samba (AD DC) on $DC_IP${DC_FAKETIME:+ with its clock at $DC_FAKETIME}"
    # DC_FAKETIME (e.g. +1h): run the DC with a shifted clock (group rare)
    spawn "$DCD/log/stdout" ${DC_FAKETIME:+faketime -f "$DC_FAKETIME"} \
        samba --foreground --no-process-group -s "$DCCONF"
    DC_PID=$LAST_PID
    wait_port $DC_IP 88
    wait_port $DC_IP 445
    wait_port $DC_IP 389
    # let winbindd and the prefork workers settle
    for _ in $(seq 30); do
        smbclient -s "$CLIENT_CONF" //$DC_IP/share -U "alice%$PW_ALICE" -c 'ls' >/dev/null 2>&1 && break
        sleep 1
    done
}

dc_stop() {
    if [ -n "$DC_PID" ]; then unspawn "$DC_PID"; DC_PID=; fi
}

# A fresh ticket cache with a TGT for USER (outside any capture).
kinit_quiet() {  # kinit_quiet USER [PASSWORD]
    kdestroy -q 2>/dev/null || true
    echo "${2:-$PW_ALICE}" | kinit "$1" >/dev/null
}
kinit_run() {  # kinit_run USER PASSWORD
    echo "+ kinit $1 (password $2)" >&2
    echo "$2" | kinit "$1" 2>&1 | sed 's/^/    | /' >&2 || true
}

# A keytab with the DC's own principals, same kvno and enctypes, keys made
# from a wrong password: the server can no longer decrypt the tickets.
make_bad_keytab() {
    local p e
    rm -f "$T/bad.keytab"
    {
        for p in "HOST/dc1@$REALM" "HOST/$DC_FQDN@$REALM" "$DC_NAME\$@$REALM"; do
            for e in aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96 arcfour-hmac; do
                printf 'addent -password -p %s -k 1 -e %s\nNot-The-Key-1\n' "$p" "$e"
            done
        done
        printf 'wkt %s\nquit\n' "$T/bad.keytab"
    } | ktutil >/dev/null 2>&1
}

# ---------------------------------------------------------------- group krb
krb_success() {
    kinit_run alice "$PW_ALICE"
    smbc //$DC_FQDN/share -I $DC_IP --use-kerberos=required -U alice -N -c 'ls; get hello.txt /dev/null'
}
krb_unknown_spn() {
    smbc //alias.samples.smbscope.test/share -I $DC_IP --use-kerberos=required -U alice -N -c 'ls'
}
krb_fallback() {
    smbc //alias.samples.smbscope.test/share -I $DC_IP --use-kerberos=desired -U "alice%$PW_ALICE" -c 'ls'
}
krb_skew() {
    # the service ticket was fetched beforehand with the right time; the
    # client now runs one hour ahead, out of the server's 5 minute window
    echo "+ faketime -f +1h smbclient //$DC_FQDN/share --use-kerberos=required" >&2
    faketime -f '+1h' smbclient -s "$CLIENT_CONF" -t 10 //$DC_FQDN/share -I $DC_IP \
        --use-kerberos=required -U alice -N -c 'ls' 2>&1 | sed 's/^/    | /' >&2 || true
}
krb_bad_key() {
    cp "$DCD/private/secrets.keytab" "$T/secrets.keytab.good"
    cp "$T/bad.keytab" "$DCD/private/secrets.keytab"
    smbc //$DC_FQDN/share -I $DC_IP --use-kerberos=required -U alice -N -c 'ls'
    cp "$T/secrets.keytab.good" "$DCD/private/secrets.keytab"
}

group_krb() {
    log "group krb: Kerberos against the AD DC on $DC_IP"
    dc_start
    local H="host $DC_IP"
    kdestroy -q 2>/dev/null || true
    capture krb5-success "$H" krb_success
    kdestroy -q 2>/dev/null || true
    capture krb5-kinit-wrong-password "$H" kinit_run alice 'WrongPassw0rd'
    capture krb5-kinit-unknown-user "$H" kinit_run nosuchuser "$PW_ALICE"
    kinit_quiet alice
    capture krb5-unknown-spn "$H" krb_unknown_spn
    kinit_quiet alice
    capture krb5-fallback-ntlm "$H" krb_fallback
    kinit_quiet alice
    kvno cifs/$DC_FQDN >/dev/null
    capture krb5-ap-skew "$H" krb_skew
    make_bad_keytab
    kinit_quiet alice
    kvno cifs/$DC_FQDN >/dev/null
    capture krb5-ap-bad-server-key "$H" krb_bad_key
    kdestroy -q 2>/dev/null || true
    capture ntlm-dc-nonascii-user "$H" smbc //$DC_IP/share -U "jösé%$PW_ALICE" -c 'ls'
    kinit_quiet 'jösé'
    capture krb5-nonascii-user "$H" smbc //$DC_FQDN/share -I $DC_IP --use-kerberos=required -U 'jösé' -N -c 'ls'
    kdestroy -q 2>/dev/null || true
}

# ---------------------------------------------------------------- group impacket
IMPACKET_EX=/usr/share/doc/python3-impacket/examples
impacket_examples() {
    [ -f "$IMPACKET_EX/smbclient.py" ] && return 0
    # "slim" images drop /usr/share/doc at install time; take the example
    # scripts from the package file itself
    log "impacket examples missing from /usr/share/doc, extracting them from the .deb"
    mkdir -p "$T/impacket-deb"
    (cd "$T/impacket-deb" && apt-get download python3-impacket >/dev/null &&
        dpkg-deb -x python3-impacket_*.deb .)
    IMPACKET_EX=$T/impacket-deb/usr/share/doc/python3-impacket/examples
}

group_impacket() {
    log "group impacket"
    impacket_examples
    # impacket's smbclient.py (SMB1 negotiate offering SMB2, then SMB2) -> smbd
    smbd_users
    smbd_start
    printf 'shares\nuse share\nls\nexit\n' >"$T/impacket.cmds"
    capture impacket-client-ntlm-smbd "host $SMBD_IP" \
        run $PY "$IMPACKET_EX/smbclient.py" -file "$T/impacket.cmds" \
        "SAMPLES/alice:$PW_ALICE@$SMBD_IP"
    smbd_stop

    # impacket's smbclient.py with Kerberos (its own AS/TGS over TCP) -> AD DC.
    # impacket 0.10's TGS-REQ is refused by Samba 4.17's KDC with
    # KRB_AP_ERR_INAPP_CKSUM, so this is a failure sample.
    dc_start
    kdestroy -q 2>/dev/null || true
    printf 'use share\nls\nexit\n' >"$T/impacket-dc.cmds"
    capture impacket-client-krb5-dc-inapp-cksum "host $DC_IP" \
        run env -u KRB5CCNAME $PY "$IMPACKET_EX/smbclient.py" -file "$T/impacket-dc.cmds" -k \
        -dc-ip $DC_IP -target-ip $DC_IP "$REALM/alice:$PW_ALICE@$DC_FQDN"

    # smbclient -> impacket's smbserver.py on 127.0.0.4:445
    mkdir -p "$T/impshare"
    echo "hello from impacket" >"$T/impshare/hello.txt"
    spawn "$T/smbserver.log" $PY "$IMPACKET_EX/smbserver.py" -smb2support \
        -ip $IMP_IP -port 445 -username alice -password "$PW_ALICE" SHARE "$T/impshare"
    local imp=$LAST_PID
    wait_port $IMP_IP 445
    capture smbclient-impacket-server "host $IMP_IP" \
        smbc //$IMP_IP/SHARE -U "alice%$PW_ALICE" -c 'ls; get hello.txt /dev/null'
    capture smbclient-impacket-server-wrong-password "host $IMP_IP" \
        smbc //$IMP_IP/SHARE -U 'alice%WrongPassw0rd' -c 'ls'
    # the client insists on signing; impacket's NTLMSSP CHALLENGE does not
    # offer it, so smbclient gives up before AUTHENTICATE
    capture smbclient-impacket-server-signing-required "host $IMP_IP" \
        smbc //$IMP_IP/SHARE -U "alice%$PW_ALICE" --client-protection=sign -c 'ls'
    unspawn "$imp"
}

# ---------------------------------------------------------------- group anon
group_anon() {
    log "group anon: anonymous and guest sessions against smbd"
    smbd_users
    smbd_start
    capture anonymous-list-shares "host $SMBD_IP" smbc -U '%' -N -L //$SMBD_IP
    capture guest-bad-user "host $SMBD_IP" \
        smbc //$SMBD_IP/public -U 'mallory%anything' -c 'ls; get readme.txt /dev/null'
    smbd_stop
}

# ---------------------------------------------------------------- group fail
dc_ntlm() {  # dc_ntlm USER [PASSWORD]
    smbc //$DC_IP/share -U "$1%${2:-$PW_ALICE}" -c 'ls'
}
dc_lockout() {
    local i
    for i in 1 2 3; do dc_ntlm erin 'WrongPassw0rd'; done
    dc_ntlm erin
}

group_fail() {
    log "group fail: failure cases"
    smbd_users
    local H="host $SMBD_IP"

    # --- smbd with default settings
    smbd_start
    capture ntlm-access-denied-share "$H" smbc //$SMBD_IP/restricted -U "alice%$PW_ALICE" -c 'ls'
    capture ntlm-smb202-encryption-required "$H" \
        smbc //$SMBD_IP/secret -U "alice%$PW_ALICE" -m SMB2_02 -c 'ls'
    # the same share with an SMB 3.1.1 client: the server demands encryption
    # in the TREE_CONNECT response, the client complies
    capture ntlm-smb311-share-encryption-required "$H" \
        smbc //$SMBD_IP/secret -U "alice%$PW_ALICE" -c 'ls'
    capture smb1-client-vs-smb2-server "$H" \
        smbc //$SMBD_IP/share -U "alice%$PW_ALICE" \
        --option='client min protocol = NT1' -m NT1 -c 'ls'
    capture ntlmv1-rejected "$H" \
        smbc //$SMBD_IP/share -U "alice%$PW_ALICE" --option='client ntlmv2 auth = no' -c 'ls'

    # --- no common SMB2 dialect: server at most 2.1, client at least 3.0
    smbd_start 'server max protocol = SMB2_10'
    capture smb3-client-vs-smb21-server "$H" \
        smbc //$SMBD_IP/share -U "alice%$PW_ALICE" --option='client min protocol = SMB3' -c 'ls'

    # --- smbd that accepts NTLMv1
    smbd_start 'ntlm auth = yes'
    capture ntlmv1-accepted "$H" \
        smbc //$SMBD_IP/share -U "alice%$PW_ALICE" --option='client ntlmv2 auth = no' -c 'ls'

    # --- signing "mismatches": SMB2 has no way to switch signing off, so
    # both of these succeed, signed; see smbclient-impacket-server-signing-required
    # for a real failure.
    smbd_start 'server signing = disabled'
    capture signing-client-required-server-disabled "$H" \
        smbc //$SMBD_IP/share -U "alice%$PW_ALICE" --client-protection=sign -c 'ls'
    smbd_start 'server signing = mandatory'
    capture signing-server-mandatory-client-disabled "$H" \
        smbc //$SMBD_IP/share -U "alice%$PW_ALICE" --option='client signing = disabled' -c 'ls'
    smbd_stop

    # --- a server that accepts TCP and never answers (port 4455)
    spawn "$T/silent.log" $PY "$HELP/silent_listener.py" $SMBD_IP 4455 60
    local sl=$LAST_PID
    wait_port $SMBD_IP 4455
    capture no-smb-response-port4455 "host $SMBD_IP and port 4455" \
        smbc //$SMBD_IP/share -p 4455 -t 5 -U "alice%$PW_ALICE" -c 'ls'
    unspawn "$sl"

    # --- connection reset during session setup (relay on port 4456)
    smbd_start
    relay_start "$T/reset.log" $SMBD_IP 4456
    local rp=$LAST_PID
    capture reset-during-session-setup-port4456 "host $SMBD_IP and port 4456" \
        smbc //$SMBD_IP/share -p 4456 -U "alice%$PW_ALICE" -c 'ls'
    unspawn "$rp"
    smbd_stop

    # --- account restrictions on the AD DC: NTLM (SMB) and Kerberos (kinit)
    dc_start
    H="host $DC_IP"
    kdestroy -q 2>/dev/null || true
    capture ntlm-dc-account-disabled "$H" dc_ntlm dave
    capture krb5-kinit-account-disabled "$H" kinit_run dave "$PW_ALICE"
    capture ntlm-dc-account-expired "$H" dc_ntlm frank
    capture krb5-kinit-account-expired "$H" kinit_run frank "$PW_ALICE"
    capture ntlm-dc-password-must-change "$H" dc_ntlm grace
    capture krb5-kinit-password-must-change "$H" kinit_run grace "$PW_ALICE"
    capture ntlm-dc-password-expired "$H" dc_ntlm judy
    capture krb5-kinit-password-expired "$H" kinit_run judy "$PW_ALICE"
    capture ntlm-dc-invalid-logon-hours "$H" dc_ntlm heidi
    capture krb5-kinit-invalid-logon-hours "$H" kinit_run heidi "$PW_ALICE"
    capture ntlm-dc-invalid-workstation "$H" dc_ntlm ivan
    capture ntlm-dc-account-locked-out "$H" dc_lockout
    capture krb5-kinit-account-locked-out "$H" kinit_run erin "$PW_ALICE"
    kdestroy -q 2>/dev/null || true
}

# ---------------------------------------------------------------- group ipv6
# The same NTLM login over IPv6 loopback (::1): the public corpus has no IPv6 SMB.
group_ipv6() {
    log "group ipv6: NTLM against smbd on [::1]"
    smbd_users
    smbd_start "interfaces = $SMBD_IP/8 ::1/128"
    wait_port '[::1]' 445
    capture ntlm-ipv6-success "ip6 host ::1 and tcp port 445" \
        smbc //FILESRV/share -I ::1 -U "alice%$PW_ALICE" -c 'ls; get hello.txt /dev/null'
    # the server named by its address, as a user types it (smbclient and
    # mount.cifs take //::1/share; both refuse //[::1]/share): a share that
    # does not exist, so the TREE_CONNECT path is \\::1\nosuch
    capture ntlm-ipv6-bad-share "ip6 host ::1 and tcp port 445" \
        smbc //::1/nosuch -U "alice%$PW_ALICE" -c 'ls'
    # an anonymous client refused because every session must be encrypted
    # (as anonymous-encryption-required.pcap, over IPv6): the next step
    # names the server by its IPv6 address
    smbd_start "interfaces = $SMBD_IP/8 ::1/128" "server smb encrypt = required"
    wait_port '[::1]' 445
    capture anonymous-encryption-required-ipv6 "ip6 host ::1 and tcp port 445" \
        smbc -U '%' -N -L //::1
    smbd_stop
}

# ---------------------------------------------------------------- group link
# The capture formats, link types and NetBIOS packets of issue 2, each written
# by a real capture tool from real traffic (run alone: make-samples.sh link),
# and a connection refused at the TCP level:
#   - port 139: smbclient's NetBIOS session request and smbd's answers;
#   - tcpdump on the "any" device as Linux cooked v2, nanosecond time stamps;
#   - pcapng from dumpcap, and mergecap'd from two tcpdump files: two
#     interfaces with their own link type and time resolution, and two
#     sections (two dumpcap files, one after the other, as cat makes them).
TUN_NS=smbscope-tun
TUN_PID=
tun_up() {
    tun_down
    ip netns add $TUN_NS
    ip tuntap add dev smbtun0 mode tun
    ip netns exec $TUN_NS ip tuntap add dev smbtun1 mode tun
    spawn "$T/tun_pair.log" $PY "$HELP/tun_pair.py" $TUN_NS smbtun0 smbtun1 300
    TUN_PID=$LAST_PID
    sleep 0.5
    ip addr add 10.78.0.1/30 dev smbtun0
    ip -6 addr add fd78::1/64 dev smbtun0 nodad
    ip link set smbtun0 up
    ip netns exec $TUN_NS ip addr add 10.78.0.2/30 dev smbtun1
    ip netns exec $TUN_NS ip -6 addr add fd78::2/64 dev smbtun1 nodad
    ip netns exec $TUN_NS ip link set smbtun1 up
    ip netns exec $TUN_NS ip link set lo up
}
tun_down() {
    [ -n "$TUN_PID" ] && unspawn "$TUN_PID"
    TUN_PID=
    ip netns del $TUN_NS 2>/dev/null || true
    ip link del smbtun0 2>/dev/null || true
}
tun_logins() {  # over IPv4, then IPv6, from inside the namespace
    run ip netns exec $TUN_NS smbclient -s "$CLIENT_CONF" -t 10 //FILESRV/share -I 10.78.0.1 \
        -U "alice%$PW_ALICE" -c 'ls'
    run ip netns exec $TUN_NS smbclient -s "$CLIENT_CONF" -t 10 //FILESRV/share -I fd78::1 \
        -U "alice%$PW_ALICE" -c 'ls'
}
nbss_pair() {
    run $PY "$HELP/nbss_session.py" $SMBD_IP FILESRV 0x52
    run $PY "$HELP/nbss_session.py" $SMBD_IP FILESRV 0x00 keepalive
}
group_link() {
    log "group link: NetBIOS on 139, Linux cooked v2, nanoseconds, pcapng"
    smbd_users
    # smbd retargets (RFC 1002 4.3.5) a session request for RETARGET<20>
    # to $SMBD_IP:445 (its parametric option "netbios retarget:NAME")
    smbd_start "smb ports = 445 139" "disable netbios = no" \
        "netbios retarget:RETARGET = $SMBD_IP:445"
    wait_port $SMBD_IP 139
    local H="host $SMBD_IP"
    # smbclient asks for the name in the UNC; smbd answers a name that is not
    # its own with a negative session response and smbclient tries again as
    # *SMBSERVER
    capture ntlm-port139-netbios "$H and port 139" \
        smbc //FILESRV/share -I $SMBD_IP -p 139 -U "alice%$PW_ALICE" -c 'ls'
    # impacket as a client that smbd refuses (calling name type 'R'), then
    # one that it accepts and that sends a session keepalive
    capture nbss-negative-response-keepalive "$H and port 139" nbss_pair
    # a session request for RETARGET<20>: smbd answers with a retarget
    # session response and closes; smbclient does not follow it, and asks
    # again as *SMBSERVER on 139, where it logs in
    capture nbss-retarget-response "$H and port 139" \
        smbc //RETARGET/share -I $SMBD_IP -p 139 -U "alice%$PW_ALICE" -c 'ls'

    # Linux cooked v2 (the "any" device), nanosecond time stamps
    local login=(smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -c 'ls')
    CAP_TCPDUMP=(-i any -y LINUX_SLL2 --time-stamp-precision=nano)
    capture ntlm-sll2-nanosecond "$H and port 445" "${login[@]}"

    # a short snaplen (tcpdump -s 160): each frame keeps its headers and the
    # SMB2 header, and loses the rest (security blobs, most bodies)
    CAP_TCPDUMP=(-i lo -s 160)
    capture ntlm-snaplen-160 "$H and port 445" smbc //$SMBD_IP/share -U "alice%WrongPassw0rd" -c 'ls'

    # a capture stopped too early (tcpdump -c 9): its 9th packet is the
    # server's NTLMSSP CHALLENGE; the logon goes on, the capture does not
    CAP_TCPDUMP=(-i lo -c 9)
    capture capture-ends-mid-logon "$H and port 445" "${login[@]}"

    # pcapng, one section, two interfaces: Ethernet in microseconds (lo) and
    # Linux cooked v1 in nanoseconds (any), merged by mergecap
    local keep=$OUT
    OUT=$T
    CAP_TCPDUMP=(-i lo)
    capture if-lo "$H and port 445" "${login[@]}"
    CAP_TCPDUMP=(-i any -y LINUX_SLL --time-stamp-precision=nano)
    capture if-any "$H and port 139" smbc //FILESRV/share -I $SMBD_IP -p 139 -U "alice%$PW_ALICE" -c 'ls'
    CAP_TCPDUMP=(-i lo)
    OUT=$keep
    mergecap -F pcapng -w "$OUT/ntlm-pcapng-two-interfaces.pcapng" "$T/if-lo.pcap" "$T/if-any.pcap"

    # pcapng, two sections: two files of dumpcap's, one after the other
    ng_capture sec1 "$H and port 445" "${login[@]}"
    ng_capture sec2 "$H and port 445" smbc //$SMBD_IP/share -U "alice%WrongPassw0rd" -c 'ls'
    cat "$T/sec1.pcapng" "$T/sec2.pcapng" >"$OUT/ntlm-pcapng-two-sections.pcapng"
    smbd_stop

    # raw IP (LINKTYPE_RAW), as on a VPN's tun interface: smbd on 10.78.0.1
    # and fd78::1 (smbtun0), the client in a network namespace behind the
    # other end of the link (smbtun1), joined by tun_pair.py
    tun_up
    smbd_start "interfaces = $SMBD_IP/8 10.78.0.1/30 fd78::1/64"
    wait_port 10.78.0.1 445
    CAP_TCPDUMP=(-i smbtun0)
    capture ntlm-rawip-tun "host 10.78.0.1 or host fd78::1" tun_logins
    # nothing answers 10.79.0.9: the namespace routes it into the link, and
    # this host, which does not forward, drops it; smbclient's SYNs to 445
    # and 139 go unanswered until it gives up (NT_STATUS_IO_TIMEOUT)
    [ "$(cat /proc/sys/net/ipv4/ip_forward)" = 0 ] ||
        echo "  !! ip_forward is on: connection-unanswered may get answers" >&2
    ip netns exec $TUN_NS ip route add 10.79.0.0/24 dev smbtun1
    capture connection-unanswered "host 10.79.0.9" run ip netns exec $TUN_NS \
        smbclient -s "$CLIENT_CONF" -t 10 //10.79.0.9/share -U "alice%$PW_ALICE" -c 'ls'
    CAP_TCPDUMP=(-i lo)
    smbd_stop
    tun_down

    # nothing listens on 127.0.0.6: the kernel answers each SYN with a RST
    capture connection-refused "host 127.0.0.6" \
        smbc //127.0.0.6/share -U "alice%$PW_ALICE" -c 'ls'

    link_rewrites
}

# Formats no tool on this (little-endian, VLAN-less) machine writes while
# capturing: copies of the captures above, rewritten by capture libraries.
#   - big-endian byte order (a SPARC, POWER or s390x host's file):
#     byte_order.py, scapy's pcap writer and dpkt's pcapng blocks;
#   - QinQ: an 802.1Q tag (VLAN 100) and an outer 802.1ad tag (VLAN 200) put
#     on every frame by tcprewrite.
# Packets and time stamps stay the same, so each copy must read exactly like
# its source (tests/cli.rs checks it).
link_rewrites() {
    local o=$OUT
    $PY "$HELP/byte_order.py" pcap "$o/ntlm-port139-netbios.pcap" "$o/ntlm-port139-big-endian.pcap"
    $PY "$HELP/byte_order.py" pcap "$o/ntlm-sll2-nanosecond.pcap" \
        "$o/ntlm-sll2-nanosecond-big-endian.pcap"
    $PY "$HELP/byte_order.py" pcapng "$o/ntlm-pcapng-two-interfaces.pcapng" \
        "$o/ntlm-pcapng-big-endian.pcapng"
    # a big-endian section after dumpcap's two little-endian ones
    cat "$o/ntlm-pcapng-two-sections.pcapng" "$o/ntlm-pcapng-big-endian.pcapng" \
        >"$o/ntlm-pcapng-mixed-byte-order.pcapng"
    tcprewrite --infile="$o/ntlm-port139-netbios.pcap" --outfile="$T/vlan100.pcap" \
        --enet-vlan=add --enet-vlan-tag=100 --enet-vlan-pri=0 --enet-vlan-cfi=0
    tcprewrite --infile="$T/vlan100.pcap" --outfile="$o/ntlm-port139-qinq.pcap" \
        --enet-vlan=add --enet-vlan-tag=200 --enet-vlan-pri=0 --enet-vlan-cfi=0 \
        --enet-vlan-proto=802.1ad
    seq_wrap_copy
}

# A TCP sequence-number wrap-around on real traffic: group 1's copy
# (ntlm-success-copy.pcap in $OUT, or, when group smb has not written it
# there, the same copy made now; a 3 MB WRITE then a 3 MB READ) with every sequence
# and acknowledgment number moved by tcprewrite --tcp-sequence, whose shift
# is a pseudo-random function of its seed: the first seed that puts the
# client's 2^32 wrap between 200 kB and 2.9 MB into its stream (inside the
# WRITE's data) is taken. The client's segment that crosses 2^32 and the one
# after it then change places (editcap -r picks the frames, mergecap -a joins
# them in the new order), so the segment after the wrap arrives first and has
# to be held until the one before it comes. editcap -s 256 keeps 256 bytes of
# each frame (every header and the small messages whole; most of the 6 MB of
# file data goes), so the file stays small. Every message must still be
# found with the header fields of the source (tests/cli.rs).
seq_wrap_copy() {
    local src=$OUT/ntlm-success-copy.pcap one=$T/first.pcap w=$T/wrapped.pcap
    local isn k seq left cross after last keep
    if [ ! -f "$src" ]; then
        # group smb's copy is not in $OUT (link run alone into another
        # directory): make the same copy here, into the temp dir
        log "seq wrap: no $src; capturing group smb's copy into $T"
        smbd_start
        keep=$OUT
        OUT=$T
        copy_round_trip ntlm-success-copy
        OUT=$keep
        smbd_stop
        src=$T/ntlm-success-copy.pcap
    fi
    editcap -F pcap -r "$src" "$one" 1
    # the SYN's sequence number: classic pcap, Ethernet, IPv4 without options
    isn=$(od -An -tu4 --endian=big -j 78 -N4 "$one" | tr -d ' ')
    for k in $(seq 1 100000); do
        tcprewrite --infile="$one" --outfile="$T/seed.pcap" --tcp-sequence=$k
        seq=$(od -An -tu4 --endian=big -j 78 -N4 "$T/seed.pcap" | tr -d ' ')
        left=$(( (4294967296 - seq) % 4294967296 ))  # client bytes before the wrap
        [ $left -gt 200000 ] && [ $left -lt 2900000 ] && break
    done
    tcprewrite --infile="$src" --outfile="$w" --tcp-sequence=$k
    # the client's segment that crosses 2^32, and its next data segment
    read -r cross after < <(tshark -r "$w" -o tcp.relative_sequence_numbers:FALSE \
        -Y "tcp.srcport != 445 && tcp.len > 0" -T fields -e frame.number -e tcp.seq -e tcp.len |
        awk '$2 + $3 > 4294967296 && !c { c = $1; next } c { print c, $1; exit }')
    last=$(capinfos -c -M "$w" | awk '/Number of packets/ { print $NF }')
    log "seq wrap: ISN $isn, seed $k: the client's sequence wraps $left bytes in, in frame $cross; frame $after goes first"
    editcap -F pcap -r "$w" "$T/w1.pcap" "1-$((cross - 1))"
    editcap -F pcap -r "$w" "$T/w2.pcap" "$after"
    editcap -F pcap -r "$w" "$T/w3.pcap" "$cross-$((after - 1))"
    editcap -F pcap -r "$w" "$T/w4.pcap" "$((after + 1))-$last"
    mergecap -F pcap -a -w "$T/reordered.pcap" "$T/w1.pcap" "$T/w2.pcap" "$T/w3.pcap" "$T/w4.pcap"
    editcap -F pcap -s 256 "$T/reordered.pcap" "$OUT/ntlm-copy-seq-wrap-snaplen-256.pcap"
}

# ---------------------------------------------------------------- group more
# Cases added after the first set (run alone: scripts/make-samples.sh more).
krb_weak_etype() {  # kinit allowed only DES3 client-side: the KDC has no such key
    sed 's/^\[libdefaults\]$/[libdefaults]\n    allow_weak_crypto = true\n    default_tkt_enctypes = des3-cbc-sha1\n    permitted_enctypes = des3-cbc-sha1/' \
        "$KRB5_CONFIG" >"$T/krb5-weak.conf"
    kdestroy -q 2>/dev/null || true
    echo "+ kinit alice (des3-cbc-sha1 only)" >&2
    echo "$PW_ALICE" | KRB5_CONFIG=$T/krb5-weak.conf kinit alice 2>&1 | sed 's/^/    | /' >&2 || true
}
group_more() {
    log "group more: FIN during session setup, encryption against impacket (SMB 2.0.2), no common Kerberos etype"
    smbd_users
    # --- connection closed (FIN) by a relay during session setup (port 4457)
    smbd_start
    relay_start "$T/close.log" $SMBD_IP 4457 fin
    local cp=$LAST_PID
    capture close-during-session-setup-port4457 "host $SMBD_IP and port 4457" \
        smbc //$SMBD_IP/share -p 4457 -U "alice%$PW_ALICE" -c 'ls'
    unspawn "$cp"
    smbd_stop

    # --- client requires encryption, impacket's server speaks at most SMB 2.1
    impacket_examples
    mkdir -p "$T/impshare"
    spawn "$T/smbserver.log" $PY "$IMPACKET_EX/smbserver.py" -smb2support \
        -ip $IMP_IP -port 445 -username alice -password "$PW_ALICE" SHARE "$T/impshare"
    local imp=$LAST_PID
    wait_port $IMP_IP 445
    capture smbclient-encrypt-impacket-server "host $IMP_IP" \
        smbc //$IMP_IP/SHARE -U "alice%$PW_ALICE" --client-protection=encrypt -c 'ls'
    unspawn "$imp"

    # --- kinit limited to an enctype the KDC has no key for
    dc_start
    capture krb5-kinit-etype-nosupp "host $DC_IP" krb_weak_etype
    kdestroy -q 2>/dev/null || true
}

# ---------------------------------------------------------------- group probe
# Something that is not SMB talks to smbd's port 445 (an HTTP client, a
# port scanner's banner grab, an exploit): curl sends an HTTP request,
# smbd finds no SMB in it and closes; then smbclient logs on as usual.
probe_http_then_smb() {
    run curl -sS -m 5 -o /dev/null "http://$SMBD_IP:445/"
    smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -c 'ls'
}
group_probe() {
    log "group probe: an HTTP request to smbd's port 445, then an SMB logon"
    smbd_users
    smbd_start
    capture not-smb-http-to-445 "host $SMBD_IP" probe_http_then_smb
    smbd_stop
}

# ---------------------------------------------------------------- group smb1
# smbd that still speaks SMB1 (NT LM 0.12), smbclient held to it: logons with
# NTLMSSP inside SPNEGO (extended security, [MS-SMB] 2.2.4.6) and without
# SPNEGO (the account name in clear, [MS-CIFS] 2.2.4.53).
group_smb1() {
    log "group smb1: SMB1 session setups against smbd"
    smbd_users
    smbd_start 'server min protocol = NT1' 'ntlm auth = yes'
    local H="host $SMBD_IP" O="--option=client min protocol = NT1"
    capture smb1-ntlm-success "$H" \
        smbc //$SMBD_IP/share -m NT1 "$O" -U "alice%$PW_ALICE" -c 'get hello.txt /dev/null; ls'
    capture smb1-ntlm-wrong-password "$H" \
        smbc //$SMBD_IP/share -m NT1 "$O" -U 'alice%WrongPassw0rd' -c 'ls'
    capture smb1-ntlm-bad-share "$H" \
        smbc //$SMBD_IP/nosuchshare -m NT1 "$O" -U "alice%$PW_ALICE" -c 'ls'
    # without SPNEGO, smbd 4.17 answers an NTLMv2 response with
    # STATUS_INVALID_PARAMETER, so these two send NTLMv1
    local N1="--option=client ntlmv2 auth = no" NS="--option=client use spnego = no"
    capture smb1-no-spnego-ntlmv1 "$H" \
        smbc //$SMBD_IP/share -m NT1 "$O" "$NS" "$N1" -U "alice%$PW_ALICE" -c 'ls'
    capture smb1-no-spnego-wrong-password "$H" \
        smbc //$SMBD_IP/share -m NT1 "$O" "$NS" "$N1" -U 'bob%WrongPassw0rd' -c 'ls'
    # without SPNEGO and with the NTLMv2 response smbclient sends by
    # default: smbd refuses it ('raw NTLMv2 auth = no', its default)
    capture smb1-no-spnego-ntlmv2-refused "$H" \
        smbc //$SMBD_IP/share -m NT1 "$O" "$NS" -U "alice%$PW_ALICE" -c 'ls'
    capture smb1-anonymous-list "$H" smbc -m NT1 "$O" -U '%' -N -L //$SMBD_IP
    # a server that asks for plaintext passwords (SecurityMode without
    # NEGOTIATE_ENCRYPT_PASSWORDS): smbclient 4.17 refuses to send one, even
    # with 'client plaintext auth = yes', and sends no SESSION_SETUP
    smbd_start 'server min protocol = NT1' 'encrypt passwords = no'
    capture smb1-server-asks-plaintext "$H" \
        smbc //$SMBD_IP/share -m NT1 "$O" "$NS" -U "alice%$PW_ALICE" -c 'ls'
    # the same NTLMv2 logon without SPNEGO as smb1-no-spnego-ntlmv2-refused,
    # to a server that allows it: the setting is what refused it there
    smbd_start 'server min protocol = NT1' 'raw NTLMv2 auth = yes'
    capture smb1-no-spnego-ntlmv2-allowed "$H" \
        smbc //$SMBD_IP/share -m NT1 "$O" "$NS" -U "alice%$PW_ALICE" -c 'ls'
    smbd_stop
    group_smb1dos
    group_smb1plain
    group_smb1files
    group_smb1chain
}

# A client that does send its password in clear to such a server (impacket's
# login_standard); part of group smb1, or alone: make-samples.sh smb1plain.
group_smb1plain() {
    log "group smb1plain: a password sent in clear"
    smbd_users
    smbd_start 'server min protocol = NT1' 'encrypt passwords = no'
    capture smb1-plaintext-password "host $SMBD_IP" \
        run $PY "$HELP/smb1_flows.py" plaintext-logon $SMBD_IP alice "$PW_ALICE"
    smbd_stop
}

# SMB1 file reads and writes, counted on their trees ([MS-CIFS] 2.2.4.42,
# 2.2.4.43, 2.2.4.64, 2.2.4.41): smbclient puts and gets a file larger than
# 64 KiB (136 KiB), and impacket opens, reads and writes with OPEN_ANDX and AndX
# chains; part of group smb1, or alone: make-samples.sh smb1files.
group_smb1files() {
    log "group smb1files: SMB1 file reads and writes"
    smbd_users
    smbd_start 'server min protocol = NT1' 'ntlm auth = yes'
    local H="host $SMBD_IP" O="--option=client min protocol = NT1" F=$T/payload-smb1.bin
    (yes 'smbscope SMB1 sample payload' || true) | head -c $((136 * 1024)) >"$F"
    capture smb1-files-put-get "$H" \
        smbc //$SMBD_IP/share -m NT1 "$O" -U "alice%$PW_ALICE" \
        -c "put $F big.bin; get big.bin /dev/null; rm big.bin"
    capture smb1-files-andx "$H" run $PY "$HELP/smb1_flows.py" files $SMBD_IP alice "$PW_ALICE"
    smbd_stop
}

# A logon with a tree connect chained to it by AndX in the same message
# ([MS-CIFS] 2.2.3.4, 2.2.4.53, 2.2.4.55), as Windows NT 4.0 to XP and many
# NAS send it: to "share", then a file opened and read on its TID; and to a
# share that does not exist, the logon itself succeeding; part of group
# smb1, or alone: make-samples.sh smb1chain.
group_smb1chain() {
    log "group smb1chain: TREE_CONNECT_ANDX chained to SESSION_SETUP_ANDX"
    smbd_users
    smbd_start 'server min protocol = NT1' 'ntlm auth = yes'
    local H="host $SMBD_IP" F=$HELP/smb1_flows.py
    capture smb1-chained-tree-connect "$H" \
        run $PY "$F" chained-tree-connect $SMBD_IP alice "$PW_ALICE" share
    capture smb1-chained-tree-connect-bad-share "$H" \
        run $PY "$F" chained-tree-connect $SMBD_IP alice "$PW_ALICE" nosuchshare
    smbd_stop
}

# An SMB1 client without NT status codes, which smbd answers with DOS-form
# errors (ErrorClass/ErrorCode), and the MS17-010 check of scanners; part
# of group smb1, or alone: make-samples.sh smb1dos.
group_smb1dos() {
    log "group smb1dos: DOS-form SMB1 errors, the MS17-010 check"
    smbd_users
    smbd_start 'server min protocol = NT1' 'ntlm auth = yes'
    local H="host $SMBD_IP" F=$HELP/smb1_flows.py
    capture smb1-dos-wrong-password "$H" run $PY "$F" dos-logon $SMBD_IP alice WrongPassw0rd
    capture smb1-dos-bad-share-missing-file "$H" run $PY "$F" dos-logon $SMBD_IP alice "$PW_ALICE"
    capture smb1-ms17-010-check-smbd "$H" run $PY "$F" ms17-010-check $SMBD_IP
    # a file in use, in both forms: the holder's connection, a refused
    # open, a refused LOGOFF_ANDX (another connection's UID), searches
    # that match nothing
    capture smb1-dos-sharing-violation "$H" \
        run $PY "$F" sharing-violation $SMBD_IP dos alice "$PW_ALICE"
    capture smb1-sharing-violation "$H" \
        run $PY "$F" sharing-violation $SMBD_IP nt alice "$PW_ALICE"
    # too many open files in the DOS form: 'max open files = 101', the
    # least smbd takes (group files has the SMB2 case)
    smbd_start 'server min protocol = NT1' 'ntlm auth = yes' 'max open files = 101'
    capture smb1-dos-too-many-open-files "$H" \
        run $PY "$F" too-many-open $SMBD_IP alice "$PW_ALICE" 110
    smbd_stop
}

# ---------------------------------------------------------------- group enc
# smbd requires encryption for every session; the client is held to SMB 2.1,
# which cannot encrypt, or logs on anonymously, which leaves it no key.
group_enc() {
    log "group enc: server-wide encryption required against an SMB 2.1 client"
    smbd_users
    smbd_start "server smb encrypt = required"
    capture ntlm-smb21-server-encryption-required "host $SMBD_IP" \
        smbc //$SMBD_IP/share -m SMB2_10 -U "alice%$PW_ALICE" -c 'ls'
    # an anonymous client (SMB 3.1.1): an anonymous session has no key to
    # encrypt with, so smbd refuses it at session setup
    capture anonymous-encryption-required "host $SMBD_IP" smbc -U '%' -N -L //$SMBD_IP
    smbd_stop
}

# ---------------------------------------------------------------- group rare
# Cases for the rarer finding codes (run alone: scripts/make-samples.sh rare;
# about 10 minutes, most of it waiting for a service ticket to expire).
RELAY_IP=127.0.0.5     # udp_relay.py: Kerberos over UDP only, nothing on TCP 88
NOKDC_IP=127.0.0.7     # no KDC: nothing listens on TCP or UDP 88

# smbclient as a second user of the one connection 'share' allows, from ::1
# so that its traffic stays out of the capture (filter: host $SMBD_IP).
hold_share() {  # hold_share SECONDS: smbclient connected to share for SECONDS
    (sleep "$1"; echo exit) | smbclient -s "$CLIENT_CONF" //FILESRV/share -I ::1 \
        -U "alice%$PW_ALICE" >"$T/holder.log" 2>&1 &
    HOLDER=$!
    local _
    for _ in $(seq 50); do
        ss -tnH state established '( dport = :445 )' 2>/dev/null | grep -q '\[::1\]' && break
        sleep 0.2
    done
    sleep 1                    # let it finish its TREE_CONNECT to share
}

krb_udp_only() {  # kinit through a relay that passes UDP only
    sed "s/kdc = $DC_IP/kdc = $RELAY_IP/" "$KRB5_CONFIG" >"$T/krb5-udp.conf"
    kdestroy -q 2>/dev/null || true
    echo "+ kinit alice (KDC $RELAY_IP: UDP relay, TCP refused)" >&2
    echo "$PW_ALICE" | KRB5_CONFIG=$T/krb5-udp.conf kinit alice 2>&1 | sed 's/^/    | /' >&2 || true
}

krb_tcp_refused() {  # kinit preferring TCP to an address without a KDC
    sed -e "s/kdc = $DC_IP/kdc = $NOKDC_IP/" \
        -e 's/^\[libdefaults\]$/[libdefaults]\n    udp_preference_limit = 1/' "$KRB5_CONFIG" >"$T/krb5-tcp.conf"
    kdestroy -q 2>/dev/null || true
    echo "+ kinit alice (KDC $NOKDC_IP, udp_preference_limit = 1: TCP refused, then UDP unanswered)" >&2
    echo "$PW_ALICE" | KRB5_CONFIG=$T/krb5-tcp.conf kinit alice 2>&1 | sed 's/^/    | /' >&2 || true
}

krb_no_password() {  # kinit with nothing on stdin: it cannot read a password
    kdestroy -q 2>/dev/null || true
    echo "+ kinit alice </dev/null" >&2
    kinit alice </dev/null 2>&1 | sed 's/^/    | /' >&2 || true
}

krb_postdated() {  # a ticket valid from one hour on
    kdestroy -q 2>/dev/null || true
    echo "+ kinit -s 1h alice" >&2
    echo "$PW_ALICE" | kinit -s 1h alice 2>&1 | sed 's/^/    | /' >&2 || true
}

krb_smbclient() {  # krb_smbclient CCACHE: smbclient with Kerberos from CCACHE
    echo "+ KRB5CCNAME=$1 smbclient //$DC_FQDN/share --use-kerberos=required" >&2
    KRB5CCNAME=$1 smbclient -s "$CLIENT_CONF" -t 10 //$DC_FQDN/share -I $DC_IP \
        --use-kerberos=required -U alice -N -c 'ls' 2>&1 | sed 's/^/    | /' >&2 || true
}

wait_until() {  # wait_until EPOCH_SECONDS
    local left=$(( $1 - $(date +%s) ))
    if [ "$left" -gt 0 ]; then
        echo "  (waiting ${left} s)" >&2
        sleep "$left"
    fi
}

group_rare() {
    log "group rare: session deleted, tree connect limit, NEGOTIATE refused, NTLM probe, Protected Users, Kerberos edge cases"
    impacket_examples
    smbd_users
    local H="host $SMBD_IP" FLOWS=$HELP/impacket_flows.py

    # --- smbd (no DC running: the standalone smbd must not reach its winbindd)
    dc_stop
    smbd_start
    capture impacket-session-deleted-after-logoff "$H" \
        run $PY "$FLOWS" stale-session $SMBD_IP alice "$PW_ALICE"
    capture impacket-negotiate-311-no-context "$H" run $PY "$FLOWS" negotiate-no-context $SMBD_IP
    capture impacket-ntlm-probe "$H" run $PY "$FLOWS" ntlm-probe $SMBD_IP
    # a second channel bound to the session, logged off there (multichannel)
    smbd_start 'server signing = mandatory' 'server multi channel support = yes'
    capture impacket-multichannel-logoff-bound-channel "$H" \
        run $PY "$HELP/multichannel_logoff.py" $SMBD_IP alice "$PW_ALICE"
    # every share takes one connection; another smbclient holds 'share'
    smbd_start "interfaces = $SMBD_IP/8 ::1/128" 'max connections = 1'
    hold_share 15
    capture ntlm-tree-max-connections "$H" smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -c 'ls'
    wait "$HOLDER" 2>/dev/null || true
    smbd_stop

    # --- AD DC
    dc_start
    H="host $DC_IP"
    # Tickets with three minutes to live, used at the end. short.cc: a TGT
    # only; st.cc: the same TGT and a service ticket for cifs/DC.
    local t0
    KRB5CCNAME=FILE:$T/short.cc kdestroy -q 2>/dev/null || true
    echo "$PW_ALICE" | KRB5CCNAME=FILE:$T/short.cc kinit -l 3m alice >/dev/null
    t0=$(date +%s)
    cp "$T/short.cc" "$T/st.cc"
    KRB5CCNAME=FILE:$T/st.cc kvno cifs/$DC_FQDN >/dev/null

    # Protected Users may not use NTLM
    samba-tool user create kim "$PW_ALICE" -s "$DCCONF" >/dev/null
    samba-tool group addmembers 'Protected Users' kim -s "$DCCONF" >/dev/null
    capture ntlm-dc-protected-user "$H" dc_ntlm kim
    capture krb5-kinit-no-password "$H" krb_no_password
    capture krb5-kinit-postdated "$H" krb_postdated
    spawn "$T/udprelay.log" $PY "$HELP/udp_relay.py" $RELAY_IP 88 $DC_IP 88 60
    local ur=$LAST_PID
    sleep 1
    capture krb5-kinit-udp-only-kdc "host $RELAY_IP" krb_udp_only
    unspawn "$ur"
    # port 88 only: tshark decodes the AS-REQ inside the ICMP port unreachable
    capture krb5-kinit-tcp-refused "host $NOKDC_IP and port 88" krb_tcp_refused
    kdestroy -q 2>/dev/null || true

    # Samba's KDC refuses a TGT with two minutes or less left as expired;
    # MIT still uses it (it only refuses an expired one itself)
    wait_until $((t0 + 70))
    capture krb5-tgs-tgt-expiring "$H" krb_smbclient "FILE:$T/short.cc"

    # A ticket not yet valid: issued by the DC running one hour ahead (the
    # client too, for the pre-authentication), used once the DC is back on
    # time; the client's own clock is right.
    dc_stop
    DC_FAKETIME=+1h dc_start
    KRB5CCNAME=FILE:$T/future.cc kdestroy -q 2>/dev/null || true
    echo "$PW_ALICE" | KRB5CCNAME=FILE:$T/future.cc faketime -f +1h kinit alice >/dev/null
    KRB5CCNAME=FILE:$T/future.cc faketime -f +1h kvno cifs/$DC_FQDN >/dev/null
    dc_stop
    dc_start
    capture krb5-ap-ticket-not-yet-valid "$H" krb_smbclient "FILE:$T/future.cc"

    # The service ticket of st.cc is now past its end time and the server's
    # five minutes of allowed skew: impacket uses it as it is (MIT would not)
    printf 'use share\nls\nexit\n' >"$T/impacket-dc.cmds"
    wait_until $((t0 + 180 + 300 + 30))
    capture impacket-krb5-expired-ticket "$H" \
        run env KRB5CCNAME="$T/st.cc" $PY "$IMPACKET_EX/smbclient.py" -file "$T/impacket-dc.cmds" \
        -k -no-pass -dc-ip $DC_IP -target-ip $DC_IP "$REALM/alice@$DC_FQDN"
    kdestroy -q 2>/dev/null || true
}

# ---------------------------------------------------------------- group clock
# A domain controller whose clock is off (faketime), with the client and the
# capturing host on time: its KDC refuses the pre-authentication timestamp
# (KRB_AP_ERR_SKEW, stime 2 h 03 min ahead of the frame's time; smbclient
# then retries with the KDC's time, impacket does not), and its smbd refuses
# an AP-REQ whose ticket was issued while the DC was on time: KRB_AP_ERR_SKEW
# with the DC 2 h 03 min ahead, KRB_AP_ERR_TKT_NYV with it 2 h 03 min behind.
group_clock() {
    log "group clock: a domain controller with its clock 2 h 03 min ahead, then behind"
    impacket_examples
    local H="host $DC_IP"
    dc_stop
    dc_start
    # a TGT and a service ticket for cifs/DC, issued on time
    KRB5CCNAME=FILE:$T/ontime.cc kdestroy -q 2>/dev/null || true
    echo "$PW_ALICE" | KRB5CCNAME=FILE:$T/ontime.cc kinit alice >/dev/null
    KRB5CCNAME=FILE:$T/ontime.cc kvno cifs/$DC_FQDN >/dev/null
    dc_stop
    DC_FAKETIME=+7380 dc_start
    kdestroy -q 2>/dev/null || true
    # smbclient with a password (Samba's Heimdal): the KDC refuses the
    # pre-authentication timestamp, the client retries with the KDC's time
    # (stime) and logs on.  (MIT kinit takes the KDC's time from the
    # KDC_ERR_PREAUTH_REQUIRED already and meets no error.)
    capture krb5-kdc-clock-ahead "$H" \
        smbc //$DC_FQDN/share -I $DC_IP --use-kerberos=required -U "alice%$PW_ALICE" -c 'ls'
    # impacket's getTGT.py does not retry
    capture impacket-krb5-kdc-clock-ahead "$H" \
        run env -C "$T" $PY "$IMPACKET_EX/getTGT.py" -dc-ip $DC_IP "$REALM/alice:$PW_ALICE"
    kdestroy -q 2>/dev/null || true
    capture krb5-ap-server-clock-ahead "$H" krb_smbclient "FILE:$T/ontime.cc"
    dc_stop
    DC_FAKETIME=-7380 dc_start
    capture krb5-ap-server-clock-behind "$H" krb_smbclient "FILE:$T/ontime.cc"
    dc_stop
}

# ---------------------------------------------------------------- group logoff
# LOGOFFs smbd refuses, beside a file the session keeps open: one naming a
# session of another connection (STATUS_USER_SESSION_DELETED), one whose
# signature does not verify (signing required). Then, with default
# settings, logons after a LOGOFF on the same connection, one of them
# naming the logged-off session.
group_logoff() {
    log "group logoff: refused LOGOFFs with a file held open; logons after a LOGOFF"
    smbd_users
    smbd_start 'server signing = mandatory'
    capture impacket-logoff-refused "host $SMBD_IP" \
        run $PY "$HELP/impacket_flows.py" refused-logoff $SMBD_IP alice "$PW_ALICE" bob "$PW_BOB"
    smbd_start
    capture impacket-logoff-then-logons "host $SMBD_IP" \
        run $PY "$HELP/impacket_flows.py" logoff-relogon $SMBD_IP alice "$PW_ALICE" bob "$PW_BOB"
    smbd_stop
}

# ---------------------------------------------------------------- group rpcfault
group_rpcfault() {
    log "group rpcfault: a bind smbd refuses and a call it faults, on srvsvc"
    smbd_users
    smbd_start
    capture impacket-rpc-bind-refused-and-fault "host $SMBD_IP" \
        run $PY "$HELP/impacket_flows.py" rpc-refusals $SMBD_IP alice "$PW_ALICE"
    smbd_stop
}

# ---------------------------------------------------------------- group smbexec
# impacket's smbexec.py against smbd's svcctl pipe: it binds svcctl,
# ROpenSCManagerW, then RCreateServiceW whose lpBinaryPathName is the
# command line it runs (%COMSPEC% /Q /c echo cd ^> \\127.0.0.1\share\__output
# ...); what smbd answers is in the capture. alice is an 'admin users'
# account, so that the Service Control Manager lets her open it; smbd
# offers no encryption (impacket would encrypt, and the capture hide it).
group_smbexec() {
    log "group smbexec: impacket's smbexec.py against smbd's svcctl"
    impacket_examples
    smbd_users
    smbd_start "admin users = alice" "server smb encrypt = off"
    capture impacket-smbexec-svcctl "host $SMBD_IP" \
        run sh -c "echo exit | timeout 30 $PY '$IMPACKET_EX/smbexec.py' -share share -service-name BTOBTO 'SAMPLES/alice:$PW_ALICE@$SMBD_IP'"
    smbd_stop
}

# ---------------------------------------------------------------- group onesidedrop
# A program copied to a drive's administrative share, captured in the
# client's direction only (as a SPAN port copying one direction does):
# smbclient puts tool.exe (a copy of /usr/bin/true) on smbd's share C$
# (a share of that name, as Windows makes one of each drive); tcpdump keeps
# the packets from 127.0.0.1 to smbd alone. Not made with capture(), which
# would take the server's missing segments for losses and retry.
group_onesidedrop() {
    log "group onesidedrop: a program put on C\$, the client's direction alone"
    smbd_users
    SMBD_SHARES=$(printf '[C$]\n    path = %s\n    read only = no' "$T/share") \
        smbd_start "server smb encrypt = off"
    cp /usr/bin/true "$T/tool.exe"
    cap_start oneside-program-to-admin-share "src host 127.0.0.1 and dst host $SMBD_IP and tcp dst port 445"
    smbc "//$SMBD_IP/C\$" -U "alice%$PW_ALICE" -c "put $T/tool.exe tool.exe"
    cap_stop
    smbd_stop
}

# ---------------------------------------------------------------- group smb1logoff
# impacket's smbserver.py on $IMP_IP:445 sharing $T/impshare as SHARE,
# alice's password its only account; the extra flags (-smb2support) come
# first. Its pid is IMP_PID (unspawn it).
impacket_server_start() {
    impacket_examples
    mkdir -p "$T/impshare"
    echo 'hello from impacket' >"$T/impshare/hello.txt"
    spawn "$T/smbserver.log" $PY "$IMPACKET_EX/smbserver.py" "$@" \
        -ip $IMP_IP -port 445 -username alice -password "$PW_ALICE" SHARE "$T/impshare"
    IMP_PID=$LAST_PID
    wait_port $IMP_IP 445
}

# impacket's SMB1 server (smbserver.py without -smb2support) gives every
# logon UID 10 and answers a LOGOFF_ANDX with UID 0 in its header: alice
# logs on, lists and logs off three times on the same connection, the
# second logon's request with the logged-off UID.
group_smb1logoff() {
    log "group smb1logoff: logons after a LOGOFF_ANDX against impacket's SMB1 server"
    impacket_server_start
    capture smb1-impacket-server-logoff-relogon "host $IMP_IP" \
        run $PY "$HELP/smb1_flows.py" logoff-relogon $IMP_IP alice "$PW_ALICE"
    unspawn "$IMP_PID"
}

# impacket's SMB2 server (smbserver.py -smb2support) answers a LOGOFF with
# SessionId 0 in its header ([MS-SMB2] 3.3.5.6 has the server send the
# session's SessionId): smbclient lists the share, logs off, logs on again
# on the same connection (its 'logon' command) and lists it again.
# Alone: make-samples.sh smb2logoff.
group_smb2logoff() {
    log "group smb2logoff: a LOGOFF answered by impacket's SMB2 server, then a logon"
    impacket_server_start -smb2support
    capture smbclient-impacket-server-logoff-relogon "host $IMP_IP" \
        smbc //$IMP_IP/SHARE -U "alice%$PW_ALICE" -c "ls; logoff; logon alice $PW_ALICE; ls"
    unspawn "$IMP_PID"
    # The same against smbd, whose tree connects are the session's own:
    # smbclient's second session goes on with the first one's TreeId.
    smbd_users
    smbd_start
    capture smbclient-logoff-relogon-smbd "host $SMBD_IP" \
        smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -c "ls; logoff; logon alice $PW_ALICE; ls"
    smbd_stop
}

# ---------------------------------------------------------------- group sharegone
# smbd drops a tree connect in use: while smbclient waits between two
# listings (its commands read from a pipe), 'smbcontrol smbd close-share share'
# (as an administrator removing a share or forcing it closed does) closes
# every tree connect to the share, and the second listing is refused.
close_share_later() {
    sleep 1
    smbcontrol -s "$SMBCONF" smbd close-share share
}
# smbclient reading its commands from a pipe: a listing, 2 s, a listing.
two_listings_apart() {
    { echo ls; sleep 2; echo ls; } |
        smbclient -s "$CLIENT_CONF" -t 10 //$SMBD_IP/share -U "alice%$PW_ALICE" 2>&1 |
        sed 's/^/    | /' >&2
}
group_sharegone() {
    log "group sharegone: smbd closes a share while smbclient uses it"
    local closer
    smbd_users
    smbd_start
    close_share_later &
    closer=$!
    capture tree-closed-by-server "host $SMBD_IP" two_listings_apart
    wait "$closer"
    smbd_stop
}

# ---------------------------------------------------------------- group slow
# A slow TREE_CONNECT: the share's 'root preexec' command, which smbd runs
# as root when a client connects to the share and before it answers the
# TREE_CONNECT, sleeps 2 s (as a slow mount or a script would keep it).
group_slow() {
    log "group slow: a share whose root preexec takes 2 s"
    smbd_users
    SMBD_SHARES="[slow]
    path = $T/share
    read only = no
    root preexec = /bin/sleep 2"
    smbd_start
    capture tree-connect-slow-preexec "host $SMBD_IP" \
        smbc //$SMBD_IP/slow -U "alice%$PW_ALICE" -c 'ls'
    smbd_stop
    SMBD_SHARES=
}

# smbclient interrupted (SIGINT, as Ctrl-C sends, 2 s after it started)
# while its NTLMSSP AUTHENTICATE waits: the relay on 127.0.0.8:445 passes
# everything to smbd up to that request and nothing after it, and keeps the
# connection open, so the client is the side that closes it, well before its
# own timeout (-t 10).
HOLD_IP=127.0.0.8
group_clientstop() {
    log "group clientstop: smbclient interrupted while its AUTHENTICATE waits"
    smbd_users
    smbd_start
    relay_start "$T/hold.log" $HOLD_IP 445 hold
    local hp=$LAST_PID
    capture client-interrupted-during-session-setup "host $HOLD_IP" \
        run timeout -s INT -k 3 2 smbclient -s "$CLIENT_CONF" -t 10 \
        //$HOLD_IP/share -U "alice%$PW_ALICE" -c 'ls'
    unspawn "$hp"
    smbd_stop
}

# ---------------------------------------------------------------- group files
# File operations smbd refuses, each from a cause an administrator meets:
# a file another user has open, a full disk, a file system mounted
# read-only (as Linux does after disk errors). 'small' and 'frozen' are
# tmpfs mounts of 64 KiB and 1 MiB under $T; cleanup() unmounts them.

# alice opens report.txt (smbclient's `open`: read and write, shared for
# read and write but not delete) and keeps it open for a few seconds;
# meanwhile bob, on his own connection, tries to delete and to rename it.
files_in_use() {
    (echo 'open report.txt'; sleep 4; echo 'close 1'; echo exit) |
        smbclient -s "$CLIENT_CONF" -t 10 //$SMBD_IP/share -U "alice%$PW_ALICE" \
            2>&1 | sed 's/^/    | alice: /' >&2 &
    local holder=$!
    sleep 2
    smbc //$SMBD_IP/share -U "bob%$PW_BOB" -c 'rm report.txt; rename report.txt report-old.txt'
    wait "$holder" 2>/dev/null || true
}

# bob marks a file read-only (setmode +r: its DOS attribute) and then tries
# to delete it
files_read_only_attr() {
    smbc //$SMBD_IP/share -U "bob%$PW_BOB" -c 'put /etc/hostname contract.txt; setmode contract.txt +r; rm contract.txt'
}

# alice opens files one after another in one session, past the server's
# 'max open files'
files_too_many() {
    local cmds='' i
    for i in $(seq 1 104); do
        echo "file $i" >"$T/share/f$i.txt"
        chmod 666 "$T/share/f$i.txt"
        cmds+="open f$i.txt;"
    done
    smbc //$SMBD_IP/many -U "alice%$PW_ALICE" -c "$cmds"
}

group_files() {
    log "group files: a file in use, a full disk, a read-only file system"
    smbd_users
    mkdir -p "$T/small" "$T/frozen"
    mount -t tmpfs -o size=64k,mode=0777 smbscope-small "$T/small"
    mount -t tmpfs -o size=1m,mode=0777 smbscope-frozen "$T/frozen"
    echo "minutes of the last meeting" >"$T/frozen/minutes.txt"
    chmod 666 "$T/frozen/minutes.txt"
    mount -o remount,ro "$T/frozen"
    echo "quarterly report" >"$T/share/report.txt"
    chmod 666 "$T/share/report.txt"
    SMBD_SHARES="[small]
    path = $T/small
    read only = no

[frozen]
    path = $T/frozen
    read only = no" smbd_start
    local H="host $SMBD_IP" F=$T/payload2.bin
    (yes 'smbscope sample payload: 128 KiB for a 64 KiB disk' || true) | head -c $((128 * 1024)) >"$F"

    capture file-sharing-violation "$H" files_in_use
    capture file-disk-full "$H" smbc //$SMBD_IP/small -U "alice%$PW_ALICE" -c "put $F backup.bin"
    capture file-read-only-filesystem "$H" smbc //$SMBD_IP/frozen -U "alice%$PW_ALICE" \
        -c "put $T/share/report.txt report.txt; rm minutes.txt"
    capture file-read-only-attribute "$H" files_read_only_attr
    smbd_stop
    SMBD_SHARES="[many]
    path = $T/share
    read only = no" smbd_start 'max open files = 101'
    capture file-too-many-open-files "$H" files_too_many
    smbd_stop
    umount "$T/small" "$T/frozen"
}

# ---------------------------------------------------------------- group ntlmv1
# A refused NTLMv1 logon beside the evidence that tells its reason: the same
# user logged on with NTLMv2 first (the server refuses NTLMv1), or another
# user's NTLMv1 logon succeeded first (the server accepts NTLMv1: the
# password was wrong).
ntlmv2_then_ntlmv1() {
    smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -c 'ls'
    smbc //$SMBD_IP/share -U "alice%$PW_ALICE" --option='client ntlmv2 auth = no' -c 'ls'
}
ntlmv1_then_wrong_password() {
    smbc //$SMBD_IP/share -U "alice%$PW_ALICE" --option='client ntlmv2 auth = no' -c 'ls'
    smbc //$SMBD_IP/share -U "bob%Wrong-Passw0rd" --option='client ntlmv2 auth = no' -c 'ls'
}
group_ntlmv1() {
    log "group ntlmv1: refused NTLMv1 logons with and without NTLMv1 allowed"
    smbd_users
    local H="host $SMBD_IP"
    smbd_start
    capture ntlmv1-rejected-after-ntlmv2 "$H" ntlmv2_then_ntlmv1
    smbd_start 'ntlm auth = yes'
    capture ntlmv1-accepted-wrong-password "$H" ntlmv1_then_wrong_password
    smbd_stop
}

# ---------------------------------------------------------------- group retry
# Refused logons followed by the same user's own logon, each smbclient run
# a connection of its own: a wrong password typed again right; a wrong
# password, another user's logon, then the right one; ten wrong passwords
# in a row, then the right one (what a guessing run that succeeds looks
# like).
wrong_then_right() {
    smbc //$SMBD_IP/share -U "alice%WrongPassw0rd" -c 'ls'
    smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -c 'ls'
}
wrong_other_user_then_right() {
    smbc //$SMBD_IP/share -U "alice%WrongPassw0rd" -c 'ls'
    smbc //$SMBD_IP/share -U "bob%$PW_BOB" -c 'ls'
    smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -c 'ls'
}
guesses_then_right() {
    local i
    for i in $(seq 10); do
        smbc //$SMBD_IP/share -U "alice%Guess-$i" -c 'ls'
    done
    smbc //$SMBD_IP/share -U "alice%$PW_ALICE" -c 'ls'
}
group_retry() {
    log "group retry: wrong passwords, then the right one"
    smbd_users
    local H="host $SMBD_IP"
    smbd_start
    capture ntlm-wrong-then-right-password "$H" wrong_then_right
    capture ntlm-wrong-password-other-user-then-right "$H" wrong_other_user_then_right
    capture ntlm-ten-wrong-passwords-then-right "$H" guesses_then_right
    smbd_stop
}

# ---------------------------------------------------------------- group guess
# Password spraying, each attempt a connection (or a kinit) of its own: one
# password tried against many accounts, most of them names the server does
# not have, until an account whose password it is logs on. Against smbd
# with 'map to guest = never' (with 'bad user', its default here, smbd
# gives an unknown name a guest session instead of refusing it): Carol's
# password for ten other names (alice and bob exist, the others not), then
# for carol, who logs on. Against the AD DC's KDC: alice's password for
# Administrator and six names the domain does not have, then for alice,
# who gets a TGT. The DC's lockout threshold (3) is not reached: one
# attempt per account, as a sprayer does.
SPRAY_SMB_USERS='admin administrator alice backup bob test scanner svc_backup webadmin oracle'
SPRAY_KRB_USERS='Administrator backup test scanner svc_sql webadmin oracle'
spray_smb() {
    local u
    for u in $SPRAY_SMB_USERS carol; do
        smbc //$SMBD_IP/share -U "$u%$PW_CAROL" -c 'ls'
    done
}
spray_krb() {
    local u
    for u in $SPRAY_KRB_USERS alice; do
        kinit_run "$u" "$PW_ALICE"
    done
}
group_guess() {
    log "group guess: one password sprayed over many accounts"
    smbd_users
    smbd_start 'map to guest = never'
    capture ntlm-password-spray-then-success "host $SMBD_IP" spray_smb
    smbd_stop
    dc_start
    kdestroy -q 2>/dev/null || true
    capture krb5-kinit-password-spray-then-success "host $DC_IP" spray_krb
    kdestroy -q 2>/dev/null || true
    dc_stop
}

# The same spray against smbd at this script's default 'map to guest = bad
# user': the names smbd does not have get guest sessions (SUCCESS with
# IS_GUEST; 'share' is not 'guest ok', so their TREE_CONNECT is refused),
# only alice and bob, which exist, are refused. Alone: make-samples.sh
# guessguest.
group_guessguest() {
    log "group guessguest: a password spray that unknown names turn into guest sessions"
    smbd_users
    smbd_start
    capture ntlm-password-spray-guest-mapped "host $SMBD_IP" spray_smb
    smbd_stop
}

# ---------------------------------------------------------------- group krbfallback
# The server cannot decrypt the ticket (its keytab holds keys from a wrong
# password, as in krb5-ap-bad-server-key): the server refuses the AP-REQ
# and the client logs on again with NTLMSSP on the same connection, as
# Windows falls back to NTLM when the SPN or the server's key is wrong.
# smbclient --use-kerberos=desired does not do that (it falls back only
# when it cannot get a ticket, krb5-fallback-ntlm; a refused AP-REQ ends it
# with NT_STATUS_LOGON_FAILURE), so impacket_flows.py does, with the
# service ticket MIT's kvno gets in the capture (its TGS exchange names the
# client, alice@REALM).
krb_bad_key_fallback() {
    cp "$DCD/private/secrets.keytab" "$T/secrets.keytab.good"
    cp "$T/bad.keytab" "$DCD/private/secrets.keytab"
    run kvno cifs/$DC_FQDN
    run env KRB5CCNAME="$T/krb5cc" $PY "$HELP/impacket_flows.py" kerberos-then-ntlm $DC_IP alice "$PW_ALICE" $DOMAIN $REALM $DC_FQDN
    cp "$T/secrets.keytab.good" "$DCD/private/secrets.keytab"
}
group_krbfallback() {
    log "group krbfallback: a refused AP-REQ, then NTLM on the same connection"
    dc_start
    make_bad_keytab
    kinit_quiet alice
    capture krb5-ap-bad-server-key-then-ntlm "host $DC_IP" krb_bad_key_fallback
    kdestroy -q 2>/dev/null || true
    dc_stop
}

# ---------------------------------------------------------------- group roast
# Roasting (offline password cracking of Kerberos replies) against the AD DC.
# paul does not require Kerberos pre-authentication (userAccountControl
# |= UF_DONT_REQUIRE_PREAUTH 0x400000); svc_sql and svc_web are user
# accounts with an SPN.  impacket's GetNPUsers.py sends an AS-REQ without
# PA-ENC-TIMESTAMP, RC4 alone, for each name of a list (alice and svc_sql
# require pre-authentication, nosuchuser does not exist, paul gets an
# AS-REP).  Samba 4.17's Heimdal KDC asks every client to pre-authenticate
# unless its [kdc] require-preauth is false and the krbtgt entry, the
# AS-REQ's server, has the flag too (Heimdal's require_preauth_p: the
# config, the client's or the server's flag); both are set here, paul's
# flag then decides.  Kerberoasting: impacket 0.10's GetUserSPNs.py cannot
# run against Samba (its LDAP login is a Sicily NTLM bind, which Samba's
# LDAP server does not implement, and its TGS-REQ has no checksum in the
# authenticator, which the KDC refuses: KRB_AP_ERR_INAPP_CKSUM, see
# impacket-client-krb5-dc-inapp-cksum), so MIT kinit (AES offered) and
# kvno -e arcfour-hmac send the same requests: a TGS-REQ offering RC4
# alone for each SPN.  MIT kinit of paul is the ordinary logon of such an
# account: its AS-REQ (all enctypes, no pre-auth) gets the AS-REP.
ROAST_SPN_SQL=MSSQLSvc/sql.samples.smbscope.test:1433
ROAST_SPN_WEB=HTTP/web.samples.smbscope.test
roast_users() {
    local base u
    for u in paul svc_sql svc_web; do
        samba-tool user create "$u" "$PW_ALICE" -s "$DCCONF" >/dev/null
    done
    samba-tool spn add "$ROAST_SPN_SQL" svc_sql -s "$DCCONF" >/dev/null
    samba-tool spn add "$ROAST_SPN_WEB" svc_web -s "$DCCONF" >/dev/null
    base=$(ldbsearch -H "$DCD/private/sam.ldb" -s base -b '' defaultNamingContext 2>/dev/null |
           sed -n 's/^defaultNamingContext: //p')
    # 0x400200: UF_DONT_REQUIRE_PREAUTH | UF_NORMAL_ACCOUNT
    ldbmodify -H "$DCD/private/sam.ldb" >/dev/null <<END_LDIF
dn: CN=paul,CN=Users,$base
changetype: modify
replace: userAccountControl
userAccountControl: 4194816
END_LDIF
    printf '\n[kdc]\n    require-preauth = false\n' >>"$KRB5_CONFIG"
    ldbmodify -H "$DCD/private/sam.ldb" >/dev/null <<END_LDIF
dn: CN=krbtgt,CN=Users,$base
changetype: modify
replace: userAccountControl
userAccountControl: 4194818
END_LDIF
}
asrep_roast() {
    printf 'alice\npaul\nnosuchuser\nsvc_sql\n' >"$T/roast-users.txt"
    run $PY "$IMPACKET_EX/GetNPUsers.py" "$REALM/" -usersfile "$T/roast-users.txt" \
        -dc-ip $DC_IP -no-pass -format hashcat -outputfile "$T/asrep.hashes"
}
kerberoast() {
    kinit_run alice "$PW_ALICE"
    run kvno -e arcfour-hmac "$ROAST_SPN_SQL" "$ROAST_SPN_WEB"
}

group_roast() {
    log "group roast: AS-REP roasting and Kerberoasting against the AD DC on $DC_IP"
    impacket_examples
    dc_provision
    roast_users
    dc_start
    local H="host $DC_IP and port 88"
    kdestroy -q 2>/dev/null || true
    capture krb5-asrep-roasting "$H" asrep_roast
    kdestroy -q 2>/dev/null || true
    capture krb5-kerberoasting "$H" kerberoast
    capture krb5-kinit-no-preauth "$H" kinit_run paul "$PW_ALICE"
    kdestroy -q 2>/dev/null || true
    dc_stop
}

# Kerberoasting whose AS-REQ the capture lacks, as in a capture begun after
# the client's kinit: the TGT is fetched outside the capture (into its own
# cache, copied afresh for each try of capture()), and the capture holds
# only kvno -e arcfour-hmac's TGS-REQs offering RC4 alone for the two SPNs,
# fewer than the 10 of a sweep. Alone: make-samples.sh roastlate.
kerberoast_late() {
    cp "$T/roastlate.cc" "$T/roastlate-try.cc"
    KRB5CCNAME=FILE:$T/roastlate-try.cc run kvno -e arcfour-hmac "$ROAST_SPN_SQL" "$ROAST_SPN_WEB"
}

group_roastlate() {
    log "group roastlate: Kerberoasting without the client's AS-REQ in the capture"
    dc_provision
    roast_users
    dc_start
    echo "$PW_ALICE" | KRB5CCNAME=FILE:$T/roastlate.cc kinit alice >/dev/null
    capture krb5-kerberoasting-no-as-req "host $DC_IP and port 88" kerberoast_late
    dc_stop
}

# An SMB1 connection the capture joins after its NEGOTIATE and logon, as a
# capture begun late does, whose only SMB1 answers are errors: smbclient
# (SMB1) logs on and connects to share outside the capture, then, inside
# it, is given 'cd nosuchdir' and 'get nosuchfile' (refused by smbd: in the
# sample only the cd's NT_CREATE_ANDX, STATUS_OBJECT_NAME_NOT_FOUND, got out
# in time), and is killed before its keepalive SMBecho (every 5 s of idle
# stdin) and before a TREE_DISCONNECT.
# Alone: make-samples.sh smb1late.
group_smb1late() {
    log "group smb1late: an SMB1 connection captured after its logon, errors only"
    smbd_users
    smbd_start 'server min protocol = NT1' 'ntlm auth = yes'
    local fifo=$T/smb1late.fifo cli _
    rm -f "$fifo"
    mkfifo "$fifo"
    smbclient -s "$CLIENT_CONF" -t 10 //$SMBD_IP/share -m NT1 \
        "--option=client min protocol = NT1" -U "alice%$PW_ALICE" \
        <"$fifo" >"$T/smb1late.log" 2>&1 &
    cli=$!
    exec 3>"$fifo"
    for _ in $(seq 50); do
        grep -q 'Try "help"' "$T/smb1late.log" 2>/dev/null && break
        sleep 0.1
    done
    cap_start smb1-capture-after-logon-errors-only "host $SMBD_IP"
    echo 'cd nosuchdir' >&3
    echo 'get nosuchfile /dev/null' >&3
    sleep 0.5
    kill -KILL "$cli" 2>/dev/null || true
    wait "$cli" 2>/dev/null || true
    exec 3>&-
    cap_stop
    sed 's/^/    | /' "$T/smb1late.log" >&2
    smbd_stop
}

# An SMB1 connection captured after its logon and tree connect, with file
# traffic on the tree: smbclient held to NT1 logs on and connects to share
# before the capture starts (reading its commands from a FIFO); inside the
# capture it puts a 100000-byte file, gets it back, lists the folder and
# removes it, then disconnects the tree (tdis) and lists again on the TID it
# no longer has; killed before any keepalive or LOGOFF_ANDX. Then
# impacket's SMB1 client (smb1_flows.py stale-tid), with NT status codes and
# in the DOS form, sends requests on the TID of a tree it disconnected.
# Alone: make-samples.sh smb1latetree.
group_smb1latetree() {
    log "group smb1latetree: an SMB1 tree in use, its connect before the capture"
    smbd_users
    smbd_start 'server min protocol = NT1' 'ntlm auth = yes'
    local fifo=$T/smb1latetree.fifo cli _ F=$T/payload-late.bin
    (yes 'smbscope SMB1 late tree' || true) | head -c 100000 >"$F"
    rm -f "$fifo"
    mkfifo "$fifo"
    smbclient -s "$CLIENT_CONF" -t 10 //$SMBD_IP/share -m NT1 \
        "--option=client min protocol = NT1" -U "alice%$PW_ALICE" \
        <"$fifo" >"$T/smb1latetree.log" 2>&1 &
    cli=$!
    exec 3>"$fifo"
    for _ in $(seq 50); do
        grep -q 'Try "help"' "$T/smb1latetree.log" 2>/dev/null && break
        sleep 0.1
    done
    cap_start smb1-capture-after-tree-connect "host $SMBD_IP"
    # One command at a time: smbclient reads its input in blocks and runs
    # one line of a block.
    local c
    for c in "put $F late.bin" 'get late.bin /dev/null' ls 'rm late.bin' tdis ls; do
        echo "$c" >&3
        sleep 0.5
    done
    kill -KILL "$cli" 2>/dev/null || true
    wait "$cli" 2>/dev/null || true
    exec 3>&-
    cap_stop
    sed 's/^/    | /' "$T/smb1latetree.log" >&2
    local form
    for form in nt dos; do
        capture "smb1-${form}-stale-tid" "host $SMBD_IP" \
            run $PY "$HELP/smb1_flows.py" stale-tid $SMBD_IP "$form" alice "$PW_ALICE"
    done
    smbd_stop
}

# A session whose SESSION_SETUP requires signing (SecurityMode
# SIGNING_REQUIRED) on a connection whose NEGOTIATE required none on either
# side, and no message after its setup: impacket logs on to smbd (server
# signing at its default, not required) and closes the connection.
# Alone: make-samples.sh setupsign.
group_setupsign() {
    log "group setupsign: a SESSION_SETUP that requires signing, no message after it"
    smbd_users
    smbd_start
    capture impacket-setup-requires-signing "host $SMBD_IP" \
        run $PY "$HELP/impacket_flows.py" setup-requires-signing $SMBD_IP alice "$PW_ALICE"
    smbd_stop
}

# SMB2 sessions and trees in use before the capture began (tcpdump started
# on a mount in use): smbclient logs on to the share and rpcclient to IPC$,
# rpcclient runs srvinfo (it opens the srvsvc pipe), then the capture starts
# and each goes on: ls on the share; netshareenum on the srvsvc pipe it
# keeps open (an FSCTL_PIPE_TRANSCEIVE on a FileId of the capture's unseen
# IPC$ tree) and lsaquery (a CREATE of the lsarpc pipe on it).
# Alone: make-samples.sh smb2late.
group_smb2late() {
    log "group smb2late: SMB2 sessions and trees in use before the capture began"
    smbd_users
    smbd_start
    local share=$T/smb2late-share.fifo rpc=$T/smb2late-rpc.fifo cli rpcc _
    rm -f "$share" "$rpc"
    mkfifo "$share" "$rpc"
    smbclient -s "$CLIENT_CONF" -t 10 //$SMBD_IP/share -U "alice%$PW_ALICE" \
        <"$share" >"$T/smb2late-share.log" 2>&1 &
    cli=$!
    exec 3>"$share"
    rpcclient -s "$CLIENT_CONF" -U "alice%$PW_ALICE" $SMBD_IP \
        <"$rpc" >"$T/smb2late-rpc.log" 2>&1 &
    rpcc=$!
    exec 4>"$rpc"
    echo 'srvinfo' >&4
    for _ in $(seq 50); do
        grep -q 'Try "help"' "$T/smb2late-share.log" 2>/dev/null \
            && grep -q 'platform_id' "$T/smb2late-rpc.log" 2>/dev/null && break
        sleep 0.1
    done
    cap_start smb2-capture-after-logon "host $SMBD_IP"
    echo 'ls' >&3
    echo 'netshareenum' >&4
    sleep 0.5
    echo 'lsaquery' >&4
    sleep 0.5
    kill -KILL "$cli" "$rpcc" 2>/dev/null || true
    wait "$cli" "$rpcc" 2>/dev/null || true
    exec 3>&- 4>&-
    cap_stop
    sed 's/^/    | /' "$T/smb2late-share.log" "$T/smb2late-rpc.log" >&2
    smbd_stop
}

# ================================================================ main
install_packages
mkdir -p "$OUT"
client_conf
GROUPS_TO_RUN=("$@")
[ ${#GROUPS_TO_RUN[@]} -gt 0 ] || GROUPS_TO_RUN=(smb krb impacket anon fail ntlmv1 ipv6)
for g in "${GROUPS_TO_RUN[@]}"; do
    "group_$g"
done
log "done; captures in $OUT"
