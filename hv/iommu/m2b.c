/*
 * The M2B: which bus frames of which emulator context map a target's
 * machine frame, and what happens to them when the target gives it up.
 *
 * Design:
 * - Own maps (map_page, grant maps) hold their references in the table's
 *   leaves. Foreign maps hold theirs here: one entry per (MFN, BFN,
 *   target, IOREQ server), hashed by MFN so that ballooning finds every
 *   bus mapping of a frame at once, and by (MFN, BFN) so that finding one
 *   entry never walks a frame's other mappings. Repeating an identical
 *   map adds nothing (the draft's "one reference per new M2B entry").
 * - Entries are allocated before a sub-op commits (m2b_alloc, the only
 *   step here that can fail: the heap or the context's budget) and
 *   inserted after; everything else cannot fail.
 * - Ballooning (iommu_gfn_removed) never removes a mapping a device may be
 *   using unless every emulator mapping it allowed swap_mfn: otherwise the
 *   frame stays referenced until the emulators unmap it, after they were
 *   told through IOREQ_TYPE_INVALIDATE.
 *
 * Invariants: see iommu_priv.h (the context's M2B fields).
 */
#include <hv/hv.h>
#include <hv/iommu.h>
#include <hv/ioreq.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <public/xen.h>

#include "iommu_priv.h"

/*
 * The budget bounds what one emulator, however privileged, can make the
 * hypervisor allocate: entries multiply with BFNs and IOREQ servers, not
 * only with the frames of the targets (docs/pv-iommu.md, "Limits").
 */
struct m2b *m2b_alloc(struct iommu_ctx *c)
{
	struct m2b *e = c->spare;

	if (c->m2b_held >= c->m2b_max) {
		c->st.m2b_refused++;
		return NULL;
	}
	if (e) {
		c->spare = e->next;
		c->nr_spare--;
	} else {
		e = hv_malloc(c->d->hv, sizeof(*e));
		if (!e)
			return NULL;
	}
	c->m2b_held++;
	return e;
}

void m2b_release(struct iommu_ctx *c, struct m2b *e)
{
	BUG_ON(!c->m2b_held);
	c->m2b_held--;
	if (c->nr_spare < 64) {
		e->next = c->spare;
		c->spare = e;
		c->nr_spare++;
	} else {
		hv_free(e);
	}
}

void m2b_insert(struct iommu_ctx *c, struct m2b *e)
{
	struct m2b **b = &c->m2b[m2b_bucket(e->mfn)], **a = &c->m2b_at[m2b_bucket_at(e->mfn, e->bfn)];

	e->next = *b;
	if (e->next)
		e->next->pprev = &e->next;
	e->pprev = b;
	*b = e;
	e->at_next = *a;
	*a = e;
	c->m2b_nr++;
}

/* Takes e out of both chains (walkers of its frame chain holding a pointer
 * to the link that pointed at e see its successor there). */
static void m2b_unlink(struct iommu_ctx *c, struct m2b *e)
{
	struct m2b **a = &c->m2b_at[m2b_bucket_at(e->mfn, e->bfn)];

	*e->pprev = e->next;
	if (e->next)
		e->next->pprev = e->pprev;
	while (*a != e) {
		BUG_ON(!*a);
		a = &(*a)->at_next;
	}
	*a = e->at_next;
	c->m2b_nr--;
}

struct m2b *m2b_find(struct iommu_ctx *c, mfn_t mfn, bfn_t bfn, domid_t target,
		     ioservid_t ios)
{
	for (struct m2b *e = c->m2b_at[m2b_bucket_at(mfn, bfn)]; e; e = e->at_next)
		if (mfn_eq(e->mfn, mfn) && bfn_eq(e->bfn, bfn) && e->ioserver == ios &&
		    (target == DOMID_INVALID || e->target == target))
			return e;
	return NULL;
}

unsigned int m2b_count_bfn(const struct iommu_ctx *c, mfn_t mfn, bfn_t bfn)
{
	unsigned int n = 0;

	for (const struct m2b *e = c->m2b_at[m2b_bucket_at(mfn, bfn)]; e; e = e->at_next)
		n += mfn_eq(e->mfn, mfn) && bfn_eq(e->bfn, bfn);
	return n;
}

void m2b_remove(struct iommu_ctx *c, struct m2b *e)
{
	struct hv *hv = c->d->hv;

	m2b_unlink(c, e);
	if (e->flags & M2B_PENDING)
		c->pending--;
	if (!(e->flags & M2B_SCRATCH))
		iommu_ref_put(hv, mfn_to_page(&hv->ft, e->mfn), e->flags & M2B_W);
	m2b_release(c, e);
}

/* ----- invalidation (ballooning) ----- */

static void notify(struct iommu_ctx *c, struct m2b *e)
{
	struct ioreq_server *s = ioreq_server_find(c->d->hv, e->target, e->ioserver);

	/* The server must still be the mapper's own: ids are reused once a
	 * server is destroyed, and another emulator's new server must never
	 * learn this emulator's bus addresses. */
	if (!s || s->emulator != c->d)
		return; /* the server is gone; its mappings wait for unmap */
	if (!ioreq_send_invalidate(s, bfn_x(e->bfn))) {
		c->st.invalidates_sent++;
		if (e->flags & M2B_PENDING) {
			e->flags &= ~M2B_PENDING;
			c->pending--;
		}
	} else if (!(e->flags & M2B_PENDING)) {
		e->flags |= M2B_PENDING;
		c->pending++;
	}
}

void m2b_retry_pending(struct iommu_ctx *c)
{
	for (unsigned int b = 0; b < M2B_BUCKETS && c->pending; b++)
		for (struct m2b *e = c->m2b[b]; e; e = e->next)
			if (e->flags & M2B_PENDING)
				notify(c, e);
}

/* Points a foreign BFN at the scratch frame; the entry keeps its place
 * (so the emulator can still unmap it) but gives its reference up. */
static void swap_to_scratch(struct iommu_ctx *c, struct m2b *e, struct m2b **moved)
{
	struct hv *hv = c->d->hv;
	uint64_t old = iommu_pt_lookup(&c->pt, e->bfn, NULL);
	struct page_info *pg = mfn_to_page(&hv->ft, e->mfn);

	BUG_ON(!(old & IOPTE_FOREIGN));
	m2b_unlink(c, e); /* re-inserted by the caller, in the scratch frame's chains */
	/* Same level, existing leaf: needs no table. */
	iommu_pt_write(&c->pt, e->bfn, 0,
		       iopte_leaf(c->scratch, (old & (IOPTE_R | IOPTE_W)) | IOPTE_FOREIGN | IOPTE_SCRATCH));
	c->dirty = true;
	c->st.swapped++;
	e->mfn = c->scratch;
	e->flags |= M2B_SCRATCH;
	e->next = *moved;
	*moved = e;
	iommu_ref_put(hv, pg, e->flags & M2B_W);
}

/* Whether m is a live (not swapped) entry of target's frame mfn, or of
 * any of target's frames when all. */
static bool names(const struct m2b *m, const struct domain *target, mfn_t mfn, bool all)
{
	return m->target == target->id && !(m->flags & M2B_SCRATCH) &&
	       (all || mfn_eq(m->mfn, mfn));
}

void m2b_invalidate_target(struct domain *target, mfn_t mfn)
{
	struct hv *hv = target->hv;
	bool all = mfn_eq(mfn, INVALID_MFN), all_swap = true;
	uint64_t found = 0;

	for (struct domain *e = hv->domains; e; e = e->next) {
		struct iommu_ctx *c = e->iommu;

		if (!c || !c->m2b_nr || e == target)
			continue;
		for (unsigned int b = all ? 0 : m2b_bucket(mfn); b < M2B_BUCKETS; b++) {
			for (struct m2b *m = c->m2b[b]; m; m = m->next) {
				if (!names(m, target, mfn, all))
					continue;
				found++;
				if (!(m->flags & M2B_SWAP) || c->mode != IOMMU_CTX_TRANSLATE)
					all_swap = false;
			}
			if (!all)
				break;
		}
	}
	if (!found)
		return;
	for (struct domain *e = hv->domains; e; e = e->next) {
		struct iommu_ctx *c = e->iommu;
		struct m2b *moved = NULL;

		if (!c || !c->m2b_nr || e == target)
			continue;
		for (unsigned int b = all ? 0 : m2b_bucket(mfn); b < M2B_BUCKETS; b++) {
			for (struct m2b **pp = &c->m2b[b]; *pp;) {
				struct m2b *m = *pp;
				bool swap;

				if (!names(m, target, mfn, all)) {
					pp = &m->next;
					continue;
				}
				m->flags |= M2B_STALE;
				notify(c, m);
				/* On destruction each entry decides for itself:
				 * nothing of the target stays usable anyway. */
				swap = c->mode == IOMMU_CTX_TRANSLATE && (m->flags & M2B_SWAP) &&
				       (all || all_swap);
				if (swap) {
					swap_to_scratch(c, m, &moved); /* *pp is now m's successor */
				} else {
					pp = &m->next;
				}
			}
			if (!all)
				break;
		}
		while (moved) {
			struct m2b *m = moved;

			moved = m->next;
			m2b_insert(c, m);
		}
		iommu_ctx_flush(c);
	}
}

void iommu_gfn_removed(struct domain *d, gfn_t gfn, mfn_t mfn)
{
	(void)gfn;
	m2b_invalidate_target(d, mfn);
}
