/*
 * Domain lifecycle.
 *
 * Design: a domain is created empty and given memory by the builder or by
 * hypercalls. Destruction first removes everything the domain maps (its
 * own RAM and the references its foreign, grant and IOMMU maps hold on
 * other domains' frames), then drops the allocation reference of every
 * frame it owns. Frames someone else still references stay owned (and
 * counted in tot_pages) until the last reference goes; until then the
 * domain lingers as a "zombie" in DOMS_dying, like Xen's dying domains.
 *
 * Instance set-up and teardown are here too: hv_destroy destroys every
 * domain. This is the layer above the subsystems (scripts/
 * check-imports.py): a subsystem with per-domain state gets one set-up
 * call in domain_create (with its unwind label) and one teardown call in
 * domain_destroy (mappings that hold references on other domains' frames)
 * or domain_finalise (state that must outlive the domain's last frame).
 *
 * Invariants: see struct domain in hv.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hv/domain.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/heap.h>
#include <hv/iommu.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/realize.h>
#include <hv/staticmem.h>
#include <hv/vec.h>
#include <public/xen.h>

static bool domid_in_use(struct hv *hv, domid_t id)
{
	return domain_by_id(hv, id) != NULL;
}

struct domain *domain_create(struct hv *hv, const struct domain_config *cfg, int *err)
{
	struct domain *d;
	int rc;
	domid_t id;

	if (cfg->max_vcpus > DOMAIN_MAX_VCPUS) {
		rc = -EINVAL;
		goto err_out;
	}
	if (cfg->domid >= 0) {
		if (cfg->domid >= (int)DOMID_FIRST_RESERVED || domid_in_use(hv, (domid_t)cfg->domid)) {
			rc = -EEXIST;
			goto err_out;
		}
		id = (domid_t)cfg->domid;
	} else {
		unsigned int tries = 0;

		while (domid_in_use(hv, hv->next_domid) && tries++ < DOMID_FIRST_RESERVED)
			hv->next_domid = (domid_t)(hv->next_domid % (DOMID_FIRST_RESERVED - 1) + 1);
		if (domid_in_use(hv, hv->next_domid)) {
			rc = -ENOSPC;
			goto err_out;
		}
		id = hv->next_domid;
		hv->next_domid = (domid_t)(hv->next_domid % (DOMID_FIRST_RESERVED - 1) + 1);
	}

	d = hv_calloc(hv, 1, sizeof(*d));
	if (!d) {
		rc = -ENOMEM;
		goto err_out;
	}
	d->hv = hv;
	d->id = id;
	d->flags = cfg->flags;
	d->max_pages = cfg->max_pages;
	d->gnttab_max_frames = cfg->gnttab_max_frames;
	d->evtchn_max_ports = cfg->evtchn_max_ports;
	d->toolstack_created = cfg->toolstack;
	/* Xen's domain_create "leaks" one controller pause for the toolstack
	 * to undo; boot-built domains are started by the builder instead. */
	d->pause_count = cfg->toolstack ? 1 : 0;
	d->creation_finished = !cfg->toolstack;
	d->nr_vcpus = cfg->max_vcpus ? cfg->max_vcpus : 1;
	snprintf(d->name, sizeof(d->name), "%s", cfg->name ? cfg->name : "");
	page_list_init(&d->page_list);
	page_list_init(&d->resv_list);

	rc = p2m_init(d, cfg->gpaddr_bits ? cfg->gpaddr_bits : hv->cfg.gpaddr_bits);
	if (rc)
		goto err_free;
	rc = gnttab_domain_init(d);
	if (rc)
		goto err_p2m;
	rc = evtchn_domain_init(d);
	if (rc)
		goto err_gnttab;
	if (hv->cfg.backend && hv->cfg.backend->domain_create) {
		hv_realize_quiesce(hv); /* the backend is used by one at a time */
		rc = hv->cfg.backend->domain_create(hv->cfg.backend_ctx, d);
		if (rc)
			goto err_evtchn;
	}
	d->next = hv->domains;
	hv->domains = d;
	hv_info(hv, "d%u (%s) created", d->id, d->name);
	*err = 0;
	return d;

err_evtchn:
	evtchn_domain_free(d);
err_gnttab:
	gnttab_domain_destroy(d);
err_p2m:
	p2m_teardown(d);
err_free:
	hv_free(d);
err_out:
	*err = rc;
	return NULL;
}

struct leaf_vec {
	struct { gfn_t gfn; mfn_t mfn; uint64_t nr; p2m_type_t t; } *v;
	size_t n, cap;
	bool oom;
};

static int collect_leaf(void *ctx, gfn_t gfn, mfn_t mfn, unsigned int order, p2m_type_t t)
{
	struct leaf_vec *lv = ctx;

	if (!p2m_is_foreign(t))
		return 0;
	/* Plain realloc, not hv_realloc: destruction cannot fail (see below). */
	if (VEC_RESERVE(lv->v, lv->cap, lv->n + 1, 64)) {
		lv->oom = true;
		return 1;
	}
	lv->v[lv->n].gfn = gfn;
	lv->v[lv->n].mfn = mfn;
	lv->v[lv->n].nr = 1ULL << order;
	lv->v[lv->n].t = t;
	lv->n++;
	return 0;
}

/* Drops the references this domain's foreign maps hold. */
static void relinquish_foreign(struct domain *d)
{
	struct hv *hv = d->hv;
	struct leaf_vec lv = {0};

	p2m_for_each_leaf(d, collect_leaf, &lv);
	/* Destruction cannot fail; without memory to list the leaves we
	 * would leak references, which the audit would then report. */
	BUG_ON(lv.oom);
	for (size_t i = 0; i < lv.n; i++)
		for (uint64_t k = 0; k < lv.v[i].nr; k++)
			mm_put_page(hv, mfn_to_page(&hv->ft, mfn_add(lv.v[i].mfn, (int64_t)k)));
	free(lv.v);
}

void domain_destroy(struct domain *d)
{
	struct hv *hv = d->hv;
	struct page_info *pg, *next;

	if (d->state == DOMS_dying)
		return;
	d->state = DOMS_dying;
	d->relinquishing = true;

	/* Event channels first: peers' ports go back to unbound and sleeping
	 * vCPUs wake, before any memory goes. */
	evtchn_domain_destroy(d);
	/* Mappings first: they hold references on other domains' frames. */
	iommu_domain_destroy(d);
	gnttab_relinquish(d);
	relinquish_foreign(d);
	hv_realize_flush(hv);
	p2m_teardown(d);
	if (hv->cfg.backend && hv->cfg.backend->domain_destroy)
		hv->cfg.backend->domain_destroy(hv->cfg.backend_ctx, d);
	d->backend_priv = NULL;

	/* Then the allocation reference of every frame the domain owns. */
	for (pg = page_list_first(&hv->ft, &d->page_list); pg; pg = next) {
		next = page_list_next(&hv->ft, pg);
		if (pg->flags & PGC_allocated)
			mm_drop_allocation(hv, pg);
	}
	d->relinquishing = false;
	hv_info(hv, "d%u (%s) destroyed%s", d->id, d->name,
		d->tot_pages ? ", frames still referenced by others" : "");
	if (d->tot_pages == 0)
		domain_finalise(d);
}

void domain_finalise(struct domain *d)
{
	struct hv *hv = d->hv;

	if (d->relinquishing || d->hcall_pins)
		return; /* the last of them finalises */
	BUG_ON(d->tot_pages || d->state != DOMS_dying);
	hv_realize_flush(hv);
	/* Static frames stay free and static on no list: unusable until the
	 * system is restarted, like Xen. */
	staticmem_retire(d);
	gnttab_domain_destroy(d);
	evtchn_domain_free(d);
	for (struct domain **pp = &hv->domains; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	hv_free(d);
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
	pthread_mutex_init(&hv->rz_lock, NULL);
	{
		pthread_condattr_t ca; /* feeders of the console input wait on it */

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&hv->conin_space, &ca);
		pthread_condattr_destroy(&ca);
	}
	{
		struct timespec ts; /* system time 0 (hv_system_time) */

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
	pthread_mutex_destroy(&hv->rz_lock);
	pthread_cond_destroy(&hv->conin_space);
	pthread_mutex_destroy(&hv->lock);
}
