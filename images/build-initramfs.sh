#!/bin/sh
# Assemble the guest initramfs (uncompressed newc cpio: no decompression
# under TCG).
#   build-initramfs.sh OUTPUT AGENT BUSYBOX KMOD_DIR [--kmod REL | --hyperv-kmod REL]...
#                      [MODULE.ko]...
# --kmod REL: an in-tree module, REL relative to KMOD_DIR (lib/modules/<rel>),
# or REL.xz / REL.zst (decompressed here); --hyperv-kmod REL: the same, its
# order line says "hyperv" (the agent loads it only under vpci.hyperv=1);
# MODULE.ko: one of ours (stripped of debug info; in-tree ones are copied
# as they are, keeping their signatures).  All go to /lib/modules/vpci and are
# listed in /lib/modules/vpci/order in the order given (in-tree
# first).  /dev/console is a real node so the kernel can open it before
# /init runs; /init mounts devtmpfs over /dev for everything else.
set -eu
here=$(dirname "$0")
. "$here/../build-aux/require-tools.sh"
require_tools build-initramfs.sh "the guest initramfs" objcopy python3 xz zstd || exit 1
out=$1 agent=$2 busybox=$3 kmoddir=$4
shift 4
stage=$out.d
rm -rf "$stage"
mkdir -p "$stage/modules"
list=$stage/listing
order=$stage/modules/order
: >"$order"

# add_module strip|copy FILE [WHEN]
add_module() {
	base=$(basename "$2")
	if [ "$1" = strip ]; then
		objcopy --strip-debug "$2" "$stage/modules/$base"
	elif [ ! -e "$2" ] && [ -e "$2.xz" ]; then
		# a kernel built with CONFIG_MODULE_COMPRESS_XZ (6.12): the agent's
		# plain finit_module wants the uncompressed object
		xz -dc "$2.xz" >"$stage/modules/$base"
	elif [ ! -e "$2" ] && [ -e "$2.zst" ]; then
		zstd -dcq "$2.zst" >"$stage/modules/$base"
	else
		cp "$2" "$stage/modules/$base"
	fi
	echo "$base${3:+ $3}" >>"$order"
	echo "file /lib/modules/vpci/$base $stage/modules/$base 0644" >>"$list"
}

objcopy --strip-debug "$agent" "$stage/init"
{
	for d in /bin /sbin /dev /proc /sys /tmp /lib /lib/modules /lib/modules/vpci /root /etc; do
		echo "dir $d 0755"
	done
	echo "nod /dev/console 0600 c 5 1"
	echo "nod /dev/null 0666 c 1 3"
	echo "file /init $stage/init 0755"
	echo "file /bin/busybox $busybox 0755"
	for a in sh ash cat cp dd dmesg echo env free grep head hexdump devmem insmod \
		kill less ln ls lsmod mkdir mknod modinfo more mount mv poweroff ps \
		reboot rm rmmod sed setsid sleep stat stty sync tail taskset tee test \
		top uname umount vi watch wc xxd halt cttyhack; do
		echo "slink /bin/$a busybox 0777"
	done
} >"$list"

while [ $# -gt 0 ]; do
	case $1 in
	--kmod) add_module copy "$kmoddir/$2"; shift 2 ;;
	--hyperv-kmod) add_module copy "$kmoddir/$2" hyperv; shift 2 ;;
	*) add_module strip "$1"; shift ;;
	esac
done
echo "file /lib/modules/vpci/order $order 0644" >>"$list"

python3 "$here/mkcpio.py" "$list" "$out"
