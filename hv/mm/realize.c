/*
 * Realization batching: the core's side of realization (the backend's side
 * is struct hv_backend_ops, backend.h; the VMM's is vmm/realize.c).
 *
 * P2M changes and frame releases are queued here and handed to the
 * backend in coalesced runs (adjacent in GFN and MFN, same domain and
 * access, inside one RAM bank), at the latest when the current hypercall
 * returns. Ordering is kept where it matters: up to HV_PENDING_RUNS runs
 * wait in commit order, a new run joins an older one only when no run
 * queued in between touches the same GFNs of the same domain, and pending
 * unmaps reach the backend before the release or scrub of any frame.
 *
 * Locking (hv.h, docs/locking.md): everything here runs with hv->lock
 * held, except hv_realize_finish. A hypercall's last flush, when it holds
 * only P2M runs (no frame to release), is detached: hv_realize_detach
 * takes hv->rz_lock and moves the runs to hv->rz under hv->lock, and
 * hv_realize_finish hands them to the backend after hv->lock is dropped,
 * then drops rz_lock. Every other backend call passes hv_realize_quiesce
 * first (rz_lock taken and dropped with hv->lock held), which waits for a
 * detached flush still running. Since a detached flush can only start
 * under hv->lock, a thread that passed hv_realize_quiesce has the backend to
 * itself until it drops hv->lock: backend calls never overlap, and the
 * host sees them in hv->lock order, as if each had been made under it.
 */
#include <hv/hv.h>
#include <hv/page.h>
#include <hv/realize.h>

/* Where a run lies in machine RAM, so the backend need not ask the frame table. */
static uint64_t ram_off(const struct hv *hv, mfn_t mfn)
{
	uint64_t off;

	return frame_ram_offset(&hv->ft, mfn, &off) ? off : HV_RAM_OFF_NONE;
}

#define REALIZE_MAP_FAILED "a P2M change could not be realized"

/* Waits for a detached flush (hv->lock held): see the top of this file.
 * Domains whose detached map failed are crashed here, with both locks
 * held, before anything can free them (domain_finalise flushes first). */
void hv_realize_quiesce(struct hv *hv)
{
	HV_ASSERT_LOCKED(hv);
	pthread_mutex_lock(&hv->rz_lock);
	for (unsigned int i = 0; i < hv->rz.nr_failed; i++)
		hv_domain_crash(hv->rz.failed[i], REALIZE_MAP_FAILED);
	hv->rz.nr_failed = 0;
	pthread_mutex_unlock(&hv->rz_lock);
}

/* Hands one run to the backend (hv->rz_lock or, after realize_quiesce,
 * hv->lock held). False when a map could not be made. */
static bool backend_run(struct hv *hv, const struct hv_realize_run *r)
{
	const struct hv_backend_ops *be = hv->cfg.backend;

	if (mfn_eq(r->mfn, INVALID_MFN)) {
		if (be && be->unmap)
			be->unmap(hv->cfg.backend_ctx, r->d, r->gfn, r->nr);
		return true;
	}
	return !be || !be->map ||
	       !be->map(hv->cfg.backend_ctx, r->d, r->gfn, r->mfn, ram_off(hv, r->mfn), r->nr,
			r->access);
}

static void count_run(struct hv *hv, const struct hv_realize_run *r)
{
	if (mfn_eq(r->mfn, INVALID_MFN))
		hv->st.backend_unmaps++;
	else
		hv->st.backend_maps++;
}

static void flush_pending(struct hv *hv)
{
	hv_realize_quiesce(hv);
	/* In commit order: runs that touch the same GFNs stay ordered. */
	for (unsigned int i = 0; i < hv->nr_pending; i++) {
		struct hv_realize_run *r = &hv->pending[i];

		count_run(hv, r);
		if (!backend_run(hv, r))
			hv_domain_crash(r->d, REALIZE_MAP_FAILED);
	}
	hv->nr_pending = 0;
}

static bool unmap_pending(const struct hv *hv)
{
	for (unsigned int i = 0; i < hv->nr_pending; i++)
		if (mfn_eq(hv->pending[i].mfn, INVALID_MFN))
			return true;
	return false;
}

static void flush_release(struct hv *hv)
{
	const struct hv_backend_ops *be = hv->cfg.backend;

	for (unsigned int i = 0; i < hv->nr_release; i++) {
		hv->st.backend_releases++;
		hv->st.released_pages += hv->release[i].nr;
		if (be && be->release)
			be->release(hv->cfg.backend_ctx, hv->release[i].mfn,
				    ram_off(hv, hv->release[i].mfn), hv->release[i].nr);
	}
	hv->nr_release = 0;
}

/* The new run continues r: same domain and kind, adjacent in GFN (and in
 * MFN and access, inside one bank, for a map). */
static bool run_continues(const struct hv *hv, const struct hv_realize_run *r, struct domain *d,
			  gfn_t gfn, mfn_t mfn, uint64_t nr, enum hv_access access)
{
	bool unmap = mfn_eq(mfn, INVALID_MFN);

	return r->d == d && gfn_x(r->gfn) + r->nr == gfn_x(gfn) &&
	       mfn_eq(r->mfn, INVALID_MFN) == unmap &&
	       (unmap || (mfn_x(r->mfn) + r->nr == mfn_x(mfn) && r->access == access &&
			  frame_range_in_one_bank(&hv->ft, r->mfn, r->nr + nr)));
}

/*
 * Several runs are kept so that a batch whose elements alternate kinds
 * (an unmap of the old place, a map of the new: gmfn moves, maps over
 * occupied GFNs) still ends as one run of each kind. A new run may join
 * an older run only if no run queued after that one touches its GFNs in
 * the same domain: operations on one GFN keep their order.
 */
static void queue_run(struct hv *hv, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr,
		      enum hv_access access)
{
	HV_ASSERT_LOCKED(hv);
	for (unsigned int i = hv->nr_pending; i-- > 0;) {
		struct hv_realize_run *r = &hv->pending[i];

		if (run_continues(hv, r, d, gfn, mfn, nr, access)) {
			r->nr += nr;
			return;
		}
		if (r->d == d && gfn_x(r->gfn) < gfn_x(gfn) + nr && gfn_x(gfn) < gfn_x(r->gfn) + r->nr)
			break;
	}
	if (hv->nr_pending == HV_PENDING_RUNS)
		flush_pending(hv);
	hv->pending[hv->nr_pending++] = (struct hv_realize_run){d, gfn, mfn, nr, access};
}

void hv_realize_map(struct hv *hv, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr,
		    enum hv_access access)
{
	/* A run must be one memfd range: split at bank boundaries. */
	while (nr) {
		const struct frame_bank *b = frame_bank_of(&hv->ft, mfn);
		uint64_t n = nr;

		if (b && mfn_x(mfn) + n > mfn_x(b->start) + b->nr)
			n = mfn_x(b->start) + b->nr - mfn_x(mfn);
		queue_run(hv, d, gfn, mfn, n, access);
		gfn = gfn_add(gfn, (int64_t)n);
		mfn = mfn_add(mfn, (int64_t)n);
		nr -= n;
	}
}

void hv_realize_unmap(struct hv *hv, struct domain *d, gfn_t gfn, uint64_t nr)
{
	queue_run(hv, d, gfn, INVALID_MFN, nr, HV_ACCESS_RW);
}

void hv_realize_release(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	HV_ASSERT_LOCKED(hv);
	if (hv->nr_release) {
		typeof(hv->release[0]) *last = &hv->release[hv->nr_release - 1];

		if (mfn_x(last->mfn) + last->nr == mfn_x(mfn) &&
		    frame_range_in_one_bank(&hv->ft, last->mfn, last->nr + nr)) {
			last->nr += nr;
			return;
		}
	}
	/* A full batch goes out through hv_realize_flush(), not on its own:
	 * the unmaps still pending may be of these very frames. A frame
	 * punched while a guest window still maps it can be written again
	 * by the guest's other vCPUs, and its next owner would then get it
	 * with that data instead of zeroes. */
	if (hv->nr_release == HV_RELEASE_BATCH)
		hv_realize_flush(hv);
	hv->release[hv->nr_release].mfn = mfn;
	hv->release[hv->nr_release].nr = nr;
	hv->nr_release++;
}

void hv_realize_flush(struct hv *hv)
{
	/* Unmaps must reach the guest's window before the frames' host memory
	 * is released, so pending P2M runs go first. (flush_pending waits for
	 * a detached flush even with nothing pending: the callers rely on the
	 * backend being quiet after this, e.g. before a domain's window goes.) */
	flush_pending(hv);
	/* Frames released eagerly mean memory is going back to the host (a
	 * domain's destruction, a last reference): the lazy ones go with them,
	 * so that a teardown leaves nothing resident. */
	if (hv->nr_release && hv->lazy_pages)
		hv_realize_punch_lazy(hv);
	flush_release(hv);
}

/* Hands [mfn, mfn+nr) to the backend as one release (one memfd punch). */
static void release_now(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	const struct hv_backend_ops *be = hv->cfg.backend;

	hv->st.backend_releases++;
	hv->st.released_pages += nr;
	if (be && be->release)
		be->release(hv->cfg.backend_ctx, mfn, ram_off(hv, mfn), nr);
}

/* Punches the flagged frames of every listed run and empties the list. */
static void punch_runs(struct hv *hv)
{
	struct frame_table *ft = &hv->ft;

	/* The candidate runs may still be mapped by pending unmaps. */
	flush_pending(hv);
	for (unsigned int i = 0; i < hv->nr_lazy; i++) {
		mfn_t m = hv->lazy[i].mfn;
		uint64_t left = hv->lazy[i].nr;

		/* A run's frames may have been handed out (and scrubbed) since:
		 * punch only the sub-runs still flagged, which are free. */
		while (left) {
			uint64_t n = 0;

			while (n < left) {
				struct page_info *p = mfn_to_page(ft, mfn_add(m, (int64_t)n));

				if (!(p->flags & PGC_need_scrub))
					break;
				BUG_ON(p->state != PGS_free);
				p->flags &= ~PGC_need_scrub;
				n++;
			}
			if (n) {
				BUG_ON(hv->lazy_pages < n);
				hv->lazy_pages -= n;
				hv->st.lazy_punched_pages += n;
				release_now(hv, m, n);
			} else {
				n = 1; /* not flagged: skip it */
			}
			m = mfn_add(m, (int64_t)n);
			left -= n;
		}
	}
	hv->nr_lazy = 0;
}

void hv_realize_punch_lazy(struct hv *hv)
{
	punch_runs(hv);
	/* Every flagged frame lies in a listed run. */
	BUG_ON(hv->lazy_pages != 0);
}

void hv_realize_release_lazy(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	HV_ASSERT_LOCKED(hv);
	/* No frame is flagged: every listed run is stale (handed out and
	 * scrubbed since), so the list starts afresh instead of filling up
	 * and punching frames just freed. */
	if (!hv->lazy_pages)
		hv->nr_lazy = 0;
	hv->lazy_pages += nr;
	if (hv->nr_lazy) {
		typeof(hv->lazy[0]) *last = &hv->lazy[hv->nr_lazy - 1];

		if (mfn_x(last->mfn) + last->nr == mfn_x(mfn) &&
		    frame_range_in_one_bank(&hv->ft, last->mfn, last->nr + nr)) {
			last->nr += nr;
			goto check;
		}
	}
	if (hv->nr_lazy == HV_LAZY_RUNS) {
		/* The list is full: punch what it holds. The new frames are
		 * flagged already; if an old run covers them (they were handed
		 * out and freed again) they are punched now as well, and their
		 * run below is a stale candidate, which is harmless. */
		punch_runs(hv);
	}
	hv->lazy[hv->nr_lazy].mfn = mfn;
	hv->lazy[hv->nr_lazy].nr = nr;
	hv->nr_lazy++;
check:
	if (hv->lazy_pages > HV_LAZY_MAX_PAGES)
		hv_realize_punch_lazy(hv);
}

void hv_realize_scrub(struct hv *hv, mfn_t mfn, uint64_t nr)
{
	const struct hv_backend_ops *be = hv->cfg.backend;

	/* A pending unmap may be of these very frames: the old owner's
	 * window must lose them before they are zeroed, or its other vCPUs
	 * could write into the new owner's memory. Pending maps alone are
	 * not of freed frames. */
	if (unmap_pending(hv))
		flush_pending(hv);
	else
		hv_realize_quiesce(hv); /* or a detached unmap of them */
	BUG_ON(hv->lazy_pages < nr);
	hv->lazy_pages -= nr;
	hv->st.scrubbed_pages += nr;
	if (be && be->scrub)
		be->scrub(hv->cfg.backend_ctx, mfn, ram_off(hv, mfn), nr);
	else
		release_now(hv, mfn, nr);
}

bool hv_realize_detach(struct hv *hv)
{
	HV_ASSERT_LOCKED(hv);
	/* Nothing queued: nothing to wait for either (a call that changed no
	 * mapping does not queue behind another's host work). */
	if (!hv->nr_release && !hv->nr_pending)
		return false;
	/* Frames to release (and the lazy ones punched with them) must not
	 * be free for others to take before their host memory is gone: such
	 * a flush is done here, under hv->lock. */
	if (hv->nr_release) {
		hv_realize_flush(hv);
		return false;
	}
	/* Waits for the previous detached flush: the host keeps the order. */
	pthread_mutex_lock(&hv->rz_lock);
	for (unsigned int i = 0; i < hv->rz.nr_failed; i++)
		hv_domain_crash(hv->rz.failed[i], REALIZE_MAP_FAILED);
	hv->rz.nr_failed = 0;
	for (unsigned int i = 0; i < hv->nr_pending; i++) {
		count_run(hv, &hv->pending[i]);
		hv->rz.run[i] = hv->pending[i];
	}
	hv->rz.nr = hv->nr_pending;
	hv->nr_pending = 0;
	return true;
}

void hv_realize_finish(struct hv *hv)
{
	bool failed = false;

	/* hv->rz_lock held since hv_realize_detach, hv->lock not: the runs'
	 * domains stay allocated, as freeing one waits for rz_lock first. */
	for (unsigned int i = 0; i < hv->rz.nr; i++) {
		if (!backend_run(hv, &hv->rz.run[i])) {
			hv->rz.failed[hv->rz.nr_failed++] = hv->rz.run[i].d;
			failed = true;
		}
	}
	hv->rz.nr = 0;
	pthread_mutex_unlock(&hv->rz_lock);
	/* Rare (the host refused a mapping): crash the domain now rather than
	 * at the next flush. */
	if (failed) {
		hv_lock(hv);
		hv_realize_quiesce(hv);
		hv_unlock(hv);
	}
}
