#!/usr/bin/env bash
# `./xsnap demo`: the whole xsnap story on a throwaway QEMU guest (TCG, 64 MiB, no OS needed), in a
# temporary directory that is removed at the end, whatever happens.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$here/target/xsnap.jar"

if ! command -v qemu-system-x86_64 >/dev/null 2>&1 || ! command -v qemu-img >/dev/null 2>&1; then
  "$here/ci/install-deps.sh" || { echo "demo: install QEMU first: apt-get install qemu-utils qemu-system-x86" >&2; exit 1; }
fi
command -v python3 >/dev/null 2>&1 || { echo "demo: needs python3 to talk to the guest's monitor" >&2; exit 1; }

work="$(mktemp -d /tmp/xsnap-demo.XXXXXX)"
chmod 700 "$work"
qdir="$work/qemu"; store="$work/store"; img="$work/images"
mkdir -p "$qdir" "$img"
pid=""
cleanup() {
  if [ -f "$qdir/demo.pid" ]; then pid="$(cat "$qdir/demo.pid" 2>/dev/null || true)"; fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; sleep 0.5; kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
  echo "demo: stopped the guest and removed $work"
}
trap cleanup EXIT

say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# The host options come from the environment, as on a real host they would from --store / --qemu-dir.
export XSNAP_STORE="$store" XSNAP_QEMU_DIR="$qdir" XSNAP_DRIVER=qemu
x() { printf '$ xsnap %s\n' "$*"; java -XX:TieredStopAtLevel=1 -jar "$jar" "$@"; }
hmp() { python3 - "$qdir/demo.qmp" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rw")
def cmd(c, a=None):
    f.write(json.dumps({"execute": c, **({"arguments": a} if a else {})}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r: return r
f.readline(); cmd("qmp_capabilities")
out = cmd("human-monitor-command", {"command-line": sys.argv[2]}).get("return", "")
print(out.strip())
sys.exit(1 if "fail" in out.lower() or "error" in out.lower() else 0)
PY
}

# Checks what the guest's disk xvda holds: QEMU flushes it, then qemu-io reads the file beside it (-U).
reads() {
  hmp "qemu-io xvda flush" >/dev/null
  if qemu-io -U -r -f qcow2 -c "read -P $1 0 64k" "$img/demo-root.qcow2" | grep -q "Pattern verification failed"; then
    echo "xvda does NOT read $1"; return 1
  fi
  echo "xvda reads $1 over its first 64 KiB"
}

say "A throwaway guest: a qcow2 system disk (xvda) and a raw data disk (xvdb)"
run qemu-img create -q -f qcow2 "$img/demo-root.qcow2" 64M
run qemu-img create -q -f raw "$img/demo-data.raw" 16M
run qemu-system-x86_64 -name demo -machine pc -accel tcg -m 64 -nodefaults -display none \
  -qmp "unix:$qdir/demo.qmp,server=on,wait=off" -pidfile "$qdir/demo.pid" -daemonize \
  -drive "id=xvda,file=$img/demo-root.qcow2,format=qcow2,if=virtio" \
  -drive "id=xvdb,file=$img/demo-data.raw,format=raw,if=virtio"
echo "guest pid $(cat "$qdir/demo.pid")"
hmp "qemu-io xvda \"write -P 0x11 0 64k\"" >/dev/null
reads 0x11

say "The spec: a memory snapshot before an upgrade (auto: internal for qcow2, external for raw)"
cat > "$work/demo.yaml" <<YAML
apiVersion: xsnap/v1
kind: DomainSnapshots
domain: demo
snapshots:
  - name: pre-upgrade
    description: before the upgrade
    memory: true
YAML
cat "$work/demo.yaml"
x validate "$work/demo.yaml"
x observe
say "The plan (exit code 2 = changes present)"
x plan --detailed-exitcode "$work/demo.yaml" || echo "(exit $?)"
say "Apply it"
x apply --auto-approve "$work/demo.yaml"
x list
x plan "$work/demo.yaml"

say "The 'upgrade' writes new data over xvda"
hmp "qemu-io xvda \"write -P 0x22 0 64k\""
reads 0x22

say "It went wrong: revert to pre-upgrade (memory and disks)"
x revert --force demo pre-upgrade
reads 0x11
x list

say "Done with it: the spec says absent, apply deletes it"
sed -i 's/    memory: true/    memory: true\n    state: absent/' "$work/demo.yaml"
x apply --auto-approve "$work/demo.yaml"
x list
say "The guest's data is untouched by the delete"
reads 0x11
