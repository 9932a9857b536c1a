# Shared by the benchmarks under bench/ (sourced, not run). Bash 5 ($EPOCHREALTIME).
#
#   timed CMD...           runs CMD once (stdout and stderr to files in $BENCH_TMP); prints "wall user+sys"
#   repeat N CMD...        runs CMD N times; sets MEDIAN and CPU (seconds, medians) and RUNS (every wall time)
#   div A B                prints A / B (3 decimals; 0 when B is 0)
#   result ID WHAT MEASURED BASELINE RATIO OP TARGET
#                          prints one result line and appends it to $BENCH_OUT/results.tsv; MEASURED and
#                          BASELINE carry their units ("0.21 s"), the verdict is RATIO OP TARGET (OP "<=" or ">=")
#   note TEXT              a line for the report (also appended to $BENCH_OUT/notes.txt)
#   plan_fixture ARGS...   runs the benchmark module's PlanFixture (bench/target/xsnap-bench.jar) with ARGS

repo=${repo:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BENCH_OUT=${BENCH_OUT:-$repo/bench-out}
mkdir -p "$BENCH_OUT"
BENCH_TMP=${BENCH_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/xsnap-bench.XXXXXX")}

timed() {
    local TIMEFORMAT='%R %U %S' t
    t=$( { time "$@" >"$BENCH_TMP/last.out" 2>"$BENCH_TMP/last.err"; } 2>&1 ) || {
        echo "bench: command failed: $*" >&2
        sed 's/^/  /' "$BENCH_TMP/last.err" | tail -20 >&2
        return 1
    }
    awk '{printf "%.3f %.3f\n", $1, $2 + $3}' <<<"$t"
}

repeat() {
    local n=$1 i line
    shift
    local walls=() cpus=()
    for ((i = 0; i < n; i++)); do
        line=$(timed "$@") || return 1
        walls+=("${line% *}")
        cpus+=("${line#* }")
    done
    MEDIAN=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
    CPU=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
    RUNS="${walls[*]}"
}

div() {
    awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", (b != 0) ? a / b : 0}'
}

result() {
    local id=$1 what=$2 measured=$3 base=$4 ratio=$5 op=$6 target=$7 verdict
    verdict=$(awk -v r="$ratio" -v op="$op" -v t="$target" 'BEGIN {print ((op == "<=") ? (r <= t) : (r >= t)) ? "met" : "MISSED"}')
    printf '%s\t%s\t%s\t%s\t%s\t%s %s\t%s\n' "$id" "$what" "$measured" "$base" "$ratio" "$op" "$target" "$verdict" \
        >>"$BENCH_OUT/results.tsv"
    printf 'RESULT %s: %s: %s vs %s, ratio %s (target %s %s): %s\n' "$id" "$what" "$measured" "$base" "$ratio" "$op" \
        "$target" "$verdict"
}

note() {
    printf '%s\n' "$*" | tee -a "$BENCH_OUT/notes.txt"
}

plan_fixture() {
    local bench_jar=$repo/bench/target/xsnap-bench.jar
    [[ -f $bench_jar ]] || { echo "$0: build the benchmarks first: (cd bench && mvn -q package)" >&2; return 69; }
    java -cp "$repo/target/xsnap.jar:$bench_jar" io.xsnap.bench.PlanFixture "$@"
}
