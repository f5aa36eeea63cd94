/*
 * Domain layout planning.
 *
 * Design: a plan is computed in three steps, each in its own function:
 *  1. the hypervisor image and the host memory that is free for Dom0
 *     (host RAM minus reserved banks of every kind, static shared memory,
 *     boot modules and the image);
 *  2. Dom0: RAM banks (given, or placed like Xen's 1:1 allocator: the first
 *     bank is the largest power of two not above dom0_mem, put in the lowest
 *     naturally aligned free block below 4 GiB; the rest goes in the highest
 *     free aligned blocks, below 4 GiB first), grant region at the start of
 *     the Xen image, regions by the host-layout finder for the IOMMU mode;
 *  3. every dom0less domain: guest RAM in GUEST_RAM0 then GUEST_RAM1 (or
 *     the static banks 1:1 when direct-mapped), grant region at
 *     GUEST_GNTTAB_BASE, regions by the DomU or host-layout finder.
 * Feature switches (ext_regions=no, 32-bit, no /hypervisor node) leave a
 * domain with region 0 only and a reason in why_none. Before step 1, a tree
 * the imitated release would not boot (overlapping RAM banks before 4.20,
 * overlapping reserved regions from 4.18, Dom0's kernel in reserved memory
 * from 4.18) ends the plan with no domains and the reason in no_boot.
 *
 * Invariants: every domain of the plan has gpaddr_bits == ipa_bits; its
 * regions satisfy ext_check_regions() for policies without the removal bug; strings in the
 * plan live in the plan's pool or in bootinfo.
 */
#include <errno.h>
#include <libfdt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/guestdt.h>
#include <hv/layout.h>
#include <hv/rangeset.h>

static const char *plan_strdup(struct layout_plan *p, const char *s)
{
	return bootinfo_pool_strdup(&p->pool, s);
}

static void plan_msg(struct layout_plan *p, enum bootinfo_diag_level lvl,
		     const char *path, bool has_addr, paddr_t addr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void plan_msg(struct layout_plan *p, enum bootinfo_diag_level lvl,
		     const char *path, bool has_addr, paddr_t addr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bootinfo_diag_vpush(&p->msg, &p->nr_msg, &p->cap_msg, UINT_MAX, &p->pool, lvl, path,
			    has_addr, addr, fmt, ap);
	va_end(ap);
}

const char *layout_algo_name(enum layout_algo a)
{
	switch (a) {
	case LAYOUT_ALGO_HOST: return "host layout, no IOMMU";
	case LAYOUT_ALGO_IOMMU: return "host layout, IOMMU";
	case LAYOUT_ALGO_DOMU: return "dom0less DomU guest layout";
	default: return "none";
	}
}

unsigned int layout_gpaddr_bits_domctl(const struct layout_plan *p, unsigned int i)
{
	return i < p->nr_dom ? p->dom[i].gpaddr_bits : p->ipa_bits;
}

unsigned int layout_gpaddr_bits_physinfo(const struct layout_plan *p)
{
	return p->ipa_bits;
}

/* ----- step 0: would the release boot this tree at all? ----- */

static bool label_under(const char *label, const char *prefix)
{
	size_t n = strlen(prefix);

	return label && !strncmp(label, prefix, n) && label[n] == '/';
}

static void set_no_boot(struct layout_plan *p, const char *why, const char *msg,
			const char *fallback, const struct ext_span *a,
			const struct ext_span *b)
{
	p->no_boot.why = why;
	p->no_boot.message = plan_strdup(p, msg);
	if (!p->no_boot.message)
		p->no_boot.message = fallback;
	p->no_boot.a = *a;
	p->no_boot.b = *b;
}

/*
 * Releases that find RAM by node name (4.16-4.19) map every RAM bank into
 * their direct map early at boot; banks that overlap make that fail and Xen
 * panics before its console is up (facts 8.10). The usual cause on real
 * boards is a /reserved-memory child named memory@.... bi->ram is sorted by
 * start, so keeping the bank that reaches furthest finds every overlap; the
 * first one is reported.
 */
static bool check_ram_overlap(struct layout_plan *p, const struct bootinfo *bi)
{
	const struct xen_policy_traits *t = xen_policy_traits(p->policy);
	const struct ext_span *far = NULL;
	char msg[sizeof(((struct bootinfo_diag *)0)->msg) * 3];
	unsigned int i;

	if (!t->ram_overlap_no_boot)
		return false;
	for (i = 0; i < bi->ram.n; i++) {
		const struct ext_span *b = &bi->ram.s[i];

		if (far && b->start - far->start < far->size) {
			const struct ext_span *a = far;
			bool resv = label_under(a->label, "/reserved-memory") ||
				    label_under(b->label, "/reserved-memory");

			snprintf(msg, sizeof(msg),
				 "Xen %s would not boot this tree: RAM banks %s [%#" PRIx64
				 ", %#" PRIx64 ") and %s [%#" PRIx64 ", %#" PRIx64 ") "
				 "overlap%s; it panics while building its direct map "
				 "(\"Unable to setup the directmap mappings.\") before its "
				 "console is up, so nothing reaches the serial port",
				 t->name, a->label ? a->label : "?", a->start,
				 a->start + a->size, b->label ? b->label : "?", b->start,
				 b->start + b->size,
				 resv ? " (Xen before 4.20 takes every node named memory@..., "
					"/reserved-memory children too, as RAM)" : "");
			set_no_boot(p, "ram_banks_overlap", msg, "RAM banks overlap", a, b);
			return true;
		}
		if (!far || b->start + b->size - 1 > far->start + far->size - 1)
			far = b;
	}
	return false;
}

static bool spans_overlap(const struct ext_span *a, const struct ext_span *b)
{
	return a->start < b->start + b->size && b->start < a->start + a->size;
}

/* Which reserved banks take part in the boot-time overlap check. */
static bool resv_checked(const struct xen_policy_traits *t, const struct ext_span *r)
{
	return r->kind == EXT_K_RESERVED ||
	       (r->kind == EXT_K_MEMRESERVE && t->memreserve_overlap_no_boot);
}

/*
 * From 4.18 (facts 8b.4) Xen checks every reserved region it parses against
 * those found before it: two that overlap make it log both ranges, report
 * that the reserved-memory node failed to parse and panic ("Early FDT
 * parsing failed") before its console is up. In 4.19 /memreserve/ entries
 * are among them (in reserved_mem; 4.20 lets them overlap). The pair
 * reported is the first one in the order the bank list holds (scan order
 * under the releases with the removal bug, else address order). A boot
 * module inside a reserved region is dropped: when that is Dom0's kernel,
 * Dom0 cannot be built and Xen stops.
 */
static bool check_reserved_overlap(struct layout_plan *p, const struct bootinfo *bi,
				   const struct layout_opts *o)
{
	const struct xen_policy_traits *t = xen_policy_traits(p->policy);
	char msg[sizeof(((struct bootinfo_diag *)0)->msg) * 3];
	unsigned int i, k;

	if (!t->reserved_overlap_no_boot)
		return false;
	for (k = 1; k < bi->reserved.n; k++) {
		const struct ext_span *b = &bi->reserved.s[k];

		if (!resv_checked(t, b))
			continue;
		for (i = 0; i < k; i++) {
			const struct ext_span *a = &bi->reserved.s[i];

			if (!resv_checked(t, a) || !spans_overlap(a, b))
				continue;
			snprintf(msg, sizeof(msg),
				 "Xen %s would not boot this tree: reserved regions %s "
				 "[%#" PRIx64 ", %#" PRIx64 ") and %s [%#" PRIx64 ", %#"
				 PRIx64 ") overlap; Xen logs both ranges, reports that the "
				 "reserved-memory node failed to parse and panics (\"Early "
				 "FDT parsing failed\") before its console is up",
				 t->name, a->label ? a->label : "?", a->start,
				 a->start + a->size, b->label ? b->label : "?", b->start,
				 b->start + b->size);
			set_no_boot(p, "reserved_regions_overlap", msg,
				    "reserved regions overlap", a, b);
			return true;
		}
	}
	if (o->no_dom0)
		return false;
	for (i = 0; i < bi->nr_module; i++) {
		const struct bootinfo_module *m = &bi->module[i];

		if (m->domain >= 0 || m->kind != BOOTMOD_KERNEL)
			continue;
		for (k = 0; k < bi->reserved.n; k++) {
			const struct ext_span *r = &bi->reserved.s[k];

			if (r->kind != EXT_K_RESERVED || !spans_overlap(r, &m->span))
				continue;
			snprintf(msg, sizeof(msg),
				 "Xen %s would not boot Dom0: its kernel module %s [%#"
				 PRIx64 ", %#" PRIx64 ") lies in reserved region %s; Xen "
				 "drops the module, and Dom0 then fails for a missing kernel",
				 t->name, m->span.label ? m->span.label : "?",
				 m->span.start, m->span.start + m->span.size,
				 r->label ? r->label : "?");
			set_no_boot(p, "dom0_kernel_in_reserved", msg,
				    "Dom0 kernel in reserved memory", &m->span, r);
			return true;
		}
	}
	return false;
}

/* Returns true when the imitated release would not boot the tree; the
 * reason Xen's own boot order meets first is reported (the FDT parse comes
 * before the direct map). */
static bool check_boots(struct layout_plan *p, const struct bootinfo *bi,
			const struct layout_opts *o)
{
	return check_reserved_overlap(p, bi, o) || check_ram_overlap(p, bi);
}

/* ----- step 1: free host memory and the Xen image ----- */

static int collect_cb(uint64_t s, uint64_t e, void *ctx)
{
	return bootinfo_spans_push(ctx, s, e - s + 1, EXT_K_RAM, NULL);
}

static int free_ranges(const struct rangeset *rs, struct bootinfo_spans *out)
{
	out->n = 0;
	return rangeset_report_ranges(rs, 0, UINT64_MAX, collect_cb, out);
}

static int remove_span(struct rangeset *rs, paddr_t s, paddr_t size)
{
	if (!size)
		return 0;
	if (size - 1 > UINT64_MAX - s)
		size = UINT64_MAX - s + 1;
	return rangeset_remove_range(rs, s, s + size - 1);
}

/*
 * Free host memory: RAM (or, when xen,static-heap banks exist, only those:
 * Xen's heap is then fed from them alone) minus reserved banks of every
 * other kind, static shared memory and boot modules.
 */
static int build_free(const struct bootinfo *bi, struct rangeset *rs, bool heap_only)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < bi->ram.n && !rc; i++)
		if (!heap_only)
			rc = rangeset_add_range(rs, bi->ram.s[i].start,
						bi->ram.s[i].start + bi->ram.s[i].size - 1);
	for (i = 0; i < bi->reserved.n && !rc; i++) {
		const struct ext_span *r = &bi->reserved.s[i];

		if (heap_only && r->kind == EXT_K_STATIC_HEAP)
			rc = rangeset_add_range(rs, r->start, r->start + r->size - 1);
	}
	for (i = 0; i < bi->reserved.n && !rc; i++)
		if (bi->reserved.s[i].kind != EXT_K_STATIC_HEAP || !heap_only)
			rc = remove_span(rs, bi->reserved.s[i].start, bi->reserved.s[i].size);
	for (i = 0; i < bi->shm_host.n && !rc; i++)
		rc = remove_span(rs, bi->shm_host.s[i].start, bi->shm_host.s[i].size);
	for (i = 0; i < bi->nr_module && !rc; i++)
		rc = remove_span(rs, bi->module[i].span.start, bi->module[i].span.size);
	return rc;
}

static bool has_static_heap(const struct bootinfo *bi)
{
	unsigned int i;

	for (i = 0; i < bi->reserved.n; i++)
		if (bi->reserved.s[i].kind == EXT_K_STATIC_HEAP)
			return true;
	return false;
}

static int place_xen_image(struct layout_plan *p, const struct bootinfo *bi,
			   const struct layout_opts *o, struct rangeset *free_rs)
{
	struct bootinfo_spans fr = {0};
	unsigned int i;
	int rc;

	p->xen_image.kind = EXT_K_XEN_IMAGE;
	p->xen_image.label = "Xen image";
	if (o->xen_image_set) {
		p->xen_image.start = o->xen_image_start;
		p->xen_image.size = o->xen_image_size;
		return remove_span(free_rs, o->xen_image_start, o->xen_image_size);
	}
	/* Default: the first 2 MiB-aligned free spot at least 2 MiB into RAM
	 * (where bootloaders usually put it; QEMU virt gives 0x40200000). */
	rc = free_ranges(free_rs, &fr);
	for (i = 0; !rc && i < fr.n; i++) {
		paddr_t lo = bi->ram.n ? bi->ram.s[0].start + SZ_2M : SZ_2M;
		paddr_t a = ALIGN_UP(MAX(fr.s[i].start, lo), SZ_2M);
		paddr_t end = fr.s[i].start + fr.s[i].size;

		if (a >= fr.s[i].start && a < end &&
		    end - a >= LAYOUT_DEFAULT_XEN_IMAGE_SIZE) {
			p->xen_image.start = a;
			p->xen_image.size = LAYOUT_DEFAULT_XEN_IMAGE_SIZE;
			break;
		}
	}
	bootinfo_spans_free(&fr);
	if (rc)
		return rc;
	if (!p->xen_image.size) {
		plan_msg(p, BOOTINFO_ERR, NULL, false, 0,
			 "no free RAM for the Xen image: give --xen-image");
		return 0;
	}
	plan_msg(p, BOOTINFO_WARN, NULL, true, p->xen_image.start,
		 "Xen image assumed at %#" PRIx64 " (2 MiB): give --xen-image for the real place",
		 p->xen_image.start);
	return remove_span(free_rs, p->xen_image.start, p->xen_image.size);
}

/* ----- step 2: Dom0 ----- */

/* Lowest (or highest) naturally aligned free block of `blk` bytes whose end
 * is at most `limit`; 0 when found. */
static int find_block(const struct bootinfo_spans *fr, paddr_t blk, paddr_t limit,
		      bool highest, paddr_t *out)
{
	bool found = false;
	unsigned int i;

	for (i = 0; i < fr->n; i++) {
		paddr_t s = fr->s[i].start, last = s + fr->s[i].size - 1, a;

		if (last > limit - 1)
			last = limit - 1;
		if (s > last || last - s + 1 < blk)
			continue;
		if (highest) {
			a = ALIGN_DOWN(last - blk + 1, blk);
			if (a < s)
				continue;
			*out = a;
			found = true;
		} else {
			a = ALIGN_UP(s, blk);
			if (a < s || a > last || last - a + 1 < blk)
				continue;
			*out = a;
			return 0;
		}
	}
	return found ? 0 : -ENOENT;
}

static paddr_t pow2_floor(paddr_t v)
{
	paddr_t r = 1;

	while (r <= v / 2)
		r *= 2;
	return r;
}

/* Picks one block for Dom0 into *a / *blk; -ENOSPC when nothing fits. */
static int pick_block(const struct bootinfo_spans *fr, paddr_t left, bool first,
		      paddr_t *a, paddr_t *blk)
{
	const paddr_t low4g = GiB(4);
	paddr_t b, floor = MIN(pow2_floor(left), MiB(128));

	if (first) {
		/* Bank 0: as low as possible, below 4 GiB unless not even a
		 * 128 MiB (or dom0_mem, if smaller) block is free there. */
		for (b = pow2_floor(left); b >= floor && b >= SZ_2M; b /= 2)
			if (!find_block(fr, b, low4g, false, a))
				goto found;
		for (b = pow2_floor(left); b >= SZ_2M; b /= 2)
			if (!find_block(fr, b, UINT64_MAX, false, a))
				goto found;
		return -ENOSPC;
	}
	for (b = pow2_floor(left); b >= SZ_2M; b /= 2)
		if (!find_block(fr, b, low4g, true, a) ||
		    !find_block(fr, b, UINT64_MAX, true, a))
			goto found;
	return -ENOSPC;
found:
	*blk = b;
	return 0;
}

static int place_dom0(struct layout_plan *p, struct rangeset *free_rs,
		      paddr_t size, struct layout_domain *d)
{
	struct bootinfo_spans fr = {0};
	paddr_t left = ALIGN_UP(size, SZ_2M), blk = 0, a = 0;
	unsigned int i, k;
	int rc = 0;

	while (left && !rc) {
		rc = free_ranges(free_rs, &fr);
		if (!rc)
			rc = pick_block(&fr, left, d->host_mem.n == 0, &a, &blk);
		if (!rc)
			rc = bootinfo_spans_push(&d->host_mem, a, blk, EXT_K_DOM_RAM, "dom0");
		if (!rc)
			rc = rangeset_remove_range(free_rs, a, a + blk - 1);
		if (!rc)
			left -= blk;
	}
	bootinfo_spans_free(&fr);
	if (rc == -ENOSPC) {
		plan_msg(p, BOOTINFO_ERR, NULL, false, 0,
			 "not enough free host RAM for Dom0 (%#" PRIx64 " bytes)", size);
		d->invalid = true;
		return 0;
	}
	if (rc)
		return rc;

	/* Sort and merge touching blocks into banks. */
	if (d->host_mem.n > 1)
		if (d->host_mem.n > 1)
			qsort(d->host_mem.s, d->host_mem.n, sizeof(d->host_mem.s[0]), ext_span_cmp);
	for (i = 1, k = 0; i < d->host_mem.n; i++) {
		struct ext_span *prev = &d->host_mem.s[k];

		if (prev->start + prev->size == d->host_mem.s[i].start)
			prev->size += d->host_mem.s[i].size;
		else
			d->host_mem.s[++k] = d->host_mem.s[i];
	}
	if (d->host_mem.n)
		d->host_mem.n = k + 1;
	return 0;
}

static bool span_inside(const struct bootinfo_spans *sp, paddr_t s, paddr_t size)
{
	unsigned int i;

	for (i = 0; i < sp->n; i++)
		if (s >= sp->s[i].start && s - sp->s[i].start < sp->s[i].size &&
		    size <= sp->s[i].size - (s - sp->s[i].start))
			return true;
	return false;
}

static void check_dom0_banks(struct layout_plan *p, const struct bootinfo *bi,
			     const struct layout_domain *d)
{
	unsigned int i, k;

	for (i = 0; i < d->host_mem.n; i++) {
		const struct ext_span *b = &d->host_mem.s[i];

		if (!span_inside(&bi->ram, b->start, b->size))
			plan_msg(p, BOOTINFO_ERR, "dom0", true, b->start,
				 "Dom0 bank of size %#" PRIx64 " is not inside host RAM",
				 b->size);
		for (k = 0; k < bi->reserved.n; k++) {
			const struct ext_span *r = &bi->reserved.s[k];

			if (b->start < r->start + r->size && r->start < b->start + b->size)
				plan_msg(p, BOOTINFO_ERR, r->label, true, r->start,
					 "Dom0 bank at %#" PRIx64 " overlaps %s",
					 b->start, ext_kind_name(r->kind));
		}
		if (b->start < p->xen_image.start + p->xen_image.size &&
		    p->xen_image.start < b->start + b->size)
			plan_msg(p, BOOTINFO_ERR, "dom0", true, b->start,
				 "Dom0 bank overlaps the Xen image at %#" PRIx64,
				 p->xen_image.start);
	}
}

static void warn_truncation(struct layout_plan *p, struct layout_domain *d)
{
	unsigned int i;
	paddr_t bad = 0;
	bool any = false;

	if (d->addr_cells == 2 && d->size_cells == 2)
		return;
#define CHECK(v, cells)                                                        \
	do {                                                                   \
		if ((cells) == 1 && ((v) >> 32) && !any) {                     \
			any = true;                                            \
			bad = (v);                                             \
		}                                                              \
	} while (0)
	CHECK(d->gnttab.start, d->addr_cells);
	CHECK(d->gnttab.size, d->size_cells);
	for (i = 0; i < d->ext.nr; i++) {
		CHECK(d->ext.region[i].start, d->addr_cells);
		CHECK(d->ext.region[i].size, d->size_cells);
	}
#undef CHECK
	if (any)
		plan_msg(p, BOOTINFO_WARN, "/", true, bad,
			 "%s: /hypervisor reg uses the host root's %u/%u cells: "
			 "value %#" PRIx64 " loses its high bits (Xen truncates "
			 "silently)", d->name, d->addr_cells, d->size_cells, bad);
}

static bool feature_off(const struct bootinfo *bi, struct layout_domain *d)
{
	if (!bi->args.ext_regions) {
		d->why_none = "ext_regions=no on the Xen command line";
		return true;
	}
	if (d->is_32bit) {
		d->why_none = "extended regions not supported for 32-bit guests";
		return true;
	}
	return false;
}

static int find_host_layout(const struct layout_plan *p, const struct bootinfo *bi,
			    struct layout_domain *d, const struct bootinfo_spans *xen_reg,
			    const struct bootinfo_spans *shm_guest)
{
	struct ext_ctx ctx = {.policy = p->policy, .ipa_bits = p->ipa_bits};
	struct ext_span gnt = {
		.start = d->gnttab.start, .size = d->gnttab.size,
		.kind = EXT_K_GNTTAB, .label = "grant table",
	};

	if (d->iommu) {
		struct ext_iommu_input in = {
			.regs = bi->dev_regs.s, .nr_regs = bi->dev_regs.n,
			.pci = NULL, .nr_pci = 0, /* already in dev_regs */
			.shm_guest = shm_guest ? shm_guest->s : NULL,
			.nr_shm_guest = shm_guest ? shm_guest->n : 0,
			.xen_reg = xen_reg ? xen_reg->s : NULL,
			.nr_xen_reg = xen_reg ? xen_reg->n : 0,
			.untranslatable = bi->untranslatable,
			.untranslatable_addr = bi->untranslatable_addr,
		};

		d->algo = LAYOUT_ALGO_IOMMU;
		return ext_find_iommu(&ctx, &in, &d->ext);
	} else {
		struct ext_host_input in = {
			.host_ram = bi->ram.s, .nr_host_ram = bi->ram.n,
			.dom_ram = d->host_mem.s, .nr_dom_ram = d->host_mem.n,
			.reserved = bi->reserved.s, .nr_reserved = bi->reserved.n,
			.gnttab = gnt,
			.shm_host = bi->shm_host.s, .nr_shm_host = bi->shm_host.n,
			.xen_reg = xen_reg ? xen_reg->s : NULL,
			.nr_xen_reg = xen_reg ? xen_reg->n : 0,
		};

		d->algo = LAYOUT_ALGO_HOST;
		return ext_find_host(&ctx, &in, &d->ext);
	}
}

static bool iommu_on(const struct bootinfo *bi, const struct layout_opts *o)
{
	if (o->iommu >= 0)
		return o->iommu;
	if (bi->args.iommu == 0)
		return false;
	return bi->iommu_present;
}

static int plan_dom0(struct layout_plan *p, const struct bootinfo *bi,
		     const struct layout_opts *o, struct rangeset *free_rs,
		     struct layout_domain *d)
{
	paddr_t size;
	unsigned int i, frames, text_pages;
	char how[200];
	int rc;

	d->name = "dom0";
	d->path = "";
	d->bootinfo_index = -1;
	d->is_dom0 = true;
	d->direct_map = true;
	d->hypervisor_node = true;
	d->addr_cells = bi->root_addr_cells;
	d->size_cells = bi->root_size_cells;
	d->iommu = iommu_on(bi, o);

	if (o->nr_dom0_banks) {
		for (i = 0; i < o->nr_dom0_banks; i++) {
			rc = bootinfo_spans_push(&d->host_mem, o->dom0_banks[i].start,
						 o->dom0_banks[i].size, EXT_K_DOM_RAM,
						 "dom0");
			if (rc)
				return rc;
		}
		if (d->host_mem.n > 1)
		if (d->host_mem.n > 1)
			qsort(d->host_mem.s, d->host_mem.n, sizeof(d->host_mem.s[0]), ext_span_cmp);
		check_dom0_banks(p, bi, d);
		d->placement = "given with --dom0-banks";
	} else {
		size = o->dom0_mem_set ? o->dom0_mem
		       : bi->args.dom0_mem_set ? bi->args.dom0_mem
					       : LAYOUT_DEFAULT_DOM0_MEM;
		rc = place_dom0(p, free_rs, size, d);
		if (rc)
			return rc;
		snprintf(how, sizeof(how),
			 "placed by memvisor for dom0_mem=%#" PRIx64 "%s: first bank in "
			 "the lowest naturally aligned free block below 4 GiB, the "
			 "rest in the highest free blocks (Xen's 1:1 allocator)",
			 size, (o->dom0_mem_set || bi->args.dom0_mem_set) ? "" : " (default)");
		d->placement = plan_strdup(p, how);
	}
	for (i = 0; i < d->host_mem.n; i++) {
		rc = bootinfo_spans_push(&d->mem, d->host_mem.s[i].start,
					 d->host_mem.s[i].size, EXT_K_DOM_RAM, "dom0");
		if (rc)
			return rc;
	}

	/* Region 0 overlays the start of Xen's text. */
	frames = bi->args.gnttab_max_frames;
	text_pages = (unsigned int)MIN(p->xen_image.size >> PAGE_SHIFT, (paddr_t)UINT32_MAX);
	d->gnttab.start = p->xen_image.start;
	d->gnttab.size = (paddr_t)MIN(frames, text_pages) << PAGE_SHIFT;

	if (d->invalid) {
		d->why_none = "Dom0 could not be placed";
		return 0;
	}
	if (feature_off(bi, d))
		return 0;
	rc = find_host_layout(p, bi, d, NULL, NULL);
	if (rc == -ENOMEM)
		return rc;
	warn_truncation(p, d);
	return 0;
}

/* ----- step 3: dom0less domains ----- */

static int plan_domu(struct layout_plan *p, const struct bootinfo *bi,
		     const struct layout_opts *o, unsigned int idx,
		     struct layout_domain *d)
{
	const struct bootinfo_domain *bd = &bi->domain[idx];
	struct ext_ctx ctx = {.policy = p->policy, .ipa_bits = p->ipa_bits};
	paddr_t total, used[GUEST_RAM_BANKS] = {0, 0};
	unsigned int i;
	int rc;

	d->name = bd->name;
	d->path = bd->path;
	d->bootinfo_index = (int)idx;
	d->direct_map = bd->direct_map;
	d->static_mem = bd->static_mem;
	d->is_32bit = bd->is_32bit;
	d->hypervisor_node = bd->hypervisor_node;
	d->addr_cells = 2;
	d->size_cells = 2;
	d->iommu = iommu_on(bi, o) && (bd->passthrough || bd->xen_reg.n);
	d->invalid = bd->invalid;
	if (d->hypervisor_node) {
		d->gnttab.start = GUEST_GNTTAB_BASE;
		d->gnttab.size = GUEST_GNTTAB_SIZE;
	}

	for (i = 0; i < bd->static_banks.n; i++) {
		rc = bootinfo_spans_push(&d->host_mem, bd->static_banks.s[i].start,
					 bd->static_banks.s[i].size,
					 EXT_K_STATIC_DOMAIN, bd->path);
		if (rc)
			return rc;
	}

	if (bd->direct_map) {
		for (i = 0; i < d->host_mem.n; i++) {
			rc = bootinfo_spans_push(&d->mem, d->host_mem.s[i].start,
						 d->host_mem.s[i].size, EXT_K_DOM_RAM,
						 bd->path);
			if (rc)
				return rc;
		}
	} else {
		total = bd->memory_kb * 1024;
		used[0] = MIN(total, GUEST_RAM0_SIZE);
		used[1] = total - used[0];
		if (used[1] > GUEST_RAM1_SIZE) {
			plan_msg(p, BOOTINFO_ERR, bd->path, false, 0,
				 "%#" PRIx64 " bytes of RAM do not fit the guest RAM banks",
				 total);
			d->invalid = true;
			used[1] = GUEST_RAM1_SIZE;
		}
		if (used[0] &&
		    (rc = bootinfo_spans_push(&d->mem, GUEST_RAM0_BASE, used[0],
					      EXT_K_DOM_RAM, bd->path)))
			return rc;
		if (used[1] &&
		    (rc = bootinfo_spans_push(&d->mem, GUEST_RAM1_BASE, used[1],
					      EXT_K_DOM_RAM, bd->path)))
			return rc;
	}

	if (d->invalid) {
		d->why_none = "the domain node has errors";
		return 0;
	}
	if (!d->hypervisor_node) {
		d->why_none = "no /hypervisor node: xen,enhanced is not set";
		return 0;
	}
	if (feature_off(bi, d))
		return 0;
	if (xen_policy_traits(p->policy)->domu == XEN_DOMU_NONE) {
		d->why_none = "this release computes extended regions for Dom0 only "
			      "(DomUs from 4.17, 2a2447757b)";
		return 0;
	}

	if (bd->direct_map) {
		rc = find_host_layout(p, bi, d, &bd->xen_reg, &bd->shm_guest);
	} else {
		struct ext_domu_input in = {
			.bank_used = {used[0], used[1]},
			.shm_guest = bd->shm_guest.s, .nr_shm_guest = bd->shm_guest.n,
			.xen_reg = bd->xen_reg.s, .nr_xen_reg = bd->xen_reg.n,
		};

		d->algo = LAYOUT_ALGO_DOMU;
		rc = ext_find_domu(&ctx, &in, &d->ext);
	}
	return rc == -ENOMEM ? rc : 0;
}

int layout_plan(const struct bootinfo *bi, const struct layout_opts *o,
		struct layout_plan *p)
{
	const struct xen_policy_traits *t;
	struct rangeset *free_rs = NULL;
	unsigned int i, n;
	int rc;

	memset(p, 0, sizeof(*p));
	p->policy = o->policy;
	p->ipa_bits = o->ipa_bits ? o->ipa_bits : LAYOUT_DEFAULT_IPA_BITS;
	t = xen_policy_traits(o->policy);
	p->xen_major = t->major;
	p->xen_minor = t->minor;
	if (p->ipa_bits < 32 || p->ipa_bits > 52) {
		plan_msg(p, BOOTINFO_ERR, NULL, false, 0,
			 "IPA width %u is outside 32..52", p->ipa_bits);
		return -EINVAL;
	}
	if (t->removal_bug)
		plan_msg(p, BOOTINFO_WARN, NULL, false, 0,
			 "Xen %s (%s) has the range-removal bug (fixed in 4.19.3, "
			 "4.20.1): its regions may cover memory in use", t->name, t->models);
	if (t->short_2m)
		plan_msg(p, BOOTINFO_WARN, NULL, false, 0,
			 "Xen %s sizes regions 2 MiB short of a free range that ends on "
			 "a 2 MiB boundary (4.18-4.20; fixed in 4.21)", t->name);

	/* Xen stops before any domain exists. */
	if (check_boots(p, bi, o))
		return 0;

	n = (o->no_dom0 ? 0 : 1) + bi->nr_domain;
	p->dom = calloc(n ? n : 1, sizeof(*p->dom));
	if (!p->dom)
		return -ENOMEM;

	/* The image goes in free RAM; Dom0 then comes from Xen's heap. */
	free_rs = rangeset_new();
	if (!free_rs)
		return -ENOMEM;
	rc = build_free(bi, free_rs, false);
	if (!rc)
		rc = place_xen_image(p, bi, o, free_rs);
	if (!rc && has_static_heap(bi)) {
		rangeset_free(free_rs);
		free_rs = rangeset_new();
		if (!free_rs)
			return -ENOMEM;
		rc = build_free(bi, free_rs, true);
		if (!rc)
			rc = remove_span(free_rs, p->xen_image.start, p->xen_image.size);
	}
	/* Dom0less domains' static RAM is not free for Dom0 either (already
	 * in reserved); their heap RAM is allocated after Dom0. */
	if (!rc && !o->no_dom0) {
		rc = plan_dom0(p, bi, o, free_rs, &p->dom[p->nr_dom]);
		p->nr_dom++;
	}
	for (i = 0; !rc && i < bi->nr_domain; i++) {
		rc = plan_domu(p, bi, o, i, &p->dom[p->nr_dom]);
		p->nr_dom++;
	}
	for (i = 0; i < p->nr_dom; i++)
		p->dom[i].gpaddr_bits = p->ipa_bits;
	rangeset_free(free_rs);
	return rc;
}

void layout_free(struct layout_plan *p)
{
	unsigned int i;

	for (i = 0; i < p->nr_dom; i++) {
		bootinfo_spans_free(&p->dom[i].mem);
		bootinfo_spans_free(&p->dom[i].host_mem);
		ext_result_free(&p->dom[i].ext);
	}
	free(p->dom);
	free(p->msg);
	bootinfo_pool_free(&p->pool);
	memset(p, 0, sizeof(*p));
}

/* A NUL-terminated string property, or NULL. */
static const char *dt_string_prop(const void *fdt, int node, const char *name)
{
	int len;
	const char *v = fdt_getprop(fdt, node, name, &len);

	if (!v || len <= 0 || v[len - 1] != '\0')
		return NULL;
	return v;
}

void layout_guestdt_info(const struct layout_plan *p, const struct bootinfo *bi,
			 unsigned int i, struct guestdt_info *gi)
{
	const struct layout_domain *d = &p->dom[i];

	memset(gi, 0, sizeof(*gi));
	gi->xen_major = p->xen_major;
	gi->xen_minor = p->xen_minor;
	gi->addr_cells = d->addr_cells;
	gi->size_cells = d->size_cells;
	gi->mem = d->mem.s;
	gi->nr_mem = d->mem.n;
	gi->hypervisor_node = d->hypervisor_node;
	gi->gnttab = d->gnttab;
	gi->regions = d->ext.region;
	gi->nr_regions = d->ext.nr;
	if (d->is_dom0) {
		int chosen = fdt_path_offset(bi->fdt, "/chosen");

		/* Xen gives Dom0 /chosen xen,dom0-bootargs. */
		gi->bootargs = chosen >= 0 ? dt_string_prop(bi->fdt, chosen, "xen,dom0-bootargs") : NULL;
	} else if (d->bootinfo_index >= 0) {
		const struct bootinfo_domain *bd = &bi->domain[d->bootinfo_index];

		/* A dom0less domain's own `bootargs` property, as in Xen. */
		gi->bootargs = dt_string_prop(bi->fdt, bd->node, "bootargs");
		gi->props = bd->props;
		gi->nr_props = bd->nr_props;
	}
}
