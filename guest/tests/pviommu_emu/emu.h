/*
 * PV IOMMU emulator guest tests: what the guest program
 * (guest/tests/pviommu_emu/main.c) and the multi-domain driver
 * (tests/guest/pviommu_emu.c) agree on. Plain constants only: included by
 * freestanding guest code and by the host driver.
 *
 * Domains: the target d1; the emulator d3 (memvisor,backend-for d1, an
 * IOMMU context and the DMA engine), or Dom0 d5 (privileged, no IOMMU
 * context: bus addresses are machine frames). Every domain's RAM0 is at
 * 0x40000000. Phases: 0 target writes its pages; 1 emulator creates its
 * IOREQ server and maps; 2 target checks the emulator's write and
 * balloons mapped pages out; 3 emulator reads its rings, checks what the
 * BFNs show, unmaps and destroys its server.
 */
#ifndef EMU_H
#define EMU_H

#define EMU_TARGET 1
#define EMU_EMULATOR 3
#define EMU_DOM0 5

/* The target's pages: EMU_TGT_PAGES at EMU_TGT_GPA, word j of page i is
 * emu_pattern(i, j). */
#define EMU_TGT_GPA 0x41000000ULL
#define EMU_TGT_GFN (EMU_TGT_GPA >> 12)
#define EMU_TGT_PAGES 260
#define emu_pattern(i, j) (0x5441524700000000ULL | ((unsigned long long)(i) << 16) | (j))
/* What the emulator writes into EMU_PG_WRITE by DMA. */
#define emu_mark(j) (0x454d554c00000000ULL | (unsigned long long)(j))

/* Emulator with an IOMMU context: how it maps the target's pages.
 * Pages [0, EMU_SWAP_PAGES) with swap_mfn, EMU_PG_KEEP without; both
 * ballooned by the target. 256 invalidations: 255 fill the buffered ring
 * (two slots each), the 256th takes the synchronous slot, the 257th is
 * owed until the emulator has made room. */
#define EMU_SWAP_PAGES 256
#define EMU_PG_KEEP 256	  /* no swap_mfn: stays referenced until unmapped */
#define EMU_PG_WRITE 257  /* the emulator DMA-writes emu_mark() here */
#define EMU_PG_RO 258	  /* mapped read-only: DMA writes fault */
#define EMU_PG_UNMAP 259  /* mapped, then unmapped in phase 1 */
#define EMU_BALLOON (EMU_SWAP_PAGES + 1) /* pages 0..EMU_PG_KEEP */
#define EMU_BFN(i) (0x10000ULL + (i))
#define EMU_BFN_OWN 0x100ULL /* the emulator's own buffer page */

/* Dom0 without an IOMMU: pages 0..EMU0_PAGES-1 looked up or mapped (bus
 * address = machine frame), all ballooned, none swappable. */
#define EMU0_PAGES 3

/* The emulator's pages at fixed addresses (they outlive a run): the
 * buffered ring, the synchronous slot, the state kept between runs, and
 * the DMA buffer. */
#define EMU_RING_GPA 0x41000000ULL
#define EMU_SYNC_GPA 0x41001000ULL
#define EMU_STATE_GPA 0x41002000ULL
#define EMU_BUF_GPA 0x41003000ULL
#define EMU_FIXED_PAGES 4

#define EMU_STATE_MAGIC 0x454d5553ULL
struct emu_state {
	unsigned long long magic;
	unsigned long long id;             /* the IOREQ server */
	unsigned long long bfn[EMU0_PAGES]; /* Dom0: bus addresses it was given */
};

#define EMU_DMA_BASE 0x20000000ULL

/* Scenario "ioreq" (issue 15, Xen's IOREQ path end to end, one phase, both
 * domains at once): the emulator serves the target's accesses to the
 * window EMU_MMIO_GPA (+ EMU_MMIO_SIZE) through a standard IOREQ server;
 * once it is enabled it raises line EMU_MMIO_IRQ, which the target bound
 * with EVTCHNOP_bind_pirq and waits for. Reads of offset o answer
 * emu_mmio_value(o); the target's write of EMU_MMIO_WVAL to offset 0x20
 * is checked by the emulator and read back at 0x28. */
#define EMU_MMIO_GPA 0xfe000000ULL
#define EMU_MMIO_SIZE 0x1000ULL
#define EMU_MMIO_IRQ 40
#define EMU_MMIO_ACCESSES 4
#define EMU_MMIO_TIMED 1000 /* reads timed after the checked ones */
#define EMU_MMIO_WVAL 0x1122334455667788ULL
#define emu_mmio_value(o) (0x7672697400000000ULL | (unsigned long long)(o))

#endif
