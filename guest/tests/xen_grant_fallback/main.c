/*
 * Grant-table set-up without region 0 (a /hypervisor node with no reg):
 * the frames go to ballooned pages, i.e. the domain gives up that much
 * RAM, and the table works the same.
 */
#include <libfdt.h>

#include <public/errno.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>
#include <xen/balloon.h>
#include <xen/grant.h>

/* Two strings in one property, as Xen writes it. */
static const char xen_compat[] = "xen,xen-4.17\0xen,xen";

const char test_title[] = "xen: grant table on ballooned pages (no region 0)";

static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

void test_main(void)
{
	struct xgnttab *g = xgnttab();
	void *fdt = rt_alloc_pages(1);
	long before = cur_pages(), ref;
	int rc;

	if (!fdt) {
		rt_test_error("out of guest pages");
		return;
	}
	rc = fdt_create(fdt, RT_PAGE_SIZE);
	rc = rc ?: fdt_finish_reservemap(fdt);
	rc = rc ?: fdt_begin_node(fdt, "");
	rc = rc ?: fdt_property_u32(fdt, "#address-cells", 2);
	rc = rc ?: fdt_property_u32(fdt, "#size-cells", 2);
	rc = rc ?: fdt_begin_node(fdt, "hypervisor");
	rc = rc ?: fdt_property(fdt, "compatible", xen_compat, (int)sizeof(xen_compat));
	rc = rc ?: fdt_end_node(fdt);
	rc = rc ?: fdt_end_node(fdt);
	rc = rc ?: fdt_finish(fdt);
	if (rc) {
		rt_test_error("cannot build the device tree: %s", fdt_strerror(rc));
		return;
	}
	rc = xgnttab_init(fdt, 2);
	/* Grant tables are part of the hypervisor: -ENOSYS is a regression,
	 * never a reason to skip. */
	rt_check(rc == 0, "set-up: %d%s", rc,
		 rc == -XEN_ENOSYS ? " (grant_table_op: -ENOSYS, no grant tables)" : "");
	if (rc)
		return;
	rt_check(g->ballooned && g->nr_frames == 2, "%u frames, ballooned %d", g->nr_frames,
		 g->ballooned);
	rt_check(cur_pages() == before - 2 && xballoon_count() == 2,
		 "reservation %ld -> %ld, %lu ballooned", before, cur_pages(), xballoon_count());
	for (unsigned int i = 0; i < g->nr_frames; i++)
		rt_check(g->gfns[i] >= 0x40000 && g->gfns[i] < 0x44000,
			 "frame %u at %#lx is not a RAM frame", i, (unsigned long)g->gfns[i]);
	ref = xgnttab_grant(0, 0x40001, false);
	rt_check(ref == GNTTAB_NR_RESERVED_ENTRIES && xgnttab_entry((grant_ref_t)ref)->frame == 0x40001,
		 "grant: %ld", ref);
}
