/*
 * An emulated block device whose blocks live in a host file (seed
 * scenario, issue E item 4).
 *
 * The device belongs to one domain and sits at a 4 KiB MMIO window in that
 * domain's guest-physical space, like the DMA engine (vmm/dmadev.h). A
 * guest driver programs the first block (SECTOR, in 4 KiB blocks), the
 * guest-physical address of a page-aligned buffer (GPA) and a page count
 * (COUNT), then writes CMD: READ copies file -> guest, WRITE guest -> file.
 * The operation is complete when the write to CMD returns; STATUS says how
 * it went.
 *
 * Scatter-gather (one command per virtio request, docs/virtio.md): READV
 * and WRITEV take in GPA the page-aligned address of a guest page holding
 * a list of COUNT (1..BLKDEV_MAX_COUNT) little-endian u64 guest-physical
 * addresses of page-aligned buffer pages; block SECTOR + i moves to or
 * from entry i, and the file sees exactly ONE read or write (pread/pwrite
 * of the whole run of blocks). FLUSH writes the file back (fdatasync);
 * SECTOR, GPA and COUNT are not used.
 *
 * Clean shutdown: a WRITE or WRITEV reaches the file in one pwrite made
 * inside one VMM exit of the vCPU that wrote CMD. A vCPU is stopped (time
 * limit, a crash of its domain, the end of the run, and SIGINT/SIGTERM/
 * SIGHUP, which the runner turns into the same stop: vmm/runner.h) only
 * between exits, so a command is either wholly in the file or not at all.
 * The device also holds back the other asynchronous signals in its own
 * thread while it writes (a fatal signal pending for that thread cuts a
 * regular file's write short). Only SIGKILL, a fatal signal the process
 * does not route to the runner, or a host crash can tear a command.
 *
 * Registers (offsets in the window, 64-bit little-endian; 4- and 8-byte
 * accesses, 4-byte ones to either half):
 *   0x00 ID        RO  BLKDEV_ID
 *   0x08 SECTOR    RW  first block (4 KiB units)
 *   0x10 GPA       RW  guest-physical address of the buffer (page aligned)
 *   0x18 COUNT     RW  pages (1..BLKDEV_MAX_COUNT)
 *   0x20 CMD       WO  BLKDEV_CMD_READ / _WRITE / _READV / _WRITEV / _FLUSH:
 *                      starts the op
 *   0x28 STATUS    RO  BLKDEV_ST_DONE or BLKDEV_ST_ERROR | errno << 8
 *   0x30 CAPACITY  RO  blocks
 *   0x38 OPS       RO  operations completed (a READV, WRITEV or FLUSH is one)
 *   0x40 STATUS_GPA RW 0, or the guest-physical address (8-aligned) of a
 *                      u64 where every command's STATUS is also stored
 * Fewer exits for a driver: after a READ, WRITE, READV or WRITEV that
 * succeeded, SECTOR holds the block after the last one moved (a stream of
 * consecutive commands writes SECTOR once), and with STATUS_GPA set the
 * driver reads the status from its own memory instead of the register: a
 * sequential command is then the CMD write alone. The status store is a
 * checked guest write; a STATUS_GPA that is not writable memory of the
 * domain is skipped (the register still holds the status).
 * Errors (positive errno in STATUS bits 8-15): EINVAL bad command, count 0
 * or above the maximum, unaligned GPA or list entry, blocks beyond the
 * capacity (also when SECTOR + COUNT overflows); EFAULT the buffer (or
 * the list page, or a page it names) is not the domain's memory with the
 * access needed; EIO (or the host errno) the file failed. A failed WRITE
 * or WRITEV changes nothing in the file (the guest pages are copied out
 * before the file is written); a failed READ or READV may have filled a
 * prefix of the buffers.
 *
 * Single-threaded per device: the vCPUs of the domain that owns it take
 * turns (the runner's dev_lock). Transports call blkdev_mmio_read/write with the
 * guest-physical address of the access; both return false when the address
 * is not in this device's window.
 */
#ifndef VMM_BLKDEV_H
#define VMM_BLKDEV_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/hv.h>

#include "device.h"

#define BLKDEV_ID 0x31304b4c42564d4dULL /* reads as the bytes "MMVBLK01" */
#define BLKDEV_WINDOW 0x1000ULL
#define BLKDEV_BLOCK 4096ULL
#define BLKDEV_MAX_COUNT 512ULL /* pages per operation: 2 MiB (a list page holds 512) */
#define BLKDEV_DEFAULT_BLOCKS 64ULL /* 256 KiB: the seed scenario's disk */

#define BLKDEV_REG_ID 0x00
#define BLKDEV_REG_SECTOR 0x08
#define BLKDEV_REG_GPA 0x10
#define BLKDEV_REG_COUNT 0x18
#define BLKDEV_REG_CMD 0x20
#define BLKDEV_REG_STATUS 0x28
#define BLKDEV_REG_CAPACITY 0x30
#define BLKDEV_REG_OPS 0x38
#define BLKDEV_REG_STATUS_GPA 0x40

#define BLKDEV_CMD_READ 1ULL
#define BLKDEV_CMD_WRITE 2ULL
#define BLKDEV_CMD_READV 4ULL
#define BLKDEV_CMD_WRITEV 5ULL
#define BLKDEV_CMD_FLUSH 6ULL
#define BLKDEV_ST_DONE (1ULL << 0)
#define BLKDEV_ST_ERROR (1ULL << 1)
#define BLKDEV_ST_ERR_SHIFT 8

struct blkdev;

struct blkdev_stats {
	uint64_t reads, writes;               /* operations completed (READ, READV; */
	uint64_t flushes;                     /* WRITE, WRITEV; FLUSH), each one request */
	uint64_t bytes_read, bytes_written;   /* file -> guest, guest -> file */
	uint64_t errors;                      /* operations refused or failed */
	uint64_t zero_copy_bytes;             /* of the bytes, moved without the bounce */
};

/*
 * A device of domain d at guest-physical [mmio_base, +BLKDEV_WINDOW) over
 * the open file fd (not owned: the caller closes it after destroying the
 * device), with `blocks` blocks. The file should be at least that long;
 * blocks past its end read as zeros. NULL on OOM.
 */
struct blkdev *blkdev_create(struct hv *hv, struct domain *d, paddr_t mmio_base, int fd,
			     uint64_t blocks);
void blkdev_destroy(struct blkdev *dev);
bool blkdev_mmio_write(struct blkdev *dev, paddr_t gpa, unsigned int size, uint64_t val);
bool blkdev_mmio_read(struct blkdev *dev, paddr_t gpa, unsigned int size, uint64_t *val);
void blkdev_get_stats(const struct blkdev *dev, struct blkdev_stats *st);

/* What the block device model (device.h) takes as arg: its disk. Without
 * one, the device has no disk (capacity 0: every operation is refused). */
struct blkdev_disk {
	int fd;          /* not closed by the device */
	uint64_t blocks; /* capacity in BLKDEV_BLOCK blocks */
};
extern const struct vmm_device_model blkdev_model;

/*
 * Opens (creating when missing) the disk file at path for `blocks` blocks:
 * a shorter file is extended with zeros, a longer one is kept as it is.
 * The fd, or -errno.
 */
int blkdev_open_file(const char *path, uint64_t blocks);

/* Tests: fn(arg) runs inside every zero-copy command while its guest
 * frames are pinned and the hypervisor lock is free (NULL: none). */
void blkdev_set_pinned_hook(struct blkdev *dev, void (*fn)(void *), void *arg);

#endif
