/*
 * Xen's fixed Arm guest memory map (facts section 2; the values of Xen's
 * public arch-arm.h), shared by the hypervisor (hv/include/hv/extregion.h
 * includes this), the planner and the toolstack in Dom0 (guest code).
 * Plain numbers only: no types, nothing else to link.
 */
#ifndef COMMON_GUEST_LAYOUT_H
#define COMMON_GUEST_LAYOUT_H

#define GUEST_GNTTAB_BASE 0x38000000ULL
#define GUEST_GNTTAB_SIZE 0x01000000ULL
#define GUEST_MAGIC_BASE 0x39000000ULL
#define GUEST_MAGIC_SIZE 0x01000000ULL
#define GUEST_RAM0_BASE 0x40000000ULL   /* bank 0: up to 3 GiB */
#define GUEST_RAM0_SIZE 0xc0000000ULL
#define GUEST_RAM1_BASE 0x0200000000ULL /* bank 1: the rest */
#define GUEST_RAM1_SIZE 0xfe00000000ULL
#define GUEST_RAM_BANKS 2
#define GUEST_EVTCHN_PPI 31

/* libxl's virtio-mmio windows (libxl 4.17+, 66dd1c62b2; facts-devices
 * 7.2): device i at GUEST_VIRTIO_MMIO_BASE + i * GUEST_VIRTIO_MMIO_SIZE,
 * its interrupt SPI GUEST_VIRTIO_MMIO_SPI_FIRST + i, up to the last SPI. */
#define GUEST_VIRTIO_MMIO_BASE 0x02000000ULL
#define GUEST_VIRTIO_MMIO_SIZE 0x200ULL
#define GUEST_VIRTIO_MMIO_SPI_FIRST 33
#define GUEST_VIRTIO_MMIO_SPI_LAST 43

/* Extended regions: 2 MiB alignment, 64 MiB minimum (libxl's
 * EXT_REGION_MIN_SIZE; the hypervisor's MB(64)), at most 256 (libxl's
 * MAX_NR_EXT_REGIONS at 4.21+, the hypervisor's NR_MEM_BANKS at 4.17+). */
#define GUEST_EXT_REGION_ALIGN 0x200000ULL
#define GUEST_EXT_REGION_MIN 0x4000000ULL
#define GUEST_EXT_REGION_MAX 256

#endif
