/*
 * Register-window helpers shared by the emulated devices (dmadev, blkdev).
 *
 * Every device exposes 64-bit registers at 8-byte offsets in a window and
 * accepts aligned 8-byte accesses or 4-byte accesses to either half; any
 * other access is ignored (reads as all ones), never a fault.
 */
#ifndef VMM_MMIOREG_H
#define VMM_MMIOREG_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/types.h>

#define MMIOREG_IGNORED (~0u)

/* False when gpa is outside [base, base+window); else the register offset
 * (MMIOREG_IGNORED for an unsupported access) and the bit shift of the half. */
static inline bool mmioreg_decode(paddr_t base, paddr_t window, paddr_t gpa, unsigned int size,
				  unsigned int *off, unsigned int *shift)
{
	if (gpa < base || gpa - base >= window)
		return false;
	*off = (unsigned int)(gpa - base);
	*shift = (*off & 7) * 8;
	*off &= ~7u;
	if (!((size == 8 && *shift == 0) || (size == 4 && (*shift == 0 || *shift == 32))))
		*off = MMIOREG_IGNORED;
	return true;
}

/* Stores val into register r, the whole of it or the accessed half. */
static inline void mmioreg_store(uint64_t *r, unsigned int size, unsigned int shift, uint64_t val)
{
	uint64_t mask = 0xffffffffULL << shift;

	if (size == 8)
		*r = val;
	else
		*r = (*r & ~mask) | ((val << shift) & mask);
}

/* What a read of size bytes at the accessed half of value v returns. */
static inline uint64_t mmioreg_load(uint64_t v, unsigned int size, unsigned int shift)
{
	return size == 8 ? v : (v >> shift) & 0xffffffffULL;
}

#endif
