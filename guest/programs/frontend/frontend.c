/*
 * Seed-scenario frontend (the DomU).
 *
 * 1. Sets up its grant table (region 0) and event channels, allocates the
 *    ring's port unbound for the backend and grants the shared ring page
 *    to it (domid from /chosen memvisor,backend, default 0). Every wait
 *    for the backend below sleeps on that port (ring.h).
 * 2. Writes the known pattern over as much of its RAM as the page
 *    allocator hands out, and publishes its RAM banks and the filled runs.
 * 3. Once the backend has mapped and verified everything, sends block
 *    writes and reads through the ring, each with a granted data page,
 *    and checks what comes back: every write is read back at once, then
 *    every written block again after all the writes (the disk kept it),
 *    then a read past the disk must be refused. What the disk holds
 *    afterwards is defined in ring.h (FE_WRITES).
 */
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <public/errno.h>
#include <xen/grant.h>
#include <xen/unpopulated.h>

#include <ring.h>

#define FE_CHUNK_MAX 32768UL /* pages: 128 MiB per allocation at most */
#define FE_REQUESTS (3 * FE_WRITES + 1)

static RT_TLS struct ring_page *ring;
static RT_TLS domid_t backend;
static RT_TLS uint32_t req_id;
static RT_TLS evtchn_port_t evt; /* the ring's port */

static bool answered(void *ctx)
{
	(void)ctx;
	return ring_load(&ring->rsp_prod) == ring->req_prod ||
	       ring_load(&ring->be_state) == BE_FAILED;
}

static bool be_started(void *ctx)
{
	(void)ctx;
	return ring_load(&ring->be_state) != BE_INIT;
}

static bool be_gone(void *ctx)
{
	(void)ctx;
	return ring_load(&ring->be_state) == BE_BYE || ring_load(&ring->be_state) == BE_FAILED;
}

/* The backend notifies once it no longer maps the ring. */
static bool ring_ended(void *ctx)
{
	(void)ctx;
	return xgnttab_end(RING_GREF) != -XEN_EBUSY;
}

static void add_run(uint64_t gfn, uint64_t n)
{
	struct ring_run *last = ring->nr_runs ? &ring->runs[ring->nr_runs - 1] : NULL;

	if (last && last->gfn + last->n == gfn) {
		last->n += n;
		return;
	}
	if (ring->nr_runs == RING_MAX_RUNS)
		return; /* not announced: the backend simply does not check it */
	ring->runs[ring->nr_runs++] = (struct ring_run){gfn, n};
}

/* Fills every page the allocator gives out; returns the page count. */
static uint64_t fill_memory(uint64_t seed, uint64_t ram_pages)
{
	uint64_t total = 0, next_report = 512UL << 8;
	unsigned long chunk = FE_CHUNK_MAX;

	while (chunk) {
		uint8_t *p = rt_alloc_pages(chunk);

		if (!p) {
			chunk /= 2;
			continue;
		}
		for (unsigned long i = 0; i < chunk; i++) {
			xen_pfn_t gfn = (rt_virt_to_phys(p) >> 12) + i;

			ring_pattern_fill(p + i * RT_PAGE_SIZE, gfn, seed);
		}
		add_run(rt_virt_to_phys(p) >> 12, chunk);
		total += chunk;
		if (total >= next_report) {
			ring_progress("write pattern", total, ram_pages);
			next_report += 512UL << 8;
		}
	}
	return total;
}

/* One request through the ring; returns the backend's status. */
static int request(uint32_t op, uint32_t block, void *data)
{
	long gref = xgnttab_grant(backend, rt_virt_to_phys(data) >> 12, op == REQ_WRITE);
	uint32_t slot;
	int status;

	if (gref < 0)
		return (int)gref;
	slot = ring->req_prod % RING_SLOTS;
	ring->req[slot] = (struct ring_req){.id = ++req_id, .op = op, .block = block,
					    .gref = (uint32_t)gref};
	ring_store(&ring->req_prod, ring->req_prod + 1);
	ring_notify(evt);
	ring_wait(evt, answered, NULL);
	if (ring_load(&ring->rsp_prod) != ring->req_prod)
		return -XEN_EIO; /* the backend failed */
	status = ring->rsp[slot].id == req_id ? ring->rsp[slot].status : -XEN_EIO;
	/* The backend unmaps before it answers; end the grant now. */
	while (xgnttab_end((grant_ref_t)gref) == -XEN_EBUSY)
		ring_yield();
	return status;
}

/* Reads block into buf (cleared first) and checks it equals want. */
static int read_expect(uint32_t block, uint32_t *buf, const uint32_t *want)
{
	int rc;

	for (unsigned int k = 0; k < BLK_SIZE / 4; k++)
		buf[k] = 0;
	rc = request(REQ_READ, block, buf);
	for (unsigned int k = 0; !rc && k < BLK_SIZE / 4; k++)
		if (buf[k] != want[k])
			rc = -XEN_EIO;
	return rc;
}

static unsigned int serve_test(void)
{
	uint32_t *buf = rt_alloc_pages(1), *want = rt_alloc_pages(1);
	unsigned int bad = 0;

	if (!buf || !want)
		rt_crash("frontend: out of pages for request buffers");
	for (uint32_t i = 0; i < FE_WRITES; i++) {
		uint32_t b = (i * FE_STRIDE) % BLK_COUNT;
		int rc;

		ring_block_fill(want, b, i + 1);
		for (unsigned int k = 0; k < BLK_SIZE / 4; k++)
			buf[k] = want[k];
		rc = request(REQ_WRITE, b, buf);
		if (rc) {
			rt_printf("frontend: write of block %u failed: %d\n", b, rc);
			bad++;
			continue;
		}
		rc = read_expect(b, buf, want);
		if (rc) {
			rt_printf("frontend: read-back of block %u failed: %d\n", b, rc);
			bad++;
		}
	}
	/* Every block again, after all the other writes: the disk kept it. */
	for (uint32_t i = 0; i < FE_WRITES; i++) {
		uint32_t b = (i * FE_STRIDE) % BLK_COUNT;
		int rc;

		ring_block_fill(want, b, i + 1);
		rc = read_expect(b, buf, want);
		if (rc) {
			rt_printf("frontend: block %u did not keep its data: %d\n", b, rc);
			bad++;
		}
	}
	/* An out-of-range block must be refused. */
	if (request(REQ_READ, BLK_COUNT + 3, buf) != -XEN_EINVAL) {
		rt_printf("frontend: a read past the store was not refused\n");
		bad++;
	}
	return bad;
}

void frontend_main(void)
{
	struct rt_range banks[RING_MAX_BANKS];
	uint64_t seed = 0x5eedf00d00000000ULL, filled, ram = 0;
	unsigned int nb, bad;
	void *reserve;
	long gref;
	int rc;

	backend = (domid_t)ring_chosen_u32("memvisor,backend", 0);
	rc = xgnttab_init(rt_dt(), 0);
	if (rc)
		rt_crash("frontend: no grant table (%d)", rc);
	rc = xen_unpopulated_init(rt_dt());
	if (!rc)
		rc = xevtchn_init(0);
	if (rc)
		rt_crash("frontend: no event channels (%d)", rc);
	rt_irq_enable();
	rc = xevtchn_alloc_unbound(backend, &evt);
	if (rc)
		rt_crash("frontend: no port for the ring (%d)", rc);
	ring = rt_alloc_pages(1);
	reserve = rt_alloc_pages(64); /* page tables, buffers: kept out of the fill */
	if (!ring || !reserve)
		rt_crash("frontend: out of pages");
	ring->magic = RING_MAGIC;
	ring->seed = seed;
	ring->fe_port = evt;
	nb = rt_dt_memory(rt_dt(), banks, RING_MAX_BANKS);
	for (unsigned int i = 0; i < nb; i++) {
		ring->banks[i] = (struct ring_run){banks[i].base >> 12, banks[i].size >> 12};
		ram += banks[i].size;
	}
	ring->nr_banks = nb;
	gref = xgnttab_grant(backend, rt_virt_to_phys(ring) >> 12, false);
	if (gref != RING_GREF)
		rt_crash("frontend: ring grant is ref %ld, expected %d", gref, RING_GREF);
	rt_printf("frontend: %lu MiB of RAM in %u bank(s); ring granted to d%u as ref %ld, "
		  "port %u\n", (unsigned long)(ram >> 20), nb, backend, gref, evt);

	filled = fill_memory(seed, ram >> 12);
	rt_free_pages(reserve, 64);
	rt_printf("frontend: wrote the pattern over %lu MiB in %u run(s)\n",
		  (unsigned long)(filled >> 8), ring->nr_runs);
	ring_store(&ring->fe_state, FE_FILLED);
	ring_notify(evt);

	ring_wait(evt, be_started, NULL);
	if (ring_load(&ring->be_state) == BE_FAILED) {
		rt_printf("frontend: the backend reports a failure\n");
		ring_store(&ring->fe_state, FE_DONE);
		ring_notify(evt);
		rt_printf("frontend: FAILED\n");
		rt_shutdown(SHUTDOWN_crash);
	}
	rt_printf("frontend: backend verified the memory; sending %u requests\n", FE_REQUESTS);
	bad = serve_test();
	ring_store(&ring->fe_state, FE_DONE);
	ring_notify(evt);
	ring_wait(evt, be_gone, NULL);
	ring_wait(evt, ring_ended, NULL);
	xevtchn_close(evt);
	rt_printf("frontend: %s (%u request failure(s))\n", bad ? "FAILED" : "OK", bad);
	if (bad)
		rt_shutdown(SHUTDOWN_crash);
}

#ifndef RT_HOSTED
void rt_main(void)
{
	frontend_main();
}
#endif
