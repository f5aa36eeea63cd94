/*
 * XTF-style guest tests: a test defines test_title and test_main(); the
 * runtime runs it and prints one final line
 *   Test result: SUCCESS | SKIP | ERROR | FAILURE
 * ERROR means the test could not run properly (an environment problem),
 * FAILURE that what it checked was wrong. The worst reported status wins.
 */
#ifndef RT_TEST_H
#define RT_TEST_H

#include <rt/rt.h>

extern const char test_title[];
void test_main(void);

void rt_test_fail(const char *fmt, ...) RT_PRINTF(1, 2);
void rt_test_error(const char *fmt, ...) RT_PRINTF(1, 2);
void rt_test_skip(const char *fmt, ...) RT_PRINTF(1, 2);

/* Checks cond; on failure reports the message and the line. */
#define rt_check(cond, ...)                                                    \
	do {                                                                   \
		if (!(cond)) {                                                 \
			rt_printf("check failed at %s:%d: ", __FILE__, __LINE__); \
			rt_test_fail(__VA_ARGS__);                             \
		}                                                              \
	} while (0)

/* Checks got == want (both taken as long); on failure reports both, in
 * decimal and hex, then the message and the line. */
#define rt_check_eq(got, want, ...)                                                    \
	do {                                                                           \
		long g_ = (long)(got), w_ = (long)(want);                              \
		if (g_ != w_) {                                                        \
			rt_printf("got %ld (%#lx), expected %ld (%#lx): ", g_,         \
				  (unsigned long)g_, w_, (unsigned long)w_);           \
			rt_check(0, __VA_ARGS__);                                      \
		}                                                                      \
	} while (0)

#endif
