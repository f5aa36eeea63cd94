/*
 * memvisor,virtio-disk (docs/system-dt.md): bootinfo reads the property,
 * the builder checks the backend, places the window (given, or libxl's
 * allocation from 0x02000000 in 0x200 steps with SPI 33) clear of the
 * frontend's RAM, region 0, extended regions and device windows, and
 * writes the frontend's `virtio,mmio` node and the backend's
 * `memvisor,virtio-backend` node. Bad values are refused with a message
 * naming the property, before any domain exists.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hv/bootinfo.h>
#include <hv/build.h>
#include <hv/layout.h>

#include "harness.h"
#include "runner.h"

/* Built with the runner's devices (what memvisor run builds). */
static int sys_build(struct h_sys *s, const char *dts, bool dom0)
{
	return h_sys_build(s, dts, dom0, runner_devices, RUNNER_NR_DEVICES);
}

/* Whether some bootinfo error names the property. */
static bool bi_error(const struct h_sys *s, const char *what)
{
	for (unsigned int i = 0; i < s->bi.nr_diag; i++)
		if (s->bi.diag[i].level == BOOTINFO_ERR && strstr(s->bi.diag[i].msg, what))
			return true;
	return false;
}

/* 512 MiB of host RAM at 0x30000000; Dom0 (64 MiB) when the kernel
 * module is there; domU (64 MiB) with PROP; DomD (64 MiB) with DPROP. */
#define HEAD                                                                               \
	"/dts-v1/; / { #address-cells = <2>; #size-cells = <2>;"                           \
	" memory@30000000 { device_type = \"memory\"; reg = <0x0 0x30000000 0x0 0x20000000>; };" \
	" chosen { #address-cells = <2>; #size-cells = <2>;"
#define DOM0                                                                               \
	" xen,xen-bootargs = \"dom0_mem=64M\";"                                            \
	" module@4f100000 { compatible = \"multiboot,kernel\", \"multiboot,module\";"       \
	" reg = <0x0 0x4f100000 0x0 0x1000>; };"
#define DOMU(prop)                                                                         \
	" domU { compatible = \"xen,domain\"; #address-cells = <2>; #size-cells = <2>;"     \
	" memory = <0x0 0x10000>; cpus = <1>; xen,enhanced = \"enabled\"; " prop          \
	" module@4f000000 { compatible = \"multiboot,kernel\", \"multiboot,module\";"       \
	" reg = <0x0 0x4f000000 0x0 0x1000>; }; };"
#define DOMD(prop)                                                                         \
	" DomD { compatible = \"xen,domain\"; #address-cells = <2>; #size-cells = <2>;"     \
	" memory = <0x0 0x10000>; cpus = <1>; xen,enhanced = \"enabled\"; " prop          \
	" module@4f200000 { compatible = \"multiboot,kernel\", \"multiboot,module\";"       \
	" reg = <0x0 0x4f200000 0x0 0x1000>; }; };"
#define TAIL " }; };"

static uint64_t cells64(const fdt32_t *c)
{
	return (uint64_t)fdt32_to_cpu(c[0]) << 32 | fdt32_to_cpu(c[1]);
}

static const struct build_domain *dom_named(const struct h_sys *s, const char *name)
{
	for (unsigned int i = 0; i < s->res.nr; i++)
		if (!strcmp(s->plan.dom[s->res.dom[i].plan_index].name, name))
			return &s->res.dom[i];
	fail_msg("no domain %s", name);
	return NULL;
}

/* The frontend's node as libxl writes it. */
static void assert_virtio_node(const struct build_domain *fe, paddr_t base, uint32_t spi)
{
	char path[40];
	const fdt32_t *p;
	int node, len;

	assert_int_equal(fe->virtio_base, base);
	assert_int_equal(fe->virtio_spi, spi);
	snprintf(path, sizeof(path), "/virtio@%llx", (unsigned long long)base);
	node = fdt_path_offset(fe->dtb, path);
	assert_true(node >= 0);
	assert_int_equal(fdt_node_check_compatible(fe->dtb, node, "virtio,mmio"), 0);
	p = fdt_getprop(fe->dtb, node, "reg", &len);
	assert_non_null(p);
	assert_int_equal(len, 16);
	assert_int_equal(cells64(p), base);
	assert_int_equal(cells64(p + 2), 0x200);
	p = fdt_getprop(fe->dtb, node, "interrupts", &len);
	assert_non_null(p);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(p[0]), 0);
	assert_int_equal(fdt32_to_cpu(p[1]), spi - 32);
	assert_int_equal(fdt32_to_cpu(p[2]), 1);
}

/* The backend's node for its k-th disk: frontend, window, SPI, RAM. */
static void assert_backend_node(const struct h_sys *s, const struct build_domain *be, unsigned int k,
				const struct build_domain *fe)
{
	const struct layout_domain *fl = &s->plan.dom[fe->plan_index];
	char path[40];
	const fdt32_t *p;
	int node, len;

	snprintf(path, sizeof(path), "/virtio-backend-%u", k);
	node = fdt_path_offset(be->dtb, path);
	assert_true(node >= 0);
	assert_int_equal(fdt_node_check_compatible(be->dtb, node, "memvisor,virtio-backend"), 0);
	p = fdt_getprop(be->dtb, node, "memvisor,frontend", &len);
	assert_true(p && len == 4);
	assert_int_equal(fdt32_to_cpu(p[0]), fe->d->id);
	p = fdt_getprop(be->dtb, node, "memvisor,window", &len);
	assert_true(p && len == 16);
	assert_int_equal(cells64(p), fe->virtio_base);
	assert_int_equal(cells64(p + 2), 0x200);
	p = fdt_getprop(be->dtb, node, "memvisor,spi", &len);
	assert_true(p && len == 4);
	assert_int_equal(fdt32_to_cpu(p[0]), fe->virtio_spi);
	p = fdt_getprop(be->dtb, node, "memvisor,frontend-memory", &len);
	assert_non_null(p);
	assert_int_equal(len, (int)(16 * fl->mem.n));
	for (unsigned int b = 0; b < fl->mem.n; b++) {
		assert_int_equal(cells64(p + 4 * b), fl->mem.s[b].start);
		assert_int_equal(cells64(p + 4 * b + 2), fl->mem.s[b].size);
	}
	/* Exactly k + 1 of them. */
	snprintf(path, sizeof(path), "/virtio-backend-%u", k + 1);
	assert_true(fdt_path_offset(be->dtb, path) < 0);
}

static void test_dom0_backend_allocated(void **state)
{
	struct h_sys s;
	const struct build_domain *fe, *be;

	(void)state;
	assert_int_equal(sys_build(&s, HEAD DOM0 DOMU("memvisor,virtio-disk = <0>;") TAIL, true), 0);
	fe = dom_named(&s, "domU");
	be = &s.res.dom[0];
	assert_int_equal(be->d->id, 0);
	assert_int_equal(fe->virtio_backend, 0);
	assert_virtio_node(fe, 0x02000000, 33); /* libxl's first slot */
	assert_backend_node(&s, be, 0, fe);
	/* The frontend serves nothing, the backend has no virtio,mmio node. */
	assert_true(fdt_path_offset(fe->dtb, "/virtio-backend-0") < 0);
	assert_true(fdt_node_offset_by_compatible(be->dtb, -1, "virtio,mmio") < 0);
	assert_int_equal(be->virtio_base, 0);
	h_sys_fini(&s);
}

static void test_given_window_and_spi(void **state)
{
	struct h_sys s;

	(void)state;
	assert_int_equal(sys_build(&s, HEAD DOM0
				   DOMU("memvisor,virtio-disk = <0 0x0 0x03000400 40>;") TAIL, true), 0);
	assert_virtio_node(dom_named(&s, "domU"), 0x03000400, 40);
	assert_backend_node(&s, &s.res.dom[0], 0, dom_named(&s, "domU"));
	h_sys_fini(&s);
}

/* The allocation steps past the VMM's device windows, 0x200 at a time. */
static void test_allocation_skips_windows(void **state)
{
	struct h_sys s;

	(void)state;
	assert_int_equal(sys_build(&s, HEAD DOM0
				   DOMU("memvisor,virtio-disk = <0>; "
					"memvisor,blk-device = <0x0 0x02000000>;") TAIL, true), 0);
	assert_virtio_node(dom_named(&s, "domU"), 0x02001000, 33);
	h_sys_fini(&s);
}

/* A driver domain serves it when its memvisor,backend-for names the
 * frontend; ids follow the file's order (domU 1, DomD 2). */
static void test_domd_backend(void **state)
{
	struct h_sys s;
	const struct build_domain *fe, *be;

	(void)state;
	assert_int_equal(sys_build(&s, HEAD DOMU("memvisor,virtio-disk = <2>;")
				   DOMD("memvisor,backend-for = \"domU\";") TAIL, false), 0);
	fe = dom_named(&s, "domU");
	be = dom_named(&s, "DomD");
	assert_int_equal(fe->d->id, 1);
	assert_int_equal(be->d->id, 2);
	assert_int_equal(fe->virtio_backend, 2);
	assert_virtio_node(fe, 0x02000000, 33);
	assert_backend_node(&s, be, 0, fe);
	h_sys_fini(&s);
}

/* Values bootinfo refuses: the domain is unbuildable, the message names
 * the property. */
static void test_bad_values(void **state)
{
	static const char *const bad[] = {
		"memvisor,virtio-disk = <0 1>;",                     /* 2 cells */
		"memvisor,virtio-disk = [00];",                      /* 1 byte */
		"memvisor,virtio-disk = <0x7ff0>;",                  /* DOMID_IO..: not a domain */
		"memvisor,virtio-disk = <0 0x0 0x02000010 33>;",     /* not 0x200-aligned */
		"memvisor,virtio-disk = <0 0x0 0x0 33>;",            /* zero base */
		"memvisor,virtio-disk = <0 0x0 0x02000000 31>;",     /* a PPI */
		"memvisor,virtio-disk = <0 0x0 0x02000000 256>;",    /* beyond the PIRQs */
	};
	char dts[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct h_sys s;

		snprintf(dts, sizeof(dts), HEAD DOM0 DOMU("%s") TAIL, bad[i]);
		assert_int_not_equal(sys_build(&s, dts, true), 0);
		assert_int_equal(s.res.nr, 0);
		if (!bi_error(&s, "memvisor,virtio-disk"))
			fail_msg("case %zu (%s): no bootinfo error names the property", i, bad[i]);
		h_sys_fini(&s);
	}
}

/* Systems the builder refuses, each with its reason. */
static void test_refused(void **state)
{
	static const struct {
		const char *dts, *why;
		bool dom0;
	} bad[] = {
		{HEAD DOM0 DOMU("memvisor,virtio-disk = <5>;") TAIL, "is not a domain", true},
		{HEAD DOM0 DOMU("memvisor,virtio-disk = <1>;") TAIL, "its own backend", true},
		/* No Dom0 is built without its kernel. */
		{HEAD DOMU("memvisor,virtio-disk = <0>;") TAIL, "is not a domain", false},
		{HEAD DOMU("memvisor,virtio-disk = <2>;") DOMD("") TAIL, "backend-for", false},
		{HEAD DOMU("memvisor,virtio-disk = <2>;") DOMD("memvisor,backend-for = \"DomD\";")
		 TAIL, "backend-for", false},
		/* Guest RAM, region 0, an extended region, the block device. */
		{HEAD DOM0 DOMU("memvisor,virtio-disk = <0 0x0 0x40000000 33>;") TAIL, "overlaps", true},
		{HEAD DOM0 DOMU("memvisor,virtio-disk = <0 0x0 0x38000200 33>;") TAIL, "overlaps", true},
		{HEAD DOM0 DOMU("memvisor,virtio-disk = <0 0x2 0x0 33>;") TAIL, "overlaps", true},
		{HEAD DOM0 DOMU("memvisor,virtio-disk = <0 0x0 0x28000e00 33>; "
				"memvisor,blk-device = <0x0 0x28000000>;") TAIL, "overlaps", true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct h_sys s;

		assert_int_not_equal(sys_build(&s, bad[i].dts, bad[i].dom0), 0);
		assert_int_equal(s.res.nr, 0);
		if (!strstr(s.res.err, "memvisor,virtio-disk") || !strstr(s.res.err, bad[i].why))
			fail_msg("case %zu: unexpected message: %s", i, s.res.err);
		h_sys_fini(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dom0_backend_allocated),
		cmocka_unit_test(test_given_window_and_spi),
		cmocka_unit_test(test_allocation_skips_windows),
		cmocka_unit_test(test_domd_backend),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
