/*
 * The plan of a libxl-created DomU (design: domu_plan.h).
 *
 * Design: the plan is computed from the parsed config (guest/xen/xlcfg.c,
 * the parser the toolstack uses) with the code the toolstack runs too:
 * libxl_ram_banks() for the RAM split and ext_find_libxl(), the wrapper of
 * the shared include/common/libxl_extregion.h, for the regions. Nothing
 * here re-derives a rule, so a difference between this plan and the
 * toolstack's device tree is a bug in one of the two callers, which the
 * comparison test (tests/planner/test_domu_plan.c) finds. No stdio beyond
 * formatting the error line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <common/libxl_extregion.h>
#include <hv/guestdt.h>
#include <hv/hv.h>

#include "domu_plan.h"

unsigned int domu_default_gpaddr_bits(void)
{
	return HV_DEFAULT_GPADDR_BITS;
}

static int domu_err(char *err, size_t n, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int domu_err(char *err, size_t n, int rc, const char *fmt, ...)
{
	va_list ap;

	if (n) {
		va_start(ap, fmt);
		vsnprintf(err, n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int domu_plan(const struct xlcfg *cfg, enum xen_policy policy, unsigned int gpaddr_bits,
	      struct domu_plan *p, char *err, size_t errlen)
{
	const struct xen_policy_traits *t = xen_policy_traits(policy);
	struct ext_ctx ctx = {.policy = policy, .ipa_bits = gpaddr_bits};
	struct ext_libxl_input in = {0};
	uint64_t used[GUEST_RAM_BANKS];
	unsigned int i;
	int rc;

	memset(p, 0, sizeof(*p));
	ext_result_init(&p->ext);
	if (errlen)
		err[0] = '\0';
	if (!t)
		return domu_err(err, errlen, -EINVAL, "no such Xen release policy");
	p->policy = policy;
	p->gpaddr_bits = gpaddr_bits;
	if (gpaddr_bits < 32 || gpaddr_bits > 52)
		return domu_err(err, errlen, -EINVAL, "gpaddr_bits %u: not in 32..52",
				gpaddr_bits);

	/* RAM: libxl's Arm split of `memory` (what it populates) */
	p->ram_bytes = cfg->memory_mib << 20;
	rc = libxl_ram_banks(p->ram_bytes, used);
	if (rc)
		return domu_err(err, errlen, -E2BIG, "memory: %" PRIu64 " MiB does not fit the "
				"guest RAM banks", cfg->memory_mib);
	for (i = 0; i < GUEST_RAM_BANKS; i++) {
		in.bank_used[i] = used[i];
		if (used[i])
			p->mem[p->nr_mem++] = (struct ext_span){
				.start = i ? GUEST_RAM1_BASE : GUEST_RAM0_BASE, .size = used[i],
				.kind = EXT_K_DOM_RAM, .label = i ? "bank 1" : "bank 0",
			};
	}
	/* bank 0 ends at 4 GiB, within every width; bank 1 may not fit */
	if (used[1] && GUEST_RAM1_BASE + used[1] - 1 > (1ULL << gpaddr_bits) - 1)
		return domu_err(err, errlen, -ERANGE, "memory: %" PRIu64 " MiB reaches beyond "
				"2^%u (gpaddr_bits)", cfg->memory_mib, gpaddr_bits);

	/* virtio-mmio windows, in disk order (libxl allocates as it meets
	 * each virtio device) */
	for (i = 0; i < cfg->nr_disks; i++) {
		const struct xlcfg_disk *d = &cfg->disk[i];
		struct domu_virtio *v;

		if (d->specification != XLCFG_SPEC_VIRTIO)
			return domu_err(err, errlen, -EOPNOTSUPP, "disk %u (%s): a Xen PV disk "
					"(specification=xen) has no backend on memvisor; use "
					"specification=virtio", i, d->vdev);
		if (!xlcfg_disk_is_virtio_mmio(d))
			return domu_err(err, errlen, -EOPNOTSUPP, "disk %u (%s): transport=%s: "
					"memvisor has only virtio-mmio", i, d->vdev,
					xlcfg_transport_name(d->transport));
		if (t->minor < 17)
			return domu_err(err, errlen, -EOPNOTSUPP, "disk %u (%s): virtio disks "
					"came with libxl 4.17 (66dd1c62b2); Xen %s has none", i,
					d->vdev, t->name);
		if (GUEST_VIRTIO_MMIO_SPI_FIRST + p->nr_virtio > GUEST_VIRTIO_MMIO_SPI_LAST)
			return domu_err(err, errlen, -ENOSPC, "disk %u (%s): no SPI left for "
					"virtio-mmio", i, d->vdev);
		v = &p->virtio[p->nr_virtio];
		v->disk = i;
		v->base = GUEST_VIRTIO_MMIO_BASE + p->nr_virtio * GUEST_VIRTIO_MMIO_SIZE;
		v->size = GUEST_VIRTIO_MMIO_SIZE;
		v->spi = GUEST_VIRTIO_MMIO_SPI_FIRST + p->nr_virtio;
		p->nr_virtio++;
	}

	/* region 0, then libxl's regions (no iomem: memvisor's xl.cfg has
	 * none) */
	p->gnttab = (struct ext_region){GUEST_GNTTAB_BASE, GUEST_GNTTAB_SIZE};
	rc = ext_find_libxl(&ctx, &in, &p->ext);
	if (rc)
		return domu_err(err, errlen, rc, "extended regions: %s", strerror(-rc));
	return 0;
}

void domu_plan_free(struct domu_plan *p)
{
	ext_result_free(&p->ext);
}

int domu_plan_dtb(const struct domu_plan *p, const struct xlcfg *cfg, void *buf, size_t len)
{
	const struct xen_policy_traits *t = xen_policy_traits(p->policy);
	struct guestdt_device dev[XLCFG_DISKS_MAX];
	struct guestdt_info gi = {
		.xen_major = t->major, .xen_minor = t->minor,
		.addr_cells = 2, .size_cells = 2, /* libxl guests: 2/2 (facts 1.1) */
		.mem = p->mem, .nr_mem = p->nr_mem,
		.bootargs = cfg->extra,
		.hypervisor_node = true,
		.gnttab = p->gnttab,
		.regions = p->ext.region, .nr_regions = p->ext.nr,
	};

	for (unsigned int i = 0; i < p->nr_virtio; i++)
		dev[i] = (struct guestdt_device){"virtio", "virtio,mmio", p->virtio[i].base,
						 p->virtio[i].size, p->virtio[i].spi};
	if (p->nr_virtio) {
		gi.devices = dev;
		gi.nr_devices = p->nr_virtio;
	}
	return guestdt_build(buf, len, &gi, NULL);
}

