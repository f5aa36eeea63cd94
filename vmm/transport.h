/*
 * Transport: what runs a domain's guest. KVM (vmm/kvm.h) and in-process
 * (vmm/inproc.h) each implement these ops; the realization (realize.c) and
 * the runner (runner.c) only ever call through them, so neither knows which
 * transport it drives.
 *
 * Life of a domain's VM:
 * - create: the realization just gave the domain its guest-physical window
 *   (vmm_dom.window); the transport makes its per-domain state and keeps it
 *   in vmm_dom.transport. Every domain of a vmm with a transport has one, from
 *   domain creation on, so memory realized while the domain is built (before
 *   any runner exists) already reaches the VM.
 * - add_memory / remove_memory: a range of the window now holds / no longer
 *   holds a mapping (called with the hypervisor lock held, in P2M order).
 * - add_device: a range that must stay unbacked so that guest accesses reach
 *   guest_ops.mmio (an emulated device's window). Before its first run.
 *   These three are optional: NULL when the transport needs no notice (the
 *   guest reaches the window directly).
 * - load: puts the guest program into the domain: an ELF kernel copied into
 *   guest RAM (img gets its entry and segments), or a hosted program.
 * - run: runs the guest from boot state b in the calling thread until it
 *   stops; stop (from any thread, never with the hypervisor lock held)
 *   makes a run end soon, also one whose vCPU sleeps in SCHEDOP_block/poll
 *   (it calls hv_vcpu_wake).
 * - vcpu_kick: the hypervisor's backend op of the same name (hv/backend.h):
 *   a vCPU has an upcall or a wake-up to take. Called with the hypervisor
 *   lock held, from any thread: it must neither block nor take that lock;
 *   the vCPU's own thread then asks hv_vcpu_upcall_vector() and raises the
 *   vector in the guest (docs/events.md).
 * - destroy: the domain is gone.
 *
 * Invariants: create/destroy pair exactly once per domain; run is called by
 * one thread at a time per domain; a transport's ops never take the
 * hypervisor lock themselves except through guest_ops.
 */
#ifndef VMM_TRANSPORT_H
#define VMM_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot.h"
#include "elfload.h"
#include "guest.h"

struct transport;
struct vmm_dom;

/* The guest program of a domain: a transport uses the form it can run. */
struct guest_program {
	const void *image;          /* ELF64 kernel (KVM) */
	size_t image_len;
	void (*main)(void);         /* hosted program (in-process) */
};

struct transport_ops {
	int (*create)(struct transport *t, struct vmm_dom *vd);
	void (*destroy)(struct transport *t, struct vmm_dom *vd);
	/* Optional. 0 or -errno (the core then crashes the domain). */
	int (*add_memory)(struct transport *t, struct vmm_dom *vd, uint64_t gpa, uint64_t len);
	/* Optional. */
	void (*remove_memory)(struct transport *t, struct vmm_dom *vd, uint64_t gpa,
			      uint64_t len);
	/* Optional. 0 or -errno. */
	int (*add_device)(struct transport *t, struct vmm_dom *vd, uint64_t gpa, uint64_t len);
	/* 0, or -1 with a message in err. */
	int (*load)(struct transport *t, struct vmm_dom *vd, const struct guest_mem *gm,
		    const struct guest_program *prog, struct elf_image *img, char *err,
		    size_t errlen);
	/* 0, or -1 when the guest could not be stopped (its thread still runs:
	 * nothing under it may be torn down). ex says how the run ended. */
	int (*run)(struct transport *t, struct vmm_dom *vd, const struct guest_boot *b,
		   const struct guest_ops *ops, void *ctx, struct guest_exit *ex);
	void (*stop)(struct transport *t, struct vmm_dom *vd);
	/* Optional: guest exits so far (NULL when the transport has no exits of
	 * its own: then hypercalls are the only way out of the guest). */
	uint64_t (*exits)(struct transport *t, struct vmm_dom *vd);
	/* Optional (NULL: the transport delivers no upcalls). See above. */
	void (*vcpu_kick)(struct transport *t, struct vmm_dom *vd, unsigned int vcpu);
};

struct transport {
	const struct transport_ops *ops;
	const char *name;   /* "kvm", "inproc" */
	/* The boot state needs page tables (the guest starts in long mode). */
	bool page_tables;
};

/* The optional ops, called when the transport has them. */
static inline int transport_add_memory(struct transport *t, struct vmm_dom *vd, uint64_t gpa,
				       uint64_t len)
{
	return t->ops->add_memory ? t->ops->add_memory(t, vd, gpa, len) : 0;
}

static inline void transport_remove_memory(struct transport *t, struct vmm_dom *vd,
					   uint64_t gpa, uint64_t len)
{
	if (t->ops->remove_memory)
		t->ops->remove_memory(t, vd, gpa, len);
}

static inline void transport_vcpu_kick(struct transport *t, struct vmm_dom *vd,
					unsigned int vcpu)
{
	if (t->ops->vcpu_kick)
		t->ops->vcpu_kick(t, vd, vcpu);
}

static inline int transport_add_device(struct transport *t, struct vmm_dom *vd, uint64_t gpa,
				       uint64_t len)
{
	return t->ops->add_device ? t->ops->add_device(t, vd, gpa, len) : 0;
}

#endif
