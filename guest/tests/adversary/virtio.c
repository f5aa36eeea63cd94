/*
 * Adversarial guest tests, virtio roles (adv.h "virtio scenario"): the
 * backend runs the real device model (xen/virtio_mmio_dev.h) behind IOREQ
 * servers for two frontends at once; one of them lies in every way a
 * driver can (virtio 1.x, facts 8, pitfalls 9-13), the other does real
 * I/O all along and after the liar is done.
 *
 *   vbe    backend-for d1, d2, d5: pre-maps d1's and d2's RAM, one server
 *          and one vmdev each, serves both from one loop until both said
 *          bye; lies itself to the hypervisor on the way (answers d2's
 *          reads with the wrong size and bits above the access, events
 *          that answer nothing, spurious lines for d1, dm_op on lines and
 *          domains that are not its own, d2's server destroyed while d2's
 *          vCPU waits); creates and destroys d5's server; checks what its
 *          devices counted
 *   vgood  well-behaved frontend (vblk): rounds of writing the whole disk
 *          and reading it back until the backend flags that the liar is
 *          done, then one more round
 *   vliar  the liar: descriptors outside its RAM, straddling its end,
 *          wrapping u64; loops; INDIRECT (not negotiated); no status
 *          descriptor or a read-only one; bad headers and directions;
 *          requests past the disk's end; a head out of the ring; an index
 *          running ahead (DEVICE_NEEDS_RESET) and notify storms; queue
 *          set-ups the device must refuse; descriptors flipped while the
 *          device walks them; features without VERSION_1 or
 *          with bits not offered; status bits it may not clear or set;
 *          register accesses of odd sizes and offsets; notifies of queues
 *          that do not exist. Every answer is checked exactly, and after
 *          each group (and a reset where one is due) it completes real
 *          I/O.
 *   vtouch reads its window (d4 before any server exists, d5 after its
 *          server was destroyed): stopped by the transport
 */
#include <libfdt.h>
#include <string.h>

#include <public/dm_op.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/ioreq.h>
#include <public/memory.h>
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

#include "adv.h"
#include "roles.h"

#define TIMEOUT 4000000000ULL
#define RAM_GPA 0x40000000ULL
#define RAM_END (RAM_GPA + ADV_RAM)
#define REQ 4096u
#define SEC_PER_REQ (REQ / VIRTIO_BLK_SECTOR)
#define NR_REQ (ADV_VIO_SECTORS / SEC_PER_REQ)

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

/* ===================================================================== */
/* Frontends                                                              */

/* Every mutable static here is per domain (RT_TLS: in-process, every
 * domain is a thread of one process running this same program). */
static RT_TLS uint64_t win;
static RT_TLS evtchn_port_t line;

static uint32_t rd(uint32_t off)
{
	return rt_mmio_read32(win + off);
}

static void wr(uint32_t off, uint32_t v)
{
	rt_mmio_write32(win + off, v);
}

/* The window and line from the DT, the line bound and announced. */
static bool find_device(void)
{
	struct evtchn_bind_pirq bp;
	uint32_t spi = 0;
	int node = -1, rc;

	rc = vblk_find(rt_dt(), &node, &win, &spi);
	rt_check_eq(rc, 0, "a virtio,mmio node");
	if (rc)
		return false;
	rt_check_eq(win, ADV_VIO_GPA, "the node's window");
	rt_check_eq(spi, ADV_VIO_SPI, "the node's line");
	bp = (struct evtchn_bind_pirq){.pirq = spi};
	rc = (int)rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_pirq, rt_handle(&bp), 0,
			       0, 0);
	rt_check_eq(rc, 0, "bind_pirq of the device line");
	if (rc)
		return false;
	line = bp.port;
	/* The backend raises the line until the window's first access:
	 * before, an access would be nobody's. */
	rc = xevtchn_wait_port(line, 10 * TIMEOUT);
	rt_check_eq(rc, 0, "the backend's first line");
	return rc == 0;
}

static void bye(void)
{
	wr(ADV_VIO_BYE, ADV_VIO_BYE_MAGIC);
}

static void fill(uint64_t *w, uint64_t sector, uint32_t round)
{
	for (unsigned int j = 0; j < REQ / 8; j++)
		w[j] = ((uint64_t)round << 48) | (sector + j / 64) << 16 | (j % 64);
}

/* Writes and reads back sectors [first, first + n * SEC_PER_REQ) with up
 * to VBLK_SLOTS requests in flight: the number of failures. */
static unsigned int io_round(struct vblk *b, uint8_t *out, uint8_t *in, unsigned int first,
			     unsigned int n, uint32_t round)
{
	unsigned int bad = 0;

	for (unsigned int r = 0; r < n; r++)
		fill((uint64_t *)(out + r * REQ), (first + r) * SEC_PER_REQ, round);
	memset(in, 0, n * REQ);
	for (int pass = 0; pass < 2; pass++) {
		uint32_t type = pass ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
		uint8_t *bufs = pass ? in : out;

		for (unsigned int s = 0; s < n; s += VBLK_SLOTS) {
			int slot[VBLK_SLOTS];
			unsigned int m = n - s < VBLK_SLOTS ? n - s : VBLK_SLOTS;

			for (unsigned int i = 0; i < m; i++)
				slot[i] = vblk_submit(b, type, (first + s + i) * SEC_PER_REQ,
						      bufs + (s + i) * REQ, REQ);
			vblk_kick(b);
			if (vblk_wait(b, TIMEOUT)) {
				rt_test_error("round %u: requests never completed", round);
				return bad + 1;
			}
			for (unsigned int i = 0; i < m; i++)
				bad += slot[i] < 0 || b->slot[slot[i]].status != VIRTIO_BLK_S_OK ||
				       b->slot[slot[i]].used_len != (pass ? REQ + 1 : 1);
		}
	}
	return bad + (memcmp(in, out, n * REQ) != 0);
}

/* ----- the well-behaved frontend ----- */

static void vgood(void)
{
	static RT_TLS struct vblk b;
	bool claimed = rt_claim_range(ADV_VIO_FLAG_GPA, 1);
	uint8_t *out = rt_alloc_pages(NR_REQ), *in = rt_alloc_pages(NR_REQ);
	volatile uint32_t *flag = rt_phys_to_virt(ADV_VIO_FLAG_GPA);
	unsigned int rounds = 0, after = 0, bad = 0;
	int rc;

	if (!out || !in || !claimed) {
		rt_test_error("no memory for the rounds or the flag page");
		return;
	}
	*flag = 0;
	if (!setup_events() || !find_device())
		return;
	rc = vblk_init(&b, win, line);
	rt_check_eq(rc, 0, "virtio-blk set-up");
	if (rc)
		return;
	rt_check_eq(b.capacity, ADV_VIO_SECTORS, "capacity");
	/* Rounds while the liar lies to the same backend, and one after. */
	while (after < 1) {
		after += __atomic_load_n(flag, __ATOMIC_ACQUIRE) == ADV_VIO_LIAR_DONE;
		bad += io_round(&b, out, in, 0, NR_REQ, ++rounds);
		if (bad)
			break;
	}
	rt_check_eq(bad, 0, "failed requests or data in %u rounds", rounds);
	rt_printf("good frontend: %u rounds of %llu sectors written and read back, the last after the liar\n",
		  rounds, ADV_VIO_SECTORS);
	vblk_reset(&b);
	bye();
}

/* ----- the liar ----- */

static RT_TLS struct vblk lb;
static RT_TLS uint8_t *lout, *lin;
static RT_TLS unsigned int bad_chains, ioerrs; /* what the backend must count */
static RT_TLS unsigned int flipped_bad; /* of them, from liar_flipping (varies) */

static bool liar_init(const char *when)
{
	int rc = vblk_init(&lb, win, line);

	rt_check_eq(rc, 0, "set-up %s", when);
	return rc == 0;
}

/* Real I/O on the liar's own device: one write and read-back. */
static void liar_io(const char *when)
{
	static RT_TLS uint32_t round = 0x100;

	rt_check_eq(io_round(&lb, lout, lin, 4, 2, ++round), 0, "real I/O %s", when);
}

enum spoil {
	SP_DATA_BELOW_RAM, SP_DATA_STRADDLES_END, SP_DATA_PAST_END, SP_DATA_WRAPS,
	SP_DATA_HUGE_LEN, SP_HDR_OUTSIDE, SP_LOOP_TO_HEAD, SP_SELF_LOOP, SP_BAD_SELF_LOOP,
	SP_NEXT_OUT_OF_RING,
	SP_INDIRECT, SP_NO_STATUS, SP_STATUS_READONLY, SP_STATUS_EMPTY, SP_STATUS_OUTSIDE,
	SP_HDR_WRITABLE, SP_HDR_SHORT, SP_DATA_WRONG_DIR, SP_DATA_ODD_LEN, SP_TYPE_UNKNOWN,
	SP_GETID_READONLY, SP_PAST_DISK_READ, SP_PAST_DISK_WRITE, SP_SECTOR_HUGE,
	SP_SECTOR_WRAPS,
};

static const struct {
	const char *what;
	enum spoil how;
	uint8_t status;  /* the status byte we find (0xff: untouched) */
	uint32_t len;    /* the used length */
	uint8_t bad, ioerr; /* what the device counts for it */
} lies[] = {
	{"data below its RAM", SP_DATA_BELOW_RAM, VIRTIO_BLK_S_IOERR, 1, 1, 0},
	{"data straddling the end of its RAM", SP_DATA_STRADDLES_END, VIRTIO_BLK_S_IOERR, 1, 1, 0},
	{"data past the end of its RAM", SP_DATA_PAST_END, VIRTIO_BLK_S_IOERR, 1, 1, 0},
	{"data wrapping u64", SP_DATA_WRAPS, VIRTIO_BLK_S_IOERR, 1, 1, 0},
	{"data of length 4 GiB - 1", SP_DATA_HUGE_LEN, VIRTIO_BLK_S_IOERR, 1, 1, 0},
	{"header outside its RAM", SP_HDR_OUTSIDE, VIRTIO_BLK_S_IOERR, 1, 1, 0},
	{"status looping back to the head", SP_LOOP_TO_HEAD, 0xff, 0, 1, 0},
	{"descriptor chained to itself", SP_SELF_LOOP, 0xff, 0, 1, 0},
	{"descriptor outside its RAM chained to itself", SP_BAD_SELF_LOOP, 0xff, 0, 1, 0},
	{"next index outside the ring", SP_NEXT_OUT_OF_RING, 0xff, 0, 1, 0},
	{"INDIRECT, not negotiated", SP_INDIRECT, VIRTIO_BLK_S_IOERR, 1, 1, 0},
	{"no status descriptor", SP_NO_STATUS, 0xff, 0, 1, 0},
	{"status in a read-only descriptor", SP_STATUS_READONLY, 0xff, 0, 1, 0},
	{"status descriptor of length 0", SP_STATUS_EMPTY, 0xff, 0, 1, 0},
	{"status outside its RAM", SP_STATUS_OUTSIDE, 0xff, 0, 1, 0},
	{"device-writable header", SP_HDR_WRITABLE, VIRTIO_BLK_S_IOERR, 1, 1, 0},
	{"header of 8 bytes", SP_HDR_SHORT, VIRTIO_BLK_S_IOERR, 1, 1, 0},
	{"read into a read-only buffer", SP_DATA_WRONG_DIR, VIRTIO_BLK_S_IOERR, 1, 0, 1},
	{"data of 100 bytes", SP_DATA_ODD_LEN, VIRTIO_BLK_S_IOERR, 1, 0, 1},
	{"request type 0x77", SP_TYPE_UNKNOWN, VIRTIO_BLK_S_UNSUPP, 1, 0, 0},
	{"GET_ID into a read-only buffer", SP_GETID_READONLY, VIRTIO_BLK_S_IOERR, 1, 0, 1},
	{"read past the disk's end", SP_PAST_DISK_READ, VIRTIO_BLK_S_IOERR, 1, 0, 1},
	{"write starting at the disk's end", SP_PAST_DISK_WRITE, VIRTIO_BLK_S_IOERR, 1, 0, 1},
	{"sector 2^64 - 1", SP_SECTOR_HUGE, VIRTIO_BLK_S_IOERR, 1, 0, 1},
	{"sector whose byte offset wraps u64", SP_SECTOR_WRAPS, VIRTIO_BLK_S_IOERR, 1, 0, 1},
};

/* d[0..2]: header, data, status of the request with head `head`. */
static void spoil(enum spoil how, struct vring_desc *d, uint16_t head, struct vblk_slot *s)
{
	switch (how) {
	case SP_DATA_BELOW_RAM: d[1].addr = 0x1000; break;
	case SP_DATA_STRADDLES_END: d[1].addr = RAM_END - 16; break;
	case SP_DATA_PAST_END: d[1].addr = RAM_END; break;
	case SP_DATA_WRAPS: d[1].addr = ~0ULL - 15; break;
	case SP_DATA_HUGE_LEN: d[1].len = 0xffffffffu; break;
	case SP_HDR_OUTSIDE: d[0].addr = 0x7ffffffffff0ULL; break;
	case SP_LOOP_TO_HEAD:
		d[2].flags |= VRING_DESC_F_NEXT;
		d[2].next = head;
		break;
	case SP_SELF_LOOP: d[1].next = (uint16_t)(head + 1); break;
	case SP_BAD_SELF_LOOP: /* kept by no segment count: only the walk's bound ends it */
		d[1].addr = RAM_END;
		d[1].next = (uint16_t)(head + 1);
		break;
	case SP_NEXT_OUT_OF_RING: d[1].next = 200; break;
	case SP_INDIRECT: d[1].flags |= VRING_DESC_F_INDIRECT; break;
	case SP_NO_STATUS: d[0].flags = 0; break;
	case SP_STATUS_READONLY: d[2].flags = 0; break;
	case SP_STATUS_EMPTY: d[2].len = 0; break;
	case SP_STATUS_OUTSIDE: d[2].addr = RAM_END; break;
	case SP_HDR_WRITABLE: d[0].flags |= VRING_DESC_F_WRITE; break;
	case SP_HDR_SHORT: d[0].len = 8; break;
	case SP_DATA_WRONG_DIR: d[1].flags &= (uint16_t)~VRING_DESC_F_WRITE; break;
	case SP_DATA_ODD_LEN: d[1].len = 100; break;
	case SP_TYPE_UNKNOWN: s->hdr.type = 0x77; break;
	case SP_GETID_READONLY:
		s->hdr.type = VIRTIO_BLK_T_GET_ID;
		d[1].flags &= (uint16_t)~VRING_DESC_F_WRITE;
		break;
	case SP_PAST_DISK_READ: s->hdr.sector = ADV_VIO_SECTORS - 1; break;
	case SP_PAST_DISK_WRITE:
		s->hdr.type = VIRTIO_BLK_T_OUT;
		s->hdr.sector = ADV_VIO_SECTORS;
		d[1].flags &= (uint16_t)~VRING_DESC_F_WRITE;
		break;
	case SP_SECTOR_HUGE: s->hdr.sector = ~0ULL; break;
	case SP_SECTOR_WRAPS: s->hdr.sector = (~0ULL >> 9) + 2; break;
	}
}

/* Each lie: an IN request of one page submitted, spoiled, notified; it
 * completes with exactly the status and used length the rules give, and
 * the data the liar wrote at the start is still there. */
static void liar_descriptors(void)
{
	unsigned int bad0 = bad_chains;

	for (unsigned int i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		int k = vblk_submit(&lb, VIRTIO_BLK_T_IN, 0, lin, REQ);

		if (k < 0) {
			rt_test_error("%s: submit: %d", lies[i].what, k);
			return;
		}
		spoil(lies[i].how, &lb.desc[VBLK_SLOT_DESCS * k], (uint16_t)(VBLK_SLOT_DESCS * k),
		      &lb.slot[k]);
		vblk_kick(&lb);
		rt_check_eq(vblk_wait(&lb, TIMEOUT), 0, "%s: completed", lies[i].what);
		rt_check_eq(lb.slot[k].status, lies[i].status, "%s: status byte", lies[i].what);
		rt_check_eq(lb.slot[k].used_len, lies[i].len, "%s: used length", lies[i].what);
		bad_chains += lies[i].bad;
		ioerrs += lies[i].ioerr;
	}
	rt_check_eq(bad_chains - bad0 > 0, 1, "no malformed chain");
	/* A head outside the ring: completed with length 0 (the id is the
	 * liar's own nonsense, which its driver cannot match: reaped here). */
	{
		int k = vblk_submit(&lb, VIRTIO_BLK_T_IN, 0, lin, REQ);
		volatile struct vring_used_elem *e;
		uint16_t want = (uint16_t)(lb.last_used + 1);

		lb.avail[2 + (lb.avail_idx - 1) % VBLK_QSIZE] = 200;
		vblk_kick(&lb);
		for (int tries = 0; tries < 100 && __atomic_load_n((const uint16_t *)(lb.used + 2),
								   __ATOMIC_ACQUIRE) != want; tries++)
			xevtchn_wait_port(line, TIMEOUT / 100);
		e = (volatile struct vring_used_elem *)(lb.used + 4) + lb.last_used % VBLK_QSIZE;
		rt_check_eq(*(volatile uint16_t *)(lb.used + 2), want, "head 200: completed");
		rt_check_eq(e->id, 200, "head 200: used id");
		rt_check_eq(e->len, 0, "head 200: used length");
		lb.last_used = want;
		if (k >= 0) {
			lb.slot[k].busy = 0;
			lb.in_flight--;
		}
		bad_chains++;
		wr(VIRTIO_MMIO_INT_ACK, rd(VIRTIO_MMIO_INT_STATUS));
	}
	/* The data the liar wrote first is intact: nothing above moved any. */
	memset(lin, 0, REQ);
	rt_check_eq(vblk_rw(&lb, VIRTIO_BLK_T_IN, 4 * SEC_PER_REQ, lin, REQ), VIRTIO_BLK_S_OK,
		    "read after the lies");
	rt_check_eq(memcmp(lin, lout, REQ), 0, "data after the lies");
	liar_io("after the descriptor lies");
}

/* An available index more than a queue ahead, or moved backwards (which
 * is 65535 ahead in u16): DEVICE_NEEDS_RESET and the config interrupt;
 * then a real request with a sane index and a storm of notifies: nothing
 * is processed; the driver can neither clear the bit nor go on; a reset
 * and a new set-up work. */
static void liar_index_ahead(void)
{
	static const struct {
		const char *what;
		uint16_t delta;
	} lie[] = {{"an index a queue ahead", VBLK_QSIZE + 1}, {"an index moved back", 0xffff}};

	for (unsigned int i = 0; i < 2; i++) {
		uint16_t used0 = *(volatile uint16_t *)(lb.used + 2);

		xevtchn_test_and_clear(line);
		lb.avail[1] = (uint16_t)(lb.avail_idx + lie[i].delta);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		rt_check_eq(xevtchn_wait_port(line, TIMEOUT), 0, "%s: interrupt", lie[i].what);
		rt_check_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_ST_NEEDS_RESET, VIRTIO_ST_NEEDS_RESET,
			    "%s: DEVICE_NEEDS_RESET", lie[i].what);
		rt_check_eq(rd(VIRTIO_MMIO_INT_STATUS) & VIRTIO_INT_CONFIG, VIRTIO_INT_CONFIG,
			    "%s: config bit", lie[i].what);
		/* A real request, a sane index, a storm: nothing processed. */
		(void)vblk_submit(&lb, VIRTIO_BLK_T_IN, 0, lin, REQ);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		lb.avail[1] = lb.avail_idx;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		for (unsigned int n = 0; n < 200; n++)
			wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		wr(VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER |
					       VIRTIO_ST_FEATURES_OK | VIRTIO_ST_DRIVER_OK);
		rt_check_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_ST_NEEDS_RESET, VIRTIO_ST_NEEDS_RESET,
			    "%s: DEVICE_NEEDS_RESET cleared by the driver", lie[i].what);
		rt_check_eq(*(volatile uint16_t *)(lb.used + 2), used0,
			    "%s: used entries while broken", lie[i].what);
		if (liar_init("after DEVICE_NEEDS_RESET"))
			liar_io("after DEVICE_NEEDS_RESET");
	}
}

/* One queue set-up on a reset device: features (hi:lo), FEATURES_OK or
 * not, then queue 0 (num, areas), QueueReady=1; returns what QueueReady
 * reads back. DRIVER_OK and a notify follow: they must not break the
 * device. */
static uint32_t try_queue(uint64_t feat, bool features_ok, uint32_t num, uint64_t desc,
			  uint64_t avail, uint64_t used)
{
	uint32_t st = VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER, ready;

	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, st);
	wr(VIRTIO_MMIO_DRV_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRV_FEATURES, (uint32_t)feat);
	wr(VIRTIO_MMIO_DRV_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRV_FEATURES, (uint32_t)(feat >> 32));
	if (features_ok)
		wr(VIRTIO_MMIO_STATUS, st | VIRTIO_ST_FEATURES_OK);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(VIRTIO_MMIO_QUEUE_NUM, num);
	wr(VIRTIO_MMIO_QUEUE_DESC_LO, (uint32_t)desc);
	wr(VIRTIO_MMIO_QUEUE_DESC_HI, (uint32_t)(desc >> 32));
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LO, (uint32_t)avail);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HI, (uint32_t)(avail >> 32));
	wr(VIRTIO_MMIO_QUEUE_USED_LO, (uint32_t)used);
	wr(VIRTIO_MMIO_QUEUE_USED_HI, (uint32_t)(used >> 32));
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ready = rd(VIRTIO_MMIO_QUEUE_READY);
	wr(VIRTIO_MMIO_STATUS, rd(VIRTIO_MMIO_STATUS) | VIRTIO_ST_DRIVER_OK);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	return ready;
}

static void liar_queues(void)
{
	const uint64_t v1 = 1ULL << VIRTIO_F_VERSION_1;
	uint64_t desc = rt_virt_to_phys(lb.desc), avail = rt_virt_to_phys((const void *)lb.avail),
		 used = rt_virt_to_phys((const void *)lb.used);
	const struct {
		const char *what;
		uint64_t feat;
		bool features_ok;
		uint32_t num;
		uint64_t desc, avail, used;
	} bad[] = {
		{"QueueNum 63", v1, true, 63, desc, avail, used},
		{"QueueNum 0", v1, true, 0, desc, avail, used},
		{"QueueNum 384", v1, true, 384, desc, avail, used},
		{"QueueNum above QueueNumMax", v1, true, 2 * VMDEV_QUEUE_MAX, desc, avail, used},
		{"QueueNum 2^31", v1, true, 1u << 31, desc, avail, used},
		{"descriptor table below RAM", v1, true, VBLK_QSIZE, 0x1000, avail, used},
		{"descriptor table crossing the end of RAM", v1, true, VBLK_QSIZE, RAM_END - 512,
		 avail, used},
		{"descriptor table wrapping u64", v1, true, VBLK_QSIZE, ~0ULL - 255, avail, used},
		{"available ring crossing the end of RAM", v1, true, VBLK_QSIZE, desc, RAM_END - 64,
		 used},
		{"used ring past the end of RAM", v1, true, VBLK_QSIZE, desc, avail, RAM_END},
		{"misaligned descriptor table", v1, true, VBLK_QSIZE, desc + 8, avail, used},
		{"misaligned available ring", v1, true, VBLK_QSIZE, desc, avail + 1, used},
		{"misaligned used ring", v1, true, VBLK_QSIZE, desc, avail, used + 2},
		{"features without VERSION_1", 1ULL << VIRTIO_BLK_F_FLUSH, true, VBLK_QSIZE, desc,
		 avail, used},
		{"INDIRECT_DESC, not offered", v1 | 1ULL << 28, true, VBLK_QSIZE, desc, avail, used},
		{"EVENT_IDX, not offered", v1 | 1ULL << 29, true, VBLK_QSIZE, desc, avail, used},
		{"no FEATURES_OK at all", v1, false, VBLK_QSIZE, desc, avail, used},
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rt_check_eq(try_queue(bad[i].feat, bad[i].features_ok, bad[i].num, bad[i].desc,
				      bad[i].avail, bad[i].used),
			    0, "%s: QueueReady", bad[i].what);
		rt_check_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_ST_NEEDS_RESET, 0,
			    "%s: the device broke", bad[i].what);
		if (bad[i].features_ok && bad[i].feat != v1)
			rt_check_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_ST_FEATURES_OK, 0,
				    "%s: FEATURES_OK stuck", bad[i].what);
	}
	/* The same with everything right takes (the table's rings are fine;
	 * emptied, so that the notify finds nothing old to run). */
	lb.avail[1] = 0;
	*(volatile uint16_t *)(lb.used + 2) = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	rt_check_eq(try_queue(v1, true, VBLK_QSIZE, desc, avail, used), 1, "the good set-up");
	/* A ready queue's size is frozen; the driver cannot take bits back
	 * (FEATURES_OK, DRIVER_OK) to renegotiate under it, nor set
	 * DEVICE_NEEDS_RESET. */
	wr(VIRTIO_MMIO_QUEUE_NUM, 16);
	rt_check_eq(rd(VIRTIO_MMIO_QUEUE_NUM), VBLK_QSIZE, "QueueNum of a ready queue");
	wr(VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER);
	rt_check_eq(rd(VIRTIO_MMIO_STATUS),
		    VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER | VIRTIO_ST_FEATURES_OK |
			    VIRTIO_ST_DRIVER_OK,
		    "status bits taken back");
	wr(VIRTIO_MMIO_DRV_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRV_FEATURES, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER | VIRTIO_ST_FEATURES_OK |
				       VIRTIO_ST_DRIVER_OK | VIRTIO_ST_NEEDS_RESET);
	rt_check_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_ST_NEEDS_RESET, 0,
		    "DEVICE_NEEDS_RESET set by the driver");
	/* Queues that do not exist. */
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	rt_check_eq(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0, "QueueNumMax of queue 1");
	wr(VIRTIO_MMIO_QUEUE_NUM, VBLK_QSIZE);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	rt_check_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0, "QueueReady of queue 1");
	wr(VIRTIO_MMIO_QUEUE_SEL, 0xffffffffu);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	rt_check_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1, "queue 0 after writes to other queues");
	if (liar_init("after the refused queues"))
		liar_io("after the refused queues");
}

/* Register accesses of the wrong size or offset: reads give all ones of
 * the access size (registers) or 0 (config space off its fields), writes
 * do nothing; notifies of queues that do not exist process nothing. */
static void liar_registers(void)
{
	uint32_t st = rd(VIRTIO_MMIO_STATUS);
	uint16_t used0;
	int k;

	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_MAGIC, 1), 0xff, "1-byte register read");
	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_MAGIC, 2), 0xffff, "2-byte register read");
	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_MAGIC, 8), ~0ULL, "8-byte register read");
	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_MAGIC + 2, 2), 0xffff,
		    "2-byte read inside a register");
	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_VERSION + 2, 4), 0xffffffffu,
		    "misaligned 4-byte register read");
	rt_mmio_write(win + VIRTIO_MMIO_STATUS, 1, 0);
	rt_mmio_write(win + VIRTIO_MMIO_STATUS, 2, 0);
	rt_mmio_write(win + VIRTIO_MMIO_STATUS, 8, 0);
	rt_mmio_write(win + VIRTIO_MMIO_STATUS + 1, 4, 0);
	rt_check_eq(rd(VIRTIO_MMIO_STATUS), st, "status after odd-sized writes of 0");
	rt_mmio_write(win + VIRTIO_MMIO_QUEUE_READY, 1, 0);
	rt_mmio_write(win + VIRTIO_MMIO_QUEUE_DESC_LO, 8, 0);
	rt_check_eq(rd(VIRTIO_MMIO_QUEUE_READY), 1, "queue after odd-sized writes");
	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_CONFIG, 8), ADV_VIO_SECTORS, "capacity");
	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_CONFIG + 1, 1), (ADV_VIO_SECTORS >> 8) & 0xff,
		    "capacity's second byte");
	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_CONFIG + 2, 4), 0,
		    "misaligned config read");
	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_CONFIG + 0xf8, 8), 0,
		    "config read past its fields");
	rt_mmio_write(win + VIRTIO_MMIO_CONFIG, 8, 1);
	rt_mmio_write(win + VIRTIO_MMIO_CONFIG, 4, 0);
	rt_check_eq(rt_mmio_read(win + VIRTIO_MMIO_CONFIG, 8), ADV_VIO_SECTORS,
		    "capacity after writes");
	rt_check_eq(rd(0x0c0), 0, "a hole of the register file");
	wr(VIRTIO_MMIO_DEV_FEATURES_SEL, 0xffffffffu);
	rt_check_eq(rd(VIRTIO_MMIO_DEV_FEATURES), 0, "feature word 2^32 - 1");
	wr(VIRTIO_MMIO_INT_ACK, 0xffffffffu);
	/* Notifies of queues that do not exist (and of the right queue at the
	 * wrong width) leave a queued request alone; queue 0's takes it. */
	k = vblk_submit(&lb, VIRTIO_BLK_T_IN, 4 * SEC_PER_REQ, lin, REQ);
	used0 = *(volatile uint16_t *)(lb.used + 2);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	lb.avail[1] = lb.avail_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0xffff);
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffffu);
	rt_mmio_write(win + VIRTIO_MMIO_QUEUE_NOTIFY, 2, 0);
	/* The backend processes a notify right after answering it, before
	 * the next access: this read comes after any processing. */
	(void)rd(VIRTIO_MMIO_INT_STATUS);
	rt_check_eq(*(volatile uint16_t *)(lb.used + 2), used0,
		    "a notify of another queue processed queue 0");
	wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	rt_check_eq(vblk_wait(&lb, TIMEOUT), 0, "the request after queue 0's notify");
	rt_check_eq(k >= 0 && lb.slot[k].status == VIRTIO_BLK_S_OK, 1, "its status");
	liar_io("after the odd accesses");
}

/* Storms: notifies with nothing available, then with everything in
 * flight; nothing is processed twice, nothing lost. */
static void liar_storm(void)
{
	uint16_t used0 = *(volatile uint16_t *)(lb.used + 2);
	int slot[VBLK_SLOTS];

	for (unsigned int i = 0; i < 500; i++)
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	(void)rd(VIRTIO_MMIO_INT_STATUS);
	rt_check_eq(*(volatile uint16_t *)(lb.used + 2), used0, "used entries from empty notifies");
	for (unsigned int i = 0; i < VBLK_SLOTS; i++)
		slot[i] = vblk_submit(&lb, VIRTIO_BLK_T_IN, (i % 8) * SEC_PER_REQ, lin + (i % 2) * REQ,
				      REQ);
	vblk_kick(&lb);
	for (unsigned int i = 0; i < 300; i++)
		wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	rt_check_eq(vblk_wait(&lb, TIMEOUT), 0, "requests under the storm");
	(void)rd(VIRTIO_MMIO_INT_STATUS);
	rt_check_eq((uint16_t)(*(volatile uint16_t *)(lb.used + 2) - used0), VBLK_SLOTS,
		    "used entries for the storm's requests");
	for (unsigned int i = 0; i < VBLK_SLOTS; i++)
		rt_check_eq(slot[i] >= 0 && lb.slot[slot[i]].status == VIRTIO_BLK_S_OK, 1,
			    "storm request %u", i);
	liar_io("after the storms");
}

/* Descriptors changed while the device walks them: the liar flips its
 * data descriptor's address between its buffer and the same plus 2^56
 * (outside its RAM) until the request completes. Only the top byte
 * differs, so even a torn read of the address (the device copies the
 * descriptor with a plain memcpy) is one of the two: the request completes
 * as one of them, OK with all of the data in the buffer, or IOERR as
 * malformed, never half of each; it is counted accordingly. (Flipping
 * between two addresses that differ in more bytes, a torn read can give a
 * third address inside its RAM, which the device then uses: that stays
 * the liar's own memory, and the liar's own problem.) */
static void liar_flipping(void)
{
	unsigned int ok = 0, bad = 0;

	for (unsigned int round = 0; round < 32; round++) {
		int k = vblk_submit(&lb, VIRTIO_BLK_T_IN, 4 * SEC_PER_REQ, lin, REQ);
		volatile struct vring_desc *dd;
		uint16_t want = (uint16_t)(lb.last_used + 1);
		uint64_t good;

		if (k < 0) {
			rt_test_error("flipping: submit: %d", k);
			return;
		}
		memset(lin, 0, REQ);
		dd = &lb.desc[3 * k + 1];
		good = dd->addr;
		vblk_kick(&lb);
		for (uint32_t i = 0; __atomic_load_n((const uint16_t *)(lb.used + 2),
						     __ATOMIC_ACQUIRE) != want && i < 100000000u; i++)
			dd->addr = i & 1 ? good | 0xff00000000000000ULL : good;
		dd->addr = good;
		rt_check_eq(vblk_wait(&lb, TIMEOUT), 0, "flipping %u: completed", round);
		if (lb.slot[k].status == VIRTIO_BLK_S_OK && lb.slot[k].used_len == REQ + 1 &&
		    !memcmp(lin, lout, REQ))
			ok++;
		else if (lb.slot[k].status == VIRTIO_BLK_S_IOERR && lb.slot[k].used_len == 1)
			bad++;
		else
			rt_test_error("flipping %u: status %u, used length %u", round,
				      lb.slot[k].status, lb.slot[k].used_len);
	}
	rt_printf("liar: flipped descriptors: %u requests done whole, %u refused whole\n", ok, bad);
	bad_chains += bad;
	flipped_bad = bad;
	liar_io("after flipping descriptors");
}

static long reservation(unsigned int cmd, uint64_t gfn)
{
	xen_pfn_t *f = rt_alloc_pages(1);
	struct xen_memory_reservation r = {.nr_extents = 1, .domid = DOMID_SELF};
	long rc;

	f[0] = gfn;
	set_xen_guest_handle(r.extent_start, rt_handle(f));
	rc = HYPERVISOR_memory_op(cmd, &r);
	rt_free_pages(f, 1);
	return rc;
}

/* A buffer in a page the liar gave back (decrease_reservation): its gfn
 * is still "in RAM" for the device, which writes into the frame it
 * pre-mapped at start (pitfall 4: a pre-mapping backend keeps the old
 * frames). That frame stays the liar's, counted, until the backend unmaps
 * it (the driver checks the count), so the write reaches nobody else; the
 * page the liar gets back at that gfn is a fresh, scrubbed one that the
 * device never sees (it still writes into the old frame: not checked, the
 * device model does not remap). */
static void liar_ballooned(void)
{
	uint8_t *pg = rt_alloc_pages(1);
	uint64_t gfn = rt_virt_to_phys(pg) >> 12;
	unsigned int nonzero = 0;
	long rc;

	rt_check_eq(reservation(XENMEM_decrease_reservation, gfn), 1, "balloon out a page");
	rt_check_eq(vblk_rw(&lb, VIRTIO_BLK_T_IN, 4 * SEC_PER_REQ, pg, REQ), VIRTIO_BLK_S_OK,
		    "read into the page given back");
	rc = reservation(XENMEM_populate_physmap, gfn);
	rt_check_eq(rc, 1, "repopulate the page");
	if (rc != 1)
		return;
	for (unsigned int i = 0; i < REQ; i++)
		nonzero += pg[i] != 0;
	rt_check_eq(nonzero, 0, "bytes of the fresh page that are not 0");
}

/* The liar's ends of its IOREQ ports are Xen's (facts 1.4): it finds the
 * one bound to the backend and can neither close it, send on it nor move
 * it; the device works after. */
static void liar_ports(void)
{
	unsigned int found = 0;

	for (evtchn_port_t p = 1; p < 128; p++) {
		struct evtchn_status st;
		struct evtchn_bind_vcpu bv = {.port = p, .vcpu = 0};

		if (xevtchn_status(DOMID_SELF, p, &st) || st.status != EVTCHNSTAT_interdomain ||
		    st.u.interdomain.dom != ADV_BACKEND)
			continue;
		found++;
		rt_check_eq(xevtchn_send(p), -XEN_EINVAL, "send on IOREQ port %u", p);
		rt_check_eq(xevtchn_close(p), -XEN_EINVAL, "close of IOREQ port %u", p);
		rt_check_eq(rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_vcpu,
					 rt_handle(&bv), 0, 0, 0),
			    -XEN_EINVAL, "bind_vcpu of IOREQ port %u", p);
		rt_check_eq(xevtchn_status(DOMID_SELF, p, &st), 0, "status of IOREQ port %u", p);
		rt_check_eq(st.status, EVTCHNSTAT_interdomain, "IOREQ port %u after the abuse", p);
	}
	rt_check_eq(found, 1, "IOREQ ports bound to the backend");
	liar_io("after abusing its IOREQ port");
}

static void vliar(void)
{
	bool claimed = rt_claim_range(ADV_VIO_FLAG_GPA, 1);

	lout = rt_alloc_pages(2);
	lin = rt_alloc_pages(2);
	if (!claimed) {
		rt_test_error("the page at %#llx is not free", ADV_VIO_FLAG_GPA);
		return;
	}
	if (!lout || !lin || !setup_events() || !find_device())
		return;
	if (!liar_init("at first"))
		return;
	rt_check_eq(lb.capacity, ADV_VIO_SECTORS, "capacity");
	liar_io("at first");
	liar_ports();
	liar_descriptors();
	liar_ballooned();
	liar_flipping();
	liar_index_ahead();
	liar_registers();
	liar_storm();
	liar_queues();
	rt_check_eq(bad_chains, ADV_VIO_LIAR_BAD_CHAINS + flipped_bad, "malformed chains sent");
	rt_check_eq(ioerrs, ADV_VIO_LIAR_IOERR, "requests sent that earn IOERR");
	rt_printf("liar: %zu descriptor lies, 17 refused set-ups, %u malformed chains, %u IOERRs; "
		  "its own I/O still works\n",
		  sizeof(lies) / sizeof(lies[0]), bad_chains, ioerrs);
	/* What varies: the backend reads it through its pre-mapping. */
	*(volatile uint32_t *)rt_phys_to_virt(ADV_VIO_FLAG_GPA) = flipped_bad;
	/* The backend destroys our server while we wait for this write's
	 * answer: it completes (all ones, nothing to see for a write). */
	bye();
}

/* ----- accesses nobody serves ----- */

static void vtouch(void)
{
	uint64_t base = 0;
	uint32_t spi = 0;
	int node = -1;

	if (vblk_find(rt_dt(), &node, &base, &spi) || rt_mmio_map(base, VIRTIO_MMIO_SIZE)) {
		rt_test_error("no virtio,mmio window");
		return;
	}
	rt_printf("touching a window nobody serves\n");
	rt_test_error("read %#x from a window nobody serves", rt_mmio_read32(base));
}

/* ===================================================================== */
/* Backend                                                               */

struct fe {
	domid_t id;
	struct vmdev d;
	struct ioreq *slot;
	evtchn_port_t port;
	ioservid_t sid;
	uint64_t served;
	uint32_t extra_bad; /* the liar's malformed chains beyond the fixed count */
	bool bye;
};

static uint8_t slot_state(const struct ioreq *slot)
{
	return __atomic_load_n(&((const uint8_t *)slot)[30], __ATOMIC_ACQUIRE) & 0xf;
}

static void slot_set_state(struct ioreq *slot, uint8_t st)
{
	uint8_t v = __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_RELAXED);

	__atomic_store_n(&((uint8_t *)slot)[30], (uint8_t)((v & 0xf0) | st), __ATOMIC_RELEASE);
}

/* All of a frontend's RAM at unpopulated frames, once. */
static xen_pfn_t *premap(domid_t fe, uint64_t frames)
{
	unsigned long pages = (unsigned long)((frames * sizeof(xen_pfn_t) + RT_PAGE_SIZE - 1) /
					      RT_PAGE_SIZE);
	xen_pfn_t *lg = rt_alloc_pages(pages), *fg = rt_alloc_pages(pages);
	long r;

	if (!lg || !fg || xen_alloc_unpopulated_pages(frames, lg)) {
		rt_test_error("no frames for the pre-mapping of d%u", fe);
		return NULL;
	}
	for (uint64_t i = 0; i < frames; i++)
		fg[i] = (RAM_GPA >> 12) + i;
	r = xforeign_map(fe, fg, lg, frames, NULL);
	rt_check_eq(r, 0, "pre-map of d%u's %llu frames", fe, (unsigned long long)frames);
	rt_free_pages(fg, pages);
	return r ? NULL : lg;
}

static bool fe_start(struct fe *f, domid_t id)
{
	uint8_t *page = rt_alloc_pages(1);
	int rc;

	memset(f, 0, sizeof(*f));
	f->id = id;
	f->d.fe = id;
	f->d.base = ADV_VIO_GPA;
	f->d.irq = ADV_VIO_SPI;
	f->d.ram_gpa = RAM_GPA;
	f->d.ram_frames = ADV_RAM >> 12;
	f->d.sectors = ADV_VIO_SECTORS;
	f->d.disk = rt_alloc_pages(ADV_VIO_SECTORS * VIRTIO_BLK_SECTOR / RT_PAGE_SIZE);
	f->d.local = premap(id, f->d.ram_frames);
	if (!page || !f->d.disk || !f->d.local)
		return false;
	vmdev_reset(&f->d);
	rc = xdm_create_ioreq_server(id, XDM_NO_PAGE, rt_virt_to_phys(page) >> 12, &f->sid);
	rt_check_eq(rc, 0, "d%u: create, acquire and enable the server", id);
	if (rc)
		return false;
	f->slot = (struct ioreq *)page;
	rc = xdm_map_mmio_range(id, f->sid, ADV_VIO_GPA, ADV_VIO_GPA + VIRTIO_MMIO_SIZE - 1);
	rt_check_eq(rc, 0, "d%u: claim the window", id);
	if (!rc)
		rc = xevtchn_bind_interdomain(id, f->slot->vp_eport, &f->port);
	rt_check_eq(rc, 0, "d%u: bind the vCPU's port", id);
	return rc == 0;
}

static long dm_irq(domid_t target, uint32_t irq, uint8_t level, uint8_t pad)
{
	struct xen_dm_op *op = rt_alloc_pages(1);
	struct xen_dm_op_buf *b = (struct xen_dm_op_buf *)(op + 1);
	long rc;

	memset(op, 0, sizeof(*op));
	op->op = XEN_DMOP_set_irq_level;
	op->u.set_irq_level.irq = irq;
	op->u.set_irq_level.level = level;
	op->u.set_irq_level.pad[1] = pad;
	b->h = rt_handle(op);
	b->size = sizeof(*op);
	rc = rt_hypercall(__HYPERVISOR_dm_op, target, 1, rt_handle(b), 0, 0);
	rt_free_pages(op, 1);
	return rc;
}

/* The backend lying to the hypervisor about lines: domains and lines that
 * are not its own are refused, the hypervisor stays up. */
static void lines_not_ours(void)
{
	rt_check_eq(dm_irq(ADV_VIO_EARLY, ADV_VIO_SPI, 1, 0), -XEN_EPERM, "line of d%u (not ours)",
		    ADV_VIO_EARLY);
	rt_check_eq(dm_irq(ADV_NOBODY, ADV_VIO_SPI, 1, 0), -XEN_ESRCH, "line of nobody");
	rt_check_eq(dm_irq(DOMID_SELF, ADV_VIO_SPI, 1, 0), -XEN_EPERM, "our own line");
	rt_check_eq(dm_irq(ADV_VICTIM, 31, 1, 0), -XEN_EINVAL, "line 31 (not an SPI)");
	rt_check_eq(dm_irq(ADV_VICTIM, 0xffffffffu, 1, 0), -XEN_EINVAL, "line 2^32 - 1");
	rt_check_eq(dm_irq(ADV_VICTIM, ADV_VIO_SPI, 2, 0), -XEN_EINVAL, "level 2");
	rt_check_eq(dm_irq(ADV_VICTIM, ADV_VIO_SPI, 1, 1), -XEN_EINVAL, "padding");
	/* A line of the target nobody bound: accepted, raises nothing. */
	rt_check_eq(dm_irq(ADV_VICTIM, 200, 1, 0), 0, "an unbound line of d1");
}

/* The late frontend's server: created, enabled, claiming the window, then
 * destroyed before d5 runs. */
static void late_server(void)
{
	uint8_t *page = rt_alloc_pages(1);
	ioservid_t id;
	int rc;

	if (!page)
		return;
	rc = xdm_create_ioreq_server(ADV_VIO_LATE, XDM_NO_PAGE, rt_virt_to_phys(page) >> 12, &id);
	rt_check_eq(rc, 0, "d%u: create the server", ADV_VIO_LATE);
	if (rc)
		return;
	rt_check_eq(xdm_map_mmio_range(ADV_VIO_LATE, id, ADV_VIO_GPA,
				       ADV_VIO_GPA + VIRTIO_MMIO_SIZE - 1),
		    0, "d%u: claim the window", ADV_VIO_LATE);
	rt_check_eq(xdm_destroy_ioreq_server(ADV_VIO_LATE, id), 0, "d%u: destroy the server",
		    ADV_VIO_LATE);
	rt_check_eq(xdm_destroy_ioreq_server(ADV_VIO_LATE, id), -XEN_ENOENT,
		    "d%u: destroy it again", ADV_VIO_LATE);
}

/* One access of f's vCPU, which waits in f->slot. */
static void serve(struct fe *f, struct fe *good, bool liar)
{
	struct ioreq *rq = f->slot;
	bool is_bye = rq->dir == IOREQ_WRITE && rq->size == 4 &&
		      rq->addr == ADV_VIO_GPA + ADV_VIO_BYE && (uint32_t)rq->data == ADV_VIO_BYE_MAGIC;
	int rc;

	slot_set_state(rq, STATE_IOREQ_INPROCESS);
	if (is_bye) {
		f->bye = true;
		if (liar) {
			uint32_t done = ADV_VIO_LIAR_DONE;

			rt_check_eq(vmdev_copy(&f->d, ADV_VIO_FLAG_GPA, &f->extra_bad,
					       sizeof(f->extra_bad), false),
				    1, "read what varied in d%u's lies", f->id);

			/* Destroyed under the waiting vCPU: the hypervisor
			 * releases it (all ones), nobody answers. */
			rt_check_eq(xdm_destroy_ioreq_server(f->id, f->sid), 0,
				    "destroy d%u's server while it waits", f->id);
			rt_check_eq(vmdev_copy(&good->d, ADV_VIO_FLAG_GPA, &done, sizeof(done), true),
				    1, "flag the liar's end to d%u", good->id);
			return;
		}
	} else {
		rc = vmdev_ioreq(&f->d, rq);
		rt_check_eq(rc, 0, "d%u: an access to the window", f->id);
	}
	if (liar) {
		/* Events that answer nothing: the vCPU keeps waiting. */
		rt_check_eq(xevtchn_send(f->port), 0, "an event before the answer");
		/* A read answered with another size and bits above the
		 * access: the hypervisor passes only the access's bytes. */
		if (rq->dir == IOREQ_READ && rq->size < 8) {
			rq->data |= 0xbad0000000000000ULL;
			rq->size = 8;
		}
		/* Spurious lines for the good frontend now and then. */
		if (f->served % 64 == 63)
			rt_check_eq(xdm_set_irq_level(good->id, ADV_VIO_SPI, 1), 0,
				    "a spurious line for d%u", good->id);
	}
	slot_set_state(rq, STATE_IORESP_READY);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	rt_check_eq(xevtchn_send(f->port), 0, "answer on d%u's port", f->id);
	f->served++;
	rt_check_eq(vmdev_process(&f->d), 0, "d%u: set_irq_level from the device", f->id);
}

static void vbe(void)
{
	static RT_TLS struct fe fes[2];
	struct fe *good = &fes[0], *liar = &fes[1];
	evtchn_port_t ports[2];

	if (!setup_events())
		return;
	late_server();
	lines_not_ours();
	if (!fe_start(good, ADV_VICTIM) || !fe_start(liar, ADV_ATTACKER))
		return;
	ports[0] = good->port;
	ports[1] = liar->port;
	while (!good->bye || !liar->bye) {
		bool any = false;

		for (unsigned int i = 0; i < 2; i++) {
			struct fe *f = &fes[i];

			if (f->bye)
				continue;
			xevtchn_test_and_clear(f->port);
			if (slot_state(f->slot) != STATE_IOREQ_READY)
				continue;
			any = true;
			serve(f, good, f == liar);
		}
		if (any)
			continue;
		/* Announce each window until it is used. */
		for (unsigned int i = 0; i < 2; i++)
			if (!fes[i].served && !fes[i].bye)
				rt_check_eq(xdm_set_irq_level(fes[i].id, ADV_VIO_SPI, 1), 0,
					    "raise d%u's line", fes[i].id);
		xevtchn_poll(ports, 2, xevtchn_now() + 1000000);
	}
	while (slot_state(good->slot) != STATE_IOREQ_NONE)
		rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	rt_check_eq(xdm_destroy_ioreq_server(good->id, good->sid), 0, "destroy d%u's server",
		    good->id);
	rt_check_eq(liar->extra_bad <= 32, 1, "the liar's flipped chains");
	rt_check_eq(liar->d.st.bad_chains, ADV_VIO_LIAR_BAD_CHAINS + liar->extra_bad,
		    "the liar's malformed chains");
	rt_check_eq(liar->d.st.ioerr, ADV_VIO_LIAR_IOERR, "the liar's IOERR requests");
	rt_check_eq(good->d.st.bad_chains + good->d.st.ioerr, 0, "d%u's failed requests",
		    good->id);
	rt_check_eq(good->d.st.requests >= 2 * NR_REQ, 1, "d%u's requests", good->id);
	rt_printf("backend: d%u %llu accesses %llu requests; d%u %llu accesses %llu requests "
		  "(%llu malformed, %llu IOERR)\n",
		  good->id, (unsigned long long)good->served, (unsigned long long)good->d.st.requests,
		  liar->id, (unsigned long long)liar->served, (unsigned long long)liar->d.st.requests,
		  (unsigned long long)liar->d.st.bad_chains, (unsigned long long)liar->d.st.ioerr);
}

bool adv_virtio_role(const char *r)
{
	if (rt_bootarg_is(r, "vbe"))
		vbe();
	else if (rt_bootarg_is(r, "vgood"))
		vgood();
	else if (rt_bootarg_is(r, "vliar"))
		vliar();
	else if (rt_bootarg_is(r, "vtouch"))
		vtouch();
	else
		return false;
	return true;
}
