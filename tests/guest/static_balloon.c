/*
 * Static memory ballooned from inside the guest (docs/static-memory.md), on
 * the multi-domain driver (gtest_multi.h), with the guest program
 * guest/tests/static_balloon:
 *
 *   packed  a static domain with two host banks in two host RAM banks,
 *           packed into its RAM0 (bootargs static=packed)
 *   direct  a direct-mapped static domain with two banks, the first at
 *           0x40000000 so that the image (linked at 0x40200000) loads 1:1
 *           (bootargs static=direct)
 *   both    the two at once, next to a heap domain that never runs
 *
 * The guest checks data and its reservation. Afterwards the driver checks
 * frame identity (gtest_multi: owned + reserved frames are exactly the
 * banks; here also: the P2M is exactly as built, since the guest populated
 * its pages back in the order it gave them and the reserved list is
 * FIFO), that the heap's free count did not move while the guests ran
 * (static domains never take from it), and the audit; at teardown every
 * static frame must be retired and the heap back where it was.
 */
#include <stdio.h>

#include <hv/hv.h>
#include <rt/rt.h>

#include "gtest_multi.h"

#define HOST_RAM                                                                  \
	.host_ram = {{GiB(1), MiB(512)}, {0x200000000ULL, MiB(64)}}

#define PACKED(id)                                                                \
	{.name = "packed", .domid = (id), .bootargs = "static=packed", .phase = 0,    \
	 .static_banks = {{0x58000000, MiB(16)}, {0x201000000ULL, MiB(8)}},            \
	 .nr_static_banks = 2}

#define DIRECT(id)                                                                \
	{.name = "direct", .domid = (id), .bootargs = "static=direct", .phase = 0,    \
	 .static_banks = {{0x40000000, MiB(24)}, {0x50000000, MiB(8)}},                \
	 .nr_static_banks = 2, .direct_map = true}

static uint64_t heap_before;

static int record_heap(struct gmulti *g, unsigned int p)
{
	if (p == 0) {
		hv_lock(&g->m.hv);
		heap_before = g->m.hv.heap.free_pages;
		hv_unlock(&g->m.hv);
	}
	return 0;
}

static int check(struct gmulti *g)
{
	uint64_t now;
	int fails = 0;

	hv_lock(&g->m.hv);
	now = g->m.hv.heap.free_pages;
	hv_unlock(&g->m.hv);
	fails += gmulti_expect(now == heap_before, "heap has %llu free pages after the run, %llu "
			       "before: static domains must not touch it",
			       (unsigned long long)now, (unsigned long long)heap_before);
	for (unsigned int i = 0; i < g->sc->nr; i++) {
		struct domain *d;

		if (!g->sc->dom[i].nr_static_banks)
			continue;
		fails += gmulti_static_p2m_as_built(g, i);
		d = gmulti_domain(g, g->sc->dom[i].domid);
		if (d) {
			hv_lock(&g->m.hv);
			fails += gmulti_expect(d->resv_list.count == 0 && d->tot_pages == d->max_pages,
					       "%s: %llu frames still reserved, %llu of %llu pages",
					       d->name, (unsigned long long)d->resv_list.count,
					       (unsigned long long)d->tot_pages,
					       (unsigned long long)d->max_pages);
			hv_unlock(&g->m.hv);
		}
	}
	return fails;
}

static const struct gmulti_scenario scenarios[] = {
	{.name = "packed", HOST_RAM, .dom = {PACKED(1)}, .nr = 1,
	 .before_phase = record_heap, .check = check},
	{.name = "direct", HOST_RAM, .dom = {DIRECT(1)}, .nr = 1,
	 .before_phase = record_heap, .check = check},
	{.name = "both", HOST_RAM,
	 .dom = {PACKED(1), DIRECT(2), {.name = "plain", .domid = 3, .phase = GMULTI_NEVER}},
	 .nr = 3, .before_phase = record_heap, .check = check},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
