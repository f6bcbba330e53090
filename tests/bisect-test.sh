#!/usr/bin/env bash
# `git bisect run ./run-tests.sh --bisect` end to end (issue 5).
#
# Builds a throwaway repository from HEAD of the source tree (git archive,
# one "base" commit), adds eight commits on top of it of which exactly one
# weakens a barrier site in hv_vpci/cfg.c and the others only edit comments and
# docs, plus one side commit that corrupts a hunk of a QEMU patch.  In that
# one clone (bisect checks commits out in place, so its build/ is reused):
#
#   1. ./run-tests.sh --bisect on base             must exit 0
#   2. ./run-tests.sh --bisect on the mutant       must exit 1
#   3. ./run-tests.sh --bisect on the bad patch    must exit 125, fast,
#      without configuring or building QEMU
#   4. git bisect start TIP BASE; git bisect run ./run-tests.sh --bisect
#      must name the mutant in at most ceil(log2 N) + 1 steps.
#
# The clone shares ~/.cache/vpci-rig (VPCI_RIG_CACHE) with the source tree,
# so its set-up reuses the QEMU build of HEAD's patch series; checked when
# the source tree's series is HEAD's.
#
#   bisect-test.sh [MUTANT]    MUTANT: write-release (default: the site's
#                              fence turned into barrier()), write-select
#                              (the same) or read-select (the call deleted)
# Environment: VPCI_BISECT_KEEP=1 keeps the scratch directory.
# Exit: 0 ok, 1 failed, 77 skipped (the source tree is not a git checkout).
set -uo pipefail

top=${VPCI_RIG_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
mutant=${1:-write-release}
t_start=$SECONDS

git -C "$top" rev-parse --verify -q HEAD >/dev/null ||
	{ echo "SKIP: $top is not a git checkout"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/vpci-bisect-test.XXXXXX")
if [ "${VPCI_BISECT_KEEP:-0}" = 1 ]; then
	trap 'echo "kept $work"' EXIT
else
	trap 'rm -rf "$work"' EXIT
fi
repo=$work/repo
log=$work/log
mkdir -p "$repo" "$log"

fail() { echo "FAIL: $*"; exit 1; }
g() { git -C "$repo" "$@"; }
export GIT_AUTHOR_NAME="bisect-test" GIT_AUTHOR_EMAIL="bisect-test@vpci-rig.invalid"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
unset GIT_DIR GIT_WORK_TREE

drv=guest-driver/hv_vpci/cfg.c

# commit MESSAGE: commit everything changed; fail if nothing changed (an
# edit below no longer matches the tree).
commit() {
	g add -A >/dev/null
	g diff --cached --quiet && fail "scratch commit '$1' changed nothing (the tree moved on?)"
	g commit -q -m "$1" || fail "git commit '$1'"
}

# A comment-only edit of the driver: rewords one line of a comment block.
reword() { # FROM TO
	grep -qF -- "$1" "$repo/$drv" || fail "$drv: no comment line '$1'"
	sed -i "s|$1|$2|" "$repo/$drv"
}

append() { # FILE TEXT
	printf '%s\n' "$2" >>"$repo/$1"
}

# The one bad commit.  Each edit must change exactly one line.
mutate() {
	case $mutant in
	write-release)
		sed -i '/^static inline void hv_vpci_fence_write_release(/,/^}$/ s/^\thv_vpci_fence(VPCI_SITE_WRITE_RELEASE, wslot, where);$/\tbarrier();/' "$repo/$drv" ;;
	write-select)
		sed -i '/^static inline void hv_vpci_fence_write_select(/,/^}$/ s/^\thv_vpci_fence(VPCI_SITE_WRITE_SELECT, wslot, where);$/\tbarrier();/' "$repo/$drv" ;;
	read-select)
		sed -i '/^static u32 hv_vpci_cfgwin_read(/,/^}$/ { /^\thv_vpci_fence_read_select(wslot, where);$/d }' "$repo/$drv" ;;
	*) echo "bisect-test.sh: unknown mutant '$mutant'" >&2; exit 2 ;;
	esac
	[ "$(g diff --numstat -- "$drv" | cut -f1-2)" = "$([ "$mutant" = read-select ] && printf '0\t1' || printf '1\t1')" ] ||
		fail "the $mutant mutation did not change exactly one line of $drv"
}

# ---------------------------------------------------------------- history
git -C "$top" archive HEAD | tar -x -C "$repo" || fail "git archive HEAD"
g init -q -b main && g config advice.detachedHead false
commit "base: $(git -C "$top" log -1 --format='%h %s' HEAD)"
base=$(g rev-parse HEAD)

append docs/ordering.md "<!-- bisect-test 1: a doc edit -->"
commit "docs: ordering note"
reword "Make sure the function was chosen before we start reading." \
	"Make sure the function is chosen before the read starts."
commit "hv_vpci: reword the read-select comment"
append README.md "<!-- bisect-test 3: a doc edit -->"
commit "README: a note"
mutate
case $mutant in
read-select) commit "hv_vpci: no fence between select and config read" ;;
*) commit "hv_vpci: a compiler barrier is enough at $mutant" ;;
esac
bad=$(g rev-parse HEAD)
append docs/design.md "<!-- bisect-test 5: a doc edit -->"
commit "docs: design note"
reword "Make sure the function was chosen before we start writing." \
	"Make sure the function is chosen before the write starts."
commit "hv_vpci: reword the write-select comment"
append docs/scenarios.md "<!-- bisect-test 7: a doc edit -->"
commit "docs: scenarios note"
append docs/ordering.md "<!-- bisect-test 8: another doc edit -->"
commit "docs: another ordering note"
tip=$(g rev-parse HEAD)
n=$(g rev-list --count "$base..$tip")

# Side branch: a corrupted hunk in the first patch of the QEMU series: the
# context line right before the hunk's first added line is changed, which
# no fuzz factor forgives (patch's fuzz only drops outer context lines).
g checkout -q -b unpatchable "$base"
p=$(cd "$repo" && ls qemu-hw/patches/*.patch | head -n1)
line=$(awk '/^@@/ { h = 1; next } h && /^[+-]/ { print prev; exit } h && /^ ./ { prev = NR }' "$repo/$p")
[ -n "$line" ] || fail "$p: no context line to corrupt"
sed -i "${line}s/^ \(.*\)\$/ \1 \/* bisect-test *\//" "$repo/$p"
commit "qemu-hw: corrupt a hunk of ${p##*/}"
unpatchable=$(g rev-parse HEAD)
g checkout -q main

echo "scratch history in $repo: $n commits $base..$tip, mutant ($mutant) $bad"
g log --format='  %h %s' "$base..$tip"

# ---------------------------------------------------------------- exit codes
# step NAME COMMIT: check COMMIT out, run ./run-tests.sh --bisect; sets rc, secs.
step() {
	g checkout -q "$2" || fail "checkout $2"
	local t0=$SECONDS
	(cd "$repo" && ./run-tests.sh --bisect) >"$log/$1.out" 2>&1
	rc=$? secs=$((SECONDS - t0))
	echo "$1 ($(g log -1 --format=%h "$2")): exit $rc in $secs s; $(tail -n1 "$log/$1.out")"
}

step good "$base"
[ $rc = 0 ] || { cat "$log/good.out"; fail "good commit: exit $rc, want 0"; }
# QEMU came from the shared cache: when the source tree's own series is
# HEAD's, the clone must have resolved the same build and patched nothing.
qemu_dir=$(readlink "$repo/build/qemu")
echo "clone's QEMU: $qemu_dir"
if git -C "$top" diff --quiet HEAD -- qemu-hw/patches qemu-hw/vpci-rig-devices.mak build-aux/setup.sh &&
	[ -L "$top/build/qemu" ]; then
	[ "$qemu_dir" = "$(readlink "$top/build/qemu")" ] ||
		fail "the clone's QEMU is $qemu_dir, the source tree's $(readlink "$top/build/qemu")"
fi
! grep -q '^applying ' "$repo/build/setup.log" ||
	echo "note: the clone patched and built QEMU itself (no cached build for HEAD's series)"

step bad "$bad"
[ $rc = 1 ] || { cat "$log/bad.out"; fail "mutant commit: exit $rc, want 1"; }
grep -q 'hazard' "$repo/build/meson/meson-logs/testlog.txt" ||
	echo "note: no hazard named in the mutant's test log"

step unpatchable "$unpatchable"
[ $rc = 125 ] || { cat "$log/unpatchable.out"; fail "unpatchable commit: exit $rc, want 125"; }
grep -q "patch ${p##*/} does not apply" "$repo/build/setup.log" ||
	{ tail -n 20 "$repo/build/setup.log"; fail "set-up log does not say that ${p##*/} does not apply"; }
grep -q "The Meson build system\|ninja: Entering" "$repo/build/setup.log" &&
	fail "set-up configured or built QEMU for a series that does not apply"
bad_dir=$(sed -n 's/^qemu: .*, key [0-9a-f]*, //p' "$repo/build/setup.log" | tail -n1)
[ -n "$bad_dir" ] && [ "$bad_dir" != "$qemu_dir" ] ||
	fail "set-up log does not name a new QEMU cache directory for the corrupted series"
[ ! -e "$bad_dir" ] || fail "set-up left $bad_dir behind in the shared cache"
# "fast": no QEMU build, only the source unpacked and patched (the lock
# wait for someone else's set-up is part of the time, hence the margin).
[ $secs -le "${VPCI_BISECT_125_LIMIT:-180}" ] ||
	fail "unpatchable commit took $secs s to give up"

# ---------------------------------------------------------------- bisect
g checkout -q main
g bisect start "$tip" "$base" >"$log/bisect.out" 2>&1 || { cat "$log/bisect.out"; fail "git bisect start"; }
t0=$SECONDS
(cd "$repo" && git bisect run ./run-tests.sh --bisect) >>"$log/bisect.out" 2>&1
brc=$? bsecs=$((SECONDS - t0))
steps=$(grep -c '^running ' "$log/bisect.out")
found=$(sed -n 's/^\([0-9a-f]\{40\}\) is the first bad commit$/\1/p' "$log/bisect.out")
g bisect reset -q >/dev/null 2>&1
# ceil(log2 n) + 1
bound=1 k=1
while [ $k -lt "$n" ]; do k=$((k * 2)) bound=$((bound + 1)); done
echo "bisect: $steps steps in $bsecs s ($((bsecs / (steps > 0 ? steps : 1))) s per step), bound $bound for $n commits; first bad: ${found:-none}"
[ $brc = 0 ] || { cat "$log/bisect.out"; fail "git bisect run exited $brc"; }
[ "$found" = "$bad" ] || { cat "$log/bisect.out"; fail "bisect named ${found:-nothing}, the mutant is $bad"; }
[ "$steps" -le $bound ] || fail "$steps steps, more than ceil(log2 $n) + 1 = $bound"
echo "ok: bisect named the $mutant mutant in $steps steps; $((SECONDS - t_start)) s in all"
