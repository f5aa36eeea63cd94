/*
 * virtio-blk over IOREQ (issue 15), on the guest program
 * guest/tests/virtio_blk (roles and constants in vb.h): the backend d3
 * pre-maps all of the frontend d1's RAM and serves a virtio-mmio disk
 * from the IOREQs of its server; the frontend's driver writes the whole
 * disk, reads it back, then sends malformed requests. Both run at once.
 * Afterwards (the audit runs after the run) the server must be gone and
 * the frontend keep all of its pages (the pre-mapping took none away).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/*
 * virtio-blk-stop: the run was stopped by its time limit while the
 * frontend kept writing; every request's extent must hold one generation
 * whole (0: never written), the gaps between extents nothing. Prints the
 * generations seen.
 */
static int vb_stop_disk(struct gmulti *g, unsigned int i, int fd)
{
	static uint64_t ext[VB_STOP_SLOT * 64];
	uint64_t lo = UINT64_MAX, hi = 0;
	int fails = 0;

	(void)g;
	(void)i;
	for (unsigned int r = 0; r < VB_STOP_EXTENTS; r++) {
		uint64_t first = (uint64_t)r * VB_STOP_SLOT, gen;

		if (pread(fd, ext, sizeof(ext), (off_t)(first * 512)) != (ssize_t)sizeof(ext))
			return gmulti_expect(false, "cannot read the disk");
		gen = ext[64] ? (ext[64] >> 32) & 0xffff : 0;
		for (unsigned int s = 0; s < VB_STOP_SLOT; s++) {
			bool in = s >= 1 && s < 1 + VB_STOP_REQ_SECTORS;
			unsigned int bad = 0;

			for (unsigned int j = 0; j < 64; j++)
				bad += ext[s * 64 + j] !=
				       (in && gen ? vb_stop_word(gen, first + s, j) : 0);
			if (bad) {
				fails += gmulti_expect(false,
						       "extent %u: sector %u is not of generation "
						       "%llu like its first (a torn request)",
						       r, s, (unsigned long long)gen);
				break;
			}
		}
		lo = gen < lo ? gen : lo;
		hi = gen > hi ? gen : hi;
	}
	printf("virtio-blk-stop: %u extents checked, generations %llu..%llu\n", VB_STOP_EXTENTS,
	       (unsigned long long)lo, (unsigned long long)hi);
	fails += gmulti_expect(hi >= 1, "nothing was written before the stop");
	return fails;
}

/* virtio-blk-sigterm: the process gets SIGTERM 1.5 s into the phase (as
 * from `kill`), while the frontend writes. */
static void *sigterm_later(void *arg)
{
	struct timespec ts = {1, 500000000};
	sigset_t set;

	(void)arg;
	/* Like every thread of the process, not a taker of the stop
	 * signals (runner.h): the kill is then the runner's to handle. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	nanosleep(&ts, NULL);
	kill(getpid(), SIGTERM);
	return NULL;
}

static int vb_sigterm(struct gmulti *g, unsigned int p)
{
	pthread_t th;

	(void)g;
	(void)p;
	if (pthread_create(&th, NULL, sigterm_later, NULL))
		return gmulti_expect(false, "cannot start the SIGTERM thread");
	pthread_detach(th);
	return 0;
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
	/* Stopped at its time limit (the test's --timeout) in the middle of
	 * writing: the disk holds no partially written request. */
	{.name = "virtio-blk-stop",
	 .dom = {{.name = "frontend", .domid = VB_FE, .bootargs = "role=fe-stop", .ram = VB_FE_RAM,
		  .virtio_base = VB_MMIO_GPA, .virtio_spi = VB_IRQ, .expect_crash = "timed out"},
		 {.name = "backend", .domid = VB_BE, .targets = {VB_FE}, .nr_targets = 1,
		  .bootargs = "role=be disk=all", .blk_base = VB_BLK_GPA,
		  .blk_blocks = VB_STOP_BLOCKS, .expect_crash = "timed out"}},
	 .nr = 2,
	 .disk_check = vb_stop_disk},
	/* The same stopped by SIGTERM: the run ends as at its time limit, the
	 * process lives on (the driver checks the disk afterwards). */
	{.name = "virtio-blk-sigterm",
	 .dom = {{.name = "frontend", .domid = VB_FE, .bootargs = "role=fe-stop", .ram = VB_FE_RAM,
		  .virtio_base = VB_MMIO_GPA, .virtio_spi = VB_IRQ,
		  .expect_crash = "stopped by signal 15"},
		 {.name = "backend", .domid = VB_BE, .targets = {VB_FE}, .nr_targets = 1,
		  .bootargs = "role=be disk=all", .blk_base = VB_BLK_GPA,
		  .blk_blocks = VB_STOP_BLOCKS, .expect_crash = "stopped by signal 15"}},
	 .nr = 2,
	 .before_phase = vb_sigterm,
	 .disk_check = vb_stop_disk},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
