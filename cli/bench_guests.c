/*
 * memvisor bench: the benchmarks that boot bench guests on KVM
 * (guest/bench/<name>/ through bench_kvm.c): hypercall round trip next to a
 * bare exit, memory_op batches, first touch of populated memory, a backend
 * foreign-mapping a whole domain.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <hv/build.h>
#include <hv/domain.h>
#include <hv/realize.h>

#include "bench.h"

#define BG_REPS 7

struct bg_phases {
	double s[8][BG_REPS * 2];
	int n[8];
};

static void bg_phase(void *ctx, unsigned int tag, double s)
{
	struct bg_phases *p = ctx;

	if (tag < 8 && p->n[tag] < BG_REPS * 2)
		p->s[tag][p->n[tag]++] = s;
}

static bool bg_open(struct bench_out *o, struct bench_kvm *k, const char *name)
{
	char why[256];

	if (bench_kvm_open(k, why, sizeof(why)))
		return true;
	bench_skip(o, name, why);
	return false;
}

void bench_kvm_hypercall(struct bench_out *o)
{
	const unsigned int iters = 2000, batches = 20;
	struct bench_kvm k;
	struct vmm m;
	struct domain *d;
	struct bg_phases p;
	char args[160], why[600];
	double bare, full, batch, el[BG_REPS];

	if (!bg_open(o, &k, "hcall-kvm"))
		return;
	memset(&p, 0, sizeof(p));
	if (bench_kvm_env(&k, &m, MiB(128), true)) {
		bench_skip(o, "hcall-kvm", "cannot create the realization");
		goto out;
	}
	d = bench_kvm_domain(&m, "bench-hcall", 0, 4096);
	snprintf(args, sizeof(args), "iters=%u reps=%d batches=%u batch_gfn=0x100000", iters,
		 BG_REPS, batches);
	if (!d || bench_kvm_run(&k, &m, d, "hcall", args, bg_phase, &p, why, sizeof(why))) {
		bench_skip(o, "hcall-kvm", d ? why : "cannot build the domain");
		goto out_vmm;
	}
	/* The same bare exit from a guest that stays at CPL0 (guest/bench/cpl0). */
	struct bg_phases p0;
	struct domain *d0 = bench_kvm_domain(&m, "bench-cpl0", 0, 0);

	memset(&p0, 0, sizeof(p0));
	if (!d0 || bench_kvm_run(&k, &m, d0, "cpl0", "", bg_phase, &p0, why, sizeof(why))) {
		bench_skip(o, "hcall-kvm", d0 ? why : "cannot build the domain");
		goto out_vmm;
	}
	for (int i = 0; i < p.n[3]; i++)
		el[i] = p.s[3][i] / (batches * 2.0 * 512) * 1e6;
	bare = bench_median(p.s[1], p.n[1]) / iters * 1e6;
	full = bench_median(p.s[2], p.n[2]) / iters * 1e6;
	batch = bench_median(el, p.n[3]);
	bench_report(o, "hcall-kvm", "xen_version round trip from CPL3, KVM", full, "us",
		     "bare port-I/O exit, CPL3 (us)", bare, "<= 1.25x");
	bench_report(o, "hcall-kvm", "bare exit from CPL0, guest never at CPL3",
		     bench_median(p0.s[1], p0.n[1]) / 2000 * 1e6, "us",
		     "bare port-I/O exit, CPL3 (us)", bare, "report");
	bench_report(o, "hcall-kvm", "bare exit from CPL0 (gate from CPL3), KVM",
		     bench_median(p.s[4], p.n[4]) / iters * 1e6, "us",
		     "bare port-I/O exit, CPL3 (us)", bare, "report");
	bench_report(o, "hcall-kvm", "xen_version from CPL0 (gate from CPL3), KVM",
		     bench_median(p.s[5], p.n[5]) / iters * 1e6, "us",
		     "bare exit from CPL0 (us)", bench_median(p.s[4], p.n[4]) / iters * 1e6,
		     "report");
	bench_report(o, "hcall-kvm", "xen_version, 16-byte result via identity-mapped ptr",
		     bench_median(p.s[6], p.n[6]) / iters * 1e6, "us",
		     "xen_version round trip (us)", full, "report");
	bench_report(o, "hcall-kvm", "xen_version, 16-byte result via 4 KiB-mapped ptr",
		     bench_median(p.s[7], p.n[7]) / iters * 1e6, "us",
		     "xen_version round trip (us)", full, "report");
	bench_report(o, "memop-batch-kvm", "per element, 512-extent populate+decrease", batch,
		     "us", "one KVM round trip (us)", full, "<= 0.02x");
out_vmm:
	vmm_destroy(&m);
out:
	bench_kvm_close(&k);
}

/* Per-page cost of the guest's first write to populated memory. */
static double bg_touch_once(struct bench_kvm *k, bool prefault, uint64_t size, char *why,
			    size_t whylen)
{
	struct vmm m;
	struct domain *d;
	struct bg_phases p;
	char args[128];
	double r = -1;

	memset(&p, 0, sizeof(p));
	if (bench_kvm_env(k, &m, size + MiB(128), prefault)) {
		snprintf(why, whylen, "cannot create the realization");
		return -1;
	}
	d = bench_kvm_domain(&m, "bench-touch", 0, size >> PAGE_SHIFT);
	if (!d) {
		snprintf(why, whylen, "cannot build the domain");
		goto out;
	}
	hv_lock(&m.hv);
	if (build_populate_range(d, GiB(2), size)) {
		hv_unlock(&m.hv);
		snprintf(why, whylen, "cannot populate the range to touch");
		goto out;
	}
	hv_realize_flush(&m.hv);
	hv_unlock(&m.hv);
	snprintf(args, sizeof(args), "touch_gpa=0x%llx touch_size=0x%" PRIx64,
		 (unsigned long long)GiB(2), size);
	if (bench_kvm_run(k, &m, d, "touch", args, bg_phase, &p, why, whylen) || !p.n[2])
		goto out;
	r = p.s[2][0] / (double)(size >> PAGE_SHIFT) * 1e6;
out:
	vmm_destroy(&m);
	return r;
}

void bench_kvm_touch(struct bench_out *o)
{
	const uint64_t size = MiB(256);
	struct bench_kvm k;
	double pre[3], cold[3];
	char why[600];

	if (!bg_open(o, &k, "touch-kvm"))
		return;
	for (int r = 0; r < 3; r++) {
		pre[r] = bg_touch_once(&k, true, size, why, sizeof(why));
		cold[r] = pre[r] < 0 ? -1 : bg_touch_once(&k, false, size, why, sizeof(why));
		if (pre[r] < 0 || cold[r] < 0) {
			bench_skip(o, "touch-kvm", why);
			goto out;
		}
	}
	bench_report(o, "touch-kvm", "guest first write per page, no prefault",
		     bench_median(cold, 3), "us", "same, host MAP_POPULATE (us)",
		     bench_median(pre, 3), "report");
out:
	bench_kvm_close(&k);
}

/* One KVM foreign mapping of a whole size-byte domain: seconds, or -1. */
static double bg_foreign_once(struct bench_kvm *k, uint64_t size, uint64_t *mmaps, char *why,
			      size_t whylen)
{
	struct vmm m;
	struct domain *back, *front = NULL;
	struct bg_phases p;
	struct domain_config fc = {.name = "front", .domid = -1, .max_pages = size >> PAGE_SHIFT};
	char args[200];
	double t = -1;
	int err = 0;

	memset(&p, 0, sizeof(p));
	if (bench_kvm_env(k, &m, size + MiB(256), false)) {
		snprintf(why, whylen, "cannot create the realization");
		return -1;
	}
	back = bench_kvm_domain(&m, "back", DOMF_privileged, 4096);
	hv_lock(&m.hv);
	if (back)
		front = domain_create(&m.hv, &fc, &err);
	if (front)
		err = build_populate_range(front, GiB(1), size);
	hv_realize_flush(&m.hv);
	hv_unlock(&m.hv);
	if (!back || !front || err) {
		snprintf(why, whylen, "cannot build the domains");
		goto out;
	}
	snprintf(args, sizeof(args), "fdom=%u fgfn=0x%llx nr=%" PRIu64 " dst=0x%llx", front->id,
		 (unsigned long long)(GiB(1) >> PAGE_SHIFT), size >> PAGE_SHIFT,
		 (unsigned long long)(GiB(64) >> PAGE_SHIFT));
	if (bench_kvm_run(k, &m, back, "foreign", args, bg_phase, &p, why, whylen))
		goto out;
	if (!p.n[1]) {
		snprintf(why, whylen, "the foreign bench guest reported no phase");
		goto out;
	}
	t = p.s[1][0];
	*mmaps = vmm_dom(back)->nr_mmaps;
out:
	vmm_destroy(&m);
	return t;
}

void bench_kvm_foreign(struct bench_out *o, uint64_t size, const char *name)
{
	struct bench_kvm k;
	char why[600], what[96];
	double t[3], lim[3];
	uint64_t mmaps = 0;

	if (!bg_open(o, &k, name))
		return;
	for (int r = 0; r < 3; r++) {
		t[r] = bg_foreign_once(&k, size, &mmaps, why, sizeof(why));
		if (t[r] < 0) {
			bench_skip(o, name, why);
			goto out;
		}
		lim[r] = bench_limit_mmap(size, SZ_2M, false);
	}
	snprintf(what, sizeof(what), "foreign-map all %" PRIu64 " MiB from a KVM guest",
		 size >> 20);
	bench_report(o, name, what, bench_median(t, 3), "s", "mmap of the same 2M runs (s)",
		     bench_median(lim, 3), "<= 1 s");
	bench_report(o, name, "  as a rate", (double)(size >> PAGE_SHIFT) / bench_median(t, 3),
		     "frames/s", "", 0, "");
	bench_report(o, name, "host mappings made for it", (double)mmaps, "mmaps", "", 0, "");
out:
	bench_kvm_close(&k);
}
