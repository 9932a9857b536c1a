#!/usr/bin/env bash
# Start-up: `xsnap --version`, `xsnap list` on an empty store and `xsnap plan` of a one-domain spec (against a
# one-domain observed state, so the host does not matter), with the AppCDS archive ./xsnap makes on first use
# and without it (XSNAP_CDS=0). Target: a median of at most 0.4 s for the plan with the archive. The JVM's own
# floor (java -version) is shown for scale.
#
# With BASELINE=PATH (another checkout's ./xsnap, e.g. a build of main), each command also runs with that
# build, alternating run by run with this one, and the ratio this/baseline is printed: the way to see what a
# change did to start-up on a machine whose load moves.
#
# usage: [BASELINE=../other/xsnap] bench/startup.sh
#   BENCH_REPEAT   runs of each (default 11)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
reps=${BENCH_REPEAT:-11}
"$repo/xsnap" --version >/dev/null   # builds the jar and the archive when needed
baseline=${BASELINE:-}
if [[ -n $baseline ]]; then
    "$baseline" --version >/dev/null
fi

# Where the JVM takes picocli's classes from when ./xsnap runs with its archive (picocli is a dependency jar of Java 5
# class files, shaded into xsnap.jar; JDK 17 archives such classes too, at least 17.0.15 does)
jsa=$repo/target/xsnap.jsa
if [[ -f $jsa ]]; then
    java -XX:TieredStopAtLevel=1 -XX:SharedArchiveFile="$jsa" -Xlog:class+load=info -jar "$repo/target/xsnap.jar" \
        list --driver qemu --store "$BENCH_TMP/none" --qemu-dir "$BENCH_TMP/none" >"$BENCH_TMP/classes.log" 2>&1 || true
    note "startup: picocli classes of ./xsnap list: $(grep -c 'picocli.*source: shared objects file' "$BENCH_TMP/classes.log" || true) from the archive, $(grep -c 'picocli.*source: \(file\|jar\)' "$BENCH_TMP/classes.log" || true) from the jar"
fi

fixture=$BENCH_TMP/one
plan_fixture "$fixture" 1 >/dev/null
mkdir -p "$BENCH_TMP/empty" "$BENCH_TMP/qemu"
plan=(plan --state "$fixture/state.json" --store "$fixture/store" "$fixture/specs")
list=(list --driver qemu --store "$BENCH_TMP/empty" --qemu-dir "$BENCH_TMP/qemu")

# alternate N NAME ARGS...: N runs of this build's ./xsnap ARGS, each followed by one of $baseline; sets
# MEDIAN/CPU (this build) and BASE_MEDIAN/BASE_CPU (the baseline)
alternate() {
    local n=$1 name=$2 i line
    shift 2
    local walls=() cpus=() bwalls=() bcpus=()
    for ((i = 0; i < n; i++)); do
        line=$(timed "$repo/xsnap" "$@") || return 1
        walls+=("${line% *}"); cpus+=("${line#* }")
        line=$(timed "$baseline" "$@") || return 1
        bwalls+=("${line% *}"); bcpus+=("${line#* }")
    done
    med() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
    MEDIAN=$(med "${walls[@]}"); CPU=$(med "${cpus[@]}")
    BASE_MEDIAN=$(med "${bwalls[@]}"); BASE_CPU=$(med "${bcpus[@]}")
    note "startup: ./xsnap $name: this build median $MEDIAN s (cpu $CPU s; ${walls[*]}), baseline $BASE_MEDIAN s (cpu $BASE_CPU s; ${bwalls[*]})"
}

repeat "$reps" java -XX:TieredStopAtLevel=1 -Xshare:auto -version
note "startup: java -version (the JVM alone): median $MEDIAN s"
repeat "$reps" env XSNAP_CDS=0 "$repo/xsnap" "${plan[@]}"
without=$MEDIAN
note "startup: ./xsnap plan, one domain, without the archive: median $without s, cpu $CPU s ($RUNS)"
repeat "$reps" "$repo/xsnap" "${plan[@]}"
with=$MEDIAN
note "startup: ./xsnap plan, one domain, with the archive: median $with s, cpu $CPU s ($RUNS)"
result "startup-cds" "xsnap plan of a one-domain spec, with the AppCDS archive vs without" \
    "$with s" "$without s" "$(div "$with" "$without")" "<=" 1.0
result "startup" "xsnap plan of a one-domain spec with the archive vs the 0.4 s target" \
    "$with s" "0.4 s" "$(div "$with" 0.4)" "<=" 1.0

if [[ -n $baseline ]]; then
    for what in version list plan; do
        case $what in
            version) args=(--version) ;;
            list) args=("${list[@]}") ;;
            plan) args=("${plan[@]}") ;;
        esac
        alternate "$reps" "$what" "${args[@]}"
        result "startup-$what-vs-baseline" "./xsnap $what, this build vs $baseline (alternating runs, wall)" \
            "$MEDIAN s" "$BASE_MEDIAN s" "$(div "$MEDIAN" "$BASE_MEDIAN")" "<=" 1.1
        result "startup-$what-cpu-vs-baseline" "./xsnap $what, this build vs $baseline (alternating runs, user+sys)" \
            "$CPU s" "$BASE_CPU s" "$(div "$CPU" "$BASE_CPU")" "<=" 1.1
    done
fi
