/*
 * Extended-region finders, their shared post-processing and the table of
 * Xen releases.
 *
 * Design: every hypervisor finder is "start set, ordered exclusions, report":
 * it fills a rangeset, removes spans in the order Xen removes them (the order
 * matters only for the range-removal bug of releases before 4.19.3/4.20.1,
 * which this file can imitate), and hands the remaining ranges, ascending,
 * to ext_add_region_cb(), the one place where alignment, minimum size, the
 * 2 MiB-short sizing of 4.18-4.20, the IPA cap and the region limit are
 * applied. libxl's finder follows its own rules: its algorithm is
 * include/common/libxl_extregion.h, shared with the toolstack in Dom0, and
 * ext_find_libxl() only adds the policy and the notes. Every difference
 * between releases is a field of the policy table below; nothing else in
 * this file tests a release.
 *
 * Granule: releases since 4.18 store page frame numbers in the rangeset, so
 * an unaligned span is widened to whole pages; 4.16 and 4.17 stored byte
 * addresses. The engine keeps a shift (12 or 0) and converts at its edges.
 *
 * Invariants of a successful hypervisor result (policies without the
 * removal bug): regions ascending, disjoint, start 2 MiB aligned, size 2 MiB
 * aligned except DomU holes written directly (before 4.21), size >= 64 MiB,
 * end <= 2^ipa_bits, count <= policy limit. ext_check_regions() checks them.
 * Every region or piece of space left out gets a note saying why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <common/libxl_extregion.h>
#include <hv/extregion.h>
#include <hv/rangeset.h>
#include <hv/vec.h>

/*
 * The releases, one row each. Sources: facts section 1.7 (commits and the
 * release each entered), section 8 (real 4.17.7) and 8b (real 4.20.4).
 * Rules not observed on a real release are carried over from the nearest
 * observed one until the commit that changed them; docs/extended-regions.md
 * marks which.
 */
#define COMMON .region_align = EXT_REGION_ALIGN, .region_min = EXT_REGION_MIN_SIZE, \
	       .reg_root_cells_truncate = true, .major = 4

static const struct xen_policy_traits policy_table[XEN_POLICY__COUNT] = {
	[XEN_POLICY_4_16] = {
		.extraversion = ".0", .domctl_version = 0x14, .sysctl_version = 0x14,
		COMMON, .name = "4.16", .models = "4.16.x", .minor = 16,
		.region_limit = 128,
		.removal_bug = true,
		.domu = XEN_DOMU_NONE,
		.memory_by_name_any_depth = true,
		.reserved_tree_order = true,
		.ram_overlap_no_boot = true,
	},
	[XEN_POLICY_4_17] = {
		.extraversion = ".7", .domctl_version = 0x15, .sysctl_version = 0x15,
		COMMON, .name = "4.17", .models = "4.17.x (observed: 4.17.7)", .minor = 17,
		.region_limit = 256,
		.removal_bug = true,
		.domu = XEN_DOMU_DIRECT,
		.memory_by_name_any_depth = true,
		.reserved_tree_order = true,
		.ram_overlap_no_boot = true,
	},
	[XEN_POLICY_4_18] = {
		.extraversion = ".0", .domctl_version = 0x16, .sysctl_version = 0x15,
		COMMON, .name = "4.18", .models = "4.18.x", .minor = 18,
		.region_limit = 256,
		.frame_granule = true,
		.short_2m = true,
		.removal_bug = true,
		.domu = XEN_DOMU_DIRECT,
		.memory_by_name_any_depth = true,
		.reserved_tree_order = true,
		.ram_overlap_no_boot = true,
		.reserved_overlap_no_boot = true,
	},
	[XEN_POLICY_4_19_2] = {
		.extraversion = ".2", .domctl_version = 0x17, .sysctl_version = 0x15,
		COMMON, .name = "4.19.2", .models = "4.19.0-4.19.2", .minor = 19,
		.region_limit = 256,
		.frame_granule = true,
		.short_2m = true,
		.removal_bug = true,
		.memreserve_excluded = true,
		.shm_excluded = true,
		.domu = XEN_DOMU_DIRECT_SHM_RANGESET,
		.memory_by_name_any_depth = true,
		.reserved_tree_order = true,
		.ram_overlap_no_boot = true,
		.reserved_overlap_no_boot = true,
		.memreserve_overlap_no_boot = true,
	},
	[XEN_POLICY_4_19] = {
		.extraversion = ".3", .domctl_version = 0x17, .sysctl_version = 0x15,
		COMMON, .name = "4.19", .models = "4.19.3 and later 4.19.x", .minor = 19,
		.region_limit = 256,
		.frame_granule = true,
		.short_2m = true,
		.memreserve_excluded = true,
		.shm_excluded = true,
		.domu = XEN_DOMU_DIRECT_SHM_RANGESET,
		.memory_by_name_any_depth = true,
		.ram_overlap_no_boot = true,
		.reserved_overlap_no_boot = true,
		.memreserve_overlap_no_boot = true,
	},
	[XEN_POLICY_4_20_0] = {
		.extraversion = ".0", .domctl_version = 0x17, .sysctl_version = 0x15,
		COMMON, .name = "4.20.0", .models = "4.20.0", .minor = 20,
		.region_limit = 256,
		.frame_granule = true,
		.short_2m = true,
		.removal_bug = true,
		.memreserve_excluded = true,
		.shm_excluded = true,
		.domu = XEN_DOMU_DIRECT_SHM_RANGESET,
		.reserved_tree_order = true,
		.reserved_overlap_no_boot = true,
	},
	[XEN_POLICY_4_20] = {
		.extraversion = ".4", .domctl_version = 0x17, .sysctl_version = 0x15,
		COMMON, .name = "4.20", .models = "4.20.1 and later 4.20.x (observed: 4.20.4)",
		.minor = 20,
		.region_limit = 256,
		.frame_granule = true,
		.short_2m = true,
		.memreserve_excluded = true,
		.shm_excluded = true,
		.domu = XEN_DOMU_DIRECT_SHM_RANGESET,
		.reserved_overlap_no_boot = true,
	},
	[XEN_POLICY_4_21] = {
		.extraversion = ".0", .domctl_version = 0x17, .sysctl_version = 0x16,
		COMMON, .name = "4.21", .models = "4.21.x", .minor = 21,
		.region_limit = 256,
		.frame_granule = true,
		.memreserve_excluded = true,
		.shm_excluded = true,
		.xen_reg_excluded = true,
		.domu = XEN_DOMU_RANGESET,
		.libxl_iomem = true,
		.reserved_overlap_no_boot = true,
	},
	[XEN_POLICY_LATEST] = {
		.extraversion = ".0", .domctl_version = 0x18, .sysctl_version = 0x16,
		COMMON, .name = "latest", .models = "4.22.x (the newest release)", .minor = 22,
		.region_limit = 256,
		.frame_granule = true,
		.memreserve_excluded = true,
		.shm_excluded = true,
		.xen_reg_excluded = true,
		.domu = XEN_DOMU_RANGESET,
		.libxl_iomem = true,
		.reserved_overlap_no_boot = true,
	},
};
#undef COMMON

const enum xen_policy xen_policy_all[XEN_POLICY__COUNT] = {
	XEN_POLICY_4_16, XEN_POLICY_4_17, XEN_POLICY_4_18, XEN_POLICY_4_19_2,
	XEN_POLICY_4_19, XEN_POLICY_4_20_0, XEN_POLICY_4_20, XEN_POLICY_4_21,
	XEN_POLICY_LATEST,
};

const struct xen_policy_traits *xen_policy_traits(enum xen_policy p)
{
	if ((unsigned int)p >= ARRAY_SIZE(policy_table))
		p = XEN_POLICY_LATEST;
	return &policy_table[p];
}

/* A decimal number of 1..3 digits at *s; advances *s. */
static int parse_num(const char **s, unsigned int *v)
{
	unsigned int n = 0, d = 0;

	while (**s >= '0' && **s <= '9' && d < 3) {
		n = n * 10 + (unsigned int)(**s - '0');
		(*s)++;
		d++;
	}
	if (!d || (**s >= '0' && **s <= '9'))
		return -EINVAL;
	*v = n;
	return 0;
}

int xen_policy_parse(const char *s, enum xen_policy *out)
{
	unsigned int major, minor, point = 0;
	bool has_point = false;

	if (!s)
		return -EINVAL;
	/* No "head": master (4.23-dev) has no release identity to present. */
	if (!strcmp(s, "latest")) {
		*out = XEN_POLICY_LATEST;
		return 0;
	}
	if (parse_num(&s, &major) || major != 4 || *s++ != '.' || parse_num(&s, &minor))
		return -EINVAL;
	if (*s == '.') {
		s++;
		if (parse_num(&s, &point))
			return -EINVAL;
		has_point = true;
	}
	if (*s)
		return -EINVAL;
	switch (minor) {
	case 16: *out = XEN_POLICY_4_16; return 0;
	case 17: *out = XEN_POLICY_4_17; return 0;
	case 18: *out = XEN_POLICY_4_18; return 0;
	case 19: /* the range-removal fix reached 4.19.3 */
		*out = has_point && point < 3 ? XEN_POLICY_4_19_2 : XEN_POLICY_4_19;
		return 0;
	case 20: /* and 4.20.1 */
		*out = has_point && point < 1 ? XEN_POLICY_4_20_0 : XEN_POLICY_4_20;
		return 0;
	case 21: *out = XEN_POLICY_4_21; return 0;
	case 22: *out = XEN_POLICY_LATEST; return 0;
	default: return -EINVAL;
	}
}

const char *ext_kind_name(enum ext_kind k)
{
	static const char *const n[EXT_K__COUNT] = {
		[EXT_K_RAM] = "host RAM",
		[EXT_K_DOM_RAM] = "domain RAM",
		[EXT_K_RESERVED] = "reserved-memory",
		[EXT_K_MEMRESERVE] = "/memreserve/",
		[EXT_K_STATIC_DOMAIN] = "xen,static-mem",
		[EXT_K_STATIC_HEAP] = "xen,static-heap",
		[EXT_K_SHM] = "static shared memory",
		[EXT_K_GNTTAB] = "grant table",
		[EXT_K_XEN_REG] = "xen,reg passthrough",
		[EXT_K_DEVICE_REG] = "device reg",
		[EXT_K_PCI_WINDOW] = "PCI window",
		[EXT_K_IOMEM] = "iomem",
		[EXT_K_MODULE] = "boot module",
		[EXT_K_XEN_IMAGE] = "Xen image",
	};

	if ((unsigned int)k >= EXT_K__COUNT || !n[k])
		return "?";
	return n[k];
}

void ext_result_init(struct ext_result *r)
{
	memset(r, 0, sizeof(*r));
}

void ext_result_free(struct ext_result *r)
{
	free(r->region);
	free(r->note);
	ext_result_init(r);
}

int ext_result_note(struct ext_result *r, enum ext_note_kind kind, paddr_t start,
		    paddr_t size, enum ext_kind what, const char *label)
{
	if (VEC_RESERVE(r->note, r->cap_note, r->nr_note + 1, 16))
		return -ENOMEM;
	r->note[r->nr_note++] = (struct ext_note){
		.kind = kind, .start = start, .size = size, .what = what, .label = label,
	};
	return 0;
}

static int result_push(struct ext_result *r, paddr_t start, paddr_t size)
{
	if (VEC_RESERVE(r->region, r->cap, r->nr + 1, 16))
		return -ENOMEM;
	r->region[r->nr].start = start;
	r->region[r->nr].size = size;
	r->nr++;
	return 0;
}

/* Highest usable address (inclusive) for an IPA width. */
static paddr_t ipa_last(const struct ext_ctx *ctx)
{
	unsigned int bits = ctx->ipa_bits;

	if (bits >= 64)
		return UINT64_MAX;
	return (1ULL << bits) - 1;
}

static bool ctx_valid(const struct ext_ctx *ctx)
{
	return ctx && ctx->ipa_bits >= 32 && ctx->ipa_bits <= 52 &&
	       (unsigned int)ctx->policy < ARRAY_SIZE(policy_table) &&
	       policy_table[ctx->policy].name;
}

/* ----- the engine shared by the three hypervisor finders ----- */

struct ext_engine {
	const struct ext_ctx *ctx;
	const struct xen_policy_traits *t;
	struct rangeset *rs;
	unsigned int shift;
	struct ext_result *out;
};

static int engine_init(struct ext_engine *en, const struct ext_ctx *ctx,
		       struct ext_result *out)
{
	if (!ctx_valid(ctx))
		return -EINVAL;
	en->ctx = ctx;
	en->t = xen_policy_traits(ctx->policy);
	en->shift = en->t->frame_granule ? PAGE_SHIFT : 0;
	en->out = out;
	en->rs = rangeset_new();
	return en->rs ? 0 : -ENOMEM;
}

static void engine_fini(struct ext_engine *en)
{
	rangeset_free(en->rs);
	en->rs = NULL;
}

static paddr_t span_last(paddr_t start, paddr_t size)
{
	/* Clamp instead of wrapping for absurd sizes. */
	if (size - 1 > UINT64_MAX - start)
		return UINT64_MAX;
	return start + size - 1;
}

static int engine_add(struct ext_engine *en, paddr_t start, paddr_t size)
{
	if (!size)
		return 0;
	return rangeset_add_range(en->rs, start >> en->shift,
				  span_last(start, size) >> en->shift);
}

/*
 * Removes one span. `widen` rounds the span out to pages first, as the
 * IOMMU path does for DT `reg` entries (in frame mode every span is widened
 * anyway). Releases with the removal bug compute the range as Xen does, in
 * wrapping arithmetic and without skipping zero-size spans, and remove it
 * with the buggy removal; one that would crash Xen stops the search with
 * status -EFAULT.
 */
static int engine_remove(struct ext_engine *en, const struct ext_span *sp,
			 bool widen)
{
	uint64_t s, e;
	bool buggy = false;
	int rc;

	if (en->t->removal_bug) {
		if (widen) {
			s = sp->start & PAGE_MASK;
			e = ((sp->start + sp->size + PAGE_SIZE - 1) & PAGE_MASK) - 1;
		} else {
			s = sp->start;
			e = sp->start + sp->size - 1;
		}
		s >>= en->shift;
		e >>= en->shift;
		if (e >= s && rangeset_overlaps_range(en->rs, s, e))
			ext_result_note(en->out, EXT_NOTE_EXCLUDED, s << en->shift,
					((e - s) << en->shift) + (1ULL << en->shift),
					sp->kind, sp->label);
		rc = rangeset_remove_range_xen417(en->rs, s, e, &buggy);
		if (rc == -EFAULT) {
			ext_result_note(en->out, EXT_NOTE_ERROR, sp->start, sp->size,
					sp->kind, sp->label);
			return rc;
		}
		if (buggy)
			ext_result_note(en->out, EXT_NOTE_BUG417, sp->start,
					sp->size, sp->kind, sp->label);
		return rc;
	}

	if (!sp->size)
		return 0; /* zero-size exclusions are skipped */
	s = sp->start >> en->shift;
	e = span_last(sp->start, sp->size) >> en->shift;
	if (rangeset_overlaps_range(en->rs, s, e))
		ext_result_note(en->out, EXT_NOTE_EXCLUDED, sp->start, sp->size,
				sp->kind, sp->label);
	return rangeset_remove_range(en->rs, s, e);
}

static int engine_remove_all(struct ext_engine *en, const struct ext_span *sp,
			     unsigned int n, bool widen)
{
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = engine_remove(en, &sp[i], widen);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * The shared post-processing of one reported range (inclusive, in granules):
 * start rounded up, size rounded down, too small dropped, list limit.
 * Releases with the 2 MiB-short sizing take the start of the range's last
 * page as its end (facts 8b.1); what that costs is noted.
 */
static int ext_add_region_cb(uint64_t s, uint64_t e, void *ctx)
{
	struct ext_engine *en = ctx;
	const struct xen_policy_traits *t = en->t;
	struct ext_result *out = en->out;
	paddr_t start = s << en->shift;
	paddr_t end = ((e + 1) << en->shift) - 1; /* inclusive, no overflow: e < cap */
	paddr_t xen_end = t->short_2m ? e << en->shift : end;
	paddr_t astart = ALIGN_UP(start, t->region_align);
	paddr_t size, full;

	if (astart < start || astart > end) {
		ext_result_note(out, EXT_NOTE_TOO_SMALL, start, end - start + 1,
				EXT_K__COUNT, NULL);
		return 0;
	}
	full = ALIGN_DOWN(end - astart + 1, t->region_align);
	size = astart > xen_end ? 0 : ALIGN_DOWN(xen_end - astart + 1, t->region_align);
	if (full < t->region_min) {
		ext_result_note(out, EXT_NOTE_TOO_SMALL, start, end - start + 1,
				EXT_K__COUNT, NULL);
		return 0;
	}
	if (size < t->region_min)
		size = 0;
	if (size != full)
		ext_result_note(out, EXT_NOTE_SHORT2M, astart + size, full - size,
				EXT_K__COUNT, NULL);
	if (!size)
		return 0;
	if (out->nr >= t->region_limit) {
		ext_result_note(out, EXT_NOTE_LIMIT, astart, size, EXT_K__COUNT, NULL);
		return 0;
	}
	return result_push(out, astart, size);
}

static int engine_report(struct ext_engine *en)
{
	paddr_t last = ipa_last(en->ctx);
	uint64_t cap = last >> en->shift;

	/* Anything above the IPA limit is left out: say so once. */
	if (cap < UINT64_MAX && rangeset_overlaps_range(en->rs, cap + 1, UINT64_MAX))
		ext_result_note(en->out, EXT_NOTE_CAPPED, last + 1, 0, EXT_K__COUNT,
				NULL);
	return rangeset_report_ranges(en->rs, 0, cap, ext_add_region_cb, en);
}

static int finish(struct ext_engine *en, int rc)
{
	if (rc) {
		en->out->nr = 0;
		en->out->status = rc;
	}
	engine_fini(en);
	return rc;
}

/* ----- (a) host layout, no IOMMU ----- */

static bool host_reserved_counts(const struct xen_policy_traits *t, enum ext_kind k)
{
	switch (k) {
	case EXT_K_MEMRESERVE:
		return t->memreserve_excluded;
	case EXT_K_SHM:
		return false; /* handled separately, see below */
	default:
		return true;
	}
}

int ext_find_host(const struct ext_ctx *ctx, const struct ext_host_input *in,
		  struct ext_result *out)
{
	struct ext_engine en;
	unsigned int i;
	int rc;

	rc = engine_init(&en, ctx, out);
	if (rc)
		return out->status = rc;

	for (i = 0; i < in->nr_host_ram; i++) {
		rc = engine_add(&en, in->host_ram[i].start, in->host_ram[i].size);
		if (rc)
			goto err;
	}

	/* 1. The domain's own RAM. */
	rc = engine_remove_all(&en, in->dom_ram, in->nr_dom_ram, false);
	if (rc)
		goto err;

	/* 2. Reserved banks; before 4.19 shm host banks were among them. */
	for (i = 0; i < in->nr_reserved; i++) {
		if (!host_reserved_counts(en.t, in->reserved[i].kind))
			continue;
		rc = engine_remove(&en, &in->reserved[i], false);
		if (rc)
			goto err;
	}
	if (!en.t->shm_excluded) {
		rc = engine_remove_all(&en, in->shm_host, in->nr_shm_host, false);
		if (rc)
			goto err;
	}

	/* 3. The grant-table region (it is RAM: Xen's text for Dom0). An
	 * all-zero span means "no grant table" (CONFIG_GRANT_TABLE off). */
	if (in->gnttab.start || in->gnttab.size) {
		rc = engine_remove(&en, &in->gnttab, false);
		if (rc)
			goto err;
	}

	/* 4. Static shared memory (own list since 4.19). */
	if (en.t->shm_excluded) {
		rc = engine_remove_all(&en, in->shm_host, in->nr_shm_host, false);
		if (rc)
			goto err;
	}

	/* 5. Passthrough ranges of a direct-mapped domain (4.21+). */
	if (en.t->xen_reg_excluded) {
		rc = engine_remove_all(&en, in->xen_reg, in->nr_xen_reg, false);
		if (rc)
			goto err;
	}

	rc = engine_report(&en);
err:
	return finish(&en, rc);
}

/* ----- (b) host layout, IOMMU on ----- */

int ext_find_iommu(const struct ext_ctx *ctx, const struct ext_iommu_input *in,
		   struct ext_result *out)
{
	struct ext_engine en;
	int rc;

	rc = engine_init(&en, ctx, out);
	if (rc)
		return out->status = rc;

	rc = rangeset_add_range(en.rs, 0, ipa_last(ctx) >> en.shift);
	if (rc)
		goto err;

	if (en.t->shm_excluded) {
		rc = engine_remove_all(&en, in->shm_guest, in->nr_shm_guest, false);
		if (rc)
			goto err;
	}

	if (in->untranslatable) {
		/* Xen gives up on the whole search at the first such `reg`. */
		ext_result_note(out, EXT_NOTE_ERROR, in->untranslatable_addr, 0,
				EXT_K_DEVICE_REG, in->untranslatable);
		rc = -EINVAL;
		goto err;
	}

	rc = engine_remove_all(&en, in->regs, in->nr_regs, true);
	if (rc)
		goto err;
	rc = engine_remove_all(&en, in->pci, in->nr_pci, true);
	if (rc)
		goto err;

	if (en.t->xen_reg_excluded) {
		rc = engine_remove_all(&en, in->xen_reg, in->nr_xen_reg, true);
		if (rc)
			goto err;
	}

	rc = engine_report(&en);
err:
	return finish(&en, rc);
}

/* ----- (c2) dom0less DomU ----- */

static const paddr_t guest_bank_base[GUEST_RAM_BANKS] = {GUEST_RAM0_BASE,
							  GUEST_RAM1_BASE};
static const paddr_t guest_bank_size[GUEST_RAM_BANKS] = {GUEST_RAM0_SIZE,
							  GUEST_RAM1_SIZE};

/*
 * The unused tail of guest RAM bank i, capped at the IPA limit. Returns false
 * (with a note) when it is below 64 MiB.
 */
static bool domu_tail(const struct ext_ctx *ctx, unsigned int i, paddr_t used,
		      paddr_t *ps, paddr_t *pe, struct ext_result *out)
{
	paddr_t base = guest_bank_base[i], bank_last = base + guest_bank_size[i] - 1;
	paddr_t start, end, last = ipa_last(ctx);

	start = ALIGN_UP(base + used, EXT_REGION_ALIGN);
	end = MIN(last, bank_last);
	if (bank_last > last && start <= bank_last)
		ext_result_note(out, EXT_NOTE_CAPPED, MAX(last + 1, start),
				bank_last - MAX(last + 1, start) + 1, EXT_K__COUNT, NULL);
	if (used > guest_bank_size[i] || start > end ||
	    end - start + 1 < EXT_REGION_MIN_SIZE) {
		if (start <= end)
			ext_result_note(out, EXT_NOTE_TOO_SMALL, start, end - start + 1,
					EXT_K__COUNT, NULL);
		return false;
	}
	*ps = start;
	*pe = end;
	return true;
}

int ext_find_domu(const struct ext_ctx *ctx, const struct ext_domu_input *in,
		  struct ext_result *out)
{
	struct ext_engine en;
	unsigned int i;
	paddr_t s, e;
	int rc;

	rc = engine_init(&en, ctx, out);
	if (rc)
		return out->status = rc;

	if (en.t->domu == XEN_DOMU_NONE) {
		/* 4.16: Dom0 only; the caller says so. */
		goto err;
	}
	if (en.t->domu == XEN_DOMU_DIRECT ||
	    (en.t->domu == XEN_DOMU_DIRECT_SHM_RANGESET && !in->nr_shm_guest)) {
		/* One region per bank, written directly, size not rounded. */
		for (i = 0; i < GUEST_RAM_BANKS; i++) {
			if (!domu_tail(ctx, i, in->bank_used[i], &s, &e, out))
				continue;
			rc = result_push(out, s, e - s + 1);
			if (rc)
				goto err;
		}
		goto err; /* rc == 0: done */
	}

	for (i = 0; i < GUEST_RAM_BANKS; i++) {
		if (!domu_tail(ctx, i, in->bank_used[i], &s, &e, out))
			continue;
		rc = engine_add(&en, s, e - s + 1);
		if (rc)
			goto err;
	}
	if (en.t->shm_excluded) {
		rc = engine_remove_all(&en, in->shm_guest, in->nr_shm_guest, false);
		if (rc)
			goto err;
	}
	if (en.t->xen_reg_excluded) {
		rc = engine_remove_all(&en, in->xen_reg, in->nr_xen_reg, false);
		if (rc)
			goto err;
	}
	rc = engine_report(&en);
err:
	return finish(&en, rc);
}

/* ----- (c1) libxl: the shared implementation, with notes ----- */

struct libxl_note_ctx {
	struct ext_result *out;
	const struct ext_span *io; /* sorted, parallel to the ranges */
};

static int libxl_event(void *arg, enum libxl_ext_event ev, uint64_t start, uint64_t size,
		       unsigned int k)
{
	struct libxl_note_ctx *nc = arg;

	/* A note that cannot be stored is lost (as before); a region that
	 * cannot be stored fails the search. */
	switch (ev) {
	case LIBXL_EXT_REGION:
		return result_push(nc->out, start, size);
	case LIBXL_EXT_TOO_SMALL:
		ext_result_note(nc->out, EXT_NOTE_TOO_SMALL, start, size, EXT_K__COUNT, NULL);
		break;
	case LIBXL_EXT_LIMIT:
		ext_result_note(nc->out, EXT_NOTE_LIMIT, start, size, EXT_K__COUNT, NULL);
		break;
	case LIBXL_EXT_CAPPED:
		ext_result_note(nc->out, EXT_NOTE_CAPPED, start, size, EXT_K__COUNT, NULL);
		break;
	case LIBXL_EXT_EXCLUDED:
		ext_result_note(nc->out, EXT_NOTE_EXCLUDED, start, size, nc->io[k].kind,
				nc->io[k].label);
		break;
	}
	return 0;
}

int ext_find_libxl(const struct ext_ctx *ctx, const struct ext_libxl_input *in,
		   struct ext_result *out)
{
	const struct xen_policy_traits *t;
	struct ext_span *io = NULL;
	struct libxl_ext_range *ranges = NULL;
	struct libxl_note_ctx nc = {.out = out};
	struct libxl_ext_input li = {0};
	unsigned int i;
	int rc;

	if (!ctx_valid(ctx))
		return out->status = -EINVAL;
	t = xen_policy_traits(ctx->policy);
	li.gpaddr_bits = ctx->ipa_bits;
	li.iomem_excluded = t->libxl_iomem;
	for (i = 0; i < GUEST_RAM_BANKS; i++)
		li.bank_used[i] = in->bank_used[i];
	if (t->libxl_iomem && in->nr_iomem) {
		io = malloc(in->nr_iomem * sizeof(*io));
		ranges = malloc(in->nr_iomem * sizeof(*ranges));
		if (!io || !ranges) {
			rc = -ENOMEM;
			goto err;
		}
		memcpy(io, in->iomem, in->nr_iomem * sizeof(*io));
		qsort(io, in->nr_iomem, sizeof(*io), ext_span_cmp);
		for (i = 0; i < in->nr_iomem; i++)
			ranges[i] = (struct libxl_ext_range){io[i].start, io[i].size};
		li.iomem = ranges;
		li.nr_iomem = in->nr_iomem;
	}
	nc.io = io;
	rc = libxl_ext_find(&li, libxl_event, &nc);
err:
	free(ranges);
	free(io);
	if (rc) {
		out->nr = 0;
		out->status = rc;
	}
	return rc;
}

int ext_check_regions(const struct ext_ctx *ctx, const struct ext_region *r,
		      unsigned int nr)
{
	const struct xen_policy_traits *t = xen_policy_traits(ctx->policy);
	paddr_t last = ipa_last(ctx);
	unsigned int i;

	if (nr > t->region_limit)
		return (int)t->region_limit;
	for (i = 0; i < nr; i++) {
		/* Sizes written directly (DomU before 4.21) are not rounded. */
		if (!IS_ALIGNED(r[i].start, t->region_align) ||
		    (t->domu == XEN_DOMU_RANGESET && !IS_ALIGNED(r[i].size, t->region_align)) ||
		    r[i].size < t->region_min || r[i].start > last ||
		    r[i].size - 1 > last - r[i].start)
			return (int)i;
		if (i && r[i].start < r[i - 1].start + r[i - 1].size)
			return (int)i;
	}
	return -1;
}
