/*
 * A guest built against Xen's own public headers and nothing of memvisor's
 * (docs/boot-protocol.md section 9): no memvisor header or runtime, no C
 * library, only <stdint.h>/<stddef.h> from the compiler and <xen/...>.
 *
 * It does what any Xen HVM guest does first: finds Xen through CPUID (the
 * leaves of <xen/arch-x86/cpuid.h>), installs the hypercall page, asks
 * xen_version for the version, extraversion and feature bits, and prints
 * them. Then it checks what holds on every Xen for a translated guest and
 * powers off, or prints the failure and shuts down as crashed.
 *
 * It stays at CPL0 (so on hosts whose KVM emulates CPL0 code every
 * instruction is slow: it is kept to a few thousand).
 */
#include <stddef.h>
#include <stdint.h>

/* As every guest must: ask for the interface these headers describe. */
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__

#include <xen/xen.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/errno.h>
#include <xen/features.h>
#include <xen/sched.h>
#include <xen/version.h>

void guest_main(void);

/* Filled by the hypervisor once its address is written to the MSR. */
static uint8_t hypercall_page[4096] __attribute__((aligned(4096)));

/* Stub n is at page + 32 * n; arguments in rdi, rsi, rdx; result in rax. */
static long hypercall3(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	void *stub = hypercall_page + nr * 32;
	long ret;

	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3)
			 : [stub] "r"(stub)
			 : "memory", "r10", "r8");
	return ret;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf),
			 "c"(0));
}

/* One console line at a time, built here. */
static char line[160];
static unsigned int len;

static void put(const char *s)
{
	while (*s && len < sizeof(line) - 1)
		line[len++] = *s++;
}

static void put_dec(unsigned long v)
{
	char d[24];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && len < sizeof(line) - 1)
		line[len++] = d[--n];
}

static void put_hex(unsigned long v, int digits)
{
	put("0x");
	while (digits-- && len < sizeof(line) - 1)
		line[len++] = "0123456789abcdef"[(v >> (4 * digits)) & 0xf];
}

static void flush(void)
{
	line[len++] = '\n';
	hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, len, (unsigned long)line);
	len = 0;
}

static void shutdown(unsigned int reason)
{
	struct sched_shutdown s = {.reason = reason};

	hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&s, 0);
}

static unsigned int failures;

static void check(int ok, const char *what, long got)
{
	if (ok)
		return;
	put("FAIL: ");
	put(what);
	put(" (got ");
	if (got < 0) {
		put("-");
		put_dec((unsigned long)-got);
	} else {
		put_hex((unsigned long)got, 8);
	}
	put(")");
	flush();
	failures++;
}

/* The feature bits this header release names, for printing. */
static const struct {
	unsigned int bit;
	const char *name;
} features[] = {
	{XENFEAT_writable_page_tables, "writable_page_tables"},
	{XENFEAT_auto_translated_physmap, "auto_translated_physmap"},
	{XENFEAT_hvm_callback_vector, "hvm_callback_vector"},
	{XENFEAT_dom0, "dom0"},
	{XENFEAT_memory_op_vnode_supported, "memory_op_vnode_supported"},
	{XENFEAT_ARM_SMCCC_supported, "ARM_SMCCC_supported"},
	{XENFEAT_not_direct_mapped, "not_direct_mapped"},
	{XENFEAT_direct_mapped, "direct_mapped"},
#ifdef XENFEAT_runstate_phys_area /* headers of 4.18 and later */
	{XENFEAT_runstate_phys_area, "runstate_phys_area"},
#endif
};

static void print_features(uint32_t submap)
{
	put("XENFEAT submap 0: ");
	put_hex(submap, 8);
	for (unsigned int b = 0; b < 32; b++) {
		unsigned int i;

		if (!(submap & (1u << b)))
			continue;
		for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
			if (features[i].bit == b)
				break;
		put(" ");
		if (i < sizeof(features) / sizeof(features[0])) {
			put(features[i].name);
		} else {
			put("bit");
			put_dec(b); /* newer than these headers */
		}
	}
	flush();
}

void guest_main(void)
{
	uint32_t r[4], base, msr;
	xen_extraversion_t extra;
	struct xen_feature_info fi;
	long v, rc;

	/* Xen's leaves start at 0x40000000, or 0x100 further per other
	 * interface placed first (Viridian). */
	for (base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000; base += 0x100) {
		cpuid(base, r);
		if (r[1] == XEN_CPUID_SIGNATURE_EBX && r[2] == XEN_CPUID_SIGNATURE_ECX &&
		    r[3] == XEN_CPUID_SIGNATURE_EDX && r[0] - base >= 2)
			break;
	}
	if (base >= XEN_CPUID_FIRST_LEAF + 0x10000)
		__builtin_trap(); /* no Xen: nobody to tell */
	cpuid(base + 2, r);
	msr = r[1];
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)(uintptr_t)hypercall_page),
			 "d"((uint32_t)((uintptr_t)hypercall_page >> 32)));

	put("xen-headers guest: built with Xen's public headers, interface ");
	put_hex(__XEN_LATEST_INTERFACE_VERSION__, 8);
	flush();

	v = hypercall3(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
	rc = hypercall3(__HYPERVISOR_xen_version, XENVER_extraversion, (unsigned long)extra, 0);
	check(rc == 0, "XENVER_extraversion", rc);
	extra[sizeof(extra) - 1] = '\0';
	put("xen_version: Xen ");
	put_dec((unsigned long)v >> 16);
	put(".");
	put_dec((unsigned long)v & 0xffff);
	put(rc == 0 ? extra : "?");
	put(" (");
	put_hex((unsigned long)v, 8);
	put(")");
	flush();
	cpuid(base + 1, r);
	check(r[0] == (uint32_t)v, "CPUID leaf 1 equals XENVER_version", r[0]);

	fi.submap_idx = 0;
	fi.submap = 0;
	rc = hypercall3(__HYPERVISOR_xen_version, XENVER_get_features, (unsigned long)&fi, 0);
	check(rc == 0, "XENVER_get_features submap 0", rc);
	print_features(fi.submap);
	/* An HVM-style (translated) guest, direct-mapped or not, exactly one. */
	check(fi.submap & (1u << XENFEAT_auto_translated_physmap), "auto_translated_physmap",
	      fi.submap);
	check(!(fi.submap & (1u << XENFEAT_not_direct_mapped)) !=
		      !(fi.submap & (1u << XENFEAT_direct_mapped)),
	      "exactly one of direct_mapped and not_direct_mapped", fi.submap);
	fi.submap_idx = XENFEAT_NR_SUBMAPS;
	rc = hypercall3(__HYPERVISOR_xen_version, XENVER_get_features, (unsigned long)&fi, 0);
	check(rc == -XEN_EINVAL, "XENVER_get_features past XENFEAT_NR_SUBMAPS is -EINVAL", rc);
	rc = hypercall3(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	check(rc == 4096, "XENVER_pagesize", rc);

	put(failures ? "xen-headers guest: FAILED" : "xen-headers guest: OK");
	flush();
	shutdown(failures ? SHUTDOWN_crash : SHUTDOWN_poweroff);
	__builtin_trap();
}
