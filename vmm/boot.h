/*
 * Guest boot setup shared by both transports (docs/boot-protocol.md).
 *
 * The boot area is the top BOOT_AREA_SIZE bytes of the domain's first RAM
 * bank (2 MiB aligned). The VMM writes into it:
 *
 *   +0x000000  GDT: null, 0x08 64-bit code DPL0, 0x10 data DPL0
 *   +0x001000  page tables: PML4, then PDPTs and PDs as needed (KVM only)
 *   +0x100000  the guest device tree (at most BOOT_DT_MAX bytes)
 *   +0x180000  the initial stack; rsp starts at the end of the area
 *
 * and adds /memreserve/ entries to the device tree for the area itself and
 * for every segment of the loaded image, so a guest's page allocator only
 * has to honour the reservation map.
 */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H

#include "guest.h"

#define BOOT_AREA_SIZE 0x200000ULL
#define BOOT_GDT_OFF 0x0ULL
#define BOOT_PT_OFF 0x1000ULL
#define BOOT_PT_END 0x100000ULL
#define BOOT_DT_OFF 0x100000ULL
#define BOOT_DT_MAX 0x80000ULL
#define BOOT_STACK_OFF 0x180000ULL

#define BOOT_SEL_CODE 0x08
#define BOOT_SEL_DATA 0x10

/* Port the hypercall stubs write the hypercall number to (32-bit out). */
#define BOOT_HCALL_PORT 0xEA
/* Hypercall-page MSR (advertised in CPUID leaf 0x40000002 ebx). */
#define BOOT_HCALL_MSR 0x40000000U
#define BOOT_HCALL_STUB_SIZE 32
#define BOOT_HCALL_STUBS 128

struct guest_boot {
	uint64_t entry;
	uint64_t dt;        /* guest-physical address of the device tree (rdi) */
	uint64_t area;      /* boot area base (rsi) */
	uint64_t area_size; /* (rdx) */
	uint64_t stack_top;
	uint64_t cr3;       /* 0 when no page tables were built */
	uint64_t gdt;
	uint16_t gdt_limit;
	uint32_t xen_version; /* CPUID leaf 0x40000001 (hv_xen_version()) */
	/* Entered as a toolstack's CPU record says (XEN_DOMCTL_sethvmcontext,
	 * long mode), not through boot_setup(): entry, stack_top and dt are
	 * its rip, rsp and rdi (KVM loads them as they are, and rsi/rdx from
	 * area/area_size; gdt 0: the guest brings its own before it reloads a
	 * segment). In process, entry is an inproc_vcpu_entry_t of the
	 * program called with dt, on the INPROC_VCPU_STACK bytes below
	 * stack_top, as a secondary vCPU is started (inproc_env.h). */
	bool direct;
};

/* Base of the boot area for gm (0 if the first bank is too small). */
uint64_t boot_area_base(const struct guest_mem *gm);

/*
 * Writes the boot area of gm: GDT and identity map (when page_tables),
 * and the device tree dtb with reservations for the area and for rsv[].
 * Returns 0, or -1 with a message in err.
 */
int boot_setup(const struct guest_mem *gm, uint64_t entry, const void *dtb,
	       const struct guest_range *rsv, unsigned int nr_rsv, bool page_tables,
	       struct guest_boot *out, char *err, size_t errlen);

/* Xen's CPUID leaves: base, max leaf of the range; the block that is the
 * hypervisor's (the guest runtime answers it from its CPL0 snapshot). */
#define BOOT_CPUID_BASE 0x40000000U
#define BOOT_CPUID_MAX (BOOT_CPUID_BASE + 2)
#define BOOT_CPUID_LAST (BOOT_CPUID_BASE + 0xff)
/* The hypervisor leaves both transports present: fills eax..edx and returns
 * true for BOOT_CPUID_BASE..BOOT_CPUID_LAST (zeros past BOOT_CPUID_MAX).
 * xen_version is the running release's (hv_xen_version()), leaf +1. */
bool boot_xen_cpuid(uint32_t leaf, uint32_t xen_version, uint32_t regs[4]);

/* Fills page (4 KiB) with the hypercall stubs. */
void boot_fill_hypercall_page(uint8_t *page);

#endif
