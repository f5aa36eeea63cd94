/*
 * A minimal sequential-write flattened device tree builder (devicetree
 * specification v0.4, chapter 5: version 17, last compatible 16), for
 * guest code without libfdt's writer (the toolstack writes a DomU's tree).
 *
 * Use: fdtw_init, fdtw_reserve* (before the first node), then nested
 * fdtw_begin / fdtw_prop* / fdtw_end starting with the root (name ""),
 * then fdtw_finish. The first error sticks: every later call does nothing
 * and fdtw_finish returns it, so callers check once at the end.
 *
 * Layout written: header (40 bytes), memory reservation block (8-aligned,
 * terminated by a zero entry), structure block, strings block (names
 * de-duplicated). Nothing is allocated: the strings are collected in the
 * writer itself and copied after the structure block at the end.
 */
#ifndef XEN_FDT_WRITE_H
#define XEN_FDT_WRITE_H

#include <stddef.h>
#include <stdint.h>

#define FDTW_MAX_RSV 16
#define FDTW_STRINGS 1024
#define FDTW_MAX_DEPTH 8

struct fdtw {
	uint8_t *buf;
	size_t cap, pos;        /* structure block: written from off_struct */
	size_t off_struct;
	int err;                /* first error (negative Xen errno) */
	unsigned int depth;
	unsigned int nr_rsv;
	uint64_t rsv[FDTW_MAX_RSV][2];
	char strings[FDTW_STRINGS];
	size_t strings_len;
	int started;            /* the reservation block was written */
};

void fdtw_init(struct fdtw *w, void *buf, size_t cap);
void fdtw_reserve(struct fdtw *w, uint64_t addr, uint64_t size);
void fdtw_begin(struct fdtw *w, const char *name);
void fdtw_prop(struct fdtw *w, const char *name, const void *val, size_t len);
void fdtw_prop_u32(struct fdtw *w, const char *name, uint32_t v);
void fdtw_prop_str(struct fdtw *w, const char *name, const char *s);
/* n cells given as 32-bit host values, written big-endian */
void fdtw_prop_cells(struct fdtw *w, const char *name, const uint32_t *c, unsigned int n);
/* n 64-bit values, each written as two cells (the 2/2 `reg` form) */
void fdtw_prop_u64s(struct fdtw *w, const char *name, const uint64_t *v, unsigned int n);
void fdtw_end(struct fdtw *w);
/* The total size (> 0), or the first error: -ENOSPC (buffer too small or
 * too many reservations/strings), -EINVAL (unbalanced nodes, bad name). */
long fdtw_finish(struct fdtw *w);

#endif
