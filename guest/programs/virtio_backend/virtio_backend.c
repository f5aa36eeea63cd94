/*
 * Default-scenario backend: a virtio-mmio disk served through IOREQ, the
 * seed's own mechanism (docs/virtio.md; xen-facts-devices 7).
 *
 * 1. Reads the disk it serves from its device tree: the node compatible
 *    "memvisor,virtio-backend" that the builder writes for a frontend's
 *    memvisor,virtio-disk (frontend domid, window, SPI, the frontend's RAM
 *    banks: what xenstore gives virtio-disk). The disk's blocks are this
 *    domain's VMM block device (memvisor,blk-v1, a host file).
 * 2. Pre-maps ALL of the frontend's RAM banks at unpopulated frames (its
 *    extended regions; ballooned RAM when it has none), once, and checks
 *    that its own RAM reservation did not change.
 * 3. Creates an IOREQ server (its ioreq page at an unpopulated frame too),
 *    claims the window, binds the vCPU's port, and raises the line until
 *    the first access (which tells the frontend the window is served).
 * 4. Serves the device (xen/virtio_mmio_dev.h) until the driver resets it
 *    after use; then destroys the server, unmaps everything and says OK.
 *
 * A failure is said on the console, the line raised (the frontend then
 * finds nobody at the window and gives up), and the domain crashes so
 * that `memvisor run` reports it.
 */
#include <libfdt.h>
#include <string.h>

#include <public/errno.h>
#include <public/ioreq.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <xen/evtchn.h>
#include <xen/foreign.h>
#include <xen/iommu.h>
#include <xen/unpopulated.h>
#include <xen/virtio_mmio_dev.h>

#include <ring.h>

#define VB_CHUNK 32768UL /* frames per allocation + map step (128 MiB) */
#define VB_MAX_BANKS 16

static RT_TLS struct vmdev dev;
static RT_TLS struct vmdev_bank banks[VB_MAX_BANKS];
static RT_TLS uint64_t blk_base;

static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

/* Says what failed, lets the frontend see an unserved window, crashes. */
static RT_NORETURN void fail(const char *what, long rc)
{
	rt_printf("vbackend: %s (%ld)\n", what, rc);
	rt_printf("vbackend: own RAM now %ld pages\n", cur_pages());
	for (unsigned int i = 0; dev.irq && i < 100; i++) {
		uint64_t until = xevtchn_now() + 10000000;

		xdm_set_irq_level(dev.fe, dev.irq, 1);
		while (xevtchn_now() < until)
			ring_yield();
	}
	rt_printf("vbackend: FAILED\n");
	rt_shutdown(SHUTDOWN_crash);
}

static uint64_t u64_at(const fdt32_t *c)
{
	return (uint64_t)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]);
}

/* The disk to serve, from the memvisor,virtio-backend node. */
static void find_disk(void)
{
	const void *fdt = rt_dt();
	int node = fdt_node_offset_by_compatible(fdt, -1, "memvisor,virtio-backend"), l1, l2, l3, lm;
	const fdt32_t *fe = node >= 0 ? fdt_getprop(fdt, node, "memvisor,frontend", &l1) : NULL;
	const fdt32_t *win = node >= 0 ? fdt_getprop(fdt, node, "memvisor,window", &l2) : NULL;
	const fdt32_t *spi = node >= 0 ? fdt_getprop(fdt, node, "memvisor,spi", &l3) : NULL;
	const fdt32_t *mem = node >= 0 ? fdt_getprop(fdt, node, "memvisor,frontend-memory", &lm)
				       : NULL;

	if (!fe || !win || !spi || !mem || l1 != 4 || l2 != 16 || l3 != 4 || lm % 16 ||
	    !lm || lm / 16 > VB_MAX_BANKS)
		fail("no usable memvisor,virtio-backend node in the device tree", -XEN_ENODEV);
	dev.fe = (domid_t)fdt32_to_cpu(*fe);
	dev.base = u64_at(win);
	dev.irq = fdt32_to_cpu(*spi);
	dev.nr_banks = (unsigned int)lm / 16;
	dev.banks = banks;
	for (unsigned int b = 0; b < dev.nr_banks; b++) {
		banks[b].gpa = u64_at(mem + 4 * b);
		banks[b].frames = u64_at(mem + 4 * b + 2) >> 12;
	}
}

/* Every frame of every bank at unpopulated frames, VB_CHUNK at a time. */
static void premap(const struct xunpop *u, uint64_t total)
{
	xen_pfn_t *fg = rt_alloc_pages(VB_CHUNK * sizeof(xen_pfn_t) / RT_PAGE_SIZE);
	uint64_t all = 0, next_report = 512UL << 8;
	long holes = 0; /* frames the frontend does not have (it gave them up) */

	if (!fg)
		fail("out of pages for the frame list", -XEN_ENOMEM);
	for (unsigned int b = 0; b < dev.nr_banks; b++) {
		struct vmdev_bank *bk = &banks[b];
		unsigned long pages = (bk->frames * sizeof(xen_pfn_t) + RT_PAGE_SIZE - 1) /
				      RT_PAGE_SIZE;
		xen_pfn_t *lg = rt_alloc_pages(pages);

		if (!lg)
			fail("out of pages for the frame list", -XEN_ENOMEM);
		bk->local = lg;
		for (uint64_t done = 0; done < bk->frames;) {
			uint64_t n = bk->frames - done < VB_CHUNK ? bk->frames - done : VB_CHUNK;
			int rc = xen_alloc_unpopulated_pages(n, lg + done);
			long r;

			if (rc)
				fail("cannot allocate unpopulated frames", rc);
			/* The seed's point: every frame lands in unused space. */
			for (uint64_t i = 0; u->res && i < n; i++)
				if (!xres_in_region(u->res, lg[done + i] << 12, RT_PAGE_SIZE))
					fail("an unpopulated frame lies outside the regions",
					     (long)lg[done + i]);
			for (uint64_t i = 0; i < n; i++)
				fg[i] = (bk->gpa >> 12) + done + i;
			r = xforeign_map(dev.fe, fg, lg + done, n, NULL);
			if (r < 0)
				fail("add_to_physmap_batch failed", r);
			holes += r;
			done += n;
			all += n;
			if (all >= next_report || all == total) {
				ring_progress("pre-map", all, total);
				next_report += 512UL << 8;
			}
		}
	}
	rt_free_pages(fg, VB_CHUNK * sizeof(xen_pfn_t) / RT_PAGE_SIZE);
	if (holes)
		fail("frames of the frontend's RAM failed to map", holes);
}

static void unmap_all(void)
{
	for (unsigned int b = 0; b < dev.nr_banks; b++) {
		int rc = xforeign_unmap(banks[b].local, banks[b].frames);

		if (rc)
			fail("cannot unmap the frontend's RAM", rc);
		xen_free_unpopulated_pages(banks[b].frames, banks[b].local);
	}
}

static uint8_t slot_state(struct ioreq *slot)
{
	return __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_ACQUIRE) & 0xf;
}

static void slot_set_state(struct ioreq *slot, uint8_t st)
{
	uint8_t v = __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_RELAXED);

	__atomic_store_n(&((uint8_t *)slot)[30], (uint8_t)((v & 0xf0) | st), __ATOMIC_RELEASE);
}

/* Serves the window until the driver resets the device after DRIVER_OK;
 * returns the accesses served. */
static uint64_t serve(struct ioreq *slot, evtchn_port_t port)
{
	uint64_t served = 0;
	bool live = false, done = false;

	for (;;) {
		int rc;

		/* Take the port, then look (pitfall 3). */
		xevtchn_test_and_clear(port);
		if (slot_state(slot) != STATE_IOREQ_READY) {
			if (!served) { /* announce the window until it is used */
				rc = xdm_set_irq_level(dev.fe, dev.irq, 1);
				if (rc)
					fail("cannot raise the device line", rc);
				xevtchn_poll(&port, 1, xevtchn_now() + 1000000);
			} else if (done) {
				break; /* reset after use, answered */
			} else {
				xevtchn_poll(&port, 1, 0);
			}
			continue;
		}
		slot_set_state(slot, STATE_IOREQ_INPROCESS);
		vmdev_ioreq(&dev, slot);
		if (dev.status & VIRTIO_ST_DRIVER_OK)
			live = true;
		else if (live && !dev.status)
			done = true; /* the driver is done: answer, then stop */
		slot_set_state(slot, STATE_IORESP_READY);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rc = xevtchn_send(port);
		if (rc)
			fail("cannot answer on the vCPU's port", rc);
		served++;
		rc = vmdev_process(&dev);
		if (rc)
			fail("set_irq_level failed", rc);
	}
	return served;
}

void virtio_backend_main(void)
{
	struct xunpop *u;
	struct ioreq *slot;
	xen_pfn_t *io_gfn = rt_alloc_pages(1);
	uint64_t blocks = 0, total = 0, served;
	evtchn_port_t port;
	ioservid_t id;
	long before, after;
	int rc;

	rc = xen_unpopulated_init(rt_dt());
	u = xen_unpopulated();
	if (rc || !u || !io_gfn)
		fail("no unpopulated allocator", rc);
	rc = xevtchn_init(0);
	if (rc)
		fail("no event channels", rc);
	rt_irq_enable();
	find_disk();
	if (u->res)
		xres_print(u->res);
	else
		rt_printf("vbackend: no extended regions: foreign maps will cost ballooned RAM\n");
	if (blk_find(&blk_base, &blocks))
		fail("no block device (memvisor,blk-v1) to hold the disk", -XEN_ENODEV);
	/* One READV/WRITEV per virtio request (docs/virtio.md: a stop never
	 * leaves half a request in the file). */
	rc = vmdev_use_blkdev(&dev, blk_base);
	if (rc)
		fail("out of pages", rc);
	dev.sectors = blocks * (BLK_SIZE / VIRTIO_BLK_SECTOR);
	for (unsigned int b = 0; b < dev.nr_banks; b++)
		total += banks[b].frames;
	rt_printf("vbackend: virtio-mmio disk of d%u at %#lx, SPI %u: %lu KiB on the block device; "
		  "d%u has %lu MiB of RAM in %u bank(s): mapping all of it\n",
		  dev.fe, (unsigned long)dev.base, dev.irq,
		  (unsigned long)(dev.sectors * VIRTIO_BLK_SECTOR >> 10), dev.fe,
		  (unsigned long)(total >> 8), dev.nr_banks);

	before = cur_pages();
	premap(u, total);
	after = cur_pages();
	rt_printf("vbackend: pre-mapped %lu frames; own RAM %ld pages before, %ld after; %lu MiB "
		  "of unused space taken in %u fill(s)\n", (unsigned long)total, before, after,
		  (unsigned long)(u->filled >> 8), u->fills);
	if (u->res && after != before)
		fail("mapping cost RAM although extended regions exist", after - before);

	/* The server's ioreq page goes to unused space as well. */
	rc = xen_alloc_unpopulated_pages(1, io_gfn);
	if (!rc)
		rc = xdm_create_ioreq_server(dev.fe, XDM_NO_PAGE, io_gfn[0], &id);
	if (rc)
		fail("cannot create the IOREQ server", rc);
	slot = rt_phys_to_virt(io_gfn[0] << 12);
	rc = xdm_map_mmio_range(dev.fe, id, dev.base, dev.base + VIRTIO_MMIO_SIZE - 1);
	if (!rc)
		rc = xevtchn_bind_interdomain(dev.fe, slot->vp_eport, &port);
	if (rc)
		fail("cannot claim the window or bind the vCPU's port", rc);
	vmdev_reset(&dev);
	rt_printf("vbackend: serving d%u's window through IOREQ server %u\n", dev.fe, id);

	served = serve(slot, port);
	while (slot_state(slot) != STATE_IOREQ_NONE) /* the vCPU took the answer */
		ring_yield();
	rc = xdm_destroy_ioreq_server(dev.fe, id);
	if (!rc)
		rc = xforeign_unmap(io_gfn, 1); /* the acquired ioreq page */
	if (rc)
		fail("cannot destroy the IOREQ server or unmap its page", rc);
	xen_free_unpopulated_pages(1, io_gfn);
	xevtchn_close(port);
	unmap_all();
	rt_printf("vbackend: %lu accesses, %lu requests (%lu malformed, %lu IOERR), %lu "
		  "interrupts; server destroyed, %lu frames unmapped\n", (unsigned long)served,
		  (unsigned long)dev.st.requests, (unsigned long)dev.st.bad_chains,
		  (unsigned long)dev.st.ioerr, (unsigned long)dev.st.irqs, (unsigned long)total);
	if (dev.st.bad_chains || dev.st.ioerr)
		fail("the frontend's requests did not all succeed",
		     (long)(dev.st.bad_chains + dev.st.ioerr));
	rt_printf("vbackend: OK\n");
}

#ifndef RT_HOSTED
void rt_main(void)
{
	virtio_backend_main();
}
#endif
