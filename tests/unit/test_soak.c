/*
 * Concurrent soak of the hypervisor's locking (issue 17 item 3,
 * docs/locking.md): several vCPUs of several domains issue random
 * operations at once through the dispatcher while the main thread runs the
 * audit (which takes every lock, so it sees a quiescent state) again and
 * again, and once more at the end. Every audit must pass.
 *
 * Domains: a source S and two privileged backends A and B, two vCPUs each,
 * one thread per vCPU. S keeps a stable region of tagged pages that it
 * grants to A and B (refs [0, NR_STABLE) to A, [NR_STABLE, 2 NR_STABLE) to
 * B) and a churn region per vCPU that it populates and decreases. The
 * threads of A and B, each at GFNs of their own:
 * - foreign-map batches of S's frames (stable ones, which must map and read
 *   as tagged, and churn ones, which S may be decreasing at that moment:
 *   those may fail) and unmap them one by one;
 * - grant-map batches of their refs (both vCPUs of a backend map the same
 *   refs at once), check the tags through their window, unmap the batch;
 * - populate and decrease pages of their own, like S's threads;
 * - send events on an interdomain channel to S (and S's threads to them).
 * Every page a thread populates must read as zeroes and keep what the
 * thread wrote until it gives it up. The number of rounds comes from
 * argv[1] (default SOAK_OPS; the ThreadSanitizer build runs fewer).
 *
 * Timing is never asserted on; the test fails on a wrong result, a failed
 * audit, or (under TSan) a data race.
 *
 * Beside it: test_realize_outside_lock checks from where the backend is
 * called (a hypercall's last map/unmap runs after hv->lock is dropped,
 * under the realization lock; releases and scrubs under hv->lock), and
 * test_assert_locked that HV_ASSERT_LOCKED stops a heap use without the
 * lock.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/xen.h>

#include "harness.h"

#define SOAK_OPS 20000
#define NR_VCPUS 2
#define NR_DOMS 3 /* S, A, B */
#define RAM_GFN 0x40000ULL   /* S's stable region */
#define NR_STABLE 32ULL
#define CHURN_GFN 0x41000ULL /* each domain's churn region, PER per vCPU */
#define PER 32ULL
#define MAP_GFN 0x100000ULL  /* backends: maps of vCPU v at MAP_GFN + v * 0x100 */
#define GRANT_OFF 0x80ULL    /* grant maps after the foreign ones */
#define BATCH 8
#define STABLE_TAG(g) (0x5eed000000000000ULL | (g))

struct worker {
	struct harness *h;
	struct domain *d, *src;
	unsigned int dom, vcpu;
	uint32_t port;       /* interdomain event channel to the peer */
	unsigned int gref0;  /* backends: first ref granted to this domain */
	uint64_t seed, ops;
	bool mapped[PER];
	uint64_t tag[PER];
	uint64_t nfmap, nfmap_err, ngmap, npop, ndec, nsend;
	char err[256];
};

static atomic_int nr_done;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* This vCPU's part of its domain's scratch area (offsets). */
static uint64_t scr(const struct worker *w, uint64_t off)
{
	return w->vcpu * 0x4000ULL + off;
}

static int64_t call(struct worker *w, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return h_call_vcpu(w->h, w->d, w->vcpu, nr, a0, a1, a2);
}

#define WFAIL(...)                                              \
	do {                                                    \
		snprintf(w->err, sizeof(w->err), __VA_ARGS__);  \
		return false;                                   \
	} while (0)

static uint64_t *churn_page(struct worker *w, unsigned int i)
{
	return h_va(w->d, (CHURN_GFN + w->vcpu * PER + i) << PAGE_SHIFT);
}

/* Populates or decreases a short run of this vCPU's churn GFNs. */
static bool op_reservation(struct worker *w)
{
	unsigned int i = (unsigned int)(rnd(&w->seed) % PER), n = 1;
	bool dec = w->mapped[i];
	uint64_t gfns[4];
	struct xen_memory_reservation r = {.extent_start = h_gpa(scr(w, 0x1000)),
					   .domid = DOMID_SELF};
	int64_t rc;

	while (n < 4 && i + n < PER && w->mapped[i + n] == dec && rnd(&w->seed) % 2)
		n++;
	for (unsigned int j = 0; j < n; j++) {
		gfns[j] = CHURN_GFN + w->vcpu * PER + i + j;
		if (dec) {
			uint64_t *p = churn_page(w, i + j);

			if (p[0] != w->tag[i + j] || p[511] != ~w->tag[i + j])
				WFAIL("d%u v%u gfn %#llx: data lost", w->dom, w->vcpu,
				      (unsigned long long)gfns[j]);
		}
	}
	r.nr_extents = n;
	h_put(w->d, scr(w, 0x1000), gfns, n * sizeof(*gfns));
	h_put(w->d, scr(w, 0), &r, sizeof(r));
	rc = call(w, __HYPERVISOR_memory_op,
		  dec ? XENMEM_decrease_reservation : XENMEM_populate_physmap, h_gpa(scr(w, 0)), 0);
	if (rc != (int64_t)n)
		WFAIL("d%u v%u %s of %u returned %lld", w->dom, w->vcpu,
		      dec ? "decrease" : "populate", n, (long long)rc);
	for (unsigned int j = 0; j < n; j++) {
		uint64_t *p = churn_page(w, i + j);

		if (dec) {
			w->mapped[i + j] = false;
			continue;
		}
		if (p[0] || p[511])
			WFAIL("d%u v%u gfn %#llx: populated page not zero", w->dom, w->vcpu,
			      (unsigned long long)gfns[j]);
		w->mapped[i + j] = true;
		w->tag[i + j] = ((uint64_t)w->dom << 56) | ((uint64_t)w->vcpu << 48) |
				(w->ops << 8) | (i + j);
		p[0] = w->tag[i + j];
		p[511] = ~w->tag[i + j];
	}
	if (dec)
		w->ndec += n;
	else
		w->npop += n;
	return true;
}

/* A batch of S's frames (stable and churn ones) foreign-mapped and unmapped. */
static bool op_foreign(struct worker *w)
{
	xen_ulong_t idxs[BATCH];
	xen_pfn_t gpfns[BATCH];
	int errs[BATCH];
	unsigned int n = 1 + (unsigned int)(rnd(&w->seed) % BATCH);
	uint64_t base = MAP_GFN + w->vcpu * 0x100ULL;
	struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF,
					     .space = XENMAPSPACE_gmfn_foreign,
					     .size = (uint16_t)n,
					     .u.foreign_domid = w->src->id,
					     .idxs = h_gpa(scr(w, 0x1000)),
					     .gpfns = h_gpa(scr(w, 0x1100)),
					     .errs = h_gpa(scr(w, 0x1200))};
	int64_t rc;

	for (unsigned int k = 0; k < n; k++) {
		uint64_t r = rnd(&w->seed);

		idxs[k] = r % 2 ? RAM_GFN + r / 2 % NR_STABLE : CHURN_GFN + r / 2 % (NR_VCPUS * PER);
		gpfns[k] = base + k;
		errs[k] = 0;
	}
	h_put(w->d, scr(w, 0x1000), idxs, sizeof(idxs));
	h_put(w->d, scr(w, 0x1100), gpfns, sizeof(gpfns));
	h_put(w->d, scr(w, 0x1200), errs, sizeof(errs));
	h_put(w->d, scr(w, 0), &b, sizeof(b));
	rc = call(w, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, h_gpa(scr(w, 0)), 0);
	if (rc)
		WFAIL("d%u v%u add_to_physmap_batch returned %lld", w->dom, w->vcpu, (long long)rc);
	h_get(w->d, scr(w, 0x1200), errs, sizeof(errs));
	for (unsigned int k = 0; k < n; k++) {
		struct xen_remove_from_physmap x = {.domid = DOMID_SELF, .gpfn = base + k};
		bool stable = idxs[k] < RAM_GFN + NR_STABLE;

		if (errs[k]) {
			/* Only a churn frame may be missing (S decreased it). */
			if (stable)
				WFAIL("d%u v%u: foreign map of stable gfn %#llx failed: %d", w->dom,
				      w->vcpu, (unsigned long long)idxs[k], errs[k]);
			w->nfmap_err++;
			continue;
		}
		if (stable && *(uint64_t *)h_va(w->d, (base + k) << PAGE_SHIFT) !=
				      STABLE_TAG(idxs[k]))
			WFAIL("d%u v%u: foreign map of gfn %#llx shows the wrong page", w->dom,
			      w->vcpu, (unsigned long long)idxs[k]);
		h_put(w->d, scr(w, 0x800), &x, sizeof(x));
		rc = call(w, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
			  h_gpa(scr(w, 0x800)), 0);
		if (rc)
			WFAIL("d%u v%u remove_from_physmap returned %lld", w->dom, w->vcpu,
			      (long long)rc);
		w->nfmap++;
	}
	return true;
}

/* A batch of this domain's grant refs mapped, checked and unmapped. */
static bool op_grant(struct worker *w)
{
	struct gnttab_map_grant_ref m[BATCH];
	struct gnttab_unmap_grant_ref u[BATCH];
	unsigned int n = 1 + (unsigned int)(rnd(&w->seed) % BATCH);
	uint64_t base = MAP_GFN + w->vcpu * 0x100ULL + GRANT_OFF;
	unsigned int first = (unsigned int)(rnd(&w->seed) % (NR_STABLE - n + 1));
	int64_t rc;

	for (unsigned int k = 0; k < n; k++)
		m[k] = (struct gnttab_map_grant_ref){.host_addr = (base + k) << PAGE_SHIFT,
						     .flags = GNTMAP_host_map,
						     .ref = w->gref0 + first + k,
						     .dom = w->src->id};
	h_put(w->d, scr(w, 0x1000), m, n * sizeof(m[0]));
	rc = call(w, __HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, h_gpa(scr(w, 0x1000)),
		  n);
	if (rc)
		WFAIL("d%u v%u map_grant_ref returned %lld", w->dom, w->vcpu, (long long)rc);
	h_get(w->d, scr(w, 0x1000), m, n * sizeof(m[0]));
	for (unsigned int k = 0; k < n; k++) {
		if (m[k].status != GNTST_okay)
			WFAIL("d%u v%u: map of ref %u: status %d", w->dom, w->vcpu, m[k].ref,
			      m[k].status);
		if (*(uint64_t *)h_va(w->d, (base + k) << PAGE_SHIFT) !=
		    STABLE_TAG(RAM_GFN + first + k))
			WFAIL("d%u v%u: grant %u shows the wrong page", w->dom, w->vcpu, m[k].ref);
		u[k] = (struct gnttab_unmap_grant_ref){.host_addr = (base + k) << PAGE_SHIFT,
						       .handle = m[k].handle};
	}
	h_put(w->d, scr(w, 0x1800), u, n * sizeof(u[0]));
	rc = call(w, __HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, h_gpa(scr(w, 0x1800)),
		  n);
	if (rc)
		WFAIL("d%u v%u unmap_grant_ref returned %lld", w->dom, w->vcpu, (long long)rc);
	h_get(w->d, scr(w, 0x1800), u, n * sizeof(u[0]));
	for (unsigned int k = 0; k < n; k++)
		if (u[k].status != GNTST_okay)
			WFAIL("d%u v%u: unmap of handle %u: status %d", w->dom, w->vcpu,
			      u[k].handle, u[k].status);
	w->ngmap += n;
	return true;
}

static bool op_send(struct worker *w)
{
	struct evtchn_send s = {.port = w->port};
	int64_t rc;

	h_put(w->d, scr(w, 0x800), &s, sizeof(s));
	rc = call(w, __HYPERVISOR_event_channel_op, EVTCHNOP_send, h_gpa(scr(w, 0x800)), 0);
	if (rc)
		WFAIL("d%u v%u send on port %u returned %lld", w->dom, w->vcpu, w->port,
		      (long long)rc);
	w->nsend++;
	return true;
}

static unsigned int soak_ops = SOAK_OPS;

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (; w->ops < soak_ops; w->ops++) {
		unsigned int what = (unsigned int)(rnd(&w->seed) % 8);
		bool ok;

		if (w->dom == 0) /* the source: its memory and events only */
			ok = what < 7 ? op_reservation(w) : op_send(w);
		else if (what < 3)
			ok = op_foreign(w);
		else if (what < 6)
			ok = op_grant(w);
		else if (what < 7)
			ok = op_reservation(w);
		else
			ok = op_send(w);
		if (!ok)
			break;
	}
	atomic_fetch_add(&nr_done, 1);
	return NULL;
}

static int64_t ev(struct harness *h, struct domain *d, unsigned int cmd, void *a, size_t len)
{
	int64_t rc;

	h_put(d, 0, a, len);
	rc = h_call(h, d, __HYPERVISOR_event_channel_op, cmd, h_gpa(0), 0, 0, 0);
	h_get(d, 0, a, len);
	return rc;
}

static void test_soak(void **state)
{
	struct harness h;
	struct domain *dom[NR_DOMS];
	struct worker w[NR_DOMS][NR_VCPUS];
	pthread_t t[NR_DOMS][NR_VCPUS];
	uint32_t sport[NR_DOMS] = {0}, bport[NR_DOMS] = {0};
	unsigned int audits = 0;
	uint64_t fmaps = 0, fmap_errs = 0, gmaps = 0, pops = 0, sends = 0;
	char buf[512];

	(void)state;
	h_init_default(&h);
	/* 64 GiB guest windows instead of 1 TiB ones: ThreadSanitizer's
	 * address space has room for only one of those. */
	h.hv->cfg.gpaddr_bits = 36;
	dom[0] = h_domain_vcpus(&h, "src", 0, 512, NR_VCPUS);
	dom[1] = h_domain_vcpus(&h, "backA", DOMF_privileged, 512, NR_VCPUS);
	dom[2] = h_domain_vcpus(&h, "backB", DOMF_privileged, 512, NR_VCPUS);

	/* S: its grant table's first frame, its stable pages, tagged and
	 * granted to A and B. */
	{
		struct xen_add_to_physmap x = {.domid = DOMID_SELF,
					       .space = XENMAPSPACE_grant_table,
					       .idx = 0,
					       .gpfn = H_GNT_GFN};
		uint64_t gfns[16];

		h_put(dom[0], 0, &x, sizeof(x));
		assert_int_equal(h_call(&h, dom[0], __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
					h_gpa(0), 0, 0, 0),
				 0);
		for (uint64_t g = 0; g < NR_STABLE; g += 16) {
			for (unsigned int k = 0; k < 16; k++)
				gfns[k] = RAM_GFN + g + k;
			assert_int_equal(h_reservation(&h, dom[0], XENMEM_populate_physmap, gfns,
						       16, 0, DOMID_SELF),
					 16);
		}
		for (uint64_t g = 0; g < NR_STABLE; g++) {
			*(uint64_t *)h_va(dom[0], (RAM_GFN + g) << PAGE_SHIFT) =
				STABLE_TAG(RAM_GFN + g);
			h_grant(dom[0], (uint32_t)g, dom[1]->id, RAM_GFN + g, GTF_permit_access);
			h_grant(dom[0], (uint32_t)(NR_STABLE + g), dom[2]->id, RAM_GFN + g,
				GTF_permit_access);
		}
	}
	/* Event channels S <-> A and S <-> B. */
	for (unsigned int i = 1; i < NR_DOMS; i++) {
		struct evtchn_alloc_unbound a = {.dom = DOMID_SELF, .remote_dom = dom[i]->id};
		struct evtchn_bind_interdomain b = {.remote_dom = dom[0]->id};

		assert_int_equal(ev(&h, dom[0], EVTCHNOP_alloc_unbound, &a, sizeof(a)), 0);
		b.remote_port = a.port;
		assert_int_equal(ev(&h, dom[i], EVTCHNOP_bind_interdomain, &b, sizeof(b)), 0);
		sport[i] = a.port;
		bport[i] = b.local_port;
	}
	h_audit(&h);

	atomic_store(&nr_done, 0);
	for (unsigned int i = 0; i < NR_DOMS; i++) {
		for (unsigned int v = 0; v < NR_VCPUS; v++) {
			struct worker *x = &w[i][v];

			memset(x, 0, sizeof(*x));
			x->h = &h;
			x->d = dom[i];
			x->src = dom[0];
			x->dom = i;
			x->vcpu = v;
			/* S's vCPU v sends to backend 1 + v, the backends to S. */
			x->port = i ? bport[i] : sport[1 + v % (NR_DOMS - 1)];
			x->gref0 = i ? (unsigned int)((i - 1) * NR_STABLE) : 0;
			x->seed = 0x9e3779b97f4a7c15ULL * (i * NR_VCPUS + v + 1);
		}
	}
	/* Secondary vCPUs up, as after VCPUOP_initialise and VCPUOP_up: a
	 * call of a vCPU that is down parks it (dispatch.c). */
	for (unsigned int i = 0; i < NR_DOMS; i++) {
		hv_lock(h.hv);
		for (unsigned int v = 1; v < NR_VCPUS; v++)
			dom[i]->vcpu[v].initialised = dom[i]->vcpu[v].up = true;
		hv_unlock(h.hv);
	}
	for (unsigned int i = 0; i < NR_DOMS; i++)
		for (unsigned int v = 0; v < NR_VCPUS; v++)
			assert_int_equal(pthread_create(&t[i][v], NULL, worker_main, &w[i][v]), 0);

	/* The audit, with every lock taken, while they run. */
	for (;;) {
		bool running = atomic_load(&nr_done) < NR_DOMS * NR_VCPUS;

		if (hv_audit(h.hv, buf, sizeof(buf)))
			fail_msg("audit during the soak (after %u): %s", audits, buf);
		audits++;
		if (!running)
			break;
	}
	for (unsigned int i = 0; i < NR_DOMS; i++)
		for (unsigned int v = 0; v < NR_VCPUS; v++)
			pthread_join(t[i][v], NULL);
	for (unsigned int i = 0; i < NR_DOMS; i++) {
		for (unsigned int v = 0; v < NR_VCPUS; v++) {
			struct worker *x = &w[i][v];

			if (x->err[0])
				fail_msg("%s", x->err);
			assert_int_equal(x->ops, soak_ops);
			fmaps += x->nfmap;
			fmap_errs += x->nfmap_err;
			gmaps += x->ngmap;
			pops += x->npop;
			sends += x->nsend;
		}
	}
	h_audit(&h);
	printf("soak: %u rounds x %u vCPUs: %llu foreign maps (%llu of frames the source "
	       "had just given up), %llu grant maps, %llu pages populated, %llu events; %u audits "
	       "during the run, 0 failures\n",
	       soak_ops, NR_DOMS * NR_VCPUS, (unsigned long long)fmaps,
	       (unsigned long long)fmap_errs,
	       (unsigned long long)gmaps, (unsigned long long)pops, (unsigned long long)sends,
	       audits);
	/* Everything was exercised. */
	assert_true(fmaps > 0 && gmaps > 0 && pops > 0 && sends > 0);
	h_fini(&h);
}

/*
 * Where the backend is called from (hv.h, "Locking"): the map and unmap
 * runs of a hypercall's last flush outside hv->lock, holding the
 * realization lock; releases and scrubs of frames always under hv->lock.
 * The wrappers forward to the VMM's backend and count.
 */
static struct {
	struct hv *hv;
	const struct hv_backend_ops *vmm;
	unsigned int runs_outside, runs_inside, frees_inside, bad;
} seen;

static bool rz_held(void)
{
	/* One thread in this test: busy means held by this thread. */
	if (pthread_mutex_trylock(&seen.hv->rz_lock))
		return true;
	pthread_mutex_unlock(&seen.hv->rz_lock);
	return false;
}

static void saw_run(void)
{
	if (hv_lock_held(seen.hv))
		seen.runs_inside++;
	else if (rz_held())
		seen.runs_outside++;
	else
		seen.bad++; /* neither lock: unordered host work */
}

static int w_map(void *ctx, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t off, uint64_t nr,
		 enum hv_access access)
{
	saw_run();
	return seen.vmm->map(ctx, d, gfn, mfn, off, nr, access);
}

static void w_unmap(void *ctx, struct domain *d, gfn_t gfn, uint64_t nr)
{
	saw_run();
	seen.vmm->unmap(ctx, d, gfn, nr);
}

static void w_release(void *ctx, mfn_t mfn, uint64_t off, uint64_t nr)
{
	if (hv_lock_held(seen.hv))
		seen.frees_inside++;
	else
		seen.bad++;
	seen.vmm->release(ctx, mfn, off, nr);
}

static void w_scrub(void *ctx, mfn_t mfn, uint64_t off, uint64_t nr)
{
	if (hv_lock_held(seen.hv))
		seen.frees_inside++;
	else
		seen.bad++;
	seen.vmm->scrub(ctx, mfn, off, nr);
}

static void test_realize_outside_lock(void **state)
{
	struct harness h;
	struct hv_backend_ops wrap;
	struct domain *d;
	uint64_t gfns[4] = {0x40000, 0x40001, 0x40002, 0x40003};
	unsigned int frees;

	(void)state;
	h_init_default(&h);
	memset(&seen, 0, sizeof(seen));
	seen.hv = h.hv;
	seen.vmm = h.hv->cfg.backend;
	wrap = *seen.vmm;
	wrap.map = w_map;
	wrap.unmap = w_unmap;
	wrap.release = w_release;
	wrap.scrub = w_scrub;
	h.hv->cfg.backend = &wrap;
	d = h_domain(&h, "d", 0, 64);
	seen.runs_outside = seen.runs_inside = 0;

	/* A populate's map and a decrease's unmap: after the unlock. */
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, 4, 0, DOMID_SELF), 4);
	assert_int_equal(seen.runs_outside, 1);
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, 4, 0, DOMID_SELF),
			 4);
	assert_int_equal(seen.runs_outside, 2);
	assert_int_equal(seen.runs_inside, 0);
	/* The frames just freed (lazily) are scrubbed under the lock before
	 * they are handed out again, after the unmap. */
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, 4, 0, DOMID_SELF), 4);
	assert_true(seen.frees_inside > 0);
	h_audit(&h);
	/* A decrease that releases its frames at once: its unmap and the
	 * releases stay under the lock, the unmap first. */
	hv_lock(h.hv);
	h.hv->cfg.lazy_release = false;
	hv_unlock(h.hv);
	frees = seen.frees_inside;
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, 4, 0, DOMID_SELF),
			 4);
	assert_int_equal(seen.runs_inside, 1);
	assert_int_equal(seen.runs_outside, 3);
	assert_true(seen.frees_inside > frees);
	assert_int_equal(seen.bad, 0);
	h.hv->cfg.backend = seen.vmm;
	h_fini(&h);
}

/* HV_ASSERT_LOCKED: the heap used without hv->lock is a hypervisor bug
 * (builds without NDEBUG; release builds check nothing). */
static void test_assert_locked(void **state)
{
	struct harness h;
	int status;
	pid_t pid;

	(void)state;
#ifdef NDEBUG
	skip();
#endif
	h_init_default(&h);
	assert_false(hv_lock_held(h.hv));
	hv_lock(h.hv);
	assert_true(hv_lock_held(h.hv));
	hv_unlock(h.hv);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child's stderr says which check fired */
		heap_alloc(h.hv, 0);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	h_fini(&h);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assert_locked),
		cmocka_unit_test(test_realize_outside_lock),
		cmocka_unit_test(test_soak),
	};

	if (argc > 1)
		soak_ops = (unsigned int)strtoul(argv[1], NULL, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
