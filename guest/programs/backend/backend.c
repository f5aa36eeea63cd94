/*
 * Seed-scenario backend (Dom0 or a driver domain).
 *
 * 1. Builds the unused-space resource from its extended regions and the
 *    unpopulated allocator over it (ballooned pages when there is none).
 * 2. Maps the frontend's ring (grant ref RING_GREF of the domid in
 *    /chosen memvisor,frontend, default 1) at an unpopulated frame and
 *    binds to the ring's event channel (the port the frontend wrote
 *    there); every wait for the frontend below sleeps on it (ring.h).
 * 3. Pre-maps ALL of the frontend's RAM (its banks, as the ring announces
 *    them) at unpopulated frames with add_to_physmap_batch, in batches,
 *    and checks that its own RAM reservation did not change.
 * 4. Verifies the frontend's pattern through those mappings.
 * 5. Serves block reads and writes from the ring until the frontend is
 *    done. The disk is the VMM's block device (a host file; node
 *    "memvisor,blk-v1" in its DT): each request's granted data page is
 *    mapped and the device moves the block straight between that page and
 *    the file. Without the device, a RAM store inside the backend (said on
 *    the console).
 */
#include <public/errno.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <xen/foreign.h>
#include <xen/grant.h>
#include <xen/unpopulated.h>

#include <ring.h>

#define BE_CHUNK 32768UL /* frames per allocation + map step (128 MiB) */

static RT_TLS struct ring_page *ring;
static RT_TLS domid_t fe;
static RT_TLS xen_pfn_t *lg; /* local frame of the frontend's frame #i */
static RT_TLS uint64_t blk_base;   /* the block device's window, 0: RAM store */
static RT_TLS uint64_t blk_blocks; /* its capacity */
static RT_TLS evtchn_port_t evt;   /* the ring's port, 0 until bound */
static RT_TLS uint32_t cons;	   /* requests taken from the ring */

static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

/* Tells the frontend, says what and what it cost, and stops the domain as
 * crashed so that `memvisor run` reports the failure. */
static bool fail(const char *what, long rc)
{
	rt_printf("backend: %s (%ld)\n", what, rc);
	if (ring)
		ring_store(&ring->be_state, BE_FAILED);
	if (evt)
		xevtchn_send(evt);
	rt_printf("backend: own RAM now %ld pages\n", cur_pages());
	rt_printf("backend: FAILED\n");
	rt_shutdown(SHUTDOWN_crash);
}

static bool map_ring(xen_pfn_t gfn, grant_handle_t *h)
{
	bool said = false;
	int rc;

	for (;;) {
		int16_t st = 0;
		rc = xgnttab_map(fe, RING_GREF, gfn, false, h, &st);
		if (!rc)
			break;
		if (rc != -XEN_EIO)
			return fail("cannot map the frontend's ring grant", rc);
		if (!said)
			rt_printf("backend: waiting for d%u to grant its ring (status %d)\n", fe, st);
		said = true;
		ring_yield();
	}
	ring = rt_phys_to_virt(gfn << 12);
	while (__atomic_load_n(&ring->magic, __ATOMIC_ACQUIRE) != RING_MAGIC)
		ring_yield();
	rc = xevtchn_bind_interdomain(fe, ring->fe_port, &evt);
	if (rc)
		return fail("cannot bind to the ring's event channel", rc);
	rt_printf("backend: bound to d%u's port %u as port %u\n", fe, ring->fe_port, evt);
	return true;
}

static bool fe_started(void *ctx)
{
	(void)ctx;
	return ring_load(&ring->fe_state) != FE_INIT;
}

static bool work(void *ctx)
{
	(void)ctx;
	return cons != ring_load(&ring->req_prod) || ring_load(&ring->fe_state) == FE_DONE;
}

static uint64_t nr_frames(void)
{
	uint64_t n = 0;

	for (uint32_t b = 0; b < ring->nr_banks && b < RING_MAX_BANKS; b++)
		n += ring->banks[b].n;
	return n;
}

/* Index of frontend frame gfn in the concatenated banks, or -1. */
static int64_t frame_index(xen_pfn_t gfn)
{
	uint64_t base = 0;

	for (uint32_t b = 0; b < ring->nr_banks && b < RING_MAX_BANKS; b++) {
		if (gfn >= ring->banks[b].gfn && gfn - ring->banks[b].gfn < ring->banks[b].n)
			return (int64_t)(base + gfn - ring->banks[b].gfn);
		base += ring->banks[b].n;
	}
	return -1;
}

static bool premap(struct xunpop *u, uint64_t total)
{
	uint64_t pages = (total * sizeof(xen_pfn_t) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE;
	xen_pfn_t *fg = rt_alloc_pages(BE_CHUNK * sizeof(xen_pfn_t) / RT_PAGE_SIZE);
	uint64_t done = 0, next_report = 512UL << 8;
	uint32_t b = 0;
	uint64_t in_bank = 0;
	long failed = 0;

	lg = rt_alloc_pages(pages);
	if (!lg || !fg)
		return fail("out of pages for the frame lists", -XEN_ENOMEM);
	while (done < total) {
		uint64_t n = total - done < BE_CHUNK ? total - done : BE_CHUNK;
		int rc = xen_alloc_unpopulated_pages(n, lg + done);
		long r;

		if (rc)
			return fail("cannot allocate unpopulated frames", rc);
		for (uint64_t i = 0; i < n; i++) {
			while (in_bank == ring->banks[b].n) {
				b++;
				in_bank = 0;
			}
			fg[i] = ring->banks[b].gfn + in_bank++;
		}
		/* The seed's point: every target frame is extended-region space. */
		for (uint64_t i = 0; u->res && i < n; i++)
			if (!xres_in_region(u->res, lg[done + i] << 12, RT_PAGE_SIZE))
				return fail("an unpopulated frame lies outside the regions",
					    (long)lg[done + i]);
		r = xforeign_map(fe, fg, lg + done, n, NULL);
		if (r < 0)
			return fail("add_to_physmap_batch failed", r);
		failed += r;
		done += n;
		if (done >= next_report || done == total) {
			ring_progress("pre-map", done, total);
			next_report += 512UL << 8;
		}
	}
	rt_free_pages(fg, BE_CHUNK * sizeof(xen_pfn_t) / RT_PAGE_SIZE);
	if (failed)
		return fail("frames failed to map", failed);
	return true;
}

static bool verify(void)
{
	uint64_t checked = 0, bad_pages = 0, all = 0, next_report = 512UL << 8;

	for (uint32_t r = 0; r < ring->nr_runs && r < RING_MAX_RUNS; r++)
		all += ring->runs[r].n;
	for (uint32_t r = 0; r < ring->nr_runs && r < RING_MAX_RUNS; r++) {
		for (uint64_t i = 0; i < ring->runs[r].n; i++) {
			xen_pfn_t gfn = ring->runs[r].gfn + i;
			int64_t idx = frame_index(gfn);

			if (idx < 0 || ring_pattern_check(rt_phys_to_virt(lg[idx] << 12), gfn,
							  ring->seed)) {
				if (bad_pages++ < 4)
					rt_printf("backend: frame %#lx of d%u: wrong data\n",
						  (unsigned long)gfn, fe);
			}
			if (++checked >= next_report) {
				ring_progress("verify", checked, all);
				next_report += 512UL << 8;
			}
		}
	}
	rt_printf("backend: verified %lu MiB of d%u's memory: %lu bad page(s)\n",
		  (unsigned long)(checked >> 8), fe, (unsigned long)bad_pages);
	return bad_pages ? fail("verification failed", (long)bad_pages) : true;
}

static int serve_one(const struct ring_req *rq, uint8_t *store, xen_pfn_t data_gfn)
{
	grant_handle_t h;
	int16_t st = 0;
	uint8_t *data = rt_phys_to_virt(data_gfn << 12), *blk;
	int rc, io;

	if (rq->op != REQ_READ && rq->op != REQ_WRITE)
		return -XEN_EINVAL;
	/* With the device, the device checks the block against its capacity. */
	if (!blk_base && rq->block >= BLK_COUNT)
		return -XEN_EINVAL;
	rc = xgnttab_map(fe, rq->gref, data_gfn, rq->op == REQ_WRITE, &h, &st);
	if (rc)
		return rc;
	if (blk_base) {
		/* The device reads or writes the granted page itself (it is our
		 * guest memory while mapped: grant_map_rw for a read). */
		io = blk_io(blk_base, rq->op == REQ_WRITE ? BLK_CMD_WRITE : BLK_CMD_READ, rq->block,
			    data_gfn << 12, 1);
	} else {
		blk = store + (uint64_t)rq->block * BLK_SIZE;
		if (rq->op == REQ_WRITE)
			for (unsigned int i = 0; i < BLK_SIZE; i++)
				blk[i] = data[i];
		else
			for (unsigned int i = 0; i < BLK_SIZE; i++)
				data[i] = blk[i];
		io = 0;
	}
	rc = xgnttab_unmap(data_gfn, h, &st);
	return io ? io : rc;
}

static unsigned int serve(void)
{
	uint8_t *store = blk_base ? NULL : rt_alloc_pages(BLK_COUNT * BLK_SIZE / RT_PAGE_SIZE);
	xen_pfn_t *data_gfn = rt_alloc_pages(1);
	unsigned int served = 0;

	if ((!blk_base && !store) || !data_gfn || xen_alloc_unpopulated_pages(1, data_gfn)) {
		fail("out of pages for the block store", -XEN_ENOMEM);
		return 0;
	}
	for (;;) {
		if (cons != ring_load(&ring->req_prod)) {
			struct ring_req rq = ring->req[cons % RING_SLOTS];
			int status = serve_one(&rq, store, data_gfn[0]);

			ring->rsp[cons % RING_SLOTS] = (struct ring_rsp){.id = rq.id, .status = status};
			ring_store(&ring->rsp_prod, ++cons);
			ring_notify(evt);
			served++;
			continue;
		}
		if (ring_load(&ring->fe_state) == FE_DONE)
			break;
		ring_wait(evt, work, NULL);
	}
	return served;
}

void backend_main(void)
{
	struct xunpop *u;
	xen_pfn_t *ring_gfn = rt_alloc_pages(1);
	grant_handle_t ring_h;
	uint64_t total;
	long before, after;
	unsigned int served;
	int rc;

	fe = (domid_t)ring_chosen_u32("memvisor,frontend", 1);
	rc = xen_unpopulated_init(rt_dt());
	u = xen_unpopulated();
	if (rc || !u || !ring_gfn) {
		fail("no unpopulated allocator", rc);
		return;
	}
	rc = xevtchn_init(0);
	if (rc) {
		fail("no event channels", rc);
		return;
	}
	rt_irq_enable();
	if (u->res)
		xres_print(u->res);
	else
		rt_printf("backend: no extended regions: foreign maps will cost ballooned RAM\n");
	if (blk_find(&blk_base, &blk_blocks) == 0) {
		rt_printf("backend: disk: block device at %#lx, %lu blocks of %u bytes\n",
			  (unsigned long)blk_base, (unsigned long)blk_blocks, BLK_SIZE);
	} else {
		blk_base = 0;
		rt_printf("backend: no block device (memvisor,blk-v1) in the device tree: serving "
			  "from a RAM store of %u blocks\n", BLK_COUNT);
	}
	rc = xen_alloc_unpopulated_pages(1, ring_gfn);
	if (rc) {
		fail("cannot allocate a frame for the ring", rc);
		return;
	}
	if (!map_ring(ring_gfn[0], &ring_h))
		return;
	ring_wait(evt, fe_started, NULL);
	total = nr_frames();
	rt_printf("backend: d%u has %lu MiB of RAM in %u bank(s): mapping all of it\n", fe,
		  (unsigned long)(total >> 8), ring->nr_banks);

	before = cur_pages();
	if (!premap(u, total))
		return;
	after = cur_pages();
	rt_printf("backend: own RAM %ld pages before mapping, %ld after; %lu MiB of unused "
		  "space taken in %u fill(s)\n",
		  before, after, (unsigned long)(u->filled >> 8), u->fills);
	if (u->res && after != before) {
		fail("mapping cost RAM although extended regions exist", after - before);
		return;
	}
	if (!verify())
		return;
	ring_store(&ring->be_state, BE_VERIFIED);
	ring_notify(evt);

	served = serve();
	rt_printf("backend: served %u request(s) from %s\n", served,
		  blk_base ? "the block device" : "the RAM store");
	ring_store(&ring->be_state, BE_BYE);
	ring_notify(evt);
	rc = xgnttab_unmap(ring_gfn[0], ring_h, NULL);
	if (rc)
		rt_printf("backend: unmapping the ring: %d\n", rc);
	ring_notify(evt); /* the frontend may end its grant now */
	xevtchn_close(evt);
	rt_printf("backend: OK\n");
}

#ifndef RT_HOSTED
void rt_main(void)
{
	backend_main();
}
#endif
