/*
 * libxl's extended regions for an Arm DomU it creates (facts 1.5,
 * `finalize_hypervisor_node` in libxl_arm.c), in the one implementation the
 * hypervisor's planner (hv/boot/extregion.c ext_find_libxl) and the
 * toolstack in Dom0 (guest code) share. Header-only and freestanding: no
 * allocation, no libc beyond the compiler's own headers.
 *
 * The rules, per guest RAM bank i in order:
 *   candidate start = bank base + (RAM placed in the bank rounded up to
 *                     2 MiB);
 *   candidate end   = min(2^gpaddr_bits - 1, bank base + bank size - 1)
 *                     (inclusive);
 *   a candidate under 64 MiB (or none: the bank is full) gives nothing.
 * Releases before 4.21: one region per remaining candidate, at most one per
 * bank, `iomem` not consulted. 4.21+ (108308feef): the iomem ranges,
 * sorted by guest address, are cut out of the candidate; each piece of at
 * least 64 MiB is a region, and pieces that start after an iomem range are
 * NOT re-aligned; at most 256 regions. Region 0 of the /hypervisor node
 * (the grant table) is not part of this list.
 *
 * Everything the algorithm decides is reported through one callback, in
 * address order: the regions, and why the rest of each bank was left out
 * (the planner explains itself with these; the toolstack keeps only
 * regions, see libxl_ext_regions()).
 */
#ifndef COMMON_LIBXL_EXTREGION_H
#define COMMON_LIBXL_EXTREGION_H

#include <stdbool.h>
#include <stdint.h>

#include <common/guest_layout.h>
#include <public/errno.h>

struct libxl_ext_range {
	uint64_t start, size;
};

enum libxl_ext_event {
	LIBXL_EXT_REGION,    /* an extended region */
	LIBXL_EXT_TOO_SMALL, /* a candidate or piece under 64 MiB: dropped */
	LIBXL_EXT_LIMIT,     /* a region dropped: the list is full */
	LIBXL_EXT_EXCLUDED,  /* iomem[iomem_index] cut into a candidate */
	LIBXL_EXT_CAPPED,    /* the part of a bank at or above 2^gpaddr_bits */
};

struct libxl_ext_input {
	unsigned int gpaddr_bits; /* from getdomaininfo; 12..64 */
	/* Bytes of guest RAM placed in each bank (libxl_ram_banks()). */
	uint64_t bank_used[GUEST_RAM_BANKS];
	/* The config's iomem as guest ranges, sorted by start (then size). */
	const struct libxl_ext_range *iomem;
	unsigned int nr_iomem;
	/* 4.21+: iomem cut out, up to GUEST_EXT_REGION_MAX regions; before,
	 * iomem ignored and at most one region per bank. */
	bool iomem_excluded;
};

/* Returns 0 to go on, or a negative errno that libxl_ext_find returns. */
typedef int (*libxl_ext_cb)(void *arg, enum libxl_ext_event ev, uint64_t start,
			    uint64_t size, unsigned int iomem_index);

static inline uint64_t libxl_ext_bank_base(unsigned int i)
{
	return i ? GUEST_RAM1_BASE : GUEST_RAM0_BASE;
}

static inline uint64_t libxl_ext_bank_size(unsigned int i)
{
	return i ? GUEST_RAM1_SIZE : GUEST_RAM0_SIZE;
}

/*
 * libxl's split of a DomU's RAM over the two banks (xg_dom_arm.c): bank 0
 * first, up to its 3 GiB, the rest in bank 1. -E2BIG if both are not
 * enough.
 */
static inline int libxl_ram_banks(uint64_t ram_bytes, uint64_t used[GUEST_RAM_BANKS])
{
	used[0] = ram_bytes < GUEST_RAM0_SIZE ? ram_bytes : GUEST_RAM0_SIZE;
	used[1] = ram_bytes - used[0];
	return used[1] > GUEST_RAM1_SIZE ? -XEN_E2BIG : 0;
}

/* One piece [s, e] (inclusive) of a candidate; *nr counts regions. */
static inline int libxl_ext_piece_(const struct libxl_ext_input *in, uint64_t s, uint64_t e,
				   unsigned int *nr, libxl_ext_cb cb, void *arg)
{
	unsigned int max = in->iomem_excluded ? GUEST_EXT_REGION_MAX : GUEST_RAM_BANKS;

	if (e < s)
		return 0;
	if (e - s + 1 < GUEST_EXT_REGION_MIN)
		return cb(arg, LIBXL_EXT_TOO_SMALL, s, e - s + 1, 0);
	if (*nr >= max)
		return cb(arg, LIBXL_EXT_LIMIT, s, e - s + 1, 0);
	(*nr)++;
	return cb(arg, LIBXL_EXT_REGION, s, e - s + 1, 0);
}

/* Runs the algorithm; 0, -EINVAL (gpaddr_bits out of range) or the first
 * error a callback returned. */
static inline int libxl_ext_find(const struct libxl_ext_input *in, libxl_ext_cb cb, void *arg)
{
	uint64_t last;
	unsigned int i, k, nr = 0;
	int rc = 0;

	if (in->gpaddr_bits < 12 || in->gpaddr_bits > 64)
		return -XEN_EINVAL;
	last = in->gpaddr_bits == 64 ? UINT64_MAX : (1ULL << in->gpaddr_bits) - 1;

	for (i = 0; i < GUEST_RAM_BANKS && !rc; i++) {
		uint64_t base = libxl_ext_bank_base(i);
		uint64_t bank_last = base + libxl_ext_bank_size(i) - 1;
		uint64_t used = in->bank_used[i], s, e, cur;

		/* round the RAM up first: 2 MiB aligned because the base is */
		s = base + ((used + GUEST_EXT_REGION_ALIGN - 1) & ~(GUEST_EXT_REGION_ALIGN - 1));
		e = last < bank_last ? last : bank_last;
		if (bank_last > last && s <= bank_last) {
			uint64_t cs = last + 1 > s ? last + 1 : s;

			rc = cb(arg, LIBXL_EXT_CAPPED, cs, bank_last - cs + 1, 0);
			if (rc)
				break;
		}
		if (used > libxl_ext_bank_size(i) || s > e || e - s + 1 < GUEST_EXT_REGION_MIN) {
			if (s <= e)
				rc = cb(arg, LIBXL_EXT_TOO_SMALL, s, e - s + 1, 0);
			continue;
		}

		/* e < 2^40 (the top of bank 1), so e + 1 cannot wrap */
		cur = s;
		for (k = 0; in->iomem_excluded && k < in->nr_iomem && !rc; k++) {
			uint64_t is = in->iomem[k].start, ie;

			if (!in->iomem[k].size)
				continue;
			ie = in->iomem[k].size - 1 > UINT64_MAX - is ? UINT64_MAX
								       : is + in->iomem[k].size - 1;
			if (ie < cur || is > e)
				continue;
			rc = cb(arg, LIBXL_EXT_EXCLUDED, is, in->iomem[k].size, k);
			if (!rc && is > cur)
				rc = libxl_ext_piece_(in, cur, is - 1, &nr, cb, arg);
			if (ie >= e) {
				cur = e + 1;
				break;
			}
			cur = ie + 1;
		}
		if (!rc && cur <= e)
			rc = libxl_ext_piece_(in, cur, e, &nr, cb, arg);
	}
	return rc;
}

/* The regions only, into out[0..cap): the toolstack's view. */
struct libxl_ext_collect_ {
	struct libxl_ext_range *out;
	unsigned int cap, nr;
};

static inline int libxl_ext_collect_cb_(void *arg, enum libxl_ext_event ev, uint64_t start,
					uint64_t size, unsigned int iomem_index)
{
	struct libxl_ext_collect_ *c = arg;

	(void)iomem_index;
	if (ev != LIBXL_EXT_REGION)
		return 0;
	if (c->nr >= c->cap)
		return -XEN_ENOSPC;
	c->out[c->nr].start = start;
	c->out[c->nr].size = size;
	c->nr++;
	return 0;
}

/* 0 with *nr regions in out, -EINVAL (bad gpaddr_bits) or -ENOSPC (cap
 * too small; GUEST_EXT_REGION_MAX is always enough). */
static inline int libxl_ext_regions(const struct libxl_ext_input *in,
				    struct libxl_ext_range *out, unsigned int cap,
				    unsigned int *nr)
{
	struct libxl_ext_collect_ c = {.out = out, .cap = cap, .nr = 0};
	int rc = libxl_ext_find(in, libxl_ext_collect_cb_, &c);

	*nr = rc ? 0 : c.nr;
	return rc;
}

#endif
