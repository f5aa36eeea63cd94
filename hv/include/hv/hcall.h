/*
 * What a hypercall handler sees: the arguments of one call and the rules
 * for stopping part-way. Handlers live with their subsystems (mm/, grant/,
 * iommu/, ioreq/, hypercall/) and include this header, not the
 * dispatcher's (hypercall.h): a subsystem depends on the contract, only
 * the dispatcher depends on every subsystem.
 *
 * A handler runs with the hypervisor lock held and returns the value for
 * the guest's rax (a negative Xen errno on error), or HV_HCALL_CONTINUE
 * after updating args so that calling again resumes where it stopped.
 */
#ifndef HV_HCALL_H
#define HV_HCALL_H

#include <stdint.h>

/* Internal only, never returned to a guest (Xen's ERESTART is 85). */
#define HV_HCALL_CONTINUE (-85)

/* How many elements a handler processes before offering a continuation:
 * bounds the time one call holds the hypervisor lock. */
#define HCALL_PREEMPT_EVERY 1024

struct hv_hcall {
	uint64_t nr;
	uint64_t args[5];
};

#endif
