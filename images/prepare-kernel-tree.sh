#!/bin/sh
# Make a kernel build tree bootable by the rig.  `vpci-rig run --kernel TREE`
# runs this first (harness/config.c); it works by hand too.
#   prepare-kernel-tree.sh TREE OUTDIR
# TREE is where `make` ran (or its O= directory).  In order:
#  1. TREE has the files of a built kernel (every missing one named);
#  2. its .config has what our modules, the agent and the harness need
#     (every missing option named, with what needs it);
#  3. the in-tree modules of images/in-tree-modules.txt: =y is built in,
#     =m must be TREE's .ko (`make modules` output);
#  4. our modules (guest-driver/modules.txt) are built against TREE with
#     guest-driver/kbuild-module.sh into OUTDIR/modules (skipped when nothing
#     Kbuild reads changed, else Kbuild decides; W=1 warnings are shown but
#     do not fail, see below);
#  5. OUTDIR/initramfs.cpio (images/build-initramfs.sh, the agent meson
#     built), rebuilt only when an input changed;
#  6. OUTDIR/kernel.ini: what the harness boots (TREE/vmlinux if it has a
#     PVH entry point, else arch/x86/boot/bzImage), System.map, symbols.
# Exit 0: ready; 1: this tree cannot be booted (the harness exits 125,
# "cannot test", which `git bisect run` skips); 2: usage.
#
# Warnings: meson's builds for 6.1 and 6.12 fail on any W=1 warning (our
# code, kernels we pinned).  Here the kernel is whatever commit a bisect
# checked out: a warning that a newer compiler or header brings is not the
# regression being hunted, and failing would make that commit untestable.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
meson_build=${VPCI_RIG_MESON_BUILD:-$top/build/meson}

say() { echo "prepare-kernel-tree: $*"; }
die() { echo "prepare-kernel-tree: $*" >&2; exit 1; }

[ $# -eq 2 ] || { echo "usage: $0 TREE OUTDIR" >&2; exit 2; }
[ -d "$1" ] || die "$1: not a directory"
tree=$(readlink -f "$1") out=$2

# ---------------------------------------------------------------- 1. files
missing=
for f in include/config/kernel.release .config Module.symvers Makefile vmlinux System.map; do
	[ -f "$tree/$f" ] || missing="$missing${missing:+, }$f"
done
[ -z "$missing" ] ||
	die "$tree is not a built kernel tree: no $missing (run make there, or pass the O= directory)"
release=$(cat "$tree/include/config/kernel.release")

# ---------------------------------------------------------------- 2. .config
config_value() { sed -n "s/^CONFIG_$1=//p" "$tree/.config"; }
errors=
error() { errors="$errors
  $*"; }

while read -r sym why; do
	case $sym in '' | '#'*) continue ;; esac
	[ "$(config_value "$sym")" = y ] || error "CONFIG_$sym=y: $why"
done <<EOF
X86_64               the rig boots qemu-system-x86_64; vpci_fault is x86 code
SMP                  --smp N (the agent checks N CPUs are online)
MODULES              the agent loads every module with finit_module
PCI                  hv_vpci is a PCI driver and creates its own root bus
PCI_MSI              hv_vpci's MSI irq domain, vpci_testfn's MSI-X
ACPI                 power-off at the end of a run; pvpanic's device on q35
BLK_DEV_INITRD       the agent is /init in the initramfs
DEVTMPFS             the agent mounts devtmpfs on /dev
PROC_FS              the agent reads /proc/cmdline and /proc/interrupts
SYSFS                the agent reads PCI config space through sysfs
DEBUG_FS             vpci_testfn, vpci_fault and hv_vpci's ordering probe
KALLSYMS             --gdb (/proc/kallsyms, module sections)
SERIAL_8250          ttyS1 carries TAP, ttyS2 --gdb's symbols
SERIAL_8250_CONSOLE  console=ttyS0: the harness reads panics and oopses there
EOF
uarts=$(config_value SERIAL_8250_RUNTIME_UARTS)
[ "${uarts:-0}" -ge 3 ] || error "CONFIG_SERIAL_8250_RUNTIME_UARTS>=3: ttyS0..ttyS2 (it is ${uarts:-unset})"
[ -z "$(config_value MODULE_SIG_FORCE)" ] ||
	error "CONFIG_MODULE_SIG_FORCE unset: our modules are not signed"

# ---------------------------------------------------------------- 3. in-tree modules
# The initramfs argument list is built in "$@": in-tree modules first.
set --
builtin='' unset_syms=' '
while read -r path sym when; do
	case $path in '' | '#'*) continue ;; esac
	rel=${path#kernel/}
	case $(config_value "$sym") in
	y) builtin="$builtin $(basename "$rel" .ko)" ;;
	m)
		if [ -f "$tree/$rel" ]; then
			set -- "$@" "--${when:+$when-}kmod" "$rel"
		else
			error "$rel: CONFIG_$sym=m but the module is not built (run make modules)"
		fi
		;;
	*)
		# only --hyperv runs load it: a tree without it runs everything else
		[ "$when" = hyperv ] && continue
		case $unset_syms in *" $sym "*) continue ;; esac
		unset_syms="$unset_syms$sym "
		error "CONFIG_$sym=m or =y: it builds $(basename "$rel"), loaded before our modules (images/in-tree-modules.txt)"
		;;
	esac
done <"$here/in-tree-modules.txt"

# ---------------------------------------------------------------- tools
# What steps 4-6 run on this machine, named with their Debian package.
. "$top/build-aux/require-tools.sh"
missing_tools=$( { require_kbuild_tools "host" "$tree"
	require_tools "host" "the initramfs and reading the boot image" objcopy readelf python3 xz zstd; } 2>&1 || true)
[ -z "$missing_tools" ] || error "$(printf '%s\n' "$missing_tools" | sed '2,$s/^/  /')"

[ -z "$errors" ] || die "$tree ($release) cannot run the rig:$errors
(images/user-kernel.config has all of them)"

# ---------------------------------------------------------------- 4. our modules
agent=$meson_build/guest-driver/vpci-agent
[ -x "$agent" ] || die "$agent is missing: build the rig first (ninja -C $meson_build)"
busybox=$(command -v busybox || echo /bin/busybox)
mkdir -p "$out/modules"
out=$(cd "$out" && pwd)   # Kbuild's M= wants an absolute path
# one preparation of OUTDIR at a time (two runs of the same tree)
if command -v flock >/dev/null; then
	exec 9>"$out/.lock"
	flock 9
fi

say "$tree: Linux $release"
t0=$(date +%s)
# Kbuild does nothing in 3-4 s per module against a full tree (its Makefiles
# run the compiler for every cc-option), so it is skipped when nothing it
# reads changed since the last build: the tree's .config, Module.symvers,
# vmlinux (relinked by any kernel change) and headers, our module sources,
# include/ and kbuild-module.sh.  Otherwise the three Kbuild runs go side
# by side and Kbuild itself decides what to recompile.
stamp=$out/modules/kbuild.stamp
dirs='' names=''
while read -r name dir _; do
	case $name in '' | '#'*) continue ;; esac
	names="$names $name"
	dirs="$dirs $top/guest-driver/$dir"
	[ -f "$out/modules/$name.ko" ] || rm -f "$stamp"
done <"$top/guest-driver/modules.txt"
changed=yes
if [ -f "$stamp" ]; then
	# shellcheck disable=SC2086 # $dirs: paths under $top, no blanks in them
	changed=$(find -L "$tree/.config" "$tree/Module.symvers" "$tree/vmlinux" \
		"$tree/include" "$tree/arch/x86/include" $dirs "$top/include" \
		"$top/guest-driver/kbuild-module.sh" "$top/guest-driver/modules.txt" \
		-newer "$stamp" -print -quit 2>/dev/null || echo yes)
fi
if [ -z "$changed" ]; then
	for name in $names; do
		set -- "$@" "$out/modules/$name.ko"
	done
	say "modules$names: up to date (nothing Kbuild reads changed since $(date -r "$stamp" '+%F %T'))"
else
	: >"$stamp.new"   # the time before the build: a change during it is seen next time
	pids=''
	while read -r name dir sources; do
		case $name in '' | '#'*) continue ;; esac
		# shellcheck disable=SC2086 # SOURCE... is a word list
		"$top/guest-driver/kbuild-module.sh" --warnings-ok "$tree" "$top/guest-driver/$dir" \
			"$top/include" "$out/modules/$name.kbuild" "$out/modules/$name.ko" $sources \
			</dev/null >"$out/modules/$name.log" 2>&1 &
		pids="$pids$! "
	done <"$top/guest-driver/modules.txt"
	failed=''
	for name in $names; do
		pid=${pids%% *} pids=${pids#* }
		wait "$pid" || failed="$failed $name"
		cat "$out/modules/$name.log"
		set -- "$@" "$out/modules/$name.ko"
	done
	if [ -n "$failed" ]; then
		rm -f "$stamp" "$stamp.new"
		die "$failed: does not build against $tree (Kbuild output above)"
	fi
	mv -f "$stamp.new" "$stamp"
	say "modules$names: Kbuild against the tree, $(($(date +%s) - t0)) s (W=1 warnings do not fail)"
fi
[ -z "$builtin" ] || say "built in, not loaded:$builtin"

# ---------------------------------------------------------------- 5. initramfs
# Rebuilt only when an input changed (names, sizes, mtimes): an unchanged
# cpio keeps its inode, so a --record's hard link to it stays valid.
cpio=$out/initramfs.cpio
inputs=$out/initramfs.inputs
{
	for f in "$agent" "$busybox" "$here/build-initramfs.sh" "$here/mkcpio.py"; do
		stat -L -c '%n %s %Y' "$f"
	done
	kmod=0
	for a in "$@"; do
		if [ "$a" = --kmod ] || [ "$a" = --hyperv-kmod ]; then
			kmod=1
			continue
		fi
		if [ $kmod = 1 ]; then
			stat -L -c '%n %s %Y' "$tree/$a"
		else
			stat -L -c '%n %s %Y' "$a"
		fi
		kmod=0
	done
} >"$inputs.new"
if [ -f "$cpio" ] && cmp -s "$inputs.new" "$inputs"; then
	rm -f "$inputs.new"
	say "initramfs $cpio: up to date"
else
	# build-initramfs.sh stages in $cpio.d and renames the cpio into place
	"$here/build-initramfs.sh" "$cpio" "$agent" "$busybox" "$tree" "$@" ||
		die "cannot build the initramfs"
	mv -f "$inputs.new" "$inputs"
	say "initramfs $cpio: $(grep -c . "$cpio.d/modules/order") modules, rebuilt"
fi

# ---------------------------------------------------------------- 6. kernel.ini
if readelf -n "$tree/vmlinux" 2>/dev/null | grep -Eq 'Xen .*(\(0x00000012\)|PHYS32_ENTRY)'; then
	image=$tree/vmlinux
	say "boots vmlinux through its PVH entry point"
elif [ -f "$tree/arch/x86/boot/bzImage" ]; then
	image=$tree/arch/x86/boot/bzImage
	say "boots arch/x86/boot/bzImage (vmlinux has no PVH note; CONFIG_PVH=y boots faster)"
else
	die "vmlinux has no PVH entry point (CONFIG_PVH) and arch/x86/boot/bzImage is missing"
fi
sections=$(readelf -S -W "$tree/vmlinux" 2>/dev/null || true)
symbols='' debug=false
case $sections in *' .symtab '*) symbols=$tree/vmlinux ;; esac
case $sections in *' .debug_info '*) debug=true ;; esac
{
	echo "# Written by images/prepare-kernel-tree.sh; read by the harness (harness/config.c)."
	echo "[kernel]"
	echo "tree=$tree"
	echo "release=$release"
	echo "kernel=$image"
	echo "initramfs=$cpio"
	echo "modules=$out/modules"
	echo "system-map=$tree/System.map"
	[ -z "$symbols" ] || echo "symbols=$symbols"
	echo "debug-info=$debug"
} >"$out/kernel.ini.new"
mv -f "$out/kernel.ini.new" "$out/kernel.ini"
