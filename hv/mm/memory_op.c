/*
 * memory_op: reservations, physmap changes, the memory map. Foreign
 * mapping (XENMAPSPACE_gmfn_foreign) is in foreign.c.
 *
 * Xen's rules, kept here: reservation calls return the number of extents
 * done (a short count is partial progress, not an error); a continuation
 * restarts at the extent stored in the command's bits above
 * MEMOP_EXTENT_SHIFT; batch calls report per entry and advance their
 * handles when they continue. Every failure leaves the state consistent:
 * an extent is either fully done or not done at all.
 */
#include <errno.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/hcall.h>
#include <hv/hv.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/staticmem.h>
#include <public/memory.h>
#include <public/xen.h>

#include "foreign.h"

/* Frames of an IOREQ server resource: bufioreq (0) and one ioreq page (1). */
#define IOREQ_RESOURCE_MAX 2

/* Largest extent a guest may ask for: 1 GiB. */
#define MEMOP_MAX_ORDER 18

/* Extent-list entries read from the guest at once: also the longest run. */
#define MEMOP_CHUNK 64

static bool gfn_range_free(struct domain *d, uint64_t gfn, uint64_t nr)
{
	return p2m_range_empty(d, _gfn(gfn), nr);
}

/* Releases frames allocated for an extent that could not be mapped. */
static void undo_extent(struct domain *d, struct page_info *pg, unsigned int order)
{
	struct hv *hv = d->hv;
	mfn_t mfn = page_to_mfn(&hv->ft, pg);

	for (uint64_t i = 0; i < (1ULL << order); i++)
		mm_drop_allocation(hv, mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i)));
}

/* One populate extent. 0 or -errno; on error nothing changed. */
static int populate_one(struct domain *d, uint64_t gpfn, unsigned int order)
{
	struct hv *hv = d->hv;
	uint64_t nr = 1ULL << order;
	struct page_info *pg;
	int rc;

	/* Static, non-direct-mapped domains repopulate only from frames they
	 * freed, one at a time: say why before any other check refuses it. */
	if ((d->flags & (DOMF_static | DOMF_directmap)) == DOMF_static && order != 0) {
		hv_warn(hv, "Cannot allocate static order-%u pages for d%u", order, d->id);
		return -EINVAL;
	}
	if (!IS_ALIGNED(gpfn, nr) || gpfn >= d->p2m.max_gfn || nr > d->p2m.max_gfn - gpfn)
		return -EINVAL;

	if (d->flags & DOMF_directmap) {
		/* Only a frame the domain still owns, back at gfn == mfn. */
		for (uint64_t i = 0; i < nr; i++) {
			struct page_info *p = mfn_to_page(&hv->ft, _mfn(gpfn + i));

			if (!p) {
				hv_warn(hv, "d%u: populate: invalid mfn %#" PRIx64, d->id, gpfn + i);
				return -EINVAL;
			}
			if (p->owner != d->id || p->state != PGS_inuse || !(p->flags & PGC_allocated)) {
				hv_warn(hv, "d%u: populate: mfn %#" PRIx64 " doesn't belong to d%u", d->id,
					gpfn + i, d->id);
				return -EINVAL;
			}
		}
		if (!gfn_range_free(d, gpfn, nr))
			return -EBUSY;
		rc = p2m_set_range(d, _gfn(gpfn), _mfn(gpfn), nr, p2m_ram_rw);
		if (!rc)
			d->st.populated += nr;
		return rc;
	}

	if (!gfn_range_free(d, gpfn, nr))
		return -EBUSY;

	if (d->flags & DOMF_static) {
		pg = staticmem_acquire_reserved(d, &rc);
		if (!pg) {
			hv_warn(hv, "d%u: failed to retrieve a reserved page: %s", d->id,
				rc == -ESRCH ? "domain dying"
				: rc == -EINVAL ? "reserved frame in a bad state"
				: d->resv_list.count ? "at max_pages" : "reserved list empty");
			return rc;
		}
	} else {
		pg = mm_alloc_domheap(d, order, &rc);
		if (!pg)
			return rc;
	}
	rc = p2m_set_range(d, _gfn(gpfn), page_to_mfn(&hv->ft, pg), nr, p2m_ram_rw);
	if (rc)
		undo_extent(d, pg, order);
	else
		d->st.populated += nr;
	return rc;
}

static int decrease_one(struct domain *d, uint64_t gpfn, unsigned int order)
{
	uint64_t nr = 1ULL << order;
	int rc = 0;

	if (gpfn >= d->p2m.max_gfn || nr > d->p2m.max_gfn - gpfn)
		return -EINVAL;
	/* Check the whole extent first so that it is done entirely or not at
	 * all: one look per P2M leaf, not per frame. */
	for (uint64_t i = 0; i < nr;) {
		p2m_type_t t;
		unsigned int lo;

		if (mfn_eq(p2m_lookup(d, _gfn(gpfn + i), &t, &lo), INVALID_MFN))
			return -ENOENT;
		if (!p2m_is_ram(t) && !p2m_is_foreign(t))
			return -EINVAL;
		i = ALIGN_DOWN(gpfn + i, 1ULL << lo) + (1ULL << lo) - gpfn;
	}
	/* Small extents are likely to be populated again soon: with resident
	 * guest memory (prefault), their frames' host memory is released
	 * lazily (realize.h). Large ones go back to the host in one punch. */
	d->hv->release_lazy = d->hv->cfg.lazy_release && order < P2M_ORDER_2M;
	rc = mm_remove_range(d, _gfn(gpfn), nr, NULL);
	d->hv->release_lazy = false;
	BUG_ON(rc && rc != -ENOMEM);
	if (rc)
		return rc; /* only table allocation for a shatter can fail */
	d->st.decreased += nr;
	return 0;
}

/*
 * Runs: a batch whose extents follow each other in GFN order (gpfn, gpfn +
 * 2^order, ...; a balloon driver's usual batch) is done with one P2M check
 * and one update per run instead of per extent, with the same outcome
 * extent by extent: every extent is done entirely or not at all, and the
 * call stops at the first one that fails. Elsewhere (static or
 * direct-mapped domains, a run that is partly occupied or partly
 * unmapped at its start) the extents go one at a time.
 */

/* Extents of gpfns[0..n) that continue gpfns[0] in order and lie inside
 * the P2M, with gpfns[0] aligned: the run. 0 when the first extent is one
 * populate_one()/decrease_one() must judge alone. */
static uint64_t run_length(const struct domain *d, const xen_pfn_t *gpfns, uint64_t n,
			   unsigned int order)
{
	uint64_t nr = 1ULL << order, k;

	if ((d->flags & (DOMF_static | DOMF_directmap)) || !IS_ALIGNED(gpfns[0], nr) ||
	    gpfns[0] >= d->p2m.max_gfn)
		return 0;
	for (k = 1; k < n; k++)
		if (gpfns[k] != gpfns[0] + k * nr)
			break;
	/* Extents past the end of the P2M stay for the extent-wise path. */
	return MIN(k, (d->p2m.max_gfn - gpfns[0]) >> order);
}

/* Populates the run of n extents at gpfn (run_length()); returns the
 * extents done, and sets *rc when that is short. */
static uint64_t populate_run(struct domain *d, uint64_t gpfn, uint64_t n, unsigned int order,
			     int *rc)
{
	struct hv *hv = d->hv;
	uint64_t nr = 1ULL << order, got, done = 0;
	struct page_info *pg[MEMOP_CHUNK];

	BUG_ON(n > MEMOP_CHUNK);
	if (!gfn_range_free(d, gpfn, n * nr)) {
		/* Some extent is taken: one at a time, so the right one fails. */
		*rc = populate_one(d, gpfn, order);
		return *rc ? 0 : 1;
	}
	for (got = 0; got < n; got++) {
		pg[got] = mm_alloc_domheap(d, order, rc);
		if (!pg[got])
			break;
	}
	/* Frames that follow each other in MFN order are mapped together
	 * (the heap hands consecutive small blocks out ascending). */
	while (done < got) {
		mfn_t mfn = page_to_mfn(&hv->ft, pg[done]);
		uint64_t k = done + 1;
		int err;

		while (k < got && mfn_eq(page_to_mfn(&hv->ft, pg[k]),
					 mfn_add(mfn, (int64_t)((k - done) * nr))))
			k++;
		err = p2m_set_range(d, _gfn(gpfn + done * nr), mfn, (k - done) * nr, p2m_ram_rw);
		if (err) {
			/* This stretch and every extent after it are undone. */
			for (k = done; k < got; k++)
				undo_extent(d, pg[k], order);
			*rc = err;
			break;
		}
		d->st.populated += (k - done) * nr;
		done = k;
	}
	return done;
}

/* Decreases the run of n extents at gpfn (run_length()): every extent up
 * to the first one not wholly mapped as RAM or foreign comes out in one
 * removal; that one is then judged by decrease_one(). */
static uint64_t decrease_run(struct domain *d, uint64_t gpfn, uint64_t n, unsigned int order,
			     int *rc)
{
	struct hv *hv = d->hv;
	uint64_t nr = 1ULL << order, total = n * nr, ok, removed = 0;

	/* One walk per leaf or stretch of 4 KiB leaves: how far the run is
	 * removable. */
	for (ok = 0; ok < total;) {
		p2m_type_t t;
		uint64_t len;

		if (mfn_eq(p2m_lookup_run(d, _gfn(gpfn + ok), total - ok, &t, &len), INVALID_MFN) ||
		    (!p2m_is_ram(t) && !p2m_is_foreign(t)))
			break;
		ok += len;
	}
	ok >>= order;
	if (ok == 0) {
		*rc = decrease_one(d, gpfn, order);
		return *rc ? 0 : 1;
	}
	/* As decrease_one(): small extents are released lazily. */
	hv->release_lazy = hv->cfg.lazy_release && order < P2M_ORDER_2M;
	*rc = mm_remove_range(d, _gfn(gpfn), ok * nr, &removed);
	hv->release_lazy = false;
	BUG_ON(*rc && *rc != -ENOMEM);
	/* On a failure the extent it hit may be partly removed, as with
	 * decrease_one(); the call stops there. */
	d->st.decreased += *rc ? removed : ok * nr;
	return *rc ? removed >> order : ok;
}

static int64_t reservation_op(struct hv *hv, struct domain *d, struct hv_hcall *hc, unsigned int op)
{
	struct xen_memory_reservation r;
	uint64_t start = hc->args[0] >> MEMOP_EXTENT_SHIFT, i;
	struct domain *t;
	int err = 0;

	if (copy_from_guest(d, &r, hc->args[1], sizeof(r)))
		return -EFAULT;
	if (r.extent_order > MEMOP_MAX_ORDER)
		return (int64_t)start;
	if (start >= r.nr_extents)
		return (int64_t)start;
	if (r.nr_extents > (UINT64_MAX >> MEMOP_EXTENT_SHIFT))
		return -EINVAL;
	t = domain_hcall_target(d, r.domid, &err);
	if (!t)
		return err;

	/* The extent list is read in chunks: one guest-access walk per chunk
	 * instead of one per extent. */
	xen_pfn_t chunk[MEMOP_CHUNK];
	uint64_t chunk_first = 0, chunk_nr = 0;

	for (i = start; i < r.nr_extents; i++) {
		xen_pfn_t gpfn = 0;
		int rc;

		if (i - start >= HCALL_PREEMPT_EVERY) {
			hc->args[0] = (hc->args[0] & MEMOP_CMD_MASK) | (i << MEMOP_EXTENT_SHIFT);
			return HV_HCALL_CONTINUE;
		}
		if (op != XENMEM_increase_reservation) {
			if (i >= chunk_first + chunk_nr) {
				uint64_t n = MIN((uint64_t)ARRAY_SIZE(chunk), r.nr_extents - i);

				chunk_first = i;
				/* A chunk that faults part-way is read one extent at a
				 * time, so the call stops exactly at the bad one. */
				chunk_nr = copy_from_guest(d, chunk, r.extent_start + i * sizeof(chunk[0]),
							   n * sizeof(chunk[0])) ? 0 : n;
			}
			if (chunk_nr)
				gpfn = chunk[i - chunk_first];
			else if (copy_from_guest_elem(d, &gpfn, r.extent_start, i))
				break;
		}
		if (chunk_nr && op != XENMEM_increase_reservation) {
			/* Not past the chunk, nor past the preemption point. */
			uint64_t left = MIN(chunk_first + chunk_nr - i, HCALL_PREEMPT_EVERY - (i - start));
			uint64_t run = run_length(t, &chunk[i - chunk_first], left, r.extent_order);

			if (run > 1) {
				uint64_t done;

				rc = 0;
				done = op == XENMEM_populate_physmap
					       ? populate_run(t, gpfn, run, r.extent_order, &rc)
					       : decrease_run(t, gpfn, run, r.extent_order, &rc);
				i += done;
				if (rc)
					break;
				i--; /* the loop's increment */
				continue;
			}
		}
		switch (op) {
		case XENMEM_populate_physmap:
			rc = populate_one(t, gpfn, r.extent_order);
			break;
		case XENMEM_decrease_reservation:
			rc = decrease_one(t, gpfn, r.extent_order);
			break;
		default: {
			/* Translated guests get no frame numbers back: the
			 * frames are allocated, assigned and left unmapped. */
			struct page_info *pg;

			if (t->flags & (DOMF_static | DOMF_directmap)) {
				rc = -EINVAL;
				break;
			}
			pg = mm_alloc_domheap(t, r.extent_order, &rc);
			(void)pg;
			break;
		}
		}
		if (rc)
			break;
	}
	return (int64_t)i;
}

static int64_t reservation_query(struct domain *d, struct hv_hcall *hc, unsigned int op)
{
	domid_t id;
	struct domain *t;
	int err = 0;

	if (copy_from_guest(d, &id, hc->args[1], sizeof(id)))
		return -EFAULT;
	t = domain_hcall_target(d, id, &err);
	if (!t)
		return err;
	/* Xen's domain_tot_pages: the hypervisor's extra frames do not count. */
	return (int64_t)(op == XENMEM_current_reservation ? t->tot_pages - t->extra_pages
							 : t->max_pages);
}

/* Moves the caller's own RAM frame at idx to gpfn (gmfn space). */
static int move_gmfn(struct domain *d, uint64_t idx, uint64_t gpfn)
{
	struct hv *hv = d->hv;
	p2m_type_t t;
	mfn_t mfn;
	int rc;

	if (gpfn >= d->p2m.max_gfn)
		return -EINVAL;
	mfn = p2m_lookup_ram(d, _gfn(idx), &t);
	if (mfn_eq(mfn, INVALID_MFN))
		return -EINVAL;
	if (idx == gpfn)
		return 0;
	if (d->flags & DOMF_directmap)
		return -EPERM; /* guest addresses must stay machine addresses */
	/* Whatever occupied the target is released first, as in Xen. */
	rc = mm_vacate_gfn(d, _gfn(gpfn));
	if (rc)
		return rc;
	rc = p2m_remove_range(d, _gfn(idx), 1);
	if (rc)
		return rc;
	rc = p2m_set_range(d, _gfn(gpfn), mfn, 1, t);
	if (rc) {
		/* Could not map it at the new place: the frame is unreachable. */
		mm_drop_allocation(hv, mfn_to_page(&hv->ft, mfn));
	}
	return rc;
}

static int64_t add_to_physmap(struct domain *d, struct hv_hcall *hc)
{
	struct xen_add_to_physmap x;
	struct domain *t;
	int err = 0, rc = 0;

	if (copy_from_guest(d, &x, hc->args[1], sizeof(x)))
		return -EFAULT;
	t = domain_hcall_target(d, x.domid, &err);
	if (!t)
		return err;
	switch (x.space) {
	case XENMAPSPACE_gmfn:
		return move_gmfn(t, x.idx, x.gpfn);
	case XENMAPSPACE_gmfn_range:
		while (x.size) {
			rc = move_gmfn(t, x.idx, x.gpfn);
			if (rc)
				break;
			x.idx++;
			x.gpfn++;
			x.size--;
		}
		/* Progress is written back so the caller sees where it stopped. */
		if (copy_to_guest(d, hc->args[1], &x, sizeof(x)))
			return -EFAULT;
		return rc;
	case XENMAPSPACE_grant_table:
		return mm_hooks.map_grant_frame(t, x.idx, x.gpfn);
	case XENMAPSPACE_shared_info:
		return mm_hooks.map_shared_info(t, x.idx, x.gpfn);
	case XENMAPSPACE_gmfn_foreign:
		return -EINVAL; /* batch call only */
	default:
		return -ENOSYS;
	}
}

static int64_t add_to_physmap_batch(struct domain *d, struct hv_hcall *hc)
{
	struct xen_add_to_physmap_batch b;
	struct domain *t, *fd = NULL;
	int err = 0, fd_err = 0;
	unsigned int done = 0;

	if (copy_from_guest(d, &b, hc->args[1], sizeof(b)))
		return -EFAULT;
	t = domain_hcall_target(d, b.domid, &err);
	if (!t)
		return err;
	if (b.space == XENMAPSPACE_gmfn_foreign) {
		/*
		 * Xen checks the foreign domain for every entry (in
		 * add_to_physmap_one): a missing or dying domain, the target's
		 * own memory, or missing privilege (of the target, which must
		 * be Dom0 or declared a backend of fd, not of the caller) are
		 * per-entry errors and the call itself succeeds.
		 */
		fd_err = foreign_resolve(d, t, b.u.foreign_domid, &fd);
	} else if (b.space == XENMAPSPACE_gmfn) {
		if (b.u.res0)
			return -EINVAL;
	} else {
		return b.space == XENMAPSPACE_gmfn_range ? -EINVAL : -ENOSYS;
	}

	while (b.size) {
		/* Entries are copied in chunks: one guest-access walk per chunk
		 * instead of three per entry. */
		xen_ulong_t idx[64];
		xen_pfn_t gpfn[64];
		int rcs[64];
		unsigned int n = MIN((unsigned int)b.size, (unsigned int)ARRAY_SIZE(idx));

		if (done >= HCALL_PREEMPT_EVERY) {
			/* Continue later with the rest: advance the handles. */
			if (copy_to_guest(d, hc->args[1], &b, sizeof(b)))
				return -EFAULT;
			return HV_HCALL_CONTINUE;
		}
		if (copy_from_guest(d, idx, b.idxs, n * sizeof(idx[0])) ||
		    copy_from_guest(d, gpfn, b.gpfns, n * sizeof(gpfn[0])))
			return -EFAULT;
		for (unsigned int k = 0; k < n; k++)
			rcs[k] = b.space != XENMAPSPACE_gmfn_foreign ? move_gmfn(t, idx[k], gpfn[k])
				 : fd_err ? fd_err : foreign_map_one(t, fd, idx[k], gpfn[k]);
		if (copy_to_guest(d, b.errs, rcs, n * sizeof(rcs[0])))
			return -EFAULT;
		b.idxs += n * sizeof(xen_ulong_t);
		b.gpfns += n * sizeof(xen_pfn_t);
		b.errs += n * sizeof(int);
		b.size = (uint16_t)(b.size - n);
		done += n;
	}
	return 0;
}

static int64_t remove_from_physmap(struct domain *d, struct hv_hcall *hc)
{
	struct xen_remove_from_physmap x;
	struct domain *t;
	int err = 0;

	if (copy_from_guest(d, &x, hc->args[1], sizeof(x)))
		return -EFAULT;
	t = domain_hcall_target(d, x.domid, &err);
	if (!t)
		return err;
	if (x.gpfn >= t->p2m.max_gfn)
		return -EINVAL;
	return mm_remove_gfn(t, _gfn(x.gpfn));
}

static int64_t memory_map(struct domain *d, struct hv_hcall *hc)
{
	struct xen_memory_map m;
	unsigned int n;

	if (copy_from_guest(d, &m, hc->args[1], sizeof(m)))
		return -EFAULT;
	n = MIN(m.nr_entries, d->nr_mem_banks);
	for (unsigned int i = 0; i < n; i++) {
		struct e820entry e = {.addr = d->mem_banks[i][0], .size = d->mem_banks[i][1],
				      .type = E820_RAM};

		if (copy_to_guest(d, m.buffer + (uint64_t)i * sizeof(e), &e, sizeof(e)))
			return -EFAULT;
	}
	m.nr_entries = n;
	if (copy_to_guest(d, hc->args[1], &m, sizeof(m)))
		return -EFAULT;
	return 0;
}

/*
 * XENMEM_acquire_resource (facts 6.3): the caller maps frames of another
 * domain's resource at GFNs of its own (a translated caller: frame_list
 * holds them; memvisor has no PV callers). Only IOREQ server frames today:
 * grant-table frames are hypervisor frames that no foreign leaf may hold
 * (-EOPNOTSUPP, as an unknown type). Size query: nr_frames 0 and a NULL
 * frame_list. Every frame is resolved before any is mapped; a mapping that
 * then fails gives -EIO and leaves the earlier ones for the caller to
 * unmap, as in Xen.
 */
#define ACQUIRE_MAX_FRAMES 32 /* Xen's chunk; more is never needed here */

static int64_t acquire_resource(struct domain *d, struct hv_hcall *hc)
{
	struct xen_mem_acquire_resource r;
	xen_pfn_t gfns[IOREQ_RESOURCE_MAX];
	mfn_t mfns[IOREQ_RESOURCE_MAX];
	struct domain *t;
	int rc;

	if (copy_from_guest(d, &r, hc->args[1], sizeof(r)))
		return -EFAULT;
	if (r.pad)
		return -EINVAL;
	t = domain_by_id(d->hv, r.domid == DOMID_SELF ? d->id : r.domid);
	if (!t || t->state == DOMS_dying)
		return -ESRCH;
	if (!domain_may_map(d, t))
		return -EPERM;
	if (r.type != XENMEM_resource_ioreq_server)
		return -EOPNOTSUPP;
	if (r.nr_frames == 0 && r.frame_list == 0) {
		r.nr_frames = IOREQ_RESOURCE_MAX;
		return copy_to_guest(d, hc->args[1] + offsetof(struct xen_mem_acquire_resource,
							       nr_frames),
				     &r.nr_frames, sizeof(r.nr_frames))
			       ? -EFAULT
			       : 0;
	}
	if (r.nr_frames > ACQUIRE_MAX_FRAMES)
		return -E2BIG;
	if (r.nr_frames > IOREQ_RESOURCE_MAX || r.frame > IOREQ_RESOURCE_MAX - r.nr_frames)
		return -EINVAL;
	if (r.nr_frames && copy_from_guest(d, gfns, r.frame_list, r.nr_frames * sizeof(gfns[0])))
		return -EFAULT;
	for (uint32_t i = 0; i < r.nr_frames; i++) {
		rc = mm_hooks.ioreq_frame(d, t, r.id, r.frame + i, &mfns[i]);
		if (rc)
			return rc;
	}
	for (uint32_t i = 0; i < r.nr_frames; i++)
		if (foreign_map_frame(d, t, mfns[i], gfns[i]))
			return -EIO;
	return 0;
}

int64_t do_memory_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	unsigned int op = (unsigned int)(hc->args[0] & MEMOP_CMD_MASK);
	bool takes_start = op == XENMEM_increase_reservation ||
			   op == XENMEM_decrease_reservation || op == XENMEM_populate_physmap;

	/* Only the reservation calls have a continuation start. */
	if (!takes_start && (hc->args[0] >> MEMOP_EXTENT_SHIFT))
		return -ENOSYS;
	switch (op) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation_op(hv, d, hc, op);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return reservation_query(d, hc, op);
	case XENMEM_maximum_ram_page: {
		/* Xen's max_page: one past the highest machine RAM frame (a
		 * frame count, whatever the header's wording); the argument
		 * is ignored and the call never fails (docs/abi.md). */
		const struct frame_bank *b = &hv->ft.banks[hv->ft.nr_banks - 1];

		return (int64_t)(mfn_x(b->start) + b->nr);
	}
	case XENMEM_add_to_physmap:
		return add_to_physmap(d, hc);
	case XENMEM_add_to_physmap_batch:
		return add_to_physmap_batch(d, hc);
	case XENMEM_remove_from_physmap:
		return remove_from_physmap(d, hc);
	case XENMEM_memory_map:
		return memory_map(d, hc);
	case XENMEM_acquire_resource:
		return acquire_resource(d, hc);
	default:
		return -ENOSYS;
	}
}
