/*
 * The hypervisor instance: set-up, logging, locking, realization batching.
 *
 * Realization batching: P2M changes and frame releases are queued here and
 * handed to the backend in coalesced runs (adjacent in GFN and MFN, same
 * domain and access), at the latest when the current hypercall returns.
 * Ordering is kept: a queued run of one kind is flushed before a run of
 * another kind or domain is queued.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hv/diag.h>
#include <hv/hv.h>
#include <hv/mm.h>
#include <public/xen.h>

void hv_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "memvisor: hypervisor bug at %s:%d: %s\n", file, line, cond);
	abort();
}

void hv_log(struct hv *hv, enum hv_log_level lvl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!hv->cfg.log || lvl > hv->cfg.log_level)
		return;
	va_start(ap, fmt);
	diag_vfmt(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hv->cfg.log(hv->cfg.log_ctx, lvl, buf);
}

void hv_lock(struct hv *hv) { pthread_mutex_lock(&hv->lock); }
void hv_unlock(struct hv *hv) { pthread_mutex_unlock(&hv->lock); }

bool hv_failinject_hit(struct hv *hv)
{
#ifdef HV_FAILINJECT
	hv->fi_calls++;
	if (hv->fi_nth && hv->fi_calls == hv->fi_nth) {
		hv->fi_failed++;
		return true;
	}
#else
	(void)hv;
#endif
	return false;
}

void *hv_malloc(struct hv *hv, size_t sz)
{
	if (hv_failinject_hit(hv))
		return NULL;
	return malloc(sz);
}

void *hv_calloc(struct hv *hv, size_t n, size_t sz)
{
	if (hv_failinject_hit(hv))
		return NULL;
	return calloc(n, sz);
}

void *hv_realloc(struct hv *hv, void *p, size_t sz)
{
	if (hv_failinject_hit(hv))
		return NULL;
	return realloc(p, sz);
}

void hv_free(void *p) { free(p); }

void *hv_alloc_table(struct hv *hv)
{
	void *t;

	if (hv_failinject_hit(hv))
		return NULL;
	t = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (t)
		memset(t, 0, PAGE_SIZE);
	return t;
}

int hv_init(struct hv *hv, const struct hv_config *cfg)
{
	int rc;

	memset(hv, 0, sizeof(*hv));
	hv->cfg = *cfg;
	if (!hv->cfg.gpaddr_bits)
		hv->cfg.gpaddr_bits = HV_DEFAULT_GPADDR_BITS;
	if (!hv->cfg.gnttab_max_frames)
		hv->cfg.gnttab_max_frames = 64;
	pthread_mutex_init(&hv->lock, NULL);
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		hv->boot_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	}
	rc = frame_table_init(&hv->ft, (const paddr_t(*)[2])cfg->banks, cfg->nr_banks, cfg->ram_va);
	if (rc)
		return rc;
	heap_init(hv);
	for (unsigned int i = 0; i < hv->ft.nr_banks; i++)
		heap_add_range(hv, hv->ft.banks[i].start, hv->ft.banks[i].nr);
	hv->next_domid = 1;
	hv_info(hv, "memvisor: %u RAM bank(s), %" PRIu64 " MiB, %" PRIu64 " bytes of frame table",
		hv->ft.nr_banks, hv->heap.total_pages >> 8,
		hv->ft.nr_pages * (uint64_t)sizeof(struct page_info));
	return 0;
}

void hv_destroy(struct hv *hv)
{
	hv_lock(hv);
	/* Destroying every live domain drops every mapping, so the zombies
	 * (dying domains whose frames others still mapped) go with them. */
	for (struct domain *d = hv->domains, *n; d; d = n) {
		n = d->next;
		if (d->state != DOMS_dying)
			domain_destroy(d);
		/* domain_destroy may free d and any zombie: restart the walk. */
		n = hv->domains;
		while (n && n->state == DOMS_dying)
			n = n->next;
	}
	BUG_ON(hv->domains);
	hv_realize_flush(hv);
	hv_unlock(hv);
	frame_table_destroy(&hv->ft);
	pthread_mutex_destroy(&hv->lock);
}

/* Where a run lies in machine RAM, so the backend need not ask the frame table. */
static uint64_t ram_off(const struct hv *hv, mfn_t mfn)
{
	uint64_t off;

	return frame_ram_offset(&hv->ft, mfn, &off) ? off : HV_RAM_OFF_NONE;
}

static void flush_pending(struct hv *hv)
{
	struct hv_realize_run *r = &hv->pending;
	const struct hv_backend_ops *be = hv->cfg.backend;

	if (!r->nr)
		return;
	if (mfn_eq(r->mfn, INVALID_MFN)) {
		hv->st.backend_unmaps++;
		if (be && be->unmap)
			be->unmap(hv->cfg.backend_ctx, r->d, r->gfn, r->nr);
	} else {
		hv->st.backend_maps++;
		if (be && be->map) {
			int rc = be->map(hv->cfg.backend_ctx, r->d, r->gfn, r->mfn,
					 ram_off(hv, r->mfn), r->nr, r->access);

			if (rc)
				hv_domain_crash(r->d, "a P2M change could not be realized");
		}
	}
	r->nr = 0;
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

static void queue_run(struct hv *hv, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr,
		      enum hv_access access)
{
	struct hv_realize_run *r = &hv->pending;
	bool unmap = mfn_eq(mfn, INVALID_MFN);

	if (r->nr && r->d == d && gfn_x(r->gfn) + r->nr == gfn_x(gfn) &&
	    mfn_eq(r->mfn, INVALID_MFN) == unmap &&
	    (unmap || (mfn_x(r->mfn) + r->nr == mfn_x(mfn) && r->access == access &&
		       frame_range_in_one_bank(&hv->ft, r->mfn, r->nr + nr)))) {
		r->nr += nr;
		return;
	}
	flush_pending(hv);
	*r = (struct hv_realize_run){d, gfn, mfn, nr, access};
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
	 * is released, so pending P2M runs go first. */
	flush_pending(hv);
	flush_release(hv);
}

void hv_domain_crash(struct domain *d, const char *why)
{
	struct hv *hv = d->hv;

	if (d->state == DOMS_running) {
		d->state = DOMS_shutdown;
		d->shutdown_reason = SHUTDOWN_crash;
		snprintf(d->crash_why, sizeof(d->crash_why), "%s", why);
	}
	hv->st.domain_crashes++;
	hv_err(hv, "d%u crashed: %s", d->id, why);
}
