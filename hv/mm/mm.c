/*
 * Page ownership and references.
 *
 * Design: Xen-like counting. Assignment gives the owner the allocation
 * reference (PGC_allocated, count 1); every foreign, grant or IOMMU map
 * takes one more. Dropping the allocation (decrease_reservation, domain
 * destruction) and unmapping only ever put references; the frame is freed
 * by whoever puts the last one, so a frame mapped by a backend outlives its
 * owner's interest in it. Invariants: see mm.h and page.h.
 *
 * The layers above hear of what happens here through mm_hooks (mm.h): a
 * removed RAM gfn (PV IOMMU invalidation), a dying domain's last frame
 * (the domain lifecycle frees it).
 */
#include <errno.h>

#include <hv/heap.h>
#include <hv/hv.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/staticmem.h>
#include <public/xen.h>

void mm_assign_frames(struct domain *d, mfn_t mfn, uint64_t nr, domid_t from)
{
	struct hv *hv = d->hv;

	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *p = mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i));

		BUG_ON(p->state != PGS_inuse || p->count || p->owner != from);
		p->owner = d->id;
		p->count = 1;
		p->flags |= PGC_allocated;
		page_list_add_tail(&hv->ft, &d->page_list, p, PGL_DOMAIN);
	}
	d->tot_pages += nr;
}

int mm_assign_pages(struct domain *d, struct page_info *pg, unsigned int order)
{
	uint64_t n = 1ULL << order;

	if (d->state == DOMS_dying)
		return -ESRCH;
	if (d->tot_pages - d->extra_pages + n > d->max_pages)
		return -ENOMEM;
	mm_assign_frames(d, page_to_mfn(&d->hv->ft, pg), n, DOMID_INVALID);
	return 0;
}

struct page_info *mm_alloc_domheap(struct domain *d, unsigned int order, int *err)
{
	struct hv *hv = d->hv;
	struct page_info *pg;
	int rc;

	if (d->state == DOMS_dying) {
		*err = -ESRCH;
		return NULL;
	}
	if (d->tot_pages - d->extra_pages + (1ULL << order) > d->max_pages) {
		*err = -ENOMEM;
		return NULL;
	}
	pg = heap_alloc(hv, order);
	if (!pg) {
		*err = -ENOMEM;
		return NULL;
	}
	rc = mm_assign_pages(d, pg, order);
	BUG_ON(rc); /* checked above */
	*err = 0;
	return pg;
}

bool mm_get_page(struct page_info *pg, const struct domain *owner)
{
	HV_ASSERT_LOCKED(owner->hv); /* reference counts are hv->lock's */
	if (pg->state != PGS_inuse || pg->owner != owner->id || pg->count == 0)
		return false;
	if (pg->count == UINT32_MAX)
		return false;
	pg->count++;
	return true;
}

bool mm_get_page_writable(struct page_info *pg, const struct domain *owner)
{
	if (!mm_get_page(pg, owner))
		return false;
	pg->type_count++;
	return true;
}

struct page_info *mm_alloc_extra(struct domain *d, int *err)
{
	struct page_info *pg;

	if (d->state == DOMS_dying) {
		*err = -ESRCH;
		return NULL;
	}
	pg = heap_alloc(d->hv, 0);
	if (!pg) {
		*err = -ENOMEM;
		return NULL;
	}
	mm_assign_frames(d, page_to_mfn(&d->hv->ft, pg), 1, DOMID_INVALID);
	pg->flags |= PGC_extra;
	d->extra_pages++;
	*err = 0;
	return pg;
}

static void free_owned_page(struct hv *hv, struct page_info *pg)
{
	struct domain *d = domain_by_id(hv, pg->owner);

	BUG_ON(!d);
	page_list_del(&hv->ft, &d->page_list, pg);
	d->tot_pages--;
	if (pg->flags & PGC_extra) {
		BUG_ON(!d->extra_pages);
		pg->flags &= ~PGC_extra;
		d->extra_pages--;
	}
	if (pg->flags & PGC_static) {
		staticmem_free_domstatic(d, pg);
	} else {
		pg->owner = DOMID_INVALID;
		heap_free(hv, pg, 0);
	}
	if (d->state == DOMS_dying && d->tot_pages == 0)
		mm_hooks.domain_released(d);
}

void mm_put_page(struct hv *hv, struct page_info *pg)
{
	HV_ASSERT_LOCKED(hv);
	BUG_ON(pg->state != PGS_inuse || pg->count == 0);
	if (--pg->count == 0) {
		BUG_ON(pg->type_count);
		free_owned_page(hv, pg);
	}
}

void mm_put_page_writable(struct hv *hv, struct page_info *pg)
{
	BUG_ON(pg->type_count == 0);
	pg->type_count--;
	mm_put_page(hv, pg);
}

void mm_drop_allocation(struct hv *hv, struct page_info *pg)
{
	if (pg->flags & PGC_allocated) {
		pg->flags &= ~PGC_allocated;
		mm_put_page(hv, pg);
	}
}

int mm_vacate_gfn(struct domain *d, gfn_t gfn)
{
	if (mfn_eq(p2m_lookup(d, gfn, NULL, NULL), INVALID_MFN))
		return 0;
	return mm_remove_gfn(d, gfn);
}

int mm_place_xen_frame(struct domain *d, mfn_t mfn, gfn_t *at, gfn_t gfn)
{
	int rc;

	*at = p2m_find_mfn(d, *at, mfn);
	if (gfn_eq(*at, gfn))
		return 0;
	rc = mm_vacate_gfn(d, gfn);
	if (rc)
		return rc;
	if (!gfn_eq(*at, INVALID_GFN)) {
		rc = p2m_remove_range(d, *at, 1);
		if (rc)
			return rc;
		*at = INVALID_GFN;
	}
	rc = p2m_set_range(d, gfn, mfn, 1, p2m_ram_rw);
	if (rc)
		return rc;
	*at = gfn;
	return 0;
}

int mm_remove_gfn(struct domain *d, gfn_t gfn)
{
	struct hv *hv = d->hv;
	p2m_type_t t;
	unsigned int order;
	mfn_t mfn = p2m_lookup(d, gfn, &t, &order);
	struct page_info *pg;
	int rc;

	if (mfn_eq(mfn, INVALID_MFN))
		return -ENOENT;
	/* MMIO has no frame to release; grant maps belong to the grant
	 * table and are only removed by unmap_grant_ref. */
	if (t == p2m_mmio || p2m_is_grant(t))
		return -EINVAL;
	pg = mfn_to_page(&hv->ft, mfn);
	BUG_ON(!pg);
	rc = p2m_remove_range(d, gfn, 1);
	if (rc)
		return rc;
	if (p2m_is_ram(t)) {
		BUG_ON(pg->owner != d->id);
		mm_hooks.gfn_removed(d, gfn, mfn); /* PV IOMMU: tell emulators mapping it */
		/* Direct-mapped domains keep the frame: it can only ever be
		 * mapped back at gfn == mfn. */
		if (!(d->flags & DOMF_directmap))
			mm_drop_allocation(hv, pg);
	} else {
		/* Foreign and grant maps hold one reference of the mapper. */
		mm_put_page(hv, pg);
	}
	return 0;
}

int mm_remove_range(struct domain *d, gfn_t gfn, uint64_t nr, uint64_t *done)
{
	struct hv *hv = d->hv;
	uint64_t g = gfn_x(gfn), end = g + nr;

	while (g < end) {
		p2m_type_t t, t2;
		uint64_t n, n2;
		mfn_t mfn = p2m_lookup_run(d, _gfn(g), end - g, &t, &n);
		int rc;

		BUG_ON(mfn_eq(mfn, INVALID_MFN) || (!p2m_is_ram(t) && !p2m_is_foreign(t)));
		/* Leaves that continue this one (4 KiB leaves of a batch
		 * populated in order, most often) come out in the same update:
		 * one P2M update and one unmap run for the stretch. */
		while (g + n < end && mfn_eq(p2m_lookup_run(d, _gfn(g + n), end - g - n, &t2, &n2),
					     mfn_add(mfn, (int64_t)n)) && t2 == t)
			n += n2;
		/* Whole leaves come out without a shatter; only a leaf larger
		 * than the range (its first or last) needs tables. The update
		 * still reserves tables first, so a later stretch can fail too
		 * (-ENOMEM, injected): the stretches before it stay removed, as
		 * they did frame by frame, and each is done entirely or not at
		 * all. */
		rc = p2m_remove_range(d, _gfn(g), n);
		if (rc) {
			if (done)
				*done = g - gfn_x(gfn);
			return rc;
		}
		for (uint64_t i = 0; i < n; i++) {
			mfn_t m = mfn_add(mfn, (int64_t)i);
			struct page_info *pg = mfn_to_page(&hv->ft, m);

			BUG_ON(!pg);
			if (p2m_is_ram(t)) {
				BUG_ON(pg->owner != d->id);
				mm_hooks.gfn_removed(d, _gfn(g + i), m);
				if (!(d->flags & DOMF_directmap))
					mm_drop_allocation(hv, pg);
			} else {
				mm_put_page(hv, pg);
			}
		}
		g += n;
	}
	if (done)
		*done = nr;
	return 0;
}
