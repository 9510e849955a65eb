#!/usr/bin/env bash
# Fuzzing smbscope's parsers with cargo-fuzz (libFuzzer), on a stable toolchain.
#
#   scripts/fuzz.sh list                      the targets
#   scripts/fuzz.sh seeds [CAPTURE|DIR ...]   seed fuzz/corpus/<target>/ from real bytes
#                                             (default: samples/; see scripts/fuzz-seeds.py)
#   scripts/fuzz.sh build                     build every target
#   scripts/fuzz.sh run TARGET [SECONDS] [-- LIBFUZZER_ARGS...]
#                                             fuzz one target (default 180 s)
#   scripts/fuzz.sh ci [SECONDS]              build, seed, run every target SECONDS
#                                             (default 20, FUZZ_JOBS at a time, default
#                                             nproc); exit 1 if anything was found
#   scripts/fuzz.sh repro TARGET ARTIFACT     run one input (e.g. a crash) again
#
# How it works on stable Rust: cargo-fuzz passes nightly-only flags
# (-Zsanitizer=address, ...) to rustc; RUSTC_BOOTSTRAP=1 makes stable rustc
# accept them, and the stable toolchain ships the ASan runtime
# (librustc-stable_rt.asan.a), so AddressSanitizer works. If the sanitizer
# build fails anyway, the script falls back to `-s none` (no sanitizer, still
# coverage-guided; safe Rust needs ASan little: the crate forbids unsafe code).
# Force a choice with FUZZ_SANITIZER=address|none.
#
# Targets are built in release mode with debug assertions and overflow checks
# (cargo-fuzz's default without -O), so an arithmetic overflow is a finding.
#
# Limits per run: -max_len per target (below), -rss_limit_mb=2048, a 32 MiB
# cap on any single allocation (-malloc_limit_mb=32: the inputs are at most
# 64 KiB, so more is out of proportion) and 10 s per input (-timeout=10).
#
# Artifacts (crash-*, timeout-*, oom-*, leak-*) land in fuzz/artifacts/<target>/,
# logs in fuzz/artifacts/logs/. fuzz/corpus and fuzz/artifacts are gitignored:
# never commit seeds, above all not ones made from captures that are not ours.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ="$ROOT/fuzz"
export RUSTC_BOOTSTRAP=1

TARGETS=(capture pipeline report net tcp framing smb2 smb1 security_blob kerberos ntlmssp)

max_len() {
    case "$1" in
        capture | pipeline | report | tcp | framing | smb2) echo 65536 ;;
        net | smb1) echo 4096 ;;
        security_blob | kerberos) echo 16384 ;;
        ntlmssp) echo 8192 ;;
        *) echo 4096 ;;
    esac
}

die() {
    echo "fuzz.sh: $*" >&2
    exit 2
}

ensure_cargo_fuzz() {
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "== installing cargo-fuzz"
        cargo install cargo-fuzz --locked
    fi
}

SAN_FILE="$FUZZ/target/.sanitizer"

sanitizer() {
    if [[ -n "${FUZZ_SANITIZER:-}" ]]; then
        echo "$FUZZ_SANITIZER"
    elif [[ -f "$SAN_FILE" ]]; then
        cat "$SAN_FILE"
    else
        echo address
    fi
}

build() {
    ensure_cargo_fuzz
    cd "$FUZZ"
    local san
    san=$(sanitizer)
    echo "== cargo fuzz build -s $san (RUSTC_BOOTSTRAP=1, $(rustc --version))"
    if cargo fuzz build -s "$san"; then
        mkdir -p "$FUZZ/target"
        echo "$san" >"$SAN_FILE"
        return 0
    fi
    if [[ "$san" != none && -z "${FUZZ_SANITIZER:-}" ]]; then
        echo "== the $san sanitizer build failed; retrying without a sanitizer (-s none)"
        cargo fuzz build -s none
        mkdir -p "$FUZZ/target"
        echo none >"$SAN_FILE"
        return 0
    fi
    return 1
}

seeds() {
    local src=("$@")
    if [[ ${#src[@]} -eq 0 ]]; then
        src=("$ROOT/samples")
    fi
    if ! command -v python3 >/dev/null; then
        echo "== no python3: no seeds, the targets start from an empty corpus"
        return 0
    fi
    echo "== seeds into fuzz/corpus/ from the repository and: ${src[*]}"
    python3 "$ROOT/scripts/fuzz-seeds.py" "$FUZZ/corpus" "${src[@]}"
}

# run TARGET SECONDS [extra libFuzzer args]: returns libFuzzer's status.
run_one() {
    local t=$1 secs=$2
    shift 2
    local log="$FUZZ/artifacts/logs/$t.log"
    mkdir -p "$FUZZ/corpus/$t" "$FUZZ/artifacts/$t" "$FUZZ/artifacts/logs"
    cd "$FUZZ"
    local status=0
    cargo fuzz run -s "$(sanitizer)" "$t" "corpus/$t" -- \
        -max_total_time="$secs" -max_len="$(max_len "$t")" \
        -rss_limit_mb=2048 -malloc_limit_mb=32 -timeout=10 \
        -print_final_stats=1 "$@" >"$log" 2>&1 || status=$?
    local execs cov ft
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    printf '%-14s %4ss  status %-3s execs %-10s cov %-6s ft %-6s corpus %s\n' \
        "$t" "$secs" "$status" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
        "$(find "corpus/$t" -type f | wc -l)"
    return "$status"
}

report_artifacts() {
    local since=$1 found=0 f
    while IFS= read -r f; do
        found=1
        echo
        echo "!! $f"
        echo "   reproduce: scripts/fuzz.sh repro $(basename "$(dirname "$f")") $f"
        od -A x -t x1z -v "$f" | head -64
        [[ $(stat -c %s "$f") -gt 1024 ]] && echo "   ... ($(stat -c %s "$f") bytes)"
    done < <(find "$FUZZ/artifacts" -type f \( -name 'crash-*' -o -name 'timeout-*' \
        -o -name 'oom-*' -o -name 'leak-*' \) -newer "$since" | sort)
    return "$found"
}

cmd=${1:-help}
shift || true
case "$cmd" in
    list)
        printf '%s\n' "${TARGETS[@]}"
        ;;
    seeds)
        seeds "$@"
        ;;
    build)
        build
        ;;
    run)
        [[ $# -ge 1 ]] || die "usage: fuzz.sh run TARGET [SECONDS] [-- LIBFUZZER_ARGS...]"
        t=$1
        shift
        secs=180
        if [[ $# -ge 1 && $1 != -- ]]; then
            secs=$1
            shift
        fi
        [[ ${1:-} == -- ]] && shift
        [[ -f "$SAN_FILE" ]] || build
        run_one "$t" "$secs" "$@" || {
            s=$?
            echo "log: fuzz/artifacts/logs/$t.log"
            exit "$s"
        }
        ;;
    repro)
        [[ $# -eq 2 ]] || die "usage: fuzz.sh repro TARGET ARTIFACT"
        ensure_cargo_fuzz
        art=$(realpath "$2")
        cd "$FUZZ"
        exec cargo fuzz run -s "$(sanitizer)" "$1" "$art"
        ;;
    ci)
        secs=${1:-20}
        start=$(date +%s)
        stamp="$FUZZ/target/.ci-start"
        mkdir -p "$FUZZ/target"
        touch "$stamp"
        build
        built=$(date +%s)
        echo "== built in $((built - start)) s"
        # Seeds: if python3 and captures are there; else an empty corpus.
        seeds || echo "== seed extraction failed; going on with what is there"
        # Targets run side by side, one per core (FUZZ_JOBS, default nproc):
        # each still gets SECONDS of its own, the wall time shrinks.
        jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
        echo "== fuzzing ${#TARGETS[@]} targets, $secs s each, $jobs at a time"
        running=0
        for t in "${TARGETS[@]}"; do
            rm -f "$FUZZ/artifacts/logs/$t.status"
            (
                s=0
                run_one "$t" "$secs" || s=$?
                echo "$s" >"$FUZZ/artifacts/logs/$t.status"
            ) &
            running=$((running + 1))
            if ((running >= jobs)); then
                wait -n
                running=$((running - 1))
            fi
        done
        wait
        failed=()
        for t in "${TARGETS[@]}"; do
            [[ "$(cat "$FUZZ/artifacts/logs/$t.status" 2>/dev/null)" == 0 ]] || failed+=("$t")
        done
        end=$(date +%s)
        echo "== fuzzing took $((end - built)) s, $((end - start)) s in all (sanitizer: $(sanitizer))"
        if ! report_artifacts "$stamp" || [[ ${#failed[@]} -gt 0 ]]; then
            echo
            echo "FAILED: ${failed[*]:-(artifacts above)}; logs in fuzz/artifacts/logs/"
            exit 1
        fi
        echo "OK: no crash, timeout or out-of-memory in ${#TARGETS[@]} targets"
        ;;
    help | -h | --help)
        sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
        ;;
    *)
        die "unknown command '$cmd' (try: fuzz.sh help)"
        ;;
esac
