/*
 * memvisor bench smp: scaling over vCPUs and domains (issue 17 item 4,
 * docs/performance.md), with the bench guest "smp" (guest/bench/smp) under
 * the normal runner on both transports. A privileged backend foreign-maps
 * frames of a source domain (which never runs) at unpopulated GFNs and
 * unmaps them; one op is one frame mapped (XENMEM_add_to_physmap_batch,
 * gmfn_foreign) and unmapped (XENMEM_remove_from_physmap).
 *
 * - one vCPU doing 2 x I rounds: the reference;
 * - one domain with two vCPUs doing I rounds each at once;
 * - two backend domains with one vCPU each doing I rounds each at once.
 * Each for foreign maps and, as second rows, for grant maps: the source
 * grants its frames (refs 0..511 of its first table frame, filled in by
 * the host as bench_grant does) to the backends, which map them in
 * GNTTABOP_map_grant_ref batches and unmap them in one unmap batch.
 * And a reference with nothing to do under the lock: xen_version round
 * trips (smp-null-*), how far the exits themselves scale on this host.
 * Speed-up = time of the reference / time of the pair, for the same total
 * work; target >= 1.6x on 2 cores in-process. What bounds it is the single
 * hypervisor lock (every hypercall holds it for its whole body), so the
 * speed-up measures how much of an op is spent outside the lock (exits,
 * argument copies in the runtime, the host's mmap work after the unlock).
 *
 * Beside the foreign rows, smp-mmap-limit: the same host mmap work done by
 * one and by two threads of this process without the hypervisor, what
 * the host allows at best (the process's mmap_lock serialises it).
 *
 * The guests time themselves with HVMOP_get_time (CLOCK_MONOTONIC, one
 * clock for all domains) and print a "smpbench:" line read back from the
 * console; the host checks the op counts (a wrong count skips the row with
 * the reason, so that tests/e2e/bench_smp.py fails). Times are never
 * asserted on. MEMVISOR_BENCH_SMP="nr iters" shrinks the work (tests).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hv/build.h>
#include <hv/guestdt.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/version.h>
#include <public/xen.h>

#include "bench.h"
#include "cli.h"
#include "runner.h"

/* bench_kvm_domain()'s RAM (bench_kvm.c): the source's frames */
#define SMP_RAM_BASE GiB(1)
#define SMP_RAM MiB(64)
#define SMP_FGFN (SMP_RAM_BASE >> PAGE_SHIFT)
#define SMP_EXT_BASE GiB(64) /* the backends' extended region: the mapping GFNs */
#define SMP_GNTTAB_BASE 0x38000000ULL
#define SMP_GNTTAB_SIZE MiB(16)
#define SMP_TIMEOUT_MS 120000
#define SMP_MAX_DOMS 2
#define SMP_REPS 3
#define SMP_GREFS 512					 /* one v1 table frame */
#define SMP_ARG_GPA (SMP_RAM_BASE + SMP_RAM - PAGE_SIZE) /* the source's, never granted */

void smpbench_main(void);

struct smp_cfg {
	unsigned long long nr, iters; /* per batch; rounds per vCPU of the pair */
	bool grant, null;
};

/* XENMEM_add_to_physmap for the source, before anything runs. */
static int64_t smp_src_call(struct bench_genv *e, struct domain *d, void *arg, size_t len)
{
	struct hv_hcall hc = {.nr = __HYPERVISOR_memory_op,
			      .args = {XENMEM_add_to_physmap, SMP_ARG_GPA}};
	int64_t rc;

	hv_lock(&e->m.hv);
	rc = copy_to_guest_phys(d, SMP_ARG_GPA, arg, len);
	hv_unlock(&e->m.hv);
	return rc ? rc : hv_hypercall_run(&e->m.hv, d, &hc);
}

/* The source's first grant-table frame at its gnttab region, refs
 * [first, first + n) granting its frames SMP_FGFN + ref to `to`. */
static int smp_grants(struct bench_genv *e, struct domain *src, unsigned int first, unsigned int n,
		      domid_t to)
{
	struct xen_add_to_physmap x = {.domid = DOMID_SELF,
				       .space = XENMAPSPACE_grant_table,
				       .idx = 0,
				       .gpfn = SMP_GNTTAB_BASE >> PAGE_SHIFT};

	if (!first && smp_src_call(e, src, &x, sizeof(x)))
		return -1;
	for (unsigned int r = first; r < first + n; r++) {
		struct grant_entry_v1 *g = vmm_gpa_to_hva(src, SMP_GNTTAB_BASE + r * sizeof(*g));

		if (!g)
			return -1;
		g->domid = to;
		g->frame = (uint32_t)(SMP_FGFN + r);
		__atomic_store_n(&g->flags, GTF_permit_access, __ATOMIC_RELEASE);
	}
	return 0;
}

/* One guest's result line. */
struct smp_res {
	unsigned long long cpus, ops, errs, t0, t1;
};

/*
 * Runs the backends bd[0..n) (source domain src) to their end and parses
 * each one's line into res. 0, or -1 with why.
 */
static int smp_run(struct bench_genv *e, struct domain **bd, const char **bootargs, unsigned int n,
		   struct smp_res *res, char *why, size_t whylen)
{
	static const struct bench_run_cfg cfg = {
		.ram_base = SMP_RAM_BASE, .ram_size = SMP_RAM,
		.ext_base = SMP_EXT_BASE, .ext_size = GiB(64),
		.gnttab_base = SMP_GNTTAB_BASE, .gnttab_size = SMP_GNTTAB_SIZE,
		.guest_main = smpbench_main, .label = "smp", .timeout_ms = SMP_TIMEOUT_MS,
	};
	char *out = NULL;
	int rc = -1;

	if (bench_genv_run(e, &cfg, bd, bootargs, n, &out, why, whylen))
		return -1;
	/* One line per domain, in the order they printed: the sums and the
	 * span are what count, not which is which. */
	{
		const char *p = out;

		for (unsigned int i = 0; i < n; i++) {
			p = p ? strstr(p, "smpbench: cpus=") : NULL;
			if (!p ||
			    sscanf(p, "smpbench: cpus=%llu ops=%llu errs=%llu t0=%llu t1=%llu",
				   &res[i].cpus, &res[i].ops, &res[i].errs, &res[i].t0,
				   &res[i].t1) != 5) {
				snprintf(why, whylen, "no result from the guest: %.300s",
					 out ? out : "");
				goto out;
			}
			p++;
		}
	}
	rc = 0;
out:
	free(out);
	return rc;
}

/*
 * One measurement: ndoms backends of cpus vCPUs each, iters rounds per
 * vCPU. Nanoseconds per op over all of them (first start to last end), or
 * < 0 with why (also when the op count is not the expected one).
 */
static double smp_once(bool kvm, const struct smp_cfg *c, unsigned int ndoms, unsigned int cpus,
		       unsigned long long iters, char *why, size_t whylen)
{
	char args[SMP_MAX_DOMS][160];
	const char *bootargs[SMP_MAX_DOMS];
	struct domain *bd[SMP_MAX_DOMS], *src;
	struct smp_res res[SMP_MAX_DOMS];
	unsigned long long ops = 0, errs = 0, t0 = ~0ULL, t1 = 0, want;
	struct bench_genv e;

	if (bench_genv_open(&e, kvm, "bench-smp.elf", MiB(512), true, why, whylen))
		return -1;
	src = bench_kvm_domain(&e.m, "smp-src", 0, 0);
	if (!src) {
		snprintf(why, whylen, "cannot create the source domain");
		goto err;
	}
	for (unsigned int i = 0; i < ndoms; i++) {
		bd[i] = bench_kvm_domain_cpus(&e.m, i ? "smp-back1" : "smp-back0", DOMF_privileged,
					      4096, cpus);
		if (!bd[i]) {
			snprintf(why, whylen, "cannot create the backend domains");
			goto err;
		}
		/* Two domains map different source frames (and refs), as two
		 * vCPUs do. */
		if (c->grant && smp_grants(&e, src, (unsigned int)(i * cpus * c->nr),
					   (unsigned int)(cpus * c->nr), bd[i]->id)) {
			snprintf(why, whylen, "cannot set up the source's grants");
			goto err;
		}
		snprintf(args[i], sizeof(args[i]),
			 "fdom=%u fgfn=%llu gref=%llu nr=%llu iters=%llu cpus=%u dst=%llu grant=%d "
			 "null=%d",
			 (unsigned int)src->id,
			 (unsigned long long)SMP_FGFN + (unsigned long long)i * cpus * c->nr,
			 (unsigned long long)i * cpus * c->nr, c->nr, iters, cpus,
			 (unsigned long long)(SMP_EXT_BASE >> PAGE_SHIFT), c->grant ? 1 : 0,
			 c->null ? 1 : 0);
		bootargs[i] = args[i];
	}
	if (smp_run(&e, bd, bootargs, ndoms, res, why, whylen))
		goto err;
	for (unsigned int i = 0; i < ndoms; i++) {
		ops += res[i].ops;
		errs += res[i].errs;
		t0 = res[i].t0 < t0 ? res[i].t0 : t0;
		t1 = res[i].t1 > t1 ? res[i].t1 : t1;
	}
	want = (unsigned long long)ndoms * cpus * iters * c->nr;
	if (errs || ops != want || t1 <= t0) {
		snprintf(why, whylen, "wrong counts: %llu ops (want %llu), %llu errors", ops, want,
			 errs);
		goto err;
	}
	bench_genv_close(&e);
	return (double)(t1 - t0) / (double)ops;
err:
	bench_genv_close(&e);
	return -1;
}

static void smp_transport(struct bench_out *o, bool kvm, const struct smp_cfg *c)
{
	const char *name = kvm ? (c->null    ? "smp-null-kvm"
				  : c->grant ? "smp-grant-kvm"
					     : "smp-kvm")
			       : (c->null    ? "smp-null-inproc"
				  : c->grant ? "smp-grant-inproc"
					     : "smp-inproc");
	const char *op = c->null    ? "xen_version round trip"
			 : c->grant ? "grant map+unmap per grant"
				    : "foreign map+unmap per frame";
	char what[160];
	double one[SMP_REPS], vcpus[SMP_REPS], doms[SMP_REPS], m1, mv, md;
	char why[512];

	for (int r = 0; r < SMP_REPS; r++) {
		one[r] = smp_once(kvm, c, 1, 1, 2 * c->iters, why, sizeof(why));
		vcpus[r] = one[r] < 0 ? -1 : smp_once(kvm, c, 1, 2, c->iters, why, sizeof(why));
		doms[r] = vcpus[r] < 0 ? -1 : smp_once(kvm, c, 2, 1, c->iters, why, sizeof(why));
		if (doms[r] < 0) {
			bench_skip(o, name, why);
			return;
		}
	}
	m1 = bench_median(one, SMP_REPS);
	mv = bench_median(vcpus, SMP_REPS);
	md = bench_median(doms, SMP_REPS);
	snprintf(what, sizeof(what), "%s, one vCPU (the reference)", op);
	bench_report(o, name, what, m1, "ns", "", 0, "");
	snprintf(what, sizeof(what), "%s, two vCPUs of one domain at once", op);
	bench_report(o, name, what, mv, "ns", "one vCPU", m1, "");
	bench_report(o, name, "speed-up, two vCPUs vs one (same total work)", m1 / mv, "x", "", 0,
		     ">= 1.6x on 2 cores in-process");
	snprintf(what, sizeof(what), "%s, two backend domains at once", op);
	bench_report(o, name, what, md, "ns", "one vCPU", m1, "");
	bench_report(o, name, "speed-up, two domains vs one (same total work)", m1 / md, "x", "", 0,
		     ">= 1.6x on 2 cores in-process");
}

/*
 * The host's own limit for the foreign rows (smp-mmap-limit): the same
 * host work without the hypervisor, one thread doing 2 x I rounds against
 * two threads of this process doing I rounds each at once. A round is
 * what a foreign batch of n frames costs the realization: one mmap of n
 * memfd pages into a window, then n one-page PROT_NONE mmaps over them
 * (each XENMEM_remove_from_physmap's unmap). Every mmap of a process takes
 * its mmap_lock for writing, so this bounds any locking of ours.
 */
struct smp_limit_thr {
	uint8_t *win;
	int fd;
	off_t off;
	unsigned long long nr, iters;
	int err;
};

static void *smp_limit_thread(void *arg)
{
	struct smp_limit_thr *t = arg;

	for (unsigned long long i = 0; i < t->iters && !t->err; i++) {
		if (mmap(t->win, t->nr << PAGE_SHIFT, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 t->fd, t->off) == MAP_FAILED)
			t->err = 1;
		for (unsigned long long k = 0; k < t->nr && !t->err; k++)
			if (mmap(t->win + (k << PAGE_SHIFT), PAGE_SIZE, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1,
				 0) == MAP_FAILED)
				t->err = 1;
	}
	return NULL;
}

/* ns per op with nthr threads of iters rounds each; < 0 on failure. */
static double smp_limit_once(int fd, uint8_t *win, unsigned int nthr, unsigned long long nr,
			     unsigned long long iters)
{
	struct smp_limit_thr t[2];
	pthread_t th[2];
	unsigned int started = 0;
	double t0, t1;
	int err = 0;

	for (unsigned int i = 0; i < nthr; i++)
		t[i] = (struct smp_limit_thr){win + i * GiB(1), fd, (off_t)(i * nr) << PAGE_SHIFT,
					      nr, iters, 0};
	t0 = bench_now();
	for (; started < nthr; started++)
		if (pthread_create(&th[started], NULL, smp_limit_thread, &t[started]))
			break;
	for (unsigned int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		err |= t[i].err;
	}
	t1 = bench_now();
	if (started < nthr || err)
		return -1;
	return (t1 - t0) * 1e9 / (double)(nthr * iters * nr);
}

static void smp_limit(struct bench_out *o, const struct smp_cfg *c)
{
	double one[SMP_REPS], two[SMP_REPS], m1, m2;
	int fd = memfd_create("memvisor-bench-smp", MFD_CLOEXEC);
	uint8_t *win = MAP_FAILED;

	if (fd < 0 || ftruncate(fd, (off_t)(2 * c->nr) << PAGE_SHIFT) < 0 ||
	    (win = mmap(NULL, GiB(2), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			0)) == MAP_FAILED) {
		bench_skip(o, "smp-mmap-limit", "cannot make the memfd or the window");
		goto out;
	}
	for (int r = 0; r < SMP_REPS; r++) {
		one[r] = smp_limit_once(fd, win, 1, c->nr, 2 * c->iters);
		two[r] = smp_limit_once(fd, win, 2, c->nr, c->iters);
		if (one[r] < 0 || two[r] < 0) {
			bench_skip(o, "smp-mmap-limit", "an mmap of the window failed");
			goto out;
		}
	}
	m1 = bench_median(one, SMP_REPS);
	m2 = bench_median(two, SMP_REPS);
	bench_report(o, "smp-mmap-limit",
		     "host work of a foreign map+unmap per frame (mmap, no hypervisor), one thread",
		     m1, "ns", "", 0, "");
	bench_report(o, "smp-mmap-limit", "the same, two threads of one process at once", m2, "ns",
		     "one thread", m1, "");
	bench_report(o, "smp-mmap-limit",
		     "speed-up, two threads vs one: the host's bound for smp-inproc", m1 / m2, "x",
		     "", 0, "");
out:
	if (win != MAP_FAILED)
		munmap(win, GiB(2));
	if (fd >= 0)
		close(fd);
}

void bench_smp(struct bench_out *o)
{
	struct smp_cfg kvm = {.nr = 128, .iters = 8}, inproc = {.nr = 256, .iters = 40};
	const char *env = getenv("MEMVISOR_BENCH_SMP");

	if (env && sscanf(env, "%llu %llu", &inproc.nr, &inproc.iters) == 2)
		kvm = inproc;
	for (int g = 0; g < 3; g++) {
		struct smp_cfg k = kvm, i = inproc;

		/* g 2: xen_version round trips, as many as foreign ops */
		k.null = i.null = g == 2;

		/* Grants: two windows of refs in one 512-entry table frame. */
		k.grant = i.grant = g == 1;
		if (k.grant && k.nr > SMP_GREFS / 2)
			k.nr = SMP_GREFS / 2;
		if (i.grant && i.nr > SMP_GREFS / 2)
			i.nr = SMP_GREFS / 2;
		smp_transport(o, true, &k);
		smp_transport(o, false, &i);
		if (g == 0)
			smp_limit(o, &i);
	}
}
