/*
 * BFN -> MFN tables (see iommu_pt.h for the format and the two-phase rule).
 *
 * Each table keeps the number of its valid entries in the otherwise unused
 * bits 52-61 of its entry 0, so a clear can tell in O(1) whether the table
 * became empty and give it back to the pool; the accessors below hide those
 * bits from everything else.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hv/hv.h>

#include "iommu_pt.h"

#define PT_ENTRIES 512
#define PT_POOL_KEEP 32 /* spare tables kept after an update */
#define CNT_SHIFT 52
#define CNT_MASK (0x3ffULL << CNT_SHIFT)

static inline unsigned int idx_at(uint64_t bfn, unsigned int level)
{
	return (unsigned int)((bfn >> (9u * level)) & (PT_ENTRIES - 1));
}

static inline uint64_t ent(const uint64_t *t, unsigned int i) { return t[i] & ~CNT_MASK; }
static inline unsigned int tcount(const uint64_t *t) { return (unsigned int)(t[0] >> CNT_SHIFT); }
static inline void tcount_add(uint64_t *t, int delta)
{
	uint64_t c = (uint64_t)((int64_t)tcount(t) + delta);

	BUG_ON(c > PT_ENTRIES);
	t[0] = (t[0] & ~CNT_MASK) | (c << CNT_SHIFT);
}

static inline void set_ent(uint64_t *t, unsigned int i, uint64_t e)
{
	bool was = ent(t, i) & IOPTE_V, is = e & IOPTE_V;

	t[i] = (t[i] & CNT_MASK) | e;
	if (was != is)
		tcount_add(t, is ? 1 : -1);
}

static inline bool is_table(uint64_t e) { return (e & (IOPTE_V | IOPTE_TABLE)) == (IOPTE_V | IOPTE_TABLE); }
static inline uint64_t *to_table(uint64_t e) { return (uint64_t *)(uintptr_t)(e & IOPTE_ADDR); }
static inline uint64_t mk_table(uint64_t *t)
{
	uint64_t a = (uint64_t)(uintptr_t)t;

	BUG_ON(a & ~IOPTE_ADDR);
	return a | IOPTE_TABLE | IOPTE_V;
}

static uint64_t *take(struct iommu_pt *pt)
{
	BUG_ON(pt->pool_nr == 0); /* the reserve was too small: a bug of ours */
	pt->st.tables++;
	return pt->pool[--pt->pool_nr];
}

/* An empty table goes back to the pool (already zero) or is freed. */
static void give(struct iommu_pt *pt, uint64_t *t)
{
	pt->st.tables--;
	memset(t, 0, PAGE_SIZE);
	if (pt->pool_nr < pt->pool_cap && pt->pool_nr < PT_POOL_KEEP)
		pt->pool[pt->pool_nr++] = t;
	else
		free(t);
}

int iommu_pt_init(struct hv *hv, struct iommu_pt *pt)
{
	memset(pt, 0, sizeof(*pt));
	pt->root = hv_alloc_table(hv);
	if (!pt->root)
		return -ENOMEM;
	pt->pool = hv_calloc(hv, PT_POOL_KEEP, sizeof(*pt->pool));
	if (!pt->pool) {
		free(pt->root);
		pt->root = NULL;
		return -ENOMEM;
	}
	pt->pool_cap = PT_POOL_KEEP;
	pt->st.tables = 1;
	return 0;
}

static void free_tree(struct iommu_pt *pt, uint64_t *t, unsigned int level)
{
	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = ent(t, i);

		if (!(e & IOPTE_V))
			continue;
		if (level > 0 && is_table(e))
			free_tree(pt, to_table(e), level - 1);
		else
			pt->st.leaves[level]--;
	}
	pt->st.tables--;
	free(t);
}

void iommu_pt_teardown(struct iommu_pt *pt)
{
	if (pt->root)
		free_tree(pt, pt->root, IOMMU_PT_LEVELS - 1);
	pt->root = NULL;
	while (pt->pool_nr)
		free(pt->pool[--pt->pool_nr]);
	hv_free(pt->pool);
	pt->pool = NULL;
	pt->pool_cap = 0;
}

uint64_t iommu_pt_lookup(const struct iommu_pt *pt, bfn_t b, unsigned int *order)
{
	const uint64_t *t = pt->root;
	uint64_t bfn = bfn_x(b);

	if (!t || bfn >> IOMMU_PT_BFN_BITS)
		return 0;
	for (int l = IOMMU_PT_LEVELS - 1; l >= 0; l--) {
		uint64_t e = ent(t, idx_at(bfn, (unsigned int)l));

		if (!(e & IOPTE_V))
			return 0;
		if (l > 0 && is_table(e)) {
			t = to_table(e);
			continue;
		}
		if (order)
			*order = 9u * (unsigned int)l;
		return e;
	}
	return 0;
}

unsigned int iommu_pt_need(const struct iommu_pt *pt, bfn_t b, unsigned int order, bool clear)
{
	const uint64_t *t = pt->root;
	uint64_t bfn = bfn_x(b);
	unsigned int lvl = order / 9;

	/* Walking down, the first level with no table below needs one new
	 * table (created, or split from a leaf) per level left above lvl. */
	for (unsigned int l = IOMMU_PT_LEVELS - 1; l > lvl; l--) {
		uint64_t e = ent(t, idx_at(bfn, l));

		if (!(e & IOPTE_V))
			return clear ? 0 : l - lvl;
		if (!is_table(e))
			return l - lvl;
		t = to_table(e);
	}
	return 0;
}

int iommu_pt_reserve(struct hv *hv, struct iommu_pt *pt, unsigned int n)
{
	if (n > pt->pool_cap) {
		uint64_t **np = hv_malloc(hv, n * sizeof(*np));

		if (!np)
			return -ENOMEM;
		memcpy(np, pt->pool, pt->pool_nr * sizeof(*np));
		hv_free(pt->pool);
		pt->pool = np;
		pt->pool_cap = n;
	}
	while (pt->pool_nr < n) {
		uint64_t *t = hv_alloc_table(hv);

		if (!t)
			return -ENOMEM; /* what was added stays in the pool */
		pt->pool[pt->pool_nr++] = t;
	}
	return 0;
}

void iommu_pt_write(struct iommu_pt *pt, bfn_t b, unsigned int order, uint64_t e)
{
	uint64_t *path[IOMMU_PT_LEVELS];
	uint64_t bfn = bfn_x(b);
	unsigned int lvl = order / 9;
	uint64_t *t = pt->root;
	unsigned int l;

	BUG_ON(order % 9 || lvl > 1 || !IS_ALIGNED(bfn, 1ULL << order) || bfn >> IOMMU_PT_BFN_BITS);
	for (l = IOMMU_PT_LEVELS - 1; l > lvl; l--) {
		unsigned int i = idx_at(bfn, l);
		uint64_t cur = ent(t, i);

		path[l] = t;
		if (!(cur & IOPTE_V)) {
			if (!e)
				return; /* nothing below to clear */
			set_ent(t, i, mk_table(take(pt)));
		} else if (!is_table(cur)) {
			/* A 2 MiB leaf over the target: split it into 512
			 * leaves with the same flags, then go on into it. */
			uint64_t *nt = take(pt);
			uint64_t step = 1ULL << (9u * (l - 1));

			for (unsigned int k = 0; k < PT_ENTRIES; k++)
				set_ent(nt, k, iopte_leaf(mfn_add(iopte_mfn(cur), (int64_t)(k * step)), cur));
			pt->st.leaves[l]--;
			pt->st.leaves[l - 1] += PT_ENTRIES;
			pt->st.shattered++;
			set_ent(t, i, mk_table(nt));
		}
		t = to_table(ent(t, i));
	}

	unsigned int i = idx_at(bfn, lvl);
	uint64_t old = ent(t, i);

	if (old & IOPTE_V) {
		if (lvl > 0 && is_table(old))
			free_tree(pt, to_table(old), lvl - 1);
		else
			pt->st.leaves[lvl]--;
	}
	set_ent(t, i, e);
	if (e) {
		pt->st.leaves[lvl]++;
		return;
	}
	/* Give back tables the clear left empty, bottom up (never the root). */
	for (l = lvl + 1; l < IOMMU_PT_LEVELS && tcount(t) == 0; l++) {
		uint64_t *parent = path[l];
		unsigned int pi = idx_at(bfn, l);

		give(pt, t);
		set_ent(parent, pi, 0);
		t = parent;
	}
}

static int walk(const uint64_t *t, unsigned int level, uint64_t base, iommu_pt_cb cb, void *ctx)
{
	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = ent(t, i), b = base + ((uint64_t)i << (9u * level));
		int rc;

		if (!(e & IOPTE_V))
			continue;
		if (level > 0 && is_table(e))
			rc = walk(to_table(e), level - 1, b, cb, ctx);
		else
			rc = cb(ctx, _bfn(b), 9u * level, e);
		if (rc)
			return rc;
	}
	return 0;
}

int iommu_pt_for_each(const struct iommu_pt *pt, iommu_pt_cb cb, void *ctx)
{
	return pt->root ? walk(pt->root, IOMMU_PT_LEVELS - 1, 0, cb, ctx) : 0;
}
