/*
 * Grant tables (v1), per domain.
 *
 * A domain's table is a set of frames (at most hv->cfg.gnttab_max_frames,
 * allocated on first use) holding 512 eight-byte entries each; the domain
 * maps them with XENMAPSPACE_grant_table (at region 0). Other domains map
 * the granted frames with GNTTABOP_map_grant_ref; each such mapping holds
 * one page reference until unmapped or until the mapper is destroyed.
 * Design and invariants: hv/grant/grant.c and docs/foreign-mapping.md.
 */
#ifndef HV_GRANT_H
#define HV_GRANT_H

#include <stddef.h>

#include <hv/hv.h>

/* Entries per table frame (v1 entries are 8 bytes). */
#define GNTTAB_ENTRIES_PER_FRAME 512u
/* Handles (mappings) one domain may hold at once, like Xen's default of
 * 1024 maptrack frames of 256 entries. */
#define GNTTAB_MAX_MAPTRACK (1024u * 256u)

int gnttab_domain_init(struct domain *d);
/* Drops every grant mapping d holds on other domains' frames (destruction). */
void gnttab_relinquish(struct domain *d);
/* Frees the table frames and bookkeeping (d's P2M is already gone). */
void gnttab_domain_destroy(struct domain *d);

/*
 * Audit: adds the references grant maps hold, per frame (pdx), to refs and
 * checks the grant bookkeeping against the frame table and every P2M.
 * Returns 0, or -1 with a message in buf.
 */
int gnttab_audit_refs(struct hv *hv, uint32_t *refs, char *buf, size_t len);

/* XENMAPSPACE_grant_table: places grant frame idx at gpfn. 0 or -errno. */
int gnttab_add_to_physmap(struct domain *d, uint64_t idx, uint64_t gpfn);

/* Introspection for tests and tools. */
unsigned int gnttab_nr_frames(const struct domain *d);
/* Number of live mappings (handles in use) d holds. */
unsigned int gnttab_nr_maps(const struct domain *d);
/* Machine frame of table frame idx, INVALID_MFN when not allocated. */
mfn_t gnttab_frame_mfn(const struct domain *d, unsigned int idx);

struct hv_hcall;
/* The hypercall handler for grant table operations (GNTTABOP_*): runs with the hypervisor lock held,
 * returns the guest's rax or HV_HCALL_CONTINUE (see hcall.h). */
int64_t do_grant_table_op(struct hv *hv, struct domain *d, struct hv_hcall *hc);

#endif
