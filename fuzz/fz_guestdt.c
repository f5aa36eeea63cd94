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
#include <string.h>

#include <libfdt.h>

#include <rt/dt.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	uint8_t *data;
	struct rt_range r[8];
	unsigned int n;
	int node, depth = 0;

	if (size < sizeof(struct fdt_header))
		return 0;
	/* libfdt wants an 8-byte aligned blob, as the VMM provides; the copy
	 * is exactly size bytes so ASan sees any read past the end. */
	data = malloc(size);
	if (!data)
		abort();
	memcpy(data, in, size);
	if (fdt_check_header(data) || fdt_totalsize(data) > size)
		goto out;
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
out:
	free(data);
	return 0;
}
