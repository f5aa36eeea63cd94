/*
 * Runner (see runner.h).
 *
 * Threads: one per domain runs its transport loop; the caller's thread
 * waits for all of them with the time limit and then kicks whatever is
 * left. Domains a privileged guest creates while they run (XEN_DOMCTL_*,
 * docs/toolstack.md) get a slot in r->dyn at their first unpause (the
 * hypervisor's hook, lock held, only flags it), a thread of their own from
 * the service thread dyn_service, and are kicked by it when destroydomain
 * asks (domain_stop answers -EAGAIN until their run is over; then their
 * thread is joined and the slot freed, and the hypervisor tears the domain
 * down). Those left when the prepared domains end are stopped.
 * Console output arrives through the hypervisor's console sink,
 * which the core calls with its lock held, so the per-domain line buffers
 * need no lock of their own.
 */
#include <errno.h>
#include <libfdt.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hv/diag.h>
#include <hv/guest_access.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/p2m.h>
#include <public/hvm_save.h>
#include <public/xen.h>

#include "blkdev.h"
#include "device.h"
#include "dmadev.h"
#include "runner.h"

#define RUNNER_KICK_GRACE_MS 3000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

const char *runner_shutdown_name(unsigned int reason)
{
	static const char *const names[] = {"poweroff", "reboot", "suspend",
					    "crash", "watchdog", "soft_reset"};

	return reason < ARRAY_SIZE(names) ? names[reason] : "unknown";
}

/* The devices: for the builder (handed to build_system) and their models. */
const struct build_device runner_devices[RUNNER_NR_DEVICES] = {
	[RUNNER_DEV_DMA] = {.prop = "memvisor,dma-device", .node = "dma",
			    .compatible = "memvisor,dma-v1", .size = DMADEV_WINDOW, .dma = true},
	[RUNNER_DEV_BLK] = {.prop = "memvisor,blk-device", .dom0_prop = "memvisor,dom0-blk-device",
			    .node = "blk", .compatible = "memvisor,blk-v1", .size = BLKDEV_WINDOW},
};
static const struct vmm_device_model *const runner_models[RUNNER_NR_DEVICES] = {
	[RUNNER_DEV_DMA] = &dmadev_model,
	[RUNNER_DEV_BLK] = &blkdev_model,
};

/* --- memory map of a built domain --- */

static int ram_leaf(void *ctx, gfn_t gfn, mfn_t mfn, unsigned int order, p2m_type_t t)
{
	struct guest_mem *gm = ctx;
	uint64_t base = gfn_to_gaddr(gfn), size = PAGE_SIZE << order;
	struct guest_range *last = gm->nr_ram ? &gm->ram[gm->nr_ram - 1] : NULL;

	(void)mfn;
	if (t != p2m_ram_rw)
		return 0;
	if (last && last->base + last->size == base) {
		last->size += size;
		return 0;
	}
	if (gm->nr_ram == GUEST_MAX_RANGES)
		return -E2BIG;
	gm->ram[gm->nr_ram++] = (struct guest_range){base, size};
	return 0;
}

/* Region 0 (grant table) from /hypervisor reg, to be identity-mapped. */
static void add_region0(struct guest_mem *gm, const void *dtb)
{
	int node = fdt_node_offset_by_compatible(dtb, -1, "xen,xen");
	int ac = 2, sc = 2, len;
	const fdt32_t *p;
	uint64_t v[2] = {0, 0};

	if (node < 0)
		return;
	p = fdt_getprop(dtb, 0, "#address-cells", &len);
	if (p && len == 4)
		ac = (int)fdt32_ld(p);
	p = fdt_getprop(dtb, 0, "#size-cells", &len);
	if (p && len == 4)
		sc = (int)fdt32_ld(p);
	p = fdt_getprop(dtb, node, "reg", &len);
	if (!p || ac < 1 || ac > 2 || sc < 1 || sc > 2 || len < 4 * (ac + sc))
		return;
	for (int i = 0; i < ac + sc; i++) {
		int k = i < ac ? 0 : 1;
		v[k] = (v[k] << 32) | fdt32_ld(&p[i]);
	}
	if (v[1] && gm->nr_map < GUEST_MAX_RANGES)
		gm->map[gm->nr_map++] = (struct guest_range){v[0], v[1]};
}

int runner_prepare(struct runner *r, struct runner_dom *rd, char *err, size_t errlen)
{
	struct transport *t = r->m->transport;
	struct vmm_dom *vd = vmm_dom(rd->d);
	struct guest_mem *gm = &rd->gm;
	struct guest_program prog = {rd->image, rd->image_len, rd->guest_main};
	struct elf_image img;
	int rc;

	memset(gm, 0, sizeof(*gm));
	rd->r = r;
	if (!t || !vd || !vd->transport) {
		diag_fmt(err, errlen, "no transport to run the domain on");
		return -1;
	}
	gm->window = vd->window;
	gm->window_size = vd->window_size;
	hv_lock(&r->m->hv);
	rc = p2m_for_each_leaf(rd->d, ram_leaf, gm);
	hv_unlock(&r->m->hv);
	if (rc) {
		diag_fmt(err, errlen, "more than %d RAM ranges", GUEST_MAX_RANGES);
		return -1;
	}
	if (!gm->nr_ram) {
		diag_fmt(err, errlen, "the domain has no RAM");
		return -1;
	}
	add_region0(gm, rd->dtb);

	memset(&img, 0, sizeof(img));
	if (t->ops->load(t, vd, gm, &prog, &img, err, errlen))
		return -1;
	if (boot_setup(gm, img.entry, rd->dtb, img.seg, img.nr_seg, t->page_tables, &rd->boot,
		       err, errlen))
		return -1;
	rd->boot.xen_version = hv_xen_version(&r->m->hv);
	for (unsigned int i = 0; i < RUNNER_NR_DEVICES; i++) {
		const struct vmm_device_model *dm = runner_models[i];

		if (!rd->dev_base[i] || rd->dev[i])
			continue;
		/* The window stays unbacked, so accesses reach op_mmio. */
		rc = transport_add_device(t, vd, rd->dev_base[i], runner_devices[i].size);
		if (rc) {
			diag_fmt(err, errlen, "%s window %#llx: %s", dm->what,
				 (unsigned long long)rd->dev_base[i], strerror(-rc));
			return -1;
		}
		rd->dev[i] = dm->create(&r->m->hv, rd->d, rd->dev_base[i], rd->dev_arg[i]);
		if (!rd->dev[i]) {
			diag_fmt(err, errlen, "out of memory");
			return -1;
		}
	}
	if (!rd->prepared)
		pthread_mutex_init(&rd->dev_lock, NULL);
	rd->prepared = true;
	return 0;
}

/* --- guest_ops for the hypervisor core --- */

/*
 * A created domain the toolstack paused (dyn_pause_state): its vCPU waits
 * here, at its next hypercall, until the unpause or a stop. A vCPU that
 * makes no hypercall keeps running meanwhile (docs/toolstack.md).
 */
static void hold_paused(struct runner_dom *rd)
{
	struct runner *r = rd->r;

	pthread_mutex_lock(&r->dyn_lock);
	while (__atomic_load_n(&rd->paused, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&rd->kicked, __ATOMIC_ACQUIRE))
		pthread_cond_wait(&r->dyn_cond, &r->dyn_lock);
	pthread_mutex_unlock(&r->dyn_lock);
}

static int64_t op_hypercall(void *ctx, struct hv_hcall *hc)
{
	struct runner_dom *rd = ctx;
	uint64_t nr = hc->nr, a0 = hc->args[0];
	int64_t rc;

	/*
	 * Numbers the hypercall page has stubs for follow Xen: unimplemented
	 * ones return -ENOSYS (guests probe optional hypercalls that way). A
	 * number past the page cannot come from a stub: the guest is running
	 * wild, so it is stopped and reported.
	 */
	if (nr >= BOOT_HCALL_STUBS) {
		char why[96];

		snprintf(why, sizeof(why), "unknown hypercall %llu (no such stub in the hypercall page)",
			 (unsigned long long)nr);
		hv_lock(&rd->r->m->hv);
		hv_domain_crash(rd->d, why);
		hv_unlock(&rd->r->m->hv);
		return -ENOSYS;
	}
	if (__atomic_load_n(&rd->paused, __ATOMIC_ACQUIRE))
		hold_paused(rd);
	rc = hv_hypercall_run(&rd->r->m->hv, rd->d, hc);

	if (rc == -ENOSYS)
		fprintf(rd->r->err, "memvisor: d%u (%s): hypercall %llu (arg0 %#llx) is not "
			"implemented: -ENOSYS\n", rd->d->id, rd->d->name,
			(unsigned long long)nr, (unsigned long long)a0);
	return rc;
}

static bool op_stopped(void *ctx, struct guest_exit *ex)
{
	struct runner_dom *rd = ctx;
	struct hv *hv = &rd->r->m->hv;
	enum domain_state st;
	unsigned int reason;
	char hv_why[sizeof(rd->d->crash_why)];

	hv_lock(hv);
	st = rd->d->state;
	reason = rd->d->shutdown_reason;
	memcpy(hv_why, rd->d->crash_why, sizeof(hv_why));
	hv_unlock(hv);
	if (st == DOMS_running)
		return false;
	ex->reason = reason;
	if (reason == SHUTDOWN_crash) {
		/* The hypervisor's reason when it stopped the domain, else the
		 * guest asked for it. */
		ex->kind = GEXIT_CRASH;
		snprintf(ex->why, sizeof(ex->why), "%s",
			 hv_why[0] ? hv_why : "shut down with reason crash");
	} else {
		ex->kind = GEXIT_SHUTDOWN;
	}
	return true;
}

static int op_write_guest(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	struct runner_dom *rd = ctx;
	struct hv *hv = &rd->r->m->hv;
	int rc;

	hv_lock(hv);
	rc = copy_to_guest_phys(rd->d, gpa, src, len);
	hv_unlock(hv);
	return rc;
}

static void op_note(void *ctx, const char *msg)
{
	struct runner_dom *rd = ctx;

	fprintf(rd->r->err, "memvisor: d%u (%s): %s\n", rd->d->id, rd->d->name, msg);
}

/*
 * A guest access with nothing behind it: the domain's own VMM devices
 * first (like Xen's internal handlers), then the IOREQ servers, whose
 * answer holds the vCPU (hv_ioreq_mmio sleeps; both transports come here).
 * Unclaimed by both: false, and the transport reports the access as
 * before (a guest touching nothing; Arm injects a data abort there).
 */
static bool op_mmio(void *ctx, unsigned int vcpu, uint64_t gpa, unsigned int size, bool write,
		    uint64_t *val)
{
	struct runner_dom *rd = ctx;
	struct hv *hv = &rd->r->m->hv;
	bool took = false;

	pthread_mutex_lock(&rd->dev_lock);
	for (unsigned int i = 0; i < RUNNER_NR_DEVICES && !took; i++)
		took = rd->dev[i] && runner_models[i]->mmio(rd->dev[i], gpa, size, write, val);
	pthread_mutex_unlock(&rd->dev_lock);
	if (took)
		return true;
	/* Stopping: no new request to a server that may be stopped too (the
	 * kick's wake-up may have been spent on an earlier access, and an
	 * in-process guest must get to a hypercall to stop). */
	if (__atomic_load_n(&rd->kicked, __ATOMIC_ACQUIRE)) {
		if (!write)
			*val = ~0ULL;
		return true;
	}
	for (;;) {
		switch (hv_ioreq_mmio(hv, rd->d, vcpu, gpa, size, write, val)) {
		case HV_MMIO_DONE:
			return true;
		case HV_MMIO_GONE: /* no answer will come: all ones, as Xen's null handler */
			return true;
		case HV_MMIO_UNCLAIMED:
			return false;
		case HV_MMIO_PENDING:
			/* Woken without an answer: the runner stopping the
			 * domain (the value no longer matters), else resume. */
			if (__atomic_load_n(&rd->kicked, __ATOMIC_ACQUIRE)) {
				if (!write)
					*val = ~0ULL;
				return true;
			}
			break;
		}
	}
}

static const struct guest_ops runner_ops = {
	.hypercall = op_hypercall,
	.stopped = op_stopped,
	.write_guest = op_write_guest,
	.note = op_note,
	.mmio = op_mmio,
};

/* --- console --- */

/* A created domain's slot (hypervisor lock or dyn_lock held). */
static struct runner_dom *dyn_of(struct runner *r, const struct domain *d)
{
	for (unsigned int i = 0; r->dyn && i < RUNNER_MAX_DYN; i++)
		if (r->dyn[i].used && r->dyn[i].d == d)
			return &r->dyn[i];
	return NULL;
}

static struct runner_dom *dom_of(struct runner *r, const struct domain *d)
{
	for (unsigned int i = 0; i < r->nr; i++)
		if (r->dom[i].d == d)
			return &r->dom[i];
	return dyn_of(r, d);
}

#define PROGRESS_PREFIX "progress: "

static void flush_line(struct runner_dom *rd)
{
	struct runner *r = rd->r;
	bool progress = rd->line_len >= strlen(PROGRESS_PREFIX) &&
			!memcmp(rd->line, PROGRESS_PREFIX, strlen(PROGRESS_PREFIX));

	if (progress) {
		/* Long steps show where they are on a terminal, in place. */
		if (r->progress_tty) {
			fprintf(r->out, "\r(d%u) %.*s\033[K", rd->d->id, (int)rd->line_len, rd->line);
			r->progress_shown = true;
		}
	} else {
		if (r->line_hook)
			r->line_hook(r->line_ctx, rd->d, rd->line, rd->line_len);
		if (r->progress_shown)
			fputs("\r\033[K", r->out);
		r->progress_shown = false;
		fprintf(r->out, "(d%u) %.*s\n", rd->d->id, (int)rd->line_len, rd->line);
		if (!rd->first_line_ms)
			rd->first_line_ms = now_ms();
	}
	fflush(r->out);
	rd->line_len = 0;
}

/* Called by the core with its lock held. */
static void console_sink(void *ctx, struct domain *d, const char *buf, size_t len)
{
	struct runner_dom *rd = dom_of(ctx, d);

	if (!rd)
		return;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			flush_line(rd);
			continue;
		}
		if (c == '\r')
			continue;
		if (rd->line_len == sizeof(rd->line))
			flush_line(rd);
		rd->line[rd->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?';
	}
}

/* --- running --- */

static void *dom_thread(void *arg)
{
	struct runner_dom *rd = arg;
	struct runner *r = rd->r;
	double t0 = now_ms();
	struct transport *t = r->m->transport;
	int rc;

	rd->start_ms = t0;
	rc = t->ops->run(t, vmm_dom(rd->d), &rd->boot, &runner_ops, rd, &rd->ex);
	rd->run_ms = now_ms() - t0;

	hv_lock(&r->m->hv);
	if (rd->line_len)
		flush_line(rd);
	if (rd->ex.kind == GEXIT_CRASH || rd->ex.kind == GEXIT_TIMEOUT)
		hv_domain_crash(rd->d, rd->ex.why);
	hv_unlock(&r->m->hv);

	pthread_mutex_lock(&r->lock);
	rd->stuck = rc != 0;
	rd->done = true;
	r->running--;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void deadline_after(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static void kick(struct runner_dom *rd)
{
	struct transport *t = rd->r->m->transport;

	__atomic_store_n(&rd->kicked, true, __ATOMIC_RELEASE);
	t->ops->stop(t, vmm_dom(rd->d));
	/* A vCPU held by an IOREQ server sleeps in the hypervisor. */
	for (unsigned int v = 0; v < rd->d->nr_vcpus; v++)
		hv_vcpu_wake(&rd->r->m->hv, rd->d, v);
}

/* --- domains created at runtime (docs/toolstack.md, the runner's hooks) --- */

/* A created domain's thread: from its CPU record (d->boot[0]) to the end
 * of its run, then the report line. */
static void *dyn_thread(void *arg)
{
	struct runner_dom *rd = arg;
	struct runner *r = rd->r;
	struct transport *t = r->m->transport;
	struct guest_boot b;
	struct vcpu_boot vb;
	char line[400];
	bool stopped;
	int rc = 0;

	hv_lock(&r->m->hv);
	vb = rd->d->boot[0];
	hv_unlock(&r->m->hv);
	memset(&rd->ex, 0, sizeof(rd->ex));
	if (!vb.set) {
		guest_exit_crash(&rd->ex, "no boot entry (XEN_DOMCTL_sethvmcontext) for vCPU 0");
	} else if (!(vb.cs_arbytes & HVM_ARBYTES_L) || !(vb.efer & (1ULL << 10)) ||
		   !(vb.cr0 & (1ULL << 31))) {
		/* the transports enter in long mode only (boot-protocol.md) */
		guest_exit_crash(&rd->ex, "its entry is not in 64-bit long mode (cs L, EFER.LMA, "
				 "CR0.PG): the runner starts no other");
	} else {
		b = (struct guest_boot){.entry = vb.rip, .stack_top = vb.rsp, .dt = vb.rdi,
					.area = vb.rsi, .area_size = vb.rdx, .cr3 = vb.cr3,
					.xen_version = hv_xen_version(&r->m->hv), .direct = true};
		rd->start_ms = now_ms();
		rc = t->ops->run(t, vmm_dom(rd->d), &b, &runner_ops, rd, &rd->ex);
		rd->run_ms = now_ms() - rd->start_ms;
	}

	/* Stopped for its destroydomain (the transport calls that a time
	 * limit): no crash, the domain is going anyway. */
	stopped = __atomic_load_n(&rd->kicked, __ATOMIC_ACQUIRE) && rd->ex.kind != GEXIT_SHUTDOWN &&
		  rd->ex.kind != GEXIT_CRASH;
	hv_lock(&r->m->hv);
	if (rd->line_len)
		flush_line(rd);
	if (!stopped && (rd->ex.kind == GEXIT_CRASH || rd->ex.kind == GEXIT_TIMEOUT) &&
	    rd->d->state == DOMS_running)
		hv_domain_crash(rd->d, rd->ex.why);
	hv_unlock(&r->m->hv);

	if (r->dyn_report) {
		r->dyn_report(r->dyn_report_ctx, rd, stopped);
	} else {
		runner_describe(rd, line, sizeof(line));
		if (stopped)
			snprintf(line, sizeof(line), "d%u: stopped while running", rd->d->id);
		fprintf(r->err, "memvisor: %s (created at runtime; vCPU 0 entered %.2f ms after its "
			"first unpause", line, rd->start_ms ? rd->start_ms - rd->unpause_ms : -1.0);
		if (rd->first_line_ms)
			fprintf(r->err, ", first console line after %.2f ms",
				rd->first_line_ms - rd->unpause_ms);
		fprintf(r->err, ")\n");
		fflush(r->err);
	}

	pthread_mutex_lock(&r->dyn_lock);
	/* an in-process guest spinning without hypercalls still runs: never
	 * finished, so its domain is never torn down under it */
	rd->finished = rc == 0;
	r->dyn_ended += rd->finished;
	pthread_cond_broadcast(&r->dyn_cond);
	pthread_mutex_unlock(&r->dyn_lock);
	return NULL;
}

unsigned int runner_dyn_running(struct runner *r)
{
	unsigned int n = 0;

	if (!r->dyn_running)
		return 0;
	pthread_mutex_lock(&r->dyn_lock);
	for (unsigned int i = 0; r->dyn && i < RUNNER_MAX_DYN; i++)
		n += r->dyn[i].used && (r->dyn[i].want_start || r->dyn[i].th_valid) &&
		     !r->dyn[i].finished;
	pthread_mutex_unlock(&r->dyn_lock);
	return n;
}

/* hv_backend_ops.domain_pause_state (hypervisor lock held): the first
 * unpause of a created domain queues its start. */
static void dyn_pause_state(void *ctx, struct domain *d, bool paused)
{
	struct runner *r = ctx;
	struct runner_dom *rd;

	if (!d->toolstack_created)
		return;
	rd = dyn_of(r, d);
	if (rd || paused) {
		/* a started domain paused or continued (one not started yet
		 * cannot be paused: it is paused until its first unpause) */
		if (!rd)
			return;
		pthread_mutex_lock(&r->dyn_lock);
		__atomic_store_n(&rd->paused, paused, __ATOMIC_RELEASE);
		pthread_cond_broadcast(&r->dyn_cond);
		pthread_mutex_unlock(&r->dyn_lock);
		return;
	}
	pthread_mutex_lock(&r->dyn_lock);
	for (unsigned int i = 0; i < RUNNER_MAX_DYN; i++) {
		rd = &r->dyn[i];
		if (rd->used)
			continue;
		memset(rd, 0, offsetof(struct runner_dom, dev_lock));
		memset(&rd->th, 0, sizeof(*rd) - offsetof(struct runner_dom, th));
		rd->d = d;
		rd->r = r;
		rd->used = true;
		rd->want_start = true;
		rd->unpause_ms = now_ms();
		pthread_cond_broadcast(&r->dyn_cond);
		pthread_mutex_unlock(&r->dyn_lock);
		return;
	}
	pthread_mutex_unlock(&r->dyn_lock);
	hv_domain_crash(d, "the runner runs no more domains created at runtime");
}

/* hv_backend_ops.domain_stop (hypervisor lock held): 0 once its thread
 * has ended (it is joined and the slot freed), else ask for the stop. */
static int dyn_stop(void *ctx, struct domain *d)
{
	struct runner *r = ctx;
	struct runner_dom *rd = dyn_of(r, d);
	int rc = -EAGAIN;

	if (!rd)
		return 0;
	pthread_mutex_lock(&r->dyn_lock);
	if (!rd->th_valid && !rd->want_start)
		rd->finished = true; /* its start failed, or was cancelled */
	if (rd->finished && !rd->kicking) {
		if (rd->th_valid)
			pthread_join(rd->th, NULL); /* it has set finished: no wait */
		if (rd->stop_ms)
			fprintf(r->err, "memvisor: d%u: destroyed %.2f ms after destroydomain asked "
				"its vCPUs to stop\n", d->id, now_ms() - rd->stop_ms);
		rd->used = false;
		rc = 0;
	} else if (!rd->want_stop) {
		rd->want_stop = true;
		rd->stop_ms = now_ms();
		pthread_cond_broadcast(&r->dyn_cond);
	}
	pthread_mutex_unlock(&r->dyn_lock);
	return rc;
}

/* The runner's service thread: starts and stops created domains. */
static void *dyn_service(void *arg)
{
	struct runner *r = arg;

	pthread_mutex_lock(&r->dyn_lock);
	while (!r->dyn_quit) {
		bool again = false;

		for (unsigned int i = 0; i < RUNNER_MAX_DYN; i++) {
			struct runner_dom *rd = &r->dyn[i];

			if (!rd->used)
				continue;
			if (rd->want_start && !rd->th_valid) {
				rd->want_start = false;
				if (rd->want_stop)
					continue; /* destroyed before it started */
				if (pthread_create(&rd->th, NULL, dyn_thread, rd)) {
					fprintf(r->err, "memvisor: d%u: cannot create its thread\n",
						rd->d->id);
					continue;
				}
				rd->th_valid = true;
				r->dyn_started++;
			}
			if (rd->want_stop && rd->th_valid && !rd->kick_sent && !rd->finished) {
				/* kick takes the hypervisor lock: not under dyn_lock;
				 * kicking keeps the domain alive meanwhile */
				rd->kick_sent = true;
				rd->kicking = true;
				pthread_mutex_unlock(&r->dyn_lock);
				kick(rd);
				pthread_mutex_lock(&r->dyn_lock);
				pthread_cond_broadcast(&r->dyn_cond); /* hold_paused() */
				rd->kicking = false;
				again = true;
			}
		}
		if (!again)
			pthread_cond_wait(&r->dyn_cond, &r->dyn_lock);
	}
	pthread_mutex_unlock(&r->dyn_lock);
	return NULL;
}

static void dyn_begin(struct runner *r)
{
	r->dyn = calloc(RUNNER_MAX_DYN, sizeof(*r->dyn));
	if (!r->dyn)
		return;
	pthread_mutex_init(&r->dyn_lock, NULL);
	pthread_cond_init(&r->dyn_cond, NULL);
	for (unsigned int i = 0; i < RUNNER_MAX_DYN; i++)
		pthread_mutex_init(&r->dyn[i].dev_lock, NULL);
	r->dyn_quit = false;
	if (pthread_create(&r->dyn_th, NULL, dyn_service, r)) {
		free(r->dyn);
		r->dyn = NULL;
		return;
	}
	r->dyn_running = true;
	hv_lock(&r->m->hv);
	r->m->dyn_pause_state = dyn_pause_state;
	r->m->dyn_stop = dyn_stop;
	r->m->dyn_ctx = r;
	hv_unlock(&r->m->hv);
}

/* The prepared domains have ended: stop the created ones still running,
 * reap their threads, and detach. */
static void dyn_end(struct runner *r)
{
	struct timespec ts;

	if (!r->dyn_running)
		return;
	hv_lock(&r->m->hv);
	r->m->dyn_pause_state = NULL;
	r->m->dyn_stop = NULL;
	r->m->dyn_ctx = NULL;
	hv_unlock(&r->m->hv);
	pthread_mutex_lock(&r->dyn_lock);
	r->dyn_quit = true;
	pthread_cond_broadcast(&r->dyn_cond);
	pthread_mutex_unlock(&r->dyn_lock);
	pthread_join(r->dyn_th, NULL);
	/* no hook or service thread left: only the domains' own threads */
	for (unsigned int i = 0; i < RUNNER_MAX_DYN; i++) {
		struct runner_dom *rd = &r->dyn[i];

		if (!rd->used || !rd->th_valid)
			continue;
		if (!rd->finished)
			kick(rd);
		pthread_mutex_lock(&r->dyn_lock);
		pthread_cond_broadcast(&r->dyn_cond); /* hold_paused() */
		deadline_after(&ts, RUNNER_KICK_GRACE_MS + 1000);
		while (!rd->finished)
			if (pthread_cond_timedwait(&r->dyn_cond, &r->dyn_lock, &ts) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&r->dyn_lock);
		if (rd->finished) {
			pthread_join(rd->th, NULL);
		} else {
			pthread_detach(rd->th);
			r->stuck = true;
		}
		rd->th_valid = false;
	}
	if (!r->stuck) {
		struct runner_dom *dyn = r->dyn;

		hv_lock(&r->m->hv); /* the console sink looks at it */
		r->dyn = NULL;
		hv_unlock(&r->m->hv);
		for (unsigned int i = 0; i < RUNNER_MAX_DYN; i++)
			pthread_mutex_destroy(&dyn[i].dev_lock);
		free(dyn);
	}
	r->dyn_running = false;
}

void runner_describe(const struct runner_dom *rd, char *buf, size_t len)
{
	const struct guest_exit *ex = &rd->ex;
	int n;

	switch (ex->kind) {
	case GEXIT_SHUTDOWN:
		n = snprintf(buf, len, "d%u (%s): shut down (%s)", rd->d->id, rd->d->name,
			     runner_shutdown_name(ex->reason));
		break;
	case GEXIT_CRASH:
		n = snprintf(buf, len, "d%u (%s): crashed: %s", rd->d->id, rd->d->name, ex->why);
		break;
	case GEXIT_TIMEOUT:
		n = snprintf(buf, len, "d%u (%s): timed out: %s", rd->d->id, rd->d->name,
			     ex->why);
		break;
	default:
		n = snprintf(buf, len, "d%u (%s): did not run", rd->d->id, rd->d->name);
		break;
	}
	if (n < 0 || (size_t)n >= len)
		return;
	/* A sleeping vCPU is not a spinning one: say which it was. */
	if (ex->blocked_in[0] && ex->kind != GEXIT_SHUTDOWN)
		n += snprintf(buf + n, len - (size_t)n, "; vCPU was blocked in %s", ex->blocked_in);
	if (n < 0 || (size_t)n >= len)
		return;
	if (ex->rip_valid && ex->kind != GEXIT_SHUTDOWN)
		n += snprintf(buf + n, len - (size_t)n, "; rip %#llx", (unsigned long long)ex->rip);
	if (n >= 0 && (size_t)n < len && ex->addr_valid)
		snprintf(buf + n, len - (size_t)n, "; address %#llx", (unsigned long long)ex->addr);
}

/* The signals that end a run from outside (Ctrl-C, kill, a closed
 * terminal): taken by sig_watch while the domains run. */
static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

/*
 * While the domains run, the stop signals are blocked in every thread
 * (the domains' threads inherit the mask) and this thread takes them:
 * the first one stops the domains like the time limit (runner_run kicks
 * them; each stops at its next exit, never inside a device's operation),
 * instead of the default action ending the process with a device's write
 * half done. runner_run ends it with sigwatch_end and a signal of its own.
 */
static void *sig_watch(void *arg)
{
	struct runner *r = arg;
	sigset_t set;
	bool end;
	int sig;

	stop_signals(&set);
	do {
		if (sigwait(&set, &sig))
			continue;
		pthread_mutex_lock(&r->lock);
		end = r->sigwatch_end;
		if (!end && !r->signalled)
			r->signalled = sig;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
	} while (!end);
	return NULL;
}

unsigned int runner_run(struct runner *r)
{
	struct timespec ts;
	unsigned int bad = 0;
	sigset_t stop, old;
	bool watching;

	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	hv_set_console_sink(&r->m->hv, console_sink, r);
	r->signalled = 0;
	r->sigwatch_end = false;
	stop_signals(&stop);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	watching = pthread_create(&r->sigwatch, NULL, sig_watch, r) == 0;
	/* after the mask: created domains' threads inherit it too */
	dyn_begin(r);

	pthread_mutex_lock(&r->lock);
	for (unsigned int i = 0; i < r->nr; i++) {
		struct runner_dom *rd = &r->dom[i];

		if (!rd->prepared)
			continue;
		if (pthread_create(&rd->th, NULL, dom_thread, rd)) {
			guest_exit_crash(&rd->ex, "cannot create its thread");
			rd->done = true;
			continue;
		}
		rd->started = true;
		r->running++;
	}
	/* Until every domain ends, the time limit passes or a stop signal
	 * comes; then the rest are kicked and given a grace period. */
	if (r->timeout_ms)
		deadline_after(&ts, r->timeout_ms);
	while (r->running && !r->signalled) {
		if (!r->timeout_ms)
			pthread_cond_wait(&r->cond, &r->lock);
		else if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) == ETIMEDOUT)
			break;
	}
	if (r->running) {
		for (unsigned int i = 0; i < r->nr; i++)
			if (r->dom[i].started && !r->dom[i].done)
				kick(&r->dom[i]);
		deadline_after(&ts, RUNNER_KICK_GRACE_MS + 1000);
		while (r->running)
			if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) == ETIMEDOUT)
				break;
	}
	for (unsigned int i = 0; i < r->nr; i++) {
		struct runner_dom *rd = &r->dom[i];

		rd->stuck = rd->started && (!rd->done || rd->stuck);
	}
	r->sigwatch_end = true;
	pthread_mutex_unlock(&r->lock);
	if (watching) {
		pthread_kill(r->sigwatch, SIGHUP); /* taken by its sigwait */
		pthread_join(r->sigwatch, NULL);
	}
	/* the created domains still running stop as the time limit stops
	 * the others (the stop signals still blocked, left pending) */
	dyn_end(r);
	/* A stop signal that came after the watcher ended stays pending and
	 * takes its default action here, with every domain stopped. */
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	for (unsigned int i = 0; i < r->nr; i++) {
		struct runner_dom *rd = &r->dom[i];
		char line[400];

		if (!rd->started)
			continue;
		if (!rd->stuck) {
			pthread_join(rd->th, NULL);
		} else {
			/* Its thread may still write rd->ex: report from a copy. */
			pthread_detach(rd->th);
			r->stuck = true;
			rd->ex.kind = GEXIT_TIMEOUT;
		}
		if (rd->ex.kind == GEXIT_TIMEOUT && r->signalled)
			snprintf(rd->ex.why, sizeof(rd->ex.why), "stopped by signal %d (%s)%s",
				 r->signalled, strsignal(r->signalled),
				 rd->stuck ? " (could not be stopped)" : "");
		else if (rd->ex.kind == GEXIT_TIMEOUT && r->timeout_ms)
			snprintf(rd->ex.why, sizeof(rd->ex.why), "still running after %u ms%s",
				 r->timeout_ms, rd->stuck ? " (could not be stopped)" : "");
		if (rd->ex.kind != GEXIT_SHUTDOWN)
			bad++;
		runner_describe(rd, line, sizeof(line));
		fprintf(r->err, "memvisor: %s\n", line);
	}
	fflush(r->err);
	hv_set_console_sink(&r->m->hv, NULL, NULL);
	return bad;
}

void runner_release(struct runner *r)
{
	for (unsigned int i = 0; i < r->nr; i++) {
		struct runner_dom *rd = &r->dom[i];

		for (unsigned int k = 0; k < RUNNER_NR_DEVICES; k++) {
			if (!rd->stuck)
				runner_models[k]->destroy(rd->dev[k]);
			rd->dev[k] = NULL;
		}
	}
}
