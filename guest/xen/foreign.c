/*
 * Foreign mapping helpers (see xen/foreign.h).
 *
 * Batches of at most XFOREIGN_BATCH entries per add_to_physmap_batch call;
 * the hypervisor may continue a batch internally, so the call returns only
 * once every entry has its status.
 */
#include <public/errno.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <xen/foreign.h>

long xforeign_map(domid_t dom, const xen_pfn_t *fgfns, const xen_pfn_t *lgfns,
		  unsigned long n, int *errs)
{
	int *tmp = NULL;
	long failed = 0;

	if (!errs) {
		tmp = rt_alloc_pages(1);
		if (!tmp)
			return -XEN_ENOMEM;
	}
	for (unsigned long i = 0; i < n; i += XFOREIGN_BATCH) {
		unsigned long k = n - i < XFOREIGN_BATCH ? n - i : XFOREIGN_BATCH;
		int *e = errs ? errs + i : tmp;
		struct xen_add_to_physmap_batch b = {
			.domid = DOMID_SELF,
			.space = XENMAPSPACE_gmfn_foreign,
			.size = (uint16_t)k,
			.u.foreign_domid = dom,
		};
		long rc;

		set_xen_guest_handle(b.idxs, rt_handle(fgfns + i));
		set_xen_guest_handle(b.gpfns, rt_handle(lgfns + i));
		set_xen_guest_handle(b.errs, rt_handle(e));
		rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
		if (rc) {
			failed = rc;
			goto out;
		}
		for (unsigned long j = 0; j < k; j++)
			failed += e[j] != 0;
	}
	if (xforeign_reach(lgfns, n))
		failed = -XEN_ENOMEM;
out:
	if (tmp)
		rt_free_pages(tmp, 1);
	return failed;
}

int xforeign_unmap(const xen_pfn_t *lgfns, unsigned long n)
{
	int first = 0;

	for (unsigned long i = 0; i < n; i++) {
		struct xen_remove_from_physmap x = {.domid = DOMID_SELF, .gpfn = lgfns[i]};
		int rc = (int)HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &x);

		if (rc && !first)
			first = rc;
	}
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
