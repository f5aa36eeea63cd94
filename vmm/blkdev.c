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
 * checked before anything moves, and the file is reached with one host
 * I/O (the blocks are contiguous in the file; only the guest pages are
 * scattered).
 *
 * Zero copy by pinning: under the lock every page is checked
 * (the checks of copy_*_guest_phys) and its frame gets a reference
 * (guest_phys_pin), then the lock is dropped and one preadv/pwritev moves
 * the data straight between the file and the frames; the references go
 * under the lock afterwards. A write that blocks in the host (dirty
 * throttling, a cold disk) therefore never holds the lock, and one copy is
 * made where the bounce made two. The references keep the frames: a page
 * the guest frees meanwhile (decrease_reservation, the domain destroyed)
 * stays allocated until the last reference drops, so the I/O never
 * touches a frame someone else got; the audit counts the references
 * (hv->pins). A failed check refuses the whole command before any byte
 * moves; a frame that cannot take a reference sends the command the bounce
 * way.
 * Every write to the file runs with the asynchronous signals blocked
 * (write_op), which with the stop-between-exits rule of the transports
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
#include <sys/uio.h>
#include <unistd.h>

#include <hv/guest_access.h>

#include "blkdev.h"
#include "mmioreg.h"

/* A command pins all of its pages at once. */
_Static_assert(GUEST_PINS_MAX >= BLKDEV_MAX_COUNT, "a command has more pages than a pin set holds");

struct blkdev {
	struct hv *hv;
	struct domain *d;
	paddr_t base;
	int fd;
	uint64_t blocks;
	uint64_t sector, gpa, count, status, status_gpa;
	struct blkdev_stats st;
	uint8_t *bounce; /* BLKDEV_MAX_COUNT pages */
	/* The frames of the command in flight (direct_op; empty between
	 * commands, listed on hv->pins while not). */
	struct guest_pins pins;
	void (*pinned_hook)(void *); /* tests: runs while the pins are held */
	void *pinned_arg;
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

/* Guest pages from page `from` on (one buffer at gpa, or the pages of
 * list) <-> the same pages of bounce. */
static int copy_pages(struct blkdev *dev, const uint64_t *list, bool to_guest, uint64_t from)
{
	int rc = 0;

	hv_lock(dev->hv);
	for (uint64_t i = from; i < dev->count && !rc; i++) {
		uint64_t gpa = list ? list[i] : dev->gpa + i * BLKDEV_BLOCK;
		uint8_t *b = dev->bounce + i * BLKDEV_BLOCK;

		rc = to_guest ? copy_to_guest_phys(dev->d, gpa, b, BLKDEV_BLOCK)
			      : copy_from_guest_phys(dev->d, b, gpa, BLKDEV_BLOCK);
	}
	hv_unlock(dev->hv);
	return -rc;
}

/*
 * Moves iov[0..n) to or from the file at off, all of it (a read past the
 * end of the file fills zeros): 0 or a positive errno.
 */
static int file_iov(int fd, struct iovec *iov, unsigned int n, bool rd, off_t off)
{
	while (n) {
		ssize_t done = rd ? preadv(fd, iov, (int)n, off) : pwritev(fd, iov, (int)n, off);

		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0 || (done == 0 && !rd))
			return done < 0 && errno ? errno : EIO;
		if (done == 0) {
			for (unsigned int i = 0; i < n; i++)
				memset(iov[i].iov_base, 0, iov[i].iov_len);
			return 0;
		}
		off += done;
		while (n && (size_t)done >= iov->iov_len) {
			done -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= (size_t)done;
		}
	}
	return 0;
}

/*
 * The zero-copy way: under the lock every page is checked (the checks of
 * copy_*_guest_phys) and its frame pinned (guest_phys_pin); the file I/O
 * runs outside the lock straight on the pinned frames; the pins go under
 * the lock again. Returns the bytes moved (the whole command), 0 when a
 * frame could not be pinned (nothing moved: the bounce way does it), or a
 * negative errno (a page failed its check: nothing moved; or the file
 * failed).
 */
static ssize_t direct_op(struct blkdev *dev, const uint64_t *list, bool rd, off_t off)
{
	struct iovec iov[BLKDEV_MAX_COUNT];
	unsigned int n = 0;
	int rc = 0;

	hv_lock(dev->hv);
	for (uint64_t i = 0; i < dev->count && !rc; i++) {
		uint64_t gpa = list ? list[i] : dev->gpa + i * BLKDEV_BLOCK;
		uint8_t *p = guest_phys_pin(&dev->pins, dev->d, gpa, rd, &rc);

		if (!p)
			break;
		if (n && (uint8_t *)iov[n - 1].iov_base + iov[n - 1].iov_len == p)
			iov[n - 1].iov_len += BLKDEV_BLOCK; /* frames next to each other */
		else
			iov[n++] = (struct iovec){p, BLKDEV_BLOCK};
	}
	if (rc) {
		guest_unpin_all(dev->hv, &dev->pins);
		hv_unlock(dev->hv);
		return rc == -EBUSY ? 0 : rc;
	}
	hv_unlock(dev->hv);
	if (dev->pinned_hook)
		dev->pinned_hook(dev->pinned_arg);
	rc = file_iov(dev->fd, iov, n, rd, off);
	hv_lock(dev->hv);
	guest_unpin_all(dev->hv, &dev->pins);
	hv_unlock(dev->hv);
	if (rc)
		return -rc;
	dev->st.zero_copy_bytes += dev->count * BLKDEV_BLOCK;
	return (ssize_t)(dev->count * BLKDEV_BLOCK);
}

void blkdev_set_pinned_hook(struct blkdev *dev, void (*fn)(void *), void *arg)
{
	dev->pinned_hook = fn;
	dev->pinned_arg = arg;
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

/*
 * A WRITE/WRITEV of len bytes at off: all of it in the file or (an error)
 * none of it from this command; the asynchronous signals are held back
 * for the whole of it (blkdev.h: clean shutdown), so a zero-copy part and
 * a bounced rest are never separated by a stop.
 */
static int write_op(struct blkdev *dev, const uint64_t *list, size_t len, off_t off)
{
	sigset_t all, old;
	ssize_t moved;
	size_t from;
	int rc = 0;

	write_sigmask(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	moved = direct_op(dev, list, false, off);
	if (moved < 0) {
		rc = (int)-moved;
		goto out;
	}
	from = (size_t)moved;
	if (from < len) {
		rc = copy_pages(dev, list, false, from / BLKDEV_BLOCK);
		if (!rc)
			rc = file_write_all(dev->fd, dev->bounce + from, len - from,
					    off + (off_t)from);
	}
out:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
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
		ssize_t moved = direct_op(dev, vec ? list : NULL, true, off);

		if (moved < 0)
			return (int)-moved;
		if ((size_t)moved < len) {
			rc = file_read(dev->fd, dev->bounce, len, off);
			if (!rc)
				rc = copy_pages(dev, vec ? list : NULL, true,
						(uint64_t)moved / BLKDEV_BLOCK);
			if (rc)
				return rc;
		}
		dev->st.reads++;
		dev->st.bytes_read += len;
		return 0;
	}
	rc = write_op(dev, vec ? list : NULL, len, off);
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
	} else {
		dev->status = BLKDEV_ST_DONE;
		if (cmd != BLKDEV_CMD_FLUSH)
			dev->sector += dev->count; /* the next block of a stream */
	}
	if (dev->status_gpa && !(dev->status_gpa & 7)) {
		hv_lock(dev->hv);
		(void)copy_to_guest_phys(dev->d, dev->status_gpa, &dev->status, sizeof(dev->status));
		hv_unlock(dev->hv);
	}
}

static uint64_t *reg(struct blkdev *dev, unsigned int off)
{
	switch (off) {
	case BLKDEV_REG_SECTOR: return &dev->sector;
	case BLKDEV_REG_GPA: return &dev->gpa;
	case BLKDEV_REG_COUNT: return &dev->count;
	case BLKDEV_REG_STATUS_GPA: return &dev->status_gpa;
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
	case BLKDEV_REG_STATUS_GPA: v = dev->status_gpa; break;
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
