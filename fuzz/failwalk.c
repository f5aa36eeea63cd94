/*
 * Allocation-failure walk.
 *
 * Built against its own copy of the hypervisor compiled with
 * HV_FAILINJECT=1, so hv_failinject_hit() counts every allocation the
 * hypervisor makes (hv_malloc/hv_calloc, heap_alloc, P2M and IOMMU table
 * allocation). For N = 1, 2, ... a fresh hypervisor runs one fixed scenario
 * with hv->fi_nth = N, i.e. the Nth allocation fails, until a run completes
 * without reaching N allocations. In every run:
 * - each hypercall returns >= 0 or a Xen errno (fz_call checks the shape);
 * - the audit passes after every operation, failed or not;
 * - after destroying every domain, every heap frame is free again;
 * and the whole process runs under LeakSanitizer in the ASan build, so a
 * failure path that forgets to free is reported at exit.
 *
 * A reference run without injection checks first that each scenario step
 * succeeds, so the walk exercises real work and not just early errors.
 *
 * Options: --max N (stop after N runs), --from N, -v (per-run lines).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/heap.h>
#include <hv/ioreq.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/iommu_op.h>
#include <public/memory.h>
#include <public/vcpu.h>
#include <public/xen.h>

#include "fz_env.h"

#ifndef HV_FAILINJECT
#error "failwalk must be built with -DHV_FAILINJECT=1"
#endif

enum { D0, DA, DB, DS, DI, NR_D }; /* privileged, backend, frontend, static, IOMMU */

struct step_log {
	unsigned int steps, bad;  /* steps run; steps that did not succeed */
	char first_bad[128];
};

static void note(struct step_log *l, const char *what, int64_t rc, bool ok)
{
	l->steps++;
	if (!ok) {
		if (!l->bad)
			snprintf(l->first_bad, sizeof(l->first_bad), "%s -> %lld", what, (long long)rc);
		l->bad++;
	}
}

static int64_t reservation(struct fz_env *e, unsigned int i, unsigned int op, uint64_t gfn,
			   uint64_t nr, unsigned int order, uint16_t domid)
{
	struct xen_memory_reservation r = {
		.extent_start = fz_gpa(e, i, 0x1000), .nr_extents = nr, .extent_order = order,
		.domid = domid,
	};
	uint64_t gfns[64];

	for (uint64_t k = 0; k < nr && k < 64; k++)
		gfns[k] = gfn + (k << order);
	if (fz_put(e, i, fz_gpa(e, i, 0x1000), gfns, sizeof(gfns)) ||
	    fz_put(e, i, fz_gpa(e, i, 0), &r, sizeof(r)))
		return -EFAULT;
	return fz_call(e, i, __HYPERVISOR_memory_op, op, fz_gpa(e, i, 0), 0, 0, 0);
}

/* Foreign-maps nr frames of `src` (gfn idx..) at the caller's gpfn..; returns
 * the call's result, per-entry errors in *errs. */
static int64_t map_foreign(struct fz_env *e, unsigned int i, unsigned int src, uint64_t idx,
			   uint64_t gpfn, unsigned int nr, int *errs)
{
	struct xen_add_to_physmap_batch b;
	uint64_t idxs[16], gpfns[16];
	int64_t rc;

	memset(&b, 0, sizeof(b));
	b.domid = DOMID_SELF;
	b.space = XENMAPSPACE_gmfn_foreign;
	b.size = (uint16_t)nr;
	b.u.foreign_domid = e->dom[src]->id;
	b.idxs = fz_gpa(e, i, 0x1000);
	b.gpfns = fz_gpa(e, i, 0x2000);
	b.errs = fz_gpa(e, i, 0x3000);
	for (unsigned int k = 0; k < nr; k++) {
		idxs[k] = idx + k;
		gpfns[k] = gpfn + k;
	}
	if (fz_put(e, i, b.idxs, idxs, sizeof(idxs)) || fz_put(e, i, b.gpfns, gpfns, sizeof(gpfns)) ||
	    fz_put(e, i, fz_gpa(e, i, 0), &b, sizeof(b)))
		return -EFAULT;
	rc = fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch, fz_gpa(e, i, 0), 0,
		     0, 0);
	if (fz_get(e, i, b.errs, errs, nr * sizeof(int)))
		return -EFAULT;
	return rc;
}

static int64_t physmap(struct fz_env *e, unsigned int i, unsigned int space, uint64_t idx,
		       uint64_t gpfn, uint16_t size)
{
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = space, .idx = idx,
				       .gpfn = gpfn, .size = size};

	if (fz_put(e, i, fz_gpa(e, i, 0), &x, sizeof(x)))
		return -EFAULT;
	return fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, fz_gpa(e, i, 0), 0, 0, 0);
}

/* event_channel_op(cmd, a) by domain i; the result back in *a. */
static int64_t evtchn(struct fz_env *e, unsigned int i, unsigned int cmd, void *a, size_t len)
{
	int64_t rc;

	if (fz_put(e, i, fz_gpa(e, i, 0), a, len))
		return -EFAULT;
	rc = fz_call(e, i, __HYPERVISOR_event_channel_op, cmd, fz_gpa(e, i, 0), 0, 0, 0);
	if (fz_get(e, i, fz_gpa(e, i, 0), a, len))
		return -EFAULT;
	return rc;
}

static int64_t remove_gfn(struct fz_env *e, unsigned int i, uint64_t gpfn)
{
	struct xen_remove_from_physmap x = {.domid = DOMID_SELF, .gpfn = gpfn};

	if (fz_put(e, i, fz_gpa(e, i, 0), &x, sizeof(x)))
		return -EFAULT;
	return fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap, fz_gpa(e, i, 0), 0,
		       0, 0);
}

/* Grant: DB grants its frame at gfn to DA; DA maps it at gpfn. Returns the
 * map status, handle in *h. */
static int64_t grant_map(struct fz_env *e, struct step_log *l, uint64_t gfn, uint64_t gpfn,
			 uint32_t *h)
{
	struct grant_entry_v1 ge = {.flags = GTF_permit_access, .frame = (uint32_t)gfn};
	struct gnttab_map_grant_ref m = {.host_addr = gpfn << PAGE_SHIFT, .flags = GNTMAP_host_map,
					 .ref = 8};
	int64_t rc;

	/* The frontend maps grant frame 0 at the usual place and fills entry 8. */
	rc = physmap(e, DB, XENMAPSPACE_grant_table, 0, 0x38000, 0);
	note(l, "gnttab frame", rc, rc == 0);
	ge.domid = e->dom[DA]->id;
	if (fz_put(e, DB, (0x38000ULL << PAGE_SHIFT) + 8 * sizeof(ge), &ge, sizeof(ge)))
		return -EFAULT;
	m.dom = e->dom[DB]->id;
	if (fz_put(e, DA, fz_gpa(e, DA, 0), &m, sizeof(m)))
		return -EFAULT;
	rc = fz_call(e, DA, __HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, fz_gpa(e, DA, 0), 1,
		     0, 0);
	if (fz_get(e, DA, fz_gpa(e, DA, 0), &m, sizeof(m)))
		return -EFAULT;
	*h = m.handle;
	return rc ? rc : m.status;
}

static int64_t grant_unmap(struct fz_env *e, uint64_t gpfn, uint32_t h)
{
	struct gnttab_unmap_grant_ref u = {.host_addr = gpfn << PAGE_SHIFT, .handle = h};
	int64_t rc;

	if (fz_put(e, DA, fz_gpa(e, DA, 0), &u, sizeof(u)))
		return -EFAULT;
	rc = fz_call(e, DA, __HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, fz_gpa(e, DA, 0),
		     1, 0, 0);
	if (fz_get(e, DA, fz_gpa(e, DA, 0), &u, sizeof(u)))
		return -EFAULT;
	return rc ? rc : u.status;
}

static int64_t iommu_ops(struct fz_env *e, unsigned int i, struct pv_iommu_op *ops,
			 unsigned int n)
{
	int64_t rc;

	if (fz_put(e, i, fz_gpa(e, i, 0x4000), ops, n * sizeof(*ops)))
		return -EFAULT;
	rc = fz_call(e, i, __HYPERVISOR_iommu_op, fz_gpa(e, i, 0x4000), n, 0, 0, 0);
	if (fz_get(e, i, fz_gpa(e, i, 0x4000), ops, n * sizeof(*ops)))
		return -EFAULT;
	return rc;
}

/* The scenario. Every step's expected outcome in a run without injection
 * is success; l records which steps did not succeed. */
static void scenario(struct fz_env *e, struct step_log *l)
{
	static const enum fz_kind kinds[NR_D] = {FZ_PRIV, FZ_PLAIN, FZ_PLAIN, FZ_STATIC,
						 FZ_PLAIN_IOMMU};
	int errs[16];
	uint32_t h = 0;
	int64_t rc;
	ioservid_t sid = 0;
	struct pv_iommu_op ops[4];

	for (unsigned int i = 0; i < NR_D; i++) {
		rc = fz_dom_create(e, i, kinds[i]);
		note(l, "create", rc, rc == 0);
		fz_audit(e);
	}
	for (unsigned int i = 0; i < NR_D; i++)
		if (!e->dom[i])
			return; /* the rest needs every domain */
	fz_dom_target(e, DA, DB); /* the backend may map the frontend */

	/* Populate: small pages, two superpages, then a gap-filling batch. */
	rc = reservation(e, DA, XENMEM_populate_physmap, 0x40000, 32, 0, DOMID_SELF);
	note(l, "populate A 4k", rc, rc == 32);
	rc = reservation(e, DA, XENMEM_populate_physmap, 0x40200, 2, 9, DOMID_SELF);
	note(l, "populate A 2M", rc, rc == 2);
	rc = reservation(e, DB, XENMEM_populate_physmap, 0x40000, 16, 0, DOMID_SELF);
	note(l, "populate B", rc, rc == 16);
	rc = reservation(e, D0, XENMEM_populate_physmap, 0x50000, 8, 0, e->dom[DB]->id);
	note(l, "populate B by dom0", rc, rc == 8);
	rc = reservation(e, DI, XENMEM_populate_physmap, 0x40000, 8, 0, DOMID_SELF);
	note(l, "populate I", rc, rc == 8);
	rc = reservation(e, DA, XENMEM_increase_reservation, 0, 4, 0, DOMID_SELF);
	note(l, "increase A", rc, rc == 4);

	/* Foreign maps: backend maps frontend pages; dom0 maps the backend's. */
	rc = map_foreign(e, DA, DB, 0x40000, 0x80000, 8, errs);
	note(l, "foreign A<-B", rc, rc == 0 && !errs[0] && !errs[7]);
	rc = map_foreign(e, D0, DA, 0x40200, 0x90000, 16, errs);
	note(l, "foreign 0<-A", rc, rc == 0 && !errs[0] && !errs[15]);

	/* Shatter a superpage by giving back one page of it; move a page. */
	rc = reservation(e, DA, XENMEM_decrease_reservation, 0x40205, 1, 0, DOMID_SELF);
	note(l, "decrease in 2M", rc, rc == 1);
	rc = physmap(e, DA, XENMAPSPACE_gmfn, 0x40001, 0x60000, 0);
	note(l, "move gmfn", rc, rc == 0);
	rc = physmap(e, DA, XENMAPSPACE_gmfn_range, 0x40010, 0x61000, 4);
	note(l, "move range", rc, rc == 0);

	/* Static domain: give a page back and take it again. */
	rc = reservation(e, DS, XENMEM_decrease_reservation, FZ_SCRATCH_GFN + 100, 1, 0, DOMID_SELF);
	note(l, "static decrease", rc, rc == 1);
	rc = reservation(e, DS, XENMEM_populate_physmap, 0x70000, 1, 0, DOMID_SELF);
	note(l, "static populate", rc, rc == 1);

	/* Grants. */
	rc = grant_map(e, l, 0x40003, 0xa0000, &h);
	note(l, "grant map", rc, rc == 0);
	if (rc == 0) {
		rc = grant_unmap(e, 0xa0000, h);
		note(l, "grant unmap", rc, rc == 0);
	}
	rc = grant_map(e, l, 0x40004, 0xa0001, &h); /* left mapped for destroy */
	note(l, "grant map 2", rc, rc == 0);

	/* PV IOMMU: the IOMMU domain maps its own pages; an emulator (dom0)
	 * maps the frontend's page for a server. */
	memset(ops, 0, sizeof(ops));
	ops[0].subop_id = IOMMUOP_map_page;
	ops[0].flags = IOMMU_OP_readable | IOMMU_OP_writeable;
	ops[0].u.map_page.bfn = 0x1000;
	ops[0].u.map_page.gfn = 0x40000;
	ops[1] = ops[0];
	ops[1].u.map_page.bfn = 0x1001;
	ops[1].u.map_page.gfn = 0x40001;
	ops[2].subop_id = IOMMUOP_unmap_page;
	ops[2].u.unmap_page.bfn = 0x1001;
	rc = iommu_ops(e, DI, ops, 3);
	note(l, "iommu map", rc, rc == 0 && !ops[0].status && !ops[1].status && !ops[2].status);
	hv_lock(e->hv);
	rc = ioreq_server_create(e->dom[D0], e->dom[DB], INVALID_GFN, INVALID_GFN, &sid);
	hv_unlock(e->hv);
	note(l, "ioreq server", rc, rc == 0);
	fz_audit(e);
	memset(ops, 0, sizeof(ops));
	ops[0].subop_id = IOMMUOP_map_foreign_page;
	ops[0].flags = IOMMUOP_readable | IOMMUOP_writeable;
	ops[0].u.map_foreign_page.bfn = 0x2000;
	ops[0].u.map_foreign_page.gfn = 0x40002;
	ops[0].u.map_foreign_page.domid = e->dom[DB]->id;
	ops[0].u.map_foreign_page.ioserver = sid;
	rc = iommu_ops(e, D0, ops, 1);
	note(l, "iommu foreign", rc, rc == 0 && !ops[0].status);
	/* The frontend balloons the page out under the emulator's mapping. */
	rc = reservation(e, DB, XENMEM_decrease_reservation, 0x40002, 1, 0, DOMID_SELF);
	note(l, "balloon under iommu", rc, rc == 1);

	/* Event channels: the backend maps shared_info (a heap frame) and
	 * moves its vcpu_info into its RAM; the frontend offers a port, the
	 * backend binds it and sends. The frontend then dies with the
	 * channel up, the backend with its vcpu_info page referenced. */
	{
		struct evtchn_alloc_unbound au = {.dom = DOMID_SELF, .remote_dom = e->dom[DA]->id};
		struct evtchn_bind_interdomain bi = {.remote_dom = e->dom[DB]->id};
		struct vcpu_register_vcpu_info vi = {.mfn = 0x40018, .offset = 64};
		struct evtchn_send sd;

		rc = physmap(e, DA, XENMAPSPACE_shared_info, 0, 0x62000, 0);
		note(l, "map shared_info", rc, rc == 0);
		rc = fz_put(e, DA, fz_gpa(e, DA, 0), &vi, sizeof(vi));
		if (!rc)
			rc = fz_call(e, DA, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0,
				     fz_gpa(e, DA, 0), 0, 0);
		note(l, "register vcpu_info", rc, rc == 0);
		rc = evtchn(e, DB, EVTCHNOP_alloc_unbound, &au, sizeof(au));
		note(l, "alloc unbound", rc, rc == 0);
		bi.remote_port = au.port;
		rc = evtchn(e, DA, EVTCHNOP_bind_interdomain, &bi, sizeof(bi));
		note(l, "bind interdomain", rc, rc == 0);
		sd.port = bi.local_port;
		rc = evtchn(e, DA, EVTCHNOP_send, &sd, sizeof(sd));
		note(l, "send", rc, rc == 0);
	}

	/* Unmap one foreign page, then destroy the frontend while mapped. */
	rc = remove_gfn(e, DA, 0x80000);
	note(l, "unmap foreign", rc, rc == 0);
	fz_dom_destroy(e, DB);
	fz_audit(e);
	rc = reservation(e, DA, XENMEM_decrease_reservation, 0x80001, 3, 0, DOMID_SELF);
	note(l, "drop zombie maps", rc, rc == 3);
	fz_dom_destroy(e, DA);
	fz_audit(e);
	/* A new domain reuses the freed memory. */
	rc = fz_dom_create(e, DB, FZ_PLAIN);
	note(l, "recreate", rc, rc == 0);
	fz_audit(e);
	if (e->dom[DB]) {
		rc = reservation(e, DB, XENMEM_populate_physmap, 0x40000, 2, 9, DOMID_SELF);
		note(l, "populate new", rc, rc == 2);
	}
}

/* Destroys everything and checks the heap got every frame back. */
static int teardown_check(struct fz_env *e, char *why, size_t len)
{
	uint64_t free_pages;

	for (unsigned int i = 0; i < FZ_MAX_DOMS; i++)
		fz_dom_destroy(e, i);
	if (fz_audit(e)) {
		snprintf(why, len, "audit after destroying all: %.400s", e->why);
		return -1;
	}
	if (e->hv->domains) {
		snprintf(why, len, "a domain survived destruction (d%u)", e->hv->domains->id);
		return -1;
	}
	free_pages = e->hv->heap.free_pages;
	if (free_pages != e->hv->heap.total_pages) {
		snprintf(why, len, "heap has %llu of %llu frames free after destroying all",
			 (unsigned long long)free_pages, (unsigned long long)e->hv->heap.total_pages);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct fz_env e;
	struct step_log ref = {0};
	uint64_t n, max = UINT64_MAX, from = 1, total_allocs, hit = 0;
	bool verbose = false;
	char why[512];

	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--max") && a + 1 < argc)
			max = strtoull(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "--from") && a + 1 < argc)
			from = strtoull(argv[++a], NULL, 0);
		else if (!strcmp(argv[a], "-v"))
			verbose = true;
		else {
			fprintf(stderr, "usage: %s [--from N] [--max N] [-v]\n", argv[0]);
			return 2;
		}
	}

	/* Reference run: everything must succeed. */
	if (fz_env_init(&e, 8)) {
		fprintf(stderr, "failwalk: cannot create the hypervisor\n");
		return 1;
	}
	e.hv->fi_calls = 0;
	scenario(&e, &ref);
	total_allocs = e.hv->fi_calls;
	if (ref.bad || e.failures || teardown_check(&e, why, sizeof(why))) {
		fprintf(stderr, "failwalk: reference run failed: %u of %u steps (first: %s), %u bad "
			"results/audits: %s\n", ref.bad, ref.steps, ref.first_bad, e.failures,
			e.failures ? e.why : why);
		fz_env_fini(&e);
		return 1;
	}
	fz_env_fini(&e);
	printf("failwalk: reference run: %u steps, %llu allocations\n", ref.steps,
	       (unsigned long long)total_allocs);

	for (n = from; n - from < max; n++) {
		struct step_log l = {0};

		if (fz_env_init(&e, 8)) {
			fprintf(stderr, "failwalk: cannot create the hypervisor\n");
			return 1;
		}
		e.quiet = true;
		e.hv->fi_calls = 0;
		e.hv->fi_nth = n;
		scenario(&e, &l);
		if (!e.hv->fi_failed) {
			/* N is past the last allocation: the walk is complete. */
			fz_env_fini(&e);
			break;
		}
		hit++;
		e.hv->fi_nth = 0;
		if (e.failures || teardown_check(&e, why, sizeof(why))) {
			fprintf(stderr, "failwalk: N=%llu: %s\n", (unsigned long long)n,
				e.failures ? e.why : why);
			fz_env_fini(&e);
			return 1;
		}
		if (verbose)
			printf("N=%llu: %u/%u steps did not succeed (first: %s)\n",
			       (unsigned long long)n, l.bad, l.steps, l.first_bad);
		fz_env_fini(&e);
	}
	printf("failwalk: %llu runs with one injected allocation failure each (N=%llu..%llu), "
	       "all consistent\n", (unsigned long long)hit, (unsigned long long)from,
	       (unsigned long long)(from + hit - 1));
	return 0;
}
