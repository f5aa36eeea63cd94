/*
 * Page allocator over the guest's RAM: the memory nodes of the device tree
 * minus its /memreserve/ entries (the VMM reserves its boot area and the
 * loaded image there). First fit over a sorted list of free runs; freeing
 * merges neighbours. Pages handed out are zeroed.
 */
#ifndef RT_MM_H
#define RT_MM_H

#include <rt/rt.h>

void *rt_alloc_pages(unsigned long n);
void rt_free_pages(void *p, unsigned long n);
/* Takes [pa, pa+n pages) out of the free runs if all of it is free. */
bool rt_claim_range(uint64_t pa, unsigned long n);
uint64_t rt_free_page_count(void);

/* Built by rt_start(); programs do not call it. */
int rt_mm_init(const void *fdt);

#endif
