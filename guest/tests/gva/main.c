/*
 * Hypercall pointers are guest-virtual: this guest maps its hypercall
 * buffers at linear addresses far from their physical ones (a new PML4
 * slot, 4 KiB pages) and passes those addresses, in arguments and in
 * handles inside structures, to memory_op, grant_table_op and iommu_op
 * batches. Two virtually adjacent pages are backed by physical pages in
 * reverse order, so a structure across the boundary is split between
 * non-contiguous frames. Every result is compared with the same call made
 * through the identity map; unmapped, read-only (for results),
 * supervisor-only (the runtime calls from CPL3) and non-canonical pointers
 * are -EFAULT and the guest keeps running.
 *
 * In-process the hosted runtime builds page tables of its own at the first
 * rt_map_page_at() and the transport has the hypervisor walk them, so the
 * same checks run there; only the guest's own access through a new linear
 * address is KVM-only (a host thread reaches guest memory through the
 * window).
 */
#include <string.h>

#include <public/errno.h>
#include <public/grant_table.h>
#include <public/iommu_op.h>
#include <public/version.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>

const char test_title[] = "guest-virtual hypercall pointers";

#define VA 0x0000600000000000ULL /* PML4 slot 192: far from the identity map */
#define V_LO (VA)                /* -> phys page 2 */
#define V_HI (VA + 0x1000)       /* -> phys page 0: V_LO|V_HI straddle */
#define V_RO (VA + 0x2000)       /* -> phys page 1, read-only */
#define V_SUP (VA + 0x3000)      /* -> phys page 1, supervisor only */
#define V_NONE (VA + 0x4000)     /* not mapped */
#define EDGE (VA + 0x2000)       /* end of V_HI = start of V_RO */

static uint8_t *phys[3]; /* identity views of the backing pages */

/* Identity-map pointer of linear address la in V_LO..V_SUP. */
static void *alias(uint64_t la)
{
	static const unsigned int page_of[] = {2, 0, 1, 1};

	return phys[page_of[(la - VA) >> 12]] + (la & 0xfff);
}

/* Copies between a linear range and the caller, through the aliases. */
static void put(uint64_t la, const void *src, size_t len)
{
	const uint8_t *s = src;

	for (size_t i = 0; i < len; i++)
		*(uint8_t *)alias(la + i) = s[i];
}

static void get(uint64_t la, void *dst, size_t len)
{
	uint8_t *d = dst;

	for (size_t i = 0; i < len; i++)
		d[i] = *(uint8_t *)alias(la + i);
}

static long hcall(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return rt_hypercall(nr, a1, a2, a3, 0, 0);
}

static void faults(void)
{
	domid_t self = DOMID_SELF;
	long cur = HYPERVISOR_memory_op(XENMEM_current_reservation, &self), r;

	put(V_RO, &self, sizeof(self));
	r = hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, V_RO, 0);
	rt_check(r == cur, "read through a read-only page: %ld, want %ld", r, cur);
	r = hcall(__HYPERVISOR_xen_version, XENVER_extraversion, V_RO, 0);
	rt_check(r == -XEN_EFAULT, "result into a read-only page: %ld", r);
	r = hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, V_SUP, 0);
	rt_check(r == -XEN_EFAULT, "supervisor-only page from CPL3: %ld", r);
	r = hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, V_NONE, 0);
	rt_check(r == -XEN_EFAULT, "unmapped page: %ld", r);
	r = hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, 0x0000800000000000ULL, 0);
	rt_check(r == -XEN_EFAULT, "non-canonical address: %ld", r);
	/* a buffer running from a mapped page into an unmapped one */
	r = hcall(__HYPERVISOR_xen_version, XENVER_extraversion, V_NONE - 8, 0);
	rt_check(r == -XEN_EFAULT, "result straddling into an unmapped page: %ld", r);
	rt_printf("faults: ok\n");
}

static void version_straddle(void)
{
	char want[16], got[16];
	long r;

	memset(want, 0, sizeof(want));
	rt_check(HYPERVISOR_xen_version(XENVER_extraversion, want) == 0, "extraversion");
	r = hcall(__HYPERVISOR_xen_version, XENVER_extraversion, EDGE - 0x1000 - 5, 0);
	rt_check(r == 0, "extraversion across pages: %ld", r);
	get(EDGE - 0x1000 - 5, got, sizeof(got));
	rt_check(!memcmp(got, want, sizeof(want)), "extraversion across pages differs");
}

/* Balloon out 4 pages and back with the reservation and its extent list
 * both straddling non-contiguous frames. */
static void memop_batch(void)
{
	struct xen_memory_reservation r = {.nr_extents = 4, .domid = DOMID_SELF};
	uint8_t *pages = rt_alloc_pages(4);
	domid_t self = DOMID_SELF;
	uint64_t resv_la = EDGE - 0x1000 - 16, list_la = EDGE - 16, gfns[4];
	long before, n;

	if (!pages) {
		rt_test_error("out of guest pages");
		return;
	}
	for (int i = 0; i < 4; i++)
		gfns[i] = (rt_virt_to_phys(pages) >> 12) + (uint64_t)i;
	/* the list is only read: half of it lies in the read-only page */
	put(list_la, gfns, sizeof(gfns));
	r.extent_start = list_la;
	put(resv_la, &r, sizeof(r));
	put(V_LO + 0x100, &self, sizeof(self));
	before = hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, V_LO + 0x100, 0);
	rt_check(before == HYPERVISOR_memory_op(XENMEM_current_reservation, &self),
		 "current_reservation through a virtual pointer: %ld", before);

	n = hcall(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, resv_la, 0);
	rt_check(n == 4, "decrease_reservation: %ld", n);
	rt_check(hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, V_LO + 0x100, 0) ==
		 before - 4, "tot_pages after decrease");
	n = hcall(__HYPERVISOR_memory_op, XENMEM_populate_physmap, resv_la, 0);
	rt_check(n == 4, "populate_physmap: %ld", n);
	rt_check(hcall(__HYPERVISOR_memory_op, XENMEM_current_reservation, V_LO + 0x100, 0) ==
		 before, "tot_pages after populate");
	pages[0] = 1;
	pages[4 * RT_PAGE_SIZE - 1] = 2;
	rt_check(pages[0] == 1 && pages[4 * RT_PAGE_SIZE - 1] == 2, "repopulated pages");
	rt_free_pages(pages, 4);
	rt_printf("memory_op batch: ok\n");
}

/* query_size, setup_table (frame_list handle) and a map_grant_ref batch of
 * three (bad refs: each entry gets its own status) across the edge. */
static void grant_batch(void)
{
	struct gnttab_query_size q = {.dom = DOMID_SELF}, qv;
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 1};
	struct gnttab_map_grant_ref m[3], mv[3], *mi = rt_alloc_pages(1);
	uint64_t q_la = EDGE - 0x1000 - 4, st_la = V_LO + 0x200, fl_la = EDGE - 0x1000 - 4 - 8;
	uint64_t m_la = EDGE - 0x1000 - 40;
	xen_pfn_t frame = 0;
	long r;

	if (!mi) {
		rt_test_error("out of guest pages");
		return;
	}
	put(q_la, &q, sizeof(q));
	r = hcall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, q_la, 1);
	get(q_la, &qv, sizeof(qv));
	rt_check(r == 0 && qv.status == GNTST_okay && qv.max_nr_frames > 0,
		 "query_size across pages: %ld, status %d, max %u", r, qv.status, qv.max_nr_frames);

	st.frame_list = fl_la;
	put(st_la, &st, sizeof(st));
	r = hcall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, st_la, 1);
	get(st_la, &st, sizeof(st));
	get(fl_la, &frame, sizeof(frame));
	rt_check(r == 0 && st.status == GNTST_okay, "setup_table: %ld, status %d", r, st.status);
	rt_check(frame != 0, "setup_table wrote no frame through the handle");

	for (int i = 0; i < 3; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		m[i].host_addr = 0x100000 * (uint64_t)(i + 1);
		m[i].flags = GNTMAP_host_map;
		m[i].ref = 0xfff0 + (grant_ref_t)i;
		m[i].dom = DOMID_SELF;
		m[i].status = 0x777;
	}
	memcpy(mi, m, sizeof(m));
	r = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, mi, 3);
	rt_check(r == 0, "identity map_grant_ref batch: %ld", r);
	put(m_la, m, sizeof(m));
	r = hcall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, m_la, 3);
	rt_check(r == 0, "virtual map_grant_ref batch: %ld", r);
	get(m_la, mv, sizeof(mv));
	for (int i = 0; i < 3; i++)
		rt_check(mv[i].status == mi[i].status && mv[i].status < 0,
			 "entry %d: status %d, identity call %d", i, mv[i].status, mi[i].status);
	rt_free_pages(mi, 1);
	rt_printf("grant_table_op batch: ok\n");
}

/* query_caps, two maps and a duplicate in one batch; then two unmaps. */
static void iommu_batch(void)
{
	struct pv_iommu_op ops[3], out[3];
	uint64_t la = EDGE - 0x1000 - 48;
	uint8_t *pages = rt_alloc_pages(2);
	long r;

	if (!pages) {
		rt_test_error("out of guest pages");
		return;
	}
	memset(ops, 0, sizeof(ops));
	ops[0].subop_id = IOMMUOP_query_caps;
	put(la, ops, sizeof(ops[0]));
	r = hcall(__HYPERVISOR_iommu_op, la, 1, 0);
	get(la, out, sizeof(out[0]));
	if (r == -XEN_ENOSYS || out[0].status == -XEN_ENODEV ||
	    !(out[0].flags & IOMMU_QUERY_map_cap)) {
		rt_printf("iommu_op: no PV IOMMU here (%ld, status %d): map batch not run\n", r,
			  out[0].status);
		rt_free_pages(pages, 2);
		return;
	}
	for (int i = 0; i < 3; i++) {
		ops[i].subop_id = IOMMUOP_map_page;
		ops[i].flags = IOMMU_OP_readable | IOMMU_OP_writeable;
		ops[i].status = 0x777;
		ops[i].u.map_page.bfn = 0x7000 + (uint64_t)(i & 1);
		ops[i].u.map_page.gfn = (rt_virt_to_phys(pages) >> 12) + (uint64_t)(i & 1);
	}
	ops[2].u.map_page.bfn = 0x7000; /* taken by ops[0] */
	put(la, ops, sizeof(ops));
	r = hcall(__HYPERVISOR_iommu_op, la, 3, 0);
	get(la, out, sizeof(out));
	rt_check(r == 0, "iommu_op map batch: %ld", r);
	rt_check(out[0].status == 0 && out[1].status == 0 && out[2].status == -XEN_EEXIST,
		 "map batch statuses %d %d %d", out[0].status, out[1].status, out[2].status);
	for (int i = 0; i < 2; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].subop_id = IOMMUOP_unmap_page;
		ops[i].status = 0x777;
		ops[i].u.unmap_page.bfn = 0x7000 + (uint64_t)i;
	}
	put(la, ops, 2 * sizeof(ops[0]));
	r = hcall(__HYPERVISOR_iommu_op, la, 2, 0);
	get(la, out, 2 * sizeof(out[0]));
	rt_check(r == 0 && out[0].status == 0 && out[1].status == 0,
		 "unmap batch: %ld, statuses %d %d", r, out[0].status, out[1].status);
	rt_free_pages(pages, 2);
	rt_printf("iommu_op batch: ok\n");
}

void test_main(void)
{
	uint8_t *p = rt_alloc_pages(3);

	if (!p) {
		rt_test_error("out of guest pages");
		return;
	}
	for (int i = 0; i < 3; i++)
		phys[i] = p + i * RT_PAGE_SIZE;
	memset(p, 0, 3 * RT_PAGE_SIZE);
	if (rt_map_page_at(V_LO, rt_virt_to_phys(phys[2]), RT_MAP_WRITABLE) ||
	    rt_map_page_at(V_HI, rt_virt_to_phys(phys[0]), RT_MAP_WRITABLE) ||
	    rt_map_page_at(V_RO, rt_virt_to_phys(phys[1]), 0) ||
	    rt_map_page_at(V_SUP, rt_virt_to_phys(phys[1]), RT_MAP_WRITABLE | RT_MAP_SUPERVISOR)) {
		rt_test_error("cannot map the buffers");
		return;
	}
#ifndef RT_HOSTED
	/* the guest itself sees its buffers at the new addresses */
	*(volatile uint64_t *)(uintptr_t)(V_HI + 8) = 0x5a5a;
	rt_check(*(uint64_t *)(phys[0] + 8) == 0x5a5a, "V_HI is not backed by page 0");
	*(uint64_t *)(phys[0] + 8) = 0;
#endif

	version_straddle();
	memop_batch();
	grant_batch();
	iommu_batch();
	faults();
}
