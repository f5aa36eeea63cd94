/*
 * Common start-up for both builds: check the device tree, build the page
 * allocator, run the program, power off.
 */
#include <libfdt.h>

#include <common/fdt_tags.h>

#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/rt.h>
#include <rt/smp.h>

static RT_TLS const void *rt_fdt;

const void *rt_dt(void)
{
	return rt_fdt;
}

void rt_set_dt(const void *fdt)
{
	rt_fdt = fdt;
}

const char *rt_bootargs(void)
{
	int chosen = rt_fdt ? fdt_path_offset(rt_fdt, "/chosen") : -1;
	const char *s = chosen >= 0 ? fdt_getprop(rt_fdt, chosen, "bootargs", NULL) : NULL;

	return s ? s : "";
}

const char *rt_bootarg(const char *key)
{
	const char *s = rt_bootargs();
	size_t n = strlen(key);

	/* A match at the start of the string or after a space only: "role="
	 * must not match inside "xrole=". */
	for (const char *p = strstr(s, key); p; p = strstr(p + 1, key))
		if ((p == s || p[-1] == ' ') && p[n] == '=')
			return p + n + 1;
	return "";
}

bool rt_bootarg_is(const char *val, const char *want)
{
	size_t n = strlen(want);

	return !strncmp(val, want, n) && (val[n] == '\0' || val[n] == ' ');
}

void rt_arch_halt(void) RT_NORETURN;

void rt_shutdown(unsigned int reason)
{
	struct sched_shutdown s = {.reason = reason}; /* stack: guest memory */

	HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
	rt_arch_halt();
}

void rt_crash(const char *fmt, ...)
{
	va_list ap;

	rt_irq_disable(); /* no handler runs in the middle of the report */
	rt_printf("*** guest crash: ");
	va_start(ap, fmt);
	rt_vprintf(fmt, ap);
	va_end(ap);
	rt_printf("\n");
	rt_shutdown(SHUTDOWN_crash);
}

void rt_start(uint64_t dt_gpa, void (*main_fn)(void))
{
	const void *fdt = rt_phys_to_virt(dt_gpa);
	int rc;

	if (!rt_hypercalls_ready())
		rt_arch_halt(); /* no way to say anything */
	rc = fdt_check_header(fdt);
	if (!rc && !fdt_tags_advance(fdt))
		rc = -FDT_ERR_BADSTRUCTURE;
	if (rc)
		rt_crash("bad device tree at %#llx: %s", (unsigned long long)dt_gpa,
			 fdt_strerror(rc));
	rt_fdt = fdt;
	if (rt_mm_init(fdt))
		rt_crash("no usable RAM in the device tree");
	main_fn();
	rt_shutdown(SHUTDOWN_poweroff);
}
