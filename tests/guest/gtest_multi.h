/*
 * Multi-domain guest-test driver: several domains in one hypervisor, on
 * either transport, for tests that need an attacker and a victim (or a
 * backend and a frontend). The single-domain driver (gtest.h) is unchanged.
 *
 * A scenario declares its domains (name, domid, RAM, privileges, the
 * domains it is a backend for, bootargs that pick the program's role, the
 * phase it runs in, the result wanted). Every domain runs the same program
 * (the hosted guest_main in-process, the ELF image on KVM); domains of one
 * phase run together, phases run one after the other, and a domain that
 * stopped keeps its memory, so a later phase can attack what an earlier
 * one set up. After every phase the audit must pass and each domain of the
 * phase must have ended as declared (its final "Test result:" line, or a
 * crash report containing the declared text). Then the scenario's check
 * hook inspects the hypervisor and the domains' memory through their
 * windows, and at the end the driver destroys every domain and requires
 * that all of their memory went back to the heap and out of the memfd.
 *
 * A domain may run again in later phases (more_phases): it restarts from
 * its entry point with its memory as it left it (the program keeps state
 * it needs across runs at fixed guest-physical addresses), and its
 * bootargs then end with " phase=N" so the program knows which run this
 * is. A domain may have memvisor's DMA engine (dma_base; docs/pv-iommu.md),
 * which implies an IOMMU context (DOMF_iommu) and a /dma@ node.
 *
 * Each domain: RAM0 at 0x40000000, region 0 at 0x38000000 (16 MiB), one
 * extended region [RAM end, 4 GiB).
 *
 * Static domains (static_banks; docs/static-memory.md): host banks that
 * leave the heap before any domain is built (staticmem_claim) and are
 * given to the domain by build_static(), the system builder's own path:
 * packed in order into RAM0 at 0x40000000, or mapped 1:1 (direct_map; the
 * guest's memory nodes are then the banks themselves, so on KVM the first
 * bank must cover the image at 0x40200000). max_pages is the banks' total.
 * After the last phase the driver requires that each static domain's
 * frames (its page list plus its reserved list) are exactly its banks, and
 * after the teardown that every bank frame is RETIRED; the heap's free
 * count is taken after the claims, so it must come back exactly. The
 * machine RAM is host_ram when the scenario gives it (static banks must
 * lie inside it), else 512 MiB at 2 GiB.
 */
#ifndef GTEST_MULTI_H
#define GTEST_MULTI_H

#include "runner.h"

#define GMULTI_MAX_DOMS 6
#define GMULTI_MAX_TARGETS 4
#define GMULTI_NEVER 0xffffu
#define GMULTI_MAX_STATIC_BANKS 4
#define GMULTI_MAX_HOST_BANKS 2

struct gmulti_bank {
	paddr_t start, size; /* host addresses, page aligned */
};

struct gmulti_dom {
	const char *name;
	domid_t domid;
	uint64_t ram;                  /* bytes; 0: 32 MiB */
	uint32_t flags;                /* DOMF_privileged, DOMF_iommu */
	domid_t targets[GMULTI_MAX_TARGETS]; /* memvisor,backend-for */
	unsigned int nr_targets;
	const char *bootargs;
	unsigned int phase;            /* 0, 1, ...; GMULTI_NEVER: exists, never runs */
	const char *expect_crash;      /* NULL: must end with Test result: SUCCESS */
	uint32_t more_phases;          /* bit p: runs (again) in phase p too */
	uint64_t dma_base;             /* 0, or the DMA engine's window (implies DOMF_iommu) */
	uint64_t virtio_base;          /* 0, or a virtio,mmio node (window 0x200) ... */
	uint32_t virtio_spi;           /* ... with this line */
	uint64_t blk_base;             /* 0, or the VMM block device's window, over a
					* fresh memfd disk of blk_blocks blocks (0: the
					* default) for the domain's first run only */
	uint64_t blk_blocks;
	/* Static memory: when nr_static_banks, ram is ignored (the banks' total). */
	struct gmulti_bank static_banks[GMULTI_MAX_STATIC_BANKS];
	unsigned int nr_static_banks;
	bool direct_map;               /* banks mapped 1:1 (needs static_banks) */
	unsigned int cpus;             /* vCPUs (0: one) */
};

struct gmulti;

struct gmulti_scenario {
	const char *name;
	struct gmulti_dom dom[GMULTI_MAX_DOMS];
	unsigned int nr;
	bool kvm_only; /* e.g. faults only a real vCPU can take */
	/* Machine RAM; none given: one bank of 512 MiB at 2 GiB. */
	struct gmulti_bank host_ram[GMULTI_MAX_HOST_BANKS];
	/* Before phase p runs (domains exist); returns the number of failures. */
	int (*before_phase)(struct gmulti *g, unsigned int p);
	/* After the last phase; returns the number of failures. */
	int (*check)(struct gmulti *g);
	/* After the phase that ran domain i (index in dom[]) with a block
	 * device, before its disk (fd) is closed; returns the failures. */
	int (*disk_check)(struct gmulti *g, unsigned int i, int fd);
};

struct gmulti {
	struct vmm m;
	bool kvm;
	const struct gmulti_scenario *sc;
	struct domain *d[GMULTI_MAX_DOMS];
	bool ran[GMULTI_MAX_DOMS];  /* has run in an earlier phase */
	uint64_t base_free_pages;   /* heap before any domain existed */
	uint64_t base_resident;     /* memfd bytes before any domain existed */
};

/* The domain with this domid (NULL when it was finalised). */
struct domain *gmulti_domain(struct gmulti *g, domid_t id);
/* hv_audit (it takes the lock); prints and returns 1 on a failure, else 0. */
int gmulti_audit(struct gmulti *g, const char *when);
/* Static domain i (index in the scenario): every frame of its banks is
 * mapped as RAM exactly where the build put it (packed in bank order, or
 * 1:1) and nothing else is RAM in its P2M. Returns the number of failures. */
int gmulti_static_p2m_as_built(struct gmulti *g, unsigned int i);
/* Prints a failure and returns 1 unless cond. */
/* Host threads of this process without the kernel's kvm-* workers, 0 if
 * unknown (tests that check a run reaped its threads). */
unsigned int gmulti_host_threads(void);
int gmulti_expect(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* argv: "inproc" | "kvm IMAGE.elf", then --scenario NAME [--timeout MS]. */
int gmulti_main(int argc, char **argv, void (*guest_main)(void),
		const struct gmulti_scenario *sc, unsigned int nr_sc);

#endif
