/*
 * Event-channel guest tests: one program, roles from bootargs "role=NAME",
 * run by the multi-domain driver (tests/guest/evtchn.c) on both
 * transports. Every check is on state the ABI defines (pending, mask and
 * selector bits, port status, return codes), never on how long anything
 * took, except that a timed-out wait must not come back early.
 *
 *   ping, pong    two domains: ping allocates a channel for pong, pong
 *                 binds it (its new port must be pending), then
 *                 EVT_ROUNDS round trips; ping takes pongs through its
 *                 handler (upcalls) and sleeps in SCHEDOP_poll and
 *                 SCHEDOP_block by turns, pong waits for pings without a
 *                 handler (SCHEDOP_poll, pending bit consumed by the
 *                 program)
 *   mask          loopback channel: a masked port raises no upcall (no
 *                 selector bit, no upcall_pending) but is pending and
 *                 wakes a poller; clearing the mask in memory raises
 *                 nothing; EVTCHNOP_unmask re-raises it once
 *   close         loopback channel: closing a pending port clears its
 *                 pending bit (not its mask bit), the peer goes back to
 *                 unbound accepting the closer, sends on it are dropped
 *                 with rc 0, the closed port is refused, and the lowest
 *                 free port is handed out again; a per-vCPU VIRQ binds
 *                 once, reports itself, refuses sends, closes
 *   vcpuinfo      VCPUOP_register_vcpu_info: bad places refused, then the
 *                 move with its one upcall, events marking the new place
 *                 only, a second registration refused
 *   death-a, death-b  phase 0: a channel between the two; the driver then
 *                 destroys death-a; phase 1: death-b finds its port
 *                 unbound (accepting the dead domain's id), its sends
 *                 dropped with rc 0, the dead domain gone (-ESRCH)
 *   timeout       waits that time out (never early) and ones that do not,
 *                 SCHEDOP_poll's argument checks
 */
#include <libfdt.h>
#include <string.h>

#include <public/errno.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/test.h>
#include <xen/evtchn.h>
#include <xen/unpopulated.h>

#include "evt.h"

const char test_title[] = "event channels";


static bool init(void)
{
	int rc = xen_unpopulated_init(rt_dt());

	if (rc) {
		rt_test_error("no unpopulated allocator (%d)", rc);
		return false;
	}
	rc = xevtchn_init(0);
	if (rc) {
		rt_test_error("xevtchn_init: %d", rc);
		return false;
	}
	rt_irq_enable();
	return true;
}

static long poll_raw(const evtchn_port_t *ports, unsigned int nr, uint64_t timeout)
{
	struct sched_poll sp = {.nr_ports = nr, .timeout = timeout};

	set_xen_guest_handle(sp.ports, rt_handle(ports));
	return HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
}

/* The peer's channel may not exist yet: retry while the port is invalid. */
static int bind_retry(domid_t remote, evtchn_port_t rport, evtchn_port_t *local)
{
	uint64_t end = xevtchn_now() + EVT_WAIT_NS;

	for (;;) {
		int rc = xevtchn_bind_interdomain(remote, rport, local);

		if (rc != -XEN_EINVAL || xevtchn_now() > end)
			return rc;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

/* A loopback channel: *a unbound for ourselves, *b bound to it (its bind
 * pending consumed). */
static bool loopback(evtchn_port_t *a, evtchn_port_t *b)
{
	int rc = xevtchn_alloc_unbound(DOMID_SELF, a);

	rt_check_eq(rc, 0, "alloc_unbound for ourselves");
	if (rc)
		return false;
	rc = xevtchn_bind_interdomain(DOMID_SELF, *a, b);
	rt_check_eq(rc, 0, "bind_interdomain to our own port %u", *a);
	if (rc)
		return false;
	rt_check(*a != *b, "both ends got port %u", *a);
	rt_check(xevtchn_test_and_clear(*b), "bind_interdomain left the new port %u not pending",
		 *b);
	rt_check(!xevtchn_is_pending(*a), "the remote end %u became pending at bind", *a);
	return true;
}

/* ----- handler counting ----- */

struct counter {
	volatile uint64_t n;
	uint64_t want;
};

static void count_event(evtchn_port_t port, void *ctx)
{
	struct counter *c = ctx;

	(void)port;
	__atomic_fetch_add(&c->n, 1, __ATOMIC_SEQ_CST);
}

static bool counted(void *ctx)
{
	struct counter *c = ctx;

	return __atomic_load_n(&c->n, __ATOMIC_SEQ_CST) >= c->want;
}

static uint64_t count_of(struct counter *c)
{
	return __atomic_load_n(&c->n, __ATOMIC_SEQ_CST);
}

/* Waits until c has seen want events on port. */
static int wait_count(evtchn_port_t port, struct counter *c, uint64_t want)
{
	c->want = want;
	return xevtchn_wait(&port, 1, counted, c, EVT_WAIT_NS);
}

/* ----- ping-pong ----- */

static uint64_t get_param(uint32_t index)
{
	struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
	long rc = rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, rt_handle(&p), 0, 0, 0);

	return rc ? (uint64_t)rc : p.value;
}

static void ping(void)
{
	static RT_TLS struct counter pongs;
	struct evtchn_status st;
	evtchn_port_t p;
	int rc;

	if (!init())
		return;
	rt_check_eq(xevtchn_alloc_unbound(EVT_PONG, &p), 0, "alloc_unbound for d%u", EVT_PONG);
	rt_check_eq(p, EVT_FIRST_PORT, "first port");
	rt_check_eq(xevtchn_set_handler(p, count_event, (void *)&pongs), 0, "set_handler");
	/* pong says hello once bound. */
	rc = wait_count(p, &pongs, 1);
	rt_check_eq(rc, 0, "wait for pong's hello");
	if (rc)
		return;
	rt_check_eq(xevtchn_status(DOMID_SELF, p, &st), 0, "status of the bound port");
	rt_check_eq(st.status, EVTCHNSTAT_interdomain, "status after pong bound");
	rt_check_eq(st.u.interdomain.dom, EVT_PONG, "peer domain");
	rt_check_eq(st.u.interdomain.port, EVT_FIRST_PORT, "peer port");
	rt_check_eq(get_param(HVM_PARAM_CALLBACK_IRQ), HVM_CALLBACK_VECTOR(rt_irq_upcall_vector()),
	       "HVM_PARAM_CALLBACK_IRQ after xevtchn_init");
	for (uint64_t i = 1; i <= EVT_ROUNDS; i++) {
		rt_check_eq(xevtchn_send(p), 0, "send ping %lu", (unsigned long)i);
		/* Odd rounds sleep in SCHEDOP_poll, even ones in SCHEDOP_block. */
		if (i % 2) {
			rc = wait_count(p, &pongs, i + 1);
		} else {
			pongs.want = i + 1;
			rc = xevtchn_block(counted, (void *)&pongs);
		}
		if (rc) {
			rt_test_fail("no pong %lu: %d (%lu events)", (unsigned long)i, rc,
				     (unsigned long)count_of(&pongs));
			return;
		}
	}
	rt_check_eq(count_of(&pongs), EVT_ROUNDS + 1, "events taken by the handler");
	rt_check_eq(xevtchn()->port[p].count, EVT_ROUNDS + 1, "handler calls recorded for the port");
	rt_check(xevtchn()->upcalls >= 1, "no upcall ran");
	rt_printf("ping: %u round trips, %lu upcalls\n", EVT_ROUNDS,
		  (unsigned long)xevtchn()->upcalls);
}

static void pong(void)
{
	evtchn_port_t p;
	int rc;

	if (!init())
		return;
	rc = bind_retry(EVT_PING, EVT_FIRST_PORT, &p);
	rt_check_eq(rc, 0, "bind_interdomain to ping's port");
	if (rc)
		return;
	rt_check_eq(p, EVT_FIRST_PORT, "first port");
	/* Xen sets the binder's new port pending (sends made before the bind). */
	rt_check(xevtchn_test_and_clear(p), "the new port is not pending after bind");
	rt_check_eq(xevtchn_send(p), 0, "hello");
	for (unsigned int i = 1; i <= EVT_ROUNDS; i++) {
		rc = xevtchn_wait_port(p, EVT_WAIT_NS);
		if (rc) {
			rt_test_fail("no ping %u: %d", i, rc);
			return;
		}
		rt_check_eq(xevtchn_send(p), 0, "send pong %u", i);
	}
	/* Without a handler the scan left every ping to the program. */
	rt_check_eq(xevtchn()->handled, 0, "handler calls without handlers");
}

/* ----- masking ----- */

static bool upcall_marked(evtchn_port_t port)
{
	const struct vcpu_info *v = xevtchn()->vcpu;

	return __atomic_load_n(&v->evtchn_upcall_pending, __ATOMIC_SEQ_CST) ||
	       (__atomic_load_n(&v->evtchn_pending_sel, __ATOMIC_SEQ_CST) & (1ULL << (port / 64)));
}

static void mask_test(void)
{
	static RT_TLS struct counter seen;
	struct shared_info *s;
	evtchn_port_t a, b;
	uint64_t mbit;

	if (!init() || !loopback(&a, &b))
		return;
	s = xevtchn()->shared;
	mbit = 1ULL << (a % 64);
	rt_check_eq(xevtchn_set_handler(a, count_event, (void *)&seen), 0, "set_handler");
	/* Unmasked: the send raises an upcall and the handler takes it. */
	rt_check_eq(xevtchn_send(b), 0, "send");
	rt_check_eq(wait_count(a, &seen, 1), 0, "upcall for an unmasked port");
	rt_check(!xevtchn_is_pending(a), "port still pending after its handler ran");

	/* Masked: pending, but no selector bit, no upcall. */
	xevtchn_mask(a);
	rt_irq_disable();
	rt_check_eq(xevtchn_send(b), 0, "send to a masked port");
	rt_check(xevtchn_is_pending(a), "masked port not pending after a send");
	rt_check(!upcall_marked(a), "a masked port marked the vCPU for an upcall");
	rt_irq_enable();
	rt_check_eq(count_of(&seen), 1, "handler ran for a masked port");
	/* A poller is woken even for a masked port (here: returns at once). */
	{
		evtchn_port_t *one = rt_alloc_pages(1);

		one[0] = a;
		rt_check_eq(poll_raw(one, 1, xevtchn_now() + EVT_WAIT_NS), 0, "poll of a pending masked port");
		rt_free_pages(one, 1);
	}
	rt_check(xevtchn_is_pending(a), "poll consumed the pending bit");
	rt_check_eq(count_of(&seen), 1, "handler ran for a masked port after poll");

	/* Clearing the mask in memory raises nothing: the guest must look. */
	rt_irq_disable();
	__atomic_fetch_and(&s->evtchn_mask[a / 64], ~mbit, __ATOMIC_SEQ_CST);
	rt_check(!upcall_marked(a), "clearing the mask in memory marked the vCPU");
	__atomic_fetch_or(&s->evtchn_mask[a / 64], mbit, __ATOMIC_SEQ_CST);
	rt_irq_enable();
	rt_check_eq(count_of(&seen), 1, "handler ran after an in-memory unmask");

	/* A second send while masked: still one pending event. */
	rt_check_eq(xevtchn_send(b), 0, "second send to the masked port");
	rt_check_eq(count_of(&seen), 1, "handler ran for a masked port");
	/* EVTCHNOP_unmask re-raises it (selector and upcall marked, seen here
	 * with interrupts off): exactly one more handler call. */
	rt_irq_disable();
	rt_check_eq(xevtchn_unmask(a), 0, "EVTCHNOP_unmask");
	rt_check(!xevtchn_is_masked(a), "EVTCHNOP_unmask left the mask bit set");
	rt_check(upcall_marked(a), "EVTCHNOP_unmask did not re-raise the pending event");
	rt_irq_enable();
	rt_check_eq(wait_count(a, &seen, 2), 0, "upcall re-raised by EVTCHNOP_unmask");
	rt_check(!xevtchn_is_pending(a), "port pending after the re-raised upcall");
	rt_check_eq(count_of(&seen), 2, "handler calls after unmask");
	/* Unmasking what is not pending raises nothing. */
	rt_check_eq(xevtchn_unmask(a), 0, "EVTCHNOP_unmask of an unmasked port");
	rt_irq_disable();
	rt_check(!upcall_marked(a), "unmask of an idle port marked the vCPU");
	rt_irq_enable();
	/* Bad ports. */
	rt_check_eq(xevtchn_unmask(XEVTCHN_NR_PORTS), -XEN_EINVAL, "unmask of port 4096");
	rt_check_eq(xevtchn_unmask(0xffffffffu), -XEN_EINVAL, "unmask of port 2^32-1");
	rt_check_eq(xevtchn_close(a), 0, "close");
	rt_check_eq(xevtchn_close(b), 0, "close");
}

/* ----- vcpu_info moved out of shared_info ----- */

static void vcpuinfo_test(void)
{
	static RT_TLS struct counter seen;
	uint8_t *page = rt_alloc_pages(1);
	uint64_t gpa = rt_virt_to_phys(page) + 128;
	const struct vcpu_info *old, *vi;
	uint64_t upcalls;
	evtchn_port_t a, b;
	int rc;

	if (!page || !init() || !loopback(&a, &b))
		return;
	old = xevtchn()->vcpu;
	/* Refused places first (a refusal is not the one registration). */
	rt_check_eq(xevtchn_register_vcpu_info(gpa + 4), -XEN_ENXIO, "vcpu_info not 8-aligned");
	rt_check_eq(xevtchn_register_vcpu_info(rt_virt_to_phys(page) + 4096 - 32), -XEN_ENXIO,
	       "vcpu_info crossing a page");
	rt_check(xevtchn_register_vcpu_info(0x1000) < 0, "vcpu_info at a gfn that is not RAM");
	rt_check_eq(xevtchn_set_handler(a, count_event, (void *)&seen), 0, "set_handler");
	upcalls = xevtchn()->upcalls;
	rt_irq_disable();
	rc = xevtchn_register_vcpu_info(gpa);
	rt_check_eq(rc, 0, "VCPUOP_register_vcpu_info");
	vi = xevtchn()->vcpu;
	rt_check(vi == (const void *)(page + 128), "the library did not switch to the new place");
	/* Xen marks every selector bit and the vCPU: one spurious upcall. */
	rt_check(__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST) == 1 &&
			 __atomic_load_n(&vi->evtchn_pending_sel, __ATOMIC_SEQ_CST) == ~0ULL,
		 "no upcall marked at registration (pending %u, sel %#lx)",
		 vi->evtchn_upcall_pending, (unsigned long)vi->evtchn_pending_sel);
	rt_irq_enable();
	rt_check(xevtchn()->upcalls > upcalls, "the registration's upcall did not run");
	if (rc)
		return;
	/* Events now mark the new place, not the old slot. */
	rt_irq_disable();
	rt_check_eq(xevtchn_send(b), 0, "send");
	rt_check(__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST),
		 "the event did not mark the registered vcpu_info");
	rt_check(!__atomic_load_n(&old->evtchn_upcall_pending, __ATOMIC_SEQ_CST),
		 "the event marked the old slot in shared_info");
	rt_irq_enable();
	rt_check_eq(wait_count(a, &seen, 1), 0, "upcall through the registered vcpu_info");
	rc = xevtchn_register_vcpu_info(gpa + 64);
	rt_check(rc == -XEN_EBUSY || rc == -XEN_EINVAL,
		 "second registration: %d (Xen: -EBUSY from 4.18, -EINVAL before)", rc);
	rt_check_eq(xevtchn()->vcpu, (long)vi, "a refused registration moved the library");
	rt_check_eq(xevtchn_close(a), 0, "close");
	rt_check_eq(xevtchn_close(b), 0, "close");
}

/* ----- close while pending ----- */

static void close_test(void)
{
	struct evtchn_status st;
	evtchn_port_t a, b, c;

	if (!init() || !loopback(&a, &b))
		return;
	/* No handler and masked: the event stays pending. */
	xevtchn_mask(a);
	rt_check_eq(xevtchn_send(b), 0, "send");
	rt_check(xevtchn_is_pending(a), "port not pending after a send");
	rt_check_eq(xevtchn_close(a), 0, "close of a pending port");
	rt_check(!xevtchn_is_pending(a), "closing left the port pending");
	rt_check(xevtchn_is_masked(a), "closing cleared the guest's mask bit");
	rt_check_eq(xevtchn_status(DOMID_SELF, a, &st), 0, "status of the closed port");
	rt_check_eq(st.status, EVTCHNSTAT_closed, "closed port's status");
	/* The peer: unbound again, accepting the closer (ourselves); not
	 * notified; sends dropped. */
	rt_check(!xevtchn_is_pending(b), "the peer was notified of the close");
	rt_check_eq(xevtchn_status(DOMID_SELF, b, &st), 0, "status of the peer");
	rt_check_eq(st.status, EVTCHNSTAT_unbound, "peer's status after the close");
	rt_check_eq(st.u.unbound.dom, EVT_PING, "peer accepts the closer");
	rt_check_eq(xevtchn_send(b), 0, "send on the now unbound peer");
	rt_check(!xevtchn_is_pending(a) && !xevtchn_is_pending(b), "a dropped send set a port pending");
	/* The closed port is refused. */
	rt_check_eq(xevtchn_send(a), -XEN_EINVAL, "send on the closed port");
	rt_check_eq(xevtchn_close(a), -XEN_EINVAL, "second close");
	rt_check_eq(xevtchn_close(0), -XEN_EINVAL, "close of port 0");
	rt_check_eq(xevtchn_status(DOMID_SELF, 0, &st), 0, "status of port 0");
	rt_check_eq(st.status, EVTCHNSTAT_closed, "port 0 is closed");
	/* Lowest free port again, mask bit as we left it. */
	rt_check_eq(xevtchn_alloc_unbound(DOMID_SELF, &c), 0, "alloc_unbound after the close");
	rt_check_eq(c, a, "the lowest free port");
	rt_check(xevtchn_is_masked(c), "the reused port lost its mask bit");
	rt_check_eq(xevtchn_unmask(c), 0, "unmask the reused port");
	rt_check_eq(xevtchn_close(c), 0, "close");
	/* Re-bind to the peer, which now accepts us again: new port pending. */
	rt_check_eq(xevtchn_bind_interdomain(DOMID_SELF, b, &c), 0, "re-bind to the unbound peer");
	rt_check(xevtchn_test_and_clear(c), "re-bound port not pending");
	rt_check_eq(xevtchn_send(b), 0, "send after the re-bind");
	rt_check(xevtchn_test_and_clear(c), "event lost after the re-bind");
	rt_check_eq(xevtchn_close(b), 0, "close");
	rt_check_eq(xevtchn_close(c), 0, "close");

	/* A per-vCPU VIRQ: bound once per vCPU, its status names it, closed
	 * like any port, then bindable again. */
	rt_check_eq(xevtchn_bind_virq(VIRQ_DEBUG, 0, &c), 0, "bind_virq(VIRQ_DEBUG)");
	rt_check_eq(xevtchn_bind_virq(VIRQ_DEBUG, 0, &b), -XEN_EEXIST, "second bind_virq(VIRQ_DEBUG)");
	rt_check_eq(xevtchn_status(DOMID_SELF, c, &st), 0, "status of the VIRQ port");
	rt_check_eq(st.status, EVTCHNSTAT_virq, "VIRQ port's status");
	rt_check_eq(st.u.virq, VIRQ_DEBUG, "VIRQ port's VIRQ");
	rt_check_eq(xevtchn_send(c), -XEN_EINVAL, "send on a VIRQ port");
	rt_check_eq(xevtchn_close(c), 0, "close the VIRQ port");
	rt_check_eq(xevtchn_bind_virq(VIRQ_DEBUG, 0, &c), 0, "bind_virq(VIRQ_DEBUG) after the close");
	rt_check_eq(xevtchn_close(c), 0, "close the VIRQ port");
}

/* ----- peer death ----- */

static void death_a(void)
{
	evtchn_port_t p;

	if (!init())
		return;
	rt_check_eq(xevtchn_alloc_unbound(EVT_PONG, &p), 0, "alloc_unbound for d%u", EVT_PONG);
	rt_check_eq(xevtchn_wait_port(p, EVT_WAIT_NS), 0, "hello from d%u", EVT_PONG);
}

static void death_b(void)
{
	struct evtchn_status st;
	evtchn_port_t p = EVT_FIRST_PORT;

	if (strstr(rt_bootargs(), "phase=1")) {
		/* The peer was destroyed: its end closed as by a close. */
		rt_check_eq(xevtchn_status(DOMID_SELF, p, &st), 0, "status after the peer died");
		rt_check_eq(st.status, EVTCHNSTAT_unbound, "port after the peer died");
		rt_check_eq(st.u.unbound.dom, EVT_PING, "port accepts the dead peer's id");
		rt_check_eq(xevtchn_send(p), 0, "send to the dead peer");
		rt_check_eq(xevtchn_bind_interdomain(EVT_PING, EVT_FIRST_PORT, &p), -XEN_ESRCH,
		       "bind to the dead domain");
		rt_check_eq(xevtchn_close(EVT_FIRST_PORT), 0, "close");
		return;
	}
	if (!init())
		return;
	rt_check_eq(bind_retry(EVT_PING, EVT_FIRST_PORT, &p), 0, "bind to d%u", EVT_PING);
	rt_check_eq(p, EVT_FIRST_PORT, "first port");
	rt_check_eq(xevtchn_send(p), 0, "hello");
	rt_check_eq(xevtchn_status(DOMID_SELF, p, &st), 0, "status");
	rt_check_eq(st.status, EVTCHNSTAT_interdomain, "bound port");
}

/* ----- waiting with a timeout ----- */

static void timeout_test(void)
{
	evtchn_port_t a, b, *list = rt_alloc_pages(1);
	uint64_t t0, t1;
	const uint64_t T = 50000000ULL; /* 50 ms */

	if (!list || !init() || !loopback(&a, &b))
		return;
	/* Nobody sends on a: the wait times out, not before its deadline. */
	t0 = xevtchn_now();
	rt_check(t0 != 0, "HVMOP_get_time gave 0");
	rt_check_eq(xevtchn_wait_port(a, T), -XEN_ETIMEDOUT, "wait on a silent port");
	t1 = xevtchn_now();
	rt_check(t1 >= t0 + T, "the wait returned %lu ns early", (unsigned long)(t0 + T - t1));
	/* SCHEDOP_poll itself: a deadline in the past returns; 0 = none. */
	list[0] = a;
	rt_check_eq(poll_raw(list, 1, t1 - 1), 0, "poll with a past deadline");
	rt_check(!xevtchn_is_pending(a), "nothing should be pending");
	/* An event before the wait and one while waiting are both taken. */
	rt_check_eq(xevtchn_send(b), 0, "send");
	rt_check_eq(xevtchn_wait_port(a, EVT_WAIT_NS), 0, "wait on a pending port");
	rt_check(!xevtchn_is_pending(a), "the wait did not consume the event");
	rt_check_eq(xevtchn_send(a), 0, "send the other way");
	rt_check_eq(xevtchn_wait_port(b, 0), 0, "wait without a limit on a pending port");
	/* Poll's own checks. */
	list[0] = XEVTCHN_NR_PORTS;
	rt_check_eq(poll_raw(list, 1, 0), -XEN_EINVAL, "poll of port 4096");
	list[0] = a;
	rt_check_eq(poll_raw(list, 129, t1 + T), -XEN_EINVAL, "poll of 129 ports");
	rt_check_eq(poll_raw((evtchn_port_t *)0x7ffffffff000ULL, 1, t1 + T), -XEN_EFAULT,
	       "poll with an unmapped port list");
	rt_check_eq(xevtchn_close(a), 0, "close");
	rt_check_eq(xevtchn_close(b), 0, "close");
	rt_free_pages(list, 1);
}

void test_main(void)
{
	const char *r = rt_bootarg("role");

	rt_printf("role: %s\n", r);
	if (rt_bootarg_is(r, "ping"))
		ping();
	else if (rt_bootarg_is(r, "pong"))
		pong();
	else if (rt_bootarg_is(r, "mask"))
		mask_test();
	else if (rt_bootarg_is(r, "close"))
		close_test();
	else if (rt_bootarg_is(r, "vcpuinfo"))
		vcpuinfo_test();
	else if (rt_bootarg_is(r, "death-a"))
		death_a();
	else if (rt_bootarg_is(r, "death-b"))
		death_b();
	else if (rt_bootarg_is(r, "timeout"))
		timeout_test();
	else
		rt_test_error("unknown role \"%s\"", r);
}
