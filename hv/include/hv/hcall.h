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

#include <stdbool.h>
#include <stdint.h>

/* Internal only, never returned to a guest (Xen's ERESTART is 85). */
#define HV_HCALL_CONTINUE (-85)

/* How many elements a handler processes before offering a continuation:
 * bounds the time one call holds the hypervisor lock. */
#define HCALL_PREEMPT_EVERY 1024

/*
 * The calling vCPU's paging state: pointer arguments (and handles inside
 * structures) are guest linear addresses, translated through it
 * (guest_access.h). The transport that makes the call supplies it:
 * - fetch set: called once, at the first pointer the call follows, to fill
 *   cr0/cr3/cr4/efer/cpl and set valid (so calls that follow no pointer
 *   cost the transport nothing); valid stays set across continuations.
 * - fetch NULL and valid clear (a zeroed struct): the caller has no paging,
 *   its pointers are guest-physical (hosted guests until they build page
 *   tables, host-side callers).
 * - fetch NULL and valid set: the state is given (the in-process
 *   transport's hosted guests with page tables of their own).
 * With CR0.PG clear the pointers are guest-physical as well.
 */
struct hv_paging {
	bool valid;
	uint8_t cpl;        /* the caller's privilege level (0..3) */
	/* The last translation (guest_access.c), for the handler invocation
	 * that made it: the dispatcher clears it before each one. (The flags
	 * sit with the two above, so that struct hv_hcall, which transports
	 * build at every call, stays 128 bytes.) */
	bool tlb_valid, tlb_write;
	uint64_t cr0, cr3, cr4, efer;
	/* 0, or -errno when the state cannot be read (the call then faults). */
	int (*fetch)(void *ctx, struct hv_paging *pg);
	void *ctx;
	uint64_t tlb_la, tlb_gpa;
};

struct hv_hcall {
	uint64_t nr;
	/* The calling vCPU (< d->nr_vcpus; a zeroed struct is vCPU 0). */
	unsigned int vcpu;
	uint64_t args[5];
	struct hv_paging pg;
};

#endif
