/*
 * Multicall lists (see xen/multicall.h).
 *
 * Invariant: ent[0..n) are the calls added since xmc_init(), each with
 * result preset to XMC_NOT_RUN until the hypervisor writes it.
 */
#include <public/errno.h>
#include <rt/hypercall.h>
#include <xen/multicall.h>

void xmc_init(struct xmc *m, struct multicall_entry *ent, unsigned int cap)
{
	m->ent = ent;
	m->n = 0;
	m->cap = cap;
}

int xmc_add(struct xmc *m, unsigned int op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
	    uint64_t a4)
{
	struct multicall_entry *e;

	if (m->n == m->cap)
		return -XEN_ENOSPC;
	e = &m->ent[m->n];
	*e = (struct multicall_entry){
		.op = op,
		.result = XMC_NOT_RUN,
		.args = {a0, a1, a2, a3, a4, 0},
	};
	return (int)m->n++;
}

long xmc_run(struct xmc *m, unsigned int *bad)
{
	long rc = m->n ? HYPERVISOR_multicall(m->ent, m->n) : 0;

	if (rc) {
		if (bad)
			*bad = m->n;
		return rc;
	}
	for (unsigned int i = 0; i < m->n; i++) {
		if (xmc_result(m, i) < 0) {
			if (bad)
				*bad = i;
			return xmc_result(m, i);
		}
	}
	return 0;
}
