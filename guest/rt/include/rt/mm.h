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

/*
 * Makes [pa, pa+size) reachable at the same address (2 MiB pages, tables
 * from rt_alloc_pages): for extended regions and other space outside the
 * boot identity map. Existing mappings are kept. 0, or -1 when out of
 * pages. Hosted builds reach all guest memory already; they map only for
 * the hypervisor's sake, once they have page tables (rt_map_page_at()).
 */
int rt_map_range(uint64_t pa, uint64_t size);

/*
 * Maps the 4 KiB page at guest-physical pa at linear address va (both page
 * aligned), present, user, writable when writable. va must not be mapped
 * yet and must lie outside the identity map's 2 MiB slots (its page tables
 * are made here; no TLB entry can be stale). 0, or -1 when out of pages
 * or va is taken. Hosted, the first call builds the guest's own tables
 * (guest/rt/hosted.c) and the mapping is seen by the hypervisor only: the
 * program still reaches the page through its usual pointer.
 */
#define RT_MAP_WRITABLE 1U
#define RT_MAP_SUPERVISOR 2U /* leave U/S clear: CPL3 accesses fault */
int rt_map_page_at(uint64_t va, uint64_t pa, unsigned int flags);

/* Built by rt_start(); programs do not call it. */
int rt_mm_init(const void *fdt);

#endif
