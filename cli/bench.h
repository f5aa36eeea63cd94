/*
 * memvisor bench: shared helpers of cli/bench*.c. Every figure is reported
 * beside the limit it should approach (measured in the same run) and as a
 * ratio; see docs/performance.md.
 */
#ifndef CLI_BENCH_H
#define CLI_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hv/guest_access.h>
#include <hv/hypercall.h>

#include "inproc.h"
#include "kvm.h"
#include "realize.h"

struct bench_out {
	bool json;
	bool first;
};

double bench_now(void);
/* Sorts v. */
double bench_median(double *v, int n);
/* One result line. limit <= 0: no limit; target "" or NULL: none. */
void bench_report(struct bench_out *o, const char *name, const char *what, double value,
		  const char *unit, const char *limit_what, double limit, const char *target);
/* Seconds to mmap total bytes of a memfd in extent-sized MAP_FIXED pieces. */
double bench_limit_mmap(uint64_t total, uint64_t extent, bool populate);
void bench_skip(struct bench_out *o, const char *name, const char *why);

/* --- in-process environments (bench.c) --- */

#define BENCH_SCRATCH_GFN 0x10000ULL
#define BENCH_SCRATCH_PAGES 512 /* 2 MiB of argument space */

/* A machine with one large bank at 4 GiB. */
struct bench_env {
	struct vmm vmm;
	struct hv *hv;
};

/* A machine with one RAM bank of `ram` bytes at 4 GiB. */
int bench_vmm_init(struct vmm *m, uint64_t ram, bool prefault);
int bench_env_init(struct bench_env *e, uint64_t ram);
/* A domain with BENCH_SCRATCH_PAGES populated at BENCH_SCRATCH_GFN. */
struct domain *bench_env_domain(struct bench_env *e, const char *name, uint32_t flags,
				uint64_t max_pages);
void *bench_scratch(struct domain *d, uint64_t off);
uint64_t bench_scratch_gpa(uint64_t off);
int64_t bench_call(struct hv *hv, struct domain *d, uint64_t nr, uint64_t a0, uint64_t a1);
int64_t bench_call3(struct hv *hv, struct domain *d, uint64_t nr, uint64_t a0, uint64_t a1,
		    uint64_t a2);

/* --- KVM (bench_kvm.c) --- */

struct bench_kvm {
	struct kvm_sys *sys;
};

/* false, with why, when KVM cannot be used. */
bool bench_kvm_open(struct bench_kvm *k, char *why, size_t whylen);
void bench_kvm_close(struct bench_kvm *k);
/* A realization with one RAM bank of ram bytes at 4 GiB, KVM attached. */
int bench_kvm_env(struct bench_kvm *k, struct vmm *m, uint64_t ram, bool prefault);

/*
 * A machine for benchmarks that run guest programs on either transport:
 * on KVM the bench guest image `elf` (found as cli_find_file does) and
 * KVM attached, in-process the hosted programs linked into memvisor. One
 * RAM bank of ram bytes, prefaulted or not. -1 with why said.
 */
struct bench_genv {
	bool kvm;
	struct bench_kvm k;
	struct inproc_transport ip;
	struct vmm m;
	void *image; /* KVM only */
	size_t image_len;
};
/* The hosted guest runtime's entry (guest/rt/hosted.c), linked in. */
void rt_hosted_start(const struct inproc_env *env);
int bench_genv_open(struct bench_genv *e, bool kvm, const char *elf, uint64_t ram,
		    bool prefault, char *why, size_t whylen);
void bench_genv_close(struct bench_genv *e);

/*
 * Runs n domains of e (already created, RAM populated) to their end under
 * the runner, each with a device tree of one RAM bank, one extended region,
 * the grant-table window and its bootargs; their consoles are returned in
 * *out (malloc'd, the caller frees it). -1 with why said (label names the
 * guest there).
 */
#define BENCH_RUN_MAX_DOMS 4
struct bench_run_cfg {
	paddr_t ram_base, ram_size;
	paddr_t ext_base, ext_size;
	paddr_t gnttab_base, gnttab_size;
	void (*guest_main)(void); /* the hosted program (in-process) */
	const char *label;
	unsigned int timeout_ms;
};
int bench_genv_run(struct bench_genv *e, const struct bench_run_cfg *c, struct domain **d,
		   const char **bootargs, unsigned int n, char **out, char *why, size_t whylen);
/* A domain with 64 MiB of RAM at 1 GiB (its device tree's memory). */
struct domain *bench_kvm_domain(struct vmm *m, const char *name, uint32_t flags,
				uint64_t extra_pages);
/* The same with cpus vCPUs (the system DT's `cpus`). */
struct domain *bench_kvm_domain_cpus(struct vmm *m, const char *name, uint32_t flags,
				     uint64_t extra_pages, unsigned int cpus);
int bench_kvm_run(struct bench_kvm *k, struct vmm *m, struct domain *d, const char *name,
		  const char *bootargs, void (*phase)(void *ctx, unsigned int tag, double s),
		  void *ctx, char *why, size_t whylen);

/* Benchmarks living outside bench.c. */
void bench_grant(struct bench_out *o);
void bench_iommu(struct bench_out *o);
void bench_planner(struct bench_out *o);
void bench_planner_scaling(struct bench_out *o);
void bench_populate_scaling(struct bench_out *o);
void bench_kvm_hypercall(struct bench_out *o);
void bench_kvm_touch(struct bench_out *o);
void bench_events(struct bench_out *o);
void bench_virtio(struct bench_out *o);
void bench_smp(struct bench_out *o);
void bench_kvm_foreign(struct bench_out *o, uint64_t size, const char *name);

#endif
