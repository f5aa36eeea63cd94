/*
 * Several vCPUs (issue 17 item 2), run with two (gtest --cpus 2) on both
 * transports:
 * - the VCPUOP errors a guest can provoke: is_up/initialise of a vCPU the
 *   domain lacks (-ENOENT), up before initialise (-EINVAL), initialise of
 *   the running vCPU 0 (-EEXIST) and the 32-bit register set (-EINVAL,
 *   not implemented), an IPI bound to a vCPU the domain lacks (-ENOENT);
 * - rt_vcpu_start brings vCPU 1 up (VCPUOP_initialise + up) on a stack of
 *   its own: it sees rt_cpu_id() 1 and its own per-CPU data;
 * - both vCPUs balloon their own pages out and back in at the same time
 *   (decrease_reservation + populate_physmap, data checked);
 * - IPIs both ways: vCPU 0 binds a port to vCPU 1 and vCPU 1 one to
 *   vCPU 0; vCPU 1 takes its events through its own upcall vector
 *   (HVMOP_set_evtchn_upcall_vector) while blocked in SCHEDOP_block,
 *   vCPU 0 sleeps in SCHEDOP_poll; the handler runs on vCPU 1 only;
 * - vCPU 1 goes down when its function returns (VCPUOP_is_up 0), comes
 *   up again for a second function, refuses a start while busy (-EBUSY),
 *   and is taken down by vCPU 0 while it makes hypercalls: it stops until
 *   vCPU 0 brings it up again.
 * vCPU 1 reports what it saw through `sh`, which vCPU 0 checks. The
 * bootargs name the vCPUs the domain was given ("cpus=N": the test fails
 * when it sees another number). With "smp=crash", vCPU 1 reads
 * guest-physical space with nothing behind it: the VMM must stop the
 * domain with a report naming vCPU 1 (gtest --expect-crash); with
 * "smp=block", vCPU 1 sleeps in SCHEDOP_block for good while vCPU 0 waits
 * for it: the time limit must stop both (the report says timed out).
 *
 * Printed, never asserted: an IPI round trip between the vCPUs, and the
 * ballooning rounds of both vCPUs at once against vCPU 0 alone.
 */
#include <string.h>

#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mmio.h>
#include <rt/mm.h>
#include <rt/smp.h>
#include <rt/test.h>

#include <public/errno.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/memory.h>
#include <public/vcpu.h>

const char test_title[] = "several vCPUs: up, concurrent hypercalls, IPIs, down";

#define VCPU1_VECTOR 0xf3
#define BALLOON_PAGES 16
#define BALLOON_ROUNDS 20
#define PINGS 20

/* Between the two vCPUs. */
static struct {
	volatile struct shared_info *si;
	evtchn_port_t to1;             /* bound to vCPU 1 by vCPU 0 */
	volatile evtchn_port_t to0;    /* bound to vCPU 0 by vCPU 1 */
	volatile unsigned int cpu_seen, data_ok;
	volatile unsigned long handled[2]; /* upcall handler runs, per vCPU */
	volatile unsigned long pings;      /* pings vCPU 1 answered */
	volatile long err;                 /* vCPU 1's first bad result */
	volatile unsigned int err_line;
	volatile long balloon_ok;          /* vCPU 1's good rounds */
	volatile bool go, stop;
	volatile unsigned long spins;
	uint8_t *pages[2];
	xen_pfn_t *frames[2];
} sh;

#define V1_CHECK(cond, val)                                         \
	do {                                                        \
		if (!(cond) && !sh.err_line) {                      \
			sh.err = (long)(val);                       \
			sh.err_line = __LINE__;                     \
		}                                                   \
	} while (0)

static long vcpu_op(unsigned int cmd, unsigned int cpu, void *arg)
{
	return rt_hypercall(__HYPERVISOR_vcpu_op, cmd, cpu, rt_handle(arg), 0, 0);
}

static long evtchn_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_event_channel_op, cmd, rt_handle(arg), 0, 0, 0);
}

static long bind_ipi(unsigned int vcpu)
{
	struct evtchn_bind_ipi b = {.vcpu = vcpu}; /* stack: guest memory */
	long rc = evtchn_op(EVTCHNOP_bind_ipi, &b);

	return rc ? rc : (long)b.port;
}

static long send(evtchn_port_t port)
{
	struct evtchn_send s = {.port = port};

	return evtchn_op(EVTCHNOP_send, &s);
}

static long resv(unsigned int op, xen_pfn_t *frames, unsigned long n)
{
	struct xen_memory_reservation r = {.nr_extents = n, .domid = DOMID_SELF};

	set_xen_guest_handle(r.extent_start, rt_handle(frames));
	return HYPERVISOR_memory_op(op, &r);
}

/* One vCPU's ballooning: its own pages out and back, zeroed, writable. */
static long balloon(unsigned int cpu)
{
	uint8_t *p = sh.pages[cpu];
	xen_pfn_t *f = sh.frames[cpu];
	long good = 0, r;

	for (unsigned int round = 0; round < BALLOON_ROUNDS; round++) {
		memset(p, 0x5a + (int)cpu, BALLOON_PAGES * RT_PAGE_SIZE);
		for (unsigned int i = 0; i < BALLOON_PAGES; i++)
			f[i] = (rt_virt_to_phys(p) >> 12) + i;
		r = resv(XENMEM_decrease_reservation, f, BALLOON_PAGES);
		if (r != BALLOON_PAGES)
			return -1000 - r;
		r = resv(XENMEM_populate_physmap, f, BALLOON_PAGES);
		if (r != BALLOON_PAGES)
			return -2000 - r;
		for (unsigned int i = 0; i < BALLOON_PAGES * RT_PAGE_SIZE; i += 512)
			if (p[i])
				return -3000;
		good++;
	}
	return good;
}

/* Per-vCPU upcall: takes every pending port of this vCPU's word(s). */
static void upcall(void *ctx)
{
	unsigned int cpu = rt_cpu_id();
	volatile struct vcpu_info *vi = &sh.si->vcpu_info[cpu];
	xen_ulong_t sel;

	(void)ctx;
	sh.handled[cpu < 2 ? cpu : 1]++;
	vi->evtchn_upcall_pending = 0;
	sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	(void)sel; /* the waiter looks at its port's pending bit itself */
}

static bool pending(evtchn_port_t p)
{
	return (__atomic_load_n(&sh.si->evtchn_pending[p / 64], __ATOMIC_SEQ_CST) >> (p % 64)) & 1;
}

static void clear_pending(evtchn_port_t p)
{
	__atomic_and_fetch(&sh.si->evtchn_pending[p / 64], ~(1ULL << (p % 64)), __ATOMIC_SEQ_CST);
}

/* vCPU 1's work. */
static void on_vcpu1(void *arg)
{
	struct xen_hvm_evtchn_upcall_vector uv = {.vcpu = 1, .vector = VCPU1_VECTOR};
	long rc;

	(void)arg;
	sh.cpu_seen = rt_cpu_id();
	sh.data_ok = rt_this_cpu()->data == (void *)&sh.to0 && rt_cpu(0)->data == (void *)&sh;
	rc = rt_irq_set_handler(VCPU1_VECTOR, upcall, NULL);
	V1_CHECK(rc == 0, rc);
	rc = rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, rt_handle(&uv), 0,
			  0, 0);
	V1_CHECK(rc == 0, rc);
	rc = bind_ipi(0);
	V1_CHECK(rc > 0, rc);
	sh.to0 = rc > 0 ? (evtchn_port_t)rc : 0;
	while (!sh.go)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* at the same time as vCPU 0 */
	sh.balloon_ok = balloon(1);
	/* pings: wait blocked with interrupts off around the check */
	for (unsigned int i = 0; i < PINGS; i++) {
		rt_irq_disable();
		while (!pending(sh.to1)) {
			HYPERVISOR_sched_op(SCHEDOP_block, NULL);
			rt_irq_enable();
			rt_irq_disable();
		}
		clear_pending(sh.to1);
		rt_irq_enable();
		sh.pings++;
		rc = send(sh.to0);
		V1_CHECK(rc == 0, rc);
	}
}

static void second_run(void *arg)
{
	*(volatile unsigned int *)arg = rt_cpu_id() + 100;
}

static void crasher(void *arg)
{
	(void)arg;
	/* region 0: identity-mapped, nothing behind it */
	sh.err = (long)rt_mmio_read32(0x38000000ULL);
	sh.err_line = __LINE__; /* not reached */
}

static void blocker(void *arg)
{
	(void)arg;
	for (;;) /* nothing wakes it: a wake-up is spurious, block again */
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time t = {0}; /* stack: guest memory */

	if (rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_time, rt_handle(&t), 0, 0, 0))
		return 0;
	return t.now;
}

static unsigned int dec(const char *s)
{
	unsigned int v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned int)(*s++ - '0');
	return v;
}

static void spinner(void *arg)
{
	(void)arg;
	while (!sh.stop) {
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		sh.spins++;
	}
}

static bool map_shared_info(void)
{
	xen_pfn_t *frame = rt_alloc_pages(1);
	void *page = rt_alloc_pages(1);
	struct xen_add_to_physmap xatp = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info};
	long rc;

	if (!frame || !page)
		return false;
	*frame = rt_virt_to_phys(page) >> 12;
	rc = resv(XENMEM_decrease_reservation, frame, 1);
	if (rc != 1)
		return false;
	xatp.gpfn = *frame;
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
	if (rc)
		return false;
	sh.si = page;
	return true;
}

static void errors(unsigned int n)
{
	struct vcpu_hvm_context ctx;

	memset(&ctx, 0, sizeof(ctx));
	rt_check_eq(vcpu_op(VCPUOP_is_up, 0, NULL), 1, "vCPU 0 is up");
	rt_check_eq(vcpu_op(VCPUOP_is_up, 1, NULL), 0, "vCPU 1 starts down");
	rt_check_eq(vcpu_op(VCPUOP_is_up, n, NULL), -XEN_ENOENT, "is_up past the last vCPU");
	rt_check_eq(vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL, "up before initialise");
	rt_check_eq(vcpu_op(VCPUOP_initialise, n, &ctx), -XEN_ENOENT, "initialise: no vCPU");
	ctx.mode = VCPU_HVM_MODE_32B;
	rt_check_eq(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL, "32-bit set refused");
	ctx.mode = VCPU_HVM_MODE_64B;
	rt_check_eq(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL, "64-bit set without long mode");
	rt_check_eq(vcpu_op(VCPUOP_initialise, 0, &ctx), -XEN_EEXIST, "vCPU 0 runs already");
	rt_check_eq(vcpu_op(VCPUOP_is_up, 1, NULL), 0, "refused contexts leave vCPU 1 down");
	rt_check_eq(bind_ipi(n), -XEN_ENOENT, "IPI to a vCPU the domain lacks");
	rt_check_eq(rt_vcpu_start(0, second_run, NULL), -XEN_EINVAL, "start on vCPU 0");
	rt_check_eq(rt_vcpu_start(n, second_run, NULL), -XEN_ENOENT, "start past the last vCPU");
	rt_check_eq(rt_vcpu_wait(1), -XEN_EINVAL, "wait for a vCPU never started");
}

void test_main(void)
{
	unsigned int n = rt_nr_cpus();
	volatile unsigned int *second = rt_alloc_pages(1);
	unsigned long last;
	uint64_t t_both, t_ping, t_one;
	long rc;

	rt_printf("%u vCPUs\n", n);
	if (*rt_bootarg("cpus"))
		rt_check_eq(n, dec(rt_bootarg("cpus")), "vCPUs (the domain's cpus)");
	if (rt_bootarg_is(rt_bootarg("smp"), "crash")) {
		rt_check_eq(rt_vcpu_start(1, crasher, NULL), 0, "start vCPU 1");
		rt_vcpu_wait(1); /* the domain stops meanwhile */
		rt_test_fail("vCPU 1's bad access did not stop the domain");
		return;
	}
	if (rt_bootarg_is(rt_bootarg("smp"), "block")) {
		rt_check_eq(rt_vcpu_start(1, blocker, NULL), 0, "start vCPU 1");
		rt_vcpu_wait(1); /* the time limit stops the domain meanwhile */
		rt_test_fail("the time limit did not stop the domain");
		return;
	}
	if (n < 2) {
		rt_test_skip("the domain has one vCPU (run with --cpus 2)");
		return;
	}
	rt_check_eq(rt_cpu_id(), 0, "the program runs on vCPU 0");
	if (!map_shared_info() || !second) {
		rt_test_error("cannot map shared_info");
		return;
	}
	for (unsigned int c = 0; c < 2; c++) {
		sh.pages[c] = rt_alloc_pages(BALLOON_PAGES);
		sh.frames[c] = rt_alloc_pages(1);
		if (!sh.pages[c] || !sh.frames[c]) {
			rt_test_error("out of guest pages");
			return;
		}
	}
	errors(n);

	/* vCPU 0 takes no upcall at all: it waits in SCHEDOP_poll */
	rc = bind_ipi(1);
	rt_check(rc > 0, "bind_ipi to vCPU 1: %ld", rc);
	sh.to1 = (evtchn_port_t)rc;
	rt_this_cpu()->data = &sh;
	rt_cpu(1)->data = (void *)&sh.to0;
	rt_check_eq(rt_vcpu_start(1, on_vcpu1, NULL), 0, "start vCPU 1");
	rt_check_eq(rt_vcpu_start(1, second_run, NULL), -XEN_EBUSY, "start while it runs");
	rt_check_eq(vcpu_op(VCPUOP_is_up, 1, NULL), 1, "vCPU 1 is up");
	{
		struct vcpu_hvm_context ctx;

		memset(&ctx, 0, sizeof(ctx));
		rt_check_eq(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EEXIST, "initialise twice");
	}
	while (!sh.to0 && !sh.err_line)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	t_both = now_ns();
	sh.go = true;
	rt_check_eq(balloon(0), BALLOON_ROUNDS, "vCPU 0's balloon rounds");
	while (!sh.balloon_ok && !sh.err_line)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	t_both = now_ns() - t_both;
	t_ping = now_ns();
	for (unsigned int i = 0; i < PINGS && !sh.err_line; i++) {
		evtchn_port_t ports[1] = {sh.to0}; /* stack: guest memory */
		struct sched_poll sp = {.nr_ports = 1, .timeout = 0};

		set_xen_guest_handle(sp.ports, rt_handle(ports));
		rt_check_eq(send(sh.to1), 0, "ping %u", i);
		while (!pending(sh.to0))
			rt_check_eq(HYPERVISOR_sched_op(SCHEDOP_poll, &sp), 0, "poll");
		clear_pending(sh.to0);
	}
	t_ping = now_ns() - t_ping;
	rt_check_eq(rt_vcpu_wait(1), 0, "wait for vCPU 1");
	rt_check_eq(vcpu_op(VCPUOP_is_up, 1, NULL), 0, "vCPU 1 went down after its function");
	t_one = now_ns();
	rt_check_eq(balloon(0), BALLOON_ROUNDS, "vCPU 0's balloon rounds, alone");
	t_one = now_ns() - t_one;
	rt_check(!sh.err_line, "vCPU 1: bad result %ld at line %u", sh.err, sh.err_line);
	rt_check_eq(sh.cpu_seen, 1, "rt_cpu_id() on vCPU 1");
	rt_check(sh.data_ok, "vCPU 1's per-CPU data");
	rt_check_eq(sh.balloon_ok, BALLOON_ROUNDS, "vCPU 1's balloon rounds");
	rt_check_eq(sh.pings, PINGS, "pings answered");
	rt_check(sh.handled[1] >= 1, "vCPU 1's upcall handler never ran");
	rt_check_eq(sh.handled[0], 0, "vCPU 1's vector reached vCPU 0");

	/* up again for another function */
	*second = 0;
	rt_check_eq(rt_vcpu_start(1, second_run, (void *)second), 0, "second start");
	rt_check_eq(rt_vcpu_wait(1), 0, "second wait");
	rt_check_eq(*second, 101, "the second function ran on vCPU 1");

	/* vCPU 0 takes vCPU 1 down while it makes hypercalls */
	rt_check_eq(rt_vcpu_start(1, spinner, NULL), 0, "third start");
	while (sh.spins < 10)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	rt_check_eq(vcpu_op(VCPUOP_down, 1, NULL), 0, "down of vCPU 1 by vCPU 0");
	rt_check_eq(vcpu_op(VCPUOP_is_up, 1, NULL), 0, "vCPU 1 is down");
	last = sh.spins;
	for (unsigned int i = 0; i < 50; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	/* at most the hypercall it was in when it went down completes */
	rt_check(sh.spins <= last + 1, "vCPU 1 ran while down: %lu -> %lu", last, sh.spins);
	rt_check_eq(vcpu_op(VCPUOP_up, 1, NULL), 0, "up again");
	last = sh.spins;
	while (sh.spins < last + 10)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	sh.stop = true;
	rt_check_eq(rt_vcpu_wait(1), 0, "third wait");
	rt_printf("vCPU 1: %lu upcalls, %lu pings; vCPU 0 %lu upcalls\n", sh.handled[1], sh.pings,
		  sh.handled[0]);
	rt_printf("IPI round trip (vCPU 0 polls, vCPU 1 blocks): %llu us; %u balloon rounds of "
		  "%u pages: both vCPUs at once %llu us, vCPU 0 alone %llu us\n",
		  (unsigned long long)(t_ping / PINGS / 1000), BALLOON_ROUNDS, BALLOON_PAGES,
		  (unsigned long long)(t_both / 1000), (unsigned long long)(t_one / 1000));
}
