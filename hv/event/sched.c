/*
 * Delivery and blocking: the upcall a transport injects, SCHEDOP_block and
 * SCHEDOP_poll sleeping inside the hypercall, wake-ups.
 *
 * Design:
 * - Delivery: when a vCPU's vcpu_info evtchn_upcall_pending goes 0->1
 *   (evtchn_vcpu_mark_pending) and a vector callback is registered - the
 *   domain's HVM_PARAM_CALLBACK_IRQ of type 2 (vector, no EOI, injected
 *   again while the flag stays set) or the vCPU's own vector of
 *   HVMOP_set_evtchn_upcall_vector (edge: one injection per 0->1, latched
 *   in upcall_edge) - the transport's vcpu_kick op is called and the
 *   transport asks hv_vcpu_upcall_vector() what to inject. GSI and PCI
 *   INTx callbacks need an emulated interrupt controller that memvisor
 *   does not have: stored, never delivered (as Xen without one). A vector
 *   below 0x10 is stored but never injected (exception vectors).
 * - Blocking: SCHEDOP_block/poll decide under the lock, flush pending
 *   realization work, then wait on the vCPU's condition variable with the
 *   hypervisor lock released (pthread_cond_[timed]wait on hv->lock), so a
 *   blocked vCPU costs no host CPU. Every wake-up bumps the vCPU's
 *   wake_gen and broadcasts; the sleeper returns when wake_gen moved or the
 *   timeout passed. Wake-ups: an upcall becoming deliverable on the vCPU,
 *   a polled port becoming pending (even masked; with several ports any
 *   port of the domain, a spurious wake as on Xen), hv_vcpu_wake
 *   (transport stop), domain destruction. A guest re-checks its condition
 *   after every return, as on Xen. hv_vcpu_wake on a vCPU that is not
 *   asleep leaves wake_pending set: its next block/poll returns at once,
 *   so a transport's stop cannot be lost just before the guest blocks.
 * - evtchn_vcpu_wait is the same sleep for the hypervisor's own waits
 *   (IOREQ: a vCPU waiting for its emulator, woken by the notifier of a
 *   Xen-attached port through evtchn_vcpu_wake).
 * - "Local events need delivery" (block and poll return at once) = the
 *   vCPU's upcall_pending is set and a vector callback is registered.
 *   RFLAGS.IF is not visible here and is not consulted (Xen's HVM check
 *   honours it; a guest that blocks with interrupts off gets an earlier
 *   return, which the re-check rule makes harmless).
 *
 * - Down vCPUs (VCPUOP_down) park in evtchn_vcpu_park: the dispatcher
 *   parks a caller that is down when its call ends, and a transport parks
 *   a secondary vCPU's thread until its first VCPUOP_up
 *   (hv_vcpu_wait_up). VCPUOP_up wakes it.
 *
 * Invariants: v->sleeping <=> a thread waits on v->wake inside a
 * hypercall of d or parked (hv->lock released); poll_ports is non-NULL only while
 * that call is a poll. d is kept allocated by the dispatcher's hcall_pins
 * while it sleeps, even if destroyed meanwhile.
 *
 * Locking: all state with hv->lock held; hv_vcpu_wake and
 * hv_vcpu_upcall_vector take it. vcpu_kick is called with it held.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <hv/guest_access.h>
#include <hv/hcall.h>
#include <hv/realize.h>

#include "event_priv.h"

uint64_t hv_system_time(const struct hv *hv)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	return now > hv->boot_ns ? now - hv->boot_ns : 0;
}

int evtchn_vcpus_init(struct domain *d)
{
	pthread_condattr_t ca;
	int rc = 0;

	BUG_ON(!d->nr_vcpus || d->nr_vcpus > DOMAIN_MAX_VCPUS);
	if (pthread_condattr_init(&ca))
		return -ENOMEM;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (unsigned int i = 0; i < d->nr_vcpus && !rc; i++) {
		struct vcpu *v = &d->vcpu[i];

		v->id = i;
		v->vi_mfn = INVALID_MFN;
		/* vCPU 0 runs from the boot state; the others wait for
		 * VCPUOP_initialise and VCPUOP_up. */
		v->initialised = v->up = i == 0;
		if (pthread_cond_init(&v->wake, &ca))
			rc = -ENOMEM;
		else
			v->wake_init = true;
	}
	pthread_condattr_destroy(&ca);
	return rc;
}

void evtchn_vcpus_free(struct domain *d)
{
	for (unsigned int i = 0; i < DOMAIN_MAX_VCPUS; i++) {
		BUG_ON(d->vcpu[i].sleeping);
		if (d->vcpu[i].wake_init)
			pthread_cond_destroy(&d->vcpu[i].wake);
		d->vcpu[i].wake_init = false;
	}
}

void evtchn_wake_vcpu(struct vcpu *v)
{
	v->wake_gen++;
	if (v->sleeping)
		pthread_cond_broadcast(&v->wake);
}

/* The domain's global callback vector (HVM_PARAM_CALLBACK_IRQ type 2), or -1. */
static int callback_vector(const struct domain *d)
{
	uint64_t via = evd(d)->params[HVM_PARAM_CALLBACK_IRQ];
	unsigned int vec = (unsigned int)(via & HVM_PARAM_CALLBACK_VECTOR_MASK);

	if ((via >> HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) != HVM_PARAM_CALLBACK_TYPE_VECTOR ||
	    vec < 0x10)
		return -1;
	return (int)vec;
}

static bool upcall_pending(const struct domain *d, const struct vcpu *v)
{
	return __atomic_load_n(&evtchn_vcpu_info(d, v)->evtchn_upcall_pending, __ATOMIC_SEQ_CST);
}

bool evtchn_upcall_deliverable(const struct domain *d, const struct vcpu *v)
{
	return upcall_pending(d, v) && (v->upcall_vector >= 0x10 || callback_vector(d) >= 0);
}

void evtchn_kick_vcpu(struct domain *d, struct vcpu *v)
{
	const struct hv_backend_ops *be = d->hv->cfg.backend;

	if (be && be->vcpu_kick)
		be->vcpu_kick(d->hv->cfg.backend_ctx, d, v->id);
}

void evtchn_vcpu_mark_pending(struct domain *d, struct vcpu *v)
{
	struct vcpu_info *vi = evtchn_vcpu_info(d, v);

	if (__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
		return;
	if (v->upcall_vector >= 0x10)
		v->upcall_edge = true;
	if (evtchn_upcall_deliverable(d, v)) {
		evtchn_kick_vcpu(d, v);
		evtchn_wake_vcpu(v);
	}
}

/* A callback was just registered: an upcall already flagged is due now. */
void evtchn_vcpu_callback_changed(struct domain *d, struct vcpu *v)
{
	if (v->upcall_vector >= 0x10 && upcall_pending(d, v))
		v->upcall_edge = true;
	if (evtchn_upcall_deliverable(d, v)) {
		evtchn_kick_vcpu(d, v);
		evtchn_wake_vcpu(v);
	}
}

void evtchn_check_pollers(struct domain *d, uint32_t port)
{
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpu[i];

		if (!v->sleeping || !v->poll_ports)
			continue;
		if (v->nr_poll_ports > 1 || (v->nr_poll_ports == 1 && v->poll_ports[0] == port))
			evtchn_wake_vcpu(v);
	}
}

/* ------------------------------------------------------------------ */
/* For transports                                                      */

void hv_vcpu_wake(struct hv *hv, struct domain *d, unsigned int vcpu)
{
	hv_lock(hv);
	if (vcpu < d->nr_vcpus) {
		d->vcpu[vcpu].hv_wakes++;
		if (!d->vcpu[vcpu].sleeping)
			d->vcpu[vcpu].wake_pending = true;
		evtchn_wake_vcpu(&d->vcpu[vcpu]);
	}
	hv_unlock(hv);
}

void evtchn_vcpu_wake(struct domain *d, unsigned int vcpu)
{
	if (vcpu < d->nr_vcpus)
		evtchn_wake_vcpu(&d->vcpu[vcpu]);
}

bool hv_vcpu_blocked(struct hv *hv, struct domain *d, unsigned int vcpu)
{
	bool b;

	hv_lock(hv);
	b = vcpu < d->nr_vcpus && d->vcpu[vcpu].sleeping;
	hv_unlock(hv);
	return b;
}

int hv_vcpu_upcall_vector(struct hv *hv, struct domain *d, unsigned int vcpu)
{
	struct vcpu *v;
	int vec = -1;

	hv_lock(hv);
	if (d->state == DOMS_dying || !evd(d) || vcpu >= d->nr_vcpus)
		goto out;
	v = &d->vcpu[vcpu];
	if (v->upcall_edge) {
		v->upcall_edge = false;
		vec = v->upcall_vector;
	} else if (upcall_pending(d, v)) {
		vec = callback_vector(d);
	}
out:
	hv_unlock(hv);
	return vec;
}

/* ------------------------------------------------------------------ */
/* Sleeping                                                            */

/*
 * Sleeps (lock released) until v is woken or system time reaches
 * `deadline` (0: none). Called and returns with the lock held.
 */
static int vcpu_sleep(struct hv *hv, struct domain *d, struct vcpu *v, uint64_t deadline)
{
	struct hv_paging *pg = d->hcall_paging;
	uint64_t gen = v->wake_gen;
	struct timespec ts;
	int rc = 0;

	if (hv->cfg.max_sleep_ns) {
		uint64_t now = hv_system_time(hv), cap = now + hv->cfg.max_sleep_ns;

		if (!deadline || deadline > cap)
			deadline = cap;
		if (deadline <= now + 1)
			return 0; /* no sleep at all (the fuzzer's setting) */
	}
	if (deadline) {
		uint64_t abs = hv->boot_ns + deadline;

		if (abs < deadline) /* overflow: as good as never */
			deadline = 0;
		ts.tv_sec = (time_t)(abs / 1000000000ULL);
		ts.tv_nsec = (long)(abs % 1000000000ULL);
	}
	/* The guest sees every change of this call before it sleeps. */
	hv_realize_flush(hv);
	v->sleeping = true;
	while (v->wake_gen == gen && d->state != DOMS_dying) {
		if (!deadline) {
			hv_cond_wait(hv, &v->wake, NULL);
		} else if (hv_cond_wait(hv, &v->wake, &ts) == ETIMEDOUT) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	v->sleeping = false;
	/* Another vCPU's call may have used the domain's slot meanwhile. */
	d->hcall_paging = pg;
	if (d->state != DOMS_dying)
		evtchn_update_time(d, v);
	return rc;
}

/* A wake-up the transport sent while the vCPU was not sleeping. */
static bool take_wake_pending(struct vcpu *v)
{
	bool w = v->wake_pending;

	v->wake_pending = false;
	return w;
}

int evtchn_vcpu_wait(struct domain *d, unsigned int vcpu, uint64_t deadline)
{
	struct vcpu *v;

	BUG_ON(vcpu >= d->nr_vcpus || d->vcpu[vcpu].sleeping);
	v = &d->vcpu[vcpu];
	if (d->state == DOMS_dying)
		return -ESRCH;
	if (deadline && deadline <= hv_system_time(d->hv))
		return -ETIMEDOUT;
	if (take_wake_pending(v))
		return 0;
	return d->state == DOMS_dying ? -ESRCH : vcpu_sleep(d->hv, d, v, deadline);
}

int64_t evtchn_sched_block(struct hv *hv, struct domain *d, unsigned int vcpu)
{
	struct vcpu *v = &d->vcpu[vcpu];

	if (!evd(d))
		return 0;
	/* Re-enable delivery (x86: clear the PV-style upcall mask). */
	__atomic_store_n(&evtchn_vcpu_info(d, v)->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
	if (take_wake_pending(v) || evtchn_upcall_deliverable(d, v) || d->state != DOMS_running)
		return 0;
	vcpu_sleep(hv, d, v, 0);
	return 0;
}

int64_t evtchn_sched_poll(struct hv *hv, struct domain *d, unsigned int vcpu, uint64_t arg)
{
	struct vcpu *v = &d->vcpu[vcpu];
	uint32_t ports[SCHED_POLL_MAX_PORTS];
	struct sched_poll sp;

	if (copy_from_guest(d, &sp, arg, sizeof(sp)))
		return -EFAULT;
	if (sp.nr_ports > SCHED_POLL_MAX_PORTS)
		return -EINVAL;
	/* The whole array is checked before anything else, as Xen's
	 * guest_handle_okay. */
	if (sp.nr_ports && copy_from_guest(d, ports, sp.ports, sp.nr_ports * sizeof(ports[0])))
		return -EFAULT;
	if (!evd(d) || evtchn_upcall_deliverable(d, v) || d->state != DOMS_running)
		return 0;
	for (unsigned int i = 0; i < sp.nr_ports; i++) {
		/* Xen checks the limit, not the ports in use: a port never
		 * allocated below it is simply not pending. */
		if (ports[i] >= evd(d)->max_ports)
			return -EINVAL;
		if (evtchn_port_valid(d, ports[i]) && evtchn_is_pending(d, ports[i]))
			return 0;
	}
	if (sp.timeout && sp.timeout <= hv_system_time(hv))
		return 0; /* Xen's timer fires at once */
	if (take_wake_pending(v))
		return 0;
	v->poll_ports = ports;
	v->nr_poll_ports = sp.nr_ports;
	(void)vcpu_sleep(hv, d, v, sp.timeout);
	v->poll_ports = NULL;
	v->nr_poll_ports = 0;
	return 0;
}

/*
 * A vCPU that is down (VCPUOP_down) runs no guest code: its thread sleeps
 * here until VCPUOP_up, the domain stops running, or a transport's
 * hv_vcpu_wake (hv_wakes moves past `wakes`). 0 when up, -1 otherwise.
 * With max_sleep_ns set (the fuzzer) it never sleeps longer than that and
 * returns after one sleep.
 */
int evtchn_vcpu_park(struct domain *d, unsigned int vcpu, uint64_t wakes)
{
	struct vcpu *v;

	BUG_ON(vcpu >= d->nr_vcpus || d->vcpu[vcpu].sleeping);
	v = &d->vcpu[vcpu];
	for (;;) {
		if (v->up && d->state == DOMS_running)
			return 0;
		/* hv_vcpu_wake before the sleep (wake_pending) or since the
		 * caller's snapshot: the transport is stopping the vCPU */
		if (d->state != DOMS_running || v->hv_wakes != wakes || take_wake_pending(v))
			return -1;
		(void)vcpu_sleep(d->hv, d, v, 0);
		if (d->hv->cfg.max_sleep_ns)
			return v->up && d->state == DOMS_running ? 0 : -1;
	}
}
