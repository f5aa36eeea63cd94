/*
 * Buddy heap of machine frames.
 *
 * Invariants:
 * - A free block of order k starts at a frame aligned to 2^k, lies in one
 *   RAM bank, and its head is on free[k]; its other frames are free and on
 *   no list.
 * - Static frames (PGC_static) never enter the heap, are never merged, and
 *   are never handed out by it.
 * - Free frames hold no data: their host memory has been released
 *   (punched out of the memfd) before or when they were freed, so a frame
 *   reads as zeroes when it is next handed out.
 */
#ifndef HV_HEAP_H
#define HV_HEAP_H

#include <hv/mm_types.h>
#include <hv/page.h>

struct hv;

void heap_init(struct hv *hv);
/* Adds [mfn, mfn+nr) (inside one bank) to the heap as free frames. */
void heap_add_range(struct hv *hv, mfn_t mfn, uint64_t nr);
/* Removes a free range from the heap (for static memory); -EBUSY if any frame is not free. */
int heap_take_range(struct hv *hv, mfn_t mfn, uint64_t nr);
/* Allocates 2^order contiguous frames; NULL when none. Frames come back in PGS_inuse, count 0. */
struct page_info *heap_alloc(struct hv *hv, unsigned int order);
/* Frees 2^order frames starting at pg (all must be in use, count 0, not static). */
void heap_free(struct hv *hv, struct page_info *pg, unsigned int order);
/* Largest order with a free block, or -1. */
int heap_max_free_order(const struct hv *hv);

#endif
