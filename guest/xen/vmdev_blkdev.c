/*
 * Block storage of the virtio-mmio device model (xen/virtio_mmio_dev.h) on
 * the VMM block device of the backend domain (memvisor,blk-v1; the
 * register layout is vmm/blkdev.h's, repeated here because guest code does
 * not include VMM headers).
 *
 * One store_blocks = one READV/WRITEV: the list of page addresses goes
 * into a list page of ours; SECTOR, and GPA and COUNT when they differ from
 * what the device holds, the CMD write (complete when it returns) and the
 * STATUS read are the whole operation: each register access is an exit of
 * this vCPU, so the unchanged ones are not repeated.
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
#define VB_CMD_READV 4u
#define VB_CMD_WRITEV 5u
#define VB_CMD_FLUSH 6u
#define VB_ST_DONE 1u
#define VB_ST_ERROR 2u

struct vmdev_blkdev {
	uint64_t base;
	uint64_t *list;      /* one page: VMDEV_BLK_MAX entries */
	uint64_t gpa, count; /* what GPA and COUNT hold (0: not known) */
};

static int blkdev_cmd(const struct vmdev_blkdev *b, uint64_t cmd)
{
	uint64_t st;

	rt_mmio_write64(b->base + VB_REG_CMD, cmd); /* complete when this returns */
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
	memcpy(b->list, pages, count * sizeof(*pages));
	rt_mmio_write64(b->base + VB_REG_SECTOR, blk);
	if (b->gpa != rt_virt_to_phys(b->list)) {
		b->gpa = rt_virt_to_phys(b->list);
		rt_mmio_write64(b->base + VB_REG_GPA, b->gpa);
	}
	if (b->count != count) {
		b->count = count;
		rt_mmio_write64(b->base + VB_REG_COUNT, count);
	}
	return blkdev_cmd(b, write ? VB_CMD_WRITEV : VB_CMD_READV);
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
	b.list = rt_alloc_pages(1);
	d->bounce = rt_alloc_pages(VMDEV_BLK_MAX);
	if (!b.list || !d->bounce)
		return -XEN_ENOMEM;
	d->store_ctx = &b;
	d->store_blocks = blkdev_blocks;
	d->store_flush = blkdev_flush;
	return 0;
}
