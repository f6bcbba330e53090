#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`vpci-rig shell` through a pseudo-terminal, as a user at a terminal uses
it: boot, wait for the guest's prompt, list the PCI functions (the hv-vpci
bus and its test functions must be there), write a test function's scratch
register through sysfs config space and read it back, `exit`.  The guest
must power off and the harness exit 0.

Usage: shell-test.py HARNESS [SHELL-OPTION...]
Every wait is for output, bounded by a deadline; TAP on stdout.
"""
import os
import pty
import re
import select
import shutil
import sys
import tempfile
import time

PROMPT = re.compile(rb'(?m)^[^\s#]*# (\x1b\[6n)?$')
# VPCI_TESTFN_CFG_SCRATCH_BASE (include/vpci-testfn-regs.h): config space
# the test function keeps as written
SCRATCH = 0x200


class Guest:
    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execv(argv[0], argv)
        self.out = b''

    def wait_for(self, pattern, seconds, start=0):
        """Output from @start on until @pattern matches; None at the deadline or EOF."""
        deadline = time.monotonic() + seconds
        while True:
            m = pattern.search(self.out, start)
            if m:
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                return None
            if not data:
                return None
            self.out += data

    def type(self, line):
        os.write(self.fd, line.encode() + b'\r')

    def run(self, command, seconds=60):
        """Types @command between two markers; its output and status.  The
        markers are arithmetic the guest's shell expands, so the echo of
        the typed line (wrapped by line editing) never matches them."""
        n = len(self.out)
        self.type('echo M$((%d+0))B; %s; echo M$((%d+0))E$?' % (n, command, n))
        begin = self.wait_for(re.compile(b'\nM%dB\r*\n' % n), seconds, n)
        end = begin and self.wait_for(re.compile(b'\nM%dE(\\d+)' % n), seconds, begin.end())
        if not end:
            return None, None
        text = self.out[begin.end():end.start() + 1].decode(errors='replace')
        self.wait_for(PROMPT, seconds, end.end())
        return text.replace('\r', ''), int(end.group(1))

    def finish(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            r, _, _ = select.select([self.fd], [], [], 1)
            if r:
                try:
                    self.out += os.read(self.fd, 4096)
                except OSError:
                    pass
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        return None


def main():
    n = 0
    failed = 0

    def check(ok, name, diag=''):
        nonlocal n, failed
        n += 1
        failed += not ok
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, name))
        for line in diag.splitlines():
            print('# ' + line)

    work = tempfile.mkdtemp(prefix='vpci-shell-test.')
    g = Guest(sys.argv[1:2] + ['shell', '--keep', os.path.join(work, 'run')] + sys.argv[2:])
    prompt = g.wait_for(PROMPT, 300)
    check(prompt is not None, 'the guest shell prompts on this terminal',
          '' if prompt else g.out[-2000:].decode(errors='replace'))
    if not prompt:
        print('1..%d' % n)
        g.finish(5)
        print('# run directory kept: %s/run' % work)
        return 1

    out, rc = g.run('ls /sys/bus/pci/devices/')
    funcs = sorted(set(re.findall(r'\b([0-9a-f]{4}:00:0[0-9a-f]\.\d)\b', out or '')))
    vpci = [f for f in funcs if not f.startswith('0000:')]
    check(rc == 0 and len(vpci) >= 7,
          'the hv-vpci bus and its test functions are there (%d functions in domain %s)'
          % (len(vpci), vpci[0][:4] if vpci else '-'),
          out if out is not None else repr(g.out[-600:]))

    target = vpci[0] if vpci else 'none'
    cfg = '/sys/bus/pci/devices/%s/config' % target
    # write a dword of config space through the window, read it back
    out, rc = g.run("printf '\\x11\\x22\\x33\\x44' | dd of=%s bs=4 seek=%d count=1 conv=notrunc "
                    "2>/dev/null; dd if=%s bs=4 skip=%d count=1 2>/dev/null | od -An -tx1"
                    % (cfg, SCRATCH // 4, cfg, SCRATCH // 4))
    got = (out or '').split()
    check(rc == 0 and got == ['11', '22', '33', '44'],
          'a config write typed in the shell reads back through the window (%s+0x%x)'
          % (target, SCRATCH), out or '')

    g.type('exit')
    status = g.finish(120)
    tail = g.out[-3000:].decode(errors='replace')
    check(status == 0, 'exit powers the guest off; the harness exits 0 (got %s)' % status,
          '' if status == 0 else tail)
    run_dir = re.search(rb'run directory: (\S+)', g.out)
    events = ''
    if run_dir:
        try:
            with open(os.path.join(run_dir.group(1).decode(), 'qmp-events.jsonl')) as f:
                events = f.read()
        except OSError:
            pass
    check('"guest-shutdown"' in events, 'QEMU reported the guest\'s power-off (RUN/qmp-events.jsonl)',
          events[-1000:])
    print('1..%d' % n)
    if failed:
        print('# run directory kept: %s/run' % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


sys.exit(main())
