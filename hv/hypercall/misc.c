/*
 * xen_version, console_io and sched_op.
 */
#include <errno.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/hv.h>
#include <public/version.h>
#include <public/xen.h>

#include "handlers.h"

static int put_string(struct domain *d, uint64_t gaddr, const char *s, size_t field)
{
	char buf[1024];

	BUG_ON(field > sizeof(buf));
	memset(buf, 0, field);
	strncpy(buf, s, field - 1);
	return copy_to_guest(d, gaddr, buf, field) ? -EFAULT : 0;
}

int64_t do_xen_version(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	uint64_t arg = hc->args[1];

	switch (hc->args[0]) {
	case XENVER_version:
		return XEN_VERSION_ENCODED;
	case XENVER_extraversion:
		return put_string(d, arg, ".0-memvisor", sizeof(xen_extraversion_t));
	case XENVER_capabilities:
		return put_string(d, arg, "hvm-3.0-x86_64", sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return put_string(d, arg, "memvisor " "0.1", sizeof(xen_changeset_info_t));
	case XENVER_compile_info: {
		struct xen_compile_info ci;

		memset(&ci, 0, sizeof(ci));
		strncpy(ci.compiler, "cc", sizeof(ci.compiler) - 1);
		strncpy(ci.compile_by, "memvisor", sizeof(ci.compile_by) - 1);
		strncpy(ci.compile_domain, "memvisor", sizeof(ci.compile_domain) - 1);
		strncpy(ci.compile_date, __DATE__, sizeof(ci.compile_date) - 1);
		return copy_to_guest(d, arg, &ci, sizeof(ci)) ? -EFAULT : 0;
	}
	case XENVER_platform_parameters: {
		struct xen_platform_parameters pp = {.virt_start = 0};

		return copy_to_guest(d, arg, &pp, sizeof(pp)) ? -EFAULT : 0;
	}
	case XENVER_get_features: {
		struct xen_feature_info fi;

		if (copy_from_guest(d, &fi, arg, sizeof(fi)))
			return -EFAULT;
		/* No optional features are offered yet: every submap is empty. */
		fi.submap = 0;
		return copy_to_guest(d, arg, &fi, sizeof(fi)) ? -EFAULT : 0;
	}
	case XENVER_pagesize:
		return (int64_t)PAGE_SIZE;
	case XENVER_guest_handle: {
		uint8_t h[16] = {0};

		return copy_to_guest(d, arg, h, sizeof(h)) ? -EFAULT : 0;
	}
	case XENVER_commandline:
		return put_string(d, arg, "", sizeof(xen_commandline_t));
	default:
		(void)hv;
		return -ENOSYS;
	}
}

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
		return 0; /* no input */
	default:
		return -ENOSYS;
	}
}

int64_t do_sched_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	struct sched_shutdown s;

	switch (hc->args[0]) {
	case SCHEDOP_yield:
	case SCHEDOP_block:
		return 0;
	case SCHEDOP_shutdown:
	case SCHEDOP_shutdown_code:
		if (copy_from_guest(d, &s, hc->args[1], sizeof(s)))
			return -EFAULT;
		if (s.reason > SHUTDOWN_soft_reset)
			return -EINVAL;
		d->shutdown_reason = s.reason;
		if (hc->args[0] == SCHEDOP_shutdown && d->state == DOMS_running) {
			d->state = DOMS_shutdown;
			hv_info(hv, "d%u shut down: reason %u", d->id, s.reason);
		}
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
