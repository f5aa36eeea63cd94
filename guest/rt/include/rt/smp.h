/*
 * Several vCPUs (issue 17): per-CPU data and running work on other vCPUs.
 *
 * A domain has the vCPUs its system-DT node's `cpus` names; vCPU 0 runs
 * the program, the others are down until rt_vcpu_start() brings one up
 * (VCPUOP_initialise the first time, with a stack of its own, then
 * VCPUOP_up) to run fn(arg). When fn returns, the vCPU takes itself down
 * (VCPUOP_down) until the next rt_vcpu_start() on it; rt_vcpu_wait() waits
 * for that.
 *
 * Per-CPU data: rt_this_cpu() is this vCPU's struct rt_cpu. Freestanding,
 * its address is the GS base (set at CPL0 by the boot stub, and by the
 * secondary entry from VCPUOP_initialise's rdi), read at CPL3 with a
 * %gs-relative load - no instruction that kvm_pvm would have to emulate;
 * hosted, a thread-local pointer (each vCPU is a thread of its own).
 * The interrupt state of rt/irq.h (interrupts off, what arrived meanwhile)
 * is per CPU; handlers are the domain's (one table, shared).
 *
 * Limits: rt_alloc_pages() (rt/mm.h) is vCPU 0's (hosted, the other vCPUs
 * have no allocator: allocate for them before starting them); rt_test_*
 * results are vCPU 0's (hosted, per thread): a function on another vCPU
 * reports what it saw through memory its starter checks. A fault on
 * another vCPU is reported as a crash of the domain naming the vCPU.
 */
#ifndef RT_SMP_H
#define RT_SMP_H

#include <rt/rt.h>

#define RT_MAX_CPUS 8
/* Each started vCPU's stack (hosted: the in-process transport's
 * INPROC_VCPU_STACK, which it must match). */
#define RT_VCPU_STACK_PAGES 16

typedef void (*rt_cpu_fn_t)(void *arg);

struct rt_cpu {
	struct rt_cpu *self; /* first: freestanding reads it at %gs:0 */
	unsigned int id;
	void *data;          /* the program's own per-CPU pointer */
	/* the runtime's: what rt_vcpu_start asked for, and how far it got */
	rt_cpu_fn_t volatile fn;
	void *volatile arg;
	volatile unsigned long started, finished;
	bool initialised;
	void *stack;         /* RT_VCPU_STACK_PAGES from rt_alloc_pages */
	/* what a secondary takes over from vCPU 0 at its entry (hosted:
	 * vCPU 0's thread-local state) */
	const void *fdt;
	uint64_t pt_root;
	void *irq_table;
};

/* This vCPU's data, and its number. */
struct rt_cpu *rt_this_cpu(void);
unsigned int rt_cpu_id(void);
/* vCPUs of this domain (VCPUOP_is_up answers up to the first -ENOENT). */
unsigned int rt_nr_cpus(void);
/* The data of vCPU `cpu` (NULL past RT_MAX_CPUS). */
struct rt_cpu *rt_cpu(unsigned int cpu);

/*
 * Runs fn(arg) on vCPU `cpu` (not 0), with interrupts on there. 0, or a
 * negative Xen errno: -EINVAL for vCPU 0 or past RT_MAX_CPUS, -ENOENT for
 * a vCPU the domain does not have, -EBUSY while it still runs an earlier
 * function, -ENOMEM without memory for its stack, or what
 * VCPUOP_initialise/VCPUOP_up returned.
 */
int rt_vcpu_start(unsigned int cpu, rt_cpu_fn_t fn, void *arg);
/* Waits (yielding) until vCPU `cpu` has returned from its function and is
 * down again. 0, or -EINVAL for a vCPU never started. */
int rt_vcpu_wait(unsigned int cpu);

/* ---- between the runtime's parts ---- */

/* Every vCPU's data (freestanding; hosted, vCPU 0's thread-local copy). */
extern RT_TLS struct rt_cpu rt_cpus[RT_MAX_CPUS];
/* The common secondary loop: fn, then down, forever. */
void rt_secondary_c(struct rt_cpu *c) __attribute__((noreturn));
/* Fills the VCPUOP_initialise context for c (its stack is set). */
struct vcpu_hvm_context;
void rt_arch_vcpu_context(struct rt_cpu *c, struct vcpu_hvm_context *ctx);
/* The interrupt handler table in use, and a secondary adopting vCPU 0's. */
void *rt_irq_table(void);
void rt_irq_use_table(void *table);
/* The device tree (a secondary adopting vCPU 0's). */
void rt_set_dt(const void *fdt);

#endif
