/*
 * The toolstack's internal steps (guest/xen/toolstack.c), visible to its
 * unit test: libxl's guest map, its extended regions, the ELF check, the
 * identity map and the device tree.
 */
#ifndef XEN_TOOLSTACK_PRIV_H
#define XEN_TOOLSTACK_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/toolstack.h>

/* libxl's Arm guest map (xen/include/public/arch-arm.h values, the same as
 * hv/include/hv/extregion.h's GUEST_* which guest code cannot include). */
#define XL_GNTTAB_BASE 0x38000000ULL
#define XL_GNTTAB_SIZE 0x01000000ULL
#define XL_RAM0_BASE 0x40000000ULL
#define XL_RAM0_SIZE 0xc0000000ULL
#define XL_RAM1_BASE 0x0200000000ULL
#define XL_RAM1_SIZE 0xfe00000000ULL
#define XL_EVTCHN_PPI 31
#define XL_2M 0x200000ULL
#define XL_EXT_MIN 0x4000000ULL /* libxl's EXT_REGION_MIN_SIZE, 64 MiB */

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
int xl_regions(unsigned int gpaddr_bits, const struct xl_dom *d, uint64_t (*out)[2],
	       unsigned int max);
int xl_elf_check(const void *img, size_t len, const struct xl_dom *d, uint64_t area,
		 struct xl_elf *e, char *err, size_t errlen);
int xl_page_tables(const struct xl_dom *d, uint64_t area, uint64_t *pt);
long xl_write_dt(const struct xl *xl, const struct xl_dom *d, const char *bootargs,
		 uint64_t area, const struct xl_elf *e, void *buf, size_t cap);

#endif
