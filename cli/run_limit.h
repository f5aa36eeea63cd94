/*
 * The machine's limit for the work of `memvisor run` (issue 17 item 5):
 * what the host itself needs to touch every guest's RAM once and to read
 * what the backends foreign-mapped once more through a second view, timed
 * on a fresh memfd of the same size in the same run.
 */
#ifndef MEMVISOR_RUN_LIMIT_H
#define MEMVISOR_RUN_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "run_report.h"

/*
 * First touch (a write of every byte) of a fresh ram_bytes memfd mapping,
 * a read of every word of its first view_bytes (at most ram_bytes) through
 * a second shared mapping, then the release of both mappings and the memfd;
 * thp asks for transparent huge pages as the run's backing did. Fills
 * ph->limit*; 0, or -errno when the memory could not be had (nothing is
 * filled in then).
 */
int run_limit_measure(uint64_t ram_bytes, uint64_t view_bytes, bool thp, struct run_phases *ph);

#endif
