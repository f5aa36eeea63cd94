/*
 * Hosted glue: the guest runs in a thread of the VMM process, started by
 * the in-process transport (vmm/inproc.c) through rt_hosted_start().
 * Everything here is per thread, so several hosted guests can share one
 * process.
 */
#include <inproc_env.h>

#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/mmio.h>
#include <rt/rt.h>

static __thread const struct inproc_env *rt_env;
static __thread bool rt_warned;

void rt_hosted_start(const struct inproc_env *env);
int rt_map_page_at(uint64_t va, uint64_t pa, unsigned int flags)
{
	(void)va;
	(void)pa;
	(void)flags;
	return -1; /* a hosted guest has no page tables */
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
	(void)pa;
	(void)size;
	return 0; /* the window already shows every realized page */
}

void rt_arch_halt(void)
{
	for (;;)
		__asm__ volatile("pause");
}

void rt_hosted_start(const struct inproc_env *env)
{
	rt_env = env;
	rt_warned = false;
	if (env->set_irq_entry)
		env->set_irq_entry(env->ctx, rt_irq_deliver);
	rt_start(env->dt, env->main);
}
