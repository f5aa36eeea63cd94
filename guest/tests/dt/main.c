/*
 * Device-tree reading: the tree the VMM passed describes this domain's RAM,
 * the /hypervisor node (compatible, region 0 and extended regions), the
 * reservation map covers the boot area holding the tree itself, and the
 * page allocator only hands out RAM outside every reservation.
 */
#include <libfdt.h>

#include <rt/dt.h>
#include <rt/mm.h>
#include <rt/test.h>

const char test_title[] = "device tree: memory, /hypervisor, reservations";

static bool inside(uint64_t a, uint64_t len, const struct rt_range *r, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (a >= r[i].base && a + len <= r[i].base + r[i].size)
			return true;
	return false;
}

static bool overlaps(uint64_t a, uint64_t len, const struct rt_range *r, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (a < r[i].base + r[i].size && r[i].base < a + len)
			return true;
	return false;
}

void test_main(void)
{
	const void *fdt = rt_dt();
	struct rt_range mem[8], rsv[16], reg;
	unsigned int nmem, nrsv, nreg;
	uint64_t dt_pa = rt_virt_to_phys(fdt), total = 0;
	int hyp, len, chosen;
	const char *s;

	rt_printf("device tree at %#llx, %d bytes, version %d\n", (unsigned long long)dt_pa,
		  fdt_totalsize(fdt), fdt_version(fdt));
	nmem = rt_dt_memory(fdt, mem, RT_ARRAY_SIZE(mem));
	rt_check(nmem >= 1, "no memory banks");
	for (unsigned int i = 0; i < nmem; i++) {
		rt_printf("memory: [%#llx, %#llx)\n", (unsigned long long)mem[i].base,
			  (unsigned long long)(mem[i].base + mem[i].size));
		total += mem[i].size;
	}
	rt_check(nmem && mem[0].base == 0x40000000ULL, "first bank at %#llx, not RAM0",
		 nmem ? (unsigned long long)mem[0].base : 0ULL);
	rt_check(inside(dt_pa, fdt_totalsize(fdt), mem, nmem), "device tree is not in RAM");

	nrsv = rt_dt_memreserve(fdt, rsv, RT_ARRAY_SIZE(rsv));
	for (unsigned int i = 0; i < nrsv; i++)
		rt_printf("reserved: [%#llx, %#llx)\n", (unsigned long long)rsv[i].base,
			  (unsigned long long)(rsv[i].base + rsv[i].size));
	rt_check(inside(dt_pa, fdt_totalsize(fdt), rsv, nrsv),
		 "the device tree is not inside a reserved range");

	hyp = rt_dt_hypervisor(fdt);
	rt_check(hyp >= 0, "no node compatible with \"xen,xen\"");
	if (hyp >= 0) {
		s = fdt_getprop(fdt, hyp, "compatible", &len);
		rt_printf("/hypervisor compatible: \"%s\"\n", s ? s : "?");
		rt_check(s && len > 8 && !fdt_node_check_compatible(fdt, hyp, "xen,xen"),
			 "bad compatible");
		nreg = rt_dt_reg_count(fdt, hyp);
		rt_check(nreg >= 2, "/hypervisor has %u reg entries, expected region 0 + regions",
			 nreg);
		for (unsigned int i = 0; i < nreg; i++) {
			if (rt_dt_reg(fdt, hyp, i, &reg)) {
				rt_test_fail("cannot decode reg entry %u", i);
				continue;
			}
			rt_printf("/hypervisor reg[%u]: [%#llx, %#llx)%s\n", i,
				  (unsigned long long)reg.base,
				  (unsigned long long)(reg.base + reg.size),
				  i == 0 ? " (grant table)" : "");
			rt_check(!overlaps(reg.base, reg.size, mem, nmem),
				 "reg[%u] overlaps RAM", i);
			if (i == 0)
				rt_check(reg.base == 0x38000000ULL && reg.size == (16ULL << 20),
					 "region 0 is not the 16 MiB at 0x38000000");
		}
		rt_check(rt_dt_reg(fdt, hyp, nreg, &reg) == -1, "reading past the last reg works");
	}

	chosen = fdt_path_offset(fdt, "/chosen");
	s = chosen >= 0 ? fdt_getprop(fdt, chosen, "bootargs", &len) : NULL;
	rt_printf("bootargs: \"%s\"\n", s ? s : "(none)");

	/* the allocator only hands out free RAM */
	for (int i = 0; i < 64; i++) {
		void *p = rt_alloc_pages(1);
		uint64_t pa = rt_virt_to_phys(p);

		if (!p) {
			rt_test_fail("allocator ran dry after %d pages", i);
			break;
		}
		rt_check(inside(pa, RT_PAGE_SIZE, mem, nmem), "page %#llx is not RAM",
			 (unsigned long long)pa);
		rt_check(!overlaps(pa, RT_PAGE_SIZE, rsv, nrsv), "page %#llx is reserved",
			 (unsigned long long)pa);
	}
	rt_printf("free pages: %llu of %llu\n", (unsigned long long)rt_free_page_count(),
		  (unsigned long long)(total >> 12));
}
