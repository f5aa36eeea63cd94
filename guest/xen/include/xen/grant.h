/*
 * Grant tables v1 from the guest side.
 *
 * Set-up: the table frames appear at consecutive GFNs of /hypervisor
 * region 0 (add_to_physmap with XENMAPSPACE_grant_table, frame i at
 * region base + i; one multicall places them all). When region 0 is absent the frames go to ballooned
 * pages instead. The table is then reachable through its guest-physical
 * address.
 *
 * Granting: entries from GNTTAB_NR_RESERVED_ENTRIES up are handed out from
 * a free list; an entry is published by writing flags last, after a
 * barrier, and ended only when the hypervisor no longer marks it mapped.
 *
 * Mapping other domains' grants goes to a caller-chosen GFN (normally an
 * unpopulated page).
 */
#ifndef XEN_GRANT_H
#define XEN_GRANT_H

#include <public/grant_table.h>
#include <rt/rt.h>

/* v1 entries per 4 KiB table frame. */
#define XGNTTAB_PER_FRAME (4096u / (unsigned int)sizeof(grant_entry_v1_t))

struct xgnttab {
	bool ready;
	bool ballooned;		/* frames on ballooned pages (no region 0) */
	unsigned int nr_frames; /* frames mapped */
	unsigned int max_frames;
	xen_pfn_t *gfns;	/* where frame i is (guest memory page) */
	grant_entry_v1_t *frame[64];
	grant_ref_t *free_refs; /* stack of free entries */
	unsigned int nr_free;
};

/*
 * Maps nr_frames table frames (0: as many as region 0 holds, capped by
 * the hypervisor's maximum). 0 or a negative errno (-XEN_ENOSYS when the
 * hypervisor has no grant tables).
 */
int xgnttab_init(const void *fdt, unsigned int nr_frames);
struct xgnttab *xgnttab(void);

/* Entry for guest-physical address of frame i (in the guest's view). */
grant_entry_v1_t *xgnttab_entry(grant_ref_t ref);

/* Grants domid access to frame gfn. The reference, or a negative errno. */
long xgnttab_grant(domid_t domid, xen_pfn_t gfn, bool readonly);
/* Ends a grant. 0, or -XEN_EBUSY while the grantee still maps it. */
int xgnttab_end(grant_ref_t ref);

/*
 * Maps dom's grant ref at guest-physical frame gfn of this domain. 0 with
 * *handle set; a negative errno when the call failed; -XEN_EIO when the
 * hypervisor refused the entry, with its GNTST_* code in *status (may be
 * NULL).
 */
int xgnttab_map(domid_t dom, grant_ref_t ref, xen_pfn_t gfn, bool readonly,
		grant_handle_t *handle, int16_t *status);
int xgnttab_unmap(xen_pfn_t gfn, grant_handle_t handle, int16_t *status);

#endif
