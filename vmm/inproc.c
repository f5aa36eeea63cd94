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

struct inproc_vm {
	uint8_t *window;
	uint64_t window_size;
	inproc_start_t start;
	void (*guest_main)(void);
	struct inproc_env env;

	const struct guest_ops *ops;
	void *ctx;
	struct guest_exit ex;
	jmp_buf jb;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done, kicked;
	int stop;
	/* the guest's own page tables (env set_cr3), 0: none. Only the guest
	 * thread touches it. */
	uint64_t cr3;

	/* Upcalls. thread/thread_valid under lock; the rest belongs to the
	 * guest thread and its signal handler. */
	struct domain *d;
	pthread_t thread;
	bool thread_valid;
	volatile sig_atomic_t in_vmm;  /* inside hcall()/mmio() */
	volatile sig_atomic_t irq_due; /* a kick arrived while in_vmm */
	void (*volatile irq_entry)(unsigned int vector);
	uint64_t kicks, upcalls;
};

static __thread struct inproc_vm *inproc_self;

/*
 * On the guest thread, outside the VMM: raise what the hypervisor has.
 * The question takes the hypervisor lock, so in_vmm is set meanwhile: a
 * kick's signal landing then must not ask again from the handler (the
 * lock is not recursive); it leaves irq_due, and the loop asks again.
 */
static void deliver_upcall(struct inproc_vm *vm)
{
	void (*entry)(unsigned int) = vm->irq_entry;
	int v;

	if (!entry || !vm->d)
		return;
	do {
		vm->irq_due = 0;
		vm->in_vmm = 1;
		v = hv_vcpu_upcall_vector(vm->d->hv, vm->d, 0);
		vm->in_vmm = 0;
		if (v >= 0) {
			__atomic_fetch_add(&vm->upcalls, 1, __ATOMIC_RELAXED);
			entry((unsigned int)v);
		}
	} while (vm->irq_due);
}

static void irq_signal(int sig)
{
	struct inproc_vm *vm = inproc_self;
	int saved = errno;

	(void)sig;
	if (!vm)
		return;
	if (vm->in_vmm)
		vm->irq_due = 1;
	else
		deliver_upcall(vm);
	errno = saved;
}

static void env_set_irq_entry(void *c, void (*entry)(unsigned int vector))
{
	struct inproc_vm *vm = c;

	vm->irq_entry = entry;
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
	struct inproc_vm *vm = c;

	vm->cr3 = cr3;
}

static int64_t env_hcall(void *c, uint64_t nr, const uint64_t args[5])
{
	struct inproc_vm *vm = c;
	/* Without page tables of its own, a hosted guest passes guest-physical
	 * pointers and the paging state stays zeroed (hcall.h); with them, it
	 * is a CPL3 caller in long mode on those tables. */
	struct hv_hcall hc = {.nr = nr};
	const char *sleeps;
	int64_t rc;

	if (vm->cr3)
		hc.pg = (struct hv_paging){
			.valid = true,
			.cpl = 3,
			.cr0 = X86_CR0_PE | X86_CR0_WP | X86_CR0_PG,
			.cr3 = vm->cr3,
			.cr4 = X86_CR4_PAE,
			.efer = X86_EFER_LME | X86_EFER_LMA,
		};
	memcpy(hc.args, args, sizeof(hc.args));
	sleeps = guest_blocking_call(&hc);
	vm->in_vmm = 1;
	rc = vm->ops->hypercall(vm->ctx, &hc);
	vm->in_vmm = 0;
	if (vm->ops->stopped && vm->ops->stopped(vm->ctx, &vm->ex))
		longjmp(vm->jb, 1);
	if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE)) {
		vm->ex.kind = GEXIT_TIMEOUT;
		strcpy(vm->ex.why, "stopped (time limit)");
		if (sleeps)
			snprintf(vm->ex.blocked_in, sizeof(vm->ex.blocked_in), "%s", sleeps);
		longjmp(vm->jb, 1);
	}
	/* Back to the guest: as a VM entry would, raise a pending upcall
	 * (the guest sees rax afterwards, as after an interrupt on KVM). */
	if (vm->irq_entry) {
		vm->irq_due = 0;
		deliver_upcall(vm);
	}
	return rc;
}

static uint64_t env_mmio(void *c, uint64_t gpa, unsigned int size, int write, uint64_t val)
{
	struct inproc_vm *vm = c;

	bool took;

	vm->in_vmm = 1;
	took = (size == 1 || size == 2 || size == 4 || size == 8) && vm->ops->mmio &&
	       vm->ops->mmio(vm->ctx, gpa, size, write != 0, &val);
	vm->in_vmm = 0;
	if (took) {
		if (vm->irq_due)
			deliver_upcall(vm);
		return write ? 0 : val;
	}
	/* What KVM reports for an access to guest memory with nothing behind it. */
	guest_exit_crash(&vm->ex, "%s of %u bytes at a guest-physical address with no memory",
			 write ? "write" : "read", size);
	vm->ex.addr = gpa;
	vm->ex.addr_valid = true;
	longjmp(vm->jb, 1);
}

struct inproc_vm *inproc_vm_create(uint8_t *window, uint64_t window_size, inproc_start_t start)
{
	struct inproc_vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->window = window;
	vm->window_size = window_size;
	vm->start = start;
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

static void *guest_thread(void *arg)
{
	struct inproc_vm *vm = arg;

	inproc_self = vm;
	if (setjmp(vm->jb) == 0) {
		vm->start(&vm->env);
		/* rt_start() never returns; if a runtime did, call it a crash. */
		guest_exit_crash(&vm->ex, "guest entry returned");
	}
	vm->irq_entry = NULL;
	inproc_self = NULL; /* from here on a kick's signal does nothing */
	pthread_mutex_lock(&vm->lock);
	vm->thread_valid = false;
	vm->done = true;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	return NULL;
}

int inproc_vm_run(struct inproc_vm *vm, const struct guest_boot *b,
		  const struct guest_ops *ops, void *ctx, struct guest_exit *ex)
{
	pthread_attr_t attr;
	pthread_t th;
	int rc;

	memset(&vm->ex, 0, sizeof(vm->ex));
	vm->ops = ops;
	vm->ctx = ctx;
	vm->done = false;
	vm->env = (struct inproc_env){
		.window = vm->window,
		.window_size = vm->window_size,
		.dt = b->dt,
		.area = b->area,
		.area_size = b->area_size,
		.hcall = env_hcall,
		.ctx = vm,
		.main = vm->guest_main,
		.cpuid = inproc_cpuid,
		.xen_version = b->xen_version,
		.mmio = env_mmio,
		.set_cr3 = env_set_cr3,
		.set_irq_entry = env_set_irq_entry,
	};
	vm->cr3 = 0;
	vm->irq_entry = NULL;
	vm->irq_due = 0;
	vm->in_vmm = 0;
	pthread_attr_init(&attr);
	rc = pthread_attr_setstack(&attr, vm->window + b->area + BOOT_STACK_OFF,
				   BOOT_AREA_SIZE - BOOT_STACK_OFF);
	/* thread_valid is set under the lock the kick takes, before the guest
	 * can run (it has not been created yet) */
	pthread_mutex_lock(&vm->lock);
	if (!rc)
		rc = pthread_create(&th, &attr, guest_thread, vm);
	if (!rc) {
		vm->thread = th;
		vm->thread_valid = true;
	}
	pthread_mutex_unlock(&vm->lock);
	pthread_attr_destroy(&attr);
	if (rc) {
		memset(ex, 0, sizeof(*ex));
		guest_exit_crash(ex, "cannot start the guest thread: %s", strerror(rc));
		return 0;
	}

	pthread_mutex_lock(&vm->lock);
	while (!vm->done) {
		if (!vm->kicked) {
			pthread_cond_wait(&vm->cond, &vm->lock);
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += INPROC_KICK_GRACE_MS / 1000;
		while (!vm->done)
			if (pthread_cond_timedwait(&vm->cond, &vm->lock, &ts) == ETIMEDOUT)
				break;
		break;
	}
	if (!vm->done) {
		pthread_mutex_unlock(&vm->lock);
		pthread_detach(th);
		memset(ex, 0, sizeof(*ex));
		ex->kind = GEXIT_TIMEOUT;
		strcpy(ex->why, "still running (in-process guests stop only at a hypercall)");
		return -1;
	}
	pthread_mutex_unlock(&vm->lock);
	pthread_join(th, NULL);
	*ex = vm->ex;
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
void inproc_vm_vcpu_kick(struct inproc_vm *vm)
{
	__atomic_fetch_add(&vm->kicks, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&vm->lock);
	if (vm->thread_valid)
		pthread_kill(vm->thread, INPROC_IRQ_SIGNAL);
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
	/* a vCPU asleep in SCHEDOP_block/poll returns to env_hcall, which
	 * sees the stop */
	hv_vcpu_wake(vd->d->hv, vd->d, 0);
}

static void tp_vcpu_kick(struct transport *t, struct vmm_dom *vd, unsigned int vcpu)
{
	(void)t;
	if (vcpu == 0) /* one vCPU per domain today */
		inproc_vm_vcpu_kick(vd->transport);
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
