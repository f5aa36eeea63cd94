/*
 * The grant table's records, shared by the table code (grant.c) and its
 * audit (audit.c) inside hv/grant; private to the directory. grant.c's
 * design comment states what they mean and the invariants they keep.
 */
#ifndef HV_GRANT_GRANT_PRIV_H
#define HV_GRANT_GRANT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/grant.h>
#include <hv/types.h>
#include <public/grant_table.h>

struct gnttab_active {
	uint32_t ro_pins; /* read-only host maps from this entry */
	uint32_t rw_pins; /* writeable host maps from this entry */
	domid_t mapper;	  /* valid while pinned */
	mfn_t mfn;	  /* valid while pinned */
};

struct gnttab_map {
	bool in_use;
	bool readonly;
	domid_t granter;
	grant_ref_t ref;
	gfn_t gfn; /* where the mapper sees it */
	mfn_t mfn;
	bfn_t bfn;	    /* device (PV IOMMU) mapping, INVALID_BFN when none */
	uint32_t next_free; /* free-list link while not in use */
};

struct gnttab {
	struct domain *d;
	unsigned int nr_frames, max_frames;
	mfn_t *frames;	      /* [max_frames] */
	gfn_t *frame_gfn;     /* [max_frames] where the domain mapped them */
	struct gnttab_active *active; /* [nr_frames * 512] */

	struct gnttab_map *maps;
	uint32_t nr_maps_alloc; /* records allocated */
	uint32_t maps_in_use;
	uint32_t free_head;
};

static inline uint32_t gnttab_nr_entries(const struct gnttab *gt)
{
	return gt->nr_frames * GNTTAB_ENTRIES_PER_FRAME;
}

#endif
