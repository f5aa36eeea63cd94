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
 *
 * The release identity: the driver names the release it presents in
 * bootargs ("xen=4.17", gtest --xen); every item a guest can see must be
 * that release's (xen-facts-devices 4.2-4.4): version from CPUID and
 * xen_version, the /hypervisor compatible, extraversion, platform
 * parameters, the feature word of a DomU, which sub-ops exist, and the one
 * domctl and sysctl interface version accepted (a DomU sees -EACCES for a
 * wrong version and -EPERM for the right one: Xen checks the version
 * before the caller's privilege).
 */
#include <libfdt.h>
#include <string.h>

#include <rt/hypercall.h>
#include <rt/test.h>

#include <public/domctl.h>
#include <public/errno.h>
#include <public/sysctl.h>

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

struct release {
	const char *name;
	unsigned int minor;
	const char *extraversion;
	uint32_t domctl, sysctl;
};

/* Written from the facts, not from memvisor's table: the test must be able
 * to disagree with it. */
static const struct release releases[] = {
	{"4.16", 16, ".0", 0x14, 0x14},   {"4.17", 17, ".7", 0x15, 0x15},
	{"4.18", 18, ".0", 0x16, 0x15},   {"4.19.2", 19, ".2", 0x17, 0x15},
	{"4.19", 19, ".3", 0x17, 0x15},   {"4.20.0", 20, ".0", 0x17, 0x15},
	{"4.20", 20, ".4", 0x17, 0x15},   {"4.21", 21, ".0", 0x17, 0x16},
	{"latest", 22, ".0", 0x18, 0x16},
};

struct varbuf64 {
	uint32_t len;
	char buf[64];
};

/* Hypercall buffers live on the stack: in the hosted build only the stack
 * is guest memory. */
static const struct release *presented(void)
{
	char strbuf[sizeof(xen_extraversion_t)];
	int chosen = fdt_path_offset(rt_dt(), "/chosen");
	const char *s = chosen >= 0 ? fdt_getprop(rt_dt(), chosen, "bootargs", NULL) : NULL;
	const char *x = s ? strstr(s, "xen=") : NULL;

	if (!x) {
		/* Not told (e.g. under `memvisor run --xen`): the version and
		 * extraversion name one row; the rest must then agree with it. */
		long v = HYPERVISOR_xen_version(XENVER_version, NULL);

		if (HYPERVISOR_xen_version(XENVER_extraversion, strbuf))
			return NULL;
		for (unsigned int i = 0; i < sizeof(releases) / sizeof(releases[0]); i++)
			if (v == (4 << 16 | (long)releases[i].minor) &&
			    !strcmp(strbuf, releases[i].extraversion))
				return &releases[i];
		return NULL;
	}
	x += 4;
	for (unsigned int i = 0; i < sizeof(releases) / sizeof(releases[0]); i++) {
		size_t n = strlen(releases[i].name);

		if (!strncmp(x, releases[i].name, n) && (x[n] == ' ' || !x[n]))
			return &releases[i];
	}
	return NULL;
}


/* The one interface version each of sysctl and domctl takes. */
static void check_interface_versions(const struct release *r)
{
	struct xen_sysctl sc;
	struct xen_domctl dc;
	unsigned int sys_ok = 0, dom_ok = 0;
	long rc;

	for (uint32_t v = 0; v < 0x40; v++) {
		memset(&sc, 0, sizeof(sc));
		sc.cmd = XEN_SYSCTL_physinfo;
		sc.interface_version = v;
		rc = rt_hypercall(__HYPERVISOR_sysctl, rt_handle(&sc), 0, 0, 0, 0);
		rt_check(rc == (v == r->sysctl ? -XEN_EPERM : -XEN_EACCES),
			 "sysctl version %#x: %ld", v, rc);
		sys_ok += rc == -XEN_EPERM;
		memset(&dc, 0, sizeof(dc));
		dc.cmd = XEN_DOMCTL_getdomaininfo;
		dc.interface_version = v;
		dc.domain = DOMID_SELF;
		rc = rt_hypercall(__HYPERVISOR_domctl, rt_handle(&dc), 0, 0, 0, 0);
		rt_check(rc == (v == r->domctl ? -XEN_EPERM : -XEN_EACCES),
			 "domctl version %#x: %ld", v, rc);
		dom_ok += rc == -XEN_EPERM;
	}
	rt_printf("interface versions: domctl %#x, sysctl %#x (each the only one taken: %s)\n",
		  r->domctl, r->sysctl, sys_ok == 1 && dom_ok == 1 ? "yes" : "no");
}

/* The discovery calls again, batched in one multicall: same answers, each
 * in its entry; a nested multicall and an unknown call refused per entry. */
static void check_multicall(const struct release *r, uint32_t want_feat)
{
	struct xen_feature_info fi = {.submap_idx = 0};
	struct multicall_entry mc[5];
	long rc;

	memset(mc, 0, sizeof(mc));
	mc[0].op = __HYPERVISOR_xen_version;
	mc[0].args[0] = XENVER_version;
	mc[1].op = __HYPERVISOR_xen_version;
	mc[1].args[0] = XENVER_get_features;
	mc[1].args[1] = rt_handle(&fi);
	mc[2].op = __HYPERVISOR_multicall;
	mc[3].op = 63;
	mc[4].op = __HYPERVISOR_xen_version;
	mc[4].args[0] = XENVER_pagesize;
	rc = HYPERVISOR_multicall(mc, 5);
	rt_check(rc == 0, "multicall: %ld", rc);
	rt_check(mc[0].result == (4u << 16 | r->minor), "multicall version %#lx",
		 (unsigned long)mc[0].result);
	rt_check(mc[1].result == 0 && fi.submap == want_feat, "multicall features %#x (%ld)",
		 fi.submap, (long)mc[1].result);
	rt_check((long)mc[2].result == -XEN_EINVAL, "nested multicall: %ld", (long)mc[2].result);
	rt_check((long)mc[3].result == -XEN_ENOSYS, "hypercall 63 in a multicall: %ld",
		 (long)mc[3].result);
	rt_check(mc[4].result == 4096, "multicall pagesize %ld", (long)mc[4].result);
	rt_printf("multicall: 5 entries, results as direct calls\n");
}

/* A string naming the Xen version (the changeset) names this release's
 * series and no other: "4.M" for M != minor would be a second identity. */
static void check_names_only(const struct release *r, const char *what, const char *s)
{
	bool named = false;

	for (const char *q = strstr(s, "4."); q; q = strstr(q + 2, "4.")) {
		unsigned int m = 0, digits = 0;

		while (q[2 + digits] >= '0' && q[2 + digits] <= '9' && digits < 3)
			m = m * 10 + (unsigned int)(q[2 + digits++] - '0');
		if (!digits)
			continue;
		rt_check(m == r->minor, "%s \"%s\" names 4.%u, the release is 4.%u", what, s, m,
			 r->minor);
		named |= m == r->minor;
	}
	rt_check(named, "%s \"%s\" does not name 4.%u", what, s, r->minor);
}

static void check_identity(const struct release *r)
{
	struct xen_platform_parameters pp;
	struct xen_feature_info fi;
	struct varbuf64 vb;
	char strbuf[1024];
	uint32_t want_feat;
	char compat[32];
	const char *c;
	uint32_t cp[4];
	long v, rc;
	int node, len;

	rt_printf("release presented: %s\n", r->name);
	v = HYPERVISOR_xen_version(XENVER_version, NULL);
	rt_check(v == (4 << 16 | (long)r->minor), "xen_version %#lx for %s", v, r->name);
	rt_cpuid(0x40000001, 0, cp);
	rt_check(cp[0] == (4u << 16 | r->minor), "CPUID 0x40000001 %#x for %s", cp[0], r->name);

	node = fdt_path_offset(rt_dt(), "/hypervisor");
	c = node >= 0 ? fdt_getprop(rt_dt(), node, "compatible", &len) : NULL;
	rt_snprintf(compat, sizeof(compat), "xen,xen-4.%u", r->minor);
	rt_check(c && !strcmp(c, compat), "/hypervisor compatible \"%s\", want \"%s\"",
		 c ? c : "(none)", compat);

	memset(strbuf, 0x55, sizeof(strbuf));
	rc = HYPERVISOR_xen_version(XENVER_extraversion, strbuf);
	rt_check(rc == 0 && !strcmp(strbuf, r->extraversion), "extraversion \"%.16s\" (%ld)",
		 strbuf, rc);
	rt_printf("Xen %u.%u%s\n", (unsigned int)(v >> 16), (unsigned int)(v & 0xffff), strbuf);
	rc = HYPERVISOR_xen_version(XENVER_capabilities, strbuf);
	rt_check(rc == 0 && !strncmp(strbuf, "xen-3.0-x86_64", 14), "capabilities \"%s\"", strbuf);
	rc = HYPERVISOR_xen_version(XENVER_changeset, strbuf);
	rt_check(rc == 0 && strbuf[0] && strlen(strbuf) < 64, "changeset (%ld)", rc);
	check_names_only(r, "changeset", strbuf);
	rc = HYPERVISOR_xen_version(XENVER_compile_info, strbuf);
	rt_check(rc == 0, "compile_info: %ld", rc);

	pp.virt_start = 1;
	rc = HYPERVISOR_xen_version(XENVER_platform_parameters, &pp);
	rt_check(rc == 0 && pp.virt_start == (r->minor < 18 ? 0xFFFF800000000000ULL : 0),
		 "platform_parameters: %ld, virt_start %#llx", rc,
		 (unsigned long long)pp.virt_start);

	/* A translated, not direct-mapped DomU: Arm's word less SMCCC, plus
	 * hvm_callback_vector (x86 HVM; event channels deliver it). */
	want_feat = r->minor < 18 ? 0x12105 : 0x52105;
	fi.submap_idx = 0;
	fi.submap = 0;
	rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
	rt_check(rc == 0 && fi.submap == want_feat, "features %#x (%ld), want %#x", fi.submap, rc,
		 want_feat);
	rt_printf("features: %#x\n", fi.submap);
	fi.submap_idx = 1;
	rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
	rt_check(rc == -XEN_EINVAL, "features submap 1: %ld", rc);

	/* Argument rules and the XSM dummy policy for a DomU. */
	rc = HYPERVISOR_xen_version(XENVER_pagesize, &pp);
	rt_check(rc == -XEN_EINVAL, "pagesize with an argument: %ld", rc);
	rc = HYPERVISOR_xen_version(XENVER_commandline, strbuf);
	rt_check(rc == 0 && !strcmp(strbuf, "<denied>"), "commandline \"%.16s\" (%ld)", strbuf, rc);
	rc = HYPERVISOR_xen_version(XENVER_build_id, NULL);
	rt_check(rc == -XEN_EPERM, "build_id: %ld", rc);
	rc = HYPERVISOR_xen_version(15, NULL);
	rt_check(rc == -XEN_ENOSYS, "sub-op 15: %ld", rc);
	rc = HYPERVISOR_xen_version(XENVER_extraversion2, NULL);
	if (r->minor < 20) {
		rt_check(rc == -XEN_ENOSYS, "extraversion2 before 4.20: %ld", rc);
	} else {
		rt_check(rc == (long)strlen(r->extraversion), "extraversion2 length: %ld", rc);
		vb.len = 1;
		rc = HYPERVISOR_xen_version(XENVER_extraversion2, &vb);
		rt_check(rc == -XEN_ENOBUFS, "extraversion2 into 1 byte: %ld", rc);
		vb.len = sizeof(vb.buf);
		memset(vb.buf, 0, sizeof(vb.buf));
		rc = HYPERVISOR_xen_version(XENVER_extraversion2, &vb);
		rt_check(rc == (long)strlen(r->extraversion) &&
			 !memcmp(vb.buf, r->extraversion, (size_t)rc), "extraversion2: %ld", rc);
		rc = HYPERVISOR_xen_version(XENVER_commandline2, NULL);
		rt_check(rc == -XEN_EPERM, "commandline2: %ld", rc);
	}
	check_interface_versions(r);
	check_multicall(r, want_feat);
}

void test_main(void)
{
	const struct release *rel = presented();

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
	rt_check(rel != NULL, "not a release memvisor presents (bootargs xen=..., or version %#lx)",
		 v);
	if (rel)
		check_identity(rel);
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
