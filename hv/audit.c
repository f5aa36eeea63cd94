/*
 * The invariant checker.
 *
 * Checks, from scratch each time:
 * - every frame is in one consistent state: free frames in the heap have
 *   no owner and no references, static frames are never on a heap list,
 *   frames in use have an owner that exists (or are hypervisor frames);
 * - heap free lists hold aligned, in-bank, free blocks and their sizes add
 *   up to the heap's free counter;
 * - each domain's page list holds exactly the frames it owns, tot_pages
 *   equals its length and stays within max_pages (unless dying), its
 *   reserved list holds only free static frames it owns;
 * - each frame's reference count equals what holds it: the allocation
 *   reference plus one per foreign map found in any domain's P2M (plus
 *   grant and IOMMU references reported by those subsystems);
 * - every P2M RAM leaf maps frames owned by that domain, foreign leaves
 *   map frames of other domains, and each RAM frame is mapped at most once;
 * - lazily released frames (PGC_need_scrub, realize.h) are free heap
 *   frames only (so nothing maps them and nobody got them unscrubbed),
 *   lie in a run that will be punched, and number hv->lazy_pages;
 * - the console input ring holds at most its size (console.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/audit.h>
#include <hv/console.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/guest_access.h>
#include <hv/iommu.h>
#include <hv/realize.h>
#include <hv/ioreq.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <public/xen.h>

struct audit {
	struct hv *hv;
	struct domain *d;
	uint32_t *refs;   /* expected references per pdx */
	uint8_t *mapped;  /* RAM frames mapped as RAM by their owner */
	struct audit_report rep;
};

#define fail(a, ...) audit_fail(&(a)->rep, __VA_ARGS__)

static int leaf_cb(void *ctx, gfn_t gfn, mfn_t mfn, unsigned int order, p2m_type_t t)
{
	struct audit *a = ctx;
	struct hv *hv = a->hv;
	struct domain *d = a->d;

	if (t == p2m_mmio)
		return 0;
	if (order && !IS_ALIGNED(mfn_x(mfn), 1ULL << order))
		return fail(a, "d%u gfn %" PRI_gfn ": superpage maps unaligned mfn %" PRI_mfn,
			    d->id, gfn_x(gfn), mfn_x(mfn));
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		mfn_t m = mfn_add(mfn, (int64_t)i);
		struct page_info *pg = mfn_to_page(&hv->ft, m);
		uint32_t pdx;

		if (!pg)
			return fail(a, "d%u gfn %" PRI_gfn " maps non-RAM mfn %" PRI_mfn, d->id,
				    gfn_x(gfn) + i, mfn_x(m));
		pdx = page_to_pdx(&hv->ft, pg);
		if (pg->state != PGS_inuse)
			return fail(a, "d%u gfn %" PRI_gfn " maps mfn %" PRI_mfn " which is not in use",
				    d->id, gfn_x(gfn) + i, mfn_x(m));
		if (p2m_is_ram(t)) {
			if (pg->owner != d->id)
				return fail(a, "d%u gfn %" PRI_gfn " maps mfn %" PRI_mfn " as RAM but it is owned by d%u",
					    d->id, gfn_x(gfn) + i, mfn_x(m), pg->owner);
			if (a->mapped[pdx]++)
				return fail(a, "d%u maps RAM mfn %" PRI_mfn " twice", d->id, mfn_x(m));
		} else if (p2m_is_foreign(t)) {
			if (pg->owner == d->id)
				return fail(a, "d%u gfn %" PRI_gfn " foreign-maps its own mfn %" PRI_mfn,
					    d->id, gfn_x(gfn) + i, mfn_x(m));
			a->refs[pdx]++;
		}
	}
	return 0;
}

static int check_frames(struct audit *a)
{
	struct hv *hv = a->hv;
	struct frame_table *ft = &hv->ft;
	uint64_t free_heap = 0;

	for (unsigned int o = 0; o <= HEAP_MAX_ORDER; o++) {
		uint64_t n = 0;

		for (struct page_info *pg = page_list_first(ft, &hv->heap.free[o]); pg;
		     pg = page_list_next(ft, pg)) {
			mfn_t m = page_to_mfn(ft, pg);

			if (pg->list != PGL_HEAP || pg->order != o || pg->state != PGS_free ||
			    (pg->flags & PGC_static))
				return fail(a, "heap list %u holds bad block at mfn %" PRI_mfn, o, mfn_x(m));
			if (!IS_ALIGNED(mfn_x(m), 1ULL << o) || !frame_range_in_one_bank(ft, m, 1ULL << o))
				return fail(a, "heap block %" PRI_mfn " order %u misaligned or crosses a bank",
					    mfn_x(m), o);
			for (uint64_t i = 1; i < (1ULL << o); i++) {
				struct page_info *p = pg + i;

				if (p->state != PGS_free || p->list != PGL_NONE || (p->flags & PGC_static))
					return fail(a, "frame %" PRI_mfn " inside free block is not free",
						    mfn_x(m) + i);
			}
			n++;
			free_heap += 1ULL << o;
			if (n > hv->heap.free[o].count)
				break;
		}
		if (n != hv->heap.free[o].count)
			return fail(a, "heap list %u count %" PRIu64 " but %" PRIu64 " blocks", o,
				    hv->heap.free[o].count, n);
	}
	if (free_heap != hv->heap.free_pages)
		return fail(a, "heap free counter %" PRIu64 " but lists hold %" PRIu64,
			    hv->heap.free_pages, free_heap);

	uint64_t lazy = 0;

	for (uint64_t pdx = 0; pdx < ft->nr_pages; pdx++) {
		struct page_info *pg = &ft->pages[pdx];
		mfn_t m = page_to_mfn(ft, pg);

		if (pg->type_count > pg->count)
			return fail(a, "mfn %" PRI_mfn ": type count above count", mfn_x(m));
		if (pg->flags & PGC_need_scrub) {
			bool listed = false;

			if (pg->state != PGS_free || (pg->flags & PGC_static) || pg->list == PGL_RESV)
				return fail(a, "mfn %" PRI_mfn " awaits scrubbing but is not a free heap frame (state %u)",
					    mfn_x(m), pg->state);
			for (unsigned int i = 0; i < hv->nr_lazy && !listed; i++)
				listed = mfn_x(m) >= mfn_x(hv->lazy[i].mfn) &&
					 mfn_x(m) < mfn_x(hv->lazy[i].mfn) + hv->lazy[i].nr;
			if (!listed)
				return fail(a, "mfn %" PRI_mfn " awaits scrubbing but no lazy run holds it",
					    mfn_x(m));
			lazy++;
		}
		switch (pg->state) {
		case PGS_free:
			if (pg->count)
				return fail(a, "free mfn %" PRI_mfn " has references", mfn_x(m));
			if ((pg->flags & PGC_static) && pg->list == PGL_HEAP)
				return fail(a, "static mfn %" PRI_mfn " is in the heap", mfn_x(m));
			if (!(pg->flags & PGC_static) && pg->owner != DOMID_INVALID)
				return fail(a, "free heap mfn %" PRI_mfn " has owner d%u", mfn_x(m), pg->owner);
			if (pg->list == PGL_RESV) {
				struct domain *d = domain_by_id(hv, pg->owner);

				if (!d || !(pg->flags & PGC_static))
					return fail(a, "reserved-list mfn %" PRI_mfn " has no static owner", mfn_x(m));
			} else if (pg->list == PGL_DOMAIN) {
				return fail(a, "free mfn %" PRI_mfn " is on a domain list", mfn_x(m));
			}
			break;
		case PGS_inuse: {
			struct domain *d;
			uint32_t expect;

			if (pg->flags & PGC_xen)
				break;
			d = domain_by_id(hv, pg->owner);
			if (!d)
				return fail(a, "mfn %" PRI_mfn " in use by missing d%u", mfn_x(m), pg->owner);
			if (pg->list != PGL_DOMAIN)
				return fail(a, "mfn %" PRI_mfn " of d%u is not on its page list", mfn_x(m), d->id);
			expect = a->refs[pdx] + ((pg->flags & PGC_allocated) ? 1 : 0);
			if (pg->count != expect)
				return fail(a, "mfn %" PRI_mfn " of d%u has count %u, expected %u",
					    mfn_x(m), d->id, pg->count, expect);
			if (pg->count == 0)
				return fail(a, "mfn %" PRI_mfn " of d%u is in use with no reference",
					    mfn_x(m), d->id);
			break;
		}
		case PGS_broken:
			if (pg->list != PGL_NONE || pg->count)
				return fail(a, "broken mfn %" PRI_mfn " is in use", mfn_x(m));
			break;
		default:
			return fail(a, "mfn %" PRI_mfn " has bad state %u", mfn_x(m), pg->state);
		}
	}
	if (lazy != hv->lazy_pages)
		return fail(a, "%" PRIu64 " frames await scrubbing but the count says %" PRIu64, lazy,
			    hv->lazy_pages);
	if (hv->release_lazy)
		return fail(a, "lazy release left on outside a decrease");
	return 0;
}

static int check_domain(struct audit *a, struct domain *d)
{
	struct hv *hv = a->hv;
	uint64_t n = 0, extra = 0;

	for (struct page_info *pg = page_list_first(&hv->ft, &d->page_list); pg;
	     pg = page_list_next(&hv->ft, pg)) {
		if (pg->owner != d->id || pg->list != PGL_DOMAIN || pg->state != PGS_inuse)
			return fail(a, "d%u page list holds mfn %" PRI_mfn " owned by d%u state %u", d->id,
				    mfn_x(page_to_mfn(&hv->ft, pg)), pg->owner, pg->state);
		extra += !!(pg->flags & PGC_extra);
		if (++n > d->tot_pages)
			break;
	}
	if (extra != d->extra_pages)
		return fail(a, "d%u has %" PRIu64 " extra frames, counted %" PRIu64, d->id, extra,
			    d->extra_pages);
	if (n != d->tot_pages || d->page_list.count != n)
		return fail(a, "d%u tot_pages %" PRIu64 " but %" PRIu64 " frames on its list", d->id,
			    d->tot_pages, n);
	/* Above max_pages only when XEN_DOMCTL_max_mem lowered it under what
	 * the domain held then (Xen's "ratchet down"), and never above that. */
	if (d->state != DOMS_dying &&
	    d->tot_pages - d->extra_pages > MAX(d->max_pages, d->ratchet_pages))
		return fail(a, "d%u tot_pages %" PRIu64 " (%" PRIu64 " extra) above max_pages %" PRIu64
			    " (ratchet %" PRIu64 ")",
			    d->id, d->tot_pages, d->extra_pages, d->max_pages, d->ratchet_pages);
	n = 0;
	for (struct page_info *pg = page_list_first(&hv->ft, &d->resv_list); pg;
	     pg = page_list_next(&hv->ft, pg)) {
		if (pg->owner != d->id || pg->state != PGS_free || !(pg->flags & PGC_static))
			return fail(a, "d%u reserved list holds a frame that is not its free static frame",
				    d->id);
		n++;
	}
	if (n != d->resv_list.count)
		return fail(a, "d%u reserved list count mismatch", d->id);
	return 0;
}

int hv_audit(struct hv *hv, char *buf, size_t len)
{
	struct audit a = {.hv = hv, .rep = {.buf = buf, .len = len}};
	int rc = 0;

	if (len)
		buf[0] = 0;
	hv_lock(hv);
	/* Quiescent: every lock (hv.h) taken, no detached flush running. */
	hv_realize_quiesce(hv);
	a.refs = calloc(hv->ft.nr_pages, sizeof(*a.refs));
	a.mapped = calloc(hv->ft.nr_pages, 1);
	if (!a.refs || !a.mapped) {
		snprintf(buf, len, "audit: out of memory");
		rc = -1;
		goto out;
	}
	for (struct domain *d = hv->domains; d && !a.rep.failed; d = d->next) {
		a.d = d;
		if (check_domain(&a, d))
			break;
		if (d->p2m.root)
			p2m_for_each_leaf(d, leaf_cb, &a);
	}
	if (!a.rep.failed && gnttab_audit_refs(hv, a.refs, buf, len))
		a.rep.failed = true;
	if (!a.rep.failed && iommu_audit_refs(hv, a.refs, buf, len))
		a.rep.failed = true;
	if (!a.rep.failed && evtchn_audit_refs(hv, a.refs, buf, len))
		a.rep.failed = true;
	if (!a.rep.failed && guest_pins_audit_refs(hv, a.refs, buf, len))
		a.rep.failed = true;
	if (!a.rep.failed && ioreq_audit(hv, buf, len))
		a.rep.failed = true;
	if (!a.rep.failed && console_audit(hv, buf, len))
		a.rep.failed = true;
	if (!a.rep.failed)
		check_frames(&a);
	rc = a.rep.failed ? -1 : 0;
out:
	free(a.refs);
	free(a.mapped);
	hv_unlock(hv);
	return rc;
}
