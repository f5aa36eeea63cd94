/*
 * xenstore as Dom0's service with a virtio disk found through it (issue
 * 16 item 3; tests/guest/xsd.c runs it on gtest_multi, both transports).
 * One image, the role from bootargs "role=NAME":
 *
 *   dom0  d0, privileged, 3 vCPUs, one per role (docs/vcpus.md):
 *         vCPU 1: xenstored (xen/xsd_service.h) serving every introduced
 *                 ring and Dom0's two local clients;
 *         vCPU 0: a toolstack step per DomU, one after the other: its store
 *                 (xs_store_prepare + INTRODUCE), libxl's nodes for the
 *                 domain and its virtio disk (xen/xs_libxl.h), libxl's wait
 *                 for InitWait, then for the backend's Closed, the
 *                 frontend's report, RELEASE and removal of the nodes;
 *         vCPU 2: the virtio-disk backend (xen/vdisk_xs.h, set up on vCPU
 *                 0) finding each frontend in xenstore, serving it until it
 *                 leaves.
 *   fe    d1, d2: finds its store (HVM params), reads its nodes (and is
 *         refused what libxl's permissions refuse), waits for the
 *         backend's InitWait, drives the disk (xen/virtio_blk.h) at the
 *         window its nodes and its device tree name, then says it is done
 *         (data/result) and leaves (its state Closing for d1, Closed for
 *         d2). d2 reads what d1 wrote: one disk, two sessions.
 *   flood d4: introduced first, keeps its request ring full of reads and
 *         never reads a reply, until Dom0 releases it at the end (its store
 *         port is then no longer connected); everything above happens
 *         meanwhile, and the service must have held it back.
 *   gone  d3: finds its store, reports, shuts down; the toolstack hears
 *         @releaseDomain (the service's VIRQ_DOM_EXC and getdomaininfo),
 *         sees it still introduced (shut down, not dead), releases it.
 *
 * Nothing is decided by time: every wait is for an event with a limit
 * only for a broken run.
 */
#include <libfdt.h>
#include <string.h>

#include <public/domctl.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/smp.h>
#include <rt/test.h>
#include <xen/evtchn.h>
#include <xen/unpopulated.h>
#include <xen/vdisk_xs.h>
#include <xen/virtio_blk.h>
#include <xen/xenstore.h>
#include <xen/xenstore_hvm.h>
#include <xen/xs_libxl.h>
#include <xen/xsd_service.h>

#include "xt.h"

const char test_title[] = "xenstore service";

#define XT_LIMIT_NS 60000000000ULL /* only a limit for a broken run */
#define XT_TICK_NS 10000000ULL

static bool init(void)
{
	int rc = xen_unpopulated_init(rt_dt());

	if (!rc)
		rc = xevtchn_init(0);
	if (rc) {
		rt_test_error("set-up failed (%d)", rc);
		return false;
	}
	rt_irq_enable();
	return true;
}

static void pattern(uint64_t *w, unsigned int fe, uint64_t sector)
{
	for (unsigned int j = 0; j < VIRTIO_BLK_SECTOR / 8; j++)
		w[j] = 0x5853000000000000ULL | (uint64_t)fe << 40 | sector << 16 | j;
}

/* ----- the frontends ----- */

struct domu {
	evtchn_port_t port;
	uint64_t end;
};
static RT_TLS struct domu me;

static void domu_notify(void *ctx)
{
	(void)ctx;
	xevtchn_send(me.port);
}

static int domu_wait(void *ctx)
{
	(void)ctx;
	xevtchn_wait_port(me.port, XT_TICK_NS);
	return xevtchn_now() > me.end ? -1 : 0;
}

/* Reads path as a number; -1 when unreadable. */
static long read_num(struct xs_client *c, const char *path)
{
	char buf[24];
	int n = xs_read(c, 0, path, buf, sizeof(buf));
	long v = 0;

	if (n <= 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		v = v * 10 + (buf[i] - '0');
	}
	return v;
}

/* Waits (a watch) until path exists. */
static bool wait_exists(struct xs_client *c, const char *path)
{
	const char *p, *t;
	char buf[XS_LIBXL_PATH];
	bool ok = false;

	if (xs_watch(c, path, "e"))
		return false;
	for (;;) {
		if (xs_read(c, 0, path, buf, sizeof(buf)) >= 0) {
			ok = true;
			break;
		}
		while (!xs_read_watch(c, &p, &t))
			if (c->wait(c->ctx) < 0)
				goto out;
	}
out:
	xs_unwatch(c, path, "e");
	while (xs_read_watch(c, &p, &t))
		;
	return ok;
}

/* Waits (a watch) until path reads `want`. */
static bool wait_value(struct xs_client *c, const char *path, long want)
{
	const char *p, *t;
	bool ok = false;

	if (xs_watch(c, path, "w"))
		return false;
	for (;;) {
		if (read_num(c, path) == want) {
			ok = true;
			break;
		}
		while (!xs_read_watch(c, &p, &t))
			if (c->wait(c->ctx) < 0)
				goto out;
	}
out:
	xs_unwatch(c, path, "w");
	while (xs_read_watch(c, &p, &t))
		;
	return ok;
}

static void frontend(void)
{
	struct xenstore_domain_interface *intf = NULL;
	struct xs_client *c = rt_alloc_pages((sizeof(*c) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	static struct vblk dev;
	uint64_t *buf = rt_alloc_pages(2);
	char be[XS_LIBXL_PATH], path[XS_LIBXL_PATH + 16], fe_dir[XS_LIBXL_PATH];
	struct evtchn_bind_pirq bp;
	uint64_t base = 0;
	uint32_t spi = 0;
	int node = -1, rc;
	long self, bad = 0;

	if (!c || !buf || !init())
		return;
	me.end = xevtchn_now() + XT_LIMIT_NS;
	rc = xs_store_find(me.end, &intf, &me.port);
	rt_check_eq(rc, 0, "find the store");
	if (rc)
		return;
	xs_client_init(c, intf, domu_notify, domu_wait, NULL);
	/* as if unpaused by the toolstack: once its nodes are all written
	 * (the disk's, in the last transaction) */
	rt_check(wait_exists(c, "device/virtio_disk/51712/backend"), "our disk's nodes");

	/* the nodes libxl wrote, and what they let us do */
	self = read_num(c, "domid");
	rt_check(self == XT_FE1 || self == XT_FE2, "domid node %ld", self);
	rt_check_eq(read_num(c, "memory/static-max"), (long)(XT_FE_RAM >> 10), "static-max");
	rt_check_eq(read_num(c, "memory/target"), (long)(XT_FE_RAM >> 10), "memory target");
	rt_check_eq(xs_write(c, 0, "memory/target", "999999"), -XEN_EACCES, "raise own target");
	rt_check_eq(xs_write(c, 0, "name", "x"), -XEN_EACCES, "rename self");
	rt_check_eq(xs_write(c, 0, "data/probe", "1"), 0, "write data/");
	rt_check_eq(xs_read(c, 0, "/local/domain/0/name", path, sizeof(path)), -XEN_EACCES,
		    "read Dom0's home");
	rt_check_eq(xs_introduce(c, 7, 1, 1), -XEN_EACCES, "INTRODUCE as a guest");
	rt_check_eq(xs_read(c, 0, "device/virtio_disk/51712/backend", be, sizeof(be)) > 0, 1,
		    "the disk's backend path");
	xs_libxl_fe_path(fe_dir, (uint16_t)self, XT_DEVID);
	memcpy(path, be, strlen(be) + 1);
	memcpy(path + strlen(path), "/base", 6);
	base = (uint64_t)read_num(c, path);
	rt_check_eq(base, XT_MMIO, "the backend's base");
	memcpy(path + strlen(be), "/state", 7);
	rt_check_eq(xs_write(c, 0, path, "4"), -XEN_EACCES, "write the backend's state");
	/* the backend serves the window once it says InitWait */
	rt_check(wait_value(c, path, XENBUS_STATE_INITWAIT), "the backend's InitWait");

	rt_check_eq(vblk_find(rt_dt(), &node, &base, &spi), 0, "a virtio,mmio node");
	rt_check_eq(base, XT_MMIO, "the node's window");
	rt_check_eq(spi, XT_IRQ, "the node's line");
	bp = (struct evtchn_bind_pirq){.pirq = spi};
	rc = (int)rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_pirq, rt_handle(&bp), 0,
			       0, 0);
	rt_check_eq(rc, 0, "bind_pirq of the device line");
	if (rc)
		return;
	rc = vblk_init(&dev, base, bp.port);
	rt_check_eq(rc, 0, "virtio-blk set-up");
	if (rc)
		return;
	rt_check_eq(dev.capacity, XT_SECTORS, "capacity");
	/* our sectors: 8 from 16 * domid; d2 also reads d1's */
	for (uint64_t s = 16 * (uint64_t)self; s < 16 * (uint64_t)self + 8; s++) {
		pattern(buf, (unsigned int)self, s);
		rt_check_eq(vblk_rw(&dev, VIRTIO_BLK_T_OUT, s, buf, VIRTIO_BLK_SECTOR),
			    VIRTIO_BLK_S_OK, "write sector %lu", (unsigned long)s);
	}
	for (long fe = XT_FE1; fe <= self; fe++)
		for (uint64_t s = 16 * (uint64_t)fe; s < 16 * (uint64_t)fe + 8; s++) {
			memset(buf, 0, VIRTIO_BLK_SECTOR);
			rt_check_eq(vblk_rw(&dev, VIRTIO_BLK_T_IN, s, buf, VIRTIO_BLK_SECTOR),
				    VIRTIO_BLK_S_OK, "read sector %lu", (unsigned long)s);
			pattern(buf + 64, (unsigned int)fe, s);
			bad += memcmp(buf, buf + 64, VIRTIO_BLK_SECTOR) != 0;
		}
	rt_check_eq(bad, 0, "sectors read back differently");
	vblk_reset(&dev);
	/* leave: d1 by Closing, d2 by Closed; the backend then says Closed */
	memcpy(path, fe_dir, strlen(fe_dir) + 1);
	memcpy(path + strlen(fe_dir), "/state", 7);
	rt_check_eq(xs_write(c, 0, path, self == XT_FE1 ? "5" : "6"), 0, "our state");
	memcpy(path, be, strlen(be) + 1);
	memcpy(path + strlen(be), "/state", 7);
	rt_check(wait_value(c, path, XENBUS_STATE_CLOSED), "the backend's Closed");
	/* the last word: after it the toolstack releases and removes us */
	rt_check_eq(xs_write(c, 0, "data/result", bad ? "bad" : "ok"), 0, "report");
}

/* d3: a store, a report, then it shuts down (returning from the test). */
static void gone(void)
{
	struct xenstore_domain_interface *intf = NULL;
	struct xs_client *c = rt_alloc_pages((sizeof(*c) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	int rc;

	if (!c || !init())
		return;
	me.end = xevtchn_now() + XT_LIMIT_NS;
	rc = xs_store_find(me.end, &intf, &me.port);
	rt_check_eq(rc, 0, "find the store");
	if (rc)
		return;
	xs_client_init(c, intf, domu_notify, domu_wait, NULL);
	rt_check(wait_exists(c, "name"), "our nodes");
	rt_check_eq(xs_write(c, 0, "data/result", "ok"), 0, "report");
}

/* d4: floods its ring until its store port is no longer connected. */
static void flood(void)
{
	struct xenstore_domain_interface *r = NULL;
	struct xsd_sockmsg h = {.type = XS_READ, .len = 2};
	struct evtchn_status st;

	if (!init())
		return;
	me.end = xevtchn_now() + XT_LIMIT_NS;
	rt_check_eq(xs_store_find(me.end, &r, &me.port), 0, "find the store");
	if (!r)
		return;
	for (;;) {
		if (xevtchn_status(DOMID_SELF, me.port, &st) == 0 &&
		    st.status == EVTCHNSTAT_interdomain)
			break; /* introduced: Dom0's end is bound */
		if (xevtchn_now() > me.end) {
			rt_test_fail("never introduced");
			return;
		}
		xevtchn_wait_port(me.port, XT_TICK_NS);
	}
	while (xevtchn_status(DOMID_SELF, me.port, &st) == 0 &&
	       st.status == EVTCHNSTAT_interdomain) {
		while (XENSTORE_RING_SIZE - (r->req_prod - r->req_cons) >= sizeof(h) + 2) {
			h.req_id++;
			xs_ring_write(r->req, r->req_cons, &r->req_prod, &h, sizeof(h));
			xs_ring_write(r->req, r->req_cons, &r->req_prod, "x", 2);
		}
		xevtchn_send(me.port);
		if (xevtchn_now() > me.end) {
			rt_test_fail("Dom0 never released us (%u requests sent)", h.req_id);
			return;
		}
		xevtchn_wait_port(me.port, XT_TICK_NS);
	}
	rt_printf("flood: %u requests sent\n", h.req_id);
}

/* ----- Dom0 ----- */

static struct xsd_svc svc;
static struct xs_client *tc, *bc;
static struct vdxs vd;
/* the toolstack's steps (vCPU 0); what the backend on vCPU 2 saw (test
 * results are vCPU 0's) */
static volatile unsigned int ts_fails, ts_steps;
static int be_rc[2] = {1, 1};
static uint16_t be_fe[2];
static uint64_t ts_create_ns[2]; /* prepare .. InitWait seen, per DomU */
static char ts_msg[160];

static void svc_main(void *arg)
{
	(void)arg;
	xsd_svc_run(&svc);
}

static void ts_fail(const char *what, int rc)
{
	if (!ts_fails)
		rt_snprintf(ts_msg, sizeof(ts_msg), "%s (%d)", what, rc);
	ts_fails++;
}

#define TS(call, what)                      \
	do {                                \
		int rc_ = (call);           \
		if (rc_)                    \
			ts_fail(what, rc_); \
		else                        \
			ts_steps++;         \
	} while (0)

static bool shut_down(domid_t dom)
{
	struct xen_domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_getdomaininfo;
	dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc.domain = dom;
	return !rt_hypercall(__HYPERVISOR_domctl, rt_handle(&dc), 0, 0, 0, 0) &&
	       dc.u.getdomaininfo.domain == dom &&
	       (dc.u.getdomaininfo.flags & XEN_DOMINF_shutdown);
}

/* d3: introduced, it shuts down; @releaseDomain must tell us. */
static int watch_release(void)
{
	struct xs_libxl_dom d = {.domid = XT_GONE, .name = "gone", .uuid = {3},
				 .target_kib = 32768, .static_max_kib = 32768, .vcpus = 1};
	const char *p, *t;
	xen_pfn_t gfn;
	evtchn_port_t port;
	unsigned int events = 0;
	char res[8];
	int rc;

	rc = xs_watch(tc, "@releaseDomain", "rel");
	if (rc)
		return rc;
	while (xs_read_watch(tc, &p, &t)) /* the first event, at registration */
		;
	rc = xs_store_prepare(XT_GONE, 0, &gfn, &port);
	if (!rc)
		rc = xs_introduce(tc, XT_GONE, gfn, port);
	if (!rc)
		rc = xs_libxl_domain_write(tc, &d);
	if (rc)
		return rc;
	/* every event is a hint to look (Xen's rule); the look is getdomaininfo */
	for (;;) {
		while (!xs_read_watch(tc, &p, &t))
			if (tc->wait(tc->ctx) < 0)
				return -XEN_ETIMEDOUT;
		if (strcmp(p, "@releaseDomain"))
			continue;
		events++;
		if (shut_down(XT_GONE))
			break;
	}
	xs_unwatch(tc, "@releaseDomain", "rel");
	/* shut down is not dead: still introduced until released */
	if (xs_is_domain_introduced(tc, XT_GONE) != 1)
		return -XEN_ENOENT;
	if (xs_read(tc, 0, "/local/domain/3/data/result", res, sizeof(res)) != 2)
		return -XEN_EIO;
	rc = xs_release(tc, XT_GONE);
	if (!rc)
		rc = xs_libxl_domain_remove(tc, XT_GONE, d.uuid, NULL, 0);
	return rc ? rc : (events ? 0 : -XEN_EIO);
}

/* The backend's vCPU: two sessions, one after the other. */
static void backend(void *arg)
{
	uint64_t end = xevtchn_now() + XT_LIMIT_NS;

	(void)arg;
	for (unsigned int i = 0; i < 2; i++) {
		be_rc[i] = vdxs_session(&vd, end);
		be_fe[i] = vd.cur.fe;
	}
}

static uint64_t flood_served;

/* d4's ring, introduced first: it floods while everything else runs. */
static int flood_start(void)
{
	xen_pfn_t gfn;
	evtchn_port_t port;
	int rc = xs_store_prepare(XT_FLOOD, 0, &gfn, &port);

	return rc ? rc : xs_introduce(tc, XT_FLOOD, gfn, port);
}

/* The flooder was held back, not served without end; then released. */
static int flood_end(void)
{
	struct xsd_conn *c;
	bool held;

	xsd_lock(svc.xsd);
	c = xsd_conn_of(svc.xsd, XT_FLOOD);
	flood_served = c ? c->served : 0;
	held = c && !c->broken &&
	       c->out_len + sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX > XSD_OUT_SIZE;
	xsd_unlock(svc.xsd);
	if (!held)
		return -XEN_EBUSY;
	return xs_release(tc, XT_FLOOD);
}

/* The toolstack's part of creating and destroying the DomUs. */
static void toolstack(void)
{
	TS(flood_start(), "introduce the flooder");
	TS(watch_release(), "d3's shutdown heard through @releaseDomain");
	for (uint16_t fe = XT_FE1; fe <= XT_FE2; fe++) {
		struct xs_libxl_dom d = {.domid = fe, .name = fe == XT_FE1 ? "fe1" : "fe2",
					 .uuid = {0x58, 0x53, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0,
						  0, 0, 0, (uint8_t)fe},
					 .target_kib = XT_FE_RAM >> 10,
					 .static_max_kib = XT_FE_RAM >> 10, .vcpus = 1};
		struct xs_libxl_vdisk v = {.backend_domid = 0, .vdev = XT_VDEV,
					   .devid = XT_DEVID, .base = XT_MMIO, .irq = XT_IRQ,
					   .writable = true, .params = "ram:256k"};
		uint16_t bes[] = {0};
		xen_pfn_t gfn;
		evtchn_port_t port;
		char res[8];

		uint64_t t0 = xevtchn_now();

		TS(xs_libxl_vdev_devid(XT_VDEV) == (int)XT_DEVID ? 0 : -XEN_EINVAL, "devid");
		TS(xs_store_prepare(fe, 0, &gfn, &port), "prepare the store");
		d.store_gfn = gfn;
		d.store_port = port;
		TS(xs_introduce(tc, fe, gfn, port), "INTRODUCE");
		TS(xs_is_domain_introduced(tc, fe) == 1 ? 0 : -XEN_ENOENT, "introduced");
		TS(xs_libxl_domain_write(tc, &d), "domain nodes");
		TS(xs_libxl_vdisk_write(tc, fe, &v), "virtio disk nodes");
		TS(xs_libxl_vdisk_wait(tc, fe, &v, XENBUS_STATE_INITWAIT), "wait for InitWait");
		ts_create_ns[fe - XT_FE1] = xevtchn_now() - t0;
		TS(xs_libxl_vdisk_wait(tc, fe, &v, XENBUS_STATE_CLOSED), "wait for Closed");
		{
			char p[] = "/local/domain/N/data/result";

			p[14] = (char)('0' + fe);
			TS(wait_exists(tc, p) ? 0 : -XEN_ETIMEDOUT, "wait for the frontend's end");
			TS(xs_read(tc, 0, p, res, sizeof(res)) == 2 && !strcmp(res, "ok") ? 0 :
				   -XEN_EIO, "the frontend's result");
		}
		TS(xs_release(tc, fe), "RELEASE");
		TS(xs_is_domain_introduced(tc, fe) == 0 ? 0 : -XEN_EEXIST, "released");
		TS(xs_libxl_domain_remove(tc, fe, d.uuid, bes, 1), "remove the nodes");
		{
			char p[] = "/local/domain/N";

			p[14] = (char)('0' + fe);
			TS(xs_read(tc, 0, p, res, sizeof(res)) == -XEN_ENOENT ? 0 : -XEN_EEXIST,
			   "nodes gone");
		}
	}
	TS(flood_end(), "the flooder held back, released");
}

static void dom0(void)
{
	uint8_t *disk = rt_alloc_pages(XT_SECTORS * VIRTIO_BLK_SECTOR / RT_PAGE_SIZE);
	int rc;

	tc = rt_alloc_pages((sizeof(*tc) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	bc = rt_alloc_pages((sizeof(*bc) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	if (!disk || !tc || !bc || !init())
		return;
	rt_check_eq(rt_nr_cpus() >= XT_DOM0_CPUS, 1, "Dom0 has %u vCPUs", XT_DOM0_CPUS);
	rc = xsd_svc_init(&svc);
	rt_check_eq(rc, 0, "xenstored set-up");
	if (rc)
		return;
	rt_check_eq(xsd_svc_open(&svc, 0, tc), 0, "the toolstack's connection");
	rt_check_eq(xsd_svc_open(&svc, 1, bc), 0, "the backend's connection");
	rt_check_eq(xsd_svc_open(&svc, 1, bc), -XEN_EBUSY, "a slot opened twice");
	svc.local[0].timeout_ns = XT_LIMIT_NS;
	svc.local[1].timeout_ns = XT_LIMIT_NS;
	rt_check_eq(rt_vcpu_start(1, svc_main, NULL), 0, "start xenstored on vCPU 1");
	/* Dom0's home, as xen-init-dom0 writes it */
	rt_check_eq(xs_write(tc, 0, "/local/domain/0/name", "Domain-0"), 0, "Dom0's name");
	rt_check_eq(xs_write(tc, 0, "/local/domain/0/domid", "0"), 0, "Dom0's domid");
	/* a local request's round trip to the service on another vCPU (printed) */
	{
		char v[8];
		uint64_t t0 = xevtchn_now();
		unsigned int bad = 0;

		for (unsigned int i = 0; i < 200; i++)
			bad += xs_read(bc, 0, "/local/domain/0/domid", v, sizeof(v)) != 1;
		rt_check_eq(bad, 0, "local reads");
		rt_printf("dom0: local read round trip %lu ns (200 reads)\n",
			  (unsigned long)((xevtchn_now() - t0) / 200));
	}
	rc = vdxs_init(&vd, bc, svc.local[1].client_port, XT_FE_RAM, disk, XT_SECTORS);
	rt_check_eq(rc, 0, "backend set-up");
	if (rc)
		goto out;
	rt_check_eq(rt_vcpu_start(2, backend, NULL), 0, "start the backend on vCPU 2");
	toolstack();
	rt_check_eq(rt_vcpu_wait(2), 0, "the backend's end");
	rt_check(ts_fails == 0, "toolstack: %u failures, first: %s", ts_fails, ts_msg);
	for (unsigned int i = 0; i < 2; i++)
		rt_check_eq(be_rc[i], 0, "backend session %u", i + 1);
	rt_check_eq(be_fe[0], XT_FE1, "first frontend served");
	rt_check_eq(be_fe[1], XT_FE2, "second frontend served");
	rt_check_eq(vd.st.sessions, 2, "sessions");
	rt_check_eq(vd.st.bad_chains + vd.st.ioerr, 0, "failed requests");
	rt_check_eq(vd.be.self, 0, "the backend's domid");
	rt_printf("dom0: toolstack %u steps; backend %lu sessions, %lu accesses, %lu requests; "
		  "xenstored %lu requests in %lu rounds, %lu introduced, %lu released\n",
		  ts_steps, (unsigned long)vd.st.sessions, (unsigned long)vd.st.accesses,
		  (unsigned long)vd.st.requests, (unsigned long)svc.served,
		  (unsigned long)svc.rounds, (unsigned long)svc.xsd->stats.introduced,
		  (unsigned long)svc.xsd->stats.released);
	rt_printf("dom0: toolstack's prepare..InitWait %lu us (d1), %lu us (d2)\n",
		  (unsigned long)(ts_create_ns[0] / 1000), (unsigned long)(ts_create_ns[1] / 1000));
	rt_printf("dom0: the flooder was served %lu requests\n", (unsigned long)flood_served);
	rt_check_eq(svc.xsd->stats.introduced, 4, "domains introduced");
	rt_check_eq(svc.xsd->stats.released, 4, "domains released");
	rt_check(svc.dom_exc > 0, "VIRQ_DOM_EXC seen by the service");
	rt_check(svc.xsd->stats.special_events > 0, "@releaseDomain fired");
out:
	xsd_svc_stop(&svc);
	rt_check_eq(rt_vcpu_wait(1), 0, "xenstored's end");
	xsd_svc_fini(&svc);
}

void test_main(void)
{
	const char *r = rt_bootarg("role");

	if (rt_bootarg_is(r, "dom0"))
		dom0();
	else if (rt_bootarg_is(r, "fe"))
		frontend();
	else if (rt_bootarg_is(r, "gone"))
		gone();
	else if (rt_bootarg_is(r, "flood"))
		flood();
	else
		rt_test_error("unknown role");
}
