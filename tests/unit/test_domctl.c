/*
 * domctl (issue 16 item 1): a privileged domain creates, builds, inspects,
 * pauses and destroys domains at run time, with the layouts, checks and
 * errnos of the presented release; the audit after every call (dc() and
 * the harness's helpers run it), failed ones included.
 *
 * The create -> populate -> foreign map / grant / port / IOREQ server ->
 * destroy cycle runs 100 times and must leave the heap, the memfd and the
 * domain list as they were.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hv/extregion.h>
#include <hv/hypercall.h>
#include <public/dm_op.h>
#include <public/domctl.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/hvm_save.h>
#include <public/memory.h>
#include <public/sysctl.h>
#include <public/xen.h>

#include "harness.h"

#define RAM_GFN 0x40000ULL  /* guest RAM0 at 1 GiB */
#define MAP_GFN 0x100000ULL /* where dom0 puts its foreign and grant maps */
#define CTX_OFF 0x1000	    /* hvmcontext buffer in the caller's scratch */

static int64_t dc(struct harness *h, struct domain *caller, struct xen_domctl *op)
{
	int64_t rc;

	h_put(caller, 0, op, sizeof(*op));
	rc = h_call(h, caller, __HYPERVISOR_domctl, h_gpa(0), 0, 0, 0, 0);
	h_get(caller, 0, op, sizeof(*op));
	h_audit(h);
	return rc;
}

static struct xen_domctl dc_op(struct harness *h, uint32_t cmd, domid_t dom)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.interface_version = hv_release(h->hv)->domctl_version;
	op.domain = dom;
	return op;
}

/* What libxl asks for a PVH guest: HVM + HAP, the local APIC only,
 * grant v1, defaults for the grant limits, 1 vCPU. */
static void good_config(struct xen_domctl_createdomain *c)
{
	memset(c, 0, sizeof(*c));
	c->flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
	c->max_vcpus = 1;
	c->max_evtchn_port = 1023;
	c->max_grant_frames = -1;
	c->max_maptrack_frames = -1;
	c->grant_opts = XEN_DOMCTL_GRANT_version(1);
	c->arch.emulation_flags = XEN_X86_EMU_LAPIC;
	for (unsigned int i = 0; i < sizeof(c->handle); i++)
		c->handle[i] = (uint8_t)(0xa0 + i);
}

/* c written in the layout of the presented release (the fields it has). */
static void put_cfg(struct harness *h, struct xen_domctl *op, const struct xen_domctl_createdomain *c)
{
	uint32_t ifv = hv_release(h->hv)->domctl_version;
	struct xen_domctl_createdomain_v15 o;

	if (ifv >= 0x17) {
		op->u.createdomain = *c;
		return;
	}
	memset(&o, 0, sizeof(o));
	o.ssidref = c->ssidref;
	memcpy(o.handle, c->handle, sizeof(o.handle));
	o.flags = c->flags;
	o.iommu_opts = c->iommu_opts;
	o.max_vcpus = c->max_vcpus;
	o.max_evtchn_port = c->max_evtchn_port;
	o.max_grant_frames = c->max_grant_frames;
	o.max_maptrack_frames = c->max_maptrack_frames;
	o.grant_opts = c->grant_opts;
	o.vmtrace_size = c->vmtrace_size;
	o.cpupool_id = c->cpupool_id;
	o.arch = c->arch;
	if (ifv >= 0x15) {
		op->u.createdomain_v15 = o;
		return;
	}
	/* 0x14: no cpupool word, arch right after vmtrace_size */
	memcpy(&op->u.createdomain_v14, &o, offsetof(struct xen_domctl_createdomain_v14, arch));
	op->u.createdomain_v14.arch = o.arch;
}

static int64_t create_cfg(struct harness *h, struct domain *caller, domid_t want,
			  const struct xen_domctl_createdomain *c, domid_t *got)
{
	struct xen_domctl op = dc_op(h, XEN_DOMCTL_createdomain, want);
	int64_t rc;

	put_cfg(h, &op, c);
	rc = dc(h, caller, &op);
	if (got)
		*got = op.domain;
	return rc;
}

/* A good domain with any id; returns it. */
static struct domain *create(struct harness *h, struct domain *dom0)
{
	struct xen_domctl_createdomain c;
	domid_t id = 0;

	good_config(&c);
	assert_int_equal(create_cfg(h, dom0, hv_release(h->hv)->minor >= 22 ? DOMID_ANY : 0, &c, &id), 0);
	assert_non_null(domain_by_id(h->hv, id));
	return domain_by_id(h->hv, id);
}

static int64_t simple(struct harness *h, struct domain *caller, uint32_t cmd, domid_t dom)
{
	struct xen_domctl op = dc_op(h, cmd, dom);

	return dc(h, caller, &op);
}

static int64_t max_mem(struct harness *h, struct domain *caller, domid_t dom, uint64_t kb)
{
	struct xen_domctl op = dc_op(h, XEN_DOMCTL_max_mem, dom);

	op.u.max_mem.max_memkb = kb;
	return dc(h, caller, &op);
}

static int64_t info(struct harness *h, struct domain *caller, domid_t dom,
		    struct xen_domctl_getdomaininfo *out)
{
	struct xen_domctl op = dc_op(h, XEN_DOMCTL_getdomaininfo, dom);
	int64_t rc = dc(h, caller, &op);

	*out = op.u.getdomaininfo;
	return rc;
}

static unsigned int nr_domains(struct harness *h)
{
	unsigned int n = 0;

	for (struct domain *d = h->hv->domains; d; d = d->next)
		n++;
	return n;
}

/* dom0 populates n pages of t from RAM_GFN + first on (the toolstack's
 * populate_physmap on a domain it builds); returns the extents done. */
static int64_t populate_for(struct harness *h, struct domain *dom0, struct domain *t,
			    uint64_t first, uint64_t n)
{
	uint64_t gfns[16];
	int64_t rc;

	assert_true(n <= 16);
	for (uint64_t i = 0; i < n; i++)
		gfns[i] = RAM_GFN + first + i;
	rc = h_reservation(h, dom0, XENMEM_populate_physmap, gfns, n, 0, t->id);
	h_audit(h);
	return rc;
}

/* dom0 maps t's RAM_GFN + i at its MAP_GFN + at + i (gmfn_foreign batch). */
static void foreign_map(struct harness *h, struct domain *dom0, struct domain *t, uint64_t at,
			uint16_t n)
{
	uint64_t idxs[16], gpfns[16];
	int errs[16];
	struct xen_add_to_physmap_batch b = {.domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_foreign,
					     .size = n, .idxs = h_gpa(0x1000),
					     .gpfns = h_gpa(0x3000), .errs = h_gpa(0x5000)};

	assert_true(n <= 16);
	b.u.foreign_domid = t->id;
	for (uint16_t i = 0; i < n; i++) {
		idxs[i] = RAM_GFN + i;
		gpfns[i] = MAP_GFN + at + i;
	}
	memset(errs, 0x55, sizeof(errs));
	h_put(dom0, 0, &b, sizeof(b));
	h_put(dom0, 0x1000, idxs, n * sizeof(idxs[0]));
	h_put(dom0, 0x3000, gpfns, n * sizeof(gpfns[0]));
	h_put(dom0, 0x5000, errs, n * sizeof(errs[0]));
	assert_int_equal(h_call(h, dom0, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
				h_gpa(0), 0, 0, 0), 0);
	h_get(dom0, 0x5000, errs, n * sizeof(errs[0]));
	for (uint16_t i = 0; i < n; i++)
		assert_int_equal(errs[i], 0);
	h_audit(h);
}

static void unmap_gfn(struct harness *h, struct domain *dom0, uint64_t gfn)
{
	struct xen_remove_from_physmap r = {.domid = DOMID_SELF, .gpfn = gfn};

	h_put(dom0, 0, &r, sizeof(r));
	assert_int_equal(h_call(h, dom0, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
				h_gpa(0), 0, 0, 0), 0);
	h_audit(h);
}

/* ---- lifecycle ---------------------------------------------------------- */

static void test_lifecycle(void **state)
{
	struct harness h;
	struct domain *dom0, *u;
	struct xen_domctl_getdomaininfo gi;
	struct xen_domctl op;
	domid_t id;
	uint64_t free0;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	free0 = h.hv->heap.free_pages;

	u = create(&h, dom0);
	id = u->id;
	assert_true(u->toolstack_created);
	assert_false(u->creation_finished);
	/* paused, no memory, no limit yet, the handle and arch config echoed */
	assert_int_equal(info(&h, dom0, id, &gi), 0);
	assert_int_equal(gi.domain, id);
	assert_int_equal(gi.flags & (XEN_DOMINF_paused | XEN_DOMINF_running | XEN_DOMINF_dying |
				     XEN_DOMINF_shutdown | XEN_DOMINF_hvm_guest | XEN_DOMINF_hap),
			 XEN_DOMINF_paused | XEN_DOMINF_hvm_guest | XEN_DOMINF_hap);
	assert_int_equal(gi.tot_pages, 0);
	assert_int_equal(gi.max_pages, 0);
	assert_int_equal(gi.max_vcpu_id, 0);
	assert_int_equal(gi.nr_online_vcpus, 1);
	assert_int_equal(gi.gpaddr_bits, h.hv->cfg.gpaddr_bits);
	assert_int_equal(gi.handle[3], 0xa3);
	assert_int_equal(gi.arch_config.emulation_flags, XEN_X86_EMU_LAPIC);

	/* max_vcpus must repeat createdomain's */
	op = dc_op(&h, XEN_DOMCTL_max_vcpus, id);
	op.u.max_vcpus.max = 1;
	assert_int_equal(dc(&h, dom0, &op), 0);
	op = dc_op(&h, XEN_DOMCTL_max_vcpus, id);
	op.u.max_vcpus.max = 2;
	assert_int_equal(dc(&h, dom0, &op), -EINVAL);
	op = dc_op(&h, XEN_DOMCTL_max_vcpus, DOMID_SELF);
	op.u.max_vcpus.max = dom0->nr_vcpus;
	assert_int_equal(dc(&h, dom0, &op), -EINVAL);

	/* a domain asked with three vCPUs has three (SMP, issue 17) */
	{
		struct xen_domctl_createdomain c3;
		domid_t id3 = 0;
		struct domain *u3;

		good_config(&c3);
		c3.max_vcpus = 3;
		assert_int_equal(create_cfg(&h, dom0, hv_release(h.hv)->minor >= 22 ? DOMID_ANY : 0,
					    &c3, &id3), 0);
		u3 = domain_by_id(h.hv, id3);
		assert_non_null(u3);
		assert_int_equal(u3->nr_vcpus, 3);
		assert_int_equal(info(&h, dom0, id3, &gi), 0);
		assert_int_equal(gi.max_vcpu_id, 2);
		op = dc_op(&h, XEN_DOMCTL_max_vcpus, id3);
		op.u.max_vcpus.max = 3;
		assert_int_equal(dc(&h, dom0, &op), 0);
		op = dc_op(&h, XEN_DOMCTL_destroydomain, id3);
		assert_int_equal(dc(&h, dom0, &op), 0);
		h_audit(&h);
	}

	/* populate_physmap before max_mem: the limit is 0, nothing done */
	assert_int_equal(populate_for(&h, dom0, u, 0, 4), 0);
	assert_int_equal(max_mem(&h, dom0, id, 16 * 4), 0);
	assert_int_equal(u->max_pages, 16);
	assert_int_equal(populate_for(&h, dom0, u, 0, 16), 16);
	assert_int_equal(populate_for(&h, dom0, u, 16, 1), 0); /* at the limit */
	assert_int_equal(info(&h, dom0, id, &gi), 0);
	assert_int_equal(gi.tot_pages, 16);

	/* dom0 writes the domain's memory through a foreign mapping */
	foreign_map(&h, dom0, u, 0, 4);
	memcpy(h_va(dom0, (MAP_GFN + 2) << PAGE_SHIFT), "kernel", 7);
	assert_string_equal((char *)h_va(u, (RAM_GFN + 2) << PAGE_SHIFT), "kernel");

	/* pause / unpause: the count is Xen's, self-pause refused */
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_pausedomain, id), 0);
	assert_int_equal(u->pause_count, 2);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_pausedomain, DOMID_SELF), -EINVAL);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_unpausedomain, id), 0);
	assert_false(u->creation_finished);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_unpausedomain, id), 0);
	assert_true(u->creation_finished);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_unpausedomain, id), -EINVAL);
	assert_int_equal(info(&h, dom0, id, &gi), 0);
	assert_int_equal(gi.flags & (XEN_DOMINF_paused | XEN_DOMINF_running), XEN_DOMINF_running);
	/* Xen's bound on the toolstack's pauses */
	for (unsigned int i = 0; i < 255; i++)
		assert_int_equal(simple(&h, dom0, XEN_DOMCTL_pausedomain, id), 0);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_pausedomain, id), -EOVERFLOW);

	/* destroy: self refused; dom0 still maps 4 frames, so the domain
	 * lingers dying until they go, and destroying it again answers 0 */
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, DOMID_SELF), -EINVAL);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, id), 0);
	assert_int_equal(info(&h, dom0, id, &gi), 0);
	assert_true(gi.flags & XEN_DOMINF_dying);
	assert_int_equal(gi.tot_pages, 4);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, id), 0);
	assert_string_equal((char *)h_va(dom0, (MAP_GFN + 2) << PAGE_SHIFT), "kernel");
	for (uint64_t i = 0; i < 4; i++)
		unmap_gfn(&h, dom0, MAP_GFN + i);
	assert_null(domain_by_id(h.hv, id));
	assert_int_equal(info(&h, dom0, id, &gi), -ESRCH);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, id), -ESRCH);
	assert_int_equal(h.hv->heap.free_pages, free0);
	h_fini(&h);
}

/* ---- destroying a domain that may run ------------------------------------ */

static unsigned int stop_calls;

static void noop_pause_state(void *ctx, struct domain *d, bool paused)
{
	(void)ctx;
	(void)d;
	(void)paused;
}

/* A VMM whose vCPUs take two asks to stop. */
static int slow_stop(void *ctx, struct domain *d)
{
	(void)ctx;
	(void)d;
	return ++stop_calls < 3 ? -EAGAIN : 0;
}

/*
 * A boot-built domain that has not shut down may be running in the VMM:
 * without the backend's domain_stop it cannot be destroyed (-EBUSY, nothing
 * changes); with it, the call continues until the VMM reports its vCPUs
 * stopped, then destroys. A toolstack-built domain never started needs no
 * stop, nor does one that shut down.
 */
static void test_destroy_running(void **state)
{
	static struct hv_backend_ops ops;
	struct harness h;
	struct domain *dom0, *run, *u;
	domid_t id;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	run = h_domain(&h, "running", 0, 256);
	id = run->id;
	/* a VMM that can neither start created domains nor stop any */
	ops = *h.hv->cfg.backend;
	ops.domain_stop = NULL;
	ops.domain_pause_state = NULL;
	h.hv->cfg.backend = &ops;
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, id), -EBUSY);
	assert_int_equal(run->state, DOMS_running);

	ops.domain_stop = slow_stop;
	stop_calls = 0;
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, id), 0);
	assert_int_equal(stop_calls, 3);
	assert_null(domain_by_id(h.hv, id));

	/* never started: no stop asked; the VMM that cannot start domains
	 * built by the toolstack (no domain_pause_state) never runs them */
	stop_calls = 0;
	u = create(&h, dom0);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, u->id), 0);
	u = create(&h, dom0);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_unpausedomain, u->id), 0);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, u->id), 0);
	assert_int_equal(stop_calls, 0);

	/* shut down: its vCPUs have stopped (and no domain_stop is needed) */
	ops.domain_stop = NULL;
	run = h_domain(&h, "done", 0, 256);
	{
		struct sched_shutdown s = {.reason = SHUTDOWN_poweroff};

		h_put(run, 0, &s, sizeof(s));
		assert_int_equal(h_call(&h, run, __HYPERVISOR_sched_op, SCHEDOP_shutdown, h_gpa(0), 0,
					0, 0), 0);
	}
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, run->id), 0);

	/* a created domain the VMM started (it has domain_pause_state): its
	 * threads may still be on their way out after its shutdown, so the
	 * VMM is asked even then */
	ops.domain_stop = slow_stop;
	ops.domain_pause_state = noop_pause_state;
	stop_calls = 0;
	u = create(&h, dom0);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_unpausedomain, u->id), 0);
	hv_lock(h.hv);
	hv_domain_crash(u, "test: it stopped"); /* a shutdown (it has no memory to ask) */
	hv_unlock(h.hv);
	assert_int_not_equal(u->state, DOMS_running);
	id = u->id;
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, id), 0);
	assert_int_equal(stop_calls, 3);
	assert_null(domain_by_id(h.hv, id));
	h_fini(&h);
}

/* ---- 100 create/destroy cycles ------------------------------------------ */

static int64_t evop(struct harness *h, struct domain *d, unsigned int cmd, void *a, size_t len)
{
	int64_t rc;

	h_put(d, 0, a, len);
	rc = h_call(h, d, __HYPERVISOR_event_channel_op, cmd, h_gpa(0), 0, 0, 0);
	h_get(d, 0, a, len);
	h_audit(h);
	return rc;
}

static int64_t dmop(struct harness *h, struct domain *d, domid_t target, struct xen_dm_op *op)
{
	struct xen_dm_op_buf b = {.h = h_gpa(2 * PAGE_SIZE), .size = sizeof(*op)};
	int64_t rc;

	h_put(d, PAGE_SIZE, &b, sizeof(b));
	h_put(d, 2 * PAGE_SIZE, op, sizeof(*op));
	rc = h_call(h, d, __HYPERVISOR_dm_op, target, 1, h_gpa(PAGE_SIZE), 0, 0);
	h_get(d, 2 * PAGE_SIZE, op, sizeof(*op));
	h_audit(h);
	return rc;
}

/*
 * One toolstack cycle on a fresh domain u, everything made by dom0:
 * memory, a foreign map of it, u's grant table (placed in u by dom0, as
 * libxenguest seeds it) with one entry dom0 maps, an event channel between
 * the two, an IOREQ server dom0 runs for u. Then u is destroyed while all
 * of that is in place, and dom0 lets go of what it holds.
 */
static void one_cycle(struct harness *h, struct domain *dom0)
{
	struct domain *u = create(h, dom0);
	domid_t id = u->id;
	struct xen_add_to_physmap atp = {.domid = id, .space = XENMAPSPACE_grant_table, .idx = 0,
					 .gpfn = H_GNT_GFN};
	struct gnttab_map_grant_ref gm = {.host_addr = (MAP_GFN + 8) << PAGE_SHIFT,
					  .flags = GNTMAP_host_map, .ref = 5, .dom = id};
	struct evtchn_alloc_unbound au = {.dom = id, .remote_dom = dom0->id};
	struct evtchn_bind_interdomain bi = {.remote_dom = id};
	struct evtchn_close cl;
	struct xen_dm_op dm;
	struct gnttab_unmap_grant_ref gu;

	assert_int_equal(max_mem(h, dom0, id, 64 * 4), 0);
	assert_int_equal(populate_for(h, dom0, u, 0, 16), 16);
	foreign_map(h, dom0, u, 0, 4);

	h_put(dom0, 0, &atp, sizeof(atp));
	assert_int_equal(h_call(h, dom0, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0,
				0, 0), 0);
	h_audit(h);
	h_grant(u, 5, dom0->id, RAM_GFN + 5, GTF_permit_access);
	h_put(dom0, 0x100, &gm, sizeof(gm));
	assert_int_equal(h_call(h, dom0, __HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref,
				h_gpa(0x100), 1, 0, 0), 0);
	h_get(dom0, 0x100, &gm, sizeof(gm));
	assert_int_equal(gm.status, GNTST_okay);
	h_audit(h);

	assert_int_equal(evop(h, dom0, EVTCHNOP_alloc_unbound, &au, sizeof(au)), 0);
	bi.remote_port = au.port;
	assert_int_equal(evop(h, dom0, EVTCHNOP_bind_interdomain, &bi, sizeof(bi)), 0);

	memset(&dm, 0, sizeof(dm));
	dm.op = XEN_DMOP_create_ioreq_server;
	assert_int_equal(dmop(h, dom0, id, &dm), 0);

	assert_int_equal(simple(h, dom0, XEN_DOMCTL_destroydomain, id), 0);
	/* dom0's foreign maps (4) and grant map (1) keep 5 of its frames */
	assert_non_null(domain_by_id(h->hv, id));
	assert_int_equal(u->tot_pages, 5);

	for (uint64_t i = 0; i < 4; i++)
		unmap_gfn(h, dom0, MAP_GFN + i);
	gu = (struct gnttab_unmap_grant_ref){.host_addr = gm.host_addr, .handle = gm.handle};
	h_put(dom0, 0x100, &gu, sizeof(gu));
	assert_int_equal(h_call(h, dom0, __HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,
				h_gpa(0x100), 1, 0, 0), 0);
	h_get(dom0, 0x100, &gu, sizeof(gu));
	assert_int_equal(gu.status, GNTST_okay);
	h_audit(h);
	assert_null(domain_by_id(h->hv, id));
	/* dom0's end of the channel went back to unbound; it closes it */
	cl.port = bi.local_port;
	assert_int_equal(evop(h, dom0, EVTCHNOP_close, &cl, sizeof(cl)), 0);
}

static void test_cycles(void **state)
{
	struct harness h;
	struct domain *dom0;
	uint64_t free0, resident0;
	unsigned int doms0;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	/* the first cycle grows dom0's own tables (P2M, maptrack, ports):
	 * measure from after it */
	one_cycle(&h, dom0);
	free0 = h.hv->heap.free_pages;
	resident0 = vmm_memfd_resident(&h.vmm);
	doms0 = nr_domains(&h);
	for (unsigned int i = 0; i < 100; i++) {
		one_cycle(&h, dom0);
		assert_int_equal(h.hv->heap.free_pages, free0);
		assert_int_equal(nr_domains(&h), doms0);
	}
	assert_true(vmm_memfd_resident(&h.vmm) <= resident0);
	h_fini(&h);
}

/* ---- bad inputs ---------------------------------------------------------- */

struct snapshot {
	uint64_t free;
	unsigned int doms;
	domid_t next;
};

static struct snapshot snap(struct harness *h)
{
	return (struct snapshot){h->hv->heap.free_pages, nr_domains(h), h->hv->next_domid};
}

static void same(struct harness *h, struct snapshot s)
{
	assert_int_equal(h->hv->heap.free_pages, s.free);
	assert_int_equal(nr_domains(h), s.doms);
	h_audit(h);
}

/* createdomain with one field of the good config changed must fail with
 * want and leave nothing behind. */
#define BAD(field_set, want)                                                      \
	do {                                                                      \
		struct xen_domctl_createdomain c_;                                \
		struct snapshot s_ = snap(&h);                                    \
		good_config(&c_);                                                 \
		{                                                                 \
			struct xen_domctl_createdomain *c = &c_;                  \
			field_set;                                                \
		}                                                                 \
		assert_int_equal(create_cfg(&h, dom0, 0, &c_, NULL), want);       \
		same(&h, s_);                                                     \
	} while (0)

static void test_bad_config(void **state)
{
	struct harness h;
	struct domain *dom0;

	(void)state;
	h_init_default(&h);
	h.hv->cfg.release = xen_policy_traits(XEN_POLICY_4_21);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);

	BAD(c->flags |= 1u << 9, -EINVAL);			       /* unknown flag */
	BAD(c->flags &= ~(XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap), -EINVAL); /* PV */
	BAD(c->flags &= ~XEN_DOMCTL_CDF_hvm, -EINVAL);		       /* HAP without HVM */
	BAD(c->flags &= ~XEN_DOMCTL_CDF_hap, -EINVAL);		       /* shadow paging */
	BAD(c->flags |= XEN_DOMCTL_CDF_s3_integrity, -EINVAL);
	BAD(c->flags |= XEN_DOMCTL_CDF_nested_virt, -EINVAL);
	BAD(c->flags |= XEN_DOMCTL_CDF_vpmu, -EINVAL);
	BAD(c->flags |= XEN_DOMCTL_CDF_trap_unmapped_accesses, -EINVAL); /* Arm only */
	BAD(c->iommu_opts = XEN_DOMCTL_IOMMU_no_sharept, -EINVAL); /* without CDF_iommu */
	BAD((c->flags |= XEN_DOMCTL_CDF_iommu, c->iommu_opts = 2), -EINVAL);
	BAD(c->max_vcpus = 0, -EINVAL);
	BAD(c->max_vcpus = DOMAIN_MAX_VCPUS + 1, -EINVAL);
	BAD(c->grant_opts = 0, -EINVAL);		/* version 0 */
	BAD(c->grant_opts = XEN_DOMCTL_GRANT_version(2), -EINVAL); /* v2 not offered */
	BAD(c->grant_opts = 0x11, -EINVAL);		/* unknown option bits */
	BAD(c->max_grant_frames = 0, -EINVAL);
	BAD(c->max_grant_frames = 4097, -EINVAL);	/* beyond region 0 */
	BAD(c->vmtrace_size = 4096, -EINVAL);
	BAD(c->altp2m.opts = XEN_DOMCTL_ALTP2M_mixed, -EINVAL);
	BAD(c->altp2m.opts = 4, -EINVAL);
	BAD(c->cpupool_id = 1, -ESRCH);
	BAD(c->arch.misc_flags = 2, -EINVAL);
	BAD(c->arch.emulation_flags = 1u << 11, -EINVAL);
	BAD(c->arch.emulation_flags = 0, -EOPNOTSUPP);		/* no set Xen allows */
	BAD(c->arch.emulation_flags = XEN_X86_EMU_ALL & ~XEN_X86_EMU_VPCI & ~XEN_X86_EMU_USE_PIRQ,
	    -EOPNOTSUPP); /* an HVM domU's devices: Xen allows, memvisor has none */

	/* the limits that are accepted land in the domain */
	{
		struct xen_domctl_createdomain c;
		domid_t id;
		struct domain *u;

		good_config(&c);
		c.max_grant_frames = 4;
		c.max_evtchn_port = 70;
		c.flags |= XEN_DOMCTL_CDF_xs_domain | XEN_DOMCTL_CDF_oos_off;
		assert_int_equal(create_cfg(&h, dom0, 0, &c, &id), 0);
		u = domain_by_id(h.hv, id);
		assert_int_equal(u->gnttab_max_frames, 4);
		assert_int_equal(u->evtchn_max_ports, 71);
		/* and they hold: 70 ports (1..70) can be allocated in it */
		for (unsigned int p = 1; p <= 71; p++) {
			struct evtchn_alloc_unbound au = {.dom = id, .remote_dom = dom0->id};

			assert_int_equal(evop(&h, dom0, EVTCHNOP_alloc_unbound, &au, sizeof(au)),
					 p <= 70 ? 0 : -ENOSPC);
		}
		{
			struct gnttab_query_size q = {.dom = id};

			h_put(dom0, 0, &q, sizeof(q));
			assert_int_equal(h_call(&h, dom0, __HYPERVISOR_grant_table_op,
						GNTTABOP_query_size, h_gpa(0), 1, 0, 0), 0);
			h_get(dom0, 0, &q, sizeof(q));
			assert_int_equal(q.status, GNTST_okay);
			assert_int_equal(q.max_nr_frames, 4);
		}
		{
			struct xen_domctl_getdomaininfo gi;

			assert_int_equal(info(&h, dom0, id, &gi), 0);
			assert_true(gi.flags & XEN_DOMINF_xs_domain);
		}
		assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, id), 0);
	}
	h_fini(&h);
}

/* The grant-frame bound of 4.16/4.17 (the hypervisor's gnttab_max_frames)
 * and its maptrack bound, gone in 4.18. */
static void test_bad_config_old(void **state)
{
	struct harness h;
	struct domain *dom0;

	(void)state;
	h_init_default(&h);
	h.hv->cfg.release = xen_policy_traits(XEN_POLICY_4_17);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	BAD(c->max_grant_frames = 65, -EINVAL);
	BAD(c->max_maptrack_frames = 1025, -EINVAL);
	BAD(c->cpupool_id = 3, -ESRCH);
	h.hv->cfg.release = xen_policy_traits(XEN_POLICY_4_16); /* no cpupool word */
	BAD(c->max_grant_frames = 65, -EINVAL);
	h.hv->cfg.release = xen_policy_traits(XEN_POLICY_4_18);
	{
		struct xen_domctl_createdomain c;
		domid_t id;

		good_config(&c);
		c.max_grant_frames = 65;
		c.max_maptrack_frames = 1025;
		assert_int_equal(create_cfg(&h, dom0, 0, &c, &id), 0);
		assert_int_equal(domain_by_id(h.hv, id)->gnttab_max_frames, 65);
		assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, id), 0);
	}
	h_fini(&h);
}

/* Each release reads createdomain in its own layout: the same good
 * config, written in the 4.16 layout, works on 4.16 and not on 4.22 (the
 * bytes land on other fields there), and vice versa. */
static void test_layouts(void **state)
{
	struct harness h;
	struct domain *dom0;
	struct xen_domctl_createdomain c;
	struct xen_domctl_createdomain_v14 o;
	struct xen_domctl op;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	good_config(&c);
	memset(&o, 0, sizeof(o));
	o.flags = c.flags;
	o.max_vcpus = 1;
	o.max_grant_frames = -1;
	o.max_maptrack_frames = -1;
	o.grant_opts = c.grant_opts;
	o.arch = c.arch;

	h.hv->cfg.release = xen_policy_traits(XEN_POLICY_4_16);
	op = dc_op(&h, XEN_DOMCTL_createdomain, 0);
	op.u.createdomain_v14 = o;
	assert_int_equal(dc(&h, dom0, &op), 0);
	assert_int_equal(domain_by_id(h.hv, op.domain)->emulation_flags, XEN_X86_EMU_LAPIC);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, op.domain), 0);
	op = dc_op(&h, XEN_DOMCTL_createdomain, 0);
	op.u.createdomain = c;
	/* 4.16 reads vmtrace_size at 48 (altp2m: 0) and arch at 52 (vmtrace
	 * 0, cpupool 0): emulation_flags 0 -> no such device set */
	assert_int_equal(dc(&h, dom0, &op), -EOPNOTSUPP);

	h.hv->cfg.release = NULL; /* the newest */
	op = dc_op(&h, XEN_DOMCTL_createdomain, DOMID_ANY);
	op.u.createdomain_v14 = o; /* arch lands in vmtrace/cpupool: -EINVAL */
	assert_int_equal(dc(&h, dom0, &op), -EINVAL);
	/* the interface version is the release's */
	op = dc_op(&h, XEN_DOMCTL_createdomain, DOMID_ANY);
	op.u.createdomain = c;
	op.interface_version = 0x17;
	assert_int_equal(dc(&h, dom0, &op), -EACCES);
	h_fini(&h);
}

/* Which domid createdomain takes, per release. */
static void test_domids(void **state)
{
	struct harness h;
	struct domain *dom0;
	struct xen_domctl_createdomain c;
	domid_t id, first;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	good_config(&c);

	/* 4.20: 0 and reserved ids mean "any"; consecutive ids differ */
	h.hv->cfg.release = xen_policy_traits(XEN_POLICY_4_20);
	assert_int_equal(create_cfg(&h, dom0, 0, &c, &first), 0);
	assert_true(first > 0 && first < DOMID_FIRST_RESERVED && first != dom0->id);
	assert_int_equal(create_cfg(&h, dom0, DOMID_INVALID, &c, &id), 0);
	assert_true(id != first && id < DOMID_FIRST_RESERVED);
	/* explicit: taken -> -EEXIST, free -> that one */
	{
		struct snapshot s = snap(&h);

		assert_int_equal(create_cfg(&h, dom0, first, &c, NULL), -EEXIST);
		assert_int_equal(create_cfg(&h, dom0, dom0->id, &c, NULL), -EEXIST);
		same(&h, s);
	}
	assert_int_equal(create_cfg(&h, dom0, 77, &c, &id), 0);
	assert_int_equal(id, 77);

	/* 4.22: only DOMID_ANY means any; other reserved ids are refused,
	 * 0 is an explicit id */
	h.hv->cfg.release = NULL;
	{
		struct snapshot s = snap(&h);

		assert_int_equal(create_cfg(&h, dom0, DOMID_FIRST_RESERVED, &c, NULL), -EEXIST);
		assert_int_equal(create_cfg(&h, dom0, DOMID_INVALID, &c, NULL), -EEXIST);
		assert_int_equal(create_cfg(&h, dom0, DOMID_IDLE, &c, NULL), -EEXIST);
		assert_int_equal(create_cfg(&h, dom0, 77, &c, NULL), -EEXIST);
		same(&h, s);
	}
	assert_int_equal(create_cfg(&h, dom0, DOMID_ANY, &c, &id), 0);
	assert_true(id > 0 && id < DOMID_FIRST_RESERVED);
	assert_int_equal(create_cfg(&h, dom0, 0, &c, &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(create_cfg(&h, dom0, 0, &c, NULL), -EEXIST);
	h_fini(&h);
}

/* max_mem below what the domain holds: Xen accepts it (the domain may
 * only shrink until it is under), populate does nothing, decrease works. */
static void test_max_mem_below(void **state)
{
	struct harness h;
	struct domain *dom0, *u;
	struct xen_domctl_getdomaininfo gi;
	uint64_t gfn = RAM_GFN + 3;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	u = create(&h, dom0);
	assert_int_equal(max_mem(&h, dom0, u->id, 16 * 4), 0);
	assert_int_equal(populate_for(&h, dom0, u, 0, 16), 16);
	assert_int_equal(max_mem(&h, dom0, u->id, 8 * 4), 0);
	assert_int_equal(info(&h, dom0, u->id, &gi), 0);
	assert_int_equal(gi.max_pages, 8);
	assert_int_equal(gi.tot_pages, 16);
	assert_int_equal(populate_for(&h, dom0, u, 16, 1), 0);
	assert_int_equal(h_reservation(&h, dom0, XENMEM_decrease_reservation, &gfn, 1, 0, u->id), 1);
	h_audit(&h);
	assert_int_equal(u->tot_pages, 15);
	/* raised again: allocations work, the ratchet is gone */
	assert_int_equal(max_mem(&h, dom0, u->id, 32 * 4), 0);
	assert_int_equal(u->ratchet_pages, 0);
	assert_int_equal(populate_for(&h, dom0, u, 16, 1), 1);
	/* a limit above Xen's 32-bit max_pages is cut to it */
	assert_int_equal(max_mem(&h, dom0, u->id, UINT64_MAX), 0);
	assert_int_equal(u->max_pages, UINT32_MAX);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, u->id), 0);
	h_fini(&h);
}

/* A domain that is not privileged gets -EPERM for every sub-op (after the
 * version check, which comes first as in Xen). */
static void test_unprivileged(void **state)
{
	static const uint32_t cmds[] = {
		XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain, XEN_DOMCTL_pausedomain,
		XEN_DOMCTL_unpausedomain, XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_max_mem,
		XEN_DOMCTL_max_vcpus, XEN_DOMCTL_gethvmcontext, XEN_DOMCTL_sethvmcontext,
	};
	struct harness h;
	struct domain *dom0, *du, *u;
	struct xen_domctl op;
	struct xen_sysctl s;
	uint64_t max;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	du = h_domain(&h, "domU", 0, 256);
	u = create(&h, dom0);
	max = u->max_pages;
	for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++) {
		domid_t targets[] = {u->id, dom0->id, DOMID_SELF};

		for (unsigned int k = 0; k < ARRAY_SIZE(targets); k++) {
			struct xen_domctl_createdomain c;

			op = dc_op(&h, cmds[i], targets[k]);
			good_config(&c);
			if (cmds[i] == XEN_DOMCTL_createdomain)
				op.u.createdomain = c;
			else if (cmds[i] == XEN_DOMCTL_max_mem)
				op.u.max_mem.max_memkb = 1 << 20;
			assert_int_equal(dc(&h, du, &op), -EPERM);
			op.interface_version = 0x1234;
			assert_int_equal(dc(&h, du, &op), -EACCES);
		}
	}
	assert_int_equal(u->max_pages, max);
	assert_int_equal(u->pause_count, 1);
	assert_non_null(domain_by_id(h.hv, dom0->id));
	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_getdomaininfolist;
	s.interface_version = hv_release(h.hv)->sysctl_version;
	h_put(du, 0, &s, sizeof(s));
	assert_int_equal(h_call(&h, du, __HYPERVISOR_sysctl, h_gpa(0), 0, 0, 0, 0), -EPERM);
	h_fini(&h);
}

/* The toolstack's list: ascending ids from first_domain, dying ones too. */
static void test_domaininfolist(void **state)
{
	struct harness h;
	struct domain *dom0, *a, *b;
	struct xen_sysctl s;
	struct xen_domctl_getdomaininfo gi[4];

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	a = create(&h, dom0);
	b = create(&h, dom0);
	assert_true(dom0->id < a->id && a->id < b->id);
	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_getdomaininfolist;
	s.interface_version = hv_release(h.hv)->sysctl_version;
	s.u.getdomaininfolist.first_domain = (domid_t)(dom0->id + 1);
	s.u.getdomaininfolist.max_domains = 4;
	s.u.getdomaininfolist.buffer = h_gpa(0x1000);
	h_put(dom0, 0, &s, sizeof(s));
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_sysctl, h_gpa(0), 0, 0, 0, 0), 0);
	h_get(dom0, 0, &s, sizeof(s));
	h_get(dom0, 0x1000, gi, sizeof(gi));
	assert_int_equal(s.u.getdomaininfolist.num_domains, 2);
	assert_int_equal(gi[0].domain, a->id);
	assert_int_equal(gi[1].domain, b->id);
	assert_true(gi[1].flags & XEN_DOMINF_paused);
	s.u.getdomaininfolist.first_domain = 0;
	s.u.getdomaininfolist.max_domains = 1;
	h_put(dom0, 0, &s, sizeof(s));
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_sysctl, h_gpa(0), 0, 0, 0, 0), 0);
	h_get(dom0, 0, &s, sizeof(s));
	h_get(dom0, 0x1000, gi, sizeof(gi));
	assert_int_equal(s.u.getdomaininfolist.num_domains, 1);
	assert_int_equal(gi[0].domain, dom0->id);
	h_audit(&h);
	h_fini(&h);
}

/* getdomaininfo of a missing id: -ESRCH from 4.18; up to 4.17 the next
 * domain above it (domctl.domain says which), -EINVAL for reserved ids. */
static void test_getdomaininfo_next(void **state)
{
	struct harness h;
	struct domain *dom0, *a;
	struct xen_domctl op;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	a = create(&h, dom0);
	assert_true(a->id > dom0->id);
	op = dc_op(&h, XEN_DOMCTL_getdomaininfo, (domid_t)(a->id + 1));
	assert_int_equal(dc(&h, dom0, &op), -ESRCH);
	h.hv->cfg.release = xen_policy_traits(XEN_POLICY_4_17);
	op = dc_op(&h, XEN_DOMCTL_getdomaininfo, (domid_t)(a->id + 1));
	assert_int_equal(dc(&h, dom0, &op), -ESRCH); /* nothing above */
	op = dc_op(&h, XEN_DOMCTL_getdomaininfo, 0);
	assert_int_equal(dc(&h, dom0, &op), 0);
	assert_int_equal(op.domain, dom0->id);
	assert_int_equal(op.u.getdomaininfo.domain, dom0->id);
	op = dc_op(&h, XEN_DOMCTL_getdomaininfo, (domid_t)(dom0->id + 1));
	assert_int_equal(dc(&h, dom0, &op), 0);
	assert_int_equal(op.domain, a->id);
	op = dc_op(&h, XEN_DOMCTL_getdomaininfo, DOMID_IDLE);
	assert_int_equal(dc(&h, dom0, &op), -EINVAL);
	h.hv->cfg.release = xen_policy_traits(XEN_POLICY_4_18);
	op = dc_op(&h, XEN_DOMCTL_getdomaininfo, 0);
	assert_int_equal(dc(&h, dom0, &op), -ESRCH);
	h_fini(&h);
}

/* ---- the boot entry: get/sethvmcontext ---------------------------------- */

struct bsp_ctx {
	struct hvm_save_descriptor header_d;
	struct hvm_save_header header;
	struct hvm_save_descriptor cpu_d;
	struct hvm_hw_cpu cpu;
	struct hvm_save_descriptor end_d;
};

static int64_t hvmctx(struct harness *h, struct domain *dom0, uint32_t cmd, domid_t id, void *buf,
		      uint32_t *size, bool null_buffer)
{
	struct xen_domctl op = dc_op(h, cmd, id);
	int64_t rc;

	op.u.hvmcontext.size = *size;
	op.u.hvmcontext.buffer = null_buffer ? 0 : h_gpa(CTX_OFF);
	if (cmd == XEN_DOMCTL_sethvmcontext)
		h_put(dom0, CTX_OFF, buf, *size);
	rc = dc(h, dom0, &op);
	*size = op.u.hvmcontext.size;
	if (cmd == XEN_DOMCTL_gethvmcontext && !null_buffer && !rc)
		h_get(dom0, CTX_OFF, buf, *size);
	return rc;
}

static void test_hvmcontext(void **state)
{
	struct harness h;
	struct domain *dom0, *u;
	uint8_t full[4096];
	uint32_t size = 0, small;
	struct bsp_ctx bsp;
	struct hvm_save_descriptor d;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	u = create(&h, dom0);

	/* as libxenguest: the size, then the whole stream for its header */
	assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_gethvmcontext, u->id, NULL, &size, true), 0);
	assert_int_equal(size, 8 + 24 + 8 + 1032 + 8 + 240 + 8);
	small = size - 1;
	assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_gethvmcontext, u->id, full, &small, false),
			 -ENOSPC);
	assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_gethvmcontext, u->id, full, &size, false), 0);
	memcpy(&d, full, sizeof(d));
	assert_int_equal(d.typecode, HVM_SAVE_CODE_HEADER);
	assert_int_equal(d.length, sizeof(struct hvm_save_header));
	assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_gethvmcontext, DOMID_SELF, full, &size, false),
			 -EINVAL);

	/* HEADER + CPU + END with the entry point and start-of-day registers */
	memset(&bsp, 0, sizeof(bsp));
	memcpy(&bsp.header_d, full, sizeof(bsp.header_d) + sizeof(bsp.header));
	bsp.cpu_d = (struct hvm_save_descriptor){HVM_SAVE_CODE_CPU, 0, sizeof(bsp.cpu)};
	bsp.cpu.rip = 0x40200000;
	bsp.cpu.rdi = 0x40100000; /* the device tree */
	bsp.cpu.rsp = 0x40300000;
	bsp.cpu.cr0 = 0x80000011; /* PG | ET | PE */
	bsp.cpu.cr3 = 0x40001000;
	bsp.cpu.cr4 = 0x20;	  /* PAE */
	bsp.cpu.msr_efer = 0x500; /* LME | LMA */
	bsp.cpu.cs_arbytes = 0xa9b | HVM_ARBYTES_L;
	bsp.end_d = (struct hvm_save_descriptor){HVM_SAVE_CODE_END, 0, 0};

	/* broken streams change nothing */
	{
		struct bsp_ctx bad = bsp;
		uint32_t sz = sizeof(bad);

		bad.header.magic ^= 1;
		assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_sethvmcontext, u->id, &bad, &sz, false),
				 -EINVAL);
		bad = bsp;
		sz = sizeof(bad) - sizeof(bad.end_d); /* no END */
		assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_sethvmcontext, u->id, &bad, &sz, false),
				 -ENODATA);
		sz = 20; /* not even a header */
		assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_sethvmcontext, u->id, &bad, &sz, false),
				 -ENODATA);
		bad = bsp;
		sz = sizeof(bad);
		bad.cpu_d.instance = 1; /* no such vCPU */
		assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_sethvmcontext, u->id, &bad, &sz, false),
				 -EINVAL);
		bad = bsp;
		bad.cpu_d.typecode = 3; /* PIC: not emulated */
		assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_sethvmcontext, u->id, &bad, &sz, false),
				 -EINVAL);
		bad = bsp;
		bad.cpu.cr4 = 0; /* long mode paging without PAE */
		assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_sethvmcontext, u->id, &bad, &sz, false),
				 -EINVAL);
		assert_false(u->boot[0].set);
	}
	size = sizeof(bsp);
	assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_sethvmcontext, DOMID_SELF, &bsp, &size, false),
			 -EINVAL);
	assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_sethvmcontext, u->id, &bsp, &size, false), 0);
	assert_true(u->boot[0].set);
	assert_int_equal(u->boot[0].rip, 0x40200000);
	assert_int_equal(u->boot[0].rdi, 0x40100000);
	assert_int_equal(u->boot[0].cr3, 0x40001000);
	assert_true(u->boot[0].cs_arbytes & HVM_ARBYTES_L);
	/* and reads back */
	size = sizeof(full);
	assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_gethvmcontext, u->id, full, &size, false), 0);
	{
		struct hvm_hw_cpu cpu;

		memcpy(&cpu, full + 8 + 24 + 8, sizeof(cpu));
		assert_int_equal(cpu.rip, 0x40200000);
		assert_int_equal(cpu.msr_efer, 0x500);
	}
	/* once started, the entry is the VMM's: no more loading */
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_unpausedomain, u->id), 0);
	size = sizeof(bsp);
	assert_int_equal(hvmctx(&h, dom0, XEN_DOMCTL_sethvmcontext, u->id, &bsp, &size, false),
			 -EBUSY);
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, u->id), 0);
	h_fini(&h);
}

/* ---- allocation failure --------------------------------------------------- */

/*
 * createdomain with the nth allocation failing, for every n until it
 * succeeds: each failure is -ENOMEM and leaves the heap, the domain list
 * and the audit as before (needs the failure-injection build: skipped
 * otherwise).
 */
static void test_create_oom(void **state)
{
#ifdef HV_FAILINJECT
	struct harness h;
	struct domain *dom0;
	struct xen_domctl_createdomain c;
	unsigned int failed = 0;
	domid_t id = 0;
	int64_t rc = -ENOMEM;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 4096);
	good_config(&c);
	for (uint64_t nth = 1; rc == -ENOMEM && nth < 1000; nth++) {
		struct snapshot s = snap(&h);

		h.hv->fi_nth = nth;
		h.hv->fi_calls = 0;
		rc = create_cfg(&h, dom0, DOMID_ANY, &c, &id);
		h.hv->fi_nth = 0;
		if (rc == -ENOMEM) {
			failed++;
			same(&h, s);
		}
	}
	assert_int_equal(rc, 0);
	assert_true(failed >= 3); /* domain, grant table, event channels at least */
	assert_int_equal(simple(&h, dom0, XEN_DOMCTL_destroydomain, id), 0);
	h_fini(&h);
#else
	(void)state;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_destroy_running),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_bad_config_old),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_domids),
		cmocka_unit_test(test_max_mem_below),
		cmocka_unit_test(test_unprivileged),
		cmocka_unit_test(test_domaininfolist),
		cmocka_unit_test(test_getdomaininfo_next),
		cmocka_unit_test(test_hvmcontext),
		cmocka_unit_test(test_create_oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
