/*
 * Interrupt dispatch shared by both builds (see rt/irq.h).
 *
 * State: `off` (interrupts off), a bitmap of vectors that arrived while off,
 * and the handler table. An arrival can nest into any point of the code
 * below (the CPL3 entry on kvm_pvm is taken whatever IF says; in-process the
 * signal can land anywhere outside a hypercall), so:
 * - pending bits are set and taken with atomic read-modify-writes;
 * - a handler runs only with off set, so a nested arrival while it runs is
 *   only recorded;
 * - after turning off back to false the pending bits are checked again: an
 *   arrival between the last check and the store was recorded (off was
 *   still set) and must not wait for the next one.
 * The off flag and the pending bits are per CPU (rt/smp.h), indexed by
 * rt_cpu_id(); the handler table is the domain's. Hosted, all of it is per
 * thread (several guests share the process), and a secondary vCPU's
 * thread uses vCPU 0's table.
 */
#include <libfdt.h>

#include <rt/dt.h>
#include <rt/irq.h>
#include <rt/rt.h>
#include <rt/smp.h>

#define IRQ_FIRST 32
#define IRQ_VECTORS 256
#define IRQ_DEFAULT_VECTOR 0xef
#define IRQ_PPI_BASE 0xe0

struct irq_slot {
	rt_irq_handler_t fn;
	void *ctx;
};

/* Handlers are the domain's: a hosted secondary vCPU (another thread)
 * uses vCPU 0's table (rt_irq_use_table). The rest is per CPU. */
static RT_TLS struct irq_slot irq_table_own[IRQ_VECTORS];
static RT_TLS struct irq_slot *irq_table_p;
#define irq_table (irq_table_p ? irq_table_p : irq_table_own)
static RT_TLS volatile bool irq_off_cpu[RT_MAX_CPUS] = {[0 ... RT_MAX_CPUS - 1] = true};
static RT_TLS uint64_t irq_pending_cpu[RT_MAX_CPUS][IRQ_VECTORS / 64];
static RT_TLS unsigned long irq_count, irq_deferred_count;
#define irq_off (irq_off_cpu[rt_cpu_id()])
#define irq_pending (irq_pending_cpu[rt_cpu_id()])

void *rt_irq_table(void)
{
	return irq_table;
}

void rt_irq_use_table(void *table)
{
	irq_table_p = table;
}

void rt_arch_irq_gate(unsigned int vector, bool present);

#define barrier() __asm__ volatile("" ::: "memory")

int rt_irq_set_handler(unsigned int vector, rt_irq_handler_t fn, void *ctx)
{
	bool on;

	if (vector < IRQ_FIRST || vector >= IRQ_VECTORS)
		return -1;
	on = rt_irq_disable_save();
	irq_table[vector].fn = NULL;
	barrier();
	irq_table[vector].ctx = ctx;
	barrier();
	irq_table[vector].fn = fn;
	rt_arch_irq_gate(vector, fn != NULL);
	rt_irq_restore(on);
	return 0;
}

/* Runs every pending vector's handler; off is set. */
static void irq_run_pending(void)
{
	for (unsigned int w = 0; w < IRQ_VECTORS / 64; w++) {
		uint64_t bits = __atomic_exchange_n(&irq_pending[w], 0, __ATOMIC_ACQ_REL);

		while (bits) {
			unsigned int v = w * 64 + (unsigned int)__builtin_ctzll(bits);
			struct irq_slot s = irq_table[v];

			bits &= bits - 1;
			irq_count++;
			if (s.fn)
				s.fn(s.ctx);
		}
	}
}

static bool irq_any_pending(void)
{
	for (unsigned int w = 0; w < IRQ_VECTORS / 64; w++)
		if (__atomic_load_n(&irq_pending[w], __ATOMIC_ACQUIRE))
			return true;
	return false;
}

/* off is false on entry and on return; handles everything pending. */
static void irq_drain(void)
{
	while (irq_any_pending()) {
		irq_off = true;
		barrier();
		irq_run_pending();
		barrier();
		irq_off = false;
		barrier();
	}
}

void rt_irq_deliver(unsigned int vector)
{
	if (vector >= IRQ_VECTORS)
		return;
	__atomic_fetch_or(&irq_pending[vector / 64], 1ULL << (vector % 64), __ATOMIC_ACQ_REL);
	barrier();
	if (irq_off) {
		irq_deferred_count++;
		return; /* rt_irq_enable() runs it */
	}
	irq_drain();
}

void rt_irq_enable(void)
{
	barrier();
	irq_off = false;
	barrier();
	irq_drain();
}

void rt_irq_disable(void)
{
	irq_off = true;
	barrier();
}

bool rt_irq_disable_save(void)
{
	bool was_off = irq_off;

	irq_off = true;
	barrier();
	return !was_off;
}

void rt_irq_restore(bool on)
{
	if (on)
		rt_irq_enable();
}

unsigned int rt_irq_upcall_vector(void)
{
	const void *dt = rt_dt();
	int node = dt ? fdt_path_offset(dt, "/hypervisor") : -1;
	const fdt32_t *p;
	int len;

	if (node < 0)
		return IRQ_DEFAULT_VECTOR;
	p = fdt_getprop(dt, node, "interrupts", &len);
	/* <type number flags>, type 1 = PPI, numbers 0-15 */
	if (!p || len < 12 || fdt32_to_cpu(p[0]) != 1 || fdt32_to_cpu(p[1]) > 15)
		return IRQ_DEFAULT_VECTOR;
	return IRQ_PPI_BASE + fdt32_to_cpu(p[1]);
}

unsigned long rt_irq_count(void)
{
	return irq_count;
}

unsigned long rt_irq_deferred(void)
{
	return irq_deferred_count;
}
