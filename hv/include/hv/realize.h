/*
 * Realization batching (mm/realize.c): how the P2M, the heap and the
 * domain lifecycle hand their changes to the realization backend
 * (backend.h). The queue itself lives in struct hv (hv.h).
 */
#ifndef HV_REALIZE_H
#define HV_REALIZE_H

#include <hv/hv.h>

/* [gfn, gfn+nr) of d now maps [mfn, mfn+nr) with the given access. */
void hv_realize_map(struct hv *hv, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr,
		    enum hv_access access);
/* [gfn, gfn+nr) of d no longer maps anything. */
void hv_realize_unmap(struct hv *hv, struct domain *d, gfn_t gfn, uint64_t nr);
/* Machine frames [mfn, mfn+nr) went back to the heap or the reserved list. */
void hv_realize_release(struct hv *hv, mfn_t mfn, uint64_t nr);
/* Pushes all pending realization work to the backend. */
void hv_realize_flush(struct hv *hv);

#endif
