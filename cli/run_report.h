/*
 * The per-domain report of `memvisor run`: what each domain's memory looked
 * like before and after the run, what it foreign-mapped and where, what it
 * cost (hypercalls, exits, P2M superpages shattered), and how it ended.
 */
#ifndef MEMVISOR_RUN_REPORT_H
#define MEMVISOR_RUN_REPORT_H

#include <stdio.h>

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
	unsigned int nr_regions;          /* extended regions the domain was given */
	uint64_t shattered;               /* P2M superpages split */
	uint64_t superpages;              /* 2 MiB + 1 GiB leaves at the end */
	uint64_t hypercalls, exits;
	uint64_t multicall_entries;      /* of those, calls batched in multicalls */
	double wall_ms;
	char result[256];
	/* The hypercall a stop woke the vCPU from (guest_exit.blocked_in), or "" */
	char blocked_in[16];
	bool ok;                          /* shut down by itself, not crashed */
};

/* Fills rep (one entry per runner domain) from the finished run. */
void run_report_collect(const struct runner *r, const struct layout_plan *plan,
			const unsigned int *plan_index, const uint64_t *ram_before,
			struct run_report_dom *rep);
void run_report_print(FILE *f, const struct run_report_dom *rep, unsigned int n,
		      const char *system, const char *transport, double wall_ms);
/* host: the machine, as `memvisor bench` records it; NULL leaves it out. */
void run_report_json(FILE *f, const struct run_report_dom *rep, unsigned int n,
		     const char *system, const char *transport, double wall_ms,
		     const struct hostinfo *host);

#endif
