/*
 * IOMMU contexts: one per domain that uses the PV IOMMU or has an assigned
 * device (iommu.h lists the modes), created at boot or on first use.
 *
 * Design:
 * - A translating context owns a BFN table (iommu_pt.c) and one scratch
 *   frame (a hypervisor frame, zeroed, that swapped foreign BFNs point
 *   at); other modes own neither.
 * - Table changes only mark the context dirty; iommu_ctx_flush() flushes
 *   the IOTLB once per batch (pvop.c) or per grant hook (hooks.c), always
 *   before the caller runs again.
 * - References for bus mappings are taken from the frame's owner, which
 *   may be another domain than the context's (foreign maps, relaxed dom0).
 *
 * Invariants: a context's mode never changes; scratch is INVALID_MFN
 * exactly when the mode is not TRANSLATE; teardown drops every reference
 * the table's leaves and the M2B hold before freeing anything, after the
 * emulators mapping the dying domain's frames were told (m2b.c).
 */
#include <errno.h>
#include <string.h>

#include <hv/heap.h>
#include <hv/hv.h>
#include <hv/iommu.h>
#include <hv/ioreq.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <public/xen.h>

#include "iommu_priv.h"

int iommu_domain_init(struct domain *d, const struct iommu_params *p)
{
	struct hv *hv = d->hv;
	struct iommu_ctx *c;
	struct page_info *pg;

	if (d->iommu)
		return 0;
	c = hv_calloc(hv, 1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->d = d;
	c->hw = d->flags & DOMF_privileged;
	c->hwdom = p->hwdom;
	c->scratch = INVALID_MFN;
	c->m2b_max = IOMMU_M2B_MAX;
	if (!p->present)
		c->mode = IOMMU_CTX_NONE;
	else if (c->hw && p->hwdom == IOMMU_HWDOM_PASSTHROUGH)
		c->mode = IOMMU_CTX_PASSTHROUGH;
	else if (d->flags & DOMF_iommu)
		c->mode = IOMMU_CTX_TRANSLATE;
	else
		c->mode = IOMMU_CTX_NONE;
	if (c->mode == IOMMU_CTX_TRANSLATE) {
		if (iommu_pt_init(hv, &c->pt))
			goto err_ctx;
		pg = heap_alloc(hv, 0);
		if (!pg)
			goto err_pt;
		pg->owner = DOMID_XEN;
		pg->flags = PGC_xen;
		pg->count = 1;
		c->scratch = page_to_mfn(&hv->ft, pg);
		memset(frame_va(&hv->ft, c->scratch), 0, PAGE_SIZE);
	}
	d->iommu = c;
	return 0;

err_pt:
	iommu_pt_teardown(&c->pt);
err_ctx:
	hv_free(c);
	return -ENOMEM;
}

struct iommu_ctx *iommu_ctx_get(struct domain *d)
{
	static const struct iommu_params defaults = {.present = true, .hwdom = IOMMU_HWDOM_STRICT};

	if (!d->iommu && iommu_domain_init(d, &defaults))
		return NULL;
	return d->iommu;
}

struct ioreq_server **iommu_ioreq_list(struct domain *d)
{
	struct iommu_ctx *c = iommu_ctx_get(d);

	return c ? &c->servers : NULL;
}

enum iommu_ctx_mode iommu_mode(const struct domain *d)
{
	return d->iommu ? d->iommu->mode : IOMMU_CTX_NONE;
}

const struct iommu_stats *iommu_stats(const struct domain *d)
{
	static const struct iommu_stats none;

	return d->iommu ? &d->iommu->st : &none;
}

uint64_t iommu_m2b_count(const struct domain *d)
{
	return d->iommu ? d->iommu->m2b_nr : 0;
}

int iommu_set_m2b_budget(struct domain *d, uint64_t max)
{
	struct iommu_ctx *c = iommu_ctx_get(d);

	if (!c)
		return -ENOMEM;
	c->m2b_max = max;
	return 0;
}

int iommu_reserve_bfn_range(struct domain *d, bfn_t bfn, uint64_t nr)
{
	struct iommu_ctx *c = iommu_ctx_get(d);

	if (!c)
		return -ENOMEM;
	if (c->mode != IOMMU_CTX_TRANSLATE)
		return -ENODEV;
	if (c->nr_resv == IOMMU_MAX_RESERVED)
		return -ENOSPC;
	c->resv[c->nr_resv].bfn = bfn;
	c->resv[c->nr_resv].nr = nr;
	c->nr_resv++;
	return 0;
}

bool iommu_ctx_reserved(const struct iommu_ctx *c, bfn_t bfn, uint64_t nr)
{
	for (unsigned int i = 0; i < c->nr_resv; i++)
		if (bfn_x(bfn) < bfn_x(c->resv[i].bfn) + c->resv[i].nr &&
		    bfn_x(c->resv[i].bfn) < bfn_x(bfn) + nr)
			return true;
	return false;
}

bool iommu_bfn_in_range(bfn_t bfn, uint64_t nr)
{
	return bfn_x(bfn) < (1ULL << IOMMU_PT_BFN_BITS) &&
	       nr <= (1ULL << IOMMU_PT_BFN_BITS) - bfn_x(bfn);
}

void iommu_ctx_flush(struct iommu_ctx *c)
{
	if (c && c->dirty) {
		c->st.iotlb_flushes++;
		c->dirty = false;
	}
}

/* ----- references ----- */

bool iommu_ref_get(struct iommu_ctx *c, struct page_info *pg, bool w)
{
	struct domain *o = pg->owner == c->d->id ? c->d : domain_by_id(c->d->hv, pg->owner);

	if (!o)
		return false;
	return w ? mm_get_page_writable(pg, o) : mm_get_page(pg, o);
}

void iommu_ref_put(struct hv *hv, struct page_info *pg, bool w)
{
	if (w)
		mm_put_page_writable(hv, pg);
	else
		mm_put_page(hv, pg);
}

/* ----- teardown ----- */

static int drop_leaf_refs(void *ctx, bfn_t bfn, unsigned int order, uint64_t e)
{
	struct iommu_ctx *c = ctx;
	struct hv *hv = c->d->hv;

	(void)bfn;
	if (!(e & IOPTE_REF))
		return 0;
	for (uint64_t i = 0; i < (1ULL << order); i++)
		iommu_ref_put(hv, mfn_to_page(&hv->ft, mfn_add(iopte_mfn(e), (int64_t)i)),
			      e & IOPTE_WREF);
	return 0;
}

void iommu_domain_destroy(struct domain *d)
{
	struct hv *hv = d->hv;
	struct iommu_ctx *c = d->iommu;

	/* Emulators mapping d's frames learn first, while their servers for
	 * d still exist. */
	m2b_invalidate_target(d, INVALID_MFN);
	ioreq_domain_destroy(d);
	if (!c)
		return;
	for (unsigned int b = 0; b < M2B_BUCKETS; b++)
		while (c->m2b[b])
			m2b_remove(c, c->m2b[b]);
	if (c->mode == IOMMU_CTX_TRANSLATE) {
		iommu_pt_for_each(&c->pt, drop_leaf_refs, c);
		iommu_pt_teardown(&c->pt);
		if (!mfn_eq(c->scratch, INVALID_MFN)) {
			struct page_info *pg = mfn_to_page(&hv->ft, c->scratch);

			pg->count = 0;
			pg->flags = 0;
			pg->owner = DOMID_INVALID;
			heap_free(hv, pg, 0);
		}
	}
	while (c->spare) {
		struct m2b *e = c->spare;

		c->spare = e->next;
		hv_free(e);
	}
	d->iommu = NULL;
	hv_free(c);
}
