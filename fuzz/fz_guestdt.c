/*
 * Guest-side device-tree reader fuzzer (guest/rt/dt.c) on mutated DTBs.
 *
 * The contract is the guest's: the VMM hands it a blob the guest checks
 * with fdt_check_header() (rt_start does exactly that), so inputs whose
 * header fails or whose totalsize exceeds the buffer are rejected first,
 * and everything after must neither crash nor read outside the blob.
 * libFuzzer's buffer is exactly `size` bytes, so ASan catches any read
 * past the end.
 */
#include <stdlib.h>

#include <libfdt.h>

#include <rt/dt.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_range r[8];
	unsigned int n;
	int node, depth = 0;

	if (size < sizeof(struct fdt_header) || fdt_check_header(data) ||
	    fdt_totalsize(data) > size)
		return 0;
	n = rt_dt_memory(data, r, 8);
	if (n > 8)
		abort();
	for (unsigned int k = 1; k < n; k++)
		if (r[k - 1].base > r[k].base)
			abort();
	n = rt_dt_memreserve(data, r, 8);
	if (n > 8)
		abort();
	(void)rt_dt_hypervisor(data);
	/* reg of every node, including one index past the end. */
	for (node = fdt_next_node(data, -1, &depth); node >= 0;
	     node = fdt_next_node(data, node, &depth)) {
		n = rt_dt_reg_count(data, node);
		for (unsigned int k = 0; k <= n && k < 64; k++)
			(void)rt_dt_reg(data, node, k, &r[0]);
	}
	return 0;
}
