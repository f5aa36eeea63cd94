/*
 * Stage-2 table (P2M).
 *
 * Design: 4 levels of 512-entry tables (level 3 is the root). Leaves may sit
 * at level 0 (4 KiB), 1 (2 MiB) or 2 (1 GiB). An update first decomposes
 * the range into the largest leaves that the alignment of both GFN and MFN
 * allows, derives from that decomposition an upper bound on the tables it
 * can need (one per distinct table slot the leaves touch), allocates them
 * all, and only then writes. The write phase takes tables only from that
 * reserve, so it cannot fail. Unused reserve is freed afterwards.
 *
 * After writing, tables left empty by a removal are freed, and a level-0
 * table that became a full run of one type over an aligned, contiguous MFN
 * range is folded back into a 2 MiB leaf (likewise 2 MiB into 1 GiB), so
 * populating a superpage one page at a time still ends as a superpage.
 *
 * Invariants: see p2m.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hv/hv.h>
#include <hv/p2m.h>
#include <hv/realize.h>

#define PTE_VALID 0x1ULL
#define PTE_TABLE 0x2ULL
#define PTE_TYPE_SHIFT 2
#define PTE_TYPE_MASK 0x1fULL
#define PTE_ADDR_MASK 0x000ffffffffff000ULL
#define P2M_ENTRIES 512
#define LEVEL_SHIFT(l) (9u * (l)) /* in frames */

static const char *const type_names[p2m_type_max] = {
	[p2m_invalid] = "invalid",          [p2m_ram_rw] = "ram_rw",
	[p2m_ram_ro] = "ram_ro",            [p2m_foreign_rw] = "foreign_rw",
	[p2m_foreign_ro] = "foreign_ro",    [p2m_grant_map_rw] = "grant_map_rw",
	[p2m_grant_map_ro] = "grant_map_ro", [p2m_mmio] = "mmio",
};

const char *p2m_type_name(p2m_type_t t)
{
	return (unsigned int)t < p2m_type_max ? type_names[t] : "?";
}

static inline bool pte_valid(uint64_t e) { return e & PTE_VALID; }
static inline bool pte_table(uint64_t e) { return (e & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE); }
static inline uint64_t *pte_to_table(uint64_t e) { return (uint64_t *)(uintptr_t)(e & PTE_ADDR_MASK); }
static inline p2m_type_t pte_type(uint64_t e) { return (p2m_type_t)((e >> PTE_TYPE_SHIFT) & PTE_TYPE_MASK); }
static inline mfn_t pte_mfn(uint64_t e) { return _mfn((e & PTE_ADDR_MASK) >> PAGE_SHIFT); }

static inline uint64_t mk_leaf(mfn_t mfn, p2m_type_t t)
{
	return (mfn_x(mfn) << PAGE_SHIFT) | ((uint64_t)t << PTE_TYPE_SHIFT) | PTE_VALID;
}

static inline uint64_t mk_table(uint64_t *tbl)
{
	uint64_t a = (uint64_t)(uintptr_t)tbl;

	BUG_ON(a & ~PTE_ADDR_MASK);
	return a | PTE_TABLE | PTE_VALID;
}

static inline unsigned int idx_at(uint64_t gfn, unsigned int level)
{
	return (unsigned int)((gfn >> LEVEL_SHIFT(level)) & (P2M_ENTRIES - 1));
}

static void table_count_free(struct p2m *p, uint64_t *t)
{
	free(t);
	p->st.tables--;
}

/* Takes a table from the reserve of the current update (cannot fail). */
static uint64_t *table_take(struct p2m *p)
{
	uint64_t *t;

	BUG_ON(p->pool_nr == 0);
	/* Known zero: the reserve holds only tables fresh from
	 * hv_alloc_table(), which zeroes them; a used table is freed, never
	 * put back. */
	t = p->pool[--p->pool_nr];
	p->st.tables++;
	if (p->st.tables > p->st.tables_peak)
		p->st.tables_peak = p->st.tables;
	return t;
}

int p2m_init(struct domain *d, unsigned int gpaddr_bits)
{
	struct p2m *p = &d->p2m;

	memset(p, 0, sizeof(*p));
	if (gpaddr_bits < 32 || gpaddr_bits > 48)
		return -EINVAL;
	p->gpaddr_bits = gpaddr_bits;
	p->max_gfn = 1ULL << (gpaddr_bits - PAGE_SHIFT);
	p->root = hv_alloc_table(d->hv);
	if (!p->root)
		return -ENOMEM;
	p->st.tables = p->st.tables_peak = 1;
	return 0;
}

/* Bookkeeping for a leaf that leaves the table. */
static void leaf_gone(struct p2m *p, uint64_t e, unsigned int level)
{
	p->st.leaves[level]--;
	if (p2m_is_ram(pte_type(e))) {
		p->st.ram_frames -= 1ULL << LEVEL_SHIFT(level);
		if (p->st.ram_frames < p->st.ram_frames_low)
			p->st.ram_frames_low = p->st.ram_frames;
	}
}

static void free_subtree(struct p2m *p, uint64_t *t, unsigned int level)
{
	for (unsigned int i = 0; i < P2M_ENTRIES; i++) {
		uint64_t e = t[i];

		if (!pte_valid(e))
			continue;
		if (level > 0 && pte_table(e))
			free_subtree(p, pte_to_table(e), level - 1);
		else
			leaf_gone(p, e, level);
	}
	table_count_free(p, t);
}

/* Unused reserve stays cached for the next update (most updates need one
 * or two tables), up to a small bound; the rest is freed. */
#define P2M_POOL_KEEP 16

static void pool_drain(struct p2m *p)
{
	while (p->pool_nr > P2M_POOL_KEEP)
		free(p->pool[--p->pool_nr]);
}

static void pool_free_all(struct p2m *p)
{
	while (p->pool_nr)
		free(p->pool[--p->pool_nr]);
}

void p2m_teardown(struct domain *d)
{
	struct p2m *p = &d->p2m;

	if (p->root)
		free_subtree(p, p->root, P2M_LEVELS - 1);
	p->root = NULL;
	pool_free_all(p);
	free(p->pool);
	p->pool = NULL;
	p->pool_nr = p->pool_cap = 0;
}

/* Largest leaf order usable at offset i of the range. */
static unsigned int leaf_order(uint64_t gfn, mfn_t mfn, uint64_t left)
{
	static const unsigned int orders[] = {P2M_ORDER_1G, P2M_ORDER_2M};

	for (unsigned int k = 0; k < ARRAY_SIZE(orders); k++) {
		uint64_t n = 1ULL << orders[k];

		if (left >= n && IS_ALIGNED(gfn, n) &&
		    (mfn_eq(mfn, INVALID_MFN) || IS_ALIGNED(mfn_x(mfn), n)))
			return orders[k];
	}
	return 0;
}

/* Upper bound on the tables the update can need: every distinct slot below
 * the root that a leaf of the decomposition sits under. */
static uint64_t tables_bound(uint64_t gfn, mfn_t mfn, uint64_t nr)
{
	uint64_t last[P2M_LEVELS] = {~0ULL, ~0ULL, ~0ULL, ~0ULL};
	uint64_t need = 0, i = 0;

	while (i < nr) {
		mfn_t m = mfn_eq(mfn, INVALID_MFN) ? mfn : mfn_add(mfn, (int64_t)i);
		unsigned int o = leaf_order(gfn + i, m, nr - i);
		unsigned int lvl = o / 9;

		/* The leaf lives in a table of level lvl; it and its parents
		 * up to level 2 may have to be created or shattered. */
		for (unsigned int l = lvl; l < P2M_LEVELS - 1; l++) {
			uint64_t key = (gfn + i) >> LEVEL_SHIFT(l + 1);

			if (key != last[l]) {
				last[l] = key;
				need++;
			}
		}
		/* The rest of a 2 MiB block after a 4 KiB leaf is 4 KiB leaves
		 * of the same tables: nothing more to count there. */
		i = o ? i + (1ULL << o) : MIN(ALIGN_UP(gfn + i + 1, P2M_ENTRIES) - gfn, nr);
	}
	return need;
}

static int pool_fill(struct hv *hv, struct p2m *p, uint64_t need)
{
	if (need > UINT32_MAX / 2)
		return -ENOMEM;
	if (need > p->pool_cap || !p->pool) {
		uint64_t cap = MAX(need, (uint64_t)P2M_POOL_KEEP);
		uint64_t **np;

		np = hv_realloc(hv, p->pool, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		p->pool = np;
		p->pool_cap = (unsigned int)cap;
	}
	while (p->pool_nr < need) {
		uint64_t *t = hv_alloc_table(hv);

		if (!t)
			return -ENOMEM;
		p->pool[p->pool_nr++] = t;
	}
	return 0;
}


/* The table of level lvl that holds gfn's entry, created (or its
 * superpage shattered) on the way; NULL when clearing (newe 0) finds
 * nothing mapped above it. Cannot fail. */
static uint64_t *leaf_table(struct p2m *p, uint64_t gfn, unsigned int lvl, uint64_t newe)
{
	uint64_t *t = p->root;

	for (unsigned int l = P2M_LEVELS - 1; l > lvl; l--) {
		uint64_t *e = &t[idx_at(gfn, l)];

		if (!pte_valid(*e)) {
			if (!newe)
				return NULL; /* nothing mapped below: nothing to clear */
			*e = mk_table(table_take(p));
		} else if (!pte_table(*e)) {
			/* A superpage over part of the range: split it into
			 * leaves one level down, then continue into it. */
			uint64_t *nt = table_take(p);
			uint64_t step = 1ULL << LEVEL_SHIFT(l - 1);
			mfn_t base = pte_mfn(*e);
			p2m_type_t ty = pte_type(*e);

			for (unsigned int i = 0; i < P2M_ENTRIES; i++)
				nt[i] = mk_leaf(mfn_add(base, (int64_t)(i * step)), ty);
			p->st.leaves[l]--;
			p->st.leaves[l - 1] += P2M_ENTRIES;
			p->st.shattered[l]++;
			p->st.shattered_foreign += p2m_is_foreign(ty);
			*e = mk_table(nt);
		}
		t = pte_to_table(*e);
	}
	return t;
}

/* Writes one leaf (or clears it) at level lvl of table t. */
static void table_set(struct p2m *p, uint64_t *t, uint64_t gfn, unsigned int lvl, uint64_t newe)
{
	uint64_t *e = &t[idx_at(gfn, lvl)];

	if (pte_valid(*e)) {
		if (lvl > 0 && pte_table(*e))
			free_subtree(p, pte_to_table(*e), lvl - 1);
		else
			leaf_gone(p, *e, lvl);
	}
	*e = newe;
	if (newe) {
		p->st.leaves[lvl]++;
		if (p2m_is_ram(pte_type(newe)))
			p->st.ram_frames += 1ULL << LEVEL_SHIFT(lvl);
		if (lvl > 0)
			p->st.superpages_created++;
	}
}

/* Returns the entry pointing to the table of level `lvl` covering gfn, or NULL. */
static uint64_t *slot_of_table(struct p2m *p, uint64_t gfn, unsigned int lvl)
{
	uint64_t *t = p->root;

	for (unsigned int l = P2M_LEVELS - 1; l > lvl + 1; l--) {
		uint64_t e = t[idx_at(gfn, l)];

		if (!pte_table(e))
			return NULL;
		t = pte_to_table(e);
	}
	uint64_t *slot = &t[idx_at(gfn, lvl + 1)];

	return pte_table(*slot) ? slot : NULL;
}

/* Folds (after a map) or frees (after a removal) the table of level lvl
 * covering gfn when possible. */
static void tidy_table(struct p2m *p, uint64_t gfn, unsigned int lvl, bool removing)
{
	uint64_t *slot = slot_of_table(p, gfn, lvl);
	uint64_t *t, first;
	unsigned int valid = 0;
	bool foldable;
	uint64_t step = 1ULL << LEVEL_SHIFT(lvl);

	if (!slot)
		return;
	t = pte_to_table(*slot);
	first = t[0];
	/* A map cannot empty a table, and a table is only foldable when both
	 * its ends are mapped: ascending or descending fills stay O(1) per
	 * update until the last entry arrives. A removal cannot make a table
	 * foldable. */
	if (!removing && !(pte_valid(first) && pte_valid(t[P2M_ENTRIES - 1])))
		return;
	/* Likewise a removal cannot empty a table while either end is still
	 * mapped: ascending or descending removals stay O(1) per update
	 * instead of rescanning the emptied prefix (or the mapped suffix)
	 * every time. */
	if (removing && (pte_valid(first) || pte_valid(t[P2M_ENTRIES - 1])))
		return;
	foldable = pte_valid(first) && !pte_table(first) &&
		   IS_ALIGNED(mfn_x(pte_mfn(first)), step * P2M_ENTRIES);
	for (unsigned int i = 0; i < P2M_ENTRIES; i++) {
		uint64_t e = t[i];

		if (!pte_valid(e)) {
			foldable = false;
		} else {
			valid++;
			if (foldable && (pte_table(e) || pte_type(e) != pte_type(first) ||
					 mfn_x(pte_mfn(e)) != mfn_x(pte_mfn(first)) + i * step))
				foldable = false;
		}
		/* Neither empty nor foldable: nothing to do, stop looking. */
		if (valid && !foldable)
			return;
	}
	if (valid == 0) {
		table_count_free(p, t);
		*slot = 0;
	} else if (foldable && lvl + 1 <= 2) {
		*slot = mk_leaf(pte_mfn(first), pte_type(first));
		p->st.leaves[lvl] -= P2M_ENTRIES;
		p->st.leaves[lvl + 1]++;
		p->st.merged++;
		p->st.superpages_created++;
		table_count_free(p, t);
	}
}

int p2m_set_range(struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr, p2m_type_t t)
{
	struct hv *hv = d->hv;
	struct p2m *p = &d->p2m;
	bool removing = mfn_eq(mfn, INVALID_MFN);
	uint64_t g = gfn_x(gfn), i;
	int rc;

	HV_ASSERT_LOCKED(hv);
	if (nr == 0)
		return 0;
	if (g >= p->max_gfn || nr > p->max_gfn - g)
		return -EINVAL;
	if (!removing) {
		if (t == p2m_invalid || t >= p2m_type_max)
			return -EINVAL;
		if (mfn_x(mfn) + nr < mfn_x(mfn) || mfn_x(mfn) + nr > (PTE_ADDR_MASK >> PAGE_SHIFT))
			return -EINVAL;
	}

	/* Phase 1: reserve every table the update may need. */
	rc = pool_fill(hv, p, tables_bound(g, mfn, nr));
	if (rc) {
		pool_drain(p);
		return rc;
	}

	/* Phase 2: commit; cannot fail. Consecutive 4 KiB leaves in one
	 * level-0 table are written without walking down to it again: only
	 * level-0 writes happen meanwhile, and they free no table. */
	uint64_t *l0 = NULL, l0_block = 0;

	for (i = 0; i < nr;) {
		mfn_t m = removing ? mfn : mfn_add(mfn, (int64_t)i);
		unsigned int o = leaf_order(g + i, m, nr - i);
		uint64_t newe = removing ? 0 : mk_leaf(m, t);
		uint64_t *tbl;

		if (o == 0 && l0 && (g + i) >> LEVEL_SHIFT(1) == l0_block) {
			tbl = l0;
		} else {
			tbl = leaf_table(p, g + i, o / 9, newe);
			l0 = o == 0 ? tbl : NULL;
			l0_block = (g + i) >> LEVEL_SHIFT(1);
		}
		if (tbl)
			table_set(p, tbl, g + i, o / 9, newe);
		i += 1ULL << o;
	}
	pool_drain(p);

	/* Tidy: free empty tables, fold full contiguous ones. Each 2 MiB and
	 * 1 GiB block touched is looked at once. */
	for (unsigned int lvl = 0; lvl < 2; lvl++) {
		uint64_t span = 1ULL << LEVEL_SHIFT(lvl + 1);
		uint64_t first = ALIGN_DOWN(g, span), end = g + nr;

		for (uint64_t b = first; b < end; b += span)
			tidy_table(p, b, lvl, removing);
	}
	p->st.updates++;

	if (removing)
		hv_realize_unmap(hv, d, gfn, nr);
	else
		hv_realize_map(hv, d, gfn, mfn, nr,
			       p2m_is_writable(t) ? HV_ACCESS_RW : HV_ACCESS_RO);
	return 0;
}

mfn_t p2m_lookup(struct domain *d, gfn_t gfn, p2m_type_t *tp, unsigned int *order)
{
	struct p2m *p = &d->p2m;
	uint64_t g = gfn_x(gfn);
	uint64_t *t = p->root;

	if (tp)
		*tp = p2m_invalid;
	if (order)
		*order = 0;
	if (!t || g >= p->max_gfn)
		return INVALID_MFN;
	p->st.walks++;
	for (int l = P2M_LEVELS - 1; l >= 0; l--) {
		uint64_t e = t[idx_at(g, (unsigned int)l)];

		if (!pte_valid(e))
			return INVALID_MFN;
		if (l > 0 && pte_table(e)) {
			t = pte_to_table(e);
			continue;
		}
		if (tp)
			*tp = pte_type(e);
		if (order)
			*order = LEVEL_SHIFT((unsigned int)l);
		return mfn_add(pte_mfn(e), (int64_t)(g & ((1ULL << LEVEL_SHIFT((unsigned int)l)) - 1)));
	}
	return INVALID_MFN;
}

mfn_t p2m_lookup_run(struct domain *d, gfn_t gfn, uint64_t max, p2m_type_t *tp, uint64_t *run)
{
	struct p2m *p = &d->p2m;
	uint64_t g = gfn_x(gfn);
	uint64_t *t = p->root;

	*tp = p2m_invalid;
	*run = 1;
	if (!t || g >= p->max_gfn || !max)
		return INVALID_MFN;
	p->st.walks++;
	for (int l = P2M_LEVELS - 1; l >= 0; l--) {
		unsigned int i = idx_at(g, (unsigned int)l);
		uint64_t e = t[i], n;
		mfn_t mfn;

		if (!pte_valid(e))
			return INVALID_MFN;
		if (l > 0 && pte_table(e)) {
			t = pte_to_table(e);
			continue;
		}
		*tp = pte_type(e);
		mfn = mfn_add(pte_mfn(e), (int64_t)(g & ((1ULL << LEVEL_SHIFT((unsigned int)l)) - 1)));
		if (l > 0) {
			n = (1ULL << LEVEL_SHIFT((unsigned int)l)) -
			    (g & ((1ULL << LEVEL_SHIFT((unsigned int)l)) - 1));
		} else {
			/* Along the level-0 table while the entries continue. */
			for (n = 1; i + n < P2M_ENTRIES && n < max; n++) {
				uint64_t f = t[i + n];

				if (!pte_valid(f) || pte_type(f) != *tp ||
				    !mfn_eq(pte_mfn(f), mfn_add(mfn, (int64_t)n)))
					break;
			}
		}
		*run = MIN(n, max);
		return mfn;
	}
	return INVALID_MFN;
}

bool p2m_range_empty(struct domain *d, gfn_t gfn, uint64_t nr)
{
	struct p2m *p = &d->p2m;
	uint64_t g = gfn_x(gfn), end = g + nr;

	if (!p->root)
		return true;
	while (g < end) {
		uint64_t *t = p->root;
		unsigned int l = P2M_LEVELS - 1;

		p->st.walks++;
		for (;;) {
			uint64_t e = t[idx_at(g, l)];

			if (!pte_valid(e))
				break;
			if (l == 0 || !pte_table(e))
				return false; /* a leaf inside the range */
			t = pte_to_table(e);
			l--;
		}
		/* The whole span of the empty slot is free: skip it. */
		g = ALIGN_DOWN(g, 1ULL << LEVEL_SHIFT(l)) + (1ULL << LEVEL_SHIFT(l));
	}
	return true;
}

static int walk(uint64_t *t, unsigned int level, uint64_t base, p2m_leaf_cb cb, void *ctx)
{
	for (unsigned int i = 0; i < P2M_ENTRIES; i++) {
		uint64_t e = t[i];
		uint64_t g = base + ((uint64_t)i << LEVEL_SHIFT(level));
		int rc;

		if (!pte_valid(e))
			continue;
		if (level > 0 && pte_table(e))
			rc = walk(pte_to_table(e), level - 1, g, cb, ctx);
		else
			rc = cb(ctx, _gfn(g), pte_mfn(e), LEVEL_SHIFT(level), pte_type(e));
		if (rc)
			return rc;
	}
	return 0;
}

int p2m_for_each_leaf(struct domain *d, p2m_leaf_cb cb, void *ctx)
{
	if (!d->p2m.root)
		return 0;
	return walk(d->p2m.root, P2M_LEVELS - 1, 0, cb, ctx);
}

struct find_mfn {
	mfn_t mfn;
	gfn_t gfn;
};

static int find_mfn_cb(void *ctx, gfn_t gfn, mfn_t mfn, unsigned int order, p2m_type_t t)
{
	struct find_mfn *f = ctx;

	if (!p2m_is_ram(t) || mfn_x(f->mfn) < mfn_x(mfn) ||
	    mfn_x(f->mfn) >= mfn_x(mfn) + (1ULL << order))
		return 0;
	f->gfn = _gfn(gfn_x(gfn) + (mfn_x(f->mfn) - mfn_x(mfn)));
	return 1;
}

gfn_t p2m_find_mfn(struct domain *d, gfn_t hint, mfn_t mfn)
{
	struct find_mfn f = {.mfn = mfn, .gfn = INVALID_GFN};

	if (!d->p2m.root || gfn_eq(hint, INVALID_GFN))
		return INVALID_GFN;
	if (mfn_eq(p2m_lookup_ram(d, hint, NULL), mfn))
		return hint;
	p2m_for_each_leaf(d, find_mfn_cb, &f);
	return f.gfn;
}

uint64_t p2m_table_bytes(const struct domain *d)
{
	return d->p2m.st.tables * PAGE_SIZE;
}
