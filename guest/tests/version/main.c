/*
 * Discovery: the hypervisor leaves of CPUID (signature, version, the
 * hypercall-page MSR) and xen_version agree with each other. rt_cpuid()
 * answers those leaves from what the boot stub read at CPL0; the test also
 * says whether a CPUID here at CPL3 reaches memvisor at all, which depends
 * on the host (tests/e2e/cpuid_cpl3.sh checks that `memvisor run` says the
 * same). With "cpuid_faulting" in bootargs the driver has turned the vCPU's
 * CPUID faulting on, so a CPL3 CPUID raises #GP (a stand-in for a host
 * whose CPL3 CPUID misses memvisor): discovery must still work, and the
 * direct CPL3 read is left out unless "cpuid_direct" asks for it (then the
 * domain must stop on the #GP).
 */
#include <libfdt.h>
#include <string.h>

#include <rt/hypercall.h>
#include <rt/test.h>

const char test_title[] = "Xen discovery: CPUID leaves and xen_version";

static void sig_of(const uint32_t r[4], char sig[13])
{
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
	for (unsigned int i = 0; i < 12; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7e)
			sig[i] = '.';
}

static bool bootarg(const char *word)
{
	int chosen = fdt_path_offset(rt_dt(), "/chosen");
	const char *s = chosen >= 0 ? fdt_getprop(rt_dt(), chosen, "bootargs", NULL) : NULL;

	return s && strstr(s, word);
}

void test_main(void)
{
	uint32_t r[4], d[4];
	char sig[13], dsig[13];
	long v;

	rt_cpuid(0x40000000, 0, r);
	sig_of(r, sig);
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

	/* Past the highest leaf, the rest of the block reads as zeros on both transports. */
	rt_cpuid(0x400000ff, 0, r);
	rt_check(!(r[0] | r[1] | r[2] | r[3]), "CPUID 0x400000ff: %#x %#x %#x %#x, expected zeros",
		 r[0], r[1], r[2], r[3]);

	/* Not a check: the host decides. The e2e test compares it with memvisor's own probe. */
	if (bootarg("cpuid_faulting") && !bootarg("cpuid_direct")) {
		rt_printf("CPUID at CPL3: faulting is on, not tried\n");
		goto out;
	}
	rt_cpuid(0x40000000, 0, r);
	rt_cpuid_direct(0x40000000, 0, d);
	sig_of(d, dsig);
	if (!memcmp(r, d, sizeof(d)))
		rt_printf("CPUID at CPL3: answered by memvisor\n");
	else
		rt_printf("CPUID at CPL3: not intercepted, answered by another hypervisor "
			  "(signature \"%s\", max leaf %#x)\n", dsig, d[0]);

out:
	v = HYPERVISOR_xen_version(XENVER_pagesize, NULL);
	rt_check(v == 4096, "XENVER_pagesize returned %ld", v);
}
