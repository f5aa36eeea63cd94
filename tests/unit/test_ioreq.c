/*
 * IOREQ servers, standard interface (issue 15 item 1), hypervisor side:
 * every dm_op sub-op and error, XENMEM_acquire_resource of the server's
 * pages, and the synchronous MMIO protocol with this test thread acting as
 * the emulator while another thread is the target's vCPU (held in
 * hv_ioreq_mmio until the answer). The audit runs after every step,
 * failed ones included.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/p2m.h>
#include <public/dm_op.h>
#include <public/event_channel.h>
#include <public/memory.h>
#include <public/xen.h>

#include "harness.h"

#define SHINFO_GFN 0x20000ULL /* the emulator's shared_info */
#define IOREQ_GFN 0x21000ULL  /* where the emulator maps the ioreq page */
#define BUFIOREQ_GFN 0x21001ULL
#define MMIO_BASE 0x80000000ULL /* the device window of the target */

/* ---- helpers ---------------------------------------------------------- */

/* dm_op with bufs[0] at scratch page 1 and the op at page 2; op gets the
 * buffer back. */
static int64_t dmop_n(struct harness *h, struct domain *d, domid_t target, struct xen_dm_op *op,
		      uint64_t size, unsigned int nr_bufs)
{
	struct xen_dm_op_buf b = {.h = h_gpa(2 * PAGE_SIZE), .size = size};
	int64_t rc;

	h_put(d, PAGE_SIZE, &b, sizeof(b));
	h_put(d, 2 * PAGE_SIZE, op, sizeof(*op));
	rc = h_call(h, d, __HYPERVISOR_dm_op, target, nr_bufs, h_gpa(PAGE_SIZE), 0, 0);
	h_get(d, 2 * PAGE_SIZE, op, sizeof(*op));
	h_audit(h);
	return rc;
}
#define dmop(h, d, t, op) dmop_n(h, d, t, op, sizeof(*(op)), 1)

static int64_t create(struct harness *h, struct domain *emu, domid_t t, uint8_t buf)
{
	struct xen_dm_op op = {.op = XEN_DMOP_create_ioreq_server};
	int64_t rc;

	op.u.create_ioreq_server.handle_bufioreq = buf;
	op.u.create_ioreq_server.id = 0xbeef;
	rc = dmop(h, emu, t, &op);
	return rc ? rc : op.u.create_ioreq_server.id;
}

static int64_t range_op(struct harness *h, struct domain *emu, domid_t t, uint32_t sub,
			ioservid_t id, uint32_t type, uint64_t start, uint64_t end)
{
	struct xen_dm_op op = {.op = sub};

	op.u.map_io_range_to_ioreq_server.id = id;
	op.u.map_io_range_to_ioreq_server.type = type;
	op.u.map_io_range_to_ioreq_server.start = start;
	op.u.map_io_range_to_ioreq_server.end = end;
	return dmop(h, emu, t, &op);
}
#define map_range(h, e, t, id, ty, s, en) \
	range_op(h, e, t, XEN_DMOP_map_io_range_to_ioreq_server, id, ty, s, en)
#define unmap_range(h, e, t, id, ty, s, en) \
	range_op(h, e, t, XEN_DMOP_unmap_io_range_from_ioreq_server, id, ty, s, en)

static int64_t set_state(struct harness *h, struct domain *emu, domid_t t, ioservid_t id,
			 uint8_t on)
{
	struct xen_dm_op op = {.op = XEN_DMOP_set_ioreq_server_state};

	op.u.set_ioreq_server_state.id = id;
	op.u.set_ioreq_server_state.enabled = on;
	return dmop(h, emu, t, &op);
}

static int64_t destroy(struct harness *h, struct domain *emu, domid_t t, ioservid_t id)
{
	struct xen_dm_op op = {.op = XEN_DMOP_destroy_ioreq_server};

	op.u.destroy_ioreq_server.id = id;
	return dmop(h, emu, t, &op);
}

static int64_t get_info(struct harness *h, struct domain *emu, domid_t t, ioservid_t id,
			uint16_t flags, uint32_t *port)
{
	struct xen_dm_op op = {.op = XEN_DMOP_get_ioreq_server_info};
	int64_t rc;

	op.u.get_ioreq_server_info.id = id;
	op.u.get_ioreq_server_info.flags = flags;
	op.u.get_ioreq_server_info.bufioreq_port = 0xdead;
	rc = dmop(h, emu, t, &op);
	if (port)
		*port = op.u.get_ioreq_server_info.bufioreq_port;
	return rc;
}

/* acquire_resource through d's scratch page 3 (struct) and 4 (frame list). */
static int64_t acquire(struct harness *h, struct domain *d, struct xen_mem_acquire_resource *r,
		       const uint64_t *gfns)
{
	int64_t rc;

	if (gfns)
		h_put(d, 4 * PAGE_SIZE, gfns, r->nr_frames * sizeof(*gfns));
	h_put(d, 3 * PAGE_SIZE, r, sizeof(*r));
	rc = h_call(h, d, __HYPERVISOR_memory_op, XENMEM_acquire_resource, h_gpa(3 * PAGE_SIZE), 0,
		    0, 0);
	h_get(d, 3 * PAGE_SIZE, r, sizeof(*r));
	h_audit(h);
	return rc;
}

static int64_t acquire_ioreq(struct harness *h, struct domain *emu, domid_t t, uint32_t id,
			     uint64_t frame, uint64_t gfn)
{
	struct xen_mem_acquire_resource r = {.domid = t, .type = XENMEM_resource_ioreq_server,
					     .id = id, .nr_frames = 1, .frame = frame,
					     .frame_list = h_gpa(4 * PAGE_SIZE)};

	return acquire(h, emu, &r, &gfn);
}

static int64_t ev_(struct harness *h, struct domain *d, unsigned int cmd, void *a, size_t len)
{
	return h_op(h, d, __HYPERVISOR_event_channel_op, cmd, a, len);
}

static int64_t bind(struct harness *h, struct domain *d, domid_t rd, uint32_t rport)
{
	struct evtchn_bind_interdomain b = {.remote_dom = rd, .remote_port = rport};
	int64_t rc = ev_(h, d, EVTCHNOP_bind_interdomain, &b, sizeof(b));

	return rc ? rc : b.local_port;
}

static int64_t send_port(struct harness *h, struct domain *d, uint32_t port)
{
	struct evtchn_send s = {.port = port};

	return ev_(h, d, EVTCHNOP_send, &s, sizeof(s));
}

static struct shared_info *shinfo(struct domain *d)
{
	return h_va(d, SHINFO_GFN << PAGE_SHIFT);
}

static bool pending(struct domain *d, uint32_t port)
{
	return (__atomic_load_n(&shinfo(d)->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >>
		(port % 64)) & 1;
}

static void clear_pending(struct domain *d, uint32_t port)
{
	__atomic_and_fetch(&shinfo(d)->evtchn_pending[port / 64], ~(1ULL << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

struct world {
	struct harness h;
	struct domain *guest, *emu, *other, *priv;
};

static void world_init(struct world *w)
{
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
				       .gpfn = SHINFO_GFN};

	h_init_default(&w->h);
	w->guest = h_domain(&w->h, "guest", 0, 256);
	w->emu = h_domain(&w->h, "emu", 0, 256);
	w->other = h_domain(&w->h, "other", 0, 256);
	w->priv = h_domain(&w->h, "priv", DOMF_privileged, 256);
	hv_lock(w->h.hv);
	w->emu->targets[w->emu->nr_targets++] = w->guest->id;
	hv_unlock(w->h.hv);
	for (int k = 0; k < 2; k++) {
		struct domain *d = k ? w->guest : w->emu;

		h_populate(&w->h, d, SHINFO_GFN, 1);
		h_put(d, 0, &x, sizeof(x));
		assert_int_equal(h_call(&w->h, d, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
					h_gpa(0), 0, 0, 0),
				 0);
	}
	h_audit(&w->h);
}

/* ---- dm_op ------------------------------------------------------------ */

/* Xen's check order and errors, create, ids, limits, nr_vcpus. */
static void test_dm_op_create(void **state)
{
	struct world w;
	struct xen_dm_op op;
	uint64_t base;
	domid_t g;

	(void)state;
	world_init(&w);
	g = w.guest->id;
	base = w.guest->tot_pages;
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_create_ioreq_server;
	assert_int_equal(dmop_n(&w.h, w.emu, g, &op, sizeof(op), 3), -E2BIG);
	assert_int_equal(dmop(&w.h, w.emu, 0x7000, &op), -ESRCH);
	assert_int_equal(dmop(&w.h, w.emu, DOMID_SELF, &op), -EPERM);
	assert_int_equal(dmop(&w.h, w.emu, w.emu->id, &op), -EPERM);
	assert_int_equal(dmop(&w.h, w.other, g, &op), -EPERM);
	assert_int_equal(dmop_n(&w.h, w.emu, g, &op, sizeof(op), 0), -ENODATA);
	assert_int_equal(dmop_n(&w.h, w.emu, g, &op, 4, 1), -EFAULT);
	assert_int_equal(dmop_n(&w.h, w.emu, g, &op, 8 + 5, 1), -EFAULT);
	op.pad = 1;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EINVAL);
	op.pad = 0;
	op.op = 0x1234;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EOPNOTSUPP);
	op.op = 9; /* set_isa_irq_level: x86 only in Xen, not here */
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EOPNOTSUPP);
	op.op = XEN_DMOP_create_ioreq_server;
	op.u.create_ioreq_server.pad[1] = 1;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EINVAL);
	assert_int_equal(create(&w.h, w.emu, g, 3), -EINVAL);
	assert_null(w.guest->ioreq ? w.guest->ioreq->server[0] : NULL);
	/* A target at its max_pages still gets servers (their pages are the
	 * hypervisor's extra frames); the guest still cannot grow. */
	hv_lock(w.h.hv);
	w.guest->max_pages = w.guest->tot_pages;
	hv_unlock(w.h.hv);

	/* Ids: lowest free slot, 8 per target, a destroyed id is reused. */
	for (int i = 0; i < IOREQ_MAX_SERVERS; i++)
		assert_int_equal(create(&w.h, i & 1 ? w.priv : w.emu, g, (uint8_t)(i % 3)), i);
	assert_int_equal(create(&w.h, w.emu, g, 0), -ENOSPC);
	{
		uint64_t gfn = 0x30000;

		assert_int_equal(h_reservation(&w.h, w.guest, XENMEM_populate_physmap, &gfn, 1, 0,
					       DOMID_SELF),
				 0);
	}
	assert_int_equal(destroy(&w.h, w.emu, g, 2), 0);
	assert_int_equal(create(&w.h, w.emu, g, 0), 2);
	/* The pages count in the target: one each, two with bufioreq (ids
	 * 1, 4, 5, 7 now). */
	assert_int_equal(w.guest->tot_pages, base + 8 + 4);
	assert_int_equal(w.guest->extra_pages, 8 + 4);
	/* ...beyond max_pages, as Xen's extra pages: not the guest's reservation. */
	{
		domid_t self = DOMID_SELF;

		h_put(w.guest, 0, &self, sizeof(self));
	}
	assert_int_equal(h_call(&w.h, w.guest, __HYPERVISOR_memory_op, XENMEM_current_reservation,
				h_gpa(0), 0, 0, 0),
			 (int64_t)base);

	/* nr_vcpus needs no server. */
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_nr_vcpus;
	op.u.nr_vcpus.vcpus = 99;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), 0);
	assert_int_equal(op.u.nr_vcpus.vcpus, 1);

	/* The target's death frees everything (the audit checks the frames). */
	hv_lock(w.h.hv);
	domain_destroy(w.guest);
	hv_unlock(w.h.hv);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* get_info, ranges, state, destroy: every error. */
static void test_dm_op_server_ops(void **state)
{
	struct world w;
	struct xen_dm_op op;
	uint32_t port;
	domid_t g;
	int64_t a, b;

	(void)state;
	world_init(&w);
	g = w.guest->id;
	a = create(&w.h, w.emu, g, HVM_IOREQSRV_BUFIOREQ_ATOMIC);
	b = create(&w.h, w.priv, g, HVM_IOREQSRV_BUFIOREQ_OFF);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);

	/* get_ioreq_server_info */
	assert_int_equal(get_info(&w.h, w.emu, g, 5, XEN_DMOP_no_gfns, NULL), -ENOENT);
	assert_int_equal(get_info(&w.h, w.emu, g, 1, XEN_DMOP_no_gfns, NULL), -EPERM);
	assert_int_equal(get_info(&w.h, w.emu, g, 0, 2, NULL), -EINVAL);
	assert_int_equal(get_info(&w.h, w.emu, g, 0, 0, NULL), -EOPNOTSUPP);
	assert_int_equal(get_info(&w.h, w.emu, g, 0, XEN_DMOP_no_gfns, &port), 0);
	assert_true(port > 0);
	assert_int_equal(evtchn_port_state(w.guest, port), EVTCHNSTAT_unbound);
	assert_int_equal(get_info(&w.h, w.priv, g, 1, XEN_DMOP_no_gfns, &port), 0);
	assert_int_equal(port, 0);
	/* The guest can neither close nor send on the server's ports. */
	{
		struct evtchn_close c = {.port = w.guest->ioreq->server[0]->vcpu_port[0]};

		assert_int_equal(ev_(&w.h, w.guest, EVTCHNOP_close, &c, sizeof(c)), -EINVAL);
	}

	/* map / unmap */
	assert_int_equal(map_range(&w.h, w.emu, g, 0, 3, 0, 1), -EINVAL);
	assert_int_equal(map_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, 10, 9), -EINVAL);
	assert_int_equal(map_range(&w.h, w.emu, g, 7, XEN_DMOP_IO_RANGE_MEMORY, 0, 1), -ENOENT);
	assert_int_equal(map_range(&w.h, w.emu, g, 1, XEN_DMOP_IO_RANGE_MEMORY, 0, 1), -EPERM);
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_map_io_range_to_ioreq_server;
	op.u.map_io_range_to_ioreq_server.pad = 1;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EINVAL);
	assert_int_equal(map_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, 0x1000, 0x1fff), 0);
	assert_int_equal(map_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, 0x1fff, 0x2fff),
			 -EEXIST);
	assert_int_equal(map_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, 0x0, 0x1000),
			 -EEXIST);
	/* Other types and other servers are separate spaces. */
	assert_int_equal(map_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_PORT, 0x1000, 0x1fff), 0);
	assert_int_equal(map_range(&w.h, w.priv, g, 1, XEN_DMOP_IO_RANGE_MEMORY, 0x1000, 0x1fff),
			 0);
	/* unmap must lie inside one range; a middle piece splits it. */
	assert_int_equal(unmap_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, 0x800, 0x1000),
			 -ENOENT);
	assert_int_equal(unmap_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_PCI, 0x1000, 0x1000),
			 -ENOENT);
	assert_int_equal(unmap_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, 0x1400, 0x14ff),
			 0);
	assert_int_equal(w.guest->ioreq->server[0]->nr_ranges[XEN_DMOP_IO_RANGE_MEMORY], 2);
	assert_int_equal(unmap_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, 0x1400, 0x1400),
			 -ENOENT);
	assert_int_equal(unmap_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, 0x1000, 0x13ff),
			 0);
	assert_int_equal(unmap_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, 0x1500, 0x1fff),
			 0);
	assert_int_equal(w.guest->ioreq->server[0]->nr_ranges[XEN_DMOP_IO_RANGE_MEMORY], 0);
	/* 256 ranges per type. */
	for (uint64_t i = 0; i < IOREQ_MAX_RANGES; i++)
		assert_int_equal(ioreq_server_map_range(w.guest->ioreq->server[0],
							XEN_DMOP_IO_RANGE_PCI, i * 2, i * 2),
				 0);
	assert_int_equal(map_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_PCI, 0x10000, 0x10000),
			 -ENOSPC);

	/* set_ioreq_server_state */
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_set_ioreq_server_state;
	op.u.set_ioreq_server_state.pad = 1;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EINVAL);
	assert_int_equal(set_state(&w.h, w.emu, g, 1, 1), -EPERM);
	assert_int_equal(set_state(&w.h, w.emu, g, 6, 1), -ENOENT);
	assert_int_equal(set_state(&w.h, w.emu, g, 0, 1), 0);
	assert_true(w.guest->ioreq->server[0]->enabled);
	assert_int_equal(set_state(&w.h, w.emu, g, 0, 0), 0);
	assert_false(w.guest->ioreq->server[0]->enabled);

	/* destroy */
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_destroy_ioreq_server;
	op.u.destroy_ioreq_server.pad = 1;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EINVAL);
	assert_int_equal(destroy(&w.h, w.emu, g, 1), -EPERM);
	port = w.guest->ioreq->server[0]->vcpu_port[0];
	assert_int_equal(evtchn_port_state(w.guest, port), EVTCHNSTAT_unbound);
	assert_int_equal(destroy(&w.h, w.emu, g, 0), 0);
	assert_int_equal(destroy(&w.h, w.emu, g, 0), -ENOENT);
	assert_int_equal(evtchn_port_state(w.guest, port), EVTCHNSTAT_closed);
	/* The emulator's death frees its servers, not the others'. */
	assert_int_equal(create(&w.h, w.emu, g, 0), 0);
	hv_lock(w.h.hv);
	domain_destroy(w.emu);
	hv_unlock(w.h.hv);
	h_audit(&w.h);
	assert_null(ioreq_server_find(w.h.hv, g, 0));
	assert_non_null(ioreq_server_find(w.h.hv, g, 1));
	h_fini(&w.h);
}

/* set_irq_level: the line reaches the target as an event on its PIRQ port. */
static void test_dm_op_irq(void **state)
{
	struct world w;
	struct xen_dm_op op;
	struct evtchn_bind_pirq bp = {.pirq = 40};
	struct evtchn_status st;
	uint32_t port;
	domid_t g;

	(void)state;
	world_init(&w);
	g = w.guest->id;
	memset(&op, 0, sizeof(op));
	op.op = XEN_DMOP_set_irq_level;
	op.u.set_irq_level.irq = 40;
	op.u.set_irq_level.level = 1;
	/* No server needed; privilege as every dm_op. */
	assert_int_equal(dmop(&w.h, w.other, g, &op), -EPERM);
	assert_int_equal(dmop(&w.h, w.emu, g, &op), 0); /* unbound: nothing */
	/* The target binds line 40. */
	assert_int_equal(ev_(&w.h, w.guest, EVTCHNOP_bind_pirq, &bp, sizeof(bp)), 0);
	port = bp.port;
	assert_true(port > 0);
	assert_int_equal(ev_(&w.h, w.guest, EVTCHNOP_bind_pirq, &bp, sizeof(bp)), -EEXIST);
	bp.pirq = 31;
	assert_int_equal(ev_(&w.h, w.guest, EVTCHNOP_bind_pirq, &bp, sizeof(bp)), -EINVAL);
	bp.pirq = 256;
	assert_int_equal(ev_(&w.h, w.guest, EVTCHNOP_bind_pirq, &bp, sizeof(bp)), -EINVAL);
	st = (struct evtchn_status){.dom = DOMID_SELF, .port = port};
	assert_int_equal(ev_(&w.h, w.guest, EVTCHNOP_status, &st, sizeof(st)), 0);
	assert_int_equal(st.status, EVTCHNSTAT_pirq);
	assert_int_equal(st.u.pirq, 40);
	assert_false(pending(w.guest, port));
	/* Level 0 does nothing; level 1 raises it, every time. */
	op.u.set_irq_level.level = 0;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), 0);
	assert_false(pending(w.guest, port));
	op.u.set_irq_level.level = 1;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), 0);
	assert_true(pending(w.guest, port));
	clear_pending(w.guest, port);
	assert_int_equal(dmop(&w.h, w.emu, g, &op), 0);
	assert_true(pending(w.guest, port));
	/* Errors: line, level, padding. */
	op.u.set_irq_level.irq = 31;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EINVAL);
	op.u.set_irq_level.irq = 256;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EINVAL);
	op.u.set_irq_level.irq = 40;
	op.u.set_irq_level.level = 2;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EINVAL);
	op.u.set_irq_level.level = 1;
	op.u.set_irq_level.pad[2] = 1;
	assert_int_equal(dmop(&w.h, w.emu, g, &op), -EINVAL);
	/* Counted per target: the three raises, not level 0 nor the refused. */
	assert_int_equal(w.guest->st.irq_raised, 3);
	/* Closed: the line is free to bind again, raising it does nothing. */
	{
		struct evtchn_close c = {.port = port};

		assert_int_equal(ev_(&w.h, w.guest, EVTCHNOP_close, &c, sizeof(c)), 0);
	}
	op.u.set_irq_level.pad[2] = 0;
	clear_pending(w.guest, port);
	assert_int_equal(dmop(&w.h, w.emu, g, &op), 0);
	assert_false(pending(w.guest, port));
	bp.pirq = 40;
	assert_int_equal(ev_(&w.h, w.guest, EVTCHNOP_bind_pirq, &bp, sizeof(bp)), 0);
	h_fini(&w.h);
}

/* ---- acquire_resource ------------------------------------------------- */

static void test_acquire_resource(void **state)
{
	struct world w;
	struct xen_mem_acquire_resource r;
	uint64_t gfns[2] = {IOREQ_GFN, BUFIOREQ_GFN};
	uint64_t guest_pages;
	struct ioreq *slot;
	p2m_type_t t;
	domid_t g;

	(void)state;
	world_init(&w);
	g = w.guest->id;
	guest_pages = w.guest->tot_pages;
	assert_int_equal(create(&w.h, w.emu, g, HVM_IOREQSRV_BUFIOREQ_OFF), 0);
	assert_int_equal(create(&w.h, w.priv, g, HVM_IOREQSRV_BUFIOREQ_LEGACY), 1);

	/* Size query. */
	r = (struct xen_mem_acquire_resource){.domid = g, .type = XENMEM_resource_ioreq_server};
	assert_int_equal(acquire(&w.h, w.emu, &r, NULL), 0);
	assert_int_equal(r.nr_frames, 2);
	/* Errors. */
	r.pad = 1;
	assert_int_equal(acquire(&w.h, w.emu, &r, NULL), -EINVAL);
	r = (struct xen_mem_acquire_resource){.domid = 0x7000, .type = XENMEM_resource_ioreq_server};
	assert_int_equal(acquire(&w.h, w.emu, &r, NULL), -ESRCH);
	r.domid = g;
	assert_int_equal(acquire(&w.h, w.other, &r, NULL), -EPERM);
	r.type = XENMEM_resource_grant_table;
	assert_int_equal(acquire(&w.h, w.emu, &r, NULL), -EOPNOTSUPP);
	r = (struct xen_mem_acquire_resource){.domid = g, .type = XENMEM_resource_ioreq_server,
					      .nr_frames = 33, .frame_list = h_gpa(4 * PAGE_SIZE)};
	assert_int_equal(acquire(&w.h, w.emu, &r, NULL), -E2BIG);
	assert_int_equal(acquire_ioreq(&w.h, w.emu, g, 5, 1, IOREQ_GFN), -ENOENT);
	assert_int_equal(acquire_ioreq(&w.h, w.emu, g, 1, 1, IOREQ_GFN), -EPERM);
	assert_int_equal(acquire_ioreq(&w.h, w.emu, g, 0, 0, IOREQ_GFN), -ENOENT); /* no bufioreq */
	assert_int_equal(acquire_ioreq(&w.h, w.emu, g, 0, 2, IOREQ_GFN), -EINVAL);
	assert_int_equal(acquire_ioreq(&w.h, w.emu, g, 0, 1, 1ULL << 40), -EIO);
	assert_true(mfn_eq(p2m_lookup(w.emu, _gfn(IOREQ_GFN), NULL, NULL), INVALID_MFN));

	/* Mapped: the emulator sees the server's page as a foreign leaf. */
	assert_int_equal(acquire_ioreq(&w.h, w.emu, g, 0, 1, IOREQ_GFN), 0);
	assert_true(mfn_eq(p2m_lookup(w.emu, _gfn(IOREQ_GFN), &t, NULL),
			   w.guest->ioreq->server[0]->ioreq_mfn));
	assert_int_equal(t, p2m_foreign_rw);
	slot = h_va(w.emu, IOREQ_GFN << PAGE_SHIFT);
	assert_int_equal(slot->vp_eport, 0); /* not before enable (pitfall 2) */
	assert_int_equal(set_state(&w.h, w.emu, g, 0, 1), 0);
	assert_int_equal(slot->vp_eport, w.guest->ioreq->server[0]->vcpu_port[0]);
	assert_int_equal(slot->state, STATE_IOREQ_NONE);
	/* Both frames at once from the bufioreq server. */
	r = (struct xen_mem_acquire_resource){.domid = g, .type = XENMEM_resource_ioreq_server,
					      .id = 1, .nr_frames = 2, .frame = 0,
					      .frame_list = h_gpa(4 * PAGE_SIZE)};
	assert_int_equal(acquire(&w.h, w.priv, &r, gfns), 0);
	assert_true(mfn_eq(p2m_lookup(w.priv, _gfn(BUFIOREQ_GFN), NULL, NULL),
			   w.guest->ioreq->server[1]->ioreq_mfn));

	/* A destroyed server's page lives on while mapped (the target still
	 * owns it), and goes when the emulator unmaps it. */
	assert_int_equal(destroy(&w.h, w.emu, g, 0), 0);
	assert_int_equal(w.guest->tot_pages, guest_pages + 1 + 2);
	{
		struct xen_remove_from_physmap x = {.domid = DOMID_SELF, .gpfn = IOREQ_GFN};

		h_put(w.emu, 0, &x, sizeof(x));
		assert_int_equal(h_call(&w.h, w.emu, __HYPERVISOR_memory_op,
					XENMEM_remove_from_physmap, h_gpa(0), 0, 0, 0),
				 0);
		h_audit(&w.h);
	}
	assert_int_equal(w.guest->tot_pages, guest_pages + 2);
	/* The target's death with frames still mapped: a zombie until unmapped. */
	hv_lock(w.h.hv);
	domain_destroy(w.guest);
	hv_unlock(w.h.hv);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* ---- the MMIO path ---------------------------------------------------- */

struct access {
	pthread_t t;
	struct harness *h;
	struct domain *d;
	uint64_t gpa;
	unsigned int size;
	bool write;
	uint64_t data;
	enum hv_mmio_result res;
	bool done;
};

static void *access_main(void *arg)
{
	struct access *a = arg;

	a->res = hv_ioreq_mmio(a->h->hv, a->d, 0, a->gpa, a->size, a->write, &a->data);
	__atomic_store_n(&a->done, true, __ATOMIC_SEQ_CST);
	return NULL;
}

static void start(struct access *a, struct harness *h, struct domain *d, uint64_t gpa,
		  unsigned int size, bool write, uint64_t data)
{
	*a = (struct access){.h = h, .d = d, .gpa = gpa, .size = size, .write = write, .data = data};
	assert_int_equal(pthread_create(&a->t, NULL, access_main, a), 0);
}

/* Bounded waiting, never on time: until the vCPU sleeps in its access. */
static void wait_held(struct harness *h, struct access *a)
{
	for (unsigned int i = 0; i < 200000; i++) {
		if (hv_vcpu_blocked(h->hv, a->d, 0) || __atomic_load_n(&a->done, __ATOMIC_SEQ_CST))
			return;
		sched_yield();
		if (i > 1000) {
			struct timespec ts = {0, 100000};

			nanosleep(&ts, NULL);
		}
	}
	fail_msg("the vCPU never waited");
}

static enum hv_mmio_result finish(struct access *a)
{
	pthread_join(a->t, NULL);
	return a->res;
}

/* The emulator's side of one request: check it, answer it in Xen's order. */
static void serve(struct world *w, struct ioreq *slot, uint32_t local, uint64_t addr,
		  unsigned int size, bool write, uint64_t wdata, uint64_t rdata)
{
	assert_true(pending(w->emu, local));
	clear_pending(w->emu, local);
	assert_int_equal(__atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_ACQUIRE) & 0xf,
			 STATE_IOREQ_READY);
	assert_int_equal(slot->addr, addr);
	assert_int_equal(slot->size, size);
	assert_int_equal(slot->count, 1);
	assert_int_equal(slot->type, IOREQ_TYPE_COPY);
	assert_int_equal(slot->dir, write ? IOREQ_WRITE : IOREQ_READ);
	assert_int_equal(slot->data_is_ptr, 0);
	if (write)
		assert_int_equal(slot->data, wdata);
	slot->state = STATE_IOREQ_INPROCESS;
	if (!write)
		slot->data = rdata;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slot->state = STATE_IORESP_READY;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	assert_int_equal(send_port(&w->h, w->emu, local), 0);
}

static void test_mmio_round_trip(void **state)
{
	struct world w;
	struct access a;
	struct ioreq *slot;
	uint32_t vp, local;
	uint64_t data;
	domid_t g;

	(void)state;
	world_init(&w);
	g = w.guest->id;
	assert_int_equal(create(&w.h, w.emu, g, 0), 0);
	assert_int_equal(acquire_ioreq(&w.h, w.emu, g, 0, 1, IOREQ_GFN), 0);
	slot = h_va(w.emu, IOREQ_GFN << PAGE_SHIFT);
	assert_int_equal(map_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, MMIO_BASE,
				   MMIO_BASE + 0x1ff),
			 0);

	/* Disabled: nobody serves it (the transport's own handling). */
	data = 5;
	assert_int_equal(hv_ioreq_mmio(w.h.hv, w.guest, 0, MMIO_BASE, 4, false, &data),
			 HV_MMIO_UNCLAIMED);
	assert_int_equal(data, 5);
	assert_int_equal(set_state(&w.h, w.emu, g, 0, 1), 0);
	vp = slot->vp_eport;
	local = (uint32_t)bind(&w.h, w.emu, g, vp);
	assert_true(local > 0);
	clear_pending(w.emu, local); /* bind sets it (pitfall 3) */

	/* Outside, or only partly inside: unclaimed. */
	assert_int_equal(hv_ioreq_mmio(w.h.hv, w.guest, 0, MMIO_BASE + 0x200, 4, false, &data),
			 HV_MMIO_UNCLAIMED);
	assert_int_equal(hv_ioreq_mmio(w.h.hv, w.guest, 0, MMIO_BASE + 0x1fe, 4, false, &data),
			 HV_MMIO_UNCLAIMED);
	assert_int_equal(hv_ioreq_mmio(w.h.hv, w.guest, 0, MMIO_BASE, 3, false, &data),
			 HV_MMIO_UNCLAIMED);
	assert_false(pending(w.emu, local));

	/* A read: held until the answer, then the value. */
	start(&a, &w.h, w.guest, MMIO_BASE + 0x70, 4, false, 0);
	wait_held(&w.h, &a);
	assert_false(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST));
	h_audit(&w.h);
	serve(&w, slot, local, MMIO_BASE + 0x70, 4, false, 0, 0xdead000074726976ULL);
	assert_int_equal(finish(&a), HV_MMIO_DONE);
	assert_int_equal(a.data, 0x74726976); /* only the access's 4 bytes */
	assert_int_equal(slot->state, STATE_IOREQ_NONE); /* the vCPU frees the slot */
	h_audit(&w.h);

	/* A write waits for the answer too. */
	start(&a, &w.h, w.guest, MMIO_BASE + 0x50, 8, true, 0x1122334455667788ULL);
	wait_held(&w.h, &a);
	serve(&w, slot, local, MMIO_BASE + 0x50, 8, true, 0x1122334455667788ULL, 0);
	assert_int_equal(finish(&a), HV_MMIO_DONE);
	assert_int_equal(a.data, 0x1122334455667788ULL);

	/* A wake-up that is not the answer: pending; calling again resumes
	 * the same request without sending it twice. */
	start(&a, &w.h, w.guest, MMIO_BASE + 0x10, 2, false, 0);
	wait_held(&w.h, &a);
	hv_vcpu_wake(w.h.hv, w.guest, 0);
	assert_int_equal(finish(&a), HV_MMIO_PENDING);
	assert_int_equal(w.guest->ioreq->server[0]->st.mmio, 3);
	start(&a, &w.h, w.guest, MMIO_BASE + 0x10, 2, false, 0);
	wait_held(&w.h, &a);
	assert_int_equal(w.guest->ioreq->server[0]->st.mmio, 3);
	serve(&w, slot, local, MMIO_BASE + 0x10, 2, false, 0, 0x1234abcd);
	assert_int_equal(finish(&a), HV_MMIO_DONE);
	assert_int_equal(a.data, 0xabcd);

	/* The lowest enabled server holding the access wins. */
	assert_int_equal(create(&w.h, w.priv, g, 0), 1);
	assert_int_equal(map_range(&w.h, w.priv, g, 1, XEN_DMOP_IO_RANGE_MEMORY, MMIO_BASE,
				   MMIO_BASE + 0xfff),
			 0);
	assert_int_equal(set_state(&w.h, w.priv, g, 1, 1), 0);
	start(&a, &w.h, w.guest, MMIO_BASE + 0x20, 1, false, 0);
	wait_held(&w.h, &a);
	serve(&w, slot, local, MMIO_BASE + 0x20, 1, false, 0, 0x5a);
	assert_int_equal(finish(&a), HV_MMIO_DONE);
	assert_int_equal(a.data, 0x5a);

	/* The server destroyed while a vCPU waits: all ones, and gone. */
	start(&a, &w.h, w.guest, MMIO_BASE + 0x30, 4, false, 0);
	wait_held(&w.h, &a);
	assert_int_equal(destroy(&w.h, w.emu, g, 0), 0);
	assert_int_equal(finish(&a), HV_MMIO_GONE);
	assert_int_equal(a.data, 0xffffffffULL); /* all ones, of the access size */
	/* The target's cumulative counters outlive the server: five accesses
	 * forwarded (the resumed one once), four answered by an event. */
	assert_int_equal(w.guest->st.ioreqs, 5);
	assert_int_equal(w.emu->st.foreign_resource, 1); /* the acquired ioreq page */
	assert_int_equal(w.guest->st.ioreq_answers, 4);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* The PV IOMMU's INVALIDATE never takes the slot of a server that claims
 * ranges: owed instead, and the next access of vCPU 0 is forwarded. */
static void test_invalidate_spares_slots(void **state)
{
	struct world w;
	struct ioreq_server *s;
	struct ioreq *slot;
	domid_t g;

	(void)state;
	world_init(&w);
	g = w.guest->id;
	assert_int_equal(create(&w.h, w.emu, g, 0), 0);
	assert_int_equal(acquire_ioreq(&w.h, w.emu, g, 0, 1, IOREQ_GFN), 0);
	slot = h_va(w.emu, IOREQ_GFN << PAGE_SHIFT);
	s = w.guest->ioreq->server[0];
	hv_lock(w.h.hv);
	assert_int_equal(ioreq_send_invalidate(s, 0x1234), 0); /* no ranges: the slot */
	hv_unlock(w.h.hv);
	assert_int_equal(slot->type, IOREQ_TYPE_INVALIDATE);
	assert_int_equal(slot->data, 0x1234);
	assert_int_equal(slot->state, STATE_IOREQ_READY);
	slot->state = STATE_IOREQ_NONE; /* the emulator took it */
	assert_int_equal(map_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, MMIO_BASE,
				   MMIO_BASE + 0xfff),
			 0);
	hv_lock(w.h.hv);
	assert_int_equal(ioreq_send_invalidate(s, 0x5678), -EBUSY);
	hv_unlock(w.h.hv);
	assert_int_equal(s->st.backlog, 1);
	assert_int_equal(slot->state, STATE_IOREQ_NONE);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* A server with the window mapped and enabled, its slot and the
 * emulator's bound port. */
static struct ioreq *bad_emu_setup(struct world *w, uint32_t *local)
{
	struct ioreq *slot;
	domid_t g;

	world_init(w);
	g = w->guest->id;
	assert_int_equal(create(&w->h, w->emu, g, 0), 0);
	assert_int_equal(acquire_ioreq(&w->h, w->emu, g, 0, 1, IOREQ_GFN), 0);
	slot = h_va(w->emu, IOREQ_GFN << PAGE_SHIFT);
	assert_int_equal(map_range(&w->h, w->emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, MMIO_BASE,
				   MMIO_BASE + 0xfff),
			 0);
	assert_int_equal(set_state(&w->h, w->emu, g, 0, 1), 0);
	*local = (uint32_t)bind(&w->h, w->emu, g, slot->vp_eport);
	clear_pending(w->emu, *local);
	return slot;
}

/* Bounded, never on time: until the waiting vCPU has seen `state`. */
static void wait_seen(struct world *w, uint8_t state)
{
	for (unsigned int i = 0; i < 200000; i++) {
		uint8_t seen;

		hv_lock(w->h.hv);
		seen = w->guest->ioreq->seen_state[0];
		hv_unlock(w->h.hv);
		if (seen == state)
			return;
		sched_yield();
		if (i > 1000) {
			struct timespec ts = {0, 100000};

			nanosleep(&ts, NULL);
		}
	}
	fail_msg("the vCPU never saw state %u", state);
}

/* The emulator puts the slot back to NONE itself (facts 6.5: Xen's
 * wait_for_io takes it for a dying emulator): the access completes with
 * all ones, the target lives on and its next access is served. */
static void test_mmio_emulator_writes_none(void **state)
{
	struct world w;
	struct access a;
	uint32_t local;
	struct ioreq *slot = bad_emu_setup(&w, &local);

	(void)state;
	start(&a, &w.h, w.guest, MMIO_BASE, 4, false, 0);
	wait_held(&w.h, &a);
	slot->data = 0x1234;
	slot->state = STATE_IOREQ_NONE; /* never the emulator's to write (pitfall 1) */
	assert_int_equal(send_port(&w.h, w.emu, local), 0);
	assert_int_equal(finish(&a), HV_MMIO_DONE);
	assert_int_equal(a.data, 0xffffffffULL);
	assert_int_equal(w.guest->state, DOMS_running);
	h_audit(&w.h);
	start(&a, &w.h, w.guest, MMIO_BASE + 8, 4, false, 0);
	wait_held(&w.h, &a);
	serve(&w, slot, local, MMIO_BASE + 8, 4, false, 0, 0x77);
	assert_int_equal(finish(&a), HV_MMIO_DONE);
	assert_int_equal(a.data, 0x77);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* A state outside 0-3 crashes the target, as Xen; the waiter returns. */
static void test_mmio_bad_state(void **state)
{
	struct world w;
	struct access a;
	uint32_t local;
	struct ioreq *slot = bad_emu_setup(&w, &local);

	(void)state;
	start(&a, &w.h, w.guest, MMIO_BASE, 4, false, 0);
	wait_held(&w.h, &a);
	((uint8_t *)slot)[30] = (uint8_t)((((uint8_t *)slot)[30] & 0xf0) | 7);
	assert_int_equal(send_port(&w.h, w.emu, local), 0);
	assert_int_equal(finish(&a), HV_MMIO_GONE);
	assert_int_equal(a.data, 0xffffffffULL);
	assert_true(w.guest->state != DOMS_running);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* INPROCESS, seen by the vCPU, then READY again: a state moved backwards
 * crashes the target (facts 6.5); before the fix the vCPU kept waiting
 * for an answer that would never come. */
static void test_mmio_state_backwards(void **state)
{
	struct world w;
	struct access a;
	uint32_t local;
	struct ioreq *slot = bad_emu_setup(&w, &local);

	(void)state;
	start(&a, &w.h, w.guest, MMIO_BASE, 4, false, 0);
	wait_held(&w.h, &a);
	slot->state = STATE_IOREQ_INPROCESS;
	assert_int_equal(send_port(&w.h, w.emu, local), 0);
	wait_seen(&w, STATE_IOREQ_INPROCESS);
	assert_false(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST));
	slot->state = STATE_IOREQ_READY;
	assert_int_equal(send_port(&w.h, w.emu, local), 0);
	/* Bounded: a vCPU still waiting after this is released by a stop. */
	for (unsigned int i = 0; i < 20000 && !__atomic_load_n(&a.done, __ATOMIC_SEQ_CST); i++) {
		struct timespec ts = {0, 100000};

		nanosleep(&ts, NULL);
	}
	hv_vcpu_wake(w.h.hv, w.guest, 0);
	assert_int_equal(finish(&a), HV_MMIO_GONE);
	assert_true(w.guest->state != DOMS_running);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* An emulator answering nothing that was asked: events on the port while
 * the slot still says READY keep the vCPU waiting (no answer invented);
 * an answer with another size and address and garbage above the access
 * gives only the access's bytes; an answer written into the slot of an
 * idle vCPU is "bad IO state" at its next access: the target is crashed,
 * nothing forwarded (Xen's ioreq_send). */
static void test_mmio_unasked_answers(void **state)
{
	struct world w;
	struct access a;
	uint32_t local;
	struct ioreq *slot = bad_emu_setup(&w, &local);

	(void)state;
	start(&a, &w.h, w.guest, MMIO_BASE + 0x10, 2, false, 0);
	wait_held(&w.h, &a);
	clear_pending(w.emu, local);
	for (int k = 0; k < 50; k++)
		assert_int_equal(send_port(&w.h, w.emu, local), 0); /* state still READY */
	wait_held(&w.h, &a);
	assert_false(__atomic_load_n(&a.done, __ATOMIC_SEQ_CST));
	slot->size = 8;
	slot->addr = 0;
	slot->data = 0xfedcba9876543210ULL;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slot->state = STATE_IORESP_READY;
	assert_int_equal(send_port(&w.h, w.emu, local), 0);
	assert_int_equal(finish(&a), HV_MMIO_DONE);
	assert_int_equal(a.data, 0x3210);
	assert_int_equal(w.guest->state, DOMS_running);
	h_audit(&w.h);
	/* The slot of a vCPU that asked nothing. */
	slot->state = STATE_IORESP_READY;
	assert_int_equal(send_port(&w.h, w.emu, local), 0);
	assert_int_equal(w.guest->state, DOMS_running);
	a.data = 5;
	assert_int_equal(hv_ioreq_mmio(w.h.hv, w.guest, 0, MMIO_BASE, 4, false, &a.data),
			 HV_MMIO_UNCLAIMED);
	assert_true(w.guest->state != DOMS_running);
	assert_int_equal(w.guest->ioreq->server[0]->st.mmio, 1);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* The emulator alters vp_eport (pitfall 2): the next access is not
 * forwarded and the target is crashed ("bad event channel"), as Xen. */
static void test_mmio_bad_eport(void **state)
{
	struct world w;
	struct access a;
	uint32_t local;
	struct ioreq *slot = bad_emu_setup(&w, &local);

	(void)state;
	start(&a, &w.h, w.guest, MMIO_BASE, 4, false, 0);
	wait_held(&w.h, &a);
	serve(&w, slot, local, MMIO_BASE, 4, false, 0, 1);
	assert_int_equal(finish(&a), HV_MMIO_DONE);
	slot->vp_eport = local + 1;
	a.data = 5;
	assert_int_equal(hv_ioreq_mmio(w.h.hv, w.guest, 0, MMIO_BASE, 4, false, &a.data),
			 HV_MMIO_UNCLAIMED);
	assert_int_equal(a.data, 5);
	assert_false(pending(w.emu, local));
	assert_true(w.guest->state != DOMS_running);
	assert_int_equal(w.guest->ioreq->server[0]->st.mmio, 1);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* The emulator's domain is destroyed while the target's vCPU waits for
 * it: its servers go, the waiter returns with all ones, the target lives
 * on and its window is nobody's. */
static void test_mmio_emulator_dies(void **state)
{
	struct world w;
	struct access a;
	uint32_t local;

	(void)state;
	(void)bad_emu_setup(&w, &local);
	start(&a, &w.h, w.guest, MMIO_BASE + 4, 2, false, 0);
	wait_held(&w.h, &a);
	hv_lock(w.h.hv);
	domain_destroy(w.emu);
	hv_unlock(w.h.hv);
	assert_int_equal(finish(&a), HV_MMIO_GONE);
	assert_int_equal(a.data, 0xffff);
	assert_int_equal(w.guest->state, DOMS_running);
	h_audit(&w.h);
	a.data = 5;
	assert_int_equal(hv_ioreq_mmio(w.h.hv, w.guest, 0, MMIO_BASE, 4, false, &a.data),
			 HV_MMIO_UNCLAIMED);
	assert_int_equal(w.guest->state, DOMS_running);
	h_audit(&w.h);
	h_fini(&w.h);
}

/* The target dies while its vCPU waits: the waiter returns. */
static void test_mmio_target_dies(void **state)
{
	struct world w;
	struct access a;
	domid_t g;

	(void)state;
	world_init(&w);
	g = w.guest->id;
	assert_int_equal(create(&w.h, w.emu, g, 0), 0);
	assert_int_equal(map_range(&w.h, w.emu, g, 0, XEN_DMOP_IO_RANGE_MEMORY, MMIO_BASE,
				   MMIO_BASE + 0xfff),
			 0);
	assert_int_equal(set_state(&w.h, w.emu, g, 0, 1), 0);
	start(&a, &w.h, w.guest, MMIO_BASE, 4, false, 0);
	wait_held(&w.h, &a);
	hv_lock(w.h.hv);
	domain_destroy(w.guest);
	hv_unlock(w.h.hv);
	assert_int_equal(finish(&a), HV_MMIO_GONE);
	h_audit(&w.h);
	h_fini(&w.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dm_op_create),
		cmocka_unit_test(test_dm_op_server_ops),
		cmocka_unit_test(test_dm_op_irq),
		cmocka_unit_test(test_acquire_resource),
		cmocka_unit_test(test_mmio_round_trip),
		cmocka_unit_test(test_invalidate_spares_slots),
		cmocka_unit_test(test_mmio_emulator_writes_none),
		cmocka_unit_test(test_mmio_bad_state),
		cmocka_unit_test(test_mmio_state_backwards),
		cmocka_unit_test(test_mmio_unasked_answers),
		cmocka_unit_test(test_mmio_bad_eport),
		cmocka_unit_test(test_mmio_emulator_dies),
		cmocka_unit_test(test_mmio_target_dies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
