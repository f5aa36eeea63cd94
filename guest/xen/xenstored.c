/*
 * xenstore server (design and invariants: include/xen/xenstored.h).
 * Every lookup is a scan of the fixed pools: the store is small and the
 * scans keep the invariants easy to check.
 */
#include <xen/xenstored.h>

#include <public/errno.h>
#include <string.h>

#define LOCAL_DOMAIN "/local/domain/"

/* The guest runtime's string.c has no strcpy/strcat. */
static void str_copy(char *d, const char *s)
{
	memcpy(d, s, strlen(s) + 1);
}

static void str_cat(char *d, const char *s)
{
	str_copy(d + strlen(d), s);
}

static void xsd_out_push(struct xsd_conn *c, const void *data, uint32_t len);
static void release_conn(struct xsd *s, struct xsd_conn *c);

void xsd_lock(struct xsd *s)
{
	while (__atomic_exchange_n(&s->lock, 1u, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&s->lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

void xsd_unlock(struct xsd *s)
{
	__atomic_store_n(&s->lock, 0u, __ATOMIC_RELEASE);
}

void xsd_set_domain_ops(struct xsd *s, const struct xsd_domain_ops *ops, void *ctx)
{
	s->ops = ops;
	s->ops_ctx = ctx;
}

void xsd_init(struct xsd *s)
{
	memset(s, 0, sizeof(*s));
	s->node[0].used = true;
	str_copy(s->node[0].path, "/");
	s->node[0].nperms = 1;
	s->node[0].perms[0] = (struct xsd_perm){XSD_PRIV_DOM, 0};
	s->quota = (struct xsd_quota){.nodes = 128, .watches = 32, .txs = 4};
	s->next_tx = 1;
}

/* ---- paths ---- */

static bool is_child_or_self(const char *p, const char *base)
{
	size_t n = strlen(base);

	if (!strcmp(base, "/"))
		return p[0] == '/';
	return !strncmp(p, base, n) && (p[n] == '\0' || p[n] == '/');
}

static void parent_of(const char *p, char *out)
{
	const char *slash = strrchr(p, '/');
	size_t n = (size_t)(slash - p);

	if (n == 0)
		n = 1; /* "/x" -> "/" */
	memcpy(out, p, n);
	out[n] = '\0';
}

static void fmt_dom(char *out, unsigned int v)
{
	char t[8];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*out++ = t[--n];
	*out = '\0';
}

/* Relative paths are under /local/domain/<dom>; checks the characters. */
static int canon(uint16_t dom, const char *in, char *out, bool *relative)
{
	size_t n = strlen(in), pre = 0;

	if (n == 0)
		return -XEN_EINVAL;
	*relative = in[0] != '/' && in[0] != '@';
	if (*relative) {
		str_copy(out, LOCAL_DOMAIN);
		fmt_dom(out + strlen(out), dom);
		str_cat(out, "/");
		pre = strlen(out);
	}
	if (pre + n + 1 > XSD_PATH_MAX)
		return -XEN_E2BIG;
	for (size_t i = 0; i < n; i++) {
		char ch = in[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '/' || ch == '_' || ch == '@'))
			return -XEN_EINVAL;
		if (ch == '/' && i + 1 < n && in[i + 1] == '/')
			return -XEN_EINVAL;
	}
	if (n > 1 && in[n - 1] == '/')
		return -XEN_EINVAL;
	memcpy(out + pre, in, n + 1);
	return 0;
}

/* ---- nodes: layers ---- */

static struct xsd_node *entry(struct xsd *s, uint32_t tx, const char *p)
{
	for (unsigned int i = 0; i < XSD_NODES; i++)
		if (s->node[i].used && s->node[i].tx == tx && !strcmp(s->node[i].path, p))
			return &s->node[i];
	return NULL;
}

/* The node as transaction tx (0: none) sees it. */
static struct xsd_node *lookup(struct xsd *s, uint32_t tx, const char *p)
{
	struct xsd_node *n = tx ? entry(s, tx, p) : NULL;

	if (n)
		return n->tomb ? NULL : n;
	return entry(s, 0, p);
}

unsigned int xsd_count_nodes(const struct xsd *s, uint16_t dom)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < XSD_NODES; i++)
		if (s->node[i].used && !s->node[i].tomb && s->node[i].perms[0].dom == dom)
			k++;
	return k;
}

static unsigned int access_of(const struct xsd_node *n, uint16_t dom)
{
	if (dom == XSD_PRIV_DOM || dom == n->perms[0].dom)
		return XSD_PERM_R | XSD_PERM_W;
	for (unsigned int i = 1; i < n->nperms; i++)
		if (n->perms[i].dom == dom)
			return n->perms[i].acc;
	return n->perms[0].acc;
}

/* The entry of layer tx for p, made from the view if needed. */
static struct xsd_node *layer_entry(struct xsd *s, uint32_t tx, const char *p,
				    const struct xsd_node *from, int *err)
{
	struct xsd_node *n = entry(s, tx, p);

	if (n)
		return n;
	for (unsigned int i = 0; i < XSD_NODES; i++) {
		if (s->node[i].used)
			continue;
		n = &s->node[i];
		if (from)
			*n = *from;
		else
			memset(n, 0, sizeof(*n));
		n->used = true;
		n->tx = tx;
		n->tomb = false;
		str_copy(n->path, p);
		return n;
	}
	*err = -XEN_ENOMEM;
	return NULL;
}

/* ---- watches ---- */

/* The ring of dom (a domain's connection, not a Dom0-local client). */
static struct xsd_conn *conn_of(struct xsd *s, uint16_t dom)
{
	for (unsigned int i = 0; i < XSD_CONNS; i++)
		if (s->conn[i].used && s->conn[i].dom == dom && s->conn[i].kind != XSD_CONN_LOCAL)
			return &s->conn[i];
	return NULL;
}

struct xsd_conn *xsd_conn_of(struct xsd *s, uint16_t dom)
{
	return conn_of(s, dom);
}

static int16_t conn_index(const struct xsd *s, const struct xsd_conn *c)
{
	return c ? (int16_t)(c - s->conn) : -1;
}

static void send_event(struct xsd *s, const struct xsd_watch *w, const char *abs)
{
	struct xsd_conn *c = w->conn >= 0 ? &s->conn[w->conn] : conn_of(s, w->dom);
	char buf[XSD_PATH_MAX * 2];
	struct xsd_sockmsg h = {.type = XS_WATCH_EVENT};
	const char *p = abs;
	size_t pl, tl;

	if (!c || !c->used)
		return;
	if (w->relative) {
		char base[XSD_PATH_MAX];

		str_copy(base, LOCAL_DOMAIN);
		fmt_dom(base + strlen(base), w->dom);
		if (is_child_or_self(abs, base) && abs[strlen(base)] == '/')
			p = abs + strlen(base) + 1;
	}
	pl = strlen(p) + 1;
	tl = strlen(w->token) + 1;
	memcpy(buf, p, pl);
	memcpy(buf + pl, w->token, tl);
	h.len = (uint32_t)(pl + tl);
	if (XSD_OUT_SIZE - c->out_len - c->reserve < sizeof(h) + h.len) {
		c->events_dropped++;
		return;
	}
	xsd_out_push(c, &h, sizeof(h));
	xsd_out_push(c, buf, h.len);
}

/* A committed change of p; n: the node's permissions (NULL: skip the
 * permission filter, for the privileged-only special paths). */
static void fire(struct xsd *s, const char *p, const struct xsd_node *n, bool removed)
{
	for (unsigned int i = 0; i < XSD_WATCHES; i++) {
		struct xsd_watch *w = &s->watch[i];

		if (!w->used || w->path[0] == '@')
			continue;
		if (n && !(access_of(n, w->dom) & XSD_PERM_R))
			continue;
		if (is_child_or_self(p, w->path))
			send_event(s, w, p);
		else if (removed && is_child_or_self(w->path, p))
			send_event(s, w, w->path);
	}
}

/* @introduceDomain / @releaseDomain: the privileged domain's watches
 * only, the event path being the special name. */
static void fire_special(struct xsd *s, const char *name)
{
	for (unsigned int i = 0; i < XSD_WATCHES; i++) {
		struct xsd_watch *w = &s->watch[i];

		if (w->used && w->dom == XSD_PRIV_DOM && !strcmp(w->path, name)) {
			send_event(s, w, name);
			s->stats.special_events++;
		}
	}
}

/* ---- operations ---- */

/* Makes p and its missing parents in layer tx, as dom; checks W on the
 * nearest existing ancestor (or p itself when it exists). */
static int create(struct xsd *s, uint16_t dom, uint32_t tx, const char *p, struct xsd_node **out)
{
	struct xsd_node *n = lookup(s, tx, p), *par;
	char pp[XSD_PATH_MAX];
	int err = 0;

	if (n) {
		if (!(access_of(n, dom) & XSD_PERM_W))
			return -XEN_EACCES;
		*out = n;
		return 0;
	}
	parent_of(p, pp);
	err = create(s, dom, tx, pp, &par);
	if (err)
		return err;
	if (dom != XSD_PRIV_DOM && xsd_count_nodes(s, dom) >= s->quota.nodes)
		return -XEN_ENOSPC;
	n = layer_entry(s, tx, p, NULL, &err);
	if (!n)
		return err;
	n->tomb = false; /* removed earlier in this transaction: made anew */
	n->vlen = 0;
	n->nperms = par->nperms;
	memcpy(n->perms, par->perms, sizeof(n->perms));
	if (dom != XSD_PRIV_DOM) /* Dom0's nodes keep the parent's owner */
		n->perms[0].dom = dom;
	if (!tx)
		s->gen++;
	*out = n;
	return 0;
}

static int op_write(struct xsd *s, uint16_t dom, uint32_t tx, const char *p, const char *v,
		    uint32_t vlen, bool mkdir)
{
	struct xsd_node *n, *before = lookup(s, tx, p);
	int err;

	if (vlen > XSD_VALUE_MAX)
		return -XEN_ENOSPC;
	if (mkdir && before) /* exists: left as it is, if writable */
		return access_of(before, dom) & XSD_PERM_W ? 0 : -XEN_EACCES;
	/* one event, for p (as Xen: watches above p match it by prefix) */
	err = create(s, dom, tx, p, &n);
	if (err)
		return err;
	if (mkdir) {
		if (!tx)
			fire(s, p, n, false);
		return 0;
	}
	if (tx && n->tx != tx) {
		n = layer_entry(s, tx, p, n, &err);
		if (!n)
			return err;
	}
	memcpy(n->value, v, vlen);
	n->vlen = vlen;
	if (!tx) {
		s->gen++;
		fire(s, p, n, false);
	}
	return 0;
}

static int op_rm(struct xsd *s, uint16_t dom, uint32_t tx, const char *p)
{
	struct xsd_node *n = lookup(s, tx, p), saved;
	char pp[XSD_PATH_MAX];
	int err = 0;

	if (!strcmp(p, "/"))
		return -XEN_EINVAL;
	if (!n) {
		parent_of(p, pp);
		return lookup(s, tx, pp) ? 0 : -XEN_ENOENT;
	}
	if (!(access_of(n, dom) & XSD_PERM_W))
		return -XEN_EACCES;
	saved = *n;
	/* the subtree as this view sees it: committed nodes and tx entries */
	for (unsigned int i = 0; i < XSD_NODES; i++) {
		struct xsd_node *m = &s->node[i];

		if (!m->used || !is_child_or_self(m->path, p))
			continue;
		if (!tx) {
			if (m->tx == 0)
				m->used = false;
		} else if (m->tx == tx) {
			m->tomb = true;
		} else if (m->tx == 0 && !entry(s, tx, m->path)) {
			struct xsd_node *t = layer_entry(s, tx, m->path, m, &err);

			if (!t)
				return err; /* partial tombstones: the tx is still consistent
					       per path; the caller may abort */
			t->tomb = true;
		}
	}
	if (!tx) {
		s->gen++;
		fire(s, p, &saved, true);
	}
	return 0;
}

static int parse_perm(const char *t, struct xsd_perm *out)
{
	unsigned int v = 0;

	switch (t[0]) {
	case 'n': out->acc = 0; break;
	case 'r': out->acc = XSD_PERM_R; break;
	case 'w': out->acc = XSD_PERM_W; break;
	case 'b': out->acc = XSD_PERM_R | XSD_PERM_W; break;
	default: return -XEN_EINVAL;
	}
	if (!t[1])
		return -XEN_EINVAL;
	for (const char *q = t + 1; *q; q++) {
		if (*q < '0' || *q > '9' || v > 0xffff)
			return -XEN_EINVAL;
		v = v * 10 + (unsigned int)(*q - '0');
	}
	if (v > 0xffff)
		return -XEN_EINVAL;
	out->dom = (uint16_t)v;
	return 0;
}

static int op_set_perms(struct xsd *s, uint16_t dom, uint32_t tx, const char *p,
			const char *list, uint32_t len)
{
	struct xsd_perm perms[XSD_PERMS_MAX];
	unsigned int np = 0;
	struct xsd_node *n = lookup(s, tx, p);
	int err = 0;

	for (uint32_t off = 0; off < len;) {
		const char *t = list + off;
		size_t l = strnlen(t, len - off);

		if (off + l == len) /* every entry is NUL-terminated */
			return -XEN_EINVAL;
		if (np == XSD_PERMS_MAX)
			return -XEN_ENOSPC;
		err = parse_perm(t, &perms[np++]);
		if (err)
			return err;
		off += (uint32_t)l + 1;
	}
	if (!np)
		return -XEN_EINVAL;
	if (!n)
		return -XEN_ENOENT;
	if (dom != XSD_PRIV_DOM && dom != n->perms[0].dom)
		return -XEN_EACCES;
	if (dom != XSD_PRIV_DOM && perms[0].dom != n->perms[0].dom)
		return -XEN_EPERM;
	if (tx && n->tx != tx) {
		n = layer_entry(s, tx, p, n, &err);
		if (!n)
			return err;
	}
	memset(n->perms, 0, sizeof(n->perms));
	memcpy(n->perms, perms, np * sizeof(perms[0]));
	n->nperms = (uint8_t)np;
	if (!tx) {
		s->gen++;
		fire(s, p, n, false);
	}
	return 0;
}

/* A transaction is its connection's (a direct xsd_op's: conn -1). */
static struct xsd_tx *find_tx(struct xsd *s, uint16_t dom, int16_t conn, uint32_t id)
{
	for (unsigned int i = 0; i < XSD_TXS; i++)
		if (s->tx[i].used && s->tx[i].id == id && s->tx[i].dom == dom &&
		    s->tx[i].conn == conn)
			return &s->tx[i];
	return NULL;
}

static bool tx_id_used(struct xsd *s, uint32_t id)
{
	for (unsigned int i = 0; i < XSD_TXS; i++)
		if (s->tx[i].used && s->tx[i].id == id)
			return true;
	return false;
}

static void drop_tx_entries(struct xsd *s, uint32_t id)
{
	for (unsigned int i = 0; i < XSD_NODES; i++)
		if (s->node[i].used && s->node[i].tx == id)
			s->node[i].used = false;
}

static int op_tx_end(struct xsd *s, struct xsd_tx *t, bool commit)
{
	uint32_t id = t->id;
	bool conflict = s->gen != t->start_gen;

	t->used = false;
	if (!commit || conflict) {
		drop_tx_entries(s, id);
		return commit ? -XEN_EAGAIN : 0;
	}
	/* parents before children: shorter paths first (one pass per depth) */
	for (unsigned int depth = 0; depth < XSD_PATH_MAX; depth++) {
		bool any = false;

		for (unsigned int i = 0; i < XSD_NODES; i++) {
			struct xsd_node *m = &s->node[i], *old;
			unsigned int d = 0;

			if (!m->used || m->tx != id)
				continue;
			any = true;
			for (const char *q = m->path; *q; q++)
				d += *q == '/';
			if (d != depth)
				continue;
			old = entry(s, 0, m->path);
			if (m->tomb) {
				if (old) {
					struct xsd_node saved = *old;

					old->used = false;
					fire(s, m->path, &saved, true);
				}
				m->used = false;
				continue;
			}
			if (old)
				old->used = false;
			m->tx = 0;
			fire(s, m->path, m, false);
		}
		if (!any)
			break;
	}
	s->gen++;
	return 0;
}

/* Splits the payload into NUL-terminated strings; returns the count. */
static unsigned int split(const char *in, uint32_t len, const char **a, unsigned int max)
{
	unsigned int k = 0;

	for (uint32_t off = 0; off < len && k < max;) {
		size_t l = strnlen(in + off, len - off);

		a[k++] = in + off;
		off += (uint32_t)l + 1;
	}
	return k;
}

static int reply_str(char *out, uint32_t *olen, const char *str)
{
	size_t l = strlen(str) + 1;

	if (*olen + l > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	memcpy(out + *olen, str, l);
	*olen += (uint32_t)l;
	return 0;
}

static bool nul_terminated(const char *in, uint32_t len)
{
	return len && in[len - 1] == '\0';
}

/* "<domid>\0" with domid a decimal below DOMID_FIRST_RESERVED (0x7ff0). */
static int parse_domid(const char *t, uint16_t *dom)
{
	unsigned int v = 0;

	if (!t[0])
		return -XEN_EINVAL;
	for (const char *q = t; *q; q++) {
		if (*q < '0' || *q > '9' || q - t > 5)
			return -XEN_EINVAL;
		v = v * 10 + (unsigned int)(*q - '0');
	}
	if (v >= 0x7ff0)
		return -XEN_EINVAL;
	*dom = (uint16_t)v;
	return 0;
}

static int parse_u64(const char *t, uint64_t *out)
{
	uint64_t v = 0;

	if (!t[0])
		return -XEN_EINVAL;
	for (const char *q = t; *q; q++) {
		if (*q < '0' || *q > '9' || v > (UINT64_MAX - 9) / 10)
			return -XEN_EINVAL;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	*out = v;
	return 0;
}

/* INTRODUCE <domid>|<gfn>|<port>|: the owner maps and binds, we connect. */
static int op_introduce(struct xsd *s, const char *in, uint32_t len)
{
	const char *a[3];
	uint64_t gfn, port;
	uint16_t dom;
	struct xsd_ring_io io;
	struct xsd_conn *c = NULL;
	int err;

	if (!nul_terminated(in, len) || split(in, len, a, 3) != 3)
		return -XEN_EINVAL;
	if (parse_domid(a[0], &dom) || parse_u64(a[1], &gfn) || parse_u64(a[2], &port) ||
	    port > UINT32_MAX || dom == XSD_PRIV_DOM)
		return -XEN_EINVAL;
	if (!s->ops)
		return -XEN_ENOSYS;
	c = conn_of(s, dom);
	if (c) /* the same ring again is fine (xenstore.txt: no new connection) */
		return c->kind == XSD_CONN_INTRODUCED && c->io.gfn == gfn && c->io.port == port ?
			       0 : -XEN_EEXIST;
	for (unsigned int i = 0; i < XSD_CONNS && !c; i++)
		if (!s->conn[i].used)
			c = &s->conn[i];
	if (!c)
		return -XEN_ENOSPC;
	memset(&io, 0, sizeof(io));
	err = s->ops->introduce(s->ops_ctx, dom, gfn, (uint32_t)port, &io);
	if (err)
		return err;
	io.gfn = gfn;
	io.port = (uint32_t)port;
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->kind = XSD_CONN_INTRODUCED;
	c->dom = dom;
	c->io = io;
	c->intf = io.intf;
	c->notify = io.notify;
	c->ctx = io.ctx;
	c->intf->server_features = XENSTORE_SERVER_FEATURE_ERROR;
	c->intf->connection = XENSTORE_CONNECTED;
	c->intf->error = XENSTORE_ERROR_NONE;
	s->stats.introduced++;
	fire_special(s, "@introduceDomain");
	return 0;
}

static int do_release(struct xsd *s, uint16_t dom)
{
	struct xsd_conn *c = conn_of(s, dom);

	if (!c)
		return -XEN_ENOENT;
	release_conn(s, c);
	s->stats.released++;
	fire_special(s, "@releaseDomain");
	return 0;
}

static int xsd_op_conn(struct xsd *s, uint16_t dom, struct xsd_conn *c, uint32_t type,
		       uint32_t txid, const char *in, uint32_t len, char *out, uint32_t *olen);

int xsd_op(struct xsd *s, uint16_t dom, uint32_t type, uint32_t txid, const char *in,
	   uint32_t len, char *out, uint32_t *olen)
{
	return xsd_op_conn(s, dom, NULL, type, txid, in, len, out, olen);
}

int xsd_conn_op(struct xsd *s, struct xsd_conn *c, uint32_t type, uint32_t txid,
		const char *in, uint32_t len, char *out, uint32_t *olen)
{
	return xsd_op_conn(s, c->dom, c, type, txid, in, len, out, olen);
}

static int xsd_op_conn(struct xsd *s, uint16_t dom, struct xsd_conn *c, uint32_t type,
		       uint32_t txid, const char *in, uint32_t len, char *out, uint32_t *olen)
{
	int16_t ci = conn_index(s, c);
	char p[XSD_PATH_MAX];
	const char *a[2];
	struct xsd_node *n;
	struct xsd_tx *t = NULL;
	bool rel;
	int err;

	*olen = 0;
	/* "@name" paths exist only as watch targets (special events) */
	if (type != XS_WATCH && type != XS_UNWATCH && len && in[0] == '@')
		return -XEN_EINVAL;
	if (txid && type != XS_WATCH && type != XS_UNWATCH) {
		t = find_tx(s, dom, ci, txid);
		if (!t)
			return -XEN_ENOENT;
		if (type == XS_TRANSACTION_START)
			return -XEN_EINVAL;
	}
	if (type == XS_WATCH || type == XS_UNWATCH)
		txid = 0; /* ignored for watches */

	switch (type) {
	case XS_READ:
	case XS_DIRECTORY:
	case XS_GET_PERMS:
		if (!nul_terminated(in, len))
			return -XEN_EINVAL;
		err = canon(dom, in, p, &rel);
		if (err)
			return err;
		n = lookup(s, txid, p);
		if (!n)
			return -XEN_ENOENT;
		if (!(access_of(n, dom) & XSD_PERM_R))
			return -XEN_EACCES;
		if (type == XS_READ) {
			memcpy(out, n->value, n->vlen);
			*olen = n->vlen;
			return 0;
		}
		if (type == XS_GET_PERMS) {
			for (unsigned int i = 0; i < n->nperms; i++) {
				char e[8] = {"nrwb"[n->perms[i].acc & 3]};

				fmt_dom(e + 1, n->perms[i].dom);
				reply_str(out, olen, e);
			}
			return 0;
		}
		for (unsigned int i = 0; i < XSD_NODES; i++) {
			struct xsd_node *m = &s->node[i];
			char pp[XSD_PATH_MAX];

			if (!m->used || m->tomb || (m->tx != 0 && m->tx != txid) || !strcmp(m->path, "/"))
				continue;
			if (m->tx == 0 && txid && entry(s, txid, m->path))
				continue; /* the transaction's entry stands for it */
			parent_of(m->path, pp);
			if (strcmp(pp, p))
				continue;
			err = reply_str(out, olen, strrchr(m->path, '/') + 1);
			if (err)
				return err;
		}
		return 0;
	case XS_WRITE: {
		size_t pl = strnlen(in, len);

		if (pl == len)
			return -XEN_EINVAL;
		err = canon(dom, in, p, &rel);
		if (err)
			return err;
		err = op_write(s, dom, txid, p, in + pl + 1, len - (uint32_t)pl - 1, false);
		break;
	}
	case XS_MKDIR:
	case XS_RM:
		if (!nul_terminated(in, len))
			return -XEN_EINVAL;
		err = canon(dom, in, p, &rel);
		if (err)
			return err;
		err = type == XS_MKDIR ? op_write(s, dom, txid, p, NULL, 0, true) :
					 op_rm(s, dom, txid, p);
		break;
	case XS_SET_PERMS: {
		size_t pl = strnlen(in, len);

		if (pl == len)
			return -XEN_EINVAL;
		err = canon(dom, in, p, &rel);
		if (err)
			return err;
		err = op_set_perms(s, dom, txid, p, in + pl + 1, len - (uint32_t)pl - 1);
		break;
	}
	case XS_WATCH:
	case XS_UNWATCH: {
		struct xsd_watch *free_w = NULL;
		unsigned int mine = 0;

		if (!nul_terminated(in, len) || split(in, len, a, 2) != 2)
			return -XEN_EINVAL;
		err = canon(dom, a[0], p, &rel);
		if (err)
			return err;
		if (strlen(a[1]) + 1 > XSD_PATH_MAX)
			return -XEN_E2BIG;
		for (unsigned int i = 0; i < XSD_WATCHES; i++) {
			struct xsd_watch *w = &s->watch[i];

			if (!w->used) {
				if (!free_w)
					free_w = w;
				continue;
			}
			if (w->dom != dom)
				continue;
			mine++;
			if (w->conn == ci && !strcmp(w->path, p) && !strcmp(w->token, a[1])) {
				if (type == XS_WATCH)
					return -XEN_EEXIST;
				w->used = false;
				return reply_str(out, olen, "OK");
			}
		}
		if (type == XS_UNWATCH)
			return -XEN_ENOENT;
		if (dom != XSD_PRIV_DOM && mine >= s->quota.watches)
			return -XEN_E2BIG;
		if (!free_w)
			return -XEN_ENOSPC;
		*free_w = (struct xsd_watch){.used = true, .relative = rel, .dom = dom, .conn = ci};
		str_copy(free_w->path, p);
		str_copy(free_w->token, a[1]);
		err = reply_str(out, olen, "OK");
		/* the initial event, after the reply */
		send_event(s, free_w, p);
		return err;
	}
	case XS_TRANSACTION_START: {
		unsigned int mine = 0;
		struct xsd_tx *free_t = NULL;
		char id[12];

		for (unsigned int i = 0; i < XSD_TXS; i++) {
			if (!s->tx[i].used) {
				if (!free_t)
					free_t = &s->tx[i];
			} else if (s->tx[i].dom == dom) {
				mine++;
			}
		}
		if ((dom != XSD_PRIV_DOM && mine >= s->quota.txs) || !free_t)
			return -XEN_ENOSPC;
		do {
			if (++s->next_tx == 0)
				s->next_tx = 1;
		} while (tx_id_used(s, s->next_tx));
		*free_t = (struct xsd_tx){.used = true, .dom = dom, .conn = ci, .id = s->next_tx,
					  .start_gen = s->gen};
		fmt_dom(id, free_t->id);
		return reply_str(out, olen, id);
	}
	case XS_TRANSACTION_END:
		if (!t)
			return -XEN_ENOENT;
		if (!nul_terminated(in, len) || (strcmp(in, "T") && strcmp(in, "F")))
			return -XEN_EINVAL;
		err = op_tx_end(s, t, in[0] == 'T');
		break;
	case XS_GET_DOMAIN_PATH:
		if (!nul_terminated(in, len) || len > 6 || len < 2)
			return -XEN_EINVAL;
		for (uint32_t i = 0; i + 1 < len; i++)
			if (in[i] < '0' || in[i] > '9')
				return -XEN_EINVAL;
		str_copy(p, LOCAL_DOMAIN);
		str_cat(p, in);
		return reply_str(out, olen, p);
	case XS_INTRODUCE:
	case XS_RELEASE:
	case XS_IS_DOMAIN_INTRODUCED: {
		uint16_t target;

		if (dom != XSD_PRIV_DOM)
			return -XEN_EACCES;
		if (type == XS_INTRODUCE) {
			err = op_introduce(s, in, len);
			break;
		}
		if (!nul_terminated(in, len) || parse_domid(in, &target) ||
		    (type == XS_RELEASE && target == XSD_PRIV_DOM))
			return -XEN_EINVAL;
		if (type == XS_IS_DOMAIN_INTRODUCED)
			return reply_str(out, olen, conn_of(s, target) ? "T" : "F");
		err = do_release(s, target);
		break;
	}
	default:
		return -XEN_ENOSYS;
	}
	if (err)
		return err;
	return reply_str(out, olen, "OK");
}

/* ---- connections ---- */

static void xsd_out_push(struct xsd_conn *c, const void *data, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		c->out[(c->out_head + c->out_len + i) % XSD_OUT_SIZE] = ((const char *)data)[i];
	c->out_len += len;
}

static struct xsd_conn *connect(struct xsd *s, uint8_t kind, uint16_t dom,
				struct xenstore_domain_interface *intf, void (*notify)(void *),
				void *ctx)
{
	if (kind != XSD_CONN_LOCAL && conn_of(s, dom))
		return NULL;
	for (unsigned int i = 0; i < XSD_CONNS; i++) {
		struct xsd_conn *c = &s->conn[i];

		if (c->used)
			continue;
		memset(c, 0, sizeof(*c));
		c->used = true;
		c->kind = kind;
		c->dom = dom;
		c->intf = intf;
		c->notify = notify;
		c->ctx = ctx;
		intf->server_features = XENSTORE_SERVER_FEATURE_ERROR;
		intf->connection = XENSTORE_CONNECTED;
		intf->error = XENSTORE_ERROR_NONE;
		return c;
	}
	return NULL;
}

struct xsd_conn *xsd_connect(struct xsd *s, uint16_t dom, struct xenstore_domain_interface *intf,
			     void (*notify)(void *), void *ctx)
{
	struct xsd_conn *c;

	xsd_lock(s);
	c = connect(s, XSD_CONN_RING, dom, intf, notify, ctx);
	xsd_unlock(s);
	return c;
}

struct xsd_conn *xsd_connect_local(struct xsd *s, struct xenstore_domain_interface *intf,
				   void (*notify)(void *), void *ctx)
{
	struct xsd_conn *c;

	xsd_lock(s);
	c = connect(s, XSD_CONN_LOCAL, XSD_PRIV_DOM, intf, notify, ctx);
	xsd_unlock(s);
	return c;
}

/* Its watches and transactions go (direct xsd_op ones of a domain ring's
 * domain too: that domain is gone). */
static void drop_conn(struct xsd *s, struct xsd_conn *c)
{
	int16_t ci = conn_index(s, c);
	bool ring = c->kind != XSD_CONN_LOCAL;

	for (unsigned int i = 0; i < XSD_WATCHES; i++) {
		struct xsd_watch *w = &s->watch[i];

		if (w->used && (w->conn == ci || (ring && w->conn < 0 && w->dom == c->dom)))
			w->used = false;
	}
	for (unsigned int i = 0; i < XSD_TXS; i++) {
		struct xsd_tx *t = &s->tx[i];

		if (t->used && (t->conn == ci || (ring && t->conn < 0 && t->dom == c->dom))) {
			t->used = false;
			drop_tx_entries(s, t->id);
		}
	}
	c->used = false;
}

/* A domain's ring released: the connection goes, the owner unmaps, and
 * its nodes become Dom0's (a later domain with the id must not own them). */
static void release_conn(struct xsd *s, struct xsd_conn *c)
{
	uint16_t dom = c->dom;
	bool introduced = c->kind == XSD_CONN_INTRODUCED;
	struct xsd_ring_io io = c->io;

	drop_conn(s, c);
	if (introduced && s->ops)
		s->ops->release(s->ops_ctx, dom, &io);
	for (unsigned int i = 0; i < XSD_NODES; i++)
		if (s->node[i].used && s->node[i].perms[0].dom == dom)
			s->node[i].perms[0].dom = XSD_PRIV_DOM;
}

void xsd_disconnect(struct xsd *s, struct xsd_conn *c)
{
	xsd_lock(s);
	if (c->kind == XSD_CONN_INTRODUCED && s->ops)
		s->ops->release(s->ops_ctx, c->dom, &c->io);
	drop_conn(s, c);
	xsd_unlock(s);
}

int xsd_release(struct xsd *s, uint16_t dom)
{
	int rc;

	xsd_lock(s);
	rc = do_release(s, dom);
	xsd_unlock(s);
	return rc;
}

unsigned int xsd_domains_check(struct xsd *s)
{
	unsigned int released = 0;
	bool fire = false;

	xsd_lock(s);
	for (unsigned int i = 0; s->ops && i < XSD_CONNS; i++) {
		struct xsd_conn *c = &s->conn[i];
		int st;

		if (!c->used || c->kind == XSD_CONN_LOCAL)
			continue;
		st = s->ops->state(s->ops_ctx, c->dom);
		if (st == XSD_DOM_DEAD) {
			release_conn(s, c);
			s->stats.died++;
			released++;
			fire = true;
		} else if (st == XSD_DOM_SHUTDOWN && !c->shutdown_seen) {
			c->shutdown_seen = true;
			fire = true;
		}
	}
	if (fire)
		fire_special(s, "@releaseDomain");
	xsd_unlock(s);
	return released;
}

/* Queued output into the response ring; true if bytes moved. */
static bool flush(struct xsd_conn *c)
{
	struct xenstore_domain_interface *in = c->intf;
	bool moved = false;

	while (c->out_len) {
		XENSTORE_RING_IDX cons = __atomic_load_n(&in->rsp_cons, __ATOMIC_ACQUIRE);
		uint32_t chunk = XSD_OUT_SIZE - c->out_head;
		size_t n;

		if (chunk > c->out_len)
			chunk = c->out_len;
		n = xs_ring_write(in->rsp, cons, &in->rsp_prod, c->out + c->out_head, chunk);
		if (!n)
			break;
		c->out_head = (c->out_head + (uint32_t)n) % XSD_OUT_SIZE;
		c->out_len -= (uint32_t)n;
		moved = true;
	}
	return moved;
}

static void protocol_error(struct xsd_conn *c, uint32_t why)
{
	c->broken = true;
	c->intf->error = why;
}

/* Reads toward one whole request; true when c->in holds one. */
static bool take_request(struct xsd_conn *c, bool *moved)
{
	struct xenstore_domain_interface *in = c->intf;
	uint32_t want = sizeof(struct xsd_sockmsg);
	XENSTORE_RING_IDX prod = __atomic_load_n(&in->req_prod, __ATOMIC_ACQUIRE);
	size_t n;

	if (prod - in->req_cons > XENSTORE_RING_SIZE) {
		protocol_error(c, XENSTORE_ERROR_RINGIDX);
		return false;
	}
	if (c->in_have < want) {
		n = xs_ring_read(in->req, &in->req_cons, prod, c->in.bytes + c->in_have,
				 want - c->in_have);
		c->in_have += (uint32_t)n;
		*moved |= n != 0;
		if (c->in_have < want)
			return false;
	}
	if (c->in.hdr.len > XENSTORE_PAYLOAD_MAX) {
		protocol_error(c, XENSTORE_ERROR_PROTO);
		return false;
	}
	want += c->in.hdr.len;
	n = xs_ring_read(in->req, &in->req_cons, prod, c->in.bytes + c->in_have, want - c->in_have);
	c->in_have += (uint32_t)n;
	*moved |= n != 0;
	return c->in_have == want;
}

static void serve(struct xsd *s, struct xsd_conn *c)
{
	static char out[XENSTORE_PAYLOAD_MAX];
	struct xsd_sockmsg h = c->in.hdr;
	uint32_t olen = 0;
	int err;

	c->in.bytes[sizeof(h) + h.len] = '\0';
	c->in_have = 0;
	err = xsd_op_conn(s, c->dom, c, h.type, h.tx_id, c->in.bytes + sizeof(h), h.len, out,
			  &olen);
	if (err) {
		const char *name = xs_errno_name(err);

		if (!name)
			name = "EINVAL";
		h.type = XS_ERROR;
		olen = (uint32_t)strlen(name) + 1;
		memcpy(out, name, olen);
	}
	h.len = olen;
	/* events this request raised for c itself are queued before it (the
	 * protocol lets events arrive between a request and its reply) */
	c->reserve = 0;
	xsd_out_push(c, &h, sizeof(h));
	xsd_out_push(c, out, olen);
	c->served++;
}

unsigned int xsd_poll(struct xsd *s)
{
	unsigned int served = 0;

	xsd_lock(s);
	for (unsigned int k = 0; k < XSD_CONNS; k++) {
		struct xsd_conn *c = &s->conn[(s->rr + k) % XSD_CONNS];
		bool moved;

		if (!c->used)
			continue;
		moved = flush(c);
		if (!c->broken && XSD_OUT_SIZE - c->out_len >= sizeof(struct xsd_sockmsg) +
								  XENSTORE_PAYLOAD_MAX &&
		    take_request(c, &moved)) {
			c->reserve = sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX;
			serve(s, c);
			served++;
			flush(c);
			moved = true;
		}
		if (moved)
			c->notify(c->ctx);
	}
	s->rr = (s->rr + 1) % XSD_CONNS;
	xsd_unlock(s);
	return served;
}
