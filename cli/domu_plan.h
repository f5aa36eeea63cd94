/*
 * `memvisor layout --domu-cfg FILE`: the plan of a DomU that libxl (the
 * toolstack in Dom0) creates from an xl.cfg, as memvisor's toolstack builds
 * it: libxl's Arm RAM split, region 0 (grant table), libxl's extended
 * regions for the domain's gpaddr_bits (include/common/libxl_extregion.h
 * through ext_find_libxl, so with the policy's rules and notes), and one
 * virtio-mmio window per virtio disk (base 0x02000000 + 0x200*i, SPI 33+i).
 *
 * domu_plan() (domu_plan.c) has no output and is what tests compare the toolstack's
 * device tree with; domu_plan_dtb() writes the tree the plan describes
 * (memvisor's guest contract, hv/boot/guestdt.c, plus the virtio,mmio
 * nodes).
 */
#ifndef MEMVISOR_CLI_DOMU_PLAN_H
#define MEMVISOR_CLI_DOMU_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hv/extregion.h>
#include <xen/xlcfg.h>

/* What memvisor's hypervisor reports in getdomaininfo.gpaddr_bits for a
 * domain made by createdomain: its own default (hv->cfg.gpaddr_bits,
 * HV_DEFAULT_GPADDR_BITS; nothing in `memvisor run` changes it), which is
 * also physinfo's gpaddr_bits. */
unsigned int domu_default_gpaddr_bits(void);

struct domu_virtio {
	unsigned int disk;  /* index into cfg->disk */
	paddr_t base, size;
	uint32_t spi;
};

struct domu_plan {
	enum xen_policy policy;
	unsigned int gpaddr_bits;
	uint64_t ram_bytes;             /* memory, what is populated */
	struct ext_span mem[GUEST_RAM_BANKS]; /* used banks only */
	unsigned int nr_mem;
	struct ext_region gnttab;       /* region 0 */
	struct ext_result ext;          /* regions 1..N and notes */
	struct domu_virtio virtio[XLCFG_DISKS_MAX];
	unsigned int nr_virtio;
};

/*
 * Plans cfg under policy with gpaddr_bits (32..52). 0, or a negative errno
 * with a one-line reason in err: -EINVAL (gpaddr_bits), -EOPNOTSUPP (a
 * disk memvisor cannot give the domain: virtio before libxl 4.17,
 * virtio-pci, a Xen PV disk), -ENOSPC (more virtio devices than SPIs),
 * -ENOMEM. domu_plan_free() in every case.
 */
int domu_plan(const struct xlcfg *cfg, enum xen_policy policy, unsigned int gpaddr_bits,
	      struct domu_plan *p, char *err, size_t errlen);
void domu_plan_free(struct domu_plan *p);

/* The DomU's device tree into buf[0..len): its size or a negative errno. */
int domu_plan_dtb(const struct domu_plan *p, const struct xlcfg *cfg, void *buf, size_t len);

#endif
