/*
 * docs/abi.md against the dispatcher, so the two cannot drift.
 *
 * The doc's tables list every hypercall and, for the calls with a sub-op
 * table, every sub-op, with a status in the last column: a status starting
 * with "ENOSYS" means "not dispatched", anything else means implemented.
 * This test reads those tables (path in argv[1]) and checks, on a real
 * hypervisor through the harness:
 *   - every row listed as implemented is dispatched (the call does not
 *     return -ENOSYS for some plausible argument), every ENOSYS row is not;
 *   - every hypercall number 0..63 and every sub-op number in a probed
 *     range that is dispatched has a row that says so.
 * "Dispatched" is probed with a NULL argument and with a zeroed argument in
 * the caller's scratch area: a handler that knows the sub-op answers
 * something other than -ENOSYS to at least one of them. The caller is a
 * privileged domain so that privileged-only calls reach their sub-ops.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/extregion.h>
#include <public/domctl.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/sysctl.h>
#include <public/version.h>
#include <public/xen.h>

#include "harness.h"

static const char *doc_path;

/* What a table can list: the hypercalls themselves, or one call's sub-ops. */
enum table { T_HYPERCALL, T_MEMORY, T_XENVER, T_CONSOLE, T_GNTTAB, T_SCHED, T_SYSCTL, T_DOMCTL,
	     T_VCPU, T_EVTCHN, T_HVM, T__COUNT };

static const struct {
	const char *name;
	unsigned int call;  /* the hypercall whose sub-ops the table lists */
	unsigned int probe; /* sub-op numbers probed for unlisted dispatch */
} tables[T__COUNT] = {
	[T_HYPERCALL] = {"hypercalls", 0, 64},
	[T_MEMORY] = {"memory_op", __HYPERVISOR_memory_op, 64},
	[T_XENVER] = {"xen_version", __HYPERVISOR_xen_version, 64},
	[T_CONSOLE] = {"console_io", __HYPERVISOR_console_io, 32},
	[T_GNTTAB] = {"grant_table_op", __HYPERVISOR_grant_table_op, 32},
	[T_SCHED] = {"sched_op", __HYPERVISOR_sched_op, 32},
	[T_SYSCTL] = {"sysctl", __HYPERVISOR_sysctl, 128},
	[T_DOMCTL] = {"domctl", __HYPERVISOR_domctl, 128},
	[T_VCPU] = {"vcpu_op", __HYPERVISOR_vcpu_op, 32},
	[T_EVTCHN] = {"event_channel_op", __HYPERVISOR_event_channel_op, 32},
	[T_HVM] = {"hvm_op", __HYPERVISOR_hvm_op, 64},
};

#define MAX_NR 128
enum { UNLISTED, LISTED_ENOSYS, LISTED_IMPL };

struct doc {
	unsigned char row[T__COUNT][MAX_NR];
	unsigned int nr_rows[T__COUNT];
};

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '`')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '`' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* "### memory_op (12): ..." -> the table of that call's sub-ops, if probed. */
static int table_of_heading(const char *line)
{
	for (int t = T_MEMORY; t < T__COUNT; t++) {
		size_t n = strlen(tables[t].name);
		char num[16];

		snprintf(num, sizeof(num), " (%u)", tables[t].call);
		if (!strncmp(line + 4, tables[t].name, n) && !strncmp(line + 4 + n, num, strlen(num)))
			return t;
	}
	return -1;
}

/* One table row: "| nr | ... | status |", nr a number or "A-B". */
static void parse_row(struct doc *doc, int t, char *line)
{
	char *cells[16], *p = line + 1, *bar;
	unsigned int nc = 0, lo, hi;
	char *end;

	while (nc < 16 && (bar = strchr(p, '|'))) {
		*bar = '\0';
		cells[nc++] = trim(p);
		p = bar + 1;
	}
	if (nc < 2)
		return;
	lo = (unsigned int)strtoul(cells[0], &end, 0);
	if (end == cells[0])
		return; /* header or separator */
	hi = lo;
	if (*end == '-' && end[1]) {
		char *e2;

		hi = (unsigned int)strtoul(end + 1, &e2, 0);
		if (*e2)
			return;
	} else if (*end) {
		return;
	}
	for (unsigned int nr = lo; nr <= hi && nr < MAX_NR; nr++) {
		doc->row[t][nr] = strncmp(cells[nc - 1], "ENOSYS", 6) ? LISTED_IMPL : LISTED_ENOSYS;
		doc->nr_rows[t]++;
	}
}

static void read_doc(struct doc *doc)
{
	FILE *f = fopen(doc_path, "r");
	char line[2048];
	int t = -1;

	if (!f)
		fail_msg("cannot read %s", doc_path);
	memset(doc, 0, sizeof(*doc));
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "## ", 3))
			t = !strncmp(line, "## Hypercalls", 13) ? T_HYPERCALL : -1;
		else if (!strncmp(line, "### ", 4))
			t = table_of_heading(line);
		else if (t >= 0 && line[0] == '|')
			parse_row(doc, t, line);
	}
	fclose(f);
}

/* Does the dispatcher know sub-op (or call) nr of table t? */
/*
 * Makes an upcall due on d (a vector callback and an IPI sent to itself,
 * never consumed), so that SCHEDOP_block and SCHEDOP_poll return at once
 * instead of sleeping: the probe asks whether they are dispatched, not
 * whether they block.
 */
static void upcall_due(struct harness *h, struct domain *d)
{
	struct xen_hvm_param p = {.domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
				  .value = HVM_CALLBACK_VECTOR(0xf3)};
	struct evtchn_bind_ipi ipi = {.vcpu = 0};

	h_put(d, 0, &p, sizeof(p));
	assert_int_equal(h_call(h, d, __HYPERVISOR_hvm_op, HVMOP_set_param, h_gpa(0), 0, 0, 0), 0);
	h_put(d, 0, &ipi, sizeof(ipi));
	assert_int_equal(h_call(h, d, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, h_gpa(0), 0,
				0, 0), 0);
	h_get(d, 0, &ipi, sizeof(ipi));
	h_put(d, 0, &ipi.port, sizeof(ipi.port));
	assert_int_equal(h_call(h, d, __HYPERVISOR_event_channel_op, EVTCHNOP_send, h_gpa(0), 0, 0,
				0), 0);
}

static bool dispatched(struct harness *h, struct domain *d, int t, unsigned int nr)
{
	static const uint8_t zero[4096];
	uint64_t s = h_gpa(0);
	int64_t a, b;

	h_put(d, 0, zero, sizeof(zero));
	switch (t) {
	case T_VCPU: /* (cmd, vcpuid, arg) */
		a = h_call(h, d, tables[t].call, nr, 0, 0, 0, 0);
		b = h_call(h, d, tables[t].call, nr, 0, s, 0, 0);
		break;
	case T_HYPERCALL:
		a = h_call(h, d, nr, 0, 0, 0, 0, 0);
		b = h_call(h, d, nr, 0, s, 1, 0, 0);
		break;
	case T_CONSOLE:
		a = h_call(h, d, tables[t].call, nr, 1, s, 0, 0);
		b = a;
		break;
	case T_GNTTAB:
		a = h_call(h, d, tables[t].call, nr, s, 0, 0, 0);
		b = h_call(h, d, tables[t].call, nr, s, 1, 0, 0);
		break;
	case T_SYSCTL:
	case T_DOMCTL: {
		/* cmd @0, interface_version @4 in both; the release's version,
		 * so that the call reaches its sub-op switch. */
		const struct xen_policy_traits *r = hv_release(h->hv);
		uint32_t hdr[2] = {nr, t == T_SYSCTL ? r->sysctl_version : r->domctl_version};
		uint16_t self = DOMID_SELF;

		h_put(d, 0, hdr, sizeof(hdr));
		h_put(d, 8, &self, sizeof(self));
		a = h_call(h, d, tables[t].call, s, 0, 0, 0, 0);
		b = a;
		break;
	}
	default: /* (cmd, arg) */
		a = h_call(h, d, tables[t].call, nr, 0, 0, 0, 0);
		h_put(d, 0, zero, sizeof(zero));
		b = h_call(h, d, tables[t].call, nr, s, 0, 0, 0);
		break;
	}
	return a != -ENOSYS || b != -ENOSYS;
}

static void walk(int t, const struct doc *doc)
{
	struct harness h;
	struct domain *d;
	unsigned int bad = 0;

	h_init_default(&h);
	d = h_domain(&h, "dom0", DOMF_privileged, 4096);
	for (unsigned int nr = 0; nr < MAX_NR; nr++) {
		bool listed = doc->row[t][nr] != UNLISTED;
		bool want;
		bool got;

		if (!listed && nr >= tables[t].probe)
			continue;
		/* A shut-down caller still reaches every handler, but start
		 * each probe from a running one (sched_op shuts it down). */
		if (d->state != DOMS_running) {
			d = h_domain(&h, "dom0", DOMF_privileged, 4096);
			if (t == T_SCHED)
				upcall_due(&h, d);
		}
		if (t == T_SCHED && nr == 0 && d->state == DOMS_running)
			upcall_due(&h, d);
		got = dispatched(&h, d, t, nr);
		want = doc->row[t][nr] == LISTED_IMPL;
		if (got != want) {
			print_error("docs/abi.md %s %u: the doc says %s, the dispatcher %s\n",
				    tables[t].name, nr,
				    !listed ? "nothing" : want ? "implemented" : "ENOSYS",
				    got ? "handles it" : "returns -ENOSYS");
			bad++;
		}
	}
	h_audit(&h);
	h_fini(&h);
	assert_int_equal(bad, 0);
}

static void test_doc_tables_found(void **state)
{
	struct doc doc;

	(void)state;
	read_doc(&doc);
	/* A parser that finds nothing would pass everything below. */
	for (int t = 0; t < T__COUNT; t++) {
		if (!doc.nr_rows[t])
			print_error("docs/abi.md: no table for %s\n", tables[t].name);
		assert_true(doc.nr_rows[t] > 0);
	}
	assert_int_equal(doc.row[T_HYPERCALL][__HYPERVISOR_memory_op], LISTED_IMPL);
	assert_int_equal(doc.row[T_HYPERCALL][__HYPERVISOR_arch_7], LISTED_ENOSYS);
}

#define WALK(name, t)                                                                       \
	static void test_walk_##name(void **state)                                          \
	{                                                                                   \
		struct doc doc;                                                             \
		(void)state;                                                                \
		read_doc(&doc);                                                             \
		walk(t, &doc);                                                              \
	}
WALK(hypercalls, T_HYPERCALL)
WALK(memory_op, T_MEMORY)
WALK(xen_version, T_XENVER)
WALK(console_io, T_CONSOLE)
WALK(grant_table_op, T_GNTTAB)
WALK(sched_op, T_SCHED)
WALK(sysctl, T_SYSCTL)
WALK(domctl, T_DOMCTL)
WALK(vcpu_op, T_VCPU)
WALK(event_channel_op, T_EVTCHN)
WALK(hvm_op, T_HVM)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_tables_found),
		cmocka_unit_test(test_walk_hypercalls),
		cmocka_unit_test(test_walk_memory_op),
		cmocka_unit_test(test_walk_xen_version),
		cmocka_unit_test(test_walk_console_io),
		cmocka_unit_test(test_walk_grant_table_op),
		cmocka_unit_test(test_walk_sched_op),
		cmocka_unit_test(test_walk_vcpu_op),
		cmocka_unit_test(test_walk_event_channel_op),
		cmocka_unit_test(test_walk_hvm_op),
		cmocka_unit_test(test_walk_sysctl),
		cmocka_unit_test(test_walk_domctl),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s docs/abi.md\n", argv[0]);
		return 1;
	}
	doc_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
