/*
 * Foreign mapping: another domain's frames placed at GFNs of this domain
 * (XENMEM_add_to_physmap_batch with XENMAPSPACE_gmfn_foreign), normally
 * GFNs from the unpopulated allocator, then made reachable in the guest's
 * page tables so they can be read and written.
 */
#ifndef XEN_FOREIGN_H
#define XEN_FOREIGN_H

#include <public/xen.h>
#include <rt/rt.h>

/* Entries per add_to_physmap_batch call. */
#define XFOREIGN_BATCH 512
/* add_to_physmap_batch calls per multicall. */
#define XFOREIGN_MC 8

/*
 * Maps dom's frames fgfns[i] at local frames lgfns[i], i < n. Both arrays
 * and errs (per-entry result, may be NULL) must be guest memory. Returns
 * the number of entries that failed (0 = all mapped), or a negative errno
 * when a call failed as a whole (entries of earlier calls are mapped, and
 * those of the other calls in its multicall may be).
 */
long xforeign_map(domid_t dom, const xen_pfn_t *fgfns, const xen_pfn_t *lgfns,
		  unsigned long n, int *errs);
/* Removes the mappings at lgfns[i]. 0 or the first error. */
int xforeign_unmap(const xen_pfn_t *lgfns, unsigned long n);

/* Makes the frames reachable (contiguous runs mapped together). */
int xforeign_reach(const xen_pfn_t *lgfns, unsigned long n);

#endif
