/*
 * FDT cell and property helpers of the host-DT reader (private to hv/boot).
 *
 * Every reader checks what it reads: a string property must end in its
 * only NUL, a cell count above FDTC_MAX_CELLS is refused (-2), and a value
 * wider than 64 bits keeps its low two cells and says so (*high_lost).
 */
#ifndef HV_BOOT_FDT_CELLS_H
#define HV_BOOT_FDT_CELLS_H

#include <stdbool.h>
#include <stdint.h>

#include <libfdt.h>

/* The cell counts a node without #address-cells / #size-cells gets. */
#define FDTC_DEF_ADDR_CELLS 2
#define FDTC_DEF_SIZE_CELLS 1
#define FDTC_MAX_CELLS 4

/* Reads n big-endian cells as one value (the low two when n > 2; a
 * non-zero higher cell sets *high_lost). */
uint64_t fdtc_read_cells(const fdt32_t *c, unsigned int n, bool *high_lost);
/* Is p[0..len) exactly one NUL-terminated string? */
bool fdtc_is_string(const char *p, int len);
/* Does a string-list property contain `want` (case-insensitive if ci)? */
bool fdtc_strlist_has(const char *p, int len, const char *want, bool ci);
bool fdtc_compatible(const void *fdt, int node, const char *c);
/* device_type = "pci" */
bool fdtc_is_pci(const void *fdt, int node);
/* No status, or status "ok"/"okay". */
bool fdtc_available(const void *fdt, int node);
/* name is `want` or `want@unit`. */
bool fdtc_name_is(const char *name, const char *want);
/* #address-cells / #size-cells of a node itself; -1 when absent, -2 bad. */
int fdtc_own_cells(const void *fdt, int node, const char *prop);
/* Cells of a node's own properties, not inherited, defaults 2/1 (boot scan). */
void fdtc_direct_cells(const void *fdt, int node, int *ac, int *sc);

#endif
