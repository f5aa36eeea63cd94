/*
 * Guest device tree generation with libfdt's sequential-write API.
 *
 * Design: the tree is written in one pass (fdt_create .. fdt_finish) into
 * the caller's buffer, then packed. Nothing is allocated. The only subtle
 * part is the `reg` encoding: a value is written as `cells` big-endian
 * 32-bit words; with one cell only the low 32 bits survive, which is what
 * Xen does for Dom0 with a 1-cell host root. We count those truncations and
 * let the caller decide how loudly to warn.
 *
 * Invariant: on success the buffer holds a DTB that passes fdt_check_full().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include <hv/guestdt.h>

#define GDT_MAX_REG_WORDS (2 * (EXT_REGION_MAX + 1) * 2)

static void put_cells(fdt32_t *out, unsigned int *pos, uint64_t v,
		      unsigned int cells, struct guestdt_report *rep)
{
	if (cells == 1) {
		if (v >> 32) {
			if (!rep->truncated)
				rep->first_truncated = v;
			rep->truncated++;
		}
		out[(*pos)++] = cpu_to_fdt32((uint32_t)v);
	} else {
		out[(*pos)++] = cpu_to_fdt32((uint32_t)(v >> 32));
		out[(*pos)++] = cpu_to_fdt32((uint32_t)v);
	}
}

static int gdt_root(void *fdt, const struct guestdt_info *gi)
{
	int rc;

	rc = fdt_property_u32(fdt, "#address-cells", gi->addr_cells);
	if (!rc)
		rc = fdt_property_u32(fdt, "#size-cells", gi->size_cells);
	if (!rc)
		rc = fdt_property_string(fdt, "compatible", "memvisor,guest");
	return rc;
}

static int gdt_memory(void *fdt, const struct guestdt_info *gi,
		      struct guestdt_report *rep)
{
	fdt32_t reg[2 * 2 * 64];
	unsigned int pos = 0, i, n = gi->nr_mem;
	char name[40];
	int rc;

	if (!n)
		return 0;
	if (n > 64)
		return -FDT_ERR_NOSPACE;
	snprintf(name, sizeof(name), "memory@%" PRIx64, gi->mem[0].start);
	rc = fdt_begin_node(fdt, name);
	if (rc)
		return rc;
	rc = fdt_property_string(fdt, "device_type", "memory");
	for (i = 0; i < n && !rc; i++) {
		put_cells(reg, &pos, gi->mem[i].start, gi->addr_cells, rep);
		put_cells(reg, &pos, gi->mem[i].size, gi->size_cells, rep);
	}
	if (!rc)
		rc = fdt_property(fdt, "reg", reg, (int)(pos * sizeof(reg[0])));
	if (!rc)
		rc = fdt_end_node(fdt);
	return rc;
}

static int gdt_chosen(void *fdt, const struct guestdt_info *gi)
{
	unsigned int i;
	int rc;

	rc = fdt_begin_node(fdt, "chosen");
	if (!rc && gi->bootargs)
		rc = fdt_property_string(fdt, "bootargs", gi->bootargs);
	for (i = 0; i < gi->nr_props && !rc; i++)
		rc = fdt_property(fdt, gi->props[i].name, gi->props[i].val,
				  gi->props[i].len);
	if (!rc)
		rc = fdt_end_node(fdt);
	return rc;
}

static int gdt_hypervisor(void *fdt, const struct guestdt_info *gi,
			  struct guestdt_report *rep)
{
	fdt32_t words[GDT_MAX_REG_WORDS];
	char compat[64];
	fdt32_t irq[3];
	unsigned int pos = 0, i, n = gi->nr_regions;
	int len, rc;

	if (n > EXT_REGION_MAX)
		n = EXT_REGION_MAX;
	len = snprintf(compat, sizeof(compat), "xen,xen-%u.%u", gi->xen_major,
		       gi->xen_minor);
	if (len < 0 || (size_t)len + sizeof("xen,xen") + 1 > sizeof(compat))
		return -FDT_ERR_BADVALUE;
	memcpy(compat + len + 1, "xen,xen", sizeof("xen,xen"));
	len += 1 + (int)sizeof("xen,xen");

	rc = fdt_begin_node(fdt, "hypervisor");
	if (!rc)
		rc = fdt_property(fdt, "compatible", compat, len);
	if (rc)
		return rc;

	/* Region 0 first, then the extended regions in ascending order. */
	put_cells(words, &pos, gi->gnttab.start, gi->addr_cells, rep);
	put_cells(words, &pos, gi->gnttab.size, gi->size_cells, rep);
	for (i = 0; i < n; i++) {
		put_cells(words, &pos, gi->regions[i].start, gi->addr_cells, rep);
		put_cells(words, &pos, gi->regions[i].size, gi->size_cells, rep);
	}
	rc = fdt_property(fdt, "reg", words, (int)(pos * sizeof(words[0])));
	irq[0] = cpu_to_fdt32(1);                      /* PPI */
	irq[1] = cpu_to_fdt32(GUEST_EVTCHN_PPI - 16);  /* PPI number */
	irq[2] = cpu_to_fdt32(0xf08);                  /* all CPUs, level low */
	if (!rc)
		rc = fdt_property(fdt, "interrupts", irq, sizeof(irq));
	if (!rc)
		rc = fdt_end_node(fdt);
	return rc;
}

static int gdt_devices(void *fdt, const struct guestdt_info *gi,
		       struct guestdt_report *rep)
{
	int rc = 0;

	for (unsigned int i = 0; i < gi->nr_devices && !rc; i++) {
		const struct guestdt_device *dv = &gi->devices[i];
		fdt32_t reg[4];
		unsigned int pos = 0;
		char name[64];

		if (!dv->name || !dv->compatible)
			return -FDT_ERR_BADVALUE;
		snprintf(name, sizeof(name), "%s@%" PRIx64, dv->name, dv->base);
		put_cells(reg, &pos, dv->base, gi->addr_cells, rep);
		put_cells(reg, &pos, dv->size, gi->size_cells, rep);
		rc = fdt_begin_node(fdt, name);
		if (!rc)
			rc = fdt_property_string(fdt, "compatible", dv->compatible);
		if (!rc)
			rc = fdt_property(fdt, "reg", reg, (int)(pos * sizeof(reg[0])));
		if (!rc && dv->spi) {
			fdt32_t irq[3] = {cpu_to_fdt32(0), cpu_to_fdt32(dv->spi - 32),
					  cpu_to_fdt32(1)};

			if (dv->spi < 32)
				return -FDT_ERR_BADVALUE;
			rc = fdt_property(fdt, "interrupts", irq, sizeof(irq));
		}
		if (!rc)
			rc = fdt_end_node(fdt);
	}
	return rc;
}

static int prop_u64s(void *fdt, const char *name, const uint64_t *v, unsigned int n)
{
	fdt32_t c[2 * 2 * 16];

	if (n > sizeof(c) / sizeof(c[0]) / 2)
		return -FDT_ERR_BADVALUE;
	for (unsigned int i = 0; i < n; i++) {
		c[2 * i] = cpu_to_fdt32((uint32_t)(v[i] >> 32));
		c[2 * i + 1] = cpu_to_fdt32((uint32_t)v[i]);
	}
	return fdt_property(fdt, name, c, (int)(2 * n * sizeof(c[0])));
}

static int gdt_vbackends(void *fdt, const struct guestdt_info *gi)
{
	int rc = 0;

	for (unsigned int i = 0; i < gi->nr_vbackends && !rc; i++) {
		const struct guestdt_vbackend *vb = &gi->vbackends[i];
		uint64_t win[2] = {vb->base, vb->size}, mem[2 * 16];
		char name[32];

		if (vb->nr_mem > 16)
			return -FDT_ERR_BADVALUE;
		for (unsigned int b = 0; b < vb->nr_mem; b++) {
			mem[2 * b] = vb->mem[b].start;
			mem[2 * b + 1] = vb->mem[b].size;
		}
		snprintf(name, sizeof(name), "virtio-backend-%u", i);
		rc = fdt_begin_node(fdt, name);
		if (!rc)
			rc = fdt_property_string(fdt, "compatible", "memvisor,virtio-backend");
		if (!rc)
			rc = fdt_property_u32(fdt, "memvisor,frontend", vb->frontend);
		if (!rc)
			rc = prop_u64s(fdt, "memvisor,window", win, 2);
		if (!rc)
			rc = fdt_property_u32(fdt, "memvisor,spi", vb->spi);
		if (!rc)
			rc = prop_u64s(fdt, "memvisor,frontend-memory", mem, 2 * vb->nr_mem);
		if (!rc)
			rc = fdt_end_node(fdt);
	}
	return rc;
}

int guestdt_build(void *buf, size_t len, const struct guestdt_info *gi,
		  struct guestdt_report *rep)
{
	struct guestdt_report dummy;
	int rc;

	if (!rep)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (!buf || !gi || len > INT32_MAX ||
	    gi->addr_cells < 1 || gi->addr_cells > 2 ||
	    gi->size_cells < 1 || gi->size_cells > 2)
		return -EINVAL;

	rc = fdt_create(buf, (int)len);
	if (!rc)
		rc = fdt_finish_reservemap(buf);
	if (!rc)
		rc = fdt_begin_node(buf, "");
	if (!rc)
		rc = gdt_root(buf, gi);
	if (!rc)
		rc = gdt_memory(buf, gi, rep);
	if (!rc)
		rc = gdt_chosen(buf, gi);
	if (!rc && gi->hypervisor_node)
		rc = gdt_hypervisor(buf, gi, rep);
	if (!rc)
		rc = gdt_devices(buf, gi, rep);
	if (!rc)
		rc = gdt_vbackends(buf, gi);
	if (!rc)
		rc = fdt_end_node(buf);
	if (!rc)
		rc = fdt_finish(buf);
	if (!rc)
		rc = fdt_pack(buf);
	if (rc == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	if (rc)
		return -EINVAL;
	return (int)fdt_totalsize(buf);
}
