/*
 * The toolstack's internal steps (guest/xen/toolstack.c, toolstack_layout.c,
 * xl_elf.c), visible to its unit test and fuzzer: libxl's guest map, its extended regions, the ELF check, the
 * identity map and the device tree.
 */
#ifndef XEN_TOOLSTACK_PRIV_H
#define XEN_TOOLSTACK_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <common/guest_layout.h>
#include <rt/rt.h>
#include <xen/toolstack.h>

/* libxl's Arm guest map: include/common/guest_layout.h (shared with the
 * hypervisor's planner). */
#define XL_GNTTAB_BASE GUEST_GNTTAB_BASE
#define XL_GNTTAB_SIZE GUEST_GNTTAB_SIZE
#define XL_RAM0_BASE GUEST_RAM0_BASE
#define XL_RAM0_SIZE GUEST_RAM0_SIZE
#define XL_RAM1_BASE GUEST_RAM1_BASE
#define XL_RAM1_SIZE GUEST_RAM1_SIZE
#define XL_EVTCHN_PPI GUEST_EVTCHN_PPI
#define XL_2M 0x200000ULL

#define XL_DT_PAGES 4        /* the tree written (of 512 KiB allowed) */
#define XL_PT_PAGES 32       /* PML4 + PDPTs + PDs: ~28 GiB of RAM */
#define XL_ELF_MAX_SEGS 16

struct xl_seg {
	uint64_t off, paddr, filesz, memsz;
	uint32_t flags;
};

struct xl_elf {
	uint64_t entry;
	struct xl_seg seg[XL_ELF_MAX_SEGS];
	unsigned int nr;
};

static inline uint16_t xl_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t xl_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t xl_le64(const uint8_t *p)
{
	return (uint64_t)xl_le32(p) | (uint64_t)xl_le32(p + 4) << 32;
}

void xl_ram_banks(uint64_t bytes, struct xl_dom *d);
/* libxl's extended regions of d (include/common/libxl_extregion.h): the
 * count, or -EINVAL (gpaddr_bits), -ENOSPC (more than max). iomem_excluded:
 * the 4.21+ rules (no iomem here: only the cap differs). */
int xl_regions(unsigned int gpaddr_bits, bool iomem_excluded, const struct xl_dom *d,
	       uint64_t (*out)[2], unsigned int max);
/* Formats a message into err (nothing when err is NULL or errlen 0). */
void xl_say(char *err, size_t errlen, const char *fmt, ...) RT_PRINTF(3, 4);
int xl_elf_check(const void *img, size_t len, const struct xl_dom *d, uint64_t area,
		 struct xl_elf *e, char *err, size_t errlen);
int xl_page_tables(const struct xl_dom *d, uint64_t area, uint64_t *pt);
/* The boot GDT: null, 0x08 64-bit code DPL0, 0x10 flat data DPL0. */
void xl_gdt(uint64_t g[3]);
long xl_write_dt(const struct xl *xl, const struct xl_dom *d, const char *bootargs,
		 uint64_t area, const struct xl_elf *e, void *buf, size_t cap);

#endif
