/*
 * Static memory.
 *
 * Design: static banks are claimed from the heap at boot (CLAIMED). Building
 * the domain prepares them (exact state check, all or nothing) and assigns
 * them (IN USE). When the last reference of a static frame drops, mm.c takes
 * it off the owner's page list and hands it here: it is scrubbed, marked
 * free + static again and queued on its owner's reserved list (RESERVED);
 * populate_physmap of that domain takes frames back from the head of that
 * list, one at a time. When the domain is finalised its reserved frames are
 * RETIRED. Nothing ever gives a static frame to the heap, so a static
 * domain's memory can never be used by anyone else, even after it died.
 *
 * Each state is recognised from the frame alone (state, flags, owner,
 * list), so every transition can check that the frame is exactly in the
 * state it expects; a stray flag or reference makes it fail rather than
 * hand out a frame somebody still uses.
 *
 * Scrubbing is releasing the frame's host memory (the memfd range is
 * punched, so it reads back as zeroes); with a backend that cannot release,
 * the frame is zeroed through the core's mapping. Every frame of a range is
 * scrubbed, not only the first.
 *
 * Invariants: see staticmem.h.
 */
#include <errno.h>
#include <string.h>

#include <hv/heap.h>
#include <hv/hv.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <hv/realize.h>
#include <hv/staticmem.h>
#include <public/xen.h>

_Static_assert(STATICMEM_OWNER_UNBUILT == DOMID_XEN, "claimed frames are held by the hypervisor");

static struct page_info *frame(struct hv *hv, mfn_t mfn, uint64_t i)
{
	return mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i));
}

static bool is_free_static(const struct page_info *pg, domid_t owner)
{
	return pg->state == PGS_free && pg->flags == PGC_static && pg->count == 0 &&
	       pg->type_count == 0 && pg->list == PGL_NONE && pg->owner == owner;
}

int staticmem_claim(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	int rc;

	if (nr == 0)
		return -EINVAL;
	rc = heap_take_range(hv, mfn, nr);
	if (rc)
		return rc;
	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *pg = frame(hv, mfn, i);

		pg->state = PGS_free;
		pg->flags = PGC_static;
		pg->count = pg->type_count = 0;
		pg->owner = STATICMEM_OWNER_UNBUILT;
	}
	return 0;
}

int staticmem_unclaim(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	if (nr == 0 || !frame_range_in_one_bank(&hv->ft, mfn, nr))
		return -EINVAL;
	for (uint64_t i = 0; i < nr; i++)
		if (!is_free_static(frame(hv, mfn, i), STATICMEM_OWNER_UNBUILT))
			return -EBUSY;
	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *pg = frame(hv, mfn, i);

		/* heap_add_range wants frames that belong to nothing yet. */
		pg->state = PGS_broken;
		pg->flags = 0;
		pg->owner = DOMID_INVALID;
	}
	heap_add_range(hv, mfn, nr);
	return 0;
}

int staticmem_prepare(struct hv *hv, mfn_t mfn, uint64_t nr, domid_t owner)
{
	uint64_t i;

	for (i = 0; i < nr; i++) {
		struct page_info *pg = frame(hv, mfn, i);

		if (!pg) {
			hv_err(hv, "static mfn %#" PRIx64 " (frame %" PRIu64 " of %" PRIu64
			       ") is not RAM", mfn_x(mfn) + i, i, nr);
			goto err_undo;
		}
		if (!is_free_static(pg, owner)) {
			hv_err(hv, "static mfn %#" PRIx64 " (frame %" PRIu64 " of %" PRIu64
			       ") is not free and static for owner %u: state %u flags %#x count %u "
			       "type %u owner %u list %u",
			       mfn_x(mfn) + i, i, nr, owner, pg->state, pg->flags, pg->count,
			       pg->type_count, pg->owner, pg->list);
			goto err_undo;
		}
		pg->state = PGS_inuse;
	}
	return 0;

err_undo:
	while (i--)
		frame(hv, mfn, i)->state = PGS_free;
	return -EINVAL;
}

static void scrub(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	if (hv->cfg.backend && hv->cfg.backend->release) {
		/* One queued release covers the whole range, page by page. */
		hv_realize_release(hv, mfn, nr);
		return;
	}
	if (!hv->ft.ram_va)
		return;
	for (uint64_t i = 0; i < nr; i++)
		memset(frame_va(&hv->ft, mfn_add(mfn, (int64_t)i)), 0, PAGE_SIZE);
}

int staticmem_unprepare(struct hv *hv, mfn_t mfn, uint64_t nr, bool do_scrub)
{
	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *pg = frame(hv, mfn, i);

		if (!pg || pg->state != PGS_inuse || pg->flags != PGC_static || pg->count ||
		    pg->type_count || pg->list != PGL_NONE) {
			hv_err(hv, "static mfn %#" PRIx64 " (frame %" PRIu64 " of %" PRIu64
			       ") cannot be freed: state %u flags %#x count %u type %u list %u",
			       mfn_x(mfn) + i, i, nr, pg ? pg->state : 0xffu, pg ? pg->flags : 0u,
			       pg ? pg->count : 0u, pg ? pg->type_count : 0u, pg ? pg->list : 0u);
			return -EINVAL;
		}
	}
	for (uint64_t i = 0; i < nr; i++) {
		struct page_info *pg = frame(hv, mfn, i);

		pg->state = PGS_free;
		pg->flags = PGC_static;
	}
	if (do_scrub)
		scrub(hv, mfn, nr);
	return 0;
}

int staticmem_acquire_domstatic(struct domain *d, mfn_t mfn, uint64_t nr)
{
	struct hv *hv = d->hv;

	if (!(d->flags & DOMF_static) || d->state == DOMS_dying || nr == 0)
		return -EINVAL;
	if (d->tot_pages + nr > d->max_pages || d->tot_pages + nr < nr) {
		hv_err(hv, "d%u: static bank mfn %#" PRIx64 "+%#" PRIx64 " exceeds max_pages %" PRIu64,
		       d->id, mfn_x(mfn), nr, d->max_pages);
		return -EINVAL;
	}
	if (staticmem_prepare(hv, mfn, nr, STATICMEM_OWNER_UNBUILT))
		return -ENOENT;
	mm_assign_frames(d, mfn, nr, STATICMEM_OWNER_UNBUILT);
	return 0;
}

void staticmem_free_domstatic(struct domain *d, struct page_info *pg)
{
	struct hv *hv = d->hv;
	int rc;

	BUG_ON(pg->owner != d->id);
	rc = staticmem_unprepare(hv, page_to_mfn(&hv->ft, pg), 1, true);
	BUG_ON(rc); /* mm.c only frees unreferenced frames it took off the list */
	page_list_add_tail(&hv->ft, &d->resv_list, pg, PGL_RESV);
}

struct page_info *staticmem_acquire_reserved(struct domain *d, int *err)
{
	struct hv *hv = d->hv;
	struct page_info *pg;
	mfn_t mfn;

	if (d->state == DOMS_dying) {
		*err = -ESRCH;
		return NULL;
	}
	pg = page_list_first(&hv->ft, &d->resv_list);
	if (!pg || d->tot_pages + 1 > d->max_pages) {
		*err = -ENOMEM;
		return NULL;
	}
	page_list_del(&hv->ft, &d->resv_list, pg);
	mfn = page_to_mfn(&hv->ft, pg);
	if (staticmem_prepare(hv, mfn, 1, d->id)) {
		/* Not what the list promised: keep it, but behind the others. */
		page_list_add_tail(&hv->ft, &d->resv_list, pg, PGL_RESV);
		*err = -EINVAL;
		return NULL;
	}
	pg->flags = PGC_static | PGC_allocated;
	pg->count = 1;
	page_list_add_tail(&hv->ft, &d->page_list, pg, PGL_DOMAIN);
	d->tot_pages++;
	/* The frame was scrubbed when it was freed, possibly earlier in this
	 * very hypercall: that release must be done before it is mapped. */
	if (hv->nr_release)
		hv_realize_flush(hv);
	*err = 0;
	return pg;
}

void staticmem_retire(struct domain *d)
{
	struct hv *hv = d->hv;
	struct page_info *pg;

	while ((pg = page_list_first(&hv->ft, &d->resv_list))) {
		page_list_del(&hv->ft, &d->resv_list, pg);
		pg->owner = DOMID_INVALID;
	}
}

enum staticmem_state staticmem_frame_state(struct hv *hv, mfn_t mfn)
{
	const struct page_info *pg = mfn_to_page(&hv->ft, mfn);

	if (!pg || !(pg->flags & PGC_static))
		return STATICMEM_NOT_STATIC;
	if (pg->state == PGS_inuse)
		return pg->list == PGL_DOMAIN && pg->owner < DOMID_FIRST_RESERVED ? STATICMEM_IN_USE
										: STATICMEM_BAD;
	if (pg->state != PGS_free || pg->flags != PGC_static || pg->count || pg->type_count)
		return STATICMEM_BAD;
	if (pg->list == PGL_RESV && pg->owner < DOMID_FIRST_RESERVED)
		return STATICMEM_RESERVED;
	if (pg->list != PGL_NONE)
		return STATICMEM_BAD;
	if (pg->owner == STATICMEM_OWNER_UNBUILT)
		return STATICMEM_CLAIMED;
	if (pg->owner == DOMID_INVALID)
		return STATICMEM_RETIRED;
	return STATICMEM_BAD;
}

const char *staticmem_state_name(enum staticmem_state s)
{
	switch (s) {
	case STATICMEM_NOT_STATIC: return "not static";
	case STATICMEM_CLAIMED: return "claimed";
	case STATICMEM_IN_USE: return "in use";
	case STATICMEM_RESERVED: return "reserved";
	case STATICMEM_RETIRED: return "retired";
	case STATICMEM_BAD: break;
	}
	return "bad";
}
