#!/usr/bin/env bash
# Start-up: `xsnap plan` of a one-domain spec (against a one-domain observed state, so the host does not
# matter), with the AppCDS archive ./xsnap makes on first use and without it (XSNAP_CDS=0). Target: a
# median of at most 0.4 s with the archive. The JVM's own floor (java -version) is shown for scale.
#
# usage: bench/startup.sh
#   BENCH_REPEAT   runs of each (default 11)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
reps=${BENCH_REPEAT:-11}
"$repo/xsnap" --version >/dev/null   # builds the jar and the archive when needed

fixture=$BENCH_TMP/one
plan_fixture "$fixture" 1 >/dev/null
plan=(plan --state "$fixture/state.json" --store "$fixture/store" "$fixture/specs")

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
