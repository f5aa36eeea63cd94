/*
 * populate_physmap / decrease_reservation with data checks: pages come
 * and go at the guest-physical addresses asked for, read back what was
 * written while populated, come back zeroed after a balloon round trip,
 * and tot_pages (current_reservation) follows every step.
 */
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>

const char test_title[] = "memory_op: populate and decrease with data checks";

static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

/* One reservation call over frames[] (guest memory). */
static long resv(unsigned int op, xen_pfn_t *frames, unsigned long n, unsigned int order)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = order,
		.domid = DOMID_SELF,
	};

	set_xen_guest_handle(r.extent_start, rt_handle(frames));
	return HYPERVISOR_memory_op(op, &r);
}

static void fill(void *p, size_t len, uint64_t seed)
{
	uint64_t *q = p;

	for (size_t i = 0; i < len / 8; i++)
		q[i] = seed ^ (i * 0x9e3779b97f4a7c15ULL);
}

static bool check(const void *p, size_t len, uint64_t seed)
{
	const uint64_t *q = p;

	for (size_t i = 0; i < len / 8; i++)
		if (q[i] != (seed ^ (i * 0x9e3779b97f4a7c15ULL)))
			return false;
	return true;
}

static bool zero(const void *p, size_t len)
{
	const uint64_t *q = p;

	for (size_t i = 0; i < len / 8; i++)
		if (q[i])
			return false;
	return true;
}

/* Balloon out 8 RAM pages, then populate them back. */
static void balloon_round_trip(void)
{
	xen_pfn_t *frames = rt_alloc_pages(1);
	uint8_t *pages = rt_alloc_pages(8);
	long before = cur_pages(), r;

	if (!frames || !pages) {
		rt_test_error("out of guest pages");
		return;
	}
	fill(pages, 8 * RT_PAGE_SIZE, 0x1234);
	rt_check(check(pages, 8 * RT_PAGE_SIZE, 0x1234), "RAM pages do not hold data");
	for (int i = 0; i < 8; i++)
		frames[i] = (rt_virt_to_phys(pages) >> 12) + (uint64_t)i;

	r = resv(XENMEM_decrease_reservation, frames, 8, 0);
	rt_check(r == 8, "decrease_reservation of 8 pages returned %ld", r);
	rt_check(cur_pages() == before - 8, "tot_pages %ld after decrease, expected %ld",
		 cur_pages(), before - 8);
	/* A second decrease of the same frames finds nothing to remove. */
	r = resv(XENMEM_decrease_reservation, frames, 8, 0);
	rt_check(r == 0, "decrease of already-removed frames returned %ld", r);

	r = resv(XENMEM_populate_physmap, frames, 8, 0);
	rt_check(r == 8, "populate_physmap of 8 pages returned %ld", r);
	rt_check(cur_pages() == before, "tot_pages %ld after populate, expected %ld", cur_pages(),
		 before);
	rt_check(zero(pages, 8 * RT_PAGE_SIZE), "repopulated pages are not zeroed");
	fill(pages, 8 * RT_PAGE_SIZE, 0xabcd);
	rt_check(check(pages, 8 * RT_PAGE_SIZE, 0xabcd), "repopulated pages do not hold data");
	rt_printf("balloon round trip of 8 pages: ok\n");
	rt_free_pages(pages, 8);
	rt_free_pages(frames, 1);
}

/* 2 MiB extents into unpopulated space: region 0 and an extended region. */
static void populate_space(const char *what, uint64_t base)
{
	xen_pfn_t *frames = rt_alloc_pages(1);
	long before = cur_pages(), r;
	uint8_t *p = rt_phys_to_virt(base);
	const uint64_t two_mb = 2ULL << 20;

	if (!frames) {
		rt_test_error("out of guest pages");
		return;
	}
	frames[0] = base >> 12;
	frames[1] = (base + two_mb) >> 12;
	r = resv(XENMEM_populate_physmap, frames, 2, 9);
	rt_check(r == 2, "%s: populate of two 2 MiB extents returned %ld", what, r);
	if (r != 2)
		return;
	rt_check(cur_pages() == before + 1024, "%s: tot_pages grew by %ld, expected 1024", what,
		 cur_pages() - before);
	if (rt_map_range(base, 2 * two_mb)) {
		rt_test_error("cannot map %s", what);
		return;
	}
	rt_check(zero(p, 2 * two_mb), "%s: new extents are not zeroed", what);
	fill(p, 2 * two_mb, base);
	rt_check(check(p, 2 * two_mb, base), "%s: populated memory does not hold data", what);

	/* populating over a populated frame is refused (nothing done) */
	r = resv(XENMEM_populate_physmap, frames, 1, 0);
	rt_check(r == 0, "%s: populate over a populated page returned %ld", what, r);
	/* give back the second extent as 4 KiB pages, the first in one go */
	for (int i = 0; i < 512; i++)
		frames[i] = ((base + two_mb) >> 12) + (uint64_t)i;
	r = resv(XENMEM_decrease_reservation, frames, 512, 0);
	rt_check(r == 512, "%s: decrease of 512 single pages returned %ld", what, r);
	frames[0] = base >> 12;
	r = resv(XENMEM_decrease_reservation, frames, 1, 9);
	rt_check(r == 1, "%s: decrease of a 2 MiB extent returned %ld", what, r);
	rt_check(cur_pages() == before, "%s: tot_pages %ld at the end, expected %ld", what,
		 cur_pages(), before);
	rt_printf("%s: populated, checked and returned 4 MiB at %#llx\n", what,
		  (unsigned long long)base);
	rt_free_pages(frames, 1);
}

/*
 * Domains built from a system DT have max_pages == their RAM: make room for
 * n pages by ballooning out that many of our own (given back at the end).
 */
static RT_TLS xen_pfn_t *room_frames;
static RT_TLS unsigned long room_n;

static void make_room(unsigned long n)
{
	domid_t self = DOMID_SELF;
	long maxp = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
	uint8_t *pages;
	long r;

	if (maxp - cur_pages() >= (long)n)
		return;
	pages = rt_alloc_pages(n);
	room_frames = rt_alloc_pages((n * sizeof(xen_pfn_t) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	if (!pages || !room_frames) {
		rt_test_error("no pages to make room with");
		return;
	}
	for (unsigned long i = 0; i < n; i++)
		room_frames[i] = (rt_virt_to_phys(pages) >> 12) + i;
	r = resv(XENMEM_decrease_reservation, room_frames, n, 0);
	rt_check(r == (long)n, "ballooning out %lu pages returned %ld", n, r);
	room_n = n;
	rt_printf("max_pages %ld: ballooned out %lu pages to make room\n", maxp, n);
}

static void give_back_room(void)
{
	long r;

	if (!room_n)
		return;
	r = resv(XENMEM_populate_physmap, room_frames, room_n, 0);
	rt_check(r == (long)room_n, "repopulating %lu ballooned pages returned %ld", room_n, r);
}

void test_main(void)
{
	const void *fdt = rt_dt();
	int hyp = rt_dt_hypervisor(fdt);
	struct rt_range region0, ext;

	rt_printf("tot_pages at start: %ld\n", cur_pages());
	balloon_round_trip();
	if (hyp < 0 || rt_dt_reg(fdt, hyp, 0, &region0) || rt_dt_reg(fdt, hyp, 1, &ext)) {
		rt_test_error("no /hypervisor node with region 0 and an extended region");
		return;
	}
	make_room(1024);
	populate_space("region 0", region0.base);
	populate_space("extended region 1", (ext.base + (2ULL << 20) - 1) & ~((2ULL << 20) - 1));
	give_back_room();
}
