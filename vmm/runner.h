/*
 * Running a set of built domains on the vmm's transport (transport.h; the
 * runner never knows which one), each in its own thread:
 * console output per domain with a "(dN) " prefix, an optional time limit,
 * and one report line per domain (shutdown reason, or crash with reason,
 * rip and faulting address when known).
 *
 * Faults are contained per domain: a domain that crashes or runs out of
 * time is stopped and reported; the others keep running.
 */
#ifndef VMM_RUNNER_H
#define VMM_RUNNER_H

#include <pthread.h>
#include <stdio.h>

#include <hv/build.h>

#include "boot.h"
#include "guest.h"
#include "realize.h"
#include "transport.h"

struct runner;

/*
 * The emulated devices the runner can put into a domain, described for the
 * builder (build_system() places them in the guest DT and keeps them out of
 * the P2M); build_domain.dev_base[RUNNER_DEV_*] is where a domain has each,
 * and runner_dom.dev_base takes it over. A new device adds a value here and
 * its entry in runner.c's table (the builder's description and its
 * device.h model); the runner itself names no device.
 */
enum {
	RUNNER_DEV_DMA,  /* the DMA engine (dmadev.h); no dev_arg */
	RUNNER_DEV_BLK,  /* the block device (blkdev.h); dev_arg: struct blkdev_disk */
	RUNNER_NR_DEVICES,
};
_Static_assert(RUNNER_NR_DEVICES <= BUILD_MAX_DEVICES, "the builder places every device");
extern const struct build_device runner_devices[RUNNER_NR_DEVICES];

struct runner_dom {
	/* in */
	struct domain *d;
	const void *image;          /* ELF64 kernel (for KVM) */
	size_t image_len;
	void (*guest_main)(void);   /* hosted program (for in-process) */
	const void *dtb;            /* the domain's guest device tree */
	/* Where the domain has each device (0: it has none), and what the
	 * device's model takes besides (see RUNNER_DEV_*; read only by
	 * runner_prepare). */
	paddr_t dev_base[RUNNER_NR_DEVICES];
	const void *dev_arg[RUNNER_NR_DEVICES];
	/* out */
	struct guest_exit ex;
	double run_ms;              /* from start to stop */
	double start_ms;            /* CLOCK_MONOTONIC ms when its thread handed it to the transport */
	/* private */
	struct runner *r;
	struct guest_mem gm;
	struct guest_boot boot;
	/* The devices (device.h), from runner_prepare to runner_release; a
	 * caller may set one before runner_prepare (a domain that ran before
	 * keeps its window), and the runner then adds no window for it. */
	void *dev[RUNNER_NR_DEVICES];
	/* The device models are single-threaded: the vCPUs of the domain
	 * take turns in them (runner_prepare makes it). */
	pthread_mutex_t dev_lock;
	pthread_t th;
	bool prepared, started, done, stuck;
	bool kicked; /* the runner asked the transport to stop it */
	char line[512];
	size_t line_len;
	/* A domain a toolstack created while the runner runs (one of
	 * runner.dyn[]; under runner.dyn_lock, used also under the
	 * hypervisor lock): unpaused (want_start), its thread made
	 * (th_valid), destroydomain asked it to stop (want_stop, kick
	 * sent), its run over (finished). */
	bool used, want_start, th_valid, want_stop, kick_sent, kicking, finished;
	/* pausedomain holds its vCPUs at their next hypercall (atomic; set
	 * under dyn_lock, waited for on dyn_cond) */
	bool paused;
	double unpause_ms, stop_ms, first_line_ms; /* CLOCK_MONOTONIC ms, 0: not yet */
};

/* Domains created at runtime that may run at the same time. */
#define RUNNER_MAX_DYN 16

struct runner {
	struct vmm *m;               /* with its transport set (vmm_set_transport) */
	unsigned int timeout_ms;     /* 0: no limit */
	FILE *out;                   /* guest consoles */
	FILE *err;                   /* reports and notes */
	/* Guest lines starting "progress: " are redrawn in place when out is a
	 * terminal, and dropped otherwise (logs stay clean). */
	bool progress_tty;
	struct runner_dom *dom;
	unsigned int nr;
	/* out: the SIGINT/SIGTERM/SIGHUP that stopped the run (0: none). While
	 * runner_run runs these signals stop the domains as the time limit
	 * does, instead of ending the process in the middle of a device's
	 * write (docs/virtio.md, clean shutdown). Threads of the caller that
	 * exist before runner_run must block these signals themselves, or
	 * the kernel may hand a signal to one of them (memvisor's CLI has
	 * none). */
	int signalled;
	/* private */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t sigwatch;
	bool sigwatch_end;
	unsigned int running;
	bool stuck; /* an in-process guest could not be stopped */
	bool progress_shown; /* the terminal's last line is a progress line */
	/* Domains a toolstack creates at runtime (docs/toolstack.md): the
	 * hypervisor's hooks (vmm.dyn_*) only flag a slot; dyn_th starts
	 * their threads and stops them (neither may be done under the
	 * hypervisor lock). Lock order: hypervisor lock, then dyn_lock. */
	struct runner_dom *dyn;
	pthread_mutex_t dyn_lock;
	pthread_cond_t dyn_cond;
	pthread_t dyn_th;
	bool dyn_quit, dyn_running;
	unsigned int dyn_started, dyn_ended;

	/* Optional, set before runner_run: every complete console line of
	 * every domain (without its newline), before it is printed; called
	 * with the hypervisor lock held, so it must not take it (the control
	 * socket collects Dom0's `xl: ` replies here, cli/control.c). */
	void (*line_hook)(void *ctx, struct domain *d, const char *line, size_t len);
	void *line_ctx;
	/* Optional: the report of a created domain whose run ended, called
	 * from its thread without any lock, the domain still there (it is
	 * torn down only after this). Without it the runner prints its own
	 * line. */
	void (*dyn_report)(void *ctx, struct runner_dom *rd, bool stopped);
	void *dyn_report_ctx;
};

/* Created domains that were unpaused and whose run has not ended yet. */
unsigned int runner_dyn_running(struct runner *r);

/* Collects the domain's memory map, has the transport load the guest
 * program, writes boot area and device tree, and sets up the devices.
 * 0, or -1 with a message in err. */
int runner_prepare(struct runner *r, struct runner_dom *rd, char *err, size_t errlen);
/* Runs every prepared domain to its end; reports each to r->err. Returns
 * the number of domains that crashed or timed out. Meanwhile it also runs
 * the domains a privileged guest creates (XEN_DOMCTL_createdomain) from
 * their first unpause to their destroydomain, reporting each; those still
 * running when the prepared ones have ended are stopped. */
unsigned int runner_run(struct runner *r);
/* The report line of one finished domain (without newline). */
void runner_describe(const struct runner_dom *rd, char *buf, size_t len);
const char *runner_shutdown_name(unsigned int reason);
/* Frees what runner_prepare/run allocated (not the domains). */
void runner_release(struct runner *r);

#endif
