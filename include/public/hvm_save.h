/*
 * memvisor public ABI: HVM save records (x86-64 layout), the stream that
 * XEN_DOMCTL_gethvmcontext returns and XEN_DOMCTL_sethvmcontext loads.
 *
 * A stream is a sequence of (descriptor, record) pairs with no padding
 * between them: a HEADER first, then any records, then END. Xen's x86
 * toolstack (libxenguest's HVM/PVH boot path) starts a vCPU this way: it
 * asks for the whole stream once (for the header), then loads HEADER + CPU
 * (+ MTRR) + END. memvisor knows the four record types below; it keeps the
 * CPU record's registers as the vCPU's boot entry (docs/toolstack.md).
 * Numbers and layouts follow Xen's public interface; written for memvisor
 * from the published layouts, not from Xen's header text.
 *
 * Self-contained: needs only <stdint.h> and <stddef.h> (through xen.h).
 */
#ifndef MEMVISOR_PUBLIC_HVM_SAVE_H
#define MEMVISOR_PUBLIC_HVM_SAVE_H

#include "xen.h"

/* Record type codes (hvm_save_descriptor.typecode). */
#define HVM_SAVE_CODE_END 0
#define HVM_SAVE_CODE_HEADER 1
#define HVM_SAVE_CODE_CPU 2
#define HVM_SAVE_CODE_MTRR 14

/* Precedes every record. */
struct hvm_save_descriptor {
	uint16_t typecode;
	uint16_t instance; /* vCPU number for per-vCPU records */
	uint32_t length;   /* of the record that follows, in bytes */
};

#define HVM_FILE_MAGIC 0x54381286U
#define HVM_FILE_VERSION 0x00000001U

struct hvm_save_header {
	uint32_t magic;	    /* HVM_FILE_MAGIC */
	uint32_t version;   /* HVM_FILE_VERSION */
	uint64_t changeset; /* of the hypervisor that saved */
	uint32_t cpuid;	    /* CPUID leaf 1 eax of the saving host */
	uint32_t gtsc_khz;  /* the guest's TSC frequency */
};

/* One vCPU's architectural state. */
struct hvm_hw_cpu {
	uint8_t fpu_regs[512]; /* FXSAVE image */
	uint64_t rax, rbx, rcx, rdx, rbp, rsi, rdi, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t cr0, cr2, cr3, cr4;
	uint64_t dr0, dr1, dr2, dr3, dr6, dr7;
	uint32_t cs_sel, ds_sel, es_sel, fs_sel, gs_sel, ss_sel, tr_sel, ldtr_sel;
	uint32_t cs_limit, ds_limit, es_limit, fs_limit, gs_limit, ss_limit, tr_limit,
		ldtr_limit, idtr_limit, gdtr_limit;
	uint64_t cs_base, ds_base, es_base, fs_base, gs_base, ss_base, tr_base, ldtr_base,
		idtr_base, gdtr_base;
	uint32_t cs_arbytes, ds_arbytes, es_arbytes, fs_arbytes, gs_arbytes, ss_arbytes,
		tr_arbytes, ldtr_arbytes;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t shadow_gs;
	uint64_t msr_flags; /* obsolete, ignored */
	uint64_t msr_lstar, msr_star, msr_cstar, msr_syscall_mask, msr_efer, msr_tsc_aux;
	uint64_t tsc;
	uint32_t pending_event; /* vector 0-7, type 8-10, error valid 11, valid 31 */
	uint32_t error_code;
	uint32_t flags; /* XEN_X86_FPU_INITIALISED */
	uint32_t pad0;
};
#define XEN_X86_FPU_INITIALISED (1U << 0)

/* The *_arbytes words hold Xen's packed segment attributes: type 0-3, S 4,
 * DPL 5-6, P 7, AVL 8, L 9, D/B 10, G 11. */
#define HVM_ARBYTES_L (1U << 9) /* 64-bit code segment */

struct hvm_hw_mtrr {
	uint64_t msr_pat_cr;
	uint64_t msr_mtrr_var[16]; /* 8 (base, mask) pairs */
	uint64_t msr_mtrr_fixed[11];
	uint64_t msr_mtrr_cap;
	uint64_t msr_mtrr_def_type;
};

/* The END record is empty (length 0). */

_Static_assert(sizeof(struct hvm_save_descriptor) == 8, "hvm_save_descriptor size");
_Static_assert(offsetof(struct hvm_save_descriptor, instance) == 2, "descriptor.instance");
_Static_assert(offsetof(struct hvm_save_descriptor, length) == 4, "descriptor.length");
_Static_assert(sizeof(struct hvm_save_header) == 24, "hvm_save_header size");
_Static_assert(offsetof(struct hvm_save_header, changeset) == 8, "header.changeset");
_Static_assert(offsetof(struct hvm_save_header, cpuid) == 16, "header.cpuid");
_Static_assert(offsetof(struct hvm_save_header, gtsc_khz) == 20, "header.gtsc_khz");
_Static_assert(sizeof(struct hvm_hw_cpu) == 1032, "hvm_hw_cpu size");
_Static_assert(offsetof(struct hvm_hw_cpu, rax) == 512, "hvm_hw_cpu.rax");
_Static_assert(offsetof(struct hvm_hw_cpu, rip) == 640, "hvm_hw_cpu.rip");
_Static_assert(offsetof(struct hvm_hw_cpu, cr0) == 656, "hvm_hw_cpu.cr0");
_Static_assert(offsetof(struct hvm_hw_cpu, cr3) == 672, "hvm_hw_cpu.cr3");
_Static_assert(offsetof(struct hvm_hw_cpu, cr4) == 680, "hvm_hw_cpu.cr4");
_Static_assert(offsetof(struct hvm_hw_cpu, cs_sel) == 736, "hvm_hw_cpu.cs_sel");
_Static_assert(offsetof(struct hvm_hw_cpu, cs_limit) == 768, "hvm_hw_cpu.cs_limit");
_Static_assert(offsetof(struct hvm_hw_cpu, cs_base) == 808, "hvm_hw_cpu.cs_base");
_Static_assert(offsetof(struct hvm_hw_cpu, cs_arbytes) == 888, "hvm_hw_cpu.cs_arbytes");
_Static_assert(offsetof(struct hvm_hw_cpu, sysenter_cs) == 920, "hvm_hw_cpu.sysenter_cs");
_Static_assert(offsetof(struct hvm_hw_cpu, shadow_gs) == 944, "hvm_hw_cpu.shadow_gs");
_Static_assert(offsetof(struct hvm_hw_cpu, msr_efer) == 992, "hvm_hw_cpu.msr_efer");
_Static_assert(offsetof(struct hvm_hw_cpu, tsc) == 1008, "hvm_hw_cpu.tsc");
_Static_assert(offsetof(struct hvm_hw_cpu, pending_event) == 1016, "hvm_hw_cpu.pending_event");
_Static_assert(offsetof(struct hvm_hw_cpu, flags) == 1024, "hvm_hw_cpu.flags");
_Static_assert(sizeof(struct hvm_hw_mtrr) == 240, "hvm_hw_mtrr size");
_Static_assert(offsetof(struct hvm_hw_mtrr, msr_mtrr_var) == 8, "mtrr.msr_mtrr_var");
_Static_assert(offsetof(struct hvm_hw_mtrr, msr_mtrr_fixed) == 136, "mtrr.msr_mtrr_fixed");
_Static_assert(offsetof(struct hvm_hw_mtrr, msr_mtrr_cap) == 224, "mtrr.msr_mtrr_cap");
_Static_assert(offsetof(struct hvm_hw_mtrr, msr_mtrr_def_type) == 232, "mtrr.msr_mtrr_def_type");

#endif /* MEMVISOR_PUBLIC_HVM_SAVE_H */
