/*
 * virtio-blk over IOREQ (issue 15), on the guest program
 * guest/tests/virtio_blk (roles and constants in vb.h): the backend d3
 * pre-maps all of the frontend d1's RAM and serves a virtio-mmio disk
 * from the IOREQs of its server; the frontend's driver writes the whole
 * disk, reads it back, then sends malformed requests. Both run at once.
 * Afterwards (the audit runs after the run) the server must be gone and
 * the frontend keep all of its pages (the pre-mapping took none away).
 */
#include <hv/ioreq.h>
#include <rt/rt.h>

#include "../../guest/tests/virtio_blk/vb.h"
#include "gtest_multi.h"

static int vb_check(struct gmulti *g)
{
	int fails = 0;

	hv_lock(&g->m.hv);
	fails += gmulti_expect(ioreq_server_find(&g->m.hv, VB_FE, 0) == NULL,
			       "the backend's server survived its destruction");
	hv_unlock(&g->m.hv);
	return fails;
}

static const struct gmulti_scenario scenarios[] = {
	{.name = "virtio-blk",
	 .dom = {{.name = "frontend", .domid = VB_FE, .bootargs = "role=fe", .ram = VB_FE_RAM,
		  .virtio_base = VB_MMIO_GPA, .virtio_spi = VB_IRQ},
		 {.name = "backend", .domid = VB_BE, .targets = {VB_FE}, .nr_targets = 1,
		  .bootargs = "role=be"}},
	 .nr = 2,
	 .check = vb_check},
	/* The same with the disk on the backend's VMM block device (a file). */
	{.name = "virtio-blk-file",
	 .dom = {{.name = "frontend", .domid = VB_FE, .bootargs = "role=fe", .ram = VB_FE_RAM,
		  .virtio_base = VB_MMIO_GPA, .virtio_spi = VB_IRQ},
		 {.name = "backend", .domid = VB_BE, .targets = {VB_FE}, .nr_targets = 1,
		  .bootargs = "role=be", .blk_base = VB_BLK_GPA}},
	 .nr = 2,
	 .check = vb_check},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
