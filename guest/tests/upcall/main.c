/*
 * Upcall delivery (issue 14, docs/events.md): the hypervisor raises the
 * vector this guest registered with HVM_PARAM_CALLBACK_IRQ, and the
 * runtime's interrupt entry (rt/irq.h) runs its handler, on both
 * transports. An event this domain sends to itself (an unbound port bound
 * loopback with bind_interdomain, then send) needs no second domain and no
 * IPI.
 *
 * Checked:
 * - while interrupts are off the handler does not run, but the arrival is
 *   recorded (the vector was raised at the send's return);
 * - rt_irq_enable() runs it at once, and it sees the port pending;
 * - with interrupts on, a send is handled before the send call returns to
 *   the program (the vector is raised at the hypercall's return);
 * - the global vector is raised again after a hypercall while the guest
 *   leaves evtchn_upcall_pending set (Xen's level behaviour);
 * - SCHEDOP_poll: returns at the timeout when the port stays idle, and at
 *   once when it is pending;
 * - a per-vCPU vector (HVMOP_set_evtchn_upcall_vector) is raised instead,
 *   once per event (edge), also when it arrives with interrupts off.
 * With "xenport=N" in bootargs (gtest --xen-sender: a host thread sends on
 * Xen-attached port N every few ms), events from outside the vCPU's thread:
 * - one reaches the vCPU while it runs guest code and makes no hypercall
 *   (KVM: kicked out of KVM_RUN; in-process: the thread is signalled);
 * - one wakes the vCPU from SCHEDOP_block (interrupts off around the
 *   check, as rt/irq.h says a waiter must).
 *
 * Written against the public ABI directly (no guest/xen library), so it
 * tests only the delivery path and the runtime's entry.
 */
#include <libfdt.h>
#include <string.h>

#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/test.h>

#include <public/errno.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/memory.h>

const char test_title[] = "upcall delivery: vector, handler, interrupts off, poll timeout";

static volatile struct shared_info *si;
static evtchn_port_t port_a, port_b;
static volatile unsigned long handled, seen_a, seen_x;
static evtchn_port_t port_x;
static volatile unsigned long handled2;

#define VCPU_VECTOR 0xf3 /* any vector other than the global one */

static void upcall(void *ctx);

static void upcall_vcpu(void *ctx)
{
	handled2++;
	upcall(ctx);
}
static volatile bool leave_pending;

static long evtchn_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_event_channel_op, cmd, rt_handle(arg), 0, 0, 0);
}

static long hvm_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_hvm_op, cmd, rt_handle(arg), 0, 0, 0);
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time t = {0}; /* stack: guest memory */
	long rc = hvm_op(HVMOP_get_time, &t);

	if (rc)
		rt_test_error("HVMOP_get_time: %ld", rc);
	return t.now;
}

/* Xen's 2-level scan, in Xen's order: upcall_pending, then the selector,
 * then each word's pending & ~mask, clearing each bit before handling. */
static void upcall(void *ctx)
{
	volatile struct vcpu_info *vi = &si->vcpu_info[0];
	xen_ulong_t sel;

	(void)ctx;
	handled++;
	if (leave_pending)
		return; /* the next hypercall's return must raise it again */
	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzll(sel);
		xen_ulong_t bits;

		sel &= sel - 1;
		bits = si->evtchn_pending[w] & ~si->evtchn_mask[w];
		while (bits) {
			unsigned int b = (unsigned int)__builtin_ctzll(bits);
			evtchn_port_t p = w * 64 + b;

			bits &= bits - 1;
			__atomic_fetch_and(&si->evtchn_pending[w], ~(1ULL << b), __ATOMIC_SEQ_CST);
			if (p == port_a)
				seen_a++;
			if (port_x && p == port_x)
				seen_x++;
		}
	}
}

static void send(evtchn_port_t p)
{
	struct evtchn_send s = {.port = p};
	long rc = evtchn_op(EVTCHNOP_send, &s);

	rt_check(rc == 0, "EVTCHNOP_send(%u) = %ld", p, rc);
}

static long poll_one(evtchn_port_t port, uint64_t timeout)
{
	evtchn_port_t *ports = rt_alloc_pages(1); /* guest memory in both builds */
	struct sched_poll p = {.nr_ports = 1, .timeout = timeout};
	long rc;

	ports[0] = port;
	set_xen_guest_handle(p.ports, rt_handle(ports));
	rc = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
	rt_free_pages(ports, 1);
	return rc;
}

/* false when the hypervisor has no event channels (skipped) */
static bool setup(void)
{
	xen_pfn_t *frame = rt_alloc_pages(1);
	void *page = rt_alloc_pages(1);
	struct xen_memory_reservation r = {.nr_extents = 1, .domid = DOMID_SELF};
	struct xen_add_to_physmap xatp = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info};
	struct xen_hvm_param hp = {.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ};
	struct evtchn_alloc_unbound au = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
	struct evtchn_bind_interdomain bi = {.remote_dom = DOMID_SELF};
	unsigned int vec = rt_irq_upcall_vector();
	long rc;

	if (!frame || !page) {
		rt_test_error("out of guest pages");
		return false;
	}
	/* shared_info goes where one of our RAM pages was (the identity map
	 * covers it on KVM) */
	*frame = rt_virt_to_phys(page) >> 12;
	set_xen_guest_handle(r.extent_start, rt_handle(frame));
	rc = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
	if (rc != 1) {
		rt_test_error("decrease_reservation: %ld", rc);
		return false;
	}
	xatp.gpfn = *frame;
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
	if (rc == -XEN_ENOSYS || rc == -XEN_EINVAL) {
		rt_test_skip("no shared_info in this hypervisor (add_to_physmap: %ld)", rc);
		return false;
	}
	if (rc) {
		rt_test_error("add_to_physmap(shared_info): %ld", rc);
		return false;
	}
	si = page;

	rt_check(vec >= 32 && vec < 256, "upcall vector %#x", vec);
	rt_check(rt_irq_set_handler(vec, upcall, NULL) == 0, "set_handler");
	rt_check(rt_irq_set_handler(5, upcall, NULL) == -1, "an exception vector is refused");
	hp.value = HVM_CALLBACK_VECTOR(vec);
	rc = hvm_op(HVMOP_set_param, &hp);
	if (rc == -XEN_ENOSYS) {
		rt_test_skip("no hvm_op in this hypervisor");
		return false;
	}
	rt_check(rc == 0, "HVMOP_set_param(CALLBACK_IRQ, vector %#x) = %ld", vec, rc);

	rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	rt_check(rc == 0, "alloc_unbound = %ld", rc);
	port_a = au.port;
	bi.remote_port = port_a;
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
	rt_check(rc == 0, "bind_interdomain(self, %u) = %ld", port_a, rc);
	port_b = bi.local_port;
	rt_printf("vector %#x, ports %u <-> %u\n", vec, port_a, port_b);
	return rc == 0;
}

static uint64_t bootarg(const char *key)
{
	const char *s = fdt_getprop(rt_dt(), fdt_path_offset(rt_dt(), "/chosen"), "bootargs",
				    NULL);
	const char *p = s ? strstr(s, key) : NULL;
	uint64_t v = 0;

	if (!p)
		return 0;
	for (p += strlen(key); *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Events sent by another host thread (gtest --xen-sender). */
static void from_outside(uint32_t xenport)
{
	struct evtchn_bind_interdomain bi = {.remote_dom = DOMID_SELF, .remote_port = xenport};
	unsigned long s0;
	uint64_t t0;
	long rc;

	rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
	rt_check(rc == 0, "bind_interdomain(self, Xen port %u) = %ld", xenport, rc);
	if (rc)
		return;
	port_x = bi.local_port;

	/* Spinning in guest code, no hypercall: only a kick can deliver.
	 * The bound is in TSC cycles (tens of seconds on any host): no
	 * hypercall may be made inside the loop. */
	s0 = seen_x;
	t0 = rdtsc();
	while (seen_x == s0 && rdtsc() - t0 < (1ULL << 36))
		__asm__ volatile("pause" ::: "memory");
	rt_check(seen_x > s0, "no event reached the vCPU while it ran guest code");

	/* Sleeping: SCHEDOP_block until the next one. */
	for (int i = 0; i < 3; i++) {
		s0 = seen_x;
		while (seen_x == s0) {
			rt_irq_disable();
			if (seen_x == s0)
				HYPERVISOR_sched_op(SCHEDOP_block, NULL);
			rt_irq_enable();
		}
	}
	rt_printf("events from another thread: %lu\n", seen_x);
}

void test_main(void)
{
	unsigned long h0, d0;
	uint64_t t0, t1;
	long rc;

	if (!setup())
		return;

	/* 1. Interrupts are off at start: recorded, not run. */
	d0 = rt_irq_deferred();
	send(port_b);
	rt_check(handled == 0, "the handler ran with interrupts off (%lu)", handled);
	rt_check(rt_irq_deferred() > d0, "no upcall arrived at the send's return");
	rt_check(si->vcpu_info[0].evtchn_upcall_pending, "upcall_pending not set");

	/* 2. Turning them on runs it, and it finds the port. */
	rt_irq_enable();
	rt_check(handled == 1, "rt_irq_enable ran the handler %lu times", handled);
	rt_check(seen_a == 1, "the handler saw port %u pending %lu times", port_a, seen_a);
	rt_check(!si->vcpu_info[0].evtchn_upcall_pending, "upcall_pending still set");

	/* 3. With interrupts on, handled by the time send returns. */
	h0 = handled;
	send(port_b);
	rt_check(handled == h0 + 1, "send with interrupts on: handler ran %lu times",
		 handled - h0);
	rt_check(seen_a == 2, "port %u seen %lu times", port_a, seen_a);

	/* 4. Level: a handler that leaves upcall_pending set gets the vector
	 * again at the next hypercall's return. */
	leave_pending = true;
	h0 = handled;
	send(port_b);
	rt_check(handled == h0 + 1, "leave-pending send: %lu", handled - h0);
	HYPERVISOR_xen_version(0, NULL);
	leave_pending = false;
	rt_check(handled >= h0 + 2, "not raised again while upcall_pending stayed set (%lu)",
		 handled - h0);
	HYPERVISOR_xen_version(0, NULL);
	rt_check(!si->vcpu_info[0].evtchn_upcall_pending, "upcall_pending still set after scan");

	/* 5. SCHEDOP_poll on an idle port sleeps until the timeout. */
	t0 = now_ns();
	rc = poll_one(port_a, t0 + 20 * 1000 * 1000);
	t1 = now_ns();
	rt_check(rc == 0, "poll with timeout = %ld", rc);
	rt_check(t1 >= t0 + 20 * 1000 * 1000, "poll returned before its timeout");

	/* 6. ... and returns at once when the port is pending (interrupts off,
	 * so the handler does not clear it first); a far timeout would hang. */
	rt_irq_disable();
	send(port_b);
	rc = poll_one(port_a, now_ns() + 3600ULL * 1000 * 1000 * 1000);
	rt_check(rc == 0, "poll on a pending port = %ld", rc);
	h0 = handled;
	rt_irq_enable();
	rt_check(handled > h0, "the deferred upcall did not run");
	rt_printf("handled %lu upcalls, %lu deferred\n", handled, rt_irq_deferred());

	/* 7. The per-vCPU vector: raised for each event instead. */
	{
		struct xen_hvm_evtchn_upcall_vector uv = {.vcpu = 0, .vector = VCPU_VECTOR};
		unsigned long g0 = handled - handled2;

		rt_check(rt_irq_set_handler(VCPU_VECTOR, upcall_vcpu, NULL) == 0, "set_handler");
		rc = hvm_op(HVMOP_set_evtchn_upcall_vector, &uv);
		rt_check(rc == 0, "HVMOP_set_evtchn_upcall_vector = %ld", rc);
		send(port_b);
		rt_check(handled2 == 1, "per-vCPU vector handler ran %lu times", handled2);
		rt_irq_disable();
		send(port_b);
		rt_check(handled2 == 1, "per-vCPU vector handler ran with interrupts off");
		rt_irq_enable();
		rt_check(handled2 == 2, "deferred per-vCPU vector: handler ran %lu times",
			 handled2);
		rt_check(handled - handled2 == g0, "the global vector was raised too (%lu)",
			 handled - handled2 - g0);
	}

	if (bootarg("xenport="))
		from_outside((uint32_t)bootarg("xenport="));
}
