/*
 * sysctl (physinfo) and domctl (getdomaininfo): the toolstack's view.
 * Both are for privileged domains only and check the interface version,
 * like Xen and in Xen's order: the structure is read (-EFAULT), its
 * interface_version must be the one the presented release accepts
 * (-EACCES; hv_release()), and only then is the caller's privilege
 * checked (-EPERM).
 */
#include <errno.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/extregion.h>
#include <hv/hv.h>
#include <hv/hypercall.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/xen.h>

#include "handlers.h"

int64_t do_sysctl(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	struct xen_sysctl op;

	if (copy_from_guest(d, &op, hc->args[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != hv_release(hv)->sysctl_version)
		return -EACCES;
	if (!(d->flags & DOMF_privileged))
		return -EPERM;
	switch (op.cmd) {
	case XEN_SYSCTL_physinfo: {
		struct xen_sysctl_physinfo *pi = &op.u.physinfo;
		const struct frame_bank *last = &hv->ft.banks[hv->ft.nr_banks - 1];

		memset(pi, 0, sizeof(*pi));
		pi->threads_per_core = 1;
		pi->cores_per_socket = 1;
		pi->nr_cpus = 1;
		pi->max_cpu_id = 0;
		pi->nr_nodes = 1;
		pi->capabilities = XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap |
				   XEN_SYSCTL_PHYSCAP_gnttab_v1;
		pi->gpaddr_bits = hv->cfg.gpaddr_bits;
		pi->total_pages = hv->heap.total_pages;
		pi->free_pages = hv->heap.free_pages;
		pi->max_mfn = mfn_x(last->start) + last->nr - 1;
		break;
	}
	default:
		return -ENOSYS;
	}
	return copy_to_guest(d, hc->args[0], &op, sizeof(op)) ? -EFAULT : 0;
}

static void fill_domaininfo(struct domain *t, struct xen_domctl_getdomaininfo *info)
{
	memset(info, 0, sizeof(*info));
	info->domain = t->id;
	info->flags = XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
	if (t->state == DOMS_dying)
		info->flags |= XEN_DOMINF_dying;
	else if (t->state == DOMS_shutdown)
		info->flags |= XEN_DOMINF_shutdown |
			       ((t->shutdown_reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift);
	else
		info->flags |= XEN_DOMINF_running;
	info->tot_pages = t->tot_pages;
	info->max_pages = t->max_pages;
	info->nr_online_vcpus = 1;
	info->max_vcpu_id = 0;
	info->gpaddr_bits = (uint8_t)t->p2m.gpaddr_bits;
}

int64_t do_domctl(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	struct xen_domctl op;
	struct domain *t;

	if (copy_from_guest(d, &op, hc->args[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != hv_release(hv)->domctl_version)
		return -EACCES;
	if (!(d->flags & DOMF_privileged))
		return -EPERM;
	switch (op.cmd) {
	case XEN_DOMCTL_getdomaininfo:
		t = domain_by_id(hv, op.domain == DOMID_SELF ? d->id : op.domain);
		if (!t)
			return -ESRCH;
		fill_domaininfo(t, &op.u.getdomaininfo);
		break;
	default:
		return -ENOSYS;
	}
	return copy_to_guest(d, hc->args[0], &op, sizeof(op)) ? -EFAULT : 0;
}
