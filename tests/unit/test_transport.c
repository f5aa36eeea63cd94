/*
 * The transport interface (vmm/transport.h) as its two users drive it, seen
 * through a recording transport that is neither KVM nor in-process:
 * - the realization creates a VM with each domain's window, tells it of
 *   every range that gains or loses a mapping, and destroys it with the
 *   domain;
 * - the runner loads, adds device windows, runs and reports a domain
 *   through the ops alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/build.h>
#include <hv/domain.h>
#include <hv/guestdt.h>
#include <hv/realize.h>
#include <public/memory.h>
#include <public/version.h>
#include <public/xen.h>

#include "harness.h"
#include "runner.h"

#define RAM_BASE 0x40000000ULL
#define RAM_SIZE (16ULL << 20)
#define DEV_BASE 0x30000000ULL

struct rec_vm {
	struct vmm_dom *vd;
	uint64_t added, removed; /* bytes */
	unsigned int adds, removes, loads, runs, devices;
	uint64_t dev_gpa, dev_len;
	const struct guest_program *prog_seen;
	void (*main_seen)(void);
};

static struct {
	struct transport t;
	unsigned int creates, destroys;
	unsigned int bad_ranges; /* not page aligned or outside the window */
	struct rec_vm *last;
} rec;

static void check_range(struct vmm_dom *vd, uint64_t gpa, uint64_t len)
{
	if (!len || (gpa | len) & (PAGE_SIZE - 1) || gpa >= vd->window_size ||
	    len > vd->window_size - gpa)
		rec.bad_ranges++;
}

static int rec_create(struct transport *t, struct vmm_dom *vd)
{
	struct rec_vm *vm = calloc(1, sizeof(*vm));

	(void)t;
	if (!vm)
		return -ENOMEM;
	vm->vd = vd;
	vd->transport = vm;
	rec.creates++;
	rec.last = vm;
	return 0;
}

static void rec_destroy(struct transport *t, struct vmm_dom *vd)
{
	(void)t;
	rec.destroys++;
	if (rec.last == vd->transport)
		rec.last = NULL;
	free(vd->transport);
	vd->transport = NULL;
}

static int rec_add_memory(struct transport *t, struct vmm_dom *vd, uint64_t gpa, uint64_t len)
{
	struct rec_vm *vm = vd->transport;

	(void)t;
	check_range(vd, gpa, len);
	vm->added += len;
	vm->adds++;
	return 0;
}

static void rec_remove_memory(struct transport *t, struct vmm_dom *vd, uint64_t gpa,
			      uint64_t len)
{
	struct rec_vm *vm = vd->transport;

	(void)t;
	check_range(vd, gpa, len);
	vm->removed += len;
	vm->removes++;
}

static int rec_add_device(struct transport *t, struct vmm_dom *vd, uint64_t gpa, uint64_t len)
{
	struct rec_vm *vm = vd->transport;

	(void)t;
	check_range(vd, gpa, len);
	vm->devices++;
	vm->dev_gpa = gpa;
	vm->dev_len = len;
	return 0;
}

static int rec_load(struct transport *t, struct vmm_dom *vd, const struct guest_mem *gm,
		    const struct guest_program *prog, struct elf_image *img, char *err,
		    size_t errlen)
{
	struct rec_vm *vm = vd->transport;

	(void)t;
	(void)err;
	(void)errlen;
	vm->loads++;
	vm->main_seen = prog->main;
	/* The runner hands over the memory map it collected from the P2M. */
	if (gm->nr_ram != 1 || gm->ram[0].base != RAM_BASE || gm->ram[0].size != RAM_SIZE)
		return -1;
	img->entry = RAM_BASE + 0x1000;
	return 0;
}

static int rec_run(struct transport *t, struct vmm_dom *vd, const struct guest_boot *b,
		   const struct guest_ops *ops, void *ctx, struct guest_exit *ex)
{
	struct rec_vm *vm = vd->transport;
	struct hv_hcall hc = {.nr = __HYPERVISOR_sched_op, .args = {SCHEDOP_shutdown}};
	struct sched_shutdown sd = {.reason = SHUTDOWN_poweroff};

	(void)t;
	vm->runs++;
	memset(ex, 0, sizeof(*ex));
	if (b->entry != RAM_BASE + 0x1000) {
		guest_exit_crash(ex, "wrong entry %#llx", (unsigned long long)b->entry);
		return 0;
	}
	/* The guest shuts itself down: argument in its RAM, one hypercall. */
	if (ops->write_guest(ctx, RAM_BASE, &sd, sizeof(sd))) {
		guest_exit_crash(ex, "cannot write guest RAM");
		return 0;
	}
	hc.args[1] = RAM_BASE;
	ops->hypercall(ctx, &hc);
	if (!ops->stopped(ctx, ex))
		guest_exit_crash(ex, "still running after its shutdown");
	return 0;
}

static void rec_stop(struct transport *t, struct vmm_dom *vd)
{
	(void)t;
	(void)vd;
}

static const struct transport_ops rec_ops = {
	.create = rec_create,
	.destroy = rec_destroy,
	.add_memory = rec_add_memory,
	.remove_memory = rec_remove_memory,
	.add_device = rec_add_device,
	.load = rec_load,
	.run = rec_run,
	.stop = rec_stop,
};

static void rec_init(struct harness *h)
{
	memset(&rec, 0, sizeof(rec));
	rec.t = (struct transport){.ops = &rec_ops, .name = "record", .page_tables = false};
	vmm_set_transport(&h->vmm, &rec.t);
}

static void test_realization_drives_transport(void **state)
{
	enum { N = 16, BASE = 0x100 };
	struct harness h;
	struct domain *d;
	struct rec_vm *vm;
	uint64_t gfns[N], added0;

	(void)state;
	h_init_default(&h);
	rec_init(&h);
	d = h_domain(&h, "rec", 0, 1024);
	/* The VM exists from domain creation, before anything runs. */
	assert_int_equal(rec.creates, 1);
	vm = vmm_dom(d)->transport;
	assert_non_null(vm);
	assert_ptr_equal(vm->vd, vmm_dom(d));
	/* Everything realized so far (the harness's scratch pages) reached it. */
	assert_true(vm->added > 0);
	assert_int_equal(vm->added, vmm_dom(d)->mapped_pages << PAGE_SHIFT);

	added0 = vm->added;
	for (unsigned int i = 0; i < N; i++)
		gfns[i] = BASE + i;
	assert_int_equal(h_reservation(&h, d, XENMEM_populate_physmap, gfns, N, 0, DOMID_SELF),
			 N);
	assert_int_equal(vm->added - added0, (uint64_t)N * PAGE_SIZE);
	assert_int_equal(vm->removed, 0);
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, gfns, N, 0,
				       DOMID_SELF), N);
	assert_int_equal(vm->removed, (uint64_t)N * PAGE_SIZE);
	/* Coalesced by the core: one contiguous run is one call each way. */
	assert_int_equal(vm->removes, 1);
	h_audit(&h);
	assert_int_equal(rec.bad_ranges, 0);

	hv_lock(h.hv);
	domain_destroy(d);
	hv_realize_flush(h.hv);
	hv_unlock(h.hv);
	assert_int_equal(rec.destroys, 1);
	assert_null(rec.last);
	h_fini(&h);
	assert_int_equal(rec.creates, rec.destroys);
}

static void hosted_main(void) {}

static void test_runner_only_through_ops(void **state)
{
	static uint8_t dtb[16384];
	struct ext_span mem = {.start = RAM_BASE, .size = RAM_SIZE};
	const struct build_device *dd = &runner_devices[RUNNER_DEV_DMA];
	struct guestdt_device dma = {dd->node, dd->compatible, DEV_BASE, dd->size, 0};
	struct guestdt_info gi = {
		.xen_major = XEN_VERSION_MAJOR, .xen_minor = XEN_VERSION_MINOR,
		.addr_cells = 2, .size_cells = 2, .mem = &mem, .nr_mem = 1,
		.devices = &dma, .nr_devices = 1,
	};
	struct domain_config cfg = {.name = "run", .max_pages = RAM_SIZE >> PAGE_SHIFT,
				    .domid = -1};
	struct harness h;
	struct runner r;
	struct runner_dom rd;
	struct rec_vm *vm;
	char err[256], *log = NULL;
	size_t log_len = 0;
	int rc;

	(void)state;
	h_init_default(&h);
	rec_init(&h);
	memset(&rd, 0, sizeof(rd));
	hv_lock(h.hv);
	rd.d = domain_create(h.hv, &cfg, &rc);
	assert_non_null(rd.d);
	assert_int_equal(build_populate_range(rd.d, RAM_BASE, RAM_SIZE), 0);
	hv_realize_flush(h.hv);
	hv_unlock(h.hv);
	assert_true(guestdt_build(dtb, sizeof(dtb), &gi, NULL) > 0);

	memset(&r, 0, sizeof(r));
	r.m = &h.vmm;
	r.out = open_memstream(&log, &log_len);
	r.err = r.out;
	r.dom = &rd;
	r.nr = 1;
	rd.dtb = dtb;
	rd.guest_main = hosted_main;
	rd.dev_base[RUNNER_DEV_DMA] = DEV_BASE;
	assert_int_equal(runner_prepare(&r, &rd, err, sizeof(err)), 0);
	vm = vmm_dom(rd.d)->transport;
	assert_int_equal(vm->loads, 1);
	assert_ptr_equal(vm->main_seen, hosted_main);
	assert_int_equal(vm->devices, 1);
	assert_int_equal(vm->dev_gpa, DEV_BASE);
	assert_int_equal(vm->dev_len, dd->size);

	assert_int_equal(runner_run(&r), 0);
	fclose(r.out);
	assert_int_equal(vm->runs, 1);
	assert_int_equal(rd.ex.kind, GEXIT_SHUTDOWN);
	assert_int_equal(rd.ex.reason, SHUTDOWN_poweroff);
	assert_non_null(strstr(log, "shut down (poweroff)"));
	free(log);
	runner_release(&r);
	assert_int_equal(rec.bad_ranges, 0);
	h_audit(&h);
	h_fini(&h);
	assert_int_equal(rec.creates, rec.destroys);
}

/* A vmm without a transport realizes memory but cannot run anything. */
static void test_runner_needs_transport(void **state)
{
	struct harness h;
	struct runner r;
	struct runner_dom rd;
	char err[256];

	(void)state;
	h_init_default(&h);
	memset(&r, 0, sizeof(r));
	memset(&rd, 0, sizeof(rd));
	r.m = &h.vmm;
	rd.d = h_domain(&h, "none", 0, 1024);
	assert_null(vmm_dom(rd.d)->transport);
	assert_int_equal(runner_prepare(&r, &rd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no transport"));
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_realization_drives_transport),
		cmocka_unit_test(test_runner_only_through_ops),
		cmocka_unit_test(test_runner_needs_transport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
