/*
 * Guest-test driver: one domain with the standard test layout, run on
 * either transport, with the console captured so the final
 * "Test result:" line decides the exit status.
 *
 * Test domain layout: RAM0 at 0x40000000 (GTEST_RAM bytes), region 0 (grant
 * table) at 0x38000000 (16 MiB), one extended region [RAM0 end, 4 GiB).
 */
#ifndef GTEST_H
#define GTEST_H

#include "runner.h"

#define GTEST_RAM_BASE 0x40000000ULL
#define GTEST_RAM (64ULL << 20)
#define GTEST_EXTRA_PAGES 4096 /* max_pages above the initial RAM */
#define GTEST_GNTTAB_BASE 0x38000000ULL
#define GTEST_GNTTAB_SIZE (16ULL << 20)

/* Exit statuses (meson: 77 = skipped). */
#define GTEST_PASS 0
#define GTEST_FAIL 1
#define GTEST_SKIP 77

/* argv: "inproc" or "kvm IMAGE.elf" [--timeout MS] [--dma ADDR: the domain
 * gets the DMA engine (vmm/dmadev.h) there, an IOMMU context, and a
 * /dma@ADDR node compatible "memvisor,dma-v1"]. */
int gtest_main(int argc, char **argv, void (*guest_main)(void));

#endif
