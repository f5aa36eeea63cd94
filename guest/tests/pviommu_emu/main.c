/*
 * PV IOMMU emulator flows (docs/pv-iommu.md), run by the multi-domain
 * driver (tests/guest/pviommu_emu.c) over several phases (emu.h). One
 * program, roles from bootargs ("role=<name> phase=<n>"):
 *
 *   target   phase 0 writes its pages; phase 2 checks the page the
 *            emulator wrote by DMA and balloons out pages it has mapped
 *   emu      (backend-for the target, IOMMU context, DMA engine) phase 1:
 *            IOREQ server by dm_op, one batch of map_foreign_page at BFNs
 *            of its choice (swap_mfn or not), lookup_foreign_page, DMA
 *            reads and writes through its own context, unmap; phase 3:
 *            IOREQ_TYPE_INVALIDATE on its buffered ring until full, then
 *            in the synchronous slot, the owed one after it made room;
 *            swapped BFNs read the scratch page, the other the old data;
 *            unmaps everything, destroys its server
 *   dom0     (privileged, no IOMMU context) the same without translation:
 *            the bus address is the machine frame, lookup gives it, and
 *            ballooned frames stay until unmapped
 *
 * State that must outlive a run sits at fixed addresses (emu.h): the
 * program restarts from scratch in every phase.
 */
#include <libfdt.h>
#include <string.h>

#include <public/dm_op.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/ioreq.h>
#include <public/memory.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/mmio.h>
#include <rt/test.h>
#include <xen/iommu.h>

#include "emu.h"

const char test_title[] = "PV IOMMU: emulator flows";

#define RW (IOMMUOP_readable | IOMMUOP_writeable)
#define WORDS (RT_PAGE_SIZE / 8)

static const char *bootarg(const char *key)
{
	int chosen = fdt_path_offset(rt_dt(), "/chosen");
	const char *s = chosen >= 0 ? fdt_getprop(rt_dt(), chosen, "bootargs", NULL) : NULL;
	const char *r = s ? strstr(s, key) : NULL;

	return r ? r + strlen(key) : "";
}

static bool is(const char *r, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(r, name, n) && (r[n] == '\0' || r[n] == ' ');
}

static unsigned int phase(void)
{
	const char *p = bootarg("phase=");
	unsigned int n = 0;

	while (*p >= '0' && *p <= '9')
		n = n * 10 + (unsigned int)(*p++ - '0');
	return n;
}

static long cur_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static uint64_t *tgt_page(unsigned int i)
{
	return rt_phys_to_virt(EMU_TGT_GPA + i * 4096ULL);
}

static unsigned int differ_pattern(const uint64_t *w, unsigned int page)
{
	unsigned int n = 0;

	for (unsigned int j = 0; j < WORDS; j++)
		n += w[j] != emu_pattern(page, j);
	return n;
}

/* ----- target ----- */

static void target(unsigned int ph, unsigned int balloon)
{
	if (!rt_claim_range(EMU_TGT_GPA, EMU_TGT_PAGES)) {
		rt_test_error("the target pages at %#llx are not free", EMU_TGT_GPA);
		return;
	}
	if (ph == 0) {
		for (unsigned int i = 0; i < EMU_TGT_PAGES; i++)
			for (unsigned int j = 0; j < WORDS; j++)
				tgt_page(i)[j] = emu_pattern(i, j);
		rt_printf("target: %u pages at %#llx\n", EMU_TGT_PAGES, EMU_TGT_GPA);
		return;
	}
	/* Phase 2: the emulator's DMA write reached this page, and only it. */
	if (balloon == EMU_BALLOON) {
		unsigned int bad = 0;

		for (unsigned int j = 0; j < WORDS; j++)
			bad += tgt_page(EMU_PG_WRITE)[j] != emu_mark(j);
		rt_check_eq(bad, 0, "words of page %u the emulator's DMA did not write", EMU_PG_WRITE);
		rt_check_eq(differ_pattern(tgt_page(EMU_PG_RO), EMU_PG_RO), 0,
		       "read-only mapped page changed");
		rt_check_eq(differ_pattern(tgt_page(EMU_PG_KEEP), EMU_PG_KEEP), 0,
		       "page %u changed", EMU_PG_KEEP);
	}
	/* Balloon out pages the emulator has mapped, in one call. */
	{
		xen_pfn_t *f = rt_alloc_pages(1);
		struct xen_memory_reservation r = {.nr_extents = balloon, .domid = DOMID_SELF};
		long before = cur_pages(), keep = balloon == EMU_BALLOON ? 1 : (long)balloon;

		for (unsigned int i = 0; i < balloon; i++)
			f[i] = EMU_TGT_GFN + i;
		set_xen_guest_handle(r.extent_start, rt_handle(f));
		rt_check_eq(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), balloon,
		       "decrease_reservation of %u mapped pages", balloon);
		/* Frames that stay mapped by the emulator stay counted. */
		rt_check_eq(cur_pages(), before - (long)balloon + keep,
		       "reservation after ballooning (%ld before)", before);
		rt_free_pages(f, 1);
	}
	rt_printf("target: ballooned %u mapped pages\n", balloon);
}

/* ----- emulator with an IOMMU context ----- */

static struct emu_state *state(void)
{
	return rt_phys_to_virt(EMU_STATE_GPA);
}

static bool claim_fixed(void)
{
	if (!rt_claim_range(EMU_RING_GPA, EMU_FIXED_PAGES)) {
		rt_test_error("the emulator's fixed pages are not free");
		return false;
	}
	return true;
}

static uint64_t dma(uint64_t base, uint64_t dst_bfn, uint64_t src_bfn)
{
	return xdma_copy(base, dst_bfn << 12, src_bfn << 12, RT_PAGE_SIZE, NULL);
}

static void emu_phase1(uint64_t base)
{
	struct buffered_iopage *ring = rt_phys_to_virt(EMU_RING_GPA);
	struct ioreq *sync = rt_phys_to_virt(EMU_SYNC_GPA);
	uint64_t *buf = rt_phys_to_virt(EMU_BUF_GPA);
	struct xiommu_batch b;
	uint64_t bfn, fault = 0, st;
	uint16_t fl = 0;
	ioservid_t id = 0xffff;
	int rc;

	memset(ring, 0, RT_PAGE_SIZE);
	memset(sync, 0, RT_PAGE_SIZE);
	memset(state(), 0, RT_PAGE_SIZE);
	rc = xdm_create_ioreq_server(EMU_TARGET, EMU_RING_GPA >> 12, EMU_SYNC_GPA >> 12, &id);
	rt_check_eq(rc, 0, "dm_op create_ioreq_server");
	if (rc)
		return;
	rt_check_eq(id, 0, "first server id of the target");
	state()->id = id;
	state()->magic = EMU_STATE_MAGIC;

	/* One batch: every foreign map at a BFN of our choice, and our buffer. */
	if (xiommu_batch_init(&b, 3)) {
		rt_test_error("out of pages");
		return;
	}
	for (unsigned int i = 0; i < EMU_SWAP_PAGES; i++)
		xiommu_add_map_foreign(&b, EMU_BFN(i), EMU_TARGET, EMU_TGT_GFN + i, id,
				       RW | IOMMUOP_swap_mfn);
	xiommu_add_map_foreign(&b, EMU_BFN(EMU_PG_KEEP), EMU_TARGET, EMU_TGT_GFN + EMU_PG_KEEP, id,
			       RW);
	xiommu_add_map_foreign(&b, EMU_BFN(EMU_PG_WRITE), EMU_TARGET, EMU_TGT_GFN + EMU_PG_WRITE,
			       id, RW);
	xiommu_add_map_foreign(&b, EMU_BFN(EMU_PG_RO), EMU_TARGET, EMU_TGT_GFN + EMU_PG_RO, id,
			       IOMMUOP_readable);
	xiommu_add_map_foreign(&b, EMU_BFN(EMU_PG_UNMAP), EMU_TARGET, EMU_TGT_GFN + EMU_PG_UNMAP,
			       id, RW);
	xiommu_add_map(&b, EMU_BFN_OWN, EMU_BUF_GPA >> 12, RW);
	rt_check_eq(xiommu_batch_submit(&b), 0, "map batch");
	rt_check_eq(xiommu_batch_failures(&b), 0, "failed ops in the map batch");
	xiommu_batch_free(&b);

	/* The same map again adds nothing; another frame at a used BFN is refused. */
	bfn = EMU_BFN(0);
	rt_check_eq(xiommu_map_foreign(&bfn, EMU_TARGET, EMU_TGT_GFN, id, RW | IOMMUOP_swap_mfn), 0,
	       "repeated identical map_foreign_page");
	bfn = EMU_BFN(0);
	rt_check_eq(xiommu_map_foreign(&bfn, EMU_TARGET, EMU_TGT_GFN + 1, id, RW), -XEN_EEXIST,
	       "map_foreign_page of another frame at a used BFN");

	/* lookup gives the BFN we chose for a gfn, with its access; nothing for
	 * an unmapped gfn (a translating context never picks BFNs itself). */
	rt_check_eq(xiommu_lookup_foreign(EMU_TARGET, EMU_TGT_GFN + 7, id, &bfn, &fl), 0, "lookup page 7");
	rt_check_eq(bfn, EMU_BFN(7), "BFN of page 7");
	rt_check_eq(fl, RW | IOMMU_page_order(0), "lookup flags of page 7");
	rt_check_eq(xiommu_lookup_foreign(EMU_TARGET, EMU_TGT_GFN + EMU_PG_RO, id, &bfn, &fl), 0,
	       "lookup of the read-only page");
	rt_check_eq(bfn, EMU_BFN(EMU_PG_RO), "BFN of the read-only page");
	rt_check_eq(fl, IOMMUOP_readable, "lookup flags of the read-only page");
	rt_check_eq(xiommu_lookup_foreign(EMU_TARGET, EMU_TGT_GFN + EMU_TGT_PAGES, id, &bfn, &fl),
	       -XEN_ENOENT, "lookup of a page never mapped");

	/* DMA through our context: read the target's pages... */
	st = dma(base, EMU_BFN_OWN, EMU_BFN(3));
	rt_check_eq(st, XDMA_ST_DONE, "DMA read of target page 3");
	rt_check_eq(differ_pattern(buf, 3), 0, "words differing after the DMA read of page 3");
	st = dma(base, EMU_BFN_OWN, EMU_BFN(EMU_PG_KEEP));
	rt_check_eq(differ_pattern(buf, EMU_PG_KEEP), 0, "DMA read of page %u", EMU_PG_KEEP);
	/* ...write one (the target checks it in phase 2)... */
	for (unsigned int j = 0; j < WORDS; j++)
		buf[j] = emu_mark(j);
	rt_check_eq(dma(base, EMU_BFN(EMU_PG_WRITE), EMU_BFN_OWN), XDMA_ST_DONE, "DMA write");
	memset(buf, 0, RT_PAGE_SIZE);
	rt_check_eq(dma(base, EMU_BFN_OWN, EMU_BFN(EMU_PG_WRITE)), XDMA_ST_DONE, "DMA read back");
	rt_check_eq(buf[0] == emu_mark(0) && buf[WORDS - 1] == emu_mark(WORDS - 1), 1,
	       "the DMA write did not land");
	/* ...but not the read-only one. */
	st = xdma_copy(base, EMU_BFN(EMU_PG_RO) << 12, EMU_BFN_OWN << 12, 64, &fault);
	rt_check_eq(XDMA_ST_ERR(st), XEN_EACCES, "DMA write to the read-only foreign BFN (%#llx)",
	       (unsigned long long)st);
	rt_check_eq(fault, EMU_BFN(EMU_PG_RO) << 12, "fault address");

	/* unmap_foreign_page: once, not twice; afterwards the BFN faults. */
	rt_check_eq(xiommu_unmap_foreign(EMU_BFN(EMU_PG_UNMAP), id, 0), 0, "unmap_foreign_page");
	rt_check_eq(xiommu_unmap_foreign(EMU_BFN(EMU_PG_UNMAP), id, 0), -XEN_ENOENT,
	       "second unmap_foreign_page");
	st = xdma_copy(base, EMU_BFN_OWN << 12, EMU_BFN(EMU_PG_UNMAP) << 12, 64, &fault);
	rt_check_eq(XDMA_ST_ERR(st), XEN_ENXIO, "DMA from an unmapped foreign BFN");
	rt_check_eq(xiommu_unmap_page(EMU_BFN(EMU_PG_UNMAP), 0), -XEN_ENOENT,
	       "unmap_page of a foreign BFN");
	rt_printf("emu: server %u, %u target pages mapped\n", id, EMU_TGT_PAGES - 1);
}

/* The INVALIDATE of bfn in ring slots at write index w (two slots). */
static bool ring_has(const struct buffered_iopage *ring, unsigned int w, uint64_t bfn)
{
	const struct buf_ioreq *lo = &ring->buf_ioreq[w % IOREQ_BUFFER_SLOT_NUM];
	const struct buf_ioreq *hi = &ring->buf_ioreq[(w + 1) % IOREQ_BUFFER_SLOT_NUM];

	return lo->type == IOREQ_TYPE_INVALIDATE && hi->type == IOREQ_TYPE_INVALIDATE &&
	       lo->size == 3 && hi->size == 3 && lo->dir == IOREQ_WRITE &&
	       lo->data == (uint32_t)bfn && hi->data == (uint32_t)(bfn >> 32);
}

static void emu_phase3(uint64_t base)
{
	volatile struct buffered_iopage *vring = rt_phys_to_virt(EMU_RING_GPA);
	struct buffered_iopage *ring = rt_phys_to_virt(EMU_RING_GPA);
	volatile struct ioreq *sync = rt_phys_to_virt(EMU_SYNC_GPA);
	uint64_t *buf = rt_phys_to_virt(EMU_BUF_GPA);
	ioservid_t id = (ioservid_t)state()->id;
	struct xiommu_batch b;
	uint16_t caps;
	unsigned int bad = 0, w;

	if (state()->magic != EMU_STATE_MAGIC) {
		rt_test_error("no state from phase 1");
		return;
	}
	/* The ring took 255 requests (510 slots: one more would not fit),
	 * in balloon order. */
	w = vring->write_pointer;
	rt_check_eq(vring->read_pointer, 0, "read_pointer");
	rt_check_eq(w, 2 * (EMU_SWAP_PAGES - 1), "write_pointer after the balloon");
	for (unsigned int k = 0; k + 1 < EMU_SWAP_PAGES; k++)
		bad += !ring_has(ring, 2 * k, EMU_BFN(k));
	rt_check_eq(bad, 0, "ring requests that are not INVALIDATE of the expected BFN");
	/* The 256th went to the synchronous slot. */
	rt_check_eq(sync->state, STATE_IOREQ_READY, "synchronous slot state");
	rt_check_eq(sync->type, IOREQ_TYPE_INVALIDATE, "synchronous slot type");
	rt_check_eq(sync->data, EMU_BFN(EMU_SWAP_PAGES - 1), "synchronous slot BFN");
	rt_check_eq(sync->size, 8, "synchronous slot size");
	/* The 257th is owed: both paths still busy, a call does not deliver it. */
	rt_check_eq(xiommu_query_caps(&caps), 0, "query_caps");
	rt_check_eq(vring->write_pointer, w, "write_pointer while the ring is full");
	/* Consume both; the next call delivers it on the ring (wrapping). */
	__atomic_store_n(&ring->read_pointer, w, __ATOMIC_RELEASE);
	sync->state = STATE_IOREQ_NONE;
	rt_check_eq(xiommu_query_caps(&caps), 0, "query_caps");
	rt_check_eq(vring->write_pointer, w + 2, "write_pointer after room was made");
	rt_check_eq(ring_has(ring, w, EMU_BFN(EMU_PG_KEEP)), 1,
	       "owed INVALIDATE of BFN %#llx in slots %u and %u", EMU_BFN(EMU_PG_KEEP), w,
	       (w + 1) % IOREQ_BUFFER_SLOT_NUM);
	rt_check_eq(sync->state, STATE_IOREQ_NONE, "synchronous slot after the retry");

	/* swap_mfn: the BFN now shows the scratch page, not the old data. */
	memset(buf, 0xa5, RT_PAGE_SIZE);
	rt_check_eq(dma(base, EMU_BFN_OWN, EMU_BFN(3)), XDMA_ST_DONE, "DMA read of a swapped BFN");
	bad = 0;
	for (unsigned int j = 0; j < WORDS; j++)
		bad += buf[j] != 0;
	rt_check_eq(bad, 0, "non-zero words read from a swapped BFN");
	/* Without swap_mfn the old frame is still there, data and all. */
	rt_check_eq(dma(base, EMU_BFN_OWN, EMU_BFN(EMU_PG_KEEP)), XDMA_ST_DONE,
	       "DMA read of the kept BFN");
	rt_check_eq(differ_pattern(buf, EMU_PG_KEEP), 0, "words changed on the kept frame");
	/* The ballooned gfn has no frame to look up any more. */
	rt_check_eq(xiommu_lookup_foreign(EMU_TARGET, EMU_TGT_GFN + 3, id, &(uint64_t){0}, NULL),
	       -XEN_ENXIO, "lookup of a ballooned gfn");

	/* Unmap everything in one batch (swapped entries too), then again. */
	if (xiommu_batch_init(&b, 3)) {
		rt_test_error("out of pages");
		return;
	}
	for (unsigned int i = 0; i < EMU_PG_UNMAP; i++)
		xiommu_add_unmap_foreign(&b, EMU_BFN(i), id, 0);
	xiommu_add_unmap(&b, EMU_BFN_OWN, 0);
	rt_check_eq(xiommu_batch_submit(&b), 0, "unmap batch");
	rt_check_eq(xiommu_batch_failures(&b), 0, "failed ops in the unmap batch");
	xiommu_batch_reset(&b);
	xiommu_add_unmap_foreign(&b, EMU_BFN(0), id, 0);
	xiommu_add_unmap_foreign(&b, EMU_BFN(EMU_PG_KEEP), id, 0);
	rt_check_eq(xiommu_batch_submit(&b), 0, "second unmap batch");
	rt_check_eq(b.ops[0].status, -XEN_ENOENT, "second unmap of a swapped BFN");
	rt_check_eq(b.ops[1].status, -XEN_ENOENT, "second unmap of the kept BFN");
	xiommu_batch_free(&b);
	rt_check_eq(xdm_destroy_ioreq_server(EMU_TARGET, id), 0, "dm_op destroy_ioreq_server");
	rt_check_eq(xdm_destroy_ioreq_server(EMU_TARGET, id), -XEN_ENOENT, "second destroy");
}

static void emulator(unsigned int ph)
{
	uint64_t base;
	uint16_t caps = 0;
	int rc;

	if (!claim_fixed())
		return;
	rc = xdma_find(rt_dt(), &base);
	if (rc) {
		rt_test_error("no DMA engine (%d)", rc);
		return;
	}
	rt_check_eq(xiommu_query_caps(&caps), 0, "query_caps");
	rt_check_eq(!!(caps & IOMMU_QUERY_map_cap), 1, "map_cap (caps %#x)", caps);
	if (ph == 1)
		emu_phase1(base);
	else
		emu_phase3(base);
}

/* ----- Dom0 without an IOMMU context ----- */

static void dom0(unsigned int ph)
{
	struct buffered_iopage *ring = rt_phys_to_virt(EMU_RING_GPA);
	struct emu_state *s = state();
	uint64_t bfn, bfn2;
	uint16_t caps = 0, fl = 0;
	ioservid_t id = 0xffff;

	if (!claim_fixed())
		return;
	rt_check_eq(xiommu_query_caps(&caps), 0, "query_caps");
	rt_check_eq(caps & IOMMU_QUERY_map_cap, 0, "map_cap without an IOMMU context");
	if (ph == 1) {
		memset(ring, 0, RT_PAGE_SIZE);
		memset(s, 0, RT_PAGE_SIZE);
		rt_check_eq(xdm_create_ioreq_server(EMU_TARGET, EMU_RING_GPA >> 12, XDM_NO_PAGE, &id),
		       0, "dm_op create_ioreq_server (ring only)");
		s->id = id;
		s->magic = EMU_STATE_MAGIC;
		/* Page 0 by lookup: the hypervisor supplies the bus address. */
		rt_check_eq(xiommu_lookup_foreign(EMU_TARGET, EMU_TGT_GFN, id, &bfn, &fl), 0,
		       "lookup of page 0");
		rt_check_eq(fl, RW | IOMMU_page_order(0), "lookup flags");
		rt_check_eq(xiommu_lookup_foreign(EMU_TARGET, EMU_TGT_GFN, id, &bfn2, NULL), 0,
		       "second lookup of page 0");
		rt_check_eq(bfn2, bfn, "the second lookup gave another BFN");
		s->bfn[0] = bfn;
		/* Page 1 by map: the BFN asked for is ignored, the frame returned. */
		bfn = 0x1234;
		rt_check_eq(xiommu_map_foreign(&bfn, EMU_TARGET, EMU_TGT_GFN + 1, id, RW), 0,
		       "map_foreign_page of page 1");
		rt_check_eq(bfn != 0x1234, 1, "map_foreign_page kept the BFN asked for");
		rt_check_eq(xiommu_lookup_foreign(EMU_TARGET, EMU_TGT_GFN + 1, id, &bfn2, NULL), 0,
		       "lookup of page 1");
		rt_check_eq(bfn2, bfn, "lookup does not give the BFN map returned");
		s->bfn[1] = bfn;
		/* swap_mfn is accepted but cannot be honoured without a table. */
		bfn = 0;
		rt_check_eq(xiommu_map_foreign(&bfn, EMU_TARGET, EMU_TGT_GFN + 2, id,
					  IOMMUOP_readable | IOMMUOP_swap_mfn),
		       0, "read-only map_foreign_page of page 2 with swap_mfn");
		s->bfn[2] = bfn;
		rt_printf("dom0: server %u, bus addresses %#llx %#llx %#llx\n", id, s->bfn[0],
			  s->bfn[1], s->bfn[2]);
		return;
	}
	/* Phase 3: one INVALIDATE per ballooned page, machine frames as BFNs. */
	if (s->magic != EMU_STATE_MAGIC) {
		rt_test_error("no state from phase 1");
		return;
	}
	id = (ioservid_t)s->id;
	rt_check_eq(ring->write_pointer, 2 * EMU0_PAGES, "write_pointer");
	for (unsigned int k = 0; k < EMU0_PAGES; k++)
		rt_check_eq(ring_has(ring, 2 * k, s->bfn[k]), 1, "INVALIDATE %u (BFN %#llx)", k, s->bfn[k]);
	ring->read_pointer = ring->write_pointer;
	for (unsigned int k = 0; k < EMU0_PAGES; k++) {
		rt_check_eq(xiommu_unmap_foreign(s->bfn[k], id, 0), 0, "unmap_foreign_page %u", k);
		rt_check_eq(xiommu_unmap_foreign(s->bfn[k], id, 0), -XEN_ENOENT,
		       "second unmap_foreign_page %u", k);
	}
	rt_check_eq(xdm_destroy_ioreq_server(EMU_TARGET, id), 0, "dm_op destroy_ioreq_server");
}

/* ----- scenario "ioreq": an MMIO window served by another domain ----- */

static long evtchn_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_event_channel_op, cmd, rt_handle(arg), 0, 0, 0);
}

static void mmio_target(void)
{
	struct evtchn_bind_pirq bp = {.pirq = EMU_MMIO_IRQ};
	struct sched_poll sp;
	uint32_t port;

	rt_check_eq(evtchn_op(EVTCHNOP_bind_pirq, &bp), 0, "bind_pirq of the device line");
	port = bp.port;
	/* The line comes once the emulator's server is enabled: before, an
	 * access would be nobody's. */
	memset(&sp, 0, sizeof(sp));
	sp.ports = rt_handle(&port);
	sp.nr_ports = 1;
	rt_check_eq(rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_poll, rt_handle(&sp), 0, 0, 0), 0,
	       "poll for the device line");
	rt_check_eq(rt_mmio_map(EMU_MMIO_GPA, EMU_MMIO_SIZE), 0, "map the window");
	rt_check_eq(rt_mmio_read(EMU_MMIO_GPA + 0x10, 4), (uint32_t)emu_mmio_value(0x10),
	       "4-byte read answered by the emulator");
	rt_check_eq(rt_mmio_read(EMU_MMIO_GPA + 0x18, 8), emu_mmio_value(0x18),
	       "8-byte read answered by the emulator");
	rt_mmio_write(EMU_MMIO_GPA + 0x20, 8, EMU_MMIO_WVAL);
	rt_check_eq(rt_mmio_read(EMU_MMIO_GPA + 0x28, 8), EMU_MMIO_WVAL, "the written value read back");
	/* What one round trip costs (printed, never asserted). */
	{
		struct xen_hvm_get_time t0, t1;
		unsigned int bad = 0;

		rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_time, rt_handle(&t0), 0, 0, 0);
		for (unsigned int k = 0; k < EMU_MMIO_TIMED; k++)
			bad += rt_mmio_read(EMU_MMIO_GPA + 0x30, 4) != (uint32_t)emu_mmio_value(0x30);
		rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_time, rt_handle(&t1), 0, 0, 0);
		rt_check_eq(bad, 0, "timed reads answered right");
		rt_printf("target: %u IOREQ reads, %llu ns each\n", EMU_MMIO_TIMED,
			  (unsigned long long)((t1.now - t0.now) / EMU_MMIO_TIMED));
	}
	rt_printf("target: %u accesses served\n", EMU_MMIO_ACCESSES + EMU_MMIO_TIMED);
}

static uint8_t slot_state(struct ioreq *slot)
{
	return __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_ACQUIRE) & 0xf;
}

static void slot_set_state(struct ioreq *slot, uint8_t st)
{
	uint8_t b = __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_RELAXED);

	__atomic_store_n(&((uint8_t *)slot)[30], (uint8_t)((b & 0xf0) | st), __ATOMIC_RELEASE);
}

/* The emulator's shared_info (at its fixed page EMU_BUF_GPA), to take
 * its port's pending bit as Linux's evtchn device does. */
static volatile uint64_t *emu_pending;

static void clear_port(uint32_t port)
{
	__atomic_and_fetch(&emu_pending[port / 64], ~(1ULL << (port % 64)), __ATOMIC_SEQ_CST);
}

/* Sleeps until the port is pending or system time passes `until` (0: no limit). */
static void wait_port(uint32_t port, uint64_t until)
{
	struct sched_poll sp;

	memset(&sp, 0, sizeof(sp));
	sp.ports = rt_handle(&port);
	sp.nr_ports = 1;
	sp.timeout = until;
	rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_poll, rt_handle(&sp), 0, 0, 0);
}

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time t;

	rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_time, rt_handle(&t), 0, 0, 0);
	return t.now;
}

static void mmio_emu(void)
{
	struct ioreq *slot = rt_phys_to_virt(EMU_SYNC_GPA);
	struct xen_add_to_physmap xatp = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					  .gpfn = EMU_BUF_GPA >> 12};
	struct evtchn_bind_interdomain bi;
	struct evtchn_send snd;
	uint64_t written = 0;
	unsigned int served = 0;
	ioservid_t id;

	if (!claim_fixed())
		return;
	rt_check_eq(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, rt_handle(&xatp), 0, 0,
			    0),
	       0, "map shared_info");
	emu_pending = (volatile uint64_t *)((uint8_t *)rt_phys_to_virt(EMU_BUF_GPA) + 2048);
	/* Xen's sequence: create, map the ioreq page, enable (the library),
	 * claim the window, bind the vCPU's port. */
	rt_check_eq(xdm_create_ioreq_server(EMU_TARGET, XDM_NO_PAGE, EMU_SYNC_GPA >> 12, &id), 0,
	       "create, acquire and enable the server");
	rt_check_eq(xdm_map_mmio_range(EMU_TARGET, id, EMU_MMIO_GPA,
				       EMU_MMIO_GPA + EMU_MMIO_SIZE - 1),
		    0, "map the window to the server");
	rt_check_eq(slot->vp_eport != 0, 1, "vp_eport written at enable");
	memset(&bi, 0, sizeof(bi));
	bi.remote_dom = EMU_TARGET;
	bi.remote_port = slot->vp_eport;
	rt_check_eq(evtchn_op(EVTCHNOP_bind_interdomain, &bi), 0, "bind the vCPU's port");
	snd.port = bi.local_port;
	while (served < EMU_MMIO_ACCESSES + EMU_MMIO_TIMED) {
		uint64_t off;

		/* The bind set the port pending (pitfall 3): take it, look
		 * at the slot, sleep only if there is nothing; a request
		 * that comes in between leaves the port pending again. */
		clear_port(snd.port);
		if (slot_state(slot) != STATE_IOREQ_READY) {
			if (!served) { /* tell the target the window is served */
				rt_check_eq(xdm_set_irq_level(EMU_TARGET, EMU_MMIO_IRQ, 1), 0,
					    "raise the device line");
				wait_port(snd.port, now_ns() + 1000000); /* again in 1 ms */
			} else {
				wait_port(snd.port, 0);
			}
			continue;
		}
		slot_set_state(slot, STATE_IOREQ_INPROCESS);
		off = slot->addr - EMU_MMIO_GPA;
		rt_check_eq(slot->type, IOREQ_TYPE_COPY, "request type");
		rt_check_eq(slot->count, 1, "request count");
		if (slot->dir == IOREQ_WRITE) {
			rt_check_eq(off, 0x20, "write offset");
			written = slot->data;
		} else {
			slot->data = off == 0x28 ? written : emu_mmio_value(off);
		}
		/* data, then the state, then the notification (pitfall 1). */
		slot_set_state(slot, STATE_IORESP_READY);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rt_check_eq(evtchn_op(EVTCHNOP_send, &snd), 0, "send on the vCPU's port");
		served++;
	}
	rt_check_eq(written, EMU_MMIO_WVAL, "the value the target wrote");
	/* The vCPU frees the slot when it takes the answer; then the server
	 * may go (destroying it earlier would cost the last answer). */
	while (slot_state(slot) != STATE_IOREQ_NONE)
		rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	rt_check_eq(xdm_destroy_ioreq_server(EMU_TARGET, id), 0, "destroy the server");
	rt_printf("emulator: %u accesses served\n", served);
}

void test_main(void)
{
	const char *r = bootarg("role=");
	unsigned int ph = phase();

	rt_printf("role: %s\n", r);
	if (is(r, "target"))
		target(ph, EMU_BALLOON);
	else if (is(r, "target0"))
		target(ph, EMU0_PAGES);
	else if (is(r, "emu"))
		emulator(ph);
	else if (is(r, "dom0"))
		dom0(ph);
	else if (is(r, "mmio-target"))
		mmio_target();
	else if (is(r, "mmio-emu"))
		mmio_emu();
	else
		rt_test_error("unknown role \"%s\"", r);
}
