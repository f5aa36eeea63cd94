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
#include "json.h"
#include "layout_priv.h"
#include "svg.h"

#define MAX_DTB (64u << 20)

struct layout_args {
	const char *dtb;
	char **dtbs;          /* several DTBs: one plan per file (JSON Lines) */
	int nr_dtbs;
	const char *bootargs;
	const char *svg;
	const char *dtb_out;
	const char *domu_cfg; /* --domu-cfg: plan a libxl DomU instead */
	bool json;
	bool quiet;
	enum xen_policy compare[XEN_POLICY__COUNT]; /* --compare A,B,...: releases */
	unsigned int nr_compare;
	struct layout_opts o;
	struct ext_span banks[64];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: memvisor layout HOST.dtb [options]\n"
		"       memvisor layout --json A.dtb B.dtb ...   (one JSON line per file)\n"
		"       memvisor layout --domu-cfg DOMU.cfg [--xen V] [--ipa-bits N] [--json]\n"
		"                       [--dtb-out DIR]\n"
		"  --domu-cfg FILE       plan the DomU libxl creates from this xl.cfg: its RAM\n"
		"                        banks, grant region, extended regions for the\n"
		"                        gpaddr_bits given by --ipa-bits (default: what the\n"
		"                        hypervisor reports for a created domain, 40) and its\n"
		"                        virtio-mmio windows\n"
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
		"  --compare A,B[,..]    what changes from release A to B (to C ...),\n"
		"                        region by region, and which rule causes it\n"
		"  --json                JSON instead of text\n"
		"  --svg FILE            draw the address maps\n"
		"  --dtb-out DIR         write each guest's device tree\n"
		"  -q, --quiet           no diagnostics on stderr\n");
}

static int parse_size_arg(const char *s, uint64_t *v)
{
	const char *end;

	return (cmdline_parse_size(s, &end, v) || *end) ? -EINVAL : 0;
}

/* "START:SIZE" */
static int parse_pair(const char *s, uint64_t *a, uint64_t *b)
{
	const char *end;

	if (cmdline_parse_size(s, &end, a) || *end != ':')
		return -EINVAL;
	return parse_size_arg(end + 1, b);
}

static int parse_args(int argc, char **argv, struct layout_args *a)
{
	enum { O_BOOTARGS = 256, O_DOM0_MEM, O_DOM0_BANKS, O_IOMMU, O_IPA, O_XEN_IMAGE,
	       O_XEN, O_JSON, O_SVG, O_DTB_OUT, O_NO_DOM0, O_COMPARE, O_DOMU_CFG };
	static const struct option lo[] = {
		{"bootargs", required_argument, NULL, O_BOOTARGS},
		{"dom0-mem", required_argument, NULL, O_DOM0_MEM},
		{"dom0-banks", required_argument, NULL, O_DOM0_BANKS},
		{"no-dom0", no_argument, NULL, O_NO_DOM0},
		{"iommu", required_argument, NULL, O_IOMMU},
		{"ipa-bits", required_argument, NULL, O_IPA},
		{"xen-image", required_argument, NULL, O_XEN_IMAGE},
		{"xen", required_argument, NULL, O_XEN},
		{"compare", required_argument, NULL, O_COMPARE},
		{"json", no_argument, NULL, O_JSON},
		{"svg", required_argument, NULL, O_SVG},
		{"dtb-out", required_argument, NULL, O_DTB_OUT},
		{"domu-cfg", required_argument, NULL, O_DOMU_CFG},
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
		case O_COMPARE:
			copy = strdup(optarg);
			if (!copy)
				return -ENOMEM;
			a->nr_compare = 0;
			for (tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (a->nr_compare >= ARRAY_SIZE(a->compare) ||
				    xen_policy_parse(tok, &a->compare[a->nr_compare])) {
					free(copy);
					goto bad;
				}
				a->nr_compare++;
			}
			free(copy);
			if (a->nr_compare < 2)
				goto bad;
			break;
		case O_JSON: a->json = true; break;
		case O_SVG: a->svg = optarg; break;
		case O_DTB_OUT: a->dtb_out = optarg; break;
		case O_DOMU_CFG: a->domu_cfg = optarg; break;
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
	if (a->domu_cfg) {
		/* a libxl DomU does not depend on the host tree */
		if (p.npos || a->nr_compare || a->svg) {
			fprintf(stderr, "memvisor layout: --domu-cfg takes no host DTB, "
				"--compare or --svg\n");
			usage(stderr);
			return -EINVAL;
		}
		return 0;
	}
	if (!p.npos || (p.npos > 1 && (a->svg || a->dtb_out || !a->json)) ||
	    (a->nr_compare && a->dtb_out)) {
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
	void *buf;

	if (!f)
		return NULL;
	buf = cli_read_all(f, MAX_DTB, len);
	fclose(f);
	return buf;
}

static void print_diag(const struct bootinfo_diag *d)
{
	fprintf(stderr, "%s: %s%s", d->level == BOOTINFO_ERR ? "error" : "warning",
		d->path ? d->path : "", d->path ? ": " : "");
	if (d->has_addr)
		fprintf(stderr, "@%#" PRIx64 ": ", d->addr);
	fprintf(stderr, "%s\n", d->msg);
}

void layout_human(char *buf, size_t n, uint64_t v)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	unsigned int u = 0;

	while (u + 1 < ARRAY_SIZE(unit) && v >= 1024 && !(v % 1024)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, "%" PRIu64 " %s", v, unit[u]);
}

void layout_text_span(const char *what, paddr_t s, paddr_t size, const char *tail)
{
	char h[32];

	layout_human(h, sizeof(h), size);
	printf("    %-9s %#14" PRIx64 " +%#-14" PRIx64 " %-9s%s\n", what, s, size, h,
	       tail ? tail : "");
}

void layout_text_note(const struct ext_note *n)
{
	char h[32];

	layout_human(h, sizeof(h), n->size);
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
		layout_text_span("RAM", bi->ram.s[i].start, bi->ram.s[i].size, bi->ram.s[i].label);
	for (i = 0; i < bi->reserved.n; i++)
		layout_text_span("reserved", bi->reserved.s[i].start, bi->reserved.s[i].size,
			  bi->reserved.s[i].label);
	for (i = 0; i < bi->nr_module; i++)
		layout_text_span("module", bi->module[i].span.start, bi->module[i].span.size,
			  bi->module[i].span.label);
	if (p->no_boot.why) {
		printf("\n  %s\n", p->no_boot.message);
		return;
	}
	layout_text_span("Xen", p->xen_image.start, p->xen_image.size, NULL);

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
			layout_text_span("RAM", d->mem.s[k].start, d->mem.s[k].size, NULL);
		if (!d->direct_map)
			for (k = 0; k < d->host_mem.n; k++)
				layout_text_span("host RAM", d->host_mem.s[k].start,
					  d->host_mem.s[k].size, "  (static, behind the guest RAM)");
		if (d->placement)
			printf("    (%s)\n", d->placement);
		if (!d->hypervisor_node) {
			printf("    no /hypervisor node (xen,enhanced not set): no grant "
			       "region, no extended regions\n");
			continue;
		}
		layout_text_span("grant", d->gnttab.start, d->gnttab.size, "  region 0");
		if (d->algo == LAYOUT_ALGO_NONE) {
			printf("    no extended regions: %s\n", d->why_none ? d->why_none : "?");
			continue;
		}
		printf("    extended regions (%s):%s\n", layout_algo_name(d->algo),
		       d->ext.nr ? "" : " none");
		for (k = 0; k < d->ext.nr; k++) {
			char what[24];

			snprintf(what, sizeof(what), "region %u", k + 1);
			layout_text_span(what, d->ext.region[k].start, d->ext.region[k].size, NULL);
		}
		if (d->ext.nr_note)
			printf("    left out:\n");
		for (k = 0; k < d->ext.nr_note; k++)
			layout_text_note(&d->ext.note[k]);
	}
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

const char *layout_note_kind_name(enum ext_note_kind k)
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
		json_hex_pair(f, p->no_boot.a.start, p->no_boot.a.size);
		fputc(',', f);
		json_hex_pair(f, p->no_boot.b.start, p->no_boot.b.size);
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
	json_hex_pair(f, p->xen_image.start, p->xen_image.size);
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
			json_hex_pair(f, d->mem.s[k].start, d->mem.s[k].size);
		}
		fprintf(f, "],\"hypervisor_node\":%s,\"grant_table\":",
			d->hypervisor_node ? "true" : "false");
		if (d->hypervisor_node)
			json_hex_pair(f, d->gnttab.start, d->gnttab.size);
		else
			fputs("null", f);
		fputs(",\"extended_regions\":[", f);
		for (k = 0; k < d->ext.nr; k++) {
			fputs(k ? "," : "", f);
			json_hex_pair(f, d->ext.region[k].start, d->ext.region[k].size);
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
				PRIx64 "\"", k ? "," : "", layout_note_kind_name(n->kind), n->start,
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

/* ----- --compare: the same tree under several releases ----- */

/* One release's view of the tree. */
struct cmp_side {
	const struct xen_policy_traits *t;
	struct bootinfo bi;
	struct layout_plan plan;
	int rc;                /* bootinfo_parse / layout_plan result */
};

/* A piece of address space that is a region under one release only. */
struct cmp_piece {
	paddr_t start, size;
	int only_in;           /* 0 or 1: which side of the pair has it */
	const char *rule;      /* short name of the rule that makes the difference */
	char why[200];
};

static const struct layout_domain *cmp_dom(const struct layout_plan *p, const char *name)
{
	unsigned int i;

	for (i = 0; i < p->nr_dom; i++)
		if (!strcmp(p->dom[i].name, name))
			return &p->dom[i];
	return NULL;
}

static const struct ext_note *cmp_note(const struct layout_domain *d,
				       enum ext_note_kind k, paddr_t s, paddr_t size)
{
	unsigned int i;

	for (i = 0; d && i < d->ext.nr_note; i++) {
		const struct ext_note *n = &d->ext.note[i];

		if (n->kind == k && (!size || (n->start < s + size && s < n->start + n->size)))
			return n;
	}
	return NULL;
}

/*
 * Why [s, s+size) is a region under `has` (release th) and not under `lacks`
 * (release tl). The notes of the release that leaves it out say what took
 * it; the rule is the table row that differs between the two.
 */
static void cmp_explain(struct cmp_piece *pc, const struct layout_domain *has,
			const struct layout_domain *lacks,
			const struct xen_policy_traits *th, const struct xen_policy_traits *tl)
{
	const struct ext_note *n;

	if (!lacks) {
		pc->rule = "domain";
		snprintf(pc->why, sizeof(pc->why), "the domain exists only under Xen %s",
			 th->name);
	} else if (lacks->algo == LAYOUT_ALGO_NONE && lacks->why_none) {
		pc->rule = th->domu != tl->domu ? "domu_holes" : "no_regions";
		snprintf(pc->why, sizeof(pc->why), "Xen %s gives no regions: %s", tl->name,
			 lacks->why_none);
	} else if (tl->short_2m && !th->short_2m &&
		   cmp_note(lacks, EXT_NOTE_SHORT2M, pc->start, pc->size)) {
		pc->rule = "short_2m";
		snprintf(pc->why, sizeof(pc->why), "Xen %s sizes regions 2 MiB short of "
			 "their free range (4.18-4.20, facts 8b.1)", tl->name);
	} else if ((n = cmp_note(lacks, EXT_NOTE_LIMIT, pc->start, pc->size)) &&
		   tl->region_limit < th->region_limit) {
		pc->rule = "region_limit";
		snprintf(pc->why, sizeof(pc->why), "Xen %s stops at %u regions", tl->name,
			 tl->region_limit);
	} else if (th->removal_bug && !tl->removal_bug &&
		   cmp_note(has, EXT_NOTE_BUG417, 0, 0)) {
		pc->rule = "removal_bug";
		snprintf(pc->why, sizeof(pc->why), "Xen %s's range-removal bug gives back "
			 "removed space (facts 8.4; fixed in 4.19.3, 4.20.1)", th->name);
	} else if (tl->removal_bug && !th->removal_bug &&
		   cmp_note(lacks, EXT_NOTE_BUG417, 0, 0)) {
		pc->rule = "removal_bug";
		snprintf(pc->why, sizeof(pc->why), "Xen %s's range-removal bug changes the "
			 "ranges here (facts 8.4, 8.5)", tl->name);
	} else if (tl->short_2m && cmp_note(lacks, EXT_NOTE_SHORT2M, pc->start, pc->size)) {
		/* Both releases have it: a range ends here under one of them
		 * only (a new exclusion), and loses 2 MiB. */
		pc->rule = "short_2m";
		snprintf(pc->why, sizeof(pc->why), "Xen %s sizes regions 2 MiB short of "
			 "their free range (4.18-4.20, facts 8b.1), and under it a range "
			 "ends here", tl->name);
	} else if ((n = cmp_note(lacks, EXT_NOTE_EXCLUDED, pc->start, pc->size)) &&
		   ((n->what == EXT_K_MEMRESERVE && tl->memreserve_excluded != th->memreserve_excluded) ||
		    (n->what == EXT_K_XEN_REG && tl->xen_reg_excluded != th->xen_reg_excluded) ||
		    (n->what == EXT_K_SHM && (tl->shm_excluded != th->shm_excluded ||
					      tl->domu != th->domu)))) {
		pc->rule = n->what == EXT_K_MEMRESERVE ? "memreserve_excluded"
			   : n->what == EXT_K_XEN_REG ? "xen_reg_excluded" : "shm_excluded";
		snprintf(pc->why, sizeof(pc->why), "Xen %s takes away %s%s%s; Xen %s does not",
			 tl->name, ext_kind_name(n->what), n->label ? " " : "",
			 n->label && n->what != EXT_K_MEMRESERVE ? n->label
			 : n->label ? n->label + strlen("/memreserve/ ") : "", th->name);
	} else if (th->domu != tl->domu && !has->is_dom0 && !has->direct_map) {
		pc->rule = "domu_holes";
		snprintf(pc->why, sizeof(pc->why), "DomU holes are computed differently "
			 "(Xen %s vs %s, facts 1.6)", th->name, tl->name);
	} else if ((n = cmp_note(lacks, EXT_NOTE_EXCLUDED, pc->start, pc->size))) {
		pc->rule = "excluded";
		snprintf(pc->why, sizeof(pc->why), "Xen %s takes away %s %s here",
			 tl->name, ext_kind_name(n->what), n->label ? n->label : "");
	} else if (cmp_note(lacks, EXT_NOTE_TOO_SMALL, pc->start, pc->size)) {
		pc->rule = "too_small";
		snprintf(pc->why, sizeof(pc->why), "under Xen %s what is left here is below "
			 "64 MiB", tl->name);
	} else {
		pc->rule = "other";
		snprintf(pc->why, sizeof(pc->why), "the host scan differs (RAM nodes, "
			 "reserved order: facts 8.1, 8.9)");
	}
}

/* Appends p to the list (*pc, *n); -ENOMEM leaves the list as it was. */
static int cmp_push(struct cmp_piece **pc, unsigned int *n, struct cmp_piece p)
{
	struct cmp_piece *m = realloc(*pc, (*n + 1) * sizeof(**pc));

	if (!m)
		return -ENOMEM;
	*pc = m;
	m[(*n)++] = p;
	return 0;
}

/* Pieces of x's regions not covered by y's (both ascending, disjoint). */
static int cmp_pieces(const struct ext_result *x, const struct ext_result *y, int side,
		      struct cmp_piece **out, unsigned int *nr)
{
	unsigned int i, k;

	for (i = 0; i < x->nr; i++) {
		paddr_t cur = x->region[i].start, end = cur + x->region[i].size;

		for (k = 0; y && k < y->nr && cur < end; k++) {
			paddr_t ys = y->region[k].start, ye = ys + y->region[k].size;

			if (ye <= cur || ys >= end)
				continue;
			if (ys > cur &&
			    cmp_push(out, nr, (struct cmp_piece){.start = cur, .size = ys - cur,
								 .only_in = side}))
				return -ENOMEM;
			cur = ye;
		}
		if (cur < end &&
		    cmp_push(out, nr, (struct cmp_piece){.start = cur, .size = end - cur,
							 .only_in = side}))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Cuts pieces at the edges of the lacking release's 2 MiB-short notes, so
 * that a piece lost partly to the short sizing and partly to an exclusion
 * gets one reason each.
 */
static int cmp_split(struct cmp_piece **pc, unsigned int *npc,
		     const struct layout_domain *lack[2])
{
	unsigned int i, k;

	for (i = 0; i < *npc; i++) {
		const struct layout_domain *d = lack[(*pc)[i].only_in];

		for (k = 0; d && k < d->ext.nr_note; k++) {
			const struct ext_note *n = &d->ext.note[k];
			struct cmp_piece *p = &(*pc)[i], tail;
			paddr_t cut = 0, end = p->start + p->size;

			if (n->kind != EXT_NOTE_SHORT2M)
				continue;
			if (n->start > p->start && n->start < end)
				cut = n->start;
			else if (n->start + n->size > p->start && n->start + n->size < end)
				cut = n->start + n->size;
			if (!cut)
				continue;
			tail = *p;
			tail.start = cut;
			tail.size = end - cut;
			if (cmp_push(pc, npc, tail))
				return -ENOMEM;
			(*pc)[i].size = cut - (*pc)[i].start;
		}
	}
	return 0;
}

static int cmp_piece_order(const void *a, const void *b)
{
	const struct cmp_piece *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void cmp_regions_json(FILE *f, const struct layout_domain *d)
{
	unsigned int k;

	fputc('[', f);
	for (k = 0; d && k < d->ext.nr; k++) {
		fputs(k ? "," : "", f);
		json_hex_pair(f, d->ext.region[k].start, d->ext.region[k].size);
	}
	fputc(']', f);
}

static void cmp_regions_text(const char *rel, const struct layout_domain *d)
{
	unsigned int k;

	printf("    Xen %-7s", rel);
	if (!d) {
		printf(" (no such domain)\n");
		return;
	}
	if (!d->ext.nr)
		printf(" no regions%s%s", d->why_none ? ": " : "", d->why_none ? d->why_none : "");
	for (k = 0; k < d->ext.nr; k++)
		printf("%s%#" PRIx64 "+%#" PRIx64, k ? ", " : " ", d->ext.region[k].start,
		       d->ext.region[k].size);
	printf("\n");
}

/* Compares sides x and y; prints text or one JSON object of the "changes". */
static int cmp_pair(const struct layout_args *a, struct cmp_side *x, struct cmp_side *y,
		    bool first)
{
	const struct cmp_side *sd[2] = {x, y};
	unsigned int i, k, n, nd;
	int rc = 0;

	if (a->json) {
		fprintf(stdout, "%s{\"from\":\"%s\",\"to\":\"%s\"", first ? "" : ",",
			x->t->name, y->t->name);
	} else {
		printf("\n  Xen %s -> %s\n", x->t->name, y->t->name);
	}
	if (x->plan.no_boot.why || y->plan.no_boot.why) {
		if (a->json) {
			fputs(",\"boot\":[", stdout);
			for (i = 0; i < 2; i++) {
				fputs(i ? "," : "", stdout);
				if (sd[i]->plan.no_boot.why)
					json_str(stdout, sd[i]->plan.no_boot.why);
				else
					fputs("null", stdout);
			}
			fputs("],\"domains\":[]}", stdout);
		} else {
			for (i = 0; i < 2; i++)
				printf("    Xen %-7s %s\n", sd[i]->t->name,
				       sd[i]->plan.no_boot.why ? sd[i]->plan.no_boot.message
							       : "boots");
			printf("    no region comparison: %s\n",
			       x->plan.no_boot.why && y->plan.no_boot.why
				       ? "neither boots the tree" : "only one boots the tree");
		}
		return 0;
	}

	if (a->json)
		fputs(",\"boot\":[null,null],\"domains\":[", stdout);
	/* Domains of x, then those only in y. */
	nd = x->plan.nr_dom + y->plan.nr_dom;
	for (n = 0, i = 0; i < nd && !rc; i++) {
		const char *name = i < x->plan.nr_dom ? x->plan.dom[i].name
						      : y->plan.dom[i - x->plan.nr_dom].name;
		const struct layout_domain *dx = cmp_dom(&x->plan, name), *dy = cmp_dom(&y->plan, name);
		struct cmp_piece *pc = NULL;
		unsigned int npc = 0, m;

		if (i >= x->plan.nr_dom && dx)
			continue;
		rc = cmp_pieces(dx ? &dx->ext : NULL, dy ? &dy->ext : NULL, 0, &pc, &npc);
		if (!rc && dy)
			rc = cmp_pieces(&dy->ext, dx ? &dx->ext : NULL, 1, &pc, &npc);
		if (!rc) {
			const struct layout_domain *lack[2] = {dy, dx};

			rc = cmp_split(&pc, &npc, lack);
		}
		for (k = 0; !rc && k < npc; k++) {
			bool in_x = pc[k].only_in == 0;

			cmp_explain(&pc[k], in_x ? dx : dy, in_x ? dy : dx,
				    in_x ? x->t : y->t, in_x ? y->t : x->t);
		}
		if (npc > 1)
			qsort(pc, npc, sizeof(*pc), cmp_piece_order);
		/* Rejoin touching pieces that got the same reason. */
		for (k = 1, m = 0; k < npc; k++) {
			if (pc[m].start + pc[m].size == pc[k].start &&
			    pc[m].only_in == pc[k].only_in && !strcmp(pc[m].why, pc[k].why))
				pc[m].size += pc[k].size;
			else
				pc[++m] = pc[k];
		}
		if (npc)
			npc = m + 1;
		if (a->json) {
			fprintf(stdout, "%s{\"name\":", n++ ? "," : "");
			json_str(stdout, name);
			fputs(",\"regions\":[", stdout);
			cmp_regions_json(stdout, dx);
			fputc(',', stdout);
			cmp_regions_json(stdout, dy);
			fputs("],\"changes\":[", stdout);
			for (k = 0; k < npc; k++) {
				fprintf(stdout, "%s{\"start\":\"%#" PRIx64 "\",\"size\":\"%#" PRIx64
					"\",\"only_in\":\"%s\",\"rule\":\"%s\",\"why\":",
					k ? "," : "", pc[k].start, pc[k].size,
					sd[pc[k].only_in]->t->name, pc[k].rule);
				json_str(stdout, pc[k].why);
				fputc('}', stdout);
			}
			fputs("]}", stdout);
		} else {
			if (npc)
				printf("    %s: %u change%s\n", name, npc, npc == 1 ? "" : "s");
			else
				printf("    %s: the same regions\n", name);
			cmp_regions_text(x->t->name, dx);
			cmp_regions_text(y->t->name, dy);
			for (k = 0; k < npc; k++) {
				char h[32];

				layout_human(h, sizeof(h), pc[k].size);
				printf("      %#" PRIx64 " +%#" PRIx64 " (%s) only in Xen %s: %s [%s]\n",
				       pc[k].start, pc[k].size, h, sd[pc[k].only_in]->t->name,
				       pc[k].why, pc[k].rule);
			}
		}
		free(pc);
	}
	if (a->json)
		fputs("]}", stdout);
	return rc;
}

/* --svg with --compare: Dom0 (else the first domain) under every release,
 * one column each, next to the host as the first release that boots sees
 * it. */
static int cmp_svg(const struct layout_args *a, const struct cmp_side *sd)
{
	const struct layout_plan **plans = calloc(a->nr_compare, sizeof(*plans));
	const struct cmp_side *host = NULL;
	const char *dom = "dom0";
	unsigned int i;
	FILE *f;
	int ret = 0;

	if (!plans)
		return 1;
	for (i = 0; i < a->nr_compare; i++) {
		plans[i] = &sd[i].plan;
		if (!host && !sd[i].plan.no_boot.why)
			host = &sd[i];
	}
	if (!host)
		host = &sd[0];
	if (host->plan.nr_dom && !cmp_dom(&host->plan, "dom0"))
		dom = host->plan.dom[0].name;
	f = fopen(a->svg, "w");
	if (!f || svg_write_compare(f, &host->bi, plans, a->nr_compare, dom)) {
		fprintf(stderr, "memvisor layout: cannot write %s\n", a->svg);
		ret = 1;
	}
	if (f && fclose(f))
		ret = 1;
	free(plans);
	return ret;
}

/* Plans one DTB under every release of --compare; 0, or 1 when the DTB
 * cannot be used. A release that refuses the tree is part of the answer,
 * not a failure. */
static int layout_compare(struct layout_args *a, const char *path)
{
	struct cmp_side *sd;
	void *blob;
	size_t len = 0;
	unsigned int i, k;
	int ret = 0;

	blob = read_file(path, &len);
	if (!blob) {
		fprintf(stderr, "memvisor layout: cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	sd = calloc(a->nr_compare, sizeof(*sd));
	if (!sd) {
		free(blob);
		return 1;
	}
	for (i = 0; i < a->nr_compare && !ret; i++) {
		struct bootinfo_opts bo = {.policy = a->compare[i], .bootargs = a->bootargs};
		struct layout_opts o = a->o;

		o.policy = a->compare[i];
		sd[i].t = xen_policy_traits(a->compare[i]);
		sd[i].rc = bootinfo_parse(&sd[i].bi, blob, len, &bo);
		if (!a->quiet && i == 0)
			for (k = 0; k < sd[i].bi.nr_diag; k++)
				print_diag(&sd[i].bi.diag[k]);
		if (sd[i].rc) {
			fprintf(stderr, "memvisor layout: %s: unusable device tree\n", path);
			ret = 1;
			break;
		}
		sd[i].rc = layout_plan(&sd[i].bi, &o, &sd[i].plan);
		if (sd[i].rc) {
			fprintf(stderr, "memvisor layout: %s: planning failed under Xen %s: %s\n",
				path, sd[i].t->name, strerror(-sd[i].rc));
			ret = 1;
		}
	}
	if (!ret) {
		if (a->json) {
			fputs("{\"file\":", stdout);
			json_str(stdout, path);
			fputs(",\"releases\":[", stdout);
			for (i = 0; i < a->nr_compare; i++) {
				fprintf(stdout, "%s{\"xen\":\"%s\",\"xen_models\":\"%s\",\"boots\":%s",
					i ? "," : "", sd[i].t->name, sd[i].t->models,
					sd[i].plan.no_boot.why ? "false" : "true");
				if (sd[i].plan.no_boot.why) {
					fprintf(stdout, ",\"no_boot\":{\"why\":\"%s\",\"message\":",
						sd[i].plan.no_boot.why);
					json_str(stdout, sd[i].plan.no_boot.message);
					fputc('}', stdout);
				}
				fputc('}', stdout);
			}
			fputs("],\"changes\":[", stdout);
		} else {
			printf("memvisor layout %s: comparing", path);
			for (i = 0; i < a->nr_compare; i++)
				printf("%s Xen %s (%s)", i ? "," : "", sd[i].t->name, sd[i].t->models);
			printf("\n");
		}
		for (i = 0; i + 1 < a->nr_compare && !ret; i++)
			if (cmp_pair(a, &sd[i], &sd[i + 1], i == 0))
				ret = 1;
		if (a->json)
			fputs("]}\n", stdout);
		if (!ret && a->svg)
			ret = cmp_svg(a, sd);
	}
	for (i = 0; i < a->nr_compare; i++) {
		layout_free(&sd[i].plan);
		bootinfo_free(&sd[i].bi);
	}
	free(sd);
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
	if (a->domu_cfg) {
		ret = layout_domu_cmd(a->domu_cfg, a->o.policy, a->o.ipa_bits, a->json,
				      a->dtb_out);
		goto out;
	}
	for (i = 0; i < a->nr_dtbs; i++)
		if (a->nr_compare ? layout_compare(a, a->dtbs[i]) : layout_one(a, a->dtbs[i]))
			ret = 1;
out:
	free(a);
	return ret;
}
