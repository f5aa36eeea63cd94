/*
 * A virtio-mmio (version 2) block device served by a backend domain from
 * the IOREQs of its server (xen-facts-devices 7, 8).
 *
 * The frontend's RAM is reached only through a mapping the backend made
 * in advance (per RAM bank a frame list `local`: the bank's frame i at
 * local frame local[i]); nothing is mapped per request. Every guest
 * address the device touches (rings, descriptors' buffers) is checked as
 * a whole range [addr, addr + len) against the banks before use: it must
 * lie inside one of them (banks never touch in guest space, so a range
 * over two is not RAM of one piece).
 *
 * Invariants and rules (pitfalls 9-12):
 * - The queue's size is the driver's (a power of two <= VMDEV_QUEUE_MAX);
 *   QueueReady=1 is refused (stays 0) unless the features were accepted
 *   (FEATURES_OK, so VERSION_1 is in) and the three areas lie in RAM,
 *   aligned; addresses and size are frozen while the queue is ready.
 * - Status only gains bits until a reset (a driver cannot take back
 *   FEATURES_OK or DRIVER_OK to renegotiate under a ready queue);
 *   DEVICE_NEEDS_RESET is set by the device only.
 * - A chain walk visits at most `num` descriptors (a loop ends it) and
 *   refuses INDIRECT; a malformed chain completes with length 0 (and the
 *   status byte IOERR when the last descriptor is a writable one in RAM),
 *   so the driver never waits for it, and the device stays usable.
 * - An available index more than `num` ahead of the device is a broken
 *   driver: DEVICE_NEEDS_RESET, nothing more is processed until reset.
 * - Used ring: element, write barrier, idx (u16 arithmetic); then the
 *   interrupt status bit and XEN_DMOP_set_irq_level(irq, 1).
 * - Storage: a RAM store of the backend (`disk`, `sectors` of 512 bytes),
 *   or the owner's `store_rw` (e.g. the VMM block device of the backend
 *   domain); a request reaching past `sectors` completes with
 *   VIRTIO_BLK_S_IOERR before storage is touched, and so does a failed
 *   store_rw.
 * - Block storage (`store_blocks`, vmdev_use_blkdev): ONE storage command
 *   per request. The request's 4 KiB blocks are listed once: a block that
 *   a page-aligned whole page of the frontend covers is that page's local
 *   frame (no copy in the backend), any other block a bounce page of ours
 *   (the frontend's pieces copied in or out; a write first reads the first
 *   and last block when the request covers them only in part). Then one
 *   store_blocks moves the whole run. A request over VMDEV_BLK_MAX blocks
 *   completes IOERR untouched; the advertised SIZE_MAX/SEG_MAX keep a
 *   conforming driver below that (VMDEV_SEG_MAX * VMDEV_SIZE_MAX bytes at
 *   any sector offset touch at most VMDEV_BLK_MAX blocks). So a request
 *   is never split over two writes of the storage: with the VMM block
 *   device's clean-shutdown rule (vmm/blkdev.h), the disk never holds half
 *   of one.
 */
#ifndef XEN_VIRTIO_MMIO_DEV_H
#define XEN_VIRTIO_MMIO_DEV_H

#include <public/ioreq.h>
#include <public/xen.h>
#include <rt/rt.h>
#include <xen/virtio.h>

#define VMDEV_QUEUE_MAX 256
#define VMDEV_BLK 4096u      /* block of store_blocks */
#define VMDEV_BLK_MAX 512u   /* blocks of one store_blocks (the VMM device's COUNT max) */
#define VMDEV_SIZE_MAX 131072u /* advertised: bytes of one data descriptor */
#define VMDEV_SEG_MAX 15u     /* advertised: data descriptors of one request */
_Static_assert((VMDEV_SEG_MAX * VMDEV_SIZE_MAX) / VMDEV_BLK + 1 <= VMDEV_BLK_MAX,
	       "a conforming request fits one storage command at any sector offset");

struct vmdev_stats {
	uint64_t requests;    /* chains completed */
	uint64_t bad_chains;  /* completed as malformed */
	uint64_t ioerr;       /* well-formed, answered IOERR */
	uint64_t irqs;        /* set_irq_level calls */
	uint64_t store_ops;   /* store_blocks calls (a write request: one) */
	uint64_t direct_blocks, bounced_blocks; /* blocks by frontend frame / bounce */
};

/* One RAM bank of the frontend and where its frames are mapped here. */
struct vmdev_bank {
	uint64_t gpa, frames;
	const xen_pfn_t *local;
};

struct vmdev {
	/* Set by the owner before vmdev_reset. */
	domid_t fe;              /* the frontend (dm_op target) */
	uint64_t base;           /* the window's guest-physical address */
	uint32_t irq;            /* the device line (SPI number) */
	/* The frontend's RAM: banks[0..nr_banks), or when nr_banks is 0 the
	 * one bank (ram_gpa, ram_frames, local). */
	const struct vmdev_bank *banks;
	unsigned int nr_banks;
	uint64_t ram_gpa;
	uint64_t ram_frames;
	const xen_pfn_t *local;  /* where each of its frames is mapped here */
	uint8_t *disk;
	uint64_t sectors;
	/* Optional storage in place of `disk`: moves len bytes (a multiple of
	 * 512) at byte offset off of the disk to (write false) or from the
	 * frontend's RAM at gpa (a range already checked). 0 or -errno. */
	int (*store_rw)(struct vmdev *d, bool write, uint64_t off, uint64_t gpa, uint32_t len);
	/* Optional block storage, used before store_rw: moves count
	 * (1..VMDEV_BLK_MAX) whole VMDEV_BLK blocks from block blk on to
	 * (write false) or from the pages at OUR guest-physical addresses
	 * pages[0..count), in one operation of the storage. 0 or -errno. */
	int (*store_blocks)(struct vmdev *d, bool write, uint64_t blk, const uint64_t *pages,
			    unsigned int count);
	int (*store_flush)(struct vmdev *d); /* optional: FLUSH; 0 or -errno */
	uint8_t *bounce;         /* store_blocks: VMDEV_BLK_MAX pages of ours */
	void *store_ctx;
	/* Register file. */
	uint32_t status, dev_feat_sel, drv_feat_sel, queue_sel, isr;
	uint64_t drv_features;
	struct {
		uint32_t num;
		bool ready;
		uint64_t desc, avail, used;
		uint16_t last_avail; /* next available entry to take */
		uint16_t used_idx;   /* next used entry to write */
	} q;
	bool kicked; /* a QueueNotify not processed yet */
	struct vmdev_stats st;
};

/* The features the device offers. */
uint64_t vmdev_features(void);
/* Back to the state after power-on (registers, queue; not the storage). */
void vmdev_reset(struct vmdev *d);
/*
 * Serves one IOREQ of the window (type COPY, count 1, no data pointer;
 * anything else reads as all ones and writes nothing). 0 (no error case
 * yet). A QueueNotify only marks the queue: the owner answers the IOREQ
 * first and then calls vmdev_process, as virtio-disk's I/O thread does,
 * so the driver really waits for the interrupt.
 */
int vmdev_ioreq(struct vmdev *d, struct ioreq *rq);
/* For store_rw: copies between the frontend's RAM range [gpa, gpa + len)
 * (checked: false, nothing copied, if it is not all RAM) and buf. */
bool vmdev_copy(const struct vmdev *d, uint64_t gpa, void *buf, uint64_t len, bool to_guest);
/* The local frame where the frontend's frame holding gpa is mapped (gpa
 * must be in RAM). */
xen_pfn_t vmdev_local_frame(const struct vmdev *d, uint64_t gpa);
/* Processes the queue if notified: 0, or the error of set_irq_level. */
int vmdev_process(struct vmdev *d);
/*
 * Block storage on the VMM block device of this domain (vmm/blkdev.h,
 * window at blk_base already mapped with rt_mmio_map): sets store_blocks
 * (READV/WRITEV: one command per request), store_flush (FLUSH) and the
 * bounce pages. 0 or -XEN_ENOMEM.
 */
int vmdev_use_blkdev(struct vmdev *d, uint64_t blk_base);

#endif
