#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write an uncompressed newc cpio archive from a listing, without root.

Listing lines (a subset of the kernel's gen_init_cpio format):
    dir   NAME MODE
    file  NAME SOURCE MODE
    slink NAME TARGET MODE
    nod   NAME MODE c|b MAJOR MINOR
Owner is always root, mtime 0, so the archive is reproducible.
Usage: mkcpio.py LISTING OUTPUT
"""
import stat
import sys


def main():
    listing, output = sys.argv[1], sys.argv[2]
    ino = 721
    with open(output + '.tmp', 'wb') as out:
        def entry(name, mode, data=b'', rdev=(0, 0)):
            nonlocal ino
            ino += 1
            name_b = name.lstrip('/').encode() + b'\0'
            fields = (ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0,
                      len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0)
            hdr = b'070701' + b''.join(b'%08X' % f for f in fields)
            out.write(hdr + name_b)
            out.write(b'\0' * (-(len(hdr) + len(name_b)) % 4))
            out.write(data)
            out.write(b'\0' * (-len(data) % 4))

        with open(listing) as f:
            for lineno, line in enumerate(f, 1):
                w = line.split()
                if not w or w[0].startswith('#'):
                    continue
                kind = w[0]
                if kind == 'dir':
                    entry(w[1], stat.S_IFDIR | int(w[2], 8))
                elif kind == 'file':
                    with open(w[2], 'rb') as src:
                        entry(w[1], stat.S_IFREG | int(w[3], 8), src.read())
                elif kind == 'slink':
                    entry(w[1], stat.S_IFLNK | int(w[3], 8), w[2].encode())
                elif kind == 'nod':
                    typ = stat.S_IFCHR if w[3] == 'c' else stat.S_IFBLK
                    entry(w[1], typ | int(w[2], 8), rdev=(int(w[4]), int(w[5])))
                else:
                    sys.exit(f'{listing}:{lineno}: unknown entry {kind!r}')
        entry('TRAILER!!!', 0)
        out.write(b'\0' * (-out.tell() % 512))
    import os
    os.replace(output + '.tmp', output)


if __name__ == '__main__':
    main()
