/*
 * xenstore across domains on the multi-domain driver (gtest_multi.h): Dom0
 * builds the two DomUs' store pages and ports (HVM params) and serves them, d1 is a well-behaved
 * client, d2 floods its ring (guest/tests/xenstore/main.c has the roles).
 * The guests check the protocol; the driver runs the audit after the phase
 * and requires every frame back after the teardown.
 */
#include <hv/domain.h>
#include <rt/rt.h>

#include "gtest_multi.h"

static const struct gmulti_scenario scenarios[] = {
	{.name = "store",
	 .dom = {{.name = "xenstored", .domid = 0, .ram = 64u << 20, .flags = DOMF_privileged,
		  .targets = {1, 2}, .nr_targets = 2, .bootargs = "role=xenstored", .phase = 0},
		 {.name = "client", .domid = 1, .bootargs = "role=client", .phase = 0},
		 {.name = "flood", .domid = 2, .bootargs = "role=flood", .phase = 0}},
	 .nr = 3},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
