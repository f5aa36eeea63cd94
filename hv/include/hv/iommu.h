/*
 * Per-domain IOMMU contexts (bus frame -> machine frame) and the PV IOMMU
 * (iommu_op, hypercall 43; docs/pv-iommu.md).
 *
 * A context belongs to one domain and is the address space its assigned
 * devices see. Modes:
 * - IOMMU_CTX_TRANSLATE: a BFN table the domain programs with iommu_op;
 *   devices reach only what the table maps.
 * - IOMMU_CTX_PASSTHROUGH: hardware domain with dom0-passthrough: devices
 *   see machine frames 1:1 (all but the hypervisor's); no table, no
 *   map_page, lookup_foreign_page returns the machine frame.
 * - IOMMU_CTX_NONE: no IOMMU-translated device (an emulator on a host
 *   without an IOMMU); only the M2B of lookup_foreign_page, BFN == MFN.
 *   Devices of such a domain can reach nothing.
 *
 * Invariants (checked by iommu_audit_refs):
 * - a table leaf with IOPTE_REF holds one reference on each frame it
 *   covers (plus a writeable type reference with IOPTE_WREF);
 * - a foreign leaf holds no reference itself; each of its M2B entries
 *   (one per IOREQ server that mapped it) holds one, except entries that
 *   were swapped to the scratch frame, which hold none;
 * - every M2B entry of a translating context matches a foreign leaf at its
 *   BFN pointing at its MFN, and every foreign leaf has an entry.
 */
#ifndef HV_IOMMU_H
#define HV_IOMMU_H

#include <hv/hv.h>

#define IOMMU_MAX_ORDER 9 /* largest page order of any sub-op (2 MiB) */
#define IOMMU_MAX_RESERVED 8
/*
 * M2B entries one domain's context may hold at once (its budget; beyond it
 * map_foreign_page and lookup_foreign_page fail with -ENOMEM). 65,536
 * entries cover 256 MiB of foreign memory mapped page by page for about
 * 3.7 MiB of hypervisor heap, and also bound the walk of one frame's
 * entries when it is ballooned; docs/pv-iommu.md, "Limits".
 */
#define IOMMU_M2B_MAX (1ULL << 16)

enum iommu_ctx_mode {
	IOMMU_CTX_NONE = 0,
	IOMMU_CTX_TRANSLATE,
	IOMMU_CTX_PASSTHROUGH,
};

/* How the hardware domain's devices are treated (iommu=..., parsed by
 * hv/boot/cmdline.c). */
enum iommu_hwdom_mode {
	IOMMU_HWDOM_STRICT = 0, /* dom0-strict: only its own frames (default) */
	IOMMU_HWDOM_RELAXED,	/* no-dom0-strict: any non-hypervisor frame, no_ref_cnt allowed */
	IOMMU_HWDOM_PASSTHROUGH, /* dom0-passthrough: 1:1, PV IOMMU map unavailable */
};

struct iommu_params {
	bool present;			/* the host has an IOMMU */
	enum iommu_hwdom_mode hwdom;
};

struct iommu_stats {
	uint64_t iotlb_flushes;	 /* one per batch (or continuation) that changed the table */
	uint64_t maps, unmaps;	 /* frames */
	uint64_t foreign_maps, foreign_unmaps;
	uint64_t invalidates_sent;
	uint64_t swapped;	 /* foreign frames switched to the scratch frame */
	uint64_t faults;	 /* device accesses refused */
	uint64_t m2b_refused;	 /* M2B entries refused by the budget */
	bfn_t last_fault_bfn;
	bool last_fault_write;
};

/*
 * Gives d a context: TRANSLATE when the host has an IOMMU and d has an
 * assigned device (DOMF_iommu), PASSTHROUGH for a privileged domain in
 * dom0-passthrough mode, else NONE. Idempotent. 0 or -ENOMEM. Domains that
 * never got one get a default context (strict) on first use.
 */
int iommu_domain_init(struct domain *d, const struct iommu_params *p);
/* Drops every IOMMU mapping of d and the references they hold; tells
 * emulators whose mappings of d's frames became invalid. */
void iommu_domain_destroy(struct domain *d);
enum iommu_ctx_mode iommu_mode(const struct domain *d);
const struct iommu_stats *iommu_stats(const struct domain *d);
/* Number of live M2B entries of d's context (0 without one). */
uint64_t iommu_m2b_count(const struct domain *d);
/* Sets d's M2B budget (tests, tools); entries beyond it stay, new ones
 * fail. Creates the context if needed: 0 or -ENOMEM. */
int iommu_set_m2b_budget(struct domain *d, uint64_t max);

/* An RMRR-like bus range no map may use (-EACCES). 0, -ENOSPC, -ENODEV. */
int iommu_reserve_bfn_range(struct domain *d, bfn_t bfn, uint64_t nr);

/*
 * Ballooning hook (mm_remove_gfn): gfn of d, backed by mfn, is no longer
 * d's. Sends IOREQ_TYPE_INVALIDATE to every IOREQ server with a mapping of
 * it and, when all of them asked for swap_mfn, points their BFNs at a
 * scratch frame and drops their references. Cannot fail.
 */
void iommu_gfn_removed(struct domain *d, gfn_t gfn, mfn_t mfn);

/*
 * Grant map at a chosen bus address (GNTMAP_request_bfn_map), called by
 * the grant table with the frame it has just mapped: maps bfn of d's
 * context to mfn, taking one (writeable if `writable`) reference of its
 * own. 0, -EOPNOTSUPP (no translating context), -ENOSPC (bfn out of
 * range), -EACCES (reserved), -EEXIST (bfn in use), -ENOMEM, -EPERM (frame
 * not referenceable). iommu_grant_unmap removes exactly such a mapping
 * (of mfn, or of whatever frame it maps with INVALID_MFN; -ENOENT
 * otherwise) and drops the reference it held. Both flush the IOTLB before
 * returning. iommu_grant_lookup finds one (0 with its frame and access, or
 * -ENOENT); iommu_grant_count is the number d's context holds (audit).
 */
int iommu_grant_map(struct domain *d, bfn_t bfn, mfn_t mfn, bool writable);
int iommu_grant_unmap(struct domain *d, bfn_t bfn, mfn_t mfn);
int iommu_grant_lookup(const struct domain *d, bfn_t bfn, mfn_t *mfn, bool *writable);
uint64_t iommu_grant_count(const struct domain *d);

/*
 * Device access through d's context (the DMA engine). Translates bfn for a
 * read or a write: 0 with *mfn, or -ENXIO (nothing mapped, or a context
 * that lets devices reach nothing) / -EACCES (mapping lacks the access).
 * iommu_report_fault records a refused access for d (stats, log).
 */
int iommu_translate(struct domain *d, bfn_t bfn, bool write, mfn_t *mfn);
void iommu_report_fault(struct domain *d, uint64_t bus_addr, bool write, int why);

/*
 * A DMA copy of len bytes from bus address src to bus address dst of d's
 * context, as a device does it: every page is translated first and, if
 * any access would fault, nothing is copied, the fault is reported to d
 * and *fault_addr gets the first faulting bus address. Takes the
 * hypervisor lock. 0, -ENXIO or -EACCES.
 */
int iommu_dma_copy(struct domain *d, uint64_t dst, uint64_t src, uint64_t len,
		   uint64_t *fault_addr);

/* Audit: adds the IOMMU and M2B references per frame (pdx) and checks the
 * M2B against the tables. 0, or -1 with a description in buf. */
int iommu_audit_refs(struct hv *hv, uint32_t *refs, char *buf, size_t len);

struct hv_hcall;
/* The hypercall handler for the PV IOMMU operations (IOMMUOP_*): runs with the hypervisor lock held,
 * returns the guest's rax or HV_HCALL_CONTINUE (see hcall.h). */
int64_t do_iommu_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);

#endif
