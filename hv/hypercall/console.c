/*
 * Console input: the ring the VMM feeds and CONSOLEIO_read drains
 * (design and invariants in hv/console.h).
 *
 * Everything here runs under the hypervisor lock; the ring needs no lock
 * of its own. A feeder that finds the ring full sleeps on conin_space
 * with the lock released; every CONSOLEIO_read that took bytes wakes the
 * feeders, so a ring full because its reader is slow costs the feeder a
 * wait, never a byte.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <hv/console.h>
#include <hv/event.h>
#include <hv/guest_access.h>
#include <hv/hv.h>
#include <public/xen.h>

#define CONIN_MASK(i) ((size_t)((i) & (HV_CONIN_SIZE - 1)))

size_t hv_console_input(struct hv *hv, const void *buf, size_t len)
{
	struct hv_conin *c = &hv->conin;
	const uint8_t *p = buf;
	size_t room, n, done = 0;

	if (!len)
		return 0;
	hv_lock(hv);
	room = HV_CONIN_SIZE - (size_t)(c->prod - c->cons);
	n = MIN(len, room);
	while (done < n) {
		size_t at = CONIN_MASK(c->prod);
		size_t run = MIN(n - done, HV_CONIN_SIZE - at);

		memcpy(&c->buf[at], p + done, run);
		c->prod += run;
		done += run;
	}
	c->refused += len - done;
	/* Xen notifies even when nothing fitted: a reader that lost a
	 * wake-up is woken again by the next offer. */
	evtchn_send_global_virq(hv, VIRQ_CONSOLE);
	hv_unlock(hv);
	return done;
}

int hv_console_input_wait(struct hv *hv, unsigned int timeout_ms)
{
	struct hv_conin *c = &hv->conin;
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	hv_lock(hv);
	c->waiters++;
	while (c->prod - c->cons == HV_CONIN_SIZE)
		if (hv_cond_wait(hv, &hv->conin_space, &ts) == ETIMEDOUT) {
			rc = c->prod - c->cons == HV_CONIN_SIZE ? -ETIMEDOUT : 0;
			break;
		}
	c->waiters--;
	hv_unlock(hv);
	return rc;
}

size_t hv_console_input_pending(struct hv *hv)
{
	size_t n;

	hv_lock(hv);
	n = (size_t)(hv->conin.prod - hv->conin.cons);
	hv_unlock(hv);
	return n;
}

int64_t console_read(struct hv *hv, struct domain *d, uint64_t buf, uint64_t count)
{
	struct hv_conin *c = &hv->conin;
	int64_t rc = 0;

	/* Xen's dummy XSM policy for console_io: a privileged domain. */
	if (!(d->flags & DOMF_privileged))
		return -EPERM;
	/* The result is a count or an errno: a count must stay positive. */
	if (count > INT_MAX)
		return -E2BIG;
	while (c->prod != c->cons && (uint64_t)rc < count) {
		size_t at = CONIN_MASK(c->cons);
		size_t run = MIN((size_t)(c->prod - c->cons), HV_CONIN_SIZE - at);

		run = MIN(run, (size_t)(count - (uint64_t)rc));
		/* As Xen: a fault ends the call; the pieces copied before it
		 * are consumed. */
		if (copy_to_guest(d, buf + (uint64_t)rc, &c->buf[at], run)) {
			rc = -EFAULT;
			break;
		}
		rc += (int64_t)run;
		c->cons += run;
	}
	if (c->waiters && c->prod - c->cons < HV_CONIN_SIZE)
		pthread_cond_broadcast(&hv->conin_space);
	return rc;
}

int console_audit(struct hv *hv, char *buf, size_t len)
{
	const struct hv_conin *c = &hv->conin;

	if (c->cons > c->prod || c->prod - c->cons > HV_CONIN_SIZE) {
		snprintf(buf, len, "console input: %llu queued (prod %llu, cons %llu) in a ring "
			 "of %u", (unsigned long long)(c->prod - c->cons),
			 (unsigned long long)c->prod, (unsigned long long)c->cons, HV_CONIN_SIZE);
		return -1;
	}
	return 0;
}
