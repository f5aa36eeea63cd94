/*
 * memvisor public ABI: memory_op hypercall (x86-64 layout).
 *
 * Sub-op numbers, flags and argument layouts of __HYPERVISOR_memory_op, plus
 * the E820-style entry that XENMEM_memory_map returns. Names, numbers and
 * layouts follow Xen's public interface (latest interface version; nothing
 * here depends on __XEN_INTERFACE_VERSION__). Written for memvisor from the
 * published facts (docs/abi.md), not from Xen's header text.
 *
 * Self-contained: needs only <stdint.h> and <stddef.h> (through xen.h).
 */
#ifndef MEMVISOR_PUBLIC_MEMORY_H
#define MEMVISOR_PUBLIC_MEMORY_H

#include "xen.h"

/*
 * memory_op: (cmd, guest address of the argument).
 *
 * The low MEMOP_EXTENT_SHIFT bits of cmd select the sub-op. For the
 * reservation sub-ops the bits above carry the extent to resume from when a
 * call is continued, so a caller normally passes 0 there.
 */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1U << MEMOP_EXTENT_SHIFT) - 1)

#define XENMEM_increase_reservation 0 /* struct xen_memory_reservation */
#define XENMEM_decrease_reservation 1 /* struct xen_memory_reservation */
#define XENMEM_maximum_ram_page 2
#define XENMEM_current_reservation 3 /* arg: domid_t */
#define XENMEM_maximum_reservation 4 /* arg: domid_t */
#define XENMEM_machphys_mfn_list 5
#define XENMEM_populate_physmap 6 /* struct xen_memory_reservation */
#define XENMEM_add_to_physmap 7	  /* struct xen_add_to_physmap */
/* 8 was removed upstream and stays unused. */
#define XENMEM_memory_map 9	     /* struct xen_memory_map */
#define XENMEM_machine_memory_map 10 /* struct xen_memory_map */
#define XENMEM_exchange 11
#define XENMEM_machphys_mapping 12
#define XENMEM_set_memory_map 13 /* struct xen_foreign_memory_map */
#define XENMEM_maximum_gpfn 14
#define XENMEM_remove_from_physmap 15 /* struct xen_remove_from_physmap */
#define XENMEM_set_pod_target 16
#define XENMEM_get_pod_target 17
#define XENMEM_get_sharing_freed_pages 18
#define XENMEM_get_sharing_shared_pages 19
#define XENMEM_paging_op 20
#define XENMEM_access_op 21
#define XENMEM_sharing_op 22
#define XENMEM_add_to_physmap_batch 23 /* struct xen_add_to_physmap_batch */
#define XENMEM_claim_pages 24
#define XENMEM_machphys_compat_mfn_list 25
#define XENMEM_get_vnumainfo 26
#define XENMEM_reserved_device_memory_map 27
#define XENMEM_acquire_resource 28 /* struct xen_mem_acquire_resource */
/* The next free sub-op number is 29. */

/*
 * xen_memory_reservation.mem_flags.
 *
 * Bits 0-7: the highest usable address bit of allocated frames (0 = no
 * limit). Bits 8-15: NUMA node + 1 (0 = any node). Above: option bits.
 */
#define XENMEMF_address_bits(bits) (bits)
#define XENMEMF_get_address_bits(flags) ((flags)&0xffU)
#define XENMEMF_node(node) (((node) + 1) << 8)
#define XENMEMF_get_node(flags) ((((flags) >> 8) - 1) & 0xffU)
#define XENMEMF_populate_on_demand (1U << 16)
#define XENMEMF_exact_node_request (1U << 17)
#define XENMEMF_exact_node(node) (XENMEMF_node(node) | XENMEMF_exact_node_request)
#define XENMEMF_vnode (1U << 18)

/*
 * increase_reservation / decrease_reservation / populate_physmap.
 * Returns the number of extents processed (equal to nr_extents when all
 * succeeded) or a negated errno.
 */
struct xen_memory_reservation {
	/* IN/OUT: frame numbers, one per extent (GFNs for translated guests). */
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
	xen_ulong_t nr_extents; /* IN: number of extents */
	uint32_t extent_order;	/* IN: each extent is 2^order pages */
	uint32_t mem_flags;	/* IN: XENMEMF_* */
	domid_t domid;		/* IN: target domain, usually DOMID_SELF */
};
typedef struct xen_memory_reservation xen_memory_reservation_t;

/* Spaces that add_to_physmap / add_to_physmap_batch take frames from. */
#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define XENMAPSPACE_gmfn 2	   /* move one of the caller's own frames */
#define XENMAPSPACE_gmfn_range 3   /* like gmfn, `size` frames; single call only */
#define XENMAPSPACE_gmfn_foreign 4 /* another domain's frame; batch call only */
#define XENMAPSPACE_dev_mmio 5	   /* Arm only: device MMIO */

/* OR-ed into idx with XENMAPSPACE_grant_table to pick a status frame. */
#define XENMAPIDX_grant_table_status 0x80000000U

struct xen_add_to_physmap {
	domid_t domid;	    /* IN: domain whose physmap changes */
	uint16_t size;	    /* IN: number of frames (gmfn_range only) */
	unsigned int space; /* IN: XENMAPSPACE_* */
	xen_ulong_t idx;    /* IN: index in the space */
	xen_pfn_t gpfn;	    /* IN: where the frame appears */
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;

struct xen_add_to_physmap_batch {
	domid_t domid;	/* IN: domain whose physmap changes */
	uint16_t space; /* IN: XENMAPSPACE_* */
	uint16_t size;	/* IN: number of entries in the arrays */
	union {
		domid_t foreign_domid; /* IN: source domain (gmfn_foreign) */
		domid_t res0;	       /* must be 0 for other spaces */
	} u;
	XEN_GUEST_HANDLE(xen_ulong_t) idxs; /* IN: indexes in the space */
	XEN_GUEST_HANDLE(xen_pfn_t) gpfns;  /* IN: target GFNs */
	XEN_GUEST_HANDLE(int) errs;	    /* OUT: per-entry 0 or negated errno */
};
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_batch_t;

struct xen_remove_from_physmap {
	domid_t domid;	/* IN: domain whose physmap changes */
	xen_pfn_t gpfn; /* IN: frame to unmap */
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;

/* memory_map / machine_memory_map: an array of struct e820entry. */
struct xen_memory_map {
	unsigned int nr_entries;       /* IN: capacity of buffer; OUT: entries written */
	XEN_GUEST_HANDLE(void) buffer; /* OUT: struct e820entry[] */
};
typedef struct xen_memory_map xen_memory_map_t;

struct xen_foreign_memory_map {
	domid_t domid;
	struct xen_memory_map map;
};
typedef struct xen_foreign_memory_map xen_foreign_memory_map_t;

/* One entry of an E820-format memory map (packed, 20 bytes). */
struct e820entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820_* */
} __attribute__((packed));

#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4
#define E820_UNUSABLE 5

/* acquire_resource: map frames of a domain's resource into the caller. */
struct xen_mem_acquire_resource {
	domid_t domid; /* IN: owner of the resource */
	uint16_t type; /* IN: XENMEM_resource_* */
	uint32_t id;   /* IN: type-specific id (0 unless stated) */
	/*
	 * IN/OUT: frames to map. 0 together with a zero frame_list asks for
	 * the size of the resource, returned here.
	 */
	uint32_t nr_frames;
	uint32_t pad;				/* IN: must be 0 */
	uint64_t frame;				/* IN: first frame of the resource to map */
	XEN_GUEST_HANDLE(xen_pfn_t) frame_list; /* IN/OUT: frames */
};
typedef struct xen_mem_acquire_resource xen_mem_acquire_resource_t;

#define XENMEM_resource_ioreq_server 0
#define XENMEM_resource_grant_table 1
#define XENMEM_resource_vmtrace_buf 2

/* ids for XENMEM_resource_grant_table */
#define XENMEM_resource_grant_table_id_shared 0
#define XENMEM_resource_grant_table_id_status 1

/* frames of XENMEM_resource_ioreq_server */
#define XENMEM_resource_ioreq_server_frame_bufioreq 0
#define XENMEM_resource_ioreq_server_frame_ioreq(n) (1 + (n))

_Static_assert(sizeof(struct xen_memory_reservation) == 32, "xen_memory_reservation size");
_Static_assert(_Alignof(struct xen_memory_reservation) == 8, "xen_memory_reservation align");
_Static_assert(offsetof(struct xen_memory_reservation, extent_start) == 0,
	       "memory_reservation.extent_start");
_Static_assert(offsetof(struct xen_memory_reservation, nr_extents) == 8,
	       "memory_reservation.nr_extents");
_Static_assert(offsetof(struct xen_memory_reservation, extent_order) == 16,
	       "memory_reservation.extent_order");
_Static_assert(offsetof(struct xen_memory_reservation, mem_flags) == 20,
	       "memory_reservation.mem_flags");
_Static_assert(offsetof(struct xen_memory_reservation, domid) == 24, "memory_reservation.domid");

_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "xen_add_to_physmap size");
_Static_assert(offsetof(struct xen_add_to_physmap, domid) == 0, "add_to_physmap.domid");
_Static_assert(offsetof(struct xen_add_to_physmap, size) == 2, "add_to_physmap.size");
_Static_assert(offsetof(struct xen_add_to_physmap, space) == 4, "add_to_physmap.space");
_Static_assert(offsetof(struct xen_add_to_physmap, idx) == 8, "add_to_physmap.idx");
_Static_assert(offsetof(struct xen_add_to_physmap, gpfn) == 16, "add_to_physmap.gpfn");

_Static_assert(sizeof(struct xen_add_to_physmap_batch) == 32, "xen_add_to_physmap_batch size");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, domid) == 0, "batch.domid");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, space) == 2, "batch.space");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, size) == 4, "batch.size");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, u) == 6, "batch.u");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, u.foreign_domid) == 6,
	       "batch.u.foreign_domid");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, u.res0) == 6, "batch.u.res0");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, idxs) == 8, "batch.idxs");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, gpfns) == 16, "batch.gpfns");
_Static_assert(offsetof(struct xen_add_to_physmap_batch, errs) == 24, "batch.errs");

_Static_assert(sizeof(struct xen_remove_from_physmap) == 16, "xen_remove_from_physmap size");
_Static_assert(offsetof(struct xen_remove_from_physmap, domid) == 0, "remove_from_physmap.domid");
_Static_assert(offsetof(struct xen_remove_from_physmap, gpfn) == 8, "remove_from_physmap.gpfn");

_Static_assert(sizeof(struct xen_memory_map) == 16, "xen_memory_map size");
_Static_assert(offsetof(struct xen_memory_map, nr_entries) == 0, "memory_map.nr_entries");
_Static_assert(offsetof(struct xen_memory_map, buffer) == 8, "memory_map.buffer");

_Static_assert(sizeof(struct xen_foreign_memory_map) == 24, "xen_foreign_memory_map size");
_Static_assert(offsetof(struct xen_foreign_memory_map, domid) == 0, "foreign_memory_map.domid");
_Static_assert(offsetof(struct xen_foreign_memory_map, map) == 8, "foreign_memory_map.map");

_Static_assert(sizeof(struct e820entry) == 20, "e820entry size");
_Static_assert(offsetof(struct e820entry, addr) == 0, "e820entry.addr");
_Static_assert(offsetof(struct e820entry, size) == 8, "e820entry.size");
_Static_assert(offsetof(struct e820entry, type) == 16, "e820entry.type");

_Static_assert(sizeof(struct xen_mem_acquire_resource) == 32, "xen_mem_acquire_resource size");
_Static_assert(offsetof(struct xen_mem_acquire_resource, domid) == 0, "acquire_resource.domid");
_Static_assert(offsetof(struct xen_mem_acquire_resource, type) == 2, "acquire_resource.type");
_Static_assert(offsetof(struct xen_mem_acquire_resource, id) == 4, "acquire_resource.id");
_Static_assert(offsetof(struct xen_mem_acquire_resource, nr_frames) == 8,
	       "acquire_resource.nr_frames");
_Static_assert(offsetof(struct xen_mem_acquire_resource, pad) == 12, "acquire_resource.pad");
_Static_assert(offsetof(struct xen_mem_acquire_resource, frame) == 16, "acquire_resource.frame");
_Static_assert(offsetof(struct xen_mem_acquire_resource, frame_list) == 24,
	       "acquire_resource.frame_list");

#endif /* MEMVISOR_PUBLIC_MEMORY_H */
