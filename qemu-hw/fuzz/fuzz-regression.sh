#!/bin/sh
# The suite's fuzz test: every seed (make-seeds.py) and every reproducer
# kept in regressions/ must run clean, then FUZZ_SECONDS (default 45) of
# fuzzing from them must find nothing.  A finding fails the test and
# leaves its input in OUTDIR/findings/ (reproduce: qemu-hw/fuzz/README.md).
#
#   fuzz-regression.sh FUZZER OUTDIR
set -eu
[ $# -eq 2 ] || { echo "usage: $0 FUZZER OUTDIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
fuzzer=$1 out=$2
[ -x "$fuzzer" ] || { echo "fuzz-regression: no fuzzer at $fuzzer (./run-tests.sh builds it; or VPCI_RIG_FUZZER=1 build-aux/setup.sh)" >&2; exit 99; }
rm -rf "$out/seeds" "$out/findings"
mkdir -p "$out/corpus" "$out/findings"
python3 "$here/make-seeds.py" "$out/seeds"
set -- "$out/seeds"
[ -d "$here/regressions" ] && set -- "$@" "$here/regressions"
# new inputs go to the first directory, kept between runs (build/)
exec "$here/run-fuzz.sh" "$fuzzer" "$out/corpus" "$@" \
	-max_total_time="${FUZZ_SECONDS:-45}" -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$out/findings/"
