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
/* Pushes all pending realization work to the backend; lazily released
 * frames are punched too when any frame is released eagerly. */
void hv_realize_flush(struct hv *hv);
/*
 * A hypercall's last flush, split around the unlock (hv.h, "Locking"):
 * hv_realize_detach (hv->lock held) flushes as hv_realize_flush does, or,
 * when only P2M runs are pending, takes hv->rz_lock and keeps them for
 * hv_realize_finish, which the caller must then call right after
 * hv_unlock (true returned). The caller's guest sees every change when
 * hv_realize_finish returns.
 */
bool hv_realize_detach(struct hv *hv);
void hv_realize_finish(struct hv *hv);
/* Waits until no detached flush runs (hv->lock held). Until the caller
 * drops hv->lock none can start, so the backend and the guest windows are
 * then quiet: before backend calls made outside this file, and the audit. */
void hv_realize_quiesce(struct hv *hv);

/*
 * Lazy release. Frames a decrease_reservation frees keep their host memory
 * and their old contents for a while, flagged PGC_need_scrub, because the
 * next populate usually takes them straight back: zeroing resident memory
 * is cheaper than punching it and faulting fresh pages in again.
 * Invariants (the audit checks them): a flagged frame is free in the heap
 * (never in use, never static), hv->lazy_pages counts the flagged frames,
 * and a flagged frame is never handed out (heap_alloc, heap_take_range)
 * before it is scrubbed, which happens only after every pending unmap
 * reached the guest windows. They are punched at the latest when
 * HV_LAZY_MAX_PAGES or HV_LAZY_RUNS is exceeded, or with the next eager
 * release (domain destruction, the last reference of a mapped frame).
 */
/* [mfn, mfn+nr) were just freed with PGC_need_scrub set. */
void hv_realize_release_lazy(struct hv *hv, mfn_t mfn, uint64_t nr);
/* [mfn, mfn+nr), flagged, are being handed out: zero them. The caller
 * clears the flag. */
void hv_realize_scrub(struct hv *hv, mfn_t mfn, uint64_t nr);
/* Punches every frame still flagged (after the pending unmaps). */
void hv_realize_punch_lazy(struct hv *hv);

#endif
