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
#define VB_SECTORS 256ULL /* 128 KiB */
/* Scenario virtio-blk-file: the backend's VMM block device (default 256
 * KiB) holds the disk instead of a RAM store. */
#define VB_BLK_GPA 0x28000000ULL
#define VB_REQ 4096u	  /* bytes per data request */
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
