/*
 * The unpopulated-page allocator: fills round up to whole sections,
 * section-aligned; frames come from the free list LIFO and are never
 * returned to the resource; an exhausted resource fails without touching
 * the domain's RAM; without a resource, pages are ballooned out of RAM.
 * The frames handed out are real empty GFNs: one of the domain's own RAM
 * frames moved there (XENMAPSPACE_gmfn) is readable at the new address.
 */
#include <libfdt.h>

#include <public/errno.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>
#include <xen/balloon.h>
#include <xen/unpopulated.h>

const char test_title[] = "xen: unpopulated-page allocator";

#define SECTION 16UL /* pages: a small section for the tests */

static struct xres res;

static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

/* A resource over part of this domain's extended region. */
static int small_resource(uint64_t base, uint64_t pages)
{
	struct rt_range r = {base, pages << 12};

	return xres_init(&res, &r, 1);
}

static void rounding(xen_pfn_t *g)
{
	struct xunpop u;
	uint64_t base = 0x50000000ULL;
	int rc;

	rt_check(small_resource(base + 5 * 4096, 1000) == 0, "resource");
	rt_check(xunpop_init(&u, &res, SECTION) == 0, "init");
	rc = xunpop_alloc(&u, 1, g);
	rt_check(rc == 0, "first allocation: %d", rc);
	rt_check(u.fills == 1 && u.filled == SECTION && u.list_count == SECTION - 1,
		 "one page filled %lu frames in %u fill(s), %lu left", (unsigned long)u.filled,
		 u.fills, (unsigned long)u.list_count);
	/* The region starts 5 pages into a section: the fill takes the next one. */
	rt_check(g[0] == (base >> 12) + SECTION, "first frame %#lx, expected %#lx",
		 (unsigned long)g[0], (unsigned long)((base >> 12) + SECTION));
	rc = xunpop_alloc(&u, SECTION - 1, g + 1);
	rt_check(rc == 0 && u.fills == 1 && u.list_count == 0,
		 "rest of the section: %d, %u fills", rc, u.fills);
	for (unsigned long i = 1; i < SECTION; i++)
		rt_check(g[i] == g[0] + i, "frame %lu is %#lx, not ascending", i, (unsigned long)g[i]);
	/* 17 more: the fill rounds 17 up to 2 sections. */
	rc = xunpop_alloc(&u, SECTION + 1, g + SECTION);
	rt_check(rc == 0 && u.fills == 2 && u.filled == 3 * SECTION &&
			 u.list_count == SECTION - 1,
		 "17 pages: %d, %u fills, %lu filled, %lu listed", rc, u.fills,
		 (unsigned long)u.filled, (unsigned long)u.list_count);
	rt_check(!(g[SECTION] % SECTION), "second fill starts at %#lx, not section-aligned",
		 (unsigned long)g[SECTION]);

	/* LIFO: what is freed comes back first, in the same order. */
	xunpop_free(&u, 3, g + 4);
	rt_check(u.list_count == SECTION + 2, "list holds %lu after freeing 3",
		 (unsigned long)u.list_count);
	{
		xen_pfn_t again[3];

		rc = xunpop_alloc(&u, 3, again);
		rt_check(rc == 0 && again[0] == g[4] && again[1] == g[5] && again[2] == g[6],
			 "freed frames not returned first: %#lx %#lx %#lx",
			 (unsigned long)again[0], (unsigned long)again[1], (unsigned long)again[2]);
	}
	/* Never returned: the resource still has both sections allocated. */
	rt_check(xres_free_bytes(&res) == (1000 << 12) - 3 * SECTION * 4096,
		 "resource free bytes %#lx", (unsigned long)xres_free_bytes(&res));
}

static void exhaustion(xen_pfn_t *g)
{
	struct xunpop u;
	long before;
	unsigned long ball;
	int rc;

	/* Exactly two aligned sections. */
	rt_check(small_resource(0x60000000ULL, 2 * SECTION) == 0, "resource");
	xunpop_init(&u, &res, SECTION);
	rc = xunpop_alloc(&u, 2 * SECTION, g);
	rt_check(rc == 0 && u.list_count == 0, "two sections: %d", rc);
	before = cur_pages();
	ball = xballoon_count();
	rc = xunpop_alloc(&u, 1, g);
	rt_check(rc == -XEN_EBUSY, "allocation from an exhausted resource: %d, expected -EBUSY",
		 rc);
	rt_check(cur_pages() == before && xballoon_count() == ball,
		 "exhaustion ballooned pages: %ld -> %ld", before, cur_pages());
	/* Freed frames are reusable even though the resource is full. */
	xunpop_free(&u, 1, g + 7);
	rc = xunpop_alloc(&u, 1, g + 100);
	rt_check(rc == 0 && g[100] == g[7], "reuse after exhaustion: %d", rc);
}

static void fallback(xen_pfn_t *g)
{
	struct xunpop u;
	long before = cur_pages();
	int rc;

	xunpop_init(&u, NULL, SECTION);
	rc = xunpop_alloc(&u, 4, g);
	rt_check(rc == 0, "ballooned allocation: %d", rc);
	rt_check(cur_pages() == before - 4, "reservation %ld, expected %ld", cur_pages(),
		 before - 4);
	for (int i = 0; i < 4; i++)
		rt_check(g[i] >= 0x40000 && g[i] < 0x44000, "ballooned frame %#lx is not RAM",
			 (unsigned long)g[i]);
	xunpop_free(&u, 4, g);
	rt_check(cur_pages() == before, "reservation %ld after free, expected %ld", cur_pages(),
		 before);
	/* The domain allocator from a tree with region 0 only: no resource. */
	{
		static const uint32_t reg[] = {0, 0x38000000, 0, 0x1000000};
		static const char compat[] = "xen,xen-4.17\0xen,xen";
		void *fdt = rt_alloc_pages(1);
		int frc;

		if (!fdt) {
			rt_test_error("out of guest pages");
			return;
		}
		frc = fdt_create(fdt, RT_PAGE_SIZE);
		frc = frc ?: fdt_finish_reservemap(fdt);
		frc = frc ?: fdt_begin_node(fdt, "");
		frc = frc ?: fdt_property_u32(fdt, "#address-cells", 2);
		frc = frc ?: fdt_property_u32(fdt, "#size-cells", 2);
		frc = frc ?: fdt_begin_node(fdt, "hypervisor");
		frc = frc ?: fdt_property(fdt, "compatible", compat, (int)sizeof(compat));
		{
			fdt32_t be[4];

			for (int i = 0; i < 4; i++)
				be[i] = cpu_to_fdt32(reg[i]);
			frc = frc ?: fdt_property(fdt, "reg", be, (int)sizeof(be));
		}
		frc = frc ?: fdt_end_node(fdt);
		frc = frc ?: fdt_end_node(fdt);
		frc = frc ?: fdt_finish(fdt);
		if (frc) {
			rt_test_error("cannot build a device tree: %s", fdt_strerror(frc));
			return;
		}
		rc = xen_unpopulated_init(fdt);
		rt_check(rc == 0 && xen_unpopulated() && !xen_unpopulated()->res,
			 "region 0 only: %d, resource %p", rc,
			 xen_unpopulated() ? (void *)xen_unpopulated()->res : NULL);
		rc = xen_alloc_unpopulated_pages(2, g);
		rt_check(rc == 0 && cur_pages() == before - 2,
			 "default allocator without regions: %d, reservation %ld", rc, cur_pages());
		xen_free_unpopulated_pages(2, g);
		rt_check(cur_pages() == before, "reservation %ld after free", cur_pages());
		rt_free_pages(fdt, 1);
	}
	/* A rejected resource also means the fallback. */
	{
		struct rt_range bad[2] = {{0x50000000ULL, 1 << 20}, {0x4f000000ULL, 1 << 20}};

		rt_check(xres_init(&res, bad, 2) == -XEN_EINVAL, "bad list accepted");
		xunpop_init(&u, &res, SECTION);
		rt_check(u.res == NULL, "an invalid resource was used");
	}
}

/* Moves one of our RAM frames to an unpopulated GFN and reads it there. */
static void usable(void)
{
	xen_pfn_t *g = rt_alloc_pages(1);
	uint64_t *page = rt_alloc_pages(1);
	xen_ulong_t *idx = rt_alloc_pages(1);
	int *err = rt_alloc_pages(1);
	struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn,
					     .size = 1};
	xen_pfn_t ram;
	long rc;

	if (!g || !page || !idx || !err) {
		rt_test_error("out of guest pages");
		return;
	}
	rc = xen_unpopulated_init(rt_dt());
	rt_check(rc == 0 && xen_unpopulated() && xen_unpopulated()->res,
		 "default allocator has no resource: %ld", rc);
	rc = xen_alloc_unpopulated_pages(1, g);
	rt_check(rc == 0, "default allocation: %ld", rc);
	if (rc)
		return;
	rt_printf("default section: frame %#lx, %lu frames filled\n", (unsigned long)g[0],
		  (unsigned long)xen_unpopulated()->filled);
	rt_check(xen_unpopulated()->filled == XUNPOP_DEFAULT_SECTION_PAGES,
		 "default fill of %lu frames", (unsigned long)xen_unpopulated()->filled);
	rt_check(!(g[0] % XUNPOP_DEFAULT_SECTION_PAGES), "frame %#lx not 128 MiB aligned",
		 (unsigned long)g[0]);

	for (int i = 0; i < 512; i++)
		page[i] = 0x5eed0000ULL + (uint64_t)i;
	ram = rt_virt_to_phys(page) >> 12;
	idx[0] = ram;
	set_xen_guest_handle(b.idxs, rt_handle(idx));
	set_xen_guest_handle(b.gpfns, rt_handle(g));
	set_xen_guest_handle(b.errs, rt_handle(err));
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
	rt_check(rc == 0 && err[0] == 0, "moving a frame to %#lx: %ld/%d", (unsigned long)g[0], rc,
		 err[0]);
	if (rc || err[0])
		return;
	{
		const uint64_t *there = rt_phys_to_virt(g[0] << 12);
		bool ok = true;

		for (int i = 0; i < 512; i++)
			ok &= there[i] == 0x5eed0000ULL + (uint64_t)i;
		rt_check(ok, "data not readable at the unpopulated frame");
	}
	/* And back, so the runtime's page is RAM again. */
	idx[0] = g[0];
	g[1] = ram;
	set_xen_guest_handle(b.gpfns, rt_handle(g + 1));
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
	rt_check(rc == 0 && err[0] == 0 && page[7] == 0x5eed0007ULL, "moving back: %ld/%d", rc,
		 err[0]);
	xen_free_unpopulated_pages(1, g);
}

void test_main(void)
{
	xen_pfn_t *g = rt_alloc_pages(1);

	if (!g) {
		rt_test_error("out of guest pages");
		return;
	}
	rounding(g);
	exhaustion(g);
	fallback(g);
	usable();
}
