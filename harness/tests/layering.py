#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The harness's layering, as TAP: no include cycle among its units (a unit
is NAME.c with NAME.h), and no file of harness_core spawns a process.

Usage: layering.py HARNESS_DIR CORE_SOURCE...
"""
import glob
import os
import re
import sys


def units(top):
    deps = {}
    for path in glob.glob(os.path.join(top, '*.[ch]')):
        name = os.path.basename(path)[:-2]
        with open(path) as f:
            inc = {m[:-2] for m in re.findall(r'#include "([^"/]+)\.h"', f.read())}
        deps.setdefault(name, set()).update(inc - {name})
    return deps


def cycles(deps):
    state, found = {}, []

    def visit(u, stack):
        state[u] = 'open'
        for v in sorted(deps.get(u, ())):
            if v not in deps:
                continue
            if state.get(v) == 'open':
                found.append(stack[stack.index(v):] + [v])
            elif v not in state:
                visit(v, stack + [v])
        state[u] = 'done'

    for u in sorted(deps):
        if u not in state:
            visit(u, [u])
    return found


def main():
    top, core = sys.argv[1], sys.argv[2:]
    spawn = re.compile(r'\b(g_spawn_\w+|g_subprocess_\w+|GSubprocess\w*|fork|execv\w*|system)\s*\(')
    print('TAP version 13\n1..2')
    found = cycles(units(top))
    if found:
        print('not ok 1 - no include cycle among the harness units')
        for c in found:
            print('# cycle: ' + ' -> '.join(c))
    else:
        print('ok 1 - no include cycle among the harness units')
    bad = []
    for src in core:
        with open(os.path.join(top, src)) as f:
            for n, line in enumerate(f, 1):
                if spawn.search(line):
                    bad.append(f'{src}:{n}: {line.strip()}')
    print(('not ok' if bad else 'ok') + ' 2 - harness_core spawns no process')
    for b in bad:
        print('# ' + b)


main()
