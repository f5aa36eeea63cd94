/*
 * Event channels, 2-level ABI (event_channel_op, hypercall 32).
 *
 * Design:
 * - Each domain has a port table (struct evtchn_domain, event_priv.h)
 *   that grows in buckets of 64 up to its limit (max_ports: 1024 for a
 *   DomU as libxl's default `event_channels` = 1023, 4096 = the whole
 *   2-level space for a privileged domain). A port is "valid" below
 *   nr_valid; a valid port never used is ECS_FREE. Port 0 is ECS_RESERVED
 *   from creation and never handed out; allocation takes the lowest free
 *   port >= 1.
 * - The bits live in guest memory (shared_info: evtchn_pending,
 *   evtchn_mask; vcpu_info: evtchn_pending_sel, evtchn_upcall_pending) and
 *   are changed with atomic operations, because the guest changes the same
 *   words concurrently without the hypervisor lock. Marking a port pending
 *   follows Xen's order: pending bit (stop if it was set); unless masked,
 *   the selector bit of its word in the notify vCPU's vcpu_info, and if
 *   that was newly set, upcall_pending (0->1 -> delivery, sched.c); then
 *   pollers of the port are woken, masked or not. Mask bits belong to the
 *   guest: the hypervisor only reads them.
 * - Interdomain channels are two ports naming each other. Closing one end
 *   (or the death of its domain) frees it and returns the other end to
 *   ECS_UNBOUND, bindable by the closer's domain; the survivor is not
 *   notified and its sends are dropped (rc 0), as on Xen.
 * - Xen-attached ports (evtchn_alloc_xen_port, for IOREQ) are ordinary
 *   unbound/interdomain ports of the guest with `xen` set: the guest may
 *   not close, send on or move them; a send by the peer calls the
 *   hypervisor's notifier instead of marking the guest port.
 *
 * Invariants (checked by evtchn_audit_refs, audit.c):
 * - port 0 is ECS_RESERVED; every port < nr_valid <= max_ports <= 4096;
 * - an ECS_INTERDOMAIN port names a live domain's valid port that is
 *   ECS_INTERDOMAIN and names it back; no port names a dying domain;
 * - ECS_VIRQ port p with virq v on vCPU c <=> virq_port[c][v] == p;
 * - notify_vcpu < nr_vcpus; only ECS_UNBOUND/ECS_INTERDOMAIN ports are xen,
 *   and nr_xen counts them.
 *
 * Locking: everything runs with hv->lock held (the handlers via the
 * dispatcher); the guest-memory bits are the only state touched without
 * it (by the guest), hence atomics there.
 */
#include <errno.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/hcall.h>
#include <hv/page.h>
#include <public/vcpu.h>

#include "event_priv.h"

/* ------------------------------------------------------------------ */
/* Port table                                                          */

bool evtchn_port_valid(const struct domain *d, uint32_t port)
{
	return evd(d) && port < evd(d)->nr_valid;
}

struct evtchn *evtchn_port(const struct domain *d, uint32_t port)
{
	BUG_ON(!evtchn_port_valid(d, port));
	return &evd(d)->ports[port];
}

int evtchn_port_state(const struct domain *d, uint32_t port)
{
	if (!evtchn_port_valid(d, port))
		return -1;
	switch (evd(d)->ports[port].state) {
	case ECS_UNBOUND:
		return EVTCHNSTAT_unbound;
	case ECS_INTERDOMAIN:
		return EVTCHNSTAT_interdomain;
	case ECS_VIRQ:
		return EVTCHNSTAT_virq;
	case ECS_IPI:
		return EVTCHNSTAT_ipi;
	case ECS_PIRQ:
		return EVTCHNSTAT_pirq;
	default:
		return EVTCHNSTAT_closed;
	}
}

/* The lowest free port >= 1, growing the table by a bucket if needed:
 * the port, or -ENOSPC (limit reached), -ENOMEM, -EINVAL (d dying). */
static int get_free_port(struct domain *d)
{
	struct evtchn_domain *ed = evd(d);
	struct evtchn *np;
	uint32_t n;

	if (d->state == DOMS_dying || !ed)
		return -EINVAL;
	for (uint32_t p = 1; p < ed->nr_valid; p++)
		if (ed->ports[p].state == ECS_FREE)
			return (int)p;
	if (ed->nr_valid >= ed->max_ports)
		return -ENOSPC;
	n = MIN(ed->nr_valid + EVTCHN_BUCKET, ed->max_ports);
	np = hv_realloc(d->hv, ed->ports, n * sizeof(*np));
	if (!np)
		return -ENOMEM;
	memset(&np[ed->nr_valid], 0, (n - ed->nr_valid) * sizeof(*np));
	ed->ports = np;
	n = ed->nr_valid;
	ed->nr_valid = (uint32_t)MIN(ed->nr_valid + EVTCHN_BUCKET, ed->max_ports);
	return (int)n;
}

static bool test_and_set_bit64(uint64_t *w, unsigned int bit)
{
	uint64_t m = 1ULL << bit;

	return __atomic_fetch_or(w, m, __ATOMIC_SEQ_CST) & m;
}

static bool test_bit64(const uint64_t *w, unsigned int bit)
{
	return (__atomic_load_n(w, __ATOMIC_SEQ_CST) >> bit) & 1;
}

bool evtchn_is_pending(const struct domain *d, uint32_t port)
{
	const struct shared_info *s = evd(d)->shinfo;

	return port < EVTCHN_2L_NR_PORTS && test_bit64(&s->evtchn_pending[port / 64], port % 64);
}

void evtchn_set_pending(struct domain *d, uint32_t port)
{
	struct evtchn_domain *ed = evd(d);
	struct shared_info *s = ed->shinfo;
	struct vcpu *v = &d->vcpu[ed->ports[port].notify_vcpu];
	struct vcpu_info *vi;

	if (test_and_set_bit64(&s->evtchn_pending[port / 64], port % 64))
		return;
	vi = evtchn_vcpu_info(d, v);
	if (!test_bit64(&s->evtchn_mask[port / 64], port % 64) &&
	    !test_and_set_bit64(&vi->evtchn_pending_sel, port / 64))
		evtchn_vcpu_mark_pending(d, v);
	evtchn_check_pollers(d, port);
}

/* Frees a port: pending cleared, notify vCPU back to 0; mask untouched. */
static void free_port(struct domain *d, uint32_t port)
{
	struct evtchn_domain *ed = evd(d);
	struct evtchn *c = &ed->ports[port];

	if (c->xen)
		ed->nr_xen--;
	memset(c, 0, sizeof(*c));
	__atomic_fetch_and(&ed->shinfo->evtchn_pending[port / 64], ~(1ULL << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

/* Closes port of d (any state but free/reserved). The peer of an
 * interdomain port returns to unbound, bindable by d. */
static void close_port(struct domain *d, uint32_t port)
{
	struct evtchn_domain *ed = evd(d);
	struct evtchn *c = &ed->ports[port];

	switch (c->state) {
	case ECS_VIRQ:
		BUG_ON(ed->virq_port[c->notify_vcpu][c->virq] != port);
		ed->virq_port[c->notify_vcpu][c->virq] = 0;
		break;
	case ECS_PIRQ:
		BUG_ON(c->virq >= EVTCHN_NR_PIRQS || ed->pirq_port[c->virq] != port);
		ed->pirq_port[c->virq] = 0;
		break;
	case ECS_INTERDOMAIN: {
		struct domain *rd = domain_by_id(d->hv, c->remote_dom);
		struct evtchn *rc;

		BUG_ON(!rd || !evtchn_port_valid(rd, c->remote_port));
		rc = evtchn_port(rd, c->remote_port);
		BUG_ON(rc->state != ECS_INTERDOMAIN || rc->remote_dom != d->id ||
		       rc->remote_port != port);
		rc->state = ECS_UNBOUND;
		rc->remote_dom = d->id;
		rc->remote_port = 0;
		break;
	}
	default:
		break;
	}
	free_port(d, port);
}

void evtchn_close_all(struct domain *d, bool keep_xen)
{
	struct evtchn_domain *ed = evd(d);

	if (!ed)
		return;
	for (uint32_t p = 1; p < ed->nr_valid; p++) {
		struct evtchn *c = &ed->ports[p];

		if (c->state == ECS_FREE || (keep_xen && c->xen))
			continue;
		close_port(d, p);
	}
}

/* ------------------------------------------------------------------ */
/* Sub-ops                                                             */

static int alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *a)
{
	struct domain *ld;
	int err = 0, port;
	domid_t rid;

	ld = domain_hcall_target(d, a->dom, &err);
	if (!ld)
		return err;
	rid = a->remote_dom == DOMID_SELF ? d->id : a->remote_dom;
	port = get_free_port(ld);
	if (port < 0)
		return port;
	evd(ld)->ports[port].state = ECS_UNBOUND;
	evd(ld)->ports[port].remote_dom = rid;
	a->port = (uint32_t)port;
	return 0;
}

static int bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *b)
{
	struct domain *rd;
	struct evtchn *lc, *rc;
	int lport;

	rd = b->remote_dom == DOMID_SELF ? d : domain_by_id(d->hv, b->remote_dom);
	if (!rd || rd->state == DOMS_dying)
		return -ESRCH;
	if (!evtchn_port_valid(rd, b->remote_port))
		return -EINVAL;
	rc = evtchn_port(rd, b->remote_port);
	if (rc->state != ECS_UNBOUND || rc->remote_dom != d->id)
		return -EINVAL;
	lport = get_free_port(d);
	if (lport < 0)
		return lport;
	/* get_free_port may have moved rd's table if rd == d. */
	rc = evtchn_port(rd, b->remote_port);
	lc = evtchn_port(d, (uint32_t)lport);
	lc->state = ECS_INTERDOMAIN;
	lc->remote_dom = rd->id;
	lc->remote_port = b->remote_port;
	rc->state = ECS_INTERDOMAIN;
	rc->remote_dom = d->id;
	rc->remote_port = (uint32_t)lport;
	b->local_port = (uint32_t)lport;
	/* Covers sends the peer made before the bind (they were dropped). */
	evtchn_set_pending(d, (uint32_t)lport);
	return 0;
}

static bool virq_is_per_vcpu(unsigned int virq)
{
	return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
	       virq == VIRQ_XENPMU;
}

/* The domain global VIRQs go to: the hardware domain (the privileged
 * domain with the lowest id); memvisor has no set_virq_handler. */
static struct domain *global_virq_handler(struct hv *hv)
{
	struct domain *best = NULL;

	for (struct domain *d = hv->domains; d; d = d->next)
		if ((d->flags & DOMF_privileged) && d->state != DOMS_dying &&
		    (!best || d->id < best->id))
			best = d;
	return best;
}

static int bind_virq(struct domain *d, struct evtchn_bind_virq *b)
{
	struct evtchn_domain *ed = evd(d);
	bool global = !virq_is_per_vcpu(b->virq);
	int port;

	if (b->virq >= NR_VIRQS)
		return -EINVAL;
	if (global && b->vcpu != 0)
		return -EINVAL;
	/* Xen 4.21 (eba922abdb): a global VIRQ is bound only by its handler
	 * (VIRQ_ARGO became per-domain then); before, the bind succeeded and
	 * the port never fired. */
	if (global && b->virq != VIRQ_ARGO && evtchn_release_at_least(d->hv, 21) &&
	    global_virq_handler(d->hv) != d)
		return -EBUSY;
	if (b->vcpu >= d->nr_vcpus)
		return -ENOENT;
	if (ed->virq_port[b->vcpu][b->virq])
		return -EEXIST;
	port = get_free_port(d);
	if (port < 0)
		return port;
	ed->ports[port].state = ECS_VIRQ;
	ed->ports[port].virq = b->virq;
	ed->ports[port].notify_vcpu = (uint16_t)b->vcpu;
	ed->virq_port[b->vcpu][b->virq] = (uint32_t)port;
	b->port = (uint32_t)port;
	return 0;
}

static int bind_ipi(struct domain *d, struct evtchn_bind_ipi *b)
{
	int port;

	if (b->vcpu >= d->nr_vcpus)
		return -ENOENT;
	port = get_free_port(d);
	if (port < 0)
		return port;
	evd(d)->ports[port].state = ECS_IPI;
	evd(d)->ports[port].notify_vcpu = (uint16_t)b->vcpu;
	b->port = (uint32_t)port;
	return 0;
}

/* A device interrupt line (hv/event.h): lines below 32 are not SPIs. */
static int bind_pirq(struct domain *d, struct evtchn_bind_pirq *b)
{
	struct evtchn_domain *ed = evd(d);
	int port;

	if (b->pirq < 32 || b->pirq >= EVTCHN_NR_PIRQS)
		return -EINVAL;
	if (ed->pirq_port[b->pirq])
		return -EEXIST;
	port = get_free_port(d);
	if (port < 0)
		return port;
	ed->ports[port].state = ECS_PIRQ;
	ed->ports[port].virq = b->pirq;
	ed->pirq_port[b->pirq] = (uint32_t)port;
	b->port = (uint32_t)port;
	return 0;
}

static int close_op(struct domain *d, uint32_t port)
{
	struct evtchn *c;

	if (!evtchn_port_valid(d, port))
		return -EINVAL;
	c = evtchn_port(d, port);
	if (c->state == ECS_FREE || c->state == ECS_RESERVED || c->xen)
		return -EINVAL;
	close_port(d, port);
	return 0;
}

/* Delivers a send from d's port `port` (interdomain: the peer end). */
static int send_op(struct domain *d, uint32_t port)
{
	struct evtchn *c;

	if (!evtchn_port_valid(d, port))
		return -EINVAL;
	c = evtchn_port(d, port);
	if (c->xen)
		return -EINVAL;
	switch (c->state) {
	case ECS_INTERDOMAIN: {
		struct domain *rd = domain_by_id(d->hv, c->remote_dom);
		uint32_t rport = c->remote_port;
		struct evtchn *rc;

		BUG_ON(!rd);
		rc = evtchn_port(rd, rport);
		if (rc->xen)
			rc->notify(rc->notify_ctx, rd, rport);
		else
			evtchn_set_pending(rd, rport);
		return 0;
	}
	case ECS_IPI:
		evtchn_set_pending(d, port);
		return 0;
	case ECS_UNBOUND:
		return 0; /* dropped, as Xen */
	default:
		return -EINVAL;
	}
}

static int status_op(struct domain *d, struct evtchn_status *st)
{
	struct domain *t;
	struct evtchn *c;
	int err = 0;

	t = domain_hcall_target(d, st->dom, &err);
	if (!t)
		return err;
	if (!evtchn_port_valid(t, st->port))
		return -EINVAL;
	c = evtchn_port(t, st->port);
	memset(&st->u, 0, sizeof(st->u));
	st->status = (uint32_t)evtchn_port_state(t, st->port);
	switch (c->state) {
	case ECS_UNBOUND:
		st->u.unbound.dom = c->remote_dom;
		break;
	case ECS_INTERDOMAIN:
		st->u.interdomain.dom = c->remote_dom;
		st->u.interdomain.port = c->remote_port;
		break;
	case ECS_VIRQ:
		st->u.virq = c->virq;
		break;
	case ECS_PIRQ:
		st->u.pirq = c->virq;
		break;
	default:
		break;
	}
	st->vcpu = c->notify_vcpu;
	return 0;
}

static int bind_vcpu_op(struct domain *d, struct evtchn_bind_vcpu *b)
{
	struct evtchn *c;

	if (b->vcpu >= d->nr_vcpus)
		return -ENOENT;
	if (!evtchn_port_valid(d, b->port))
		return -EINVAL;
	c = evtchn_port(d, b->port);
	if (c->xen)
		return -EINVAL;
	switch (c->state) {
	case ECS_VIRQ:
		if (virq_is_per_vcpu(c->virq))
			return -EINVAL;
		/* A global VIRQ moves with its port. */
		evd(d)->virq_port[c->notify_vcpu][c->virq] = 0;
		evd(d)->virq_port[b->vcpu][c->virq] = b->port;
		c->notify_vcpu = (uint16_t)b->vcpu;
		return 0;
	case ECS_UNBOUND:
	case ECS_INTERDOMAIN:
	case ECS_PIRQ:
		c->notify_vcpu = (uint16_t)b->vcpu;
		return 0;
	default:
		return -EINVAL;
	}
}

static int unmask_op(struct domain *d, uint32_t port)
{
	struct shared_info *s;
	struct vcpu *v;
	uint64_t m = 1ULL << (port % 64);

	if (!evtchn_port_valid(d, port))
		return -EINVAL;
	s = evd(d)->shinfo;
	v = &d->vcpu[evtchn_port(d, port)->notify_vcpu];
	/* Re-raise an event that arrived while masked. */
	if ((__atomic_fetch_and(&s->evtchn_mask[port / 64], ~m, __ATOMIC_SEQ_CST) & m) &&
	    test_bit64(&s->evtchn_pending[port / 64], port % 64) &&
	    !test_and_set_bit64(&evtchn_vcpu_info(d, v)->evtchn_pending_sel, port / 64))
		evtchn_vcpu_mark_pending(d, v);
	return 0;
}

static int reset_op(struct domain *d, domid_t dom)
{
	struct domain *t;
	int err = 0;

	t = domain_hcall_target(d, dom, &err);
	if (!t)
		return err;
	/* Xen wants another domain paused by its controller: memvisor has no
	 * pause, so only a domain that has stopped running (shut down) can
	 * be reset by another. */
	if (t != d && t->state == DOMS_running)
		return -EINVAL;
	evtchn_close_all(t, true);
	return evd(t)->nr_xen ? -EAGAIN : 0;
}

/* Sizes of the sub-ops' arguments, by command. */
static const uint8_t op_size[] = {
	[EVTCHNOP_bind_interdomain] = sizeof(struct evtchn_bind_interdomain),
	[EVTCHNOP_bind_virq] = sizeof(struct evtchn_bind_virq),
	[EVTCHNOP_bind_pirq] = sizeof(struct evtchn_bind_pirq),
	[EVTCHNOP_close] = sizeof(struct evtchn_close),
	[EVTCHNOP_send] = sizeof(struct evtchn_send),
	[EVTCHNOP_status] = sizeof(struct evtchn_status),
	[EVTCHNOP_alloc_unbound] = sizeof(struct evtchn_alloc_unbound),
	[EVTCHNOP_bind_ipi] = sizeof(struct evtchn_bind_ipi),
	[EVTCHNOP_bind_vcpu] = sizeof(struct evtchn_bind_vcpu),
	[EVTCHNOP_unmask] = sizeof(struct evtchn_unmask),
	[EVTCHNOP_reset] = sizeof(struct evtchn_reset),
};

int64_t do_event_channel_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	union {
		struct evtchn_bind_interdomain bi;
		struct evtchn_bind_virq bv;
		struct evtchn_bind_pirq bp;
		struct evtchn_close cl;
		struct evtchn_send sd;
		struct evtchn_status st;
		struct evtchn_alloc_unbound au;
		struct evtchn_bind_ipi ipi;
		struct evtchn_bind_vcpu bc;
		struct evtchn_unmask um;
		struct evtchn_reset rs;
	} a;
	uint64_t cmd = hc->args[0], arg = hc->args[1];
	bool out = false;
	int rc;

	HV_ASSERT_LOCKED(hv);
	/* The FIFO ABI is not offered: a guest falls back to 2-level when
	 * init_control fails. bind_pirq binds device interrupt lines only
	 * (hv/event.h: no physical IRQs). */
	if (cmd >= ARRAY_SIZE(op_size) || !op_size[cmd])
		return -ENOSYS;
	if (copy_from_guest(d, &a, arg, op_size[cmd]))
		return -EFAULT;
	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		rc = alloc_unbound(d, &a.au);
		out = true;
		break;
	case EVTCHNOP_bind_interdomain:
		rc = bind_interdomain(d, &a.bi);
		out = true;
		break;
	case EVTCHNOP_bind_virq:
		rc = bind_virq(d, &a.bv);
		out = true;
		break;
	case EVTCHNOP_bind_pirq:
		rc = bind_pirq(d, &a.bp);
		out = true;
		break;
	case EVTCHNOP_bind_ipi:
		rc = bind_ipi(d, &a.ipi);
		out = true;
		break;
	case EVTCHNOP_close:
		rc = close_op(d, a.cl.port);
		break;
	case EVTCHNOP_send:
		rc = send_op(d, a.sd.port);
		break;
	case EVTCHNOP_status:
		rc = status_op(d, &a.st);
		out = true;
		break;
	case EVTCHNOP_bind_vcpu:
		rc = bind_vcpu_op(d, &a.bc);
		break;
	case EVTCHNOP_unmask:
		rc = unmask_op(d, a.um.port);
		break;
	case EVTCHNOP_reset:
		rc = reset_op(d, a.rs.dom);
		break;
	default:
		return -ENOSYS;
	}
	/* The result goes back only on success, as Xen's copy_to_guest after
	 * a successful sub-op (a failed copy then reports -EFAULT, the port
	 * stays allocated as on Xen). */
	if (!rc && out && copy_to_guest(d, arg, &a, op_size[cmd]))
		return -EFAULT;
	return rc;
}

/* ------------------------------------------------------------------ */
/* For the rest of the hypervisor                                      */

int evtchn_alloc_xen_port(struct domain *d, domid_t remote_domid, evtchn_xen_notify_t notify,
			  void *ctx)
{
	int port = get_free_port(d);
	struct evtchn *c;

	BUG_ON(!notify);
	if (port < 0)
		return port;
	c = &evd(d)->ports[port];
	c->state = ECS_UNBOUND;
	c->xen = true;
	c->remote_dom = remote_domid == DOMID_SELF ? d->id : remote_domid;
	c->notify = notify;
	c->notify_ctx = ctx;
	evd(d)->nr_xen++;
	return port;
}

void evtchn_xen_send(struct domain *d, uint32_t port)
{
	struct evtchn *c;
	struct domain *rd;

	/* Gone with a dying domain (its ports close first thing in
	 * domain_destroy, before the users of its Xen ports are torn down). */
	if (!evtchn_port_valid(d, port) || !evtchn_port(d, port)->xen)
		return;
	c = evtchn_port(d, port);
	if (c->state != ECS_INTERDOMAIN)
		return; /* lost while unbound, as Xen */
	rd = domain_by_id(d->hv, c->remote_dom);
	BUG_ON(!rd);
	evtchn_set_pending(rd, c->remote_port);
}

void evtchn_free_xen_port(struct domain *d, uint32_t port)
{
	struct evtchn *c;

	if (!evtchn_port_valid(d, port))
		return; /* the domain's ports are already gone (destroyed) */
	c = evtchn_port(d, port);
	if (!c->xen)
		return;
	close_port(d, port);
}

bool evtchn_xen_port_is(struct domain *d, uint32_t port, evtchn_xen_notify_t notify)
{
	struct evtchn *c;

	if (!evtchn_port_valid(d, port))
		return false;
	c = evtchn_port(d, port);
	return c->xen && c->notify == notify;
}

void evtchn_send_pirq(struct domain *d, unsigned int pirq)
{
	if (evd(d) && pirq < EVTCHN_NR_PIRQS && evd(d)->pirq_port[pirq])
		evtchn_set_pending(d, evd(d)->pirq_port[pirq]);
}

void evtchn_send_virq(struct domain *d, unsigned int virq, unsigned int vcpu)
{
	uint32_t port;

	if (!evd(d) || virq >= NR_VIRQS || vcpu >= d->nr_vcpus || d->state == DOMS_dying)
		return;
	port = evd(d)->virq_port[vcpu][virq];
	if (port)
		evtchn_set_pending(d, port);
}

void evtchn_send_global_virq(struct hv *hv, unsigned int virq)
{
	struct domain *h = global_virq_handler(hv);

	if (h)
		evtchn_send_virq(h, virq, 0);
	/* A global VIRQ bound on another vCPU by bind_vcpu moves there. */
	if (h && virq < NR_VIRQS)
		for (unsigned int i = 1; i < h->nr_vcpus; i++)
			evtchn_send_virq(h, virq, i);
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

int evtchn_domain_init(struct domain *d)
{
	struct evtchn_domain *ed;
	int rc;

	ed = hv_calloc(d->hv, 1, sizeof(*ed));
	if (!ed)
		return -ENOMEM;
	/* What evtchn_domain_free looks at, valid before anything can fail. */
	ed->shinfo_mfn = INVALID_MFN;
	ed->shinfo_gfn = INVALID_GFN;
	ed->max_ports = (d->flags & DOMF_privileged) ? EVTCHN_2L_NR_PORTS
						     : EVTCHN_DEFAULT_MAX_PORT + 1;
	/* createdomain's max_evtchn_port (+ 1), at most the 2-level ABI's */
	if (d->evtchn_max_ports)
		ed->max_ports = MIN(d->evtchn_max_ports, EVTCHN_2L_NR_PORTS);
	ed->ports = hv_calloc(d->hv, EVTCHN_BUCKET, sizeof(*ed->ports));
	if (!ed->ports) {
		hv_free(ed);
		return -ENOMEM;
	}
	ed->nr_valid = MIN(EVTCHN_BUCKET, ed->max_ports);
	ed->ports[0].state = ECS_RESERVED;
	d->evtchn = ed;
	rc = evtchn_vcpus_init(d);
	if (rc)
		goto err;
	rc = evtchn_shared_init(d);
	if (rc)
		goto err;
	return 0;
err:
	evtchn_domain_free(d);
	return rc;
}

void evtchn_domain_destroy(struct domain *d)
{
	if (!evd(d))
		return;
	/* Xen-attached ports go too: their users (IOREQ servers) are torn
	 * down with the domain. */
	evtchn_close_all(d, false);
	evtchn_shared_destroy(d);
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		evtchn_wake_vcpu(&d->vcpu[i]);
	evtchn_send_global_virq(d->hv, VIRQ_DOM_EXC);
}

void evtchn_domain_free(struct domain *d)
{
	struct evtchn_domain *ed = evd(d);

	evtchn_vcpus_free(d);
	if (!ed)
		return;
	evtchn_shared_free(d);
	hv_free(ed->ports);
	hv_free(ed);
	d->evtchn = NULL;
}
