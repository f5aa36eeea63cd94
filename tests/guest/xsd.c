/*
 * xenstore as Dom0's service, with a virtio disk found through it, on the
 * multi-domain driver (gtest_multi.h): Dom0 (3 vCPUs) runs xenstored, a
 * toolstack step and the virtio-disk backend; d1 and d2 are frontends
 * served one after the other, d3 shuts down while introduced, d4 floods its ring all along (guest/tests/xsd/main.c has the roles). The
 * guests check the protocol; the driver runs the audit after the phase,
 * requires every frame back after the teardown, and that no IOREQ server
 * is left.
 */
#include <hv/domain.h>
#include <hv/ioreq.h>
#include <rt/rt.h>

#include "../../guest/tests/xsd/xt.h"
#include "gtest_multi.h"

static int xt_check(struct gmulti *g)
{
	int fails = 0;

	hv_lock(&g->m.hv);
	for (domid_t fe = XT_FE1; fe <= XT_FE2; fe++)
		fails += gmulti_expect(ioreq_server_find(&g->m.hv, fe, 0) == NULL,
				       "d%u's IOREQ server survived its session", fe);
	hv_unlock(&g->m.hv);
	return fails;
}

static const struct gmulti_scenario scenarios[] = {
	{.name = "service",
	 .dom = {{.name = "dom0", .domid = 0, .ram = 64u << 20, .flags = DOMF_privileged,
		  .targets = {XT_FE1, XT_FE2, XT_GONE, XT_FLOOD}, .nr_targets = 4,
		  .bootargs = "role=dom0",
		  .cpus = XT_DOM0_CPUS},
		 {.name = "fe1", .domid = XT_FE1, .ram = XT_FE_RAM, .bootargs = "role=fe",
		  .virtio_base = XT_MMIO, .virtio_spi = XT_IRQ},
		 {.name = "fe2", .domid = XT_FE2, .ram = XT_FE_RAM, .bootargs = "role=fe",
		  .virtio_base = XT_MMIO, .virtio_spi = XT_IRQ},
		 {.name = "gone", .domid = XT_GONE, .bootargs = "role=gone"},
		 {.name = "flood", .domid = XT_FLOOD, .bootargs = "role=flood"}},
	 .nr = 5,
	 .check = xt_check},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
