/*
 * guest/xen multicall lists against the hypervisor: every entry runs and
 * gets its own result, equal to what the same call returns on its own; a
 * failing entry does not stop the ones after it; xmc_run() names the
 * first failing entry; a full list refuses more entries.
 */
#include <public/errno.h>
#include <public/version.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>
#include <xen/multicall.h>

const char test_title[] = "xen: multicall lists";

#define NR 5

void test_main(void)
{
	struct multicall_entry *ent = rt_alloc_pages(1);
	domid_t *self = rt_alloc_pages(1);
	long version, pages, rc;
	unsigned int bad = 99;
	struct xmc m;
	int idx[NR];

	if (!ent || !self) {
		rt_test_error("out of pages");
		return;
	}
	*self = DOMID_SELF;
	version = HYPERVISOR_xen_version(XENVER_version, NULL);
	pages = HYPERVISOR_memory_op(XENMEM_current_reservation, self);
	rt_check(version > 0 && pages > 0, "direct calls: version %#lx, %ld pages", version,
		 pages);

	/* Empty: nothing issued, nothing wrong. */
	xmc_init(&m, ent, NR);
	rt_check(xmc_run(&m, &bad) == 0 && bad == 99, "empty list");

	idx[0] = xmc_add(&m, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
	idx[1] = xmc_add(&m, __HYPERVISOR_memory_op, XENMEM_current_reservation, rt_handle(self),
			 0, 0, 0);
	idx[2] = xmc_add(&m, __HYPERVISOR_memory_op, 0x7fff, 0, 0, 0, 0); /* no such sub-op */
	idx[3] = xmc_add(&m, 63, 0, 0, 0, 0, 0);			   /* no such call */
	idx[4] = xmc_add(&m, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, 0, 0);
	for (int i = 0; i < NR; i++)
		rt_check(idx[i] == i, "entry %d added at %d", i, idx[i]);
	rt_check(xmc_add(&m, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0) ==
			 -XEN_ENOSPC && m.n == NR,
		 "a full list takes no more entries (n %u)", m.n);
	for (int i = 0; i < NR; i++)
		rt_check(m.ent[i].result == XMC_NOT_RUN, "entry %d not run yet", i);

	rc = xmc_run(&m, &bad);
	rt_check(rc == -XEN_ENOSYS && bad == 2, "run: %ld, first failing entry %u", rc, bad);
	rt_check(xmc_result(&m, 0) == version, "entry 0 (xen_version): %#lx", xmc_result(&m, 0));
	rt_check(xmc_result(&m, 1) == pages, "entry 1 (current_reservation): %ld",
		 xmc_result(&m, 1));
	rt_check(xmc_result(&m, 2) == -XEN_ENOSYS, "entry 2 (unknown memory_op): %ld",
		 xmc_result(&m, 2));
	rt_check(xmc_result(&m, 3) == -XEN_ENOSYS, "entry 3 (hypercall 63): %ld",
		 xmc_result(&m, 3));
	/* after two failures, the batch went on */
	rt_check(xmc_result(&m, 4) == 4096, "entry 4 (pagesize): %ld", xmc_result(&m, 4));

	/* All good: 0, bad untouched. */
	xmc_init(&m, ent, NR);
	xmc_add(&m, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, 0, 0);
	xmc_add(&m, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
	bad = 99;
	rc = xmc_run(&m, &bad);
	rt_check(rc == 0 && bad == 99 && xmc_result(&m, 0) == 4096 && xmc_result(&m, 1) == version,
		 "all-good list: %ld (bad %u)", rc, bad);
	rt_printf("multicall: per-entry results as direct calls; a failing entry stops nothing\n");
	rt_free_pages(self, 1);
	rt_free_pages(ent, 1);
}
