/*
 * In-process transport (see inproc.h).
 *
 * The guest thread gets [area + BOOT_STACK_OFF, area + BOOT_AREA_SIZE) of
 * the window as its stack. A hypercall that leaves the domain stopped (or
 * arrives after a kick) does not return: it longjmps back to the bottom of
 * the guest thread, which is how every run ends. The caller waits on a
 * condition variable so that a kick can give up on a spinning guest.
 *
 * Upcalls (docs/events.md): vcpu_kick signals the guest thread with
 * INPROC_IRQ_SIGNAL; the handler, on the guest thread, asks the hypervisor
 * for the vector and calls the runtime's interrupt entry (env.set_irq_entry)
 * as an interrupt would. Never while the thread is inside the VMM (a
 * hypercall, which may hold the hypervisor lock, or a device access): then
 * the handler only notes the kick, and env_hcall()/env_mmio() deliver on
 * the way back to the guest. A flag instead of blocking the signal with
 * pthread_sigmask around each call: two system calls per hypercall would
 * cost more than the hypercall. After every hypercall the vector is asked
 * for again, which re-raises Xen's global callback vector while the guest
 * leaves evtchn_upcall_pending set (as Xen does on each VM entry).
 *
 * Several vCPUs (issue 17): vCPU 0 is the guest thread above; each
 * secondary has a host thread from the run's start, which waits in the
 * hypervisor for the vCPU's first VCPUOP_up (hv_vcpu_wait_up), then starts
 * the vCPU's guest thread on the guest stack the VCPUOP_initialise state
 * names, which calls the program's entry there (inproc_env.h), and joins
 * it. Everything a guest
 * thread owns (jump buffer, exit, upcall flags, page tables) is per vCPU;
 * the first vCPU to end by itself ends the domain's run, and the run
 * returns once every vCPU thread is joined.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hv/event.h>
#include <hv/hypercall.h>

#include "inproc.h"
#include "realize.h"

#define INPROC_KICK_GRACE_MS 2000
#define INPROC_IRQ_SIGNAL SIGUSR1

/* What a hosted guest with page tables runs under (the bits the walker
 * reads, as under KVM: hv/mm/guest_access.c). */
#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_WP (1ULL << 16)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define X86_EFER_LME (1ULL << 8)
#define X86_EFER_LMA (1ULL << 10)

struct inproc_vm;

/* One vCPU's guest thread. */
struct inproc_vcpu {
	struct inproc_vm *vm;
	unsigned int id;
	struct inproc_env env;
	struct guest_exit ex;
	jmp_buf jb;
	/* the guest's own page tables (env set_cr3), 0: none. Only the guest
	 * thread touches it. */
	uint64_t cr3;
	/* thread/thread_valid/done under vm->lock; the rest belongs to the
	 * guest thread and its signal handler */
	pthread_t thread;
	bool thread_valid, done;
	pthread_t th; /* a secondary's thread, joined by the run */
	bool spawned;
	volatile sig_atomic_t in_vmm;  /* inside hcall()/mmio() */
	volatile sig_atomic_t irq_due; /* a kick arrived while in_vmm */
	void (*volatile irq_entry)(unsigned int vector);
	/* a secondary: its VCPUOP_initialise state */
	struct hv_vcpu_regs start;
};

struct inproc_vm {
	uint8_t *window;
	uint64_t window_size;
	inproc_start_t start;
	void (*guest_main)(void);
	struct inproc_env env;

	const struct guest_ops *ops;
	void *ctx;
	uint64_t xen_version;
	uint64_t dt;
	bool direct;         /* guest_boot.direct: vCPU 0 calls direct_rip */
	uint64_t direct_rip;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool kicked;
	int stop;
	int ended_first; /* the vCPU that ended the run by itself, -1 (lock) */

	struct domain *d;
	unsigned int nr_vcpus;
	struct inproc_vcpu vcpu[DOMAIN_MAX_VCPUS];
	uint64_t kicks, upcalls;
};

static __thread struct inproc_vcpu *inproc_self;

/*
 * On the guest thread, outside the VMM: raise what the hypervisor has.
 * The question takes the hypervisor lock, so in_vmm is set meanwhile: a
 * kick's signal landing then must not ask again from the handler (the
 * lock is not recursive); it leaves irq_due, and the loop asks again.
 */
static void deliver_upcall(struct inproc_vcpu *vc)
{
	struct inproc_vm *vm = vc->vm;
	void (*entry)(unsigned int) = vc->irq_entry;
	int v;

	if (!entry || !vm->d)
		return;
	do {
		vc->irq_due = 0;
		vc->in_vmm = 1;
		v = hv_vcpu_upcall_vector(vm->d->hv, vm->d, vc->id);
		vc->in_vmm = 0;
		if (v >= 0) {
			__atomic_fetch_add(&vm->upcalls, 1, __ATOMIC_RELAXED);
			entry((unsigned int)v);
		}
	} while (vc->irq_due);
}

static void irq_signal(int sig)
{
	struct inproc_vcpu *vc = inproc_self;
	int saved = errno;

	(void)sig;
	if (!vc)
		return;
	if (vc->in_vmm)
		vc->irq_due = 1;
	else
		deliver_upcall(vc);
	errno = saved;
}

static void env_set_irq_entry(void *c, void (*entry)(unsigned int vector))
{
	struct inproc_vcpu *vc = c;

	vc->irq_entry = entry;
}

void inproc_cpuid(const struct inproc_env *env, uint32_t leaf, uint32_t subleaf,
		  uint32_t regs[4])
{
	if (boot_xen_cpuid(leaf, env->xen_version, regs))
		return;
	__asm__ volatile("cpuid"
			 : "=a"(regs[0]), "=b"(regs[1]), "=c"(regs[2]), "=d"(regs[3])
			 : "a"(leaf), "c"(subleaf));
	if (leaf == 1)
		regs[2] |= 1U << 31; /* hypervisor present, as under KVM */
}

static void env_set_cr3(void *c, uint64_t cr3)
{
	struct inproc_vcpu *vc = c;

	vc->cr3 = cr3;
}

static int64_t env_hcall(void *c, uint64_t nr, const uint64_t args[5])
{
	struct inproc_vcpu *vc = c;
	struct inproc_vm *vm = vc->vm;
	/* Without page tables of its own, a hosted guest passes guest-physical
	 * pointers and the paging state stays zeroed (hcall.h); with them, it
	 * is a CPL3 caller in long mode on those tables. */
	struct hv_hcall hc = {.nr = nr, .vcpu = vc->id};
	const char *sleeps;
	int64_t rc;

	if (vc->cr3)
		hc.pg = (struct hv_paging){
			.valid = true,
			.cpl = 3,
			.cr0 = X86_CR0_PE | X86_CR0_WP | X86_CR0_PG,
			.cr3 = vc->cr3,
			.cr4 = X86_CR4_PAE,
			.efer = X86_EFER_LME | X86_EFER_LMA,
		};
	memcpy(hc.args, args, sizeof(hc.args));
	sleeps = guest_blocking_call(&hc);
	vc->in_vmm = 1;
	rc = vm->ops->hypercall(vm->ctx, &hc);
	vc->in_vmm = 0;
	if (vm->ops->stopped && vm->ops->stopped(vm->ctx, &vc->ex))
		longjmp(vc->jb, 1);
	if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE)) {
		vc->ex.kind = GEXIT_TIMEOUT;
		strcpy(vc->ex.why, "stopped (time limit)");
		if (sleeps)
			snprintf(vc->ex.blocked_in, sizeof(vc->ex.blocked_in), "%s", sleeps);
		longjmp(vc->jb, 1);
	}
	/* Back to the guest: as a VM entry would, raise a pending upcall
	 * (the guest sees rax afterwards, as after an interrupt on KVM). */
	if (vc->irq_entry) {
		vc->irq_due = 0;
		deliver_upcall(vc);
	}
	return rc;
}

static uint64_t env_mmio(void *c, uint64_t gpa, unsigned int size, int write, uint64_t val)
{
	struct inproc_vcpu *vc = c;
	struct inproc_vm *vm = vc->vm;
	bool took;

	vc->in_vmm = 1;
	took = (size == 1 || size == 2 || size == 4 || size == 8) && vm->ops->mmio &&
	       vm->ops->mmio(vm->ctx, vc->id, gpa, size, write != 0, &val);
	vc->in_vmm = 0;
	if (took) {
		if (vc->irq_due)
			deliver_upcall(vc);
		return write ? 0 : val;
	}
	/* What KVM reports for an access to guest memory with nothing behind it. */
	guest_exit_crash(&vc->ex, "%s of %u bytes at a guest-physical address with no memory",
			 write ? "write" : "read", size);
	vc->ex.addr = gpa;
	vc->ex.addr_valid = true;
	longjmp(vc->jb, 1);
}

struct inproc_vm *inproc_vm_create(uint8_t *window, uint64_t window_size, inproc_start_t start)
{
	struct inproc_vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->window = window;
	vm->window_size = window_size;
	vm->start = start;
	vm->nr_vcpus = 1;
	for (unsigned int i = 0; i < DOMAIN_MAX_VCPUS; i++) {
		vm->vcpu[i].vm = vm;
		vm->vcpu[i].id = i;
	}
	pthread_mutex_init(&vm->lock, NULL);
	pthread_cond_init(&vm->cond, NULL);
	return vm;
}

void inproc_vm_load(struct inproc_vm *vm, void (*guest_main)(void))
{
	/* Before any run thread exists (runner_prepare), so no kick races it. */
	vm->guest_main = guest_main;
	__atomic_store_n(&vm->stop, 0, __ATOMIC_RELEASE);
	vm->kicked = false;
}

void inproc_vm_destroy(struct inproc_vm *vm)
{
	if (!vm)
		return;
	pthread_mutex_destroy(&vm->lock);
	pthread_cond_destroy(&vm->cond);
	free(vm);
}

/* The env a vCPU's guest code runs with (hcall etc. know the vCPU by ctx). */
static void vcpu_env(struct inproc_vcpu *vc, uint64_t area, uint64_t area_size)
{
	struct inproc_vm *vm = vc->vm;

	vc->env = (struct inproc_env){
		.window = vm->window,
		.window_size = vm->window_size,
		.dt = vm->dt,
		.area = area,
		.area_size = area_size,
		.hcall = env_hcall,
		.ctx = vc,
		.main = vm->guest_main,
		.cpuid = inproc_cpuid,
		.xen_version = (uint32_t)vm->xen_version,
		.mmio = env_mmio,
		.set_cr3 = env_set_cr3,
		.set_irq_entry = env_set_irq_entry,
		.vcpu = vc->id,
	};
	vc->cr3 = 0;
	vc->irq_entry = NULL;
	vc->irq_due = 0;
	vc->in_vmm = 0;
}

/* Stops every vCPU at its next hypercall, and any asleep in the hypervisor. */
static void stop_all(struct inproc_vm *vm)
{
	__atomic_store_n(&vm->stop, 1, __ATOMIC_RELEASE);
	if (vm->d)
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			hv_vcpu_wake(vm->d->hv, vm->d, i);
}

/*
 * vCPU `vc` ended: done, and the first vCPU to end by itself (a crash or
 * the domain stopped, not the stop) ends the run of all.
 */
static void vcpu_ended(struct inproc_vcpu *vc)
{
	struct inproc_vm *vm = vc->vm;
	bool first;

	vc->irq_entry = NULL;
	inproc_self = NULL; /* from here on a kick's signal does nothing */
	pthread_mutex_lock(&vm->lock);
	vc->thread_valid = false;
	vc->done = true;
	first = vc->ex.kind != GEXIT_NONE && vm->ended_first < 0 &&
		!__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE);
	if (first)
		vm->ended_first = (int)vc->id;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	if (first)
		stop_all(vm);
}

static void *guest_thread(void *arg)
{
	struct inproc_vcpu *vc = arg;
	struct inproc_vm *vm = vc->vm;

	inproc_self = vc;
	if (setjmp(vc->jb) == 0) {
		if (vm->direct) /* a toolstack's entry (guest_boot.direct) */
			((inproc_vcpu_entry_t)(uintptr_t)vm->direct_rip)(&vc->env, vm->dt);
		else
			vm->start(&vc->env);
		/* rt_start() never returns; if a runtime did, call it a crash. */
		guest_exit_crash(&vc->ex, "guest entry returned");
	}
	vcpu_ended(vc);
	return NULL;
}

/* A secondary's guest thread, on the guest stack its context names. */
static void *secondary_guest(void *arg)
{
	struct inproc_vcpu *vc = arg;
	struct inproc_vm *vm = vc->vm;
	inproc_vcpu_entry_t entry = (inproc_vcpu_entry_t)(uintptr_t)vc->start.rip;

	/* kicks signal this thread from now on */
	pthread_mutex_lock(&vm->lock);
	vc->thread = pthread_self();
	vc->thread_valid = true;
	pthread_mutex_unlock(&vm->lock);
	inproc_self = vc;
	if (setjmp(vc->jb) == 0) {
		entry(&vc->env, vc->start.rdi);
		guest_exit_crash(&vc->ex, "guest entry returned");
	}
	vc->irq_entry = NULL;
	inproc_self = NULL;
	pthread_mutex_lock(&vm->lock);
	vc->thread_valid = false;
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

static void *secondary_main(void *arg)
{
	struct inproc_vcpu *vc = arg;
	struct inproc_vm *vm = vc->vm;
	struct guest_exit tmp;
	pthread_attr_t attr;
	pthread_t gt;
	uint64_t top;
	int rc;

	for (;;) {
		if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE) || !vm->d)
			break;
		rc = hv_vcpu_wait_up(vm->d->hv, vm->d, vc->id, &vc->start);
		if (rc == 1)
			break;
		memset(&tmp, 0, sizeof(tmp));
		if (rc == 0 || (vm->ops->stopped && vm->ops->stopped(vm->ctx, &tmp)))
			goto out;
	}
	if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE) || !vm->d)
		goto out;
	/* Hosted guests pass guest-physical pointers: rsp is the top of the
	 * INPROC_VCPU_STACK bytes of guest memory the vCPU runs on. */
	top = vc->start.rsp & ~15ULL;
	if (top < INPROC_VCPU_STACK || top > vm->window_size || !vc->start.rip) {
		guest_exit_crash(&vc->ex, "VCPUOP_initialise: rsp %#llx / rip %#llx cannot start a "
			"hosted vCPU", (unsigned long long)vc->start.rsp,
			(unsigned long long)vc->start.rip);
		goto out;
	}
	vcpu_env(vc, top - INPROC_VCPU_STACK, INPROC_VCPU_STACK);
	/* the guest code runs in a thread of its own on that stack, as vCPU
	 * 0's on the boot area's */
	pthread_attr_init(&attr);
	rc = pthread_attr_setstack(&attr, vm->window + top - INPROC_VCPU_STACK, INPROC_VCPU_STACK);
	if (!rc)
		rc = pthread_create(&gt, &attr, secondary_guest, vc);
	pthread_attr_destroy(&attr);
	if (rc) {
		guest_exit_crash(&vc->ex, "cannot start the vCPU's guest thread: %s", strerror(rc));
		goto out;
	}
	pthread_join(gt, NULL);
out:
	guest_exit_name_vcpu(&vc->ex, vc->id); /* the report names the vCPU */
	vcpu_ended(vc);
	return NULL;
}

/* Waits (lock held) until every vCPU is done, or a grace period after a
 * kick or the end of one of them. True when all are done. */
static bool wait_vcpus(struct inproc_vm *vm)
{
	struct timespec ts;
	bool grace = false;

	for (;;) {
		bool all = true;

		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			all = all && (vm->vcpu[i].done || (i && !vm->vcpu[i].spawned));
		if (all)
			return true;
		if (!grace && (vm->kicked || vm->ended_first >= 0 || vm->vcpu[0].done)) {
			grace = true;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += INPROC_KICK_GRACE_MS / 1000;
		}
		if (!grace)
			pthread_cond_wait(&vm->cond, &vm->lock);
		else if (pthread_cond_timedwait(&vm->cond, &vm->lock, &ts) == ETIMEDOUT)
			return false;
	}
}

int inproc_vm_run(struct inproc_vm *vm, const struct guest_boot *b,
		  const struct guest_ops *ops, void *ctx, struct guest_exit *ex)
{
	struct inproc_vcpu *vc0 = &vm->vcpu[0];
	uint64_t stack_base, stack_size;
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	vm->ops = ops;
	vm->ctx = ctx;
	vm->dt = b->dt;
	vm->xen_version = b->xen_version;
	vm->ended_first = -1;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		memset(&vm->vcpu[i].ex, 0, sizeof(vm->vcpu[i].ex));
		vm->vcpu[i].done = false;
		vm->vcpu[i].spawned = false;
	}
	vm->direct = b->direct;
	vm->direct_rip = b->entry;
	stack_base = b->area + BOOT_STACK_OFF;
	stack_size = BOOT_AREA_SIZE - BOOT_STACK_OFF;
	if (b->direct) {
		/* as a secondary's: the stack below rsp, in guest RAM */
		uint64_t top = b->stack_top & ~15ULL;

		if (top < INPROC_VCPU_STACK || top > vm->window_size || !b->entry) {
			memset(ex, 0, sizeof(*ex));
			guest_exit_crash(ex, "rsp %#llx / rip %#llx cannot start a hosted vCPU",
					 (unsigned long long)b->stack_top,
					 (unsigned long long)b->entry);
			return 0;
		}
		stack_base = top - INPROC_VCPU_STACK;
		stack_size = INPROC_VCPU_STACK;
		vcpu_env(vc0, stack_base, stack_size);
	} else {
		vcpu_env(vc0, b->area, b->area_size);
	}
	/* the secondaries' threads wait for VCPUOP_up (default stacks: they
	 * switch onto guest memory only to run guest code) */
	for (unsigned int i = 1; i < vm->nr_vcpus; i++) {
		struct inproc_vcpu *vc = &vm->vcpu[i];

		vc->spawned = pthread_create(&vc->th, NULL, secondary_main, vc) == 0;
		if (!vc->spawned && ops->note)
			ops->note(ctx, "a secondary vCPU's thread could not be created");
	}
	pthread_attr_init(&attr);
	rc = pthread_attr_setstack(&attr, vm->window + stack_base, stack_size);
	/* thread_valid is set under the lock the kick takes, before the guest
	 * can run (it has not been created yet) */
	pthread_mutex_lock(&vm->lock);
	if (!rc)
		rc = pthread_create(&th, &attr, guest_thread, vc0);
	if (!rc) {
		vc0->thread = th;
		vc0->thread_valid = true;
	}
	pthread_mutex_unlock(&vm->lock);
	pthread_attr_destroy(&attr);
	if (rc) {
		memset(ex, 0, sizeof(*ex));
		guest_exit_crash(ex, "cannot start the guest thread: %s", strerror(rc));
		vc0->done = true;
		stop_all(vm);
		pthread_mutex_lock(&vm->lock);
		pthread_cond_broadcast(&vm->cond);
		(void)wait_vcpus(vm);
		pthread_mutex_unlock(&vm->lock);
		for (unsigned int i = 1; i < vm->nr_vcpus; i++)
			if (vm->vcpu[i].spawned)
				pthread_join(vm->vcpu[i].th, NULL);
		return 0;
	}

	pthread_mutex_lock(&vm->lock);
	/* vCPU 0 done: the others are stopped now (they may be waiting for
	 * an up that will never come) */
	while (!vc0->done && !vm->kicked && vm->ended_first < 0)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
	stop_all(vm);
	pthread_mutex_lock(&vm->lock);
	if (!wait_vcpus(vm)) {
		pthread_mutex_unlock(&vm->lock);
		/* a guest spinning without hypercalls cannot be stopped here */
		if (!vc0->done)
			pthread_detach(th);
		for (unsigned int i = 1; i < vm->nr_vcpus; i++)
			if (vm->vcpu[i].spawned && !vm->vcpu[i].done)
				pthread_detach(vm->vcpu[i].th);
		memset(ex, 0, sizeof(*ex));
		if (vm->ended_first >= 0) {
			*ex = vm->vcpu[vm->ended_first].ex;
		} else {
			ex->kind = GEXIT_TIMEOUT;
			strcpy(ex->why, "still running (in-process guests stop only at a hypercall)");
		}
		return -1;
	}
	pthread_mutex_unlock(&vm->lock);
	pthread_join(th, NULL);
	for (unsigned int i = 1; i < vm->nr_vcpus; i++)
		if (vm->vcpu[i].spawned) {
			pthread_join(vm->vcpu[i].th, NULL);
			vm->vcpu[i].spawned = false;
		}
	*ex = vm->ended_first > 0 ? vm->vcpu[vm->ended_first].ex : vc0->ex;
	return 0;
}

void inproc_vm_kick(struct inproc_vm *vm)
{
	__atomic_store_n(&vm->stop, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&vm->lock);
	vm->kicked = true;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}

/* Lock held (backend.h): flag and signal, nothing else. */
void inproc_vm_vcpu_kick(struct inproc_vm *vm, unsigned int vcpu)
{
	if (vcpu >= vm->nr_vcpus)
		return;
	__atomic_fetch_add(&vm->kicks, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&vm->lock);
	if (vm->vcpu[vcpu].thread_valid)
		pthread_kill(vm->vcpu[vcpu].thread, INPROC_IRQ_SIGNAL);
	pthread_mutex_unlock(&vm->lock);
}

void inproc_vm_irq_stats(struct inproc_vm *vm, uint64_t *kicks, uint64_t *upcalls)
{
	*kicks = __atomic_load_n(&vm->kicks, __ATOMIC_RELAXED);
	*upcalls = __atomic_load_n(&vm->upcalls, __ATOMIC_RELAXED);
}

/* --- the transport (transport.h) --- */

static int tp_create(struct transport *t, struct vmm_dom *vd)
{
	struct inproc_transport *it = (struct inproc_transport *)(void *)t;
	struct inproc_vm *vm = inproc_vm_create(vd->window, vd->window_size, it->start);

	if (!vm)
		return -ENOMEM;
	vm->d = vd->d;
	vm->nr_vcpus = vd->d->nr_vcpus;
	vd->transport = vm;
	return 0;
}

static void tp_destroy(struct transport *t, struct vmm_dom *vd)
{
	(void)t;
	inproc_vm_destroy(vd->transport);
	vd->transport = NULL;
}

static int tp_load(struct transport *t, struct vmm_dom *vd, const struct guest_mem *gm,
		   const struct guest_program *prog, struct elf_image *img, char *err,
		   size_t errlen)
{
	(void)t;
	(void)gm;
	(void)img;
	if (!prog->main) {
		snprintf(err, errlen, "no hosted guest program");
		return -1;
	}
	inproc_vm_load(vd->transport, prog->main);
	return 0;
}

static int tp_run(struct transport *t, struct vmm_dom *vd, const struct guest_boot *b,
		  const struct guest_ops *ops, void *ctx, struct guest_exit *ex)
{
	(void)t;
	return inproc_vm_run(vd->transport, b, ops, ctx, ex);
}

static void tp_stop(struct transport *t, struct vmm_dom *vd)
{
	(void)t;
	inproc_vm_kick(vd->transport);
	/* a vCPU asleep in SCHEDOP_block/poll (or parked while down)
	 * returns to env_hcall, which sees the stop */
	for (unsigned int i = 0; i < vd->d->nr_vcpus; i++)
		hv_vcpu_wake(vd->d->hv, vd->d, i);
}

static void tp_vcpu_kick(struct transport *t, struct vmm_dom *vd, unsigned int vcpu)
{
	(void)t;
	inproc_vm_vcpu_kick(vd->transport, vcpu);
}

static const struct transport_ops inproc_transport_ops = {
	.create = tp_create,
	.destroy = tp_destroy,
	/* No add_memory/remove_memory: the guest reaches its memory through
	 * the window itself. No add_device: a hosted guest calls env.mmio for
	 * device windows. */
	.load = tp_load,
	.run = tp_run,
	.stop = tp_stop,
	.vcpu_kick = tp_vcpu_kick,
};

static void irq_signal_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = irq_signal;
	sa.sa_flags = SA_RESTART; /* the VMM's own system calls just go on */
	sigemptyset(&sa.sa_mask);
	sigaction(INPROC_IRQ_SIGNAL, &sa, NULL);
}

void inproc_transport_init(struct inproc_transport *it, inproc_start_t start)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, irq_signal_install);
	it->t = (struct transport){.ops = &inproc_transport_ops, .name = "inproc",
				   .page_tables = false};
	it->start = start;
}
