#!/usr/bin/env bash
# Idempotent set-up shared by ./run-tests.sh and ./vpci-rig: Debian packages,
# the patched QEMU 10.0 build (cached outside the clone), the guest kernels
# and the meson build directory.  Prints one line per stage with its seconds.
#
# Exit status: 0 ready, 125 something could not be set up (the bisect
# "cannot test" code: a patch that does not apply, a failed build...).
#
# Environment:
#   VPCI_RIG_CACHE   where QEMU builds and downloaded packages are kept
#                    (default ${XDG_CACHE_HOME:-$HOME/.cache}/vpci-rig)
#   VPCI_RIG_QUIET=1 no progress lines
#   VPCI_RIG_FUZZER=1 also the libFuzzer build of QEMU (qemu-fuzz-x86_64),
#                    for suite 'fuzz' (./run-tests.sh sets it for a full run)
#   VPCI_RIG_SANITIZE=1  the sanitizer build (./run-tests.sh --sanitize):
#                    QEMU with ASan and UBSan under its own cache key, into
#                    build/qemu-bin-sanitize, build/rig-sanitize.ini and
#                    build/meson-sanitize (harness with -Dsanitize=true)
#   VPCI_RIG_STOCK_QEMU=1  also the same QEMU source without our series or
#                    devices, under its own cache key, into
#                    build/qemu-stock-bin: the reference that 'vpci-rig bench'
#                    measures the ordering-epoch patches against (./vpci-rig
#                    sets it for 'bench'); rig.ini [qemu] stock-binary=
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
cache="${VPCI_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vpci-rig}"
mkdir -p "$build" "$cache"
# The sanitizer build lives beside the normal one: both can be used from
# one clone, and neither rebuilds the other.
variant=""
[ "${VPCI_RIG_SANITIZE:-0}" = 1 ] && variant=-sanitize
qemu_bin="$build/qemu-bin$variant"
meson_dir="$build/meson$variant"
rig_ini="$build/rig$variant.ini"
log="$build/setup$variant.log"
: >"$log"

# One set-up at a time per cache: clones and bisect steps share QEMU builds.
exec 9>"$cache/setup.lock"
flock 9

say() { [ "${VPCI_RIG_QUIET:-0}" = 1 ] || printf '%s\n' "$*" >&2; }
die() { printf 'setup: %s (log: %s)\n' "$*" "$log" >&2; exit 125; }

# stage NAME FUNCTION: run one stage, print its duration.
stage() {
	local name=$1 t0=$SECONDS
	shift
	"$@" || die "stage '$name' failed"
	say "setup: $name ... done ($((SECONDS - t0)) s)"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---------------------------------------------------------------- apt
# Binary packages come from bookworm (+ backports for meson and pycotap);
# trixie is a *source-only* line for QEMU 10.0.  Never a trixie "deb" line.
apt_list=/etc/apt/sources.list.d/vpci-rig.sources
# Everything the set-up, the build and every suite run, on a machine that has
# only a minimal Debian 12 (debootstrap --variant=minbase) and git.  Grouped
# by the stage that needs it; build-aux/require-tools.sh names the package
# of each tool when a stage finds one missing.
base_pkgs=(
	# kernel stages: apt-get download, dpkg-deb, and the bzImage payload
	# (6.1 is XZ, 6.12 zstd); extracted 6.12 kbuild tools link libelf
	xz-utils zstd libelf1
	# qemu stage: Debian's source package (dpkg-source -x applies Debian's
	# patches), our series, QEMU's configure (a python venv) and ninja
	dpkg-dev patch python3 python3-venv ninja-build pkg-config gcc flex bison
	libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev
	# firmware and option ROMs the harness points -L at
	seabios qemu-system-data ipxe-qemu
	# qemu fuzz stage: QEMU's generic-fuzz needs clang and libFuzzer (in
	# clang's runtime package); llvm's symbolizer names ASan's frames
	clang libclang-rt-14-dev llvm
	# meson build: the harness (GLib, json-glib), the static agent (libc6-dev),
	# Kbuild (make; 6.12's BTF step runs pahole from dwarves), the initramfs
	# (objcopy from binutils, mkcpio.py, busybox-static)
	libjson-glib-dev libc6-dev binutils make dwarves busybox-static
	# suites: gdb (debug, replay), git (bisect-e2e)
	gdb git)
bpo_pkgs=(meson python3-pycotap)

missing_pkgs() { # one dpkg-query for all of them
	local p installed
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
		sed -n 's/^\([^ :]*\)\(:[^ ]*\)\{0,1\} install ok installed$/\1/p')
	for p in "$@"; do
		grep -qxF -- "$p" <<<"$installed" || printf '%s\n' "$p"
	done
}

apt_sources() {
	[ -f "$apt_list" ] && return 0
	as_root tee "$apt_list" >/dev/null <<'EOF'
# Added by vpci-rig build-aux/setup.sh.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

# Source only: QEMU 10.0's source package.  Never add trixie as "deb".
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	as_root apt-get update -q >>"$log" 2>&1
}

apt_install() {
	local want=("$@") miss
	miss=$(missing_pkgs "${want[@]}")
	[ -z "$miss" ] && return 0
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q $miss >>"$log" 2>&1
}

stage_apt() {
	apt_sources
	local miss
	miss=$(missing_pkgs "${bpo_pkgs[@]}")
	if [ -n "$miss" ]; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q \
			-t bookworm-backports $miss >>"$log" 2>&1 || return 1
	fi
	apt_install "${base_pkgs[@]}"
}

# ---------------------------------------------------------------- kernels
# Flavours: "6.1" is bookworm's default kernel, "6.12" bookworm-backports'.
# The ABI is resolved from the metapackage each time, never hard-coded.
# apt-cache rebuilds its cache from the lists on every call here (the
# image disables pkgcache.bin): 1-3 s each, so the answer is kept in
# $cache/kernel-abi-<flavour> until a list is newer (apt-get update).
kernel_abi() { # flavour -> e.g. 6.1.0-56-amd64
	local target=() f="$cache/kernel-abi-$1" abi
	if [ -s "$f" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 -newer "$f" -print -quit 2>/dev/null)" ]; then
		cat "$f"
		return
	fi
	[ "$1" = 6.12 ] && target=(-t bookworm-backports)
	abi=$(apt-cache "${target[@]}" depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(.*-amd64\)$/\1/p' | head -n1)
	[ -n "$abi" ] && echo "$abi" >"$f"
	echo "$abi"
}

# Pull the uncompressed vmlinux (an ELF with a PVH note) out of a bzImage:
# booting it directly saves the decompression (~2 s for XZ under TCG).  The
# boot header says where the payload is (setup_sects at 0x1f1,
# payload_offset/payload_length at 0x248/0x24c); its magic says how it is
# compressed: 6.1 uses XZ, bookworm-backports' 6.12 uses zstd.  The payload
# ends with the 4-byte uncompressed size, which is not part of the stream.
le_u() { od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '; }
extract_vmlinux() {
	local bz=$1 out=$2 sects off len magic dec
	sects=$(le_u "$bz" $((0x1f1)) 1)
	off=$(($(le_u "$bz" $((0x248)) 4) + (sects + 1) * 512))
	len=$(le_u "$bz" $((0x24c)) 4)
	magic=$(od -An -tx1 -j "$off" -N 6 "$bz" | tr -d ' \n')
	case $magic in
	fd377a585a00*) dec="xz -dc --single-stream" ;;
	28b52ffd*) dec="zstd -dcq" ;;
	1f8b*) dec="gzip -dc" ;;
	425a68*) dec="bzip2 -dc" ;;
	5d0000*) dec="xz -dc --format=lzma" ;;
	*) echo "extract_vmlinux: $bz: unknown payload magic $magic" >>"$log"; return 1 ;;
	esac
	echo "extract_vmlinux: $bz: payload at $off, $len bytes, $dec" >>"$log"
	tail -c +"$((off + 1))" "$bz" | head -c "$((len - 4))" | $dec >"$out.tmp" 2>>"$log" || true
	head -c 4 "$out.tmp" | grep -q 'ELF' || return 1
	mv "$out.tmp" "$out"
}

# A kernel flavour's Kbuild tree without installing linux-headers into the
# host: on bookworm, linux-headers-<6.12 bpo abi> depends on its linux-image
# (and that on backports' systemd...).  Download the three packages
# (linux-headers-<abi>, the -common one and linux-kbuild-<ver> it names) and
# extract them into DIR/headers-root.  Their internal symlinks are relative
# (usr/src/linux-headers-*/scripts -> ../../lib/linux-kbuild-*/scripts), so
# they resolve inside that root; the arch Makefile's absolute
# "include /usr/src/linux-headers-<common>/Makefile" is rewritten to the
# extracted copy.  The compiler it names (x86_64-linux-gnu-gcc-12) is
# bookworm's gcc-12.  DIR/kbuild links to the result.
extract_headers() {
	local abi=$1 dir=$2 root=$2/headers-root pkgs p deb
	pkgs=("linux-headers-$abi")
	pkgs+=($(apt-cache depends "linux-headers-$abi" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-\(headers-.*-common\|kbuild-[0-9].*\)\)$/\1/p' | sort -u))
	[ "${#pkgs[@]}" -ge 3 ] || { echo "linux-headers-$abi: cannot resolve its -common and kbuild packages" >>"$log"; return 1; }
	rm -rf "$root" && mkdir -p "$root"
	for p in "${pkgs[@]}"; do
		deb=$(ls "$cache/debs/${p}"_*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$deb" ]; then
			(cd "$cache/debs" && apt-get download -q "$p") >>"$log" 2>&1 || return 1
			deb=$(ls "$cache/debs/${p}"_*.deb | head -n1)
		fi
		dpkg-deb -x "$deb" "$root" || return 1
	done
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$root/usr/src/linux-headers-$abi/Makefile"
	[ -e "$root/usr/src/linux-headers-$abi/scripts/Makefile.build" ] || {
		echo "$root: the kbuild scripts symlink does not resolve" >>"$log"; return 1; }
	ln -sfn "headers-root/usr/src/linux-headers-$abi" "$dir/kbuild"
}

stage_kernel() {
	local flavour=$1 abi dir deb
	abi=$(kernel_abi "$flavour")
	[ -n "$abi" ] || { echo "cannot resolve the $flavour kernel ABI" >>"$log"; return 1; }
	dir="$build/kernel/$flavour"
	if [ ! -f "$dir/.ready-$abi" ]; then
		mkdir -p "$cache/debs"
		deb=$(ls "$cache"/debs/linux-image-"$abi"-unsigned_*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$deb" ]; then
			(cd "$cache/debs" && apt-get download -q "linux-image-$abi-unsigned") >>"$log" 2>&1 || return 1
			deb=$(ls "$cache"/debs/linux-image-"$abi"-unsigned_*.deb | head -n1)
		fi
		rm -rf "$dir" && mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir/root" || return 1
		ln -sf "root/boot/vmlinuz-$abi" "$dir/bzImage"
		ln -sf "root/lib/modules/$abi" "$dir/modules"
		extract_vmlinux "$dir/root/boot/vmlinuz-$abi" "$dir/vmlinux" || return 1
		echo "$abi" >"$dir/release"
		if [ "$flavour" != 6.1 ]; then
			extract_headers "$abi" "$dir" || return 1
		fi
		touch "$dir/.ready-$abi"
	fi
	if [ "$flavour" = 6.1 ]; then
		# bookworm's own kernel: its headers install cleanly.
		apt_install "linux-headers-$abi" || return 1
		ln -sfn "/usr/src/linux-headers-$abi" "$dir/kbuild"
	fi
	[ -f "$dir/kbuild/Makefile" ] || return 1
}

# ---------------------------------------------------------------- QEMU
qemu_configure_args=(--target-list=x86_64-softmmu --without-default-features
	--without-default-devices --with-devices-x86_64=vpci-rig
	--enable-tcg --enable-fdt=system --enable-hv-balloon --disable-docs --disable-werror
	--python=/usr/bin/python3 --disable-install-blobs)
# The libFuzzer build (qemu-fuzz-x86_64, qemu-hw/fuzz/): clang, generic-fuzz,
# always with ASan and UBSan, under its own cache key (one build for both
# variants).
qemu_fuzz_configure_args=(--cc=clang --cxx=clang++ --enable-fuzzing
	--enable-asan --enable-ubsan "${qemu_configure_args[@]}")
# The stock reference: the normal build's arguments, never the sanitizers
# (it is a speed reference).
qemu_stock_configure_args=("${qemu_configure_args[@]}")
# ASan and UBSan: a guest that makes QEMU touch memory it does not own is
# a report, not a silent corruption (docs/robustness.md).
[ -n "$variant" ] && qemu_configure_args+=(--enable-asan --enable-ubsan)

qemu_version() {
	apt-cache showsrc qemu 2>/dev/null | sed -n 's/^Version: \(.*:10\.0\..*\)$/\1/p' |
		sort -V | tail -n1
}

# The cache key covers what forces a full rebuild; our device sources are
# synced into the tree on every build and rebuilds incrementally.
# qemu_key VERSION SERIES CONFIGURE_ARG...: SERIES is rig or stock.
qemu_key() {
	local ver=$1 series=$2
	shift 2
	{
		echo "$ver"
		printf '%s\n' "$@"
		if [ "$series" = rig ]; then
			cat "$top"/qemu-hw/patches/*.patch "$top/qemu-hw/vpci-rig-devices.mak"
		else
			echo stock
			stock_devices
		fi
	} | sha256sum | cut -c1-16
}

# The stock build's device selection: ours without the rig's devices and
# without Hyper-V (upstream builds the SynIC and VMBus only with KVM, and
# neither is used by the loop it runs).
stock_devices() {
	sed '/^CONFIG_\(HV_VPCI\|VPCI_TESTFN\|HYPERV\|VMBUS\|HV_BALLOON\|HYPERV_TESTDEV\|SYNDBG\)=/d' \
		"$top/qemu-hw/vpci-rig-devices.mak"
}

# Mirror our files into QEMU's tree, touching only files whose content
# changed, so ninja rebuilds just what we edited.  $3: glob (default *).
sync_tree() {
	local from=$1 to=$2 glob=${3:-*} f
	[ -d "$from" ] || return 0
	mkdir -p "$to"
	for f in "$from"/$glob; do
		[ -f "$f" ] || continue
		cmp -s "$f" "$to/${f##*/}" || cp "$f" "$to/${f##*/}"
	done
}

# Our device sources, the shared wire headers and our qtests.
sync_qemu_tree() {
	sync_tree "$top/qemu-hw/hw" "$1/hw/vpci-rig"
	sync_tree "$top/include" "$1/hw/vpci-rig" '*.h'
	sync_tree "$top/qemu-hw/tests" "$1/tests/qtest/vpci-rig"
}

# Our qtests, built in QEMU's tree (they link libqtest), and the WC
# model's unit test (it links the model and libqemuutil).
qemu_qtests="tests/qtest/vpci-rig/hv-vpci-test tests/qtest/vpci-rig/vpci-testfn-test tests/qtest/vpci-rig/vpci-wc-test tests/qtest/vpci-rig/hyperv-tcg-test"

# qemu_build ARGS_ARRAY LINK SERIES BIN TARGET...: configure (once per cache
# key) and build QEMU with the configure arguments in the named array, point
# build/LINK at the tree and copy TARGET... into BIN.  SERIES rig: with our
# patches, devices and qtests; stock: Debian's source as it is.
qemu_build() {
	local -n args=$1
	local link=$2 series=$3 bin=$4 ver key dir p dsc
	shift 4
	ver=$(qemu_version)
	[ -n "$ver" ] || { echo "no QEMU 10.0 source in apt (deb-src trixie missing?)" >>"$log"; return 1; }
	key=$(qemu_key "$ver" "$series" "${args[@]}")
	dir="$cache/qemu-$key"
	echo "qemu: $ver, key $key, $dir" >>"$log"
	if [ ! -f "$dir/.configured" ]; then
		mkdir -p "$cache/src"
		dsc=$(ls "$cache"/src/qemu_"${ver#*:}".dsc 2>/dev/null || true)
		if [ -z "$dsc" ]; then
			(cd "$cache/src" && apt-get source -q --download-only "qemu=$ver") >>"$log" 2>&1 || return 1
			dsc="$cache/src/qemu_${ver#*:}.dsc"
		fi
		rm -rf "$dir" && mkdir -p "$dir"
		dpkg-source -x "$dsc" "$dir/src" >>"$log" 2>&1 || return 1
		for p in "$top"/qemu-hw/patches/*.patch; do
			[ "$series" = rig ] || break
			echo "applying ${p##*/}" >>"$log"
			# Exactly or not at all (--fuzz=0: a hunk whose context moved
			# is not guessed into place); a series that does not apply
			# (a bisect step's 125) leaves nothing in the shared cache.
			patch -d "$dir/src" -p1 --forward --batch --fuzz=0 <"$p" >>"$log" 2>&1 || {
				echo "patch ${p##*/} does not apply" >>"$log"; rm -rf "$dir"; return 1; }
		done
		if [ "$series" = rig ]; then
			cp "$top/qemu-hw/vpci-rig-devices.mak" "$dir/src/configs/devices/x86_64-softmmu/vpci-rig.mak"
			sync_qemu_tree "$dir/src"
		else
			stock_devices >"$dir/src/configs/devices/x86_64-softmmu/vpci-rig.mak"
		fi
		mkdir -p "$dir/build"
		(cd "$dir/build" && ../src/configure "${args[@]}") >>"$log" 2>&1 || return 1
		touch "$dir/.configured"
	fi
	if [ "$series" = rig ]; then sync_qemu_tree "$dir/src"; fi
	ninja -C "$dir/build" "$@" >>"$log" 2>&1 || return 1
	ln -sfn "$dir" "$build/$link"
	# The clone runs its own copies: the shared tree is rebuilt whenever
	# another clone (a bisect step, CI) syncs different device sources,
	# and that must not swap the binary under this clone's running tests.
	mkdir -p "$bin"
	for p in "$@"; do
		if ! cmp -s "$dir/build/$p" "$bin/${p##*/}"; then
			# a new inode: a QEMU already running keeps its old file
			cp "$dir/build/$p" "$bin/${p##*/}.tmp" || return 1
			mv -f "$bin/${p##*/}.tmp" "$bin/${p##*/}" || return 1
		fi
	done
}

stage_qemu() {
	# shellcheck disable=SC2086 # the qtest list is split on purpose
	qemu_build qemu_configure_args "qemu$variant" rig "$qemu_bin" qemu-system-x86_64 $qemu_qtests
}

stage_qemu_fuzz() {
	qemu_build qemu_fuzz_configure_args qemu-fuzz rig "$qemu_bin" qemu-fuzz-x86_64
}

stage_qemu_stock() {
	qemu_build qemu_stock_configure_args qemu-stock stock "$build/qemu-stock-bin" qemu-system-x86_64
}

# ---------------------------------------------------------------- config
write_rig_ini() {
	local f k
	{
		echo "# Written by build-aux/setup.sh; read by the harness."
		echo "[qemu]"
		echo "binary=$qemu_bin/qemu-system-x86_64"
		echo "firmware-dirs=/usr/share/seabios;/usr/share/qemu"
		echo "qboot=/usr/share/qemu/qboot.rom"
		[ -x "$build/qemu-stock-bin/qemu-system-x86_64" ] &&
			echo "stock-binary=$build/qemu-stock-bin/qemu-system-x86_64"
		echo "[build]"
		echo "meson=$meson_dir"
		for f in 6.1 6.12; do
			k="$build/kernel/$f"
			[ -f "$k/release" ] || continue
			echo "[kernel $f]"
			echo "release=$(cat "$k/release")"
			echo "vmlinux=$k/vmlinux"
			echo "bzimage=$k/bzImage"
			echo "modules=$k/modules"
			echo "headers=$(readlink -f "$k/kbuild")"
			echo "initramfs=$meson_dir/images/initramfs-$f.cpio"
		done
	} >"$rig_ini.tmp"
	mv "$rig_ini.tmp" "$rig_ini"
}

stage_meson() {
	# rig_config: the sanitizer build's guest tests get its own rig.ini
	# ($VPCI_RIG_CONFIG, tests/meson.build); the normal one keeps the default.
	local opts=(-Dqemu_build="$qemu_bin" -Drig_config="${variant:+$rig_ini}"
		-Dkernel_6_1="/usr/src/linux-headers-$(cat "$build/kernel/6.1/release")"
		-Dkernel_6_1_modules="$build/kernel/6.1/modules")
	if [ -f "$build/kernel/6.12/release" ]; then
		opts+=(-Dkernel_6_12="$(readlink -f "$build/kernel/6.12/kbuild")"
			-Dkernel_6_12_modules="$build/kernel/6.12/modules")
	fi
	opts+=(-Dsanitize=$([ -n "$variant" ] && echo true || echo false))
	if [ -f "$meson_dir/build.ninja" ]; then
		meson configure "$meson_dir" "${opts[@]}" >>"$log" 2>&1
	else
		meson setup "$meson_dir" "$top" "${opts[@]}" >>"$log" 2>&1
	fi
}

# need STAGE TOOL...: the stage's tools, checked before it runs (apt may
# have failed to install one, or the machine has no apt): one line each.
. "$top/build-aux/require-tools.sh"
need() {
	local name=$1
	shift
	require_tools setup "stage '$name'" "$@" || exit 125
}

need apt apt-get dpkg-query flock
stage apt stage_apt
need kernel apt-cache dpkg-deb od xz zstd
stage "kernel 6.1" stage_kernel 6.1
stage "kernel 6.12" stage_kernel 6.12
need qemu dpkg-source patch python3 ninja gcc pkg-config flex bison sha256sum
stage qemu stage_qemu
if [ "${VPCI_RIG_FUZZER:-0}" = 1 ]; then
	need "qemu fuzz" clang clang++ llvm-symbolizer
	stage "qemu fuzz" stage_qemu_fuzz
fi
if [ "${VPCI_RIG_STOCK_QEMU:-0}" = 1 ]; then
	stage "qemu stock" stage_qemu_stock
fi
write_rig_ini
need suites gdb git timeout script setsid
need meson meson ninja gcc objcopy python3 busybox
require_kbuild_tools setup "$build/kernel/6.1/kbuild" || exit 125
[ -f "$build/kernel/6.12/release" ] && { require_kbuild_tools setup "$build/kernel/6.12/kbuild" || exit 125; }
stage meson stage_meson
