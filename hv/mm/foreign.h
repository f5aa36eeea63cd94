/*
 * Private to hv/mm/: foreign mapping (foreign.c), used by the memory_op
 * handler for XENMEM_add_to_physmap_batch with XENMAPSPACE_gmfn_foreign.
 */
#ifndef HV_MM_FOREIGN_H
#define HV_MM_FOREIGN_H

#include <hv/hv.h>

/*
 * Resolves the foreign domain of a batch once: *fd is the domain the
 * target t would map from (foreign_domid, DOMID_SELF meaning the caller).
 * Returns 0 when t may map it, or the per-entry error every entry of the
 * batch gets: -ESRCH (unknown or dying), -EINVAL (t itself), -EPERM (t is
 * neither privileged nor declared a backend of it).
 */
int foreign_resolve(struct domain *caller, struct domain *t, domid_t foreign_domid,
		    struct domain **fd);

/* Maps the RAM frame at fd's gfn idx at d's gfn gpfn (a foreign_rw/ro leaf
 * holding one reference). 0 or -errno; on error nothing changed except that
 * whatever d had at gpfn may already be released. */
int foreign_map_one(struct domain *d, struct domain *fd, uint64_t idx, uint64_t gpfn);

#endif
