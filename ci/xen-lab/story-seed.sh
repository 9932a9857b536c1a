#!/bin/sh
# The seed's interface on real Xen (run in the lab's dom0 by `ci/xen-lab.sh test`, after story.sh; it can run
# alone too: `ci/xen-lab.sh put` it, lib.sh and the jar, then `ci/xen-lab.sh run sh /lab/story-seed.sh`):
# snapshot-create with a cfgfile (name, description shown by `list`, an external disk file where the cfgfile says),
# snapshot-create of a memory snapshot by --name, a revert of it to a paused domain (xl restore -p), and
# snapshot-revert with the cfgfile, and a cfgfile's memory_path (the file written there, reverted from, deleted
# with the snapshot). Its own guest (web03), its own store; it leaves no domain behind.
# Every check reads the real bytes back through the guest. Prints "ok"/"FAIL" lines and "TIMING name seconds".
set -u
D=web03
export XSNAP_STORE=/lab/xfs/store-seed XSNAP_DRIVER=xl XSNAP_TRUST_DIR=/lab/xfs/trust-seed
CFG=/lab/$D.cfg
cd /lab
. /lab/lib.sh
cleanup() { xl destroy "$D" 2>/dev/null; }

echo; echo "== seed 1. setup: $D with a qcow2 (qdisk) and a raw (blkback) disk on the XFS"
xfs_up; rm -rf "$XSNAP_STORE" "$XSNAP_TRUST_DIR"
new_guest seed-guest-start

echo; echo "== seed 2. snapshot-create with a cfgfile: name, description, xvda's external file where the cfgfile says"
write xvda A1; write xvdb B1
cat > /lab/$D-seed1.cfg <<EOF
# the seed's snapshot cfgfile (no memory_path: disk-only)
name="seed1"
description="before the upgrade"
disks=['/lab/xfs/$D-a.seed1.qcow2,qcow2,xvda']
EOF
timed seed-create-cfgfile snapshot-create "$D" /lab/$D-seed1.cfg --xl-config "$CFG"
running
[ -f /lab/xfs/$D-a.seed1.qcow2 ] || fail "the external file the cfgfile names was not made"
qemu-img info -U --output=json /lab/xfs/$D-a.seed1.qcow2 | grep -q "\"backing-filename\": \"/lab/xfs/$D-a.qcow2\"" \
  || fail "$D-a.seed1.qcow2 is not an overlay on $D-a.qcow2"
echo "ok: xvda runs on the cfgfile's file /lab/xfs/$D-a.seed1.qcow2 over the frozen $D-a.qcow2"
xsnap list "$D" > /tmp/list-$D 2>&1; cat /tmp/list-$D
grep -q "seed1.*before the upgrade" /tmp/list-$D || fail "list does not show seed1 with its description"
echo "ok: list shows seed1 with its description"

echo; echo "== seed 3. snapshot-create of a memory snapshot by --name (no cfgfile)"
write xvda A2; write xvdb B2
timed seed-create-memory snapshot-create "$D" --name seed2 --xl-config "$CFG"
running
write xvda A3; write xvdb B3
expect xvda A3

echo; echo "== seed 4. revert of the memory snapshot seed2 to a paused domain (xl restore -p)"
timed seed-revert-paused revert "$D" seed2 --paused --force --xl-config "$CFG"
[ "$(state)" = "--p---" ] || fail "after revert --paused $D is '$(state)', expected --p---"
echo "ok: $D is paused after the revert (--p---)"
xl unpause "$D" || fail "xl unpause"
running
expect xvda A2
expect xvdb B2
write xvda A4

echo; echo "== seed 5. snapshot-revert with the cfgfile: back to the disk-only seed1 (a cold start)"
timed seed-revert-cfgfile snapshot-revert "$D" /lab/$D-seed1.cfg --running --force --xl-config "$CFG"
ready
running
expect xvda A1
expect xvdb B1
xsnap list "$D" > /tmp/list-$D 2>&1; cat /tmp/list-$D
# seed2's internal snapshot lives in the cfgfile's file /lab/xfs/web03-a.seed1.qcow2, outside the store; the revert to
# seed1 took it out of the domain's chain, and xsnap's persistent record that it made that file vouches for it
grep -q "seed2.*damaged\|damaged.*seed2" /tmp/list-$D && fail "seed2 (its tag in a layer xsnap made outside the store) is listed as damaged"

echo; echo "== seed 6. snapshot-create with memory_path: memory where the cfgfile says, reverted from, deleted with it"
M=/lab/xfs/mem/$D-seed3.save
mkdir -p /lab/xfs/mem && chmod 700 /lab/xfs/mem && rm -f "$M"
write xvda A5; write xvdb B5
printf 'name="seed3"\nmemory_path="%s"\n' "$M" > /lab/$D-seed3.cfg
timed seed-create-memory-path snapshot-create "$D" /lab/$D-seed3.cfg --xl-config "$CFG"
running
[ "$(stat -c %a "$M" 2>/dev/null)" = 600 ] || fail "no 0600 memory file at $M"
[ -e "$XSNAP_STORE/$D/seed3/memory.save" ] && fail "the memory was saved in the store as well"
xsnap list "$D" > /tmp/list-$D 2>&1; cat /tmp/list-$D
grep -q "seed3.* in $M" /tmp/list-$D || fail "list does not show seed3's memory file $M"
echo "ok: seed3's memory is in $M (0600), and list shows it"
write xvda A6
timed seed-revert-memory-path revert "$D" seed3 --force --xl-config "$CFG"
running
expect xvda A5
expect xvdb B5
timed seed-delete-memory-path delete "$D" seed3
[ -e "$M" ] && fail "$M outlived its snapshot"
echo "ok: $M was deleted with seed3"

echo; echo "== seed 7. done: nothing left behind"
xl destroy "$D"
xl list | grep -q "^$D " && fail "$D is still listed"
echo "SEED STORY OK"
