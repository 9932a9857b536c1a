#!/usr/bin/env python3
"""Where the pause of a background live snapshot goes: the steps xsnap sends (QmpBackgroundSave: stop, the
disk transaction, migrate with background-snapshot) timed from the client, and QEMU's own events (STOP,
MIGRATION setup/active, RESUME, with QEMU's microsecond timestamps) and query-migrate's setup-time and
downtime. One snapshot per run; the guest runs again afterwards. Used by bench/live_floor.sh.

usage: bench/live_floor.py SOCKET FILE CUT     CUT: "cut" (an internal snapshot of xvda) or "none"
prints one line of key=value (milliseconds)
"""
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.f = self.sock.makefile('rw')
        self.events = []
        self.f.readline()
        self.execute('qmp_capabilities')

    def execute(self, command, **arguments):
        self.f.write(json.dumps({'execute': command, 'arguments': arguments}) + '\n')
        self.f.flush()
        while True:
            reply = json.loads(self.f.readline())
            if 'event' in reply:
                self.events.append(reply)
                continue
            if 'error' in reply:
                raise RuntimeError(command + ': ' + reply['error']['desc'])
            return reply['return']

    def micros(self, name, status=None):
        for e in self.events:
            if e['event'] == name and (status is None or e.get('data', {}).get('status') == status):
                return e['timestamp']['seconds'] * 1e6 + e['timestamp']['microseconds']
        return None


def main():
    q = Qmp(sys.argv[1])
    target, cut = sys.argv[2], sys.argv[3] == 'cut'
    q.execute('migrate-set-capabilities', capabilities=[
        {'capability': 'events', 'state': True}, {'capability': 'background-snapshot', 'state': True}])
    q.execute('migrate-set-parameters', **{'max-bandwidth': 1 << 40})
    t0 = time.time()
    q.execute('stop')
    t1 = time.time()
    if cut:
        q.execute('transaction', actions=[{'type': 'blockdev-snapshot-internal-sync',
                                           'data': {'device': 'xvda', 'name': 'floor%d' % int(t0 * 1e6)}}])
    t2 = time.time()
    q.execute('migrate', uri="exec:exec cat >> '%s'" % target)
    t3 = time.time()
    done_at = None
    while True:
        m = q.execute('query-migrate')
        if m['status'] in ('completed', 'failed', 'cancelled'):
            done_at = done_at or time.time()
            # QEMU 7.2 drops its resume when the save completes first: then the guest is still stopped
            if q.micros('RESUME') or time.time() - done_at > 1:
                break
        time.sleep(0.01)
    if not q.micros('RESUME'):
        q.execute('cont')
    q.execute('migrate-set-capabilities', capabilities=[{'capability': 'background-snapshot', 'state': False}])
    stop, resume = q.micros('STOP'), q.micros('RESUME')
    setup, active = q.micros('MIGRATION', 'setup'), q.micros('MIGRATION', 'active')
    rel = lambda x: '%.1f' % ((x - stop) / 1000) if x and stop else '-'
    print('stop_cmd=%.1f cut=%.1f migrate_cmd=%.1f | qemu: setup_event=%s active_event=%s resume=%s | '
          'setup_time=%s downtime=%s pause_client=%s total_time=%s status=%s' % (
              (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, rel(setup), rel(active), rel(resume),
              m.get('setup-time'), m.get('downtime'),
              '%.1f' % ((resume / 1e6 - t0) * 1e3) if resume else 'none (QEMU dropped it; cont sent)',
              m.get('total-time'), m['status']))


if __name__ == '__main__':
    main()
