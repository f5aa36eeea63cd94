/*
 * Device-tree readers. Cell counts come from the parent node (defaults 2/1
 * as the DT specification says when absent); values wider than 64 bits are
 * rejected.
 */
#include <libfdt.h>

#include <rt/dt.h>

static int cells(const void *fdt, int node, const char *name, int dflt)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p || len != 4)
		return dflt;
	return (int)fdt32_ld(p);
}

static bool read_cells(const fdt32_t *p, int n, uint64_t *out)
{
	uint64_t v = 0;

	if (n < 0 || n > 2)
		return false;
	for (int i = 0; i < n; i++)
		v = (v << 32) | fdt32_ld(&p[i]);
	*out = v;
	return true;
}

static bool reg_layout(const void *fdt, int node, int *ac, int *sc)
{
	int parent = fdt_parent_offset(fdt, node);

	if (parent < 0)
		return false;
	*ac = cells(fdt, parent, "#address-cells", 2);
	*sc = cells(fdt, parent, "#size-cells", 1);
	return *ac >= 1 && *ac <= 2 && *sc >= 0 && *sc <= 2;
}

unsigned int rt_dt_reg_count(const void *fdt, int node)
{
	int ac, sc, len;
	const fdt32_t *p;

	if (!reg_layout(fdt, node, &ac, &sc))
		return 0;
	p = fdt_getprop(fdt, node, "reg", &len);
	if (!p || len <= 0 || len % (4 * (ac + sc)))
		return 0;
	return (unsigned int)(len / (4 * (ac + sc)));
}

int rt_dt_reg(const void *fdt, int node, unsigned int idx, struct rt_range *out)
{
	int ac, sc, len;
	const fdt32_t *p;

	if (idx >= rt_dt_reg_count(fdt, node) || !reg_layout(fdt, node, &ac, &sc))
		return -1;
	p = fdt_getprop(fdt, node, "reg", &len);
	p += idx * (unsigned int)(ac + sc);
	out->size = 0;
	if (!read_cells(p, ac, &out->base) || !read_cells(p + ac, sc, &out->size))
		return -1;
	return 0;
}

static void insert_sorted(struct rt_range *a, unsigned int *n, unsigned int max,
			  struct rt_range r)
{
	unsigned int i = *n;

	if (*n == max)
		return;
	while (i > 0 && a[i - 1].base > r.base) {
		a[i] = a[i - 1];
		i--;
	}
	a[i] = r;
	(*n)++;
}

unsigned int rt_dt_memory(const void *fdt, struct rt_range *out, unsigned int max)
{
	unsigned int n = 0;
	int node;

	fdt_for_each_subnode(node, fdt, 0) {
		int len;
		const char *type = fdt_getprop(fdt, node, "device_type", &len);

		if (!type || len < 7 || fdt_stringlist_search(fdt, node, "device_type", "memory") < 0)
			continue;
		for (unsigned int i = 0; i < rt_dt_reg_count(fdt, node); i++) {
			struct rt_range r;
			if (!rt_dt_reg(fdt, node, i, &r) && r.size)
				insert_sorted(out, &n, max, r);
		}
	}
	return n;
}

unsigned int rt_dt_memreserve(const void *fdt, struct rt_range *out, unsigned int max)
{
	unsigned int n = 0;
	int total = fdt_num_mem_rsv(fdt);

	for (int i = 0; i < total && n < max; i++) {
		uint64_t a, s;
		if (!fdt_get_mem_rsv(fdt, i, &a, &s))
			out[n++] = (struct rt_range){a, s};
	}
	return n;
}

int rt_dt_hypervisor(const void *fdt)
{
	return fdt_node_offset_by_compatible(fdt, -1, "xen,xen");
}
