#!/usr/bin/env bash
# The Ansible collection xsnap.xen with the xl driver on real Xen: run by `ci/xen-lab.sh test` on this host (not in
# dom0), with XEN_LAB (the path of ci/xen-lab.sh) and XEN_LAB_RUN (its run directory: ssh port and key). The real
# ansible-playbook here drives dom0 over the lab's ssh (127.0.0.1, the lab's port and key; dom0's python3); the
# modules run the jar the test put at /lab/xsnap.jar. Its own guest (web06) and store in dom0; it leaves no domain
# behind. Check mode changes nothing; reconcile takes a memory snapshot from a spec (xlConfig), the snapshot module
# disk-only ones (with and without xl_config: the one without cannot be reverted, refused before the domain is
# touched) and reverts; snapshot_info lists them; a second reconcile is unchanged; every check reads the guest's
# bytes back through xenstore. Prints "ok"/"FAIL" lines and "TIMING name seconds".
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
: "${XEN_LAB:?the path of ci/xen-lab.sh}" "${XEN_LAB_RUN:?the lab's run directory}"
export XEN_LAB_RUN
D=web06
STORE=/lab/xfs/store-ansible
lab() { "$XEN_LAB" run "$@"; }
fail() { echo "FAIL: $*"; lab "xl list; xl destroy $D" 2>/dev/null; exit 1; }
command -v ansible-playbook >/dev/null || fail "ansible-playbook is not installed here"
work="$(mktemp -d "${TMPDIR:-/tmp}/xsnap-host-ansible.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# dom0's side: the guest (as the other parts make theirs) and the lab's shell functions (ci/xen-lab/lib.sh, at
# /lab/lib.sh in dom0) that pass commands to its init over xenstore
cat > "$work/guest.sh" <<'EOF'
#!/bin/sh
# guest.sh setup | ready | write DEV TEXT | expect DEV TEXT | state | files | destroy: web06 in the lab's dom0
D=web06
CFG=/lab/$D.cfg
. /lab/lib.sh
case "$1" in
  setup) xfs_up; rm -rf /lab/xfs/store-ansible; new_guest ansible-guest-start-in-dom0 ;;
  ready) ready ;;
  write) write "$2" "$3" ;;
  expect) expect "$2" "$3" ;;
  state) state ;;
  files) find /lab/xfs/store-ansible -type f 2>/dev/null | sort ;;
  destroy) xl destroy $D ;;
  *) echo "guest.sh: unknown command $1"; exit 2 ;;
esac
EOF
"$XEN_LAB" put "$work/guest.sh" /lab/$D-guest.sh || fail "put the guest helper into dom0"
guest() { lab sh /lab/$D-guest.sh "$@"; }
write() { guest write "$1" "$2" || fail "guest write $2 to $1"; }
expect() { guest expect "$1" "$2" || fail "$1 does not read $2"; }

echo; echo "== ansible 1. setup: $D in dom0, the collection installed here, an inventory with the lab's ssh"
t=$(date +%s)
guest setup || fail "start $D"
echo "TIMING ansible-guest-start $(( $(date +%s) - t ))"
ansible-galaxy collection install "$repo/ansible" -p "$work/collections" > "$work/galaxy.log" 2>&1 \
  || { cat "$work/galaxy.log"; fail "ansible-galaxy collection install"; }
cat > "$work/inventory.ini" <<EOF
[xen]
dom0 ansible_host=127.0.0.1 ansible_port=$(cat "$XEN_LAB_RUN/port") ansible_user=root ansible_ssh_private_key_file=$XEN_LAB_RUN/id ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'
EOF
cat > "$work/ansible.cfg" <<EOF
[defaults]
collections_path = $work/collections
host_key_checking = False
timeout = 60
EOF
# the spec reconcile applies: a memory snapshot of web06, its xl config named so reverts can restore it
cat > "$work/vars.yml" <<EOF
xsnap_defaults:
  xsnap_jar: /lab/xsnap.jar
  store: $STORE
  driver: xl
  timeout: 1500
spec:
  apiVersion: xsnap/v1
  kind: DomainSnapshots
  domain: $D
  xlConfig: /lab/$D.cfg
  snapshots:
    - name: base
      description: taken by ansible
EOF
play() {
  local name=$1; shift
  local t; t=$(date +%s)
  (cd "$work" && ANSIBLE_CONFIG="$work/ansible.cfg" ansible-playbook -i inventory.ini -e @vars.yml "$@") > "$work/$name.log" 2>&1
  local rc=$?
  cat "$work/$name.log"
  echo "TIMING ansible-$name $(( $(date +%s) - t ))"
  return $rc
}
recap() { grep -E "^dom0 +:" "$work/$1.log"; }

cat > "$work/reconcile.yml" <<'EOF'
- hosts: xen
  gather_facts: false
  tasks:
    - name: the spec's snapshots exist
      xsnap.xen.reconcile:
        spec: ["{{ spec }}"]
        xsnap_jar: /lab/xsnap.jar
        store: "{{ xsnap_defaults.store }}"
        driver: xl
        timeout: 1500
      register: r
    - debug: {var: r.plan.summary}
EOF

echo; echo "== ansible 2. check mode (--check --diff): changed, and nothing made"
play check reconcile.yml --check --diff || fail "the check-mode run failed"
recap check | grep -q "changed=1" || fail "check mode did not report a change"
[ -z "$(guest files)" ] || { guest files; fail "check mode wrote into the store"; }
echo "ok: check mode reports the create and changes nothing"

echo; echo "== ansible 3. reconcile takes base (memory + disks), then a second run is unchanged"
write xvda A1; write xvdb B1
play reconcile reconcile.yml --diff || fail "reconcile failed"
recap reconcile | grep -q "changed=1" || fail "reconcile did not report its change"
play again reconcile.yml || fail "the second reconcile failed"
recap again | grep -q "changed=0" || fail "the second reconcile was not unchanged"
echo "ok: reconcile made base, and the second run changed nothing"

echo; echo "== ansible 4. the snapshot module: a disk-only snapshot, snapshot_info, revert to base, delete"
write xvda A2; write xvdb B2
cat > "$work/snapshot.yml" <<'EOF'
- hosts: xen
  gather_facts: false
  module_defaults:
    group/xsnap.xen.all:
      xsnap_jar: /lab/xsnap.jar
      store: "{{ xsnap_defaults.store }}"
      driver: xl
      timeout: 1500
  tasks:
    - name: a disk-only snapshot, the domain's xl config named
      xsnap.xen.snapshot: {domain: web06, name: disks, memory: false, description: disk-only by ansible,
                           xl_config: /lab/web06.cfg}
      register: s
    - assert: {that: [s.changed]}
    - name: one without xl_config
      xsnap.xen.snapshot: {domain: web06, name: nocfg, memory: false}
      register: s
    - assert: {that: [s.changed]}
    - name: list them
      xsnap.xen.snapshot_info: {domain: web06}
      register: info
    - debug: {var: info.snapshots}
    - assert:
        that:
          - info.snapshots | map(attribute='name') | sort == ['base', 'disks', 'nocfg']
    - name: the one without xl_config cannot be reverted, and the domain is not touched
      xsnap.xen.snapshot: {domain: web06, name: nocfg, state: reverted, force: true}
      register: nocfg
      ignore_errors: true
    - debug: {var: nocfg.msg}
    - assert: {that: [nocfg.failed, "'records no xl config file' in nocfg.msg"]}
    - name: write A3 in the guest
      command: sh /lab/web06-guest.sh write xvda A3
    - name: back to base (memory)
      xsnap.xen.snapshot: {domain: web06, name: base, state: reverted, force: true}
      register: rv
    - assert: {that: [rv.changed]}
    - name: base's bytes
      command: sh /lab/web06-guest.sh expect xvda A1
    - name: delete the disk-only snapshot
      xsnap.xen.snapshot: {domain: web06, name: disks, state: absent}
      register: del
    - assert: {that: [del.changed]}
    - name: delete it again
      xsnap.xen.snapshot: {domain: web06, name: disks, state: absent}
      register: again
    - assert: {that: [not again.changed]}
    - name: delete the other
      xsnap.xen.snapshot: {domain: web06, name: nocfg, state: absent}
EOF
play snapshot snapshot.yml || fail "the snapshot module play failed"
recap snapshot | grep -q "failed=0 .*ignored=1" || fail "a task failed"
[ "$(guest state)" = "r-----" ] || [ "$(guest state)" = "-b----" ] || [ "$(guest state)" = "------" ] \
  || fail "$D is '$(guest state)' after the revert, expected running"
echo "ok: $D runs after the revert"
expect xvda A1
expect xvdb B1

echo; echo "== ansible 5. done: nothing left behind"
guest destroy
lab "xl list $D" >/dev/null 2>&1 && fail "$D is still listed"
echo "ANSIBLE STORY OK"
