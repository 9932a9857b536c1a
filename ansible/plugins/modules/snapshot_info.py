#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xsnap developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: snapshot_info
short_description: List the snapshots of a host's domains
version_added: 0.1.0
description:
  - Lists the snapshots xsnap keeps on the managed host, per domain, as a list and as a tree of parents
    and children, with the current one (the snapshot the domain last came from), the domain's run state,
    the sizes and whether memory was saved. Like C(xsnap list --json). Changes nothing.
options:
  domain:
    description:
      - Only this domain. When not set, every domain the driver or the snapshot store knows.
    type: str
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
    support: none
  platform:
    platforms: posix
seealso:
  - module: xsnap.xen.snapshot
  - module: xsnap.xen.reconcile
author:
  - xsnap developers (@xsnap)
'''

EXAMPLES = r'''
- name: Every domain's snapshots
  xsnap.xen.snapshot_info:
  register: xsnap

- name: The names of web01's snapshots, oldest first, and the current one
  ansible.builtin.debug:
    msg: "{{ xsnap.domains.web01.snapshots }} (current: {{ xsnap.domains.web01.current }})"

- name: web01's daily snapshots beyond the newest seven
  ansible.builtin.debug:
    msg: "{{ (xsnap.domains.web01.snapshots | select('match', '^daily-') | sort | reverse | list)[7:] }}"
'''

RETURN = r'''
snapshots:
  description: Every snapshot, oldest first within each domain, as C(xsnap list --json) lists them.
  returned: always
  type: list
  elements: dict
  contains:
    domain:
      description: The domain.
      type: str
      sample: web01
    name:
      description: The snapshot's name.
      type: str
      sample: pre-upgrade
    parent:
      description: The snapshot that was current when this one was taken, if any.
      type: str
      sample: daily-20260101
    current:
      description: Whether the domain last came from this snapshot (taken or reverted to).
      type: bool
      sample: true
    created:
      description: When it was taken (UTC, ISO-8601).
      type: str
      sample: "2026-01-02T03:04:05Z"
    state:
      description: The domain's run state when it was taken, C(running) or C(paused).
      type: str
      sample: running
    memory:
      description: Whether memory was saved (false for a disk-only snapshot).
      type: bool
      sample: true
    memory_bytes:
      description: Size of the saved memory file.
      type: int
      sample: 835433
    memory_file:
      description: The memory file when it lies outside the store (a snapshot cfgfile's C(memory_path)); absent otherwise.
      type: str
      sample: /var/lib/xen/snapshots/web01/snap1.save
    disk_bytes:
      description: Size of the frozen files of its external disk snapshots.
      type: int
      sample: 8388608
    description:
      description: The note it was taken with, if any.
      type: str
      sample: before the kernel upgrade
    disks:
      description: Each disk as C(VDEV:MODE), the mode internal, external or excluded.
      type: list
      elements: str
      sample: ["xvda:internal", "xvdb:external"]
domains:
  description: Per domain the driver or the store knows (only C(domain) when given).
  returned: always
  type: dict
  sample:
    web01:
      state: running
      current: pre-upgrade
      snapshots: [daily-20260101, pre-upgrade]
      tree:
        - name: daily-20260101
          children:
            - {name: pre-upgrade, children: []}
  contains:
    state:
      description: The domain's run state now (C(running), C(paused), C(shutoff) ...), or C(absent) when the
        driver does not know it.
      type: str
    current:
      description: The current snapshot, if any.
      type: str
    snapshots:
      description: The names of its snapshots, oldest first.
      type: list
      elements: str
    tree:
      description: The snapshots as a tree, each node C(name) and C(children).
      type: list
      elements: dict
msg:
  description: How many snapshots there are.
  returned: always
  type: str
  sample: 2 snapshots
rc:
  description:
    - The jar's exit code (0 ok, 1 error, 64 bad request, 65 invalid spec, 66 missing input, 75 another
      xsnap run holds the lock, 76 refused), or the module's own 124 (the C(timeout) passed) or 127 (java
      or the jar not found).
  returned: always
  type: int
  sample: 0
rc_meaning:
  description: What C(rc) means, in words (C(ok), C(invalid spec), C(timed out) ...).
  returned: always
  type: str
  sample: ok
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.xsnap.xen.plugins.module_utils.xsnap import Xsnap, xsnap_argument_spec


def main():
    module = AnsibleModule(
        argument_spec=xsnap_argument_spec(
            domain=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    module.exit_json(**Xsnap(module).run('snapshot_info'))


if __name__ == '__main__':
    main()
