/*
 * The toolstack library from a running Dom0 (issue 16 items 2 and 6), on
 * the multi-domain driver over guest/tests/toolstack: the privileged
 * domain creates DomUs from xl.cfg text, they run hello (its ELF loaded
 * through foreign mappings; in process the built-in hello the kernel name
 * picks, below), are listed and destroyed, then TS_CYCLES cycles and an
 * over-memory config. After the phase: only the toolstack's domain is
 * left, every thread the runner made for the created domains is reaped;
 * the driver then requires the heap and memfd back where they started.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hv/hv.h>
#include <rt/hosted.h>
#include <rt/rt.h>

#include "../../guest/tests/toolstack/ts.h"
#include "gtest_multi.h"

/* In process, the toolstack's kernel "guest/hello.elf" runs the hosted
 * hello, as memvisor's own table (cli/hosted_programs.c) would pick it. */
void hello_main(void);
RT_HOSTED_ENTRY(hello_entry, hello_main)

uint64_t rt_hosted_program_entry(const char *kernel_path)
{
	const char *base = strrchr(kernel_path, '/');

	base = base ? base + 1 : kernel_path;
	return strncmp(base, "hello", 5) ? 0 : (uint64_t)(uintptr_t)hello_entry;
}

static unsigned int threads_before;

static int before_phase(struct gmulti *g, unsigned int phase)
{
	(void)g;
	if (phase == 0)
		threads_before = gmulti_host_threads();
	return 0;
}

static int check_only_dom0(struct gmulti *g)
{
	unsigned int n = 0, others = 0, threads = gmulti_host_threads();
	int fails;

	hv_lock(&g->m.hv);
	for (struct domain *d = g->m.hv.domains; d; d = d->next) {
		n++;
		others += d->id != TS_DOM0;
	}
	hv_unlock(&g->m.hv);
	fails = gmulti_expect(n == 1 && others == 0, "%u domain(s) left, %u made by the toolstack",
			      n, others);
	fails += gmulti_expect(threads == threads_before,
			       "%u host threads after the run, %u before", threads, threads_before);
	return fails;
}

static const struct gmulti_scenario scenarios[] = {
	{.name = "cycles",
	 .dom = {{.name = "dom0", .domid = TS_DOM0, .flags = DOMF_privileged, .ram = 64ULL << 20,
		  .phase = 0}},
	 .nr = 1,
	 .before_phase = before_phase,
	 .check = check_only_dom0},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
