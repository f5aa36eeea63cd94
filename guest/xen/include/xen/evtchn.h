/*
 * Event channels from the guest side: the 2-level ABI on shared_info.
 *
 * Set-up (xevtchn_init): the shared_info page is placed at a GFN from the
 * unpopulated-page allocator (XENMEM_add_to_physmap, XENMAPSPACE_shared_info,
 * idx 0), so it costs no RAM where extended regions exist; the upcall is
 * requested as Xen's vector callback (HVM_PARAM_CALLBACK_IRQ, type 2, the
 * vector rt_irq_upcall_vector() names) and the runtime's interrupt entry
 * calls the scan below. vCPU 0 uses its slot inside shared_info (every
 * domain here has one vCPU; slots 0..31 need no VCPUOP_register_vcpu_info)
 * unless the program moves it (xevtchn_register_vcpu_info).
 *
 * The upcall (Xen's consumption order, xen-facts-devices 1.3): clear
 * evtchn_upcall_pending, exchange evtchn_pending_sel with 0, and for each
 * selected word take pending & ~mask; a port WITH a handler has its pending
 * bit cleared and then its handler called; a port WITHOUT a handler keeps
 * its pending bit, for the program to test and clear (a polled port). The
 * scan repeats while the hypervisor marked more during it.
 *
 * Masking: xevtchn_mask() sets the guest-owned mask bit; xevtchn_unmask()
 * uses EVTCHNOP_unmask, which re-raises an event that became pending while
 * masked (clearing the bit in memory would not).
 *
 * Waiting, without losing a wake-up: the condition is checked with the
 * runtime's interrupts off, and the vCPU then sleeps in the hypervisor in
 * a way that returns at once for an event that arrived after the check.
 * Two ways, both ending with interrupts on so that handlers run, then
 * checking again:
 * - xevtchn_block: SCHEDOP_block. The runtime's "off" is a flag, not
 *   RFLAGS.IF (rt/irq.h): an upcall that arrives after the check is taken
 *   and deferred, so evtchn_upcall_pending stays set (only the scan clears
 *   it), and block returns at once while it is set (Xen: a pending
 *   callback vector with IF=1; memvisor: always). Needs xevtchn_init
 *   (without a callback nothing ends the block) and unmasked ports.
 * - xevtchn_wait / xevtchn_wait_port: SCHEDOP_poll on the ports that
 *   will signal the condition, with a timeout. With interrupts off no
 *   handler clears a pending bit after the check, and poll returns at once
 *   for a listed pending port, masked or not, so this also works for
 *   masked ports and without a callback. A port waited on must either have
 *   a handler (the wait runs it for a port found pending) or be cleared by
 *   the condition itself (xevtchn_test_and_clear), else the wait spins.
 * A guest running with the hardware IF=0 around SCHEDOP_block would lose
 * wake-ups on Xen (its HVM check honours IF); the runtime never does that.
 *
 * Errors are the hypervisor's negative Xen errnos, passed through.
 */
#ifndef XEN_EVTCHN_H
#define XEN_EVTCHN_H

#include <public/event_channel.h>
#include <public/xen.h>
#include <rt/rt.h>

/* Ports of the 2-level ABI for a 64-bit guest: 64 words of 64 bits. */
#define XEVTCHN_NR_PORTS 4096u
#define XEVTCHN_WAIT_MAX_PORTS 128u /* SCHEDOP_poll's limit */

typedef void (*xevtchn_handler_t)(evtchn_port_t port, void *ctx);

struct xevtchn_port_info {
	xevtchn_handler_t fn;
	void *ctx;
	uint64_t count; /* times the scan called fn for this port */
};

struct xevtchn {
	bool ready;
	struct shared_info *shared; /* the mapped shared_info page */
	struct vcpu_info *vcpu;	    /* vCPU 0's vcpu_info (in shared_info or registered) */
	xen_pfn_t shared_gfn;
	unsigned int vector;	    /* the callback vector registered */
	struct xevtchn_port_info *port; /* XEVTCHN_NR_PORTS entries */
	uint64_t upcalls;	    /* scans run (from the interrupt or by hand) */
	uint64_t handled;	    /* handler calls in total */
};

/*
 * Maps shared_info, registers the callback vector and installs the
 * interrupt handler; interrupts are left as they were (the caller enables
 * them with rt_irq_enable()). Needs the unpopulated allocator
 * (xen_unpopulated_init) when a GFN is not given: gfn 0 = take one from
 * it. 0 or a negative errno. Idempotent.
 */
int xevtchn_init(xen_pfn_t gfn);
struct xevtchn *xevtchn(void);

/*
 * Optional: moves vCPU 0's vcpu_info out of shared_info to guest-physical
 * gpa (RAM, 8-aligned, not crossing a page) with VCPUOP_register_vcpu_info
 * (needed on Xen only for vCPUs >= 32). One-shot, as on Xen (a second call
 * fails: -EBUSY from 4.18, -EINVAL before), and followed by one possibly
 * spurious upcall (the hypervisor sets every selector bit). 0 or -errno.
 */
int xevtchn_register_vcpu_info(uint64_t gpa);

/* Sub-ops. Results through the pointers; 0 or a negative errno. */
int xevtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
int xevtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *local);
int xevtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
int xevtchn_send(evtchn_port_t port);
/* Closes the port and forgets its handler. */
int xevtchn_close(evtchn_port_t port);
/* dom may be DOMID_SELF; st->status etc. filled on success. */
int xevtchn_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st);

/* Guest-side bits of shared_info (ports >= XEVTCHN_NR_PORTS are ignored). */
void xevtchn_mask(evtchn_port_t port);
/* EVTCHNOP_unmask: an event pending while masked is raised now. */
int xevtchn_unmask(evtchn_port_t port);
bool xevtchn_is_pending(evtchn_port_t port);
bool xevtchn_is_masked(evtchn_port_t port);
/* Atomically clears the pending bit; returns whether it was set. */
bool xevtchn_test_and_clear(evtchn_port_t port);

/*
 * The handler the scan calls for port (NULL: none, the port's pending bit
 * is left for the program). Takes effect at once; 0, or -XEN_EINVAL for a
 * port out of range.
 */
int xevtchn_set_handler(evtchn_port_t port, xevtchn_handler_t fn, void *ctx);

/* The upcall body (the interrupt handler calls it with interrupts off);
 * callers may run it too, with interrupts off. */
void xevtchn_scan(void);

/* Xen system time in ns (HVMOP_get_time), 0 when the call fails. */
uint64_t xevtchn_now(void);

/*
 * SCHEDOP_poll on ports with an absolute deadline (Xen system time, ns;
 * 0 = none). Returns 0 when woken (a listed port pending, or spurious),
 * -XEN_ETIMEDOUT when the deadline passed without a listed port pending,
 * or the call's error.
 */
int xevtchn_poll(const evtchn_port_t *ports, unsigned int nr, uint64_t deadline);

/*
 * Waits until done(ctx) is true (see "Waiting" above): 0, or -XEN_ETIMEDOUT
 * after timeout_ns (0 = no limit), or a poll error. done() runs with
 * interrupts off; interrupts are on when this returns.
 */
int xevtchn_wait(const evtchn_port_t *ports, unsigned int nr, bool (*done)(void *ctx),
		 void *ctx, uint64_t timeout_ns);

/*
 * Waits until done(ctx) is true, sleeping in SCHEDOP_block (see "Waiting"
 * above): 0, or the call's error. done() runs with interrupts off;
 * interrupts are on when this returns. No timeout: use xevtchn_wait.
 */
int xevtchn_block(bool (*done)(void *ctx), void *ctx);

/*
 * Waits for one event on port, consuming it: returns 0 once the port's
 * pending bit was found set (and cleared), -XEN_ETIMEDOUT after timeout_ns
 * (0 = no limit). For ports without a handler.
 */
int xevtchn_wait_port(evtchn_port_t port, uint64_t timeout_ns);

#endif
