/*
 * Frame table: one struct page_info per machine frame of RAM.
 *
 * Invariants:
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
#ifndef HV_PAGE_H
#define HV_PAGE_H

#include <hv/types.h>

#define PDX_NONE UINT32_MAX

/* flags */
#define PGC_allocated (1u << 0) /* holds the owner's allocation reference */
#define PGC_static (1u << 1)    /* static memory: never enters the heap */
#define PGC_xen (1u << 2)       /* hypervisor-owned (e.g. grant frames of Xen) */
#define PGC_need_scrub (1u << 3)

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

struct hv;

int frame_table_init(struct frame_table *ft, const paddr_t (*banks)[2], unsigned int nr,
		     uint8_t *ram_va);
void frame_table_destroy(struct frame_table *ft);

/* NULL when mfn is not RAM. */
struct page_info *mfn_to_page(const struct frame_table *ft, mfn_t mfn);
mfn_t page_to_mfn(const struct frame_table *ft, const struct page_info *pg);
const struct frame_bank *frame_bank_of(const struct frame_table *ft, mfn_t mfn);
static inline uint32_t page_to_pdx(const struct frame_table *ft, const struct page_info *pg)
{
	return (uint32_t)(pg - ft->pages);
}
static inline struct page_info *pdx_to_page(const struct frame_table *ft, uint32_t pdx)
{
	return pdx == PDX_NONE ? NULL : &ft->pages[pdx];
}
/* Byte offset of a RAM frame in machine RAM (the memory ram_va maps);
 * false when mfn is not RAM. */
bool frame_ram_offset(const struct frame_table *ft, mfn_t mfn, uint64_t *off);
/* Host pointer to the contents of a RAM frame (BUG if not RAM). */
void *frame_va(const struct frame_table *ft, mfn_t mfn);
/* True when [mfn, mfn+nr) lies inside one bank. */
bool frame_range_in_one_bank(const struct frame_table *ft, mfn_t mfn, uint64_t nr);

void page_list_init(struct page_list *l);
void page_list_add_tail(struct frame_table *ft, struct page_list *l, struct page_info *pg,
			enum page_list_id id);
void page_list_add_head(struct frame_table *ft, struct page_list *l, struct page_info *pg,
			enum page_list_id id);
void page_list_del(struct frame_table *ft, struct page_list *l, struct page_info *pg);
struct page_info *page_list_first(const struct frame_table *ft, const struct page_list *l);
struct page_info *page_list_next(const struct frame_table *ft, const struct page_info *pg);

#endif
