/*
 * Event channels, guest side (see xen/evtchn.h).
 *
 * Invariants: once ready, shared points at the shared_info page the
 * hypervisor placed at shared_gfn and vcpu at vCPU 0's slot in it; the
 * callback vector is registered only after the interrupt handler is
 * installed, so no upcall finds the runtime without one. The pending and
 * selector words are shared with the hypervisor: every read-modify-write
 * on them is atomic, and the scan clears upcall_pending before it takes
 * the selector and each pending bit before the port's handler runs, so an
 * event marked during the scan is either seen by it or raises a new
 * upcall (Xen's order on both sides, xen-facts-devices 1.3 and pitfall 5).
 */
#include <public/errno.h>
#include <public/hvm_op.h>
#include <public/memory.h>
#include <public/vcpu.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <xen/evtchn.h>
#include <xen/unpopulated.h>

#define PORT_WORD_BITS 64u
#define SCAN_ROUNDS 64u	       /* bound on re-scans within one upcall */

static RT_TLS struct xevtchn ev;

struct xevtchn *xevtchn(void)
{
	return &ev;
}

static long evtchn_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_event_channel_op, cmd, rt_virt_to_phys(arg), 0, 0, 0);
}

static long hvm_op(unsigned int op, void *arg)
{
	return rt_hypercall(__HYPERVISOR_hvm_op, op, rt_virt_to_phys(arg), 0, 0, 0);
}

static bool port_ok(evtchn_port_t port)
{
	return port < XEVTCHN_NR_PORTS;
}

static uint64_t bit(evtchn_port_t port)
{
	return 1ULL << (port % PORT_WORD_BITS);
}

static void upcall(void *ctx)
{
	(void)ctx;
	xevtchn_scan();
}

void xevtchn_scan(void)
{
	struct shared_info *s = ev.shared;
	struct vcpu_info *v = ev.vcpu;

	if (!ev.ready)
		return;
	ev.upcalls++;
	for (unsigned int round = 0; round < SCAN_ROUNDS; round++) {
		uint64_t sel;

		/* Clear first: whatever is marked from here on raises again. */
		__atomic_store_n(&v->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
		sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
		if (!sel)
			return;
		while (sel) {
			unsigned int w = (unsigned int)__builtin_ctzll(sel);
			uint64_t bits;

			sel &= sel - 1;
			bits = __atomic_load_n(&s->evtchn_pending[w], __ATOMIC_ACQUIRE) &
			       ~__atomic_load_n(&s->evtchn_mask[w], __ATOMIC_ACQUIRE);
			while (bits) {
				evtchn_port_t port =
					w * PORT_WORD_BITS + (unsigned int)__builtin_ctzll(bits);
				struct xevtchn_port_info *pi = &ev.port[port];

				bits &= bits - 1;
				/* No handler: the program tests and clears it. */
				if (!pi->fn || !xevtchn_test_and_clear(port))
					continue;
				pi->count++;
				ev.handled++;
				pi->fn(port, pi->ctx);
			}
		}
	}
}

int xevtchn_init(xen_pfn_t gfn)
{
	struct xen_add_to_physmap a = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
				       .idx = 0};
	struct xen_hvm_param p = {.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ};
	unsigned long port_pages =
		(XEVTCHN_NR_PORTS * sizeof(struct xevtchn_port_info) + RT_PAGE_SIZE - 1) /
		RT_PAGE_SIZE;
	xen_pfn_t gfns[1];
	bool took = false;
	long rc;

	if (ev.ready)
		return 0;
	if (!gfn) {
		rc = xen_alloc_unpopulated_pages(1, gfns);
		if (rc)
			return (int)rc;
		gfn = gfns[0];
		took = true;
	}
	ev.port = rt_alloc_pages(port_pages);
	if (!ev.port) {
		rc = -XEN_ENOMEM;
		goto err_gfn;
	}
	a.gpfn = gfn;
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &a);
	if (rc) {
		rt_printf("xen: evtchn: shared_info at gfn %#lx: %ld\n", (unsigned long)gfn, rc);
		goto err_port;
	}
	if (rt_map_range(gfn << 12, RT_PAGE_SIZE)) {
		rc = -XEN_ENOMEM;
		goto err_port; /* the page stays placed; nothing reads it */
	}
	ev.shared_gfn = gfn;
	ev.shared = rt_phys_to_virt(gfn << 12);
	ev.vcpu = &ev.shared->vcpu_info[0];
	ev.vector = rt_irq_upcall_vector();
	/* Handler before the vector: an upcall never finds the runtime without one. */
	if (rt_irq_set_handler(ev.vector, upcall, NULL)) {
		rc = -XEN_EINVAL;
		goto err_port;
	}
	ev.ready = true;
	p.value = HVM_CALLBACK_VECTOR(ev.vector);
	rc = hvm_op(HVMOP_set_param, &p);
	if (rc) {
		rt_printf("xen: evtchn: callback vector %#x: %ld\n", ev.vector, rc);
		ev.ready = false;
		rt_irq_set_handler(ev.vector, NULL, NULL);
		goto err_port;
	}
	return 0;

err_port:
	rt_free_pages(ev.port, port_pages);
	ev.port = NULL;
	ev.shared = NULL;
	ev.vcpu = NULL;
err_gfn:
	if (took)
		xen_free_unpopulated_pages(1, gfns);
	return (int)rc;
}

int xevtchn_register_vcpu_info(uint64_t gpa)
{
	struct vcpu_register_vcpu_info r = {.mfn = gpa >> 12, .offset = (uint32_t)(gpa & 0xfff)};
	bool on;
	long rc;

	if (!ev.ready)
		return -XEN_EINVAL;
	/* Off across the switch: the upcall it raises must scan the new place. */
	on = rt_irq_disable_save();
	rc = rt_hypercall(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, rt_handle(&r), 0, 0);
	if (!rc)
		ev.vcpu = rt_phys_to_virt(gpa);
	rt_irq_restore(on);
	return (int)rc;
}

int xevtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote};
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &op);

	if (!rc)
		*port = op.port;
	return (int)rc;
}

int xevtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *local)
{
	struct evtchn_bind_interdomain op = {.remote_dom = remote, .remote_port = remote_port};
	long rc = evtchn_op(EVTCHNOP_bind_interdomain, &op);

	if (!rc)
		*local = op.local_port;
	return (int)rc;
}

int xevtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_virq op = {.virq = virq, .vcpu = vcpu};
	long rc = evtchn_op(EVTCHNOP_bind_virq, &op);

	if (!rc)
		*port = op.port;
	return (int)rc;
}

int xevtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = {.port = port};

	return (int)evtchn_op(EVTCHNOP_send, &op);
}

int xevtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = {.port = port};
	long rc;

	/* Forget the handler first: a reused port must not inherit it. */
	if (ev.port && port_ok(port))
		ev.port[port] = (struct xevtchn_port_info){NULL, NULL, 0};
	rc = evtchn_op(EVTCHNOP_close, &op);
	return (int)rc;
}

int xevtchn_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
	struct evtchn_status op = {.dom = dom, .port = port};
	long rc = evtchn_op(EVTCHNOP_status, &op);

	if (!rc)
		*st = op;
	return (int)rc;
}

void xevtchn_mask(evtchn_port_t port)
{
	if (ev.ready && port_ok(port))
		__atomic_fetch_or(&ev.shared->evtchn_mask[port / PORT_WORD_BITS], bit(port),
				  __ATOMIC_SEQ_CST);
}

int xevtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = {.port = port};

	/* The hypercall, not a store: it re-raises what became pending meanwhile. */
	return (int)evtchn_op(EVTCHNOP_unmask, &op);
}

bool xevtchn_is_pending(evtchn_port_t port)
{
	return ev.ready && port_ok(port) &&
	       (__atomic_load_n(&ev.shared->evtchn_pending[port / PORT_WORD_BITS],
				__ATOMIC_ACQUIRE) & bit(port));
}

bool xevtchn_is_masked(evtchn_port_t port)
{
	return ev.ready && port_ok(port) &&
	       (__atomic_load_n(&ev.shared->evtchn_mask[port / PORT_WORD_BITS],
				__ATOMIC_ACQUIRE) & bit(port));
}

bool xevtchn_test_and_clear(evtchn_port_t port)
{
	if (!ev.ready || !port_ok(port))
		return false;
	return __atomic_fetch_and(&ev.shared->evtchn_pending[port / PORT_WORD_BITS], ~bit(port),
				  __ATOMIC_SEQ_CST) & bit(port);
}

/* Handles port now if it has a handler and is pending and unmasked: for
 * events whose selector bit an earlier scan consumed while the port had no
 * handler yet. Interrupts off. */
static void run_port(evtchn_port_t port)
{
	struct xevtchn_port_info *pi;

	if (!ev.ready || !port_ok(port))
		return;
	pi = &ev.port[port];
	if (!pi->fn || xevtchn_is_masked(port) || !xevtchn_test_and_clear(port))
		return;
	pi->count++;
	ev.handled++;
	pi->fn(port, pi->ctx);
}

int xevtchn_set_handler(evtchn_port_t port, xevtchn_handler_t fn, void *ctx)
{
	bool on;

	if (!ev.ready || !port_ok(port))
		return -XEN_EINVAL;
	/* Not torn by an upcall arriving in between. */
	on = rt_irq_disable_save();
	ev.port[port] = (struct xevtchn_port_info){fn, ctx, 0};
	run_port(port);
	rt_irq_restore(on);
	return 0;
}

uint64_t xevtchn_now(void)
{
	struct xen_hvm_get_time t = {0};

	return hvm_op(HVMOP_get_time, &t) ? 0 : t.now;
}

static bool any_pending(const evtchn_port_t *ports, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		if (xevtchn_is_pending(ports[i]))
			return true;
	return false;
}

int xevtchn_poll(const evtchn_port_t *ports, unsigned int nr, uint64_t deadline)
{
	evtchn_port_t list[XEVTCHN_WAIT_MAX_PORTS]; /* guest memory (the stack) */
	struct sched_poll sp = {.nr_ports = nr, .timeout = deadline};
	long rc;

	if (nr > XEVTCHN_WAIT_MAX_PORTS)
		return -XEN_EINVAL;
	if (any_pending(ports, nr))
		return 0;
	/* Xen takes a past deadline as "wake at once"; save the call. */
	if (deadline && xevtchn_now() >= deadline)
		return -XEN_ETIMEDOUT;
	for (unsigned int i = 0; i < nr; i++)
		list[i] = ports[i];
	set_xen_guest_handle(sp.ports, rt_handle(list));
	rc = HYPERVISOR_sched_op(SCHEDOP_poll, &sp);
	if (rc)
		return (int)rc;
	/* Xen returns 0 for every wake-up; a timeout is one with nothing pending. */
	if (!any_pending(ports, nr) && deadline && xevtchn_now() >= deadline)
		return -XEN_ETIMEDOUT;
	return 0;
}

int xevtchn_wait(const evtchn_port_t *ports, unsigned int nr, bool (*done)(void *ctx),
		 void *ctx, uint64_t timeout_ns)
{
	uint64_t deadline = 0;

	if (timeout_ns) {
		uint64_t now = xevtchn_now();

		if (!now)
			return -XEN_ENOSYS;
		deadline = now + timeout_ns;
	}
	for (;;) {
		int rc;

		rt_irq_disable();
		if (done(ctx)) {
			rt_irq_enable();
			return 0;
		}
		/* Interrupts stay off: an event from here on keeps its pending
		 * bit, so the poll returns at once instead of missing it. */
		rc = xevtchn_poll(ports, nr, deadline);
		for (unsigned int i = 0; i < nr; i++)
			run_port(ports[i]);
		rt_irq_enable(); /* the upcall runs handlers for the rest */
		if (rc == -XEN_ETIMEDOUT) {
			bool ok;

			rt_irq_disable();
			ok = done(ctx);
			rt_irq_enable();
			return ok ? 0 : rc;
		}
		if (rc)
			return rc;
	}
}

int xevtchn_block(bool (*done)(void *ctx), void *ctx)
{
	for (;;) {
		long rc;

		rt_irq_disable();
		if (done(ctx)) {
			rt_irq_enable();
			return 0;
		}
		/* An upcall from here on is deferred with upcall_pending still
		 * set, and block returns at once for it. */
		rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		rt_irq_enable();
		if (rc)
			return (int)rc;
	}
}

static bool port_fired(void *ctx)
{
	return xevtchn_test_and_clear(*(const evtchn_port_t *)ctx);
}

int xevtchn_wait_port(evtchn_port_t port, uint64_t timeout_ns)
{
	return xevtchn_wait(&port, 1, port_fired, &port, timeout_ns);
}
