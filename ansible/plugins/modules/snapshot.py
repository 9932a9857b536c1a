#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xsnap developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: snapshot
short_description: Take, delete or revert to one snapshot of a Xen or QEMU domain
version_added: 0.1.0
description:
  - Makes one named snapshot of a domain exist (C(present)), not exist (C(absent)), or puts the domain
    back to it (C(reverted)), through the xsnap jar on the managed host.
  - A snapshot holds the domain's memory and the state of its disks, taken at one instant; a disk-only
    snapshot (C(memory=false)) holds the disks only and does not pause the domain.
  - C(present) and C(absent) are idempotent. An existing snapshot is never changed in place; when it was
    taken with other settings than the task now gives, the module warns.
  - C(reverted) always changes the domain (its current state is lost), except in check mode.
  - A domain that does not exist on the host (and has no snapshots in the store) fails the task, whatever
    the C(state); so does an option that the C(state) does not use. A domain stopped outside xsnap (not by a
    revert) fails it too for a snapshot whose files lie outside the store; nothing vouches for them until the
    domain runs again.
options:
  domain:
    description:
      - The domain, as the driver names it.
    type: str
    required: true
  name:
    description:
      - The snapshot's name, unique within the domain.
      - 1 to 64 of C(A-Z a-z 0-9 . _ -), starting with a letter or digit, without C(..).
    type: str
    required: true
  description:
    description:
      - With C(present), a note kept with the snapshot (in its manifest; C(xsnap list) and
        C(xsnap.xen.snapshot_info) show it).
      - An existing snapshot keeps the note it was taken with.
    type: str
  state:
    description:
      - C(present) takes the snapshot unless it exists.
      - C(absent) deletes it if it exists; external layers are merged so every other snapshot and the
        running state stay intact, and files another chain uses are never deleted.
      - C(reverted) puts the domain back to the snapshot, disks and memory; a disk-only snapshot comes
        back as a cold start.
    type: str
    choices: [present, absent, reverted]
    default: present
  memory:
    description:
      - With C(present), save the domain's memory too. The domain is paused while it is saved, unless
        C(live=true).
      - C(false) takes a disk-only snapshot (crash-consistent, no pause).
      - When not set, C(true).
    type: bool
  live:
    description:
      - With C(present), copy memory while the domain runs; the pause at the end is short, the saved
        file larger. Needs C(memory=true).
      - When not set, C(false).
    type: bool
  disks:
    description:
      - With C(present), the mode of each disk, by its vdev (for example C(xvda)).
      - C(internal) keeps the state inside the qcow2 file; C(external) freezes the file and puts a new
        overlay on top; C(exclude) leaves the disk out; C(auto) (the default for disks not named) is
        internal for qcow2 and external for raw disks.
    type: dict
  revert_state:
    description:
      - With C(reverted), leave the domain C(running) or C(paused).
      - When not set, as the snapshot was taken (a disk-only snapshot comes back running).
    type: str
    choices: [running, paused]
  force:
    description:
      - With C(reverted), revert even though the domain is running or paused and its current state is
        lost. Without it, reverting an active domain fails and changes nothing.
      - When not set, C(false).
    type: bool
  xl_config:
    description:
      - With the C(xl) driver, the domain's xl config file on the managed host (the file it was created from;
        the jar's C(--xl-config)).
      - With C(present), the snapshot keeps the file's text, so it can be reverted and cloned later; without it
        (and without an C(xlConfig) in a spec) xsnap knows the file only when it started the domain itself.
      - With C(reverted), the domain is restored with a copy of this file whose disks point at the reverted
        layers, instead of the text the snapshot kept.
      - Must be an absolute path.
    type: path
extends_documentation_fragment:
  - xsnap.xen.xsnap
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  action_group:
    membership: [xsnap.xen.all]
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
seealso:
  - module: xsnap.xen.reconcile
  - module: xsnap.xen.snapshot_info
author:
  - xsnap developers (@xsnap)
'''

EXAMPLES = r'''
- name: Take a snapshot with memory before an upgrade
  xsnap.xen.snapshot:
    domain: web01
    name: pre-upgrade

- name: Take a disk-only snapshot, leaving the scratch disk out
  xsnap.xen.snapshot:
    domain: db01
    name: "daily-{{ now(utc=true).strftime('%Y%m%d') }}"
    memory: false
    disks:
      xvdb: exclude

- name: Go back to it, discarding the domain's current state, and leave it paused
  xsnap.xen.snapshot:
    domain: web01
    name: pre-upgrade
    state: reverted
    force: true
    revert_state: paused

- name: On Xen, name the domain's xl config file, so the snapshot can be reverted with xl restore
  xsnap.xen.snapshot:
    domain: web01
    name: pre-upgrade
    driver: xl
    xl_config: /etc/xen/web01.cfg

- name: Delete it
  xsnap.xen.snapshot:
    domain: web01
    name: pre-upgrade
    state: absent

- name: Use another store and a plain QEMU guest
  xsnap.xen.snapshot:
    domain: lab01
    name: before-test
    store: /srv/xsnap
    driver: qemu
    qemu_dir: /run/lab/qemu
'''

RETURN = r'''
msg:
  description: What was done (or would be done in check mode), or every reason it failed.
  returned: always
  type: str
  sample: "done: create web01/pre-upgrade"
plan:
  description:
    - The plan xsnap made, as C(xsnap plan --json) prints it (the jar's C(schemas/plan-v1.schema.json)).
    - C(changes) lists each change with its action, impact, reason, disks, the files it touches and the
      steps apply runs; C(findings) what the planner noticed.
  returned: when the request was valid
  type: dict
  sample:
    format_version: 1
    driver: qemu
    changes:
      - action: create
        domain: web01
        snapshot: pre-upgrade
        impact: disruptive
        memory: true
    findings: []
    summary: {create: 1, revert: 0, delete: 0, errors: 0}
    changes_present: true
changes:
  description:
    - One entry per change that ran, the failed one last. Empty in check mode.
    - C(pause_millis) is how long the domain stood still; a live memory save on the qemu driver adds
      C(downtime_millis), QEMU's own measure of its switch-over.
    - Not called C(results), which Ansible keeps for the items of a loop.
  returned: when the request was valid
  type: list
  elements: dict
  sample:
    - action: create
      domain: web01
      snapshot: pre-upgrade
      ok: true
      millis: 283
      pause_millis: 70
diff:
  description:
    - The domain's snapshots (oldest first) and its current snapshot, before and after.
    - C(before) is read when the plan is made, before anything changes; C(after) is, in check mode, what the
      plan would leave, else what the store holds afterwards.
  returned: in diff mode (C(--diff)), when the request was valid
  type: dict
  sample:
    before: {web01: {current: pre-upgrade, snapshots: [baseline, pre-upgrade]}}
    after: {web01: {current: baseline, snapshots: [baseline, pre-upgrade]}}
log:
  description: What xsnap reported while it applied the changes.
  returned: when changes ran
  type: list
  elements: str
  sample: ["+ create web01/pre-upgrade ...", "  pausing web01", "  resumed web01 after 70 ms"]
errors:
  description: One line per problem that stopped the plan.
  returned: on failure
  type: list
  elements: str
  sample:
    - "web01/pre: web01 is running; reverting loses its current memory and every disk write since it was last
      snapshotted (add --force (Ansible: force: true) to revert anyway, or take a snapshot first)"
rc:
  description:
    - The jar's exit code (0 ok, 1 error, 64 bad request, 65 invalid spec, 66 missing input, 75 another
      xsnap run holds the lock, 76 refused, for example a revert without C(force=true)), or the module's own
      124 (the C(timeout) passed) or 127 (java or the jar not found).
  returned: always
  type: int
  sample: 0
rc_meaning:
  description: What C(rc) means, in words.
  returned: always
  type: str
  sample: ok
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xsnap.xen.plugins.module_utils.xsnap import Xsnap, xsnap_argument_spec


def check_options(module):
    """Fails on an option the chosen state does not use, instead of ignoring it."""
    p = module.params
    unused = dict(
        present=['revert_state', 'force'],
        absent=['memory', 'live', 'disks', 'description', 'revert_state', 'force', 'xl_config'],
        reverted=['memory', 'live', 'disks', 'description'],
    )[p['state']]
    given = [o for o in unused if p[o] is not None]
    if given:
        module.fail_json(msg='%s: not used with state=%s' % (', '.join(given), p['state']), rc=64,
                         rc_meaning='bad request')
    if p['live'] and p['memory'] is False:
        module.fail_json(msg='live=true needs memory=true: a live snapshot copies memory', rc=64,
                         rc_meaning='bad request')


def main():
    module = AnsibleModule(
        argument_spec=xsnap_argument_spec(
            domain=dict(type='str', required=True),
            name=dict(type='str', required=True),
            description=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent', 'reverted']),
            memory=dict(type='bool'),
            live=dict(type='bool'),
            disks=dict(type='dict'),
            revert_state=dict(type='str', choices=['running', 'paused']),
            force=dict(type='bool'),
            xl_config=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    check_options(module)
    module.exit_json(**Xsnap(module).run('snapshot'))


if __name__ == '__main__':
    main()
