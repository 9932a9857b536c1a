#!/usr/bin/env bash
# Live snapshots (`xsnap create --live`) of TCG guests per RAM size, idle and busy, both ways xsnap has:
#   - background: the guest's RAM is anonymous memory, QEMU's background-snapshot saves the memory of the
#     instant of the request while the guest runs (what --live does wherever QEMU allows it);
#   - pre-copy: the same guest with its RAM a private mapping of a file, which QEMU cannot write-protect, so xsnap
#     copies the memory while the guest runs and stops it at the end (what --live did before, and still does
#     for file-backed RAM). A pre-copy save that has not finished after BENCH_LIVE_CAP seconds (a background
#     one: ten times that) is killed and
#     reported as did-not-finish (DNF); the guest is then killed, and the next create first recovers (undoes)
#     the half snapshot.
# The busy guest (src/test/resources/io/xsnap/testing/busy_guest.S, assembled here with as/ld) rewrites all its
# low memory (up to 3 GiB) as fast as it can; the idle one has no bootable disk and halts in the firmware.
# Reported per size, load and way: the pause (xsnap's pause_millis: stop until the guest runs again), the
# total (save_millis: from the start of the save until the memory file is complete and fsynced, the disk cut
# included) and, busy, the guest's slowdown during the save (its memory-writing rate in the second before the
# start of xsnap over its mean rate while the migration was active, both sampled through a second QMP
# monitor; the JVM's own start competes for the CPU too). Baseline: `dd if=/dev/zero bs=1M conv=fsync` of the memory file's
# size into the store's file system (median of 3). Targets: the background total of a busy guest at most
# 1.3x that dd; the background pause at most the pre-copy pause of the same guest.
#
# usage: bench/live.sh [MIB...]     (default: 64 1024 4096; one guest at a time, killed after)
#   BENCH_LIVE_CAP     seconds a pre-copy save may take (default 60)
#   BENCH_REPEAT       snapshots per size, load and way up to 1 GiB (default 3; 1 above); medians
set -euo pipefail

sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(64 1024 4096)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$repo/bench/lib.sh"
cap=${BENCH_LIVE_CAP:-60}
for tool in qemu-system-x86_64 qemu-img jq python3 as ld timeout; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is not installed" >&2; exit 69; }
done
"$repo/xsnap" --version >/dev/null

work=$BENCH_TMP/live
q=$work/q
store=$work/store
mkdir -p "$q" "$store"
name=
watcher=
cleanup() {
    [[ -n $watcher ]] && kill "$watcher" 2>/dev/null || true
    local pid
    pid=$(cat "$q/$name.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -rf "$BENCH_TMP"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# the busy guest's boot disk, made from the checked-in source
as --32 -o "$work/busy.o" "$repo/src/test/resources/io/xsnap/testing/busy_guest.S"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$work/busy.img" "$work/busy.o"
qemu-img convert -q -f raw -O qcow2 "$work/busy.img" "$work/busy.qcow2"
qemu-img resize -q "$work/busy.qcow2" 64M

start_guest() { # MIB LOAD WAY
    local mib=$1 load=$2 way=$3 disk=$work/disk.qcow2 mem=()
    rm -f "$disk"
    if [[ $load == busy ]]; then cp "$work/busy.qcow2" "$disk"; else qemu-img create -q -f qcow2 "$disk" 64M; fi
    # a private mapping of a file: QEMU refuses to write-protect it (a memfd or tmpfs it accepts on Linux 6.x)
    if [[ $way == pre-copy ]]; then
        mem=(-machine memory-backend=m -object "memory-backend-file,id=m,size=${mib}M,mem-path=$work/ram.bin,share=off")
    fi
    name=g$mib-$load-$way
    qemu-system-x86_64 -name "$name" -machine pc -accel tcg -m "$mib" "${mem[@]}" -nodefaults -display none \
        -qmp "unix:$q/$name.qmp,server=on,wait=off" -qmp "unix:$q/$name.mon,server=on,wait=off" \
        -pidfile "$q/$name.pid" -daemonize -drive "id=xvda,file=$disk,format=qcow2,if=virtio"
}

stop_guest() {
    local pid
    pid=$(cat "$q/$name.pid")
    kill -9 "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -rf "${store:?}" "$work/ram.bin"
}

# the counter's rate (chunks/s) over [from, to] (unix seconds) from the watcher's samples
rate() {
    awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b { if (!n++) { t0 = $1; c0 = $2 } t1 = $1; c1 = $2 }
        END { print (n > 1 && t1 > t0) ? (c1 - c0) / (t1 - t0) : 0 }' "$work/counter.txt"
}

# how many times slower the guest wrote memory while QEMU saved it: its rate in the second before xsnap
# started (T0) over its rate while the migration was active (both from the watcher's samples)
slowdown() {
    awk -v x0="$1" '$3 == "active" || $3 == "setup" { if (!n++) { s0 = $1; d0 = $2 } s1 = $1; d1 = $2 }
         { t[NR] = $1; c[NR] = $2 }
         END {
             for (i = 1; i <= NR; i++) if (t[i] >= x0 - 1 && t[i] < x0) { if (!m++) { b0 = t[i]; e0 = c[i] } b1 = t[i]; e1 = c[i] }
             before = (b1 > b0) ? (e1 - e0) / (b1 - b0) : 0
             during = (s1 > s0) ? (d1 - d0) / (s1 - s0) : 0
             if (n < 2 || before <= 0) print "-"
             else if (during <= 0) print "stalled"
             else printf "%.1f\n", before / during
         }' "$work/counter.txt"
}

# busy: wait until the guest has written all its memory once (the counter passed the chunks of its region)
await_first_pass() {
    local mib=$1 low chunks
    low=$((mib > 3072 ? 3072 : mib))
    chunks=$(((low - 1) * 16))
    for ((i = 0; i < 600; i++)); do
        c=$( (tail -1 "$work/counter.txt" 2>/dev/null || true) | cut -d' ' -f2)
        [[ -n $c && $c -gt $chunks ]] && return 0
        sleep 0.1
    done
    echo "$0: the busy guest did not write its memory once within 60 s" >&2
    return 1
}

declare -A PAUSE TOTAL SLOW WAYS FILES
for mib in "${sizes[@]}"; do
    reps=${BENCH_REPEAT:-3}
    ((mib > 1024)) && reps=1
    for load in idle busy; do
        for way in background pre-copy; do
            pauses=() totals=() slows=() files=() used=()
            for ((r = 1; r <= reps; r++)); do
                start_guest "$mib" "$load" "$way"
                watcher=
                if [[ $load == busy ]]; then
                    rm -f "$work/counter.txt"
                    python3 "$repo/bench/guest_counter.py" "$q/$name.mon" "$work/counter.txt" &
                    watcher=$!
                    await_first_pass "$mib"
                    sleep 1
                else
                    sleep 1
                fi
                t0=$EPOCHREALTIME
                rc=0
                limit=$cap
                [[ $way == background ]] && limit=$((cap * 10))
                store=$work/store/$name-$r   # a store (and journal) per run: a killed run leaves its own
                mkdir -p "$store"
                timeout -s KILL "$limit" "$repo/xsnap" create "$name" --name "s$r" --store "$store" --qemu-dir "$q" \
                    --driver qemu --live --json >"$work/out.json" 2>"$work/err.txt" || rc=$?
                t1=$EPOCHREALTIME
                if [[ $load == busy ]]; then
                    sleep 0.3
                    kill "$watcher" 2>/dev/null || true
                    wait "$watcher" 2>/dev/null || true
                    watcher=
                fi
                if [[ $rc == 137 ]]; then
                    [[ $load == busy ]] && slows+=("$(slowdown "$t0")")
                    totals+=("DNF")
                    pauses+=("DNF")
                    note "live $mib MiB $load $way: did not finish within $limit s"
                    stop_guest
                    break
                elif [[ $rc != 0 ]]; then
                    echo "$0: xsnap create failed ($rc):" >&2
                    cat "$work/err.txt" >&2
                    stop_guest
                    exit 1
                fi
                # the create's result (a run after a killed one first recovers what that left)
                jq '[.results[] | select(.memory_save != null)][0]' "$work/out.json" >"$work/result.json"
                pauses+=("$(jq -r '.pause_millis' "$work/result.json")")
                totals+=("$(jq -r '.save_millis' "$work/result.json")")
                [[ $load == busy ]] && slows+=("$(slowdown "$t0")")
                used+=("$(jq -r '.memory_save' "$work/result.json")")
                files+=("$(stat -c %s "$store/$name/s$r/memory.save")")
                stop_guest
            done
            key=$mib-$load-$way
            if [[ ${totals[0]} == DNF ]]; then
                PAUSE[$key]=DNF TOTAL[$key]=DNF FILES[$key]=0
            else
                PAUSE[$key]=$(printf '%s\n' "${pauses[@]}" | median)
                TOTAL[$key]=$(printf '%s\n' "${totals[@]}" | median)
                FILES[$key]=$(printf '%s\n' "${files[@]}" | median)
            fi
            SLOW[$key]=$([[ ${#slows[@]} -gt 0 ]] && printf '%s\n' "${slows[@]}" | grep -E '^[0-9.]+$' | median || true)
            SLOW[$key]=${SLOW[$key]:--}
            WAYS[$key]="${used[*]}"
            note "live $mib MiB $load $way: saved as ${used[*]:-?}; pauses ${pauses[*]} ms, totals ${totals[*]} ms," \
                "slowdown ${slows[*]:--}x, memory files ${files[*]:-} bytes"
        done
        # the dd baseline: the background file's size, written with fsync into the store's file system
        bytes=${FILES[$mib-$load-background]}
        mb=$(((bytes + 1048575) / 1048576))
        dds=()
        for ((r = 1; r <= 3; r++)); do
            line=$(timed dd if=/dev/zero of="$work/store/dd.bin" bs=1M count="$mb" conv=fsync)
            dds+=("${line% *}")
            rm -f "$work/store/dd.bin"
        done
        dd_s=$(printf '%s\n' "${dds[@]}" | median)
        note "live $mib MiB $load: dd of $mb MiB with conv=fsync: ${dds[*]} s"
        bg=$mib-$load-background pc=$mib-$load-pre-copy
        pc_pause=${PAUSE[$pc]}
        [[ $pc_pause == DNF ]] && pc_pause_text="DNF (> $cap s)" || pc_pause_text="$pc_pause ms"
        result "live-pause-$mib-$load" "pause of a live snapshot, $mib MiB $load guest: background vs pre-copy" \
            "${PAUSE[$bg]} ms" "$pc_pause_text" "$([[ $pc_pause == DNF ]] && echo 0 || div "${PAUSE[$bg]}" "$pc_pause")" "<=" 1.0
        if [[ $load == busy ]]; then
            result "live-total-$mib" "total of a background live snapshot of a busy $mib MiB guest vs dd conv=fsync of its $mb MiB" \
                "$(div "${TOTAL[$bg]}" 1000) s" "$dd_s s" "$(div "$(div "${TOTAL[$bg]}" 1000)" "$dd_s")" "<=" 1.3
            note "live $mib MiB busy: total background $(div "${TOTAL[$bg]}" 1000) s, pre-copy" \
                "$([[ ${TOTAL[$pc]} == DNF ]] && echo "DNF (> $cap s)" || echo "$(div "${TOTAL[$pc]}" 1000) s");" \
                "slowdown background ${SLOW[$bg]}x, pre-copy ${SLOW[$pc]}x"
        fi
    done
done
{
    echo "| RAM | guest | way | pause | total | slowdown | memory file |"
    echo "|---|---|---|---|---|---|---|"
    for mib in "${sizes[@]}"; do
        for load in idle busy; do
            for way in background pre-copy; do
                k=$mib-$load-$way
                echo "| $mib MiB | $load | $way (${WAYS[$k]:-killed}) | ${PAUSE[$k]} ms | ${TOTAL[$k]} ms | ${SLOW[$k]}x | ${FILES[$k]} |"
            done
        done
    done
} | tee "$BENCH_OUT/live.md"
