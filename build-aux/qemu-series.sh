#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The QEMU patch series (qemu-hw/patches/) as a git branch, and back.
#
#   build-aux/qemu-series.sh branch DIR   Debian's QEMU source, the version set-up
#                                         builds, in DIR as a git repository: one
#                                         commit of the pristine tree (tag
#                                         vpci-rig-base), then one per patch (git am)
#   build-aux/qemu-series.sh export DIR   qemu-hw/patches/ rewritten from DIR's
#                                         commits after vpci-rig-base (git
#                                         format-patch, stable output)
#
# Change the series by editing, rebasing or adding commits in DIR, then
# export; qemu-hw/README.md ("Changing the series").  Needs the source
# set-up downloaded (~/.cache/vpci-rig/src, build-aux/setup.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache="${VPCI_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vpci-rig}"
patches="$top/qemu-hw/patches"
base_tag=vpci-rig-base

usage() { sed -n '3,14s/^# \{0,1\}//p' "$0" >&2; exit 2; }
[ $# = 2 ] || usage
cmd=$1 dir=$2

# One author and date for the commits the series is made of, so that
# export gives the same bytes for the same content.
export GIT_AUTHOR_NAME=vpci-rig GIT_AUTHOR_EMAIL=vpci-rig@localhost
export GIT_COMMITTER_NAME=vpci-rig GIT_COMMITTER_EMAIL=vpci-rig@localhost
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
git_dir() { git -C "$dir" -c core.autocrlf=false -c advice.detachedHead=false "$@"; }

case $cmd in
branch)
	[ ! -e "$dir" ] || { echo "qemu-series: $dir exists" >&2; exit 1; }
	dsc=$(ls "$cache"/src/qemu_10.0.*.dsc 2>/dev/null | sort -V | tail -n1)
	[ -n "$dsc" ] || { echo "qemu-series: no QEMU source in $cache/src: run build-aux/setup.sh" >&2; exit 1; }
	echo "qemu-series: unpacking ${dsc##*/} into $dir"
	dpkg-source -q --no-check -x "$dsc" "$dir" >/dev/null
	git_dir init -q -b vpci-rig
	git_dir add -A -f .
	git_dir commit -q -m "Debian's QEMU source (${dsc##*/})"
	git_dir tag "$base_tag"
	for p in "$patches"/*.patch; do
		echo "qemu-series: git am ${p##*/}"
		git_dir am -q "$p"
		# git am dates a mail without one now: the fixed date instead
		git_dir commit -q --amend --no-edit --reset-author
	done
	echo "qemu-series: $(git_dir rev-list --count "$base_tag"..HEAD) commits on $base_tag in $dir"
	;;
export)
	git_dir rev-parse -q --verify "$base_tag" >/dev/null ||
		{ echo "qemu-series: $dir has no tag $base_tag (made by '$0 branch')" >&2; exit 1; }
	rm -f "$patches"/*.patch
	# -N: no "n/m" (a patch's name stays when one is added); --zero-commit
	# and no signature: the same commits give the same files; abbrev 7:
	# git lengthens the blob ids in "index" lines as the repository grows,
	# which would rewrite every patch when one is added
	git_dir -c core.abbrev=7 format-patch -q -N --zero-commit --no-signature --no-stat -o "$patches" \
		"$base_tag"..HEAD
	ls "$patches"
	;;
*) usage ;;
esac
