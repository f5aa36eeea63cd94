/*
 * Soak: N domains doing random valid operations for M seconds on one
 * hypervisor, with the audit every K hypercalls.
 *
 *   soak [--domains N] [--seconds M] [--audit-every K] [--seed S] [--mib B]
 *
 * Domain slot 0 is privileged (maps anything); the others are plain and may
 * map every other domain (memvisor,targets). The program keeps its own model
 * of each domain's memory (which gfns hold its RAM, which foreign and grant
 * maps it has) and chooses operations that are valid under that model, so
 * every result is predictable: populate succeeds unless memory or max_pages
 * is exhausted (then it must return 0 extents), and decrease, moves, foreign
 * map and unmap, grant map and unmap must succeed. Any other result, a bad
 * errno shape or a failed audit ends the run with exit status 1. Every few
 * thousand operations a domain is destroyed (with its pages still mapped by
 * others) and a new one takes its slot.
 *
 * At the end: ops and ops/s per kind, audits, the final state, and a check
 * that destroying everything returns every frame to the heap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <public/grant_table.h>
#include <public/memory.h>
#include <public/xen.h>

#include "fz_env.h"

#define RAM_GFN 0x40000ULL /* own RAM window of RAM_PAGES gfns */
#define RAM_PAGES 2048
#define FMAP_GFN 0x80000ULL /* foreign maps */
#define FMAP_SLOTS 256
#define GMAP_GFN 0xa0000ULL /* grant maps */
#define GMAP_SLOTS 32
#define GNT_REFS 32         /* grant entries 8..8+GNT_REFS of frame 0 */
#define GNTTAB_GFN 0x38000ULL

enum op { OP_POP, OP_POP2M, OP_DEC, OP_MOVE, OP_FMAP, OP_FUNMAP, OP_GMAP, OP_GUNMAP, OP_LIFE,
	  OP_NR };
static const char *const op_name[OP_NR] = {"populate 4K", "populate 2M", "decrease",
					   "move gmfn",   "foreign map", "foreign unmap",
					   "grant map",   "grant unmap", "destroy+create"};

struct model {
	uint8_t ram[RAM_PAGES]; /* 1: own RAM at RAM_GFN + k */
	unsigned int nr_ram;
	bool fmap[FMAP_SLOTS];
	struct { bool used; uint32_t handle; } gmap[GMAP_SLOTS];
};

struct soak {
	struct fz_env e;
	struct fz_in rng;
	unsigned int nr;
	struct model m[FZ_MAX_DOMS];
	uint64_t done[OP_NR], refused[OP_NR];
	unsigned int errors;
};

static void fail(struct soak *s, const char *what, unsigned int i, int64_t rc)
{
	s->errors++;
	if (s->errors <= 10)
		fprintf(stderr, "soak: %s by slot %u returned %lld%s%s\n", what, i, (long long)rc,
			s->e.why[0] ? ": " : "", s->e.why);
}

static int64_t reservation(struct fz_env *e, unsigned int i, unsigned int op, uint64_t gfn,
			   unsigned int order)
{
	struct xen_memory_reservation r = {
		.extent_start = fz_gpa(e, i, 0x1000), .nr_extents = 1, .extent_order = order,
		.domid = DOMID_SELF,
	};

	fz_put(e, i, fz_gpa(e, i, 0x1000), &gfn, sizeof(gfn));
	fz_put(e, i, fz_gpa(e, i, 0), &r, sizeof(r));
	return fz_call(e, i, __HYPERVISOR_memory_op, op, fz_gpa(e, i, 0), 0, 0, 0);
}

static int slot_create(struct soak *s, unsigned int i)
{
	struct fz_env *e = &s->e;
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
				       .idx = 0, .gpfn = GNTTAB_GFN};
	int rc = fz_dom_create(e, i, i == 0 ? FZ_PRIV : FZ_PLAIN);

	if (rc)
		return rc;
	memset(&s->m[i], 0, sizeof(s->m[i]));
	/* Every plain domain may map every other live plain one; the lists
	 * are rebuilt so that destroyed domains' ids do not fill them. */
	for (unsigned int a = 1; a < s->nr; a++) {
		if (!e->dom[a])
			continue;
		e->dom[a]->nr_targets = 0;
		for (unsigned int b = 1; b < s->nr; b++)
			if (b != a && e->dom[b])
				fz_dom_target(e, a, b);
	}
	/* The grant table's first frame, where this domain writes entries. */
	fz_put(e, i, fz_gpa(e, i, 0), &x, sizeof(x));
	if (fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, fz_gpa(e, i, 0), 0, 0, 0))
		return -EIO;
	return 0;
}

/* A gfn index in [0, RAM_PAGES) with ram[] == want, or -1. */
static int pick_ram(struct soak *s, unsigned int i, uint8_t want)
{
	unsigned int start = fz_below(&s->rng, RAM_PAGES);

	for (unsigned int k = 0; k < RAM_PAGES; k++) {
		unsigned int g = (start + k) % RAM_PAGES;

		if (s->m[i].ram[g] == want)
			return (int)g;
	}
	return -1;
}

static bool heap_can(struct soak *s, unsigned int i, unsigned int order)
{
	struct domain *d = s->e.dom[i];

	return d->tot_pages + (1ULL << order) <= d->max_pages &&
	       s->e.hv->heap.free_pages >= (1ULL << order);
}

static void do_op(struct soak *s, enum op op, unsigned int i)
{
	struct fz_env *e = &s->e;
	struct model *m = &s->m[i];
	int64_t rc;
	int g, t, k;

	switch (op) {
	case OP_POP:
		if ((g = pick_ram(s, i, 0)) < 0)
			return;
		{
			bool can = heap_can(s, i, 0);

			rc = reservation(e, i, XENMEM_populate_physmap, RAM_GFN + (unsigned int)g, 0);
			if (rc == 1) {
				m->ram[g] = 1;
				m->nr_ram++;
			} else if (rc == 0 && !can) {
				s->refused[op]++;
				return;
			} else {
				fail(s, op_name[op], i, rc);
			}
		}
		break;
	case OP_POP2M: {
		/* A free, aligned 512-frame block of the window. */
		unsigned int b = fz_below(&s->rng, RAM_PAGES / 512) * 512;
		bool can;

		for (unsigned int q = 0; q < 512; q++)
			if (m->ram[b + q])
				return;
		can = heap_can(s, i, 9);
		rc = reservation(e, i, XENMEM_populate_physmap, RAM_GFN + b, 9);
		if (rc == 1) {
			memset(&m->ram[b], 1, 512);
			m->nr_ram += 512;
		} else if (rc == 0) {
			/* Also refused when no 2 MiB block is free (fragmentation). */
			s->refused[op]++;
			(void)can;
			return;
		} else {
			fail(s, op_name[op], i, rc);
		}
		break;
	}
	case OP_DEC:
		if ((g = pick_ram(s, i, 1)) < 0)
			return;
		rc = reservation(e, i, XENMEM_decrease_reservation, RAM_GFN + (unsigned int)g, 0);
		if (rc != 1)
			return fail(s, op_name[op], i, rc);
		m->ram[g] = 0;
		m->nr_ram--;
		break;
	case OP_MOVE: {
		int to;
		struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn};

		if ((g = pick_ram(s, i, 1)) < 0 || (to = pick_ram(s, i, 0)) < 0)
			return;
		x.idx = RAM_GFN + (unsigned int)g;
		x.gpfn = RAM_GFN + (unsigned int)to;
		fz_put(e, i, fz_gpa(e, i, 0), &x, sizeof(x));
		rc = fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, fz_gpa(e, i, 0), 0,
			     0, 0);
		if (rc)
			return fail(s, op_name[op], i, rc);
		m->ram[g] = 0;
		m->ram[to] = 1;
		break;
	}
	case OP_FMAP: {
		struct xen_add_to_physmap_batch b;
		uint64_t idx, gpfn;
		int err = -1;

		t = fz_pick_dom(e, &s->rng);
		k = (int)fz_below(&s->rng, FMAP_SLOTS);
		/* Plain domains may map each other but not the privileged one. */
		if (t < 0 || (unsigned int)t == i || (i != 0 && t == 0) || m->fmap[k] ||
		    (g = pick_ram(s, (unsigned int)t, 1)) < 0)
			return;
		memset(&b, 0, sizeof(b));
		b.domid = DOMID_SELF;
		b.space = XENMAPSPACE_gmfn_foreign;
		b.size = 1;
		b.u.foreign_domid = e->dom[t]->id;
		b.idxs = fz_gpa(e, i, 0x1000);
		b.gpfns = fz_gpa(e, i, 0x2000);
		b.errs = fz_gpa(e, i, 0x3000);
		idx = RAM_GFN + (unsigned int)g;
		gpfn = FMAP_GFN + (unsigned int)k;
		fz_put(e, i, b.idxs, &idx, sizeof(idx));
		fz_put(e, i, b.gpfns, &gpfn, sizeof(gpfn));
		fz_put(e, i, fz_gpa(e, i, 0), &b, sizeof(b));
		rc = fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
			     fz_gpa(e, i, 0), 0, 0, 0);
		fz_get(e, i, b.errs, &err, sizeof(err));
		if (rc || err)
			return fail(s, op_name[op], i, rc ? rc : err);
		m->fmap[k] = true;
		break;
	}
	case OP_FUNMAP: {
		struct xen_remove_from_physmap x = {.domid = DOMID_SELF};

		k = (int)fz_below(&s->rng, FMAP_SLOTS);
		if (!m->fmap[k])
			return;
		x.gpfn = FMAP_GFN + (unsigned int)k;
		fz_put(e, i, fz_gpa(e, i, 0), &x, sizeof(x));
		rc = fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap, fz_gpa(e, i, 0),
			     0, 0, 0);
		if (rc)
			return fail(s, op_name[op], i, rc);
		m->fmap[k] = false;
		break;
	}
	case OP_GMAP: {
		struct grant_entry_v1 ge = {.flags = GTF_permit_access};
		struct gnttab_map_grant_ref mp = {.flags = GNTMAP_host_map};
		unsigned int ref = 8 + fz_below(&s->rng, GNT_REFS);

		t = fz_pick_dom(e, &s->rng);
		k = (int)fz_below(&s->rng, GMAP_SLOTS);
		if (t < 0 || (unsigned int)t == i || m->gmap[k].used ||
		    (g = pick_ram(s, (unsigned int)t, 1)) < 0)
			return;
		/* The granter (re)writes entry ref for us, then we map it. */
		ge.domid = e->dom[i]->id;
		ge.frame = (uint32_t)(RAM_GFN + (unsigned int)g);
		{
			struct grant_entry_v1 cur;

			fz_get(e, (unsigned int)t, (GNTTAB_GFN << PAGE_SHIFT) + ref * sizeof(ge), &cur,
			       sizeof(cur));
			if (cur.flags & (GTF_reading | GTF_writing))
				return; /* in use by a mapping: a granter must not rewrite it */
		}
		fz_put(e, (unsigned int)t, (GNTTAB_GFN << PAGE_SHIFT) + ref * sizeof(ge), &ge,
		       sizeof(ge));
		mp.host_addr = (GMAP_GFN + (unsigned int)k) << PAGE_SHIFT;
		mp.ref = ref;
		mp.dom = e->dom[t]->id;
		fz_put(e, i, fz_gpa(e, i, 0), &mp, sizeof(mp));
		rc = fz_call(e, i, __HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref,
			     fz_gpa(e, i, 0), 1, 0, 0);
		fz_get(e, i, fz_gpa(e, i, 0), &mp, sizeof(mp));
		if (rc || mp.status)
			return fail(s, op_name[op], i, rc ? rc : mp.status);
		m->gmap[k].used = true;
		m->gmap[k].handle = mp.handle;
		break;
	}
	case OP_GUNMAP: {
		struct gnttab_unmap_grant_ref u = {0};

		k = (int)fz_below(&s->rng, GMAP_SLOTS);
		if (!m->gmap[k].used)
			return;
		u.host_addr = (GMAP_GFN + (unsigned int)k) << PAGE_SHIFT;
		u.handle = m->gmap[k].handle;
		fz_put(e, i, fz_gpa(e, i, 0), &u, sizeof(u));
		rc = fz_call(e, i, __HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,
			     fz_gpa(e, i, 0), 1, 0, 0);
		fz_get(e, i, fz_gpa(e, i, 0), &u, sizeof(u));
		if (rc || u.status)
			return fail(s, op_name[op], i, rc ? rc : u.status);
		m->gmap[k].used = false;
		break;
	}
	case OP_LIFE:
		if (i == 0)
			return; /* keep the privileged domain */
		fz_dom_destroy(e, i);
		if (fz_audit(e))
			fail(s, "audit after destroy", i, 0);
		/* Others' foreign and grant maps of its pages stay valid. */
		if (slot_create(s, i))
			fail(s, op_name[op], i, -1);
		break;
	default:
		return;
	}
	s->done[op]++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct soak s;
	/* Weights: populate and decrease balance; life is rare. */
	static const unsigned int weight[OP_NR] = {30, 1, 26, 8, 10, 9, 6, 5, 0};
	unsigned int nr = 4, secs = 10, every = 100, mib = 64;
	uint64_t seed = 1, ops = 0, total_w = 0;
	double t0, t1;

	for (int a = 1; a < argc; a++) {
		const char *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (v && !strcmp(argv[a], "--domains"))
			nr = (unsigned int)atoi(v), a++;
		else if (v && !strcmp(argv[a], "--seconds"))
			secs = (unsigned int)atoi(v), a++;
		else if (v && !strcmp(argv[a], "--audit-every"))
			every = (unsigned int)atoi(v), a++;
		else if (v && !strcmp(argv[a], "--seed"))
			seed = strtoull(v, NULL, 0), a++;
		else if (v && !strcmp(argv[a], "--mib"))
			mib = (unsigned int)atoi(v), a++;
		else {
			fprintf(stderr, "usage: %s [--domains N] [--seconds M] [--audit-every K] "
				"[--seed S] [--mib B]\n", argv[0]);
			return 2;
		}
	}
	if (nr < 2 || nr > FZ_MAX_DOMS || !secs || mib < 8) {
		fprintf(stderr, "soak: need 2..%d domains, seconds > 0, --mib >= 8\n", FZ_MAX_DOMS);
		return 2;
	}
	for (unsigned int k = 0; k < OP_NR; k++)
		total_w += weight[k];
	s.rng.rng = seed ? seed : 1;
	s.nr = nr;
	if (fz_env_init(&s.e, mib)) {
		fprintf(stderr, "soak: cannot create the hypervisor\n");
		return 1;
	}
	s.e.audit_every = every;
	for (unsigned int i = 0; i < nr; i++)
		if (slot_create(&s, i)) {
			fprintf(stderr, "soak: cannot create domain %u\n", i);
			return 1;
		}

	t0 = now();
	for (t1 = t0; t1 - t0 < secs && !s.errors; ops++) {
		unsigned int w = fz_below(&s.rng, (unsigned int)total_w), op = 0;

		while (w >= weight[op])
			w -= weight[op++];
		if (ops % 5000 == 4999)
			op = OP_LIFE;
		do_op(&s, (enum op)op, fz_below(&s.rng, nr));
		if ((ops & 255) == 0)
			t1 = now();
	}
	t1 = now();
	if (fz_audit(&s.e))
		fail(&s, "final audit", 0, 0);

	printf("soak: %u domains, %.1f s, seed %llu, audit every %u calls\n", nr, t1 - t0,
	       (unsigned long long)seed, every);
	printf("soak: %llu operations chosen, %llu hypercalls (%.0f/s), %llu audits\n",
	       (unsigned long long)ops, (unsigned long long)s.e.calls, s.e.calls / (t1 - t0),
	       (unsigned long long)s.e.audits);
	for (unsigned int k = 0; k < OP_NR; k++)
		printf("  %-15s %10llu done %8llu refused (no memory)\n", op_name[k],
		       (unsigned long long)s.done[k], (unsigned long long)s.refused[k]);
	for (unsigned int i = 0; i < nr; i++) {
		struct domain *d = s.e.dom[i];

		if (d)
			printf("  slot %u: d%u tot_pages %llu (window RAM %u), p2m shattered %llu\n", i,
			       d->id, (unsigned long long)d->tot_pages, s.m[i].nr_ram,
			       (unsigned long long)(d->p2m.st.shattered[1] + d->p2m.st.shattered[2]));
	}
	printf("  heap: %llu of %llu frames free; %llu domain crashes\n",
	       (unsigned long long)s.e.hv->heap.free_pages,
	       (unsigned long long)s.e.hv->heap.total_pages,
	       (unsigned long long)s.e.hv->st.domain_crashes);

	for (unsigned int i = 0; i < FZ_MAX_DOMS; i++)
		fz_dom_destroy(&s.e, i);
	if (fz_audit(&s.e))
		fail(&s, "audit after destroying all", 0, 0);
	if (s.e.hv->domains || s.e.hv->heap.free_pages != s.e.hv->heap.total_pages)
		fail(&s, "teardown: frames not all back in the heap", 0,
		     (int64_t)s.e.hv->heap.free_pages);
	fz_env_fini(&s.e);
	printf("soak: %s (%u errors)\n", s.errors ? "FAILED" : "ok", s.errors);
	return s.errors ? 1 : 0;
}
