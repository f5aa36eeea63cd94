/*
 * Grant tables v1 and foreign mapping through the dispatcher: table set-up
 * and limits, map/unmap with flags, pins and references, every error
 * status, abuse in the style of Xen's advisories, batches and
 * continuations, destruction of either side while mapped. The audit runs
 * after every step (it also checks grant references and grant P2M leaves).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hv/domain.h>
#include <hv/grant.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/xen.h>

#include "harness.h"

#define RAM_GFN 0x40000ULL  /* guest RAM0 at 1 GiB */
#define GNT_GFN H_GNT_GFN /* region 0: the grant table */
#define MAP_GFN 0x100000ULL /* where backends put grant and foreign maps */

static int64_t gop(struct harness *h, struct domain *d, uint64_t cmd, uint64_t off, uint64_t count)
{
	return h_call(h, d, __HYPERVISOR_grant_table_op, cmd, h_gpa(off), count, 0, 0);
}

static int atp_grant(struct harness *h, struct domain *d, uint64_t idx, uint64_t gpfn)
{
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
				       .idx = idx, .gpfn = gpfn};

	h_put(d, 0, &x, sizeof(x));
	return (int)h_call(h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0, 0, 0);
}

static int16_t map(struct harness *h, struct domain *ld, domid_t dom, grant_ref_t ref, uint64_t gfn,
		   uint32_t flags, grant_handle_t *handle)
{
	struct gnttab_map_grant_ref op = {.host_addr = gfn << PAGE_SHIFT, .flags = flags, .ref = ref,
					  .dom = dom, .handle = 0xdead};

	h_put(ld, 0x100, &op, sizeof(op));
	assert_int_equal(gop(h, ld, GNTTABOP_map_grant_ref, 0x100, 1), 0);
	h_get(ld, 0x100, &op, sizeof(op));
	if (handle)
		*handle = op.handle;
	h_audit(h);
	return op.status;
}

static int16_t unmap(struct harness *h, struct domain *ld, uint64_t host_addr, grant_handle_t handle,
		     uint64_t dev_bus_addr)
{
	struct gnttab_unmap_grant_ref op = {.host_addr = host_addr, .handle = handle,
					    .dev_bus_addr = dev_bus_addr, .status = 77};

	h_put(ld, 0x100, &op, sizeof(op));
	assert_int_equal(gop(h, ld, GNTTABOP_unmap_grant_ref, 0x100, 1), 0);
	h_get(ld, 0x100, &op, sizeof(op));
	h_audit(h);
	return op.status;
}

static uint32_t page_count(struct harness *h, struct domain *d, uint64_t gfn)
{
	return mfn_to_page(&h->hv->ft, p2m_lookup(d, _gfn(gfn), NULL, NULL))->count;
}

/* A backend and a frontend whose region-0 frame 0 is mapped and whose page
 * RAM_GFN holds data. */
static void pair(struct harness *h, struct domain **back, struct domain **front)
{
	h_init_default(h);
	*back = h_domain(h, "back", 0, 64);
	*front = h_domain(h, "front", 0, 64);
	h_populate(h, *front, RAM_GFN, 4);
	strcpy(h_va(*front, RAM_GFN << PAGE_SHIFT), "frontend data");
	assert_int_equal(atp_grant(h, *front, 0, GNT_GFN), 0);
	h_audit(h);
}

/* ------------------------------------------------------------------ */

static void test_table_setup(void **state)
{
	struct harness h;
	struct domain *d, *other, *dom0;
	struct gnttab_query_size q;
	struct gnttab_setup_table s;
	uint64_t frames[4];
	uint64_t free0, tot0;
	mfn_t m0;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "d", 0, 64);
	other = h_domain(&h, "other", 0, 64);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 64);
	free0 = h.hv->heap.free_pages;
	tot0 = d->tot_pages;

	/* A fresh domain has no frames yet and may have 64. */
	memset(&q, 0, sizeof(q));
	q.dom = DOMID_SELF;
	h_put(d, 0, &q, sizeof(q));
	assert_int_equal(gop(&h, d, GNTTABOP_query_size, 0, 1), 0);
	h_get(d, 0, &q, sizeof(q));
	assert_int_equal(q.status, GNTST_okay);
	assert_int_equal(q.nr_frames, 0);
	assert_int_equal(q.max_nr_frames, 64);
	assert_int_equal(gop(&h, d, GNTTABOP_query_size, 0, 2), -EINVAL);
	assert_int_equal(gop(&h, d, GNTTABOP_query_size, 0x100000, 1), -EFAULT);
	q.dom = other->id; /* not privileged over it */
	h_put(d, 0, &q, sizeof(q));
	assert_int_equal(gop(&h, d, GNTTABOP_query_size, 0, 1), 0);
	h_get(d, 0, &q, sizeof(q));
	assert_int_equal(q.status, GNTST_permission_denied);
	q.dom = 999;
	h_put(d, 0, &q, sizeof(q));
	assert_int_equal(gop(&h, d, GNTTABOP_query_size, 0, 1), 0);
	h_get(d, 0, &q, sizeof(q));
	assert_int_equal(q.status, GNTST_bad_domain);

	/* add_to_physmap places frame 0 at region 0; the frame is the
	 * hypervisor's, not counted in tot_pages, and reads zero. */
	assert_int_equal(atp_grant(&h, d, 0, GNT_GFN), 0);
	h_audit(&h);
	assert_int_equal(gnttab_nr_frames(d), 1);
	assert_int_equal(d->tot_pages, tot0);
	assert_int_equal(h.hv->heap.free_pages, free0 - 1);
	m0 = gnttab_frame_mfn(d, 0);
	assert_true(mfn_eq(p2m_lookup(d, _gfn(GNT_GFN), NULL, NULL), m0));
	assert_int_equal(*(uint64_t *)h_va(d, GNT_GFN << PAGE_SHIFT), 0);
	/* The guest writes an entry, the hypervisor sees it in its frame. */
	h_grant(d, 9, other->id, RAM_GFN, GTF_permit_access);
	assert_int_equal(((struct grant_entry_v1 *)frame_va(&h.hv->ft, m0))[9].domid, other->id);
	/* Adding it again at the same place is a no-op. */
	assert_int_equal(atp_grant(&h, d, 0, GNT_GFN), 0);

	/* Limits: index 63 grows the table to 64, 64 is beyond the limit,
	 * status frames do not exist in v1, the GFN must be addressable. */
	assert_int_equal(atp_grant(&h, d, 63, GNT_GFN + 63), 0);
	assert_int_equal(gnttab_nr_frames(d), 64);
	assert_int_equal(atp_grant(&h, d, 64, GNT_GFN + 64), -EINVAL);
	assert_int_equal(atp_grant(&h, d, XENMAPIDX_grant_table_status | 1, GNT_GFN + 1), -EINVAL);
	assert_int_equal(atp_grant(&h, d, 1, 1ULL << 40), -EINVAL);
	h_audit(&h);

	/* Moving frame 0 unmaps it from its old place; the data moves too. */
	assert_int_equal(atp_grant(&h, d, 0, GNT_GFN + 200), 0);
	assert_true(mfn_eq(p2m_lookup(d, _gfn(GNT_GFN), NULL, NULL), INVALID_MFN));
	assert_int_equal(((struct grant_entry_v1 *)h_va(d, (GNT_GFN + 200) << PAGE_SHIFT))[9].domid,
			 other->id);
	/* Onto a RAM page: the page is released first, like gmfn moves. */
	h_populate(&h, d, RAM_GFN, 1);
	assert_int_equal(atp_grant(&h, d, 0, RAM_GFN), 0);
	assert_int_equal(d->tot_pages, tot0);
	h_audit(&h);
	/* The guest may remove a table frame with decrease_reservation: it
	 * is only unmapped (no allocation to drop), and can come back. */
	uint64_t g = RAM_GFN;
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, &g, 1, 0, DOMID_SELF), 1);
	assert_true(mfn_eq(p2m_lookup(d, _gfn(RAM_GFN), NULL, NULL), INVALID_MFN));
	h_audit(&h);
	assert_int_equal(atp_grant(&h, d, 0, GNT_GFN), 0);
	h_audit(&h);

	/* setup_table reports where frames are mapped (Arm), ~0 if nowhere. */
	memset(&s, 0, sizeof(s));
	s.dom = DOMID_SELF;
	s.nr_frames = 3;
	s.frame_list = h_gpa(0x1000);
	h_put(d, 0, &s, sizeof(s));
	assert_int_equal(gop(&h, d, GNTTABOP_setup_table, 0, 1), 0);
	h_get(d, 0, &s, sizeof(s));
	h_get(d, 0x1000, frames, sizeof(frames[0]) * 3);
	assert_int_equal(s.status, GNTST_okay);
	assert_int_equal(frames[0], GNT_GFN);
	assert_int_equal(frames[1], ~0ULL);
	assert_int_equal(frames[2], ~0ULL);
	s.nr_frames = 65;
	h_put(d, 0, &s, sizeof(s));
	assert_int_equal(gop(&h, d, GNTTABOP_setup_table, 0, 1), 0);
	h_get(d, 0, &s, sizeof(s));
	assert_int_equal(s.status, GNTST_general_error);
	s.nr_frames = 1;
	s.frame_list = 0x7000000000ULL; /* unmapped */
	h_put(d, 0, &s, sizeof(s));
	assert_int_equal(gop(&h, d, GNTTABOP_setup_table, 0, 1), 0);
	h_get(d, 0, &s, sizeof(s));
	assert_int_equal(s.status, GNTST_bad_virt_addr);
	assert_int_equal(gop(&h, d, GNTTABOP_setup_table, 0, 2), -EINVAL);
	assert_int_equal(gop(&h, d, GNTTABOP_setup_table, 0x100000, 1), -EFAULT);
	s.dom = other->id;
	s.frame_list = h_gpa(0x1000);
	h_put(d, 0, &s, sizeof(s));
	assert_int_equal(gop(&h, d, GNTTABOP_setup_table, 0, 1), 0);
	h_get(d, 0, &s, sizeof(s));
	assert_int_equal(s.status, GNTST_permission_denied);
	s.dom = 999;
	h_put(d, 0, &s, sizeof(s));
	assert_int_equal(gop(&h, d, GNTTABOP_setup_table, 0, 1), 0);
	h_get(d, 0, &s, sizeof(s));
	assert_int_equal(s.status, GNTST_bad_domain);
	/* Dom0 may set up another domain's table. */
	s.dom = other->id;
	s.nr_frames = 2;
	h_put(dom0, 0, &s, sizeof(s));
	assert_int_equal(gop(&h, dom0, GNTTABOP_setup_table, 0, 1), 0);
	h_get(dom0, 0, &s, sizeof(s));
	assert_int_equal(s.status, GNTST_okay);
	assert_int_equal(gnttab_nr_frames(other), 2);
	h_audit(&h);

	/* A table frame cannot be foreign-mapped, even by Dom0. */
	{
		struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_foreign,
						     .size = 1, .idxs = h_gpa(0x1000),
						     .gpfns = h_gpa(0x2000), .errs = h_gpa(0x3000)};
		uint64_t idx = GNT_GFN, gpfn = MAP_GFN;
		int err = 0;

		b.u.foreign_domid = d->id;
		h_put(dom0, 0, &b, sizeof(b));
		h_put(dom0, 0x1000, &idx, sizeof(idx));
		h_put(dom0, 0x2000, &gpfn, sizeof(gpfn));
		assert_int_equal(h_call(&h, dom0, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
					h_gpa(0), 0, 0, 0), 0);
		h_get(dom0, 0x3000, &err, sizeof(err));
		assert_int_equal(err, -EINVAL);
		h_audit(&h);
	}

	/* Destruction gives every table frame back to the heap. */
	free0 = h.hv->heap.free_pages;
	hv_lock(h.hv);
	domain_destroy(d);
	hv_unlock(h.hv);
	h_audit(&h);
	assert_int_equal(h.hv->heap.free_pages, free0 + 64 + 8);
	h_fini(&h);
}

/* A smaller per-domain limit from the configuration. */
static void test_frame_limit(void **state)
{
	struct harness h;
	struct domain *d;

	(void)state;
	h_init_default(&h);
	h.hv->cfg.gnttab_max_frames = 4;
	d = h_domain(&h, "small", 0, 64);
	assert_int_equal(atp_grant(&h, d, 3, GNT_GFN + 3), 0);
	assert_int_equal(atp_grant(&h, d, 4, GNT_GFN + 4), -EINVAL);
	assert_int_equal(gnttab_nr_frames(d), 4);
	h_audit(&h);
	h_fini(&h);
}

static void test_map_unmap(void **state)
{
	struct harness h;
	struct domain *back, *front;
	grant_handle_t hw, hr, hx;
	struct gnttab_map_grant_ref op;

	(void)state;
	pair(&h, &back, &front);
	h_grant(front, 8, back->id, RAM_GFN, GTF_permit_access);

	/* A writeable map: shared data both ways, flags set, one reference. */
	assert_int_equal(map(&h, back, front->id, 8, MAP_GFN, GNTMAP_host_map, &hw), GNTST_okay);
	assert_string_equal(h_va(back, MAP_GFN << PAGE_SHIFT), "frontend data");
	strcpy(h_va(back, MAP_GFN << PAGE_SHIFT), "from backend");
	assert_string_equal(h_va(front, RAM_GFN << PAGE_SHIFT), "from backend");
	assert_int_equal(h_gnt_entry(front, 8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(page_count(&h, front, RAM_GFN), 2);
	h_get(back, 0x100, &op, sizeof(op));
	assert_int_equal(op.dev_bus_addr, mfn_to_maddr(p2m_lookup(front, _gfn(RAM_GFN), NULL, NULL)));
	/* The mapped page is a grant leaf: other physmap calls keep off it. */
	{
		struct xen_remove_from_physmap rm = {.domid = DOMID_SELF, .gpfn = MAP_GFN};
		uint64_t g = MAP_GFN;

		h_put(back, 0, &rm, sizeof(rm));
		assert_int_equal(h_call(&h, back, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
					h_gpa(0), 0, 0, 0), -EINVAL);
		assert_int_equal(h_reservation(&h, back, XENMEM_decrease_reservation, &g, 1, 0, DOMID_SELF), 0);
		assert_int_equal(h_reservation(&h, back, XENMEM_populate_physmap, &g, 1, 0, DOMID_SELF), 0);
		assert_int_equal(atp_grant(&h, back, 0, MAP_GFN), -EINVAL);
		h_audit(&h);
	}

	/* A second, read-only map of the same grant at another place. */
	assert_int_equal(map(&h, back, front->id, 8, MAP_GFN + 1, GNTMAP_host_map | GNTMAP_readonly, &hr),
			 GNTST_okay);
	assert_int_not_equal(hr, hw);
	assert_int_equal(page_count(&h, front, RAM_GFN), 3);
	{
		p2m_type_t t;

		p2m_lookup(back, _gfn(MAP_GFN + 1), &t, NULL);
		assert_int_equal(t, p2m_grant_map_ro);
		p2m_lookup(back, _gfn(MAP_GFN), &t, NULL);
		assert_int_equal(t, p2m_grant_map_rw);
	}

	/* XSA-224 style: unmapping the read-only map must not drop the
	 * writeable pin; the record decides, not the caller. */
	assert_int_equal(unmap(&h, back, (MAP_GFN + 1) << PAGE_SHIFT, hr, 0), GNTST_okay);
	assert_int_equal(h_gnt_entry(front, 8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(page_count(&h, front, RAM_GFN), 2);
	/* Double unmap and handles never mapped. */
	assert_int_equal(unmap(&h, back, (MAP_GFN + 1) << PAGE_SHIFT, hr, 0), GNTST_bad_handle);
	assert_int_equal(unmap(&h, back, MAP_GFN << PAGE_SHIFT, 12345, 0), GNTST_bad_handle);
	assert_int_equal(unmap(&h, back, MAP_GFN << PAGE_SHIFT, 0xffffffff, 0), GNTST_bad_handle);
	/* Someone else's handle number means nothing to this domain. */
	assert_int_equal(unmap(&h, front, MAP_GFN << PAGE_SHIFT, hw, 0), GNTST_bad_handle);
	/* The address must be the one mapped; a wrong bus address fails;
	 * address 0 unmaps nothing (Xen: "not the host mapping"). */
	assert_int_equal(unmap(&h, back, (MAP_GFN + 5) << PAGE_SHIFT, hw, 0), GNTST_general_error);
	assert_int_equal(unmap(&h, back, MAP_GFN << PAGE_SHIFT, hw, 0x1000), GNTST_general_error);
	assert_int_equal(unmap(&h, back, 0, hw, 0), GNTST_okay);
	assert_int_equal(gnttab_nr_maps(back), 1);
	assert_int_equal(page_count(&h, front, RAM_GFN), 2);
	/* The real unmap clears both flags and drops the reference. */
	assert_int_equal(unmap(&h, back, MAP_GFN << PAGE_SHIFT, hw, 0), GNTST_okay);
	assert_int_equal(h_gnt_entry(front, 8)->flags, GTF_permit_access);
	assert_int_equal(page_count(&h, front, RAM_GFN), 1);
	assert_true(mfn_eq(p2m_lookup(back, _gfn(MAP_GFN), NULL, NULL), INVALID_MFN));
	assert_int_equal(gnttab_nr_maps(back), 0);

	/* Read-only grant: read-only maps only. */
	h_grant(front, 9, back->id, RAM_GFN + 1, GTF_permit_access | GTF_readonly);
	assert_int_equal(map(&h, back, front->id, 9, MAP_GFN, GNTMAP_host_map, NULL), GNTST_general_error);
	assert_int_equal(h_gnt_entry(front, 9)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(map(&h, back, front->id, 9, MAP_GFN, GNTMAP_host_map | GNTMAP_readonly, &hx),
			 GNTST_okay);
	assert_int_equal(h_gnt_entry(front, 9)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
	/* The P2M makes it read-only for the hypervisor's own accesses too. */
	assert_int_equal(h_call(&h, back, __HYPERVISOR_grant_table_op, GNTTABOP_query_size,
				MAP_GFN << PAGE_SHIFT, 1, 0, 0), -EFAULT);
	assert_int_equal(unmap(&h, back, MAP_GFN << PAGE_SHIFT, hx, 0), GNTST_okay);
	assert_int_equal(h_gnt_entry(front, 9)->flags, GTF_permit_access | GTF_readonly);
	/* Handles are reused after unmap. */
	assert_int_equal(map(&h, back, front->id, 9, MAP_GFN, GNTMAP_host_map | GNTMAP_readonly, &hr),
			 GNTST_okay);
	assert_int_equal(hr, hx);
	h_fini(&h);
}

struct map_case {
	const char *what;
	uint32_t flags;
	int dom;            /* -1: front, -2: back itself, -3: DOMID_SELF, else literal */
	grant_ref_t ref;
	uint16_t gflags;    /* entry flags written before the call */
	int gdom;           /* entry domid: -1 back, -2 other, else literal */
	uint64_t gframe;
	uint64_t host_gfn;
	int16_t status;
};

static void test_map_errors(void **state)
{
	struct harness h;
	struct domain *back, *front, *other;
	const struct map_case cases[] = {
		{"no host or device map", 0, -1, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_bad_gntref},
		{"readonly alone", GNTMAP_readonly, -1, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_bad_gntref},
		{"device map", GNTMAP_device_map, -1, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"device + host map", GNTMAP_device_map | GNTMAP_host_map, -1, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"bfn map (PV IOMMU, not yet)", GNTMAP_device_map | GNTMAP_request_bfn_map, -1, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"bfn flag without device map", GNTMAP_host_map | GNTMAP_request_bfn_map, -1, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"contains_pte", GNTMAP_host_map | GNTMAP_contains_pte, -1, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"application_map", GNTMAP_host_map | GNTMAP_application_map, -1, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"guest_avail bits", GNTMAP_host_map | (1u << 16), -1, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"unknown domain", GNTMAP_host_map, 999, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_bad_domain},
		{"DOMID_SELF", GNTMAP_host_map, -3, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_bad_domain},
		{"DOMID_XEN", GNTMAP_host_map, DOMID_XEN, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_bad_domain},
		{"own grant", GNTMAP_host_map, -2, 8, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_permission_denied},
		{"ref past the table", GNTMAP_host_map, -1, 512, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_bad_gntref},
		{"ref ~0", GNTMAP_host_map, -1, 0xffffffffu, GTF_permit_access, -1, RAM_GFN, MAP_GFN, GNTST_bad_gntref},
		{"invalid entry", GNTMAP_host_map, -1, 8, GTF_invalid, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"granted to another domain", GNTMAP_host_map, -1, 8, GTF_permit_access, -2, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"granted to DOMID_SELF", GNTMAP_host_map, -1, 8, GTF_permit_access, DOMID_SELF, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"transfer entry", GNTMAP_host_map, -1, 8, GTF_accept_transfer, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"transitive entry (v2)", GNTMAP_host_map, -1, 8, GTF_transitive, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"sub-page entry (v2)", GNTMAP_host_map, -1, 8, GTF_permit_access | GTF_sub_page, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"cache attributes", GNTMAP_host_map, -1, 8, GTF_permit_access | GTF_PAT, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"write map of r/o grant", GNTMAP_host_map, -1, 8, GTF_permit_access | GTF_readonly, -1, RAM_GFN, MAP_GFN, GNTST_general_error},
		{"frame not populated", GNTMAP_host_map, -1, 8, GTF_permit_access, -1, RAM_GFN + 100, MAP_GFN, GNTST_bad_page},
		{"frame beyond the P2M", GNTMAP_host_map, -1, 8, GTF_permit_access, -1, 0xffffffffu, MAP_GFN, GNTST_bad_page},
		{"frame is the table itself", GNTMAP_host_map, -1, 8, GTF_permit_access, -1, GNT_GFN, MAP_GFN, GNTST_bad_page},
		{"host gfn occupied", GNTMAP_host_map, -1, 8, GTF_permit_access, -1, RAM_GFN, H_SCRATCH_GFN + 7, GNTST_general_error},
		{"host gfn beyond the P2M", GNTMAP_host_map, -1, 8, GTF_permit_access, -1, RAM_GFN, 1ULL << 40, GNTST_general_error},
	};

	(void)state;
	pair(&h, &back, &front);
	other = h_domain(&h, "other", 0, 64);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct map_case *c = &cases[i];
		domid_t dom = c->dom == -1 ? front->id : c->dom == -2 ? back->id
			      : c->dom == -3 ? DOMID_SELF : (domid_t)c->dom;
		domid_t gdom = c->gdom == -1 ? back->id : c->gdom == -2 ? other->id : (domid_t)c->gdom;
		int16_t st;

		/* A self-grant lives in back's own table. */
		if (c->dom == -2 && gnttab_nr_frames(back) == 0)
			assert_int_equal(atp_grant(&h, back, 0, GNT_GFN), 0);
		if (c->dom == -2) {
			h_populate(&h, back, RAM_GFN, 1);
			h_grant(back, c->ref, back->id, RAM_GFN, c->gflags);
		} else {
			h_grant(front, 8, gdom, c->gframe, c->gflags);
		}
		st = map(&h, back, dom, c->ref, c->host_gfn, c->flags, NULL);
		if (st != c->status)
			fail_msg("%s: status %d, expected %d", c->what, st, c->status);
		/* Nothing stays behind: no map, no pin flags, no reference. */
		assert_int_equal(gnttab_nr_maps(back), 0);
		assert_int_equal(h_gnt_entry(front, 8)->flags, c->dom == -2 ? GTF_permit_access : c->gflags);
		assert_int_equal(page_count(&h, front, RAM_GFN), 1);
	}

	/* The granter's table has no frames at all. */
	h_grant(front, 8, back->id, RAM_GFN, GTF_permit_access);
	assert_int_equal(map(&h, back, other->id, 0, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_gntref);

	/* Pinned by one mapper: another domain cannot map the same entry even
	 * if the granter rewrites its domid. */
	assert_int_equal(map(&h, back, front->id, 8, MAP_GFN, GNTMAP_host_map, NULL), GNTST_okay);
	h_gnt_entry(front, 8)->domid = other->id;
	assert_int_equal(map(&h, other, front->id, 8, MAP_GFN, GNTMAP_host_map, NULL), GNTST_general_error);
	h_gnt_entry(front, 8)->domid = back->id;

	/* Pin counters saturate like Xen's 8-bit ones: the 129th read-only
	 * map of one entry fails. */
	for (unsigned int i = 0; i < 127; i++)
		assert_int_equal(map(&h, back, front->id, 8, MAP_GFN + 1 + i, GNTMAP_host_map | GNTMAP_readonly,
				     NULL), GNTST_okay);
	assert_int_equal(map(&h, back, front->id, 8, MAP_GFN + 200, GNTMAP_host_map | GNTMAP_readonly, NULL),
			 GNTST_okay);
	assert_int_equal(map(&h, back, front->id, 8, MAP_GFN + 201, GNTMAP_host_map | GNTMAP_readonly, NULL),
			 GNTST_general_error);
	assert_int_equal(gnttab_nr_maps(back), 129);
	assert_int_equal(page_count(&h, front, RAM_GFN), 130);

	/* A dying granter accepts no new maps. */
	hv_lock(h.hv);
	domain_destroy(front);
	hv_unlock(h.hv);
	assert_int_equal(map(&h, back, front->id, 9, MAP_GFN + 300, GNTMAP_host_map, NULL), GNTST_bad_domain);
	h_audit(&h);
	h_fini(&h);
}

static void test_destroy_mapper(void **state)
{
	struct harness h;
	struct domain *back, *front;
	domid_t bid;

	(void)state;
	pair(&h, &back, &front);
	bid = back->id;
	h_grant(front, 8, back->id, RAM_GFN, GTF_permit_access);
	h_grant(front, 10, back->id, RAM_GFN + 1, GTF_permit_access | GTF_readonly);
	assert_int_equal(map(&h, back, front->id, 8, MAP_GFN, GNTMAP_host_map, NULL), GNTST_okay);
	assert_int_equal(map(&h, back, front->id, 10, MAP_GFN + 1, GNTMAP_host_map | GNTMAP_readonly, NULL),
			 GNTST_okay);
	hv_lock(h.hv);
	domain_destroy(back);
	hv_unlock(h.hv);
	h_audit(&h);
	/* Every pin and reference went with the mapper. */
	assert_null(domain_by_id(h.hv, bid));
	assert_int_equal(h_gnt_entry(front, 8)->flags, GTF_permit_access);
	assert_int_equal(h_gnt_entry(front, 10)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(page_count(&h, front, RAM_GFN), 1);
	assert_int_equal(page_count(&h, front, RAM_GFN + 1), 1);
	h_fini(&h);
}

static void test_destroy_granter(void **state)
{
	struct harness h;
	struct domain *back, *front;
	grant_handle_t hd;
	domid_t fid;
	uint64_t free0;

	(void)state;
	pair(&h, &back, &front);
	fid = front->id;
	h_grant(front, 8, back->id, RAM_GFN, GTF_permit_access);
	assert_int_equal(map(&h, back, front->id, 8, MAP_GFN, GNTMAP_host_map, &hd), GNTST_okay);
	free0 = h.hv->heap.free_pages;
	hv_lock(h.hv);
	domain_destroy(front);
	hv_unlock(h.hv);
	h_audit(&h);
	/* The granted frame stays alive (and its owner a zombie) until the
	 * backend unmaps it; everything else of the frontend is freed. */
	assert_non_null(domain_by_id(h.hv, fid));
	assert_int_equal(front->tot_pages, 1);
	assert_string_equal(h_va(back, MAP_GFN << PAGE_SHIFT), "frontend data");
	assert_int_equal(h.hv->heap.free_pages, free0 + 8 + 3);
	assert_int_equal(unmap(&h, back, MAP_GFN << PAGE_SHIFT, hd, 0), GNTST_okay);
	assert_null(domain_by_id(h.hv, fid));
	/* The last frame and the table frame are back. */
	assert_int_equal(h.hv->heap.free_pages, free0 + 8 + 3 + 1 + 1);
	h_fini(&h);
}

static void test_batches(void **state)
{
	struct harness h;
	struct domain *back, *front;
	struct gnttab_map_grant_ref ops[3];
	struct gnttab_unmap_grant_ref *un;
	struct gnttab_transfer tr[2];
	uint64_t calls;
	const unsigned int n = 1100;

	(void)state;
	pair(&h, &back, &front);
	h_grant(front, 8, back->id, RAM_GFN, GTF_permit_access);
	h_grant(front, 9, back->id, RAM_GFN + 1, GTF_permit_access);

	/* Per-element status: the middle one fails, the others map. */
	memset(ops, 0, sizeof(ops));
	for (int i = 0; i < 3; i++) {
		ops[i].host_addr = (MAP_GFN + (uint64_t)i) << PAGE_SHIFT;
		ops[i].flags = GNTMAP_host_map;
		ops[i].dom = front->id;
		ops[i].ref = 8 + (uint32_t)i;
	}
	ops[1].ref = 4096;
	ops[2].ref = 9;
	h_put(back, 0x100, ops, sizeof(ops));
	assert_int_equal(gop(&h, back, GNTTABOP_map_grant_ref, 0x100, 3), 0);
	h_get(back, 0x100, ops, sizeof(ops));
	assert_int_equal(ops[0].status, GNTST_okay);
	assert_int_equal(ops[1].status, GNTST_bad_gntref);
	assert_int_equal(ops[2].status, GNTST_okay);
	h_audit(&h);

	/* Huge counts (negative as int) are refused before anything. */
	assert_int_equal(gop(&h, back, GNTTABOP_map_grant_ref, 0x100, 0x80000000u), -EINVAL);
	assert_int_equal(gop(&h, back, GNTTABOP_unmap_grant_ref, 0x100, 0xffffffffu), -EINVAL);
	/* A large positive count runs until the array leaves guest memory;
	 * the elements before the fault are done. */
	un = calloc(n, sizeof(*un));
	assert_non_null(un);
	un[0].host_addr = MAP_GFN << PAGE_SHIFT;
	un[0].handle = ops[0].handle;
	for (unsigned int i = 1; i < n; i++) {
		un[i].host_addr = MAP_GFN << PAGE_SHIFT;
		un[i].handle = 50000 + i;
	}
	h_put(back, 0x100, un, n * sizeof(*un));
	assert_int_equal(gop(&h, back, GNTTABOP_unmap_grant_ref, H_SCRATCH_PAGES * PAGE_SIZE - 24, 0x7fffffff),
			 -EFAULT);
	assert_int_equal(gop(&h, back, GNTTABOP_unmap_grant_ref, 0x100, 0x7fffffff), -EFAULT);
	assert_int_equal(gnttab_nr_maps(back), 1);
	h_audit(&h);

	/* Continuations: more elements than one call does before offering
	 * to continue; every element gets its status. */
	un[0].host_addr = (MAP_GFN + 2) << PAGE_SHIFT;
	un[0].handle = ops[2].handle;
	for (unsigned int i = 0; i < n; i++)
		un[i].status = 99;
	h_put(back, 0x100, un, n * sizeof(*un));
	calls = h.hv->st.hypercalls;
	assert_int_equal(gop(&h, back, GNTTABOP_unmap_grant_ref, 0x100, n), 0);
	assert_true(h.hv->st.hypercalls - calls >= 2);
	h_get(back, 0x100, un, n * sizeof(*un));
	assert_int_equal(un[0].status, GNTST_okay);
	for (unsigned int i = 1; i < n; i++)
		assert_int_equal(un[i].status, GNTST_bad_handle);
	assert_int_equal(gnttab_nr_maps(back), 0);
	assert_int_equal(h_gnt_entry(front, 9)->flags, GTF_permit_access);
	free(un);
	h_audit(&h);

	/* The command word: continuation bits only for cache_flush; the
	 * sub-ops memvisor does not implement are ENOSYS. */
	assert_int_equal(gop(&h, back, GNTTABOP_map_grant_ref | (1u << 12), 0x100, 1), -EINVAL);
	assert_int_equal(gop(&h, back, GNTTABOP_copy, 0x100, 1), -ENOSYS);
	assert_int_equal(gop(&h, back, GNTTABOP_dump_table, 0x100, 1), -ENOSYS);
	assert_int_equal(gop(&h, back, GNTTABOP_unmap_and_replace, 0x100, 1), -ENOSYS);
	assert_int_equal(gop(&h, back, GNTTABOP_get_status_frames, 0x100, 1), -ENOSYS);
	assert_int_equal(gop(&h, back, GNTTABOP_swap_grant_ref, 0x100, 1), -ENOSYS);
	assert_int_equal(gop(&h, back, GNTTABOP_cache_flush, 0x100, 1), -ENOSYS);
	assert_int_equal(gop(&h, back, 99, 0x100, 1), -ENOSYS);
	assert_int_equal(gop(&h, back, GNTTABOP_map_grant_ref, 0x100000, 1), -EFAULT);
	assert_int_equal(gop(&h, back, GNTTABOP_map_grant_ref, 0x100, 0), 0);

	/* Transfer: a translated domain cannot give pages away. */
	memset(tr, 0, sizeof(tr));
	tr[0].mfn = RAM_GFN;
	tr[0].domid = back->id;
	tr[1].mfn = RAM_GFN + 999;
	tr[1].domid = back->id;
	h_put(front, 0x100, tr, sizeof(tr));
	assert_int_equal(gop(&h, front, GNTTABOP_transfer, 0x100, 2), 0);
	h_get(front, 0x100, tr, sizeof(tr));
	assert_int_equal(tr[0].status, GNTST_general_error);
	assert_int_equal(tr[1].status, GNTST_bad_page);
	assert_int_equal(page_count(&h, front, RAM_GFN), 1);
	h_audit(&h);
	h_fini(&h);
}

/*
 * A guest that fills its maptrack (GNTTAB_MAX_MAPTRACK handles: 2048
 * grants mapped read-only 128 times each, the pin limit) gets
 * GNTST_no_device_space for the next map and nothing else: its maps stay
 * usable, other domains still map, an unmap frees a handle for the next
 * map, and destroying it releases all of them.
 */
static void test_maptrack_exhaustion(void **state)
{
	enum { NREFS = 2048, ROUNDS = 128, BATCH = 512, FIRST = 8 };
	struct harness h;
	struct domain *back, *front, *other;
	struct gnttab_map_grant_ref *ops;
	const uint64_t chunks[] = {RAM_GFN, RAM_GFN + 512, RAM_GFN + 1024, RAM_GFN + 1536};
	grant_handle_t first = 0, hx;
	domid_t bid;

	(void)state;
	assert_int_equal(NREFS * ROUNDS, GNTTAB_MAX_MAPTRACK);
	h_init_default(&h);
	back = h_domain(&h, "back", 0, 64);
	front = h_domain(&h, "front", 0, 4096);
	other = h_domain(&h, "other", 0, 64);
	bid = back->id;
	assert_int_equal(h_reservation(&h, front, XENMEM_populate_physmap, chunks, 4, 9, DOMID_SELF), 4);
	strcpy(h_va(front, RAM_GFN << PAGE_SHIFT), "frontend data");
	for (uint64_t f = 0; f < 5; f++)
		assert_int_equal(atp_grant(&h, front, f, GNT_GFN + f), 0);
	for (grant_ref_t r = 0; r < NREFS; r++)
		h_grant(front, FIRST + r, back->id, RAM_GFN + r, GTF_permit_access);
	h_audit(&h);

	ops = calloc(BATCH, sizeof(*ops));
	assert_non_null(ops);
	for (uint64_t round = 0; round < ROUNDS; round++) {
		for (grant_ref_t r0 = 0; r0 < NREFS; r0 += BATCH) {
			for (unsigned int i = 0; i < BATCH; i++)
				ops[i] = (struct gnttab_map_grant_ref){
					.host_addr = (MAP_GFN + round * NREFS + r0 + i) << PAGE_SHIFT,
					.flags = GNTMAP_host_map | GNTMAP_readonly,
					.ref = FIRST + r0 + i, .dom = front->id, .status = 99};
			h_put(back, 0x100, ops, BATCH * sizeof(*ops));
			assert_int_equal(gop(&h, back, GNTTABOP_map_grant_ref, 0x100, BATCH), 0);
			h_get(back, 0x100, ops, BATCH * sizeof(*ops));
			for (unsigned int i = 0; i < BATCH; i++)
				assert_int_equal(ops[i].status, GNTST_okay);
			if (round == 0 && r0 == 0)
				first = ops[0].handle;
		}
	}
	free(ops);
	assert_int_equal(gnttab_nr_maps(back), GNTTAB_MAX_MAPTRACK);
	assert_int_equal(page_count(&h, front, RAM_GFN), 1 + ROUNDS);
	h_audit(&h);

	/* Full: the next map, of a fresh grant or a pinned one, is refused
	 * and leaves nothing behind. */
	h_grant(front, FIRST + NREFS, back->id, RAM_GFN + NREFS - 1, GTF_permit_access);
	assert_int_equal(map(&h, back, front->id, FIRST + NREFS, MAP_GFN - 1, GNTMAP_host_map, NULL),
			 GNTST_no_device_space);
	assert_int_equal(map(&h, back, front->id, FIRST, MAP_GFN - 2, GNTMAP_host_map | GNTMAP_readonly,
			     NULL), GNTST_no_device_space);
	assert_int_equal(h_gnt_entry(front, FIRST + NREFS)->flags, GTF_permit_access);
	assert_int_equal(gnttab_nr_maps(back), GNTTAB_MAX_MAPTRACK);
	assert_int_equal(page_count(&h, front, RAM_GFN), 1 + ROUNDS);
	assert_true(mfn_eq(p2m_lookup(back, _gfn(MAP_GFN - 1), NULL, NULL), INVALID_MFN));

	/* Nothing else broke: its maps still show the data, another domain
	 * maps a grant, the full guest still answers other calls. */
	assert_string_equal(h_va(back, (MAP_GFN + (ROUNDS - 1) * NREFS) << PAGE_SHIFT), "frontend data");
	h_grant(front, FIRST + NREFS + 1, other->id, RAM_GFN + 1, GTF_permit_access);
	assert_int_equal(map(&h, other, front->id, FIRST + NREFS + 1, MAP_GFN, GNTMAP_host_map, &hx),
			 GNTST_okay);
	assert_int_equal(unmap(&h, other, MAP_GFN << PAGE_SHIFT, hx, 0), GNTST_okay);
	assert_int_equal(h_call(&h, back, __HYPERVISOR_grant_table_op, GNTTABOP_query_size, h_gpa(0), 1, 0,
				0), 0);

	/* An unmap frees one handle, which the next map gets; then full again. */
	assert_int_equal(unmap(&h, back, MAP_GFN << PAGE_SHIFT, first, 0), GNTST_okay);
	assert_int_equal(gnttab_nr_maps(back), GNTTAB_MAX_MAPTRACK - 1);
	assert_int_equal(map(&h, back, front->id, FIRST + NREFS, MAP_GFN - 1, GNTMAP_host_map, &hx),
			 GNTST_okay);
	assert_int_equal(hx, first);
	assert_int_equal(h_gnt_entry(front, FIRST + NREFS)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(map(&h, back, front->id, FIRST + 1, MAP_GFN - 2, GNTMAP_host_map | GNTMAP_readonly,
			     NULL), GNTST_no_device_space);

	/* Destruction releases every handle, pin and reference. */
	hv_lock(h.hv);
	domain_destroy(back);
	hv_unlock(h.hv);
	h_audit(&h);
	assert_null(domain_by_id(h.hv, bid));
	assert_int_equal(page_count(&h, front, RAM_GFN), 1);
	assert_int_equal(page_count(&h, front, RAM_GFN + NREFS - 1), 1);
	assert_int_equal(h_gnt_entry(front, FIRST)->flags, GTF_permit_access);
	assert_int_equal(h_gnt_entry(front, FIRST + NREFS)->flags, GTF_permit_access);
	h_fini(&h);
}

/* A table frame the guest moved itself (XENMAPSPACE_gmfn) and then maps
 * again by index ends up mapped once, at the new place: memvisor has no
 * M2P, so its record of where the frame sits must not be trusted. */
static void test_frame_moved_by_guest(void **state)
{
	struct harness h;
	struct domain *d;
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn,
				       .idx = 0x38000, .gpfn = 0x38005};
	mfn_t frame;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "g", 0, 256);
	assert_int_equal(atp_grant(&h, d, 0, 0x38000), 0);
	frame = gnttab_frame_mfn(d, 0);
	h_put(d, 0, &x, sizeof(x));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0),
				0, 0, 0), 0);
	h_audit(&h);
	assert_int_equal(atp_grant(&h, d, 0, 0x38001), 0);
	h_audit(&h);
	hv_lock(h.hv);
	assert_true(mfn_eq(p2m_lookup(d, _gfn(0x38005), NULL, NULL), INVALID_MFN));
	assert_true(mfn_eq(p2m_lookup(d, _gfn(0x38001), NULL, NULL), frame));
	hv_unlock(h.hv);
	h_fini(&h);
}

static void test_versions(void **state)
{
	struct harness h;
	struct domain *d, *other;
	struct gnttab_set_version sv;
	struct gnttab_get_version gv;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "d", 0, 64);
	other = h_domain(&h, "other", 0, 64);
	sv.version = 1;
	h_put(d, 0, &sv, sizeof(sv));
	assert_int_equal(gop(&h, d, GNTTABOP_set_version, 0, 1), 0);
	sv.version = 2;
	h_put(d, 0, &sv, sizeof(sv));
	assert_int_equal(gop(&h, d, GNTTABOP_set_version, 0, 1), -ENOSYS);
	h_get(d, 0, &sv, sizeof(sv));
	assert_int_equal(sv.version, 1);
	sv.version = 3;
	h_put(d, 0, &sv, sizeof(sv));
	assert_int_equal(gop(&h, d, GNTTABOP_set_version, 0, 1), -EINVAL);
	h_get(d, 0, &sv, sizeof(sv));
	assert_int_equal(sv.version, 1);
	assert_int_equal(gop(&h, d, GNTTABOP_set_version, 0x100000, 1), -EFAULT);

	memset(&gv, 0, sizeof(gv));
	gv.dom = DOMID_SELF;
	h_put(d, 0, &gv, sizeof(gv));
	assert_int_equal(gop(&h, d, GNTTABOP_get_version, 0, 1), 0);
	h_get(d, 0, &gv, sizeof(gv));
	assert_int_equal(gv.version, 1);
	gv.dom = other->id;
	h_put(d, 0, &gv, sizeof(gv));
	assert_int_equal(gop(&h, d, GNTTABOP_get_version, 0, 1), -EPERM);
	gv.dom = 999;
	h_put(d, 0, &gv, sizeof(gv));
	assert_int_equal(gop(&h, d, GNTTABOP_get_version, 0, 1), -ESRCH);
	assert_int_equal(gop(&h, d, GNTTABOP_get_version, 0x100000, 1), -EFAULT);
	h_audit(&h);
	h_fini(&h);
}

/* ------------------------------------------------------------------ */
/* Foreign mapping: every error path of add_to_physmap_batch          */

static int64_t fbatch(struct harness *h, struct domain *caller, domid_t domid, uint16_t space,
		      domid_t fdom, const uint64_t *idxs, const uint64_t *gpfns, int *errs, uint16_t n)
{
	struct xen_add_to_physmap_batch b = {.domid = domid, .space = space, .size = n,
					     .idxs = h_gpa(0x1000), .gpfns = h_gpa(0x3000),
					     .errs = h_gpa(0x5000)};
	int64_t rc;

	b.u.foreign_domid = fdom;
	h_put(caller, 0, &b, sizeof(b));
	h_put(caller, 0x1000, idxs, n * sizeof(*idxs));
	h_put(caller, 0x3000, gpfns, n * sizeof(*gpfns));
	memset(errs, 0x55, n * sizeof(*errs));
	h_put(caller, 0x5000, errs, n * sizeof(*errs));
	rc = h_call(h, caller, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, h_gpa(0), 0, 0, 0);
	h_get(caller, 0x5000, errs, n * sizeof(*errs));
	h_audit(h);
	return rc;
}

/* The mapper's statistics keep where foreign frames were mapped, in
 * coalesced GFN runs, after the mappings are gone (the run report). */
static void test_foreign_runs_logged(void **state)
{
	struct harness h;
	struct domain *back, *front;
	uint64_t idx[4], gpfn[4];
	int errs[4];

	(void)state;
	pair(&h, &back, &front);
	back->targets[back->nr_targets++] = front->id; /* memvisor,backend-for */
	for (unsigned int i = 0; i < 4; i++) {
		idx[i] = RAM_GFN + i;
		gpfn[i] = MAP_GFN + 1 + i; /* one run */
	}
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn,
				errs, 4), 0);
	idx[0] = RAM_GFN;     gpfn[0] = MAP_GFN;       /* extends it downwards */
	idx[1] = RAM_GFN + 1; gpfn[1] = MAP_GFN + 20;  /* a second run */
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn,
				errs, 2), 0);
	assert_true(!errs[0] && !errs[1]);
	for (unsigned int i = 0; i < 5; i++) {
		struct xen_remove_from_physmap r = {.domid = DOMID_SELF, .gpfn = MAP_GFN + i};

		h_put(back, 0, &r, sizeof(r));
		assert_int_equal(h_call(&h, back, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
					h_gpa(0), 0, 0, 0), 0);
	}
	h_audit(&h);
	assert_int_equal(back->st.foreign_mapped, 6);
	assert_int_equal(back->st.nr_foreign_runs, 2);
	assert_int_equal(back->st.foreign_runs[0].start, MAP_GFN);
	assert_int_equal(back->st.foreign_runs[0].n, 5);
	assert_int_equal(back->st.foreign_runs[1].start, MAP_GFN + 20);
	assert_int_equal(back->st.foreign_runs[1].n, 1);
	assert_int_equal(back->st.foreign_unlogged, 0);
	/* Runs beyond the log's room are counted, not kept. */
	for (unsigned int i = 0; i < DOMAIN_FOREIGN_RUNS; i++) {
		idx[0] = RAM_GFN + i % 4; /* front has 4 pages */
		gpfn[0] = MAP_GFN + 100 + 2 * i;
		assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_foreign, front->id,
					idx, gpfn, errs, 1), 0);
		assert_int_equal(errs[0], 0);
	}
	assert_int_equal(back->st.nr_foreign_runs, DOMAIN_FOREIGN_RUNS);
	assert_int_equal(back->st.foreign_unlogged, 2);
	h_fini(&h);
}

static void test_foreign_errors(void **state)
{
	struct harness h;
	struct domain *back, *front, *other, *dom0;
	uint64_t idx[8], gpfn[8];
	int errs[1100];
	grant_handle_t hd;
	domid_t fid;

	(void)state;
	pair(&h, &back, &front);
	other = h_domain(&h, "other", 0, 64);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 64);
	back->targets[back->nr_targets++] = front->id; /* memvisor,backend-for */

	/* Per entry: unpopulated source, source beyond the P2M, target beyond
	 * the P2M, the granter's table frame, fine. */
	idx[0] = RAM_GFN + 100;  gpfn[0] = MAP_GFN;
	idx[1] = 1ULL << 40;     gpfn[1] = MAP_GFN + 1;
	idx[2] = RAM_GFN;        gpfn[2] = 1ULL << 40;
	idx[3] = GNT_GFN;        gpfn[3] = MAP_GFN + 3;
	idx[4] = RAM_GFN + 1;    gpfn[4] = MAP_GFN + 4;
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn, errs, 5), 0);
	assert_int_equal(errs[0], -EINVAL);
	assert_int_equal(errs[1], -EINVAL);
	assert_int_equal(errs[2], -EINVAL);
	assert_int_equal(errs[3], -EINVAL);
	assert_int_equal(errs[4], 0);
	assert_int_equal(page_count(&h, front, RAM_GFN + 1), 2);
	assert_int_equal(back->st.foreign_mapped, 1);

	/* Only RAM of the foreign domain: not its own foreign or grant maps. */
	h_grant(front, 8, back->id, RAM_GFN + 2, GTF_permit_access);
	assert_int_equal(map(&h, back, front->id, 8, MAP_GFN + 10, GNTMAP_host_map, &hd), GNTST_okay);
	idx[0] = MAP_GFN + 4;  gpfn[0] = 0x200000; /* back's foreign map of front */
	idx[1] = MAP_GFN + 10; gpfn[1] = 0x200001; /* back's grant map */
	assert_int_equal(fbatch(&h, dom0, DOMID_SELF, XENMAPSPACE_gmfn_foreign, back->id, idx, gpfn, errs, 2), 0);
	assert_int_equal(errs[0], -EINVAL);
	assert_int_equal(errs[1], -EINVAL);
	/* A grant map in the way of a foreign map is not replaced. */
	idx[0] = RAM_GFN + 3; gpfn[0] = MAP_GFN + 10;
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn, errs, 1), 0);
	assert_int_equal(errs[0], -EINVAL);
	assert_int_equal(page_count(&h, front, RAM_GFN + 3), 1);
	/* A foreign map onto a foreign map replaces it (the old ref drops). */
	idx[0] = RAM_GFN + 3; gpfn[0] = MAP_GFN + 4;
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn, errs, 1), 0);
	assert_int_equal(errs[0], 0);
	assert_int_equal(page_count(&h, front, RAM_GFN + 1), 1);
	assert_int_equal(page_count(&h, front, RAM_GFN + 3), 2);

	/* Foreign-domain errors are per entry: unknown, itself, no privilege. */
	idx[0] = RAM_GFN; gpfn[0] = MAP_GFN + 20;
	idx[1] = RAM_GFN; gpfn[1] = MAP_GFN + 21;
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_foreign, 999, idx, gpfn, errs, 2), 0);
	assert_int_equal(errs[0], -ESRCH);
	assert_int_equal(errs[1], -ESRCH);
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_foreign, back->id, idx, gpfn, errs, 1), 0);
	assert_int_equal(errs[0], -EINVAL);
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_foreign, other->id, idx, gpfn, errs, 1), 0);
	assert_int_equal(errs[0], -EPERM);
	assert_int_equal(fbatch(&h, other, DOMID_SELF, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn, errs, 1), 0);
	assert_int_equal(errs[0], -EPERM);
	/* Privilege is the target's: Dom0 may not map front into other... */
	assert_int_equal(fbatch(&h, dom0, other->id, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn, errs, 1), 0);
	assert_int_equal(errs[0], -EPERM);
	/* ...but may map into back, which is front's declared backend. */
	assert_int_equal(fbatch(&h, dom0, back->id, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn, errs, 1), 0);
	assert_int_equal(errs[0], 0);
	/* And Dom0 maps anyone into itself. */
	assert_int_equal(fbatch(&h, dom0, DOMID_SELF, XENMAPSPACE_gmfn_foreign, other->id, idx, gpfn, errs, 1), 0);
	assert_int_equal(errs[0], -EINVAL); /* other has no RAM there */

	/* Call-wide errors: the target domain, spaces, res0, faults. */
	assert_int_equal(fbatch(&h, back, front->id, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn, errs, 1), -EPERM);
	assert_int_equal(fbatch(&h, dom0, 999, XENMAPSPACE_gmfn_foreign, front->id, idx, gpfn, errs, 1), -ESRCH);
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn_range, 0, idx, gpfn, errs, 1), -EINVAL);
	assert_int_equal(fbatch(&h, back, DOMID_SELF, 77, 0, idx, gpfn, errs, 1), -ENOSYS);
	assert_int_equal(fbatch(&h, back, DOMID_SELF, XENMAPSPACE_gmfn, 3, idx, gpfn, errs, 1), -EINVAL);
	{
		struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_foreign,
						     .size = 1, .idxs = 0x7000000000ULL, .gpfns = h_gpa(0x3000),
						     .errs = h_gpa(0x5000)};

		b.u.foreign_domid = front->id;
		h_put(back, 0, &b, sizeof(b));
		assert_int_equal(h_call(&h, back, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
					h_gpa(0), 0, 0, 0), -EFAULT);
		b.idxs = h_gpa(0x1000);
		b.errs = 0x7000000000ULL;
		h_put(back, 0, &b, sizeof(b));
		assert_int_equal(h_call(&h, back, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
					h_gpa(0), 0, 0, 0), -EFAULT);
		assert_int_equal(h_call(&h, back, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
					0x7000000000ULL, 0, 0, 0), -EFAULT);
		h_audit(&h);
	}

	/* Continuation: more entries than one call does at once. The arrays
	 * live in the caller's RAM (populated for the purpose). */
	{
		struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_foreign,
						     .size = 1100};
		uint64_t base = RAM_GFN << PAGE_SHIFT;
		uint64_t *ix = h_va(back, base), *gp = h_va(back, base + 0x3000);
		uint64_t calls;

		h_populate(&h, back, RAM_GFN, 8);
		for (unsigned int i = 0; i < 1100; i++) {
			ix[i] = RAM_GFN + 100 + i; /* unpopulated */
			gp[i] = 0x300000 + i;
		}
		ix[1099] = RAM_GFN; /* the last one maps */
		b.u.foreign_domid = front->id;
		b.idxs = base;
		b.gpfns = base + 0x3000;
		b.errs = base + 0x6000;
		h_put(back, 0, &b, sizeof(b));
		calls = h.hv->st.hypercalls;
		assert_int_equal(h_call(&h, back, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
					h_gpa(0), 0, 0, 0), 0);
		assert_true(h.hv->st.hypercalls - calls >= 2);
		memcpy(errs, h_va(back, base + 0x6000), sizeof(errs));
		for (unsigned int i = 0; i < 1099; i++)
			assert_int_equal(errs[i], -EINVAL);
		assert_int_equal(errs[1099], 0);
		assert_string_equal(h_va(back, (0x300000ULL + 1099) << PAGE_SHIFT), "frontend data");
		h_audit(&h);
	}

	/* The frontend dies while mapped by foreign and grant maps; the
	 * backend's destruction then releases everything. */
	hv_lock(h.hv);
	domain_destroy(front);
	hv_unlock(h.hv);
	h_audit(&h);
	assert_int_equal(front->state, DOMS_dying);
	fid = front->id;
	assert_int_equal(unmap(&h, back, (MAP_GFN + 10) << PAGE_SHIFT, hd, 0), GNTST_okay);
	hv_lock(h.hv);
	domain_destroy(back);
	hv_unlock(h.hv);
	h_audit(&h);
	assert_null(domain_by_id(h.hv, fid)); /* the last references went with back */
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_setup),
		cmocka_unit_test(test_frame_limit),
		cmocka_unit_test(test_map_unmap),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_destroy_mapper),
		cmocka_unit_test(test_destroy_granter),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_maptrack_exhaustion),
		cmocka_unit_test(test_frame_moved_by_guest),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_foreign_errors),
		cmocka_unit_test(test_foreign_runs_logged),
	};

	return cmocka_run_group_tests_name("grant", tests, NULL, NULL);
}
