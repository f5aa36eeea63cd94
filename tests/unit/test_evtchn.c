/*
 * Event channels (issue 14), hypervisor side: every event_channel_op sub-op
 * and error, interdomain lifecycle and peer death, the 2-level bits in
 * shared_info, vcpu_info registration, hvm_op params and upcall vectors,
 * SCHEDOP_block/poll sleeping and being woken from another thread, and the
 * hypervisor-attached ports of hv/event.h. The audit runs after every step,
 * failed ones included.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include <hv/event.h>
#include <hv/extregion.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/memory.h>
#include <public/vcpu.h>
#include <public/xen.h>

#include "harness.h"
/* The audit test corrupts port state on purpose. */
#include "../../hv/event/event_priv.h"

/* Where tests map shared_info (a populated RAM page first) and register
 * vcpu_info. */
#define SHINFO_GFN 0x20000ULL
#define VI_GFN 0x20001ULL

/* ---- helpers ---------------------------------------------------------- */

/* event_channel_op(cmd, struct) through d's scratch area; *a gets the
 * result back. Audits after the call, whatever it returned. */
static int64_t ev_(struct harness *h, struct domain *d, unsigned int cmd, void *a, size_t len)
{
	return h_op(h, d, __HYPERVISOR_event_channel_op, cmd, a, len);
}
#define ev(h, d, cmd, a) ev_(h, d, cmd, a, sizeof(*(a)))

static int64_t alloc_unbound(struct harness *h, struct domain *d, domid_t dom, domid_t remote)
{
	struct evtchn_alloc_unbound a = {.dom = dom, .remote_dom = remote};
	int64_t rc = ev(h, d, EVTCHNOP_alloc_unbound, &a);

	return rc ? rc : a.port;
}

static int64_t bind_interdomain(struct harness *h, struct domain *d, domid_t rd, uint32_t rport)
{
	struct evtchn_bind_interdomain b = {.remote_dom = rd, .remote_port = rport};
	int64_t rc = ev(h, d, EVTCHNOP_bind_interdomain, &b);

	return rc ? rc : b.local_port;
}

static int64_t port_op(struct harness *h, struct domain *d, unsigned int cmd, uint32_t port)
{
	struct evtchn_send s = {.port = port};

	return ev(h, d, cmd, &s);
}

static int64_t bind_virq(struct harness *h, struct domain *d, uint32_t virq, uint32_t vcpu)
{
	struct evtchn_bind_virq b = {.virq = virq, .vcpu = vcpu};
	int64_t rc = ev(h, d, EVTCHNOP_bind_virq, &b);

	return rc ? rc : b.port;
}

static int64_t bind_ipi(struct harness *h, struct domain *d, uint32_t vcpu)
{
	struct evtchn_bind_ipi b = {.vcpu = vcpu};
	int64_t rc = ev(h, d, EVTCHNOP_bind_ipi, &b);

	return rc ? rc : b.port;
}

static int64_t status(struct harness *h, struct domain *d, domid_t dom, uint32_t port,
		      struct evtchn_status *st)
{
	memset(st, 0xee, sizeof(*st));
	st->dom = dom;
	st->port = port;
	return ev(h, d, EVTCHNOP_status, st);
}

static int64_t hvm_param(struct harness *h, struct domain *d, unsigned int op, domid_t dom,
			 uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = {.domid = dom, .index = index, .value = *value};
	int64_t rc;

	h_put(d, 0, &p, sizeof(p));
	rc = h_call(h, d, __HYPERVISOR_hvm_op, op, h_gpa(0), 0, 0, 0);
	h_get(d, 0, &p, sizeof(p));
	*value = p.value;
	h_audit(h);
	return rc;
}

static void set_callback_vector(struct harness *h, struct domain *d, uint8_t vec)
{
	uint64_t v = HVM_CALLBACK_VECTOR(vec);

	assert_int_equal(hvm_param(h, d, HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v), 0);
}

static int64_t map_shinfo(struct harness *h, struct domain *d, uint64_t idx, uint64_t gfn)
{
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
				       .idx = idx, .gpfn = gfn};
	int64_t rc;

	h_put(d, 0, &x, sizeof(x));
	rc = h_call(h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0, 0, 0);
	h_audit(h);
	return rc;
}

/* d's shared_info, as the guest sees it once mapped at SHINFO_GFN. */
static struct shared_info *shinfo(struct domain *d)
{
	return h_va(d, SHINFO_GFN << PAGE_SHIFT);
}

/* A domain with its shared_info mapped at SHINFO_GFN. */
static struct domain *dom(struct harness *h, const char *name, uint32_t flags)
{
	struct domain *d = h_domain(h, name, flags, 256);

	h_populate(h, d, SHINFO_GFN, 2);
	assert_int_equal(map_shinfo(h, d, 0, SHINFO_GFN), 0);
	return d;
}

static bool pending(struct domain *d, uint32_t port)
{
	return (shinfo(d)->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

static void set_mask(struct domain *d, uint32_t port, bool on)
{
	if (on)
		shinfo(d)->evtchn_mask[port / 64] |= 1ULL << (port % 64);
	else
		shinfo(d)->evtchn_mask[port / 64] &= ~(1ULL << (port % 64));
}

/* What a guest's upcall handler does: take everything. */
static void consume(struct domain *d)
{
	struct vcpu_info *vi = &shinfo(d)->vcpu_info[0];

	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	memset(shinfo(d)->evtchn_pending, 0, sizeof(shinfo(d)->evtchn_pending));
}

static void destroy(struct harness *h, struct domain *d)
{
	hv_lock(h->hv);
	domain_destroy(d);
	hv_unlock(h->hv);
	h_audit(h);
}

/* Counts vcpu_kick calls: the harness's backend with the op added. */
static struct hv_backend_ops spy_ops;
static unsigned int kicks;
static void spy_kick(void *ctx, struct domain *d, unsigned int vcpu)
{
	(void)ctx;
	(void)d;
	assert_int_equal(vcpu, 0);
	kicks++;
}

static void init(struct harness *h)
{
	h_init_default(h);
	spy_ops = *h->hv->cfg.backend;
	spy_ops.vcpu_kick = spy_kick;
	h->hv->cfg.backend = &spy_ops;
	kicks = 0;
}

/* ---- sub-ops and errors ---------------------------------------------- */

static void test_ports_and_errors(void **state)
{
	struct harness h;
	struct domain *d, *o;
	struct evtchn_status st;
	int64_t p1, p2;

	(void)state;
	init(&h);
	d = dom(&h, "a", 0);
	o = dom(&h, "b", 0);

	/* Port 0 is reserved: status closed, close refused, never handed out. */
	assert_int_equal(status(&h, d, DOMID_SELF, 0, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(port_op(&h, d, EVTCHNOP_close, 0), -EINVAL);
	p1 = alloc_unbound(&h, d, DOMID_SELF, o->id);
	assert_int_equal(p1, 1);
	p2 = alloc_unbound(&h, d, d->id, DOMID_SELF);
	assert_int_equal(p2, 2);
	assert_int_equal(status(&h, d, DOMID_SELF, (uint32_t)p1, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, o->id);
	assert_int_equal(st.vcpu, 0);
	assert_int_equal(status(&h, d, DOMID_SELF, (uint32_t)p2, &st), 0);
	assert_int_equal(st.u.unbound.dom, d->id); /* DOMID_SELF = the caller */
	/* Lowest free port is reused. */
	assert_int_equal(port_op(&h, d, EVTCHNOP_close, (uint32_t)p1), 0);
	assert_int_equal(port_op(&h, d, EVTCHNOP_close, (uint32_t)p1), -EINVAL);
	assert_int_equal(alloc_unbound(&h, d, DOMID_SELF, o->id), 1);
	/* A never-used port inside the bucket is free; beyond it invalid. */
	assert_int_equal(status(&h, d, DOMID_SELF, 63, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	assert_int_equal(port_op(&h, d, EVTCHNOP_close, 63), -EINVAL);
	assert_int_equal(status(&h, d, DOMID_SELF, 64, &st), -EINVAL);
	assert_int_equal(port_op(&h, d, EVTCHNOP_close, 64), -EINVAL);
	assert_int_equal(port_op(&h, d, EVTCHNOP_send, 64), -EINVAL);
	assert_int_equal(port_op(&h, d, EVTCHNOP_unmask, 64), -EINVAL);
	assert_int_equal(port_op(&h, d, EVTCHNOP_send, 63), -EINVAL); /* free */
	assert_int_equal(port_op(&h, d, EVTCHNOP_unmask, 63), 0);
	{
		struct evtchn_bind_vcpu b = {.port = 64, .vcpu = 0};

		assert_int_equal(ev(&h, d, EVTCHNOP_bind_vcpu, &b), -EINVAL);
		b.port = 63;
		assert_int_equal(ev(&h, d, EVTCHNOP_bind_vcpu, &b), -EINVAL);
		b.port = 1;
		b.vcpu = 1;
		assert_int_equal(ev(&h, d, EVTCHNOP_bind_vcpu, &b), -ENOENT);
		b.vcpu = 0;
		assert_int_equal(ev(&h, d, EVTCHNOP_bind_vcpu, &b), 0);
	}
	/* Sends on an unbound port are dropped with rc 0. */
	assert_int_equal(port_op(&h, d, EVTCHNOP_send, 1), 0);
	assert_false(pending(d, 1));
	/* Other domains: privilege needed; missing ones ESRCH. */
	assert_int_equal(alloc_unbound(&h, d, o->id, DOMID_SELF), -EPERM);
	assert_int_equal(alloc_unbound(&h, d, 0x7000, DOMID_SELF), -ESRCH);
	assert_int_equal(status(&h, d, o->id, 1, &st), -EPERM);
	assert_int_equal(status(&h, d, 0x7000, 1, &st), -ESRCH);
	/* bind_pirq takes device lines (SPIs, >= 32) only; FIFO and unknown
	 * sub-ops are not offered. */
	{
		uint8_t z[32] = {0};

		assert_int_equal(ev_(&h, d, EVTCHNOP_bind_pirq, z, 12), -EINVAL); /* line 0 */
		assert_int_equal(ev_(&h, d, EVTCHNOP_init_control, z, 24), -ENOSYS);
		assert_int_equal(ev_(&h, d, EVTCHNOP_expand_array, z, 8), -ENOSYS);
		assert_int_equal(ev_(&h, d, 99, z, 8), -ENOSYS);
	}
	/* Bad argument pointer. */
	assert_int_equal(h_call(&h, d, __HYPERVISOR_event_channel_op, EVTCHNOP_send, 0x7770000000ULL,
				0, 0, 0), -EFAULT);
	h_audit(&h);
	h_fini(&h);
}

static void test_limits(void **state)
{
	struct harness h;
	struct domain *u, *p;
	int64_t rc;
	unsigned int n;

	(void)state;
	init(&h);
	u = dom(&h, "u", 0);
	p = dom(&h, "p", DOMF_privileged);
	/* DomU: ports 1..1023 (libxl's default), then -ENOSPC. */
	for (n = 0;; n++) {
		struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};

		h_put(u, 0, &a, sizeof(a));
		rc = h_call(&h, u, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, h_gpa(0), 0,
			    0, 0);
		if (rc)
			break;
		h_get(u, 0, &a, sizeof(a));
		assert_int_equal(a.port, n + 1);
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(n, 1023);
	h_audit(&h);
	/* Beyond the limit every sub-op says -EINVAL. */
	assert_int_equal(port_op(&h, u, EVTCHNOP_close, 1024), -EINVAL);
	assert_int_equal(port_op(&h, u, EVTCHNOP_close, 1023), 0);
	assert_int_equal(alloc_unbound(&h, u, DOMID_SELF, DOMID_SELF), 1023);
	/* A privileged domain has the whole 2-level space: 4095 ports. */
	for (n = 0;; n++) {
		struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = DOMID_SELF};

		h_put(p, 0, &a, sizeof(a));
		rc = h_call(&h, p, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, h_gpa(0), 0,
			    0, 0);
		if (rc)
			break;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(n, 4095);
	h_audit(&h);
	h_fini(&h);
}

/* ---- interdomain lifecycle ------------------------------------------- */

static void test_interdomain(void **state)
{
	struct harness h;
	struct domain *a, *b, *c;
	struct evtchn_status st;
	int64_t pa, pb;

	(void)state;
	init(&h);
	a = dom(&h, "a", 0);
	b = dom(&h, "b", 0);
	c = dom(&h, "c", 0);
	pa = alloc_unbound(&h, a, DOMID_SELF, b->id);
	assert_true(pa > 0);
	/* Only b may bind; bad ports and domains. */
	assert_int_equal(bind_interdomain(&h, c, a->id, (uint32_t)pa), -EINVAL);
	assert_int_equal(bind_interdomain(&h, b, a->id, 0), -EINVAL);
	assert_int_equal(bind_interdomain(&h, b, a->id, 5), -EINVAL);
	assert_int_equal(bind_interdomain(&h, b, a->id, 64), -EINVAL);
	assert_int_equal(bind_interdomain(&h, b, 0x7000, (uint32_t)pa), -ESRCH);
	/* A send before the bind is dropped; the bind sets b's port pending. */
	assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)pa), 0);
	pb = bind_interdomain(&h, b, a->id, (uint32_t)pa);
	assert_true(pb > 0);
	assert_true(pending(b, (uint32_t)pb));
	assert_int_equal(shinfo(b)->vcpu_info[0].evtchn_upcall_pending, 1);
	assert_true(shinfo(b)->vcpu_info[0].evtchn_pending_sel & (1ULL << (pb / 64)));
	assert_int_equal(bind_interdomain(&h, b, a->id, (uint32_t)pa), -EINVAL); /* now bound */
	assert_int_equal(status(&h, a, DOMID_SELF, (uint32_t)pa, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_interdomain);
	assert_int_equal(st.u.interdomain.dom, b->id);
	assert_int_equal(st.u.interdomain.port, pb);
	/* Sends both ways. */
	consume(b);
	assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)pa), 0);
	assert_true(pending(b, (uint32_t)pb));
	assert_false(pending(a, (uint32_t)pa));
	assert_int_equal(port_op(&h, b, EVTCHNOP_send, (uint32_t)pb), 0);
	assert_true(pending(a, (uint32_t)pa));
	/* Close one end: the other goes back to unbound for the closer,
	 * unnotified; its sends are dropped; the closer can bind again. */
	consume(a);
	consume(b);
	assert_int_equal(port_op(&h, a, EVTCHNOP_close, (uint32_t)pa), 0);
	assert_false(pending(b, (uint32_t)pb));
	assert_int_equal(shinfo(b)->vcpu_info[0].evtchn_upcall_pending, 0);
	assert_int_equal(status(&h, b, DOMID_SELF, (uint32_t)pb, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, a->id);
	assert_int_equal(port_op(&h, b, EVTCHNOP_send, (uint32_t)pb), 0);
	assert_false(pending(a, (uint32_t)pa));
	assert_int_equal(bind_interdomain(&h, c, b->id, (uint32_t)pb), -EINVAL);
	pa = bind_interdomain(&h, a, b->id, (uint32_t)pb);
	assert_true(pa > 0);
	assert_true(pending(a, (uint32_t)pa));
	/* Loopback: a port bound to another port of the same domain. */
	{
		int64_t l1 = alloc_unbound(&h, c, DOMID_SELF, DOMID_SELF), l2;

		l2 = bind_interdomain(&h, c, DOMID_SELF, (uint32_t)l1);
		assert_true(l2 > l1);
		consume(c);
		assert_int_equal(port_op(&h, c, EVTCHNOP_send, (uint32_t)l2), 0);
		assert_true(pending(c, (uint32_t)l1));
		assert_int_equal(port_op(&h, c, EVTCHNOP_close, (uint32_t)l1), 0);
		assert_int_equal(status(&h, c, DOMID_SELF, (uint32_t)l2, &st), 0);
		assert_int_equal(st.status, EVTCHNSTAT_unbound);
		assert_int_equal(st.u.unbound.dom, c->id);
	}
	h_fini(&h);
}

static void test_peer_death(void **state)
{
	struct harness h;
	struct domain *d0, *a, *b;
	struct evtchn_status st;
	int64_t pa, pb, exc;
	domid_t aid;

	(void)state;
	init(&h);
	d0 = dom(&h, "dom0", DOMF_privileged);
	a = dom(&h, "a", 0);
	b = dom(&h, "b", 0);
	exc = bind_virq(&h, d0, VIRQ_DOM_EXC, 0);
	assert_true(exc > 0);
	pa = alloc_unbound(&h, a, DOMID_SELF, b->id);
	pb = bind_interdomain(&h, b, a->id, (uint32_t)pa);
	assert_true(pb > 0);
	consume(b);
	aid = a->id;
	destroy(&h, a);
	/* b's end is unbound for the dead domain, not pending; sends dropped. */
	assert_int_equal(status(&h, b, DOMID_SELF, (uint32_t)pb, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, aid);
	assert_false(pending(b, (uint32_t)pb));
	assert_int_equal(port_op(&h, b, EVTCHNOP_send, (uint32_t)pb), 0);
	assert_int_equal(bind_interdomain(&h, b, aid, 1), -ESRCH);
	/* The handler of VIRQ_DOM_EXC heard of it. */
	assert_true(pending(d0, (uint32_t)exc));
	/* A shutdown is announced the same way. */
	consume(d0);
	{
		struct sched_shutdown sd = {.reason = SHUTDOWN_poweroff};

		h_put(b, 0, &sd, sizeof(sd));
		assert_int_equal(h_call(&h, b, __HYPERVISOR_sched_op, SCHEDOP_shutdown, h_gpa(0), 0, 0,
					0), 0);
		h_audit(&h);
	}
	assert_true(pending(d0, (uint32_t)exc));
	/* A privileged caller works on other domains' ports. */
	assert_int_equal(status(&h, d0, b->id, (uint32_t)pb, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_true(alloc_unbound(&h, d0, b->id, d0->id) > 0);
	h_fini(&h);
}

/* ---- 2-level bits, masking, delivery --------------------------------- */

static void test_mask_and_delivery(void **state)
{
	struct harness h;
	struct domain *a;
	struct vcpu_info *vi;
	int64_t p;

	(void)state;
	init(&h);
	a = dom(&h, "a", 0);
	vi = &shinfo(a)->vcpu_info[0];
	p = bind_ipi(&h, a, 0);
	assert_true(p > 0);
	assert_int_equal(bind_ipi(&h, a, 1), -ENOENT);
	/* No callback: bits set, nothing kicked, no vector. */
	assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)p), 0);
	assert_true(pending(a, (uint32_t)p));
	assert_int_equal(vi->evtchn_upcall_pending, 1);
	assert_int_equal(kicks, 0);
	assert_int_equal(hv_vcpu_upcall_vector(h.hv, a, 0), -1);
	/* A vector callback: the flag already set is delivered at once, and
	 * re-offered while it stays set (no EOI). */
	set_callback_vector(&h, a, 0xf3);
	assert_int_equal(kicks, 1);
	assert_int_equal(hv_vcpu_upcall_vector(h.hv, a, 0), 0xf3);
	assert_int_equal(hv_vcpu_upcall_vector(h.hv, a, 0), 0xf3);
	assert_int_equal(hv_vcpu_upcall_vector(h.hv, a, 1), -1);
	consume(a);
	assert_int_equal(hv_vcpu_upcall_vector(h.hv, a, 0), -1);
	/* Masked: pending, no selector, no upcall; unmask re-raises. */
	set_mask(a, (uint32_t)p, true);
	assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)p), 0);
	assert_true(pending(a, (uint32_t)p));
	assert_int_equal(vi->evtchn_pending_sel, 0);
	assert_int_equal(vi->evtchn_upcall_pending, 0);
	assert_int_equal(kicks, 1);
	assert_int_equal(port_op(&h, a, EVTCHNOP_unmask, (uint32_t)p), 0);
	assert_int_equal(shinfo(a)->evtchn_mask[0], 0);
	assert_int_equal(vi->evtchn_pending_sel, 1);
	assert_int_equal(vi->evtchn_upcall_pending, 1);
	assert_int_equal(kicks, 2);
	/* Already pending: a second send changes nothing, kicks nobody -
	 * even when the guest has taken the selector and the upcall flag but
	 * not yet the port's bit (Xen stops at the pending bit). */
	assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)p), 0);
	assert_int_equal(kicks, 2);
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)p), 0);
	assert_int_equal(vi->evtchn_pending_sel, 0);
	assert_int_equal(vi->evtchn_upcall_pending, 0);
	assert_int_equal(kicks, 2);
	/* Unmask of an unmasked port does not re-raise. */
	consume(a);
	shinfo(a)->evtchn_pending[0] = 1ULL << p;
	assert_int_equal(port_op(&h, a, EVTCHNOP_unmask, (uint32_t)p), 0);
	assert_int_equal(vi->evtchn_upcall_pending, 0);
	/* Close clears pending, keeps the mask. */
	set_mask(a, (uint32_t)p, true);
	assert_int_equal(port_op(&h, a, EVTCHNOP_close, (uint32_t)p), 0);
	assert_false(pending(a, (uint32_t)p));
	assert_true(shinfo(a)->evtchn_mask[0] & (1ULL << p));
	/* Per-vCPU vector: errors, then one injection per 0->1 (edge). */
	{
		struct xen_hvm_evtchn_upcall_vector u = {.vcpu = 0, .vector = 0x0f};

		h_put(a, 0, &u, sizeof(u));
		assert_int_equal(h_call(&h, a, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector,
					h_gpa(0), 0, 0, 0), -EINVAL);
		u.vcpu = 1;
		u.vector = 0x40;
		h_put(a, 0, &u, sizeof(u));
		assert_int_equal(h_call(&h, a, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector,
					h_gpa(0), 0, 0, 0), -ENOENT);
		u.vcpu = 0;
		h_put(a, 0, &u, sizeof(u));
		assert_int_equal(h_call(&h, a, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector,
					h_gpa(0), 0, 0, 0), 0);
		h_audit(&h);
		/* Drop the global vector so only the edge one remains. */
		{
			uint64_t none = 0;

			assert_int_equal(hvm_param(&h, a, HVMOP_set_param, DOMID_SELF,
						   HVM_PARAM_CALLBACK_IRQ, &none), 0);
		}
		consume(a);
		p = bind_ipi(&h, a, 0);
		set_mask(a, (uint32_t)p, false);
		assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)p), 0);
		assert_int_equal(hv_vcpu_upcall_vector(h.hv, a, 0), 0x40);
		assert_int_equal(hv_vcpu_upcall_vector(h.hv, a, 0), -1);
	}
	/* GSI callbacks are stored and never delivered. */
	{
		uint64_t gsi = 5;

		assert_int_equal(hvm_param(&h, a, HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
					   &gsi), 0);
		gsi = 0;
		assert_int_equal(hvm_param(&h, a, HVMOP_get_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
					   &gsi), 0);
		assert_int_equal(gsi, 5);
	}
	h_fini(&h);
}

static void test_virq_ipi_vcpu(void **state)
{
	struct harness h;
	struct domain *d0, *u;
	struct evtchn_status st;
	struct evtchn_bind_vcpu bv;
	int64_t t, e;

	(void)state;
	init(&h);
	d0 = dom(&h, "dom0", DOMF_privileged);
	u = dom(&h, "u", 0);
	assert_int_equal(bind_virq(&h, u, NR_VIRQS, 0), -EINVAL);
	assert_int_equal(bind_virq(&h, u, VIRQ_CONSOLE, 1), -EINVAL);   /* global, vcpu != 0 */
	assert_int_equal(bind_virq(&h, u, VIRQ_TIMER, 1), -ENOENT);     /* per-vCPU, no vCPU 1 */
	t = bind_virq(&h, u, VIRQ_TIMER, 0);
	assert_true(t > 0);
	assert_int_equal(bind_virq(&h, u, VIRQ_TIMER, 0), -EEXIST);
	assert_int_equal(status(&h, u, DOMID_SELF, (uint32_t)t, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_virq);
	assert_int_equal(st.u.virq, VIRQ_TIMER);
	/* Sends on a VIRQ port are refused; bind_vcpu of a per-vCPU VIRQ too. */
	assert_int_equal(port_op(&h, u, EVTCHNOP_send, (uint32_t)t), -EINVAL);
	bv.port = (uint32_t)t;
	bv.vcpu = 0;
	assert_int_equal(ev(&h, u, EVTCHNOP_bind_vcpu, &bv), -EINVAL);
	/* The hypervisor raises it. */
	hv_lock(h.hv);
	evtchn_send_virq(u, VIRQ_TIMER, 0);
	hv_unlock(h.hv);
	assert_true(pending(u, (uint32_t)t));
	/* Global VIRQs: the newest release refuses a non-handler (4.21's
	 * -EBUSY), the handler binds; VIRQ_ARGO is per-domain there. */
	assert_int_equal(bind_virq(&h, u, VIRQ_DOM_EXC, 0), -EBUSY);
	assert_true(bind_virq(&h, u, VIRQ_ARGO, 0) > 0);
	e = bind_virq(&h, d0, VIRQ_DOM_EXC, 0);
	assert_true(e > 0);
	bv.port = (uint32_t)e;
	assert_int_equal(ev(&h, d0, EVTCHNOP_bind_vcpu, &bv), 0); /* global: movable */
	/* Before 4.21 the bind succeeds (and never fires). */
	h.hv->cfg.release = xen_policy_traits(XEN_POLICY_4_19);
	assert_true(bind_virq(&h, u, VIRQ_DOM_EXC, 0) > 0);
	assert_int_equal(bind_virq(&h, u, VIRQ_DOM_EXC, 0), -EEXIST);
	/* IPI: status, bind_vcpu refused. */
	t = bind_ipi(&h, u, 0);
	assert_int_equal(status(&h, u, DOMID_SELF, (uint32_t)t, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_ipi);
	bv.port = (uint32_t)t;
	assert_int_equal(ev(&h, u, EVTCHNOP_bind_vcpu, &bv), -EINVAL);
	h_fini(&h);
}

static void noop_notify(void *ctx, struct domain *d, uint32_t port)
{
	(void)ctx;
	(void)d;
	(void)port;
}

static void test_reset(void **state)
{
	struct harness h;
	struct domain *d0, *a, *b;
	struct evtchn_reset r;
	struct evtchn_status st;
	int64_t pa, pb;

	(void)state;
	init(&h);
	d0 = dom(&h, "dom0", DOMF_privileged);
	a = dom(&h, "a", 0);
	b = dom(&h, "b", 0);
	pa = alloc_unbound(&h, a, DOMID_SELF, b->id);
	pb = bind_interdomain(&h, b, a->id, (uint32_t)pa);
	assert_true(bind_ipi(&h, a, 0) > 0);
	assert_true(bind_virq(&h, a, VIRQ_TIMER, 0) > 0);
	r.dom = b->id;
	assert_int_equal(ev(&h, a, EVTCHNOP_reset, &r), -EPERM);
	r.dom = 0x7000;
	assert_int_equal(ev(&h, a, EVTCHNOP_reset, &r), -ESRCH);
	r.dom = a->id;
	assert_int_equal(ev(&h, d0, EVTCHNOP_reset, &r), -EINVAL); /* running */
	r.dom = DOMID_SELF;
	assert_int_equal(ev(&h, a, EVTCHNOP_reset, &r), 0);
	for (uint32_t p = 1; p < 4; p++) {
		assert_int_equal(status(&h, a, DOMID_SELF, p, &st), 0);
		assert_int_equal(st.status, EVTCHNSTAT_closed);
	}
	assert_int_equal(status(&h, b, DOMID_SELF, (uint32_t)pb, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	/* The VIRQ can be bound again. */
	assert_true(bind_virq(&h, a, VIRQ_TIMER, 0) > 0);
	/* A hypervisor-attached port survives and makes it -EAGAIN. */
	hv_lock(h.hv);
	assert_true(evtchn_alloc_xen_port(a, b->id, noop_notify, NULL) > 0);
	hv_unlock(h.hv);
	assert_int_equal(ev(&h, a, EVTCHNOP_reset, &r), -EAGAIN);
	/* Another domain once it stopped running. */
	a->state = DOMS_shutdown;
	r.dom = b->id;
	b->state = DOMS_shutdown;
	assert_int_equal(ev(&h, d0, EVTCHNOP_reset, &r), 0);
	h_fini(&h);
}

/* ---- shared_info, vcpu_info, time -------------------------------------- */

static void test_shared_info(void **state)
{
	struct harness h;
	struct domain *a;
	uint64_t tot;
	int64_t p;

	(void)state;
	init(&h);
	a = h_domain(&h, "a", 0, 256);
	/* Events before the guest maps shared_info land in the hypervisor's
	 * page and are there once it is mapped. */
	p = bind_ipi(&h, a, 0);
	assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)p), 0);
	h_populate(&h, a, SHINFO_GFN, 2);
	tot = a->tot_pages;
	assert_int_equal(map_shinfo(&h, a, 1, SHINFO_GFN), -EINVAL);
	assert_int_equal(map_shinfo(&h, a, 0, 1ULL << 40), -EINVAL);
	assert_int_equal(map_shinfo(&h, a, 0, SHINFO_GFN), 0);
	/* The RAM page that was there is freed. */
	assert_int_equal(a->tot_pages, tot - 1);
	assert_true(pending(a, (uint32_t)p));
	assert_int_equal(shinfo(a)->vcpu_info[0].evtchn_upcall_pending, 1);
	/* Wallclock written, version even. */
	assert_int_equal(shinfo(a)->wc_version % 2, 0);
	assert_true(shinfo(a)->wc_sec || shinfo(a)->wc_sec_hi);
	assert_int_equal(shinfo(a)->vcpu_info[0].time.version % 2, 0);
	/* Same place again: nothing changes. */
	assert_int_equal(map_shinfo(&h, a, 0, SHINFO_GFN), 0);
	assert_int_equal(a->tot_pages, tot - 1);
	/* Moving it: the old GFN maps nothing, the RAM page at the new one
	 * goes, the contents follow. */
	assert_int_equal(map_shinfo(&h, a, 0, SHINFO_GFN + 1), 0);
	assert_int_equal(a->tot_pages, tot - 2);
	hv_lock(h.hv);
	assert_true(mfn_eq(p2m_lookup(a, _gfn(SHINFO_GFN), NULL, NULL), INVALID_MFN));
	hv_unlock(h.hv);
	assert_true(((struct shared_info *)h_va(a, (SHINFO_GFN + 1) << PAGE_SHIFT))->evtchn_pending[0] &
		    (1ULL << p));
	/* The guest moves it itself (XENMAPSPACE_gmfn): mapping it again
	 * still leaves it mapped once. */
	{
		struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn,
					       .idx = SHINFO_GFN + 1, .gpfn = SHINFO_GFN + 5};

		h_put(a, 0, &x, sizeof(x));
		assert_int_equal(h_call(&h, a, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
					h_gpa(0), 0, 0, 0), 0);
		h_audit(&h);
		assert_int_equal(map_shinfo(&h, a, 0, SHINFO_GFN + 1), 0);
		hv_lock(h.hv);
		assert_true(mfn_eq(p2m_lookup(a, _gfn(SHINFO_GFN + 5), NULL, NULL), INVALID_MFN));
		hv_unlock(h.hv);
		/* and back where the next steps expect it */
		assert_int_equal(map_shinfo(&h, a, 0, SHINFO_GFN + 5), 0);
		assert_int_equal(map_shinfo(&h, a, 0, SHINFO_GFN + 1), 0);
	}
	/* The guest removes it itself; mapping again still works. */
	{
		struct xen_remove_from_physmap x = {.domid = DOMID_SELF, .gpfn = SHINFO_GFN + 1};

		h_put(a, 0, &x, sizeof(x));
		assert_int_equal(h_call(&h, a, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
					h_gpa(0), 0, 0, 0), 0);
		h_audit(&h);
	}
	assert_int_equal(map_shinfo(&h, a, 0, SHINFO_GFN), 0);
	assert_true(pending(a, (uint32_t)p));
	/* Another domain's shared_info needs privilege. */
	{
		struct domain *b = h_domain(&h, "b", 0, 64);
		struct xen_add_to_physmap x = {.domid = a->id, .space = XENMAPSPACE_shared_info,
					       .gpfn = SHINFO_GFN};

		h_put(b, 0, &x, sizeof(x));
		assert_int_equal(h_call(&h, b, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
					h_gpa(0), 0, 0, 0), -EPERM);
		h_audit(&h);
	}
	/* HVMOP_get_time: system time, refreshed in vcpu_time_info. */
	{
		struct xen_hvm_get_time t = {0};

		assert_int_equal(h_call(&h, a, __HYPERVISOR_hvm_op, HVMOP_get_time, h_gpa(0), 0, 0, 0), 0);
		h_get(a, 0, &t, sizeof(t));
		/* Refreshed after the value was taken (a monotonic clock). */
		assert_true(t.now > 0);
		assert_true(shinfo(a)->vcpu_info[0].time.system_time >= t.now);
		assert_int_equal(h_call(&h, a, __HYPERVISOR_hvm_op, HVMOP_get_time, 0x7770000000ULL,
					0, 0, 0), -EFAULT);
	}
	/* The frame goes back when the domain goes. */
	destroy(&h, a);
	h_fini(&h);
}

static int64_t register_vi(struct harness *h, struct domain *d, uint64_t vcpu, uint64_t gfn,
			   uint32_t off)
{
	struct vcpu_register_vcpu_info r = {.mfn = gfn, .offset = off};
	int64_t rc;

	h_put(d, 0, &r, sizeof(r));
	rc = h_call(h, d, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, vcpu, h_gpa(0), 0, 0);
	h_audit(h);
	return rc;
}

static void test_register_vcpu_info(void **state)
{
	static const enum xen_policy pol[] = {XEN_POLICY_4_17, XEN_POLICY_LATEST};

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(pol); k++) {
		struct harness h;
		struct domain *a;
		struct vcpu_info *vi;
		uint64_t free0;
		int64_t p;

		init(&h);
		h.hv->cfg.release = xen_policy_traits(pol[k]);
		a = dom(&h, "a", 0);
		set_callback_vector(&h, a, 0xf3);
		p = bind_ipi(&h, a, 0);
		set_mask(a, (uint32_t)p, true);
		assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)p), 0);
		assert_int_equal(register_vi(&h, a, 1, VI_GFN, 0), -ENOENT);
		assert_int_equal(register_vi(&h, a, 0, VI_GFN, 4), -ENXIO);
		assert_int_equal(register_vi(&h, a, 0, VI_GFN, 4096 - 56), -ENXIO);
		assert_int_equal(register_vi(&h, a, 0, 0x30000, 0), -EINVAL); /* not RAM */
		assert_int_equal(register_vi(&h, a, 0, SHINFO_GFN, 64), -EINVAL); /* hypervisor page */
		assert_int_equal(h_call(&h, a, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0,
					0x7770000000ULL, 0, 0), -EFAULT);
		assert_int_equal(h_call(&h, a, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0, 0, 0), 1);
		assert_int_equal(h_call(&h, a, __HYPERVISOR_vcpu_op, VCPUOP_initialise, 0, 0, 0, 0),
				 -EFAULT);
		kicks = 0;
		assert_int_equal(register_vi(&h, a, 0, VI_GFN, 4096 - 64), 0);
		vi = h_va(a, (VI_GFN << PAGE_SHIFT) + 4096 - 64);
		/* One spurious upcall: every selector bit, upcall pending. */
		assert_int_equal(vi->evtchn_pending_sel, ~0ULL);
		assert_int_equal(vi->evtchn_upcall_pending, 1);
		assert_int_equal(kicks, 1);
		/* One-shot. */
		assert_int_equal(register_vi(&h, a, 0, VI_GFN, 0),
				 pol[k] == XEN_POLICY_4_17 ? -EINVAL : -EBUSY);
		/* Events now mark the new place. */
		vi->evtchn_pending_sel = 0;
		vi->evtchn_upcall_pending = 0;
		set_mask(a, (uint32_t)p, false);
		consume(a); /* clears pending in shared_info (slot 0 is unused now) */
		assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)p), 0);
		assert_int_equal(vi->evtchn_pending_sel, 1);
		assert_int_equal(vi->evtchn_upcall_pending, 1);
		/* The guest frees the page: the hypervisor's reference keeps it. */
		{
			uint64_t g = VI_GFN;

			assert_int_equal(h_reservation(&h, a, XENMEM_decrease_reservation, &g, 1, 0,
						       DOMID_SELF), 1);
			h_audit(&h);
		}
		/* Destruction drops it: the domain and every frame go. */
		free0 = h.hv->heap.free_pages;
		destroy(&h, a);
		assert_true(h.hv->heap.free_pages > free0);
		assert_null(domain_by_id(h.hv, 1));
		h_fini(&h);
	}
}

static void test_hvm_params(void **state)
{
	struct harness h;
	struct domain *d0, *u;
	uint64_t v;

	(void)state;
	init(&h);
	d0 = dom(&h, "dom0", DOMF_privileged);
	u = dom(&h, "u", 0);
	v = 1;
	assert_int_equal(hvm_param(&h, u, HVMOP_set_param, DOMID_SELF, HVM_NR_PARAMS, &v), -EINVAL);
	assert_int_equal(hvm_param(&h, u, HVMOP_get_param, 0x7000, HVM_NR_PARAMS, &v), -EINVAL);
	assert_int_equal(hvm_param(&h, u, HVMOP_get_param, 0x7000, 0, &v), -ESRCH);
	assert_int_equal(hvm_param(&h, u, HVMOP_get_param, d0->id, 0, &v), -EPERM);
	assert_int_equal(hvm_param(&h, u, HVMOP_set_param, DOMID_SELF, HVM_PARAM_DM_DOMAIN, &v),
			 -EINVAL);
	assert_int_equal(hvm_param(&h, u, HVMOP_get_param, DOMID_SELF, HVM_PARAM_PAE_ENABLED, &v),
			 -EINVAL);
	/* Self: settable and readable sets. */
	assert_int_equal(hvm_param(&h, u, HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v),
			 -EPERM);
	assert_int_equal(hvm_param(&h, u, HVMOP_get_param, DOMID_SELF, HVM_PARAM_IDENT_PT, &v),
			 -EPERM);
	v = 7;
	assert_int_equal(hvm_param(&h, u, HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_EVTCHN, &v),
			 0);
	v = 0;
	assert_int_equal(hvm_param(&h, u, HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_EVTCHN, &v),
			 0);
	assert_int_equal(v, 7);
	/* The controller sets what the guest reads. */
	v = 0x1234;
	assert_int_equal(hvm_param(&h, d0, HVMOP_set_param, u->id, HVM_PARAM_STORE_PFN, &v), 0);
	v = 0;
	assert_int_equal(hvm_param(&h, u, HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v), 0);
	assert_int_equal(v, 0x1234);
	/* Set-once. */
	v = 1;
	assert_int_equal(hvm_param(&h, d0, HVMOP_set_param, u->id, HVM_PARAM_VIRIDIAN, &v), 0);
	assert_int_equal(hvm_param(&h, d0, HVMOP_set_param, u->id, HVM_PARAM_VIRIDIAN, &v), 0);
	v = 2;
	assert_int_equal(hvm_param(&h, d0, HVMOP_set_param, u->id, HVM_PARAM_VIRIDIAN, &v), -EEXIST);
	/* Other ops. */
	assert_int_equal(h_call(&h, u, __HYPERVISOR_hvm_op, HVMOP_flush_tlbs, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(h_call(&h, u, __HYPERVISOR_hvm_op, 99, 0, 0, 0, 0), -ENOSYS);
	assert_int_equal(h_call(&h, u, __HYPERVISOR_hvm_op, HVMOP_set_param, 0x7770000000ULL, 0, 0,
				0), -EFAULT);
	h_fini(&h);
}

/* ---- hypervisor-attached ports --------------------------------------- */

static unsigned int notified;
static uint32_t notified_port;
static void xen_notify(void *ctx, struct domain *d, uint32_t port)
{
	assert_ptr_equal(ctx, &notified);
	(void)d;
	notified++;
	notified_port = port;
}

static void test_xen_ports(void **state)
{
	struct harness h;
	struct domain *g, *dm;
	struct evtchn_status st;
	struct evtchn_bind_vcpu bv = {.vcpu = 0};
	int xp;
	int64_t pb;

	(void)state;
	init(&h);
	g = dom(&h, "guest", 0);
	dm = dom(&h, "dm", 0);
	hv_lock(h.hv);
	xp = evtchn_alloc_xen_port(g, dm->id, xen_notify, &notified);
	/* Unbound: the hypervisor's notifications are lost. */
	evtchn_xen_send(g, (uint32_t)xp);
	hv_unlock(h.hv);
	h_audit(&h);
	assert_true(xp > 0);
	/* The guest cannot close, send on or move it. */
	assert_int_equal(port_op(&h, g, EVTCHNOP_close, (uint32_t)xp), -EINVAL);
	assert_int_equal(port_op(&h, g, EVTCHNOP_send, (uint32_t)xp), -EINVAL);
	bv.port = (uint32_t)xp;
	assert_int_equal(ev(&h, g, EVTCHNOP_bind_vcpu, &bv), -EINVAL);
	assert_int_equal(status(&h, g, DOMID_SELF, (uint32_t)xp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	/* The device model binds; its sends reach the notifier. */
	pb = bind_interdomain(&h, dm, g->id, (uint32_t)xp);
	assert_true(pb > 0);
	consume(dm);
	assert_int_equal(port_op(&h, dm, EVTCHNOP_send, (uint32_t)pb), 0);
	assert_int_equal(notified, 1);
	assert_int_equal(notified_port, xp);
	assert_false(pending(g, (uint32_t)xp));
	/* The hypervisor notifies the device model. */
	hv_lock(h.hv);
	evtchn_xen_send(g, (uint32_t)xp);
	hv_unlock(h.hv);
	assert_true(pending(dm, (uint32_t)pb));
	/* The device model closes: the port waits for it again. */
	assert_int_equal(port_op(&h, dm, EVTCHNOP_close, (uint32_t)pb), 0);
	assert_int_equal(status(&h, g, DOMID_SELF, (uint32_t)xp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, dm->id);
	pb = bind_interdomain(&h, dm, g->id, (uint32_t)xp);
	assert_true(pb > 0);
	/* Freed by the hypervisor: the peer is unbound. */
	hv_lock(h.hv);
	evtchn_free_xen_port(g, (uint32_t)xp);
	hv_unlock(h.hv);
	h_audit(&h);
	assert_int_equal(status(&h, dm, DOMID_SELF, (uint32_t)pb, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(status(&h, g, DOMID_SELF, (uint32_t)xp, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_closed);
	/* A Xen port whose domain dies goes with it. */
	hv_lock(h.hv);
	xp = evtchn_alloc_xen_port(g, DOMID_SELF, xen_notify, &notified);
	hv_unlock(h.hv);
	assert_true(xp > 0);
	hv_lock(h.hv);
	g->hcall_pins++; /* keep the dying domain, as a running call would */
	hv_unlock(h.hv);
	destroy(&h, g);
	/* Sends and frees by the hypervisor after the death are no-ops. */
	hv_lock(h.hv);
	evtchn_xen_send(g, (uint32_t)xp);
	evtchn_free_xen_port(g, (uint32_t)xp);
	g->hcall_pins--;
	domain_finalise(g);
	hv_unlock(h.hv);
	h_audit(&h);
	h_fini(&h);
}

/* ---- blocking: poll and block, woken from another thread ------------- */

struct sleeper {
	struct harness *h;
	struct domain *d;
	uint64_t cmd, arg;
	int64_t rc;
	pthread_t t;
};

static void *sleeper_main(void *p)
{
	struct sleeper *s = p;

	s->rc = h_call(s->h, s->d, __HYPERVISOR_sched_op, s->cmd, s->arg, 0, 0, 0);
	return NULL;
}

static void start(struct sleeper *s, struct harness *h, struct domain *d, uint64_t cmd, uint64_t arg)
{
	s->h = h;
	s->d = d;
	s->cmd = cmd;
	s->arg = arg;
	s->rc = 12345;
	assert_int_equal(pthread_create(&s->t, NULL, sleeper_main, s), 0);
}

/* Waits (no time assertion: a bounded number of tries) until the
 * sleeper's vCPU sleeps inside its hypercall. */
static void wait_sleeping(struct harness *h, struct domain *d)
{
	for (unsigned int i = 0; i < 200000; i++) {
		if (hv_vcpu_blocked(h->hv, d, 0))
			return;
		sched_yield();
		if (i > 1000) {
			struct timespec ts = {0, 100000};

			nanosleep(&ts, NULL);
		}
	}
	fail_msg("the vCPU never went to sleep");
}

static int64_t finish(struct sleeper *s)
{
	pthread_join(s->t, NULL);
	return s->rc;
}

static uint64_t put_poll(struct domain *d, const uint32_t *ports, unsigned int n, uint64_t timeout)
{
	struct sched_poll sp = {.ports = h_gpa(0x100), .nr_ports = n, .timeout = timeout};

	h_put(d, 0x100, ports, n * sizeof(*ports));
	h_put(d, 0x80, &sp, sizeof(sp));
	return h_gpa(0x80);
}

static int64_t poll_now(struct harness *h, struct domain *d, const uint32_t *ports, unsigned int n,
			uint64_t timeout)
{
	int64_t rc = h_call(h, d, __HYPERVISOR_sched_op, SCHEDOP_poll, put_poll(d, ports, n, timeout),
			    0, 0, 0);

	h_audit(h);
	return rc;
}

static void test_poll(void **state)
{
	struct harness h;
	struct domain *a, *b;
	struct sleeper s;
	uint32_t ports[129] = {0};
	int64_t pa, pb, ipi;

	(void)state;
	init(&h);
	a = dom(&h, "a", 0);
	b = dom(&h, "b", 0);
	pa = alloc_unbound(&h, a, DOMID_SELF, b->id);
	pb = bind_interdomain(&h, b, a->id, (uint32_t)pa);
	ipi = bind_ipi(&h, a, 0);
	/* Errors. */
	assert_int_equal(poll_now(&h, a, ports, 129, 1), -EINVAL);
	assert_int_equal(h_call(&h, a, __HYPERVISOR_sched_op, SCHEDOP_poll, 0x7770000000ULL, 0, 0, 0),
			 -EFAULT);
	{
		struct sched_poll sp = {.ports = 0x7770000000ULL, .nr_ports = 2, .timeout = 1};

		h_put(a, 0x80, &sp, sizeof(sp));
		assert_int_equal(h_call(&h, a, __HYPERVISOR_sched_op, SCHEDOP_poll, h_gpa(0x80), 0, 0,
					0), -EFAULT);
	}
	ports[0] = 1024;
	assert_int_equal(poll_now(&h, a, ports, 1, 1), -EINVAL);
	/* A port below the limit but never allocated is just not pending. */
	ports[0] = 900;
	assert_int_equal(poll_now(&h, a, ports, 1, 1), 0);
	/* A past timeout returns at once. */
	ports[0] = (uint32_t)pa;
	assert_int_equal(poll_now(&h, a, ports, 1, 1), 0);
	/* A pending listed port (even masked) returns at once; the scan
	 * stops there, so a later bad port is not seen. */
	set_mask(a, (uint32_t)ipi, true);
	assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)ipi), 0);
	ports[0] = (uint32_t)ipi;
	ports[1] = 5000;
	assert_int_equal(poll_now(&h, a, ports, 2, 0), 0);
	ports[0] = 5000;
	ports[1] = (uint32_t)ipi;
	assert_int_equal(poll_now(&h, a, ports, 2, 0), -EINVAL);
	consume(a);

	/* Sleeps until the peer sends on a listed, masked port. */
	set_mask(a, (uint32_t)pa, true);
	ports[0] = (uint32_t)pa;
	start(&s, &h, a, SCHEDOP_poll, put_poll(a, ports, 1, 0));
	wait_sleeping(&h, a);
	h_audit(&h);
	/* A send on an unlisted port does not wake it... */
	assert_int_equal(port_op(&h, a, EVTCHNOP_send, (uint32_t)ipi), 0);
	hv_lock(h.hv);
	assert_true(a->vcpu[0].sleeping);
	hv_unlock(h.hv);
	/* ...the listed one does. */
	assert_int_equal(port_op(&h, b, EVTCHNOP_send, (uint32_t)pb), 0);
	assert_int_equal(finish(&s), 0);
	h_audit(&h);
	consume(a);

	/* Woken by the transport (hv_vcpu_wake). */
	start(&s, &h, a, SCHEDOP_poll, put_poll(a, ports, 1, 0));
	wait_sleeping(&h, a);
	hv_vcpu_wake(h.hv, a, 0);
	assert_int_equal(finish(&s), 0);

	/* A timeout a little ahead ends it (the value is not asserted). */
	{
		struct xen_hvm_get_time t;

		assert_int_equal(h_call(&h, a, __HYPERVISOR_hvm_op, HVMOP_get_time, h_gpa(0), 0, 0, 0),
				 0);
		h_get(a, 0, &t, sizeof(t));
		start(&s, &h, a, SCHEDOP_poll, put_poll(a, ports, 1, t.now + 2000000));
		assert_int_equal(finish(&s), 0);
	}

	/* With no port at all and no event source, only a wake ends it. */
	start(&s, &h, b, SCHEDOP_poll, put_poll(b, ports, 0, 0));
	wait_sleeping(&h, b);
	hv_vcpu_wake(h.hv, b, 0);
	assert_int_equal(finish(&s), 0);

	/* Destroying the domain wakes it; the domain goes after the call. */
	start(&s, &h, a, SCHEDOP_poll, put_poll(a, ports, 1, 0));
	wait_sleeping(&h, a);
	destroy(&h, a);
	assert_int_equal(finish(&s), 0);
	h_audit(&h);
	hv_lock(h.hv);
	assert_null(domain_by_id(h.hv, 1));
	hv_unlock(h.hv);
	h_fini(&h);
}

static void test_block(void **state)
{
	struct harness h;
	struct domain *a, *b;
	struct sleeper s;
	int64_t pa, pb;

	(void)state;
	init(&h);
	a = dom(&h, "a", 0);
	b = dom(&h, "b", 0);
	pa = alloc_unbound(&h, a, DOMID_SELF, b->id);
	pb = bind_interdomain(&h, b, a->id, (uint32_t)pa);
	assert_true(pb > 0);
	/* Without a callback, only the transport's wake ends a block. */
	shinfo(a)->vcpu_info[0].evtchn_upcall_mask = 1;
	start(&s, &h, a, SCHEDOP_block, 0);
	wait_sleeping(&h, a);
	assert_int_equal(shinfo(a)->vcpu_info[0].evtchn_upcall_mask, 0); /* re-enabled */
	assert_int_equal(port_op(&h, b, EVTCHNOP_send, (uint32_t)pb), 0);
	hv_lock(h.hv);
	assert_true(a->vcpu[0].sleeping);
	hv_unlock(h.hv);
	hv_vcpu_wake(h.hv, a, 0);
	assert_int_equal(finish(&s), 0);
	/* With a vector callback and the flag set: returns at once. */
	set_callback_vector(&h, a, 0xf3);
	assert_int_equal(h_call(&h, a, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0, 0), 0);
	h_audit(&h);
	/* Flag clear: sleeps until the peer's event. */
	consume(a);
	kicks = 0;
	start(&s, &h, a, SCHEDOP_block, 0);
	wait_sleeping(&h, a);
	assert_int_equal(port_op(&h, b, EVTCHNOP_send, (uint32_t)pb), 0);
	assert_int_equal(finish(&s), 0);
	assert_int_equal(kicks, 1);
	assert_int_equal(hv_vcpu_upcall_vector(h.hv, a, 0), 0xf3);
	/* A masked event does not end a block. */
	consume(a);
	set_mask(a, (uint32_t)pa, true);
	start(&s, &h, a, SCHEDOP_block, 0);
	wait_sleeping(&h, a);
	assert_int_equal(port_op(&h, b, EVTCHNOP_send, (uint32_t)pb), 0);
	hv_lock(h.hv);
	assert_true(a->vcpu[0].sleeping);
	hv_unlock(h.hv);
	/* Unmasking through the hypercall (from another vCPU's thread here)
	 * re-raises it and wakes the sleeper. */
	assert_int_equal(port_op(&h, a, EVTCHNOP_unmask, (uint32_t)pa), 0);
	assert_int_equal(finish(&s), 0);
	/* A transport's wake that comes before the block is not lost: the
	 * next block returns at once, the one after sleeps again. */
	consume(a);
	hv_vcpu_wake(h.hv, a, 0);
	assert_int_equal(h_call(&h, a, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0, 0), 0);
	start(&s, &h, a, SCHEDOP_block, 0);
	wait_sleeping(&h, a);
	hv_vcpu_wake(h.hv, a, 0);
	assert_int_equal(finish(&s), 0);
	hv_vcpu_wake(h.hv, a, 0);
	{
		uint32_t none[1] = {0};

		assert_int_equal(poll_now(&h, a, none, 0, 0), 0);
	}
	/* Destroy wakes a blocked vCPU. */
	consume(a);
	start(&s, &h, b, SCHEDOP_block, 0);
	wait_sleeping(&h, b);
	destroy(&h, b);
	assert_int_equal(finish(&s), 0);
	h_fini(&h);
}

/* The hypervisor's own wait (IOREQ): a vCPU waits until the notifier of
 * a Xen-attached port, called by the emulator's send, wakes it. */
struct waiter {
	struct harness *h;
	struct domain *d;
	volatile bool done;
	int rc, wakes;
	pthread_t t;
};

static void waiter_notify(void *ctx, struct domain *d, uint32_t port)
{
	struct waiter *w = ctx;

	(void)port;
	w->done = true;
	evtchn_vcpu_wake(d, 0);
}

static void *waiter_main(void *p)
{
	struct waiter *w = p;

	hv_lock(w->h->hv);
	while (!w->done && !w->rc) {
		w->rc = evtchn_vcpu_wait(w->d, 0, 0);
		w->wakes++;
	}
	hv_unlock(w->h->hv);
	return NULL;
}

static void test_vcpu_wait(void **state)
{
	struct harness h;
	struct domain *g, *dm;
	struct waiter w = {0};
	int xp;
	int64_t pb;
	uint64_t now;

	(void)state;
	init(&h);
	g = dom(&h, "guest", 0);
	dm = dom(&h, "dm", 0);
	hv_lock(h.hv);
	xp = evtchn_alloc_xen_port(g, dm->id, waiter_notify, &w);
	/* A deadline passed or reached: -ETIMEDOUT. */
	assert_int_equal(evtchn_vcpu_wait(g, 0, 1), -ETIMEDOUT);
	now = hv_system_time(h.hv);
	assert_int_equal(evtchn_vcpu_wait(g, 0, now + 1000000), -ETIMEDOUT);
	hv_unlock(h.hv);
	assert_true(xp > 0);
	pb = bind_interdomain(&h, dm, g->id, (uint32_t)xp);
	assert_true(pb > 0);
	w.h = &h;
	w.d = g;
	assert_int_equal(pthread_create(&w.t, NULL, waiter_main, &w), 0);
	wait_sleeping(&h, g);
	assert_int_equal(port_op(&h, dm, EVTCHNOP_send, (uint32_t)pb), 0);
	pthread_join(w.t, NULL);
	assert_true(w.done);
	assert_int_equal(w.rc, 0);
	h_audit(&h);
	h_fini(&h);
}

/* The audit notices broken port state (it is not vacuous). */
static void test_audit_catches(void **state)
{
	struct harness h;
	struct domain *a, *b;
	char buf[256];
	int64_t pa, pb;
	uint32_t keep;

	(void)state;
	init(&h);
	a = dom(&h, "a", 0);
	b = dom(&h, "b", 0);
	pa = alloc_unbound(&h, a, DOMID_SELF, b->id);
	pb = bind_interdomain(&h, b, a->id, (uint32_t)pa);
	assert_true(pb > 0);
	/* One end naming another port of its peer: not mutual. */
	hv_lock(h.hv);
	keep = evd(b)->ports[pb].remote_port;
	evd(b)->ports[pb].remote_port = 7;
	hv_unlock(h.hv);
	assert_int_equal(hv_audit(h.hv, buf, sizeof(buf)), -1);
	assert_non_null(strstr(buf, "not mutual"));
	/* Naming a domain that does not exist. */
	hv_lock(h.hv);
	evd(b)->ports[pb].remote_port = keep;
	evd(b)->ports[pb].remote_dom = 0x7001;
	hv_unlock(h.hv);
	assert_int_equal(hv_audit(h.hv, buf, sizeof(buf)), -1);
	assert_non_null(strstr(buf, "dead"));
	hv_lock(h.hv);
	evd(b)->ports[pb].remote_dom = a->id;
	/* A VIRQ table entry naming a port of another kind. */
	evd(a)->virq_port[0][VIRQ_DEBUG] = (uint32_t)pa;
	hv_unlock(h.hv);
	assert_int_equal(hv_audit(h.hv, buf, sizeof(buf)), -1);
	hv_lock(h.hv);
	evd(a)->virq_port[0][VIRQ_DEBUG] = 0;
	hv_unlock(h.hv);
	assert_int_equal(hv_audit(h.hv, buf, sizeof(buf)), 0);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_and_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_interdomain),
		cmocka_unit_test(test_peer_death),
		cmocka_unit_test(test_mask_and_delivery),
		cmocka_unit_test(test_virq_ipi_vcpu),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_shared_info),
		cmocka_unit_test(test_register_vcpu_info),
		cmocka_unit_test(test_hvm_params),
		cmocka_unit_test(test_xen_ports),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_vcpu_wait),
		cmocka_unit_test(test_audit_catches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
