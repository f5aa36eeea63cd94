/*
 * Guest code (guest/xen, e.g. the toolstack library) built hosted and run
 * as a harness domain: this shim is the guest runtime it links against.
 * Its hypercalls are the harness's on behalf of that domain (h_call, vCPU
 * 0), pointers are guest-physical (window offsets, as a hosted guest's
 * before it has page tables), rt_alloc_pages hands out pages of a pool in
 * the domain's RAM (populated by gshim_init at GSHIM_POOL_GFN), and the
 * unpopulated allocator gives frames from GSHIM_UNPOP_GFN (4 GiB) up.
 * Guest code must pass only pool pages to hypercalls (stack and globals
 * are not the domain's memory here).
 */
#ifndef TEST_GUEST_SHIM_H
#define TEST_GUEST_SHIM_H

#include "harness.h"

#define GSHIM_POOL_GFN 0x20000ULL
#define GSHIM_POOL_PAGES 128
#define GSHIM_UNPOP_GFN 0x100000ULL

/* d runs the guest code from now on (populates its pool; asserts). */
void gshim_init(struct harness *h, struct domain *d);

#endif
