/*
 * The emulated DMA engine: register model over iommu_dma_copy.
 *
 * Design: the device state is only its registers; every transfer goes
 * through the hypervisor's IOMMU translation under the hypervisor lock,
 * so it observes each iommu_op batch either entirely or not at all, and a
 * faulting transfer is refused before any byte moves (see dmadev.h).
 * Accesses that are not 4 or 8 bytes, or not naturally aligned, are
 * ignored (reads return all ones), like an unimplemented register.
 */
#include <errno.h>
#include <stdlib.h>

#include <hv/iommu.h>

#include "dmadev.h"
#include "mmioreg.h"

struct dmadev {
	struct hv *hv;
	struct domain *d;
	paddr_t base;
	uint64_t src, dst, len, status, fault_addr, done;
};

struct dmadev *dmadev_create(struct hv *hv, struct domain *d, paddr_t mmio_base)
{
	struct dmadev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->hv = hv;
	dev->d = d;
	dev->base = mmio_base;
	return dev;
}

void dmadev_destroy(struct dmadev *dev)
{
	free(dev);
}

static uint64_t *reg(struct dmadev *dev, unsigned int off)
{
	switch (off) {
	case DMADEV_REG_SRC: return &dev->src;
	case DMADEV_REG_DST: return &dev->dst;
	case DMADEV_REG_LEN: return &dev->len;
	default: return NULL;
	}
}

static void start(struct dmadev *dev)
{
	uint64_t fault = 0;
	int rc;

	if (dev->len > DMADEV_MAX_LEN) {
		dev->status = DMADEV_ST_FAULT | ((uint64_t)EINVAL << DMADEV_ST_ERR_SHIFT);
		return;
	}
	rc = iommu_dma_copy(dev->d, dev->dst, dev->src, dev->len, &fault);
	if (rc) {
		bool w = iommu_stats(dev->d)->last_fault_write;

		dev->status = DMADEV_ST_FAULT | (w ? DMADEV_ST_FAULT_WRITE : 0) |
			      ((uint64_t)(-rc & 0xff) << DMADEV_ST_ERR_SHIFT);
		dev->fault_addr = fault;
		return;
	}
	dev->status = DMADEV_ST_DONE;
	dev->done++;
}

static bool decode(struct dmadev *dev, paddr_t gpa, unsigned int size, unsigned int *off,
		   unsigned int *shift)
{
	return mmioreg_decode(dev->base, DMADEV_WINDOW, gpa, size, off, shift);
}

bool dmadev_mmio_write(struct dmadev *dev, paddr_t gpa, unsigned int size, uint64_t val)
{
	unsigned int off, shift;
	uint64_t *r;

	if (!decode(dev, gpa, size, &off, &shift))
		return false;
	if (off == DMADEV_REG_CTRL) {
		if (shift == 0 && (val & DMADEV_CTRL_START))
			start(dev);
		return true;
	}
	r = off == MMIOREG_IGNORED ? NULL : reg(dev, off);
	if (r)
		mmioreg_store(r, size, shift, val);
	return true;
}

bool dmadev_mmio_read(struct dmadev *dev, paddr_t gpa, unsigned int size, uint64_t *val)
{
	unsigned int off, shift;
	uint64_t v;

	if (!decode(dev, gpa, size, &off, &shift))
		return false;
	switch (off) {
	case DMADEV_REG_ID: v = DMADEV_ID; break;
	case DMADEV_REG_SRC: v = dev->src; break;
	case DMADEV_REG_DST: v = dev->dst; break;
	case DMADEV_REG_LEN: v = dev->len; break;
	case DMADEV_REG_STATUS: v = dev->status; break;
	case DMADEV_REG_FAULT_ADDR: v = dev->fault_addr; break;
	case DMADEV_REG_DONE_COUNT: v = dev->done; break;
	default: v = ~0ULL; break;
	}
	*val = mmioreg_load(v, size, shift);
	return true;
}

/* --- as a device model (device.h) --- */

static void *dmadev_model_create(struct hv *hv, struct domain *d, paddr_t base,
				 const void *arg)
{
	(void)arg;
	return dmadev_create(hv, d, base);
}

VMM_DEVICE_MODEL(dmadev, "DMA device");
