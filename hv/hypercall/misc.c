/*
 * console_io and sched_op (xen_version is in version.c).
 */
#include <errno.h>
#include <string.h>

#include <hv/console.h>
#include <hv/event.h>
#include <hv/guest_access.h>
#include <hv/hv.h>
#include <public/xen.h>

#include "handlers.h"

#define CONSOLE_CHUNK 256
#define CONSOLE_MAX (64 * 1024)

int64_t do_console_io(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	uint64_t count = hc->args[1], buf = hc->args[2];
	char tmp[CONSOLE_CHUNK];

	switch (hc->args[0]) {
	case CONSOLEIO_write:
		if (count > CONSOLE_MAX)
			return -EINVAL;
		while (count) {
			size_t n = MIN(count, sizeof(tmp));

			if (copy_from_guest(d, tmp, buf, n))
				return -EFAULT;
			if (hv->console)
				hv->console(hv->console_ctx, d, tmp, n);
			buf += n;
			count -= n;
		}
		return 0;
	case CONSOLEIO_read:
		/* The console input ring (console.c). */
		return console_read(hv, d, buf, count);
	default:
		return -ENOSYS;
	}
}

int64_t do_sched_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	struct sched_shutdown s;

	switch (hc->args[0]) {
	case SCHEDOP_yield:
		return 0;
	case SCHEDOP_block:
		/* Sleeps until an upcall is due or hv_vcpu_wake (hv/event/sched.c). */
		return evtchn_sched_block(hv, d, hc->vcpu);
	case SCHEDOP_poll:
		return evtchn_sched_poll(hv, d, hc->vcpu, hc->args[1]);
	case SCHEDOP_shutdown:
	case SCHEDOP_shutdown_code:
		if (copy_from_guest(d, &s, hc->args[1], sizeof(s)))
			return -EFAULT;
		if (s.reason > SHUTDOWN_soft_reset)
			return -EINVAL;
		if (hc->args[0] == SCHEDOP_shutdown_code) {
			/* Latched, not acted on; the last one counts. */
			d->shutdown_code_set = true;
			d->shutdown_code = s.reason;
			return 0;
		}
		evtchn_domain_shutdown(d, s.reason);
		return 0;
	default:
		return -ENOSYS;
	}
}

void hv_set_console_sink(struct hv *hv, hv_console_sink_t sink, void *ctx)
{
	hv_lock(hv);
	hv->console = sink;
	hv->console_ctx = ctx;
	hv_unlock(hv);
}
