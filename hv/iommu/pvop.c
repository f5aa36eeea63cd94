/*
 * The PV IOMMU hypercall: iommu_op (draft B; docs/pv-iommu.md), its six
 * sub-ops and the batch loop around them.
 *
 * Design:
 * - The guest's op structs carry raw frame numbers (the public ABI); each
 *   sub-op turns them into gfn_t/bfn_t as it reads them and back only when
 *   it writes an OUT field. Without a translating context the bus address
 *   of a foreign frame is its machine frame: that crossing is written out
 *   (_bfn(mfn_x(...))) where it happens.
 * - Every sub-op is all-or-nothing: it validates, takes references,
 *   allocates M2B entries and reserves tables (the only steps that can
 *   fail, each undone on error), then commits without failing.
 * - A batch marks the context dirty and flushes the IOTLB once before
 *   returning, also before a continuation; invalidations still owed to
 *   the caller's IOREQ servers are retried first.
 *
 * Invariants: a failed sub-op leaves the table, the M2B and every
 * reference count as they were (the tests audit after each); only spare
 * tables it reserved stay in the table's pool, and a context created on
 * first use stays.
 */
#include <errno.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/hv.h>
#include <hv/iommu.h>
#include <hv/ioreq.h>
#include <hv/mm.h>
#include <public/iommu_op.h>
#include <public/xen.h>

#include <hv/hcall.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include "iommu_pt.h"

#include "iommu_priv.h"

#define OP_CHUNK 64 /* elements copied in and out at a time */

/* ----- sub-ops ----- */

/* Whether order is allowed and both frame numbers are aligned to it. */
static bool order_ok(unsigned int order, uint64_t a, uint64_t b)
{
	uint64_t n = 1ULL << order;

	return order <= IOMMU_MAX_ORDER && IS_ALIGNED(a, n) && IS_ALIGNED(b, n);
}

/* The caller's own frame at gfn for map_page; -ENXIO / -EPERM. */
static int own_frame(struct iommu_ctx *c, gfn_t gfn, bool w, mfn_t *out)
{
	struct hv *hv = c->d->hv;
	p2m_type_t t;
	mfn_t m = p2m_lookup(c->d, gfn, &t, NULL);
	struct page_info *pg;

	if (mfn_eq(m, INVALID_MFN))
		return -ENXIO;
	pg = mfn_to_page(&hv->ft, m);
	if (!pg || t == p2m_mmio || (pg->flags & PGC_xen) || pg->owner == DOMID_XEN)
		return -EPERM;
	if ((!p2m_is_ram(t) || pg->owner != c->d->id) &&
	    !(c->hw && c->hwdom == IOMMU_HWDOM_RELAXED))
		return -EPERM;
	if (w && !p2m_is_writable(t))
		return -EPERM;
	*out = m;
	return 0;
}

static int op_query_caps(struct iommu_ctx *c, struct pv_iommu_op *op)
{
	uint16_t f = IOMMU_page_order(IOMMU_MAX_ORDER);

	/* flags is OUT only: whatever the guest left there is ignored. */
	if (c && c->mode == IOMMU_CTX_TRANSLATE) {
		f |= IOMMU_QUERY_map_cap;
		if (c->hw && c->hwdom == IOMMU_HWDOM_RELAXED)
			f |= IOMMU_QUERY_map_all_gfns;
	}
	op->flags = f;
	return 0;
}

static int op_map_page(struct iommu_ctx *c, struct pv_iommu_op *op)
{
	struct hv *hv = c->d->hv;
	unsigned int order = IOMMU_get_page_order(op->flags);
	bfn_t bfn = _bfn(op->u.map_page.bfn);
	gfn_t gfn = _gfn(op->u.map_page.gfn);
	uint64_t nr = 1ULL << order, i;
	bool w = op->flags & IOMMU_OP_writeable, noref = op->flags & IOMMU_MAP_OP_no_ref_cnt;
	mfn_t mfn[1u << IOMMU_MAX_ORDER];
	uint64_t lf;
	bool contig = true;
	int rc;

	if (op->flags & ~IOMMUOP_map_page_in_flags)
		return -EINVAL;
	if (!(op->flags & (IOMMU_OP_readable | IOMMU_OP_writeable)))
		return -EINVAL;
	if (c->mode != IOMMU_CTX_TRANSLATE)
		return -EOPNOTSUPP;
	if (!order_ok(order, bfn_x(bfn), gfn_x(gfn)) || !iommu_bfn_in_range(bfn, nr))
		return -ENOSPC;
	if (noref && !(c->hw && c->hwdom == IOMMU_HWDOM_RELAXED))
		return -EPERM;
	if (iommu_ctx_reserved(c, bfn, nr))
		return -EACCES;
	for (i = 0; i < nr; i++) {
		if (iommu_pt_lookup(&c->pt, bfn_add(bfn, (int64_t)i), NULL))
			return -EEXIST;
		rc = own_frame(c, gfn_add(gfn, (int64_t)i), w, &mfn[i]);
		if (rc)
			return rc;
		if (i && !mfn_eq(mfn[i], mfn_add(mfn[0], (int64_t)i)))
			contig = false;
	}
	if (!noref) {
		for (i = 0; i < nr; i++) {
			if (!iommu_ref_get(c, mfn_to_page(&hv->ft, mfn[i]), w)) {
				rc = -EPERM;
				goto err_refs;
			}
		}
	}
	rc = iommu_pt_reserve(hv, &c->pt, iommu_pt_need(&c->pt, bfn, 0, false));
	if (rc)
		goto err_refs;

	lf = (op->flags & IOMMU_OP_readable ? IOPTE_R : 0) |
	     (w ? IOPTE_W : 0) | (noref ? 0 : IOPTE_REF | (w ? IOPTE_WREF : 0));
	if (order == 9 && contig && IS_ALIGNED(mfn_x(mfn[0]), 512)) {
		iommu_pt_write(&c->pt, bfn, 9, iopte_leaf(mfn[0], lf));
	} else {
		for (i = 0; i < nr; i++)
			iommu_pt_write(&c->pt, bfn_add(bfn, (int64_t)i), 0, iopte_leaf(mfn[i], lf));
	}
	c->st.maps += nr;
	c->dirty = true;
	return 0;

err_refs:
	if (!noref)
		while (i--)
			iommu_ref_put(hv, mfn_to_page(&hv->ft, mfn[i]), w);
	return rc;
}

static int op_unmap_page(struct iommu_ctx *c, struct pv_iommu_op *op)
{
	struct hv *hv = c->d->hv;
	unsigned int order = IOMMU_get_page_order(op->flags), lo;
	bfn_t bfn = _bfn(op->u.unmap_page.bfn);
	uint64_t nr = 1ULL << order, i;
	uint64_t e;
	int rc;

	if (op->flags & ~IOMMUOP_unmap_page_in_flags)
		return -EINVAL;
	if (c->mode != IOMMU_CTX_TRANSLATE)
		return -EOPNOTSUPP;
	if (!order_ok(order, bfn_x(bfn), 0) || !iommu_bfn_in_range(bfn, nr))
		return -ENOSPC;
	for (i = 0; i < nr; i++) {
		e = iommu_pt_lookup(&c->pt, bfn_add(bfn, (int64_t)i), &lo);
		if (!e || (e & (IOPTE_FOREIGN | IOPTE_GRANT)))
			return -ENOENT;
		if (lo > order) {
			i = nr; /* all of the range lies in this leaf */
			break;
		}
		i += (1ULL << lo) - 1;
	}
	/* A 4 KiB unmap inside a 2 MiB leaf splits it: one table. */
	rc = iommu_pt_reserve(hv, &c->pt, iommu_pt_need(&c->pt, bfn, order, true));
	if (rc)
		return rc;
	for (i = 0; i < nr;) {
		bfn_t at = bfn_add(bfn, (int64_t)i);
		uint64_t base, n;

		e = iommu_pt_lookup(&c->pt, at, &lo);
		base = ALIGN_DOWN(bfn_x(at), 1ULL << lo); /* the leaf's first BFN */
		n = lo > order ? 1 : 1ULL << lo;
		iommu_pt_write(&c->pt, at, lo > order ? order : lo, 0);
		if (e & IOPTE_REF)
			for (uint64_t k = 0; k < (lo > order ? nr : n); k++)
				iommu_ref_put(hv,
					      mfn_to_page(&hv->ft,
							  mfn_add(iopte_mfn(e),
								  (int64_t)(bfn_x(at) + k - base))),
					      e & IOPTE_WREF);
		i += lo > order ? nr : n;
	}
	c->st.unmaps += nr;
	c->dirty = true;
	return 0;
}

/* Common checks of the foreign sub-ops; returns the target. */
static struct domain *foreign_target(struct domain *d, domid_t domid, ioservid_t ios, int *rc)
{
	struct domain *t;
	struct ioreq_server *s;

	if (domid == DOMID_SELF || domid == d->id) {
		*rc = -EPERM;
		return NULL;
	}
	t = domain_by_id(d->hv, domid);
	if (!t || t->state == DOMS_dying) {
		*rc = -ENXIO;
		return NULL;
	}
	if (!domain_may_map(d, t)) {
		*rc = -EPERM;
		return NULL;
	}
	s = ioreq_server_find(d->hv, t->id, ios);
	if (!s || s->emulator != d) {
		*rc = -ENODEV;
		return NULL;
	}
	return t;
}

/* The target's RAM frame at gfn; -ENXIO / -EPERM. */
static int target_frame(struct domain *t, gfn_t gfn, bool w, mfn_t *out, bool *rw)
{
	p2m_type_t ty;
	mfn_t m = p2m_lookup_ram(t, gfn, &ty);
	struct page_info *pg;

	if (mfn_eq(m, INVALID_MFN))
		return -ENXIO;
	pg = mfn_to_page(&t->hv->ft, m);
	if (!pg || (pg->flags & PGC_xen) || pg->owner != t->id)
		return -EPERM;
	if (w && !p2m_is_writable(ty))
		return -EPERM;
	*out = m;
	if (rw)
		*rw = p2m_is_writable(ty);
	return 0;
}

static int op_map_foreign(struct domain *d, struct pv_iommu_op *op)
{
	struct hv *hv = d->hv;
	unsigned int order = IOMMU_get_page_order(op->flags);
	bfn_t bfn = _bfn(op->u.map_foreign_page.bfn);
	gfn_t gfn = _gfn(op->u.map_foreign_page.gfn);
	uint64_t nr = 1ULL << order, i;
	ioservid_t ios = op->u.map_foreign_page.ioserver;
	bool w = op->flags & IOMMUOP_writeable, r = op->flags & IOMMUOP_readable;
	mfn_t mfn[1u << IOMMU_MAX_ORDER];
	struct m2b *fresh[1u << IOMMU_MAX_ORDER];
	struct iommu_ctx *c;
	struct domain *t;
	bool translate;
	uint64_t want;
	int rc = 0;

	if (op->flags & ~IOMMUOP_map_foreign_page_in_flags)
		return -EINVAL;
	t = foreign_target(d, op->u.map_foreign_page.domid, ios, &rc);
	if (!t)
		return rc;
	if (!(r || w))
		return -EINVAL;
	if (!order_ok(order, gfn_x(gfn), 0))
		return -ENOSPC;
	for (i = 0; i < nr; i++) {
		rc = target_frame(t, gfn_add(gfn, (int64_t)i), w, &mfn[i], NULL);
		if (rc)
			return rc;
	}
	c = iommu_ctx_get(d);
	if (!c)
		return -ENOMEM;
	translate = c->mode == IOMMU_CTX_TRANSLATE;
	if (!translate) {
		/* No bus translation: the machine frame is the only bus
		 * address, returned in bfn (needs a contiguous range). */
		for (i = 1; i < nr; i++)
			if (!mfn_eq(mfn[i], mfn_add(mfn[0], (int64_t)i)))
				return -ENOSPC;
		bfn = _bfn(mfn_x(mfn[0]));
		if (!IS_ALIGNED(bfn_x(bfn), nr))
			return -ENOSPC;
	} else {
		if (!order_ok(order, bfn_x(bfn), 0) || !iommu_bfn_in_range(bfn, nr))
			return -ENOSPC;
		if (iommu_ctx_reserved(c, bfn, nr))
			return -EACCES;
	}
	want = (r ? IOPTE_R : 0) | (w ? IOPTE_W : 0);
	/* Validate every frame and allocate the new entries first. */
	for (i = 0; i < nr; i++) {
		bfn_t at = bfn_add(bfn, (int64_t)i);
		uint64_t e = 0;

		fresh[i] = NULL;
		if (translate) {
			e = iommu_pt_lookup(&c->pt, at, NULL);
			if (e && (!(e & IOPTE_FOREIGN) || (e & IOPTE_SCRATCH) ||
				  !mfn_eq(iopte_mfn(e), mfn[i]) || (e & (IOPTE_R | IOPTE_W)) != want)) {
				rc = -EEXIST;
				goto err_fresh;
			}
		}
		/* A free BFN has no entry (each entry has its leaf): no need to
		 * walk the frame's other mappings. */
		if ((!translate || e) && m2b_find(c, mfn[i], at, t->id, ios))
			continue; /* identical entry: nothing new */
		fresh[i] = m2b_alloc(c);
		if (!fresh[i]) {
			rc = -ENOMEM;
			goto err_fresh;
		}
		if (!iommu_ref_get(c, mfn_to_page(&hv->ft, mfn[i]), w)) {
			m2b_release(c, fresh[i]);
			fresh[i] = NULL;
			rc = -EPERM;
			goto err_fresh;
		}
	}
	if (translate) {
		rc = iommu_pt_reserve(hv, &c->pt, iommu_pt_need(&c->pt, bfn, 0, false));
		if (rc)
			goto err_fresh;
	}
	for (i = 0; i < nr; i++) {
		bfn_t at = bfn_add(bfn, (int64_t)i);

		if (!fresh[i])
			continue;
		*fresh[i] = (struct m2b){.mfn = mfn[i], .bfn = at, .gfn = gfn_add(gfn, (int64_t)i),
					 .target = t->id, .ioserver = ios,
					 .flags = (uint16_t)((w ? M2B_W : 0) | (r ? M2B_R : 0) |
							     (op->flags & IOMMUOP_swap_mfn ? M2B_SWAP : 0))};
		m2b_insert(c, fresh[i]);
		if (translate && !iommu_pt_lookup(&c->pt, at, NULL)) {
			iommu_pt_write(&c->pt, at, 0, iopte_leaf(mfn[i], want | IOPTE_FOREIGN));
			c->dirty = true;
		}
		c->st.foreign_maps++;
	}
	op->u.map_foreign_page.bfn = bfn_x(bfn);
	return 0;

err_fresh:
	for (uint64_t k = 0; k < nr && k <= i; k++) {
		if (!fresh[k])
			continue;
		iommu_ref_put(hv, mfn_to_page(&hv->ft, mfn[k]), w);
		m2b_release(c, fresh[k]);
	}
	return rc;
}

static int op_lookup_foreign(struct domain *d, struct pv_iommu_op *op)
{
	struct hv *hv = d->hv;
	gfn_t gfn = _gfn(op->u.lookup_foreign_page.gfn);
	ioservid_t ios = op->u.lookup_foreign_page.ioserver;
	struct iommu_ctx *c;
	struct domain *t;
	struct m2b *e;
	mfn_t mfn;
	bool rw;
	int rc = 0;

	/* flags is OUT only. */
	t = foreign_target(d, op->u.lookup_foreign_page.domid, ios, &rc);
	if (!t)
		return rc;
	rc = target_frame(t, gfn, false, &mfn, &rw);
	if (rc)
		return rc;
	c = iommu_ctx_get(d);
	if (!c)
		return -ENOMEM;
	for (e = c->m2b[m2b_bucket(mfn)]; e; e = e->next)
		if (mfn_eq(e->mfn, mfn) && e->target == t->id && e->ioserver == ios &&
		    !(e->flags & M2B_SCRATCH))
			break;
	if (!e) {
		if (c->mode == IOMMU_CTX_TRANSLATE)
			return -ENOENT; /* only map_foreign_page chooses BFNs here */
		e = m2b_alloc(c);
		if (!e)
			return -ENOMEM;
		if (!iommu_ref_get(c, mfn_to_page(&hv->ft, mfn), rw)) {
			m2b_release(c, e);
			return -EPERM;
		}
		/* No bus translation: the bus frame is the machine frame. */
		*e = (struct m2b){.mfn = mfn, .bfn = _bfn(mfn_x(mfn)), .gfn = gfn, .target = t->id,
				  .ioserver = ios, .flags = (uint16_t)(M2B_R | (rw ? M2B_W : 0))};
		m2b_insert(c, e);
		c->st.foreign_maps++;
	}
	op->u.lookup_foreign_page.bfn = bfn_x(e->bfn);
	op->flags = (uint16_t)(((e->flags & M2B_R) ? IOMMUOP_readable : 0) |
			       ((e->flags & M2B_W) ? IOMMUOP_writeable : 0) | IOMMU_page_order(0));
	return 0;
}

static int op_unmap_foreign(struct domain *d, struct pv_iommu_op *op)
{
	unsigned int order = IOMMU_get_page_order(op->flags);
	bfn_t bfn = _bfn(op->u.unmap_foreign_page.bfn);
	uint64_t nr = 1ULL << order, i;
	ioservid_t ios = op->u.unmap_foreign_page.ioserver;
	struct iommu_ctx *c = d->iommu;
	bool translate;

	if (op->flags & ~IOMMUOP_unmap_foreign_page_in_flags)
		return -EINVAL;
	if (!order_ok(order, bfn_x(bfn), 0))
		return -ENOSPC;
	if (!c)
		return -ENOENT;
	translate = c->mode == IOMMU_CTX_TRANSLATE;
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < nr; i++) {
			bfn_t at = bfn_add(bfn, (int64_t)i);
			/* Without bus translation the BFN names the machine frame. */
			mfn_t m = _mfn(bfn_x(at));
			struct m2b *me;

			if (translate) {
				uint64_t e = iommu_pt_lookup(&c->pt, at, NULL);

				if (!(e & IOPTE_FOREIGN))
					return -ENOENT; /* pass 0 only: pass 1 found them all */
				m = iopte_mfn(e);
			}
			me = m2b_find(c, m, at, DOMID_INVALID, ios);
			if (!me)
				return -ENOENT;
			if (pass == 0)
				continue;
			m2b_remove(c, me);
			c->st.foreign_unmaps++;
			if (translate && !m2b_count_bfn(c, m, at)) {
				iommu_pt_write(&c->pt, at, 0, 0);
				c->dirty = true;
			}
		}
	}
	return 0;
}

static int do_one(struct domain *d, struct pv_iommu_op *op)
{
	struct iommu_ctx *c = d->iommu;

	switch (op->subop_id) {
	case IOMMUOP_query_caps:
		return op_query_caps(c, op);
	case IOMMUOP_map_page:
		return c ? op_map_page(c, op) : -EOPNOTSUPP;
	case IOMMUOP_unmap_page:
		return c ? op_unmap_page(c, op) : -EOPNOTSUPP;
	case IOMMUOP_map_foreign_page:
		return op_map_foreign(d, op);
	case IOMMUOP_lookup_foreign_page:
		return op_lookup_foreign(d, op);
	case IOMMUOP_unmap_foreign_page:
		return op_unmap_foreign(d, op);
	default:
		return -EOPNOTSUPP;
	}
}

int64_t do_iommu_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	struct pv_iommu_op buf[OP_CHUNK];
	paddr_t ops = hc->args[0];
	uint32_t count = (uint32_t)hc->args[1], done = 0;
	int64_t rc = 0;

	(void)hv;
	/* Domains with an assigned device get their context on first use. */
	if (!d->iommu && (d->flags & DOMF_iommu) && !iommu_ctx_get(d))
		return -ENOMEM;
	if (d->iommu && d->iommu->pending)
		m2b_retry_pending(d->iommu);
	while (done < count) {
		uint32_t n = MIN(count - done, (uint32_t)OP_CHUNK);

		if (done >= HCALL_PREEMPT_EVERY) {
			/* The IOTLB is flushed before the guest runs again. */
			hc->args[0] = ops + (uint64_t)done * sizeof(buf[0]);
			hc->args[1] = count - done;
			rc = HV_HCALL_CONTINUE;
			break;
		}
		n = MIN(n, HCALL_PREEMPT_EVERY - done);
		if (copy_from_guest(d, buf, ops + (uint64_t)done * sizeof(buf[0]), n * sizeof(buf[0]))) {
			rc = -EFAULT;
			break;
		}
		for (uint32_t i = 0; i < n; i++)
			buf[i].status = do_one(d, &buf[i]);
		if (copy_to_guest(d, ops + (uint64_t)done * sizeof(buf[0]), buf, n * sizeof(buf[0]))) {
			rc = -EFAULT;
			break;
		}
		done += n;
	}
	iommu_ctx_flush(d->iommu);
	return rc;
}
