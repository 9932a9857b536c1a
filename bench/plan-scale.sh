#!/usr/bin/env bash
# Plan at scale: `xsnap plan --state` of D domains x 4 qcow2 disks x 20 internal snapshots, D = 100, 1000
# and 4000 by default. Each host is real: image files made with qemu-img (and copied), a store with a
# manifest per snapshot, and the state file the real observer makes of them (bench PlanFixture). Every
# spec deletes one snapshot and creates one, so the plan has 2 x D changes. Target: 1000 domains in at most
# 1.5 s wall, JVM start included; the growth from 1000 to 4000 domains is shown as time per domain.
#
# usage: bench/plan-scale.sh [D...]     (default: 100 1000 4000)
#   BENCH_REPEAT   runs per size (default 5)
set -euo pipefail
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(100 1000 4000)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
reps=${BENCH_REPEAT:-5}
command -v qemu-img >/dev/null || { echo "$0: qemu-img is not installed" >&2; exit 69; }
"$repo/xsnap" --version >/dev/null

per_ms() { awk -v w="$1" -v d="$2" 'BEGIN {printf "%.3f\n", 1000 * w / d}'; }
declare -A wall
for d in "${sizes[@]}"; do
    fixture=$BENCH_TMP/plan-$d
    plan_fixture "$fixture" "$d" | sed 's/^/plan-scale: /'
    repeat "$reps" "$repo/xsnap" plan --state "$fixture/state.json" --store "$fixture/store" "$fixture/specs"
    wall[$d]=$MEDIAN
    changes=$(tail -1 "$BENCH_TMP/last.out")
    note "plan-scale $d domains ($(du -m "$fixture/state.json" | cut -f1) MB state): median $MEDIAN s, cpu $CPU s ($RUNS); $changes"
    if [[ $d == 1000 ]]; then
        # the same plan saved with --out: the plan file and the fingerprint of the whole state (issue #17)
        repeat "$reps" "$repo/xsnap" plan --state "$fixture/state.json" --store "$fixture/store" --out "$BENCH_TMP/saved.json" \
            "$fixture/specs"
        note "plan-scale $d domains with --out: median $MEDIAN s, cpu $CPU s ($RUNS)"
        result "plan-out-1000" "xsnap plan --state --out (saved plan and fingerprint) vs without --out, 1000 domains" \
            "$MEDIAN s" "${wall[1000]} s" "$(div "$MEDIAN" "${wall[1000]}")" "<=" 1.5
    fi
    rm -rf "$fixture"
done
for d in "${sizes[@]}"; do
    if [[ $d == 1000 ]]; then
        result "plan-1000" "xsnap plan --state, 1000 domains x 4 disks x 20 snapshots, vs the 1.5 s target" \
            "${wall[1000]} s" "1.5 s" "$(div "${wall[1000]}" 1.5)" "<=" 1.0
    fi
done
prev=
for d in "${sizes[@]}"; do
    if [[ -n $prev ]]; then
        now_ms=$(per_ms "${wall[$d]}" "$d")
        then_ms=$(per_ms "${wall[$prev]}" "$prev")
        result "plan-growth-$prev-$d" "time per domain at $d domains vs at $prev (linearity check: 1.0 = linear)" \
            "$now_ms ms" "$then_ms ms" "$(div "$now_ms" "$then_ms")" "<=" 1.25
    fi
    prev=$d
done
