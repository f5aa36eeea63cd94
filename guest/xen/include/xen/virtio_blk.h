/*
 * virtio-blk frontend over virtio-mmio version 2 (xen-facts-devices 8).
 *
 * One queue of VBLK_QSIZE descriptors; request slot k owns the
 * VBLK_SLOT_DESCS descriptors from VBLK_SLOT_DESCS * k: the header, the
 * data (a buffer split at the device's SIZE_MAX and where it stops being
 * physically contiguous, at most the device's SEG_MAX and VBLK_MAX_SEGS
 * pieces), then the status; up to VBLK_SLOTS requests are in flight.
 * The caller binds the device's line (EVTCHNOP_bind_pirq; it also tells
 * when the backend serves the window) and passes the port; waiting consumes
 * its event (xevtchn_wait, so xevtchn_init must have run).
 *
 * Exits per request: completion is read from the used ring, never from
 * InterruptStatus: a wait that finds its requests done costs no register
 * access; only an event during a wait that brings no completion (a config
 * change, e.g. DEVICE_NEEDS_RESET) makes the driver read and acknowledge
 * InterruptStatus. An event already pending when a wait starts is the
 * late one of completions seen in the ring before it came, and is taken
 * silently (a config change among them shows as requests that never
 * complete: the wait times out). The device raises the line for every batch of
 * completions whatever the status bits say (XEN_DMOP_set_irq_level: each
 * level 1 raises it again), so leaving bit 0 set loses nothing. One
 * request alone: the QueueNotify write and one SCHEDOP_poll (whose
 * deadline comes from an earlier clock read, see vblk_wait). Errors are
 * negative Xen errnos.
 */
#ifndef XEN_VIRTIO_BLK_H
#define XEN_VIRTIO_BLK_H

#include <public/event_channel.h>
#include <rt/rt.h>
#include <xen/virtio.h>

#define VBLK_QSIZE 256
#define VBLK_SLOTS 16
#define VBLK_SLOT_DESCS (VBLK_QSIZE / VBLK_SLOTS)
#define VBLK_MAX_SEGS (VBLK_SLOT_DESCS - 2)

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
	uint32_t size_max; /* bytes of one data descriptor (SIZE_MAX, else no limit) */
	uint32_t seg_max;  /* data descriptors of one request (SEG_MAX, else ours) */
	struct vring_desc *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[] */
	volatile uint8_t *used;		/* flags, idx, ring[] of vring_used_elem */
	struct vblk_slot *slot;
	uint16_t avail_idx, last_used;
	unsigned int in_flight;
	unsigned long irqs; /* events consumed */
	unsigned long isr_reads; /* events that brought no completion */
	uint64_t clock;     /* the hypervisor clock when last read (vblk_wait) */
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
 * when all are in flight, -XEN_EINVAL for a buffer needing more pieces than
 * seg_max / VBLK_MAX_SEGS (vblk_max_len: the most that always fits).
 */
int vblk_submit(struct vblk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len);
/* The largest buffer that always fits one request (physically contiguous). */
uint32_t vblk_max_len(const struct vblk *b);
/* Makes everything queued visible and notifies the device. */
void vblk_kick(struct vblk *b);
/* Waits until no request is in flight: 0, or -XEN_ETIMEDOUT after at
 * least timeout_ns (at most about twice that). */
int vblk_wait(struct vblk *b, uint64_t timeout_ns);
/* Submits and waits for one request: its status byte, or a negative errno. */
int vblk_rw(struct vblk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len);
/* Resets the device (status 0). */
void vblk_reset(struct vblk *b);

#endif
