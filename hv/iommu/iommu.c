/*
 * IOMMU contexts and the PV IOMMU (iommu_op, draft B; docs/pv-iommu.md).
 *
 * Design:
 * - One context per domain that uses the PV IOMMU or has an assigned
 *   device (iommu.h lists the modes). A translating context owns a BFN
 *   table (iommu_pt.c) and one scratch frame (a hypervisor frame that
 *   swapped foreign BFNs point at).
 * - Own maps (map_page, grant maps) hold their references in the leaf
 *   (IOPTE_REF / IOPTE_WREF, one per frame). Foreign maps hold theirs in
 *   the M2B: one entry per (MFN, BFN, target, IOREQ server), hashed by
 *   MFN so that ballooning finds every bus mapping of a frame at once.
 *   Repeating an identical map adds nothing (the draft's "one reference
 *   per new M2B entry").
 * - Every sub-op is all-or-nothing: it validates, takes references,
 *   reserves tables (the only steps that can fail, each undone on error),
 *   then commits without failing. A batch marks the context dirty and
 *   flushes the IOTLB once before returning, also before a continuation.
 * - Ballooning (iommu_gfn_removed) never removes a mapping a device may be
 *   using unless every emulator mapping it allowed swap_mfn: otherwise the
 *   frame stays referenced until the emulators unmap it, after they were
 *   told through IOREQ_TYPE_INVALIDATE.
 *
 * Invariants: see iommu.h; iommu_audit_refs checks them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hv/audit.h>
#include <hv/guest_access.h>
#include <hv/hv.h>
#include <hv/iommu.h>
#include <hv/ioreq.h>
#include <hv/mm.h>
#include <public/iommu_op.h>
#include <public/xen.h>

#include "../hypercall/hcall.h"
#include "iommu_pt.h"

/* Entries of one frame share a chain; 4096 chains keep the walks short up
 * to the budget (IOMMU_M2B_MAX) for 32 KiB per context. */
#define M2B_BITS 12
#define M2B_BUCKETS (1u << M2B_BITS)
#define M2B_W (1u << 0)       /* holds a writeable type reference */
#define M2B_SWAP (1u << 1)    /* mapped with IOMMUOP_swap_mfn */
#define M2B_STALE (1u << 2)   /* the target gave the frame up */
#define M2B_SCRATCH (1u << 3) /* swapped: points at the scratch frame, holds nothing */
#define M2B_PENDING (1u << 4) /* invalidate still owed to the server */
#define M2B_R (1u << 5)

#define OP_CHUNK 64 /* elements copied in and out at a time */

struct m2b {
	struct m2b *next;
	uint64_t mfn, bfn, gfn;
	domid_t target;
	ioservid_t ioserver;
	uint16_t flags;
};

struct iommu_ctx {
	struct domain *d;
	enum iommu_ctx_mode mode;
	enum iommu_hwdom_mode hwdom;
	bool hw; /* the hardware (privileged) domain */
	bool dirty;
	struct iommu_pt pt;
	mfn_t scratch;
	struct m2b *m2b[M2B_BUCKETS];
	uint64_t m2b_nr;
	uint64_t m2b_held; /* entries allocated: m2b_nr plus those of an op in progress */
	uint64_t m2b_max;  /* budget for m2b_held (IOMMU_M2B_MAX by default) */
	struct m2b *spare; /* freed entries, reused before allocating */
	unsigned int nr_spare;
	unsigned int pending; /* entries with M2B_PENDING */
	uint64_t nr_grant;    /* leaves made by iommu_grant_map */
	struct { uint64_t bfn, nr; } resv[IOMMU_MAX_RESERVED];
	unsigned int nr_resv;
	struct ioreq_server *servers;
	struct iommu_stats st;
};

static inline unsigned int bucket(uint64_t mfn)
{
	return (unsigned int)((mfn * 0x9E3779B97F4A7C15ULL) >> (64 - M2B_BITS));
}

/* ----- contexts ----- */

void iommu_parse_bootargs(const char *s, struct iommu_params *p)
{
	p->present = true;
	p->hwdom = IOMMU_HWDOM_STRICT;
	while (s && (s = strstr(s, "iommu="))) {
		bool neg;

		s += 6;
		while (*s && *s != ' ' && *s != '\t') {
			size_t n = strcspn(s, ", \t");

			neg = n > 3 && !strncmp(s, "no-", 3);
#define WORD(w) (n - (neg ? 3 : 0) == strlen(w) && !strncmp(s + (neg ? 3 : 0), w, strlen(w)))
			if (WORD("0") || WORD("off") || WORD("false") || WORD("no"))
				p->present = neg;
			else if (WORD("1") || WORD("on") || WORD("true") || WORD("yes") ||
				 WORD("force") || WORD("required"))
				p->present = !neg;
			else if (WORD("dom0-strict"))
				p->hwdom = neg ? IOMMU_HWDOM_RELAXED : IOMMU_HWDOM_STRICT;
			else if (WORD("dom0-passthrough") || WORD("passthrough"))
				p->hwdom = neg ? IOMMU_HWDOM_STRICT : IOMMU_HWDOM_PASSTHROUGH;
#undef WORD
			s += n;
			if (*s == ',')
				s++;
		}
	}
}

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

static struct iommu_ctx *ctx_get(struct domain *d)
{
	static const struct iommu_params defaults = {.present = true, .hwdom = IOMMU_HWDOM_STRICT};

	if (!d->iommu && iommu_domain_init(d, &defaults))
		return NULL;
	return d->iommu;
}

struct ioreq_server **iommu_ioreq_list(struct domain *d)
{
	struct iommu_ctx *c = ctx_get(d);

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
	struct iommu_ctx *c = ctx_get(d);

	if (!c)
		return -ENOMEM;
	c->m2b_max = max;
	return 0;
}

int iommu_reserve_bfn_range(struct domain *d, bfn_t bfn, uint64_t nr)
{
	struct iommu_ctx *c = ctx_get(d);

	if (!c)
		return -ENOMEM;
	if (c->mode != IOMMU_CTX_TRANSLATE)
		return -ENODEV;
	if (c->nr_resv == IOMMU_MAX_RESERVED)
		return -ENOSPC;
	c->resv[c->nr_resv].bfn = bfn_x(bfn);
	c->resv[c->nr_resv].nr = nr;
	c->nr_resv++;
	return 0;
}

static bool reserved(const struct iommu_ctx *c, uint64_t bfn, uint64_t nr)
{
	for (unsigned int i = 0; i < c->nr_resv; i++)
		if (bfn < c->resv[i].bfn + c->resv[i].nr && c->resv[i].bfn < bfn + nr)
			return true;
	return false;
}

static void flush(struct iommu_ctx *c)
{
	if (c && c->dirty) {
		c->st.iotlb_flushes++;
		c->dirty = false;
	}
}

/* ----- references ----- */

static bool ref_get(struct iommu_ctx *c, struct page_info *pg, bool w)
{
	struct domain *o = pg->owner == c->d->id ? c->d : domain_by_id(c->d->hv, pg->owner);

	if (!o)
		return false;
	return w ? mm_get_page_writable(pg, o) : mm_get_page(pg, o);
}

static void ref_put(struct hv *hv, struct page_info *pg, bool w)
{
	if (w)
		mm_put_page_writable(hv, pg);
	else
		mm_put_page(hv, pg);
}

/* ----- M2B ----- */

/*
 * A new entry, or NULL when the heap or the context's budget is spent
 * (both are -ENOMEM to the caller: memory the hypervisor will not give).
 * The budget bounds what one emulator, however privileged, can make the
 * hypervisor allocate: entries multiply with BFNs and IOREQ servers, not
 * only with the frames of the targets.
 */
static struct m2b *m2b_alloc(struct iommu_ctx *c)
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

static void m2b_release(struct iommu_ctx *c, struct m2b *e)
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

static void m2b_insert(struct iommu_ctx *c, struct m2b *e)
{
	struct m2b **b = &c->m2b[bucket(e->mfn)];

	e->next = *b;
	*b = e;
	c->m2b_nr++;
}

static struct m2b **m2b_find(struct iommu_ctx *c, uint64_t mfn, uint64_t bfn, domid_t target,
			     ioservid_t ios)
{
	for (struct m2b **pp = &c->m2b[bucket(mfn)]; *pp; pp = &(*pp)->next) {
		struct m2b *e = *pp;

		if (e->mfn == mfn && e->bfn == bfn && e->ioserver == ios &&
		    (target == DOMID_INVALID || e->target == target))
			return pp;
	}
	return NULL;
}

static unsigned int m2b_count_bfn(const struct iommu_ctx *c, uint64_t mfn, uint64_t bfn)
{
	unsigned int n = 0;

	for (const struct m2b *e = c->m2b[bucket(mfn)]; e; e = e->next)
		n += e->mfn == mfn && e->bfn == bfn;
	return n;
}

/* Drops an entry and what it holds. */
static void m2b_remove(struct iommu_ctx *c, struct m2b **pp)
{
	struct hv *hv = c->d->hv;
	struct m2b *e = *pp;

	*pp = e->next;
	c->m2b_nr--;
	if (e->flags & M2B_PENDING)
		c->pending--;
	if (!(e->flags & M2B_SCRATCH))
		ref_put(hv, mfn_to_page(&hv->ft, _mfn(e->mfn)), e->flags & M2B_W);
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
	if (!ioreq_send_invalidate(s, e->bfn)) {
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

/* Sends invalidations owed because both delivery paths were busy. */
static void retry_pending(struct iommu_ctx *c)
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
	struct page_info *pg = mfn_to_page(&hv->ft, _mfn(e->mfn));

	BUG_ON(!(old & IOPTE_FOREIGN));
	/* Same level, existing leaf: needs no table. */
	iommu_pt_write(&c->pt, e->bfn, 0,
		       iopte_leaf(c->scratch, (old & (IOPTE_R | IOPTE_W)) | IOPTE_FOREIGN | IOPTE_SCRATCH));
	c->dirty = true;
	c->st.swapped++;
	e->mfn = mfn_x(c->scratch);
	e->flags |= M2B_SCRATCH;
	e->next = *moved;
	*moved = e;
	c->m2b_nr--; /* re-inserted by the caller */
	ref_put(hv, pg, e->flags & M2B_W);
}

/*
 * Handles the entries of every context mapping mfn of target (all when
 * mfn is INVALID_MFN: the target is being destroyed).
 */
static void invalidate_target_frames(struct domain *target, mfn_t mfn)
{
	struct hv *hv = target->hv;
	bool all = mfn_eq(mfn, INVALID_MFN), all_swap = true;
	uint64_t found = 0;

	for (struct domain *e = hv->domains; e; e = e->next) {
		struct iommu_ctx *c = e->iommu;

		if (!c || !c->m2b_nr || e == target)
			continue;
		for (unsigned int b = all ? 0 : bucket(mfn_x(mfn)); b < M2B_BUCKETS; b++) {
			for (struct m2b *m = c->m2b[b]; m; m = m->next) {
				if (m->target != target->id || (m->flags & M2B_SCRATCH) ||
				    (!all && m->mfn != mfn_x(mfn)))
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
		for (unsigned int b = all ? 0 : bucket(mfn_x(mfn)); b < M2B_BUCKETS; b++) {
			for (struct m2b **pp = &c->m2b[b]; *pp;) {
				struct m2b *m = *pp;
				bool swap;

				if (m->target != target->id || (m->flags & M2B_SCRATCH) ||
				    (!all && m->mfn != mfn_x(mfn))) {
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
					*pp = m->next;
					swap_to_scratch(c, m, &moved);
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
		flush(c);
	}
}

void iommu_gfn_removed(struct domain *d, gfn_t gfn, mfn_t mfn)
{
	(void)gfn;
	invalidate_target_frames(d, mfn);
}

/* ----- teardown ----- */

static int drop_leaf_refs(void *ctx, uint64_t bfn, unsigned int order, uint64_t e)
{
	struct iommu_ctx *c = ctx;
	struct hv *hv = c->d->hv;

	(void)bfn;
	if (!(e & IOPTE_REF))
		return 0;
	for (uint64_t i = 0; i < (1ULL << order); i++)
		ref_put(hv, mfn_to_page(&hv->ft, mfn_add(iopte_mfn(e), (int64_t)i)), e & IOPTE_WREF);
	return 0;
}

void iommu_domain_destroy(struct domain *d)
{
	struct hv *hv = d->hv;
	struct iommu_ctx *c = d->iommu;

	/* Emulators mapping d's frames learn first, while their servers for
	 * d still exist. */
	invalidate_target_frames(d, INVALID_MFN);
	ioreq_domain_destroy(d);
	if (!c)
		return;
	for (unsigned int b = 0; b < M2B_BUCKETS; b++)
		while (c->m2b[b])
			m2b_remove(c, &c->m2b[b]);
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

/* ----- sub-ops ----- */

static bool order_ok(unsigned int order, uint64_t a, uint64_t b)
{
	uint64_t n = 1ULL << order;

	return order <= IOMMU_MAX_ORDER && IS_ALIGNED(a, n) && IS_ALIGNED(b, n);
}

static bool bfn_in_range(uint64_t bfn, uint64_t nr)
{
	return bfn < (1ULL << IOMMU_PT_BFN_BITS) && nr <= (1ULL << IOMMU_PT_BFN_BITS) - bfn;
}

/* The caller's own frame at gfn for map_page; -ENXIO / -EPERM. */
static int own_frame(struct iommu_ctx *c, uint64_t gfn, bool w, mfn_t *out)
{
	struct hv *hv = c->d->hv;
	p2m_type_t t;
	mfn_t m = p2m_lookup(c->d, _gfn(gfn), &t, NULL);
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
	uint64_t bfn = op->u.map_page.bfn, gfn = op->u.map_page.gfn, nr = 1ULL << order, i;
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
	if (!order_ok(order, bfn, gfn) || !bfn_in_range(bfn, nr))
		return -ENOSPC;
	if (noref && !(c->hw && c->hwdom == IOMMU_HWDOM_RELAXED))
		return -EPERM;
	if (reserved(c, bfn, nr))
		return -EACCES;
	for (i = 0; i < nr; i++) {
		if (iommu_pt_lookup(&c->pt, bfn + i, NULL))
			return -EEXIST;
		rc = own_frame(c, gfn + i, w, &mfn[i]);
		if (rc)
			return rc;
		if (i && mfn_x(mfn[i]) != mfn_x(mfn[0]) + i)
			contig = false;
	}
	if (!noref) {
		for (i = 0; i < nr; i++) {
			if (!ref_get(c, mfn_to_page(&hv->ft, mfn[i]), w)) {
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
			iommu_pt_write(&c->pt, bfn + i, 0, iopte_leaf(mfn[i], lf));
	}
	c->st.maps += nr;
	c->dirty = true;
	return 0;

err_refs:
	if (!noref)
		while (i--)
			ref_put(hv, mfn_to_page(&hv->ft, mfn[i]), w);
	return rc;
}

static int op_unmap_page(struct iommu_ctx *c, struct pv_iommu_op *op)
{
	struct hv *hv = c->d->hv;
	unsigned int order = IOMMU_get_page_order(op->flags), lo;
	uint64_t bfn = op->u.unmap_page.bfn, nr = 1ULL << order, i;
	uint64_t e;
	int rc;

	if (op->flags & ~IOMMUOP_unmap_page_in_flags)
		return -EINVAL;
	if (c->mode != IOMMU_CTX_TRANSLATE)
		return -EOPNOTSUPP;
	if (!order_ok(order, bfn, 0) || !bfn_in_range(bfn, nr))
		return -ENOSPC;
	for (i = 0; i < nr; i++) {
		e = iommu_pt_lookup(&c->pt, bfn + i, &lo);
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
		uint64_t base, n;

		e = iommu_pt_lookup(&c->pt, bfn + i, &lo);
		base = ALIGN_DOWN(bfn + i, 1ULL << lo);
		n = lo > order ? 1 : 1ULL << lo;
		iommu_pt_write(&c->pt, bfn + i, lo > order ? order : lo, 0);
		if (e & IOPTE_REF)
			for (uint64_t k = 0; k < (lo > order ? nr : n); k++)
				ref_put(hv,
					mfn_to_page(&hv->ft, mfn_add(iopte_mfn(e),
								     (int64_t)(bfn + i + k - base))),
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
static int target_frame(struct domain *t, uint64_t gfn, bool w, mfn_t *out, bool *rw)
{
	p2m_type_t ty;
	mfn_t m = p2m_lookup(t, _gfn(gfn), &ty, NULL);
	struct page_info *pg;

	if (mfn_eq(m, INVALID_MFN) || !p2m_is_ram(ty))
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
	uint64_t bfn = op->u.map_foreign_page.bfn, gfn = op->u.map_foreign_page.gfn;
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
	if (!order_ok(order, gfn, 0))
		return -ENOSPC;
	for (i = 0; i < nr; i++) {
		rc = target_frame(t, gfn + i, w, &mfn[i], NULL);
		if (rc)
			return rc;
	}
	c = ctx_get(d);
	if (!c)
		return -ENOMEM;
	translate = c->mode == IOMMU_CTX_TRANSLATE;
	if (!translate) {
		/* No bus translation: the machine frame is the only bus
		 * address, returned in bfn (needs a contiguous range). */
		for (i = 1; i < nr; i++)
			if (mfn_x(mfn[i]) != mfn_x(mfn[0]) + i)
				return -ENOSPC;
		bfn = mfn_x(mfn[0]);
		if (!IS_ALIGNED(bfn, nr))
			return -ENOSPC;
	} else {
		if (!order_ok(order, bfn, 0) || !bfn_in_range(bfn, nr))
			return -ENOSPC;
		if (reserved(c, bfn, nr))
			return -EACCES;
	}
	want = (r ? IOPTE_R : 0) | (w ? IOPTE_W : 0);
	/* Validate every frame and allocate the new entries first. */
	for (i = 0; i < nr; i++) {
		uint64_t e = 0;

		fresh[i] = NULL;
		if (translate) {
			e = iommu_pt_lookup(&c->pt, bfn + i, NULL);
			if (e && (!(e & IOPTE_FOREIGN) || (e & IOPTE_SCRATCH) ||
				  !mfn_eq(iopte_mfn(e), mfn[i]) || (e & (IOPTE_R | IOPTE_W)) != want)) {
				rc = -EEXIST;
				goto err_fresh;
			}
		}
		/* A free BFN has no entry (each entry has its leaf): no need to
		 * walk the frame's other mappings. */
		if ((!translate || e) && m2b_find(c, mfn_x(mfn[i]), bfn + i, t->id, ios))
			continue; /* identical entry: nothing new */
		fresh[i] = m2b_alloc(c);
		if (!fresh[i]) {
			rc = -ENOMEM;
			goto err_fresh;
		}
		if (!ref_get(c, mfn_to_page(&hv->ft, mfn[i]), w)) {
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
		if (!fresh[i])
			continue;
		*fresh[i] = (struct m2b){.mfn = mfn_x(mfn[i]), .bfn = bfn + i, .gfn = gfn + i,
					 .target = t->id, .ioserver = ios,
					 .flags = (uint16_t)((w ? M2B_W : 0) | (r ? M2B_R : 0) |
							     (op->flags & IOMMUOP_swap_mfn ? M2B_SWAP : 0))};
		m2b_insert(c, fresh[i]);
		if (translate && !iommu_pt_lookup(&c->pt, bfn + i, NULL)) {
			iommu_pt_write(&c->pt, bfn + i, 0, iopte_leaf(mfn[i], want | IOPTE_FOREIGN));
			c->dirty = true;
		}
		c->st.foreign_maps++;
	}
	op->u.map_foreign_page.bfn = bfn;
	return 0;

err_fresh:
	for (uint64_t k = 0; k < nr && k <= i; k++) {
		if (!fresh[k])
			continue;
		ref_put(hv, mfn_to_page(&hv->ft, mfn[k]), w);
		m2b_release(c, fresh[k]);
	}
	return rc;
}

static int op_lookup_foreign(struct domain *d, struct pv_iommu_op *op)
{
	struct hv *hv = d->hv;
	uint64_t gfn = op->u.lookup_foreign_page.gfn;
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
	c = ctx_get(d);
	if (!c)
		return -ENOMEM;
	for (e = c->m2b[bucket(mfn_x(mfn))]; e; e = e->next)
		if (e->mfn == mfn_x(mfn) && e->target == t->id && e->ioserver == ios &&
		    !(e->flags & M2B_SCRATCH))
			break;
	if (!e) {
		if (c->mode == IOMMU_CTX_TRANSLATE)
			return -ENOENT; /* only map_foreign_page chooses BFNs here */
		e = m2b_alloc(c);
		if (!e)
			return -ENOMEM;
		if (!ref_get(c, mfn_to_page(&hv->ft, mfn), rw)) {
			m2b_release(c, e);
			return -EPERM;
		}
		*e = (struct m2b){.mfn = mfn_x(mfn), .bfn = mfn_x(mfn), .gfn = gfn, .target = t->id,
				  .ioserver = ios, .flags = (uint16_t)(M2B_R | (rw ? M2B_W : 0))};
		m2b_insert(c, e);
		c->st.foreign_maps++;
	}
	op->u.lookup_foreign_page.bfn = e->bfn;
	op->flags = (uint16_t)(((e->flags & M2B_R) ? IOMMUOP_readable : 0) |
			       ((e->flags & M2B_W) ? IOMMUOP_writeable : 0) | IOMMU_page_order(0));
	return 0;
}

static int op_unmap_foreign(struct domain *d, struct pv_iommu_op *op)
{
	unsigned int order = IOMMU_get_page_order(op->flags);
	uint64_t bfn = op->u.unmap_foreign_page.bfn, nr = 1ULL << order, i;
	ioservid_t ios = op->u.unmap_foreign_page.ioserver;
	struct iommu_ctx *c = d->iommu;
	bool translate;

	if (op->flags & ~IOMMUOP_unmap_foreign_page_in_flags)
		return -EINVAL;
	if (!order_ok(order, bfn, 0))
		return -ENOSPC;
	if (!c)
		return -ENOENT;
	translate = c->mode == IOMMU_CTX_TRANSLATE;
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < nr; i++) {
			uint64_t m = bfn + i, e = 0;
			struct m2b **pp;

			if (translate) {
				e = iommu_pt_lookup(&c->pt, bfn + i, NULL);
				if (!(e & IOPTE_FOREIGN))
					return -ENOENT; /* pass 0 only: pass 1 found them all */
				m = mfn_x(iopte_mfn(e));
			}
			pp = m2b_find(c, m, bfn + i, DOMID_INVALID, ios);
			if (!pp)
				return -ENOENT;
			if (pass == 0)
				continue;
			m2b_remove(c, pp);
			c->st.foreign_unmaps++;
			if (translate && !m2b_count_bfn(c, m, bfn + i)) {
				iommu_pt_write(&c->pt, bfn + i, 0, 0);
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
	if (!d->iommu && (d->flags & DOMF_iommu) && !ctx_get(d))
		return -ENOMEM;
	if (d->iommu && d->iommu->pending)
		retry_pending(d->iommu);
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
	flush(d->iommu);
	return rc;
}

/* ----- grant maps at a chosen bus address ----- */

int iommu_grant_map(struct domain *d, bfn_t bfn, mfn_t mfn, bool writable)
{
	struct hv *hv = d->hv;
	struct iommu_ctx *c = ctx_get(d);
	struct page_info *pg = mfn_to_page(&hv->ft, mfn);
	int rc;

	if (!c)
		return -ENOMEM;
	if (c->mode != IOMMU_CTX_TRANSLATE)
		return -EOPNOTSUPP;
	if (!bfn_in_range(bfn_x(bfn), 1))
		return -ENOSPC;
	if (reserved(c, bfn_x(bfn), 1))
		return -EACCES;
	if (iommu_pt_lookup(&c->pt, bfn_x(bfn), NULL))
		return -EEXIST;
	if (!pg || (pg->flags & PGC_xen) || !ref_get(c, pg, writable))
		return -EPERM;
	rc = iommu_pt_reserve(hv, &c->pt, iommu_pt_need(&c->pt, bfn_x(bfn), 0, false));
	if (rc) {
		ref_put(hv, pg, writable);
		return rc;
	}
	iommu_pt_write(&c->pt, bfn_x(bfn), 0,
		       iopte_leaf(mfn, IOPTE_R | IOPTE_REF | IOPTE_GRANT |
					       (writable ? IOPTE_W | IOPTE_WREF : 0)));
	c->nr_grant++;
	c->st.maps++;
	c->dirty = true;
	flush(c);
	return 0;
}

int iommu_grant_unmap(struct domain *d, bfn_t bfn, mfn_t mfn)
{
	struct hv *hv = d->hv;
	struct iommu_ctx *c = d->iommu;
	unsigned int lo;
	uint64_t e;

	if (!c || c->mode != IOMMU_CTX_TRANSLATE)
		return -ENOENT;
	e = iommu_pt_lookup(&c->pt, bfn_x(bfn), &lo);
	if (!(e & IOPTE_GRANT) || lo || (!mfn_eq(mfn, INVALID_MFN) && !mfn_eq(iopte_mfn(e), mfn)))
		return -ENOENT;
	iommu_pt_write(&c->pt, bfn_x(bfn), 0, 0);
	/* The leaf's frame: mfn may be INVALID_MFN ("whatever is there"). */
	ref_put(hv, mfn_to_page(&hv->ft, iopte_mfn(e)), e & IOPTE_WREF);
	c->nr_grant--;
	c->st.unmaps++;
	c->dirty = true;
	flush(c);
	return 0;
}

int iommu_grant_lookup(const struct domain *d, bfn_t bfn, mfn_t *mfn, bool *writable)
{
	const struct iommu_ctx *c = d->iommu;
	unsigned int lo;
	uint64_t e;

	if (!c || c->mode != IOMMU_CTX_TRANSLATE)
		return -ENOENT;
	e = iommu_pt_lookup(&c->pt, bfn_x(bfn), &lo);
	if (!(e & IOPTE_GRANT) || lo)
		return -ENOENT;
	*mfn = iopte_mfn(e);
	*writable = e & IOPTE_W;
	return 0;
}

uint64_t iommu_grant_count(const struct domain *d)
{
	return d->iommu ? d->iommu->nr_grant : 0;
}

/* ----- device access ----- */

int iommu_translate(struct domain *d, bfn_t bfn, bool write, mfn_t *mfn)
{
	struct iommu_ctx *c = d->iommu;
	unsigned int lo;
	uint64_t e;

	if (!c)
		return -ENXIO;
	if (c->mode == IOMMU_CTX_PASSTHROUGH) {
		struct page_info *pg = mfn_to_page(&d->hv->ft, _mfn(bfn_x(bfn)));

		if (!pg || pg->state != PGS_inuse || (pg->flags & PGC_xen) || pg->owner == DOMID_XEN)
			return -ENXIO;
		*mfn = _mfn(bfn_x(bfn));
		return 0;
	}
	if (c->mode != IOMMU_CTX_TRANSLATE)
		return -ENXIO;
	e = iommu_pt_lookup(&c->pt, bfn_x(bfn), &lo);
	if (!e)
		return -ENXIO;
	if (!(e & (write ? IOPTE_W : IOPTE_R)))
		return -EACCES;
	*mfn = mfn_add(iopte_mfn(e), (int64_t)(bfn_x(bfn) & ((1ULL << lo) - 1)));
	return 0;
}

void iommu_report_fault(struct domain *d, uint64_t bus_addr, bool write, int why)
{
	struct iommu_ctx *c = d->iommu;

	if (c) {
		c->st.faults++;
		c->st.last_fault_bfn = bus_addr >> PAGE_SHIFT;
		c->st.last_fault_write = write;
	}
	hv_warn(d->hv, "d%u: IOMMU fault: device %s at bus address %#" PRIx64 " (%s)", d->id,
		write ? "write" : "read", bus_addr, why == -EACCES ? "no access" : "not mapped");
}

/* Checks every page of [addr, addr+len); 0 or the error with *fault. */
static int dma_check(struct domain *d, uint64_t addr, uint64_t len, bool write, uint64_t *fault)
{
	for (uint64_t a = ALIGN_DOWN(addr, PAGE_SIZE); a < addr + len; a += PAGE_SIZE) {
		mfn_t m;
		int rc = iommu_translate(d, _bfn(a >> PAGE_SHIFT), write, &m);

		if (rc) {
			*fault = a < addr ? addr : a;
			return rc;
		}
	}
	return 0;
}

int iommu_dma_copy(struct domain *d, uint64_t dst, uint64_t src, uint64_t len,
		   uint64_t *fault_addr)
{
	struct hv *hv = d->hv;
	uint64_t fault = 0, done = 0;
	bool write = false;
	int rc;

	hv_lock(hv);
	if (src + len < src || dst + len < dst) {
		rc = -ENXIO;
		fault = src + len < src ? src : dst;
		write = dst + len < dst;
		goto out;
	}
	/* Translate everything first: a faulting transfer moves nothing. */
	rc = dma_check(d, src, len, false, &fault);
	if (!rc) {
		write = true;
		rc = dma_check(d, dst, len, true, &fault);
	}
	if (rc)
		goto out;
	while (done < len) {
		uint64_t s = src + done, t = dst + done;
		uint64_t n = MIN(len - done, MIN(PAGE_SIZE - (s & (PAGE_SIZE - 1)),
						 PAGE_SIZE - (t & (PAGE_SIZE - 1))));
		mfn_t ms, mt;

		BUG_ON(iommu_translate(d, _bfn(s >> PAGE_SHIFT), false, &ms) ||
		       iommu_translate(d, _bfn(t >> PAGE_SHIFT), true, &mt));
		memmove((uint8_t *)frame_va(&hv->ft, mt) + (t & (PAGE_SIZE - 1)),
			(uint8_t *)frame_va(&hv->ft, ms) + (s & (PAGE_SIZE - 1)), n);
		done += n;
	}
out:
	if (rc) {
		iommu_report_fault(d, fault, write, rc);
		if (fault_addr)
			*fault_addr = fault;
	}
	hv_unlock(hv);
	return rc;
}

/* ----- audit ----- */

struct audit_walk {
	struct hv *hv;
	struct iommu_ctx *c;
	uint32_t *refs;
	struct audit_report rep;
	uint64_t matched;
	uint64_t grant; /* IOPTE_GRANT leaves */
};

#define afail(a, ...) audit_fail(&(a)->rep, __VA_ARGS__)

static int audit_leaf(void *ctx, uint64_t bfn, unsigned int order, uint64_t e)
{
	struct audit_walk *a = ctx;
	struct iommu_ctx *c = a->c;
	domid_t id = c->d->id;

	if (e & IOPTE_FOREIGN) {
		unsigned int n;

		if (order)
			return afail(a, "d%u bfn %#" PRIx64 ": foreign superpage", id, bfn);
		if (!(e & IOPTE_SCRATCH) != !mfn_eq(iopte_mfn(e), c->scratch))
			return afail(a, "d%u bfn %#" PRIx64 ": scratch flag and frame disagree", id, bfn);
		n = m2b_count_bfn(c, mfn_x(iopte_mfn(e)), bfn);
		if (!n)
			return afail(a, "d%u bfn %#" PRIx64 ": foreign leaf without M2B entry", id, bfn);
		a->matched += n;
		return 0;
	}
	if ((e & IOPTE_WREF) && !(e & IOPTE_REF))
		return afail(a, "d%u bfn %#" PRIx64 ": type reference without reference", id, bfn);
	if (e & IOPTE_GRANT) {
		/* One frame, referenced, writeable exactly when type-referenced. */
		if (order || !(e & IOPTE_REF) || !(e & IOPTE_W) != !(e & IOPTE_WREF))
			return afail(a, "d%u bfn %#" PRIx64 ": malformed grant leaf", id, bfn);
		a->grant++;
	}
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		mfn_t m = mfn_add(iopte_mfn(e), (int64_t)i);
		struct page_info *pg = mfn_to_page(&a->hv->ft, m);

		if (!(e & IOPTE_REF))
			continue;
		if (!pg || pg->state != PGS_inuse)
			return afail(a, "d%u bfn %#" PRIx64 " maps mfn %" PRI_mfn " which is not in use",
				     id, bfn + i, mfn_x(m));
		if ((e & IOPTE_WREF) && !pg->type_count)
			return afail(a, "d%u bfn %#" PRIx64 ": writeable map of mfn %" PRI_mfn
				     " without type reference", id, bfn + i, mfn_x(m));
		a->refs[page_to_pdx(&a->hv->ft, pg)]++;
	}
	return 0;
}

int iommu_audit_refs(struct hv *hv, uint32_t *refs, char *buf, size_t len)
{
	struct audit_walk a = {.hv = hv, .refs = refs, .rep = {.buf = buf, .len = len}};

	for (struct domain *d = hv->domains; d && !a.rep.failed; d = d->next) {
		struct iommu_ctx *c = d->iommu;
		uint64_t n = 0, pending = 0;

		if (!c)
			continue;
		a.c = c;
		a.matched = 0;
		a.grant = 0;
		for (unsigned int b = 0; b < M2B_BUCKETS && !a.rep.failed; b++) {
			for (struct m2b *e = c->m2b[b]; e && !a.rep.failed; e = e->next) {
				struct page_info *pg = mfn_to_page(&hv->ft, _mfn(e->mfn));

				n++;
				pending += !!(e->flags & M2B_PENDING);
				if (bucket(e->mfn) != b)
					afail(&a, "d%u M2B entry of mfn %#" PRIx64 " in the wrong bucket",
					      d->id, e->mfn);
				else if ((e->flags & M2B_SCRATCH) && e->mfn != mfn_x(c->scratch))
					afail(&a, "d%u M2B scratch entry off the scratch frame", d->id);
				else if (c->mode != IOMMU_CTX_TRANSLATE && e->bfn != e->mfn)
					afail(&a, "d%u M2B entry bfn %#" PRIx64 " != mfn without IOMMU",
					      d->id, e->bfn);
				else if (!(e->flags & M2B_SCRATCH) &&
					 (!pg || pg->state != PGS_inuse || pg->owner != e->target))
					afail(&a, "d%u M2B entry: mfn %#" PRIx64 " is not d%u's", d->id,
					      e->mfn, e->target);
				else if (!(e->flags & M2B_SCRATCH))
					refs[page_to_pdx(&hv->ft, pg)]++;
			}
		}
		if (a.rep.failed)
			break;
		if (n != c->m2b_nr || pending != c->pending || c->m2b_held != n) {
			afail(&a, "d%u M2B holds %" PRIu64 " entries (%" PRIu64 " pending), counted %" PRIu64
				  " (%u), allocated %" PRIu64, d->id, n, pending, c->m2b_nr, c->pending,
			      c->m2b_held);
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
