/*
 * Hypercall sequence fuzzer.
 *
 * An input is a program: a header choosing 2..FZ_MAX_DOMS domains and their
 * kinds (plain, privileged, static, static direct-mapped) and which plain
 * domains may foreign-map which, then up to FZ_MAX_OPS operations. Each
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
#include <stdlib.h>
#include <string.h>

#include <public/domctl.h>
#include <public/grant_table.h>
#include <public/iommu_op.h>
#include <public/memory.h>
#include <public/sysctl.h>
#include <public/version.h>
#include <public/xen.h>
#include <hv/ioreq.h>

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

typedef void (*fz_gen_fn)(struct fz_env *e, struct fz_in *in, unsigned int i);

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
			dc.cmd = fz_u8(in) < 200 ? XEN_DOMCTL_getdomaininfo : fz_below(in, 8);
			dc.interface_version = fz_u8(in) < 240 ? XEN_DOMCTL_INTERFACE_VERSION : fz_u32(in);
			dc.domain = fz_pick_domid(e, in);
			put_or_skip(e, i, OFF_ARG, &dc, sizeof(dc));
			fz_call(e, i, __HYPERVISOR_domctl, fz_pick_ptr(e, i, in, OFF_ARG), 0, 0, 0, 0);
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

static void g_grant_op(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	unsigned int cmd = fz_u8(in) < 240 ? fz_below(in, 13) : fz_u32(in);
	uint8_t c = fz_u8(in);
	unsigned int count = c < 240 ? c % 5 : c < 250 ? 600 : fz_u32(in);
	unsigned int n = count < 16 ? count : 16;
	uint8_t buf[16 * 40];

	memset(buf, 0, sizeof(buf));
	for (unsigned int k = 0; k < n; k++) {
		uint8_t *p = buf + k * 40;

		switch (cmd) {
		case GNTTABOP_map_grant_ref: {
			struct gnttab_map_grant_ref m = {
				.flags = fz_u8(in) < 230 ? (fz_u8(in) & 0x47) | GNTMAP_host_map
							 : fz_u32(in),
				.ref = fz_u8(in) < 220 ? fz_below(in, 32) : fz_u32(in),
				.dom = fz_pick_domid(e, in),
			};

			m.host_addr = fz_pick_gfn(e, i, in) << PAGE_SHIFT;
			m.dev_bus_addr = fz_pick_gfn(e, i, in) << PAGE_SHIFT;
			memcpy(buf + k * sizeof(m), &m, sizeof(m));
			continue;
		}
		case GNTTABOP_unmap_grant_ref: {
			struct gnttab_unmap_grant_ref u = {.handle = fz_u8(in) < 230 ? fz_below(in, 16)
										  : fz_u32(in)};

			u.host_addr = fz_u8(in) & 1 ? fz_pick_gfn(e, i, in) << PAGE_SHIFT : 0;
			u.dev_bus_addr = fz_u8(in) & 1 ? fz_pick_gfn(e, i, in) << PAGE_SHIFT : 0;
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
	fz_call(e, i, __HYPERVISOR_grant_table_op, cmd, fz_pick_ptr(e, i, in, OFF_ARG), count, 0,
		0);
}

/* ---- PV IOMMU ---- */

static void g_iommu_op(struct fz_env *e, struct fz_in *in, unsigned int i)
{
	struct pv_iommu_op ops[16];
	uint8_t c = fz_u8(in);
	unsigned int count = c < 240 ? c % 9 : c < 250 ? 1500 : fz_u32(in);
	unsigned int n = count < 16 ? count : 16;

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
			o->u.map_page.gfn = fz_pick_gfn(e, i, in);
			break;
		case IOMMUOP_unmap_page:
			o->u.unmap_page.bfn = fz_pick_gfn(e, i, in);
			break;
		default: {
			uint16_t domid = fz_pick_domid(e, in);

			o->u.map_foreign_page.bfn = fz_pick_gfn(e, i, in);
			o->u.map_foreign_page.gfn = fz_pick_gfn(e, slot_of(e, i, domid), in);
			o->u.map_foreign_page.domid = domid;
			o->u.map_foreign_page.ioserver = fz_u8(in) < 200 ? fz_below(in, 3) : fz_u16(in);
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
		fz_call(e, i, __HYPERVISOR_iommu_op, fz_pick_ptr(e, i, in, OFF_A1), count, 0, 0, 0);
		return;
	}
	put_or_skip(e, i, OFF_ARG, ops, n * sizeof(ops[0]));
	fz_call(e, i, __HYPERVISOR_iommu_op, fz_pick_ptr(e, i, in, OFF_ARG), count, 0, 0, 0);
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
		gfn_t buf = c & 0x10 ? _gfn(fz_pick_gfn(e, i, in)) : INVALID_GFN;
		gfn_t sync = c & 0x20 ? _gfn(fz_pick_gfn(e, i, in)) : INVALID_GFN;

		(void)ioreq_server_create(e->dom[i], e->dom[t], buf, sync, &id);
	}
	hv_realize_flush(e->hv);
	hv_unlock(e->hv);
	fz_audit(e);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env e;
	struct fz_in in = {.p = data, .n = size};

	if (fz_env_init(&e, 8))
		abort();
	e.strict = true;
	fz_hcall_setup(&e, &in);
	for (unsigned int op = 0; op < FZ_MAX_OPS && fz_more(&in); op++)
		fz_hcall_one(&e, &in);
	fz_audit(&e);
	fz_env_fini(&e);
	return 0;
}
