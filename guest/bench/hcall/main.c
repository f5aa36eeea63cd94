/*
 * Bench guest "hcall": the cost of one hypercall round trip on KVM next to
 * its limit, a bare port-I/O exit from the same CPL3 code through the same
 * stub page, and the per-element cost of 512-element memory_op batches.
 *
 * bootargs: iters=N (round trips per phase), reps=R (repetitions of every
 * phase, the host takes medians), batches=B (populate+decrease pairs per
 * batch phase), batch_gfn=G (first of 512 unpopulated GFNs to use).
 *
 * Phases (marker tags, see ../common/bench.h): 1 bare exits, 2 xen_version
 * round trips, 3 batches of 512 populate + 512 decrease, and the same exits
 * taken from CPL0 instead (entered from CPL3 through an interrupt gate, as
 * a runtime could do): 4 bare, 5 xen_version. On hosts whose KVM emulates
 * port I/O from CPL3 at a higher cost than from CPL0, 4 and 5 show it.
 * The cost of translating a pointer (the vCPU's paging state, the walk of
 * its page tables): 6 xen_version(extraversion) into a buffer under the
 * identity map (2 MiB leaves), 7 the same buffer mapped with a 4 KiB page
 * at a high linear address.
 */
#include <rt/mm.h>

#include "../common/bench.h"

#define BATCH 512
/* #UD as the gate: `int n` from CPL3 is refused on some hosts (kvm_pvm
 * raises #UD for it), while exceptions from CPL3 are always delivered. The
 * bench owns the vector: its guest never executes ud2 otherwise. */
#define GATE_VEC 6

extern uint8_t rt_idt[];
void bench_gate(void);

/* CPL0 side of the gate: the hypercall stub's port write, then back. */
__asm__(".text\n"
	".globl bench_gate\n"
	"bench_gate:\n"
	"	addq $2, (%rsp)\n" /* past the ud2 */
	"	out %eax, $0xea\n"
	"	iretq\n");

/* The IDT is identity-mapped user-writable memory: fill the entry at CPL3. */
static void gate_install(void)
{
	uint64_t h = (uint64_t)(uintptr_t)bench_gate;
	uint64_t lo = (h & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) | ((h >> 16) & 0xffff) << 48;
	uint64_t hi = h >> 32;

	__builtin_memcpy(rt_idt + GATE_VEC * 16, &lo, 8);
	__builtin_memcpy(rt_idt + GATE_VEC * 16 + 8, &hi, 8);
}

static inline long gate_call(unsigned int nr, uint64_t a1, uint64_t a2)
{
	long ret = nr;

	__asm__ volatile("ud2" : "+a"(ret), "+D"(a1), "+S"(a2) : : "memory", "cc");
	return ret;
}

static void batches(uint64_t *gfns, uint64_t first, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		struct xen_memory_reservation res;
		long rc;

		for (unsigned int k = 0; k < BATCH; k++)
			gfns[k] = first + k;
		res = (struct xen_memory_reservation){.extent_start = rt_handle(gfns),
						      .nr_extents = BATCH, .domid = DOMID_SELF};
		rc = HYPERVISOR_memory_op(XENMEM_populate_physmap, &res);
		if (rc != BATCH)
			rt_crash("populate_physmap: %ld of %d", rc, BATCH);
		res = (struct xen_memory_reservation){.extent_start = rt_handle(gfns),
						      .nr_extents = BATCH, .domid = DOMID_SELF};
		rc = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &res);
		if (rc != BATCH)
			rt_crash("decrease_reservation: %ld of %d", rc, BATCH);
	}
}

void rt_main(void)
{
	uint64_t iters = bench_arg("iters", 2000), reps = bench_arg("reps", 5);
	uint64_t nb = bench_arg("batches", 20), gfn = bench_arg("batch_gfn", 0x100000);
	uint64_t *gfns = rt_alloc_pages(1);
	char *buf = rt_alloc_pages(1);
	const uint64_t high = 0x0000600000000000ULL;

	if (!gfns || !buf)
		rt_crash("no page for the GFN list");
	if (rt_map_page_at(high, rt_virt_to_phys(buf), RT_MAP_WRITABLE))
		rt_crash("cannot map the high buffer");
	gate_install();
	for (uint64_t r = 0; r < reps; r++) {
		bench_mark(1);
		for (uint64_t i = 0; i < iters; i++)
			rt_hypercall(BENCH_HC_NULL, 0, 0, 0, 0, 0);
		bench_mark(2);
		for (uint64_t i = 0; i < iters; i++)
			HYPERVISOR_xen_version(XENVER_version, NULL);
		bench_mark(3);
		batches(gfns, gfn, nb);
		bench_mark(4);
		for (uint64_t i = 0; i < iters; i++)
			gate_call(BENCH_HC_NULL, 0, 0);
		bench_mark(5);
		for (uint64_t i = 0; i < iters; i++)
			if (gate_call(__HYPERVISOR_xen_version, XENVER_version, 0) != XEN_VERSION_ENCODED)
				rt_crash("xen_version through the gate");
		bench_mark(6);
		for (uint64_t i = 0; i < iters; i++)
			if (rt_hypercall(__HYPERVISOR_xen_version, XENVER_extraversion,
					 (uint64_t)(uintptr_t)buf, 0, 0, 0))
				rt_crash("extraversion");
		bench_mark(7);
		for (uint64_t i = 0; i < iters; i++)
			if (rt_hypercall(__HYPERVISOR_xen_version, XENVER_extraversion, high, 0, 0, 0))
				rt_crash("extraversion at a high address");
	}
	bench_mark(0);
}
