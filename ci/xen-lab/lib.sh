# Shell functions the lab's parts share, sourced in dom0 as /lab/lib.sh (ci/xen-lab.sh test puts it there):
# a part sets D (its guest), CFG, XSNAP_STORE and XSNAP_DRIVER=xl, sources this, and may define cleanup()
# (run by fail before it exits). The guest's init answers commands written to its xenstore home
# (guest-init.sh).
now() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
cleanup() { :; }
fail() { echo "FAIL: $*"; xl list; cleanup; exit 1; }
xsnap() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar /lab/xsnap.jar "$@"; }

# waits until the guest's init has written data/ready (a cold boot or a restore of a fresh domid)
ready() {
  id=$(xl domid "$D") || fail "$D is not listed"
  for _ in $(seq 600); do
    xenstore-read "/local/domain/$id/data/ready" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  fail "$D (domid $id) never said ready"
}

# g CMD...: a command for the guest's init over xenstore; prints its answer
g() {
  id=$(xl domid "$D") || fail "$D is not listed"
  seq=$(date +%s%N)
  xenstore-write "/local/domain/$id/data/cmd" "$seq $*"
  for _ in $(seq 1200); do
    r=$(xenstore-read "/local/domain/$id/data/result" 2>/dev/null)
    case "$r" in "$seq "*) echo "${r#"$seq "}"; return 0 ;; esac
    sleep 0.1
  done
  fail "the guest did not answer '$*'"
}

write() { [ "$(g write "$1" "$2")" = ok ] || fail "guest write $2 to $1"; }
expect() {
  got=$(g read "$1")
  [ "$got" = "data $2" ] || fail "$1 reads '$got', expected '$2'"
  echo "ok: $1 reads $2"
}
state() { xl list "$D" | awk 'NR == 2 { print $5 }'; }
running() {
  s=$(state)
  # "------": runnable, waiting for a CPU (seen on the loaded machine)
  case "$s" in r-----|-b----|------) echo "ok: $D is running ($s)" ;; *) fail "$D is '$s', expected running" ;; esac
}
# runs xsnap, shows its output, and records "TIMING <what> <seconds>" and the pause xsnap measured
timed() {
  what=$1; shift
  t=$(now)
  xsnap "$@" > "/tmp/out-$D" 2>&1
  rc=$?
  cat "/tmp/out-$D"
  [ $rc -eq 0 ] || fail "xsnap $* exited $rc"
  echo "TIMING $what $(since "$t")"
  p=$(grep -o 'domain paused [0-9]* ms' "/tmp/out-$D" | tail -1 | grep -o '[0-9]*')
  [ -n "$p" ] && echo "TIMING $what-pause $(awk -v p="$p" 'BEGIN { printf "%.1f", p / 1000 }')"
  return 0
}
# on DOMAIN CHECK ARGS...: a check against another domain
on() { keep=$D; D=$1; shift; "$@"; D=$keep; }
gone() { xl list "$1" >/dev/null 2>&1 && fail "$1 is still listed"; echo "ok: $1 is gone"; }

# the loop-mounted XFS with reflink on /lab/xfs that holds the guests' disks and the stores
xfs_up() {
  mkdir -p /lab/xfs
  [ -f /lab/xfs.img ] || { truncate -s 3G /lab/xfs.img && mkfs.xfs -q -m reflink=1 /lab/xfs.img; }
  mountpoint -q /lab/xfs || mount -o loop /lab/xfs.img /lab/xfs || fail "mount the XFS"
}
# create_retry CFG: xl create. libxl gives each hotplug script 40 s (LIBXL_HOTPLUG_TIMEOUT, fixed); on a loaded
# host the raw disk's "block add" (blkback) took longer now and then and the create failed: up to 3 tries
create_retry() {
  for try in 1 2 3; do
    xl create "$1" && return 0
    [ "$try" -lt 3 ] || fail "xl create $1"
    echo "xl create failed (try $try of 3), again in 10 s"
    xl destroy "$D" 2>/dev/null; sleep 10
  done
}
# new_guest TIMING [CFG-LINE...]: the guest $D afresh: a 64 MiB qcow2 disk xvda (served by Xen's QEMU, qdisk)
# and a 64 MiB raw disk xvdb (blkback) on the XFS, its config $CFG (128 MiB PV, the lab's kernel and the guest's
# initramfs, plus the lines given), started and ready; prints "TIMING <TIMING> seconds"
new_guest() {
  timing=$1; shift
  xfs_up
  xl destroy "$D" 2>/dev/null
  rm -rf /lab/xfs/$D-* /lab/$D-*.cfg
  qemu-img create -q -f qcow2 /lab/xfs/$D-a.qcow2 64M || fail "qemu-img create /lab/xfs/$D-a.qcow2"
  truncate -s 64M /lab/xfs/$D-b.raw
  cat > "$CFG" <<CFG
name = "$D"
type = "pv"
memory = 128
vcpus = 1
kernel = "$(ls /boot/vmlinuz-* | head -1)"
ramdisk = "/lab/guest.cpio.gz"
extra = "console=hvc0 rdinit=/init quiet${GUEST_EXTRA:+ $GUEST_EXTRA}"
disk = [ 'format=qcow2, vdev=xvda, access=rw, target=/lab/xfs/$D-a.qcow2',
         'format=raw, vdev=xvdb, access=rw, target=/lab/xfs/$D-b.raw' ]
CFG
  for line in "$@"; do echo "$line" >> "$CFG"; done
  t=$(now)
  create_retry "$CFG"
  ready
  echo "TIMING $timing $(since "$t")"
  running
}
