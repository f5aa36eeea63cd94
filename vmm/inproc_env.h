/*
 * The interface between the in-process transport and a guest runtime
 * built hosted (guest/rt with RT_HOSTED). Plain C, no hypervisor types, so
 * that guest code can include it.
 *
 * The guest runs in a host thread whose stack lies inside its own guest
 * RAM (the boot area), so the guest's stack objects are guest memory and
 * their guest-physical address is (pointer - window). Hypercalls are plain
 * calls to hcall(); when the domain stops (shutdown, crash) the call does
 * not return: the transport unwinds the guest thread.
 */
#ifndef VMM_INPROC_ENV_H
#define VMM_INPROC_ENV_H

#include <stdint.h>

struct inproc_env {
	uint8_t *window;      /* host address of guest-physical 0 */
	uint64_t window_size;
	uint64_t dt;          /* guest-physical address of the device tree */
	uint64_t area;        /* boot area (docs/boot-protocol.md) */
	uint64_t area_size;
	int64_t (*hcall)(void *ctx, uint64_t nr, const uint64_t args[5]);
	void *ctx;
	void (*main)(void);   /* the guest program */
	/* CPUID as the guest would see it under KVM (hypervisor leaves). */
	void (*cpuid)(const struct inproc_env *env, uint32_t leaf, uint32_t subleaf,
		      uint32_t regs[4]);
	uint32_t xen_version; /* what CPUID leaf 0x40000001 reports */
	/* An MMIO access (what a KVM guest's load/store to a device window
	 * exits with): size 1, 2, 4 or 8; reads return the value. An access
	 * no device takes stops the domain (does not return), as on KVM. */
	uint64_t (*mmio)(void *ctx, uint64_t gpa, unsigned int size, int write, uint64_t val);
	/* The guest has built 4-level page tables in its memory, PML4 at
	 * guest-physical cr3: from the next hypercall on, its pointers are
	 * linear addresses translated through them, as a CPL3 caller's under
	 * KVM (long mode, PAE, WP). Before it, pointers are guest-physical. */
	void (*set_cr3)(void *ctx, uint64_t cr3);
	/* The runtime's interrupt entry: the transport calls entry(vector) on
	 * the guest thread when an upcall is due, never inside hcall(). The
	 * runtime registers it once at start (it runs the handler or records
	 * the vector while the guest has interrupts off). */
	void (*set_irq_entry)(void *ctx, void (*entry)(unsigned int vector));
	/* The vCPU this env belongs to (each vCPU's thread has its own). */
	unsigned int vcpu;
};

/*
 * A secondary vCPU in process (VCPUOP_initialise, 64-bit context): rip is
 * a function of the program of this type, called on the vCPU's own thread
 * with its env and the context's rdi; rsp is the guest-physical top of
 * the INPROC_VCPU_STACK bytes of guest RAM it runs on (its stack objects
 * are guest memory, as vCPU 0's). The other registers are not used. It
 * must not return.
 */
typedef void (*inproc_vcpu_entry_t)(const struct inproc_env *env, uint64_t arg);
#define INPROC_VCPU_STACK 0x10000

/* The hosted runtime's entry (guest/rt/hosted.c). */
typedef void (*inproc_start_t)(const struct inproc_env *env);

#endif
