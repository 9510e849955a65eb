#!/usr/bin/env bash
# bench.sh - throughput and peak memory of `smbscope messages` on large
# captures built from the project's own samples, against `cat` (the speed of
# reading the file) and tshark (the reference dissector).
#
#   scripts/bench.sh [options] [DATA_DIR]
#
# DATA_DIR (or $SMBSCOPE_BENCH_DIR; default /tmp/smbscope-bench) holds the
# generated captures; they are reused by later runs. Nothing is written in
# the repository unless --update is given.
#
# Options:
#   --big              also build and measure the 4 GiB session-heavy capture
#                      (the memory check: peak RSS must not grow with size)
#   --runs N           timed runs per command (default 3; the median is reported)
#   --mib N            size of the main captures in MiB (default 1024; a
#                      smaller one makes a quick check of the script)
#   --formats LIST     smbscope output formats to time, comma-separated
#                      (default jsonl; e.g. jsonl,text)
#   --bin PATH         benchmark this smbscope binary (no cargo build)
#   --baseline PATH    also time this other smbscope binary in the same runs
#                      (e.g. a build of an older commit), interleaved
#   --no-tshark        skip the tshark comparison
#   --no-report        skip the report timing (by default `smbscope report
#                      FILE --format F` runs in the same rounds, compared with
#                      `messages --format jsonl`; the target is at most 1.5x)
#   --report-formats L report formats to time (default text,json,jsonl)
#   --stages           also time the stages of `messages --format jsonl` on
#                      their own: a second build with the bench-stages
#                      feature (target/bench-stages) stops after the pipeline
#                      (capture, net, tcp, framing, pairing) or after decoding
#                      (SMBSCOPE_BENCH_STAGE=pipeline|decode), in the same
#                      rounds; the table gives each stage's CPU and x cat
#   --update FILE      replace the results block of FILE (e.g. BENCHMARKS.md)
#                      between the bench:results markers, or append it
#   --clean            delete DATA_DIR's generated captures at the end
#
# Captures (Ethernet, classic pcap; made by ../shared/tools/pcap-amplify,
# every copy a distinct set of TCP connections):
#   session-1g   all small samples (logins: NTLM, Kerberos with the KDC
#                exchanges, guest, anonymous, failures) concatenated, then
#                amplified to >= 1 GiB: many short connections.
#   transfer-1g  ntlm-success-copy.pcap (3 MiB WRITE + 3 MiB READ) amplified
#                to >= 1 GiB: few messages, large payloads.
#   session-4g   (--big) the session mix amplified to >= 4 GiB.
#   *-64m        64 MiB prefixes (--until-bytes) for the tshark comparison.
#
# Method: for each capture, one warm-up `cat FILE >/dev/null`, then RUNS
# rounds of [cat, smbscope (, baseline)] interleaved, each timed with the
# wall clock and wrapped in /usr/bin/time for the peak RSS. MB/s is
# 10^6 bytes per second of the capture file's size. smbscope runs on one
# thread; "x cat" is smbscope's speed over cat's (1.0 = as fast as reading
# the file from the page cache). "CPU s" is user + system time (from
# /usr/bin/time, 10 ms resolution): on a shared machine it moves less than
# the wall clock. tshark is timed on the 64 MiB prefix with
# the smbscope binary on the same prefix in the same rounds.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
AMPLIFY=${PCAP_AMPLIFY:-$ROOT/../shared/tools/pcap-amplify}
[ -x "$AMPLIFY" ] || AMPLIFY=/work/shared/tools/pcap-amplify

BIG=0
RUNS=3
MAIN_MIB=1024
FORMATS=jsonl
BIN=
BASELINE=
TSHARK=1
REPORT=1
REPORT_FORMATS=text,json,jsonl
STAGES=0
UPDATE=
CLEAN=0
DATA=${SMBSCOPE_BENCH_DIR:-/tmp/smbscope-bench}

while [ $# -gt 0 ]; do
    case "$1" in
        --big) BIG=1 ;;
        --runs) RUNS=$2; shift ;;
        --mib) MAIN_MIB=$2; shift ;;
        --formats) FORMATS=$2; shift ;;
        --bin) BIN=$2; shift ;;
        --baseline) BASELINE=$2; shift ;;
        --no-tshark) TSHARK=0 ;;
        --no-report) REPORT=0 ;;
        --report-formats) REPORT_FORMATS=$2; shift ;;
        --stages) STAGES=1 ;;
        --update) UPDATE=$2; shift ;;
        --clean) CLEAN=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed 's/^# \{0,1\}//; /^set -euo/d'; exit 0 ;;
        -*) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
        *) DATA=$1 ;;
    esac
    shift
done

log() { echo "bench: $*" >&2; }

# --- tools -----------------------------------------------------------------
need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ "$TSHARK" = 1 ] && ! command -v tshark >/dev/null; then need_apt+=(tshark); fi
if [ ${#need_apt[@]} -gt 0 ]; then
    log "installing ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The tree as it is when the binary is built (it may change during a long run).
commit=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(cd "$ROOT" && git status --porcelain --untracked-files=no 2>/dev/null | head -1)
[ -z "$dirty" ] || commit="$commit (+ uncommitted changes)"

if [ -z "$BIN" ]; then
    log "cargo build --release"
    (cd "$ROOT" && cargo build --release --quiet)
    BIN=$ROOT/target/release/smbscope
fi
[ -x "$BIN" ] || { echo "bench.sh: no binary at $BIN" >&2; exit 2; }
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || { echo "bench.sh: no baseline binary at $BASELINE" >&2; exit 2; }
SBIN=
if [ "$STAGES" = 1 ]; then
    log "cargo build --release --features bench-stages (target/bench-stages)"
    (cd "$ROOT" && cargo build --release --quiet --features bench-stages --target-dir target/bench-stages)
    SBIN=$ROOT/target/bench-stages/release/smbscope
fi

mkdir -p "$DATA"
DATA=$(cd "$DATA" && pwd)

# --- captures --------------------------------------------------------------
GiB=$((1 << 30))
MiB=$((1 << 20))

# Concatenates classic pcaps (same link type) into one, timestamps rebased so
# time keeps increasing (each file starts 1 s after the previous one ended).
concat() {
    python3 - "$@" <<'EOF'
import struct, sys
out, ins = sys.argv[1], sys.argv[2:]
w = open(out + ".part", "wb")
hdr = None
t_next = None
n = 0
for path in ins:
    raw = open(path, "rb").read()
    if raw[:4] != b"\xd4\xc3\xb2\xa1":
        sys.exit(f"{path}: not a little-endian microsecond pcap")
    lt = struct.unpack_from("<I", raw, 20)[0]
    if hdr is None:
        hdr, lt0 = raw[:24], lt
        w.write(hdr)
    elif lt != lt0:
        sys.exit(f"{path}: link type {lt} differs from {lt0}")
    pos, first, last = 24, None, 0
    while pos + 16 <= len(raw):
        s, us, incl, orig = struct.unpack_from("<IIII", raw, pos)
        t = s * 1000000 + us
        if first is None:
            first = t
            if t_next is None:
                t_next = t
        nt = t - first + t_next
        last = max(last, nt)
        w.write(struct.pack("<IIII", nt // 1000000, nt % 1000000, incl, orig))
        w.write(raw[pos + 16:pos + 16 + incl])
        pos += 16 + incl
        n += 1
    t_next = last + 1000000
w.close()
import os
os.replace(out + ".part", out)
print(f"{out}: {len(ins)} files, {n} packets", file=sys.stderr)
EOF
}

# make OUT SRC BYTES: SRC amplified to at least BYTES (reused when present
# and made from the same SRC: OUT.src holds SRC's checksum).
make_capture() {
    local out=$1 src=$2 bytes=$3 sum
    sum=$(sha256sum "$src" | cut -d' ' -f1)
    if [ -f "$out" ] && [ "$(stat -c %s "$out")" -ge "$bytes" ] &&
        [ "$(cat "$out.src" 2>/dev/null)" = "$sum" ]; then
        return
    fi
    local size copies
    size=$(stat -c %s "$src")
    copies=$(( bytes / (size - 24) + 2 ))
    log "making $out ($((bytes / MiB)) MiB)"
    "$AMPLIFY" "$src" "$out.part" "$copies" --until-bytes "$bytes" >&2
    mv "$out.part" "$out"
    echo "$sum" >"$out.src"
}

SESSION_SRC=$DATA/session-src.pcap
# classic pcap samples of link type Ethernet (1, little-endian at byte 20):
# pcap-amplify joins captures of one link type
ethernet() {
    local f
    for f in "$@"; do
        [ "$(od -An -tu4 -j20 -N4 "$f" | tr -d ' ')" = 1 ] && echo "$f"
    done
}
mapfile -t small < <(ethernet "$ROOT"/samples/*.pcap | grep -v '/ntlm-success-copy\.pcap$')
concat "$SESSION_SRC" "${small[@]}"
TRANSFER_SRC=$ROOT/samples/ntlm-success-copy.pcap

if [ "$MAIN_MIB" = 1024 ]; then main=1g; else main=${MAIN_MIB}m; fi
make_capture "$DATA/session-$main.pcap" "$SESSION_SRC" $((MAIN_MIB * MiB))
make_capture "$DATA/transfer-$main.pcap" "$TRANSFER_SRC" $((MAIN_MIB * MiB))
make_capture "$DATA/session-64m.pcap" "$SESSION_SRC" $((64 * MiB))
make_capture "$DATA/transfer-64m.pcap" "$TRANSFER_SRC" $((64 * MiB))
CAPTURES=("session-$main" "transfer-$main")
if [ "$BIG" = 1 ]; then
    make_capture "$DATA/session-4g.pcap" "$SESSION_SRC" $((4 * GiB))
    CAPTURES+=(session-4g)
fi

# --- timing ----------------------------------------------------------------
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run NAME CMD...: runs CMD (stdout to /dev/null), appends "seconds rss_kib" to $TMP/NAME.
run() {
    local name=$1
    shift
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f '%M %U %S' -o "$TMP/rss" "$@" >/dev/null 2>"$TMP/stderr" || {
        echo "bench.sh: failed: $*" >&2
        cat "$TMP/stderr" >&2
        exit 1
    }
    t1=$(date +%s%N)
    # ns, peak RSS KiB, CPU ns (user + system)
    echo "$(( t1 - t0 )) $(tail -1 "$TMP/rss" | awk '{ printf "%d %.0f", $1, ($2 + $3) * 1e9 }')" >>"$TMP/$name"
}

# median of column COL (1: ns, 2: RSS KiB, 3: CPU ns) of $TMP/NAME; max with "max".
stat_of() {
    local name=$1 col=$2 how=${3:-median}
    if [ "$how" = max ]; then
        awk -v c="$col" '$c > m { m = $c } END { print m }' "$TMP/$name"
    else
        awk -v c="$col" '{ print $c }' "$TMP/$name" | sort -n |
            awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.0f\n", v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
    fi
}

secs() { awk -v n="$1" 'BEGIN { printf "%.2f", n / 1e9 }'; }
mbps() { awk -v b="$1" -v n="$2" 'BEGIN { printf "%.0f", b / (n / 1e9) / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

IFS=, read -r -a FMTS <<<"$FORMATS"
IFS=, read -r -a RFMTS <<<"$REPORT_FORMATS"
# The report is compared with `messages --format jsonl` timed in the same rounds.
# So are the stages.
if { [ "$REPORT" = 1 ] || [ "$STAGES" = 1 ]; } && [[ ! " ${FMTS[*]} " =~ " jsonl " ]]; then FMTS+=(jsonl); fi
load=$(cut -d' ' -f1-3 /proc/loadavg)

ROWS=()
SROWS=()
TROWS=()
RROWS=()
for cap in "${CAPTURES[@]}"; do
    f=$DATA/$cap.pcap
    size=$(stat -c %s "$f")
    frames=$(( $(capinfos -c -M "$f" 2>/dev/null | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }') + 0 )) || frames=0
    log "$cap: $size bytes; warming the page cache"
    cat "$f" >/dev/null
    for r in $(seq "$RUNS"); do
        log "$cap: round $r/$RUNS"
        run "$cap.cat" cat "$f"
        for fmt in "${FMTS[@]}"; do
            run "$cap.$fmt" "$BIN" messages "$f" --format "$fmt"
            [ -z "$BASELINE" ] || run "$cap.$fmt.base" "$BASELINE" messages "$f" --format "$fmt"
        done
        if [ "$STAGES" = 1 ]; then
            for st in pipeline decode; do
                run "$cap.stage.$st" env SMBSCOPE_BENCH_STAGE=$st "$SBIN" messages "$f" --format jsonl
            done
        fi
        if [ "$REPORT" = 1 ]; then
            for rf in "${RFMTS[@]}"; do
                run "$cap.report.$rf" "$BIN" report "$f" --format "$rf"
            done
        fi
    done
    read -r msgs out_bytes < <("$BIN" messages "$f" --format jsonl | wc -lc)
    cat_ns=$(stat_of "$cap.cat" 1)
    for fmt in "${FMTS[@]}"; do
        ns=$(stat_of "$cap.$fmt" 1)
        rss=$(stat_of "$cap.$fmt" 2 max)
        cpu=$(stat_of "$cap.$fmt" 3)
        row="| $cap | $fmt | $((size / MiB)) | $frames | $msgs | $(secs "$ns") | $(secs "$cpu") | $(mbps "$size" "$ns") | $(mbps "$size" "$cat_ns") | $(ratio "$cat_ns" "$ns") | $(mib "$rss") |"
        if [ -n "$BASELINE" ]; then
            bns=$(stat_of "$cap.$fmt.base" 1)
            bcpu=$(stat_of "$cap.$fmt.base" 3)
            brss=$(stat_of "$cap.$fmt.base" 2 max)
            row+=" $(secs "$bns") | $(secs "$bcpu") | $(mbps "$size" "$bns") | $(ratio "$cat_ns" "$bns") | $(mib "$brss") | $(ratio "$bns" "$ns") | $(ratio "$bcpu" "$cpu") |"
        fi
        ROWS+=("$row")
    done
    if [ "$STAGES" = 1 ]; then
        fcpu=$(stat_of "$cap.jsonl" 3)
        prev=0
        for st in pipeline decode jsonl; do
            if [ "$st" = jsonl ]; then name=$cap.jsonl; label="write (full run)"; else name=$cap.stage.$st; label=$st; fi
            ns=$(stat_of "$name" 1)
            cpu=$(stat_of "$name" 3)
            SROWS+=("| $cap | $label | $(secs "$ns") | $(secs "$cpu") | $(secs $(( cpu - prev ))) | $(awk -v a=$(( cpu - prev )) -v b="$fcpu" 'BEGIN { if (b > 0) printf "%.0f %%", 100 * a / b; else printf "n/a" }') | $(awk -v c=$(( cpu - prev )) -v m="$msgs" 'BEGIN { printf "%.0f", c / m }') | $(ratio "$cat_ns" "$ns") | $((out_bytes / 1000000)) |")
            prev=$cpu
        done
    fi
    if [ "$REPORT" = 1 ]; then
        counts=$("$BIN" report "$f" --format json | python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d["connections"]), len(d["sessions"]))')
        mns=$(stat_of "$cap.jsonl" 1)
        mcpu=$(stat_of "$cap.jsonl" 3)
        for rf in "${RFMTS[@]}"; do
            ns=$(stat_of "$cap.report.$rf" 1)
            cpu=$(stat_of "$cap.report.$rf" 3)
            RROWS+=("| $cap | $rf | ${counts% *} | ${counts#* } | $(secs "$ns") | $(secs "$cpu") | $(secs "$mns") | $(secs "$mcpu") | $(ratio "$ns" "$mns") | $(ratio "$cpu" "$mcpu") | $(mib "$(stat_of "$cap.report.$rf" 2 max)") |")
        done
    fi
done

if [ "$TSHARK" = 1 ]; then
    for cap in session-64m transfer-64m; do
        f=$DATA/$cap.pcap
        size=$(stat -c %s "$f")
        cat "$f" >/dev/null
        for r in $(seq "$RUNS"); do
            log "$cap: tshark round $r/$RUNS"
            run "$cap.tshark" tshark -r "$f" -Y smb2 -T fields -e smb2.cmd -e smb2.nt_status -e smb2.msg_id -e smb2.sesid
            run "$cap.smbscope" "$BIN" messages "$f" --format jsonl
        done
        tns=$(stat_of "$cap.tshark" 1)
        sns=$(stat_of "$cap.smbscope" 1)
        TROWS+=("| $cap | $((size / MiB)) | $(secs "$tns") | $(mbps "$size" "$tns") | $(mib "$(stat_of "$cap.tshark" 2 max)") | $(secs "$sns") | $(mbps "$size" "$sns") | $(mib "$(stat_of "$cap.smbscope" 2 max)") | $(ratio "$tns" "$sns") |")
    done
fi

# --- report ----------------------------------------------------------------
if [ "$BIN" = "$ROOT/target/release/smbscope" ]; then
    what="smbscope built from commit $commit"
else
    what="smbscope binary \`$BIN\` (script at commit $commit)"
fi
cpu=$(awk -F: '/model name/ { sub(/^ +/, "", $2); print $2; exit }' /proc/cpuinfo)
OUT=$TMP/results.md
{
    echo "<!-- bench:results:start -->"
    echo "### $(date -u +%Y-%m-%d) — $what"
    echo
    echo "Machine: $(nproc) CPUs ($cpu), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr);" \
        "$(rustc --version 2>/dev/null || echo rustc ?); $(tshark --version 2>/dev/null | head -1 | sed 's/[.]$//' || echo 'no tshark')." \
        "Median of $RUNS runs; page cache warm; smbscope single-threaded; load average at the start: $load."
    [ -z "$BASELINE" ] || echo "Baseline: \`$BASELINE\`, timed in the same rounds."
    echo
    echo "\`smbscope messages FILE --format FMT >/dev/null\` against \`cat FILE >/dev/null\`:"
    echo
    h="| capture | format | MiB | frames | messages | smbscope s | CPU s | smbscope MB/s | cat MB/s | x cat | smbscope peak RSS MiB |"
    s="|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    if [ -n "$BASELINE" ]; then
        h+=" baseline s | baseline CPU s | baseline MB/s | baseline x cat | baseline RSS MiB | speedup (wall) | speedup (CPU) |"
        s+="---:|---:|---:|---:|---:|---:|---:|"
    fi
    echo "$h"
    echo "$s"
    printf '%s\n' "${ROWS[@]}"
    if [ ${#SROWS[@]} -gt 0 ]; then
        echo
        echo "Stages of \`smbscope messages FILE --format jsonl\` (--stages: a bench-stages build stops after the" \
            "pipeline or after decoding; each row's CPU s is cumulative, the stage's own cost is the difference):"
        echo
        echo "| capture | up to | s | CPU s | stage CPU s | share of full CPU | stage CPU ns/message | x cat (wall) | jsonl MB written |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
        printf '%s\n' "${SROWS[@]}"
    fi
    if [ ${#TROWS[@]} -gt 0 ]; then
        echo
        echo "\`tshark -r FILE -Y smb2 -T fields -e smb2.cmd -e smb2.nt_status -e smb2.msg_id -e smb2.sesid >/dev/null\`" \
            "against \`smbscope messages FILE --format jsonl >/dev/null\` on 64 MiB prefixes:"
        echo
        echo "| capture | MiB | tshark s | tshark MB/s | tshark peak RSS MiB | smbscope s | smbscope MB/s | smbscope peak RSS MiB | smbscope speedup |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        printf '%s\n' "${TROWS[@]}"
    fi
    if [ ${#RROWS[@]} -gt 0 ]; then
        echo
        echo "\`smbscope report FILE --format FMT >/dev/null\` (\`smbscope FILE\` is the text format) against" \
            "\`smbscope messages FILE --format jsonl >/dev/null\` in the same rounds (target: at most 1.5x):"
        echo
        echo "| capture | report format | connections | sessions | report s | report CPU s | messages s | messages CPU s | x messages (wall) | x messages (CPU) | report peak RSS MiB |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        printf '%s\n' "${RROWS[@]}"
    fi
    echo "<!-- bench:results:end -->"
} >"$OUT"
cp "$OUT" "$DATA/results.md"
cat "$OUT"

if [ -n "$UPDATE" ]; then
    if [ -f "$UPDATE" ] && grep -q '<!-- bench:results:start -->' "$UPDATE"; then
        python3 - "$UPDATE" "$OUT" <<'EOF'
import re, sys
path, new = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
text = open(path).read()
text = re.sub(r"<!-- bench:results:start -->.*?<!-- bench:results:end -->", lambda m: new, text, count=1, flags=re.S)
open(path, "w").write(text)
EOF
    else
        { echo; cat "$OUT"; } >>"$UPDATE"
    fi
    log "updated $UPDATE"
fi

if [ "$CLEAN" = 1 ]; then
    rm -f "$DATA"/session-*.pcap "$DATA"/transfer-*.pcap "$DATA"/*.pcap.src
    log "removed the captures in $DATA"
fi
