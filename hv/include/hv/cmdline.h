/*
 * The Xen command line (`xen,xen-bootargs` in /chosen, or the --bootargs
 * override), parsed once by cmdline_parse() into struct cmdline_args, which
 * bootinfo_parse() keeps in bootinfo.args for the planner and the builder.
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/iommu.h>
#include <hv/types.h>

struct bootinfo;

struct cmdline_args {
	const char *raw;          /* NULL when none */
	bool dom0_mem_set;
	paddr_t dom0_mem;         /* bytes */
	bool ext_regions;         /* default true */
	int iommu;                /* -1 not given, 0 off, 1 on */
	enum iommu_hwdom_mode iommu_hwdom; /* default strict */
	bool gnttab_max_frames_set;
	unsigned int gnttab_max_frames; /* default 64 */
	/* dom0_max_vcpus=<max> or <min>-<max> (x86): Dom0's vCPUs. memvisor
	 * takes <max> (it has no pool of physical CPUs to size Dom0 by); 0
	 * when not given (then Dom0 has one). */
	unsigned int dom0_max_vcpus;
};

/* Parses a Xen command line into *ba (defaults first). Unknown options are
 * ignored; bad values of known ones add a warning to bi when bi != NULL. */
void cmdline_parse(struct bootinfo *bi, const char *s, struct cmdline_args *ba);

/* What the IOMMU takes from the command line: present unless iommu= or
 * no-iommu turned it off (the builder also asks whether the host has one),
 * and the hardware domain's mode. */
struct iommu_params cmdline_iommu_params(const struct cmdline_args *ba);

/* Parses "512M", "0x1000", "2G" (no suffix = bytes); -EINVAL when bad. */
int cmdline_parse_size(const char *s, const char **end, uint64_t *out);

#endif
