/*
 * xl.cfg parser fuzzer (guest/xen/xlcfg.c). The text reaches Dom0's
 * toolstack from the host console, so any bytes must give either a complete
 * configuration or an error, never a read outside the text or a write
 * outside the structure and the message buffer.
 *
 * Byte 0 chooses the message buffer's size (0..255) so that truncation at
 * every length is exercised; the rest is the config text, passed without a
 * terminating NUL (libFuzzer's buffer is exactly that long, so ASan sees
 * any read past it). Checked after each call: the errno is one the header
 * lists; on error the structure is all zero; on success every string field
 * is terminated inside its array, the counts and ranges hold; the message
 * is terminated inside the buffer and nothing after it was written.
 */
#include <stdlib.h>
#include <string.h>

#include <public/errno.h>
#include <xen/xlcfg.h>

#include "fuzz.h"

#define CHECK(c)                                                                                 \
	do {                                                                                     \
		if (!(c))                                                                        \
			abort();                                                                 \
	} while (0)

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool errno_listed(int rc)
{
	return rc == -XEN_EINVAL || rc == -XEN_EOPNOTSUPP || rc == -XEN_EEXIST ||
	       rc == -XEN_ENAMETOOLONG || rc == -XEN_E2BIG || rc == -XEN_ERANGE;
}

static void check_disk(const struct xlcfg_disk *d)
{
	CHECK(terminated(d->target, sizeof(d->target)));
	CHECK(terminated(d->vdev, sizeof(d->vdev)));
	CHECK(terminated(d->backend, sizeof(d->backend)));
	CHECK(d->vdev[0]);
	CHECK(d->grant_usage >= -1 && d->grant_usage <= 1);
	CHECK(!d->cdrom || d->readonly);
}

/* The message: terminated before errlen, the bytes after the buffer
 * untouched (the canary). */
static void check_err(const char *buf, size_t errlen)
{
	if (errlen)
		CHECK(terminated(buf, errlen));
	for (size_t i = errlen; i < errlen + 16; i++)
		CHECK(buf[i] == 0x5a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xlcfg cfg;
	static struct xlcfg_disk disk;
	char err[256 + 16];
	size_t errlen;
	int rc;

	if (!size)
		return 0;
	errlen = data[0];
	data++;
	size--;

	memset(err, 0x5a, sizeof(err));
	memset(&cfg, 0xa5, sizeof(cfg));
	rc = xlcfg_parse((const char *)data, size, &cfg, errlen ? err : NULL, errlen);
	check_err(err, errlen);
	if (rc) {
		CHECK(errno_listed(rc));
		CHECK(all_zero(&cfg, sizeof(cfg)));
	} else {
		CHECK(terminated(cfg.name, sizeof(cfg.name)) && cfg.name[0]);
		CHECK(terminated(cfg.kernel, sizeof(cfg.kernel)) && cfg.kernel[0]);
		CHECK(terminated(cfg.extra, sizeof(cfg.extra)));
		CHECK(cfg.memory_mib >= 1 && cfg.maxmem_mib >= cfg.memory_mib);
		CHECK(cfg.vcpus >= 1 && cfg.maxvcpus >= cfg.vcpus);
		CHECK(cfg.type == XLCFG_TYPE_PVH || cfg.type == XLCFG_TYPE_HVM);
		CHECK(cfg.nr_disks <= XLCFG_DISKS_MAX);
		for (unsigned int i = 0; i < cfg.nr_disks; i++)
			check_disk(&cfg.disk[i]);
		for (unsigned int i = cfg.nr_disks; i < XLCFG_DISKS_MAX; i++)
			CHECK(all_zero(&cfg.disk[i], sizeof(cfg.disk[i])));
	}

	/* the same bytes as one disk spec */
	memset(err, 0x5a, sizeof(err));
	memset(&disk, 0xa5, sizeof(disk));
	rc = xlcfg_parse_disk((const char *)data, size, &disk, errlen ? err : NULL, errlen);
	check_err(err, errlen);
	if (rc) {
		CHECK(errno_listed(rc));
		CHECK(all_zero(&disk, sizeof(disk)));
	} else {
		check_disk(&disk);
	}
	return 0;
}
