/*
 * The hypercall dispatcher.
 *
 * One table from hypercall number to handler; unknown numbers get -ENOSYS.
 * The lock is held for one handler invocation; realization work queued by
 * it is flushed before the lock is dropped, so when the guest sees the
 * result its window already shows every change.
 *
 * multicall (13) lives here because it is a second way into the same
 * table: each entry is dispatched exactly as a hypercall of its own would
 * be (same table, same checks), its return value stored in the entry's
 * `result`. Invariants: a multicall never runs inside a multicall (such an
 * entry gets -EINVAL); a continuation - the batch preempted between
 * entries, or an entry's own call stopping part-way - is a continuation of
 * the multicall whose arguments point at the unfinished entry, and that
 * entry's args in guest memory are the sub-call's updated ones, as in Xen.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <hv/domain.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/iommu.h>
#include <hv/ioreq.h>
#include <hv/mm.h>
#include <hv/realize.h>
#include <public/xen.h>

#include "handlers.h"

typedef int64_t (*hcall_fn)(struct hv *, struct domain *, struct hv_hcall *);

static int64_t do_multicall(struct hv *hv, struct domain *d, struct hv_hcall *hc);

static const hcall_fn table[] = {
	[__HYPERVISOR_multicall] = do_multicall,
	[__HYPERVISOR_memory_op] = do_memory_op,
	[__HYPERVISOR_xen_version] = do_xen_version,
	[__HYPERVISOR_console_io] = do_console_io,
	[__HYPERVISOR_grant_table_op] = do_grant_table_op,
	[__HYPERVISOR_sched_op] = do_sched_op,
	[__HYPERVISOR_vcpu_op] = do_vcpu_op,
	[__HYPERVISOR_event_channel_op] = do_event_channel_op,
	[__HYPERVISOR_hvm_op] = do_hvm_op,
	[__HYPERVISOR_sysctl] = do_sysctl,
	[__HYPERVISOR_domctl] = do_domctl,
	[__HYPERVISOR_iommu_op] = do_iommu_op,
	[__HYPERVISOR_dm_op] = do_dm_op,
};

/* The guest's entry i, run; only `result` (or, when the sub-call stops
 * part-way, its args) is written back. */
static int64_t multicall_one(struct hv *hv, struct domain *d, uint64_t ent, struct hv_hcall *sub)
{
	struct multicall_entry e;
	int64_t rc;

	if (copy_from_guest(d, &e, ent, sizeof(e)))
		return -EFAULT;
	sub->nr = e.op;
	memcpy(sub->args, e.args, sizeof(sub->args));
	if (e.op == __HYPERVISOR_multicall)
		rc = -EINVAL;
	else if (e.op < ARRAY_SIZE(table) && table[e.op])
		rc = table[e.op](hv, d, sub);
	else
		rc = -ENOSYS;
	if (rc == HV_HCALL_CONTINUE) {
		if (copy_to_guest(d, ent + offsetof(struct multicall_entry, args), sub->args,
				  sizeof(sub->args)))
			return -EFAULT;
		return HV_HCALL_CONTINUE;
	}
	d->st.multicall_entries++;
	e.result = (uint64_t)rc;
	if (copy_to_guest(d, ent + offsetof(struct multicall_entry, result), &e.result,
			  sizeof(e.result)))
		return -EFAULT;
	return 0;
}

static int64_t do_multicall(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	uint64_t list = hc->args[0];
	uint32_t nr = (uint32_t)hc->args[1], i;
	struct hv_hcall sub;
	int64_t rc;

	for (i = 0; i < nr; i++) {
		uint64_t ent = list + (uint64_t)i * sizeof(struct multicall_entry);

		/* Bounded lock hold: continue from entry i (never before the
		 * first, so every call makes progress). */
		if (i && !(i % HCALL_PREEMPT_EVERY))
			goto cont;
		/* A domain that stopped (shutdown or crash in an entry) runs
		 * no more of its batch. */
		if (d->state != DOMS_running)
			return 0;
		rc = multicall_one(hv, d, ent, &sub);
		if (rc == HV_HCALL_CONTINUE)
			goto cont;
		if (rc)
			return rc;
	}
	return 0;

cont:
	hc->args[0] = list + (uint64_t)i * sizeof(struct multicall_entry);
	hc->args[1] = nr - i;
	return HV_HCALL_CONTINUE;
}

int64_t hv_hypercall(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	int64_t rc;

	hv_lock(hv);
	/* pointers of this call are the caller's linear addresses */
	d->hcall_paging = &hc->pg;
	hc->pg.tlb_valid = false;
	/* d stays allocated while a handler of it runs, even when it drops
	 * the lock to sleep (sched_op block/poll) and d is destroyed meanwhile. */
	d->hcall_pins++;
	hv->xen_version = hv_xen_version(hv);
	hv->st.hypercalls++;
	d->st.hypercalls++;
	if (d->state == DOMS_dying)
		rc = -ESRCH;
	else if (hc->nr < ARRAY_SIZE(table) && table[hc->nr])
		rc = table[hc->nr](hv, d, hc);
	else
		rc = -ENOSYS;
	d->hcall_paging = NULL;
	BUG_ON(!d->hcall_pins);
	if (!--d->hcall_pins && d->state == DOMS_dying && !d->tot_pages && !d->relinquishing)
		domain_finalise(d); /* destroyed while this call ran */
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
