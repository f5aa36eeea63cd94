/*
 * memvisor public ABI: core hypercall interface (x86-64 layout).
 *
 * Hypercall numbers, domain-id constants, the basic scalar types shared by
 * every other public header, and the console_io / sched_op interfaces.
 * Numbers, names and layouts follow Xen's public interface so that a guest
 * built against Xen's own headers runs unchanged; this file was written for
 * memvisor from the published facts (docs/abi.md, docs/facts/xen-facts.md), not
 * derived from Xen's header text.
 *
 * Self-contained: needs only the freestanding <stdint.h> and <stddef.h>.
 */
#ifndef MEMVISOR_PUBLIC_XEN_H
#define MEMVISOR_PUBLIC_XEN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Guest handles.
 *
 * In Xen a guest handle is a pointer-sized wrapper around a guest virtual
 * address. In memvisor the hypervisor never shares an address space with a
 * guest: every guest address has to be translated (and checked) by the
 * realization backend before it can be touched. A handle inside a structure
 * is therefore just the 64-bit guest address as an integer. On x86-64 this
 * is byte-for-byte the layout Xen uses (8 bytes, 8-byte aligned), and making
 * it an integer means hypervisor code cannot dereference it by accident.
 *
 * The type argument is accepted for readability only and is ignored.
 */
#define XEN_GUEST_HANDLE(type) uint64_t
#define XEN_GUEST_HANDLE_64(type) uint64_t
#define XEN_GUEST_HANDLE_PARAM(type) uint64_t

/* Store a guest-side pointer into a handle field (guest code). */
#define set_xen_guest_handle(hnd, ptr) ((hnd) = (uint64_t)(uintptr_t)(ptr))

/* Scalar types of the x86-64 ABI. */
typedef uint64_t xen_pfn_t;
typedef uint64_t xen_ulong_t;
typedef uint16_t domid_t;
typedef uint8_t xen_domain_handle_t[16];
typedef uint32_t evtchn_port_t; /* event_channel.h */

/*
 * Hypercall numbers. Arguments travel in rdi, rsi, rdx, r10, r8; the result
 * comes back in rax (0 or positive on success, a negated XEN_E* on error).
 */
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_multicall 13
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vm_assist 21
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_xsm_op 27
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_physdev_op 33
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_sysctl 35
#define __HYPERVISOR_domctl 36
#define __HYPERVISOR_argo_op 39
#define __HYPERVISOR_xenpmu_op 40
#define __HYPERVISOR_dm_op 41
#define __HYPERVISOR_hypfs_op 42
/*
 * 43 is unallocated in upstream Xen. The out-of-tree PV-IOMMU work used it
 * for iommu_op, and memvisor does the same (see iommu_op.h).
 */
#define __HYPERVISOR_iommu_op 43
#define __HYPERVISOR_arch_0 48
#define __HYPERVISOR_arch_1 49
#define __HYPERVISOR_arch_2 50
#define __HYPERVISOR_arch_3 51
#define __HYPERVISOR_arch_4 52
#define __HYPERVISOR_arch_5 53
#define __HYPERVISOR_arch_6 54
#define __HYPERVISOR_arch_7 55

/*
 * Domain identifiers. Real domains are numbered below DOMID_FIRST_RESERVED;
 * the values from there up are pseudo-domains with special meanings.
 */
#define DOMID_FIRST_RESERVED 0x7FF0U
#define DOMID_SELF 0x7FF0U    /* the calling domain */
#define DOMID_IO 0x7FF1U      /* owner of I/O (MMIO) frames */
#define DOMID_XEN 0x7FF2U     /* owner of hypervisor frames */
#define DOMID_COW 0x7FF3U     /* owner of shared copy-on-write frames */
#define DOMID_INVALID 0x7FF4U /* no domain */
#define DOMID_ANY 0x7FF5U     /* createdomain: any free id (Xen 4.22 and later) */
#define DOMID_IDLE 0x7FFFU    /* the idle domain */

/* console_io: (cmd, count, guest address of the byte buffer). */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* sched_op: (cmd, guest address of the command's argument or 0). */
#define SCHEDOP_yield 0
#define SCHEDOP_block 1
#define SCHEDOP_shutdown 2 /* arg: struct sched_shutdown */
#define SCHEDOP_poll 3
#define SCHEDOP_remote_shutdown 4 /* arg: struct sched_remote_shutdown */
#define SCHEDOP_shutdown_code 5	  /* arg: struct sched_shutdown; records reason only */
#define SCHEDOP_watchdog 6
#define SCHEDOP_pin_override 7

/* Shutdown reasons (sched_shutdown.reason). */
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot 1
#define SHUTDOWN_suspend 2
#define SHUTDOWN_crash 3
#define SHUTDOWN_watchdog 4
#define SHUTDOWN_soft_reset 5

struct sched_shutdown {
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;

struct sched_remote_shutdown {
	domid_t domain_id;   /* domain to shut down */
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;

/*
 * SCHEDOP_poll: block until one of ports[0..nr_ports) is pending (even a
 * masked one), local events need delivery, or system time (ns, HVMOP_get_time)
 * reaches timeout (0 = no timeout). nr_ports <= 128.
 */
struct sched_poll {
	XEN_GUEST_HANDLE(evtchn_port_t) ports; /* guest address of uint32_t[] */
	unsigned int nr_ports;
	uint64_t timeout;
};
typedef struct sched_poll sched_poll_t;
#define SCHED_POLL_MAX_PORTS 128 /* memvisor name for Xen's limit */

/*
 * Virtual interrupts bound with EVTCHNOP_bind_virq. Per-vCPU ones are bound
 * on each vCPU separately; the others are global (one handler domain).
 */
#define VIRQ_TIMER 0      /* per-vCPU */
#define VIRQ_DEBUG 1      /* per-vCPU */
#define VIRQ_CONSOLE 2    /* global */
#define VIRQ_DOM_EXC 3    /* global */
#define VIRQ_TBUF 4       /* global */
#define VIRQ_DEBUGGER 6   /* global */
#define VIRQ_XENOPROF 7   /* per-vCPU */
#define VIRQ_CON_RING 8   /* global */
#define VIRQ_PCPU_STATE 9 /* global */
#define VIRQ_MEM_EVENT 10 /* global */
#define VIRQ_ARGO 11      /* global before 4.21, per-domain since */
#define VIRQ_ENOMEM 12    /* global */
#define VIRQ_XENPMU 13    /* per-vCPU */
#define VIRQ_ARCH_0 16
#define VIRQ_ARCH_1 17
#define VIRQ_ARCH_2 18
#define VIRQ_ARCH_3 19
#define VIRQ_ARCH_4 20
#define VIRQ_ARCH_5 21
#define VIRQ_ARCH_6 22
#define VIRQ_ARCH_7 23
#define VIRQ_MCA VIRQ_ARCH_0 /* x86 */
#define NR_VIRQS 24

/* vCPUs whose vcpu_info lives inside shared_info (x86). */
#define XEN_LEGACY_MAX_VCPUS 32

/*
 * Time as seen by one vCPU. version is odd while the hypervisor updates the
 * record; a reader retries until it sees the same even version before and
 * after. system_time (ns) was valid at tsc_timestamp; later time is
 * system_time + ((tsc - tsc_timestamp) << tsc_shift (or >> -tsc_shift)) *
 * tsc_to_system_mul >> 32.
 */
struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags; /* XEN_PVCLOCK_* */
	uint8_t pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;
#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0)
#define XEN_PVCLOCK_GUEST_STOPPED (1 << 1)

struct arch_vcpu_info {
	xen_ulong_t cr2;
	xen_ulong_t pad;
};

/*
 * Per-vCPU event state (64 bytes). The hypervisor sets a port's pending
 * bit, then (if unmasked) its word's bit in evtchn_pending_sel, then
 * evtchn_upcall_pending; a guest consumes in the reverse order: clear
 * evtchn_upcall_pending, exchange evtchn_pending_sel with 0, then for each
 * word scan pending & ~mask, clearing each pending bit before handling it.
 */
struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask; /* PV only; HVM delivery uses RFLAGS.IF */
	uint8_t pad0[6];
	xen_ulong_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	struct vcpu_time_info time;
};
typedef struct vcpu_info vcpu_info_t;

struct arch_shared_info {
	xen_ulong_t max_pfn;
	xen_ulong_t pfn_to_mfn_frame_list_list;
	xen_ulong_t nmi_reason;
	xen_ulong_t p2m_cr3;
	xen_ulong_t p2m_vaddr;
	xen_ulong_t p2m_generation;
};

/*
 * The shared_info page (x86-64 layout), mapped by the guest with
 * XENMEM_add_to_physmap(XENMAPSPACE_shared_info, idx 0). Port p is bit
 * p % 64 of word p / 64 of evtchn_pending / evtchn_mask (4096 ports).
 * Wallclock: wc_sec_hi:wc_sec, wc_nsec is the time of day at system time 0;
 * wc_version is odd while it changes.
 */
struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
	xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

/*
 * multicall (__HYPERVISOR_multicall): (array of entries, count). Each entry
 * runs as the hypercall `op` with args[0..4]; its return value lands in
 * `result` and a failure does not stop the batch. The call itself returns
 * 0, or -XEN_EFAULT when the array cannot be read or written. A multicall
 * entry inside a multicall gets -XEN_EINVAL. Only `result` is meaningful
 * afterwards: an entry whose call was continued has had its args rewritten.
 */
struct multicall_entry {
	xen_ulong_t op;
	xen_ulong_t result;
	xen_ulong_t args[6];
};
typedef struct multicall_entry multicall_entry_t;

/* The xen_version sub-ops and memvisor's reported version live here. */
#include "version.h"

_Static_assert(sizeof(xen_pfn_t) == 8, "xen_pfn_t is 64-bit");
_Static_assert(sizeof(xen_ulong_t) == 8, "xen_ulong_t is 64-bit");
_Static_assert(sizeof(domid_t) == 2, "domid_t is 16-bit");
_Static_assert(sizeof(struct multicall_entry) == 64, "multicall_entry size");
_Static_assert(offsetof(struct multicall_entry, result) == 8, "multicall_entry.result");
_Static_assert(offsetof(struct multicall_entry, args) == 16, "multicall_entry.args");
_Static_assert(sizeof(xen_domain_handle_t) == 16, "domain handle is 16 bytes");
_Static_assert(sizeof(XEN_GUEST_HANDLE(void)) == 8, "guest handle is 8 bytes");
_Static_assert(_Alignof(XEN_GUEST_HANDLE(void)) == 8, "guest handle is 8-aligned");
_Static_assert(sizeof(struct sched_shutdown) == 4, "sched_shutdown size");
_Static_assert(offsetof(struct sched_shutdown, reason) == 0, "sched_shutdown.reason");
_Static_assert(sizeof(struct sched_remote_shutdown) == 8, "sched_remote_shutdown size");
_Static_assert(offsetof(struct sched_remote_shutdown, domain_id) == 0,
	       "sched_remote_shutdown.domain_id");
_Static_assert(offsetof(struct sched_remote_shutdown, reason) == 4, "sched_remote_shutdown.reason");

_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll size");
_Static_assert(offsetof(struct sched_poll, ports) == 0, "sched_poll.ports");
_Static_assert(offsetof(struct sched_poll, nr_ports) == 8, "sched_poll.nr_ports");
_Static_assert(offsetof(struct sched_poll, timeout) == 16, "sched_poll.timeout");
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info size");
_Static_assert(offsetof(struct vcpu_time_info, tsc_timestamp) == 8, "time.tsc_timestamp");
_Static_assert(offsetof(struct vcpu_time_info, system_time) == 16, "time.system_time");
_Static_assert(offsetof(struct vcpu_time_info, tsc_to_system_mul) == 24, "time.mul");
_Static_assert(offsetof(struct vcpu_time_info, tsc_shift) == 28, "time.tsc_shift");
_Static_assert(offsetof(struct vcpu_time_info, flags) == 29, "time.flags");
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info size");
_Static_assert(offsetof(struct vcpu_info, evtchn_upcall_mask) == 1, "vcpu_info.upcall_mask");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "vcpu_info.pending_sel");
_Static_assert(offsetof(struct vcpu_info, arch) == 16, "vcpu_info.arch");
_Static_assert(offsetof(struct vcpu_info, time) == 32, "vcpu_info.time");
_Static_assert(sizeof(struct arch_shared_info) == 48, "arch_shared_info size");
_Static_assert(sizeof(struct shared_info) == 3136, "shared_info size");
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 2048, "shared_info.evtchn_pending");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 2560, "shared_info.evtchn_mask");
_Static_assert(offsetof(struct shared_info, wc_version) == 3072, "shared_info.wc_version");
_Static_assert(offsetof(struct shared_info, wc_sec) == 3076, "shared_info.wc_sec");
_Static_assert(offsetof(struct shared_info, wc_nsec) == 3080, "shared_info.wc_nsec");
_Static_assert(offsetof(struct shared_info, wc_sec_hi) == 3084, "shared_info.wc_sec_hi");
_Static_assert(offsetof(struct shared_info, arch) == 3088, "shared_info.arch");

#endif /* MEMVISOR_PUBLIC_XEN_H */
