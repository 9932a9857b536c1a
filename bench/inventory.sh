#!/usr/bin/env bash
# Inventory at scale: `xsnap images --json` (one JVM, headers read natively) against one
# `qemu-img info --output=json --backing-chain` per image, over N generated qcow2 images, and checks
# that both say the same about every chain element (file, backing file and format, snapshot names).
#
# usage: bench/inventory.sh [N]     (default 1000)
#
# Environment:
#   BENCH_REPEAT      runs of xsnap to take the median of (default 5); qemu-img runs: BENCH_REPEAT_SLOW (3)
#   BENCH_CHECKER     jq|python3: how to compare the outputs (default: jq when installed)
#
# Images come in groups of ten, each image with 20 internal snapshots: a base, a chain of three overlays on
# it, an overlay in a subdirectory whose backing name is "../base.qcow2", a compat=0.10 image and four
# plain images. One group is made with qemu-img, the others are sparse copies of it (relative backing names
# keep each copy self-contained). Everything lives in a temporary directory that is removed on exit.
set -euo pipefail

n=${1:-1000}
if ! [[ $n =~ ^[1-9][0-9]*0$ ]]; then
    echo "usage: $0 [N]  (N = number of images, a multiple of 10, default 1000)" >&2
    exit 64
fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
trap 'rm -rf "$BENCH_TMP"' EXIT
repeat_fast=${BENCH_REPEAT:-5}
repeat_slow=${BENCH_REPEAT_SLOW:-3}

command -v qemu-img >/dev/null || { echo "$0: qemu-img is not installed" >&2; exit 69; }
checker=${BENCH_CHECKER:-}
if [[ -z $checker ]]; then
    if command -v jq >/dev/null; then checker=jq; elif command -v python3 >/dev/null; then checker=python3; fi
fi
if [[ $checker != jq && $checker != python3 ]] || ! command -v "$checker" >/dev/null; then
    echo "$0: need jq or python3 to compare the outputs" >&2
    exit 69
fi
"$repo/xsnap" --version >/dev/null   # builds the jar and the class-data archive when needed

work=$BENCH_TMP/inventory
mkdir -p "$work/g0/sub" "$work/qemu"
cd "$work"

# --- one group of ten images, with qemu-img -----------------------------------------------------------
q() { qemu-img "$@" >/dev/null; }
snaps() { local s; for ((s = 1; s <= 20; s++)); do q snapshot -c "snap-$s" "$1"; done; }
q create -q -f qcow2 g0/base.qcow2 64M
q create -q -f qcow2 -b base.qcow2 -F qcow2 g0/ovl1.qcow2
q create -q -f qcow2 -b ovl1.qcow2 -F qcow2 g0/ovl2.qcow2
q create -q -f qcow2 -b ovl2.qcow2 -F qcow2 g0/ovl3.qcow2
q create -q -f qcow2 -b ../base.qcow2 -F qcow2 g0/sub/ovl4.qcow2
q create -q -f qcow2 -o compat=0.10 g0/old.qcow2 16M
for p in 6 7 8 9; do q create -q -f qcow2 "g0/plain$p.qcow2" 16M; done
members=(base.qcow2 ovl1.qcow2 ovl2.qcow2 ovl3.qcow2 sub/ovl4.qcow2 old.qcow2 plain6.qcow2 plain7.qcow2
    plain8.qcow2 plain9.qcow2)
for m in "${members[@]}"; do snaps "g0/$m"; done

# --- N/10 groups: sparse copies ---------------------------------------------------------------------------
echo "inventory: $n images (20 internal snapshots each, chains of up to 4) in $work"
for ((g = 1; g < n / 10; g++)); do cp -r --sparse=always g0 "g$g"; done
images=()
for ((g = 0; g < n / 10; g++)); do
    for m in "${members[@]}"; do images+=("g$g/$m"); done
done
printf '%s\n' "${images[@]}" >list.txt
for ((g = 0; g < n / 10; g++)); do mkdir -p "qemu/g$g/sub"; done

# --- qemu-img, one process per image ------------------------------------------------------------------
per_image() {
    local f
    while read -r f; do
        qemu-img info --output=json --backing-chain "$f" >"qemu/$f.json"
    done <list.txt
}
repeat "$repeat_slow" per_image
qemu_s=$MEDIAN
note "inventory $n: qemu-img once per image: median $qemu_s s of $repeat_slow runs ($RUNS)"

# --- xsnap, one JVM ---------------------------------------------------------------------------------------
repeat "$repeat_fast" "$repo/xsnap" images --json "${images[@]}"
xsnap_s=$MEDIAN
cp "$BENCH_TMP/last.out" xsnap.json
note "inventory $n: ./xsnap images --json: median $xsnap_s s of $repeat_fast runs ($RUNS), cpu $CPU s"

# --- compare: every chain element's file, backing file and format, and snapshot names -------------------
if [[ $checker == jq ]]; then
    (cd qemu && find . -name '*.json' | sed 's|^\./||' | sort | xargs jq -r '
        input_filename as $f | ($f | sub("\\.json$"; "")) as $p
        | to_entries[] | [$p, (.key | tostring), .value.filename, (.value["backing-filename"] // "-"),
          (.value["full-backing-filename"] // "-"), (.value["backing-filename-format"] // "-"),
          ([.value.snapshots[]?.name] | join(","))] | @tsv') | sort >qemu.tsv
    jq -r '.images[] | .path as $p
        | if .error then ["ERROR", $p, .error] | @tsv else empty end,
          (.chain | to_entries[] | [$p, (.key | tostring), .value.filename, (.value["backing-filename"] // "-"),
           (.value["full-backing-filename"] // "-"), (.value["backing-filename-format"] // "-"),
           ([.value.snapshots[]?.name] | join(","))] | @tsv)' xsnap.json | sort >xsnap.tsv
else
    python3 - <<'PY'
import json, os

def rows(path, chain):
    for depth, img in enumerate(chain):
        yield "\t".join([path, str(depth), img["filename"], img.get("backing-filename", "-"),
                         img.get("full-backing-filename", "-"), img.get("backing-filename-format", "-"),
                         ",".join(s["name"] for s in img.get("snapshots", []))])

qemu = []
for root, _, files in os.walk("qemu"):
    for name in files:
        rel = os.path.relpath(os.path.join(root, name), "qemu")[:-len(".json")]
        with open(os.path.join(root, name)) as fh:
            qemu.extend(rows(rel, json.load(fh)))
ours = []
with open("xsnap.json") as fh:
    for entry in json.load(fh)["images"]:
        if "error" in entry:
            ours.append("ERROR\t%s\t%s" % (entry["path"], entry["error"]))
        ours.extend(rows(entry["path"], entry["chain"]))
for out, lines in (("qemu.tsv", qemu), ("xsnap.tsv", ours)):
    with open(out, "w") as fh:
        fh.write("".join(line + "\n" for line in sorted(lines)))
PY
fi
elements=$(wc -l <qemu.tsv)
snapshots=$(cut -f7 qemu.tsv | tr ',' '\n' | grep -c . || true)
if ! diff -u qemu.tsv xsnap.tsv >diff.txt; then
    echo "MISMATCH between qemu-img and xsnap (first lines of the diff):" >&2
    head -40 diff.txt >&2
    exit 1
fi
note "inventory $n: same facts: $elements chain elements, $snapshots snapshot entries (checked with $checker)"
result "inventory-$n" "xsnap images --json, $n images, vs qemu-img info per image (speed-up)" \
    "$xsnap_s s" "$qemu_s s" "$(div "$qemu_s" "$xsnap_s")" ">=" 30
