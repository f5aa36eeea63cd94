/*
 * Planner tests on the hand-written DTS cases (compiled by the build):
 * bootinfo_parse() + layout_plan() give exact regions for every rule and
 * pitfall, bad input gives diagnostics naming node and address, guest DTs
 * carry the right /hypervisor node, and corrupted blobs never crash.
 *
 * argv[1] is the directory holding the compiled DTBs.
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
#include <libfdt.h>

#include <hv/bootinfo.h>
#include <hv/guestdt.h>
#include <hv/layout.h>

static const char *dtb_dir = ".";

struct reg {
	paddr_t s, sz;
};

struct fixture {
	void *blob;
	size_t len;
	struct bootinfo bi;
	struct layout_plan plan;
};

static void *load_file(const char *name, size_t *len)
{
	char path[1024];
	FILE *f;
	void *buf = malloc(1 << 20);

	snprintf(path, sizeof(path), "%s/%s.dtb", dtb_dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void plan_case(struct fixture *fx, const char *name, enum xen_policy pol,
		      const char *bootargs, int iommu)
{
	struct bootinfo_opts bo = {.policy = pol, .bootargs = bootargs};
	struct layout_opts lo = {.policy = pol, .iommu = iommu};

	memset(fx, 0, sizeof(*fx));
	fx->blob = load_file(name, &fx->len);
	assert_int_equal(bootinfo_parse(&fx->bi, fx->blob, fx->len, &bo), 0);
	assert_int_equal(layout_plan(&fx->bi, &lo, &fx->plan), 0);
}

static void fx_free(struct fixture *fx)
{
	layout_free(&fx->plan);
	bootinfo_free(&fx->bi);
	free(fx->blob);
}

static const struct layout_domain *dom(const struct fixture *fx, const char *name)
{
	unsigned int i;

	for (i = 0; i < fx->plan.nr_dom; i++)
		if (!strcmp(fx->plan.dom[i].name, name))
			return &fx->plan.dom[i];
	fail_msg("no domain %s", name);
	return NULL;
}

static void expect_regions(const struct layout_domain *d, const struct reg *w,
			   unsigned int n)
{
	unsigned int i;

	if (d->ext.nr != n)
		fail_msg("%s: %u regions, want %u", d->name, d->ext.nr, n);
	for (i = 0; i < n; i++) {
		if (d->ext.region[i].start != w[i].s || d->ext.region[i].size != w[i].sz)
			fail_msg("%s region %u: %#lx+%#lx, want %#lx+%#lx", d->name, i + 1,
				 (unsigned long)d->ext.region[i].start,
				 (unsigned long)d->ext.region[i].size, (unsigned long)w[i].s,
				 (unsigned long)w[i].sz);
	}
}

#define EXPECT(d, ...)                                                         \
	do {                                                                   \
		static const struct reg w_[] = {__VA_ARGS__};                  \
		expect_regions(d, w_, sizeof(w_) / sizeof(w_[0]));             \
	} while (0)

static bool has_diag(const struct bootinfo_diag *dg, unsigned int n,
		     enum bootinfo_diag_level lvl, const char *path, bool has_addr,
		     paddr_t addr, const char *text)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (dg[i].level != lvl || (path && (!dg[i].path || strcmp(dg[i].path, path))))
			continue;
		if (has_addr && (!dg[i].has_addr || dg[i].addr != addr))
			continue;
		if (text && !strstr(dg[i].msg, text))
			continue;
		return true;
	}
	return false;
}

/* Facts 8.8, exactly, for Dom0 and the enhanced DomU; the plain DomU gets no
 * /hypervisor node. */
static void test_qemu_virt(void **state)
{
	static const enum xen_policy pols[] = {XEN_POLICY_4_17, XEN_POLICY_LATEST};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct fixture fx;
		const struct layout_domain *d0, *u1, *u2;

		plan_case(&fx, "qemu-virt", pols[i], NULL, -1);
		d0 = dom(&fx, "dom0");
		assert_int_equal(fx.plan.xen_image.start, 0x40200000);
		assert_int_equal(d0->mem.n, 1);
		assert_int_equal(d0->mem.s[0].start, 0x60000000);
		assert_int_equal(d0->mem.s[0].size, 0x20000000);
		assert_int_equal(d0->gnttab.start, 0x40200000);
		assert_int_equal(d0->gnttab.size, 0x40000);
		assert_int_equal(d0->gpaddr_bits, 44);
		assert_int_equal(d0->algo, LAYOUT_ALGO_HOST);
		EXPECT(d0, {0x40400000, 0x1fc00000}, {0x80000000, 0xc0000000});

		u1 = dom(&fx, "domU1");
		assert_true(u1->hypervisor_node);
		assert_int_equal(u1->gnttab.start, 0x38000000);
		assert_int_equal(u1->gnttab.size, 0x1000000);
		EXPECT(u1, {0x60000000, 0xa0000000}, {0x200000000, 0xfe00000000});

		u2 = dom(&fx, "domU2");
		assert_false(u2->hypervisor_node);
		assert_int_equal(u2->ext.nr, 0);
		assert_int_equal(u2->gnttab.size, 0);
		fx_free(&fx);
	}
}

/* ext_regions=no: region 0 only for Dom0 and dom0less guests. */
static void test_ext_regions_off(void **state)
{
	struct fixture fx;
	const struct layout_domain *d0;

	plan_case(&fx, "qemu-virt", XEN_POLICY_LATEST, "dom0_mem=512M ext_regions=no", -1);
	d0 = dom(&fx, "dom0");
	assert_int_equal(d0->gnttab.start, 0x40200000);
	assert_int_equal(d0->gnttab.size, 0x40000);
	assert_int_equal(d0->ext.nr, 0);
	assert_non_null(d0->why_none);
	assert_int_equal(dom(&fx, "domU1")->ext.nr, 0);
	fx_free(&fx);

	/* Bootargs parsing: sizes, booleans, frames. */
	{
		struct cmdline_args ba;

		cmdline_parse(NULL, "dom0_mem=1G,max:2G iommu=no gnttab_max_frames=32", &ba);
		assert_true(ba.dom0_mem_set);
		assert_int_equal(ba.dom0_mem, GiB(1));
		assert_int_equal(ba.iommu, 0);
		assert_int_equal(ba.gnttab_max_frames, 32);
		assert_true(ba.ext_regions);
		cmdline_parse(NULL, "dom0_mem=4096 no-ext_regions", &ba);
		assert_int_equal(ba.dom0_mem, MiB(4)); /* no suffix: KiB */
		assert_false(ba.ext_regions);
		assert_int_equal(ba.dom0_max_vcpus, 0); /* not given: Dom0 has one */
		/* dom0_max_vcpus=<max> or <min>-<max>: memvisor takes <max> */
		cmdline_parse(NULL, "dom0_max_vcpus=3", &ba);
		assert_int_equal(ba.dom0_max_vcpus, 3);
		cmdline_parse(NULL, "dom0_max_vcpus=2-4", &ba);
		assert_int_equal(ba.dom0_max_vcpus, 4);
		for (const char *const *b = (const char *const[]){"dom0_max_vcpus=0",
				"dom0_max_vcpus=4-2", "dom0_max_vcpus=x", "dom0_max_vcpus=3-",
				"dom0_max_vcpus=-3", "dom0_max_vcpus=999", NULL}; *b; b++) {
			cmdline_parse(NULL, *b, &ba);
			assert_int_equal(ba.dom0_max_vcpus, 0);
		}
	}
}

/* iommu= has one parser (issue 12): the boot command line's. Before, the
 * IOMMU parsed iommu= again and accepted dom0-passthrough, which the boot
 * parser warned it could not parse. */
static void test_iommu_bootargs(void **state)
{
	struct fixture fx;

	(void)state;
	/* The hardware domain's modes the
	 * builder hands the IOMMU are accepted without a warning, every
	 * element of the list applies, and an unknown one is named. */
	plan_case(&fx, "qemu-virt", XEN_POLICY_LATEST, "iommu=dom0-passthrough", -1);
	assert_false(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_WARN, "bootargs", false, 0,
			      NULL));
	assert_int_equal(fx.bi.args.iommu, -1);
	assert_int_equal(fx.bi.args.iommu_hwdom, IOMMU_HWDOM_PASSTHROUGH);
	assert_true(cmdline_iommu_params(&fx.bi.args).present);
	fx_free(&fx);
	plan_case(&fx, "qemu-virt", XEN_POLICY_LATEST,
		  "iommu=on,no-dom0-strict,bogus dom0-iommu=passthrough", -1);
	assert_true(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_WARN, "bootargs", false, 0,
			     "iommu=: unknown option \"bogus\""));
	assert_int_equal(fx.bi.args.iommu, 1);
	assert_int_equal(fx.bi.args.iommu_hwdom, IOMMU_HWDOM_PASSTHROUGH);
	fx_free(&fx);
	plan_case(&fx, "qemu-virt", XEN_POLICY_LATEST, "iommu=force,off,no-passthrough", -1);
	assert_false(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_WARN, "bootargs", false, 0,
			      NULL));
	assert_int_equal(fx.bi.args.iommu, 0);
	assert_int_equal(fx.bi.args.iommu_hwdom, IOMMU_HWDOM_STRICT);
	assert_false(cmdline_iommu_params(&fx.bi.args).present);
	fx_free(&fx);
}

static void test_dom0less_variants(void **state)
{
	struct fixture fx;
	const struct layout_domain *d;

	plan_case(&fx, "dom0less", XEN_POLICY_LATEST, NULL, -1);
	d = dom(&fx, "big");
	assert_int_equal(d->mem.n, 2);
	assert_int_equal(d->mem.s[0].size, 0xc0000000);
	assert_int_equal(d->mem.s[1].start, 0x200000000);
	assert_int_equal(d->mem.s[1].size, 0x40000000);
	EXPECT(d, {0x240000000, 0xfdc0000000});
	EXPECT(dom(&fx, "nostore"), {0x80000000, 0x80000000}, {0x200000000, 0xfe00000000});
	assert_false(dom(&fx, "odd")->hypervisor_node);
	assert_true(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_WARN, "/chosen/odd", false,
			     0, "xen,enhanced"));
	d = dom(&fx, "arm32");
	assert_true(d->hypervisor_node);
	assert_int_equal(d->ext.nr, 0);
	assert_non_null(strstr(d->why_none, "32-bit"));
	fx_free(&fx);
}

/* IOMMU path: every reg (translated through ranges) and PCI window. */
static void test_iommu(void **state)
{
	struct fixture fx;
	const struct layout_domain *d0;

	plan_case(&fx, "iommu", XEN_POLICY_LATEST, NULL, -1);
	assert_true(fx.bi.iommu_present);
	d0 = dom(&fx, "dom0");
	assert_true(d0->iommu);
	assert_int_equal(d0->algo, LAYOUT_ALGO_IOMMU);
	EXPECT(d0, {0x0, 0x11000000}, {0x13200000, 0x2bc00000}, {0x70000000, 0x10000000},
	       {0x100000000, 0x780000000}, {0x900000000, 0x7700000000},
	       {0x9000000000, 0xf7000000000});
	fx_free(&fx);

	/* The same board with the IOMMU switched off uses host RAM instead. */
	plan_case(&fx, "iommu", XEN_POLICY_LATEST, NULL, 0);
	d0 = dom(&fx, "dom0");
	assert_int_equal(d0->algo, LAYOUT_ALGO_HOST);
	EXPECT(d0, {0x80400000, 0x1fc00000}, {0xc0000000, 0x40000000},
	       {0x880000000, 0x80000000});
	fx_free(&fx);
}

static void test_iommu_untranslatable(void **state)
{
	struct fixture fx;
	const struct layout_domain *d0;

	plan_case(&fx, "iommu-untranslatable", XEN_POLICY_LATEST, NULL, -1);
	assert_true(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_WARN,
			     "/bus@10000000/gic@2000000", true, 0x2000000, "translated"));
	d0 = dom(&fx, "dom0");
	assert_int_equal(d0->ext.nr, 0);
	assert_int_equal(d0->ext.status, -EINVAL);
	fx_free(&fx);
}

/* Facts 8.4: the gap bug on PCI windows. */
static void test_pci_417(void **state)
{
	struct fixture fx;
	const struct layout_domain *d0;
	unsigned int i;
	bool bug = false;

	plan_case(&fx, "pci-417", XEN_POLICY_LATEST, NULL, -1);
	EXPECT(dom(&fx, "dom0"), {0x0, 0x10000000}, {0x28000000, 0x8000000},
	       {0x30200000, 0xfe00000}, {0x50000000, 0x30000000},
	       {0x100000000, 0xfff00000000});
	fx_free(&fx);

	plan_case(&fx, "pci-417", XEN_POLICY_4_17, NULL, -1);
	d0 = dom(&fx, "dom0");
	/* The first range grew over the removed dev@10000000 up to the window. */
	EXPECT(d0, {0x0, 0x18000000}, {0x28000000, 0x8000000},
	       {0x30200000, 0xfe00000}, {0x50000000, 0x30000000},
	       {0x100000000, 0xfff00000000});
	for (i = 0; i < d0->ext.nr_note; i++)
		bug |= d0->ext.note[i].kind == EXT_NOTE_BUG417 &&
		       d0->ext.note[i].start == 0x18000000;
	assert_true(bug);
	fx_free(&fx);
}

/* Facts 8.5: zero-size reg splits a region in 4.17 only. */
static void test_zero_size(void **state)
{
	struct fixture fx;

	plan_case(&fx, "zero-size", XEN_POLICY_LATEST, NULL, -1);
	EXPECT(dom(&fx, "dom0"), {0x1200000, 0x7ee00000}, {0x100000000, 0xfff00000000});
	fx_free(&fx);
	plan_case(&fx, "zero-size", XEN_POLICY_4_17, NULL, -1);
	EXPECT(dom(&fx, "dom0"), {0x1200000, 0x4ee00000}, {0x50000000, 0x30000000},
	       {0x100000000, 0xfff00000000});
	fx_free(&fx);
}

/* Pitfall 10: a 1-cell root truncates Dom0's /hypervisor reg; we warn. */
static void test_cells1(void **state)
{
	struct fixture fx;
	const struct layout_domain *d0;
	struct guestdt_info gi;
	struct guestdt_report rep;
	static char buf[65536];

	plan_case(&fx, "cells1", XEN_POLICY_LATEST, NULL, 1);
	d0 = dom(&fx, "dom0");
	assert_int_equal(d0->addr_cells, 1);
	assert_int_equal(d0->size_cells, 1);
	assert_true(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_WARN, "/", false, 0,
			     "#address-cells = 1"));
	assert_true(has_diag(fx.plan.msg, fx.plan.nr_msg, BOOTINFO_WARN, "/", true,
			     0xfff01e00000, "loses its high bits"));
	layout_guestdt_info(&fx.plan, &fx.bi, 0, &gi);
	assert_true(guestdt_build(buf, sizeof(buf), &gi, &rep) > 0);
	assert_true(rep.truncated > 0);
	assert_int_equal(rep.first_truncated, 0xfff01e00000);
	fx_free(&fx);
}

static void test_memreserve(void **state)
{
	struct fixture fx;

	plan_case(&fx, "memreserve", XEN_POLICY_LATEST, NULL, -1);
	assert_int_equal(dom(&fx, "dom0")->mem.s[0].start, 0xc0000000);
	EXPECT(dom(&fx, "dom0"), {0x80400000, 0xfc00000}, {0xa8000000, 0x18000000},
	       {0xe0000000, 0x20000000});
	fx_free(&fx);
	plan_case(&fx, "memreserve", XEN_POLICY_4_17, NULL, -1);
	EXPECT(dom(&fx, "dom0"), {0x80400000, 0x1fc00000}, {0xa8000000, 0x18000000},
	       {0xe0000000, 0x20000000});
	fx_free(&fx);
}

static void test_static(void **state)
{
	struct fixture fx;
	const struct layout_domain *d;

	plan_case(&fx, "static", XEN_POLICY_LATEST, NULL, -1);
	/* Dom0 comes from the static heap. */
	d = dom(&fx, "dom0");
	assert_int_equal(d->mem.s[0].start, 0x1c0000000);
	EXPECT(d, {0x40400000, 0x3fc00000}, {0xa0000000, 0x20000000},
	       {0x1a0000000, 0x20000000}, {0x200000000, 0x40000000});
	d = dom(&fx, "direct");
	assert_true(d->direct_map);
	assert_int_equal(d->mem.s[0].start, 0x80000000);
	assert_int_equal(d->algo, LAYOUT_ALGO_HOST);
	EXPECT(d, {0x40000000, 0x40000000}, {0xa0000000, 0x20000000},
	       {0x1a0000000, 0x20000000}, {0x200000000, 0x40000000});
	d = dom(&fx, "packed");
	assert_int_equal(d->mem.n, 2);
	assert_int_equal(d->mem.s[0].size, 0xc0000000);
	assert_int_equal(d->mem.s[1].size, 0x20000000);
	EXPECT(d, {0x220000000, 0xfde0000000});
	fx_free(&fx);
}

static void test_shm(void **state)
{
	struct fixture fx;

	plan_case(&fx, "shm", XEN_POLICY_LATEST, NULL, -1);
	EXPECT(dom(&fx, "domU1"), {0x60000000, 0x30000000}, {0xa0000000, 0x60000000},
	       {0x200000000, 0xfe00000000});
	fx_free(&fx);
	plan_case(&fx, "shm", XEN_POLICY_4_17, NULL, -1);
	EXPECT(dom(&fx, "domU1"), {0x60000000, 0xa0000000}, {0x200000000, 0xfe00000000});
	fx_free(&fx);
}

static void test_xenreg(void **state)
{
	struct fixture fx;

	plan_case(&fx, "xenreg", XEN_POLICY_LATEST, NULL, -1);
	EXPECT(dom(&fx, "dm"), {0x50000000, 0x70000000}, {0xd0000000, 0x70000000});
	fx_free(&fx);
	/* Before 4.21 xen,reg is not taken away; 4.19 also sizes 2 MiB short. */
	plan_case(&fx, "xenreg", XEN_POLICY_4_19, NULL, -1);
	EXPECT(dom(&fx, "dm"), {0x50000000, 0xefe00000});
	fx_free(&fx);
	plan_case(&fx, "xenreg", XEN_POLICY_4_17, NULL, -1);
	EXPECT(dom(&fx, "dm"), {0x50000000, 0xf0000000});
	fx_free(&fx);
}

static void test_bad_inputs(void **state)
{
	struct fixture fx;

	plan_case(&fx, "bad-overlap", XEN_POLICY_LATEST, NULL, -1);
	assert_true(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_ERR, "/memory@60000000",
			     true, 0x60000000, "overlaps"));
	fx_free(&fx);

	plan_case(&fx, "bad-static", XEN_POLICY_LATEST, NULL, -1);
	assert_true(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_ERR, "/chosen/outside",
			     true, 0xf0000000, "not inside host RAM"));
	assert_true(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_ERR, "/chosen/nostatic",
			     false, 0, "direct-map"));
	assert_true(dom(&fx, "outside")->invalid);
	assert_int_equal(dom(&fx, "outside")->ext.nr, 0);
	fx_free(&fx);

	plan_case(&fx, "no-memory", XEN_POLICY_LATEST, NULL, -1);
	assert_true(has_diag(fx.bi.diag, fx.bi.nr_diag, BOOTINFO_ERR, "/", false, 0,
			     "no RAM"));
	assert_true(dom(&fx, "dom0")->invalid);
	fx_free(&fx);
}

static bool has_bug_note(const struct layout_domain *d)
{
	unsigned int i;

	for (i = 0; i < d->ext.nr_note; i++)
		if (d->ext.note[i].kind == EXT_NOTE_BUG417)
			return true;
	return false;
}

static const enum xen_policy refuse_overlap[] = {
	XEN_POLICY_4_18, XEN_POLICY_4_19_2, XEN_POLICY_4_19, XEN_POLICY_4_20_0,
	XEN_POLICY_4_20, XEN_POLICY_4_21, XEN_POLICY_LATEST,
};

/* The plan of a tree the release refuses: the reason, the pair, no domain. */
static void expect_no_boot(const struct fixture *fx, const char *why,
			   const char *a, const char *b)
{
	if (!fx->plan.no_boot.why)
		fail_msg("policy %s boots the tree", xen_policy_traits(fx->plan.policy)->name);
	assert_string_equal(fx->plan.no_boot.why, why);
	assert_string_equal(fx->plan.no_boot.a.label, a);
	assert_string_equal(fx->plan.no_boot.b.label, b);
	assert_int_equal(fx->plan.nr_dom, 0);
}

/*
 * Facts 8.9 on a real board's reserved-memory layout (SDM630, see the DTS):
 * Xen 4.17 removes /reserved-memory children in tree order. In the board's
 * order Dom0's first region is 82 MiB; the same children in address order
 * make the 4.17 removal bug hand Dom0 12 MiB of reserved memory (94 MiB).
 * 4.16 has the same rules. From 4.18 the tree does not boot at all: its
 * "removed region" overlaps qhee-code and the rest (facts 8b.4).
 */
static void test_reserved_order(void **state)
{
	static const enum xen_policy old[] = {XEN_POLICY_4_16, XEN_POLICY_4_17};
	static const char *const cases[] = {"sdm630-reserved", "sdm630-reserved-sorted"};
	struct fixture fx;
	const struct layout_domain *d0;
	unsigned int i, c;

	for (i = 0; i < 2; i++) {
		plan_case(&fx, "sdm630-reserved", old[i], NULL, -1);
		d0 = dom(&fx, "dom0");
		assert_int_equal(d0->mem.s[0].start, 0xa0000000);
		assert_int_equal(d0->gnttab.start, 0x80200000);
		EXPECT(d0, {0x80400000, 0x5200000}, {0x94c00000, 0xac00000},
		       {0xc0000000, 0x36800000}, {0xf7c00000, 0x7000000},
		       {0xffe00000, 0x40200000});
		assert_false(has_bug_note(d0));
		/* The scan order is kept: the board lists removed_region last. */
		assert_int_equal(fx.bi.reserved.n, 16); /* adsp-region has no reg */
		assert_string_equal(fx.bi.reserved.s[15].label,
				    "/reserved-memory/removed_region@85800000");
		assert_string_equal(fx.bi.reserved.s[0].label,
				    "/reserved-memory/wlan-msa-guard@85600000");
		assert_false(fx.plan.no_boot.why);
		fx_free(&fx);

		plan_case(&fx, "sdm630-reserved-sorted", old[i], NULL, -1);
		d0 = dom(&fx, "dom0");
		EXPECT(d0, {0x80400000, 0x5e00000}, {0x94c00000, 0xac00000},
		       {0xc0000000, 0x36800000}, {0xf7c00000, 0x7000000},
		       {0xffe00000, 0x40200000});
		assert_true(has_bug_note(d0));
		fx_free(&fx);
	}

	for (i = 0; i < ARRAY_SIZE(refuse_overlap); i++) {
		for (c = 0; c < 2; c++) {
			plan_case(&fx, cases[c], refuse_overlap[i], NULL, -1);
			expect_no_boot(&fx, "reserved_regions_overlap",
				       "/reserved-memory/qhee-code@85800000",
				       "/reserved-memory/removed_region@85800000");
			assert_non_null(strstr(fx.plan.no_boot.message,
					       "Early FDT parsing failed"));
			assert_int_equal(fx.plan.no_boot.b.size, 0x3700000);
			fx_free(&fx);
		}
	}
}

/*
 * Facts 8.10: overlapping RAM banks stop Xen 4.17 at boot. The SDM630 tree
 * with its own node names has /reserved-memory children named memory@...,
 * which 4.17 takes as RAM inside /memory; a plain pair of overlapping
 * /memory nodes does the same. The plan says why and holds no domain. 4.16
 * finds RAM the same way; from 4.18 the overlapping reserved children stop
 * the boot first (8b.4).
 */
static void test_ram_overlap(void **state)
{
	static const enum xen_policy by_name[] = {XEN_POLICY_4_16, XEN_POLICY_4_17,
						  XEN_POLICY_4_18, XEN_POLICY_4_19_2,
						  XEN_POLICY_4_19};
	static const enum xen_policy by_type[] = {XEN_POLICY_4_20_0, XEN_POLICY_4_20,
						  XEN_POLICY_4_21, XEN_POLICY_LATEST};
	struct fixture fx;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		plan_case(&fx, "sdm630-ram-overlap", by_name[i], NULL, -1);
		assert_int_equal(fx.bi.ram.n, 3);
		expect_no_boot(&fx, "ram_banks_overlap", "/memory@80000000",
			       "/reserved-memory/memory@85e00000");
		assert_int_equal(fx.plan.no_boot.b.start, 0x85e00000);
		assert_int_equal(fx.plan.no_boot.b.size, 0x200000);
		assert_non_null(strstr(fx.plan.no_boot.message, "would not boot"));
		assert_non_null(strstr(fx.plan.no_boot.message, "direct map"));
		assert_non_null(strstr(fx.plan.no_boot.message,
				       "/reserved-memory children too"));
		fx_free(&fx);
	}
	for (i = 0; i < ARRAY_SIZE(refuse_overlap); i++) {
		plan_case(&fx, "sdm630-ram-overlap", refuse_overlap[i], NULL, -1);
		expect_no_boot(&fx, "reserved_regions_overlap",
			       "/reserved-memory/qhee-code@85800000",
			       "/reserved-memory/removed_region@85800000");
		fx_free(&fx);
	}

	/* Two overlapping /memory nodes: every release that finds RAM by name. */
	for (i = 0; i < ARRAY_SIZE(by_name); i++) {
		plan_case(&fx, "bad-overlap", by_name[i], NULL, -1);
		expect_no_boot(&fx, "ram_banks_overlap", "/memory@40000000",
			       "/memory@60000000");
		assert_null(strstr(fx.plan.no_boot.message, "/reserved-memory children"));
		fx_free(&fx);
	}
	/* Later releases: reported as an error, planned on. */
	for (i = 0; i < ARRAY_SIZE(by_type); i++) {
		plan_case(&fx, "bad-overlap", by_type[i], NULL, -1);
		assert_null(fx.plan.no_boot.why);
		assert_true(fx.plan.nr_dom > 0);
		fx_free(&fx);
	}

	/* Banks that only touch are fine. */
	plan_case(&fx, "qemu-virt", XEN_POLICY_4_17, NULL, -1);
	assert_null(fx.plan.no_boot.why);
	fx_free(&fx);
}

/*
 * Every rule of facts sections 8 and 8b, release by release: one row per
 * host tree, domain and group of releases that give the same result, the
 * regions (or the refusal) written from the facts. Each (tree, domain) must
 * be covered by every policy exactly once. Rules that do not change between
 * releases (8.3 untranslatable reg, 8.7 reg cells) are rows for all.
 */
#define ALL_POLICIES "4.16 4.17 4.18 4.19.2 4.19 4.20.0 4.20 4.21 latest"
#define SHORT_2M "4.18 4.19.2 4.19 4.20.0 4.20"

struct rel_row {
	const char *rule;      /* facts items */
	const char *tree;
	int iommu;
	const char *dom;
	const char *policies;  /* --xen names, space-separated */
	const char *no_boot;   /* NULL: the release boots the tree */
	unsigned int nr;
	struct reg r[6];
};

static const struct rel_row rel_rows[] = {
	/* 8.8 calibration; 8b.1: every Dom0 region 2 MiB short in 4.18-4.20. */
	{"8.8 8b.1", "qemu-virt", -1, "dom0", "4.16 4.17 4.21 latest", NULL, 2,
	 {{0x40400000, 0x1fc00000}, {0x80000000, 0xc0000000}}},
	{"8.8 8b.1", "qemu-virt", -1, "dom0", SHORT_2M, NULL, 2,
	 {{0x40400000, 0x1fa00000}, {0x80000000, 0xbfe00000}}},
	/* 8.6, 8b.7: DomU holes written directly, identical in 4.17-4.20;
	 * 4.16 gives regions to Dom0 only (facts 1.7). */
	{"8.6 8b.7", "qemu-virt", -1, "domU1", "4.17 4.18 4.19.2 4.19 4.20.0 4.20 4.21 latest",
	 NULL, 2, {{0x60000000, 0xa0000000}, {0x200000000, 0xfe00000000}}},
	{"1.7", "qemu-virt", -1, "domU1", "4.16", NULL, 0, {{0, 0}}},
	/* 8.6 with static shared memory: not excluded before 4.19; 4.19 and
	 * 4.20 rebuild the list through the shared post-processing (facts
	 * 1.6), so 2 MiB short; 4.21 full. Dom0's shm host bank is reserved
	 * memory before 4.19 and its own exclusion after: the same set. */
	{"8.6 1.6", "shm", -1, "domU1", "4.17 4.18", NULL, 2,
	 {{0x60000000, 0xa0000000}, {0x200000000, 0xfe00000000}}},
	{"1.6 8b.1", "shm", -1, "domU1", "4.19.2 4.19 4.20.0 4.20", NULL, 3,
	 {{0x60000000, 0x2fe00000}, {0xa0000000, 0x5fe00000}, {0x200000000, 0xfdffe00000}}},
	{"1.6", "shm", -1, "domU1", "4.21 latest", NULL, 3,
	 {{0x60000000, 0x30000000}, {0xa0000000, 0x60000000}, {0x200000000, 0xfe00000000}}},
	{"1.7", "shm", -1, "domU1", "4.16", NULL, 0, {{0, 0}}},
	{"8.2 1.3", "shm", -1, "dom0", "4.16 4.17 4.21 latest", NULL, 3,
	 {{0x40400000, 0x1fc00000}, {0x80000000, 0xa0000000}, {0x130000000, 0x10000000}}},
	{"8.2 1.3 8b.1", "shm", -1, "dom0", SHORT_2M, NULL, 3,
	 {{0x40400000, 0x1fa00000}, {0x80000000, 0x9fe00000}, {0x130000000, 0xfe00000}}},
	/* 8.2, 8b.2: /memreserve/ (0x90000000 +256 MiB) excluded from 4.19. */
	{"8.2", "memreserve", -1, "dom0", "4.16 4.17", NULL, 3,
	 {{0x80400000, 0x1fc00000}, {0xa8000000, 0x18000000}, {0xe0000000, 0x20000000}}},
	{"8.2 8b.1", "memreserve", -1, "dom0", "4.18", NULL, 3,
	 {{0x80400000, 0x1fa00000}, {0xa8000000, 0x17e00000}, {0xe0000000, 0x1fe00000}}},
	{"8b.2 8b.1", "memreserve", -1, "dom0", "4.19.2 4.19 4.20.0 4.20", NULL, 3,
	 {{0x80400000, 0xfa00000}, {0xa8000000, 0x17e00000}, {0xe0000000, 0x1fe00000}}},
	{"8b.2", "memreserve", -1, "dom0", "4.21 latest", NULL, 3,
	 {{0x80400000, 0xfc00000}, {0xa8000000, 0x18000000}, {0xe0000000, 0x20000000}}},
	/* /memreserve/ over a reserved child: refused by 4.19 only (1.3
	 * history); 4.20.0 removes the child after the entry that overlaps it
	 * and its removal bug (8.4) gives back 0x9c000000-0x9fffffff. */
	{"8.2", "memreserve-overlap", -1, "dom0", "4.16 4.17", NULL, 3,
	 {{0x80400000, 0x1fc00000}, {0xa8000000, 0x18000000}, {0xe0000000, 0x20000000}}},
	{"8.2 8b.1", "memreserve-overlap", -1, "dom0", "4.18", NULL, 3,
	 {{0x80400000, 0x1fa00000}, {0xa8000000, 0x17e00000}, {0xe0000000, 0x1fe00000}}},
	{"1.3 8b.4", "memreserve-overlap", -1, "dom0", "4.19.2 4.19",
	 "reserved_regions_overlap", 0, {{0, 0}}},
	{"8.4 8b.1", "memreserve-overlap", -1, "dom0", "4.20.0", NULL, 3,
	 {{0x80400000, 0x1fa00000}, {0xa8000000, 0x17e00000}, {0xe0000000, 0x1fe00000}}},
	{"8b.2 8b.3 8b.1", "memreserve-overlap", -1, "dom0", "4.20", NULL, 3,
	 {{0x80400000, 0x1ba00000}, {0xa8000000, 0x17e00000}, {0xe0000000, 0x1fe00000}}},
	{"8b.2", "memreserve-overlap", -1, "dom0", "4.21 latest", NULL, 3,
	 {{0x80400000, 0x1bc00000}, {0xa8000000, 0x18000000}, {0xe0000000, 0x20000000}}},
	/* 8.3, 8.4, 8b.3: the IOMMU path over PCI windows; the removal bug
	 * grows the first range over dev@10000000 until 4.19.3 / 4.20.1. */
	{"8.4", "pci-417", -1, "dom0", "4.16 4.17", NULL, 5,
	 {{0x0, 0x18000000}, {0x28000000, 0x8000000}, {0x30200000, 0xfe00000},
	  {0x50000000, 0x30000000}, {0x100000000, 0xfff00000000}}},
	{"8.4 8b.1", "pci-417", -1, "dom0", "4.18 4.19.2 4.20.0", NULL, 5,
	 {{0x0, 0x17e00000}, {0x28000000, 0x7e00000}, {0x30200000, 0xfc00000},
	  {0x50000000, 0x2fe00000}, {0x100000000, 0xffeffe00000}}},
	{"8b.3 8b.1", "pci-417", -1, "dom0", "4.19 4.20", NULL, 5,
	 {{0x0, 0xfe00000}, {0x28000000, 0x7e00000}, {0x30200000, 0xfc00000},
	  {0x50000000, 0x2fe00000}, {0x100000000, 0xffeffe00000}}},
	{"8b.3", "pci-417", -1, "dom0", "4.21 latest", NULL, 5,
	 {{0x0, 0x10000000}, {0x28000000, 0x8000000}, {0x30200000, 0xfe00000},
	  {0x50000000, 0x30000000}, {0x100000000, 0xfff00000000}}},
	/* 8.5: a zero-size reg splits a region while the removal is unfixed. */
	{"8.5", "zero-size", -1, "dom0", "4.16 4.17", NULL, 3,
	 {{0x1200000, 0x4ee00000}, {0x50000000, 0x30000000}, {0x100000000, 0xfff00000000}}},
	{"8.5 8b.1", "zero-size", -1, "dom0", "4.18 4.19.2 4.20.0", NULL, 3,
	 {{0x1200000, 0x4ec00000}, {0x50000000, 0x2fe00000}, {0x100000000, 0xffeffe00000}}},
	{"8b.3 8b.1", "zero-size", -1, "dom0", "4.19 4.20", NULL, 2,
	 {{0x1200000, 0x7ec00000}, {0x100000000, 0xffeffe00000}}},
	{"8b.3", "zero-size", -1, "dom0", "4.21 latest", NULL, 2,
	 {{0x1200000, 0x7ee00000}, {0x100000000, 0xfff00000000}}},
	/* 8.3: one untranslatable reg, no regions at all, in every release. */
	{"8.3", "iommu-untranslatable", -1, "dom0", ALL_POLICIES, NULL, 0, {{0, 0}}},
	/* 8.7: 1/1-cell root; the values (and the truncation warning) alike. */
	{"8.7", "cells1", 1, "dom0", "4.16 4.17 4.21 latest", NULL, 2,
	 {{0x3b400000, 0xc2c00000}, {0xfe200000, 0xfff01e00000}}},
	{"8.7 8b.1", "cells1", 1, "dom0", SHORT_2M, NULL, 2,
	 {{0x3b400000, 0xc2a00000}, {0xfe200000, 0xfff01c00000}}},
	/* 8.9: SDM630 reserved-memory order; 8b.4: refused from 4.18. */
	{"8.9", "sdm630-reserved", -1, "dom0", "4.16 4.17", NULL, 5,
	 {{0x80400000, 0x5200000}, {0x94c00000, 0xac00000}, {0xc0000000, 0x36800000},
	  {0xf7c00000, 0x7000000}, {0xffe00000, 0x40200000}}},
	{"8b.4", "sdm630-reserved", -1, "dom0", "4.18 4.19.2 4.19 4.20.0 4.20 4.21 latest",
	 "reserved_regions_overlap", 0, {{0, 0}}},
	{"8.9", "sdm630-reserved-sorted", -1, "dom0", "4.16 4.17", NULL, 5,
	 {{0x80400000, 0x5e00000}, {0x94c00000, 0xac00000}, {0xc0000000, 0x36800000},
	  {0xf7c00000, 0x7000000}, {0xffe00000, 0x40200000}}},
	{"8b.4", "sdm630-reserved-sorted", -1, "dom0",
	 "4.18 4.19.2 4.19 4.20.0 4.20 4.21 latest", "reserved_regions_overlap", 0, {{0, 0}}},
	/* 8.10: the board's memory@ children are RAM; 8b.4 comes first. */
	{"8.10", "sdm630-ram-overlap", -1, "dom0", "4.16 4.17", "ram_banks_overlap", 0,
	 {{0, 0}}},
	{"8b.4", "sdm630-ram-overlap", -1, "dom0",
	 "4.18 4.19.2 4.19 4.20.0 4.20 4.21 latest", "reserved_regions_overlap", 0, {{0, 0}}},
	/* 8.1, 8b.5: RAM by name until 4.19, depth-1 device_type from 4.20. */
	{"8.1 8.10", "sdm630-memory-child", -1, "dom0", "4.16 4.17 4.18 4.19.2 4.19",
	 "ram_banks_overlap", 0, {{0, 0}}},
	{"8b.5 8b.1", "sdm630-memory-child", -1, "dom0", "4.20.0 4.20", NULL, 5,
	 {{0x80400000, 0x5000000}, {0x94c00000, 0xaa00000}, {0xc0000000, 0x36600000},
	  {0xf7c00000, 0x7000000}, {0xffe00000, 0x40000000}}},
	{"8b.5", "sdm630-memory-child", -1, "dom0", "4.21 latest", NULL, 5,
	 {{0x80400000, 0x5200000}, {0x94c00000, 0xac00000}, {0xc0000000, 0x36800000},
	  {0xf7c00000, 0x7000000}, {0xffe00000, 0x40200000}}},
	/* 8b.4: Dom0's kernel inside reserved memory is dropped from 4.18. */
	{"8.2", "module-in-reserved", -1, "dom0", "4.16 4.17", NULL, 3,
	 {{0x40400000, 0x7c00000}, {0x4c000000, 0x14000000}, {0x80000000, 0xc0000000}}},
	{"8b.4", "module-in-reserved", -1, "dom0",
	 "4.18 4.19.2 4.19 4.20.0 4.20 4.21 latest", "dom0_kernel_in_reserved", 0, {{0, 0}}},
};

static void check_rel_row(const struct rel_row *row, enum xen_policy pol)
{
	struct fixture fx;
	const char *name = xen_policy_traits(pol)->name;

	plan_case(&fx, row->tree, pol, NULL, row->iommu);
	if (row->no_boot) {
		if (!fx.plan.no_boot.why || strcmp(fx.plan.no_boot.why, row->no_boot))
			fail_msg("%s --xen %s (facts %s): verdict %s, want %s", row->tree, name,
				 row->rule, fx.plan.no_boot.why ? fx.plan.no_boot.why : "boots",
				 row->no_boot);
		assert_int_equal(fx.plan.nr_dom, 0);
		assert_non_null(strstr(fx.plan.no_boot.message, name));
	} else {
		const struct layout_domain *d;

		if (fx.plan.no_boot.why)
			fail_msg("%s --xen %s (facts %s): refused (%s)", row->tree, name,
				 row->rule, fx.plan.no_boot.why);
		d = dom(&fx, row->dom);
		if (d->ext.nr != row->nr)
			fail_msg("%s --xen %s (facts %s): %u regions, want %u", row->tree,
				 name, row->rule, d->ext.nr, row->nr);
		expect_regions(d, row->r, row->nr);
		/* The /hypervisor reg encoding does not change (8.7). */
		if (!strcmp(row->tree, "cells1"))
			assert_true(has_diag(fx.plan.msg, fx.plan.nr_msg, BOOTINFO_WARN, "/",
					     true, d->ext.region[1].size, "loses its high bits"));
	}
	fx_free(&fx);
}

static void test_releases(void **state)
{
	unsigned int i, k, p;

	for (i = 0; i < ARRAY_SIZE(rel_rows); i++) {
		char names[128], *tok, *save;

		snprintf(names, sizeof(names), "%s", rel_rows[i].policies);
		for (tok = strtok_r(names, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			enum xen_policy pol;

			assert_int_equal(xen_policy_parse(tok, &pol), 0);
			check_rel_row(&rel_rows[i], pol);
		}
	}
	/* Every (tree, domain) has a row for every policy, exactly one. */
	for (i = 0; i < ARRAY_SIZE(rel_rows); i++) {
		for (p = 0; p < XEN_POLICY__COUNT; p++) {
			const char *name = xen_policy_traits(xen_policy_all[p])->name;
			unsigned int hits = 0;

			for (k = 0; k < ARRAY_SIZE(rel_rows); k++) {
				char names[128], *tok, *save;

				if (strcmp(rel_rows[k].tree, rel_rows[i].tree) ||
				    strcmp(rel_rows[k].dom, rel_rows[i].dom))
					continue;
				snprintf(names, sizeof(names), "%s", rel_rows[k].policies);
				for (tok = strtok_r(names, " ", &save); tok;
				     tok = strtok_r(NULL, " ", &save))
					hits += !strcmp(tok, name);
			}
			if (hits != 1)
				fail_msg("%s %s: %u rows for --xen %s", rel_rows[i].tree,
					 rel_rows[i].dom, hits, name);
		}
	}
}

/* NR_MEM_BANKS (facts 1.1): 4.16 keeps 128 RAM banks, later releases 256. */
static void test_ram_bank_cap(void **state)
{
	static char buf[65536];
	unsigned int i, p;
	fdt32_t reg[4];
	char name[32];

	assert_int_equal(fdt_create(buf, sizeof(buf)), 0);
	assert_int_equal(fdt_finish_reservemap(buf), 0);
	assert_int_equal(fdt_begin_node(buf, ""), 0);
	assert_int_equal(fdt_property_u32(buf, "#address-cells", 2), 0);
	assert_int_equal(fdt_property_u32(buf, "#size-cells", 2), 0);
	for (i = 0; i < 130; i++) {
		uint64_t a = 0x40000000ULL + (uint64_t)i * MiB(128);

		snprintf(name, sizeof(name), "memory@%" PRIx64, a);
		reg[0] = cpu_to_fdt32((uint32_t)(a >> 32));
		reg[1] = cpu_to_fdt32((uint32_t)a);
		reg[2] = cpu_to_fdt32(0);
		reg[3] = cpu_to_fdt32(MiB(64));
		assert_int_equal(fdt_begin_node(buf, name), 0);
		assert_int_equal(fdt_property_string(buf, "device_type", "memory"), 0);
		assert_int_equal(fdt_property(buf, "reg", reg, sizeof(reg)), 0);
		assert_int_equal(fdt_end_node(buf), 0);
	}
	assert_int_equal(fdt_end_node(buf), 0);
	assert_int_equal(fdt_finish(buf), 0);

	for (p = 0; p < XEN_POLICY__COUNT; p++) {
		struct bootinfo_opts bo = {.policy = xen_policy_all[p]};
		struct bootinfo bi;
		bool cap = xen_policy_all[p] == XEN_POLICY_4_16;

		assert_int_equal(bootinfo_parse(&bi, buf, fdt_totalsize(buf), &bo), 0);
		assert_int_equal(bi.ram.n, cap ? 128 : 130);
		assert_int_equal(has_diag(bi.diag, bi.nr_diag, BOOTINFO_WARN, NULL, false, 0,
					  "more than 128 RAM banks"), cap);
		bootinfo_free(&bi);
	}
}

/* Guest DT of the 8.8 DomU: /hypervisor compatible, reg and interrupts. */
static void test_guest_dt(void **state)
{
	struct fixture fx;
	struct guestdt_info gi;
	static char buf[65536];
	const fdt32_t *reg, *irq;
	const char *compat;
	int n, node, len;

	plan_case(&fx, "qemu-virt", XEN_POLICY_LATEST, NULL, -1);
	layout_guestdt_info(&fx.plan, &fx.bi, 1, &gi); /* domU1 */
	n = guestdt_build(buf, sizeof(buf), &gi, NULL);
	assert_true(n > 0);
	assert_int_equal(fdt_check_full(buf, (size_t)n), 0);
	node = fdt_path_offset(buf, "/hypervisor");
	assert_true(node >= 0);
	compat = fdt_getprop(buf, node, "compatible", &len);
	assert_int_equal(len, (int)sizeof("xen,xen-4.22") + (int)sizeof("xen,xen"));
	assert_string_equal(compat, "xen,xen-4.22");
	assert_string_equal(compat + sizeof("xen,xen-4.22"), "xen,xen");
	reg = fdt_getprop(buf, node, "reg", &len);
	assert_int_equal(len, 3 * 4 * 4); /* 3 entries of 2+2 cells */
	assert_int_equal(fdt32_to_cpu(reg[1]), 0x38000000);
	assert_int_equal(fdt32_to_cpu(reg[3]), 0x01000000);
	assert_int_equal(fdt32_to_cpu(reg[5]), 0x60000000);
	assert_int_equal(fdt32_to_cpu(reg[8]), 0x2);
	assert_int_equal(fdt32_to_cpu(reg[10]), 0xfe);
	irq = fdt_getprop(buf, node, "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(irq[0]), 1);
	assert_int_equal(fdt32_to_cpu(irq[1]), 15);
	assert_int_equal(fdt32_to_cpu(irq[2]), 0xf08);
	node = fdt_path_offset(buf, "/chosen");
	assert_non_null(fdt_getprop(buf, node, "memvisor,file", &len));

	/* domU2 (no xen,enhanced) gets no /hypervisor node. */
	layout_guestdt_info(&fx.plan, &fx.bi, 2, &gi);
	n = guestdt_build(buf, sizeof(buf), &gi, NULL);
	assert_true(n > 0);
	assert_true(fdt_path_offset(buf, "/hypervisor") < 0);
	assert_int_equal(guestdt_build(buf, 64, &gi, NULL), -ENOSPC);
	fx_free(&fx);
}

/* Truncated and corrupted blobs: diagnostics, never a crash. */
static void test_corrupt(void **state)
{
	static const char *const cases[] = {"qemu-virt", "iommu", "static", "shm"};
	struct bootinfo_opts bo = {.policy = XEN_POLICY_LATEST};
	struct layout_opts lo = {.policy = XEN_POLICY_LATEST, .iommu = -1};
	unsigned int c, off;

	for (c = 0; c < 4; c++) {
		size_t len;
		unsigned char *blob = load_file(cases[c], &len);
		unsigned char *copy = malloc(len);
		struct bootinfo bi;
		struct layout_plan plan;

		for (off = 0; off < len; off += 3) {
			/* Truncated. */
			assert_int_equal(bootinfo_parse(&bi, blob, off, &bo), -EINVAL);
			assert_true(bi.nr_diag > 0);
			bootinfo_free(&bi);
			/* One byte flipped. */
			memcpy(copy, blob, len);
			copy[off] ^= 0xa5;
			if (!bootinfo_parse(&bi, copy, len, &bo)) {
				if (!layout_plan(&bi, &lo, &plan))
					layout_free(&plan);
				else
					layout_free(&plan);
			}
			bootinfo_free(&bi);
		}
		free(copy);
		free(blob);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_virt),
		cmocka_unit_test(test_ext_regions_off),
		cmocka_unit_test(test_iommu_bootargs),
		cmocka_unit_test(test_dom0less_variants),
		cmocka_unit_test(test_iommu),
		cmocka_unit_test(test_iommu_untranslatable),
		cmocka_unit_test(test_pci_417),
		cmocka_unit_test(test_zero_size),
		cmocka_unit_test(test_cells1),
		cmocka_unit_test(test_memreserve),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_shm),
		cmocka_unit_test(test_xenreg),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_reserved_order),
		cmocka_unit_test(test_ram_overlap),
		cmocka_unit_test(test_releases),
		cmocka_unit_test(test_ram_bank_cap),
		cmocka_unit_test(test_guest_dt),
		cmocka_unit_test(test_corrupt),
	};

	if (argc > 1)
		dtb_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
