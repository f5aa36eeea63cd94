/*
 * Every error path of memory_op a guest can reach: bad argument
 * addresses, bad orders and counts, other domains, gfns out of range,
 * misaligned, already populated or not populated, over max_pages, unknown
 * sub-ops and continuation bits where none are allowed. After each failure
 * tot_pages must be unchanged.
 */
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>

#include <public/errno.h>

const char test_title[] = "memory_op: error paths";

static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static long resv_raw(unsigned int op, uint64_t frames_gpa, unsigned long n, unsigned int order,
		     domid_t dom)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = order,
		.domid = dom,
	};

	r.extent_start = frames_gpa;
	return HYPERVISOR_memory_op(op, &r);
}

#define EXPECT(call, want, what)                                                           \
	do {                                                                               \
		long got_ = (call);                                                        \
		long pages_ = cur_pages();                                                 \
		if (got_ != (want))                                                        \
			rt_test_fail("%s: got %ld, expected %ld", what, got_, (long)(want)); \
		else if (pages_ != start_pages)                                            \
			rt_test_fail("%s: tot_pages changed to %ld", what, pages_);        \
		else                                                                       \
			rt_printf("ok: %s -> %ld\n", what, got_);                          \
	} while (0)

void test_main(void)
{
	const void *fdt = rt_dt();
	xen_pfn_t *frames = rt_alloc_pages(1);
	uint8_t *ram = rt_alloc_pages(1);
	uint64_t bad_gpa = 0x7fff00000000ULL; /* inside the 40-bit space, never populated */
	struct rt_range region0;
	int hyp = rt_dt_hypervisor(fdt);
	long start_pages, maxp;
	domid_t d;

	if (!frames || !ram || hyp < 0 || rt_dt_reg(fdt, hyp, 0, &region0)) {
		rt_test_error("setup: no pages or no /hypervisor region 0");
		return;
	}
	start_pages = cur_pages();
	d = DOMID_SELF;
	maxp = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &d);
	rt_printf("tot_pages %ld, max_pages %ld\n", start_pages, maxp);
	rt_check(maxp >= start_pages, "max_pages below tot_pages");

	/* argument structure not in guest memory */
	EXPECT(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_populate_physmap, bad_gpa, 0, 0, 0),
	       -XEN_EFAULT, "populate with an unmapped argument");
	EXPECT(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_current_reservation, bad_gpa, 0, 0, 0),
	       -XEN_EFAULT, "current_reservation with an unmapped argument");
	/* extent list not in guest memory: no extent done */
	EXPECT(resv_raw(XENMEM_populate_physmap, bad_gpa, 1, 0, DOMID_SELF), 0,
	       "populate with an unmapped extent list");
	EXPECT(resv_raw(XENMEM_decrease_reservation, bad_gpa, 1, 0, DOMID_SELF), 0,
	       "decrease with an unmapped extent list");
	/* order above 1 GiB: nothing done */
	frames[0] = region0.base >> 12;
	EXPECT(resv_raw(XENMEM_populate_physmap, rt_handle(frames), 1, 19, DOMID_SELF), 0,
	       "populate with order 19");
	/* absurd extent count */
	EXPECT(resv_raw(XENMEM_populate_physmap, rt_handle(frames), ~0UL, 0, DOMID_SELF),
	       -XEN_EINVAL, "populate with 2^64-1 extents");
	/* other domains: one that does not exist, and one we may not touch */
	EXPECT(resv_raw(XENMEM_populate_physmap, rt_handle(frames), 1, 0, 0x7000), -XEN_ESRCH,
	       "populate for a domain that does not exist");
	d = 0x7000;
	EXPECT(HYPERVISOR_memory_op(XENMEM_current_reservation, &d), -XEN_ESRCH,
	       "current_reservation of a domain that does not exist");
	/* misaligned 2 MiB extent */
	frames[0] = (region0.base >> 12) + 1;
	EXPECT(resv_raw(XENMEM_populate_physmap, rt_handle(frames), 1, 9, DOMID_SELF), 0,
	       "populate of a misaligned 2 MiB extent");
	/* gfn beyond the guest-physical address space */
	frames[0] = 1ULL << 40;
	EXPECT(resv_raw(XENMEM_populate_physmap, rt_handle(frames), 1, 0, DOMID_SELF), 0,
	       "populate beyond the address space");
	EXPECT(resv_raw(XENMEM_decrease_reservation, rt_handle(frames), 1, 0, DOMID_SELF), 0,
	       "decrease beyond the address space");
	/* already populated (our own RAM) */
	frames[0] = rt_virt_to_phys(ram) >> 12;
	EXPECT(resv_raw(XENMEM_populate_physmap, rt_handle(frames), 1, 0, DOMID_SELF), 0,
	       "populate over populated RAM");
	/* not populated */
	frames[0] = region0.base >> 12;
	EXPECT(resv_raw(XENMEM_decrease_reservation, rt_handle(frames), 1, 0, DOMID_SELF), 0,
	       "decrease of an empty frame");
	/* a 2 MiB extent of which only part is populated is refused whole */
	frames[0] = region0.base >> 12;
	if (resv_raw(XENMEM_populate_physmap, rt_handle(frames), 1, 0, DOMID_SELF) == 1) {
		start_pages++;
		EXPECT(resv_raw(XENMEM_decrease_reservation, rt_handle(frames), 1, 9, DOMID_SELF),
		       0, "decrease of a partly populated 2 MiB extent");
		EXPECT(resv_raw(XENMEM_populate_physmap, rt_handle(frames), 1, 9, DOMID_SELF), 0,
		       "populate of a partly populated 2 MiB extent");
		start_pages--;
		rt_check(resv_raw(XENMEM_decrease_reservation, rt_handle(frames), 1, 0,
				  DOMID_SELF) == 1,
			 "cannot give back the test page");
	} else {
		rt_test_fail("populate of one page of region 0 failed");
	}
	/* over max_pages: ask for more than the headroom in one 1 GiB extent
	 * at the 1 GiB-aligned start of an empty part of the space */
	frames[0] = 0x100000000ULL >> 12;
	EXPECT(resv_raw(XENMEM_populate_physmap, rt_handle(frames), 1, 18, DOMID_SELF), 0,
	       "populate of 1 GiB over max_pages");
	/* partial progress: the second extent fails, the first stays */
	frames[0] = region0.base >> 12;
	frames[1] = rt_virt_to_phys(ram) >> 12;
	{
		long r = resv_raw(XENMEM_populate_physmap, rt_handle(frames), 2, 0, DOMID_SELF);
		rt_check(r == 1, "populate [free, busy] returned %ld, expected 1", r);
		rt_check(cur_pages() == start_pages + 1, "partial populate: tot_pages %ld",
			 cur_pages());
		/* [populated, empty]: the first goes, the second stops the call */
		frames[1] = (region0.base >> 12) + 1;
		r = resv_raw(XENMEM_decrease_reservation, rt_handle(frames), 2, 0, DOMID_SELF);
		rt_check(r == 1, "decrease [populated, empty] returned %ld, expected 1", r);
		rt_check(cur_pages() == start_pages, "tot_pages %ld after partial calls",
			 cur_pages());
	}
	/* sub-ops: unknown, and continuation bits where none are allowed */
	EXPECT(rt_hypercall(__HYPERVISOR_memory_op, 63, rt_handle(frames), 0, 0, 0),
	       -XEN_ENOSYS, "unknown memory_op sub-op");
	d = DOMID_SELF;
	EXPECT(rt_hypercall(__HYPERVISOR_memory_op,
			    XENMEM_current_reservation | (1U << MEMOP_EXTENT_SHIFT), rt_handle(&d),
			    0, 0, 0),
	       -XEN_ENOSYS, "current_reservation with a start extent");
	/* a start extent past the end returns it unchanged */
	EXPECT(rt_hypercall(__HYPERVISOR_memory_op,
			    XENMEM_populate_physmap | (5UL << MEMOP_EXTENT_SHIFT),
			    rt_handle(&(struct xen_memory_reservation){.nr_extents = 3,
								       .domid = DOMID_SELF}),
			    0, 0, 0),
	       5, "populate with start extent beyond nr_extents");
}
