/*
 * The memfd realization shared by both transports.
 *
 * Machine RAM is one memfd; the core gets one host mapping of all of it
 * (ram_va). Each domain gets a guest-physical window: one PROT_NONE host
 * reservation of 2^gpaddr_bits bytes (MAP_NORESERVE, costs no memory).
 * A P2M map becomes one MAP_FIXED|MAP_SHARED mmap of the memfd range into
 * the window; an unmap turns the range back into PROT_NONE; frames freed to
 * the heap are punched out of the memfd (FALLOC_FL_PUNCH_HOLE), so free
 * memory really returns to the host.
 *
 * Transport (vmm/transport.h): when one is set, each domain's VM is created
 * and destroyed with its window, and told of every range that gains or
 * loses a mapping (KVM registers memory slots over those parts).
 */
#ifndef VMM_REALIZE_H
#define VMM_REALIZE_H

#include <hv/hv.h>

struct transport;
struct vmm;

/* Per-domain realization state, in d->backend_priv. */
/*
 * A guest range the window maps from the memfd, remembered (prefault only)
 * so that its unmap can park it and a later map of the same frames at the
 * same place can restore it. Parking moves the range's host page-table
 * entries out of the window (mremap with MREMAP_DONTUNMAP) to a place of
 * the slot's own PROT_NONE reservation, outside every guest window, and
 * puts the anonymous PROT_NONE mapping of any unmapped range in the
 * window; a restore moves them back. At the same offset in a 2 MiB block
 * on both sides, the kernel moves whole page tables instead of 512
 * entries, so a park and a restore cost about 20 times less than the
 * mprotect to PROT_NONE and back they replaced (which stays the fallback
 * where mremap refuses, `at` NULL: parked in place). Either way the guest
 * cannot reach a parked range (KVM's mmu notifier drops its own entries
 * at the move or the mprotect), exactly as with an ordinary unmap; a
 * restore of the same offset at the same place is what an mmap would
 * give, without the zap and the repopulate of every page, which dominate
 * a balloon's decrease+populate of prefaulted memory. Every change to the
 * window over a slot's range drops the slot (and the entries it holds).
 */
#define VMM_PARK_SLOTS 16
struct vmm_park {
	uint64_t gaddr, off, nr;
	uint64_t punch_gen; /* vmm.punch_gen when parked */
	enum { PARK_FREE, PARK_LIVE, PARK_PARKED } state;
	int prot;           /* of the window's mapping while live */
	uint8_t *at;        /* parked: where its entries are; NULL: in place */
	uint8_t *res;       /* the slot's PROT_NONE reservation for them */
	uint64_t res_len;
};

struct vmm_dom {
	struct domain *d;
	struct vmm_park park[VMM_PARK_SLOTS];
	uint8_t *window;       /* host address of guest-physical 0 */
	uint64_t window_size;  /* bytes */
	uint64_t mapped_pages; /* pages currently realized in the window */
	uint64_t nr_mmaps;     /* mmap calls made for this domain */
	void *transport;       /* the transport's per-domain state (its VM) */
};

struct vmm_stats {
	uint64_t mmaps, munmaps, punches, punched_bytes, scrubs, scrubbed_bytes;
	uint64_t parks, restores; /* unmaps parked, maps restored (struct vmm_park) */
	uint64_t parks_moved;     /* parks whose entries left the window (mremap) */
	/* Guest RAM populated ahead of the guest (MAP_POPULATE) and the host
	 * time it took: the run report's prefault phase. */
	uint64_t prefault_bytes;
	double prefault_ms;
};

/*
 * Background prefault (vmm_config.prefault_background): until
 * vmm_prefault_start(), maps are recorded here instead of populated; then
 * one thread populates them through the guests' windows while the guests
 * run (MADV_POPULATE_READ, the same faults MAP_POPULATE takes), a chunk at
 * a time, giving each domain the same fraction of its RAM in turn. It
 * needs no lock of the hypervisor's: a range unmapped since it was recorded
 * is PROT_NONE in the window (the populate fails and is skipped), one
 * mapped anew holds frames of the domain's P2M (populating them is what
 * MAP_POPULATE would have done), and a window is only unmapped after the
 * thread has been stopped (be_domain_destroy).
 */
struct vmm_prefault_range {
	struct vmm_dom *vd;
	uint64_t gaddr, len;
};

struct vmm_prefault {
	bool deferring;                 /* recording maps, populating none */
	struct vmm_prefault_range *r;
	size_t nr, cap;
	pthread_t th;
	bool started;                   /* vmm_prefault_start() was called */
	/* Guards running: a guest destroying a domain and the caller may both
	 * stop the thread. */
	pthread_mutex_t lock;
	bool running;                   /* th is to be joined */
	int stop;                       /* atomic: the thread stops after its chunk */
	double t0;                      /* CLOCK_MONOTONIC ms at the start */
	/* Written by the thread, read after vmm_prefault_stop(): */
	double ms;                      /* its wall time */
	uint64_t bytes;                 /* what it populated */
};

struct vmm {
	int memfd;
	uint8_t *ram_va;
	uint64_t ram_size;
	bool prefault;          /* MAP_POPULATE guest mappings */
	bool prefault_background; /* vmm_config.prefault_background, when the host can */
	/* Counts hole punches: a parked range older than the last punch may
	 * have lost its pages, and is populated again at its restore. */
	uint64_t punch_gen;
	bool closing;           /* in vmm_destroy: no unmap, punch or scrub is worth making */
	/* Park ranges in place (mprotect), as where the kernel refuses to move
	 * a shared mapping's entries (struct vmm_park); set by tests. */
	bool park_in_place;
	bool thp;               /* guest mappings madvise(MADV_HUGEPAGE)d: the host allows shmem THP */
	char backing[256];      /* vmm_backing() */
	struct vmm_prefault pf;
	struct hv hv;
	struct transport *transport; /* NULL: memory only, nothing can run */
	/* What runs domains a toolstack creates at runtime (the runner sets
	 * them while it runs; hv_backend_ops.domain_pause_state/domain_stop,
	 * called with the hypervisor lock held). Changed only with that lock
	 * held. NULL: such domains never start, and stop at once. */
	void (*dyn_pause_state)(void *ctx, struct domain *d, bool paused);
	int (*dyn_stop)(void *ctx, struct domain *d);
	void *dyn_ctx;
	struct vmm_stats st;
};

struct vmm_config {
	paddr_t banks[FRAME_MAX_BANKS][2];
	unsigned int nr_banks;
	hv_log_sink_t log;
	void *log_ctx;
	enum hv_log_level log_level;
	unsigned int gpaddr_bits;
	bool prefault;
	/* With prefault: populate the maps made before vmm_prefault_start()
	 * in a thread racing the guests instead of at once (see struct
	 * vmm_prefault). Ignored where the host has no MADV_POPULATE_READ. */
	bool prefault_background;
	/* hv_config.lazy_release; always on with prefault. */
	bool lazy_release;
	const struct xen_policy_traits *release; /* hv_config.release */
};

/* Creates the memfd and the hypervisor on top of it. */
int vmm_init(struct vmm *m, const struct vmm_config *cfg);
void vmm_destroy(struct vmm *m);
/* Sets the transport every domain created from now on gets a VM from.
 * Before the first domain exists. */
void vmm_set_transport(struct vmm *m, struct transport *t);

static inline struct vmm_dom *vmm_dom(struct domain *d) { return d->backend_priv; }
/* Host pointer for guest-physical address gaddr of d (window base + gaddr). */
static inline void *vmm_gpa_to_hva(struct domain *d, paddr_t gaddr)
{
	return vmm_dom(d)->window + gaddr;
}

/* Starts populating the maps recorded so far in the background (no-op
 * without prefault_background); maps made from now on are populated at
 * once again. 0 or -errno (the ranges are then populated here and now). */
int vmm_prefault_start(struct vmm *m);
/* Stops and joins the prefault thread, wherever it is; st.prefault_ms is
 * then its wall time and st.prefault_bytes what it populated. */
void vmm_prefault_stop(struct vmm *m);

/* Which host pages back guest RAM, and why: one line for the run report. */
const char *vmm_backing(const struct vmm *m);
/* Whether transparent huge pages were asked for (madvise) on guest RAM. */
bool vmm_backing_thp(const struct vmm *m);

/* For the tests' audit: every parked range (struct vmm_park) is out of
 * the guest's reach through its window, and entries moved out of it lie
 * in the slot's own reservation, in no domain's window. 0, or -1 with the
 * finding in msg. */
int vmm_park_audit(struct vmm *m, char *msg, size_t len);

/* Resident host memory of the memfd in bytes (allocated blocks). */
uint64_t vmm_memfd_resident(const struct vmm *m);

#endif
