# -*- coding: utf-8 -*-
# Copyright: xsnap developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs the xsnap jar for the modules of xsnap.xen: the module's parameters go in as JSON on standard
input, the jar's JSON result comes back as the module's result. No snapshot logic lives here."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess

DEFAULT_JAR = '/usr/share/java/xsnap.jar'
JAR_ENV = 'XSNAP_JAR'

# The jar's exit codes (io.xsnap.cli.ExitCodes) and what they mean.
EXIT_CODES = {
    0: 'ok',
    1: 'error',
    64: 'bad request',
    65: 'invalid spec',
    66: 'missing input',
    75: 'another xsnap run holds the lock',
    76: 'refused',
}

# Module options that are the jar's host options, and its command line flag for each.
HOST_OPTIONS = (
    ('store', '--store'),
    ('driver', '--driver'),
    ('qemu_dir', '--qemu-dir'),
    ('lock_timeout', '--lock-timeout'),
)

# Options of this module_utils, not passed to the jar as parameters.
OWN_OPTIONS = ('xsnap_jar',)


def xsnap_argument_spec(**options):
    """The options every xsnap.xen module has (see the doc fragment xsnap.xen.xsnap), plus ``options``."""
    spec = dict(
        xsnap_jar=dict(type='path'),
        store=dict(type='path'),
        driver=dict(type='str', choices=['qemu', 'xl', 'auto']),
        qemu_dir=dict(type='path'),
        lock_timeout=dict(type='str'),
    )
    spec.update(options)
    return spec


def parse_result(text):
    """The jar's result object, or None when ``text`` is not one."""
    try:
        result = json.loads(text)
    except ValueError:
        return None
    return result if isinstance(result, dict) else None


class Xsnap(object):
    """The xsnap jar, run for one module."""

    def __init__(self, module):
        self.module = module

    def jar(self):
        """The ``xsnap_jar`` option, else the environment variable XSNAP_JAR, else the default install path."""
        jar = self.module.params.get('xsnap_jar') or os.environ.get(JAR_ENV) or DEFAULT_JAR
        if not os.path.isfile(jar):
            self.module.fail_json(msg='xsnap jar %s not found: install xsnap there, or set the xsnap_jar option '
                                      'or the environment variable %s' % (jar, JAR_ENV))
        return jar

    def argv(self):
        java = self.module.get_bin_path('java', required=True)
        argv = [java, '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Dfile.encoding=UTF-8', '-Dsun.stdout.encoding=UTF-8',
                '-Dsun.stderr.encoding=UTF-8', '-jar', self.jar(), 'module']
        for option, flag in HOST_OPTIONS:
            if self.module.params.get(option) is not None:
                argv.extend([flag, str(self.module.params[option])])
        return argv

    def params(self):
        """The module's own parameters, as the jar's request carries them."""
        skip = set(OWN_OPTIONS) | set(option for option, flag in HOST_OPTIONS)
        return dict((k, v) for k, v in self.module.params.items() if k not in skip)

    def execute(self, argv, request):
        """Runs ``argv`` with ``request`` on its standard input; returns its exit code, stdout and stderr.

        Not module.run_command: that writes all input before reading and fails with a bare "Broken pipe"
        when the program ends before reading it (a JVM that cannot start), losing its message and exit code.
        """
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = process.communicate(request.encode('utf-8'))
        return process.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')

    def run(self, name):
        """Runs the jar's module ``name``; returns its result, or fails the task with the jar's own message."""
        argv = self.argv()
        request = json.dumps({'module': name, 'check_mode': self.module.check_mode, 'params': self.params()})
        rc, out, err = self.execute(argv, request)
        result = parse_result(out)
        meaning = EXIT_CODES.get(rc, 'unexpected exit code')
        if result is None:
            self.module.fail_json(msg='xsnap exited %d (%s) without a result: %s' % (rc, meaning, (err or out).strip()),
                                  rc=rc, cmd=argv, stderr=err)
        if rc != 0 or result.get('failed'):
            msg = result.pop('msg', None) or meaning
            result.pop('failed', None)
            result['rc'] = rc
            result['rc_meaning'] = meaning
            self.module.fail_json(msg=msg, **result)
        return result
