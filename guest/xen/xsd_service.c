/*
 * xenstored as Dom0's service (design: include/xen/xsd_service.h).
 *
 * Who touches what: the store (struct xsd) only under its lock (xsd_poll
 * and the connect/release calls take it); a local slot's `open` flag is
 * published with release after its connection exists, and read with
 * acquire by the service when it builds its poll list. The ring pool is
 * the service vCPU's alone (INTRODUCE and RELEASE run inside xsd_poll on
 * it). Nothing here allocates after xsd_svc_init: the guest's allocators
 * belong to vCPU 0 (docs/vcpus.md); the map and unmap of a ring are single
 * hypercalls on stack buffers.
 *
 * Every port the service or a local client waits on is masked: SCHEDOP_poll
 * sees a masked port pending, and vCPU 0 takes no upcall for them. The
 * pending and mask bits are read and changed here directly in
 * shared_info (its address taken on vCPU 0 at init): the event-channel
 * library keeps its state per thread when hosted, so on another vCPU its
 * bit helpers see no shared_info at all.
 */
#include <xen/xsd_service.h>

#include <public/domctl.h>
#include <public/errno.h>
#include <public/memory.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <string.h>
#include <xen/evtchn.h>
#include <xen/evtchn_bits.h>
#include <xen/unpopulated.h>

#define SVC_TICK_NS 1000000000ULL /* a wake-up when nothing happens (stop is also kicked) */

static void svc_spin_lock(uint32_t *l)
{
	while (__atomic_exchange_n(l, 1u, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static void svc_spin_unlock(uint32_t *l)
{
	__atomic_store_n(l, 0u, __ATOMIC_RELEASE);
}

/* ---- event bits in shared_info (any vCPU: xen/evtchn_bits.h) ---- */

static bool svc_take(struct xsd_svc *svc, evtchn_port_t port)
{
	return xevb_take(svc->shared, port);
}

static bool svc_pending(struct xsd_svc *svc, evtchn_port_t port)
{
	return xevb_pending(svc->shared, port);
}

static void svc_mask(struct xsd_svc *svc, evtchn_port_t port)
{
	xevb_mask(svc->shared, port);
}

/* ---- domain rings (the xsd_domain_ops) ---- */

static void ring_notify(void *ctx)
{
	xevtchn_send(((struct xsd_svc_ring *)ctx)->local_port);
}

static int map_one(domid_t dom, xen_pfn_t fgfn, xen_pfn_t lgfn)
{
	xen_ulong_t idx = fgfn;
	xen_pfn_t gpfn = lgfn;
	int err = 0;
	struct xen_add_to_physmap_batch b = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_gmfn_foreign,
		.size = 1,
		.u.foreign_domid = dom,
	};
	long rc;

	set_xen_guest_handle(b.idxs, rt_handle(&idx));
	set_xen_guest_handle(b.gpfns, rt_handle(&gpfn));
	set_xen_guest_handle(b.errs, rt_handle(&err));
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
	return rc ? (int)rc : err;
}

static int unmap_one(xen_pfn_t lgfn)
{
	struct xen_remove_from_physmap x = {.domid = DOMID_SELF, .gpfn = lgfn};

	return (int)HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &x);
}

static int svc_introduce(void *ctx, uint16_t dom, uint64_t gfn, uint32_t port,
			 struct xsd_ring_io *io)
{
	struct xsd_svc *svc = ctx;
	struct xsd_svc_ring *r = NULL;
	evtchn_port_t local;
	int rc;

	for (unsigned int i = 0; i < XSD_SVC_RINGS && !r; i++)
		if (!svc->ring[i].used)
			r = &svc->ring[i];
	if (!r)
		return -XEN_ENOSPC;
	rc = map_one(dom, gfn, r->gfn);
	if (rc)
		return rc;
	rc = xevtchn_bind_interdomain(dom, port, &local);
	if (rc) {
		unmap_one(r->gfn);
		return rc;
	}
	svc_mask(svc, local);
	r->used = true;
	r->dom = dom;
	r->local_port = local;
	io->intf = rt_phys_to_virt(r->gfn << 12);
	io->notify = ring_notify;
	io->ctx = r;
	io->local_port = local;
	io->local_gfn = r->gfn;
	/* the domain may have written requests before it was introduced: the
	 * rounds after this one read them; tell the domain we are here */
	xevtchn_send(local);
	return 0;
}

static void svc_release(void *ctx, uint16_t dom, struct xsd_ring_io *io)
{
	struct xsd_svc_ring *r = io->ctx;

	(void)ctx;
	(void)dom;
	xevtchn_close(r->local_port);
	unmap_one(r->gfn);
	r->used = false;
}

static int svc_state(void *ctx, uint16_t dom)
{
	struct xen_domctl dc;
	long rc;

	(void)ctx;
	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_getdomaininfo;
	dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc.domain = dom;
	rc = rt_hypercall(__HYPERVISOR_domctl, rt_handle(&dc), 0, 0, 0, 0);
	/* getdomaininfo answers for the next domain when dom is gone */
	if (rc || dc.u.getdomaininfo.domain != dom || (dc.u.getdomaininfo.flags & XEN_DOMINF_dying))
		return XSD_DOM_DEAD;
	if (dc.u.getdomaininfo.flags & XEN_DOMINF_shutdown)
		return XSD_DOM_SHUTDOWN;
	return XSD_DOM_RUNNING;
}

static const struct xsd_domain_ops svc_ops = {
	.introduce = svc_introduce,
	.release = svc_release,
	.state = svc_state,
};

/* ---- local clients ---- */

static void local_server_notify(void *ctx)
{
	xevtchn_send(((struct xsd_local *)ctx)->server_port);
}

static void local_client_notify(void *ctx)
{
	xevtchn_send(((struct xsd_local *)ctx)->client_port);
}

static int local_wait_until(struct xsd_local *l, uint64_t deadline)
{
	for (;;) {
		if (svc_take(l->svc, l->client_port))
			return 0;
		if (__atomic_load_n(&l->svc->stop, __ATOMIC_ACQUIRE))
			return -XEN_ENOTCONN;
		if (xevtchn_poll(&l->client_port, 1, deadline) == -XEN_ETIMEDOUT &&
		    !svc_pending(l->svc, l->client_port))
			return -XEN_ETIMEDOUT;
	}
}

static int local_client_wait(void *ctx)
{
	struct xsd_local *l = ctx;
	int rc;

	l->waits++;
	rc = local_wait_until(l, xevtchn_now() + l->timeout_ns);
	if (rc == -XEN_ETIMEDOUT)
		l->timeouts++;
	return rc ? -1 : 0;
}

int xsd_svc_wait(struct xsd_svc *svc, unsigned int index, uint64_t deadline)
{
	struct xsd_local *l;

	if (index >= XSD_SVC_LOCALS)
		return -XEN_EINVAL;
	l = &svc->local[index];
	if (l->client && xs_has_input(l->client))
		return 0;
	return local_wait_until(l, deadline);
}

/* A loopback channel of this domain: *a is bound to *b. */
static int loopback(struct xsd_svc *svc, evtchn_port_t *a, evtchn_port_t *b)
{
	int rc = xevtchn_alloc_unbound(DOMID_SELF, a);

	if (rc)
		return rc;
	rc = xevtchn_bind_interdomain(DOMID_SELF, *a, b);
	if (rc) {
		xevtchn_close(*a);
		return rc;
	}
	svc_mask(svc, *a);
	svc_mask(svc, *b);
	return 0;
}

int xsd_svc_open(struct xsd_svc *svc, unsigned int index, struct xs_client *c)
{
	struct xsd_local *l;
	int rc;

	if (index >= XSD_SVC_LOCALS || !svc->xsd)
		return -XEN_EINVAL;
	l = &svc->local[index];
	svc_spin_lock(&svc->open_lock);
	if (__atomic_load_n(&l->open, __ATOMIC_ACQUIRE) || l->conn) {
		svc_spin_unlock(&svc->open_lock);
		return -XEN_EBUSY;
	}
	rc = loopback(svc, &l->client_port, &l->server_port);
	if (rc)
		goto out;
	memset(l->intf, 0, RT_PAGE_SIZE);
	l->conn = xsd_connect_local(svc->xsd, l->intf, local_server_notify, l);
	if (!l->conn) {
		xevtchn_close(l->client_port);
		xevtchn_close(l->server_port);
		rc = -XEN_ENOSPC;
		goto out;
	}
	l->timeout_ns = XSD_SVC_TIMEOUT_NS;
	xs_client_init(c, l->intf, local_client_notify, local_client_wait, l);
	l->client = c;
	__atomic_store_n(&l->open, true, __ATOMIC_RELEASE);
	xevtchn_send(svc->kick_remote); /* the service polls the new port */
out:
	svc_spin_unlock(&svc->open_lock);
	return rc;
}

int xsd_svc_close(struct xsd_svc *svc, unsigned int index)
{
	struct xsd_local *l;
	int rc, rc2;

	if (index >= XSD_SVC_LOCALS)
		return -XEN_EINVAL;
	l = &svc->local[index];
	svc_spin_lock(&svc->open_lock);
	if (!l->open) {
		svc_spin_unlock(&svc->open_lock);
		return -XEN_ENOENT;
	}
	__atomic_store_n(&l->open, false, __ATOMIC_RELEASE);
	xsd_disconnect(svc->xsd, l->conn);
	l->conn = NULL;
	l->client = NULL;
	rc = xevtchn_close(l->client_port);
	rc2 = xevtchn_close(l->server_port);
	svc_spin_unlock(&svc->open_lock);
	return rc ? rc : rc2;
}

/* ---- the service ---- */

int xsd_svc_init(struct xsd_svc *svc)
{
	unsigned long pages = (sizeof(struct xsd) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE;
	unsigned int i;
	int rc;

	memset(svc, 0, sizeof(*svc));
	if (!xevtchn()->ready)
		return -XEN_ENODEV; /* xevtchn_init first */
	svc->shared = xevtchn()->shared;
	svc->xsd = rt_alloc_pages(pages);
	if (!svc->xsd)
		return -XEN_ENOMEM;
	xsd_init(svc->xsd);
	xsd_set_domain_ops(svc->xsd, &svc_ops, svc);
	for (i = 0; i < XSD_SVC_LOCALS; i++) {
		svc->local[i].svc = svc;
		svc->local[i].index = i;
		svc->local[i].intf = rt_alloc_pages(1);
		rc = -XEN_ENOMEM;
		if (!svc->local[i].intf)
			goto err_locals;
	}
	for (i = 0; i < XSD_SVC_RINGS; i++) {
		rc = xen_alloc_unpopulated_pages(1, &svc->ring[i].gfn);
		if (!rc && rt_map_range(svc->ring[i].gfn << 12, RT_PAGE_SIZE))
			rc = -XEN_ENOMEM;
		if (rc)
			goto err_rings;
	}
	rc = loopback(svc, &svc->kick_remote, &svc->kick_port);
	if (rc)
		goto err_rings;
	rc = xevtchn_bind_virq(VIRQ_DOM_EXC, 0, &svc->virq_port);
	if (rc)
		goto err_kick;
	svc_mask(svc, svc->virq_port);
	return 0;

err_kick:
	xevtchn_close(svc->kick_port);
	xevtchn_close(svc->kick_remote);
err_rings:
	while (i--)
		xen_free_unpopulated_pages(1, &svc->ring[i].gfn);
	i = XSD_SVC_LOCALS;
err_locals:
	while (i--)
		rt_free_pages(svc->local[i].intf, 1);
	rt_free_pages(svc->xsd, pages);
	svc->xsd = NULL;
	return rc;
}

int xsd_svc_run(struct xsd_svc *svc)
{
	evtchn_port_t ports[2 + XSD_SVC_LOCALS + XSD_SVC_RINGS];

	while (!__atomic_load_n(&svc->stop, __ATOMIC_ACQUIRE)) {
		unsigned int n = 0, k;

		/* take the ports, then look (a kick after this is not lost) */
		ports[n++] = svc->kick_port;
		ports[n++] = svc->virq_port;
		for (unsigned int i = 0; i < XSD_SVC_LOCALS; i++)
			if (__atomic_load_n(&svc->local[i].open, __ATOMIC_ACQUIRE))
				ports[n++] = svc->local[i].server_port;
		for (unsigned int i = 0; i < XSD_SVC_RINGS; i++)
			if (svc->ring[i].used)
				ports[n++] = svc->ring[i].local_port;
		svc_take(svc, svc->kick_port);
		for (unsigned int i = 2; i < n; i++)
			svc_take(svc, ports[i]);
		if (svc_take(svc, svc->virq_port)) {
			svc->dom_exc++;
			xsd_domains_check(svc->xsd);
		}
		while ((k = xsd_poll(svc->xsd)) != 0)
			svc->served += k;
		svc->rounds++;
		/* rings introduced above were looked at by the rounds that
		 * followed; the next list has their ports */
		xevtchn_poll(ports, n, xevtchn_now() + SVC_TICK_NS);
	}
	return 0;
}

void xsd_svc_stop(struct xsd_svc *svc)
{
	__atomic_store_n(&svc->stop, true, __ATOMIC_RELEASE);
	xevtchn_send(svc->kick_remote);
}

void xsd_svc_fini(struct xsd_svc *svc)
{
	unsigned long pages = (sizeof(struct xsd) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE;

	if (!svc->xsd)
		return;
	for (unsigned int i = 0; i < XSD_SVC_LOCALS; i++) {
		if (svc->local[i].open)
			xsd_svc_close(svc, i);
		rt_free_pages(svc->local[i].intf, 1);
	}
	for (unsigned int i = 0; i < XSD_CONNS; i++) {
		struct xsd_conn *c = &svc->xsd->conn[i];

		if (c->used && c->kind == XSD_CONN_INTRODUCED)
			xsd_disconnect(svc->xsd, c); /* unmaps and closes through the ops */
	}
	for (unsigned int i = 0; i < XSD_SVC_RINGS; i++)
		xen_free_unpopulated_pages(1, &svc->ring[i].gfn);
	xevtchn_close(svc->virq_port);
	xevtchn_close(svc->kick_port);
	xevtchn_close(svc->kick_remote);
	rt_free_pages(svc->xsd, pages);
	svc->xsd = NULL;
}
