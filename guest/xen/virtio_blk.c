/*
 * virtio-blk frontend over virtio-mmio: see xen/virtio_blk.h. Ring
 * memory is three pages of ours: the descriptor table (4 KiB), the
 * available ring at the second page and the used ring 1 KiB into it; the
 * request slots in the third page.
 */
#include <libfdt.h>
#include <string.h>

#include <public/errno.h>
#include <public/xen.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
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
	b->features = offered & (1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_BLK_F_FLUSH |
				 1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX);
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
	ring = rt_alloc_pages(3);
	if (!ring)
		return fail(b, -XEN_ENOMEM);
	memset(ring, 0, 3 * RT_PAGE_SIZE);
	b->desc = (struct vring_desc *)ring;
	b->avail = (volatile uint16_t *)(ring + RT_PAGE_SIZE);
	b->used = ring + RT_PAGE_SIZE + 1024;
	b->slot = (struct vblk_slot *)(ring + 2 * RT_PAGE_SIZE);
	wr(b, VIRTIO_MMIO_QUEUE_NUM, VBLK_QSIZE);
	wr64(b, VIRTIO_MMIO_QUEUE_DESC_LO, rt_virt_to_phys(b->desc));
	wr64(b, VIRTIO_MMIO_QUEUE_AVAIL_LO, rt_virt_to_phys((const void *)b->avail));
	wr64(b, VIRTIO_MMIO_QUEUE_USED_LO, rt_virt_to_phys((const void *)b->used));
	wr(b, VIRTIO_MMIO_QUEUE_READY, 1);
	if (rd(b, VIRTIO_MMIO_QUEUE_READY) != 1)
		return fail(b, -XEN_EINVAL);
	b->capacity = rt_mmio_read64(b->base + VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY);
	b->size_max = b->features >> VIRTIO_BLK_F_SIZE_MAX & 1
			      ? rt_mmio_read32(b->base + VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_SIZE_MAX)
			      : 0;
	b->seg_max = b->features >> VIRTIO_BLK_F_SEG_MAX & 1
			     ? rt_mmio_read32(b->base + VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_SEG_MAX)
			     : VBLK_MAX_SEGS;
	if (!b->seg_max || b->seg_max > VBLK_MAX_SEGS)
		b->seg_max = VBLK_MAX_SEGS;
	if (b->size_max && b->size_max < RT_PAGE_SIZE)
		return fail(b, -XEN_EOPNOTSUPP); /* we split at pages at least */
	wr(b, VIRTIO_MMIO_STATUS, st | VIRTIO_ST_DRIVER_OK);
	return 0;
}

uint32_t vblk_max_len(const struct vblk *b)
{
	uint64_t piece = b->size_max ? b->size_max : UINT32_MAX;

	/* A piece may start anywhere in a page: one page less than it holds. */
	return (uint32_t)((b->seg_max * piece - RT_PAGE_SIZE) > UINT32_MAX
				  ? UINT32_MAX
				  : b->seg_max * piece - RT_PAGE_SIZE);
}

/* Data descriptors for buf/len from d (at most max): their number, or 0
 * when it needs more. A piece ends at size_max or where the next page is
 * not physically next. */
static unsigned int data_descs(const struct vblk *b, struct vring_desc *d, unsigned int max,
			       const uint8_t *buf, uint32_t len, uint16_t flags)
{
	unsigned int n = 0;

	while (len) {
		uint64_t pa = rt_virt_to_phys(buf);
		uint32_t piece = (uint32_t)(RT_PAGE_SIZE - (pa & (RT_PAGE_SIZE - 1)));

		if (piece > len)
			piece = len;
		/* Whole pages more while they are physically next and fit. */
		while (piece < len) {
			uint32_t more = len - piece < RT_PAGE_SIZE ? len - piece : RT_PAGE_SIZE;

			if ((b->size_max && piece + more > b->size_max) ||
			    rt_virt_to_phys(buf + piece) != pa + piece)
				break;
			piece += more;
		}
		if (n == max)
			return 0;
		d[n++] = (struct vring_desc){pa, piece, flags, 0};
		buf += piece;
		len -= piece;
	}
	return n;
}

int vblk_submit(struct vblk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len)
{
	unsigned int k, n = 0;
	struct vblk_slot *s;
	struct vring_desc *d;
	uint16_t head;

	for (k = 0; k < VBLK_SLOTS && b->slot[k].busy; k++)
		;
	if (k == VBLK_SLOTS)
		return -XEN_EBUSY;
	s = &b->slot[k];
	head = (uint16_t)(VBLK_SLOT_DESCS * k);
	d = &b->desc[head];
	if (len) {
		n = data_descs(b, d + 1, b->seg_max, buf, len,
			       (uint16_t)(VRING_DESC_F_NEXT |
					  (type == VIRTIO_BLK_T_OUT ? 0 : VRING_DESC_F_WRITE)));
		if (!n)
			return -XEN_EINVAL;
	}
	s->hdr = (struct virtio_blk_req_hdr){.type = type, .sector = sector};
	s->status = 0xff;
	s->busy = 1;
	s->used_len = 0;
	d[0] = (struct vring_desc){rt_virt_to_phys(&s->hdr), sizeof(s->hdr), VRING_DESC_F_NEXT,
				   (uint16_t)(head + 1)};
	for (unsigned int i = 1; i <= n; i++)
		d[i].next = (uint16_t)(head + i + 1);
	d[n + 1] = (struct vring_desc){rt_virt_to_phys(&s->status), 1, VRING_DESC_F_WRITE, 0};
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
		uint32_t k = e->id / VBLK_SLOT_DESCS;

		if (e->id % VBLK_SLOT_DESCS == 0 && k < VBLK_SLOTS && b->slot[k].busy) {
			b->slot[k].used_len = e->len;
			b->slot[k].busy = 0;
			b->in_flight--;
		}
		b->last_used++;
	}
}

/* For xevtchn_wait: the port's event is taken before the ring is read, so
 * a completion after the look leaves it pending and the poll returns. */
static bool vblk_idle(void *ctx)
{
	struct vblk *b = ctx;
	uint16_t before = b->last_used;

	if (xevtchn_test_and_clear(b->port)) {
		b->irqs++;
		reap(b);
		if (b->last_used == before) {
			/* An event without a completion: a config change (or a
			 * late event of one already reaped). */
			uint32_t isr = rd(b, VIRTIO_MMIO_INT_STATUS);

			b->isr_reads++;
			if (isr)
				wr(b, VIRTIO_MMIO_INT_ACK, isr);
		}
	} else {
		reap(b);
	}
	return !b->in_flight;
}

/*
 * SCHEDOP_poll takes an absolute deadline, and reading the clock is an exit
 * of its own: the deadline comes from the clock read the last time a poll
 * ran out (b->clock), so a wait costs the poll alone. Only a poll that
 * ends with nothing done reads the clock: if the stale deadline had passed
 * it is renewed from now, so a wait ends after at least timeout_ns (and
 * at most about twice that), never earlier.
 */
int vblk_wait(struct vblk *b, uint64_t timeout_ns)
{
	uint64_t deadline = 0;
	bool renewed = false;

	/* An event pending now belongs to completions already in the ring
	 * (the device raised the line for its previous batch before it
	 * answered our QueueNotify): taken without a register read. */
	if (xevtchn_test_and_clear(b->port))
		b->irqs++;
	reap(b);
	if (!b->in_flight)
		return 0; /* no clock read, no poll */
	if (!b->clock)
		b->clock = xevtchn_now();
	deadline = b->clock + timeout_ns;
	for (;;) {
		struct sched_poll sp = {.nr_ports = 1, .timeout = deadline};
		evtchn_port_t port = b->port; /* guest memory (the stack) */
		uint64_t now;
		long rc;

		rt_irq_disable();
		if (vblk_idle(b)) {
			rt_irq_enable();
			return 0;
		}
		/* Interrupts stay off: the event of a completion after the look
		 * keeps its pending bit and the poll returns at once. */
		set_xen_guest_handle(sp.ports, rt_handle(&port));
		rc = HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
		rt_irq_enable();
		if (rc)
			return (int)rc;
		if (xevtchn_is_pending(b->port))
			continue;
		rt_irq_disable();
		rc = vblk_idle(b);
		rt_irq_enable();
		if (rc)
			return 0;
		now = xevtchn_now();
		b->clock = now;
		if (now < deadline)
			continue; /* woken early */
		if (renewed)
			return -XEN_ETIMEDOUT;
		renewed = true;
		deadline = now + timeout_ns;
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
