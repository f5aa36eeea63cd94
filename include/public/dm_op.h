/*
 * memvisor public ABI: the device-model hypercall dm_op (41), the subset
 * memvisor implements (x86-64 layout).
 *
 * dm_op(domid_t domid, unsigned int nr_bufs, XEN_GUEST_HANDLE(xen_dm_op_buf_t) bufs)
 *
 * domid is the TARGET (the domain being emulated); the caller is the
 * emulator and must be privileged over it (privileged, or the target is
 * in its target list, memvisor,backend-for). bufs[0] holds a struct
 * xen_dm_op whose `op` selects the sub-op; OUT fields are written back to
 * the same buffer. Buffer and struct layouts are Xen's; the sub-op below
 * numbered from 0x8000 is memvisor's own (docs/pv-iommu.md, "IOREQ
 * servers from guests").
 *
 * Self-contained: needs only <stdint.h> and <stddef.h>.
 */
#ifndef MEMVISOR_PUBLIC_DM_OP_H
#define MEMVISOR_PUBLIC_DM_OP_H

#include "ioreq.h"
#include "xen.h"

struct xen_dm_op_buf {
	XEN_GUEST_HANDLE(void) h; /* guest address of the buffer */
	xen_ulong_t size;         /* bytes */
};
typedef struct xen_dm_op_buf xen_dm_op_buf_t;

/* Xen's numbers (upstream). memvisor implements destroy only; create (1)
 * returns -EOPNOTSUPP: its ring pages live in the target's space, where
 * memvisor's servers keep theirs in the emulator's (see below). */
#define XEN_DMOP_create_ioreq_server 1
#define XEN_DMOP_destroy_ioreq_server 6

/* memvisor: create an IOREQ server whose buffered ring and synchronous
 * request page are pages of the CALLER's own RAM. */
#define XEN_DMOP_memvisor_create_ioreq_server 0x8001

struct xen_dm_op_destroy_ioreq_server {
	ioservid_t id;       /* IN */
	uint16_t pad;
};

struct xen_dm_op_memvisor_create_ioreq_server {
	xen_pfn_t buf_gfn;   /* IN: caller gfn of the struct buffered_iopage, or XEN_DMOP_NO_PAGE */
	xen_pfn_t sync_gfn;  /* IN: caller gfn of the struct ioreq slot, or XEN_DMOP_NO_PAGE */
	ioservid_t id;       /* OUT */
	uint16_t pad[3];
};
#define XEN_DMOP_NO_PAGE (~(xen_pfn_t)0)

struct xen_dm_op {
	uint32_t op;
	uint32_t pad;
	union {
		struct xen_dm_op_destroy_ioreq_server destroy_ioreq_server;
		struct xen_dm_op_memvisor_create_ioreq_server memvisor_create_ioreq_server;
		uint8_t space[48]; /* room for the sub-ops memvisor does not implement */
	} u;
};
typedef struct xen_dm_op xen_dm_op_t;

_Static_assert(sizeof(struct xen_dm_op_buf) == 16, "xen_dm_op_buf size");
_Static_assert(offsetof(struct xen_dm_op_buf, size) == 8, "xen_dm_op_buf.size");
_Static_assert(offsetof(struct xen_dm_op, u) == 8, "xen_dm_op.u");
_Static_assert(sizeof(struct xen_dm_op_destroy_ioreq_server) == 4, "destroy_ioreq_server size");
_Static_assert(sizeof(struct xen_dm_op_memvisor_create_ioreq_server) == 24,
	       "memvisor_create_ioreq_server size");
_Static_assert(offsetof(struct xen_dm_op_memvisor_create_ioreq_server, id) == 16,
	       "memvisor_create_ioreq_server.id");
_Static_assert(sizeof(struct xen_dm_op) == 56, "xen_dm_op size");

#endif
