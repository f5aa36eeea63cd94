/*
 * Private to hv/hypercall/: the handlers implemented in this directory
 * (the small calls with no subsystem of their own). Subsystems declare
 * their handlers in their own public internal header (do_memory_op in
 * mm.h, do_grant_table_op in grant.h, do_iommu_op in iommu.h, do_dm_op in
 * ioreq.h). Handlers run with the hypervisor lock held and return a value
 * for the guest's rax, or HV_HCALL_CONTINUE after updating hc->args
 * (see hcall.h).
 */
#ifndef HV_HYPERCALL_HANDLERS_H
#define HV_HYPERCALL_HANDLERS_H

#include <hv/hypercall.h>

int64_t do_xen_version(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_console_io(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_sched_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_sysctl(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_domctl(struct hv *hv, struct domain *d, struct hv_hcall *hc);

struct xen_domctl_getdomaininfo;
/* t's getdomaininfo record (domctl.c; also for sysctl's list). */
void domctl_fill_domaininfo(struct domain *t, struct xen_domctl_getdomaininfo *info);

#endif
