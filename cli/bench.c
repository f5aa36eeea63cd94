/*
 * memvisor bench: hot paths measured next to this machine's own limits.
 *
 * Every figure is the median of repeated runs and is printed beside the
 * limit it should approach, measured in the same run: the cost of the same
 * host mappings without the hypervisor, one hypercall round trip, memory
 * bandwidth. Nothing here is asserted; docs/performance.md records results.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <hv/build.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/realize.h>
#include <public/memory.h>
#include <public/version.h>
#include <public/xen.h>

#include "bench.h"
#include "cli.h"
#include "hostinfo.h"
#include "json.h"
#include "realize.h"


double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_report(struct bench_out *o, const char *name, const char *what, double value,
		  const char *unit, const char *limit_what, double limit, const char *target)
{
	double ratio = limit > 0 ? value / limit : 0;

	if (o->json) {
		printf("%s\n  {\"name\":\"%s\",\"what\":\"%s\",\"value\":%.6g,\"unit\":\"%s\","
		       "\"limit\":\"%s\",\"limit_value\":%.6g,\"ratio\":%.4g,\"target\":\"%s\"}",
		       o->first ? "" : ",", name, what, value, unit, limit_what, limit, ratio,
		       target ? target : "");
		o->first = false;
	} else {
		printf("%-16s %-44s %12.4g %-8s", name, what, value, unit);
		if (limit > 0)
			printf("  limit %-28s %10.4g  ratio %7.3f", limit_what, limit, ratio);
		if (target && *target)
			printf("  [target %s]", target);
		printf("\n");
	}
	fflush(stdout);
}

void bench_skip(struct bench_out *o, const char *name, const char *why)
{
	if (o->json) {
		printf("%s\n  {\"name\":\"%s\",\"skip\":", o->first ? "" : ",", name);
		json_str(stdout, why);
		printf("}");
		o->first = false;
	} else {
		printf("%-16s SKIP: %s\n", name, why);
	}
	fflush(stdout);
}

int bench_vmm_init(struct vmm *m, uint64_t ram, bool prefault)
{
	struct vmm_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.banks[0][0] = GiB(4);
	cfg.banks[0][1] = ram;
	cfg.nr_banks = 1;
	cfg.prefault = prefault;
	return vmm_init(m, &cfg);
}

int bench_env_init(struct bench_env *e, uint64_t ram)
{
	int rc = bench_vmm_init(&e->vmm, ram, false);

	e->hv = &e->vmm.hv;
	return rc;
}

struct domain *bench_env_domain(struct bench_env *e, const char *name, uint32_t flags,
				 uint64_t max_pages)
{
	struct domain_config cfg = {.name = name, .flags = flags, .max_pages = max_pages, .domid = -1};
	struct domain *d;
	int err;

	hv_lock(e->hv);
	d = domain_create(e->hv, &cfg, &err);
	if (d && build_populate_range(d, BENCH_SCRATCH_GFN << PAGE_SHIFT,
				      BENCH_SCRATCH_PAGES * PAGE_SIZE)) {
		domain_destroy(d);
		d = NULL;
	}
	hv_realize_flush(e->hv);
	hv_unlock(e->hv);
	return d;
}

void *bench_scratch(struct domain *d, uint64_t off)
{
	return vmm_gpa_to_hva(d, (BENCH_SCRATCH_GFN << PAGE_SHIFT) + off);
}

uint64_t bench_scratch_gpa(uint64_t off) { return (BENCH_SCRATCH_GFN << PAGE_SHIFT) + off; }

int64_t bench_call3(struct hv *hv, struct domain *d, uint64_t nr, uint64_t a0, uint64_t a1,
		    uint64_t a2)
{
	struct hv_hcall hc = {.nr = nr, .args = {a0, a1, a2, 0, 0}};

	return hv_hypercall_run(hv, d, &hc);
}

int64_t bench_call(struct hv *hv, struct domain *d, uint64_t nr, uint64_t a0, uint64_t a1)
{
	return bench_call3(hv, d, nr, a0, a1, 0);
}

/* --- limits of this machine ------------------------------------------------ */

/* mmap of the given extent sizes from a memfd into a reserved window. */
double bench_limit_mmap(uint64_t total, uint64_t extent, bool populate)
{
	int fd = memfd_create("bench", MFD_CLOEXEC);
	uint8_t *win;
	double t0, t1;

	if (fd < 0 || ftruncate(fd, (off_t)total) < 0)
		return -1;
	win = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	t0 = bench_now();
	for (uint64_t off = 0; off < total; off += extent)
		mmap(win + off, extent, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED | (populate ? MAP_POPULATE : 0), fd, (off_t)off);
	t1 = bench_now();
	munmap(win, total);
	close(fd);
	return t1 - t0;
}

static double limit_memcpy_gbps(void)
{
	size_t n = MiB(256);
	uint8_t *a = malloc(n), *b = malloc(n);
	double t0, t1;

	memset(a, 1, n);
	memset(b, 2, n);
	t0 = bench_now();
	for (int i = 0; i < 4; i++) {
		memcpy(b, a, n);
		/* b is freed unread: without this the copies are optimised away */
		__asm__ volatile("" : : "r"(b) : "memory");
	}
	t1 = bench_now();
	free(a);
	free(b);
	return 4.0 * (double)n / (t1 - t0) / 1e9;
}

/* --- benchmarks ------------------------------------------------------------- */

/*
 * The cost of a guest-virtual pointer: xen_version(extraversion) with its
 * 16-byte result at a guest-physical address (no paging), then at a linear
 * address behind 4-level page tables built in the scratch area (4 KiB
 * leaf: four entries read through the P2M, then the page).
 */
static void bench_translation(struct bench_out *o, struct hv *hv, struct domain *d, double rt)
{
	const uint64_t va = 0x0000600000000000ULL, pt = MiB(1), flags = 0x7;
	const int n = 200000;
	struct hv_paging pg = {.valid = true, .cpl = 3, .cr0 = 0x80010001ULL,
			       .cr3 = bench_scratch_gpa(pt), .cr4 = 0x20, .efer = 0x500};
	double phys[7], virt[7];

	memset(bench_scratch(d, pt), 0, 4 * PAGE_SIZE);
	for (unsigned int l = 0; l < 3; l++)
		((uint64_t *)bench_scratch(d, pt + l * PAGE_SIZE))[(va >> (39 - 9 * l)) & 511] =
			bench_scratch_gpa(pt + (l + 1) * PAGE_SIZE) | flags;
	((uint64_t *)bench_scratch(d, pt + 3 * PAGE_SIZE))[(va >> 12) & 511] =
		bench_scratch_gpa(pt + 4 * PAGE_SIZE) | flags;
	for (int r = 0; r < 7; r++) {
		double t0 = bench_now(), t1;

		for (int i = 0; i < n; i++) {
			struct hv_hcall hc = {.nr = __HYPERVISOR_xen_version,
					      .args = {XENVER_extraversion,
						       bench_scratch_gpa(pt + 4 * PAGE_SIZE)}};

			if (hv_hypercall_run(hv, d, &hc))
				return;
		}
		t1 = bench_now();
		for (int i = 0; i < n; i++) {
			struct hv_hcall hc = {.nr = __HYPERVISOR_xen_version,
					      .args = {XENVER_extraversion, va}, .pg = pg};

			if (hv_hypercall_run(hv, d, &hc))
				return;
		}
		phys[r] = (t1 - t0) / n * 1e9;
		virt[r] = (bench_now() - t1) / n * 1e9;
	}
	bench_report(o, "hcall-inproc", "xen_version, 16-byte result, guest-physical ptr",
		     bench_median(phys, 7), "ns", "xen_version round trip (ns)", rt, "report");
	bench_report(o, "hcall-inproc", "the same through 4-level paging (4 KiB leaf)",
		     bench_median(virt, 7), "ns", "xen_version round trip (ns)", rt, "report");
}

static void bench_hypercall(struct bench_out *o)
{
	struct bench_env e;
	struct domain *d;
	double s[7];
	const int n = 200000;

	if (bench_env_init(&e, MiB(64)))
		return;
	d = bench_env_domain(&e, "bench", 0, 1 << 20);
	for (int r = 0; r < 7; r++) {
		double t0 = bench_now();

		for (int i = 0; i < n; i++)
			bench_call(e.hv, d, __HYPERVISOR_xen_version, XENVER_version, 0);
		s[r] = (bench_now() - t0) / n * 1e9;
	}
	bench_report(o, "hcall-inproc", "xen_version round trip, in-process", bench_median(s, 7), "ns",
	       "", 0, "report");
	bench_translation(o, e.hv, d, bench_median(s, 7));
	vmm_destroy(&e.vmm);
}

/* One 1 GiB extent populated and decreased, in-process: the frame-table
 * work per 4 KiB frame is Xen's too; the P2M work should be per leaf. */
static void bench_extent_1g(struct bench_out *o)
{
	struct bench_env e;
	struct domain *d;
	double pop[5], dec[5];
	const uint64_t gfn = 0x100000, nr = 1ULL << 18;

	if (bench_env_init(&e, GiB(2)))
		return;
	d = bench_env_domain(&e, "bench", 0, 1 << 20);
	for (int r = 0; r < 5; r++) {
		struct xen_memory_reservation *res = bench_scratch(d, 0);
		uint64_t *gfns = bench_scratch(d, 4096);
		double t0, t1;

		gfns[0] = gfn;
		*res = (struct xen_memory_reservation){.extent_start = bench_scratch_gpa(4096),
						       .nr_extents = 1, .extent_order = 18,
						       .domid = DOMID_SELF};
		t0 = bench_now();
		if (bench_call(e.hv, d, __HYPERVISOR_memory_op, XENMEM_populate_physmap,
			       bench_scratch_gpa(0)) != 1)
			break;
		t1 = bench_now();
		*res = (struct xen_memory_reservation){.extent_start = bench_scratch_gpa(4096),
						       .nr_extents = 1, .extent_order = 18,
						       .domid = DOMID_SELF};
		if (bench_call(e.hv, d, __HYPERVISOR_memory_op, XENMEM_decrease_reservation,
			       bench_scratch_gpa(0)) != 1)
			break;
		pop[r] = (t1 - t0) / (double)nr * 1e9;
		dec[r] = (bench_now() - t1) / (double)nr * 1e9;
		if (r == 4) {
			bench_report(o, "memop-1g", "populate one 1 GiB extent, per 4 KiB frame",
				     bench_median(pop, 5), "ns", "", 0, "report");
			bench_report(o, "memop-1g", "decrease one 1 GiB extent, per 4 KiB frame",
				     bench_median(dec, 5), "ns", "", 0, "report");
		}
	}
	vmm_destroy(&e.vmm);
}

/* prefault: guest mappings MAP_POPULATE'd as under `memvisor run`, so freed
 * frames are resident and released lazily (hv_config.lazy_release). */
static void bench_batch_one(struct bench_out *o, bool prefault)
{
	struct bench_env e;
	struct domain *d;
	double rt[7], el[7];
	const int reps = 50;

	if (bench_vmm_init(&e.vmm, GiB(1), prefault))
		return;
	e.hv = &e.vmm.hv;
	d = bench_env_domain(&e, "bench", 0, 1 << 20);
	for (int r = 0; r < 7; r++) {
		double t0 = bench_now(), t1;
		uint64_t *gfns = bench_scratch(d, 4096);
		struct xen_memory_reservation *res = bench_scratch(d, 0);

		for (int i = 0; i < 2000; i++)
			bench_call(e.hv, d, __HYPERVISOR_xen_version, XENVER_version, 0);
		rt[r] = (bench_now() - t0) / 2000 * 1e9;
		for (int k = 0; k < 512; k++)
			gfns[k] = 0x40000 + (uint64_t)k;
		t0 = bench_now();
		for (int i = 0; i < reps; i++) {
			*res = (struct xen_memory_reservation){.extent_start = bench_scratch_gpa(4096),
							       .nr_extents = 512, .domid = DOMID_SELF};
			bench_call(e.hv, d, __HYPERVISOR_memory_op, XENMEM_populate_physmap, bench_scratch_gpa(0));
			*res = (struct xen_memory_reservation){.extent_start = bench_scratch_gpa(4096),
							       .nr_extents = 512, .domid = DOMID_SELF};
			bench_call(e.hv, d, __HYPERVISOR_memory_op, XENMEM_decrease_reservation, bench_scratch_gpa(0));
		}
		t1 = bench_now();
		el[r] = (t1 - t0) / (reps * 2.0 * 512) * 1e9;
	}
	double m_rt = bench_median(rt, 7), m_el = bench_median(el, 7);

	bench_report(o, "memop-batch",
		     prefault ? "the same, guest memory prefaulted (lazy release)"
			      : "per element, 512-extent populate+decrease",
		     m_el, "ns", "one in-process round trip", m_rt, "<= 150 ns");
	vmm_destroy(&e.vmm);
}

static void bench_batch(struct bench_out *o)
{
	bench_batch_one(o, false);
	bench_batch_one(o, true);
	bench_extent_1g(o);
}

static void bench_build(struct bench_out *o)
{
	struct bench_env e;
	double s[5], lim[5];
	uint64_t leaves[3] = {0};

	for (int r = 0; r < 5; r++) {
		struct domain *d;
		double t0;

		if (bench_env_init(&e, GiB(4)))
			return;
		d = bench_env_domain(&e, "big", 0, GiB(4) >> PAGE_SHIFT);
		t0 = bench_now();
		hv_lock(e.hv);
		build_populate_range(d, GiB(1), GiB(3));
		hv_realize_flush(e.hv);
		hv_unlock(e.hv);
		s[r] = (bench_now() - t0) * 1e3;
		memcpy(leaves, d->p2m.st.leaves, sizeof(leaves));
		vmm_destroy(&e.vmm);
		lim[r] = bench_limit_mmap(GiB(3), SZ_1G, false) * 1e3;
	}
	bench_report(o, "build-3g", "populate + realize a 3 GiB domain (no prefault)", bench_median(s, 5), "ms",
	       "mmap of the same 1 GiB extents", bench_median(lim, 5), "<= 50 ms");
	bench_report(o, "build-3g", "P2M leaves: 4K", (double)leaves[0], "leaves", "", 0, "0");
	bench_report(o, "build-3g", "P2M leaves: 2M", (double)leaves[1], "leaves", "", 0, "");
	bench_report(o, "build-3g", "P2M leaves: 1G", (double)leaves[2], "leaves", "", 0, "");
}

/* One foreign mapping of a whole size-byte domain: seconds, or -1. */
static double foreign_once(uint64_t size, uint64_t *mmaps, uint64_t *shattered)
{
	struct bench_env e;
	struct domain *back, *front;
	double t0, t;
	uint64_t frames = size >> PAGE_SHIFT, done = 0;
	const unsigned int batch = 512;

	if (bench_env_init(&e, size + MiB(64)))
		return -1;
	back = bench_env_domain(&e, "back", DOMF_privileged, 1 << 20);
	front = bench_env_domain(&e, "front", 0, (size >> PAGE_SHIFT) + 4096);
	hv_lock(e.hv);
	build_populate_range(front, GiB(1), size);
	hv_realize_flush(e.hv);
	hv_unlock(e.hv);

	uint64_t *idxs = bench_scratch(back, 4096), *gpfns = bench_scratch(back, 4096 + 8 * batch);
	struct xen_add_to_physmap_batch *b = bench_scratch(back, 0);
	uint64_t dst = GiB(64) >> PAGE_SHIFT; /* stands for an extended region of the backend */

	t0 = bench_now();
	while (done < frames) {
		unsigned int n = (unsigned int)MIN(batch, frames - done);

		for (unsigned int k = 0; k < n; k++) {
			idxs[k] = (GiB(1) >> PAGE_SHIFT) + done + k;
			gpfns[k] = dst + done + k;
		}
		*b = (struct xen_add_to_physmap_batch){
			.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_foreign, .size = (uint16_t)n,
			.u.foreign_domid = front->id, .idxs = bench_scratch_gpa(4096),
			.gpfns = bench_scratch_gpa(4096 + 8 * batch),
			.errs = bench_scratch_gpa(4096 + 16 * batch)};
		bench_call(e.hv, back, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
			   bench_scratch_gpa(0));
		done += n;
	}
	t = bench_now() - t0;
	*shattered = back->p2m.st.shattered[1] + back->p2m.st.shattered[2];
	*mmaps = vmm_dom(back)->nr_mmaps;
	vmm_destroy(&e.vmm);
	return t;
}

static void bench_foreign(struct bench_out *o, uint64_t size, const char *name)
{
	uint64_t frames = size >> PAGE_SHIFT, mmaps = 0, shattered = 0;
	double t[3], lim[3];
	char what[96];

	for (int r = 0; r < 3; r++) {
		t[r] = foreign_once(size, &mmaps, &shattered);
		if (t[r] < 0)
			return;
		lim[r] = bench_limit_mmap(size, SZ_2M, false);
	}
	snprintf(what, sizeof(what), "foreign-map all %" PRIu64 " MiB, in-process", size >> 20);
	bench_report(o, name, what, (double)frames / bench_median(t, 3), "frames/s",
		     "mmap of the same 2M runs (frames/s)", (double)frames / bench_median(lim, 3),
		     ">= 1M frames/s");
	bench_report(o, name, "host mappings made for it", (double)mmaps, "mmaps", "", 0, "");
	bench_report(o, name, "backend superpages shattered", (double)shattered, "", "", 0, "0");
}

static void bench_overhead(struct bench_out *o)
{
	struct bench_env e;
	struct domain *d;
	uint64_t before, t4k, tsp;

	bench_report(o, "overhead", "frame table bytes per frame", (double)sizeof(struct page_info), "B",
	       "", 0, "<= 32 B");
	if (bench_env_init(&e, GiB(2)))
		return;
	d = bench_env_domain(&e, "ovh", 0, 1 << 20);
	hv_lock(e.hv);
	before = p2m_table_bytes(d);
	/* 1 GiB mapped with superpages, then 1 GiB with 4K leaves (MFN off by one). */
	p2m_set_range(d, _gfn(GiB(16) >> PAGE_SHIFT), maddr_to_mfn(GiB(4)), GiB(1) >> PAGE_SHIFT,
		      p2m_mmio);
	tsp = p2m_table_bytes(d) - before;
	before = p2m_table_bytes(d);
	p2m_set_range(d, _gfn(GiB(32) >> PAGE_SHIFT), maddr_to_mfn(GiB(4) + PAGE_SIZE),
		      (GiB(1) >> PAGE_SHIFT) - 1, p2m_mmio);
	t4k = p2m_table_bytes(d) - before;
	hv_realize_flush(e.hv);
	hv_unlock(e.hv);
	bench_report(o, "overhead", "P2M bytes per GiB, superpage-mapped", (double)tsp, "B", "", 0,
	       "<= 16 KiB");
	bench_report(o, "overhead", "P2M bytes per GiB, 4 KiB-mapped", (double)t4k, "B", "", 0, "report");
	vmm_destroy(&e.vmm);
}

static void bench_limits(struct bench_out *o)
{
	double v[5];

	for (int r = 0; r < 5; r++)
		v[r] = bench_limit_mmap(MiB(64), PAGE_SIZE, false) / (MiB(64) >> PAGE_SHIFT) * 1e6;
	bench_report(o, "limit", "mmap of one 4 KiB memfd page", bench_median(v, 5), "us", "", 0, "");
	for (int r = 0; r < 5; r++)
		v[r] = limit_memcpy_gbps();
	bench_report(o, "limit", "memcpy bandwidth", bench_median(v, 5), "GB/s", "", 0, "");
}

static const struct {
	const char *name;
	const char *help;
} bench_names[] = {
	{"limits", "this machine's limits: mmap cost, memory bandwidth"},
	{"hypercall", "hypercall round trip: in-process; KVM beside a bare CPL3 exit"},
	{"batch", "per-element cost of 512-element memory_op batches"},
	{"build", "building a 3 GiB domain"},
	{"foreign", "foreign-mapping a whole domain (256 MiB, 3 GiB)"},
	{"grant", "grant map + unmap per page, 512-batches"},
	{"iommu", "iommu_op map/unmap in 512-batches, IOTLB flushes per batch"},
	{"planner", "memvisor layout over the Debian arm64 DTB corpus, both IOMMU modes"},
	{"scaling", "populate and foreign-map from 256 MiB to 8 GiB; planner up to 100k nodes"},
	{"overhead", "frame table and P2M memory overhead"},
	{"touch", "guest first touch of populated memory, MAP_POPULATE or not (KVM)"},
	{"events", "event round trip between two domains; host CPU of a blocked domain"},
	{"virtio", "virtio-blk over IOREQ: 1 GiB sequential vs host I/O, 4 KiB requests and exits"},
	{"smp", "foreign map+unmap on two vCPUs / two domains at once vs one (scaling)"},
};

static void bench_usage(FILE *f)
{
	fprintf(f, "usage: memvisor bench [NAME...] [--json]\n\nbenchmarks (default: all but scaling):\n");
	for (size_t i = 0; i < ARRAY_SIZE(bench_names); i++)
		fprintf(f, "  %-10s %s\n", bench_names[i].name, bench_names[i].help);
}

/* Named benchmarks are argv[1..npos]; none named runs the default set. */
static bool selected(const struct cli_args *p, const char *name, bool dflt)
{
	if (!p->npos)
		return dflt;
	for (int i = 1; i <= p->npos; i++)
		if (!strcmp(p->argv[i], name))
			return true;
	return false;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_out o = {.first = true};
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct hostinfo host;
	struct cli_args p;
	int c;

	cli_args_init(&p, "bench", argc, argv, "h", opts);
	while ((c = cli_args_next(&p)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		default:
			bench_usage(stderr);
			return 2;
		}
	}
	for (int i = 1; i <= p.npos; i++) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(bench_names); k++)
			if (!strcmp(argv[i], bench_names[k].name))
				break;
		if (k == ARRAY_SIZE(bench_names)) {
			cli_error("bench", "unknown benchmark '%s'", argv[i]);
			bench_usage(stderr);
			return 2;
		}
	}
#ifndef __OPTIMIZE__
	/* Said on stderr so that --json stays parseable. */
	fprintf(stderr, "memvisor bench: warning: this memvisor was built without optimisation "
			"(meson buildtype debug or plain?): its figures are several times slower "
			"than an optimised build's\n");
#endif
	/* Collected before the first benchmark, so the load average is the
	 * machine's, not ours. */
	hostinfo_collect(&host);
	if (o.json) {
		printf("{\"host\":");
		hostinfo_json(stdout, &host);
		printf(",\n\"results\":[");
	} else {
		hostinfo_text(stdout, &host);
	}
	fflush(stdout);
	if (selected(&p, "limits", true))
		bench_limits(&o);
	if (selected(&p, "hypercall", true)) {
		bench_hypercall(&o);
		bench_kvm_hypercall(&o);
	}
	if (selected(&p, "batch", true))
		bench_batch(&o);
	if (selected(&p, "build", true))
		bench_build(&o);
	if (selected(&p, "foreign", true)) {
		bench_foreign(&o, MiB(256), "foreign-256m");
		bench_foreign(&o, GiB(3), "foreign-3g");
		bench_kvm_foreign(&o, GiB(3), "foreign-3g-kvm");
	}
	if (selected(&p, "grant", true))
		bench_grant(&o);
	if (selected(&p, "iommu", true))
		bench_iommu(&o);
	if (selected(&p, "planner", true))
		bench_planner(&o);
	if (selected(&p, "scaling", false)) {
		bench_populate_scaling(&o);
		bench_planner_scaling(&o);
		static const uint64_t sizes[] = {MiB(256), GiB(1), GiB(2), GiB(4), GiB(8)};

		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
			bench_foreign(&o, sizes[i], "foreign-scaling");
	}
	if (selected(&p, "overhead", true))
		bench_overhead(&o);
	if (selected(&p, "touch", true))
		bench_kvm_touch(&o);
	if (selected(&p, "events", true))
		bench_events(&o);
	if (selected(&p, "virtio", true))
		bench_virtio(&o);
	if (selected(&p, "smp", true))
		bench_smp(&o);
	if (o.json)
		printf("\n]}\n");
	return 0;
}
