/*
 * Freestanding x86-64 glue, all of it running at CPL3: the IDT entries, the
 * fault report, hypercalls through the page the VMM filled, identity
 * address conversion, CPUID.
 */
#include <string.h>

#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/irq.h>
#include <rt/mm.h>
#include <rt/rt.h>
#include <rt/smp.h>

#include <public/vcpu.h>

#include "../pt.h"

struct fault_info {
	uint64_t vector, error, rip, cs, rsp, cr2;
};

extern uint8_t rt_hypercall_page[];
extern uint8_t rt_idt[];
extern uint8_t rt_tls[];
extern uint64_t rt_boot_dt;
extern uint64_t rt_boot_area;
extern struct fault_info rt_fault_info;
extern const uint64_t rt_vec_table[32];
extern const uint8_t rt_irq_stubs[];
extern const uint32_t rt_cpuid_hv[][4];
extern const uint32_t rt_cpuid_hv_count;
extern char _image_start[], _image_end[];

void rt_arch_start_c(void) RT_NORETURN;
void rt_fault_c(void) RT_NORETURN;
void rt_arch_halt(void) RT_NORETURN;
bool rt_arch_image_range(struct rt_range *r);
void rt_arch_irq_gate(unsigned int vector, bool present);

uint64_t rt_virt_to_phys(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

void *rt_phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

void rt_cpuid_direct(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
			 : "a"(leaf), "c"(subleaf));
}

#define CPUID_HV_FIRST 0x40000000U
#define CPUID_HV_LAST 0x400000ffU

/*
 * The hypervisor leaves come from head.S's snapshot, taken at CPL0, and
 * never from a CPUID here at CPL3. Whether KVM sees a guest's CPUID depends
 * on the host: hardware KVM always does (VMX exits on every CPUID, and KVM
 * on SVM always sets the CPUID intercept), and so does kvm_pvm on Intel
 * hosts; but kvm_pvm on AMD hosts runs CPL3 code natively without
 * intercepting CPUID, so the outer hypervisor answers with its own leaves
 * ("KVMKVMKVM", no hypercall page). At CPL0 kvm_pvm emulates every
 * instruction, CPUID included, from the vCPU's table, so the snapshot is
 * right on all of them, and it is what a real kernel would have read
 * anyway. The whole 0x40000000-0x400000ff block is answered from it
 * (leaves past what was kept read as zeros), so no CPL3 read of that block
 * can leak the outer hypervisor's leaves. Subleaves are not snapshotted:
 * memvisor's hypervisor leaves have none. Other leaves still run the
 * instruction, and on such a host may show the outer hypervisor's view.
 */
void rt_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	if (leaf >= CPUID_HV_FIRST && leaf <= CPUID_HV_LAST) {
		uint32_t i = leaf - CPUID_HV_FIRST;

		if (i < rt_cpuid_hv_count)
			memcpy(regs, rt_cpuid_hv[i], 4 * sizeof(regs[0]));
		else
			memset(regs, 0, 4 * sizeof(regs[0]));
		return;
	}
	rt_cpuid_direct(leaf, subleaf, regs);
}

bool rt_hypercalls_ready(void)
{
	return rt_hypercall_page[0] == 0xb8; /* the VMM wrote "mov $0, %eax" */
}

long rt_hypercall(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		  uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a4;
	register uint64_t r8 __asm__("r8") = a5;
	long ret;

	if (nr >= RT_HYPERCALL_STUBS)
		return -38; /* ENOSYS: there is no stub for it */
	__asm__ volatile("call *%[stub]"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : [stub] "r"(rt_hypercall_page + nr * 32)
			 : "memory", "cc");
	return ret;
}

bool rt_arch_image_range(struct rt_range *r)
{
	r->base = (uint64_t)(uintptr_t)_image_start;
	r->size = (uint64_t)(_image_end - _image_start);
	return true;
}

#define BOOT_PML4_OFF 0x1000 /* docs/boot-protocol.md */

int rt_map_range(uint64_t pa, uint64_t size)
{
	return rt_pt_map_2m(rt_boot_area + BOOT_PML4_OFF, pa, size);
}

int rt_map_page_at(uint64_t va, uint64_t pa, unsigned int flags)
{
	return rt_pt_map_4k(rt_boot_area + BOOT_PML4_OFF, va, pa, flags);
}

void rt_arch_halt(void)
{
	for (;;)
		__asm__ volatile("pause");
}

#define SEL_KCODE 0x08ULL
#define SEL_UCODE 0x2bULL

static void set_gate_sel(unsigned int vec, uint64_t handler, uint64_t sel, bool present)
{
	uint8_t *g = rt_idt + vec * 16;
	uint64_t lo, hi;

	/* offset 15:0 | selector | type 0x8e (present, DPL0, 64-bit interrupt
	 * gate) | offset 31:16; then offset 63:32 */
	lo = (handler & 0xffff) | (sel << 16) | ((present ? 0x8eULL : 0x0eULL) << 40) |
	     ((handler >> 16) & 0xffff) << 48;
	hi = handler >> 32;
	/* the high half first, so a present gate is never half written */
	memcpy(g + 8, &hi, 8);
	__asm__ volatile("" ::: "memory");
	memcpy(g, &lo, 8);
}

static void set_gate(unsigned int vec, uint64_t handler)
{
	set_gate_sel(vec, handler, SEL_KCODE, true);
}

/*
 * An interrupt vector's gate (irq.c): its code segment is the CPL3 one, so
 * an interrupt taken at CPL3 stays at CPL3 (same privilege: no stack
 * switch) and never costs CPL0 emulation. The gate's DPL stays 0 so that a
 * program's "int $n" is a #GP, not a fake interrupt. Absent gates make a
 * stray vector a #NP, reported as a fault.
 */
void rt_arch_irq_gate(unsigned int vector, bool present)
{
	set_gate_sel(vector, (uint64_t)(uintptr_t)(rt_irq_stubs + (vector - 32) * 16), SEL_UCODE,
		     present);
}

void rt_arch_start_c(void)
{
	uint64_t canary = 0x5a17c0de00ff0a00ULL ^ (uint64_t)(uintptr_t)&canary;

	for (unsigned int v = 0; v < 32; v++)
		set_gate(v, rt_vec_table[v]);
	memcpy(rt_tls + 0x28, &canary, sizeof(canary));
	rt_start(rt_boot_dt, rt_main);
}

static const char *vector_name(uint64_t v)
{
	static const char *const names[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?9",
		"#TS", "#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM",
		"#VE", "#CP",
	};
	return v < 32 && names[v] ? names[v] : "?";
}

void rt_fault_c(void)
{
	const struct fault_info *f = &rt_fault_info;

	rt_irq_disable(); /* the report runs no handlers */
	if (f->vector == 14)
		rt_crash("fault %s (vector %llu) error %#llx at rip %#llx, address %#llx",
			 vector_name(f->vector), (unsigned long long)f->vector,
			 (unsigned long long)f->error, (unsigned long long)f->rip,
			 (unsigned long long)f->cr2);
	rt_crash("fault %s (vector %llu) error %#llx at rip %#llx", vector_name(f->vector),
		 (unsigned long long)f->vector, (unsigned long long)f->error,
		 (unsigned long long)f->rip);
}

void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	rt_crash("stack protector: stack smashed");
}

/* ---- several vCPUs (rt/smp.h) ---- */

extern uint8_t rt_gdt[];
extern const uint8_t rt_tss[];
void rt_secondary_start(void);

#define SEL_TSS_FIRST 0x40 /* vCPU n's TSS descriptor: 0x40 + 16 * (n - 1) */
#define TSS_SIZE 104
#define KSTACK_PAGES 2

/* Each secondary's TSS: rsp0 is where an exception from CPL3 enters. */
static uint8_t rt_tss_cpu[RT_MAX_CPUS][TSS_SIZE] __attribute__((aligned(16)));

struct rt_cpu *rt_this_cpu(void)
{
	struct rt_cpu *c;

	/* GS base = this vCPU's struct rt_cpu, whose first word points to
	 * itself: a plain load at CPL3 */
	__asm__ volatile("mov %%gs:0, %0" : "=r"(c));
	return c;
}

void rt_arch_vcpu_context(struct rt_cpu *c, struct vcpu_hvm_context *ctx)
{
	uint8_t *tss = rt_tss_cpu[c->id];
	uint64_t base = (uint64_t)(uintptr_t)tss, lo, hi;
	uint64_t kstack = (uint64_t)(uintptr_t)rt_alloc_pages(KSTACK_PAGES);
	uint64_t top = (uint64_t)(uintptr_t)c->stack + RT_VCPU_STACK_PAGES * RT_PAGE_SIZE;
	unsigned int sel = SEL_TSS_FIRST + 16 * (c->id - 1);
	struct vcpu_hvm_x86_64 *r = &ctx->cpu_regs.x86_64;

	/* Without a stack of its own an exception at CPL3 would use the
	 * bottom of the vCPU's own stack. */
	if (!kstack)
		kstack = (uint64_t)(uintptr_t)c->stack + RT_PAGE_SIZE;
	else
		kstack += KSTACK_PAGES * RT_PAGE_SIZE;
	/* vCPU 0's TSS with its own rsp0: the same bytes matter for port
	 * I/O at CPL3 (the hypercall stubs' OUT), which some hosts (kvm_pvm)
	 * check against the TSS's I/O bitmap whatever IOPL says: vCPU 0's
	 * I/O map base reads 0, and the zero bits there allow the port. */
	memcpy(tss, rt_tss, TSS_SIZE);
	memcpy(tss + 4, &kstack, 8);                /* rsp0 */
	/* limit 103, base, type 9 (64-bit TSS, available), present */
	lo = (TSS_SIZE - 1) | (base & 0xffffff) << 16 | 0x89ULL << 40 | ((base >> 24) & 0xff) << 56;
	hi = base >> 32;
	memcpy(rt_gdt + sel, &lo, 8);
	memcpy(rt_gdt + sel + 8, &hi, 8);

	memset(ctx, 0, sizeof(*ctx));
	ctx->mode = VCPU_HVM_MODE_64B;
	r->rip = (uint64_t)(uintptr_t)rt_secondary_start;
	r->rsp = top & ~15ULL;
	r->rdi = (uint64_t)(uintptr_t)c;
	r->rsi = sel;
	r->rflags = 0x2;
	/* what the VMM booted vCPU 0 with (docs/boot-protocol.md): its page
	 * tables, PE MP ET NE WP PG, PAE OSFXSR OSXMMEXCPT, LME LMA */
	r->cr0 = 0x1 | 0x2 | 0x10 | 0x20 | 0x10000 | 0x80000000;
	r->cr3 = rt_boot_area + BOOT_PML4_OFF;
	r->cr4 = 0x20 | 0x200 | 0x400;
	r->efer = 0x100 | 0x400;
}
