/*
 * memvisor bench events: event-channel costs (issue 14, docs/events.md)
 * with the bench guest "event" (guest/bench/event/main.c) under the normal
 * runner, so that delivery takes exactly the path of `memvisor run`: the
 * hypervisor's vcpu_kick, the transport's injection (KVM_INTERRUPT on KVM,
 * a signal in-process), the runtime's interrupt entry.
 *
 * - round trip between two domains: ping sends, pong's upcall handler sends
 *   back, ping's handler sees it. Ping waits in SCHEDOP_block or spinning
 *   in guest code (then the reply must kick its vCPU out of KVM_RUN). Its
 *   limit: the two sends are two hypercalls, so two hypercall round trips
 *   (measured in the same guest just before).
 * - host CPU time of a domain sleeping in SCHEDOP_poll for one second: the
 *   process's CPU time for a run that polls 1 s minus one that does not
 *   poll (boot and shutdown cancel out). Target under 1% of a core.
 *
 * The guest times itself with HVMOP_get_time (the host's CLOCK_MONOTONIC)
 * and prints an "evbench:" line that is read back from its console.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <hv/build.h>
#include <hv/guestdt.h>
#include <public/event_channel.h>
#include <public/version.h>
#include <public/xen.h>

#include "bench.h"
#include "cli.h"
#include "elfload.h"
#include "inproc.h"
#include "runner.h"

/* bench_kvm_domain()'s RAM (bench_kvm.c) */
#define EV_RAM_BASE GiB(1)
#define EV_RAM MiB(64)
#define EV_ARG_GPA (EV_RAM_BASE + EV_RAM - PAGE_SIZE) /* before boot only */
#define EV_GNTTAB_BASE 0x38000000ULL
#define EV_GNTTAB_SIZE MiB(16)
#define EV_TIMEOUT_MS 30000
#define EV_ITERS_KVM 1000
#define EV_ITERS_INPROC 20000
#define EV_MAX_DOMS 2

void evbench_main(void);


/* A hypercall made for d before it runs, its argument in d's RAM. */
static int64_t ev_call(struct bench_genv *e, struct domain *d, unsigned int nr, unsigned int cmd,
		       void *arg, size_t len)
{
	struct hv_hcall hc = {.nr = nr, .args = {cmd, EV_ARG_GPA}};
	int64_t rc;

	hv_lock(&e->m.hv);
	rc = copy_to_guest_phys(d, EV_ARG_GPA, arg, len);
	hv_unlock(&e->m.hv);
	if (rc)
		return rc;
	rc = hv_hypercall_run(&e->m.hv, d, &hc);
	hv_lock(&e->m.hv);
	copy_from_guest_phys(d, arg, EV_ARG_GPA, len);
	hv_unlock(&e->m.hv);
	return rc;
}

static int ev_open(struct bench_genv *e, bool kvm, char *why, size_t whylen)
{
	return bench_genv_open(e, kvm, "bench-event.elf", MiB(512), true, why, whylen);
}

static void ev_close(struct bench_genv *e)
{
	bench_genv_close(e);
}

/*
 * Runs n domains (already created) with the given bootargs to their end;
 * the guests' console in out (malloc'ed). 0, or -1 with why.
 */
static int ev_run(struct bench_genv *e, struct domain **d, const char **bootargs, unsigned int n,
		  char **out, char *why, size_t whylen)
{
	static const struct bench_run_cfg cfg = {
		.ram_base = EV_RAM_BASE, .ram_size = EV_RAM,
		.ext_base = GiB(64), .ext_size = GiB(64),
		.gnttab_base = EV_GNTTAB_BASE, .gnttab_size = EV_GNTTAB_SIZE,
		.guest_main = evbench_main, .label = "event", .timeout_ms = EV_TIMEOUT_MS,
	};

	return bench_genv_run(e, &cfg, d, bootargs, n, out, why, whylen);
}

/* Two domains and a channel between them: ping's port and pong's. */
static int ev_pair(struct bench_genv *e, struct domain *d[2], evtchn_port_t port[2], char *why,
		   size_t whylen)
{
	struct evtchn_alloc_unbound au;
	struct evtchn_bind_interdomain bi;
	int64_t rc;

	d[0] = bench_kvm_domain(&e->m, "ping", 0, 16);
	d[1] = bench_kvm_domain(&e->m, "pong", 0, 16);
	if (!d[0] || !d[1]) {
		snprintf(why, whylen, "cannot create the domains");
		return -1;
	}
	au = (struct evtchn_alloc_unbound){.dom = DOMID_SELF, .remote_dom = d[0]->id};
	rc = ev_call(e, d[1], __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &au,
		     sizeof(au));
	if (!rc) {
		bi = (struct evtchn_bind_interdomain){.remote_dom = d[1]->id,
						      .remote_port = au.port};
		rc = ev_call(e, d[0], __HYPERVISOR_event_channel_op, EVTCHNOP_bind_interdomain,
			     &bi, sizeof(bi));
	}
	if (rc) {
		snprintf(why, whylen, "cannot make the channel: %lld", (long long)rc);
		return -1;
	}
	port[0] = bi.local_port;
	port[1] = au.port;
	return 0;
}

static void ev_roundtrip(struct bench_out *o, bool kvm, bool spin)
{
	const char *name = kvm ? "events-kvm" : "events-inproc";
	unsigned long long iters = kvm ? EV_ITERS_KVM : EV_ITERS_INPROC, it, hc_ns, rt_ns;
	char why[512], args[2][128], what[160];
	const char *bootargs[2] = {args[0], args[1]};
	struct domain *d[2];
	evtchn_port_t port[2];
	struct bench_genv e;
	char *out, *line;

	if (ev_open(&e, kvm, why, sizeof(why))) {
		bench_skip(o, name, why);
		return;
	}
	if (ev_pair(&e, d, port, why, sizeof(why)))
		goto skip;
	snprintf(args[0], sizeof(args[0]), "role=1 port=%u iters=%llu wait=%d", port[0], iters,
		 spin ? 1 : 0);
	snprintf(args[1], sizeof(args[1]), "role=2 port=%u iters=%llu", port[1], iters);
	if (ev_run(&e, d, bootargs, 2, &out, why, sizeof(why)))
		goto skip;
	line = strstr(out, "evbench: iters=");
	if (!line || sscanf(line, "evbench: iters=%llu hcall_ns=%llu rt_ns=%llu", &it, &hc_ns,
			    &rt_ns) != 3 || !it) {
		snprintf(why, sizeof(why), "no result from the guest: %.300s", out);
		free(out);
		goto skip;
	}
	free(out);
	snprintf(what, sizeof(what), "event round trip between two domains, sender %s",
		 spin ? "spinning in guest code" : "blocked in SCHEDOP_block");
	bench_report(o, name, what, (double)rt_ns / (double)it / 1000.0, "us",
		     "two hypercall round trips", 2.0 * (double)hc_ns / (double)it / 1000.0, "");
	ev_close(&e);
	return;
skip:
	bench_skip(o, name, why);
	ev_close(&e);
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* CPU seconds of one idle run polling ms milliseconds; < 0 on failure. */
static double ev_idle_once(bool kvm, unsigned int ms, double *wall, char *why, size_t whylen)
{
	char args[64];
	const char *bootargs[1] = {args};
	struct domain *d;
	struct bench_genv e;
	double c0, t0, c;
	char *out;

	if (ev_open(&e, kvm, why, whylen))
		return -1;
	d = bench_kvm_domain(&e.m, "idle", 0, 16);
	if (!d) {
		snprintf(why, whylen, "cannot create the domain");
		ev_close(&e);
		return -1;
	}
	snprintf(args, sizeof(args), "role=3 ms=%u", ms);
	c0 = cpu_seconds();
	t0 = bench_now();
	if (ev_run(&e, &d, bootargs, 1, &out, why, whylen)) {
		ev_close(&e);
		return -1;
	}
	c = cpu_seconds() - c0;
	*wall = bench_now() - t0;
	free(out);
	ev_close(&e);
	return c;
}

static void ev_idle(struct bench_out *o, bool kvm)
{
	const char *name = kvm ? "events-kvm" : "events-inproc";
	double c0[3], c1[3], w0, w1, wall[3];
	char why[512];

	for (int i = 0; i < 3; i++) {
		c0[i] = ev_idle_once(kvm, 0, &w0, why, sizeof(why));
		c1[i] = ev_idle_once(kvm, 1000, &w1, why, sizeof(why));
		if (c0[i] < 0 || c1[i] < 0) {
			bench_skip(o, name, why);
			return;
		}
		wall[i] = w1 - w0;
	}
	for (int i = 0; i < 3; i++)
		c1[i] -= c0[i];
	bench_report(o, name, "host CPU of a domain blocked in SCHEDOP_poll for 1 s",
		     bench_median(c1, 3) / bench_median(wall, 3) * 100.0, "% of a core", "", 0,
		     "< 1%");
}

void bench_events(struct bench_out *o)
{
	ev_roundtrip(o, true, false);
	ev_roundtrip(o, true, true);
	ev_idle(o, true);
	ev_roundtrip(o, false, false);
	ev_roundtrip(o, false, true);
	ev_idle(o, false);
}
