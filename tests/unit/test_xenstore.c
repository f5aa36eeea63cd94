/*
 * xenstore: the guest client (guest/xen/xenstore.c) against the server
 * library (guest/xen/xenstored.c), both built hosted, over real ring pages
 * in this process: the client's wait hook runs one server round. Checks
 * the wire (error names, payloads), the tree, Xen's permission model,
 * watches (initial fire, prefix match, relative paths, permission filter),
 * transactions (own view, EAGAIN on conflict), quotas, the protocol-error
 * path, and that a flooding domain does not starve another.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <public/errno.h>
#include <xen/xenstore.h>
#include <xen/xenstored.h>
#include <xen/xs_libxl.h>
#include <xen/xs_vdisk_be.h>

static struct xsd srv;
static struct xenstore_domain_interface ring[3];
static struct xs_client cl[3];
static unsigned long spins;

static void nop_notify(void *ctx)
{
	(void)ctx;
}

static int run_server(void *ctx)
{
	(void)ctx;
	xsd_poll(&srv);
	return ++spins > 1000000 ? -1 : 0;
}

/* doms 0, 1, 2 connected; /local/domain/{1,2} owned by their domains */
static int setup(void **state)
{
	(void)state;
	xsd_init(&srv);
	memset(ring, 0, sizeof(ring));
	spins = 0;
	for (uint16_t d = 0; d < 3; d++) {
		if (!xsd_connect(&srv, d, &ring[d], nop_notify, NULL))
			return -1;
		xs_client_init(&cl[d], &ring[d], nop_notify, run_server, NULL);
	}
	for (int d = 1; d < 3; d++) {
		char p[64], o[16];
		const char *perm[] = {o};

		snprintf(p, sizeof(p), "/local/domain/%d", d);
		snprintf(o, sizeof(o), "n%d", d);
		if (xs_mkdir(&cl[0], 0, p) || xs_set_perms(&cl[0], 0, p, perm, 1))
			return -1;
	}
	return 0;
}

static void test_read_write(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(xs_write(&cl[0], 0, "/a/b/c", "hello"), 0);
	assert_int_equal(xs_read(&cl[0], 0, "/a/b/c", buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	/* parents made with empty values */
	assert_int_equal(xs_read(&cl[0], 0, "/a/b", buf, sizeof(buf)), 0);
	assert_int_equal(xs_read(&cl[0], 0, "/a/x", buf, sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_write(&cl[0], 0, "/a/b/d", ""), 0);
	assert_int_equal(xs_directory(&cl[0], 0, "/a/b", buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "c\0d\0", 4);
	/* mkdir keeps an existing value */
	assert_int_equal(xs_mkdir(&cl[0], 0, "/a/b/c"), 0);
	assert_int_equal(xs_read(&cl[0], 0, "/a/b/c", buf, sizeof(buf)), 5);
	/* rm: subtree; absent node fine if its parent exists */
	assert_int_equal(xs_rm(&cl[0], 0, "/a/b"), 0);
	assert_int_equal(xs_read(&cl[0], 0, "/a/b/c", buf, sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_rm(&cl[0], 0, "/a/b"), 0);
	assert_int_equal(xs_rm(&cl[0], 0, "/a/b/c"), -XEN_ENOENT);
	assert_int_equal(xs_rm(&cl[0], 0, "/"), -XEN_EINVAL);
	/* bad paths */
	assert_int_equal(xs_write(&cl[0], 0, "/a//b", "x"), -XEN_EINVAL);
	assert_int_equal(xs_write(&cl[0], 0, "/a/b/", "x"), -XEN_EINVAL);
	assert_int_equal(xs_write(&cl[0], 0, "/a/b c", "x"), -XEN_EINVAL);
	/* relative paths are under the domain's home */
	assert_int_equal(xs_write(&cl[1], 0, "dev/x", "1"), 0);
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/1/dev/x", buf, sizeof(buf)), 1);
	/* the wire's error string */
	{
		const char *p[] = {"/nope"};

		assert_int_equal(xs_request(&cl[0], XS_READ, 0, p, 1, true), -XEN_ENOENT);
		assert_int_equal(cl[0].rsp.type, XS_ERROR);
		assert_string_equal(cl[0].body, "ENOENT");
		assert_int_equal(xs_request(&cl[0], 99, 0, p, 1, true), -XEN_ENOSYS);
		assert_string_equal(cl[0].body, "ENOSYS");
	}
}

static void test_permissions(void **state)
{
	char buf[256];
	const char *open_r[] = {"r1"}; /* owner 1, others read */
	const char *to2[] = {"n1", "b2"};
	const char *give[] = {"n2"};

	(void)state;
	/* another domain's home: neither read nor write */
	assert_int_equal(xs_write(&cl[2], 0, "/local/domain/1/x", "v"), -XEN_EACCES);
	assert_int_equal(xs_write(&cl[1], 0, "x", "v"), 0);
	assert_int_equal(xs_read(&cl[2], 0, "/local/domain/1/x", buf, sizeof(buf)), -XEN_EACCES);
	assert_int_equal(xs_directory(&cl[2], 0, "/local/domain/1", buf, sizeof(buf)),
			 -XEN_EACCES);
	/* the creator owns the new node, with the parent's other entries */
	assert_int_equal(xs_get_perms(&cl[1], 0, "x", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "n1");
	/* root and /local belong to dom0: nobody else writes there */
	assert_int_equal(xs_write(&cl[1], 0, "/tool", "v"), -XEN_EACCES);
	/* owner opens for reading */
	assert_int_equal(xs_set_perms(&cl[1], 0, "x", open_r, 1), 0);
	assert_int_equal(xs_read(&cl[2], 0, "/local/domain/1/x", buf, sizeof(buf)), 1);
	assert_int_equal(xs_write(&cl[2], 0, "/local/domain/1/x", "w"), -XEN_EACCES);
	/* a per-domain entry */
	assert_int_equal(xs_set_perms(&cl[1], 0, "x", to2, 2), 0);
	assert_int_equal(xs_write(&cl[2], 0, "/local/domain/1/x", "w"), 0);
	/* not the owner: no set_perms; owner cannot give the node away */
	assert_int_equal(xs_set_perms(&cl[2], 0, "/local/domain/1/x", open_r, 1), -XEN_EACCES);
	assert_int_equal(xs_set_perms(&cl[1], 0, "x", give, 1), -XEN_EPERM);
	/* dom0 can, and reads everything */
	assert_int_equal(xs_set_perms(&cl[0], 0, "/local/domain/1/x", give, 1), 0);
	assert_int_equal(xs_read(&cl[1], 0, "x", buf, sizeof(buf)), -XEN_EACCES);
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/1/x", buf, sizeof(buf)), 1);
	/* malformed permission */
	{
		const char *bad[] = {"q1"};

		assert_int_equal(xs_set_perms(&cl[0], 0, "/local", bad, 1), -XEN_EINVAL);
	}
}

static int drain(struct xs_client *c, char paths[][64], char toks[][16], int max)
{
	const char *p, *t;
	int n = 0;

	while (n < max && xs_read_watch(c, &p, &t)) {
		snprintf(paths[n], 64, "%s", p);
		snprintf(toks[n], 16, "%s", t);
		n++;
	}
	return n;
}

static void test_watches(void **state)
{
	char p[8][64], t[8][16];

	(void)state;
	assert_int_equal(xs_watch(&cl[1], "dev", "tk"), 0);
	/* the initial fire, with the path as given (relative) */
	assert_int_equal(drain(&cl[1], p, t, 8), 1);
	assert_string_equal(p[0], "dev");
	assert_string_equal(t[0], "tk");
	assert_int_equal(xs_watch(&cl[1], "dev", "tk"), -XEN_EEXIST);
	/* a child fires (relative), a sibling prefix does not */
	assert_int_equal(xs_write(&cl[0], 0, "/local/domain/1/devx", "1"), 0);
	assert_int_equal(xs_write(&cl[0], 0, "/local/domain/1/dev/vbd/0", "1"), 0);
	xsd_poll(&srv);
	/* one event for the node written, none for the parents it made */
	assert_int_equal(drain(&cl[1], p, t, 8), 1);
	assert_string_equal(p[0], "dev/vbd/0");
	assert_string_equal(t[0], "tk");
	/* an absolute watch of dom2 on dom1's subtree: filtered by read access */
	assert_int_equal(xs_watch(&cl[2], "/local/domain/1/dev", "other"), 0);
	assert_int_equal(drain(&cl[2], p, t, 8), 1);
	assert_int_equal(xs_write(&cl[0], 0, "/local/domain/1/dev/vbd/0", "2"), 0);
	xsd_poll(&srv);
	assert_int_equal(drain(&cl[2], p, t, 8), 0);
	assert_int_equal(drain(&cl[1], p, t, 8), 1);
	/* removal of a parent reports the watched path */
	assert_int_equal(xs_watch(&cl[0], "/local/domain/1/dev/vbd/0", "deep"), 0);
	assert_int_equal(drain(&cl[0], p, t, 8), 1);
	assert_int_equal(xs_rm(&cl[0], 0, "/local/domain/1/dev"), 0);
	assert_int_equal(drain(&cl[0], p, t, 8), 1);
	assert_string_equal(p[0], "/local/domain/1/dev/vbd/0");
	assert_string_equal(t[0], "deep");
	/* unwatch */
	assert_int_equal(xs_unwatch(&cl[1], "dev", "tk"), 0);
	assert_int_equal(xs_unwatch(&cl[1], "dev", "tk"), -XEN_ENOENT);
	drain(&cl[1], p, t, 8);
	assert_int_equal(xs_write(&cl[1], 0, "dev/y", "1"), 0);
	assert_int_equal(drain(&cl[1], p, t, 8), 0);
}

static void test_transactions(void **state)
{
	uint32_t t1, t2;
	char buf[64], p[8][64], tk[8][16];

	(void)state;
	assert_int_equal(xs_write(&cl[1], 0, "cfg/a", "0"), 0);
	assert_int_equal(xs_watch(&cl[2], "/local/domain/2", "w"), 0);
	drain(&cl[2], p, tk, 8);
	/* a transaction sees its own writes, others do not until commit */
	assert_int_equal(xs_transaction_start(&cl[1], &t1), 0);
	assert_int_not_equal(t1, 0);
	assert_int_equal(xs_write(&cl[1], t1, "cfg/a", "1"), 0);
	assert_int_equal(xs_write(&cl[1], t1, "cfg/new/b", "2"), 0);
	assert_int_equal(xs_rm(&cl[1], t1, "cfg/a"), 0);
	assert_int_equal(xs_read(&cl[1], t1, "cfg/a", buf, sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_read(&cl[1], 0, "cfg/a", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "0");
	assert_int_equal(xs_directory(&cl[1], t1, "cfg", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "new");
	assert_int_equal(xs_read(&cl[1], 0, "cfg/new/b", buf, sizeof(buf)), -XEN_ENOENT);
	/* another domain cannot use the id */
	assert_int_equal(xs_read(&cl[2], t1, "/local/domain/2", buf, sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_transaction_end(&cl[1], t1, true), 0);
	assert_int_equal(xs_read(&cl[1], 0, "cfg/a", buf, sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_read(&cl[1], 0, "cfg/new/b", buf, sizeof(buf)), 1);
	assert_int_equal(xs_transaction_end(&cl[1], t1, true), -XEN_ENOENT);

	/* conflict: a commit in between makes the later commit EAGAIN */
	assert_int_equal(xs_transaction_start(&cl[1], &t1), 0);
	assert_int_equal(xs_transaction_start(&cl[2], &t2), 0);
	assert_int_not_equal(t1, t2);
	assert_int_equal(xs_write(&cl[1], t1, "cfg/c", "1"), 0);
	assert_int_equal(xs_write(&cl[2], t2, "v", "2"), 0);
	assert_int_equal(xs_transaction_end(&cl[2], t2, true), 0);
	/* dom2's watch fired on commit, not before */
	assert_int_equal(drain(&cl[2], p, tk, 8), 1);
	assert_string_equal(p[0], "/local/domain/2/v");
	assert_int_equal(xs_transaction_end(&cl[1], t1, true), -XEN_EAGAIN);
	assert_int_equal(xs_read(&cl[1], 0, "cfg/c", buf, sizeof(buf)), -XEN_ENOENT);
	/* abort drops everything */
	assert_int_equal(xs_transaction_start(&cl[1], &t1), 0);
	assert_int_equal(xs_write(&cl[1], t1, "cfg/d", "1"), 0);
	assert_int_equal(xs_transaction_end(&cl[1], t1, false), 0);
	assert_int_equal(xs_read(&cl[1], 0, "cfg/d", buf, sizeof(buf)), -XEN_ENOENT);
	for (unsigned int i = 0; i < XSD_NODES; i++)
		assert_true(!srv.node[i].used || srv.node[i].tx == 0);
}

static void test_quotas(void **state)
{
	char path[32], tok[16];
	uint32_t tx[8];
	int i, rc = 0;

	(void)state;
	for (i = 0; i < 1000 && !rc; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		rc = xs_write(&cl[1], 0, path, "x");
	}
	assert_int_equal(rc, -XEN_ENOSPC);
	assert_int_equal(xsd_count_nodes(&srv, 1), srv.quota.nodes);
	/* the other domain can still create */
	assert_int_equal(xs_write(&cl[2], 0, "ok", "x"), 0);
	for (i = 0, rc = 0; i < 1000 && !rc; i++) {
		snprintf(tok, sizeof(tok), "t%d", i);
		rc = xs_watch(&cl[2], "ok", tok);
	}
	assert_int_equal(rc, -XEN_E2BIG);
	assert_int_equal(i - 1, (int)srv.quota.watches);
	for (i = 0, rc = 0; i < 8 && !rc; i++)
		rc = xs_transaction_start(&cl[2], &tx[i]);
	assert_int_equal(rc, -XEN_ENOSPC);
	assert_int_equal(i - 1, (int)srv.quota.txs);
	{
		char big[XSD_VALUE_MAX + 2];

		memset(big, 'v', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(xs_write(&cl[0], 0, "/big", big), -XEN_ENOSPC);
	}
	/* over the wire's payload: refused by the client */
	{
		static char huge[XENSTORE_PAYLOAD_MAX + 2];

		memset(huge, 'v', sizeof(huge) - 1);
		assert_int_equal(xs_write(&cl[0], 0, "/big", huge), -XEN_E2BIG);
	}
}

/* Requests written straight into dom1's ring; dom1 never reads replies. */
static void flood(struct xenstore_domain_interface *r)
{
	struct xsd_sockmsg h = {.type = XS_READ, .len = 2};

	for (;;) {
		h.req_id++;
		if (XENSTORE_RING_SIZE - (r->req_prod - r->req_cons) < sizeof(h) + 2)
			break;
		xs_ring_write(r->req, r->req_cons, &r->req_prod, &h, sizeof(h));
		xs_ring_write(r->req, r->req_cons, &r->req_prod, "x", 2);
	}
}

static void test_flood(void **state)
{
	char buf[16];
	struct xsd_conn *c1 = NULL;

	(void)state;
	for (unsigned int i = 0; i < XSD_CONNS; i++)
		if (srv.conn[i].used && srv.conn[i].dom == 1)
			c1 = &srv.conn[i];
	assert_non_null(c1);
	assert_int_equal(xs_write(&cl[2], 0, "v", "ok"), 0);
	for (int round = 0; round < 50; round++) {
		uint64_t before = c1->served;

		flood(&ring[1]);
		/* dom2 gets its answer however full dom1 keeps its ring */
		assert_int_equal(xs_read(&cl[2], 0, "v", buf, sizeof(buf)), 2);
		/* and dom1 got at most a share: one request per round */
		assert_true(c1->served - before <= 8);
	}
	/* dom1 reads nothing: the server stopped taking its requests once its
	 * replies had nowhere to go */
	assert_true(c1->served < 200);
	assert_int_not_equal(ring[1].req_prod, ring[1].req_cons);
	/* a watch storm towards the domain that reads nothing: its events do
	 * not fit its queue, are dropped and counted, and nobody waits */
	{
		static char out[XENSTORE_PAYLOAD_MAX];
		uint64_t dropped = c1->events_dropped;
		uint32_t olen;

		for (unsigned int i = 0; i < srv.quota.watches; i++) {
			char req[32];
			int n = snprintf(req, sizeof(req), "home%c%u", '\0', i);

			assert_int_equal(xsd_op(&srv, 1, XS_WATCH, 0, req, (uint32_t)n + 1, out,
						&olen), 0);
		}
		for (int i = 0; i < 20; i++) {
			assert_int_equal(xs_write(&cl[0], 0, "/local/domain/1/home", "x"), 0);
			assert_int_equal(xs_read(&cl[2], 0, "v", buf, sizeof(buf)), 2);
		}
		/* the queue filled up to less than one more event, the rest dropped */
		assert_true(XSD_OUT_SIZE - c1->out_len < sizeof(struct xsd_sockmsg) + 16);
		assert_true(c1->events_dropped > dropped + 10 * srv.quota.watches);
	}
}

static void test_protocol_error(void **state)
{
	struct xsd_sockmsg h = {.type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1};
	char buf[8];

	(void)state;
	xs_ring_write(ring[1].req, ring[1].req_cons, &ring[1].req_prod, &h, sizeof(h));
	xsd_poll(&srv);
	assert_int_equal(ring[1].error, XENSTORE_ERROR_PROTO);
	/* the others go on */
	assert_int_equal(xs_write(&cl[2], 0, "v", "ok"), 0);
	assert_int_equal(xs_read(&cl[2], 0, "v", buf, sizeof(buf)), 2);
	/* a corrupt index */
	ring[2].req_prod = ring[2].req_cons + 5000;
	xsd_poll(&srv);
	assert_int_equal(ring[2].error, XENSTORE_ERROR_RINGIDX);
}

/* Every node's parent exists in the committed tree; paths are unique. */
static void check_tree(void)
{
	for (unsigned int i = 0; i < XSD_NODES; i++) {
		const struct xsd_node *n = &srv.node[i];
		char par[XSD_PATH_MAX];
		const char *slash;
		bool found = false;

		if (!n->used || n->tx)
			continue;
		assert_int_equal(n->path[0], '/');
		for (unsigned int j = i + 1; j < XSD_NODES; j++)
			assert_false(srv.node[j].used && !srv.node[j].tx &&
				     !strcmp(srv.node[j].path, n->path));
		if (!strcmp(n->path, "/"))
			continue;
		slash = strrchr(n->path, '/');
		if (slash == n->path) {
			strcpy(par, "/");
		} else {
			memcpy(par, n->path, (size_t)(slash - n->path));
			par[slash - n->path] = '\0';
		}
		for (unsigned int j = 0; j < XSD_NODES; j++)
			found |= srv.node[j].used && !srv.node[j].tx && !strcmp(srv.node[j].path, par);
		if (!found)
			print_error("orphan %s\n", n->path);
		assert_true(found);
	}
}

/* Malformed payloads of every type, from a guest and from dom0: errors,
 * never a crash or a broken tree. */
static void test_malformed(void **state)
{
	static const struct {
		const char *b;
		uint32_t len;
	} pay[] = {
		{"", 0}, {"\0", 1}, {"@x\0", 3}, {"@x\0v", 4}, {"/\0", 2}, {"/a", 2},
		{"a\0b", 3}, {"/a\0q1\0", 6}, {"/a\0b", 4}, {"T", 1}, {"x\0", 2},
		{"/a/\0", 4}, {"//\0", 3}, {"1\0", 2}, {"99999999\0", 9}, {"/a\0\0\0", 5},
	};
	static char out[XENSTORE_PAYLOAD_MAX];
	uint32_t olen;

	(void)state;
	for (uint32_t type = 0; type < XS_TYPE_COUNT + 2; type++)
		for (unsigned int i = 0; i < sizeof(pay) / sizeof(pay[0]); i++)
			for (uint16_t d = 0; d < 3; d++)
				for (uint32_t tx = 0; tx < 2; tx++) {
					if (type == XS_TRANSACTION_START && !tx)
						continue; /* would use up the quota */
					xsd_op(&srv, d, type, tx, pay[i].b, pay[i].len, out, &olen);
					assert_true(olen <= XENSTORE_PAYLOAD_MAX);
					check_tree();
				}
}


/* ---- INTRODUCE / RELEASE / special watches (issue 16) ---- */

#define FAKE_RINGS 4
static struct xenstore_domain_interface xring[FAKE_RINGS];
static int dstate[16];
static unsigned int n_introduce, n_release;
static uint64_t released_gfn;

/* The owner's part, as Dom0's service does it with a foreign mapping:
 * "frame" gfn is xring[gfn]. */
static int fake_introduce(void *ctx, uint16_t dom, uint64_t gfn, uint32_t port,
			  struct xsd_ring_io *io)
{
	(void)ctx;
	(void)dom;
	(void)port;
	if (gfn >= FAKE_RINGS)
		return -XEN_EINVAL;
	n_introduce++;
	io->intf = &xring[gfn];
	io->notify = nop_notify;
	return 0;
}

static void fake_release(void *ctx, uint16_t dom, struct xsd_ring_io *io)
{
	(void)ctx;
	(void)dom;
	n_release++;
	released_gfn = io->gfn;
}

static int fake_state(void *ctx, uint16_t dom)
{
	(void)ctx;
	return dom < 16 ? dstate[dom] : XSD_DOM_DEAD;
}

static const struct xsd_domain_ops fake_ops = {fake_introduce, fake_release, fake_state};

static int setup_domains(void **state)
{
	int rc = setup(state);

	memset(xring, 0, sizeof(xring));
	memset(dstate, 0, sizeof(dstate));
	n_introduce = n_release = 0;
	xsd_set_domain_ops(&srv, &fake_ops, NULL);
	return rc;
}

static unsigned int watches_of(uint16_t dom)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < XSD_WATCHES; i++)
		n += srv.watch[i].used && srv.watch[i].dom == dom;
	return n;
}

static unsigned int txs_of(uint16_t dom)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < XSD_TXS; i++)
		n += srv.tx[i].used && srv.tx[i].dom == dom;
	return n;
}

/* Events queued for c now: the count of those with path `want`. */
static int events_for(struct xs_client *c, const char *want)
{
	char p[16][64], t[16][16];
	int n, k = 0;

	xsd_poll(&srv);
	n = drain(c, p, t, 16);
	for (int i = 0; i < n; i++)
		k += !strcmp(p[i], want);
	return k;
}

static void test_introduce_release(void **state)
{
	struct xs_client c3;
	char buf[64];
	uint32_t tx;
	const char *own3[] = {"n3"};

	(void)state;
	/* only the privileged domain */
	assert_int_equal(xs_introduce(&cl[1], 3, 0, 7), -XEN_EACCES);
	assert_int_equal(xs_release(&cl[1], 2), -XEN_EACCES);
	assert_int_equal(xs_is_domain_introduced(&cl[1], 2), -XEN_EACCES);
	/* the special watches: Dom0's fire, a guest's only initially */
	assert_int_equal(xs_watch(&cl[0], "@introduceDomain", "i"), 0);
	assert_int_equal(events_for(&cl[0], "@introduceDomain"), 1);
	assert_int_equal(xs_watch(&cl[0], "@releaseDomain", "r"), 0);
	assert_int_equal(events_for(&cl[0], "@releaseDomain"), 1);
	assert_int_equal(xs_watch(&cl[2], "@releaseDomain", "r2"), 0);
	assert_int_equal(events_for(&cl[2], "@releaseDomain"), 1);

	assert_int_equal(xs_is_domain_introduced(&cl[0], 3), 0);
	assert_int_equal(xs_mkdir(&cl[0], 0, "/local/domain/3"), 0);
	assert_int_equal(xs_set_perms(&cl[0], 0, "/local/domain/3", own3, 1), 0);
	assert_int_equal(xs_introduce(&cl[0], 3, 0, 7), 0);
	assert_int_equal(n_introduce, 1u);
	assert_int_equal(events_for(&cl[0], "@introduceDomain"), 1);
	assert_int_equal(xs_is_domain_introduced(&cl[0], 3), 1);
	assert_int_equal(xring[0].server_features, XENSTORE_SERVER_FEATURE_ERROR);
	/* the same ring again is fine, another is not; bad arguments */
	assert_int_equal(xs_introduce(&cl[0], 3, 0, 7), 0);
	assert_int_equal(n_introduce, 1u);
	assert_int_equal(xs_introduce(&cl[0], 3, 1, 7), -XEN_EEXIST);
	assert_int_equal(xs_introduce(&cl[0], 5, FAKE_RINGS, 7), -XEN_EINVAL); /* the owner's no */
	assert_int_equal(xs_is_domain_introduced(&cl[0], 5), 0);
	assert_int_equal(xs_introduce(&cl[0], 0, 1, 7), -XEN_EINVAL);
	assert_int_equal(xs_introduce(&cl[0], 0x7ff0, 1, 7), -XEN_EINVAL);
	{
		const char *bad[] = {"3", "x1", "7"};

		assert_int_equal(xs_request(&cl[0], XS_INTRODUCE, 0, bad, 3, true), -XEN_EINVAL);
		assert_int_equal(xs_request(&cl[0], XS_INTRODUCE, 0, bad, 2, true), -XEN_EINVAL);
	}

	/* the introduced ring is served like any */
	xs_client_init(&c3, &xring[0], nop_notify, run_server, NULL);
	assert_int_equal(xs_write(&c3, 0, "x", "3"), 0);
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/3/x", buf, sizeof(buf)), 1);
	assert_int_equal(xs_watch(&c3, "x", "w"), 0);
	assert_int_equal(xs_transaction_start(&c3, &tx), 0);
	assert_int_equal(watches_of(3), 1u);
	assert_int_equal(txs_of(3), 1u);

	/* RELEASE: connection, watches, transactions gone; its nodes Dom0's */
	assert_int_equal(xs_release(&cl[0], 3), 0);
	assert_int_equal(n_release, 1u);
	assert_int_equal(released_gfn, 0u);
	assert_int_equal(events_for(&cl[0], "@releaseDomain"), 1);
	assert_int_equal(events_for(&cl[2], "@releaseDomain"), 0);
	assert_int_equal(xs_is_domain_introduced(&cl[0], 3), 0);
	assert_int_equal(watches_of(3), 0u);
	assert_int_equal(txs_of(3), 0u);
	assert_int_equal(xsd_count_nodes(&srv, 3), 0u);
	assert_int_equal(xs_get_perms(&cl[0], 0, "/local/domain/3/x", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "n0");
	assert_int_equal(xs_release(&cl[0], 3), -XEN_ENOENT);
	assert_int_equal(xs_release(&cl[0], 0), -XEN_EINVAL);
	/* the frame can serve the next domain */
	assert_int_equal(xs_introduce(&cl[0], 4, 0, 9), 0);
	assert_int_equal(events_for(&cl[0], "@introduceDomain"), 1);
	assert_int_equal(xs_is_domain_introduced(&cl[0], 4), 1);
	assert_int_equal(xsd_release(&srv, 4), 0);
	assert_int_equal(events_for(&cl[0], "@releaseDomain"), 1);

	/* death (after VIRQ_DOM_EXC): shutdown fires once, dying releases */
	assert_int_equal(xs_introduce(&cl[0], 5, 1, 8), 0);
	assert_int_equal(events_for(&cl[0], "@introduceDomain"), 1);
	assert_int_equal(xsd_domains_check(&srv), 0u);
	assert_int_equal(events_for(&cl[0], "@releaseDomain"), 0);
	dstate[5] = XSD_DOM_SHUTDOWN;
	assert_int_equal(xsd_domains_check(&srv), 0u);
	assert_int_equal(events_for(&cl[0], "@releaseDomain"), 1);
	assert_int_equal(xsd_domains_check(&srv), 0u);
	assert_int_equal(events_for(&cl[0], "@releaseDomain"), 0);
	assert_int_equal(xs_is_domain_introduced(&cl[0], 5), 1);
	dstate[5] = XSD_DOM_DEAD;
	assert_int_equal(xsd_domains_check(&srv), 1u);
	assert_int_equal(events_for(&cl[0], "@releaseDomain"), 1);
	assert_int_equal(xs_is_domain_introduced(&cl[0], 5), 0);
	assert_int_equal(srv.stats.died, 1u);
	/* the directly connected rings (doms 1, 2) can be released too */
	assert_int_equal(xs_is_domain_introduced(&cl[0], 2), 1);

	/* without an owner's ops there is nothing to map with */
	xsd_set_domain_ops(&srv, NULL, NULL);
	assert_int_equal(xs_introduce(&cl[0], 6, 0, 1), -XEN_ENOSYS);
}

/* ---- Dom0-local connections ---- */

static struct xenstore_domain_interface lring[2];

static void test_local(void **state)
{
	struct xs_client la, lb;
	struct xsd_conn *ca, *cb, *c1 = NULL;
	char buf[64];
	uint32_t tx;

	(void)state;
	memset(lring, 0, sizeof(lring));
	ca = xsd_connect_local(&srv, &lring[0], nop_notify, NULL);
	cb = xsd_connect_local(&srv, &lring[1], nop_notify, NULL);
	assert_non_null(ca);
	assert_non_null(cb);
	assert_int_equal(ca->kind, XSD_CONN_LOCAL);
	assert_int_equal(ca->dom, 0);
	xs_client_init(&la, &lring[0], nop_notify, run_server, NULL);
	xs_client_init(&lb, &lring[1], nop_notify, run_server, NULL);
	/* privileged: Dom0's */
	assert_int_equal(xs_write(&la, 0, "/local/domain/1/cfg", "a"), 0);
	assert_int_equal(xs_read(&lb, 0, "/local/domain/1/cfg", buf, sizeof(buf)), 1);
	assert_int_equal(xs_is_domain_introduced(&la, 1), 1);
	/* a watch is its connection's: B's write reaches A only */
	assert_int_equal(xs_watch(&la, "/local/domain/1/cfg", "a"), 0);
	assert_int_equal(events_for(&la, "/local/domain/1/cfg"), 1);
	assert_int_equal(xs_write(&lb, 0, "/local/domain/1/cfg", "b"), 0);
	/* the event is in A's ring, unread: A has input before it looks */
	xsd_poll(&srv);
	assert_true(xs_has_input(&la));
	assert_false(xs_has_input(&lb));
	assert_int_equal(events_for(&la, "/local/domain/1/cfg"), 1);
	assert_false(xs_has_input(&la));
	assert_int_equal(events_for(&lb, "/local/domain/1/cfg"), 0);
	/* the same path and token on B is B's own watch */
	assert_int_equal(xs_watch(&lb, "/local/domain/1/cfg", "a"), 0);
	assert_int_equal(xs_unwatch(&lb, "/local/domain/1/cfg", "a"), 0);
	assert_int_equal(xs_unwatch(&lb, "/local/domain/1/cfg", "a"), -XEN_ENOENT);
	/* a transaction is its connection's */
	assert_int_equal(xs_transaction_start(&la, &tx), 0);
	assert_int_equal(xs_write(&lb, tx, "/t", "x"), -XEN_ENOENT);
	assert_int_equal(xs_write(&la, tx, "/t", "x"), 0);
	/* a Dom0-local client is never a domain's ring */
	assert_true(xsd_conn_of(&srv, 0) == NULL || xsd_conn_of(&srv, 0)->kind != XSD_CONN_LOCAL);
	/* closing A drops its watch and transaction, B's stay */
	assert_int_equal(xs_watch(&lb, "/local/domain/2", "b"), 0);
	xsd_disconnect(&srv, ca);
	assert_int_equal(watches_of(0), 1u);
	assert_int_equal(txs_of(0), 0u);
	assert_int_equal(xs_read(&lb, 0, "/t", buf, sizeof(buf)), -XEN_ENOENT);
	/* and a flooding domain does not starve a local client either */
	for (unsigned int i = 0; i < XSD_CONNS; i++)
		if (srv.conn[i].used && srv.conn[i].dom == 1 && srv.conn[i].kind != XSD_CONN_LOCAL)
			c1 = &srv.conn[i];
	assert_non_null(c1);
	for (int round = 0; round < 30; round++) {
		uint64_t before = c1->served;

		flood(&ring[1]);
		assert_int_equal(xs_read(&lb, 0, "/local/domain/1/cfg", buf, sizeof(buf)), 1);
		assert_true(c1->served - before <= 8);
	}
	assert_true(c1->served < 200);
}

/* ---- libxl's nodes and their permissions ---- */

static unsigned int all_nodes(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < XSD_NODES; i++)
		n += srv.node[i].used;
	return n;
}

static const struct xs_libxl_dom dom1 = {
	.domid = 1, .name = "guest1",
	.uuid = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8},
	.target_kib = 65536, .static_max_kib = 131072, .vcpus = 2,
	.store_gfn = 0x39001, .store_port = 5,
};

static void assert_perms(const char *path, const char *want, int wlen)
{
	char buf[64];

	assert_int_equal(xs_get_perms(&cl[0], 0, path, buf, sizeof(buf)), wlen);
	assert_memory_equal(buf, want, (size_t)wlen);
}

static void assert_value(const char *path, const char *want)
{
	char buf[128];

	assert_int_equal(xs_read(&cl[0], 0, path, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_libxl_nodes(void **state)
{
	struct xs_libxl_vdisk v = {.backend_domid = 0, .vdev = "xvda", .base = 0x02000000,
				   .irq = 33, .writable = true, .params = "/images/disk.img"};
	unsigned int before;
	char buf[128];
	uint16_t bes[] = {0};

	(void)state;
	assert_int_equal(xs_libxl_vdev_devid("xvda"), 51712);
	assert_int_equal(xs_libxl_vdev_devid("xvdb"), 51728);
	assert_int_equal(xs_libxl_vdev_devid("xvdb3"), 51731);
	assert_int_equal(xs_libxl_vdev_devid("xvdq"), -XEN_EINVAL);
	assert_int_equal(xs_libxl_vdev_devid("sda"), -XEN_EINVAL);
	assert_int_equal(xs_libxl_vdev_devid("xvda16"), -XEN_EINVAL);
	v.devid = (uint32_t)xs_libxl_vdev_devid(v.vdev);

	assert_int_equal(xs_rm(&cl[0], 0, "/local/domain/1"), 0);
	before = all_nodes();
	assert_int_equal(xs_libxl_domain_write(&cl[0], &dom1), 0);
	assert_value("/local/domain/1/name", "guest1");
	assert_value("/local/domain/1/domid", "1");
	assert_value("/local/domain/1/vm", "/vm/12345678-9abc-def0-0102-030405060708");
	assert_value("/vm/12345678-9abc-def0-0102-030405060708/uuid",
		     "12345678-9abc-def0-0102-030405060708");
	assert_value("/vm/12345678-9abc-def0-0102-030405060708/name", "guest1");
	assert_value("/local/domain/1/memory/target", "65536");
	assert_value("/local/domain/1/memory/static-max", "131072");
	assert_value("/local/domain/1/cpu/0/availability", "online");
	assert_value("/local/domain/1/cpu/1/availability", "online");
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/1/cpu/2", buf, sizeof(buf)),
			 -XEN_ENOENT);
	assert_value("/local/domain/1/store/port", "5");
	assert_value("/local/domain/1/store/ring-ref", "233473");
	/* Dom0 owns the home, the domain reads it; its own directories */
	assert_perms("/local/domain/1", "n0\0r1", 6);
	assert_perms("/local/domain/1/memory/target", "n0\0r1", 6);
	assert_perms("/local/domain/1/device", "n0\0r1", 6);
	assert_perms("/local/domain/1/data", "n1", 3);
	assert_perms("/local/domain/1/control/shutdown", "n1", 3);
	assert_perms("/vm/12345678-9abc-def0-0102-030405060708", "n0\0r1", 6);
	assert_perms("/libxl/1", "n0", 3);
	/* what the domain may do */
	assert_int_equal(xs_read(&cl[1], 0, "name", buf, sizeof(buf)), 6);
	assert_int_equal(xs_read(&cl[1], 0, "memory/target", buf, sizeof(buf)), 5);
	assert_int_equal(xs_write(&cl[1], 0, "memory/target", "999999"), -XEN_EACCES);
	assert_int_equal(xs_write(&cl[1], 0, "name", "evil"), -XEN_EACCES);
	assert_int_equal(xs_write(&cl[1], 0, "newnode", "x"), -XEN_EACCES);
	assert_int_equal(xs_write(&cl[1], 0, "cpu/0/availability", "offline"), -XEN_EACCES);
	assert_int_equal(xs_write(&cl[1], 0, "data/x", "1"), 0);
	assert_int_equal(xs_write(&cl[1], 0, "control/shutdown", "poweroff"), 0);
	assert_int_equal(xs_read(&cl[1], 0, "/libxl/1", buf, sizeof(buf)), -XEN_EACCES);
	/* and another domain may not even read */
	assert_int_equal(xs_read(&cl[2], 0, "/local/domain/1/name", buf, sizeof(buf)),
			 -XEN_EACCES);
	assert_int_equal(xs_read(&cl[2], 0, "/vm/12345678-9abc-def0-0102-030405060708/name", buf,
				 sizeof(buf)), -XEN_EACCES);

	/* the virtio disk (xen-facts-devices 7.2) */
	assert_int_equal(xs_libxl_vdisk_write(&cl[0], 1, &v), 0);
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/frontend",
		     "/local/domain/1/device/virtio_disk/51712");
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/frontend-id", "1");
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/params", "/images/disk.img");
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/mode", "w");
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/base", "33554432");
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/irq", "33");
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/state", "1");
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/specification", "virtio");
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/transport", "mmio");
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/type", "standalone");
	assert_value("/local/domain/1/device/virtio_disk/51712/backend",
		     "/local/domain/0/backend/virtio_disk/1/51712");
	assert_value("/local/domain/1/device/virtio_disk/51712/backend-id", "0");
	assert_value("/local/domain/1/device/virtio_disk/51712/state", "1");
	assert_perms("/local/domain/0/backend/virtio_disk/1/51712", "n0\0r1", 6);
	assert_perms("/local/domain/0/backend/virtio_disk/1/51712/params", "n0\0r1", 6);
	assert_perms("/local/domain/1/device/virtio_disk/51712", "n1\0r0", 6);
	/* the frontend reads its backend, writes only its own side */
	assert_int_equal(xs_read(&cl[1], 0, "/local/domain/0/backend/virtio_disk/1/51712/base",
				 buf, sizeof(buf)), 8);
	assert_int_equal(xs_write(&cl[1], 0, "/local/domain/0/backend/virtio_disk/1/51712/state",
				  "4"), -XEN_EACCES);
	assert_int_equal(xs_write(&cl[1], 0, "device/virtio_disk/51712/state", "3"), 0);
	assert_int_equal(xs_read(&cl[2], 0, "/local/domain/0/backend/virtio_disk/1/51712/base",
				 buf, sizeof(buf)), -XEN_EACCES);
	assert_int_equal(xs_read(&cl[2], 0, "/local/domain/1/device/virtio_disk/51712/state",
				 buf, sizeof(buf)), -XEN_EACCES);
	/* bad disks write nothing */
	{
		struct xs_libxl_vdisk bad = v;

		bad.params = "";
		assert_int_equal(xs_libxl_vdisk_write(&cl[0], 1, &bad), -XEN_EINVAL);
		bad = v;
		bad.backend_domid = 1;
		assert_int_equal(xs_libxl_vdisk_write(&cl[0], 1, &bad), -XEN_EINVAL);
	}

	/* removal: the disk (and the backend's directory of the frontend), then
	 * the domain; the store is back where it was */
	assert_int_equal(xs_libxl_vdisk_remove(&cl[0], 1, &v), 0);
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/0/backend/virtio_disk/1", buf,
				 sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/1/device/virtio_disk/51712", buf,
				 sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_libxl_vdisk_write(&cl[0], 1, &v), 0);
	assert_int_equal(xs_libxl_domain_remove(&cl[0], 1, dom1.uuid, bes, 1), 0);
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/1", buf, sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/0/backend/virtio_disk/1", buf,
				 sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_read(&cl[0], 0, "/vm/12345678-9abc-def0-0102-030405060708", buf,
				 sizeof(buf)), -XEN_ENOENT);
	assert_int_equal(xs_read(&cl[0], 0, "/libxl/1", buf, sizeof(buf)), -XEN_ENOENT);
	/* /local/domain/0{,/backend{,/virtio_disk}}, /vm, /libxl stay */
	assert_int_equal(all_nodes(), before + 5);
	/* a domain's nodes written twice: the second replaces the first */
	assert_int_equal(xs_libxl_domain_write(&cl[0], &dom1), 0);
	assert_int_equal(xs_libxl_domain_write(&cl[0], &dom1), 0);
	assert_int_equal(xs_libxl_domain_remove(&cl[0], 1, dom1.uuid, bes, 1), 0);
	assert_int_equal(all_nodes(), before + 5);
	/* a guest cannot write them */
	assert_int_equal(xs_libxl_domain_write(&cl[2], &dom1), -XEN_EACCES);
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/1", buf, sizeof(buf)), -XEN_ENOENT);
}

/* ---- the backend finding its frontends ---- */

static void test_vdisk_backend(void **state)
{
	static struct xenstore_domain_interface bring;
	struct xs_client bc;
	struct xsbe be;
	struct xsbe_disk d;
	struct xs_libxl_vdisk v = {.backend_domid = 0, .vdev = "xvda", .devid = 51712,
				   .base = 0x02000000, .irq = 33, .writable = false,
				   .params = "disk0"};
	struct xs_libxl_dom d2 = dom1;
	char buf[16];

	(void)state;
	memset(&bring, 0, sizeof(bring));
	assert_non_null(xsd_connect_local(&srv, &bring, nop_notify, NULL));
	xs_client_init(&bc, &bring, nop_notify, run_server, NULL);
	assert_int_equal(xs_libxl_domain_write(&cl[0], &dom1), 0);
	d2.domid = 2;
	d2.name = "guest2";
	d2.uuid[0] = 0x99;
	assert_int_equal(xs_libxl_domain_write(&cl[0], &d2), 0);

	assert_int_equal(xsbe_init(&be, &bc), 0);
	assert_true(be.privileged);
	assert_int_equal(be.self, 0);
	assert_int_equal(xsbe_take(&be, &d), -XEN_EAGAIN);
	assert_int_equal(xs_libxl_vdisk_write(&cl[0], 1, &v), 0);
	/* the frontend not Initialising: not taken */
	assert_int_equal(xs_write(&cl[1], 0, "device/virtio_disk/51712/state", "3"), 0);
	assert_int_equal(xsbe_take(&be, &d), -XEN_EAGAIN);
	assert_int_equal(xs_write(&cl[1], 0, "device/virtio_disk/51712/state", "1"), 0);
	assert_int_equal(xsbe_take_only(&be, &d), 0);
	assert_int_equal(d.fe, 1);
	assert_int_equal(d.devid, 51712u);
	assert_int_equal(d.base, 0x02000000u);
	assert_int_equal(d.irq, 33u);
	assert_false(d.writable);
	assert_string_equal(d.params, "disk0");
	assert_int_equal(d.static_max_kib, 131072u);
	assert_true(d.introduced);
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/state", "1");
	/* not ready: offered again */
	assert_int_equal(xsbe_take_only(&be, &d), 0);
	assert_int_equal(d.fe, 1);
	assert_int_equal(xsbe_ready(&be, &d), 0);
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/state", "2");
	/* libxl's wait sees InitWait */
	assert_int_equal(xs_libxl_vdisk_wait(&cl[0], 1, &v, XENBUS_STATE_INITWAIT), 0);
	/* taken once */
	assert_int_equal(xsbe_take(&be, &d), -XEN_EAGAIN);
	assert_false(xsbe_gone(&be, &d));
	/* the frontend closes: the session ends, the backend says Closed */
	assert_int_equal(xs_write(&cl[1], 0, "device/virtio_disk/51712/state", "5"), 0);
	assert_true(xsbe_gone(&be, &d));
	assert_int_equal(xsbe_end(&be, &d), 0);
	assert_value("/local/domain/0/backend/virtio_disk/1/51712/state", "6");

	/* the next frontend, later: its nodes removed ends it */
	v.writable = true;
	assert_int_equal(xs_libxl_vdisk_write(&cl[0], 2, &v), 0);
	assert_int_equal(xsbe_take(&be, &d), 0);
	assert_int_equal(d.fe, 2);
	assert_true(d.writable);
	assert_false(xsbe_gone(&be, &d));
	assert_int_equal(xs_libxl_vdisk_remove(&cl[0], 2, &v), 0);
	assert_true(xsbe_gone(&be, &d));
	assert_int_equal(xsbe_end(&be, &d), 0);

	/* and one whose domain is released (died) */
	assert_int_equal(xs_libxl_vdisk_write(&cl[0], 2, &v), 0);
	assert_int_equal(xsbe_take(&be, &d), 0);
	assert_int_equal(xs_release(&cl[0], 2), 0);
	assert_true(xsbe_gone(&be, &d));
	assert_int_equal(xsbe_end(&be, &d), 0);
	assert_int_equal(xs_read(&cl[0], 0, "/local/domain/0/backend/virtio_disk/2/51712/state",
				 buf, sizeof(buf)), 1);
	assert_string_equal(buf, "6");
	/* two ready at once: the newest (highest id) first, then the other */
	assert_int_equal(xs_libxl_vdisk_remove(&cl[0], 1, &v), 0);
	assert_int_equal(xs_libxl_vdisk_remove(&cl[0], 2, &v), 0);
	assert_int_equal(xs_libxl_vdisk_write(&cl[0], 1, &v), 0);
	assert_int_equal(xs_libxl_vdisk_write(&cl[0], 2, &v), 0);
	assert_int_equal(xsbe_take(&be, &d), 0);
	assert_int_equal(d.fe, 2);
	assert_int_equal(xsbe_take(&be, &d), 0);
	assert_int_equal(d.fe, 1);
	assert_int_equal(be.taken, 6u);
	/* a wait that never ends gives up through the client's wait hook */
	spins = 999000;
	assert_int_equal(xs_libxl_vdisk_wait(&cl[0], 1, &v, XENBUS_STATE_CONNECTED),
			 -XEN_ETIMEDOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_read_write, setup),
		cmocka_unit_test_setup(test_permissions, setup),
		cmocka_unit_test_setup(test_watches, setup),
		cmocka_unit_test_setup(test_transactions, setup),
		cmocka_unit_test_setup(test_quotas, setup),
		cmocka_unit_test_setup(test_flood, setup),
		cmocka_unit_test_setup(test_protocol_error, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_introduce_release, setup_domains),
		cmocka_unit_test_setup(test_local, setup),
		cmocka_unit_test_setup(test_libxl_nodes, setup),
		cmocka_unit_test_setup(test_vdisk_backend, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
