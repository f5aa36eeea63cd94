/*
 * virtio-blk over IOREQ (vb.h), one program, role from bootargs:
 *
 *   be   pre-maps all of the frontend's RAM at unpopulated frames, creates
 *        and enables an IOREQ server for the window, raises the line until
 *        the first access, then serves the device (xen/virtio_mmio_dev.h)
 *        until the driver has reset it twice after use (VB_RESETS);
 *        checks its statistics
 *   fe   waits for the line, sets the device up (xen/virtio_blk.h), reads
 *        the ID, writes a pattern over the whole disk with many requests in
 *        flight, flushes, reads everything back and compares; then
 *        malformed requests, each answered without hurting the device;
 *        a queue index too far ahead (DEVICE_NEEDS_RESET, then a reset
 *        and a new set-up that works)
 */
#include <libfdt.h>
#include <string.h>

#include <public/dm_op.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/ioreq.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/mmio.h>
#include <rt/test.h>
#include <xen/evtchn.h>
#include <xen/foreign.h>
#include <xen/iommu.h>
#include <xen/unpopulated.h>
#include <xen/virtio_blk.h>
#include <xen/virtio_mmio_dev.h>

#include "ring.h"
#include "vb.h"

const char test_title[] = "virtio-blk over IOREQ";

#define SEC_PER_REQ (VB_REQ / VIRTIO_BLK_SECTOR)
#define NR_REQ (VB_SECTORS / SEC_PER_REQ)
#define TIMEOUT 2000000000ULL

static const char *bootarg(const char *key)
{
	int chosen = fdt_path_offset(rt_dt(), "/chosen");
	const char *s = chosen >= 0 ? fdt_getprop(rt_dt(), chosen, "bootargs", NULL) : NULL;
	const char *r = s ? strstr(s, key) : NULL;

	return r ? r + strlen(key) : "";
}

static bool setup_events(void)
{
	int rc = xen_unpopulated_init(rt_dt());

	if (!rc)
		rc = xevtchn_init(0);
	rt_check_eq(rc, 0, "unpopulated allocator and event channels");
	if (rc)
		return false;
	rt_irq_enable();
	return true;
}

/* ----- frontend ----- */

static void fill(uint64_t *w, uint64_t sector)
{
	for (unsigned int j = 0; j < VB_REQ / 8; j++)
		w[j] = vb_pattern(sector + j / 64, j % 64);
}

/* Every data request over the disk, VBLK_SLOTS in flight at a time. */
static unsigned int all_requests(struct vblk *b, uint32_t type, uint8_t *bufs)
{
	unsigned int bad = 0, more = 0;

	for (unsigned int first = 0; first < NR_REQ; first += VBLK_SLOTS) {
		int slot[VBLK_SLOTS];
		unsigned int n = NR_REQ - first < VBLK_SLOTS ? NR_REQ - first : VBLK_SLOTS;

		for (unsigned int i = 0; i < n; i++)
			slot[i] = vblk_submit(b, type, (first + i) * SEC_PER_REQ,
					      bufs + (first + i) * VB_REQ, VB_REQ);
		vblk_kick(b);
		more += b->in_flight > 1;
		rt_check_eq(vblk_wait(b, TIMEOUT), 0, "wait for requests %u..%u", first, first + n - 1);
		for (unsigned int i = 0; i < n; i++)
			bad += slot[i] < 0 || b->slot[slot[i]].status != VIRTIO_BLK_S_OK ||
			       b->slot[slot[i]].used_len != (type == VIRTIO_BLK_T_IN ? VB_REQ + 1 : 1);
	}
	rt_check_eq(more != 0, 1, "never more than one request in flight");
	return bad;
}

/* A malformed request: submitted, its descriptors changed, kicked. */
static void malformed(struct vblk *b, uint8_t *buf, const char *what,
		      void (*spoil)(struct vring_desc *d), uint8_t want_status, uint32_t want_len)
{
	int k = vblk_submit(b, VIRTIO_BLK_T_IN, 0, buf, VB_REQ);

	if (k < 0) {
		rt_test_error("submit for %s: %d", what, k);
		return;
	}
	spoil(&b->desc[VBLK_SLOT_DESCS * k]);
	vblk_kick(b);
	rt_check_eq(vblk_wait(b, TIMEOUT), 0, "%s: completed", what);
	rt_check_eq(b->slot[k].status, want_status, "%s: status byte", what);
	rt_check_eq(b->slot[k].used_len, want_len, "%s: used length", what);
}

static void outside_ram(struct vring_desc *d)
{
	d[1].addr = VB_FE_RAM_GPA + VB_FE_RAM - 16; /* starts inside, ends outside */
}

static struct vblk fe_dev;

static void loop_back(struct vring_desc *d)
{
	d[2].flags |= VRING_DESC_F_NEXT;
	d[2].next = (uint16_t)(d - fe_dev.desc); /* status -> header: a cycle */
}

static void indirect(struct vring_desc *d)
{
	d[1].flags |= VRING_DESC_F_INDIRECT;
}

static uint32_t reg(struct vblk *b, uint32_t off)
{
	return rt_mmio_read32(b->base + off);
}

static void set_reg(struct vblk *b, uint32_t off, uint32_t v)
{
	rt_mmio_write32(b->base + off, v);
}

/* Queue set-ups the device must refuse (QueueReady stays 0): a size that
 * is not a power of two, one above QueueNumMax, a descriptor table that
 * crosses the end of RAM, a misaligned used ring. Leaves the device
 * reset after use (the driver's rings are those of b). */
static void queue_refused(struct vblk *b)
{
	static const struct {
		const char *what;
		uint32_t num;
		uint64_t desc_delta, used_delta;
	} bad[] = {
		{"QueueNum 63", 63, 0, 0},
		{"QueueNum above QueueNumMax", 2 * VMDEV_QUEUE_MAX, 0, 0},
		{"descriptor table crossing the end of RAM", VBLK_QSIZE, ~0ULL, 0},
		{"misaligned used ring", VBLK_QSIZE, 0, 2},
	};
	uint64_t desc = rt_virt_to_phys(b->desc), used = rt_virt_to_phys((const void *)b->used);

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t dd = bad[i].desc_delta == ~0ULL ? VB_FE_RAM_GPA + VB_FE_RAM - 512 : desc;

		set_reg(b, VIRTIO_MMIO_STATUS, 0);
		set_reg(b, VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER);
		set_reg(b, VIRTIO_MMIO_DRV_FEATURES_SEL, 1);
		set_reg(b, VIRTIO_MMIO_DRV_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
		set_reg(b, VIRTIO_MMIO_STATUS,
			VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER | VIRTIO_ST_FEATURES_OK);
		set_reg(b, VIRTIO_MMIO_QUEUE_SEL, 0);
		set_reg(b, VIRTIO_MMIO_QUEUE_NUM, bad[i].num);
		set_reg(b, VIRTIO_MMIO_QUEUE_DESC_LO, (uint32_t)dd);
		set_reg(b, VIRTIO_MMIO_QUEUE_DESC_HI, (uint32_t)(dd >> 32));
		set_reg(b, VIRTIO_MMIO_QUEUE_AVAIL_LO, (uint32_t)rt_virt_to_phys((const void *)b->avail));
		set_reg(b, VIRTIO_MMIO_QUEUE_AVAIL_HI, 0);
		set_reg(b, VIRTIO_MMIO_QUEUE_USED_LO, (uint32_t)(used + bad[i].used_delta));
		set_reg(b, VIRTIO_MMIO_QUEUE_USED_HI, (uint32_t)((used + bad[i].used_delta) >> 32));
		set_reg(b, VIRTIO_MMIO_QUEUE_READY, 1);
		rt_check_eq(reg(b, VIRTIO_MMIO_QUEUE_READY), 0, "%s: QueueReady", bad[i].what);
		/* DRIVER_OK then a notify: nothing to process, nothing breaks. */
		set_reg(b, VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER |
						       VIRTIO_ST_FEATURES_OK | VIRTIO_ST_DRIVER_OK);
		set_reg(b, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		rt_check_eq(reg(b, VIRTIO_MMIO_STATUS) & VIRTIO_ST_NEEDS_RESET, 0,
			    "%s: a notify broke the device", bad[i].what);
	}
	/* Features without VERSION_1 are refused at FEATURES_OK. */
	set_reg(b, VIRTIO_MMIO_STATUS, 0);
	set_reg(b, VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER);
	set_reg(b, VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER | VIRTIO_ST_FEATURES_OK);
	rt_check_eq(reg(b, VIRTIO_MMIO_STATUS) & VIRTIO_ST_FEATURES_OK, 0,
		    "FEATURES_OK without VERSION_1");
	/* A register read of the wrong width reads all ones (Xen's
	 * unclaimed-style answer), the magic at its width does not. */
	rt_check_eq(rt_mmio_read(b->base + VIRTIO_MMIO_MAGIC, 2), 0xffff, "2-byte register read");
	rt_check_eq(reg(b, VIRTIO_MMIO_MAGIC), VIRTIO_MMIO_MAGIC_VALUE, "magic");
	set_reg(b, VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER | VIRTIO_ST_DRIVER_OK);
}

static void frontend(void)
{
	struct vblk *b = &fe_dev;
	uint8_t *out = rt_alloc_pages(NR_REQ * VB_REQ / RT_PAGE_SIZE);
	uint8_t *in = rt_alloc_pages(NR_REQ * VB_REQ / RT_PAGE_SIZE);
	struct evtchn_bind_pirq bp;
	uint64_t base = 0;
	uint32_t spi = 0;
	int node = -1;
	char id[VIRTIO_BLK_ID_BYTES + 1] = {0};
	unsigned int diff = 0;
	uint64_t t0, t1;
	int rc;

	if (!out || !in || !setup_events())
		return;
	/* The device from the device tree (the driver gives it there). */
	rt_check_eq(vblk_find(rt_dt(), &node, &base, &spi), 0, "a virtio,mmio node");
	rt_check_eq(base, VB_MMIO_GPA, "the node's window");
	rt_check_eq(spi, VB_IRQ, "the node's line");
	rt_check_eq(vblk_find(rt_dt(), &node, &(uint64_t){0}, &(uint32_t){0}), -XEN_ENODEV,
		    "a second virtio,mmio node");
	bp = (struct evtchn_bind_pirq){.pirq = spi};
	/* The line announces the served window: before, an access is nobody's. */
	rc = (int)rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_pirq, rt_handle(&bp), 0,
			       0, 0);
	rt_check_eq(rc, 0, "bind_pirq of the device line");
	if (rc)
		return;
	rt_check_eq(xevtchn_wait_port(bp.port, 10 * TIMEOUT), 0, "the backend's first line");
	rc = vblk_init(b, base, bp.port);
	rt_check_eq(rc, 0, "virtio-blk set-up");
	if (rc)
		return;
	rt_check_eq(b->capacity, VB_SECTORS, "capacity");
	rt_check_eq(b->features >> VIRTIO_F_VERSION_1 & 1, 1, "VERSION_1 negotiated");
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES), VIRTIO_BLK_S_OK,
		    "GET_ID");
	rt_check_eq(strcmp(id, "memvisor-virtio-blk"), 0, "device id \"%s\"", id);

	/* From here on, an event on the line is a completion's (the
	 * announcements stopped with the first access). */
	xevtchn_test_and_clear(b->port);
	b->irqs = 0;
	for (unsigned int r = 0; r < NR_REQ; r++)
		fill((uint64_t *)(out + r * VB_REQ), r * SEC_PER_REQ);
	memset(in, 0, NR_REQ * VB_REQ);
	t0 = xevtchn_now();
	rt_check_eq(all_requests(b, VIRTIO_BLK_T_OUT, out), 0, "failed writes");
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0), VIRTIO_BLK_S_OK, "FLUSH");
	rt_check_eq(all_requests(b, VIRTIO_BLK_T_IN, in), 0, "failed reads");
	t1 = xevtchn_now();
	/* The same reads one at a time (printed, never asserted). */
	for (unsigned int r = 0; r < NR_REQ; r++)
		diff += vblk_rw(b, VIRTIO_BLK_T_IN, r * SEC_PER_REQ, in + r * VB_REQ, VB_REQ) !=
			VIRTIO_BLK_S_OK;
	rt_check_eq(diff, 0, "failed single reads");
	rt_printf("frontend: %u KiB requests: %llu ns each with %u in flight, %llu ns one at a time\n",
		  VB_REQ / 1024, (unsigned long long)((t1 - t0) / (2 * NR_REQ + 1)), VBLK_SLOTS,
		  (unsigned long long)((xevtchn_now() - t1) / NR_REQ));
	for (unsigned int k = 0; k < NR_REQ * VB_REQ / 8; k++)
		diff += ((uint64_t *)in)[k] != ((uint64_t *)out)[k];
	rt_check_eq(diff, 0, "words read back differ from those written");
	rt_printf("frontend: %llu sectors written and read back, %lu interrupts\n", VB_SECTORS,
		  b->irqs);
	/* The line came for these completions: consumed by a wait, or still
	 * pending (when the ring was seen done first, it comes after). */
	rt_check_eq(b->irqs != 0 || xevtchn_wait_port(b->port, TIMEOUT) == 0, 1,
		    "no interrupt for the completions");

	/* One sector from and into buffers that are not page-aligned (the
	 * file-backed device bounces these: read-modify-write of its block). */
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_OUT, 5, out + 5 * VIRTIO_BLK_SECTOR, VIRTIO_BLK_SECTOR),
		    VIRTIO_BLK_S_OK, "unaligned one-sector write");
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_IN, 5, in + 100, VIRTIO_BLK_SECTOR), VIRTIO_BLK_S_OK,
		    "unaligned one-sector read");
	rt_check_eq(memcmp(in + 100, out + 5 * VIRTIO_BLK_SECTOR, VIRTIO_BLK_SECTOR), 0,
		    "unaligned sector read back");
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_IN, 0, in, VB_REQ), VIRTIO_BLK_S_OK,
		    "read of the block around it");
	rt_check_eq(memcmp(in, out, VB_REQ), 0, "the block around the unaligned sector");

	/* One request of many pages from a buffer that is not page-aligned,
	 * at a sector that is not block-aligned: SEG_MAX/SIZE_MAX pieces, one
	 * storage command (partial first and last block kept). */
	rt_check_eq(b->seg_max, VMDEV_SEG_MAX < VBLK_MAX_SEGS ? VMDEV_SEG_MAX : VBLK_MAX_SEGS,
		    "SEG_MAX from the config space (or our limit)");
	rt_check_eq(b->size_max, VMDEV_SIZE_MAX, "SIZE_MAX from the config space");
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_OUT, 3, out + VB_BIG_SKEW, VB_BIG), VIRTIO_BLK_S_OK,
		    "one %u-byte write", VB_BIG);
	/* (slot 0: header, data pieces, status) */
	rt_check_eq(b->desc[1].len <= VMDEV_SIZE_MAX && (b->desc[2].flags & VRING_DESC_F_NEXT), 1,
		    "the big write in pieces of at most SIZE_MAX");
	memset(in, 0, NR_REQ * VB_REQ);
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_IN, 0, in, VB_BIG + 4096), VIRTIO_BLK_S_OK,
		    "one aligned read around it");
	rt_check_eq(memcmp(in, out, 3 * VIRTIO_BLK_SECTOR), 0, "sectors before the big write");
	rt_check_eq(memcmp(in + 3 * VIRTIO_BLK_SECTOR, out + VB_BIG_SKEW, VB_BIG), 0,
		    "the big write read back");
	rt_check_eq(memcmp(in + 3 * VIRTIO_BLK_SECTOR + VB_BIG, out + 3 * VIRTIO_BLK_SECTOR + VB_BIG,
			   4096 - 3 * VIRTIO_BLK_SECTOR),
		    0, "sectors after the big write");
	memset(in, 0, NR_REQ * VB_REQ);
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_IN, 3, in + VB_BIG_SKEW, VB_BIG), VIRTIO_BLK_S_OK,
		    "one unaligned %u-byte read", VB_BIG);
	rt_check_eq(memcmp(in + VB_BIG_SKEW, out + VB_BIG_SKEW, VB_BIG), 0, "the big read");
	/* Put the disk back as all_requests wrote it. */
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_OUT, 0, out, VB_BIG + 4096), VIRTIO_BLK_S_OK,
		    "rewrite");

	/* Past the end: IOERR, nothing moved. */
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_IN, VB_SECTORS - 1, in, VB_REQ), VIRTIO_BLK_S_IOERR,
		    "read past the end");
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_OUT, VB_SECTORS, out, VIRTIO_BLK_SECTOR),
		    VIRTIO_BLK_S_IOERR, "write past the end");
	/* Malformed chains: completed, the status says IOERR where it can. */
	malformed(b, in, "buffer crossing the end of RAM", outside_ram, VIRTIO_BLK_S_IOERR, 1);
	malformed(b, in, "looping chain", loop_back, 0xff, 0);
	malformed(b, in, "INDIRECT descriptor", indirect, VIRTIO_BLK_S_IOERR, 1);
	/* The device still works. */
	memset(in, 0, VB_REQ);
	rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_IN, 0, in, VB_REQ), VIRTIO_BLK_S_OK, "read after abuse");
	rt_check_eq(memcmp(in, out, VB_REQ), 0, "data after abuse");

	/* An available index more than a queue ahead: the device wants a
	 * reset (config interrupt), processes nothing, and works after one. */
	xevtchn_test_and_clear(b->port);
	b->avail[1] = (uint16_t)(b->avail_idx + VBLK_QSIZE + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	rt_mmio_write32(b->base + VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	rt_check_eq(xevtchn_wait_port(b->port, TIMEOUT), 0, "interrupt for the broken queue");
	rt_check_eq(rt_mmio_read32(b->base + VIRTIO_MMIO_STATUS) & VIRTIO_ST_NEEDS_RESET,
		    VIRTIO_ST_NEEDS_RESET, "DEVICE_NEEDS_RESET");
	/* (bit 0 may remain from completions seen before their interrupt) */
	rt_check_eq(rt_mmio_read32(b->base + VIRTIO_MMIO_INT_STATUS) & VIRTIO_INT_CONFIG,
		    VIRTIO_INT_CONFIG, "config bit in the interrupt status of the broken queue");
	rc = vblk_init(b, base, bp.port); /* resets first */
	rt_check_eq(rc, 0, "set-up after the reset");
	memset(in, 0, VB_REQ);
	if (!rc) {
		rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_IN, SEC_PER_REQ, in, VB_REQ), VIRTIO_BLK_S_OK,
			    "read after the reset");
		rt_check_eq(memcmp(in, out + VB_REQ, VB_REQ), 0, "data after the reset");
	}
	queue_refused(b);
	rc = vblk_init(b, base, bp.port);
	rt_check_eq(rc, 0, "set-up after the refused queues");
	if (!rc)
		rt_check_eq(vblk_rw(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0), VIRTIO_BLK_S_OK,
			    "FLUSH after the refused queues");
	vblk_reset(b); /* the last reset after use: the backend is done */
	rt_printf("frontend: done\n");
}

/*
 * Role fe-stop: writes generations of VB_STOP_EXTENTS requests over the
 * disk until the run is stopped (the driver's time limit): request r of
 * generation g covers VB_STOP_REQ_SECTORS sectors from sector
 * r * VB_STOP_SLOT + 1 with vb_stop_word(g, sector, j); every other one
 * from a buffer that is not page-aligned. The driver then finds every
 * extent wholly of one generation (tests/guest/virtio_blk.c).
 */
static void frontend_stop(void)
{
	struct vblk *b = &fe_dev;
	uint32_t len = VB_STOP_REQ_SECTORS * VIRTIO_BLK_SECTOR;
	uint8_t *bufs = rt_alloc_pages(VBLK_SLOTS * (len / RT_PAGE_SIZE + 2));
	struct evtchn_bind_pirq bp = {.pirq = VB_IRQ};
	int rc;

	if (!bufs || !setup_events())
		return;
	rc = (int)rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_pirq, rt_handle(&bp), 0,
			       0, 0);
	if (!rc)
		rc = xevtchn_wait_port(bp.port, 10 * TIMEOUT);
	if (!rc)
		rc = vblk_init(b, VB_MMIO_GPA, bp.port);
	rt_check_eq(rc, 0, "virtio-blk set-up");
	if (rc)
		return;
	rt_printf("frontend: writing until stopped\n");
	for (uint64_t g = 1;; g++) {
		for (unsigned int first = 0; first < VB_STOP_EXTENTS; first += VBLK_SLOTS) {
			for (unsigned int i = 0; i < VBLK_SLOTS && first + i < VB_STOP_EXTENTS; i++) {
				uint64_t sec = (uint64_t)(first + i) * VB_STOP_SLOT + 1;
				uint8_t *p = bufs + i * (len + 2 * RT_PAGE_SIZE) + (i & 1) * 512;

				for (unsigned int k = 0; k < len / 8; k++)
					((uint64_t *)p)[k] = vb_stop_word(g, sec + k / 64, k % 64);
				rc = vblk_submit(b, VIRTIO_BLK_T_OUT, sec, p, len);
				if (rc < 0) {
					rt_test_error("submit: %d", rc);
					return;
				}
			}
			vblk_kick(b);
			rc = vblk_wait(b, TIMEOUT);
			if (rc) {
				rt_test_error("wait: %d", rc);
				return;
			}
		}
	}
}

/* ----- backend ----- */

static uint8_t slot_state(struct ioreq *slot)
{
	return __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_ACQUIRE) & 0xf;
}

static void slot_set_state(struct ioreq *slot, uint8_t st)
{
	uint8_t v = __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_RELAXED);

	__atomic_store_n(&((uint8_t *)slot)[30], (uint8_t)((v & 0xf0) | st), __ATOMIC_RELEASE);
}

/* Storage on the VMM block device of this domain: vmdev_use_blkdev, one
 * READV/WRITEV per request (whole page-aligned frontend pages moved
 * straight between the file and the pre-mapped frame, the rest bounced). */
static uint64_t blk_base;

/* All of the frontend's RAM at unpopulated frames, once. */
static xen_pfn_t *premap(uint64_t frames)
{
	unsigned long pages = (unsigned long)((frames * sizeof(xen_pfn_t) + RT_PAGE_SIZE - 1) /
					      RT_PAGE_SIZE);
	xen_pfn_t *lg = rt_alloc_pages(pages), *fg = rt_alloc_pages(pages);
	long r;

	if (!lg || !fg || xen_alloc_unpopulated_pages(frames, lg)) {
		rt_test_error("no frames for the pre-mapping");
		return NULL;
	}
	for (uint64_t i = 0; i < frames; i++)
		fg[i] = (VB_FE_RAM_GPA >> 12) + i;
	r = xforeign_map(VB_FE, fg, lg, frames, NULL);
	rt_check_eq(r, 0, "pre-map of the frontend's %llu frames", (unsigned long long)frames);
	rt_free_pages(fg, pages);
	return r ? NULL : lg;
}

static void backend(void)
{
	static struct vmdev d;
	struct ioreq *slot;
	uint8_t *page = rt_alloc_pages(1);
	evtchn_port_t port;
	uint64_t served = 0;
	unsigned int resets = 0;
	uint64_t blocks = 0;
	bool was_live = false;
	ioservid_t id;
	int rc;

	if (!page || !setup_events())
		return;
	memset(&d, 0, sizeof(d));
	d.fe = VB_FE;
	d.base = VB_MMIO_GPA;
	d.irq = VB_IRQ;
	d.ram_gpa = VB_FE_RAM_GPA;
	d.ram_frames = VB_FE_RAM >> 12;
	d.sectors = VB_SECTORS;
	if (blk_find(&blk_base, &blocks) == 0) {
		/* The VMM's block device (a host file) holds the disk. */
		rt_check_eq(vmdev_use_blkdev(&d, blk_base), 0, "block storage");
		if (!strncmp(bootarg("disk="), "all", 3))
			d.sectors = blocks * (BLK_SIZE / VIRTIO_BLK_SECTOR);
		rt_check_eq(blocks >= VB_SECTORS * VIRTIO_BLK_SECTOR / BLK_SIZE, 1,
			    "block device of %llu blocks", (unsigned long long)blocks);
	} else {
		d.disk = rt_alloc_pages(VB_SECTORS * VIRTIO_BLK_SECTOR / RT_PAGE_SIZE);
	}
	d.local = premap(d.ram_frames);
	if ((!d.disk && !d.store_blocks) || !d.local)
		return;
	vmdev_reset(&d);
	/* The ioreq page replaces our page `page` (acquire_resource). */
	rc = xdm_create_ioreq_server(VB_FE, XDM_NO_PAGE, rt_virt_to_phys(page) >> 12, &id);
	rt_check_eq(rc, 0, "create, acquire and enable the server");
	if (rc)
		return;
	slot = (struct ioreq *)page;
	rt_check_eq(xdm_map_mmio_range(VB_FE, id, VB_MMIO_GPA, VB_MMIO_GPA + VIRTIO_MMIO_SIZE - 1),
		    0, "claim the window");
	rc = xevtchn_bind_interdomain(VB_FE, slot->vp_eport, &port);
	rt_check_eq(rc, 0, "bind the vCPU's port");
	if (rc)
		return;
	while (resets < VB_RESETS) {
		/* Take the port, then look (a request in between leaves it
		 * pending again: pitfall 3). */
		xevtchn_test_and_clear(port);
		if (slot_state(slot) != STATE_IOREQ_READY) {
			if (!served) { /* announce the window until it is used */
				rt_check_eq(xdm_set_irq_level(VB_FE, VB_IRQ, 1), 0,
					    "raise the device line");
				xevtchn_poll(&port, 1, xevtchn_now() + 1000000);
			} else {
				xevtchn_poll(&port, 1, 0);
			}
			continue;
		}
		slot_set_state(slot, STATE_IOREQ_INPROCESS);
		rc = vmdev_ioreq(&d, slot);
		rt_check_eq(rc, 0, "an access to the window");
		/* The driver's second reset after DRIVER_OK ends the session. */
		if (d.status & VIRTIO_ST_DRIVER_OK) {
			was_live = true;
		} else if (was_live && !d.status) {
			was_live = false;
			resets++;
		}
		slot_set_state(slot, STATE_IORESP_READY);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rt_check_eq(xevtchn_send(port), 0, "answer on the vCPU's port");
		served++;
		rt_check_eq(vmdev_process(&d), 0, "set_irq_level from the device");
	}
	while (slot_state(slot) != STATE_IOREQ_NONE)
		rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	rt_check_eq(d.st.bad_chains, VB_BAD_CHAINS, "malformed chains seen");
	rt_check_eq(d.st.ioerr, VB_IOERR, "requests answered IOERR");
	rt_check_eq(xdm_destroy_ioreq_server(VB_FE, id), 0, "destroy the server");
	if (d.store_blocks) {
		/* Only blocks not covered by one whole aligned frontend page
		 * bounce (vb.h VB_BOUNCED); every data request was one command
		 * (a write covering a block in part also read it first). */
		rt_check_eq(d.st.bounced_blocks, VB_BOUNCED, "blocks through the bounce pages");
		rt_printf("backend: %llu blocks moved straight between the file and the "
			  "frontend's pages, %llu storage commands\n",
			  (unsigned long long)d.st.direct_blocks,
			  (unsigned long long)d.st.store_ops);
	}
	rt_printf("backend: %llu accesses, %llu requests, %llu interrupts\n",
		  (unsigned long long)served, (unsigned long long)d.st.requests,
		  (unsigned long long)d.st.irqs);
}

void test_main(void)
{
	const char *r = bootarg("role=");

	if (!strncmp(r, "fe-stop", 7))
		frontend_stop();
	else if (!strncmp(r, "fe", 2))
		frontend();
	else if (!strncmp(r, "be", 2))
		backend();
	else
		rt_test_error("unknown role \"%s\"", r);
}
