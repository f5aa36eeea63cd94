/*
 * Grant tables v1: the hypervisor side.
 *
 * Design:
 * - Table frames are heap frames the hypervisor keeps (PGC_xen) and shares
 *   with one domain: owner = that domain, count 0, never on its page list,
 *   never counted in tot_pages (Xen counts them as xenheap, not domheap).
 *   Nobody can take a reference on them (mm_get_page refuses count 0), so
 *   they cannot be foreign- or grant-mapped by others and can be freed
 *   unconditionally when their domain is finalised. They are allocated on
 *   first use (setup_table or add_to_physmap), up to gnttab_max_frames, and
 *   the domain maps each one as p2m_ram_rw wherever it asks, normally in
 *   region 0. The guest may also move or remove them with the ordinary
 *   physmap calls; frame_gfn[] is therefore a hint, always re-checked
 *   against the P2M before use.
 * - Entries are read and updated in place through frame_va(): the granter
 *   writes domid/frame/flags, the hypervisor only ever sets or clears
 *   GTF_reading / GTF_writing, atomically, because the guest may change the
 *   same 16-bit word concurrently.
 * - Per granter entry an "active" record counts the mappings made from it
 *   (read-only and writeable pins), the mapper's id and the frame, fixed
 *   when the first pin was taken (later changes to the entry's frame do
 *   not move existing maps, as in Xen).
 * - Per mapper a maptrack array: one record per handle (granter, ref,
 *   read-only or not, the frame, and its two parts: the GFN of the host
 *   map and the BFN of the device map, PV IOMMU; either may be absent).
 *   Unmap removes the parts it names (Xen's rule) and frees the record
 *   with its last part. Unmap and destruction use only this record, never
 *   the caller's flags, so a read-only unmap can never drop a writeable
 *   pin (the XSA-224 class).
 *
 * Invariants (checked by gnttab_audit_refs, audit.c):
 * - every maptrack record in use holds exactly one reference on its frame,
 *   the frame is owned by the granter, and the granter's active record for
 *   that ref is pinned by this mapper with the same frame;
 * - per granter, sum of read-only (writeable) pins == number of read-only
 *   (writeable) maptrack records naming it;
 * - every record in use has a host or a device part;
 * - a live mapper's P2M maps each record's GFN to its frame with
 *   p2m_grant_map_ro/rw, and holds no other grant leaves;
 * - its IOMMU context maps each record's BFN to its frame with a grant
 *   leaf of the same access (holding the IOMMU's own reference), and holds
 *   no other grant leaves;
 * - every PGC_xen frame owned by a domain is one of that domain's table
 *   frames, and is never mapped by another domain.
 * - a granter stays (as a dying zombie) while any of its frames is mapped,
 *   because each map holds a reference on a frame it owns; so a maptrack
 *   record's granter always exists.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/grant.h>
#include <hv/guest_access.h>
#include <hv/hcall.h>
#include <hv/heap.h>
#include <hv/hv.h>
#include <hv/iommu.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/xen.h>

#include "grant_priv.h"

/* Bits of the command word above the sub-op (Xen's continuation argument,
 * used only by cache_flush, which memvisor does not implement). */
#define GNTTAB_CMD_MASK 0xfffu

/* A pin counter may not grow past this (Xen refuses at 0x80 per counter). */
#define GNTTAB_PIN_LIMIT 0x80u

#define MT_NONE UINT32_MAX /* no maptrack record: end of the free list */

/* ------------------------------------------------------------------ */
/* Table frames                                                        */

static struct grant_entry_v1 *entry_of(struct hv *hv, struct gnttab *gt, grant_ref_t ref)
{
	struct grant_entry_v1 *base = frame_va(&hv->ft, gt->frames[ref / GNTTAB_ENTRIES_PER_FRAME]);

	return &base[ref % GNTTAB_ENTRIES_PER_FRAME];
}

static void free_table_frame(struct hv *hv, mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(&hv->ft, mfn);

	BUG_ON(!pg || !(pg->flags & PGC_xen) || pg->count);
	pg->flags &= ~PGC_xen;
	pg->owner = DOMID_INVALID;
	heap_free(hv, pg, 0);
}

/* Grows d's table to `want` frames. 0 or -ENOMEM; on error nothing changed. */
static int grow_table(struct domain *d, unsigned int want)
{
	struct hv *hv = d->hv;
	struct gnttab *gt = d->gnttab;
	struct gnttab_active *act;
	unsigned int i;

	BUG_ON(want > gt->max_frames);
	if (want <= gt->nr_frames)
		return 0;
	act = hv_calloc(hv, (size_t)want * GNTTAB_ENTRIES_PER_FRAME, sizeof(*act));
	if (!act)
		return -ENOMEM;
	for (i = gt->nr_frames; i < want; i++) {
		struct page_info *pg = heap_alloc(hv, 0);

		if (!pg)
			goto err_frames;
		pg->flags |= PGC_xen;
		pg->owner = d->id;
		gt->frames[i] = page_to_mfn(&hv->ft, pg);
		gt->frame_gfn[i] = INVALID_GFN;
		/* Entries must start invalid whatever the frame held before. */
		memset(frame_va(&hv->ft, gt->frames[i]), 0, PAGE_SIZE);
	}
	if (gt->active)
		memcpy(act, gt->active, (size_t)gnttab_nr_entries(gt) * sizeof(*act));
	hv_free(gt->active);
	gt->active = act;
	gt->nr_frames = want;
	return 0;

err_frames:
	while (i-- > gt->nr_frames) {
		free_table_frame(hv, gt->frames[i]);
		gt->frames[i] = INVALID_MFN;
	}
	hv_free(act);
	return -ENOMEM;
}

int gnttab_domain_init(struct domain *d)
{
	struct hv *hv = d->hv;
	struct gnttab *gt = hv_calloc(hv, 1, sizeof(*gt));

	if (!gt)
		goto err_out;
	gt->d = d;
	gt->max_frames = d->gnttab_max_frames ? d->gnttab_max_frames : hv->cfg.gnttab_max_frames;
	gt->free_head = MT_NONE;
	gt->frames = hv_calloc(hv, gt->max_frames, sizeof(*gt->frames));
	if (!gt->frames)
		goto err_gt;
	gt->frame_gfn = hv_calloc(hv, gt->max_frames, sizeof(*gt->frame_gfn));
	if (!gt->frame_gfn)
		goto err_frames;
	d->gnttab = gt;
	return 0;

err_frames:
	hv_free(gt->frames);
err_gt:
	hv_free(gt);
err_out:
	return -ENOMEM;
}

void gnttab_domain_destroy(struct domain *d)
{
	struct gnttab *gt = d->gnttab;

	if (!gt)
		return;
	/* Others' maps of our frames hold references that keep d alive, so
	 * nothing can still be pinned here. */
	for (uint32_t r = 0; r < gnttab_nr_entries(gt); r++)
		BUG_ON(gt->active[r].ro_pins || gt->active[r].rw_pins);
	BUG_ON(gt->maps_in_use);
	for (unsigned int i = 0; i < gt->nr_frames; i++)
		free_table_frame(d->hv, gt->frames[i]);
	hv_free(gt->active);
	hv_free(gt->maps);
	hv_free(gt->frame_gfn);
	hv_free(gt->frames);
	hv_free(gt);
	d->gnttab = NULL;
}

unsigned int gnttab_nr_frames(const struct domain *d)
{
	return d->gnttab ? d->gnttab->nr_frames : 0;
}

unsigned int gnttab_nr_maps(const struct domain *d)
{
	return d->gnttab ? d->gnttab->maps_in_use : 0;
}

mfn_t gnttab_frame_mfn(const struct domain *d, unsigned int idx)
{
	if (!d->gnttab || idx >= d->gnttab->nr_frames)
		return INVALID_MFN;
	return d->gnttab->frames[idx];
}

int gnttab_add_to_physmap(struct domain *d, uint64_t idx, uint64_t gpfn)
{
	struct gnttab *gt = d->gnttab;

	/* v1 has no status frames: XENMAPIDX_grant_table_status lands here too. */
	if (idx >= gt->max_frames || gpfn >= d->p2m.max_gfn)
		return -EINVAL;
	if (idx >= gt->nr_frames && grow_table(d, (unsigned int)idx + 1))
		return -EINVAL; /* as Xen: a failed growth reads as a bad index */
	return mm_place_xen_frame(d, gt->frames[idx], &gt->frame_gfn[idx], _gfn(gpfn));
}

/* ------------------------------------------------------------------ */
/* Shared-entry flag updates                                           */

/* Flags and domid form one 32-bit word updated with compare-and-swap. */
static uint32_t combo_read(struct grant_entry_v1 *e)
{
	return __atomic_load_n((uint32_t *)(void *)e, __ATOMIC_ACQUIRE);
}

static uint16_t combo_flags(uint32_t c)
{
	struct grant_entry_v1 tmp;

	memcpy(&tmp, &c, sizeof(c));
	return tmp.flags;
}

static domid_t combo_domid(uint32_t c)
{
	struct grant_entry_v1 tmp;

	memcpy(&tmp, &c, sizeof(c));
	return tmp.domid;
}

static uint32_t combo_with_flags(uint32_t c, uint16_t flags)
{
	struct grant_entry_v1 tmp;

	memcpy(&tmp, &c, sizeof(c));
	tmp.flags = flags;
	memcpy(&c, &tmp, sizeof(c));
	return c;
}

static void entry_clear_flags(struct grant_entry_v1 *e, uint16_t bits)
{
	__atomic_fetch_and(&e->flags, (uint16_t)~bits, __ATOMIC_RELEASE);
}

/*
 * Checks that entry e lets `mapper` map it (read-only or not) and sets
 * GTF_reading (and GTF_writing). GNTST_okay or GNTST_general_error.
 */
static int16_t entry_pin(struct grant_entry_v1 *e, domid_t mapper, bool readonly)
{
	uint32_t cur = combo_read(e);

	for (unsigned int tries = 0; tries < 5; tries++) {
		uint16_t f = combo_flags(cur);
		uint16_t nf = (uint16_t)(f | GTF_reading | (readonly ? 0 : GTF_writing));

		/* Only a plain full-page permit_access for this mapper; v1 knows
		 * no transitive or sub-page grants, and Arm takes no cache hints. */
		if ((f & (GTF_type_mask | GTF_sub_page)) != GTF_permit_access ||
		    combo_domid(cur) != mapper)
			return GNTST_general_error;
		if (!readonly && (f & GTF_readonly))
			return GNTST_general_error;
		if (f & (GTF_PWT | GTF_PCD | GTF_PAT))
			return GNTST_general_error;
		if (__atomic_compare_exchange_n((uint32_t *)(void *)e, &cur, combo_with_flags(cur, nf),
						false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return GNTST_okay;
		/* The guest changed the entry meanwhile: re-check. */
	}
	return GNTST_general_error; /* entry unstable */
}

/* Drops one pin of `act` and clears the flags no longer true. */
static void active_unpin(struct hv *hv, struct gnttab *rgt, grant_ref_t ref, bool readonly)
{
	struct gnttab_active *act = &rgt->active[ref];
	uint16_t clear = 0;

	if (readonly) {
		BUG_ON(!act->ro_pins);
		act->ro_pins--;
	} else {
		BUG_ON(!act->rw_pins);
		act->rw_pins--;
		if (!act->rw_pins)
			clear |= GTF_writing;
	}
	if (!act->ro_pins && !act->rw_pins) {
		clear |= GTF_reading;
		act->mfn = INVALID_MFN;
	}
	if (clear)
		entry_clear_flags(entry_of(hv, rgt, ref), clear);
}

/* ------------------------------------------------------------------ */
/* Maptrack                                                            */

static uint32_t maptrack_get(struct domain *d)
{
	struct gnttab *gt = d->gnttab;
	uint32_t h;

	if (gt->free_head == MT_NONE) {
		uint32_t n = gt->nr_maps_alloc ? gt->nr_maps_alloc * 2 : 64;
		struct gnttab_map *nm;

		if (n > GNTTAB_MAX_MAPTRACK)
			n = GNTTAB_MAX_MAPTRACK;
		if (n <= gt->nr_maps_alloc)
			return MT_NONE;
		nm = hv_calloc(d->hv, n, sizeof(*nm));
		if (!nm)
			return MT_NONE;
		if (gt->maps)
			memcpy(nm, gt->maps, (size_t)gt->nr_maps_alloc * sizeof(*nm));
		hv_free(gt->maps);
		gt->maps = nm;
		/* New records go on the free list lowest first. */
		for (uint32_t i = n; i-- > gt->nr_maps_alloc;) {
			nm[i].next_free = gt->free_head;
			gt->free_head = i;
		}
		gt->nr_maps_alloc = n;
	}
	h = gt->free_head;
	gt->free_head = gt->maps[h].next_free;
	memset(&gt->maps[h], 0, sizeof(gt->maps[h]));
	gt->maps[h].next_free = MT_NONE;
	return h;
}

static void maptrack_put(struct gnttab *gt, uint32_t h)
{
	gt->maps[h].in_use = false;
	gt->maps[h].next_free = gt->free_head;
	gt->free_head = h;
}

/* ------------------------------------------------------------------ */
/* PV IOMMU hook                                                       */

/*
 * GNTMAP_device_map | GNTMAP_request_bfn_map (PV IOMMU draft B): the
 * mapper asks for a bus mapping of the granted frame at a BFN it chooses
 * (dev_bus_addr is an input, page aligned). The PV IOMMU maps it in the
 * mapper's IOMMU context with a reference of its own (hv/iommu).
 */
static int16_t gnttab_bfn_map(struct domain *mapper, mfn_t mfn, bool readonly, uint64_t bus_addr,
			      bfn_t *bfn)
{
	int rc;

	*bfn = INVALID_BFN;
	if (bus_addr & (PAGE_SIZE - 1))
		return GNTST_bad_dev_addr;
	rc = iommu_grant_map(mapper, _bfn(bus_addr >> PAGE_SHIFT), mfn, !readonly);
	switch (rc) {
	case 0:
		*bfn = _bfn(bus_addr >> PAGE_SHIFT);
		return GNTST_okay;
	case -ENOSPC:
		return GNTST_address_too_big;
	case -EEXIST:
	case -EACCES:
		return GNTST_bad_dev_addr;
	case -ENOMEM:
		return GNTST_no_device_space;
	default:
		return GNTST_general_error;
	}
}

/* Removes the bus mapping of mfn at bfn made by gnttab_bfn_map. */
static void gnttab_bfn_unmap(struct domain *mapper, bfn_t bfn, mfn_t mfn)
{
	int rc = iommu_grant_unmap(mapper, bfn, mfn);

	/* Only a dying mapper has lost its IOMMU context (and the mapping
	 * with it) before its grant maps are released. */
	BUG_ON(rc && mapper->state != DOMS_dying);
}

/* ------------------------------------------------------------------ */
/* map / unmap                                                         */

static void map_one(struct domain *ld, struct gnttab_map_grant_ref *op)
{
	struct hv *hv = ld->hv;
	struct gnttab *lgt = ld->gnttab, *rgt;
	struct gnttab_active *act;
	struct gnttab_map *m;
	struct domain *rd;
	struct page_info *pg;
	bool readonly = op->flags & GNTMAP_readonly, pinned_entry = false;
	uint32_t allowed = GNTMAP_host_map | GNTMAP_readonly;
	bfn_t bfn = INVALID_BFN;
	gfn_t gfn;
	mfn_t mfn;
	uint32_t h;
	int16_t st;

	if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map))) {
		op->status = GNTST_bad_gntref;
		return;
	}
	/* Translated (Arm-like) mappers: a host map at a guest-physical
	 * address, optionally read-only; a device map only through the PV
	 * IOMMU extension. Everything else is refused. */
	if (op->flags & GNTMAP_device_map)
		allowed |= GNTMAP_device_map | GNTMAP_request_bfn_map;
	if ((op->flags & ~allowed) ||
	    ((op->flags & GNTMAP_device_map) && !(op->flags & GNTMAP_request_bfn_map))) {
		op->status = GNTST_general_error;
		return;
	}
	rd = domain_by_id(hv, op->dom);
	if (!rd || rd->state == DOMS_dying) {
		op->status = GNTST_bad_domain;
		return;
	}
	if (rd == ld) {
		/* Mapping one's own grant: Xen allows it, memvisor does not (a
		 * domain never needs a second view of its own frame, and
		 * refusing it keeps "grant maps are of other domains' frames"
		 * an invariant). */
		op->status = GNTST_permission_denied;
		return;
	}
	rgt = rd->gnttab;
	h = maptrack_get(ld);
	if (h == MT_NONE) {
		op->status = GNTST_no_device_space;
		return;
	}
	if (op->ref >= gnttab_nr_entries(rgt)) {
		st = GNTST_bad_gntref;
		goto err_handle;
	}
	act = &rgt->active[op->ref];
	if ((act->ro_pins || act->rw_pins) &&
	    (act->mapper != ld->id || act->ro_pins >= GNTTAB_PIN_LIMIT ||
	     act->rw_pins >= GNTTAB_PIN_LIMIT)) {
		st = GNTST_general_error;
		goto err_handle;
	}

	if ((!act->ro_pins && !act->rw_pins) || (!readonly && !act->rw_pins)) {
		st = entry_pin(entry_of(hv, rgt, op->ref), ld->id, readonly);
		if (st != GNTST_okay)
			goto err_handle;
		pinned_entry = true;
	}
	if (!act->ro_pins && !act->rw_pins) {
		struct grant_entry_v1 *e = entry_of(hv, rgt, op->ref);
		p2m_type_t t;

		mfn = p2m_lookup_ram(rd, _gfn(__atomic_load_n(&e->frame, __ATOMIC_ACQUIRE)), &t);
		if (mfn_eq(mfn, INVALID_MFN) || (!readonly && t != p2m_ram_rw)) {
			st = GNTST_bad_page;
			goto err_flags;
		}
	} else {
		mfn = act->mfn;
	}
	pg = mfn_to_page(&hv->ft, mfn);
	if (!pg || !mm_get_page(pg, rd)) {
		/* Not a frame the granter owns (or a table frame). */
		st = act->ro_pins || act->rw_pins ? GNTST_general_error : GNTST_bad_page;
		goto err_flags;
	}

	if (op->flags & GNTMAP_device_map) {
		st = gnttab_bfn_map(ld, mfn, readonly, op->dev_bus_addr, &bfn);
		if (st != GNTST_okay)
			goto err_ref;
	}
	if (op->flags & GNTMAP_host_map) {
		/* host_addr is guest-physical; the offset in the page is ignored. */
		gfn = gaddr_to_gfn(op->host_addr);
		if (gfn_x(gfn) >= ld->p2m.max_gfn ||
		    !mfn_eq(p2m_lookup(ld, gfn, NULL, NULL), INVALID_MFN) ||
		    p2m_set_range(ld, gfn, mfn, 1, readonly ? p2m_grant_map_ro : p2m_grant_map_rw)) {
			st = GNTST_general_error;
			goto err_bfn;
		}
	} else {
		gfn = INVALID_GFN;
	}

	if (readonly)
		act->ro_pins++;
	else
		act->rw_pins++;
	act->mapper = ld->id;
	act->mfn = mfn;
	m = &lgt->maps[h];
	m->in_use = true;
	m->readonly = readonly;
	m->granter = rd->id;
	m->ref = op->ref;
	m->gfn = gfn;
	m->mfn = mfn;
	m->bfn = bfn;
	lgt->maps_in_use++;
	op->handle = h;
	/* Like Xen, the machine address of the granted frame. */
	if (!(op->flags & GNTMAP_device_map))
		op->dev_bus_addr = mfn_to_maddr(mfn);
	op->status = GNTST_okay;
	return;

err_bfn:
	if (!bfn_eq(bfn, INVALID_BFN))
		gnttab_bfn_unmap(ld, bfn, mfn);
err_ref:
	mm_put_page(hv, pg); /* rd still holds its own references: no free */
err_flags:
	if (pinned_entry) {
		uint16_t clear = 0;

		if (!readonly && !act->rw_pins)
			clear |= GTF_writing;
		if (!act->ro_pins && !act->rw_pins)
			clear |= GTF_reading;
		if (clear)
			entry_clear_flags(entry_of(hv, rgt, op->ref), clear);
	}
err_handle:
	maptrack_put(lgt, h);
	op->status = st;
}

/* Releases record h of ld: device map (if still there), pins, flags,
 * then the reference (last: it may free the frame and finalise a dying
 * granter). The host map, if any, is the caller's business. */
static void release_map(struct domain *ld, uint32_t h)
{
	struct hv *hv = ld->hv;
	struct gnttab *lgt = ld->gnttab;
	struct gnttab_map *m = &lgt->maps[h];
	struct domain *rd = domain_by_id(hv, m->granter);
	struct page_info *pg = mfn_to_page(&hv->ft, m->mfn);

	BUG_ON(!rd || !rd->gnttab || !pg);
	if (!bfn_eq(m->bfn, INVALID_BFN)) {
		gnttab_bfn_unmap(ld, m->bfn, m->mfn);
		m->bfn = INVALID_BFN;
	}
	active_unpin(hv, rd->gnttab, m->ref, m->readonly);
	maptrack_put(lgt, h);
	lgt->maps_in_use--;
	mm_put_page(hv, pg);
}

/*
 * Xen's rule for the two parts of a handle: a zero host_addr or
 * dev_bus_addr leaves that part alone; a non-zero one must name a part the
 * handle still has (GNTST_general_error otherwise, and nothing changes).
 * The handle, its pin and its reference go with the last part.
 */
static void unmap_one(struct domain *ld, struct gnttab_unmap_grant_ref *op)
{
	struct gnttab *lgt = ld->gnttab;
	struct gnttab_map *m;
	bool host = op->host_addr != 0, dev = false;
	p2m_type_t t;

	if (op->handle >= lgt->nr_maps_alloc || !lgt->maps[op->handle].in_use) {
		op->status = GNTST_bad_handle;
		return;
	}
	m = &lgt->maps[op->handle];
	if (op->dev_bus_addr) {
		if (!bfn_eq(m->bfn, INVALID_BFN))
			dev = op->dev_bus_addr == bfn_x(m->bfn) << PAGE_SHIFT;
		/* Without a device part, the machine address map returned is
		 * accepted and ignored, like Xen. */
		if (!dev && (!bfn_eq(m->bfn, INVALID_BFN) || op->dev_bus_addr != mfn_to_maddr(m->mfn))) {
			op->status = GNTST_general_error;
			return;
		}
	}
	if (host && (gfn_eq(m->gfn, INVALID_GFN) || !gfn_eq(gaddr_to_gfn(op->host_addr), m->gfn))) {
		op->status = GNTST_general_error;
		return;
	}
	if (host) {
		BUG_ON(!mfn_eq(p2m_lookup(ld, m->gfn, &t, NULL), m->mfn) || !p2m_is_grant(t));
		/* Only a shatter of a merged grant superpage can fail here
		 * (before anything changed). */
		if (p2m_remove_range(ld, m->gfn, 1)) {
			op->status = GNTST_general_error;
			return;
		}
		m->gfn = INVALID_GFN;
	}
	if (dev) {
		gnttab_bfn_unmap(ld, m->bfn, m->mfn);
		m->bfn = INVALID_BFN;
	}
	if (gfn_eq(m->gfn, INVALID_GFN) && bfn_eq(m->bfn, INVALID_BFN))
		release_map(ld, op->handle);
	op->status = GNTST_okay;
}

void gnttab_relinquish(struct domain *d)
{
	struct gnttab *gt = d->gnttab;

	/* The P2M goes away right after: only the references matter. */
	for (uint32_t h = 0; gt && h < gt->nr_maps_alloc; h++)
		if (gt->maps[h].in_use)
			release_map(d, h);
}

/* ------------------------------------------------------------------ */
/* The hypercall                                                       */

/* Resolves a table-owner domid like every hypercall does, with the
 * grant-table status codes instead of errnos. */
static struct domain *table_domain(struct domain *caller, domid_t id, int16_t *st)
{
	int err = 0;
	struct domain *t = domain_hcall_target(caller, id, &err);

	if (!t)
		*st = err == -EPERM ? GNTST_permission_denied : GNTST_bad_domain;
	return t;
}

static int64_t setup_table(struct domain *d, uint64_t uop, uint32_t count)
{
	struct gnttab_setup_table op;
	struct domain *t;
	int16_t st = GNTST_okay;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(d, &op, uop, sizeof(op)))
		return -EFAULT;
	t = table_domain(d, op.dom, &st);
	if (!t)
		goto out;
	if (op.nr_frames > t->gnttab->max_frames || grow_table(t, op.nr_frames)) {
		st = GNTST_general_error;
		goto out;
	}
	for (uint32_t i = 0; i < op.nr_frames; i++) {
		/* Translated guests learn where each frame is mapped (Arm). */
		xen_pfn_t g = gfn_x(p2m_find_mfn(t, t->gnttab->frame_gfn[i],
						 t->gnttab->frames[i]));

		if (copy_to_guest_elem(d, op.frame_list, i, &g))
			st = GNTST_bad_virt_addr;
	}
out:
	op.status = st;
	if (copy_to_guest(d, uop + offsetof(struct gnttab_setup_table, status), &op.status,
			  sizeof(op.status)))
		return -EFAULT;
	return 0;
}

static int64_t query_size(struct domain *d, uint64_t uop, uint32_t count)
{
	struct gnttab_query_size op;
	struct domain *t;
	int16_t st = GNTST_okay;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(d, &op, uop, sizeof(op)))
		return -EFAULT;
	t = table_domain(d, op.dom, &st);
	if (t) {
		op.nr_frames = t->gnttab->nr_frames;
		op.max_nr_frames = t->gnttab->max_frames;
	}
	op.status = st;
	if (copy_to_guest(d, uop, &op, sizeof(op)))
		return -EFAULT;
	return 0;
}

static int64_t set_version(struct domain *d, uint64_t uop)
{
	struct gnttab_set_version op;
	int64_t rc;

	if (copy_from_guest(d, &op, uop, sizeof(op)))
		return -EFAULT;
	if (op.version == 1)
		rc = 0;
	else if (op.version == 2)
		rc = -ENOSYS; /* as Xen limited to v1 ("gnttab=max-ver:1") */
	else
		rc = -EINVAL;
	op.version = 1; /* the version in force is reported back */
	if (copy_to_guest(d, uop, &op, sizeof(op)))
		return -EFAULT;
	return rc;
}

static int64_t get_version(struct domain *d, uint64_t uop)
{
	struct gnttab_get_version op;
	int err = 0;

	if (copy_from_guest(d, &op, uop, sizeof(op)))
		return -EFAULT;
	if (!domain_hcall_target(d, op.dom, &err))
		return err;
	op.version = 1;
	if (copy_to_guest(d, uop, &op, sizeof(op)))
		return -EFAULT;
	return 0;
}

/*
 * GNTTABOP_transfer on a translated domain: Arm cannot steal pages, so a
 * valid frame fails with general_error and an invalid one with bad_page.
 */
static int16_t transfer_one(struct domain *d, const struct gnttab_transfer *op)
{
	p2m_type_t t;
	mfn_t mfn;

	if (op->mfn >= d->p2m.max_gfn)
		return GNTST_bad_page;
	mfn = p2m_lookup(d, _gfn(op->mfn), &t, NULL);
	if (mfn_eq(mfn, INVALID_MFN) || !mfn_to_page(&d->hv->ft, mfn))
		return GNTST_bad_page;
	return GNTST_general_error;
}

/* Batched per-element ops: (uop, count) with continuations. */
static int64_t batch(struct domain *d, struct hv_hcall *hc, unsigned int cmd)
{
	uint64_t uop = hc->args[1];
	uint32_t count = (uint32_t)hc->args[2];
	size_t sz;
	uint32_t i;

	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		sz = sizeof(struct gnttab_map_grant_ref);
		break;
	case GNTTABOP_unmap_grant_ref:
		sz = sizeof(struct gnttab_unmap_grant_ref);
		break;
	default:
		sz = sizeof(struct gnttab_transfer);
		break;
	}
	for (i = 0; i < count; i++) {
		uint64_t at = uop + (uint64_t)i * sz;

		if (i >= HCALL_PREEMPT_EVERY) {
			hc->args[1] = at;
			hc->args[2] = count - i;
			return HV_HCALL_CONTINUE;
		}
		switch (cmd) {
		case GNTTABOP_map_grant_ref: {
			struct gnttab_map_grant_ref op;

			if (copy_from_guest(d, &op, at, sizeof(op)))
				return -EFAULT;
			map_one(d, &op);
			if (copy_to_guest(d, at, &op, sizeof(op)))
				return -EFAULT; /* a map made stays (and is audited) */
			break;
		}
		case GNTTABOP_unmap_grant_ref: {
			struct gnttab_unmap_grant_ref op;

			if (copy_from_guest(d, &op, at, sizeof(op)))
				return -EFAULT;
			unmap_one(d, &op);
			if (copy_to_guest(d, at + offsetof(struct gnttab_unmap_grant_ref, status),
					  &op.status, sizeof(op.status)))
				return -EFAULT;
			break;
		}
		default: {
			struct gnttab_transfer op;

			if (copy_from_guest(d, &op, at, sizeof(op)))
				return -EFAULT;
			op.status = transfer_one(d, &op);
			if (copy_to_guest(d, at + offsetof(struct gnttab_transfer, status), &op.status,
					  sizeof(op.status)))
				return -EFAULT;
			break;
		}
		}
	}
	return 0;
}

int64_t do_grant_table_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	/* Xen's arguments are (unsigned int cmd, handle, unsigned int count). */
	uint32_t cmd = (uint32_t)hc->args[0];
	uint32_t count = (uint32_t)hc->args[2];

	HV_ASSERT_LOCKED(hv);
	hc->args[2] = count;
	if ((int32_t)count < 0)
		return -EINVAL; /* "huge" counts are refused outright, as in Xen */
	if (cmd & ~GNTTAB_CMD_MASK)
		return -EINVAL; /* continuation bits belong to cache_flush only */
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
	case GNTTABOP_unmap_grant_ref:
	case GNTTABOP_transfer:
		return batch(d, hc, (unsigned int)cmd);
	case GNTTABOP_setup_table:
		return setup_table(d, hc->args[1], count);
	case GNTTABOP_query_size:
		return query_size(d, hc->args[1], count);
	case GNTTABOP_set_version:
		return set_version(d, hc->args[1]);
	case GNTTABOP_get_version:
		return get_version(d, hc->args[1]);
	default:
		/* dump_table, copy, unmap_and_replace, get_status_frames (v2),
		 * swap_grant_ref, cache_flush: not implemented. */
		return -ENOSYS;
	}
}
