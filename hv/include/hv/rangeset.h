/*
 * Rangesets: sets of inclusive [start, end] uint64_t ranges.
 *
 * A rangeset holds frame numbers or byte addresses (the caller decides and
 * stays consistent). Ranges are kept sorted by start and never overlap;
 * rangeset_add_range() merges touching ranges, so a set built only with
 * add/remove is canonical (no two ranges are adjacent).
 *
 * rangeset_remove_range_xen417() reproduces the removal of Xen 4.17 (before
 * the upstream fix that reached 4.19.3), including its two bugs, so that the
 * planner's 4.17 policy predicts what that release really advertises. It is
 * never used by the hypervisor itself.
 *
 * All functions return 0 or a negative errno (-ENOMEM, -EINVAL). The set is
 * malloc-based and not thread-safe; callers serialise.
 */
#ifndef HV_RANGESET_H
#define HV_RANGESET_H

#include <stdbool.h>
#include <stdint.h>

struct rangeset;

/* A callback for rangeset_report_ranges(); a non-zero return stops the walk
 * and is returned by rangeset_report_ranges(). */
typedef int (*rangeset_report_fn)(uint64_t s, uint64_t e, void *ctx);

/* Empty set, or NULL when out of memory. */
struct rangeset *rangeset_new(void);
/* Frees the set; NULL is accepted. */
void rangeset_free(struct rangeset *rs);

/* Adds [s, e]. -EINVAL when e < s, -ENOMEM on allocation failure (the set is
 * then unchanged). */
int rangeset_add_range(struct rangeset *rs, uint64_t s, uint64_t e);

/* Removes [s, e]. A zero-size removal (e == s - 1, i.e. e < s) is skipped and
 * returns 0, as Xen does since 4.18. -ENOMEM if a split needs memory. */
int rangeset_remove_range(struct rangeset *rs, uint64_t s, uint64_t e);

/*
 * Removal as Xen 4.17 did it, bugs included:
 *  - when [s, e] spans more than one stored range and s is past the end of
 *    the last range starting at or before s, that range is extended up to
 *    s - 1 (over space that had been removed earlier);
 *  - a "zero-size" removal with e == s - 1 is not skipped: it splits a range
 *    containing s into two touching ranges, or, for s == 0 (e wraps to
 *    2^64 - 1), leaves one range [0, end of last range];
 *  - a removal where Xen would dereference a NULL range (it crashes) returns
 *    -EFAULT and leaves the set unchanged.
 * *buggy is set to true when the result differs from a correct removal.
 */
int rangeset_remove_range_xen417(struct rangeset *rs, uint64_t s, uint64_t e,
				 bool *buggy);

/* True when every value of [s, e] is in the set (e >= s). */
bool rangeset_contains_range(const struct rangeset *rs, uint64_t s, uint64_t e);
/* True when at least one value of [s, e] is in the set (e >= s). */
bool rangeset_overlaps_range(const struct rangeset *rs, uint64_t s, uint64_t e);

/* Calls cb for each stored range clipped to [s, e], in ascending order. Touching
 * ranges (possible only after rangeset_remove_range_xen417) are reported
 * separately, as Xen would. Returns 0 or the first non-zero cb result. */
int rangeset_report_ranges(const struct rangeset *rs, uint64_t s, uint64_t e,
			   rangeset_report_fn cb, void *ctx);

bool rangeset_is_empty(const struct rangeset *rs);
/* Number of stored ranges. */
unsigned int rangeset_count(const struct rangeset *rs);

#endif
