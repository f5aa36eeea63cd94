/*
 * hvm_op (hypercall 34): HVM parameters, system time, per-vCPU upcall
 * vector.
 *
 * Rules (x86, xen-facts-devices 2.1-2.3): index >= HVM_NR_PARAMS ->
 * -EINVAL before the domain is looked up; unknown domain -> -ESRCH,
 * another domain without privilege -> -EPERM; deprecated parameters ->
 * -EINVAL; a guest on itself may set only CALLBACK_IRQ, STORE_EVTCHN,
 * CONSOLE_EVTCHN, VM86_TSS(_SIZED), ACPI_IOPORTS_LOCATION,
 * VM_GENERATION_ID_ADDR and X87_FIP_WIDTH, and read those plus STORE_PFN,
 * CONSOLE_PFN and ALTP2M (others -EPERM); set-once parameters (VIRIDIAN,
 * IOREQ_SERVER_PFN, NR_IOREQ_SERVER_PAGES, ALTP2M, MCA_CAP) refuse a change
 * with -EEXIST. Every memvisor domain counts as HVM. Values are stored per
 * domain (evtchn_domain.params); CALLBACK_IRQ's type decides delivery
 * (sched.c). Other HVMOPs: -ENOSYS.
 *
 * Locking: hv->lock held (dispatcher).
 */
#include <errno.h>

#include <hv/guest_access.h>
#include <hv/hcall.h>

#include "event_priv.h"

static bool param_deprecated(uint32_t i)
{
	return i == HVM_PARAM_PAE_ENABLED || i == HVM_PARAM_DM_DOMAIN ||
	       (i >= HVM_PARAM_MEMORY_EVENT_CR0 && i <= HVM_PARAM_BUFIOREQ_EVTCHN) ||
	       i == HVM_PARAM_MEMORY_EVENT_INSN;
}

static bool param_self_settable(uint32_t i)
{
	switch (i) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_EVTCHN:
	case HVM_PARAM_VM86_TSS:
	case HVM_PARAM_VM86_TSS_SIZED:
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
	case HVM_PARAM_VM_GENERATION_ID_ADDR:
	case HVM_PARAM_X87_FIP_WIDTH:
		return true;
	default:
		return false;
	}
}

static bool param_self_readable(uint32_t i)
{
	return param_self_settable(i) || i == HVM_PARAM_STORE_PFN || i == HVM_PARAM_CONSOLE_PFN ||
	       i == HVM_PARAM_ALTP2M;
}

static bool param_set_once(uint32_t i)
{
	return i == HVM_PARAM_VIRIDIAN || i == HVM_PARAM_IOREQ_SERVER_PFN ||
	       i == HVM_PARAM_NR_IOREQ_SERVER_PAGES || i == HVM_PARAM_ALTP2M ||
	       i == HVM_PARAM_MCA_CAP;
}

static int64_t param_op(struct domain *d, uint64_t op, uint64_t arg)
{
	struct xen_hvm_param p;
	struct domain *t;
	int err = 0;

	if (copy_from_guest(d, &p, arg, sizeof(p)))
		return -EFAULT;
	if (p.index >= HVM_NR_PARAMS)
		return -EINVAL;
	t = domain_hcall_target(d, p.domid, &err);
	if (!t)
		return err;
	if (param_deprecated(p.index))
		return -EINVAL;
	if (op == HVMOP_set_param) {
		uint64_t cur = evd(t)->params[p.index];

		if (t == d && !param_self_settable(p.index))
			return -EPERM;
		if (param_set_once(p.index) && cur != 0 && p.value != cur)
			return -EEXIST;
		evd(t)->params[p.index] = p.value;
		if (p.index == HVM_PARAM_CALLBACK_IRQ)
			for (unsigned int i = 0; i < t->nr_vcpus; i++)
				evtchn_vcpu_callback_changed(t, &t->vcpu[i]);
		return 0;
	}
	if (t == d && !param_self_readable(p.index))
		return -EPERM;
	p.value = evd(t)->params[p.index];
	if (copy_to_guest(d, arg, &p, sizeof(p)))
		return -EFAULT;
	return 0;
}

static int64_t upcall_vector_op(struct domain *d, uint64_t arg)
{
	struct xen_hvm_evtchn_upcall_vector u;
	struct vcpu *v;

	if (copy_from_guest(d, &u, arg, sizeof(u)))
		return -EFAULT;
	if (u.vector < 0x10)
		return -EINVAL;
	if (u.vcpu >= d->nr_vcpus)
		return -ENOENT;
	v = &d->vcpu[u.vcpu];
	v->upcall_vector = u.vector;
	/* An event already flagged is delivered on the new vector. */
	evtchn_vcpu_callback_changed(d, v);
	return 0;
}

int64_t do_hvm_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	uint64_t op = hc->args[0], arg = hc->args[1];

	if (!evd(d))
		return -EINVAL;
	switch (op) {
	case HVMOP_set_param:
	case HVMOP_get_param:
		return param_op(d, op, arg);
	case HVMOP_get_time: {
		struct xen_hvm_get_time t = {.now = hv_system_time(hv)};

		if (copy_to_guest(d, arg, &t, sizeof(t)))
			return -EFAULT;
		evtchn_update_time(d, &d->vcpu[hc->vcpu]);
		return 0;
	}
	case HVMOP_set_evtchn_upcall_vector:
		return upcall_vector_op(d, arg);
	default:
		return -ENOSYS;
	}
}
