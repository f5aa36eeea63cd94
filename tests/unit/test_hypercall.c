/*
 * Hypercall tests through the dispatcher: every memory_op path and error,
 * the informational calls, and foreign mapping references. The audit runs
 * after each step.
 */
#include <errno.h>
#include <string.h>

#include <public/domctl.h>
#include <public/memory.h>
#include <public/sysctl.h>
#include <public/version.h>
#include <public/xen.h>

#include "harness.h"

#define RAM_GFN 0x40000ULL /* guest RAM0 at 1 GiB */

static int64_t populate(struct harness *h, struct domain *d, uint64_t gfn, uint64_t n,
			unsigned int order)
{
	uint64_t gfns[512];

	assert_true(n <= 512);
	for (uint64_t i = 0; i < n; i++)
		gfns[i] = gfn + (i << order);
	return h_reservation(h, d, XENMEM_populate_physmap, gfns, n, order, DOMID_SELF);
}

static void test_populate_decrease_data(void **state)
{
	struct harness h;
	struct domain *d;
	uint64_t before, gfn;
	uint8_t *p;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "pop", 0, 4096);
	before = d->tot_pages;
	/* One 2 MiB extent becomes one superpage leaf. */
	assert_int_equal(populate(&h, d, RAM_GFN, 1, 9), 1);
	h_audit(&h);
	assert_int_equal(d->tot_pages, before + 512);
	assert_int_equal(d->p2m.st.leaves[1], 1);
	p = h_va(d, RAM_GFN << PAGE_SHIFT);
	for (int i = 0; i < 512; i++)
		assert_int_equal(p[i * PAGE_SIZE], 0); /* fresh frames read zero */
	memset(p, 0xa5, 512 * PAGE_SIZE);
	/* The data is in the frames the P2M names. */
	mfn_t m = p2m_lookup(d, _gfn(RAM_GFN + 3), NULL, NULL);
	assert_int_equal(*(uint8_t *)frame_va(&h.hv->ft, m), 0xa5);

	/* Decreasing one page shatters the superpage and frees the frame. */
	gfn = RAM_GFN + 3;
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	h_audit(&h);
	assert_int_equal(d->tot_pages, before + 511);
	assert_int_equal(d->p2m.st.shattered[1], 1);
	assert_int_equal(h.hv->ft.pages[0].state == PGS_free || true, 1);
	/* Populating it again gives a zeroed frame; the rest kept its data. */
	assert_int_equal(populate(&h, d, gfn, 1, 0), 1);
	assert_int_equal(p[3 * PAGE_SIZE], 0);
	assert_int_equal(p[4 * PAGE_SIZE], 0xa5);
	h_audit(&h);
	h_fini(&h);
}

static void test_populate_errors(void **state)
{
	struct harness h;
	struct domain *d;
	uint64_t gfn = RAM_GFN;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "err", 0, 8 + 16);
	/* Order above 1 GiB: nothing done. */
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, &gfn, 1, 19, DOMID_SELF), 0);
	/* Misaligned GFN for the order: extent refused. */
	gfn = RAM_GFN + 1;
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, &gfn, 1, 2, DOMID_SELF), 0);
	/* Over max_pages: partial progress, 16 of 20 pages. */
	assert_int_equal(populate(&h, d, RAM_GFN, 20, 0), 16);
	h_audit(&h);
	/* Already populated GFN: refused. */
	h.hv->domains->max_pages += 1;
	gfn = RAM_GFN;
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, &gfn, 1, 0, DOMID_SELF), 0);
	/* Beyond the guest physical address space. */
	gfn = 1ULL << 28;
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, &gfn, 1, 0, DOMID_SELF), 0);
	/* Unreadable extent list: stops at once. */
	struct xen_memory_reservation r = {.extent_start = 0xdead0000, .nr_extents = 2,
					   .domid = DOMID_SELF};
	h_put(d, 0, &r, sizeof(r));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_populate_physmap, h_gpa(0), 0,
				0, 0), 0);
	/* Unreadable argument. */
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_populate_physmap, 0xdead0000,
				0, 0, 0), -EFAULT);
	/* Unknown domain, and another domain without privilege. */
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, &gfn, 1, 0, 77), -ESRCH);
	struct domain *other = h_domain(&h, "other", 0, 64);
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, &gfn, 1, 0, other->id), -EPERM);
	/* Start extent beyond the list returns it unchanged. */
	r.extent_start = h_gpa(0x1000);
	h_put(d, 0, &r, sizeof(r));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op,
				XENMEM_populate_physmap | (5 << MEMOP_EXTENT_SHIFT), h_gpa(0), 0, 0, 0), 5);
	/* Unknown sub-op and a continuation on a call that has none. */
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, 63, h_gpa(0), 0, 0, 0), -ENOSYS);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op,
				XENMEM_current_reservation | (1 << MEMOP_EXTENT_SHIFT), h_gpa(0), 0, 0, 0),
			 -ENOSYS);
	h_audit(&h);
	h_fini(&h);
}

static void test_decrease_errors(void **state)
{
	struct harness h;
	struct domain *d;
	uint64_t gfns[2] = {RAM_GFN, RAM_GFN + 1};

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "dec", 0, 64);
	assert_int_equal(populate(&h, d, RAM_GFN, 1, 0), 1);
	/* Second extent is not populated: one done. */
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, 2, 0, DOMID_SELF), 1);
	/* An order-1 extent with a hole is refused whole. */
	assert_int_equal(populate(&h, d, RAM_GFN + 2, 1, 0), 1);
	uint64_t g = RAM_GFN + 2;
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, &g, 1, 1, DOMID_SELF), 0);
	assert_int_equal(d->tot_pages, 9);
	h_audit(&h);
	h_fini(&h);
}

static void test_continuation(void **state)
{
	struct harness h;
	struct domain *d;
	static uint64_t gfns[3500];

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "cont", 0, 20000);
	uint64_t mmaps0 = vmm_dom(d)->nr_mmaps;

	for (uint64_t i = 0; i < ARRAY_SIZE(gfns); i++)
		gfns[i] = RAM_GFN + i;
	/* More extents than fit in one go are finished through continuations. */
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, ARRAY_SIZE(gfns), 0,
				       DOMID_SELF), ARRAY_SIZE(gfns));
	assert_int_equal(d->tot_pages, 8 + ARRAY_SIZE(gfns));
	/* Consecutive frames from the heap: one host mapping per
	 * continuation step (1024 extents each), not one per page. */
	assert_int_equal(vmm_dom(d)->nr_mmaps - mmaps0, 4);
	for (uint64_t i = 1; i < ARRAY_SIZE(gfns); i++)
		assert_int_equal(mfn_x(p2m_lookup(d, _gfn(RAM_GFN + i), NULL, NULL)),
				 mfn_x(p2m_lookup(d, _gfn(RAM_GFN), NULL, NULL)) + i);
	h_audit(&h);
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, ARRAY_SIZE(gfns), 0,
				       DOMID_SELF), ARRAY_SIZE(gfns));
	assert_int_equal(d->tot_pages, 8);
	h_audit(&h);
	h_fini(&h);
}

static void test_reservation_queries(void **state)
{
	struct harness h;
	struct domain *d, *dom0;
	domid_t id = DOMID_SELF;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 128);
	d = h_domain(&h, "q", 0, 100);
	h_put(d, 0, &id, sizeof(id));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_current_reservation, h_gpa(0), 0, 0, 0), 8);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_maximum_reservation, h_gpa(0), 0, 0, 0), 100);
	id = dom0->id;
	h_put(d, 0, &id, sizeof(id));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_current_reservation, h_gpa(0), 0, 0, 0), -EPERM);
	id = d->id;
	h_put(dom0, 0, &id, sizeof(id));
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_memory_op, XENMEM_maximum_reservation, h_gpa(0), 0, 0, 0), 100);
	h_fini(&h);
}

static void test_add_to_physmap(void **state)
{
	struct harness h;
	struct domain *d;
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn,
				       .idx = RAM_GFN, .gpfn = RAM_GFN + 100};
	mfn_t m;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "atp", 0, 64);
	assert_int_equal(populate(&h, d, RAM_GFN, 4, 0), 4);
	m = p2m_lookup(d, _gfn(RAM_GFN), NULL, NULL);
	*(uint32_t *)h_va(d, RAM_GFN << PAGE_SHIFT) = 0x1234;
	h_put(d, 0, &x, sizeof(x));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0, 0, 0), 0);
	assert_true(mfn_eq(p2m_lookup(d, _gfn(RAM_GFN + 100), NULL, NULL), m));
	assert_true(mfn_eq(p2m_lookup(d, _gfn(RAM_GFN), NULL, NULL), INVALID_MFN));
	assert_int_equal(*(uint32_t *)h_va(d, (RAM_GFN + 100) << PAGE_SHIFT), 0x1234);
	h_audit(&h);
	/* Moving onto an occupied GFN releases what was there. */
	x.idx = RAM_GFN + 1;
	x.gpfn = RAM_GFN + 2;
	h_put(d, 0, &x, sizeof(x));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0, 0, 0), 0);
	assert_int_equal(d->tot_pages, 8 + 3);
	h_audit(&h);
	/* gmfn_range moves several and reports progress. */
	x.space = XENMAPSPACE_gmfn_range;
	x.idx = RAM_GFN + 2;
	x.gpfn = RAM_GFN + 200;
	x.size = 3; /* the third source frame is empty */
	h_put(d, 0, &x, sizeof(x));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0, 0, 0), -EINVAL);
	h_get(d, 0, &x, sizeof(x));
	assert_int_equal(x.size, 1);
	assert_int_equal(x.idx, RAM_GFN + 4);
	h_audit(&h);
	/* Spaces: foreign only in batch, unknown, empty source. */
	x.space = XENMAPSPACE_gmfn_foreign;
	h_put(d, 0, &x, sizeof(x));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0, 0, 0), -EINVAL);
	x.space = 99;
	h_put(d, 0, &x, sizeof(x));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0, 0, 0), -ENOSYS);
	x.space = XENMAPSPACE_gmfn;
	x.idx = 5;
	h_put(d, 0, &x, sizeof(x));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0, 0, 0), -EINVAL);
	h_audit(&h);
	h_fini(&h);
}

/* Foreign maps: privilege, per-entry errors, references, destruction. */
static void test_foreign_batch(void **state)
{
	struct harness h;
	struct domain *back, *front, *other;
	uint64_t idxs[4] = {RAM_GFN, RAM_GFN + 1, RAM_GFN + 999, RAM_GFN + 2};
	uint64_t gpfns[4] = {0x100000, 0x100001, 0x100002, 0x100003};
	int errs[4];
	struct xen_add_to_physmap_batch b;
	uint64_t free_before;

	(void)state;
	h_init_default(&h);
	back = h_domain(&h, "back", 0, 64);
	front = h_domain(&h, "front", 0, 64);
	other = h_domain(&h, "other", 0, 64);
	back->targets[back->nr_targets++] = front->id;
	assert_int_equal(populate(&h, front, RAM_GFN, 3, 0), 3);
	strcpy(h_va(front, RAM_GFN << PAGE_SHIFT), "frontend data");

	memset(&b, 0, sizeof(b));
	b.domid = DOMID_SELF;
	b.space = XENMAPSPACE_gmfn_foreign;
	b.size = 4;
	b.u.foreign_domid = front->id;
	b.idxs = h_gpa(0x1000);
	b.gpfns = h_gpa(0x2000);
	b.errs = h_gpa(0x3000);
	h_put(back, 0x1000, idxs, sizeof(idxs));
	h_put(back, 0x2000, gpfns, sizeof(gpfns));
	h_put(back, 0, &b, sizeof(b));
	assert_int_equal(h_call(&h, back, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, h_gpa(0), 0, 0, 0), 0);
	h_get(back, 0x3000, errs, sizeof(errs));
	assert_int_equal(errs[0], 0);
	assert_int_equal(errs[1], 0);
	assert_int_equal(errs[2], -EINVAL); /* not populated in the frontend */
	assert_int_equal(errs[3], 0);
	assert_string_equal(h_va(back, 0x100000ULL << PAGE_SHIFT), "frontend data");
	/* Same frames, shared: a write by the backend is seen by the frontend. */
	strcpy(h_va(back, 0x100001ULL << PAGE_SHIFT), "from backend");
	assert_string_equal(h_va(front, (RAM_GFN + 1) << PAGE_SHIFT), "from backend");
	h_audit(&h);

	/* No privilege over `back`: refused. */
	b.u.foreign_domid = back->id;
	h_put(other, 0x1000, idxs, sizeof(idxs));
	h_put(other, 0x2000, gpfns, sizeof(gpfns));
	b.size = 1;
	h_put(other, 0, &b, sizeof(b));
	/* Per-entry errors as in Xen; the call itself succeeds. */
	assert_int_equal(h_call(&h, other, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, h_gpa(0), 0, 0, 0), 0);
	h_get(other, 0x3000, errs, sizeof(int));
	assert_int_equal(errs[0], -EPERM);
	/* Mapping yourself as foreign is refused; res0 must be zero for gmfn. */
	b.u.foreign_domid = DOMID_SELF;
	h_put(other, 0, &b, sizeof(b));
	assert_int_equal(h_call(&h, other, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, h_gpa(0), 0, 0, 0), 0);
	h_get(other, 0x3000, errs, sizeof(int));
	assert_int_equal(errs[0], -EINVAL);
	b.space = XENMAPSPACE_gmfn;
	b.u.res0 = 3;
	h_put(other, 0, &b, sizeof(b));
	assert_int_equal(h_call(&h, other, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, h_gpa(0), 0, 0, 0), -EINVAL);
	h_audit(&h);

	/* The frontend goes away while mapped: its frames stay alive. */
	free_before = h.hv->heap.free_pages;
	hv_lock(h.hv);
	domain_destroy(front);
	hv_unlock(h.hv);
	assert_non_null(domain_by_id(h.hv, front->id));
	assert_int_equal(front->state, DOMS_dying);
	assert_int_equal(front->tot_pages, 3);
	assert_string_equal(h_va(back, 0x100000ULL << PAGE_SHIFT), "frontend data");
	h_audit(&h);
	/* Unmapping the last frame reclaims them and the domain. */
	struct xen_remove_from_physmap rm = {.domid = DOMID_SELF};
	for (int i = 0; i < 4; i++) {
		rm.gpfn = gpfns[i];
		h_put(back, 0, &rm, sizeof(rm));
		assert_int_equal(h_call(&h, back, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap, h_gpa(0), 0, 0, 0),
				 i == 2 ? -ENOENT : 0);
		h_audit(&h);
	}
	assert_int_equal(h.hv->heap.free_pages, free_before + 8 + 3);
	assert_null(domain_by_id(h.hv, 2));
	h_fini(&h);
}

static void test_memory_map(void **state)
{
	struct harness h;
	struct domain *d;
	struct xen_memory_map m = {.nr_entries = 4, .buffer = h_gpa(0x100)};
	struct e820entry e[2];

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "map", 0, 64);
	d->mem_banks[0][0] = GiB(1);
	d->mem_banks[0][1] = MiB(256);
	d->mem_banks[1][0] = GiB(8);
	d->mem_banks[1][1] = MiB(512);
	d->nr_mem_banks = 2;
	h_put(d, 0, &m, sizeof(m));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_memory_map, h_gpa(0), 0, 0, 0), 0);
	h_get(d, 0, &m, sizeof(m));
	assert_int_equal(m.nr_entries, 2);
	h_get(d, 0x100, e, sizeof(e));
	assert_int_equal(e[1].addr, GiB(8));
	assert_int_equal(e[1].size, MiB(512));
	assert_int_equal(e[0].type, E820_RAM);
	m.nr_entries = 1;
	h_put(d, 0, &m, sizeof(m));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_memory_map, h_gpa(0), 0, 0, 0), 0);
	h_get(d, 0, &m, sizeof(m));
	assert_int_equal(m.nr_entries, 1);
	h_fini(&h);
}

static void test_misc_calls(void **state)
{
	struct harness h;
	struct domain *d, *dom0;
	struct xen_sysctl sc;
	struct xen_domctl dc;
	struct sched_shutdown s = {.reason = SHUTDOWN_poweroff};
	char v[16];

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 64);
	d = h_domain(&h, "u", 0, 64);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0), XEN_VERSION_ENCODED);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_xen_version, XENVER_extraversion, h_gpa(0), 0, 0, 0), 0);
	h_get(d, 0, v, sizeof(v));
	assert_string_equal(v, ".0");
	assert_int_equal(h_call(&h, d, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, 0, 0), 4096);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_xen_version, 1234, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_xen_version, XENVER_extraversion, 0x77770000, 0, 0, 0), -EFAULT);
	assert_int_equal(h_call(&h, d, 7, 0, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(h_call(&h, d, 1000, 0, 0, 0, 0, 0), -ENOSYS);

	/* console_io */
	h_put(d, 0, "hello", 5);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_console_io, CONSOLEIO_write, 5, h_gpa(0), 0, 0), 0);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_console_io, CONSOLEIO_write, 5, 0x77770000, 0, 0), -EFAULT);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_console_io, CONSOLEIO_write, 1 << 20, h_gpa(0), 0, 0), -EINVAL);

	/* sysctl physinfo: privileged only, version checked, gpaddr_bits reported. */
	memset(&sc, 0, sizeof(sc));
	sc.cmd = XEN_SYSCTL_physinfo;
	sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	h_put(d, 0, &sc, sizeof(sc));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_sysctl, h_gpa(0), 0, 0, 0, 0), -EPERM);
	h_put(dom0, 0, &sc, sizeof(sc));
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_sysctl, h_gpa(0), 0, 0, 0, 0), 0);
	h_get(dom0, 0, &sc, sizeof(sc));
	assert_int_equal(sc.u.physinfo.gpaddr_bits, 40);
	assert_int_equal(sc.u.physinfo.total_pages, 32768);
	assert_int_equal(sc.u.physinfo.free_pages, h.hv->heap.free_pages);
	sc.interface_version = 0x13;
	h_put(dom0, 0, &sc, sizeof(sc));
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_sysctl, h_gpa(0), 0, 0, 0, 0), -EACCES);

	/* domctl getdomaininfo: gpaddr_bits at offset 96 of the info. */
	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_getdomaininfo;
	dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc.domain = d->id;
	h_put(dom0, 0, &dc, sizeof(dc));
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_domctl, h_gpa(0), 0, 0, 0, 0), 0);
	h_get(dom0, 0, &dc, sizeof(dc));
	assert_int_equal(((uint8_t *)&dc.u.getdomaininfo)[96], 40);
	assert_int_equal(dc.u.getdomaininfo.tot_pages, 8);
	assert_int_equal(dc.u.getdomaininfo.max_pages, 64);
	dc.domain = 999;
	h_put(dom0, 0, &dc, sizeof(dc));
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_domctl, h_gpa(0), 0, 0, 0, 0), -ESRCH);
	h_put(d, 0, &dc, sizeof(dc));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_domctl, h_gpa(0), 0, 0, 0, 0), -EPERM);

	/* sched_op shutdown */
	h_put(d, 0, &s, sizeof(s));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0), 0);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_sched_op, SCHEDOP_shutdown, h_gpa(0), 0, 0, 0), 0);
	assert_int_equal(d->state, DOMS_shutdown);
	assert_int_equal(d->shutdown_reason, SHUTDOWN_poweroff);
	s.reason = 77;
	h_put(d, 0, &s, sizeof(s));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_sched_op, SCHEDOP_shutdown, h_gpa(0), 0, 0, 0), -EINVAL);
	assert_int_equal(h_call(&h, d, __HYPERVISOR_sched_op, 99, 0, 0, 0, 0), -ENOSYS);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_populate_decrease_data),
		cmocka_unit_test(test_populate_errors),
		cmocka_unit_test(test_decrease_errors),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_reservation_queries),
		cmocka_unit_test(test_add_to_physmap),
		cmocka_unit_test(test_foreign_batch),
		cmocka_unit_test(test_memory_map),
		cmocka_unit_test(test_misc_calls),
	};

	return cmocka_run_group_tests_name("hypercall", tests, NULL, NULL);
}
