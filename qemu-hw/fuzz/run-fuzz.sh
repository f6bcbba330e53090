#!/bin/sh
# Run QEMU's generic-fuzz target (libFuzzer) over hv-vpci and its children.
# The one place that says which machine is fuzzed and which regions count.
#
#   run-fuzz.sh FUZZER CORPUS_DIR|INPUT [libFuzzer option, directory or input...]
#
# FUZZER is build/qemu-bin/qemu-fuzz-x86_64 (build-aux/setup.sh builds it).
# A CORPUS_DIR collects new inputs (more directories may follow: seeds,
# reproducers); an INPUT file is run once.  FUZZ_QEMU_EXTRA is appended to
# QEMU's command line (e.g. -trace 'hv_vpci_*').  Examples: README.md.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 FUZZER CORPUS_DIR|INPUT [libFuzzer args...]" >&2; exit 2; }
fuzzer=$1 corpus=$2
shift 2
[ -e "$corpus" ] || mkdir -p "$corpus"

# q35 with hv-vpci and two children in one slot (the window selects
# between them); fuzzed: hv-vpci and everything it owns (registers,
# aperture, window, the children's DMA views and the MSI remap window),
# and the children's BARs.  Their own PCI config is reached through the
# window only, as a guest's is.
QEMU_FUZZ_ARGS="-machine q35 -nodefaults -L /usr/share/seabios -L /usr/share/qemu \
-device hv-vpci,id=vpci0 \
-device vpci-testfn,bus=vpci0,addr=1.0,multifunction=on \
-device vpci-testfn,bus=vpci0,addr=1.1 ${FUZZ_QEMU_EXTRA:-}"
QEMU_FUZZ_OBJECTS="hv-vpci vpci-testfn-regs* vpci-testfn-msix* msix-table* msix-pba*"
export QEMU_FUZZ_ARGS QEMU_FUZZ_OBJECTS
# Leaks are not findings here: QEMU's exit frees little, by design.  So
# libFuzzer's own leak check, which re-runs an input that malloc'd more
# than it freed, is off too.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
echo "+ $fuzzer --fuzz-target=generic-fuzz -detect_leaks=0 $corpus $*" >&2
exec "$fuzzer" --fuzz-target=generic-fuzz -detect_leaks=0 "$corpus" "$@"
