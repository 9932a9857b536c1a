#!/usr/bin/env bash
# Builds target/xsnap_VERSION_all.deb from target/xsnap.jar with dpkg-deb; `mvn package` runs it after the
# jar is made. The package holds the jar (/usr/share/java/xsnap.jar, where the Ansible modules look), the
# launcher /usr/bin/xsnap (packaging/debian/xsnap), bash completion (`xsnap completion`), the man page
# xsnap(1) generated from the picocli model (io.xsnap.cli.ManPage), and /var/cache/xsnap for the launcher's
# class-data archive. It depends on a Java 17 runtime. Without dpkg-deb it says so and builds nothing.
#
#   packaging/debian/build-deb.sh VERSION
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
version=${1:?usage: build-deb.sh VERSION}
jar=target/xsnap.jar
if ! command -v dpkg-deb >/dev/null 2>&1; then
  echo "build-deb: dpkg-deb is not installed; no .deb built" >&2
  exit 0
fi
[ -f "$jar" ] || { echo "build-deb: $jar is missing (mvn package makes it)" >&2; exit 1; }

deb="target/xsnap_${version}_all.deb"
root="target/deb/xsnap"
rm -rf target/deb "$deb"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/java" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/man/man1" "$root/usr/share/doc/xsnap" "$root/var/cache/xsnap"
install -m 0644 "$jar" "$root/usr/share/java/xsnap.jar"
install -m 0755 packaging/debian/xsnap "$root/usr/bin/xsnap"
java -jar "$jar" completion >"$root/usr/share/bash-completion/completions/xsnap"
java -cp "$jar" io.xsnap.cli.ManPage | gzip -9n >"$root/usr/share/man/man1/xsnap.1.gz"
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/xsnap/copyright"
install -m 0755 packaging/debian/postrm "$root/DEBIAN/postrm"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: xsnap
Version: $version
Architecture: all
Section: admin
Priority: optional
Maintainer: xsnap developers <xsnap@users.noreply.github.com>
Installed-Size: $size
Depends: openjdk-17-jre-headless | java17-runtime-headless
Recommends: qemu-utils
Homepage: https://github.com/xsnap/xsnap
Description: keeps the snapshots of Xen and QEMU domains in a declared state
 YAML specs say which snapshots each domain should have; xsnap observes what
 exists on the host (memory save files, qcow2 snapshot tables, backing chains,
 running domains), plans the create, revert and delete actions, shows them and
 applies them with xl, qemu-img and QEMU's QMP socket. The Ansible collection
 xsnap.xen drives it across a fleet.
CONTROL
find "$root" -type d -exec chmod 0755 {} +
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "build-deb: $deb"
