/*
 * The per-domain report of `memvisor run`: what each domain's memory looked
 * like before and after the run, what it foreign-mapped and where, what it
 * cost (hypercalls, exits, P2M superpages shattered), and how it ended.
 */
#ifndef MEMVISOR_RUN_REPORT_H
#define MEMVISOR_RUN_REPORT_H

#include <stdio.h>

#include <hv/build.h>
#include <hv/layout.h>

#include "hostinfo.h"
#include "runner.h"

#define REPORT_MAX_RANGES 8

struct run_report_dom {
	const char *name;
	unsigned int id;
	uint64_t ram_before, ram_after;   /* RAM pages mapped in the guest's P2M */
	uint64_t ram_lowest;              /* fewest during the run */
	uint64_t owned;                   /* pages owned at the end (tot_pages) */
	uint64_t foreign_frames;          /* frames foreign-mapped at the end */
	uint64_t foreign_maps_made;       /* foreign maps made during the run */
	uint64_t foreign_ranges;          /* contiguous GFN runs they occupy */
	paddr_t range[REPORT_MAX_RANGES][2];
	uint64_t foreign_outside_regions; /* frames mapped outside its extended regions */
	/* Every foreign map made during the run, mapped or not at the end
	 * (domain_stats.foreign_runs): in how many GFN runs, how many frames
	 * outside its extended regions, how many the log could not place. */
	uint64_t foreign_resource;        /* of foreign_maps_made: acquire_resource frames */
	uint64_t foreign_runs_made;
	uint64_t foreign_made_outside_regions;
	uint64_t foreign_unlogged;
	unsigned int nr_regions;          /* extended regions the domain was given */
	uint64_t shattered;               /* P2M superpages of RAM (not foreign maps) split */
	uint64_t foreign_split;           /* merged foreign maps split as they were undone */
	uint64_t superpages;              /* 2 MiB + 1 GiB leaves at the end */
	uint64_t hypercalls, exits;
	uint64_t multicall_entries;      /* of those, calls batched in multicalls */
	double wall_ms;
	char result[256];
	/* The hypercall a stop woke the vCPU from (guest_exit.blocked_in), or "" */
	char blocked_in[16];
	bool ok;                          /* shut down by itself, not crashed */
};

/*
 * A virtio-mmio disk served through IOREQ (memvisor,virtio-disk): what the
 * backend's VMM block device moved (blkdev_stats: commands and bytes) and
 * what the hypervisor counted for the frontend (domain_stats, cumulative
 * over the server's life): IOREQs forwarded, each an event to the
 * backend; the backend's answering events; its raises of the line, each
 * an event to the frontend. MB/s over the device's active time, from the
 * first to the last IOREQ.
 */
struct run_report_dev {
	unsigned int fe, be;
	const char *fe_name, *be_name;
	paddr_t base;
	uint32_t spi;
	uint64_t requests, bytes_read, bytes_written, refused;
	double active_ms, mb_s;
	uint64_t ioreqs, answers, irqs;
};

/* Fills rep (one entry per runner domain) from the finished run. */
void run_report_collect(const struct runner *r, const struct layout_plan *plan,
			const unsigned int *plan_index, const uint64_t *ram_before,
			struct run_report_dom *rep);
/* The virtio disks of the built system (res, in the runner's order), at
 * most max into dev; returns how many. */
unsigned int run_report_devices(const struct runner *r, const struct build_result *res,
				const struct layout_plan *plan, struct run_report_dev *dev,
				unsigned int max);
void run_report_print(FILE *f, const struct run_report_dom *rep, unsigned int n,
		      const struct run_report_dev *dev, unsigned int nr_dev, const char *system,
		      const char *transport, double wall_ms);
/* host: the machine, as `memvisor bench` records it; NULL leaves it out. */
void run_report_json(FILE *f, const struct run_report_dom *rep, unsigned int n,
		     const struct run_report_dev *dev, unsigned int nr_dev, const char *system,
		     const char *transport, double wall_ms, const struct hostinfo *host);

#endif
