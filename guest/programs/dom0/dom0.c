/*
 * Dom0 of a toolstack system (issue 16; systems/toolstack.dts,
 * docs/toolstack.md "The operator interface"): the three services a Xen
 * Dom0 runs for created domains, one vCPU per role, each blocking on its
 * own events (docs/vcpus.md), so that a toolstack waiting for a backend
 * never holds up the xenstored that backend talks to:
 *
 *   vCPU 0  the toolstack: reads commands from the console input
 *           (CONSOLEIO_read, woken by VIRQ_CONSOLE) and runs them with
 *           the toolstack library (xen/toolstack.h) and the xl.cfg parser
 *           (xen/xlcfg.h); replies are console lines "xl: ...", the last
 *           "xl: end <rc>" (cli/control.h has the protocol);
 *   vCPU 1  xenstored (xen/xsd_service.h), serving every introduced
 *           domain's ring and Dom0's local clients (the toolstack's and
 *           the backend's);
 *   vCPU 2  the virtio-disk backend: takes each frontend xenstore names
 *           (xen/xs_vdisk_be.h), maps the frontend's RAM, serves its
 *           virtio-mmio window through an IOREQ server on this domain's
 *           VMM block device (as virtio_backend does for a boot-built
 *           DomU) until the driver is done or the domain goes, then undoes
 *           everything and waits for the next.
 *
 * Everything a secondary vCPU uses is allocated on vCPU 0 first (the
 * page allocator is vCPU 0's, docs/vcpus.md), the unpopulated frames the
 * backend maps frontends at included; in process each role starts with
 * vCPU 0's event-channel state (role_enter).
 *
 * `shutdown` destroys every domain the toolstack created and powers the
 * domain off, which ends the system's run.
 */
#include <libfdt.h>
#include <string.h>

#include <public/errno.h>
#include <public/ioreq.h>
#include <public/memory.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/smp.h>
#include <xen/evtchn.h>
#include <xen/foreign.h>
#include <xen/iommu.h>
#include <xen/multicall.h>
#include <xen/toolstack.h>
#include <xen/toolstack_xs.h>
#include <xen/unpopulated.h>
#include <xen/virtio_mmio_dev.h>
#include <xen/xlcfg.h>
#include <xen/xs_libxl.h>
#include <xen/xs_vdisk_be.h>
#include <xen/xsd_service.h>
#include <common/guest_layout.h>
#ifdef RT_HOSTED
#include <rt/hosted.h>
#endif

#include <ring.h>

#define D0_CPU_XSD 1
#define D0_CPU_BE 2
#define D0_CFG_PAGES 16                 /* 64 KiB: CTL_CFG_MAX */
#define D0_KERNEL_PAGES 2048            /* 8 MiB of kernel image */
#define D0_IN_PAGES 16                  /* console input read per call */
#define D0_BE_MAX_FRAMES (512UL << 8)   /* a frontend of up to 512 MiB */
#define D0_BE_CHUNK 1024UL              /* frames per map step (one batch call) */
#define D0_BE_UNMAP_MC 32               /* removals per multicall */

/* The backend maps and unmaps with pages of its own: the guest's page
 * allocator (which xforeign_map uses) is vCPU 0's, and vCPU 0 runs the
 * toolstack meanwhile. */
struct be_unmap_page {
	struct multicall_entry ent[D0_BE_UNMAP_MC];
	struct xen_remove_from_physmap x[D0_BE_UNMAP_MC];
};
_Static_assert(sizeof(struct be_unmap_page) <= 4096, "one page");
#define D0_XS_TS 0                      /* local xenstore clients */
#define D0_XS_BE 1

/* All of it is vCPU 0's allocation, reached by the other vCPUs through
 * this one pointer (hosted, static data is not guest memory). */
struct dom0 {
	struct xl xl;
	struct xlcfg cfg;
	struct xsd_svc svc;
	struct xs_client xs_ts, xs_be;
	struct xl_xs_ops xs_ops;
	struct xsbe be;
	evtchn_port_t con_port;
	char *in;                 /* console input page */
	size_t in_len, in_pos;
	char *cfgbuf;
	uint8_t *kernel;
	/* the backend's */
	struct vmdev dev;
	struct vmdev_bank banks[GUEST_RAM_BANKS];
	xen_pfn_t *fg;            /* D0_BE_CHUNK frontend frames per step */
	xen_pfn_t *lg;            /* D0_BE_MAX_FRAMES of ours */
	xen_pfn_t *io_gfn;
	int *errs;                /* D0_BE_CHUNK results of a map step */
	struct be_unmap_page *um; /* one page: a multicall of removals */
	uint64_t blk_base, blocks;
	struct xevtchn ev0;       /* vCPU 0's event-channel state (hosted: per thread) */
	volatile bool quit;
	volatile bool be_busy;    /* the backend is in a session (mapping, serving, unmapping) */
};

/* Per vCPU (hosted, a thread-local): each role sets it from its argument. */
static RT_TLS struct dom0 *d0;

/* A role's start on its vCPU. In process every vCPU is a thread and the
 * event-channel library's state is thread-local: the role takes vCPU 0's
 * (shared_info, the port table). Freestanding there is one state. */
static void role_enter(void *arg)
{
	d0 = arg;
#ifdef RT_HOSTED
	*xevtchn() = d0->ev0;
#endif
}

/* A decimal number at s; *end after it (s when none). */
static unsigned long dec(const char *s, const char **end)
{
	unsigned long v = 0;

	*end = s;
	while (**end >= '0' && **end <= '9' && v < 1000000000UL)
		v = v * 10 + (unsigned long)(*(*end)++ - '0');
	return v;
}

/* ---- console input (vCPU 0) ---- */

/* The next byte of console input, sleeping until one comes. */
static int con_getc(void)
{
	while (d0->in_pos == d0->in_len) {
		long r;

		/* Take the port first, then look: a byte that comes after the
		 * read sets it again, and the wait returns at once. */
		xevtchn_test_and_clear(d0->con_port);
		r = HYPERVISOR_console_io(CONSOLEIO_read, D0_IN_PAGES * RT_PAGE_SIZE, d0->in);
		if (r < 0) {
			rt_printf("dom0: CONSOLEIO_read: %ld\n", r);
			return -1;
		}
		d0->in_len = (size_t)r;
		d0->in_pos = 0;
		if (!r)
			xevtchn_wait_port(d0->con_port, 1000000000ULL);
	}
	return (unsigned char)d0->in[d0->in_pos++];
}

/* A command line without its newline (cut at n - 1). */
static void con_line(char *buf, size_t n)
{
	size_t l = 0;
	int c;

	while ((c = con_getc()) >= 0 && c != '\n')
		if (l < n - 1)
			buf[l++] = (char)c;
	buf[l] = '\0';
}

static void con_bytes(void *dst, size_t n, size_t keep)
{
	uint8_t *p = dst;

	for (size_t i = 0; i < n; i++) {
		int c = con_getc();

		if (c < 0)
			return;
		if (i < keep)
			p[i] = (uint8_t)c;
	}
}

/* ---- xenstore for the toolstack (xl_xs_ops) ---- */

/* The toolstack library's hooks (xen/toolstack_xs.h: libxl's nodes,
 * INTRODUCE, the wait for InitWait, RELEASE and removal) through Dom0's
 * local client; domain_new first says the domain's name, before its
 * unpause, so that the VMM can name the domain's report by it. */
static int xs_new(void *ctx, const struct xl_dom *d)
{
	rt_printf("xl: building d%u %s\n", d->domid, d->name);
	return xl_xs_libxl_ops.domain_new(ctx, d);
}

static int xs_disk_wait(void *ctx, const struct xl_dom *d, unsigned int i)
{
	int rc = xl_xs_libxl_ops.disk_wait(ctx, d, i);

	if (rc)
		rt_printf("xl: d%u's disk %s: its backend d%u did not reach InitWait (%d)\n",
			  d->domid, d->disk[i].vdev, d->disk[i].backend, rc);
	return rc;
}

static const struct xl_xs_ops xs_ops = {
	.domain_new = xs_new,
	.disk_wait = xs_disk_wait,
	.domain_gone = NULL, /* set from xl_xs_libxl_ops at start */
};

/* ---- the toolstack's commands (vCPU 0) ---- */

static void list_line(void *arg, const char *text)
{
	(void)arg;
	rt_printf("xl: %s\n", text);
}

static int cmd_create(unsigned long cfg_len, unsigned long kernel_len)
{
	char err[200];
	domid_t id = 0;
	uint64_t t0 = xevtchn_now(), t1;
	int rc;

	con_bytes(d0->cfgbuf, cfg_len, D0_CFG_PAGES * RT_PAGE_SIZE);
	con_bytes(d0->kernel, kernel_len, D0_KERNEL_PAGES * RT_PAGE_SIZE);
	if (cfg_len > D0_CFG_PAGES * RT_PAGE_SIZE || kernel_len > D0_KERNEL_PAGES * RT_PAGE_SIZE) {
		rt_printf("xl: the config (%lu bytes) or kernel (%lu bytes) is larger than this "
			  "Dom0 takes (%lu / %lu)\n", cfg_len, kernel_len,
			  (unsigned long)D0_CFG_PAGES * RT_PAGE_SIZE,
			  (unsigned long)D0_KERNEL_PAGES * RT_PAGE_SIZE);
		return -XEN_E2BIG;
	}
	rc = xlcfg_parse(d0->cfgbuf, cfg_len, &d0->cfg, err, sizeof(err));
	if (rc) {
		rt_printf("xl: config: %s\n", err);
		return rc;
	}
	t1 = xevtchn_now();
	rc = xl_create(&d0->xl, &d0->cfg, d0->kernel, kernel_len, &id, err, sizeof(err));
	if (rc) {
		rt_printf("xl: create %s: %s\n", d0->cfg.name, err);
		return rc;
	}
	/* where the time went: the bytes over the console, then xl_create
	 * (its build, the backend's InitWait, the unpause) */
	rt_printf("xl: created %s as d%u (%lu MiB, %u vCPU(s), %u disk(s)); %lu KiB read in "
		  "%lu us, built in %lu us\n", d0->cfg.name, id,
		  (unsigned long)d0->cfg.memory_mib, d0->cfg.vcpus, d0->cfg.nr_disks,
		  (cfg_len + kernel_len) >> 10, (unsigned long)((t1 - t0) / 1000),
		  (unsigned long)((xevtchn_now() - t1) / 1000));
	return 0;
}

static int cmd_destroy(const char *what)
{
	int id = xl_find(&d0->xl, what);
	int rc;

	if (id < 0) {
		rt_printf("xl: no domain %s\n", what);
		return id;
	}
	if (id == 0) {
		rt_printf("xl: Dom0 is not destroyed this way (shutdown ends the system)\n");
		return -XEN_EINVAL;
	}
	rc = xl_destroy(&d0->xl, (domid_t)id);
	if (!rc)
		rt_printf("xl: destroyed d%d\n", id);
	return rc;
}

static RT_NORETURN void cmd_shutdown(void)
{
	for (unsigned int i = 0; i < XL_MAX_DOMS; i++)
		if (d0->xl.dom[i].used) {
			domid_t id = d0->xl.dom[i].domid;
			int rc = xl_destroy(&d0->xl, id);

			rt_printf("xl: destroyed d%u (%d)\n", id, rc);
		}
	d0->quit = true;
	/* The backend may still be unmapping a frontend that just ended:
	 * let it finish (bounded), so that Dom0 ends with nothing mapped. */
	for (uint64_t end = xevtchn_now() + 5000000000ULL;
	     __atomic_load_n(&d0->be_busy, __ATOMIC_ACQUIRE) && xevtchn_now() < end;)
		ring_yield();
	rt_printf("xl: end 0\n");
	rt_shutdown(SHUTDOWN_poweroff);
}

static RT_NORETURN void toolstack_loop(void)
{
	char line[300];

	rt_printf("dom0: toolstack ready: commands on the console input\n");
	for (;;) {
		unsigned long a, b;
		const char *end;
		int rc;

		con_line(line, sizeof(line));
		if (!line[0])
			continue;
		if (!strncmp(line, "create ", 7)) {
			const char *p;

			a = dec(line + 7, &end);
			p = end;
			b = *p == ' ' ? dec(p + 1, &end) : 0;
			if (*end || p == line + 7 || end == p || end == p + 1) {
				rt_printf("xl: create wants <cfg_len> <kernel_len>\n");
				rc = -XEN_EINVAL;
			} else {
				rc = cmd_create(a, b);
			}
		} else if (!strcmp(line, "list")) {
			rc = xl_list(&d0->xl, list_line, NULL);
			rc = rc < 0 ? rc : 0;
		} else if (!strncmp(line, "destroy ", 8)) {
			rc = cmd_destroy(line + 8);
		} else if (!strcmp(line, "shutdown")) {
			cmd_shutdown();
		} else {
			rt_printf("xl: unknown command '%.40s'\n", line);
			rc = -XEN_EINVAL;
		}
		rt_printf("xl: end %d\n", rc);
	}
}

/* ---- xenstored (vCPU 1) ---- */

static void xsd_role(void *arg)
{
	int rc;

	role_enter(arg);
	rc = xsd_svc_run(&d0->svc);
	if (rc && !d0->quit)
		rt_printf("dom0: xenstored stopped: %d\n", rc);
}

/* ---- the virtio-disk backend (vCPU 2) ---- */

static uint8_t slot_state(struct ioreq *slot)
{
	return __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_ACQUIRE) & 0xf;
}

static void slot_set_state(struct ioreq *slot, uint8_t st)
{
	uint8_t v = __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_RELAXED);

	__atomic_store_n(&((uint8_t *)slot)[30], (uint8_t)((v & 0xf0) | st), __ATOMIC_RELEASE);
}

/* The frontend's RAM as libxl lays it out (RAM0 at 1 GiB, the rest in
 * RAM1), from its memory/static-max. */
static uint64_t fe_banks(const struct xsbe_disk *k)
{
	uint64_t frames = k->static_max_kib >> 2, r0 = GUEST_RAM0_SIZE >> 12;

	d0->dev.nr_banks = 0;
	d0->banks[0] = (struct vmdev_bank){.gpa = GUEST_RAM0_BASE,
					   .frames = frames < r0 ? frames : r0, .local = d0->lg};
	d0->dev.nr_banks = 1;
	if (frames > r0) {
		d0->banks[1] = (struct vmdev_bank){.gpa = GUEST_RAM1_BASE, .frames = frames - r0,
						   .local = d0->lg + r0};
		d0->dev.nr_banks = 2;
	}
	return frames;
}

static void be_unmap(uint64_t mapped)
{
	struct be_unmap_page *pg = d0->um;
	long first = 0;

	for (uint64_t i = 0; i < mapped; i += D0_BE_UNMAP_MC) {
		struct xmc m;
		long rc;

		xmc_init(&m, pg->ent, D0_BE_UNMAP_MC);
		for (unsigned int j = 0; j < D0_BE_UNMAP_MC && i + j < mapped; j++) {
			pg->x[j] = (struct xen_remove_from_physmap){.domid = DOMID_SELF,
								    .gpfn = d0->lg[i + j]};
			xmc_add(&m, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
				rt_handle(&pg->x[j]), 0, 0, 0);
		}
		rc = xmc_run(&m, NULL);
		if (rc && !first)
			first = rc;
	}
	if (first)
		rt_printf("dom0: backend: unmapping the frontend's RAM: %ld\n", first);
}

/* Maps the frontend's RAM; the frames mapped (all of them) or 0. */
static uint64_t be_map(domid_t fe, uint64_t total)
{
	uint64_t done = 0;

	for (unsigned int b = 0; b < d0->dev.nr_banks; b++) {
		const struct vmdev_bank *bk = &d0->banks[b];

		for (uint64_t i = 0; i < bk->frames;) {
			uint64_t n = bk->frames - i < D0_BE_CHUNK ? bk->frames - i : D0_BE_CHUNK;
			long r;

			struct xen_add_to_physmap_batch *bt = (void *)d0->um;

			for (uint64_t k = 0; k < n; k++)
				d0->fg[k] = (bk->gpa >> 12) + i + k;
			*bt = (struct xen_add_to_physmap_batch){.domid = DOMID_SELF,
							       .space = XENMAPSPACE_gmfn_foreign,
							       .size = (uint16_t)n,
							       .u.foreign_domid = fe};
			set_xen_guest_handle(bt->idxs, rt_handle(d0->fg));
			set_xen_guest_handle(bt->gpfns, rt_handle(d0->lg + done));
			set_xen_guest_handle(bt->errs, rt_handle(d0->errs));
			r = rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
					 rt_handle(bt), 0, 0, 0);
			done += n;
			for (uint64_t k = 0; !r && k < n; k++)
				r = d0->errs[k];
			if (r) {
				rt_printf("dom0: backend: mapping d%u's RAM: %ld\n", fe, r);
				goto err;
			}
			i += n;
		}
	}
	(void)total;
	return done;
err:
	be_unmap(done);
	return 0;
}

/* Serves one frontend's window until its driver is done or it is gone. */
static void be_serve(const struct xsbe_disk *k)
{
	struct vmdev *dev = &d0->dev;
	uint64_t total = fe_banks(k), mapped, served = 0, checked = 0;
	struct ioreq *slot;
	evtchn_port_t port = 0;
	ioservid_t id;
	bool live = false, done = false, gone = false;
	int rc;

	if (!total || total > D0_BE_MAX_FRAMES) {
		rt_printf("dom0: backend: d%u's %lu KiB of RAM is more than it maps (%lu MiB)\n",
			  k->fe, (unsigned long)k->static_max_kib, D0_BE_MAX_FRAMES >> 8);
		return;
	}
	dev->fe = k->fe;
	dev->base = k->base;
	dev->irq = k->irq;
	dev->banks = d0->banks;
	mapped = be_map(k->fe, total);
	if (!mapped)
		return;
	rc = xdm_create_ioreq_server(k->fe, XDM_NO_PAGE, d0->io_gfn[0], &id);
	if (rc) {
		rt_printf("dom0: backend: no IOREQ server for d%u: %d\n", k->fe, rc);
		goto out_map;
	}
	slot = rt_phys_to_virt(d0->io_gfn[0] << 12);
	rc = xdm_map_mmio_range(k->fe, id, k->base, k->base + VIRTIO_MMIO_SIZE - 1);
	if (!rc)
		rc = xevtchn_bind_interdomain(k->fe, slot->vp_eport, &port);
	if (rc) {
		rt_printf("dom0: backend: claiming d%u's window: %d\n", k->fe, rc);
		goto out_server;
	}
	vmdev_reset(dev);
	rt_printf("dom0: backend: serving d%u's virtio disk %s at %#lx, SPI %u (%lu MiB of its "
		  "RAM mapped)\n", k->fe, k->params, (unsigned long)k->base, k->irq,
		  (unsigned long)(mapped >> 8));
	while (!done && !gone) {
		xevtchn_test_and_clear(port);
		if (slot_state(slot) != STATE_IOREQ_READY) {
			if (!served && xdm_set_irq_level(k->fe, k->irq, 1))
				gone = true; /* announce the window until it is used */
			/* now and then: did the frontend go away? */
			if (++checked % 8 == 0 && xsbe_gone(&d0->be, k))
				gone = true;
			xevtchn_poll(&port, 1, xevtchn_now() + (served ? 100000000ULL : 1000000ULL));
			continue;
		}
		slot_set_state(slot, STATE_IOREQ_INPROCESS);
		vmdev_ioreq(dev, slot);
		if (dev->status & VIRTIO_ST_DRIVER_OK)
			live = true;
		else if (live && !dev->status)
			done = true;
		slot_set_state(slot, STATE_IORESP_READY);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (xevtchn_send(port))
			gone = true;
		served++;
		if (vmdev_process(dev))
			gone = true;
	}
	for (unsigned int i = 0; !gone && i < 1000 && slot_state(slot) != STATE_IOREQ_NONE; i++)
		ring_yield(); /* the vCPU took the last answer */
	rt_printf("dom0: backend: d%u %s: %lu accesses, %lu requests (%lu malformed, %lu "
		  "IOERR)\n", k->fe, gone ? "went away" : "is done", (unsigned long)served,
		  (unsigned long)dev->st.requests, (unsigned long)dev->st.bad_chains,
		  (unsigned long)dev->st.ioerr);
	xevtchn_close(port);
out_server:
	/* a destroyed frontend took its server with it: the errors are expected */
	xdm_destroy_ioreq_server(k->fe, id);
	{
		/* the acquired ioreq page, also when the server went with its
		 * domain (not xforeign_unmap: it allocates) */
		struct xen_remove_from_physmap x = {.domid = DOMID_SELF, .gpfn = d0->io_gfn[0]};

		HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &x);
	}
out_map:
	be_unmap(mapped);
}

static void be_role(void *arg)
{
	struct xsbe_disk k;

	role_enter(arg);
	while (!d0->quit) {
		int rc = xsbe_take(&d0->be, &k);

		if (rc == -XEN_EAGAIN) {
			/* A watch event that came in while xsbe_take read (its
			 * kick taken by a reply's wait) is not slept through:
			 * xsd_svc_wait returns at once while the client has
			 * input (xs_has_input). */
			xsd_svc_wait(&d0->svc, D0_XS_BE, xevtchn_now() + 200000000ULL);
			continue;
		}
		if (rc) {
			rt_printf("dom0: backend: xenstore: %d\n", rc);
			xsd_svc_wait(&d0->svc, D0_XS_BE, xevtchn_now() + 1000000000ULL);
			continue;
		}
		__atomic_store_n(&d0->be_busy, true, __ATOMIC_RELEASE);
		be_serve(&k);
		memset(&d0->dev.st, 0, sizeof(d0->dev.st));
		xsbe_end(&d0->be, &k);
		__atomic_store_n(&d0->be_busy, false, __ATOMIC_RELEASE);
	}
}

/* ---- start ---- */

static RT_NORETURN void fail(const char *what, long rc)
{
	rt_printf("dom0: %s (%ld)\n", what, rc);
	rt_shutdown(SHUTDOWN_crash);
}

void dom0_main(void)
{
	int rc;

	d0 = rt_alloc_pages((sizeof(*d0) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	if (!d0)
		fail("out of memory", -XEN_ENOMEM);
	memset(d0, 0, sizeof(*d0));
	d0->in = rt_alloc_pages(D0_IN_PAGES);
	d0->cfgbuf = rt_alloc_pages(D0_CFG_PAGES);
	d0->kernel = rt_alloc_pages(D0_KERNEL_PAGES);
	d0->fg = rt_alloc_pages(D0_BE_CHUNK * sizeof(xen_pfn_t) / RT_PAGE_SIZE);
	d0->lg = rt_alloc_pages(D0_BE_MAX_FRAMES * sizeof(xen_pfn_t) / RT_PAGE_SIZE);
	d0->io_gfn = rt_alloc_pages(1);
	d0->errs = rt_alloc_pages(D0_BE_CHUNK * sizeof(int) / RT_PAGE_SIZE);
	d0->um = rt_alloc_pages(1);
	if (!d0->in || !d0->cfgbuf || !d0->kernel || !d0->fg || !d0->lg || !d0->io_gfn ||
	    !d0->errs || !d0->um)
		fail("out of memory for its buffers", -XEN_ENOMEM);
	rc = xen_unpopulated_init(rt_dt());
	if (rc)
		fail("no unpopulated allocator", rc);
	rc = xevtchn_init(0);
	if (rc)
		fail("no event channels", rc);
	rt_irq_enable();
	/* The backend's window onto a frontend: unpopulated frames taken
	 * here, as only vCPU 0 allocates (it is reused for every frontend). */
	rc = xen_alloc_unpopulated_pages(D0_BE_MAX_FRAMES, d0->lg);
	if (!rc)
		rc = xen_alloc_unpopulated_pages(1, d0->io_gfn);
	/* reachable now: making them so later would take page-table pages
	 * from vCPU 0's allocator */
	if (!rc && (xforeign_reach(d0->lg, D0_BE_MAX_FRAMES) || xforeign_reach(d0->io_gfn, 1)))
		rc = -XEN_ENOMEM;
	if (rc)
		fail("no unpopulated frames for the backend's mappings", rc);
	rc = xevtchn_bind_virq(VIRQ_CONSOLE, 0, &d0->con_port);
	if (rc)
		fail("cannot bind VIRQ_CONSOLE", rc);
	if (rt_nr_cpus() < 3)
		fail("needs 3 vCPUs (toolstack, xenstored, backend): dom0_max_vcpus=3",
		     -XEN_EINVAL);

	rc = xsd_svc_init(&d0->svc);
	if (!rc)
		rc = xsd_svc_open(&d0->svc, D0_XS_TS, &d0->xs_ts);
	if (!rc)
		rc = xsd_svc_open(&d0->svc, D0_XS_BE, &d0->xs_be);
	if (rc)
		fail("cannot start xenstored", rc);
	d0->ev0 = *xevtchn();
	rc = rt_vcpu_start(D0_CPU_XSD, xsd_role, d0);
	if (rc)
		fail("cannot start xenstored's vCPU", rc);

	/* The backend: its storage is this domain's VMM block device. */
	if (blk_find(&d0->blk_base, &d0->blocks)) {
		rt_printf("dom0: no block device (memvisor,blk-v1): no virtio-disk backend\n");
	} else {
		rc = vmdev_use_blkdev(&d0->dev, d0->blk_base);
		d0->dev.sectors = d0->blocks * (BLK_SIZE / VIRTIO_BLK_SECTOR);
		if (!rc)
			rc = xsbe_init(&d0->be, &d0->xs_be);
		if (!rc)
			rc = rt_vcpu_start(D0_CPU_BE, be_role, d0);
		if (rc)
			fail("cannot start the virtio-disk backend", rc);
		rt_printf("dom0: virtio-disk backend: %lu KiB on the block device, frontends "
			  "from xenstore\n", (unsigned long)(d0->dev.sectors * VIRTIO_BLK_SECTOR >> 10));
	}

	d0->xs_ops = xs_ops;
	d0->xs_ops.domain_gone = xl_xs_libxl_ops.domain_gone;
	d0->xl.xs = &d0->xs_ops;
	d0->xl.xs_ctx = &d0->xs_ts;
#ifdef RT_HOSTED
	d0->xl.hosted_entry = rt_hosted_program_entry;
#endif
	rc = xl_init(&d0->xl);
	if (rc)
		fail("xl_init", rc);
	toolstack_loop();
}

#ifndef RT_HOSTED
void rt_main(void)
{
	dom0_main();
}
#endif
