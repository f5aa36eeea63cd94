/*
 * PV IOMMU client, dm_op IOREQ servers and the DMA engine driver (see
 * xen/iommu.h).
 *
 * The op array lives in pages from rt_alloc_pages() because the hypervisor
 * reads and writes it by guest-physical address (hosted guests: globals
 * are not guest memory). The one-op helpers use a stack element, which is
 * guest memory on both transports.
 */
#include <libfdt.h>

#include <public/dm_op.h>
#include <public/memory.h>
#include <public/errno.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/mmio.h>
#include <xen/iommu.h>

#define OPS_PER_PAGE (RT_PAGE_SIZE / sizeof(struct pv_iommu_op))

static long iommu_op(struct pv_iommu_op *ops, unsigned int count)
{
	return rt_hypercall(__HYPERVISOR_iommu_op, rt_virt_to_phys(ops), count, 0, 0, 0);
}

int xiommu_batch_init(struct xiommu_batch *b, unsigned int pages)
{
	b->ops = rt_alloc_pages(pages);
	b->n = 0;
	b->pages = pages;
	b->cap = b->ops ? pages * (unsigned int)OPS_PER_PAGE : 0;
	return b->ops ? 0 : -XEN_ENOMEM;
}

void xiommu_batch_free(struct xiommu_batch *b)
{
	if (b->ops)
		rt_free_pages(b->ops, b->pages);
	b->ops = NULL;
	b->n = b->cap = 0;
}

void xiommu_batch_reset(struct xiommu_batch *b)
{
	b->n = 0;
}

static struct pv_iommu_op *slot(struct xiommu_batch *b, uint16_t subop, uint16_t flags)
{
	struct pv_iommu_op *op;

	if (b->n == b->cap)
		return NULL;
	op = &b->ops[b->n++];
	*op = (struct pv_iommu_op){.subop_id = subop, .flags = flags};
	return op;
}

int xiommu_add_map(struct xiommu_batch *b, uint64_t bfn, uint64_t gfn, uint16_t flags)
{
	struct pv_iommu_op *op = slot(b, IOMMUOP_map_page, flags);

	if (!op)
		return -XEN_ENOSPC;
	op->u.map_page.bfn = bfn;
	op->u.map_page.gfn = gfn;
	return (int)(op - b->ops);
}

int xiommu_add_unmap(struct xiommu_batch *b, uint64_t bfn, uint16_t flags)
{
	struct pv_iommu_op *op = slot(b, IOMMUOP_unmap_page, flags);

	if (!op)
		return -XEN_ENOSPC;
	op->u.unmap_page.bfn = bfn;
	return (int)(op - b->ops);
}

int xiommu_add_map_foreign(struct xiommu_batch *b, uint64_t bfn, domid_t dom, uint64_t gfn,
			   ioservid_t ios, uint16_t flags)
{
	struct pv_iommu_op *op = slot(b, IOMMUOP_map_foreign_page, flags);

	if (!op)
		return -XEN_ENOSPC;
	op->u.map_foreign_page.bfn = bfn;
	op->u.map_foreign_page.gfn = gfn;
	op->u.map_foreign_page.domid = dom;
	op->u.map_foreign_page.ioserver = ios;
	return (int)(op - b->ops);
}

int xiommu_add_lookup_foreign(struct xiommu_batch *b, domid_t dom, uint64_t gfn,
			      ioservid_t ios)
{
	struct pv_iommu_op *op = slot(b, IOMMUOP_lookup_foreign_page, 0);

	if (!op)
		return -XEN_ENOSPC;
	op->u.lookup_foreign_page.gfn = gfn;
	op->u.lookup_foreign_page.domid = dom;
	op->u.lookup_foreign_page.ioserver = ios;
	return (int)(op - b->ops);
}

int xiommu_add_unmap_foreign(struct xiommu_batch *b, uint64_t bfn, ioservid_t ios,
			     uint16_t flags)
{
	struct pv_iommu_op *op = slot(b, IOMMUOP_unmap_foreign_page, flags);

	if (!op)
		return -XEN_ENOSPC;
	op->u.unmap_foreign_page.bfn = bfn;
	op->u.unmap_foreign_page.ioserver = ios;
	return (int)(op - b->ops);
}

long xiommu_batch_submit(struct xiommu_batch *b)
{
	for (unsigned int i = 0; i < b->n; i++)
		b->ops[i].status = 1; /* not processed */
	return b->n ? iommu_op(b->ops, b->n) : 0;
}

unsigned int xiommu_batch_failures(const struct xiommu_batch *b)
{
	unsigned int bad = 0;

	for (unsigned int i = 0; i < b->n; i++)
		bad += b->ops[i].status != 0;
	return bad;
}

/* Runs one op held on the stack (guest memory on both transports). */
static int one(struct pv_iommu_op *op)
{
	long rc = iommu_op(op, 1);

	return rc ? (int)rc : op->status;
}

int xiommu_query_caps(uint16_t *caps)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_query_caps};
	int rc = one(&op);

	if (!rc)
		*caps = op.flags;
	return rc;
}

int xiommu_map_page(uint64_t bfn, uint64_t gfn, uint16_t flags)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_map_page, .flags = flags};

	op.u.map_page.bfn = bfn;
	op.u.map_page.gfn = gfn;
	return one(&op);
}

int xiommu_unmap_page(uint64_t bfn, uint16_t flags)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_unmap_page, .flags = flags};

	op.u.unmap_page.bfn = bfn;
	return one(&op);
}

int xiommu_map_foreign(uint64_t *bfn, domid_t dom, uint64_t gfn, ioservid_t ios,
		       uint16_t flags)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_map_foreign_page, .flags = flags};
	int rc;

	op.u.map_foreign_page.bfn = *bfn;
	op.u.map_foreign_page.gfn = gfn;
	op.u.map_foreign_page.domid = dom;
	op.u.map_foreign_page.ioserver = ios;
	rc = one(&op);
	if (!rc)
		*bfn = op.u.map_foreign_page.bfn;
	return rc;
}

int xiommu_lookup_foreign(domid_t dom, uint64_t gfn, ioservid_t ios, uint64_t *bfn,
			  uint16_t *flags)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_lookup_foreign_page};
	int rc;

	op.u.lookup_foreign_page.gfn = gfn;
	op.u.lookup_foreign_page.domid = dom;
	op.u.lookup_foreign_page.ioserver = ios;
	rc = one(&op);
	if (!rc) {
		*bfn = op.u.lookup_foreign_page.bfn;
		if (flags)
			*flags = op.flags;
	}
	return rc;
}

int xiommu_unmap_foreign(uint64_t bfn, ioservid_t ios, uint16_t flags)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_unmap_foreign_page, .flags = flags};

	op.u.unmap_foreign_page.bfn = bfn;
	op.u.unmap_foreign_page.ioserver = ios;
	return one(&op);
}

static long dm_op(domid_t target, struct xen_dm_op *op)
{
	struct xen_dm_op_buf buf = {.h = rt_handle(op), .size = sizeof(*op)};

	return rt_hypercall(__HYPERVISOR_dm_op, target, 1, rt_handle(&buf), 0, 0);
}

/* Maps frame `frame` of server id of target at our gfn. */
static long acquire(domid_t target, ioservid_t id, unsigned int frame, xen_pfn_t gfn)
{
	xen_pfn_t list[1] = {gfn};
	struct xen_mem_acquire_resource r = {
		.domid = target, .type = XENMEM_resource_ioreq_server, .id = id,
		.nr_frames = 1, .frame = frame, .frame_list = rt_handle(list),
	};

	return rt_hypercall(__HYPERVISOR_memory_op, XENMEM_acquire_resource, rt_handle(&r), 0, 0,
			    0);
}

int xdm_create_ioreq_server(domid_t target, xen_pfn_t buf_gfn, xen_pfn_t sync_gfn,
			    ioservid_t *id)
{
	struct xen_dm_op op = {.op = XEN_DMOP_create_ioreq_server};
	long rc;

	op.u.create_ioreq_server.handle_bufioreq =
		buf_gfn == XDM_NO_PAGE ? HVM_IOREQSRV_BUFIOREQ_OFF : HVM_IOREQSRV_BUFIOREQ_LEGACY;
	rc = dm_op(target, &op);
	if (rc)
		return (int)rc;
	*id = op.u.create_ioreq_server.id;
	if (buf_gfn != XDM_NO_PAGE)
		rc = acquire(target, *id, XENMEM_resource_ioreq_server_frame_bufioreq, buf_gfn);
	if (!rc && sync_gfn != XDM_NO_PAGE)
		rc = acquire(target, *id, XENMEM_resource_ioreq_server_frame_ioreq(0), sync_gfn);
	if (!rc) {
		op = (struct xen_dm_op){.op = XEN_DMOP_set_ioreq_server_state};
		op.u.set_ioreq_server_state.id = *id;
		op.u.set_ioreq_server_state.enabled = 1;
		rc = dm_op(target, &op);
	}
	if (rc)
		(void)xdm_destroy_ioreq_server(target, *id);
	return (int)rc;
}

int xdm_destroy_ioreq_server(domid_t target, ioservid_t id)
{
	struct xen_dm_op op = {.op = XEN_DMOP_destroy_ioreq_server};

	op.u.destroy_ioreq_server.id = id;
	return (int)dm_op(target, &op);
}

int xdm_map_mmio_range(domid_t target, ioservid_t id, uint64_t start, uint64_t end)
{
	struct xen_dm_op op = {.op = XEN_DMOP_map_io_range_to_ioreq_server};

	op.u.map_io_range_to_ioreq_server.id = id;
	op.u.map_io_range_to_ioreq_server.type = XEN_DMOP_IO_RANGE_MEMORY;
	op.u.map_io_range_to_ioreq_server.start = start;
	op.u.map_io_range_to_ioreq_server.end = end;
	return (int)dm_op(target, &op);
}

int xdm_set_irq_level(domid_t target, uint32_t irq, uint32_t level)
{
	struct xen_dm_op op = {.op = XEN_DMOP_set_irq_level};

	op.u.set_irq_level.irq = irq;
	op.u.set_irq_level.level = level;
	return (int)dm_op(target, &op);
}

int xdma_find(const void *fdt, uint64_t *base)
{
	int node = fdt_node_offset_by_compatible(fdt, -1, "memvisor,dma-v1");
	struct rt_range r;

	if (node < 0 || rt_dt_reg(fdt, node, 0, &r) || r.size < RT_PAGE_SIZE)
		return -XEN_ENODEV;
	if (rt_mmio_map(r.base, r.size))
		return -XEN_ENOMEM;
	if (rt_mmio_read64(r.base + XDMA_REG_ID) != XDMA_ID)
		return -XEN_ENODEV;
	*base = r.base;
	return 0;
}

uint64_t xdma_copy(uint64_t base, uint64_t dst, uint64_t src, uint64_t len, uint64_t *fault)
{
	uint64_t st;

	rt_mmio_write64(base + XDMA_REG_SRC, src);
	rt_mmio_write64(base + XDMA_REG_DST, dst);
	rt_mmio_write64(base + XDMA_REG_LEN, len);
	rt_mmio_write64(base + XDMA_REG_CTRL, XDMA_CTRL_START);
	st = rt_mmio_read64(base + XDMA_REG_STATUS);
	if (fault)
		*fault = rt_mmio_read64(base + XDMA_REG_FAULT_ADDR);
	return st;
}
