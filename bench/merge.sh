#!/usr/bin/env bash
# Deleting an external snapshot: its frozen file leaves the chain base <- frozen <- above either by
# committing `above` into it or by streaming it into `above`. For layers of different sizes, the bytes the
# direction xsnap's plan chose copies, against the smaller of the two (target: at most 1.05x).
#
# Bytes each direction copies, from `qemu-img map --output=json` of the top of the chain: a commit copies
# what `above` itself holds (depth 0), a stream copies what shows through from the frozen file (depth 1).
# Both are then done for real, with qemu-img on copies of the files (commit; rebase, which is the offline
# stream), and timed as a cross-check. The plan comes from `xsnap plan --json` against a store holding the
# snapshot, its domain shut off (so the merge is the offline one; a running domain gets the same choice).
#
# usage: bench/merge.sh
#   BENCH_MERGE_SCALE   MiB per unit of the layer sizes below (default 8)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
unit=${BENCH_MERGE_SCALE:-8}
for tool in qemu-img qemu-io jq; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 69; }
done
"$repo/xsnap" --version >/dev/null

# name, the frozen layer's writes, above's writes: "OFFSET+LENGTH" in units; "OFFSET+LENGTH!" writes the
# range, takes an internal snapshot, and writes it again (the old clusters stay for the snapshot: the file is
# twice as large as what a merge copies)
scenarios=(
    "small-above     0+12   16+1"
    "small-frozen    0+1    16+12"
    "overlapping     0+12   0+10"
    "frozen-history  0+8!   16+12"
)

write() { # FILE OFFSET+LENGTH[!]
    local range=${2%!} off len
    off=${range%+*} len=${range#*+}
    qemu-io -f qcow2 -c "write -P 0x5a $((off * unit))M $((len * unit))M" "$1" >/dev/null
    if [[ $2 == *! ]]; then
        qemu-img snapshot -c history "$1"
        qemu-io -f qcow2 -c "write -P 0x5b $((off * unit))M $((len * unit))M" "$1" >/dev/null
    fi
}

for s in "${scenarios[@]}"; do
    read -r name frozen_w above_w <<<"$s"
    dir=$BENCH_TMP/merge-$name
    store=$dir/store
    layers=$store/d1/layers
    mkdir -p "$layers" "$store/d1/s0" "$store/d1/s1" "$dir/img"
    base=$dir/img/base.qcow2
    frozen=$layers/xvda.1.qcow2
    above=$layers/xvda.2.qcow2
    qemu-img create -q -f qcow2 "$base" "$((32 * unit))M"
    qemu-img create -q -f qcow2 -b "$base" -F qcow2 "$frozen"
    write "$frozen" "$frozen_w"
    qemu-img create -q -f qcow2 -b "$frozen" -F qcow2 "$above"
    write "$above" "$above_w"
    manifest() { # NAME FROZEN OVERLAY CREATED
        cat <<JSON
{"format_version": 1, "name": "$1", "domain": "d1", "driver": "qemu", "created": "$4", "state": "running",
 "disks": [{"vdev": "xvda", "mode": "external", "format": "qcow2", "frozen": "$2", "overlay": "$3"}],
 "restart": {"argv": ["qemu-system-x86_64", "-name", "d1", "-drive", "id=xvda,file=$3,format=qcow2"]}}
JSON
    }
    manifest s0 "$base" "$frozen" 2026-01-01T00:00:00Z >"$store/d1/s0/snapshot.json"
    manifest s1 "$frozen" "$above" 2026-01-02T00:00:00Z >"$store/d1/s1/snapshot.json"
    printf 'apiVersion: xsnap/v1\nkind: DomainSnapshots\ndomain: d1\nsnapshots:\n  - name: s0\n  - name: s1\n    state: absent\n' \
        >"$dir/spec.yaml"
    "$repo/xsnap" plan --json --store "$store" --driver qemu --qemu-dir "$dir/no-guests" "$dir/spec.yaml" >"$dir/plan.json"
    chosen=$(jq -r '.changes[] | select(.snapshot == "s1") | .disks[0].merge' "$dir/plan.json")

    map=$(qemu-img map --output=json -f qcow2 "$above")
    commit_b=$(jq '[.[] | select(.depth == 0 and .data) | .length] | add // 0' <<<"$map")
    stream_b=$(jq '[.[] | select(.depth == 1 and .data) | .length] | add // 0' <<<"$map")

    # for real, on copies: commit above into frozen; rebase above past frozen (the offline stream)
    for d in commit stream; do
        mkdir -p "$dir/$d"
        cp --sparse=always "$base" "$frozen" "$above" "$dir/$d/"
        (cd "$dir/$d" && qemu-img rebase -u -b base.qcow2 -F qcow2 xvda.1.qcow2 \
            && qemu-img rebase -u -b xvda.1.qcow2 -F qcow2 xvda.2.qcow2)
    done
    commit_t=$(timed qemu-img commit -q -f qcow2 "$dir/commit/xvda.2.qcow2")
    stream_t=$(timed qemu-img rebase -f qcow2 -b "$dir/stream/base.qcow2" -F qcow2 "$dir/stream/xvda.2.qcow2")
    commit_t=${commit_t% *} stream_t=${stream_t% *}
    # both end with the same guest-visible data
    qemu-img compare -q -f qcow2 -F qcow2 "$dir/commit/xvda.1.qcow2" "$dir/stream/xvda.2.qcow2" \
        || { echo "$0: $name: commit and stream disagree" >&2; exit 1; }

    case $chosen in
        commit) chosen_b=$commit_b ;;
        stream) chosen_b=$stream_b ;;
        *) echo "$0: $name: the plan chose '$chosen':" >&2; jq . "$dir/plan.json" >&2; exit 1 ;;
    esac
    smaller=$((commit_b < stream_b ? commit_b : stream_b))
    mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
    note "merge $name: frozen writes $frozen_w, above writes $above_w (units of $unit MiB); commit copies $(mib "$commit_b") MiB (${commit_t} s), stream copies $(mib "$stream_b") MiB (${stream_t} s); the plan chose $chosen"
    result "merge-$name" "bytes the planned merge ($chosen) copies vs the smaller direction, $name layers" \
        "$(mib "$chosen_b") MiB" "$(mib "$smaller") MiB" "$(div "$chosen_b" "$smaller")" "<=" 1.05
done
