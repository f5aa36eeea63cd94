/*
 * PV IOMMU emulator flows over several phases (gtest_multi.h), on the
 * guest program guest/tests/pviommu_emu (roles and constants in emu.h):
 *
 *   emu       the target's emulator (backend-for, IOMMU context, DMA
 *             engine) maps by BFN, reads and writes by DMA; the target
 *             balloons mapped pages; swapped frames go back at once, the
 *             other stays referenced until the emulator unmaps it
 *   emu-dom0  a privileged emulator without an IOMMU context: bus
 *             addresses are machine frames (checked here against the
 *             target's P2M), nothing is swapped
 *
 * Between phases the hooks below check what the guests cannot see: the
 * target's page count (frames held by mappings stay counted), the IOREQ
 * server's delivery statistics, the M2B entries and swap count. The audit
 * (references of every mapping) runs after every phase.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hv/audit.h>
#include <hv/iommu.h>
#include <hv/ioreq.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <rt/rt.h>

#include "../../guest/tests/pviommu_emu/emu.h"
#include "gtest_multi.h"

static uint64_t tgt_pages_before; /* the target's tot_pages before the phase that changes it */

static uint64_t tot_pages(struct gmulti *g, domid_t id)
{
	struct domain *d = gmulti_domain(g, id);
	uint64_t n;

	if (!d)
		return 0;
	hv_lock(&g->m.hv);
	n = d->tot_pages;
	hv_unlock(&g->m.hv);
	return n;
}

static uint64_t m2b(struct gmulti *g, domid_t id)
{
	struct domain *d = gmulti_domain(g, id);
	uint64_t n;

	hv_lock(&g->m.hv);
	n = d ? iommu_m2b_count(d) : ~0ULL;
	hv_unlock(&g->m.hv);
	return n;
}

static int emu_before(struct gmulti *g, unsigned int p)
{
	int fails = 0;

	if (p == 2) {
		/* Every target page but the one unmapped again is mapped once. */
		fails += gmulti_expect(m2b(g, EMU_EMULATOR) == EMU_TGT_PAGES - 1,
				       "emulator has %llu M2B entries, want %u",
				       (unsigned long long)m2b(g, EMU_EMULATOR), EMU_TGT_PAGES - 1);
		tgt_pages_before = tot_pages(g, EMU_TARGET);
	} else if (p == 3) {
		struct domain *e = gmulti_domain(g, EMU_EMULATOR);
		struct ioreq_server *s;
		mfn_t mfn = INVALID_MFN;
		int rc;

		/* The swapped frames left the target with the balloon call; the
		 * kept one is still its own (counted) until unmapped. */
		fails += gmulti_expect(tot_pages(g, EMU_TARGET) == tgt_pages_before - EMU_SWAP_PAGES,
				       "target has %llu pages after the balloon, want %llu",
				       (unsigned long long)tot_pages(g, EMU_TARGET),
				       (unsigned long long)(tgt_pages_before - EMU_SWAP_PAGES));
		tgt_pages_before = tot_pages(g, EMU_TARGET);
		hv_lock(&g->m.hv);
		s = ioreq_server_find(&g->m.hv, EMU_TARGET, 0);
		fails += gmulti_expect(s && s->emulator == e, "the emulator's server 0 is gone");
		if (s)
			fails += gmulti_expect(s->st.buffered == EMU_SWAP_PAGES - 1 && s->st.sync == 1 &&
						       s->st.ring_full == 2 && s->st.backlog == 1,
					       "server: %llu buffered, %llu sync, %llu ring full, "
					       "%llu backlog; want 255, 1, 2, 1",
					       (unsigned long long)s->st.buffered,
					       (unsigned long long)s->st.sync,
					       (unsigned long long)s->st.ring_full,
					       (unsigned long long)s->st.backlog);
		fails += gmulti_expect(e && iommu_stats(e)->swapped == EMU_SWAP_PAGES,
				       "emulator swapped %llu frames, want %u",
				       e ? (unsigned long long)iommu_stats(e)->swapped : 0ULL,
				       EMU_SWAP_PAGES);
		fails += gmulti_expect(e && iommu_m2b_count(e) == EMU_TGT_PAGES - 1,
				       "M2B entries after the balloon: %llu",
				       e ? (unsigned long long)iommu_m2b_count(e) : 0ULL);
		/* A swapped BFN points at the hypervisor's scratch frame. */
		rc = e ? iommu_translate(e, _bfn(EMU_BFN(0)), false, &mfn) : -ESRCH;
		fails += gmulti_expect(rc == 0 && !mfn_eq(mfn, INVALID_MFN) &&
					       (mfn_to_page(&g->m.hv.ft, mfn)->flags & PGC_xen),
				       "swapped BFN translates to %d / a frame not the hypervisor's",
				       rc);
		hv_unlock(&g->m.hv);
	}
	return fails;
}

static int emu_check(struct gmulti *g)
{
	int fails = 0;

	/* The emulator's last unmap freed the kept frame. */
	fails += gmulti_expect(tot_pages(g, EMU_TARGET) == tgt_pages_before - 1,
			       "target has %llu pages after the unmaps, want %llu",
			       (unsigned long long)tot_pages(g, EMU_TARGET),
			       (unsigned long long)(tgt_pages_before - 1));
	fails += gmulti_expect(m2b(g, EMU_EMULATOR) == 0, "emulator keeps %llu M2B entries",
			       (unsigned long long)m2b(g, EMU_EMULATOR));
	hv_lock(&g->m.hv);
	fails += gmulti_expect(ioreq_server_find(&g->m.hv, EMU_TARGET, 0) == NULL,
			       "the server survived its destruction");
	hv_unlock(&g->m.hv);
	return fails;
}

static int dom0_before(struct gmulti *g, unsigned int p)
{
	struct domain *t = gmulti_domain(g, EMU_TARGET), *e = gmulti_domain(g, EMU_DOM0);
	const struct emu_state *s;
	int fails = 0;

	if (p != 2 || !t || !e)
		return p == 2;
	/* The bus addresses the guest was given are the target's frames. */
	s = vmm_gpa_to_hva(e, EMU_STATE_GPA);
	hv_lock(&g->m.hv);
	for (unsigned int k = 0; k < EMU0_PAGES; k++) {
		mfn_t m = p2m_lookup(t, _gfn(EMU_TGT_GFN + k), NULL, NULL);

		fails += gmulti_expect(s->bfn[k] == mfn_x(m), "page %u: bus address %#llx, frame %#llx",
				       k, s->bfn[k], (unsigned long long)mfn_x(m));
	}
	fails += gmulti_expect(iommu_mode(e) == IOMMU_CTX_NONE, "Dom0 has a translating context");
	fails += gmulti_expect(iommu_m2b_count(e) == EMU0_PAGES, "Dom0 has %llu M2B entries",
			       (unsigned long long)iommu_m2b_count(e));
	hv_unlock(&g->m.hv);
	tgt_pages_before = tot_pages(g, EMU_TARGET);
	return fails;
}

static int dom0_check(struct gmulti *g)
{
	int fails = 0;

	fails += gmulti_expect(tot_pages(g, EMU_TARGET) == tgt_pages_before - EMU0_PAGES,
			       "target has %llu pages after the unmaps, want %llu",
			       (unsigned long long)tot_pages(g, EMU_TARGET),
			       (unsigned long long)(tgt_pages_before - EMU0_PAGES));
	fails += gmulti_expect(m2b(g, EMU_DOM0) == 0, "Dom0 keeps %llu M2B entries",
			       (unsigned long long)m2b(g, EMU_DOM0));
	return fails;
}

static const struct gmulti_scenario scenarios[] = {
	{.name = "emu",
	 .dom = {{.name = "target", .domid = EMU_TARGET, .bootargs = "role=target", .phase = 0,
		  .more_phases = 1u << 2},
		 {.name = "emulator", .domid = EMU_EMULATOR, .targets = {EMU_TARGET},
		  .nr_targets = 1, .bootargs = "role=emu", .phase = 1, .more_phases = 1u << 3,
		  .dma_base = EMU_DMA_BASE}},
	 .nr = 2,
	 .before_phase = emu_before,
	 .check = emu_check},
	{.name = "emu-dom0",
	 .dom = {{.name = "target", .domid = EMU_TARGET, .bootargs = "role=target0", .phase = 0,
		  .more_phases = 1u << 2},
		 {.name = "dom0", .domid = EMU_DOM0, .flags = DOMF_privileged,
		  .bootargs = "role=dom0", .phase = 1, .more_phases = 1u << 3}},
	 .nr = 2,
	 .before_phase = dom0_before,
	 .check = dom0_check},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
