/*
 * Bench guest "virtio": virtio-blk over IOREQ (docs/virtio.md), measured by
 * `memvisor bench virtio` (cli/bench_virtio.c) with two of these domains
 * under the normal runner, on KVM and in-process. The backend pre-maps all
 * of the frontend's RAM and serves a virtio-mmio disk whose storage is its
 * VMM block device (a host file: one READV/WRITEV per request); the
 * frontend runs the driver of guest/xen/virtio_blk.c. The frontend times
 * itself with HVMOP_get_time (the host's CLOCK_MONOTONIC) and prints
 * "vbbench:" lines the host reads from the console; exits are counted by
 * the host per domain.
 *
 * bootargs (numbers decimal or 0x-hex):
 *   role=1 frontend; mode=1: writes `bytes` of its RAM to the disk from
 *          sector 0 with requests of `req` bytes, `depth` in flight, then
 *          reads it all back (one word per page checked); mode=2: `n` reads
 *          of 4 KiB (sector 8i modulo the disk), `depth` in flight. Then
 *          `hc` xen_version round trips (the exit reference), and a device
 *          reset, the backend's cue to stop.
 *   role=2 backend of domain `fe` (RAM `ram_gpa`, `ram_size` bytes), the
 *          window at `mmio` with line `irq`.
 */
#include <string.h>

#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/ioreq.h>
#include <public/xen.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/mmio.h>
#include <xen/evtchn.h>
#include <xen/foreign.h>
#include <xen/iommu.h>
#include <xen/unpopulated.h>
#include <xen/virtio_blk.h>
#include <xen/virtio_mmio_dev.h>

#include "../common/bench.h"

#define TIMEOUT_NS 10000000000ULL

void vbbench_main(void);

static int setup_events(void)
{
	int rc = xen_unpopulated_init(rt_dt());

	if (!rc)
		rc = xevtchn_init(0);
	if (!rc)
		rt_irq_enable();
	return rc;
}

/* ----- frontend ----- */

static RT_TLS struct vblk fe;

/* Every request of len bytes over [0, bytes) of buf, depth in flight. */
static int stream(uint32_t type, uint8_t *buf, uint64_t bytes, uint32_t len, unsigned int depth)
{
	uint64_t off = 0;

	while (off < bytes) {
		for (unsigned int i = 0; i < depth && off < bytes; i++, off += len) {
			int k = vblk_submit(&fe, type, off / VIRTIO_BLK_SECTOR, buf + off, len);

			if (k < 0)
				return k;
		}
		vblk_kick(&fe);
		if (vblk_wait(&fe, TIMEOUT_NS))
			return -1;
		for (unsigned int k = 0; k < VBLK_SLOTS; k++)
			if (fe.slot[k].status != VIRTIO_BLK_S_OK && fe.slot[k].status != 0xff)
				return -2;
	}
	return 0;
}

static void frontend(void)
{
	uint64_t mode = bench_arg("mode", 2), bytes = bench_arg("bytes", 1ULL << 30);
	uint32_t req = (uint32_t)bench_arg("req", 512 * 1024);
	unsigned int depth = (unsigned int)bench_arg("depth", 1);
	uint64_t n = bench_arg("n", 1000), hc = bench_arg("hc", 2000), t0, t1, t2, t3;
	struct evtchn_bind_pirq bp = {.pirq = (uint32_t)bench_arg("irq", 33)};
	uint64_t base = bench_arg("mmio", 0x02000000);
	uint8_t *buf;
	int rc;

	if (depth < 1 || depth > VBLK_SLOTS)
		depth = 1;
	buf = rt_alloc_pages(mode == 1 ? (unsigned long)(bytes / RT_PAGE_SIZE) : 1);
	if (!buf || setup_events()) {
		rt_printf("vbbench: set-up failed\n");
		return;
	}
	rc = (int)rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_pirq, rt_handle(&bp), 0,
			       0, 0);
	/* The backend raises the line once it serves the window. */
	if (!rc)
		rc = xevtchn_wait_port(bp.port, 10 * TIMEOUT_NS);
	if (!rc)
		rc = vblk_init(&fe, base, bp.port);
	if (rc || (mode == 1 && req > vblk_max_len(&fe))) {
		rt_printf("vbbench: device set-up failed (%d)\n", rc);
		return;
	}
	if (mode == 1) {
		unsigned int bad = 0;

		for (uint64_t p = 0; p < bytes / RT_PAGE_SIZE; p++)
			*(uint64_t *)(buf + p * RT_PAGE_SIZE) = 0x5642454e43480000ULL ^ p;
		t0 = xevtchn_now();
		rc = stream(VIRTIO_BLK_T_OUT, buf, bytes, req, depth);
		t1 = xevtchn_now();
		for (uint64_t p = 0; p < bytes / RT_PAGE_SIZE; p++)
			*(uint64_t *)(buf + p * RT_PAGE_SIZE) = 0;
		t2 = xevtchn_now();
		if (!rc)
			rc = stream(VIRTIO_BLK_T_IN, buf, bytes, req, depth);
		t3 = xevtchn_now();
		for (uint64_t p = 0; p < bytes / RT_PAGE_SIZE; p++)
			bad += *(uint64_t *)(buf + p * RT_PAGE_SIZE) != (0x5642454e43480000ULL ^ p);
		rt_printf("vbbench: mode=1 rc=%d bytes=%llu req=%u depth=%u wr_ns=%llu rd_ns=%llu "
			  "bad=%u\n",
			  rc, (unsigned long long)bytes, req, depth, (unsigned long long)(t1 - t0),
			  (unsigned long long)(t3 - t2), bad);
	} else {
		uint64_t sectors = fe.capacity & ~7ULL, done = 0;

		t0 = xevtchn_now();
		rc = 0;
		while (done < n && !rc) {
			unsigned int i;

			for (i = 0; i < depth && done + i < n; i++)
				if (vblk_submit(&fe, VIRTIO_BLK_T_IN, ((done + i) * 8) % sectors, buf,
						RT_PAGE_SIZE) < 0)
					rc = -1;
			vblk_kick(&fe);
			rc = rc ? rc : vblk_wait(&fe, TIMEOUT_NS);
			done += i;
		}
		t1 = xevtchn_now();
		rt_printf("vbbench: mode=2 rc=%d n=%llu depth=%u ns=%llu isr=%lu\n", rc,
			  (unsigned long long)n, depth, (unsigned long long)(t1 - t0),
			  fe.isr_reads);
	}
	t0 = xevtchn_now();
	for (uint64_t i = 0; i < hc; i++)
		rt_hypercall(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0);
	t1 = xevtchn_now();
	rt_printf("vbbench: hc=%llu hc_ns=%llu\n", (unsigned long long)hc,
		  (unsigned long long)(t1 - t0));
	vblk_reset(&fe);
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

/* All of the frontend's RAM at unpopulated frames, once. */
static xen_pfn_t *premap(domid_t dom, uint64_t gpa, uint64_t frames)
{
	unsigned long pages = (unsigned long)((frames * sizeof(xen_pfn_t) + RT_PAGE_SIZE - 1) /
					      RT_PAGE_SIZE);
	xen_pfn_t *lg = rt_alloc_pages(pages), *fg = rt_alloc_pages(pages);

	if (!lg || !fg || xen_alloc_unpopulated_pages(frames, lg))
		return NULL;
	for (uint64_t i = 0; i < frames; i++)
		fg[i] = (gpa >> 12) + i;
	if (xforeign_map(dom, fg, lg, frames, NULL))
		return NULL;
	rt_free_pages(fg, pages);
	return lg;
}

/* The VMM block device of this domain (memvisor,blk-v1): its window and
 * capacity in 4 KiB blocks. */
static int find_blk(uint64_t *base, uint64_t *blocks)
{
	const void *fdt = rt_dt();
	int node = fdt_node_offset_by_compatible(fdt, -1, "memvisor,blk-v1");
	struct rt_range r;

	if (node < 0 || rt_dt_reg(fdt, node, 0, &r) || r.size < RT_PAGE_SIZE ||
	    rt_mmio_map(r.base, r.size))
		return -1;
	*base = r.base;
	*blocks = rt_mmio_read64(r.base + 0x30); /* CAPACITY (vmm/blkdev.h) */
	return 0;
}

static void backend(void)
{
	static RT_TLS struct vmdev d;
	uint8_t *page = rt_alloc_pages(1);
	uint64_t served = 0, blk = 0, blocks = 0, announced = 0, t0 = 0, t1;
	bool was_live = false, done = false;
	struct ioreq *slot;
	evtchn_port_t port;
	ioservid_t id;

	memset(&d, 0, sizeof(d));
	d.fe = (domid_t)bench_arg("fe", 1);
	d.base = bench_arg("mmio", 0x02000000);
	d.irq = (uint32_t)bench_arg("irq", 33);
	d.ram_gpa = bench_arg("ram_gpa", 0x40000000);
	d.ram_frames = bench_arg("ram_size", 64 << 20) >> 12;
	if (!page || setup_events() || find_blk(&blk, &blocks) || vmdev_use_blkdev(&d, blk)) {
		rt_printf("vbbench-be: set-up failed\n");
		return;
	}
	d.sectors = blocks * 8;
	t0 = xevtchn_now();
	d.local = premap(d.fe, d.ram_gpa, d.ram_frames);
	t1 = xevtchn_now();
	if (!d.local) {
		rt_printf("vbbench-be: pre-map failed\n");
		return;
	}
	vmdev_reset(&d);
	if (xdm_create_ioreq_server(d.fe, XDM_NO_PAGE, rt_virt_to_phys(page) >> 12, &id)) {
		rt_printf("vbbench-be: no server\n");
		return;
	}
	slot = (struct ioreq *)page;
	if (xdm_map_mmio_range(d.fe, id, d.base, d.base + VIRTIO_MMIO_SIZE - 1) ||
	    xevtchn_bind_interdomain(d.fe, slot->vp_eport, &port)) {
		rt_printf("vbbench-be: cannot claim the window\n");
		return;
	}
	while (!done) {
		xevtchn_test_and_clear(port);
		if (slot_state(slot) != STATE_IOREQ_READY) {
			if (!served) {
				/* Announce the window until it is used: exactly 3
				 * hypercalls a round (the host subtracts them). */
				struct sched_poll sp = {.nr_ports = 1};

				xdm_set_irq_level(d.fe, d.irq, 1);
				sp.timeout = xevtchn_now() + 1000000;
				set_xen_guest_handle(sp.ports, rt_handle(&port));
				HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
				announced++;
			} else {
				xevtchn_poll(&port, 1, 0);
			}
			continue;
		}
		slot_set_state(slot, STATE_IOREQ_INPROCESS);
		vmdev_ioreq(&d, slot);
		/* The driver's reset after DRIVER_OK ends the session. */
		if (d.status & VIRTIO_ST_DRIVER_OK)
			was_live = true;
		else if (was_live && !d.status)
			done = true;
		slot_set_state(slot, STATE_IORESP_READY);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		xevtchn_send(port);
		served++;
		vmdev_process(&d);
	}
	while (slot_state(slot) != STATE_IOREQ_NONE)
		rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	xdm_destroy_ioreq_server(d.fe, id);
	rt_printf("vbbench-be: announced=%llu premap_ns=%llu frames=%llu accesses=%llu "
		  "requests=%llu irqs=%llu store_ops=%llu direct=%llu bounced=%llu\n",
		  (unsigned long long)announced, (unsigned long long)(t1 - t0),
		  (unsigned long long)d.ram_frames,
		  (unsigned long long)served, (unsigned long long)d.st.requests,
		  (unsigned long long)d.st.irqs, (unsigned long long)d.st.store_ops,
		  (unsigned long long)d.st.direct_blocks, (unsigned long long)d.st.bounced_blocks);
}

void vbbench_main(void)
{
	if (bench_arg("role", 0) == 1)
		frontend();
	else if (bench_arg("role", 0) == 2)
		backend();
	else
		rt_printf("vbbench: no role\n");
}

#ifndef RT_HOSTED
void rt_main(void)
{
	vbbench_main();
}
#endif
