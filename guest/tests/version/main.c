/*
 * Discovery: the hypervisor leaves of CPUID (signature, version, the
 * hypercall-page MSR) and xen_version agree with each other.
 */
#include <string.h>

#include <rt/hypercall.h>
#include <rt/test.h>

const char test_title[] = "Xen discovery: CPUID leaves and xen_version";

void test_main(void)
{
	uint32_t r[4];
	char sig[13];
	long v;

	rt_cpuid(0x40000000, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
	rt_printf("CPUID 0x40000000: max leaf %#x, signature \"%s\"\n", r[0], sig);
	rt_check(!strcmp(sig, "XenVMMXenVMM"), "signature is \"%s\"", sig);
	rt_check(r[0] >= 0x40000002, "max hypervisor leaf %#x below 0x40000002", r[0]);

	rt_cpuid(0x40000001, 0, r);
	rt_printf("CPUID 0x40000001: version %u.%u\n", r[0] >> 16, r[0] & 0xffff);
	v = HYPERVISOR_xen_version(XENVER_version, NULL);
	rt_printf("xen_version: %ld.%ld\n", v >> 16, v & 0xffff);
	rt_check(v == XEN_VERSION_ENCODED, "xen_version returned %#lx", v);
	rt_check((long)r[0] == v, "CPUID version %#x != xen_version %#lx", r[0], v);

	rt_cpuid(0x40000002, 0, r);
	rt_printf("CPUID 0x40000002: %u hypercall page(s), MSR %#x\n", r[0], r[1]);
	rt_check(r[0] >= 1, "no hypercall pages advertised");
	rt_check(r[1] == 0x40000000, "hypercall MSR %#x, expected 0x40000000", r[1]);

	v = HYPERVISOR_xen_version(XENVER_pagesize, NULL);
	rt_check(v == 4096, "XENVER_pagesize returned %ld", v);
}
