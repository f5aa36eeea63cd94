/*
 * What the toolstack writes into a new domain, computed without a
 * hypercall (so the unit test and the planner comparison can call it):
 * libxl's Arm guest map (the RAM split, the extended regions, through the
 * implementation shared with the hypervisor's planner), and memvisor's boot
 * area (docs/boot-protocol.md sections 2-4): the GDT, the identity map, the
 * guest device tree (what hv/boot/guestdt.c writes for a DomU, plus
 * libxl's virtio,mmio nodes) written with the FDT writer.
 */
#include <string.h>

#include <common/libxl_extregion.h>
#include <public/errno.h>
#include <rt/rt.h>
#include <xen/fdt_write.h>

#include "toolstack_priv.h"

/* --- the guest's map (libxl's Arm layout) -------------------------------- */

/* libxl/libxenguest on Arm: RAM0 first, the rest in RAM1 (the shared
 * split, libxl_ram_banks()). */
void xl_ram_banks(uint64_t bytes, struct xl_dom *d)
{
	uint64_t used[GUEST_RAM_BANKS];

	(void)libxl_ram_banks(bytes, used); /* the caller bounds bytes */
	d->nr_ram = 0;
	for (unsigned int i = 0; i < GUEST_RAM_BANKS && used[i]; i++) {
		d->ram[d->nr_ram].base = libxl_ext_bank_base(i);
		d->ram[d->nr_ram].size = used[i];
		d->nr_ram++;
	}
}

/*
 * libxl's extended regions (finalize_hypervisor_node, xen-facts 1.5), by
 * the implementation the hypervisor's planner shares: per guest RAM bank,
 * from the RAM placed there rounded up to 2 MiB to the bank's end or
 * 2^gpaddr_bits - 1; under 64 MiB dropped; sizes not rounded; no iomem in
 * memvisor's configs.
 */
int xl_regions(unsigned int gpaddr_bits, bool iomem_excluded, const struct xl_dom *d,
	       uint64_t (*out)[2], unsigned int max)
{
	struct libxl_ext_input in = {.gpaddr_bits = gpaddr_bits,
				     .iomem_excluded = iomem_excluded};
	struct libxl_ext_range r[XL_MAX_REGIONS];
	unsigned int n = 0;
	int rc;

	for (unsigned int i = 0; i < d->nr_ram; i++)
		in.bank_used[d->ram[i].base == GUEST_RAM1_BASE] = d->ram[i].size;
	rc = libxl_ext_regions(&in, r, max < XL_MAX_REGIONS ? max : XL_MAX_REGIONS, &n);
	if (rc)
		return rc;
	for (unsigned int i = 0; i < n; i++) {
		out[i][0] = r[i].start;
		out[i][1] = r[i].size;
	}
	return (int)n;
}

/* --- the boot area (boot-protocol.md sections 2-4) ----------------------- */

/*
 * The identity map: 2 MiB pages over every RAM bank and region 0, in
 * pages laid out from area + 0x1000: PML4, the PDPTs, the PDs. Builds the
 * tables into pt (XL_PT_PAGES pages, zeroed here); returns the pages used.
 */
int xl_page_tables(const struct xl_dom *d, uint64_t area, uint64_t *pt)
{
	uint64_t spans[XL_MAX_RAM_BANKS + 1][2];
	unsigned int ns = 0, used = 1; /* the PML4 */
	uint64_t pml4 = area + 0x1000;

	memset(pt, 0, XL_PT_PAGES * RT_PAGE_SIZE);
	spans[ns][0] = XL_GNTTAB_BASE;
	spans[ns++][1] = XL_GNTTAB_SIZE;
	for (unsigned int i = 0; i < d->nr_ram; i++) {
		spans[ns][0] = d->ram[i].base;
		spans[ns++][1] = d->ram[i].size;
	}
	for (unsigned int s = 0; s < ns; s++) {
		uint64_t a = spans[s][0] & ~(XL_2M - 1);
		uint64_t end = (spans[s][0] + spans[s][1] + XL_2M - 1) & ~(XL_2M - 1);

		for (; a < end; a += XL_2M) {
			uint64_t *l4 = pt, *l3, *l2;
			unsigned int i4 = (a >> 39) & 511, i3 = (a >> 30) & 511, i2 = (a >> 21) & 511;

			if (!l4[i4]) {
				if (used == XL_PT_PAGES)
					return -XEN_E2BIG;
				l4[i4] = (pml4 + (uint64_t)used * RT_PAGE_SIZE) | 7;
				used++;
			}
			l3 = pt + ((l4[i4] & ~0xfffULL) - pml4) / 8;
			if (!l3[i3]) {
				if (used == XL_PT_PAGES)
					return -XEN_E2BIG;
				l3[i3] = (pml4 + (uint64_t)used * RT_PAGE_SIZE) | 7;
				used++;
			}
			l2 = pt + ((l3[i3] & ~0xfffULL) - pml4) / 8;
			l2[i2] = a | 0x87; /* present, writable, user, 2 MiB */
		}
	}
	return (int)used;
}

/* The 3-entry GDT: null, 0x08 64-bit code DPL0, 0x10 flat data DPL0. */
void xl_gdt(uint64_t g[3])
{
	g[0] = 0;
	g[1] = 0x00af9b000000ffffULL;
	g[2] = 0x00cf93000000ffffULL;
}

/*
 * The guest's device tree: what hv/boot/guestdt.c writes for a DomU (root
 * 2/2 cells and "memvisor,guest", one memory node with every bank,
 * /chosen bootargs, /hypervisor with region 0, the extended regions and
 * the upcall PPI), plus libxl's virtio,mmio node per virtio disk.
 * Reserved: the boot area and every loaded segment. Returns its size.
 */
long xl_write_dt(const struct xl *xl, const struct xl_dom *d, const char *bootargs,
		 uint64_t area, const struct xl_elf *e, void *buf, size_t cap)
{
	struct fdtw w;
	uint64_t reg[2 * (XL_MAX_REGIONS + 1)];
	char name[48], compat[48];
	unsigned int n = 0;
	int len;

	fdtw_init(&w, buf, cap);
	fdtw_reserve(&w, area, XL_2M);
	for (unsigned int i = 0; i < e->nr; i++) {
		uint64_t s = e->seg[i].paddr & ~0xfffULL;
		uint64_t t = (e->seg[i].paddr + e->seg[i].memsz + 0xfff) & ~0xfffULL;

		fdtw_reserve(&w, s, t - s);
	}
	fdtw_begin(&w, "");
	fdtw_prop_u32(&w, "#address-cells", 2);
	fdtw_prop_u32(&w, "#size-cells", 2);
	fdtw_prop_str(&w, "compatible", "memvisor,guest");

	rt_snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)d->ram[0].base);
	fdtw_begin(&w, name);
	fdtw_prop_str(&w, "device_type", "memory");
	for (unsigned int i = 0; i < d->nr_ram; i++) {
		reg[n++] = d->ram[i].base;
		reg[n++] = d->ram[i].size;
	}
	fdtw_prop_u64s(&w, "reg", reg, n);
	fdtw_end(&w);

	fdtw_begin(&w, "chosen");
	if (bootargs && bootargs[0])
		fdtw_prop_str(&w, "bootargs", bootargs);
	fdtw_end(&w);

	fdtw_begin(&w, "hypervisor");
	len = rt_snprintf(compat, sizeof(compat), "xen,xen-%u.%u", xl->xen_major, xl->xen_minor);
	memcpy(compat + len + 1, "xen,xen", sizeof("xen,xen"));
	fdtw_prop(&w, "compatible", compat, (size_t)len + 1 + sizeof("xen,xen"));
	n = 0;
	reg[n++] = XL_GNTTAB_BASE;
	reg[n++] = XL_GNTTAB_SIZE;
	for (unsigned int i = 0; i < d->nr_regions; i++) {
		reg[n++] = d->region[i].base;
		reg[n++] = d->region[i].size;
	}
	fdtw_prop_u64s(&w, "reg", reg, n);
	/* PPI 15 (interrupt 31), all CPUs, level low: as guestdt.c and Xen */
	fdtw_prop_cells(&w, "interrupts", (const uint32_t[]){1, XL_EVTCHN_PPI - 16, 0xf08}, 3);
	fdtw_end(&w);

	for (unsigned int i = 0; i < d->nr_disks; i++) {
		const struct xl_disk *k = &d->disk[i];
		uint64_t r[2] = {k->base, k->size};

		rt_snprintf(name, sizeof(name), "virtio@%llx", (unsigned long long)k->base);
		fdtw_begin(&w, name);
		fdtw_prop_str(&w, "compatible", "virtio,mmio");
		fdtw_prop_u64s(&w, "reg", r, 2);
		/* libxl: GIC SPI, edge rising, CPU mask 0xf */
		fdtw_prop_cells(&w, "interrupts", (const uint32_t[]){0, k->spi - 32, 0xf01}, 3);
		fdtw_prop(&w, "dma-coherent", NULL, 0);
		fdtw_end(&w);
	}
	fdtw_end(&w);
	return fdtw_finish(&w);
}
