/*
 * Unpopulated-page allocator: empty guest-physical frames for grant and
 * foreign mappings, taken from the unused-space resource (extended
 * regions).
 *
 * - A fill takes a whole number of sections (128 MiB by default; a
 *   parameter so tests can use small ones), section-aligned, from the
 *   resource, makes the range reachable in the guest's page tables and
 *   pushes every frame onto the free list.
 * - Allocation pops frames LIFO; when the list holds too few, it fills
 *   first, and if the fill fails the allocation fails. There is NO
 *   fallback to ballooning once a resource exists.
 * - Freed frames go back on the list; filled space is never returned to
 *   the resource (the pool only grows).
 * - Without a resource every call goes to the ballooned-page allocator.
 *
 * A fresh fill is pushed highest frame first, so consecutive pops return
 * ascending GFNs: foreign maps of ascending source frames then form runs
 * the hypervisor can realize as one host mapping.
 */
#ifndef XEN_UNPOPULATED_H
#define XEN_UNPOPULATED_H

#include <public/xen.h>
#include <xen/resource.h>

#define XUNPOP_DEFAULT_SECTION_PAGES (128UL << (20 - 12)) /* 128 MiB */

struct xunpop_ext {
	xen_pfn_t gfn; /* next frame to pop */
	uint64_t n;
};

struct xunpop {
	struct xres *res;	 /* NULL: ballooned fallback */
	unsigned long section;	 /* pages per section (power of two) */
	struct xunpop_ext *ext;	 /* free list as a stack of runs; top is last */
	unsigned long nr_ext, cap_ext;
	uint64_t list_count;	 /* frames on the free list */
	uint64_t filled;	 /* frames ever taken from the resource */
	unsigned int fills;
};

/* res may be NULL (fallback). section: pages, 0 for the default. */
int xunpop_init(struct xunpop *u, struct xres *res, unsigned long section);
/* 0 with nr GFNs in gfns (guest memory for the fallback), or -errno. */
int xunpop_alloc(struct xunpop *u, unsigned long nr, xen_pfn_t *gfns);
void xunpop_free(struct xunpop *u, unsigned long nr, const xen_pfn_t *gfns);

/*
 * The domain's allocator, set up from the device tree: a resource from
 * the extended regions when they are usable, else the fallback.
 */
int xen_unpopulated_init(const void *fdt);
int xen_alloc_unpopulated_pages(unsigned long nr, xen_pfn_t *gfns);
void xen_free_unpopulated_pages(unsigned long nr, const xen_pfn_t *gfns);
/* The domain's allocator (NULL before xen_unpopulated_init). */
struct xunpop *xen_unpopulated(void);

#endif
