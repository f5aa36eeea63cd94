/*
 * Default-scenario frontend (the DomU): a virtio-blk driver over the
 * virtio-mmio disk its device tree describes (xen/virtio_blk.h).
 *
 * 1. Finds the `virtio,mmio` node (window, SPI), binds the SPI and waits
 *    for the backend's first raise of the line, which says that the
 *    window is served (before, an access would be nobody's).
 * 2. Sets the device up, writes the pattern (ring.h, vdisk_word) over the
 *    whole disk with VBLK_SLOTS requests in flight, flushes, reads it all
 *    back and compares, then resets the device: the backend's sign that
 *    the disk is done.
 *
 * The request buffers are taken at the top of the last RAM bank and the
 * rings low in the first, so the backend's translation is used at both
 * ends of the pre-mapped RAM. A device that does not answer (the backend
 * failed and raised the line over an unserved window) is a failure.
 */
#include <string.h>

#include <public/errno.h>
#include <public/event_channel.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <xen/evtchn.h>
#include <xen/unpopulated.h>
#include <xen/virtio_blk.h>

#include <ring.h>

#define VF_BUFS VBLK_SLOTS /* one page per request in flight */
#define VF_TIMEOUT 10000000000ULL

static RT_TLS struct vblk blk;

static RT_NORETURN void fail(const char *what, long rc)
{
	rt_printf("vfrontend: %s (%ld)\n", what, rc);
	rt_printf("vfrontend: FAILED\n");
	rt_shutdown(SHUTDOWN_crash);
}

/* VF_BUFS free pages as near the top of the last RAM bank as 1 MiB steps
 * find them (the VMM reserves its boot area somewhere up there). */
static uint8_t *top_buffers(void)
{
	struct rt_range banks[8];
	unsigned int nb = rt_dt_memory(rt_dt(), banks, 8);

	for (uint64_t down = 0; nb && down < 64ULL << 20 && down < banks[nb - 1].size;
	     down += 1ULL << 20) {
		uint64_t pa = banks[nb - 1].base + banks[nb - 1].size - down -
			      VF_BUFS * RT_PAGE_SIZE;

		if (rt_claim_range(pa, VF_BUFS))
			return rt_phys_to_virt(pa);
	}
	return rt_alloc_pages(VF_BUFS);
}

static void fill(uint64_t *w, uint64_t sector, uint32_t bytes)
{
	for (uint32_t j = 0; j < bytes / 8; j++)
		w[j] = vdisk_word(sector + j / (VIRTIO_BLK_SECTOR / 8), j % (VIRTIO_BLK_SECTOR / 8));
}

/* One pass over the disk (OUT: the pattern; IN: read and checked). */
static uint64_t pass(uint8_t *bufs, uint32_t type)
{
	uint64_t sectors = blk.capacity, bad = 0;
	const uint64_t per = RT_PAGE_SIZE / VIRTIO_BLK_SECTOR;

	for (uint64_t first = 0; first < sectors; first += VF_BUFS * per) {
		uint64_t sec[VF_BUFS];
		uint32_t len[VF_BUFS];
		int slot[VF_BUFS];
		unsigned int n = 0;

		for (; n < VF_BUFS && first + n * per < sectors; n++) {
			uint64_t left = sectors - (first + n * per);

			sec[n] = first + n * per;
			len[n] = (uint32_t)((left < per ? left : per) * VIRTIO_BLK_SECTOR);
			if (type == VIRTIO_BLK_T_OUT)
				fill((uint64_t *)(bufs + n * RT_PAGE_SIZE), sec[n], len[n]);
			else /* what a read leaves must be the device's */
				memset(bufs + n * RT_PAGE_SIZE, 0, RT_PAGE_SIZE);
			slot[n] = vblk_submit(&blk, type, sec[n], bufs + n * RT_PAGE_SIZE, len[n]);
			if (slot[n] < 0)
				fail("cannot queue a request", slot[n]);
		}
		vblk_kick(&blk);
		if (vblk_wait(&blk, VF_TIMEOUT))
			fail("the device did not complete the requests", -XEN_ETIMEDOUT);
		for (unsigned int i = 0; i < n; i++) {
			const uint64_t *w = (const uint64_t *)(bufs + i * RT_PAGE_SIZE);

			if (blk.slot[slot[i]].status != VIRTIO_BLK_S_OK) {
				rt_printf("vfrontend: request at sector %lu: status %u\n",
					  (unsigned long)sec[i], blk.slot[slot[i]].status);
				bad++;
				continue;
			}
			for (uint32_t j = 0; type == VIRTIO_BLK_T_IN && j < len[i] / 8; j++)
				if (w[j] != vdisk_word(sec[i] + j / (VIRTIO_BLK_SECTOR / 8),
						       j % (VIRTIO_BLK_SECTOR / 8))) {
					if (bad < 4)
						rt_printf("vfrontend: sector %lu reads back wrong\n",
							  (unsigned long)(sec[i] +
									  j / (VIRTIO_BLK_SECTOR / 8)));
					bad++;
					break;
				}
		}
	}
	return bad;
}

void virtio_frontend_main(void)
{
	struct evtchn_bind_pirq bp;
	uint64_t base = 0, t0, t1, t2, bad;
	uint32_t spi = 0;
	uint8_t *bufs;
	int node = -1, rc;

	rc = xen_unpopulated_init(rt_dt());
	if (!rc)
		rc = xevtchn_init(0);
	if (rc)
		fail("no event channels", rc);
	rt_irq_enable();
	bufs = top_buffers();
	if (!bufs)
		fail("out of pages", -XEN_ENOMEM);
	rc = vblk_find(rt_dt(), &node, &base, &spi);
	if (rc)
		fail("no virtio,mmio node in the device tree", rc);
	bp = (struct evtchn_bind_pirq){.pirq = spi};
	rc = (int)rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_pirq, rt_handle(&bp), 0,
			       0, 0);
	if (rc)
		fail("cannot bind the device's SPI", rc);
	rt_printf("vfrontend: virtio-mmio device at %#lx, SPI %u: waiting for its backend\n",
		  (unsigned long)base, spi);
	while (xevtchn_wait_port(bp.port, VF_TIMEOUT))
		rt_printf("vfrontend: still waiting for the backend\n");
	rc = vblk_init(&blk, base, bp.port);
	if (rc)
		fail("the device does not answer as a virtio-blk device", rc);
	rt_printf("vfrontend: virtio-blk, %lu sectors (%lu KiB), features %#lx; writing the "
		  "pattern over the whole disk, %u requests in flight, buffers at %#lx\n",
		  (unsigned long)blk.capacity, (unsigned long)(blk.capacity >> 1),
		  (unsigned long)blk.features, VF_BUFS, (unsigned long)rt_virt_to_phys(bufs));
	xevtchn_test_and_clear(blk.port);
	t0 = xevtchn_now();
	bad = pass(bufs, VIRTIO_BLK_T_OUT);
	rc = vblk_rw(&blk, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
	if (rc != VIRTIO_BLK_S_OK)
		fail("FLUSH failed", rc);
	t1 = xevtchn_now();
	bad += pass(bufs, VIRTIO_BLK_T_IN);
	t2 = xevtchn_now();
	vblk_reset(&blk); /* the backend's sign that the disk is done */
	rt_printf("vfrontend: wrote %lu KiB in %lu us, flushed, read back in %lu us; %lu "
		  "interrupts\n", (unsigned long)(blk.capacity >> 1),
		  (unsigned long)((t1 - t0) / 1000), (unsigned long)((t2 - t1) / 1000), blk.irqs);
	if (bad)
		fail("requests failed or read back wrong", (long)bad);
	rt_printf("vfrontend: OK\n");
}

#ifndef RT_HOSTED
void rt_main(void)
{
	virtio_frontend_main();
}
#endif
