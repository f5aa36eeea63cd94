/*
 * Hosted glue: the guest runs in a thread of the VMM process, started by
 * the in-process transport (vmm/inproc.c) through rt_hosted_start().
 * Everything here is per thread, so several hosted guests can share one
 * process.
 */
#include <string.h>

#include <inproc_env.h>

#include <rt/dt.h>
#include <rt/hosted.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/mmio.h>
#include <rt/rt.h>
#include <rt/smp.h>

#include <public/vcpu.h>

#include "pt.h"

static __thread const struct inproc_env *rt_env;
static __thread bool rt_warned;
/* Guest-physical PML4 of this guest's own page tables, 0 while it has none
 * (see paging_on()). */
static __thread uint64_t rt_pt_root;
/* This vCPU's data (rt/smp.h): vCPU 0's entry of its own rt_cpus, or the
 * entry a secondary was started for. */
static __thread struct rt_cpu *rt_cpu_self;

void rt_hosted_start(const struct inproc_env *env);

/*
 * A hosted guest starts without page tables: its hypercall pointers are
 * guest-physical. The first rt_map_page_at() gives it tables, as a KVM
 * guest has: a PML4 in its own memory identity-mapping every RAM bank
 * (2 MiB leaves, user, writable), handed to the transport, which from then
 * on has the hypervisor translate this guest's pointers through it as a
 * CPL3 caller's. Every pointer the runtime passes (guest-physical, in RAM)
 * means the same under the identity map, so nothing else changes. The
 * program itself still reaches its memory through the window: a page
 * mapped at a new linear address is seen by the hypervisor only.
 */
static int paging_on(void)
{
	struct rt_range banks[8];
	unsigned int n;
	void *pml4;

	if (rt_pt_root)
		return 0;
	if (!rt_env->set_cr3)
		return -1; /* a transport that cannot translate */
	pml4 = rt_alloc_pages(1);
	if (!pml4)
		return -1;
	n = rt_dt_memory(rt_dt(), banks, RT_ARRAY_SIZE(banks));
	for (unsigned int i = 0; i < n; i++)
		if (rt_pt_map_2m(rt_virt_to_phys(pml4), banks[i].base, banks[i].size))
			return -1; /* the tables made so far stay unused */
	rt_pt_root = rt_virt_to_phys(pml4);
	rt_env->set_cr3(rt_env->ctx, rt_pt_root);
	return 0;
}

int rt_map_page_at(uint64_t va, uint64_t pa, unsigned int flags)
{
	if (paging_on())
		return -1;
	return rt_pt_map_4k(rt_pt_root, va, pa, flags);
}

void rt_arch_halt(void) RT_NORETURN;
bool rt_arch_image_range(struct rt_range *r);
void rt_arch_irq_gate(unsigned int vector, bool present);

/* No IDT: the transport calls rt_irq_deliver() for any vector. */
void rt_arch_irq_gate(unsigned int vector, bool present)
{
	(void)vector;
	(void)present;
}

uint64_t rt_virt_to_phys(const void *p)
{
	uintptr_t a = (uintptr_t)p, w = (uintptr_t)rt_env->window;

	if (!p)
		return 0;
	if (a < w || a - w >= rt_env->window_size) {
		if (!rt_warned) {
			rt_warned = true;
			rt_printf("rt: %p is not guest memory (globals are not; use the stack "
				  "or rt_alloc_pages)\n",
				  p);
		}
		return 1ULL << 63; /* no guest has that address: the call fails */
	}
	return a - w;
}

void *rt_phys_to_virt(uint64_t pa)
{
	if (!pa || pa >= rt_env->window_size)
		return NULL;
	return rt_env->window + pa;
}

void rt_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	if (rt_env->cpuid) {
		rt_env->cpuid(rt_env, leaf, subleaf, regs);
		return;
	}
	__asm__ volatile("cpuid"
			 : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
			 : "a"(leaf), "c"(subleaf));
}

/* In-process there is no privilege level to be intercepted at: the
 * transport's table answers every CPUID the program asks the runtime for. */
void rt_cpuid_direct(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	rt_cpuid(leaf, subleaf, regs);
}

bool rt_hypercalls_ready(void)
{
	return rt_env != NULL;
}

long rt_hypercall(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	uint64_t args[5] = {a1, a2, a3, a4, a5};

	return rt_env->hcall(rt_env->ctx, nr, args);
}

uint64_t rt_mmio_read(uint64_t gpa, unsigned int size)
{
	return rt_env->mmio(rt_env->ctx, gpa, size, 0, 0);
}

void rt_mmio_write(uint64_t gpa, unsigned int size, uint64_t val)
{
	rt_env->mmio(rt_env->ctx, gpa, size, 1, val);
}

bool rt_arch_image_range(struct rt_range *r)
{
	(void)r;
	return false; /* the program is not in guest memory */
}

int rt_map_range(uint64_t pa, uint64_t size)
{
	/* the window already shows every realized page; the hypervisor must
	 * see it too once this guest has page tables */
	return rt_pt_root ? rt_pt_map_2m(rt_pt_root, pa, size) : 0;
}

void rt_arch_halt(void)
{
	for (;;)
		__asm__ volatile("pause");
}

struct rt_cpu *rt_this_cpu(void)
{
	return rt_cpu_self;
}

void rt_hosted_vcpu_entry(const struct inproc_env *env, uint64_t arg);

/*
 * A secondary vCPU's thread (vmm/inproc_env.h): it takes over vCPU 0's
 * view - the device tree, its page tables, the handler table - which
 * vCPU 0's thread-local state holds and rt_arch_vcpu_context copied.
 */
void rt_hosted_vcpu_entry(const struct inproc_env *env, uint64_t arg)
{
	struct rt_cpu *c = (struct rt_cpu *)(uintptr_t)arg;

	rt_env = env;
	rt_warned = false;
	rt_cpu_self = c;
	rt_set_dt(c->fdt);
	rt_irq_use_table(c->irq_table);
	rt_pt_root = c->pt_root;
	if (rt_pt_root && env->set_cr3)
		env->set_cr3(env->ctx, rt_pt_root);
	if (env->set_irq_entry)
		env->set_irq_entry(env->ctx, rt_irq_deliver);
	rt_secondary_c(c);
}

_Static_assert(RT_VCPU_STACK_PAGES * RT_PAGE_SIZE == INPROC_VCPU_STACK,
	       "a started vCPU's stack is what the transport runs it on");

void rt_arch_vcpu_context(struct rt_cpu *c, struct vcpu_hvm_context *ctx)
{
	struct vcpu_hvm_x86_64 *r = &ctx->cpu_regs.x86_64;

	c->fdt = rt_dt();
	c->pt_root = rt_pt_root;
	c->irq_table = rt_irq_table();
	memset(ctx, 0, sizeof(*ctx));
	ctx->mode = VCPU_HVM_MODE_64B;
	/* in process: a function of this program, a guest-physical stack */
	r->rip = (uint64_t)(uintptr_t)rt_hosted_vcpu_entry;
	r->rsp = rt_virt_to_phys((uint8_t *)c->stack + RT_VCPU_STACK_PAGES * RT_PAGE_SIZE);
	r->rdi = (uint64_t)(uintptr_t)c;
	r->rflags = 0x2;
	/* long mode, as the hypervisor checks; the transport keeps its own
	 * paging state per vCPU (set_cr3 above) */
	r->cr0 = 0x1 | 0x80000000;
	r->cr3 = rt_pt_root;
	r->cr4 = 0x20;
	r->efer = 0x100 | 0x400;
}

void rt_hosted_start(const struct inproc_env *env)
{
	rt_hosted_program_start(env, env->dt, env->main);
}

/*
 * A toolstack-created domain's vCPU 0 in process (rt/hosted.h): its own
 * thread, the device tree its CPU record's rdi names, as vCPU 0 of a
 * boot-built domain is started by rt_hosted_start().
 */
void rt_hosted_program_start(const struct inproc_env *env, uint64_t dt, void (*main_fn)(void))
{
	rt_env = env;
	rt_warned = false;
	rt_pt_root = 0;
	memset(rt_cpus, 0, sizeof(rt_cpus));
	rt_cpus[0].self = &rt_cpus[0];
	rt_cpu_self = &rt_cpus[0];
	if (env->set_irq_entry)
		env->set_irq_entry(env->ctx, rt_irq_deliver);
	rt_start(dt, main_fn);
}
