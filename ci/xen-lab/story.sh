#!/bin/sh
# The xl end-to-end story, run inside the lab's dom0 by `ci/xen-lab.sh test` (as root, real Xen 4.17):
# a PV guest with a qcow2 disk on qdisk (xvda) and a raw disk on blkback (xvdb, a file on a loop-mounted XFS
# made with reflink) writes known text to its disks; xsnap (/lab/xsnap.jar, JDK 17 in dom0) takes snapshots
# (memory + internal, memory + external, disk-only, a chain), deletes one in the middle of the chain
# (live block jobs through qdisk), and reverts; every check reads the real bytes back through the guest.
# Prints one "ok"/"FAIL" line per check and "TIMING name seconds" lines; exits 1 on the first failure.
# STORY_FROM=N starts at section N (the sections are numbered in the "==" lines), on the state a run left.
set -u
export XSNAP_STORE=/lab/xfs/store XSNAP_DRIVER=xl
D=web02
CFG=/lab/$D.cfg
cd /lab
. /lab/lib.sh

n=0
# step TITLE: the next section; false (skip it) before STORY_FROM
step() { n=$((n + 1)); [ "$n" -ge "${STORY_FROM:-1}" ] || return 1; echo; echo "== $n. $*"; }

if step "setup: an XFS with reflink, a qcow2 and a raw disk, the guest's config"; then
xfs_up; rm -rf "/lab/xfs/store/$D"
new_guest guest-start

fi
if step "what Xen shows: xl list -l disks, the qdisk backend in xenstore"; then
xl list -l "$D" | grep -A7 '"disks"' | head -20
id=$(xl domid "$D")
xenstore-ls "/local/domain/0/backend/qdisk/$id" | grep -E '^ *(params|type|mode) ' | head
xenstore-ls "/local/domain/0/backend/vbd/$id" 2>/dev/null | grep -E '^ *(params|type|mode) ' | head
ls /var/run/xen/ | grep -E "qmp-libxl-$id\$" || fail "no QMP socket for domid $id"

fi
if step "memory + internal: s1, and back to it"; then
write xvda A1; write xvdb B1
timed create-memory-internal create "$D" --name s1 --xl-config "$CFG"
running
write xvda A2; write xvdb B2
expect xvda A2
timed revert-memory-internal revert "$D" s1 --force --xl-config "$CFG"
running
expect xvda A1
expect xvdb B1
write xvda A2; write xvdb B2
fi
if step "a paused domain is refused a memory snapshot at once (Xen fails xl save of a paused PV guest after ~60 s)"; then
xl pause "$D"
t=$(now)
xsnap create "$D" --name refused --xl-config "$CFG" > /tmp/out 2>&1 && fail "a memory snapshot of a paused domain was taken"
cat /tmp/out
grep -q "acknowledge its suspend" /tmp/out || fail "the refusal does not say why"
echo "ok: refused in $(since "$t") s"
[ "$(state)" = "--p---" ] || fail "the paused domain is $(state)"
xl unpause "$D"
running

fi
if step "memory + external: s2"; then
timed create-memory-external create "$D" --name s2 --disk xvda=external --xl-config "$CFG"
running
write xvda A3; write xvdb B3

fi
if step "disk-only (external): s3"; then
timed create-disk-only create "$D" --name s3 --disk-only --disk xvda=external --xl-config "$CFG"
running
fi
if step "disk-only again: s4 on top of s3"; then
write xvda A4; write xvdb B4
timed create-disk-only-2 create "$D" --name s4 --disk-only --disk xvda=external --xl-config "$CFG"
write xvda A5; write xvdb B5
xsnap list "$D"
xsnap observe | sed -n '1,12p'

fi
if step "delete s3, in the middle of the chain, while the guest runs (a live block job through qdisk)"; then
timed delete-middle delete "$D" s3
running
expect xvda A5
expect xvdb B5
xsnap list "$D"

fi
if step "revert to the disk-only s4: a cold start on the layers as they were"; then
timed revert-disk-only revert "$D" s4 --force --xl-config "$CFG"
ready
running
expect xvda A4
expect xvdb B4

fi
if step "revert to s2 (memory + external)"; then
timed revert-memory-external revert "$D" s2 --force --xl-config "$CFG"
running
expect xvda A2
expect xvdb B2

fi
if step "s1 (internal) is refused now: its qcow2 has become the backing file of later external layers"; then
xsnap revert "$D" s1 --force --xl-config "$CFG" > /tmp/out 2>&1 && fail "s1 was reverted onto a backing file"
cat /tmp/out
grep -q "is now the backing file of" /tmp/out || fail "the refusal does not say why"
echo "ok: refused, nothing changed"
running
expect xvda A2
fi
if step "the rest is still revertible: s4 again"; then
timed revert-disk-only-again revert "$D" s4 --force --xl-config "$CFG"
ready
expect xvda A4
expect xvdb B4
xsnap list "$D"

fi
if step "done"; then
xl destroy "$D"
echo "STORY OK"
fi
