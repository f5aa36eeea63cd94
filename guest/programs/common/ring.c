/*
 * Helpers shared by the seed scenario's frontend and backend.
 */
#include <libfdt.h>

#include <public/errno.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mmio.h>
#include <ring.h>

static uint64_t word(xen_pfn_t gfn, unsigned int i, uint64_t seed)
{
	return ((gfn << 12) | ((uint64_t)i << 3)) ^ seed;
}

void ring_pattern_fill(void *page, xen_pfn_t gfn, uint64_t seed)
{
	uint64_t *w = page;

	for (unsigned int i = 0; i < 512; i++)
		w[i] = word(gfn, i, seed);
}

unsigned int ring_pattern_check(const void *page, xen_pfn_t gfn, uint64_t seed)
{
	const uint64_t *w = page;
	unsigned int bad = 0;

	for (unsigned int i = 0; i < 512; i++)
		bad += w[i] != word(gfn, i, seed);
	return bad;
}

void ring_block_fill(void *page, uint32_t b, uint32_t g)
{
	uint32_t *w = page;

	for (unsigned int i = 0; i < BLK_SIZE / 4; i++)
		w[i] = (b << 24) ^ (g << 16) ^ i ^ 0xb10cu;
}

uint32_t ring_chosen_u32(const char *name, uint32_t dflt)
{
	const void *fdt = rt_dt();
	const fdt32_t *p;
	int node = fdt_path_offset(fdt, "/chosen"), len;

	if (node < 0)
		return dflt;
	p = fdt_getprop(fdt, node, name, &len);
	if (!p || len != 4)
		return dflt;
	return fdt32_to_cpu(*p);
}

void ring_yield(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

struct ring_waiter {
	evtchn_port_t port;
	bool (*done)(void *ctx);
	void *ctx;
};

/* Consume the event first, then look: one arriving after the look wakes
 * the poll (interrupts are off while xevtchn_wait runs this). */
static bool ring_waited(void *ctx)
{
	struct ring_waiter *w = ctx;

	xevtchn_test_and_clear(w->port);
	return w->done(w->ctx);
}

void ring_wait(evtchn_port_t port, bool (*done)(void *ctx), void *ctx)
{
	struct ring_waiter w = {port, done, ctx};
	int rc = xevtchn_wait(&port, 1, ring_waited, &w, 0);

	if (rc)
		rt_crash("ring: waiting on port %u failed (%d)", port, rc);
}

void ring_notify(evtchn_port_t port)
{
	int rc = xevtchn_send(port);

	if (rc)
		rt_crash("ring: notify on port %u failed (%d)", port, rc);
}

void ring_progress(const char *what, uint64_t done_pages, uint64_t total_pages)
{
	rt_printf("progress: %s %lu/%lu MiB\n", what, (unsigned long)(done_pages >> 8),
		  (unsigned long)(total_pages >> 8));
}

int blk_find(uint64_t *base, uint64_t *blocks)
{
	const void *fdt = rt_dt();
	int node = fdt_node_offset_by_compatible(fdt, -1, "memvisor,blk-v1");
	struct rt_range r;

	if (node < 0 || rt_dt_reg(fdt, node, 0, &r) || r.size < RT_PAGE_SIZE)
		return -XEN_ENODEV;
	if (rt_mmio_map(r.base, r.size))
		return -XEN_ENOMEM;
	if (rt_mmio_read64(r.base + BLK_REG_ID) != BLK_DEV_ID)
		return -XEN_ENODEV;
	*base = r.base;
	*blocks = rt_mmio_read64(r.base + BLK_REG_CAPACITY);
	return 0;
}

int blk_io(uint64_t base, uint32_t cmd, uint64_t sector, uint64_t gpa, uint64_t count)
{
	uint64_t st;

	rt_mmio_write64(base + BLK_REG_SECTOR, sector);
	rt_mmio_write64(base + BLK_REG_GPA, gpa);
	rt_mmio_write64(base + BLK_REG_COUNT, count);
	rt_mmio_write64(base + BLK_REG_CMD, cmd); /* complete when this returns */
	st = rt_mmio_read64(base + BLK_REG_STATUS);
	if (st & BLK_ST_ERROR)
		return -(int)((st >> 8) & 0xff ? (st >> 8) & 0xff : XEN_EIO);
	return st & BLK_ST_DONE ? 0 : -XEN_EIO;
}
