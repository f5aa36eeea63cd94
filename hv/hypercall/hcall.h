/*
 * Internal interface between the dispatcher and the hypercall handlers.
 * Handlers run with the hypervisor lock held and return a value for the
 * guest's rax, or HV_HCALL_CONTINUE after updating hc->args.
 */
#ifndef HV_HCALL_INTERNAL_H
#define HV_HCALL_INTERNAL_H

#include <hv/hypercall.h>

int64_t do_memory_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_xen_version(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_console_io(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_sched_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_sysctl(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_domctl(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_grant_table_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_iommu_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_dm_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);

/* Resolves a domid argument (DOMID_SELF allowed) the caller may control:
 * itself, or any domain when privileged. NULL with *err = -ESRCH / -EPERM. */
struct domain *hcall_target_domain(struct domain *caller, domid_t id, int *err);

/* How many elements a handler processes before offering a continuation. */
#define HCALL_PREEMPT_EVERY 1024

#endif
