/*
 * Static memory (xen,static-mem): frames fixed in the system description
 * that never enter the heap.
 *
 * A static frame is in exactly one of these states (docs/static-memory.md
 * draws them as a diagram):
 *
 *   CLAIMED   taken out of the heap at boot, waiting for its domain to be
 *             built: PGS_free, flags == PGC_static, owner
 *             STATICMEM_OWNER_UNBUILT, on no list.
 *   IN USE    assigned to its domain d: PGS_inuse, PGC_static (plus
 *             PGC_allocated while d holds it), owner d, on d's page list.
 *   RESERVED  freed by d (its last reference dropped): PGS_free,
 *             flags == PGC_static, owner d, on d's reserved list. Only d
 *             can take it back (populate_physmap, order 0).
 *   RETIRED   d was destroyed: PGS_free, flags == PGC_static, owner
 *             DOMID_INVALID, on no list. Nothing can use it again.
 *
 * Invariants:
 * - A static frame always has PGC_static, in every state, and is never on
 *   a heap list (the audit checks this).
 * - Only CLAIMED frames can be acquired for a domain (build time) and only
 *   RESERVED frames of d can be re-populated by d; everything checks the
 *   exact state first and changes nothing when the check fails.
 * - Every frame that becomes RESERVED is scrubbed (its host memory
 *   released), each one of them, before anyone can map it again.
 */
#ifndef HV_STATICMEM_H
#define HV_STATICMEM_H

#include <hv/hv.h>

/* Owner recorded in CLAIMED frames: held by the hypervisor for a domain the
 * system description names but that is not built yet. */
#define STATICMEM_OWNER_UNBUILT ((domid_t)0x7FF2U) /* DOMID_XEN */

enum staticmem_state {
	STATICMEM_NOT_STATIC, /* not a static frame (or not RAM) */
	STATICMEM_CLAIMED,
	STATICMEM_IN_USE,
	STATICMEM_RESERVED,
	STATICMEM_RETIRED,
	STATICMEM_BAD, /* static but in no valid state (the audit reports it) */
};

/* Boot: takes [mfn, mfn+nr) out of the heap and makes it CLAIMED.
 * -EINVAL if the range is not inside one RAM bank, -EBUSY if any frame is
 * not free in the heap; nothing changes on failure. */
int staticmem_claim(struct hv *hv, mfn_t mfn, uint64_t nr);
/* Undoes staticmem_claim for a range still entirely CLAIMED (a build that
 * failed before any domain got it): the frames go back to the heap. */
int staticmem_unclaim(struct hv *hv, mfn_t mfn, uint64_t nr);

/* Checks that each frame is exactly free + static, on no list and owned by
 * `owner`, then makes them in use (count 0, no owner change); all or
 * nothing, -EINVAL with a log line naming the first bad frame. */
int staticmem_prepare(struct hv *hv, mfn_t mfn, uint64_t nr, domid_t owner);
/* Makes in-use static frames with no reference free + static again,
 * scrubbing every one of them when `scrub`. Checks every frame first:
 * -EINVAL (logged, nothing changed) if one is not in use, static with no
 * other flag, unreferenced and on no list. Owner and lists are the
 * caller's business. */
int staticmem_unprepare(struct hv *hv, mfn_t mfn, uint64_t nr, bool scrub);

/* Build: makes CLAIMED [mfn, mfn+nr) IN USE by the static domain d (not
 * mapped). -ENOENT if a frame is not CLAIMED, -EINVAL if d is not static,
 * dying, or would exceed max_pages; nothing changes on failure. */
int staticmem_acquire_domstatic(struct domain *d, mfn_t mfn, uint64_t nr);
/* The last reference of an IN USE static frame owned by d dropped and d
 * already took it off its page list (mm.c): scrub it, make it RESERVED. */
void staticmem_free_domstatic(struct domain *d, struct page_info *pg);
/* Runtime populate for a static, non-direct-mapped domain: one frame from
 * the head of d's reserved list, IN USE with the allocation reference, not
 * mapped, already scrubbed. NULL with *err: -ENOMEM when the list is empty
 * or d is at max_pages, -ESRCH when d is dying, -EINVAL when the head frame
 * is not in the exact RESERVED state (it goes to the tail of the list). */
struct page_info *staticmem_acquire_reserved(struct domain *d, int *err);
/* Called when a dying domain is finalised: its RESERVED frames become
 * RETIRED. (domain_finalise does the same inline today; see
 * docs/static-memory.md.) */
void staticmem_retire(struct domain *d);

enum staticmem_state staticmem_frame_state(struct hv *hv, mfn_t mfn);
const char *staticmem_state_name(enum staticmem_state s);

#endif
