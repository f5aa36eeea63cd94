/*
 * xenstored as Dom0's service (guest code; the store itself is
 * xen/xenstored.h): the rings of every introduced domain and Dom0-local
 * clients, served by one vCPU of Dom0 while its other vCPUs run the
 * toolstack and backends (docs/vcpus.md: one vCPU per role, each blocking
 * on its own events).
 *
 * Use:
 *   vCPU 0, before the other roles start (the page allocator is vCPU 0's):
 *     xsd_svc_init(&svc)   - allocates the store, the local rings and one
 *                            unpopulated frame per possible domain ring,
 *                            binds VIRQ_DOM_EXC.
 *     xsd_svc_open(&svc, i, &client) for each local client i (0..
 *                            XSD_SVC_LOCALS-1) a role will use; or later,
 *                            from any vCPU (only hypercalls and the lock).
 *   the service vCPU:
 *     xsd_svc_run(&svc)    - serves until xsd_svc_stop(); returns 0.
 *   any vCPU: the client (xen/xenstore.h) over its local ring; the
 *     toolstack introduces a domain with xs_introduce(c, domid, gfn, port)
 *     after xs_store_prepare (xen/xenstore_hvm.h), and releases it with
 *     xs_release(c, domid) before destroying it.
 *
 * A local client is a ring page in Dom0's own memory with a loopback
 * interdomain channel (EVTCHNOP_alloc_unbound with remote DOMID_SELF,
 * bound by Dom0 itself): the service kicks the client's end, the client
 * the service's end, so the xenstore client runs unchanged. Its wait hook
 * polls its own port (SCHEDOP_poll: works from any vCPU) and gives up
 * after `timeout_ns` without the awaited bytes (-1), or at once when the
 * service stopped.
 *
 * INTRODUCE maps the domain's ring frame at a frame from the service's
 * pool (foreign mapping), zeroes it, and binds the domain's port; RELEASE
 * and a dead domain (VIRQ_DOM_EXC, then getdomaininfo: dying or gone)
 * undo both. Only the service vCPU maps, so the guest's allocators are
 * used on vCPU 0 at init only.
 */
#ifndef XEN_XSD_SERVICE_H
#define XEN_XSD_SERVICE_H

#include <public/event_channel.h>
#include <public/xen.h>
#include <xen/xenstore.h>
#include <xen/xenstored.h>

#define XSD_SVC_LOCALS 6u    /* Dom0-local clients */
#define XSD_SVC_RINGS 8u     /* introduced domains at once */
#define XSD_SVC_TIMEOUT_NS 10000000000ULL /* a local client's default patience */

struct xsd_svc;

struct xsd_local {
	struct xsd_svc *svc;
	unsigned int index;
	bool open;
	struct xenstore_domain_interface *intf; /* a page of Dom0 */
	evtchn_port_t client_port;  /* the client waits here and kicks the service */
	evtchn_port_t server_port;  /* the service's end */
	uint64_t timeout_ns;	    /* per wait (default XSD_SVC_TIMEOUT_NS) */
	struct xsd_conn *conn;
	struct xs_client *client; /* the caller's, from xsd_svc_open */
	uint64_t waits, timeouts;
};

struct xsd_svc_ring {
	bool used;
	xen_pfn_t gfn;		    /* a frame of the pool */
	evtchn_port_t local_port;
	uint16_t dom;
};

struct xsd_svc {
	struct xsd *xsd;	    /* allocated by init */
	struct shared_info *shared; /* the event bits, for every vCPU */
	struct xsd_local local[XSD_SVC_LOCALS];
	struct xsd_svc_ring ring[XSD_SVC_RINGS];
	evtchn_port_t virq_port;    /* VIRQ_DOM_EXC */
	evtchn_port_t kick_port;    /* loopback: new local connections, stop */
	evtchn_port_t kick_remote;
	volatile bool stop;
	uint32_t open_lock;
	uint64_t rounds, served, dom_exc;
};

/* 0 or a negative Xen errno (nothing kept on failure). vCPU 0. */
int xsd_svc_init(struct xsd_svc *svc);
/* The service loop. Returns 0 when stopped, or a negative errno when a
 * call it cannot do without failed. */
int xsd_svc_run(struct xsd_svc *svc);
void xsd_svc_stop(struct xsd_svc *svc);
/* Opens local client slot `index` and initialises *c over it (c lives as
 * long as the connection). 0, -XEN_EBUSY (slot open), -XEN_EINVAL, or the
 * channel's error. */
int xsd_svc_open(struct xsd_svc *svc, unsigned int index, struct xs_client *c);
/* Closes a local client (its watches go); 0 or a negative errno. */
int xsd_svc_close(struct xsd_svc *svc, unsigned int index);
/* Blocks the calling vCPU until the local client's port fires or the
 * deadline (xevtchn_now() ns, 0: none) passes: for a client waiting for
 * watch events (xs_read_watch polls). Returns at once when the client
 * has input already (xs_has_input: an event read with an earlier reply, or
 * bytes whose kick an earlier wait took). 0 or -XEN_ETIMEDOUT. */
int xsd_svc_wait(struct xsd_svc *svc, unsigned int index, uint64_t deadline);
/* After the loop stopped (vCPU 0): releases every ring and local client. */
void xsd_svc_fini(struct xsd_svc *svc);

#endif
