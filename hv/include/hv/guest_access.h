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

/*
 * Pinned guest pages: a device that moves whole pages with the file I/O
 * outside the hypervisor lock (vmm/blkdev.c) takes a general reference on
 * each frame under the lock, so the frame is neither freed nor reused
 * until the reference goes, whatever the guest does to its P2M meanwhile
 * (decrease_reservation, domain destruction: the frame is freed when the
 * last reference drops). The core's address of a referenced frame does not
 * change. A set with pins is on hv->pins, so the audit counts its
 * references (guest_pins_audit_refs). All three calls need the lock.
 */
#define GUEST_PINS_MAX 512
struct guest_pins {
	struct guest_pins *next; /* on hv->pins while nr != 0 */
	unsigned int nr;
	struct page_info *pg[GUEST_PINS_MAX];
};
/* Checks gpa as guest_phys_page does and pins its frame into p: the core's
 * address of the page, or NULL with *err -EFAULT (the check failed) or
 * -EBUSY (the frame cannot take another reference, or p is full). */
void *guest_phys_pin(struct guest_pins *p, struct domain *d, paddr_t gpa, bool write, int *err);
/* Drops every reference of p (frames whose last reference it was are freed). */
void guest_unpin_all(struct hv *hv, struct guest_pins *p);
/* The audit's share: adds every pinned frame to refs[pdx]; 0, or -1 with a
 * description in buf when a pinned frame is not in use. */
int guest_pins_audit_refs(struct hv *hv, uint32_t *refs, char *buf, size_t len);
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
