/*
 * Validation of the static-memory part of a system description, before
 * anything is built.
 *
 * staticcheck_system() checks every dom0less domain of a parsed host DT
 * against the rules of static memory (docs/static-memory.md, "System
 * description"): direct-map only with xen,static-mem; `memory` present and
 * equal to the banks' total; every bank non-empty, page aligned, not
 * wrapping, below 2^32 pages, inside one host RAM bank, and clear of every
 * other static bank (of any domain, the same one included), of reserved
 * memory of every kind, of static shared memory, of boot modules and of the
 * ranges the caller names (the hypervisor's own, Dom0's 1:1 RAM); packed
 * banks must fit the guest RAM banks and direct-mapped ones the domain's
 * bank table. It reports every failure, each naming the domain, the bank
 * and what it collides with, so that a builder can refuse the whole system
 * before it claims any memory (no domain is half-built).
 *
 * Pure function of its inputs: no stdio, no allocation.
 */
#ifndef HV_STATICCHECK_H
#define HV_STATICCHECK_H

#include <hv/bootinfo.h>

#define STATICCHECK_MAX_DIAG 32
#define STATICCHECK_NO_BANK UINT32_MAX

enum staticcheck_rule {
	STATICCHECK_DIRECTMAP_NOT_STATIC, /* direct-map without xen,static-mem */
	STATICCHECK_NO_BANKS,             /* xen,static-mem gives no bank */
	STATICCHECK_NO_MEMORY,            /* no `memory` property */
	STATICCHECK_MEMORY_MISMATCH,      /* `memory` != sum of the banks */
	STATICCHECK_EMPTY,                /* bank of size 0 */
	STATICCHECK_UNALIGNED,            /* start or size not page aligned */
	STATICCHECK_WRAPS,                /* start + size wraps */
	STATICCHECK_TOO_LARGE,            /* 2^32 pages or more */
	STATICCHECK_NOT_RAM,              /* not inside one host RAM bank */
	STATICCHECK_OVERLAP_STATIC,       /* overlaps another static bank */
	STATICCHECK_OVERLAP_RESERVED,     /* overlaps reserved memory / shm / static heap */
	STATICCHECK_OVERLAP_MODULE,       /* overlaps a boot module */
	STATICCHECK_OVERLAP_XEN,          /* overlaps a caller-named range */
	STATICCHECK_GUEST_BANKS,          /* does not fit the guest RAM banks */
	STATICCHECK_TOO_MANY_BANKS,       /* direct-mapped: more banks than a domain holds */
};

struct staticcheck_diag {
	enum staticcheck_rule rule;
	const char *domain;     /* domain node path (borrowed from bootinfo) */
	uint32_t bank;          /* index in xen,static-mem, or STATICCHECK_NO_BANK */
	paddr_t start, size;    /* the bank (when bank is an index) */
	const char *collider;   /* what it collides with (label), or NULL */
	paddr_t cstart, csize;  /* the collider's range (when collider) */
	char msg[320];          /* the whole sentence, for people */
};

struct staticcheck_report {
	struct staticcheck_diag diag[STATICCHECK_MAX_DIAG];
	unsigned int nr;        /* diagnostics stored */
	unsigned int nr_err;    /* errors found (may exceed nr) */
};

/* Domain bank table size a direct-mapped domain's banks must fit. */
#define STATICCHECK_MAX_DIRECT_BANKS 8

/*
 * Checks every static-memory rule for every domain of bi. `xen_ranges`
 * (n entries, labels used in messages) are ranges nobody's static memory
 * may touch: the hypervisor image, Dom0's RAM. Returns 0 when all is well,
 * -EINVAL when at least one rule is broken (rep says which).
 */
int staticcheck_system(const struct bootinfo *bi, const struct ext_span *xen_ranges,
		       unsigned int n, struct staticcheck_report *rep);

#endif
