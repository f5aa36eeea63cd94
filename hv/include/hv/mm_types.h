/*
 * The data of the memory layer: the frame table (one struct page_info per
 * machine frame of RAM), page lists, the buddy heap's free lists and a
 * domain's P2M root. Only types live here, no function: struct hv embeds
 * the frame table and the heap, struct domain its page lists and P2M
 * (hv.h), and hv.h sits below mm/, whose functions work on them (page.h,
 * heap.h, p2m.h).
 *
 * Frame table invariants:
 * - Only RAM banks cost memory: frames are numbered densely across banks
 *   ("pdx"); a frame outside every bank has no page_info.
 * - A frame is in exactly one state: free in the heap (PGS_free, on one
 *   free list if it heads a block), free static (PGS_free + PGC_static, on
 *   no heap list; on its domain's reserved list once it had an owner), in
 *   use (PGS_inuse, owned by `owner` or by the hypervisor), or broken
 *   (never used).
 * - `count` counts references: PGC_allocated holds one while the frame is
 *   assigned to its owner; foreign maps, grant maps and IOMMU maps hold one
 *   each. The frame is freed exactly when count drops to zero.
 * - `type_count` counts writeable-type references (IOMMU writeable maps);
 *   it never exceeds count.
 * - next/prev link the frame into at most one list: a heap free list, a
 *   domain's page list or a domain's reserved (static) list.
 *
 * sizeof(struct page_info) is 24 bytes.
 */
#ifndef HV_MM_TYPES_H
#define HV_MM_TYPES_H

#include <hv/types.h>

#define PDX_NONE UINT32_MAX

/* flags */
#define PGC_allocated (1u << 0) /* holds the owner's allocation reference */
#define PGC_static (1u << 1)    /* static memory: never enters the heap */
#define PGC_xen (1u << 2)       /* hypervisor-owned (e.g. grant frames of Xen) */
#define PGC_need_scrub (1u << 3)
/* assigned beyond max_pages (Xen's MEMF_no_refcount "extra" pages: IOREQ
 * server pages); counted in tot_pages and in the owner's extra_pages */
#define PGC_extra (1u << 4)

enum page_state {
	PGS_free = 0,
	PGS_inuse = 1,
	PGS_broken = 2,
};

enum page_list_id {
	PGL_NONE = 0,
	PGL_HEAP = 1,
	PGL_DOMAIN = 2,
	PGL_RESV = 3,
};

struct page_info {
	uint32_t count;
	uint32_t type_count;
	uint32_t flags;
	domid_t owner;       /* DOMID_INVALID when none */
	uint8_t state;       /* enum page_state */
	uint8_t order : 5;   /* order of the free block this frame heads */
	uint8_t list : 3;    /* enum page_list_id the frame is on */
	uint32_t next;
	uint32_t prev;
};
_Static_assert(sizeof(struct page_info) == 24, "page_info must stay 24 bytes");

struct page_list {
	uint32_t head;
	uint32_t tail;
	uint64_t count;
};

struct frame_bank {
	mfn_t start;   /* first frame */
	uint64_t nr;   /* frames in the bank */
	uint32_t pdx;  /* pdx of the first frame */
	uint64_t ram_offset; /* byte offset of the bank in the machine-RAM memfd */
};

#define FRAME_MAX_BANKS 64

struct frame_table {
	struct page_info *pages; /* indexed by pdx */
	uint64_t nr_pages;
	struct frame_bank banks[FRAME_MAX_BANKS];
	unsigned int nr_banks;
	uint8_t *ram_va; /* host mapping of machine RAM, for the core's own accesses */
};

/* The buddy heap (heap.h states its invariants). */
#define HEAP_MAX_ORDER 18 /* 1 GiB */

struct heap {
	struct page_list free[HEAP_MAX_ORDER + 1];
	uint64_t free_pages;
	uint64_t total_pages;
	uint64_t nr_allocs, nr_frees, nr_splits, nr_merges;
};

/* A domain's P2M (p2m.h states its invariants). */
struct p2m_stats {
	uint64_t tables;             /* tables currently allocated */
	uint64_t tables_peak;
	uint64_t leaves[3];          /* current leaves per level (4K, 2M, 1G) */
	uint64_t superpages_created; /* 2M + 1G leaves ever written */
	uint64_t shattered[3];       /* superpages split, indexed by level of the split leaf */
	uint64_t shattered_foreign;  /* of those, leaves of foreign maps (merged 4K maps
				      * split again as they are undone) */
	uint64_t merged;             /* 4K runs merged back into a 2M leaf */
	uint64_t updates;            /* p2m_set_range calls that changed something */
	uint64_t walks;              /* root-to-leaf walks of p2m_lookup and p2m_range_empty */
	uint64_t ram_frames;         /* frames mapped with a RAM type (the guest's usable RAM) */
	uint64_t ram_frames_low;     /* lowest ram_frames since the owner last reset it */
};

struct p2m {
	uint64_t *root;
	unsigned int gpaddr_bits;
	uint64_t max_gfn;   /* exclusive: 2^(gpaddr_bits-12) */
	struct p2m_stats st;
	uint64_t **pool;    /* preallocated tables of the current update */
	unsigned int pool_nr, pool_cap;
};

#endif
