/*
 * libxl's xenstore nodes for a domain and its virtio disks (design and the
 * node list: include/xen/xs_libxl.h, docs/xenstore.md).
 *
 * Everything a call writes is one transaction, retried while the commit
 * says EAGAIN (another client committed meanwhile), so a reader never sees
 * half a domain and a failed call leaves nothing behind (aborted).
 */
#include <xen/xs_libxl.h>

#include <public/errno.h>
#include <string.h>

#define XSL_RETRIES 16
#define XSL_MAX_PERMS 2

/* A path or value being built (never overflows: truncation is -E2BIG). */
struct xsl_str {
	char b[XS_LIBXL_PATH];
	size_t n;
	bool over;
};

static void s_init(struct xsl_str *s)
{
	s->b[0] = '\0';
	s->n = 0;
	s->over = false;
}

static void s_add(struct xsl_str *s, const char *t)
{
	size_t l = strlen(t);

	if (s->n + l + 1 > sizeof(s->b)) {
		s->over = true;
		return;
	}
	memcpy(s->b + s->n, t, l + 1);
	s->n += l;
}

static void s_num(struct xsl_str *s, uint64_t v)
{
	char t[21];
	char r[21];
	int k = 0, i = 0;

	do {
		t[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k)
		r[i++] = t[--k];
	r[i] = '\0';
	s_add(s, r);
}

static void s_hex2(struct xsl_str *s, uint8_t v)
{
	char t[3] = {"0123456789abcdef"[v >> 4], "0123456789abcdef"[v & 15], '\0'};

	s_add(s, t);
}

/* "/local/domain/<d>" */
static void s_home(struct xsl_str *s, uint16_t d)
{
	s_init(s);
	s_add(s, "/local/domain/");
	s_num(s, d);
}

static void s_uuid(struct xsl_str *s, const uint8_t u[16])
{
	for (unsigned int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s_add(s, "-");
		s_hex2(s, u[i]);
	}
}

void xs_libxl_fe_path(char *buf, uint16_t fe, uint32_t devid)
{
	struct xsl_str s;

	s_home(&s, fe);
	s_add(&s, "/device/virtio_disk/");
	s_num(&s, devid);
	memcpy(buf, s.b, s.n + 1);
}

void xs_libxl_be_path(char *buf, uint16_t be, uint16_t fe, uint32_t devid)
{
	struct xsl_str s;

	s_home(&s, be);
	s_add(&s, "/backend/virtio_disk/");
	s_num(&s, fe);
	s_add(&s, "/");
	s_num(&s, devid);
	memcpy(buf, s.b, s.n + 1);
}

int xs_libxl_vdev_devid(const char *vdev)
{
	size_t n = vdev ? strlen(vdev) : 0;
	int disk, part = 0;

	/* xvd<a..p>[<1..15>]: 202 << 8 | disk << 4 | partition */
	if (n < 4 || strncmp(vdev, "xvd", 3) || vdev[3] < 'a' || vdev[3] > 'p')
		return -XEN_EINVAL;
	disk = vdev[3] - 'a';
	for (size_t i = 4; i < n; i++) {
		if (vdev[i] < '0' || vdev[i] > '9' || (i == 4 && vdev[i] == '0'))
			return -XEN_EINVAL;
		part = part * 10 + (vdev[i] - '0');
		if (part > 15)
			return -XEN_EINVAL;
	}
	return 202 << 8 | disk << 4 | part;
}

/* ---- writes inside one transaction ---- */

struct xsl_tx {
	struct xs_client *c;
	uint32_t tx;
	int err; /* the first error; later steps do nothing */
};

/* p = dir[/leaf]; false (and -E2BIG recorded) when it does not fit, or
 * when an earlier step failed. */
static bool t_path(struct xsl_tx *t, const struct xsl_str *dir, const char *leaf,
		   struct xsl_str *p)
{
	*p = *dir;
	if (t->err)
		return false;
	if (leaf) {
		s_add(p, "/");
		s_add(p, leaf);
	}
	if (p->over) {
		t->err = -XEN_E2BIG;
		return false;
	}
	return true;
}

static void t_write(struct xsl_tx *t, const struct xsl_str *dir, const char *leaf,
		    const char *value)
{
	struct xsl_str p;

	if (!t_path(t, dir, leaf, &p))
		return;
	t->err = xs_write(t->c, t->tx, p.b, value);
}

static void t_write_num(struct xsl_tx *t, const struct xsl_str *dir, const char *leaf,
			uint64_t v)
{
	struct xsl_str n;

	s_init(&n);
	s_num(&n, v);
	t_write(t, dir, leaf, n.b);
}

/* mkdir dir[/leaf] and set its permissions: owner (with `none` for others)
 * and, when reader != owner, read for reader. */
static void t_dir(struct xsl_tx *t, const struct xsl_str *dir, const char *leaf, uint16_t owner,
		  int reader)
{
	struct xsl_str p, o, r;
	const char *perms[XSL_MAX_PERMS] = {o.b, r.b};

	if (!t_path(t, dir, leaf, &p))
		return;
	s_init(&o);
	s_add(&o, "n");
	s_num(&o, owner);
	s_init(&r);
	s_add(&r, "r");
	s_num(&r, reader >= 0 ? (uint64_t)reader : 0);
	t->err = xs_mkdir(t->c, t->tx, p.b);
	if (!t->err)
		t->err = xs_set_perms(t->c, t->tx, p.b, perms,
				      reader >= 0 && reader != owner ? 2 : 1);
}

static void t_rm(struct xsl_tx *t, const struct xsl_str *p)
{
	int rc;

	if (t->err)
		return;
	if (p->over) {
		t->err = -XEN_E2BIG;
		return;
	}
	rc = xs_rm(t->c, t->tx, p->b);
	if (rc && rc != -XEN_ENOENT) /* gone already (or its parent): fine */
		t->err = rc;
}

/* Runs body in a transaction until it commits (EAGAIN: again). */
static int in_tx(struct xs_client *c, void (*body)(struct xsl_tx *, const void *),
		 const void *arg)
{
	for (unsigned int i = 0; i < XSL_RETRIES; i++) {
		struct xsl_tx t = {.c = c};
		int rc = xs_transaction_start(c, &t.tx);

		if (rc)
			return rc;
		body(&t, arg);
		if (t.err) {
			xs_transaction_end(c, t.tx, false);
			return t.err;
		}
		rc = xs_transaction_end(c, t.tx, true);
		if (rc != -XEN_EAGAIN)
			return rc;
	}
	return -XEN_EAGAIN;
}

/* ---- a domain ---- */

static void domain_body(struct xsl_tx *t, const void *arg)
{
	const struct xs_libxl_dom *d = arg;
	static const char *const own[] = {"data", "control/shutdown", "control/feature-poweroff",
					  "control/feature-reboot", "control/feature-suspend",
					  "control/sysrq", "attr", "drivers", "feature", "error"};
	struct xsl_str home, vm, libxl, vmpath;

	s_home(&home, d->domid);
	s_init(&vm);
	s_add(&vm, "/vm/");
	s_uuid(&vm, d->uuid);
	s_init(&libxl);
	s_add(&libxl, "/libxl/");
	s_num(&libxl, d->domid);

	/* anything a dead domain with this id left goes first (libxl too) */
	t_rm(t, &home);
	t_rm(t, &libxl);
	/* the home: Dom0's, read by the domain (so it cannot change its
	 * memory target or cpu availability); the same for /vm/<uuid> */
	t_dir(t, &home, NULL, 0, d->domid);
	t_dir(t, &vm, NULL, 0, d->domid);
	t_dir(t, &libxl, NULL, 0, -1);
	t_write(t, &vm, "uuid", vm.b + 4);
	t_write(t, &vm, "name", d->name);
	vmpath = vm;
	t_write(t, &home, "vm", vmpath.b);
	t_write(t, &home, "name", d->name);
	t_write_num(t, &home, "domid", d->domid);
	t_dir(t, &home, "device", 0, d->domid);
	t_dir(t, &home, "control", 0, d->domid);
	t_write(t, &home, "control/platform-feature-multiprocessor-suspend", "1");
	for (unsigned int i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		t_dir(t, &home, own[i], d->domid, -1);
	t_write_num(t, &home, "memory/static-max", d->static_max_kib);
	t_write_num(t, &home, "memory/target", d->target_kib);
	for (unsigned int i = 0; i < d->vcpus; i++) {
		struct xsl_str cpu;

		s_init(&cpu);
		s_add(&cpu, "cpu/");
		s_num(&cpu, i);
		s_add(&cpu, "/availability");
		t_write(t, &home, cpu.b, "online");
	}
	if (d->store_gfn) {
		t_write_num(t, &home, "store/port", d->store_port);
		t_write_num(t, &home, "store/ring-ref", d->store_gfn);
	}
}

int xs_libxl_domain_write(struct xs_client *c, const struct xs_libxl_dom *d)
{
	if (!d->name || !d->name[0] || strlen(d->name) >= XS_LIBXL_NAME_MAX || !d->domid ||
	    d->domid >= 0x7ff0 || !d->vcpus)
		return -XEN_EINVAL;
	return in_tx(c, domain_body, d);
}

struct xsl_rm_dom {
	uint16_t domid;
	const uint8_t *uuid;
	const uint16_t *backends;
	unsigned int nr_backends;
};

static void remove_body(struct xsl_tx *t, const void *arg)
{
	const struct xsl_rm_dom *r = arg;
	struct xsl_str p;

	for (unsigned int i = 0; i < r->nr_backends; i++) {
		s_home(&p, r->backends[i]);
		s_add(&p, "/backend/virtio_disk/");
		s_num(&p, r->domid);
		t_rm(t, &p);
	}
	s_home(&p, r->domid);
	t_rm(t, &p);
	if (r->uuid) {
		s_init(&p);
		s_add(&p, "/vm/");
		s_uuid(&p, r->uuid);
		t_rm(t, &p);
	}
	s_init(&p);
	s_add(&p, "/libxl/");
	s_num(&p, r->domid);
	t_rm(t, &p);
}

int xs_libxl_domain_remove(struct xs_client *c, uint16_t domid, const uint8_t uuid[16],
			   const uint16_t *backends, unsigned int nr_backends)
{
	struct xsl_rm_dom r = {domid, uuid, backends, nr_backends};

	if (!domid || domid >= 0x7ff0)
		return -XEN_EINVAL;
	return in_tx(c, remove_body, &r);
}

/* ---- a virtio disk ---- */

struct xsl_vdisk {
	uint16_t fe;
	const struct xs_libxl_vdisk *v;
};

static void vdisk_body(struct xsl_tx *t, const void *arg)
{
	const struct xsl_vdisk *a = arg;
	const struct xs_libxl_vdisk *v = a->v;
	struct xsl_str fe, be;

	s_init(&fe);
	xs_libxl_fe_path(fe.b, a->fe, v->devid);
	fe.n = strlen(fe.b);
	s_init(&be);
	xs_libxl_be_path(be.b, v->backend_domid, a->fe, v->devid);
	be.n = strlen(be.b);

	/* the backend's directory: the backend's, read by the frontend */
	t_dir(t, &be, NULL, v->backend_domid, a->fe);
	t_write(t, &be, "frontend", fe.b);
	t_write_num(t, &be, "frontend-id", a->fe);
	t_write(t, &be, "online", "1");
	t_write(t, &be, "removable", "0");
	t_write(t, &be, "bootable", "1");
	t_write(t, &be, "params", v->params);
	t_write(t, &be, "mode", v->writable ? "w" : "r");
	t_write(t, &be, "type", "standalone");
	t_write(t, &be, "specification", "virtio");
	t_write(t, &be, "transport", "mmio");
	t_write(t, &be, "grant_usage", "0");
	t_write(t, &be, "device-type", "disk");
	t_write(t, &be, "dev", v->vdev);
	t_write_num(t, &be, "base", v->base);
	t_write_num(t, &be, "irq", v->irq);
	t_write_num(t, &be, "state", XENBUS_STATE_INITIALISING);

	/* the frontend's: the frontend's, read by the backend */
	t_dir(t, &fe, NULL, a->fe, v->backend_domid);
	t_write(t, &fe, "backend", be.b);
	t_write_num(t, &fe, "backend-id", v->backend_domid);
	t_write_num(t, &fe, "virtual-device", v->devid);
	t_write(t, &fe, "device-type", "disk");
	t_write(t, &fe, "specification", "virtio");
	t_write(t, &fe, "transport", "mmio");
	t_write_num(t, &fe, "base", v->base);
	t_write_num(t, &fe, "irq", v->irq);
	t_write_num(t, &fe, "state", XENBUS_STATE_INITIALISING);
}

static bool vdisk_ok(uint16_t fe, const struct xs_libxl_vdisk *v)
{
	return fe && fe < 0x7ff0 && v->backend_domid < 0x7ff0 && fe != v->backend_domid &&
	       v->params && v->params[0] && strlen(v->params) < XS_LIBXL_PARAMS_MAX && v->vdev &&
	       v->vdev[0] && v->irq;
}

int xs_libxl_vdisk_write(struct xs_client *c, uint16_t fe, const struct xs_libxl_vdisk *v)
{
	struct xsl_vdisk a = {fe, v};

	if (!vdisk_ok(fe, v))
		return -XEN_EINVAL;
	return in_tx(c, vdisk_body, &a);
}

static void vdisk_rm_body(struct xsl_tx *t, const void *arg)
{
	const struct xsl_vdisk *a = arg;
	struct xsl_str p;
	char list[16];
	int n;

	s_init(&p);
	xs_libxl_fe_path(p.b, a->fe, a->v->devid);
	p.n = strlen(p.b);
	t_rm(t, &p);
	s_init(&p);
	xs_libxl_be_path(p.b, a->v->backend_domid, a->fe, a->v->devid);
	p.n = strlen(p.b);
	t_rm(t, &p);
	if (t->err)
		return;
	/* backend/virtio_disk/<fe> goes with its last device */
	*strrchr(p.b, '/') = '\0';
	p.n = strlen(p.b);
	n = xs_directory(t->c, t->tx, p.b, list, sizeof(list));
	if (n == 0)
		t_rm(t, &p);
	else if (n < 0 && n != -XEN_ENOENT && n != -XEN_E2BIG)
		t->err = n;
}

int xs_libxl_vdisk_remove(struct xs_client *c, uint16_t fe, const struct xs_libxl_vdisk *v)
{
	struct xsl_vdisk a = {fe, v};

	if (!fe || fe >= 0x7ff0)
		return -XEN_EINVAL;
	return in_tx(c, vdisk_rm_body, &a);
}

/* ---- libxl's wait for the backend ---- */

static int read_state(struct xs_client *c, const char *path)
{
	char buf[8];
	int n = xs_read(c, 0, path, buf, sizeof(buf)), v = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -XEN_EINVAL;
		v = v * 10 + (buf[i] - '0');
	}
	return n ? v : -XEN_EINVAL;
}

/* Events queued on c are consumed while waiting (libxl waits on a
 * connection of its own for the same reason). */
int xs_libxl_vdisk_wait(struct xs_client *c, uint16_t fe, const struct xs_libxl_vdisk *v,
			int state)
{
	char path[XS_LIBXL_PATH + 8];
	const char *p, *tok;
	int rc, st;

	xs_libxl_be_path(path, v->backend_domid, fe, v->devid);
	memcpy(path + strlen(path), "/state", 7);
	rc = xs_watch(c, path, "xs-libxl-wait");
	if (rc)
		return rc;
	for (;;) {
		st = read_state(c, path);
		if (st < 0 || st == state) {
			rc = st < 0 ? st : 0;
			break;
		}
		/* an event for our token, or the server moved: read again */
		if (xs_read_watch(c, &p, &tok))
			continue;
		if (c->wait(c->ctx) < 0) {
			rc = -XEN_ETIMEDOUT;
			break;
		}
	}
	xs_unwatch(c, path, "xs-libxl-wait");
	return rc;
}
