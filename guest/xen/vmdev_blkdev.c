/*
 * Block storage of the virtio-mmio device model (xen/virtio_mmio_dev.h) on
 * the VMM block device of the backend domain (memvisor,blk-v1; the
 * register layout is vmm/blkdev.h's, repeated here because guest code does
 * not include VMM headers).
 *
 * One store_blocks = one READV/WRITEV: the list of page addresses goes
 * into a list page of ours; SECTOR, GPA and COUNT are written only when
 * they differ from what the device holds (it advances SECTOR past a
 * command that succeeded), then the CMD write (complete when it returns),
 * and the status comes from our own memory (STATUS_GPA, set once): each
 * register access is an exit of this vCPU, so a sequential request costs
 * the CMD write alone.
 */
#include <string.h>

#include <public/errno.h>
#include <rt/mm.h>
#include <rt/mmio.h>
#include <xen/virtio_mmio_dev.h>

#define VB_REG_SECTOR 0x08
#define VB_REG_GPA 0x10
#define VB_REG_COUNT 0x18
#define VB_REG_CMD 0x20
#define VB_REG_STATUS 0x28
#define VB_REG_STATUS_GPA 0x40
#define VB_CMD_READV 4u
#define VB_CMD_WRITEV 5u
#define VB_CMD_FLUSH 6u
#define VB_ST_DONE 1u
#define VB_ST_ERROR 2u

struct vmdev_blkdev {
	uint64_t base;
	uint64_t *list;      /* one page: VMDEV_BLK_MAX entries */
	volatile uint64_t *status; /* where the device stores STATUS */
	uint64_t gpa, count; /* what GPA and COUNT hold (0: not known) */
	uint64_t sector;     /* what SECTOR holds (~0: not known) */
};

static int blkdev_cmd(struct vmdev_blkdev *b, uint64_t cmd)
{
	uint64_t st;

	*b->status = 0;
	rt_mmio_write64(b->base + VB_REG_CMD, cmd); /* complete when this returns */
	st = *b->status;
	if (!st) /* the device did not store it (an older one): the register */
		st = rt_mmio_read64(b->base + VB_REG_STATUS);
	if (st & VB_ST_ERROR)
		return (st >> 8) & 0xff ? -(int)((st >> 8) & 0xff) : -XEN_EIO;
	return st & VB_ST_DONE ? 0 : -XEN_EIO;
}

static int blkdev_blocks(struct vmdev *d, bool write, uint64_t blk, const uint64_t *pages,
			 unsigned int count)
{
	struct vmdev_blkdev *b = d->store_ctx;

	if (!count || count > VMDEV_BLK_MAX)
		return -XEN_EINVAL;
	int rc;

	memcpy(b->list, pages, count * sizeof(*pages));
	if (b->sector != blk)
		rt_mmio_write64(b->base + VB_REG_SECTOR, blk);
	if (b->gpa != rt_virt_to_phys(b->list)) {
		b->gpa = rt_virt_to_phys(b->list);
		rt_mmio_write64(b->base + VB_REG_GPA, b->gpa);
	}
	if (b->count != count) {
		b->count = count;
		rt_mmio_write64(b->base + VB_REG_COUNT, count);
	}
	rc = blkdev_cmd(b, write ? VB_CMD_WRITEV : VB_CMD_READV);
	b->sector = rc ? ~0ULL : blk + count;
	return rc;
}

static int blkdev_flush(struct vmdev *d)
{
	return blkdev_cmd(d->store_ctx, VB_CMD_FLUSH);
}

int vmdev_use_blkdev(struct vmdev *d, uint64_t blk_base)
{
	static RT_TLS struct vmdev_blkdev b;

	b.base = blk_base;
	b.gpa = b.count = 0;
	b.sector = ~0ULL;
	b.list = rt_alloc_pages(1);
	b.status = rt_alloc_pages(1);
	d->bounce = rt_alloc_pages(VMDEV_BLK_MAX);
	if (!b.list || !b.status || !d->bounce)
		return -XEN_ENOMEM;
	rt_mmio_write64(blk_base + VB_REG_STATUS_GPA, rt_virt_to_phys((const void *)b.status));
	d->store_ctx = &b;
	d->store_blocks = blkdev_blocks;
	d->store_flush = blkdev_flush;
	return 0;
}
