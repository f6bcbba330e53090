#!/bin/sh
# --mode icount is deterministic (issue 4): the same seed twice gives the
# same verdict and the very same hazard list, byte for byte.  The run uses
# every fence off, so there is plenty to compare.
#   determinism-test.sh HARNESS [SCENARIO [SEED]]   (exit 0 same, 1 differs)
set -u
harness=$1 scenario=${2:-barrier-stress} seed=${3:-7}
work=$(mktemp -d "${TMPDIR:-/tmp}/vpci-det-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

for i in 1 2; do
	"$harness" run "$scenario" --smp 2 --fences none --mode icount --seed "$seed" \
		--keep "$work/run$i" >"$work/out$i" 2>&1
	echo "run $i: exit $?, $(grep '^verdict:' "$work/out$i")"
done
v1=$(grep '^verdict:' "$work/out1") v2=$(grep '^verdict:' "$work/out2")
if [ -z "$v1" ] || [ "$v1" != "$v2" ]; then
	echo "FAIL: verdicts differ or are missing"; cat "$work/out1" "$work/out2"; exit 1
fi
if [ ! -s "$work/run1/hazards.jsonl" ]; then
	echo "FAIL: no hazards with every fence off: nothing to compare"; exit 1
fi
if ! cmp "$work/run1/hazards.jsonl" "$work/run2/hazards.jsonl"; then
	echo "FAIL: hazard lists differ"
	diff "$work/run1/hazards.jsonl" "$work/run2/hazards.jsonl" | head -n 6
	exit 1
fi
echo "ok: $v1, $(wc -l <"$work/run1/hazards.jsonl") identical hazards"
