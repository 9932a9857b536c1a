#!/usr/bin/env bash
# The benchmark entry point (docs/performance.md): builds xsnap and the benchmarks, runs every benchmark
# under bench/, and prints each result as a ratio against a baseline measured in the same run, then a table.
# Benchmarks are not tests: a missed target is reported, not failed on (the exit code says only whether
# every benchmark could run), and ./ci/test.sh runs none of them.
#
# Environment:
#   BENCH_QUICK=1    smaller sizes (inventory 1000, plan 100 1000, pause 64 256, live 64), fewer runs: a smoke run
#   BENCH_NICE=N     run at nice level N (e.g. -10, as root) on a machine other jobs share
#   BENCH_OUT=DIR    where results.tsv, results.md and notes.txt go (default bench-out/)
#   BENCH_REPEAT, BENCH_REPEAT_SLOW: runs per measurement (see each script)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export BENCH_OUT=${BENCH_OUT:-$repo/bench-out}
mkdir -p "$BENCH_OUT"
rm -f "$BENCH_OUT/results.tsv" "$BENCH_OUT/notes.txt" "$BENCH_OUT/results.md"

if command -v jq >/dev/null; then ci/install-deps.sh; else ci/install-deps.sh jq; fi
if [[ -n ${BENCH_NICE:-} ]]; then
    renice -n "$BENCH_NICE" -p $$ >/dev/null
fi

# --- the machine ------------------------------------------------------------------------------------------
calibrate() { # CPU-bound loops, one then two at once: the second core's worth on this machine right now
    local TIMEFORMAT='%R' one two
    loop() { awk 'BEGIN { for (i = 0; i < 2e7; i++) s += i % 7 }'; }
    one=$( { time loop; } 2>&1 )
    two=$( { time { loop & loop & wait; }; } 2>&1 )
    awk -v a="$one" -v b="$two" 'BEGIN {printf "%.2f", 2 * a / b}'
}
{
    echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')),"\
        "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr)"
    echo "file system of the temporary files: $(df -T "${TMPDIR:-/tmp}" | awk 'NR == 2 {print $2 " on " $1}')"
    echo "java: $(java -version 2>&1 | head -2 | tail -1); qemu: $(qemu-img --version | head -1)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); two busy loops at once run $(calibrate)x as fast as one" \
        "(2.00 = both cores free)${BENCH_NICE:+; nice $BENCH_NICE}"
} | tee "$BENCH_OUT/machine.txt"

# --- build --------------------------------------------------------------------------------------------------
mvn -B -q -ntp -DskipTests package
(cd bench && mvn -B -q -ntp package)
./xsnap --version >/dev/null   # makes the AppCDS archive the runs below use

if [[ ${BENCH_QUICK:-} == 1 ]]; then
    export BENCH_REPEAT=${BENCH_REPEAT:-3} BENCH_REPEAT_SLOW=${BENCH_REPEAT_SLOW:-1}
    inventory=(1000) plan=(100 1000) pause=(64 256) live=(64) floor=(64)
    jmh=(-wi 1 -i 2 -w 1s -r 1s -p domains=100,1000)
else
    inventory=(1000 4000) plan=(100 1000 4000) pause=(64 256 1024) live=(64 1024 4096) floor=(64 1024 4096)
    jmh=(-wi 3 -i 5 -w 1s -r 1s)
fi

failed=()
run() {
    echo
    echo "=== $*"
    "$@" || failed+=("$*")
}
. bench/lib.sh
trap 'rm -rf "$BENCH_TMP"' EXIT
for n in "${inventory[@]}"; do run bench/inventory.sh "$n"; done
run bench/plan-scale.sh "${plan[@]}"
run bench/startup.sh
run bench/state-reader.sh 1000
run bench/pause.sh "${pause[@]}"
run bench/live.sh "${live[@]}"
run bench/live_floor.sh "${floor[@]}"
run bench/merge.sh

jmh_results() {
    java -cp target/xsnap.jar:bench/target/xsnap-bench.jar org.openjdk.jmh.Main PlannerBench -f 1 "${jmh[@]}" \
        -rf json -rff "$BENCH_OUT/jmh.json" >"$BENCH_OUT/jmh.txt" 2>&1 || { tail -20 "$BENCH_OUT/jmh.txt" >&2; return 1; }
    sed -n '/^Benchmark /,$p' "$BENCH_OUT/jmh.txt"
    local bench small large s l
    # the two largest sizes: below a thousand domains fixed costs still show in the time per domain
    small=$(jq -r '[.[].params.domains | tonumber] | unique | .[-2]' "$BENCH_OUT/jmh.json")
    large=$(jq -r '[.[].params.domains | tonumber] | unique | .[-1]' "$BENCH_OUT/jmh.json")
    for bench in plan readState; do
        s=$(jq -r --arg b "$bench" --arg d "$small" '.[] | select((.benchmark | endswith("." + $b)) and .params.domains == $d) | .primaryMetric.score' "$BENCH_OUT/jmh.json")
        l=$(jq -r --arg b "$bench" --arg d "$large" '.[] | select((.benchmark | endswith("." + $b)) and .params.domains == $d) | .primaryMetric.score' "$BENCH_OUT/jmh.json")
        s=$(awk -v v="$s" -v d="$small" 'BEGIN {printf "%.2f", 1000 * v / d}')
        l=$(awk -v v="$l" -v d="$large" 'BEGIN {printf "%.2f", 1000 * v / d}')
        result "jmh-$bench-growth" "JMH $bench (warm, in memory): time per domain at $large domains vs at $small" \
            "$l us" "$s us" "$(div "$l" "$s")" "<=" 1.25
    done
}
echo
echo "=== JMH: bench/src/main/java/io/xsnap/bench/PlannerBench.java"
jmh_results || failed+=("JMH PlannerBench")

# --- the table ----------------------------------------------------------------------------------------------
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$BENCH_OUT/machine.txt"
{
    echo "| benchmark | what | measured | baseline | ratio | target | |"
    echo "|---|---|---|---|---|---|---|"
    awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}' "$BENCH_OUT/results.tsv"
} >"$BENCH_OUT/results.md"
echo
column -t -s $'\t' "$BENCH_OUT/results.tsv" 2>/dev/null || cat "$BENCH_OUT/results.tsv"
echo
echo "results: $BENCH_OUT/results.md, notes: $BENCH_OUT/notes.txt"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "could not run: ${failed[*]}" >&2
    exit 1
fi
