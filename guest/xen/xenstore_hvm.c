/*
 * A domain's store frame and port through HVM params (design:
 * include/xen/xenstore_hvm.h).
 */
#include <xen/xenstore_hvm.h>

#include <public/errno.h>
#include <public/hvm_op.h>
#include <public/memory.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <string.h>
#include <xen/evtchn.h>
#include <xen/foreign.h>
#include <xen/unpopulated.h>

static long hvm_param(uint64_t op, domid_t dom, uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = {.domid = dom, .index = index, .value = *value};
	long rc = rt_hypercall(__HYPERVISOR_hvm_op, op, rt_handle(&p), 0, 0, 0);

	*value = p.value;
	return rc;
}

int xs_store_build(domid_t dom, struct xs_store *st)
{
	xen_pfn_t pfns[2] = {XS_STORE_PFN}; /* guest memory: the stack */
	struct xen_memory_reservation r = {.nr_extents = 1, .domid = dom};
	struct evtchn_alloc_unbound au = {.dom = dom, .remote_dom = DOMID_SELF};
	long rc;

	memset(st, 0, sizeof(*st));
	st->dom = dom;
	set_xen_guest_handle(r.extent_start, rt_handle(pfns));
	rc = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
	if (rc != 1)
		return rc < 0 ? (int)rc : -XEN_ENOMEM;
	rc = xen_alloc_unpopulated_pages(1, &st->gfn);
	if (rc)
		return (int)rc;
	pfns[0] = XS_STORE_PFN;
	pfns[1] = st->gfn;
	rc = xforeign_map(dom, &pfns[0], &pfns[1], 1, NULL);
	if (rc > 0)
		rc = -XEN_EINVAL;
	if (rc)
		goto err_gfn;
	rc = xforeign_reach(&pfns[1], 1);
	if (rc)
		goto err_map;
	st->intf = rt_phys_to_virt(st->gfn << 12);
	memset(st->intf, 0, RT_PAGE_SIZE);
	rc = rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, rt_handle(&au), 0,
			  0, 0);
	if (rc)
		goto err_map;
	st->remote_port = au.port;
	rc = xevtchn_bind_interdomain(dom, au.port, &st->local_port);
	if (rc)
		goto err_map; /* the domain's unbound port stays: EVTCHNOP_close
			       * acts on the caller's ports only */
	return 0;

err_map:
	xforeign_unmap(&pfns[1], 1);
err_gfn:
	xen_free_unpopulated_pages(1, &st->gfn);
	st->intf = NULL;
	return (int)rc;
}

int xs_store_publish(const struct xs_store *st)
{
	uint64_t v = st->remote_port;
	long rc = hvm_param(HVMOP_set_param, st->dom, HVM_PARAM_STORE_EVTCHN, &v);

	if (rc)
		return (int)rc;
	v = XS_STORE_PFN;
	return (int)hvm_param(HVMOP_set_param, st->dom, HVM_PARAM_STORE_PFN, &v);
}

int xs_store_release(struct xs_store *st)
{
	int rc = xevtchn_close(st->local_port);
	int rc2 = xforeign_unmap(&st->gfn, 1);

	if (!rc2)
		xen_free_unpopulated_pages(1, &st->gfn);
	st->intf = NULL;
	return rc ? rc : rc2;
}

int xs_store_prepare(domid_t dom, domid_t xenstored, xen_pfn_t *gfn, evtchn_port_t *port)
{
	xen_pfn_t pfn = XS_STORE_PFN; /* guest memory: the stack */
	struct xen_memory_reservation r = {.nr_extents = 1, .domid = dom};
	struct evtchn_alloc_unbound au = {.dom = dom, .remote_dom = xenstored};
	uint64_t v;
	long rc;

	set_xen_guest_handle(r.extent_start, rt_handle(&pfn));
	rc = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
	if (rc != 1)
		return rc < 0 ? (int)rc : -XEN_ENOMEM;
	rc = rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, rt_handle(&au), 0,
			  0, 0);
	if (rc)
		return (int)rc;
	v = au.port;
	rc = hvm_param(HVMOP_set_param, dom, HVM_PARAM_STORE_EVTCHN, &v);
	if (rc)
		return (int)rc;
	v = XS_STORE_PFN;
	rc = hvm_param(HVMOP_set_param, dom, HVM_PARAM_STORE_PFN, &v);
	if (rc)
		return (int)rc;
	*gfn = XS_STORE_PFN;
	*port = au.port;
	return 0;
}

int xs_store_find(uint64_t deadline, struct xenstore_domain_interface **intf,
		  evtchn_port_t *port)
{
	uint64_t pfn = 0, ev = 0;

	for (;;) {
		if (hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &pfn) == 0 && pfn)
			break;
		if (xevtchn_now() > deadline)
			return -XEN_ETIMEDOUT;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
	if (hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_EVTCHN, &ev) || !ev)
		return -XEN_ENOENT;
	if (rt_map_range(pfn << 12, RT_PAGE_SIZE))
		return -XEN_ENOMEM;
	*intf = rt_phys_to_virt(pfn << 12);
	*port = (evtchn_port_t)ev;
	return *intf ? 0 : -XEN_EFAULT;
}
