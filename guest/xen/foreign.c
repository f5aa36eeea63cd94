/*
 * Foreign mapping helpers (see xen/foreign.h).
 *
 * Batches of at most XFOREIGN_BATCH entries per add_to_physmap_batch call,
 * up to XFOREIGN_MC such calls issued together as one multicall (what a
 * backend mapping a large range batches); the hypervisor may continue a
 * call internally, so the multicall returns only once every entry has its
 * status, and every call's own result is checked.
 */
#include <public/errno.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <xen/foreign.h>
#include <xen/multicall.h>

/* The multicall's page: the list, then the batch requests. */
struct fmc_page {
	struct multicall_entry ent[XFOREIGN_MC];
	struct xen_add_to_physmap_batch b[XFOREIGN_MC];
};
_Static_assert(sizeof(struct fmc_page) <= 4096, "list and requests fit one page");

/* Errors array: enough for one multicall's entries, in whole pages. */
#define FMC_ERR_PAGES ((XFOREIGN_MC * XFOREIGN_BATCH * sizeof(int) + 4095) / 4096)

long xforeign_map(domid_t dom, const xen_pfn_t *fgfns, const xen_pfn_t *lgfns,
		  unsigned long n, int *errs)
{
	struct fmc_page *pg = rt_alloc_pages(1);
	int *tmp = NULL;
	long failed = 0;

	if (!pg)
		return -XEN_ENOMEM;
	if (!errs) {
		tmp = rt_alloc_pages(FMC_ERR_PAGES);
		if (!tmp) {
			failed = -XEN_ENOMEM;
			goto out;
		}
	}
	/* Up to XFOREIGN_MC batch calls of XFOREIGN_BATCH entries per multicall. */
	for (unsigned long i = 0; i < n; i += XFOREIGN_MC * XFOREIGN_BATCH) {
		int *e = errs ? errs + i : tmp;
		unsigned long left = n - i;
		struct xmc m;
		long rc;

		xmc_init(&m, pg->ent, XFOREIGN_MC);
		for (unsigned int c = 0; c < XFOREIGN_MC && (unsigned long)c * XFOREIGN_BATCH < left;
		     c++) {
			unsigned long off = (unsigned long)c * XFOREIGN_BATCH;
			unsigned long k = left - off < XFOREIGN_BATCH ? left - off : XFOREIGN_BATCH;

			pg->b[c] = (struct xen_add_to_physmap_batch){
				.domid = DOMID_SELF,
				.space = XENMAPSPACE_gmfn_foreign,
				.size = (uint16_t)k,
				.u.foreign_domid = dom,
			};
			set_xen_guest_handle(pg->b[c].idxs, rt_handle(fgfns + i + off));
			set_xen_guest_handle(pg->b[c].gpfns, rt_handle(lgfns + i + off));
			set_xen_guest_handle(pg->b[c].errs, rt_handle(e + off));
			xmc_add(&m, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
				rt_handle(&pg->b[c]), 0, 0, 0);
		}
		rc = xmc_run(&m, NULL);
		if (rc) {
			failed = rc;
			goto out;
		}
		for (unsigned long j = 0; j < left && j < XFOREIGN_MC * XFOREIGN_BATCH; j++)
			failed += e[j] != 0;
	}
	if (xforeign_reach(lgfns, n))
		failed = -XEN_ENOMEM;
out:
	if (tmp)
		rt_free_pages(tmp, FMC_ERR_PAGES);
	rt_free_pages(pg, 1);
	return failed;
}

/* Removals per multicall: the list and its requests share one page. */
#define FUNMAP_MC 32

int xforeign_unmap(const xen_pfn_t *lgfns, unsigned long n)
{
	struct {
		struct multicall_entry ent[FUNMAP_MC];
		struct xen_remove_from_physmap x[FUNMAP_MC];
	} *pg = rt_alloc_pages(1);
	int first = 0;

	_Static_assert(sizeof(*pg) <= 4096, "list and requests fit one page");
	if (!pg)
		return -XEN_ENOMEM;
	for (unsigned long i = 0; i < n; i += FUNMAP_MC) {
		struct xmc m;
		long rc;

		xmc_init(&m, pg->ent, FUNMAP_MC);
		for (unsigned int j = 0; j < FUNMAP_MC && i + j < n; j++) {
			pg->x[j] = (struct xen_remove_from_physmap){.domid = DOMID_SELF,
								    .gpfn = lgfns[i + j]};
			xmc_add(&m, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
				rt_handle(&pg->x[j]), 0, 0, 0);
		}
		/* every entry ran (a failure does not stop the others) */
		rc = xmc_run(&m, NULL);
		if (rc && !first)
			first = (int)rc;
	}
	rt_free_pages(pg, 1);
	return first;
}

int xforeign_reach(const xen_pfn_t *lgfns, unsigned long n)
{
	for (unsigned long i = 0; i < n;) {
		unsigned long j = i + 1;

		while (j < n && lgfns[j] == lgfns[j - 1] + 1)
			j++;
		if (rt_map_range(lgfns[i] << 12, (uint64_t)(j - i) << 12))
			return -1;
		i = j;
	}
	return 0;
}
