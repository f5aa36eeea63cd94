/*
 * Static memory.
 *
 * Design: static banks are claimed from the heap at boot and marked
 * free + static. Building the domain prepares them (exact state check,
 * all or nothing) and assigns them. When the last reference of a static
 * frame drops, it is scrubbed, marked free + static again and queued on its
 * owner's reserved list; populate_physmap of that domain takes frames back
 * from there, one at a time. Nothing ever puts a static frame in the heap.
 *
 * Invariants: see staticmem.h.
 */
#include <errno.h>
#include <string.h>

#include <hv/hv.h>
#include <hv/mm.h>
#include <hv/staticmem.h>
#include <public/xen.h>

static bool is_free_static(const struct page_info *pg)
{
	return pg->state == PGS_free && pg->flags == PGC_static && pg->count == 0 &&
	       pg->type_count == 0;
}

int staticmem_claim(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	int rc = heap_take_range(hv, mfn, nr);

	if (rc)
		return rc;
	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *pg = mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i));

		pg->state = PGS_free;
		pg->flags = PGC_static;
		pg->owner = DOMID_INVALID;
	}
	return 0;
}

int staticmem_prepare(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	uint64_t i;

	for (i = 0; i < nr; i++) {
		struct page_info *pg = mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i));

		if (!pg || !is_free_static(pg)) {
			hv_err(hv, "static frame %" PRI_mfn " is not free and static (state %u flags %#x count %u)",
			       mfn_x(mfn) + i, pg ? pg->state : 0xff, pg ? pg->flags : 0,
			       pg ? pg->count : 0);
			goto err_undo;
		}
		pg->state = PGS_inuse;
	}
	return 0;

err_undo:
	while (i--)
		mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i))->state = PGS_free;
	return -EINVAL;
}

void staticmem_unprepare(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	/* Every frame is scrubbed, not only the first one: releasing the
	 * host memory of the range zeroes each of its pages. */
	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *pg = mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i));

		BUG_ON(!pg || pg->state != PGS_inuse || !(pg->flags & PGC_static) || pg->count);
		pg->state = PGS_free;
		pg->flags = PGC_static;
		pg->type_count = 0;
	}
	hv_realize_release(hv, mfn, nr);
}

int staticmem_acquire_domstatic(struct domain *d, mfn_t mfn, uint64_t nr)
{
	struct hv *hv = d->hv;
	int rc;

	rc = staticmem_prepare(hv, mfn, nr);
	if (rc)
		return -ENOENT;
	if (d->tot_pages + nr > d->max_pages) {
		rc = -EINVAL;
		goto err_unprepare;
	}
	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *pg = mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i));

		pg->owner = d->id;
		pg->count = 1;
		pg->flags |= PGC_allocated;
		page_list_add_tail(&hv->ft, &d->page_list, pg, PGL_DOMAIN);
	}
	d->tot_pages += nr;
	return 0;

err_unprepare:
	for (uint64_t i = 0; i < nr; i++)
		mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i))->state = PGS_free;
	return rc;
}

void staticmem_free_domstatic(struct domain *d, struct page_info *pg)
{
	struct hv *hv = d->hv;

	staticmem_unprepare(hv, page_to_mfn(&hv->ft, pg), 1);
	pg->owner = d->id; /* stays with d on its reserved list */
	page_list_add_tail(&hv->ft, &d->resv_list, pg, PGL_RESV);
}

struct page_info *staticmem_acquire_reserved(struct domain *d, int *err)
{
	struct hv *hv = d->hv;
	struct page_info *pg = page_list_first(&hv->ft, &d->resv_list);
	mfn_t mfn;

	if (!pg) {
		*err = -ENOMEM;
		return NULL;
	}
	if (d->state == DOMS_dying || d->tot_pages + 1 > d->max_pages) {
		*err = d->state == DOMS_dying ? -ESRCH : -ENOMEM;
		return NULL;
	}
	page_list_del(&hv->ft, &d->resv_list, pg);
	mfn = page_to_mfn(&hv->ft, pg);
	pg->owner = DOMID_INVALID;
	if (staticmem_prepare(hv, mfn, 1)) {
		/* Put it back at the tail, as Xen does on failure. */
		pg->owner = d->id;
		page_list_add_tail(&hv->ft, &d->resv_list, pg, PGL_RESV);
		*err = -ENOMEM;
		return NULL;
	}
	pg->flags = PGC_static | PGC_allocated;
	pg->count = 1;
	pg->owner = d->id;
	page_list_add_tail(&hv->ft, &d->page_list, pg, PGL_DOMAIN);
	d->tot_pages++;
	/* Frames on the reserved list were scrubbed when they were freed. */
	if (hv->nr_release)
		hv_realize_flush(hv);
	*err = 0;
	return pg;
}
