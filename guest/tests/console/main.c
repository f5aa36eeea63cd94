/*
 * Console and the small hypercalls around it: printf formatting, every
 * console_io and sched_op error path, and an unimplemented hypercall,
 * which fail with -ENOSYS and leave the guest running.
 */
#include <string.h>

#include <rt/hypercall.h>
#include <rt/test.h>

#include <public/errno.h>

const char test_title[] = "console_io, sched_op and unknown hypercalls";

static void fmt(const char *want, const char *f, ...) RT_PRINTF(2, 3);
static void fmt(const char *want, const char *f, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, f);
	n = rt_vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	rt_check(!strcmp(buf, want) && n == (int)strlen(want),
		 "format \"%s\" gave \"%s\" (%d), expected \"%s\"", f, buf, n, want);
}

void test_main(void)
{
	char small[4], msg[] = "console_io from the stack\n";
	struct sched_shutdown bad = {.reason = 99};
	long r;

	fmt("42 -7 ff 0XFF 0x1f", "%d %i %x %#X %#x", 42, -7, 255u, 255u, 31u);
	fmt("[   5|5   |00005]", "[%4d|%-4d|%05d]", 5, 5, 5);
	fmt("18446744073709551615 -9223372036854775808", "%llu %lld", ~0ULL,
	    (long long)(-9223372036854775807LL - 1));
	fmt("abc|ab|  x", "%s|%.2s|%3c", "abc", "abc", 'x');
	fmt("%|0|777", "%%|%u|%o", 0u, 0777u);
	rt_check(rt_snprintf(small, sizeof(small), "%s", "truncated") == 9 &&
		 !strcmp(small, "tru"), "truncation gave \"%s\"", small);

	r = HYPERVISOR_console_io(CONSOLEIO_write, (int)strlen(msg), msg);
	rt_check(r == 0, "console_io write returned %ld", r);
	r = rt_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, 16, 0x7fff00000000ULL, 0, 0);
	rt_check(r == -XEN_EFAULT, "console_io from an unmapped buffer returned %ld", r);
	r = HYPERVISOR_console_io(CONSOLEIO_write, 1 << 20, msg);
	rt_check(r == -XEN_EINVAL, "console_io of 1 MiB returned %ld", r);
	r = HYPERVISOR_console_io(77, 1, msg);
	rt_check(r == -XEN_ENOSYS, "console_io command 77 returned %ld", r);
	/* Console input is the console domain's (Dom0's): Xen's dummy XSM
	 * refuses every other domain, and so does memvisor (issue 16). */
	r = HYPERVISOR_console_io(CONSOLEIO_read, (int)sizeof(small), small);
	rt_check(r == -XEN_EPERM, "console_io read by a DomU returned %ld, not -EPERM", r);

	r = HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	rt_check(r == 0, "sched_op yield returned %ld", r);
	r = HYPERVISOR_sched_op(SCHEDOP_shutdown, &bad);
	rt_check(r == -XEN_EINVAL, "shutdown with reason 99 returned %ld", r);
	r = rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x7fff00000000ULL, 0, 0, 0);
	rt_check(r == -XEN_EFAULT, "shutdown with an unmapped argument returned %ld", r);
	r = HYPERVISOR_sched_op(99, NULL);
	rt_check(r == -XEN_ENOSYS, "sched_op 99 returned %ld", r);

	/* An unimplemented hypercall with a stub answers -ENOSYS, as in Xen
	 * (a number past the page stops the domain: see the fault test). */
	r = rt_hypercall(100, 1, 2, 3, 4, 5);
	rt_check(r == -XEN_ENOSYS, "hypercall 100 returned %ld", r);
	rt_printf("still running after an unknown hypercall\n");
}
