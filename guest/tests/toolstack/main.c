/*
 * The toolstack library (guest/xen/toolstack.c) in a privileged domain
 * (issue 16 items 2 and 6), run by tests/guest/toolstack.c on both
 * transports: DomUs are created from xl.cfg text with the kernel hello.elf
 * (its bytes linked into this program), loaded through foreign mappings;
 * each runs (on KVM the ELF at its entry, in process the built-in hello
 * program the kernel name picks, rt/hosted.h), checks that its device tree
 * holds the memory and virtio disks the config asked (it crashes
 * otherwise), prints and powers off. The toolstack waits for each
 * poweroff, lists the domains (xl list), destroys them; then runs
 * TS_CYCLES create/run/destroy cycles, requiring every cycle that the
 * heap's free pages (physinfo), the domain list and this domain's open
 * ports are back where they started; a config with more memory than is free fails with -ENOMEM and
 * leaves the same. The driver checks at the end that only the toolstack's
 * domain is left, the heap and memfd are back and every thread is reaped.
 */
#include <string.h>

#include <public/domctl.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/sysctl.h>
#include <public/xen.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>
#include <xen/toolstack.h>
#include <xen/unpopulated.h>
#include <xen/xlcfg.h>
#ifdef RT_HOSTED
#include <rt/hosted.h>
#endif

#include "ts.h"

const char test_title[] = "toolstack";

extern const uint8_t ts_kernel[], ts_kernel_end[];

static struct xl xl;
static struct xlcfg cfg;

/* HVMOP_get_time: ns, the hypervisor's clock (arguments in a page). */
static uint64_t *clock_page;

static uint64_t now_ns(void)
{
	struct xen_hvm_get_time *t = (void *)clock_page;

	if (rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_time, rt_handle(t), 0, 0, 0))
		return 0;
	return t->now;
}

static uint64_t free_pages(void)
{
	struct xen_sysctl *sc = (void *)(clock_page + 64);

	memset(sc, 0, sizeof(*sc));
	sc->cmd = XEN_SYSCTL_physinfo;
	sc->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	if (rt_hypercall(__HYPERVISOR_sysctl, rt_handle(sc), 0, 0, 0, 0))
		return 0;
	return sc->u.physinfo.free_pages;
}

static struct xen_domctl *dc;

/* This domain's open ports below 64 (EVTCHNOP_status; argument in a page). */
static unsigned int open_ports(void)
{
	struct evtchn_status *st = (void *)(clock_page + 256);
	unsigned int n = 0;

	for (evtchn_port_t p = 1; p < 64; p++) {
		*st = (struct evtchn_status){.dom = DOMID_SELF, .port = p};
		if (rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_status, rt_handle(st), 0,
				 0, 0))
			break;
		n += st->status != EVTCHNSTAT_closed;
	}
	return n;
}

static long info(domid_t id, struct xen_domctl_getdomaininfo *gi)
{
	long rc;

	memset(dc, 0, sizeof(*dc));
	dc->cmd = XEN_DOMCTL_getdomaininfo;
	dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc->domain = id;
	rc = rt_hypercall(__HYPERVISOR_domctl, rt_handle(dc), 0, 0, 0, 0);
	*gi = dc->u.getdomaininfo;
	if (!rc && gi->domain != id)
		rc = -XEN_ESRCH;
	return rc;
}

/* Domains from first_domain 0 on (getdomaininfolist through xl_list). */
static unsigned int list_count;
static char list_text[4][160];

static void on_line(void *arg, const char *text)
{
	(void)arg;
	if (list_count < 4)
		memcpy(list_text[list_count], text, strlen(text) + 1 < 160 ? strlen(text) + 1 : 160);
	list_count++;
}

static int nr_domains(void)
{
	list_count = 0;
	return xl_list(&xl, on_line, NULL);
}

static int create(const char *name, unsigned int mib, unsigned int disks, domid_t *id)
{
	char text[600], err[160];
	int n, rc;

	n = rt_snprintf(text, sizeof(text),
			"name = '%s'\nmemory = %u\nkernel = 'guest/hello.elf'\n"
			"extra = 'expect_mib=%u expect_virtio=%u'\n",
			name, mib, mib, disks);
	if (disks)
		n += rt_snprintf(text + n, sizeof(text) - (size_t)n,
				 "disk = [ 'vdev=xvda, specification=virtio, transport=mmio, "
				 "backendtype=standalone, target=/none.img' ]\n");
	rc = xlcfg_parse(text, (size_t)n, &cfg, err, sizeof(err));
	rt_check_eq(rc, 0, "xl.cfg of %s: %s", name, err);
	if (rc)
		return rc;
	rc = xl_create(&xl, &cfg, ts_kernel, (size_t)(ts_kernel_end - ts_kernel), id, err,
		       sizeof(err));
	if (rc)
		rt_printf("toolstack: create %s: %d: %s\n", name, rc, err);
	return rc;
}

/* Waits until id shut down; its reason (or -1 when it never did). */
static int wait_shutdown(domid_t id)
{
	struct xen_domctl_getdomaininfo gi;

	for (unsigned long n = 0; n < TS_WAIT; n++) {
		if (info(id, &gi))
			return -1;
		if (gi.flags & XEN_DOMINF_shutdown)
			return (int)((gi.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask);
		rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	return -1;
}

static void first_domains(void)
{
	domid_t a = 0, b = 0;
	const struct xl_dom *d;

	rt_check_eq(create("hello-small", 8, 0, &a), 0, "create hello-small");
	rt_check_eq(create("hello-disk", 16, 1, &b), 0, "create hello-disk");
	d = xl_dom(&xl, b);
	rt_check(d && d->nr_disks == 1 && d->nr_regions >= 1, "hello-disk's disk and regions");
	rt_check_eq(xl_find(&xl, "hello-small"), a, "find by name");
	rt_check_eq(wait_shutdown(a), SHUTDOWN_poweroff, "hello-small (d%u) powered off", a);
	rt_check_eq(wait_shutdown(b), SHUTDOWN_poweroff, "hello-disk (d%u) powered off", b);
	rt_check_eq(nr_domains(), 3, "xl list: Dom0 and the two");
	for (unsigned int i = 0; i < list_count && i < 4; i++)
		rt_printf("%s\n", list_text[i]);
	rt_check(!strncmp(list_text[2], "hello-small", 11) && !strncmp(list_text[3], "hello-disk", 10),
		 "xl list names them");
	rt_check_eq(xl_destroy(&xl, a), 0, "destroy hello-small");
	rt_check_eq(xl_destroy(&xl, b), 0, "destroy hello-disk");
	rt_check_eq(xl_find(&xl, "hello-disk"), -XEN_ESRCH, "gone");
}

static void cycles(void)
{
	uint64_t free0 = free_pages(), t0, t_create = 0, t_run = 0, start;
	int doms0 = nr_domains();
	unsigned int ports0 = open_ports();
	unsigned int ok = 0;

	start = now_ns();
	for (unsigned int c = 0; c < TS_CYCLES; c++) {
		domid_t id = 0;
		int rc;

		t0 = now_ns();
		rc = create("cycle", 8, c & 1, &id);
		t_create += now_ns() - t0;
		if (rc) {
			rt_check_eq(rc, 0, "cycle %u: create", c);
			break;
		}
		t0 = now_ns();
		rc = wait_shutdown(id);
		t_run += now_ns() - t0;
		rt_check_eq(rc, SHUTDOWN_poweroff, "cycle %u: d%u powered off", c, id);
		rt_check_eq(xl_destroy(&xl, id), 0, "cycle %u: destroy", c);
		rt_check_eq(free_pages(), free0, "cycle %u: the heap's free pages are back", c);
		rt_check_eq(nr_domains(), doms0, "cycle %u: the domain list is back", c);
		rt_check_eq(open_ports(), ports0, "cycle %u: our open ports are back", c);
		if (free_pages() != free0)
			break;
		ok++;
	}
	rt_printf("toolstack: %u create/run/destroy cycles in %llu ms (%llu cycles/s); create "
		  "(xl_create, to the unpause) %llu us, unpause to poweroff %llu us on average\n",
		  ok, (unsigned long long)((now_ns() - start) / 1000000),
		  (unsigned long long)(ok * 1000000000ULL / (now_ns() - start + 1)),
		  (unsigned long long)(ok ? t_create / ok / 1000 : 0),
		  (unsigned long long)(ok ? t_run / ok / 1000 : 0));
}

static void too_big(void)
{
	uint64_t free0 = free_pages();
	unsigned int mib = (unsigned int)(free0 >> 8) + 64;
	domid_t id = 0;
	int doms0 = nr_domains();

	rt_check_eq(create("too-big", mib, 0, &id), -XEN_ENOMEM, "%u MiB (more than free)", mib);
	rt_check_eq(free_pages(), free0, "nothing taken from the heap");
	rt_check_eq(nr_domains(), doms0, "nothing left half-built");
	rt_check_eq(xl_find(&xl, "too-big"), -XEN_ESRCH, "no such domain");
}

void test_main(void)
{
	int rc = xen_unpopulated_init(rt_dt());

	if (rc) {
		rt_test_error("no unpopulated allocator (%d)", rc);
		return;
	}
	clock_page = rt_alloc_pages(1);
	dc = rt_alloc_pages(1);
	if (!clock_page || !dc) {
		rt_test_error("no memory");
		return;
	}
#ifdef RT_HOSTED
	xl.hosted_entry = rt_hosted_program_entry;
#endif
	rc = xl_init(&xl);
	if (rc) {
		rt_test_error("xl_init: %d", rc);
		return;
	}
	first_domains();
	too_big();
	cycles();
	xl_fini(&xl);
}
