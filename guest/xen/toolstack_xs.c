/*
 * The toolstack's xenstore hooks over xs_libxl (see xen/toolstack_xs.h).
 * libxl's order: nodes first, then the introduction, so that the domain
 * finds its home when xenstored first serves it; it has not run yet.
 */
#include <string.h>

#include <public/errno.h>
#include <xen/toolstack_xs.h>
#include <xen/xs_libxl.h>

static int vdisk_of(const struct xl_dom *d, unsigned int i, struct xs_libxl_vdisk *v)
{
	const struct xl_disk *k = &d->disk[i];
	int devid = xs_libxl_vdev_devid(k->vdev);

	if (devid < 0)
		return devid;
	*v = (struct xs_libxl_vdisk){.backend_domid = k->backend, .devid = (uint32_t)devid,
				     .vdev = k->vdev, .base = k->base, .irq = k->spi,
				     .writable = k->writable, .params = k->params};
	return 0;
}

static void remove_all(struct xs_client *c, const struct xl_dom *d)
{
	uint16_t be[XL_MAX_DISKS];
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nr_disks; i++) {
		bool seen = false;

		for (unsigned int k = 0; k < n; k++)
			seen |= be[k] == d->disk[i].backend;
		if (!seen)
			be[n++] = d->disk[i].backend;
	}
	xs_libxl_domain_remove(c, d->domid, d->uuid, be, n);
}

static int xs_domain_new(void *ctx, const struct xl_dom *d)
{
	struct xs_client *c = ctx;
	struct xs_libxl_dom x = {.domid = d->domid, .name = d->name,
				 .target_kib = d->memory_kb, .static_max_kib = d->maxmem_kb,
				 .vcpus = d->vcpus, .store_gfn = d->store_gfn,
				 .store_port = d->store_port};
	int rc;

	memcpy(x.uuid, d->uuid, sizeof(x.uuid));
	rc = xs_libxl_domain_write(c, &x);
	for (unsigned int i = 0; i < d->nr_disks && !rc; i++) {
		struct xs_libxl_vdisk v;

		rc = vdisk_of(d, i, &v);
		if (!rc)
			rc = xs_libxl_vdisk_write(c, d->domid, &v);
	}
	if (!rc)
		rc = xs_introduce(c, d->domid, d->store_gfn, d->store_port);
	if (rc)
		remove_all(c, d);
	return rc;
}

static int xs_disk_wait(void *ctx, const struct xl_dom *d, unsigned int i)
{
	struct xs_libxl_vdisk v;
	int rc = vdisk_of(d, i, &v);

	return rc ? rc : xs_libxl_vdisk_wait(ctx, d->domid, &v, XENBUS_STATE_INITWAIT);
}

static void xs_domain_gone(void *ctx, const struct xl_dom *d)
{
	struct xs_client *c = ctx;

	xs_release(c, d->domid); /* -ENOENT: never introduced, or already gone */
	remove_all(c, d);
}

const struct xl_xs_ops xl_xs_libxl_ops = {xs_domain_new, xs_disk_wait, xs_domain_gone};
