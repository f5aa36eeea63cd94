/*
 * Domain control from a running guest (issue 16 item 1), on the
 * multi-domain driver (gtest_multi.h) over guest/tests/domctl: a
 * privileged "toolstack" domain creates, builds, runs (the runner starts
 * them at their unpause) and destroys DC_ROUNDS domains, and one more that
 * spins until destroyed, while a "bystander" domain runs. The guests check the calls;
 * the driver audits after the phase, requires here that only the two
 * declared domains are left, and at the end that the heap and memfd are
 * back where they started.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <hv/hv.h>
#include <rt/rt.h>

#include "../../guest/tests/domctl/dc.h"
#include "gtest_multi.h"

static unsigned int threads_before;

static int before_phase(struct gmulti *g, unsigned int phase)
{
	(void)g;
	if (phase == 0)
		threads_before = gmulti_host_threads();
	return 0;
}

/* Only the two declared domains are left, and every thread the runner
 * made for the created domains (and its service thread) was reaped. */
static int check_only_two(struct gmulti *g)
{
	unsigned int n = 0, others = 0, threads = gmulti_host_threads();
	int fails;

	hv_lock(&g->m.hv);
	for (struct domain *d = g->m.hv.domains; d; d = d->next) {
		n++;
		others += d->id != DC_TOOLSTACK && d->id != DC_BYSTANDER;
	}
	hv_unlock(&g->m.hv);
	fails = gmulti_expect(n == 2 && others == 0,
			      "%u domain(s) left, %u of them made by the toolstack", n, others);
	fails += gmulti_expect(threads == threads_before,
			       "%u host threads after the run, %u before", threads, threads_before);
	return fails;
}

static const struct gmulti_scenario scenarios[] = {
	{.name = "cycles",
	 .dom = {{.name = "toolstack", .domid = DC_TOOLSTACK, .flags = DOMF_privileged,
		  .bootargs = "role=toolstack", .phase = 0},
		 {.name = "bystander", .domid = DC_BYSTANDER, .bootargs = "role=bystander",
		  .phase = 0}},
	 .nr = 2,
	 .before_phase = before_phase,
	 .check = check_only_two},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
