/*
 * Event-channel bits in shared_info for code that runs on any vCPU.
 *
 * The event-channel library (xen/evtchn.h) keeps its state in per-thread
 * storage when hosted (the in-process transport runs each vCPU in a thread
 * of its own), so on a vCPU other than 0 its bit helpers find no
 * shared_info and do nothing. Code that waits on other vCPUs takes the
 * shared_info address once on vCPU 0 (xevtchn()->shared, after
 * xevtchn_init) and uses these; freestanding they are the same bits.
 * The 2-level ABI's words are 64 bits for a 64-bit guest.
 */
#ifndef XEN_EVTCHN_BITS_H
#define XEN_EVTCHN_BITS_H

#include <public/xen.h>
#include <stdbool.h>

#define XEVB_WORD_BITS 64u

/* Clears port's pending bit; whether it was set. */
static inline bool xevb_take(struct shared_info *s, evtchn_port_t port)
{
	unsigned long bit = 1UL << (port % XEVB_WORD_BITS);

	return __atomic_fetch_and(&s->evtchn_pending[port / XEVB_WORD_BITS], ~bit,
				  __ATOMIC_ACQ_REL) & bit;
}

static inline bool xevb_pending(struct shared_info *s, evtchn_port_t port)
{
	return __atomic_load_n(&s->evtchn_pending[port / XEVB_WORD_BITS], __ATOMIC_ACQUIRE) &
	       (1UL << (port % XEVB_WORD_BITS));
}

/* Masked ports are still seen by SCHEDOP_poll, and raise no upcall. */
static inline void xevb_mask(struct shared_info *s, evtchn_port_t port)
{
	__atomic_fetch_or(&s->evtchn_mask[port / XEVB_WORD_BITS], 1UL << (port % XEVB_WORD_BITS),
			  __ATOMIC_ACQ_REL);
}

#endif
