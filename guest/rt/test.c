/*
 * XTF-style test driver: runs test_main() and prints the final status line.
 */
#include <rt/rt.h>
#include <rt/test.h>

enum status { ST_SUCCESS, ST_SKIP, ST_FAILURE, ST_ERROR };

static RT_TLS enum status rt_status;

static void report(enum status st, const char *what, const char *fmt, va_list ap)
{
	rt_printf("%s: ", what);
	rt_vprintf(fmt, ap);
	rt_printf("\n");
	if (st > rt_status)
		rt_status = st;
}

void rt_test_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ST_FAILURE, "FAILURE", fmt, ap);
	va_end(ap);
}

void rt_test_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ST_ERROR, "ERROR", fmt, ap);
	va_end(ap);
}

void rt_test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ST_SKIP, "SKIP", fmt, ap);
	va_end(ap);
}

void rt_main(void)
{
	static const char *const names[] = {"SUCCESS", "SKIP", "FAILURE", "ERROR"};

	rt_status = ST_SUCCESS;
	rt_printf("--- %s ---\n", test_title);
	test_main();
	rt_printf("Test result: %s\n", names[rt_status]);
}
