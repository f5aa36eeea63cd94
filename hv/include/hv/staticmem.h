/*
 * Static memory (xen,static-mem): frames fixed in the system description
 * that never enter the heap.
 *
 * Invariants:
 * - A static frame always has PGC_static, in every state.
 * - Free static frames are on no heap list: at boot they belong to nobody
 *   until their domain is built; afterwards a freed static frame goes to its
 *   owner's reserved list (resv_list) and only that domain can take it back
 *   (populate_physmap, order 0).
 * - Static frames of a destroyed domain stay free and static on no list;
 *   nothing can use them again (as in Xen, until reboot).
 */
#ifndef HV_STATICMEM_H
#define HV_STATICMEM_H

#include <hv/domain.h>

/* Boot: takes [mfn, mfn+nr) out of the heap and marks it free + static. */
int staticmem_claim(struct hv *hv, mfn_t mfn, uint64_t nr);
/* Checks each frame is exactly free + static and makes it in use; all or nothing. */
int staticmem_prepare(struct hv *hv, mfn_t mfn, uint64_t nr);
/* Makes in-use static frames free again (scrubbed); they stay static. */
void staticmem_unprepare(struct hv *hv, mfn_t mfn, uint64_t nr);
/* Build: prepares [mfn, mfn+nr) and assigns it to d. */
int staticmem_acquire_domstatic(struct domain *d, mfn_t mfn, uint64_t nr);
/* The last reference of a static frame owned by d dropped (from mm_put_page). */
void staticmem_free_domstatic(struct domain *d, struct page_info *pg);
/* Runtime populate for a static, non-direct-mapped domain: one frame from d's reserved list. */
struct page_info *staticmem_acquire_reserved(struct domain *d, int *err);

#endif
