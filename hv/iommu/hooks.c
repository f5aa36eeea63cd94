/*
 * What the rest of the hypervisor asks of a domain's IOMMU context: grant
 * maps at a bus address the mapper chose (the grant table,
 * GNTMAP_request_bfn_map), and device access (translation, faults, the DMA
 * engine's copy).
 *
 * Design:
 * - A grant map is an own leaf marked IOPTE_GRANT that holds one reference
 *   (and a writeable type reference when writable) of the IOMMU's own;
 *   only iommu_grant_unmap (or the context's teardown) removes it:
 *   iommu_op's unmap_page refuses. Map and unmap flush the IOTLB before
 *   returning, so the grant table can rely on the device having lost
 *   access when the unmap returns.
 * - Devices see a context only through iommu_translate(): a translating
 *   context gives exactly its leaves with their access bits, passthrough
 *   every machine frame in use but the hypervisor's, mode none nothing.
 * - A DMA copy translates the whole of both ranges before moving a byte:
 *   a faulting transfer changes nothing.
 *
 * Invariants: nr_grant counts the IOPTE_GRANT leaves; a grant leaf covers
 * one frame, is referenced, and is writeable exactly when it holds the
 * type reference (checked by audit.c).
 */
#include <errno.h>
#include <string.h>

#include <hv/hv.h>
#include <hv/iommu.h>
#include <hv/mm.h>
#include <hv/page.h>
#include <public/xen.h>

#include "iommu_priv.h"

/* ----- grant maps at a chosen bus address ----- */

int iommu_grant_map(struct domain *d, bfn_t bfn, mfn_t mfn, bool writable)
{
	struct hv *hv = d->hv;
	struct iommu_ctx *c = iommu_ctx_get(d);
	struct page_info *pg = mfn_to_page(&hv->ft, mfn);
	int rc;

	if (!c)
		return -ENOMEM;
	if (c->mode != IOMMU_CTX_TRANSLATE)
		return -EOPNOTSUPP;
	if (!iommu_bfn_in_range(bfn, 1))
		return -ENOSPC;
	if (iommu_ctx_reserved(c, bfn, 1))
		return -EACCES;
	if (iommu_pt_lookup(&c->pt, bfn, NULL))
		return -EEXIST;
	if (!pg || (pg->flags & PGC_xen) || !iommu_ref_get(c, pg, writable))
		return -EPERM;
	rc = iommu_pt_reserve(hv, &c->pt, iommu_pt_need(&c->pt, bfn, 0, false));
	if (rc) {
		iommu_ref_put(hv, pg, writable);
		return rc;
	}
	iommu_pt_write(&c->pt, bfn, 0,
		       iopte_leaf(mfn, IOPTE_R | IOPTE_REF | IOPTE_GRANT |
					       (writable ? IOPTE_W | IOPTE_WREF : 0)));
	c->nr_grant++;
	c->st.maps++;
	c->dirty = true;
	iommu_ctx_flush(c);
	return 0;
}

int iommu_grant_unmap(struct domain *d, bfn_t bfn, mfn_t mfn)
{
	struct hv *hv = d->hv;
	struct iommu_ctx *c = d->iommu;
	unsigned int lo;
	uint64_t e;

	if (!c || c->mode != IOMMU_CTX_TRANSLATE)
		return -ENOENT;
	e = iommu_pt_lookup(&c->pt, bfn, &lo);
	if (!(e & IOPTE_GRANT) || lo || (!mfn_eq(mfn, INVALID_MFN) && !mfn_eq(iopte_mfn(e), mfn)))
		return -ENOENT;
	iommu_pt_write(&c->pt, bfn, 0, 0);
	/* The leaf's frame: mfn may be INVALID_MFN ("whatever is there"). */
	iommu_ref_put(hv, mfn_to_page(&hv->ft, iopte_mfn(e)), e & IOPTE_WREF);
	c->nr_grant--;
	c->st.unmaps++;
	c->dirty = true;
	iommu_ctx_flush(c);
	return 0;
}

int iommu_grant_lookup(const struct domain *d, bfn_t bfn, mfn_t *mfn, bool *writable)
{
	const struct iommu_ctx *c = d->iommu;
	unsigned int lo;
	uint64_t e;

	if (!c || c->mode != IOMMU_CTX_TRANSLATE)
		return -ENOENT;
	e = iommu_pt_lookup(&c->pt, bfn, &lo);
	if (!(e & IOPTE_GRANT) || lo)
		return -ENOENT;
	*mfn = iopte_mfn(e);
	*writable = e & IOPTE_W;
	return 0;
}

uint64_t iommu_grant_count(const struct domain *d)
{
	return d->iommu ? d->iommu->nr_grant : 0;
}

/* ----- device access ----- */

int iommu_translate(struct domain *d, bfn_t bfn, bool write, mfn_t *mfn)
{
	struct iommu_ctx *c = d->iommu;
	unsigned int lo;
	uint64_t e;

	if (!c)
		return -ENXIO;
	if (c->mode == IOMMU_CTX_PASSTHROUGH) {
		/* 1:1: the bus frame is the machine frame. */
		mfn_t m = _mfn(bfn_x(bfn));
		struct page_info *pg = mfn_to_page(&d->hv->ft, m);

		if (!pg || pg->state != PGS_inuse || (pg->flags & PGC_xen) || pg->owner == DOMID_XEN)
			return -ENXIO;
		*mfn = m;
		return 0;
	}
	if (c->mode != IOMMU_CTX_TRANSLATE)
		return -ENXIO;
	e = iommu_pt_lookup(&c->pt, bfn, &lo);
	if (!e)
		return -ENXIO;
	if (!(e & (write ? IOPTE_W : IOPTE_R)))
		return -EACCES;
	*mfn = mfn_add(iopte_mfn(e), (int64_t)(bfn_x(bfn) & ((1ULL << lo) - 1)));
	return 0;
}

void iommu_report_fault(struct domain *d, uint64_t bus_addr, bool write, int why)
{
	struct iommu_ctx *c = d->iommu;

	if (c) {
		c->st.faults++;
		c->st.last_fault_bfn = _bfn(bus_addr >> PAGE_SHIFT);
		c->st.last_fault_write = write;
	}
	hv_warn(d->hv, "d%u: IOMMU fault: device %s at bus address %#" PRIx64 " (%s)", d->id,
		write ? "write" : "read", bus_addr, why == -EACCES ? "no access" : "not mapped");
}

/* Checks every page of [addr, addr+len); 0 or the error with *fault. */
static int dma_check(struct domain *d, uint64_t addr, uint64_t len, bool write, uint64_t *fault)
{
	for (uint64_t a = ALIGN_DOWN(addr, PAGE_SIZE); a < addr + len; a += PAGE_SIZE) {
		mfn_t m;
		int rc = iommu_translate(d, _bfn(a >> PAGE_SHIFT), write, &m);

		if (rc) {
			*fault = a < addr ? addr : a;
			return rc;
		}
	}
	return 0;
}

int iommu_dma_copy(struct domain *d, uint64_t dst, uint64_t src, uint64_t len,
		   uint64_t *fault_addr)
{
	struct hv *hv = d->hv;
	uint64_t fault = 0, done = 0;
	bool write = false;
	int rc;

	hv_lock(hv);
	if (src + len < src || dst + len < dst) {
		rc = -ENXIO;
		fault = src + len < src ? src : dst;
		write = dst + len < dst;
		goto out;
	}
	/* Translate everything first: a faulting transfer moves nothing. */
	rc = dma_check(d, src, len, false, &fault);
	if (!rc) {
		write = true;
		rc = dma_check(d, dst, len, true, &fault);
	}
	if (rc)
		goto out;
	while (done < len) {
		uint64_t s = src + done, t = dst + done;
		uint64_t n = MIN(len - done, MIN(PAGE_SIZE - (s & (PAGE_SIZE - 1)),
						 PAGE_SIZE - (t & (PAGE_SIZE - 1))));
		mfn_t ms, mt;

		BUG_ON(iommu_translate(d, _bfn(s >> PAGE_SHIFT), false, &ms) ||
		       iommu_translate(d, _bfn(t >> PAGE_SHIFT), true, &mt));
		memmove((uint8_t *)frame_va(&hv->ft, mt) + (t & (PAGE_SIZE - 1)),
			(uint8_t *)frame_va(&hv->ft, ms) + (s & (PAGE_SIZE - 1)), n);
		done += n;
	}
out:
	if (rc) {
		iommu_report_fault(d, fault, write, rc);
		if (fault_addr)
			*fault_addr = fault;
	}
	hv_unlock(hv);
	return rc;
}
