/*
 * Grant maps with a device (bus) part through the hypercalls:
 * GNTMAP_device_map | GNTMAP_request_bfn_map (PV IOMMU draft B), with and
 * without GNTMAP_host_map. Unmap follows Xen's rule for the two parts: a
 * non-zero host_addr names the host mapping, a non-zero dev_bus_addr the
 * device mapping, and the handle lives until both are gone. Each test
 * checks what a device can still reach with a DMA through the mapper's
 * context, the granter's entry flags and the frame's references, and runs
 * the audit after every step, failed ones included.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hv/domain.h>
#include <hv/grant.h>
#include <hv/iommu.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <public/grant_table.h>
#include <public/iommu_op.h>
#include <public/memory.h>
#include <public/xen.h>

#include "harness.h"

#define RAM_GFN 0x40000ULL  /* guest RAM0 at 1 GiB */
#define GNT_GFN H_GNT_GFN /* region 0: the grant table */
#define MAP_GFN 0x100000ULL /* where the backend puts host maps */
#define GBFN 0x500ULL	    /* bus frame the backend asks for the grant */
#define OWN_BFN 0x20ULL	    /* backend's own buffer on its bus */
#define REF 8

static int64_t gop(struct harness *h, struct domain *d, uint64_t cmd, uint64_t off, uint64_t count)
{
	return h_call(h, d, __HYPERVISOR_grant_table_op, cmd, h_gpa(off), count, 0, 0);
}

/* One map; dev_bus_addr is an input with GNTMAP_request_bfn_map. */
static int16_t map(struct harness *h, struct domain *ld, domid_t dom, uint64_t host_addr, uint32_t flags,
		   uint64_t bus, grant_handle_t *handle)
{
	struct gnttab_map_grant_ref op = {.host_addr = host_addr, .flags = flags, .ref = REF, .dom = dom,
					  .dev_bus_addr = bus, .handle = 0xdead};

	h_put(ld, 0x100, &op, sizeof(op));
	assert_int_equal(gop(h, ld, GNTTABOP_map_grant_ref, 0x100, 1), 0);
	h_get(ld, 0x100, &op, sizeof(op));
	if (handle)
		*handle = op.handle;
	h_audit(h);
	return op.status;
}

static int16_t unmap(struct harness *h, struct domain *ld, uint64_t host_addr, uint64_t bus,
		     grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref op = {.host_addr = host_addr, .dev_bus_addr = bus, .handle = handle,
					    .status = 77};

	h_put(ld, 0x100, &op, sizeof(op));
	assert_int_equal(gop(h, ld, GNTTABOP_unmap_grant_ref, 0x100, 1), 0);
	h_get(ld, 0x100, &op, sizeof(op));
	h_audit(h);
	return op.status;
}

struct pair {
	struct harness h;
	struct domain *be, *fe;
	struct page_info *pg; /* the granted frame */
	uint32_t count0;      /* its count before any map */
};

/*
 * A frontend granting REF (page RAM_GFN, "frontend data") to a backend
 * with an IOMMU context, whose own page RAM_GFN is on its bus at OWN_BFN.
 */
static void setup(struct pair *p, uint16_t gflags)
{
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
				       .idx = 0, .gpfn = GNT_GFN};
	struct pv_iommu_op op = {.subop_id = IOMMUOP_map_page,
				 .flags = IOMMU_OP_readable | IOMMU_OP_writeable};

	h_init_default(&p->h);
	p->fe = h_domain(&p->h, "front", 0, 64);
	p->be = h_domain(&p->h, "back", DOMF_iommu, 64);
	h_populate(&p->h, p->fe, RAM_GFN, 2);
	h_populate(&p->h, p->be, RAM_GFN, 1);
	strcpy(h_va(p->fe, RAM_GFN << PAGE_SHIFT), "frontend data");
	h_put(p->fe, 0, &x, sizeof(x));
	assert_int_equal(h_call(&p->h, p->fe, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0,
				0, 0), 0);
	op.u.map_page.bfn = OWN_BFN;
	op.u.map_page.gfn = RAM_GFN;
	h_put(p->be, 0, &op, sizeof(op));
	assert_int_equal(h_call(&p->h, p->be, __HYPERVISOR_iommu_op, h_gpa(0), 1, 0, 0, 0), 0);
	h_get(p->be, 0, &op, sizeof(op));
	assert_int_equal(op.status, 0);
	h_grant(p->fe, REF, p->be->id, RAM_GFN, gflags);
	p->pg = mfn_to_page(&p->h.hv->ft, p2m_lookup(p->fe, _gfn(RAM_GFN), NULL, NULL));
	p->count0 = p->pg->count;
	h_audit(&p->h);
}

/* A device of the backend copies 16 bytes from src to dst (bus addresses). */
static int dma(struct pair *p, uint64_t dst, uint64_t src)
{
	uint64_t fault = 0;
	int rc = iommu_dma_copy(p->be, dst, src, 16, &fault);

	h_audit(&p->h);
	return rc;
}

static char *own_buf(struct pair *p)
{
	return h_va(p->be, RAM_GFN << PAGE_SHIFT);
}

/* Nothing of a mapping of REF is left anywhere. */
static void assert_released(struct pair *p, uint16_t gflags)
{
	mfn_t m;

	assert_int_equal(gnttab_nr_maps(p->be), 0);
	assert_int_equal(h_gnt_entry(p->fe, REF)->flags, gflags);
	assert_int_equal(p->pg->count, p->count0);
	assert_int_equal(p->pg->type_count, 0);
	assert_true(mfn_eq(p2m_lookup(p->be, _gfn(MAP_GFN), NULL, NULL), INVALID_MFN));
	assert_int_equal(iommu_translate(p->be, _bfn(GBFN), false, &m), -ENXIO);
	assert_int_equal(dma(p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), -ENXIO);
	h_audit(&p->h);
}

#define HD (GNTMAP_host_map | GNTMAP_device_map | GNTMAP_request_bfn_map)
#define DEV (GNTMAP_device_map | GNTMAP_request_bfn_map)

/* Host + device map, both parts unmapped in one call. */
static void test_host_device_unmap(void **state)
{
	struct pair p;
	grant_handle_t hd;

	(void)state;
	setup(&p, GTF_permit_access);
	assert_int_equal(map(&p.h, p.be, p.fe->id, MAP_GFN << PAGE_SHIFT, HD, GBFN << PAGE_SHIFT, &hd),
			 GNTST_okay);
	assert_int_equal(h_gnt_entry(p.fe, REF)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	/* One reference for the handle, one for the bus mapping. */
	assert_int_equal(p.pg->count, p.count0 + 2);
	assert_string_equal(h_va(p.be, MAP_GFN << PAGE_SHIFT), "frontend data");
	/* The device reads the granted page and writes it. */
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), 0);
	assert_string_equal(own_buf(&p), "frontend data");
	strcpy(own_buf(&p), "device wrote");
	assert_int_equal(dma(&p, GBFN << PAGE_SHIFT, OWN_BFN << PAGE_SHIFT), 0);
	assert_string_equal(h_va(p.fe, RAM_GFN << PAGE_SHIFT), "device wrote");

	/* Wrong addresses change nothing. */
	assert_int_equal(unmap(&p.h, p.be, MAP_GFN << PAGE_SHIFT, (GBFN + 1) << PAGE_SHIFT, hd),
			 GNTST_general_error);
	assert_int_equal(unmap(&p.h, p.be, (MAP_GFN + 1) << PAGE_SHIFT, GBFN << PAGE_SHIFT, hd),
			 GNTST_general_error);
	assert_int_equal(p.pg->count, p.count0 + 2);
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), 0);

	assert_int_equal(unmap(&p.h, p.be, MAP_GFN << PAGE_SHIFT, GBFN << PAGE_SHIFT, hd), GNTST_okay);
	assert_released(&p, GTF_permit_access);
	assert_int_equal(unmap(&p.h, p.be, MAP_GFN << PAGE_SHIFT, GBFN << PAGE_SHIFT, hd), GNTST_bad_handle);
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, hd), GNTST_bad_handle);
	/* The bus frame is free again. */
	assert_int_equal(map(&p.h, p.be, p.fe->id, 0, DEV, GBFN << PAGE_SHIFT, &hd), GNTST_okay);
	h_fini(&p.h);
}

/* Host + device map, the two parts unmapped one at a time, both orders. */
static void test_host_device_partial(void **state)
{
	struct pair p;
	grant_handle_t hd;

	(void)state;
	setup(&p, GTF_permit_access);
	/* Host part first: the device keeps its mapping, the entry its pin. */
	assert_int_equal(map(&p.h, p.be, p.fe->id, MAP_GFN << PAGE_SHIFT, HD, GBFN << PAGE_SHIFT, &hd),
			 GNTST_okay);
	assert_int_equal(unmap(&p.h, p.be, MAP_GFN << PAGE_SHIFT, 0, hd), GNTST_okay);
	assert_true(mfn_eq(p2m_lookup(p.be, _gfn(MAP_GFN), NULL, NULL), INVALID_MFN));
	assert_int_equal(gnttab_nr_maps(p.be), 1);
	assert_int_equal(h_gnt_entry(p.fe, REF)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), 0);
	assert_string_equal(own_buf(&p), "frontend data");
	/* The host part is gone: naming it again is an error. */
	assert_int_equal(unmap(&p.h, p.be, MAP_GFN << PAGE_SHIFT, 0, hd), GNTST_general_error);
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, hd), GNTST_okay);
	assert_released(&p, GTF_permit_access);
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, hd), GNTST_bad_handle);

	/* Device part first: the host mapping keeps working. */
	assert_int_equal(map(&p.h, p.be, p.fe->id, MAP_GFN << PAGE_SHIFT, HD, GBFN << PAGE_SHIFT, &hd),
			 GNTST_okay);
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, hd), GNTST_okay);
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), -ENXIO);
	assert_int_equal(p.pg->count, p.count0 + 1);
	assert_string_equal(h_va(p.be, MAP_GFN << PAGE_SHIFT), "frontend data");
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, hd), GNTST_general_error);
	assert_int_equal(unmap(&p.h, p.be, MAP_GFN << PAGE_SHIFT, 0, hd), GNTST_okay);
	assert_released(&p, GTF_permit_access);
	assert_int_equal(unmap(&p.h, p.be, MAP_GFN << PAGE_SHIFT, 0, hd), GNTST_bad_handle);
	h_fini(&p.h);
}

/* Device map only: the unmap must take the bus mapping away. */
static void test_device_only(void **state)
{
	struct pair p;
	grant_handle_t hd;

	(void)state;
	setup(&p, GTF_permit_access);
	assert_int_equal(map(&p.h, p.be, p.fe->id, 0, DEV, GBFN << PAGE_SHIFT, &hd), GNTST_okay);
	assert_int_equal(h_gnt_entry(p.fe, REF)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(p.pg->count, p.count0 + 2);
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), 0);
	assert_string_equal(own_buf(&p), "frontend data");

	/* It has no host mapping to name; zero addresses unmap nothing. */
	assert_int_equal(unmap(&p.h, p.be, MAP_GFN << PAGE_SHIFT, GBFN << PAGE_SHIFT, hd),
			 GNTST_general_error);
	assert_int_equal(unmap(&p.h, p.be, 0, 0, hd), GNTST_okay);
	assert_int_equal(unmap(&p.h, p.be, 0, (GBFN + 1) << PAGE_SHIFT, hd), GNTST_general_error);
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), 0);
	assert_int_equal(gnttab_nr_maps(p.be), 1);

	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, hd), GNTST_okay);
	/* The device can no longer read or write the granter's page. */
	strcpy(own_buf(&p), "stale write");
	assert_int_equal(dma(&p, GBFN << PAGE_SHIFT, OWN_BFN << PAGE_SHIFT), -ENXIO);
	assert_string_equal(h_va(p.fe, RAM_GFN << PAGE_SHIFT), "frontend data");
	assert_released(&p, GTF_permit_access);
	/* Xen: an unmapped handle is a bad handle. */
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, hd), GNTST_bad_handle);

	/* Read-only: the device may read but not write. */
	h_grant(p.fe, REF, p.be->id, RAM_GFN + 1, GTF_permit_access | GTF_readonly);
	assert_int_equal(map(&p.h, p.be, p.fe->id, 0, DEV, GBFN << PAGE_SHIFT, &hd), GNTST_general_error);
	assert_int_equal(map(&p.h, p.be, p.fe->id, 0, DEV | GNTMAP_readonly, GBFN << PAGE_SHIFT, &hd),
			 GNTST_okay);
	assert_int_equal(h_gnt_entry(p.fe, REF)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), 0);
	assert_int_equal(dma(&p, GBFN << PAGE_SHIFT, OWN_BFN << PAGE_SHIFT), -EACCES);
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, hd), GNTST_okay);
	assert_int_equal(h_gnt_entry(p.fe, REF)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(gnttab_nr_maps(p.be), 0);
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), -ENXIO);
	h_fini(&p.h);
}

/* Maps that fail after the bus mapping was made undo it. */
static void test_map_errors(void **state)
{
	struct pair p;
	struct domain *plain;
	const struct {
		const char *what;
		uint32_t flags;
		uint64_t host_addr, bus;
		int16_t status;
	} cases[] = {
		{"host address occupied", HD, (H_SCRATCH_GFN + 7) << PAGE_SHIFT, GBFN << PAGE_SHIFT,
		 GNTST_general_error},
		{"host address beyond the P2M", HD, 1ULL << 52, GBFN << PAGE_SHIFT, GNTST_general_error},
		{"bus address taken", HD, MAP_GFN << PAGE_SHIFT, OWN_BFN << PAGE_SHIFT, GNTST_bad_dev_addr},
		{"bus address unaligned", DEV, 0, (GBFN << PAGE_SHIFT) + 8, GNTST_bad_dev_addr},
		{"bus address too big", DEV, 0, 1ULL << 60, GNTST_address_too_big},
		{"device map without bfn request", GNTMAP_device_map | GNTMAP_host_map,
		 MAP_GFN << PAGE_SHIFT, GBFN << PAGE_SHIFT, GNTST_general_error},
	};

	(void)state;
	setup(&p, GTF_permit_access);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int16_t st = map(&p.h, p.be, p.fe->id, cases[i].host_addr, cases[i].flags, cases[i].bus, NULL);

		if (st != cases[i].status)
			fail_msg("%s: status %d, expected %d", cases[i].what, st, cases[i].status);
		assert_released(&p, GTF_permit_access);
	}
	/* The backend's own bus mapping was left alone. */
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, OWN_BFN << PAGE_SHIFT), 0);
	/* A mapper without a translating context gets no device map. */
	plain = h_domain(&p.h, "plain", 0, 64);
	h_grant(p.fe, REF, plain->id, RAM_GFN, GTF_permit_access);
	assert_int_equal(map(&p.h, plain, p.fe->id, MAP_GFN << PAGE_SHIFT, HD, GBFN << PAGE_SHIFT, NULL),
			 GNTST_general_error);
	assert_int_equal(gnttab_nr_maps(plain), 0);
	assert_int_equal(h_gnt_entry(p.fe, REF)->flags, GTF_permit_access);
	assert_int_equal(p.pg->count, p.count0);
	h_fini(&p.h);
}

/* The mapper destroyed with device maps live: everything is released. */
static void test_destroy_mapper(void **state)
{
	struct pair p;
	domid_t bid;

	(void)state;
	setup(&p, GTF_permit_access);
	bid = p.be->id;
	assert_int_equal(map(&p.h, p.be, p.fe->id, MAP_GFN << PAGE_SHIFT, HD, GBFN << PAGE_SHIFT, NULL),
			 GNTST_okay);
	h_grant(p.fe, REF + 1, p.be->id, RAM_GFN + 1, GTF_permit_access | GTF_readonly);
	{
		struct gnttab_map_grant_ref op = {.flags = DEV | GNTMAP_readonly, .ref = REF + 1,
						  .dom = p.fe->id, .dev_bus_addr = (GBFN + 1) << PAGE_SHIFT};

		h_put(p.be, 0x100, &op, sizeof(op));
		assert_int_equal(gop(&p.h, p.be, GNTTABOP_map_grant_ref, 0x100, 1), 0);
		h_get(p.be, 0x100, &op, sizeof(op));
		assert_int_equal(op.status, GNTST_okay);
		h_audit(&p.h);
	}
	assert_int_equal(gnttab_nr_maps(p.be), 2);
	hv_lock(p.h.hv);
	domain_destroy(p.be);
	hv_unlock(p.h.hv);
	h_audit(&p.h);
	assert_null(domain_by_id(p.h.hv, bid));
	assert_int_equal(h_gnt_entry(p.fe, REF)->flags, GTF_permit_access);
	assert_int_equal(h_gnt_entry(p.fe, REF + 1)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(p.pg->count, p.count0);
	assert_int_equal(p.pg->type_count, 0);
	h_fini(&p.h);
}

/* The granter destroyed first: its frame lives on until the unmap. */
static void test_destroy_granter(void **state)
{
	struct pair p;
	grant_handle_t hd;
	domid_t fid;

	(void)state;
	setup(&p, GTF_permit_access);
	fid = p.fe->id;
	assert_int_equal(map(&p.h, p.be, p.fe->id, 0, DEV, GBFN << PAGE_SHIFT, &hd), GNTST_okay);
	hv_lock(p.h.hv);
	domain_destroy(p.fe);
	hv_unlock(p.h.hv);
	h_audit(&p.h);
	assert_non_null(domain_by_id(p.h.hv, fid));
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), 0);
	assert_string_equal(own_buf(&p), "frontend data");
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, hd), GNTST_okay);
	assert_null(domain_by_id(p.h.hv, fid));
	assert_int_equal(gnttab_nr_maps(p.be), 0);
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), -ENXIO);
	h_fini(&p.h);
}

/* Neither iommu_op nor a grant unmap of another handle removes the bus
 * mapping behind the grant table's back. */
static void test_no_bypass(void **state)
{
	struct pair p;
	grant_handle_t h1, h2;
	struct pv_iommu_op op = {.subop_id = IOMMUOP_unmap_page, .status = 99};

	(void)state;
	setup(&p, GTF_permit_access);
	assert_int_equal(map(&p.h, p.be, p.fe->id, 0, DEV, GBFN << PAGE_SHIFT, &h1), GNTST_okay);
	assert_int_equal(map(&p.h, p.be, p.fe->id, MAP_GFN << PAGE_SHIFT, GNTMAP_host_map, 0, &h2), GNTST_okay);
	op.u.unmap_page.bfn = GBFN;
	h_put(p.be, 0, &op, sizeof(op));
	assert_int_equal(h_call(&p.h, p.be, __HYPERVISOR_iommu_op, h_gpa(0), 1, 0, 0, 0), 0);
	h_get(p.be, 0, &op, sizeof(op));
	assert_int_equal(op.status, -ENOENT);
	h_audit(&p.h);
	/* h2 has no device part: its bus address must not reach h1's. */
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, h2), GNTST_general_error);
	assert_int_equal(unmap(&p.h, p.be, MAP_GFN << PAGE_SHIFT, 0, h2), GNTST_okay);
	assert_int_equal(dma(&p, OWN_BFN << PAGE_SHIFT, GBFN << PAGE_SHIFT), 0);
	assert_int_equal(unmap(&p.h, p.be, 0, GBFN << PAGE_SHIFT, h1), GNTST_okay);
	assert_released(&p, GTF_permit_access);
	h_fini(&p.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_device_unmap),
		cmocka_unit_test(test_host_device_partial),
		cmocka_unit_test(test_device_only),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_destroy_mapper),
		cmocka_unit_test(test_destroy_granter),
		cmocka_unit_test(test_no_bypass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
