/*
 * Device registers (MMIO) as a guest program reaches them.
 *
 * Freestanding: plain volatile loads and stores through the identity map;
 * the VMM sees them as KVM MMIO exits because no memory backs a device
 * window. Map the window first with rt_mmio_map() (it is outside the RAM
 * the boot identity map covers).
 * Hosted: the window is not host memory, so the same calls go to the
 * in-process transport, which hands them to the same device model.
 *
 * Accesses are 1, 2, 4 or 8 bytes, naturally aligned.
 */
#ifndef RT_MMIO_H
#define RT_MMIO_H

#include <rt/mm.h>
#include <rt/rt.h>

#ifdef RT_HOSTED
uint64_t rt_mmio_read(uint64_t gpa, unsigned int size);
void rt_mmio_write(uint64_t gpa, unsigned int size, uint64_t val);
#else
static inline uint64_t rt_mmio_read(uint64_t gpa, unsigned int size)
{
	uintptr_t a = (uintptr_t)gpa;

	switch (size) {
	case 1:
		return *(volatile uint8_t *)a;
	case 2:
		return *(volatile uint16_t *)a;
	case 4:
		return *(volatile uint32_t *)a;
	default:
		return *(volatile uint64_t *)a;
	}
}

static inline void rt_mmio_write(uint64_t gpa, unsigned int size, uint64_t val)
{
	uintptr_t a = (uintptr_t)gpa;

	switch (size) {
	case 1:
		*(volatile uint8_t *)a = (uint8_t)val;
		break;
	case 2:
		*(volatile uint16_t *)a = (uint16_t)val;
		break;
	case 4:
		*(volatile uint32_t *)a = (uint32_t)val;
		break;
	default:
		*(volatile uint64_t *)a = val;
		break;
	}
}
#endif

static inline uint64_t rt_mmio_read64(uint64_t gpa) { return rt_mmio_read(gpa, 8); }
static inline uint32_t rt_mmio_read32(uint64_t gpa) { return (uint32_t)rt_mmio_read(gpa, 4); }
static inline void rt_mmio_write64(uint64_t gpa, uint64_t v) { rt_mmio_write(gpa, 8, v); }
static inline void rt_mmio_write32(uint64_t gpa, uint32_t v) { rt_mmio_write(gpa, 4, v); }

/* Makes [gpa, gpa+size) addressable (freestanding: page tables). 0 or -errno. */
static inline int rt_mmio_map(uint64_t gpa, uint64_t size)
{
	return rt_map_range(gpa, size);
}

#endif
