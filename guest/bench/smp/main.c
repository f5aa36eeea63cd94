/*
 * Bench guest "smp": scaling of foreign mapping over vCPUs and domains
 * (issue 17 item 4), measured by `memvisor bench smp` (cli/bench_smp.c)
 * under the normal runner, on KVM and in-process. A privileged backend
 * maps frames of another domain (fdom) with XENMEM_add_to_physmap_batch
 * (XENMAPSPACE_gmfn_foreign) at unpopulated GFNs of its extended region,
 * then unmaps them with XENMEM_remove_from_physmap: one "op" is one
 * frame mapped and unmapped. With grant=1 it maps grants fdom gave
 * instead (GNTTABOP_map_grant_ref of refs gref + window, GNTMAP_host_map
 * at the same GFNs) and unmaps them in one GNTTABOP_unmap_grant_ref batch:
 * one op is one grant mapped and unmapped. With null=1 an op is one
 * xen_version hypercall (the lock held for almost nothing): the reference
 * that shows how far the exits themselves run in parallel.
 *
 * Each vCPU used works on its own window of the source (fgfn + cpu * nr)
 * and of the destination (dst + slot * nr), so that the vCPUs never touch
 * the same GFN: any slow-down between them is the hypervisor's (its lock),
 * not the work's. vCPU 0 allocates every worker's batch arrays (the page
 * allocator is vCPU 0's, rt/smp.h), starts vCPU 1 if cpus=2, works, waits.
 *
 * bootargs: fdom=D fgfn=G nr=N (frames per batch, <= 512) iters=I (rounds
 * per vCPU) cpus=1|2 dst=L (first local GFN) grant=0|1 null=0|1 gref=R (first ref
 * of vCPU 0's window; vCPU c's is R + c * N).
 * Prints "smpbench: cpus=C ops=O errs=E t0=T0 t1=T1" with the hypervisor's
 * clock (HVMOP_get_time, CLOCK_MONOTONIC: comparable between domains).
 */
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/smp.h>

#include <public/grant_table.h>
#include <public/hvm_op.h>
#include <public/memory.h>

#include "../common/bench.h"

#define SMP_BATCH 512
#define SMP_MAX_CPUS 2

void smpbench_main(void);

struct smp_work {
	uint64_t fdom, fgfn, dst, nr, iters, gref;
	bool grant, null;
	struct gnttab_map_grant_ref *map; /* grant=1 */
	struct gnttab_unmap_grant_ref *unmap;
	xen_ulong_t *idxs;
	xen_pfn_t *gpfns;
	int *errs;
	volatile uint64_t ops, bad;
};

static uint64_t smp_now(void)
{
	struct xen_hvm_get_time t = {0};

	rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_time, rt_handle(&t), 0, 0, 0);
	return t.now;
}

static void smp_grant_round(struct smp_work *w)
{
	for (uint64_t k = 0; k < w->nr; k++)
		w->map[k] = (struct gnttab_map_grant_ref){.host_addr = (w->dst + k) << 12,
							  .flags = GNTMAP_host_map,
							  .ref = (grant_ref_t)(w->gref + k),
							  .dom = (domid_t)w->fdom};
	if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, w->map, (unsigned int)w->nr)) {
		w->bad++;
		return;
	}
	for (uint64_t k = 0; k < w->nr; k++)
		w->unmap[k] = (struct gnttab_unmap_grant_ref){.host_addr = (w->dst + k) << 12,
							      .handle = w->map[k].handle};
	if (HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, w->unmap, (unsigned int)w->nr)) {
		w->bad++;
		return;
	}
	for (uint64_t k = 0; k < w->nr; k++) {
		if (w->map[k].status != GNTST_okay || w->unmap[k].status != GNTST_okay)
			w->bad++;
		else
			w->ops++;
	}
}

static void smp_worker(void *arg)
{
	struct smp_work *w = arg;

	if (w->null) {
		for (uint64_t i = 0; i < w->iters * w->nr; i++)
			if (HYPERVISOR_xen_version(0, NULL) < 0)
				w->bad++;
			else
				w->ops++;
		return;
	}
	if (w->grant) {
		for (uint64_t i = 0; i < w->iters; i++)
			smp_grant_round(w);
		return;
	}
	for (uint64_t i = 0; i < w->iters; i++) {
		struct xen_add_to_physmap_batch b;

		for (uint64_t k = 0; k < w->nr; k++) {
			w->idxs[k] = w->fgfn + k;
			w->gpfns[k] = w->dst + k;
			w->errs[k] = 0;
		}
		b = (struct xen_add_to_physmap_batch){.domid = DOMID_SELF,
						      .space = XENMAPSPACE_gmfn_foreign,
						      .size = (uint16_t)w->nr,
						      .u.foreign_domid = (domid_t)w->fdom,
						      .idxs = rt_handle(w->idxs),
						      .gpfns = rt_handle(w->gpfns),
						      .errs = rt_handle(w->errs)};
		if (HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b)) {
			w->bad++;
			continue;
		}
		for (uint64_t k = 0; k < w->nr; k++) {
			struct xen_remove_from_physmap x = {.domid = DOMID_SELF,
							    .gpfn = w->dst + k};

			if (w->errs[k] || HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &x))
				w->bad++;
			else
				w->ops++;
		}
	}
}

void smpbench_main(void)
{
	static RT_TLS struct smp_work w[SMP_MAX_CPUS];
	uint64_t cpus = bench_arg("cpus", 1), nr = bench_arg("nr", 64);
	uint64_t t0, t1, ops = 0, bad = 0;

	if (cpus < 1 || cpus > SMP_MAX_CPUS || nr < 1 || nr > SMP_BATCH)
		rt_crash("smpbench: bad cpus or nr");
	for (uint64_t c = 0; c < cpus; c++) {
		w[c] = (struct smp_work){.fdom = bench_arg("fdom", 1),
					 .fgfn = bench_arg("fgfn", 0x40000) + c * nr,
					 .dst = bench_arg("dst", 0x1000000) + c * nr,
					 .nr = nr,
					 .iters = bench_arg("iters", 100),
					 .gref = bench_arg("gref", 0) + c * nr,
					 .grant = bench_arg("grant", 0) == 1,
					 .null = bench_arg("null", 0) == 1,
					 .idxs = rt_alloc_pages(1),
					 .gpfns = rt_alloc_pages(1),
					 .errs = rt_alloc_pages(1),
					 .map = rt_alloc_pages(8),
					 .unmap = rt_alloc_pages(4)};
		if (!w[c].idxs || !w[c].gpfns || !w[c].errs || !w[c].map || !w[c].unmap)
			rt_crash("smpbench: no pages for the batch arrays");
	}
	t0 = smp_now();
	if (cpus > 1 && rt_vcpu_start(1, smp_worker, &w[1]))
		rt_crash("smpbench: cannot start vCPU 1");
	smp_worker(&w[0]);
	if (cpus > 1 && rt_vcpu_wait(1))
		rt_crash("smpbench: vCPU 1 did not end");
	t1 = smp_now();
	for (uint64_t c = 0; c < cpus; c++) {
		ops += w[c].ops;
		bad += w[c].bad;
	}
	rt_printf("smpbench: cpus=%llu ops=%llu errs=%llu t0=%llu t1=%llu\n",
		  (unsigned long long)cpus, (unsigned long long)ops, (unsigned long long)bad,
		  (unsigned long long)t0, (unsigned long long)t1);
}

#ifndef RT_HOSTED
void rt_main(void) { smpbench_main(); }
#endif
