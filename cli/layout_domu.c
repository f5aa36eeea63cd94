/*
 * `memvisor layout --domu-cfg FILE`: reads and parses the xl.cfg, plans the
 * DomU (domu_plan.c) and prints the plan as text or JSON, or writes its
 * device tree.
 *
 * Exit status: 0 planned, 1 the config cannot be read, parsed or planned
 * (the message names the file, line and key, or the disk), 2 usage
 * (layout.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "domu_plan.h"
#include "json.h"
#include "layout_priv.h"

/* ----- the command ----- */

static void domu_text(const char *file, const struct xlcfg *cfg, const struct domu_plan *p,
		      const char *bits_from)
{
	const struct xen_policy_traits *t = xen_policy_traits(p->policy);
	char h[32];
	unsigned int k;

	printf("memvisor layout --domu-cfg %s: libxl DomU \"%s\", Xen %s policy (%s)\n", file,
	       cfg->name, t->name, t->models);
	printf("  gpaddr_bits %u (%s)\n", p->gpaddr_bits, bits_from);
	layout_human(h, sizeof(h), p->ram_bytes);
	printf("  %s, memory %s (maxmem %" PRIu64 " MiB), %u vCPU%s (max %u), kernel %s\n",
	       xlcfg_type_name(cfg->type), h, cfg->maxmem_mib, cfg->vcpus,
	       cfg->vcpus == 1 ? "" : "s", cfg->maxvcpus, cfg->kernel);
	if (cfg->extra[0])
		printf("  command line: %s\n", cfg->extra);
	for (k = 0; k < p->nr_mem; k++)
		layout_text_span("RAM", p->mem[k].start, p->mem[k].size, p->mem[k].label);
	layout_text_span("grant", p->gnttab.start, p->gnttab.size, "  region 0");
	printf("    extended regions (libxl, %s):%s\n",
	       xen_policy_traits(p->policy)->libxl_iomem ? "up to 256"
							  : "one per RAM bank at most",
	       p->ext.nr ? "" : " none");
	for (k = 0; k < p->ext.nr; k++) {
		char what[24];

		snprintf(what, sizeof(what), "region %u", k + 1);
		layout_text_span(what, p->ext.region[k].start, p->ext.region[k].size, NULL);
	}
	if (p->ext.nr_note)
		printf("    left out:\n");
	for (k = 0; k < p->ext.nr_note; k++)
		layout_text_note(&p->ext.note[k]);
	for (k = 0; k < p->nr_virtio; k++) {
		const struct domu_virtio *v = &p->virtio[k];
		const struct xlcfg_disk *d = &cfg->disk[v->disk];
		char what[24], tail[XLCFG_PATH_MAX + 128];

		snprintf(what, sizeof(what), "virtio %u", k);
		snprintf(tail, sizeof(tail), "  SPI %u, %s <- %s (backend %s, %s, %s)", v->spi,
			 d->vdev, d->target, d->backend[0] ? d->backend : "0",
			 xlcfg_backendtype_name(d->backendtype), d->readonly ? "ro" : "rw");
		layout_text_span(what, v->base, v->size, tail);
	}
}

static void domu_json(const char *file, const struct xlcfg *cfg, const struct domu_plan *p,
		      const char *bits_from)
{
	const struct xen_policy_traits *t = xen_policy_traits(p->policy);
	FILE *f = stdout;
	unsigned int k;

	fputs("{\"file\":", f);
	json_str(f, file);
	fprintf(f, ",\"xen\":\"%s\",\"xen_models\":\"%s\",\"ipa_bits\":%u,\"domains\":[{",
		t->name, t->models, p->gpaddr_bits);
	fputs("\"name\":", f);
	json_str(f, cfg->name);
	fprintf(f, ",\"libxl\":true,\"direct_map\":false,\"iommu\":false,\"gpaddr_bits\":%u,"
		"\"gpaddr_bits_from\":", p->gpaddr_bits);
	json_str(f, bits_from);
	fprintf(f, ",\"type\":\"%s\",\"memory_mib\":%" PRIu64 ",\"maxmem_mib\":%" PRIu64
		",\"vcpus\":%u,\"maxvcpus\":%u,\"kernel\":", xlcfg_type_name(cfg->type),
		cfg->memory_mib, cfg->maxmem_mib, cfg->vcpus, cfg->maxvcpus);
	json_str(f, cfg->kernel);
	fputs(",\"bootargs\":", f);
	json_str(f, cfg->extra);
	fputs(",\"memory\":[", f);
	for (k = 0; k < p->nr_mem; k++) {
		fputs(k ? "," : "", f);
		json_hex_pair(f, p->mem[k].start, p->mem[k].size);
	}
	fputs("],\"hypervisor_node\":true,\"grant_table\":", f);
	json_hex_pair(f, p->gnttab.start, p->gnttab.size);
	fputs(",\"extended_regions\":[", f);
	for (k = 0; k < p->ext.nr; k++) {
		fputs(k ? "," : "", f);
		json_hex_pair(f, p->ext.region[k].start, p->ext.region[k].size);
	}
	fputs("],\"algorithm\":\"libxl\",\"left_out\":[", f);
	for (k = 0; k < p->ext.nr_note; k++) {
		const struct ext_note *n = &p->ext.note[k];

		fprintf(f, "%s{\"why\":\"%s\",\"start\":\"%#" PRIx64 "\",\"size\":\"%#" PRIx64
			"\"}", k ? "," : "", layout_note_kind_name(n->kind), n->start, n->size);
	}
	fputs("],\"virtio_mmio\":[", f);
	for (k = 0; k < p->nr_virtio; k++) {
		const struct domu_virtio *v = &p->virtio[k];
		const struct xlcfg_disk *d = &cfg->disk[v->disk];

		fprintf(f, "%s{\"base\":\"%#" PRIx64 "\",\"size\":\"%#" PRIx64 "\",\"spi\":%u,"
			"\"vdev\":", k ? "," : "", v->base, v->size, v->spi);
		json_str(f, d->vdev);
		fputs(",\"target\":", f);
		json_str(f, d->target);
		fputs(",\"backend\":", f);
		json_str(f, d->backend[0] ? d->backend : "0");
		fprintf(f, ",\"backendtype\":\"%s\",\"readonly\":%s}",
			xlcfg_backendtype_name(d->backendtype), d->readonly ? "true" : "false");
	}
	fputs("]}]}\n", f);
}

int layout_domu_cmd(const char *file, enum xen_policy policy, unsigned int ipa_bits,
		    bool json, const char *dtb_out)
{
	static struct xlcfg cfg; /* 3 KiB: off the stack */
	struct domu_plan p;
	char err[256], bits_from[160];
	unsigned int bits = ipa_bits ? ipa_bits : domu_default_gpaddr_bits();
	size_t len = 0;
	FILE *f = fopen(file, "rb");
	char *text;
	int rc, ret = 1;

	if (!f) {
		fprintf(stderr, "memvisor layout: cannot read %s: %s\n", file, strerror(errno));
		return 1;
	}
	text = cli_read_all(f, 1 << 20, &len);
	fclose(f);
	if (!text) {
		fprintf(stderr, "memvisor layout: cannot read %s\n", file);
		return 1;
	}
	rc = xlcfg_parse(text, len, &cfg, err, sizeof(err));
	free(text);
	if (rc) {
		fprintf(stderr, "memvisor layout: %s: %s\n", file, err);
		return 1;
	}
	if (ipa_bits)
		snprintf(bits_from, sizeof(bits_from), "--ipa-bits");
	else
		snprintf(bits_from, sizeof(bits_from), "what memvisor's hypervisor reports in "
			 "getdomaininfo for a created domain: its default, also physinfo's");
	rc = domu_plan(&cfg, policy, bits, &p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "memvisor layout: %s: %s\n", file, err);
		goto out;
	}
	if (json)
		domu_json(file, &cfg, &p, bits_from);
	else
		domu_text(file, &cfg, &p, bits_from);
	ret = 0;
	if (dtb_out) {
		size_t cap = 1 << 16;
		void *buf = malloc(cap);
		char path[4096];
		int n = buf ? domu_plan_dtb(&p, &cfg, buf, cap) : -ENOMEM;

		if (n < 0) {
			fprintf(stderr, "memvisor layout: %s: guest DT: %s\n", cfg.name,
				strerror(-n));
			ret = 1;
		} else if (mkdir(dtb_out, 0777) && errno != EEXIST) {
			fprintf(stderr, "memvisor layout: cannot create %s: %s\n", dtb_out,
				strerror(errno));
			ret = 1;
		} else {
			snprintf(path, sizeof(path), "%s/%s.dtb", dtb_out, cfg.name);
			f = fopen(path, "wb");
			if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
				fprintf(stderr, "memvisor layout: cannot write %s\n", path);
				ret = 1;
			}
			if (f && fclose(f))
				ret = 1;
		}
		free(buf);
	}
out:
	domu_plan_free(&p);
	return ret;
}
