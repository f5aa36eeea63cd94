/*
 * In-process transport: a guest program built hosted (guest/rt with
 * RT_HOSTED) runs in a host thread of this process. Its stack is the boot
 * area's stack inside its own guest RAM, so stack objects are guest memory
 * (guest-physical address = pointer - window); hypercalls are direct calls
 * into the same guest_ops the KVM transport uses.
 *
 * Limits: a hosted guest shares the process, so a wild pointer in it is
 * not contained the way a KVM guest's is, and a guest that spins without
 * making hypercalls cannot be stopped (inproc_kick() takes effect at its
 * next hypercall).
 */
#ifndef VMM_INPROC_H
#define VMM_INPROC_H

#include "boot.h"
#include "guest.h"
#include "inproc_env.h"
#include "transport.h"

struct inproc_vm;

/* The in-process transport (transport.h): every domain gets an inproc_vm in
 * vmm_dom.transport; its guest program is the hosted runtime entered at
 * start with the program's main. */
struct inproc_transport {
	struct transport t;
	inproc_start_t start;
};

void inproc_transport_init(struct inproc_transport *it, inproc_start_t start);

/* A VM over window[0, window_size); NULL when out of memory. */
struct inproc_vm *inproc_vm_create(uint8_t *window, uint64_t window_size, inproc_start_t start);
void inproc_vm_destroy(struct inproc_vm *vm);
/* The program the next run starts; also forgets an earlier run's kick. */
void inproc_vm_load(struct inproc_vm *vm, void (*guest_main)(void));

/*
 * Runs the guest from boot state b (built with page_tables = false) until it
 * shuts down, crashes or is kicked; vCPU 0 from b, each secondary from its
 * VCPUOP_initialise state once up, in threads of their own (joined here;
 * the first vCPU to end by itself ends all, and its exit is ex, a
 * secondary's reason prefixed "vCPU n: "). Blocks the caller; the guest itself
 * runs in a thread on its guest-RAM stack. Returns 0, or -1 when the guest
 * was kicked but did not stop within grace_ms (its thread is then left
 * running, detached: the process must not tear the hypervisor down).
 */
int inproc_vm_run(struct inproc_vm *vm, const struct guest_boot *b,
		  const struct guest_ops *ops, void *ctx, struct guest_exit *ex);
void inproc_vm_kick(struct inproc_vm *vm);
/* vCPU `vcpu` has an upcall or wake-up to take (the vcpu_kick op): signals
 * its guest thread (docs/events.md). Any thread; does not block. */
void inproc_vm_vcpu_kick(struct inproc_vm *vm, unsigned int vcpu);
/* Kicks received and upcalls raised in the guest so far. */
void inproc_vm_irq_stats(struct inproc_vm *vm, uint64_t *kicks, uint64_t *upcalls);

/* CPUID as a KVM guest would see it: our hypervisor leaves, else the host's. */
void inproc_cpuid(const struct inproc_env *env, uint32_t leaf, uint32_t subleaf,
		  uint32_t regs[4]);

#endif
