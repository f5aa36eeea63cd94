/*
 * PV IOMMU client (iommu_op, hypercall 43; docs/pv-iommu.md), IOREQ
 * servers for emulators (dm_op 41, memvisor sub-op), and a driver for
 * memvisor's emulated DMA engine ("memvisor,dma-v1").
 *
 * Batching: a struct xiommu_batch collects operations of any sub-op in a
 * page-backed array (guest memory, as the hypercall needs) and submits
 * them in one call, so the hypervisor flushes the IOTLB once per batch.
 * Each element keeps its own status after the submit. The one-op helpers
 * are batches of one.
 */
#ifndef XEN_IOMMU_H
#define XEN_IOMMU_H

#include <public/iommu_op.h>
#include <public/xen.h>
#include <rt/rt.h>

struct xiommu_batch {
	struct pv_iommu_op *ops; /* rt_alloc_pages() memory */
	unsigned int n, cap;
	unsigned int pages;
};

/* A batch with room for `pages` pages of ops (128 per page). 0 or -ENOMEM. */
int xiommu_batch_init(struct xiommu_batch *b, unsigned int pages);
void xiommu_batch_free(struct xiommu_batch *b);
void xiommu_batch_reset(struct xiommu_batch *b);

/* Appends one op; returns its index, or -ENOSPC when the batch is full. */
int xiommu_add_map(struct xiommu_batch *b, uint64_t bfn, uint64_t gfn, uint16_t flags);
int xiommu_add_unmap(struct xiommu_batch *b, uint64_t bfn, uint16_t flags);
int xiommu_add_map_foreign(struct xiommu_batch *b, uint64_t bfn, domid_t dom, uint64_t gfn,
			   ioservid_t ios, uint16_t flags);
int xiommu_add_lookup_foreign(struct xiommu_batch *b, domid_t dom, uint64_t gfn,
			      ioservid_t ios);
int xiommu_add_unmap_foreign(struct xiommu_batch *b, uint64_t bfn, ioservid_t ios,
			     uint16_t flags);

/*
 * Submits every op in one iommu_op call. Returns the call's result (0, or
 * a negated errno such as -EFAULT); per-op results are in ops[i].status.
 * The ops stay in the batch until xiommu_batch_reset().
 */
long xiommu_batch_submit(struct xiommu_batch *b);
/* Number of ops whose status is not 0 (after a submit). */
unsigned int xiommu_batch_failures(const struct xiommu_batch *b);

/* One-op helpers: the op's status (0 or -errno), or the call's error. */
int xiommu_query_caps(uint16_t *caps);
int xiommu_map_page(uint64_t bfn, uint64_t gfn, uint16_t flags);
int xiommu_unmap_page(uint64_t bfn, uint16_t flags);
/* *bfn: IN with a translating context, OUT (the machine frame) without. */
int xiommu_map_foreign(uint64_t *bfn, domid_t dom, uint64_t gfn, ioservid_t ios,
		       uint16_t flags);
int xiommu_lookup_foreign(domid_t dom, uint64_t gfn, ioservid_t ios, uint64_t *bfn,
			  uint16_t *flags);
int xiommu_unmap_foreign(uint64_t bfn, ioservid_t ios, uint16_t flags);

/* An enabled IOREQ server for `target` (dm_op create_ioreq_server, with a
 * buffered ring when buf_gfn is given), its buffered ring and ioreq page
 * mapped at these gfns of ours with XENMEM_acquire_resource (XDM_NO_PAGE:
 * not mapped; what was at a gfn is released). 0 with *id, or -errno (the
 * server is destroyed again). */
#define XDM_NO_PAGE (~(xen_pfn_t)0)
int xdm_create_ioreq_server(domid_t target, xen_pfn_t buf_gfn, xen_pfn_t sync_gfn,
			    ioservid_t *id);
int xdm_destroy_ioreq_server(domid_t target, ioservid_t id);
/* dm_op on server id of target: claim the MMIO range [start, end]
 * (inclusive, as Xen's map_io_range_to_ioreq_server), and set the level of
 * target's interrupt line irq (set_irq_level). 0 or -errno. */
int xdm_map_mmio_range(domid_t target, ioservid_t id, uint64_t start, uint64_t end);
int xdm_set_irq_level(domid_t target, uint32_t irq, uint32_t level);

/* ----- memvisor's DMA engine (registers: docs/pv-iommu.md) ----- */
#define XDMA_ID 0x31304d4444564d4dULL
#define XDMA_REG_ID 0x00
#define XDMA_REG_SRC 0x08
#define XDMA_REG_DST 0x10
#define XDMA_REG_LEN 0x18
#define XDMA_REG_CTRL 0x20
#define XDMA_REG_STATUS 0x28
#define XDMA_REG_FAULT_ADDR 0x30
#define XDMA_REG_DONE_COUNT 0x38
#define XDMA_CTRL_START 1ULL
#define XDMA_ST_DONE (1ULL << 0)
#define XDMA_ST_FAULT (1ULL << 1)
#define XDMA_ST_FAULT_WRITE (1ULL << 2)
#define XDMA_ST_ERR(st) ((int)(((st) >> 8) & 0xff))

/* Finds the engine in the device tree (compatible "memvisor,dma-v1"), maps
 * its window and checks the ID register. 0 with *base, -ENODEV, -ENOMEM. */
int xdma_find(const void *fdt, uint64_t *base);
/*
 * Copies len bytes from bus address src to bus address dst and returns the
 * STATUS register (XDMA_ST_DONE, or XDMA_ST_FAULT with the errno in bits
 * 8-15); *fault gets FAULT_ADDR when not NULL.
 */
uint64_t xdma_copy(uint64_t base, uint64_t dst, uint64_t src, uint64_t len, uint64_t *fault);

#endif
