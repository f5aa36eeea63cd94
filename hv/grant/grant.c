/*
 * Grant tables v1.
 *
 * Design: a domain's grant table is a set of frames it shares with the
 * hypervisor; entries are read and written in place. Mappings of other
 * domains' grants are tracked per mapper (maptrack) so that destroying
 * the mapper can drop exactly the references it holds.
 */
#include <errno.h>
#include <stdlib.h>

#include <hv/grant.h>
#include <hv/hv.h>

#include "../hypercall/hcall.h"

struct gnttab {
	unsigned int nr_frames;
	unsigned int max_frames;
};

int gnttab_domain_init(struct domain *d)
{
	struct gnttab *gt = hv_calloc(d->hv, 1, sizeof(*gt));

	if (!gt)
		return -ENOMEM;
	gt->max_frames = d->hv->cfg.gnttab_max_frames;
	d->gnttab = gt;
	return 0;
}

void gnttab_relinquish(struct domain *d)
{
	(void)d; /* no grant mappings exist before map_grant_ref is implemented */
}

void gnttab_domain_destroy(struct domain *d)
{
	hv_free(d->gnttab);
	d->gnttab = NULL;
}

void gnttab_audit_refs(struct hv *hv, uint32_t *refs)
{
	(void)hv;
	(void)refs; /* grant maps hold no references until map_grant_ref exists */
}

int gnttab_add_to_physmap(struct domain *d, uint64_t idx, uint64_t gpfn)
{
	(void)d;
	(void)idx;
	(void)gpfn;
	return -EINVAL; /* the domain has no grant frames yet */
}

int64_t do_grant_table_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	(void)hv;
	(void)d;
	(void)hc;
	return -ENOSYS;
}
