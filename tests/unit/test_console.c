/*
 * Console input (issue 16, hv/console.h): the ring the VMM feeds,
 * CONSOLEIO_read for the console's holder and the errors of everyone
 * else, VIRQ_CONSOLE at the hardware domain, a full ring refusing instead
 * of dropping, a feeder waiting for room while the reader drains, and the
 * audit after every call (and catching a corrupt ring).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <hv/console.h>
#include <hv/event.h>
#include <public/event_channel.h>
#include <public/memory.h>
#include <public/xen.h>

#include "harness.h"

#define SHINFO_GFN 0x20000ULL

static int64_t rd(struct harness *h, struct domain *d, uint64_t count, uint64_t buf)
{
	int64_t rc = h_call(h, d, __HYPERVISOR_console_io, CONSOLEIO_read, count, buf, 0, 0);

	h_audit(h);
	return rc;
}

/* Reads n bytes through d's scratch area in pieces (the ring is larger
 * than the area), into out when given; the bytes read. */
static size_t rd_all(struct harness *h, struct domain *d, size_t n, char *out)
{
	size_t got = 0;

	while (got < n) {
		size_t want = n - got < 4096 ? n - got : 4096;
		int64_t r = rd(h, d, want, h_gpa(0));

		assert_true(r >= 0 && (size_t)r <= want);
		if (!r)
			break;
		if (out)
			h_get(d, 0, out + got, (size_t)r);
		got += (size_t)r;
	}
	return got;
}

static size_t feed(struct harness *h, const void *p, size_t len)
{
	size_t n = hv_console_input(h->hv, p, len);

	h_audit(h);
	return n;
}

/* d with shared_info at SHINFO_GFN and VIRQ_CONSOLE bound: its port, or
 * the bind's error. */
static int64_t bind_console(struct harness *h, struct domain *d)
{
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
				       .gpfn = SHINFO_GFN};
	struct evtchn_bind_virq b = {.virq = VIRQ_CONSOLE};
	int64_t rc;

	h_populate(h, d, SHINFO_GFN, 1);
	h_put(d, 0, &x, sizeof(x));
	assert_int_equal(h_call(h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, h_gpa(0), 0, 0,
				0), 0);
	rc = h_op(h, d, __HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, &b, sizeof(b));
	return rc ? rc : b.port;
}

static struct shared_info *shinfo(struct domain *d)
{
	return h_va(d, SHINFO_GFN << PAGE_SHIFT);
}

static bool pending(struct domain *d, uint32_t port)
{
	return (shinfo(d)->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

static void clear_pending(struct domain *d, uint32_t port)
{
	shinfo(d)->evtchn_pending[port / 64] &= ~(1ULL << (port % 64));
}

/* Bytes reach Dom0 in order, in pieces of the size it asks; VIRQ_CONSOLE
 * tells it; an empty ring reads 0 and leaves the buffer alone. */
static void test_read(void **state)
{
	struct harness h;
	struct domain *dom0, *du;
	char buf[64];
	int64_t port;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 256);
	du = h_domain(&h, "domu", 0, 256);
	port = bind_console(&h, dom0);
	assert_true(port > 0);
	/* The DomU is not the global VIRQ's handler (Xen 4.21's rule; the
	 * harness presents the newest release). */
	assert_int_equal(bind_console(&h, du), -EBUSY);

	memset(buf, 'x', sizeof(buf));
	h_put(dom0, 0, buf, sizeof(buf));
	assert_int_equal(rd(&h, dom0, sizeof(buf), h_gpa(0)), 0);
	h_get(dom0, 0, buf, sizeof(buf));
	assert_int_equal(buf[0], 'x');
	assert_false(pending(dom0, (uint32_t)port));

	assert_int_equal(feed(&h, "hello\n", 6), 6);
	assert_true(pending(dom0, (uint32_t)port));
	assert_int_equal(hv_console_input_pending(h.hv), 6);
	assert_int_equal(rd(&h, dom0, 3, h_gpa(0)), 3);
	assert_int_equal(rd(&h, dom0, 0, h_gpa(0x100)), 0);
	assert_int_equal(rd(&h, dom0, sizeof(buf), h_gpa(3)), 3);
	h_get(dom0, 0, buf, 6);
	assert_memory_equal(buf, "hello\n", 6);
	assert_int_equal(rd(&h, dom0, sizeof(buf), h_gpa(0)), 0);
	assert_int_equal(hv_console_input_pending(h.hv), 0);
	h_fini(&h);
}

/* What Xen gives everyone else, and bad arguments. */
static void test_errors(void **state)
{
	struct harness h;
	struct domain *dom0, *du;
	char buf[8] = "zzzzzzz";

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 256);
	du = h_domain(&h, "domu", 0, 256);
	assert_int_equal(feed(&h, "abc", 3), 3);
	/* Xen's dummy XSM policy: console_io is for privileged domains (a
	 * DomU's read is refused, and takes nothing from the ring). */
	h_put(du, 0, buf, sizeof(buf));
	assert_int_equal(rd(&h, du, 3, h_gpa(0)), -EPERM);
	h_get(du, 0, buf, sizeof(buf));
	assert_string_equal(buf, "zzzzzzz");
	assert_int_equal(hv_console_input_pending(h.hv), 3);
	/* count must leave room for an errno in the result */
	assert_int_equal(rd(&h, dom0, (uint64_t)INT_MAX + 1, h_gpa(0)), -E2BIG);
	assert_int_equal(rd(&h, dom0, UINT64_MAX, h_gpa(0)), -E2BIG);
	/* a buffer with no memory behind it: nothing is consumed */
	assert_int_equal(rd(&h, dom0, 3, 0x77770000), -EFAULT);
	assert_int_equal(hv_console_input_pending(h.hv), 3);
	/* unknown sub-op */
	assert_int_equal(h_call(&h, dom0, __HYPERVISOR_console_io, 2, 3, h_gpa(0), 0, 0), -ENOSYS);
	/* INT_MAX itself is fine */
	assert_int_equal(feed(&h, "de", 2), 2);
	assert_int_equal(rd(&h, dom0, INT_MAX, h_gpa(0)), 5);
	h_get(dom0, 0, buf, 5);
	assert_memory_equal(buf, "abcde", 5);
	h_fini(&h);
}

/* A fault after the wrap point: the first piece is consumed (Xen), the
 * second stays queued. */
static void test_fault_after_wrap(void **state)
{
	struct harness h;
	struct domain *dom0;
	static char junk[HV_CONIN_SIZE];
	char buf[8];
	uint64_t end = h_gpa(H_SCRATCH_PAGES * PAGE_SIZE);

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 256);
	/* bring the ring's indices to 4 bytes before the wrap */
	memset(junk, '.', sizeof(junk));
	assert_int_equal(feed(&h, junk, HV_CONIN_SIZE - 4), HV_CONIN_SIZE - 4);
	assert_int_equal(rd_all(&h, dom0, HV_CONIN_SIZE - 4, NULL), HV_CONIN_SIZE - 4);
	assert_int_equal(feed(&h, "ABCDEFGH", 8), 8);
	/* 4 bytes fit before the end of the scratch area, the next 4 do not */
	assert_int_equal(rd(&h, dom0, 8, end - 4), -EFAULT);
	assert_int_equal(hv_console_input_pending(h.hv), 4);
	h_get(dom0, H_SCRATCH_PAGES * PAGE_SIZE - 4, buf, 4);
	assert_memory_equal(buf, "ABCD", 4);
	assert_int_equal(rd(&h, dom0, 8, h_gpa(0)), 4);
	h_get(dom0, 0, buf, 4);
	assert_memory_equal(buf, "EFGH", 4);
	h_fini(&h);
}

/* A full ring takes nothing more, says so, counts it, and still raises
 * VIRQ_CONSOLE (as Xen, so a reader that missed a wake-up gets one). */
static void test_full(void **state)
{
	struct harness h;
	struct domain *dom0;
	static char big[HV_CONIN_SIZE + 100], out[HV_CONIN_SIZE + 100];
	int64_t port;

	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 256);
	port = bind_console(&h, dom0);
	assert_true(port > 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(feed(&h, big, sizeof(big)), HV_CONIN_SIZE);
	assert_int_equal(h.hv->conin.refused, 100);
	clear_pending(dom0, (uint32_t)port);
	assert_int_equal(feed(&h, big + HV_CONIN_SIZE, 100), 0);
	assert_int_equal(h.hv->conin.refused, 200);
	assert_true(pending(dom0, (uint32_t)port));
	assert_int_equal(hv_console_input_wait(h.hv, 1), -ETIMEDOUT);
	/* reading makes room; the rest goes in after what was there */
	assert_int_equal(rd_all(&h, dom0, 100, out), 100);
	assert_int_equal(hv_console_input_wait(h.hv, 1), 0);
	assert_int_equal(feed(&h, big + HV_CONIN_SIZE, 100), 100);
	assert_int_equal(rd_all(&h, dom0, sizeof(out), out + 100), HV_CONIN_SIZE);
	assert_memory_equal(out, big, sizeof(big));
	h_fini(&h);
}

struct feeder {
	struct harness *h;
	const char *p;
	size_t len;
	int rc;
	bool done;
};

/* What the VMM does with a command larger than the ring. */
static void *feeder(void *arg)
{
	struct feeder *f = arg;
	size_t done = 0;

	while (done < f->len) {
		done += hv_console_input(f->h->hv, f->p + done, f->len - done);
		if (done < f->len && hv_console_input_wait(f->h->hv, 10000)) {
			f->rc = -ETIMEDOUT;
			break;
		}
	}
	__atomic_store_n(&f->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Three rings' worth through a feeder that waits for room while Dom0
 * reads in small pieces: every byte arrives, in order, none refused for
 * good. */
static void test_feeder_waits(void **state)
{
	struct harness h;
	struct domain *dom0;
	static char big[3 * HV_CONIN_SIZE + 17], got[sizeof(big)];
	struct feeder f;
	pthread_t th;
	size_t n = 0;
	int64_t r;

	_Static_assert(sizeof(big) > 2 * HV_CONIN_SIZE, "more than the ring holds");
	(void)state;
	h_init_default(&h);
	dom0 = h_domain(&h, "dom0", DOMF_privileged, 256);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	f = (struct feeder){.h = &h, .p = big, .len = sizeof(big)};
	assert_int_equal(pthread_create(&th, NULL, feeder, &f), 0);
	/* the feeder's own 10 s limit ends a run where nothing arrives */
	while (n < sizeof(big) && !__atomic_load_n(&f.done, __ATOMIC_ACQUIRE)) {
		r = rd(&h, dom0, 333, h_gpa(0));
		assert_true(r >= 0 && (size_t)r <= sizeof(big) - n);
		h_get(dom0, 0, got + n, (size_t)r);
		n += (size_t)r;
		if (!r)
			sched_yield();
	}
	pthread_join(th, NULL);
	/* what came after the last read */
	n += rd_all(&h, dom0, sizeof(big) - n, got + n);
	assert_int_equal(n, sizeof(big));
	assert_int_equal(f.rc, 0);
	assert_memory_equal(got, big, sizeof(big));
	h_fini(&h);
}

/* The audit finds a ring holding more than its size. */
static void test_audit(void **state)
{
	struct harness h;
	char msg[256];

	(void)state;
	h_init_default(&h);
	h_domain(&h, "dom0", DOMF_privileged, 256);
	h.hv->conin.prod = h.hv->conin.cons + HV_CONIN_SIZE + 1;
	assert_int_not_equal(hv_audit(h.hv, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "console input"));
	h.hv->conin.prod = h.hv->conin.cons = 5;
	h_audit(&h);
	h.hv->conin.cons = 6;
	assert_int_not_equal(hv_audit(h.hv, msg, sizeof(msg)), 0);
	h.hv->conin.cons = 5;
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_fault_after_wrap),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_feeder_waits),
		cmocka_unit_test(test_audit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
