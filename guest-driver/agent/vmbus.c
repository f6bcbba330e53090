/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vmbus: Debian's unmodified Hyper-V guest stack on QEMU's Hyper-V
 * interface under TCG (`vpci-rig run vmbus`, which implies --hyperv).
 *
 * The agent checks each step the guest takes, from what the guest itself
 * exposes: the CPUID leaves, the kernel's own log, /sys/bus/vmbus and
 * /proc/interrupts, then every synthetic MSR Linux wrote, on every CPU,
 * through msr.ko (/dev/cpu/N/msr).  Last, it writes the MSRs a guest may
 * rewrite without disturbing the bus and reads them back, and makes sure
 * what Hyper-V refuses (a reserved bit, a read-only MSR, one not offered)
 * faults instead of being stored.
 *
 * Constants are the Hyper-V TLFS's (numbers also in Linux's hyperv-tlfs.h).
 */
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define HV_CPUID_VENDOR          0x40000000u
#define HV_CPUID_MIN_MAX_LEAF    0x40000005u	/* what Linux's ms_hyperv_platform() wants */

#define MSR_GUEST_OS_ID          0x40000000u
#define MSR_HYPERCALL            0x40000001u
#define MSR_VP_INDEX             0x40000002u
#define MSR_TIME_REF_COUNT       0x40000020u	/* not offered under TCG */
#define MSR_VP_ASSIST_PAGE       0x40000073u
#define MSR_SCONTROL             0x40000080u
#define MSR_SIEFP                0x40000082u
#define MSR_SIMP                 0x40000083u
#define MSR_SINT0                0x40000090u
#define MSR_TSC_INVARIANT_CTRL   0x40000118u	/* bit 0: the guest keeps its TSC */
#define SINT_COUNT               16

#define MSR_ENABLE               (1ull << 0)	/* HYPERCALL, SCONTROL, SIMP, SIEFP, VP assist */
#define SINT_MASKED              (1ull << 16)
#define SINT_AUTO_EOI            (1ull << 17)
#define SINT_POLLING             (1ull << 18)
#define SINT_VECTOR(v)           ((v) & 0xffu)

#define LINUX_VENDOR_ID          0x8100u	/* GUEST_OS_ID bits 63-48: open source, Linux */
#define VMBUS_MESSAGE_SINT       2		/* Linux's VMBUS_MESSAGE_SINT */
#define HYPERVISOR_CALLBACK_VEC  0xf3		/* x86 Linux's vector for it */
#define SPARE_SINT               5		/* neither VMBus nor the stimers use it */

/* QEMU's hv-balloon: the class id of Hyper-V's dynamic memory device */
#define BALLOON_CLASS_ID "{525074dc-8985-46e2-8057-a307dc18a502}"
#define CHANNEL_OPENED_STATE 3			/* enum vmbus_channel_state */
#define BIND_WAIT_S 10

#define MAX_CPUS 64

/* One CPU's synthetic MSRs as Linux left them. */
struct hv_cpu_msrs {
	uint64_t guest_os_id, hypercall, vp_index, vp_assist;
	uint64_t scontrol, simp, siefp, sint[SINT_COUNT];
	uint64_t tsc_invariant;
};

static int msr_open(int cpu, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	return open(path, flags | O_CLOEXEC);
}

/* 0, or -errno: msr.ko turns a #GP on rdmsr/wrmsr into EIO. */
static int msr_read(int fd, uint32_t msr, uint64_t *val)
{
	ssize_t n = pread(fd, val, sizeof(*val), msr);

	return n == sizeof(*val) ? 0 : n < 0 ? -errno : -EIO;
}

static int msr_write(int fd, uint32_t msr, uint64_t val)
{
	ssize_t n = pwrite(fd, &val, sizeof(val), msr);

	return n == sizeof(val) ? 0 : n < 0 ? -errno : -EIO;
}

static bool check_cpuid(void)
{
	unsigned int eax, ebx, ecx, edx;
	char sig[13];

	__cpuid(HV_CPUID_VENDOR, eax, ebx, ecx, edx);
	memcpy(sig, &ebx, 4);
	memcpy(sig + 4, &ecx, 4);
	memcpy(sig + 8, &edx, 4);
	sig[12] = '\0';
	return tap_ok(!strcmp(sig, "Microsoft Hv") && eax >= HV_CPUID_MIN_MAX_LEAF,
		      "CPUID 0x40000000: \"%s\", leaves up to 0x%08x (Linux needs \"Microsoft Hv\" "
		      "and 0x%08x)", sig, eax, HV_CPUID_MIN_MAX_LEAF);
}

static bool check_klog(const char *needle, const char *what)
{
	char first[256];
	int n = klog_count(needle, first, sizeof(first));

	return tap_ok(n > 0, "kernel log: %s (%s)", what, n > 0 ? first :
		      n < 0 ? "cannot read the log" : "no such line");
}

/* The VMBus device whose class_id is @class_id, its name in @dev. */
static bool find_vmbus_device(const char *class_id, char *dev, size_t size)
{
	DIR *d = opendir("/sys/bus/vmbus/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char path[PATH_MAX], id[64];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/vmbus/devices/%s/class_id", e->d_name);
		if (read_file(path, id, sizeof(id)) > 0 && !strcasecmp(id, class_id)) {
			snprintf(dev, size, "%s", e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* The driver bound to VMBus device @dev ("" if none), its channel state. */
static void vmbus_device_state(const char *dev, char *driver, size_t size, int *state)
{
	char path[PATH_MAX], link[PATH_MAX], buf[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/vmbus/devices/%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(driver, size, "%s", n > 0 ? strrchr(link, '/') + 1 : "");
	snprintf(path, sizeof(path), "/sys/bus/vmbus/devices/%s/state", dev);
	*state = read_file(path, buf, sizeof(buf)) > 0 ? atoi(buf) : -1;
}

/*
 * The balloon on the bus, bound, its channel open.  hv_vmbus registers
 * offered devices from a work queue and hv_balloon opens its channel in
 * probe: wait for the state (bounded), not for a time.
 */
static void check_balloon(void)
{
	char dev[NAME_MAX + 1] = "", driver[64] = "";
	struct timespec t0, now;
	int state = -1;
	bool found;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		found = find_vmbus_device(BALLOON_CLASS_ID, dev, sizeof(dev));
		if (found)
			vmbus_device_state(dev, driver, sizeof(driver), &state);
		if (found && !strcmp(driver, "hv_balloon") && state == CHANNEL_OPENED_STATE)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= BIND_WAIT_S)
			break;
		usleep(10000);	/* poll interval; the bound above is the deadline */
	}
	tap_ok(found, "hv-balloon offered on the VMBus: class_id " BALLOON_CLASS_ID " at %s",
	       found ? dev : "(none in /sys/bus/vmbus/devices)");
	tap_ok(!strcmp(driver, "hv_balloon"), "hv_balloon bound to it (driver: %s)",
	       *driver ? driver : "none");
	tap_ok(state == CHANNEL_OPENED_STATE, "its channel opened (state %d, want %d)", state,
	       CHANNEL_OPENED_STATE);
}

/* The sum of /proc/interrupts' row @row ("HYP") over every CPU, or -1. */
static long interrupts_row(const char *row)
{
	static char buf[64 << 10];
	char *line, *save = NULL;
	size_t len = strlen(row);

	if (read_file("/proc/interrupts", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line + strspn(line, " "), *end;
		long sum = 0;

		if (strncmp(p, row, len) || p[len] != ':')
			continue;
		for (p += len + 1;; p = end) {
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			sum += v;
		}
		return sum;
	}
	return -1;
}

static int read_cpu_msrs(int cpu, struct hv_cpu_msrs *m)
{
	const struct { uint32_t msr; uint64_t *val; } regs[] = {
		{ MSR_GUEST_OS_ID, &m->guest_os_id }, { MSR_HYPERCALL, &m->hypercall },
		{ MSR_VP_INDEX, &m->vp_index }, { MSR_VP_ASSIST_PAGE, &m->vp_assist },
		{ MSR_SCONTROL, &m->scontrol }, { MSR_SIMP, &m->simp }, { MSR_SIEFP, &m->siefp },
		{ MSR_TSC_INVARIANT_CTRL, &m->tsc_invariant },
	};
	int fd = msr_open(cpu, O_RDONLY), err = 0;

	if (fd < 0)
		return -errno;
	for (size_t i = 0; !err && i < sizeof(regs) / sizeof(regs[0]); i++)
		err = msr_read(fd, regs[i].msr, regs[i].val);
	for (int i = 0; !err && i < SINT_COUNT; i++)
		err = msr_read(fd, MSR_SINT0 + i, &m->sint[i]);
	close(fd);
	return err;
}

/* Linux's hv_generate_guest_id(LINUX_VERSION_CODE), but for the sublevel
 * (bits 23-16), which a distribution's uname does not give: the vendor in
 * bits 63-48, major and minor in bits 47-24, bits 15-0 zero. */
#define GUEST_ID_SUBLEVEL 0xff0000ull
static uint64_t linux_guest_id(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	uname(&u);
	sscanf(u.release, "%u.%u", &major, &minor);
	return (uint64_t)LINUX_VENDOR_ID << 48 | (uint64_t)major << 32 | (uint64_t)minor << 24;
}

static bool page_enabled(uint64_t v)
{
	return (v & MSR_ENABLE) && (v & ~0xfffull) != 0;
}

static bool distinct(const uint64_t *pages, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if ((pages[i] & ~0xfffull) == (pages[j] & ~0xfffull))
				return false;
	return true;
}

/* Every synthetic MSR Linux writes, on every CPU, as Linux wrote it. */
static void check_msrs_as_linux_wrote(const struct hv_cpu_msrs *m, int ncpu)
{
	uint64_t want_id = linux_guest_id();
	uint64_t pages[2 * MAX_CPUS], assist[MAX_CPUS];
	bool same_id = true, same_hc = true, vp = true, sc = true, sp = true, sint2 = true;
	bool others_masked = true, assist_ok = true, tsc = true;

	for (int c = 0; c < ncpu; c++) {
		tap_diag("cpu %d: GUEST_OS_ID %#llx HYPERCALL %#llx VP_INDEX %llu VP_ASSIST %#llx "
			 "SCONTROL %#llx SIMP %#llx SIEFP %#llx SINT2 %#llx", c,
			 (unsigned long long)m[c].guest_os_id, (unsigned long long)m[c].hypercall,
			 (unsigned long long)m[c].vp_index, (unsigned long long)m[c].vp_assist,
			 (unsigned long long)m[c].scontrol, (unsigned long long)m[c].simp,
			 (unsigned long long)m[c].siefp,
			 (unsigned long long)m[c].sint[VMBUS_MESSAGE_SINT]);
		same_id &= m[c].guest_os_id == m[0].guest_os_id;
		same_hc &= m[c].hypercall == m[0].hypercall;
		vp &= m[c].vp_index == (uint64_t)c;
		sc &= m[c].scontrol == MSR_ENABLE;
		sp &= page_enabled(m[c].simp) && page_enabled(m[c].siefp);
		pages[2 * c] = m[c].simp;
		pages[2 * c + 1] = m[c].siefp;
		sint2 &= m[c].sint[VMBUS_MESSAGE_SINT] == HYPERVISOR_CALLBACK_VEC;
		for (int i = 0; i < SINT_COUNT; i++)
			if (i != VMBUS_MESSAGE_SINT)
				others_masked &= (m[c].sint[i] & SINT_MASKED) != 0;
		assist_ok &= page_enabled(m[c].vp_assist);
		assist[c] = m[c].vp_assist;
		tsc &= m[c].tsc_invariant == 1;
	}
	tap_ok(same_id && (m[0].guest_os_id & ~GUEST_ID_SUBLEVEL) == want_id,
	       "GUEST_OS_ID %#llx on every CPU: Linux's id (vendor %#x, version %llu.%llu.%llu)",
	       (unsigned long long)m[0].guest_os_id, LINUX_VENDOR_ID,
	       (unsigned long long)(m[0].guest_os_id >> 32 & 0xffff),
	       (unsigned long long)(m[0].guest_os_id >> 24 & 0xff),
	       (unsigned long long)(m[0].guest_os_id >> 16 & 0xff));
	tap_ok(same_hc && page_enabled(m[0].hypercall),
	       "HYPERCALL %#llx on every CPU: enabled, the page at %#llx (partition-wide)",
	       (unsigned long long)m[0].hypercall,
	       (unsigned long long)(m[0].hypercall & ~0xfffull));
	tap_ok(vp, "VP_INDEX is the CPU number on each of %d CPUs", ncpu);
	tap_ok(sc, "SCONTROL enabled on every CPU");
	tap_ok(sp && distinct(pages, 2 * ncpu),
	       "SIMP and SIEFP enabled on every CPU, %d distinct pages", 2 * ncpu);
	tap_ok(sint2, "SINT%d (VMBus messages) on every CPU: vector %#x, unmasked, no auto-EOI",
	       VMBUS_MESSAGE_SINT, HYPERVISOR_CALLBACK_VEC);
	tap_ok(others_masked, "the other %d SINTs masked on every CPU", SINT_COUNT - 1);
	tap_ok(assist_ok && distinct(assist, ncpu),
	       "VP_ASSIST_PAGE enabled on every CPU, %d distinct pages", ncpu);
	/* ms_hyperv_init_platform(), seeing HV_ACCESS_TSC_INVARIANT */
	tap_ok(tsc, "TSC_INVARIANT_CONTROL %#llx on every CPU: the invariant TSC exposed",
	       (unsigned long long)m[0].tsc_invariant);
}

/*
 * Writes a guest may make without disturbing the bus read back as written;
 * what Hyper-V refuses faults (EIO) and changes nothing.  On every CPU:
 * GUEST_OS_ID rewritten with its own value, a spare SINT given two masked
 * patterns and its old value back; then a reserved SINT bit, a VP_INDEX
 * write and a reference-counter read (not offered) must each fault.
 */
static void check_msr_writes(int ncpu)
{
	static const uint64_t patterns[] = {
		SINT_MASKED | 0x45,
		SINT_MASKED | SINT_POLLING | 0xa7,
	};
	bool readback = true, refused = true;
	char bad_rb[160] = "", bad_ref[160] = "";

	for (int c = 0; c < ncpu; c++) {
		int fd = msr_open(c, O_RDWR);
		uint64_t id, old, v, vp;
		bool have_old;

		if (fd < 0) {
			snprintf(bad_rb, sizeof(bad_rb), "cpu %d: /dev/cpu/%d/msr: %s", c, c,
				 strerror(errno));
			snprintf(bad_ref, sizeof(bad_ref), "%s", bad_rb);
			readback = refused = false;
			break;
		}
		if (msr_read(fd, MSR_GUEST_OS_ID, &id) || msr_write(fd, MSR_GUEST_OS_ID, id) ||
		    msr_read(fd, MSR_GUEST_OS_ID, &v) || v != id) {
			snprintf(bad_rb, sizeof(bad_rb), "cpu %d: GUEST_OS_ID rewritten as %#llx", c,
				 (unsigned long long)id);
			readback = false;
		}
		have_old = !msr_read(fd, MSR_SINT0 + SPARE_SINT, &old);
		if (!have_old)
			readback = false;
		for (size_t i = 0; readback && i < sizeof(patterns) / sizeof(patterns[0]); i++) {
			if (msr_write(fd, MSR_SINT0 + SPARE_SINT, patterns[i]) ||
			    msr_read(fd, MSR_SINT0 + SPARE_SINT, &v) || v != patterns[i]) {
				snprintf(bad_rb, sizeof(bad_rb), "cpu %d: SINT%d written %#llx, read %#llx",
					 c, SPARE_SINT, (unsigned long long)patterns[i],
					 (unsigned long long)v);
				readback = false;
			}
		}
		/* bit 20 is reserved: #GP, and the SINT keeps its value */
		if (msr_write(fd, MSR_SINT0 + SPARE_SINT, SINT_MASKED | 1ull << 20) != -EIO ||
		    msr_read(fd, MSR_SINT0 + SPARE_SINT, &v) || v != patterns[1]) {
			snprintf(bad_ref, sizeof(bad_ref), "cpu %d: SINT%d reserved bit accepted", c,
				 SPARE_SINT);
			refused = false;
		}
		if (have_old && msr_write(fd, MSR_SINT0 + SPARE_SINT, old))
			readback = false;
		if (msr_write(fd, MSR_VP_INDEX, 7) != -EIO ||
		    msr_read(fd, MSR_VP_INDEX, &vp) || vp != (uint64_t)c) {
			snprintf(bad_ref, sizeof(bad_ref), "cpu %d: VP_INDEX write accepted", c);
			refused = false;
		}
		if (msr_read(fd, MSR_TIME_REF_COUNT, &v) != -EIO) {
			snprintf(bad_ref, sizeof(bad_ref), "cpu %d: TIME_REF_COUNT (not offered) read", c);
			refused = false;
		}
		close(fd);
	}
	tap_ok(readback, "MSR writes read back as written on every CPU (GUEST_OS_ID, SINT%d "
	       "patterns, SINT%d restored)%s%s", SPARE_SINT, SPARE_SINT, *bad_rb ? ": " : "",
	       bad_rb);
	tap_ok(refused, "refused MSR accesses fault (#GP: SINT reserved bit, VP_INDEX write, "
	       "TIME_REF_COUNT read) and change nothing%s%s", *bad_ref ? ": " : "", bad_ref);
}

void scenario_vmbus(struct agent *a)
{
	static const char *const words[] = { "Hyper-V", "hv_vmbus", "hv_balloon", NULL };
	struct hv_cpu_msrs m[MAX_CPUS];
	int ncpu = a->smp > 0 ? a->smp : 1, err = 0;
	long hyp;

	if (ncpu > MAX_CPUS)
		ncpu = MAX_CPUS;
	if (!tap_ok(a->hyperv, "vpci.hyperv=1: the harness turned Hyper-V on (--hyperv)"))
		return;
	check_cpuid();
	check_klog("Hypervisor detected: Microsoft Hyper-V", "the kernel found Hyper-V");
	check_klog("Vmbus version:", "hv_vmbus negotiated a VMBus version");
	check_balloon();
	hyp = interrupts_row("HYP");
	tap_ok(hyp > 0, "VMBus messages arrived as SINT interrupts (/proc/interrupts HYP: %ld)",
	       hyp);

	for (int c = 0; c < ncpu && !err; c++) {
		err = read_cpu_msrs(c, &m[c]);
		if (err)
			tap_ok(false, "cpu %d: synthetic MSRs through /dev/cpu/%d/msr: %s", c, c,
			       strerror(-err));
	}
	if (!err) {
		check_msrs_as_linux_wrote(m, ncpu);
		check_msr_writes(ncpu);
	}
	klog_diag(words);
}
