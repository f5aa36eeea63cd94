/*
 * Bench guest "foreign": a privileged backend foreign-maps all of another
 * domain's memory with XENMEM_add_to_physmap_batch (512 entries a call) at
 * unused GFNs, as a backend would before serving it.
 *
 * bootargs: fdom=D (the domain), fgfn=G and nr=N (its GFNs to map),
 * dst=L (first local GFN: an extended region of ours).
 * Phases: 1 the whole mapping.
 */
#include <rt/mm.h>

#include "../common/bench.h"

#define BATCH 512

void rt_main(void)
{
	uint64_t fdom = bench_arg("fdom", 1), fgfn = bench_arg("fgfn", 0x40000);
	uint64_t nr = bench_arg("nr", 0), dst = bench_arg("dst", 0x1000000);
	xen_ulong_t *idxs = rt_alloc_pages(1);
	xen_pfn_t *gpfns = rt_alloc_pages(1);
	int *errs = rt_alloc_pages(1);

	if (!idxs || !gpfns || !errs)
		rt_crash("no pages for the batch arrays");
	bench_mark(1);
	for (uint64_t done = 0; done < nr;) {
		unsigned int n = nr - done < BATCH ? (unsigned int)(nr - done) : BATCH;
		struct xen_add_to_physmap_batch b;
		long rc;

		for (unsigned int k = 0; k < n; k++) {
			idxs[k] = fgfn + done + k;
			gpfns[k] = dst + done + k;
		}
		b = (struct xen_add_to_physmap_batch){
			.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_foreign, .size = (uint16_t)n,
			.u.foreign_domid = (domid_t)fdom, .idxs = rt_handle(idxs),
			.gpfns = rt_handle(gpfns), .errs = rt_handle(errs)};
		rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
		if (rc)
			rt_crash("add_to_physmap_batch at %llu: %ld",
				 (unsigned long long)done, rc);
		for (unsigned int k = 0; k < n; k++)
			if (errs[k])
				rt_crash("entry %llu: %d", (unsigned long long)(done + k), errs[k]);
		done += n;
	}
	bench_mark(0);
}
