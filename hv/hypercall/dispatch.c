/*
 * The hypercall dispatcher.
 *
 * One table from hypercall number to handler; unknown numbers get -ENOSYS.
 * The lock is held for one handler invocation; realization work queued by
 * it is flushed before the lock is dropped, so when the guest sees the
 * result its window already shows every change.
 */
#include <errno.h>

#include <hv/grant.h>
#include <hv/hypercall.h>
#include <hv/iommu.h>
#include <hv/ioreq.h>
#include <hv/mm.h>
#include <public/xen.h>

#include "handlers.h"

typedef int64_t (*hcall_fn)(struct hv *, struct domain *, struct hv_hcall *);

static const hcall_fn table[] = {
	[__HYPERVISOR_memory_op] = do_memory_op,
	[__HYPERVISOR_xen_version] = do_xen_version,
	[__HYPERVISOR_console_io] = do_console_io,
	[__HYPERVISOR_grant_table_op] = do_grant_table_op,
	[__HYPERVISOR_sched_op] = do_sched_op,
	[__HYPERVISOR_sysctl] = do_sysctl,
	[__HYPERVISOR_domctl] = do_domctl,
	[__HYPERVISOR_iommu_op] = do_iommu_op,
	[__HYPERVISOR_dm_op] = do_dm_op,
};

int64_t hv_hypercall(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	int64_t rc;

	hv_lock(hv);
	/* pointers of this call are the caller's linear addresses */
	d->hcall_paging = &hc->pg;
	hc->pg.tlb_valid = false;
	hv->st.hypercalls++;
	d->st.hypercalls++;
	if (d->state == DOMS_dying)
		rc = -ESRCH;
	else if (hc->nr < ARRAY_SIZE(table) && table[hc->nr])
		rc = table[hc->nr](hv, d, hc);
	else
		rc = -ENOSYS;
	d->hcall_paging = NULL;
	hv_realize_flush(hv);
	hv_unlock(hv);
	return rc;
}

int64_t hv_hypercall_run(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	int64_t rc;

	do
		rc = hv_hypercall(hv, d, hc);
	while (rc == HV_HCALL_CONTINUE);
	return rc;
}
