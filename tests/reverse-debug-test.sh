#!/bin/sh
# Reverse debugging in a replay (issue 5): record a run, replay it with
# `--replay DIR --gdb=PORT` (QEMU waits at the first instruction) and drive
# gdb in batch mode through RUN/gdb-script: a breakpoint in hv_vpci's
# config-write path is hit, three stepi forward, reverse-stepi must land on the
# previous instruction, reverse-continue must go back to the breakpoint; then
# the replay runs on to its verdict.
#
# Why three stepi and not two: QEMU 10.0's reverse-continue
# (replay/replay-debugging.c) plays from the snapshot to icount - 1 and only
# knows the breakpoints the vCPU thread reported on the way
# (cpu_handle_guest_debug -> replay_breakpoint).  A breakpoint *at* icount - 1,
# where two stepi and a reverse-stepi leave it, is the seek's target itself:
# whether it is reported before the main loop runs the seek's end timer
# (replay_continue_stop) is a race between the two threads, and when the
# timer wins QEMU goes to step 0 instead.  One instruction further back, the
# breakpoint is reported while the replay executes it.  (The snapshot load
# that follows, from that timer while the vCPU runs, deadlocked on kvmvapic's
# reset: the harness turns kvmvapic off in record/replay, harness/qemu-cmd.c.)
# Neither depends on the guest: the single-file agent of f6ce0c8 hung too.
#   reverse-debug-test.sh HARNESS [SCENARIO]   (exit 0 ok, 1 failed, 99 gdb missing)
set -u
. "$(dirname "$0")/gdb-session.sh"
harness=$1 scenario=${2:-cfg-stress}
. "$(dirname "$0")/../build-aux/require-tools.sh"
require_tools "$(basename "$0")" "the debug suites" gdb timeout || exit 99
work=$(mktemp -d "${TMPDIR:-/tmp}/vpci-rdebug-test.XXXXXX")
hpid=
trap '[ -n "$hpid" ] && kill $hpid 2>/dev/null; rm -rf "$work"' EXIT
port=$((20000 + $$ % 20000))

"$harness" run "$scenario" --record "$work/rec" --keep "$work/run" >"$work/out1" 2>&1
echo "record: exit $?, $(grep '^verdict:' "$work/out1")"
"$harness" run --replay "$work/rec" --gdb="$port" --keep "$work/replay" >"$work/out" 2>&1 &
hpid=$!
script=$(wait_gdb_line "$work/out" $hpid 120) || exit 1
echo "harness: gdb -x $script"

timeout 300 gdb -batch -nx -x "$script" \
	-ex 'break hv_vpci_cfg_write' \
	-ex 'continue' \
	-ex 'printf "at-break %#lx\n", $pc' \
	-ex 'stepi' \
	-ex 'printf "pc-1 %#lx\n", $pc' \
	-ex 'stepi' \
	-ex 'printf "pc-2 %#lx\n", $pc' \
	-ex 'stepi' \
	-ex 'printf "pc-3 %#lx\n", $pc' \
	-ex 'reverse-stepi' \
	-ex 'printf "after-reverse-stepi %#lx\n", $pc' \
	-ex 'reverse-continue' \
	-ex 'printf "after-reverse-continue %#lx\n", $pc' \
	-ex 'info line *$pc' \
	-ex 'delete' \
	-ex 'continue' >"$work/gdb.out" 2>&1
end_gdb_run "$work/gdb.out" '^after-reverse-continue ' $hpid
status=$?
hpid=
tail -3 "$work/out"
val() { sed -n "s/^$1 //p" "$work/gdb.out" | head -n 1; }
brk=$(val at-break) pc1=$(val pc-1) pc2=$(val pc-2) pc3=$(val pc-3)
rsi=$(val after-reverse-stepi) rc=$(val after-reverse-continue)
fail=0
[ -n "$brk" ] || { echo "FAIL: breakpoint in hv_vpci_cfg_write not hit"; fail=1; }
[ -n "$pc3" ] && [ "$pc1" != "$pc2" ] && [ "$pc2" != "$pc3" ] ||
	{ echo "FAIL: stepi did not move"; fail=1; }
[ -n "$rsi" ] && [ "$rsi" = "$pc2" ] ||
	{ echo "FAIL: reverse-stepi went to '$rsi', not back to $pc2"; fail=1; }
[ -n "$rc" ] && [ "$rc" = "$brk" ] ||
	{ echo "FAIL: reverse-continue went to '$rc', not back to the breakpoint $brk"; fail=1; }
grep -q 'Line [0-9]* of ".*hv_vpci[^"]*/cfg\.c"' "$work/gdb.out" ||
	{ echo "FAIL: 'info line' did not name a line of hv_vpci/cfg.c"; fail=1; }
grep -q '^verdict: ' "$work/out" ||
	{ echo "FAIL: no verdict after continue (harness exit $status)"; fail=1; }
[ $fail = 0 ] && echo "ok: breakpoint $brk, stepi $pc1 -> $pc2 -> $pc3, reverse-stepi -> $rsi, reverse-continue -> $rc, verdict"
exit $fail
