/*
 * Adversarial guest tests: one program, several roles (bootargs
 * "role=<name>"), run together in one hypervisor by the multi-domain
 * driver (tests/guest/adversary.c):
 *
 *   victim    writes known data, sets up a grant table with good and
 *             malformed entries (adv.h), stops; the driver checks its data
 *             and grant flags through the window after everyone ran
 *   grant     (unprivileged) grant abuse after Xen's advisories: bad refs,
 *             entries not meant for it, read-only unmap vs writeable pins,
 *             double/forged unmaps, pin-count overflow, transfer/copy,
 *             version confusion, batches with huge counts and bad handles
 *   foreign   (unprivileged) foreign maps and physmap calls on the victim
 *   backend   (backend-for the victim) foreign maps of free, hypervisor-
 *             owned and out-of-range frames, overlapping/replacing targets,
 *             double unmaps, batches that run off guest memory
 *   iommu     (unprivileged, IOMMU context) PV IOMMU maps of frames that
 *             are not its own, foreign sub-ops without privilege, double
 *             unmaps, bad orders/flags/ranges, huge batches
 *   snoop     (backend-for the victim, not its emulator) foreign IOMMU
 *             maps through someone else's IOREQ server
 *   dmop      (unprivileged) dm_op IOREQ server calls on the victim, on
 *             itself and on nobody; malformed buffers and sub-ops
 *   dmop-snoop (backend-for the victim, not its emulator) destroys the
 *             emulator's server, bad ring pages, its own server destroyed
 *             twice, foreign IOMMU maps through the wrong server
 *   iommu-balloon (unprivileged, IOMMU context) balloons out a frame its
 *             devices still reach through map_page: the frame stays
 *             counted until unmapped, even after the gfn is repopulated
 *   evtchn-victim  allocates two unbound ports (adv.h), one reserved for
 *             the backend, one for the attacker; in its second run
 *             (phase=2) checks they are still what it made them
 *   evtchn    (unprivileged) event-channel abuse: binding the victim's
 *             port reserved for another domain, allocating in or asking
 *             about the victim, sending on a closed port, bad ports and
 *             VIRQs, exhausting its own ports (-ENOSPC)
 *   reclaim   (backend-for the victim) maps ADV_RECLAIM_KEEP victim pages
 *             and stops with them mapped (the driver then destroys the
 *             victim and checks what is reclaimed when)
 *   triple, spin  containment on KVM: triple-fault, or spin forever
 *   vbe, vgood, vliar, vtouch  the virtio scenario (virtio.c): a backend
 *             running the real device model for a well-behaved frontend
 *             and a lying one
 *
 * Every refusal is checked for its exact status, and after it that nothing
 * changed that the role can see (its reservation, its own data).
 */
#include <libfdt.h>
#include <string.h>

#include <public/dm_op.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/iommu_op.h>
#include <public/memory.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>

#include "adv.h"
#include "roles.h"

const char test_title[] = "adversarial domains";


static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static long populate(uint64_t gfn, domid_t dom)
{
	xen_pfn_t *f = rt_alloc_pages(1);
	struct xen_memory_reservation r = {.nr_extents = 1, .domid = dom};
	long rc;

	f[0] = gfn;
	set_xen_guest_handle(r.extent_start, rt_handle(f));
	rc = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
	rt_free_pages(f, 1);
	return rc;
}

static long decrease(uint64_t gfn, domid_t dom)
{
	xen_pfn_t *f = rt_alloc_pages(1);
	struct xen_memory_reservation r = {.nr_extents = 1, .domid = dom};
	long rc;

	f[0] = gfn;
	set_xen_guest_handle(r.extent_start, rt_handle(f));
	rc = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
	rt_free_pages(f, 1);
	return rc;
}

static long remove_gfn(domid_t dom, uint64_t gfn)
{
	struct xen_remove_from_physmap x = {.domid = dom, .gpfn = gfn};

	return HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &x);
}

/* Checks the victim's pattern on a page this domain has mapped. */
static bool data_ok(uint64_t gpa, unsigned int page)
{
	const volatile uint64_t *w = rt_phys_to_virt(gpa);

	for (unsigned int j = 0; j < ADV_WORDS; j++)
		if (w[j] != adv_pattern(page, j))
			return false;
	return true;
}

/* ----- victim ----- */

static void put_entry(grant_entry_v1_t *e, uint16_t flags, domid_t dom, uint64_t gfn)
{
	e->domid = dom;
	e->frame = (uint32_t)gfn;
	__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

static void victim(void)
{
	struct xen_add_to_physmap a = {.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
				       .idx = 0, .gpfn = ADV_GNTTAB_GFN};
	grant_entry_v1_t *t;

	if (!rt_claim_range(ADV_DATA_GPA, ADV_DATA_PAGES)) {
		rt_test_error("the data pages at %#llx are not free", ADV_DATA_GPA);
		return;
	}
	for (unsigned int i = 0; i < ADV_DATA_PAGES; i++) {
		uint64_t *w = rt_phys_to_virt(ADV_DATA_GPA + i * 4096ULL);

		for (unsigned int j = 0; j < ADV_WORDS; j++)
			w[j] = adv_pattern(i, j);
	}
	rt_check_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &a), 0, "grant table frame 0 at region 0");
	t = rt_phys_to_virt(ADV_GNTTAB_GPA);
	put_entry(&t[ADV_REF_RW], GTF_permit_access, ADV_ATTACKER, ADV_DATA_GFN + 0);
	put_entry(&t[ADV_REF_RO], GTF_permit_access | GTF_readonly, ADV_ATTACKER, ADV_DATA_GFN + 1);
	put_entry(&t[ADV_REF_OTHER], GTF_permit_access, ADV_BACKEND, ADV_DATA_GFN + 2);
	put_entry(&t[ADV_REF_TRANSFER], GTF_accept_transfer, ADV_ATTACKER, ADV_DATA_GFN + 3);
	put_entry(&t[ADV_REF_TRANSIT], GTF_transitive, ADV_ATTACKER, ADV_DATA_GFN + 3);
	put_entry(&t[ADV_REF_SUBPAGE], GTF_permit_access | GTF_sub_page, ADV_ATTACKER,
		  ADV_DATA_GFN + 3);
	put_entry(&t[ADV_REF_HOLE], GTF_permit_access, ADV_ATTACKER, ADV_HOLE_GFN);
	put_entry(&t[ADV_REF_TABLE], GTF_permit_access, ADV_ATTACKER, ADV_GNTTAB_GFN);
	put_entry(&t[ADV_REF_CACHE], GTF_permit_access | GTF_PCD, ADV_ATTACKER, ADV_DATA_GFN + 3);
	put_entry(&t[ADV_REF_INVALID], GTF_invalid, ADV_ATTACKER, ADV_DATA_GFN + 3);
	put_entry(&t[ADV_REF_PIN], GTF_permit_access | GTF_readonly, ADV_ATTACKER,
		  ADV_DATA_GFN + 4);
	put_entry(&t[ADV_REF_HUGE], GTF_permit_access, ADV_ATTACKER, ADV_HUGE_GFN);
	rt_printf("victim: %u data pages at %#llx, grants 8..19\n", ADV_DATA_PAGES, ADV_DATA_GPA);
}

/* ----- grant attacker ----- */

static int16_t gmap1(struct gnttab_map_grant_ref *op, domid_t dom, uint32_t ref, uint64_t addr,
		     uint32_t flags)
{
	long rc;

	memset(op, 0, sizeof(*op));
	op->dom = dom;
	op->ref = ref;
	op->host_addr = addr;
	op->flags = flags;
	op->status = 99;
	rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, op, 1);
	rt_check(rc == 0, "map_grant_ref call returned %ld", rc);
	return op->status;
}

static int16_t gunmap1(uint64_t addr, uint64_t dev, uint32_t handle)
{
	struct gnttab_unmap_grant_ref u = {.host_addr = addr, .dev_bus_addr = dev,
					   .handle = handle, .status = 99};
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);

	rt_check(rc == 0, "unmap_grant_ref call returned %ld", rc);
	return u.status;
}

static void grant_versions(void)
{
	struct gnttab_set_version sv;
	struct gnttab_get_version gv;
	struct gnttab_setup_table st;
	struct gnttab_query_size qs;

	for (uint32_t v = 0; v < 5; v++) {
		sv.version = v;
		rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1),
		       v == 1 ? 0 : v == 2 ? -XEN_ENOSYS : -XEN_EINVAL, "set_version(%u)", v);
	}
	sv.version = 1;
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), 0, "set_version(1)");
	rt_check_eq(sv.version, 1, "version in force");
	gv = (struct gnttab_get_version){.dom = DOMID_SELF};
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0, "get_version(self)");
	rt_check_eq(gv.version, 1, "own version");
	gv = (struct gnttab_get_version){.dom = ADV_VICTIM};
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), -XEN_EPERM,
	       "get_version of the victim");
	gv = (struct gnttab_get_version){.dom = ADV_NOBODY};
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), -XEN_ESRCH,
	       "get_version of nobody");
	/* Grow or query someone else's table. */
	st = (struct gnttab_setup_table){.dom = ADV_VICTIM, .nr_frames = 4};
	set_xen_guest_handle(st.frame_list, rt_handle(&sv));
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table call");
	rt_check_eq(st.status, GNTST_permission_denied, "setup_table of the victim");
	qs = (struct gnttab_query_size){.dom = ADV_VICTIM};
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1), 0, "query_size call");
	rt_check_eq(qs.status, GNTST_permission_denied, "query_size of the victim");
	qs = (struct gnttab_query_size){.dom = ADV_NOBODY};
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 1), 0, "query_size call");
	rt_check_eq(qs.status, GNTST_bad_domain, "query_size of nobody");
	/* count != 1 for the table calls */
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &qs, 2), -XEN_EINVAL,
	       "query_size with count 2");
}

static void grant_bad_maps(uint64_t *own)
{
	struct gnttab_map_grant_ref *op = rt_alloc_pages(1);
	uint64_t at = ADV_MAP_GPA, own_gpa = rt_virt_to_phys(own);
	const uint32_t H = GNTMAP_host_map;
	static const struct {
		uint32_t ref;
		uint32_t flags;
		int16_t want;
		const char *what;
	} cases[] = {
		{ADV_GNT_ENTRIES, GNTMAP_host_map, GNTST_bad_gntref, "ref just past the table"},
		{0xffffffffu, GNTMAP_host_map, GNTST_bad_gntref, "ref 2^32-1"},
		{0x80000000u, GNTMAP_host_map | GNTMAP_readonly, GNTST_bad_gntref, "ref 2^31"},
		{ADV_REF_RW, 0, GNTST_bad_gntref, "neither host nor device map"},
		{ADV_REF_RW, GNTMAP_host_map | GNTMAP_contains_pte, GNTST_general_error,
		 "contains_pte"},
		{ADV_REF_RW, GNTMAP_host_map | GNTMAP_device_map, GNTST_general_error,
		 "device map"},
		{ADV_REF_RW, GNTMAP_host_map | GNTMAP_application_map, GNTST_general_error,
		 "application map"},
		{ADV_REF_OTHER, GNTMAP_host_map, GNTST_general_error, "entry granted to another"},
		{ADV_REF_OTHER, GNTMAP_host_map | GNTMAP_readonly, GNTST_general_error,
		 "entry granted to another, read-only"},
		{ADV_REF_RO, GNTMAP_host_map, GNTST_general_error, "writeable map of a read-only grant"},
		{ADV_REF_TRANSFER, GNTMAP_host_map, GNTST_general_error, "accept_transfer entry"},
		{ADV_REF_TRANSIT, GNTMAP_host_map, GNTST_general_error, "transitive entry"},
		{ADV_REF_SUBPAGE, GNTMAP_host_map, GNTST_general_error, "sub-page entry"},
		{ADV_REF_CACHE, GNTMAP_host_map, GNTST_general_error, "entry with cache attributes"},
		{ADV_REF_INVALID, GNTMAP_host_map, GNTST_general_error, "invalid entry"},
		{ADV_REF_INVALID + 100, GNTMAP_host_map, GNTST_general_error, "never-written entry"},
		{ADV_REF_HOLE, GNTMAP_host_map, GNTST_bad_page, "entry of a free gfn"},
		{ADV_REF_TABLE, GNTMAP_host_map | GNTMAP_readonly, GNTST_bad_page,
		 "entry of the hypervisor-owned table frame"},
		{ADV_REF_HUGE, GNTMAP_host_map, GNTST_bad_page, "entry beyond the P2M"},
	};
	long pages = cur_pages();

	for (unsigned int i = 0; i < RT_ARRAY_SIZE(cases); i++)
		rt_check_eq(gmap1(op, ADV_VICTIM, cases[i].ref, at, cases[i].flags), cases[i].want, "%s",
		       cases[i].what);
	rt_check_eq(gmap1(op, DOMID_SELF, ADV_REF_RW, at, H), GNTST_bad_domain, "dom = DOMID_SELF");
	rt_check_eq(gmap1(op, DOMID_XEN, ADV_REF_RW, at, H), GNTST_bad_domain, "dom = DOMID_XEN");
	rt_check_eq(gmap1(op, ADV_NOBODY, ADV_REF_RW, at, H), GNTST_bad_domain, "dom = nobody");
	rt_check_eq(gmap1(op, ADV_ATTACKER, ADV_REF_RW, at, H), GNTST_permission_denied,
	       "map of one's own grant");
	/* Good entry, bad place: onto own RAM (which must survive) or outside. */
	own[0] = 0x1122334455667788ULL;
	rt_check_eq(gmap1(op, ADV_VICTIM, ADV_REF_RW, own_gpa, H), GNTST_general_error,
	       "map over own RAM");
	rt_check_eq(own[0], 0x1122334455667788ULL, "own RAM after a refused map over it");
	rt_check_eq(gmap1(op, ADV_VICTIM, ADV_REF_RO, 1ULL << 52, H | GNTMAP_readonly),
	       GNTST_general_error, "map beyond the address space");
	rt_check_eq(gmap1(op, ADV_VICTIM, ADV_REF_RO, ~0ULL, H | GNTMAP_readonly), GNTST_general_error,
	       "map at 2^64-1");
	rt_check_eq(cur_pages(), pages, "reservation after refused maps");
	rt_free_pages(op, 1);
}

/* Xen advisories about pins: a read-only unmap must never drop a
 * writeable pin; unmaps name a mapping by handle and address exactly. */
static void grant_pins(void)
{
	struct gnttab_map_grant_ref *op = rt_alloc_pages(1);
	uint64_t a = ADV_MAP_GPA, b = ADV_MAP_GPA + 0x1000, c = ADV_MAP_GPA + 0x2000;
	uint32_t h_rw, h_ro, h_ro2;
	uint64_t bus;
	volatile uint64_t *w = rt_phys_to_virt(a);

	rt_check_eq(gmap1(op, ADV_VICTIM, ADV_REF_RW, a, GNTMAP_host_map), GNTST_okay, "map rw");
	h_rw = op->handle;
	bus = op->dev_bus_addr;
	rt_check_eq(gmap1(op, ADV_VICTIM, ADV_REF_RW, b, GNTMAP_host_map | GNTMAP_readonly), GNTST_okay,
	       "map ro of the same entry");
	h_ro = op->handle;
	rt_check(h_ro != h_rw, "two maps got one handle %u", h_ro);
	rt_check_eq(gmap1(op, ADV_VICTIM, ADV_REF_RW, a, GNTMAP_host_map | GNTMAP_readonly),
	       GNTST_general_error, "map onto an occupied grant page");
	rt_check(data_ok(a, 0) && data_ok(b, 0), "victim data not visible through the maps");
	/* Unmap with a wrong address, a wrong bus address, a forged handle. */
	rt_check_eq(gunmap1(a, 0, h_ro), GNTST_general_error, "unmap ro handle at the rw page");
	rt_check_eq(gunmap1(b, bus + 0x1000, h_ro), GNTST_general_error, "unmap with a wrong bus address");
	rt_check_eq(gunmap1(b, 0, 0xdeadbeef), GNTST_bad_handle, "unmap of a forged handle");
	rt_check_eq(gunmap1(b, 0, h_ro + 1000), GNTST_bad_handle, "unmap of an unused handle");
	rt_check_eq(gunmap1(b, 0, h_ro), GNTST_okay, "unmap of the ro map");
	rt_check_eq(gunmap1(b, 0, h_ro), GNTST_bad_handle, "second unmap of the ro map");
	/* The writeable map survived: write, check, restore. */
	w[5] = 0xabcdefULL;
	rt_check_eq(w[5], 0xabcdefULL, "write through the rw map after the ro unmap");
	w[5] = adv_pattern(0, 5);
	/* A new ro map, then drop the rw one first: the ro one still reads. */
	rt_check_eq(gmap1(op, ADV_VICTIM, ADV_REF_RW, c, GNTMAP_host_map | GNTMAP_readonly), GNTST_okay,
	       "map ro again");
	h_ro2 = op->handle;
	rt_check_eq(gunmap1(a, bus, h_rw), GNTST_okay, "unmap of the rw map (with its bus address)");
	rt_check_eq(gunmap1(a, bus, h_rw), GNTST_bad_handle, "second unmap of the rw map");
	rt_check(data_ok(c, 0), "ro map lost its data after the rw unmap");
	rt_check_eq(gunmap1(0, 0, h_ro2), GNTST_okay, "unmap with host_addr 0 (not the host mapping)");
	rt_check_eq(gunmap1(c, 0, h_ro2), GNTST_okay, "unmap of the last map");
	rt_check_eq(gunmap1(c, 0, h_ro2), GNTST_bad_handle, "unmap after the last unmap");
	/* Read-only data through a read-only grant. */
	rt_check_eq(gmap1(op, ADV_VICTIM, ADV_REF_RO, a, GNTMAP_host_map | GNTMAP_readonly), GNTST_okay,
	       "map of the read-only grant");
	rt_check(data_ok(a, 1), "read-only grant shows the wrong data");
	rt_check_eq(gunmap1(a, 0, op->handle), GNTST_okay, "unmap of the read-only grant");
	rt_free_pages(op, 1);
}

/* Pin-count overflow: ADV_PIN_LIMIT maps of one entry work, the next are
 * refused; one batch maps them all, another unmaps them, a third finds
 * nothing left. */
static void grant_pin_overflow(void)
{
	enum { N = ADV_PIN_LIMIT + 3 };
	struct gnttab_map_grant_ref *m = rt_alloc_pages(2);
	struct gnttab_unmap_grant_ref *u = rt_alloc_pages(2);
	unsigned int ok = 0;

	for (unsigned int i = 0; i < N; i++)
		m[i] = (struct gnttab_map_grant_ref){.dom = ADV_VICTIM, .ref = ADV_REF_PIN,
						     .host_addr = ADV_MAP_GPA + 0x100000 + i * 4096ULL,
						     .flags = GNTMAP_host_map | GNTMAP_readonly,
						     .status = 99};
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, m, N), 0, "batch of %u maps", N);
	for (unsigned int i = 0; i < N; i++) {
		rt_check_eq(m[i].status, i < ADV_PIN_LIMIT ? GNTST_okay : GNTST_general_error,
		       "map %u of one entry", i);
		ok += m[i].status == GNTST_okay;
	}
	rt_check(data_ok(ADV_MAP_GPA + 0x100000 + (ADV_PIN_LIMIT - 1) * 4096ULL, 4),
		 "last pinned map shows the wrong data");
	for (unsigned int i = 0; i < ok; i++)
		u[i] = (struct gnttab_unmap_grant_ref){.host_addr = m[i].host_addr,
						       .handle = m[i].handle, .status = 99};
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, u, ok), 0, "batch unmap");
	for (unsigned int i = 0; i < ok; i++)
		rt_check_eq(u[i].status, GNTST_okay, "unmap %u", i);
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, u, ok), 0, "batch unmap again");
	for (unsigned int i = 0; i < ok; i++)
		rt_check_eq(u[i].status, GNTST_bad_handle, "double unmap %u", i);
	/* The same handle twice in one batch. */
	rt_check_eq(gmap1(m, ADV_VICTIM, ADV_REF_PIN, ADV_MAP_GPA, GNTMAP_host_map | GNTMAP_readonly),
	       GNTST_okay, "map for the duplicate-unmap batch");
	u[0] = (struct gnttab_unmap_grant_ref){.host_addr = ADV_MAP_GPA, .handle = m[0].handle,
					       .status = 99};
	u[1] = u[0];
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, u, 2), 0, "duplicate unmap batch");
	rt_check_eq(u[0].status, GNTST_okay, "first of a duplicated unmap");
	rt_check_eq(u[1].status, GNTST_bad_handle, "second of a duplicated unmap");
	rt_free_pages(m, 2);
	rt_free_pages(u, 2);
}

static void grant_batches_and_others(void)
{
	struct gnttab_map_grant_ref *edge = rt_phys_to_virt(ADV_EDGE_GPA);
	struct gnttab_transfer *tr = rt_alloc_pages(1);
	long pages = cur_pages();

	/* Counts that are negative as ints, continuation bits, wrapping or
	 * unmapped arrays. */
	rt_check_eq(rt_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, rt_handle(tr),
			    0x80000000u, 0, 0),
	       -XEN_EINVAL, "map batch with count 2^31");
	rt_check_eq(rt_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, rt_handle(tr),
			    0xffffffffu, 0, 0),
	       -XEN_EINVAL, "unmap batch with count 2^32-1");
	rt_check_eq(rt_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref | (1u << 12),
			    rt_handle(tr), 1, 0, 0),
	       -XEN_EINVAL, "map with continuation bits");
	rt_check_eq(rt_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,
			    0xfffffffffffff000ULL, 4, 0, 0),
	       -XEN_EFAULT, "unmap batch at the top of the address space");
	rt_check_eq(rt_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, 0x7fff00000000ULL,
			    1, 0, 0),
	       -XEN_EFAULT, "map batch in unpopulated space");
	/* A huge count over a page of bad refs whose successor is empty:
	 * every element on the page is refused, then the read faults. */
	if (populate(ADV_EDGE_GPA >> 12, DOMID_SELF) == 1) {
		for (unsigned int i = 0; i < 4096 / sizeof(*edge); i++)
			edge[i] = (struct gnttab_map_grant_ref){.dom = ADV_VICTIM, .ref = 0xfffffff0u,
								.host_addr = ADV_MAP_GPA,
								.flags = GNTMAP_host_map,
								.status = 99};
		rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, edge, 0x7fffffff),
		       -XEN_EFAULT, "map batch of 2^31-1 running off guest memory");
		rt_check_eq(edge[0].status, GNTST_bad_gntref, "first element of the huge batch");
		rt_check_eq(edge[4096 / sizeof(*edge) - 1].status, GNTST_bad_gntref,
		       "last element on the page");
		rt_check_eq(decrease(ADV_EDGE_GPA >> 12, DOMID_SELF), 1, "give the edge page back");
	} else {
		rt_test_error("cannot populate the edge page");
	}
	/* Transfer: a translated domain cannot give pages away, least of all
	 * the victim's. */
	*tr = (struct gnttab_transfer){.mfn = ADV_HOLE_GFN, .domid = ADV_VICTIM,
				       .ref = ADV_REF_TRANSFER, .status = 99};
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_transfer, tr, 1), 0, "transfer call");
	rt_check_eq(tr->status, GNTST_bad_page, "transfer of a frame we do not have");
	*tr = (struct gnttab_transfer){.mfn = rt_virt_to_phys(tr) >> 12, .domid = ADV_VICTIM,
				       .ref = ADV_REF_TRANSFER, .status = 99};
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_transfer, tr, 1), 0, "transfer call");
	rt_check_eq(tr->status, GNTST_general_error, "transfer of our own frame");
	rt_check_eq(cur_pages(), pages, "reservation after transfers");
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_copy, tr, 1), -XEN_ENOSYS, "copy");
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_unmap_and_replace, tr, 1), -XEN_ENOSYS,
	       "unmap_and_replace");
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_swap_grant_ref, tr, 1), -XEN_ENOSYS,
	       "swap_grant_ref");
	rt_check_eq(HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, tr, 1), -XEN_ENOSYS,
	       "get_status_frames (v2)");
	rt_check_eq(HYPERVISOR_grant_table_op(99, tr, 1), -XEN_ENOSYS, "unknown sub-op");
	rt_free_pages(tr, 1);
}

static void grant_attacker(void)
{
	uint64_t *own = rt_alloc_pages(1);

	grant_versions();
	grant_bad_maps(own);
	grant_pins();
	grant_pin_overflow();
	grant_batches_and_others();
	rt_free_pages(own, 1);
}

/* ----- foreign mapping ----- */

/* One foreign map; returns the call's result, *err the entry's. */
static long fmap(domid_t target, domid_t foreign, uint64_t idx, uint64_t gpfn, int *err)
{
	uint64_t *p = rt_alloc_pages(1);
	struct xen_add_to_physmap_batch b = {.domid = target, .space = XENMAPSPACE_gmfn_foreign,
					     .size = 1, .u.foreign_domid = foreign};
	long rc;

	p[0] = idx;
	p[1] = gpfn;
	((int *)&p[2])[0] = 12345;
	set_xen_guest_handle(b.idxs, rt_handle(&p[0]));
	set_xen_guest_handle(b.gpfns, rt_handle(&p[1]));
	set_xen_guest_handle(b.errs, rt_handle(&p[2]));
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
	*err = ((int *)&p[2])[0];
	rt_free_pages(p, 1);
	return rc;
}

static void foreign_attacker(void)
{
	struct xen_add_to_physmap a;
	domid_t v = ADV_VICTIM;
	long pages = cur_pages();
	int err;

	/* Foreign maps without privilege over the victim, and of oneself. */
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_DATA_GFN, ADV_MAP_GPA >> 12, &err), 0, "call");
	rt_check_eq(err, -XEN_EPERM, "unprivileged foreign map of the victim");
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_GNTTAB_GFN, ADV_MAP_GPA >> 12, &err), 0, "call");
	rt_check_eq(err, -XEN_EPERM, "unprivileged foreign map of the victim's table frame");
	rt_check_eq(fmap(DOMID_SELF, ADV_NOBODY, 0x40000, ADV_MAP_GPA >> 12, &err), 0, "call");
	rt_check_eq(err, -XEN_ESRCH, "foreign map of nobody");
	rt_check_eq(fmap(DOMID_SELF, DOMID_XEN, 0, ADV_MAP_GPA >> 12, &err), 0, "call");
	rt_check_eq(err, -XEN_ESRCH, "foreign map of DOMID_XEN");
	rt_check_eq(fmap(DOMID_SELF, DOMID_SELF, 0x40000, ADV_MAP_GPA >> 12, &err), 0, "call");
	rt_check_eq(err, -XEN_EINVAL, "foreign map of oneself");
	/* Acting on the victim's physmap directly. */
	rt_check_eq(fmap(ADV_VICTIM, ADV_ATTACKER, 0x40000, ADV_DATA_GFN, &err), -XEN_EPERM,
	       "foreign map into the victim");
	rt_check_eq(remove_gfn(ADV_VICTIM, ADV_DATA_GFN), -XEN_EPERM, "remove_from_physmap of the victim");
	rt_check_eq(decrease(ADV_DATA_GFN, ADV_VICTIM), -XEN_EPERM, "decrease_reservation of the victim");
	rt_check_eq(populate(ADV_HOLE_GFN, ADV_VICTIM), -XEN_EPERM, "populate_physmap of the victim");
	rt_check_eq(HYPERVISOR_memory_op(XENMEM_current_reservation, &v), -XEN_EPERM,
	       "current_reservation of the victim");
	a = (struct xen_add_to_physmap){.domid = ADV_VICTIM, .space = XENMAPSPACE_gmfn,
					.idx = ADV_DATA_GFN, .gpfn = ADV_HOLE_GFN};
	rt_check_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &a), -XEN_EPERM,
	       "add_to_physmap (move) in the victim");
	a = (struct xen_add_to_physmap){.domid = ADV_VICTIM, .space = XENMAPSPACE_grant_table,
					.idx = 0, .gpfn = ADV_DATA_GFN};
	rt_check_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &a), -XEN_EPERM,
	       "victim's grant table over its data");
	/* Wrapping and overlapping ranges of one's own frames. */
	a = (struct xen_add_to_physmap){.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_range,
					.size = 4, .idx = ~0ULL - 1, .gpfn = ADV_MAP_GPA >> 12};
	rt_check_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &a), -XEN_EINVAL,
	       "gmfn_range whose source wraps");
	rt_check_eq(a.size, 4, "gmfn_range progress after a wrapping source");
	a = (struct xen_add_to_physmap){.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_range,
					.size = 4, .idx = 0x40000, .gpfn = ~0ULL - 1};
	rt_check_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &a), -XEN_EINVAL,
	       "gmfn_range whose target wraps");
	rt_check_eq(cur_pages(), pages, "reservation after refused calls");
}

static void backend(void)
{
	uint64_t *arr = rt_alloc_pages(2);
	int *errs = rt_alloc_pages(1);
	struct xen_add_to_physmap_batch b;
	uint64_t g = ADV_MAP_GPA >> 12;
	long pages = cur_pages();
	int err;

	/* Free, hypervisor-owned, out-of-range and non-RAM frames. */
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_HOLE_GFN, g, &err), 0, "call");
	rt_check_eq(err, -XEN_EINVAL, "foreign map of a free gfn");
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_GNTTAB_GFN, g, &err), 0, "call");
	rt_check_eq(err, -XEN_EINVAL, "foreign map of the victim's grant-table frame");
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_HUGE_GFN, g, &err), 0, "call");
	rt_check_eq(err, -XEN_EINVAL, "foreign map beyond the victim's P2M");
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ~0ULL, g, &err), 0, "call");
	rt_check_eq(err, -XEN_EINVAL, "foreign map of gfn 2^64-1");
	rt_check_eq(fmap(DOMID_SELF, DOMID_XEN, 0, g, &err), 0, "call");
	rt_check_eq(err, -XEN_ESRCH, "foreign map of DOMID_XEN");
	rt_check_eq(fmap(DOMID_SELF, DOMID_IO, 0, g, &err), 0, "call");
	rt_check_eq(err, -XEN_ESRCH, "foreign map of DOMID_IO");
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_DATA_GFN, 1ULL << 40, &err), 0, "call");
	rt_check_eq(err, -XEN_EINVAL, "foreign map beyond our address space");
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_DATA_GFN, ~0ULL, &err), 0, "call");
	rt_check_eq(err, -XEN_EINVAL, "foreign map at gfn 2^64-1");
	/* Legitimate map, then overlapping/replacing targets. */
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_DATA_GFN + 5, g, &err), 0, "call");
	rt_check_eq(err, 0, "foreign map of a data page");
	rt_check(data_ok(ADV_MAP_GPA, 5), "foreign map shows the wrong data");
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_DATA_GFN + 6, g, &err), 0, "call");
	rt_check_eq(err, 0, "foreign map over a foreign map");
	rt_check(data_ok(ADV_MAP_GPA, 6), "replacing foreign map shows the wrong data");
	/* One batch: the same source twice, the same target twice. */
	arr[0] = ADV_DATA_GFN + 7;
	arr[1] = ADV_DATA_GFN + 7;
	arr[2] = ADV_DATA_GFN + 8;
	arr[8] = g + 1;
	arr[9] = g + 2;
	arr[10] = g + 2;
	b = (struct xen_add_to_physmap_batch){.domid = DOMID_SELF,
					      .space = XENMAPSPACE_gmfn_foreign, .size = 3,
					      .u.foreign_domid = ADV_VICTIM};
	set_xen_guest_handle(b.idxs, rt_handle(&arr[0]));
	set_xen_guest_handle(b.gpfns, rt_handle(&arr[8]));
	set_xen_guest_handle(b.errs, rt_handle(errs));
	rt_check_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b), 0, "overlapping batch");
	rt_check_eq(errs[0] | errs[1] | errs[2], 0, "overlapping batch entries");
	rt_check(data_ok(ADV_MAP_GPA + 0x1000, 7) && data_ok(ADV_MAP_GPA + 0x2000, 8),
		 "overlapping batch shows the wrong data");
	/* Double unmaps. */
	for (unsigned int i = 0; i < 3; i++) {
		rt_check_eq(remove_gfn(DOMID_SELF, g + i), 0, "unmap of foreign page %u", i);
		rt_check_eq(remove_gfn(DOMID_SELF, g + i), -XEN_ENOENT, "second unmap of foreign page %u", i);
	}
	rt_check_eq(remove_gfn(DOMID_SELF, ~0ULL), -XEN_EINVAL, "unmap of gfn 2^64-1");
	/* A batch of 65535 whose arrays run off guest memory after 512
	 * entries, every entry naming a free victim gfn. */
	if (populate(ADV_EDGE_GPA >> 12, DOMID_SELF) == 1) {
		uint64_t *idx = rt_phys_to_virt(ADV_EDGE_GPA);
		uint64_t *gp = rt_alloc_pages(256);

		for (unsigned int i = 0; i < 512; i++)
			idx[i] = ADV_HOLE_GFN + i;
		b = (struct xen_add_to_physmap_batch){.domid = DOMID_SELF,
						      .space = XENMAPSPACE_gmfn_foreign,
						      .size = 0xffff,
						      .u.foreign_domid = ADV_VICTIM};
		set_xen_guest_handle(b.idxs, ADV_EDGE_GPA);
		set_xen_guest_handle(b.gpfns, rt_handle(gp));
		set_xen_guest_handle(b.errs, rt_handle(gp) + 512 * 1024);
		if (gp) {
			rt_check_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b), -XEN_EFAULT,
			       "batch of 65535 running off guest memory");
			rt_check_eq(((int *)gp)[128 * 1024], -XEN_EINVAL, "first entry of the huge batch");
			rt_check_eq(((int *)gp)[128 * 1024 + 511], -XEN_EINVAL, "last entry on the page");
			rt_free_pages(gp, 256);
		} else {
			rt_test_error("no memory for the huge batch");
		}
		b.size = 4;
		set_xen_guest_handle(b.idxs, 0xffffffffffffffe0ULL);
		rt_check_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b), -XEN_EFAULT,
		       "batch whose index array wraps");
		rt_check_eq(decrease(ADV_EDGE_GPA >> 12, DOMID_SELF), 1, "give the edge page back");
	} else {
		rt_test_error("cannot populate the edge page");
	}
	rt_check_eq(cur_pages(), pages, "reservation after the foreign tests");
	rt_free_pages(arr, 2);
	rt_free_pages(errs, 1);
}

/* ----- PV IOMMU ----- */

static long iommu1(struct pv_iommu_op *op)
{
	long rc;

	op->status = 99;
	rc = rt_hypercall(__HYPERVISOR_iommu_op, rt_handle(op), 1, 0, 0, 0);
	rt_check(rc == 0, "iommu_op call returned %ld", rc);
	return op->status;
}

static struct pv_iommu_op *iop(struct pv_iommu_op *op, uint16_t sub, uint16_t flags)
{
	memset(op, 0, sizeof(*op));
	op->subop_id = sub;
	op->flags = flags;
	return op;
}

static void iommu_foreign_subops(struct pv_iommu_op *op, domid_t dom, long want, const char *who)
{
	for (ioservid_t s = 0; s < 4; s++) {
		iop(op, IOMMUOP_map_foreign_page, IOMMUOP_readable | IOMMUOP_writeable);
		op->u.map_foreign_page.bfn = 0x1000;
		op->u.map_foreign_page.gfn = ADV_DATA_GFN;
		op->u.map_foreign_page.domid = dom;
		op->u.map_foreign_page.ioserver = s;
		rt_check_eq(iommu1(op), want, "map_foreign_page of %s, server %u", who, s);
		iop(op, IOMMUOP_lookup_foreign_page, 0);
		op->u.lookup_foreign_page.gfn = ADV_DATA_GFN;
		op->u.lookup_foreign_page.domid = dom;
		op->u.lookup_foreign_page.ioserver = s;
		rt_check_eq(iommu1(op), want, "lookup_foreign_page of %s, server %u", who, s);
	}
}

static void iommu_attacker(void)
{
	struct pv_iommu_op *op = rt_alloc_pages(1);
	struct gnttab_map_grant_ref *g = rt_alloc_pages(1);
	uint64_t *own = rt_alloc_pages(1);
	uint64_t own_gfn = rt_virt_to_phys(own) >> 12;
	struct pv_iommu_op *edge;
	const uint16_t RW = IOMMU_OP_readable | IOMMU_OP_writeable;

	/* Frames that are not its own RAM. */
	rt_check_eq(gmap1(g, ADV_VICTIM, ADV_REF_RO, ADV_MAP_GPA, GNTMAP_host_map | GNTMAP_readonly),
	       GNTST_okay, "grant map of the victim's read-only page");
	iop(op, IOMMUOP_map_page, IOMMU_OP_readable);
	op->u.map_page.bfn = 0x100;
	op->u.map_page.gfn = ADV_MAP_GPA >> 12;
	rt_check_eq(iommu1(op), -XEN_EPERM, "map_page of a grant-mapped victim frame");
	iop(op, IOMMUOP_map_page, RW)->u.map_page.gfn = ADV_HOLE_GFN;
	op->u.map_page.bfn = 0x100;
	rt_check_eq(iommu1(op), -XEN_ENXIO, "map_page of an empty gfn");
	iop(op, IOMMUOP_map_page, RW)->u.map_page.gfn = ADV_HUGE_GFN;
	rt_check_eq(iommu1(op), -XEN_ENXIO, "map_page beyond the P2M");
	rt_check_eq(gunmap1(ADV_MAP_GPA, 0, g->handle), GNTST_okay, "unmap of the grant");
	/* Foreign sub-ops without privilege, on itself, on nobody. */
	iommu_foreign_subops(op, ADV_VICTIM, -XEN_EPERM, "the victim (no privilege)");
	iommu_foreign_subops(op, DOMID_SELF, -XEN_EPERM, "DOMID_SELF");
	iommu_foreign_subops(op, ADV_ATTACKER, -XEN_EPERM, "itself");
	iommu_foreign_subops(op, ADV_NOBODY, -XEN_ENXIO, "nobody");
	/* Own frame: map, map again, unmap twice; flags, orders, ranges. */
	iop(op, IOMMUOP_map_page, RW | IOMMU_MAP_OP_no_ref_cnt);
	op->u.map_page.bfn = 0x200;
	op->u.map_page.gfn = own_gfn;
	rt_check_eq(iommu1(op), -XEN_EPERM, "map_page with no_ref_cnt, unprivileged");
	iop(op, IOMMUOP_map_page, RW)->u.map_page.gfn = own_gfn;
	op->u.map_page.bfn = 0x200;
	rt_check_eq(iommu1(op), 0, "map_page of an own frame");
	iop(op, IOMMUOP_map_page, RW)->u.map_page.gfn = own_gfn;
	op->u.map_page.bfn = 0x200;
	rt_check_eq(iommu1(op), -XEN_EEXIST, "map_page at a used bfn");
	iop(op, IOMMUOP_unmap_foreign_page, 0)->u.unmap_foreign_page.bfn = 0x200;
	rt_check_eq(iommu1(op), -XEN_ENOENT, "unmap_foreign_page of an own map");
	iop(op, IOMMUOP_unmap_page, 0)->u.unmap_page.bfn = 0x200;
	rt_check_eq(iommu1(op), 0, "unmap_page");
	iop(op, IOMMUOP_unmap_page, 0)->u.unmap_page.bfn = 0x200;
	rt_check_eq(iommu1(op), -XEN_ENOENT, "second unmap_page");
	iop(op, IOMMUOP_unmap_foreign_page, 0)->u.unmap_foreign_page.bfn = 0x300;
	rt_check_eq(iommu1(op), -XEN_ENOENT, "unmap_foreign_page of nothing");
	iop(op, IOMMUOP_map_page, RW | 0x8)->u.map_page.gfn = own_gfn;
	rt_check_eq(iommu1(op), -XEN_EINVAL, "map_page with an unknown flag");
	iop(op, IOMMUOP_map_page, 0)->u.map_page.gfn = own_gfn;
	rt_check_eq(iommu1(op), -XEN_EINVAL, "map_page with neither read nor write");
	iop(op, IOMMUOP_map_page, RW | IOMMU_page_order(10))->u.map_page.gfn = own_gfn;
	rt_check_eq(iommu1(op), -XEN_ENOSPC, "map_page of order 10");
	iop(op, IOMMUOP_map_page, RW | IOMMU_page_order(9))->u.map_page.gfn = own_gfn;
	op->u.map_page.bfn = 0x201;
	rt_check_eq(iommu1(op), -XEN_ENOSPC, "misaligned 2 MiB map_page");
	iop(op, IOMMUOP_map_page, RW)->u.map_page.gfn = own_gfn;
	op->u.map_page.bfn = ~0ULL;
	rt_check_eq(iommu1(op), -XEN_ENOSPC, "map_page at bfn 2^64-1");
	iop(op, IOMMUOP_unmap_page, IOMMU_page_order(9))->u.unmap_page.bfn = ~0ULL << 9;
	rt_check_eq(iommu1(op), -XEN_ENOSPC, "unmap_page of the top 2 MiB of bus space");
	iop(op, 0, 0);
	rt_check_eq(iommu1(op), -XEN_EOPNOTSUPP, "sub-op 0");
	iop(op, 77, 0);
	rt_check_eq(iommu1(op), -XEN_EOPNOTSUPP, "sub-op 77");
	/* Huge batches: off guest memory, wrapping, unmapped. */
	rt_check_eq(rt_hypercall(__HYPERVISOR_iommu_op, 0xffffffffffffffe0ULL, 2, 0, 0, 0), -XEN_EFAULT,
	       "batch wrapping the address space");
	rt_check_eq(rt_hypercall(__HYPERVISOR_iommu_op, 0x7fff00000000ULL, 0xffffffffu, 0, 0, 0),
	       -XEN_EFAULT, "batch of 2^32-1 in unpopulated space");
	if (populate(ADV_EDGE_GPA >> 12, DOMID_SELF) == 1) {
		edge = rt_phys_to_virt(ADV_EDGE_GPA);
		for (unsigned int i = 0; i < 4096 / sizeof(*edge); i++) {
			iop(&edge[i], IOMMUOP_unmap_page, 0)->u.unmap_page.bfn = 0x400 + i;
			edge[i].status = 99;
		}
		rt_check_eq(rt_hypercall(__HYPERVISOR_iommu_op, ADV_EDGE_GPA, 0xffffffffu, 0, 0, 0),
		       -XEN_EFAULT, "batch of 2^32-1 running off guest memory");
		rt_check_eq(edge[0].status, -XEN_ENOENT, "first element of the huge batch");
		rt_check_eq(edge[127].status, -XEN_ENOENT, "last element on the page");
		rt_check_eq(decrease(ADV_EDGE_GPA >> 12, DOMID_SELF), 1, "give the edge page back");
	} else {
		rt_test_error("cannot populate the edge page");
	}
	rt_free_pages(op, 1);
	rt_free_pages(g, 1);
	rt_free_pages(own, 1);
}

/* Privileged over the victim, but not its emulator. */
static void iommu_snoop(void)
{
	struct pv_iommu_op *op = rt_alloc_pages(1);
	int err;

	iommu_foreign_subops(op, ADV_VICTIM, -XEN_ENODEV, "the victim (someone else's server)");
	/* A legitimately foreign-mapped victim frame is still not its own. */
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_DATA_GFN + 9, ADV_MAP_GPA >> 12, &err), 0, "call");
	rt_check_eq(err, 0, "foreign map of a victim page");
	iop(op, IOMMUOP_map_page, IOMMU_OP_readable | IOMMU_OP_writeable);
	op->u.map_page.bfn = 0x100;
	op->u.map_page.gfn = ADV_MAP_GPA >> 12;
	rt_check_eq(iommu1(op), -XEN_EPERM, "map_page of a foreign-mapped victim frame");
	rt_check_eq(remove_gfn(DOMID_SELF, ADV_MAP_GPA >> 12), 0, "unmap of the foreign page");
	rt_free_pages(op, 1);
}

/* ----- dm_op (IOREQ servers) ----- */

/* One dm_op with a buffer of `size` bytes at op. */
static long dmop_raw(domid_t target, unsigned int nr_bufs, struct xen_dm_op *op, uint64_t size)
{
	struct xen_dm_op_buf *buf = (struct xen_dm_op_buf *)(op + 1);

	buf->h = rt_handle(op);
	buf->size = size;
	return rt_hypercall(__HYPERVISOR_dm_op, target, nr_bufs, rt_handle(buf), 0, 0);
}

static long dm_create(struct xen_dm_op *op, domid_t target, uint8_t bufioreq)
{
	memset(op, 0, sizeof(*op));
	op->op = XEN_DMOP_create_ioreq_server;
	op->u.create_ioreq_server.handle_bufioreq = bufioreq;
	op->u.create_ioreq_server.id = 0xeeee;
	return dmop_raw(target, 1, op, sizeof(*op));
}

/* XENMEM_acquire_resource of one frame of server id of target at our gfn
 * (the argument and the list in guest memory: a page of its own). */
static long acquire1(domid_t target, uint32_t id, uint64_t frame, uint64_t gfn)
{
	struct xen_mem_acquire_resource *r = rt_alloc_pages(1);
	xen_pfn_t *list = (xen_pfn_t *)(r + 1);
	long rc;

	list[0] = gfn;
	memset(r, 0, sizeof(*r));
	r->domid = target;
	r->type = XENMEM_resource_ioreq_server;
	r->id = id;
	r->nr_frames = 1;
	r->frame = frame;
	r->frame_list = rt_handle(list);
	rc = rt_hypercall(__HYPERVISOR_memory_op, XENMEM_acquire_resource, rt_handle(r), 0, 0, 0);
	rt_free_pages(r, 1);
	return rc;
}

static long dm_destroy(struct xen_dm_op *op, domid_t target, ioservid_t id)
{
	memset(op, 0, sizeof(*op));
	op->op = XEN_DMOP_destroy_ioreq_server;
	op->u.destroy_ioreq_server.id = id;
	return dmop_raw(target, 1, op, sizeof(*op));
}

/* Unprivileged: no server for anyone, malformed calls refused. */
static void dmop_attacker(void)
{
	struct xen_dm_op *op = rt_alloc_pages(1);
	uint64_t ring = rt_virt_to_phys(rt_alloc_pages(1)) >> 12;

	rt_check_eq(dm_create(op, ADV_VICTIM, 1), -XEN_EPERM, "create a server for the victim");
	rt_check_eq(op->u.create_ioreq_server.id, 0xeeee, "id written by a refused create");
	rt_check_eq(dm_destroy(op, ADV_VICTIM, 0), -XEN_EPERM, "destroy the victim's emulator's server");
	rt_check_eq(dm_create(op, DOMID_SELF, 0), -XEN_EPERM, "create a server for DOMID_SELF");
	rt_check_eq(dm_create(op, ADV_ATTACKER, 0), -XEN_EPERM, "create a server for itself");
	rt_check_eq(dm_create(op, ADV_NOBODY, 0), -XEN_ESRCH, "create a server for nobody");
	rt_check_eq(dm_create(op, DOMID_XEN, 0), -XEN_ESRCH, "create a server for DOMID_XEN");
	/* The victim's emulator's pages are not for it. */
	rt_check_eq(acquire1(ADV_VICTIM, 0, 1, ring), -XEN_EPERM, "acquire the victim's ioreq page");
	rt_check_eq(dm_destroy(op, ADV_NOBODY, 0), -XEN_ESRCH, "destroy a server of nobody");
	/* Xen checks the privilege over the target before the buffers and
	 * the sub-op: without it every call is -EPERM, whatever it holds. */
	memset(op, 0, sizeof(*op));
	op->op = XEN_DMOP_create_ioreq_server;
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, sizeof(*op)), -XEN_EPERM, "Xen's create_ioreq_server");
	op->op = 77;
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, sizeof(*op)), -XEN_EPERM, "dm_op sub-op 77");
	rt_check_eq(dm_create(op, ADV_VICTIM, 0), -XEN_EPERM, "create (again)");
	rt_check_eq(dmop_raw(ADV_VICTIM, 0, op, sizeof(*op)), -XEN_EPERM, "dm_op with no buffer");
	rt_check_eq(dmop_raw(ADV_VICTIM, 3, op, sizeof(*op)), -XEN_E2BIG, "dm_op with three buffers");
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, 4), -XEN_EPERM, "buffer shorter than the header");
	rt_check_eq(rt_hypercall(__HYPERVISOR_dm_op, ADV_VICTIM, 1, 0xfffffffffffffff8ULL, 0, 0),
	       -XEN_EPERM, "buffer array wrapping the address space");
	rt_free_pages(op, 1);
}

/* Backend-for the victim but not the emulator that owns server 0. */
static void dmop_snoop(void)
{
	struct xen_dm_op *op = rt_alloc_pages(1);
	uint64_t ring = rt_virt_to_phys(rt_alloc_pages(1)) >> 12;
	uint64_t sync = rt_virt_to_phys(rt_alloc_pages(1)) >> 12;
	uint64_t bfn = 0x700;
	ioservid_t id;
	int err;

	rt_check_eq(dm_destroy(op, ADV_VICTIM, 0), -XEN_EPERM, "destroy someone else's server");
	/* Malformed calls from a domain that may serve the victim. */
	rt_check_eq(dmop_raw(ADV_VICTIM, 0, op, sizeof(*op)), -XEN_ENODATA, "dm_op with no buffer");
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, 4), -XEN_EFAULT, "buffer shorter than the header");
	op->op = XEN_DMOP_create_ioreq_server;
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, 8 + 4), -XEN_EFAULT, "buffer shorter than create");
	rt_check_eq(rt_hypercall(__HYPERVISOR_dm_op, ADV_VICTIM, 1, 0xfffffffffffffff8ULL, 0, 0),
	       -XEN_EFAULT, "buffer array wrapping the address space");
	rt_check_eq(rt_hypercall(__HYPERVISOR_dm_op, ADV_VICTIM, 1, 0x7fff00000000ULL, 0, 0), -XEN_EFAULT,
	       "buffer array in unpopulated space");
	op->op = 77;
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, sizeof(*op)), -XEN_EOPNOTSUPP, "dm_op sub-op 77");
	/* The emulator's server is not usable through it (nor ids 1-3, unused). */
	iommu_foreign_subops((struct pv_iommu_op *)op, ADV_VICTIM, -XEN_ENODEV,
			     "the victim through server 0");
	rt_check_eq(dm_destroy(op, ADV_VICTIM, 0xffff), -XEN_ENOENT, "destroy a server never created");
	/* The emulator's server: neither its pages nor its ports. */
	rt_check_eq(acquire1(ADV_VICTIM, 0, 1, ring), -XEN_EPERM, "acquire the emulator's ioreq page");
	rt_check_eq(acquire1(ADV_VICTIM, 0, 0, ring), -XEN_EPERM, "acquire the emulator's ring");
	memset(op, 0, sizeof(*op));
	op->op = XEN_DMOP_get_ioreq_server_info;
	op->u.get_ioreq_server_info.flags = XEN_DMOP_no_gfns;
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, sizeof(*op)), -XEN_EPERM, "the emulator's server info");
	memset(op, 0, sizeof(*op));
	op->op = XEN_DMOP_set_ioreq_server_state;
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, sizeof(*op)), -XEN_EPERM, "disable the emulator's server");
	memset(op, 0, sizeof(*op));
	op->op = XEN_DMOP_map_io_range_to_ioreq_server;
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, sizeof(*op)), -XEN_EPERM,
	       "a range for the emulator's server");
	/* Malformed creates. */
	rt_check_eq(dm_create(op, ADV_VICTIM, 3), -XEN_EINVAL, "create with bufioreq 3");
	memset(op, 0, sizeof(*op));
	op->op = XEN_DMOP_create_ioreq_server;
	op->u.create_ioreq_server.pad[2] = 1;
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, sizeof(*op)), -XEN_EINVAL, "create with padding set");
	/* Its own server: the next free id (0 is the emulator's). */
	rt_check_eq(dm_create(op, ADV_VICTIM, 1), 0, "create its own server");
	id = op->u.create_ioreq_server.id;
	rt_check_eq(id, 1, "its server id");
	/* Its pages: only at GFNs it has, only the frames that exist. */
	rt_check_eq(acquire1(ADV_VICTIM, id, 1, ADV_HUGE_GFN), -XEN_EIO, "ioreq page beyond the P2M");
	rt_check_eq(acquire1(ADV_VICTIM, id, 2, sync), -XEN_EINVAL, "resource frame 2");
	rt_check_eq(acquire1(ADV_VICTIM, 0x7777, 1, sync), -XEN_ENOENT, "resource of no server");
	rt_check_eq(acquire1(ADV_VICTIM, id, 1, sync), 0, "its ioreq page");
	rt_check_eq(acquire1(ADV_VICTIM, id, 0, ring), 0, "its buffered ring");
	rt_check_eq(fmap(DOMID_SELF, ADV_VICTIM, ADV_DATA_GFN + 10, ADV_MAP_GPA >> 12, &err), 0, "call");
	rt_check_eq(err, 0, "foreign map of a victim page");
	rt_check_eq(remove_gfn(DOMID_SELF, ADV_MAP_GPA >> 12), 0, "unmap of the foreign page");
	{
		struct pv_iommu_op *o = (struct pv_iommu_op *)op;

		/* Its own is (no IOMMU context: the bus address is the frame). */
		iop(o, IOMMUOP_map_foreign_page, IOMMUOP_readable)->u.map_foreign_page.bfn = bfn;
		o->u.map_foreign_page.gfn = ADV_DATA_GFN + 11;
		o->u.map_foreign_page.domid = ADV_VICTIM;
		o->u.map_foreign_page.ioserver = id;
		rt_check_eq(iommu1(o), 0, "map_foreign_page through its own server");
		bfn = o->u.map_foreign_page.bfn;
		iop(o, IOMMUOP_unmap_foreign_page, 0)->u.unmap_foreign_page.bfn = bfn;
		o->u.unmap_foreign_page.ioserver = 0;
		rt_check_eq(iommu1(o), -XEN_ENOENT, "unmap_foreign_page naming the other server");
		o->u.unmap_foreign_page.ioserver = id;
		rt_check_eq(iommu1(o), 0, "unmap_foreign_page");
	}
	/* Destroy: padding checked, then once only. */
	memset(op, 0, sizeof(*op));
	op->op = XEN_DMOP_destroy_ioreq_server;
	op->u.destroy_ioreq_server.id = id;
	op->u.destroy_ioreq_server.pad = 1;
	rt_check_eq(dmop_raw(ADV_VICTIM, 1, op, sizeof(*op)), -XEN_EINVAL, "destroy with padding set");
	rt_check_eq(dm_destroy(op, ADV_VICTIM, id), 0, "destroy its server");
	rt_check_eq(dm_destroy(op, ADV_VICTIM, id), -XEN_ENOENT, "destroy its server twice");
	rt_check_eq(dm_destroy(op, ADV_VICTIM, 0), -XEN_EPERM, "destroy the emulator's server again");
	/* Its destroyed server's pages stay mapped until it unmaps them. */
	rt_check_eq(remove_gfn(DOMID_SELF, sync), 0, "unmap of its ioreq page");
	rt_check_eq(remove_gfn(DOMID_SELF, ring), 0, "unmap of its ring");
	rt_free_pages(op, 1);
}

/* ----- PV IOMMU and self-ballooning ----- */

static void iommu_balloon(void)
{
	struct pv_iommu_op *op = rt_alloc_pages(1);
	uint64_t gfn = ADV_EDGE_GPA >> 12;
	const uint16_t RW = IOMMU_OP_readable | IOMMU_OP_writeable;
	long pages;

	rt_check_eq(populate(gfn, DOMID_SELF), 1, "populate a page to give away");
	pages = cur_pages();
	iop(op, IOMMUOP_map_page, RW)->u.map_page.bfn = 0x500;
	op->u.map_page.gfn = gfn;
	rt_check_eq(iommu1(op), 0, "map_page of the page");
	/* Balloon it out while a device may still reach it: the gfn goes, the
	 * frame stays (and counted) until the IOMMU mapping goes. */
	rt_check_eq(decrease(gfn, DOMID_SELF), 1, "decrease_reservation of an IOMMU-mapped page");
	rt_check_eq(cur_pages(), pages, "reservation after ballooning a mapped page");
	rt_check_eq(decrease(gfn, DOMID_SELF), 0, "balloon the same gfn again");
	iop(op, IOMMUOP_map_page, RW)->u.map_page.bfn = 0x501;
	op->u.map_page.gfn = gfn;
	rt_check_eq(iommu1(op), -XEN_ENXIO, "map_page of the ballooned gfn");
	/* Repopulate the gfn: a new frame; the old one is still held. */
	rt_check_eq(populate(gfn, DOMID_SELF), 1, "repopulate the gfn");
	rt_check_eq(cur_pages(), pages + 1, "reservation with the old frame still mapped");
	iop(op, IOMMUOP_map_page, RW)->u.map_page.bfn = 0x500;
	op->u.map_page.gfn = gfn;
	rt_check_eq(iommu1(op), -XEN_EEXIST, "map_page over the stale bus mapping");
	iop(op, IOMMUOP_unmap_page, 0)->u.unmap_page.bfn = 0x500;
	rt_check_eq(iommu1(op), 0, "unmap_page of the stale mapping");
	rt_check_eq(cur_pages(), pages, "reservation once the old frame is unmapped");
	iop(op, IOMMUOP_unmap_page, 0)->u.unmap_page.bfn = 0x500;
	rt_check_eq(iommu1(op), -XEN_ENOENT, "second unmap_page");
	/* Foreign sub-ops cannot balloon anyone: only the owner's calls count. */
	rt_check_eq(decrease(ADV_DATA_GFN, ADV_VICTIM), -XEN_EPERM, "balloon a victim page");
	rt_check_eq(decrease(gfn, DOMID_SELF), 1, "give the page back");
	rt_free_pages(op, 1);
}

/* ----- event channels ----- */

static long evop(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_event_channel_op, cmd, rt_handle(arg), 0, 0, 0);
}

static long ev_alloc(domid_t dom, domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound a = {.dom = dom, .remote_dom = remote, .port = 0xdead};
	long rc = evop(EVTCHNOP_alloc_unbound, &a);

	*port = a.port;
	return rc;
}

static long ev_bind(domid_t remote, evtchn_port_t rport, evtchn_port_t *local)
{
	struct evtchn_bind_interdomain b = {.remote_dom = remote, .remote_port = rport,
					    .local_port = 0xdead};
	long rc = evop(EVTCHNOP_bind_interdomain, &b);

	*local = b.local_port;
	return rc;
}

static long ev_port_op(unsigned int cmd, evtchn_port_t port)
{
	struct evtchn_send s = {.port = port}; /* close, send, unmask: the same layout */

	return evop(cmd, &s);
}

static long ev_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
	*st = (struct evtchn_status){.dom = dom, .port = port};
	return evop(EVTCHNOP_status, st);
}

static void evtchn_victim(void)
{
	struct evtchn_status st;
	evtchn_port_t p;
	int chosen = fdt_path_offset(rt_dt(), "/chosen");
	const char *args = chosen >= 0 ? fdt_getprop(rt_dt(), chosen, "bootargs", NULL) : NULL;

	if (args && strstr(args, "phase=2")) {
		/* Nothing the attacker did changed what we set up. */
		rt_check_eq(ev_status(DOMID_SELF, ADV_EVT_FOR_BACKEND, &st), 0, "status");
		rt_check_eq(st.status, EVTCHNSTAT_unbound, "the backend's port after the attack");
		rt_check_eq(st.u.unbound.dom, ADV_BACKEND, "the backend's port is still for the backend");
		rt_check_eq(ev_status(DOMID_SELF, ADV_EVT_FOR_ATTACKER, &st), 0, "status");
		rt_check_eq(st.status, EVTCHNSTAT_unbound, "the attacker's port after its close");
		rt_check_eq(st.u.unbound.dom, ADV_ATTACKER, "the attacker's port accepts the attacker");
		rt_check_eq(ev_status(DOMID_SELF, 3, &st), 0, "status of port 3");
		rt_check_eq(st.status, EVTCHNSTAT_closed, "port 3 is free");
		rt_check_eq(ev_port_op(EVTCHNOP_close, ADV_EVT_FOR_BACKEND), 0, "close");
		rt_check_eq(ev_port_op(EVTCHNOP_close, ADV_EVT_FOR_ATTACKER), 0, "close");
		return;
	}
	rt_check_eq(ev_alloc(DOMID_SELF, ADV_BACKEND, &p), 0, "alloc_unbound for the backend");
	rt_check_eq(p, ADV_EVT_FOR_BACKEND, "first port");
	rt_check_eq(ev_alloc(DOMID_SELF, ADV_ATTACKER, &p), 0, "alloc_unbound for the attacker");
	rt_check_eq(p, ADV_EVT_FOR_ATTACKER, "second port");
	rt_printf("victim: ports %u (for d%u) and %u (for d%u) unbound\n", ADV_EVT_FOR_BACKEND,
		  ADV_BACKEND, ADV_EVT_FOR_ATTACKER, ADV_ATTACKER);
}

static void evtchn_attacker(void)
{
	struct evtchn_status st;
	struct evtchn_bind_virq bv;
	evtchn_port_t p, q;
	unsigned int n = 0;
	long rc = 0;

	/* Someone else's channel. */
	rt_check_eq(ev_bind(ADV_VICTIM, ADV_EVT_FOR_BACKEND, &p), -XEN_EINVAL,
	       "bind to the victim's port reserved for the backend");
	rt_check_eq(ev_bind(ADV_VICTIM, 3, &p), -XEN_EINVAL, "bind to a free victim port");
	rt_check_eq(ev_bind(ADV_VICTIM, 0, &p), -XEN_EINVAL, "bind to the victim's port 0");
	rt_check_eq(ev_bind(ADV_VICTIM, 4096, &p), -XEN_EINVAL, "bind to victim port 4096");
	rt_check_eq(ev_bind(ADV_VICTIM, 0xffffffffu, &p), -XEN_EINVAL, "bind to victim port 2^32-1");
	rt_check_eq(ev_bind(ADV_NOBODY, 1, &p), -XEN_ESRCH, "bind to nobody");
	rt_check_eq(ev_alloc(ADV_VICTIM, ADV_ATTACKER, &p), -XEN_EPERM, "alloc_unbound in the victim");
	rt_check_eq(ev_alloc(ADV_NOBODY, ADV_ATTACKER, &p), -XEN_ESRCH, "alloc_unbound in nobody");
	rt_check_eq(ev_status(ADV_VICTIM, ADV_EVT_FOR_BACKEND, &st), -XEN_EPERM, "status of a victim port");
	rt_check_eq(ev_status(ADV_NOBODY, 1, &st), -XEN_ESRCH, "status in nobody");
	/* Our own port reserved for the victim is not ours to bind. */
	rt_check_eq(ev_alloc(DOMID_SELF, ADV_VICTIM, &q), 0, "alloc_unbound for the victim");
	rt_check_eq(q, 1, "first port");
	rt_check_eq(ev_bind(DOMID_SELF, q, &p), -XEN_EINVAL, "bind to own port reserved for the victim");
	rt_check_eq(ev_port_op(EVTCHNOP_close, q), 0, "close it");

	/* The port meant for us: bind, send, close, then use it closed. */
	rt_check_eq(ev_bind(ADV_VICTIM, ADV_EVT_FOR_ATTACKER, &p), 0, "bind to the port for us");
	rt_check_eq(ev_bind(ADV_VICTIM, ADV_EVT_FOR_ATTACKER, &q), -XEN_EINVAL, "bind to it twice");
	rt_check_eq(ev_port_op(EVTCHNOP_send, p), 0, "send to the victim");
	rt_check_eq(ev_status(DOMID_SELF, p, &st), 0, "status");
	rt_check_eq(st.status, EVTCHNSTAT_interdomain, "bound");
	rt_check_eq(st.u.interdomain.dom, ADV_VICTIM, "bound to the victim");
	rt_check_eq(st.u.interdomain.port, ADV_EVT_FOR_ATTACKER, "bound to its port");
	rt_check_eq(ev_port_op(EVTCHNOP_close, p), 0, "close");
	rt_check_eq(ev_port_op(EVTCHNOP_send, p), -XEN_EINVAL, "send on a closed port");
	rt_check_eq(ev_port_op(EVTCHNOP_close, p), -XEN_EINVAL, "close a closed port");
	rt_check_eq(ev_port_op(EVTCHNOP_unmask, p), 0, "unmask of a free port inside the space");

	/* Bad ports and sub-ops. */
	rt_check_eq(ev_port_op(EVTCHNOP_send, 0), -XEN_EINVAL, "send on port 0");
	rt_check_eq(ev_port_op(EVTCHNOP_close, 0), -XEN_EINVAL, "close port 0");
	rt_check_eq(ev_port_op(EVTCHNOP_send, 4096), -XEN_EINVAL, "send on port 4096");
	rt_check_eq(ev_port_op(EVTCHNOP_send, 0xffffffffu), -XEN_EINVAL, "send on port 2^32-1");
	rt_check_eq(ev_port_op(EVTCHNOP_close, 0x80000000u), -XEN_EINVAL, "close port 2^31");
	rt_check_eq(ev_port_op(EVTCHNOP_unmask, 0xffffffffu), -XEN_EINVAL, "unmask port 2^32-1");
	rt_check_eq(ev_status(DOMID_SELF, 4096, &st), -XEN_EINVAL, "status of port 4096");
	bv = (struct evtchn_bind_virq){.virq = NR_VIRQS, .vcpu = 0};
	rt_check_eq(evop(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL, "bind_virq of VIRQ %u", NR_VIRQS);
	bv = (struct evtchn_bind_virq){.virq = VIRQ_TIMER, .vcpu = 1};
	rt_check_eq(evop(EVTCHNOP_bind_virq, &bv), -XEN_ENOENT, "bind_virq on a vCPU we lack");
	bv = (struct evtchn_bind_virq){.virq = VIRQ_DOM_EXC, .vcpu = 1};
	rt_check_eq(evop(EVTCHNOP_bind_virq, &bv), -XEN_EINVAL, "global VIRQ on vCPU 1");
	rt_check_eq(evop(99, &bv), -XEN_ENOSYS, "unknown sub-op");

	/* Exhaust our own ports: the lowest free port each time, then -ENOSPC
	 * (again and again), and nothing of anyone else's changes. */
	while (n < ADV_EVT_MAX_TRY) {
		rc = ev_alloc(DOMID_SELF, DOMID_SELF, &p);
		if (rc)
			break;
		n++;
		if (p != n) {
			rt_check_eq(p, n, "allocation %u", n);
			break;
		}
	}
	rt_check_eq(rc, -XEN_ENOSPC, "allocation %u after %u ports", n + 1, n);
	rt_check_eq(ev_alloc(DOMID_SELF, DOMID_SELF, &p), -XEN_ENOSPC, "allocation when full");
	rt_check_eq(ev_bind(ADV_VICTIM, ADV_EVT_FOR_ATTACKER, &p), -XEN_ENOSPC, "bind when full");
	rt_check(n >= 63 && n < 4096, "%u ports before -ENOSPC", n);
	rt_printf("evtchn: %u ports, then -ENOSPC\n", n);
	for (unsigned int i = 1; i <= n; i++)
		if (ev_port_op(EVTCHNOP_close, i))
			rt_check(0, "close of port %u failed", i);
	rt_check_eq(ev_alloc(DOMID_SELF, DOMID_SELF, &p), 0, "allocation after freeing");
	rt_check_eq(p, 1, "lowest port after freeing");
	rt_check_eq(ev_port_op(EVTCHNOP_close, p), 0, "close");
}

/* ----- reclaim ----- */

static void reclaim_backend(void)
{
	uint64_t *p = rt_alloc_pages(1);
	int *errs = (int *)&p[256];
	struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_foreign,
					     .size = ADV_RECLAIM_KEEP,
					     .u.foreign_domid = ADV_VICTIM};

	for (unsigned int i = 0; i < ADV_RECLAIM_KEEP; i++) {
		p[i] = ADV_DATA_GFN + i;
		p[64 + i] = (ADV_MAP_GPA >> 12) + i;
	}
	set_xen_guest_handle(b.idxs, rt_handle(&p[0]));
	set_xen_guest_handle(b.gpfns, rt_handle(&p[64]));
	set_xen_guest_handle(b.errs, rt_handle(errs));
	rt_check_eq(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b), 0, "map victim pages");
	for (unsigned int i = 0; i < ADV_RECLAIM_KEEP; i++) {
		rt_check_eq(errs[i], 0, "map of victim page %u", i);
		rt_check(!errs[i] && data_ok(ADV_MAP_GPA + i * 4096ULL, i),
			 "victim page %u shows the wrong data", i);
	}
	rt_printf("reclaim: %u victim pages stay mapped at %#llx\n", ADV_RECLAIM_KEEP,
		  ADV_MAP_GPA);
	rt_free_pages(p, 1);
}

/* ----- containment: a domain that triple-faults ----- */

#ifndef RT_HOSTED
extern uint8_t rt_idt[];
#endif

static void triple_fault(void)
{
#ifndef RT_HOSTED
	/* No usable IDT: the #UD becomes a double, then a triple fault. */
	memset(rt_idt, 0, 32 * 16);
	__asm__ volatile("ud2");
#endif
	rt_test_error("still running after the triple fault");
}

void test_main(void)
{
	const char *r = rt_bootarg("role");

	rt_printf("role: %s\n", r);
	if (adv_virtio_role(r))
		return;
	if (!rt_bootarg_is(r, "victim") && !rt_bootarg_is(r, "evtchn-victim") && !rt_bootarg_is(r, "spin") && !rt_bootarg_is(r, "triple") && rt_map_range(ADV_MAP_GPA, ADV_MAP_SIZE)) {
		rt_test_error("cannot map the extended region at %#llx", ADV_MAP_GPA);
		return;
	}
	if (rt_bootarg_is(r, "victim"))
		victim();
	else if (rt_bootarg_is(r, "evtchn-victim"))
		evtchn_victim();
	else if (rt_bootarg_is(r, "evtchn"))
		evtchn_attacker();
	else if (rt_bootarg_is(r, "grant"))
		grant_attacker();
	else if (rt_bootarg_is(r, "foreign"))
		foreign_attacker();
	else if (rt_bootarg_is(r, "backend"))
		backend();
	else if (rt_bootarg_is(r, "iommu"))
		iommu_attacker();
	else if (rt_bootarg_is(r, "snoop"))
		iommu_snoop();
	else if (rt_bootarg_is(r, "reclaim"))
		reclaim_backend();
	else if (rt_bootarg_is(r, "dmop"))
		dmop_attacker();
	else if (rt_bootarg_is(r, "dmop-snoop"))
		dmop_snoop();
	else if (rt_bootarg_is(r, "iommu-balloon"))
		iommu_balloon();
	else if (rt_bootarg_is(r, "triple"))
		triple_fault();
	else if (rt_bootarg_is(r, "spin"))
		for (;;)
			__asm__ volatile("pause");
	else
		rt_test_error("unknown role \"%s\"", r);
}
