/*
 * Extended-region finders on hand-made inputs: the facts 8.8 numbers, the
 * post-processing rules (alignment, 64 MiB minimum, IPA cap, region limit),
 * the policy switches and libxl's own rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <common/libxl_extregion.h>
#include <hv/extregion.h>

struct reg {
	paddr_t s, sz;
};

static void expect_regions(const struct ext_result *r, const struct reg *w,
			   unsigned int n)
{
	unsigned int i;

	assert_int_equal(r->status, 0);
	assert_int_equal(r->nr, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(r->region[i].start, w[i].s);
		assert_int_equal(r->region[i].size, w[i].sz);
	}
}

#define EXPECT(r, ...)                                                         \
	do {                                                                   \
		static const struct reg w_[] = {__VA_ARGS__};                  \
		expect_regions(r, w_, sizeof(w_) / sizeof(w_[0]));             \
	} while (0)

static bool has_note(const struct ext_result *r, enum ext_note_kind k, paddr_t start)
{
	unsigned int i;

	for (i = 0; i < r->nr_note; i++)
		if (r->note[i].kind == k && r->note[i].start == start)
			return true;
	return false;
}

/* Facts 8.8 (4.17.7) and 8b.1 (4.20.4): QEMU virt Dom0, no IOMMU, in every
 * policy. 4.18-4.20 end every region 2 MiB lower; 4.16, 4.17 and 4.21+ give
 * the full ranges. */
static void test_facts_88_dom0(void **state)
{
	static const struct ext_span ram = {0x40000000, 0x100000000, EXT_K_RAM, "ram"};
	static const struct ext_span dom = {0x60000000, 0x20000000, EXT_K_DOM_RAM, "dom0"};
	unsigned int i;

	for (i = 0; i < XEN_POLICY__COUNT; i++) {
		struct ext_ctx ctx = {.policy = xen_policy_all[i], .ipa_bits = 44};
		struct ext_host_input in = {
			.host_ram = &ram, .nr_host_ram = 1,
			.dom_ram = &dom, .nr_dom_ram = 1,
			.gnttab = {0x40200000, 0x40000, EXT_K_GNTTAB, "gnttab"},
		};
		struct ext_result r;

		ext_result_init(&r);
		assert_int_equal(ext_find_host(&ctx, &in, &r), 0);
		if (xen_policy_traits(ctx.policy)->short_2m) {
			EXPECT(&r, {0x40400000, 0x1fa00000}, {0x80000000, 0xbfe00000});
			assert_true(has_note(&r, EXT_NOTE_SHORT2M, 0x5fe00000));
			assert_true(has_note(&r, EXT_NOTE_SHORT2M, 0x13fe00000));
		} else {
			EXPECT(&r, {0x40400000, 0x1fc00000}, {0x80000000, 0xc0000000});
			assert_false(has_note(&r, EXT_NOTE_SHORT2M, 0x5fe00000));
		}
		assert_true(has_note(&r, EXT_NOTE_TOO_SMALL, 0x40000000));
		assert_int_equal(ext_check_regions(&ctx, r.region, r.nr), -1);
		ext_result_free(&r);
	}
}

/* Facts 8.8: the 512 MiB enhanced DomU, in every policy. */
static void test_facts_88_domu(void **state)
{
	unsigned int i;

	/* 8b.7: the same in every release with DomU regions (the 2 MiB-short
	 * sizing does not touch holes written directly, 8b.1); 4.16 has none. */
	for (i = 0; i < XEN_POLICY__COUNT; i++) {
		struct ext_ctx ctx = {.policy = xen_policy_all[i], .ipa_bits = 44};
		struct ext_domu_input in = {.bank_used = {MiB(512), 0}};
		struct ext_result r;

		ext_result_init(&r);
		assert_int_equal(ext_find_domu(&ctx, &in, &r), 0);
		if (ctx.policy == XEN_POLICY_4_16)
			assert_int_equal(r.nr, 0);
		else
			EXPECT(&r, {0x60000000, 0xa0000000}, {0x200000000, 0xfe00000000});
		ext_result_free(&r);
	}
}

static void test_domu_ipa_cap(void **state)
{
	struct ext_ctx ctx = {.policy = XEN_POLICY_LATEST, .ipa_bits = 36};
	struct ext_domu_input in = {.bank_used = {MiB(512), GiB(1)}};
	struct ext_result r;

	ext_result_init(&r);
	ext_find_domu(&ctx, &in, &r);
	/* RAM1 tail from 9 GiB, capped at 2^36. */
	EXPECT(&r, {0x60000000, 0xa0000000}, {0x240000000, 0xdc0000000});
	assert_true(has_note(&r, EXT_NOTE_CAPPED, 1ULL << 36));
	ext_result_free(&r);

	/* 32-bit IPA: bank 1 contributes nothing. */
	ctx.ipa_bits = 32;
	ext_result_init(&r);
	ext_find_domu(&ctx, &in, &r);
	EXPECT(&r, {0x60000000, 0xa0000000});
	assert_true(has_note(&r, EXT_NOTE_CAPPED, 0x240000000));
	ext_result_free(&r);
}

/* Static shared memory in a DomU: excluded from 4.19 on; 4.19 and 4.20
 * rebuild the list through the shared post-processing, so it comes out
 * 2 MiB short there (facts 1.6, 8b.1). */
static void test_domu_shm_policy(void **state)
{
	static const struct ext_span shm = {0x90000000, 0x10000000, EXT_K_SHM, "shm"};
	struct ext_domu_input in = {.bank_used = {MiB(512), 0}, .shm_guest = &shm,
				    .nr_shm_guest = 1};
	struct ext_ctx ctx = {.policy = XEN_POLICY_4_17, .ipa_bits = 40};
	struct ext_result r;

	ext_result_init(&r);
	ext_find_domu(&ctx, &in, &r);
	EXPECT(&r, {0x60000000, 0xa0000000}, {0x200000000, 0xfe00000000});
	ext_result_free(&r);

	ctx.policy = XEN_POLICY_4_18;
	ext_result_init(&r);
	ext_find_domu(&ctx, &in, &r);
	EXPECT(&r, {0x60000000, 0xa0000000}, {0x200000000, 0xfe00000000});
	ext_result_free(&r);

	ctx.policy = XEN_POLICY_4_20;
	ext_result_init(&r);
	ext_find_domu(&ctx, &in, &r);
	EXPECT(&r, {0x60000000, 0x2fe00000}, {0xa0000000, 0x5fe00000},
	       {0x200000000, 0xfdffe00000});
	assert_true(has_note(&r, EXT_NOTE_EXCLUDED, 0x90000000));
	ext_result_free(&r);

	ctx.policy = XEN_POLICY_4_21;
	ext_result_init(&r);
	ext_find_domu(&ctx, &in, &r);
	EXPECT(&r, {0x60000000, 0x30000000}, {0xa0000000, 0x60000000},
	       {0x200000000, 0xfe00000000});
	assert_true(has_note(&r, EXT_NOTE_EXCLUDED, 0x90000000));
	ext_result_free(&r);
}

/* Post-processing: start rounded up, size down, 64 MiB minimum. */
static void test_alignment_and_minimum(void **state)
{
	static const struct ext_span ram[] = {
		{0x40100000, MiB(64) + MiB(1), EXT_K_RAM, "a"},   /* 64 MiB after align */
		{0x50100000, MiB(64), EXT_K_RAM, "b"},            /* 63 MiB after align */
		{0x60000001, MiB(70), EXT_K_RAM, "c"},            /* unaligned start */
	};
	struct ext_ctx ctx = {.policy = XEN_POLICY_LATEST, .ipa_bits = 40};
	struct ext_host_input in = {.host_ram = ram, .nr_host_ram = 3};
	struct ext_result r;

	ext_result_init(&r);
	ext_find_host(&ctx, &in, &r);
	/* Frame granule: the unaligned start is widened down to its page, which
	 * here is already 2 MiB aligned. */
	EXPECT(&r, {0x40200000, MiB(64)}, {0x60000000, MiB(70)});
	assert_true(has_note(&r, EXT_NOTE_TOO_SMALL, 0x50100000));
	ext_result_free(&r);
}

/* More than 256 candidate holes: the list stops at the limit. */
static void test_region_limit(void **state)
{
	static struct ext_span regs[300];
	struct ext_ctx ctx = {.policy = XEN_POLICY_LATEST, .ipa_bits = 40};
	struct ext_iommu_input in = {.regs = regs, .nr_regs = 300};
	struct ext_result r;
	unsigned int i, limits = 0;

	for (i = 0; i < 300; i++)
		regs[i] = (struct ext_span){(paddr_t)i * MiB(128) + MiB(126), MiB(2),
					    EXT_K_DEVICE_REG, "dev"};
	ext_result_init(&r);
	ext_find_iommu(&ctx, &in, &r);
	assert_int_equal(r.nr, 256);
	for (i = 0; i < r.nr_note; i++)
		limits += r.note[i].kind == EXT_NOTE_LIMIT;
	assert_int_equal(limits, 300 - 256 + 1); /* 44 holes + the tail */
	assert_int_equal(r.region[0].start, 0);
	assert_int_equal(r.region[0].size, MiB(126));
	assert_int_equal(ext_check_regions(&ctx, r.region, r.nr), -1);
	ext_result_free(&r);

	/* 4.16: NR_MEM_BANKS was 128 (facts 1.2, 1.7). */
	ctx.policy = XEN_POLICY_4_16;
	ext_result_init(&r);
	ext_find_iommu(&ctx, &in, &r);
	assert_int_equal(r.nr, 128);
	assert_int_equal(ext_check_regions(&ctx, r.region, r.nr), -1);
	assert_int_equal(ext_check_regions(&ctx, r.region, 129), 128);
	ext_result_free(&r);
}

/* The 2 MiB-short sizing (facts 8b.1): a free range of exactly 66 MiB ending
 * on a 2 MiB boundary gives 64 MiB in 4.18-4.20; one of 64 MiB gives none
 * there; one ending 1 MiB past a boundary loses nothing. */
static void test_short_2m(void **state)
{
	static const struct ext_span ram[] = {
		{0x40000000, MiB(66), EXT_K_RAM, "a"},
		{0x50000000, MiB(64), EXT_K_RAM, "b"},
		{0x60000000, MiB(65), EXT_K_RAM, "c"},
	};
	struct ext_host_input in = {.host_ram = ram, .nr_host_ram = 3};
	unsigned int i;

	for (i = 0; i < XEN_POLICY__COUNT; i++) {
		struct ext_ctx ctx = {.policy = xen_policy_all[i], .ipa_bits = 40};
		struct ext_result r;

		ext_result_init(&r);
		assert_int_equal(ext_find_host(&ctx, &in, &r), 0);
		if (xen_policy_traits(ctx.policy)->short_2m) {
			EXPECT(&r, {0x40000000, MiB(64)}, {0x60000000, MiB(64)});
			assert_true(has_note(&r, EXT_NOTE_SHORT2M, 0x44000000));
			assert_true(has_note(&r, EXT_NOTE_SHORT2M, 0x50000000));
		} else {
			EXPECT(&r, {0x40000000, MiB(66)}, {0x50000000, MiB(64)},
			       {0x60000000, MiB(64)});
		}
		ext_result_free(&r);
	}
}

/* An untranslatable reg disables the IOMMU search. */
static void test_iommu_untranslatable(void **state)
{
	struct ext_ctx ctx = {.policy = XEN_POLICY_LATEST, .ipa_bits = 40};
	struct ext_iommu_input in = {.untranslatable = "/soc/gic",
				     .untranslatable_addr = 0x2000000};
	struct ext_result r;

	ext_result_init(&r);
	assert_int_equal(ext_find_iommu(&ctx, &in, &r), -EINVAL);
	assert_int_equal(r.nr, 0);
	assert_int_equal(r.status, -EINVAL);
	assert_true(has_note(&r, EXT_NOTE_ERROR, 0x2000000));
	ext_result_free(&r);
}

/* Zero-size grant region: skipped since 4.18; 4.17 splits the range. */
static void test_zero_size_exclusion(void **state)
{
	static const struct ext_span ram = {0x40000000, GiB(1), EXT_K_RAM, "ram"};
	struct ext_host_input in = {
		.host_ram = &ram, .nr_host_ram = 1,
		.gnttab = {0x50000000, 0, EXT_K_GNTTAB, "gnttab"},
	};
	struct ext_ctx ctx = {.policy = XEN_POLICY_LATEST, .ipa_bits = 40};
	struct ext_result r;

	ext_result_init(&r);
	ext_find_host(&ctx, &in, &r);
	EXPECT(&r, {0x40000000, GiB(1)});
	ext_result_free(&r);

	ctx.policy = XEN_POLICY_4_17;
	ext_result_init(&r);
	ext_find_host(&ctx, &in, &r);
	EXPECT(&r, {0x40000000, 0x10000000}, {0x50000000, 0x30000000});
	assert_true(has_note(&r, EXT_NOTE_BUG417, 0x50000000));
	ext_result_free(&r);

	/* At a range start 4.17 would crash: no regions, error status. */
	in.gnttab.start = 0x40000000;
	ext_result_init(&r);
	assert_int_equal(ext_find_host(&ctx, &in, &r), -EFAULT);
	assert_int_equal(r.nr, 0);
	ext_result_free(&r);
}

/* A zero-size reg at 0 on the IOMMU path: 4.17 ends with one huge range. */
static void test_zero_reg_at_zero(void **state)
{
	static const struct ext_span regs[] = {
		{0x80000000, GiB(2), EXT_K_DEVICE_REG, "/memory"},
		{0, 0, EXT_K_DEVICE_REG, "/empty"},
	};
	struct ext_iommu_input in = {.regs = regs, .nr_regs = 2};
	struct ext_ctx ctx = {.policy = XEN_POLICY_4_17, .ipa_bits = 40};
	struct ext_result r;

	ext_result_init(&r);
	ext_find_iommu(&ctx, &in, &r);
	EXPECT(&r, {0, 1ULL << 40});
	ext_result_free(&r);

	ctx.policy = XEN_POLICY_LATEST;
	ext_result_init(&r);
	ext_find_iommu(&ctx, &in, &r);
	EXPECT(&r, {0, 0x80000000}, {0x100000000, (1ULL << 40) - 0x100000000});
	ext_result_free(&r);
}

/* /memreserve/ counts on the host path from 4.19 only. */
static void test_memreserve_policy(void **state)
{
	static const struct ext_span ram = {0x80000000, GiB(2), EXT_K_RAM, "ram"};
	static const struct ext_span resv = {0x90000000, MiB(256), EXT_K_MEMRESERVE, "mr"};
	struct ext_host_input in = {.host_ram = &ram, .nr_host_ram = 1,
				    .reserved = &resv, .nr_reserved = 1};
	struct ext_ctx ctx = {.policy = XEN_POLICY_4_17, .ipa_bits = 40};
	struct ext_result r;

	ext_result_init(&r);
	ext_find_host(&ctx, &in, &r);
	EXPECT(&r, {0x80000000, GiB(2)});
	ext_result_free(&r);

	ctx.policy = XEN_POLICY_4_18;
	ext_result_init(&r);
	ext_find_host(&ctx, &in, &r);
	EXPECT(&r, {0x80000000, GiB(2) - MiB(2)});
	ext_result_free(&r);

	ctx.policy = XEN_POLICY_4_19;
	ext_result_init(&r);
	ext_find_host(&ctx, &in, &r);
	EXPECT(&r, {0x80000000, MiB(254)}, {0xa0000000, 0x5fe00000});
	ext_result_free(&r);

	ctx.policy = XEN_POLICY_4_21;
	ext_result_init(&r);
	ext_find_host(&ctx, &in, &r);
	EXPECT(&r, {0x80000000, MiB(256)}, {0xa0000000, 0x60000000});
	ext_result_free(&r);
}

/* libxl: iomem carving (4.21+), pieces not re-aligned; one per bank before. */
static void test_libxl(void **state)
{
	static const struct ext_span io[] = {
		{0xf0000000, 0x1000, EXT_K_IOMEM, "b"},
		{0x70000000, 0x1000, EXT_K_IOMEM, "a"},
	};
	struct ext_libxl_input in = {.bank_used = {MiB(511), 0}, .iomem = io,
				     .nr_iomem = 2};
	struct ext_ctx ctx = {.policy = XEN_POLICY_LATEST, .ipa_bits = 40};
	struct ext_result r;

	ext_result_init(&r);
	assert_int_equal(ext_find_libxl(&ctx, &in, &r), 0);
	EXPECT(&r, {0x60000000, 0x10000000}, {0x70001000, 0x7ffff000},
	       {0xf0001000, 0xffff000}, {0x200000000, 0xfe00000000});
	ext_result_free(&r);

	ctx.policy = XEN_POLICY_4_19;
	ext_result_init(&r);
	ext_find_libxl(&ctx, &in, &r);
	EXPECT(&r, {0x60000000, 0xa0000000}, {0x200000000, 0xfe00000000});
	ext_result_free(&r);
}

/*
 * The shared implementation (include/common/libxl_extregion.h) as the
 * toolstack in Dom0 calls it: libxl's RAM split, the regions for a few
 * gpaddr_bits, the capped bank, the 4.16-4.20 limit of one region per bank,
 * and its errors.
 */
static void test_libxl_shared(void **state)
{
	struct libxl_ext_range out[GUEST_EXT_REGION_MAX];
	struct libxl_ext_input li = {.gpaddr_bits = 40, .iomem_excluded = true};
	unsigned int nr;

	assert_int_equal(libxl_ram_banks(MiB(512), li.bank_used), 0);
	assert_int_equal(li.bank_used[0], MiB(512));
	assert_int_equal(li.bank_used[1], 0);
	assert_int_equal(libxl_ext_regions(&li, out, GUEST_EXT_REGION_MAX, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(out[0].start, 0x60000000);
	assert_int_equal(out[0].size, 0xa0000000);
	assert_int_equal(out[1].start, 0x200000000);
	assert_int_equal(out[1].size, 0xfe00000000);

	/* 36 bits end bank 1 at 64 GiB; 32 bits leave it out */
	li.gpaddr_bits = 36;
	assert_int_equal(libxl_ext_regions(&li, out, GUEST_EXT_REGION_MAX, &nr), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(out[1].size, 0xe00000000);
	li.gpaddr_bits = 32;
	assert_int_equal(libxl_ext_regions(&li, out, GUEST_EXT_REGION_MAX, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(out[0].start + out[0].size, 0x100000000);

	/* 4 GiB: bank 0 full (no region there), 1 GiB in bank 1, the RAM
	 * rounded up to 2 MiB before the region starts */
	li.gpaddr_bits = 40;
	assert_int_equal(libxl_ram_banks(GiB(4) + MiB(1), li.bank_used), 0);
	assert_int_equal(li.bank_used[0], GiB(3));
	assert_int_equal(li.bank_used[1], GiB(1) + MiB(1));
	assert_int_equal(libxl_ext_regions(&li, out, GUEST_EXT_REGION_MAX, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(out[0].start, 0x200000000 + GiB(1) + MiB(2));

	/* too much RAM, too small a list, impossible widths */
	assert_int_equal(libxl_ram_banks(GUEST_RAM0_SIZE + GUEST_RAM1_SIZE + 1, li.bank_used),
			 -XEN_E2BIG);
	assert_int_equal(libxl_ram_banks(MiB(100), li.bank_used), 0);
	assert_int_equal(libxl_ext_regions(&li, out, 1, &nr), -XEN_ENOSPC);
	assert_int_equal(nr, 0);
	li.gpaddr_bits = 65;
	assert_int_equal(libxl_ext_regions(&li, out, GUEST_EXT_REGION_MAX, &nr), -XEN_EINVAL);

	/* before 4.21 iomem is ignored and one region per bank at most */
	{
		static const struct libxl_ext_range io[] = {{0x70000000, 0x1000}};

		li.gpaddr_bits = 40;
		li.iomem = io;
		li.nr_iomem = 1;
		assert_int_equal(libxl_ext_regions(&li, out, GUEST_EXT_REGION_MAX, &nr), 0);
		assert_int_equal(nr, 3);
		assert_int_equal(out[1].start, 0x70001000);
		li.iomem_excluded = false;
		assert_int_equal(libxl_ext_regions(&li, out, GUEST_EXT_REGION_MAX, &nr), 0);
		assert_int_equal(nr, 2);
		assert_int_equal(out[0].start, 0x46400000);
		assert_int_equal(out[0].size, 0x100000000 - 0x46400000);
	}
}

/* Names, point releases and the rows of the policy table (facts 1.7, 8, 8b). */
/*
 * Every policy's identity agrees with its name, checked against the facts
 * (xen-facts-devices 4.4, xen-facts "Sources"), not memvisor's table: the
 * name's 4.M is the minor presented (xen_version, CPUID, compatible), the
 * point release it names is its extraversion, what it models names no
 * other series, and its domctl/sysctl versions are that release's.
 * "latest" is the newest release the facts name, 4.22 (4.22.0; master is
 * 4.23-dev, not a release).
 */
#define NEWEST_MINOR 22
static const struct {
	unsigned int minor;
	uint32_t domctl, sysctl;
} facts_ifv[] = {
	{16, 0x14, 0x14}, {17, 0x15, 0x15}, {18, 0x16, 0x15}, {19, 0x17, 0x15},
	{20, 0x17, 0x15}, {21, 0x17, 0x16}, {22, 0x18, 0x16},
};

static void check_models(const struct xen_policy_traits *t)
{
	char want[32];
	const char *m = t->models;

	assert_non_null(m);
	/* every "4.N" in it is this series */
	for (const char *q = strstr(m, "4."); q; q = strstr(q + 2, "4.")) {
		char *end;
		unsigned long n = strtoul(q + 2, &end, 10);

		if (end != q + 2 && n != t->minor)
			fail_msg("%s models \"%s\": names 4.%lu", t->name, m, n);
	}
	snprintf(want, sizeof(want), "4.%u.", t->minor);
	if (strncmp(m, want, strlen(want)))
		fail_msg("%s models \"%s\", not a 4.%u release", t->name, m, t->minor);
	/* the point release the extraversion names is one it models */
	snprintf(want, sizeof(want), "4.%u%s", t->minor, t->extraversion);
	if (!strstr(m, want)) {
		snprintf(want, sizeof(want), "4.%u.x", t->minor);
		if (!strstr(m, want))
			fail_msg("%s: extraversion %s is not in \"%s\"", t->name, t->extraversion,
				 m);
	}
}

static void test_policy_identity(void **state)
{
	unsigned int newest = 0, i, k;

	(void)state;
	for (i = 0; i < XEN_POLICY__COUNT; i++) {
		const struct xen_policy_traits *t = xen_policy_traits(xen_policy_all[i]);
		char name[16];

		assert_int_equal(t->major, 4);
		assert_true(t->extraversion[0] == '.' && t->extraversion[1] >= '0' &&
			    t->extraversion[1] <= '9');
		if (!strcmp(t->name, "latest")) {
			assert_int_equal(t->minor, NEWEST_MINOR);
		} else {
			snprintf(name, sizeof(name), "4.%u", t->minor);
			if (strcmp(t->name, name)) {
				/* a point-release name: its point is the extraversion */
				snprintf(name, sizeof(name), "4.%u%s", t->minor, t->extraversion);
				if (strcmp(t->name, name))
					fail_msg("policy %s presents 4.%u%s", t->name, t->minor,
						 t->extraversion);
			}
		}
		check_models(t);
		for (k = 0; k < ARRAY_SIZE(facts_ifv) && facts_ifv[k].minor != t->minor; k++)
			;
		if (k == ARRAY_SIZE(facts_ifv))
			fail_msg("%s: 4.%u is not a release the facts know", t->name, t->minor);
		if (t->domctl_version != facts_ifv[k].domctl ||
		    t->sysctl_version != facts_ifv[k].sysctl)
			fail_msg("%s: domctl %#x sysctl %#x, 4.%u has %#x/%#x", t->name,
				 t->domctl_version, t->sysctl_version, t->minor, facts_ifv[k].domctl,
				 facts_ifv[k].sysctl);
		if (t->minor > newest)
			newest = t->minor;
	}
	assert_int_equal(newest, NEWEST_MINOR);
}

static void test_policy_parse(void **state)
{
	static const struct {
		const char *s;
		enum xen_policy p;
	} ok[] = {
		{"4.16", XEN_POLICY_4_16}, {"4.17", XEN_POLICY_4_17},
		{"4.17.7", XEN_POLICY_4_17}, {"4.18", XEN_POLICY_4_18},
		{"4.19", XEN_POLICY_4_19}, {"4.19.0", XEN_POLICY_4_19_2},
		{"4.19.2", XEN_POLICY_4_19_2}, {"4.19.3", XEN_POLICY_4_19},
		{"4.20", XEN_POLICY_4_20}, {"4.20.0", XEN_POLICY_4_20_0},
		{"4.20.1", XEN_POLICY_4_20}, {"4.20.4", XEN_POLICY_4_20},
		{"4.21", XEN_POLICY_4_21}, {"4.22", XEN_POLICY_LATEST},
		{"4.22.0", XEN_POLICY_LATEST}, {"latest", XEN_POLICY_LATEST},
	};
	static const char *const bad[] = {"5.0", "4.15", "4.23", "4", "4.", "4.19.",
					  "4.19.x", "4.190", "4.19.3.1", "", " 4.19",
					  "4.1900", "head"};
	enum xen_policy p;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		p = XEN_POLICY__COUNT;
		if (xen_policy_parse(ok[i].s, &p) || p != ok[i].p)
			fail_msg("%s: parsed as %d", ok[i].s, (int)p);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (!xen_policy_parse(bad[i], &p))
			fail_msg("\"%s\" accepted", bad[i]);
	/* Every policy's name parses back to it. */
	for (i = 0; i < XEN_POLICY__COUNT; i++) {
		const struct xen_policy_traits *t = xen_policy_traits(xen_policy_all[i]);

		assert_non_null(t->name);
		assert_int_equal(xen_policy_parse(t->name, &p), 0);
		assert_int_equal(p, xen_policy_all[i]);
		assert_int_equal(t->region_align, 0x200000);
		assert_int_equal(t->region_min, 0x4000000);
		assert_true(t->reg_root_cells_truncate);
	}
	/* Rows: the rules each release applies. */
	assert_int_equal(xen_policy_traits(XEN_POLICY_4_16)->region_limit, 128);
	assert_int_equal(xen_policy_traits(XEN_POLICY_4_17)->region_limit, 256);
	assert_false(xen_policy_traits(XEN_POLICY_4_17)->frame_granule);
	assert_true(xen_policy_traits(XEN_POLICY_4_18)->frame_granule);
	assert_true(xen_policy_traits(XEN_POLICY_4_17)->removal_bug);
	assert_true(xen_policy_traits(XEN_POLICY_4_18)->removal_bug);
	assert_true(xen_policy_traits(XEN_POLICY_4_19_2)->removal_bug);
	assert_false(xen_policy_traits(XEN_POLICY_4_19)->removal_bug);
	assert_true(xen_policy_traits(XEN_POLICY_4_20_0)->removal_bug);
	assert_false(xen_policy_traits(XEN_POLICY_4_20)->removal_bug);
	assert_false(xen_policy_traits(XEN_POLICY_LATEST)->removal_bug);
	assert_false(xen_policy_traits(XEN_POLICY_4_17)->short_2m);
	assert_true(xen_policy_traits(XEN_POLICY_4_18)->short_2m);
	assert_true(xen_policy_traits(XEN_POLICY_4_20)->short_2m);
	assert_false(xen_policy_traits(XEN_POLICY_4_21)->short_2m);
	assert_false(xen_policy_traits(XEN_POLICY_4_18)->memreserve_excluded);
	assert_true(xen_policy_traits(XEN_POLICY_4_19_2)->memreserve_excluded);
	assert_true(xen_policy_traits(XEN_POLICY_4_19)->memory_by_name_any_depth);
	assert_false(xen_policy_traits(XEN_POLICY_4_20_0)->memory_by_name_any_depth);
	assert_false(xen_policy_traits(XEN_POLICY_4_17)->reserved_overlap_no_boot);
	assert_true(xen_policy_traits(XEN_POLICY_4_18)->reserved_overlap_no_boot);
	assert_true(xen_policy_traits(XEN_POLICY_LATEST)->reserved_overlap_no_boot);
	assert_true(xen_policy_traits(XEN_POLICY_4_19)->memreserve_overlap_no_boot);
	assert_false(xen_policy_traits(XEN_POLICY_4_20)->memreserve_overlap_no_boot);
	assert_int_equal(xen_policy_traits(XEN_POLICY_4_16)->domu, XEN_DOMU_NONE);
	assert_int_equal(xen_policy_traits(XEN_POLICY_4_18)->domu, XEN_DOMU_DIRECT);
	assert_int_equal(xen_policy_traits(XEN_POLICY_4_20)->domu,
			 XEN_DOMU_DIRECT_SHM_RANGESET);
	assert_int_equal(xen_policy_traits(XEN_POLICY_4_21)->domu, XEN_DOMU_RANGESET);
	assert_int_equal(xen_policy_traits(XEN_POLICY_4_20)->minor, 20);
	assert_int_equal(xen_policy_traits(XEN_POLICY_4_19_2)->minor, 19);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_facts_88_dom0),
		cmocka_unit_test(test_facts_88_domu),
		cmocka_unit_test(test_domu_ipa_cap),
		cmocka_unit_test(test_domu_shm_policy),
		cmocka_unit_test(test_alignment_and_minimum),
		cmocka_unit_test(test_region_limit),
		cmocka_unit_test(test_short_2m),
		cmocka_unit_test(test_iommu_untranslatable),
		cmocka_unit_test(test_zero_size_exclusion),
		cmocka_unit_test(test_zero_reg_at_zero),
		cmocka_unit_test(test_memreserve_policy),
		cmocka_unit_test(test_libxl),
		cmocka_unit_test(test_libxl_shared),
		cmocka_unit_test(test_policy_parse),
		cmocka_unit_test(test_policy_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
