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
 *              reply, until d0 closes its end of the store channel.
 *
 * How a DomU finds its store (as libxl does for HVM guests; the steps are
 * guest/xen/xenstore_hvm.c): Dom0, acting as the builder, populates the DomU's store frame at GUEST_MAGIC_BASE + 1
 * page (Arm's layout, xen-facts: the dom0less xenstore page sits there
 * too), maps it (foreign mapping) and zeroes it, allocates the DomU's
 * port with Dom0 as the remote (EVTCHNOP_alloc_unbound on the DomU's
 * behalf) and binds it, then publishes HVM_PARAM_STORE_EVTCHN and, last,
 * HVM_PARAM_STORE_PFN. The DomU waits until HVMOP_get_param gives it a
 * STORE_PFN, reads STORE_EVTCHN, makes the frame reachable and talks.
 *
 * Dom0 writes /local/domain/1/go once d2's flood has made the server
 * serve XST_FLOOD_GO of its requests; d1 starts then (a watch on "go").
 * Dom0 ends when d1 is done and the server holds d2 back (d2's output
 * queue cannot take another reply and its requests wait in its ring), then
 * checks that more rounds serve d2 nothing, and closes both stores (d2
 * stops flooding when its port is no longer connected).
 */
#include <string.h>

#include <public/errno.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/memory.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/test.h>
#include <xen/evtchn.h>
#include <xen/foreign.h>
#include <xen/unpopulated.h>
#include <xen/xenstore.h>
#include <xen/xenstore_hvm.h>
#include <xen/xenstored.h>

const char test_title[] = "xenstore";

#define XST_CLIENT 1u
#define XST_FLOOD 2u
#define XST_FLOOD_GO 100u
#define XST_LIMIT_NS 30000000000ULL /* only a limit for a broken run */
#define XST_TICK_NS 10000000ULL

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

/* The store page and port the builder (Dom0 here) published. */
static struct xenstore_domain_interface *domu_store(void)
{
	struct xenstore_domain_interface *intf = NULL;
	int rc;

	if (!init())
		return NULL;
	me.end = xevtchn_now() + XST_LIMIT_NS;
	rc = xs_store_find(me.end, &intf, &me.port);
	rt_check_eq(rc, 0, "find the store (HVM_PARAM_STORE_PFN/EVTCHN)");
	if (!rc)
		rt_check_eq(rt_virt_to_phys(intf) >> 12, XS_STORE_PFN, "store frame");
	return rc ? NULL : intf;
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
	/* its events all came before the unwatch's reply: drop them */
	while (xs_read_watch(c, &p, &t))
		;

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

/* Our store port is still connected to d0's end. */
static bool store_connected(void)
{
	struct evtchn_status st;

	return xevtchn_status(DOMID_SELF, me.port, &st) == 0 &&
	       st.status == EVTCHNSTAT_interdomain;
}

static void flood(void)
{
	struct xenstore_domain_interface *r = domu_store();
	struct xsd_sockmsg h = {.type = XS_READ, .len = 2};

	if (!r)
		return;
	/* until d0 lets go of the store (it closes its end when it has seen
	 * the server hold us back): no timing decides anything here */
	while (store_connected()) {
		while (XENSTORE_RING_SIZE - (r->req_prod - r->req_cons) >= sizeof(h) + 2) {
			h.req_id++;
			xs_ring_write(r->req, r->req_cons, &r->req_prod, &h, sizeof(h));
			xs_ring_write(r->req, r->req_cons, &r->req_prod, "x", 2);
		}
		xevtchn_send(me.port);
		if (xevtchn_now() > me.end) {
			rt_test_fail("d0 never let go of the store (%u requests sent)", h.req_id);
			return;
		}
		xevtchn_wait_port(me.port, XST_TICK_NS);
	}
	rt_printf("flood: %u requests sent, %u taken\n", h.req_id,
		  __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE) / (uint32_t)(sizeof(h) + 2));
}

/* ----- Dom0: the server ----- */

struct link {
	domid_t dom;
	struct xs_store st;
	struct xsd_conn *conn;
};

static void d0_notify(void *ctx)
{
	xevtchn_send(((struct link *)ctx)->st.local_port);
}

/* The builder's part for one DomU, then the server's connection. */
static bool attach(struct xsd *s, struct link *l)
{
	int rc = xs_store_build(l->dom, &l->st);

	rt_check_eq(rc, 0, "build d%u's store", l->dom);
	if (rc)
		return false;
	l->conn = xsd_connect(s, l->dom, l->st.intf, d0_notify, l);
	rt_check(l->conn != NULL, "connect d%u", l->dom);
	if (!l->conn)
		return false;
	rc = xs_store_publish(&l->st);
	rt_check_eq(rc, 0, "publish d%u's store params", l->dom);
	return rc == 0;
}

/* The server takes no more of c's requests: its output queue cannot take
 * a whole reply, and requests are waiting in its ring. */
static bool held_back(const struct xsd_conn *c)
{
	return c->out_len + sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX > XSD_OUT_SIZE &&
	       __atomic_load_n(&c->intf->req_prod, __ATOMIC_ACQUIRE) != c->intf->req_cons;
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
	uint64_t served;
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
	if (!attach(s, &l[0]) || !attach(s, &l[1]))
		return;
	ports[0] = l[0].st.local_port;
	ports[1] = l[1].st.local_port;
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
		/* both ends: d1 finished, and the server holds d2 back (its queue
		 * cannot take another reply, so its requests wait in its ring) */
		if (d0_op(s, XS_READ, "/local/domain/1/done", 21) == 0 &&
		    held_back(l[1].conn))
			break;
		if (xevtchn_now() > end) {
			rt_test_fail("d1 did not finish or d2 was not held back (go %d, d1 served "
				     "%lu, d2 served %lu)", go,
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
	served = l[1].conn->served;
	for (unsigned int i = 0; i < 10; i++)
		xsd_poll(s);
	rt_check_eq(l[1].conn->served, served, "the held-back flooder was served again");
	for (unsigned int i = 0; i < 2; i++) {
		xsd_disconnect(s, l[i].conn);
		rt_check_eq(xs_store_release(&l[i].st), 0, "release d%u's store", l[i].dom);
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
