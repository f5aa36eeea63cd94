/*
 * virtio-blk frontend over virtio-mmio: see xen/virtio_blk.h. Ring
 * memory is two pages of ours: descriptors at 0, available ring at 1 KiB,
 * used ring at 2 KiB; the request slots in the second page.
 */
#include <libfdt.h>
#include <string.h>

#include <public/errno.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/mmio.h>
#include <xen/evtchn.h>
#include <xen/virtio_blk.h>

static uint32_t rd(struct vblk *b, uint32_t off)
{
	return rt_mmio_read32(b->base + off);
}

static void wr(struct vblk *b, uint32_t off, uint32_t v)
{
	rt_mmio_write32(b->base + off, v);
}

int vblk_find(const void *fdt, int *node, uint64_t *base, uint32_t *spi)
{
	const fdt32_t *irq;
	struct rt_range r;
	int len;

	for (*node = fdt_node_offset_by_compatible(fdt, *node, "virtio,mmio"); *node >= 0;
	     *node = fdt_node_offset_by_compatible(fdt, *node, "virtio,mmio")) {
		irq = fdt_getprop(fdt, *node, "interrupts", &len);
		/* GIC SPI form, as libxl writes it: <0 (spi - 32) flags>. */
		if (rt_dt_reg(fdt, *node, 0, &r) || r.size < VIRTIO_MMIO_SIZE || !irq ||
		    len != 12 || fdt32_to_cpu(irq[0]) != 0)
			continue;
		*base = r.base;
		*spi = fdt32_to_cpu(irq[1]) + 32;
		return 0;
	}
	return -XEN_ENODEV;
}

void vblk_reset(struct vblk *b)
{
	wr(b, VIRTIO_MMIO_STATUS, 0);
}

static int fail(struct vblk *b, int rc)
{
	wr(b, VIRTIO_MMIO_STATUS, rd(b, VIRTIO_MMIO_STATUS) | VIRTIO_ST_FAILED);
	return rc;
}

static void wr64(struct vblk *b, uint32_t lo, uint64_t v)
{
	wr(b, lo, (uint32_t)v);
	wr(b, lo + 4, (uint32_t)(v >> 32));
}

int vblk_init(struct vblk *b, uint64_t base, evtchn_port_t port)
{
	uint8_t *ring;
	uint64_t offered;
	uint32_t st;
	long rc;

	memset(b, 0, sizeof(*b));
	b->base = base;
	b->port = port;
	rc = rt_mmio_map(base, VIRTIO_MMIO_SIZE);
	if (rc)
		return (int)rc;
	if (rd(b, VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE || rd(b, VIRTIO_MMIO_VERSION) != 2 ||
	    rd(b, VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
		return -XEN_ENODEV;
	vblk_reset(b);
	wr(b, VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE);
	wr(b, VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER);
	wr(b, VIRTIO_MMIO_DEV_FEATURES_SEL, 0);
	offered = rd(b, VIRTIO_MMIO_DEV_FEATURES);
	wr(b, VIRTIO_MMIO_DEV_FEATURES_SEL, 1);
	offered |= (uint64_t)rd(b, VIRTIO_MMIO_DEV_FEATURES) << 32;
	/* A version-2 device must offer VERSION_1 (pitfall 13). */
	if (!(offered >> VIRTIO_F_VERSION_1 & 1))
		return fail(b, -XEN_ENODEV);
	b->features = offered & (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_BLK_F_FLUSH);
	wr(b, VIRTIO_MMIO_DRV_FEATURES_SEL, 0);
	wr(b, VIRTIO_MMIO_DRV_FEATURES, (uint32_t)b->features);
	wr(b, VIRTIO_MMIO_DRV_FEATURES_SEL, 1);
	wr(b, VIRTIO_MMIO_DRV_FEATURES, (uint32_t)(b->features >> 32));
	st = VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER | VIRTIO_ST_FEATURES_OK;
	wr(b, VIRTIO_MMIO_STATUS, st);
	if (!(rd(b, VIRTIO_MMIO_STATUS) & VIRTIO_ST_FEATURES_OK))
		return fail(b, -XEN_EOPNOTSUPP);
	/* Queue 0, our size (pitfall 12: QueueNum is the driver's). */
	wr(b, VIRTIO_MMIO_QUEUE_SEL, 0);
	if (rd(b, VIRTIO_MMIO_QUEUE_READY) || rd(b, VIRTIO_MMIO_QUEUE_NUM_MAX) < VBLK_QSIZE)
		return fail(b, -XEN_ENOSPC);
	ring = rt_alloc_pages(2);
	if (!ring)
		return fail(b, -XEN_ENOMEM);
	memset(ring, 0, 2 * RT_PAGE_SIZE);
	b->desc = (struct vring_desc *)ring;
	b->avail = (volatile uint16_t *)(ring + 1024);
	b->used = ring + 2048;
	b->slot = (struct vblk_slot *)(ring + RT_PAGE_SIZE);
	wr(b, VIRTIO_MMIO_QUEUE_NUM, VBLK_QSIZE);
	wr64(b, VIRTIO_MMIO_QUEUE_DESC_LO, rt_virt_to_phys(b->desc));
	wr64(b, VIRTIO_MMIO_QUEUE_AVAIL_LO, rt_virt_to_phys((const void *)b->avail));
	wr64(b, VIRTIO_MMIO_QUEUE_USED_LO, rt_virt_to_phys((const void *)b->used));
	wr(b, VIRTIO_MMIO_QUEUE_READY, 1);
	if (rd(b, VIRTIO_MMIO_QUEUE_READY) != 1)
		return fail(b, -XEN_EINVAL);
	b->capacity = rt_mmio_read64(b->base + VIRTIO_MMIO_CONFIG);
	wr(b, VIRTIO_MMIO_STATUS, st | VIRTIO_ST_DRIVER_OK);
	return 0;
}

int vblk_submit(struct vblk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len)
{
	unsigned int k;
	struct vblk_slot *s;
	struct vring_desc *d;
	uint16_t head;

	if (len > RT_PAGE_SIZE)
		return -XEN_EINVAL;
	for (k = 0; k < VBLK_SLOTS && b->slot[k].busy; k++)
		;
	if (k == VBLK_SLOTS)
		return -XEN_EBUSY;
	s = &b->slot[k];
	s->hdr = (struct virtio_blk_req_hdr){.type = type, .sector = sector};
	s->status = 0xff;
	s->busy = 1;
	s->used_len = 0;
	head = (uint16_t)(3 * k);
	d = &b->desc[head];
	d[0] = (struct vring_desc){rt_virt_to_phys(&s->hdr), sizeof(s->hdr), VRING_DESC_F_NEXT,
				   (uint16_t)(head + 1)};
	if (len) {
		d[1] = (struct vring_desc){rt_virt_to_phys(buf), len,
					   (uint16_t)(VRING_DESC_F_NEXT |
						      (type == VIRTIO_BLK_T_OUT ? 0 : VRING_DESC_F_WRITE)),
					   (uint16_t)(head + 2)};
	} else {
		d[0].next = (uint16_t)(head + 2);
	}
	d[2] = (struct vring_desc){rt_virt_to_phys(&s->status), 1, VRING_DESC_F_WRITE, 0};
	b->avail[2 + b->avail_idx % VBLK_QSIZE] = head;
	b->avail_idx++;
	b->in_flight++;
	return (int)k;
}

void vblk_kick(struct vblk *b)
{
	/* Descriptors and ring entries before the index (pitfall 9). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	b->avail[1] = b->avail_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(b, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

static void reap(struct vblk *b)
{
	uint16_t idx = __atomic_load_n((const uint16_t *)(b->used + 2), __ATOMIC_ACQUIRE);

	while (b->last_used != idx) {
		const volatile struct vring_used_elem *e =
			(const volatile struct vring_used_elem *)(b->used + 4) +
			b->last_used % VBLK_QSIZE;
		uint32_t k = e->id / 3;

		if (e->id % 3 == 0 && k < VBLK_SLOTS && b->slot[k].busy) {
			b->slot[k].used_len = e->len;
			b->slot[k].busy = 0;
			b->in_flight--;
		}
		b->last_used++;
	}
}

int vblk_wait(struct vblk *b, uint64_t timeout_ns)
{
	for (;;) {
		uint32_t isr;
		int rc;

		reap(b);
		if (!b->in_flight)
			return 0;
		rc = xevtchn_wait_port(b->port, timeout_ns);
		if (rc)
			return rc;
		b->irqs++;
		isr = rd(b, VIRTIO_MMIO_INT_STATUS);
		if (isr)
			wr(b, VIRTIO_MMIO_INT_ACK, isr);
	}
}

int vblk_rw(struct vblk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len)
{
	int k = vblk_submit(b, type, sector, buf, len), rc;

	if (k < 0)
		return k;
	vblk_kick(b);
	rc = vblk_wait(b, 1000000000ULL);
	return rc ? rc : b->slot[k].status;
}
