/*
 * What the files of hv/iommu share (private to this directory).
 *
 * The PV IOMMU is split by job:
 *   context.c  contexts: creation, modes, budgets, reserved ranges, the
 *              IOTLB flush, references, teardown
 *   m2b.c      the M2B table (machine frame -> bus frames of foreign maps)
 *              and its invalidation when a target gives a frame up
 *   pvop.c     the iommu_op hypercall and its six sub-ops
 *   hooks.c    calls from the rest of the hypervisor: grant maps at a
 *              chosen BFN, device translation, the DMA engine's copy
 *   audit.c    iommu_audit_refs, the check of everything below
 *   iommu_pt.c the BFN -> MFN radix table of a translating context
 *
 * Three frame spaces meet here: machine frames (mfn_t), the guests' frames
 * (gfn_t) and bus frames (bfn_t). Each keeps its type everywhere inside;
 * the raw numbers of the guest's iommu_op structs are converted where they
 * are read and written (pvop.c), and the one deliberate crossing, BFN ==
 * MFN in a context that does not translate, is spelled out where it
 * happens.
 *
 * Context invariants (iommu_audit_refs checks them; see also iommu.h):
 * - m2b_nr entries sit in both hashes: m2b[m2b_bucket(mfn)] (doubly linked
 *   through next/pprev) and m2b_at[m2b_bucket_at(mfn, bfn)] (singly
 *   linked through at_next); m2b_held counts the allocated entries and
 *   equals m2b_nr between operations; pending counts those M2B_PENDING.
 * - An entry holds one reference (a writeable type reference with M2B_W)
 *   on its frame, which belongs to its target, unless M2B_SCRATCH: then
 *   its mfn is the context's scratch frame and it holds nothing.
 * - Without translation an entry's bfn equals its mfn; with it, every
 *   entry matches a foreign leaf at its bfn pointing at its mfn.
 * - nr_grant counts the table's IOPTE_GRANT leaves.
 */
#ifndef HV_IOMMU_PRIV_H
#define HV_IOMMU_PRIV_H

#include <hv/hv.h>
#include <hv/iommu.h>
#include <hv/mm.h>
#include <public/ioreq.h>

#include "iommu_pt.h"

/*
 * Two hashes of 2048 chains each (32 KiB per context): by frame, so that
 * ballooning finds every mapping of a frame at once, and by (frame, BFN),
 * so that finding one entry, or counting those at a BFN, never walks all
 * the mappings of a frame (an emulator may map one frame at up to its
 * budget of BFNs, and every swapped entry shares the scratch frame).
 */
#define M2B_BITS 11
#define M2B_BUCKETS (1u << M2B_BITS)
#define M2B_W (1u << 0)       /* holds a writeable type reference */
#define M2B_SWAP (1u << 1)    /* mapped with IOMMUOP_swap_mfn */
#define M2B_STALE (1u << 2)   /* the target gave the frame up */
#define M2B_SCRATCH (1u << 3) /* swapped: points at the scratch frame, holds nothing */
#define M2B_PENDING (1u << 4) /* invalidate still owed to the server */
#define M2B_R (1u << 5)

struct m2b {
	struct m2b *next;   /* chain of m2b_bucket(mfn) */
	struct m2b **pprev; /* what points at it there (unlinking in O(1)) */
	struct m2b *at_next; /* chain of m2b_bucket_at(mfn, bfn) */
	mfn_t mfn;
	bfn_t bfn;
	gfn_t gfn; /* the target's frame that was mapped */
	domid_t target;
	ioservid_t ioserver;
	uint16_t flags;
};

struct iommu_ctx {
	struct domain *d;
	enum iommu_ctx_mode mode;
	enum iommu_hwdom_mode hwdom;
	bool hw; /* the hardware (privileged) domain */
	bool dirty;
	struct iommu_pt pt;
	mfn_t scratch;
	struct m2b *m2b[M2B_BUCKETS];
	struct m2b *m2b_at[M2B_BUCKETS];
	uint64_t m2b_nr;
	uint64_t m2b_held; /* entries allocated: m2b_nr plus those of an op in progress */
	uint64_t m2b_max;  /* budget for m2b_held (IOMMU_M2B_MAX by default) */
	struct m2b *spare; /* freed entries, reused before allocating */
	unsigned int nr_spare;
	unsigned int pending; /* entries with M2B_PENDING */
	uint64_t nr_grant;    /* leaves made by iommu_grant_map */
	struct { bfn_t bfn; uint64_t nr; } resv[IOMMU_MAX_RESERVED];
	unsigned int nr_resv;
	struct iommu_stats st;
};

static inline unsigned int m2b_bucket(mfn_t mfn)
{
	return (unsigned int)((mfn_x(mfn) * 0x9E3779B97F4A7C15ULL) >> (64 - M2B_BITS));
}

static inline unsigned int m2b_bucket_at(mfn_t mfn, bfn_t bfn)
{
	return (unsigned int)(((mfn_x(mfn) ^ (bfn_x(bfn) * 0xC2B2AE3D27D4EB4FULL)) *
			       0x9E3779B97F4A7C15ULL) >> (64 - M2B_BITS));
}

/* ----- context.c ----- */

/* d's context, created with the defaults (strict) if it has none; NULL
 * when that allocation fails. */
struct iommu_ctx *iommu_ctx_get(struct domain *d);
/* Whether [bfn, bfn + nr) overlaps a reserved range. */
bool iommu_ctx_reserved(const struct iommu_ctx *c, bfn_t bfn, uint64_t nr);
/* Whether [bfn, bfn + nr) lies in the table's BFN space. */
bool iommu_bfn_in_range(bfn_t bfn, uint64_t nr);
/* Flushes the IOTLB if the table changed since the last flush (c may be NULL). */
void iommu_ctx_flush(struct iommu_ctx *c);
/* One reference on pg (writeable type with w) for c, from pg's owner;
 * false when it cannot be taken. */
bool iommu_ref_get(struct iommu_ctx *c, struct page_info *pg, bool w);
void iommu_ref_put(struct hv *hv, struct page_info *pg, bool w);

/* ----- m2b.c ----- */

/*
 * A new entry, or NULL when the heap or the context's budget is spent
 * (both are -ENOMEM to the caller). m2b_release gives back one that was
 * never inserted (or was unlinked).
 */
struct m2b *m2b_alloc(struct iommu_ctx *c);
void m2b_release(struct iommu_ctx *c, struct m2b *e);
void m2b_insert(struct iommu_ctx *c, struct m2b *e);
/* The entry of (mfn, bfn, server), of any target with DOMID_INVALID. */
struct m2b *m2b_find(struct iommu_ctx *c, mfn_t mfn, bfn_t bfn, domid_t target,
		     ioservid_t ios);
/* Entries of mfn at bfn (one per IOREQ server that mapped it there). */
unsigned int m2b_count_bfn(const struct iommu_ctx *c, mfn_t mfn, bfn_t bfn);
/* Unlinks an entry, drops what it holds and frees it. */
void m2b_remove(struct iommu_ctx *c, struct m2b *e);
/* Sends invalidations owed because both delivery paths were busy. */
void m2b_retry_pending(struct iommu_ctx *c);
/* Handles every context's entries of mfn of target (all of target's when
 * mfn is INVALID_MFN: target is being destroyed). Cannot fail. */
void m2b_invalidate_target(struct domain *target, mfn_t mfn);

#endif
