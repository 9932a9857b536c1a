#!/bin/sh
# Clones, backups and retention on real Xen (run in the lab's dom0 by `ci/xen-lab.sh test`; alone: put it, lib.sh and
# the jar into dom0, then `ci/xen-lab.sh run sh /lab/story-clone.sh`). Its own guest (web04) and store; it leaves no
# domain behind. A clone of a memory snapshot is started with `xl restore`, a clone of a disk-only snapshot with
# `xl create`; each clone's data is its own (the source and the other clone do not see its writes); delete-clone
# removes the domain and its files. A backup (the qdisk disk cut by QMP, the raw disk copied by reflink) holds the
# bytes of the instant of the cut, not the writes after it. A retention rule keeps the newest N. Every check reads
# the real bytes back (through a guest, or from the exported files). Prints "ok"/"FAIL" and "TIMING name seconds".
set -u
D=web04
export XSNAP_STORE=/lab/xfs/store-clone XSNAP_DRIVER=xl
CFG=/lab/$D.cfg
cd /lab
. /lab/lib.sh
cleanup() { for x in web04 app1 app2; do xl destroy $x 2>/dev/null; done; }

echo; echo "== clone 1. setup: $D with a qcow2 (qdisk) and a raw (blkback) disk on the XFS"
for x in app1 app2; do xl destroy $x 2>/dev/null; done
rm -rf /lab/xfs/backup-$D-*
xfs_up; rm -rf "$XSNAP_STORE"
new_guest clone-guest-start

echo; echo "== clone 2. the source snapshots: gold (memory) and gold2 (disk-only)"
write xvda A1; write xvdb B1
timed clone-create-gold create "$D" --name gold --xl-config "$CFG"
running
write xvda A2; write xvdb B2
timed clone-create-gold2 create "$D" --name gold2 --disk-only --xl-config "$CFG"
write xvda A3; write xvdb B3

echo; echo "== clone 3. app1: a clone of the memory snapshot gold, started with xl restore"
timed clone-restore clone "$D" gold --to app1 --start
on app1 running
on app1 expect xvda A1
on app1 expect xvdb B1
on app1 write xvda C1; on app1 write xvdb D1

echo; echo "== clone 4. app2: a clone of the disk-only snapshot gold2, started with xl create (a cold boot)"
timed clone-create clone "$D" gold2 --to app2 --start
on app2 ready
on app2 running
on app2 expect xvda A2
on app2 expect xvdb B2
on app2 write xvda E1; on app2 write xvdb F1

echo; echo "== clone 5. each one's data is its own"
expect xvda A3; expect xvdb B3
on app1 expect xvda C1; on app1 expect xvdb D1
on app2 expect xvda E1; on app2 expect xvdb F1
xsnap list > /tmp/list-$D 2>&1; cat /tmp/list-$D
grep -q "app1" /tmp/list-$D || fail "list does not name the clone app1"
echo "ok: list names the clones"
xsnap delete "$D" gold > /tmp/out-$D 2>&1 && fail "gold was deleted while app1 builds on it"
cat /tmp/out-$D
grep -q "delete-clone app1" /tmp/out-$D || fail "the refusal does not name the way out"
echo "ok: gold cannot be deleted while app1 uses it"

echo; echo "== clone 6. delete-clone: the domains and their own files go, the snapshots stay"
timed clone-delete delete-clone app1
timed clone-delete-2 delete-clone app2
gone app1; gone app2
[ -e "$XSNAP_STORE/app1" ] && { find "$XSNAP_STORE/app1"; fail "app1's files are left in the store"; }
[ -e "$XSNAP_STORE/app2" ] && { find "$XSNAP_STORE/app2"; fail "app2's files are left in the store"; }
echo "ok: nothing of app1 and app2 is left in the store"
running
expect xvda A3

echo; echo "== clone 7. a backup holds the instant of its cut (xvda cut by QMP, xvdb copied by reflink)"
write xvda A4; write xvdb B4
timed clone-backup backup "$D" --to /lab/xfs/backup-$D-1 --format raw
write xvda A5; write xvdb B5
for f in xvda:A4 xvdb:B4; do
  v=${f%%:*}; want=${f#*:}
  got=$(head -c 4096 /lab/xfs/backup-$D-1/$v.raw | tr -d '\000')
  [ "$got" = "$want" ] || fail "the backup's $v.raw starts with '$got', expected '$want'"
  echo "ok: backup $v.raw holds $want"
done
cat /lab/xfs/backup-$D-1/backup.json
for v in xvda xvdb; do
  sum=$(sha256sum < /lab/xfs/backup-$D-1/$v.raw | cut -c1-64)
  grep -q "$sum" /lab/xfs/backup-$D-1/backup.json || fail "backup.json has not the sha256 of $v.raw ($sum)"
done
echo "ok: backup.json holds the checksums of the files"
xsnap list "$D" | grep -q "backup-" && fail "the backup's temporary snapshot is left"
running
expect xvda A5; expect xvdb B5

echo; echo "== clone 8. retention: keep 1 of prefix hourly, every 1h (disk-only)"
cat > /lab/$D-retention.yaml <<EOF
apiVersion: xsnap/v1
kind: DomainSnapshots
domain: $D
xlConfig: $CFG
snapshots:
  - name: gold
  - name: gold2
    memory: false
retention:
  - prefix: hourly
    every: 1h
    keep: 1
    memory: false
EOF
timed retention-1 apply --auto-approve --now 2026-12-01T01:00:00Z /lab/$D-retention.yaml
timed retention-2 apply --auto-approve --now 2026-12-01T02:00:00Z /lab/$D-retention.yaml
grep -q "delete.*hourly-20261201T010000Z\|hourly-20261201T010000Z.*keep 1" /tmp/out-$D || fail "the second apply did not delete the older hourly snapshot"
xsnap list "$D" > /tmp/list-$D 2>&1; cat /tmp/list-$D
grep -q "hourly-20261201T010000Z" /tmp/list-$D && fail "the older hourly snapshot was kept"
grep -q "hourly-20261201T020000Z" /tmp/list-$D || fail "the newest hourly snapshot is not listed"
echo "ok: the newest hourly snapshot is kept, the older one deleted"
running
expect xvda A5

echo; echo "== clone 9. done: nothing left behind"
xl destroy "$D"
gone "$D"
rm -rf /lab/xfs/backup-$D-*
echo "CLONE STORY OK"
