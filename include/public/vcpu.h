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

#endif /* MEMVISOR_PUBLIC_VCPU_H */
