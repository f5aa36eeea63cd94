/*
 * The hypercall dispatcher: one entry point for every transport.
 *
 * A transport (KVM vCPU exit, in-process guest thread) fills a struct
 * hv_hcall with the hypercall number and up to five arguments (rdi, rsi,
 * rdx, r10, r8 on x86-64) and calls hv_hypercall(). Pointer arguments are
 * guest-physical addresses: memvisor guests run identity-mapped, and the
 * in-process runtime converts its pointers before the call.
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

/* Console output from a guest goes here (set by the transport/CLI). */
void hv_set_console_sink(struct hv *hv, hv_console_sink_t sink, void *ctx);

#endif
