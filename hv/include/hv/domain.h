/*
 * Domains: lifecycle and memory accounting.
 *
 * Invariants:
 * - tot_pages equals the number of frames owned by the domain that hold the
 *   allocation reference (PGC_allocated), i.e. the length of page_list.
 * - tot_pages never exceeds max_pages after a successful operation.
 * - A dying domain accepts no new memory; destroy releases every page:
 *   heap pages go back to the heap once their last reference drops, static
 *   pages go to the reserved list and never to the heap.
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <pthread.h>
#include <hv/page.h>
#include <hv/p2m.h>

#define DOMF_privileged (1u << 0) /* may map any domain's memory (Dom0) */
#define DOMF_static (1u << 1)     /* static memory (xen,static-mem) */
#define DOMF_directmap (1u << 2)  /* guest addresses == machine addresses */
#define DOMF_32bit (1u << 3)
#define DOMF_iommu (1u << 4)      /* has an IOMMU context (assigned device) */

enum domain_state {
	DOMS_running = 0,
	DOMS_shutdown, /* asked to stop (sched_op shutdown) */
	DOMS_dying,    /* being destroyed; pages may still be referenced by others */
};

struct domain_stats {
	uint64_t hypercalls;
	uint64_t populated, decreased;
	uint64_t foreign_mapped;
};

struct gnttab;
struct iommu_ctx;
struct evtchn_domain;

/* vCPUs per domain: one today (issue 17 adds SMP); per-vCPU state already
 * lives in struct vcpu so that code indexes it as Xen does. */
#define DOMAIN_MAX_VCPUS 1

/*
 * Per-vCPU state of the event subsystem (hv/event/; owned and documented
 * there). Changed only with the hypervisor lock held.
 */
struct vcpu {
	unsigned int id;
	/* vcpu_info: slot `id` of shared_info, or (after
	 * VCPUOP_register_vcpu_info) at vi_mfn + vi_offset, on whose frame
	 * the event subsystem holds a page reference. */
	bool vi_registered;
	mfn_t vi_mfn;
	uint32_t vi_offset;
	/* HVMOP_set_evtchn_upcall_vector (0: none) and whether a 0->1 of
	 * upcall_pending is waiting for the transport to inject it (edge). */
	uint8_t upcall_vector;
	bool upcall_edge;
	/* Sleeping in SCHEDOP_block/poll with the lock released. */
	bool sleeping;
	const uint32_t *poll_ports; /* SCHEDOP_poll's ports while sleeping */
	unsigned int nr_poll_ports;
	uint64_t wake_gen; /* bumped by every wake-up of this vCPU */
	/* hv_vcpu_wake while not sleeping: the next block/poll returns at
	 * once (a transport's stop cannot slip in before the sleep). */
	bool wake_pending;
	pthread_cond_t wake; /* waited on with hv->lock (CLOCK_MONOTONIC) */
	bool wake_init;
};

#define DOMAIN_NAME_LEN 32
#define DOMAIN_MAX_TARGETS 8

struct hv_paging;

struct domain {
	struct hv *hv;
	domid_t id;
	char name[DOMAIN_NAME_LEN];
	uint32_t flags;
	enum domain_state state;
	bool relinquishing; /* inside domain_destroy: do not finalise yet */
	unsigned int shutdown_reason;
	/* SCHEDOP_shutdown_code: latched, it becomes the reason of the
	 * guest's next SCHEDOP_shutdown (docs/abi.md, sched_op). */
	bool shutdown_code_set;
	unsigned int shutdown_code;
	char crash_why[128]; /* set when the hypervisor (not the guest) stopped it */

	uint64_t tot_pages;
	uint64_t max_pages;
	struct page_list page_list; /* frames holding the allocation reference */
	struct page_list resv_list; /* static frames freed by this domain, reusable by it */

	struct p2m p2m;

	/* Guest RAM layout given by the builder (memory_map, guest DT). */
	paddr_t mem_banks[8][2];
	unsigned int nr_mem_banks;

	/* Domains this one may foreign-map besides itself (Dom0 may map all). */
	domid_t targets[DOMAIN_MAX_TARGETS];
	unsigned int nr_targets;

	struct gnttab *gnttab;
	struct iommu_ctx *iommu;
	struct evtchn_domain *evtchn; /* hv/event/ */
	unsigned int nr_vcpus;
	struct vcpu vcpu[DOMAIN_MAX_VCPUS];
	/* Hypercalls of this domain in progress that released the lock
	 * (a vCPU sleeping in sched_op): the domain is not freed while any
	 * runs; the dispatcher finalises it after the last one returns. */
	unsigned int hcall_pins;
	void *backend_priv; /* owned by the realization backend */

	/* While a hypercall of this domain runs (set by the dispatcher under
	 * the lock): the calling vCPU's paging state, through which
	 * copy_from_guest/copy_to_guest translate its pointers. NULL otherwise
	 * (addresses are then guest-physical). Domains have one vCPU. */
	struct hv_paging *hcall_paging;

	struct domain_stats st;
	struct domain *next;
};

struct domain_config {
	const char *name;
	uint32_t flags;
	uint64_t max_pages;
	unsigned int gpaddr_bits; /* 0: the hypervisor default */
	int domid;                /* -1: next free */
};

/* Creates a domain (no memory yet). Returns it, or NULL with *err = -errno. */
struct domain *domain_create(struct hv *hv, const struct domain_config *cfg, int *err);
/* Releases every page and removes the domain. Pages still referenced by
 * others (foreign/grant maps) stay allocated until their last reference. */
void domain_destroy(struct domain *d);
/* Frees the domain structure once a dying domain owns no frames. */
void domain_finalise(struct domain *d);
struct domain *domain_by_id(struct hv *hv, domid_t id);
/* d may access target's memory (itself, Dom0-privileged, or declared). */
bool domain_may_map(const struct domain *d, const struct domain *target);
/* Resolves a domid argument of a hypercall (DOMID_SELF allowed) that the
 * caller may control: itself, or any live domain when privileged. NULL with
 * *err = -ESRCH (no such live domain) or -EPERM. */
struct domain *domain_hcall_target(struct domain *caller, domid_t id, int *err);

/*
 * What the domain lifecycle calls in subsystems above dom/ (today: the
 * event channels of hv/event/), bound at the top of the core (hv/hooks.c)
 * like mm_hooks, so that dom/ includes none of their headers.
 */
struct domain_hooks {
	/* domain_create, before the backend hears of d: 0 or -errno. */
	int (*init)(struct domain *d);
	/* domain_destroy, first step (d is already DOMS_dying). */
	void (*destroy)(struct domain *d);
	/* domain_finalise / failed create: free what init allocated. */
	void (*free)(struct domain *d);
};
extern const struct domain_hooks domain_hooks;

#endif
