/*
 * Shared environment of the hypercall fuzzer, the soak test and the
 * allocation-failure walk: a real hypervisor on the memfd realization with
 * several domains of mixed kinds, a byte stream that drives choices, and
 * hypercall helpers that check the result shape and run the audit.
 *
 * Every domain has an 8-page argument scratch area. For heap domains it is
 * at FZ_SCRATCH_GFN; for static domains it is the first 8 frames of their
 * static bank (at FZ_SCRATCH_GFN, or at the machine address when direct-
 * mapped). Host access to guest memory goes through copy_to_guest_phys /
 * copy_from_guest_phys, so a fuzz sequence that unmaps the scratch area only
 * makes later calls fail with -EFAULT instead of touching PROT_NONE memory.
 */
#ifndef FUZZ_FZ_ENV_H
#define FUZZ_FZ_ENV_H

#include <stddef.h>
#include <stdint.h>

#include <hv/audit.h>
#include <hv/hypercall.h>
#include <hv/mm.h>
#include "realize.h"

#define FZ_MAX_DOMS 6
#define FZ_SCRATCH_GFN 0x10000ULL
#define FZ_SCRATCH_PAGES 8
#define FZ_STATIC_PAGES 256 /* static bank of each static domain */
#define FZ_MAX_STATIC 2

/* Choices come from a byte stream (fuzz input) or from a PRNG (soak). */
struct fz_in {
	const uint8_t *p;
	size_t n, off;
	uint64_t rng; /* nonzero: PRNG mode, p is ignored */
};

uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
uint32_t fz_u32(struct fz_in *in);
uint64_t fz_u64(struct fz_in *in);
/* 0 <= result < n (n > 0). */
unsigned int fz_below(struct fz_in *in, unsigned int n);
static inline int fz_more(const struct fz_in *in) { return in->rng || in->off < in->n; }

enum fz_kind {
	FZ_PLAIN,       /* heap memory, unprivileged */
	FZ_PRIV,        /* heap memory, privileged (Dom0-like) */
	FZ_STATIC,      /* static memory */
	FZ_STATIC_1TO1, /* static memory, direct-mapped */
	FZ_PLAIN_IOMMU, /* heap memory, an assigned device (IOMMU context) */
	FZ_PRIV_IOMMU,  /* privileged, with an IOMMU context */
	FZ_PRIV_IOMMU_RELAXED, /* the same in no-dom0-strict mode (map_all_gfns, no_ref_cnt) */
	FZ_PRIV_PASSTHROUGH,   /* privileged, dom0-passthrough (1:1, no PV IOMMU map) */
	FZ_NR_KINDS
};

struct fz_env {
	struct vmm vmm;
	struct hv *hv;
	struct domain *dom[FZ_MAX_DOMS];
	enum fz_kind kind[FZ_MAX_DOMS];
	paddr_t scratch[FZ_MAX_DOMS]; /* guest address of the scratch area */
	mfn_t static_base[FZ_MAX_STATIC];
	unsigned int nr_static_used;
	bool quiet;   /* no audit failure message (the walk prints its own) */
	bool strict;  /* abort on a bad result or a failed audit (fuzzer) */
	unsigned int audit_every; /* fz_call audits every Nth call (0 or 1: every call) */
	uint64_t calls, audits;
	unsigned int failures; /* bad results and failed audits (non-strict mode) */
	char why[512];
};

/* Process-wide totals over every environment, for the fuzzer's reach
 * report: hypercalls made through fz_call, and those of them the audit ran
 * after (and passed, or the fuzzer would have aborted). */
extern uint64_t fz_total_calls, fz_total_audited;

/* bank_mib MiB at 1 GiB + bank_mib MiB at 4 GiB (bank_mib >= 4); 0 or -errno.
 * The audit's cost grows with the machine size: the fuzzer uses a small one. */
int fz_env_init(struct fz_env *e, unsigned int bank_mib);
void fz_env_fini(struct fz_env *e);

/* Creates a domain of kind k in slot i (empty). 0 or -errno. */
int fz_dom_create(struct fz_env *e, unsigned int i, enum fz_kind k);
void fz_dom_destroy(struct fz_env *e, unsigned int i);
/* Lets domain slot i foreign-map slot j (the memvisor,targets property). */
void fz_dom_target(struct fz_env *e, unsigned int i, unsigned int j);

/* Host access to domain i's guest memory; 0 or -EFAULT. */
int fz_put(struct fz_env *e, unsigned int i, paddr_t gaddr, const void *p, size_t len);
int fz_get(struct fz_env *e, unsigned int i, paddr_t gaddr, void *p, size_t len);
static inline paddr_t fz_gpa(struct fz_env *e, unsigned int i, uint64_t off)
{
	return e->scratch[i] + off;
}

/* Hypercall by domain i. The result must be >= 0 or a Xen errno; the audit
 * runs afterwards. Both failures abort in strict mode, else set e->why and
 * return INT64_MIN. */
int64_t fz_call(struct fz_env *e, unsigned int i, uint64_t nr, uint64_t a0, uint64_t a1,
		uint64_t a2, uint64_t a3, uint64_t a4);
/* The same from a caller with paging state pg (its pointers are linear). */
int64_t fz_call_paged(struct fz_env *e, unsigned int i, const struct hv_paging *pg, uint64_t nr,
		      uint64_t a0, uint64_t a1, uint64_t a2);
/* Runs the audit; 0, or -1 with e->why set (aborts in strict mode). */
int fz_audit(struct fz_env *e);

/* A live domain slot chosen by the stream, or -1 when none. */
int fz_pick_dom(struct fz_env *e, struct fz_in *in);
/* A domid argument: DOMID_SELF, a live domain, or an odd value. */
uint16_t fz_pick_domid(struct fz_env *e, struct fz_in *in);
/* A gfn near interesting places (0, scratch, RAM bases, superpage and
 * table boundaries, the top of the address space) or a wild value. */
uint64_t fz_pick_gfn(struct fz_env *e, unsigned int i, struct fz_in *in);
/* A guest pointer argument: mostly scratch + off, sometimes wild. */
uint64_t fz_pick_ptr(struct fz_env *e, unsigned int i, struct fz_in *in, uint64_t off);

#endif
