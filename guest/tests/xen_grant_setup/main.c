/*
 * Grant-table set-up at /hypervisor region 0: the table frames appear at
 * consecutive GFNs from the region's base (add_to_physmap with
 * XENMAPSPACE_grant_table), no RAM is given up for them, entries written
 * by the guest are where the hypervisor reads them, and granting/ending
 * follows the v1 flag rules.
 */
#include <public/errno.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/test.h>
#include <xen/grant.h>

const char test_title[] = "xen: grant table at region 0";

static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

void test_main(void)
{
	struct xgnttab *g = xgnttab();
	struct gnttab_query_size q = {.dom = DOMID_SELF};
	struct rt_range r0;
	long before = cur_pages(), ref, ref2;
	int rc, node = rt_dt_hypervisor(rt_dt());

	if (node < 0 || rt_dt_reg(rt_dt(), node, 0, &r0)) {
		rt_test_error("no region 0 in the device tree");
		return;
	}
	rc = xgnttab_init(rt_dt(), 4);
	/* Grant tables are part of the hypervisor: -ENOSYS is a regression,
	 * never a reason to skip. */
	rt_check(rc == 0, "set-up: %d%s", rc,
		 rc == -XEN_ENOSYS ? " (grant_table_op: -ENOSYS, no grant tables)" : "");
	if (rc)
		return;
	rt_check(!g->ballooned && g->nr_frames == 4, "%u frames, ballooned %d", g->nr_frames,
		 g->ballooned);
	for (unsigned int i = 0; i < g->nr_frames; i++)
		rt_check(g->gfns[i] == (r0.base >> 12) + i, "frame %u at %#lx, expected %#lx", i,
			 (unsigned long)g->gfns[i], (unsigned long)((r0.base >> 12) + i));
	rt_check(cur_pages() == before, "reservation %ld -> %ld: RAM was used", before,
		 cur_pages());
	rc = (int)HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
	rt_check(rc == 0 && q.status == GNTST_okay && q.nr_frames >= 4,
		 "query_size: %d status %d, %u frames of %u", rc, q.status, q.nr_frames,
		 q.max_nr_frames);

	ref = xgnttab_grant(0, 0x40123, true);
	rt_check(ref == GNTTAB_NR_RESERVED_ENTRIES, "first grant is ref %ld", ref);
	ref2 = xgnttab_grant(7, 0x40124, false);
	rt_check(ref2 == ref + 1, "second grant is ref %ld", ref2);
	if (ref >= 0) {
		/* The entry lives in the first table frame at region 0. */
		const grant_entry_v1_t *e = rt_phys_to_virt(r0.base);

		e += ref;
		rt_check(e->flags == (GTF_permit_access | GTF_readonly) && e->domid == 0 &&
				 e->frame == 0x40123,
			 "entry %ld: flags %#x domid %u frame %#x", ref, e->flags, e->domid,
			 e->frame);
		rt_check(xgnttab_end((grant_ref_t)ref) == 0 && e->flags == 0, "ending the grant");
	}
	if (ref2 >= 0)
		rt_check(xgnttab_end((grant_ref_t)ref2) == 0, "ending the second grant");
	/* A reserved entry is not ours to end. */
	rt_check(xgnttab_end(1) == -XEN_EINVAL, "ended a reserved entry");
	/* Refs are reused LIFO. */
	ref = xgnttab_grant(0, 0x40125, false);
	rt_check(ref == ref2, "reuse gave ref %ld, expected %ld", ref, ref2);
}
