#!/usr/bin/env python3
"""Samples the busy test guest's pass counter (src/test/resources/io/xsnap/testing/busy_guest.S: one count per
64 KiB chunk written) and QEMU's migration state through a QMP monitor of its own, every 20 ms, until killed.

usage: bench/guest_counter.py SOCKET OUT     OUT gets lines "<unix time, s> <counter> <migration state>"
"""
import json
import socket
import sys
import time


def main():
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(sys.argv[1])
    f = sock.makefile('rw')
    f.readline()

    def execute(command, **arguments):
        f.write(json.dumps({'execute': command, 'arguments': arguments}) + '\n')
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if 'event' not in reply:
                return reply

    execute('qmp_capabilities')
    with open(sys.argv[2], 'w', buffering=1) as out:
        while True:
            text = execute('human-monitor-command', **{'command-line': 'xp /1wx 0x500'}).get('return', '')
            state = execute('query-migrate').get('return', {}).get('status', 'none')
            if ':' in text:
                out.write('%.4f %d %s\n' % (time.time(), int(text.split(':')[1].strip(), 16), state))
            time.sleep(0.02)


if __name__ == '__main__':
    main()
