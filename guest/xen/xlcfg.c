/*
 * xl.cfg parser (syntax, keys and error policy: include/xen/xlcfg.h).
 *
 * Design: one pass over the text with a cursor that counts lines. A setting
 * is KEY, '=', VALUE, end (newline, ';', comment or end of text). The key is
 * looked up before its value is read, so an unknown key is reported at its
 * own line without guessing the value's type. Each key's value is decoded
 * straight into its field of `struct xlcfg` with a bound; nothing is
 * allocated and no pointer into `text` survives the call.
 *
 * Invariants: `out` is either completely filled (return 0) or all zero
 * (error); `err`, when there is room, is always NUL-terminated; the cursor
 * never reads at or past `len`.
 */
#include <xen/xlcfg.h>

#include <common/guest_layout.h>
#include <public/errno.h>
#include <string.h>

/* The two Arm guest RAM banks together: no guest can have more RAM, so a
 * bigger memory/maxmem is out of range here already. */
#define XLCFG_MEMORY_MAX_MIB ((GUEST_RAM0_SIZE + GUEST_RAM1_SIZE) >> 20)
#define XLCFG_VCPUS_MAX 128

/* ----- error messages without stdio ----- */

struct ebuf {
	char *p;
	size_t n, len;
};

static void eb_init(struct ebuf *e, char *p, size_t n)
{
	e->p = p;
	e->n = n;
	e->len = 0;
	if (n)
		p[0] = '\0';
}

static void eb_mem(struct ebuf *e, const char *s, size_t l)
{
	for (size_t i = 0; i < l && e->n && e->len + 1 < e->n; i++) {
		char c = s[i];

		/* keep the message one printable line */
		e->p[e->len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
	}
	if (e->n)
		e->p[e->len] = '\0';
}

static void eb_str(struct ebuf *e, const char *s)
{
	eb_mem(e, s, strlen(s));
}

static void eb_num(struct ebuf *e, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	eb_mem(e, tmp + i, sizeof(tmp) - i);
}

/* ----- small helpers ----- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool mem_is(const char *s, size_t l, const char *word)
{
	return strlen(word) == l && !memcmp(s, word, l);
}

/*
 * A number as xl reads one (C's strtoul with base 0: 0x hex, leading 0
 * octal, else decimal), the whole text, no sign. -EINVAL if it is not a
 * number, -ERANGE if it does not fit 64 bits.
 */
static int parse_u64(const char *s, size_t l, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (!l)
		return -XEN_EINVAL;
	if (s[0] == '-')
		return -XEN_ERANGE;
	if (l > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (l > 1 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	for (; i < l; i++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return -XEN_EINVAL;
		if (d >= base)
			return -XEN_EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -XEN_ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Copies l bytes into a field of size cap, NUL-terminated. */
static int copy_field(char *dst, size_t cap, const char *s, size_t l)
{
	if (l >= cap)
		return -XEN_ENAMETOOLONG;
	memcpy(dst, s, l);
	dst[l] = '\0';
	return 0;
}

/* ----- disk specs (xl-disk-configuration(5)) ----- */

enum disk_param {
	DP_TARGET, DP_FORMAT, DP_VDEV, DP_ACCESS, /* the positional ones, in order */
	DP_BACKEND, DP_BACKENDTYPE, DP_SPECIFICATION, DP_TRANSPORT, DP_DEVTYPE,
	DP_GRANT_USAGE,
	DP__COUNT
};

static const char *const disk_param_name[DP__COUNT] = {
	[DP_TARGET] = "target", [DP_FORMAT] = "format", [DP_VDEV] = "vdev",
	[DP_ACCESS] = "access", [DP_BACKEND] = "backend", [DP_BACKENDTYPE] = "backendtype",
	[DP_SPECIFICATION] = "specification", [DP_TRANSPORT] = "transport",
	[DP_DEVTYPE] = "devtype", [DP_GRANT_USAGE] = "grant_usage",
};

/* Keys and flags xl knows that memvisor does not implement: refused by
 * name rather than taken for a positional target. */
static const char *const disk_unsupported[] = {
	"script", "direct-io-safe", "discard", "no-discard", "trusted", "untrusted",
	"colo", "colo-host", "colo-port", "colo-export", "active-disk", "hidden-disk",
	"backend-type", "vdev-type",
};

static const char *const fmt_names[] = {
	[XLCFG_FMT_RAW] = "raw", [XLCFG_FMT_QCOW] = "qcow", [XLCFG_FMT_QCOW2] = "qcow2",
	[XLCFG_FMT_VHD] = "vhd", [XLCFG_FMT_QED] = "qed",
};
static const char *const bt_names[] = {
	[XLCFG_BT_DEFAULT] = "default", [XLCFG_BT_PHY] = "phy", [XLCFG_BT_QDISK] = "qdisk",
	[XLCFG_BT_TAP] = "tap", [XLCFG_BT_STANDALONE] = "standalone",
};
static const char *const spec_names[] = {
	[XLCFG_SPEC_XEN] = "xen", [XLCFG_SPEC_VIRTIO] = "virtio",
};
static const char *const transport_names[] = {
	[XLCFG_TRANSPORT_DEFAULT] = "default", [XLCFG_TRANSPORT_MMIO] = "mmio",
	[XLCFG_TRANSPORT_PCI] = "pci",
};

/* Index of the name equal to s[0..l) in names[first..n), or -1. */
static int lookup(const char *const *names, size_t n, size_t first, const char *s, size_t l)
{
	for (size_t i = first; i < n; i++)
		if (names[i] && mem_is(s, l, names[i]))
			return (int)i;
	return -1;
}

#define LOOKUP(tab, first, s, l) lookup(tab, sizeof(tab) / sizeof(tab[0]), first, s, l)

static void trim(const char **s, size_t *l)
{
	while (*l && is_space(**s)) {
		(*s)++;
		(*l)--;
	}
	while (*l && is_space((*s)[*l - 1]))
		(*l)--;
}

/* Error "<param>: <what> '<value>'" for the disk parser. */
static int disk_err(struct ebuf *e, int rc, const char *param, const char *what,
		    const char *val, size_t vl)
{
	eb_str(e, param);
	eb_str(e, ": ");
	eb_str(e, what);
	if (val) {
		eb_str(e, " '");
		eb_mem(e, val, vl > 48 ? 48 : vl);
		eb_str(e, vl > 48 ? "...'" : "'");
	}
	return rc;
}

static int disk_set(struct xlcfg_disk *d, enum disk_param p, const char *v, size_t l,
		    struct ebuf *e)
{
	const char *pn = disk_param_name[p];
	uint64_t n;
	int i, rc;

	if (!l && p != DP_TARGET)
		return 0; /* an empty value means the default */
	switch (p) {
	case DP_TARGET:
		rc = copy_field(d->target, sizeof(d->target), v, l);
		break;
	case DP_VDEV:
		rc = copy_field(d->vdev, sizeof(d->vdev), v, l);
		break;
	case DP_BACKEND:
		rc = copy_field(d->backend, sizeof(d->backend), v, l);
		break;
	case DP_FORMAT:
		if ((i = LOOKUP(fmt_names, 0, v, l)) < 0)
			return disk_err(e, -XEN_EINVAL, pn, "unknown format", v, l);
		d->format = (enum xlcfg_disk_format)i;
		return 0;
	case DP_ACCESS:
		if (mem_is(v, l, "r") || mem_is(v, l, "ro"))
			d->readonly = true;
		else if (mem_is(v, l, "w") || mem_is(v, l, "rw"))
			d->readonly = false;
		else
			return disk_err(e, -XEN_EINVAL, pn, "must be r, ro, w or rw, not", v, l);
		return 0;
	case DP_BACKENDTYPE:
		if ((i = LOOKUP(bt_names, 1, v, l)) < 0)
			return disk_err(e, -XEN_EINVAL, pn, "unknown backend type", v, l);
		d->backendtype = (enum xlcfg_backendtype)i;
		return 0;
	case DP_SPECIFICATION:
		if ((i = LOOKUP(spec_names, 0, v, l)) < 0)
			return disk_err(e, -XEN_EINVAL, pn, "must be xen or virtio, not", v, l);
		d->specification = (enum xlcfg_spec)i;
		return 0;
	case DP_TRANSPORT:
		if ((i = LOOKUP(transport_names, 1, v, l)) < 0)
			return disk_err(e, -XEN_EINVAL, pn, "must be mmio or pci, not", v, l);
		d->transport = (enum xlcfg_transport)i;
		return 0;
	case DP_DEVTYPE:
		if (!mem_is(v, l, "cdrom"))
			return disk_err(e, -XEN_EINVAL, pn, "only cdrom is a device type, not",
					v, l);
		d->cdrom = true;
		return 0;
	case DP_GRANT_USAGE:
		rc = parse_u64(v, l, &n);
		if (rc || n > 1)
			return disk_err(e, -XEN_EINVAL, pn, "must be 0 or 1, not", v, l);
		d->grant_usage = (int)n;
		return 0;
	default:
		return disk_err(e, -XEN_EINVAL, pn, "internal: no such parameter", NULL, 0);
	}
	if (rc)
		return disk_err(e, rc, pn, "too long:", v, l);
	return 0;
}

static int disk_parse(const char *spec, size_t len, struct xlcfg_disk *d, struct ebuf *e)
{
	bool given[DP__COUNT] = {0};
	size_t pos = 0;
	int rc;

	memset(d, 0, sizeof(*d));
	d->grant_usage = -1;

	while (pos <= len) {
		const char *item = spec + pos, *eq;
		size_t l = 0, kl;
		int p;

		while (pos + l < len && spec[pos + l] != ',')
			l++;
		pos += l + 1;
		trim(&item, &l);

		eq = memchr(item, '=', l);
		if (!eq) {
			if (mem_is(item, l, "cdrom")) {
				p = DP_DEVTYPE;
				if (given[p])
					return disk_err(e, -XEN_EEXIST, "devtype", "given twice",
							NULL, 0);
				given[p] = true;
				d->cdrom = true;
				continue;
			}
			if (LOOKUP(disk_unsupported, 0, item, l) >= 0)
				return disk_err(e, -XEN_EOPNOTSUPP, "flag",
						"not supported by memvisor:", item, l);
			/* positional: the next of target/format/vdev/access not yet
			 * given; an empty one takes its slot with the default. */
			for (p = DP_TARGET; p <= DP_ACCESS && given[p]; p++)
				;
			if (p > DP_ACCESS) {
				if (!l && pos > len)
					break; /* a trailing comma */
				return disk_err(e, -XEN_EINVAL, "disk",
						"too many positional parameters at", item, l);
			}
			given[p] = true;
			rc = disk_set(d, (enum disk_param)p, item, l, e);
			if (rc)
				return rc;
			continue;
		}

		kl = (size_t)(eq - item);
		{
			const char *key = item, *val = eq + 1;
			size_t vl = l - kl - 1;

			trim(&key, &kl);
			if (mem_is(key, kl, "target")) {
				/* target= takes the rest of the spec, commas included */
				vl = len - (size_t)(val - spec);
				trim(&val, &vl);
				pos = len + 1;
				p = DP_TARGET;
			} else {
				trim(&val, &vl);
				if (mem_is(key, kl, "mode"))
					p = DP_ACCESS;
				else
					p = LOOKUP(disk_param_name, 0, key, kl);
			}
			if (p < 0) {
				if (LOOKUP(disk_unsupported, 0, key, kl) >= 0)
					return disk_err(e, -XEN_EOPNOTSUPP, "key",
							"not supported by memvisor:", key, kl);
				return disk_err(e, -XEN_EOPNOTSUPP, "key", "unknown disk parameter",
						key, kl);
			}
			if (given[p])
				return disk_err(e, -XEN_EEXIST, disk_param_name[p], "given twice",
						NULL, 0);
			given[p] = true;
			rc = disk_set(d, (enum disk_param)p, val, vl, e);
			if (rc)
				return rc;
		}
	}

	if (d->cdrom)
		d->readonly = true;
	if (!d->vdev[0])
		return disk_err(e, -XEN_EINVAL, "vdev", "missing (xl needs the virtual device)",
				NULL, 0);
	if (!d->target[0] && !d->cdrom)
		return disk_err(e, -XEN_EINVAL, "target", "missing", NULL, 0);
	if (d->transport != XLCFG_TRANSPORT_DEFAULT && d->specification != XLCFG_SPEC_VIRTIO)
		return disk_err(e, -XEN_EINVAL, "transport", "only for specification=virtio",
				NULL, 0);
	return 0;
}

int xlcfg_parse_disk(const char *spec, size_t len, struct xlcfg_disk *out, char *err,
		     size_t errlen)
{
	struct ebuf e;
	int rc;

	eb_init(&e, err, errlen);
	rc = disk_parse(spec, len, out, &e);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ----- the file ----- */

enum key {
	K_NAME, K_MEMORY, K_MAXMEM, K_VCPUS, K_MAXVCPUS, K_KERNEL, K_EXTRA, K_CMDLINE,
	K_ROOT, K_TYPE, K_DISK,
	K__COUNT
};

static const char *const key_name[K__COUNT] = {
	[K_NAME] = "name", [K_MEMORY] = "memory", [K_MAXMEM] = "maxmem",
	[K_VCPUS] = "vcpus", [K_MAXVCPUS] = "maxvcpus", [K_KERNEL] = "kernel",
	[K_EXTRA] = "extra", [K_CMDLINE] = "cmdline", [K_ROOT] = "root",
	[K_TYPE] = "type", [K_DISK] = "disk",
};

struct cur {
	const char *t;
	size_t len, pos;
	unsigned int line;
	struct ebuf *e;
	const char *key; /* the setting being read, for messages */
};

/* Starts a message "line N: KEY: " and returns rc. */
static int cerr(struct cur *c, int rc, const char *what)
{
	eb_str(c->e, "line ");
	eb_num(c->e, c->line);
	eb_str(c->e, ": ");
	if (c->key) {
		eb_str(c->e, c->key);
		eb_str(c->e, ": ");
	}
	eb_str(c->e, what);
	return rc;
}

static char peek(const struct cur *c)
{
	return c->pos < c->len ? c->t[c->pos] : '\0';
}

static bool at_end(const struct cur *c)
{
	return c->pos >= c->len;
}

/* Skips blanks and a comment; newlines too when `nl` (inside lists). */
static void skip(struct cur *c, bool nl)
{
	while (!at_end(c)) {
		char ch = peek(c);

		if (is_space(ch)) {
			c->pos++;
		} else if (ch == '#') {
			while (!at_end(c) && peek(c) != '\n')
				c->pos++;
		} else if (nl && ch == '\n') {
			c->pos++;
			c->line++;
		} else {
			break;
		}
	}
}

/*
 * A quoted string at the cursor, decoded into dst[cap]. -EINVAL for a
 * missing quote, an unknown escape or an unterminated string; -ENAMETOOLONG
 * when it does not fit (the cursor still ends after the string).
 */
static int read_string(struct cur *c, char *dst, size_t cap, size_t *outlen)
{
	char q = peek(c);
	size_t n = 0;
	bool toolong = false;

	if (q != '\'' && q != '"')
		return -XEN_EINVAL;
	c->pos++;
	for (;;) {
		char ch;

		if (at_end(c) || peek(c) == '\n')
			return cerr(c, -XEN_EINVAL, "unterminated string");
		ch = c->t[c->pos++];
		if (ch == q)
			break;
		if (ch == '\\') {
			if (at_end(c))
				return cerr(c, -XEN_EINVAL, "unterminated string");
			ch = c->t[c->pos++];
			switch (ch) {
			case '\\': case '\'': case '"':
				break;
			case 'n':
				ch = '\n';
				break;
			case 't':
				ch = '\t';
				break;
			default:
				return cerr(c, -XEN_EINVAL, "unknown escape in string");
			}
		}
		if (ch == '\0')
			return cerr(c, -XEN_EINVAL, "NUL byte in string");
		if (n + 1 < cap)
			dst[n++] = ch;
		else
			toolong = true;
	}
	dst[n] = '\0';
	if (toolong) {
		cerr(c, -XEN_ENAMETOOLONG, "string longer than ");
		eb_num(c->e, cap - 1);
		eb_str(c->e, " bytes");
		return -XEN_ENAMETOOLONG;
	}
	*outlen = n;
	return 0;
}

/* A bare word (a number) at the cursor: [0-9A-Za-z_.+-]+. */
static size_t read_word(struct cur *c, const char **w)
{
	size_t start = c->pos;

	*w = c->t + start;
	while (!at_end(c)) {
		char ch = peek(c);

		if (!is_ident(ch) && ch != '.' && ch != '+' && ch != '-')
			break;
		c->pos++;
	}
	return c->pos - start;
}

static const char *describe(char ch)
{
	switch (ch) {
	case '[':
		return "expected a single value, not a list";
	case '\0':
	case '\n':
	case ';':
		return "value missing";
	default:
		return "expected a quoted string";
	}
}

static int value_string(struct cur *c, char *dst, size_t cap)
{
	size_t l;

	if (peek(c) != '\'' && peek(c) != '"')
		return cerr(c, -XEN_EINVAL, describe(peek(c)));
	return read_string(c, dst, cap, &l);
}

static int value_number(struct cur *c, uint64_t min, uint64_t max, uint64_t *out)
{
	char buf[32];
	const char *w = buf;
	size_t l;
	int rc;

	if (peek(c) == '\'' || peek(c) == '"') {
		rc = read_string(c, buf, sizeof(buf), &l);
		if (rc == -XEN_ENAMETOOLONG) {
			c->e->len = 0;
			return cerr(c, -XEN_EINVAL, "not a number");
		}
		if (rc)
			return rc;
	} else {
		l = read_word(c, &w);
		if (!l)
			return cerr(c, -XEN_EINVAL, peek(c) == '[' || at_end(c) ||
					     peek(c) == '\n' || peek(c) == ';'
					     ? describe(peek(c)) : "expected a number");
	}
	rc = parse_u64(w, l, out);
	if (rc == -XEN_EINVAL)
		return cerr(c, rc, "not a number");
	if (rc || *out < min || *out > max) {
		cerr(c, -XEN_ERANGE, "out of range (");
		eb_num(c->e, min);
		eb_str(c->e, "..");
		eb_num(c->e, max);
		eb_str(c->e, ")");
		return -XEN_ERANGE;
	}
	return 0;
}

static int value_disks(struct cur *c, struct xlcfg *cfg)
{
	char spec[XLCFG_PATH_MAX + 256];
	size_t l;
	int rc;

	if (peek(c) != '[')
		return cerr(c, -XEN_EINVAL, "expected a list [ '...', ... ]");
	c->pos++;
	for (;;) {
		skip(c, true);
		if (peek(c) == ']') {
			c->pos++;
			return 0;
		}
		if (at_end(c))
			return cerr(c, -XEN_EINVAL, "list not closed with ]");
		if (peek(c) != '\'' && peek(c) != '"')
			return cerr(c, -XEN_EINVAL, "a disk must be a quoted string");
		rc = read_string(c, spec, sizeof(spec), &l);
		if (rc)
			return rc;
		if (cfg->nr_disks >= XLCFG_DISKS_MAX) {
			cerr(c, -XEN_E2BIG, "more than ");
			eb_num(c->e, XLCFG_DISKS_MAX);
			eb_str(c->e, " disks");
			return -XEN_E2BIG;
		}
		cerr(c, 0, "disk ");
		eb_num(c->e, cfg->nr_disks);
		eb_str(c->e, ": ");
		rc = disk_parse(spec, l, &cfg->disk[cfg->nr_disks], c->e);
		if (rc)
			return rc;
		c->e->len = 0; /* no error: drop the prefix */
		if (c->e->n)
			c->e->p[0] = '\0';
		cfg->nr_disks++;
		skip(c, true);
		if (peek(c) == ',') {
			c->pos++;
			continue;
		}
		if (at_end(c))
			return cerr(c, -XEN_EINVAL, "list not closed with ]");
		if (peek(c) != ']')
			return cerr(c, -XEN_EINVAL, "expected , or ] in the list");
	}
}

/* Temporary strings composed into cfg->extra at the end. */
struct extra_parts {
	char extra[XLCFG_CMDLINE_MAX];
	char root[XLCFG_PATH_MAX];
};

static int setting(struct cur *c, enum key k, struct xlcfg *cfg, struct extra_parts *x)
{
	char type[8];
	uint64_t v;
	int rc;

	switch (k) {
	case K_NAME:
		rc = value_string(c, cfg->name, sizeof(cfg->name));
		if (!rc && !cfg->name[0])
			return cerr(c, -XEN_EINVAL, "must not be empty");
		return rc;
	case K_KERNEL:
		rc = value_string(c, cfg->kernel, sizeof(cfg->kernel));
		if (!rc && !cfg->kernel[0])
			return cerr(c, -XEN_EINVAL, "must not be empty");
		return rc;
	case K_EXTRA:
		return value_string(c, x->extra, sizeof(x->extra));
	case K_ROOT:
		return value_string(c, x->root, sizeof(x->root));
	case K_CMDLINE:
		return value_string(c, cfg->extra, sizeof(cfg->extra));
	case K_TYPE:
		rc = value_string(c, type, sizeof(type));
		if (rc == -XEN_ENAMETOOLONG || (!rc && !strcmp(type, ""))) {
			c->e->len = 0;
			return cerr(c, -XEN_EINVAL, "must be \"pvh\" or \"hvm\"");
		}
		if (rc)
			return rc;
		if (!strcmp(type, "pvh"))
			cfg->type = XLCFG_TYPE_PVH;
		else if (!strcmp(type, "hvm"))
			cfg->type = XLCFG_TYPE_HVM;
		else if (!strcmp(type, "pv"))
			return cerr(c, -XEN_EOPNOTSUPP,
				    "\"pv\" is not supported (memvisor guests are pvh)");
		else
			return cerr(c, -XEN_EINVAL, "must be \"pvh\" or \"hvm\"");
		return 0;
	case K_MEMORY:
		rc = value_number(c, 1, XLCFG_MEMORY_MAX_MIB, &v);
		cfg->memory_mib = v;
		return rc;
	case K_MAXMEM:
		rc = value_number(c, 1, XLCFG_MEMORY_MAX_MIB, &v);
		cfg->maxmem_mib = v;
		return rc;
	case K_VCPUS:
		rc = value_number(c, 1, XLCFG_VCPUS_MAX, &v);
		cfg->vcpus = (unsigned int)v;
		return rc;
	case K_MAXVCPUS:
		rc = value_number(c, 1, XLCFG_VCPUS_MAX, &v);
		cfg->maxvcpus = (unsigned int)v;
		return rc;
	case K_DISK:
		return value_disks(c, cfg);
	default:
		return cerr(c, -XEN_EINVAL, "internal: no such key");
	}
}

/* Composes the command line as xl does: cmdline alone if given, else
 * "root=<root> <extra>" (either part optional). */
static int compose_cmdline(struct cur *c, struct xlcfg *cfg, const bool *seen,
			   const struct extra_parts *x)
{
	size_t n = 0, l;

	if (seen[K_CMDLINE])
		return 0;
	if (seen[K_ROOT]) {
		l = strlen(x->root);
		if (5 + l + 1 >= sizeof(cfg->extra))
			goto toolong;
		memcpy(cfg->extra, "root=", 5);
		memcpy(cfg->extra + 5, x->root, l);
		n = 5 + l;
		if (seen[K_EXTRA])
			cfg->extra[n++] = ' ';
	}
	l = strlen(x->extra);
	if (n + l >= sizeof(cfg->extra))
		goto toolong;
	memcpy(cfg->extra + n, x->extra, l);
	cfg->extra[n + l] = '\0';
	return 0;
toolong:
	c->key = NULL;
	eb_str(c->e, "root: root= and extra together longer than the command line (");
	eb_num(c->e, sizeof(cfg->extra) - 1);
	eb_str(c->e, " bytes)");
	return -XEN_ENAMETOOLONG;
}

static int parse(struct cur *c, struct xlcfg *cfg)
{
	struct extra_parts x;
	bool seen[K__COUNT] = {0};
	int rc;

	memset(&x, 0, sizeof(x));

	for (;;) {
		const char *kw;
		size_t kl;
		int k;

		/* between settings: blanks, comments, newlines and ';' */
		for (;;) {
			skip(c, true);
			if (peek(c) != ';' || at_end(c))
				break;
			c->pos++;
		}
		if (at_end(c))
			break;
		c->key = NULL;
		if (!is_ident_start(peek(c)))
			return cerr(c, -XEN_EINVAL, "expected a key (a name like memory)");
		kw = c->t + c->pos;
		for (kl = 0; c->pos < c->len && is_ident(peek(c)); kl++)
			c->pos++;
		k = LOOKUP(key_name, 0, kw, kl);
		if (k < 0) {
			cerr(c, -XEN_EOPNOTSUPP, "unknown key '");
			eb_mem(c->e, kw, kl > 48 ? 48 : kl);
			eb_str(c->e, "' (memvisor refuses settings it would ignore)");
			return -XEN_EOPNOTSUPP;
		}
		c->key = key_name[k];
		if (seen[k])
			return cerr(c, -XEN_EEXIST, "given twice");
		seen[k] = true;
		skip(c, false);
		if (peek(c) != '=' || at_end(c))
			return cerr(c, -XEN_EINVAL, "expected = after the key");
		c->pos++;
		skip(c, false);
		rc = setting(c, (enum key)k, cfg, &x);
		if (rc)
			return rc;
		skip(c, false);
		if (!at_end(c) && peek(c) != '\n' && peek(c) != ';')
			return cerr(c, -XEN_EINVAL, "unexpected text after the value");
	}

	c->key = NULL;
	if (!seen[K_NAME]) {
		eb_str(c->e, "name: missing (required)");
		return -XEN_EINVAL;
	}
	if (!seen[K_KERNEL]) {
		eb_str(c->e, "kernel: missing (required)");
		return -XEN_EINVAL;
	}
	if (!seen[K_MEMORY])
		cfg->memory_mib = XLCFG_MEMORY_DEFAULT_MIB;
	if (!seen[K_MAXMEM])
		cfg->maxmem_mib = cfg->memory_mib;
	if (cfg->maxmem_mib < cfg->memory_mib) {
		eb_str(c->e, "maxmem: smaller than memory");
		return -XEN_EINVAL;
	}
	if (!seen[K_VCPUS])
		cfg->vcpus = 1;
	if (!seen[K_MAXVCPUS])
		cfg->maxvcpus = cfg->vcpus;
	if (cfg->maxvcpus < cfg->vcpus) {
		eb_str(c->e, "maxvcpus: smaller than vcpus");
		return -XEN_EINVAL;
	}
	return compose_cmdline(c, cfg, seen, &x);
}

int xlcfg_parse(const char *text, size_t len, struct xlcfg *out, char *err, size_t errlen)
{
	struct ebuf e;
	struct cur c = {.t = text, .len = text ? len : 0, .line = 1, .e = &e};
	int rc;

	eb_init(&e, err, errlen);
	memset(out, 0, sizeof(*out));
	rc = parse(&c, out);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

const char *xlcfg_type_name(enum xlcfg_type t)
{
	return t == XLCFG_TYPE_HVM ? "hvm" : "pvh";
}

const char *xlcfg_format_name(enum xlcfg_disk_format f)
{
	return (size_t)f < sizeof(fmt_names) / sizeof(fmt_names[0]) ? fmt_names[f] : "?";
}

const char *xlcfg_backendtype_name(enum xlcfg_backendtype b)
{
	return (size_t)b < sizeof(bt_names) / sizeof(bt_names[0]) ? bt_names[b] : "?";
}

const char *xlcfg_spec_name(enum xlcfg_spec s)
{
	return (size_t)s < sizeof(spec_names) / sizeof(spec_names[0]) ? spec_names[s] : "?";
}

const char *xlcfg_transport_name(enum xlcfg_transport t)
{
	return (size_t)t < sizeof(transport_names) / sizeof(transport_names[0])
		       ? transport_names[t] : "?";
}

bool xlcfg_disk_is_virtio_mmio(const struct xlcfg_disk *d)
{
	return d->specification == XLCFG_SPEC_VIRTIO && d->transport != XLCFG_TRANSPORT_PCI;
}
