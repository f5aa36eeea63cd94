/*
 * Static-bank validation (staticcheck_system): one table row per rule, each
 * asserting the rule, the bank index, the collider and the message text,
 * on a hand-made struct bootinfo (the DT parser is tested elsewhere).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <hv/staticcheck.h>

#define MAXB 4

struct dom_spec {
	const char *path;
	bool static_mem, direct_map, has_memory;
	uint64_t memory_kb;
	unsigned int nb;
	struct ext_span b[MAXB];
};

struct rule_case {
	const char *name;
	struct dom_spec dom;       /* checked next to a valid domain "/chosen/ok" */
	enum staticcheck_rule rule;
	uint32_t bank;
	const char *collider;      /* NULL: none expected */
	const char *msg;           /* exact message */
};

#define SB(s, z) {.start = (s), .size = (z), .kind = EXT_K_STATIC_DOMAIN}

static struct ext_span ram[] = {
	{.start = 0x40000000, .size = 0x80000000, .kind = EXT_K_RAM, .label = "/memory@40000000"},
	{.start = 0x200000000, .size = 0x40000000, .kind = EXT_K_RAM, .label = "/memory@200000000"},
};
static struct ext_span reserved[] = {
	{.start = 0x50000000, .size = 0x100000, .kind = EXT_K_RESERVED, .label = "/reserved-memory/fw@50000000"},
	{.start = 0x60000000, .size = 0x1000, .kind = EXT_K_MEMRESERVE, .label = "/memreserve/ #0"},
	{.start = 0x70000000, .size = 0x1000000, .kind = EXT_K_STATIC_HEAP, .label = "/chosen"},
	/* the valid domain's own bank, as bootinfo lists it: never a collider */
	{.start = 0x80000000, .size = 0x1000000, .kind = EXT_K_STATIC_DOMAIN, .label = "/chosen/ok"},
};
static struct ext_span xen[] = {
	{.start = 0x40200000, .size = 0x200000, .kind = EXT_K_XEN_IMAGE, .label = "the hypervisor image"},
};

static void make_bi(struct bootinfo *bi, struct bootinfo_domain *doms, const struct dom_spec *spec,
		    struct ext_span *banks, struct bootinfo_module *mod)
{
	static struct ext_span okbank = SB(0x80000000, 0x1000000);

	memset(bi, 0, sizeof(*bi));
	memset(doms, 0, 2 * sizeof(*doms));
	bi->ram.s = ram;
	bi->ram.n = 2;
	bi->reserved.s = reserved;
	bi->reserved.n = 4;
	bi->module = mod;
	bi->nr_module = 1;
	doms[0].path = "/chosen/ok";
	doms[0].static_mem = true;
	doms[0].has_memory = true;
	doms[0].memory_kb = 0x1000000 / 1024;
	doms[0].static_banks.s = &okbank;
	doms[0].static_banks.n = 1;
	doms[1].path = spec->path;
	doms[1].static_mem = spec->static_mem;
	doms[1].direct_map = spec->direct_map;
	doms[1].has_memory = spec->has_memory;
	doms[1].memory_kb = spec->memory_kb;
	memcpy(banks, spec->b, sizeof(spec->b));
	doms[1].static_banks.s = banks;
	doms[1].static_banks.n = spec->nb;
	bi->domain = doms;
	bi->nr_domain = 2;
}

static struct bootinfo_module module = {
	.span = {.start = 0x48000000, .size = 0x800000, .kind = EXT_K_MODULE, .label = "/chosen/ok/module@48000000"},
	.kind = BOOTMOD_KERNEL,
	.domain = 0,
};

#define D(p) .path = "/chosen/" p, .static_mem = true, .has_memory = true
#define NOB STATICCHECK_NO_BANK

static const struct rule_case cases[] = {
	{"direct-map without static", {.path = "/chosen/dm", .direct_map = true, .has_memory = true, .memory_kb = 1024},
	 STATICCHECK_DIRECTMAP_NOT_STATIC, NOB, NULL,
	 "/chosen/dm: direct-map is only valid together with xen,static-mem"},
	{"no banks", {D("empty"), .memory_kb = 0, .nb = 0},
	 STATICCHECK_NO_BANKS, NOB, NULL,
	 "/chosen/empty: xen,static-mem gives no bank (empty or malformed property)"},
	{"no memory property", {.path = "/chosen/nomem", .static_mem = true, .nb = 1, .b = {SB(0x90000000, 0x200000)}},
	 STATICCHECK_NO_MEMORY, NOB, NULL,
	 "/chosen/nomem: has xen,static-mem but no memory property (it must equal the banks' total, 0x200000 bytes = 2048 KiB)"},
	{"memory mismatch", {D("mis"), .memory_kb = 4096, .nb = 2, .b = {SB(0x90000000, 0x100000), SB(0x91000000, 0x200000)}},
	 STATICCHECK_MEMORY_MISMATCH, NOB, NULL,
	 "/chosen/mis: memory is 4096 KiB but the static banks total 0x300000 bytes (3072 KiB); mixing static and heap memory is not supported"},
	{"empty bank", {D("zero"), .memory_kb = 1024, .nb = 2, .b = {SB(0x90000000, 0x100000), SB(0x92000000, 0)}},
	 STATICCHECK_EMPTY, 1, NULL,
	 "/chosen/zero: static bank 1 [0x92000000, 0x92000000): has size 0"},
	{"unaligned start", {D("ua"), .memory_kb = 4, .nb = 1, .b = {SB(0x90000800, 0x1000)}},
	 STATICCHECK_UNALIGNED, 0, NULL,
	 "/chosen/ua: static bank 0 [0x90000800, 0x90001800): is not page aligned (start 0x90000800 is not a multiple of 0x1000)"},
	{"unaligned size", {D("us"), .memory_kb = 6, .nb = 1, .b = {SB(0x90000000, 0x1800)}},
	 STATICCHECK_UNALIGNED, 0, NULL,
	 "/chosen/us: static bank 0 [0x90000000, 0x90001800): is not page aligned (size 0x1800 is not a multiple of 0x1000)"},
	{"wraps", {D("wrap"), .memory_kb = 8, .nb = 1, .b = {SB(0xfffffffffffff000ULL, 0x2000)}},
	 STATICCHECK_WRAPS, 0, NULL,
	 "/chosen/wrap: static bank 0 [0xfffffffffffff000, 0x1000): wraps around the end of the address space"},
	{"outside RAM", {D("out"), .memory_kb = 1024, .nb = 1, .b = {SB(0x100000000ULL, 0x100000)}},
	 STATICCHECK_NOT_RAM, 0, NULL,
	 "/chosen/out: static bank 0 [0x100000000, 0x100100000): is not host RAM: no RAM bank covers it"},
	{"past the end of a RAM bank", {D("past"), .memory_kb = 2048, .nb = 1, .b = {SB(0xbff00000, 0x200000)}},
	 STATICCHECK_NOT_RAM, 0, "/memory@40000000",
	 "/chosen/past: static bank 0 [0xbff00000, 0xc0100000): is not inside one host RAM bank: it runs past RAM bank /memory@40000000 [0x40000000, 0xc0000000)"},
	{"another domain's bank", {D("thief"), .memory_kb = 1024, .nb = 1, .b = {SB(0x80f00000, 0x100000)}},
	 STATICCHECK_OVERLAP_STATIC, 0, "/chosen/ok",
	 "/chosen/thief: static bank 0 [0x80f00000, 0x81000000): overlaps static bank 0 [0x80000000, 0x81000000) of domain /chosen/ok"},
	{"its own other bank", {D("self"), .memory_kb = 2048, .nb = 2, .b = {SB(0x90000000, 0x100000), SB(0x90000000, 0x100000)}},
	 STATICCHECK_OVERLAP_STATIC, 1, "/chosen/self",
	 "/chosen/self: static bank 1 [0x90000000, 0x90100000): overlaps static bank 0 [0x90000000, 0x90100000) of the same domain"},
	{"reserved-memory", {D("res"), .memory_kb = 1024, .nb = 1, .b = {SB(0x50000000, 0x100000)}},
	 STATICCHECK_OVERLAP_RESERVED, 0, "/reserved-memory/fw@50000000",
	 "/chosen/res: static bank 0 [0x50000000, 0x50100000): overlaps /reserved-memory/fw@50000000 (reserved-memory) [0x50000000, 0x50100000)"},
	{"memreserve", {D("mr"), .memory_kb = 1028, .nb = 1, .b = {SB(0x5ff00000, 0x100000 + 0x1000)}},
	 STATICCHECK_OVERLAP_RESERVED, 0, "/memreserve/ #0",
	 "/chosen/mr: static bank 0 [0x5ff00000, 0x60001000): overlaps /memreserve/ #0 (/memreserve/) [0x60000000, 0x60001000)"},
	{"static heap", {D("sh"), .memory_kb = 1024, .nb = 1, .b = {SB(0x70f00000, 0x100000)}},
	 STATICCHECK_OVERLAP_RESERVED, 0, "/chosen",
	 "/chosen/sh: static bank 0 [0x70f00000, 0x71000000): overlaps /chosen (xen,static-heap) [0x70000000, 0x71000000)"},
	{"boot module", {D("mod"), .memory_kb = 1024, .nb = 1, .b = {SB(0x48000000, 0x100000)}},
	 STATICCHECK_OVERLAP_MODULE, 0, "/chosen/ok/module@48000000",
	 "/chosen/mod: static bank 0 [0x48000000, 0x48100000): overlaps /chosen/ok/module@48000000 (boot module) [0x48000000, 0x48800000)"},
	{"hypervisor image", {D("xen"), .memory_kb = 1024, .nb = 1, .b = {SB(0x40300000, 0x100000)}},
	 STATICCHECK_OVERLAP_XEN, 0, "the hypervisor image",
	 "/chosen/xen: static bank 0 [0x40300000, 0x40400000): overlaps the hypervisor image [0x40200000, 0x40400000)"},
	{"too many direct banks", {D("many"), .direct_map = true, .memory_kb = 9 * 4, .nb = 0},
	 STATICCHECK_TOO_MANY_BANKS, NOB, NULL, NULL /* built below: 9 banks */},
};

static void run_case(const struct rule_case *c)
{
	struct bootinfo bi;
	struct bootinfo_domain doms[2];
	struct ext_span banks[16];
	struct staticcheck_report rep;
	struct dom_spec spec = c->dom;
	const struct staticcheck_diag *d;

	make_bi(&bi, doms, &spec, banks, &module);
	if (c->rule == STATICCHECK_TOO_MANY_BANKS) {
		for (unsigned int i = 0; i < 9; i++)
			banks[i] = (struct ext_span)SB(0x90000000 + i * 0x10000, 0x1000);
		doms[1].static_banks.n = 9;
	}
	assert_int_equal(staticcheck_system(&bi, xen, 1, &rep), -EINVAL);
	if (rep.nr_err != 1) {
		for (unsigned int i = 0; i < rep.nr; i++)
			fprintf(stderr, "%s: %s\n", c->name, rep.diag[i].msg);
		fail_msg("%s: %u errors, want 1", c->name, rep.nr_err);
	}
	d = &rep.diag[0];
	assert_int_equal(d->rule, c->rule);
	assert_int_equal(d->bank, c->bank);
	assert_string_equal(d->domain, c->dom.path);
	if (c->collider)
		assert_string_equal(d->collider, c->collider);
	else if (c->rule != STATICCHECK_OVERLAP_STATIC)
		assert_null(d->collider);
	if (c->msg)
		assert_string_equal(d->msg, c->msg);
	else
		assert_string_equal(d->msg, "/chosen/many: direct-mapped with 9 static banks; a domain holds at most 8");
}

static void test_each_rule(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

static void test_valid_system(void **state)
{
	struct bootinfo bi;
	struct bootinfo_domain doms[2];
	struct ext_span banks[16];
	struct staticcheck_report rep;
	/* Direct-mapped, two banks in two RAM banks, touching nothing. */
	struct dom_spec ok = {D("dm"), .direct_map = true, .memory_kb = (0x1000000 + 0x2000000) / 1024,
			      .nb = 2, .b = {SB(0x90000000, 0x1000000), SB(0x200000000ULL, 0x2000000)}};
	/* Heap domains (no static memory) are not this module's business. */
	struct dom_spec heap = {.path = "/chosen/heap", .has_memory = true, .memory_kb = 1 << 20};

	(void)state;
	make_bi(&bi, doms, &ok, banks, &module);
	assert_int_equal(staticcheck_system(&bi, xen, 1, &rep), 0);
	assert_int_equal(rep.nr_err, 0);
	make_bi(&bi, doms, &heap, banks, &module);
	assert_int_equal(staticcheck_system(&bi, xen, 1, &rep), 0);
}

static void test_guest_banks_exhausted(void **state)
{
	struct bootinfo bi;
	struct bootinfo_domain doms[2];
	struct ext_span banks[16];
	struct ext_span bigram = {.start = 0, .size = 0x20000000000ULL, .kind = EXT_K_RAM, .label = "/memory@0"};
	struct staticcheck_report rep;
	struct dom_spec huge = {D("huge"), .memory_kb = 0x10000000000ULL / 1024, .nb = 1,
				.b = {SB(0x10000000000ULL, 0x10000000000ULL)}};

	(void)state;
	make_bi(&bi, doms, &huge, banks, &module);
	bi.ram.s = &bigram;
	bi.ram.n = 1;
	bi.nr_module = 0;
	assert_int_equal(staticcheck_system(&bi, NULL, 0, &rep), -EINVAL);
	assert_int_equal(rep.nr_err, 1);
	assert_int_equal(rep.diag[0].rule, STATICCHECK_GUEST_BANKS);
	assert_string_equal(rep.diag[0].msg,
			    "/chosen/huge: static banks total 0x10000000000 bytes; the guest RAM banks "
			    "hold only 0xfec0000000 (all possible guest banks exhausted)");
}

static void test_bank_too_large(void **state)
{
	struct bootinfo bi;
	struct bootinfo_domain doms[2];
	struct ext_span banks[16];
	struct ext_span bigram = {.start = 0, .size = 0x200000000000ULL, .kind = EXT_K_RAM, .label = "/memory@0"};
	struct staticcheck_report rep;
	struct dom_spec big = {D("big"), .direct_map = true, .memory_kb = 0x400000000ULL, .nb = 1,
			       .b = {SB(0x100000000000ULL, 0x100000000000ULL)}};

	(void)state;
	make_bi(&bi, doms, &big, banks, &module);
	bi.ram.s = &bigram;
	bi.ram.n = 1;
	assert_int_equal(staticcheck_system(&bi, xen, 1, &rep), -EINVAL);
	assert_int_equal(rep.nr_err, 1);
	assert_int_equal(rep.diag[0].rule, STATICCHECK_TOO_LARGE);
	assert_string_equal(rep.diag[0].msg,
			    "/chosen/big: static bank 0 [0x100000000000, 0x200000000000): is too large: "
			    "0x100000000 pages, the limit is 2^32 - 1");
}

/* Every problem of a domain is reported, not only the first. */
static void test_reports_everything(void **state)
{
	struct bootinfo bi;
	struct bootinfo_domain doms[2];
	struct ext_span banks[16];
	struct staticcheck_report rep;
	struct dom_spec bad = {D("bad"), .memory_kb = 1, .nb = 3,
			       .b = {SB(0x50000000, 0x1000), SB(0x80000000, 0x1000), SB(0x40200800, 0x1000)}};

	(void)state;
	make_bi(&bi, doms, &bad, banks, &module);
	assert_int_equal(staticcheck_system(&bi, xen, 1, &rep), -EINVAL);
	/* reserved; other domain; unaligned + hypervisor image; memory mismatch */
	assert_int_equal(rep.nr_err, 5);
	assert_int_equal(rep.diag[0].rule, STATICCHECK_OVERLAP_RESERVED);
	assert_int_equal(rep.diag[1].rule, STATICCHECK_OVERLAP_STATIC);
	assert_int_equal(rep.diag[2].rule, STATICCHECK_UNALIGNED);
	assert_int_equal(rep.diag[3].rule, STATICCHECK_OVERLAP_XEN);
	assert_int_equal(rep.diag[4].rule, STATICCHECK_MEMORY_MISMATCH);
	assert_int_equal(rep.diag[4].bank, STATICCHECK_NO_BANK);
}

/* More errors than the table holds: all counted, the table stays full. */
static void test_report_overflow(void **state)
{
	struct bootinfo bi;
	struct bootinfo_domain doms[2];
	struct ext_span banks[16];
	struct staticcheck_report rep;
	struct dom_spec spec = {D("flood"), .direct_map = true, .memory_kb = 0, .nb = 0};

	(void)state;
	make_bi(&bi, doms, &spec, banks, &module);
	for (unsigned int i = 0; i < 16; i++)
		banks[i] = (struct ext_span)SB(0x50000000, 0x100800); /* 3 errors each */
	doms[1].static_banks.n = 16;
	assert_int_equal(staticcheck_system(&bi, xen, 1, &rep), -EINVAL);
	assert_int_equal(rep.nr, STATICCHECK_MAX_DIAG);
	assert_true(rep.nr_err > STATICCHECK_MAX_DIAG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_rule),
		cmocka_unit_test(test_valid_system),
		cmocka_unit_test(test_guest_banks_exhausted),
		cmocka_unit_test(test_bank_too_large),
		cmocka_unit_test(test_reports_everything),
		cmocka_unit_test(test_report_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
