/*
 * virtio-blk over IOREQ (issue 15): what the guest program
 * (guest/tests/virtio_blk/main.c) and the driver (tests/guest/virtio_blk.c)
 * agree on. The backend d3 (memvisor,backend-for d1) pre-maps all of the
 * frontend d1's RAM and serves a virtio-mmio block device at VB_MMIO_GPA
 * of d1 from a RAM store; d1's driver writes a pattern over the whole
 * disk, reads it back and then tries malformed requests.
 *
 * The frontend finds the window and its line in its device tree (a
 * virtio,mmio node as libxl writes it, given by the driver); the backend
 * takes them from these constants (no xenstore here).
 */
#ifndef VB_H
#define VB_H

#define VB_FE 1
#define VB_BE 3
#define VB_FE_RAM_GPA 0x40000000ULL
#define VB_FE_RAM (32ULL << 20)
#define VB_MMIO_GPA 0x02000000ULL /* libxl's GUEST_VIRTIO_MMIO_BASE */
#define VB_IRQ 33
#define VB_SECTORS 512ULL /* 256 KiB */
/* Scenario virtio-blk-file: the backend's VMM block device (default 256
 * KiB) holds the disk instead of a RAM store. */
#define VB_BLK_GPA 0x28000000ULL
#define VB_REQ 4096u	  /* bytes per data request */
/* One request of many pages (test of SEG_MAX/SIZE_MAX pieces): bytes, and
 * the skew of its buffer from a page boundary. */
#define VB_BIG (128u * 1024 + 3 * 512) /* over SIZE_MAX: two pieces at least */
#define VB_BIG_SKEW 512u
/* Blocks the file-backed device bounces: the two unaligned one-sector
 * requests (1 each), the skewed big write and read (bytes 1536..134144:
 * blocks 0-32, 33 each), the aligned read and rewrite around them (136704
 * bytes: only the partial last block, 1 each). */
#define VB_BOUNCED (2 + 2 * 33 + 2 * 1)
/* Scenario virtio-blk-stop: the backend's disk of VB_STOP_BLOCKS blocks
 * (all of it the virtio disk: bootarg disk=all), extents of
 * VB_STOP_REQ_SECTORS sectors one per VB_STOP_SLOT sectors, rewritten
 * generation after generation until the run's time limit. */
#define VB_STOP_BLOCKS 1024ULL
#define VB_STOP_SLOT 256u
#define VB_STOP_REQ_SECTORS 240u
#define VB_STOP_EXTENTS 32u
#define vb_stop_word(gen, sector, j) \
	(0x5354000000000000ULL | (((unsigned long long)(gen) & 0xffff) << 32) | \
	 ((unsigned long long)(sector) << 8) | (j))
#define vb_pattern(sector, j) (0x5642000000000000ULL | ((unsigned long long)(sector) << 16) | (j))

/* What the backend's statistics must say at the end: requests completed,
 * malformed chains, well-formed requests answered IOERR. */
#define VB_BAD_CHAINS 3 /* buffer outside RAM, a loop, INDIRECT */
#define VB_IOERR 2	/* past the end twice (read, write) */
/* The frontend's resets after DRIVER_OK (the backend stops after the
 * last): 1 after DEVICE_NEEDS_RESET, 4 starting the refused queue set-ups,
 * 1 for the VERSION_1 refusal, 1 in the set-up after them, 1 at the end. */
#define VB_RESETS 8

#endif
