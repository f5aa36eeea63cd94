/*
 * Guest-virtual hypercall pointers: the page-table walk of guest_access.c.
 *
 * Page tables are built by hand in a harness domain's scratch pages
 * (guest-physical), with 4 KiB, 2 MiB and 1 GiB leaves, holes at every
 * level, a read-only and a supervisor-only page, a table outside the P2M,
 * and two virtually adjacent pages backed by physical pages in reverse
 * order. Accesses go through guest_walk() directly, through
 * copy_from_guest/copy_to_guest with a caller's paging state, and through
 * real hypercalls carrying it. Every failure is -EFAULT and the audit
 * passes after it.
 */
#include <errno.h>
#include <string.h>

#include <hv/guest_access.h>
#include <public/memory.h>
#include <public/version.h>
#include <public/xen.h>

#include "harness.h"

/* Scratch pages (offsets) */
#define S_PML4 0x0000
#define S_PDPT 0x1000
#define S_PD 0x2000
#define S_PT 0x3000
#define S_A 0x4000 /* data page A */
#define S_B 0x5000 /* data page B */
#define S_ARG 0x7000 /* physical argument area */

#define P 0x1ULL
#define RW 0x2ULL
#define US 0x4ULL
#define PS 0x80ULL

/* Linear addresses: PML4 slot 0x100 (a 512 GiB region at 128 TiB). */
#define VA_BASE 0x0000400000000000ULL
#define VA_PT (VA_BASE)                 /* pdpt[0] -> pd[0] -> pt */
#define VA_2M (VA_BASE + (1ULL << 21))  /* pd[1]: 2 MiB leaf over the scratch */
#define VA_1G (VA_BASE + (1ULL << 30))  /* pdpt[1]: 1 GiB leaf over gpa 0 */
#define VA_NOPD (VA_BASE + (2ULL << 30)) /* pdpt[2]: not present */
#define VA_NOPT (VA_BASE + (2ULL << 21)) /* pd[2]: not present */
#define VA_BADT (VA_BASE + (3ULL << 21)) /* pd[3]: table outside the P2M */
#define VA_RSVD (VA_BASE + (4ULL << 21)) /* pd[4]: 2 MiB leaf, reserved bit */
#define VA_PG(n) (VA_PT + (uint64_t)(n) * PAGE_SIZE)
/* pt[0] -> B, pt[1] -> A (adjacent virtually, reversed physically),
 * pt[2] -> A read-only, pt[3] not present, pt[4] -> gfn outside the P2M,
 * pt[5] -> A supervisor-only. */

static void set_pte(struct domain *d, uint64_t table_off, unsigned int idx, uint64_t e)
{
	h_put(d, table_off + idx * 8, &e, sizeof(e));
}

static void build_tables(struct domain *d)
{
	static const uint8_t zero[PAGE_SIZE];
	unsigned int i4 = (VA_BASE >> 39) & 511;

	for (uint64_t off = 0; off < 8 * PAGE_SIZE; off += PAGE_SIZE)
		h_put(d, off, zero, sizeof(zero));
	set_pte(d, S_PML4, i4, h_gpa(S_PDPT) | P | RW | US);
	set_pte(d, S_PML4, i4 + 1, h_gpa(S_PDPT) | P | RW | US | PS); /* PS is reserved here */
	set_pte(d, S_PDPT, 0, h_gpa(S_PD) | P | RW | US);
	set_pte(d, S_PDPT, 1, 0 | P | RW | US | PS);
	set_pte(d, S_PD, 0, h_gpa(S_PT) | P | RW | US);
	set_pte(d, S_PD, 1, H_SCRATCH_GPA | P | RW | US | PS); /* scratch is 2 MiB aligned */
	set_pte(d, S_PD, 3, 0x7000000000ULL | P | RW | US);
	set_pte(d, S_PD, 4, H_SCRATCH_GPA | P | RW | US | PS | (1ULL << 13));
	set_pte(d, S_PT, 0, h_gpa(S_B) | P | RW | US);
	set_pte(d, S_PT, 1, h_gpa(S_A) | P | RW | US);
	set_pte(d, S_PT, 2, h_gpa(S_A) | P | US);
	set_pte(d, S_PT, 4, 0x7000000000ULL | P | RW | US);
	set_pte(d, S_PT, 5, h_gpa(S_A) | P | RW);
}

static struct hv_paging long_mode(unsigned int cpl, bool wp)
{
	struct hv_paging pg = {
		.valid = true,
		.cpl = (uint8_t)cpl,
		.cr0 = 0x80000001ULL | (wp ? 1ULL << 16 : 0),
		.cr3 = h_gpa(S_PML4),
		.cr4 = 0x20,
		.efer = 0x500,
	};
	return pg;
}

static int walk(struct harness *h, struct domain *d, struct hv_paging *pg, uint64_t la,
		bool write, paddr_t *gpa)
{
	int rc;

	hv_lock(h->hv);
	rc = guest_walk(d, pg, la, write, gpa);
	hv_unlock(h->hv);
	return rc;
}

/* copy_{from,to}_guest as a handler of a call with paging state pg would. */
static int copy_as(struct harness *h, struct domain *d, struct hv_paging *pg, uint64_t la,
		   void *buf, size_t len, bool write)
{
	int rc;

	hv_lock(h->hv);
	d->hcall_paging = pg;
	rc = write ? copy_to_guest(d, la, buf, len) : copy_from_guest(d, buf, la, len);
	d->hcall_paging = NULL;
	hv_unlock(h->hv);
	return rc;
}

static int64_t call_as(struct harness *h, struct domain *d, struct hv_paging pg, uint64_t nr,
		       uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct hv_hcall hc = {.nr = nr, .args = {a0, a1, a2}, .pg = pg};

	return hv_hypercall_run(h->hv, d, &hc);
}

static void test_walk_leaves(void **state)
{
	struct harness h;
	struct domain *d;
	struct hv_paging pg;
	paddr_t gpa = 0;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "walk", 0, 1024);
	build_tables(d);
	pg = long_mode(3, true);

	/* 4 KiB leaves, offsets kept */
	assert_int_equal(walk(&h, d, &pg, VA_PG(0) + 0x123, false, &gpa), 0);
	assert_int_equal(gpa, h_gpa(S_B) + 0x123);
	assert_int_equal(walk(&h, d, &pg, VA_PG(1) + 0xff8, true, &gpa), 0);
	assert_int_equal(gpa, h_gpa(S_A) + 0xff8);
	/* 2 MiB leaf: offset inside the 2 MiB */
	assert_int_equal(walk(&h, d, &pg, VA_2M + S_B + 8, true, &gpa), 0);
	assert_int_equal(gpa, h_gpa(S_B) + 8);
	/* 1 GiB leaf over gpa 0 */
	assert_int_equal(walk(&h, d, &pg, VA_1G + h_gpa(S_A) + 4, false, &gpa), 0);
	assert_int_equal(gpa, h_gpa(S_A) + 4);
	h_fini(&h);
}

static void test_walk_faults(void **state)
{
	struct harness h;
	struct domain *d;
	struct hv_paging pg, pg0, bad;
	paddr_t gpa;
	uint64_t v = 0;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "walkf", 0, 1024);
	build_tables(d);
	pg = long_mode(3, true);

	/* not present at each level */
	assert_int_equal(walk(&h, d, &pg, VA_BASE - (1ULL << 39), false, &gpa), -EFAULT);
	assert_int_equal(walk(&h, d, &pg, VA_NOPD, false, &gpa), -EFAULT);
	assert_int_equal(walk(&h, d, &pg, VA_NOPT, false, &gpa), -EFAULT);
	assert_int_equal(walk(&h, d, &pg, VA_PG(3), false, &gpa), -EFAULT);
	/* PS in a PML4 entry, reserved bits in a 2 MiB leaf */
	assert_int_equal(walk(&h, d, &pg, VA_BASE + (1ULL << 39), false, &gpa), -EFAULT);
	assert_int_equal(walk(&h, d, &pg, VA_RSVD, false, &gpa), -EFAULT);
	/* a table outside the P2M, and CR3 outside it */
	assert_int_equal(walk(&h, d, &pg, VA_BADT, false, &gpa), -EFAULT);
	bad = pg;
	bad.cr3 = 0x7000000000ULL;
	assert_int_equal(walk(&h, d, &bad, VA_PG(0), false, &gpa), -EFAULT);
	/* non-canonical */
	assert_int_equal(walk(&h, d, &pg, 0x0000800000000000ULL, false, &gpa), -EFAULT);
	assert_int_equal(walk(&h, d, &pg, 0xffff7fffffffe000ULL, false, &gpa), -EFAULT);
	/* read-only: readable, not writable (CPL3, or CPL0 with CR0.WP) */
	assert_int_equal(walk(&h, d, &pg, VA_PG(2), false, &gpa), 0);
	assert_int_equal(walk(&h, d, &pg, VA_PG(2), true, &gpa), -EFAULT);
	pg0 = long_mode(0, true);
	assert_int_equal(walk(&h, d, &pg0, VA_PG(2), true, &gpa), -EFAULT);
	pg0 = long_mode(0, false);
	assert_int_equal(walk(&h, d, &pg0, VA_PG(2), true, &gpa), 0);
	/* supervisor-only: a CPL3 caller faults, a CPL0 one does not */
	assert_int_equal(walk(&h, d, &pg, VA_PG(5), false, &gpa), -EFAULT);
	assert_int_equal(walk(&h, d, &pg0, VA_PG(5), false, &gpa), 0);
	assert_int_equal(gpa, h_gpa(S_A));
	/* 5-level and 32-bit paging are not supported */
	bad = pg;
	bad.cr4 |= 1ULL << 12;
	assert_int_equal(walk(&h, d, &bad, VA_PG(0), false, &gpa), -EFAULT);
	bad = pg;
	bad.efer = 0;
	assert_int_equal(walk(&h, d, &bad, VA_PG(0), false, &gpa), -EFAULT);

	/* the copies fail the same way, including a leaf outside the P2M */
	assert_int_equal(copy_as(&h, d, &pg, VA_PG(4), &v, sizeof(v), false), -EFAULT);
	assert_int_equal(copy_as(&h, d, &pg, VA_PG(2), &v, sizeof(v), true), -EFAULT);
	assert_int_equal(copy_as(&h, d, &pg, VA_PG(2), &v, sizeof(v), false), 0);
	/* a translation remembered from a read does not allow a write */
	assert_int_equal(copy_as(&h, d, &pg, VA_PG(2) + 8, &v, sizeof(v), true), -EFAULT);
	/* a copy that runs from a good page into a missing one */
	assert_int_equal(copy_as(&h, d, &pg, VA_PG(3) - 4, &v, sizeof(v), false), -EFAULT);
	h_audit(&h);
	h_fini(&h);
}

/* A buffer straddling two virtually adjacent pages backed by B then A. */
static void test_walk_straddle(void **state)
{
	struct harness h;
	struct domain *d;
	struct hv_paging pg;
	uint8_t buf[64], out[64], a[32], b[32];

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "straddle", 0, 1024);
	build_tables(d);
	pg = long_mode(3, true);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(copy_as(&h, d, &pg, VA_PG(1) - 32, buf, sizeof(buf), true), 0);
	h_get(d, S_B + PAGE_SIZE - 32, b, sizeof(b));
	h_get(d, S_A, a, sizeof(a));
	assert_memory_equal(b, buf, 32);
	assert_memory_equal(a, buf + 32, 32);
	memset(out, 0, sizeof(out));
	assert_int_equal(copy_as(&h, d, &pg, VA_PG(1) - 32, out, sizeof(out), false), 0);
	assert_memory_equal(out, buf, sizeof(buf));
	h_audit(&h);
	h_fini(&h);
}

static int fetches;

static int fetch_ok(void *ctx, struct hv_paging *pg)
{
	*pg = long_mode(3, true);
	pg->fetch = fetch_ok;
	pg->ctx = ctx;
	fetches++;
	return 0;
}

static int fetch_fail(void *ctx, struct hv_paging *pg)
{
	(void)ctx;
	(void)pg;
	fetches++;
	return -EIO;
}

/* Real hypercalls whose pointers (and handles inside structures) are linear. */
static void test_walk_hypercalls(void **state)
{
	struct harness h;
	struct domain *d;
	struct hv_paging pg, lazy = {.fetch = fetch_ok}, broken = {.fetch = fetch_fail};
	struct xen_compile_info phys_ci, virt_ci;
	struct xen_memory_reservation r;
	uint8_t tmp[sizeof(virt_ci)];
	uint64_t straddle = VA_PG(1) - 64, gfns[2];
	domid_t self = DOMID_SELF;
	int64_t rc;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "hcall", 0, 1024);
	build_tables(d);
	pg = long_mode(3, true);

	/* a pointer argument: the domid read through the 4 KiB page B */
	h_put(d, S_B + 0x10, &self, sizeof(self));
	rc = call_as(&h, d, pg, __HYPERVISOR_memory_op, XENMEM_current_reservation,
		     VA_PG(0) + 0x10, 0);
	assert_int_equal(rc, (int64_t)d->tot_pages);
	/* the same linear address taken as physical is not in the P2M */
	assert_int_equal(h_call(&h, d, __HYPERVISOR_memory_op, XENMEM_current_reservation,
				VA_PG(0) + 0x10, 0, 0, 0), -EFAULT);
	/* read-only and missing pages */
	assert_int_equal(call_as(&h, d, pg, __HYPERVISOR_xen_version, XENVER_extraversion,
				 VA_PG(2), 0), -EFAULT);
	assert_int_equal(call_as(&h, d, pg, __HYPERVISOR_xen_version, XENVER_extraversion,
				 VA_PG(3), 0), -EFAULT);

	/* a 144-byte result straddling B and A: same bytes as a physical call */
	assert_int_equal(h_call(&h, d, __HYPERVISOR_xen_version, XENVER_compile_info,
				h_gpa(S_ARG), 0, 0, 0), 0);
	h_get(d, S_ARG, &phys_ci, sizeof(phys_ci));
	assert_int_equal(call_as(&h, d, pg, __HYPERVISOR_xen_version, XENVER_compile_info,
				 straddle, 0), 0);
	h_get(d, S_B + PAGE_SIZE - 64, tmp, 64);
	h_get(d, S_A, tmp + 64, sizeof(tmp) - 64);
	memcpy(&virt_ci, tmp, sizeof(virt_ci));
	assert_memory_equal(&virt_ci, &phys_ci, sizeof(phys_ci));

	/* a handle inside a structure: the extent list behind a 2 MiB leaf,
	 * the structure behind the 1 GiB leaf */
	gfns[0] = 0x20000;
	gfns[1] = 0x20001;
	h_put(d, S_A + 0x800, gfns, sizeof(gfns));
	memset(&r, 0, sizeof(r));
	r.extent_start = VA_2M + S_A + 0x800;
	r.nr_extents = 2;
	r.domid = DOMID_SELF;
	h_put(d, S_ARG + 0x100, &r, sizeof(r));
	rc = call_as(&h, d, pg, __HYPERVISOR_memory_op, XENMEM_populate_physmap,
		     VA_1G + h_gpa(S_ARG + 0x100), 0);
	assert_int_equal(rc, 2);
	h_audit(&h);
	/* the extent list behind a missing page: nothing done (Xen returns the
	 * extents done so far), the structure itself behind it: -EFAULT */
	r.extent_start = VA_PG(3);
	h_put(d, S_ARG + 0x100, &r, sizeof(r));
	rc = call_as(&h, d, pg, __HYPERVISOR_memory_op, XENMEM_populate_physmap,
		     VA_1G + h_gpa(S_ARG + 0x100), 0);
	assert_int_equal(rc, 0);
	rc = call_as(&h, d, pg, __HYPERVISOR_memory_op, XENMEM_populate_physmap, VA_PG(3), 0);
	assert_int_equal(rc, -EFAULT);
	h_audit(&h);

	/* the transport's state is fetched once per call, at the first pointer */
	fetches = 0;
	rc = call_as(&h, d, lazy, __HYPERVISOR_memory_op, XENMEM_populate_physmap,
		     VA_1G + h_gpa(S_ARG + 0x100), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(fetches, 1);
	rc = call_as(&h, d, lazy, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
	assert_int_equal(fetches, 1);
	/* a transport that cannot read it: -EFAULT */
	assert_int_equal(call_as(&h, d, broken, __HYPERVISOR_memory_op,
				 XENMEM_current_reservation, VA_PG(0) + 0x10, 0), -EFAULT);
	assert_int_equal(fetches, 2);
	/* paging off (CR0.PG clear): physical */
	pg.cr0 = 1;
	h_put(d, S_ARG, &self, sizeof(self));
	assert_int_equal(call_as(&h, d, pg, __HYPERVISOR_memory_op, XENMEM_current_reservation,
				 h_gpa(S_ARG), 0), (int64_t)d->tot_pages);
	h_audit(&h);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_leaves),
		cmocka_unit_test(test_walk_faults),
		cmocka_unit_test(test_walk_straddle),
		cmocka_unit_test(test_walk_hypercalls),
	};

	return cmocka_run_group_tests_name("guest_walk", tests, NULL, NULL);
}
