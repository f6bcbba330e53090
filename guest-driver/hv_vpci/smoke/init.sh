#!/bin/busybox sh
# Guest side of smoke.py: load, enumerate, raise every vector, move one, hot add/eject, unload, reload.
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev; mount -t debugfs debugfs /sys/kernel/debug
P=$(sed -n 's/.*hvargs=\([^ ]*\).*/\1/p' /proc/cmdline | tr ';' ' ')
echo "=== insmod hv_vpci $P"
insmod /hv_vpci.ko $P; echo "rc=$?"
echo "fences param: $(cat /sys/module/hv_vpci/parameters/fences)"
insmod /vpci_testfn.ko; echo "testfn rc=$?"
sleep 1
echo "=== devices"; for d in /sys/bus/pci/devices/*; do echo "$(basename $d) $(cat $d/vendor):$(cat $d/device) class=$(cat $d/class) drv=$(basename $(readlink $d/driver) 2>/dev/null)"; done
grep -i "hv_vpci\|vpci" /proc/iomem
for t in /sys/kernel/debug/vpci_testfn/*/; do
  [ -d "$t" ] || continue; echo "=== $t"; cat $t/regs
  for v in 0 1 2 3 4 5 6 7; do echo $v > $t/raise; done
  for v in 0 1 2 3 4 5 6 7; do echo $v > $t/raise; done
  cat $t/irq_counts; cat $t/affinity
  echo "3 1" > $t/affinity; echo "move rc=$?"; sleep 0.2
  for i in 1 2 3 4; do echo 3 > $t/raise; sleep 0.3; done; cat $t/irq_counts; cat $t/affinity
  echo "journal:"; cat $t/journal | tail -5; cat $t/regs | grep -E "irq_sent|dropped"
done
grep -E "hv_vpci|vpci_testfn" /proc/interrupts
if grep -q hotplug /proc/cmdline; then
  echo "=== waiting for hot add"; echo READY-ADD; i=0; while [ ! -d /sys/bus/pci/devices/5651:00:02.0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  ls /sys/bus/pci/devices/; ls /sys/kernel/debug/vpci_testfn/; echo 0 > /sys/kernel/debug/vpci_testfn/5651:00:02.0/raise; sleep 0.2; cat /sys/kernel/debug/vpci_testfn/5651:00:02.0/irq_counts
  echo READY-DEL; i=0; while [ -d /sys/bus/pci/devices/5651:00:02.0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  ls /sys/bus/pci/devices/; ls /sys/kernel/debug/vpci_testfn/
fi
echo "=== rmmod"; rmmod vpci_testfn; echo "rc=$?"; rmmod hv_vpci; echo "rc=$?"
ls /sys/bus/pci/devices/
echo "=== reload"; insmod /hv_vpci.ko $P; echo "rc=$?"; insmod /vpci_testfn.ko; echo rc=$?; rmmod vpci_testfn; rmmod hv_vpci; echo "rc=$?"
echo "=== done"
poweroff -f
