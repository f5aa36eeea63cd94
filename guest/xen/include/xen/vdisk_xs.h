/*
 * The virtio-disk backend driven by xenstore (issue 16): the seed's
 * backend sequence (xen-facts-devices 7.2-7.4) over the libraries that
 * exist: a frontend found in xenstore (xen/xs_vdisk_be.h), all of its RAM
 * pre-mapped at unpopulated frames (its size from memory/static-max, laid
 * over the Arm guest RAM banks as the seed does), an IOREQ server claiming
 * its window, InitWait written, the device served (xen/virtio_mmio_dev.h)
 * until the frontend goes away (state Closing/Closed/Unknown, nodes
 * removed, or its ring released because it died); then everything is
 * undone and state Closed written. One session at a time, any number of
 * sessions one after another.
 *
 * vdxs_init runs on vCPU 0 (it allocates: the frame lists, max_frames
 * unpopulated frames made reachable, the ioreq page's frame, a page for
 * the batched calls) after xen_unpopulated_init and xevtchn_init; a
 * session allocates nothing and touches event bits through shared_info
 * itself (xen/evtchn_bits.h), so vdxs_session runs on any vCPU, e.g. one
 * of its own while vCPU 0 runs the toolstack. Its xenstore client may be
 * a Dom0-local one of xen/xsd_service.h served by another vCPU. The
 * storage is a RAM disk given by the caller (or the caller's vmdev hooks:
 * vdxs.dev is set up before each session from vdxs.tmpl).
 */
#ifndef XEN_VDISK_XS_H
#define XEN_VDISK_XS_H

#include <public/event_channel.h>
#include <xen/virtio_mmio_dev.h>
#include <xen/xs_vdisk_be.h>

/* Arm's guest RAM banks (xen-facts: GUEST_RAM0/1), how the seed lays a
 * frontend's static-max over them. */
#define VDXS_RAM0_BASE 0x40000000ULL
#define VDXS_RAM0_SIZE 0xc0000000ULL
#define VDXS_RAM1_BASE 0x0200000000ULL

struct vdxs_stats {
	uint64_t sessions;   /* frontends served to the end */
	uint64_t refused;    /* taken but not servable (closed at once) */
	uint64_t accesses, requests, bad_chains, ioerr;
};

#define VDXS_BATCH 512u /* frames per add_to_physmap_batch */

struct vdxs {
	struct xs_client *c;
	struct shared_info *shared; /* event bits (vCPU 0's address, for all) */
	void *mc_page;		/* multicall list and requests of an unmap */
	int *errs;		/* VDXS_BATCH results of one batch */
	evtchn_port_t xs_port;	/* pending when the client's server moved */
	struct xsbe be;
	struct vmdev tmpl;	/* storage fields copied into dev per session */
	struct vmdev dev;
	struct vmdev_bank banks[2];
	xen_pfn_t *local, *fg;	/* max_frames entries each; local: unpopulated, reachable */
	uint64_t max_frames;
	xen_pfn_t io_gfn;	/* where the ioreq page lands (unpopulated) */
	struct xsbe_disk cur;
	struct vdxs_stats st;
};

/*
 * vCPU 0. c: the backend's xenstore client; xs_port: the port its wait
 * hook waits on (a local client's svc->local[i].client_port); max_fe_ram:
 * the largest frontend RAM served (bytes); disk/sectors: the RAM store.
 * 0 or a negative Xen errno.
 */
int vdxs_init(struct vdxs *v, struct xs_client *c, evtchn_port_t xs_port, uint64_t max_fe_ram,
	      uint8_t *disk, uint64_t sectors);
/*
 * Waits for a frontend until `deadline` (xevtchn_now() ns; 0: none), serves
 * it until it goes away. 0 after a session, -XEN_ETIMEDOUT if none came,
 * or the error that ended the session (everything undone, Closed written).
 */
int vdxs_session(struct vdxs *v, uint64_t deadline);

#endif
