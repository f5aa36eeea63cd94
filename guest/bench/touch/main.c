/*
 * Bench guest "touch": the guest's first write to each page of populated
 * memory it has not used yet. The host populates [touch_gpa, +touch_size)
 * (outside the RAM the device tree lists) with or without MAP_POPULATE and
 * compares the two runs.
 *
 * bootargs: touch_gpa=A, touch_size=S (bytes, 2 MiB multiples).
 * Phases: 1 mapping the range in the page tables (not timed by the host
 * comparison), 2 one write per 4 KiB page.
 */
#include <rt/mm.h>

#include "../common/bench.h"

void rt_main(void)
{
	uint64_t base = bench_arg("touch_gpa", 0), size = bench_arg("touch_size", 0);

	if (!base || !size)
		rt_crash("touch_gpa/touch_size missing from bootargs");
	bench_mark(1);
	if (rt_map_range(base, size))
		rt_crash("cannot map %#llx+%#llx", (unsigned long long)base,
			 (unsigned long long)size);
	bench_mark(2);
	for (uint64_t a = base; a < base + size; a += RT_PAGE_SIZE)
		*(volatile uint8_t *)(uintptr_t)a = 1;
	bench_mark(0);
}
