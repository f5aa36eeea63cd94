/*
 * Copying to and from guest memory.
 *
 * Guest addresses are guest-physical. Every access is checked page by page
 * against the domain's P2M: reads need a RAM or mapped (foreign/grant) page,
 * writes a writable one. The bytes are reached through the core's mapping
 * of machine RAM, never through a host address the guest chose.
 */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <hv/domain.h>

/* 0 or -EFAULT (nothing is partially reported: a fault may leave a prefix copied). */
int copy_from_guest(struct domain *d, void *dst, paddr_t gaddr, size_t len);
int copy_to_guest(struct domain *d, paddr_t gaddr, const void *src, size_t len);
/* Element helpers for arrays of fixed-size records. */
#define copy_from_guest_elem(d, dst, base, idx)                                 \
	copy_from_guest(d, dst, (base) + (uint64_t)(idx) * sizeof(*(dst)), sizeof(*(dst)))
#define copy_to_guest_elem(d, base, idx, src)                                   \
	copy_to_guest(d, (base) + (uint64_t)(idx) * sizeof(*(src)), src, sizeof(*(src)))

#endif
