#!/usr/bin/env python3
"""Collapses a running QEMU's guest RAM back into transparent huge pages: process_madvise(MADV_COLLAPSE)
(Linux 6.1+, as root) over the anonymous mapping of the guest's RAM size. Used by bench/live_thp.sh to try
whether a background snapshot's pause stays at the first snapshot's once the pages a save split are whole
again. Changes no host-wide setting.

usage: bench/thp_collapse.py PID MIB      prints "collapse ok ms=N" or the errno
"""
import ctypes
import sys
import time

SYS_PIDFD_OPEN, SYS_PROCESS_MADVISE, MADV_COLLAPSE = 434, 440, 25  # x86_64
HUGE = 2 << 20


class Iovec(ctypes.Structure):
    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]


def main():
    pid, mib = int(sys.argv[1]), int(sys.argv[2])
    region = None
    with open('/proc/%d/maps' % pid) as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split('-'))
            if end - start >= mib << 20 and len(fields) < 6:  # anonymous: no path
                region = (start, end)
                break
    if region is None:
        sys.exit('pid %d has no anonymous mapping of %d MiB' % (pid, mib))
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0)
    if pidfd < 0:
        sys.exit('pidfd_open: errno %d' % ctypes.get_errno())
    start = (region[0] + HUGE - 1) & ~(HUGE - 1)
    iov = Iovec(start, (region[1] - start) & ~(HUGE - 1))
    t = time.monotonic()
    r = libc.syscall(SYS_PROCESS_MADVISE, pidfd, ctypes.byref(iov), 1, MADV_COLLAPSE, 0)
    ms = (time.monotonic() - t) * 1000
    print('collapse %s ms=%.0f' % ('ok' if r >= 0 else 'errno %d' % ctypes.get_errno(), ms))


if __name__ == '__main__':
    main()
