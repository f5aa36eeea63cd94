/*
 * KVM transport (see kvm.h for the design).
 *
 * Threads: kvm_vm_run() runs in the guest's own thread and is the only user
 * of the vCPU fd and its kvm_run page, except that kvm_vm_kick() and
 * kvm_vm_vcpu_kick() may set immediate_exit and signal that thread. Memory
 * slots are added from whichever thread realizes a mapping (under the
 * hypervisor lock); slot bookkeeping has its own mutex so the transport
 * does not depend on it.
 *
 * Upcalls (docs/events.md): the vector goes in with KVM_INTERRUPT (a
 * user-space irqchip: no in-kernel LAPIC the guest would have to program
 * and acknowledge), asked for with hv_vcpu_upcall_vector() by the vCPU's
 * own thread at two points: after every hypercall (which re-raises Xen's
 * global vector while evtchn_upcall_pending stays set, as Xen does at each
 * VM entry) and when a kick (another thread sent an event) made KVM_RUN
 * return; both just before the next KVM_RUN, once per entry. KVM holds the
 * vector until the guest can take it, so no interrupt-window exit is
 * needed; the guest's runtime takes it at CPL3.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hv/diag.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <public/xen.h>

#include "elfload.h"
#include "kvm.h"
#include "realize.h"
#include "transport.h"

/* Newer than the installed UAPI headers may know. */
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39
#endif

#define KVM_KICK_SIGNAL SIGUSR2
#define KVM_MAX_HOLES 8
#define CPUID_MAX_ENTRIES 256

struct kvm_sys {
	struct transport t;
	int fd;
	int run_size;
	struct kvm_cpuid2 *cpuid; /* what every vCPU gets */
};

struct kvm_vm;

/* One guest vCPU: its KVM vCPU fd and kvm_run page, used by its own host
 * thread only (kicks aside: immediate_exit and a signal). */
struct kvm_vcpu {
	struct kvm_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_valid; /* written under vm->lock; read under it by kicks */
	pthread_t th;      /* a secondary's thread of ours, joined by kvm_vm_run */
	bool spawned;
	volatile int stop;
	int irq_due;       /* a vcpu_kick not yet looked at (atomic) */
	struct kvm_vm_stats st; /* exits of this vCPU (its thread writes them) */
	struct guest_exit ex;   /* how a secondary's run ended */
	/* what a secondary's thread runs with (kvm_vm_run's arguments) */
	const struct guest_boot *b;
	const struct guest_ops *ops;
	void *ctx;
};

struct kvm_vm {
	struct kvm_sys *k;
	int fd;
	struct kvm_vcpu vcpu[DOMAIN_MAX_VCPUS];
	unsigned int nr_vcpus;
	int ended_first; /* the vCPU whose run ended first by itself (lock) */
	int kicked;      /* kvm_vm_kick: every later run stops at once too */
	uint8_t *window;
	uint64_t window_size;

	pthread_mutex_t lock; /* slot bookkeeping */
	uint64_t *granules;   /* bitmap: granule has a slot */
	uint64_t nr_granules;
	uint32_t next_slot;
	/* Device windows: no slot ever covers them, so accesses exit. */
	struct { uint64_t gpa, len; } hole[KVM_MAX_HOLES];
	unsigned int nr_holes;

	struct domain *d;
	struct kvm_vm_stats st; /* slots and kicks (under lock) */
};

static const struct transport_ops kvm_transport_ops;

static void kick_handler(int sig)
{
	(void)sig;
}

static void whyf(char *why, size_t len, const char *what, int err)
{
	if (why && len)
		snprintf(why, len, "%s: %s", what, strerror(err));
}

static int build_cpuid(struct kvm_sys *k, char *why, size_t whylen)
{
	size_t sz = sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, sz);
	struct kvm_cpuid_entry2 *e;
	unsigned int n = 0;

	if (!c) {
		whyf(why, whylen, "cpuid", ENOMEM);
		return -1;
	}
	c->nent = CPUID_MAX_ENTRIES - 3;
	if (ioctl(k->fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		whyf(why, whylen, "KVM_GET_SUPPORTED_CPUID", errno);
		free(c);
		return -1;
	}
	/* Drop KVM's own paravirtual leaves; ours take their place. */
	for (unsigned int i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function >= BOOT_CPUID_BASE && e->function < BOOT_CPUID_BASE + 0x10000)
			continue;
		if (e->function == 0x80000001)
			e->edx &= ~(1U << 26); /* no 1 GiB pages here: do not offer them */
		c->entries[n++] = *e;
	}
	for (uint32_t leaf = BOOT_CPUID_BASE; leaf <= BOOT_CPUID_MAX; leaf++) {
		uint32_t r[4];

		/* leaf +1 is rewritten by tp_create() for the hv's release */
		boot_xen_cpuid(leaf, XEN_VERSION_ENCODED, r);
		e = &c->entries[n++];
		memset(e, 0, sizeof(*e));
		e->function = leaf;
		e->eax = r[0];
		e->ebx = r[1];
		e->ecx = r[2];
		e->edx = r[3];
	}
	c->nent = n;
	k->cpuid = c;
	return 0;
}

struct kvm_sys *kvm_open(char *why, size_t whylen)
{
	static const struct {
		long cap;
		const char *name;
	} need[] = {
		{KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
		{KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS"},
		{KVM_CAP_X86_USER_SPACE_MSR, "KVM_CAP_X86_USER_SPACE_MSR"},
		{KVM_CAP_X86_MSR_FILTER, "KVM_CAP_X86_MSR_FILTER"},
		{KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
		{KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
	};
	struct sigaction sa;
	struct kvm_sys *k = calloc(1, sizeof(*k));
	int r;

	if (!k) {
		whyf(why, whylen, "kvm", ENOMEM);
		return NULL;
	}
	k->fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		whyf(why, whylen, "/dev/kvm", errno);
		goto err_free;
	}
	r = ioctl(k->fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		if (why)
			snprintf(why, whylen, "/dev/kvm: API version %d, need %d", r,
				 KVM_API_VERSION);
		goto err_close;
	}
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		r = ioctl(k->fd, KVM_CHECK_EXTENSION, need[i].cap);
		if (r <= 0) {
			if (why)
				snprintf(why, whylen, "/dev/kvm lacks %s", need[i].name);
			goto err_close;
		}
		if (need[i].cap == KVM_CAP_SYNC_REGS && !(r & KVM_SYNC_X86_REGS)) {
			if (why)
				snprintf(why, whylen, "/dev/kvm cannot sync general registers");
			goto err_close;
		}
	}
	k->run_size = ioctl(k->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (k->run_size < (int)sizeof(struct kvm_run)) {
		whyf(why, whylen, "KVM_GET_VCPU_MMAP_SIZE", errno);
		goto err_close;
	}
	if (build_cpuid(k, why, whylen))
		goto err_close;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler; /* no SA_RESTART: KVM_RUN returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(KVM_KICK_SIGNAL, &sa, NULL);
	k->t = (struct transport){.ops = &kvm_transport_ops, .name = "kvm", .page_tables = true};
	return k;

err_close:
	close(k->fd);
err_free:
	free(k);
	return NULL;
}

void kvm_close(struct kvm_sys *k)
{
	if (!k)
		return;
	free(k->cpuid);
	close(k->fd);
	free(k);
}

static int vm_setup_msrs(struct kvm_vm *vm)
{
	static uint8_t deny_bitmap[1]; /* bit clear: the access exits to us */
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = {KVM_MSR_EXIT_REASON_FILTER | KVM_MSR_EXIT_REASON_UNKNOWN},
	};
	struct kvm_msr_filter f;

	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap) < 0)
		return -errno;
	memset(&f, 0, sizeof(f));
	f.flags = KVM_MSR_FILTER_DEFAULT_ALLOW;
	f.ranges[0].flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
	f.ranges[0].nmsrs = 1;
	f.ranges[0].base = BOOT_HCALL_MSR;
	f.ranges[0].bitmap = deny_bitmap;
	if (ioctl(vm->fd, KVM_X86_SET_MSR_FILTER, &f) < 0)
		return -errno;
	return 0;
}

/* KVM vCPU `id` of vm with its run page and the shared CPUID table. */
static int vcpu_create(struct kvm_vm *vm, unsigned int id)
{
	struct kvm_vcpu *vc = &vm->vcpu[id];
	int rc;

	memset(vc, 0, sizeof(*vc));
	vc->vm = vm;
	vc->id = id;
	vc->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vc->fd < 0)
		return -errno;
	vc->run = mmap(NULL, (size_t)vm->k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vc->fd, 0);
	if (vc->run == MAP_FAILED) {
		rc = -errno;
		goto err_vcpu;
	}
	if (ioctl(vc->fd, KVM_SET_CPUID2, vm->k->cpuid) < 0) {
		rc = -errno;
		goto err_run;
	}
	return 0;

err_run:
	munmap(vc->run, (size_t)vm->k->run_size);
err_vcpu:
	close(vc->fd);
	vc->fd = -1;
	return rc;
}

struct kvm_vm *kvm_vm_create(struct kvm_sys *k, uint8_t *window, uint64_t window_size, int *err)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	int rc;

	if (!vm) {
		*err = -ENOMEM;
		return NULL;
	}
	vm->k = k;
	vm->window = window;
	vm->window_size = window_size;
	vm->vcpu[0].fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	vm->nr_granules = (window_size + KVM_SLOT_GRANULE - 1) / KVM_SLOT_GRANULE;
	vm->granules = calloc((vm->nr_granules + 63) / 64, sizeof(uint64_t));
	if (!vm->granules) {
		rc = -ENOMEM;
		goto err_free;
	}
	vm->fd = ioctl(k->fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		rc = -errno;
		goto err_free;
	}
	/* Needed by VMX before the first run; harmless elsewhere. */
	ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	rc = vm_setup_msrs(vm);
	if (rc)
		goto err_vm;
	rc = vcpu_create(vm, 0);
	if (rc)
		goto err_vm;
	vm->nr_vcpus = 1;
	return vm;

err_vm:
	close(vm->fd);
err_free:
	free(vm->granules);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
	*err = rc;
	return NULL;
}

int kvm_vm_add_vcpus(struct kvm_vm *vm, unsigned int n)
{
	int rc;

	if (n > DOMAIN_MAX_VCPUS)
		return -EINVAL;
	while (vm->nr_vcpus < n) {
		rc = vcpu_create(vm, vm->nr_vcpus);
		if (rc)
			return rc;
		vm->nr_vcpus++;
	}
	return 0;
}

void kvm_vm_destroy(struct kvm_vm *vm)
{
	if (!vm)
		return;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		munmap(vm->vcpu[i].run, (size_t)vm->k->run_size);
		close(vm->vcpu[i].fd);
	}
	close(vm->fd);
	free(vm->granules);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}

static int add_slot(struct kvm_vm *vm, uint64_t base, uint64_t size)
{
	struct kvm_userspace_memory_region r;

	memset(&r, 0, sizeof(r));
	r.slot = vm->next_slot;
	r.guest_phys_addr = base;
	r.memory_size = size;
	r.userspace_addr = (uint64_t)(uintptr_t)(vm->window + base);
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	vm->next_slot++;
	vm->st.slots++;
	vm->st.slot_bytes += size;
	return 0;
}

/* Slots over [base, end) except the holes (sorted, disjoint). */
static int add_slots_around_holes(struct kvm_vm *vm, uint64_t base, uint64_t end)
{
	for (unsigned int i = 0; i < vm->nr_holes && base < end; i++) {
		uint64_t hs = vm->hole[i].gpa, he = hs + vm->hole[i].len;
		int rc;

		if (he <= base || hs >= end)
			continue;
		if (hs > base) {
			rc = add_slot(vm, base, hs - base);
			if (rc)
				return rc;
		}
		base = he;
	}
	return base < end ? add_slot(vm, base, end - base) : 0;
}

int kvm_vm_add_hole(struct kvm_vm *vm, uint64_t gpa, uint64_t len)
{
	unsigned int i;
	int rc = 0;

	if (!len || (gpa | len) & (PAGE_SIZE - 1))
		return -EINVAL;
	if (gpa >= vm->window_size || len > vm->window_size - gpa)
		return -ERANGE;
	pthread_mutex_lock(&vm->lock);
	for (uint64_t g = gpa / KVM_SLOT_GRANULE; g <= (gpa + len - 1) / KVM_SLOT_GRANULE; g++)
		if (vm->granules[g / 64] & (1ULL << (g % 64)))
			rc = -EBUSY;
	for (i = 0; !rc && i < vm->nr_holes; i++)
		if (gpa < vm->hole[i].gpa + vm->hole[i].len && vm->hole[i].gpa < gpa + len)
			rc = -EEXIST;
	if (!rc && vm->nr_holes == KVM_MAX_HOLES)
		rc = -ENOSPC;
	if (!rc) {
		for (i = vm->nr_holes; i > 0 && vm->hole[i - 1].gpa > gpa; i--)
			vm->hole[i] = vm->hole[i - 1];
		vm->hole[i].gpa = gpa;
		vm->hole[i].len = len;
		vm->nr_holes++;
	}
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

int kvm_vm_map(struct kvm_vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t first, last;
	int rc = 0;

	if (!len)
		return 0;
	if (gpa >= vm->window_size || len > vm->window_size - gpa)
		return -ERANGE;
	first = gpa / KVM_SLOT_GRANULE;
	last = (gpa + len - 1) / KVM_SLOT_GRANULE;
	pthread_mutex_lock(&vm->lock);
	for (uint64_t g = first; g <= last; g++) {
		uint64_t base = g * KVM_SLOT_GRANULE;

		if (vm->granules[g / 64] & (1ULL << (g % 64)))
			continue;
		rc = add_slots_around_holes(vm, base, base + MIN(KVM_SLOT_GRANULE,
								  vm->window_size - base));
		if (rc)
			break;
		vm->granules[g / 64] |= 1ULL << (g % 64);
	}
	pthread_mutex_unlock(&vm->lock);
	return rc;
}

static void seg(struct kvm_segment *s, uint16_t sel, bool code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	if (code) {
		s->type = 11; /* execute/read, accessed */
		s->l = 1;
	} else {
		s->type = 3; /* read/write, accessed */
		s->db = 1;
	}
}

/*
 * A vCPU's registers: the boot state b for vCPU 0, or for a secondary the
 * state its VCPUOP_initialise gave (start: long mode, the boot GDT's flat
 * CPL0 segments, the guest's own control registers).
 */
static int set_state(struct kvm_vcpu *vc, const struct guest_boot *b,
		     const struct hv_vcpu_regs *start)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(vc->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	seg(&s.cs, BOOT_SEL_CODE, true);
	seg(&s.ds, BOOT_SEL_DATA, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.gdt.base = b->gdt;
	s.gdt.limit = b->gdt_limit;
	s.idt.base = 0;
	s.idt.limit = 0;
	/* PE, MP, ET, NE, WP, PG */
	s.cr0 = 0x1 | 0x2 | 0x10 | 0x20 | 0x10000 | 0x80000000;
	s.cr3 = b->cr3;
	/* PAE, OSFXSR, OSXMMEXCPT */
	s.cr4 = 0x20 | 0x200 | 0x400;
	s.efer = 0x100 | 0x400; /* LME, LMA */
	if (start) {
		s.cr0 = start->cr0;
		s.cr3 = start->cr3;
		s.cr4 = start->cr4;
		s.efer = start->efer;
	}
	if (ioctl(vc->fd, KVM_SET_SREGS, &s) < 0)
		return -errno;
	memset(&r, 0, sizeof(r));
	if (start) {
		r.rax = start->rax;
		r.rcx = start->rcx;
		r.rdx = start->rdx;
		r.rbx = start->rbx;
		r.rsp = start->rsp;
		r.rbp = start->rbp;
		r.rsi = start->rsi;
		r.rdi = start->rdi;
		r.rip = start->rip;
		r.rflags = start->rflags | 0x2; /* bit 1 always reads 1 */
	} else {
		r.rip = b->entry;
		r.rsp = b->stack_top;
		r.rdi = b->dt;
		r.rsi = b->area;
		r.rdx = b->area_size;
		r.rflags = 0x2;
	}
	if (ioctl(vc->fd, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

static void crash_here(struct kvm_vcpu *vc, struct guest_exit *ex, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void crash_here(struct kvm_vcpu *vc, struct guest_exit *ex, const char *fmt, ...)
{
	struct kvm_regs r;
	va_list ap;

	va_start(ap, fmt);
	guest_exit_vcrash(ex, fmt, ap);
	va_end(ap);
	if (ioctl(vc->fd, KVM_GET_REGS, &r) == 0) {
		ex->rip = r.rip;
		ex->rip_valid = true;
	}
}

static void note(const struct guest_ops *ops, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(const struct guest_ops *ops, void *ctx, const char *fmt, ...)
{
	char buf[192];
	va_list ap;

	if (!ops->note)
		return;
	va_start(ap, fmt);
	diag_vfmt(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ops->note(ctx, buf);
}

/*
 * The calling vCPU's paging state, read only when the hypercall follows a
 * pointer (hv_paging.fetch): one KVM_GET_SREGS per hypercall exit at most,
 * none for calls without pointers. Syncing the sregs on every exit
 * (KVM_SYNC_X86_SREGS) would charge every exit instead.
 */
static int kvm_fetch_paging(void *ctx, struct hv_paging *pg)
{
	struct kvm_vcpu *vc = ctx;
	struct kvm_sregs s;

	if (ioctl(vc->fd, KVM_GET_SREGS, &s) < 0)
		return -errno;
	pg->cr0 = s.cr0;
	pg->cr3 = s.cr3;
	pg->cr4 = s.cr4;
	pg->efer = s.efer;
	pg->cpl = s.ss.dpl; /* what KVM takes the CPL from */
	pg->valid = true;
	vc->st.paging_fetches++;
	return 0;
}

/* A 32-bit OUT to the hypercall port: number in the data, args in regs. */
static bool do_hypercall(struct kvm_vcpu *vc, const struct guest_ops *ops, void *ctx,
			 struct guest_exit *ex)
{
	struct kvm_run *run = vc->run;
	struct kvm_regs *regs = &run->s.regs.regs;
	struct hv_hcall hc = {.vcpu = vc->id, .pg = {.fetch = kvm_fetch_paging, .ctx = vc}};
	const char *sleeps;
	uint32_t nr;

	memcpy(&nr, (uint8_t *)run + run->io.data_offset, sizeof(nr));
	hc.nr = nr;
	hc.args[0] = regs->rdi;
	hc.args[1] = regs->rsi;
	hc.args[2] = regs->rdx;
	hc.args[3] = regs->r10;
	hc.args[4] = regs->r8;
	sleeps = guest_blocking_call(&hc);
	regs->rax = (uint64_t)ops->hypercall(ctx, &hc);
	run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
	vc->st.hypercalls++;
	if (sleeps && __atomic_load_n(&vc->stop, __ATOMIC_ACQUIRE))
		snprintf(ex->blocked_in, sizeof(ex->blocked_in), "%s", sleeps);
	if (ops->stopped && ops->stopped(ctx, ex)) {
		if (!ex->rip_valid) {
			ex->rip = regs->rip;
			ex->rip_valid = true;
		}
		return true;
	}
	return false;
}

static void do_wrmsr(struct kvm_vcpu *vc, const struct guest_ops *ops, void *ctx)
{
	struct kvm_run *run = vc->run;
	uint8_t page[PAGE_SIZE];
	uint64_t gpa = run->msr.data & PAGE_MASK;

	vc->st.msr_exits++;
	run->msr.error = 1; /* #GP unless we accept it */
	if (run->msr.index != BOOT_HCALL_MSR)
		return;
	if (run->msr.data & ~PAGE_MASK) {
		note(ops, ctx, "hypercall page MSR: page index %llu not supported",
		     (unsigned long long)(run->msr.data & ~PAGE_MASK));
		return;
	}
	boot_fill_hypercall_page(page);
	if (ops->write_guest(ctx, gpa, page, sizeof(page))) {
		note(ops, ctx, "hypercall page MSR: %#llx is not writable guest RAM",
		     (unsigned long long)gpa);
		return;
	}
	run->msr.error = 0;
}

/* An access to a device window: true when a device took it. */
static bool do_mmio(struct kvm_vcpu *vc, const struct guest_ops *ops, void *ctx)
{
	struct kvm_run *run = vc->run;
	unsigned int len = run->mmio.len;
	uint64_t val = 0;

	if (!ops->mmio || (len != 1 && len != 2 && len != 4 && len != 8))
		return false;
	vc->st.mmio_exits++;
	if (run->mmio.is_write) {
		memcpy(&val, run->mmio.data, len);
		return ops->mmio(ctx, vc->id, run->mmio.phys_addr, len, true, &val);
	}
	if (!ops->mmio(ctx, vc->id, run->mmio.phys_addr, len, false, &val))
		return false;
	memcpy(run->mmio.data, &val, len);
	return true;
}

/*
 * Raises the upcall vector the hypervisor has for this vCPU, if any.
 * Between KVM_RUNs, on the vCPU's thread. KVM_INTERRUPT with a user-space
 * irqchip queues one external vector and injects it as soon as the guest
 * can take it; EEXIST means one is still queued (the same vector: the
 * guest's handler scans everything anyway).
 */
static void inject_upcall(struct kvm_vcpu *vc)
{
	struct kvm_vm *vm = vc->vm;
	struct kvm_interrupt irq;
	int v;

	if (!vm->d)
		return;
	v = hv_vcpu_upcall_vector(vm->d->hv, vm->d, vc->id);
	if (v < 0)
		return;
	irq.irq = (uint32_t)v;
	if (ioctl(vc->fd, KVM_INTERRUPT, &irq) == 0)
		vc->st.upcalls++;
}

/*
 * A kick may also mean another vCPU took this one down (VCPUOP_down): it
 * then runs no guest code until it is up again. Sleeps in the hypervisor;
 * true when the domain stopped meanwhile (ex filled in).
 */
static bool park_if_down(struct kvm_vcpu *vc, const struct guest_ops *ops, void *ctx,
			 struct guest_exit *ex)
{
	struct kvm_vm *vm = vc->vm;
	struct hv_vcpu_regs r;

	if (!vm->d || hv_vcpu_is_up(vm->d->hv, vm->d, vc->id))
		return false;
	while (!__atomic_load_n(&vc->stop, __ATOMIC_ACQUIRE) &&
	       hv_vcpu_wait_up(vm->d->hv, vm->d, vc->id, &r) < 0)
		if (ops->stopped && ops->stopped(ctx, ex))
			return true;
	return false;
}

static void vcpu_set_thread(struct kvm_vcpu *vc, bool valid)
{
	pthread_mutex_lock(&vc->vm->lock);
	vc->thread = pthread_self();
	vc->thread_valid = valid;
	pthread_mutex_unlock(&vc->vm->lock);
}

/* Runs vc (its state already set) until it stops; ex says how. */
static void vcpu_loop(struct kvm_vcpu *vc, const struct guest_ops *ops, void *ctx,
		      struct guest_exit *ex)
{
	struct kvm_run *run = vc->run;
	bool upcall_check = false;
	int rc;

	run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	run->kvm_dirty_regs = 0;

	for (;;) {
		/* immediate_exit first, then the kick flag: a kick after the
		 * flag was taken finds immediate_exit clear and sets it again,
		 * so KVM_RUN returns at once instead of missing it */
		__atomic_store_n(&run->immediate_exit,
				 __atomic_load_n(&vc->stop, __ATOMIC_ACQUIRE) ? 1 : 0,
				 __ATOMIC_SEQ_CST);
		/* One question per entry: KVM queues a single external vector
		 * (a second KVM_INTERRUPT before the entry replaces the first on
		 * some kernels), and the per-vCPU vector is handed out once. */
		if (__atomic_exchange_n(&vc->irq_due, 0, __ATOMIC_SEQ_CST)) {
			if (park_if_down(vc, ops, ctx, ex))
				return;
			upcall_check = true;
		}
		if (upcall_check)
			inject_upcall(vc);
		upcall_check = false;
		rc = ioctl(vc->fd, KVM_RUN, 0);
		if (rc < 0) {
			int e = errno;

			if (e == EINTR || e == EAGAIN) {
				if (__atomic_load_n(&vc->stop, __ATOMIC_ACQUIRE)) {
					ex->kind = GEXIT_TIMEOUT;
					snprintf(ex->why, sizeof(ex->why), "stopped (time limit)");
					ex->rip = run->s.regs.regs.rip;
					ex->rip_valid = true;
					return;
				}
				continue;
			}
			if (e == EFAULT && run->exit_reason == KVM_EXIT_MEMORY_FAULT) {
				uint64_t gpa = ((const uint64_t *)(const void *)&run->hw)[1];
				crash_here(vc, ex, "access to unbacked guest memory");
				ex->addr = gpa;
				ex->addr_valid = true;
				return;
			}
			if (e == EFAULT) {
				crash_here(vc, ex, "access to unbacked guest memory (EFAULT)");
				return;
			}
			crash_here(vc, ex, "KVM_RUN failed: %s", strerror(e));
			return;
		}
		vc->st.exits++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (run->io.port == BOOT_HCALL_PORT && run->io.direction == KVM_EXIT_IO_OUT &&
			    run->io.size == 4 && run->io.count == 1) {
				if (do_hypercall(vc, ops, ctx, ex))
					return;
				upcall_check = true; /* on the way back in */
				continue;
			}
			crash_here(vc, ex, "port I/O %s port %#x size %u",
				   run->io.direction == KVM_EXIT_IO_OUT ? "write to" : "read from",
				   run->io.port, run->io.size);
			return;
		case KVM_EXIT_X86_WRMSR:
			do_wrmsr(vc, ops, ctx);
			continue;
		case KVM_EXIT_X86_RDMSR:
			vc->st.msr_exits++;
			run->msr.error = 1;
			continue;
		case KVM_EXIT_MMIO:
			if (do_mmio(vc, ops, ctx))
				continue;
			crash_here(vc, ex, "%s of %u bytes at a guest-physical address with no memory",
				   run->mmio.is_write ? "write" : "read", run->mmio.len);
			ex->addr = run->mmio.phys_addr;
			ex->addr_valid = true;
			return;
		case KVM_EXIT_SHUTDOWN:
			crash_here(vc, ex, "triple fault");
			return;
		case KVM_EXIT_HLT:
			crash_here(vc, ex, "halted with no way to wake up");
			return;
		case KVM_EXIT_INTERNAL_ERROR:
			crash_here(vc, ex, "KVM internal error (suberror %u)", run->internal.suberror);
			return;
		case KVM_EXIT_FAIL_ENTRY:
			crash_here(vc, ex, "VM entry failed (reason %#llx)",
				   (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return;
		case KVM_EXIT_INTR:
			continue;
		default:
			crash_here(vc, ex, "unexpected KVM exit %u", run->exit_reason);
			return;
		}
	}
}

/* Stops every vCPU of vm soon (from any thread). */
static void stop_all(struct kvm_vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vc = &vm->vcpu[i];

		__atomic_store_n(&vc->stop, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&vc->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (vc->thread_valid)
			pthread_kill(vc->thread, KVM_KICK_SIGNAL);
	}
	pthread_mutex_unlock(&vm->lock);
}

/*
 * vCPU `id` ended by itself (a crash, or it found the domain stopped):
 * the first one to do so ends the domain's run, and the others are
 * stopped; its exit is the domain's.
 */
static void vcpu_ended(struct kvm_vm *vm, unsigned int id)
{
	bool first;

	pthread_mutex_lock(&vm->lock);
	first = vm->ended_first < 0 && !__atomic_load_n(&vm->vcpu[id].stop, __ATOMIC_ACQUIRE);
	if (first)
		vm->ended_first = (int)id;
	pthread_mutex_unlock(&vm->lock);
	if (!first)
		return;
	stop_all(vm);
	/* a vCPU asleep in the hypervisor (block, poll, down, not yet up) */
	if (vm->d)
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			hv_vcpu_wake(vm->d->hv, vm->d, i);
}

/* A secondary vCPU's thread: waits for its first VCPUOP_up, then runs. */
static void *secondary_main(void *arg)
{
	struct kvm_vcpu *vc = arg;
	struct kvm_vm *vm = vc->vm;
	struct hv_vcpu_regs r;
	struct guest_exit tmp;
	int rc;

	vcpu_set_thread(vc, true);
	for (;;) {
		if (__atomic_load_n(&vc->stop, __ATOMIC_ACQUIRE) || !vm->d)
			break;
		rc = hv_vcpu_wait_up(vm->d->hv, vm->d, vc->id, &r);
		if (rc == 1) {
			rc = set_state(vc, vc->b, &r);
			if (rc)
				guest_exit_crash(&vc->ex, "cannot set the VCPUOP_initialise state: %s",
						 strerror(-rc));
			else
				vcpu_loop(vc, vc->ops, vc->ctx, &vc->ex);
			break;
		}
		/* up without a start state cannot happen; else a stop, the
		 * domain's end or a spurious wake-up: look again */
		memset(&tmp, 0, sizeof(tmp));
		if (rc == 0 || (vc->ops->stopped && vc->ops->stopped(vc->ctx, &tmp)))
			break;
	}
	vcpu_set_thread(vc, false);
	if (vc->ex.kind != GEXIT_NONE) {
		guest_exit_name_vcpu(&vc->ex, vc->id);
		vcpu_ended(vm, vc->id);
	}
	return NULL;
}

void kvm_vm_run(struct kvm_vm *vm, const struct guest_boot *b, const struct guest_ops *ops,
		void *ctx, struct guest_exit *ex)
{
	struct kvm_vcpu *vc0 = &vm->vcpu[0];
	int rc;

	memset(ex, 0, sizeof(*ex));
	pthread_mutex_lock(&vm->lock);
	vm->ended_first = -1;
	/* the end of an earlier run stopped them; a kick stays */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		__atomic_store_n(&vm->vcpu[i].stop, __atomic_load_n(&vm->kicked, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&vm->lock);
	for (unsigned int i = 1; i < vm->nr_vcpus; i++) {
		struct kvm_vcpu *vc = &vm->vcpu[i];

		memset(&vc->ex, 0, sizeof(vc->ex));
		vc->b = b;
		vc->ops = ops;
		vc->ctx = ctx;
		vc->spawned = pthread_create(&vc->th, NULL, secondary_main, vc) == 0;
		if (!vc->spawned)
			note(ops, ctx, "vCPU %u: cannot create its thread", i);
	}
	vcpu_set_thread(vc0, true);
	rc = set_state(vc0, b, NULL);
	if (rc)
		guest_exit_crash(ex, "cannot set the boot state: %s", strerror(-rc));
	else
		vcpu_loop(vc0, ops, ctx, ex);
	vcpu_set_thread(vc0, false);
	vcpu_ended(vm, 0);
	/* Domain destroy never races a vCPU thread: all are joined here. */
	for (unsigned int i = 1; i < vm->nr_vcpus; i++)
		if (vm->vcpu[i].spawned) {
			pthread_join(vm->vcpu[i].th, NULL);
			vm->vcpu[i].spawned = false;
		}
	if (vm->ended_first > 0)
		*ex = vm->vcpu[vm->ended_first].ex;
}

void kvm_vm_kick(struct kvm_vm *vm)
{
	__atomic_store_n(&vm->kicked, 1, __ATOMIC_RELEASE);
	stop_all(vm);
}

void kvm_vm_vcpu_kick(struct kvm_vm *vm, unsigned int vcpu)
{
	struct kvm_vcpu *vc;

	if (vcpu >= vm->nr_vcpus)
		return;
	vc = &vm->vcpu[vcpu];
	__atomic_store_n(&vc->irq_due, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vc->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&vm->lock);
	vm->st.kicks++;
	/* the lock keeps the thread from ending (and being joined) meanwhile */
	if (vc->thread_valid)
		pthread_kill(vc->thread, KVM_KICK_SIGNAL);
	pthread_mutex_unlock(&vm->lock);
}

void kvm_vm_get_stats(struct kvm_vm *vm, struct kvm_vm_stats *st)
{
	pthread_mutex_lock(&vm->lock);
	*st = vm->st;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		const struct kvm_vm_stats *v = &vm->vcpu[i].st;

		st->exits += v->exits;
		st->hypercalls += v->hypercalls;
		st->msr_exits += v->msr_exits;
		st->mmio_exits += v->mmio_exits;
		st->paging_fetches += v->paging_fetches;
		st->upcalls += v->upcalls;
	}
	pthread_mutex_unlock(&vm->lock);
}

/* --- the transport (transport.h) --- */

static struct kvm_sys *sys_of(struct transport *t)
{
	return (struct kvm_sys *)((char *)t - offsetof(struct kvm_sys, t));
}

static int tp_create(struct transport *t, struct vmm_dom *vd)
{
	struct kvm_sys *k = sys_of(t);
	uint32_t ver = hv_xen_version(vd->d->hv);
	int err = 0;

	/* The VM's vCPUs are made from the shared table: give them the release
	 * this domain's hypervisor presents (leaf 0x40000001). */
	for (unsigned int i = 0; i < k->cpuid->nent; i++)
		if (k->cpuid->entries[i].function == BOOT_CPUID_BASE + 1)
			k->cpuid->entries[i].eax = ver;
	vd->transport = kvm_vm_create(k, vd->window, vd->window_size, &err);
	if (!vd->transport)
		return err;
	((struct kvm_vm *)vd->transport)->d = vd->d;
	/* the secondaries exist from the build on; their threads start
	 * with a run, their guest code at VCPUOP_up */
	err = kvm_vm_add_vcpus(vd->transport, vd->d->nr_vcpus);
	if (err) {
		kvm_vm_destroy(vd->transport);
		vd->transport = NULL;
	}
	return err;
}

static void tp_destroy(struct transport *t, struct vmm_dom *vd)
{
	(void)t;
	kvm_vm_destroy(vd->transport);
	vd->transport = NULL;
}

static int tp_add_memory(struct transport *t, struct vmm_dom *vd, uint64_t gpa, uint64_t len)
{
	(void)t;
	if (!vd->transport)
		return -ENODEV;
	return kvm_vm_map(vd->transport, gpa, len);
}

static int tp_add_device(struct transport *t, struct vmm_dom *vd, uint64_t gpa, uint64_t len)
{
	(void)t;
	return kvm_vm_add_hole(vd->transport, gpa, len);
}

static int tp_load(struct transport *t, struct vmm_dom *vd, const struct guest_mem *gm,
		   const struct guest_program *prog, struct elf_image *img, char *err,
		   size_t errlen)
{
	(void)t;
	(void)vd;
	if (!prog->image) {
		snprintf(err, errlen, "no kernel image");
		return -1;
	}
	return elf_load(gm, prog->image, prog->image_len, img, err, errlen);
}

static int tp_run(struct transport *t, struct vmm_dom *vd, const struct guest_boot *b,
		  const struct guest_ops *ops, void *ctx, struct guest_exit *ex)
{
	(void)t;
	kvm_vm_run(vd->transport, b, ops, ctx, ex);
	return 0;
}

static void tp_stop(struct transport *t, struct vmm_dom *vd)
{
	(void)t;
	kvm_vm_kick(vd->transport);
	/* a vCPU asleep in SCHEDOP_block/poll (or parked while down)
	 * returns from its hypercall and finds the stop */
	for (unsigned int i = 0; i < vd->d->nr_vcpus; i++)
		hv_vcpu_wake(vd->d->hv, vd->d, i);
}

static void tp_vcpu_kick(struct transport *t, struct vmm_dom *vd, unsigned int vcpu)
{
	(void)t;
	kvm_vm_vcpu_kick(vd->transport, vcpu);
}

static uint64_t tp_exits(struct transport *t, struct vmm_dom *vd)
{
	struct kvm_vm_stats st;

	(void)t;
	kvm_vm_get_stats(vd->transport, &st);
	return st.exits;
}

static const struct transport_ops kvm_transport_ops = {
	.create = tp_create,
	.destroy = tp_destroy,
	.add_memory = tp_add_memory,
	/* No remove_memory: slots stay, the range is PROT_NONE in the window
	 * again, so a guest access there fails KVM_RUN with EFAULT, which is
	 * reported as a crash. */
	.add_device = tp_add_device,
	.load = tp_load,
	.run = tp_run,
	.stop = tp_stop,
	.exits = tp_exits,
	.vcpu_kick = tp_vcpu_kick,
};

struct transport *kvm_transport(struct kvm_sys *k)
{
	return &k->t;
}

struct kvm_vm *kvm_vm_of(struct domain *d)
{
	return vmm_dom(d)->transport;
}

#define MSR_MISC_FEATURES_ENABLES 0x140
#define MSR_CPUID_FAULTING 0x1ULL

int kvm_vm_set_cpuid_faulting(struct kvm_vm *vm)
{
	uint64_t buf[(sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)) / 8 + 1];
	struct kvm_msrs *m = (struct kvm_msrs *)buf;

	memset(buf, 0, sizeof(buf));
	m->nmsrs = 1;
	m->entries[0].index = MSR_MISC_FEATURES_ENABLES;
	m->entries[0].data = MSR_CPUID_FAULTING;
	/* KVM_SET_MSRS returns how many it set: 0 when KVM offers no
	 * faulting. Every vCPU of the guest gets it. */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (ioctl(vm->vcpu[i].fd, KVM_SET_MSRS, m) != 1)
			return -EOPNOTSUPP;
	return 0;
}

/* --- is CPUID at CPL3 ours? (kvm.h) --- */

/*
 * The probe VM: 20 KiB of guest memory at GPA 0, identity mapped by one
 * 2 MiB user page, a GDT with flat 64-bit user segments, and two
 * instructions at 0: "cpuid; out %eax, $BOOT_HCALL_PORT". The vCPU starts
 * directly at CPL3 (CS 0x2b, SS 0x23, IOPL 3), so not one instruction runs
 * at CPL0, where software-virtualizing hosts emulate slowly. The OUT exits;
 * the registers then hold what the guest's CPL3 CPUID returned.
 */
#define PROBE_MEM 0x5000UL
#define PROBE_PML4 0x1000ULL
#define PROBE_PDPT 0x2000ULL
#define PROBE_PD 0x3000ULL
#define PROBE_GDT 0x4000ULL
#define PROBE_SEL_UDATA 0x23
#define PROBE_SEL_UCODE 0x2b

static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static bool probe_done;
static int probe_result;
static char probe_sig[13];
static unsigned int probe_runs;

static void probe_seg(struct kvm_segment *s, uint16_t sel, bool code)
{
	seg(s, sel, code);
	s->dpl = 3;
}

static int probe_setup(int vcpu, uint8_t *mem)
{
	static const uint8_t code[] = {0x0f, 0xa2, 0xe7, BOOT_HCALL_PORT, 0xeb, 0xfe};
	static const uint64_t gdt[] = {
		0, 0x00af9b000000ffffULL, 0x00cf93000000ffffULL, 0,
		0x00cff3000000ffffULL, /* 0x20 data, DPL3 */
		0x00affb000000ffffULL, /* 0x28 code, 64-bit, DPL3 */
	};
	uint64_t e;
	struct kvm_sregs s;
	struct kvm_regs r;

	memcpy(mem, code, sizeof(code));
	e = PROBE_PDPT | 0x7;
	memcpy(mem + PROBE_PML4, &e, sizeof(e));
	e = PROBE_PD | 0x7;
	memcpy(mem + PROBE_PDPT, &e, sizeof(e));
	e = 0x87; /* 2 MiB at 0: present, writable, user */
	memcpy(mem + PROBE_PD, &e, sizeof(e));
	memcpy(mem + PROBE_GDT, gdt, sizeof(gdt));

	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		return -errno;
	probe_seg(&s.cs, PROBE_SEL_UCODE, true);
	probe_seg(&s.ss, PROBE_SEL_UDATA, false);
	s.ds = s.es = s.fs = s.gs = s.ss;
	s.gdt.base = PROBE_GDT;
	s.gdt.limit = sizeof(gdt) - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cr0 = 0x1 | 0x2 | 0x10 | 0x20 | 0x10000 | 0x80000000;
	s.cr3 = PROBE_PML4;
	s.cr4 = 0x20 | 0x200 | 0x400;
	s.efer = 0x100 | 0x400;
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0)
		return -errno;
	memset(&r, 0, sizeof(r));
	r.rax = BOOT_CPUID_BASE;
	r.rflags = 0x3002; /* IOPL 3: the OUT is allowed at CPL3 */
	if (ioctl(vcpu, KVM_SET_REGS, &r) < 0)
		return -errno;
	return 0;
}

/* Runs the probe VM: 1 or 0 with seen[] filled, or -errno. */
static int probe_run(struct kvm_sys *k, uint32_t seen[4])
{
	struct kvm_userspace_memory_region mr;
	struct kvm_run *run = MAP_FAILED;
	struct kvm_regs r;
	uint8_t *mem;
	int vm, vcpu = -1, rc;

	mem = mmap(NULL, PROBE_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	vm = ioctl(k->fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		rc = -errno;
		goto err_mem;
	}
	ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL); /* as in kvm_vm_create() */
	memset(&mr, 0, sizeof(mr));
	mr.memory_size = PROBE_MEM;
	mr.userspace_addr = (uint64_t)(uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0) {
		rc = -errno;
		goto err_vm;
	}
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		rc = -errno;
		goto err_vm;
	}
	run = mmap(NULL, (size_t)k->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED) {
		rc = -errno;
		goto err_vm;
	}
	/* The table every domain's vCPU gets: the question is whether it is used. */
	if (ioctl(vcpu, KVM_SET_CPUID2, k->cpuid) < 0) {
		rc = -errno;
		goto err_vm;
	}
	rc = probe_setup(vcpu, mem);
	if (rc)
		goto err_vm;
	probe_runs++;
	do {
		rc = ioctl(vcpu, KVM_RUN, 0);
	} while (rc < 0 && (errno == EINTR || errno == EAGAIN));
	if (rc < 0) {
		rc = -errno;
		goto err_vm;
	}
	/* Anything but our OUT (a #GP from the CPUID, say) is a failed probe. */
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != BOOT_HCALL_PORT) {
		rc = -EIO;
		goto err_vm;
	}
	if (ioctl(vcpu, KVM_GET_REGS, &r) < 0) {
		rc = -errno;
		goto err_vm;
	}
	seen[0] = (uint32_t)r.rax;
	seen[1] = (uint32_t)r.rbx;
	seen[2] = (uint32_t)r.rcx;
	seen[3] = (uint32_t)r.rdx;
	rc = 0;
err_vm:
	if (run != MAP_FAILED)
		munmap(run, (size_t)k->run_size);
	if (vcpu >= 0)
		close(vcpu);
	close(vm);
err_mem:
	munmap(mem, PROBE_MEM);
	return rc;
}

int kvm_cpuid_cpl3_intercepted(struct kvm_sys *k, char sig[13])
{
	uint32_t seen[4], want[4];
	int rc;

	pthread_mutex_lock(&probe_lock);
	if (!probe_done) {
		rc = probe_run(k, seen);
		if (!rc) {
			boot_xen_cpuid(BOOT_CPUID_BASE, XEN_VERSION_ENCODED, want);
			rc = !memcmp(seen, want, sizeof(want));
			memcpy(probe_sig, &seen[1], 4);
			memcpy(probe_sig + 4, &seen[2], 4);
			memcpy(probe_sig + 8, &seen[3], 4);
			for (unsigned int i = 0; i < 12; i++)
				if (probe_sig[i] < 0x20 || probe_sig[i] > 0x7e)
					probe_sig[i] = '.';
		}
		probe_result = rc;
		probe_done = true;
	}
	rc = probe_result;
	if (sig)
		memcpy(sig, probe_sig, sizeof(probe_sig));
	pthread_mutex_unlock(&probe_lock);
	return rc;
}

unsigned int kvm_cpuid_probe_runs(void)
{
	unsigned int n;

	pthread_mutex_lock(&probe_lock);
	n = probe_runs;
	pthread_mutex_unlock(&probe_lock);
	return n;
}
