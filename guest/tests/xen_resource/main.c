/*
 * The unused-space resource built from extended regions: span, gaps marked
 * unavailable, rejection of overlapping or descending lists (no resource
 * at all), section-aligned allocation that never lands in a gap, and the
 * same from device trees (this domain's, and synthetic ones with 1-cell
 * and 2-cell roots).
 */
#include <libfdt.h>

#include <public/errno.h>
#include <rt/dt.h>
#include <rt/mm.h>
#include <rt/test.h>
#include <xen/resource.h>

/* Two strings in one property, as Xen writes it. */
static const char xen_compat[] = "xen,xen-4.17\0xen,xen";

const char test_title[] = "xen: extended-region resource";

#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

static struct xres res; /* large: keep it off the stack */

static void own_dt(void)
{
	int rc = xres_init_from_dt(&res, rt_dt());

	xres_print(&res);
	rt_check(rc == 0, "resource from this domain's DT: %d", rc);
	/* The driver's layout: one region from the end of RAM0 to 4 GiB. */
	rt_check(res.valid && res.start == 0x44000000ULL && res.end == GiB(4),
		 "span [%#lx, %#lx)", (unsigned long)res.start, (unsigned long)res.end);
	rt_check(res.nr_children == 0, "%u children for one region", res.nr_children);
	rt_check(!xres_in_region(&res, 0x38000000ULL, MiB(16)),
		 "region 0 (grant table) is part of the resource");
}

static void gaps(void)
{
	const struct rt_range r[] = {
		{GiB(1), MiB(128)},		/* [1G, 1G+128M) */
		{GiB(1) + MiB(128), MiB(64)},	/* contiguous: no gap */
		{GiB(2), MiB(256)},		/* gap [1G+192M, 2G) */
		{GiB(8), GiB(1)},		/* gap [2G+256M, 8G) */
	};
	int rc = xres_init(&res, r, RT_ARRAY_SIZE(r));

	xres_print(&res);
	rt_check(rc == 0 && res.valid, "ascending regions rejected: %d", rc);
	rt_check(res.start == GiB(1) && res.end == GiB(9), "span [%#lx, %#lx)",
		 (unsigned long)res.start, (unsigned long)res.end);
	rt_check(res.nr_children == 2, "%u gaps, expected 2", res.nr_children);
	if (res.nr_children == 2) {
		rt_check(res.child[0].kind == XRES_UNAVAILABLE &&
				 res.child[0].start == GiB(1) + MiB(192) && res.child[0].end == GiB(2),
			 "first gap [%#lx, %#lx)", (unsigned long)res.child[0].start,
			 (unsigned long)res.child[0].end);
		rt_check(res.child[1].start == GiB(2) + MiB(256) && res.child[1].end == GiB(8),
			 "second gap [%#lx, %#lx)", (unsigned long)res.child[1].start,
			 (unsigned long)res.child[1].end);
	}
	rt_check(xres_free_bytes(&res) == MiB(128 + 64 + 256) + GiB(1), "free bytes %#lx",
		 (unsigned long)xres_free_bytes(&res));
	rt_check(xres_in_region(&res, GiB(1) + MiB(100), MiB(60)),
		 "a range across two contiguous regions is not usable");
	rt_check(!xres_in_region(&res, GiB(2) - MiB(2), MiB(4)), "a range over a gap is usable");
}

static void alloc(void)
{
	const struct rt_range r[] = {
		{GiB(1) + MiB(64), MiB(192)}, /* holds one aligned 128 MiB: [1G+128M, 1G+256M) */
		{GiB(2), MiB(96)},	       /* holds no aligned 128 MiB */
		{GiB(3), MiB(256)},	       /* two */
	};
	uint64_t a[4];
	int rc;

	rc = xres_init(&res, r, RT_ARRAY_SIZE(r));
	rt_check(rc == 0, "init: %d", rc);
	for (int i = 0; i < 3; i++) {
		rc = xres_alloc(&res, MiB(128), MiB(128), &a[i]);
		rt_check(rc == 0, "allocation %d of 128 MiB: %d", i, rc);
		if (rc)
			return;
		rt_check(!(a[i] & (MiB(128) - 1)), "allocation %d at %#lx not aligned", i,
			 (unsigned long)a[i]);
		rt_check(xres_in_region(&res, a[i], MiB(128)), "allocation %d at %#lx is in a gap",
			 i, (unsigned long)a[i]);
	}
	rt_check(a[0] == GiB(1) + MiB(128) && a[1] == GiB(3) && a[2] == GiB(3) + MiB(128),
		 "allocations at %#lx %#lx %#lx", (unsigned long)a[0], (unsigned long)a[1],
		 (unsigned long)a[2]);
	rc = xres_alloc(&res, MiB(128), MiB(128), &a[3]);
	rt_check(rc == -XEN_EBUSY, "fourth 128 MiB: %d, expected -EBUSY", rc);
	/* Smaller pieces still fit in what is left, outside the gaps. */
	rc = xres_alloc(&res, MiB(64), MiB(2), &a[3]);
	rt_check(rc == 0 && a[3] == GiB(1) + MiB(64), "64 MiB piece: %d at %#lx", rc,
		 (unsigned long)a[3]);
	rc = xres_alloc(&res, MiB(96), MiB(2), &a[3]);
	rt_check(rc == 0 && a[3] == GiB(2), "96 MiB piece: %d at %#lx", rc, (unsigned long)a[3]);
	rt_check(xres_free_bytes(&res) == 0, "%#lx bytes left", (unsigned long)xres_free_bytes(&res));
	rt_check(xres_release(&res, GiB(2)) == 0 && xres_free_bytes(&res) == MiB(96),
		 "release did not give back 96 MiB");
	rt_check(xres_release(&res, GiB(2)) == -XEN_ENOENT, "double release accepted");
}

static void reject(void)
{
	const struct rt_range overlap[] = {{GiB(1), MiB(256)}, {GiB(1) + MiB(128), MiB(256)}};
	const struct rt_range descend[] = {{GiB(4), MiB(256)}, {GiB(1), MiB(256)}};
	const struct rt_range touch[] = {{GiB(1), MiB(256)}, {GiB(1) + MiB(256), MiB(256)}};
	const struct rt_range empty[] = {{GiB(1), 0}};
	const struct rt_range wrap[] = {{UINT64_MAX - MiB(1) + 1, MiB(2)}};
	uint64_t a;
	int rc;

	rc = xres_init(&res, overlap, 2);
	rt_check(rc == -XEN_EINVAL && !res.valid, "overlap: %d", rc);
	rt_check(xres_alloc(&res, RT_PAGE_SIZE, RT_PAGE_SIZE, &a) == -XEN_EINVAL,
		 "allocation from a rejected resource");
	rc = xres_init(&res, descend, 2);
	rt_check(rc == -XEN_EINVAL && !res.valid, "descending: %d", rc);
	rc = xres_init(&res, touch, 2);
	rt_check(rc == 0 && res.valid && res.nr_children == 0, "touching regions: %d", rc);
	rc = xres_init(&res, touch, 0);
	rt_check(rc == -XEN_EINVAL && !res.valid, "no regions: %d", rc);
	rc = xres_init(&res, empty, 1);
	rt_check(rc == -XEN_EINVAL, "empty region: %d", rc);
	rc = xres_init(&res, wrap, 1);
	rt_check(rc == -XEN_EINVAL, "wrapping region: %d", rc);
}

/* A tree with /hypervisor reg = cells-encoded (base, size) pairs. */
static void *make_dt(unsigned int cells, const uint64_t *pairs, unsigned int n, bool with_node)
{
	void *fdt = rt_alloc_pages(1);
	fdt32_t reg[64];
	unsigned int pos = 0;
	int rc;

	if (!fdt)
		return NULL;
	for (unsigned int i = 0; i < 2 * n; i++) {
		if (cells == 2)
			reg[pos++] = cpu_to_fdt32((uint32_t)(pairs[i] >> 32));
		reg[pos++] = cpu_to_fdt32((uint32_t)pairs[i]);
	}
	rc = fdt_create(fdt, RT_PAGE_SIZE);
	rc = rc ?: fdt_finish_reservemap(fdt);
	rc = rc ?: fdt_begin_node(fdt, "");
	rc = rc ?: fdt_property_u32(fdt, "#address-cells", cells);
	rc = rc ?: fdt_property_u32(fdt, "#size-cells", cells);
	if (with_node) {
		rc = rc ?: fdt_begin_node(fdt, "hypervisor");
		rc = rc ?: fdt_property(fdt, "compatible", xen_compat, (int)sizeof(xen_compat));
		if (n)
			rc = rc ?: fdt_property(fdt, "reg", reg, (int)(pos * 4));
		rc = rc ?: fdt_end_node(fdt);
	}
	rc = rc ?: fdt_end_node(fdt);
	rc = rc ?: fdt_finish(fdt);
	if (rc) {
		rt_test_error("cannot build a test device tree: %s", fdt_strerror(rc));
		return NULL;
	}
	return fdt;
}

static void from_dt(void)
{
	const uint64_t good2[] = {0x38000000, MiB(16), GiB(5), GiB(1), GiB(8), GiB(2)};
	const uint64_t good1[] = {0x38000000, MiB(16), GiB(2), MiB(512), GiB(3), MiB(256)};
	const uint64_t desc[] = {0x38000000, MiB(16), GiB(8), GiB(1), GiB(5), GiB(1)};
	const uint64_t only0[] = {0x38000000, MiB(16)};
	void *fdt;
	int rc;

	fdt = make_dt(2, good2, 3, true);
	if (!fdt)
		return;
	rc = xres_init_from_dt(&res, fdt);
	rt_check(rc == 0 && res.start == GiB(5) && res.end == GiB(10) && res.nr_children == 1 &&
			 res.child[0].start == GiB(6) && res.child[0].end == GiB(8),
		 "2-cell tree: %d span [%#lx, %#lx)", rc, (unsigned long)res.start,
		 (unsigned long)res.end);

	fdt = make_dt(1, good1, 3, true);
	if (!fdt)
		return;
	rc = xres_init_from_dt(&res, fdt);
	rt_check(rc == 0 && res.start == GiB(2) && res.end == GiB(3) + MiB(256) &&
			 res.nr_children == 1,
		 "1-cell tree: %d span [%#lx, %#lx)", rc, (unsigned long)res.start,
		 (unsigned long)res.end);

	fdt = make_dt(2, desc, 3, true);
	if (!fdt)
		return;
	rc = xres_init_from_dt(&res, fdt);
	rt_check(rc == -XEN_EINVAL && !res.valid, "descending tree: %d", rc);

	fdt = make_dt(2, only0, 1, true);
	if (!fdt)
		return;
	rc = xres_init_from_dt(&res, fdt);
	rt_check(rc == -XEN_EINVAL && !res.valid, "region 0 only: %d", rc);

	fdt = make_dt(2, only0, 0, false);
	if (!fdt)
		return;
	rc = xres_init_from_dt(&res, fdt);
	rt_check(rc == -XEN_ENODEV && !res.valid, "no hypervisor node: %d", rc);
}

void test_main(void)
{
	own_dt();
	gaps();
	alloc();
	reject();
	from_dt();
}
