/*
 * IOREQ servers: device models in other domains (issue 15; Xen's standard
 * interface, docs/abi.md "dm_op", docs/pv-iommu.md for INVALIDATE).
 *
 * A server is created by an emulator domain (dm_op create_ioreq_server)
 * for a target it may map (domain_may_map) and lives in the TARGET, as in
 * Xen: at most IOREQ_MAX_SERVERS per target, id = lowest free slot. It
 * owns, for a standard server:
 * - the ioreq page: one struct ioreq per target vCPU (vcpu_ioreq[vcpu]),
 *   and with bufioreq the buffered ring page. Both are frames of the
 *   target beyond its max_pages (PGC_extra, as Xen's MEMF_no_refcount
 *   pages: in tot_pages, not in its reservation) that are in nobody's P2M until the emulator maps them with
 *   XENMEM_acquire_resource; the server holds their allocation reference,
 *   every mapping one more, so a frame outlives a destroyed server until
 *   the emulator unmaps it (as in Xen);
 * - one Xen-attached event channel per target vCPU (evtchn_alloc_xen_port,
 *   remote = the emulator) and one for the buffered ring;
 * - its MMIO/port/PCI ranges (inclusive, no overlap within one type).
 *
 * The synchronous protocol (Xen's, facts 6.5): the faulting vCPU writes
 * its slot (state NONE required), release fence, state = IOREQ_READY,
 * notifies its port and waits (no host CPU) until the emulator sets
 * IORESP_READY and sends on its bound port; the vCPU then reads `data`
 * after an acquire fence, sets the slot back to NONE itself and finishes
 * the access. A state moving backwards (other than to NONE) or outside 0-3
 * crashes the target, as in Xen. vp_eport is written when the server is
 * enabled; requests go only to enabled servers, the lowest id whose range
 * holds the whole access.
 *
 * Locking: hypervisor lock held everywhere except hv_ioreq_mmio (hypercall
 * layer), which takes it and sleeps on the vCPU's wake-up primitive with
 * it released.
 */
#ifndef HV_IOREQ_H
#define HV_IOREQ_H

#include <hv/hv.h>
#include <public/ioreq.h>

#define IOREQ_MAX_SERVERS 8	 /* per target (Xen's MAX_NR_IOREQ_SERVERS) */
#define IOREQ_MAX_RANGES 256	 /* per server and range type (Xen's limit) */
#define IOREQ_NR_RANGE_TYPES 3	 /* XEN_DMOP_IO_RANGE_PORT, _MEMORY, _PCI */

struct ioreq_server_stats {
	uint64_t buffered;  /* requests put on the buffered ring */
	uint64_t sync;      /* requests put in a synchronous slot */
	uint64_t ring_full; /* times the ring had no room */
	uint64_t backlog;   /* requests that found both paths busy (retried later) */
	uint64_t mmio;      /* MMIO accesses forwarded */
};

struct ioreq_range {
	uint64_t start, end; /* inclusive */
};

struct ioreq_server {
	struct domain *emulator;
	struct domain *target_d;
	domid_t target;
	ioservid_t id;
	bool enabled; /* set_ioreq_server_state */
	uint8_t bufioreq; /* HVM_IOREQSRV_BUFIOREQ_* */
	/* the target's frames (buf_mfn INVALID_MFN without bufioreq) */
	mfn_t ioreq_mfn, buf_mfn;
	/* ports of the target (0: none) */
	uint32_t vcpu_port[DOMAIN_MAX_VCPUS];
	uint32_t buf_port;
	struct ioreq_range *ranges[IOREQ_NR_RANGE_TYPES]; /* IOREQ_MAX_RANGES each, or NULL */
	unsigned int nr_ranges[IOREQ_NR_RANGE_TYPES];
	struct ioreq_server_stats st;
};

/* Per target: its servers and which server each vCPU waits for. */
struct ioreq_domain {
	struct ioreq_server *server[IOREQ_MAX_SERVERS];
	struct ioreq_server *waiting[DOMAIN_MAX_VCPUS];
	uint64_t answered[DOMAIN_MAX_VCPUS]; /* bumped by each emulator send */
	/* The slot state the waiting vCPU last saw (READY or INPROCESS): the
	 * emulator may only move it forwards (facts 6.5). */
	uint8_t seen_state[DOMAIN_MAX_VCPUS];
};

/*
 * Creates a server of emulator `emu` for `target`, with a buffered ring
 * unless bufioreq is HVM_IOREQSRV_BUFIOREQ_OFF. -EPERM (no privilege over
 * target, or target == emu), -ENOMEM, -ENOSPC (IOREQ_MAX_SERVERS), -ESRCH
 * (target dying).
 */
int ioreq_server_create(struct domain *emu, struct domain *target, uint8_t bufioreq,
			ioservid_t *id);
/* Disables and frees a server of emulator emu: -ENOENT (no such id),
 * -EPERM (another emulator's). */
int ioreq_server_destroy(struct domain *emu, domid_t target, ioservid_t id);
struct ioreq_server *ioreq_server_find(struct hv *hv, domid_t target, ioservid_t id);
/* The server (target, id) for a later dm_op of emu: NULL with *err
 * -ENOENT (no such server) or -EPERM (another emulator's). */
struct ioreq_server *ioreq_server_get(struct domain *emu, struct domain *target, ioservid_t id,
				      int *err);
/* Drops every server of emulator d, and every server targeting d. */
void ioreq_domain_destroy(struct domain *d);

/* dm_op sub-ops on a server found by ioreq_server_get (0 or -errno). */
int ioreq_server_map_range(struct ioreq_server *s, uint32_t type, uint64_t start, uint64_t end);
int ioreq_server_unmap_range(struct ioreq_server *s, uint32_t type, uint64_t start,
			     uint64_t end);
int ioreq_server_set_state(struct ioreq_server *s, bool enabled);

/*
 * XENMEM_acquire_resource, type ioreq_server: the frame `frame` of server
 * id of target t for caller emu. 0 with *mfn, or -ENOENT (no server; no
 * bufioreq for frame 0), -EPERM (not its emulator), -EINVAL (frame).
 */
int ioreq_resource_frame(struct domain *emu, struct domain *t, uint32_t id, uint64_t frame,
			 mfn_t *mfn);

/*
 * Sends IOREQ_TYPE_INVALIDATE with data = bfn: on the buffered ring (one
 * 8-byte request, two slots) if it has room, else in the synchronous slot
 * of vCPU 0 if that is free (STATE_IOREQ_NONE). 0, or -EBUSY when both are
 * busy.
 */
int ioreq_send_invalidate(struct ioreq_server *s, uint64_t bfn);

/* ---- the MMIO path (lock held; driven by hv_ioreq_mmio, hypercall.h) ---- */

/*
 * An access of vCPU `vcpu` of d. Without a request in flight: forwards it
 * to the first enabled server holding [gpa, gpa + size) of type MEMORY and
 * returns 1 (sent; wait for ioreq_mmio_complete), or 0 (unclaimed). With
 * one in flight for this vCPU (the previous wait was interrupted) returns
 * 1 without sending again.
 */
int ioreq_mmio_send(struct domain *d, unsigned int vcpu, uint64_t gpa, unsigned int size,
		    bool write, uint64_t data);
/*
 * Whether the request in flight for vCPU `vcpu` is answered: 1 (done, the
 * slot back to NONE, *data the read value; all ones when the emulator
 * put the slot back to NONE itself, as Xen), 0 (keep waiting), -1 (no
 * answer will come: the server went away, the target was crashed for a
 * state outside 0-3 or moved backwards; *data = all ones).
 */
int ioreq_mmio_complete(struct domain *d, unsigned int vcpu, uint64_t *data);
/* Sends bumping answered[vcpu] since `gen` (for the waiter). */
uint64_t ioreq_answer_gen(const struct domain *d, unsigned int vcpu);

/* ---- audit (lock held) ---- */

/* Every server's invariants; adds the references nobody else reports
 * (none today). 0, or -1 with a message in buf. */
int ioreq_audit(struct hv *hv, char *buf, size_t len);

struct hv_hcall;
/* The hypercall handler for device-model operations (XEN_DMOP_*): runs with the hypervisor lock held,
 * returns the guest's rax or HV_HCALL_CONTINUE (see hcall.h). */
int64_t do_dm_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);

#endif
