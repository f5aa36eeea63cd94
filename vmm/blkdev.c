/*
 * The emulated block device: register model over a host file.
 *
 * Design: the device state is its registers, the file descriptor and a
 * bounce buffer. An operation is checked completely (command, count,
 * alignment, bounds with overflow) before it touches the file or guest
 * memory. Guest memory is reached only with copy_to_guest_phys/copy_from_guest_phys
 * under the hypervisor lock, so every page is checked against the P2M at
 * the moment of the copy (a buffer the guest unmaps is a fault, not a use
 * after free); the file is read or written outside the lock, so slow host
 * I/O never holds up other domains' hypercalls. WRITE copies the whole
 * guest buffer into the bounce buffer before the file sees a byte, so a
 * faulting WRITE leaves the file as it was.
 *
 * READV/WRITEV are the same operation with the guest side scattered: the
 * list page is copied in first (checked like any buffer), every entry is
 * checked before anything moves, and the file is reached with one
 * pread/pwrite of the bounce buffer (the blocks are contiguous in the file;
 * only the guest pages are scattered), so one command is one host I/O.
 * Every write to the file runs with the asynchronous signals blocked
 * (file_write), which with the stop-between-exits rule of the transports
 * makes a command all-or-nothing on a clean shutdown (blkdev.h).
 *
 * Accesses that are not 4 or 8 bytes, or not naturally aligned, are
 * ignored (reads return all ones), like an unimplemented register.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hv/guest_access.h>

#include "blkdev.h"
#include "mmioreg.h"

struct blkdev {
	struct hv *hv;
	struct domain *d;
	paddr_t base;
	int fd;
	uint64_t blocks;
	uint64_t sector, gpa, count, status;
	struct blkdev_stats st;
	uint8_t *bounce; /* BLKDEV_MAX_COUNT pages */
};

struct blkdev *blkdev_create(struct hv *hv, struct domain *d, paddr_t mmio_base, int fd,
			     uint64_t blocks)
{
	struct blkdev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->bounce = malloc(BLKDEV_MAX_COUNT * BLKDEV_BLOCK);
	if (!dev->bounce) {
		free(dev);
		return NULL;
	}
	dev->hv = hv;
	dev->d = d;
	dev->base = mmio_base;
	dev->fd = fd;
	dev->blocks = blocks;
	return dev;
}

void blkdev_destroy(struct blkdev *dev)
{
	if (!dev)
		return;
	free(dev->bounce);
	free(dev);
}

void blkdev_get_stats(const struct blkdev *dev, struct blkdev_stats *st)
{
	*st = dev->st;
}

int blkdev_open_file(const char *path, uint64_t blocks)
{
	struct stat sb;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) || (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size < blocks * BLKDEV_BLOCK &&
			       ftruncate(fd, (off_t)(blocks * BLKDEV_BLOCK)))) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

/* The whole of [off, off+len) of the file, or a positive errno. Past the
 * end of the file reads zeros (a file someone shortened under us). */
static int file_read(int fd, uint8_t *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno ? errno : EIO;
		if (n == 0) {
			memset(buf, 0, len);
			return 0;
		}
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Signals whose default action would end the process in the middle of a
 * pwrite (a regular file's write stops early when a fatal signal is
 * pending). The synchronous ones are left alone: they are bugs here. */
static void write_sigmask(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGTRAP);
	sigdelset(set, SIGABRT);
}

static int file_write_all(int fd, const uint8_t *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 && errno ? errno : EIO;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* The whole of buf at off, with the asynchronous signals held back until
 * it is in the file (blkdev.h: clean shutdown). */
static int file_write(int fd, const uint8_t *buf, size_t len, off_t off)
{
	sigset_t all, old;
	int rc;

	write_sigmask(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = file_write_all(fd, buf, len, off);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* The list of a READV/WRITEV (checked: entries page aligned) into list. */
static int read_list(struct blkdev *dev, uint64_t *list)
{
	int rc;

	hv_lock(dev->hv);
	rc = copy_from_guest_phys(dev->d, list, dev->gpa, (size_t)dev->count * sizeof(*list));
	hv_unlock(dev->hv);
	if (rc)
		return -rc;
	for (uint64_t i = 0; i < dev->count; i++)
		if (list[i] & (BLKDEV_BLOCK - 1))
			return EINVAL;
	return 0;
}

/* Guest pages (one buffer at gpa, or the pages of list) <-> bounce. */
static int copy_pages(struct blkdev *dev, const uint64_t *list, bool to_guest)
{
	int rc = 0;

	hv_lock(dev->hv);
	for (uint64_t i = 0; i < dev->count && !rc; i++) {
		uint64_t gpa = list ? list[i] : dev->gpa + i * BLKDEV_BLOCK;
		uint8_t *b = dev->bounce + i * BLKDEV_BLOCK;

		rc = to_guest ? copy_to_guest_phys(dev->d, gpa, b, BLKDEV_BLOCK)
			      : copy_from_guest_phys(dev->d, b, gpa, BLKDEV_BLOCK);
	}
	hv_unlock(dev->hv);
	return -rc;
}

static int do_flush(struct blkdev *dev)
{
	int rc;

	do
		rc = fdatasync(dev->fd);
	while (rc && errno == EINTR);
	if (rc)
		return errno == EINVAL || errno == EROFS ? 0 : (errno ? errno : EIO);
	dev->st.flushes++;
	return 0;
}

/* One operation; 0 or a positive errno. */
static int do_op(struct blkdev *dev, uint64_t cmd)
{
	uint64_t list[BLKDEV_MAX_COUNT];
	bool vec = cmd == BLKDEV_CMD_READV || cmd == BLKDEV_CMD_WRITEV;
	bool rd = cmd == BLKDEV_CMD_READ || cmd == BLKDEV_CMD_READV;
	size_t len;
	off_t off;
	int rc;

	if (cmd == BLKDEV_CMD_FLUSH)
		return do_flush(dev);
	if (cmd != BLKDEV_CMD_READ && cmd != BLKDEV_CMD_WRITE && !vec)
		return EINVAL;
	if (!dev->count || dev->count > BLKDEV_MAX_COUNT || (dev->gpa & (BLKDEV_BLOCK - 1)))
		return EINVAL;
	/* sector + count > blocks, written so that it cannot overflow. */
	if (dev->sector > dev->blocks || dev->count > dev->blocks - dev->sector)
		return EINVAL;
	len = (size_t)(dev->count * BLKDEV_BLOCK);
	off = (off_t)(dev->sector * BLKDEV_BLOCK);
	if (vec) {
		rc = read_list(dev, list);
		if (rc)
			return rc;
	}
	if (rd) {
		rc = file_read(dev->fd, dev->bounce, len, off);
		if (!rc)
			rc = copy_pages(dev, vec ? list : NULL, true);
		if (rc)
			return rc;
		dev->st.reads++;
		dev->st.bytes_read += len;
		return 0;
	}
	rc = copy_pages(dev, vec ? list : NULL, false);
	if (rc)
		return rc;
	rc = file_write(dev->fd, dev->bounce, len, off);
	if (rc)
		return rc;
	dev->st.writes++;
	dev->st.bytes_written += len;
	return 0;
}

static void start(struct blkdev *dev, uint64_t cmd)
{
	int e = do_op(dev, cmd);

	if (e) {
		dev->status = BLKDEV_ST_ERROR | ((uint64_t)(e & 0xff) << BLKDEV_ST_ERR_SHIFT);
		dev->st.errors++;
		return;
	}
	dev->status = BLKDEV_ST_DONE;
}

static uint64_t *reg(struct blkdev *dev, unsigned int off)
{
	switch (off) {
	case BLKDEV_REG_SECTOR: return &dev->sector;
	case BLKDEV_REG_GPA: return &dev->gpa;
	case BLKDEV_REG_COUNT: return &dev->count;
	default: return NULL;
	}
}

static bool decode(struct blkdev *dev, paddr_t gpa, unsigned int size, unsigned int *off,
		   unsigned int *shift)
{
	return mmioreg_decode(dev->base, BLKDEV_WINDOW, gpa, size, off, shift);
}

bool blkdev_mmio_write(struct blkdev *dev, paddr_t gpa, unsigned int size, uint64_t val)
{
	unsigned int off, shift;
	uint64_t *r;

	if (!decode(dev, gpa, size, &off, &shift))
		return false;
	if (off == BLKDEV_REG_CMD) {
		/* The low half carries the command; a write to the high half is ignored. */
		if (shift == 0)
			start(dev, size == 8 ? val : (val & 0xffffffffULL));
		return true;
	}
	r = off == MMIOREG_IGNORED ? NULL : reg(dev, off);
	if (r)
		mmioreg_store(r, size, shift, val);
	return true;
}

bool blkdev_mmio_read(struct blkdev *dev, paddr_t gpa, unsigned int size, uint64_t *val)
{
	unsigned int off, shift;
	uint64_t v;

	if (!decode(dev, gpa, size, &off, &shift))
		return false;
	switch (off) {
	case BLKDEV_REG_ID: v = BLKDEV_ID; break;
	case BLKDEV_REG_SECTOR: v = dev->sector; break;
	case BLKDEV_REG_GPA: v = dev->gpa; break;
	case BLKDEV_REG_COUNT: v = dev->count; break;
	case BLKDEV_REG_STATUS: v = dev->status; break;
	case BLKDEV_REG_CAPACITY: v = dev->blocks; break;
	case BLKDEV_REG_OPS: v = dev->st.reads + dev->st.writes + dev->st.flushes; break;
	default: v = ~0ULL; break;
	}
	*val = mmioreg_load(v, size, shift);
	return true;
}

/* --- as a device model (device.h) --- */

static void *blkdev_model_create(struct hv *hv, struct domain *d, paddr_t base,
				 const void *arg)
{
	const struct blkdev_disk *disk = arg;

	return blkdev_create(hv, d, base, disk ? disk->fd : -1, disk ? disk->blocks : 0);
}

VMM_DEVICE_MODEL(blkdev, "block device");
