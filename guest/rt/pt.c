/*
 * Page-table editing (see pt.h).
 *
 * Tables are reached through rt_phys_to_virt(): the identity map in
 * freestanding builds, the window in hosted ones, so one piece of code
 * serves both. Invariants: entries hold guest-physical addresses; a table
 * made here comes from rt_alloc_pages() (zeroed) and is never freed; an
 * entry is only ever added, never changed, so no TLB entry can be stale
 * (non-present entries are not cached).
 */
#include <rt/mm.h>
#include <rt/rt.h>

#include "pt.h"

#define PTE_PRESENT 0x1ULL
#define PTE_WRITABLE 0x2ULL
#define PTE_USER 0x4ULL
#define PTE_LARGE 0x80ULL
#define PTE_TABLE (PTE_PRESENT | PTE_WRITABLE | PTE_USER)
#define PTE_LEAF_2M (PTE_TABLE | PTE_LARGE)
#define PTE_ADDR 0x000ffffffffff000ULL
#define SZ_2M 0x200000ULL

/* The table entry idx of table points at, made when absent; NULL when out
 * of pages. */
static uint64_t *pt_next(uint64_t *table, unsigned int idx)
{
	void *p;

	if (table[idx] & PTE_PRESENT)
		return rt_phys_to_virt(table[idx] & PTE_ADDR);
	p = rt_alloc_pages(1);
	if (!p)
		return NULL;
	table[idx] = rt_virt_to_phys(p) | PTE_TABLE;
	return p;
}

int rt_pt_map_2m(uint64_t root, uint64_t pa, uint64_t size)
{
	uint64_t *pml4 = rt_phys_to_virt(root);
	uint64_t end = pa + size;

	for (uint64_t a = pa & ~(SZ_2M - 1); a < end; a += SZ_2M) {
		uint64_t *pdpt = pt_next(pml4, (a >> 39) & 511), *pd;

		if (!pdpt)
			return -1;
		pd = pt_next(pdpt, (a >> 30) & 511);
		if (!pd)
			return -1;
		if (!(pd[(a >> 21) & 511] & PTE_PRESENT))
			pd[(a >> 21) & 511] = a | PTE_LEAF_2M;
	}
	return 0;
}

int rt_pt_map_4k(uint64_t root, uint64_t va, uint64_t pa, unsigned int flags)
{
	uint64_t *t = rt_phys_to_virt(root);
	uint64_t leaf = pa | PTE_PRESENT | PTE_USER;

	if ((va | pa) & (RT_PAGE_SIZE - 1))
		return -1;
	for (unsigned int shift = 39; shift > 12; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];

		if ((e & PTE_PRESENT) && (e & PTE_LARGE))
			return -1; /* a large leaf covers va already */
		t = pt_next(t, (va >> shift) & 511);
		if (!t)
			return -1;
	}
	if (t[(va >> 12) & 511] & PTE_PRESENT)
		return -1;
	if (flags & RT_MAP_WRITABLE)
		leaf |= PTE_WRITABLE;
	if (flags & RT_MAP_SUPERVISOR)
		leaf &= ~PTE_USER;
	t[(va >> 12) & 511] = leaf;
	return 0;
}
