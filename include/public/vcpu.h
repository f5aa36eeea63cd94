/*
 * memvisor public ABI: vcpu_op (__HYPERVISOR_vcpu_op, 24).
 *
 * vcpu_op(cmd, vcpuid, guest address of the command's struct); a vcpuid the
 * domain does not have -> -ENOENT. Numbers and x86-64 layouts follow Xen's
 * public interface; written for memvisor from the published facts.
 */
#ifndef MEMVISOR_PUBLIC_VCPU_H
#define MEMVISOR_PUBLIC_VCPU_H

#include "xen.h"

#define VCPUOP_initialise 0
#define VCPUOP_up 1
#define VCPUOP_down 2
#define VCPUOP_is_up 3
#define VCPUOP_get_runstate_info 4
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10
#define VCPUOP_send_nmi 11
#define VCPUOP_get_physid 12
#define VCPUOP_register_vcpu_time_memory_area 13
#define VCPUOP_register_runstate_phys_area 14
#define VCPUOP_register_vcpu_time_phys_area 15

/*
 * Move this vCPU's vcpu_info to guest frame `mfn` (a GFN for translated
 * guests) at byte `offset`: must not cross the page, 8-aligned. One-shot.
 */
struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset;
	uint32_t rsvd;
};
typedef struct vcpu_register_vcpu_info vcpu_register_vcpu_info_t;

_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "register_vcpu_info size");
_Static_assert(offsetof(struct vcpu_register_vcpu_info, offset) == 8, "register_vcpu_info.offset");
_Static_assert(offsetof(struct vcpu_register_vcpu_info, rsvd) == 12, "register_vcpu_info.rsvd");

/*
 * VCPUOP_initialise on x86 HVM/PVH: the state a vCPU that has never run
 * starts from. mode selects the register set; memvisor takes only
 * VCPU_HVM_MODE_64B (long mode with flat segments: CR0.PE+PG, CR4.PAE,
 * EFER.LME+LMA) and refuses the 32-bit set with -EINVAL.
 */
#define VCPU_HVM_MODE_32B 0
#define VCPU_HVM_MODE_64B 1

struct vcpu_hvm_x86_32 {
	uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
	uint32_t eip, eflags;
	uint32_t cr0, cr3, cr4;
	uint32_t pad1;
	uint64_t efer;
	uint32_t cs_base, ds_base, ss_base, es_base, tr_base;
	uint32_t cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
	uint16_t cs_ar, ds_ar, ss_ar, es_ar, tr_ar;
	uint16_t pad2[3];
};

struct vcpu_hvm_x86_64 {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t rip, rflags;
	uint64_t cr0, cr3, cr4, efer;
};

struct vcpu_hvm_context {
	uint32_t mode;
	uint32_t pad;
	union {
		struct vcpu_hvm_x86_32 x86_32;
		struct vcpu_hvm_x86_64 x86_64;
	} cpu_regs;
};
typedef struct vcpu_hvm_context vcpu_hvm_context_t;

_Static_assert(sizeof(struct vcpu_hvm_x86_32) == 120, "vcpu_hvm_x86_32 size");
_Static_assert(offsetof(struct vcpu_hvm_x86_32, efer) == 56, "vcpu_hvm_x86_32.efer");
_Static_assert(offsetof(struct vcpu_hvm_x86_32, cs_ar) == 104, "vcpu_hvm_x86_32.cs_ar");
_Static_assert(sizeof(struct vcpu_hvm_x86_64) == 112, "vcpu_hvm_x86_64 size");
_Static_assert(offsetof(struct vcpu_hvm_x86_64, rip) == 64, "vcpu_hvm_x86_64.rip");
_Static_assert(offsetof(struct vcpu_hvm_x86_64, efer) == 104, "vcpu_hvm_x86_64.efer");
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "vcpu_hvm_context size");
_Static_assert(offsetof(struct vcpu_hvm_context, cpu_regs) == 8, "vcpu_hvm_context.cpu_regs");

#endif /* MEMVISOR_PUBLIC_VCPU_H */
