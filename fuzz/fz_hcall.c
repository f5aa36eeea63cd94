/*
 * Hypercall sequence fuzzer.
 *
 * An input is a program: a header choosing 2..FZ_MAX_DOMS domains and their
 * kinds (plain, privileged, static, static direct-mapped, with IOMMU
 * contexts) and which domains may foreign-map which, then FZ_MAX_OPS
 * operations (those past the end of the input chosen by a PRNG seeded by
 * the input). Each
 * operation byte picks a generator from `gens` and a calling domain; the
 * generator reads its arguments from the input, lays out the hypercall's
 * structures in the caller's scratch area and makes the call. After every
 * call the result must be >= 0 or a Xen errno, and the audit must pass
 * (fz_call aborts otherwise, which libFuzzer reports as a crash).
 *
 * Adding a hypercall: write a generator and append it to `gens`. Keep
 * existing entries in place so checked-in corpus files keep their meaning
 * (the op byte is taken modulo the table size, so appending still changes
 * the mapping of some bytes; the corpus stays a valid, if different, seed).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <public/dm_op.h>
#include <public/domctl.h>
#include <public/hvm_save.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/vcpu.h>
#include <public/grant_table.h>
#include <public/iommu_op.h>
#include <public/memory.h>
#include <public/sysctl.h>
#include <public/version.h>
#include <public/xen.h>
#include <hv/event.h>
#include <hv/extregion.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/page.h>
#include <hv/realize.h>

#include "fz_env.h"
#include "fz_hcall.h"

#define FZ_MAX_OPS 48
/* Scratch layout: 0 the main structure, 0x1000.. and 0x3000.. arrays, 0x5000 errors. */
#define OFF_ARG 0x0
#define OFF_A1 0x1000
#define OFF_A2 0x3000
#define OFF_ERR 0x5000
#define OFF_RAW 0x6000
/* Where guests usually put the grant table frames (Arm guest layout). */
#define FZ_GNTTAB_GFN 0x38000ULL
/* Where the fuzzer's grant maps mostly go (free in every domain kind). */
#define FZ_GRANT_MAP_GFN 0x60000ULL
/* Guest-physical window of IOREQ ranges and MMIO accesses (not RAM). */
#define FZ_MMIO_BASE 0xfe000000ULL

typedef void (*fz_gen_fn)(struct fz_env *e, struct fz_in *in, unsigned int i);

/* ---- reach report ----
 *
 * Which grant-map flags, iommu_op sub-ops and flags and dm_op sub-ops the
 * calls exercised and how often they succeeded, split by whether the caller
 * has a translating IOMMU context (an assigned device). A grant map or
 * iommu_op element counts once for every listed flag it carries, and
 * succeeds when its own status is 0. With FZ_REACH set, the counts and the
 * process totals are printed at exit (libFuzzer leaves through exit() when
 * its time or run budget ends, so an atexit handler sees the whole run):
 * FZ_REACH=1 prints this process's counts; FZ_REACH=<file> adds them to
 * the totals kept in <file> (under a lock, so sequential chunks and -fork
 * children add up) and prints the sums.
 */
enum reach_key {
	R_GMAP_DEVICE, R_GMAP_HOST, R_GMAP_RO, R_GMAP_APP, R_GMAP_PTE, R_GMAP_CANFAIL, R_GMAP_BFN,
	R_GMAP_AVAIL, R_GMAP_UNDEF, R_GMAP_DEVBFN, R_GMAP_DEVBFN_HOST,
	R_GUNMAP, R_GUNMAP_HOST, R_GUNMAP_BFN,
	R_IO_QUERY, R_IO_MAP, R_IO_MAP_R, R_IO_MAP_W, R_IO_MAP_NOREF, R_IO_MAP_ORDER,
	R_IO_UNMAP, R_IO_UNMAP_ORDER,
	R_IO_MAPF, R_IO_MAPF_R, R_IO_MAPF_W, R_IO_MAPF_SWAP, R_IO_MAPF_ORDER,
	R_IO_LOOKUPF, R_IO_UNMAPF, R_IO_UNMAPF_ORDER, R_IO_UNDEF_FLAGS, R_IO_BAD_SUBOP,
	R_DM_CREATE, R_DM_DESTROY, R_DM_OTHER,
	/* event_channel_op sub-ops 0..10 in order, then the others */
	R_EV_BIND_INTERDOMAIN, R_EV_BIND_VIRQ, R_EV_BIND_PIRQ, R_EV_CLOSE, R_EV_SEND, R_EV_STATUS,
	R_EV_ALLOC_UNBOUND, R_EV_BIND_IPI, R_EV_BIND_VCPU, R_EV_UNMASK, R_EV_RESET,
	R_HVM_SET_PARAM, R_HVM_GET_PARAM, R_VCPU_REGISTER, R_SCHED_POLL, R_SHINFO_MAP,
	R_DM_INFO, R_DM_MAP, R_DM_UNMAP, R_DM_STATE, R_DM_NR_VCPUS, R_ACQUIRE, R_MMIO_SERVED,
	R_MMIO_UNCLAIMED, R_DM_IRQ,
	R_NR
};

static const char *const reach_name[R_NR] = {
	[R_GMAP_DEVICE] = "grant map GNTMAP_device_map",
	[R_GMAP_HOST] = "grant map GNTMAP_host_map",
	[R_GMAP_RO] = "grant map GNTMAP_readonly",
	[R_GMAP_APP] = "grant map GNTMAP_application_map",
	[R_GMAP_PTE] = "grant map GNTMAP_contains_pte",
	[R_GMAP_CANFAIL] = "grant map GNTMAP_can_fail",
	[R_GMAP_BFN] = "grant map GNTMAP_request_bfn_map",
	[R_GMAP_AVAIL] = "grant map guest_avail bits",
	[R_GMAP_UNDEF] = "grant map undefined bits 7-15",
	[R_GMAP_DEVBFN] = "grant map device+bfn, no host",
	[R_GMAP_DEVBFN_HOST] = "grant map device+bfn+host",
	[R_GUNMAP] = "grant unmap (any handle)",
	[R_GUNMAP_HOST] = "grant unmap of a host-only map",
	[R_GUNMAP_BFN] = "grant unmap of a bfn map",
	[R_IO_QUERY] = "iommu_op query_caps",
	[R_IO_MAP] = "iommu_op map_page",
	[R_IO_MAP_R] = "iommu_op map_page readable",
	[R_IO_MAP_W] = "iommu_op map_page writeable",
	[R_IO_MAP_NOREF] = "iommu_op map_page no_ref_cnt",
	[R_IO_MAP_ORDER] = "iommu_op map_page order>0",
	[R_IO_UNMAP] = "iommu_op unmap_page",
	[R_IO_UNMAP_ORDER] = "iommu_op unmap_page order>0",
	[R_IO_MAPF] = "iommu_op map_foreign_page",
	[R_IO_MAPF_R] = "iommu_op map_foreign_page readable",
	[R_IO_MAPF_W] = "iommu_op map_foreign_page writeable",
	[R_IO_MAPF_SWAP] = "iommu_op map_foreign_page swap_mfn",
	[R_IO_MAPF_ORDER] = "iommu_op map_foreign_page order>0",
	[R_IO_LOOKUPF] = "iommu_op lookup_foreign_page",
	[R_IO_UNMAPF] = "iommu_op unmap_foreign_page",
	[R_IO_UNMAPF_ORDER] = "iommu_op unmap_foreign_page order>0",
	[R_IO_UNDEF_FLAGS] = "iommu_op undefined flag bits 3-9",
	[R_IO_BAD_SUBOP] = "iommu_op unknown sub-op",
	[R_DM_CREATE] = "dm_op create_ioreq_server (1)",
	[R_DM_DESTROY] = "dm_op destroy_ioreq_server (6)",
	[R_DM_OTHER] = "dm_op other sub-op",
	[R_DM_INFO] = "dm_op get_ioreq_server_info (2)",
	[R_DM_MAP] = "dm_op map_io_range_to_ioreq_server (3)",
	[R_DM_UNMAP] = "dm_op unmap_io_range_from_ioreq_server (4)",
	[R_DM_STATE] = "dm_op set_ioreq_server_state (5)",
	[R_DM_NR_VCPUS] = "dm_op nr_vcpus (20)",
	[R_ACQUIRE] = "memory_op acquire_resource ioreq_server",
	[R_MMIO_SERVED] = "MMIO access to a served range (answered)",
	[R_MMIO_UNCLAIMED] = "MMIO access nobody serves",
	[R_DM_IRQ] = "dm_op set_irq_level (19)",
	[R_EV_BIND_INTERDOMAIN] = "evtchn bind_interdomain",
	[R_EV_BIND_VIRQ] = "evtchn bind_virq",
	[R_EV_BIND_PIRQ] = "evtchn bind_pirq (device lines)",
	[R_EV_CLOSE] = "evtchn close",
	[R_EV_SEND] = "evtchn send",
	[R_EV_STATUS] = "evtchn status",
	[R_EV_ALLOC_UNBOUND] = "evtchn alloc_unbound",
	[R_EV_BIND_IPI] = "evtchn bind_ipi",
	[R_EV_BIND_VCPU] = "evtchn bind_vcpu",
	[R_EV_UNMASK] = "evtchn unmask",
	[R_EV_RESET] = "evtchn reset",
	[R_HVM_SET_PARAM] = "hvm_op set_param",
	[R_HVM_GET_PARAM] = "hvm_op get_param",
	[R_VCPU_REGISTER] = "vcpu_op register_vcpu_info",
	[R_SCHED_POLL] = "sched_op poll",
	[R_SHINFO_MAP] = "add_to_physmap shared_info",
};

/* [key][caller has a translating IOMMU context] */
static uint64_t reach_calls[R_NR][2], reach_ok[R_NR][2];
static uint64_t reach_execs;

/* Elements of a batch of count the report counts: all of a short batch
 * (n == count), the first of a long one (its elements repeat). */
static unsigned int reach_n(unsigned int count, unsigned int n)
{
	return count == n ? n : n ? 1 : 0;
}

static void reach(struct fz_env *e, unsigned int i, enum reach_key k, bool ok)
{
	unsigned int io = e->kind[i] == FZ_PLAIN_IOMMU || e->kind[i] == FZ_PRIV_IOMMU ||
			  e->kind[i] == FZ_PRIV_IOMMU_RELAXED;

	reach_calls[k][io]++;
	reach_ok[k][io] += ok;
}

/* Adds the totals kept in path to ours (and writes the sums back). */
static void reach_accumulate(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	FILE *f;
	char line[256];

	if (fd < 0 || flock(fd, LOCK_EX)) {
		perror(path);
		if (fd >= 0)
			close(fd);
		return;
	}
	f = fdopen(fd, "r+");
	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[4];
		char *tab = strchr(line, '\t');

		if (!tab)
			continue;
		*tab = 0;
		if (sscanf(tab + 1, "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]) < 1)
			continue;
		if (!strcmp(line, "executions"))
			reach_execs += v[0];
		else if (!strcmp(line, "hypercalls"))
			fz_total_calls += v[0];
		else if (!strcmp(line, "audited"))
			fz_total_audited += v[0];
		for (unsigned int k = 0; k < R_NR; k++) {
			if (strcmp(line, reach_name[k]))
				continue;
			reach_calls[k][0] += v[0];
			reach_ok[k][0] += v[1];
			reach_calls[k][1] += v[2];
			reach_ok[k][1] += v[3];
		}
	}
	rewind(f);
	if (ftruncate(fd, 0) == 0) {
		fprintf(f, "executions\t%llu\nhypercalls\t%llu\naudited\t%llu\n",
			(unsigned long long)reach_execs, (unsigned long long)fz_total_calls,
			(unsigned long long)fz_total_audited);
		for (unsigned int k = 0; k < R_NR; k++)
			fprintf(f, "%s\t%llu %llu %llu %llu\n", reach_name[k],
				(unsigned long long)reach_calls[k][0], (unsigned long long)reach_ok[k][0],
				(unsigned long long)reach_calls[k][1], (unsigned long long)reach_ok[k][1]);
	}
	fclose(f); /* also drops the lock */
}

static void reach_print(void)
{
	const char *where = getenv("FZ_REACH");

	if (where && strcmp(where, "1"))
		reach_accumulate(where);
	fprintf(stderr,
		"fz_reach: executions %llu, hypercalls %llu, audited hypercalls %llu%s\n"
		"fz_reach: %-38s %12s %12s %12s %12s\n",
		(unsigned long long)reach_execs, (unsigned long long)fz_total_calls,
		(unsigned long long)fz_total_audited,
		where && strcmp(where, "1") ? " (totals so far in FZ_REACH's file)" : "", "",
		"calls", "ok", "calls(iommu)", "ok(iommu)");
	for (unsigned int k = 0; k < R_NR; k++)
		fprintf(stderr, "fz_reach: %-38s %12llu %12llu %12llu %12llu\n", reach_name[k],
			(unsigned long long)(reach_calls[k][0] + reach_calls[k][1]),
			(unsigned long long)(reach_ok[k][0] + reach_ok[k][1]),
			(unsigned long long)reach_calls[k][1], (unsigned long long)reach_ok[k][1]);
}

/*
 * The grant maps each slot made (handles below FZ_GMAPS), so unmaps can
 * name live handles with their addresses and the report can tell which
 * kind of map an unmap undid. Reset with the environment.
 */
#define FZ_GMAPS 16
static struct fz_gmap {
	bool live, host, dev; /* dev: a bus (BFN) part */
	uint32_t flags;
	uint64_t host_addr, dev_bus_addr;
} gmaps[FZ_MAX_DOMS][FZ_GMAPS];

/*
 * What else the program set up, so later calls can name it and succeed
 * often: the grant entries each slot offered (mapper slot + 1, 0: none),
 * the IOREQ servers each slot created as an emulator, and the bus frames
 * each slot mapped through iommu_op. Stale records only make a call fail.
 */
#define FZ_OFFERS 8
#define FZ_SERVERS 4
#define FZ_BFNS 8
static struct fz_prog {
	uint8_t offer[FZ_MAX_DOMS][FZ_OFFERS];
	struct { bool live; uint8_t target; ioservid_t id; } srv[FZ_MAX_DOMS][FZ_SERVERS];
	struct fz_iomap {
		uint64_t bfn, gfn;
		uint16_t flags, domid; /* domid: the target of a foreign map */
		ioservid_t ios;
		bool foreign;
	} bfn[FZ_MAX_DOMS][FZ_BFNS];
	unsigned int nr_bfn[FZ_MAX_DOMS];
} prog;

static void prog_forget(unsigned int slot)
{
	memset(gmaps[slot], 0, sizeof(gmaps[slot]));
	memset(prog.offer[slot], 0, sizeof(prog.offer[slot]));
	memset(prog.srv[slot], 0, sizeof(prog.srv[slot]));
	prog.nr_bfn[slot] = 0;
}

static void prog_server(struct fz_env *e, unsigned int emu, unsigned int target, ioservid_t id)
{
	unsigned int k = (unsigned int)id % FZ_SERVERS;

	(void)e;
	prog.srv[emu][k].live = true;
	prog.srv[emu][k].target = (uint8_t)target;
	prog.srv[emu][k].id = id;
}

static void prog_bfn(unsigned int slot, const struct pv_iommu_op *o, uint64_t bfn)
{
	struct fz_iomap *m = &prog.bfn[slot][prog.nr_bfn[slot]++ % FZ_BFNS];

	m->bfn = bfn;
	m->gfn = o->u.map_page.gfn; /* the same offset in both map sub-ops */
	m->flags = o->flags;
	m->foreign = o->subop_id == IOMMUOP_map_foreign_page;
	m->domid = o->u.map_foreign_page.domid;
	m->ios = o->u.map_foreign_page.ioserver;
}

static void put_or_skip(struct fz_env *e, unsigned int i, uint64_t off, const void *p, size_t len)
{
	/* A scratch area the sequence unmapped simply makes the call fault. */
	(void)fz_put(e, i, fz_gpa(e, i, off), p, len);
}

static unsigned int pick_order(struct fz_in *in)
{
	static const unsigned int orders[] = {0, 0, 0, 0, 1, 2, 9, 9, 10, 18, 19, 63};

	return orders[fz_below(in, ARRAY_SIZE(orders))];
}

/* Slot of the domain a domid argument names (caller for DOMID_SELF). */
static unsigned int slot_of(struct fz_env *e, unsigned int i, uint16_t domid)
{
	for (unsigned int k = 0; k < FZ_MAX_DOMS; k++)
		if (e->dom[k] && e->dom[k]->id == domid)
			return k;
	return i;
}

/* ---- memory_op ---- */

static void g_reservation(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	static const unsigned int ops[] = {XENMEM_populate_physmap, XENMEM_populate_physmap,
					   XENMEM_decrease_reservation, XENMEM_increase_reservation};
	unsigned int op = ops[fz_below(in, ARRAY_SIZE(ops))];
	uint8_t c = fz_u8(in);
	uint64_t nr = c < 240 ? c % 9 : c < 252 ? 1100 : fz_u64(in);
	struct xen_memory_reservation r = {
		.extent_order = pick_order(in),
		.domid = fz_pick_domid(e, in),
	};
	unsigned int t = slot_of(e, i, r.domid);
	uint64_t gfns[64];
	unsigned int n = 0;

	r.nr_extents = nr;
	r.extent_start = fz_pick_ptr(e, i, in, OFF_A1);
	if (nr == 1100) {
		/* Long enough to be preempted: consecutive extents. */
		uint64_t base = fz_pick_gfn(e, t, in);
		static uint64_t big[1100];

		for (unsigned int k = 0; k < 1100; k++)
			big[k] = base + ((uint64_t)k << r.extent_order);
		put_or_skip(e, i, OFF_A1, big, sizeof(big));
	} else {
		for (; n < ARRAY_SIZE(gfns) && n < nr; n++)
			gfns[n] = fz_pick_gfn(e, t, in);
		put_or_skip(e, i, OFF_A1, gfns, n * sizeof(gfns[0]));
	}
	put_or_skip(e, i, OFF_ARG, &r, sizeof(r));
	fz_call(e, i, __HYPERVISOR_memory_op, op, fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0);
}

static void g_reservation_query(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	static const unsigned int ops[] = {XENMEM_current_reservation, XENMEM_maximum_reservation,
					   XENMEM_maximum_ram_page, XENMEM_memory_map};
	unsigned int op = ops[fz_below(in, ARRAY_SIZE(ops))];
	uint16_t domid = fz_pick_domid(e, in);
	struct xen_memory_map m = {.nr_entries = fz_u8(in) % 12,
				   .buffer = fz_pick_ptr(e, i, in, OFF_A1)};

	if (op == XENMEM_memory_map)
		put_or_skip(e, i, OFF_ARG, &m, sizeof(m));
	else
		put_or_skip(e, i, OFF_ARG, &domid, sizeof(domid));
	fz_call(e, i, __HYPERVISOR_memory_op, op | ((uint64_t)(fz_u8(in) == 255) << 8),
		fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0);
}

static void g_add_to_physmap(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	static const unsigned int spaces[] = {XENMAPSPACE_gmfn, XENMAPSPACE_gmfn,
					      XENMAPSPACE_gmfn_range, XENMAPSPACE_grant_table,
					      XENMAPSPACE_grant_table, XENMAPSPACE_gmfn_foreign,
					      XENMAPSPACE_shared_info, XENMAPSPACE_dev_mmio};
	struct xen_add_to_physmap x = {
		.domid = fz_pick_domid(e, in),
		.space = spaces[fz_below(in, ARRAY_SIZE(spaces))],
	};
	unsigned int t = slot_of(e, i, x.domid);

	x.size = fz_u8(in) % 16;
	if (x.space == XENMAPSPACE_grant_table) {
		uint8_t c = fz_u8(in);

		/* Frame index, sometimes with the status-frame bit. */
		x.idx = (c & 0x3f) | (c & 0x40 ? XENMAPIDX_grant_table_status : 0);
		x.gpfn = fz_u8(in) < 200 ? FZ_GNTTAB_GFN + (c & 0x3f) : fz_pick_gfn(e, t, in);
	} else {
		x.idx = fz_pick_gfn(e, t, in);
		x.gpfn = fz_pick_gfn(e, t, in);
	}
	put_or_skip(e, i, OFF_ARG, &x, sizeof(x));
	fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
		fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0);
}

static void g_add_to_physmap_batch(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	struct xen_add_to_physmap_batch b;
	uint64_t idxs[16], gpfns[16];
	uint8_t c = fz_u8(in);
	unsigned int n = c % 17, src, dst;

	memset(&b, 0, sizeof(b));
	b.domid = fz_pick_domid(e, in);
	b.space = fz_u8(in) < 220 ? XENMAPSPACE_gmfn_foreign : fz_below(in, 8);
	if (fz_u8(in) < 200 && b.space == XENMAPSPACE_gmfn)
		b.u.res0 = 0;
	else
		b.u.foreign_domid = fz_pick_domid(e, in);
	b.size = c < 250 ? n : (uint16_t)(1025 + fz_u8(in));
	dst = slot_of(e, i, b.domid);
	src = b.space == XENMAPSPACE_gmfn_foreign ? slot_of(e, i, b.u.foreign_domid) : dst;
	for (unsigned int k = 0; k < n; k++) {
		idxs[k] = fz_pick_gfn(e, src, in);
		gpfns[k] = fz_pick_gfn(e, dst, in);
	}
	if (b.size > n) {
		/* Long batch (continuation): the same pair repeated. */
		static uint64_t many_i[1300], many_g[1300];

		for (unsigned int k = 0; k < b.size && k < 1300; k++) {
			many_i[k] = n ? idxs[k % n] : 0;
			many_g[k] = (n ? gpfns[k % n] : 0x80000) + k;
		}
		put_or_skip(e, i, OFF_A1, many_i, sizeof(uint64_t) * 1024);
		put_or_skip(e, i, OFF_A2, many_g, sizeof(uint64_t) * 1024);
	} else {
		put_or_skip(e, i, OFF_A1, idxs, n * sizeof(idxs[0]));
		put_or_skip(e, i, OFF_A2, gpfns, n * sizeof(gpfns[0]));
	}
	b.idxs = fz_pick_ptr(e, i, in, OFF_A1);
	b.gpfns = fz_pick_ptr(e, i, in, OFF_A2);
	b.errs = fz_pick_ptr(e, i, in, OFF_ERR);
	put_or_skip(e, i, OFF_ARG, &b, sizeof(b));
	fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
		fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0);
}

static void g_remove_from_physmap(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	struct xen_remove_from_physmap x = {.domid = fz_pick_domid(e, in)};

	x.gpfn = fz_pick_gfn(e, slot_of(e, i, x.domid), in);
	put_or_skip(e, i, OFF_ARG, &x, sizeof(x));
	fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
		fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0);
}

/* ---- misc ---- */

/* ---- domctl ---- */

/* Domains made by createdomain (not the environment's slots). */
static unsigned int toolstack_doms(struct fz_env *e, domid_t *ids, unsigned int max)
{
	unsigned int n = 0;

	for (struct domain *d = e->hv->domains; d; d = d->next)
		if (d->toolstack_created && d->state != DOMS_dying && n < max)
			ids[n++] = d->id;
	return n;
}

/*
 * A domctl by slot i. The sub-ops are aimed at domains that createdomain
 * made (destroying an environment slot would leave the environment with a
 * dangling pointer: its slots are destroyed by fz_dom_destroy only), at
 * the environment's domains for the others, and at ids that do not exist.
 * At most 4 such domains exist at once; a fifth createdomain destroys one.
 */
static void g_domctl(struct fz_env *e, struct fz_in *in, unsigned int i, struct xen_domctl *dc)
{
	static const uint32_t cmds[] = {
		XEN_DOMCTL_createdomain, XEN_DOMCTL_destroydomain, XEN_DOMCTL_pausedomain,
		XEN_DOMCTL_unpausedomain, XEN_DOMCTL_getdomaininfo, XEN_DOMCTL_max_mem,
		XEN_DOMCTL_max_vcpus, XEN_DOMCTL_gethvmcontext, XEN_DOMCTL_sethvmcontext,
	};
	domid_t ts[8];
	unsigned int nts = toolstack_doms(e, ts, 8);
	uint8_t c = fz_u8(in);

	dc->cmd = c < 40 ? XEN_DOMCTL_getdomaininfo
		: c < 248 ? cmds[fz_below(in, ARRAY_SIZE(cmds))] : fz_below(in, 64);
	dc->interface_version = fz_u8(in) < 240 ? hv_release(e->hv)->domctl_version : fz_u32(in);
	if (dc->cmd == XEN_DOMCTL_createdomain && nts >= 4)
		dc->cmd = XEN_DOMCTL_destroydomain;
	c = fz_u8(in);
	if (nts && c < 128)
		dc->domain = ts[fz_below(in, nts)];
	else if (c < 160)
		dc->domain = (domid_t)(0x7000 + fz_below(in, 16)); /* no such domain */
	else
		dc->domain = fz_pick_domid(e, in);
	if (dc->cmd == XEN_DOMCTL_destroydomain) {
		bool env = dc->domain == DOMID_SELF;

		for (unsigned int k = 0; k < FZ_MAX_DOMS; k++)
			env |= e->dom[k] && e->dom[k]->id == dc->domain;
		if (env) /* see above */
			dc->domain = nts ? ts[0] : 0x7001;
	}
	switch (dc->cmd) {
	case XEN_DOMCTL_createdomain: {
		struct xen_domctl_createdomain *cd = &dc->u.createdomain;

		dc->domain = fz_u8(in) < 200 ? DOMID_ANY : fz_u16(in);
		cd->flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
		cd->max_vcpus = 1;
		cd->max_evtchn_port = fz_u8(in) < 200 ? 1023 : fz_u32(in);
		cd->max_grant_frames = fz_u8(in) < 200 ? -1 : (int32_t)fz_below(in, 5000);
		cd->max_maptrack_frames = -1;
		cd->grant_opts = 1;
		cd->arch.emulation_flags = XEN_X86_EMU_LAPIC;
		if (fz_u8(in) >= 192) { /* one word of the payload anything */
			uint32_t w[sizeof(*cd) / 4];

			memcpy(w, cd, sizeof(w));
			w[fz_below(in, ARRAY_SIZE(w))] = fz_u32(in);
			memcpy(cd, w, sizeof(w));
		}
		break;
	}
	case XEN_DOMCTL_max_mem:
		dc->u.max_mem.max_memkb = fz_u8(in) < 200 ? fz_below(in, 1024) * 4ULL : fz_u64(in);
		break;
	case XEN_DOMCTL_max_vcpus:
		dc->u.max_vcpus.max = fz_below(in, 3);
		break;
	case XEN_DOMCTL_gethvmcontext:
	case XEN_DOMCTL_sethvmcontext: {
		/* a stream that is mostly right (HEADER, CPU, END) with a
		 * byte or two changed, at OFF_A1 */
		uint8_t st[8 + sizeof(struct hvm_save_header) + 8 + sizeof(struct hvm_hw_cpu) + 8];
		struct hvm_save_descriptor hd = {HVM_SAVE_CODE_HEADER, 0, sizeof(struct hvm_save_header)};
		struct hvm_save_header hh = {.magic = HVM_FILE_MAGIC, .version = HVM_FILE_VERSION};
		struct hvm_save_descriptor cpd = {HVM_SAVE_CODE_CPU, 0, sizeof(struct hvm_hw_cpu)};
		struct hvm_save_descriptor ed = {HVM_SAVE_CODE_END, 0, 0};

		memset(st, 0, sizeof(st));
		memcpy(st, &hd, 8);
		memcpy(st + 8, &hh, sizeof(hh));
		memcpy(st + 8 + sizeof(hh), &cpd, 8);
		memcpy(st + sizeof(st) - 8, &ed, 8);
		for (unsigned int k = fz_below(in, 3); k; k--)
			st[fz_below(in, sizeof(st))] = fz_u8(in);
		put_or_skip(e, i, OFF_A1, st, sizeof(st));
		dc->u.hvmcontext.size = fz_u8(in) < 200 ? (uint32_t)sizeof(st) : fz_u32(in);
		dc->u.hvmcontext.buffer = fz_u8(in) < 16 ? 0 : fz_pick_ptr(e, i, in, OFF_A1);
		break;
	}
	default:
		break;
	}
	put_or_skip(e, i, OFF_ARG, dc, sizeof(*dc));
	fz_call(e, i, __HYPERVISOR_domctl, fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0, 0);
}

static void g_version_console_sched(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	uint8_t c = fz_u8(in);
	uint8_t buf[64];

	for (unsigned int k = 0; k < sizeof(buf); k++)
		buf[k] = fz_u8(in);
	put_or_skip(e, i, OFF_ARG, buf, sizeof(buf));
	switch (c % 4) {
	case 0:
		fz_call(e, i, __HYPERVISOR_xen_version, fz_below(in, 14),
			fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0);
		break;
	case 1:
		fz_call(e, i, __HYPERVISOR_console_io, fz_below(in, 3), fz_u8(in) < 250 ? fz_u8(in) : fz_u64(in),
			fz_pick_ptr(e, i, in, OFF_ARG), 0, 0);
		break;
	case 2: {
		/* Shutdown is rare: it stops the domain being useful. */
		unsigned int cmd = fz_u8(in) < 240 ? SCHEDOP_yield : fz_below(in, 9);

		fz_call(e, i, __HYPERVISOR_sched_op, cmd, fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0);
		break;
	}
	default: {
		struct xen_sysctl s;
		struct xen_domctl dc;

		memset(&s, 0, sizeof(s));
		memset(&dc, 0, sizeof(dc));
		if (fz_u8(in) & 1) {
			s.cmd = fz_u8(in) < 200 ? XEN_SYSCTL_physinfo : fz_below(in, 8);
			s.interface_version = fz_u8(in) < 240 ? XEN_SYSCTL_INTERFACE_VERSION : fz_u32(in);
			put_or_skip(e, i, OFF_ARG, &s, sizeof(s));
			fz_call(e, i, __HYPERVISOR_sysctl, fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0, 0);
		} else {
			g_domctl(e, in, i, &dc);
		}
	}
	}
}

/* ---- grant tables ---- */

/* Host side: the granting guest writes an entry into its mapped table. */
static void g_grant_entry(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	struct grant_entry_v1 ge;
	unsigned int ref = fz_u8(in) < 200 ? fz_below(in, 32) : fz_u16(in);

	ge.flags = fz_u8(in) < 200 ? (uint16_t)(GTF_permit_access | (fz_u8(in) & GTF_readonly))
				   : fz_u16(in);
	ge.domid = fz_pick_domid(e, in);
	ge.frame = (uint32_t)fz_pick_gfn(e, i, in);
	(void)fz_put(e, i, (FZ_GNTTAB_GFN << PAGE_SHIFT) + (uint64_t)ref * sizeof(ge), &ge,
		     sizeof(ge));
}

/* Host side: the granting guest (i) puts its first grant frame where
 * g_grant_entry writes (through add_to_physmap, a hypercall) and offers a
 * frame of its scratch area to another domain in a low entry: the steps
 * a grant map needs, in one operation so that maps succeed often. */
static void g_grant_offer(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
				       .idx = 0, .gpfn = FZ_GNTTAB_GFN};
	struct grant_entry_v1 ge;
	unsigned int ref = fz_below(in, FZ_OFFERS);
	uint8_t c = fz_u8(in);
	int m = fz_pick_dom(e, in);
	paddr_t at = (FZ_GNTTAB_GFN << PAGE_SHIFT) + (uint64_t)ref * sizeof(ge);

	ge.flags = (uint16_t)(GTF_permit_access | (c & 2 ? GTF_readonly : 0));
	ge.domid = m >= 0 ? e->dom[m]->id : DOMID_SELF;
	/* Scratch pages 6 and 7 carry no arguments the generators rely on. */
	ge.frame = (uint32_t)((e->scratch[i] >> PAGE_SHIFT) + (c & 4 ? 7 : c & 8 ? 6 : (c >> 4) & 7));
	/* The frame goes (back) to FZ_GNTTAB_GFN when it is not there, and
	 * now and then anyway. */
	if ((c & 1) || fz_put(e, i, at, &ge, sizeof(ge))) {
		put_or_skip(e, i, OFF_ARG, &x, sizeof(x));
		fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, fz_gpa(e, i, OFF_ARG),
			0, 0, 0);
		(void)fz_put(e, i, at, &ge, sizeof(ge));
	}
	prog.offer[i][ref] = (uint8_t)(m + 1);
}

/* Mostly the entries g_grant_offer fills. */
static uint32_t pick_ref(struct fz_in *in)
{
	uint8_t c = fz_u8(in);

	return c < 180 ? c % 8 : c < 240 ? c % 32 : fz_u32(in);
}

/* GNTMAP_* combinations worth trying; also a raw value now and then. */
static uint32_t pick_map_flags(struct fz_in *in)
{
	static const uint32_t combos[] = {
		GNTMAP_host_map,
		GNTMAP_host_map | GNTMAP_readonly,
		GNTMAP_device_map | GNTMAP_request_bfn_map,
		GNTMAP_device_map | GNTMAP_request_bfn_map | GNTMAP_readonly,
		GNTMAP_device_map | GNTMAP_request_bfn_map | GNTMAP_host_map,
		GNTMAP_device_map | GNTMAP_request_bfn_map | GNTMAP_host_map | GNTMAP_readonly,
		GNTMAP_device_map,
		GNTMAP_device_map | GNTMAP_host_map,
		GNTMAP_request_bfn_map | GNTMAP_host_map,
		GNTMAP_host_map | GNTMAP_application_map,
		GNTMAP_host_map | GNTMAP_contains_pte,
		GNTMAP_device_map | GNTMAP_request_bfn_map | GNTMAP_contains_pte,
		GNTMAP_host_map | GNTMAP_can_fail,
		GNTMAP_host_map | (1U << _GNTMAP_guest_avail0),
		GNTMAP_readonly,
		0,
	};
	uint8_t c = fz_u8(in);

	if (c < 200)
		return combos[c % ARRAY_SIZE(combos)];
	if (c < 240)
		return combos[c % ARRAY_SIZE(combos)] ^ (1U << (fz_u8(in) % 8));
	return fz_u32(in);
}

static void reach_grant_map(struct fz_env *e, unsigned int i, uint32_t fl, bool ok)
{
	static const struct { uint32_t flag; enum reach_key k; } bits[] = {
		{GNTMAP_device_map, R_GMAP_DEVICE}, {GNTMAP_host_map, R_GMAP_HOST},
		{GNTMAP_readonly, R_GMAP_RO}, {GNTMAP_application_map, R_GMAP_APP},
		{GNTMAP_contains_pte, R_GMAP_PTE}, {GNTMAP_can_fail, R_GMAP_CANFAIL},
		{GNTMAP_request_bfn_map, R_GMAP_BFN}, {GNTMAP_guest_avail_mask, R_GMAP_AVAIL},
		{0xff80, R_GMAP_UNDEF},
	};
	uint32_t devbfn = GNTMAP_device_map | GNTMAP_request_bfn_map;

	for (unsigned int b = 0; b < ARRAY_SIZE(bits); b++)
		if (fl & bits[b].flag)
			reach(e, i, bits[b].k, ok);
	if ((fl & devbfn) == devbfn)
		reach(e, i, fl & GNTMAP_host_map ? R_GMAP_DEVBFN_HOST : R_GMAP_DEVBFN, ok);
}

/* A handle to unmap: mostly one the caller holds. */
static uint32_t pick_handle(struct fz_in *in, unsigned int i)
{
	uint8_t c = fz_u8(in);
	unsigned int start = fz_below(in, FZ_GMAPS);

	if (c < 160)
		for (unsigned int k = 0; k < FZ_GMAPS; k++)
			if (gmaps[i][(start + k) % FZ_GMAPS].live)
				return (start + k) % FZ_GMAPS;
	return c < 240 ? start : fz_u32(in);
}

static void g_grant_op(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	uint8_t sel = fz_u8(in), c;
	/* Map and unmap are the interesting ones: half of the calls. */
	unsigned int cmd = sel < 80 ? GNTTABOP_map_grant_ref : sel < 128 ? GNTTABOP_unmap_grant_ref
			 : sel < 240 ? fz_below(in, 13) : fz_u32(in);
	bool holds = false;

	/* A caller holding maps mostly undoes one. */
	for (unsigned int h = 0; h < FZ_GMAPS; h++)
		holds |= gmaps[i][h].live;
	if (holds && (sel & 1))
		cmd = GNTTABOP_unmap_grant_ref;
	unsigned int count;

	c = fz_u8(in);
	count = c < 240 ? c % 5 : c < 250 ? 600 : fz_u32(in);
	unsigned int n = count < 16 ? count : 16;
	uint8_t buf[16 * 40];
	uint64_t ptr;
	int64_t rc;

	memset(buf, 0, sizeof(buf));
	for (unsigned int k = 0; k < n; k++) {
		uint8_t *p = buf + k * 40;

		switch (cmd) {
		case GNTTABOP_map_grant_ref: {
			struct gnttab_map_grant_ref m = {
				.flags = pick_map_flags(in),
				.ref = pick_ref(in),
				.dom = fz_pick_domid(e, in),
			};
			unsigned int start = fz_below(in, FZ_MAX_DOMS * FZ_OFFERS);

			/* Mostly an entry offered to the caller. */
			for (unsigned int o = 0; o < FZ_MAX_DOMS * FZ_OFFERS && (start & 3); o++) {
				unsigned int at = (start + o) % (FZ_MAX_DOMS * FZ_OFFERS);
				unsigned int g = at / FZ_OFFERS, r = at % FZ_OFFERS;

				if (prog.offer[g][r] == i + 1 && e->dom[g]) {
					m.dom = e->dom[g]->id;
					m.ref = r;
					break;
				}
			}

			/* Half of the host addresses in a region nothing else uses. */
			m.host_addr = (fz_u8(in) & 1 ? FZ_GRANT_MAP_GFN + fz_u8(in) % 64
						    : fz_pick_gfn(e, i, in)) << PAGE_SHIFT;
			m.dev_bus_addr = fz_pick_gfn(e, i, in) << PAGE_SHIFT;
			if (fz_u8(in) >= 240)
				m.dev_bus_addr |= fz_u16(in) & (PAGE_SIZE - 1);
			memcpy(buf + k * sizeof(m), &m, sizeof(m));
			continue;
		}
		case GNTTABOP_unmap_grant_ref: {
			struct gnttab_unmap_grant_ref u = {.handle = pick_handle(in, i)};
			const struct fz_gmap *g = u.handle < FZ_GMAPS ? &gmaps[i][u.handle] : NULL;
			uint8_t a = fz_u8(in);

			/* The addresses the map used, zero, or others. */
			if (g && g->live && (a & 3) != 3) {
				u.host_addr = a & 4 ? 0 : g->host_addr;
				u.dev_bus_addr = a & 8 ? 0 : g->dev_bus_addr;
			} else {
				u.host_addr = a & 1 ? fz_pick_gfn(e, i, in) << PAGE_SHIFT : 0;
				u.dev_bus_addr = a & 2 ? fz_pick_gfn(e, i, in) << PAGE_SHIFT : 0;
			}
			memcpy(buf + k * sizeof(u), &u, sizeof(u));
			continue;
		}
		case GNTTABOP_setup_table: {
			struct gnttab_setup_table s = {.dom = fz_pick_domid(e, in),
						       .nr_frames = fz_u8(in) < 240 ? fz_below(in, 5)
										    : fz_u32(in)};

			s.frame_list = fz_pick_ptr(e, i, in, OFF_A1);
			memcpy(buf + k * sizeof(s), &s, sizeof(s));
			continue;
		}
		case GNTTABOP_copy: {
			struct gnttab_copy g;

			memset(&g, 0, sizeof(g));
			g.flags = fz_u8(in) & 7;
			g.source.domid = fz_pick_domid(e, in);
			g.dest.domid = fz_pick_domid(e, in);
			if (g.flags & GNTCOPY_source_gref)
				g.source.u.ref = fz_below(in, 32);
			else
				g.source.u.gmfn = fz_pick_gfn(e, slot_of(e, i, g.source.domid), in);
			if (g.flags & GNTCOPY_dest_gref)
				g.dest.u.ref = fz_below(in, 32);
			else
				g.dest.u.gmfn = fz_pick_gfn(e, slot_of(e, i, g.dest.domid), in);
			g.source.offset = fz_u16(in) & 0x1fff;
			g.dest.offset = fz_u16(in) & 0x1fff;
			g.len = fz_u16(in) & 0x1fff;
			memcpy(buf + k * sizeof(g), &g, sizeof(g));
			continue;
		}
		case GNTTABOP_query_size:
		case GNTTABOP_get_version:
		case GNTTABOP_dump_table: {
			/* dom is at offset 0 in all three. */
			uint16_t dom = fz_pick_domid(e, in);

			memcpy(p, &dom, sizeof(dom));
			continue;
		}
		default:
			for (unsigned int b = 0; b < 40; b++)
				p[b] = fz_u8(in);
		}
	}
	put_or_skip(e, i, OFF_ARG, buf, sizeof(buf));
	ptr = fz_pick_ptr(e, i, in, OFF_ARG);
	rc = fz_call(e, i, __HYPERVISOR_grant_table_op, cmd, ptr, count, 0, 0);
	if (cmd == GNTTABOP_map_grant_ref) {
		struct gnttab_map_grant_ref m[16];
		bool back = ptr == fz_gpa(e, i, OFF_ARG) && rc >= 0 &&
			    !fz_get(e, i, ptr, m, n * sizeof(m[0]));

		for (unsigned int k = 0; k < reach_n(count, n); k++) {
			const struct gnttab_map_grant_ref *w = (const void *)(buf + k * sizeof(m[0]));
			bool ok = back && m[k].status == GNTST_okay;

			reach_grant_map(e, i, w->flags, ok);
			if (ok && m[k].handle < FZ_GMAPS)
				gmaps[i][m[k].handle] = (struct fz_gmap){
					.live = true, .flags = w->flags,
					.host = w->flags & GNTMAP_host_map,
					.dev = w->flags & GNTMAP_device_map,
					.host_addr = w->flags & GNTMAP_host_map ? w->host_addr : 0,
					.dev_bus_addr = m[k].dev_bus_addr};
		}
	} else if (cmd == GNTTABOP_unmap_grant_ref) {
		struct gnttab_unmap_grant_ref u[16];
		bool back = ptr == fz_gpa(e, i, OFF_ARG) && rc >= 0 &&
			    !fz_get(e, i, ptr, u, n * sizeof(u[0]));

		for (unsigned int k = 0; k < reach_n(count, n); k++) {
			const struct gnttab_unmap_grant_ref *w = (const void *)(buf + k * sizeof(u[0]));
			struct fz_gmap *g = w->handle < FZ_GMAPS ? &gmaps[i][w->handle] : NULL;
			bool ok = back && u[k].status == GNTST_okay;

			reach(e, i, R_GUNMAP, ok);
			if (g && g->live) {
				bool bfn = g->flags & GNTMAP_request_bfn_map;

				reach(e, i, bfn ? R_GUNMAP_BFN : R_GUNMAP_HOST, ok);
				/* A non-zero address names the part it undoes; the
				 * handle goes with the last part. */
				if (ok && w->host_addr)
					g->host = false;
				if (ok && g->dev && w->dev_bus_addr == g->dev_bus_addr)
					g->dev = false;
				g->live = g->host || g->dev;
			}
		}
	}
}

/* ---- PV IOMMU ---- */

/* Mostly a frame of slot t's scratch area, aligned to 2^order. */
static uint64_t pick_own_gfn(struct fz_env *e, unsigned int t, struct fz_in *in,
			     unsigned int order)
{
	uint8_t c = fz_u8(in);

	if (c < 128 && order < 3)
		return ((e->scratch[t] >> PAGE_SHIFT) + (c % FZ_SCRATCH_PAGES)) & ~((1ULL << order) - 1);
	return fz_pick_gfn(e, t, in);
}

/* Mostly a mapping the caller made before (foreign or not, as asked):
 * its bus frame, and often its order, IOREQ server, target and frame. */
static const struct fz_iomap *pick_iomap(struct fz_in *in, unsigned int i, bool foreign)
{
	uint8_t c = fz_u8(in);
	unsigned int nr = prog.nr_bfn[i] < FZ_BFNS ? prog.nr_bfn[i] : FZ_BFNS;

	for (unsigned int k = 0; c < 192 && k < nr; k++) {
		const struct fz_iomap *m = &prog.bfn[i][(c + k) % nr];

		if (m->foreign == foreign)
			return m;
	}
	return NULL;
}

/* Mostly an IOREQ server the caller created (and its target, if asked). */
static ioservid_t pick_server(struct fz_env *e, unsigned int i, struct fz_in *in, uint16_t *domid)
{
	uint8_t c = fz_u8(in);

	if (c < 160) {
		for (unsigned int k = 0; k < FZ_SERVERS; k++) {
			unsigned int at = (c + k) % FZ_SERVERS;
			unsigned int t = prog.srv[i][at].target;

			if (prog.srv[i][at].live && e->dom[t]) {
				if (domid)
					*domid = e->dom[t]->id;
				return prog.srv[i][at].id;
			}
		}
	}
	return c < 240 ? (ioservid_t)(c % 3) : fz_u16(in);
}

/* What the element asked for (its input flags). */
static void reach_iommu(struct fz_env *e, unsigned int i, const struct pv_iommu_op *o, bool ok)
{
	bool order = IOMMU_get_page_order(o->flags) != 0;

	if (o->flags & 0x3f8)
		reach(e, i, R_IO_UNDEF_FLAGS, ok);
	switch (o->subop_id) {
	case IOMMUOP_query_caps:
		reach(e, i, R_IO_QUERY, ok);
		break;
	case IOMMUOP_map_page:
		reach(e, i, R_IO_MAP, ok);
		if (o->flags & IOMMU_OP_readable)
			reach(e, i, R_IO_MAP_R, ok);
		if (o->flags & IOMMU_OP_writeable)
			reach(e, i, R_IO_MAP_W, ok);
		if (o->flags & IOMMU_MAP_OP_no_ref_cnt)
			reach(e, i, R_IO_MAP_NOREF, ok);
		if (order)
			reach(e, i, R_IO_MAP_ORDER, ok);
		break;
	case IOMMUOP_unmap_page:
		reach(e, i, R_IO_UNMAP, ok);
		if (order)
			reach(e, i, R_IO_UNMAP_ORDER, ok);
		break;
	case IOMMUOP_map_foreign_page:
		reach(e, i, R_IO_MAPF, ok);
		if (o->flags & IOMMUOP_readable)
			reach(e, i, R_IO_MAPF_R, ok);
		if (o->flags & IOMMUOP_writeable)
			reach(e, i, R_IO_MAPF_W, ok);
		if (o->flags & IOMMUOP_swap_mfn)
			reach(e, i, R_IO_MAPF_SWAP, ok);
		if (order)
			reach(e, i, R_IO_MAPF_ORDER, ok);
		break;
	case IOMMUOP_lookup_foreign_page:
		reach(e, i, R_IO_LOOKUPF, ok);
		break;
	case IOMMUOP_unmap_foreign_page:
		reach(e, i, R_IO_UNMAPF, ok);
		if (order)
			reach(e, i, R_IO_UNMAPF_ORDER, ok);
		break;
	default:
		reach(e, i, R_IO_BAD_SUBOP, ok);
	}
}

static void g_iommu_op(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	struct pv_iommu_op ops[16], done[16];
	uint8_t c = fz_u8(in);
	unsigned int count = c < 240 ? c % 9 : c < 250 ? 1500 : fz_u32(in);
	unsigned int n = count < 16 ? count : 16;
	uint64_t off = OFF_ARG, ptr;
	bool back;
	int64_t rc;

	memset(ops, 0, sizeof(ops));
	for (unsigned int k = 0; k < n; k++) {
		struct pv_iommu_op *o = &ops[k];
		unsigned int order = fz_u8(in) < 220 ? 0 : pick_order(in);

		o->subop_id = fz_u8(in) < 240 ? (uint16_t)(1 + fz_below(in, 6)) : fz_u16(in);
		o->flags = fz_u8(in) < 220 ? (uint16_t)(IOMMU_page_order(order) | (fz_u8(in) & 7))
					   : fz_u16(in);
		o->status = (int32_t)fz_u32(in);
		switch (o->subop_id) {
		case IOMMUOP_map_page:
			o->u.map_page.bfn = fz_pick_gfn(e, i, in);
			o->u.map_page.gfn = pick_own_gfn(e, i, in, order);
			break;
		case IOMMUOP_unmap_page:
		case IOMMUOP_unmap_foreign_page: {
			bool foreign = o->subop_id == IOMMUOP_unmap_foreign_page;
			const struct fz_iomap *m = pick_iomap(in, i, foreign);
			uint8_t how = fz_u8(in);

			o->u.unmap_page.bfn = m ? m->bfn : fz_pick_gfn(e, i, in);
			if (m && (how & 1))
				o->flags = IOMMU_set_page_order(o->flags,
								IOMMU_get_page_order(m->flags));
			if (foreign)
				o->u.unmap_foreign_page.ioserver = m && (how & 2)
					? m->ios : pick_server(e, i, in, NULL);
			break;
		}
		case IOMMUOP_lookup_foreign_page: {
			/* Often the frame of a foreign map (translated contexts
			 * only find those). */
			const struct fz_iomap *m = pick_iomap(in, i, true);

			if (m) {
				o->u.lookup_foreign_page.gfn = m->gfn;
				o->u.lookup_foreign_page.domid = m->domid;
				o->u.lookup_foreign_page.ioserver = m->ios;
				break;
			}
		}
			/* fall through */
		default: {
			uint16_t domid = fz_pick_domid(e, in);
			unsigned int t;

			o->u.map_foreign_page.ioserver = pick_server(e, i, in, &domid);
			t = slot_of(e, i, domid);
			o->u.map_foreign_page.bfn = fz_pick_gfn(e, i, in);
			o->u.map_foreign_page.gfn = t != i ? pick_own_gfn(e, t, in, order)
							   : fz_pick_gfn(e, t, in);
			o->u.map_foreign_page.domid = domid;
		}
		}
	}
	if (count > n) {
		/* A long batch: the same elements repeated (continuations). */
		static struct pv_iommu_op many[1500];

		for (unsigned int k = 0; k < 1500; k++) {
			many[k] = n ? ops[k % n] : (struct pv_iommu_op){0};
			many[k].u.map_page.bfn += k;
		}
		put_or_skip(e, i, OFF_A1, many, FZ_SCRATCH_PAGES * PAGE_SIZE - OFF_A1);
		off = OFF_A1;
	}
	if (count <= n)
		put_or_skip(e, i, OFF_ARG, ops, n * sizeof(ops[0]));
	ptr = fz_pick_ptr(e, i, in, off);
	rc = fz_call(e, i, __HYPERVISOR_iommu_op, ptr, count, 0, 0, 0);
	/* The first n elements' statuses (a long batch repeats them). */
	back = ptr == fz_gpa(e, i, off) && rc >= 0 && !fz_get(e, i, ptr, done, n * sizeof(done[0]));
	for (unsigned int k = 0; k < reach_n(count, n); k++) {
		bool ok = back && done[k].status == 0;

		reach_iommu(e, i, &ops[k], ok);
		if (ok && (ops[k].subop_id == IOMMUOP_map_page ||
			   ops[k].subop_id == IOMMUOP_map_foreign_page))
			prog_bfn(i, &ops[k], done[k].u.map_page.bfn); /* bfn: same offset in both */
	}
}

/* ---- dm_op ---- */

/* An emulator (the caller) creates or destroys an IOREQ server for a target. */
static void g_dm_op(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	static const uint32_t subops[] = {
		XEN_DMOP_create_ioreq_server, XEN_DMOP_create_ioreq_server,
		XEN_DMOP_destroy_ioreq_server, XEN_DMOP_destroy_ioreq_server,
		XEN_DMOP_create_ioreq_server, XEN_DMOP_create_ioreq_server,
		XEN_DMOP_get_ioreq_server_info, XEN_DMOP_map_io_range_to_ioreq_server,
		XEN_DMOP_map_io_range_to_ioreq_server, XEN_DMOP_unmap_io_range_from_ioreq_server,
		XEN_DMOP_set_ioreq_server_state, XEN_DMOP_set_ioreq_server_state, XEN_DMOP_nr_vcpus,
		XEN_DMOP_set_irq_level,
	};
	uint16_t domid = fz_pick_domid(e, in);
	uint8_t c = fz_u8(in), shape = fz_u8(in);
	struct xen_dm_op op;
	struct xen_dm_op_buf b;
	enum reach_key k;
	uint64_t ptr;
	unsigned int nr_bufs = shape < 245 ? 1 : shape % 3;
	int64_t rc;

	memset(&op, 0, sizeof(op));
	op.op = c < 240 ? subops[c % ARRAY_SIZE(subops)] : fz_u32(in);
	switch (op.op) {
	case XEN_DMOP_destroy_ioreq_server:
		op.u.destroy_ioreq_server.id = pick_server(e, i, in, &domid);
		op.u.destroy_ioreq_server.pad = fz_u8(in) >= 250;
		k = R_DM_DESTROY;
		break;
	case XEN_DMOP_create_ioreq_server:
		op.u.create_ioreq_server.handle_bufioreq = fz_below(in, 4);
		if (fz_u8(in) >= 250)
			op.u.create_ioreq_server.pad[fz_below(in, 3)] = 1;
		k = R_DM_CREATE;
		break;
	case XEN_DMOP_get_ioreq_server_info:
		op.u.get_ioreq_server_info.id = pick_server(e, i, in, &domid);
		op.u.get_ioreq_server_info.flags = fz_u8(in) < 200 ? XEN_DMOP_no_gfns : fz_u16(in);
		k = R_DM_INFO;
		break;
	case XEN_DMOP_map_io_range_to_ioreq_server:
	case XEN_DMOP_unmap_io_range_from_ioreq_server: {
		struct xen_dm_op_ioreq_server_range *r = &op.u.map_io_range_to_ioreq_server;
		uint8_t f = fz_u8(in);

		r->id = pick_server(e, i, in, &domid);
		r->type = f < 200 ? XEN_DMOP_IO_RANGE_MEMORY : f < 250 ? fz_below(in, 3) : fz_u32(in);
		/* mostly small ranges in the MMIO window the mmio generator uses */
		r->start = fz_u8(in) < 230 ? FZ_MMIO_BASE + fz_below(in, 0x4000) : fz_u64(in);
		r->end = fz_u8(in) < 230 ? r->start + fz_below(in, 0x1000) : fz_u64(in);
		r->pad = fz_u8(in) >= 250;
		k = op.op == XEN_DMOP_map_io_range_to_ioreq_server ? R_DM_MAP : R_DM_UNMAP;
		break;
	}
	case XEN_DMOP_set_ioreq_server_state:
		op.u.set_ioreq_server_state.id = pick_server(e, i, in, &domid);
		op.u.set_ioreq_server_state.enabled = fz_u8(in) < 200;
		op.u.set_ioreq_server_state.pad = fz_u8(in) >= 250;
		k = R_DM_STATE;
		break;
	case XEN_DMOP_nr_vcpus:
		k = R_DM_NR_VCPUS;
		break;
	case XEN_DMOP_set_irq_level:
		op.u.set_irq_level.irq = fz_u8(in) < 230 ? 32 + fz_below(in, 4) : fz_u32(in);
		op.u.set_irq_level.level = fz_u8(in) < 230 ? fz_below(in, 2) : fz_u8(in);
		if (fz_u8(in) >= 250)
			op.u.set_irq_level.pad[fz_below(in, 3)] = 1;
		k = R_DM_IRQ;
		break;
	default:
		for (unsigned int b2 = 0; b2 < 16; b2++)
			op.u.space[b2] = fz_u8(in);
		k = R_DM_OTHER;
	}
	op.pad = fz_u8(in) >= 250;
	put_or_skip(e, i, OFF_ARG, &op, sizeof(op));
	b.h = fz_pick_ptr(e, i, in, OFF_ARG);
	/* Sometimes too short for the header or for the sub-op. */
	b.size = shape < 230 ? sizeof(op) : fz_below(in, sizeof(op) + 1);
	put_or_skip(e, i, OFF_A1, &b, sizeof(b));
	ptr = fz_pick_ptr(e, i, in, OFF_A1);
	rc = fz_call(e, i, __HYPERVISOR_dm_op, domid, nr_bufs, ptr, 0, 0);
	reach(e, i, k, rc == 0);
	if (rc == 0 && k == R_DM_CREATE && !fz_get(e, i, b.h, &op, sizeof(op)))
		prog_server(e, i, slot_of(e, i, domid), op.u.create_ioreq_server.id);
}

/* ---- IOREQ: acquire_resource and the MMIO path ---- */

/* The caller maps frames of one of its servers (or anything) at its GFNs. */
static void g_acquire(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	struct xen_mem_acquire_resource r;
	uint16_t domid = fz_pick_domid(e, in);
	uint64_t gfns[4];
	uint8_t c = fz_u8(in);
	int64_t rc;

	memset(&r, 0, sizeof(r));
	r.id = pick_server(e, i, in, &domid);
	r.domid = domid;
	r.type = c < 230 ? XENMEM_resource_ioreq_server : fz_below(in, 4);
	r.frame = fz_u8(in) < 230 ? fz_below(in, 3) : fz_u64(in);
	r.nr_frames = fz_u8(in) < 230 ? 1 + fz_below(in, 2) : fz_u32(in);
	r.pad = fz_u8(in) >= 250;
	for (unsigned int k = 0; k < 4; k++)
		gfns[k] = fz_u8(in) < 200 ? (e->scratch[i] >> PAGE_SHIFT) + 6 + (k & 1)
					 : fz_pick_gfn(e, i, in);
	put_or_skip(e, i, OFF_A1, gfns, sizeof(gfns));
	r.frame_list = fz_u8(in) < 240 ? fz_pick_ptr(e, i, in, OFF_A1) : 0;
	if (fz_u8(in) >= 240) { /* the size query */
		r.nr_frames = 0;
		r.frame_list = 0;
	}
	put_or_skip(e, i, OFF_ARG, &r, sizeof(r));
	rc = fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_acquire_resource,
		     fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0);
	reach(e, i, R_ACQUIRE, rc == 0);
}

/*
 * A vCPU of some domain touches MMIO: mostly the window servers map. With a
 * request in flight, the generator plays the emulator first: writes some
 * state (mostly IORESP_READY, sometimes a wrong one) into the slot and
 * sends on the vCPU's port from the server's side. The hypervisor's wait is
 * bounded by hv_config.max_sleep_ns, so an unanswered access returns.
 */
static void g_mmio(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	static const unsigned int sizes[] = {1, 2, 4, 8, 3};
	int t = fz_pick_dom(e, in); /* the accessing domain: mostly a served one */
	struct domain *d = t < 0 ? e->dom[i] : e->dom[t];
	uint64_t gpa = fz_u8(in) < 230 ? FZ_MMIO_BASE + fz_below(in, 0x5000) : fz_u64(in);
	unsigned int size = sizes[fz_below(in, ARRAY_SIZE(sizes))];
	bool write = fz_u8(in) & 1;
	uint64_t data = fz_u64(in);
	enum hv_mmio_result res;

	if (!d || d->state == DOMS_dying)
		return;
	hv_lock(e->hv);
	if (d->ioreq && fz_u8(in) < 64) {
		/* Shortcut to the served path: a standard server of d claims
		 * the window and is enabled (the dm_op generator reaches the
		 * same state only rarely). */
		struct ioreq_server *s = d->ioreq->server[fz_below(in, IOREQ_MAX_SERVERS)];

		if (s) {
			(void)ioreq_server_map_range(s, XEN_DMOP_IO_RANGE_MEMORY, FZ_MMIO_BASE,
						     FZ_MMIO_BASE + 0x4fff);
			(void)ioreq_server_set_state(s, true);
		}
	}
	if (d->ioreq && d->ioreq->waiting[0]) {
		struct ioreq_server *s = d->ioreq->waiting[0];
		struct ioreq *slot = (struct ioreq *)frame_va(&e->hv->ft, s->ioreq_mfn);
		uint8_t st = fz_u8(in) < 220 ? STATE_IORESP_READY : fz_below(in, 16);

		slot->data = fz_u64(in);
		((uint8_t *)slot)[30] = (uint8_t)((((uint8_t *)slot)[30] & 0xf0) | st);
		/* As the emulator's send on its bound end would. */
		d->vcpu[0].wake_gen++;
		d->ioreq->answered[0]++;
	}
	hv_unlock(e->hv);
	res = hv_ioreq_mmio(e->hv, d, 0, gpa, size, write, &data);
	reach(e, i, res == HV_MMIO_UNCLAIMED ? R_MMIO_UNCLAIMED : R_MMIO_SERVED,
	      res == HV_MMIO_DONE || res == HV_MMIO_UNCLAIMED);
	fz_audit(e);
}

/* ---- anything ---- */

static void g_raw(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	uint8_t buf[256];
	uint64_t nr = fz_u8(in) < 240 ? fz_below(in, 64) : fz_u64(in), a[5];

	for (unsigned int k = 0; k < sizeof(buf); k++)
		buf[k] = fz_u8(in);
	put_or_skip(e, i, OFF_RAW, buf, sizeof(buf));
	for (unsigned int k = 0; k < 5; k++) {
		uint8_t c = fz_u8(in);

		a[k] = c < 100 ? fz_pick_ptr(e, i, in, OFF_RAW) : c < 200 ? fz_u8(in) : fz_u64(in);
	}
	fz_call(e, i, nr, a[0], a[1], a[2], a[3], a[4]);
}

/* ---- guest-virtual pointers ---- */

/*
 * A call from a caller with paging on: a 4-level chain for one linear
 * address laid out in the scratch area (tables at 0x1000..0x4000, the
 * leaf on 0x5000), each entry's flags (present, R/W, U/S, PS) from the
 * input and sometimes a whole raw entry; CPL, CR0.WP, CR3 and the mode
 * bits from the input too. The call reads or writes through the address.
 */
static void g_paged(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	uint64_t va = fz_u8(in) < 224 ? 0x0000600000000000ULL + ((uint64_t)fz_u16(in) << 12) +
						fz_below(in, 4096)
				      : fz_u64(in);
	uint8_t mode = fz_u8(in);
	struct hv_paging pg = {
		.valid = true,
		.cpl = (uint8_t)(fz_below(in, 2) ? 3 : 0),
		.cr0 = 0x80000001ULL | (fz_below(in, 4) ? 1ULL << 16 : 0),
		.cr3 = mode < 240 ? fz_gpa(e, i, 0x1000) : fz_pick_gfn(e, i, in) << 12,
		.cr4 = 0x20 | (mode == 255 ? 1ULL << 12 : 0),
		.efer = mode == 254 ? 0 : 0x500,
	};
	uint64_t leaf_off = 0x5000 + (va & 0xfff);
	struct xen_memory_reservation r = {.extent_start = va + 8, .nr_extents = fz_below(in, 4),
					   .domid = DOMID_SELF};

	for (unsigned int l = 0; l < 4; l++) {
		unsigned int shift = 39 - 9 * l;
		uint8_t c = fz_u8(in);
		uint64_t ent = l < 3 ? fz_gpa(e, i, 0x2000 + 0x1000 * l) : fz_gpa(e, i, 0x5000);

		if (c >= 248) {
			ent = fz_u64(in);
		} else {
			if (c & 0x20)
				ent = fz_pick_gfn(e, i, in) << 12;
			if ((c & 8) && l > 0 && l < 3)
				ent &= ~((1ULL << shift) - 1); /* a large leaf's base */
			ent |= (!(c & 0x10) || (c & 1) ? 0x1 : 0) | (c & 2 ? 0x2 : 0) |
			       (c & 4 ? 0x4 : 0) | (c & 8 ? 0x80 : 0);
		}
		put_or_skip(e, i, 0x1000 * (l + 1) + ((va >> shift) & 511) * 8, &ent, sizeof(ent));
	}
	/* what the leaf page holds at va: a domid, or a reservation whose
	 * extent list follows it (both through va) */
	if (leaf_off + sizeof(r) <= 0x6000)
		put_or_skip(e, i, leaf_off, &r, sizeof(r));
	switch (fz_below(in, 4)) {
	case 0:
		fz_call_paged(e, i, &pg, __HYPERVISOR_xen_version, XENVER_extraversion, va, 0);
		break;
	case 1:
		fz_call_paged(e, i, &pg, __HYPERVISOR_memory_op, XENMEM_current_reservation, va, 0);
		break;
	case 2:
		fz_call_paged(e, i, &pg, __HYPERVISOR_grant_table_op, GNTTABOP_query_size, va, 1);
		break;
	default:
		fz_call_paged(e, i, &pg, __HYPERVISOR_memory_op,
			      fz_below(in, 2) ? XENMEM_populate_physmap : XENMEM_decrease_reservation,
			      va, 0);
		break;
	}
}

/* ---- host-side events ---- */

static void g_domain_life(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	unsigned int slot = fz_below(in, FZ_MAX_DOMS);

	(void)i;
	prog_forget(slot);
	if (e->dom[slot]) {
		fz_dom_destroy(e, slot);
	} else {
		(void)fz_dom_create(e, slot, (enum fz_kind)fz_below(in, FZ_NR_KINDS));
		if (e->dom[slot] && e->kind[slot] == FZ_PLAIN) {
			int t = fz_pick_dom(e, in);

			if (t >= 0 && (unsigned int)t != slot)
				fz_dom_target(e, slot, (unsigned int)t);
		}
	}
	fz_audit(e);
}

/* Host side: an emulator (the caller) creates or destroys an IOREQ server. */
static void g_ioreq_server(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	int t = fz_pick_dom(e, in);
	uint8_t c = fz_u8(in);
	ioservid_t id = c & 3;

	if (t < 0)
		return;
	hv_lock(e->hv);
	if (c & 0x80) {
		(void)ioreq_server_destroy(e->dom[i], e->dom[t]->id, id);
	} else {
		/* bits 4-5: the buffered ring's mode (3 asks for what does not exist) */
		if (!ioreq_server_create(e->dom[i], e->dom[t], (uint8_t)((c >> 4) & 3), &id))
			prog_server(e, i, (unsigned int)t, id);
	}
	hv_realize_flush(e->hv);
	hv_unlock(e->hv);
	fz_audit(e);
}

/* ---- event channels ---- */

/* A port: mostly the low ones in use, sometimes the bucket edge, the
 * limit or a wild value. */
static uint32_t pick_port(struct fz_in *in)
{
	uint8_t c = fz_u8(in);

	if (c < 200)
		return c % 12;
	if (c < 230)
		return 60 + c % 8;
	if (c < 250)
		return (c & 1) ? 1023 + c % 3 : 4095 + c % 3;
	return fz_u32(in);
}

/* The last port alloc_unbound made (so bind_interdomain can find it). */
static struct {
	bool valid;
	domid_t owner, remote;
	uint32_t port;
} last_unbound;

/* The live slot of domain id, or -1. */
static int slot_of_id(struct fz_env *e, domid_t id)
{
	for (unsigned int k = 0; k < FZ_MAX_DOMS; k++)
		if (e->dom[k] && e->dom[k]->id == id && e->dom[k]->state == DOMS_running)
			return (int)k;
	return -1;
}

/* Mostly a port of d in use (peeking at the hypervisor, as a guest would
 * remember what it bound), else pick_port. */
static uint32_t pick_used_port(struct fz_env *e, unsigned int i, struct fz_in *in)
{
	uint32_t used[64];
	unsigned int n = 0;

	if (fz_u8(in) < 64)
		return pick_port(in);
	hv_lock(e->hv);
	for (uint32_t p = 1; p < 64 && n < ARRAY_SIZE(used); p++)
		if (evtchn_port_state(e->dom[i], p) > EVTCHNSTAT_closed)
			used[n++] = p;
	hv_unlock(e->hv);
	return n ? used[fz_below(in, n)] : pick_port(in);
}

static void fz_xen_notify(void *ctx, struct domain *d, uint32_t port)
{
	(void)ctx;
	(void)d;
	(void)port;
}

/* event_channel_op: every sub-op with arguments from the input; now and
 * then the hypervisor's side (Xen-attached ports, VIRQs) instead. */
static void g_evtchn(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	uint8_t c = fz_u8(in);
	/* reset (10) is rare: it undoes everything else. */
	unsigned int cmd = c < 240 ? fz_below(in, 10) : c < 245 ? EVTCHNOP_reset : fz_below(in, 16);
	union {
		struct evtchn_alloc_unbound au;
		struct evtchn_bind_interdomain bi;
		struct evtchn_bind_virq bv;
		struct evtchn_bind_pirq bp;
		struct evtchn_bind_ipi ipi;
		struct evtchn_send sd;
		struct evtchn_status st;
		struct evtchn_bind_vcpu bc;
		struct evtchn_reset rs;
		uint8_t raw[24];
	} a;

	if (c >= 250) {
		struct domain *d = e->dom[i];

		hv_lock(e->hv);
		switch (c % 4) {
		case 0:
			if (d->state != DOMS_dying)
				(void)evtchn_alloc_xen_port(d, fz_pick_domid(e, in), fz_xen_notify, NULL);
			break;
		case 1: {
			uint32_t p = pick_port(in);

			/* only ports this fuzzer made: the others belong to
			 * their consumers (an IOREQ server's vCPU ports) */
			if (d->state != DOMS_dying && evtchn_xen_port_is(d, p, fz_xen_notify))
				evtchn_free_xen_port(d, p);
			break;
		}
		case 2:
			evtchn_send_virq(d, fz_below(in, NR_VIRQS + 1), fz_below(in, 2));
			break;
		default:
			evtchn_send_global_virq(e->hv, fz_below(in, NR_VIRQS + 1));
			break;
		}
		hv_realize_flush(e->hv);
		hv_unlock(e->hv);
		fz_audit(e);
		return;
	}
	memset(&a, 0, sizeof(a));
	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		a.au.dom = fz_u8(in) < 200 ? DOMID_SELF : fz_pick_domid(e, in);
		a.au.remote_dom = fz_pick_domid(e, in);
		break;
	case EVTCHNOP_bind_interdomain:
		a.bi.remote_dom = fz_pick_domid(e, in);
		a.bi.remote_port = pick_port(in);
		/* Mostly the port the last alloc_unbound made, by its binder. */
		if (last_unbound.valid && fz_u8(in) < 200) {
			int k = slot_of_id(e, last_unbound.remote);

			if (k >= 0) {
				i = (unsigned int)k;
				a.bi.remote_dom = last_unbound.owner;
				a.bi.remote_port = last_unbound.port;
			}
		}
		break;
	case EVTCHNOP_bind_virq:
		a.bv.virq = fz_u8(in) < 240 ? fz_below(in, NR_VIRQS) : fz_u32(in);
		a.bv.vcpu = fz_u8(in) < 240 ? 0 : fz_u32(in);
		break;
	case EVTCHNOP_bind_ipi:
		a.ipi.vcpu = fz_u8(in) < 240 ? 0 : fz_u32(in);
		break;
	case EVTCHNOP_bind_pirq: /* mostly the lines the dm_op generator raises */
		a.bp.pirq = fz_u8(in) < 230 ? 32 + fz_below(in, 4) : fz_u32(in);
		a.bp.flags = fz_u8(in) < 240 ? 0 : fz_u32(in);
		break;
	case EVTCHNOP_status:
		a.st.dom = fz_u8(in) < 200 ? DOMID_SELF : fz_pick_domid(e, in);
		a.st.port = pick_used_port(e, i, in);
		break;
	case EVTCHNOP_bind_vcpu:
		a.bc.port = pick_used_port(e, i, in);
		a.bc.vcpu = fz_u8(in) < 240 ? 0 : fz_u32(in);
		break;
	case EVTCHNOP_reset:
		a.rs.dom = fz_u8(in) < 128 ? DOMID_SELF : fz_pick_domid(e, in);
		break;
	default: /* close, send, unmask and the rest: a port first */
		a.sd.port = pick_used_port(e, i, in);
		for (unsigned int k = 4; k < sizeof(a.raw); k++)
			a.raw[k] = fz_u8(in);
		break;
	}
	int64_t rc;

	put_or_skip(e, i, OFF_ARG, &a, sizeof(a));
	rc = fz_call(e, i, __HYPERVISOR_event_channel_op, cmd, fz_pick_ptr(e, i, in, OFF_ARG), 0, 0,
		     0);
	if (cmd <= EVTCHNOP_reset)
		reach(e, i, (enum reach_key)(R_EV_BIND_INTERDOMAIN + cmd), rc == 0);
	if (cmd == EVTCHNOP_alloc_unbound && rc == 0 &&
	    !fz_get(e, i, fz_gpa(e, i, OFF_ARG), &a.au, sizeof(a.au))) {
		struct domain *o = a.au.dom == DOMID_SELF ? e->dom[i] : NULL;

		if (!o) {
			int k = slot_of_id(e, a.au.dom);

			o = k >= 0 ? e->dom[k] : NULL;
		}
		if (o) {
			last_unbound.valid = true;
			last_unbound.owner = o->id;
			last_unbound.remote = a.au.remote_dom == DOMID_SELF ? e->dom[i]->id
									 : a.au.remote_dom;
			last_unbound.port = a.au.port;
		}
	}
}

/* hvm_op, vcpu_op, sched_op block and poll (they never sleep here:
 * fz_env sets max_sleep_ns), and the guest's own writes to its event
 * bits (shared_info is the hypervisor's page once mapped). */
static void g_hvm_vcpu_sched(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	uint8_t c = fz_u8(in);

	switch (c % 6) {
	case 0:
	case 1: { /* set/get param */
		struct xen_hvm_param p = {
			.domid = fz_u8(in) < 200 ? DOMID_SELF : fz_pick_domid(e, in),
			.index = fz_u8(in) < 240 ? fz_below(in, HVM_NR_PARAMS + 1) : fz_u32(in),
		};
		uint8_t v = fz_u8(in);

		p.value = v < 100 ? HVM_CALLBACK_VECTOR(fz_u8(in)) : v < 200 ? fz_u8(in) : fz_u64(in);
		put_or_skip(e, i, OFF_ARG, &p, sizeof(p));
		reach(e, i, c % 2 ? R_HVM_GET_PARAM : R_HVM_SET_PARAM,
		      fz_call(e, i, __HYPERVISOR_hvm_op, c % 2 ? HVMOP_get_param : HVMOP_set_param,
			      fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0) == 0);
		break;
	}
	case 2: { /* time, upcall vector, other ops */
		struct xen_hvm_evtchn_upcall_vector u = {.vcpu = fz_u8(in) < 240 ? 0 : fz_u32(in),
							 .vector = fz_u8(in)};
		static const unsigned int ops[] = {HVMOP_get_time, HVMOP_set_evtchn_upcall_vector,
						   HVMOP_set_evtchn_upcall_vector, 2, 5, 99};

		put_or_skip(e, i, OFF_ARG, &u, sizeof(u));
		fz_call(e, i, __HYPERVISOR_hvm_op, ops[fz_below(in, ARRAY_SIZE(ops))],
			fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0);
		break;
	}
	case 3: { /* vcpu_op */
		struct vcpu_register_vcpu_info r = {.mfn = fz_pick_gfn(e, i, in)};
		uint8_t o = fz_u8(in);

		r.offset = o < 200 ? (uint32_t)(o % 64) * 64 : fz_u32(in);
		unsigned int cmd = fz_u8(in) < 200 ? VCPUOP_register_vcpu_info : fz_below(in, 17);
		int64_t rc;

		put_or_skip(e, i, OFF_ARG, &r, sizeof(r));
		rc = fz_call(e, i, __HYPERVISOR_vcpu_op, cmd, fz_u8(in) < 240 ? 0 : fz_u32(in),
			     fz_pick_ptr(e, i, in, OFF_ARG), 0, 0);
		if (cmd == VCPUOP_register_vcpu_info)
			reach(e, i, R_VCPU_REGISTER, rc == 0);
		break;
	}
	case 4: { /* poll (timeout 0 or in the past) or block */
		uint32_t ports[8];
		unsigned int n = fz_below(in, 9);
		struct sched_poll sp = {.ports = fz_pick_ptr(e, i, in, OFF_A1),
					.nr_ports = fz_u8(in) < 240 ? n : fz_u32(in),
					.timeout = fz_u8(in) < 128 ? 0 : fz_u8(in)};

		for (unsigned int k = 0; k < n; k++)
			ports[k] = pick_port(in);
		put_or_skip(e, i, OFF_A1, ports, sizeof(ports));
		put_or_skip(e, i, OFF_ARG, &sp, sizeof(sp));
		if (fz_u8(in) < 200)
			reach(e, i, R_SCHED_POLL,
			      fz_call(e, i, __HYPERVISOR_sched_op, SCHEDOP_poll,
				      fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0) == 0);
		else
			fz_call(e, i, __HYPERVISOR_sched_op, SCHEDOP_block, 0, 0, 0, 0);
		break;
	}
	default: { /* map shared_info, then play the guest on its bits */
		struct xen_add_to_physmap x = {.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					       .idx = fz_u8(in) < 240 ? 0 : fz_u8(in),
					       .gpfn = fz_pick_gfn(e, i, in)};
		uint8_t w[16];

		put_or_skip(e, i, OFF_ARG, &x, sizeof(x));
		reach(e, i, R_SHINFO_MAP,
		      fz_call(e, i, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
			      fz_gpa(e, i, OFF_ARG), 0, 0, 0) == 0);
		/* Guest writes anywhere in the page at gpfn (mask, pending,
		 * selector, upcall flags): the hypervisor must cope. */
		for (unsigned int k = 0; k < sizeof(w); k++)
			w[k] = fz_u8(in);
		(void)fz_put(e, i, (x.gpfn << PAGE_SHIFT) + fz_below(in, 4096 - sizeof(w)), w,
			     sizeof(w));
		break;
	}
	}
}

/* Append new generators at the end (see the comment at the top). */
static const struct {
	const char *name;
	fz_gen_fn fn;
	unsigned int weight;
} gens[] = {
	{"reservation", g_reservation, 6},
	{"reservation_query", g_reservation_query, 1},
	{"add_to_physmap", g_add_to_physmap, 3},
	{"add_to_physmap_batch", g_add_to_physmap_batch, 4},
	{"remove_from_physmap", g_remove_from_physmap, 2},
	{"misc", g_version_console_sched, 1},
	{"grant_entry", g_grant_entry, 2},
	{"grant_op", g_grant_op, 4},
	{"iommu_op", g_iommu_op, 4},
	{"raw", g_raw, 1},
	{"domain_life", g_domain_life, 1},
	{"ioreq_server", g_ioreq_server, 1},
	{"paged", g_paged, 2},
	{"grant_offer", g_grant_offer, 2},
	{"dm_op", g_dm_op, 2},
	{"event_channel_op", g_evtchn, 4},
	{"hvm_vcpu_sched", g_hvm_vcpu_sched, 3},
	{"acquire_resource", g_acquire, 2},
	{"mmio", g_mmio, 2},
};

static unsigned int total_weight(void)
{
	unsigned int w = 0;

	for (unsigned int k = 0; k < ARRAY_SIZE(gens); k++)
		w += gens[k].weight;
	return w;
}

void fz_hcall_one(struct fz_env *e, struct fz_in *in)
{
	unsigned int w = fz_below(in, total_weight()), g = 0;
	int i;

	while (w >= gens[g].weight) {
		w -= gens[g].weight;
		g++;
	}
	i = fz_pick_dom(e, in);
	if (i < 0) {
		g_domain_life(e, in, 0);
		return;
	}
	gens[g].fn(e, in, (unsigned int)i);
}

void fz_hcall_setup(struct fz_env *e, struct fz_in *in)
{
	uint8_t h = fz_u8(in);
	unsigned int nr = 2 + h % (FZ_MAX_DOMS - 1);

	memset(gmaps, 0, sizeof(gmaps));
	memset(&last_unbound, 0, sizeof(last_unbound));
	memset(&prog, 0, sizeof(prog));

	for (unsigned int k = 0; k < nr; k++) {
		/* Slot 0 is privileged unless the input says otherwise. */
		enum fz_kind kind = k == 0 && !(h & 0x80) ? FZ_PRIV : (enum fz_kind)fz_below(in, FZ_NR_KINDS);

		(void)fz_dom_create(e, k, kind);
	}
	/* Unprivileged domains may be allowed to map some others. */
	for (unsigned int k = 0; k < nr; k++) {
		uint8_t m = fz_u8(in);

		for (unsigned int j = 0; j < nr; j++)
			if (j != k && (m >> j) & 1)
				fz_dom_target(e, k, j);
	}
	fz_audit(e);
}

static uint64_t fz_tail_seed(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (size_t k = 0; k < size; k++)
		h = (h ^ data[k]) * 0x100000001b3ULL;
	return h | 1; /* nonzero: PRNG mode */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env e;
	static bool once;
	struct fz_in in = {.p = data, .n = size};

	if (!once) {
		once = true;
		if (getenv("FZ_REACH"))
			atexit(reach_print);
	}
	reach_execs++;
	if (fz_env_init(&e, 8))
		abort();
	e.strict = true;
	fz_hcall_setup(&e, &in);
	for (unsigned int op = 0; op < FZ_MAX_OPS; op++) {
		/* A short input's program goes on with choices from a PRNG
		 * seeded by the input (deterministic, so a crash reproduces):
		 * every execution is a whole program, which spreads the cost
		 * of creating and destroying the hypervisor over FZ_MAX_OPS
		 * operations. */
		if (!fz_more(&in))
			in.rng = fz_tail_seed(data, size);
		fz_hcall_one(&e, &in);
	}
	fz_audit(&e);
	fz_env_fini(&e);
	return 0;
}
