/*
 * BFN -> MFN table of one IOMMU context (internal to hv/iommu).
 *
 * A 4-level radix table of 512-entry, 4 KiB tables over a 36-bit BFN space
 * (48-bit bus addresses). Leaves sit at level 0 (4 KiB) or level 1 (2 MiB).
 * An entry is 64 bits: IOPTE_* flags in bits 0-11 and, in bits 12-51, the
 * machine address of the leaf or the host address of the next table.
 *
 * Updates are two-phase like the P2M: iommu_pt_need() tells how many tables
 * a write can consume, iommu_pt_reserve() makes sure that many sit in the
 * context's pool (the only step that can fail), and iommu_pt_write() then
 * cannot fail. Freed tables go back to the pool (up to a cap), so steady
 * map/unmap traffic allocates nothing.
 *
 * The interface takes bus frames as bfn_t (what comes in is never an MFN
 * or a GFN by mistake); leaves carry mfn_t (iopte_leaf, iopte_mfn).
 */
#ifndef HV_IOMMU_PT_H
#define HV_IOMMU_PT_H

#include <hv/types.h>

#define IOPTE_V (1ULL << 0)       /* valid */
#define IOPTE_TABLE (1ULL << 1)   /* points to a table */
#define IOPTE_R (1ULL << 2)       /* device may read */
#define IOPTE_W (1ULL << 3)       /* device may write */
#define IOPTE_REF (1ULL << 4)     /* holds one general reference per frame */
#define IOPTE_WREF (1ULL << 5)    /* ... plus one writeable type reference per frame */
#define IOPTE_FOREIGN (1ULL << 6) /* foreign map: the M2B entries hold the references */
#define IOPTE_SCRATCH (1ULL << 7) /* swapped to the context's scratch frame */
#define IOPTE_GRANT (1ULL << 8)   /* made by a grant map (GNTMAP_request_bfn_map) */
#define IOPTE_FLAGS 0xfffULL
#define IOPTE_ADDR 0x000ffffffffff000ULL

#define IOMMU_PT_LEVELS 4
#define IOMMU_PT_BFN_BITS 36
#define IOMMU_PT_MAX_LEAF_ORDER 9

struct hv;

struct iommu_pt_stats {
	uint64_t tables;    /* tables in the tree */
	uint64_t leaves[2]; /* 4 KiB and 2 MiB leaves */
	uint64_t shattered; /* 2 MiB leaves split by a partial change */
};

struct iommu_pt {
	uint64_t *root;
	uint64_t **pool; /* spare zeroed tables */
	unsigned int pool_nr, pool_cap;
	struct iommu_pt_stats st;
};

static inline mfn_t iopte_mfn(uint64_t e) { return _mfn((e & IOPTE_ADDR) >> PAGE_SHIFT); }
static inline uint64_t iopte_leaf(mfn_t m, uint64_t flags)
{
	return (mfn_x(m) << PAGE_SHIFT) | (flags & IOPTE_FLAGS) | IOPTE_V;
}

int iommu_pt_init(struct hv *hv, struct iommu_pt *pt);
/* Frees every table; the caller has dropped what the leaves held. */
void iommu_pt_teardown(struct iommu_pt *pt);

/* The leaf covering bfn (0 when none); *order gets its order (0 or 9). */
uint64_t iommu_pt_lookup(const struct iommu_pt *pt, bfn_t bfn, unsigned int *order);
/* Tables a write of a leaf of `order` at bfn may take from the pool. */
unsigned int iommu_pt_need(const struct iommu_pt *pt, bfn_t bfn, unsigned int order, bool clear);
/* Makes sure the pool holds n tables. 0 or -ENOMEM. */
int iommu_pt_reserve(struct hv *hv, struct iommu_pt *pt, unsigned int n);
/*
 * Writes (e != 0) or clears (e == 0) the entry of `order` (0 or 9) at bfn,
 * which must be aligned to it. A larger leaf around it is split first.
 * Cannot fail once iommu_pt_need() tables were reserved.
 */
void iommu_pt_write(struct iommu_pt *pt, bfn_t bfn, unsigned int order, uint64_t e);

typedef int (*iommu_pt_cb)(void *ctx, bfn_t bfn, unsigned int order, uint64_t e);
/* Every leaf in ascending BFN order; stops when cb returns nonzero. */
int iommu_pt_for_each(const struct iommu_pt *pt, iommu_pt_cb cb, void *ctx);

#endif
