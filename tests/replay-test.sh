#!/bin/sh
# Record/replay (issue 5): record a failing run (every fence off) with
# `run --record DIR`, play it back with `run --replay DIR`: the same verdict
# and the very same hazard list, byte for byte.  QEMU's record/replay
# refuses -smp > 1, so the run is barrier-stress on one vCPU.
#   replay-test.sh HARNESS [SCENARIO [SEED]]   (exit 0 same, 1 differs)
set -u
harness=$1 scenario=${2:-barrier-stress} seed=${3:-7}
work=$(mktemp -d "${TMPDIR:-/tmp}/vpci-replay-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$harness" run "$scenario" --fences none --seed "$seed" --record "$work/rec" \
	--keep "$work/run" >"$work/out1" 2>&1
echo "record: exit $?, $(grep '^verdict:' "$work/out1")"
"$harness" run --replay "$work/rec" --keep "$work/replay" >"$work/out2" 2>&1
echo "replay: exit $?, $(grep '^verdict:' "$work/out2")"
grep '^replay: ' "$work/out2"
v1=$(grep '^verdict:' "$work/out1") v2=$(grep '^verdict:' "$work/out2")
if [ "$v1" != "verdict: fail" ]; then
	echo "FAIL: the recorded run with every fence off did not fail"; cat "$work/out1"; exit 1
fi
if [ "$v1" != "$v2" ]; then
	echo "FAIL: the replay's verdict differs"; cat "$work/out2"; exit 1
fi
if [ ! -s "$work/run/hazards.jsonl" ]; then
	echo "FAIL: no hazards with every fence off: nothing to compare"; exit 1
fi
if ! cmp "$work/run/hazards.jsonl" "$work/replay/hazards.jsonl"; then
	echo "FAIL: hazard lists differ"
	diff "$work/run/hazards.jsonl" "$work/replay/hazards.jsonl" | head -n 6
	exit 1
fi
if ! cmp "$work/run/tap.log" "$work/replay/tap.log"; then
	echo "FAIL: the agent's TAP output differs"; exit 1
fi
echo "ok: $v1 twice, $(wc -l <"$work/run/hazards.jsonl") identical hazards, identical TAP"
