/*
 * The IOMMU's part of hv_audit(): counts the references bus mappings hold
 * per frame and checks every context's M2B against its table.
 *
 * Design: read-only; walks each context's two M2B hashes and its table
 * once. The frame-table check (hv/audit.c) then requires each frame's
 * count to equal the references found here plus everyone else's, so a
 * reference taken or dropped once too often anywhere in hv/iommu shows up
 * after the operation that did it, failed operations included.
 *
 * What it checks: the invariants of iommu.h and iommu_priv.h, namely leaf
 * references and type references; foreign leaves are order 0, point at the
 * scratch frame exactly when marked swapped, and have M2B entries, whose
 * number equals the context's entry count; each entry sits in the right
 * chains, is the target's frame (or the scratch frame when swapped), has
 * bfn == mfn without translation; the entry, pending, allocated and grant
 * counters match what is found.
 */
#include <hv/audit_report.h>
#include <hv/hv.h>
#include <hv/iommu.h>
#include <hv/mm.h>
#include <hv/page.h>

#include "iommu_priv.h"

struct audit_walk {
	struct hv *hv;
	struct iommu_ctx *c;
	uint32_t *refs;
	struct audit_report rep;
	uint64_t matched;
	uint64_t grant; /* IOPTE_GRANT leaves */
};

#define afail(a, ...) audit_fail(&(a)->rep, __VA_ARGS__)

static int audit_leaf(void *ctx, bfn_t bfn, unsigned int order, uint64_t e)
{
	struct audit_walk *a = ctx;
	struct iommu_ctx *c = a->c;
	domid_t id = c->d->id;

	if (e & IOPTE_FOREIGN) {
		unsigned int n;

		if (order)
			return afail(a, "d%u bfn %" PRI_bfn ": foreign superpage", id, bfn_x(bfn));
		if (!(e & IOPTE_SCRATCH) != !mfn_eq(iopte_mfn(e), c->scratch))
			return afail(a, "d%u bfn %" PRI_bfn ": scratch flag and frame disagree", id,
				     bfn_x(bfn));
		n = m2b_count_bfn(c, iopte_mfn(e), bfn);
		if (!n)
			return afail(a, "d%u bfn %" PRI_bfn ": foreign leaf without M2B entry", id,
				     bfn_x(bfn));
		a->matched += n;
		return 0;
	}
	if ((e & IOPTE_WREF) && !(e & IOPTE_REF))
		return afail(a, "d%u bfn %" PRI_bfn ": type reference without reference", id,
			     bfn_x(bfn));
	if (e & IOPTE_GRANT) {
		/* One frame, referenced, writeable exactly when type-referenced. */
		if (order || !(e & IOPTE_REF) || !(e & IOPTE_W) != !(e & IOPTE_WREF))
			return afail(a, "d%u bfn %" PRI_bfn ": malformed grant leaf", id, bfn_x(bfn));
		a->grant++;
	}
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		mfn_t m = mfn_add(iopte_mfn(e), (int64_t)i);
		struct page_info *pg = mfn_to_page(&a->hv->ft, m);

		if (!(e & IOPTE_REF))
			continue;
		if (!pg || pg->state != PGS_inuse)
			return afail(a, "d%u bfn %" PRI_bfn " maps mfn %" PRI_mfn " which is not in use",
				     id, bfn_x(bfn_add(bfn, (int64_t)i)), mfn_x(m));
		if ((e & IOPTE_WREF) && !pg->type_count)
			return afail(a, "d%u bfn %" PRI_bfn ": writeable map of mfn %" PRI_mfn
				     " without type reference", id, bfn_x(bfn_add(bfn, (int64_t)i)),
				     mfn_x(m));
		a->refs[page_to_pdx(&a->hv->ft, pg)]++;
	}
	return 0;
}

int iommu_audit_refs(struct hv *hv, uint32_t *refs, char *buf, size_t len)
{
	struct audit_walk a = {.hv = hv, .refs = refs, .rep = {.buf = buf, .len = len}};

	for (struct domain *d = hv->domains; d && !a.rep.failed; d = d->next) {
		struct iommu_ctx *c = d->iommu;
		uint64_t n = 0, pending = 0, at_total = 0;

		if (!c)
			continue;
		a.c = c;
		a.matched = 0;
		a.grant = 0;
		for (unsigned int b = 0; b < M2B_BUCKETS && !a.rep.failed; b++) {
			uint64_t at = 0;

			for (struct m2b *e = c->m2b_at[b]; e && at <= c->m2b_nr; e = e->at_next, at++)
				if (m2b_bucket_at(e->mfn, e->bfn) != b)
					afail(&a, "d%u M2B entry (mfn %" PRI_mfn ", bfn %" PRI_bfn
						  ") in the wrong (frame, BFN) chain", d->id,
					      mfn_x(e->mfn), bfn_x(e->bfn));
			at_total += at;
			for (struct m2b **pp = &c->m2b[b]; *pp && !a.rep.failed; pp = &(*pp)->next) {
				struct m2b *e = *pp;
				struct page_info *pg = mfn_to_page(&hv->ft, e->mfn);

				n++;
				pending += !!(e->flags & M2B_PENDING);
				if (e->pprev != pp)
					afail(&a, "d%u M2B entry of mfn %" PRI_mfn ": broken back link",
					      d->id, mfn_x(e->mfn));
				else if (m2b_bucket(e->mfn) != b)
					afail(&a, "d%u M2B entry of mfn %" PRI_mfn " in the wrong bucket",
					      d->id, mfn_x(e->mfn));
				else if ((e->flags & M2B_SCRATCH) && !mfn_eq(e->mfn, c->scratch))
					afail(&a, "d%u M2B scratch entry off the scratch frame", d->id);
				/* Without translation the bus frame is the machine frame. */
				else if (c->mode != IOMMU_CTX_TRANSLATE && bfn_x(e->bfn) != mfn_x(e->mfn))
					afail(&a, "d%u M2B entry bfn %" PRI_bfn " != mfn without IOMMU",
					      d->id, bfn_x(e->bfn));
				else if (!(e->flags & M2B_SCRATCH) &&
					 (!pg || pg->state != PGS_inuse || pg->owner != e->target))
					afail(&a, "d%u M2B entry: mfn %" PRI_mfn " is not d%u's", d->id,
					      mfn_x(e->mfn), e->target);
				else if (!(e->flags & M2B_SCRATCH))
					refs[page_to_pdx(&hv->ft, pg)]++;
			}
		}
		if (a.rep.failed)
			break;
		if (n != c->m2b_nr || pending != c->pending || c->m2b_held != n || at_total != n) {
			afail(&a, "d%u M2B holds %" PRIu64 " entries (%" PRIu64 " pending), counted %" PRIu64
				  " (%u), allocated %" PRIu64 ", %" PRIu64 " in (frame, BFN) chains", d->id, n,
			      pending, c->m2b_nr, c->pending, c->m2b_held, at_total);
			break;
		}
		if (c->mode == IOMMU_CTX_TRANSLATE) {
			iommu_pt_for_each(&c->pt, audit_leaf, &a);
			if (!a.rep.failed && a.matched != c->m2b_nr)
				afail(&a, "d%u: %" PRIu64 " M2B entries but %" PRIu64 " match foreign leaves",
				      d->id, c->m2b_nr, a.matched);
		}
		if (!a.rep.failed && a.grant != c->nr_grant)
			afail(&a, "d%u: %" PRIu64 " grant bus leaves, counted %" PRIu64, d->id, a.grant,
			      c->nr_grant);
	}
	return a.rep.failed ? -1 : 0;
}
