/*
 * The hypervisor instance. All state hangs off one struct hv: no hidden
 * globals, so tests can run several instances in one process.
 *
 * The object model: struct hv and struct domain (with the data of the
 * memory layer they embed, mm_types.h) are defined here, below every
 * subsystem, so that all of them can work on both without including each
 * other. Functions here need nothing above common/.
 *
 * Domain invariants (memory accounting):
 * - tot_pages equals the number of frames owned by the domain that hold the
 *   allocation reference (PGC_allocated), i.e. the length of page_list.
 * - tot_pages never exceeds max_pages after a successful operation, except
 *   after XEN_DOMCTL_max_mem lowered max_pages below it (Xen lets a domain
 *   "ratchet down"): then allocations fail until it is below, and it never
 *   exceeds ratchet_pages, what it held when the limit was lowered.
 * - A dying domain accepts no new memory; destroy releases every page:
 *   heap pages go back to the heap once their last reference drops, static
 *   pages go to the reserved list and never to the heap.
 *
 * Locking (docs/locking.md has the whole order and why): two locks, always
 * taken in this order and never the other way round:
 *   1. hv->lock, the hypervisor lock: serialises every operation that
 *      reads or changes hypervisor state (hypercalls, domain create and
 *      destroy, the audit). Hypercalls drop it between continuations so
 *      that long batches do not starve others.
 *   2. hv->rz_lock, the realization lock: gives the backend's
 *      map/unmap/release/scrub (the host's mmap, munmap, punch work) to
 *      one thread at a time. A hypercall's last flush of P2M runs is handed over under
 *      hv->lock and done after hv->lock is dropped (hv_realize_detach /
 *      hv_realize_finish, mm/realize.c), so the host work of one call
 *      overlaps the hypervisor work of the next. Because the hand-over
 *      takes rz_lock while hv->lock is held, the host sees the work in
 *      hv->lock order; every backend call made under hv->lock first waits
 *      for the detached one (hv_realize_quiesce), so a frame is never
 *      released, scrubbed or handed to a new owner while a window still
 *      maps it.
 * Nothing else locks hypervisor state: finer locks (per-domain P2M, grant
 * table and event channels, a heap lock) are not used, see docs/locking.md.
 * hv_lock_held() checks the owner in builds without NDEBUG (HV_ASSERT_LOCKED):
 * each thread keeps the hypervisor locks it holds in thread-local storage;
 * release builds (NDEBUG) keep no owner and check nothing.
 */
#ifndef HV_HV_H
#define HV_HV_H

#include <pthread.h>
#include <hv/backend.h>
#include <hv/log.h>
#include <hv/mm_types.h>

#define HV_DEFAULT_GPADDR_BITS 40

struct xen_policy_traits;
struct hv_paging;

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

#define DOMAIN_FOREIGN_RUNS 64

struct domain_stats {
	uint64_t hypercalls;
	uint64_t multicall_entries; /* calls run as entries of a multicall */
	uint64_t populated, decreased;
	uint64_t foreign_mapped;
	uint64_t foreign_resource; /* of those, frames of XENMEM_acquire_resource */
	/* As the target of IOREQ servers, cumulative over every server (they
	 * survive its destruction): accesses forwarded to one (each also an
	 * event to the emulator), the emulators' answering events, and
	 * XEN_DMOP_set_irq_level raises of its lines (each an event to it). */
	uint64_t ioreqs, ioreq_answers, irq_raised;
	uint64_t ioreq_first_ns, ioreq_last_ns; /* hv_system_time of the first and
						 * the last forwarded access */
	/* Where foreign frames were ever mapped (foreign_mapped of them): GFN
	 * runs [start, start + n), adjacent maps coalesced; maps that fit no
	 * run once DOMAIN_FOREIGN_RUNS are taken are only counted in
	 * foreign_unlogged. A report after the mappings are gone can still
	 * say where they were. */
	struct domain_gfn_run {
		uint64_t start, n;
	} foreign_runs[DOMAIN_FOREIGN_RUNS];
	unsigned int nr_foreign_runs;
	uint64_t foreign_unlogged;
};

struct gnttab;
struct iommu_ctx;
struct evtchn_domain;
struct ioreq_domain;

/* vCPUs per domain (the system DT's `cpus`, domain_config.max_vcpus).
 * Every one lives in shared_info's legacy vcpu_info slots (32), so none
 * needs VCPUOP_register_vcpu_info to take events. */
#define DOMAIN_MAX_VCPUS 8

/* The register state VCPUOP_initialise gives a vCPU (x86-64 long mode,
 * flat segments), kept until the transport starts the vCPU from it. */
struct hv_vcpu_regs {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, rip, rflags;
	uint64_t cr0, cr3, cr4, efer;
};

/*
 * Per-vCPU state of the event subsystem (hv/event/; owned and documented
 * there). Changed only with the hypervisor lock held.
 */
struct vcpu {
	unsigned int id;
	/* VCPUOP_initialise/up/down (hv/event/shared.c). vCPU 0 starts
	 * initialised and up, the others neither; start_pending: up with a
	 * context the transport has not taken yet (hv_vcpu_wait_up). */
	bool initialised, up, start_pending;
	struct hv_vcpu_regs start;
	/* hv_vcpu_wake calls (a transport's stop): a vCPU parked while down
	 * returns to its transport when this moves. */
	uint64_t hv_wakes;
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

/*
 * A vCPU's boot entry as the toolstack set it (XEN_DOMCTL_sethvmcontext's
 * CPU record, hv/hypercall/domctl.c): what the VMM starts the vCPU with
 * when the toolstack first unpauses the domain (docs/toolstack.md).
 */
struct vcpu_boot {
	bool set;
	uint64_t rip, rsp, rflags, rax, rbx, rcx, rdx, rsi, rdi;
	uint64_t cr0, cr3, cr4, efer;
	uint32_t cs_arbytes; /* HVM_ARBYTES_L set: 64-bit code */
};

#define DOMAIN_NAME_LEN 32
#define DOMAIN_MAX_TARGETS 8

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
	/* Of those, frames the hypervisor assigned for itself (PGC_extra: IOREQ
	 * server pages), which max_pages does not limit (Xen's extra_pages). */
	uint64_t extra_pages;
	uint64_t max_pages;
	uint64_t ratchet_pages; /* see the invariants above; 0: not lowered */
	struct page_list page_list; /* frames holding the allocation reference */
	struct page_list resv_list; /* static frames freed by this domain, reusable by it */

	struct p2m p2m;

	/* Guest RAM layout given by the builder (memory_map, guest DT). */
	paddr_t mem_banks[8][2];
	unsigned int nr_mem_banks;

	/* Domains this one may foreign-map besides itself (Dom0 may map all). */
	domid_t targets[DOMAIN_MAX_TARGETS];
	unsigned int nr_targets;

	/*
	 * Toolstack control (hv/hypercall/domctl.c, docs/toolstack.md).
	 * pause_count is Xen's controller pause count: a domain made by
	 * XEN_DOMCTL_createdomain starts at 1 and is never run before the
	 * toolstack's unpause brings it to 0 (creation_finished, the VMM's
	 * cue: hv_backend_ops.domain_pause_state); boot-built domains start
	 * at 0. The limits are the createdomain ones (0: the defaults).
	 */
	unsigned int pause_count;
	bool toolstack_created;
	bool creation_finished;
	uint32_t create_flags; /* XEN_DOMCTL_CDF_* (getdomaininfo's xs_domain) */
	uint32_t emulation_flags, misc_flags; /* xen_arch_domainconfig */
	uint8_t handle[16];		      /* xen_domain_handle_t */
	unsigned int gnttab_max_frames;	      /* 0: hv_config's */
	unsigned int evtchn_max_ports;	      /* ports (max port + 1); 0: default */
	struct vcpu_boot boot[DOMAIN_MAX_VCPUS];

	struct gnttab *gnttab;
	struct iommu_ctx *iommu;
	struct evtchn_domain *evtchn; /* hv/event/ */
	struct ioreq_domain *ioreq;   /* hv/ioreq/: servers targeting this domain, or NULL */
	unsigned int nr_vcpus;
	struct vcpu vcpu[DOMAIN_MAX_VCPUS];
	/* Hypercalls of this domain in progress (the dispatcher's pin): the
	 * domain is not freed while any runs - a vCPU sleeping in sched_op
	 * releases the lock, and so does one held by an IOREQ server - and the dispatcher finalises it after the last
	 * one returns. */
	unsigned int hcall_pins;
	void *backend_priv; /* owned by the realization backend */

	/* While a hypercall of this domain runs (set by the dispatcher under
	 * the lock): the calling vCPU's paging state, through which
	 * copy_from_guest/copy_to_guest translate its pointers. NULL otherwise
	 * (addresses are then guest-physical). A vCPU that sleeps inside its
 * call puts its own back when it wakes (event/sched.c). */
	struct hv_paging *hcall_paging;

	struct domain_stats st;
	struct domain *next;
};

/* Console input (hv/console.h has the design and the calls): a power of
 * two, indices free-running and masked. 64 KiB: a command carries a kernel
 * image, and every ring's worth costs the feeder a wait for the reader. */
#define HV_CONIN_SIZE 65536u

struct hv_conin {
	uint8_t buf[HV_CONIN_SIZE];
	uint64_t prod, cons;   /* free-running; prod - cons bytes are queued */
	uint64_t refused;      /* bytes offered while the ring was full */
	uint64_t waiters;      /* feeders asleep in hv_console_input_wait */
};

/* Console output of guests (console_io write). */
typedef void (*hv_console_sink_t)(void *ctx, struct domain *d, const char *buf, size_t len);

struct hv_config {
	/* Machine RAM banks [start, size) in bytes, page aligned, ascending. */
	paddr_t banks[FRAME_MAX_BANKS][2];
	unsigned int nr_banks;
	/* Host mapping of machine RAM: bank i starts at ram_va + its offset,
	 * banks packed in order (offset of bank i = sum of the earlier sizes). */
	uint8_t *ram_va;
	const struct hv_backend_ops *backend;
	void *backend_ctx;
	hv_log_sink_t log;
	void *log_ctx;
	enum hv_log_level log_level;
	unsigned int gpaddr_bits;   /* default guest physical width */
	unsigned int gnttab_max_frames;
	/* The Xen release presented to every guest for the whole run
	 * (xen_version, CPUID, domctl/sysctl versions, feature bits); NULL
	 * means the newest, as `memvisor run` defaults to. See hv_release(). */
	const struct xen_policy_traits *release;
	/* Release frames freed by small decreases lazily (realize.h): worth
	 * it when freed memory is resident, i.e. guest mappings are
	 * prefaulted, and the next populate would fault it in again. */
	bool lazy_release;
	/* Longest a vCPU sleeps in SCHEDOP_block/poll before returning 0 (a
	 * spurious wake-up, which guests must handle anyway); 0 = no limit.
	 * The hypercall fuzzer sets 1 so that it never sleeps. */
	uint64_t max_sleep_ns;
};

/* Pending realization work, coalesced across one hypercall. */
struct hv_realize_run {
	struct domain *d;
	gfn_t gfn;
	mfn_t mfn; /* INVALID_MFN for an unmap run */
	uint64_t nr;
	enum hv_access access;
};

#define HV_RELEASE_BATCH 64
#define HV_PENDING_RUNS 16
/* Frames freed by decrease_reservation are released lazily (realize.c):
 * at most this many runs and pages of them are held before all are
 * punched. */
#define HV_LAZY_RUNS 64
#define HV_LAZY_MAX_PAGES 8192

struct hv_stats {
	uint64_t hypercalls;
	uint64_t backend_maps, backend_unmaps, backend_releases;
	uint64_t released_pages;
	uint64_t scrubbed_pages, lazy_punched_pages;
	uint64_t domain_crashes;
};

/* What a hypercall's last flush hands over to be done after hv->lock is
 * dropped (mm/realize.c); owned by the holder of hv->rz_lock. */
struct hv_realize_detached {
	struct hv_realize_run run[HV_PENDING_RUNS];
	unsigned int nr;
	/* Domains whose map failed outside hv->lock: crashed by the next
	 * thread that holds both locks (hv_realize_quiesce). */
	struct domain *failed[HV_PENDING_RUNS];
	unsigned int nr_failed;
};

struct hv {
	pthread_mutex_t lock; /* its owner is recorded per thread (common/hv.c) */
	/* The realization lock (see the top of this file). */
	pthread_mutex_t rz_lock;
	struct hv_realize_detached rz;
	struct hv_config cfg;
	struct frame_table ft;
	struct heap heap;
	struct domain *domains;
	domid_t next_domid;

	/* Pending P2M runs, in commit order (mm/realize.c). */
	struct hv_realize_run pending[HV_PENDING_RUNS];
	unsigned int nr_pending;
	struct { mfn_t mfn; uint64_t nr; } release[HV_RELEASE_BATCH];
	unsigned int nr_release;
	/* Lazily released frames (PGC_need_scrub, see realize.h): candidate
	 * runs, the number of frames still flagged, and whether heap_free()
	 * is currently releasing lazily. */
	struct { mfn_t mfn; uint64_t nr; } lazy[HV_LAZY_RUNS];
	unsigned int nr_lazy;
	uint64_t lazy_pages;
	bool release_lazy;

	struct hv_stats st;
	/* Sets of guest frames pinned by devices for I/O outside the lock
	 * (guest_access.h). */
	struct guest_pins *pins;
	/* CLOCK_MONOTONIC at hv_init, ns: system time 0 (hv_system_time). */
	uint64_t boot_ns;
	/* (major << 16) | minor of the presented Xen release (hv_xen_version),
	 * refreshed by the dispatcher at every hypercall; read by
	 * subsystems below hypercall/ whose rules changed between releases. */
	uint32_t xen_version;
	hv_console_sink_t console;
	void *console_ctx;
	/* Console input for the console's reader (console.h); feeders wait
	 * for room on conin_space (CLOCK_MONOTONIC, with hv->lock). */
	struct hv_conin conin;
	pthread_cond_t conin_space;
	/* Allocation-failure injection: with fi_nth != 0, the fi_nth-th
	 * allocation from now fails (counted in fi_calls). */
	uint64_t fi_nth, fi_calls, fi_failed;
};

void hv_lock(struct hv *hv);
void hv_unlock(struct hv *hv);
/* pthread_cond_[timed]wait on hv->lock, keeping the owner record right. */
int hv_cond_wait(struct hv *hv, pthread_cond_t *c, const struct timespec *abstime);
/* The calling thread holds hv->lock (always true in NDEBUG builds). */
bool hv_lock_held(struct hv *hv);
#ifndef NDEBUG
#define HV_ASSERT_LOCKED(hv) BUG_ON(!hv_lock_held(hv))
#else
#define HV_ASSERT_LOCKED(hv) ((void)(hv))
#endif

/* The domain registry (common/registry.c): the narrow view of domains
 * that every subsystem, mm/ included, may use. Creating and destroying
 * domains is dom/'s job (domain.h), above the subsystems. */
struct domain *domain_by_id(struct hv *hv, domid_t id);
/* d may access target's memory (itself, Dom0-privileged, or declared). */
bool domain_may_map(const struct domain *d, const struct domain *target);
/* Resolves a domid argument of a hypercall (DOMID_SELF allowed) that the
 * caller may control: itself, or any live domain when privileged. NULL with
 * *err = -ESRCH (no such live domain) or -EPERM. */
struct domain *domain_hcall_target(struct domain *caller, domid_t id, int *err);

/* Marks a domain crashed (e.g. a mapping could not be realized). */
void hv_domain_crash(struct domain *d, const char *why);

/* Host allocation wrappers: the failure-injection build can fail them. */
void *hv_malloc(struct hv *hv, size_t sz);
void *hv_calloc(struct hv *hv, size_t n, size_t sz);
/* realloc(p, sz); on failure (real or injected) p is left as it was. */
void *hv_realloc(struct hv *hv, void *p, size_t sz);
void hv_free(void *p);
/* A zeroed, page-aligned 4 KiB table (P2M, IOMMU); free() releases it. */
void *hv_alloc_table(struct hv *hv);
/* True when the failure-injection build decides this allocation fails. */
bool hv_failinject_hit(struct hv *hv);

#endif
