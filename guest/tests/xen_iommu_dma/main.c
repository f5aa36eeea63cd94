/*
 * Driver domain with an assigned DMA engine (PV IOMMU, docs/pv-iommu.md):
 * maps its buffers with IOMMUOP_map_page in one batch, runs DMA through
 * the engine's MMIO registers and checks the data; DMA to an unmapped BFN,
 * to a read-only BFN, or straddling into an unmapped page faults, is
 * reported in STATUS/FAULT_ADDR and moves no data at all; after the unmap
 * batch the BFNs fault too. Run with the driver's --dma option.
 */
#include <public/errno.h>
#include <rt/mm.h>
#include <rt/mmio.h>
#include <rt/test.h>
#include <xen/iommu.h>

const char test_title[] = "PV IOMMU: driver domain DMA through its own mappings";

#define BFN_SRC 0x1000ULL  /* two pages */
#define BFN_DST 0x2000ULL  /* one page; 0x2001 stays unmapped */
#define BFN_RO 0x3000ULL   /* read-only */
#define BFN_NONE 0x5000ULL /* never mapped */
#define RW (IOMMU_OP_readable | IOMMU_OP_writeable)

static uint64_t gfn_of(const void *p)
{
	return rt_virt_to_phys(p) >> 12;
}

static void fill(uint64_t *w, uint64_t seed)
{
	for (unsigned int i = 0; i < RT_PAGE_SIZE / 8; i++)
		w[i] = seed * 0x9e3779b97f4a7c15ULL + i;
}

static unsigned int differ(const uint64_t *a, const uint64_t *b)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < RT_PAGE_SIZE / 8; i++)
		n += a[i] != b[i];
	return n;
}

static void check_fault(uint64_t base, uint64_t dst, uint64_t src, uint64_t len,
			uint64_t want_addr, bool want_write, int want_err, const char *what)
{
	uint64_t fault = 0, st = xdma_copy(base, dst, src, len, &fault);

	rt_check(st & XDMA_ST_FAULT, "%s: status %#llx, no fault", what, (unsigned long long)st);
	rt_check(!(st & XDMA_ST_DONE), "%s: status %#llx says done", what,
		 (unsigned long long)st);
	rt_check(fault == want_addr, "%s: fault address %#llx, want %#llx", what,
		 (unsigned long long)fault, (unsigned long long)want_addr);
	rt_check(!!(st & XDMA_ST_FAULT_WRITE) == want_write, "%s: fault-write bit wrong (%#llx)",
		 what, (unsigned long long)st);
	rt_check(XDMA_ST_ERR(st) == want_err, "%s: errno %d, want %d", what, XDMA_ST_ERR(st),
		 want_err);
}

void test_main(void)
{
	struct xiommu_batch b;
	uint64_t base, done0, st;
	uint16_t caps = 0;
	uint64_t *src, *dst, *ro, *ref;
	int rc, dup;

	rc = xdma_find(rt_dt(), &base);
	if (rc) {
		rt_test_skip("no memvisor,dma-v1 device (%d): run with --dma", rc);
		return;
	}
	rt_printf("DMA engine at %#llx\n", (unsigned long long)base);
	rc = xiommu_query_caps(&caps);
	rt_check(!rc && (caps & IOMMU_QUERY_map_cap), "query_caps: %d, caps %#x", rc, caps);
	if (rc || !(caps & IOMMU_QUERY_map_cap))
		return;

	src = rt_alloc_pages(2);
	dst = rt_alloc_pages(1);
	ro = rt_alloc_pages(1);
	ref = rt_alloc_pages(1);
	if (!src || !dst || !ro || !ref || xiommu_batch_init(&b, 1)) {
		rt_test_error("out of pages");
		return;
	}
	fill(src, 1);
	fill(src + RT_PAGE_SIZE / 8, 2);
	fill(ro, 3);

	/* One batch: four maps and one that must fail on its own. */
	xiommu_add_map(&b, BFN_SRC, gfn_of(src), RW);
	xiommu_add_map(&b, BFN_SRC + 1, gfn_of(src + RT_PAGE_SIZE / 8), RW);
	xiommu_add_map(&b, BFN_DST, gfn_of(dst), RW);
	xiommu_add_map(&b, BFN_RO, gfn_of(ro), IOMMU_OP_readable);
	dup = xiommu_add_map(&b, BFN_DST, gfn_of(ro), RW);
	rc = (int)xiommu_batch_submit(&b);
	rt_check(rc == 0, "map batch: %d", rc);
	rt_check(xiommu_batch_failures(&b) == 1, "map batch: %u failures, want 1",
		 xiommu_batch_failures(&b));
	rt_check(b.ops[dup].status == -XEN_EEXIST, "map over a mapped BFN: %d",
		 b.ops[dup].status);

	/* Good transfers, page by page and two pages at once back into src. */
	done0 = rt_mmio_read64(base + XDMA_REG_DONE_COUNT);
	st = xdma_copy(base, BFN_DST << 12, BFN_SRC << 12, RT_PAGE_SIZE, NULL);
	rt_check(st == XDMA_ST_DONE, "copy: status %#llx", (unsigned long long)st);
	rt_check(!differ(dst, src), "copy: destination differs from source");
	st = xdma_copy(base, (BFN_DST << 12) + 8, (BFN_RO << 12) + 16, 64, NULL);
	rt_check(st == XDMA_ST_DONE, "copy from read-only BFN: status %#llx",
		 (unsigned long long)st);
	rt_check(dst[1] == ro[2] && dst[8] == ro[9] && dst[9] == src[9],
		 "unaligned copy from the read-only page went wrong");
	rt_check(rt_mmio_read64(base + XDMA_REG_DONE_COUNT) == done0 + 2, "DONE_COUNT did not count");

	/* Faults move nothing. */
	for (unsigned int i = 0; i < RT_PAGE_SIZE / 8; i++)
		ref[i] = dst[i];
	check_fault(base, BFN_NONE << 12, BFN_SRC << 12, 256, BFN_NONE << 12, true, XEN_ENXIO,
		    "write to an unmapped BFN");
	check_fault(base, BFN_DST << 12, BFN_NONE << 12, 256, BFN_NONE << 12, false, XEN_ENXIO,
		    "read from an unmapped BFN");
	rt_check(!differ(dst, ref), "a faulting read changed the destination");
	for (unsigned int i = 0; i < RT_PAGE_SIZE / 8; i++)
		ref[i] = ro[i];
	check_fault(base, BFN_RO << 12, BFN_SRC << 12, 512, BFN_RO << 12, true, XEN_EACCES,
		    "write to a read-only BFN");
	rt_check(!differ(ro, ref), "a refused write changed the read-only page");
	for (unsigned int i = 0; i < RT_PAGE_SIZE / 8; i++)
		ref[i] = dst[i];
	check_fault(base, BFN_DST << 12, BFN_SRC << 12, 2 * RT_PAGE_SIZE, (BFN_DST + 1) << 12,
		    true, XEN_ENXIO, "copy straddling into an unmapped page");
	rt_check(!differ(dst, ref), "a straddling fault moved part of the data");
	rt_check(rt_mmio_read64(base + XDMA_REG_DONE_COUNT) == done0 + 2,
		 "faulted transfers were counted as done");

	/* Unmap in one batch; then the BFNs fault. */
	xiommu_batch_reset(&b);
	xiommu_add_unmap(&b, BFN_SRC, 0);
	xiommu_add_unmap(&b, BFN_SRC + 1, 0);
	xiommu_add_unmap(&b, BFN_DST, 0);
	xiommu_add_unmap(&b, BFN_RO, 0);
	xiommu_add_unmap(&b, BFN_NONE, 0);
	rc = (int)xiommu_batch_submit(&b);
	rt_check(rc == 0 && xiommu_batch_failures(&b) == 1 && b.ops[4].status == -XEN_ENOENT,
		 "unmap batch: rc %d, %u failures, last %d", rc, xiommu_batch_failures(&b),
		 b.ops[4].status);
	check_fault(base, BFN_DST << 12, BFN_SRC << 12, 64, BFN_SRC << 12, false, XEN_ENXIO,
		    "DMA after unmap");
	xiommu_batch_free(&b);
}
