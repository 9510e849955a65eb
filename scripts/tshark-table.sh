# Sourced by the scripts that store tshark's fields for tests/data:
# tshark_table OUT FILTER AGGREGATOR FIELD... writes to OUT a header
# ("capture" and the fields) and, for every capture of samples/ and, when
# present, ../shared/corpus/public (named "corpus:NAME" there), one row per
# frame matching the display FILTER: the capture's name, then the fields,
# a field's several values joined by AGGREGATOR. Ports 4455-4457 (the
# samples' silent, resetting and closing servers) are read as NetBIOS
# session service.
tshark_table() {
  local out=$1 filter=$2 agg=$3 root f name x
  shift 3
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local args=()
  for x in "$@"; do args+=(-e "$x"); done
  {
    printf 'capture'
    printf '\t%s' "$@"
    printf '\n'
    for f in "$root"/samples/*.pcap "$root"/samples/*.pcapng "$root"/../shared/corpus/public/*.pcap "$root"/../shared/corpus/public/*.pcapng; do
      [ -e "$f" ] || continue
      case $f in */samples/*) name=$(basename "$f") ;; *) name=corpus:$(basename "$f") ;; esac
      tshark -r "$f" -d tcp.port==4455,nbss -d tcp.port==4456,nbss -d tcp.port==4457,nbss -Y "$filter" \
        -T fields -E separator=/t -E occurrence=a -E aggregator="$agg" "${args[@]}" 2>/dev/null |
        sed "s|^|$name\t|"
    done
  } >"$out"
  echo "$out: $(($(wc -l <"$out") - 1)) frames" >&2
}
