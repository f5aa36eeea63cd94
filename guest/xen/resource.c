/*
 * The "unused space" resource (see xen/resource.h).
 *
 * Invariants: when valid, start < end; children are sorted, disjoint and
 * inside [start, end); every UNAVAILABLE child is exactly a gap between
 * two advertised regions, so a SCRATCH child never touches a gap.
 */
#include <public/errno.h>
#include <rt/dt.h>
#include <xen/resource.h>

static int add_child(struct xres *r, uint64_t start, uint64_t end, enum xres_kind kind)
{
	unsigned int i;

	if (r->nr_children == XRES_MAX_CHILDREN)
		return -XEN_ENOMEM;
	for (i = r->nr_children; i > 0 && r->child[i - 1].start > start; i--)
		r->child[i] = r->child[i - 1];
	r->child[i] = (struct xres_child){start, end, kind};
	r->nr_children++;
	return 0;
}

int xres_init(struct xres *r, const struct rt_range *regs, unsigned int n)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned int i;
	int rc;

	r->valid = false;
	r->nr_children = 0;
	r->nr_regions = 0;
	if (!n) {
		rt_printf("xen: no extended regions found\n");
		return -XEN_EINVAL;
	}
	for (i = 0; i < n; i++) {
		uint64_t end = regs[i].base + regs[i].size;

		if (!regs[i].size || end < regs[i].base) {
			rt_printf("xen: extended region %u [%#lx, +%#lx) is empty or wraps\n", i + 1,
				  (unsigned long)regs[i].base, (unsigned long)regs[i].size);
			return -XEN_EINVAL;
		}
		if (regs[i].base < lo)
			lo = regs[i].base;
		if (end > hi)
			hi = end;
	}
	r->start = lo;
	r->end = hi;

	/* Consecutive pairs: a region starting before the previous one ends is
	 * an overlap or a descending order; both reject the whole list. */
	for (i = 1; i < n; i++) {
		uint64_t prev_end = regs[i - 1].base + regs[i - 1].size;

		if (regs[i].base < prev_end) {
			rt_printf("xen: extended region %u [%#lx, %#lx) overlaps or precedes "
				  "region %u ending at %#lx: no unused-space resource\n",
				  i + 1, (unsigned long)regs[i].base,
				  (unsigned long)(regs[i].base + regs[i].size), i,
				  (unsigned long)prev_end);
			rc = -XEN_EINVAL;
			goto err_reset;
		}
		if (regs[i].base == prev_end)
			continue;
		rc = add_child(r, prev_end, regs[i].base, XRES_UNAVAILABLE);
		if (rc) {
			rt_printf("xen: cannot record the gap [%#lx, %#lx): too many regions\n",
				  (unsigned long)prev_end, (unsigned long)regs[i].base);
			goto err_reset;
		}
	}
	r->nr_regions = n;
	r->valid = true;
	return 0;

err_reset:
	r->nr_children = 0;
	r->start = r->end = 0;
	return rc;
}

int xres_init_from_dt(struct xres *r, const void *fdt)
{
	struct rt_range regs[128];
	unsigned int n = 0, total;
	int node = rt_dt_hypervisor(fdt);

	r->valid = false;
	r->nr_children = 0;
	if (node < 0) {
		rt_printf("xen: no hypervisor node in the device tree\n");
		return -XEN_ENODEV;
	}
	total = rt_dt_reg_count(fdt, node);
	for (unsigned int i = XRES_EXT_INDEX; i < total && n < RT_ARRAY_SIZE(regs); i++) {
		if (rt_dt_reg(fdt, node, i, &regs[n]))
			break;
		n++;
	}
	return xres_init(r, regs, n);
}

int xres_alloc(struct xres *r, uint64_t size, uint64_t align, uint64_t *out)
{
	uint64_t cur;

	if (!r->valid || !size || !align || (align & (align - 1)))
		return -XEN_EINVAL;
	cur = r->start;
	/* Walk the free space between children, lowest first. */
	for (unsigned int i = 0; i <= r->nr_children; i++) {
		uint64_t limit = i < r->nr_children ? r->child[i].start : r->end;
		uint64_t base = (cur + align - 1) & ~(align - 1);

		if (base >= cur && base < limit && limit - base >= size) {
			if (add_child(r, base, base + size, XRES_SCRATCH))
				return -XEN_EBUSY;
			*out = base;
			return 0;
		}
		if (i < r->nr_children)
			cur = r->child[i].end;
	}
	return -XEN_EBUSY;
}

int xres_release(struct xres *r, uint64_t start)
{
	for (unsigned int i = 0; i < r->nr_children; i++) {
		if (r->child[i].start != start || r->child[i].kind != XRES_SCRATCH)
			continue;
		for (; i + 1 < r->nr_children; i++)
			r->child[i] = r->child[i + 1];
		r->nr_children--;
		return 0;
	}
	return -XEN_ENOENT;
}

uint64_t xres_free_bytes(const struct xres *r)
{
	uint64_t used = 0;

	if (!r->valid)
		return 0;
	for (unsigned int i = 0; i < r->nr_children; i++)
		used += r->child[i].end - r->child[i].start;
	return r->end - r->start - used;
}

bool xres_in_region(const struct xres *r, uint64_t start, uint64_t size)
{
	uint64_t end = start + size;

	if (!r->valid || end < start || start < r->start || end > r->end)
		return false;
	for (unsigned int i = 0; i < r->nr_children; i++)
		if (r->child[i].kind == XRES_UNAVAILABLE && start < r->child[i].end &&
		    r->child[i].start < end)
			return false;
	return true;
}

void xres_print(const struct xres *r)
{
	if (!r->valid) {
		rt_printf("xen: unused space: none\n");
		return;
	}
	rt_printf("xen: unused space [%#lx, %#lx) from %u region(s)\n", (unsigned long)r->start,
		  (unsigned long)r->end, r->nr_regions);
	for (unsigned int i = 0; i < r->nr_children; i++)
		rt_printf("xen:   %s [%#lx, %#lx)\n",
			  r->child[i].kind == XRES_UNAVAILABLE ? "unavailable" : "scratch",
			  (unsigned long)r->child[i].start, (unsigned long)r->child[i].end);
}
