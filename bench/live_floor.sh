#!/usr/bin/env bash
# The floor of a background live snapshot's pause, step by step (bench/live_floor.py), on a busy guest per
# RAM size: QmpBackgroundSave's sequence (stop, one-disk transaction, migrate with background-snapshot) and
# the same without the disk cut, 3 snapshots each in one guest. The guest's RAM starts mostly in transparent
# huge pages (QEMU asks for them); each background save splits the pages the guest writes during it, so
# the first snapshot of a guest and the later ones differ: AnonHugePages is printed before each.
#
# usage: bench/live_floor.sh [MIB...]     (default: 64 1024 4096); results go to $BENCH_OUT/notes.txt
set -euo pipefail
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(64 1024 4096)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
work=$BENCH_TMP/floor
mkdir -p "$work"
pid=
cleanup() {
    [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null || true
    rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
as --32 -o "$work/busy.o" "$repo/src/test/resources/io/xsnap/testing/busy_guest.S"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$work/busy.img" "$work/busy.o"
for mib in "${sizes[@]}"; do
    qemu-img convert -q -f raw -O qcow2 "$work/busy.img" "$work/disk.qcow2"
    qemu-img resize -q "$work/disk.qcow2" 64M
    qemu-system-x86_64 -name floor -machine pc -accel tcg -m "$mib" -nodefaults -display none \
        -qmp "unix:$work/floor.qmp,server=on,wait=off" -pidfile "$work/floor.pid" -daemonize \
        -drive "id=xvda,file=$work/disk.qcow2,format=qcow2,if=virtio"
    pid=$(cat "$work/floor.pid")
    sleep $((2 + mib / 1024 * 2))   # its first pass over the RAM
    for cut in cut none cut none cut none; do
        thp=$(awk '/AnonHugePages/ {print $2 / 1024 " MiB"}' "/proc/$pid/smaps_rollup")
        line=$(python3 "$repo/bench/live_floor.py" "$work/floor.qmp" "$work/mem.save" "$cut")
        note "floor $mib MiB busy, $cut, THP $thp: $line"
        rm -f "$work/mem.save"
    done
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    pid=
    rm -f "$work/disk.qcow2"
done
