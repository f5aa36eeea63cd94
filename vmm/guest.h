/*
 * What both transports (KVM, in-process) share about one running guest:
 * its guest-physical memory as seen through the domain's window, how a run
 * ended, and the callbacks a transport makes into whoever owns the domain
 * (the runner, or a test).
 *
 * The window is the realization's host mapping of guest-physical address 0
 * (vmm/realize.h). Loader and boot code write into it directly after
 * checking that the target lies inside a RAM bank the domain was built with;
 * anything the guest chooses at run time (the hypercall page) goes through
 * write_guest, which checks the P2M.
 */
#ifndef VMM_GUEST_H
#define VMM_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hv/hypercall.h>

#define GUEST_MAX_RANGES 16

struct guest_range {
	uint64_t base, size;
};

struct guest_mem {
	uint8_t *window;
	uint64_t window_size;
	/* RAM banks of the domain, ascending, all populated. */
	struct guest_range ram[GUEST_MAX_RANGES];
	unsigned int nr_ram;
	/* Further ranges the boot identity map covers (region 0...). */
	struct guest_range map[GUEST_MAX_RANGES];
	unsigned int nr_map;
};

/* True when [base, base+size) lies inside one RAM bank of gm. */
bool guest_range_in_ram(const struct guest_mem *gm, uint64_t base, uint64_t size);

enum guest_exit_kind {
	GEXIT_NONE = 0,
	GEXIT_SHUTDOWN, /* the guest asked (sched_op shutdown); reason is SHUTDOWN_* */
	GEXIT_CRASH,    /* stopped by the VMM or the hypervisor; why says what */
	GEXIT_TIMEOUT,  /* still running when the run's time was up */
};

struct guest_exit {
	enum guest_exit_kind kind;
	unsigned int reason;
	char why[192];
	bool rip_valid, addr_valid;
	uint64_t rip;
	uint64_t addr; /* guest-physical address of the fault, when known */
	/* A stop (time limit) ended a hypercall the vCPU was sleeping in: its
	 * name ("SCHEDOP_block", "SCHEDOP_poll"), else empty. */
	char blocked_in[16];
};

/* The name of a hypercall that may sleep (SCHEDOP_block/poll), else NULL:
 * what a transport puts in guest_exit.blocked_in when a stop ends it. */
const char *guest_blocking_call(const struct hv_hcall *hc);

/* Prefixes a crash's or time-out's reason with "vCPU n: " (a secondary's
 * exit, so that the report names the vCPU). */
void guest_exit_name_vcpu(struct guest_exit *ex, unsigned int vcpu);

/* Fills ex as a crash (printf-style reason). */
void guest_exit_crash(struct guest_exit *ex, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void guest_exit_vcrash(struct guest_exit *ex, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Calls a transport makes while a guest runs (from the guest's thread). */
struct guest_ops {
	/* Runs one hypercall to completion; returns the guest's rax. */
	int64_t (*hypercall)(void *ctx, struct hv_hcall *hc);
	/* After each hypercall: true when the domain no longer runs, with ex
	 * filled in (shutdown with its reason, or crash). */
	bool (*stopped)(void *ctx, struct guest_exit *ex);
	/* Checked copy into guest-physical memory; 0 or -errno. */
	int (*write_guest)(void *ctx, uint64_t gpa, const void *src, size_t len);
	/* Optional diagnostics from the transport (unknown hypercall...). */
	void (*note)(void *ctx, const char *msg);
	/* Optional: vCPU `vcpu`'s access of size 1/2/4/8 to guest-physical
	 * memory with nothing behind it (an emulated device's window). True
	 * when a device took it; reads fill *val. Called without the
	 * hypervisor lock. */
	bool (*mmio)(void *ctx, unsigned int vcpu, uint64_t gpa, unsigned int size, bool write,
		     uint64_t *val);
};

#endif
