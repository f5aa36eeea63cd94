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

#include <cmocka.h>

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

static const enum xen_policy all_policies[] = {
	XEN_POLICY_4_17, XEN_POLICY_4_19, XEN_POLICY_4_21, XEN_POLICY_LATEST,
};

/* Facts 8.8: QEMU virt Dom0, no IOMMU, in every policy. */
static void test_facts_88_dom0(void **state)
{
	static const struct ext_span ram = {0x40000000, 0x100000000, EXT_K_RAM, "ram"};
	static const struct ext_span dom = {0x60000000, 0x20000000, EXT_K_DOM_RAM, "dom0"};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct ext_ctx ctx = {.policy = all_policies[i], .ipa_bits = 44};
		struct ext_host_input in = {
			.host_ram = &ram, .nr_host_ram = 1,
			.dom_ram = &dom, .nr_dom_ram = 1,
			.gnttab = {0x40200000, 0x40000, EXT_K_GNTTAB, "gnttab"},
		};
		struct ext_result r;

		ext_result_init(&r);
		assert_int_equal(ext_find_host(&ctx, &in, &r), 0);
		EXPECT(&r, {0x40400000, 0x1fc00000}, {0x80000000, 0xc0000000});
		assert_true(has_note(&r, EXT_NOTE_TOO_SMALL, 0x40000000));
		assert_int_equal(ext_check_regions(&ctx, r.region, r.nr), -1);
		ext_result_free(&r);
	}
}

/* Facts 8.8: the 512 MiB enhanced DomU, in every policy. */
static void test_facts_88_domu(void **state)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		struct ext_ctx ctx = {.policy = all_policies[i], .ipa_bits = 44};
		struct ext_domu_input in = {.bank_used = {MiB(512), 0}};
		struct ext_result r;

		ext_result_init(&r);
		assert_int_equal(ext_find_domu(&ctx, &in, &r), 0);
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

/* Static shared memory in a DomU: excluded from 4.19 on. */
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

	ctx.policy = XEN_POLICY_4_19;
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

	ctx.policy = XEN_POLICY_4_19;
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

static void test_policy_parse(void **state)
{
	enum xen_policy p;

	assert_int_equal(xen_policy_parse("4.17", &p), 0);
	assert_int_equal(p, XEN_POLICY_4_17);
	assert_int_equal(xen_policy_parse("latest", &p), 0);
	assert_int_equal(p, XEN_POLICY_LATEST);
	assert_int_equal(xen_policy_parse("4.21", &p), 0);
	assert_int_equal(p, XEN_POLICY_4_21);
	assert_int_equal(xen_policy_parse("5.0", &p), -EINVAL);
	assert_int_equal(xen_policy_traits(XEN_POLICY_4_17)->region_limit, 256);
	assert_true(xen_policy_traits(XEN_POLICY_4_17)->buggy_rangeset);
	assert_false(xen_policy_traits(XEN_POLICY_LATEST)->buggy_rangeset);
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
		cmocka_unit_test(test_iommu_untranslatable),
		cmocka_unit_test(test_zero_size_exclusion),
		cmocka_unit_test(test_zero_reg_at_zero),
		cmocka_unit_test(test_memreserve_policy),
		cmocka_unit_test(test_libxl),
		cmocka_unit_test(test_policy_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
