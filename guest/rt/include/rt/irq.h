/*
 * Interrupts: the event-channel upcall vector and its handler
 * (docs/boot-protocol.md "Interrupts", docs/events.md).
 *
 * "Interrupts off" is a flag of the runtime, not RFLAGS.IF: the runtime
 * runs at CPL3, where cli/sti fault on some hosts (kvm_pvm on AMD runs
 * CPL3 with the host's IOPL 0, so sti is a #GP there) and where such hosts
 * deliver an injected vector whatever IF says. An interrupt that arrives
 * while they are off is remembered and its handler runs when they are
 * turned on again (rt_irq_enable / rt_irq_restore(true)). On KVM the
 * vector enters at CPL3 through an IDT gate whose code segment is the CPL3
 * one, so nothing runs at CPL0; in-process the transport signals the guest
 * thread, never while it is inside a hypercall.
 *
 * Handlers run with interrupts off, on the interrupted stack (no red zone:
 * freestanding code is built -mno-red-zone), and return normally. The
 * handler of a level-style source (Xen's global callback vector) must
 * clear its source (vcpu_info evtchn_upcall_pending) or it runs again.
 */
#ifndef RT_IRQ_H
#define RT_IRQ_H

#include <stdbool.h>

typedef void (*rt_irq_handler_t)(void *ctx);

/* Vectors 32-255. 0, or -1 for a vector out of range. fn NULL removes. */
int rt_irq_set_handler(unsigned int vector, rt_irq_handler_t fn, void *ctx);
/* Interrupts on: runs the handlers of what arrived while they were off. */
void rt_irq_enable(void);
void rt_irq_disable(void);
/* Turns them off; returns whether they were on. */
bool rt_irq_disable_save(void);
void rt_irq_restore(bool on);
/*
 * The vector this guest registers for event-channel upcalls
 * (HVM_PARAM_CALLBACK_IRQ), derived from the device tree's /hypervisor
 * `interrupts` (Xen's Arm form <1 PPI flags>): 0xe0 + the PPI number, so
 * Xen's PPI 15 (GIC interrupt 31) is vector 0xef; 0xef without the property.
 */
unsigned int rt_irq_upcall_vector(void);

/* Interrupts taken so far (entries of a handler, deferred ones included once
 * they run) and how many arrived while interrupts were off. For tests. */
unsigned long rt_irq_count(void);
unsigned long rt_irq_deferred(void);

/* The transport's entry into the runtime (arch code; not for programs). */
void rt_irq_deliver(unsigned int vector);

#endif
