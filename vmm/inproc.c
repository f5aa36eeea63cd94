/*
 * In-process transport (see inproc.h).
 *
 * The guest thread gets [area + BOOT_STACK_OFF, area + BOOT_AREA_SIZE) of
 * the window as its stack. A hypercall that leaves the domain stopped (or
 * arrives after a kick) does not return: it longjmps back to the bottom of
 * the guest thread, which is how every run ends. The caller waits on a
 * condition variable so that a kick can give up on a spinning guest.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inproc.h"
#include "realize.h"

#define INPROC_KICK_GRACE_MS 2000

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
};

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
	rc = vm->ops->hypercall(vm->ctx, &hc);
	if (vm->ops->stopped && vm->ops->stopped(vm->ctx, &vm->ex))
		longjmp(vm->jb, 1);
	if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE)) {
		vm->ex.kind = GEXIT_TIMEOUT;
		strcpy(vm->ex.why, "stopped (time limit)");
		longjmp(vm->jb, 1);
	}
	return rc;
}

static uint64_t env_mmio(void *c, uint64_t gpa, unsigned int size, int write, uint64_t val)
{
	struct inproc_vm *vm = c;

	if ((size == 1 || size == 2 || size == 4 || size == 8) && vm->ops->mmio &&
	    vm->ops->mmio(vm->ctx, gpa, size, write != 0, &val))
		return write ? 0 : val;
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

	if (setjmp(vm->jb) == 0) {
		vm->start(&vm->env);
		/* rt_start() never returns; if a runtime did, call it a crash. */
		guest_exit_crash(&vm->ex, "guest entry returned");
	}
	pthread_mutex_lock(&vm->lock);
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
	};
	vm->cr3 = 0;
	pthread_attr_init(&attr);
	rc = pthread_attr_setstack(&attr, vm->window + b->area + BOOT_STACK_OFF,
				   BOOT_AREA_SIZE - BOOT_STACK_OFF);
	if (!rc)
		rc = pthread_create(&th, &attr, guest_thread, vm);
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

/* --- the transport (transport.h) --- */

static int tp_create(struct transport *t, struct vmm_dom *vd)
{
	struct inproc_transport *it = (struct inproc_transport *)(void *)t;

	vd->transport = inproc_vm_create(vd->window, vd->window_size, it->start);
	return vd->transport ? 0 : -ENOMEM;
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
};

void inproc_transport_init(struct inproc_transport *it, inproc_start_t start)
{
	it->t = (struct transport){.ops = &inproc_transport_ops, .name = "inproc",
				   .page_tables = false};
	it->start = start;
}
