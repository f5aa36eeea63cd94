/*
 * Guest memory access for hypercalls.
 *
 * Each page of the guest range is translated through the P2M and reached
 * through the core's mapping of machine RAM, so a guest can only make the
 * hypervisor read what it could read itself, and write what it could write.
 */
#include <errno.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/hv.h>

static void *guest_page(struct domain *d, paddr_t gaddr, bool write)
{
	p2m_type_t t;
	mfn_t mfn = p2m_lookup(d, gaddr_to_gfn(gaddr), &t, NULL);

	if (mfn_eq(mfn, INVALID_MFN) || t == p2m_mmio)
		return NULL;
	if (write && !p2m_is_writable(t))
		return NULL;
	if (!mfn_to_page(&d->hv->ft, mfn))
		return NULL;
	return (uint8_t *)frame_va(&d->hv->ft, mfn) + (gaddr & ~PAGE_MASK);
}

static int guest_copy(struct domain *d, paddr_t gaddr, void *buf, size_t len, bool write)
{
	uint8_t *b = buf;

	if (gaddr + len < gaddr)
		return -EFAULT;
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (gaddr & ~PAGE_MASK));
		void *p = guest_page(d, gaddr, write);

		if (!p)
			return -EFAULT;
		if (write)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		b += chunk;
		gaddr += chunk;
		len -= chunk;
	}
	return 0;
}

int copy_from_guest(struct domain *d, void *dst, paddr_t gaddr, size_t len)
{
	return guest_copy(d, gaddr, dst, len, false);
}

int copy_to_guest(struct domain *d, paddr_t gaddr, const void *src, size_t len)
{
	return guest_copy(d, gaddr, (void *)src, len, true);
}
