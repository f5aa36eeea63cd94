/*
 * A structural check of a flattened device tree that both the hypervisor
 * and guests run before trusting libfdt with a blob.
 *
 * libfdt 1.6.1 loops forever walking a property whose length cancels its
 * header (the next tag lands on the same offset), and its full check does
 * too (found by fuzz_dt, see docs/reliability.md). Walking the tags once and
 * insisting that each one moves forward rules such blobs out.
 */
#ifndef COMMON_FDT_TAGS_H
#define COMMON_FDT_TAGS_H

#include <libfdt.h>
#include <stdbool.h>

static inline bool fdt_tags_advance(const void *fdt)
{
	int off = 0, next;

	for (;;) {
		uint32_t tag = fdt_next_tag(fdt, off, &next);

		if (next < 0 || next <= off)
			return false;
		if (tag == FDT_END)
			return true;
		off = next;
	}
}

#endif
