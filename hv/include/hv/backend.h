/*
 * Realization backend: how P2M changes become real memory.
 *
 * The core calls the backend after every committed P2M change so that the
 * domain's guest-physical window (and its KVM memory slots, for the KVM
 * backend) reflects the table. Calls are made with the hypervisor lock held
 * and in the order the changes were committed. Runs passed to map() are
 * contiguous in both GFN and MFN; the core coalesces adjacent runs before
 * calling, so one call is usually one mmap.
 *
 * Machine RAM itself (one memfd, mapped once for the core at ram_va) is set
 * up by the realization layer (vmm/realize.c) and described to the core by
 * struct hv_config. The core tells the backend where each frame run lies in
 * it (ram_off, a byte offset from ram_va), so a backend never looks into
 * the core's frame table.
 */
#ifndef HV_BACKEND_H
#define HV_BACKEND_H

#include <hv/types.h>

struct domain;

/* ram_off of a frame that is not machine RAM. */
#define HV_RAM_OFF_NONE UINT64_MAX

enum hv_access {
	HV_ACCESS_RO = 1,
	HV_ACCESS_RW = 3,
};

struct hv_backend_ops {
	/* A domain was created: set up its window. May fail with -errno. */
	int (*domain_create)(void *ctx, struct domain *d);
	/* The domain is gone from the core; tear its window down. */
	void (*domain_destroy)(void *ctx, struct domain *d);
	/*
	 * [gfn, gfn+nr) now maps [mfn, mfn+nr) with the given access; the
	 * frames are machine RAM [ram_off, ram_off + nr pages) (one bank).
	 * Failure (e.g. out of host mappings) is reported as -errno and makes
	 * the core crash the domain: a P2M entry that is not realized would
	 * otherwise fault later with no context.
	 */
	int (*map)(void *ctx, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t ram_off,
		   uint64_t nr, enum hv_access access);
	/* [gfn, gfn+nr) no longer maps anything. Cannot fail. */
	void (*unmap)(void *ctx, struct domain *d, gfn_t gfn, uint64_t nr);
	/* Machine frames [mfn, mfn+nr), machine RAM from ram_off on (one bank),
	 * went back to the heap: release host memory. */
	void (*release)(void *ctx, mfn_t mfn, uint64_t ram_off, uint64_t nr);
	/* Machine frames [mfn, mfn+nr) (one bank) still hold a previous
	 * owner's data and are being handed out again: make them read as
	 * zero, keeping their host memory (cheaper than a release followed by
	 * a fresh fault of every page). Optional: without it the core uses
	 * release(). No guest window maps them any more. */
	void (*scrub)(void *ctx, mfn_t mfn, uint64_t ram_off, uint64_t nr);
	/*
	 * OPTIONAL (NULL: nothing to do). vCPU `vcpu` of d has something to
	 * take: an upcall (its vcpu_info evtchn_upcall_pending went 0->1
	 * with a callback vector set; ask hv_vcpu_upcall_vector() which) or
	 * a wake-up. Called with the hypervisor lock held: must not block and
	 * must not take the hypervisor lock (e.g. set a flag, signal a
	 * thread, kick the vCPU out of KVM_RUN). See hv/event.h.
	 * Today it is called only when an upcall became due (a vCPU sleeping
	 * in SCHEDOP_block/poll is woken by the hypervisor itself); treat
	 * every kick as "ask hv_vcpu_upcall_vector() again". It may come from
	 * the kicked vCPU's own thread (an event it sent to itself).
	 */
	void (*vcpu_kick)(void *ctx, struct domain *d, unsigned int vcpu);
	/*
	 * OPTIONAL (NULL: nothing to do). The toolstack paused (true) or
	 * unpaused (false) d: its controller pause count went 0 -> 1 or
	 * 1 -> 0 (XEN_DOMCTL_pausedomain/unpausedomain). The first unpause
	 * of a domain made by XEN_DOMCTL_createdomain (d->toolstack_created,
	 * d->creation_finished now true) is when the VMM starts its vCPUs,
	 * from d->boot[] (docs/toolstack.md). Called with the hypervisor
	 * lock held: must not block or take the lock.
	 */
	void (*domain_pause_state)(void *ctx, struct domain *d, bool paused);
	/*
	 * OPTIONAL. XEN_DOMCTL_destroydomain of a domain whose vCPUs the VMM
	 * may be running: stop them, without blocking. Return 0 once none
	 * runs (or none ever did), -EAGAIN while some are still stopping:
	 * the hypervisor then continues the destroydomain call (the lock is
	 * dropped in between, as Xen restarts it) and asks again. Called
	 * with the hypervisor lock held. NULL: the VMM cannot stop a running
	 * domain, and destroydomain refuses one with -EBUSY (a domain that
	 * never started, or has shut down, is destroyed either way).
	 */
	int (*domain_stop)(void *ctx, struct domain *d);
};

#endif
