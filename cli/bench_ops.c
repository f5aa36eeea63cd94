/*
 * memvisor bench: grant map/unmap and iommu_op batches (in-process), the
 * planner over the Debian arm64 DTB corpus and over synthetic device trees
 * (libfdt, up to 100k nodes), and how populate grows with domain size.
 */
#include <dirent.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hv/bootinfo.h>
#include <hv/build.h>
#include <hv/iommu.h>
#include <hv/layout.h>
#include <hv/realize.h>
#include <hv/vec.h>
#include <public/grant_table.h>
#include <public/iommu_op.h>
#include <public/memory.h>
#include <public/xen.h>

#include "bench.h"

#define BO_BATCH 512
#define BO_GNT_GFN 0x38000ULL  /* region 0 */
#define BO_MAP_GFN 0x100000ULL /* where the backend puts grant maps */

void bench_grant(struct bench_out *o)
{
	struct bench_env e;
	struct domain *back, *front;
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
				       .idx = 0, .gpfn = BO_GNT_GFN};
	double s[7];
	const int reps = 40;
	bool ok = true;

	if (bench_env_init(&e, MiB(64)))
		return;
	back = bench_env_domain(&e, "back", 0, 4096);
	front = bench_env_domain(&e, "front", 0, 4096);
	*(struct xen_add_to_physmap *)bench_scratch(front, 0) = x;
	if (!back || !front ||
	    bench_call(e.hv, front, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
		       bench_scratch_gpa(0))) {
		bench_skip(o, "grant", "cannot set up the grant table");
		goto out;
	}
	/* One table frame: refs 0..511 grant the front's scratch pages. */
	for (unsigned int r = 0; r < BO_BATCH; r++) {
		struct grant_entry_v1 *g =
			vmm_gpa_to_hva(front, (BO_GNT_GFN << PAGE_SHIFT) + r * sizeof(*g));

		g->domid = back->id;
		g->frame = (uint32_t)(BENCH_SCRATCH_GFN + r);
		__atomic_store_n(&g->flags, GTF_permit_access, __ATOMIC_RELEASE);
	}
	struct gnttab_map_grant_ref *m = bench_scratch(back, 0);
	struct gnttab_unmap_grant_ref *u = bench_scratch(back, MiB(1));

	for (int k = 0; k < 7 && ok; k++) {
		double t0 = bench_now();

		for (int i = 0; i < reps && ok; i++) {
			for (unsigned int r = 0; r < BO_BATCH; r++)
				m[r] = (struct gnttab_map_grant_ref){
					.host_addr = (BO_MAP_GFN + r) << PAGE_SHIFT,
					.flags = GNTMAP_host_map, .ref = r, .dom = front->id};
			bench_call3(e.hv, back, __HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref,
				    bench_scratch_gpa(0), BO_BATCH);
			for (unsigned int r = 0; r < BO_BATCH; r++) {
				ok &= m[r].status == GNTST_okay;
				u[r] = (struct gnttab_unmap_grant_ref){
					.host_addr = (BO_MAP_GFN + r) << PAGE_SHIFT,
					.handle = m[r].handle};
			}
			bench_call3(e.hv, back, __HYPERVISOR_grant_table_op,
				    GNTTABOP_unmap_grant_ref, bench_scratch_gpa(MiB(1)), BO_BATCH);
			for (unsigned int r = 0; r < BO_BATCH; r++)
				ok &= u[r].status == GNTST_okay;
		}
		s[k] = (bench_now() - t0) / (reps * (double)BO_BATCH) * 1e9;
	}
	if (!ok) {
		bench_skip(o, "grant", "a grant map or unmap failed");
		goto out;
	}
	bench_report(o, "grant", "map + unmap per page, 512-batches, in-process",
		     bench_median(s, 7), "ns", "", 0, "report");
out:
	vmm_destroy(&e.vmm);
}

void bench_iommu(struct bench_out *o)
{
	struct bench_env e;
	struct domain *d;
	struct pv_iommu_op *ops;
	double s[7];
	const int reps = 100;
	uint64_t f0, batches = 0;
	bool ok = true;

	if (bench_env_init(&e, MiB(64)))
		return;
	struct iommu_params ip = {.present = true};
	int rc = -1;

	d = bench_env_domain(&e, "dev", DOMF_iommu, 4096);
	if (d) {
		hv_lock(e.hv);
		rc = iommu_domain_init(d, &ip);
		hv_unlock(e.hv);
	}
	if (rc) {
		bench_skip(o, "iommu", "cannot create a domain with an IOMMU context");
		goto out;
	}
	ops = bench_scratch(d, 0);
	f0 = iommu_stats(d)->iotlb_flushes;
	for (int k = 0; k < 7 && ok; k++) {
		double t0 = bench_now();

		for (int i = 0; i < reps && ok; i++) {
			for (unsigned int r = 0; r < BO_BATCH; r++)
				ops[r] = (struct pv_iommu_op){
					.subop_id = IOMMUOP_map_page,
					.flags = IOMMU_OP_readable | IOMMU_OP_writeable,
					.u.map_page = {.bfn = 0x100000 + r, .gfn = BENCH_SCRATCH_GFN + r}};
			ok &= !bench_call(e.hv, d, __HYPERVISOR_iommu_op, bench_scratch_gpa(0),
					  BO_BATCH);
			for (unsigned int r = 0; r < BO_BATCH; r++) {
				ok &= !ops[r].status;
				ops[r] = (struct pv_iommu_op){
					.subop_id = IOMMUOP_unmap_page,
					.u.unmap_page = {.bfn = 0x100000 + r}};
			}
			ok &= !bench_call(e.hv, d, __HYPERVISOR_iommu_op, bench_scratch_gpa(0),
					  BO_BATCH);
			for (unsigned int r = 0; r < BO_BATCH; r++)
				ok &= !ops[r].status;
			batches += 2;
		}
		s[k] = reps * 2.0 * BO_BATCH / (bench_now() - t0);
	}
	if (!ok) {
		bench_skip(o, "iommu", "an iommu_op element failed");
		goto out;
	}
	bench_report(o, "iommu", "iommu_op map/unmap, 512-batches, in-process",
		     bench_median(s, 7), "ops/s", "", 0, ">= 2M ops/s");
	bench_report(o, "iommu", "IOTLB flushes per batch",
		     (double)(iommu_stats(d)->iotlb_flushes - f0) / (double)batches, "", "", 0,
		     "1");
out:
	vmm_destroy(&e.vmm);
}

/* --- planner --- */

static int bo_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void bo_find_dtbs(const char *dir, char ***list, size_t *n, size_t *cap)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (!dp)
		return;
	while ((de = readdir(dp))) {
		char path[4096];
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			bo_find_dtbs(path, list, n, cap);
		} else if (l > 4 && !strcmp(de->d_name + l - 4, ".dtb")) {
			if (VEC_RESERVE(*list, *cap, *n + 1, 256))
				continue; /* the benchmark runs over the files found */
			(*list)[(*n)++] = strdup(path);
		}
	}
	closedir(dp);
}

/* Runs `memvisor layout --json -q --iommu MODE DTB...`; seconds or -1. */
static double bo_layout_run(char **dtbs, size_t n, const char *mode)
{
	char **argv = calloc(n + 8, sizeof(*argv));
	double t0 = bench_now();
	int st;
	pid_t pid;

	argv[0] = "memvisor";
	argv[1] = "layout";
	argv[2] = "--json";
	argv[3] = "-q";
	argv[4] = "--iommu";
	argv[5] = (char *)mode;
	memcpy(argv + 6, dtbs, n * sizeof(*argv));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	free(argv);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) > 1)
		return -1;
	return bench_now() - t0;
}

void bench_planner(struct bench_out *o)
{
	const char *cache = getenv("MEMVISOR_CACHE");
	char base[2048], what[128];
	char **dtbs = NULL;
	size_t n = 0, cap = 0;
	double s[3];
	DIR *dp;
	struct dirent *de;

	if (cache)
		snprintf(base, sizeof(base), "%s", cache);
	else
		snprintf(base, sizeof(base), "%s/.cache/memvisor", getenv("HOME") ? getenv("HOME") : "");
	dp = opendir(base);
	while (dp && (de = readdir(dp))) {
		char sub[4096];

		if (strncmp(de->d_name, "linux-image-", 12))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/dtbs", base, de->d_name);
		bo_find_dtbs(sub, &dtbs, &n, &cap);
		break;
	}
	if (dp)
		closedir(dp);
	if (!n) {
		bench_skip(o, "planner", "no DTB corpus in the cache: run tests/planner/corpus.sh "
					 "(it fetches Debian's arm64 kernel package)");
		return;
	}
	qsort(dtbs, n, sizeof(*dtbs), bo_cmp_str);
	for (int r = 0; r < 3; r++) {
		double off = bo_layout_run(dtbs, n, "off"), on = bo_layout_run(dtbs, n, "on");

		if (off < 0 || on < 0) {
			bench_skip(o, "planner", "memvisor layout failed on the corpus");
			goto out;
		}
		s[r] = off + on;
	}
	snprintf(what, sizeof(what), "memvisor layout over %zu DTBs, IOMMU off + on", n);
	bench_report(o, "planner", what, bench_median(s, 3), "s", "", 0, "<= 5 s total");
out:
	for (size_t i = 0; i < n; i++)
		free(dtbs[i]);
	free(dtbs);
}

/* A host DT with RAM, a bus of `nodes` devices (one 64 KiB reg each, with
 * gaps) and an IOMMU switch in bootargs. */
static void *bo_synthetic_dt(unsigned int nodes, size_t *len)
{
	size_t cap = 4096 + (size_t)nodes * 128;
	void *fdt = malloc(cap);
	char name[48];
	fdt64_t reg[2];

	if (!fdt)
		return NULL;
	fdt_create(fdt, (int)cap);
	fdt_finish_reservemap(fdt);
	fdt_begin_node(fdt, "");
	fdt_property_u32(fdt, "#address-cells", 2);
	fdt_property_u32(fdt, "#size-cells", 2);
	fdt_property_string(fdt, "compatible", "memvisor,bench");
	fdt_begin_node(fdt, "chosen");
	fdt_property_string(fdt, "xen,xen-bootargs", "dom0_mem=1G");
	fdt_end_node(fdt);
	fdt_begin_node(fdt, "memory@80000000");
	fdt_property_string(fdt, "device_type", "memory");
	reg[0] = cpu_to_fdt64(0x80000000ULL);
	reg[1] = cpu_to_fdt64(GiB(8));
	fdt_property(fdt, "reg", reg, sizeof(reg));
	fdt_end_node(fdt);
	fdt_begin_node(fdt, "soc");
	fdt_property_string(fdt, "compatible", "simple-bus");
	fdt_property_u32(fdt, "#address-cells", 2);
	fdt_property_u32(fdt, "#size-cells", 2);
	fdt_property(fdt, "ranges", NULL, 0);
	for (unsigned int i = 0; i < nodes; i++) {
		uint64_t a = 0x1000000000ULL + (uint64_t)i * 0x20000;

		snprintf(name, sizeof(name), "dev@%llx", (unsigned long long)a);
		fdt_begin_node(fdt, name);
		reg[0] = cpu_to_fdt64(a);
		reg[1] = cpu_to_fdt64(0x10000);
		fdt_property(fdt, "reg", reg, sizeof(reg));
		fdt_end_node(fdt);
	}
	fdt_end_node(fdt);
	fdt_end_node(fdt);
	if (fdt_finish(fdt)) {
		free(fdt);
		return NULL;
	}
	*len = fdt_totalsize(fdt);
	return fdt;
}

/* Seconds for parse + plan of fdt, or -1. */
static double bo_plan_once(const void *fdt, size_t len, int iommu)
{
	struct bootinfo bi;
	struct bootinfo_opts bo;
	struct layout_plan plan;
	struct layout_opts lo;
	double t0 = bench_now();
	int rc;

	memset(&bi, 0, sizeof(bi));
	memset(&bo, 0, sizeof(bo));
	memset(&plan, 0, sizeof(plan));
	memset(&lo, 0, sizeof(lo));
	lo.iommu = iommu;
	rc = bootinfo_parse(&bi, fdt, len, &bo);
	if (!rc)
		rc = layout_plan(&bi, &lo, &plan);
	layout_free(&plan);
	bootinfo_free(&bi);
	return rc ? -1 : bench_now() - t0;
}

void bench_planner_scaling(struct bench_out *o)
{
	static const unsigned int sizes[] = {100, 1000, 10000, 100000};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t len;
		void *fdt = bo_synthetic_dt(sizes[i], &len);
		char what[96];

		if (!fdt) {
			bench_skip(o, "planner-scaling", "cannot build the synthetic DT");
			return;
		}
		for (int iommu = 0; iommu <= 1; iommu++) {
			double s[3];

			for (int r = 0; r < 3; r++)
				s[r] = bo_plan_once(fdt, len, iommu);
			if (s[0] < 0) {
				bench_skip(o, "planner-scaling", "the planner refused the synthetic DT");
				free(fdt);
				return;
			}
			snprintf(what, sizeof(what), "parse + plan, %u device nodes, IOMMU %s",
				 sizes[i], iommu ? "on" : "off");
			bench_report(o, "planner-scaling", what, bench_median(s, 3) * 1e3, "ms", "",
				     0, "report");
		}
		free(fdt);
	}
}

void bench_populate_scaling(struct bench_out *o)
{
	static const uint64_t sizes[] = {MiB(256), GiB(1), GiB(2), GiB(4), GiB(8)};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		double s[3], lim[3];
		char what[96];

		for (int r = 0; r < 3; r++) {
			struct bench_env e;
			struct domain *d;
			double t0;

			if (bench_env_init(&e, sizes[i] + MiB(64)))
				return;
			d = bench_env_domain(&e, "big", 0, (sizes[i] >> PAGE_SHIFT) + 4096);
			t0 = bench_now();
			hv_lock(e.hv);
			build_populate_range(d, GiB(1), sizes[i]);
			hv_realize_flush(e.hv);
			hv_unlock(e.hv);
			s[r] = (bench_now() - t0) * 1e3;
			vmm_destroy(&e.vmm);
			lim[r] = bench_limit_mmap(sizes[i], MIN(sizes[i], SZ_1G), false) * 1e3;
		}
		snprintf(what, sizeof(what), "populate + realize %llu MiB (no prefault)",
			 (unsigned long long)(sizes[i] >> 20));
		bench_report(o, "populate-scaling", what, bench_median(s, 3), "ms",
			     "mmap of the same extents (ms)", bench_median(lim, 3), "report");
	}
}
