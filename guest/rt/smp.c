/*
 * Several vCPUs (see rt/smp.h): starting and waiting for work on other
 * vCPUs through VCPUOP_initialise/up/down, shared by both builds.
 *
 * Invariant: cpu->finished <= cpu->started; they differ while a function
 * runs (or is about to) on that vCPU. A secondary publishes `finished`
 * before it goes down, so rt_vcpu_wait() also waits for VCPUOP_is_up to
 * say 0: an rt_vcpu_start() before the down would find the vCPU still up,
 * and its VCPUOP_up would be lost.
 */
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/smp.h>

#include <public/errno.h>
#include <public/vcpu.h>

static RT_TLS unsigned int nr_cpus;

/* Hosted, vCPU 0's thread-local array: the others reach it through their
 * own entry's address (rt_cpu()). Entry 0 is set up by the entry code. */
#ifdef RT_HOSTED
RT_TLS struct rt_cpu rt_cpus[RT_MAX_CPUS];
#else
struct rt_cpu rt_cpus[RT_MAX_CPUS] = {[0] = {.self = &rt_cpus[0]}};
#endif

struct rt_cpu *rt_cpu(unsigned int cpu)
{
	struct rt_cpu *me = rt_this_cpu(), *c;

	if (cpu >= RT_MAX_CPUS)
		return NULL;
	c = me - me->id + cpu; /* the same array, whichever vCPU asks */
	c->self = c;
	c->id = cpu;
	return c;
}

static long vcpu_op(unsigned int cmd, unsigned int cpu, void *arg)
{
	return rt_hypercall(__HYPERVISOR_vcpu_op, cmd, cpu, rt_virt_to_phys(arg), 0, 0);
}

unsigned int rt_cpu_id(void)
{
	return rt_this_cpu()->id;
}

unsigned int rt_nr_cpus(void)
{
	if (!nr_cpus) {
		unsigned int n = 1;

		while (n < RT_MAX_CPUS && vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
			n++;
		nr_cpus = n;
	}
	return nr_cpus;
}

void rt_secondary_c(struct rt_cpu *c)
{
	for (;;) {
		rt_cpu_fn_t fn = c->fn;

		rt_irq_enable();
		if (fn)
			fn(c->arg);
		rt_irq_disable();
		__atomic_store_n(&c->finished, c->started, __ATOMIC_RELEASE);
		/* returns at the next VCPUOP_up */
		vcpu_op(VCPUOP_down, c->id, NULL);
	}
}

int rt_vcpu_start(unsigned int cpu, rt_cpu_fn_t fn, void *arg)
{
	struct rt_cpu *c = rt_cpu(cpu);
	struct vcpu_hvm_context ctx; /* stack: guest memory */
	long rc;

	if (!cpu || !c)
		return -XEN_EINVAL;
	rc = vcpu_op(VCPUOP_is_up, cpu, NULL);
	if (rc < 0)
		return (int)rc;
	if (rc == 1 || __atomic_load_n(&c->finished, __ATOMIC_ACQUIRE) != c->started)
		return -XEN_EBUSY;
	c->fn = fn;
	c->arg = arg;
	c->started++;
	if (!c->initialised) {
		if (!c->stack)
			c->stack = rt_alloc_pages(RT_VCPU_STACK_PAGES);
		if (!c->stack) {
			c->finished = c->started;
			return -XEN_ENOMEM;
		}
		rt_arch_vcpu_context(c, &ctx);
		rc = vcpu_op(VCPUOP_initialise, cpu, &ctx);
		if (rc) {
			c->finished = c->started;
			return (int)rc;
		}
		c->initialised = true;
	}
	rc = vcpu_op(VCPUOP_up, cpu, NULL);
	if (rc)
		c->finished = c->started;
	return (int)rc;
}

int rt_vcpu_wait(unsigned int cpu)
{
	struct rt_cpu *c = rt_cpu(cpu);

	if (!cpu || !c || !c->initialised)
		return -XEN_EINVAL;
	while (__atomic_load_n(&c->finished, __ATOMIC_ACQUIRE) != c->started ||
	       vcpu_op(VCPUOP_is_up, cpu, NULL) == 1)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	return 0;
}
