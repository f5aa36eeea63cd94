/*
 * The "unused space" resource: the guest-physical span covered by the
 * extended regions the hypervisor advertised (/hypervisor reg entries
 * 1..N; entry 0 is the grant-table region).
 *
 * The resource spans the lowest region start to the highest region end.
 * Gaps between consecutive regions become "unavailable" children, so only
 * the regions themselves can ever be handed out. Regions must come in
 * ascending order without overlap: anything else rejects the whole list
 * (no resource; the caller falls back to ballooned pages).
 *
 * Children (unavailable gaps and allocated scratch ranges) are kept in one
 * sorted array; allocation is first fit over the space between children,
 * honouring an alignment, like the kernel's allocate_resource().
 */
#ifndef XEN_RESOURCE_H
#define XEN_RESOURCE_H

#include <rt/dt.h>
#include <rt/rt.h>

/* Index of the grant-table region and of the first extended region. */
#define XRES_GNTTAB_INDEX 0
#define XRES_EXT_INDEX 1

#define XRES_MAX_CHILDREN 256

enum xres_kind {
	XRES_UNAVAILABLE, /* gap between two regions */
	XRES_SCRATCH,	  /* handed out by xres_alloc() */
};

struct xres_child {
	uint64_t start, end; /* [start, end) */
	enum xres_kind kind;
};

struct xres {
	bool valid;
	uint64_t start, end; /* whole span [start, end) */
	unsigned int nr_regions;
	unsigned int nr_children;
	struct xres_child child[XRES_MAX_CHILDREN]; /* sorted, disjoint */
};

/*
 * Builds the resource from regions given in the order the device tree
 * lists them. 0; -XEN_EINVAL when there are none, one is empty or wraps, or
 * two overlap or descend; -XEN_ENOMEM when the gaps do not fit. On error
 * r->valid is false and a line says why.
 */
int xres_init(struct xres *r, const struct rt_range *regs, unsigned int n);

/*
 * Reads /hypervisor reg entries 1..N of fdt and calls xres_init().
 * -XEN_ENODEV when there is no hypervisor node.
 */
int xres_init_from_dt(struct xres *r, const void *fdt);

/*
 * Takes size bytes aligned to align (a power of two) from the free part
 * of the span, lowest address first. 0 with *out set, or -XEN_EBUSY when
 * nothing fits, -XEN_EINVAL for a bad request or an invalid resource.
 */
int xres_alloc(struct xres *r, uint64_t size, uint64_t align, uint64_t *out);
/* Returns a range xres_alloc() handed out. 0 or -XEN_ENOENT. */
int xres_release(struct xres *r, uint64_t start);

/* Bytes of the span still free (neither unavailable nor allocated). */
uint64_t xres_free_bytes(const struct xres *r);
/* Is [start, start+size) entirely inside one region (never in a gap)? */
bool xres_in_region(const struct xres *r, uint64_t start, uint64_t size);
void xres_print(const struct xres *r);

#endif
