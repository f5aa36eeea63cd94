/*
 * Runtime-internal: editing 4-level x86-64 page tables in guest memory
 * (guest/rt/pt.c), shared by the freestanding runtime (the VMM's boot
 * tables) and hosted guests (tables of their own, guest/rt/hosted.c).
 */
#ifndef RT_PT_H
#define RT_PT_H

#include <stdint.h>

/* Identity-maps [pa, pa + size), rounded out to 2 MiB, in 2 MiB leaves
 * (present, writable, user) under the PML4 at guest-physical root;
 * slots already present are kept. 0, or -1 when out of pages. */
int rt_pt_map_2m(uint64_t root, uint64_t pa, uint64_t size);
/* rt_map_page_at() (rt/mm.h) under the PML4 at root. */
int rt_pt_map_4k(uint64_t root, uint64_t va, uint64_t pa, unsigned int flags);

#endif
