/*
 * The nodes libxl writes for a domain and its virtio disks, through a
 * xenstore client of the privileged domain (the toolstack's Dom0-local
 * connection). Facts: docs/misc/xenstore.txt, xen-facts-devices 7.2;
 * docs/xenstore.md "libxl's nodes" lists every node and its permissions.
 *
 * A domain (xs_libxl_domain_write), in one transaction (retried on
 * EAGAIN):
 *   /local/domain/N            n0 rN   (Dom0's; the domain reads it)
 *     name, domid, vm, memory/static-max, memory/target (KiB),
 *     cpu/<i>/availability ("online"), store/port, store/ring-ref,
 *     device/ (n0 rN), control/ (n0 rN) with control/platform-feature-*
 *   writable by the domain (owner N): data, control/shutdown,
 *     control/feature-poweroff, control/feature-reboot, control/sysrq,
 *     attr, drivers, feature, error
 *   /vm/<uuid>                 n0 rN   uuid, name
 *   /libxl/N                   n0      (the toolstack's own)
 * A virtio disk (xs_libxl_vdisk_write), kind "virtio_disk":
 *   frontend /local/domain/<fe>/device/virtio_disk/<devid>
 *            owner fe, backend reads (n<fe> r<be>)
 *   backend  /local/domain/<be>/backend/virtio_disk/<fe>/<devid>
 *            owner be, frontend reads (n<be> r<fe>)
 *   both with state = 1 (Initialising); the backend writes 2 (InitWait)
 *   when it took the disk (xen-facts-devices 7.2).
 * Removal (xs_libxl_vdisk_remove, xs_libxl_domain_remove) takes the
 * subtrees away (the domain's home, /vm/<uuid>, /libxl/N, and every
 * backend directory of the domain's devices under the backends given).
 *
 * Freestanding, no allocation; paths are built in the caller's stack.
 * Errors: negative Xen errnos from the server (or -XEN_EINVAL for bad
 * arguments); a failed write leaves nothing (its transaction is aborted).
 */
#ifndef XEN_XS_LIBXL_H
#define XEN_XS_LIBXL_H

#include <xen/xenstore.h>

#define XS_LIBXL_NAME_MAX 64
#define XS_LIBXL_PARAMS_MAX 128

/* xenbus states (io/xenbus.h) */
#define XENBUS_STATE_UNKNOWN 0
#define XENBUS_STATE_INITIALISING 1
#define XENBUS_STATE_INITWAIT 2
#define XENBUS_STATE_INITIALISED 3
#define XENBUS_STATE_CONNECTED 4
#define XENBUS_STATE_CLOSING 5
#define XENBUS_STATE_CLOSED 6

struct xs_libxl_dom {
	uint16_t domid;
	const char *name;
	uint8_t uuid[16];	 /* /vm/<uuid>, 8-4-4-4-12 hex */
	uint64_t target_kib;	 /* memory/target */
	uint64_t static_max_kib; /* memory/static-max */
	unsigned int vcpus;	 /* cpu/0..vcpus-1/availability = online */
	uint64_t store_gfn;	 /* store/ring-ref (0: not written) */
	uint32_t store_port;	 /* store/port */
};

struct xs_libxl_vdisk {
	uint16_t backend_domid;
	uint32_t devid;		/* xs_libxl_vdev_devid(vdev) as libxl does */
	const char *vdev;	/* "xvda" ... (backend's "dev") */
	uint64_t base;		/* virtio-mmio window, GUEST_VIRTIO_MMIO_BASE + 0x200 * i */
	uint32_t irq;		/* SPI, 33 + i */
	bool writable;		/* mode "w" / "r" */
	const char *params;	/* the disk's target (image path) */
};

/* Xen's VBD number for xvd<letter> (vbd-interface.txt: 202 << 8 | disk << 4)
 * and sd/hd forms; -XEN_EINVAL for anything else. */
int xs_libxl_vdev_devid(const char *vdev);

int xs_libxl_domain_write(struct xs_client *c, const struct xs_libxl_dom *d);
/* Removes what domain_write and vdisk_write made for domid (backends: the
 * backend domains whose backend/<kind>/<domid> directories to remove). */
int xs_libxl_domain_remove(struct xs_client *c, uint16_t domid, const uint8_t uuid[16],
			   const uint16_t *backends, unsigned int nr_backends);

int xs_libxl_vdisk_write(struct xs_client *c, uint16_t fe, const struct xs_libxl_vdisk *v);
int xs_libxl_vdisk_remove(struct xs_client *c, uint16_t fe, const struct xs_libxl_vdisk *v);

/* The node paths (buf of XS_LIBXL_PATH bytes). */
#define XS_LIBXL_PATH 128
void xs_libxl_fe_path(char *buf, uint16_t fe, uint32_t devid);
void xs_libxl_be_path(char *buf, uint16_t be, uint16_t fe, uint32_t devid);

/*
 * libxl's wait for the backend: watches the backend's state node until it
 * reads `state` (e.g. XENBUS_STATE_INITWAIT); the client's wait hook
 * decides how long (it returns < 0 to give up: -XEN_ETIMEDOUT). 0 or a
 * negative errno (-XEN_ENOENT if the node went away).
 */
int xs_libxl_vdisk_wait(struct xs_client *c, uint16_t fe, const struct xs_libxl_vdisk *v,
			int state);

#endif
