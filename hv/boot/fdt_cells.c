/*
 * FDT cell and property helpers of the host-DT reader (fdt_cells.h).
 *
 * Invariant: no helper reads past a property's length, whatever the blob
 * says; bootinfo.c has checked the blob with fdt_check_full() already, so
 * offsets and names are valid, but property contents are the fuzzer's.
 */
#include <string.h>
#include <strings.h>

#include "fdt_cells.h"

uint64_t fdtc_read_cells(const fdt32_t *c, unsigned int n, bool *high_lost)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (i + 2 < n && fdt32_ld(&c[i]))
			*high_lost = true;
		v = (v << 32) | fdt32_ld(&c[i]);
	}
	return v;
}

bool fdtc_is_string(const char *p, int len)
{
	return p && len > 0 && memchr(p, '\0', (size_t)len) == p + len - 1;
}

/* Does a string-list property contain `want` (case-insensitive if ci)? */
bool fdtc_strlist_has(const char *p, int len, const char *want, bool ci)
{
	while (p && len > 0) {
		size_t l = strnlen(p, (size_t)len);

		if (l < (size_t)len &&
		    (ci ? !strcasecmp(p, want) : !strcmp(p, want)))
			return true;
		p += l + 1;
		len -= (int)l + 1;
	}
	return false;
}

bool fdtc_compatible(const void *fdt, int node, const char *c)
{
	int len;
	const char *p = fdt_getprop(fdt, node, "compatible", &len);

	return fdtc_strlist_has(p, len, c, false);
}

bool fdtc_is_pci(const void *fdt, int node)
{
	int len;
	const char *p = fdt_getprop(fdt, node, "device_type", &len);

	return fdtc_is_string(p, len) && !strcasecmp(p, "pci");
}

bool fdtc_available(const void *fdt, int node)
{
	int len;
	const char *p = fdt_getprop(fdt, node, "status", &len);

	if (!p)
		return true;
	return len > 0 && (!strncmp(p, "ok", (size_t)len) || !strncmp(p, "okay", (size_t)len));
}

bool fdtc_name_is(const char *name, const char *want)
{
	size_t l = strlen(want);

	return !strncmp(name, want, l) && (name[l] == '\0' || name[l] == '@');
}

/* #address-cells / #size-cells of a node itself; -1 when absent, -2 bad. */
int fdtc_own_cells(const void *fdt, int node, const char *prop)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, prop, &len);
	uint32_t v;

	if (!p)
		return -1;
	if (len != 4)
		return -2;
	v = fdt32_ld(p);
	return v > FDTC_MAX_CELLS ? -2 : (int)v;
}


/* Cells of a node's own properties, not inherited, defaults 2/1 (boot scan). */
void fdtc_direct_cells(const void *fdt, int node, int *ac, int *sc)
{
	*ac = fdtc_own_cells(fdt, node, "#address-cells");
	*sc = fdtc_own_cells(fdt, node, "#size-cells");
	if (*ac == -1)
		*ac = FDTC_DEF_ADDR_CELLS;
	if (*sc == -1)
		*sc = FDTC_DEF_SIZE_CELLS;
}
