/*
 * `memvisor layout HOST.dtb [options]`: the extended-region planner.
 *
 * Reads a host DTB, parses it with bootinfo_parse(), plans every domain with
 * layout_plan() (the same engine the domain builder uses) and prints the
 * result as text, JSON (--json), an SVG map (--svg FILE) and one guest DTB
 * per domain (--dtb-out DIR). Diagnostics go to stderr, each naming the node
 * and the address. Exit status: 0 planned (warnings and per-domain errors
 * are reported but do not fail), 1 the DTB could not be used (including a
 * tree the chosen Xen release would not boot: the output says why, JSON in
 * "boots"/"no_boot"), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hv/bootinfo.h>
#include <hv/guestdt.h>
#include <hv/layout.h>

#include "cli.h"
#include "svg.h"

#define MAX_DTB (64u << 20)

struct layout_args {
	const char *dtb;
	char **dtbs;          /* several DTBs: one plan per file (JSON Lines) */
	int nr_dtbs;
	const char *bootargs;
	const char *svg;
	const char *dtb_out;
	bool json;
	bool quiet;
	struct layout_opts o;
	struct ext_span banks[64];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: memvisor layout HOST.dtb [options]\n"
		"       memvisor layout --json A.dtb B.dtb ...   (one JSON line per file)\n"
		"  --bootargs STR        replaces /chosen xen,xen-bootargs\n"
		"  --dom0-mem SIZE       Dom0 RAM (default: dom0_mem= or 512M)\n"
		"  --dom0-banks S:SZ[,..] where Dom0's 1:1 RAM is (default: placed)\n"
		"  --no-dom0             dom0less-only system\n"
		"  --iommu on|off        override the IOMMU (default: DT + iommu=)\n"
		"  --ipa-bits N          guest physical address width (default 44)\n"
		"  --xen-image S:SZ      hypervisor image in host RAM (grant region 0)\n"
		"  --xen VERSION         4.16 4.17 4.18 4.19 4.20 4.21 or latest (default);\n"
		"                        4.19.0-4.19.2 and 4.20.0 (before the range-removal\n"
		"                        fix) are their own policies: 4.19.2, 4.20.0\n"
		"  --json                JSON instead of text\n"
		"  --svg FILE            draw the address maps\n"
		"  --dtb-out DIR         write each guest's device tree\n"
		"  -q, --quiet           no diagnostics on stderr\n");
}

static int parse_size_arg(const char *s, uint64_t *v)
{
	const char *end;

	return (bootinfo_parse_size(s, &end, v) || *end) ? -EINVAL : 0;
}

/* "START:SIZE" */
static int parse_pair(const char *s, uint64_t *a, uint64_t *b)
{
	const char *end;

	if (bootinfo_parse_size(s, &end, a) || *end != ':')
		return -EINVAL;
	return parse_size_arg(end + 1, b);
}

static int parse_args(int argc, char **argv, struct layout_args *a)
{
	enum { O_BOOTARGS = 256, O_DOM0_MEM, O_DOM0_BANKS, O_IOMMU, O_IPA, O_XEN_IMAGE,
	       O_XEN, O_JSON, O_SVG, O_DTB_OUT, O_NO_DOM0 };
	static const struct option lo[] = {
		{"bootargs", required_argument, NULL, O_BOOTARGS},
		{"dom0-mem", required_argument, NULL, O_DOM0_MEM},
		{"dom0-banks", required_argument, NULL, O_DOM0_BANKS},
		{"no-dom0", no_argument, NULL, O_NO_DOM0},
		{"iommu", required_argument, NULL, O_IOMMU},
		{"ipa-bits", required_argument, NULL, O_IPA},
		{"xen-image", required_argument, NULL, O_XEN_IMAGE},
		{"xen", required_argument, NULL, O_XEN},
		{"json", no_argument, NULL, O_JSON},
		{"svg", required_argument, NULL, O_SVG},
		{"dtb-out", required_argument, NULL, O_DTB_OUT},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_args p;
	int c, k;

	memset(a, 0, sizeof(*a));
	a->o.policy = XEN_POLICY_LATEST;
	a->o.iommu = -1;
	cli_args_init(&p, "layout", argc, argv, "qh", lo);
	while ((c = cli_args_next(&p)) != -1) {
		uint64_t x, y;
		char *tok, *save, *copy;

		switch (c) {
		case O_BOOTARGS: a->bootargs = optarg; break;
		case O_DOM0_MEM:
			if (parse_size_arg(optarg, &x) || !x)
				goto bad;
			a->o.dom0_mem_set = true;
			a->o.dom0_mem = x;
			break;
		case O_DOM0_BANKS:
			copy = strdup(optarg);
			if (!copy)
				return -ENOMEM;
			for (tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (parse_pair(tok, &x, &y) || !y ||
				    a->o.nr_dom0_banks >= ARRAY_SIZE(a->banks) ||
				    y - 1 > UINT64_MAX - x) {
					free(copy);
					goto bad;
				}
				a->banks[a->o.nr_dom0_banks++] = (struct ext_span){
					.start = x, .size = y, .kind = EXT_K_DOM_RAM,
					.label = "dom0",
				};
			}
			free(copy);
			a->o.dom0_banks = a->banks;
			break;
		case O_NO_DOM0: a->o.no_dom0 = true; break;
		case O_IOMMU:
			if (!strcmp(optarg, "on"))
				a->o.iommu = 1;
			else if (!strcmp(optarg, "off"))
				a->o.iommu = 0;
			else
				goto bad;
			break;
		case O_IPA:
			if (parse_size_arg(optarg, &x) || x < 32 || x > 52)
				goto bad;
			a->o.ipa_bits = (unsigned int)x;
			break;
		case O_XEN_IMAGE:
			if (parse_pair(optarg, &x, &y) || !y || y - 1 > UINT64_MAX - x)
				goto bad;
			a->o.xen_image_set = true;
			a->o.xen_image_start = x;
			a->o.xen_image_size = y;
			break;
		case O_XEN:
			if (xen_policy_parse(optarg, &a->o.policy))
				goto bad;
			break;
		case O_JSON: a->json = true; break;
		case O_SVG: a->svg = optarg; break;
		case O_DTB_OUT: a->dtb_out = optarg; break;
		case 'q': a->quiet = true; break;
		case 'h': usage(stdout); return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
		continue;
bad:
		for (k = 0; lo[k].name && lo[k].val != c; k++)
			;
		fprintf(stderr, "memvisor layout: bad value \"%s\" for --%s\n", optarg,
			lo[k].name ? lo[k].name : "?");
		return -EINVAL;
	}
	if (!p.npos || (p.npos > 1 && (a->svg || a->dtb_out || !a->json))) {
		usage(stderr);
		return -EINVAL;
	}
	a->dtb = argv[1];
	a->dtbs = &argv[1];
	a->nr_dtbs = p.npos;
	return 0;
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t r;

		if (n == cap) {
			char *nb;

			if (cap >= MAX_DTB)
				break;
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (!r)
			break;
	}
	fclose(f);
	*len = n;
	return buf ? buf : malloc(1);
}

static void print_diag(const struct bootinfo_diag *d)
{
	fprintf(stderr, "%s: %s%s", d->level == BOOTINFO_ERR ? "error" : "warning",
		d->path ? d->path : "", d->path ? ": " : "");
	if (d->has_addr)
		fprintf(stderr, "@%#" PRIx64 ": ", d->addr);
	fprintf(stderr, "%s\n", d->msg);
}

static void human(char *buf, size_t n, uint64_t v)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	unsigned int u = 0;

	while (u + 1 < ARRAY_SIZE(unit) && v >= 1024 && !(v % 1024)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, "%" PRIu64 " %s", v, unit[u]);
}

static void text_span(const char *what, paddr_t s, paddr_t size, const char *tail)
{
	char h[32];

	human(h, sizeof(h), size);
	printf("    %-9s %#14" PRIx64 " +%#-14" PRIx64 " %-9s%s\n", what, s, size, h,
	       tail ? tail : "");
}

static void text_note(const struct ext_note *n)
{
	char h[32];

	human(h, sizeof(h), n->size);
	switch (n->kind) {
	case EXT_NOTE_EXCLUDED:
		printf("      - %#" PRIx64 " +%#" PRIx64 " excluded by %s %s\n", n->start,
		       n->size, ext_kind_name(n->what), n->label ? n->label : "");
		break;
	case EXT_NOTE_TOO_SMALL:
		printf("      - %#" PRIx64 " +%#" PRIx64 " too small (< 64 MiB after 2 MiB "
		       "alignment)\n", n->start, n->size);
		break;
	case EXT_NOTE_CAPPED:
		printf("      - from %#" PRIx64 " capped: beyond the IPA limit\n", n->start);
		break;
	case EXT_NOTE_LIMIT:
		printf("      - %#" PRIx64 " +%#" PRIx64 " dropped: region list full\n",
		       n->start, n->size);
		break;
	case EXT_NOTE_BUG417:
		printf("      ! %#" PRIx64 " +%#" PRIx64 " (%s %s): Xen's range-removal "
		       "bug (before 4.19.3/4.20.1) changes the result here\n", n->start,
		       n->size, ext_kind_name(n->what), n->label ? n->label : "");
		break;
	case EXT_NOTE_SHORT2M:
		printf("      ! %#" PRIx64 " +%#" PRIx64 " lost: Xen 4.18-4.20 sizes the "
		       "region 2 MiB short of its free range\n", n->start, n->size);
		break;
	case EXT_NOTE_ERROR:
		printf("      ! search failed at %s %s address %#" PRIx64 "\n",
		       ext_kind_name(n->what), n->label ? n->label : "", n->start);
		break;
	default:
		break;
	}
}

static void print_text(const struct layout_args *a, const struct bootinfo *bi,
		       const struct layout_plan *p)
{
	unsigned int i, k;

	printf("memvisor layout %s: Xen %s policy (%s), IPA %u bits, host IOMMU %s%s\n",
	       a->dtb, xen_policy_traits(p->policy)->name,
	       xen_policy_traits(p->policy)->models, p->ipa_bits,
	       bi->iommu_present ? "present" : "absent",
	       bi->args.ext_regions ? "" : ", ext_regions=no");
	printf("  host\n");
	for (i = 0; i < bi->ram.n; i++)
		text_span("RAM", bi->ram.s[i].start, bi->ram.s[i].size, bi->ram.s[i].label);
	for (i = 0; i < bi->reserved.n; i++)
		text_span("reserved", bi->reserved.s[i].start, bi->reserved.s[i].size,
			  bi->reserved.s[i].label);
	for (i = 0; i < bi->nr_module; i++)
		text_span("module", bi->module[i].span.start, bi->module[i].span.size,
			  bi->module[i].span.label);
	if (p->no_boot.why) {
		printf("\n  %s\n", p->no_boot.message);
		return;
	}
	text_span("Xen", p->xen_image.start, p->xen_image.size, NULL);

	for (i = 0; i < p->nr_dom; i++) {
		const struct layout_domain *d = &p->dom[i];

		printf("\n  %s%s%s: %s, IOMMU %s, gpaddr_bits %u (getdomaininfo; physinfo "
		       "as proposed: %u), reg cells %u/%u\n",
		       d->name, d->path[0] ? " " : "", d->path,
		       d->direct_map ? "direct-mapped" : "guest layout",
		       d->iommu ? "on" : "off", d->gpaddr_bits,
		       layout_gpaddr_bits_physinfo(p), d->addr_cells, d->size_cells);
		if (d->invalid)
			printf("    (cannot be built: see the errors above)\n");
		for (k = 0; k < d->mem.n; k++)
			text_span("RAM", d->mem.s[k].start, d->mem.s[k].size, NULL);
		if (!d->direct_map)
			for (k = 0; k < d->host_mem.n; k++)
				text_span("host RAM", d->host_mem.s[k].start,
					  d->host_mem.s[k].size, "  (static, behind the guest RAM)");
		if (d->placement)
			printf("    (%s)\n", d->placement);
		if (!d->hypervisor_node) {
			printf("    no /hypervisor node (xen,enhanced not set): no grant "
			       "region, no extended regions\n");
			continue;
		}
		text_span("grant", d->gnttab.start, d->gnttab.size, "  region 0");
		if (d->algo == LAYOUT_ALGO_NONE) {
			printf("    no extended regions: %s\n", d->why_none ? d->why_none : "?");
			continue;
		}
		printf("    extended regions (%s):%s\n", layout_algo_name(d->algo),
		       d->ext.nr ? "" : " none");
		for (k = 0; k < d->ext.nr; k++) {
			char what[24];

			snprintf(what, sizeof(what), "region %u", k + 1);
			text_span(what, d->ext.region[k].start, d->ext.region[k].size, NULL);
		}
		if (d->ext.nr_note)
			printf("    left out:\n");
		for (k = 0; k < d->ext.nr_note; k++)
			text_note(&d->ext.note[k]);
	}
}

static void json_pair(FILE *f, paddr_t s, paddr_t size)
{
	fprintf(f, "[\"%#" PRIx64 "\",\"%#" PRIx64 "\"]", s, size);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* "name":[[start,size,kind,node],...] */
static void json_spans(FILE *f, const char *name, const struct bootinfo_spans *sp)
{
	unsigned int i;

	fprintf(f, "\"%s\":[", name);
	for (i = 0; i < sp->n; i++) {
		fprintf(f, "%s[\"%#" PRIx64 "\",\"%#" PRIx64 "\",\"%s\",", i ? "," : "",
			sp->s[i].start, sp->s[i].size, ext_kind_name(sp->s[i].kind));
		json_str(f, sp->s[i].label ? sp->s[i].label : "");
		fputc(']', f);
	}
	fputc(']', f);
}

static const char *note_kind_name(enum ext_note_kind k)
{
	switch (k) {
	case EXT_NOTE_EXCLUDED: return "excluded";
	case EXT_NOTE_TOO_SMALL: return "too_small";
	case EXT_NOTE_CAPPED: return "capped";
	case EXT_NOTE_LIMIT: return "limit";
	case EXT_NOTE_BUG417: return "xen417_bug"; /* the name predates 4.16-4.20.0 */
	case EXT_NOTE_SHORT2M: return "short_2mib";
	case EXT_NOTE_ERROR: return "error";
	default: return "info";
	}
}

static void print_json(FILE *f, const char *file, const struct bootinfo *bi,
		       const struct layout_plan *p)
{
	unsigned int i, k;

	fputs("{\"file\":", f);
	json_str(f, file);
	fprintf(f, ",\"xen\":\"%s\",\"xen_models\":\"%s\",\"ipa_bits\":%u,\"boots\":%s,",
		xen_policy_traits(p->policy)->name, xen_policy_traits(p->policy)->models,
		p->ipa_bits,
		p->no_boot.why ? "false" : "true");
	if (p->no_boot.why) {
		fprintf(f, "\"no_boot\":{\"why\":\"%s\",\"message\":", p->no_boot.why);
		json_str(f, p->no_boot.message);
		fputs(",\"between\":[", f);
		json_pair(f, p->no_boot.a.start, p->no_boot.a.size);
		fputc(',', f);
		json_pair(f, p->no_boot.b.start, p->no_boot.b.size);
		fputs("],\"nodes\":[", f);
		json_str(f, p->no_boot.a.label);
		fputc(',', f);
		json_str(f, p->no_boot.b.label);
		fputs("]},", f);
	}
	fputs("\"host\":{", f);
	json_spans(f, "ram", &bi->ram);
	fputc(',', f);
	json_spans(f, "reserved", &bi->reserved);
	fputc(',', f);
	json_spans(f, "devices", &bi->dev_regs);
	fputs(",\"xen_image\":", f);
	json_pair(f, p->xen_image.start, p->xen_image.size);
	fputs("},\"domains\":[", f);
	for (i = 0; i < p->nr_dom; i++) {
		const struct layout_domain *d = &p->dom[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_str(f, d->name);
		fprintf(f, ",\"direct_map\":%s,\"iommu\":%s,\"gpaddr_bits\":%u,\"memory\":[",
			d->direct_map ? "true" : "false", d->iommu ? "true" : "false",
			d->gpaddr_bits);
		for (k = 0; k < d->mem.n; k++) {
			fputs(k ? "," : "", f);
			json_pair(f, d->mem.s[k].start, d->mem.s[k].size);
		}
		fprintf(f, "],\"hypervisor_node\":%s,\"grant_table\":",
			d->hypervisor_node ? "true" : "false");
		if (d->hypervisor_node)
			json_pair(f, d->gnttab.start, d->gnttab.size);
		else
			fputs("null", f);
		fputs(",\"extended_regions\":[", f);
		for (k = 0; k < d->ext.nr; k++) {
			fputs(k ? "," : "", f);
			json_pair(f, d->ext.region[k].start, d->ext.region[k].size);
		}
		fprintf(f, "],\"algorithm\":\"%s\"", layout_algo_name(d->algo));
		if (d->why_none) {
			fputs(",\"why_none\":", f);
			json_str(f, d->why_none);
		}
		fputs(",\"left_out\":[", f);
		for (k = 0; k < d->ext.nr_note; k++) {
			const struct ext_note *n = &d->ext.note[k];

			fprintf(f, "%s{\"why\":\"%s\",\"start\":\"%#" PRIx64 "\",\"size\":\"%#"
				PRIx64 "\"", k ? "," : "", note_kind_name(n->kind), n->start,
				n->size);
			if (n->kind == EXT_NOTE_EXCLUDED || n->kind == EXT_NOTE_BUG417 ||
			    n->kind == EXT_NOTE_ERROR) {
				fprintf(f, ",\"by\":\"%s\",\"node\":", ext_kind_name(n->what));
				json_str(f, n->label ? n->label : "");
			}
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("],\"diagnostics\":[", f);
	for (i = 0; i < bi->nr_diag + p->nr_msg; i++) {
		const struct bootinfo_diag *d = i < bi->nr_diag ? &bi->diag[i]
								: &p->msg[i - bi->nr_diag];

		fprintf(f, "%s{\"level\":\"%s\",\"node\":", i ? "," : "",
			d->level == BOOTINFO_ERR ? "error" : "warning");
		json_str(f, d->path ? d->path : "");
		if (d->has_addr)
			fprintf(f, ",\"address\":\"%#" PRIx64 "\"", d->addr);
		fputs(",\"message\":", f);
		json_str(f, d->msg);
		fputc('}', f);
	}
	fputs("]}\n", f);
}

static int write_dtbs(const char *dir, const struct bootinfo *bi,
		      const struct layout_plan *p)
{
	size_t cap = 1 << 16;
	void *buf = malloc(cap);
	unsigned int i;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "memvisor layout: cannot create %s: %s\n", dir, strerror(errno));
		free(buf);
		return -errno;
	}
	for (i = 0; i < p->nr_dom && !rc; i++) {
		struct guestdt_info gi;
		struct guestdt_report rep;
		char path[4096];
		FILE *f;
		int n;

		layout_guestdt_info(p, bi, i, &gi);
		n = guestdt_build(buf, cap, &gi, &rep);
		if (n < 0) {
			fprintf(stderr, "memvisor layout: %s: guest DT: %s\n", p->dom[i].name,
				strerror(-n));
			rc = n;
			break;
		}
		snprintf(path, sizeof(path), "%s/%s.dtb", dir, p->dom[i].name);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
			fprintf(stderr, "memvisor layout: cannot write %s\n", path);
			rc = -EIO;
		}
		if (f && fclose(f))
			rc = -EIO;
	}
	free(buf);
	return rc;
}

/* Plans one DTB; 0 planned, 1 unusable DTB or output failure. */
static int layout_one(struct layout_args *a, const char *path)
{
	struct bootinfo bi;
	struct layout_plan plan;
	struct bootinfo_opts bo;
	void *blob;
	size_t len = 0;
	unsigned int i;
	int rc, ret = 1;

	memset(&bi, 0, sizeof(bi));
	memset(&plan, 0, sizeof(plan));
	a->dtb = path;
	blob = read_file(path, &len);
	if (!blob) {
		fprintf(stderr, "memvisor layout: cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}

	bo.policy = a->o.policy;
	bo.bootargs = a->bootargs;
	rc = bootinfo_parse(&bi, blob, len, &bo);
	if (!a->quiet)
		for (i = 0; i < bi.nr_diag; i++)
			print_diag(&bi.diag[i]);
	if (rc) {
		fprintf(stderr, "memvisor layout: %s: unusable device tree\n", path);
		goto out_bi;
	}
	rc = layout_plan(&bi, &a->o, &plan);
	if (!a->quiet)
		for (i = 0; i < plan.nr_msg; i++)
			print_diag(&plan.msg[i]);
	if (rc) {
		fprintf(stderr, "memvisor layout: %s: planning failed: %s\n", path,
			strerror(-rc));
		goto out_plan;
	}

	if (a->json)
		print_json(stdout, path, &bi, &plan);
	else
		print_text(a, &bi, &plan);

	if (plan.no_boot.why) {
		fprintf(stderr, "memvisor layout: %s: %s\n", path, plan.no_boot.message);
		goto out_plan;
	}
	ret = 0;
	if (a->svg) {
		FILE *f = fopen(a->svg, "w");

		if (!f || svg_write_plan(f, &bi, &plan)) {
			fprintf(stderr, "memvisor layout: cannot write %s\n", a->svg);
			ret = 1;
		}
		if (f && fclose(f))
			ret = 1;
	}
	if (a->dtb_out && write_dtbs(a->dtb_out, &bi, &plan))
		ret = 1;
out_plan:
	layout_free(&plan);
out_bi:
	bootinfo_free(&bi);
	free(blob);
	return ret;
}

int cmd_layout(int argc, char **argv)
{
	struct layout_args *a = calloc(1, sizeof(*a));
	int rc, i, ret = 0;

	if (!a)
		return 1;
	rc = parse_args(argc, argv, a);
	if (rc) {
		ret = rc > 0 ? 0 : 2;
		goto out;
	}
	for (i = 0; i < a->nr_dtbs; i++)
		if (layout_one(a, a->dtbs[i]))
			ret = 1;
out:
	free(a);
	return ret;
}
