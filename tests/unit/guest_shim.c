/*
 * The guest runtime for guest code run as a harness domain (guest_shim.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/rt.h>
#include <xen/unpopulated.h>

#include "guest_shim.h"

static struct harness *gs_h;
static struct domain *gs_d;
static bool pool_used[GSHIM_POOL_PAGES];
static uint64_t unpop_next;

void gshim_init(struct harness *h, struct domain *d)
{
	uint64_t g[GSHIM_POOL_PAGES];

	gs_h = h;
	gs_d = d;
	for (unsigned int i = 0; i < GSHIM_POOL_PAGES; i++)
		g[i] = GSHIM_POOL_GFN + i;
	for (unsigned int i = 0; i < GSHIM_POOL_PAGES; i += 64)
		assert_int_equal(h_reservation(h, d, XENMEM_populate_physmap, g + i, 64, 0,
					       DOMID_SELF), 64);
	memset(pool_used, 0, sizeof(pool_used));
	unpop_next = 0;
}

long rt_hypercall(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	return (long)h_call(gs_h, gs_d, nr, a1, a2, a3, a4, a5);
}

uint64_t rt_virt_to_phys(const void *p)
{
	uint8_t *w = h_va(gs_d, 0);

	return p ? (uint64_t)((const uint8_t *)p - w) : 0;
}

void *rt_phys_to_virt(uint64_t pa)
{
	return h_va(gs_d, pa);
}

void *rt_alloc_pages(unsigned long n)
{
	for (unsigned long i = 0; i + n <= GSHIM_POOL_PAGES; i++) {
		unsigned long k;

		for (k = 0; k < n && !pool_used[i + k]; k++)
			;
		if (k < n)
			continue;
		for (k = 0; k < n; k++)
			pool_used[i + k] = true;
		memset(h_va(gs_d, (GSHIM_POOL_GFN + i) << 12), 0, n * 4096);
		return h_va(gs_d, (GSHIM_POOL_GFN + i) << 12);
	}
	return NULL;
}

void rt_free_pages(void *p, unsigned long n)
{
	unsigned long i = (rt_virt_to_phys(p) >> 12) - GSHIM_POOL_GFN;

	for (unsigned long k = 0; k < n; k++) {
		assert_true(pool_used[i + k]);
		pool_used[i + k] = false;
	}
}

/* The harness domain has no page tables: everything is reachable. */
int rt_map_range(uint64_t pa, uint64_t size)
{
	(void)pa;
	(void)size;
	return 0;
}

int rt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	return vsnprintf(buf, n, fmt, ap);
}

int rt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int rt_printf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int xen_alloc_unpopulated_pages(unsigned long nr, xen_pfn_t *gfns)
{
	for (unsigned long i = 0; i < nr; i++)
		gfns[i] = GSHIM_UNPOP_GFN + unpop_next++;
	return 0;
}

/* Frames are not reused (nothing asks for many). */
void xen_free_unpopulated_pages(unsigned long nr, const xen_pfn_t *gfns)
{
	(void)nr;
	(void)gfns;
}
