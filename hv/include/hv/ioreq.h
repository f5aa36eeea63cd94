/*
 * IOREQ servers: the minimal registry the PV IOMMU needs.
 *
 * An IOREQ server is created by an emulator domain for a target domain it
 * may map (domain_may_map). It is named by (target, id), ids unique per
 * target like Xen's ioservid_t. Its buffered ring (struct buffered_iopage)
 * and its synchronous request slot (struct ioreq) are pages of the
 * EMULATOR's own memory, written through the emulator's P2M on every use:
 * the hypervisor holds no reference on them, and if the emulator gives
 * such a page up, delivery simply fails over to the next path.
 *
 * The servers hang off the emulator's IOMMU context (no global state);
 * they go away with either domain.
 */
#ifndef HV_IOREQ_H
#define HV_IOREQ_H

#include <hv/hv.h>
#include <public/ioreq.h>

struct ioreq_server_stats {
	uint64_t buffered;  /* requests put on the buffered ring */
	uint64_t sync;      /* requests put in the synchronous slot */
	uint64_t ring_full; /* times the ring had no room */
	uint64_t backlog;   /* requests that found both paths busy (retried later) */
};

struct ioreq_server {
	struct ioreq_server *next;
	struct domain *emulator;
	domid_t target;
	ioservid_t id;
	gfn_t buf_gfn;	/* emulator gfn of the buffered_iopage, INVALID_GFN: none */
	gfn_t sync_gfn; /* emulator gfn of the ioreq slot page, INVALID_GFN: none */
	struct ioreq_server_stats st;
};

/*
 * Creates a server of emulator `emu` for `target`. -EPERM (no privilege
 * over target, or target == emu), -ENOMEM, -ENOSPC (ids exhausted).
 */
int ioreq_server_create(struct domain *emu, struct domain *target, gfn_t buf_gfn, gfn_t sync_gfn,
			ioservid_t *id);
/* -ENOENT when emu has no such server. */
int ioreq_server_destroy(struct domain *emu, domid_t target, ioservid_t id);
struct ioreq_server *ioreq_server_find(struct hv *hv, domid_t target, ioservid_t id);
/* Drops every server of emulator d, and every server (of any emulator) targeting d. */
void ioreq_domain_destroy(struct domain *d);

/*
 * Sends IOREQ_TYPE_INVALIDATE with data = bfn: on the buffered ring (one
 * 8-byte request, two slots) if it has room, else in the synchronous slot
 * if that is free (STATE_IOREQ_NONE). 0, or -EBUSY when both are busy.
 */
int ioreq_send_invalidate(struct ioreq_server *s, uint64_t bfn);

/* The list head of emulator d's servers (in its IOMMU context). */
struct ioreq_server **iommu_ioreq_list(struct domain *d);

struct hv_hcall;
/* The hypercall handler for device-model operations (XEN_DMOP_*) on IOREQ servers: runs with the hypervisor lock held,
 * returns the guest's rax or HV_HCALL_CONTINUE (see hcall.h). */
int64_t do_dm_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);

#endif
