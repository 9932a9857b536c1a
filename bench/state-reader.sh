#!/usr/bin/env bash
# The state reader: does `plan --state` still need the hand-written streaming StateReader, or would the
# data-binding mapper (Json.mapper(), the one definition of the state format) do? Reads the state file of
# bench/plan-scale.sh's host (D domains x 4 qcow2 disks x 20 internal snapshots, made by the real observer) in a
# fresh JVM per read, as a plan does, alternating the two readers; the time of the read alone (the file already
# in memory) and of the whole JVM. It is kept while it is faster by more than the margin of plan-scale's target
# (1,000 domains in 1.5 s; see docs/performance.md, "The state reader").
# Then the fingerprint of the same state (plan --out, apply PLANFILE: a hash of the whole state in canonical JSON),
# the state already read, one JVM each, with the digest of hand-picked fields it was before issue #17 beside it;
# target: no longer than reading the state.
#
# usage: bench/state-reader.sh [D]       (default 1000)
#   BENCH_REPEAT   runs of each (default 7)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
d=${1:-1000}
reps=${BENCH_REPEAT:-7}
"$repo/xsnap" --version >/dev/null
fixture=$BENCH_TMP/plan-$d
plan_fixture "$fixture" "$d" | sed 's/^/state-reader: /'
cp="$repo/target/xsnap.jar:$repo/bench/target/xsnap-bench.jar"
read_ms=() map_ms=() read_wall=() map_wall=()
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for ((i = 0; i < reps; i++)); do
    for how in reader mapper; do
        line=$(timed java -XX:TieredStopAtLevel=1 -cp "$cp" io.xsnap.bench.ReadState "$how" "$fixture/state.json")
        ms=$(cut -d' ' -f1 "$BENCH_TMP/last.out")
        if [[ $how == reader ]]; then read_ms+=("$ms"); read_wall+=("${line% *}"); else map_ms+=("$ms"); map_wall+=("${line% *}"); fi
    done
done
r=$(med "${read_ms[@]}") m=$(med "${map_ms[@]}") rw=$(med "${read_wall[@]}") mw=$(med "${map_wall[@]}")
note "state-reader $d domains ($(du -m "$fixture/state.json" | cut -f1) MB): StateReader read ${read_ms[*]} ms (median $r), JVM $rw s; mapper read ${map_ms[*]} ms (median $m), JVM $mw s"
result "state-reader-$d" "reading the state of $d domains cold: StateReader vs Json.mapper() (the read alone)" \
    "$r ms" "$m ms" "$(div "$r" "$m")" "<=" 1.0
result "state-reader-jvm-$d" "the same, whole JVM run: StateReader vs Json.mapper()" \
    "$rw s" "$mw s" "$(div "$rw" "$mw")" "<=" 1.0
fp_ms=() v1_ms=()
for ((i = 0; i < reps; i++)); do
    for how in fingerprint digest-v1; do
        timed java -XX:TieredStopAtLevel=1 -cp "$cp" io.xsnap.bench.ReadState "$how" "$fixture/state.json" >/dev/null
        ms=$(cut -d' ' -f1 "$BENCH_TMP/last.out")
        if [[ $how == fingerprint ]]; then fp_ms+=("$ms"); else v1_ms+=("$ms"); fi
    done
done
f=$(med "${fp_ms[@]}") v=$(med "${v1_ms[@]}")
note "fingerprint $d domains: canonical JSON ${fp_ms[*]} ms (median $f); the old digest ${v1_ms[*]} ms (median $v)"
result "fingerprint-$d" "the fingerprint of the state of $d domains, cold, vs reading that state with StateReader" \
    "$f ms" "$r ms" "$(div "$f" "$r")" "<=" 1.0
