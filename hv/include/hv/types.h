/*
 * Typesafe frame numbers and byte addresses.
 *
 * Machine frames (mfn_t), guest frames (gfn_t) and bus frames (bfn_t) are
 * one-member structs so that mixing them is a compile error. Byte addresses
 * (paddr_t) are a plain integer type of their own; convert with the helpers.
 * This is never turned off, not even in release builds.
 */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define SZ_2M (1ULL << 21)
#define SZ_1G (1ULL << 30)
#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

typedef uint64_t paddr_t;
typedef uint16_t domid_t;

#define TYPESAFE_FRAME(name)                                                   \
	typedef struct {                                                       \
		uint64_t name;                                                 \
	} name##_t;                                                            \
	static inline name##_t _##name(uint64_t v)                             \
	{                                                                      \
		return (name##_t){v};                                          \
	}                                                                      \
	static inline uint64_t name##_x(name##_t f)                            \
	{                                                                      \
		return f.name;                                                 \
	}                                                                      \
	static inline name##_t name##_add(name##_t f, int64_t n)               \
	{                                                                      \
		return (name##_t){f.name + (uint64_t)n};                       \
	}                                                                      \
	static inline bool name##_eq(name##_t a, name##_t b)                   \
	{                                                                      \
		return a.name == b.name;                                       \
	}

TYPESAFE_FRAME(mfn)
TYPESAFE_FRAME(gfn)
TYPESAFE_FRAME(bfn)

#define INVALID_MFN _mfn(~0ULL)
#define INVALID_GFN _gfn(~0ULL)
#define INVALID_BFN _bfn(~0ULL)
#define PRI_mfn "#" PRIx64
#define PRI_gfn "#" PRIx64
#define PRI_bfn "#" PRIx64

static inline paddr_t mfn_to_maddr(mfn_t m) { return mfn_x(m) << PAGE_SHIFT; }
static inline mfn_t maddr_to_mfn(paddr_t a) { return _mfn(a >> PAGE_SHIFT); }
static inline paddr_t gfn_to_gaddr(gfn_t g) { return gfn_x(g) << PAGE_SHIFT; }
static inline gfn_t gaddr_to_gfn(paddr_t a) { return _gfn(a >> PAGE_SHIFT); }

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * Always-on check for hypervisor bugs. Guest mistakes are errnos; a broken
 * invariant of our own aborts, in every build.
 */
void hv_bug(const char *file, int line, const char *cond) __attribute__((noreturn));
#define BUG_ON(c)                                                              \
	do {                                                                   \
		if (__builtin_expect(!!(c), 0))                                \
			hv_bug(__FILE__, __LINE__, #c);                        \
	} while (0)

#endif
