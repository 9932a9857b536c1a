#!/usr/bin/env bash
# Pause window: memory snapshots (`xsnap create`) of QEMU guests whose RAM is a file of random bytes, so
# the migration stream carries every page (QEMU sends a zero page as a flag only, which would hide the
# cost on an idle guest). For each RAM size:
#   - not live: the pause xsnap measures (stop ... cont) against `dd if=/dev/zero ... conv=fsync` of the same
#     number of bytes into the store's file system (target: at most 1.2x);
#   - live: the pause (from QEMU's STOP event at the switch-over until cont returned; QEMU's own downtime
#     is shown beside it) against 100 ms (target: at most 1.0x, whatever the RAM size).
# Each snapshot also cuts the guest's qcow2 disk (an internal snapshot), as a real one would.
#
# usage: bench/pause.sh [MIB...]     (default: 64 256 1024)
#   BENCH_REPEAT   snapshots per size and mode (default 3); the medians are reported
#   BENCH_MODES    which snapshots to take (default "paused live")
#   XSNAP          the xsnap to measure (default: this checkout's ./xsnap; another build's, to compare two
#                  versions in alternating runs)
set -euo pipefail

sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(64 256 1024)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
reps=${BENCH_REPEAT:-3}
read -r -a modes <<<"${BENCH_MODES:-paused live}"
xsnap=${XSNAP:-$repo/xsnap}
for tool in qemu-system-x86_64 qemu-img jq; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 69; }
done
"$xsnap" --version >/dev/null

work=$BENCH_TMP/pause
q=$work/q
store=$work/store
mkdir -p "$q" "$store"
guests=()
cleanup() {
    local name pid
    for name in "${guests[@]}"; do
        pid=$(cat "$q/$name.pid" 2>/dev/null || true)
        if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    done
    rm -rf "$BENCH_TMP"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for mib in "${sizes[@]}"; do
    name=g$mib
    head -c "${mib}M" /dev/urandom >"$work/ram-$mib.bin"
    qemu-img create -q -f qcow2 "$work/disk-$mib.qcow2" 64M
    qemu-system-x86_64 -name "$name" -machine pc,memory-backend=m -accel tcg -m "$mib" \
        -object "memory-backend-file,id=m,size=${mib}M,mem-path=$work/ram-$mib.bin,share=on" \
        -nodefaults -display none -qmp "unix:$q/$name.qmp,server=on,wait=off" -pidfile "$q/$name.pid" -daemonize \
        -drive "id=xvda,file=$work/disk-$mib.qcow2,format=qcow2,if=virtio"
    guests+=("$name")

    for mode in "${modes[@]}"; do
        pauses=() downtimes=() files=()
        for ((i = 1; i <= reps; i++)); do
            snap=$mode-$i
            args=(create "$name" --name "$snap" --store "$store" --qemu-dir "$q" --driver qemu --json)
            [[ $mode == live ]] && args+=(--live)
            "$xsnap" "${args[@]}" >"$work/out.json" 2>"$work/err.txt" || {
                echo "$0: xsnap create failed:" >&2
                cat "$work/err.txt" >&2
                exit 1
            }
            pauses+=("$(jq -r '.results[0].pause_millis' "$work/out.json")")
            downtimes+=("$(jq -r '.results[0].downtime_millis' "$work/out.json")")
            files+=("$(stat -c %s "$store/$name/$snap/memory.save")")
            rm -f "$store/$name/$snap/memory.save"   # keep the file system from filling; the manifest stays
        done
        pause_ms=$(printf '%s\n' "${pauses[@]}" | median)
        bytes=$(printf '%s\n' "${files[@]}" | median)
        note "pause $mib MiB $mode: pauses ${pauses[*]} ms, QEMU downtime ${downtimes[*]} ms, memory files ${files[*]} bytes ($(div "$bytes" $((mib * 1048576))) of the RAM)"
        # a zero page travels as a flag: a file much smaller than the RAM means the RAM was not random data
        # (the firmware zeroes a few hundred KiB at boot)
        if ((bytes < mib * 1024 * 1024 * 98 / 100)); then
            echo "$0: the memory file ($bytes bytes) is much smaller than the guest's $mib MiB of RAM" >&2
            exit 1
        fi
        if [[ $mode == paused ]]; then
            mb=$(((bytes + 1048575) / 1048576))
            dds=()
            for ((i = 1; i <= reps; i++)); do
                line=$(timed dd if=/dev/zero of="$store/dd.bin" bs=1M count="$mb" conv=fsync)
                dds+=("${line% *}")
                rm -f "$store/dd.bin"
            done
            dd_s=$(printf '%s\n' "${dds[@]}" | median)
            note "pause $mib MiB: dd of $mb MiB with conv=fsync: ${dds[*]} s"
            result "pause-$mib" "pause of a $mib MiB guest's memory snapshot vs dd conv=fsync of its $mb MiB" \
                "$(div "$pause_ms" 1000) s" "$dd_s s" "$(div "$(div "$pause_ms" 1000)" "$dd_s")" "<=" 1.2
        else
            result "pause-live-$mib" "pause of a $mib MiB guest's live memory snapshot vs 100 ms" \
                "$pause_ms ms" "100 ms" "$(div "$pause_ms" 100)" "<=" 1.0
        fi
    done
    pid=$(cat "$q/$name.pid")
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$work/ram-$mib.bin"
done
