/*
 * Buddy heap.
 *
 * Design: classic binary buddy over machine frames, orders 0..18 (4 KiB to
 * 1 GiB). A block never crosses a RAM bank and is aligned to its size in
 * MFN space, so the buddy of a block is found by flipping one MFN bit.
 * Splitting hands out the lowest part and keeps the upper halves, and free
 * lists are LIFO, so consecutive small allocations come out ascending and
 * contiguous: the realization layer can then map them with one mmap.
 *
 * Invariants: see heap.h. Static frames never get here (BUG).
 */
#include <errno.h>

#include <hv/heap.h>
#include <hv/hv.h>
#include <hv/page.h>
#include <hv/realize.h>
#include <public/xen.h>

void heap_init(struct hv *hv)
{
	for (unsigned int o = 0; o <= HEAP_MAX_ORDER; o++)
		page_list_init(&hv->heap.free[o]);
}

static void free_block_insert(struct hv *hv, struct page_info *pg, unsigned int order)
{
	pg->order = order;
	page_list_add_head(&hv->ft, &hv->heap.free[order], pg, PGL_HEAP);
}

static bool is_free_head(const struct page_info *pg, unsigned int order)
{
	return pg->state == PGS_free && pg->list == PGL_HEAP && pg->order == order &&
	       !(pg->flags & PGC_static);
}

/* Puts a block on the free lists, merging with free buddies. */
static void free_block_merge(struct hv *hv, mfn_t mfn, unsigned int order)
{
	struct frame_table *ft = &hv->ft;

	while (order < HEAP_MAX_ORDER) {
		mfn_t buddy = _mfn(mfn_x(mfn) ^ (1ULL << order));
		mfn_t merged = _mfn(mfn_x(mfn) & ~((2ULL << order) - 1));
		struct page_info *bp;

		if (!frame_range_in_one_bank(ft, merged, 2ULL << order))
			break;
		bp = mfn_to_page(ft, buddy);
		if (!bp || !is_free_head(bp, order))
			break;
		page_list_del(ft, &hv->heap.free[order], bp);
		hv->heap.nr_merges++;
		mfn = merged;
		order++;
	}
	free_block_insert(hv, mfn_to_page(ft, mfn), order);
}

void heap_add_range(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	struct frame_table *ft = &hv->ft;

	BUG_ON(!frame_range_in_one_bank(ft, mfn, nr));
	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *pg = mfn_to_page(ft, mfn_add(mfn, (int64_t)i));

		BUG_ON(pg->state != PGS_broken || pg->list != PGL_NONE);
		pg->state = PGS_free;
		pg->flags = 0;
		pg->count = pg->type_count = 0;
		pg->owner = DOMID_INVALID;
	}
	/* Carve the range into the largest aligned blocks. */
	while (nr) {
		unsigned int order = 0;

		while (order < HEAP_MAX_ORDER && IS_ALIGNED(mfn_x(mfn), 2ULL << order) &&
		       (2ULL << order) <= nr)
			order++;
		free_block_merge(hv, mfn, order);
		hv->heap.free_pages += 1ULL << order;
		hv->heap.total_pages += 1ULL << order;
		mfn = mfn_add(mfn, (int64_t)(1ULL << order));
		nr -= 1ULL << order;
	}
}

/* Finds the free block containing mfn; NULL if the frame is not free in the heap. */
static struct page_info *find_free_block(struct hv *hv, mfn_t mfn, unsigned int *order_out)
{
	for (unsigned int o = 0; o <= HEAP_MAX_ORDER; o++) {
		mfn_t head = _mfn(mfn_x(mfn) & ~((1ULL << o) - 1));
		struct page_info *pg = mfn_to_page(&hv->ft, head);

		if (pg && is_free_head(pg, o) && mfn_x(head) + (1ULL << o) > mfn_x(mfn)) {
			*order_out = o;
			return pg;
		}
	}
	return NULL;
}

/* Splits the free block at head/order so that mfn becomes a free order-0 block. */
static void isolate_frame(struct hv *hv, struct page_info *head, unsigned int order, mfn_t mfn)
{
	struct frame_table *ft = &hv->ft;
	mfn_t h = page_to_mfn(ft, head);

	page_list_del(ft, &hv->heap.free[order], head);
	while (order > 0) {
		order--;
		mfn_t upper = mfn_add(h, (int64_t)(1ULL << order));

		if (mfn_x(mfn) >= mfn_x(upper)) {
			free_block_insert(hv, mfn_to_page(ft, h), order);
			h = upper;
		} else {
			free_block_insert(hv, mfn_to_page(ft, upper), order);
		}
		hv->heap.nr_splits++;
	}
	BUG_ON(!mfn_eq(h, mfn));
}

int heap_take_range(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	struct frame_table *ft = &hv->ft;

	HV_ASSERT_LOCKED(hv);
	if (!frame_range_in_one_bank(ft, mfn, nr))
		return -EINVAL;
	/* Check first so that a failure changes nothing. */
	for (uint64_t i = 0; i < nr; i++) {
		unsigned int o;

		if (!find_free_block(hv, mfn_add(mfn, (int64_t)i), &o))
			return -EBUSY;
	}
	for (uint64_t i = 0; i < nr; i++) {
		mfn_t m = mfn_add(mfn, (int64_t)i);
		unsigned int o;
		struct page_info *head = find_free_block(hv, m, &o);
		struct page_info *pg;

		BUG_ON(!head);
		isolate_frame(hv, head, o, m);
		pg = mfn_to_page(ft, m); /* isolated: on no list */
		if (pg->flags & PGC_need_scrub) {
			hv_realize_scrub(hv, m, 1);
			pg->flags &= ~PGC_need_scrub;
		}
		pg->state = PGS_broken; /* the caller gives it its new state */
		hv->heap.free_pages--;
		hv->heap.total_pages--;
	}
	return 0;
}

struct page_info *heap_alloc(struct hv *hv, unsigned int order)
{
	struct frame_table *ft = &hv->ft;
	unsigned int o;
	struct page_info *pg;
	mfn_t mfn;

	HV_ASSERT_LOCKED(hv);
	if (order > HEAP_MAX_ORDER)
		return NULL;
	if (hv_failinject_hit(hv))
		return NULL;
	for (o = order; o <= HEAP_MAX_ORDER; o++)
		if (hv->heap.free[o].count)
			break;
	if (o > HEAP_MAX_ORDER)
		return NULL;
	/* Host memory of frames freed in this hypercall must be released
	 * before they can carry new data. */
	if (hv->nr_release)
		hv_realize_flush(hv);
	pg = page_list_first(ft, &hv->heap.free[o]);
	page_list_del(ft, &hv->heap.free[o], pg);
	mfn = page_to_mfn(ft, pg);
	while (o > order) {
		o--;
		free_block_insert(hv, mfn_to_page(ft, mfn_add(mfn, (int64_t)(1ULL << o))), o);
		hv->heap.nr_splits++;
	}
	/* Lazily released frames still hold old data: zero them, in runs. */
	uint64_t dirty = 0;

	for (uint64_t i = 0; i < (1ULL << order); i++) {
		struct page_info *p = mfn_to_page(ft, mfn_add(mfn, (int64_t)i));
		BUG_ON(p->state != PGS_free || p->list != PGL_NONE || (p->flags & PGC_static));
		if (p->flags & PGC_need_scrub) {
			dirty++;
		} else if (dirty) {
			hv_realize_scrub(hv, mfn_add(mfn, (int64_t)(i - dirty)), dirty);
			dirty = 0;
		}
		p->state = PGS_inuse;
		p->count = p->type_count = 0;
		p->flags = 0;
		p->owner = DOMID_INVALID;
	}
	if (dirty)
		hv_realize_scrub(hv, mfn_add(mfn, (int64_t)((1ULL << order) - dirty)), dirty);
	hv->heap.free_pages -= 1ULL << order;
	hv->heap.nr_allocs++;
	return pg;
}

void heap_free(struct hv *hv, struct page_info *pg, unsigned int order)
{
	struct frame_table *ft = &hv->ft;
	mfn_t mfn = page_to_mfn(ft, pg);

	HV_ASSERT_LOCKED(hv);
	BUG_ON(!IS_ALIGNED(mfn_x(mfn), 1ULL << order));
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		struct page_info *p = mfn_to_page(ft, mfn_add(mfn, (int64_t)i));

		BUG_ON(p->state != PGS_inuse || p->count || p->list != PGL_NONE);
		BUG_ON(p->flags & PGC_static);
		p->state = PGS_free;
		p->flags = hv->release_lazy ? PGC_need_scrub : 0;
		p->type_count = 0;
		p->owner = DOMID_INVALID;
	}
	if (hv->release_lazy)
		hv_realize_release_lazy(hv, mfn, 1ULL << order);
	else
		hv_realize_release(hv, mfn, 1ULL << order);
	free_block_merge(hv, mfn, order);
	hv->heap.free_pages += 1ULL << order;
	hv->heap.nr_frees++;
}

int heap_max_free_order(const struct hv *hv)
{
	for (int o = HEAP_MAX_ORDER; o >= 0; o--)
		if (hv->heap.free[o].count)
			return o;
	return -1;
}
