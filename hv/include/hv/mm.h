/*
 * Page ownership and references (the glue between frame table, heap,
 * static memory and domains).
 *
 * Invariants:
 * - A frame owned by a domain is on that domain's page_list and counted in
 *   its tot_pages from assignment until it is freed, even after the domain
 *   dropped its allocation reference while others still hold references.
 * - put_page() frees a frame exactly when its count reaches zero: static
 *   frames go to the owner's reserved list, others to the heap.
 */
#ifndef HV_MM_H
#define HV_MM_H

#include <hv/hv.h>

/* Assigns 2^order in-use frames (count 0, no owner) to d. -ENOMEM over max_pages, -ESRCH if dying. */
int mm_assign_pages(struct domain *d, struct page_info *pg, unsigned int order);
/*
 * The assignment itself, shared by heap and static frames: d gets the
 * allocation reference on nr frames from mfn and lists them; tot_pages
 * grows. The caller has checked d's limits; the frames must be in use,
 * unreferenced and owned by `from` (DOMID_INVALID for heap frames,
 * STATICMEM_OWNER_UNBUILT for static ones), else it is a hypervisor bug.
 */
void mm_assign_frames(struct domain *d, mfn_t mfn, uint64_t nr, domid_t from);
/* Allocates 2^order frames from the heap and assigns them to d. */
struct page_info *mm_alloc_domheap(struct domain *d, unsigned int order, int *err);
/* One frame assigned to d for the hypervisor's own use (PGC_extra: not
 * limited by max_pages, not in d's P2M); NULL with *err -ESRCH / -ENOMEM. */
struct page_info *mm_alloc_extra(struct domain *d, int *err);
/* Takes a general reference on a frame owned by `owner` with the allocation
 * reference or other references held; false if the frame is not owned by it. */
bool mm_get_page(struct page_info *pg, const struct domain *owner);
/* Drops a reference; frees the frame when it was the last. */
void mm_put_page(struct hv *hv, struct page_info *pg);
/* Drops the allocation reference (PGC_allocated) if held. */
void mm_drop_allocation(struct hv *hv, struct page_info *pg);
/* Writeable type references (IOMMU writeable maps). */
bool mm_get_page_writable(struct page_info *pg, const struct domain *owner);
void mm_put_page_writable(struct hv *hv, struct page_info *pg);

/*
 * Removes the mapping at gfn and releases what it held: RAM pages lose their
 * allocation reference (direct-mapped domains keep it), foreign and grant
 * maps lose the mapper's reference. -ENOENT when nothing is mapped there.
 */
int mm_remove_gfn(struct domain *d, gfn_t gfn);
/* The same for [gfn, gfn+nr), every frame mapped as RAM or foreign (the
 * caller checked): one P2M update per stretch of leaves that continue
 * each other (same type, next MFNs), then the frames are dropped. An
 * update can fail (-ENOMEM reserving tables); the stretches removed
 * before it stay removed, and *done (when not NULL) says how many frames
 * from gfn on that is. */
int mm_remove_range(struct domain *d, gfn_t gfn, uint64_t nr, uint64_t *done);
/* Frees gfn of d for a new mapping (add_to_physmap of every space): what
 * is there is removed as by mm_remove_gfn, as Xen does first. 0 when gfn
 * was free or is now, else mm_remove_gfn's error (nothing changed). */
int mm_vacate_gfn(struct domain *d, gfn_t gfn);

/*
 * Places a hypervisor-owned frame (shared_info, a grant-table frame) at
 * gfn of d's physmap, as XENMEM_add_to_physmap does for those spaces: what
 * occupies gfn is released first (mm_vacate_gfn's refusals apply), and the
 * frame leaves the GFN it was at. *at is where it was placed last
 * (INVALID_GFN: never), a hint re-checked with p2m_find_mfn because the
 * guest may have moved it since. On return *at is where the frame is
 * mapped now (gfn on success).
 */
int mm_place_xen_frame(struct domain *d, mfn_t mfn, gfn_t *at, gfn_t gfn);

/*
 * What the memory layer asks of the subsystems above it. mm/ causes events
 * they must hear of (a RAM frame leaving a P2M, a dying domain's last frame
 * going) and serves a map space one of them owns, but it sits below them
 * and includes none of their headers. The top of the core (hv/hooks.c)
 * fills this table in at link time: a const table has no registration step
 * that could come too late, adds no mutable global state, and every
 * instance in a process has the same subsystems.
 */
struct mm_hooks {
	/* A RAM frame of d left d's P2M at gfn (the PV IOMMU then invalidates
	 * the maps emulators hold of it). */
	void (*gfn_removed)(struct domain *d, gfn_t gfn, mfn_t mfn);
	/* d is dying and its last frame went: the domain may be freed. */
	void (*domain_released)(struct domain *d);
	/* add_to_physmap, XENMAPSPACE_grant_table: puts frame idx of d's grant
	 * table at gpfn. 0 or -errno. */
	int (*map_grant_frame)(struct domain *d, uint64_t idx, uint64_t gpfn);
	/* add_to_physmap, XENMAPSPACE_shared_info: puts d's shared_info page
	 * at gpfn (idx must be 0). 0 or -errno. */
	int (*map_shared_info)(struct domain *d, uint64_t idx, uint64_t gpfn);
	/* XENMEM_acquire_resource, type ioreq_server: frame `frame` of server
	 * id of t for caller d. 0 with *mfn (a frame t owns) or -errno. */
	int (*ioreq_frame)(struct domain *d, struct domain *t, uint32_t id, uint64_t frame,
			   mfn_t *mfn);
};
extern const struct mm_hooks mm_hooks;

struct hv_hcall;
/* The hypercall handler for memory operations (XENMEM_*), foreign mapping included: runs with the hypervisor lock held,
 * returns the guest's rax or HV_HCALL_CONTINUE (see hcall.h). */
int64_t do_memory_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);

#endif
