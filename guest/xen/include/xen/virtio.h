/*
 * virtio-mmio (version 2), the split virtqueue and virtio-blk: the numbers
 * both sides use (xen-facts-devices 8). Plain constants and layouts.
 */
#ifndef XEN_VIRTIO_H
#define XEN_VIRTIO_H

#include <stdint.h>

/* Register offsets from the window's base (32-bit registers below 0x100). */
#define VIRTIO_MMIO_MAGIC 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEV_FEATURES 0x010
#define VIRTIO_MMIO_DEV_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRV_FEATURES 0x020
#define VIRTIO_MMIO_DRV_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INT_STATUS 0x060
#define VIRTIO_MMIO_INT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LO 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HI 0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LO 0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HI 0x094
#define VIRTIO_MMIO_QUEUE_USED_LO 0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HI 0x0a4
#define VIRTIO_MMIO_CONFIG_GEN 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100
#define VIRTIO_MMIO_SIZE 0x200 /* the window libxl gives each device */

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u /* "virt" */
#define VIRTIO_ID_BLOCK 2

/* Status bits. */
#define VIRTIO_ST_ACKNOWLEDGE 1u
#define VIRTIO_ST_DRIVER 2u
#define VIRTIO_ST_DRIVER_OK 4u
#define VIRTIO_ST_FEATURES_OK 8u
#define VIRTIO_ST_NEEDS_RESET 0x40u
#define VIRTIO_ST_FAILED 0x80u

/* Feature bits. */
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_FLUSH 9

/* virtio-blk config space (offsets from VIRTIO_MMIO_CONFIG). */
#define VIRTIO_BLK_CFG_CAPACITY 0 /* u64, sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 8 /* u32, bytes of one data segment */
#define VIRTIO_BLK_CFG_SEG_MAX 12 /* u32, data segments of one request */

/* Interrupt status bits. */
#define VIRTIO_INT_USED 1u
#define VIRTIO_INT_CONFIG 2u

/* Split virtqueue. */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

/* virtio-blk requests. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_SECTOR 512u

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

#endif
