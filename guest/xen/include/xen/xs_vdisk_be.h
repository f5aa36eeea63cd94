/*
 * The virtio-disk backend's side of xenstore, as the seed's backend
 * finds its guests (xen-facts-devices 7.2): watch backend/virtio_disk
 * (relative to the backend's home), take a new frontend there, list its
 * devids, require the frontend's device/virtio_disk/<devid>, read mode
 * ('w' in it: writable), base, irq and params, require both state nodes
 * at Initialising (1); once the backend serves the window (its IOREQ
 * server made), write InitWait (2) to the backend's state (never
 * Connected: libxl waits for InitWait). So a frontend that sees InitWait
 * (or is unpaused after libxl saw it) finds its window served. A session ends when the frontend's
 * state becomes Closing/Closed (or Unknown), either directory is removed,
 * or the domain is released (@releaseDomain, then the frontend's nodes
 * are checked).
 *
 * Over a xenstore client (a Dom0-local one of xsd_service, or any domain's
 * ring). The backend's own domid is its `domid` node (missing: 0).
 */
#ifndef XEN_XS_VDISK_BE_H
#define XEN_XS_VDISK_BE_H

#include <xen/xs_libxl.h>

struct xsbe_disk {
	uint16_t fe;
	uint32_t devid;
	uint64_t base;
	uint32_t irq;
	bool writable;
	char params[XS_LIBXL_PARAMS_MAX];
	char fe_path[XS_LIBXL_PATH];
	char be_path[XS_LIBXL_PATH];
	uint64_t static_max_kib; /* the frontend's memory/static-max (0: unreadable) */
	bool introduced;	 /* its ring was introduced when taken (IS_DOMAIN_INTRODUCED) */
};

struct xsbe {
	struct xs_client *c;
	uint16_t self;
	bool privileged; /* may ask IS_DOMAIN_INTRODUCED */
	uint64_t taken, skipped; /* frontends taken; looked at but not ready */
};

/* Reads our domid, watches backend/virtio_disk and @releaseDomain. */
int xsbe_init(struct xsbe *b, struct xs_client *c);
/*
 * A new frontend whose nodes are complete and both states Initialising:
 * fills d and watches the frontend's directory. 0 when taken, -XEN_EAGAIN
 * when none is ready yet (the caller waits for the client's port and calls
 * again), or an error of the client. Not blocking.
 * xsbe_take also writes InitWait at once (as the seed's backend does);
 * xsbe_take_only leaves that to xsbe_ready, for a backend that first makes
 * its IOREQ server claim the window (vdisk_xs does). A disk taken but not
 * made ready is offered again by the next take.
 */
int xsbe_take(struct xsbe *b, struct xsbe_disk *d);
int xsbe_take_only(struct xsbe *b, struct xsbe_disk *d);
/* The window is served (IOREQ server created and claiming it): writes
 * InitWait, which libxl (and the frontend) wait for. */
int xsbe_ready(struct xsbe *b, const struct xsbe_disk *d);
/* Whether d's session must end (reads the nodes; events drained). */
bool xsbe_gone(struct xsbe *b, const struct xsbe_disk *d);
/* The session ended: backend state Closed (6) if its node still exists. */
int xsbe_end(struct xsbe *b, const struct xsbe_disk *d);

#endif
