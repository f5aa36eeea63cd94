/*
 * The grant tables' part of the audit: gnttab_audit_refs() recomputes, from
 * the maptrack records alone, the references, pins, P2M grant leaves and
 * IOMMU grant leaves the invariants of grant.c's design comment demand,
 * and reports the first difference.
 *
 * It reads and never changes: hv_audit() calls it after every operation,
 * failed ones too, under the hypervisor lock.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <hv/audit_report.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/hv.h>
#include <hv/iommu.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <public/grant_table.h>
#include <public/xen.h>

#include "grant_priv.h"

struct gaudit {
	struct hv *hv;
	struct domain *d;
	uint64_t grant_pages; /* grant-typed P2M pages of d */
	struct audit_report rep;
};

#define gfail(a, ...) audit_fail(&(a)->rep, __VA_ARGS__)

static int gaudit_leaf(void *ctx, gfn_t gfn, mfn_t mfn, unsigned int order, p2m_type_t t)
{
	struct gaudit *a = ctx;

	if (p2m_is_grant(t)) {
		a->grant_pages += 1ULL << order;
		return 0;
	}
	if (t == p2m_mmio)
		return 0;
	for (uint64_t i = 0; i < (1ULL << order); i++) {
		struct page_info *pg = mfn_to_page(&a->hv->ft, mfn_add(mfn, (int64_t)i));

		if (pg && (pg->flags & PGC_xen) && (pg->owner != a->d->id || !p2m_is_ram(t)))
			return gfail(a, "d%u gfn %" PRI_gfn " maps hypervisor frame %" PRI_mfn
				     " (owner d%u) as %s", a->d->id, gfn_x(gfn) + i,
				     mfn_x(mfn) + i, pg->owner, p2m_type_name(t));
	}
	return 0;
}

static int gaudit_domain(struct gaudit *a, struct domain *d, uint32_t *refs, uint64_t *xen_frames)
{
	struct hv *hv = a->hv;
	struct gnttab *gt = d->gnttab;
	uint64_t mapped = 0, dev_maps = 0;

	if (!gt)
		return gfail(a, "d%u has no grant table", d->id);
	if (gt->nr_frames > gt->max_frames)
		return gfail(a, "d%u has %u grant frames, limit %u", d->id, gt->nr_frames,
			     gt->max_frames);
	for (unsigned int i = 0; i < gt->nr_frames; i++) {
		struct page_info *pg = mfn_to_page(&hv->ft, gt->frames[i]);

		if (!pg || pg->state != PGS_inuse || !(pg->flags & PGC_xen) || pg->owner != d->id ||
		    pg->count || pg->type_count || pg->list != PGL_NONE)
			return gfail(a, "d%u grant frame %u (mfn %" PRI_mfn ") is not a shared hypervisor frame",
				     d->id, i, mfn_x(gt->frames[i]));
	}
	*xen_frames += gt->nr_frames;

	/* Each record in use: a pinned active entry of its granter, one ref. */
	for (uint32_t h = 0; h < gt->nr_maps_alloc; h++) {
		struct gnttab_map *m = &gt->maps[h];
		struct domain *rd;
		struct gnttab_active *act;
		struct page_info *pg;

		if (!m->in_use)
			continue;
		mapped++;
		if (gfn_eq(m->gfn, INVALID_GFN) && bfn_eq(m->bfn, INVALID_BFN))
			return gfail(a, "d%u handle %u has neither a host nor a device map", d->id, h);
		if (!bfn_eq(m->bfn, INVALID_BFN)) {
			mfn_t bm;
			bool w;

			dev_maps++;
			if (iommu_grant_lookup(d, m->bfn, &bm, &w) || !mfn_eq(bm, m->mfn) ||
			    w == m->readonly)
				return gfail(a, "d%u handle %u: bfn %" PRI_bfn " is not its %s device map of mfn %"
					     PRI_mfn, d->id, h, bfn_x(m->bfn),
					     m->readonly ? "read-only" : "writeable", mfn_x(m->mfn));
		}
		rd = domain_by_id(hv, m->granter);
		if (!rd || !rd->gnttab || rd == d)
			return gfail(a, "d%u handle %u names missing or own granter d%u", d->id, h,
				     m->granter);
		if (m->ref >= gnttab_nr_entries(rd->gnttab))
			return gfail(a, "d%u handle %u: ref %u beyond d%u's table", d->id, h, m->ref,
				     rd->id);
		act = &rd->gnttab->active[m->ref];
		if (!(m->readonly ? act->ro_pins : act->rw_pins) || act->mapper != d->id ||
		    !mfn_eq(act->mfn, m->mfn))
			return gfail(a, "d%u handle %u: d%u ref %u is not pinned for it", d->id, h,
				     rd->id, m->ref);
		pg = mfn_to_page(&hv->ft, m->mfn);
		if (!pg || pg->state != PGS_inuse || pg->owner != rd->id || (pg->flags & PGC_xen))
			return gfail(a, "d%u handle %u maps mfn %" PRI_mfn " not owned by d%u", d->id,
				     h, mfn_x(m->mfn), rd->id);
		refs[page_to_pdx(&hv->ft, pg)]++;
		if (d->p2m.root && !gfn_eq(m->gfn, INVALID_GFN)) {
			p2m_type_t t;
			mfn_t got = p2m_lookup(d, m->gfn, &t, NULL);

			if (!mfn_eq(got, m->mfn) ||
			    t != (m->readonly ? p2m_grant_map_ro : p2m_grant_map_rw))
				return gfail(a, "d%u handle %u: gfn %" PRI_gfn " does not map mfn %" PRI_mfn
					     " as %s", d->id, h, gfn_x(m->gfn), mfn_x(m->mfn),
					     m->readonly ? "grant_map_ro" : "grant_map_rw");
		}
	}
	if (mapped != gt->maps_in_use)
		return gfail(a, "d%u counts %u grant maps but holds %" PRIu64, d->id, gt->maps_in_use,
			     mapped);
	/* Each grant bus leaf belongs to one handle (distinct BFNs). */
	if (dev_maps != iommu_grant_count(d))
		return gfail(a, "d%u has %" PRIu64 " grant device maps but %" PRIu64 " grant bus leaves",
			     d->id, dev_maps, iommu_grant_count(d));

	/* Pins add up to the records naming each entry: one pass over every
	 * mapper's records (a maptrack can hold 262,144 of them). The record
	 * loop above already checked each record's entry names its mapper. */
	if (gnttab_nr_entries(gt)) {
		uint32_t (*cnt)[2] = calloc(gnttab_nr_entries(gt), sizeof(*cnt));

		if (!cnt)
			return gfail(a, "d%u: no memory to count pins", d->id);
		for (struct domain *md = hv->domains; md; md = md->next) {
			if (md == d || !md->gnttab)
				continue;
			for (uint32_t h = 0; h < md->gnttab->nr_maps_alloc; h++) {
				struct gnttab_map *m = &md->gnttab->maps[h];

				if (m->in_use && m->granter == d->id && m->ref < gnttab_nr_entries(gt))
					cnt[m->ref][m->readonly ? 0 : 1]++;
			}
		}
		for (uint32_t r = 0; r < gnttab_nr_entries(gt); r++) {
			struct gnttab_active *act = &gt->active[r];

			if ((act->ro_pins || act->rw_pins) && !domain_by_id(hv, act->mapper)) {
				free(cnt);
				return gfail(a, "d%u ref %u pinned by missing d%u", d->id, r, act->mapper);
			}
			if (cnt[r][0] != act->ro_pins || cnt[r][1] != act->rw_pins) {
				uint32_t ro = cnt[r][0], rw = cnt[r][1];

				free(cnt);
				return gfail(a, "d%u ref %u pins %u/%u but d%u holds %u/%u maps", d->id, r,
					     act->ro_pins, act->rw_pins, act->mapper, ro, rw);
			}
		}
		free(cnt);
	}

	/* The P2M holds exactly the host maps, and table frames only of d. */
	if (d->p2m.root) {
		uint64_t host_maps = 0;

		for (uint32_t h = 0; h < gt->nr_maps_alloc; h++)
			if (gt->maps[h].in_use && !gfn_eq(gt->maps[h].gfn, INVALID_GFN))
				host_maps++;
		a->d = d;
		a->grant_pages = 0;
		p2m_for_each_leaf(d, gaudit_leaf, a);
		if (a->rep.failed)
			return -1;
		if (a->grant_pages != host_maps)
			return gfail(a, "d%u P2M has %" PRIu64 " grant pages but %" PRIu64 " host maps",
				     d->id, a->grant_pages, host_maps);
	}
	return 0;
}

int gnttab_audit_refs(struct hv *hv, uint32_t *refs, char *buf, size_t len)
{
	struct gaudit a = {.hv = hv, .rep = {.buf = buf, .len = len}};
	uint64_t xen_frames = 0, seen = 0;

	for (struct domain *d = hv->domains; d; d = d->next)
		if (gaudit_domain(&a, d, refs, &xen_frames))
			return -1;
	/* No hypervisor frame shared with a domain outside its table. */
	for (uint64_t pdx = 0; pdx < hv->ft.nr_pages; pdx++) {
		struct page_info *pg = &hv->ft.pages[pdx];

		if (pg->state == PGS_inuse && (pg->flags & PGC_xen) && pg->owner != DOMID_XEN)
			seen++;
	}
	/* The other shared hypervisor frames are the shared_info pages. */
	xen_frames += evtchn_nr_shared_frames(hv);
	if (seen != xen_frames)
		return gfail(&a, "%" PRIu64 " shared hypervisor frames but grant tables hold %" PRIu64,
			     seen, xen_frames);
	return 0;
}
