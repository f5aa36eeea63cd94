/*
 * The seed scenario's shared page between frontend and backend.
 *
 * The frontend grants one page (always its first grant, ref
 * RING_GREF) to the backend. The page carries:
 * - a hand-shake: frontend and backend states, each written only by its
 *   owner, with release stores and acquire loads;
 * - what the backend must check: the frontend's RAM banks (the backend
 *   maps all of them) and the runs of frames the frontend filled with the
 *   known pattern;
 * - a small request ring: block reads and writes whose data page the
 *   frontend grants per request;
 * - the ring's event channel: the frontend allocates a port unbound for
 *   the backend and writes it here before it grants the page (as a Xen
 *   frontend writes ring-ref and event-channel to xenstore); the backend
 *   binds to it once it has mapped the page. Whoever changes a state,
 *   req_prod or rsp_prod notifies the other end, and a waiting side sleeps
 *   in SCHEDOP_poll on its port (xen/evtchn.h) until what it waits for
 *   holds.
 */
#ifndef RING_H
#define RING_H

#include <public/xen.h>
#include <rt/rt.h>
#include <xen/evtchn.h>

#define RING_MAGIC 0x31474e4952564d4dULL /* "MMVRING1" */
#define RING_GREF 8			/* first grant after the reserved entries */
#define RING_SLOTS 8
#define RING_MAX_RUNS 48
#define RING_MAX_BANKS 8

#define BLK_SIZE 4096u
#define BLK_COUNT 64u /* the disk: 256 KiB (the VMM's block device, or the RAM store) */

/*
 * What the frontend writes, so that a checker can recompute the disk after
 * a run (tests/e2e/seed_check.py): request i (0 <= i < FE_WRITES) writes
 * block (i * FE_STRIDE) % BLK_COUNT with generation i + 1, i.e.
 * ring_block_fill(): 1024 little-endian u32 words, word k =
 * (block << 24) ^ (generation << 16) ^ k ^ 0xb10c. The FE_WRITES blocks
 * are distinct; every other block keeps what the file held (zeros when
 * the file was new).
 */
#define FE_WRITES 16u
#define FE_STRIDE 7u

enum { FE_INIT, FE_FILLED, FE_DONE };
enum { BE_INIT, BE_VERIFIED, BE_BYE, BE_FAILED };
enum { REQ_READ = 1, REQ_WRITE = 2 };

struct ring_req {
	uint64_t id;
	uint32_t op;
	uint32_t block;
	uint32_t gref; /* data page granted for this request */
	uint32_t pad;
};

struct ring_rsp {
	uint64_t id;
	int32_t status; /* 0 or a negative Xen errno */
	uint32_t pad;
};

struct ring_run {
	uint64_t gfn, n;
};

struct ring_page {
	uint64_t magic;
	uint32_t fe_state, be_state;
	uint64_t seed;
	uint32_t fe_port;		       /* frontend's port, unbound for the backend */
	uint32_t pad0;
	uint32_t nr_banks, nr_runs;
	struct ring_run banks[RING_MAX_BANKS]; /* RAM, in frames */
	struct ring_run runs[RING_MAX_RUNS];   /* filled with the pattern */
	uint32_t req_prod, rsp_prod;	       /* written by fe / be */
	struct ring_req req[RING_SLOTS];
	struct ring_rsp rsp[RING_SLOTS];
};
_Static_assert(sizeof(struct ring_page) <= 4096, "ring page fits one frame");

static inline uint32_t ring_load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void ring_store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* The known data: each 8-byte word names its frame and offset. */
void ring_pattern_fill(void *page, xen_pfn_t gfn, uint64_t seed);
/* Number of words of page that do not hold the pattern for gfn. */
unsigned int ring_pattern_check(const void *page, xen_pfn_t gfn, uint64_t seed);
/* Data of block b, generation g (what the frontend writes). */
void ring_block_fill(void *page, uint32_t b, uint32_t g);

/*
 * The VMM's block device (vmm/blkdev.h; node compatible "memvisor,blk-v1"):
 * its register offsets and values, repeated here for the guest.
 */
#define BLK_DEV_ID 0x31304b4c42564d4dULL /* "MMVBLK01" */
#define BLK_REG_ID 0x00
#define BLK_REG_SECTOR 0x08
#define BLK_REG_GPA 0x10
#define BLK_REG_COUNT 0x18
#define BLK_REG_CMD 0x20
#define BLK_REG_STATUS 0x28
#define BLK_REG_CAPACITY 0x30
#define BLK_CMD_READ 1u
#define BLK_CMD_WRITE 2u
#define BLK_ST_DONE 1u
#define BLK_ST_ERROR 2u

/* Finds the block device in the domain's DT, maps its window and checks
 * ID: 0 with *base and *blocks (capacity), or -XEN_ENODEV. */
int blk_find(uint64_t *base, uint64_t *blocks);
/* One operation (BLK_CMD_*) of count pages at guest-physical gpa from
 * block sector: 0, or the device's error as a negative Xen errno. */
int blk_io(uint64_t base, uint32_t cmd, uint64_t sector, uint64_t gpa, uint64_t count);

/* A u32 property of /chosen, or dflt. */
uint32_t ring_chosen_u32(const char *name, uint32_t dflt);
void ring_yield(void);
/* Sleeps on port until done(ctx) holds (checked after each event, whose
 * pending bit it consumes; the port has no handler). */
void ring_wait(evtchn_port_t port, bool (*done)(void *ctx), void *ctx);
/* Notifies the other end of the ring through port. */
void ring_notify(evtchn_port_t port);

/*
 * Progress of a long step, one console line "progress: WHAT DONE/TOTAL MiB"
 * (pages in, MiB out). The VMM may draw these in place on a terminal and
 * drop them otherwise; a guest only prints them every 512 MiB.
 */
void ring_progress(const char *what, uint64_t done_pages, uint64_t total_pages);

/*
 * The default scenario's disk (virtio_frontend writes it, the e2e check
 * reads the host file): 64-bit little-endian word j (0..63) of 512-byte
 * sector s.
 */
#define vdisk_word(s, j) (0x5644000000000000ULL ^ ((uint64_t)(s) << 8) ^ (uint64_t)(j))

/* The programs' entries (rt_main calls them in freestanding builds). */
void frontend_main(void);
void backend_main(void);
void virtio_frontend_main(void);
void virtio_backend_main(void);
void dom0_main(void);

#endif
