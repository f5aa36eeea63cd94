/*
 * Growable arrays (hv/vec.h): growth by doubling from the first size,
 * capacities of narrow types, and failure leaving the array as it was
 * (a capacity that cannot hold the size asked for, and, in the
 * failure-injection build, an injected hv_realloc failure).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <hv/hv.h>
#include <hv/vec.h>

struct item {
	uint64_t a, b;
};

static void test_doubling(void **state)
{
	struct item *v = NULL;
	size_t n = 0, cap = 0;

	for (unsigned int i = 0; i < 100; i++) {
		assert_int_equal(VEC_RESERVE(v, cap, n + 1, 8), 0);
		v[n++] = (struct item){i, ~(uint64_t)i};
		/* 8, then doubled: the capacity is the first power-of-two
		 * multiple of 8 that holds every element. */
		assert_true(cap >= n);
		assert_true(cap == 8 || cap / 2 < n);
		assert_int_equal(cap % 8, 0);
	}
	assert_int_equal(cap, 128);
	for (unsigned int i = 0; i < 100; i++) {
		assert_int_equal(v[i].a, i);
		assert_int_equal(v[i].b, ~(uint64_t)i);
	}
	/* Room already there: nothing moves. */
	{
		struct item *before = v;

		assert_int_equal(VEC_RESERVE(v, cap, 128, 8), 0);
		assert_ptr_equal(v, before);
		assert_int_equal(cap, 128);
	}
	/* A jump past several doublings lands on the first one that fits. */
	assert_int_equal(VEC_RESERVE(v, cap, 1000, 8), 0);
	assert_int_equal(cap, 1024);
	assert_int_equal(v[99].a, 99);
	free(v);
}

static void test_narrow_capacity(void **state)
{
	char *v = NULL;
	uint8_t cap = 0;

	assert_int_equal(VEC_RESERVE(v, cap, 100, 16), 0);
	assert_int_equal(cap, 128);
	/* 255 is all a uint8_t holds: the capacity stops there... */
	assert_int_equal(VEC_RESERVE(v, cap, 200, 16), 0);
	assert_int_equal(cap, 255);
	v[254] = 'x';
	/* ...and more is refused with the array untouched. */
	assert_int_equal(VEC_RESERVE(v, cap, 256, 16), -ENOMEM);
	assert_int_equal(cap, 255);
	assert_int_equal(v[254], 'x');
	free(v);
}

static void test_size_overflow(void **state)
{
	struct item *v = NULL;
	size_t cap = 0;

	assert_int_equal(VEC_RESERVE(v, cap, 4, 4), 0);
	v[3].a = 7;
	assert_int_equal(VEC_RESERVE(v, cap, SIZE_MAX / sizeof(*v) + 1, 4), -ENOMEM);
	assert_int_equal(cap, 4);
	assert_int_equal(v[3].a, 7);
	free(v);
}

static void test_hv_injected_failure(void **state)
{
#ifdef HV_FAILINJECT
	struct hv hv = {0};
	struct item *v = NULL;
	unsigned int cap = 0;

	assert_int_equal(HV_VEC_RESERVE(&hv, v, cap, 2, 2), 0);
	v[1].a = 5;
	/* The next allocation fails: the array and capacity stay. */
	hv.fi_calls = 0;
	hv.fi_nth = 1;
	assert_int_equal(HV_VEC_RESERVE(&hv, v, cap, 3, 2), -ENOMEM);
	assert_int_equal(hv.fi_failed, 1);
	assert_int_equal(cap, 2);
	assert_int_equal(v[1].a, 5);
	/* Room already there costs no allocation, so nothing is injected. */
	hv.fi_calls = 0;
	hv.fi_nth = 1;
	assert_int_equal(HV_VEC_RESERVE(&hv, v, cap, 2, 2), 0);
	assert_int_equal(hv.fi_calls, 0);
	hv.fi_nth = 0;
	assert_int_equal(HV_VEC_RESERVE(&hv, v, cap, 3, 2), 0);
	assert_int_equal(cap, 4);
	assert_int_equal(v[1].a, 5);
	free(v);
#else
	print_message("skipped: only the failure-injection build can fail hv_realloc\n");
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubling),
		cmocka_unit_test(test_narrow_capacity),
		cmocka_unit_test(test_size_overflow),
		cmocka_unit_test(test_hv_injected_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
