/*
 * hello: the smallest real program a toolstack can start in a DomU (issue
 * 16). It reads what its device tree says - RAM banks, region 0 and the
 * extended regions of /hypervisor, virtio,mmio nodes, bootargs - prints
 * one line with it and powers off. Built as hello.elf (KVM) and hosted
 * (hello_main, in process), so the same line shows that the domain found
 * its tree the same way on both transports.
 */
#include <libfdt.h>

#include <rt/dt.h>
#include <rt/rt.h>

void hello_main(void);

void hello_main(void)
{
	const void *fdt = rt_dt();
	struct rt_range banks[8];
	unsigned int n = rt_dt_memory(fdt, banks, RT_ARRAY_SIZE(banks)), regions = 0, virtio = 0;
	uint64_t total = 0;
	int hv = rt_dt_hypervisor(fdt), node = -1;
	const char *args = rt_bootargs();

	for (unsigned int i = 0; i < n; i++)
		total += banks[i].size;
	if (hv >= 0 && rt_dt_reg_count(fdt, hv) > 0)
		regions = rt_dt_reg_count(fdt, hv) - 1;
	while ((node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) >= 0)
		virtio++;
	rt_printf("hello: %llu MiB in %u bank(s), %u extended region(s), %u virtio disk(s), "
		  "bootargs '%s'\n", (unsigned long long)(total >> 20), n, regions, virtio,
		  args ? args : "");
}

#ifndef RT_HOSTED
void rt_main(void)
{
	hello_main();
}
#endif
