/*
 * Copying to and from guest memory.
 *
 * Two kinds of guest address:
 * - copy_from_guest/copy_to_guest take what a hypercall's caller passed
 *   (a pointer argument, or a handle inside a structure): a guest linear
 *   address, translated through the calling vCPU's page tables
 *   (d->hcall_paging, set by the dispatcher for the duration of a call).
 *   Outside a hypercall, or for a caller without paging, the address is
 *   guest-physical.
 * - copy_from_guest_phys/copy_to_guest_phys take a guest-physical address
 *   (device DMA, ioreq pages, the hypercall page the VMM fills).
 *
 * Every page is then checked against the domain's P2M: reads need a RAM or
 * mapped (foreign/grant) page, writes a writable one. The bytes are reached
 * through the core's mapping of machine RAM, never through a host address
 * the guest chose. A buffer crossing pages is translated page by page.
 */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <hv/hv.h>
#include <hv/hcall.h>

/* 0 or -EFAULT (nothing is partially reported: a fault may leave a prefix copied). */
int copy_from_guest(struct domain *d, void *dst, uint64_t gaddr, size_t len);
int copy_to_guest(struct domain *d, uint64_t gaddr, const void *src, size_t len);
int copy_from_guest_phys(struct domain *d, void *dst, paddr_t gpa, size_t len);
int copy_to_guest_phys(struct domain *d, paddr_t gpa, const void *src, size_t len);
/*
 * The core's address of the guest-physical page holding gpa, checked as
 * copy_from_guest_phys (write false) or copy_to_guest_phys (write true)
 * check it, or NULL. Valid only while the caller holds the hypervisor
 * lock (the P2M may change after): for a device that moves whole pages
 * with one host system call under the lock (vmm/blkdev.c).
 */
void *guest_phys_page(struct domain *d, paddr_t gpa, bool write);
/* Element helpers for arrays of fixed-size records. */
#define copy_from_guest_elem(d, dst, base, idx)                                 \
	copy_from_guest(d, dst, (base) + (uint64_t)(idx) * sizeof(*(dst)), sizeof(*(dst)))
#define copy_to_guest_elem(d, base, idx, src)                                   \
	copy_to_guest(d, (base) + (uint64_t)(idx) * sizeof(*(src)), src, sizeof(*(src)))

/*
 * Translates linear address la of d's caller with paging state pg (fetched
 * first if need be) for a read or a write: 0 with *gpa set, or -EFAULT
 * (not present, not writable, user access to a supervisor page, reserved
 * bit, non-canonical address, a table outside the domain's memory, paging
 * mode not supported). The final page is not checked against the P2M here.
 */
int guest_walk(struct domain *d, struct hv_paging *pg, uint64_t la, bool write, paddr_t *gpa);

#endif
