/*
 * Ballooned pages: guest-physical frames obtained by giving pages of the
 * guest's own RAM back to the hypervisor (decrease_reservation), so their
 * GFNs are empty and can receive grant or foreign mappings. This costs
 * real RAM, which is exactly what extended regions avoid; it is the
 * fallback when there is no unused-space resource.
 */
#ifndef XEN_BALLOON_H
#define XEN_BALLOON_H

#include <public/xen.h>
#include <rt/rt.h>

/* Frames per decrease/populate call. */
#define XBALLOON_BATCH 512

/*
 * Balloons out nr pages of RAM and stores their GFNs in gfns (guest
 * memory). 0, or a negative Xen errno with nothing changed.
 */
int xballoon_alloc(unsigned long nr, xen_pfn_t *gfns);
/*
 * Populates the GFNs again and gives the pages back to the page allocator.
 * The GFNs must be empty (any mapping removed). 0 or a negative errno.
 */
int xballoon_free(unsigned long nr, const xen_pfn_t *gfns);
/* Pages ballooned out and not yet given back. */
unsigned long xballoon_count(void);

#endif
