/*
 * Bench guest "event": event-channel costs, measured by `memvisor bench
 * events` (cli/bench_events.c) with two or one of these domains under the
 * normal runner, on KVM and in-process. The host made the channel before
 * boot and passes its local port in bootargs. The guest times itself with
 * HVMOP_get_time (the hypervisor's clock, CLOCK_MONOTONIC) around whole
 * loops and prints one "evbench:" line the host reads from the console
 * (the marker hypercalls of ../common/bench.h exist only under the bench's
 * own single-domain transport callbacks).
 *
 * bootargs:
 *   role=1 ping: iters round trips "send, wait for the reply's upcall";
 *          waits in SCHEDOP_block (wait=0) or spinning in guest code
 *          (wait=1: the reply must kick the vCPU out of guest code); first
 *          the same number of xen_version round trips, the reference.
 *   role=2 pong: its upcall handler sends back at once; sleeps in
 *          SCHEDOP_block between events; stops after warm+iters replies.
 *   role=3 idle: one SCHEDOP_poll on a port of its own nobody signals, with a
 *          timeout of ms milliseconds, then power off. The host compares
 *          its CPU time with a run with ms=0.
 */
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>

#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/memory.h>

#include "../common/bench.h"

#define ROLE_PING 1
#define ROLE_PONG 2
#define ROLE_IDLE 3
#define WARM 50

void evbench_main(void);

static RT_TLS volatile struct shared_info *si;
static RT_TLS evtchn_port_t port;
static RT_TLS volatile uint64_t got;
static RT_TLS unsigned int role;

static long evtchn_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_event_channel_op, cmd, rt_handle(arg), 0, 0, 0);
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time t = {0};

	rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_time, rt_handle(&t), 0, 0, 0);
	return t.now;
}

static void send(void)
{
	struct evtchn_send s = {.port = port};

	evtchn_op(EVTCHNOP_send, &s);
}

static void upcall(void *ctx)
{
	volatile struct vcpu_info *vi = &si->vcpu_info[0];
	xen_ulong_t sel;

	(void)ctx;
	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzll(sel);
		xen_ulong_t bits = si->evtchn_pending[w] & ~si->evtchn_mask[w];

		sel &= sel - 1;
		while (bits) {
			unsigned int b = (unsigned int)__builtin_ctzll(bits);

			bits &= bits - 1;
			__atomic_fetch_and(&si->evtchn_pending[w], ~(1ULL << b), __ATOMIC_SEQ_CST);
			if (w * 64 + b != port)
				continue;
			got++;
			if (role == ROLE_PONG)
				send();
		}
	}
}

static int setup(void)
{
	xen_pfn_t *frame = rt_alloc_pages(1);
	void *page = rt_alloc_pages(1);
	struct xen_memory_reservation r = {.nr_extents = 1, .domid = DOMID_SELF};
	struct xen_add_to_physmap xatp = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info};
	struct xen_hvm_param hp = {.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ};
	unsigned int vec = rt_irq_upcall_vector();

	if (!frame || !page)
		return -1;
	*frame = rt_virt_to_phys(page) >> 12;
	set_xen_guest_handle(r.extent_start, rt_handle(frame));
	if (HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r) != 1)
		return -2;
	xatp.gpfn = *frame;
	if (HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp))
		return -3;
	si = page;
	rt_irq_set_handler(vec, upcall, NULL);
	hp.value = HVM_CALLBACK_VECTOR(vec);
	if (rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, rt_handle(&hp), 0, 0, 0))
		return -4;
	rt_irq_enable();
	return 0;
}

/*
 * Spinning: the handler interrupts the loop. Blocking: interrupts off
 * around "check, block", else a reply handled between the check and the
 * block would leave the vCPU asleep with nothing left to wake it; with
 * them off the reply keeps upcall_pending set, so SCHEDOP_block returns at
 * once, and rt_irq_enable() runs the handler.
 */
static void wait_for(uint64_t n, bool spin)
{
	while (got < n) {
		if (spin) {
			__asm__ volatile("pause" ::: "memory");
			continue;
		}
		rt_irq_disable();
		if (got < n)
			HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		rt_irq_enable();
	}
}

static void ping(uint64_t iters, bool spin)
{
	uint64_t t0, t1, t2;

	for (uint64_t i = 0; i < WARM; i++) {
		send();
		wait_for(i + 1, spin);
	}
	t0 = now_ns();
	for (uint64_t i = 0; i < iters; i++)
		HYPERVISOR_xen_version(0, NULL);
	t1 = now_ns();
	for (uint64_t i = 0; i < iters; i++) {
		send();
		wait_for(WARM + i + 1, spin);
	}
	t2 = now_ns();
	rt_printf("evbench: iters=%llu hcall_ns=%llu rt_ns=%llu\n", (unsigned long long)iters,
		  (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1));
}

void evbench_main(void)
{
	uint64_t iters = bench_arg("iters", 1000);
	int rc;

	role = (unsigned int)bench_arg("role", 0);
	port = (evtchn_port_t)bench_arg("port", 0);
	rc = setup();
	if (rc) {
		rt_printf("evbench: setup failed (%d)\n", rc);
		rt_shutdown(SHUTDOWN_crash);
	}
	if (role == ROLE_PING) {
		/* Xen marks the binder's port pending at bind_interdomain (the
		 * host bound it for us before boot): not a reply */
		rt_irq_disable();
		__atomic_fetch_and(&si->evtchn_pending[port / 64], ~(1ULL << (port % 64)),
				   __ATOMIC_SEQ_CST);
		got = 0;
		rt_irq_enable();
		ping(iters, bench_arg("wait", 0) == 1);
	} else if (role == ROLE_PONG) {
		wait_for(WARM + iters, false);
	} else if (role == ROLE_IDLE) {
		evtchn_port_t *ports = rt_alloc_pages(1);
		struct evtchn_alloc_unbound au = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
		struct sched_poll p = {.nr_ports = 1};
		uint64_t ms = bench_arg("ms", 1000);

		if (evtchn_op(EVTCHNOP_alloc_unbound, &au)) {
			rt_printf("evbench: alloc_unbound failed\n");
			rt_shutdown(SHUTDOWN_crash);
		}
		ports[0] = au.port; /* nobody can send on it */
		set_xen_guest_handle(p.ports, rt_handle(ports));
		p.timeout = ms ? now_ns() + ms * 1000000ULL : 0;
		if (ms)
			HYPERVISOR_sched_op(SCHEDOP_poll, &p);
		rt_printf("evbench: idle done\n");
	}
}

#ifndef RT_HOSTED
void rt_main(void)
{
	evbench_main();
}
#endif
