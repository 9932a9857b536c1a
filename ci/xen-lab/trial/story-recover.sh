#!/bin/sh
# Recovery after a kill at the xl steps, on real Xen (run in the lab's dom0 by `ci/xen-lab.sh test`; alone: put it
# and the jar into dom0, then `ci/xen-lab.sh run sh /lab/story-recover.sh`). Its own guest (web05) and store; it
# leaves no domain behind. xsnap is killed (SIGKILL) while its `xl save` runs, after the save and the QMP cut (before
# the manifest), at the cut of a disk-only snapshot (the domain paused for the raw copy), in a revert after
# `xl destroy` (before `xl restore`), and while its `xl restore` runs; each time `xsnap recover` must leave the
# domain running as planned, a later plan must have nothing left to do, no stray file may stay in the store, and at
# the end every complete snapshot reverts to its bytes, read back through the guest.
# The kills at step boundaries use XSNAP_TEST_KILL_AT (test only: xsnap stops itself there and waits for the kill).
set -u
D=web05
export XSNAP_STORE=/lab/xfs/store-recover XSNAP_DRIVER=xl
CFG=/lab/$D.cfg
cd /lab
. /lab/lib.sh
cleanup() { xl destroy web05 2>/dev/null; }

# bg ARGS...: xsnap in the background, its pid in $jpid, its output in /tmp/out-$D
bg() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar /lab/xsnap.jar "$@" > /tmp/out-$D 2>&1 & jpid=$!; }
# killat WHAT: SIGKILL xsnap ($jpid) as soon as its child "xl WHAT" runs; fails if xsnap ends first
killat() {
  for i in $(seq 3000); do
    c=$(ps -o pid=,args= --ppid "$jpid" 2>/dev/null | grep "xl $1 " | awk '{ print $1 }' | head -1)
    if [ -n "$c" ]; then
      kill -9 "$jpid"; wait "$jpid" 2>/dev/null
      echo "ok: killed xsnap ($jpid) while its child xl $1 ($c) ran; xl list: $(xl list "$D" | awk 'NR == 2 { print $5 }')"
      return 0
    fi
    kill -0 "$jpid" 2>/dev/null || { cat /tmp/out-$D; fail "xsnap ended before it ran xl $1"; }
    sleep 0.1
  done
  fail "xsnap never ran xl $1"
}
# stopat STEP ARGS...: xsnap stops itself at the journal step STEP (XSNAP_TEST_KILL_AT, test only); SIGKILL it there
stopat() {
  at=$1; shift
  XSNAP_TEST_KILL_AT=$at bg "$@"
  for i in $(seq 3000); do
    if grep -q "xsnap-test: stopped at $at" /tmp/out-$D; then
      kill -9 "$jpid"; wait "$jpid" 2>/dev/null
      echo "ok: killed xsnap at the step '$at'; xl list: $(xl list "$D" 2>/dev/null | awk 'NR == 2 { print $5 }')"
      return 0
    fi
    kill -0 "$jpid" 2>/dev/null || { cat /tmp/out-$D; fail "xsnap ended before the step $at"; }
    sleep 0.1
  done
  fail "xsnap never reached the step $at"
}
# nothing stray in the store: every file under layers/ is named by a manifest or the restore config, or is in the
# backing chain of a file they name; every snapshot directory has its manifest
nostray() {
  dd=$XSNAP_STORE/$D
  cat "$dd"/*/snapshot.json "$dd/xl-restore.cfg" 2>/dev/null > /tmp/known-$D
  for top in $(cat /tmp/known-$D | grep -o "$dd/layers/[^\"', ]*" | sort -u) /lab/xfs/$D-a.qcow2; do
    qemu-img info -U --backing-chain "$top" 2>/dev/null | grep '^image:' >> /tmp/known-$D
  done
  bad=""
  for f in $(find "$dd/layers" -type f 2>/dev/null); do
    grep -q "$f" /tmp/known-$D || bad="$bad $f"
  done
  for s in "$dd"/*/; do
    [ "$s" = "$dd/layers/" ] && continue
    [ -f "$s/snapshot.json" ] || bad="$bad $s(no manifest)"
  done
  ls "$dd"/*/*.tmp "$dd"/layers/*.tmp 2>/dev/null && bad="$bad tmp-files"
  [ -z "$bad" ] || { find "$dd" -type f; fail "stray files in the store:$bad"; }
  echo "ok: nothing stray in the store ($(find "$dd" -type f | wc -l) files, each accounted for)"
}
recover() {
  timed "$1" recover
  running
  timed "$1-plan" plan --detailed-exitcode /lab/$D-empty.yaml
}

echo; echo "== recover 1. setup: $D with a qcow2 (qdisk) and a raw (blkback) disk on the XFS"
xfs_up; rm -rf "$XSNAP_STORE"
new_guest recover-guest-start

cat > /lab/$D-empty.yaml <<EOF
apiVersion: xsnap/v1
kind: DomainSnapshots
domain: $D
snapshots: []
EOF
write xvda A1; write xvdb B1
timed recover-base create "$D" --name base --xl-config "$CFG"
running

echo; echo "== recover 2. xsnap killed during xl save: recover leaves $D running, no half snapshot, nothing stray"
write xvda A2; write xvdb B2
bg create "$D" --name k1 --xl-config "$CFG"
killat save
sleep 1
echo "after the kill: $(xl list "$D" | awk 'NR == 2 { print $5 }'), xl save still running: $(ps -eo args= | grep -c '^/usr/lib/xen-4.17/bin/xl save')"
recover recover-after-save-kill
xsnap list "$D" > /tmp/list-$D 2>&1; cat /tmp/list-$D
grep -q "k1" /tmp/list-$D && fail "the half snapshot k1 is listed"
[ -e "$XSNAP_STORE/$D/k1" ] && fail "k1's directory is left"
nostray
expect xvda A2; expect xvdb B2

echo; echo "== recover 3. killed after the save and the QMP cut, before the manifest: recover finishes k2"
stopat cut-done create "$D" --name k2 --xl-config "$CFG"
recover recover-after-cut
xsnap list "$D" > /tmp/list-$D 2>&1; cat /tmp/list-$D
grep -q "k2" /tmp/list-$D || fail "k2 was not finished"
nostray
expect xvda A2; expect xvdb B2

echo; echo "== recover 4. killed at the QMP cut of a disk-only snapshot ($D paused by xsnap for the raw copy)"
write xvda A3; write xvdb B3
stopat cut create "$D" --name k3 --disk-only --xl-config "$CFG"
recover recover-at-cut
xsnap list "$D" > /tmp/list-$D 2>&1; cat /tmp/list-$D
grep -q "k3" /tmp/list-$D && fail "the half snapshot k3 is listed"
nostray
expect xvda A3; expect xvdb B3

echo; echo "== recover 5. a revert killed after xl destroy, before xl restore: recover starts $D from k2"
stopat start revert "$D" k2 --force --xl-config "$CFG"
xl list "$D" >/dev/null 2>&1 && fail "$D is still listed after the revert's destroy"
echo "ok: $D is destroyed"
recover recover-revert-start
expect xvda A2; expect xvdb B2
nostray

echo; echo "== recover 6. a revert killed during xl restore: recover leaves $D running on base"
write xvda A4
bg revert "$D" base --force --xl-config "$CFG"
killat restore
recover recover-during-restore
expect xvda A1; expect xvdb B1
nostray

echo; echo "== recover 7. every complete snapshot still reverts to its bytes"
timed recover-revert-k2 revert "$D" k2 --force --xl-config "$CFG"
running
expect xvda A2; expect xvdb B2
timed recover-revert-base revert "$D" base --force --xl-config "$CFG"
running
expect xvda A1; expect xvdb B1
nostray

echo; echo "== recover 8. delete k2 (memory, xvda internal in the running chain, xvdb's reflink copy); base still reverts"
timed recover-delete delete "$D" k2
running
nostray
timed recover-revert-base-2 revert "$D" base --force --xl-config "$CFG"
running
expect xvda A1; expect xvdb B1

echo; echo "== recover 9. done: nothing left behind"
xl destroy "$D"
gone "$D"
echo "RECOVER STORY OK"
