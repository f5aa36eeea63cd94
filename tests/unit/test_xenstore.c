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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
