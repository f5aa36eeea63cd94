/*
 * The planner's plan of a libxl DomU (cli/domu_plan.c) for a few configs:
 * the numbers libxl gives (RAM split, regions at the domain's gpaddr_bits,
 * virtio windows), its refusals, and the device-tree comparison
 * (domu_dt_compare.h) that the planner-vs-toolstack test uses: it accepts
 * the plan's own tree and rejects trees that differ in each thing it checks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domu_dt_compare.h"

static void parse(const char *text, struct xlcfg *cfg)
{
	char err[200];
	int rc = xlcfg_parse(text, strlen(text), cfg, err, sizeof(err));

	if (rc)
		fail_msg("xlcfg_parse: %d %s", rc, err);
}

#define VDISK(v) "'vdev=" v ", backendtype=standalone, specification=virtio, target=/d/" v "'"

static void test_numbers(void **state)
{
	struct xlcfg cfg;
	struct domu_plan p;
	char err[200];

	(void)state;
	/* 101 MiB: region 1 starts after the RAM rounded up to 2 MiB */
	parse("name='a'\nkernel='k'\nmemory=101\ndisk=[" VDISK("xvda") "," VDISK("xvdb") "]\n",
	      &cfg);
	assert_int_equal(domu_plan(&cfg, XEN_POLICY_LATEST, 40, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nr_mem, 1);
	assert_int_equal(p.mem[0].start, 0x40000000);
	assert_int_equal(p.mem[0].size, 101ULL << 20);
	assert_int_equal(p.gnttab.start, 0x38000000);
	assert_int_equal(p.ext.nr, 2);
	assert_int_equal(p.ext.region[0].start, 0x40000000 + (102ULL << 20));
	assert_int_equal(p.ext.region[0].start + p.ext.region[0].size, 0x100000000);
	assert_int_equal(p.ext.region[1].start, 0x200000000);
	assert_int_equal(p.ext.region[1].size, 0xfe00000000);
	assert_int_equal(p.nr_virtio, 2);
	assert_int_equal(p.virtio[1].base, 0x02000200);
	assert_int_equal(p.virtio[1].spi, 34);
	domu_plan_free(&p);

	/* 3 GiB + 64 MiB at 35 bits: bank 0 full, bank 1 up to 32 GiB */
	parse("name='a'\nkernel='k'\nmemory=3136\n", &cfg);
	assert_int_equal(domu_plan(&cfg, XEN_POLICY_4_19, 35, &p, err, sizeof(err)), 0);
	assert_int_equal(p.nr_mem, 2);
	assert_int_equal(p.mem[1].start, 0x200000000);
	assert_int_equal(p.mem[1].size, 64ULL << 20);
	assert_int_equal(p.ext.nr, 1);
	assert_int_equal(p.ext.region[0].start, 0x204000000);
	assert_int_equal(p.ext.region[0].start + p.ext.region[0].size, 0x800000000);
	domu_plan_free(&p);

	/* the default width is the hypervisor's */
	assert_int_equal(domu_default_gpaddr_bits(), 40);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *text;
		enum xen_policy pol;
		unsigned int bits;
		int rc;
		const char *msg;
	} bad[] = {
		{"name='a'\nkernel='k'\ndisk=['/a,,xvda']\n", XEN_POLICY_LATEST, 40, -EOPNOTSUPP,
		 "Xen PV disk"},
		{"name='a'\nkernel='k'\ndisk=['/a,,xvda,specification=virtio,transport=pci']\n",
		 XEN_POLICY_LATEST, 40, -EOPNOTSUPP, "transport=pci"},
		{"name='a'\nkernel='k'\ndisk=[" VDISK("xvda") "]\n", XEN_POLICY_4_16, 40,
		 -EOPNOTSUPP, "libxl 4.17"},
		{"name='a'\nkernel='k'\nmemory=4096\n", XEN_POLICY_LATEST, 33, -ERANGE,
		 "beyond 2^33"},
		{"name='a'\nkernel='k'\n", XEN_POLICY_LATEST, 31, -EINVAL, "gpaddr_bits 31"},
	};
	struct xlcfg cfg;
	struct domu_plan p;
	char err[200];

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i].text, &cfg);
		assert_int_equal(domu_plan(&cfg, bad[i].pol, bad[i].bits, &p, err, sizeof(err)),
				 bad[i].rc);
		if (!strstr(err, bad[i].msg))
			fail_msg("case %u: '%s' lacks '%s'", i, err, bad[i].msg);
		domu_plan_free(&p);
	}
}

/* The comparison accepts the plan's own tree, for several configs and
 * policies, and names what differs when the plan changes. */
static void test_compare_self(void **state)
{
	static const char *const cfgs[] = {
		"name='a'\nkernel='k'\nmemory=16\nextra='console=hvc0'\n",
		"name='b'\nkernel='k'\nmemory=101\ndisk=[" VDISK("xvda") "]\n",
		"name='c'\nkernel='k'\nmemory=3136\nextra='x'\ndisk=[" VDISK("xvda") ","
		VDISK("xvdb") "," VDISK("xvdc") "," VDISK("xvdd") "]\n",
	};
	static uint8_t dtb[1 << 16];
	struct xlcfg cfg;
	char err[200], why[200];

	(void)state;
	for (unsigned int i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		struct domu_plan p, q;

		parse(cfgs[i], &cfg);
		assert_int_equal(domu_plan(&cfg, XEN_POLICY_LATEST, 40, &p, err, sizeof(err)), 0);
		assert_true(domu_plan_dtb(&p, &cfg, dtb, sizeof(dtb)) > 0);
		if (!domu_dt_matches_plan(dtb, &p, &cfg, why, sizeof(why)))
			fail_msg("config %u: %s", i, why);

		/* another width: the last region differs */
		assert_int_equal(domu_plan(&cfg, XEN_POLICY_LATEST, 36, &q, err, sizeof(err)), 0);
		assert_false(domu_dt_matches_plan(dtb, &q, &cfg, why, sizeof(why)));
		assert_non_null(strstr(why, "extended region"));
		domu_plan_free(&q);

		/* another release: the compatible differs */
		assert_int_equal(domu_plan(&cfg, XEN_POLICY_4_19, 40, &q, err, sizeof(err)), 0);
		assert_false(domu_dt_matches_plan(dtb, &q, &cfg, why, sizeof(why)));
		assert_non_null(strstr(why, "compatible"));
		domu_plan_free(&q);

		/* one virtio window fewer or more */
		q = p;
		q.nr_virtio = p.nr_virtio ? p.nr_virtio - 1 : 1;
		q.virtio[0] = (struct domu_virtio){0, 0x02000000, 0x200, 33};
		assert_false(domu_dt_matches_plan(dtb, &q, &cfg, why, sizeof(why)));
		assert_non_null(strstr(why, "virtio"));

		/* a different SPI */
		if (p.nr_virtio) {
			q = p;
			q.virtio[0].spi = 40;
			assert_false(domu_dt_matches_plan(dtb, &q, &cfg, why, sizeof(why)));
			assert_non_null(strstr(why, "SPI"));
		}

		/* different RAM */
		q = p;
		q.mem[0].size += 0x200000;
		assert_false(domu_dt_matches_plan(dtb, &q, &cfg, why, sizeof(why)));
		assert_non_null(strstr(why, "RAM bank size"));
		domu_plan_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_compare_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
