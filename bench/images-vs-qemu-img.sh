#!/usr/bin/env bash
# Times `xsnap images --json` (one JVM, headers read natively) against one
# `qemu-img info --output=json --backing-chain` per image, over N generated
# qcow2 images, and checks both agree on every backing file and snapshot name.
#
# usage: bench/images-vs-qemu-img.sh [N]     (default 1000)
#
# Environment:
#   BENCH_CHECKER=jq|python3   how to compare the outputs (default: jq when installed)
#   BENCH_TUNED=1              also time the jar with JVM flags a launcher script could use
#                              for short runs (an AppCDS archive from a training run, C1 only,
#                              serial GC); the ratio printed last is always the plain
#                              `java -jar` one
#
# Images come in groups of ten: a base with 20 internal snapshots, a chain of
# three overlays on it, an overlay in a subdirectory whose backing name is
# "../../base/…", a compat=0.10 image, an image with 5 snapshots, and plain
# images. Everything lives in a temporary directory that is removed on exit.
set -euo pipefail

n=${1:-1000}
if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: $0 [N]  (N = number of images, default 1000)" >&2
    exit 64
fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jar=$repo/target/xsnap.jar

command -v qemu-img >/dev/null || { echo "$0: qemu-img is not installed" >&2; exit 69; }
command -v java >/dev/null || { echo "$0: java is not installed" >&2; exit 69; }
checker=${BENCH_CHECKER:-}
if [[ -z $checker ]]; then
    if command -v jq >/dev/null; then
        checker=jq
    elif command -v python3 >/dev/null; then
        checker=python3
    else
        echo "$0: need jq or python3 to compare the outputs" >&2
        exit 69
    fi
fi
if [[ $checker != jq && $checker != python3 ]] || ! command -v "$checker" >/dev/null; then
    echo "$0: cannot compare with '$checker' (jq or python3)" >&2
    exit 69
fi
if [[ ! -f $jar ]]; then
    echo "building $jar ..."
    (cd "$repo" && mvn -o -q -DskipTests package)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/xsnap-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p base ovl/sub plain qemu/base qemu/ovl/sub qemu/plain

q() { qemu-img "$@" >/dev/null; }

# --- make the images --------------------------------------------------------
echo "creating $n images in $work ..."
images=()
for ((i = 0; i < n; i++)); do
    g=$((i / 10))
    case $((i % 10)) in
        0) f=base/$g.qcow2
           q create -q -f qcow2 "$f" 64M
           for ((s = 0; s < 20; s++)); do q snapshot -c "snap-$g-$s" "$f"; done ;;
        1) f=ovl/$g-1.qcow2; q create -q -f qcow2 -b "../base/$g.qcow2" -F qcow2 "$f" ;;
        2) f=ovl/$g-2.qcow2; q create -q -f qcow2 -b "$g-1.qcow2" -F qcow2 "$f" ;;
        3) f=ovl/$g-3.qcow2; q create -q -f qcow2 -b "$g-2.qcow2" -F qcow2 "$f" ;;
        4) f=ovl/sub/$g-4.qcow2; q create -q -f qcow2 -b "../../base/$g.qcow2" -F qcow2 "$f" ;;
        5) f=plain/$g-5.qcow2; q create -q -f qcow2 -o compat=0.10 "$f" 16M ;;
        6) f=plain/$g-6.qcow2
           q create -q -f qcow2 "$f" 16M
           for ((s = 0; s < 5; s++)); do q snapshot -c "s$s" "$f"; done ;;
        *) f=plain/$g-$((i % 10)).qcow2; q create -q -f qcow2 "$f" 16M ;;
    esac
    images+=("$f")
done

now() { echo "$EPOCHREALTIME"; }

# --- qemu-img, once per image -----------------------------------------------
echo "qemu-img info --output=json --backing-chain, once per image ..."
t0=$(now)
for f in "${images[@]}"; do
    qemu-img info --output=json --backing-chain "$f" >"qemu/$f.json"
done
t1=$(now)

# --- xsnap, one JVM for all images ------------------------------------------
echo "java -jar xsnap.jar images --json, all images at once ..."
t2=$(now)
java -jar "$jar" images --json "${images[@]}" >xsnap.json
t3=$(now)

if [[ ${BENCH_TUNED:-} == 1 ]]; then
    echo "the same with an AppCDS archive, C1 only and the serial GC ..."
    java -XX:ArchiveClassesAtExit="$work/xsnap.jsa" -jar "$jar" images --json "${images[@]}" >/dev/null 2>&1
    t4=$(now)
    java -XX:SharedArchiveFile="$work/xsnap.jsa" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        -jar "$jar" images --json "${images[@]}" >tuned.json
    t5=$(now)
    cmp -s xsnap.json tuned.json || { echo "$0: the tuned run printed something else" >&2; exit 1; }
fi

# --- compare: every chain element's file, backing file and snapshot names ----
if [[ $checker == jq ]]; then
    # one line per chain element: path, depth, filename, backing, full backing, backing format, snapshots
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
    python3 - <<'EOF'
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
EOF
fi

elements=$(wc -l <qemu.tsv)
snapshots=$(cut -f7 qemu.tsv | tr ',' '\n' | grep -c . || true)
if ! diff -u qemu.tsv xsnap.tsv >diff.txt; then
    echo "MISMATCH between qemu-img and xsnap (first lines of the diff):" >&2
    head -40 diff.txt >&2
    exit 1
fi

awk -v n="$n" -v el="$elements" -v sn="$snapshots" -v c="$checker" \
    -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="${t4:-0}" -v t5="${t5:-0}" 'BEGIN {
    q = t1 - t0; x = t3 - t2
    printf "agree: %d images, %d chain elements, %d snapshot entries (checked with %s)\n", n, el, sn, c
    printf "qemu-img (one process per image): %8.3f s  (%.2f ms/image)\n", q, 1000 * q / n
    printf "xsnap images (one JVM):           %8.3f s  (%.2f ms/image)\n", x, 1000 * x / n
    if (t5 > 0) printf "xsnap, tuned JVM (BENCH_TUNED):   %8.3f s  (%.2f ms/image, %.1fx)\n", t5 - t4,
                       1000 * (t5 - t4) / n, q / (t5 - t4)
    printf "ratio: xsnap is %.1fx faster\n", q / x
}'
