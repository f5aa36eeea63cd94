/*
 * The planner against the toolstack (issue 16 item 5: `memvisor layout
 * --domu-cfg` "matching what the toolstack builds, a test compares the
 * two"). For a few configs, the toolstack library (guest/xen/toolstack.c,
 * built hosted) creates the DomU in a harness hypervisor, Dom0 being a
 * harness domain running it over tests/unit/guest_shim.c; the planner plans the
 * same config (cli/domu_plan.c) for the gpaddr_bits the hypervisor reported
 * to the toolstack; domu_dt_compare.h then checks the device tree the
 * toolstack wrote into the DomU's RAM against the plan (RAM banks, region 0
 * and the extended regions, the virtio,mmio windows and SPIs, bootargs),
 * and what the toolstack recorded of the domain (its RAM banks, regions and
 * disks) against the plan too. Run at the hypervisor's default width (what
 * `memvisor layout --domu-cfg` assumes) and at two others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "harness.h"

#include <public/errno.h>
#include <xen/toolstack.h>
#include <xen/xlcfg.h>

#include "guest_shim.h"

#include "domu_dt_compare.h"

static struct harness H;
static struct domain *dom0;

/* --- a kernel: one loadable segment at 2 MiB into RAM ------------------- */

static uint8_t kimg[0x2000];

static void make_kernel(void)
{
	uint64_t v;
	uint32_t w;
	uint16_t h;

#define PUT(off, val, var) (var = (val), memcpy(kimg + (off), &var, sizeof(var)))
	memset(kimg, 0, sizeof(kimg));
	memcpy(kimg, "\x7f" "ELF", 4);
	kimg[4] = 2; /* 64-bit */
	kimg[5] = 1; /* little endian */
	kimg[6] = 1;
	PUT(16, 2, h);           /* ET_EXEC */
	PUT(18, 62, h);          /* x86-64 */
	PUT(20, 1, w);
	PUT(24, 0x40200000, v);  /* entry */
	PUT(32, 64, v);          /* phoff */
	PUT(52, 64, h);
	PUT(54, 56, h);
	PUT(56, 1, h);           /* one program header */
	PUT(64, 1, w);           /* PT_LOAD */
	PUT(68, 5, w);           /* R X */
	PUT(72, 0x1000, v);      /* offset */
	PUT(80, 0x40200000, v);  /* vaddr */
	PUT(88, 0x40200000, v);  /* paddr */
	PUT(96, 0x100, v);       /* filesz */
	PUT(104, 0x100, v);      /* memsz */
	PUT(112, 0x1000, v);     /* align */
#undef PUT
	memset(kimg + 0x1000, 0xf4, 0x100);
}

/* --- what the toolstack built, seen through its xenstore hook ----------- */

static struct xl_dom built;
static unsigned int nbuilt;

static int xs_new(void *ctx, const struct xl_dom *d)
{
	(void)ctx;
	built = *d;
	nbuilt++;
	return 0;
}

static int xs_wait(void *ctx, const struct xl_dom *d, unsigned int i)
{
	(void)ctx;
	(void)d;
	(void)i;
	return 0;
}

static void xs_gone(void *ctx, const struct xl_dom *d)
{
	(void)ctx;
	(void)d;
}

static const struct xl_xs_ops xs_ops = {xs_new, xs_wait, xs_gone};

static struct xl XL;

static void start(unsigned int gpaddr_bits)
{
	h_init_default(&H);
	if (gpaddr_bits)
		H.hv->cfg.gpaddr_bits = gpaddr_bits; /* the system's width */
	dom0 = h_domain(&H, "dom0", DOMF_privileged, 4096);
	gshim_init(&H, dom0);
	memset(&XL, 0, sizeof(XL));
	XL.xs = &xs_ops;
	assert_int_equal(xl_init(&XL), 0);
	make_kernel();
}

static void stop(void)
{
	xl_fini(&XL);
	h_fini(&H);
}

#define VDISK(v, extra)                                                                          \
	"'vdev=" v ", backendtype=standalone, specification=virtio, transport=mmio, " extra        \
	"target=/srv/" v ".img'"

static const char *const configs[] = {
	"name = 'small'\nmemory = 16\nkernel = '/boot/hello.elf'\nextra = 'console=hvc0'\n",
	/* an odd size: the region starts after the RAM rounded up to 2 MiB */
	"name = 'odd'\nmemory = 37\nvcpus = 2\nkernel = 'hello.elf'\n"
	"disk = [ " VDISK("xvda", "") " ]\n",
	"name = 'disks'\nmemory = 64\nkernel = 'hello.elf'\nextra = 'root=/dev/vda ro'\n"
	"disk = [ " VDISK("xvda", "") ", " VDISK("xvdb", "access=r, ") ",\n"
	"         " VDISK("xvdc", "") ", " VDISK("xvdd", "backend=Domain-0, ") " ]\n",
};

/* Creates each config, compares its tree and record with the plan,
 * destroys it. */
static void compare_all(unsigned int want_bits)
{
	for (unsigned int i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		struct xlcfg cfg;
		struct domu_plan p;
		struct domain *u;
		char err[256], why[256];
		domid_t id;
		const void *fdt;
		int rc;

		rc = xlcfg_parse(configs[i], strlen(configs[i]), &cfg, err, sizeof(err));
		if (rc)
			fail_msg("config %u: %s", i, err);
		nbuilt = 0;
		rc = xl_create(&XL, &cfg, kimg, sizeof(kimg), &id, err, sizeof(err));
		if (rc)
			fail_msg("config %u: xl_create %d: %s", i, rc, err);
		assert_int_equal(nbuilt, 1);
		u = domain_by_id(H.hv, id);
		assert_non_null(u);

		/* the width the hypervisor reported is the one the planner
		 * assumes (or was told) */
		assert_int_equal(built.gpaddr_bits, want_bits);
		assert_int_equal(domu_plan(&cfg, XEN_POLICY_LATEST, built.gpaddr_bits, &p, err,
					   sizeof(err)), 0);

		/* the tree in the DomU's RAM */
		fdt = h_va(u, built.dt_gpa);
		assert_int_equal(fdt_check_header(fdt), 0);
		if (!domu_dt_matches_plan(fdt, &p, &cfg, why, sizeof(why)))
			fail_msg("config %u (%s), %u bits: the toolstack's tree differs from the "
				 "plan: %s", i, cfg.name, want_bits, why);

		/* what the toolstack recorded */
		assert_int_equal(built.nr_ram, p.nr_mem);
		for (unsigned int k = 0; k < p.nr_mem; k++) {
			assert_int_equal(built.ram[k].base, p.mem[k].start);
			assert_int_equal(built.ram[k].size, p.mem[k].size);
		}
		assert_int_equal(built.nr_regions, p.ext.nr);
		for (unsigned int k = 0; k < p.ext.nr; k++) {
			assert_int_equal(built.region[k].base, p.ext.region[k].start);
			assert_int_equal(built.region[k].size, p.ext.region[k].size);
		}
		assert_int_equal(built.nr_disks, p.nr_virtio);
		for (unsigned int k = 0; k < p.nr_virtio; k++) {
			assert_int_equal(built.disk[k].base, p.virtio[k].base);
			assert_int_equal(built.disk[k].size, p.virtio[k].size);
			assert_int_equal(built.disk[k].spi, p.virtio[k].spi);
			assert_int_equal(built.disk[k].writable, !cfg.disk[p.virtio[k].disk].readonly);
		}
		domu_plan_free(&p);
		assert_int_equal(xl_destroy(&XL, id), 0);
		h_audit(&H);
	}
}

/* The hypervisor's default width: what `memvisor layout --domu-cfg`
 * assumes without --ipa-bits. */
static void test_default_width(void **state)
{
	(void)state;
	start(0);
	assert_int_equal(H.hv->cfg.gpaddr_bits, domu_default_gpaddr_bits());
	compare_all(domu_default_gpaddr_bits());
	stop();
}

/* Other widths: bank 1's region ends at 2^bits (36: 64 GiB; 33: none). */
static void test_other_widths(void **state)
{
	static const unsigned int bits[] = {36, 33};

	(void)state;
	for (unsigned int i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		start(bits[i]);
		compare_all(bits[i]);
		stop();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_width),
		cmocka_unit_test(test_other_widths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
