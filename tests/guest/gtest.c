/*
 * Guest-test driver (see gtest.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/build.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/extregion.h>
#include <hv/guestdt.h>
#include <hv/hypercall.h>
#include <hv/layout.h>
#include <hv/realize.h>
#include <public/version.h>
#include <public/xen.h>

#include "dmadev.h"
#include "elfload.h"
#include "gtest.h"
#include "inproc.h"
#include "kvm.h"

void rt_hosted_start(const struct inproc_env *env);

static void log_sink(void *ctx, enum hv_log_level lvl, const char *msg)
{
	(void)ctx;
	if (lvl <= HV_LOG_WARN || getenv("MEMVISOR_TEST_LOG"))
		fprintf(stderr, "[hv] %s\n", msg);
}

/*
 * --xen-sender: a Xen-attached port of the test domain, bindable by the
 * domain itself, on which a host thread sends every few milliseconds while
 * the guest runs (an event from outside the vCPU's thread: it must reach a
 * vCPU that runs guest code or sleeps). Its number goes to the guest as
 * "xenport=N" in bootargs.
 */
#define GTEST_SEND_EVERY_MS 5

struct xen_sender {
	struct hv *hv;
	struct domain *d;
	int port;
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
};

static void xen_sender_notify(void *ctx, struct domain *d, uint32_t port)
{
	(void)ctx;
	(void)d;
	(void)port;
}

static void *xen_sender_thread(void *arg)
{
	struct xen_sender *xs = arg;
	struct timespec ts;

	pthread_mutex_lock(&xs->lock);
	while (!xs->stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += GTEST_SEND_EVERY_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&xs->cond, &xs->lock, &ts);
		if (xs->stop)
			break;
		hv_lock(xs->hv);
		evtchn_xen_send(xs->d, (uint32_t)xs->port);
		hv_unlock(xs->hv);
	}
	pthread_mutex_unlock(&xs->lock);
	return NULL;
}

/* --cpus: the test domain's vCPUs (a system DT's `cpus`). */
static unsigned int gtest_cpus = 1;

static int make_domain(struct vmm *m, struct domain **out, void *dtb, size_t dtb_cap,
		       const char *bootargs, uint64_t dma_base, struct xen_sender *xs)
{
	char args[600];
	const struct xen_policy_traits *t = hv_release(&m->hv);
	struct domain_config cfg = {
		.name = "guest-test",
		.max_pages = (GTEST_RAM >> PAGE_SHIFT) + GTEST_EXTRA_PAGES,
		.domid = -1,
		/* An assigned DMA engine means a translating IOMMU context. */
		.flags = dma_base ? DOMF_iommu : 0,
		.max_vcpus = gtest_cpus,
	};
	const struct build_device *dd = &runner_devices[RUNNER_DEV_DMA];
	struct guestdt_device dma = {dd->node, dd->compatible, dma_base, dd->size, 0};
	struct ext_span mem = {.start = GTEST_RAM_BASE, .size = GTEST_RAM};
	struct ext_region ext = {GTEST_RAM_BASE + GTEST_RAM, GiB(4) - (GTEST_RAM_BASE + GTEST_RAM)};
	struct guestdt_info gi = {
		.xen_major = t->major,
		.xen_minor = t->minor,
		.addr_cells = 2,
		.size_cells = 2,
		.mem = &mem,
		.nr_mem = 1,
		.bootargs = bootargs,
		.hypervisor_node = true,
		.gnttab = {GTEST_GNTTAB_BASE, GTEST_GNTTAB_SIZE},
		.regions = &ext,
		.nr_regions = 1,
		.devices = dma_base ? &dma : NULL,
		.nr_devices = dma_base ? 1 : 0,
	};
	struct domain *d;
	int rc;

	hv_lock(&m->hv);
	d = domain_create(&m->hv, &cfg, &rc);
	if (d) {
		rc = build_populate_range(d, GTEST_RAM_BASE, GTEST_RAM);
		hv_realize_flush(&m->hv);
	}
	hv_unlock(&m->hv);
	if (!d || rc) {
		fprintf(stderr, "gtest: cannot build the test domain: %s\n", strerror(-rc));
		return -1;
	}
	if (xs) {
		hv_lock(&m->hv);
		xs->port = evtchn_alloc_xen_port(d, DOMID_SELF, xen_sender_notify, NULL);
		hv_unlock(&m->hv);
		if (xs->port <= 0) {
			fprintf(stderr, "gtest: no Xen-attached port: %s\n", strerror(-xs->port));
			return -1;
		}
		xs->hv = &m->hv;
		xs->d = d;
		snprintf(args, sizeof(args), "%s xenport=%d", bootargs, xs->port);
		gi.bootargs = args;
	}
	rc = guestdt_build(dtb, dtb_cap, &gi, NULL);
	if (rc < 0) {
		fprintf(stderr, "gtest: cannot build the device tree: %s\n", strerror(-rc));
		return -1;
	}
	*out = d;
	return 0;
}

/* The last "Test result: X" line of the captured console. */
static int verdict(const char *console)
{
	const char *p = console, *last = NULL;

	while ((p = strstr(p, "Test result: ")) != NULL) {
		last = p + strlen("Test result: ");
		p = last;
	}
	if (!last)
		return -1;
	if (!strncmp(last, "SUCCESS", 7))
		return GTEST_PASS;
	if (!strncmp(last, "SKIP", 4))
		return GTEST_SKIP;
	return GTEST_FAIL;
}

int gtest_main(int argc, char **argv, void (*guest_main)(void))
{
	static const paddr_t banks[][2] = {{GiB(2), MiB(256)}};
	struct vmm_config cfg;
	struct vmm m;
	struct kvm_sys *k = NULL;
	struct inproc_transport inproc;
	struct runner r;
	struct runner_dom rd;
	char err[256], *console = NULL;
	size_t console_len = 0;
	static uint8_t dtb[16384];
	void *image = NULL;
	size_t image_len = 0;
	bool kvm;
	unsigned int bad;
	int rc, status;

	const char *bootargs = "guest-test", *expect = NULL;
	enum xen_policy release = XEN_POLICY_LATEST;
	char args[512];
	uint64_t dma_base = 0;
	unsigned int timeout_ms = 30000;
	struct xen_sender xs = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	bool xen_sender = false;
	int argi;

	if (argc < 2 || (strcmp(argv[1], "inproc") && strcmp(argv[1], "kvm")) ||
	    (!strcmp(argv[1], "kvm") && argc < 3)) {
		fprintf(stderr, "usage: %s inproc | kvm IMAGE.elf [--bootargs S] "
			"[--expect-crash TEXT] [--timeout MS] [--dma ADDR] [--xen RELEASE] "
			"[--xen-sender] [--cpus N]\n", argv[0]);
		return GTEST_FAIL;
	}
	kvm = !strcmp(argv[1], "kvm");
	for (argi = kvm ? 3 : 2; argi < argc; argi += 2) {
		if (!strcmp(argv[argi], "--xen-sender")) {
			xen_sender = true;
			argi--; /* no value */
			continue;
		}
		if (argi + 1 >= argc)
			break;
		if (!strcmp(argv[argi], "--bootargs"))
			bootargs = argv[argi + 1];
		else if (!strcmp(argv[argi], "--expect-crash"))
			expect = argv[argi + 1];
		else if (!strcmp(argv[argi], "--timeout"))
			timeout_ms = (unsigned int)strtoul(argv[argi + 1], NULL, 0);
		else if (!strcmp(argv[argi], "--cpus"))
			gtest_cpus = (unsigned int)strtoul(argv[argi + 1], NULL, 0);
		else if (!strcmp(argv[argi], "--dma"))
			dma_base = strtoull(argv[argi + 1], NULL, 0);
		else if (!strcmp(argv[argi], "--xen") && !xen_policy_parse(argv[argi + 1], &release))
			continue;
		else
			break;
	}
	if (argi != argc) {
		fprintf(stderr, "%s: bad argument %s\n", argv[0], argv[argi]);
		return GTEST_FAIL;
	}
	if (kvm) {
		k = kvm_open(err, sizeof(err));
		if (!k) {
			printf("kvm: unavailable: %s\n", err);
			return GTEST_SKIP;
		}
		image = elf_read_file(argv[2], &image_len, err, sizeof(err));
		if (!image) {
			fprintf(stderr, "gtest: %s\n", err);
			return GTEST_FAIL;
		}
	}

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.banks, banks, sizeof(banks));
	cfg.nr_banks = ARRAY_SIZE(banks);
	cfg.log = log_sink;
	cfg.log_level = HV_LOG_DEBUG;
	cfg.lazy_release = true; /* as `memvisor run` (prefault) */
	cfg.prefault = true;
	/* The guest learns the release's name from its command line, to
	 * check what it finds against what that release shows. */
	cfg.release = xen_policy_traits(release);
	snprintf(args, sizeof(args), "%s xen=%s", bootargs, cfg.release->name);
	bootargs = args;
	rc = vmm_init(&m, &cfg);
	if (rc) {
		fprintf(stderr, "gtest: vmm_init: %s\n", strerror(-rc));
		return GTEST_FAIL;
	}
	inproc_transport_init(&inproc, rt_hosted_start);
	vmm_set_transport(&m, kvm ? kvm_transport(k) : &inproc.t);
	if (make_domain(&m, &rd.d, dtb, sizeof(dtb), bootargs, dma_base,
			xen_sender ? &xs : NULL))
		return GTEST_FAIL;
	/* A guest whose CPL3 CPUID cannot reach memvisor's table, on any host. */
	if (kvm && strstr(bootargs, "cpuid_faulting") &&
	    kvm_vm_set_cpuid_faulting(kvm_vm_of(rd.d))) {
		printf("SKIP: kvm: this KVM offers guests no CPUID faulting\n");
		return GTEST_SKIP;
	}

	memset(&r, 0, sizeof(r));
	r.m = &m;
	r.timeout_ms = timeout_ms;
	r.out = open_memstream(&console, &console_len);
	r.err = stderr;
	r.dom = &rd;
	r.nr = 1;
	{
		struct domain *d = rd.d;
		memset(&rd, 0, sizeof(rd));
		rd.d = d;
	}
	rd.image = image;
	rd.image_len = image_len;
	rd.guest_main = guest_main;
	rd.dtb = dtb;
	rd.dev_base[RUNNER_DEV_DMA] = dma_base;
	if (runner_prepare(&r, &rd, err, sizeof(err))) {
		fprintf(stderr, "gtest: %s\n", err);
		return GTEST_FAIL;
	}
	if (xen_sender && pthread_create(&xs.th, NULL, xen_sender_thread, &xs)) {
		fprintf(stderr, "gtest: cannot start the sender thread\n");
		return GTEST_FAIL;
	}
	bad = runner_run(&r);
	if (xen_sender) {
		pthread_mutex_lock(&xs.lock);
		xs.stop = true;
		pthread_cond_signal(&xs.cond);
		pthread_mutex_unlock(&xs.lock);
		pthread_join(xs.th, NULL);
	}
	fclose(r.out);
	fputs(console, stdout);
	status = verdict(console);
	if (kvm)
		printf("kvm: used (%.1f ms from entry to shutdown)\n", rd.run_ms);
	if (expect) {
		/* A fault test passes when the domain was stopped for the reason given. */
		char line[400];

		runner_describe(&rd, line, sizeof(line));
		status = bad == 1 && rd.ex.kind != GEXIT_SHUTDOWN && strstr(line, expect) ?
				 GTEST_PASS : GTEST_FAIL;
		if (status != GTEST_PASS)
			fprintf(stderr, "gtest: expected a stop with \"%s\", got: %s\n", expect, line);
	} else if (bad || status < 0) {
		status = GTEST_FAIL;
	}
	free(console);
	if (r.stuck)
		return status; /* a guest thread still runs: do not tear down under it */
	runner_release(&r);
	vmm_destroy(&m);
	kvm_close(k);
	free(image);
	return status;
}
