#!/usr/bin/env bash
# The Xen lab: real Xen 4.17 (Debian bookworm packages only) nested in QEMU (TCG), so xsnap's xl driver
# runs against the real xl, libxl, qdisk QEMU and blkback. See docs/xen-lab.md.
#
#   ci/xen-lab.sh build       build (or reuse) the cached dom0 root filesystem, Xen and the guest initramfs
#   ci/xen-lab.sh boot        boot Xen + dom0 in the background; returns when dom0 answers ssh
#   ci/xen-lab.sh run CMD...  run a command in dom0 (as root, through ssh), with its exit code
#   ci/xen-lab.sh put SRC DST copy a file into dom0
#   ci/xen-lab.sh part NAME   run /lab/NAME.sh in dom0 detached, print its output as it grows, its exit code
#   ci/xen-lab.sh test        build (or reuse), boot, copy target/xsnap.jar in, run ci/xen-lab/story.sh and
#                             every story-*.sh in dom0, then every host-*.sh here, stop; on a failure print
#                             the story log's and the serial log's tails and dom0's state; every phase is
#                             bounded in time and the lab's QEMU is stopped on every path
#   ci/xen-lab.sh stop        kill the lab's QEMU (by its pid file)
#   ci/xen-lab.sh status      say whether the lab runs
#
# The cache lives in ${XDG_CACHE_HOME:-$HOME/.cache}/xsnap/xen-lab: root filesystems are keyed by a hash of
# ci/xen-lab/packages.txt, dom0 images by a hash of packages.txt + dom0-rc.sh (the recipe), guest initramfs
# images by a hash of guest-init.sh too; a boot uses the files of its own recipe's keys. XEN_LAB_RUN (default
# CACHE/run) holds the running lab's pid, port, ssh key and serial log.
# Time bounds (seconds): XEN_LAB_TEST_TIMEOUT (default 3600) the whole test; within it XEN_LAB_BUILD_TIMEOUT
# (1800) the build, XEN_LAB_TIMEOUT (900) the boot, XEN_LAB_PART_TIMEOUT (2700) each story part.
# XEN_LAB_MIRROR (default http://deb.debian.org/debian) is the Debian mirror debootstrap uses.
# XEN_LAB_PARTS (e.g. "story trial/story-recover") names the parts test runs instead of the default ones;
# ci/xen-lab/trial/ holds parts that have not passed on real Xen yet: they run only when named.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
recipe="$here/xen-lab"
self="$here/$(basename "$0")"  # the phases of test run this script again (absolute: host parts may cd)
cache="${XDG_CACHE_HOME:-$HOME/.cache}/xsnap/xen-lab"
run="${XEN_LAB_RUN:-$cache/run}"
mirror="${XEN_LAB_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm

log() { echo "xen-lab: $*" >&2; }
now() { date +%s; }

# retry TRIES CMD...: runs CMD until it succeeds, waiting 15 s, 45 s, 135 s... between tries (mirror hiccups)
retry() {
  local tries="$1" i=1 wait=15; shift
  until "$@"; do
    [ "$i" -lt "$tries" ] || { log "failed $tries times: $*"; return 1; }
    log "failed (try $i of $tries), again in $wait s: $*"
    sleep "$wait"
    i=$((i + 1)); wait=$((wait * 3))
  done
}

pkg_key() { sha256sum < "$recipe/packages.txt" | cut -c1-16; }
root_key() { cat "$recipe/packages.txt" "$recipe/dom0-rc.sh" | sha256sum | cut -c1-16; }
guest_key() { { pkg_key; cat "$recipe/guest-init.sh"; } | sha256sum | cut -c1-16; }

need_root() {
  [ "$(id -u)" -eq 0 ] || { log "build needs root (debootstrap, mkfs)"; exit 1; }
}

# Xen itself: the hypervisor package, unpacked; xen-4.17-amd64.gz decompressed is a multiboot image.
build_xen() {
  local out="$cache/xen-4.17-amd64"
  [ -s "$out" ] && return 0
  local tmp; tmp="$(mktemp -d "$cache/xen.XXXXXX")"
  # a fresh machine may have no package lists yet
  apt-cache show xen-hypervisor-4.17-amd64 >/dev/null 2>&1 || retry 3 apt-get update -qq
  (cd "$tmp" && retry 4 apt-get download -o APT::Sandbox::User=root xen-hypervisor-4.17-amd64 >/dev/null)
  dpkg -x "$tmp"/xen-hypervisor-4.17-amd64_*.deb "$tmp/x"
  zcat "$tmp"/x/boot/xen-4.17-amd64.gz > "$tmp/xen"
  mv "$tmp/xen" "$out"
  rm -rf "$tmp"
}

# one debootstrap from scratch (a failed one leaves a half-made tree: it is removed first)
debootstrap_once() {
  rm -rf "$2"
  debootstrap --variant=minbase --include="$1" "$suite" "$2" "$mirror" > "$cache/debootstrap.log" 2>&1 \
    || { tail -5 "$cache/debootstrap.log" >&2; return 1; }
}

build_rootfs() {
  local dir; dir="$cache/rootfs-$(pkg_key)"
  if [ -d "$dir" ]; then
    echo "$dir"; return 0
  fi
  local started; started="$(now)"
  rm -rf "$dir.tmp"
  local pkgs; pkgs="$(grep -v '^#' "$recipe/packages.txt" | tr '\n' ',' | sed 's/,,*/,/g; s/,$//')"
  log "debootstrap $suite (minbase) with $pkgs"
  retry 3 debootstrap_once "$pkgs" "$dir.tmp" || { tail -30 "$cache/debootstrap.log" >&2; exit 1; }
  local r="$dir.tmp"
  ln -sf /bin/busybox "$r/usr/local/sbin/init"
  printf '::sysinit:/usr/local/sbin/xsnap-rc\n::ctrlaltdel:/bin/busybox poweroff -f\n' > "$r/etc/inittab"
  echo dom0 > "$r/etc/hostname"
  echo "127.0.0.1 localhost dom0" > "$r/etc/hosts"
  printf 'PermitRootLogin prohibit-password\nUseDNS no\nPasswordAuthentication no\n' \
    > "$r/etc/ssh/sshd_config.d/lab.conf"
  chroot "$r" ssh-keygen -A >/dev/null
  chroot "$r" apt-get clean
  rm -rf "$r"/var/lib/apt/lists/*
  mkdir -p "$r/root/.ssh" "$r/lab"
  chmod 700 "$r/root/.ssh"
  mv "$r" "$dir"
  log "rootfs built in $(( $(now) - started )) s: $(du -sh "$dir" | cut -f1)"
  echo "$dir"
}

# The guest's initramfs: busybox, xenstore-read/-write with their libraries, blkfront, guest-init.sh as /init.
build_guest() {
  local rootdir="$1" key; key="$(guest_key)"
  local out="$cache/guest-$key.cpio.gz"
  [ -s "$out" ] && { echo "$out"; return 0; }
  local g; g="$(mktemp -d "$cache/guest.XXXXXX")"
  mkdir -p "$g"/{bin,sbin,lib,lib64,proc,sys,dev,tmp,lib/modules,etc}
  cp "$rootdir/bin/busybox" "$g/bin/busybox"
  for a in $(chroot "$rootdir" /bin/busybox --list); do
    [ -e "$g/bin/$a" ] || ln -s busybox "$g/bin/$a"
  done
  for t in xenstore-read xenstore-write xenstore-ls; do
    local p; p="$(chroot "$rootdir" sh -c "command -v $t")"
    cp -L "$rootdir$p" "$g/bin/$t" 2>/dev/null || cp -L "$rootdir$(readlink -f "$rootdir$p" | sed "s|^$rootdir||")" "$g/bin/$t"
    rm -f "$g/bin/$t.tmp"
    for lib in $(chroot "$rootdir" ldd "$p" | grep -o '/[^ ]*'); do
      mkdir -p "$g$(dirname "$lib")"
      cp -L "$rootdir$lib" "$g$lib"
    done
  done
  local kver; kver="$(ls "$rootdir/lib/modules" | head -1)"
  for m in xen-blkfront; do
    local f; f="$(find "$rootdir/lib/modules/$kver" -name "$m.ko*" | head -1)"
    case "$f" in
      *.xz) xz -dc "$f" > "$g/lib/modules/$m.ko" ;;
      *.zst) zstd -qdc "$f" > "$g/lib/modules/$m.ko" ;;
      *) cp "$f" "$g/lib/modules/$m.ko" ;;
    esac
  done
  install -m 0755 "$recipe/guest-init.sh" "$g/init"
  (cd "$g" && find . | "$rootdir/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$g"
  echo "$out"
}

# The dom0 disk: the root filesystem as ext4 with room for the test's images, read-only in the cache
# (the boot puts a throw-away overlay on top).
build_image() {
  local dir="$1" img; img="$cache/dom0-$(root_key).img"
  [ -s "$img" ] && { echo "$img"; return 0; }
  install -m 0755 "$recipe/dom0-rc.sh" "$dir/usr/local/sbin/xsnap-rc"
  mkfs.ext4 -q -F -L dom0 -d "$dir" "$img.tmp" 8G >/dev/null
  mv "$img.tmp" "$img"
  # images of other recipes: only those unused for a week go (another checkout may boot one right now)
  find "$cache" -maxdepth 1 -name 'dom0-*.img' ! -name "$(basename "$img")" -mtime +7 -delete
  echo "$img"
}

# the files a boot of this recipe uses (by key, so another checkout's build cannot swap them underneath)
xen_file() { echo "$cache/xen-4.17-amd64"; }
image_file() { echo "$cache/dom0-$(root_key).img"; }
guest_file() { echo "$cache/guest-$(guest_key).cpio.gz"; }
rootfs_dir() { echo "$cache/rootfs-$(pkg_key)"; }
kernel_file() { ls "$(rootfs_dir)"/boot/vmlinuz-* 2>/dev/null | head -1; }
initrd_file() { ls "$(rootfs_dir)"/boot/initrd.img-* 2>/dev/null | head -1; }
built() {
  [ -s "$(xen_file)" ] && [ -s "$(image_file)" ] && [ -s "$(guest_file)" ] \
    && [ -n "$(kernel_file)" ] && [ -n "$(initrd_file)" ]
}

cmd_build() {
  if built; then log "cached build of this recipe in $cache"; return 0; fi
  need_root
  mkdir -p "$cache"
  local started; started="$(now)"
  exec 9>"$cache/build.lock"
  flock 9
  build_xen
  local dir; dir="$(build_rootfs)"
  local img; img="$(build_image "$dir")"
  local kver; kver="$(ls "$dir/lib/modules" | head -1)"
  ln -sfn "$dir/boot/vmlinuz-$kver" "$cache/vmlinuz"
  ln -sfn "$dir/boot/initrd.img-$kver" "$cache/initrd.img"
  ln -sfn "$img" "$cache/dom0.img"
  ln -sfn "$(build_guest "$dir")" "$cache/guest.cpio.gz"
  ln -sfn "$dir/boot/vmlinuz-$kver" "$cache/guest-vmlinuz"
  log "build ready in $(( $(now) - started )) s (cache $cache)"
}

lab_pid() {
  [ -f "$run/qemu.pid" ] || return 1
  local pid; pid="$(cat "$run/qemu.pid")"
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && grep -q qemu-system "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

# one ssh connection carries every call (ControlMaster): a key exchange costs dom0 seconds of emulated CPU
ssh_opts() {
  echo -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=8 -i "$run/id" -p "$(cat "$run/port")" \
    -o ControlMaster=auto -o ControlPath="$run/ssh-mux-%p" -o ControlPersist=120
}

cmd_run() {
  # shellcheck disable=SC2046
  ssh $(ssh_opts) root@127.0.0.1 "$@"
}

cmd_put() {
  # shellcheck disable=SC2046
  ssh $(ssh_opts) root@127.0.0.1 "cat > '$2'" < "$1"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cmd_boot() {
  if lab_pid >/dev/null; then log "already running (pid $(lab_pid))"; return 0; fi
  built || cmd_build
  mkdir -p "$run"
  rm -f "$run/qemu.pid" "$run/serial.log"
  [ -f "$run/id" ] || ssh-keygen -q -t ed25519 -N '' -f "$run/id"
  # dom0 writes to a per-boot overlay: the cached image stays as built
  local overlay="$run/dom0-overlay.qcow2"
  rm -f "$overlay"
  qemu-img create -q -f qcow2 -F raw -b "$(image_file)" "$overlay"
  local port; port="$(free_port)"
  echo "$port" > "$run/port"
  # the ssh key and the guest's initramfs travel on a tiny ext4 second disk that dom0-rc.sh copies from
  local keydisk="$run/keys.img"
  rm -rf "$run/keys" "$keydisk"
  mkdir -p "$run/keys"
  cp "$run/id.pub" "$run/keys/authorized_keys"
  cp "$(guest_file)" "$run/keys/guest.cpio.gz"
  mkfs.ext4 -q -F -L labkeys -d "$run/keys" "$keydisk" 64M > /dev/null
  local started; started="$(now)"
  qemu-system-x86_64 -M pc -accel tcg,thread=multi -cpu qemu64,+svm -smp 2 -m 4096 \
    -kernel "$(xen_file)" \
    -append "console=com1 com1=115200,8n1 dom0_mem=2560M,max:2560M dom0_max_vcpus=2 noreboot" \
    -initrd "$(kernel_file) root=LABEL=dom0 rw console=hvc0 earlyprintk=xen init=/usr/local/sbin/init,$(initrd_file)" \
    -drive "file=$overlay,format=qcow2,if=ide,index=0,cache=unsafe" \
    -drive "file=$keydisk,format=raw,if=ide,index=1" \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" -device e1000,netdev=n0 \
    -display none -monitor none -serial "file:$run/serial.log" \
    -pidfile "$run/qemu.pid" -daemonize
  log "QEMU pid $(cat "$run/qemu.pid"), ssh on 127.0.0.1:$port; waiting for dom0"
  local deadline=$(( started + ${XEN_LAB_TIMEOUT:-900} ))
  until cmd_run true 2>/dev/null; do
    if ! lab_pid >/dev/null; then log "QEMU exited; serial log:"; tail -40 "$run/serial.log" >&2; exit 1; fi
    if [ "$(now)" -gt "$deadline" ]; then log "dom0 did not answer in time; serial log:"; tail -40 "$run/serial.log" >&2; cmd_stop; exit 1; fi
    sleep 5
  done
  cmd_run 'for i in $(seq 120); do xl list >/dev/null 2>&1 && exit 0; sleep 2; done; exit 1' \
    || { log "xl does not answer in dom0; serial log:"; tail -40 "$run/serial.log" >&2; cmd_stop; exit 1; }
  echo "$(( $(now) - started ))" > "$run/boot-seconds"
  log "dom0 up in $(( $(now) - started )) s"
}

cmd_stop() {
  local pid
  # shellcheck disable=SC2046
  [ -f "$run/port" ] && [ -S "$run/ssh-mux-$(cat "$run/port")" ] && ssh $(ssh_opts) -O exit root@127.0.0.1 2>/dev/null || true
  if pid="$(lab_pid)"; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 20); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
    [ -d "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null || true
    log "stopped QEMU $pid"
  fi
  rm -f "$run/qemu.pid" "$run/dom0-overlay.qcow2"
}

cmd_status() {
  if lab_pid >/dev/null; then echo "running: pid $(lab_pid), ssh port $(cat "$run/port")"; else echo "stopped"; exit 1; fi
}

# cmd_part NAME: runs /lab/NAME.sh in dom0 detached from any ssh session (a connection dropped under load
# does not end it), prints its output from /lab/NAME.log as it grows (one short ssh call every few seconds),
# and exits with its exit code; gives up when dom0 has not answered ssh for XEN_LAB_SSH_PATIENCE s (300)
cmd_part() {
  local name="$1" off=0 quiet_since rc chunk
  chunk="$(mktemp)"
  cmd_run "rm -f /lab/$name.rc /lab/$name.log; setsid sh -c 'sh /lab/$name.sh > /lab/$name.log 2>&1; echo \$? > /lab/$name.rc' < /dev/null > /dev/null 2>&1 &" < /dev/null \
    || { log "could not start $name.sh in dom0"; rm -f "$chunk"; return 1; }
  quiet_since="$(now)"
  while :; do
    sleep "${XEN_LAB_POLL:-10}"
    # one call: the exit code (or "running") on the first line, then the log's new bytes; the exit code is
    # read first, so when it is there the log is complete
    if ! cmd_run "r=\$(cat /lab/$name.rc 2>/dev/null); echo \${r:-running}; tail -c +$((off + 1)) /lab/$name.log 2>/dev/null; true" \
        < /dev/null > "$chunk"; then
      if [ $(( $(now) - quiet_since )) -gt "${XEN_LAB_SSH_PATIENCE:-300}" ]; then
        log "dom0 has not answered ssh for ${XEN_LAB_SSH_PATIENCE:-300} s while $name.sh ran"
        rm -f "$chunk"; return 1
      fi
      continue
    fi
    quiet_since="$(now)"
    rc="$(head -1 "$chunk")"
    tail -n +2 "$chunk"
    off=$(( off + $(tail -n +2 "$chunk" | wc -c) ))
    case "$rc" in
      running) ;;
      *[!0-9]*) log "$name.sh: unexpected exit record '$rc'"; rm -f "$chunk"; return 1 ;;
      *) rm -f "$chunk"; return "$rc" ;;
    esac
  done
}

# seconds left for a phase: its own bound, cut to what remains of the whole test's
budget() {
  local left=$(( test_deadline - $(now) ))
  [ "$left" -gt 0 ] || left=1
  [ "$1" -lt "$left" ] && echo "$1" || echo "$left"
}

# timed_phase NAME BOUND CMD...: runs CMD under timeout, records "TIMING NAME seconds" (and its exit code)
timed_phase() {
  local name="$1" bound; bound="$(budget "$2")"; shift 2
  local t rc=0; t="$(now)"
  # --foreground: CMD stays in this process group, so a signal to the group (an outer timeout's) reaches it;
  # in the background with wait: a TERM to this shell runs its trap at once, not when CMD ends
  timeout --foreground -k 30 "$bound" "$@" < /dev/null &
  phase_pid=$!
  wait "$phase_pid" || rc=$?
  phase_pid=""
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    log "$name: no end after $bound s (its bound, or what was left of XEN_LAB_TEST_TIMEOUT), stopped"
  fi
  echo "TIMING $name $(( $(now) - t )) rc=$rc" >> "$out/timings.txt"
  return "$rc"
}

# after a failure: dom0's view (when it still answers) and the tails of the logs, readable in a CI log
report_failure() {
  local what="$1"
  {
    echo "==== xen-lab: $what"
    if lab_pid >/dev/null; then
      echo "---- dom0: xl list, xl dmesg (tail), /var/log/xen (tails)"
      timeout -k 5 60 "$BASH" "$self" run < /dev/null 'xl list; xl dmesg | tail -20; for f in /var/log/xen/*; do echo "-- $f"; tail -15 "$f"; done' 2>&1 \
        | tee "$out/dom0-state.txt"
    fi
    if [ -s "$out/story.log" ]; then
      echo "---- story log (last 60 lines of $out/story.log)"
      tail -60 "$out/story.log"
    fi
    if [ -s "$run/serial.log" ]; then
      echo "---- Xen's serial console (last 60 lines of $out/serial.log)"
      tail -60 "$run/serial.log" | tr -d '\r'
    fi
    echo "---- timings (seconds)"
    cat "$out/timings.txt" 2>/dev/null
    echo "==== xen-lab: FAILED ($what); logs in $out"
  } >&2 || true
}

# on every way out of cmd_test: end the running phase (a boot may be starting QEMU), then stop the lab
test_exit() {
  if [ -n "$phase_pid" ]; then
    kill -TERM "$phase_pid" 2>/dev/null || true
    wait "$phase_pid" 2>/dev/null || true
    sleep 2  # a QEMU that was starting has written its pid file by now
  fi
  cp "$run/serial.log" "$out/serial.log" 2>/dev/null || true
  cmd_stop
}

cmd_test() {
  local jar="$repo/target/xsnap.jar" started; started="$(now)"
  test_deadline=$(( started + ${XEN_LAB_TEST_TIMEOUT:-3600} ))
  out="$repo/target/xen-lab"
  if lab_pid >/dev/null; then
    log "a lab already runs in $run (pid $(lab_pid)): stop it (ci/xen-lab.sh stop) or set another XEN_LAB_RUN"
    exit 1
  fi
  # the jar of this checkout: built unless ci/test.sh's mvn verify just made it
  if [ ! -s "$jar" ] || [ -n "$(find "$repo/src/main" "$repo/pom.xml" -newer "$jar" -print -quit)" ]; then
    (cd "$repo" && mvn -B -q -ntp -DskipTests package)
  fi
  rm -rf "$out"
  mkdir -p "$out"
  : > "$out/story.log"
  # the lab's QEMU goes on every path out of here: an error, a timeout's TERM, ^C
  phase_pid=""
  trap test_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP
  local rc=0 part
  built && echo "cache warm" > "$out/cache" || echo "cache cold" > "$out/cache"
  log "$(cat "$out/cache") ($cache); the whole test is bounded to ${XEN_LAB_TEST_TIMEOUT:-3600} s"
  timed_phase build "${XEN_LAB_BUILD_TIMEOUT:-1800}" "$BASH" "$self" build || { report_failure "build failed"; exit 1; }
  timed_phase boot "$(( ${XEN_LAB_TIMEOUT:-900} + 300 ))" "$BASH" "$self" boot || { report_failure "boot failed"; exit 1; }
  "$BASH" "$self" put "$jar" /lab/xsnap.jar || { report_failure "copying xsnap.jar into dom0 failed"; exit 1; }
  "$BASH" "$self" put "$recipe/lib.sh" /lab/lib.sh || { report_failure "copying lib.sh into dom0 failed"; exit 1; }
  # story.sh first, then every story-*.sh in dom0, then every host-*.sh on this host (for tools that
  # drive dom0 from outside, e.g. ansible-playbook over the lab's ssh); the first failure ends the test
  # XEN_LAB_PARTS (names relative to ci/xen-lab, without .sh, e.g. "story trial/story-recover") runs those
  # instead; ci/xen-lab/trial/ holds parts that have not yet passed on real Xen and run only when named
  local parts=()
  if [ -n "${XEN_LAB_PARTS:-}" ]; then
    for part in $XEN_LAB_PARTS; do
      [ -f "$recipe/$part.sh" ] || { report_failure "no lab part $recipe/$part.sh"; exit 1; }
      parts+=("$recipe/$part.sh")
    done
  else
    parts=("$recipe"/story.sh "$recipe"/story-*.sh "$recipe"/host-*.sh)
  fi
  for part in "${parts[@]}"; do
    [ -f "$part" ] || continue
    local name; name="$(basename "$part" .sh)"
    echo "==== xen-lab: $name" >> "$out/story.log"
    set +e
    case "$name" in
      host-*) timed_phase "$name" "${XEN_LAB_PART_TIMEOUT:-2700}" env XEN_LAB="$self" XEN_LAB_RUN="$run" bash "$part" \
                > >(tee -a "$out/story.log") 2>&1 ;;
      *) "$BASH" "$self" put "$part" "/lab/$name.sh" \
           && timed_phase "$name" "${XEN_LAB_PART_TIMEOUT:-2700}" "$BASH" "$self" part "$name" > >(tee -a "$out/story.log") 2>&1 ;;
    esac
    rc=$?
    set -e
    [ "$rc" -eq 0 ] || { report_failure "$name exited $rc"; break; }
  done
  echo "TIMING total $(( $(now) - started ))" >> "$out/timings.txt"
  cat "$out/timings.txt" >> "$out/story.log"
  log "$(tr '\n' ';' < "$out/timings.txt")"
  [ "$rc" -eq 0 ] && log "xen-lab test passed; log in $out/story.log"
  return "$rc"
}

case "${1:-}" in
  build) cmd_build ;;
  boot) cmd_boot ;;
  run) shift; cmd_run "$@" ;;
  put) shift; cmd_put "$@" ;;
  part) shift; cmd_part "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  test) cmd_test ;;
  *) sed -n '2,/^set /{/^#/p}' "$0" >&2; exit 2 ;;
esac
