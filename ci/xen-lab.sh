#!/usr/bin/env bash
# The Xen lab: real Xen 4.17 (Debian bookworm packages only) nested in QEMU (TCG), so xsnap's xl driver
# runs against the real xl, libxl, qdisk QEMU and blkback. See docs/xen-lab.md.
#
#   ci/xen-lab.sh build       build (or reuse) the cached dom0 root filesystem, Xen and the guest initramfs
#   ci/xen-lab.sh boot        boot Xen + dom0 in the background; returns when dom0 answers ssh
#   ci/xen-lab.sh run CMD...  run a command in dom0 (as root, through ssh), with its exit code
#   ci/xen-lab.sh put SRC DST copy a file into dom0
#   ci/xen-lab.sh test        build, boot, copy target/xsnap.jar in, run ci/xen-lab/story.sh and every
#                             story-*.sh in dom0, then every host-*.sh here, stop
#   ci/xen-lab.sh stop        kill the lab's QEMU (by its pid file)
#   ci/xen-lab.sh status      say whether the lab runs
#
# The cache lives in ${XDG_CACHE_HOME:-$HOME/.cache}/xsnap/xen-lab: root filesystems are keyed by a hash of
# ci/xen-lab/packages.txt + dom0-rc.sh (the recipe), guest initramfs images by a hash of guest-init.sh too.
# XEN_LAB_TIMEOUT (seconds, default 900) bounds the boot; XEN_LAB_RUN (default CACHE/run) holds the running
# lab's pid, port, ssh key and serial log.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
recipe="$here/xen-lab"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/xsnap/xen-lab"
run="${XEN_LAB_RUN:-$cache/run}"
mirror="http://deb.debian.org/debian"
suite=bookworm

log() { echo "xen-lab: $*" >&2; }
now() { date +%s; }

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
  (cd "$tmp" && apt-get download xen-hypervisor-4.17-amd64 >/dev/null)
  dpkg -x "$tmp"/xen-hypervisor-4.17-amd64_*.deb "$tmp/x"
  zcat "$tmp"/x/boot/xen-4.17-amd64.gz > "$tmp/xen"
  mv "$tmp/xen" "$out"
  rm -rf "$tmp"
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
  debootstrap --variant=minbase --include="$pkgs" "$suite" "$dir.tmp" "$mirror" > "$cache/debootstrap.log" 2>&1 \
    || { tail -30 "$cache/debootstrap.log" >&2; exit 1; }
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
  find "$cache" -maxdepth 1 -name 'dom0-*.img' ! -name "$(basename "$img")" -delete  # older recipes
  echo "$img"
}

cmd_build() {
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

ssh_opts() {
  echo -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
    -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=8 -i "$run/id" -p "$(cat "$run/port")"
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
  [ -e "$cache/dom0.img" ] || cmd_build
  mkdir -p "$run"
  rm -f "$run/qemu.pid" "$run/serial.log"
  [ -f "$run/id" ] || ssh-keygen -q -t ed25519 -N '' -f "$run/id"
  # dom0 writes to a per-boot overlay: the cached image stays as built
  local overlay="$run/dom0-overlay.qcow2"
  rm -f "$overlay"
  qemu-img create -q -f qcow2 -F raw -b "$(readlink -f "$cache/dom0.img")" "$overlay"
  local port; port="$(free_port)"
  echo "$port" > "$run/port"
  # the ssh key and the guest's initramfs travel on a tiny ext4 second disk that dom0-rc.sh copies from
  local keydisk="$run/keys.img"
  rm -rf "$run/keys" "$keydisk"
  mkdir -p "$run/keys"
  cp "$run/id.pub" "$run/keys/authorized_keys"
  cp "$(readlink -f "$cache/guest.cpio.gz")" "$run/keys/guest.cpio.gz"
  mkfs.ext4 -q -F -L labkeys -d "$run/keys" "$keydisk" 64M
  local started; started="$(now)"
  qemu-system-x86_64 -M pc -accel tcg,thread=multi -cpu qemu64,+svm -smp 2 -m 4096 \
    -kernel "$cache/xen-4.17-amd64" \
    -append "console=com1 com1=115200,8n1 dom0_mem=2560M,max:2560M dom0_max_vcpus=2 noreboot" \
    -initrd "$(readlink -f "$cache/vmlinuz") root=/dev/sda rw console=hvc0 earlyprintk=xen init=/usr/local/sbin/init,$(readlink -f "$cache/initrd.img")" \
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
    || { log "xl does not answer in dom0"; exit 1; }
  echo "$(( $(now) - started ))" > "$run/boot-seconds"
  log "dom0 up in $(( $(now) - started )) s"
}

cmd_stop() {
  local pid
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

cmd_test() {
  local jar="$repo/target/xsnap.jar"
  (cd "$repo" && mvn -B -q -ntp -DskipTests package)
  cmd_build
  trap cmd_stop EXIT
  cmd_boot
  cmd_put "$jar" /lab/xsnap.jar
  mkdir -p "$repo/target/xen-lab"
  : > "$repo/target/xen-lab/story.log"
  local rc=0 part
  set +e
  # story.sh first, then every story-*.sh in dom0, then every host-*.sh on this host (for tools that
  # drive dom0 from outside, e.g. ansible-playbook over the lab's ssh); the first failure ends the test
  for part in "$recipe"/story.sh "$recipe"/story-*.sh "$recipe"/host-*.sh; do
    [ -f "$part" ] || continue
    case "$(basename "$part")" in
      host-*) XEN_LAB="$0" XEN_LAB_RUN="$run" bash "$part" 2>&1 | tee -a "$repo/target/xen-lab/story.log" ;;
      *) cmd_put "$part" "/lab/$(basename "$part")"
         cmd_run "sh /lab/$(basename "$part")" 2>&1 | tee -a "$repo/target/xen-lab/story.log" ;;
    esac
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || { log "$(basename "$part") exited $rc"; break; }
  done
  set -e
  cp "$run/serial.log" "$repo/target/xen-lab/serial.log" 2>/dev/null || true
  echo "TIMING boot $(cat "$run/boot-seconds" 2>/dev/null)" >> "$repo/target/xen-lab/story.log"
  log "story exited $rc; log in target/xen-lab/story.log"
  return "$rc"
}

case "${1:-}" in
  build) cmd_build ;;
  boot) cmd_boot ;;
  run) shift; cmd_run "$@" ;;
  put) shift; cmd_put "$@" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  test) cmd_test ;;
  *) sed -n '2,18p' "$0" >&2; exit 2 ;;
esac
