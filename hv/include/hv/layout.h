/*
 * Domain layout planning: the engine behind `memvisor layout` and the
 * domain builder.
 *
 * layout_plan() takes a parsed host DT (struct bootinfo) and options and
 * returns, for Dom0 and every dom0less domain, its guest RAM banks (and the
 * host banks behind them), its grant-table region, its extended regions with
 * a note for everything left out, and gpaddr_bits. Both the planner and the
 * hypervisor's domain builder call it, so what the planner prints is what a
 * domain gets. No stdio; messages are collected in the plan.
 *
 * Dom0 RAM: taken from layout_opts.dom0_banks when given, else placed as
 * Xen's 1:1 allocator does it (see layout.c for the rule), avoiding
 * reserved memory, boot modules, static banks and the Xen image.
 */
#ifndef HV_LAYOUT_H
#define HV_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/bootinfo.h>
#include <hv/extregion.h>

#define LAYOUT_DEFAULT_IPA_BITS 44
#define LAYOUT_DEFAULT_DOM0_MEM MiB(512)
#define LAYOUT_DEFAULT_XEN_IMAGE_SIZE SZ_2M

struct layout_opts {
	enum xen_policy policy;
	unsigned int ipa_bits;        /* 0: LAYOUT_DEFAULT_IPA_BITS */
	int iommu;                    /* -1 auto (DT + bootargs), 0 off, 1 on */
	bool dom0_mem_set;            /* overrides bootargs dom0_mem= */
	paddr_t dom0_mem;
	const struct ext_span *dom0_banks; /* Dom0 1:1 RAM when given */
	unsigned int nr_dom0_banks;
	bool xen_image_set;           /* else: 2 MiB into the lowest free RAM */
	paddr_t xen_image_start, xen_image_size;
	bool no_dom0;                 /* dom0less-only system */
};

enum layout_algo {
	LAYOUT_ALGO_NONE,     /* no regions computed (see why_none) */
	LAYOUT_ALGO_HOST,     /* host layout, no IOMMU */
	LAYOUT_ALGO_IOMMU,    /* host layout, IOMMU */
	LAYOUT_ALGO_DOMU,     /* dom0less DomU guest layout */
};

struct layout_domain {
	const char *name;             /* "dom0" or the DT node name */
	const char *path;             /* DT node path, "" for dom0 */
	int bootinfo_index;           /* -1 for dom0 */
	bool is_dom0;
	bool direct_map;
	bool iommu;
	bool is_32bit;
	bool static_mem;
	unsigned int gpaddr_bits;     /* getdomaininfo.gpaddr_bits */
	struct bootinfo_spans mem;    /* guest RAM banks, guest addresses */
	struct bootinfo_spans host_mem; /* where that RAM is in the host */
	const char *placement;        /* how Dom0 RAM was chosen */
	bool hypervisor_node;
	struct ext_region gnttab;     /* region 0 (size 0: none) */
	uint32_t addr_cells, size_cells; /* /hypervisor reg encoding */
	enum layout_algo algo;
	const char *why_none;         /* when no regions were searched */
	struct ext_result ext;        /* regions and notes */
	bool invalid;                 /* domain cannot be built */
};

/* Why the imitated Xen release would stop before any domain exists. */
struct layout_no_boot {
	const char *why;              /* NULL: it boots; else a short code
				       * ("ram_banks_overlap") */
	const char *message;          /* one line for people (plan's pool) */
	struct ext_span a, b;         /* the two things that collide */
};

struct layout_plan {
	enum xen_policy policy;
	/* Set when the release would not boot the host tree; the plan then
	 * holds no domains. */
	struct layout_no_boot no_boot;
	unsigned int ipa_bits;
	unsigned int xen_major, xen_minor;
	struct ext_span xen_image;
	struct layout_domain *dom;
	unsigned int nr_dom;
	struct bootinfo_diag *msg;
	unsigned int nr_msg, cap_msg;
	struct bootinfo_strpool pool;
};

/* 0, -EINVAL (bad options; a message says why) or -ENOMEM. A tree the
 * imitated release would not boot gives 0 with no_boot.why set and no
 * domains. layout_free() must be called in every case. */
int layout_plan(const struct bootinfo *bi, const struct layout_opts *o,
		struct layout_plan *p);
void layout_free(struct layout_plan *p);

/* Fills a guestdt_info for domain i (pointers borrow from p and bi). */
struct guestdt_info;
void layout_guestdt_info(const struct layout_plan *p, const struct bootinfo *bi,
			 unsigned int i, struct guestdt_info *gi);

const char *layout_algo_name(enum layout_algo a);

/* gpaddr_bits as reported to the toolstack: getdomaininfo (merged upstream)
 * and physinfo (the seed's proposal) give the same number here. */
unsigned int layout_gpaddr_bits_domctl(const struct layout_plan *p, unsigned int i);
unsigned int layout_gpaddr_bits_physinfo(const struct layout_plan *p);

#endif
