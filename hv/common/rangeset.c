/*
 * Rangesets as a sorted array of inclusive ranges.
 *
 * Design: one malloc'd array, ordered by start, grown by doubling. Lookups
 * are binary searches; inserts and deletes move the tail with memmove. The
 * sets in this project hold tens to a few thousand ranges (RAM banks,
 * device registers), so the array beats a list on both speed and memory.
 *
 * Invariants (checked by tests, not at run time):
 *  - r[i].s <= r[i].e for every i;
 *  - r[i].e < r[i + 1].s (sorted, disjoint);
 *  - after add/remove (not the 4.17 emulation) also r[i].e + 1 < r[i + 1].s
 *    (no touching ranges).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hv/rangeset.h>
#include <hv/vec.h>

struct rs_range {
	uint64_t s, e;
};

struct rangeset {
	struct rs_range *r;
	unsigned int nr, cap;
};

struct rangeset *rangeset_new(void)
{
	return calloc(1, sizeof(struct rangeset));
}

void rangeset_free(struct rangeset *rs)
{
	if (!rs)
		return;
	free(rs->r);
	free(rs);
}

static int rs_reserve(struct rangeset *rs, unsigned int extra)
{
	return VEC_RESERVE(rs->r, rs->cap, (size_t)rs->nr + extra, 8);
}

/* Index of the last range with start <= v, or -1 when there is none. */
static int rs_find(const struct rangeset *rs, uint64_t v)
{
	int lo = 0, hi = (int)rs->nr - 1, ans = -1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (rs->r[mid].s <= v) {
			ans = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return ans;
}

static void rs_delete(struct rangeset *rs, unsigned int first, unsigned int n)
{
	memmove(&rs->r[first], &rs->r[first + n],
		(rs->nr - first - n) * sizeof(rs->r[0]));
	rs->nr -= n;
}

/* Caller has reserved room for one more. */
static void rs_insert(struct rangeset *rs, unsigned int at, uint64_t s, uint64_t e)
{
	memmove(&rs->r[at + 1], &rs->r[at], (rs->nr - at) * sizeof(rs->r[0]));
	rs->r[at].s = s;
	rs->r[at].e = e;
	rs->nr++;
}

int rangeset_add_range(struct rangeset *rs, uint64_t s, uint64_t e)
{
	unsigned int first, last;
	int i;

	if (!rs || e < s)
		return -EINVAL;
	if (rs_reserve(rs, 1))
		return -ENOMEM;

	/* first = first range that overlaps or touches [s, e] from the left. */
	i = rs_find(rs, s);
	if (i >= 0 && (rs->r[i].e >= s || rs->r[i].e + 1 == s))
		first = (unsigned int)i;
	else
		first = (unsigned int)(i + 1);

	/* last = last range that starts at or before e + 1 (touching merges). */
	i = rs_find(rs, e == UINT64_MAX ? e : e + 1);
	if (i < (int)first) {
		rs_insert(rs, first, s, e);
		return 0;
	}
	last = (unsigned int)i;
	if (rs->r[first].s < s)
		s = rs->r[first].s;
	if (rs->r[last].e > e)
		e = rs->r[last].e;
	rs->r[first].s = s;
	rs->r[first].e = e;
	if (last > first)
		rs_delete(rs, first + 1, last - first);
	return 0;
}

int rangeset_remove_range(struct rangeset *rs, uint64_t s, uint64_t e)
{
	unsigned int first, last;
	int i;

	if (!rs)
		return -EINVAL;
	if (e < s)
		return 0;

	i = rs_find(rs, s);
	first = (i >= 0 && rs->r[i].e >= s) ? (unsigned int)i : (unsigned int)(i + 1);
	i = rs_find(rs, e);
	if (i < (int)first)
		return 0; /* nothing of [s, e] is in the set */
	last = (unsigned int)i;

	if (first == last && rs->r[first].s < s && rs->r[first].e > e) {
		/* Strictly inside one range: split it. */
		if (rs_reserve(rs, 1))
			return -ENOMEM;
		rs_insert(rs, first + 1, e + 1, rs->r[first].e);
		rs->r[first].e = s - 1;
		return 0;
	}

	/* Trim the ends, then drop whatever is wholly covered. */
	if (rs->r[last].e > e) {
		rs->r[last].s = e + 1;
		if (last == first)
			return 0;
		last--;
	}
	if (rs->r[first].s < s) {
		rs->r[first].e = s - 1;
		first++;
	}
	if (last + 1 > first)
		rs_delete(rs, first, last + 1 - first);
	return 0;
}

/*
 * The 4.17 removal, described by what it does to the sorted list:
 * x = last range with start <= s, y = last range with start <= e (either may
 * be absent; e may be below s for a "zero-size" removal).
 *  - x == y: nothing if absent or x ends before s; split when strictly
 *    inside; drop x when [s, e] covers it from its start; trim otherwise.
 *  - x != y: start from x (or the first range when x is absent). If it
 *    starts before s its end becomes s - 1 whatever it was (the bug), and
 *    the walk continues after it. Every range from there up to y is
 *    dropped, then y starts at e + 1 and is dropped if that empties it.
 *    The walk only moves forward, so if y lies before the starting point
 *    Xen runs off the end of its list: we report -EFAULT instead.
 */
int rangeset_remove_range_xen417(struct rangeset *rs, uint64_t s, uint64_t e,
				 bool *buggy)
{
	int x, y, cur;

	*buggy = false;
	if (!rs)
		return -EINVAL;
	x = rs_find(rs, s);
	y = rs_find(rs, e);

	if (x == y) {
		struct rs_range *r;

		if (x < 0 || rs->r[x].e < s)
			return 0;
		r = &rs->r[x];
		if (r->s < s && r->e > e) {
			if (rs_reserve(rs, 1))
				return -ENOMEM;
			if (e < s)
				*buggy = true; /* zero-size split */
			rs_insert(rs, (unsigned int)x + 1, e + 1, rs->r[x].e);
			rs->r[x].e = s - 1;
		} else if (r->s == s && r->e <= e) {
			rs_delete(rs, (unsigned int)x, 1);
		} else if (r->s == s) {
			r->s = e + 1;
		} else if (r->e <= e) {
			r->e = s - 1;
		}
		return 0;
	}

	cur = x < 0 ? 0 : x;
	if (rs->nr == 0)
		return 0;
	if (y < cur || (rs->r[cur].s < s && y == cur))
		return -EFAULT; /* Xen walks past the end of its list */
	if (rs->r[cur].s < s) {
		if (rs->r[cur].e < s - 1)
			*buggy = true;
		/* Check before modifying: the walk must reach y. */
		if (y < cur + 1)
			return -EFAULT;
		rs->r[cur].e = s - 1;
		cur++;
	}
	/* Drop cur .. y-1, then trim y. */
	if (y > cur) {
		rs_delete(rs, (unsigned int)cur, (unsigned int)(y - cur));
		y = cur;
	}
	if (e == UINT64_MAX)
		*buggy = true; /* e + 1 wraps to 0: the last range is kept whole */
	rs->r[y].s = e + 1;
	if (rs->r[y].s > rs->r[y].e)
		rs_delete(rs, (unsigned int)y, 1);
	return 0;
}

bool rangeset_contains_range(const struct rangeset *rs, uint64_t s, uint64_t e)
{
	int i;

	if (!rs || e < s)
		return false;
	i = rs_find(rs, s);
	return i >= 0 && rs->r[i].e >= e;
}

bool rangeset_overlaps_range(const struct rangeset *rs, uint64_t s, uint64_t e)
{
	int i;

	if (!rs || e < s)
		return false;
	i = rs_find(rs, e);
	return i >= 0 && rs->r[i].e >= s;
}

int rangeset_report_ranges(const struct rangeset *rs, uint64_t s, uint64_t e,
			   rangeset_report_fn cb, void *ctx)
{
	unsigned int k;
	int i, rc = 0;

	if (!rs || e < s)
		return 0;
	i = rs_find(rs, s);
	k = (i >= 0 && rs->r[i].e >= s) ? (unsigned int)i : (unsigned int)(i + 1);
	for (; k < rs->nr && rs->r[k].s <= e && !rc; k++) {
		uint64_t a = rs->r[k].s > s ? rs->r[k].s : s;
		uint64_t b = rs->r[k].e < e ? rs->r[k].e : e;

		rc = cb(a, b, ctx);
	}
	return rc;
}

bool rangeset_is_empty(const struct rangeset *rs)
{
	return !rs || rs->nr == 0;
}

unsigned int rangeset_count(const struct rangeset *rs)
{
	return rs ? rs->nr : 0;
}
