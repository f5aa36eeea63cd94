/*
 * Domain control from a guest (issue 16 item 1): one program, roles from
 * bootargs "role=NAME", run by the multi-domain driver
 * (tests/guest/domctl.c) on both transports.
 *
 *   toolstack  a privileged domain builds and destroys DC_ROUNDS domains
 *              the way a toolstack does: createdomain (paused, empty),
 *              max_vcpus, max_mem, populate_physmap for it, a foreign
 *              mapping of its RAM written and read back, a program written
 *              into it (child_write), its boot entry by get/sethvmcontext,
 *              unpause; the VMM runs it: it prints, answers xen_version
 *              through its memory and powers off; then destroydomain while
 *              the mapping still holds frames (the domain lingers dying) and
 *              the unmap that frees it; every step checks getdomaininfo.
 *              A last domain spins and is destroyed while it runs.
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
#include <public/version.h>
#include <public/xen.h>
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

/* As Xen's toolstack does: a destroy that is not finished yet (-EAGAIN,
 * -ERESTART) is asked again. memvisor continues the call itself while the
 * VMM stops the domain's vCPUs, so this answer does not come today. */
static long destroy(domid_t dom)
{
	unsigned int n = 0;
	long rc;

	do
		rc = domctl(XEN_DOMCTL_destroydomain, dom);
	while ((rc == -XEN_EAGAIN || rc == -XEN_ERESTART) && ++n < DC_WAIT);
	return rc;
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

/*
 * The program of a created domain: prints a line, asks xen_version and
 * stores the answer at DC_CHILD_MARK (the toolstack reads it through its
 * foreign mapping), then shuts down (poweroff) - or, spinning, loops
 * forever (counting its loops at DC_CHILD_COUNT, a hypercall in each)
 * until destroydomain stops it. Under KVM it is machine code the
 * toolstack writes into the domain with its identity map; in process it
 * is a function of this program, started as a hosted vCPU
 * (inproc_env.h: rip the function, rsp the top of its stack, rdi the
 * argument), and spins with hypercalls (an in-process guest can only be
 * stopped at one).
 */
#define DC_CHILD_MSG "a created domain runs"
#define DC_CHILD_PAGE(i) ((DC_RAM_GFN + (i)) << 12)
#define DC_CHILD_MARK (DC_CHILD_PAGE(1) + 0xa00)
#define DC_CHILD_COUNT (DC_CHILD_MARK + 8) /* the spinning one's loops */

#ifdef RT_HOSTED
#include <inproc_env.h>

static void child_entry(const struct inproc_env *env, uint64_t spin)
{
	char msg[] = DC_CHILD_MSG "\n";
	struct sched_shutdown s = {.reason = SHUTDOWN_poweroff};
	uint64_t a[5] = {CONSOLEIO_write, sizeof(msg) - 1, (uint64_t)((uint8_t *)msg - env->window)};
	int64_t v;

	env->hcall(env->ctx, __HYPERVISOR_console_io, a);
	memset(a, 0, sizeof(a));
	v = env->hcall(env->ctx, __HYPERVISOR_xen_version, a);
	memcpy(env->window + DC_CHILD_MARK, &v, sizeof(v));
	while (spin) {
		uint64_t c;

		memcpy(&c, env->window + DC_CHILD_COUNT, sizeof(c));
		c++;
		memcpy(env->window + DC_CHILD_COUNT, &c, sizeof(c));
		a[0] = SCHEDOP_yield;
		env->hcall(env->ctx, __HYPERVISOR_sched_op, a);
	}
	a[0] = SCHEDOP_shutdown;
	a[1] = (uint64_t)((uint8_t *)&s - env->window);
	env->hcall(env->ctx, __HYPERVISOR_sched_op, a);
	for (;;)
		env->hcall(env->ctx, __HYPERVISOR_sched_op, a);
}

/* Nothing to write: the program is this one. */
static uint64_t child_write(uint8_t *const pg[DC_MAP], bool spin, uint64_t *rdi)
{
	(void)pg;
	*rdi = spin;
	return (uint64_t)(uintptr_t)child_entry;
}
#else
#define DC_HCALL_PORT 0xea /* docs/boot-protocol.md: out %eax, $0xEA */

static uint8_t *emit(uint8_t *p, const void *b, size_t n)
{
	memcpy(p, b, n);
	return p + n;
}

static uint8_t *emit_imm64(uint8_t *p, uint8_t rex, uint8_t op, uint64_t v)
{
	*p++ = rex;
	*p++ = op;
	return emit(p, &v, 8);
}

static uint8_t *emit_hcall(uint8_t *p, uint8_t nr)
{
	const uint8_t b[] = {0xb8, nr, 0, 0, 0, 0xe7, DC_HCALL_PORT}; /* mov $nr,%eax; out */

	return emit(p, b, sizeof(b));
}

/* Pages 0 (PML4), 2 (PDPT), 3 (PD: a 2 MiB page at DC_RAM_GFN) give the
 * identity map of its RAM; page 1 holds code, message and shutdown
 * argument. Returns the entry. */
static uint64_t child_write(uint8_t *const pg[DC_MAP], bool spin, uint64_t *rdi)
{
	static const char msg[] = DC_CHILD_MSG "\n";
	struct sched_shutdown s = {.reason = SHUTDOWN_poweroff};
	uint64_t e;
	uint8_t *p = pg[1];

	for (unsigned int i = 0; i < DC_MAP; i++)
		memset(pg[i], 0, RT_PAGE_SIZE);
	e = DC_CHILD_PAGE(2) | 3;
	memcpy(pg[0], &e, 8);
	e = DC_CHILD_PAGE(3) | 3;
	memcpy(pg[2] + 8 * ((DC_RAM_GFN << 12) >> 30), &e, 8);
	e = (DC_RAM_GFN << 12) | 0x83; /* present, writable, 2 MiB */
	memcpy(pg[3] + 8 * (((DC_RAM_GFN << 12) >> 21) & 511), &e, 8);
	memcpy(pg[1] + 0x800, msg, sizeof(msg) - 1);
	memcpy(pg[1] + 0x900, &s, sizeof(s));

	p = emit(p, (const uint8_t[]){0x31, 0xff}, 2);                     /* xor %edi,%edi */
	p = emit(p, (const uint8_t[]){0xbe, sizeof(msg) - 1, 0, 0, 0}, 5); /* mov $len,%esi */
	p = emit_imm64(p, 0x48, 0xba, DC_CHILD_PAGE(1) + 0x800);         /* mov $msg,%rdx */
	p = emit_hcall(p, __HYPERVISOR_console_io);
	p = emit(p, (const uint8_t[]){0x31, 0xff, 0x31, 0xf6}, 4);         /* xor edi, esi */
	p = emit_hcall(p, __HYPERVISOR_xen_version);
	p = emit_imm64(p, 0x48, 0xb9, DC_CHILD_MARK);                      /* mov $mark,%rcx */
	p = emit(p, (const uint8_t[]){0x48, 0x89, 0x01}, 3);               /* mov %rax,(%rcx) */
	if (spin) {
		/* 1: incq (count); xen_version; jmp 1b */
		p = emit_imm64(p, 0x48, 0xb9, DC_CHILD_COUNT);             /* mov $count,%rcx */
		p = emit(p, (const uint8_t[]){0x48, 0xff, 0x01, 0x31, 0xff, 0x31, 0xf6}, 7);
		p = emit_hcall(p, __HYPERVISOR_xen_version);
		p = emit(p, (const uint8_t[]){0xeb, (uint8_t)-16}, 2);
	}
	p = emit(p, (const uint8_t[]){0xbf, SCHEDOP_shutdown, 0, 0, 0}, 5); /* mov $2,%edi */
	p = emit_imm64(p, 0x48, 0xbe, DC_CHILD_PAGE(1) + 0x900);         /* mov $s,%rsi */
	p = emit_hcall(p, __HYPERVISOR_sched_op);
	(void)emit(p, (const uint8_t[]){0xeb, 0xfe}, 2);                   /* jmp . */
	*rdi = 0;
	return DC_CHILD_PAGE(1);
}
#endif

/* HEADER from gethvmcontext, then a long-mode CPU record, END. */
static long set_entry(domid_t dom, uint64_t rip, uint64_t rsp, uint64_t rdi)
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
	cpu->rsp = rsp;
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

/*
 * Pausing a running created domain holds its vCPU at its next hypercall:
 * after the pause it loops at most once more (it may be inside one, past
 * the hold, when the pause comes); unpaused, it goes on.
 */
static void pause_continue(domid_t id, volatile uint64_t *count)
{
	struct xen_domctl_getdomaininfo gi;
	uint64_t c0, c1;
	unsigned int n;

	for (n = 0; n < DC_WAIT && !*count; n++)
		rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	rt_check(*count != 0, "the spinning d%u loops", id);
	rt_check_eq(domctl(XEN_DOMCTL_pausedomain, id), 0, "pause the running d%u", id);
	rt_check_eq(info(id, &gi), 0, "getdomaininfo");
	rt_check(gi.flags & XEN_DOMINF_paused, "paused: flags %#x", gi.flags);
	c0 = *count;
	for (n = 0; n < 1000; n++)
		rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	c1 = *count;
	rt_check(c1 - c0 <= 1, "paused d%u looped %llu more times", id,
		 (unsigned long long)(c1 - c0));
	rt_check_eq(domctl(XEN_DOMCTL_unpausedomain, id), 0, "continue d%u", id);
	for (n = 0; n < DC_WAIT && *count <= c1 + 1; n++)
		rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	rt_check(*count > c1 + 1, "d%u goes on after its unpause", id);
}

static void one_round(unsigned int round, bool spin)
{
	struct xen_domctl_getdomaininfo gi;
	xen_pfn_t gfns[DC_PAGES], lg[DC_MAP];
	uint8_t *pg[DC_MAP];
	volatile uint64_t *mark;
	uint64_t entry, rdi;
	int errs[DC_MAP];
	unsigned int n;
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

	for (unsigned int i = 0; i < DC_MAP; i++)
		pg[i] = rt_phys_to_virt(lg[i] << 12);
	entry = child_write(pg, spin, &rdi);
	rt_check_eq(set_entry(id, entry, DC_CHILD_PAGE(DC_PAGES), rdi), 0, "sethvmcontext");
	rt_check_eq(domctl(XEN_DOMCTL_unpausedomain, id), 0, "unpause");
	rt_check_eq(info(id, &gi), 0, "getdomaininfo");
	rt_check(!(gi.flags & XEN_DOMINF_paused), "unpaused: flags %#x", gi.flags);
	rt_check_eq(gi.tot_pages, DC_PAGES, "tot_pages");

	/* The VMM runs it: it answers through its memory, and shuts down by
	 * itself unless it spins. */
	mark = (volatile uint64_t *)(pg[1] + (DC_CHILD_MARK & 0xfff));
	for (n = 0; n < DC_WAIT; n++) {
		rt_check_eq(info(id, &gi), 0, "getdomaininfo while it runs");
		if (spin ? *mark != 0 : (gi.flags & XEN_DOMINF_shutdown) != 0)
			break;
		rt_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	rt_check(n < DC_WAIT, "round %u: d%u ran (flags %#x, mark %#llx)", round, id, gi.flags,
		 (unsigned long long)*mark);
	rt_check_eq(*mark, (uint64_t)rt_hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0,
						  0, 0), "d%u's xen_version answer", id);
	if (spin) {
		rt_check(!(gi.flags & XEN_DOMINF_shutdown), "the spinning d%u runs: flags %#x", id,
			 gi.flags);
		pause_continue(id, mark + 1);
	} else
		rt_check_eq((gi.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask,
			    SHUTDOWN_poweroff, "d%u powered off", id);

	rt_check_eq(destroy(id), 0, "destroydomain");
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
		one_round(r, false);
	one_round(DC_ROUNDS, true);
	rt_printf("toolstack: %u domains created, built, run to their shutdown, destroyed; one "
		  "paused, continued and destroyed while it spins\n", DC_ROUNDS);
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
