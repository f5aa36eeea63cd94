/*
 * multicall (hypercall 13) with Xen's semantics (xen-facts-devices 5):
 * per-entry results, failures that do not stop the batch, nested multicall
 * and unknown calls refused per entry, a bad list refused for the call,
 * continuations (the batch preempted between entries, an entry's own call
 * stopping part-way) transparent to the guest. The audit runs after each.
 */
#include <errno.h>
#include <string.h>

#include <public/memory.h>
#include <public/sysctl.h>
#include <public/version.h>
#include <public/xen.h>

#include "harness.h"

#define RAM_GFN 0x40000ULL

static struct multicall_entry ent(uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct multicall_entry e = {.op = op, .result = 0xdeadbeefULL, .args = {a0, a1, a2}};

	return e;
}

static int64_t multicall(struct harness *h, struct domain *d, uint64_t list, uint64_t nr)
{
	return h_call(h, d, __HYPERVISOR_multicall, list, nr, 0, 0, 0);
}

/* Every entry runs, in order, with its own result; errors do not stop it. */
static void test_results(void **state)
{
	struct harness h;
	struct domain *d, *dom0;
	struct multicall_entry e[8];
	struct xen_sysctl sc;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "u", 0, 64);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 64);
	memset(&sc, 0, sizeof(sc));
	sc.cmd = XEN_SYSCTL_physinfo;
	sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	h_put(d, 0x1000, &sc, sizeof(sc));
	e[0] = ent(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
	e[1] = ent(__HYPERVISOR_xen_version, XENVER_pagesize, h_gpa(0x800), 0); /* -EINVAL */
	e[2] = ent(99, 0, 0, 0);                                                /* -ENOSYS */
	e[3] = ent(__HYPERVISOR_multicall, h_gpa(0), 1, 0);                     /* nested */
	e[4] = ent(1ULL << 40, 0, 0, 0);                                        /* -ENOSYS */
	e[5] = ent(__HYPERVISOR_sysctl, h_gpa(0x1000), 0, 0); /* a DomU: -EPERM */
	e[6] = ent(__HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0);
	e[7] = ent(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	h_put(d, 0, e, sizeof(e));
	assert_int_equal(multicall(&h, d, h_gpa(0), 8), 0);
	h_get(d, 0, e, sizeof(e));
	assert_int_equal(e[0].result, XEN_VERSION_ENCODED);
	assert_int_equal((int64_t)e[1].result, -EINVAL);
	assert_int_equal((int64_t)e[2].result, -ENOSYS);
	assert_int_equal((int64_t)e[3].result, -EINVAL);
	assert_int_equal((int64_t)e[4].result, -ENOSYS);
	assert_int_equal((int64_t)e[5].result, -EPERM);
	assert_int_equal(e[6].result, (GiB(4) + MiB(64)) >> PAGE_SHIFT);
	assert_int_equal(e[7].result, 4096);
	/* Only result is written: op and args as the guest left them. */
	assert_int_equal(e[3].op, __HYPERVISOR_multicall);
	assert_int_equal(e[3].args[0], h_gpa(0));
	/* Privilege is the caller's, as for a direct call. */
	h_put(dom0, 0x1000, &sc, sizeof(sc));
	e[0] = ent(__HYPERVISOR_sysctl, h_gpa(0x1000), 0, 0);
	h_put(dom0, 0, e, sizeof(e[0]));
	assert_int_equal(multicall(&h, dom0, h_gpa(0), 1), 0);
	h_get(dom0, 0, e, sizeof(e[0]));
	assert_int_equal(e[0].result, 0);
	/* An empty batch does nothing and succeeds, whatever the pointer. */
	assert_int_equal(multicall(&h, d, 0x77770000, 0), 0);
	h_audit(&h);
	h_fini(&h);
}

/* A list that cannot be read (or written) fails the call with -EFAULT;
 * the entries before the bad one have run. */
static void test_bad_list(void **state)
{
	struct harness h;
	struct domain *d;
	struct multicall_entry e = ent(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
	uint64_t last = H_SCRATCH_PAGES * PAGE_SIZE - sizeof(e);

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "u", 0, 64);
	assert_int_equal(multicall(&h, d, 0x77770000, 1), -EFAULT);
	assert_int_equal(multicall(&h, d, 0, 3), -EFAULT);
	/* Entry 0 is the scratch area's last; entry 1 lies past it. */
	h_put(d, last, &e, sizeof(e));
	assert_int_equal(multicall(&h, d, h_gpa(last), 2), -EFAULT);
	h_get(d, last, &e, sizeof(e));
	assert_int_equal(e.result, XEN_VERSION_ENCODED);
	h_audit(&h);
	h_fini(&h);
}

/* An entry whose call stops part-way (a populate of more extents than one
 * step takes) continues inside the multicall: the single step returns a
 * continuation of the multicall at that entry, and the run completes it. */
static void test_entry_continuation(void **state)
{
	enum { N = HCALL_PREEMPT_EVERY + 300 };
	struct harness h;
	struct domain *d;
	struct xen_memory_reservation r;
	struct multicall_entry e[3];
	struct hv_hcall hc;
	uint64_t *gfns;
	int64_t rc;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "u", 0, N + 64);
	gfns = h_va(d, h_gpa(0x1000));
	for (uint64_t i = 0; i < N; i++)
		gfns[i] = RAM_GFN + i;
	memset(&r, 0, sizeof(r));
	r.extent_start = h_gpa(0x1000);
	r.nr_extents = N;
	r.domid = DOMID_SELF;
	h_put(d, 0x200, &r, sizeof(r));
	e[0] = ent(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
	e[1] = ent(__HYPERVISOR_memory_op, XENMEM_populate_physmap, h_gpa(0x200), 0);
	e[2] = ent(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
	h_put(d, 0, e, sizeof(e));

	hc = (struct hv_hcall){.nr = __HYPERVISOR_multicall, .args = {h_gpa(0), 3}};
	rc = hv_hypercall(h.hv, d, &hc);
	assert_int_equal(rc, HV_HCALL_CONTINUE);
	assert_int_equal(hc.args[0], h_gpa(sizeof(e[0])));
	assert_int_equal(hc.args[1], 2);
	h_get(d, 0, e, sizeof(e));
	assert_int_equal(e[0].result, XEN_VERSION_ENCODED);
	/* The sub-call's own continuation is in the entry (start extent in
	 * the command's high bits), as Xen rewrites it. */
	assert_true(e[1].args[0] >> MEMOP_EXTENT_SHIFT);
	h_audit(&h);
	rc = hv_hypercall_run(h.hv, d, &hc);
	assert_int_equal(rc, 0);
	h_get(d, 0, e, sizeof(e));
	assert_int_equal(e[1].result, N);
	assert_int_equal(e[2].result, 4096);
	assert_int_equal(d->tot_pages, N + H_SCRATCH_PAGES);
	h_audit(&h);
	h_fini(&h);
}

/* A long batch is preempted between entries (bounded lock hold) and
 * resumes where it stopped. */
static void test_batch_preemption(void **state)
{
	enum { N = HCALL_PREEMPT_EVERY * 2 + 5 };
	struct harness h;
	struct domain *d;
	struct multicall_entry *e;
	struct hv_hcall hc;
	uint64_t list = RAM_GFN << PAGE_SHIFT;
	unsigned int steps = 0;
	int64_t rc;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "u", 0, 256);
	for (unsigned int i = 0; i < (N * sizeof(*e) + PAGE_SIZE - 1) / PAGE_SIZE; i += 16)
		h_populate(&h, d, RAM_GFN + i, 16);
	e = h_va(d, list);
	for (unsigned int i = 0; i < N; i++)
		e[i] = ent(__HYPERVISOR_xen_version, i % 2 ? XENVER_pagesize : XENVER_version, 0, 0);
	hc = (struct hv_hcall){.nr = __HYPERVISOR_multicall, .args = {list, N}};
	do {
		rc = hv_hypercall(h.hv, d, &hc);
		steps++;
		if (rc == HV_HCALL_CONTINUE)
			assert_int_equal(hc.args[0], list + (uint64_t)steps * HCALL_PREEMPT_EVERY * sizeof(*e));
	} while (rc == HV_HCALL_CONTINUE);
	assert_int_equal(rc, 0);
	assert_int_equal(steps, 3);
	for (unsigned int i = 0; i < N; i++)
		assert_int_equal(e[i].result, i % 2 ? 4096 : XEN_VERSION_ENCODED);
	h_audit(&h);
	h_fini(&h);
}

/* An entry that stops the domain ends its batch: the rest never runs. */
static void test_shutdown_ends_batch(void **state)
{
	struct harness h;
	struct domain *d;
	struct sched_shutdown s = {.reason = SHUTDOWN_poweroff};
	struct multicall_entry e[2];

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "u", 0, 64);
	h_put(d, 0x800, &s, sizeof(s));
	e[0] = ent(__HYPERVISOR_sched_op, SCHEDOP_shutdown, h_gpa(0x800), 0);
	e[1] = ent(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
	h_put(d, 0, e, sizeof(e));
	assert_int_equal(multicall(&h, d, h_gpa(0), 2), 0);
	h_get(d, 0, e, sizeof(e));
	assert_int_equal(e[0].result, 0);
	assert_int_equal(e[1].result, 0xdeadbeefULL);
	assert_int_equal(d->state, DOMS_shutdown);
	h_audit(&h);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_bad_list),
		cmocka_unit_test(test_entry_continuation),
		cmocka_unit_test(test_batch_preemption),
		cmocka_unit_test(test_shutdown_ends_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
