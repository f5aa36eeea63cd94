/*
 * SVG address map of a layout plan (used by `memvisor layout --svg`).
 */
#ifndef MEMVISOR_CLI_SVG_H
#define MEMVISOR_CLI_SVG_H

#include <stdio.h>

#include <hv/bootinfo.h>
#include <hv/layout.h>

/* Writes a complete SVG document; returns 0 or -errno of the write. */
int svg_write_plan(FILE *f, const struct bootinfo *bi, const struct layout_plan *p);
/* One column for the host (from the first plan that boots) and one per
 * release for domain `dom`; a release that refuses the tree gets an empty
 * column saying so. */
int svg_write_compare(FILE *f, const struct bootinfo *bi, const struct layout_plan *const *plans,
		      unsigned int n, const char *dom);

#endif
