# -*- coding: utf-8 -*-
# Copyright: xsnap developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """The options every xsnap.xen module shares: where the jar is, and the host options of every xsnap command."""

    DOCUMENTATION = r'''
options:
  xsnap_jar:
    description:
      - Path of the xsnap jar on the managed host.
      - When not set, the environment variable C(XSNAP_JAR) names it, else C(/usr/share/java/xsnap.jar).
      - The module runs it with C(java_executable).
      - The role C(xsnap.xen.install) puts it at the default path.
    type: path
  java_executable:
    description:
      - The C(java) program (Java 17 or later) that runs the jar on the managed host.
      - When not set, the C(java) found on the C(PATH).
    type: path
  timeout:
    description:
      - How many seconds the jar may run. When they have passed the module stops it (SIGTERM, then SIGKILL
        10 seconds later) and fails with rc 124, saying how long it waited.
      - A change stopped half way is finished or undone by the next xsnap run that changes the host, or by
        C(xsnap recover) (from its journal); a domain it paused is resumed then.
      - When not set, no limit. Waiting for the lock (C(lock_timeout)) counts.
    type: int
  store:
    description:
      - Root of the snapshot store on the managed host (the jar's C(--store)); must be absolute.
      - When not set, the environment variable C(XSNAP_STORE), else C(/var/lib/xsnap).
    type: path
  driver:
    description:
      - Domain driver (the jar's C(--driver)).
      - C(auto) is C(xl) when C(/proc/xen) and C(xl) exist, else C(qemu).
      - When not set, the environment variable C(XSNAP_DRIVER), else C(auto).
    type: str
    choices: [qemu, xl, auto]
  qemu_dir:
    description:
      - Where the qemu driver's guests keep C(NAME.qmp) and C(NAME.pid) (the jar's C(--qemu-dir)).
      - When not set, the environment variable C(XSNAP_QEMU_DIR), else C(/run/xsnap/qemu).
    type: path
  lock_timeout:
    description:
      - How long to wait for another xsnap run on the host to finish, for example C(30s) or C(5m)
        (the jar's C(--lock-timeout)). When not set, 30 seconds.
      - Check mode takes no lock.
    type: str
requirements:
  - Java 17 or later and the xsnap jar on the managed host (the role C(xsnap.xen.install) installs both).
notes:
  - The module passes its parameters to the xsnap jar as JSON and returns the jar's JSON; xsnap itself
    observes the host, plans and applies.
  - C(changed) comes from xsnap's plan. Check mode only observes and plans; it changes nothing on the host.
  - With C(--diff), the snapshots of each domain concerned are shown before and after, with the current one;
    before is read when the plan is made, before anything changes, so check mode and a real run show the
    same diff.
  - "Problems in specs are reported as C(FILE:LINE:COLUMN: field: message)."
'''
