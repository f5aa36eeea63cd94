/*
 * SVG address maps for `memvisor layout --svg` (and, with --compare, one
 * column per Xen release for the same domain).
 *
 * One column for the host (RAM, reserved, MMIO, PCI windows, modules, the
 * Xen image) and one per domain (RAM, grant region, extended regions; the
 * rest of its address space is drawn as a hole). Address spaces span 40+
 * bits, so a linear scale would hide everything small: the vertical axis is
 * piecewise. Every start and end of anything drawn is a breakpoint shared by
 * all columns, and each interval between breakpoints gets a height that
 * grows with the logarithm of its size. Intervals are therefore comparable
 * in order, not in size; the size is written inside each block.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hv/vec.h>

#include "svg.h"

#define AXIS_W 150
#define COL_W 190
#define COL_GAP 24
#define TOP 70
#define MMIO_MERGE_GAP MiB(2)

struct sv_item {
	paddr_t s, e; /* inclusive */
	const char *cls;
	const char *label;
	int col;
};

struct sv {
	struct sv_item *it;
	unsigned int n, cap;
	paddr_t *bp;
	unsigned int nbp, capbp;
	double *y;
};

static int sv_add(struct sv *v, int col, paddr_t s, paddr_t size, const char *cls,
		  const char *label)
{
	if (!size)
		return 0;
	if (VEC_RESERVE(v->it, v->cap, (size_t)v->n + 1, 64))
		return -ENOMEM;
	if (size - 1 > UINT64_MAX - s)
		size = UINT64_MAX - s + 1;
	v->it[v->n++] = (struct sv_item){s, s + size - 1, cls, label, col};
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	paddr_t x = *(const paddr_t *)a, y = *(const paddr_t *)b;

	return x < y ? -1 : x > y;
}

/* Device registers merged for display (sorted copy, gaps < 2 MiB closed). */
static int add_mmio(struct sv *v, const struct bootinfo *bi)
{
	struct ext_span *c;
	unsigned int i;
	paddr_t s = 0, e = 0;
	bool open = false;
	int rc = 0;

	if (!bi->dev_regs.n)
		return 0;
	c = malloc(bi->dev_regs.n * sizeof(*c));
	if (!c)
		return -ENOMEM;
	memcpy(c, bi->dev_regs.s, bi->dev_regs.n * sizeof(*c));
	qsort(c, bi->dev_regs.n, sizeof(*c), ext_span_cmp);
	for (i = 0; i < bi->dev_regs.n && !rc; i++) {
		paddr_t cs = c[i].start, ce;
		unsigned int k;
		bool ram = false;

		if (!c[i].size || c[i].kind != EXT_K_DEVICE_REG)
			continue;
		/* memory nodes and reserved-memory children are drawn as such */
		for (k = 0; k < bi->ram.n && !ram; k++)
			ram = cs >= bi->ram.s[k].start &&
			      cs - bi->ram.s[k].start < bi->ram.s[k].size;
		if (ram)
			continue;
		ce = c[i].size - 1 > UINT64_MAX - cs ? UINT64_MAX : cs + c[i].size - 1;
		if (open && cs <= e + MMIO_MERGE_GAP && e + MMIO_MERGE_GAP >= e) {
			e = MAX(e, ce);
			continue;
		}
		if (open)
			rc = sv_add(v, 0, s, e - s + 1, "mmio", "MMIO");
		s = cs;
		e = ce;
		open = true;
	}
	if (open && !rc)
		rc = sv_add(v, 0, s, e - s + 1, "mmio", "MMIO");
	free(c);
	return rc;
}

/* Hatched "hole" items for one column: the gaps in [0, limit). */
static int add_holes(struct sv *v, int col, paddr_t limit)
{
	paddr_t *ends;
	unsigned int i, k = 0, first = v->n;
	paddr_t cur = 0;
	int rc = 0;
	struct sv_item *tmp;

	tmp = malloc((v->n + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	/* Narrow overlays (grant table) sit on top of a hole, not in one. */
	for (i = 0; i < first; i++)
		if (v->it[i].col == col && strcmp(v->it[i].cls, "gnt"))
			tmp[k++] = v->it[i];
	ends = NULL;
	/* Sort this column's items by start. */
	for (i = 1; i < k; i++) {
		struct sv_item x = tmp[i];
		unsigned int j = i;

		while (j > 0 && tmp[j - 1].s > x.s) {
			tmp[j] = tmp[j - 1];
			j--;
		}
		tmp[j] = x;
	}
	for (i = 0; i < k && !rc; i++) {
		if (tmp[i].s > cur && cur < limit)
			rc = sv_add(v, col, cur, MIN(tmp[i].s, limit) - cur, "hole", "unused");
		if (tmp[i].e + 1 > cur)
			cur = tmp[i].e + 1;
		if (tmp[i].e == UINT64_MAX)
			cur = UINT64_MAX;
	}
	if (!rc && cur < limit)
		rc = sv_add(v, col, cur, limit - cur, "hole", "unused");
	free(tmp);
	free(ends);
	return rc;
}

static unsigned int find_bp(const struct sv *v, paddr_t a)
{
	unsigned int lo = 0, hi = v->nbp;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (v->bp[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void size_str(char *buf, size_t n, paddr_t size)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	unsigned int u = 0;
	paddr_t div = 1, whole, tenth;

	while (size / div >= 1024 && u + 1 < ARRAY_SIZE(unit)) {
		div *= 1024;
		u++;
	}
	whole = size / div;
	tenth = (size % div) / (div / 10 ? div / 10 : 1);
	if (tenth && u)
		snprintf(buf, n, "%" PRIu64 ".%" PRIu64 " %s", whole, tenth, unit[u]);
	else
		snprintf(buf, n, "%" PRIu64 " %s", whole, unit[u]);
}

static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* Column 0: the host. */
static int build_host(struct sv *v, const struct bootinfo *bi, const struct layout_plan *p)
{
	paddr_t limit = 1ULL << p->ipa_bits;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < bi->ram.n && !rc; i++)
		rc = sv_add(v, 0, bi->ram.s[i].start, bi->ram.s[i].size, "ram", "RAM");
	if (!rc)
		rc = add_mmio(v, bi);
	for (i = 0; i < bi->pci.n && !rc; i++)
		rc = sv_add(v, 0, bi->pci.s[i].start, bi->pci.s[i].size, "pci", "PCI window");
	for (i = 0; i < bi->reserved.n && !rc; i++)
		rc = sv_add(v, 0, bi->reserved.s[i].start, bi->reserved.s[i].size, "resv",
			    ext_kind_name(bi->reserved.s[i].kind));
	for (i = 0; i < bi->nr_module && !rc; i++)
		rc = sv_add(v, 0, bi->module[i].span.start, bi->module[i].span.size, "mod",
			    "module");
	if (!rc)
		rc = sv_add(v, 0, p->xen_image.start, p->xen_image.size, "xen", "Xen");
	if (!rc)
		rc = add_holes(v, 0, limit);
	return rc;
}

/* One column for a domain's address space. */
static int build_dom(struct sv *v, int col, const struct layout_domain *d, paddr_t limit)
{
	unsigned int i;
	int rc = 0;

	for (i = 0; i < d->mem.n && !rc; i++)
		rc = sv_add(v, col, d->mem.s[i].start, d->mem.s[i].size, "ram", "RAM");
	if (!rc && d->hypervisor_node)
		rc = sv_add(v, col, d->gnttab.start, d->gnttab.size, "gnt", "grant");
	for (i = 0; i < d->ext.nr && !rc; i++)
		rc = sv_add(v, col, d->ext.region[i].start, d->ext.region[i].size,
			    "ext", "ext region");
	if (!rc)
		rc = add_holes(v, col, limit);
	return rc;
}

static int build_axis(struct sv *v)
{
	unsigned int i, k;

	v->bp = malloc((2 * v->n + 1) * sizeof(*v->bp));
	v->y = malloc((2 * v->n + 1) * sizeof(*v->y));
	if (!v->bp || !v->y)
		return -ENOMEM;
	for (i = 0, k = 0; i < v->n; i++) {
		v->bp[k++] = v->it[i].s;
		v->bp[k++] = v->it[i].e == UINT64_MAX ? UINT64_MAX : v->it[i].e + 1;
	}
	qsort(v->bp, k, sizeof(*v->bp), cmp_u64);
	v->nbp = 0;
	for (i = 0; i < k; i++)
		if (!v->nbp || v->bp[v->nbp - 1] != v->bp[i])
			v->bp[v->nbp++] = v->bp[i];
	v->y[0] = TOP;
	for (i = 1; i < v->nbp; i++) {
		paddr_t pages = (v->bp[i] - v->bp[i - 1]) >> PAGE_SHIFT;
		int bits = pages ? 63 - __builtin_clzll(pages) : 0;

		/* 4 KiB -> 12 px, 2 MiB -> 30 px, 1 GiB -> 48 px, 1 TiB -> 68 px */
		v->y[i] = v->y[i - 1] + 12 + 2 * bits;
	}
	return 0;
}

/*
 * Writes the document for items already in v: `ncol` columns headed by
 * head[i] with a second line sub[i] (column 0 is the host).
 */
static int emit(FILE *f, struct sv *v, unsigned int ncol, const char *title,
		const char *const *head, const char *const *sub)
{
	unsigned int i;
	double width, height, last_label = -100;
	int rc = build_axis(v);

	if (rc)
		return rc;
	width = MAX(AXIS_W + ncol * (COL_W + COL_GAP) + 20.0, 1010.0);
	height = v->y[v->nbp - 1] + 60;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		   "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, sans-serif\" "
		   "font-size=\"10\">\n", width, height, width, height);
	fputs("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f7f7f7\"/>"
	      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#dddddd\" stroke-width=\"2\"/>"
	      "</pattern></defs>\n"
	      "<style>.ram{fill:#8fd18f}.resv{fill:#e6a05a}.mmio{fill:#9bb7e0}.pci{fill:#c3a6e0}"
	      ".mod{fill:#e8d36a}.xen{fill:#e06666}.gnt{fill:#f28cc2}.ext{fill:#5ac8c8}"
	      ".hole{fill:url(#hatch)}rect{stroke:#555;stroke-width:0.6}"
	      "text{fill:#222}.ax{font-family:DejaVu Sans Mono,monospace;font-size:9px}"
	      ".h{font-size:12px;font-weight:bold}</style>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"white\" "
		   "stroke=\"none\"/>\n", width, height);
	fprintf(f, "<text x=\"10\" y=\"20\" class=\"h\">");
	xml_text(f, title);
	fputs(" (address axis is piecewise: block heights grow with log(size))</text>\n", f);

	/* Column headings. */
	for (i = 0; i < ncol; i++) {
		double x = AXIS_W + i * (COL_W + COL_GAP);

		fprintf(f, "<text x=\"%.0f\" y=\"%d\" class=\"h\">", x, TOP - 20);
		xml_text(f, head[i]);
		fputs("</text>\n", f);
		if (sub[i]) {
			fprintf(f, "<text x=\"%.0f\" y=\"%d\">", x, TOP - 6);
			xml_text(f, sub[i]);
			fputs("</text>\n", f);
		}
	}

	/* Axis labels at breakpoints (skip those that would collide). */
	for (i = 0; i < v->nbp; i++) {
		if (v->y[i] - last_label < 11 && i + 1 != v->nbp)
			continue;
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%#" PRIx64
			   "</text><line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" "
			   "stroke=\"#eeeeee\"/>\n",
			AXIS_W - 8, v->y[i] + 3, v->bp[i], AXIS_W - 4, v->y[i], width - 10, v->y[i]);
		last_label = v->y[i];
	}

	/* Blocks: holes first, then the rest so overlays stay visible. */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < v->n; i++) {
			const struct sv_item *it = &v->it[i];
			unsigned int a = find_bp(v, it->s);
			unsigned int b = it->e == UINT64_MAX ? v->nbp - 1 : find_bp(v, it->e + 1);
			double x = AXIS_W + it->col * (COL_W + COL_GAP), y0 = v->y[a], y1 = v->y[b];
			bool hole = !strcmp(it->cls, "hole");
			bool narrow = !strcmp(it->cls, "resv") || !strcmp(it->cls, "mod") ||
				      !strcmp(it->cls, "xen") || !strcmp(it->cls, "pci") ||
				      !strcmp(it->cls, "gnt");
			double w = narrow ? COL_W * 0.6 : COL_W;
			char sz[32];

			if (hole != (pass == 0))
				continue;
			if (narrow)
				x += COL_W * 0.4;
			size_str(sz, sizeof(sz), it->e - it->s + 1);
			fprintf(f, "<rect class=\"%s\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" "
				   "height=\"%.1f\"><title>", it->cls, x, y0, w, y1 - y0);
			xml_text(f, it->label);
			fprintf(f, " %#" PRIx64 "-%#" PRIx64 " (%s)</title></rect>\n", it->s, it->e, sz);
			if (y1 - y0 >= 11)
				fprintf(f, "<text x=\"%.0f\" y=\"%.1f\">%s %s</text>\n", x + 4,
					(y0 + y1) / 2 + 3, it->label, sz);
		}
	}

	/* Legend. */
	{
		static const char *const cls[] = {"ram", "resv", "mmio", "pci", "mod", "xen",
						  "gnt", "ext", "hole"};
		static const char *const txt[] = {"RAM", "reserved", "MMIO", "PCI window",
						  "boot module", "Xen image", "grant table",
						  "extended region", "unused"};
		double y = height - 30;

		for (i = 0; i < ARRAY_SIZE(cls); i++) {
			double x = 10 + i * 110.0;

			fprintf(f, "<rect class=\"%s\" x=\"%.0f\" y=\"%.0f\" width=\"14\" "
				   "height=\"12\"/><text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
				cls[i], x, y, x + 18, y + 10, txt[i]);
		}
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}

static void sv_free(struct sv *v)
{
	free(v->it);
	free(v->bp);
	free(v->y);
}

int svg_write_plan(FILE *f, const struct bootinfo *bi, const struct layout_plan *p)
{
	struct sv v = {0};
	unsigned int i, ncol = p->nr_dom + 1;
	const char **head = calloc(ncol, sizeof(*head)), **sub = calloc(ncol, sizeof(*sub));
	char (*subbuf)[64] = calloc(ncol, sizeof(*subbuf));
	char title[128];
	int rc = (head && sub && subbuf) ? build_host(&v, bi, p) : -ENOMEM;

	for (i = 0; i < p->nr_dom && !rc; i++)
		rc = build_dom(&v, (int)i + 1, &p->dom[i], 1ULL << p->ipa_bits);
	if (!rc) {
		head[0] = "host physical";
		for (i = 0; i < p->nr_dom; i++) {
			const struct layout_domain *d = &p->dom[i];

			head[i + 1] = d->name;
			snprintf(subbuf[i + 1], sizeof(subbuf[i + 1]), "%s, %u regions",
				 d->direct_map ? "direct-mapped" : "guest layout", d->ext.nr);
			sub[i + 1] = subbuf[i + 1];
		}
		snprintf(title, sizeof(title), "memvisor layout: Xen %s policy, IPA %u bits",
			 xen_policy_traits(p->policy)->name, p->ipa_bits);
		rc = emit(f, &v, ncol, title, head, sub);
	}
	sv_free(&v);
	free(head);
	free(sub);
	free(subbuf);
	return rc;
}

int svg_write_compare(FILE *f, const struct bootinfo *bi, const struct layout_plan *const *plans,
		      unsigned int n, const char *dom)
{
	struct sv v = {0};
	unsigned int i, k, ncol = n + 1;
	const struct layout_plan *hp = NULL;
	const char **head = calloc(ncol, sizeof(*head)), **sub = calloc(ncol, sizeof(*sub));
	char (*hbuf)[64] = calloc(ncol, sizeof(*hbuf)), (*sbuf)[64] = calloc(ncol, sizeof(*sbuf));
	char title[160];
	int rc = (head && sub && hbuf && sbuf) ? 0 : -ENOMEM;

	for (i = 0; i < n && !hp; i++)
		if (!plans[i]->no_boot.why)
			hp = plans[i];
	if (!hp)
		hp = plans[0];
	if (!rc)
		rc = build_host(&v, bi, hp);
	head[0] = "host physical";
	for (i = 0; i < n && !rc; i++) {
		const struct layout_plan *p = plans[i];
		const struct layout_domain *d = NULL;

		snprintf(hbuf[i + 1], sizeof(hbuf[i + 1]), "Xen %s: %s",
			 xen_policy_traits(p->policy)->name, dom);
		head[i + 1] = hbuf[i + 1];
		for (k = 0; k < p->nr_dom; k++)
			if (!strcmp(p->dom[k].name, dom))
				d = &p->dom[k];
		if (p->no_boot.why)
			snprintf(sbuf[i + 1], sizeof(sbuf[i + 1]), "does not boot: %s",
				 p->no_boot.why);
		else if (!d)
			snprintf(sbuf[i + 1], sizeof(sbuf[i + 1]), "no such domain");
		else
			snprintf(sbuf[i + 1], sizeof(sbuf[i + 1]), "%u regions", d->ext.nr);
		sub[i + 1] = sbuf[i + 1];
		if (d && !p->no_boot.why)
			rc = build_dom(&v, (int)i + 1, d, 1ULL << p->ipa_bits);
	}
	if (!rc) {
		snprintf(title, sizeof(title), "memvisor layout --compare: %s under each Xen "
			 "release, IPA %u bits", dom, hp->ipa_bits);
		rc = emit(f, &v, ncol, title, head, sub);
	}
	sv_free(&v);
	free(head);
	free(sub);
	free(hbuf);
	free(sbuf);
	return rc;
}
