/*
 * xenstore client and wire helpers (design: include/xen/xenstore.h).
 *
 * Ring discipline, per direction: the producer may write only
 * RING_SIZE - (prod - cons) bytes; it copies them, then publishes prod with
 * a release store. The consumer loads prod with acquire before reading the
 * bytes and publishes cons with release after copying them out, so the
 * producer never overwrites bytes not yet read. Indexes are free-running;
 * a distance over RING_SIZE is a corrupt ring (the reader treats it as
 * empty/full and never indexes outside the array, thanks to the mask).
 */
#include <xen/xenstore.h>

#include <public/errno.h>
#include <string.h>

static const struct {
	int err;
	const char *name;
} xs_errs[] = {
	{XEN_EINVAL, "EINVAL"}, {XEN_EACCES, "EACCES"},	  {XEN_EEXIST, "EEXIST"},
	{XEN_EISDIR, "EISDIR"}, {XEN_ENOENT, "ENOENT"},	  {XEN_ENOMEM, "ENOMEM"},
	{XEN_ENOSPC, "ENOSPC"}, {XEN_EIO, "EIO"},	  {XEN_ENOTEMPTY, "ENOTEMPTY"},
	{XEN_ENOSYS, "ENOSYS"}, {XEN_EROFS, "EROFS"},	  {XEN_EBUSY, "EBUSY"},
	{XEN_EAGAIN, "EAGAIN"}, {106 /* EISCONN */, "EISCONN"}, {XEN_E2BIG, "E2BIG"},
	{XEN_EPERM, "EPERM"},
};

const char *xs_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(xs_errs) / sizeof(xs_errs[0]); i++)
		if (xs_errs[i].err == -err)
			return xs_errs[i].name;
	return NULL;
}

int xs_errno_from_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(xs_errs) / sizeof(xs_errs[0]); i++)
		if (strlen(xs_errs[i].name) == len && !memcmp(xs_errs[i].name, name, len))
			return -xs_errs[i].err;
	return -XEN_EINVAL;
}

size_t xs_ring_write(char *ring, XENSTORE_RING_IDX cons, XENSTORE_RING_IDX *prod,
		     const void *data, size_t len)
{
	XENSTORE_RING_IDX p = *prod;
	uint32_t used = p - cons;
	size_t room, n;

	if (used > XENSTORE_RING_SIZE)
		return 0;
	room = XENSTORE_RING_SIZE - used;
	n = len < room ? len : room;
	for (size_t i = 0; i < n; i++)
		ring[MASK_XENSTORE_IDX(p + (uint32_t)i)] = ((const char *)data)[i];
	__atomic_store_n(prod, p + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

size_t xs_ring_read(const char *ring, XENSTORE_RING_IDX *cons, XENSTORE_RING_IDX prod,
		    void *data, size_t len)
{
	XENSTORE_RING_IDX c = *cons;
	uint32_t avail = prod - c;
	size_t n;

	if (avail > XENSTORE_RING_SIZE)
		return 0;
	n = len < avail ? len : avail;
	for (size_t i = 0; i < n; i++)
		((char *)data)[i] = ring[MASK_XENSTORE_IDX(c + (uint32_t)i)];
	__atomic_store_n(cons, c + (uint32_t)n, __ATOMIC_RELEASE);
	return n;
}

void xs_client_init(struct xs_client *c, struct xenstore_domain_interface *intf,
		    void (*notify)(void *), int (*wait)(void *), void *ctx)
{
	memset(c, 0, sizeof(*c));
	c->intf = intf;
	c->notify = notify;
	c->wait = wait;
	c->ctx = ctx;
	c->next_req = 1;
}

/* Sends all of data, waiting while the request ring is full. */
static int xs_send(struct xs_client *c, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		XENSTORE_RING_IDX cons = __atomic_load_n(&c->intf->req_cons, __ATOMIC_ACQUIRE);
		size_t n = xs_ring_write(c->intf->req, cons, &c->intf->req_prod, p, len);

		p += n;
		len -= n;
		c->notify(c->ctx);
		if (len && c->wait(c->ctx) < 0)
			return -XEN_EIO;
	}
	return 0;
}

/* Reads exactly len bytes of the response ring, waiting for them. */
static int xs_recv(struct xs_client *c, void *data, size_t len)
{
	char *p = data;

	while (len) {
		XENSTORE_RING_IDX prod = __atomic_load_n(&c->intf->rsp_prod, __ATOMIC_ACQUIRE);
		size_t n = xs_ring_read(c->intf->rsp, &c->intf->rsp_cons, prod, p, len);

		p += n;
		len -= n;
		if (n)
			c->notify(c->ctx); /* room for the server's next bytes */
		else if (c->wait(c->ctx) < 0)
			return -XEN_EIO;
	}
	return 0;
}

static bool xs_rsp_ready(struct xs_client *c)
{
	return __atomic_load_n(&c->intf->rsp_prod, __ATOMIC_ACQUIRE) != c->intf->rsp_cons;
}

/* One whole message into c->rsp/c->body; watch events go to the queue. */
static int xs_recv_msg(struct xs_client *c)
{
	int rc = xs_recv(c, &c->rsp, sizeof(c->rsp));

	if (rc)
		return rc;
	if (c->rsp.len > XENSTORE_PAYLOAD_MAX)
		return -XEN_EIO; /* the server broke the protocol */
	rc = xs_recv(c, c->body, c->rsp.len);
	if (rc)
		return rc;
	c->body[c->rsp.len] = '\0';
	if (c->rsp.type == XS_WATCH_EVENT) {
		if (c->ev_count == XS_CLIENT_EVENTS) {
			c->ev_dropped++;
		} else {
			struct xs_event *e = &c->ev[(c->ev_head + c->ev_count) % XS_CLIENT_EVENTS];

			e->len = c->rsp.len;
			memcpy(e->data, c->body, c->rsp.len);
			c->ev_count++;
		}
	}
	return 0;
}

int xs_request(struct xs_client *c, uint32_t type, uint32_t tx, const char *const *parts,
	       unsigned int n, bool last_nul)
{
	struct xsd_sockmsg h = {.type = type, .req_id = c->next_req++, .tx_id = tx};
	size_t len = 0;
	int rc;

	for (unsigned int i = 0; i < n; i++)
		len += strlen(parts[i]) + (i + 1 < n || last_nul ? 1 : 0);
	if (len > XENSTORE_PAYLOAD_MAX)
		return -XEN_E2BIG;
	h.len = (uint32_t)len;
	rc = xs_send(c, &h, sizeof(h));
	for (unsigned int i = 0; !rc && i < n; i++)
		rc = xs_send(c, parts[i], strlen(parts[i]) + (i + 1 < n || last_nul ? 1 : 0));
	if (rc)
		return rc;
	for (;;) {
		rc = xs_recv_msg(c);
		if (rc)
			return rc;
		if (c->rsp.type == XS_WATCH_EVENT)
			continue;
		if (c->rsp.req_id != h.req_id)
			return -XEN_EIO;
		if (c->rsp.type == XS_ERROR)
			return xs_errno_from_name(c->body, strnlen(c->body, c->rsp.len));
		return (int)c->rsp.len;
	}
}

static int xs_copy_out(struct xs_client *c, int len, char *buf, size_t size)
{
	if (len < 0)
		return len;
	/* lists end with a NUL on the wire; values do not */
	if ((size_t)len + 1 > size)
		return -XEN_E2BIG;
	memcpy(buf, c->body, (size_t)len);
	buf[len] = '\0';
	return len;
}

static int xs_ok(int rc)
{
	return rc < 0 ? rc : 0;
}

int xs_read(struct xs_client *c, uint32_t tx, const char *path, char *buf, size_t size)
{
	const char *p[] = {path};

	return xs_copy_out(c, xs_request(c, XS_READ, tx, p, 1, true), buf, size);
}

int xs_write(struct xs_client *c, uint32_t tx, const char *path, const char *value)
{
	const char *p[] = {path, value};

	return xs_ok(xs_request(c, XS_WRITE, tx, p, 2, false));
}

int xs_mkdir(struct xs_client *c, uint32_t tx, const char *path)
{
	const char *p[] = {path};

	return xs_ok(xs_request(c, XS_MKDIR, tx, p, 1, true));
}

int xs_rm(struct xs_client *c, uint32_t tx, const char *path)
{
	const char *p[] = {path};

	return xs_ok(xs_request(c, XS_RM, tx, p, 1, true));
}

int xs_directory(struct xs_client *c, uint32_t tx, const char *path, char *buf, size_t size)
{
	const char *p[] = {path};

	return xs_copy_out(c, xs_request(c, XS_DIRECTORY, tx, p, 1, true), buf, size);
}

int xs_get_perms(struct xs_client *c, uint32_t tx, const char *path, char *buf, size_t size)
{
	const char *p[] = {path};

	return xs_copy_out(c, xs_request(c, XS_GET_PERMS, tx, p, 1, true), buf, size);
}

int xs_set_perms(struct xs_client *c, uint32_t tx, const char *path, const char *const *perms,
		 unsigned int n)
{
	const char *p[17];

	if (n == 0 || n > 16)
		return -XEN_EINVAL;
	p[0] = path;
	for (unsigned int i = 0; i < n; i++)
		p[i + 1] = perms[i];
	return xs_ok(xs_request(c, XS_SET_PERMS, tx, p, n + 1, true));
}

int xs_watch(struct xs_client *c, const char *path, const char *token)
{
	const char *p[] = {path, token};

	return xs_ok(xs_request(c, XS_WATCH, 0, p, 2, true));
}

int xs_unwatch(struct xs_client *c, const char *path, const char *token)
{
	const char *p[] = {path, token};

	return xs_ok(xs_request(c, XS_UNWATCH, 0, p, 2, true));
}

int xs_transaction_start(struct xs_client *c, uint32_t *tx)
{
	const char *p[] = {""};
	int rc = xs_request(c, XS_TRANSACTION_START, 0, p, 1, true);
	uint32_t v = 0;

	if (rc < 0)
		return rc;
	for (int i = 0; i < rc && c->body[i]; i++) {
		if (c->body[i] < '0' || c->body[i] > '9')
			return -XEN_EIO;
		v = v * 10 + (uint32_t)(c->body[i] - '0');
	}
	*tx = v;
	return 0;
}

int xs_transaction_end(struct xs_client *c, uint32_t tx, bool commit)
{
	const char *p[] = {commit ? "T" : "F"};

	return xs_ok(xs_request(c, XS_TRANSACTION_END, tx, p, 1, true));
}

/* Decimal of v into buf (at least 21 bytes). */
static void xs_fmt_u64(char *buf, uint64_t v)
{
	char t[21];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*buf++ = t[--n];
	*buf = '\0';
}

int xs_introduce(struct xs_client *c, uint16_t dom, uint64_t gfn, uint32_t port)
{
	char d[21], g[21], e[21];
	const char *p[] = {d, g, e};

	xs_fmt_u64(d, dom);
	xs_fmt_u64(g, gfn);
	xs_fmt_u64(e, port);
	return xs_ok(xs_request(c, XS_INTRODUCE, 0, p, 3, true));
}

int xs_release(struct xs_client *c, uint16_t dom)
{
	char d[21];
	const char *p[] = {d};

	xs_fmt_u64(d, dom);
	return xs_ok(xs_request(c, XS_RELEASE, 0, p, 1, true));
}

int xs_is_domain_introduced(struct xs_client *c, uint16_t dom)
{
	char d[21];
	const char *p[] = {d};
	int rc;

	xs_fmt_u64(d, dom);
	rc = xs_request(c, XS_IS_DOMAIN_INTRODUCED, 0, p, 1, true);
	if (rc < 0)
		return rc;
	if (c->body[0] == 'T')
		return 1;
	return c->body[0] == 'F' ? 0 : -XEN_EIO;
}

bool xs_has_input(const struct xs_client *c)
{
	return c->ev_count ||
	       __atomic_load_n(&c->intf->rsp_prod, __ATOMIC_ACQUIRE) != c->intf->rsp_cons;
}

bool xs_read_watch(struct xs_client *c, const char **path, const char **token)
{
	struct xs_event *e;

	while (c->ev_count == 0 && xs_rsp_ready(c))
		if (xs_recv_msg(c) < 0)
			return false;
	if (c->ev_count == 0)
		return false;
	e = &c->ev[c->ev_head];
	c->ev_head = (c->ev_head + 1) % XS_CLIENT_EVENTS;
	c->ev_count--;
	*path = e->data;
	*token = e->data + strnlen(e->data, e->len) + 1;
	return true;
}
