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
 * the same buffer. Buffer and struct layouts are Xen's; the server's
 * pages are reached with XENMEM_acquire_resource (memory.h).
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

/* Xen's numbers (upstream). memvisor implements the IOREQ-server sub-ops
 * 1-6, set_irq_level (19, Arm's way to raise a device interrupt, which
 * memvisor delivers as an event, docs/abi.md) and nr_vcpus (20); others
 * return -EOPNOTSUPP. */
#define XEN_DMOP_create_ioreq_server 1
#define XEN_DMOP_get_ioreq_server_info 2
#define XEN_DMOP_map_io_range_to_ioreq_server 3
#define XEN_DMOP_unmap_io_range_from_ioreq_server 4
#define XEN_DMOP_set_ioreq_server_state 5
#define XEN_DMOP_destroy_ioreq_server 6
#define XEN_DMOP_set_irq_level 19
#define XEN_DMOP_nr_vcpus 20

/* create_ioreq_server.handle_bufioreq */
#define HVM_IOREQSRV_BUFIOREQ_OFF 0
#define HVM_IOREQSRV_BUFIOREQ_LEGACY 1
#define HVM_IOREQSRV_BUFIOREQ_ATOMIC 2

struct xen_dm_op_create_ioreq_server {
	uint8_t handle_bufioreq; /* IN: HVM_IOREQSRV_BUFIOREQ_* */
	uint8_t pad[3];		 /* IN: 0 */
	ioservid_t id;		 /* OUT */
};

/* get_ioreq_server_info.flags */
#define XEN_DMOP_no_gfns (1u << 0)

struct xen_dm_op_get_ioreq_server_info {
	ioservid_t id;		/* IN */
	uint16_t flags;		/* IN: XEN_DMOP_no_gfns */
	uint32_t bufioreq_port; /* OUT: the buffered ring's port in the target */
	uint64_t ioreq_gfn;	/* OUT (without no_gfns) */
	uint64_t bufioreq_gfn;	/* OUT (without no_gfns) */
};

/* map/unmap io range: type */
#define XEN_DMOP_IO_RANGE_PORT 0
#define XEN_DMOP_IO_RANGE_MEMORY 1
#define XEN_DMOP_IO_RANGE_PCI 2

struct xen_dm_op_ioreq_server_range {
	ioservid_t id;	/* IN */
	uint16_t pad;	/* IN: 0 */
	uint32_t type;	/* IN: XEN_DMOP_IO_RANGE_* */
	uint64_t start; /* IN: first address */
	uint64_t end;	/* IN: last address (inclusive) */
};

struct xen_dm_op_set_ioreq_server_state {
	ioservid_t id;	 /* IN */
	uint8_t enabled; /* IN */
	uint8_t pad;	 /* IN: 0 */
};

struct xen_dm_op_destroy_ioreq_server {
	ioservid_t id;       /* IN */
	uint16_t pad;
};

struct xen_dm_op_set_irq_level {
	uint32_t irq;	/* IN: SPI number (32 .. 255 on memvisor) */
	uint8_t level;	/* IN: 0 or 1 */
	uint8_t pad[3]; /* IN: 0 */
};

struct xen_dm_op_nr_vcpus {
	uint32_t vcpus; /* OUT */
};

struct xen_dm_op {
	uint32_t op;
	uint32_t pad;
	union {
		struct xen_dm_op_create_ioreq_server create_ioreq_server;
		struct xen_dm_op_get_ioreq_server_info get_ioreq_server_info;
		struct xen_dm_op_ioreq_server_range map_io_range_to_ioreq_server;
		struct xen_dm_op_ioreq_server_range unmap_io_range_from_ioreq_server;
		struct xen_dm_op_set_ioreq_server_state set_ioreq_server_state;
		struct xen_dm_op_destroy_ioreq_server destroy_ioreq_server;
		struct xen_dm_op_set_irq_level set_irq_level;
		struct xen_dm_op_nr_vcpus nr_vcpus;
		uint8_t space[48]; /* room for the sub-ops memvisor does not implement */
	} u;
};
typedef struct xen_dm_op xen_dm_op_t;

_Static_assert(sizeof(struct xen_dm_op_buf) == 16, "xen_dm_op_buf size");
_Static_assert(offsetof(struct xen_dm_op_buf, size) == 8, "xen_dm_op_buf.size");
_Static_assert(offsetof(struct xen_dm_op, u) == 8, "xen_dm_op.u");
_Static_assert(sizeof(struct xen_dm_op_create_ioreq_server) == 6, "create_ioreq_server size");
_Static_assert(offsetof(struct xen_dm_op_create_ioreq_server, id) == 4, "create_ioreq_server.id");
_Static_assert(sizeof(struct xen_dm_op_get_ioreq_server_info) == 24, "get_ioreq_server_info size");
_Static_assert(offsetof(struct xen_dm_op_get_ioreq_server_info, bufioreq_port) == 4,
	       "get_ioreq_server_info.bufioreq_port");
_Static_assert(offsetof(struct xen_dm_op_get_ioreq_server_info, ioreq_gfn) == 8,
	       "get_ioreq_server_info.ioreq_gfn");
_Static_assert(offsetof(struct xen_dm_op_get_ioreq_server_info, bufioreq_gfn) == 16,
	       "get_ioreq_server_info.bufioreq_gfn");
_Static_assert(sizeof(struct xen_dm_op_ioreq_server_range) == 24, "ioreq_server_range size");
_Static_assert(offsetof(struct xen_dm_op_ioreq_server_range, type) == 4, "ioreq_server_range.type");
_Static_assert(offsetof(struct xen_dm_op_ioreq_server_range, start) == 8, "ioreq_server_range.start");
_Static_assert(offsetof(struct xen_dm_op_ioreq_server_range, end) == 16, "ioreq_server_range.end");
_Static_assert(sizeof(struct xen_dm_op_set_ioreq_server_state) == 4, "set_ioreq_server_state size");
_Static_assert(sizeof(struct xen_dm_op_destroy_ioreq_server) == 4, "destroy_ioreq_server size");
_Static_assert(sizeof(struct xen_dm_op_set_irq_level) == 8, "set_irq_level size");
_Static_assert(offsetof(struct xen_dm_op_set_irq_level, level) == 4, "set_irq_level.level");
_Static_assert(sizeof(struct xen_dm_op_nr_vcpus) == 4, "nr_vcpus size");
_Static_assert(sizeof(struct xen_dm_op) == 56, "xen_dm_op size");

#endif
