/*
 * The runtime's page allocator: allocations are disjoint, zeroed and
 * aligned; freeing merges runs back so the free count returns to where it
 * started and a large allocation fits again.
 */
#include <rt/mm.h>
#include <rt/test.h>

const char test_title[] = "page allocator";

void test_main(void)
{
	uint64_t start = rt_free_page_count();
	uint8_t *p[16];
	uint8_t *big;

	rt_printf("free pages at start: %llu\n", (unsigned long long)start);
	for (int i = 0; i < 16; i++) {
		p[i] = rt_alloc_pages((unsigned long)i + 1);
		if (!p[i]) {
			rt_test_error("allocation %d failed", i);
			return;
		}
		rt_check(((uintptr_t)p[i] & (RT_PAGE_SIZE - 1)) == 0, "unaligned page");
		for (unsigned long b = 0; b < ((unsigned long)i + 1) * RT_PAGE_SIZE; b++)
			if (p[i][b]) {
				rt_test_fail("allocation %d not zeroed", i);
				break;
			}
		for (unsigned long b = 0; b < ((unsigned long)i + 1) * RT_PAGE_SIZE; b++)
			p[i][b] = (uint8_t)(i + 1);
	}
	for (int i = 0; i < 16; i++)
		for (unsigned long b = 0; b < ((unsigned long)i + 1) * RT_PAGE_SIZE; b++)
			if (p[i][b] != (uint8_t)(i + 1)) {
				rt_test_fail("allocation %d overwritten: overlap", i);
				break;
			}
	rt_check(rt_free_page_count() == start - 136, "free count %llu after 136 pages",
		 (unsigned long long)rt_free_page_count());
	/* free every other one, then the rest: runs must merge back */
	for (int i = 0; i < 16; i += 2)
		rt_free_pages(p[i], (unsigned long)i + 1);
	for (int i = 1; i < 16; i += 2)
		rt_free_pages(p[i], (unsigned long)i + 1);
	rt_check(rt_free_page_count() == start, "free count %llu after freeing, expected %llu",
		 (unsigned long long)rt_free_page_count(), (unsigned long long)start);
	big = rt_alloc_pages(1024);
	rt_check(big != NULL, "a 4 MiB allocation failed after merging");
	rt_free_pages(big, 1024);
	rt_check(rt_alloc_pages(start + 1) == NULL, "allocated more pages than are free");
	rt_check(rt_claim_range(rt_virt_to_phys(p[0]), 1), "claiming a free page failed");
	rt_check(!rt_claim_range(rt_virt_to_phys(p[0]), 1), "claimed the same page twice");
	rt_free_pages(p[0], 1);
	rt_check(rt_free_page_count() == start, "free count off after claim/free");
}
