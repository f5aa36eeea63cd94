/*
 * Does a DomU's device tree hold what the planner planned for it?
 * (issue 16 item 5: "matching what the toolstack builds, a test compares
 * the two"). Checks, with libfdt, everything the plan decides:
 *   - root cells 2/2 (libxl guests);
 *   - the RAM banks: the `reg` of every memory node, in order;
 *   - /hypervisor: compatible "xen,xen-<major>.<minor>", then `reg` =
 *     region 0 (grant table) followed by exactly the extended regions;
 *   - every virtio,mmio node: its window and `interrupts` = <0 spi-32
 *     flags> with flags edge rising, the set equal to the plan's windows;
 *   - /chosen bootargs = the config's command line.
 * Returns true, or false with the first difference in `why`.
 */
#ifndef TESTS_PLANNER_DOMU_DT_COMPARE_H
#define TESTS_PLANNER_DOMU_DT_COMPARE_H

#include <inttypes.h>
#include <libfdt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "domu_plan.h"

static uint64_t dcmp_cells(const fdt32_t *p, unsigned int i)
{
	return (uint64_t)fdt32_to_cpu(p[2 * i]) << 32 | fdt32_to_cpu(p[2 * i + 1]);
}

static bool dcmp_fail(char *why, size_t n, const char *what, uint64_t got, uint64_t want)
{
	snprintf(why, n, "%s: DT has %#" PRIx64 ", plan %#" PRIx64, what, got, want);
	return false;
}

static bool domu_dt_matches_plan(const void *fdt, const struct domu_plan *p,
				 const struct xlcfg *cfg, char *why, size_t n)
{
	const struct xen_policy_traits *t = xen_policy_traits(p->policy);
	const fdt32_t *reg;
	const char *s;
	char compat[32];
	int node, len, nv = 0;
	unsigned int k, nmem = 0;

	if (fdt_check_header(fdt))
		return snprintf(why, n, "not a device tree"), false;
	reg = fdt_getprop(fdt, 0, "#address-cells", &len);
	if (!reg || fdt32_to_cpu(*reg) != 2)
		return snprintf(why, n, "root #address-cells is not 2"), false;
	reg = fdt_getprop(fdt, 0, "#size-cells", &len);
	if (!reg || fdt32_to_cpu(*reg) != 2)
		return snprintf(why, n, "root #size-cells is not 2"), false;

	/* RAM: every memory node's reg, in tree order */
	fdt_for_each_subnode(node, fdt, 0) {
		const char *name = fdt_get_name(fdt, node, NULL);

		s = fdt_getprop(fdt, node, "device_type", NULL);
		if (!(s && !strcmp(s, "memory")) && strncmp(name, "memory", 6))
			continue;
		reg = fdt_getprop(fdt, node, "reg", &len);
		if (!reg || len % 16)
			return snprintf(why, n, "memory node %s: bad reg", name), false;
		for (k = 0; k < (unsigned int)len / 16; k++, nmem++) {
			if (nmem >= p->nr_mem)
				return dcmp_fail(why, n, "an extra RAM bank", dcmp_cells(reg, 2 * k),
						 0);
			if (dcmp_cells(reg, 2 * k) != p->mem[nmem].start)
				return dcmp_fail(why, n, "RAM bank start", dcmp_cells(reg, 2 * k),
						 p->mem[nmem].start);
			if (dcmp_cells(reg, 2 * k + 1) != p->mem[nmem].size)
				return dcmp_fail(why, n, "RAM bank size",
						 dcmp_cells(reg, 2 * k + 1), p->mem[nmem].size);
		}
	}
	if (nmem != p->nr_mem)
		return dcmp_fail(why, n, "number of RAM banks", nmem, p->nr_mem);

	/* /hypervisor: compatible, region 0, the extended regions */
	node = fdt_path_offset(fdt, "/hypervisor");
	if (node < 0)
		return snprintf(why, n, "no /hypervisor node"), false;
	snprintf(compat, sizeof(compat), "xen,xen-%u.%u", t->major, t->minor);
	s = fdt_getprop(fdt, node, "compatible", &len);
	if (!s || strcmp(s, compat))
		return snprintf(why, n, "/hypervisor compatible is \"%.40s\", plan \"%s\"",
				s ? s : "(none)", compat), false;
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || len % 16)
		return snprintf(why, n, "/hypervisor: bad reg"), false;
	if ((unsigned int)len / 16 != 1 + p->ext.nr)
		return dcmp_fail(why, n, "number of /hypervisor reg entries (1 + regions)",
				 (unsigned int)len / 16, 1 + p->ext.nr);
	if (dcmp_cells(reg, 0) != p->gnttab.start || dcmp_cells(reg, 1) != p->gnttab.size)
		return dcmp_fail(why, n, "region 0", dcmp_cells(reg, 0), p->gnttab.start);
	for (k = 0; k < p->ext.nr; k++) {
		if (dcmp_cells(reg, 2 * (k + 1)) != p->ext.region[k].start)
			return dcmp_fail(why, n, "extended region start",
					 dcmp_cells(reg, 2 * (k + 1)), p->ext.region[k].start);
		if (dcmp_cells(reg, 2 * (k + 1) + 1) != p->ext.region[k].size)
			return dcmp_fail(why, n, "extended region size",
					 dcmp_cells(reg, 2 * (k + 1) + 1), p->ext.region[k].size);
	}

	/* virtio,mmio nodes: each one planned, with its SPI */
	for (node = fdt_node_offset_by_compatible(fdt, -1, "virtio,mmio"); node >= 0;
	     node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio"), nv++) {
		const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);
		const fdt32_t *r = fdt_getprop(fdt, node, "reg", NULL);
		uint64_t base;

		if (!r || !irq || len != 12)
			return snprintf(why, n, "virtio node without reg or interrupts"), false;
		base = dcmp_cells(r, 0);
		for (k = 0; k < p->nr_virtio && p->virtio[k].base != base; k++)
			;
		if (k == p->nr_virtio)
			return dcmp_fail(why, n, "a virtio,mmio window the plan lacks", base, 0);
		if (dcmp_cells(r, 1) != p->virtio[k].size)
			return dcmp_fail(why, n, "virtio window size", dcmp_cells(r, 1),
					 p->virtio[k].size);
		/* GIC SPI, edge rising; the CPU-mask bits (libxl writes 0xf01,
		 * hv/boot/guestdt.c 1) are the writer's, not the plan's */
		if (fdt32_to_cpu(irq[0]) != 0 || (fdt32_to_cpu(irq[2]) & 0xff) != 1)
			return dcmp_fail(why, n, "virtio interrupt type (want SPI, edge rising)",
					 fdt32_to_cpu(irq[2]), 1);
		if (fdt32_to_cpu(irq[1]) + 32 != p->virtio[k].spi)
			return dcmp_fail(why, n, "virtio SPI (interrupts <0 spi-32 flags>)",
					 fdt32_to_cpu(irq[1]) + 32, p->virtio[k].spi);
	}
	if ((unsigned int)nv != p->nr_virtio)
		return dcmp_fail(why, n, "number of virtio,mmio nodes", (unsigned int)nv,
				 p->nr_virtio);

	node = fdt_path_offset(fdt, "/chosen");
	s = node >= 0 ? fdt_getprop(fdt, node, "bootargs", NULL) : NULL;
	if (cfg->extra[0] && (!s || strcmp(s, cfg->extra)))
		return snprintf(why, n, "bootargs \"%.60s\", config \"%.60s\"", s ? s : "(none)",
				cfg->extra), false;
	return true;
}

#endif
