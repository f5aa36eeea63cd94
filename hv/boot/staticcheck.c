/*
 * Static-memory validation of a system description.
 *
 * Design: one pass per domain, one pass per bank, every rule applied to
 * every bank so that one run lists all problems (people fix a DTS in one
 * go). Overlaps are reported once per pair (the later bank names the
 * earlier one). Reserved spans of kind STATIC_DOMAIN in bootinfo.reserved
 * are the static banks themselves and are skipped there: static banks are
 * compared with each other from the domains' own lists, which know the
 * bank index. Addresses in messages are half-open [start, end), as the
 * rest of memvisor prints them.
 *
 * Invariants: no allocation, no output other than *rep; rep->nr_err counts
 * every error even when the table is full.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <hv/diag.h>
#include <hv/domain.h>
#include <hv/staticcheck.h>

_Static_assert(STATICCHECK_MAX_DIRECT_BANKS ==
		       sizeof(((struct domain *)0)->mem_banks) /
			       sizeof(((struct domain *)0)->mem_banks[0]),
	       "direct-mapped banks must fit struct domain's bank table");

#define GUEST_RAM_TOTAL (GUEST_RAM0_SIZE + GUEST_RAM1_SIZE)

struct ctx {
	struct staticcheck_report *rep;
	const struct bootinfo_domain *dom;
};

static void report(struct ctx *c, enum staticcheck_rule rule, uint32_t bank,
		   const struct ext_span *b, const char *collider, paddr_t cs, paddr_t csz,
		   const char *fmt, ...) __attribute__((format(printf, 8, 9)));

static void report(struct ctx *c, enum staticcheck_rule rule, uint32_t bank,
		   const struct ext_span *b, const char *collider, paddr_t cs, paddr_t csz,
		   const char *fmt, ...)
{
	struct staticcheck_report *rep = c->rep;
	struct staticcheck_diag *d;
	va_list ap;
	size_t off;

	rep->nr_err++;
	if (rep->nr == STATICCHECK_MAX_DIAG)
		return;
	d = &rep->diag[rep->nr++];
	memset(d, 0, sizeof(*d));
	d->rule = rule;
	d->domain = c->dom->path;
	d->bank = bank;
	if (b) {
		d->start = b->start;
		d->size = b->size;
	}
	d->collider = collider;
	d->cstart = cs;
	d->csize = csz;
	if (bank == STATICCHECK_NO_BANK)
		diag_fmt(d->msg, sizeof(d->msg), "%s: ", d->domain);
	else
		diag_fmt(d->msg, sizeof(d->msg),
			 "%s: static bank %u [%#" PRIx64 ", %#" PRIx64 "): ", d->domain,
			 bank, d->start, d->start + d->size);
	/* The message follows the prefix (nothing of it when the prefix
	 * filled the buffer). */
	off = strlen(d->msg);
	va_start(ap, fmt);
	diag_vfmt(d->msg + off, sizeof(d->msg) - off, fmt, ap);
	va_end(ap);
}

/* Both spans are non-empty and do not wrap. */
static bool overlaps(paddr_t a, paddr_t asz, paddr_t b, paddr_t bsz)
{
	return a < b + bsz && b < a + asz;
}

static bool span_sane(const struct ext_span *s)
{
	return s->size && s->start + s->size - 1 >= s->start;
}

static const char *label_or(const char *l, const char *dflt)
{
	return l && *l ? l : dflt;
}

static void check_ram(struct ctx *c, const struct bootinfo *bi, uint32_t k,
		      const struct ext_span *b)
{
	const struct ext_span *touch = NULL;

	for (unsigned int i = 0; i < bi->ram.n; i++) {
		const struct ext_span *r = &bi->ram.s[i];

		if (b->start >= r->start && b->start - r->start < r->size &&
		    b->size <= r->size - (b->start - r->start))
			return;
		if (!touch && span_sane(r) && overlaps(b->start, b->size, r->start, r->size))
			touch = r;
	}
	if (touch)
		report(c, STATICCHECK_NOT_RAM, k, b, label_or(touch->label, "host RAM"), touch->start,
		       touch->size,
		       "is not inside one host RAM bank: it runs past RAM bank %s [%#" PRIx64
		       ", %#" PRIx64 ")",
		       label_or(touch->label, "?"), touch->start, touch->start + touch->size);
	else
		report(c, STATICCHECK_NOT_RAM, k, b, NULL, 0, 0,
		       "is not host RAM: no RAM bank covers it");
}

static void check_static_pairs(struct ctx *c, const struct bootinfo *bi, unsigned int di,
			       uint32_t k, const struct ext_span *b)
{
	/* Earlier banks of earlier domains and earlier banks of this one. */
	for (unsigned int dj = 0; dj <= di; dj++) {
		const struct bootinfo_domain *o = &bi->domain[dj];
		unsigned int lim = dj == di ? k : o->static_banks.n;

		for (unsigned int j = 0; j < lim; j++) {
			const struct ext_span *ob = &o->static_banks.s[j];

			if (!span_sane(ob) || !overlaps(b->start, b->size, ob->start, ob->size))
				continue;
			if (dj == di)
				report(c, STATICCHECK_OVERLAP_STATIC, k, b, o->path, ob->start, ob->size,
				       "overlaps static bank %u [%#" PRIx64 ", %#" PRIx64
				       ") of the same domain",
				       j, ob->start, ob->start + ob->size);
			else
				report(c, STATICCHECK_OVERLAP_STATIC, k, b, o->path, ob->start, ob->size,
				       "overlaps static bank %u [%#" PRIx64 ", %#" PRIx64 ") of domain %s",
				       j, ob->start, ob->start + ob->size, o->path);
		}
	}
}

static void check_list(struct ctx *c, uint32_t k, const struct ext_span *b,
		       const struct ext_span *s, unsigned int n, enum staticcheck_rule rule,
		       const char *what)
{
	for (unsigned int i = 0; i < n; i++) {
		const char *kind, *label;

		if (s[i].kind == EXT_K_STATIC_DOMAIN && rule == STATICCHECK_OVERLAP_RESERVED)
			continue; /* the static banks themselves */
		if (!span_sane(&s[i]) || !overlaps(b->start, b->size, s[i].start, s[i].size))
			continue;
		kind = what ? what : ext_kind_name(s[i].kind);
		label = label_or(s[i].label, kind);
		if (rule == STATICCHECK_OVERLAP_XEN || label == kind)
			report(c, rule, k, b, label, s[i].start, s[i].size,
			       "overlaps %s [%#" PRIx64 ", %#" PRIx64 ")", label, s[i].start,
			       s[i].start + s[i].size);
		else
			report(c, rule, k, b, label, s[i].start, s[i].size,
			       "overlaps %s (%s) [%#" PRIx64 ", %#" PRIx64 ")", label, kind,
			       s[i].start, s[i].start + s[i].size);
	}
}

static void check_bank(struct ctx *c, const struct bootinfo *bi, unsigned int di, uint32_t k,
		       const struct ext_span *xen, unsigned int nxen)
{
	const struct ext_span *b = &c->dom->static_banks.s[k];

	if (!b->size) {
		report(c, STATICCHECK_EMPTY, k, b, NULL, 0, 0, "has size 0");
		return;
	}
	if (b->start + b->size - 1 < b->start) {
		report(c, STATICCHECK_WRAPS, k, b, NULL, 0, 0,
		       "wraps around the end of the address space");
		return;
	}
	if (!IS_ALIGNED(b->start, PAGE_SIZE) || !IS_ALIGNED(b->size, PAGE_SIZE))
		report(c, STATICCHECK_UNALIGNED, k, b, NULL, 0, 0,
		       "is not page aligned (%s %#" PRIx64 " is not a multiple of %#lx)",
		       IS_ALIGNED(b->start, PAGE_SIZE) ? "size" : "start",
		       IS_ALIGNED(b->start, PAGE_SIZE) ? b->size : b->start, (unsigned long)PAGE_SIZE);
	if ((b->size >> PAGE_SHIFT) >= (1ULL << 32))
		report(c, STATICCHECK_TOO_LARGE, k, b, NULL, 0, 0,
		       "is too large: %#" PRIx64 " pages, the limit is 2^32 - 1",
		       b->size >> PAGE_SHIFT);
	check_ram(c, bi, k, b);
	check_static_pairs(c, bi, di, k, b);
	check_list(c, k, b, bi->reserved.s, bi->reserved.n, STATICCHECK_OVERLAP_RESERVED, NULL);
	check_list(c, k, b, bi->shm_host.s, bi->shm_host.n, STATICCHECK_OVERLAP_RESERVED,
		   "static shared memory");
	for (unsigned int m = 0; m < bi->nr_module; m++)
		check_list(c, k, b, &bi->module[m].span, 1, STATICCHECK_OVERLAP_MODULE, "boot module");
	check_list(c, k, b, xen, nxen, STATICCHECK_OVERLAP_XEN, NULL);
}

static void check_domain(struct ctx *c, const struct bootinfo *bi, unsigned int di,
			 const struct ext_span *xen, unsigned int nxen)
{
	const struct bootinfo_domain *d = c->dom;
	uint64_t sum = 0;
	bool sum_ok = true;

	if (d->direct_map && !d->static_mem)
		report(c, STATICCHECK_DIRECTMAP_NOT_STATIC, STATICCHECK_NO_BANK, NULL, NULL, 0, 0,
		       "direct-map is only valid together with xen,static-mem");
	if (!d->static_mem)
		return;
	if (!d->static_banks.n)
		report(c, STATICCHECK_NO_BANKS, STATICCHECK_NO_BANK, NULL, NULL, 0, 0,
		       "xen,static-mem gives no bank (empty or malformed property)");
	for (uint32_t k = 0; k < d->static_banks.n; k++) {
		const struct ext_span *b = &d->static_banks.s[k];

		if (sum + b->size < sum)
			sum_ok = false;
		sum += b->size;
		check_bank(c, bi, di, k, xen, nxen);
	}
	if (!d->has_memory)
		report(c, STATICCHECK_NO_MEMORY, STATICCHECK_NO_BANK, NULL, NULL, 0, 0,
		       "has xen,static-mem but no memory property (it must equal the banks' "
		       "total, %#" PRIx64 " bytes = %" PRIu64 " KiB)",
		       sum, sum / 1024);
	else if (!sum_ok || d->memory_kb > UINT64_MAX / 1024 || d->memory_kb * 1024 != sum)
		report(c, STATICCHECK_MEMORY_MISMATCH, STATICCHECK_NO_BANK, NULL, NULL, 0, 0,
		       "memory is %" PRIu64 " KiB but the static banks total %#" PRIx64
		       " bytes (%" PRIu64 " KiB); mixing static and heap memory is not supported",
		       d->memory_kb, sum, sum / 1024);
	if (d->direct_map && d->static_banks.n > STATICCHECK_MAX_DIRECT_BANKS)
		report(c, STATICCHECK_TOO_MANY_BANKS, STATICCHECK_NO_BANK, NULL, NULL, 0, 0,
		       "direct-mapped with %u static banks; a domain holds at most %u",
		       d->static_banks.n, STATICCHECK_MAX_DIRECT_BANKS);
	if (!d->direct_map && sum_ok && sum > GUEST_RAM_TOTAL)
		report(c, STATICCHECK_GUEST_BANKS, STATICCHECK_NO_BANK, NULL, NULL, 0, 0,
		       "static banks total %#" PRIx64 " bytes; the guest RAM banks hold only %#" PRIx64
		       " (all possible guest banks exhausted)",
		       sum, (uint64_t)GUEST_RAM_TOTAL);
}

int staticcheck_system(const struct bootinfo *bi, const struct ext_span *xen_ranges,
		       unsigned int n, struct staticcheck_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	for (unsigned int i = 0; i < bi->nr_domain; i++) {
		struct ctx c = {.rep = rep, .dom = &bi->domain[i]};

		check_domain(&c, bi, i, xen_ranges, n);
	}
	return rep->nr_err ? -EINVAL : 0;
}
