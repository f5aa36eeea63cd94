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
 * Transport hooks: the KVM transport registers memory slots over the parts
 * of the window that hold mappings; it is told through struct vmm_hooks.
 */
#ifndef VMM_REALIZE_H
#define VMM_REALIZE_H

#include <hv/hv.h>

struct vmm;

/* Per-domain realization state, in d->backend_priv. */
struct vmm_dom {
	struct domain *d;
	uint8_t *window;       /* host address of guest-physical 0 */
	uint64_t window_size;  /* bytes */
	uint64_t mapped_pages; /* pages currently realized in the window */
	uint64_t nr_mmaps;     /* mmap calls made for this domain */
	void *transport;       /* owned by the transport (e.g. KVM VM state) */
};

struct vmm_hooks {
	/* A domain got its window (create the VM...). */
	int (*dom_create)(struct vmm *m, struct vmm_dom *vd);
	void (*dom_destroy)(struct vmm *m, struct vmm_dom *vd);
	/* [gfn, gfn+nr) of vd's window now holds a mapping (ensure slots). */
	int (*mapped)(struct vmm *m, struct vmm_dom *vd, gfn_t gfn, uint64_t nr);
};

struct vmm_stats {
	uint64_t mmaps, munmaps, punches, punched_bytes;
};

struct vmm {
	int memfd;
	uint8_t *ram_va;
	uint64_t ram_size;
	bool prefault;          /* MAP_POPULATE guest mappings */
	struct hv hv;
	struct vmm_hooks hooks; /* zeroed for the in-process transport */
	void *transport;        /* transport-global state */
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
	const struct xen_policy_traits *release; /* hv_config.release */
};

/* Creates the memfd and the hypervisor on top of it. */
int vmm_init(struct vmm *m, const struct vmm_config *cfg);
void vmm_destroy(struct vmm *m);

static inline struct vmm_dom *vmm_dom(struct domain *d) { return d->backend_priv; }
/* Host pointer for guest-physical address gaddr of d (window base + gaddr). */
static inline void *vmm_gpa_to_hva(struct domain *d, paddr_t gaddr)
{
	return vmm_dom(d)->window + gaddr;
}

/* Resident host memory of the memfd in bytes (allocated blocks). */
uint64_t vmm_memfd_resident(const struct vmm *m);

#endif
