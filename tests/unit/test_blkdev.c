/*
 * The emulated block device (vmm/blkdev.c) on a real hypervisor: register
 * decoding, read/write round trips between guest pages and a temporary
 * host file, bounds (including overflow), bad guest addresses (an error
 * status, the file untouched by a failed write), the scatter-gather pair
 * READV/WRITEV (one command and one request per list, good and bad lists),
 * FLUSH, and the disk-file helper. Zero copy by pinning: the audit run
 * while a command holds its pins (a hook in the device), a page freed and
 * the domain destroyed while pinned, failed commands leave no pins.
 * The builder's memvisor,blk-device / memvisor,dom0-blk-device: the guest
 * DT node, and every refused address (no domain left behind). The audit
 * runs after every step.
 */
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hv/bootinfo.h>
#include <hv/build.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/layout.h>
#include <public/memory.h>
#include <public/xen.h>

#include "blkdev.h"
#include "harness.h"
#include "runner.h"

#define RAM_GFN 0x40000ULL
#define RAM_GPA (RAM_GFN << PAGE_SHIFT)
#define BASE 0x28000000ULL
#define BLOCKS 16ULL

struct fixture {
	struct harness h;
	struct domain *d;
	struct blkdev *dev;
	char path[64];
	int fd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint64_t gfns[4] = {RAM_GFN, RAM_GFN + 1, RAM_GFN + 2, RAM_GFN + 3};

	assert_non_null(f);
	h_init_default(&f->h);
	f->d = h_domain(&f->h, "blk", 0, 4096);
	assert_int_equal(h_reservation(&f->h, f->d, XENMEM_populate_physmap, gfns, 4, 0,
				       DOMID_SELF), 4);
	snprintf(f->path, sizeof(f->path), "/tmp/memvisor-test-blk-XXXXXX");
	f->fd = mkstemp(f->path);
	assert_true(f->fd >= 0);
	assert_int_equal(ftruncate(f->fd, (off_t)(BLOCKS * BLKDEV_BLOCK)), 0);
	f->dev = blkdev_create(f->h.hv, f->d, BASE, f->fd, BLOCKS);
	assert_non_null(f->dev);
	h_audit(&f->h);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	blkdev_destroy(f->dev);
	close(f->fd);
	unlink(f->path);
	h_audit(&f->h);
	h_fini(&f->h);
	free(f);
	return 0;
}

static void wr(struct fixture *f, unsigned int off, uint64_t v)
{
	assert_true(blkdev_mmio_write(f->dev, BASE + off, 8, v));
}

static uint64_t rd(struct fixture *f, unsigned int off)
{
	uint64_t v;

	assert_true(blkdev_mmio_read(f->dev, BASE + off, 8, &v));
	return v;
}

/* Programs and starts one operation; returns STATUS. */
static uint64_t op(struct fixture *f, uint64_t cmd, uint64_t sector, uint64_t gpa, uint64_t count)
{
	wr(f, BLKDEV_REG_SECTOR, sector);
	wr(f, BLKDEV_REG_GPA, gpa);
	wr(f, BLKDEV_REG_COUNT, count);
	wr(f, BLKDEV_REG_CMD, cmd);
	h_audit(&f->h);
	return rd(f, BLKDEV_REG_STATUS);
}

static uint64_t err(int e)
{
	return BLKDEV_ST_ERROR | ((uint64_t)e << BLKDEV_ST_ERR_SHIFT);
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 12));
}

static void test_registers(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	assert_false(blkdev_mmio_read(f->dev, BASE + BLKDEV_WINDOW, 8, &v)); /* not ours */
	assert_false(blkdev_mmio_write(f->dev, BASE - 8, 8, 0));
	assert_int_equal(rd(f, BLKDEV_REG_ID), BLKDEV_ID);
	assert_int_equal(rd(f, BLKDEV_REG_CAPACITY), BLOCKS);
	/* 4-byte halves. */
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_GPA, 4, 0x12345000));
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_GPA + 4, 4, 0x1));
	assert_int_equal(rd(f, BLKDEV_REG_GPA), 0x112345000ULL);
	assert_true(blkdev_mmio_read(f->dev, BASE + BLKDEV_REG_GPA + 4, 4, &v));
	assert_int_equal(v, 1);
	/* Unsupported sizes and misaligned accesses are ignored / read all ones. */
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_SECTOR, 2, 5));
	assert_int_equal(rd(f, BLKDEV_REG_SECTOR), 0);
	assert_true(blkdev_mmio_read(f->dev, BASE + BLKDEV_REG_ID + 2, 4, &v));
	assert_int_equal(v, 0xffffffffULL);
	/* Read-only registers ignore writes; nothing has run yet. */
	wr(f, BLKDEV_REG_CAPACITY, 1000);
	assert_int_equal(rd(f, BLKDEV_REG_CAPACITY), BLOCKS);
	assert_int_equal(rd(f, BLKDEV_REG_STATUS), 0);
	assert_int_equal(rd(f, BLKDEV_REG_OPS), 0);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	uint8_t *g0 = h_va(f->d, RAM_GPA), *g2 = h_va(f->d, RAM_GPA + 2 * PAGE_SIZE);
	uint8_t want[2 * 4096], file[2 * 4096];
	struct blkdev_stats st;

	fill(want, sizeof(want), 0x3c);
	memcpy(g0, want, sizeof(want));
	/* Guest pages 0-1 -> blocks 5-6 of the file. */
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 5, RAM_GPA, 2), BLKDEV_ST_DONE);
	assert_int_equal(pread(f->fd, file, sizeof(file), 5 * 4096), (ssize_t)sizeof(file));
	assert_memory_equal(file, want, sizeof(want));
	/* Blocks 5-6 -> guest pages 2-3. */
	memset(g2, 0, sizeof(want));
	assert_int_equal(op(f, BLKDEV_CMD_READ, 5, RAM_GPA + 2 * PAGE_SIZE, 2), BLKDEV_ST_DONE);
	assert_memory_equal(g2, want, sizeof(want));
	/* The last block, in 4-byte register writes. */
	fill(g0, 4096, 0x99);
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_SECTOR, 4, BLOCKS - 1));
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_SECTOR + 4, 4, 0));
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_GPA, 4, (uint32_t)RAM_GPA));
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_GPA + 4, 4, 0));
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_COUNT, 4, 1));
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_COUNT + 4, 4, 0));
	assert_true(blkdev_mmio_write(f->dev, BASE + BLKDEV_REG_CMD, 4, BLKDEV_CMD_WRITE));
	assert_int_equal(rd(f, BLKDEV_REG_STATUS), BLKDEV_ST_DONE);
	assert_int_equal(pread(f->fd, file, 4096, (off_t)((BLOCKS - 1) * 4096)), 4096);
	assert_memory_equal(file, g0, 4096);
	assert_int_equal(rd(f, BLKDEV_REG_OPS), 3);
	blkdev_get_stats(f->dev, &st);
	assert_int_equal(st.reads, 1);
	assert_int_equal(st.writes, 2);
	assert_int_equal(st.bytes_read, 8192);
	assert_int_equal(st.bytes_written, 12288);
	assert_int_equal(st.errors, 0);
}

static void test_bounds(void **state)
{
	struct fixture *f = *state;
	uint8_t zero[4096] = {0}, file[4096];
	struct blkdev_stats st;

	fill(h_va(f->d, RAM_GPA), 4096, 1);
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, BLOCKS, RAM_GPA, 1), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_READ, BLOCKS, RAM_GPA, 1), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, BLOCKS - 1, RAM_GPA, 2), err(EINVAL));
	/* sector + count wraps to a small number: still beyond the capacity. */
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, UINT64_MAX, RAM_GPA, 2), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_READ, UINT64_MAX - 1, RAM_GPA, 3), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 0, RAM_GPA, 0), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 0, RAM_GPA, BLKDEV_MAX_COUNT + 1), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 0, RAM_GPA, UINT64_MAX), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 0, RAM_GPA + 8, 1), err(EINVAL)); /* unaligned */
	assert_int_equal(op(f, 3, 0, RAM_GPA, 1), err(EINVAL));                     /* no such command */
	assert_int_equal(op(f, 0, 0, RAM_GPA, 1), err(EINVAL));
	/* Nothing reached the file. */
	for (uint64_t b = 0; b < BLOCKS; b++) {
		assert_int_equal(pread(f->fd, file, 4096, (off_t)(b * 4096)), 4096);
		assert_memory_equal(file, zero, 4096);
	}
	blkdev_get_stats(f->dev, &st);
	assert_int_equal(st.errors, 11);
	assert_int_equal(st.reads + st.writes, 0);
	/* The device still works afterwards. */
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, BLOCKS - 1, RAM_GPA, 1), BLKDEV_ST_DONE);
}

static void test_bad_gpa(void **state)
{
	struct fixture *f = *state;
	uint8_t zero[8192] = {0}, file[8192], *g0 = h_va(f->d, RAM_GPA);

	fill(g0, 4 * 4096, 7);
	/* Nothing mapped there: reads and writes fault, nothing moves. */
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 0, 0x90000000ULL, 1), err(EFAULT));
	assert_int_equal(op(f, BLKDEV_CMD_READ, 0, 0x90000000ULL, 1), err(EFAULT));
	/* Beyond the guest-physical address space. */
	assert_int_equal(op(f, BLKDEV_CMD_READ, 0, 1ULL << 62, 1), err(EFAULT));
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 0, ~0xfffULL, 2), err(EFAULT));
	/* The device's own window is not memory. */
	assert_int_equal(op(f, BLKDEV_CMD_READ, 0, BASE, 1), err(EFAULT));
	/* The last page of a write is not RAM: the file keeps its old contents. */
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 2, RAM_GPA + 3 * PAGE_SIZE, 2), err(EFAULT));
	assert_int_equal(pread(f->fd, file, sizeof(file), 2 * 4096), (ssize_t)sizeof(file));
	assert_memory_equal(file, zero, sizeof(file));
	/* Freed guest pages are not memory either. */
	{
		uint64_t gfn = RAM_GFN + 3;

		assert_int_equal(h_reservation(&f->h, f->d, XENMEM_decrease_reservation, &gfn, 1, 0,
					       DOMID_SELF), 1);
		h_audit(&f->h);
	}
	assert_int_equal(op(f, BLKDEV_CMD_READ, 0, RAM_GPA + 3 * PAGE_SIZE, 1), err(EFAULT));
	assert_int_equal(op(f, BLKDEV_CMD_READ, 0, RAM_GPA + 2 * PAGE_SIZE, 1), BLKDEV_ST_DONE);
	assert_memory_equal(h_va(f->d, RAM_GPA + 2 * PAGE_SIZE), zero, 4096);
}

/* A list page at list_gpa naming the guest pages gpas[0..n). */
static void put_list(struct fixture *f, uint64_t list_gpa, const uint64_t *gpas, unsigned int n)
{
	memcpy(h_va(f->d, list_gpa), gpas, n * sizeof(*gpas));
}

/* Scattered guest pages, in any order, to consecutive blocks and back:
 * each command is one request in the statistics. */
static void test_vector(void **state)
{
	struct fixture *f = *state;
	uint64_t list_gpa = RAM_GPA + 3 * PAGE_SIZE;
	uint64_t out[3] = {RAM_GPA + 2 * PAGE_SIZE, RAM_GPA, RAM_GPA + 2 * PAGE_SIZE};
	uint64_t in[2] = {RAM_GPA + PAGE_SIZE, RAM_GPA};
	uint8_t want[3 * 4096], file[3 * 4096];
	struct blkdev_stats st;

	fill(h_va(f->d, RAM_GPA), 4096, 0x11);
	fill(h_va(f->d, RAM_GPA + 2 * PAGE_SIZE), 4096, 0x77);
	memcpy(want, h_va(f->d, RAM_GPA + 2 * PAGE_SIZE), 4096);
	memcpy(want + 4096, h_va(f->d, RAM_GPA), 4096);
	memcpy(want + 8192, h_va(f->d, RAM_GPA + 2 * PAGE_SIZE), 4096);
	put_list(f, list_gpa, out, 3);
	/* Pages 2, 0, 2 -> blocks 4, 5, 6 (a page may be named twice). */
	assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 4, list_gpa, 3), BLKDEV_ST_DONE);
	assert_int_equal(pread(f->fd, file, sizeof(file), 4 * 4096), (ssize_t)sizeof(file));
	assert_memory_equal(file, want, sizeof(file));
	/* Blocks 5, 6 -> pages 1, 0. */
	memset(h_va(f->d, RAM_GPA), 0, 2 * 4096);
	put_list(f, list_gpa, in, 2);
	assert_int_equal(op(f, BLKDEV_CMD_READV, 5, list_gpa, 2), BLKDEV_ST_DONE);
	assert_memory_equal(h_va(f->d, RAM_GPA + PAGE_SIZE), want + 4096, 4096);
	assert_memory_equal(h_va(f->d, RAM_GPA), want + 8192, 4096);
	/* The whole disk at once is still one command: the last block. */
	{
		uint64_t many[BLOCKS];

		for (unsigned int i = 0; i < BLOCKS; i++)
			many[i] = RAM_GPA + (i % 3) * PAGE_SIZE;
		put_list(f, list_gpa, many, BLOCKS);
		assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 0, list_gpa, BLOCKS), BLKDEV_ST_DONE);
		assert_int_equal(pread(f->fd, file, 4096, (BLOCKS - 1) * 4096), 4096);
		assert_memory_equal(file, h_va(f->d, RAM_GPA + ((BLOCKS - 1) % 3) * PAGE_SIZE),
				    4096);
	}
	assert_int_equal(op(f, BLKDEV_CMD_FLUSH, 0, 0, 0), BLKDEV_ST_DONE);
	blkdev_get_stats(f->dev, &st);
	assert_int_equal(st.writes, 2);
	assert_int_equal(st.reads, 1);
	assert_int_equal(st.flushes, 1);
	assert_int_equal(st.bytes_written, (3 + BLOCKS) * 4096);
	assert_int_equal(st.bytes_read, 2 * 4096);
	assert_int_equal(st.errors, 0);
	assert_int_equal(rd(f, BLKDEV_REG_OPS), 4);
}

/* Bad lists: an error status, nothing written, never a host fault. */
static void test_vector_bad(void **state)
{
	struct fixture *f = *state;
	uint64_t list_gpa = RAM_GPA + 3 * PAGE_SIZE;
	uint8_t zero[4 * 4096] = {0}, file[4 * 4096];
	struct blkdev_stats st;
	static const struct {
		uint64_t second;  /* the list's second entry */
		uint64_t err;
	} bad[] = {
		{RAM_GPA + 8, EINVAL},           /* not page aligned */
		{0x90000000ULL, EFAULT},         /* nothing mapped there */
		{BASE, EFAULT},                  /* the device's own window */
		{~0xfffULL, EFAULT},             /* beyond the address space */
		{RAM_GPA + 4 * PAGE_SIZE, EFAULT}, /* just past the RAM */
	};

	fill(h_va(f->d, RAM_GPA), 3 * 4096, 9);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t l[3] = {RAM_GPA, bad[i].second, RAM_GPA + PAGE_SIZE};

		put_list(f, list_gpa, l, 3);
		assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 1, list_gpa, 3), err((int)bad[i].err));
		assert_int_equal(op(f, BLKDEV_CMD_READV, 1, list_gpa, 3), err((int)bad[i].err));
	}
	/* The list page itself: unaligned, not memory, the device window. */
	assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 0, list_gpa + 8, 1), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 0, 0x90000000ULL, 1), err(EFAULT));
	assert_int_equal(op(f, BLKDEV_CMD_READV, 0, BASE, 1), err(EFAULT));
	/* Counts and bounds as for WRITE; the list is not even read. */
	assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 0, list_gpa, 0), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 0, list_gpa, BLKDEV_MAX_COUNT + 1), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_WRITEV, BLOCKS - 1, list_gpa, 2), err(EINVAL));
	assert_int_equal(op(f, BLKDEV_CMD_READV, UINT64_MAX, list_gpa, 2), err(EINVAL));
	/* Nothing reached the file. */
	assert_int_equal(pread(f->fd, file, sizeof(file), 0), (ssize_t)sizeof(file));
	assert_memory_equal(file, zero, sizeof(file));
	blkdev_get_stats(f->dev, &st);
	assert_int_equal(st.errors, 2 * 5 + 7);
	assert_int_equal(st.reads + st.writes + st.flushes, 0);
	/* Still works. */
	{
		uint64_t l[1] = {RAM_GPA};

		put_list(f, list_gpa, l, 1);
		assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 0, list_gpa, 1), BLKDEV_ST_DONE);
		assert_int_equal(pread(f->fd, file, 4096, 0), 4096);
		assert_memory_equal(file, h_va(f->d, RAM_GPA), 4096);
	}
}

/* Data not in the host's page cache (dropped after a flush): the
 * zero-copy attempt cannot take it at once (RWF_NOWAIT), the bounce way
 * does, and the guest gets the same bytes; cached data goes zero-copy
 * where the host allows it. */
static void test_cold_and_cached(void **state)
{
	struct fixture *f = *state;
	uint64_t list_gpa = RAM_GPA + 3 * PAGE_SIZE, l[2] = {RAM_GPA + PAGE_SIZE, RAM_GPA};
	uint8_t want[2 * 4096];
	struct blkdev_stats st;

	fill(want, sizeof(want), 0x42);
	assert_int_equal(pwrite(f->fd, want, sizeof(want), 7 * 4096), (ssize_t)sizeof(want));
	assert_int_equal(fdatasync(f->fd), 0);
	(void)posix_fadvise(f->fd, 0, 0, POSIX_FADV_DONTNEED);
	put_list(f, list_gpa, l, 2);
	assert_int_equal(op(f, BLKDEV_CMD_READV, 7, list_gpa, 2), BLKDEV_ST_DONE);
	assert_memory_equal(h_va(f->d, RAM_GPA + PAGE_SIZE), want, 4096);
	assert_memory_equal(h_va(f->d, RAM_GPA), want + 4096, 4096);
	/* Now cached: again, the same bytes. */
	memset(h_va(f->d, RAM_GPA), 0, 2 * 4096);
	assert_int_equal(op(f, BLKDEV_CMD_READV, 7, list_gpa, 2), BLKDEV_ST_DONE);
	assert_memory_equal(h_va(f->d, RAM_GPA + PAGE_SIZE), want, 4096);
	assert_memory_equal(h_va(f->d, RAM_GPA), want + 4096, 4096);
	blkdev_get_stats(f->dev, &st);
	assert_int_equal(st.reads, 2);
	assert_true(st.zero_copy_bytes <= 2 * sizeof(want));
	printf("zero-copy bytes of the two reads: %llu\n", (unsigned long long)st.zero_copy_bytes);
}

/*
 * Zero copy by pinning (vmm/blkdev.c): while the file I/O runs the frames
 * hold the device's references, the lock is free and the audit counts
 * them; afterwards nothing is pinned.
 */
struct pin_probe {
	struct fixture *f;
	unsigned int calls, pinned;
	uint64_t decrease_gfn; /* 0: none */
};

static void pin_probe(void *arg)
{
	struct pin_probe *pp = arg;
	struct fixture *f = pp->f;

	pp->calls++;
	/* The lock is free here: the audit takes it and must agree. */
	h_audit(&f->h);
	assert_non_null(f->h.hv->pins);
	pp->pinned = f->h.hv->pins->nr;
	if (pp->decrease_gfn) {
		assert_int_equal(h_reservation(&f->h, f->d, XENMEM_decrease_reservation,
					       &pp->decrease_gfn, 1, 0, DOMID_SELF), 1);
		h_audit(&f->h);
	}
}

static uint32_t frame_count(struct fixture *f, uint64_t gfn)
{
	mfn_t m = p2m_lookup(f->d, _gfn(gfn), NULL, NULL);

	return mfn_to_page(&f->h.hv->ft, m)->count;
}

static void test_pinned(void **state)
{
	struct fixture *f = *state;
	struct pin_probe pp = {.f = f};
	uint64_t list_gpa = RAM_GPA + 3 * PAGE_SIZE, l[2] = {RAM_GPA + 2 * PAGE_SIZE, RAM_GPA};
	uint8_t want[2 * 4096], file[2 * 4096];
	uint32_t c0 = frame_count(f, RAM_GFN);
	struct blkdev_stats st;

	blkdev_set_pinned_hook(f->dev, pin_probe, &pp);
	fill(want, sizeof(want), 0x5a);
	memcpy(h_va(f->d, RAM_GPA), want, sizeof(want));
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 3, RAM_GPA, 2), BLKDEV_ST_DONE);
	assert_int_equal(pp.calls, 1);
	assert_int_equal(pp.pinned, 2);
	assert_null(f->h.hv->pins);
	assert_int_equal(frame_count(f, RAM_GFN), c0);
	assert_int_equal(pread(f->fd, file, sizeof(file), 3 * 4096), (ssize_t)sizeof(file));
	assert_memory_equal(file, want, sizeof(file));
	/* Read back, scattered: pages 2 and 0. */
	memset(h_va(f->d, RAM_GPA), 0, 3 * 4096);
	put_list(f, list_gpa, l, 2);
	assert_int_equal(op(f, BLKDEV_CMD_READV, 3, list_gpa, 2), BLKDEV_ST_DONE);
	assert_int_equal(pp.calls, 2);
	assert_int_equal(pp.pinned, 2);
	assert_null(f->h.hv->pins);
	assert_memory_equal(h_va(f->d, RAM_GPA + 2 * PAGE_SIZE), want, 4096);
	assert_memory_equal(h_va(f->d, RAM_GPA), want + 4096, 4096);
	/* Past the end of the file (shortened under the device): zeros. */
	assert_int_equal(ftruncate(f->fd, 4 * 4096), 0);
	fill(h_va(f->d, RAM_GPA), 2 * 4096, 1);
	assert_int_equal(op(f, BLKDEV_CMD_READ, 3, RAM_GPA, 2), BLKDEV_ST_DONE);
	assert_memory_equal(h_va(f->d, RAM_GPA), want, 4096);
	memset(want, 0, 4096);
	assert_memory_equal(h_va(f->d, RAM_GPA + PAGE_SIZE), want, 4096);
	blkdev_get_stats(f->dev, &st);
	/* Every byte of the three commands went without the bounce. */
	assert_int_equal(st.zero_copy_bytes, 6 * 4096);
	assert_int_equal(st.errors, 0);
}

/* The guest frees a page while the device has it pinned: the frame stays
 * allocated (the audit agrees) until the device lets go, the I/O lands
 * in it, and then it is freed; the domain's memory is as the guest left it. */
static void test_pinned_decrease(void **state)
{
	struct fixture *f = *state;
	struct pin_probe pp = {.f = f, .decrease_gfn = RAM_GFN + 1};
	uint8_t want[2 * 4096], file[2 * 4096];
	uint64_t tot = f->d->tot_pages;

	fill(want, sizeof(want), 0x21);
	memcpy(h_va(f->d, RAM_GPA), want, sizeof(want));
	blkdev_set_pinned_hook(f->dev, pin_probe, &pp);
	assert_int_equal(op(f, BLKDEV_CMD_WRITE, 8, RAM_GPA, 2), BLKDEV_ST_DONE);
	assert_int_equal(pp.calls, 1);
	assert_int_equal(pp.pinned, 2);
	assert_null(f->h.hv->pins);
	/* The write saw the page as it was when the command was checked. */
	assert_int_equal(pread(f->fd, file, sizeof(file), 8 * 4096), (ssize_t)sizeof(file));
	assert_memory_equal(file, want, sizeof(file));
	assert_int_equal(f->d->tot_pages, tot - 1);
	/* A read into a page freed meanwhile: the data goes to the orphaned
	 * frame, never to whoever gets it next. */
	pp.decrease_gfn = RAM_GFN + 2;
	assert_int_equal(op(f, BLKDEV_CMD_READ, 8, RAM_GPA + 2 * PAGE_SIZE, 2), BLKDEV_ST_DONE);
	assert_int_equal(pp.calls, 2);
	assert_null(f->h.hv->pins);
	assert_int_equal(f->d->tot_pages, tot - 2);
	assert_memory_equal(h_va(f->d, RAM_GPA + 3 * PAGE_SIZE), want + 4096, 4096);
	/* The freed page is not memory any more. */
	blkdev_set_pinned_hook(f->dev, NULL, NULL);
	assert_int_equal(op(f, BLKDEV_CMD_READ, 0, RAM_GPA + 2 * PAGE_SIZE, 1), err(EFAULT));
}

/* The device's domain is destroyed while a write has its frames pinned
 * (another domain's toolstack could do it while the vCPU is in the host
 * write): the frames outlive the domain until the device lets go, the
 * write gets the guest's data, then the dying domain goes. */
struct destroy_probe {
	struct fixture *f;
	struct domain *d;
	domid_t id;
	unsigned int calls;
};

static void destroy_probe(void *arg)
{
	struct destroy_probe *dp = arg;

	dp->calls++;
	hv_lock(dp->f->h.hv);
	domain_destroy(dp->d);
	hv_unlock(dp->f->h.hv);
	h_audit(&dp->f->h);
	/* Dying, not gone: it still owns the two pinned frames. */
	assert_non_null(domain_by_id(dp->f->h.hv, dp->id));
}

static void test_pinned_destroy(void **state)
{
	struct fixture *f = *state;
	uint64_t gfns[2] = {RAM_GFN, RAM_GFN + 1};
	struct destroy_probe dp = {.f = f};
	uint8_t want[2 * 4096], file[2 * 4096];
	struct blkdev *dev;
	uint64_t status, free0;

	dp.d = h_domain(&f->h, "victim", 0, 4096);
	dp.id = dp.d->id;
	assert_int_equal(h_reservation(&f->h, dp.d, XENMEM_populate_physmap, gfns, 2, 0,
				       DOMID_SELF), 2);
	fill(want, sizeof(want), 0x66);
	memcpy(h_va(dp.d, RAM_GPA), want, sizeof(want));
	dev = blkdev_create(f->h.hv, dp.d, BASE + BLKDEV_WINDOW, f->fd, BLOCKS);
	assert_non_null(dev);
	blkdev_set_pinned_hook(dev, destroy_probe, &dp);
	free0 = f->h.hv->heap.free_pages + f->h.hv->lazy_pages;
	assert_true(blkdev_mmio_write(dev, BASE + BLKDEV_WINDOW + BLKDEV_REG_SECTOR, 8, 10));
	assert_true(blkdev_mmio_write(dev, BASE + BLKDEV_WINDOW + BLKDEV_REG_GPA, 8, RAM_GPA));
	assert_true(blkdev_mmio_write(dev, BASE + BLKDEV_WINDOW + BLKDEV_REG_COUNT, 8, 2));
	assert_true(blkdev_mmio_write(dev, BASE + BLKDEV_WINDOW + BLKDEV_REG_CMD, 8,
				      BLKDEV_CMD_WRITE));
	assert_true(blkdev_mmio_read(dev, BASE + BLKDEV_WINDOW + BLKDEV_REG_STATUS, 8, &status));
	assert_int_equal(status, BLKDEV_ST_DONE);
	assert_int_equal(dp.calls, 1);
	assert_null(f->h.hv->pins);
	assert_int_equal(pread(f->fd, file, sizeof(file), 10 * 4096), (ssize_t)sizeof(file));
	assert_memory_equal(file, want, sizeof(file));
	/* The last reference went with the pins: the domain is gone and its
	 * frames are back in the heap. */
	assert_null(domain_by_id(f->h.hv, dp.id));
	assert_true(f->h.hv->heap.free_pages + f->h.hv->lazy_pages > free0);
	h_audit(&f->h);
	blkdev_destroy(dev);
}

/* Failed commands leave nothing pinned: a bad page after good ones, and a
 * file that refuses the write after the pages were pinned. */
static void test_pinned_errors(void **state)
{
	struct fixture *f = *state;
	struct pin_probe pp = {.f = f};
	uint64_t list_gpa = RAM_GPA + 3 * PAGE_SIZE;
	uint64_t l[3] = {RAM_GPA, RAM_GPA + PAGE_SIZE, 0x90000000ULL};
	uint32_t c0 = frame_count(f, RAM_GFN), c1 = frame_count(f, RAM_GFN + 1);
	struct blkdev *ro;
	int fd;

	blkdev_set_pinned_hook(f->dev, pin_probe, &pp);
	put_list(f, list_gpa, l, 3);
	assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 0, list_gpa, 3), err(EFAULT));
	assert_int_equal(op(f, BLKDEV_CMD_READV, 0, list_gpa, 3), err(EFAULT));
	assert_int_equal(pp.calls, 0);
	assert_null(f->h.hv->pins);
	assert_int_equal(frame_count(f, RAM_GFN), c0);
	assert_int_equal(frame_count(f, RAM_GFN + 1), c1);
	/* A read-only descriptor: the pinned write fails in the host. */
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	ro = blkdev_create(f->h.hv, f->d, BASE + BLKDEV_WINDOW, fd, BLOCKS);
	assert_non_null(ro);
	blkdev_set_pinned_hook(ro, pin_probe, &pp);
	assert_true(blkdev_mmio_write(ro, BASE + BLKDEV_WINDOW + BLKDEV_REG_SECTOR, 8, 0));
	assert_true(blkdev_mmio_write(ro, BASE + BLKDEV_WINDOW + BLKDEV_REG_GPA, 8, RAM_GPA));
	assert_true(blkdev_mmio_write(ro, BASE + BLKDEV_WINDOW + BLKDEV_REG_COUNT, 8, 2));
	assert_true(blkdev_mmio_write(ro, BASE + BLKDEV_WINDOW + BLKDEV_REG_CMD, 8,
				      BLKDEV_CMD_WRITE));
	{
		uint64_t status;

		assert_true(blkdev_mmio_read(ro, BASE + BLKDEV_WINDOW + BLKDEV_REG_STATUS, 8,
					     &status));
		assert_int_equal(status, err(EBADF));
	}
	assert_int_equal(pp.calls, 1);
	assert_int_equal(pp.pinned, 2);
	assert_null(f->h.hv->pins);
	assert_int_equal(frame_count(f, RAM_GFN), c0);
	assert_int_equal(frame_count(f, RAM_GFN + 1), c1);
	h_audit(&f->h);
	blkdev_destroy(ro);
	close(fd);
}

/* A stream of commands: SECTOR moves past each one that succeeded, and
 * STATUS_GPA gets every status in guest memory (checked: a bad address
 * only loses the copy). */
static void test_stream(void **state)
{
	struct fixture *f = *state;
	uint64_t list_gpa = RAM_GPA + 3 * PAGE_SIZE, l[2] = {RAM_GPA, RAM_GPA + PAGE_SIZE};
	uint64_t sgpa = RAM_GPA + 2 * PAGE_SIZE + 64, *word = h_va(f->d, sgpa);
	uint8_t file[2 * 4096];

	fill(h_va(f->d, RAM_GPA), 2 * 4096, 0x21);
	put_list(f, list_gpa, l, 2);
	wr(f, BLKDEV_REG_STATUS_GPA, sgpa);
	assert_int_equal(rd(f, BLKDEV_REG_STATUS_GPA), sgpa);
	assert_int_equal(op(f, BLKDEV_CMD_WRITEV, 3, list_gpa, 2), BLKDEV_ST_DONE);
	assert_int_equal(*word, BLKDEV_ST_DONE);
	assert_int_equal(rd(f, BLKDEV_REG_SECTOR), 5);
	/* The next command of the stream: only CMD written. */
	*word = 0;
	wr(f, BLKDEV_REG_CMD, BLKDEV_CMD_WRITEV);
	assert_int_equal(*word, BLKDEV_ST_DONE);
	assert_int_equal(rd(f, BLKDEV_REG_SECTOR), 7);
	assert_int_equal(pread(f->fd, file, sizeof(file), 5 * 4096), (ssize_t)sizeof(file));
	assert_memory_equal(file, h_va(f->d, RAM_GPA), sizeof(file));
	/* A failure leaves SECTOR and stores the error. */
	assert_int_equal(op(f, BLKDEV_CMD_WRITEV, BLOCKS - 1, list_gpa, 2), err(EINVAL));
	assert_int_equal(*word, err(EINVAL));
	assert_int_equal(rd(f, BLKDEV_REG_SECTOR), BLOCKS - 1);
	/* FLUSH does not move SECTOR. */
	assert_int_equal(op(f, BLKDEV_CMD_FLUSH, 4, 0, 1), BLKDEV_ST_DONE);
	assert_int_equal(rd(f, BLKDEV_REG_SECTOR), 4);
	/* Not memory, or misaligned: no copy, the register still says it. */
	wr(f, BLKDEV_REG_STATUS_GPA, 0x90000000ULL);
	assert_int_equal(op(f, BLKDEV_CMD_READV, 0, list_gpa, 2), BLKDEV_ST_DONE);
	*word = 0;
	wr(f, BLKDEV_REG_STATUS_GPA, sgpa + 4);
	assert_int_equal(op(f, BLKDEV_CMD_READV, 0, list_gpa, 2), BLKDEV_ST_DONE);
	assert_int_equal(*word, 0);
}

/* FLUSH reaches the file (fdatasync); without a disk it is refused. */
static void test_flush(void **state)
{
	struct fixture *f = *state;
	struct blkdev *none = blkdev_create(f->h.hv, f->d, BASE + BLKDEV_WINDOW, -1, 0);
	struct blkdev_stats st;
	uint64_t v;

	assert_int_equal(op(f, BLKDEV_CMD_FLUSH, 0, 0, 0), BLKDEV_ST_DONE);
	assert_int_equal(op(f, BLKDEV_CMD_FLUSH, 123, 7, 999), BLKDEV_ST_DONE); /* ignored */
	blkdev_get_stats(f->dev, &st);
	assert_int_equal(st.flushes, 2);
	assert_int_equal(rd(f, BLKDEV_REG_OPS), 2);
	assert_non_null(none);
	assert_true(blkdev_mmio_write(none, BASE + BLKDEV_WINDOW + BLKDEV_REG_CMD, 8,
				      BLKDEV_CMD_FLUSH));
	assert_true(blkdev_mmio_read(none, BASE + BLKDEV_WINDOW + BLKDEV_REG_STATUS, 8, &v));
	assert_int_equal(v & BLKDEV_ST_ERROR, BLKDEV_ST_ERROR);
	blkdev_get_stats(none, &st);
	assert_int_equal(st.flushes, 0);
	assert_int_equal(st.errors, 1);
	blkdev_destroy(none);
}

/* A file shorter than the capacity (shortened under the device) reads
 * zeros past its end; blkdev_open_file creates and extends, never shrinks. */
static void test_file(void **state)
{
	struct fixture *f = *state;
	uint8_t *g0 = h_va(f->d, RAM_GPA), zero[4096] = {0};
	char path[96];
	struct stat sb;
	int fd;

	fill(g0, 4096, 3);
	assert_int_equal(ftruncate(f->fd, 4096 + 100), 0);
	assert_int_equal(op(f, BLKDEV_CMD_READ, 1, RAM_GPA, 1), BLKDEV_ST_DONE);
	assert_memory_equal(g0, zero, 4096);

	snprintf(path, sizeof(path), "%s.new", f->path);
	unlink(path);
	fd = blkdev_open_file(path, 4);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_size, 4 * 4096);
	close(fd);
	assert_int_equal(truncate(path, 9 * 4096), 0);
	fd = blkdev_open_file(path, 4);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_size, 9 * 4096);
	close(fd);
	unlink(path);
	assert_int_equal(blkdev_open_file("/nonexistent-dir/disk", 4), -ENOENT);
}

/* --- the builder --- */

/* Built with the runner's devices (what memvisor run builds). */
static int sys_build(struct h_sys *s, const char *dts, bool dom0)
{
	return h_sys_build(s, dts, dom0, runner_devices, RUNNER_NR_DEVICES);
}

/* A host with 512 MiB of RAM at 0x30000000; PROP is spliced into /chosen
 * (Dom0's property) or the DomU node. */
#define SYS_HEAD                                                                           \
	"/dts-v1/; / { #address-cells = <2>; #size-cells = <2>;"                           \
	" memory@30000000 { device_type = \"memory\"; reg = <0x0 0x30000000 0x0 0x20000000>; };" \
	" chosen { #address-cells = <2>; #size-cells = <2>;"
#define SYS_DOMU(prop)                                                                     \
	" domU { compatible = \"xen,domain\"; #address-cells = <2>; #size-cells = <2>;"     \
	" memory = <0x0 0x10000>; cpus = <1>; xen,enhanced = \"enabled\"; " prop          \
	" module@4f000000 { compatible = \"multiboot,kernel\", \"multiboot,module\";"       \
	" reg = <0x0 0x4f000000 0x0 0x1000>; }; };"

/* The guest DT of build domain i has blk@addr with the compatible and reg. */
static void assert_blk_node(const struct build_domain *bd, paddr_t addr)
{
	char name[32];
	int node, len;
	const fdt32_t *reg;

	snprintf(name, sizeof(name), "/blk@%llx", (unsigned long long)addr);
	node = fdt_path_offset(bd->dtb, name);
	assert_true(node >= 0);
	assert_int_equal(fdt_node_check_compatible(bd->dtb, node, "memvisor,blk-v1"), 0);
	reg = fdt_getprop(bd->dtb, node, "reg", &len);
	assert_non_null(reg);
	assert_int_equal(len, 16);
	assert_int_equal(((uint64_t)fdt32_to_cpu(reg[0]) << 32) | fdt32_to_cpu(reg[1]), addr);
	assert_int_equal(((uint64_t)fdt32_to_cpu(reg[2]) << 32) | fdt32_to_cpu(reg[3]), 0x1000);
}

static void test_build_domu(void **state)
{
	struct h_sys s;

	(void)state;
	assert_int_equal(sys_build(&s, SYS_HEAD SYS_DOMU("memvisor,blk-device = <0x0 0x28000000>;")
				   " }; };", false), 0);
	assert_int_equal(s.res.nr, 1);
	assert_int_equal(s.res.dom[0].dev_base[RUNNER_DEV_BLK], 0x28000000ULL);
	assert_int_equal(s.res.dom[0].dev_base[RUNNER_DEV_DMA], 0);
	assert_blk_node(&s.res.dom[0], 0x28000000ULL);
	h_sys_fini(&s);
	/* Without the property: no node. */
	assert_int_equal(sys_build(&s, SYS_HEAD SYS_DOMU("") " }; };", false), 0);
	assert_int_equal(s.res.dom[0].dev_base[RUNNER_DEV_BLK], 0);
	assert_true(fdt_path_offset(s.res.dom[0].dtb, "/blk@28000000") < 0);
	h_sys_fini(&s);
}

/*
 * The builder knows no device by name: a device the VMM describes (here an
 * 8 KiB one that memvisor does not have) is placed where its property says,
 * with the VMM's node name, compatible and size; a device property the VMM
 * did not describe is ignored; two described windows that meet are refused.
 */
#define TDEV "memvisor,test-device = <0x0 0x28000000>;"
static void test_build_vmm_devices(void **state)
{
	static const struct build_device tdev[] = {
		{.prop = "memvisor,test-device", .node = "tdev", .compatible = "memvisor,test-v1",
		 .size = 0x2000},
		{.prop = "memvisor,test2-device", .node = "tdev2",
		 .compatible = "memvisor,test2-v1", .size = 0x1000},
	};
	struct h_sys s;
	int node, len;
	const fdt32_t *reg;

	(void)state;
	assert_int_equal(h_sys_build(&s, SYS_HEAD SYS_DOMU(TDEV " memvisor,blk-device = "
							      "<0x0 0x29000000>;") " }; };",
					false, tdev, 1), 0);
	assert_int_equal(s.res.dom[0].dev_base[0], 0x28000000ULL);
	node = fdt_path_offset(s.res.dom[0].dtb, "/tdev@28000000");
	assert_true(node >= 0);
	assert_int_equal(fdt_node_check_compatible(s.res.dom[0].dtb, node, "memvisor,test-v1"), 0);
	reg = fdt_getprop(s.res.dom[0].dtb, node, "reg", &len);
	assert_non_null(reg);
	assert_int_equal(len, 16);
	assert_int_equal(((uint64_t)fdt32_to_cpu(reg[2]) << 32) | fdt32_to_cpu(reg[3]), 0x2000);
	assert_true(fdt_path_offset(s.res.dom[0].dtb, "/blk@29000000") < 0);
	h_sys_fini(&s);
	/* 0x28001000 lies inside the first device's 8 KiB window. */
	assert_int_equal(h_sys_build(&s, SYS_HEAD SYS_DOMU(TDEV " memvisor,test2-device = "
							      "<0x0 0x28001000>;") " }; };",
					false, tdev, 2), -EINVAL);
	assert_non_null(strstr(s.res.err, "share the window"));
	assert_int_equal(s.res.nr, 0);
	h_sys_fini(&s);
}

static void test_build_dom0(void **state)
{
	struct h_sys s;
	const char *dts = SYS_HEAD
		" xen,xen-bootargs = \"dom0_mem=64M\";"
		" memvisor,dom0-blk-device = <0x0 0x28000000>;"
		" module@4f100000 { compatible = \"multiboot,kernel\", \"multiboot,module\";"
		" reg = <0x0 0x4f100000 0x0 0x1000>; }; }; };";

	(void)state;
	assert_int_equal(sys_build(&s, dts, true), 0);
	assert_int_equal(s.res.nr, 1);
	assert_int_equal(s.res.dom[0].d->id, 0);
	assert_int_equal(s.res.dom[0].dev_base[RUNNER_DEV_BLK], 0x28000000ULL);
	assert_blk_node(&s.res.dom[0], 0x28000000ULL);
	h_sys_fini(&s);
}

static void test_build_refused(void **state)
{
	static const char *const bad[] = {
		"memvisor,blk-device = <0x0 0x28000800>;",          /* not page aligned */
		"memvisor,blk-device = <0x0 0x0>;",                 /* zero */
		"memvisor,blk-device = <0x0 0x40000000>;",          /* guest RAM */
		"memvisor,blk-device = <0x0 0x38001000>;",          /* region 0 */
		"memvisor,blk-device = <0x2 0x0>;",                 /* an extended region */
		"memvisor,blk-device = <0x0 0x0 0x28000000>;",      /* three cells */
		"memvisor,blk-device = <0x0 0x20000000>; memvisor,dma-device = <0x0 0x20000000>;",
	};
	char dts[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct h_sys s;

		snprintf(dts, sizeof(dts), "%s" SYS_DOMU("%s") " }; };", SYS_HEAD, bad[i]);
		assert_int_not_equal(sys_build(&s, dts, false), 0);
		assert_int_equal(s.res.nr, 0);
		if (!strstr(s.res.err, "blk-device") && !strstr(s.res.err, "block device"))
			fail_msg("case %zu: unexpected message: %s", i, s.res.err);
		h_sys_fini(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_gpa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vector_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cold_and_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_decrease, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream, setup, teardown),
		cmocka_unit_test(test_build_domu),
		cmocka_unit_test(test_build_dom0),
		cmocka_unit_test(test_build_vmm_devices),
		cmocka_unit_test(test_build_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
