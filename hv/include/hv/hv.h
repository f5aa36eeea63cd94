/*
 * The hypervisor instance. All state hangs off one struct hv: no hidden
 * globals, so tests can run several instances in one process.
 *
 * Locking: hv->lock serialises every operation that reads or changes
 * memory state (hypercalls, domain create/destroy, audit). Hypercalls drop
 * it between continuations so that long batches do not starve others.
 */
#ifndef HV_HV_H
#define HV_HV_H

#include <pthread.h>
#include <hv/backend.h>
#include <hv/domain.h>
#include <hv/heap.h>
#include <hv/log.h>
#include <hv/page.h>

#define HV_DEFAULT_GPADDR_BITS 40

struct xen_policy_traits;

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

struct hv_stats {
	uint64_t hypercalls;
	uint64_t backend_maps, backend_unmaps, backend_releases;
	uint64_t released_pages;
	uint64_t domain_crashes;
};

struct hv {
	pthread_mutex_t lock;
	struct hv_config cfg;
	struct frame_table ft;
	struct heap heap;
	struct domain *domains;
	domid_t next_domid;

	struct hv_realize_run pending;
	struct { mfn_t mfn; uint64_t nr; } release[HV_RELEASE_BATCH];
	unsigned int nr_release;

	struct hv_stats st;
	/* CLOCK_MONOTONIC at hv_init, ns: system time 0 (hv_system_time). */
	uint64_t boot_ns;
	/* (major << 16) | minor of the presented Xen release (hv_xen_version),
	 * refreshed by the dispatcher at every hypercall; read by
	 * subsystems below hypercall/ whose rules changed between releases. */
	uint32_t xen_version;
	hv_console_sink_t console;
	void *console_ctx;
	/* Allocation-failure injection: with fi_nth != 0, the fi_nth-th
	 * allocation from now fails (counted in fi_calls). */
	uint64_t fi_nth, fi_calls, fi_failed;
};

int hv_init(struct hv *hv, const struct hv_config *cfg);
/* Destroys every domain (forcibly, ignoring outside references) and frees all. */
void hv_destroy(struct hv *hv);

void hv_lock(struct hv *hv);
void hv_unlock(struct hv *hv);

/* Realization helpers used by the P2M and heap. */
void hv_realize_map(struct hv *hv, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t nr,
		    enum hv_access access);
void hv_realize_unmap(struct hv *hv, struct domain *d, gfn_t gfn, uint64_t nr);
void hv_realize_release(struct hv *hv, mfn_t mfn, uint64_t nr);
/* Pushes all pending realization work to the backend. */
void hv_realize_flush(struct hv *hv);

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
