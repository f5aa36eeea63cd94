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

enum xen_policy {
	XEN_POLICY_4_17,
	XEN_POLICY_4_19,
	XEN_POLICY_4_21,
	XEN_POLICY_LATEST,
};

/* What differs between releases (facts sections 1.7 and 8). */
struct xen_policy_traits {
	const char *name;
	/* Xen 4.17 rangesets: byte addresses, the removal bugs of facts 8.4/8.5,
	 * zero-size exclusions not skipped. */
	bool buggy_rangeset;
	/* /memreserve/ entries are in reserved_mem (4.19+). */
	bool memreserve_excluded;
	/* Static shared memory has its own exclusion step (4.19+); before, its
	 * host banks were part of reserved_mem (host path only). */
	bool shm_excluded;
	/* `xen,reg` passthrough ranges excluded (4.21+). */
	bool xen_reg_excluded;
	/* dom0less DomU holes go through a rangeset and add_ext_regions, so
	 * their size is 2 MiB rounded (4.19+); 4.17 wrote one region per bank
	 * with the size not rounded. */
	bool domu_rangeset;
	/* Memory nodes: 4.17 takes every node named memory[@...] at any depth,
	 * ignoring status; later releases want depth 1, device_type "memory"
	 * and an available status. */
	bool memory_by_name_any_depth;
	/* Reserved banks stay in the order Xen's boot-time scan finds them
	 * (tree order) and are removed in that order (facts 8.9). Only 4.17
	 * needs it: with its removal bug the order changes the result; with
	 * the fixed rangeset any order gives the same set, so the planner
	 * keeps them sorted by address for display. */
	bool reserved_tree_order;
	/* Overlapping RAM banks stop Xen at boot (4.17 panics building its
	 * direct map, facts 8.10): the planner says so and plans nothing. */
	bool ram_overlap_no_boot;
	/* Hypervisor region limit (NR_MEM_BANKS). */
	unsigned int region_limit;
	/* libxl: iomem excluded and up to 256 regions (4.21+); before, at most
	 * one region per guest RAM bank. */
	bool libxl_iomem;
};

const struct xen_policy_traits *xen_policy_traits(enum xen_policy p);
/* "4.17", "4.19", "4.21", "latest" (also "4.18" -> 4.17 rules for memory,
 * "4.20" -> 4.19, "4.22" -> latest). -EINVAL for anything else. */
int xen_policy_parse(const char *s, enum xen_policy *out);

/* Guest memory map constants (facts section 2). */
#define GUEST_GNTTAB_BASE 0x38000000ULL
#define GUEST_GNTTAB_SIZE 0x01000000ULL
#define GUEST_MAGIC_BASE 0x39000000ULL
#define GUEST_MAGIC_SIZE 0x01000000ULL
#define GUEST_RAM0_BASE 0x40000000ULL
#define GUEST_RAM0_SIZE 0xc0000000ULL
#define GUEST_RAM1_BASE 0x0200000000ULL
#define GUEST_RAM1_SIZE 0xfe00000000ULL
#define GUEST_RAM_BANKS 2
#define GUEST_EVTCHN_PPI 31
#define EXT_REGION_MIN_SIZE MiB(64)
#define EXT_REGION_ALIGN SZ_2M
#define EXT_REGION_MAX 256

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

struct ext_region {
	paddr_t start, size;
};

enum ext_note_kind {
	EXT_NOTE_EXCLUDED,  /* a span removed part of the candidate space */
	EXT_NOTE_TOO_SMALL, /* dropped: < 64 MiB after 2 MiB alignment */
	EXT_NOTE_CAPPED,    /* space at or above 2^ipa_bits not usable */
	EXT_NOTE_LIMIT,     /* dropped: region list full */
	EXT_NOTE_BUG417,    /* 4.17 rangeset bug changed the result here */
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

/* (c1) libxl guest: gpaddr_bits from getdomaininfo; iomem guest ranges. */
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
