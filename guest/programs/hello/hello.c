/*
 * hello: the smallest real program a toolstack can start in a DomU (issue
 * 16). It reads what its device tree says - RAM banks, region 0 and the
 * extended regions of /hypervisor, virtio,mmio nodes, bootargs - prints
 * one line with it and powers off. Built as hello.elf (KVM) and hosted
 * (hello_main, in process), so the same line shows that the domain found
 * its tree the same way on both transports. With bootargs
 * "expect_mib=N expect_virtio=K" it crashes (the toolstack sees the
 * reason) unless its tree says exactly that, and without a /hypervisor
 * node with region 0.
 */
#include <libfdt.h>

#include <rt/dt.h>
#include <rt/rt.h>

void hello_main(void);

/* bootarg key, when given, must be want */
static void check(const char *key, uint64_t want)
{
	const char *v = rt_bootarg(key);
	uint64_t n = 0;

	if (!*v)
		return;
	for (; *v >= '0' && *v <= '9'; v++)
		n = n * 10 + (uint64_t)(*v - '0');
	if (n != want)
		rt_crash("hello: %s=%llu, the device tree says %llu", key, (unsigned long long)n,
			 (unsigned long long)want);
}

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
	if (hv < 0 || !rt_dt_reg_count(fdt, hv))
		rt_crash("hello: no /hypervisor node with region 0");
	check("expect_mib", total >> 20);
	check("expect_virtio", virtio);
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
