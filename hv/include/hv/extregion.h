/*
 * Extended regions ("safe ranges"): unused guest-physical space advertised
 * to a guest in /hypervisor `reg` entries 1..N, computed by one of four
 * algorithms and a shared post-processing step.
 *
 *   ext_find_host()      host layout, no IOMMU: host RAM minus what the
 *                        domain owns and everything reserved;
 *   ext_find_iommu()     host layout, IOMMU on: the whole IPA space minus
 *                        every DT `reg` and PCI host-bridge window;
 *   ext_find_domu()      dom0less DomU: the unused tails of the two guest RAM
 *                        windows;
 *   ext_find_libxl()     libxl guest: the same tails, cut around `iomem`.
 *
 * The hypervisor finders share the post-processing (start rounded up to
 * 2 MiB, size rounded down to 2 MiB, regions below 64 MiB dropped, cap at
 * 2^ipa_bits, at most `region_limit` regions, ascending order). libxl has its
 * own, looser, rules. Which Xen release to imitate is a policy; the policy
 * switches exactly the behaviours listed in struct xen_policy_traits.
 *
 * Inputs are plain arrays of spans so that the domain builder and the
 * planner call the same code; labels in spans are borrowed and must outlive
 * the result. No stdio, no globals.
 */
#ifndef HV_EXTREGION_H
#define HV_EXTREGION_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/types.h>

/*
 * The Xen releases the planner imitates. The first four values are kept as
 * they were (the DT fuzzer picks a policy from two bits). A name models the
 * newest point release of its series unless it says otherwise: "4.19" is
 * 4.19.3 and later, "4.19.2" is 4.19.0-4.19.2 (before the range-removal
 * fix), likewise "4.20" / "4.20.0".
 */
enum xen_policy {
	XEN_POLICY_4_17,
	XEN_POLICY_4_19,
	XEN_POLICY_4_21,
	XEN_POLICY_LATEST,
	XEN_POLICY_4_16,
	XEN_POLICY_4_18,
	XEN_POLICY_4_19_2,
	XEN_POLICY_4_20_0,
	XEN_POLICY_4_20,
	XEN_POLICY__COUNT
};

/* How a release computes dom0less DomU (guest layout) regions (facts 1.6,
 * 8.6, 8b.1, 8b.7). */
enum xen_domu_holes {
	/* 4.16: extended regions for Dom0 only. */
	XEN_DOMU_NONE,
	/* 4.17, 4.18: one region per guest RAM bank written directly: start
	 * rounded up to 2 MiB, size not rounded, no exclusions. */
	XEN_DOMU_DIRECT,
	/* 4.19, 4.20: written directly as above; only when the domain has
	 * static shared memory is the list rebuilt through a rangeset (shm
	 * removed) and the shared post-processing (a0fee882c1). */
	XEN_DOMU_DIRECT_SHM_RANGESET,
	/* 4.21+: always through a rangeset: shm and xen,reg removed, then the
	 * shared post-processing (3ef9211896, fba1b0974d). */
	XEN_DOMU_RANGESET,
};

/*
 * One release's rules: everything that differs between releases is a field
 * here, and the finders, the boot-time scan (bootinfo.c) and the planner
 * (layout.c) consult only this. The table is in extregion.c; the sources
 * (facts sections 1, 8 and 8b) are named there, row by row.
 */
struct xen_policy_traits {
	const char *name;        /* what --xen accepts: "4.19" */
	const char *models;      /* the point releases it stands for */
	unsigned int major, minor; /* for the /hypervisor compatible */

	/* --- the shared post-processing (add_ext_regions) --- */
	unsigned int region_limit; /* NR_MEM_BANKS: 128 (4.16), 256 */
	paddr_t region_align;      /* start up, size down: 2 MiB everywhere */
	paddr_t region_min;        /* regions below are dropped: 64 MiB */
	/* Rangesets hold page frame numbers (4.18+, f37a598139); before,
	 * byte addresses. */
	bool frame_granule;
	/* A free range's last frame is taken as the end of the range, so a
	 * region comes out 2 MiB short when the range ends on a 2 MiB
	 * boundary (4.18-4.20; facts 8b.1). */
	bool short_2m;
	/* Range removal before upstream e118fc98e7 (facts 8.4, 8.5): a
	 * removal starting in a gap extends the earlier range, zero-size
	 * removals are not skipped, some removals crash. Fixed in 4.19.3,
	 * 4.20.1, 4.21. */
	bool removal_bug;

	/* --- what the host-layout finders take away --- */
	bool memreserve_excluded; /* /memreserve/ in reserved_mem (4.19+) */
	/* Static shared memory has its own exclusion step (4.19+); before,
	 * its host banks were part of reserved_mem (host path only). */
	bool shm_excluded;
	bool xen_reg_excluded;    /* passthrough `xen,reg` (4.21+) */

	/* --- dom0less DomUs and libxl guests --- */
	enum xen_domu_holes domu;
	/* libxl: iomem excluded and up to 256 regions (4.21+); before, at
	 * most one region per guest RAM bank. */
	bool libxl_iomem;

	/* --- the boot-time scan of the host tree --- */
	/* RAM = every node named memory[@...] at any depth, status ignored,
	 * cells from the parent (facts 8.1; 4.16-4.19). From 4.20
	 * (47d4d3cdc5, facts 8b.5): depth-1 nodes with device_type
	 * "memory". */
	bool memory_by_name_any_depth;
	/* Reserved banks are removed in the order the scan finds them (tree
	 * order, facts 8.9). Only the removal bug makes the order visible;
	 * releases without it list them by address. */
	bool reserved_tree_order;

	/* --- trees the release refuses to boot --- */
	/* Overlapping RAM banks: panic building the direct map (facts 8.10).
	 * Set for the releases that find RAM by name (4.16-4.19). */
	bool ram_overlap_no_boot;
	/* Overlapping /reserved-memory children: "Early FDT parsing failed"
	 * (4.18+, 6f7d56ccd3, facts 8b.4); a boot module inside a reserved
	 * region is dropped, so Dom0 has no kernel. */
	bool reserved_overlap_no_boot;
	/* /memreserve/ entries are in reserved_mem and take part in that
	 * overlap check (4.19 only: 4.20, a14593e399, lets them overlap). */
	bool memreserve_overlap_no_boot;

	/* Dom0's /hypervisor reg uses the host root's cells (defaults 2/1)
	 * and keeps only the low 32 bits of a 1-cell value (facts 1.1, 8.7):
	 * the same in every release. */
	bool reg_root_cells_truncate;

	/* --- the identity a running guest sees (docs/abi.md "Releases") --- */
	/* XENVER_extraversion: the point release the row stands for. */
	const char *extraversion;
	/* The one interface_version each of domctl and sysctl accepts
	 * (xen-facts-devices 4.4); any other is -EACCES. */
	uint32_t domctl_version, sysctl_version;
};

const struct xen_policy_traits *xen_policy_traits(enum xen_policy p);
/* "4.16" ... "4.21", "latest" (also "4.22", the newest release, which it
 * models: facts name no release after 4.22.0), and point releases
 * "4.M.P" mapped to the policy that models them ("4.19.2" -> 4.19.0-4.19.2,
 * "4.20.4" -> "4.20"). -EINVAL for anything else. */
int xen_policy_parse(const char *s, enum xen_policy *out);
/* Every policy in release order (for --compare, tests and docs). */
extern const enum xen_policy xen_policy_all[XEN_POLICY__COUNT];

/* Guest memory map constants (facts section 2): shared with the planner
 * and the toolstack in Dom0, so they live in include/common. */
#include <common/guest_layout.h>
#define EXT_REGION_MIN_SIZE GUEST_EXT_REGION_MIN /* MiB(64) */
#define EXT_REGION_ALIGN GUEST_EXT_REGION_ALIGN  /* SZ_2M */
#define EXT_REGION_MAX GUEST_EXT_REGION_MAX

/* What a span is; used to explain exclusions. */
enum ext_kind {
	EXT_K_RAM,          /* host RAM bank (start set of the host path) */
	EXT_K_DOM_RAM,      /* the domain's own RAM */
	EXT_K_RESERVED,     /* /reserved-memory child */
	EXT_K_MEMRESERVE,   /* /memreserve/ entry */
	EXT_K_STATIC_DOMAIN,/* xen,static-mem bank of some domain */
	EXT_K_STATIC_HEAP,  /* xen,static-heap bank */
	EXT_K_SHM,          /* static shared memory */
	EXT_K_GNTTAB,       /* grant-table region */
	EXT_K_XEN_REG,      /* xen,reg passthrough range */
	EXT_K_DEVICE_REG,   /* a DT node's `reg` (IOMMU path) */
	EXT_K_PCI_WINDOW,   /* PCI host-bridge `ranges` window */
	EXT_K_IOMEM,        /* libxl iomem */
	EXT_K_MODULE,       /* boot module (never excluded; for display) */
	EXT_K_XEN_IMAGE,    /* the hypervisor image (display) */
	EXT_K__COUNT
};

const char *ext_kind_name(enum ext_kind k);

struct ext_span {
	paddr_t start, size;
	enum ext_kind kind;
	const char *label; /* node path or other name; may be NULL */
};

/*
 * The one qsort() order of spans: by start, then by size. The size breaks
 * ties so that equal starts (a board's removed region over the child it
 * starts with) sort the same on every libc, whose qsort need not be stable.
 * Inline so that every user, planner or CLI, gets it without a link edge.
 */
static inline int ext_span_cmp(const void *a, const void *b)
{
	const struct ext_span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->size < y->size ? -1 : x->size > y->size;
}

struct ext_region {
	paddr_t start, size;
};

enum ext_note_kind {
	EXT_NOTE_EXCLUDED,  /* a span removed part of the candidate space */
	EXT_NOTE_TOO_SMALL, /* dropped: < 64 MiB after 2 MiB alignment */
	EXT_NOTE_CAPPED,    /* space at or above 2^ipa_bits not usable */
	EXT_NOTE_LIMIT,     /* dropped: region list full */
	EXT_NOTE_BUG417,    /* the range-removal bug (facts 8.4, 8.5) changed the
			     * result here (every release before the fix) */
	EXT_NOTE_SHORT2M,   /* lost to the 2 MiB-short sizing (4.18-4.20) */
	EXT_NOTE_ERROR,     /* the search failed (untranslatable reg, crash) */
	EXT_NOTE_INFO,
};

struct ext_note {
	enum ext_note_kind kind;
	paddr_t start, size;
	enum ext_kind what; /* for EXCLUDED */
	const char *label;  /* borrowed */
};

struct ext_result {
	struct ext_region *region;
	unsigned int nr, cap;
	struct ext_note *note;
	unsigned int nr_note, cap_note;
	/* 0 when the search ran (even if it found nothing), else a negative
	 * errno: then Xen advertises region 0 only. */
	int status;
};

void ext_result_init(struct ext_result *r);
void ext_result_free(struct ext_result *r);
/* Used by callers to add their own notes (e.g. "feature disabled"). */
int ext_result_note(struct ext_result *r, enum ext_note_kind kind, paddr_t start,
		    paddr_t size, enum ext_kind what, const char *label);

struct ext_ctx {
	enum xen_policy policy;
	unsigned int ipa_bits; /* 32..52 */
};

/* (a) Host layout, no IOMMU. `reserved` holds every kind of reserved bank
 * (reserved-memory, memreserve, static-domain, static-heap, and shm host
 * banks); the policy decides which count. */
struct ext_host_input {
	const struct ext_span *host_ram;
	unsigned int nr_host_ram;
	const struct ext_span *dom_ram;
	unsigned int nr_dom_ram;
	const struct ext_span *reserved;
	unsigned int nr_reserved;
	struct ext_span gnttab;          /* all zero: no grant table */
	const struct ext_span *shm_host; /* this-release shm list (4.19+) */
	unsigned int nr_shm_host;
	const struct ext_span *xen_reg;  /* direct-mapped DomU passthrough */
	unsigned int nr_xen_reg;
};
int ext_find_host(const struct ext_ctx *ctx, const struct ext_host_input *in,
		  struct ext_result *out);

/* (b) Host layout, IOMMU enabled. `regs` are translated CPU addresses of
 * every `reg` entry of the host DT (memory nodes included) and of the PCI
 * host-bridge windows, in DT order (node by node, as Xen removes them; the
 * order matters for the 4.17 bug); `pci` optional extra windows removed
 * after them. `untranslatable` names the first `reg` that could not
 * be translated (NULL if none): the search then fails as in Xen. */
struct ext_iommu_input {
	const struct ext_span *regs;
	unsigned int nr_regs;
	const struct ext_span *pci;
	unsigned int nr_pci;
	const struct ext_span *shm_guest;
	unsigned int nr_shm_guest;
	const struct ext_span *xen_reg;
	unsigned int nr_xen_reg;
	const char *untranslatable;
	paddr_t untranslatable_addr;
};
int ext_find_iommu(const struct ext_ctx *ctx, const struct ext_iommu_input *in,
		   struct ext_result *out);

/* (c2) dom0less DomU, guest layout: bank_used[i] bytes of guest RAM bank i
 * are RAM. */
struct ext_domu_input {
	paddr_t bank_used[GUEST_RAM_BANKS];
	const struct ext_span *shm_guest;
	unsigned int nr_shm_guest;
	const struct ext_span *xen_reg;
	unsigned int nr_xen_reg;
};
int ext_find_domu(const struct ext_ctx *ctx, const struct ext_domu_input *in,
		  struct ext_result *out);

/* (c1) libxl guest: gpaddr_bits from getdomaininfo; iomem guest ranges.
 * The algorithm itself is include/common/libxl_extregion.h, which the
 * toolstack in Dom0 runs too; this wrapper adds the policy and the notes. */
struct ext_libxl_input {
	paddr_t bank_used[GUEST_RAM_BANKS];
	const struct ext_span *iomem;
	unsigned int nr_iomem;
};
int ext_find_libxl(const struct ext_ctx *ctx, const struct ext_libxl_input *in,
		   struct ext_result *out);

/* Checks the invariants of a hypervisor result: ascending, disjoint, 2 MiB
 * aligned start and size, >= 64 MiB, below 2^ipa_bits, at most the policy's
 * limit. Returns the index of the first bad region, or -1 when all good. */
int ext_check_regions(const struct ext_ctx *ctx, const struct ext_region *r,
		      unsigned int nr);

#endif
