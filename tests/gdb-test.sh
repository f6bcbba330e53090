#!/bin/sh
# The --gdb contract, end to end (issue 5): boot a scenario that writes
# config space through hv_vpci with `run --gdb=PORT`, wait for the line to
# paste, and drive gdb in batch mode through RUN/gdb-script: a breakpoint in
# the driver's config-write function (hv_vpci_cfgwin_write) must be hit and
# `info line` / `list` must show a source line of hv_vpci/cfg.c; then gdb lets
# the scenario run on and the harness must still print its verdict.
#   gdb-test.sh HARNESS [SCENARIO [RUN-OPTION...]]   (exit 0 ok, 1 failed, 99 gdb missing)
set -u
. "$(dirname "$0")/gdb-session.sh"
harness=$1 scenario=${2:-cfg-stress}
shift; [ $# -gt 0 ] && shift
. "$(dirname "$0")/../build-aux/require-tools.sh"
require_tools "$(basename "$0")" "the debug suites" gdb timeout || exit 99
work=$(mktemp -d "${TMPDIR:-/tmp}/vpci-gdb-test.XXXXXX")
trap 'kill $hpid 2>/dev/null; rm -rf "$work"' EXIT
port=$((20000 + $$ % 20000))

"$harness" run "$scenario" --smp 2 --gdb="$port" --keep "$work/run" "$@" >"$work/out" 2>&1 &
hpid=$!
script=$(wait_gdb_line "$work/out" $hpid 600) || exit 1
echo "harness: gdb -x $script"

timeout 300 gdb -batch -nx -x "$script" \
	-ex 'break hv_vpci_cfgwin_write' \
	-ex 'continue' \
	-ex 'info line *$pc' \
	-ex 'list' \
	-ex 'bt 4' \
	-ex 'print hv_vpci_pci_ops' \
	-ex 'delete' \
	-ex 'continue' >"$work/gdb.out" 2>&1
end_gdb_run "$work/gdb.out" 'hit Breakpoint 1, ' $hpid
status=$?
tail -3 "$work/out"
fail=0
# "Breakpoint 1, 0x... in hv_vpci_cfgwin_write (" or, at a line's first
# instruction, "Breakpoint 1, hv_vpci_cfgwin_write ("
grep -Eq 'hit Breakpoint 1, (.* in )?hv_vpci_cfgwin_write \(' "$work/gdb.out" ||
	{ echo "FAIL: breakpoint in hv_vpci_cfgwin_write not hit"; fail=1; }
grep -q 'Line [0-9]* of ".*hv_vpci[^"]*/cfg\.c"' "$work/gdb.out" ||
	{ echo "FAIL: 'info line' did not name a line of hv_vpci/cfg.c"; fail=1; }
grep -q 'static void hv_vpci_cfgwin_write(struct hv_vpci_bus' "$work/gdb.out" ||
	{ echo "FAIL: 'list' did not print hv_vpci/cfg.c source"; fail=1; }
grep -q '^verdict: ' "$work/out" ||
	{ echo "FAIL: no verdict after continue (harness exit $status)"; fail=1; }
[ $fail = 0 ] && echo "ok: breakpoint, source line and verdict"
exit $fail
