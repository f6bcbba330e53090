# Sourced (POSIX sh) by build-aux/setup.sh, guest-driver/kbuild-module.sh,
# images/build-initramfs.sh, images/prepare-kernel-tree.sh and the test
# scripts: check a stage's tools before the stage runs, so a missing one is
# one line naming the Debian package, not an exit 127 deep in a Kbuild log.
#
#   require_tools WHO WHY TOOL...
# prints "WHO: TOOL (package PKG) is needed for WHY" for each missing TOOL
# and returns 1 if any is missing.  The caller decides whether to exit.

# tool_package TOOL: the bookworm package that ships TOOL (one table).
tool_package() {
	case $1 in
	pahole) echo dwarves ;;
	objcopy | readelf | ld) echo binutils ;;
	xz) echo xz-utils ;;
	busybox) echo busybox-static ;;
	dpkg-source) echo dpkg-dev ;;
	dpkg-deb | dpkg-query) echo dpkg ;;
	ninja) echo ninja-build ;;
	flock | setsid) echo util-linux ;;
	script) echo bsdutils ;;
	od | timeout | sha256sum) echo coreutils ;;
	apt-get | apt-cache) echo apt ;;
	clang | clang++) echo clang ;;
	llvm-symbolizer) echo llvm ;;
	*) echo "$1" ;;   # gcc, make, gdb, git, patch, python3, zstd, meson, flex, bison, pkg-config
	esac
}

require_tools() {
	_rt_who=$1 _rt_why=$2 _rt_rc=0
	shift 2
	for _rt_tool in "$@"; do
		command -v "$_rt_tool" >/dev/null 2>&1 && continue
		echo "$_rt_who: $_rt_tool (package $(tool_package "$_rt_tool")) is needed for $_rt_why" >&2
		_rt_rc=1
	done
	return $_rt_rc
}

# require_kbuild_tools WHO TREE: the tools an external-module build against
# the Kbuild tree TREE runs.  With BTF for modules in TREE's .config and a
# vmlinux in TREE (a full build, or 6.12's headers package; 6.1's has none and
# Kbuild skips the step), Kbuild runs pahole on every .ko.
require_kbuild_tools() {
	_rk_rel=$(cat "$2/include/config/kernel.release" 2>/dev/null || echo "$2")
	_rk_rc=0
	require_tools "$1" "Kbuild of modules for $_rk_rel" make gcc ld || _rk_rc=1
	if [ -f "$2/vmlinux" ] && grep -qx 'CONFIG_DEBUG_INFO_BTF_MODULES=y' "$2/.config" 2>/dev/null; then
		require_tools "$1" "$_rk_rel modules with BTF (CONFIG_DEBUG_INFO_BTF_MODULES)" pahole || _rk_rc=1
	fi
	return $_rk_rc
}
