/*
 * An emulated DMA engine behind the IOMMU (PV IOMMU, issue F).
 *
 * The device belongs to one domain and sits at a 4 KiB MMIO window in
 * that domain's guest-physical space. A guest driver programs source and
 * destination BUS addresses and a length, then writes CTRL_START; the
 * engine copies through the domain's IOMMU context (iommu_dma_copy), so a
 * transfer touching an unmapped or read-only BFN faults, moves no data,
 * and is reported to the domain (STATUS, FAULT_ADDR, iommu_stats). The
 * copy completes before the write that started it returns.
 *
 * Registers (offsets in the window, 64-bit little-endian; 4- and 8-byte
 * accesses, 4-byte ones to either half):
 *   0x00 ID         RO  DMADEV_ID
 *   0x08 SRC        RW  source bus address
 *   0x10 DST        RW  destination bus address
 *   0x18 LEN        RW  bytes (at most DMADEV_MAX_LEN)
 *   0x20 CTRL       WO  DMADEV_CTRL_START starts a transfer
 *   0x28 STATUS     RO  DMADEV_ST_* ; bits 8-15: positive errno of a fault
 *   0x30 FAULT_ADDR RO  first faulting bus address
 *   0x38 DONE_COUNT RO  transfers completed
 *
 * Transports: the KVM MMIO exit handler and in-process guests call
 * dmadev_mmio_read/write with the guest-physical address of the access;
 * both return false when the address is not in this device's window.
 */
#ifndef VMM_DMADEV_H
#define VMM_DMADEV_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/hv.h>

#include "device.h"

#define DMADEV_ID 0x31304d4444564d4dULL /* reads as the bytes "MMVDDM01" */
#define DMADEV_WINDOW 0x1000ULL
#define DMADEV_MAX_LEN (16ULL << 20)

#define DMADEV_REG_ID 0x00
#define DMADEV_REG_SRC 0x08
#define DMADEV_REG_DST 0x10
#define DMADEV_REG_LEN 0x18
#define DMADEV_REG_CTRL 0x20
#define DMADEV_REG_STATUS 0x28
#define DMADEV_REG_FAULT_ADDR 0x30
#define DMADEV_REG_DONE_COUNT 0x38

#define DMADEV_CTRL_START 1ULL
#define DMADEV_ST_DONE (1ULL << 0)
#define DMADEV_ST_FAULT (1ULL << 1)
#define DMADEV_ST_FAULT_WRITE (1ULL << 2) /* the fault was on the destination */
#define DMADEV_ST_ERR_SHIFT 8

struct dmadev;

/* A device of domain d at guest-physical [mmio_base, +DMADEV_WINDOW). NULL on OOM. */
struct dmadev *dmadev_create(struct hv *hv, struct domain *d, paddr_t mmio_base);
void dmadev_destroy(struct dmadev *dev);
bool dmadev_mmio_write(struct dmadev *dev, paddr_t gpa, unsigned int size, uint64_t val);
bool dmadev_mmio_read(struct dmadev *dev, paddr_t gpa, unsigned int size, uint64_t *val);

/* The engine as a device model (device.h); it takes no arg. */
extern const struct vmm_device_model dmadev_model;

#endif
