#!/bin/sh
# `vpci-rig run --kernel TREE` (issue 5 item 5) without building a kernel,
# which would take far too long here.
#
# What is synthetic: TREE is a directory shaped like a build tree, made of
# bookworm-backports' 6.12 pieces that build-aux/setup.sh already has, not a
# directory where `make` ran.  Its Kbuild part (.config, Module.symvers,
# Makefile, include/config/kernel.release, scripts) is Debian's
# linux-headers tree, which is real Kbuild; vmlinux is the one setup.sh
# extracted from the package's bzImage (stripped: no symbol table, so --gdb
# would name kernel symbols from kallsyms, not from it); System.map comes
# from the package's /boot; the in-tree modules that 6.12 builds as =m sit
# where `make modules` would leave them, decompressed from the package's
# .ko.xz (the =y ones, virtio and virtio_pci, are built in and must be left
# out of the initramfs).  Everything the harness and
# images/prepare-kernel-tree.sh do with it is real: checks, Kbuild of our
# three modules against the tree, the initramfs, the boot of TREE/vmlinux.
# A kernel built from source was checked by hand (docs/bisecting.md).
#
# Checks: barrier-stress passes on that kernel with our modules built for
# it, and the guest really ran 6.12; a second preparation skips Kbuild and
# leaves the initramfs alone; `--kernel FILE` is a usage error (2) and a directory that
# is not a built tree is "cannot test" (125) naming what is missing.
#   kernel-tree-test.sh HARNESS   (exit 0 ok, 1 failed, 77 skipped)
set -u
harness=$1
top=${VPCI_RIG_TOP:?}
k=$top/build/kernel/6.12
if ! [ -f "$k/release" ] || ! [ -d "$k/kbuild" ] || ! [ -f "$k/vmlinux" ]; then
	echo "no 6.12 kernel set up under $k: skipped"
	exit 77
fi
release=$(cat "$k/release")
headers=$(readlink -f "$k/kbuild")
work=$(mktemp -d "${TMPDIR:-/tmp}/vpci-kernel-tree-test.XXXXXX")
out=''
trap 'rm -rf "$work"; case $out in "$top"/build/kernel/tree-*) rm -rf "$out" ;; esac' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# ---------------------------------------------------------------- the tree
tree=$work/linux-6.12
mkdir -p "$tree/arch/x86/boot"
for e in "$headers"/* "$headers"/.[!.]*; do
	case ${e##*/} in arch | vmlinux) continue ;; esac   # its vmlinux is a BTF base, not bootable
	ln -s "$(readlink -f "$e")" "$tree/${e##*/}"
done
for e in "$headers"/arch/x86/*; do
	ln -s "$(readlink -f "$e")" "$tree/arch/x86/${e##*/}"
done
ln -s "$(readlink -f "$k/bzImage")" "$tree/arch/x86/boot/bzImage"
ln -s "$(readlink -f "$k/vmlinux")" "$tree/vmlinux"
ln -s "$(readlink -f "$k/root/boot/System.map-$release")" "$tree/System.map"
while read -r path _; do
	case $path in '' | '#'*) continue ;; esac
	rel=${path#kernel/}
	if [ -f "$k/modules/$path.xz" ]; then
		mkdir -p "$tree/$(dirname "$rel")"
		xz -dc "$k/modules/$path.xz" >"$tree/$rel"
	fi
done <"$top/images/in-tree-modules.txt"

# ---------------------------------------------------------------- usage
"$harness" run barrier-stress --kernel "$k/vmlinux" >"$work/file.out" 2>&1
status=$?
[ $status = 2 ] || bad "--kernel FILE: exit $status, expected 2"
grep -q 'pass the kernel build tree' "$work/file.out" || bad "--kernel FILE: no hint to pass the tree"
echo "--kernel FILE: exit $status: $(head -n1 "$work/file.out")"

mkdir "$work/not-a-tree"
: >"$work/not-a-tree/Makefile"
"$harness" run barrier-stress --kernel "$work/not-a-tree" >"$work/nt.out" 2>&1
status=$?
[ $status = 125 ] || bad "--kernel DIR (not a tree): exit $status, expected 125"
grep -q 'not a built kernel tree: no include/config/kernel.release, .config, Module.symvers, vmlinux, System.map' \
	"$work/nt.out" || bad "--kernel DIR (not a tree): the missing files are not named"
echo "--kernel DIR (not a tree): exit $status: $(grep -m1 'not a built' "$work/nt.out")"

# ---------------------------------------------------------------- the run
"$harness" run barrier-stress --kernel "$tree" --smp 2 --keep "$work/run" >"$work/run.out" 2>&1
status=$?
out=$(sed -n 's/^kernel tree: .* \([^ ]*\)$/\1/p' "$work/run.out")
grep '^prepare-kernel-tree:\|^verdict:' "$work/run.out"
[ $status = 0 ] || bad "run: exit $status"
grep -q '^verdict: pass$' "$work/run.out" || bad "run: verdict is not pass"
case $out in
"$top"/build/kernel/tree-*) ;;
*) bad "no 'kernel tree: ... OUTDIR' line under build/kernel/" ;;
esac
grep -q -- "-kernel $tree/vmlinux -initrd $out/initramfs.cpio " "$work/run/cmdline" ||
	bad "QEMU did not boot the tree's vmlinux with its initramfs: $(cat "$work/run/cmdline")"
grep -q "^# vpci-agent: kernel $release," "$work/run/tap.log" ||
	bad "the guest did not report kernel $release"
for m in hv_vpci vpci_testfn vpci_fault virtio_blk pvpanic; do
	grep -q "^# load $m.ko: ok" "$work/run/tap.log" || bad "$m.ko not loaded"
done
grep -q '^# load virtio\.ko' "$work/run/tap.log" && bad "virtio.ko loaded, but 6.12 builds it in"
grep -m1 '^# vpci-agent: kernel' "$work/run/tap.log"

# ---------------------------------------------------------------- incremental
if [ -n "$out" ] && [ -f "$out/initramfs.cpio" ]; then
	before=$(stat -c %i:%Y "$out/initramfs.cpio")
	# the agent of the meson build this test belongs to (HARNESS is in
	# its harness/), as the harness passes it from rig.ini
	VPCI_RIG_MESON_BUILD=$(cd "$(dirname "$harness")/.." && pwd) \
		"$top/images/prepare-kernel-tree.sh" "$tree" "$out" >"$work/again.out" 2>&1 ||
		bad "second preparation failed: $(tail -n3 "$work/again.out")"
	grep -q 'modules .*: up to date' "$work/again.out" ||
		bad "second preparation ran Kbuild again, though nothing changed"
	grep -q 'initramfs .*: up to date' "$work/again.out" ||
		bad "second preparation rebuilt the initramfs"
	[ "$(stat -c %i:%Y "$out/initramfs.cpio")" = "$before" ] ||
		bad "second preparation replaced the initramfs"
	grep 'modules\|initramfs' "$work/again.out"
fi

[ $fail = 0 ] && echo "ok: barrier-stress passed on $release from a build-tree-shaped directory"
exit $fail
