/*
 * virtio-mmio block device for a backend domain: register file, split
 * virtqueue, virtio-blk requests. Design and invariants in
 * xen/virtio_mmio_dev.h.
 */
#include <string.h>

#include <public/dm_op.h>
#include <public/errno.h>
#include <rt/hypercall.h>
#include <xen/iommu.h>
#include <xen/virtio_mmio_dev.h>

static const char vmdev_id[VIRTIO_BLK_ID_BYTES] = "memvisor-virtio-blk";

uint64_t vmdev_features(void)
{
	return 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_BLK_F_FLUSH |
	       1ULL << VIRTIO_BLK_F_SIZE_MAX | 1ULL << VIRTIO_BLK_F_SEG_MAX;
}

void vmdev_reset(struct vmdev *d)
{
	d->status = d->dev_feat_sel = d->drv_feat_sel = d->queue_sel = d->isr = 0;
	d->drv_features = 0;
	memset(&d->q, 0, sizeof(d->q));
}

/* ----- the frontend's RAM, through the pre-made mapping ----- */

/* Where the frontend's frame holding gpa is mapped here, when all of
 * [gpa, gpa + len) lies in one RAM bank (len 0 counts as inside when gpa
 * does); else NULL. Overflow-safe. */
static const xen_pfn_t *ram_frame(const struct vmdev *d, uint64_t gpa, uint64_t len)
{
	unsigned int n = d->nr_banks ? d->nr_banks : 1;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t base = d->nr_banks ? d->banks[i].gpa : d->ram_gpa;
		uint64_t size = (d->nr_banks ? d->banks[i].frames : d->ram_frames) << 12;
		const xen_pfn_t *local = d->nr_banks ? d->banks[i].local : d->local;

		if (gpa >= base && gpa - base < size && len <= size - (gpa - base))
			return &local[(gpa - base) >> 12];
	}
	return NULL;
}

/* Whether [gpa, gpa + len) lies in one bank. */
static bool ram_ok(const struct vmdev *d, uint64_t gpa, uint64_t len)
{
	return ram_frame(d, gpa, len) != NULL;
}

/* Copies between the frontend's RAM and buf, page by page (the local
 * frames need not be contiguous). The range must have passed ram_ok. */
static void ram_copy(const struct vmdev *d, uint64_t gpa, void *buf, uint64_t len, bool to_guest)
{
	uint8_t *b = buf;

	while (len) {
		uint64_t in = 4096 - (gpa & 4095);
		uint8_t *p = (uint8_t *)rt_phys_to_virt(*ram_frame(d, gpa, 1) << 12) + (gpa & 4095);

		if (in > len)
			in = len;
		if (to_guest)
			memcpy(p, b, in);
		else
			memcpy(b, p, in);
		gpa += in;
		b += in;
		len -= in;
	}
}

bool vmdev_copy(const struct vmdev *d, uint64_t gpa, void *buf, uint64_t len, bool to_guest)
{
	if (!ram_ok(d, gpa, len))
		return false;
	ram_copy(d, gpa, buf, len, to_guest);
	return true;
}

xen_pfn_t vmdev_local_frame(const struct vmdev *d, uint64_t gpa)
{
	return *ram_frame(d, gpa, 1);
}

/* A naturally aligned u16 of the rings (checked at QueueReady). */
static volatile uint16_t *ram_u16(const struct vmdev *d, uint64_t gpa)
{
	return (volatile uint16_t *)((uint8_t *)rt_phys_to_virt(*ram_frame(d, gpa, 2) << 12) +
				     (gpa & 4095));
}

/* ----- interrupt ----- */

static int raise_irq(struct vmdev *d, uint32_t why)
{
	d->isr |= why;
	d->st.irqs++;
	return xdm_set_irq_level(d->fe, d->irq, 1);
}

/* ----- virtio-blk requests ----- */

#define VMDEV_MAX_SEGS 64 /* descriptors of one request we keep */

struct seg {
	uint64_t addr;
	uint32_t len;
	bool write;
};

/* Walks the chain at head: false if it is malformed (index out of range,
 * a loop or more than VMDEV_MAX_SEGS, INDIRECT, a buffer outside RAM).
 * The *n segments collected are the good ones; *tail says whether the
 * chain's last descriptor is s[*n - 1] (then it may take a status). A bad
 * buffer does not end the walk, so the status is found behind it. */
static bool walk(struct vmdev *d, uint16_t head, struct seg *s, unsigned int *n, bool *tail)
{
	uint32_t idx = head;
	bool ok = true;

	*n = 0;
	*tail = false;
	for (uint32_t visited = 0;; visited++) {
		struct vring_desc de;
		bool good;

		if (idx >= d->q.num || visited >= d->q.num || *n == VMDEV_MAX_SEGS)
			return false; /* bad index, a loop, or too long */
		ram_copy(d, d->q.desc + 16ULL * idx, &de, sizeof(de), false);
		good = !(de.flags & VRING_DESC_F_INDIRECT) && ram_ok(d, de.addr, de.len);
		if (good)
			s[(*n)++] = (struct seg){de.addr, de.len, !!(de.flags & VRING_DESC_F_WRITE)};
		ok &= good;
		if (!(de.flags & VRING_DESC_F_NEXT)) {
			*tail = good;
			return ok;
		}
		idx = de.next;
	}
}

/* ----- block storage: one store_blocks per request ----- */

/* Calls fn for every piece of the data segments s[0..n) split at block
 * boundaries of the disk (the request starts at byte pos): block index
 * from the first block, offset in it, frontend address, length. */
static void blk_pieces(const struct seg *s, unsigned int n, uint64_t pos,
		       void (*fn)(void *ctx, uint64_t i, uint32_t in, uint64_t gpa, uint32_t len),
		       void *ctx)
{
	uint64_t first = pos / VMDEV_BLK;

	for (unsigned int k = 0; k < n; k++) {
		uint64_t gpa = s[k].addr;

		for (uint32_t left = s[k].len; left;) {
			uint32_t in = (uint32_t)(pos % VMDEV_BLK);
			uint32_t len = VMDEV_BLK - in < left ? VMDEV_BLK - in : left;

			fn(ctx, pos / VMDEV_BLK - first, in, gpa, len);
			pos += len;
			gpa += len;
			left -= len;
		}
	}
}

struct blk_plan {
	struct vmdev *d;
	uint64_t pages[VMDEV_BLK_MAX]; /* ours: a frontend frame, or a bounce page */
	bool write;
};

/* Pass 1: a whole, page-aligned frontend page is used where it is. */
static void plan_piece(void *ctx, uint64_t i, uint32_t in, uint64_t gpa, uint32_t len)
{
	struct blk_plan *p = ctx;

	if (!in && len == VMDEV_BLK && !(gpa & (VMDEV_BLK - 1)))
		p->pages[i] = vmdev_local_frame(p->d, gpa) << 12;
}

/* Pass 2: the other pieces through their block's bounce page. */
static void copy_piece(void *ctx, uint64_t i, uint32_t in, uint64_t gpa, uint32_t len)
{
	struct blk_plan *p = ctx;

	if (in || len != VMDEV_BLK || (gpa & (VMDEV_BLK - 1)))
		ram_copy(p->d, gpa, p->d->bounce + i * VMDEV_BLK + in, len, !p->write);
}

/* A data request of total bytes at byte pos on block storage: 0 or -errno. */
static int blk_store(struct vmdev *d, bool write, uint64_t pos, const struct seg *s,
		     unsigned int n, uint64_t total)
{
	static RT_TLS struct blk_plan p; /* 2 KiB: off the small guest stack */
	uint64_t first = pos / VMDEV_BLK, count, end = pos + total;
	int rc = 0;

	if (!total)
		return 0;
	count = (end - 1) / VMDEV_BLK - first + 1;
	if (count > VMDEV_BLK_MAX)
		return -XEN_E2BIG; /* more than one command: refused whole */
	p.d = d;
	p.write = write;
	memset(p.pages, 0, count * sizeof(p.pages[0]));
	blk_pieces(s, n, pos, plan_piece, &p);
	for (uint64_t i = 0; i < count; i++) {
		if (p.pages[i]) {
			d->st.direct_blocks++;
			continue;
		}
		p.pages[i] = rt_virt_to_phys(d->bounce + i * VMDEV_BLK);
		d->st.bounced_blocks++;
		/* Bytes of a written block the request does not cover keep the
		 * disk's: only the first and the last block can be such. */
		if (write && ((i == 0 && pos % VMDEV_BLK) ||
			      (i == count - 1 && end % VMDEV_BLK)))
			rc = d->store_blocks(d, false, first + i, &p.pages[i], 1);
		if (rc)
			return rc;
	}
	if (write)
		blk_pieces(s, n, pos, copy_piece, &p);
	rc = d->store_blocks(d, write, first, p.pages, (unsigned int)count);
	d->st.store_ops++;
	if (!rc && !write)
		blk_pieces(s, n, pos, copy_piece, &p);
	return rc;
}

/* Executes a well-formed request: the status byte, *written = bytes the
 * device wrote into the driver's buffers besides it. */
static uint8_t blk_do(struct vmdev *d, const struct seg *s, unsigned int n, uint32_t *written)
{
	struct virtio_blk_req_hdr h;
	uint64_t total = 0, pos;

	*written = 0;
	ram_copy(d, s[0].addr, &h, sizeof(h), false);
	for (unsigned int i = 1; i + 1 < n; i++)
		total += s[i].len;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		if (total % VIRTIO_BLK_SECTOR || h.sector > d->sectors ||
		    total / VIRTIO_BLK_SECTOR > d->sectors - h.sector)
			return VIRTIO_BLK_S_IOERR;
		for (unsigned int i = 1; i + 1 < n; i++)
			if (s[i].write != (h.type == VIRTIO_BLK_T_IN))
				return VIRTIO_BLK_S_IOERR; /* wrong direction */
		pos = h.sector * VIRTIO_BLK_SECTOR;
		if (d->store_blocks) {
			if (blk_store(d, h.type == VIRTIO_BLK_T_OUT, pos, s + 1, n - 2, total))
				return VIRTIO_BLK_S_IOERR;
			if (h.type == VIRTIO_BLK_T_IN)
				*written = (uint32_t)total;
			return VIRTIO_BLK_S_OK;
		}
		for (unsigned int i = 1; i + 1 < n; i++) {
			if (d->store_rw) {
				if (s[i].len % VIRTIO_BLK_SECTOR ||
				    d->store_rw(d, h.type == VIRTIO_BLK_T_OUT, pos, s[i].addr, s[i].len))
					return VIRTIO_BLK_S_IOERR;
			} else {
				ram_copy(d, s[i].addr, d->disk + pos, s[i].len,
					 h.type == VIRTIO_BLK_T_IN);
			}
			pos += s[i].len;
		}
		if (h.type == VIRTIO_BLK_T_IN)
			*written = (uint32_t)total;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		/* The RAM store has nothing to write back. */
		return d->store_flush && d->store_flush(d) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		if (n != 3 || !s[1].write)
			return VIRTIO_BLK_S_IOERR;
		*written = s[1].len < VIRTIO_BLK_ID_BYTES ? s[1].len : VIRTIO_BLK_ID_BYTES;
		ram_copy(d, s[1].addr, (void *)vmdev_id, *written, true);
		return VIRTIO_BLK_S_OK;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* One chain: executes it and returns the used length. */
static uint32_t blk_chain(struct vmdev *d, uint16_t head)
{
	struct seg s[VMDEV_MAX_SEGS];
	unsigned int n;
	bool tail, ok = walk(d, head, s, &n, &tail);
	uint32_t written = 0;
	uint8_t st;

	/* Header readable and whole; status last, writable. */
	if (ok && (n < 2 || s[0].write || s[0].len < sizeof(struct virtio_blk_req_hdr)))
		ok = false;
	if (!tail || !s[n - 1].write || !s[n - 1].len) {
		d->st.bad_chains++;
		return 0; /* nowhere to put a status */
	}
	if (!ok) {
		d->st.bad_chains++;
		st = VIRTIO_BLK_S_IOERR;
	} else {
		st = blk_do(d, s, n, &written);
		d->st.ioerr += st == VIRTIO_BLK_S_IOERR;
	}
	ram_copy(d, s[n - 1].addr + s[n - 1].len - 1, &st, 1, true);
	return written + 1;
}

static int queue_notify(struct vmdev *d)
{
	uint16_t avail, done = 0;

	if (!(d->status & VIRTIO_ST_DRIVER_OK) || (d->status & VIRTIO_ST_NEEDS_RESET) || !d->q.ready)
		return 0;
	avail = *ram_u16(d, d->q.avail + 2);
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* entries after the index */
	if ((uint16_t)(avail - d->q.last_avail) > d->q.num) {
		d->status |= VIRTIO_ST_NEEDS_RESET;
		return raise_irq(d, VIRTIO_INT_CONFIG);
	}
	while (d->q.last_avail != avail) {
		uint16_t head = *ram_u16(d, d->q.avail + 4 + 2ULL * (d->q.last_avail % d->q.num));
		struct vring_used_elem e = {head, blk_chain(d, head)};

		ram_copy(d, d->q.used + 4 + 8ULL * (d->q.used_idx % d->q.num), &e, sizeof(e), true);
		d->q.used_idx++;
		d->q.last_avail++;
		d->st.requests++;
		done++;
	}
	if (!done)
		return 0;
	/* Elements before the index that publishes them (pitfall 9). */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*ram_u16(d, d->q.used + 2) = d->q.used_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return raise_irq(d, VIRTIO_INT_USED);
}

/* ----- register file ----- */

/* Whether QueueReady=1 may take: features negotiated (FEATURES_OK stuck,
 * so VERSION_1 is in; a queue set up without them would be served under
 * rules the driver never accepted), a size that is a power of two <=
 * QueueNumMax, and the three areas aligned and whole in RAM. */
static bool queue_may_start(const struct vmdev *d)
{
	uint64_t n = d->q.num;

	return (d->status & VIRTIO_ST_FEATURES_OK) && n && n <= VMDEV_QUEUE_MAX &&
	       !(n & (n - 1)) && !(d->q.desc & 15) && !(d->q.avail & 1) && !(d->q.used & 3) &&
	       ram_ok(d, d->q.desc, 16 * n) && ram_ok(d, d->q.avail, 6 + 2 * n) &&
	       ram_ok(d, d->q.used, 6 + 8 * n);
}

/* The Status the driver's write v leads to (v != 0; 0 is a reset). The
 * driver only adds bits (it may not clear one, virtio 1.x 2.1.2), so
 * features accepted stay accepted and DRIVER_OK cannot be taken back to
 * renegotiate under a ready queue; FEATURES_OK sticks only for a subset of
 * the offered features that includes VERSION_1; DEVICE_NEEDS_RESET is the
 * device's alone. */
static uint32_t status_after(const struct vmdev *d, uint32_t v)
{
	v &= ~(uint32_t)VIRTIO_ST_NEEDS_RESET;
	if ((v & VIRTIO_ST_FEATURES_OK) && !(d->status & VIRTIO_ST_FEATURES_OK) &&
	    ((d->drv_features & ~vmdev_features()) ||
	     !(d->drv_features >> VIRTIO_F_VERSION_1 & 1)))
		v &= ~VIRTIO_ST_FEATURES_OK;
	return d->status | v;
}

static uint64_t config_read(const struct vmdev *d, uint64_t off, uint32_t size)
{
	uint8_t cfg[16];
	uint32_t size_max = VMDEV_SIZE_MAX, seg_max = VMDEV_SEG_MAX;
	uint64_t v = 0;

	/* capacity u64 @0, size_max u32 @8, seg_max u32 @12 (the limits that
	 * keep a request in one storage command); the rest reads as 0. */
	memcpy(cfg + VIRTIO_BLK_CFG_CAPACITY, &d->sectors, 8);
	memcpy(cfg + VIRTIO_BLK_CFG_SIZE_MAX, &size_max, 4);
	memcpy(cfg + VIRTIO_BLK_CFG_SEG_MAX, &seg_max, 4);
	if (off + size > sizeof(cfg) || (off & (size - 1)))
		return 0;
	memcpy(&v, cfg + off, size);
	return v;
}

static uint32_t reg_read(struct vmdev *d, uint64_t off)
{
	uint64_t f = vmdev_features();

	switch (off) {
	case VIRTIO_MMIO_MAGIC: return VIRTIO_MMIO_MAGIC_VALUE;
	case VIRTIO_MMIO_VERSION: return 2;
	case VIRTIO_MMIO_DEVICE_ID: return VIRTIO_ID_BLOCK;
	case VIRTIO_MMIO_VENDOR_ID: return 0x4d454d56; /* "VMEM" */
	case VIRTIO_MMIO_DEV_FEATURES:
		return d->dev_feat_sel < 2 ? (uint32_t)(f >> (32 * d->dev_feat_sel)) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return d->queue_sel ? 0 : VMDEV_QUEUE_MAX;
	case VIRTIO_MMIO_QUEUE_NUM: return d->queue_sel ? 0 : d->q.num;
	case VIRTIO_MMIO_QUEUE_READY: return !d->queue_sel && d->q.ready;
	case VIRTIO_MMIO_INT_STATUS: return d->isr;
	case VIRTIO_MMIO_STATUS: return d->status;
	case VIRTIO_MMIO_CONFIG_GEN: return 0;
	default: return 0;
	}
}

static void set_addr(uint64_t *a, bool hi, uint32_t v)
{
	*a = hi ? (*a & 0xffffffffULL) | (uint64_t)v << 32 : (*a & ~0xffffffffULL) | v;
}

static int reg_write(struct vmdev *d, uint64_t off, uint32_t v)
{
	bool q0 = !d->queue_sel, frozen = d->q.ready;

	switch (off) {
	case VIRTIO_MMIO_DEV_FEATURES_SEL: d->dev_feat_sel = v; break;
	case VIRTIO_MMIO_DRV_FEATURES_SEL: d->drv_feat_sel = v; break;
	case VIRTIO_MMIO_DRV_FEATURES:
		if (d->drv_feat_sel < 2 && !(d->status & VIRTIO_ST_FEATURES_OK))
			set_addr(&d->drv_features, d->drv_feat_sel, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL: d->queue_sel = v; break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (q0 && !frozen)
			d->q.num = v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (!q0)
			break;
		if (!v) {
			d->q.ready = false;
		} else if (!frozen && queue_may_start(d)) {
			d->q.ready = true;
			d->q.last_avail = d->q.used_idx = 0;
		}
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LO:
	case VIRTIO_MMIO_QUEUE_DESC_HI:
		if (q0 && !frozen)
			set_addr(&d->q.desc, off == VIRTIO_MMIO_QUEUE_DESC_HI, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LO:
	case VIRTIO_MMIO_QUEUE_AVAIL_HI:
		if (q0 && !frozen)
			set_addr(&d->q.avail, off == VIRTIO_MMIO_QUEUE_AVAIL_HI, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LO:
	case VIRTIO_MMIO_QUEUE_USED_HI:
		if (q0 && !frozen)
			set_addr(&d->q.used, off == VIRTIO_MMIO_QUEUE_USED_HI, v);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		d->kicked |= v == 0; /* processed by vmdev_process, after the answer */
		break;
	case VIRTIO_MMIO_INT_ACK: d->isr &= ~v; break;
	case VIRTIO_MMIO_STATUS:
		if (!v) {
			vmdev_reset(d);
			d->kicked = false;
			break;
		}
		d->status = status_after(d, v);
		break;
	default: break;
	}
	return 0;
}

int vmdev_process(struct vmdev *d)
{
	if (!d->kicked)
		return 0;
	d->kicked = false;
	return queue_notify(d);
}

int vmdev_ioreq(struct vmdev *d, struct ioreq *rq)
{
	uint64_t off = rq->addr - d->base;
	bool ok = rq->type == IOREQ_TYPE_COPY && rq->count == 1 && !rq->data_is_ptr &&
		  off < VIRTIO_MMIO_SIZE && rq->size >= 1 && rq->size <= 8 &&
		  !(rq->size & (rq->size - 1));

	if (rq->dir == IOREQ_READ)
		rq->data = ~0ULL;
	if (!ok)
		return 0;
	if (off >= VIRTIO_MMIO_CONFIG) {
		if (rq->dir == IOREQ_READ)
			rq->data = config_read(d, off - VIRTIO_MMIO_CONFIG, rq->size);
		return 0; /* the config space is read-only here */
	}
	if (rq->size != 4 || (off & 3))
		return 0; /* registers are 32-bit, aligned */
	if (rq->dir == IOREQ_READ) {
		rq->data = reg_read(d, off);
		return 0;
	}
	return reg_write(d, off, (uint32_t)rq->data);
}
