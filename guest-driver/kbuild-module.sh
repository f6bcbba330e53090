#!/bin/sh
# Build one out-of-tree module with Kbuild, from meson (and from
# images/prepare-kernel-tree.sh for a user's kernel tree).
#   kbuild-module.sh [--warnings-ok] KBUILD_TREE SRC_DIR INCLUDE_DIR WORK_DIR OUTPUT.ko SOURCE...
# Kbuild wants objects beside the sources, so the sources are copied into
# WORK_DIR (only when changed, keeping mtimes, so make stays incremental).
# Any compiler warning (W=1) fails the build, unless --warnings-ok: then
# they are printed and the module is kept (a kernel tree we do not control).
# OUTPUT.ko is replaced by a rename, never rewritten in place (a recording's
# hard link to the old one keeps its content).
set -eu
werror=1
if [ "${1:-}" = --warnings-ok ]; then
	werror=0
	shift
fi
kbuild=$1 src=$2 inc=$3 work=$4 out=$5
shift 5
. "$(dirname "$0")/../build-aux/require-tools.sh"
require_kbuild_tools "kbuild-module.sh $(basename "$out")" "$kbuild" || exit 1
mkdir -p "$work"
for f in "$@"; do
	mkdir -p "$work/$(dirname "$f")"
	cmp -s "$src/$f" "$work/$f" || cp -p "$src/$f" "$work/$f"
done
log=$work/build.log
if ! make -s -C "$kbuild" M="$work" W=1 VPCI_INCLUDE="$inc" modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "kbuild-module.sh: Kbuild failed for $work" >&2
	exit 1
fi
if grep -q 'warning:' "$log"; then
	cat "$log" >&2
	if [ $werror = 1 ]; then
		echo "kbuild-module.sh: warnings are errors for $(basename "$out")" >&2
		exit 1
	fi
	echo "kbuild-module.sh: $(basename "$out") built with the warnings above" >&2
fi
cp -p "$work/$(basename "$out")" "$out.tmp"
mv -f "$out.tmp" "$out"
