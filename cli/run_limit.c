/*
 * memvisor run --limit (see run_limit.h).
 *
 * The guests write every word of their RAM and the backend reads every
 * word it foreign-mapped; each first access to a guest page costs the host
 * a page allocation and zeroing, each first access through another view a
 * page-table entry. A process that does the same work with no guest in
 * between pays exactly those costs once: that is the limit a run is
 * compared with. It runs after the run's own teardown, so the two never
 * compete for memory or CPU.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "run_limit.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int run_limit_measure(uint64_t ram_bytes, uint64_t view_bytes, bool thp, struct run_phases *ph)
{
	uint8_t *ram, *view = NULL;
	uint64_t sum = 0;
	double t0, t1, t2, t3;
	int fd, rc;

	if (!ram_bytes)
		return -EINVAL;
	if (view_bytes > ram_bytes)
		view_bytes = ram_bytes;
	fd = memfd_create("memvisor-limit", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)ram_bytes) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	t0 = now_ms();
	ram = mmap(NULL, ram_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (ram == MAP_FAILED) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (thp)
		madvise(ram, ram_bytes, MADV_HUGEPAGE);
	memset(ram, 0x5a, ram_bytes);
	__asm__ volatile("" : : "r"(ram) : "memory");
	t1 = now_ms();
	if (view_bytes) {
		view = mmap(NULL, view_bytes, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd, 0);
		if (view == MAP_FAILED) {
			rc = -errno;
			munmap(ram, ram_bytes);
			close(fd);
			return rc;
		}
		__asm__ volatile("" : : "r"(view) : "memory");
		for (uint64_t i = 0; i < view_bytes / sizeof(uint64_t); i++)
			sum += ((const uint64_t *)view)[i];
	}
	t2 = now_ms();
	if (view)
		munmap(view, view_bytes);
	munmap(ram, ram_bytes);
	close(fd);
	t3 = now_ms();
	/* Every word was 0x5a...: a sum that says otherwise is a broken host. */
	if (sum != (view_bytes / sizeof(uint64_t)) * 0x5a5a5a5a5a5a5a5aULL)
		return -EIO;
	ph->limit = true;
	ph->limit_ram_bytes = ram_bytes;
	ph->limit_view_bytes = view_bytes;
	ph->limit_touch_ms = t1 - t0;
	ph->limit_view_ms = t2 - t1;
	ph->limit_release_ms = t3 - t2;
	return 0;
}
