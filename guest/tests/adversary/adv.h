/*
 * Adversarial guest tests: what the attacker, victim and backend programs
 * (guest/tests/adversary/main.c) and the multi-domain driver
 * (tests/guest/adversary.c) agree on. Plain constants only: this header is
 * included by freestanding guest code and by the host driver.
 *
 * Domains: victim d1, attacker d2 (unprivileged; in the IOMMU scenario it
 * has an IOMMU context), backend d3 (memvisor,backend-for the victim, the
 * IOREQ emulator in the IOMMU scenario), snoop d4 (backend-for the victim
 * but not its emulator). Every domain's RAM0 is at 0x40000000.
 */
#ifndef ADV_H
#define ADV_H

#define ADV_VICTIM 1
#define ADV_ATTACKER 2
#define ADV_BACKEND 3
#define ADV_SNOOP 4
#define ADV_NOBODY 0x7000 /* a domid nobody has */

#define ADV_RAM (32ULL << 20)

/* The victim's data: ADV_DATA_PAGES RAM pages at ADV_DATA_GPA, word j of
 * page i holds adv_pattern(i, j). */
#define ADV_DATA_GPA 0x41000000ULL
#define ADV_DATA_GFN (ADV_DATA_GPA >> 12)
#define ADV_DATA_PAGES 16
#define ADV_WORDS (4096 / 8)
#define adv_pattern(i, j) (0x5649435400000000ULL | ((unsigned long long)(i) << 16) | (j))

/* A victim gfn that never holds memory, and one beyond every P2M. */
#define ADV_HOLE_GFN 0x90000ULL
#define ADV_HUGE_GFN 0xfffffffffULL

/* The victim's grant table: one frame at region 0. */
#define ADV_GNTTAB_GPA 0x38000000ULL
#define ADV_GNTTAB_GFN (ADV_GNTTAB_GPA >> 12)
#define ADV_GNT_ENTRIES 512

/* Grant references the victim sets up (all for the attacker unless said). */
#define ADV_REF_RW 8         /* permit_access, data page 0 */
#define ADV_REF_RO 9         /* permit_access|readonly, data page 1 */
#define ADV_REF_OTHER 10     /* permit_access for the backend, data page 2 */
#define ADV_REF_TRANSFER 11  /* accept_transfer */
#define ADV_REF_TRANSIT 12   /* transitive */
#define ADV_REF_SUBPAGE 13   /* permit_access|sub_page, data page 3 */
#define ADV_REF_HOLE 14      /* permit_access of ADV_HOLE_GFN */
#define ADV_REF_TABLE 15     /* permit_access of the table frame itself */
#define ADV_REF_CACHE 16     /* permit_access|PCD, data page 3 */
#define ADV_REF_INVALID 17   /* flags 0, data page 3 */
#define ADV_REF_PIN 18       /* permit_access|readonly, data page 4 (pin limit) */
#define ADV_REF_HUGE 19      /* permit_access of ADV_HUGE_GFN */
#define ADV_PIN_LIMIT 128    /* maps of one entry by one domain before refusal */

/* Where the attacker/backend put mappings: inside their extended region. */
#define ADV_MAP_GPA 0x80000000ULL
#define ADV_MAP_SIZE (16ULL << 20)
/* A page the attacker populates at the end of ADV_MAP_GPA..+SIZE whose
 * successor is empty: argument arrays that run off it fault. */
#define ADV_EDGE_GPA (ADV_MAP_GPA + ADV_MAP_SIZE - 0x200000ULL)

/* Reclaim scenario: the backend maps this many victim data pages at
 * ADV_MAP_GPA and leaves them mapped when it stops. */
#define ADV_RECLAIM_KEEP 8

/* Event channels: the victim's unbound ports (Xen hands out the lowest
 * free port >= 1, so its first two allocations get these). */
#define ADV_EVT_FOR_BACKEND 1  /* unbound, reserved for the backend */
#define ADV_EVT_FOR_ATTACKER 2 /* unbound, for the attacker */
#define ADV_EVT_MAX_TRY 8192u  /* allocations tried before giving up on -ENOSPC (2-level: 4096 ports) */

/*
 * virtio scenario (guest/tests/adversary/virtio.c): the backend d3
 * (backend-for d1, d2 and d5) runs the real device model
 * (xen/virtio_mmio_dev.h) for two frontends at once: d1 well-behaved, d2
 * the liar. Each has a window at ADV_VIO_GPA with line ADV_VIO_SPI and a
 * RAM store of ADV_VIO_SECTORS. d4 touches its window before any server
 * exists (phase 0), d5 after the backend destroyed its server (phase 2):
 * both are stopped as Xen's Arm stops an access nobody takes.
 */
#define ADV_VIO_EARLY 4
#define ADV_VIO_LATE 5
#define ADV_VIO_GPA 0x02000000ULL
#define ADV_VIO_SPI 33
#define ADV_VIO_SECTORS 256ULL
/* A frontend's last access: this 4-byte write at this window offset (the
 * read-only config space; the device model never sees it). The backend
 * answers d1's and, while d2's vCPU waits for the answer, destroys d2's
 * server instead (the access completes with all ones). */
#define ADV_VIO_BYE 0x1fc
#define ADV_VIO_BYE_MAGIC 0x21455942u
/* In d1's RAM (claimed by d1): the backend writes ADV_VIO_LIAR_DONE there
 * through its pre-mapping once the liar said bye, so that d1's last
 * round of I/O comes after every lie. In d2's RAM (claimed by d2): the
 * liar leaves there, before its bye, how many of its descriptor-flipping
 * requests the device refused (that varies), which the backend reads. */
#define ADV_VIO_FLAG_GPA ADV_DATA_GPA
#define ADV_VIO_LIAR_DONE 0x4c494152u
/* What the backend's device for d2 must have counted: chains completed as
 * malformed (besides the flipped ones), well-formed requests answered
 * IOERR. */
#define ADV_VIO_LIAR_BAD_CHAINS 18
#define ADV_VIO_LIAR_IOERR 7

#endif
