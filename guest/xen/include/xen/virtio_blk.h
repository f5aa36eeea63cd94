/*
 * virtio-blk frontend over virtio-mmio version 2 (xen-facts-devices 8).
 *
 * One queue of VBLK_QSIZE descriptors; request slot k owns descriptors
 * 3k (header), 3k+1 (data, one physically contiguous buffer of at most a
 * page) and 3k+2 (status), so up to VBLK_SLOTS requests are in flight.
 * The caller binds the device's line (EVTCHNOP_bind_pirq; it also tells
 * when the backend serves the window) and passes the port; waiting consumes
 * its event (xevtchn_wait_port, so xevtchn_init must have run) and
 * acknowledges the interrupt status. Errors are negative Xen errnos.
 */
#ifndef XEN_VIRTIO_BLK_H
#define XEN_VIRTIO_BLK_H

#include <public/event_channel.h>
#include <rt/rt.h>
#include <xen/virtio.h>

#define VBLK_QSIZE 64
#define VBLK_SLOTS 16

struct vblk_slot {
	struct virtio_blk_req_hdr hdr;
	uint8_t status;   /* the device's status byte */
	uint8_t busy;
	uint16_t pad;
	uint32_t used_len; /* what the used element said */
};

struct vblk {
	uint64_t base;
	evtchn_port_t port;
	uint64_t capacity; /* sectors */
	uint64_t features; /* negotiated */
	struct vring_desc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[] */
	volatile uint8_t *used;		/* flags, idx, ring[] of vring_used_elem */
	struct vblk_slot *slot;
	uint16_t avail_idx, last_used;
	unsigned int in_flight;
	unsigned long irqs; /* events consumed */
};

/*
 * The next virtio,mmio node after *node (-1: the first) with a window
 * (reg) and an SPI (interrupts, GIC form <0 n flags>: spi = n + 32), as
 * libxl writes them: 0, or -XEN_ENODEV when there is none. The device
 * behind it may be of any type: vblk_init checks.
 */
int vblk_find(const void *fdt, int *node, uint64_t *base, uint32_t *spi);
/* Probes and sets up the device at base, its line bound to port. */
int vblk_init(struct vblk *b, uint64_t base, evtchn_port_t port);
/*
 * Queues a request (not yet notified): type, sector, buf/len (IN: filled
 * by the device; OUT: sent; FLUSH: none). Returns the slot, or -XEN_EBUSY
 * when all are in flight, -XEN_EINVAL for a buffer over a page.
 */
int vblk_submit(struct vblk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len);
/* Makes everything queued visible and notifies the device. */
void vblk_kick(struct vblk *b);
/* Waits until no request is in flight: 0, or -XEN_ETIMEDOUT. */
int vblk_wait(struct vblk *b, uint64_t timeout_ns);
/* Submits and waits for one request: its status byte, or a negative errno. */
int vblk_rw(struct vblk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len);
/* Resets the device (status 0). */
void vblk_reset(struct vblk *b);

#endif
