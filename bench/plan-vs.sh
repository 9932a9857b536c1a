#!/usr/bin/env bash
# This build's `xsnap plan --state` against a baseline jar (say, main's target/xsnap.jar), on one fixture of
# D domains x 4 qcow2 disks x 20 internal snapshots (bench PlanFixture, as bench/plan-scale.sh makes it): text and
# JSON output, the two jars run in turn (ABAB...) with the same JVM options and no class-data archive, so the
# ratio is of the code alone. Each spec deletes one snapshot and creates one: the plan has 2 x D changes.
# The ratio is of the median CPU time (user + system), which a loaded machine disturbs less than the wall time
# (both are noted). Target: no slower than the baseline by more than 5% (ratio <= 1.05).
#
# usage: bench/plan-vs.sh BASELINE_JAR [D]     (default D: 1000)
#   BENCH_REPEAT   runs per jar and format (default 7)
#   BENCH_FIXTURE  a fixture directory made before (PlanFixture DIR D), reused instead of a new one
set -euo pipefail
base_jar=${1:?usage: bench/plan-vs.sh BASELINE_JAR [D]}
d=${2:-1000}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
reps=${BENCH_REPEAT:-7}
jar=$repo/target/xsnap.jar
[[ -f $jar ]] || { echo "$0: build this jar first: mvn -q package -DskipTests" >&2; exit 69; }
[[ -f $base_jar ]] || { echo "$0: no baseline jar $base_jar" >&2; exit 66; }
fixture=${BENCH_FIXTURE:-$BENCH_TMP/plan-$d}
if [[ ! -f $fixture/state.json ]]; then
    command -v qemu-img >/dev/null || { echo "$0: qemu-img is not installed" >&2; exit 69; }
    plan_fixture "$fixture" "$d" | sed 's/^/plan-vs: /'
fi
opts=(-XX:TieredStopAtLevel=1 -Xshare:off)

# median wall seconds of the runs in the named array
median() {
    local -n xs=$1
    printf '%s\n' "${xs[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

for format in text json; do
    new=() old=() new_cpu=() old_cpu=()
    for ((i = 0; i < reps; i++)); do
        for which in new old; do
            j=$jar
            [[ $which == old ]] && j=$base_jar
            line=$(timed java "${opts[@]}" -jar "$j" plan --format "$format" --state "$fixture/state.json" \
                --store "$fixture/store" "$fixture/specs")
            if [[ $which == new ]]; then
                new+=("${line%% *}") new_cpu+=("${line##* }")
            else
                old+=("${line%% *}") old_cpu+=("${line##* }")
            fi
        done
    done
    c_new=$(median new_cpu)
    c_old=$(median old_cpu)
    note "plan-vs $format, $d domains: this build wall ${new[*]} s, cpu ${new_cpu[*]} s;" \
        "baseline wall ${old[*]} s, cpu ${old_cpu[*]} s; wall medians $(median new) / $(median old) s"
    result "plan-vs-$format-$d" "xsnap plan --state --format $format, $d domains, CPU time, this build vs the baseline jar" \
        "$c_new s" "$c_old s" "$(div "$c_new" "$c_old")" "<=" 1.05
done
