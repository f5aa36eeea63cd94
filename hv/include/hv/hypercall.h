/*
 * The hypercall dispatcher: one entry point for every transport.
 *
 * A transport (KVM vCPU exit, in-process guest thread) fills a struct
 * hv_hcall with the hypercall number and up to five arguments (rdi, rsi,
 * rdx, r10, r8 on x86-64) and calls hv_hypercall(). Pointer arguments are
 * the caller's linear addresses, translated through the paging state the
 * transport puts in hc->pg (hcall.h); a transport whose guests have no
 * paging (in-process: the runtime converts its pointers to guest-physical
 * before the call) leaves it zeroed.
 *
 * Continuations: a long operation may stop part-way, update hc->args (for
 * memory_op, the start extent goes into the high bits of the command, like
 * Xen) and return HV_HCALL_CONTINUE; the transport then calls again with the
 * updated arguments. The lock is dropped in between.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <hv/hcall.h>
#include <hv/hv.h>

/* Returns the value for the guest's rax (a negative Xen errno on error). */
int64_t hv_hypercall(struct hv *hv, struct domain *d, struct hv_hcall *hc);
/* Runs continuations to completion (what both transports do). */
int64_t hv_hypercall_run(struct hv *hv, struct domain *d, struct hv_hcall *hc);

/* The Xen release presented for the whole run: hv_config.release, or the
 * newest when none was chosen. */
const struct xen_policy_traits *hv_release(const struct hv *hv);
/* (major << 16) | minor of that release: XENVER_version and CPUID leaf
 * 0x40000001 (the transports ask here). */
uint32_t hv_xen_version(const struct hv *hv);
/* XENVER_get_features submap 0 for d under that release (docs/abi.md). */
uint32_t hv_domain_features(const struct hv *hv, const struct domain *d);

/*
 * A guest MMIO access the transport could not satisfy from guest RAM
 * (KVM_EXIT_MMIO; in-process, an access to a device window) goes here
 * first. vCPU `vcpu` of d accesses `size` (1, 2, 4, 8) bytes at gpa;
 * a write carries *data. Results:
 * - HV_MMIO_DONE: an IOREQ server answered (a read's value in *data,
 *   masked to the access size; no sign extension, which is the
 *   instruction's business on x86);
 * - HV_MMIO_UNCLAIMED: no enabled server holds the whole access; the
 *   transport goes on as without IOREQ (its own device table, then Xen's
 *   x86 null handler: reads all ones, writes dropped);
 * - HV_MMIO_PENDING: the wait was interrupted (hv_vcpu_wake, a spurious
 *   wake-up) with the request still in flight: stop the vCPU, or call again
 *   with the same access to resume waiting (it is not sent twice);
 * - HV_MMIO_GONE: the answer will never come (server destroyed, target
 *   crashed or dying): *data = all ones (of the access size); a running
 *   vCPU may continue.
 * Takes the hypervisor lock (never call with it held) and sleeps with it
 * released: a waiting vCPU costs no host CPU.
 */
enum hv_mmio_result {
	HV_MMIO_DONE = 0,
	HV_MMIO_UNCLAIMED,
	HV_MMIO_PENDING,
	HV_MMIO_GONE,
};
enum hv_mmio_result hv_ioreq_mmio(struct hv *hv, struct domain *d, unsigned int vcpu,
				  uint64_t gpa, unsigned int size, bool write, uint64_t *data);

/*
 * Secondary vCPUs (VCPUOP_initialise/up/down). A transport's thread for
 * vCPU `vcpu` of d calls hv_vcpu_wait_up before it first runs the vCPU and
 * whenever a kick finds it down (hv_vcpu_is_up): it sleeps, lock
 * released, while the vCPU is down. Returns 1 with *start filled at the
 * vCPU's first VCPUOP_up (start it from that state: long mode, flat
 * segments), 0 when it is up again (continue where it stopped), -1 when
 * the domain stopped running or hv_vcpu_wake was called (the transport's
 * stop). A hypercall of a vCPU that is down does not return until it is
 * up (the dispatcher parks it). Both take the lock.
 */
int hv_vcpu_wait_up(struct hv *hv, struct domain *d, unsigned int vcpu,
		    struct hv_vcpu_regs *start);
bool hv_vcpu_is_up(struct hv *hv, struct domain *d, unsigned int vcpu);

/* Console output from a guest goes here (set by the transport/CLI). */
void hv_set_console_sink(struct hv *hv, hv_console_sink_t sink, void *ctx);

#endif
