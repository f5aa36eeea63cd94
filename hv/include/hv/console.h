/*
 * Console input (issue 16): the bytes the operator types, or the VMM
 * sends, to the domain that holds the console, as Xen's serial input
 * reaches the hardware domain.
 *
 * Xen keeps one input ring in the hypervisor (128 bytes, serial_rx_ring
 * in drivers/char/console.c): a received character goes in unless the
 * ring is full (then it is dropped), VIRQ_CONSOLE is sent to the global
 * VIRQ's handler every time (also when it was dropped, so a reader that
 * missed one wake-up is woken again), and CONSOLEIO_read takes bytes out
 * in order for a caller the XSM policy lets use the console (the dummy
 * policy: a privileged domain; -EPERM for the others).
 *
 * memvisor's ring is the same but larger (HV_CONIN_SIZE) and never drops
 * silently: hv_console_input takes what fits and says how much, so the
 * feeder (the VMM's control socket, which sends whole commands with a
 * kernel image) keeps the rest and waits for room with
 * hv_console_input_wait, which the reader's CONSOLEIO_read wakes. What
 * a feeder gives up on is its own to report; hv->conin.refused counts
 * the bytes that found the ring full.
 *
 * Invariants (hv_audit): cons <= prod, prod - cons <= HV_CONIN_SIZE (the
 * free-running indices are also the totals queued and read).
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct hv;
struct domain;

/* The ring itself (struct hv_conin, HV_CONIN_SIZE) is in hv.h: struct hv
 * holds it, and common/ may not include this header. */

/* Queues up to len bytes for the console's reader (takes the lock).
 * Returns how many were taken, from the start of buf (0 when the ring is
 * full: the caller keeps the rest and may hv_console_input_wait). Raises
 * VIRQ_CONSOLE at the global VIRQ handler whenever len > 0, as Xen does. */
size_t hv_console_input(struct hv *hv, const void *buf, size_t len);
/* Sleeps (lock released) until the ring has room or timeout_ms passed.
 * 0 when there is room, -ETIMEDOUT otherwise. Takes the lock. */
int hv_console_input_wait(struct hv *hv, unsigned int timeout_ms);
/* Bytes queued and not yet read (takes the lock). */
size_t hv_console_input_pending(struct hv *hv);

/* CONSOLEIO_read for d (lock held): up to count bytes to guest address
 * buf; the number read, or -EPERM (not privileged), -E2BIG (count above
 * INT_MAX), -EFAULT (what was copied before the fault is consumed, as on
 * Xen). */
int64_t console_read(struct hv *hv, struct domain *d, uint64_t buf, uint64_t count);
/* Checks the ring's invariants (lock held); 0 or -1 with the finding in
 * buf. */
int console_audit(struct hv *hv, char *buf, size_t len);

#endif
