/*
 * sysctl (physinfo): the toolstack's view of the machine (domctl.c has
 * the domains). For privileged domains only, with the interface version
 * checked like Xen and in Xen's order: the structure is read (-EFAULT), its
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
	case XEN_SYSCTL_getdomaininfolist: {
		/* Domains with id >= first_domain, ascending, dying ones too
		 * (Xen lists every domain it still has), at most max_domains. */
		struct xen_sysctl_getdomaininfolist *l = &op.u.getdomaininfolist;
		uint32_t n = 0;
		unsigned int next = l->first_domain;

		while (n < l->max_domains) {
			struct domain *best = NULL;
			struct xen_domctl_getdomaininfo info;

			for (struct domain *t = hv->domains; t; t = t->next)
				if (t->id >= next && (!best || t->id < best->id))
					best = t;
			if (!best)
				break;
			domctl_fill_domaininfo(best, &info);
			if (copy_to_guest(d, l->buffer + (uint64_t)n * sizeof(info), &info, sizeof(info)))
				return -EFAULT;
			n++;
			next = best->id + 1u;
		}
		l->num_domains = n;
		break;
	}
	default:
		return -ENOSYS;
	}
	return copy_to_guest(d, hc->args[0], &op, sizeof(op)) ? -EFAULT : 0;
}
