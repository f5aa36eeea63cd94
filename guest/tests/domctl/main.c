/*
 * Domain control from a guest (issue 16 item 1): one program, roles from
 * bootargs "role=NAME", run by the multi-domain driver
 * (tests/guest/domctl.c) on both transports.
 *
 *   toolstack  a privileged domain builds and destroys DC_ROUNDS domains
 *              the way a toolstack does: createdomain (paused, empty),
 *              max_vcpus, max_mem, populate_physmap for it, a foreign
 *              mapping of its RAM written and read back, its boot entry
 *              by get/sethvmcontext, unpause, then destroydomain while the
 *              mapping still holds frames (the domain lingers dying) and
 *              the unmap that frees it; every step checks getdomaininfo
 *   bystander  runs meanwhile: populates, writes, checks and releases its
 *              own memory, so domains come and go while another one runs
 *
 * The driver checks after the phase that every created domain is gone and
 * that the heap and memfd are back where they were.
 */
#include <string.h>

#include <public/domctl.h>
#include <public/errno.h>
#include <public/hvm_save.h>
#include <public/memory.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>
#include <xen/foreign.h>
#include <xen/unpopulated.h>

#include "dc.h"

const char test_title[] = "domain control";

static struct xen_domctl *dc;	/* one page, reused by every call */
static uint8_t *ctx;		/* hvmcontext stream buffer (one page) */

static long domctl(uint32_t cmd, domid_t dom)
{
	dc->cmd = cmd;
	dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc->domain = dom;
	return rt_hypercall(__HYPERVISOR_domctl, rt_handle(dc), 0, 0, 0, 0);
}

static long info(domid_t dom, struct xen_domctl_getdomaininfo *gi)
{
	long rc;

	memset(dc, 0, sizeof(*dc));
	rc = domctl(XEN_DOMCTL_getdomaininfo, dom);
	*gi = dc->u.getdomaininfo;
	return rc;
}

static long populate(domid_t dom, xen_pfn_t *gfns, unsigned long n)
{
	struct xen_memory_reservation r = {.nr_extents = n, .extent_order = 0, .domid = dom};

	set_xen_guest_handle(r.extent_start, rt_handle(gfns));
	return HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
}

static long decrease(xen_pfn_t *gfns, unsigned long n)
{
	struct xen_memory_reservation r = {.nr_extents = n, .extent_order = 0,
					   .domid = DOMID_SELF};

	set_xen_guest_handle(r.extent_start, rt_handle(gfns));
	return HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
}

/* HEADER from gethvmcontext, then a long-mode CPU record, END. */
static long set_entry(domid_t dom, uint64_t rip, uint64_t rdi)
{
	struct hvm_save_descriptor d;
	struct hvm_hw_cpu *cpu;
	size_t off = sizeof(d) + sizeof(struct hvm_save_header);
	long rc;

	memset(dc, 0, sizeof(*dc));
	dc->u.hvmcontext.buffer = 0;
	rc = domctl(XEN_DOMCTL_gethvmcontext, dom);
	if (rc || dc->u.hvmcontext.size > RT_PAGE_SIZE)
		return rc ? rc : -XEN_ENOSPC;
	dc->u.hvmcontext.size = RT_PAGE_SIZE;
	dc->u.hvmcontext.buffer = rt_handle(ctx);
	rc = domctl(XEN_DOMCTL_gethvmcontext, dom);
	if (rc)
		return rc;
	memcpy(&d, ctx, sizeof(d));
	if (d.typecode != HVM_SAVE_CODE_HEADER)
		return -XEN_EINVAL;
	d = (struct hvm_save_descriptor){HVM_SAVE_CODE_CPU, 0, sizeof(*cpu)};
	memcpy(ctx + off, &d, sizeof(d));
	cpu = (struct hvm_hw_cpu *)(ctx + off + sizeof(d));
	memset(cpu, 0, sizeof(*cpu));
	cpu->rip = rip;
	cpu->rdi = rdi;
	cpu->rflags = 2;
	cpu->cr0 = 0x80000011;
	cpu->cr3 = DC_RAM_GFN << 12;
	cpu->cr4 = 0x20;
	cpu->msr_efer = 0x500;
	cpu->cs_arbytes = 0xa9b | HVM_ARBYTES_L;
	d = (struct hvm_save_descriptor){HVM_SAVE_CODE_END, 0, 0};
	memcpy(ctx + off + sizeof(d) + sizeof(*cpu), &d, sizeof(d));
	memset(dc, 0, sizeof(*dc));
	dc->u.hvmcontext.size = (uint32_t)(off + 2 * sizeof(d) + sizeof(*cpu));
	dc->u.hvmcontext.buffer = rt_handle(ctx);
	return domctl(XEN_DOMCTL_sethvmcontext, dom);
}

static void one_round(unsigned int round)
{
	struct xen_domctl_getdomaininfo gi;
	xen_pfn_t gfns[DC_PAGES], lg[DC_MAP];
	int errs[DC_MAP];
	domid_t id;
	long rc;

	memset(dc, 0, sizeof(*dc));
	dc->u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
	dc->u.createdomain.max_vcpus = 1;
	dc->u.createdomain.max_evtchn_port = 1023;
	dc->u.createdomain.max_grant_frames = -1;
	dc->u.createdomain.max_maptrack_frames = -1;
	dc->u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	dc->u.createdomain.arch.emulation_flags = XEN_X86_EMU_LAPIC;
	rc = domctl(XEN_DOMCTL_createdomain, DOMID_ANY);
	rt_check_eq(rc, 0, "round %u: createdomain", round);
	id = dc->domain;
	rt_check(id != 0 && id < DOMID_FIRST_RESERVED, "round %u: id %u", round, id);

	rt_check_eq(info(id, &gi), 0, "getdomaininfo");
	rt_check((gi.flags & XEN_DOMINF_paused) && !(gi.flags & XEN_DOMINF_running),
		 "a new domain is paused: flags %#x", gi.flags);
	rt_check_eq(gi.tot_pages, 0, "a new domain has no memory");

	memset(dc, 0, sizeof(*dc));
	dc->u.max_vcpus.max = 1;
	rt_check_eq(domctl(XEN_DOMCTL_max_vcpus, id), 0, "max_vcpus");
	memset(dc, 0, sizeof(*dc));
	dc->u.max_mem.max_memkb = DC_PAGES * 4;
	rt_check_eq(domctl(XEN_DOMCTL_max_mem, id), 0, "max_mem");

	for (unsigned int i = 0; i < DC_PAGES; i++)
		gfns[i] = DC_RAM_GFN + i;
	rt_check_eq(populate(id, gfns, DC_PAGES), DC_PAGES, "populate_physmap for d%u", id);
	rt_check_eq(populate(id, gfns, 1), 0, "populate beyond max_mem");

	rt_check_eq(xen_alloc_unpopulated_pages(DC_MAP, lg), 0, "unpopulated pages");
	rt_check_eq(xforeign_map(id, gfns, lg, DC_MAP, errs), 0, "foreign map of d%u", id);
	for (unsigned int i = 0; i < DC_MAP; i++) {
		uint64_t *p = rt_phys_to_virt(lg[i] << 12);

		rt_check(p[0] == 0, "fresh frame %u reads zero", i);
		p[0] = 0xd0c0000000000000ULL | ((uint64_t)round << 16) | i;
	}
	for (unsigned int i = 0; i < DC_MAP; i++) {
		uint64_t *p = rt_phys_to_virt(lg[i] << 12);

		rt_check(p[0] == (0xd0c0000000000000ULL | ((uint64_t)round << 16) | i),
			 "frame %u keeps what was written", i);
	}

	rt_check_eq(set_entry(id, (DC_RAM_GFN + 1) << 12, (DC_RAM_GFN + 2) << 12), 0,
		    "sethvmcontext");
	rt_check_eq(domctl(XEN_DOMCTL_unpausedomain, id), 0, "unpause");
	rt_check_eq(info(id, &gi), 0, "getdomaininfo");
	rt_check(!(gi.flags & XEN_DOMINF_paused), "unpaused: flags %#x", gi.flags);
	rt_check_eq(gi.tot_pages, DC_PAGES, "tot_pages");

	rt_check_eq(domctl(XEN_DOMCTL_destroydomain, id), 0, "destroydomain");
	rt_check_eq(info(id, &gi), 0, "a domain still mapped lingers");
	rt_check(gi.flags & XEN_DOMINF_dying, "dying: flags %#x", gi.flags);
	rt_check_eq(gi.tot_pages, DC_MAP, "the mapped frames stay");
	rt_check_eq(xforeign_unmap(lg, DC_MAP), 0, "unmap");
	xen_free_unpopulated_pages(DC_MAP, lg);
	rt_check_eq(info(id, &gi), -XEN_ESRCH, "gone after the last unmap");
}

static void toolstack(void)
{
	int rc = xen_unpopulated_init(rt_dt());

	if (rc) {
		rt_test_error("no unpopulated allocator (%d)", rc);
		return;
	}
	dc = rt_alloc_pages(1);
	ctx = rt_alloc_pages(1);
	if (!dc || !ctx) {
		rt_test_error("no memory");
		return;
	}
	for (unsigned int r = 0; r < DC_ROUNDS; r++)
		one_round(r);
	rt_printf("toolstack: %u domains created, built, destroyed\n", DC_ROUNDS);
}

static void bystander(void)
{
	xen_pfn_t g[DC_PAGES];

	/* unused space of its own (extended region), reached through its
	 * page tables */
	if (rt_map_range(DC_BYSTANDER_GFN << 12, DC_PAGES * RT_PAGE_SIZE)) {
		rt_test_error("cannot map its scratch range");
		return;
	}
	for (unsigned int r = 0; r < DC_BYSTANDER_ROUNDS; r++) {
		for (unsigned int i = 0; i < DC_PAGES; i++)
			g[i] = DC_BYSTANDER_GFN + i;
		rt_check_eq(populate(DOMID_SELF, g, DC_PAGES), DC_PAGES, "own populate");
		for (unsigned int i = 0; i < DC_PAGES; i++) {
			uint64_t *p = rt_phys_to_virt((DC_BYSTANDER_GFN + i) << 12);

			p[0] = r * 100u + i;
			rt_check(p[0] == r * 100u + i, "own memory");
		}
		rt_check_eq(decrease(g, DC_PAGES), DC_PAGES, "own decrease");
	}
	rt_printf("bystander: %u rounds\n", DC_BYSTANDER_ROUNDS);
}

void test_main(void)
{
	const char *role = rt_bootarg("role");

	if (rt_bootarg_is(role, "toolstack"))
		toolstack();
	else if (rt_bootarg_is(role, "bystander"))
		bystander();
	else
		rt_test_error("unknown role");
}
