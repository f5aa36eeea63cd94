/*
 * The seed scenario on either transport: builds a system device tree
 * (systems/seed-dom0.dts, systems/seed-domd.dts) exactly as `memvisor run`
 * does, runs every domain, and passes when the backend and the frontend
 * both report OK.
 *
 * In-process, a domain runs the hosted program its kernel file names
 * (backend*.elf -> backend_main, frontend*.elf -> frontend_main); on KVM
 * it boots the ELF images given on the command line.
 *
 * usage: seed_scenario inproc SYSTEM.dtb
 *        seed_scenario kvm SYSTEM.dtb BACKEND.elf FRONTEND.elf
 * Exit: 0 pass, 1 fail, 77 KVM unavailable.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/bootinfo.h>
#include <hv/build.h>
#include <hv/layout.h>

#include "elfload.h"
#include "runner.h"

void rt_hosted_start(const struct inproc_env *env);
void backend_main(void);
void frontend_main(void);

static void log_sink(void *ctx, enum hv_log_level lvl, const char *msg)
{
	(void)ctx;
	if (lvl <= HV_LOG_WARN || getenv("MEMVISOR_TEST_LOG"))
		fprintf(stderr, "[hv] %s\n", msg);
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* Is the domain's kernel (memvisor,file of its kernel module) the backend? */
static int kernel_is_backend(const struct bootinfo *bi, const struct layout_domain *ld)
{
	const void *fdt = bi->fdt;
	int node = -1, len;
	const char *file;

	if (ld->is_dom0) {
		int chosen = fdt_path_offset(fdt, "/chosen"), sub;

		fdt_for_each_subnode(sub, fdt, chosen)
			if (!fdt_node_check_compatible(fdt, sub, "multiboot,kernel"))
				node = sub;
	} else {
		int sub, dn = bi->domain[ld->bootinfo_index].node;

		node = dn;
		fdt_for_each_subnode(sub, fdt, dn)
			if (!fdt_node_check_compatible(fdt, sub, "multiboot,kernel"))
				node = sub;
	}
	file = node >= 0 ? fdt_getprop(fdt, node, "memvisor,file", &len) : NULL;
	if (!file)
		return -1;
	if (strstr(file, "backend"))
		return 1;
	if (strstr(file, "frontend"))
		return 0;
	return -1;
}

int main(int argc, char **argv)
{
	struct bootinfo bi;
	struct bootinfo_opts bo = {.policy = XEN_POLICY_LATEST};
	struct layout_opts lo;
	struct layout_plan plan;
	struct build_result res;
	struct vmm_config cfg;
	struct vmm m;
	struct kvm_sys *k = NULL;
	struct runner r;
	struct runner_dom *rd;
	char err[256], *console = NULL;
	size_t len = 0, console_len = 0, img_len[2] = {0, 0};
	void *blob, *img[2] = {NULL, NULL};
	bool kvm;
	unsigned int bad;
	int rc;

	if (argc < 3 || (strcmp(argv[1], "inproc") && strcmp(argv[1], "kvm")) ||
	    (!strcmp(argv[1], "kvm") && argc < 5)) {
		fprintf(stderr, "usage: %s inproc SYSTEM.dtb | kvm SYSTEM.dtb BACKEND.elf "
				"FRONTEND.elf\n", argv[0]);
		return 1;
	}
	kvm = !strcmp(argv[1], "kvm");
	if (kvm) {
		k = kvm_open(err, sizeof(err));
		if (!k) {
			printf("kvm: unavailable: %s\n", err);
			return 77;
		}
		for (int i = 0; i < 2; i++) {
			img[i] = elf_read_file(argv[3 + i], &img_len[i], err, sizeof(err));
			if (!img[i]) {
				fprintf(stderr, "seed: %s\n", err);
				return 1;
			}
		}
	}
	blob = read_file(argv[2], &len);
	if (!blob) {
		fprintf(stderr, "seed: cannot read %s\n", argv[2]);
		return 1;
	}
	memset(&bi, 0, sizeof(bi));
	memset(&plan, 0, sizeof(plan));
	rc = bootinfo_parse(&bi, blob, len, &bo);
	free(blob);
	if (rc) {
		fprintf(stderr, "seed: %s: unusable device tree\n", argv[2]);
		return 1;
	}
	memset(&lo, 0, sizeof(lo));
	lo.policy = XEN_POLICY_LATEST;
	lo.no_dom0 = true;
	for (unsigned int i = 0; i < bi.nr_module; i++)
		if (bi.module[i].domain < 0 && bi.module[i].kind == BOOTMOD_KERNEL)
			lo.no_dom0 = false;
	rc = layout_plan(&bi, &lo, &plan);
	if (rc || !plan.nr_dom) {
		fprintf(stderr, "seed: planning failed: %d\n", rc);
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	for (unsigned int i = 0; i < bi.ram.n && i < FRAME_MAX_BANKS; i++) {
		cfg.banks[i][0] = bi.ram.s[i].start;
		cfg.banks[i][1] = bi.ram.s[i].size;
		cfg.nr_banks++;
	}
	cfg.log = log_sink;
	cfg.log_level = HV_LOG_DEBUG;
	cfg.prefault = true;
	rc = vmm_init(&m, &cfg);
	if (rc) {
		fprintf(stderr, "seed: vmm_init: %s\n", strerror(-rc));
		return 1;
	}
	if (kvm)
		kvm_attach(&m, k);
	rc = build_system(&m.hv, &bi, &plan, &res);
	if (rc) {
		fprintf(stderr, "seed: build: %s\n", res.err);
		return 1;
	}

	rd = calloc(res.nr, sizeof(*rd));
	if (!rd)
		return 1;
	memset(&r, 0, sizeof(r));
	r.m = &m;
	r.transport = kvm ? RUNNER_KVM : RUNNER_INPROC;
	r.inproc_start = rt_hosted_start;
	r.timeout_ms = 280000;
	r.out = open_memstream(&console, &console_len);
	r.err = stderr;
	r.dom = rd;
	r.nr = res.nr;
	for (unsigned int i = 0; i < res.nr; i++) {
		const struct layout_domain *ld = &plan.dom[res.dom[i].plan_index];
		int be = kernel_is_backend(&bi, ld);

		if (be < 0) {
			fprintf(stderr, "seed: %s runs neither the backend nor the frontend\n",
				ld->name);
			return 1;
		}
		rd[i].d = res.dom[i].d;
		rd[i].dtb = res.dom[i].dtb;
		rd[i].guest_main = be ? backend_main : frontend_main;
		rd[i].image = img[be ? 0 : 1];
		rd[i].image_len = img_len[be ? 0 : 1];
		if (runner_prepare(&r, &rd[i], err, sizeof(err))) {
			fprintf(stderr, "seed: %s: %s\n", ld->name, err);
			return 1;
		}
	}
	bad = runner_run(&r);
	fclose(r.out);
	fputs(console, stdout);
	rc = bad || !strstr(console, "backend: OK") || !strstr(console, "frontend: OK") ? 1 : 0;
	printf("seed scenario (%s, %s): %s\n", argv[1], argv[2], rc ? "FAILED" : "PASSED");
	free(console);
	if (r.stuck)
		return rc;
	runner_release(&r);
	build_result_free(&res);
	free(rd);
	vmm_destroy(&m);
	kvm_close(k);
	layout_free(&plan);
	bootinfo_free(&bi);
	free(img[0]);
	free(img[1]);
	return rc;
}
