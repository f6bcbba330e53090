#!/usr/bin/env bash
# Set up (idempotent), build and run the whole suite through `meson test`.
# What CI runs (.ci/run) and what `git bisect run` runs.
#
#   ./run-tests.sh [--quick] [--bisect] [--sanitize] [--junit FILE] [-k PATTERN] [--shard K/N]
#
# Last line: "N passed, N failed".  Exit 0 only if every test passed.
# --bisect: run the barrier-relevant subset; exit 0 good, 1 bad (the rig
# caught a bug), 125 this commit cannot be tested (set-up or build failed,
# a test could not run, or a usage error).
# --sanitize: QEMU and the harness built with ASan and UBSan (their own
# build, build/meson-sanitize); the qtests, unit and guest tests run on
# them, and every sanitizer report (build/sanitize-reports) is a failure.
# --shard K/N: only the K-th of N slices of the tests (meson's list order,
# every N-th from the K-th), so N CI jobs cover the suite between them.
set -uo pipefail
top=$(cd "$(dirname "$0")" && pwd)
export VPCI_RIG_TOP="$top"

quick=0 bisect=0 sanitize=0 junit="" pattern="" shard=""
# Under --bisect a usage error is 125, not 2: `git bisect run` would take 2
# for "bad", and a commit whose run-tests.sh lacks an option cannot be
# tested with it.
for a in "$@"; do [ "$a" = --bisect ] && bisect=1; done
usage() {
	echo "usage: $0 [--quick] [--bisect] [--sanitize] [--junit FILE] [-k PATTERN] [--shard K/N]" >&2
	[ $bisect = 1 ] && exit 125
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--bisect) bisect=1 ;;
	--sanitize) sanitize=1 ;;
	--junit) [ $# -ge 2 ] || usage; junit=$2; shift ;;
	--junit=*) junit=${1#--junit=} ;;
	-k) [ $# -ge 2 ] || usage; pattern=$2; shift ;;
	--shard) [ $# -ge 2 ] || usage; shard=$2; shift ;;
	--shard=*) shard=${1#--shard=} ;;
	-h|--help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run-tests.sh: unknown option '$1'" >&2; usage ;;
	esac
	shift
done
[ $sanitize = 1 ] && [ $bisect = 1 ] && { echo "run-tests.sh: --sanitize and --bisect do not mix" >&2; usage; }
shard_k=1 shard_n=1
if [ -n "$shard" ]; then
	[[ $shard =~ ^([0-9]+)/([0-9]+)$ ]] && shard_k=${BASH_REMATCH[1]} shard_n=${BASH_REMATCH[2]} &&
		[ "$shard_n" -ge 1 ] && [ "$shard_k" -ge 1 ] && [ "$shard_k" -le "$shard_n" ] ||
		{ echo "run-tests.sh: --shard '$shard': expected K/N with 1 <= K <= N" >&2; usage; }
fi

mesondir="$top/build/meson"
# The fuzzer (a clang build of QEMU) only for runs that include suite fuzz;
# never inherited by a bisect step (bisect-e2e runs them from a full run).
if [ $quick = 0 ] && [ $bisect = 0 ] && [ $sanitize = 0 ]; then
	export VPCI_RIG_FUZZER=1
elif [ $bisect = 1 ]; then
	unset VPCI_RIG_FUZZER
fi
if [ $sanitize = 1 ]; then
	mesondir="$top/build/meson-sanitize"
	export VPCI_RIG_SANITIZE=1
	# Each report goes to its own file (log_path appends .PID), so a
	# report from a QEMU the harness or a qtest spawned is never lost in a
	# log nobody reads.  Leaks are reports too, with whole stacks (GLib
	# has no frame pointers), but they leave the exit status alone: a
	# QEMU that leaks at exit still gets its verdict.
	reports="$top/build/sanitize-reports"
	rm -rf "$reports" && mkdir -p "$reports"
	export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:fast_unwind_on_malloc=0:symbolize=1"
	export LSAN_OPTIONS="exitcode=0:suppressions=$top/build-aux/lsan-suppressions.txt"
	export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1:suppressions=$top/build-aux/ubsan-suppressions.txt"
fi

# Cannot-test: in bisect mode that is 125, otherwise a plain failure.
cannot_test() {
	echo "run-tests.sh: $*" >&2
	echo "0 passed, 1 failed"
	[ $bisect = 1 ] && exit 125
	exit 1
}

t0=$SECONDS
"$top/build-aux/setup.sh" || cannot_test "set-up failed (see build/setup.log)"
if [ $bisect = 1 ]; then
	# A bisect step builds only what the bisect suite's tests need (meson
	# test does that when it is given test names): not the 6.12 modules
	# and initramfs, not the qtests.  A build.ninja out of date (a step
	# that changed a meson.build or suite.cfg) is regenerated first.
	echo "build: regenerate if needed; the bisect tests' dependencies are built by meson test" >&2
	ninja -C "$mesondir" build.ninja >"$top/build/build.log" 2>&1 ||
		cannot_test "meson could not regenerate the build (see build/build.log)"
else
	echo "build: meson compile ..." >&2
	meson compile -C "$mesondir" >"$top/build/build.log" 2>&1 ||
		cannot_test "build failed (see build/build.log)"
	echo "build: done ($((SECONDS - t0)) s since start)" >&2
fi

args=(--print-errorlogs -C "$mesondir")
if [ $bisect = 1 ]; then
	args+=(--suite bisect)
elif [ $sanitize = 1 ]; then
	# not bisect-e2e: it clones and builds the normal rig
	args+=(--suite qtest --suite unit --suite guest --no-rebuild)
elif [ $quick = 1 ]; then
	args+=(--suite quick --no-rebuild)
else
	args+=(--no-rebuild)
fi
# meson's -k-like filter: test names are given as positional arguments.
names=()
if [ -n "$pattern" ] || [ $bisect = 1 ] || [ "$shard_n" -gt 1 ]; then
	mapfile -t names < <(meson test -C "$mesondir" --list "${args[@]:3}" 2>/dev/null |
		sed 's/^[^ ]* \/ //' | grep -E -- "${pattern:-.}" |
		awk -v k="$shard_k" -v n="$shard_n" '(NR - 1) % n == k - 1')
	[ ${#names[@]} -gt 0 ] || { echo "run-tests.sh: no test matches '${pattern:-suite bisect}' in shard $shard_k/$shard_n" >&2; echo "0 passed, 0 failed"; exit 1; }
	[ "$shard_n" -gt 1 ] && echo "run-tests.sh: shard $shard_k/$shard_n: ${#names[@]} tests" >&2
fi

# Count from meson's JSON test log (one object per test), this run's only.
testlog="$mesondir/meson-logs/testlog.json"
rm -f "$testlog"
meson test "${args[@]}" "${names[@]}"
status=$?
# meson test's 125: the tests' dependencies did not build.
[ $bisect = 1 ] && [ $status = 125 ] && [ ! -e "$testlog" ] &&
	cannot_test "build failed (see meson's output above)"
# The harness parses the JSON: passed=N failed=N skipped=N could_not_run=N
passed=0 failed=0 skipped=0 could_not_run=0
counts=$("$mesondir/harness/vpci-rig-harness" testlog "$testlog") ||
	cannot_test "meson wrote no readable test log ($testlog)"
case $counts in
passed=[0-9]*" failed="[0-9]*" skipped="[0-9]*" could_not_run="[0-9]*) eval "$counts" ;;
*) cannot_test "unexpected test log summary '$counts'" ;;
esac
[ "$skipped" -gt 0 ] && echo "run-tests.sh: $skipped test(s) skipped (see meson's output)" >&2
if [ $sanitize = 1 ]; then
	# A report fails the run even when its test passed (a leak at exit,
	# a UBSan report in a QEMU whose verdict was still right).  A file
	# with only ASan's start-up warning (QEMU's coroutines switch stacks
	# with swapcontext) is no report.
	nreports=0 nwarnings=0
	for r in "$reports"/*; do
		[ -f "$r" ] || continue
		if ! grep -q -E 'ERROR: |runtime error:|SUMMARY: ' "$r"; then
			nwarnings=$((nwarnings + 1))
			continue
		fi
		nreports=$((nreports + 1))
		echo "sanitizer report: $r" >&2
		sed -n '1,30p' "$r" >&2
	done
	failed=$((${failed:-0} + nreports))
	echo "sanitize: $nreports sanitizer report(s) in $reports ($nwarnings warning-only files)" >&2
fi
[ -n "$junit" ] && cp "$mesondir/meson-logs/testlog.junit.xml" "$junit"
echo "tests: $((SECONDS - t0)) s in all" >&2
echo "${passed:-0} passed, ${failed:-0} failed"
if [ $status -ne 0 ] || [ "${failed:-0}" -ne 0 ]; then
	# A test that could not run (check's 99: QEMU would not start, guest
	# image missing) says nothing about this commit.
	if [ $bisect = 1 ] && [ "$could_not_run" -gt 0 ]; then
		echo "run-tests.sh: $could_not_run test(s) could not run (exit 99): cannot test this commit" >&2
		exit 125
	fi
	exit 1
fi
exit 0
