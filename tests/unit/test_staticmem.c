/*
 * Static memory: every rule of the lifecycle (claim, prepare/unprepare,
 * acquire at build, free to the reserved list, populate from it, direct
 * map, destroy), each error path and its message, on a real hypervisor.
 * The audit runs after every step, failed ones included.
 */
#include <errno.h>
#include <string.h>

#include <hv/domain.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/realize.h>
#include <hv/staticmem.h>
#include <public/memory.h>
#include <public/xen.h>

#include "harness.h"

#define RAM_GFN 0x40000ULL     /* guest RAM0 at 1 GiB */
#define BANK0 0x40000ULL       /* first frame of the harness's 1 GiB bank */
#define SBASE (BANK0 + 0x2000) /* static banks used below: 32 MiB into it */
#define BANK1 0x100000ULL      /* the harness's 4 GiB bank */

static void lock(struct harness *h) { hv_lock(h->hv); }
static void unlock(struct harness *h)
{
	hv_realize_flush(h->hv);
	hv_unlock(h->hv);
}

static struct page_info *pg_of(struct harness *h, uint64_t mfn)
{
	return mfn_to_page(&h->hv->ft, _mfn(mfn));
}

static enum staticmem_state st_of(struct harness *h, uint64_t mfn)
{
	return staticmem_frame_state(h->hv, _mfn(mfn));
}

/*
 * A static domain owning [mfn, mfn+nr): direct-mapped 1:1, or packed with
 * its first H_SCRATCH_PAGES frames at the harness scratch GFN (so that it
 * can make hypercalls itself) and the rest from RAM_GFN on.
 */
static struct domain *sdom(struct harness *h, const char *name, bool direct, uint64_t mfn,
			   uint64_t nr)
{
	struct domain_config cfg = {.name = name, .flags = DOMF_static | (direct ? DOMF_directmap : 0),
				    .max_pages = nr, .domid = -1};
	struct domain *d;
	int err;

	lock(h);
	d = domain_create(h->hv, &cfg, &err);
	assert_non_null(d);
	assert_int_equal(staticmem_claim(h->hv, _mfn(mfn), nr), 0);
	assert_int_equal(staticmem_acquire_domstatic(d, _mfn(mfn), nr), 0);
	if (direct) {
		assert_int_equal(p2m_set_range(d, _gfn(mfn), _mfn(mfn), nr, p2m_ram_rw), 0);
	} else {
		assert_true(nr > H_SCRATCH_PAGES);
		assert_int_equal(p2m_set_range(d, _gfn(H_SCRATCH_GFN), _mfn(mfn), H_SCRATCH_PAGES,
					       p2m_ram_rw), 0);
		assert_int_equal(p2m_set_range(d, _gfn(RAM_GFN), _mfn(mfn + H_SCRATCH_PAGES),
					       nr - H_SCRATCH_PAGES, p2m_ram_rw), 0);
	}
	unlock(h);
	h_audit(h);
	return d;
}

static int64_t res1(struct harness *h, struct domain *caller, unsigned int op, uint64_t gfn,
		    unsigned int order, domid_t target)
{
	return h_reservation(h, caller, op, &gfn, 1, order, target);
}

static uint64_t mfn_at(struct domain *d, uint64_t gfn)
{
	return mfn_x(p2m_lookup(d, _gfn(gfn), NULL, NULL));
}

/* Every frame of [mfn, mfn+nr) is static and either owned by d or on its
 * reserved list; the counts add up to nr. */
static void check_identity(struct harness *h, struct domain *d, uint64_t mfn, uint64_t nr)
{
	uint64_t inuse = 0, resv = 0;

	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *pg = pg_of(h, mfn + i);

		assert_true(pg->flags & PGC_static);
		assert_int_equal(pg->owner, d->id);
		switch (st_of(h, mfn + i)) {
		case STATICMEM_IN_USE: inuse++; break;
		case STATICMEM_RESERVED: resv++; break;
		default: fail_msg("mfn %#" PRIx64 " is %s", mfn + i, staticmem_state_name(st_of(h, mfn + i)));
		}
	}
	assert_int_equal(inuse, d->tot_pages);
	assert_int_equal(resv, d->resv_list.count);
	assert_int_equal(inuse + resv, nr);
}

static void test_claim(void **state)
{
	struct harness h;
	uint64_t free0;

	(void)state;
	h_init_default(&h);
	free0 = h.hv->heap.free_pages;
	lock(&h);
	assert_int_equal(staticmem_claim(h.hv, _mfn(SBASE), 16), 0);
	unlock(&h);
	h_audit(&h);
	assert_int_equal(h.hv->heap.free_pages, free0 - 16);
	for (uint64_t i = 0; i < 16; i++)
		assert_int_equal(st_of(&h, SBASE + i), STATICMEM_CLAIMED);
	assert_int_equal(st_of(&h, SBASE + 16), STATICMEM_NOT_STATIC);

	lock(&h);
	/* Overlapping an already claimed range: refused, nothing changes. */
	assert_int_equal(staticmem_claim(h.hv, _mfn(SBASE + 8), 16), -EBUSY);
	/* Not RAM, across the end of a bank, empty. */
	assert_int_equal(staticmem_claim(h.hv, _mfn(0x200000), 1), -EINVAL);
	assert_int_equal(staticmem_claim(h.hv, _mfn(BANK0 + 0x4000 - 4), 8), -EINVAL);
	assert_int_equal(staticmem_claim(h.hv, _mfn(SBASE + 100), 0), -EINVAL);
	unlock(&h);
	h_audit(&h);
	assert_int_equal(h.hv->heap.free_pages, free0 - 16);
	assert_int_equal(st_of(&h, SBASE + 16), STATICMEM_NOT_STATIC);

	/* Unclaim: only a range that is entirely still claimed. */
	lock(&h);
	assert_int_equal(staticmem_unclaim(h.hv, _mfn(SBASE + 8), 16), -EBUSY);
	assert_int_equal(staticmem_unclaim(h.hv, _mfn(SBASE), 16), 0);
	unlock(&h);
	h_audit(&h);
	assert_int_equal(h.hv->heap.free_pages, free0);
	assert_int_equal(st_of(&h, SBASE), STATICMEM_NOT_STATIC);
	h_fini(&h);
}

static void test_prepare_exact_state(void **state)
{
	struct harness h;

	(void)state;
	h_init_default(&h);
	lock(&h);
	assert_int_equal(staticmem_claim(h.hv, _mfn(SBASE), 8), 0);
	/* A stray flag on the 6th frame: all or nothing, the first five roll back. */
	pg_of(&h, SBASE + 5)->flags |= PGC_need_scrub;
	assert_int_equal(staticmem_prepare(h.hv, _mfn(SBASE), 8, STATICMEM_OWNER_UNBUILT), -EINVAL);
	assert_true(h_log_has(&h, "(frame 5 of 8) is not free and static"));
	for (uint64_t i = 0; i < 5; i++)
		assert_int_equal(pg_of(&h, SBASE + i)->state, PGS_free);
	pg_of(&h, SBASE + 5)->flags = PGC_static;
	/* A stray reference, or the wrong owner, fails the same way. */
	pg_of(&h, SBASE + 2)->count = 1;
	assert_int_equal(staticmem_prepare(h.hv, _mfn(SBASE), 8, STATICMEM_OWNER_UNBUILT), -EINVAL);
	pg_of(&h, SBASE + 2)->count = 0;
	assert_int_equal(staticmem_prepare(h.hv, _mfn(SBASE), 8, 1), -EINVAL);
	assert_true(h_log_has(&h, "for owner 1"));
	/* Not RAM. */
	assert_int_equal(staticmem_prepare(h.hv, _mfn(0x200000), 1, STATICMEM_OWNER_UNBUILT), -EINVAL);
	assert_true(h_log_has(&h, "static mfn 0x200000 (frame 0 of 1) is not RAM"));
	/* Heap frames are not static. */
	assert_int_equal(staticmem_prepare(h.hv, _mfn(SBASE + 8), 1, DOMID_INVALID), -EINVAL);
	for (uint64_t i = 0; i < 8; i++)
		assert_int_equal(st_of(&h, SBASE + i), STATICMEM_CLAIMED);

	/* The exact state passes. */
	assert_int_equal(staticmem_prepare(h.hv, _mfn(SBASE), 8, STATICMEM_OWNER_UNBUILT), 0);
	for (uint64_t i = 0; i < 8; i++)
		assert_int_equal(pg_of(&h, SBASE + i)->state, PGS_inuse);

	/* Unprepare checks every frame first: one referenced frame, nothing changes. */
	pg_of(&h, SBASE + 7)->count = 1;
	assert_int_equal(staticmem_unprepare(h.hv, _mfn(SBASE), 8, false), -EINVAL);
	assert_true(h_log_has(&h, "(frame 7 of 8) cannot be freed"));
	for (uint64_t i = 0; i < 8; i++)
		assert_int_equal(pg_of(&h, SBASE + i)->state, PGS_inuse);
	pg_of(&h, SBASE + 7)->count = 0;
	pg_of(&h, SBASE + 3)->flags |= PGC_allocated;
	assert_int_equal(staticmem_unprepare(h.hv, _mfn(SBASE), 8, false), -EINVAL);
	pg_of(&h, SBASE + 3)->flags = PGC_static;

	/* Every frame is scrubbed, not only the first (Xen's loop bug). */
	for (uint64_t i = 0; i < 8; i++)
		memset(frame_va(&h.hv->ft, _mfn(SBASE + i)), 0x5a, PAGE_SIZE);
	assert_int_equal(staticmem_unprepare(h.hv, _mfn(SBASE), 8, true), 0);
	hv_realize_flush(h.hv);
	for (uint64_t i = 0; i < 8; i++) {
		const uint8_t *p = frame_va(&h.hv->ft, _mfn(SBASE + i));

		assert_int_equal(p[0], 0);
		assert_int_equal(p[PAGE_SIZE - 1], 0);
		assert_int_equal(st_of(&h, SBASE + i), STATICMEM_CLAIMED);
	}
	/* Unprepare on frames that are not in use is refused too. */
	assert_int_equal(staticmem_unprepare(h.hv, _mfn(SBASE), 1, false), -EINVAL);
	unlock(&h);
	h_audit(&h);
	h_fini(&h);
}

static void test_acquire_domstatic(void **state)
{
	struct harness h;
	struct domain_config cfg = {.name = "s", .flags = DOMF_static, .max_pages = 16, .domid = -1};
	struct domain *d, *heapdom;
	int err;

	(void)state;
	h_init_default(&h);
	lock(&h);
	d = domain_create(h.hv, &cfg, &err);
	cfg.flags = 0;
	cfg.name = "heap";
	heapdom = domain_create(h.hv, &cfg, &err);
	assert_int_equal(staticmem_claim(h.hv, _mfn(SBASE), 32), 0);
	/* Only static domains get static frames. */
	assert_int_equal(staticmem_acquire_domstatic(heapdom, _mfn(SBASE), 4), -EINVAL);
	/* Beyond max_pages. */
	assert_int_equal(staticmem_acquire_domstatic(d, _mfn(SBASE), 17), -EINVAL);
	assert_true(h_log_has(&h, "exceeds max_pages 16"));
	/* Frames that are not claimed (heap frames): -ENOENT. */
	assert_int_equal(staticmem_acquire_domstatic(d, _mfn(SBASE + 30), 4), -ENOENT);
	assert_int_equal(st_of(&h, SBASE + 30), STATICMEM_CLAIMED);
	assert_int_equal(d->tot_pages, 0);
	/* Success: owned, allocated, on the page list, not mapped. */
	assert_int_equal(staticmem_acquire_domstatic(d, _mfn(SBASE), 16), 0);
	assert_int_equal(d->tot_pages, 16);
	assert_int_equal(pg_of(&h, SBASE)->flags, PGC_static | PGC_allocated);
	assert_int_equal(pg_of(&h, SBASE)->count, 1);
	/* Twice: the frames are no longer claimed. */
	d->max_pages = 64;
	assert_int_equal(staticmem_acquire_domstatic(d, _mfn(SBASE), 1), -ENOENT);
	d->max_pages = 16;
	unlock(&h);
	h_audit(&h);
	check_identity(&h, d, SBASE, 16);
	h_fini(&h);
}

static void test_free_and_repopulate(void **state)
{
	struct harness h;
	struct domain *d;
	uint64_t free0, m3, m4, gfn;
	uint8_t *p;

	(void)state;
	h_init_default(&h);
	d = sdom(&h, "s", false, SBASE, 64);
	free0 = h.hv->heap.free_pages;
	p = h_va(d, RAM_GFN << PAGE_SHIFT);
	memset(p, 0xab, 56 * PAGE_SIZE);
	m3 = mfn_at(d, RAM_GFN + 3);
	m4 = mfn_at(d, RAM_GFN + 4);

	/* Decrease: the frames go to d's reserved list, scrubbed, never the heap. */
	assert_int_equal(res1(&h, d, XENMEM_decrease_reservation, RAM_GFN + 3, 0, DOMID_SELF), 1);
	assert_int_equal(res1(&h, d, XENMEM_decrease_reservation, RAM_GFN + 4, 0, DOMID_SELF), 1);
	h_audit(&h);
	assert_int_equal(d->tot_pages, 62);
	assert_int_equal(d->resv_list.count, 2);
	assert_int_equal(h.hv->heap.free_pages, free0);
	assert_int_equal(st_of(&h, m3), STATICMEM_RESERVED);
	assert_int_equal(((uint8_t *)frame_va(&h.hv->ft, _mfn(m3)))[100], 0);
	assert_int_equal(((uint8_t *)frame_va(&h.hv->ft, _mfn(m4)))[PAGE_SIZE - 1], 0);
	check_identity(&h, d, SBASE, 64);

	/* Order > 0: refused with the reason logged, nothing done. */
	assert_int_equal(res1(&h, d, XENMEM_populate_physmap, RAM_GFN + 4, 1, DOMID_SELF), 0);
	assert_true(h_log_has(&h, "Cannot allocate static order-1 pages for d"));
	/* Also when the gfn is misaligned for the order: the reason still comes first. */
	h.log[0] = 0;
	assert_int_equal(res1(&h, d, XENMEM_populate_physmap, RAM_GFN + 3, 2, DOMID_SELF), 0);
	assert_true(h_log_has(&h, "Cannot allocate static order-2"));
	h_audit(&h);

	/* Order 0 takes the frames back in the order they were freed (FIFO),
	 * at any gfn, zeroed. */
	gfn = RAM_GFN + 200;
	assert_int_equal(res1(&h, d, XENMEM_populate_physmap, gfn, 0, DOMID_SELF), 1);
	assert_int_equal(mfn_at(d, gfn), m3);
	assert_int_equal(((uint8_t *)h_va(d, gfn << PAGE_SHIFT))[100], 0);
	/* An occupied gfn is refused without taking a frame. */
	assert_int_equal(res1(&h, d, XENMEM_populate_physmap, RAM_GFN, 0, DOMID_SELF), 0);
	assert_int_equal(d->resv_list.count, 1);
	/* Batch of three with one frame left: partial completion (1). */
	{
		uint64_t gfns[3] = {RAM_GFN + 3, RAM_GFN + 300, RAM_GFN + 301};

		h.log[0] = 0;
		assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, 3, 0, DOMID_SELF), 1);
		assert_int_equal(mfn_at(d, RAM_GFN + 3), m4);
		assert_true(h_log_has(&h, "failed to retrieve a reserved page: reserved list empty"));
	}
	h_audit(&h);
	assert_int_equal(d->tot_pages, 64);
	assert_int_equal(p[5 * PAGE_SIZE], 0xab); /* the rest kept its data */
	check_identity(&h, d, SBASE, 64);

	/* A fresh static domain with nothing freed cannot populate at all. */
	assert_int_equal(res1(&h, d, XENMEM_populate_physmap, RAM_GFN + 500, 0, DOMID_SELF), 0);
	/* Increase_reservation never applies to static domains. */
	assert_int_equal(h_reservation(&h, d, XENMEM_increase_reservation, NULL, 1, 0, DOMID_SELF), 0);
	assert_int_equal(h.hv->heap.free_pages, free0);
	h_audit(&h);
	h_fini(&h);
}

static void test_resv_guards(void **state)
{
	struct harness h;
	struct domain *d;
	uint64_t m;
	int err;

	(void)state;
	h_init_default(&h);
	d = sdom(&h, "s", false, SBASE, 32);
	m = mfn_at(d, RAM_GFN);
	assert_int_equal(res1(&h, d, XENMEM_decrease_reservation, RAM_GFN, 0, DOMID_SELF), 1);
	assert_int_equal(res1(&h, d, XENMEM_decrease_reservation, RAM_GFN + 1, 0, DOMID_SELF), 1);

	/* At max_pages: refused, the list untouched. */
	lock(&h);
	d->max_pages = d->tot_pages;
	assert_null(staticmem_acquire_reserved(d, &err));
	assert_int_equal(err, -ENOMEM);
	d->max_pages = 32;
	/* A frame on the list that is not exactly free + static: refused and
	 * moved behind the others; the next call takes the good one. */
	pg_of(&h, m)->flags |= PGC_need_scrub;
	assert_null(staticmem_acquire_reserved(d, &err));
	assert_int_equal(err, -EINVAL);
	assert_int_equal(mfn_x(page_to_mfn(&h.hv->ft, page_list_first(&h.hv->ft, &d->resv_list))), m + 1);
	pg_of(&h, m)->flags = PGC_static;
	unlock(&h);
	h_audit(&h);
	assert_int_equal(res1(&h, d, XENMEM_populate_physmap, RAM_GFN, 0, DOMID_SELF), 1);
	assert_int_equal(mfn_at(d, RAM_GFN), m + 1);
	assert_int_equal(res1(&h, d, XENMEM_populate_physmap, RAM_GFN + 1, 0, DOMID_SELF), 1);
	assert_int_equal(mfn_at(d, RAM_GFN + 1), m);
	h_audit(&h);
	check_identity(&h, d, SBASE, 32);
	h_fini(&h);
}

static void test_foreign_ref_delays_free(void **state)
{
	struct harness h;
	struct domain *d, *dom0;
	uint64_t m, idx = RAM_GFN, gpfn = 0x200000;
	int errs = 1;
	struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_foreign,
					     .size = 1, .idxs = h_gpa(0x1000), .gpfns = h_gpa(0x2000),
					     .errs = h_gpa(0x3000)};
	struct xen_remove_from_physmap rm = {.domid = DOMID_SELF, .gpfn = 0x200000};

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 64);
	d = sdom(&h, "s", false, SBASE, 32);
	m = mfn_at(d, RAM_GFN);
	b.u.foreign_domid = d->id;
	h_put(dom0, 0x1000, &idx, sizeof(idx));
	h_put(dom0, 0x2000, &gpfn, sizeof(gpfn));
	h_put(dom0, 0, &b, sizeof(b));
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, h_gpa(0), 0, 0, 0), 0);
	h_get(dom0, 0x3000, &errs, sizeof(errs));
	assert_int_equal(errs, 0);
	/* The static domain gives the page up while dom0 still maps it: it
	 * stays in use (one reference) until dom0 lets go. */
	assert_int_equal(res1(&h, d, XENMEM_decrease_reservation, RAM_GFN, 0, DOMID_SELF), 1);
	h_audit(&h);
	assert_int_equal(st_of(&h, m), STATICMEM_IN_USE);
	assert_int_equal(pg_of(&h, m)->count, 1);
	assert_int_equal(d->resv_list.count, 0);
	h_put(dom0, 0, &rm, sizeof(rm));
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap, h_gpa(0), 0, 0, 0), 0);
	h_audit(&h);
	assert_int_equal(st_of(&h, m), STATICMEM_RESERVED);
	assert_int_equal(d->resv_list.count, 1);
	check_identity(&h, d, SBASE, 32);
	h_fini(&h);
}

static void test_direct_map(void **state)
{
	struct harness h;
	struct domain *d, *dom0;
	uint64_t free0, m = SBASE + 5;
	uint8_t *p;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 64);
	d = sdom(&h, "dm", true, SBASE, 32);
	free0 = h.hv->heap.free_pages;
	p = h_va(d, m << PAGE_SHIFT);
	strcpy((char *)p, "kept");

	/* Decrease unmaps but keeps the allocation: no reserved list, no heap. */
	assert_int_equal(res1(&h, dom0, XENMEM_decrease_reservation, m, 0, d->id), 1);
	h_audit(&h);
	assert_true(mfn_eq(p2m_lookup(d, _gfn(m), NULL, NULL), INVALID_MFN));
	assert_int_equal(d->tot_pages, 32);
	assert_int_equal(d->resv_list.count, 0);
	assert_int_equal(st_of(&h, m), STATICMEM_IN_USE);
	assert_int_equal(h.hv->heap.free_pages, free0);

	/* Populate only at gfn == mfn of a frame it owns. */
	assert_int_equal(res1(&h, dom0, XENMEM_populate_physmap, 0x100000, 0, d->id), 0);
	assert_true(h_log_has(&h, "doesn't belong to d"));
	assert_int_equal(res1(&h, dom0, XENMEM_populate_physmap, 0x300000, 0, d->id), 0);
	assert_true(h_log_has(&h, "invalid mfn 0x300000"));
	assert_int_equal(res1(&h, dom0, XENMEM_populate_physmap, m + 1, 0, d->id), 0); /* mapped */
	assert_int_equal(res1(&h, dom0, XENMEM_populate_physmap, m, 0, d->id), 1);
	assert_int_equal(mfn_at(d, m), m);
	assert_string_equal((char *)h_va(d, m << PAGE_SHIFT), "kept"); /* the same frame, kept */
	h_audit(&h);

	/* Larger orders are fine when every frame is its own (aligned). */
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(res1(&h, dom0, XENMEM_decrease_reservation, SBASE + 8 + i, 0, d->id), 1);
	assert_int_equal(res1(&h, dom0, XENMEM_populate_physmap, SBASE + 8, 2, d->id), 1);
	/* Increase_reservation and moving frames are refused. */
	assert_int_equal(h_reservation(&h, dom0, XENMEM_increase_reservation, NULL, 1, 0, d->id), 0);
	h_audit(&h);
	assert_int_equal(d->tot_pages, 32);
	assert_int_equal(h.hv->heap.free_pages, free0);
	check_identity(&h, d, SBASE, 32);
	h_fini(&h);
}

static void test_destroy_retires(void **state)
{
	struct harness h;
	struct domain *d, *dm;
	uint64_t free0;
	int err;

	(void)state;
	h_init_default(&h);
	d = sdom(&h, "s", false, SBASE, 32);
	dm = sdom(&h, "dm", true, SBASE + 32, 16);
	assert_int_equal(res1(&h, d, XENMEM_decrease_reservation, RAM_GFN, 0, DOMID_SELF), 1);
	free0 = h.hv->heap.free_pages;
	lock(&h);
	domain_destroy(d);
	domain_destroy(dm);
	unlock(&h);
	h_audit(&h);
	/* Every static frame is retired: free, static, nobody's, in no list. */
	for (uint64_t i = 0; i < 48; i++)
		assert_int_equal(st_of(&h, SBASE + i), STATICMEM_RETIRED);
	assert_int_equal(h.hv->heap.free_pages, free0);
	/* Nothing can use them again: not a new domain, not the heap. */
	{
		struct domain_config cfg = {.name = "again", .flags = DOMF_static, .max_pages = 48,
					    .domid = -1};
		struct domain *n;

		lock(&h);
		n = domain_create(h.hv, &cfg, &err);
		assert_int_equal(staticmem_acquire_domstatic(n, _mfn(SBASE), 1), -ENOENT);
		assert_int_equal(staticmem_claim(h.hv, _mfn(SBASE), 1), -EBUSY);
		assert_int_equal(staticmem_unclaim(h.hv, _mfn(SBASE), 1), -EBUSY);
		unlock(&h);
	}
	h_audit(&h);
	h_fini(&h);
}

static void test_heap_domains_never_get_static(void **state)
{
	struct harness h;
	struct domain *d, *s;
	uint64_t n;

	(void)state;
	h_init(&h, (const paddr_t[][2]){{GiB(1), MiB(8)}}, 1);
	s = sdom(&h, "s", false, BANK0 + 0x400, 0x400); /* half of the machine */
	assert_int_equal(res1(&h, s, XENMEM_decrease_reservation, RAM_GFN, 0, DOMID_SELF), 1);
	d = h_domain(&h, "heap", 0, 4096);
	/* Take every frame the heap has: none of them is static. */
	n = 0;
	while (res1(&h, d, XENMEM_populate_physmap, RAM_GFN + n, 0, DOMID_SELF) == 1)
		n++;
	assert_int_equal(h.hv->heap.free_pages, 0);
	for (uint64_t i = 0; i < n; i++)
		assert_false(pg_of(&h, mfn_at(d, RAM_GFN + i))->flags & PGC_static);
	assert_int_equal(s->resv_list.count, 1);
	h_audit(&h);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim),
		cmocka_unit_test(test_prepare_exact_state),
		cmocka_unit_test(test_acquire_domstatic),
		cmocka_unit_test(test_free_and_repopulate),
		cmocka_unit_test(test_resv_guards),
		cmocka_unit_test(test_foreign_ref_delays_free),
		cmocka_unit_test(test_direct_map),
		cmocka_unit_test(test_destroy_retires),
		cmocka_unit_test(test_heap_domains_never_get_static),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
