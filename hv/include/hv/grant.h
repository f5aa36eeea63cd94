/*
 * Grant tables (v1), per domain.
 */
#ifndef HV_GRANT_H
#define HV_GRANT_H

#include <hv/domain.h>

int gnttab_domain_init(struct domain *d);
/* Drops every grant mapping d holds on other domains' frames. */
void gnttab_relinquish(struct domain *d);
void gnttab_domain_destroy(struct domain *d);
/* Audit: adds the references grant maps hold, per frame (pdx). */
void gnttab_audit_refs(struct hv *hv, uint32_t *refs);

/* XENMAPSPACE_grant_table: places grant frame idx at gpfn. */
int gnttab_add_to_physmap(struct domain *d, uint64_t idx, uint64_t gpfn);

#endif
