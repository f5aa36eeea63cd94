/*
 * The host DT's consistency checks, run by bootinfo_parse() after the walk.
 *
 * They never stop the parse: each problem is a diagnostic (bootinfo_diag)
 * naming the node and address, and a dom0less domain that breaks a rule is
 * marked invalid, so the planner shows it and the builder refuses it.
 * Invariant: after bootinfo_check_overlaps(), the spans are sorted by
 * ext_span_cmp.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <hv/bootinfo.h>

#include "bootinfo_priv.h"

void bootinfo_check_overlaps(struct bootinfo *bi, struct bootinfo_spans *sp,
			   const char *what)
{
	unsigned int i;

	if (sp->n > 1)
		qsort(sp->s, sp->n, sizeof(sp->s[0]), ext_span_cmp);
	for (i = 1; i < sp->n; i++) {
		const struct ext_span *a = &sp->s[i - 1], *b = &sp->s[i];

		if (b->start <= a->start + a->size - 1)
			bootinfo_diag(bi, BOOTINFO_ERR, b->label, true, b->start,
				      "%s bank overlaps the one of %s at %#" PRIx64,
				      what, a->label ? a->label : "?", a->start);
	}
}

static bool inside_ram(const struct bootinfo *bi, paddr_t s, paddr_t size)
{
	unsigned int i;

	for (i = 0; i < bi->ram.n; i++) {
		const struct ext_span *r = &bi->ram.s[i];

		if (s >= r->start && s - r->start < r->size &&
		    size <= r->size - (s - r->start))
			return true;
	}
	return false;
}

int bootinfo_check_domains(struct bootinfo *bi)
{
	unsigned int i, k;

	for (i = 0; i < bi->nr_domain; i++) {
		struct bootinfo_domain *d = &bi->domain[i];
		uint64_t sum = 0;

		if (!d->has_memory && !d->static_mem) {
			bootinfo_diag(bi, BOOTINFO_ERR, d->path, false, 0,
				      "domain has no memory property");
			d->invalid = true;
		}
		if (d->direct_map && !d->static_mem) {
			bootinfo_diag(bi, BOOTINFO_ERR, d->path, false, 0,
				      "direct-map is only valid with xen,static-mem");
			d->invalid = true;
		}
		for (k = 0; k < d->static_banks.n; k++) {
			const struct ext_span *b = &d->static_banks.s[k];

			sum += b->size;
			if (!inside_ram(bi, b->start, b->size)) {
				bootinfo_diag(bi, BOOTINFO_ERR, d->path, true, b->start,
					      "static bank of size %#" PRIx64
					      " is not inside host RAM", b->size);
				d->invalid = true;
			}
			if (bootinfo_spans_push(&bi->reserved, b->start, b->size,
						EXT_K_STATIC_DOMAIN, d->path))
				return -ENOMEM;
		}
		if (d->static_mem && d->has_memory && sum != d->memory_kb * 1024) {
			bootinfo_diag(bi, BOOTINFO_ERR, d->path, false, 0,
				      "memory (%" PRIu64 " KiB) does not match the sum of "
				      "static banks (%" PRIu64 " KiB)", d->memory_kb,
				      sum / 1024);
			d->invalid = true;
		}
		if (d->static_mem && !d->has_memory)
			d->memory_kb = sum / 1024;
	}
	return 0;
}
