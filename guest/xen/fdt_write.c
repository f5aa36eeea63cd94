/*
 * Sequential FDT writer (see xen/fdt_write.h), from the devicetree
 * specification's flattened format: big-endian 32-bit tokens
 * (BEGIN_NODE 1, END_NODE 2, PROP 3, NOP 4, END 9), node names and
 * property values padded to 4 bytes, a property's header being its value
 * length and the offset of its name in the strings block.
 *
 * Invariant: after every call either w->err is set or buf[0..pos) holds a
 * prefix of a valid structure block (header and reservations in front).
 */
#include <string.h>

#include <public/errno.h>
#include <xen/fdt_write.h>

#define FDTW_MAGIC 0xd00dfeedU
#define FDTW_HDR 40
#define TOK_BEGIN 1U
#define TOK_END_NODE 2U
#define TOK_PROP 3U
#define TOK_END 9U

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static void fail(struct fdtw *w, int err)
{
	if (!w->err)
		w->err = err;
}

/* Room for n more bytes at pos (the strings go after the structure at the
 * end, so they count too). */
static int room(struct fdtw *w, size_t n)
{
	if (w->err)
		return 0;
	if (w->pos + n + w->strings_len + 4 > w->cap) {
		fail(w, -XEN_ENOSPC);
		return 0;
	}
	return 1;
}

static void tok(struct fdtw *w, uint32_t t)
{
	if (room(w, 4)) {
		put32(w->buf + w->pos, t);
		w->pos += 4;
	}
}

/* bytes, then zero padding to 4 */
static void bytes(struct fdtw *w, const void *p, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;

	if (!room(w, padded))
		return;
	if (n)
		memcpy(w->buf + w->pos, p, n);
	memset(w->buf + w->pos + n, 0, padded - n);
	w->pos += padded;
}

void fdtw_init(struct fdtw *w, void *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	if (!buf || cap < FDTW_HDR + 16 || cap > 0x7fffffff)
		fail(w, -XEN_ENOSPC);
}

void fdtw_reserve(struct fdtw *w, uint64_t addr, uint64_t size)
{
	if (w->err)
		return;
	if (w->started) {
		fail(w, -XEN_EINVAL);
		return;
	}
	if (w->nr_rsv == FDTW_MAX_RSV) {
		fail(w, -XEN_ENOSPC);
		return;
	}
	w->rsv[w->nr_rsv][0] = addr;
	w->rsv[w->nr_rsv][1] = size;
	w->nr_rsv++;
}

/* The header is filled in by fdtw_finish; the reservation block is
 * written when the first node begins. */
static void start(struct fdtw *w)
{
	size_t n = (w->nr_rsv + 1) * 16;

	w->started = 1;
	w->pos = FDTW_HDR;
	if (!room(w, n))
		return;
	for (unsigned int i = 0; i < w->nr_rsv; i++) {
		put64(w->buf + w->pos, w->rsv[i][0]);
		put64(w->buf + w->pos + 8, w->rsv[i][1]);
		w->pos += 16;
	}
	memset(w->buf + w->pos, 0, 16);
	w->pos += 16;
	w->off_struct = w->pos;
}

void fdtw_begin(struct fdtw *w, const char *name)
{
	if (w->err)
		return;
	if (!w->started) {
		if (name[0]) { /* the root comes first */
			fail(w, -XEN_EINVAL);
			return;
		}
		start(w);
	} else if (!w->depth || !name[0]) {
		/* a second root, or an unnamed child */
		fail(w, -XEN_EINVAL);
		return;
	}
	if (w->depth == FDTW_MAX_DEPTH) {
		fail(w, -XEN_EINVAL);
		return;
	}
	tok(w, TOK_BEGIN);
	bytes(w, name, strlen(name) + 1);
	w->depth++;
}

/* The offset of name in the strings block, added when new. */
static uint32_t string_off(struct fdtw *w, const char *name)
{
	size_t n = strlen(name) + 1;

	for (size_t off = 0; off < w->strings_len; off += strlen(w->strings + off) + 1)
		if (!strcmp(w->strings + off, name))
			return (uint32_t)off;
	if (w->strings_len + n > sizeof(w->strings) || !room(w, n)) {
		fail(w, -XEN_ENOSPC);
		return 0;
	}
	memcpy(w->strings + w->strings_len, name, n);
	w->strings_len += n;
	return (uint32_t)(w->strings_len - n);
}

void fdtw_prop(struct fdtw *w, const char *name, const void *val, size_t len)
{
	uint32_t off;

	if (w->err)
		return;
	if (!w->depth || !name[0] || len > 0x7fffffff) {
		fail(w, -XEN_EINVAL);
		return;
	}
	off = string_off(w, name);
	tok(w, TOK_PROP);
	tok(w, (uint32_t)len);
	tok(w, off);
	bytes(w, val, len);
}

void fdtw_prop_u32(struct fdtw *w, const char *name, uint32_t v)
{
	fdtw_prop_cells(w, name, &v, 1);
}

void fdtw_prop_str(struct fdtw *w, const char *name, const char *s)
{
	fdtw_prop(w, name, s, strlen(s) + 1);
}

void fdtw_prop_cells(struct fdtw *w, const char *name, const uint32_t *c, unsigned int n)
{
	uint8_t be[4 * 64];

	if (n > 64) {
		fail(w, -XEN_EINVAL);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		put32(be + 4 * i, c[i]);
	fdtw_prop(w, name, be, 4 * (size_t)n);
}

void fdtw_prop_u64s(struct fdtw *w, const char *name, const uint64_t *v, unsigned int n)
{
	uint8_t be[8 * 64];

	if (n > 64) {
		fail(w, -XEN_EINVAL);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		put64(be + 8 * i, v[i]);
	fdtw_prop(w, name, be, 8 * (size_t)n);
}

void fdtw_end(struct fdtw *w)
{
	if (w->err)
		return;
	if (!w->depth) {
		fail(w, -XEN_EINVAL);
		return;
	}
	tok(w, TOK_END_NODE);
	w->depth--;
}

long fdtw_finish(struct fdtw *w)
{
	size_t off_strings, total;

	if (!w->err && (!w->started || w->depth))
		fail(w, -XEN_EINVAL);
	tok(w, TOK_END);
	if (w->err)
		return w->err;
	off_strings = w->pos;
	memcpy(w->buf + off_strings, w->strings, w->strings_len);
	total = off_strings + w->strings_len;
	put32(w->buf + 0, FDTW_MAGIC);
	put32(w->buf + 4, (uint32_t)total);
	put32(w->buf + 8, (uint32_t)w->off_struct);
	put32(w->buf + 12, (uint32_t)off_strings);
	put32(w->buf + 16, FDTW_HDR);           /* off_mem_rsvmap */
	put32(w->buf + 20, 17);                 /* version */
	put32(w->buf + 24, 16);                 /* last_comp_version */
	put32(w->buf + 28, 0);                  /* boot_cpuid_phys */
	put32(w->buf + 32, (uint32_t)w->strings_len);
	put32(w->buf + 36, (uint32_t)(off_strings - w->off_struct));
	return (long)total;
}
