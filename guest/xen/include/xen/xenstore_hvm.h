/*
 * Where a domain's xenstore ring lives, as libxl sets it up for HVM guests:
 * the builder gives the domain a store frame and a port whose remote end
 * is the xenstore domain, and publishes them as HVM_PARAM_STORE_EVTCHN and
 * HVM_PARAM_STORE_PFN; the guest reads both with HVMOP_get_param.
 *
 * Builder side (a privileged domain that also runs the server):
 * xs_store_build populates the frame at XS_STORE_PFN in the domain (Arm's
 * GUEST_MAGIC_BASE + 1 page, where dom0less puts the store page too), maps
 * it here (foreign mapping at an unpopulated GFN) and zeroes it, allocates
 * the domain's port with us as the remote and binds it; xs_store_publish
 * then sets STORE_EVTCHN and, last, STORE_PFN, so a guest that sees a
 * non-zero STORE_PFN finds everything ready. Errors are negative Xen
 * errnos; a failed build leaves nothing mapped or bound here (the frame
 * populated in the domain, and its unbound port if the bind failed, stay
 * with the domain).
 *
 * Guest side: xs_store_find waits (yielding) until STORE_PFN is set or the
 * deadline (xevtchn_now() time) passes, then maps the frame.
 */
#ifndef XEN_XENSTORE_HVM_H
#define XEN_XENSTORE_HVM_H

#include <public/event_channel.h>
#include <public/xen.h>
#include <xen/xenstore.h>

#define XS_STORE_PFN (0x39000000ULL / 4096 + 1)

struct xs_store {
	domid_t dom;
	xen_pfn_t gfn;		    /* where the frame is mapped here */
	evtchn_port_t remote_port;  /* the domain's end */
	evtchn_port_t local_port;   /* ours */
	struct xenstore_domain_interface *intf;
};

int xs_store_build(domid_t dom, struct xs_store *st);
int xs_store_publish(const struct xs_store *st);
/* Closes our port and removes the mapping (the domain keeps its frame). */
int xs_store_release(struct xs_store *st);

/*
 * The toolstack's step when xenstored runs as a service (xen/xsd_service.h):
 * populates the domain's store frame at XS_STORE_PFN, allocates its port
 * with `xenstored` (the service's domain, normally 0) as the remote, and
 * publishes STORE_EVTCHN then STORE_PFN. The caller then introduces the
 * domain: xs_introduce(c, dom, *gfn, *port). Nothing is mapped here. On a
 * failure the frame (and port) stay with the domain, freed with it.
 */
int xs_store_prepare(domid_t dom, domid_t xenstored, xen_pfn_t *gfn, evtchn_port_t *port);

int xs_store_find(uint64_t deadline, struct xenstore_domain_interface **intf,
		  evtchn_port_t *port);

#endif
