/*
 * The small shared helpers of issue 12: the diagnostic formatter
 * (hv/diag.h), the span order (hv/extregion.h) and the CLI's JSON writer
 * (cli/json.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <hv/diag.h>
#include <hv/extregion.h>

#include "json.h"

static void test_diag_cut_and_terminated(void **state)
{
	char buf[8];

	memset(buf, 'z', sizeof(buf));
	diag_fmt(buf, sizeof(buf), "%s %d", "segment", 12345);
	assert_string_equal(buf, "segment");
	diag_fmt(buf, sizeof(buf), "%d", 7);
	assert_string_equal(buf, "7");
}

static void test_diag_no_buffer(void **state)
{
	char buf[4] = "abc";

	/* No buffer, or no room: nothing written, the code still returned. */
	diag_fmt(NULL, 16, "x");
	assert_int_equal(diag_fail(NULL, 0, -EINVAL, "x"), -EINVAL);
	assert_int_equal(diag_fail(buf, 0, -1, "x"), -1);
	assert_string_equal(buf, "abc");
	assert_int_equal(diag_fail(buf, sizeof(buf), -ENOSPC, "n=%u", 5u), -ENOSPC);
	assert_string_equal(buf, "n=5");
}

static void test_span_order(void **state)
{
	struct ext_span s[] = {
		{.start = 0x3000, .size = 0x10},
		{.start = 0x1000, .size = 0x800},
		{.start = 0x1000, .size = 0x100},
		{.start = 0x2000, .size = 0x1},
		{.start = 0x1000, .size = 0x400},
	};
	static const uint64_t start[] = {0x1000, 0x1000, 0x1000, 0x2000, 0x3000};
	static const uint64_t size[] = {0x100, 0x400, 0x800, 0x1, 0x10};

	qsort(s, 5, sizeof(s[0]), ext_span_cmp);
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(s[i].start, start[i]);
		assert_int_equal(s[i].size, size[i]);
	}
	assert_int_equal(ext_span_cmp(&s[0], &s[0]), 0);
	/* No overflow in the difference of far-apart starts. */
	s[0].start = 0;
	s[1].start = UINT64_MAX;
	assert_true(ext_span_cmp(&s[0], &s[1]) < 0);
	assert_true(ext_span_cmp(&s[1], &s[0]) > 0);
}

static void test_json_str(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	json_str(f, "a\"b\\c\n\x01\xc3\xa9");
	fputc(' ', f);
	json_str(f, NULL);
	fputc(' ', f);
	json_hex_pair(f, 0x40000000, 0x1000);
	fclose(f);
	assert_string_equal(out, "\"a\\\"b\\\\c\\u000a\\u0001\xc3\xa9\" \"\" "
				 "[\"0x40000000\",\"0x1000\"]");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diag_cut_and_terminated),
		cmocka_unit_test(test_diag_no_buffer),
		cmocka_unit_test(test_span_order),
		cmocka_unit_test(test_json_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
