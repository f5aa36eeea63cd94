/*
 * The hypercall dispatcher.
 *
 * One table from hypercall number to handler; unknown numbers get -ENOSYS.
 * The lock is held for one handler invocation; realization work queued by
 * it is flushed before the call returns, so when the guest sees the result
 * its window already shows every change. The host's part of that flush
 * (mmap/munmap of the window) is done after the lock is dropped when it
 * releases no frame (hv_realize_detach/finish, realize.h), so that it
 * overlaps other vCPUs' hypercalls.
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
	struct hv_hcall sub = {.vcpu = hc->vcpu};
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

/* Drops the dispatcher's pin on d; the last one finalises a destroyed d. */
static void unpin(struct domain *d)
{
	BUG_ON(!d->hcall_pins);
	if (!--d->hcall_pins && d->state == DOMS_dying && !d->tot_pages && !d->relinquishing)
		domain_finalise(d); /* destroyed while this call ran */
}

int64_t hv_hypercall(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	uint64_t wakes;
	bool smp, detached;
	int64_t rc;

	hv_lock(hv);
	/* a transport bug, not a guest's: it names the vCPU that traps */
	BUG_ON(hc->vcpu >= d->nr_vcpus);
	/* a single vCPU never parks: going down, it is the last one */
	smp = d->nr_vcpus > 1;
	wakes = smp ? d->vcpu[hc->vcpu].hv_wakes : 0;
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
	/* A vCPU that went down (VCPUOP_down on itself, or by another vCPU
	 * meanwhile) stays in its call until it is up again: Xen deschedules
	 * it, and VCPUOP_up resumes it where it stopped. */
	if (smp && rc != HV_HCALL_CONTINUE && !d->vcpu[hc->vcpu].up && d->state == DOMS_running)
		(void)evtchn_vcpu_park(d, hc->vcpu, wakes);
	d->hcall_paging = NULL;
	unpin(d);
	detached = hv_realize_detach(hv);
	hv_unlock(hv);
	if (detached)
		hv_realize_finish(hv);
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

int hv_vcpu_wait_up(struct hv *hv, struct domain *d, unsigned int vcpu,
		    struct hv_vcpu_regs *start)
{
	struct hv_paging *pg;
	int rc = -1;

	hv_lock(hv);
	if (vcpu >= d->nr_vcpus || d->state == DOMS_dying)
		goto out;
	/* parked outside any call: pinned as a call would be */
	d->hcall_pins++;
	pg = d->hcall_paging;
	rc = evtchn_vcpu_park(d, vcpu, d->vcpu[vcpu].hv_wakes);
	d->hcall_paging = pg;
	if (!rc && d->vcpu[vcpu].start_pending) {
		*start = d->vcpu[vcpu].start;
		d->vcpu[vcpu].start_pending = false;
		rc = 1;
	}
	unpin(d);
out:
	hv_unlock(hv);
	return rc;
}

bool hv_vcpu_is_up(struct hv *hv, struct domain *d, unsigned int vcpu)
{
	bool up;

	hv_lock(hv);
	up = vcpu < d->nr_vcpus && d->vcpu[vcpu].up;
	hv_unlock(hv);
	return up;
}
