/*
 * Unpopulated-page allocator (see xen/unpopulated.h).
 *
 * The free list is a stack of runs {gfn, n}: popping takes the lowest
 * frame of the top run, pushing a frame just below the top run's first
 * frame extends it, anything else pushes a new run. This is a LIFO of
 * single frames stored compactly (3 GiB of scratch space is one run, not
 * 786,432 list nodes).
 *
 * Invariants: list_count is the sum of the runs' n; every frame on the
 * list lies in a SCRATCH child of the resource; scratch space is never
 * released (xres_release is not called once a fill succeeded).
 */
#include <public/errno.h>
#include <rt/mm.h>
#include <xen/balloon.h>
#include <xen/unpopulated.h>

static int push_run(struct xunpop *u, xen_pfn_t gfn, uint64_t n)
{
	if (u->nr_ext == u->cap_ext) {
		unsigned long pages = (u->cap_ext * sizeof(*u->ext)) / RT_PAGE_SIZE;
		unsigned long npages = pages ? pages * 2 : 1;
		struct xunpop_ext *ne = rt_alloc_pages(npages);

		if (!ne)
			return -XEN_ENOMEM;
		for (unsigned long i = 0; i < u->nr_ext; i++)
			ne[i] = u->ext[i];
		if (u->ext)
			rt_free_pages(u->ext, pages);
		u->ext = ne;
		u->cap_ext = npages * RT_PAGE_SIZE / sizeof(*ne);
	}
	u->ext[u->nr_ext++] = (struct xunpop_ext){gfn, n};
	return 0;
}

static int push_frame(struct xunpop *u, xen_pfn_t gfn)
{
	struct xunpop_ext *top = u->nr_ext ? &u->ext[u->nr_ext - 1] : NULL;

	if (top && gfn + 1 == top->gfn) {
		top->gfn = gfn;
		top->n++;
	} else if (push_run(u, gfn, 1)) {
		return -XEN_ENOMEM;
	}
	u->list_count++;
	return 0;
}

static xen_pfn_t pop_frame(struct xunpop *u)
{
	struct xunpop_ext *top = &u->ext[u->nr_ext - 1];
	xen_pfn_t gfn = top->gfn;

	top->gfn++;
	if (!--top->n)
		u->nr_ext--;
	u->list_count--;
	return gfn;
}

int xunpop_init(struct xunpop *u, struct xres *res, unsigned long section)
{
	if (!section)
		section = XUNPOP_DEFAULT_SECTION_PAGES;
	if (section & (section - 1))
		return -XEN_EINVAL;
	*u = (struct xunpop){.res = res && res->valid ? res : NULL, .section = section};
	return 0;
}

/* Adds at least nr frames (rounded up to whole sections) to the list. */
static int fill_list(struct xunpop *u, uint64_t nr)
{
	uint64_t pages = (nr + u->section - 1) & ~((uint64_t)u->section - 1);
	uint64_t bytes = pages << 12, base;
	int rc;

	rc = xres_alloc(u->res, bytes, (uint64_t)u->section << 12, &base);
	if (rc) {
		rt_printf("xen: unpopulated: cannot take %lu KiB of unused space (%d)\n",
			  (unsigned long)(bytes >> 10), rc);
		return rc;
	}
	/* The guest reaches the new frames through its own page tables. */
	if (rt_map_range(base, bytes)) {
		rt_printf("xen: unpopulated: cannot map [%#lx, +%#lx)\n", (unsigned long)base,
			  (unsigned long)bytes);
		rc = -XEN_ENOMEM;
		goto err_release;
	}
	/* Highest frame first: pops then come out ascending. One run. */
	if (u->nr_ext && u->ext[u->nr_ext - 1].gfn == (base + bytes) >> 12) {
		u->ext[u->nr_ext - 1].gfn = base >> 12;
		u->ext[u->nr_ext - 1].n += pages;
	} else if (push_run(u, base >> 12, pages)) {
		rc = -XEN_ENOMEM;
		goto err_release;
	}
	u->list_count += pages;
	u->filled += pages;
	u->fills++;
	return 0;

err_release:
	xres_release(u->res, base);
	return rc;
}

int xunpop_alloc(struct xunpop *u, unsigned long nr, xen_pfn_t *gfns)
{
	int rc;

	if (!u->res)
		return xballoon_alloc(nr, gfns);
	if (u->list_count < nr) {
		rc = fill_list(u, nr - u->list_count);
		if (rc)
			return rc; /* no fallback to ballooning here */
	}
	for (unsigned long i = 0; i < nr; i++)
		gfns[i] = pop_frame(u);
	return 0;
}

void xunpop_free(struct xunpop *u, unsigned long nr, const xen_pfn_t *gfns)
{
	if (!u->res) {
		if (xballoon_free(nr, gfns))
			rt_printf("xen: unpopulated: cannot give back %lu ballooned pages\n", nr);
		return;
	}
	/* Reverse order: the first frame of the batch is the next one popped. */
	for (unsigned long i = nr; i > 0; i--)
		if (push_frame(u, gfns[i - 1]))
			rt_crash("xen: unpopulated: free list out of memory");
}

static RT_TLS struct xres dom_res;
static RT_TLS struct xunpop dom_unpop;
static RT_TLS bool dom_ready;

int xen_unpopulated_init(const void *fdt)
{
	int rc = xres_init_from_dt(&dom_res, fdt);

	if (rc)
		rt_printf("xen: unpopulated: no target resource (%d), using ballooned pages\n",
			  rc);
	rc = xunpop_init(&dom_unpop, rc ? NULL : &dom_res, 0);
	dom_ready = !rc;
	return rc;
}

int xen_alloc_unpopulated_pages(unsigned long nr, xen_pfn_t *gfns)
{
	if (!dom_ready)
		return -XEN_ENODEV;
	return xunpop_alloc(&dom_unpop, nr, gfns);
}

void xen_free_unpopulated_pages(unsigned long nr, const xen_pfn_t *gfns)
{
	if (dom_ready)
		xunpop_free(&dom_unpop, nr, gfns);
}

struct xunpop *xen_unpopulated(void)
{
	return dom_ready ? &dom_unpop : NULL;
}
