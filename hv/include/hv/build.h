/*
 * Building a whole system: every domain of a layout plan, with its memory
 * assigned and mapped, and its guest device tree generated.
 *
 * The machine's RAM must be the host DT's RAM banks (struct bootinfo.ram).
 * Order matters and follows Xen's boot: static banks of every domain leave
 * the heap first, then the hypervisor image and Dom0's 1:1 banks, then
 * ordinary domains are allocated from what remains, largest extents first.
 * Static banks are validated (staticcheck) before anything is claimed. On
 * failure every domain built so far is destroyed and static banks no domain
 * took go back to the heap, so the heap holds what it held before.
 *
 * IOMMU: every domain gets its context at build (iommu_domain_init) with
 * the mode the bootargs' iommu= and the plan give it: translating for a
 * domain with an assigned device (the plan's iommu, or an emulated device
 * that does DMA, such as memvisor,dma-device) on a host with an IOMMU, Dom0
 * strict, relaxed or passthrough as iommu= says.
 *
 * Emulated devices: the VMM describes the devices it can emulate (struct
 * build_device); the builder knows none by name. For each domain it finds
 * each device's window in the host DT, checks that it stays clear of the
 * domain's RAM, region 0, extended regions and the other windows (the P2M
 * never maps it, so guest accesses reach the device), and describes it in
 * the guest DT.
 *
 * virtio-mmio disks (memvisor,virtio-disk on a frontend's node): served by
 * a backend domain through IOREQ, not by the VMM. The builder checks the
 * backend (a domain of the system, not the frontend itself, Dom0 or one
 * whose memvisor,backend-for names the frontend), places the 0x200-byte
 * window where the property says or, as libxl does, at the first free
 * 0x200 step from GUEST_VIRTIO_MMIO_BASE (0x02000000, within 1 MiB) with
 * SPI 33, clear of RAM, region 0, extended regions and the VMM's device
 * windows; the frontend's DT gets the `virtio,mmio` node, the backend's a
 * `memvisor,virtio-backend` node per disk it serves (what xenstore gives
 * virtio-disk: frontend, base, irq; and the frontend's RAM banks, which
 * virtio-disk computes from the RAM size and Xen's fixed guest map).
 */
#ifndef HV_BUILD_H
#define HV_BUILD_H

#include <hv/bootinfo.h>
#include <hv/hv.h>
#include <hv/layout.h>

#define BUILD_MAX_DEVICES 4

struct build_device {
	const char *prop;       /* property of a dom0less domain's node: the
				 * window's guest-physical address (1 or 2 cells) */
	const char *dom0_prop;  /* Dom0's property in the host /chosen (NULL: none) */
	const char *node;       /* guest DT node name, e.g. "dma" */
	const char *compatible; /* guest DT compatible */
	paddr_t size;           /* window bytes, page aligned */
	bool dma;               /* does DMA: the domain needs an IOMMU */
};

struct build_domain {
	struct domain *d;
	unsigned int plan_index;  /* index in layout_plan.dom */
	int bootinfo_index;       /* -1 for Dom0 */
	void *dtb;                /* generated guest DT (malloc'd) */
	/* Window of each device given to build_system (same index); 0: the
	 * domain does not have it. The VMM puts the device there. */
	paddr_t dev_base[BUILD_MAX_DEVICES];
	size_t dtb_len;
	/* memvisor,virtio-disk: the window (0: none) and SPI of the domain's
	 * virtio-mmio disk, and the domain that serves it through IOREQ. */
	paddr_t virtio_base;
	uint32_t virtio_spi;
	domid_t virtio_backend;
};

struct build_result {
	struct build_domain *dom;
	unsigned int nr;
	char err[256];
};

/* Builds every domain of plan, with the emulated devices dev[0..nr_dev)
 * where the host DT places them (at most BUILD_MAX_DEVICES). 0 or -errno
 * with a message in out->err. build_result_free() in every case. */
int build_system(struct hv *hv, const struct bootinfo *bi, const struct layout_plan *plan,
		 const struct build_device *dev, unsigned int nr_dev, struct build_result *out);
void build_result_free(struct build_result *r);

/* Populates [gaddr, gaddr+size) of d with heap frames, largest extents first. */
int build_populate_range(struct domain *d, paddr_t gaddr, paddr_t size);

/* Gives the static domain d its banks ld->host_mem (already CLAIMED, see
 * staticmem_claim): acquired and packed in order into ld->mem, or mapped
 * 1:1 when d is direct-mapped. What build_system does for xen,static-mem;
 * the guest-test driver builds its static domains with it too. */
int build_static(struct domain *d, const struct layout_domain *ld);

#endif
