/*
 * The virtio-disk backend finding its frontends in xenstore (design:
 * include/xen/xs_vdisk_be.h; facts: xen-facts-devices 7.2).
 *
 * Nothing here decides by time: the caller waits for its client's port
 * (a watch event or any reply) and calls xsbe_take / xsbe_gone again; each
 * call reads the nodes as they are. The events themselves only wake the
 * caller (their paths are not trusted: a read tells the truth).
 */
#include <xen/xs_vdisk_be.h>

#include <public/errno.h>
#include <string.h>

#define XSBE_TOKEN "xsbe"
#define XSBE_LIST 512

static void drain(struct xsbe *b)
{
	const char *p, *t;

	while (xs_read_watch(b->c, &p, &t))
		;
}

static int parse_num(const char *s, int n, uint64_t *out)
{
	uint64_t v = 0;
	int i = 0, base = 10;

	if (n <= 0)
		return -XEN_EINVAL;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (; i < n; i++) {
		char ch = s[i];
		unsigned int d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned int)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (unsigned int)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = (unsigned int)(ch - 'A' + 10);
		else
			return -XEN_EINVAL;
		if (v > (UINT64_MAX - d) / (uint64_t)base)
			return -XEN_ERANGE;
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return 0;
}

static int read_num(struct xsbe *b, const char *dir, const char *leaf, uint64_t *out)
{
	char path[XS_LIBXL_PATH + 32], val[32];
	size_t dl = strlen(dir), ll = strlen(leaf);
	int n;

	if (dl + ll + 2 > sizeof(path))
		return -XEN_E2BIG;
	memcpy(path, dir, dl);
	path[dl] = '/';
	memcpy(path + dl + 1, leaf, ll + 1);
	n = xs_read(b->c, 0, path, val, sizeof(val));
	if (n < 0)
		return n;
	return parse_num(val, n, out);
}

static int read_str(struct xsbe *b, const char *dir, const char *leaf, char *buf, size_t size)
{
	char path[XS_LIBXL_PATH + 32];
	size_t dl = strlen(dir), ll = strlen(leaf);

	if (dl + ll + 2 > sizeof(path))
		return -XEN_E2BIG;
	memcpy(path, dir, dl);
	path[dl] = '/';
	memcpy(path + dl + 1, leaf, ll + 1);
	return xs_read(b->c, 0, path, buf, size);
}

static int write_state(struct xsbe *b, const char *dir, int state)
{
	char path[XS_LIBXL_PATH + 8], v[2] = {(char)('0' + state), '\0'};
	size_t dl = strlen(dir);

	memcpy(path, dir, dl);
	memcpy(path + dl, "/state", 7);
	return xs_write(b->c, 0, path, v);
}

int xsbe_init(struct xsbe *b, struct xs_client *c)
{
	uint64_t self = 0;
	char val[8];
	int rc;

	memset(b, 0, sizeof(*b));
	b->c = c;
	/* our domid: the `domid` node of our home (missing: 0, as the seed) */
	rc = xs_read(c, 0, "domid", val, sizeof(val));
	if (rc > 0 && !parse_num(val, rc, &self) && self < 0x7ff0)
		b->self = (uint16_t)self;
	rc = xs_watch(c, "backend/virtio_disk", XSBE_TOKEN);
	if (rc)
		return rc;
	b->privileged = xs_is_domain_introduced(c, 0) >= 0;
	/* a dead frontend's ring is released: wakes a session to look */
	if (b->privileged) {
		rc = xs_watch(c, "@releaseDomain", XSBE_TOKEN);
		if (rc)
			return rc;
	}
	drain(b);
	return 0;
}

/* Fills d from the nodes of (fe, devid); -XEN_EAGAIN if not ready. */
static int try_disk(struct xsbe *b, uint16_t fe, uint32_t devid, struct xsbe_disk *d)
{
	char mode[8], fe_of_be[XS_LIBXL_PATH];
	uint64_t st_be, st_fe, v;
	int n;

	memset(d, 0, sizeof(*d));
	d->fe = fe;
	d->devid = devid;
	xs_libxl_be_path(d->be_path, b->self, fe, devid);
	xs_libxl_fe_path(d->fe_path, fe, devid);
	/* the backend's nodes name this frontend's directory */
	n = read_str(b, d->be_path, "frontend", fe_of_be, sizeof(fe_of_be));
	if (n < 0 || strcmp(fe_of_be, d->fe_path))
		return -XEN_EAGAIN;
	if (read_num(b, d->be_path, "state", &st_be) || read_num(b, d->fe_path, "state", &st_fe) ||
	    st_be != XENBUS_STATE_INITIALISING || st_fe != XENBUS_STATE_INITIALISING)
		return -XEN_EAGAIN;
	n = read_str(b, d->be_path, "mode", mode, sizeof(mode));
	if (n < 0)
		return -XEN_EAGAIN;
	d->writable = memchr(mode, 'w', (size_t)n) != NULL;
	if (read_num(b, d->be_path, "base", &d->base) || read_num(b, d->be_path, "irq", &v) ||
	    v > UINT32_MAX)
		return -XEN_EAGAIN;
	d->irq = (uint32_t)v;
	n = read_str(b, d->be_path, "params", d->params, sizeof(d->params));
	if (n <= 0)
		return -XEN_EAGAIN;
	/* the frontend's RAM size, as the seed reads it (Dom0 can; a driver
	 * domain cannot, then 0) */
	{
		char home[XS_LIBXL_PATH];

		xs_libxl_fe_path(home, fe, 0);
		*strstr(home, "/device/") = '\0';
		if (read_num(b, home, "memory/static-max", &d->static_max_kib))
			d->static_max_kib = 0;
	}
	d->introduced = b->privileged && xs_is_domain_introduced(b->c, fe) == 1;
	return 0;
}

int xsbe_take_only(struct xsbe *b, struct xsbe_disk *d)
{
	char fes[XSBE_LIST], devs[XSBE_LIST], dir[XS_LIBXL_PATH];
	int nf, rc;
	/* the highest frontend id first, as the seed takes the newest */
	uint32_t best_fe = 0, best_dev = 0;
	bool found = false;

	drain(b);
	nf = xs_directory(b->c, 0, "backend/virtio_disk", fes, sizeof(fes));
	if (nf < 0)
		return nf == -XEN_ENOENT ? -XEN_EAGAIN : nf;
	for (int i = 0; i < nf; i += (int)strlen(fes + i) + 1) {
		uint64_t fe;
		int nd;

		if (parse_num(fes + i, (int)strlen(fes + i), &fe) || !fe || fe >= 0x7ff0)
			continue;
		memcpy(dir, "backend/virtio_disk/", 21);
		memcpy(dir + 20, fes + i, strlen(fes + i) + 1);
		nd = xs_directory(b->c, 0, dir, devs, sizeof(devs));
		for (int j = 0; nd > 0 && j < nd; j += (int)strlen(devs + j) + 1) {
			uint64_t dev;

			if (parse_num(devs + j, (int)strlen(devs + j), &dev) || dev > UINT32_MAX)
				continue;
			if (try_disk(b, (uint16_t)fe, (uint32_t)dev, d)) {
				b->skipped++;
				continue;
			}
			if (!found || fe > best_fe) {
				best_fe = (uint32_t)fe;
				best_dev = (uint32_t)dev;
				found = true;
			}
			break; /* the first ready devid of this frontend */
		}
	}
	if (!found)
		return -XEN_EAGAIN;
	rc = try_disk(b, (uint16_t)best_fe, best_dev, d);
	if (rc)
		return rc;
	/* the frontend's changes wake the session (we may read its nodes) */
	rc = xs_watch(b->c, d->fe_path, XSBE_TOKEN);
	if (rc && rc != -XEN_EEXIST) /* EEXIST: taken before, not made ready */
		return rc;
	b->taken++;
	return 0;
}

int xsbe_ready(struct xsbe *b, const struct xsbe_disk *d)
{
	return write_state(b, d->be_path, XENBUS_STATE_INITWAIT);
}

int xsbe_take(struct xsbe *b, struct xsbe_disk *d)
{
	int rc = xsbe_take_only(b, d);

	if (rc)
		return rc;
	rc = xsbe_ready(b, d);
	if (rc)
		xs_unwatch(b->c, d->fe_path, XSBE_TOKEN);
	return rc;
}

bool xsbe_gone(struct xsbe *b, const struct xsbe_disk *d)
{
	uint64_t st;

	drain(b);
	if (read_num(b, d->fe_path, "state", &st) || st == XENBUS_STATE_UNKNOWN ||
	    st == XENBUS_STATE_CLOSING || st == XENBUS_STATE_CLOSED)
		return true;
	if (read_num(b, d->be_path, "state", &st))
		return true;
	return d->introduced && xs_is_domain_introduced(b->c, d->fe) != 1;
}

int xsbe_end(struct xsbe *b, const struct xsbe_disk *d)
{
	uint64_t st;
	int rc;

	xs_unwatch(b->c, d->fe_path, XSBE_TOKEN);
	drain(b);
	if (read_num(b, d->be_path, "state", &st))
		return 0; /* removed: nothing to say */
	rc = write_state(b, d->be_path, XENBUS_STATE_CLOSED);
	return rc == -XEN_ENOENT ? 0 : rc;
}
