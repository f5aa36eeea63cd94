/*
 * memvisor bench, KVM part: bench guests (guest/bench/<name>/) booted on
 * the real KVM transport (vmm/kvm.h) with transport callbacks of our own
 * that take a host timestamp at each marker hypercall (guest/bench/common/
 * bench.h) and answer the bare-exit hypercall without entering the
 * hypervisor. Every other hypercall takes the same path as under `memvisor
 * run`: hv_hypercall_run(), then the "has the domain stopped?" check.
 *
 * The guest images are found by cli_find_file() (next to this executable
 * in a build directory, in <libdir>/memvisor installed). Without a usable /dev/kvm or without the images,
 * each benchmark prints a SKIP line saying why.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hv/build.h>
#include <hv/domain.h>
#include <hv/guestdt.h>
#include <hv/realize.h>
#include <public/version.h>
#include <public/xen.h>

#include "bench.h"
#include "cli.h"
#include "elfload.h"
#include "runner.h"

#define BK_HC_MARK 126 /* guest/bench/common/bench.h */
#define BK_HC_NULL 127
#define BK_MAX_MARKS 256
#define BK_RAM_BASE GiB(1)
#define BK_RAM MiB(64)
#define BK_GNTTAB_BASE 0x38000000ULL
#define BK_GNTTAB_SIZE MiB(16)
#define BK_TIMEOUT_S 120

struct bk_run {
	struct hv *hv;
	struct domain *d;
	bool light; /* the last hypercall was a marker or a bare exit */
	unsigned int nr;
	unsigned int tag[BK_MAX_MARKS];
	double t[BK_MAX_MARKS];
	char console[4096];
	size_t console_len;
};

static int64_t bk_hypercall(void *ctx, struct hv_hcall *hc)
{
	struct bk_run *b = ctx;

	if (hc->nr == BK_HC_NULL) {
		b->light = true;
		return 0;
	}
	if (hc->nr == BK_HC_MARK) {
		b->light = true;
		if (b->nr < BK_MAX_MARKS) {
			b->t[b->nr] = bench_now();
			b->tag[b->nr++] = (unsigned int)hc->args[0];
		}
		return 0;
	}
	b->light = false;
	return hv_hypercall_run(b->hv, b->d, hc);
}

/* What the runner checks after each hypercall (vmm/runner.c op_stopped),
 * skipped after the bench's own hypercalls so the bare exit stays bare. */
static bool bk_stopped(void *ctx, struct guest_exit *ex)
{
	struct bk_run *b = ctx;
	enum domain_state st;
	unsigned int reason;

	if (b->light)
		return false;
	hv_lock(b->hv);
	st = b->d->state;
	reason = b->d->shutdown_reason;
	hv_unlock(b->hv);
	if (st == DOMS_running)
		return false;
	ex->reason = reason;
	ex->kind = reason == SHUTDOWN_crash ? GEXIT_CRASH : GEXIT_SHUTDOWN;
	if (reason == SHUTDOWN_crash)
		snprintf(ex->why, sizeof(ex->why), "shut down with reason crash");
	return true;
}

static int bk_write_guest(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	struct bk_run *b = ctx;
	int rc;

	hv_lock(b->hv);
	rc = copy_to_guest_phys(b->d, gpa, src, len);
	hv_unlock(b->hv);
	return rc;
}

static const struct guest_ops bk_ops = {
	.hypercall = bk_hypercall,
	.stopped = bk_stopped,
	.write_guest = bk_write_guest,
};

static void bk_console(void *ctx, struct domain *d, const char *buf, size_t len)
{
	struct bk_run *b = ctx;

	(void)d;
	len = MIN(len, sizeof(b->console) - 1 - b->console_len);
	memcpy(b->console + b->console_len, buf, len);
	b->console_len += len;
	b->console[b->console_len] = '\0';
}

/* --- environment --- */

bool bench_kvm_open(struct bench_kvm *k, char *why, size_t whylen)
{
	memset(k, 0, sizeof(*k));
	k->sys = kvm_open(why, whylen);
	return k->sys != NULL;
}

void bench_kvm_close(struct bench_kvm *k)
{
	kvm_close(k->sys);
	k->sys = NULL;
}

/* bench-<name>.elf, where memvisor ships its guest images (cli_find_file). */
static void *bk_image(struct bench_kvm *k, const char *name, size_t *len, char *why,
		      size_t whylen)
{
	char file[64], tried[1024];
	char *path;
	void *img;

	(void)k;
	snprintf(file, sizeof(file), "bench-%s.elf", name);
	path = cli_find_file(CLI_GUEST, file, tried, sizeof(tried));
	if (!path) {
		snprintf(why, whylen, "no %s (looked at %s)", file, tried);
		return NULL;
	}
	img = elf_read_file(path, len, why, whylen);
	free(path);
	return img;
}

int bench_kvm_env(struct bench_kvm *k, struct vmm *m, uint64_t ram, bool prefault)
{
	int rc = bench_vmm_init(m, ram, prefault);

	if (!rc)
		vmm_set_transport(m, kvm_transport(k->sys));
	return rc;
}

struct domain *bench_kvm_domain(struct vmm *m, const char *name, uint32_t flags,
				uint64_t extra_pages)
{
	return bench_kvm_domain_cpus(m, name, flags, extra_pages, 1);
}

struct domain *bench_kvm_domain_cpus(struct vmm *m, const char *name, uint32_t flags,
				     uint64_t extra_pages, unsigned int cpus)
{
	struct domain_config cfg = {.name = name, .flags = flags, .domid = -1,
				    .max_pages = (BK_RAM >> PAGE_SHIFT) + extra_pages,
				    .max_vcpus = cpus};
	struct domain *d;
	int rc;

	hv_lock(&m->hv);
	d = domain_create(&m->hv, &cfg, &rc);
	if (d && build_populate_range(d, BK_RAM_BASE, BK_RAM)) {
		domain_destroy(d);
		d = NULL;
	}
	hv_realize_flush(&m->hv);
	hv_unlock(&m->hv);
	return d;
}

struct bk_watch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	struct kvm_vm *vm;
};

static void *bk_watchdog(void *arg)
{
	struct bk_watch *w = arg;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += BK_TIMEOUT_S;
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &ts) == ETIMEDOUT) {
			kvm_vm_kick(w->vm);
			break;
		}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * Boots bench guest `name` in d with bootargs and runs it to its end in this
 * thread. The phases' durations (seconds) are handed to phase(tag, s).
 * 0, or -1 with why filled in.
 */
int bench_kvm_run(struct bench_kvm *k, struct vmm *m, struct domain *d, const char *name,
		  const char *bootargs, void (*phase)(void *ctx, unsigned int tag, double s),
		  void *ctx, char *why, size_t whylen)
{
	struct ext_span mem = {.start = BK_RAM_BASE, .size = BK_RAM};
	struct ext_region ext = {GiB(64), GiB(64)};
	struct guestdt_info gi = {
		.xen_major = XEN_VERSION_MAJOR, .xen_minor = XEN_VERSION_MINOR,
		.addr_cells = 2, .size_cells = 2, .mem = &mem, .nr_mem = 1,
		.bootargs = bootargs, .hypervisor_node = true,
		.gnttab = {BK_GNTTAB_BASE, BK_GNTTAB_SIZE}, .regions = &ext, .nr_regions = 1,
	};
	static uint8_t dtb[16384];
	struct runner r;
	struct runner_dom rd;
	struct bk_run *b;
	struct bk_watch w = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	pthread_t wt;
	size_t len;
	void *img;
	int rc = -1;

	img = bk_image(k, name, &len, why, whylen);
	if (!img)
		return -1;
	b = calloc(1, sizeof(*b));
	if (!b || guestdt_build(dtb, sizeof(dtb), &gi, NULL) < 0) {
		snprintf(why, whylen, "out of memory or device tree too big");
		goto out;
	}
	b->hv = &m->hv;
	b->d = d;
	memset(&r, 0, sizeof(r));
	memset(&rd, 0, sizeof(rd));
	r.m = m;
	r.out = stdout;
	r.err = stderr;
	r.dom = &rd;
	r.nr = 1;
	rd.d = d;
	rd.image = img;
	rd.image_len = len;
	rd.dtb = dtb;
	if (runner_prepare(&r, &rd, why, whylen))
		goto out;
	hv_set_console_sink(&m->hv, bk_console, b);
	w.vm = kvm_vm_of(d);
	if (pthread_create(&wt, NULL, bk_watchdog, &w)) {
		snprintf(why, whylen, "cannot create a thread");
		goto out_sink;
	}
	kvm_vm_run(kvm_vm_of(d), &rd.boot, &bk_ops, b, &rd.ex);
	pthread_mutex_lock(&w.lock);
	w.done = true;
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.lock);
	pthread_join(wt, NULL);
	if (rd.ex.kind != GEXIT_SHUTDOWN || rd.ex.reason != SHUTDOWN_poweroff) {
		char line[400];

		runner_describe(&rd, line, sizeof(line));
		snprintf(why, whylen, "bench guest %s: %s; console: %s", name, line, b->console);
		goto out_sink;
	}
	if (!b->nr || b->tag[b->nr - 1] != 0) {
		snprintf(why, whylen, "bench guest %s ended without its final marker", name);
		goto out_sink;
	}
	for (unsigned int i = 0; i + 1 < b->nr; i++)
		phase(ctx, b->tag[i], b->t[i + 1] - b->t[i]);
	rc = 0;
out_sink:
	hv_set_console_sink(&m->hv, NULL, NULL);
out:
	free(b);
	free(img);
	return rc;
}

int bench_genv_open(struct bench_genv *e, bool kvm, const char *elf, uint64_t ram,
		    bool prefault, char *why, size_t whylen)
{
	memset(e, 0, sizeof(*e));
	e->kvm = kvm;
	if (kvm) {
		char tried[1024];
		char *path;

		if (!bench_kvm_open(&e->k, why, whylen))
			return -1;
		path = cli_find_file(CLI_GUEST, elf, tried, sizeof(tried));
		if (!path) {
			snprintf(why, whylen, "no %s (looked at %.400s)", elf, tried);
			goto err_kvm;
		}
		e->image = elf_read_file(path, &e->image_len, why, whylen);
		free(path);
		if (!e->image)
			goto err_kvm;
		if (bench_kvm_env(&e->k, &e->m, ram, prefault)) {
			snprintf(why, whylen, "cannot set up the machine");
			goto err_img;
		}
		return 0;
	}
	inproc_transport_init(&e->ip, rt_hosted_start);
	if (bench_vmm_init(&e->m, ram, prefault)) {
		snprintf(why, whylen, "cannot set up the machine");
		return -1;
	}
	vmm_set_transport(&e->m, &e->ip.t);
	return 0;

err_img:
	free(e->image);
err_kvm:
	bench_kvm_close(&e->k);
	return -1;
}

void bench_genv_close(struct bench_genv *e)
{
	vmm_destroy(&e->m);
	if (e->kvm) {
		free(e->image);
		bench_kvm_close(&e->k);
	}
}

int bench_genv_run(struct bench_genv *e, const struct bench_run_cfg *c, struct domain **d,
		   const char **bootargs, unsigned int n, char **out, char *why, size_t whylen)
{
	struct ext_span mem = {.start = c->ram_base, .size = c->ram_size};
	struct ext_region ext = {c->ext_base, c->ext_size};
	static uint8_t dtb[BENCH_RUN_MAX_DOMS][16384];
	struct runner_dom rd[BENCH_RUN_MAX_DOMS];
	struct runner r;
	size_t out_len = 0, err_len = 0;
	char *err_text = NULL;
	unsigned int bad;
	int rc = -1;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	memset(rd, 0, sizeof(rd));
	if (n > BENCH_RUN_MAX_DOMS) {
		snprintf(why, whylen, "%u domains: at most %u", n, BENCH_RUN_MAX_DOMS);
		return -1;
	}
	r.m = &e->m;
	r.timeout_ms = c->timeout_ms;
	r.out = open_memstream(out, &out_len);
	r.err = open_memstream(&err_text, &err_len);
	r.dom = rd;
	r.nr = n;
	if (!r.out || !r.err) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct guestdt_info gi = {
			.xen_major = XEN_VERSION_MAJOR, .xen_minor = XEN_VERSION_MINOR,
			.addr_cells = 2, .size_cells = 2, .mem = &mem, .nr_mem = 1,
			.bootargs = bootargs[i], .hypervisor_node = true,
			.gnttab = {c->gnttab_base, c->gnttab_size}, .regions = &ext,
			.nr_regions = 1,
		};

		if (guestdt_build(dtb[i], sizeof(dtb[i]), &gi, NULL) < 0) {
			snprintf(why, whylen, "device tree too big");
			goto out;
		}
		rd[i].d = d[i];
		rd[i].dtb = dtb[i];
		rd[i].image = e->image;
		rd[i].image_len = e->image_len;
		rd[i].guest_main = c->guest_main;
		if (runner_prepare(&r, &rd[i], why, whylen))
			goto out;
	}
	bad = runner_run(&r);
	runner_release(&r);
	fflush(r.out);
	fflush(r.err);
	if (bad) {
		snprintf(why, whylen, "bench guest %s: %.300s", c->label,
			 err_text ? err_text : "failed");
		goto out;
	}
	rc = 0;
out:
	if (r.out)
		fclose(r.out);
	if (r.err)
		fclose(r.err);
	free(err_text);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}
