/*
 * Hypercalls through the hypercall page (freestanding) or the in-process
 * transport (hosted). Pointer arguments are converted here to the address
 * the hypervisor takes; handles inside structures are the caller's job
 * (rt_handle()). Freestanding, that is the pointer itself (a linear
 * address the hypervisor translates through this vCPU's page tables; under
 * the identity map it equals the guest-physical one); hosted, the
 * guest-physical address (which, once a hosted guest has page tables of
 * its own, its identity map makes the linear one as well: guest/rt/hosted.c).
 */
#ifndef RT_HYPERCALL_H
#define RT_HYPERCALL_H

#include <rt/rt.h>

#include <public/xen.h>
#include <public/memory.h>

#define RT_HYPERCALL_STUBS 128

long rt_hypercall(unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		  uint64_t a5);

/* A guest handle for a pointer (see above). */
static inline uint64_t rt_handle(const void *p)
{
	return rt_virt_to_phys(p);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_xen_version, (uint64_t)(int64_t)cmd,
			    rt_virt_to_phys(arg), 0, 0, 0);
}

static inline long HYPERVISOR_console_io(int cmd, int count, const char *buf)
{
	return rt_hypercall(__HYPERVISOR_console_io, (uint64_t)(int64_t)cmd,
			    (uint64_t)(int64_t)count, rt_virt_to_phys(buf), 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_sched_op, (uint64_t)(int64_t)cmd,
			    rt_virt_to_phys(arg), 0, 0, 0);
}

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_memory_op, cmd, rt_virt_to_phys(arg), 0, 0, 0);
}

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
	return rt_hypercall(__HYPERVISOR_grant_table_op, cmd, rt_virt_to_phys(uop), count, 0,
			    0);
}

/* Pointer arguments inside the entries are the caller's job (rt_handle()). */
static inline long HYPERVISOR_multicall(struct multicall_entry *list, unsigned int count)
{
	return rt_hypercall(__HYPERVISOR_multicall, rt_virt_to_phys(list), count, 0, 0, 0);
}

/* Is the hypercall transport up (freestanding: the VMM filled the page)? */
bool rt_hypercalls_ready(void);

#endif
