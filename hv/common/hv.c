/*
 * The hypervisor instance's services that need nothing above common/:
 * logging, locking, host allocation (failure-injectable), marking a domain
 * crashed. Setting the instance up and tearing it down calls the
 * subsystems, so it is dom/'s (hv_init, hv_destroy in dom/domain.c);
 * realization batching works on the frame table, so it is mm/'s
 * (mm/realize.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/diag.h>
#include <hv/hv.h>
#include <public/xen.h>

void hv_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "memvisor: hypervisor bug at %s:%d: %s\n", file, line, cond);
	abort();
}

void hv_log(struct hv *hv, enum hv_log_level lvl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!hv->cfg.log || lvl > hv->cfg.log_level)
		return;
	va_start(ap, fmt);
	diag_vfmt(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	hv->cfg.log(hv->cfg.log_ctx, lvl, buf);
}

/* The owner record (builds without NDEBUG): the hypervisor locks this
 * thread holds, kept per thread (no shared cache line is written, no
 * atomics). A thread holds at most a few instances' locks at once (tests
 * run several instances, never nested deeply). */
#ifndef NDEBUG
#define HV_HELD_MAX 4
static __thread const struct hv *held[HV_HELD_MAX];
static __thread unsigned int nr_held;
#endif

static void owner_set(struct hv *hv)
{
#ifndef NDEBUG
	BUG_ON(nr_held == HV_HELD_MAX);
	held[nr_held++] = hv;
#else
	(void)hv;
#endif
}

static void owner_clear(struct hv *hv)
{
#ifndef NDEBUG
	/* unlocking a lock this thread does not hold is a bug */
	for (unsigned int i = nr_held; i-- > 0;) {
		if (held[i] == hv) {
			held[i] = held[--nr_held];
			return;
		}
	}
	BUG_ON(true);
#else
	(void)hv;
#endif
}

void hv_lock(struct hv *hv)
{
	pthread_mutex_lock(&hv->lock);
	owner_set(hv);
}

void hv_unlock(struct hv *hv)
{
	owner_clear(hv);
	pthread_mutex_unlock(&hv->lock);
}

bool hv_lock_held(struct hv *hv)
{
#ifndef NDEBUG
	for (unsigned int i = 0; i < nr_held; i++)
		if (held[i] == hv)
			return true;
	return false;
#else
	(void)hv;
	return true;
#endif
}

int hv_cond_wait(struct hv *hv, pthread_cond_t *c, const struct timespec *abstime)
{
	int rc;

	owner_clear(hv);
	rc = abstime ? pthread_cond_timedwait(c, &hv->lock, abstime)
		     : pthread_cond_wait(c, &hv->lock);
	owner_set(hv);
	return rc;
}

bool hv_failinject_hit(struct hv *hv)
{
#ifdef HV_FAILINJECT
	hv->fi_calls++;
	if (hv->fi_nth && hv->fi_calls == hv->fi_nth) {
		hv->fi_failed++;
		return true;
	}
#else
	(void)hv;
#endif
	return false;
}

void *hv_malloc(struct hv *hv, size_t sz)
{
	if (hv_failinject_hit(hv))
		return NULL;
	return malloc(sz);
}

void *hv_calloc(struct hv *hv, size_t n, size_t sz)
{
	if (hv_failinject_hit(hv))
		return NULL;
	return calloc(n, sz);
}

void *hv_realloc(struct hv *hv, void *p, size_t sz)
{
	if (hv_failinject_hit(hv))
		return NULL;
	return realloc(p, sz);
}

void hv_free(void *p) { free(p); }

void *hv_alloc_table(struct hv *hv)
{
	void *t;

	if (hv_failinject_hit(hv))
		return NULL;
	t = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (t)
		memset(t, 0, PAGE_SIZE);
	return t;
}

void hv_domain_crash(struct domain *d, const char *why)
{
	struct hv *hv = d->hv;

	HV_ASSERT_LOCKED(hv);
	if (d->state == DOMS_running) {
		d->state = DOMS_shutdown;
		d->shutdown_reason = SHUTDOWN_crash;
		snprintf(d->crash_why, sizeof(d->crash_why), "%s", why);
	}
	hv->st.domain_crashes++;
	hv_err(hv, "d%u crashed: %s", d->id, why);
}
