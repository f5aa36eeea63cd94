/*
 * Unit tests of the memory-management core: frame table, buddy heap, P2M
 * and domain accounting. Every test ends with the audit.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <public/memory.h>
#include <public/xen.h>

#include "harness.h"

static void test_frame_table_banks(void **state)
{
	struct harness h;
	struct frame_table *ft;

	(void)state;
	h_init_default(&h);
	ft = &h.hv->ft;
	/* 2 x 64 MiB = 32768 frames, nothing for the 3 GiB hole between. */
	assert_int_equal(ft->nr_pages, 32768);
	assert_non_null(mfn_to_page(ft, maddr_to_mfn(GiB(1))));
	assert_non_null(mfn_to_page(ft, maddr_to_mfn(GiB(1) + MiB(64) - PAGE_SIZE)));
	assert_null(mfn_to_page(ft, maddr_to_mfn(GiB(1) + MiB(64))));
	assert_null(mfn_to_page(ft, maddr_to_mfn(GiB(2))));
	assert_non_null(mfn_to_page(ft, maddr_to_mfn(GiB(4))));
	assert_int_equal(mfn_x(page_to_mfn(ft, mfn_to_page(ft, maddr_to_mfn(GiB(4) + PAGE_SIZE)))),
			 (GiB(4) >> PAGE_SHIFT) + 1);
	/* Frame contents are reachable and zero. */
	assert_int_equal(*(uint64_t *)frame_va(ft, maddr_to_mfn(GiB(4))), 0);
	h_fini(&h);
}

static void test_frame_table_bad_banks(void **state)
{
	struct frame_table ft;
	static const paddr_t unaligned[][2] = {{0x1000800, 0x10000}};
	static const paddr_t overlap[][2] = {{0, MiB(2)}, {MiB(1), MiB(2)}};
	static const paddr_t empty[][2] = {{0, 0}};

	(void)state;
	assert_int_equal(frame_table_init(&ft, unaligned, 1, NULL), -EINVAL);
	assert_int_equal(frame_table_init(&ft, overlap, 2, NULL), -EINVAL);
	assert_int_equal(frame_table_init(&ft, empty, 1, NULL), -EINVAL);
	assert_int_equal(frame_table_init(&ft, unaligned, 0, NULL), -EINVAL);
}

static void test_heap_split_merge(void **state)
{
	struct harness h;
	struct hv *hv;
	struct page_info *pg[16];
	uint64_t free0;

	(void)state;
	h_init_default(&h);
	hv = h.hv;
	free0 = hv->heap.free_pages;
	assert_int_equal(free0, 32768);
	/* 64 MiB banks at 1 GiB and 4 GiB: largest block is order 14. */
	assert_int_equal(heap_max_free_order(hv), 14);
	hv_lock(hv); /* the heap is hv->lock's (HV_ASSERT_LOCKED) */
	assert_null(heap_alloc(hv, 15));
	assert_null(heap_alloc(hv, HEAP_MAX_ORDER + 1));

	/* Consecutive small allocations come out ascending and contiguous. */
	for (int i = 0; i < 16; i++) {
		pg[i] = heap_alloc(hv, 0);
		assert_non_null(pg[i]);
		if (i)
			assert_int_equal(mfn_x(page_to_mfn(&hv->ft, pg[i])),
					 mfn_x(page_to_mfn(&hv->ft, pg[i - 1])) + 1);
	}
	assert_int_equal(hv->heap.free_pages, free0 - 16);
	for (int i = 15; i >= 0; i--)
		heap_free(hv, pg[i], 0);
	hv_realize_flush(hv);
	hv_unlock(hv);
	assert_int_equal(hv->heap.free_pages, free0);
	/* Everything merged back: two order-14 blocks again. */
	assert_int_equal(hv->heap.free[14].count, 2);
	for (int o = 0; o < 14; o++)
		assert_int_equal(hv->heap.free[o].count, 0);
	h_audit(&h);
	h_fini(&h);
}

static void test_heap_take_range(void **state)
{
	struct harness h;
	struct hv *hv;
	mfn_t m;

	(void)state;
	h_init_default(&h);
	hv = h.hv;
	m = maddr_to_mfn(GiB(1) + MiB(3) + 5 * PAGE_SIZE);
	hv_lock(hv);
	assert_int_equal(heap_take_range(hv, m, 7), 0);
	/* Taking it again fails and changes nothing. */
	assert_int_equal(heap_take_range(hv, m, 1), -EBUSY);
	assert_int_equal(heap_take_range(hv, maddr_to_mfn(GiB(2)), 1), -EINVAL);
	assert_int_equal(hv->heap.free_pages, 32768 - 7);
	heap_add_range(hv, m, 7);
	hv_unlock(hv);
	assert_int_equal(hv->heap.free[14].count, 2);
	h_audit(&h);
	h_fini(&h);
}

struct p2m_case {
	const char *what;
	uint64_t gfn;
	uint64_t mfn_off; /* offset from the bank start, in frames */
	uint64_t nr;
	uint64_t leaves[3];
};

static void test_p2m_leaf_layout(void **state)
{
	/* The exact leaf layout a single map produces (bank 2 at 4 GiB is
	 * 2 MiB aligned, so frame offsets give the MFN alignment). */
	static const struct p2m_case cases[] = {
		{"2M aligned both", 0x40000, 0, 512, {0, 1, 0}},
		{"4M aligned both", 0x40000, 512, 1024, {0, 2, 0}},
		{"MFN misaligned", 0x40000, 1, 512, {512, 0, 0}},
		{"GFN misaligned", 0x40001, 0, 512, {512, 0, 0}},
		{"2M + tail", 0x40000, 0, 515, {3, 1, 0}},
		{"head + 2M", 0x401fe, 510, 514, {2, 1, 0}},
		{"one page", 0x12345, 7, 1, {1, 0, 0}},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct harness h;
		struct domain *d;
		mfn_t base = maddr_to_mfn(GiB(4));
		const struct p2m_case *c = &cases[i];

		h_init_default(&h);
		d = h_domain(&h, c->what, 0, 1 << 20);
		hv_lock(h.hv);
		/* The harness scratch area is 8 x 4K leaves. */
		uint64_t l0 = d->p2m.st.leaves[0];
		assert_int_equal(p2m_set_range(d, _gfn(c->gfn), mfn_add(base, (int64_t)c->mfn_off),
					       c->nr, p2m_mmio), 0);
		hv_realize_flush(h.hv);
		assert_int_equal(d->p2m.st.leaves[0] - l0, c->leaves[0]);
		assert_int_equal(d->p2m.st.leaves[1], c->leaves[1]);
		assert_int_equal(d->p2m.st.leaves[2], c->leaves[2]);
		for (uint64_t k = 0; k < c->nr; k++) {
			p2m_type_t t;
			mfn_t m = p2m_lookup(d, _gfn(c->gfn + k), &t, NULL);

			assert_int_equal(mfn_x(m), mfn_x(base) + c->mfn_off + k);
			assert_int_equal(t, p2m_mmio);
		}
		assert_int_equal(p2m_remove_range(d, _gfn(c->gfn), c->nr), 0);
		hv_realize_flush(h.hv);
		hv_unlock(h.hv);
		assert_int_equal(d->p2m.st.leaves[1], 0);
		assert_int_equal(d->p2m.st.leaves[0], l0);
		h_fini(&h);
	}
}

/* p2m_lookup_run: how many frames from a GFN on are mapped alike, with
 * one walk: the rest of a superpage, or 4 KiB leaves along one table
 * while type and MFNs continue; never more than asked. */
static void test_p2m_lookup_run(void **state)
{
	struct harness h;
	struct domain *d;
	mfn_t base = maddr_to_mfn(GiB(4));
	const uint64_t g = 0x40000;
	uint64_t run, walks;
	p2m_type_t t;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "run", 0, 1 << 20);
	hv_lock(h.hv);
	/* 2 MiB leaf at g; 4 KiB leaves at g+512: 10 continuing, then a
	 * jump in MFN, then 5 more of another type, then a hole. */
	assert_int_equal(p2m_set_range(d, _gfn(g), base, 512, p2m_mmio), 0);
	assert_int_equal(p2m_set_range(d, _gfn(g + 512), mfn_add(base, 1024), 10, p2m_mmio), 0);
	assert_int_equal(p2m_set_range(d, _gfn(g + 522), mfn_add(base, 2000), 6, p2m_mmio), 0);
	assert_int_equal(p2m_set_range(d, _gfn(g + 528), mfn_add(base, 2006), 5, p2m_ram_ro), 0);
	hv_realize_flush(h.hv);
	walks = d->p2m.st.walks;
	assert_int_equal(mfn_x(p2m_lookup_run(d, _gfn(g + 100), 1000, &t, &run)), mfn_x(base) + 100);
	assert_int_equal(run, 412);
	assert_int_equal(t, p2m_mmio);
	assert_int_equal(mfn_x(p2m_lookup_run(d, _gfn(g + 100), 7, &t, &run)), mfn_x(base) + 100);
	assert_int_equal(run, 7);
	assert_int_equal(mfn_x(p2m_lookup_run(d, _gfn(g + 513), 1000, &t, &run)), mfn_x(base) + 1025);
	assert_int_equal(run, 9);
	assert_int_equal(mfn_x(p2m_lookup_run(d, _gfn(g + 522), 1000, &t, &run)), mfn_x(base) + 2000);
	assert_int_equal(run, 6); /* the type changes after 6 */
	assert_int_equal(mfn_x(p2m_lookup_run(d, _gfn(g + 528), 1000, &t, &run)), mfn_x(base) + 2006);
	assert_int_equal(run, 5);
	assert_int_equal(t, p2m_ram_ro);
	assert_int_equal(mfn_x(p2m_lookup_run(d, _gfn(g + 522), 2, &t, &run)), mfn_x(base) + 2000);
	assert_int_equal(run, 2);
	assert_true(mfn_eq(p2m_lookup_run(d, _gfn(g + 533), 1000, &t, &run), INVALID_MFN));
	assert_int_equal(run, 1);
	assert_int_equal(t, p2m_invalid);
	assert_int_equal(d->p2m.st.walks - walks, 7);
	/* A full table of continuing leaves (not folded: RO in its middle
	 * until now) is one run up to its end. */
	assert_int_equal(p2m_set_range(d, _gfn(g + 1024), mfn_add(base, 4096), 512, p2m_mmio), 0);
	assert_int_equal(p2m_set_range(d, _gfn(g + 1024 + 7), mfn_add(base, 4096 + 7), 1, p2m_ram_ro),
			 0);
	assert_int_equal(mfn_x(p2m_lookup_run(d, _gfn(g + 1024 + 8), 10000, &t, &run)),
			 mfn_x(base) + 4096 + 8);
	assert_int_equal(run, 504);
	assert_int_equal(p2m_remove_range(d, _gfn(g), 2048), 0);
	hv_realize_flush(h.hv);
	hv_unlock(h.hv);
	h_audit(&h);
	h_fini(&h);
}

static void test_p2m_shatter_and_fold(void **state)
{
	struct harness h;
	struct domain *d;
	mfn_t base = maddr_to_mfn(GiB(4));
	uint64_t tables;
	unsigned int order;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "shatter", 0, 1 << 20);
	hv_lock(h.hv);
	tables = d->p2m.st.tables;
	assert_int_equal(p2m_set_range(d, _gfn(0x80000), base, 512, p2m_mmio), 0);
	assert_int_equal(d->p2m.st.leaves[1], 1);
	/* Removing one page in the middle splits the superpage. */
	assert_int_equal(p2m_remove_range(d, _gfn(0x80000 + 100), 1), 0);
	assert_int_equal(d->p2m.st.shattered[1], 1);
	assert_int_equal(d->p2m.st.leaves[1], 0);
	assert_true(mfn_eq(p2m_lookup(d, _gfn(0x80000 + 100), NULL, NULL), INVALID_MFN));
	assert_int_equal(mfn_x(p2m_lookup(d, _gfn(0x80000 + 101), NULL, &order)), mfn_x(base) + 101);
	assert_int_equal(order, 0);
	/* Putting it back folds the table into a 2M leaf again. */
	assert_int_equal(p2m_set_range(d, _gfn(0x80000 + 100), mfn_add(base, 100), 1, p2m_mmio), 0);
	assert_int_equal(d->p2m.st.leaves[1], 1);
	assert_int_equal(d->p2m.st.merged, 1);
	mfn_x(p2m_lookup(d, _gfn(0x80000 + 7), NULL, &order));
	assert_int_equal(order, 9);
	/* A different type in the middle prevents folding. */
	assert_int_equal(p2m_set_range(d, _gfn(0x80000 + 9), mfn_add(base, 9), 1, p2m_ram_ro), 0);
	assert_int_equal(d->p2m.st.leaves[1], 0);
	assert_int_equal(p2m_remove_range(d, _gfn(0x80000), 512), 0);
	hv_realize_flush(h.hv);
	hv_unlock(h.hv);
	/* Empty tables were freed. */
	assert_int_equal(d->p2m.st.tables, tables);
	h_fini(&h);
}

static void test_p2m_bounds(void **state)
{
	struct harness h;
	struct domain *d;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "bounds", 0, 1 << 20);
	hv_lock(h.hv);
	/* Default gpaddr_bits 40: 2^28 frames. */
	assert_int_equal(d->p2m.max_gfn, 1ULL << 28);
	assert_int_equal(p2m_set_range(d, _gfn((1ULL << 28) - 1), maddr_to_mfn(GiB(4)), 2, p2m_mmio), -EINVAL);
	assert_int_equal(p2m_set_range(d, _gfn(~0ULL), maddr_to_mfn(GiB(4)), 1, p2m_mmio), -EINVAL);
	assert_int_equal(p2m_set_range(d, _gfn(0), maddr_to_mfn(GiB(4)), 1, p2m_invalid), -EINVAL);
	assert_int_equal(p2m_set_range(d, _gfn(0), _mfn(~0ULL - 1), 4, p2m_mmio), -EINVAL);
	assert_int_equal(p2m_set_range(d, _gfn(5), maddr_to_mfn(GiB(4)), 0, p2m_mmio), 0);
	assert_true(mfn_eq(p2m_lookup(d, _gfn(1ULL << 40), NULL, NULL), INVALID_MFN));
	hv_unlock(h.hv);
	h_fini(&h);
}

static void test_domain_accounting(void **state)
{
	struct harness h;
	struct domain *d;
	struct page_info *pg;
	uint64_t free0;
	int err;

	(void)state;
	h_init_default(&h);
	free0 = h.hv->heap.free_pages;
	d = h_domain(&h, "acct", 0, 16);
	assert_int_equal(d->tot_pages, 8);
	hv_lock(h.hv);
	pg = mm_alloc_domheap(d, 3, &err);
	assert_non_null(pg);
	assert_int_equal(d->tot_pages, 16);
	/* max_pages is a hard limit. */
	assert_null(mm_alloc_domheap(d, 0, &err));
	assert_int_equal(err, -ENOMEM);
	hv_unlock(h.hv);
	h_audit(&h);
	hv_lock(h.hv);
	domain_destroy(d);
	hv_realize_flush(h.hv);
	hv_unlock(h.hv);
	assert_null(h.hv->domains);
	assert_int_equal(h.hv->heap.free_pages, free0);
	/* Freed frames were released to the host in coalesced ranges. */
	assert_true(h.vmm.st.punched_bytes >= 16 * PAGE_SIZE);
	h_fini(&h);
}

static void test_domain_ids(void **state)
{
	struct harness h;
	struct domain_config cfg = {.name = "x", .max_pages = 1, .domid = 0};
	struct domain *d0;
	int err;

	(void)state;
	h_init_default(&h);
	hv_lock(h.hv);
	d0 = domain_create(h.hv, &cfg, &err);
	assert_non_null(d0);
	assert_int_equal(d0->id, 0);
	assert_null(domain_create(h.hv, &cfg, &err));
	assert_int_equal(err, -EEXIST);
	cfg.domid = DOMID_SELF;
	assert_null(domain_create(h.hv, &cfg, &err));
	assert_int_equal(err, -EEXIST);
	cfg.domid = 0;
	cfg.gpaddr_bits = 60;
	cfg.domid = 5;
	assert_null(domain_create(h.hv, &cfg, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(domain_by_id(h.hv, 5));
	hv_unlock(h.hv);
	h_fini(&h);
}

/*
 * Realization order: a frame's host memory is released (its memfd range
 * punched) only after every pending unmap of it reached the guest windows.
 * A spy backend in front of the memfd one keeps a shadow of what each gfn
 * maps and counts releases of frames still mapped there. It also checks the
 * machine-RAM offset the core hands over with every map and release
 * against the default harness banks ({1 GiB, 64 MiB}, {4 GiB, 64 MiB}:
 * the second bank starts 64 MiB into machine RAM).
 */
#define SPY_GFNS 0x20000ULL
static struct {
	const struct hv_backend_ops *real;
	uint64_t shadow[SPY_GFNS]; /* mfn + 1 mapped at gfn, 0 = none */
	uint64_t releases, released_while_mapped;
	uint64_t scrubs, scrubbed_while_mapped;
	uint64_t offsets_checked, bad_offsets;
} spy;

static void spy_check_offset(mfn_t mfn, uint64_t off)
{
	paddr_t pa = mfn_to_maddr(mfn);
	uint64_t want = pa >= GiB(4) ? MiB(64) + (pa - GiB(4)) : pa - GiB(1);

	spy.offsets_checked++;
	if (off != want)
		spy.bad_offsets++;
}

static int spy_domain_create(void *ctx, struct domain *d)
{
	return spy.real->domain_create(ctx, d);
}

static void spy_domain_destroy(void *ctx, struct domain *d)
{
	spy.real->domain_destroy(ctx, d);
}

static int spy_map(void *ctx, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t off,
		   uint64_t nr, enum hv_access access)
{
	for (uint64_t i = 0; i < nr; i++)
		if (gfn_x(gfn) + i < SPY_GFNS)
			spy.shadow[gfn_x(gfn) + i] = mfn_x(mfn) + i + 1;
	spy_check_offset(mfn, off);
	return spy.real->map(ctx, d, gfn, mfn, off, nr, access);
}

static void spy_unmap(void *ctx, struct domain *d, gfn_t gfn, uint64_t nr)
{
	for (uint64_t i = 0; i < nr; i++)
		if (gfn_x(gfn) + i < SPY_GFNS)
			spy.shadow[gfn_x(gfn) + i] = 0;
	spy.real->unmap(ctx, d, gfn, nr);
}

static void spy_release(void *ctx, mfn_t mfn, uint64_t off, uint64_t nr)
{
	spy.releases++;
	spy_check_offset(mfn, off);
	for (uint64_t g = 0; g < SPY_GFNS; g++)
		if (spy.shadow[g] > mfn_x(mfn) && spy.shadow[g] <= mfn_x(mfn) + nr)
			spy.released_while_mapped++;
	spy.real->release(ctx, mfn, off, nr);
}

static void spy_scrub(void *ctx, mfn_t mfn, uint64_t off, uint64_t nr)
{
	spy.scrubs++;
	spy_check_offset(mfn, off);
	for (uint64_t g = 0; g < SPY_GFNS; g++)
		if (spy.shadow[g] > mfn_x(mfn) && spy.shadow[g] <= mfn_x(mfn) + nr)
			spy.scrubbed_while_mapped++;
	spy.real->scrub(ctx, mfn, off, nr);
}

static const struct hv_backend_ops spy_ops = {
	.domain_create = spy_domain_create,
	.domain_destroy = spy_domain_destroy,
	.map = spy_map,
	.unmap = spy_unmap,
	.release = spy_release,
	.scrub = spy_scrub,
};

static void test_release_after_unmap(void **state)
{
	/* More single frames than one release batch holds, so that the batch
	 * fills in the middle of one hypercall. */
	enum { N = 3 * HV_RELEASE_BATCH + 5, BASE = 0x100 };
	struct harness h;
	struct domain *d;
	uint64_t gfns[N], punched0;

	(void)state;
	h_init_default(&h);
	memset(&spy, 0, sizeof(spy));
	spy.real = h.hv->cfg.backend;
	h.hv->cfg.backend = &spy_ops;
	d = h_domain(&h, "order", 0, 1024);
	/* Even gfns first, then odd ones: neighbouring gfns get frames that
	 * are not neighbours, so the releases do not coalesce while the
	 * unmaps of the contiguous gfn range do (one pending run). */
	for (unsigned int pass = 0; pass < 2; pass++) {
		unsigned int n = 0;

		for (unsigned int i = pass; i < N; i += 2)
			gfns[n++] = BASE + i;
		assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, n, 0,
					       DOMID_SELF), n);
	}
	h_audit(&h);
	for (unsigned int i = 0; i + 1 < N; i++) {
		uint64_t a = spy.shadow[BASE + i] - 1, b = spy.shadow[BASE + i + 1] - 1;

		assert_true(spy.shadow[BASE + i] && spy.shadow[BASE + i + 1]);
		assert_true(a + 1 != b && b + 1 != a);
	}
	for (unsigned int i = 0; i < N; i++)
		gfns[i] = BASE + i;
	punched0 = h.vmm.st.punched_bytes;
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, N, 0,
				       DOMID_SELF), N);
	h_audit(&h);
	/* The frames are released lazily: the runs that did not fit the lazy
	 * list were punched in the middle of the call, the rest wait. */
	assert_true(spy.releases > HV_LAZY_RUNS);
	assert_int_equal(h.vmm.st.punched_bytes - punched0 + h.hv->lazy_pages * PAGE_SIZE,
			 (uint64_t)N * PAGE_SIZE);
	assert_true(h.hv->lazy_pages > 0);
	hv_lock(h.hv);
	hv_realize_punch_lazy(h.hv);
	hv_unlock(h.hv);
	h_audit(&h);
	/* Every frame went back to the host, none while a window mapped it. */
	assert_int_equal(h.hv->lazy_pages, 0);
	assert_int_equal(h.vmm.st.punched_bytes - punched0, (uint64_t)N * PAGE_SIZE);
	assert_int_equal(spy.released_while_mapped, 0);
	/* The backend got each run's place in machine RAM from the core. */
	assert_true(spy.offsets_checked > 2 * N);
	assert_int_equal(spy.bad_offsets, 0);
	for (unsigned int i = 0; i < N; i++)
		assert_int_equal(spy.shadow[BASE + i], 0);
	h_fini(&h);
}

/*
 * Lazy release: frames a decrease frees keep their data until the heap
 * hands them out again, and are zeroed then, never while a window still
 * maps them and never after a new owner could see them.
 */
static void spy_attach(struct harness *h)
{
	memset(&spy, 0, sizeof(spy));
	spy.real = h->hv->cfg.backend;
	h->hv->cfg.backend = &spy_ops;
}

static void test_lazy_release_scrubbed_before_reuse(void **state)
{
	enum { N = 64, BASE = 0x200 };
	struct harness h;
	struct domain *a, *b;
	uint64_t gfns[N], old[N], punched0;
	unsigned int reused = 0;

	(void)state;
	h_init_default(&h);
	spy_attach(&h);
	a = h_domain(&h, "old", 0, 1024);
	b = h_domain(&h, "new", 0, 1024);
	for (unsigned int i = 0; i < N; i++)
		gfns[i] = BASE + i;
	assert_int_equal(h_reservation(&h, a, XENMEM_populate_physmap, gfns, N, 0, DOMID_SELF), N);
	for (unsigned int i = 0; i < N; i++) {
		old[i] = mfn_x(p2m_lookup(a, _gfn(BASE + i), NULL, NULL));
		memset(h_va(a, (BASE + i) << PAGE_SHIFT), 0xa5, PAGE_SIZE);
	}
	punched0 = h.vmm.st.punched_bytes;
	assert_int_equal(h_reservation(&h, a, XENMEM_decrease_reservation, gfns, N, 0, DOMID_SELF), N);
	h_audit(&h);
	/* Lazy: nothing punched yet, the frames wait flagged in the heap. */
	assert_int_equal(h.vmm.st.punched_bytes, punched0);
	assert_int_equal(h.hv->lazy_pages, N);
	for (unsigned int i = 0; i < N; i++) {
		struct page_info *pg = mfn_to_page(&h.hv->ft, _mfn(old[i]));

		assert_true(pg->flags & PGC_need_scrub);
		assert_int_equal(pg->state, PGS_free);
		assert_int_equal(spy.shadow[BASE + i], 0);
	}
	/* Another domain takes them (the heap is LIFO) and reads zeroes. */
	assert_int_equal(h_reservation(&h, b, XENMEM_populate_physmap, gfns, N, 0, DOMID_SELF), N);
	h_audit(&h);
	for (unsigned int i = 0; i < N; i++) {
		const uint8_t *p = h_va(b, (BASE + i) << PAGE_SHIFT);
		uint64_t m = mfn_x(p2m_lookup(b, _gfn(BASE + i), NULL, NULL));

		for (unsigned int k = 0; k < N; k++)
			reused += m == old[k];
		for (unsigned int k = 0; k < PAGE_SIZE; k++)
			assert_int_equal(p[k], 0);
	}
	assert_int_equal(reused, N);
	assert_int_equal(h.hv->lazy_pages, 0);
	assert_true(spy.scrubs > 0);
	assert_int_equal(spy.scrubbed_while_mapped, 0);
	assert_int_equal(h.vmm.st.punched_bytes, punched0);
	h_fini(&h);
}

/* A balloon that gives back and takes again the same frame many times
 * keeps it resident: the lazy list does not fill up with runs of frames
 * that were handed out (and scrubbed) since, so nothing is punched, and
 * the frame still comes back zeroed every time. */
static void test_lazy_release_cycles(void **state)
{
	struct harness h;
	struct domain *a;
	uint64_t gfn = 0x200, punched0;

	(void)state;
	h_init_default(&h);
	a = h_domain(&h, "balloon", 0, 1024);
	punched0 = h.vmm.st.punched_bytes;
	for (unsigned int i = 0; i < 3 * HV_LAZY_RUNS; i++) {
		uint8_t *p;

		assert_int_equal(h_reservation(&h, a, XENMEM_populate_physmap, &gfn, 1, 0, DOMID_SELF), 1);
		p = h_va(a, gfn << PAGE_SHIFT);
		for (unsigned int k = 0; k < PAGE_SIZE; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0x77, PAGE_SIZE);
		assert_int_equal(h_reservation(&h, a, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
		assert_int_equal(h.hv->lazy_pages, 1);
		assert_true(h.hv->nr_lazy <= 1);
	}
	assert_int_equal(h.vmm.st.punched_bytes, punched0);
	h_audit(&h);
	h_fini(&h);
}

/* Freed and handed out again inside one hypercall: the old owner's unmap
 * is still pending when the heap gives the frame out, and must reach the
 * window before the frame is zeroed. */
static void test_lazy_release_scrub_after_pending_unmap(void **state)
{
	enum { G = 0x300 };
	struct harness h;
	struct domain *a, *b;
	struct page_info *pg;
	uint64_t gfn = G;
	mfn_t m;
	int err;

	(void)state;
	h_init_default(&h);
	spy_attach(&h);
	a = h_domain(&h, "old", 0, 1024);
	b = h_domain(&h, "new", 0, 1024);
	assert_int_equal(h_reservation(&h, a, XENMEM_populate_physmap, &gfn, 1, 0, DOMID_SELF), 1);
	m = p2m_lookup(a, _gfn(G), NULL, NULL);
	memset(h_va(a, (uint64_t)G << PAGE_SHIFT), 0x5a, PAGE_SIZE);
	hv_lock(h.hv);
	h.hv->release_lazy = true;
	assert_int_equal(mm_remove_gfn(a, _gfn(G)), 0);
	h.hv->release_lazy = false;
	assert_int_equal(spy.shadow[G], mfn_x(m) + 1); /* the unmap is pending */
	pg = mm_alloc_domheap(b, 0, &err);
	assert_non_null(pg);
	assert_int_equal(mfn_x(page_to_mfn(&h.hv->ft, pg)), mfn_x(m));
	assert_int_equal(spy.shadow[G], 0);
	assert_int_equal(spy.scrubs, 1);
	assert_int_equal(spy.scrubbed_while_mapped, 0);
	for (unsigned int k = 0; k < PAGE_SIZE; k++)
		assert_int_equal(((const uint8_t *)frame_va(&h.hv->ft, m))[k], 0);
	hv_realize_flush(h.hv);
	hv_unlock(h.hv);
	h_audit(&h);
	h_fini(&h);
}

/* Whether the window lets the host read [gaddr, gaddr+len): a PROT_NONE
 * range refuses MADV_POPULATE_READ instead of faulting. */
static bool window_readable(struct domain *d, paddr_t gaddr, size_t len)
{
	return madvise(h_va(d, gaddr), len, 22 /* MADV_POPULATE_READ */) == 0;
}

/* Whether this kernel moves a shared mapping's entries with
 * MREMAP_DONTUNMAP (5.13): then parked ranges leave the window. */
static bool can_move_shared(void)
{
	int fd = memfd_create("probe", 0);
	uint8_t *a, *b;
	bool ok = false;

	if (fd < 0)
		return false;
	if (ftruncate(fd, PAGE_SIZE) == 0) {
		a = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		b = mmap(NULL, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (a != MAP_FAILED && b != MAP_FAILED)
			ok = mremap(a, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED | 4, b) !=
			     MAP_FAILED;
		if (a != MAP_FAILED)
			munmap(a, PAGE_SIZE);
		if (b != MAP_FAILED)
			munmap(b, PAGE_SIZE);
	}
	close(fd);
	return ok;
}

/* Three rounds of populate, write, decrease over [base, base+n) of a (see
 * below); b takes the frames in the last. */
static void park_restore_rounds(struct harness *h, struct domain *a, struct domain *b,
				uint64_t base, unsigned int n)
{
	static uint64_t gfns[512], old[512];
	uint64_t parks0, restores0;
	const size_t len = (size_t)n << PAGE_SHIFT;

	for (unsigned int i = 0; i < n; i++)
		gfns[i] = base + i;
	for (int round = 0; round < 3; round++) {
		assert_int_equal(h_reservation(h, a, XENMEM_populate_physmap, gfns, n, 0, DOMID_SELF), n);
		h_audit(h);
		assert_true(window_readable(a, (paddr_t)base << PAGE_SHIFT, len));
		for (unsigned int i = 0; i < n; i++) {
			const uint8_t *p = h_va(a, (base + i) << PAGE_SHIFT);

			for (unsigned int k = 0; k < PAGE_SIZE; k++)
				assert_int_equal(p[k], 0);
			old[i] = mfn_x(p2m_lookup(a, _gfn(base + i), NULL, NULL));
		}
		memset(h_va(a, (paddr_t)base << PAGE_SHIFT), 0xa5, len);
		parks0 = h->vmm.st.parks;
		assert_int_equal(h_reservation(h, a, XENMEM_decrease_reservation, gfns, n, 0, DOMID_SELF), n);
		h_audit(h);
		assert_true(h->vmm.st.parks > parks0);
		assert_false(window_readable(a, (paddr_t)base << PAGE_SHIFT, len));
		if (round == 1) {
			/* Punched while parked: the restore must populate again. */
			hv_lock(h->hv);
			hv_realize_punch_lazy(h->hv);
			hv_unlock(h->hv);
		}
		if (round == 2) {
			/* Another domain takes the frames (the heap is LIFO) while
			 * a's range is parked; a still cannot reach them. */
			assert_int_equal(h_reservation(h, b, XENMEM_populate_physmap, gfns, n, 0, DOMID_SELF), n);
			for (unsigned int i = 0; i < n; i++) {
				const uint8_t *p = h_va(b, (base + i) << PAGE_SHIFT);

				assert_int_equal(mfn_x(p2m_lookup(b, _gfn(base + i), NULL, NULL)), old[i]);
				for (unsigned int k = 0; k < PAGE_SIZE; k++)
					assert_int_equal(p[k], 0);
			}
			memset(h_va(b, (paddr_t)base << PAGE_SHIFT), 0x3c, len);
			assert_false(window_readable(a, (paddr_t)base << PAGE_SHIFT, len));
			assert_int_equal(h_reservation(h, b, XENMEM_decrease_reservation, gfns, n, 0, DOMID_SELF), n);
			h_audit(h);
		}
	}
	/* The same frames back at the same place: restored, and zero. */
	restores0 = h->vmm.st.restores;
	assert_int_equal(h_reservation(h, a, XENMEM_populate_physmap, gfns, n, 0, DOMID_SELF), n);
	h_audit(h);
	assert_true(h->vmm.st.restores > restores0);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *p = h_va(a, (base + i) << PAGE_SHIFT);

		for (unsigned int k = 0; k < PAGE_SIZE; k++)
			assert_int_equal(p[k], 0);
		p[0] = 1; /* writable again */
	}
	assert_int_equal(h_reservation(h, a, XENMEM_decrease_reservation, gfns, n, 0, DOMID_SELF), n);
	assert_false(window_readable(a, (paddr_t)base << PAGE_SHIFT, len));
	h_audit(h);
}

/* With prefaulted memory a decrease parks its range (its page-table
 * entries moved out of the window, or PROT_NONE in place) and a populate
 * of the same frames at the same place restores it: the guest cannot
 * reach the range in between, whoever gets the frames meanwhile, and what
 * it gets back is scrubbed, also after the frames were punched while
 * parked. Both a range inside one page table (32 pages: entries moved one
 * by one) and a whole aligned 2 MiB (the table moved). */
static void test_prefault_park_restore(void **state)
{
	struct harness h;
	struct domain *a, *b;
	uint64_t moved0;

	(void)state;
	h_init_default(&h);
	h.vmm.prefault = true; /* as `memvisor run`: maps MAP_POPULATE'd */
	a = h_domain(&h, "a", 0, 1024);
	b = h_domain(&h, "b", 0, 1024);
	if (!window_readable(a, 0, 0) && errno == EINVAL) {
		h_fini(&h);
		skip(); /* no MADV_POPULATE_READ on this kernel: no probe */
	}
	park_restore_rounds(&h, a, b, 0x400, 32);
	park_restore_rounds(&h, a, b, 0x800, 512);
	/* The audit sees a parked range the window lets the guest read. */
	{
		char msg[256];
		uint8_t *w = h_va(a, (paddr_t)0x800 << PAGE_SHIFT);

		assert_int_equal(mprotect(w, MiB(2), PROT_READ), 0);
		assert_int_not_equal(vmm_park_audit(&h.vmm, msg, sizeof(msg)), 0);
		assert_non_null(strstr(msg, "is readable through the window"));
		assert_int_equal(mprotect(w, MiB(2), PROT_NONE), 0);
		h_audit(&h);
	}
	/* Where the kernel allows it, the entries left the window. */
	if (can_move_shared())
		assert_int_equal(h.vmm.st.parks_moved, h.vmm.st.parks);
	else
		assert_int_equal(h.vmm.st.parks_moved, 0);
	/* The fallback of kernels that refuse: parked in place. */
	h.vmm.park_in_place = true;
	moved0 = h.vmm.st.parks_moved;
	park_restore_rounds(&h, a, b, 0x400, 32);
	park_restore_rounds(&h, a, b, 0x800, 512);
	assert_int_equal(h.vmm.st.parks_moved, moved0);
	h_fini(&h);
}

/* The audit refuses a frame handed out unscrubbed, or one flagged but
 * left off the lazy list (it would never be punched). */
static void test_lazy_release_audit(void **state)
{
	struct harness h;
	struct domain *a;
	struct page_info *pg;
	char msg[512];
	uint64_t gfn = 0x400;
	unsigned int nr_lazy;

	(void)state;
	h_init_default(&h);
	a = h_domain(&h, "a", 0, 1024);
	assert_int_equal(h_reservation(&h, a, XENMEM_populate_physmap, &gfn, 1, 0, DOMID_SELF), 1);
	pg = mfn_to_page(&h.hv->ft, p2m_lookup(a, _gfn(gfn), NULL, NULL));
	pg->flags |= PGC_need_scrub;
	h.hv->lazy_pages++;
	assert_int_not_equal(hv_audit(h.hv, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "awaits scrubbing but is not a free heap frame"));
	pg->flags &= ~PGC_need_scrub;
	h.hv->lazy_pages--;
	h_audit(&h);
	assert_int_equal(h_reservation(&h, a, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	h_audit(&h);
	nr_lazy = h.hv->nr_lazy;
	h.hv->nr_lazy = 0;
	assert_int_not_equal(hv_audit(h.hv, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "no lazy run holds it"));
	h.hv->nr_lazy = nr_lazy;
	h_audit(&h);
	h_fini(&h);
}

/*
 * A 1 GiB extent is populated and decreased with a handful of P2M walks
 * and one update each, not one per 4 KiB frame; smaller leaves inside an
 * extent are removed leaf by leaf.
 */
static void test_extent_1g_walks(void **state)
{
	static const paddr_t banks[][2] = {{GiB(1), GiB(1) + MiB(64)}};
	const uint64_t g1 = 0x100000, nr = 1ULL << 18;
	struct harness h;
	struct domain *d;
	uint64_t walks, updates, gfn = g1, free0, gfns[512], l0;

	(void)state;
	h_init(&h, banks, 1);
	d = h_domain(&h, "big", 0, 2 * nr);
	free0 = h.hv->heap.free_pages;
	l0 = d->p2m.st.leaves[0]; /* the harness's scratch pages */
	walks = d->p2m.st.walks;
	updates = d->p2m.st.updates;
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, &gfn, 1, 18, DOMID_SELF), 1);
	assert_true(d->p2m.st.walks - walks < 16);
	assert_int_equal(d->p2m.st.updates - updates, 1);
	assert_int_equal(d->p2m.st.leaves[2], 1);
	assert_int_equal(h.hv->heap.free_pages, free0 - nr);
	h_audit(&h);
	walks = d->p2m.st.walks;
	updates = d->p2m.st.updates;
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, &gfn, 1, 18, DOMID_SELF), 1);
	assert_true(d->p2m.st.walks - walks < 16);
	assert_int_equal(d->p2m.st.updates - updates, 1);
	assert_int_equal(d->p2m.st.leaves[2], 0);
	assert_int_equal(h.hv->heap.free_pages, free0);
	assert_true(p2m_range_empty(d, _gfn(g1), nr));
	h_audit(&h);

	/* A 2 MiB extent made of 4 KiB leaves (every other gfn first, so
	 * that the frames are not contiguous) goes leaf by leaf. */
	for (unsigned int pass = 0; pass < 2; pass++) {
		unsigned int n = 0;

		for (unsigned int i = pass; i < 512; i += 2)
			gfns[n++] = g1 + i;
		assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, n, 0, DOMID_SELF), n);
	}
	assert_false(p2m_range_empty(d, _gfn(g1), 512));
	assert_false(p2m_range_empty(d, _gfn(g1 + 511), 1));
	assert_true(p2m_range_empty(d, _gfn(g1 + 512), nr - 512));
	assert_int_equal(d->p2m.st.leaves[0] - l0, 512);
	h_audit(&h);
	gfn = g1;
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, &gfn, 1, 9, DOMID_SELF), 1);
	assert_int_equal(d->p2m.st.leaves[0], l0);
	assert_true(p2m_range_empty(d, _gfn(g1), nr));
	assert_int_equal(h.hv->heap.free_pages, free0);
	h_audit(&h);

	/* One frame out of a 2 MiB leaf: the leaf is shattered, the rest stays. */
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, &gfn, 1, 9, DOMID_SELF), 1);
	assert_int_equal(d->p2m.st.leaves[1], 1);
	gfn = g1 + 7;
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	assert_int_equal(d->p2m.st.leaves[0] - l0, 511);
	assert_true(p2m_range_empty(d, _gfn(g1 + 7), 1));
	assert_false(p2m_range_empty(d, _gfn(g1 + 6), 2));
	h_audit(&h);
	h_fini(&h);
}

/*
 * A batch of consecutive extents is done in runs: a handful of P2M
 * updates for 512 pages, each reaching the right frame, and the outcome
 * extent by extent is the per-extent one: the call stops exactly at an
 * occupied (populate) or unmapped (decrease) extent, or where max_pages
 * is reached, with everything before it done and nothing after it.
 */
static void test_reservation_runs(void **state)
{
	enum { N = 512, BASE = 0x20000, HOLE = 100 };
	struct harness h;
	struct domain *d, *e;
	static uint64_t gfns[N];
	uint64_t updates, free0, room, gfn;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "runs", 0, 4096);
	for (unsigned int i = 0; i < N; i++)
		gfns[i] = BASE + i;
	free0 = h.hv->heap.free_pages;
	updates = d->p2m.st.updates;
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, N, 0, DOMID_SELF), N);
	/* Extent by extent this was 512 updates. */
	assert_true(d->p2m.st.updates - updates <= N / 64);
	assert_int_equal(h.hv->heap.free_pages, free0 - N);
	for (unsigned int i = 0; i < N; i++) {
		mfn_t m = p2m_lookup(d, _gfn(BASE + i), NULL, NULL);
		struct page_info *pg = mfn_to_page(&h.hv->ft, m);

		assert_non_null(pg);
		assert_int_equal(pg->owner, d->id);
		*(uint32_t *)h_va(d, (paddr_t)(BASE + i) << PAGE_SHIFT) = i;
	}
	h_audit(&h);
	updates = d->p2m.st.updates;
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, N, 0, DOMID_SELF), N);
	assert_true(d->p2m.st.updates - updates <= N / 64);
	assert_true(p2m_range_empty(d, _gfn(BASE), N));
	assert_int_equal(h.hv->heap.free_pages, free0);
	h_audit(&h);

	/* Populate stops at the occupied extent, in the middle of a run. */
	gfn = BASE + HOLE;
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, &gfn, 1, 0, DOMID_SELF), 1);
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, 200, 0, DOMID_SELF),
			 HOLE);
	assert_false(p2m_range_empty(d, _gfn(BASE), HOLE + 1));
	for (unsigned int i = 0; i <= HOLE; i++)
		assert_false(p2m_range_empty(d, _gfn(BASE + i), 1));
	assert_true(p2m_range_empty(d, _gfn(BASE + HOLE + 1), N - HOLE - 1));
	assert_int_equal(h.hv->heap.free_pages, free0 - HOLE - 1);
	h_audit(&h);
	/* Decrease stops at the first unmapped extent, after the run. */
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, 200, 0, DOMID_SELF),
			 HOLE + 1);
	assert_true(p2m_range_empty(d, _gfn(BASE), N));
	assert_int_equal(h.hv->heap.free_pages, free0);
	h_audit(&h);

	/* Extents of order 2 in a row, then the same list descending (no
	 * run: extent by extent). */
	for (unsigned int i = 0; i < 16; i++)
		gfns[i] = BASE + 4 * i;
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, 16, 2, DOMID_SELF), 16);
	assert_false(p2m_range_empty(d, _gfn(BASE + 63), 1));
	assert_true(p2m_range_empty(d, _gfn(BASE + 64), 1));
	h_audit(&h);
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, 16, 2, DOMID_SELF), 16);
	for (unsigned int i = 0; i < 64; i++)
		gfns[i] = BASE + 63 - i;
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, 64, 0, DOMID_SELF), 64);
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, 64, 0, DOMID_SELF), 64);
	assert_true(p2m_range_empty(d, _gfn(BASE), N));
	assert_int_equal(h.hv->heap.free_pages, free0);
	h_audit(&h);

	/* max_pages reached inside a run: exactly the frames allowed. */
	e = h_domain(&h, "small", 0, 64);
	room = e->max_pages - (e->tot_pages - e->extra_pages);
	assert_true(room > 0 && room < 60);
	for (unsigned int i = 0; i < 64; i++)
		gfns[i] = BASE + i;
	assert_int_equal(h_reservation(&h, e, XENMEM_populate_physmap, gfns, 64, 0, DOMID_SELF),
			 (int64_t)room);
	assert_false(p2m_range_empty(e, _gfn(BASE + room - 1), 1));
	assert_true(p2m_range_empty(e, _gfn(BASE + room), 64 - room));
	h_audit(&h);
	h_fini(&h);
}

/* The extent list is read in chunks; a list that runs off the end of
 * the caller's memory still stops exactly at the first unreadable entry. */
static void test_extent_list_partial(void **state)
{
	const uint64_t end = H_SCRATCH_PAGES * PAGE_SIZE;
	const uint64_t gfns[3] = {0x500, 0x501, 0x502};
	struct harness h;
	struct domain *d;
	struct xen_memory_reservation r = {.extent_start = h_gpa(end - 3 * sizeof(uint64_t)),
					   .nr_extents = 10, .domid = DOMID_SELF};

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "d", 0, 1024);
	h_put(d, end - sizeof(gfns), gfns, sizeof(gfns));
	h_put(d, 0, &r, sizeof(r));
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_populate_physmap, h_gpa(0),
				0, 0, 0), 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_false(p2m_range_empty(d, _gfn(gfns[i]), 1));
	h_audit(&h);
	h_fini(&h);
}

/*
 * A batch of gmfn moves alternates an unmap of the old place with a map of
 * the new one; the pending runs keep one run of each kind for it, and
 * still keep operations on one GFN in order (a move there and back).
 */
static int64_t move_batch(struct harness *h, struct domain *d, const uint64_t *idx,
			  const uint64_t *gpfn, unsigned int n, int *errs)
{
	struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn,
					     .size = (uint16_t)n, .idxs = h_gpa(0x1000),
					     .gpfns = h_gpa(0x2000), .errs = h_gpa(0x3000)};
	int64_t rc;

	h_put(d, 0x1000, idx, n * sizeof(*idx));
	h_put(d, 0x2000, gpfn, n * sizeof(*gpfn));
	h_put(d, 0, &b, sizeof(b));
	rc = h_call(h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, h_gpa(0), 0, 0, 0);
	h_get(d, 0x3000, errs, n * sizeof(*errs));
	return rc;
}

static void test_pending_runs_coalesce_moves(void **state)
{
	enum { N = 64, SRC = 0x800, DST = 0x900 };
	struct harness h;
	struct domain *d;
	uint64_t idx[N], gpfn[N], maps, unmaps;
	int errs[N];

	(void)state;
	h_init_default(&h);
	spy_attach(&h);
	d = h_domain(&h, "mover", 0, 1024);
	for (unsigned int i = 0; i < N; i++) {
		idx[i] = SRC + i;
		gpfn[i] = DST + i;
	}
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, idx, N, 0, DOMID_SELF), N);
	for (unsigned int i = 0; i < N; i++)
		memset(h_va(d, (SRC + i) << PAGE_SHIFT), 0x10 + i, PAGE_SIZE);
	maps = h.hv->st.backend_maps;
	unmaps = h.hv->st.backend_unmaps;
	assert_int_equal(move_batch(&h, d, idx, gpfn, N, errs), 0);
	for (unsigned int i = 0; i < N; i++)
		assert_int_equal(errs[i], 0);
	/* One unmap run and one map run for the whole batch. */
	assert_int_equal(h.hv->st.backend_unmaps - unmaps, 1);
	assert_int_equal(h.hv->st.backend_maps - maps, 1);
	h_audit(&h);
	for (unsigned int i = 0; i < N; i++) {
		assert_int_equal(spy.shadow[SRC + i], 0);
		assert_int_not_equal(spy.shadow[DST + i], 0);
		assert_int_equal(*(uint8_t *)h_va(d, (DST + i) << PAGE_SHIFT), 0x10 + i);
	}
	/* There and back in one batch: the window must end as the P2M. */
	idx[0] = DST;
	gpfn[0] = SRC;
	idx[1] = SRC;
	gpfn[1] = DST + N;
	idx[2] = DST + N;
	gpfn[2] = DST;
	assert_int_equal(move_batch(&h, d, idx, gpfn, 3, errs), 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(errs[i], 0);
	h_audit(&h);
	assert_int_equal(spy.shadow[SRC], 0);
	assert_int_equal(spy.shadow[DST + N], 0);
	assert_int_equal(spy.shadow[DST] - 1, mfn_x(p2m_lookup(d, _gfn(DST), NULL, NULL)));
	assert_int_equal(*(uint8_t *)h_va(d, (uint64_t)DST << PAGE_SHIFT), 0x10);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lazy_release_scrubbed_before_reuse),
		cmocka_unit_test(test_lazy_release_scrub_after_pending_unmap),
		cmocka_unit_test(test_lazy_release_audit),
		cmocka_unit_test(test_lazy_release_cycles),
		cmocka_unit_test(test_prefault_park_restore),
		cmocka_unit_test(test_extent_1g_walks),
		cmocka_unit_test(test_extent_list_partial),
		cmocka_unit_test(test_reservation_runs),
		cmocka_unit_test(test_pending_runs_coalesce_moves),
		cmocka_unit_test(test_frame_table_banks),
		cmocka_unit_test(test_frame_table_bad_banks),
		cmocka_unit_test(test_heap_split_merge),
		cmocka_unit_test(test_heap_take_range),
		cmocka_unit_test(test_p2m_leaf_layout),
		cmocka_unit_test(test_p2m_lookup_run),
		cmocka_unit_test(test_p2m_shatter_and_fold),
		cmocka_unit_test(test_p2m_bounds),
		cmocka_unit_test(test_domain_accounting),
		cmocka_unit_test(test_domain_ids),
		cmocka_unit_test(test_release_after_unmap),
	};

	return cmocka_run_group_tests_name("mm", tests, NULL, NULL);
}
