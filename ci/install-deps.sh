#!/usr/bin/env bash
# Installs the host tools xsnap's tests and demo use, when missing (Debian/Ubuntu, apt-get).
set -euo pipefail

need=()
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
command -v mvn >/dev/null 2>&1 || need+=(maven)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
# raw disks of xl domains are copied with cp --reflink: the tests loop-mount an XFS to try it
command -v mkfs.xfs >/dev/null 2>&1 || need+=(xfsprogs)
# the busy test guest (src/test/resources/io/xsnap/testing/busy_guest.S) is assembled at test time: as, ld
command -v as >/dev/null 2>&1 && command -v ld >/dev/null 2>&1 || need+=(binutils)
# the tests' xl stand-in (src/test/resources/io/xsnap/testing/xl_standin.py) is a python3 script
command -v python3 >/dev/null 2>&1 || need+=(python3)
for extra in "$@"; do
  case "$extra" in
    ansible)
      command -v ansible-playbook >/dev/null 2>&1 || need+=(ansible-core)
      # ansible-test sanity offline (ansible/tests/sanity.sh --debian-venvs): Debian's packages for PyPI's
      for pkg in python3-voluptuous yamllint python3-pycodestyle pylint python3-venv shellcheck git; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
      done
      # the role xsnap.xen.install's apt tasks
      /usr/bin/python3 -c 'import apt' 2>/dev/null || need+=(python3-apt)
      ;;
    xen-lab)
      # ci/xen-lab.sh: debootstrap builds dom0 from Debian's archive (its keyring checks it), mkfs.ext4 -d
      # makes dom0's disk, ssh drives dom0, flock/timeout/xz/zstd/gzip/dpkg-deb build and bound the lab
      for pkg in debootstrap debian-archive-keyring e2fsprogs openssh-client util-linux coreutils \
                 xz-utils zstd gzip dpkg qemu-utils qemu-system-x86 python3; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
      done
      ;;
    *) need+=("$extra") ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0

echo "xsnap: installing ${need[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "xsnap: please install as root: apt-get install ${need[*]}" >&2
  exit 1
fi
# a mirror's hiccup is retried: 3 tries, 15 s then 45 s apart
apt() {
  local i wait=15
  for i in 1 2 3; do
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@" && return 0
    [ "$i" -lt 3 ] || return 1
    echo "xsnap: apt-get $1 failed (try $i of 3), again in $wait s" >&2
    sleep "$wait"; wait=$((wait * 3))
  done
}
apt update -qq
apt install -y -qq --no-install-recommends "${need[@]}" >/dev/null
