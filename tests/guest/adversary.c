/*
 * Adversarial and containment scenarios for the multi-domain driver
 * (gtest_multi.h), over the guest program guest/tests/adversary (roles and
 * the constants in adv.h). Phase 0: the victim writes its data and grant
 * entries and stops; phase 1: the attacker(s) run; then the checks below
 * look at the victim through its window: data intact, no grant entry left
 * pinned, no mapping left behind, and (reclaim) exactly which frames go
 * back to the heap and out of the memfd when.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hv/audit.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/hypercall.h>
#include <hv/iommu.h>
#include <hv/ioreq.h>
#include <hv/p2m.h>
#include <hv/realize.h>
#include <public/dm_op.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <rt/rt.h>

#include "../../guest/tests/adversary/adv.h"
#include "gtest_multi.h"

#define VICTIM {.name = "victim", .domid = ADV_VICTIM, .bootargs = "role=victim", .phase = 0}

/* The victim's data pages, read through its own window. */
static int check_victim_data(struct gmulti *g)
{
	struct domain *v = gmulti_domain(g, ADV_VICTIM);
	int fails = 0;

	if (gmulti_expect(v != NULL, "the victim is gone"))
		return 1;
	for (unsigned int i = 0; i < ADV_DATA_PAGES; i++) {
		const uint64_t *w = vmm_gpa_to_hva(v, ADV_DATA_GPA + i * 4096ULL);
		unsigned int bad = 0;

		for (unsigned int j = 0; j < ADV_WORDS; j++)
			bad += w[j] != adv_pattern(i, j);
		fails += gmulti_expect(!bad, "victim data page %u: %u words changed", i, bad);
	}
	return fails;
}

/* No entry of the victim's table is still marked as mapped, and the
 * entries themselves are as the victim wrote them. */
static int check_victim_grants(struct gmulti *g)
{
	struct domain *v = gmulti_domain(g, ADV_VICTIM);
	const grant_entry_v1_t *t;
	int fails = 0;

	if (!v)
		return 1;
	t = vmm_gpa_to_hva(v, ADV_GNTTAB_GPA);
	for (unsigned int r = 0; r < ADV_GNT_ENTRIES; r++)
		fails += gmulti_expect(!(t[r].flags & (GTF_reading | GTF_writing)),
				       "victim grant %u still flagged %#x", r, t[r].flags);
	fails += gmulti_expect(t[ADV_REF_RW].flags == GTF_permit_access &&
				       t[ADV_REF_RW].domid == ADV_ATTACKER &&
				       t[ADV_REF_RW].frame == ADV_DATA_GFN,
			       "victim grant %u changed: flags %#x domid %u frame %#x", ADV_REF_RW,
			       t[ADV_REF_RW].flags, t[ADV_REF_RW].domid, t[ADV_REF_RW].frame);
	return fails;
}

struct leaf_count {
	uint64_t foreign, grant;
};

static int count_leaf(void *ctx, gfn_t gfn, mfn_t mfn, unsigned int order, p2m_type_t t)
{
	struct leaf_count *c = ctx;

	(void)gfn;
	(void)mfn;
	if (p2m_is_foreign(t))
		c->foreign += 1ULL << order;
	if (p2m_is_grant(t))
		c->grant += 1ULL << order;
	return 0;
}

/* Nothing of anyone else is left mapped in domain id. */
static int check_no_mappings(struct gmulti *g, domid_t id)
{
	struct domain *d = gmulti_domain(g, id);
	struct leaf_count c = {0, 0};
	int fails;

	if (gmulti_expect(d != NULL, "d%u is gone", id))
		return 1;
	hv_lock(&g->m.hv);
	p2m_for_each_leaf(d, count_leaf, &c);
	fails = gmulti_expect(c.foreign == 0 && c.grant == 0 && gnttab_nr_maps(d) == 0,
			      "d%u still maps %llu foreign and %llu grant pages (%u grant maps)", id,
			      (unsigned long long)c.foreign, (unsigned long long)c.grant,
			      gnttab_nr_maps(d));
	fails += gmulti_expect(iommu_m2b_count(d) == 0, "d%u has %llu M2B entries left", id,
			       (unsigned long long)iommu_m2b_count(d));
	hv_unlock(&g->m.hv);
	return fails;
}

static int check_grant(struct gmulti *g)
{
	return check_victim_data(g) + check_victim_grants(g) + check_no_mappings(g, ADV_ATTACKER);
}

static int check_foreign(struct gmulti *g)
{
	return check_victim_data(g) + check_victim_grants(g) + check_no_mappings(g, ADV_ATTACKER) +
	       check_no_mappings(g, ADV_BACKEND);
}

static int iommu_before(struct gmulti *g, unsigned int p)
{
	struct domain *v = gmulti_domain(g, ADV_VICTIM), *b = gmulti_domain(g, ADV_BACKEND);
	ioservid_t id;
	int rc;

	if (p != 1)
		return 0;
	/* The backend is the victim's emulator: its server exists, but only
	 * the backend may use it. */
	hv_lock(&g->m.hv);
	rc = ioreq_server_create(b, v, HVM_IOREQSRV_BUFIOREQ_OFF, &id);
	hv_unlock(&g->m.hv);
	return gmulti_expect(rc == 0 && id < 4, "ioreq_server_create: %d (id %u)", rc, id);
}

static int check_iommu(struct gmulti *g)
{
	struct domain *a = gmulti_domain(g, ADV_ATTACKER);
	int fails = check_victim_data(g) + check_victim_grants(g) +
		    check_no_mappings(g, ADV_ATTACKER) + check_no_mappings(g, ADV_SNOOP);
	const struct iommu_stats *st;

	if (!a)
		return fails + 1;
	hv_lock(&g->m.hv);
	st = iommu_stats(a);
	fails += gmulti_expect(st && st->maps == 1 && st->unmaps == 1 && st->foreign_maps == 0,
			       "attacker IOMMU: %llu maps, %llu unmaps, %llu foreign maps",
			       st ? (unsigned long long)st->maps : 0ULL,
			       st ? (unsigned long long)st->unmaps : 0ULL,
			       st ? (unsigned long long)st->foreign_maps : 0ULL);
	hv_unlock(&g->m.hv);
	return fails;
}

/* ----- reclaim ----- */

struct mem_snap {
	uint64_t free_pages, punched, resident;
};

static struct mem_snap snap(struct gmulti *g)
{
	struct mem_snap s;

	hv_lock(&g->m.hv);
	s.free_pages = g->m.hv.heap.free_pages;
	s.punched = g->m.st.punched_bytes;
	hv_unlock(&g->m.hv);
	s.resident = vmm_memfd_resident(&g->m);
	return s;
}

/* Frames `pages` went back: to the heap, punched out of the memfd, and no
 * longer resident. */
static int expect_freed(struct gmulti *g, const struct mem_snap *before, uint64_t pages,
			const char *when)
{
	struct mem_snap now = snap(g);
	int fails = 0;

	fails += gmulti_expect(now.free_pages - before->free_pages == pages,
			       "%s: heap gained %lld pages, expected %llu", when,
			       (long long)(now.free_pages - before->free_pages),
			       (unsigned long long)pages);
	fails += gmulti_expect(now.punched - before->punched == pages << 12,
			       "%s: %llu bytes punched, expected %llu", when,
			       (unsigned long long)(now.punched - before->punched),
			       (unsigned long long)(pages << 12));
	fails += gmulti_expect(before->resident - now.resident == pages << 12,
			       "%s: resident memory fell by %lld bytes, expected %llu", when,
			       (long long)(before->resident - now.resident),
			       (unsigned long long)(pages << 12));
	printf("gmulti: %s: %llu pages reclaimed (heap, punched, resident all agree: %s)\n", when,
	       (unsigned long long)pages, fails ? "no" : "yes");
	return fails;
}

/* The backend's own unmap, made through the hypercall path as the guest
 * would (the argument is written into its RAM). */
static int64_t backend_unmap(struct gmulti *g, struct domain *b, uint64_t gfn)
{
	const paddr_t arg = ADV_DATA_GPA; /* backend RAM, unused by its program */
	struct xen_remove_from_physmap x = {.domid = DOMID_SELF, .gpfn = gfn};
	struct hv_hcall hc = {.nr = __HYPERVISOR_memory_op,
			      .args = {XENMEM_remove_from_physmap, arg}};

	memcpy(vmm_gpa_to_hva(b, arg), &x, sizeof(x));
	return hv_hypercall_run(&g->m.hv, b, &hc);
}

/* A new foreign map of victim gfn by the backend, through the hypercall
 * path; returns the call's result and the entry's in *err. */
static int64_t backend_map(struct gmulti *g, struct domain *b, uint64_t gfn, uint64_t at, int *err)
{
	const paddr_t arg = ADV_DATA_GPA, idx = arg + 64, gpfn = arg + 72, errs = arg + 80;
	struct xen_add_to_physmap_batch x = {.domid = DOMID_SELF,
					     .space = XENMAPSPACE_gmfn_foreign, .size = 1,
					     .u.foreign_domid = ADV_VICTIM};
	struct hv_hcall hc = {.nr = __HYPERVISOR_memory_op,
			      .args = {XENMEM_add_to_physmap_batch, arg}};
	int64_t rc;

	set_xen_guest_handle(x.idxs, idx);
	set_xen_guest_handle(x.gpfns, gpfn);
	set_xen_guest_handle(x.errs, errs);
	memcpy(vmm_gpa_to_hva(b, arg), &x, sizeof(x));
	memcpy(vmm_gpa_to_hva(b, idx), &gfn, sizeof(gfn));
	memcpy(vmm_gpa_to_hva(b, gpfn), &at, sizeof(at));
	memset(vmm_gpa_to_hva(b, errs), 0x55, sizeof(int));
	rc = hv_hypercall_run(&g->m.hv, b, &hc);
	memcpy(err, vmm_gpa_to_hva(b, errs), sizeof(int));
	return rc;
}

static int check_reclaim(struct gmulti *g)
{
	struct domain *v = gmulti_domain(g, ADV_VICTIM), *b = gmulti_domain(g, ADV_BACKEND);
	struct mem_snap s;
	uint64_t tot, gframes;
	int fails = check_victim_data(g);
	int64_t rc;

	if (!v || !b)
		return fails + 1;
	hv_lock(&g->m.hv);
	tot = v->tot_pages;
	gframes = gnttab_nr_frames(v);
	hv_unlock(&g->m.hv);
	fails += gmulti_expect(gframes == 1, "victim has %llu grant frames",
			       (unsigned long long)gframes);

	/* 1. Destroy the victim: everything but the mapped pages comes back. */
	s = snap(g);
	hv_lock(&g->m.hv);
	domain_destroy(v);
	hv_realize_flush(&g->m.hv);
	hv_unlock(&g->m.hv);
	fails += expect_freed(g, &s, tot - ADV_RECLAIM_KEEP, "victim destroyed while mapped");
	v = gmulti_domain(g, ADV_VICTIM);
	fails += gmulti_expect(v && v->state == DOMS_dying && v->tot_pages == ADV_RECLAIM_KEEP,
			       "victim after destroy: %s, %llu pages", v ? "present" : "finalised",
			       v ? (unsigned long long)v->tot_pages : 0ULL);
	fails += gmulti_audit(g, "after destroying the mapped victim");
	/* The mapper still sees the data. */
	for (unsigned int i = 0; i < ADV_RECLAIM_KEEP; i++) {
		const uint64_t *w = vmm_gpa_to_hva(b, ADV_MAP_GPA + i * 4096ULL);

		fails += gmulti_expect(w[0] == adv_pattern(i, 0) && w[511] == adv_pattern(i, 511),
				       "backend lost the data of page %u", i);
	}
	/* The dying victim takes no new mappings, not even of a page that is
	 * still alive. */
	{
		int err = 0;
		int64_t r = backend_map(g, b, ADV_DATA_GFN, (ADV_MAP_GPA >> 12) + 100, &err);

		fails += gmulti_expect(r == 0 && err == -ESRCH,
				       "foreign map of the dying victim: %lld, entry %d",
				       (long long)r, err);
	}
	/* 2. Unmap all but one: each frame comes back at its last unmap. */
	for (unsigned int i = 0; i + 1 < ADV_RECLAIM_KEEP; i++) {
		char when[64];

		s = snap(g);
		rc = backend_unmap(g, b, (ADV_MAP_GPA >> 12) + i);
		fails += gmulti_expect(rc == 0, "backend unmap %u: %lld", i, (long long)rc);
		snprintf(when, sizeof(when), "unmap %u of %u", i + 1, ADV_RECLAIM_KEEP);
		fails += expect_freed(g, &s, 1, when);
		rc = backend_unmap(g, b, (ADV_MAP_GPA >> 12) + i);
		fails += gmulti_expect(rc == -ENOENT, "second backend unmap %u: %lld", i,
				       (long long)rc);
	}
	fails += gmulti_expect(gmulti_domain(g, ADV_VICTIM) != NULL,
			       "victim finalised with a page still mapped");
	fails += gmulti_audit(g, "with one page of the dead victim mapped");

	/* 3. The last unmap: that page and the grant-table frame come back,
	 * and the victim is gone. */
	s = snap(g);
	rc = backend_unmap(g, b, (ADV_MAP_GPA >> 12) + ADV_RECLAIM_KEEP - 1);
	fails += gmulti_expect(rc == 0, "last backend unmap: %lld", (long long)rc);
	fails += expect_freed(g, &s, 1 + gframes, "last unmap");
	fails += gmulti_expect(gmulti_domain(g, ADV_VICTIM) == NULL,
			       "victim still exists after the last unmap");
	fails += gmulti_audit(g, "after the last unmap");
	return fails;
}

/* Destroying a domain that maps nothing of others and is mapped by nobody
 * gives back all its frames at once. */
static int check_reclaim_plain(struct gmulti *g)
{
	struct domain *v = gmulti_domain(g, ADV_VICTIM);
	struct mem_snap s;
	uint64_t tot;
	int fails = check_victim_data(g);

	if (!v)
		return fails + 1;
	hv_lock(&g->m.hv);
	tot = v->tot_pages + gnttab_nr_frames(v);
	hv_unlock(&g->m.hv);
	s = snap(g);
	hv_lock(&g->m.hv);
	domain_destroy(v);
	hv_realize_flush(&g->m.hv);
	hv_unlock(&g->m.hv);
	fails += expect_freed(g, &s, tot, "unmapped victim destroyed");
	fails += gmulti_expect(gmulti_domain(g, ADV_VICTIM) == NULL, "victim not finalised");
	return fails + gmulti_audit(g, "after destroying the victim");
}

/* dm_op: the emulator's server survives every attempt on it, and the
 * snoop's own server is gone; nobody keeps a mapping. */
static int check_dmop(struct gmulti *g)
{
	struct domain *e = gmulti_domain(g, ADV_BACKEND);
	struct ioreq_server *s0, *s1;
	int fails = check_victim_data(g) + check_no_mappings(g, ADV_SNOOP);

	hv_lock(&g->m.hv);
	s0 = ioreq_server_find(&g->m.hv, ADV_VICTIM, 0);
	s1 = ioreq_server_find(&g->m.hv, ADV_VICTIM, 1);
	fails += gmulti_expect(s0 && s0->emulator == e, "the emulator lost its server 0");
	fails += gmulti_expect(!s1, "server 1 of d%u survived", s1 ? s1->emulator->id : 0);
	hv_unlock(&g->m.hv);
	return fails;
}

/* Self-ballooning under an IOMMU mapping: nothing left mapped, one map and
 * one unmap counted. */
static int check_iommu_balloon(struct gmulti *g)
{
	struct domain *a = gmulti_domain(g, ADV_ATTACKER);
	const struct iommu_stats *st;
	int fails = check_victim_data(g) + check_no_mappings(g, ADV_ATTACKER);

	if (!a)
		return fails + 1;
	hv_lock(&g->m.hv);
	st = iommu_stats(a);
	fails += gmulti_expect(st->maps == 1 && st->unmaps == 1,
			       "attacker IOMMU: %llu maps, %llu unmaps", (unsigned long long)st->maps,
			       (unsigned long long)st->unmaps);
	hv_unlock(&g->m.hv);
	return fails;
}

/* Event channels: after the victim's last run nobody holds a port. */
static int check_evtchn(struct gmulti *g)
{
	int fails = 0;

	for (domid_t id = ADV_VICTIM; id <= ADV_ATTACKER; id++) {
		struct domain *d = gmulti_domain(g, id);
		unsigned int open = 0;

		if (!d) {
			fails += gmulti_expect(false, "d%u is gone", id);
			continue;
		}
		hv_lock(&g->m.hv);
		for (uint32_t p = 0; evtchn_port_state(d, p) >= 0; p++)
			open += evtchn_port_state(d, p) != EVTCHNSTAT_closed;
		hv_unlock(&g->m.hv);
		fails += gmulti_expect(open == 0, "d%u still has %u open port(s)", id, open);
	}
	return fails;
}

/* virtio: no server is left for any frontend, the frontends keep all of
 * their RAM (the pre-mapping took none; the backend still maps their RAM
 * and its acquired ioreq page, an extra page beyond it; and for the liar
 * the frame it ballooned out under the pre-mapping, still its own and
 * counted, next to the page it got back), and a window whose server is
 * gone is nobody's (d2's last access got all ones from the destroy; the
 * hypervisor says so too). */
static int check_virtio(struct gmulti *g)
{
	int fails = 0;
	static const domid_t fe[] = {ADV_VICTIM, ADV_ATTACKER, ADV_VIO_LATE};

	hv_lock(&g->m.hv);
	for (unsigned int i = 0; i < ARRAY_SIZE(fe); i++)
		for (ioservid_t id = 0; id < IOREQ_MAX_SERVERS; id++)
			fails += gmulti_expect(ioreq_server_find(&g->m.hv, fe[i], id) == NULL,
					       "d%u still has IOREQ server %u", fe[i], id);
	for (unsigned int i = 0; i < 2; i++) {
		struct domain *d = domain_by_id(&g->m.hv, fe[i]);
		uint64_t want = (ADV_RAM >> 12) + 1 + (fe[i] == ADV_ATTACKER);

		fails += gmulti_expect(d && d->tot_pages == want,
				       "d%u holds %llu pages, expected %llu", fe[i],
				       d ? (unsigned long long)d->tot_pages : 0ULL,
				       (unsigned long long)want);
	}
	hv_unlock(&g->m.hv);
	for (unsigned int i = 0; i < 2; i++) {
		struct domain *d = gmulti_domain(g, fe[i]);
		uint64_t v = 0;

		fails += gmulti_expect(d && hv_ioreq_mmio(&g->m.hv, d, 0, ADV_VIO_GPA, 4, false, &v) ==
						       HV_MMIO_UNCLAIMED,
				       "d%u's window is still served", fe[i]);
	}
	return fails;
}

#define VIO_FE(nm, id, role, ph)                                                            \
	{.name = nm, .domid = id, .bootargs = "role=" role, .phase = ph,                     \
	 .virtio_base = ADV_VIO_GPA, .virtio_spi = ADV_VIO_SPI}

static const struct gmulti_scenario scenarios[] = {
	{.name = "grant",
	 .dom = {VICTIM,
		 {.name = "attacker", .domid = ADV_ATTACKER, .bootargs = "role=grant", .phase = 1}},
	 .nr = 2,
	 .check = check_grant},
	{.name = "foreign",
	 .dom = {VICTIM,
		 {.name = "attacker", .domid = ADV_ATTACKER, .bootargs = "role=foreign", .phase = 1},
		 {.name = "backend", .domid = ADV_BACKEND, .targets = {ADV_VICTIM}, .nr_targets = 1,
		  .bootargs = "role=backend", .phase = 1}},
	 .nr = 3,
	 .check = check_foreign},
	{.name = "iommu",
	 .dom = {VICTIM,
		 {.name = "attacker", .domid = ADV_ATTACKER, .flags = DOMF_iommu,
		  .bootargs = "role=iommu", .phase = 1},
		 {.name = "snoop", .domid = ADV_SNOOP, .flags = DOMF_iommu,
		  .targets = {ADV_VICTIM}, .nr_targets = 1, .bootargs = "role=snoop", .phase = 1},
		 {.name = "emulator", .domid = ADV_BACKEND, .targets = {ADV_VICTIM},
		  .nr_targets = 1, .bootargs = "role=none", .phase = GMULTI_NEVER}},
	 .nr = 4,
	 .before_phase = iommu_before,
	 .check = check_iommu},
	{.name = "reclaim",
	 .dom = {VICTIM,
		 {.name = "backend", .domid = ADV_BACKEND, .targets = {ADV_VICTIM}, .nr_targets = 1,
		  .bootargs = "role=reclaim", .phase = 1}},
	 .nr = 2,
	 .check = check_reclaim},
	{.name = "reclaim-plain",
	 .dom = {VICTIM},
	 .nr = 1,
	 .check = check_reclaim_plain},
	{.name = "dmop",
	 .dom = {VICTIM,
		 {.name = "attacker", .domid = ADV_ATTACKER, .bootargs = "role=dmop", .phase = 1},
		 {.name = "snoop", .domid = ADV_SNOOP, .targets = {ADV_VICTIM}, .nr_targets = 1,
		  .bootargs = "role=dmop-snoop", .phase = 1},
		 {.name = "emulator", .domid = ADV_BACKEND, .targets = {ADV_VICTIM},
		  .nr_targets = 1, .bootargs = "role=none", .phase = GMULTI_NEVER}},
	 .nr = 4,
	 .before_phase = iommu_before,
	 .check = check_dmop},
	{.name = "iommu-balloon",
	 .dom = {VICTIM,
		 {.name = "attacker", .domid = ADV_ATTACKER, .flags = DOMF_iommu,
		  .bootargs = "role=iommu-balloon", .phase = 1}},
	 .nr = 2,
	 .check = check_iommu_balloon},
	/* Event channels: the victim sets up its ports (phase 0), the attacker
	 * abuses them and its own (phase 1), the victim checks them (phase 2);
	 * the audit runs after every phase. */
	{.name = "evtchn",
	 .dom = {{.name = "victim", .domid = ADV_VICTIM, .bootargs = "role=evtchn-victim",
		  .phase = 0, .more_phases = 1u << 2},
		 {.name = "attacker", .domid = ADV_ATTACKER, .bootargs = "role=evtchn", .phase = 1}},
	 .nr = 2,
	 .check = check_evtchn},
	/* virtio: d4 touches its window before any server exists (phase 0);
	 * the backend serves a well-behaved frontend and a liar from the real
	 * device model, lies to the hypervisor itself, and destroys the liar's
	 * server under its waiting vCPU (phase 1); d5 touches its window
	 * after its server was destroyed (phase 2). */
	{.name = "virtio",
	 .dom = {{.name = "early", .domid = ADV_VIO_EARLY, .bootargs = "role=vtouch", .phase = 0,
		  .virtio_base = ADV_VIO_GPA, .virtio_spi = ADV_VIO_SPI, .expect_crash = "no memory"},
		 VIO_FE("good", ADV_VICTIM, "vgood", 1),
		 VIO_FE("liar", ADV_ATTACKER, "vliar", 1),
		 {.name = "backend", .domid = ADV_BACKEND,
		  .targets = {ADV_VICTIM, ADV_ATTACKER, ADV_VIO_LATE}, .nr_targets = 3,
		  .bootargs = "role=vbe", .phase = 1},
		 {.name = "late", .domid = ADV_VIO_LATE, .bootargs = "role=vtouch", .phase = 2,
		  .virtio_base = ADV_VIO_GPA, .virtio_spi = ADV_VIO_SPI, .expect_crash = "no memory"}},
	 .nr = 5,
	 .check = check_virtio},
	/* Containment: one domain triple-faults, one spins, the victim still
	 * completes in the same phase (KVM only: in-process guests are host
	 * threads that can neither triple-fault nor be stopped when spinning). */
	{.name = "contain",
	 .dom = {{.name = "crasher", .domid = 5, .bootargs = "role=triple", .phase = 0,
		  .expect_crash = "triple fault"},
		 {.name = "spinner", .domid = 6, .bootargs = "role=spin", .phase = 0,
		  .expect_crash = "timed out"},
		 VICTIM,
		 {.name = "backend", .domid = ADV_BACKEND, .targets = {ADV_VICTIM}, .nr_targets = 1,
		  .bootargs = "role=reclaim", .phase = 1}},
	 .nr = 4,
	 .kvm_only = true,
	 .check = check_reclaim},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
