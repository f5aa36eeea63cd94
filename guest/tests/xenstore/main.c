/*
 * xenstore across domains (tests/guest/xenstore.c runs it on gtest_multi,
 * both transports). One image, the role from bootargs "role=NAME":
 *
 *   xenstored  Dom0 (d0): runs the server library (guest/xen/xenstored.c)
 *              over each DomU's store page, until d1 writes "done".
 *   client     d1: write/read, permission refusals, a watch (initial fire
 *              and a child's change), a transaction conflict (EAGAIN) and
 *              its retry; all while d2 floods.
 *   flood      d2: keeps its request ring full of reads and never reads a
 *              reply, until the server stops taking its requests.
 *
 * How a DomU's store is found here (no HVM_PARAM_STORE_* yet): the DomU
 * allocates an unbound port for d0 (its first port, XST_PORT), then grants
 * its zeroed store page to d0 (its first grant, XST_GREF); d0 maps the
 * grant and binds the port, retrying until both exist.
 *
 * Dom0 writes /local/domain/1/go once d2's flood has made the server
 * serve XST_FLOOD_GO of its requests; d1 starts then (a watch on "go").
 * At the end Dom0 checks that the flooder was held back: its requests
 * are left in its ring, the server having stopped at its output limit.
 */
#include <string.h>

#include <public/errno.h>
#include <public/event_channel.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/test.h>
#include <xen/evtchn.h>
#include <xen/grant.h>
#include <xen/unpopulated.h>
#include <xen/xenstore.h>
#include <xen/xenstored.h>

const char test_title[] = "xenstore";

#define XST_PORT 1u
#define XST_GREF 8
#define XST_CLIENT 1u
#define XST_FLOOD 2u
#define XST_FLOOD_GO 100u
#define XST_LIMIT_NS 30000000000ULL /* only a limit for a broken run */
#define XST_TICK_NS 10000000ULL

static bool init(void)
{
	int rc = xgnttab_init(rt_dt(), 0);

	if (!rc)
		rc = xen_unpopulated_init(rt_dt());
	if (!rc)
		rc = xevtchn_init(0);
	if (rc) {
		rt_test_error("set-up failed (%d)", rc);
		return false;
	}
	rt_irq_enable();
	return true;
}

static void yield(void)
{
	HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* ----- DomU side ----- */

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
	xevtchn_wait_port(me.port, XST_TICK_NS);
	return xevtchn_now() > me.end ? -1 : 0;
}

/* The store page, granted to d0 after the port exists. */
static struct xenstore_domain_interface *domu_store(void)
{
	struct xenstore_domain_interface *page;
	long gref;
	int rc;

	if (!init())
		return NULL;
	me.end = xevtchn_now() + XST_LIMIT_NS;
	rc = xevtchn_alloc_unbound(0, &me.port);
	rt_check_eq(rc, 0, "alloc_unbound for d0");
	rt_check_eq(me.port, XST_PORT, "store port");
	page = rt_alloc_pages(1);
	if (rc || !page)
		return NULL;
	memset(page, 0, RT_PAGE_SIZE);
	gref = xgnttab_grant(0, rt_virt_to_phys(page) >> 12, false);
	rt_check_eq(gref, XST_GREF, "store page grant");
	return gref == XST_GREF ? page : NULL;
}

static bool next_event(struct xs_client *c, const char **path, const char **token)
{
	while (!xs_read_watch(c, path, token))
		if (c->wait(c->ctx) < 0)
			return false;
	return true;
}

static void client(void)
{
	struct xenstore_domain_interface *page = domu_store();
	struct xs_client *c = rt_alloc_pages((sizeof(*c) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	const char *p, *t;
	char buf[128];
	uint32_t tx;
	int rc;

	if (!page || !c)
		return;
	xs_client_init(c, page, domu_notify, domu_wait, NULL);
	/* wait for d0's go: the watch's first event, then the one for "go" */
	rt_check_eq(xs_watch(c, "go", "g"), 0, "watch go");
	while (xs_read(c, 0, "go", buf, sizeof(buf)) < 0)
		if (!next_event(c, &p, &t)) {
			rt_test_fail("no go from d0");
			return;
		}
	rt_check_eq(xs_unwatch(c, "go", "g"), 0, "unwatch go");

	rt_check_eq(xs_write(c, 0, "data", "hello"), 0, "write data");
	rc = xs_read(c, 0, "data", buf, sizeof(buf));
	rt_check_eq(rc, 5, "read data");
	rt_check(!strcmp(buf, "hello"), "read back '%s'", buf);
	rt_check_eq(xs_read(c, 0, "/local/domain/1/data", buf, sizeof(buf)), 5, "absolute path");
	/* permissions: another domain's home, dom0's root */
	rt_check_eq(xs_write(c, 0, "/local/domain/2/x", "v"), -XEN_EACCES, "write d2's home");
	rt_check_eq(xs_read(c, 0, "/local/domain/2", buf, sizeof(buf)), -XEN_EACCES,
		    "read d2's home");
	rt_check_eq(xs_write(c, 0, "/evil", "v"), -XEN_EACCES, "write under the root");
	rt_check_eq(xs_read(c, 0, "nothing", buf, sizeof(buf)), -XEN_ENOENT, "missing node");

	/* watch: initial fire, then a child */
	rt_check_eq(xs_watch(c, "data", "d"), 0, "watch data");
	if (next_event(c, &p, &t))
		rt_check(!strcmp(p, "data") && !strcmp(t, "d"), "initial event %s %s", p, t);
	rt_check_eq(xs_write(c, 0, "data/child", "1"), 0, "write data/child");
	if (next_event(c, &p, &t))
		rt_check(!strcmp(p, "data/child") && !strcmp(t, "d"), "child event %s %s", p, t);
	else
		rt_test_fail("no event for data/child");

	/* transactions: a commit in between makes ours EAGAIN; the retry works */
	rt_check_eq(xs_transaction_start(c, &tx), 0, "transaction start");
	rt_check_eq(xs_write(c, tx, "txn", "1"), 0, "write in the transaction");
	rt_check_eq(xs_read(c, tx, "txn", buf, sizeof(buf)), 1, "own write seen");
	rt_check_eq(xs_read(c, 0, "txn", buf, sizeof(buf)), -XEN_ENOENT, "not seen outside");
	rt_check_eq(xs_write(c, 0, "other", "2"), 0, "write outside");
	rt_check_eq(xs_transaction_end(c, tx, true), -XEN_EAGAIN, "conflicting commit");
	rt_check_eq(xs_read(c, 0, "txn", buf, sizeof(buf)), -XEN_ENOENT, "conflict dropped");
	rt_check_eq(xs_transaction_start(c, &tx), 0, "transaction restart");
	rt_check_eq(xs_write(c, tx, "txn", "1"), 0, "write in the retry");
	rt_check_eq(xs_transaction_end(c, tx, true), 0, "commit");
	rt_check_eq(xs_read(c, 0, "txn", buf, sizeof(buf)), 1, "committed");

	rt_check_eq(xs_write(c, 0, "done", "1"), 0, "write done");
}

static void flood(void)
{
	struct xenstore_domain_interface *r = domu_store();
	struct xsd_sockmsg h = {.type = XS_READ, .len = 2};
	uint32_t last = 0, still = 0;

	if (!r)
		return;
	while (xevtchn_now() < me.end) {
		while (XENSTORE_RING_SIZE - (r->req_prod - r->req_cons) >= sizeof(h) + 2) {
			h.req_id++;
			xs_ring_write(r->req, r->req_cons, &r->req_prod, &h, sizeof(h));
			xs_ring_write(r->req, r->req_cons, &r->req_prod, "x", 2);
		}
		xevtchn_send(me.port);
		if (__atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE) != last) {
			last = r->req_cons;
			still = 0;
		} else if (last && ++still > 200) {
			return; /* the server holds us back */
		}
		xevtchn_wait_port(me.port, XST_TICK_NS / 10);
	}
	rt_test_fail("the server never stopped taking the flood (%u requests)", h.req_id);
}

/* ----- Dom0: the server ----- */

struct link {
	domid_t dom;
	evtchn_port_t port;
	xen_pfn_t gfn;
	grant_handle_t h;
	struct xsd_conn *conn;
};

static void d0_notify(void *ctx)
{
	xevtchn_send(((struct link *)ctx)->port);
}

static bool attach(struct xsd *s, struct link *l, uint64_t end)
{
	int16_t st;
	int rc;

	rc = xen_alloc_unpopulated_pages(1, &l->gfn);
	rt_check_eq(rc, 0, "a frame for d%u's store", l->dom);
	if (rc)
		return false;
	while ((rc = xgnttab_map(l->dom, XST_GREF, l->gfn, false, &l->h, &st)) == -XEN_EIO &&
	       xevtchn_now() < end)
		yield();
	rt_check_eq(rc, 0, "map d%u's store grant (status %d)", l->dom, st);
	while ((rc = xevtchn_bind_interdomain(l->dom, XST_PORT, &l->port)) == -XEN_EINVAL &&
	       xevtchn_now() < end)
		yield();
	rt_check_eq(rc, 0, "bind d%u's store port", l->dom);
	if (rc)
		return false;
	l->conn = xsd_connect(s, l->dom, rt_phys_to_virt(l->gfn << 12), d0_notify, l);
	rt_check(l->conn != NULL, "connect d%u", l->dom);
	return l->conn != NULL;
}

/* As the server's own client: dom0's requests go straight to xsd_op. */
static int d0_op(struct xsd *s, uint32_t type, const char *in, uint32_t len)
{
	static RT_TLS char out[XENSTORE_PAYLOAD_MAX];
	uint32_t olen;

	return xsd_op(s, 0, type, 0, in, len, out, &olen);
}

static void xenstored(void)
{
	struct xsd *s = rt_alloc_pages((sizeof(*s) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	static RT_TLS struct link l[2];
	evtchn_port_t ports[2];
	uint64_t end;
	bool go = false;
	char home[] = "/local/domain/1\0n1";

	if (!s || !init())
		return;
	end = xevtchn_now() + XST_LIMIT_NS;
	xsd_init(s);
	/* the toolstack's part: each DomU's home, owned by it */
	for (char d = '1'; d <= '2'; d++) {
		home[14] = d;
		home[17] = d;
		rt_check_eq(d0_op(s, XS_MKDIR, home, 16), 0, "mkdir %s", home);
		rt_check_eq(d0_op(s, XS_SET_PERMS, home, sizeof(home)), 0, "set_perms %s", home);
	}
	l[0].dom = XST_CLIENT;
	l[1].dom = XST_FLOOD;
	if (!attach(s, &l[0], end) || !attach(s, &l[1], end))
		return;
	ports[0] = l[0].port;
	ports[1] = l[1].port;
	for (;;) {
		xevtchn_test_and_clear(ports[0]);
		xevtchn_test_and_clear(ports[1]);
		while (xsd_poll(s))
			;
		if (!go && l[1].conn->served >= XST_FLOOD_GO) {
			rt_check_eq(d0_op(s, XS_WRITE, "/local/domain/1/go\0" "1", 20), 0, "write go");
			go = true;
			continue;
		}
		if (d0_op(s, XS_READ, "/local/domain/1/done", 21) == 0)
			break;
		if (xevtchn_now() > end) {
			rt_test_fail("d1 did not finish (go %d, d1 served %lu, d2 served %lu)", go,
				     (unsigned long)l[0].conn->served,
				     (unsigned long)l[1].conn->served);
			return;
		}
		xevtchn_poll(ports, 2, xevtchn_now() + XST_TICK_NS);
	}
	/* the flooder was held back, not served without end */
	rt_printf("xenstored: d1 served %lu requests, d2 (flooding) %lu, %lu events dropped\n",
		  (unsigned long)l[0].conn->served, (unsigned long)l[1].conn->served,
		  (unsigned long)l[1].conn->events_dropped);
	rt_check(!l[1].conn->broken, "the flooder broke the protocol");
	rt_check(l[1].conn->out_len + sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX >
			 XSD_OUT_SIZE,
		 "the flooder's output queue is not at its limit (%u)", l[1].conn->out_len);
	for (unsigned int i = 0; i < 2; i++) {
		int16_t st = 0;

		xsd_disconnect(s, l[i].conn);
		rt_check_eq(xgnttab_unmap(l[i].gfn, l[i].h, &st), 0, "unmap d%u's store", l[i].dom);
	}
}

void test_main(void)
{
	const char *r = rt_bootarg("role");

	if (rt_bootarg_is(r, "xenstored"))
		xenstored();
	else if (rt_bootarg_is(r, "client"))
		client();
	else if (rt_bootarg_is(r, "flood"))
		flood();
	else
		rt_test_error("unknown role");
}
