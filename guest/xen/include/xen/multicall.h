/*
 * Multicall lists: several hypercalls issued as one (__HYPERVISOR_multicall).
 *
 * Xen's semantics, as the guest sees them: the entries run in order, each
 * as the hypercall `op` with args[0..4]; each entry's return value lands in
 * its own `result` and a failing entry does not stop the ones after it.
 * The multicall itself only fails (-XEN_EFAULT) when the list cannot be
 * read or written, and then no result can be trusted. A domain that stops
 * inside a batch (shutdown, crash) runs none of the rest. So a caller
 * checks every entry's result, never just the multicall's return value.
 *
 * Pointer arguments inside entries are the caller's job (rt_handle()), and
 * what they point at must stay in place until xmc_run() returns.
 */
#ifndef XEN_MULTICALL_H
#define XEN_MULTICALL_H

#include <public/xen.h>
#include <rt/rt.h>

/* Entries that fit one 4 KiB page. */
#define XMC_PER_PAGE (4096u / (unsigned int)sizeof(struct multicall_entry))

/*
 * What an entry's result holds before the list runs: an entry that still
 * holds it afterwards was not run (the domain stopped part-way).
 */
#define XMC_NOT_RUN ((xen_ulong_t)-(long)XEN_EAGAIN)

struct xmc {
	struct multicall_entry *ent; /* guest memory, cap entries */
	unsigned int n, cap;
};

/* An empty list over ent[0..cap). */
void xmc_init(struct xmc *m, struct multicall_entry *ent, unsigned int cap);

/* Appends hypercall op(a0..a4). Its index, or -XEN_ENOSPC when full. */
int xmc_add(struct xmc *m, unsigned int op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	    uint64_t a4);

/*
 * Issues the list as one multicall and checks every entry. Returns the
 * multicall's own error (no result valid; *bad = n), else the first
 * entry whose result is negative (*bad = its index), else 0. bad may be
 * NULL. The entries and their results stay for xmc_result() until the
 * next xmc_init().
 */
long xmc_run(struct xmc *m, unsigned int *bad);

/* Entry i's result after xmc_run() (a long: negative Xen errno or value). */
static inline long xmc_result(const struct xmc *m, unsigned int i)
{
	return (long)m->ent[i].result;
}

#endif
