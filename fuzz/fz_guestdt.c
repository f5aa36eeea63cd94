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
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <common/fdt_tags.h>

#include <rt/dt.h>
#include <xen/resource.h>

#include "fuzz.h"

/* resource.c reports through the runtime's console; drop the output. */
int rt_printf(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* The extended-region resource from the same tree: allocations must come
 * from inside the regions, never overlap, and all be releasable. */
static void resource(const void *fdt, const uint8_t *in, size_t size)
{
	static struct xres r;
	uint64_t got[8], before;
	unsigned int n = 0;

	if (xres_init_from_dt(&r, fdt))
		return;
	before = xres_free_bytes(&r);
	for (unsigned int k = 0; k < 8; k++) {
		uint8_t b = in[k % size];
		uint64_t sz = (uint64_t)(1 + (b & 15)) << (12 + (b >> 4));

		if (xres_alloc(&r, sz, 1ULL << 12, &got[n]))
			continue;
		if (!xres_in_region(&r, got[n], sz) || got[n] & 0xfff)
			abort();
		n++;
	}
	while (n)
		if (xres_release(&r, got[--n]))
			abort();
	if (xres_free_bytes(&r) != before)
		abort();
}


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
	if (fdt_check_header(data) || fdt_totalsize(data) > size || !fdt_tags_advance(data))
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
	resource(data, in, size);
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
