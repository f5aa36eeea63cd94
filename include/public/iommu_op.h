/*
 * memvisor public ABI: the paravirtual IOMMU hypercall (x86-64 layout).
 *
 * The batched iommu_op interface of the "Xen PV IOMMU interface" design,
 * draft B (2015): a guest, or an emulator acting for another domain,
 * programs bus-frame (BFN) to guest-frame (GFN) mappings of the IOMMU with
 * one hypercall over an array of operations. This interface was never
 * merged into upstream Xen; memvisor implements it under the number the
 * out-of-tree work used, __HYPERVISOR_iommu_op = 43. Structure, sub-op and
 * flag names and numbers are the draft's. Written for memvisor from the
 * draft's text, not from any implementation.
 *
 * Self-contained: needs only <stdint.h> and <stddef.h> (through the
 * includes below).
 */
#ifndef MEMVISOR_PUBLIC_IOMMU_OP_H
#define MEMVISOR_PUBLIC_IOMMU_OP_H

#include "ioreq.h"
#include "xen.h"

/*
 * iommu_op: (XEN_GUEST_HANDLE(pv_iommu_op) ops, unsigned int count).
 *
 * ops is the guest address of an array of count struct pv_iommu_op. Each
 * element names its own sub-op, so maps and unmaps can be mixed in one call;
 * the IOTLB is flushed once for the whole batch, before the call returns.
 * Each element's status receives 0 or a negated XEN_E* value.
 *
 * memvisor convention for the call's own result (the draft leaves it open):
 * 0 once every element has been processed, whatever the individual
 * statuses; a negated errno when the call as a whole fails (for example
 * -XEN_EFAULT if the array cannot be read or written back), in which case
 * the statuses of elements not yet written back are unspecified.
 */
#define IOMMUOP_query_caps 1
#define IOMMUOP_map_page 2
#define IOMMUOP_unmap_page 3
#define IOMMUOP_map_foreign_page 4
#define IOMMUOP_lookup_foreign_page 5
#define IOMMUOP_unmap_foreign_page 6

/*
 * Page order, flags bits 10-15 of every sub-op. IN for the map and unmap
 * sub-ops (the size of the bfn/gfn range, 2^order frames, both aligned to
 * it); OUT for query_caps (the largest order supported) and for
 * lookup_foreign_page.
 */
#define IOMMU_page_order_shift 10
#define IOMMU_page_order_bits 6
#define IOMMU_page_order_mask (((1U << IOMMU_page_order_bits) - 1) << IOMMU_page_order_shift)
/* Encode an order as flag bits. */
#define IOMMU_page_order(order)                                                                    \
	((uint16_t)(((unsigned int)(order) << IOMMU_page_order_shift) & IOMMU_page_order_mask))
/* Extract the order from a flags value. */
#define IOMMU_get_page_order(flags)                                                                \
	((IOMMU_page_order_mask & (unsigned int)(flags)) >> IOMMU_page_order_shift)
/* flags with its order field replaced by order. */
#define IOMMU_set_page_order(flags, order)                                                         \
	((uint16_t)(((unsigned int)(flags) & ~IOMMU_page_order_mask) | IOMMU_page_order(order)))

/* IOMMUOP_query_caps, flags OUT */
#define _IOMMU_QUERY_map_cap 0 /* map_page / map_foreign_page usable */
#define IOMMU_QUERY_map_cap (1U << _IOMMU_QUERY_map_cap)
#define _IOMMU_QUERY_map_all_gfns 1 /* map_page may map any frame not owned by the hypervisor */
#define IOMMU_QUERY_map_all_gfns (1U << _IOMMU_QUERY_map_all_gfns)

/*
 * IOMMUOP_map_page, flags IN. The draft spells the access bits
 * IOMMU_OP_* here and IOMMUOP_* for the foreign sub-ops; both spellings
 * are provided and have the same values.
 */
#define _IOMMU_OP_readable 0
#define IOMMU_OP_readable (1U << _IOMMU_OP_readable)
#define _IOMMU_OP_writeable 1
#define IOMMU_OP_writeable (1U << _IOMMU_OP_writeable)
/* Take no reference on the frame (hardware domain, non-strict mode only). */
#define _IOMMU_MAP_OP_no_ref_cnt 2
#define IOMMU_MAP_OP_no_ref_cnt (1U << _IOMMU_MAP_OP_no_ref_cnt)

/* IOMMUOP_map_foreign_page flags IN; lookup_foreign_page flags OUT. */
#define _IOMMUOP_readable 0
#define IOMMUOP_readable (1U << _IOMMUOP_readable)
#define _IOMMUOP_writeable 1
#define IOMMUOP_writeable (1U << _IOMMUOP_writeable)
/*
 * map_foreign_page only: when the owner balloons the frame out, the
 * hypervisor may point the BFN at a scratch page and drop its reference
 * itself instead of waiting for the emulator's unmap_foreign_page.
 */
#define _IOMMUOP_swap_mfn 2
#define IOMMUOP_swap_mfn (1U << _IOMMUOP_swap_mfn)

/*
 * The flag bits each sub-op accepts on input; any other bit set -> -EINVAL.
 * query_caps and lookup_foreign_page use flags for output only: their
 * input value is ignored (hence 0 here).
 */
#define IOMMUOP_query_caps_in_flags 0U
#define IOMMUOP_map_page_in_flags                                                                  \
	(IOMMU_OP_readable | IOMMU_OP_writeable | IOMMU_MAP_OP_no_ref_cnt | IOMMU_page_order_mask)
#define IOMMUOP_unmap_page_in_flags IOMMU_page_order_mask
#define IOMMUOP_map_foreign_page_in_flags                                                          \
	(IOMMUOP_readable | IOMMUOP_writeable | IOMMUOP_swap_mfn | IOMMU_page_order_mask)
#define IOMMUOP_lookup_foreign_page_in_flags 0U
#define IOMMUOP_unmap_foreign_page_in_flags IOMMU_page_order_mask

struct pv_iommu_op {
	uint16_t subop_id; /* IN: IOMMUOP_* */
	uint16_t flags;	   /* IN/OUT: per sub-op, see above */
	int32_t status;	   /* OUT: 0 or a negated XEN_E* */
	union {
		/* map_page: map the caller's gfn at bfn. */
		struct {
			uint64_t bfn; /* IN */
			uint64_t gfn; /* IN: a frame of the caller */
		} map_page;
		/* unmap_page: remove the caller's mapping at bfn. */
		struct {
			uint64_t bfn; /* IN */
		} unmap_page;
		/*
		 * map_foreign_page: map gfn of domid at bfn on behalf of an
		 * IOREQ server. Without IOMMU support bfn is OUT (the only
		 * usable bus address, the machine frame).
		 */
		struct {
			uint64_t bfn;	     /* IN (see above) */
			uint64_t gfn;	     /* IN: a frame of domid */
			uint16_t domid;	     /* IN: not the caller itself */
			ioservid_t ioserver; /* IN */
		} map_foreign_page;
		/* lookup_foreign_page: get a bus address for gfn of domid. */
		struct {
			uint64_t bfn;	     /* OUT */
			uint64_t gfn;	     /* IN */
			uint16_t domid;	     /* IN */
			ioservid_t ioserver; /* IN */
		} lookup_foreign_page;
		/* unmap_foreign_page: drop an IOREQ server's mapping at bfn. */
		struct {
			uint64_t bfn;	     /* IN */
			ioservid_t ioserver; /* IN */
		} unmap_foreign_page;
	} u;
};
typedef struct pv_iommu_op pv_iommu_op_t;

_Static_assert(sizeof(struct pv_iommu_op) == 32, "pv_iommu_op size");
_Static_assert(_Alignof(struct pv_iommu_op) == 8, "pv_iommu_op align");
_Static_assert(offsetof(struct pv_iommu_op, subop_id) == 0, "pv_iommu_op.subop_id");
_Static_assert(offsetof(struct pv_iommu_op, flags) == 2, "pv_iommu_op.flags");
_Static_assert(offsetof(struct pv_iommu_op, status) == 4, "pv_iommu_op.status");
_Static_assert(offsetof(struct pv_iommu_op, u) == 8, "pv_iommu_op.u");
_Static_assert(offsetof(struct pv_iommu_op, u.map_page.bfn) == 8, "map_page.bfn");
_Static_assert(offsetof(struct pv_iommu_op, u.map_page.gfn) == 16, "map_page.gfn");
_Static_assert(offsetof(struct pv_iommu_op, u.unmap_page.bfn) == 8, "unmap_page.bfn");
_Static_assert(offsetof(struct pv_iommu_op, u.map_foreign_page.bfn) == 8, "map_foreign_page.bfn");
_Static_assert(offsetof(struct pv_iommu_op, u.map_foreign_page.gfn) == 16, "map_foreign_page.gfn");
_Static_assert(offsetof(struct pv_iommu_op, u.map_foreign_page.domid) == 24,
	       "map_foreign_page.domid");
_Static_assert(offsetof(struct pv_iommu_op, u.map_foreign_page.ioserver) == 26,
	       "map_foreign_page.ioserver");
_Static_assert(offsetof(struct pv_iommu_op, u.lookup_foreign_page.bfn) == 8,
	       "lookup_foreign_page.bfn");
_Static_assert(offsetof(struct pv_iommu_op, u.lookup_foreign_page.gfn) == 16,
	       "lookup_foreign_page.gfn");
_Static_assert(offsetof(struct pv_iommu_op, u.lookup_foreign_page.domid) == 24,
	       "lookup_foreign_page.domid");
_Static_assert(offsetof(struct pv_iommu_op, u.lookup_foreign_page.ioserver) == 26,
	       "lookup_foreign_page.ioserver");
_Static_assert(offsetof(struct pv_iommu_op, u.unmap_foreign_page.bfn) == 8,
	       "unmap_foreign_page.bfn");
_Static_assert(offsetof(struct pv_iommu_op, u.unmap_foreign_page.ioserver) == 16,
	       "unmap_foreign_page.ioserver");
_Static_assert(IOMMU_page_order_mask == 0xFC00U, "page order occupies flags bits 10-15");
_Static_assert((IOMMUOP_map_page_in_flags & 0x3F8U) == 0, "bits 3-9 reserved for map_page");
_Static_assert((IOMMUOP_map_foreign_page_in_flags & 0x3F8U) == 0,
	       "bits 3-9 reserved for map_foreign_page");

#endif /* MEMVISOR_PUBLIC_IOMMU_OP_H */
