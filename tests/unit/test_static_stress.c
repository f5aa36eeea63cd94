/*
 * Static memory under concurrency: two threads of one static domain
 * populate and decrease their own GFNs thousands of times through the
 * dispatcher (hypercalls serialise on hv->lock) while the main thread
 * audits and checks frame identity. At every check the frames owned by the
 * domain plus those on its reserved list are exactly its static bank, no
 * frame is mapped twice, and every page a thread got back reads as zeroes
 * and then keeps what the thread wrote until it gives it up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <hv/domain.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/realize.h>
#include <hv/staticmem.h>
#include <public/memory.h>
#include <public/xen.h>

#include "harness.h"

#define RAM_GFN 0x40000ULL
#define SBASE 0x42000ULL      /* static bank: 32 MiB into the harness's first bank */
#define NR_STATIC 256ULL      /* 8 scratch pages + 248 guest RAM pages */
#define NR_THREADS 2
#define PER_THREAD 200ULL     /* GFNs each thread owns: more than half the frames, */
#define START_MAPPED 124ULL   /* so the threads compete for the reserved list */
#define OPS 20000             /* per thread */

_Static_assert(NR_THREADS * START_MAPPED + H_SCRATCH_PAGES == NR_STATIC, "every frame starts mapped");

struct worker {
	struct harness *h;
	struct domain *d;
	unsigned int id;
	uint64_t args_off;        /* this thread's part of the scratch area */
	uint64_t seed;
	bool mapped[PER_THREAD];
	uint64_t tag[PER_THREAD];
	uint64_t ops, pops, decs, empty, refused;
	char err[200];
};

static atomic_int nr_done;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* One reservation call with its own argument area (h_reservation uses a
 * fixed one, which two threads would share). */
static int64_t call(struct worker *w, unsigned int op, const uint64_t *gfns, unsigned int n,
		    unsigned int order)
{
	struct xen_memory_reservation r = {
		.extent_start = h_gpa(w->args_off + 0x1000),
		.nr_extents = n,
		.extent_order = order,
		.domid = DOMID_SELF,
	};

	h_put(w->d, w->args_off + 0x1000, gfns, n * sizeof(*gfns));
	h_put(w->d, w->args_off, &r, sizeof(r));
	return h_call(w->h, w->d, __HYPERVISOR_memory_op, op, h_gpa(w->args_off), 0, 0, 0);
}

static uint64_t *page(struct worker *w, unsigned int i)
{
	return h_va(w->d, (RAM_GFN + w->id * PER_THREAD + i) << PAGE_SHIFT);
}

#define WFAIL(...) do { snprintf(w->err, sizeof(w->err), __VA_ARGS__); return NULL; } while (0)

static void *worker_run(struct worker *w)
{
	uint64_t base = RAM_GFN + w->id * PER_THREAD;

	for (unsigned int k = 0; k < OPS; k++, w->ops++) {
		unsigned int i = (unsigned int)(rnd(&w->seed) % PER_THREAD), n = 1;
		uint64_t gfns[4];
		int64_t rc;

		if (rnd(&w->seed) % 64 == 0) {
			/* Larger orders are always refused for a static domain. */
			gfns[0] = base + (i & ~1u);
			if (call(w, XENMEM_populate_physmap, gfns, 1, 1) != 0)
				WFAIL("order-1 populate was not refused");
			w->refused++;
			continue;
		}
		/* Lean towards populating so that the two threads together want
		 * more pages than the bank has. */
		if (w->mapped[i] && rnd(&w->seed) % 3) {
			for (unsigned int j = 0; j < PER_THREAD && w->mapped[i]; j++)
				i = (i + 1) % PER_THREAD;
		}
		if (w->mapped[i]) {
			/* Give up a run of up to 4 mapped pages in one batch. */
			while (n < 4 && i + n < PER_THREAD && w->mapped[i + n] && rnd(&w->seed) % 2)
				n++;
			for (unsigned int j = 0; j < n; j++) {
				uint64_t *p = page(w, i + j);

				if (p[0] != w->tag[i + j] || p[511] != ~w->tag[i + j])
					WFAIL("t%u gfn %#" PRIx64 ": data lost", w->id, base + i + j);
				gfns[j] = base + i + j;
			}
			rc = call(w, XENMEM_decrease_reservation, gfns, n, 0);
			if (rc != (int64_t)n)
				WFAIL("t%u decrease of %u returned %" PRId64, w->id, n, rc);
			for (unsigned int j = 0; j < n; j++)
				w->mapped[i + j] = false;
			w->decs += n;
			continue;
		}
		while (n < 4 && i + n < PER_THREAD && !w->mapped[i + n] && rnd(&w->seed) % 2)
			n++;
		for (unsigned int j = 0; j < n; j++)
			gfns[j] = base + i + j;
		rc = call(w, XENMEM_populate_physmap, gfns, n, 0);
		if (rc < 0 || rc > (int64_t)n)
			WFAIL("t%u populate of %u returned %" PRId64, w->id, n, rc);
		if (rc < (int64_t)n)
			w->empty++; /* the reserved list ran dry: partial completion */
		for (unsigned int j = 0; j < (unsigned int)rc; j++) {
			uint64_t *p = page(w, i + j);

			if (p[0] || p[511])
				WFAIL("t%u gfn %#" PRIx64 ": repopulated page not scrubbed", w->id,
				      base + i + j);
			w->mapped[i + j] = true;
			w->tag[i + j] = ((uint64_t)w->id << 56) | ((uint64_t)k << 16) | (i + j);
			p[0] = w->tag[i + j];
			p[511] = ~w->tag[i + j];
		}
		w->pops += (uint64_t)rc;
	}
	return NULL;
}

static void *worker_main(void *arg)
{
	worker_run(arg);
	atomic_fetch_add(&nr_done, 1);
	return NULL;
}

/* Under the lock: the static bank is exactly owned + reserved, and owned
 * frames are the mapped ones. Returns an error text or NULL. */
static const char *identity(struct harness *h, struct domain *d, uint64_t *mapped_out)
{
	uint64_t inuse = 0, resv = 0, mapped = 0;

	for (uint64_t m = SBASE; m < SBASE + NR_STATIC; m++) {
		struct page_info *pg = mfn_to_page(&h->hv->ft, _mfn(m));
		enum staticmem_state s = staticmem_frame_state(h->hv, _mfn(m));

		if (pg->owner != d->id)
			return "a static frame changed owner";
		if (s == STATICMEM_IN_USE)
			inuse++;
		else if (s == STATICMEM_RESERVED)
			resv++;
		else
			return "a static frame is neither in use nor reserved";
	}
	for (uint64_t g = RAM_GFN; g < RAM_GFN + NR_THREADS * PER_THREAD; g++) {
		mfn_t m = p2m_lookup(d, _gfn(g), NULL, NULL);

		if (mfn_eq(m, INVALID_MFN))
			continue;
		if (mfn_x(m) < SBASE || mfn_x(m) >= SBASE + NR_STATIC)
			return "a guest page is not a static frame";
		mapped++;
	}
	if (inuse != d->tot_pages || resv != d->resv_list.count || inuse + resv != NR_STATIC)
		return "frame counts do not add up";
	if (mapped + H_SCRATCH_PAGES != inuse)
		return "owned frames are not exactly the mapped ones";
	*mapped_out = mapped;
	return NULL;
}

static void test_two_threads(void **state)
{
	struct harness h;
	struct domain_config cfg = {.name = "static", .flags = DOMF_static, .max_pages = NR_STATIC,
				    .domid = -1};
	struct domain *d;
	struct worker w[NR_THREADS];
	pthread_t t[NR_THREADS];
	unsigned int audits = 0;
	uint64_t mapped = 0, expect = 0;
	char buf[512];
	uint64_t free0, empties = 0;
	int err;

	(void)state;
	h_init_default(&h);
	hv_lock(h.hv);
	d = domain_create(h.hv, &cfg, &err);
	assert_non_null(d);
	assert_int_equal(staticmem_claim(h.hv, _mfn(SBASE), NR_STATIC), 0);
	assert_int_equal(staticmem_acquire_domstatic(d, _mfn(SBASE), NR_STATIC), 0);
	assert_int_equal(p2m_set_range(d, _gfn(H_SCRATCH_GFN), _mfn(SBASE), H_SCRATCH_PAGES, p2m_ram_rw), 0);
	for (unsigned int i = 0; i < NR_THREADS; i++)
		assert_int_equal(p2m_set_range(d, _gfn(RAM_GFN + i * PER_THREAD),
					       _mfn(SBASE + H_SCRATCH_PAGES + i * START_MAPPED),
					       START_MAPPED, p2m_ram_rw), 0);
	hv_realize_flush(h.hv);
	hv_unlock(h.hv);
	h_audit(&h);

	for (unsigned int i = 0; i < NR_THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].h = &h;
		w[i].d = d;
		w[i].id = i;
		w[i].args_off = i * 0x4000ULL;
		w[i].seed = 0x9e3779b97f4a7c15ULL * (i + 1);
		/* Every page starts mapped and tagged. */
		for (unsigned int k = 0; k < START_MAPPED; k++) {
			w[i].mapped[k] = true;
			w[i].tag[k] = 0xdead0000ULL + i * PER_THREAD + k;
			page(&w[i], k)[0] = w[i].tag[k];
			page(&w[i], k)[511] = ~w[i].tag[k];
		}
	}
	atomic_store(&nr_done, 0);
	free0 = h.hv->heap.free_pages;
	for (unsigned int i = 0; i < NR_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);

	/* Audit and check identity while they run. */
	for (;;) {
		bool running = atomic_load(&nr_done) < NR_THREADS;
		const char *why;

		if (hv_audit(h.hv, buf, sizeof(buf)))
			fail_msg("audit during the run: %s", buf);
		hv_lock(h.hv);
		why = identity(&h, d, &mapped);
		hv_unlock(h.hv);
		if (why)
			fail_msg("identity during the run: %s", why);
		audits++;
		if (!running)
			break;
	}
	for (unsigned int i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);

	for (unsigned int i = 0; i < NR_THREADS; i++) {
		if (w[i].err[0])
			fail_msg("%s", w[i].err);
		assert_int_equal(w[i].ops, OPS);
		for (unsigned int k = 0; k < PER_THREAD; k++)
			expect += w[i].mapped[k];
		print_message("thread %u: %" PRIu64 " pages populated, %" PRIu64 " decreased, %" PRIu64
			      " partial populates, %" PRIu64 " order-1 refusals\n",
			      i, w[i].pops, w[i].decs, w[i].empty, w[i].refused);
		assert_true(w[i].pops > 1000 && w[i].decs > 1000);
		empties += w[i].empty;
	}
	assert_true(empties > 0); /* the list did run dry under contention */
	h_audit(&h);
	hv_lock(h.hv);
	assert_null(identity(&h, d, &mapped));
	hv_unlock(h.hv);
	assert_int_equal(mapped, expect);
	assert_true(audits >= 1);
	/* The heap neither gained nor lost a frame. */
	assert_int_equal(h.hv->heap.free_pages, free0);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
