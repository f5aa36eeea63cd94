/*
 * Several vCPUs per domain (issue 17 item 2), hypervisor side:
 * VCPUOP_initialise/up/down/is_up with Xen's errors, the start state a
 * transport takes (hv_vcpu_wait_up), a vCPU going down inside its own call
 * and being brought up from another thread, the last vCPU going down
 * powering the domain off, and per-vCPU event state: IPIs, VIRQs and
 * bind_vcpu to vCPU 1, its vcpu_info slot, its upcall vector, and
 * SCHEDOP_poll/block of vCPU 1 sleeping while vCPU 0 keeps making
 * hypercalls (the lock is released). The audit runs after every call,
 * failed ones included.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/memory.h>
#include <public/vcpu.h>
#include <public/xen.h>

#include "harness.h"
#include "../../hv/event/event_priv.h"

#define CR0_64 ((1ULL << 0) | (1ULL << 31))
#define CR4_64 (1ULL << 5)
#define EFER_64 ((1ULL << 8) | (1ULL << 10))

/* vcpu_op(cmd, id, arg) made by vCPU `by`, audited. */
static int64_t vop(struct harness *h, struct domain *d, unsigned int by, uint64_t cmd,
		   uint64_t id, uint64_t arg)
{
	int64_t rc = h_call_vcpu(h, d, by, __HYPERVISOR_vcpu_op, cmd, id, arg);

	h_audit(h);
	return rc;
}

static struct vcpu_hvm_context ctx64(uint64_t rip, uint64_t rsp)
{
	struct vcpu_hvm_context c;

	memset(&c, 0, sizeof(c));
	c.mode = VCPU_HVM_MODE_64B;
	c.cpu_regs.x86_64.rip = rip;
	c.cpu_regs.x86_64.rsp = rsp;
	c.cpu_regs.x86_64.rdi = 0x1234;
	c.cpu_regs.x86_64.rflags = 2;
	c.cpu_regs.x86_64.cr0 = CR0_64;
	c.cpu_regs.x86_64.cr3 = 0x5000;
	c.cpu_regs.x86_64.cr4 = CR4_64;
	c.cpu_regs.x86_64.efer = EFER_64;
	return c;
}

/* VCPUOP_initialise of vCPU id with c (through scratch offset 0x200). */
static int64_t init_vcpu(struct harness *h, struct domain *d, unsigned int by, uint64_t id,
			 const struct vcpu_hvm_context *c)
{
	h_put(d, 0x200, c, sizeof(*c));
	return vop(h, d, by, VCPUOP_initialise, id, h_gpa(0x200));
}

static struct domain *smp_dom(struct harness *h, unsigned int vcpus)
{
	struct domain *d = h_domain_vcpus(h, "smp", 0, 256, vcpus);

	h_audit(h);
	return d;
}

static void test_create_limits(void **state)
{
	struct harness h;
	struct domain_config cfg = {.name = "x", .max_pages = 16, .domid = -1};
	struct domain *d;
	int err = 0;

	(void)state;
	h_init_default(&h);
	cfg.max_vcpus = DOMAIN_MAX_VCPUS + 1;
	hv_lock(h.hv);
	assert_null(domain_create(h.hv, &cfg, &err));
	hv_unlock(h.hv);
	assert_int_equal(err, -EINVAL);
	h_audit(&h);
	d = smp_dom(&h, DOMAIN_MAX_VCPUS);
	assert_int_equal(d->nr_vcpus, DOMAIN_MAX_VCPUS);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, DOMAIN_MAX_VCPUS - 1, 0), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, DOMAIN_MAX_VCPUS, 0), -ENOENT);
	/* the default stays one vCPU */
	d = h_domain(&h, "one", 0, 16);
	assert_int_equal(d->nr_vcpus, 1);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 1, 0), -ENOENT);
	h_fini(&h);
}

static void test_initialise_up(void **state)
{
	struct harness h;
	struct domain *d;
	struct vcpu_hvm_context c;
	struct hv_vcpu_regs r;

	(void)state;
	h_init_default(&h);
	d = smp_dom(&h, 2);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 0, 0), 1);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 2, 0), -ENOENT);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 1ULL << 32, 0), -ENOENT);
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 2, 0), -ENOENT);
	assert_int_equal(vop(&h, d, 0, 99, 1, 0), -ENOSYS);
	/* up before initialise */
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), -EINVAL);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 1, 0), 0);
	/* bad pointer, then bad contexts: none initialises the vCPU */
	assert_int_equal(vop(&h, d, 0, VCPUOP_initialise, 1, 0x7770000000ULL), -EFAULT);
	c = ctx64(0x401000, 0x8000);
	c.mode = VCPU_HVM_MODE_32B;
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), -EINVAL);
	c.mode = 2;
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), -EINVAL);
	c = ctx64(0x401000, 0x8000);
	c.cpu_regs.x86_64.cr0 &= ~(1ULL << 31);
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), -EINVAL);
	c = ctx64(0x401000, 0x8000);
	c.cpu_regs.x86_64.efer &= ~(1ULL << 10);
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), -EINVAL);
	c = ctx64(0x401000, 0x8000);
	c.cpu_regs.x86_64.cr4 = 0;
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), -EINVAL);
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), -EINVAL);
	/* vCPU 0 runs: already initialised */
	c = ctx64(0x401000, 0x8000);
	assert_int_equal(init_vcpu(&h, d, 0, 0, &c), -EEXIST);
	/* good, then again */
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), 0);
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), -EEXIST);
	/* -EEXIST only after the copy: a bad pointer still faults */
	assert_int_equal(vop(&h, d, 0, VCPUOP_initialise, 1, 0x7770000000ULL), -EFAULT);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 1, 0), 1);
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), 0); /* idempotent */
	/* the transport takes the start state once */
	memset(&r, 0, sizeof(r));
	assert_int_equal(hv_vcpu_wait_up(h.hv, d, 1, &r), 1);
	assert_int_equal(r.rip, 0x401000);
	assert_int_equal(r.rsp, 0x8000);
	assert_int_equal(r.rdi, 0x1234);
	assert_int_equal(r.cr3, 0x5000);
	assert_int_equal(r.efer, EFER_64);
	assert_int_equal(hv_vcpu_wait_up(h.hv, d, 1, &r), 0);
	assert_int_equal(hv_vcpu_wait_up(h.hv, d, 0, &r), 0); /* boot vCPU: no context */
	assert_int_equal(hv_vcpu_wait_up(h.hv, d, 2, &r), -1);
	assert_true(hv_vcpu_is_up(h.hv, d, 1));
	assert_false(hv_vcpu_is_up(h.hv, d, 2));
	/* vCPU 1 makes calls of its own */
	assert_int_equal(vop(&h, d, 1, VCPUOP_is_up, 0, 0), 1);
	h_fini(&h);
}

static void test_down(void **state)
{
	struct harness h;
	struct domain *d;
	struct vcpu_hvm_context c = ctx64(0x401000, 0x8000);
	struct hv_vcpu_regs r;

	(void)state;
	h_init_default(&h);
	d = smp_dom(&h, 3);
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), 0);
	/* down of another vCPU: asynchronous, at once not up */
	assert_int_equal(vop(&h, d, 0, VCPUOP_down, 1, 0), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_down, 1, 0), 0); /* again: nothing */
	/* a vCPU never initialised is down already */
	assert_int_equal(vop(&h, d, 0, VCPUOP_down, 2, 0), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_down, 3, 0), -ENOENT);
	assert_int_equal(d->state, DOMS_running);
	/* up again: the first start state is still there for the transport */
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), 0);
	assert_int_equal(hv_vcpu_wait_up(h.hv, d, 1, &r), 1);
	assert_int_equal(vop(&h, d, 1, VCPUOP_down, 0, 0), 0);
	assert_int_equal(vop(&h, d, 1, VCPUOP_is_up, 0, 0), 0);
	assert_int_equal(d->state, DOMS_running);
	/* the last running vCPU going down (itself) powers the domain off */
	assert_int_equal(vop(&h, d, 1, VCPUOP_down, 1, 0), 0);
	assert_int_equal(d->state, DOMS_shutdown);
	assert_int_equal(d->shutdown_reason, SHUTDOWN_poweroff);
	assert_int_equal(hv_vcpu_wait_up(h.hv, d, 1, &r), -1);
	h_fini(&h);
}

/* ---- threads: a vCPU parked or asleep while another one runs ---------- */

struct caller {
	struct harness *h;
	struct domain *d;
	unsigned int vcpu;
	uint64_t nr, a0, a1, a2;
	int64_t rc;
	pthread_t t;
};

static void *caller_main(void *p)
{
	struct caller *c = p;

	c->rc = h_call_vcpu(c->h, c->d, c->vcpu, c->nr, c->a0, c->a1, c->a2);
	return NULL;
}

static void call_async(struct caller *c, struct harness *h, struct domain *d, unsigned int vcpu,
		       uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	*c = (struct caller){.h = h, .d = d, .vcpu = vcpu, .nr = nr, .a0 = a0, .a1 = a1,
			     .a2 = a2, .rc = 12345};
	assert_int_equal(pthread_create(&c->t, NULL, caller_main, c), 0);
}

static int64_t call_join(struct caller *c)
{
	pthread_join(c->t, NULL);
	return c->rc;
}

/* A bounded number of tries (no time assertion) until vCPU v sleeps. */
static void wait_sleeping(struct harness *h, struct domain *d, unsigned int v)
{
	for (unsigned int i = 0; i < 200000; i++) {
		bool s;

		hv_lock(h->hv);
		s = d->vcpu[v].sleeping;
		hv_unlock(h->hv);
		if (s)
			return;
		sched_yield();
		if (i > 1000) {
			struct timespec ts = {0, 100000};

			nanosleep(&ts, NULL);
		}
	}
	fail_msg("vCPU %u never went to sleep", v);
}

struct starter {
	struct harness *h;
	struct domain *d;
	struct hv_vcpu_regs r;
	int rc;
	pthread_t t;
};

static void *starter_main(void *p)
{
	struct starter *s = p;

	s->rc = hv_vcpu_wait_up(s->h->hv, s->d, 1, &s->r);
	return NULL;
}

static void test_park_and_wait(void **state)
{
	struct harness h;
	struct domain *d;
	struct vcpu_hvm_context c = ctx64(0x402000, 0x9000);
	struct starter st = {0};
	struct caller cl;
	uint64_t gfn = 0x30000;

	(void)state;
	h_init_default(&h);
	d = smp_dom(&h, 2);
	/* the transport's thread for vCPU 1 waits before its first up */
	st.h = &h;
	st.d = d;
	assert_int_equal(pthread_create(&st.t, NULL, starter_main, &st), 0);
	wait_sleeping(&h, d, 1);
	/* vCPU 0 runs meanwhile: the lock is free */
	h_populate(&h, d, gfn, 1);
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), 0);
	pthread_join(st.t, NULL);
	assert_int_equal(st.rc, 1);
	assert_int_equal(st.r.rip, 0x402000);

	/* vCPU 1 takes itself down: its call stays in the hypervisor */
	call_async(&cl, &h, d, 1, __HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0);
	wait_sleeping(&h, d, 1);
	assert_int_equal(vop(&h, d, 0, VCPUOP_is_up, 1, 0), 0);
	assert_int_equal(d->state, DOMS_running);
	h_populate(&h, d, gfn + 1, 1);
	/* up resumes it where it stopped: the down call returns 0 */
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), 0);
	assert_int_equal(call_join(&cl), 0);
	h_audit(&h);

	/* a transport's stop (hv_vcpu_wake) gets a parked vCPU out */
	call_async(&cl, &h, d, 1, __HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0);
	wait_sleeping(&h, d, 1);
	hv_vcpu_wake(h.hv, d, 1);
	assert_int_equal(call_join(&cl), 0);
	assert_false(hv_vcpu_is_up(h.hv, d, 1));
	/* and one waiting for its first up */
	memset(&st, 0, sizeof(st));
	st.h = &h;
	st.d = d;
	assert_int_equal(pthread_create(&st.t, NULL, starter_main, &st), 0);
	wait_sleeping(&h, d, 1);
	hv_vcpu_wake(h.hv, d, 1);
	pthread_join(st.t, NULL);
	assert_int_equal(st.rc, -1);

	/* a parked vCPU goes when the domain is destroyed */
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), 0);
	call_async(&cl, &h, d, 1, __HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0);
	wait_sleeping(&h, d, 1);
	hv_lock(h.hv);
	domain_destroy(d);
	hv_unlock(h.hv);
	assert_int_equal(call_join(&cl), 0);
	h_fini(&h);
}

/* ---- events to vCPU 1 ------------------------------------------------- */

#define SHINFO_GFN 0x20000ULL

static int64_t ev_(struct harness *h, struct domain *d, unsigned int by, unsigned int cmd,
		   void *a, size_t len)
{
	int64_t rc;

	h_put(d, 0, a, len);
	rc = h_call_vcpu(h, d, by, __HYPERVISOR_event_channel_op, cmd, h_gpa(0), 0);
	h_get(d, 0, a, len);
	h_audit(h);
	return rc;
}
#define ev(h, d, by, cmd, a) ev_(h, d, by, cmd, a, sizeof(*(a)))

static int64_t bind_ipi(struct harness *h, struct domain *d, unsigned int by, uint32_t vcpu)
{
	struct evtchn_bind_ipi b = {.vcpu = vcpu};
	int64_t rc = ev(h, d, by, EVTCHNOP_bind_ipi, &b);

	return rc ? rc : b.port;
}

static int64_t send(struct harness *h, struct domain *d, unsigned int by, uint32_t port)
{
	struct evtchn_send s = {.port = port};

	return ev(h, d, by, EVTCHNOP_send, &s);
}

static struct shared_info *shinfo(struct domain *d)
{
	return evd(d)->shinfo;
}

static void consume(struct domain *d, unsigned int v)
{
	struct vcpu_info *vi = evtchn_vcpu_info(d, &d->vcpu[v]); /* wherever it is */

	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	memset(shinfo(d)->evtchn_pending, 0, sizeof(shinfo(d)->evtchn_pending));
}

static uint64_t put_poll(struct domain *d, uint64_t off, uint32_t port)
{
	struct sched_poll sp = {.ports = h_gpa(off + 0x40), .nr_ports = 1};

	h_put(d, off + 0x40, &port, sizeof(port));
	h_put(d, off, &sp, sizeof(sp));
	return h_gpa(off);
}

static void test_events(void **state)
{
	struct harness h;
	struct domain *d;
	struct evtchn_bind_virq bv;
	struct evtchn_bind_vcpu bc;
	struct evtchn_status es;
	struct evtchn_alloc_unbound au;
	struct xen_hvm_evtchn_upcall_vector uv;
	struct caller cl;
	int64_t p0, p1, p1b, u;

	(void)state;
	h_init_default(&h);
	{
	struct vcpu_hvm_context c = ctx64(0x401000, 0x8000);

	d = smp_dom(&h, 2);
	/* vCPU 1 runs (a call of a vCPU that is down would park) */
	assert_int_equal(init_vcpu(&h, d, 0, 1, &c), 0);
	assert_int_equal(vop(&h, d, 0, VCPUOP_up, 1, 0), 0);
	/* IPIs to either vCPU, not to one the domain lacks */
	assert_int_equal(bind_ipi(&h, d, 0, 2), -ENOENT);
	p1 = bind_ipi(&h, d, 0, 1);
	assert_true(p1 > 0);
	p0 = bind_ipi(&h, d, 1, 0);
	assert_true(p0 > 0);
	es = (struct evtchn_status){.dom = DOMID_SELF, .port = (uint32_t)p1};
	assert_int_equal(ev(&h, d, 0, EVTCHNOP_status, &es), 0);
	assert_int_equal(es.status, EVTCHNSTAT_ipi);
	assert_int_equal(es.vcpu, 1);
	/* an IPI stays on its vCPU */
	bc = (struct evtchn_bind_vcpu){.port = (uint32_t)p1, .vcpu = 0};
	assert_int_equal(ev(&h, d, 0, EVTCHNOP_bind_vcpu, &bc), -EINVAL);
	/* a send marks vCPU 1's slot, not vCPU 0's */
	assert_int_equal(send(&h, d, 0, (uint32_t)p1), 0);
	assert_int_equal(shinfo(d)->vcpu_info[1].evtchn_upcall_pending, 1);
	assert_int_equal(shinfo(d)->vcpu_info[0].evtchn_upcall_pending, 0);
	assert_true(shinfo(d)->vcpu_info[1].evtchn_pending_sel & (1ULL << (p1 / 64)));
	consume(d, 1);
	/* per-vCPU VIRQ on vCPU 1; a global one only on vCPU 0 */
	bv = (struct evtchn_bind_virq){.virq = VIRQ_TIMER, .vcpu = 1};
	assert_int_equal(ev(&h, d, 0, EVTCHNOP_bind_virq, &bv), 0);
	bv = (struct evtchn_bind_virq){.virq = VIRQ_TIMER, .vcpu = 1};
	assert_int_equal(ev(&h, d, 1, EVTCHNOP_bind_virq, &bv), -EEXIST);
	bv = (struct evtchn_bind_virq){.virq = VIRQ_TIMER, .vcpu = 2};
	assert_int_equal(ev(&h, d, 0, EVTCHNOP_bind_virq, &bv), -ENOENT);
	bv = (struct evtchn_bind_virq){.virq = VIRQ_TIMER, .vcpu = 0};
	assert_int_equal(ev(&h, d, 0, EVTCHNOP_bind_virq, &bv), 0);
	/* a loopback channel moves to vCPU 1 */
	au = (struct evtchn_alloc_unbound){.dom = DOMID_SELF, .remote_dom = DOMID_SELF};
	assert_int_equal(ev(&h, d, 0, EVTCHNOP_alloc_unbound, &au), 0);
	u = au.port;
	bc = (struct evtchn_bind_vcpu){.port = (uint32_t)u, .vcpu = 2};
	assert_int_equal(ev(&h, d, 0, EVTCHNOP_bind_vcpu, &bc), -ENOENT);
	bc.vcpu = 1;
	assert_int_equal(ev(&h, d, 0, EVTCHNOP_bind_vcpu, &bc), 0);
	es = (struct evtchn_status){.dom = DOMID_SELF, .port = (uint32_t)u};
	assert_int_equal(ev(&h, d, 1, EVTCHNOP_status, &es), 0);
	assert_int_equal(es.vcpu, 1);

	/* vCPU 1's own upcall vector: only vCPU 1 is handed it */
	uv = (struct xen_hvm_evtchn_upcall_vector){.vcpu = 2, .vector = 0xf0};
	h_put(d, 0, &uv, sizeof(uv));
	assert_int_equal(h_call_vcpu(&h, d, 0, __HYPERVISOR_hvm_op,
				     HVMOP_set_evtchn_upcall_vector, h_gpa(0), 0), -ENOENT);
	uv.vcpu = 1;
	h_put(d, 0, &uv, sizeof(uv));
	assert_int_equal(h_call_vcpu(&h, d, 1, __HYPERVISOR_hvm_op,
				     HVMOP_set_evtchn_upcall_vector, h_gpa(0), 0), 0);
	h_audit(&h);
	assert_int_equal(send(&h, d, 0, (uint32_t)p1), 0);
	assert_int_equal(hv_vcpu_upcall_vector(h.hv, d, 0), -1);
	assert_int_equal(hv_vcpu_upcall_vector(h.hv, d, 1), 0xf0);
	assert_int_equal(hv_vcpu_upcall_vector(h.hv, d, 1), -1); /* edge */
	consume(d, 1);

	/* vCPU 1's vcpu_info moved into its own RAM page: events land there */
	{
		struct vcpu_register_vcpu_info ri = {.mfn = 0x30010, .offset = 128};
		struct vcpu_info *vi;

		h_populate(&h, d, 0x30010, 1);
		h_put(d, 0x300, &ri, sizeof(ri));
		assert_int_equal(vop(&h, d, 0, VCPUOP_register_vcpu_info, 1, h_gpa(0x300)), 0);
		vi = h_va(d, (0x30010ULL << PAGE_SHIFT) + 128);
		/* one spurious upcall, as Xen: flag set, every selector bit */
		assert_int_equal(vi->evtchn_upcall_pending, 1);
		assert_int_equal(hv_vcpu_upcall_vector(h.hv, d, 1), 0xf0);
		vi->evtchn_upcall_pending = 0;
		vi->evtchn_pending_sel = 0;
		assert_int_equal(send(&h, d, 0, (uint32_t)p1), 0);
		assert_int_equal(vi->evtchn_upcall_pending, 1);
		assert_true(vi->evtchn_pending_sel & (1ULL << (p1 / 64)));
		assert_int_equal(shinfo(d)->vcpu_info[1].evtchn_upcall_pending, 0);
		assert_int_equal(shinfo(d)->vcpu_info[0].evtchn_upcall_pending, 0);
		assert_int_equal(hv_vcpu_upcall_vector(h.hv, d, 1), 0xf0);
		vi->evtchn_upcall_pending = 0;
		vi->evtchn_pending_sel = 0;
		memset(shinfo(d)->evtchn_pending, 0, sizeof(shinfo(d)->evtchn_pending));
	}

	/* vCPU 1 polls its IPI port; vCPU 0 keeps working, then sends */
	call_async(&cl, &h, d, 1, __HYPERVISOR_sched_op, SCHEDOP_poll, put_poll(d, 0x400, (uint32_t)p1), 0);
	wait_sleeping(&h, d, 1);
	h_populate(&h, d, 0x30000, 1);
	/* an event for vCPU 0 does not wake it */
	assert_int_equal(send(&h, d, 0, (uint32_t)p0), 0);
	hv_lock(h.hv);
	assert_true(d->vcpu[1].sleeping);
	hv_unlock(h.hv);
	assert_int_equal(send(&h, d, 0, (uint32_t)p1), 0);
	assert_int_equal(call_join(&cl), 0);
	h_audit(&h);
	consume(d, 0);
	consume(d, 1);

	/* vCPU 1 blocks; an upcall due on vCPU 0 leaves it asleep; one on
	 * vCPU 1 (its vector is set) wakes it */
	p1b = bind_ipi(&h, d, 1, 1);
	assert_true(p1b > 0);
	call_async(&cl, &h, d, 1, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0);
	wait_sleeping(&h, d, 1);
	assert_int_equal(send(&h, d, 0, (uint32_t)p0), 0);
	hv_lock(h.hv);
	assert_true(d->vcpu[1].sleeping);
	hv_unlock(h.hv);
	assert_int_equal(send(&h, d, 0, (uint32_t)p1b), 0);
	assert_int_equal(call_join(&cl), 0);
	h_audit(&h);
	}
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_limits),
		cmocka_unit_test(test_initialise_up),
		cmocka_unit_test(test_down),
		cmocka_unit_test(test_park_and_wait),
		cmocka_unit_test(test_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
