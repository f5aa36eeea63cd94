/*
 * Device-tree reading over libfdt: the memory map and the /hypervisor node.
 * All readers are bounds-checked and return -1 (or 0 entries) on a
 * malformed tree rather than reading past a property.
 */
#ifndef RT_DT_H
#define RT_DT_H

#include <rt/rt.h>

struct rt_range {
	uint64_t base, size;
};

/* Entry idx of node's reg, decoded with the parent's #address/#size-cells. */
int rt_dt_reg(const void *fdt, int node, unsigned int idx, struct rt_range *out);
/* Number of reg entries of node (0 when none or malformed). */
unsigned int rt_dt_reg_count(const void *fdt, int node);
/* RAM banks from every memory node, ascending. Returns the count. */
unsigned int rt_dt_memory(const void *fdt, struct rt_range *out, unsigned int max);
/* /memreserve/ entries. Returns the count. */
unsigned int rt_dt_memreserve(const void *fdt, struct rt_range *out, unsigned int max);
/* Offset of the node compatible with "xen,xen", or < 0. */
int rt_dt_hypervisor(const void *fdt);

#endif
