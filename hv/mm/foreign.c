/*
 * Foreign mapping: a domain maps frames of another domain's RAM into its
 * own P2M (XENMEM_add_to_physmap_batch, XENMAPSPACE_gmfn_foreign).
 *
 * Design: the system description decides who may map whom (Dom0 anyone,
 * another domain only those its system-DT node names as backend-for, in
 * d->targets); the foreign domain is looked up once per batch and a
 * refusal becomes every entry's error, as in Xen where each entry checks
 * it. Each entry is independent: one that fails leaves the others done.
 *
 * Invariants:
 * - A foreign leaf (p2m_foreign_rw/ro) holds exactly one general reference
 *   on its frame, taken before the P2M changes; the reference goes with the
 *   leaf (mm_remove_gfn, the mapper's destruction), which the audit checks
 *   by recounting every frame.
 * - Only RAM of the foreign domain is mapped: never a foreign, grant or
 *   MMIO leaf of it, and never a grant-table frame (nobody can take a
 *   reference on a PGC_xen frame). A read-only source gives a read-only
 *   leaf.
 * - A dying domain is never a new source; frames already mapped keep their
 *   owner alive as a zombie until the last reference goes.
 */
#include <errno.h>

#include <hv/hv.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <public/xen.h>

#include "foreign.h"

int foreign_resolve(struct domain *caller, struct domain *t, domid_t foreign_domid,
		    struct domain **fd)
{
	struct domain *f;

	f = domain_by_id(caller->hv, foreign_domid == DOMID_SELF ? caller->id : foreign_domid);
	*fd = f;
	if (!f || f->state == DOMS_dying)
		return -ESRCH;
	if (f == t)
		return -EINVAL;
	/* The target's privilege counts, not the caller's. */
	if (!domain_may_map(t, f))
		return -EPERM;
	return 0;
}

/* Records a foreign map at gpfn in d's statistics (struct domain_stats):
 * appended to the run it continues, else a new run while there is room. */
static void log_foreign(struct domain *d, uint64_t gpfn)
{
	struct domain_stats *st = &d->st;

	st->foreign_mapped++;
	for (unsigned int i = st->nr_foreign_runs; i-- > 0;) {
		struct domain_gfn_run *r = &st->foreign_runs[i];

		if (gpfn == r->start + r->n) {
			r->n++;
			return;
		}
		if (gpfn + 1 == r->start) {
			r->start--;
			r->n++;
			return;
		}
		if (gpfn >= r->start && gpfn < r->start + r->n)
			return; /* mapped there again */
	}
	if (st->nr_foreign_runs == DOMAIN_FOREIGN_RUNS) {
		st->foreign_unlogged++;
		return;
	}
	st->foreign_runs[st->nr_foreign_runs++] = (struct domain_gfn_run){gpfn, 1};
}

/* Maps mfn (pg, on which the caller took a reference for the mapping) at
 * gpfn of d as t; on failure the reference is dropped. Whatever the mapper
 * had at gpfn is released first, as in Xen. */
static int map_referenced(struct domain *d, struct page_info *pg, mfn_t mfn, uint64_t gpfn,
			  p2m_type_t t)
{
	int rc = mm_vacate_gfn(d, _gfn(gpfn));

	if (!rc)
		rc = p2m_set_range(d, _gfn(gpfn), mfn, 1, t);
	if (rc) {
		mm_put_page(d->hv, pg);
		return rc;
	}
	log_foreign(d, gpfn);
	return 0;
}

int foreign_map_one(struct domain *d, struct domain *fd, uint64_t idx, uint64_t gpfn)
{
	p2m_type_t t;
	mfn_t mfn;
	struct page_info *pg;

	if (gpfn >= d->p2m.max_gfn)
		return -EINVAL;
	mfn = p2m_lookup_ram(fd, _gfn(idx), &t);
	if (mfn_eq(mfn, INVALID_MFN))
		return -EINVAL;
	pg = mfn_to_page(&d->hv->ft, mfn);
	if (!pg || !mm_get_page(pg, fd))
		return -EINVAL;
	return map_referenced(d, pg, mfn, gpfn, t == p2m_ram_rw ? p2m_foreign_rw : p2m_foreign_ro);
}

int foreign_map_frame(struct domain *d, struct domain *fd, mfn_t mfn, uint64_t gpfn)
{
	struct page_info *pg = mfn_to_page(&d->hv->ft, mfn);
	int rc;

	if (gpfn >= d->p2m.max_gfn)
		return -EINVAL;
	if (!pg || (pg->flags & PGC_xen) || !mm_get_page(pg, fd))
		return -EINVAL;
	rc = map_referenced(d, pg, mfn, gpfn, p2m_foreign_rw);
	d->st.foreign_resource += !rc;
	return rc;
}
