#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Manual smoke test of hv_vpci.ko + vpci_testfn.ko, without the harness.

Builds both modules (Kbuild, W=1) in a temporary directory, packs them with
busybox and init.sh into an initramfs, boots the 6.1 guest under QEMU with
hv-vpci and two test functions, hot-adds and ejects a third one over HMP,
and checks the console for the end marker and for kernel warnings.

  smoke.py [--smp N] [--hvargs 'fences=none;eager_affinity=1'] [--keep DIR]

Exit 0 if the run completed cleanly.  Needs build/qemu and build/kernel/6.1
(build-aux/setup.sh) and busybox-static.  SeaBIOS, not qboot: qboot puts the
64-bit aperture above 4 GiB, where the test function's 32-bit BARs cannot go.
"""
import argparse, os, shutil, socket, subprocess, sys, tempfile, time

top = os.path.abspath(os.path.join(os.path.dirname(__file__), '../../..'))
ap = argparse.ArgumentParser()
ap.add_argument('--smp', default='2')
ap.add_argument('--hvargs', default='fences=all')
ap.add_argument('--kbuild', default='/usr/src/linux-headers-6.1.0-56-amd64')
ap.add_argument('--keep')
a = ap.parse_args()
work = a.keep or tempfile.mkdtemp(prefix='hv_vpci-smoke.')
os.makedirs(work, exist_ok=True)
root = os.path.join(work, 'root')
shutil.rmtree(root, ignore_errors=True)
for d in ('bin', 'proc', 'sys', 'dev'):
    os.makedirs(os.path.join(root, d))
for mod, ko in (('hv_vpci', 'hv_vpci.ko'), ('testfn', 'vpci_testfn.ko')):
    dst = os.path.join(work, mod)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(os.path.join(top, 'guest-driver', mod), dst)
    r = subprocess.run(['make', '-s', '-C', a.kbuild, 'M=' + dst, 'W=1',
                        'VPCI_RIG_INCLUDE=' + os.path.join(top, 'include'), 'modules'],
                       capture_output=True, text=True)
    if r.returncode or 'warning:' in r.stderr:
        sys.exit('build of %s failed:\n%s' % (mod, r.stderr))
    shutil.copy(os.path.join(dst, ko), root)
shutil.copy('/bin/busybox', os.path.join(root, 'bin'))
shutil.copy(os.path.join(os.path.dirname(__file__), 'init.sh'), os.path.join(root, 'init'))
os.chmod(os.path.join(root, 'init'), 0o755)
listing = subprocess.run('find .', shell=True, cwd=root, capture_output=True).stdout
cpio = os.path.join(work, 'initramfs.cpio')
with open(cpio, 'wb') as f:
    subprocess.run(['cpio', '-o', '-H', 'newc', '--quiet'], cwd=root, input=listing, stdout=f, check=True)
sock = os.path.join(work, 'hmp.sock')
cmd = [os.path.join(top, 'build/qemu/build/qemu-system-x86_64'), '-M', 'q35', '-nodefaults',
       '-no-user-config', '-display', 'none', '-accel', 'tcg,thread=multi', '-smp', a.smp, '-m', '512',
       '-L', '/usr/share/seabios', '-L', '/usr/share/qemu',
       '-kernel', os.path.join(top, 'build/kernel/6.1/vmlinux'), '-initrd', cpio,
       '-append', 'console=ttyS0 loglevel=7 nokaslr mitigations=off no_timer_check tsc=reliable '
                  'panic=-1 rdinit=/init hvargs=%s;hotplug' % a.hvargs,
       '-serial', 'stdio', '-action', 'reboot=shutdown,panic=shutdown',
       '-D', os.path.join(work, 'qemu.log'), '-d', 'guest_errors',
       '-device', 'hv-vpci,id=vpci0', '-device', 'vpci-testfn,bus=vpci0,addr=1.0,multifunction=on',
       '-device', 'vpci-testfn,bus=vpci0,addr=1.1', '-monitor', 'unix:%s,server=on,wait=off' % sock]
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
hmp, log, deadline = None, [], time.time() + 180
for line in p.stdout:
    sys.stdout.write(line)
    log.append(line)
    for marker, c in (('READY-ADD', 'device_add vpci-testfn,bus=vpci0,addr=2.0,id=t2'),
                      ('READY-DEL', 'device_del t2')):
        if line.startswith(marker):
            if hmp is None:
                hmp = socket.socket(socket.AF_UNIX)
                hmp.connect(sock)
            hmp.sendall((c + '\n').encode())
    if time.time() > deadline:
        p.kill()
p.wait()
text = ''.join(log)
bad = [l for l in log if any(k in l for k in ('WARNING:', 'BUG:', 'Oops', 'Call Trace'))]
errors = open(os.path.join(work, 'qemu.log')).read()
ok = '=== done' in text and not bad and 'probe of' not in text
print('\nsmoke: %s (work dir %s; QEMU guest errors: %d bytes)' % ('PASS' if ok else 'FAIL', work, len(errors)))
sys.exit(0 if ok else 1)
