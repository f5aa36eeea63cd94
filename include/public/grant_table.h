/*
 * memvisor public ABI: grant tables, version 1 (x86-64 layout).
 *
 * The shared grant-entry format, the grant_table_op sub-ops and their
 * argument layouts, the mapping flags and status codes. Names, numbers and
 * layouts follow Xen's public interface (latest interface version, so the
 * sub-ops 8..12 are always visible). One memvisor extension,
 * GNTMAP_request_bfn_map, comes from the PV IOMMU design draft B.
 * Written for memvisor from the published facts (docs/abi.md), not from
 * Xen's header text.
 *
 * Self-contained: needs only <stdint.h> and <stddef.h> (through xen.h).
 */
#ifndef MEMVISOR_PUBLIC_GRANT_TABLE_H
#define MEMVISOR_PUBLIC_GRANT_TABLE_H

#include "xen.h"

typedef uint32_t grant_ref_t;	 /* index into a domain's grant table */
typedef uint32_t grant_handle_t; /* names one mapping made from a grant */

/*
 * A v1 grant entry, written by the granting guest and read (and its
 * reading/writing bits updated) by the hypervisor. A guest fills domid and
 * frame first and publishes the entry by writing flags last, after a write
 * barrier.
 */
struct grant_entry_v1 {
	uint16_t flags; /* GTF_* */
	domid_t domid;	/* domain being granted access */
	uint32_t frame; /* granted frame (a GFN for translated guests) */
};
typedef struct grant_entry_v1 grant_entry_v1_t;

/* Entries below this index are reserved for the toolstack. */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE 0
#define GNTTAB_RESERVED_XENSTORE 1

/* Entry type, bits 0-1 of flags. */
#define GTF_invalid 0U
#define GTF_permit_access 1U
#define GTF_accept_transfer 2U
#define GTF_transitive 3U
#define GTF_type_mask 3U

/* Sub-flags of GTF_permit_access. */
#define _GTF_readonly 2 /* grantee may only read (set by granter) */
#define GTF_readonly (1U << _GTF_readonly)
#define _GTF_reading 3 /* currently mapped for reading (set by hypervisor) */
#define GTF_reading (1U << _GTF_reading)
#define _GTF_writing 4 /* currently mapped for writing (set by hypervisor) */
#define GTF_writing (1U << _GTF_writing)
#define _GTF_PWT 5 /* x86 cache attribute hints */
#define GTF_PWT (1U << _GTF_PWT)
#define _GTF_PCD 6
#define GTF_PCD (1U << _GTF_PCD)
#define _GTF_PAT 7
#define GTF_PAT (1U << _GTF_PAT)
#define _GTF_sub_page 8 /* only a byte range, copy only (v2 tables) */
#define GTF_sub_page (1U << _GTF_sub_page)

/* Sub-flags of GTF_accept_transfer. */
#define _GTF_transfer_committed 2
#define GTF_transfer_committed (1U << _GTF_transfer_committed)
#define _GTF_transfer_completed 3
#define GTF_transfer_completed (1U << _GTF_transfer_completed)

/*
 * grant_table_op: (cmd, guest address of an array of the sub-op's struct,
 * element count). Each element carries its own status.
 */
#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_dump_table 3
#define GNTTABOP_transfer 4
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version 10
#define GNTTABOP_swap_grant_ref 11
#define GNTTABOP_cache_flush 12

/* gnttab_map_grant_ref.flags */
#define _GNTMAP_device_map 0 /* map for device (bus) access */
#define GNTMAP_device_map (1U << _GNTMAP_device_map)
#define _GNTMAP_host_map 1 /* map for CPU access at host_addr */
#define GNTMAP_host_map (1U << _GNTMAP_host_map)
#define _GNTMAP_readonly 2 /* read-only mapping */
#define GNTMAP_readonly (1U << _GNTMAP_readonly)
#define _GNTMAP_application_map 3 /* PV: mapping also usable by user mode */
#define GNTMAP_application_map (1U << _GNTMAP_application_map)
#define _GNTMAP_contains_pte 4 /* PV: host_addr is the address of a PTE */
#define GNTMAP_contains_pte (1U << _GNTMAP_contains_pte)
#define _GNTMAP_can_fail 5
#define GNTMAP_can_fail (1U << _GNTMAP_can_fail)
/*
 * memvisor extension (PV IOMMU draft B): with GNTMAP_device_map, the caller
 * chooses the bus address. dev_bus_addr is then an INPUT (page aligned) and
 * the device mapping is made at that BFN, as IOMMUOP_map_page would; the
 * matching unmap removes it like IOMMUOP_unmap_page. Bit 6 is the draft's
 * value; bit 5 is already taken by GNTMAP_can_fail.
 */
#define _GNTMAP_request_bfn_map 6
#define GNTMAP_request_bfn_map (1U << _GNTMAP_request_bfn_map)
/* Bits from 16 up are copied into guest-available PTE bits (PV). */
#define _GNTMAP_guest_avail0 16
#define GNTMAP_guest_avail_mask (~0U << _GNTMAP_guest_avail0)

/* Status codes (negative; 0 is success). */
#define GNTST_okay 0
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)
#define GNTST_no_space (-13)

/*
 * GNTTABOP_map_grant_ref. For a translated guest host_addr is the
 * guest-physical address where the frame appears.
 */
struct gnttab_map_grant_ref {
	uint64_t host_addr;    /* IN */
	uint32_t flags;	       /* IN: GNTMAP_* */
	grant_ref_t ref;       /* IN: entry in dom's table */
	domid_t dom;	       /* IN: granting domain */
	int16_t status;	       /* OUT: GNTST_* */
	grant_handle_t handle; /* OUT: names the mapping for unmap */
	uint64_t dev_bus_addr; /* OUT (IN with GNTMAP_request_bfn_map) */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;

/* GNTTABOP_unmap_grant_ref. A zero address means "not that mapping". */
struct gnttab_unmap_grant_ref {
	uint64_t host_addr;    /* IN */
	uint64_t dev_bus_addr; /* IN */
	grant_handle_t handle; /* IN */
	int16_t status;	       /* OUT: GNTST_* */
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;

/* GNTTABOP_setup_table: returns the frames of dom's table. */
struct gnttab_setup_table {
	domid_t dom;				/* IN: usually DOMID_SELF */
	uint32_t nr_frames;			/* IN: frames wanted */
	int16_t status;				/* OUT: GNTST_* */
	XEN_GUEST_HANDLE(xen_pfn_t) frame_list; /* OUT: nr_frames frame numbers */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;

/* GNTTABOP_dump_table: debugging aid, prints dom's table. */
struct gnttab_dump_table {
	domid_t dom;	/* IN */
	int16_t status; /* OUT: GNTST_* */
};
typedef struct gnttab_dump_table gnttab_dump_table_t;

/* GNTTABOP_transfer: give a frame to the domain that offered entry ref. */
struct gnttab_transfer {
	xen_pfn_t mfn;	 /* IN: frame to give away */
	domid_t domid;	 /* IN: receiving domain */
	grant_ref_t ref; /* IN: its GTF_accept_transfer entry */
	int16_t status;	 /* OUT: GNTST_* */
};
typedef struct gnttab_transfer gnttab_transfer_t;

/* GNTTABOP_copy: the hypervisor copies bytes between frames or grants. */
#define _GNTCOPY_source_gref 0 /* source.u is a grant ref, not a frame */
#define GNTCOPY_source_gref (1U << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref 1 /* dest.u is a grant ref, not a frame */
#define GNTCOPY_dest_gref (1U << _GNTCOPY_dest_gref)
#define _GNTCOPY_can_fail 2
#define GNTCOPY_can_fail (1U << _GNTCOPY_can_fail)

struct gnttab_copy {
	/* IN: where to copy from and to; both have the same shape. */
	struct {
		union {
			grant_ref_t ref; /* with GNTCOPY_*_gref */
			xen_pfn_t gmfn;	 /* otherwise: a frame of domid */
		} u;
		domid_t domid;
		uint16_t offset; /* byte offset in the frame */
	} source, dest;
	uint16_t len;	/* IN: bytes; may not cross a page boundary */
	uint16_t flags; /* IN: GNTCOPY_* */
	int16_t status; /* OUT: GNTST_* */
};
typedef struct gnttab_copy gnttab_copy_t;

/* GNTTABOP_query_size: current and maximum table size of dom. */
struct gnttab_query_size {
	domid_t dom;		/* IN */
	uint32_t nr_frames;	/* OUT */
	uint32_t max_nr_frames; /* OUT */
	int16_t status;		/* OUT: GNTST_* */
};
typedef struct gnttab_query_size gnttab_query_size_t;

/*
 * GNTTABOP_unmap_and_replace: unmap host_addr and move the mapping found at
 * new_addr there (new_addr itself becomes unmapped).
 */
struct gnttab_unmap_and_replace {
	uint64_t host_addr;    /* IN */
	uint64_t new_addr;     /* IN */
	grant_handle_t handle; /* IN */
	int16_t status;	       /* OUT: GNTST_* */
};
typedef struct gnttab_unmap_and_replace gnttab_unmap_and_replace_t;

/* GNTTABOP_set_version: choose table version 1 or 2 before first use. */
struct gnttab_set_version {
	uint32_t version; /* IN/OUT */
};
typedef struct gnttab_set_version gnttab_set_version_t;

/* GNTTABOP_get_status_frames: the v2 status frames of dom. */
struct gnttab_get_status_frames {
	uint32_t nr_frames;		       /* IN */
	domid_t dom;			       /* IN */
	int16_t status;			       /* OUT: GNTST_* */
	XEN_GUEST_HANDLE(uint64_t) frame_list; /* OUT */
};
typedef struct gnttab_get_status_frames gnttab_get_status_frames_t;

/* GNTTABOP_get_version */
struct gnttab_get_version {
	domid_t dom; /* IN */
	uint16_t pad;
	uint32_t version; /* OUT */
};
typedef struct gnttab_get_version gnttab_get_version_t;

/* GNTTABOP_swap_grant_ref: exchange the contents of two entries. */
struct gnttab_swap_grant_ref {
	grant_ref_t ref_a; /* IN */
	grant_ref_t ref_b; /* IN */
	int16_t status;	   /* OUT: GNTST_* */
};
typedef struct gnttab_swap_grant_ref gnttab_swap_grant_ref_t;

_Static_assert(sizeof(grant_ref_t) == 4, "grant_ref_t size");
_Static_assert(sizeof(grant_handle_t) == 4, "grant_handle_t size");

_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1 size");
_Static_assert(_Alignof(struct grant_entry_v1) == 4, "grant_entry_v1 align");
_Static_assert(offsetof(struct grant_entry_v1, flags) == 0, "grant_entry_v1.flags");
_Static_assert(offsetof(struct grant_entry_v1, domid) == 2, "grant_entry_v1.domid");
_Static_assert(offsetof(struct grant_entry_v1, frame) == 4, "grant_entry_v1.frame");

_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "gnttab_map_grant_ref size");
_Static_assert(offsetof(struct gnttab_map_grant_ref, host_addr) == 0, "map.host_addr");
_Static_assert(offsetof(struct gnttab_map_grant_ref, flags) == 8, "map.flags");
_Static_assert(offsetof(struct gnttab_map_grant_ref, ref) == 12, "map.ref");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dom) == 16, "map.dom");
_Static_assert(offsetof(struct gnttab_map_grant_ref, status) == 18, "map.status");
_Static_assert(offsetof(struct gnttab_map_grant_ref, handle) == 20, "map.handle");
_Static_assert(offsetof(struct gnttab_map_grant_ref, dev_bus_addr) == 24, "map.dev_bus_addr");

_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "gnttab_unmap_grant_ref size");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, host_addr) == 0, "unmap.host_addr");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, dev_bus_addr) == 8, "unmap.dev_bus_addr");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, handle) == 16, "unmap.handle");
_Static_assert(offsetof(struct gnttab_unmap_grant_ref, status) == 20, "unmap.status");

_Static_assert(sizeof(struct gnttab_setup_table) == 24, "gnttab_setup_table size");
_Static_assert(offsetof(struct gnttab_setup_table, dom) == 0, "setup_table.dom");
_Static_assert(offsetof(struct gnttab_setup_table, nr_frames) == 4, "setup_table.nr_frames");
_Static_assert(offsetof(struct gnttab_setup_table, status) == 8, "setup_table.status");
_Static_assert(offsetof(struct gnttab_setup_table, frame_list) == 16, "setup_table.frame_list");

_Static_assert(sizeof(struct gnttab_dump_table) == 4, "gnttab_dump_table size");
_Static_assert(offsetof(struct gnttab_dump_table, dom) == 0, "dump_table.dom");
_Static_assert(offsetof(struct gnttab_dump_table, status) == 2, "dump_table.status");

_Static_assert(sizeof(struct gnttab_transfer) == 24, "gnttab_transfer size");
_Static_assert(offsetof(struct gnttab_transfer, mfn) == 0, "transfer.mfn");
_Static_assert(offsetof(struct gnttab_transfer, domid) == 8, "transfer.domid");
_Static_assert(offsetof(struct gnttab_transfer, ref) == 12, "transfer.ref");
_Static_assert(offsetof(struct gnttab_transfer, status) == 16, "transfer.status");

_Static_assert(offsetof(struct gnttab_copy, source.u.ref) == 0, "copy.source.u.ref");
_Static_assert(offsetof(struct gnttab_copy, source.u.gmfn) == 0, "copy.source.u.gmfn");
_Static_assert(offsetof(struct gnttab_copy, source.domid) == 8, "copy.source.domid");
_Static_assert(offsetof(struct gnttab_copy, source.offset) == 10, "copy.source.offset");
_Static_assert(offsetof(struct gnttab_copy, dest.u.gmfn) == 16, "copy.dest.u.gmfn");
_Static_assert(offsetof(struct gnttab_copy, dest.domid) == 24, "copy.dest.domid");
_Static_assert(offsetof(struct gnttab_copy, dest.offset) == 26, "copy.dest.offset");
_Static_assert(sizeof(struct gnttab_copy) == 40, "gnttab_copy size");
_Static_assert(offsetof(struct gnttab_copy, source) == 0, "copy.source");
_Static_assert(offsetof(struct gnttab_copy, dest) == 16, "copy.dest");
_Static_assert(offsetof(struct gnttab_copy, len) == 32, "copy.len");
_Static_assert(offsetof(struct gnttab_copy, flags) == 34, "copy.flags");
_Static_assert(offsetof(struct gnttab_copy, status) == 36, "copy.status");

_Static_assert(sizeof(struct gnttab_query_size) == 16, "gnttab_query_size size");
_Static_assert(_Alignof(struct gnttab_query_size) == 4, "gnttab_query_size align");
_Static_assert(offsetof(struct gnttab_query_size, dom) == 0, "query_size.dom");
_Static_assert(offsetof(struct gnttab_query_size, nr_frames) == 4, "query_size.nr_frames");
_Static_assert(offsetof(struct gnttab_query_size, max_nr_frames) == 8, "query_size.max_nr_frames");
_Static_assert(offsetof(struct gnttab_query_size, status) == 12, "query_size.status");

_Static_assert(sizeof(struct gnttab_unmap_and_replace) == 24, "gnttab_unmap_and_replace size");
_Static_assert(offsetof(struct gnttab_unmap_and_replace, host_addr) == 0,
	       "unmap_and_replace.host_addr");
_Static_assert(offsetof(struct gnttab_unmap_and_replace, new_addr) == 8,
	       "unmap_and_replace.new_addr");
_Static_assert(offsetof(struct gnttab_unmap_and_replace, handle) == 16, "unmap_and_replace.handle");
_Static_assert(offsetof(struct gnttab_unmap_and_replace, status) == 20, "unmap_and_replace.status");

_Static_assert(sizeof(struct gnttab_set_version) == 4, "gnttab_set_version size");
_Static_assert(sizeof(struct gnttab_get_status_frames) == 16, "gnttab_get_status_frames size");
_Static_assert(offsetof(struct gnttab_get_status_frames, nr_frames) == 0,
	       "get_status_frames.nr_frames");
_Static_assert(offsetof(struct gnttab_get_status_frames, dom) == 4, "get_status_frames.dom");
_Static_assert(offsetof(struct gnttab_get_status_frames, status) == 6, "get_status_frames.status");
_Static_assert(offsetof(struct gnttab_get_status_frames, frame_list) == 8,
	       "get_status_frames.frame_list");
_Static_assert(sizeof(struct gnttab_get_version) == 8, "gnttab_get_version size");
_Static_assert(offsetof(struct gnttab_get_version, dom) == 0, "get_version.dom");
_Static_assert(offsetof(struct gnttab_get_version, version) == 4, "get_version.version");
_Static_assert(sizeof(struct gnttab_swap_grant_ref) == 12, "gnttab_swap_grant_ref size");
_Static_assert(offsetof(struct gnttab_swap_grant_ref, ref_a) == 0, "swap_grant_ref.ref_a");
_Static_assert(offsetof(struct gnttab_swap_grant_ref, ref_b) == 4, "swap_grant_ref.ref_b");
_Static_assert(offsetof(struct gnttab_swap_grant_ref, status) == 8, "swap_grant_ref.status");

_Static_assert((GNTMAP_request_bfn_map &
		(GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly | GNTMAP_application_map |
		 GNTMAP_contains_pte | GNTMAP_can_fail | GNTMAP_guest_avail_mask)) == 0,
	       "GNTMAP_request_bfn_map must not overlap an upstream flag");

#endif /* MEMVISOR_PUBLIC_GRANT_TABLE_H */
