#!/usr/bin/env bash
# Does a background live snapshot pause less when the guest's RAM is back in transparent huge pages? A busy
# guest per RAM size; snapshots (bench/live_floor.py, without the disk cut unless CUT=cut) alternate between
# "plain" (RAM as the previous save left it: the pages the guest wrote are split to 4 KiB) and "collapse"
# (bench/thp_collapse.py first: MADV_COLLAPSE on QEMU's RAM, while the guest runs). AnonHugePages is printed
# before each. Needs root (process_madvise) and Linux 6.1+; changes no host-wide setting.
#
# usage: bench/live_thp.sh [MIB...]     (default: 64 1024); BENCH_REPEAT pairs per size (default 3)
set -euo pipefail
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(64 1024)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
reps=${BENCH_REPEAT:-3}
work=$BENCH_TMP/thp
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
    qemu-system-x86_64 -name thp -machine pc -accel tcg -m "$mib" -nodefaults -display none \
        -qmp "unix:$work/thp.qmp,server=on,wait=off" -pidfile "$work/thp.pid" -daemonize \
        -drive "id=xvda,file=$work/disk.qcow2,format=qcow2,if=virtio"
    pid=$(cat "$work/thp.pid")
    sleep $((2 + mib / 1024 * 2))   # its first pass over the RAM
    for ((i = 1; i <= reps; i++)); do
        for mode in plain collapse; do
            collapsed=
            [[ $mode == collapse ]] && collapsed=$(python3 "$repo/bench/thp_collapse.py" "$pid" "$mib")
            thp=$(awk '/AnonHugePages/ {print $2 / 1024 " MiB"}' "/proc/$pid/smaps_rollup")
            line=$(python3 "$repo/bench/live_floor.py" "$work/thp.qmp" "$work/mem.save" "${CUT:-none}")
            note "thp $mib MiB busy, $mode, THP $thp $collapsed: $line"
            rm -f "$work/mem.save"
            sleep 1
        done
    done
    kill -9 "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    pid=
    rm -f "$work/disk.qcow2"
done
