/*
 * End to end: systems/static-dom0less.dts, compiled by dtc, parsed
 * (bootinfo_parse), planned (layout_plan) and built (build_system) on a
 * real hypervisor whose machine RAM is the DT's RAM. Checks what each
 * domain got, then a balloon scenario in each static domain through its own
 * hypercalls (arguments in its own RAM): pages given up and taken back are
 * the same frames, read zero when they come back, and the rest of memory
 * keeps its data. Also: a system with a bad static bank is refused before
 * anything is claimed (no domain half-built, the heap untouched).
 *
 * argv[1] is the compiled DTB (meson passes it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/bootinfo.h>
#include <hv/build.h>
#include <hv/domain.h>
#include <hv/layout.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/realize.h>
#include <hv/staticmem.h>
#include <public/memory.h>
#include <public/xen.h>

#include "harness.h"
#include "runner.h"

static const char *dtb_path;

struct sys {
	struct harness h;
	struct bootinfo bi;
	struct layout_plan plan;
	struct build_result res;
	void *blob;
};

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Parses and plans the system, and starts a hypervisor on its RAM. */
static void sys_init(struct sys *s)
{
	struct bootinfo_opts bo = {.policy = XEN_POLICY_LATEST};
	struct layout_opts lo = {.policy = XEN_POLICY_LATEST, .iommu = -1, .no_dom0 = true};
	paddr_t banks[FRAME_MAX_BANKS][2];
	size_t len;

	memset(s, 0, sizeof(*s));
	s->blob = read_file(dtb_path, &len);
	assert_int_equal(bootinfo_parse(&s->bi, s->blob, len, &bo), 0);
	for (unsigned int i = 0; i < s->bi.nr_diag; i++)
		if (s->bi.diag[i].level == BOOTINFO_ERR)
			fail_msg("%s: %s", s->bi.diag[i].path, s->bi.diag[i].msg);
	assert_int_equal(layout_plan(&s->bi, &lo, &s->plan), 0);
	assert_true(s->bi.ram.n <= FRAME_MAX_BANKS);
	for (unsigned int i = 0; i < s->bi.ram.n; i++) {
		banks[i][0] = s->bi.ram.s[i].start;
		banks[i][1] = s->bi.ram.s[i].size;
	}
	h_init(&s->h, (const paddr_t(*)[2])banks, s->bi.ram.n);
}

static void sys_fini(struct sys *s)
{
	build_result_free(&s->res);
	layout_free(&s->plan);
	bootinfo_free(&s->bi);
	free(s->blob);
	h_fini(&s->h);
}

static struct domain *dom(struct sys *s, const char *name)
{
	for (unsigned int i = 0; i < s->res.nr; i++)
		if (!strcmp(s->res.dom[i].d->name, name))
			return s->res.dom[i].d;
	fail_msg("no domain %s", name);
	return NULL;
}

static uint64_t mfn_at(struct domain *d, uint64_t gfn)
{
	return mfn_x(p2m_lookup(d, _gfn(gfn), NULL, NULL));
}

/* A reservation call made by d itself with its arguments at guest address
 * `args` (one page for the struct, the next for the GFN list). */
static int64_t gcall(struct sys *s, struct domain *d, paddr_t args, unsigned int op,
		     const uint64_t *gfns, uint64_t n, unsigned int order, domid_t target)
{
	struct xen_memory_reservation r = {.extent_start = args + PAGE_SIZE, .nr_extents = n,
					   .extent_order = order, .domid = target};

	assert_true(n <= PAGE_SIZE / sizeof(uint64_t));
	memcpy(h_va(d, args + PAGE_SIZE), gfns, n * sizeof(*gfns));
	memcpy(h_va(d, args), &r, sizeof(r));
	return h_call(&s->h, d, __HYPERVISOR_memory_op, op, args, 0, 0, 0);
}

static void test_build(void **state)
{
	struct sys s;
	struct domain *st, *dm, *pl;
	uint64_t free_static = 0;

	(void)state;
	sys_init(&s);
	if (build_system(s.h.hv, &s.bi, &s.plan, runner_devices, RUNNER_NR_DEVICES,
			 &s.res))
		fail_msg("build_system: %s", s.res.err);
	h_audit(&s.h);
	assert_int_equal(s.res.nr, 3);
	st = dom(&s, "static");
	dm = dom(&s, "direct");
	pl = dom(&s, "plain");

	/* static: exactly its banks, packed into guest RAM0 in bank order. */
	assert_int_equal(st->flags & (DOMF_static | DOMF_directmap), DOMF_static);
	assert_int_equal(st->tot_pages, MiB(96) >> PAGE_SHIFT);
	assert_int_equal(st->max_pages, st->tot_pages);
	assert_int_equal(st->nr_mem_banks, 1);
	assert_int_equal(st->mem_banks[0][0], GiB(1));
	assert_int_equal(st->mem_banks[0][1], MiB(96));
	assert_int_equal(mfn_at(st, 0x40000), 0x60000);
	assert_int_equal(mfn_at(st, 0x43fff), 0x63fff);
	assert_int_equal(mfn_at(st, 0x44000), 0x210000);
	assert_int_equal(mfn_at(st, 0x45fff), 0x211fff);
	for (uint64_t m = 0x60000; m < 0x64000; m++)
		assert_int_equal(staticmem_frame_state(s.h.hv, _mfn(m)), STATICMEM_IN_USE);

	/* direct: 1:1, at the bottom of host RAM (where guest images link). */
	assert_int_equal(dm->flags & (DOMF_static | DOMF_directmap), DOMF_static | DOMF_directmap);
	assert_int_equal(dm->tot_pages, MiB(32) >> PAGE_SHIFT);
	assert_int_equal(dm->mem_banks[0][0], 0x40000000);
	for (uint64_t g = 0x40000; g < 0x42000; g += 0x3ff)
		assert_int_equal(mfn_at(dm, g), g);

	/* plain: heap frames only, none of them static. */
	assert_int_equal(pl->flags & (DOMF_static | DOMF_directmap), 0);
	assert_int_equal(pl->tot_pages, MiB(64) >> PAGE_SHIFT);
	for (uint64_t g = 0x40000; g < 0x44000; g += 0x100)
		assert_false(mfn_to_page(&s.h.hv->ft, _mfn(mfn_at(pl, g)))->flags & PGC_static);
	/* The heap holds no static frame at all (the audit checks this too). */
	for (uint64_t pdx = 0; pdx < s.h.hv->ft.nr_pages; pdx++)
		free_static += (s.h.hv->ft.pages[pdx].flags & PGC_static) != 0;
	assert_int_equal(free_static, (MiB(96) + MiB(32)) >> PAGE_SHIFT);
	sys_fini(&s);
}

/* Balloon out and back, from inside the static domains. */
static void test_balloon(void **state)
{
	enum { N = 300 };
	struct sys s;
	struct domain *st, *dm;
	static uint64_t gfns[N], given[N];
	uint64_t heap0, args = GiB(1) + MiB(96) - 2 * PAGE_SIZE, base = 0x43f00; /* straddles both banks */
	uint8_t *ram;

	(void)state;
	sys_init(&s);
	if (build_system(s.h.hv, &s.bi, &s.plan, runner_devices, RUNNER_NR_DEVICES,
			 &s.res))
		fail_msg("build_system: %s", s.res.err);
	st = dom(&s, "static");
	dm = dom(&s, "direct");
	heap0 = s.h.hv->heap.free_pages;
	ram = h_va(st, GiB(1));
	for (uint64_t i = 0; i < MiB(96) - 2 * PAGE_SIZE; i += PAGE_SIZE)
		memcpy(ram + i, &i, sizeof(i));

	/* Out: N pages, the reserved list gets exactly those frames. */
	for (unsigned int i = 0; i < N; i++) {
		gfns[i] = base + i;
		given[i] = mfn_at(st, gfns[i]);
	}
	assert_int_equal(gcall(&s, st, args, XENMEM_decrease_reservation, gfns, N, 0, DOMID_SELF), N);
	h_audit(&s.h);
	assert_int_equal(st->resv_list.count, N);
	assert_int_equal(st->tot_pages, (MiB(96) >> PAGE_SHIFT) - N);
	assert_int_equal(s.h.hv->heap.free_pages, heap0);
	/* A 2 MiB extent is refused; order 0 comes back (elsewhere too). */
	assert_int_equal(gcall(&s, st, args, XENMEM_populate_physmap, gfns, 1, 9, DOMID_SELF), 0);
	for (unsigned int i = 0; i < N; i++)
		gfns[i] = (i % 2) ? base + i : 0x50000 + i; /* half back in place, half in a hole */
	assert_int_equal(gcall(&s, st, args, XENMEM_populate_physmap, gfns, N, 0, DOMID_SELF), N);
	h_audit(&s.h);
	for (unsigned int i = 0; i < N; i++) {
		const uint8_t *p = h_va(st, gfns[i] << PAGE_SHIFT);

		assert_int_equal(mfn_at(st, gfns[i]), given[i]); /* the same frames, in order */
		assert_int_equal(p[0] | p[PAGE_SIZE - 1], 0);     /* scrubbed */
	}
	for (uint64_t i = 0; i < MiB(96) - 2 * PAGE_SIZE; i += PAGE_SIZE) {
		uint64_t g = (GiB(1) + i) >> PAGE_SHIFT, v;

		if (g >= base && g < base + N)
			continue;
		memcpy(&v, ram + i, sizeof(v));
		assert_int_equal(v, i); /* untouched pages kept their data */
	}
	/* Nothing more to take: the domain has all of its memory again. */
	gfns[0] = 0x51000;
	assert_int_equal(gcall(&s, st, args, XENMEM_populate_physmap, gfns, 1, 0, DOMID_SELF), 0);
	assert_int_equal(st->tot_pages, MiB(96) >> PAGE_SHIFT);

	/* direct: its pages stay its own while out, and return 1:1 with data. */
	strcpy(h_va(dm, 0x40100000), "direct data");
	gfns[0] = 0x40100;
	args = 0x41ffe000;
	assert_int_equal(gcall(&s, dm, args, XENMEM_decrease_reservation, gfns, 1, 0, DOMID_SELF), 1);
	assert_int_equal(dm->tot_pages, MiB(32) >> PAGE_SHIFT);
	gfns[0] = 0x40101; /* still mapped */
	assert_int_equal(gcall(&s, dm, args, XENMEM_populate_physmap, gfns, 1, 0, DOMID_SELF), 0);
	gfns[0] = 0x60000; /* another domain's frame */
	assert_int_equal(gcall(&s, dm, args, XENMEM_populate_physmap, gfns, 1, 0, DOMID_SELF), 0);
	gfns[0] = 0x40100;
	assert_int_equal(gcall(&s, dm, args, XENMEM_populate_physmap, gfns, 1, 0, DOMID_SELF), 1);
	assert_string_equal(h_va(dm, 0x40100000), "direct data");
	h_audit(&s.h);
	assert_int_equal(s.h.hv->heap.free_pages, heap0);

	/* Destroy: static frames are retired, the heap does not grow. */
	hv_lock(s.h.hv);
	domain_destroy(st);
	domain_destroy(dm);
	hv_realize_flush(s.h.hv);
	hv_unlock(s.h.hv);
	h_audit(&s.h);
	assert_int_equal(s.h.hv->heap.free_pages, heap0);
	assert_int_equal(staticmem_frame_state(s.h.hv, _mfn(0x60000)), STATICMEM_RETIRED);
	assert_int_equal(staticmem_frame_state(s.h.hv, _mfn(0x211fff)), STATICMEM_RETIRED);
	assert_int_equal(staticmem_frame_state(s.h.hv, _mfn(0x40000)), STATICMEM_RETIRED);
	sys_fini(&s);
}

/* A bad bank: refused before anything is claimed, with a precise message. */
static void test_bad_bank_refused(void **state)
{
	struct sys s;
	uint64_t heap0;
	struct bootinfo_domain *direct = NULL;

	(void)state;
	sys_init(&s);
	for (unsigned int i = 0; i < s.bi.nr_domain; i++)
		if (!strcmp(s.bi.domain[i].name, "direct"))
			direct = &s.bi.domain[i];
	assert_non_null(direct);
	/* Move the direct domain's bank onto the static domain's first bank. */
	direct->static_banks.s[0].start = 0x63000000;
	heap0 = s.h.hv->heap.free_pages;
	assert_int_equal(build_system(s.h.hv, &s.bi, &s.plan, runner_devices, RUNNER_NR_DEVICES,
				      &s.res), -EINVAL);
	assert_string_equal(s.res.err,
			    "/chosen/direct: static bank 0 [0x63000000, 0x65000000): overlaps static bank "
			    "0 [0x60000000, 0x64000000) of domain /chosen/static");
	assert_int_equal(s.res.nr, 0);
	assert_null(s.h.hv->domains);
	assert_int_equal(s.h.hv->heap.free_pages, heap0);
	assert_int_equal(staticmem_frame_state(s.h.hv, _mfn(0x60000)), STATICMEM_NOT_STATIC);
	h_audit(&s.h);
	sys_fini(&s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_balloon),
		cmocka_unit_test(test_bad_bank_refused),
	};

	if (argc < 2) {
		printf("usage: %s static-dom0less.dtb\n", argv[0]);
		return 77;
	}
	dtb_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
