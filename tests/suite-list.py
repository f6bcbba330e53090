#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print the tests of tests/suite.cfg for tests/meson.build, one a line:
NAME<TAB>TIMEOUT<TAB>GROUP;GROUP...<TAB>PARALLEL  (timeout default 120,
groups as the harness reads them: split at ';', blanks dropped; PARALLEL
'true' or 'false': the `parallel` key, default yes at smp = 1 and no
otherwise).  Only what meson needs; `vpci-rig-harness check NAME` reads
the rest of a section itself."""
import configparser
import sys


def main(path):
    # GKeyFile's rules as far as suite.cfg uses them: '#' and ';' comment
    # lines, "key = value", no interpolation, keys case-sensitive.
    cfg = configparser.RawConfigParser(delimiters=('=',), comment_prefixes=('#', ';'),
                                       inline_comment_prefixes=None, strict=False,
                                       interpolation=None)
    cfg.optionxform = str
    with open(path, encoding='utf-8') as f:
        cfg.read_file(f)
    for name in cfg.sections():
        sec = cfg[name]
        try:
            timeout = int(sec.get('timeout', '120').strip())
        except ValueError:
            sys.exit(f'{path}: [{name}]: timeout is not a whole number')
        groups = [g.strip() for g in sec.get('groups', '').split(';') if g.strip()]
        smp = sec.get('smp', '4').strip()
        parallel = sec.get('parallel', 'yes' if smp == '1' else 'no').strip()
        if parallel not in ('yes', 'no'):
            sys.exit(f'{path}: [{name}]: parallel must be yes or no')
        print(f'{name}\t{timeout}\t{";".join(groups)}\t{str(parallel == "yes").lower()}')


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: suite-list.py SUITE.CFG')
    main(sys.argv[1])
