/*
 * memvisor public ABI: hvm_op (__HYPERVISOR_hvm_op, 34) and HVM parameters.
 *
 * hvm_op(op, guest address of the op's struct). Numbers and x86-64 layouts
 * follow Xen's public interface (hvm/hvm_op.h, hvm/params.h); written for
 * memvisor from the published facts, not from Xen's header text.
 */
#ifndef MEMVISOR_PUBLIC_HVM_OP_H
#define MEMVISOR_PUBLIC_HVM_OP_H

#include "xen.h"

#define HVMOP_set_param 0
#define HVMOP_get_param 1
#define HVMOP_flush_tlbs 5
#define HVMOP_pagetable_dying 9
#define HVMOP_get_time 10
#define HVMOP_xentrace 11
#define HVMOP_set_mem_access 12
#define HVMOP_get_mem_access 13
#define HVMOP_get_mem_type 15
#define HVMOP_set_evtchn_upcall_vector 23
#define HVMOP_guest_request_vm_event 24
#define HVMOP_altp2m 25

struct xen_hvm_param {
	domid_t domid; /* IN (DOMID_SELF allowed) */
	uint16_t pad;
	uint32_t index; /* IN: HVM_PARAM_* */
	uint64_t value; /* IN (set) / OUT (get) */
};
typedef struct xen_hvm_param xen_hvm_param_t;

/* HVMOP_get_time: system time in ns (the clock of vcpu_time_info and of
 * SCHEDOP_poll's timeout). */
struct xen_hvm_get_time {
	uint64_t now; /* OUT */
};
typedef struct xen_hvm_get_time xen_hvm_get_time_t;

/* HVMOP_set_evtchn_upcall_vector: vcpu's events arrive as an edge LAPIC
 * interrupt on `vector` (>= 0x10); the guest must EOI. */
struct xen_hvm_evtchn_upcall_vector {
	uint32_t vcpu;
	uint8_t vector;
	uint8_t pad[3];
};
typedef struct xen_hvm_evtchn_upcall_vector xen_hvm_evtchn_upcall_vector_t;

/* HVM parameters (index of xen_hvm_param). */
#define HVM_PARAM_CALLBACK_IRQ 0
#define HVM_PARAM_STORE_PFN 1
#define HVM_PARAM_STORE_EVTCHN 2
#define HVM_PARAM_PAE_ENABLED 4 /* deprecated */
#define HVM_PARAM_IOREQ_PFN 5
#define HVM_PARAM_BUFIOREQ_PFN 6
#define HVM_PARAM_VIRIDIAN 9
#define HVM_PARAM_TIMER_MODE 10
#define HVM_PARAM_HPET_ENABLED 11
#define HVM_PARAM_IDENT_PT 12
#define HVM_PARAM_DM_DOMAIN 13 /* deprecated */
#define HVM_PARAM_ACPI_S_STATE 14
#define HVM_PARAM_VM86_TSS 15
#define HVM_PARAM_VPT_ALIGN 16
#define HVM_PARAM_CONSOLE_PFN 17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_PARAM_ACPI_IOPORTS_LOCATION 19
#define HVM_PARAM_MEMORY_EVENT_CR0 20 /* 20-26 deprecated */
#define HVM_PARAM_MEMORY_EVENT_CR3 21
#define HVM_PARAM_MEMORY_EVENT_CR4 22
#define HVM_PARAM_MEMORY_EVENT_INT3 23
#define HVM_PARAM_NESTEDHVM 24
#define HVM_PARAM_MEMORY_EVENT_SINGLE_STEP 25
#define HVM_PARAM_BUFIOREQ_EVTCHN 26
#define HVM_PARAM_PAGING_RING_PFN 27
#define HVM_PARAM_MONITOR_RING_PFN 28
#define HVM_PARAM_SHARING_RING_PFN 29
#define HVM_PARAM_MEMORY_EVENT_INSN 30 /* deprecated */
#define HVM_PARAM_TRIPLE_FAULT_REASON 31
#define HVM_PARAM_IOREQ_SERVER_PFN 32
#define HVM_PARAM_NR_IOREQ_SERVER_PAGES 33
#define HVM_PARAM_VM_GENERATION_ID_ADDR 34
#define HVM_PARAM_ALTP2M 35
#define HVM_PARAM_X87_FIP_WIDTH 36
#define HVM_PARAM_VM86_TSS_SIZED 37
#define HVM_PARAM_MCA_CAP 38
#define HVM_NR_PARAMS 39

/*
 * HVM_PARAM_CALLBACK_IRQ value: 0 = no upcall; else bits 63:56 the type.
 * GSI (0): bits 55:0 the GSI. PCI INTx (1): device bits 15:11, INTx 1:0.
 * Vector (2, XENFEAT_hvm_callback_vector): bits 7:0 the IDT vector, injected
 * while vcpu_info.evtchn_upcall_pending is set (no LAPIC, no EOI).
 */
#define HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT 56
#define HVM_PARAM_CALLBACK_IRQ_TYPE_MASK (0xFFULL << 56)
#define HVM_PARAM_CALLBACK_TYPE_GSI 0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2
#define HVM_PARAM_CALLBACK_TYPE_PPI 2 /* Arm's meaning of type 2 */
#define HVM_PARAM_CALLBACK_VECTOR_MASK 0xFFULL
/* The value a guest writes for vector-type delivery on `vec`. */
#define HVM_CALLBACK_VECTOR(vec) \
	(((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) | \
	 ((uint64_t)(vec) & HVM_PARAM_CALLBACK_VECTOR_MASK))

_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param size");
_Static_assert(offsetof(struct xen_hvm_param, domid) == 0, "xen_hvm_param.domid");
_Static_assert(offsetof(struct xen_hvm_param, index) == 4, "xen_hvm_param.index");
_Static_assert(offsetof(struct xen_hvm_param, value) == 8, "xen_hvm_param.value");
_Static_assert(sizeof(struct xen_hvm_get_time) == 8, "xen_hvm_get_time size");
_Static_assert(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8, "upcall_vector size");
_Static_assert(offsetof(struct xen_hvm_evtchn_upcall_vector, vector) == 4, "upcall_vector.vector");

#endif /* MEMVISOR_PUBLIC_HVM_OP_H */
