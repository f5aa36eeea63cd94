/*
 * Rangeset tests: every operation checked against the whole resulting set,
 * including the Xen 4.17 removal emulation (facts 8.4 and 8.5).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <hv/rangeset.h>

struct r {
	uint64_t s, e;
};

struct dump {
	struct r r[32];
	unsigned int n;
};

static int dump_cb(uint64_t s, uint64_t e, void *ctx)
{
	struct dump *d = ctx;

	if (d->n < 32)
		d->r[d->n] = (struct r){s, e};
	d->n++;
	return 0;
}

static void expect(struct rangeset *rs, const struct r *want, unsigned int n)
{
	struct dump d = {.n = 0};
	unsigned int i;

	assert_int_equal(rangeset_report_ranges(rs, 0, UINT64_MAX, dump_cb, &d), 0);
	assert_int_equal(d.n, n);
	assert_int_equal(rangeset_count(rs), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(d.r[i].s, want[i].s);
		assert_int_equal(d.r[i].e, want[i].e);
	}
}

#define EXPECT(rs, ...)                                                        \
	do {                                                                   \
		static const struct r w_[] = {__VA_ARGS__};                    \
		expect(rs, w_, sizeof(w_) / sizeof(w_[0]));                    \
	} while (0)

static void test_add_merge(void **state)
{
	struct rangeset *rs = rangeset_new();

	assert_true(rangeset_is_empty(rs));
	assert_int_equal(rangeset_add_range(rs, 10, 20), 0);
	assert_int_equal(rangeset_add_range(rs, 30, 40), 0);
	assert_int_equal(rangeset_add_range(rs, 50, 60), 0);
	EXPECT(rs, {10, 20}, {30, 40}, {50, 60});
	/* Touching merges. */
	assert_int_equal(rangeset_add_range(rs, 21, 29), 0);
	EXPECT(rs, {10, 40}, {50, 60});
	/* Spanning several. */
	assert_int_equal(rangeset_add_range(rs, 0, 100), 0);
	EXPECT(rs, {0, 100});
	assert_int_equal(rangeset_add_range(rs, 5, 4), -EINVAL);
	assert_int_equal(rangeset_add_range(rs, UINT64_MAX - 1, UINT64_MAX), 0);
	EXPECT(rs, {0, 100}, {UINT64_MAX - 1, UINT64_MAX});
	rangeset_free(rs);
}

static void test_remove(void **state)
{
	struct rangeset *rs = rangeset_new();

	rangeset_add_range(rs, 0, 99);
	assert_int_equal(rangeset_remove_range(rs, 10, 19), 0);   /* split */
	EXPECT(rs, {0, 9}, {20, 99});
	assert_int_equal(rangeset_remove_range(rs, 0, 4), 0);     /* head */
	EXPECT(rs, {5, 9}, {20, 99});
	assert_int_equal(rangeset_remove_range(rs, 90, 200), 0);  /* tail */
	EXPECT(rs, {5, 9}, {20, 89});
	assert_int_equal(rangeset_remove_range(rs, 7, 30), 0);    /* across */
	EXPECT(rs, {5, 6}, {31, 89});
	assert_int_equal(rangeset_remove_range(rs, 10, 20), 0);   /* in a gap */
	EXPECT(rs, {5, 6}, {31, 89});
	assert_int_equal(rangeset_remove_range(rs, 40, 39), 0);   /* zero size */
	EXPECT(rs, {5, 6}, {31, 89});
	assert_int_equal(rangeset_remove_range(rs, 0, UINT64_MAX), 0);
	assert_true(rangeset_is_empty(rs));
	rangeset_free(rs);
}

static void test_queries(void **state)
{
	struct rangeset *rs = rangeset_new();
	struct dump d = {.n = 0};

	rangeset_add_range(rs, 100, 199);
	rangeset_add_range(rs, 300, 399);
	assert_true(rangeset_contains_range(rs, 100, 199));
	assert_false(rangeset_contains_range(rs, 150, 300));
	assert_true(rangeset_overlaps_range(rs, 150, 300));
	assert_true(rangeset_overlaps_range(rs, 0, 100));
	assert_false(rangeset_overlaps_range(rs, 200, 299));
	assert_false(rangeset_overlaps_range(rs, 400, UINT64_MAX));
	/* Clipped report. */
	rangeset_report_ranges(rs, 150, 349, dump_cb, &d);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.r[0].s, 150);
	assert_int_equal(d.r[0].e, 199);
	assert_int_equal(d.r[1].s, 300);
	assert_int_equal(d.r[1].e, 349);
	rangeset_free(rs);
	assert_true(rangeset_is_empty(NULL));
}

/* Facts 8.4: the removal starts in a gap and ends inside the next range. */
static void test_xen417_gap_bug(void **state)
{
	struct rangeset *rs = rangeset_new();
	bool buggy;

	rangeset_add_range(rs, 0, 0xffff);
	rangeset_remove_range(rs, 0x1000, 0x1fff);            /* gap [0x1000,0x1fff] */
	assert_int_equal(rangeset_remove_range_xen417(rs, 0x1800, 0x27ff, &buggy), 0);
	assert_true(buggy);
	/* The first range grew over the removed gap up to 0x17ff. */
	EXPECT(rs, {0, 0x17ff}, {0x2800, 0xffff});

	/* The same removal done correctly. */
	rangeset_free(rs);
	rs = rangeset_new();
	rangeset_add_range(rs, 0, 0xffff);
	rangeset_remove_range(rs, 0x1000, 0x1fff);
	rangeset_remove_range(rs, 0x1800, 0x27ff);
	EXPECT(rs, {0, 0xfff}, {0x2800, 0xffff});
	rangeset_free(rs);
}

/* Without the gap condition the 4.17 removal is correct. */
static void test_xen417_normal(void **state)
{
	struct rangeset *rs = rangeset_new();
	bool buggy;

	rangeset_add_range(rs, 0, 99);
	assert_int_equal(rangeset_remove_range_xen417(rs, 10, 19, &buggy), 0);
	assert_false(buggy);
	assert_int_equal(rangeset_remove_range_xen417(rs, 5, 30, &buggy), 0);
	assert_false(buggy);
	EXPECT(rs, {0, 4}, {31, 99});
	assert_int_equal(rangeset_remove_range_xen417(rs, 0, 4, &buggy), 0);
	EXPECT(rs, {31, 99});
	rangeset_free(rs);
}

/* Facts 8.5: zero-size removals. */
static void test_xen417_zero_size(void **state)
{
	struct rangeset *rs = rangeset_new();
	bool buggy;

	/* Inside a range: split into two touching ranges. */
	rangeset_add_range(rs, 0, 99);
	assert_int_equal(rangeset_remove_range_xen417(rs, 50, 49, &buggy), 0);
	assert_true(buggy);
	EXPECT(rs, {0, 49}, {50, 99});

	/* At address 0 the end wraps: one range from 0 to the last end. */
	rangeset_free(rs);
	rs = rangeset_new();
	rangeset_add_range(rs, 10, 19);
	rangeset_add_range(rs, 30, 39);
	rangeset_add_range(rs, 50, 59);
	assert_int_equal(rangeset_remove_range_xen417(rs, 0, UINT64_MAX, &buggy), 0);
	assert_true(buggy);
	EXPECT(rs, {0, 59});

	/* Exactly at a range start: Xen dereferences NULL. */
	rangeset_free(rs);
	rs = rangeset_new();
	rangeset_add_range(rs, 10, 19);
	rangeset_add_range(rs, 30, 39);
	assert_int_equal(rangeset_remove_range_xen417(rs, 30, 29, &buggy), -EFAULT);
	EXPECT(rs, {10, 19}, {30, 39}); /* unchanged */
	assert_int_equal(rangeset_remove_range_xen417(rs, 10, 9, &buggy), -EFAULT);
	rangeset_free(rs);
}

/* The correct removal matches a bitmap model on random operations. */
static void test_random_model(void **state)
{
	enum { N = 512 };
	struct rangeset *rs = rangeset_new();
	unsigned char model[N] = {0};
	unsigned int seed = 1, op;

	for (op = 0; op < 4000; op++) {
		unsigned int a, b, i;
		struct dump d = {.n = 0};

		seed = seed * 1103515245 + 12345;
		a = (seed >> 8) % N;
		seed = seed * 1103515245 + 12345;
		b = a + (seed >> 8) % 40;
		if (b >= N)
			b = N - 1;
		if (op % 3) {
			assert_int_equal(rangeset_add_range(rs, a, b), 0);
			for (i = a; i <= b; i++)
				model[i] = 1;
		} else {
			assert_int_equal(rangeset_remove_range(rs, a, b), 0);
			for (i = a; i <= b; i++)
				model[i] = 0;
		}
		for (i = 0; i < N; i++)
			assert_int_equal(rangeset_contains_range(rs, i, i), model[i]);
		/* Canonical: no touching ranges. */
		rangeset_report_ranges(rs, 0, UINT64_MAX, dump_cb, &d);
		for (i = 1; i < d.n && i < 32; i++)
			assert_true(d.r[i - 1].e + 1 < d.r[i].s);
	}
	rangeset_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_merge),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_xen417_gap_bug),
		cmocka_unit_test(test_xen417_normal),
		cmocka_unit_test(test_xen417_zero_size),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
