# QEMU device selection for vpci-rig (x86_64-softmmu), used with
# --without-default-devices.  Copied into QEMU's configs/devices/ by
# build-aux/setup.sh.  Keep it to what scenarios and tests use.

# Board: q35 only (Debian's patch makes microvm the default machine if
# it is built at all, so it is not).
CONFIG_Q35=y
CONFIG_MICROVM=n
CONFIG_ISAPC=n
CONFIG_I440FX=n

# Console and TAP serial ports, panic reporting, test exits.
CONFIG_SERIAL_ISA=y
CONFIG_PVPANIC_ISA=y
CONFIG_PVPANIC_PCI=y
CONFIG_ISA_DEBUG=y

# Stock PCI devices used behind the vPCI bus and as references.
CONFIG_PCI_DEVICES=y
CONFIG_PCI_TESTDEV=y
CONFIG_EDU=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_BLK=y
CONFIG_VIRTIO_RNG=y
CONFIG_E1000E_PCI_EXPRESS=y

# Not wanted: IOMMUs and the VMware backdoor devices q35 implies.
CONFIG_VTD=n
CONFIG_AMD_IOMMU=n
CONFIG_VMPORT=n
CONFIG_VMMOUSE=n

# The rig's own devices (qemu-hw/hw, hooked in by patches/0002).
CONFIG_HV_VPCI=y
CONFIG_VPCI_TESTFN=y

# Hyper-V's synthetic interface under TCG and QEMU's VMBus host (the real
# guest stack, ARCHITECTURE.md §8): the SynIC, the vmbus-bridge ACPI
# device and hv-balloon as the first VMBus device.  Off at run time
# unless the CPU has hv-* flags and the bridge is on the command line.
CONFIG_HYPERV=y
CONFIG_VMBUS=y
CONFIG_HV_BALLOON=y
CONFIG_HYPERV_TESTDEV=n
CONFIG_SYNDBG=n
