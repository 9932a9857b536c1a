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
import time

DEFAULT_JAR = '/usr/share/java/xsnap.jar'
JAR_ENV = 'XSNAP_JAR'

# Exit codes that are not the jar's: the module could not start it, or stopped it.
RC_NOT_FOUND = 127
RC_TIMED_OUT = 124

# The jar's exit codes (io.xsnap.cli.ExitCodes) and the module's own two, and what they mean.
EXIT_CODES = {
    0: 'ok',
    1: 'error',
    64: 'bad request',
    65: 'invalid spec',
    66: 'missing input',
    75: 'another xsnap run holds the lock',
    76: 'refused',
    RC_TIMED_OUT: 'timed out',
    RC_NOT_FOUND: 'java or the xsnap jar not found',
}

# Module options that are the jar's host options, and its command line flag for each.
HOST_OPTIONS = (
    ('store', '--store'),
    ('driver', '--driver'),
    ('qemu_dir', '--qemu-dir'),
    ('lock_timeout', '--lock-timeout'),
)

# Options of this module_utils, not passed to the jar as parameters.
OWN_OPTIONS = ('xsnap_jar', 'java_executable', 'timeout')

# How long a stopped jar gets to end after SIGTERM before it is killed.
GRACE_SECONDS = 10


def xsnap_argument_spec(**options):
    """The options every xsnap.xen module has (see the doc fragment xsnap.xen.xsnap), plus ``options``."""
    spec = dict(
        xsnap_jar=dict(type='path'),
        java_executable=dict(type='path'),
        timeout=dict(type='int'),
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


def first_line(text):
    """The first non-empty line of ``text``, or an empty string."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ''


class Xsnap(object):
    """The xsnap jar, run for one module."""

    def __init__(self, module):
        self.module = module

    def fail(self, msg, rc, **result):
        """Fails the task with ``rc`` and its meaning."""
        self.module.fail_json(msg=msg, rc=rc, rc_meaning=EXIT_CODES.get(rc, 'unexpected exit code'), **result)

    def java(self):
        """The ``java_executable`` option, else the ``java`` on the PATH."""
        java = self.module.params.get('java_executable')
        if java:
            if not (os.path.isfile(java) and os.access(java, os.X_OK)):
                self.fail('java_executable %s is not an executable file' % java, RC_NOT_FOUND)
            return java
        java = self.module.get_bin_path('java')
        if not java:
            self.fail('java not found on the PATH: install a Java 17 runtime (the role xsnap.xen.install does), or set '
                      'the java_executable option', RC_NOT_FOUND)
        return java

    def jar(self):
        """The ``xsnap_jar`` option, else the environment variable XSNAP_JAR, else the default install path."""
        jar = self.module.params.get('xsnap_jar') or os.environ.get(JAR_ENV) or DEFAULT_JAR
        if not os.path.isfile(jar):
            self.fail('xsnap jar %s not found: install xsnap there (the role xsnap.xen.install does), or set the '
                      'xsnap_jar option or the environment variable %s' % (jar, JAR_ENV), RC_NOT_FOUND)
        return jar

    def argv(self):
        argv = [self.java(), '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Dfile.encoding=UTF-8',
                '-Dsun.stdout.encoding=UTF-8', '-Dsun.stderr.encoding=UTF-8', '-jar', self.jar(), 'module']
        for option, flag in HOST_OPTIONS:
            if self.module.params.get(option) is not None:
                argv.extend([flag, str(self.module.params[option])])
        return argv

    def params(self):
        """The module's own parameters that are set, as the jar's request carries them."""
        skip = set(OWN_OPTIONS) | set(option for option, flag in HOST_OPTIONS)
        return dict((k, v) for k, v in self.module.params.items() if k not in skip and v is not None)

    def execute(self, argv, request):
        """Runs ``argv`` with ``request`` on its standard input, for at most the ``timeout`` option's seconds.

        Returns its exit code, stdout, stderr and whether it was stopped for the timeout. Not
        module.run_command: that has no time limit, and it fails with a bare "Broken pipe" when the program
        ends before reading its input (a JVM that cannot start), losing its message and exit code.
        """
        timeout = self.module.params.get('timeout')
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = process.communicate(request.encode('utf-8'), timeout=timeout or None)
            timed_out = False
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                out, err = process.communicate(timeout=GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
            timed_out = True
        return process.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace'), timed_out

    def run(self, name):
        """Runs the jar's module ``name``; returns its result, or fails the task with the jar's own message."""
        argv = self.argv()
        request = json.dumps({'module': name, 'check_mode': self.module.check_mode, 'params': self.params()})
        started = time.time()
        rc, out, err, timed_out = self.execute(argv, request)
        if timed_out:
            waited = time.time() - started
            self.fail('xsnap did not finish within timeout=%d s (stopped after %.1f s); a change it had begun is '
                      'finished or undone by the next changing xsnap run on this host (or xsnap recover)'
                      % (self.module.params['timeout'], waited), RC_TIMED_OUT, cmd=argv, stderr=err)
        result = parse_result(out)
        if result is None:
            self.fail('xsnap exited %d without a result: %s' % (rc, first_line(err or out)), rc, cmd=argv, stderr=err)
        if not self.module._diff:
            result.pop('diff', None)
        if rc != 0 or result.get('failed'):
            msg = result.pop('msg', None) or EXIT_CODES.get(rc, 'unexpected exit code')
            result.pop('failed', None)
            result.pop('rc', None)
            self.fail(msg, rc, **result)
        result['rc_meaning'] = EXIT_CODES[0]
        return result
