/*
 * Event channels, upcalls, shared_info/vcpu_info, blocking and system time
 * (hv/event/; issue 14, docs/abi.md, the contract in EVENTS.md).
 *
 * Two kinds of callers:
 *
 * 1. Transports (vmm/): the backend op vcpu_kick (backend.h) tells them
 *    that a vCPU has something to take; they then ask
 *    hv_vcpu_upcall_vector() which vector to inject. Blocking is done inside
 *    the hypercall (SCHEDOP_block/poll sleep with the hypervisor lock
 *    released); a transport that wants a sleeping vCPU back (stop, time
 *    limit) calls hv_vcpu_wake(); hv_vcpu_blocked() tells a report that
 *    the vCPU sleeps. These take the lock themselves and must not be
 *    called with it held; hv_system_time() needs no lock.
 *
 * 2. The rest of the core (called with the lock held): the domain
 *    lifecycle (dom/domain.c), the memory layer's XENMAPSPACE_shared_info
 *    (mm_hooks), the dispatcher's handlers, IOREQ's Xen-attached ports and
 *    waits, the audit.
 */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hv/hv.h>

struct hv;
struct hv_hcall;

/* ---- for transports (take the hypervisor lock; never call with it held) ---- */

/*
 * The vector to inject into vCPU `vcpu` of d now (>= 0x10), or -1.
 * Global vector (HVM_PARAM_CALLBACK_IRQ type 2): returned while the
 * vCPU's vcpu_info evtchn_upcall_pending is set (level-like: Xen injects it
 * again and again until the guest clears the flag). Per-vCPU vector
 * (HVMOP_set_evtchn_upcall_vector): returned once per 0->1 of
 * upcall_pending (edge; the call consumes it). -1 for a dying domain or a
 * vCPU it does not have.
 */
int hv_vcpu_upcall_vector(struct hv *hv, struct domain *d, unsigned int vcpu);

/*
 * Ends a SCHEDOP_block/SCHEDOP_poll that vCPU `vcpu` of d sleeps in (the
 * call returns 0; the guest re-checks, as after any Xen wake-up). For a
 * vCPU that is not sleeping it is remembered: its next block/poll returns
 * 0 at once (one spurious wake-up), so a stop that races with the guest
 * entering block is not lost. Domain destroy wakes every sleeper itself.
 */
void hv_vcpu_wake(struct hv *hv, struct domain *d, unsigned int vcpu);

/* Whether vCPU `vcpu` of d sleeps in SCHEDOP_block/poll right now (for
 * crash and time-limit reports: "the vCPU was blocked"). */
bool hv_vcpu_blocked(struct hv *hv, struct domain *d, unsigned int vcpu);

/* System time: nanoseconds of CLOCK_MONOTONIC since hv_init (HVMOP_get_time,
 * vcpu_time_info.system_time, SCHEDOP_poll's timeout). Lock not needed. */
uint64_t hv_system_time(const struct hv *hv);

/* ---- domain lifecycle (lock held) ---- */

/* Per-domain event state: port table, vCPUs' wake-up primitives. 0/-ENOMEM. */
int evtchn_domain_init(struct domain *d);
/* Destruction: closes every port (peers go back to unbound as on Xen),
 * drops the vcpu_info page references, wakes every sleeping vCPU. */
void evtchn_domain_destroy(struct domain *d);
/* Frees what init allocated (the domain is being freed). */
void evtchn_domain_free(struct domain *d);

/* ---- memory layer (lock held) ---- */

/* add_to_physmap, XENMAPSPACE_shared_info: places d's shared_info page at
 * gpfn (idx must be 0), moving it from where it was. 0 or -errno. */
int evtchn_map_shared_info(struct domain *d, uint64_t idx, uint64_t gpfn);

/* ---- hypercall handlers (lock held; return the guest's rax) ---- */

int64_t do_event_channel_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_hvm_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);
int64_t do_vcpu_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);
/* SCHEDOP_block / SCHEDOP_poll for the calling vCPU. They may sleep with
 * the lock released and return with it held again. */
int64_t evtchn_sched_block(struct hv *hv, struct domain *d, unsigned int vcpu);
int64_t evtchn_sched_poll(struct hv *hv, struct domain *d, unsigned int vcpu, uint64_t arg);
/* SCHEDOP_shutdown's effect (also the last vCPU going down): a running d
 * stops with `reason` (or the latched shutdown_code), Dom0 hears of it by
 * VIRQ_DOM_EXC. Nothing when d no longer runs. */
void evtchn_domain_shutdown(struct domain *d, unsigned int reason);
/* Sleeps while vCPU `vcpu` of d is down (see sched.c); 0 once it is up,
 * -1 when d stopped running or hv_vcpu_wake was called since the caller
 * read v->hv_wakes into `wakes`. Lock held; d kept allocated by the caller. */
int evtchn_vcpu_park(struct domain *d, unsigned int vcpu, uint64_t wakes);

/* ---- Xen-attached ports (IOREQ; lock held) ---- */

/*
 * Called, lock held, when the guest (or its peer) sends on a Xen-attached
 * port: must not block and must not take the lock.
 */
typedef void (*evtchn_xen_notify_t)(void *ctx, struct domain *d, uint32_t port);

/*
 * A new port of d whose consumer is the hypervisor, unbound and bindable by
 * remote_domid (DOMID_SELF = d itself); the binder's sends call notify(ctx,
 * d, port). The guest cannot close, send on or move it (-EINVAL). Returns
 * the port (> 0) or -ENOSPC / -ENOMEM / -EINVAL (d dying).
 */
int evtchn_alloc_xen_port(struct domain *d, domid_t remote_domid, evtchn_xen_notify_t notify,
			  void *ctx);
/* Sets the bound peer's port pending (dropped while still unbound, as Xen,
 * and once d's ports are gone with its destruction). */
void evtchn_xen_send(struct domain *d, uint32_t port);
/* Frees a Xen-attached port; its peer (if bound) returns to unbound. Only
 * the port's consumer may (an IOREQ server's ports belong to the server). */
void evtchn_free_xen_port(struct domain *d, uint32_t port);
/* Whether port is a live Xen-attached port of d whose consumer is notify. */
bool evtchn_xen_port_is(struct domain *d, uint32_t port, evtchn_xen_notify_t notify);

/* ---- device interrupt lines (IOREQ's set_irq_level; lock held) ---- */

/*
 * memvisor has no interrupt controller to emulate: a device model's
 * interrupt line (an Arm SPI number, 32 .. EVTCHN_NR_PIRQS - 1, from the
 * device tree) reaches the guest as an event on the port the guest bound to
 * it with EVTCHNOP_bind_pirq (pirq = the line), the way Xen's x86 HVM
 * guests take emulated interrupts as PIRQ events.
 */
#define EVTCHN_NR_PIRQS 256
/* Marks the port bound to line `pirq` of d pending; nothing when unbound. */
void evtchn_send_pirq(struct domain *d, unsigned int pirq);

/*
 * Waiting inside the hypervisor (IOREQ: a vCPU waits for its emulator).
 * evtchn_vcpu_wait sleeps once, with the lock released, until vCPU `vcpu`
 * of d is woken (evtchn_vcpu_wake, an event that wakes it, hv_vcpu_wake,
 * destruction) or system time reaches deadline (0: none); the caller
 * re-checks its condition and calls again. Returns 0, or -ETIMEDOUT, or
 * -ESRCH once d is dying. Lock held on entry and on return; only from a
 * hypercall of d (the dispatcher keeps d allocated meanwhile).
 */
int evtchn_vcpu_wait(struct domain *d, unsigned int vcpu, uint64_t deadline);
/* Wakes vCPU `vcpu` of d from evtchn_vcpu_wait or block/poll (lock held;
 * e.g. from a Xen-attached port's notifier). */
void evtchn_vcpu_wake(struct domain *d, unsigned int vcpu);

/* ---- raising VIRQs (lock held) ---- */

/* Per-vCPU VIRQ on d's vCPU (e.g. VIRQ_TIMER): pending if bound, else nothing. */
void evtchn_send_virq(struct domain *d, unsigned int virq, unsigned int vcpu);
/* Global VIRQ (e.g. VIRQ_DOM_EXC): to the domain that bound it, if any. */
void evtchn_send_global_virq(struct hv *hv, unsigned int virq);

/* ---- audit and introspection (lock held) ---- */

/*
 * Checks every port of every domain (states valid, interdomain peers
 * mutual, no port names a dead domain, VIRQ/IPI tables agree, vcpu_info
 * pages referenced) and adds the page references this subsystem holds to
 * refs (per pdx). Returns 0, or -1 with a message in buf.
 */
int evtchn_audit_refs(struct hv *hv, uint32_t *refs, char *buf, size_t len);
/* Hypervisor frames (PGC_xen) shared with domains as their shared_info. */
uint64_t evtchn_nr_shared_frames(const struct hv *hv);
/* Test hooks: d's port state as EVTCHNSTAT_*, -1 beyond the limit. */
int evtchn_port_state(const struct domain *d, uint32_t port);

#endif
