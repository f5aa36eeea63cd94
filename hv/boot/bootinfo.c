/*
 * Host device tree -> struct bootinfo: the system-DT binding.
 *
 * Its neighbours do the other jobs: fdt_cells.c reads cells and properties,
 * bootinfo_check.c checks the result (overlaps, dom0less domain rules),
 * cmdline.c parses the command line found in /chosen.
 *
 * Design: the blob is checked with fdt_check_full() before anything else,
 * then copied, so every later libfdt call works on a structurally valid tree
 * we own. One pass over all nodes (fdt_next_node with an explicit parent
 * stack) classifies each node; a node can contribute to several lists (a
 * memory node is RAM and also a `reg` for the IOMMU path).
 *
 * Robustness rules, because fuzzers feed this file:
 *  - every property length is checked against the cell counts before it is
 *    read; a short or odd property is a diagnostic, never a read past it;
 *  - cell counts above 4 are rejected for that node (64-bit values are read
 *    from the low two cells; higher cells must be zero or we warn);
 *  - depth is bounded (BOOTINFO_MAX_DEPTH); deeper subtrees are skipped;
 *  - arithmetic on start + size is checked for wrap-around.
 *
 * Invariants after a successful parse: ram is sorted by start; reserved is
 * too, except under a policy with reserved_tree_order (4.17), where it keeps
 * the order of the scan: /memreserve/ entries, then /reserved-memory
 * descendants and xen,static-heap banks in tree order, then the static banks
 * of dom0less domains;
 * every span has size > 0 and start + size does not wrap; every string and
 * label points into bi's pool or bi's blob copy.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <common/fdt_tags.h>

#include <hv/bootinfo.h>
#include <hv/cmdline.h>
#include <hv/diag.h>
#include <hv/vec.h>
#include <public/xen.h>

#include "bootinfo_priv.h"
#include "fdt_cells.h"

/* ----- small helpers ----- */

const char *bootinfo_pool_strdup(struct bootinfo_strpool *pool, const char *s)
{
	char *c;

	if (VEC_RESERVE(pool->str, pool->cap, pool->nr + 1, 64))
		return NULL;
	c = strdup(s);
	if (!c)
		return NULL;
	pool->str[pool->nr++] = c;
	return c;
}

void bootinfo_pool_free(struct bootinfo_strpool *pool)
{
	for (unsigned int i = 0; i < pool->nr; i++)
		free(pool->str[i]);
	free(pool->str);
	memset(pool, 0, sizeof(*pool));
}

const char *bootinfo_strdup(struct bootinfo *bi, const char *s)
{
	return bootinfo_pool_strdup(&bi->pool, s);
}

struct bootinfo_diag *bootinfo_diag_vpush(struct bootinfo_diag **diag, unsigned int *nr,
					  unsigned int *cap, unsigned int max,
					  struct bootinfo_strpool *pool,
					  enum bootinfo_diag_level lvl, const char *path,
					  bool has_addr, paddr_t addr, const char *fmt, va_list ap)
{
	struct bootinfo_diag *d;

	if (*nr >= max || VEC_RESERVE(*diag, *cap, *nr + 1, 16))
		return NULL;
	d = &(*diag)[(*nr)++];
	d->level = lvl;
	d->path = path ? bootinfo_pool_strdup(pool, path) : NULL;
	if (path && !d->path)
		d->path = "?";
	d->has_addr = has_addr;
	d->addr = addr;
	diag_vfmt(d->msg, sizeof(d->msg), fmt, ap);
	return d;
}

/* A hostile tree must not exhaust memory via warnings. */
#define BOOTINFO_MAX_DIAG 4096

void bootinfo_diag(struct bootinfo *bi, enum bootinfo_diag_level lvl,
		   const char *path, bool has_addr, paddr_t addr, const char *fmt, ...)
{
	struct bootinfo_diag *d;
	va_list ap;

	va_start(ap, fmt);
	d = bootinfo_diag_vpush(&bi->diag, &bi->nr_diag, &bi->cap_diag, BOOTINFO_MAX_DIAG,
				&bi->pool, lvl, path, has_addr, addr, fmt, ap);
	va_end(ap);
	if (d && lvl == BOOTINFO_ERR)
		bi->nr_err++;
}

int bootinfo_spans_push(struct bootinfo_spans *sp, paddr_t start, paddr_t size,
			enum ext_kind kind, const char *label)
{
	if (VEC_RESERVE(sp->s, sp->cap, sp->n + 1, 16))
		return -ENOMEM;
	sp->s[sp->n++] = (struct ext_span){
		.start = start, .size = size, .kind = kind, .label = label,
	};
	return 0;
}

void bootinfo_spans_free(struct bootinfo_spans *sp)
{
	free(sp->s);
	memset(sp, 0, sizeof(*sp));
}

const char *bootinfo_module_kind_name(enum bootinfo_module_kind k)
{
	switch (k) {
	case BOOTMOD_KERNEL: return "kernel";
	case BOOTMOD_RAMDISK: return "ramdisk";
	case BOOTMOD_DTB: return "device-tree";
	case BOOTMOD_XSM: return "xsm-policy";
	default: return "unknown";
	}
}

/* ----- the walk ----- */

struct walk {
	struct bootinfo *bi;
	const struct xen_policy_traits *t;
	int stack[BOOTINFO_MAX_DEPTH + 1]; /* stack[d] = node at depth d */
	int reserved_root;                 /* offset of /reserved-memory or -1 */
	int chosen;                        /* offset of /chosen or -1 */
	bool ram_scan_stopped;             /* 4.17: memory node without reg */
	int cur;                           /* node whose path is in cur_path */
	size_t plen[BOOTINFO_MAX_DEPTH + 1]; /* path length at each depth */
	char cur_path[1024];
	char path[1024];
};

/* Path of the node being visited, built incrementally (fdt_get_path would
 * rescan the tree from the root for every node). */
static void set_cur_path(struct walk *w, int node, int depth)
{
	const char *name = fdt_get_name(w->bi->fdt, node, NULL);
	size_t base = depth > 0 ? w->plen[depth - 1] : 0;
	int n;

	w->cur = node;
	if (depth == 0) {
		strcpy(w->cur_path, "/");
		w->plen[0] = 0; /* children append "/name" to an empty prefix */
		return;
	}
	n = snprintf(w->cur_path + base, sizeof(w->cur_path) - base, "/%s",
		     name ? name : "?");
	if (n < 0 || (size_t)n >= sizeof(w->cur_path) - base) {
		w->cur_path[sizeof(w->cur_path) - 1] = '\0';
		w->plen[depth] = strlen(w->cur_path);
		return;
	}
	w->plen[depth] = base + (size_t)n;
}

static const char *node_path(struct walk *w, int node)
{
	if (node == w->cur)
		return w->cur_path;
	if (fdt_get_path(w->bi->fdt, node, w->path, sizeof(w->path)) < 0)
		snprintf(w->path, sizeof(w->path), "<node@%d>", node);
	return w->path;
}

static const char *pool_path(struct walk *w, int node)
{
	const char *p = bootinfo_strdup(w->bi, node_path(w, node));

	return p ? p : "?";
}

/*
 * Cell counts for the children of `bus`, looked up through the ancestors as
 * Xen's IOMMU path does (defaults 2/1 at the root). depth = depth of bus.
 */
static void inherited_cells(struct walk *w, int depth, int *ac, int *sc)
{
	int d;

	*ac = -1;
	*sc = -1;
	for (d = depth; d >= 0 && (*ac < 0 || *sc < 0); d--) {
		if (*ac == -1)
			*ac = fdtc_own_cells(w->bi->fdt, w->stack[d], "#address-cells");
		if (*sc == -1)
			*sc = fdtc_own_cells(w->bi->fdt, w->stack[d], "#size-cells");
	}
	if (*ac == -1)
		*ac = FDTC_DEF_ADDR_CELLS;
	if (*sc == -1)
		*sc = FDTC_DEF_SIZE_CELLS;
}

/*
 * Translates a child address of the bus at depth `d` up to a CPU address.
 * Returns false when some bus on the way has no `ranges` or no window
 * contains the address.
 */
static bool translate(struct walk *w, int d, uint64_t *addr)
{
	const void *fdt = w->bi->fdt;

	for (; d > 0; d--) {
		int bus = w->stack[d], len, cac, csc, pac, psc, ent, i;
		const fdt32_t *r = fdt_getprop(fdt, bus, "ranges", &len);

		if (!r)
			return false;
		if (len == 0)
			continue; /* identity mapping */
		inherited_cells(w, d, &cac, &csc);
		inherited_cells(w, d - 1, &pac, &psc);
		if (cac < 1 || pac < 1 || csc < 0)
			return false;
		ent = (cac + pac + csc) * 4;
		for (i = 0; i + ent <= len; i += ent) {
			const fdt32_t *c = (const fdt32_t *)((const char *)r + i);
			bool lost = false;
			uint64_t ca = fdtc_read_cells(c, (unsigned int)cac, &lost);
			uint64_t pa = fdtc_read_cells(c + cac, (unsigned int)pac, &lost);
			uint64_t sz = fdtc_read_cells(c + cac + pac, (unsigned int)csc, &lost);

			if (cac == 3)
				ca = fdtc_read_cells(c + 1, 2, &lost); /* PCI: skip phys.hi */
			if (*addr >= ca && *addr - ca < sz) {
				*addr = pa + (*addr - ca);
				break;
			}
		}
		if (i + ent > len)
			return false;
	}
	return true;
}

/*
 * Reads the (addr, size) pairs of node's property prop (reg, len) into sp.
 * RAM (kind EXT_K_RAM) is the one kind bounded by a bank count, as Xen's
 * NR_MEM_BANKS bounds it, and its messages speak of RAM banks.
 */
static int read_pairs(struct walk *w, int node, const fdt32_t *reg, int len, const char *prop,
		      int ac, int sc, struct bootinfo_spans *sp, enum ext_kind kind,
		      bool check_page)
{
	struct bootinfo *bi = w->bi;
	bool ram = kind == EXT_K_RAM;
	const char *label = pool_path(w, node);
	unsigned int limit = MIN(BOOTINFO_MAX_RAM_BANKS, w->t->region_limit);
	int i, n;

	if (ac < 1 || sc < 1 || len % ((ac + sc) * 4)) {
		bootinfo_diag(bi, BOOTINFO_ERR, label, false, 0,
			      "bad %s: %d bytes for %d address and %d size cells",
			      prop, len, ac, sc);
		return 0;
	}
	n = len / ((ac + sc) * 4);
	for (i = 0; i < n; i++) {
		bool lost = false;
		const fdt32_t *c = reg + i * (ac + sc);
		uint64_t a = fdtc_read_cells(c, (unsigned int)ac, &lost);
		uint64_t s = fdtc_read_cells(c + ac, (unsigned int)sc, &lost);

		if (!s)
			continue;
		if (s - 1 > UINT64_MAX - a) {
			if (ram)
				bootinfo_diag(bi, BOOTINFO_ERR, label, true, a,
					      "RAM bank wraps around the address space");
			else
				bootinfo_diag(bi, BOOTINFO_ERR, label, true, a,
					      "%s entry wraps around the address space", prop);
			continue;
		}
		/* NR_MEM_BANKS bounds RAM banks as it bounds regions: 128 in
		 * 4.16, 256 later (facts 1.1, 8.1). */
		if (ram && sp->n >= limit) {
			bootinfo_diag(bi, BOOTINFO_WARN, label, true, a,
				      "more than %u RAM banks: rest ignored", limit);
			return 0;
		}
		if (check_page && (!IS_ALIGNED(a, PAGE_SIZE) || !IS_ALIGNED(s, PAGE_SIZE)))
			bootinfo_diag(bi, BOOTINFO_ERR, label, true, a,
				      "%s bank not page aligned (size %#" PRIx64 ")",
				      prop, s);
		if (bootinfo_spans_push(sp, a, s, kind, label))
			return -ENOMEM;
	}
	return 0;
}

static int add_ram(struct walk *w, int node, int ac, int sc)
{
	struct bootinfo *bi = w->bi;
	const fdt32_t *reg;
	int len;

	reg = fdt_getprop(bi->fdt, node, "reg", &len);
	if (!reg) {
		if (w->t->memory_by_name_any_depth) {
			bootinfo_diag(bi, BOOTINFO_WARN, node_path(w, node), false, 0,
				      "memory node without reg: Xen 4.17 stops scanning RAM here");
			w->ram_scan_stopped = true;
		} else {
			bootinfo_diag(bi, BOOTINFO_WARN, node_path(w, node), false, 0,
				      "memory node without reg ignored");
		}
		return 0;
	}
	return read_pairs(w, node, reg, len, "reg", ac, sc, &bi->ram, EXT_K_RAM, false);
}

/* Reads `prop` of node as (addr, size) pairs into sp. */
static int add_pairs(struct walk *w, int node, const char *prop, int ac, int sc,
		     struct bootinfo_spans *sp, enum ext_kind kind, bool check_page)
{
	const fdt32_t *reg;
	int len;

	reg = fdt_getprop(w->bi->fdt, node, prop, &len);
	if (!reg)
		return 0;
	return read_pairs(w, node, reg, len, prop, ac, sc, sp, kind, check_page);
}

/* Every `reg` of every node, translated, for the IOMMU path. */
static int add_dev_regs(struct walk *w, int node, int depth)
{
	struct bootinfo *bi = w->bi;
	const void *fdt = bi->fdt;
	const fdt32_t *reg;
	const char *label = NULL;
	int len, ac, sc, i, n, parent;

	if (depth < 1)
		return 0;
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg)
		return 0;
	parent = w->stack[depth - 1];
	/* Only nodes on a memory-mapped bus: parent is the root or has ranges. */
	if (depth > 1 && !fdt_getprop(fdt, parent, "ranges", NULL))
		return 0;
	if (fdtc_is_pci(fdt, parent))
		return 0; /* described by assigned-addresses */
	inherited_cells(w, depth - 1, &ac, &sc);
	if (sc == 0)
		return 0;
	if (ac < 1 || sc < 1 || len % ((ac + sc) * 4)) {
		bootinfo_diag(bi, BOOTINFO_WARN, node_path(w, node), false, 0,
			      "reg of %d bytes does not match %d address and %d size cells",
			      len, ac, sc);
		return 0;
	}
	n = len / ((ac + sc) * 4);
	for (i = 0; i < n; i++) {
		bool lost = false;
		const fdt32_t *c = reg + i * (ac + sc);
		uint64_t a = fdtc_read_cells(c, (unsigned int)ac, &lost);
		uint64_t s = fdtc_read_cells(c + ac, (unsigned int)sc, &lost);
		uint64_t orig = a;

		if (!label)
			label = pool_path(w, node);
		if (!translate(w, depth - 1, &a)) {
			bi->nr_untranslatable++;
			if (!bi->untranslatable) {
				bi->untranslatable = label;
				bi->untranslatable_addr = orig;
			}
			bootinfo_diag(bi, BOOTINFO_WARN, label, true, orig,
				      "reg %d cannot be translated to a CPU address "
				      "(outside the parent bus ranges)", i);
			continue;
		}
		if (s && s - 1 > UINT64_MAX - a)
			s = UINT64_MAX - a + 1;
		if (bootinfo_spans_push(&bi->dev_regs, a, s, EXT_K_DEVICE_REG, label))
			return -ENOMEM;
	}
	return 0;
}

static int add_pci_windows(struct walk *w, int node, int depth)
{
	struct bootinfo *bi = w->bi;
	const void *fdt = bi->fdt;
	const fdt32_t *r;
	const char *label;
	int len, cac, csc, pac, psc, ent, i;

	if (!fdtc_is_pci(fdt, node))
		return 0;
	r = fdt_getprop(fdt, node, "ranges", &len);
	if (!r || len == 0)
		return 0;
	inherited_cells(w, depth, &cac, &csc);
	inherited_cells(w, depth - 1, &pac, &psc);
	label = pool_path(w, node);
	if (cac < 1 || pac < 1 || csc < 1 || len % ((cac + pac + csc) * 4)) {
		bootinfo_diag(bi, BOOTINFO_WARN, label, false, 0,
			      "PCI ranges of %d bytes do not match the cell counts", len);
		return 0;
	}
	ent = cac + pac + csc;
	for (i = 0; i < len / 4 / ent; i++) {
		const fdt32_t *c = r + i * ent;
		bool lost = false;
		uint64_t pa = fdtc_read_cells(c + cac, (unsigned int)pac, &lost);
		uint64_t sz = fdtc_read_cells(c + cac + pac, (unsigned int)csc, &lost);
		uint64_t orig = pa;

		if (!translate(w, depth - 1, &pa)) {
			bootinfo_diag(bi, BOOTINFO_WARN, label, true, orig,
				      "PCI window %d cannot be translated", i);
			continue;
		}
		if (sz && sz - 1 > UINT64_MAX - pa)
			sz = UINT64_MAX - pa + 1;
		/* In dev_regs too, in DT order: Xen removes node by node. */
		if (bootinfo_spans_push(&bi->pci, pa, sz, EXT_K_PCI_WINDOW, label) ||
		    bootinfo_spans_push(&bi->dev_regs, pa, sz, EXT_K_PCI_WINDOW, label))
			return -ENOMEM;
	}
	return 0;
}

static enum bootinfo_module_kind module_kind(const void *fdt, int node)
{
	if (fdtc_compatible(fdt, node, "multiboot,kernel") ||
	    fdtc_compatible(fdt, node, "xen,linux-zimage"))
		return BOOTMOD_KERNEL;
	if (fdtc_compatible(fdt, node, "multiboot,ramdisk") ||
	    fdtc_compatible(fdt, node, "xen,linux-initrd"))
		return BOOTMOD_RAMDISK;
	if (fdtc_compatible(fdt, node, "multiboot,device-tree"))
		return BOOTMOD_DTB;
	if (fdtc_compatible(fdt, node, "xen,xsm-policy"))
		return BOOTMOD_XSM;
	return BOOTMOD_UNKNOWN;
}

static int find_domain(struct bootinfo *bi, int node)
{
	unsigned int i;

	for (i = 0; i < bi->nr_domain; i++)
		if (bi->domain[i].node == node)
			return (int)i;
	return -1;
}

static int add_module(struct walk *w, int node, int depth)
{
	struct bootinfo *bi = w->bi;
	const fdt32_t *reg;
	int len, ac, sc, parent = w->stack[depth - 1];
	bool lost = false;
	struct bootinfo_module *m;

	fdtc_direct_cells(bi->fdt, parent, &ac, &sc);
	reg = fdt_getprop(bi->fdt, node, "reg", &len);
	if (!reg || ac < 1 || sc < 1 || len < (ac + sc) * 4) {
		bootinfo_diag(bi, BOOTINFO_ERR, node_path(w, node), false, 0,
			      "boot module without a usable reg");
		return 0;
	}
	if (VEC_RESERVE(bi->module, bi->cap_module, bi->nr_module + 1, 8))
		return -ENOMEM;
	m = &bi->module[bi->nr_module++];
	m->span.start = fdtc_read_cells(reg, (unsigned int)ac, &lost);
	m->span.size = fdtc_read_cells(reg + ac, (unsigned int)sc, &lost);
	m->span.kind = EXT_K_MODULE;
	m->span.label = pool_path(w, node);
	m->kind = module_kind(bi->fdt, node);
	m->domain = find_domain(bi, parent);
	if (m->domain >= 0 && m->kind == BOOTMOD_DTB)
		bi->domain[m->domain].passthrough = true;
	return 0;
}

/*
 * memvisor,virtio-disk = <backend> or <backend base spi> (base in the
 * domain node's #address-cells): a virtio-mmio disk served by domain
 * `backend`. Only the values are checked here; the builder checks the
 * backend against the domains it builds and the window against the
 * domain's memory map. A bad value makes the domain unbuildable.
 */
static void virtio_disk(struct walk *w, int node, struct bootinfo_domain *d)
{
	struct bootinfo *bi = w->bi;
	const fdt32_t *p;
	int len, ac, sc;
	bool lost = false;

	p = fdt_getprop(bi->fdt, node, "memvisor,virtio-disk", &len);
	if (!p)
		return;
	fdtc_direct_cells(bi->fdt, node, &ac, &sc);
	if (len != 4 && len != (2 + ac) * 4) {
		bootinfo_diag(bi, BOOTINFO_ERR, d->path, false, 0,
			      "memvisor,virtio-disk of %d bytes: want <backend-domid> or "
			      "<backend-domid base spi> (base in %d cell(s))", len, ac);
		d->invalid = true;
		return;
	}
	d->virtio_disk = true;
	d->virtio_backend = fdt32_ld(p);
	if (len > 4) {
		d->virtio_base = fdtc_read_cells(p + 1, (unsigned int)ac, &lost);
		d->virtio_spi = fdt32_ld(p + 1 + ac);
	}
	if (d->virtio_backend >= DOMID_FIRST_RESERVED) {
		bootinfo_diag(bi, BOOTINFO_ERR, d->path, false, 0,
			      "memvisor,virtio-disk: backend %#x is not a domain id",
			      d->virtio_backend);
		d->invalid = true;
	}
	if (len > 4 && (!d->virtio_base || lost ||
			d->virtio_base % BOOTINFO_VIRTIO_WINDOW)) {
		bootinfo_diag(bi, BOOTINFO_ERR, d->path, true, d->virtio_base,
			      "memvisor,virtio-disk: window base is not a non-zero multiple of %#x",
			      BOOTINFO_VIRTIO_WINDOW);
		d->invalid = true;
	}
	if (len > 4 && (d->virtio_spi < BOOTINFO_VIRTIO_SPI_MIN ||
			d->virtio_spi >= BOOTINFO_VIRTIO_SPI_END)) {
		bootinfo_diag(bi, BOOTINFO_ERR, d->path, false, 0,
			      "memvisor,virtio-disk: SPI %u is not in %u..%u", d->virtio_spi,
			      BOOTINFO_VIRTIO_SPI_MIN, BOOTINFO_VIRTIO_SPI_END - 1);
		d->invalid = true;
	}
}

static int add_domain(struct walk *w, int node, int depth)
{
	struct bootinfo *bi = w->bi;
	const void *fdt = bi->fdt;
	struct bootinfo_domain *d;
	const fdt32_t *p;
	const char *s;
	int len, ac, sc, off;

	if (VEC_RESERVE(bi->domain, bi->cap_domain, bi->nr_domain + 1, 4))
		return -ENOMEM;
	d = &bi->domain[bi->nr_domain++];
	memset(d, 0, sizeof(*d));
	d->node = node;
	d->path = pool_path(w, node);
	s = fdt_get_name(fdt, node, NULL);
	d->name = bootinfo_strdup(bi, s ? s : "?");
	if (!d->name)
		return -ENOMEM;

	p = fdt_getprop(fdt, node, "memory", &len);
	if (p && (len == 4 || len == 8)) {
		bool lost = false;

		d->has_memory = true;
		d->memory_kb = fdtc_read_cells(p, (unsigned int)len / 4, &lost);
	} else if (p) {
		bootinfo_diag(bi, BOOTINFO_ERR, d->path, false, 0,
			      "memory property of %d bytes (want 4 or 8)", len);
		d->invalid = true;
	}
	p = fdt_getprop(fdt, node, "cpus", &len);
	d->cpus = (p && len == 4) ? fdt32_ld(p) : 1;
	d->direct_map = fdt_getprop(fdt, node, "direct-map", NULL) != NULL;
	d->passthrough = fdt_getprop(fdt, node, "passthrough", NULL) != NULL;
	d->is_32bit = fdt_getprop(fdt, node, "memvisor,arch32", NULL) != NULL;

	s = fdt_getprop(fdt, node, "xen,enhanced", &len);
	d->enhanced_present = s != NULL;
	if (s && fdtc_is_string(s, len))
		d->enhanced = bootinfo_strdup(bi, s);
	/* Empty or not a string counts as "enabled" (Xen's read errors). */
	d->hypervisor_node = s && (len == 0 || !fdtc_is_string(s, len) ||
				   !strcmp(s, "enabled") || !strcmp(s, "no-xenstore"));
	if (s && !d->hypervisor_node)
		bootinfo_diag(bi, BOOTINFO_WARN, d->path, false, 0,
			      "xen,enhanced = \"%.40s\" is not a known value: no /hypervisor node",
			      s);

	/* xen,static-mem uses /chosen's cells (since 4.17). */
	fdtc_direct_cells(fdt, w->stack[depth - 1], &ac, &sc);
	if (fdt_getprop(fdt, node, "xen,static-mem", NULL)) {
		d->static_mem = true;
		if (add_pairs(w, node, "xen,static-mem", ac, sc, &d->static_banks,
			      EXT_K_STATIC_DOMAIN, true))
			return -ENOMEM;
	}

	virtio_disk(w, node, d);

	/* memvisor,* properties stored raw. */
	fdt_for_each_property_offset(off, fdt, node) {
		const char *name;
		const void *val = fdt_getprop_by_offset(fdt, off, &name, &len);

		if (!val || !name || strncmp(name, "memvisor,", 9))
			continue;
		if (VEC_RESERVE(d->props, d->cap_props, d->nr_props + 1, 4))
			return -ENOMEM;
		d->props[d->nr_props++] = (struct bootinfo_prop){
			.name = name, .val = val, .len = len,
		};
	}
	return 0;
}

/* Static shared memory node: xen,shared-mem = [host] guest size. */
static int add_shm(struct walk *w, int node, int depth)
{
	struct bootinfo *bi = w->bi;
	const fdt32_t *p;
	int len, ac, sc, dom, parent = w->stack[depth - 1];
	bool lost = false, has_host;
	uint64_t host = 0, guest, size;
	const char *label;

	fdtc_direct_cells(bi->fdt, parent, &ac, &sc);
	p = fdt_getprop(bi->fdt, node, "xen,shared-mem", &len);
	label = pool_path(w, node);
	if (!p || ac < 1 || sc < 1) {
		bootinfo_diag(bi, BOOTINFO_ERR, label, false, 0,
			      "shared memory node without a usable xen,shared-mem");
		return 0;
	}
	if (len == (2 * ac + sc) * 4)
		has_host = true;
	else if (len == (ac + sc) * 4)
		has_host = false;
	else {
		bootinfo_diag(bi, BOOTINFO_ERR, label, false, 0,
			      "xen,shared-mem of %d bytes does not match the cells", len);
		return 0;
	}
	if (has_host) {
		host = fdtc_read_cells(p, (unsigned int)ac, &lost);
		p += ac;
	}
	guest = fdtc_read_cells(p, (unsigned int)ac, &lost);
	size = fdtc_read_cells(p + ac, (unsigned int)sc, &lost);
	if (!size || size - 1 > UINT64_MAX - guest ||
	    (has_host && size - 1 > UINT64_MAX - host)) {
		bootinfo_diag(bi, BOOTINFO_ERR, label, true, guest,
			      "bad xen,shared-mem size %#" PRIx64, size);
		return 0;
	}
	if (has_host &&
	    bootinfo_spans_push(&bi->shm_host, host, size, EXT_K_SHM, label))
		return -ENOMEM;
	dom = find_domain(bi, parent);
	if (dom >= 0 && bootinfo_spans_push(&bi->domain[dom].shm_guest, guest, size,
					     EXT_K_SHM, label))
		return -ENOMEM;
	return 0;
}

/* xen,reg = <host size guest> triplets, in any node below a domain node. */
static int add_xen_reg(struct walk *w, int node, int depth, int dom)
{
	struct bootinfo *bi = w->bi;
	const fdt32_t *p;
	int len, ac, sc, i, n;
	const char *label;

	p = fdt_getprop(bi->fdt, node, "xen,reg", &len);
	if (!p)
		return 0;
	inherited_cells(w, depth - 1, &ac, &sc);
	label = pool_path(w, node);
	if (ac < 1 || sc < 1 || len % ((2 * ac + sc) * 4)) {
		bootinfo_diag(bi, BOOTINFO_ERR, label, false, 0,
			      "xen,reg of %d bytes does not match the cells", len);
		return 0;
	}
	n = len / ((2 * ac + sc) * 4);
	for (i = 0; i < n; i++) {
		const fdt32_t *c = p + i * (2 * ac + sc);
		bool lost = false;
		uint64_t size = fdtc_read_cells(c + ac, (unsigned int)sc, &lost);
		uint64_t guest = fdtc_read_cells(c + ac + sc, (unsigned int)ac, &lost);

		if (!size || size - 1 > UINT64_MAX - guest)
			continue;
		if (bootinfo_spans_push(&bi->domain[dom].xen_reg, guest, size,
					EXT_K_XEN_REG, label))
			return -ENOMEM;
	}
	return 0;
}

static int visit(struct walk *w, int node, int depth)
{
	struct bootinfo *bi = w->bi;
	const void *fdt = bi->fdt;
	const char *name = fdt_get_name(fdt, node, NULL);
	int parent = depth > 0 ? w->stack[depth - 1] : -1;
	int ac, sc, rc = 0, d;

	if (!name)
		return 0;

	/* RAM. */
	if (!w->ram_scan_stopped && depth >= 1 && fdtc_name_is(name, "memory")) {
		bool is_ram;

		if (w->t->memory_by_name_any_depth) {
			is_ram = true;
		} else {
			int len;
			const char *dt = fdt_getprop(fdt, node, "device_type", &len);

			is_ram = depth == 1 && fdtc_is_string(dt, len) &&
				 !strcmp(dt, "memory") && fdtc_available(fdt, node);
			if (!is_ram && depth == 1)
				bootinfo_diag(bi, BOOTINFO_WARN, node_path(w, node), false, 0,
					      "node named memory but not an available "
					      "device_type=\"memory\" node: not RAM");
		}
		if (is_ram) {
			fdtc_direct_cells(fdt, parent, &ac, &sc);
			rc = add_ram(w, node, ac, sc);
			if (rc)
				return rc;
		}
	}

	if (depth == 1 && !strcmp(name, "reserved-memory"))
		w->reserved_root = node;
	if (depth == 1 && fdtc_name_is(name, "chosen"))
		w->chosen = node;

	/* Reserved memory: any descendant of /reserved-memory. */
	if (depth >= 2 && w->reserved_root >= 0 && w->stack[1] == w->reserved_root &&
	    !w->ram_scan_stopped &&
	    (w->t->memory_by_name_any_depth || fdtc_available(fdt, node))) {
		fdtc_direct_cells(fdt, parent, &ac, &sc);
		rc = add_pairs(w, node, "reg", ac, sc, &bi->reserved, EXT_K_RESERVED,
			       false);
		if (rc)
			return rc;
	}

	/* /chosen: domains, modules, static heap, shared memory. */
	if (depth >= 1 && w->chosen >= 0 && w->stack[1] == w->chosen) {
		if (depth == 1 && fdt_getprop(fdt, node, "xen,static-heap", NULL)) {
			rc = add_pairs(w, node, "xen,static-heap", (int)bi->root_addr_cells,
				       (int)bi->root_size_cells, &bi->reserved,
				       EXT_K_STATIC_HEAP, true);
			if (rc)
				return rc;
		}
		if (depth == 2 && fdtc_compatible(fdt, node, "xen,domain")) {
			rc = add_domain(w, node, depth);
			if (rc)
				return rc;
		}
		if (depth >= 2 && depth <= 3 &&
		    (fdtc_compatible(fdt, node, "multiboot,module") ||
		     fdtc_compatible(fdt, node, "xen,multiboot-module"))) {
			rc = add_module(w, node, depth);
			if (rc)
				return rc;
		}
		if (depth >= 2 && depth <= 3 &&
		    fdtc_compatible(fdt, node, "xen,domain-shared-memory-v1")) {
			rc = add_shm(w, node, depth);
			if (rc)
				return rc;
		}
		if (depth >= 3 && (d = find_domain(bi, w->stack[2])) >= 0) {
			rc = add_xen_reg(w, node, depth, d);
			if (rc)
				return rc;
		}
	}

	/* IOMMU presence: any available node providing #iommu-cells. */
	if (fdt_getprop(fdt, node, "#iommu-cells", NULL) && fdtc_available(fdt, node) &&
	    !bi->iommu_present) {
		bi->iommu_present = true;
		bi->iommu_path = pool_path(w, node);
	}

	rc = add_dev_regs(w, node, depth);
	if (rc)
		return rc;
	return add_pci_windows(w, node, depth);
}

static int parse_memreserve(struct bootinfo *bi)
{
	int n = fdt_num_mem_rsv(bi->fdt), i;

	if (n < 0) {
		bootinfo_diag(bi, BOOTINFO_ERR, "/memreserve/", false, 0,
			      "memory reservation block unreadable: %s", fdt_strerror(n));
		return 0;
	}
	for (i = 0; i < n; i++) {
		uint64_t a, s;
		char lbl[32];
		const char *label;

		if (fdt_get_mem_rsv(bi->fdt, i, &a, &s) < 0 || !s)
			continue;
		if (s - 1 > UINT64_MAX - a) {
			bootinfo_diag(bi, BOOTINFO_ERR, "/memreserve/", true, a,
				      "entry %d wraps around the address space", i);
			continue;
		}
		snprintf(lbl, sizeof(lbl), "/memreserve/ #%d", i);
		label = bootinfo_strdup(bi, lbl);
		if (!label ||
		    bootinfo_spans_push(&bi->reserved, a, s, EXT_K_MEMRESERVE, label))
			return -ENOMEM;
	}
	return 0;
}

static void root_cells(struct bootinfo *bi)
{
	int ac = fdtc_own_cells(bi->fdt, 0, "#address-cells");
	int sc = fdtc_own_cells(bi->fdt, 0, "#size-cells");

	if (ac == -2 || sc == -2)
		bootinfo_diag(bi, BOOTINFO_ERR, "/", false, 0,
			      "bad #address-cells/#size-cells at the root");
	bi->root_addr_cells = ac > 0 ? (uint32_t)ac : FDTC_DEF_ADDR_CELLS;
	bi->root_size_cells = sc > 0 ? (uint32_t)sc : FDTC_DEF_SIZE_CELLS;
	if (bi->root_addr_cells == 1 || bi->root_size_cells == 1)
		bootinfo_diag(bi, BOOTINFO_WARN, "/", false, 0,
			      "root #address-cells = %u, #size-cells = %u: Dom0's "
			      "/hypervisor reg keeps only 32 bits per cell of 1",
			      bi->root_addr_cells, bi->root_size_cells);
}

static int walk_tree(struct bootinfo *bi)
{
	struct walk *w;
	int node = 0, depth = 0, rc = 0;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->bi = bi;
	w->t = xen_policy_traits(bi->policy);
	w->reserved_root = -1;
	w->chosen = -1;
	w->cur = -1;

	while (node >= 0) {
		if (depth > BOOTINFO_MAX_DEPTH) {
			bootinfo_diag(bi, BOOTINFO_WARN, node_path(w, node), false, 0,
				      "tree deeper than %d levels: subtree skipped",
				      BOOTINFO_MAX_DEPTH);
		} else {
			w->stack[depth] = node;
			set_cur_path(w, node, depth);
			rc = visit(w, node, depth);
			if (rc)
				break;
		}
		node = fdt_next_node(bi->fdt, node, &depth);
		if (node >= 0 && depth < 0)
			break;
	}
	if (!rc && node < 0 && node != -FDT_ERR_NOTFOUND) {
		bootinfo_diag(bi, BOOTINFO_ERR, "/", false, 0, "tree walk failed: %s",
			      fdt_strerror(node));
	}
	free(w);
	return rc;
}


int bootinfo_parse(struct bootinfo *bi, const void *buf, size_t len,
		   const struct bootinfo_opts *opts)
{
	int rc, chosen;
	const char *args = NULL;

	memset(bi, 0, sizeof(*bi));
	bi->policy = opts ? opts->policy : XEN_POLICY_LATEST;

	if (!buf || len < sizeof(struct fdt_header)) {
		bootinfo_diag(bi, BOOTINFO_ERR, "/", false, 0,
			      "not a device tree: %zu bytes is shorter than a header", len);
		return -EINVAL;
	}
	rc = fdt_check_header(buf);
	if (rc) {
		bootinfo_diag(bi, BOOTINFO_ERR, "/", false, 0, "bad DTB header: %s",
			      fdt_strerror(rc));
		return -EINVAL;
	}
	if (fdt_totalsize(buf) > len) {
		bootinfo_diag(bi, BOOTINFO_ERR, "/", false, 0,
			      "truncated DTB: header says %u bytes, have %zu",
			      fdt_totalsize(buf), len);
		return -EINVAL;
	}
	/* libfdt 1.6.1's fdt_check_full() dereferences NULL on blobs older
	 * than version 16 that pass fdt_check_header() (found by fuzz_dt);
	 * dtc has written version 17 for years, so refuse the old ones. */
	if (fdt_version(buf) < 16) {
		bootinfo_diag(bi, BOOTINFO_ERR, "/", false, 0,
			      "unsupported DTB version %u (16 or later needed)", fdt_version(buf));
		return -EINVAL;
	}
	if (!fdt_tags_advance(buf)) {
		bootinfo_diag(bi, BOOTINFO_ERR, "/", false, 0, "corrupt DTB: %s",
			      fdt_strerror(-FDT_ERR_BADSTRUCTURE));
		return -EINVAL;
	}
	rc = fdt_check_full(buf, fdt_totalsize(buf));
	if (rc) {
		bootinfo_diag(bi, BOOTINFO_ERR, "/", false, 0, "corrupt DTB: %s",
			      fdt_strerror(rc));
		return -EINVAL;
	}
	bi->fdt_len = fdt_totalsize(buf);
	bi->fdt = malloc(bi->fdt_len);
	if (!bi->fdt)
		return -ENOMEM;
	memcpy(bi->fdt, buf, bi->fdt_len);

	root_cells(bi);
	rc = parse_memreserve(bi);
	if (rc)
		return rc;
	rc = walk_tree(bi);
	if (rc)
		return rc;
	rc = bootinfo_check_domains(bi);
	if (rc)
		return rc;

	if (!bi->ram.n)
		bootinfo_diag(bi, BOOTINFO_ERR, "/", false, 0,
			      "no RAM: the tree has no usable memory node");
	bootinfo_check_overlaps(bi, &bi->ram, "RAM");
	/* Xen 4.17 removes reserved banks in the order its scan found them,
	 * and with its rangeset bug that order shows in the result (facts
	 * 8.9): keep it. Later releases give the same set in any order. */
	if (bi->reserved.n > 1 && !xen_policy_traits(bi->policy)->reserved_tree_order)
		qsort(bi->reserved.s, bi->reserved.n, sizeof(bi->reserved.s[0]), ext_span_cmp);

	if (opts && opts->bootargs) {
		args = opts->bootargs;
	} else {
		chosen = fdt_path_offset(bi->fdt, "/chosen");
		if (chosen >= 0) {
			int l;
			const char *p = fdt_getprop(bi->fdt, chosen, "xen,xen-bootargs", &l);

			if (fdtc_is_string(p, l))
				args = p;
		}
	}
	cmdline_parse(bi, args, &bi->args);
	return 0;
}

void bootinfo_free(struct bootinfo *bi)
{
	unsigned int i;

	for (i = 0; i < bi->nr_domain; i++) {
		bootinfo_spans_free(&bi->domain[i].static_banks);
		bootinfo_spans_free(&bi->domain[i].shm_guest);
		bootinfo_spans_free(&bi->domain[i].xen_reg);
		free(bi->domain[i].props);
	}
	free(bi->domain);
	bootinfo_spans_free(&bi->ram);
	bootinfo_spans_free(&bi->reserved);
	bootinfo_spans_free(&bi->shm_host);
	bootinfo_spans_free(&bi->dev_regs);
	bootinfo_spans_free(&bi->pci);
	free(bi->module);
	free(bi->diag);
	bootinfo_pool_free(&bi->pool);
	free(bi->fdt);
	memset(bi, 0, sizeof(*bi));
}
