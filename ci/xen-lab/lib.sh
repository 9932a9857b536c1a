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
