/*
 * Host device-tree fuzzer: bootinfo_parse() and layout_plan() on mutated
 * DTBs, then the guest device tree of every planned domain is generated and
 * read back with the guest runtime's reader (guest/rt/dt.c), so one input
 * exercises the whole chain from system description to what a guest sees.
 *
 * Input: two options bytes, then the DTB. Byte 0: bits 0-1 the low bits of
 * the Xen release policy, bits 2-3 the IOMMU setting (auto/off/on), bit 4
 * dom0less-only, bit 5 a bootargs override, bits 6-7 the IPA width. Byte 1
 * supplies the policy's high bits, so every release policy (not only the
 * first four) is reached; a 0 there keeps byte 0's meaning alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <hv/bootinfo.h>
#include <hv/guestdt.h>
#include <hv/layout.h>
#include <rt/dt.h>

#include "fuzz.h"

/* Reads a guest DT the way a guest does and checks what it can. */
static void read_back(const void *fdt, size_t size)
{
	struct rt_range r[16];
	unsigned int n;
	int node;

	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > size)
		abort(); /* guestdt_build promised a valid blob */
	n = rt_dt_memory(fdt, r, 16);
	for (unsigned int k = 1; k < n; k++)
		if (r[k - 1].base > r[k].base)
			abort(); /* the reader sorts banks */
	(void)rt_dt_memreserve(fdt, r, 16);
	node = rt_dt_hypervisor(fdt);
	if (node >= 0) {
		n = rt_dt_reg_count(fdt, node);
		for (unsigned int k = 0; k <= n; k++)
			(void)rt_dt_reg(fdt, node, k, &r[0]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int ipa[] = {0, 32, 40, 48};
	static const char *const args[] = {
		"dom0_mem=256M ext_regions=on iommu=1",
		"dom0_mem=1G,max:2G ext_regions=off gnttab_max_frames=4 iommu=no",
	};
	struct bootinfo_opts bo = {0};
	struct layout_opts lo = {0};
	struct bootinfo bi;
	struct layout_plan plan;
	static uint8_t gdt[64 * 1024];
	uint8_t opt, *blob;
	int rc;

	if (size < 2)
		return 0;
	opt = data[0];
	bo.policy = (enum xen_policy)(((unsigned int)(opt & 3) + 4u * data[1]) %
				      XEN_POLICY__COUNT);
	data += 1;
	size -= 1;
	if (opt & 0x20)
		bo.bootargs = args[(opt >> 6) & 1];
	/* A blob must be 8-byte aligned for libfdt: parse an aligned copy
	 * (exactly size - 1 bytes, so ASan still sees reads past the end). */
	blob = malloc(size - 1 ? size - 1 : 1);
	if (!blob)
		abort();
	memcpy(blob, data + 1, size - 1);
	memset(&bi, 0, sizeof(bi));
	rc = bootinfo_parse(&bi, blob, size - 1, &bo);
	if (rc == 0) {
		lo.policy = bo.policy;
		lo.iommu = (int)((opt >> 2) & 3) - 1;
		if (lo.iommu > 1)
			lo.iommu = 1;
		lo.no_dom0 = opt & 0x10;
		lo.ipa_bits = ipa[opt >> 6];
		memset(&plan, 0, sizeof(plan));
		if (layout_plan(&bi, &lo, &plan) == 0) {
			for (unsigned int i = 0; i < plan.nr_dom; i++) {
				struct guestdt_info gi;
				int n;

				if (plan.dom[i].invalid)
					continue;
				memset(&gi, 0, sizeof(gi));
				layout_guestdt_info(&plan, &bi, i, &gi);
				n = guestdt_build(gdt, sizeof(gdt), &gi, NULL);
				if (n > 0)
					read_back(gdt, (size_t)n);
				else if (n != -EINVAL && n != -ENOSPC)
					abort();
			}
		}
		layout_free(&plan);
	} else if (rc != -EINVAL && rc != -ENOMEM) {
		abort();
	}
	bootinfo_free(&bi);
	free(blob);
	return 0;
}
