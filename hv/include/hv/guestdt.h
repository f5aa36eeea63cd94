/*
 * Guest device tree generation.
 *
 * guestdt_build() writes a complete, self-contained DTB for one domain into
 * a caller buffer: the root (#address-cells/#size-cells), one memory node
 * with every RAM bank, /chosen (bootargs and optional memvisor,* properties)
 * and, when asked, /hypervisor with
 *   compatible = "xen,xen-<major>.<minor>", "xen,xen";
 *   reg        = region 0 (grant table), then extended regions 1..N;
 *   interrupts = <1 (PPI) 15 (31 - 16) 0xf08 (level low, all CPUs)>.
 * and, when given, one node per emulated device:
 *   /<name>@<addr> { compatible = "<compatible>"; reg = <addr size>; };
 * (memvisor's DMA engine: "dma", "memvisor,dma-v1"; docs/pv-iommu.md).
 * Without devices the output is exactly what it was before devices existed.
 * Cell counts follow the facts: 2/2 for DomUs, the host root's counts for
 * Dom0 (1 or 2 each). With one cell, values keep their low 32 bits exactly
 * as Xen writes them; guestdt_build() counts such truncations so the caller
 * can warn (Xen does not).
 */
#ifndef HV_GUESTDT_H
#define HV_GUESTDT_H

#include <stddef.h>
#include <stdint.h>

#include <hv/bootinfo.h>
#include <hv/extregion.h>

/* An emulated device the guest should find in its tree. */
struct guestdt_device {
	const char *name;       /* node name without unit address, e.g. "dma" */
	const char *compatible;
	paddr_t base, size;
	/* 0: no interrupt; else an SPI (>= 32), written as libxl does for
	 * virtio,mmio: interrupts = <0 (spi - 32) 1> (GIC SPI, edge rising). */
	uint32_t spi;
};

/*
 * A virtio-mmio disk this domain serves for another (memvisor,virtio-disk
 * on the frontend's node), what xenstore tells virtio-disk: written as
 *   /virtio-backend-<k> { compatible = "memvisor,virtio-backend";
 *     memvisor,frontend = <domid>; memvisor,window = <base size>;
 *     memvisor,spi = <spi>; memvisor,frontend-memory = <start size>...; };
 * every address and size as two cells whatever the root's counts.
 */
struct guestdt_vbackend {
	uint32_t frontend;
	paddr_t base, size;
	uint32_t spi;
	const struct ext_span *mem; /* the frontend's guest RAM banks */
	unsigned int nr_mem;
};

struct guestdt_info {
	unsigned int xen_major, xen_minor;
	uint32_t addr_cells, size_cells; /* 1 or 2 each */
	const struct ext_span *mem;      /* guest RAM banks */
	unsigned int nr_mem;
	const char *bootargs;            /* may be NULL */
	const struct bootinfo_prop *props; /* memvisor,* copied to /chosen */
	unsigned int nr_props;
	bool hypervisor_node;
	struct ext_region gnttab;        /* region 0 */
	const struct ext_region *regions;
	unsigned int nr_regions;
	const struct guestdt_device *devices; /* optional */
	unsigned int nr_devices;
	const struct guestdt_vbackend *vbackends; /* optional */
	unsigned int nr_vbackends;
};

struct guestdt_report {
	unsigned int truncated;          /* values that lost high bits */
	paddr_t first_truncated;         /* the first such value */
};

/*
 * Builds into buf[0..len). Returns the DTB size (> 0), -EINVAL for bad cell
 * counts, -ENOSPC when buf is too small. rep may be NULL.
 */
int guestdt_build(void *buf, size_t len, const struct guestdt_info *gi,
		  struct guestdt_report *rep);

#endif
