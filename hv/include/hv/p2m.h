/*
 * Stage-2 (P2M) table: guest frame -> machine frame, per domain.
 *
 * A 4-level radix table (9 bits per level, 4 KiB tables) with leaves at
 * level 0 (4 KiB), 1 (2 MiB) and 2 (1 GiB). Each entry is 64 bits: valid,
 * table/leaf, a type, and an MFN (leaf) or the host address of the next
 * table.
 *
 * Invariants:
 * - Updates are two-phase: p2m_set_range() first computes an upper bound of
 *   the tables it may need and allocates them all; only then does it
 *   touch the table, and that part cannot fail.
 * - A superpage leaf maps an MFN range aligned to its size.
 * - Every committed change is passed to the realization backend (in
 *   coalesced runs) before the hypercall that made it returns.
 * - The P2M takes no page references itself: callers own the references
 *   that mapped types imply (allocation for RAM, one per foreign/grant map).
 */
#ifndef HV_P2M_H
#define HV_P2M_H

#include <hv/mm_types.h>

typedef enum {
	p2m_invalid = 0,
	p2m_ram_rw,
	p2m_ram_ro,
	p2m_foreign_rw,
	p2m_foreign_ro,
	p2m_grant_map_rw,
	p2m_grant_map_ro,
	p2m_mmio,
	p2m_type_max,
} p2m_type_t;

const char *p2m_type_name(p2m_type_t t);
static inline bool p2m_is_ram(p2m_type_t t) { return t == p2m_ram_rw || t == p2m_ram_ro; }
static inline bool p2m_is_foreign(p2m_type_t t) { return t == p2m_foreign_rw || t == p2m_foreign_ro; }
static inline bool p2m_is_grant(p2m_type_t t) { return t == p2m_grant_map_rw || t == p2m_grant_map_ro; }
static inline bool p2m_is_writable(p2m_type_t t)
{
	return t == p2m_ram_rw || t == p2m_foreign_rw || t == p2m_grant_map_rw || t == p2m_mmio;
}

#define P2M_LEVELS 4
#define P2M_ORDER_4K 0
#define P2M_ORDER_2M 9
#define P2M_ORDER_1G 18

struct domain;

int p2m_init(struct domain *d, unsigned int gpaddr_bits);
/* Frees every table; does not touch pages (the domain code released them). */
void p2m_teardown(struct domain *d);

/*
 * Maps [gfn, gfn+nr) to [mfn, mfn+nr) with type t, using the largest
 * leaves alignment allows. With mfn == INVALID_MFN (t ignored) the range is
 * unmapped. Returns 0, -EINVAL (range outside the address space) or
 * -ENOMEM (tables); on error nothing changed.
 */
int p2m_set_range(struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr, p2m_type_t t);
static inline int p2m_remove_range(struct domain *d, gfn_t gfn, uint64_t nr)
{
	return p2m_set_range(d, gfn, INVALID_MFN, nr, p2m_invalid);
}

/*
 * Looks gfn up. Returns the MFN (INVALID_MFN when unmapped) and, when the
 * pointers are non-NULL, its type and the order of the leaf that maps it.
 */
mfn_t p2m_lookup(struct domain *d, gfn_t gfn, p2m_type_t *t, unsigned int *order);
/* p2m_lookup() of gfn that also says in *run how many frames from gfn on
 * (1 to max) are mapped alike: the same type, MFNs following each other,
 * inside one leaf or along the leaves of one level-0 table. One walk for
 * up to 512 frames. *run is 1 where nothing is mapped. */
mfn_t p2m_lookup_run(struct domain *d, gfn_t gfn, uint64_t max, p2m_type_t *t, uint64_t *run);
/* True when nothing is mapped in [gfn, gfn+nr) (a valid range): one look
 * per empty table slot or leaf, not per 4 KiB frame. */
bool p2m_range_empty(struct domain *d, gfn_t gfn, uint64_t nr);

/* The RAM frame at gfn (RAM type in *t when t is not NULL), or INVALID_MFN
 * when gfn maps no RAM (nothing, or a foreign, grant or MMIO leaf). */
static inline mfn_t p2m_lookup_ram(struct domain *d, gfn_t gfn, p2m_type_t *t)
{
	p2m_type_t ty;
	mfn_t mfn = p2m_lookup(d, gfn, &ty, NULL);

	if (t)
		*t = ty;
	return p2m_is_ram(ty) ? mfn : INVALID_MFN;
}

/* Calls cb for every leaf in ascending GFN order; stops early if cb returns nonzero. */
typedef int (*p2m_leaf_cb)(void *ctx, gfn_t gfn, mfn_t mfn, unsigned int order, p2m_type_t t);
int p2m_for_each_leaf(struct domain *d, p2m_leaf_cb cb, void *ctx);

/*
 * Where d's P2M maps the RAM-typed frame mfn: hint when it still maps it,
 * else the lowest GFN found by a walk of the whole table, else INVALID_GFN.
 * An INVALID_GFN hint means the frame was never placed: no walk.
 * For hypervisor-owned frames placed in a guest's physmap (shared_info,
 * grant-table frames): the guest may move them with XENMAPSPACE_gmfn, which
 * Xen tracks in its M2P and memvisor does not, so a stale hint must never
 * be trusted (the frame would end up mapped twice). The walk is the rare
 * path: it runs only when the guest moved or removed the frame.
 */
gfn_t p2m_find_mfn(struct domain *d, gfn_t hint, mfn_t mfn);

/* Bytes of table memory in use (for the memory-overhead figures). */
uint64_t p2m_table_bytes(const struct domain *d);

#endif
