/*
 * Growable arrays: the owner keeps a pointer, a count and a capacity (any
 * unsigned type) and asks for room before appending. Capacity doubles, so
 * appending n elements one at a time copies O(n) elements in all.
 *
 *	if (VEC_RESERVE(v->item, v->cap, v->n + 1, 64))
 *		return -ENOMEM;
 *	v->item[v->n++] = x;
 *
 * On failure nothing changes: the array, its elements and the capacity stay
 * as they were, so the caller's unwinding sees a consistent array.
 *
 * Allocation: VEC_RESERVE uses plain realloc, for code with no struct hv
 * (the boot planner, the CLI) and for the few hypervisor paths that must not
 * fail under failure injection (domain destruction lists foreign maps and
 * BUG()s without memory). Hypervisor paths whose failure is handled use
 * HV_VEC_RESERVE, which goes through hv_realloc and so can be failed by
 * the failure-injection build like every other hv_malloc.
 */
#ifndef HV_VEC_H
#define HV_VEC_H

#include <stddef.h>

struct hv;

/*
 * Makes *arrp (the address of an array pointer; elements of esz bytes,
 * *capp of them allocated) hold at least want elements. The new capacity is
 * first (when *capp is 0) doubled until it reaches want, capped at max.
 * hv, when not NULL, allocates through hv_realloc. 0, or -ENOMEM with
 * nothing changed (no memory, or want > max, or the size overflows).
 */
int vec_grow(struct hv *hv, void *arrp, size_t *capp, size_t want, size_t esz,
	     size_t first, size_t max);

/* vec_grow for an array lvalue arr and a capacity lvalue cap of any
 * unsigned type; the capacity never exceeds what cap's type can hold. */
#define HV_VEC_RESERVE(hv, arr, cap, want, first)                                \
	__extension__({                                                          \
		size_t vec_cap_ = (cap);                                         \
		int vec_rc_ = vec_grow((hv), (void *)&(arr), &vec_cap_, (want),  \
				       sizeof(*(arr)), (first),                  \
				       (size_t)(__typeof__(cap))-1);             \
		(cap) = (__typeof__(cap))vec_cap_;                               \
		vec_rc_;                                                         \
	})
#define VEC_RESERVE(arr, cap, want, first) HV_VEC_RESERVE(NULL, arr, cap, want, first)

#endif
