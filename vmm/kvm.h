/*
 * KVM transport: one KVM VM per domain, one KVM vCPU and host thread per
 * guest vCPU (issue 17: the secondaries are made with the domain and
 * started by VCPUOP_up; kvm_vm_run joins their threads).
 *
 * - Memory: the domain's window is registered as KVM memory slots, one per
 *   KVM_SLOT_GRANULE-aligned chunk of guest-physical space that holds a
 *   mapping (slots cost kernel memory for their whole size, so never one
 *   slot over the whole window). Holes inside a slot stay PROT_NONE in the
 *   window: a guest touching one makes KVM_RUN fail with EFAULT, which is
 *   reported as a crash.
 * - Discovery: CPUID leaves 0x40000000..0x40000002 carry Xen's signature,
 *   version and the hypercall-page MSR; a write to that MSR exits to us
 *   (user-space MSR exits + an MSR filter) and we fill the page with stubs
 *   that do a 32-bit OUT of the hypercall number to BOOT_HCALL_PORT.
 *   Those leaves are only certain to reach a guest at CPL0: some hosts do
 *   not intercept CPUID at CPL3 (kvm_cpuid_cpl3_intercepted() finds out).
 * - Registers of hypercalls travel through KVM_CAP_SYNC_REGS.
 */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <pthread.h>

#include "boot.h"
#include "guest.h"

#define KVM_SLOT_GRANULE (1ULL << 30)

struct kvm_sys;
struct kvm_vm;
struct transport;

/* Opens /dev/kvm and checks every capability we rely on. Returns NULL with
 * a reason in why when KVM is missing or unusable. */
struct kvm_sys *kvm_open(char *why, size_t whylen);
void kvm_close(struct kvm_sys *k);

struct kvm_vm_stats {
	uint64_t exits, hypercalls, msr_exits, mmio_exits, slots;
	uint64_t paging_fetches; /* hypercalls that read the paging state */
	uint64_t slot_bytes;
	uint64_t kicks;      /* vcpu_kick calls (upcalls or wake-ups to take) */
	uint64_t upcalls;    /* KVM_INTERRUPTs made with the upcall vector */
};

/* A VM over window[0, window_size). NULL with *err = -errno. */
struct kvm_vm *kvm_vm_create(struct kvm_sys *k, uint8_t *window, uint64_t window_size, int *err);
void kvm_vm_destroy(struct kvm_vm *vm);
/* Makes sure [gpa, gpa+len) is covered by memory slots (except holes). 0 or -errno. */
int kvm_vm_map(struct kvm_vm *vm, uint64_t gpa, uint64_t len);
/*
 * Keeps [gpa, gpa+len) (page aligned) out of every memory slot, so guest
 * accesses there exit as KVM_EXIT_MMIO and reach guest_ops.mmio (an
 * emulated device's window). Must come before anything is mapped in the
 * same KVM_SLOT_GRANULE (-EBUSY otherwise); the P2M must never map the
 * range. 0, -EINVAL, -ERANGE, -EBUSY, -EEXIST (overlap), -ENOSPC.
 */
int kvm_vm_add_hole(struct kvm_vm *vm, uint64_t gpa, uint64_t len);

/* Gives vm vCPUs 1..n-1 (KVM vCPUs with their run pages). 0 or -errno. */
int kvm_vm_add_vcpus(struct kvm_vm *vm, unsigned int n);

/*
 * Runs vCPU 0 from the boot state b in the calling thread until the guest
 * shuts down, crashes or kvm_vm_kick() stops it (ex->kind GEXIT_TIMEOUT),
 * and every secondary vCPU in a thread of its own, which waits for the
 * vCPU's first VCPUOP_up (hv_vcpu_wait_up). The first vCPU to end by
 * itself (a crash, or the domain stopped) ends all: its exit is ex, a
 * secondary's reason prefixed "vCPU n: ". Returns after joining every
 * thread.
 */
void kvm_vm_run(struct kvm_vm *vm, const struct guest_boot *b, const struct guest_ops *ops,
		void *ctx, struct guest_exit *ex);
/* From any thread: stop a running kvm_vm_run() soon (every vCPU). */
void kvm_vm_kick(struct kvm_vm *vm);
void kvm_vm_get_stats(struct kvm_vm *vm, struct kvm_vm_stats *st);
/* vCPU `vcpu` has an upcall or wake-up to take, or went down (the
 * vcpu_kick op, lock held): flags it and kicks it out of KVM_RUN; its
 * thread injects (or parks). */
void kvm_vm_vcpu_kick(struct kvm_vm *vm, unsigned int vcpu);

/* The KVM transport (transport.h), owned by k: vmm_set_transport() gives
 * every domain a VM in vmm_dom.transport, with slots as mappings appear and
 * holes for device windows. */
struct transport *kvm_transport(struct kvm_sys *k);
/* The VM of a domain of a realization with the KVM transport. */
struct kvm_vm *kvm_vm_of(struct domain *d);

/*
 * Does this host's KVM answer a guest's CPUID at CPL3 from the vCPU's CPUID
 * table? Hardware KVM and Intel kvm_pvm hosts do; on AMD kvm_pvm hosts a
 * CPL3 CPUID runs natively and the outer hypervisor answers it ("KVMKVMKVM"),
 * while CPUID at CPL0 is still ours. Found out once per process by a
 * throwaway VM that starts at CPL3 and runs one CPUID (no CPL0 instruction,
 * so it costs one VM set-up and one exit). Returns 1 (intercepted), 0 (not:
 * sig, when non-NULL, gets the 12-character signature the guest saw,
 * NUL-terminated) or -errno when the probe itself could not run; the
 * result, whichever it is, is cached.
 */
int kvm_cpuid_cpl3_intercepted(struct kvm_sys *k, char sig[13]);
/* How many probe VMs this process has run (1 after any number of calls). */
unsigned int kvm_cpuid_probe_runs(void);

/*
 * Turns the vCPU's own (virtual) CPUID faulting on: from then on a CPUID at
 * CPL3 in this guest raises #GP, and only CPL0 reads the table. Tests use
 * it as a stand-in for a host whose CPL3 CPUID does not reach memvisor.
 * 0, or -EOPNOTSUPP when this KVM does not offer CPUID faulting to guests.
 */
int kvm_vm_set_cpuid_faulting(struct kvm_vm *vm);

#endif
