#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: xsnap developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: reconcile
short_description: Make the snapshots of a host's domains match xsnap specs
version_added: 0.1.0
description:
  - Loads xsnap specs (kinds C(DomainSnapshots) and C(DomainClone)), observes what exists on the managed host,
    plans the creates, deletes, clones and clone deletes that make the host match, and applies them, like
    C(xsnap apply --auto-approve).
  - "Every problem of every spec is reported at once as C(FILE:LINE:COLUMN: field: message), and then
    nothing changes."
  - After applying, xsnap plans again; the task fails if the host still differs from the specs.
options:
  spec:
    description:
      - The specs, each one of
      - a path on the managed host of a spec file, or of a directory whose C(*.yaml) and C(*.yml) files
        are read (relative paths are relative to the module's working directory; prefer absolute ones);
      - a YAML text holding one or more spec documents (any string with a line break), for example from
        the C(template) lookup;
      - a spec document written inline as a dictionary.
      - Problems in the texts and documents are named C(spec[N]) after their index in this list; the line
        and column of a dictionary refer to it written out as YAML, one key per line.
      - One of them alone (a string or a dictionary), or a list of them.
    type: raw
    required: true
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
  - module: xsnap.xen.snapshot
  - module: xsnap.xen.snapshot_info
author:
  - xsnap developers (@xsnap)
'''

EXAMPLES = r'''
- name: Make the host match every spec in a directory copied from the GitOps repo
  xsnap.xen.reconcile:
    spec:
      - /etc/xsnap/specs

- name: Specs rendered from a template on the controller
  xsnap.xen.reconcile:
    spec:
      - "{{ lookup('ansible.builtin.template', 'snapshots.yaml.j2') }}"

- name: A spec written inline
  xsnap.xen.reconcile:
    spec:
      - apiVersion: xsnap/v1
        kind: DomainSnapshots
        domain: web01
        snapshots:
          - name: pre-upgrade
            memory: true
          - name: old-one
            state: absent
'''

RETURN = r'''
msg:
  description: What was done (or would be done in check mode), or every reason it failed.
  returned: always
  type: str
  sample: "done: create web01/pre-upgrade, delete web01/old-one"
plan:
  description: The plan xsnap made, as C(xsnap plan --json) prints it (the jar's C(schemas/plan-v1.schema.json)).
  returned: when the specs were valid
  type: dict
  sample:
    format_version: 1
    changes: []
    findings: []
    summary: {create: 0, revert: 0, delete: 0, errors: 0}
    changes_present: false
changes:
  description:
    - One entry per change that ran, the failed one last. Empty in check mode.
    - C(pause_millis) is how long the domain stood still; a live memory save on the qemu driver adds
      C(downtime_millis), QEMU's own measure of its switch-over.
    - Not called C(results), which Ansible keeps for the items of a loop.
  returned: when the specs were valid
  type: list
  elements: dict
  sample:
    - {action: create, domain: web01, snapshot: pre-upgrade, ok: true, millis: 283, pause_millis: 70}
diff:
  description:
    - Per domain of the specs, its snapshots (oldest first) and its current snapshot, before and after.
    - C(before) is read when the plan is made, before anything changes; C(after) is, in check mode, what the
      plan would leave, else what the store holds afterwards.
  returned: in diff mode (C(--diff)), when the specs were valid
  type: dict
  sample:
    before: {web01: {snapshots: [old-one]}}
    after: {web01: {current: pre-upgrade, snapshots: [pre-upgrade]}}
log:
  description: What xsnap reported while it applied the changes.
  returned: when changes ran
  type: list
  elements: str
  sample: ["+ create web01/pre-upgrade ..."]
errors:
  description: "One line per problem; spec problems as C(FILE:LINE:COLUMN: field: message)."
  returned: on failure
  type: list
  elements: str
  sample: ['/etc/xsnap/specs/web01.yaml:6:13: snapshots[0].memory: must be true or false, not "maybe"']
rc:
  description:
    - The jar's exit code (0 ok, 1 error, 64 bad request, 65 invalid spec, 66 missing input, 75 another
      xsnap run holds the lock, 76 refused), or the module's own 124 (the C(timeout) passed) or 127 (java
      or the jar not found).
  returned: always
  type: int
  sample: 65
rc_meaning:
  description: What C(rc) means, in words (C(ok), C(invalid spec), C(timed out) ...).
  returned: always
  type: str
  sample: invalid spec
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six import string_types
from ansible_collections.xsnap.xen.plugins.module_utils.xsnap import Xsnap, xsnap_argument_spec


def main():
    module = AnsibleModule(
        argument_spec=xsnap_argument_spec(
            spec=dict(type='raw', required=True),
        ),
        supports_check_mode=True,
    )
    spec = module.params['spec']
    if isinstance(spec, (string_types, dict)):
        module.params['spec'] = [spec]
    elif not isinstance(spec, list):
        module.fail_json(msg='spec: give a path, a YAML text, a spec document or a list of them, not %s'
                         % type(spec).__name__, rc=64, rc_meaning='bad request')
    module.exit_json(**Xsnap(module).run('reconcile'))


if __name__ == '__main__':
    main()
