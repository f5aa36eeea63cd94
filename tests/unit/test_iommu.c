/*
 * PV IOMMU tests through the dispatcher (iommu_op, hypercall 43): every
 * sub-op and its errors, batches (per-element status, one IOTLB flush,
 * continuation), foreign maps by IOREQ servers with the M2B, the
 * ballooning flow (buffered ring, ring full, swap_mfn), the DMA engine
 * core, and destruction. Grant maps at a chosen bus address go through the
 * grant table: tests/unit/test_grant_iommu.c. The audit runs
 * after every step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hv/bootinfo.h>
#include <hv/build.h>
#include <hv/cmdline.h>
#include <hv/domain.h>
#include <hv/iommu.h>
#include <hv/ioreq.h>
#include <hv/layout.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <public/dm_op.h>
#include <public/grant_table.h>
#include <public/iommu_op.h>
#include <public/memory.h>
#include <public/xen.h>

#include "dmadev.h"
#include "harness.h"

#define RAM_GFN 0x40000ULL
#define BUF_PAGE 6  /* scratch page of the emulator's buffered ring */
#define SYNC_PAGE 7 /* scratch page of its synchronous slot */
#define RW (IOMMU_OP_readable | IOMMU_OP_writeable)

static int64_t populate(struct harness *h, struct domain *d, uint64_t gfn, uint64_t n,
			unsigned int order)
{
	uint64_t gfns[512];

	assert_true(n <= 512);
	for (uint64_t i = 0; i < n; i++)
		gfns[i] = gfn + (i << order);
	return h_reservation(h, d, XENMEM_populate_physmap, gfns, n, order, DOMID_SELF);
}

static struct pv_iommu_op map_op(uint64_t bfn, uint64_t gfn, uint16_t flags)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_map_page, .flags = flags, .status = 99};

	op.u.map_page.bfn = bfn;
	op.u.map_page.gfn = gfn;
	return op;
}

static struct pv_iommu_op unmap_op(uint64_t bfn, uint16_t flags)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_unmap_page, .flags = flags, .status = 99};

	op.u.unmap_page.bfn = bfn;
	return op;
}

static struct pv_iommu_op fmap_op(uint64_t bfn, domid_t dom, uint64_t gfn, ioservid_t ios,
				  uint16_t flags)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_map_foreign_page, .flags = flags, .status = 99};

	op.u.map_foreign_page.bfn = bfn;
	op.u.map_foreign_page.gfn = gfn;
	op.u.map_foreign_page.domid = dom;
	op.u.map_foreign_page.ioserver = ios;
	return op;
}

static struct pv_iommu_op lookup_op(domid_t dom, uint64_t gfn, ioservid_t ios)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_lookup_foreign_page, .status = 99};

	op.u.lookup_foreign_page.gfn = gfn;
	op.u.lookup_foreign_page.domid = dom;
	op.u.lookup_foreign_page.ioserver = ios;
	return op;
}

static struct pv_iommu_op funmap_op(uint64_t bfn, ioservid_t ios, uint16_t flags)
{
	struct pv_iommu_op op = {.subop_id = IOMMUOP_unmap_foreign_page, .flags = flags, .status = 99};

	op.u.unmap_foreign_page.bfn = bfn;
	op.u.unmap_foreign_page.ioserver = ios;
	return op;
}

/* Runs a batch from d's scratch area (at most 6 pages of ops). */
static int64_t iop(struct harness *h, struct domain *d, struct pv_iommu_op *ops, unsigned int n)
{
	int64_t rc;

	assert_true(n * sizeof(*ops) <= BUF_PAGE * PAGE_SIZE);
	h_put(d, 0, ops, n * sizeof(*ops));
	rc = h_call(h, d, __HYPERVISOR_iommu_op, h_gpa(0), n, 0, 0, 0);
	h_get(d, 0, ops, n * sizeof(*ops));
	return rc;
}

/* One op; returns its status (the call itself must succeed). */
static int32_t iop1(struct harness *h, struct domain *d, struct pv_iommu_op *op)
{
	assert_int_equal(iop(h, d, op, 1), 0);
	return op->status;
}

static struct page_info *gfn_page(struct harness *h, struct domain *d, uint64_t gfn)
{
	mfn_t m = p2m_lookup(d, _gfn(gfn), NULL, NULL);

	assert_false(mfn_eq(m, INVALID_MFN));
	return mfn_to_page(&h->hv->ft, m);
}

static uint64_t flushes(struct domain *d) { return iommu_stats(d)->iotlb_flushes; }

static void test_query_caps(void **state)
{
	struct harness h;
	struct domain *dev, *plain, *hw;
	struct iommu_params p;
	struct cmdline_args ba;
	struct pv_iommu_op op = {.subop_id = IOMMUOP_query_caps};

	(void)state;
	h_init_default(&h);
	dev = h_domain(&h, "dev", DOMF_iommu, 256);
	plain = h_domain(&h, "plain", 0, 256);
	hw = h_domain(&h, "hw", DOMF_iommu | DOMF_privileged, 256);
	assert_int_equal(iop1(&h, dev, &op), 0);
	assert_int_equal(op.flags, IOMMU_QUERY_map_cap | IOMMU_page_order(IOMMU_MAX_ORDER));
	assert_int_equal(iommu_mode(dev), IOMMU_CTX_TRANSLATE);
	op.flags = 0;
	assert_int_equal(iop1(&h, plain, &op), 0);
	assert_int_equal(op.flags, IOMMU_page_order(IOMMU_MAX_ORDER));
	/* flags is OUT only: input is ignored. */
	op.flags = 0xffff;
	assert_int_equal(iop1(&h, dev, &op), 0);
	assert_int_equal(op.flags, IOMMU_QUERY_map_cap | IOMMU_page_order(IOMMU_MAX_ORDER));

	/* Hardware domain modes from the bootargs (the boot command-line
	 * parser, hv/boot/cmdline.c, is the only one). */
	cmdline_parse(NULL, "console=x iommu=on,no-dom0-strict", &ba);
	p = cmdline_iommu_params(&ba);
	assert_true(p.present);
	assert_int_equal(p.hwdom, IOMMU_HWDOM_RELAXED);
	hv_lock(h.hv);
	assert_int_equal(iommu_domain_init(hw, &p), 0);
	hv_unlock(h.hv);
	op.flags = 0;
	assert_int_equal(iop1(&h, hw, &op), 0);
	assert_int_equal(op.flags, IOMMU_QUERY_map_cap | IOMMU_QUERY_map_all_gfns |
					   IOMMU_page_order(IOMMU_MAX_ORDER));
	cmdline_parse(NULL, "iommu=dom0-passthrough", &ba);
	p = cmdline_iommu_params(&ba);
	assert_int_equal(p.hwdom, IOMMU_HWDOM_PASSTHROUGH);
	cmdline_parse(NULL, "iommu=0", &ba);
	p = cmdline_iommu_params(&ba);
	assert_false(p.present);
	cmdline_parse(NULL, "no-iommu", &ba);
	assert_false(cmdline_iommu_params(&ba).present);
	cmdline_parse(NULL, NULL, &ba);
	p = cmdline_iommu_params(&ba);
	assert_true(p.present);
	assert_int_equal(p.hwdom, IOMMU_HWDOM_STRICT);
	h_audit(&h);
	h_fini(&h);
}

/* Builds a host with an IOMMU and a Dom0 whose xen,xen-bootargs is `args`
 * (dtc compiles the tree); returns Dom0's IOMMU mode after the build. */
static enum iommu_ctx_mode built_dom0_mode(const char *args, unsigned int *bootargs_diags)
{
	char dts[1024];
	struct bootinfo_opts bo = {.policy = XEN_POLICY_LATEST};
	struct layout_opts lo = {.policy = XEN_POLICY_LATEST, .iommu = -1};
	struct bootinfo bi;
	struct layout_plan plan;
	struct build_result res;
	struct harness h;
	enum iommu_ctx_mode mode;
	paddr_t banks[1][2];
	uint8_t *blob;
	size_t len;

	snprintf(dts, sizeof(dts),
		 "/dts-v1/; / { #address-cells = <2>; #size-cells = <2>;"
		 " memory@30000000 { device_type = \"memory\"; reg = <0x0 0x30000000 0x0 0x20000000>; };"
		 " iommu@1000000 { compatible = \"arm,smmu-v3\"; reg = <0x0 0x1000000 0x0 0x20000>;"
		 " #iommu-cells = <1>; };"
		 " chosen { #address-cells = <2>; #size-cells = <2>; xen,xen-bootargs = \"%s\";"
		 " module@4f100000 { compatible = \"multiboot,kernel\", \"multiboot,module\";"
		 " reg = <0x0 0x4f100000 0x0 0x1000>; }; }; };", args);
	blob = h_dtc(dts, &len);

	assert_int_equal(bootinfo_parse(&bi, blob, len, &bo), 0);
	assert_true(bi.iommu_present);
	*bootargs_diags = 0;
	for (unsigned int i = 0; i < bi.nr_diag; i++)
		*bootargs_diags += bi.diag[i].path && !strcmp(bi.diag[i].path, "bootargs");
	assert_int_equal(layout_plan(&bi, &lo, &plan), 0);
	banks[0][0] = bi.ram.s[0].start;
	banks[0][1] = bi.ram.s[0].size;
	h_init(&h, (const paddr_t(*)[2])banks, 1);
	assert_int_equal(build_system(h.hv, &bi, &plan, NULL, 0, &res), 0);
	assert_int_equal(res.nr, 1);
	assert_int_equal(res.dom[0].d->id, 0);
	mode = iommu_mode(res.dom[0].d);
	h_audit(&h);
	build_result_free(&res);
	layout_free(&plan);
	bootinfo_free(&bi);
	free(blob);
	h_fini(&h);
	return mode;
}

/* The builder hands the IOMMU what the boot command-line parser read
 * (issue 12: one parser): iommu=dom0-passthrough, accepted without a
 * warning, gives Dom0 a passthrough context; iommu=off wins over it. */
static void test_build_dom0_passthrough(void **state)
{
	unsigned int diags;

	(void)state;
	assert_int_equal(built_dom0_mode("dom0_mem=64M iommu=dom0-passthrough", &diags),
			 IOMMU_CTX_PASSTHROUGH);
	assert_int_equal(diags, 0);
	assert_int_equal(built_dom0_mode("dom0_mem=64M dom0-iommu=passthrough", &diags),
			 IOMMU_CTX_PASSTHROUGH);
	assert_int_equal(diags, 0);
	assert_int_equal(built_dom0_mode("dom0_mem=64M iommu=dom0-passthrough,off", &diags),
			 IOMMU_CTX_NONE);
	assert_int_equal(diags, 0);
	assert_int_not_equal(built_dom0_mode("dom0_mem=64M", &diags), IOMMU_CTX_PASSTHROUGH);
}

static void test_map_unmap_refs(void **state)
{
	struct harness h;
	struct domain *d;
	struct page_info *pg;
	struct pv_iommu_op op;
	mfn_t m;
	uint32_t c0;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "dev", DOMF_iommu, 4096);
	assert_int_equal(populate(&h, d, RAM_GFN, 16, 0), 16);
	pg = gfn_page(&h, d, RAM_GFN);
	c0 = pg->count;

	/* Writeable map: a general and a writeable type reference. */
	op = map_op(0x100, RAM_GFN, RW);
	assert_int_equal(iop1(&h, d, &op), 0);
	h_audit(&h);
	assert_int_equal(pg->count, c0 + 1);
	assert_int_equal(pg->type_count, 1);
	assert_int_equal(iommu_translate(d, _bfn(0x100), true, &m), 0);
	assert_true(mfn_eq(m, p2m_lookup(d, _gfn(RAM_GFN), NULL, NULL)));
	/* Read-only map: a general reference only; device writes refused. */
	op = map_op(0x101, RAM_GFN + 1, IOMMU_OP_readable);
	assert_int_equal(iop1(&h, d, &op), 0);
	assert_int_equal(gfn_page(&h, d, RAM_GFN + 1)->type_count, 0);
	assert_int_equal(iommu_translate(d, _bfn(0x101), true, &m), -EACCES);
	assert_int_equal(iommu_translate(d, _bfn(0x101), false, &m), 0);
	assert_int_equal(iommu_translate(d, _bfn(0x102), false, &m), -ENXIO);
	h_audit(&h);

	/* Errors, each leaving everything as it was. */
	op = map_op(0x100, RAM_GFN + 2, RW);
	assert_int_equal(iop1(&h, d, &op), -EEXIST);
	op = map_op(0x200, RAM_GFN + 100, RW); /* gfn not populated */
	assert_int_equal(iop1(&h, d, &op), -ENXIO);
	op = map_op(0x200, RAM_GFN + 2, RW | IOMMU_MAP_OP_no_ref_cnt);
	assert_int_equal(iop1(&h, d, &op), -EPERM); /* not a relaxed hardware domain */
	op = map_op(0x200, RAM_GFN + 2, 0);
	assert_int_equal(iop1(&h, d, &op), -EINVAL);
	op = map_op(0x200, RAM_GFN + 2, RW | (1u << 5));
	assert_int_equal(iop1(&h, d, &op), -EINVAL);
	op = map_op(0x200, RAM_GFN + 2, RW | IOMMU_page_order(10));
	assert_int_equal(iop1(&h, d, &op), -ENOSPC);
	op = map_op(0x201, RAM_GFN + 2, RW | IOMMU_page_order(1)); /* misaligned */
	assert_int_equal(iop1(&h, d, &op), -ENOSPC);
	op = map_op(1ULL << 36, RAM_GFN + 2, RW);
	assert_int_equal(iop1(&h, d, &op), -ENOSPC);
	hv_lock(h.hv);
	assert_int_equal(iommu_reserve_bfn_range(d, _bfn(0x300), 16), 0);
	hv_unlock(h.hv);
	op = map_op(0x308, RAM_GFN + 2, RW);
	assert_int_equal(iop1(&h, d, &op), -EACCES);
	op = unmap_op(0x555, 0);
	assert_int_equal(iop1(&h, d, &op), -ENOENT);
	op = unmap_op(0x100, 1);
	assert_int_equal(iop1(&h, d, &op), -EINVAL);
	op.subop_id = 77;
	assert_int_equal(iop1(&h, d, &op), -EOPNOTSUPP);
	h_audit(&h);
	assert_int_equal(pg->count, c0 + 1);

	/* Unmap drops both references. */
	op = unmap_op(0x100, 0);
	assert_int_equal(iop1(&h, d, &op), 0);
	assert_int_equal(pg->count, c0);
	assert_int_equal(pg->type_count, 0);
	op = unmap_op(0x101, 0);
	assert_int_equal(iop1(&h, d, &op), 0);
	h_audit(&h);

	/* A domain without an assigned device cannot map. */
	struct domain *plain = h_domain(&h, "plain", 0, 256);

	assert_int_equal(populate(&h, plain, RAM_GFN, 1, 0), 1);
	op = map_op(0x100, RAM_GFN, RW);
	assert_int_equal(iop1(&h, plain, &op), -EOPNOTSUPP);
	/* A foreign gfn in the caller's P2M is not its own (strict). */
	h_audit(&h);
	h_fini(&h);
}

static void test_balloon_own_mapping(void **state)
{
	struct harness h;
	struct domain *d;
	struct pv_iommu_op op;
	struct page_info *pg;
	uint64_t gfn = RAM_GFN, before, free0;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "dev", DOMF_iommu, 4096);
	assert_int_equal(populate(&h, d, RAM_GFN, 1, 0), 1);
	pg = gfn_page(&h, d, RAM_GFN);
	op = map_op(0x10, RAM_GFN, RW);
	assert_int_equal(iop1(&h, d, &op), 0);
	before = d->tot_pages;
	free0 = h.hv->heap.free_pages;
	/* Ballooning a mapped frame out: it stays referenced by the IOMMU. */
	assert_int_equal(h_reservation(&h, d, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	h_audit(&h);
	assert_int_equal(d->tot_pages, before);
	assert_int_equal(pg->count, 1);
	assert_int_equal(h.hv->heap.free_pages, free0);
	/* Unmapping returns it to the heap. */
	op = unmap_op(0x10, 0);
	assert_int_equal(iop1(&h, d, &op), 0);
	h_audit(&h);
	assert_int_equal(d->tot_pages, before - 1);
	assert_int_equal(h.hv->heap.free_pages, free0 + 1);
	h_fini(&h);
}

static void test_superpage(void **state)
{
	struct harness h;
	struct domain *d;
	struct pv_iommu_op op;
	struct page_info *pg;
	mfn_t m;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "dev", DOMF_iommu, 4096);
	assert_int_equal(populate(&h, d, RAM_GFN, 1, 9), 1);
	pg = gfn_page(&h, d, RAM_GFN + 7);
	op = map_op(0x200, RAM_GFN, RW | IOMMU_page_order(9));
	assert_int_equal(iop1(&h, d, &op), 0);
	h_audit(&h);
	assert_int_equal(d->iommu ? 1 : 0, 1);
	assert_int_equal(pg->count, 2);
	assert_int_equal(iommu_translate(d, _bfn(0x207), true, &m), 0);
	assert_true(mfn_eq(m, p2m_lookup(d, _gfn(RAM_GFN + 7), NULL, NULL)));
	/* Overlapping 4 KiB map refused; 4 KiB unmap splits the leaf. */
	op = map_op(0x207, RAM_GFN + 7, RW);
	assert_int_equal(iop1(&h, d, &op), -EEXIST);
	op = unmap_op(0x207, 0);
	assert_int_equal(iop1(&h, d, &op), 0);
	h_audit(&h);
	assert_int_equal(pg->count, 1);
	assert_int_equal(iommu_translate(d, _bfn(0x207), false, &m), -ENXIO);
	assert_int_equal(iommu_translate(d, _bfn(0x208), false, &m), 0);
	/* The rest goes with an order-9 unmap of the split range. */
	op = unmap_op(0x200, IOMMU_page_order(9));
	assert_int_equal(iop1(&h, d, &op), -ENOENT); /* 0x207 is gone */
	for (uint64_t b = 0x200; b < 0x400; b++) {
		if (b == 0x207)
			continue;
		op = unmap_op(b, 0);
		assert_int_equal(iop1(&h, d, &op), 0);
	}
	h_audit(&h);
	h_fini(&h);
}

static void test_batch_flush_and_continuation(void **state)
{
	struct harness h;
	struct domain *d;
	static struct pv_iommu_op ops[3000];
	uint64_t f0;
	int64_t rc;
	struct hv_hcall hc;
	void *va;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "dev", DOMF_iommu, 8192);
	assert_int_equal(populate(&h, d, RAM_GFN, 512, 0), 512);

	/* 512 maps in one batch: one flush. */
	for (unsigned int i = 0; i < 512; i++)
		ops[i] = map_op(0x1000 + i, RAM_GFN + i, RW);
	ops[100] = map_op(0x1000 + 100, RAM_GFN + 4000, RW); /* a bad element in the middle */
	f0 = flushes(d);
	assert_int_equal(iop(&h, d, ops, 512), 0);
	assert_int_equal(flushes(d), f0 + 1);
	for (unsigned int i = 0; i < 512; i++)
		assert_int_equal(ops[i].status, i == 100 ? -ENXIO : 0);
	h_audit(&h);
	/* Mixed maps and unmaps in one batch: still one flush. */
	ops[0] = map_op(0x1000 + 100, RAM_GFN + 100, RW);
	ops[1] = unmap_op(0x1000, 0);
	ops[2] = unmap_op(0x1000, 0);
	assert_int_equal(iop(&h, d, ops, 3), 0);
	assert_int_equal(ops[0].status, 0);
	assert_int_equal(ops[1].status, 0);
	assert_int_equal(ops[2].status, -ENOENT);
	assert_int_equal(flushes(d), f0 + 2);
	/* A batch that changes nothing needs no flush. */
	assert_int_equal(iop(&h, d, ops + 2, 1), 0);
	assert_int_equal(flushes(d), f0 + 2);

	/* 3000 elements: continued after every 1024, flushed each time. */
	assert_int_equal(populate(&h, d, RAM_GFN + 0x1000, 24, 0), 24);
	for (unsigned int i = 0; i < 3000; i++)
		ops[i] = i % 2 ? unmap_op(0x5000 + i / 2, 0) : map_op(0x5000 + i / 2, RAM_GFN + 1 + (i / 2) % 500, RW);
	va = h_va(d, (RAM_GFN + 0x1000) << PAGE_SHIFT);
	memcpy(va, ops, sizeof(ops));
	hc = (struct hv_hcall){.nr = __HYPERVISOR_iommu_op,
			       .args = {(RAM_GFN + 0x1000) << PAGE_SHIFT, 3000}};
	f0 = flushes(d);
	rc = hv_hypercall(h.hv, d, &hc);
	assert_int_equal(rc, HV_HCALL_CONTINUE);
	assert_int_equal(hc.args[1], 3000 - 1024);
	assert_int_equal(flushes(d), f0 + 1);
	h_audit(&h);
	assert_int_equal(hv_hypercall_run(h.hv, d, &hc), 0);
	assert_int_equal(flushes(d), f0 + 3);
	memcpy(ops, va, sizeof(ops));
	for (unsigned int i = 0; i < 3000; i++)
		assert_int_equal(ops[i].status, 0);
	/* A bad array address fails the call. */
	assert_int_equal(h_call(&h, d, __HYPERVISOR_iommu_op, 0x7000000000ULL, 4, 0, 0, 0), -EFAULT);
	h_audit(&h);
	h_fini(&h);
}

struct emu_setup {
	struct harness h;
	struct domain *guest, *emu;
	ioservid_t ios;
};

/* The server's buffered ring (frame 0) and ioreq page (frame 1) mapped at
 * emu's gfns with XENMEM_acquire_resource (0: not mapped), as an
 * emulator does; through emu's scratch page 5. */
static void acquire_frames(struct harness *h, struct domain *emu, struct domain *t,
			   ioservid_t id, uint64_t buf_gfn, uint64_t sync_gfn)
{
	for (unsigned int f = 0; f < 2; f++) {
		uint64_t gfn = f ? sync_gfn : buf_gfn;
		struct xen_mem_acquire_resource r = {.domid = t->id, .type = XENMEM_resource_ioreq_server,
						     .id = id, .nr_frames = 1, .frame = f,
						     .frame_list = h_gpa(5 * PAGE_SIZE + 64)};

		if (!gfn)
			continue;
		h_put(emu, 5 * PAGE_SIZE + 64, &gfn, sizeof(gfn));
		h_put(emu, 5 * PAGE_SIZE, &r, sizeof(r));
		assert_int_equal(h_call(h, emu, __HYPERVISOR_memory_op, XENMEM_acquire_resource,
					h_gpa(5 * PAGE_SIZE), 0, 0, 0),
				 0);
	}
}

static void emu_setup(struct emu_setup *s, uint32_t emu_flags)
{
	h_init_default(&s->h);
	s->guest = h_domain(&s->h, "guest", 0, 4096);
	s->emu = h_domain(&s->h, "emu", emu_flags, 4096);
	assert_int_equal(populate(&s->h, s->guest, RAM_GFN, 64, 0), 64);
	hv_lock(s->h.hv);
	s->emu->targets[s->emu->nr_targets++] = s->guest->id;
	assert_int_equal(ioreq_server_create(s->emu, s->guest, HVM_IOREQSRV_BUFIOREQ_LEGACY, &s->ios),
			 0);
	hv_unlock(s->h.hv);
	acquire_frames(&s->h, s->emu, s->guest, s->ios, H_SCRATCH_GFN + BUF_PAGE,
		       H_SCRATCH_GFN + SYNC_PAGE);
	h_audit(&s->h);
}

static void test_foreign_map_lookup_unmap(void **state)
{
	struct emu_setup s;
	struct harness *h = &s.h;
	struct pv_iommu_op op;
	struct page_info *pg;
	struct domain *other;
	ioservid_t ios2;
	uint32_t c0;
	mfn_t m;

	(void)state;
	emu_setup(&s, DOMF_iommu);
	other = h_domain(h, "other", 0, 256);
	pg = gfn_page(h, s.guest, RAM_GFN + 3);
	c0 = pg->count;

	/* Errors, in the draft's terms. */
	op = fmap_op(0x40, DOMID_SELF, RAM_GFN, s.ios, RW);
	assert_int_equal(iop1(h, s.emu, &op), -EPERM);
	op = fmap_op(0x40, s.emu->id, RAM_GFN, s.ios, RW);
	assert_int_equal(iop1(h, s.emu, &op), -EPERM);
	op = fmap_op(0x40, 999, RAM_GFN, s.ios, RW);
	assert_int_equal(iop1(h, s.emu, &op), -ENXIO);
	op = fmap_op(0x40, other->id, RAM_GFN, s.ios, RW);
	assert_int_equal(iop1(h, s.emu, &op), -EPERM); /* no privilege over it */
	op = fmap_op(0x40, s.guest->id, RAM_GFN, s.ios + 1, RW);
	assert_int_equal(iop1(h, s.emu, &op), -ENODEV);
	op = fmap_op(0x40, s.guest->id, RAM_GFN + 1000, s.ios, RW);
	assert_int_equal(iop1(h, s.emu, &op), -ENXIO);
	op = fmap_op(0x40, s.guest->id, RAM_GFN, s.ios, RW | IOMMU_page_order(10));
	assert_int_equal(iop1(h, s.emu, &op), -ENOSPC);
	op = fmap_op(0x40, s.guest->id, RAM_GFN, s.ios, RW | (1u << 4));
	assert_int_equal(iop1(h, s.emu, &op), -EINVAL);
	op = lookup_op(s.guest->id, RAM_GFN + 3, s.ios);
	assert_int_equal(iop1(h, s.emu, &op), -ENOENT); /* IOMMU: no BFN chosen yet */
	h_audit(h);
	assert_int_equal(iommu_m2b_count(s.emu), 0);

	/* Map, then an identical map adds nothing. */
	op = fmap_op(0x40, s.guest->id, RAM_GFN + 3, s.ios, RW | IOMMUOP_swap_mfn);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(op.u.map_foreign_page.bfn, 0x40);
	assert_int_equal(pg->count, c0 + 1);
	assert_int_equal(pg->type_count, 1);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(pg->count, c0 + 1);
	assert_int_equal(iommu_m2b_count(s.emu), 1);
	assert_int_equal(iommu_translate(s.emu, _bfn(0x40), true, &m), 0);
	assert_true(mfn_eq(m, p2m_lookup(s.guest, _gfn(RAM_GFN + 3), NULL, NULL)));
	h_audit(h);
	/* The BFN is taken for anything else. */
	op = fmap_op(0x40, s.guest->id, RAM_GFN + 4, s.ios, RW);
	assert_int_equal(iop1(h, s.emu, &op), -EEXIST);
	op = map_op(0x40, RAM_GFN, RW);
	assert_int_equal(iop1(h, s.emu, &op), -EEXIST);
	op = unmap_op(0x40, 0);
	assert_int_equal(iop1(h, s.emu, &op), -ENOENT); /* foreign: unmap_foreign_page only */

	/* A second IOREQ server of the same emulator: one more entry, one more reference. */
	hv_lock(h->hv);
	assert_int_equal(ioreq_server_create(s.emu, s.guest, 0, &ios2), 0);
	hv_unlock(h->hv);
	assert_int_not_equal(ios2, s.ios);
	op = fmap_op(0x40, s.guest->id, RAM_GFN + 3, ios2, RW);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(pg->count, c0 + 2);
	assert_int_equal(iommu_m2b_count(s.emu), 2);
	h_audit(h);

	/* Lookup returns the BFN of an existing entry. */
	op = lookup_op(s.guest->id, RAM_GFN + 3, s.ios);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(op.u.lookup_foreign_page.bfn, 0x40);
	assert_int_equal(op.flags, IOMMUOP_readable | IOMMUOP_writeable);

	/* Unmap per server; the leaf goes with the last one. */
	op = funmap_op(0x40, s.ios, 0);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(iop1(h, s.emu, &op), -ENOENT);
	assert_int_equal(iommu_translate(s.emu, _bfn(0x40), true, &m), 0);
	op = funmap_op(0x40, ios2, 0);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(iommu_translate(s.emu, _bfn(0x40), true, &m), -ENXIO);
	assert_int_equal(pg->count, c0);
	assert_int_equal(pg->type_count, 0);
	h_audit(h);

	/* Order 2: four frames, four entries. */
	op = fmap_op(0x80, s.guest->id, RAM_GFN + 8, s.ios, IOMMUOP_readable | IOMMU_page_order(2));
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(iommu_m2b_count(s.emu), 4);
	h_audit(h);
	op = funmap_op(0x80, s.ios, IOMMU_page_order(2));
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(iommu_m2b_count(s.emu), 0);
	h_audit(h);
	h_fini(h);
}

static void test_foreign_without_iommu(void **state)
{
	struct emu_setup s;
	struct harness *h = &s.h;
	struct pv_iommu_op op;
	struct page_info *pg;
	mfn_t m;
	uint32_t c0;

	(void)state;
	emu_setup(&s, 0); /* the emulator has no translated device */
	pg = gfn_page(h, s.guest, RAM_GFN + 5);
	c0 = pg->count;
	m = p2m_lookup(s.guest, _gfn(RAM_GFN + 5), NULL, NULL);
	op = lookup_op(s.guest->id, RAM_GFN + 5, s.ios);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(op.u.lookup_foreign_page.bfn, mfn_x(m)); /* the machine frame */
	assert_int_equal(pg->count, c0 + 1);
	assert_int_equal(iop1(h, s.emu, &op), 0); /* identical: no new reference */
	assert_int_equal(pg->count, c0 + 1);
	/* map_foreign_page returns the machine frame in bfn too. */
	op = fmap_op(0x1234, s.guest->id, RAM_GFN + 5, s.ios, RW);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(op.u.map_foreign_page.bfn, mfn_x(m));
	assert_int_equal(pg->count, c0 + 1);
	h_audit(h);
	/* Devices of a domain without an IOMMU context reach nothing. */
	assert_int_equal(iommu_translate(s.emu, _bfn(mfn_x(m)), false, &m), -ENXIO);
	op = funmap_op(mfn_x(p2m_lookup(s.guest, _gfn(RAM_GFN + 5), NULL, NULL)), s.ios, 0);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(pg->count, c0);
	h_audit(h);
	h_fini(h);
}

/* Item 4 of issue 18: an emulator's M2B entries are bounded; past its
 * budget map_foreign_page and lookup_foreign_page fail with -ENOMEM and
 * leave nothing behind, and the other emulators are not affected. */
static void test_m2b_budget(void **state)
{
	struct emu_setup s;
	struct harness *h = &s.h;
	struct pv_iommu_op ops[3];
	struct domain *emu2;
	struct page_info *pg;
	ioservid_t ios2;
	uint32_t c0;
	mfn_t m;

	(void)state;
	emu_setup(&s, DOMF_iommu);
	pg = gfn_page(h, s.guest, RAM_GFN + 8);
	c0 = pg->count;
	hv_lock(h->hv);
	assert_int_equal(iommu_set_m2b_budget(s.emu, 8), 0);
	hv_unlock(h->hv);

	/* Two order-2 maps spend the budget. */
	ops[0] = fmap_op(0x80, s.guest->id, RAM_GFN + 8, s.ios, RW | IOMMU_page_order(2));
	ops[1] = fmap_op(0x90, s.guest->id, RAM_GFN + 16, s.ios, RW | IOMMU_page_order(2));
	assert_int_equal(iop(h, s.emu, ops, 2), 0);
	assert_int_equal(ops[0].status, 0);
	assert_int_equal(ops[1].status, 0);
	assert_int_equal(iommu_m2b_count(s.emu), 8);
	h_audit(h);

	/* One more entry is refused: the same frame at another BFN, another
	 * frame, a lookup. A repeated identical map needs none. */
	ops[0] = fmap_op(0xa0, s.guest->id, RAM_GFN + 8, s.ios, RW);
	ops[1] = fmap_op(0x80, s.guest->id, RAM_GFN + 8, s.ios, RW | IOMMU_page_order(2));
	ops[2] = fmap_op(0xa1, s.guest->id, RAM_GFN + 30, s.ios, IOMMUOP_readable);
	assert_int_equal(iop(h, s.emu, ops, 3), 0);
	assert_int_equal(ops[0].status, -ENOMEM);
	assert_int_equal(ops[1].status, 0);
	assert_int_equal(ops[2].status, -ENOMEM);
	h_audit(h);
	assert_int_equal(iommu_m2b_count(s.emu), 8);
	assert_int_equal(pg->count, c0 + 1);
	assert_int_equal(iommu_translate(s.emu, _bfn(0xa0), false, &m), -ENXIO);
	assert_int_equal(iommu_translate(s.emu, _bfn(0xa1), false, &m), -ENXIO);
	assert_true(iommu_stats(s.emu)->m2b_refused >= 2);

	/* All or nothing: an order-3 map needing 8 entries after 4 are freed
	 * fails whole. */
	ops[0] = funmap_op(0x90, s.ios, IOMMU_page_order(2));
	assert_int_equal(iop1(h, s.emu, &ops[0]), 0);
	assert_int_equal(iommu_m2b_count(s.emu), 4);
	ops[0] = fmap_op(0xb0, s.guest->id, RAM_GFN + 32, s.ios, RW | IOMMU_page_order(3));
	assert_int_equal(iop1(h, s.emu, &ops[0]), -ENOMEM);
	h_audit(h);
	assert_int_equal(iommu_m2b_count(s.emu), 4);
	for (uint64_t i = 0; i < 8; i++) {
		assert_int_equal(iommu_translate(s.emu, _bfn(0xb0 + i), false, &m), -ENXIO);
		assert_int_equal(gfn_page(h, s.guest, RAM_GFN + 32 + i)->count, c0);
	}
	/* Four fit again. */
	ops[0] = fmap_op(0xb0, s.guest->id, RAM_GFN + 32, s.ios, RW | IOMMU_page_order(2));
	assert_int_equal(iop1(h, s.emu, &ops[0]), 0);
	assert_int_equal(iommu_m2b_count(s.emu), 8);
	h_audit(h);

	/* Another emulator has its own budget; this one without an IOMMU
	 * context is refused at lookup the same way. */
	emu2 = h_domain(h, "emu2", 0, 256);
	hv_lock(h->hv);
	emu2->targets[emu2->nr_targets++] = s.guest->id;
	assert_int_equal(ioreq_server_create(emu2, s.guest, 0, &ios2), 0);
	assert_int_equal(iommu_set_m2b_budget(emu2, 1), 0);
	hv_unlock(h->hv);
	ops[0] = lookup_op(s.guest->id, RAM_GFN + 8, ios2);
	assert_int_equal(iop1(h, emu2, &ops[0]), 0);
	assert_int_equal(iop1(h, emu2, &ops[0]), 0); /* the same entry */
	ops[0] = lookup_op(s.guest->id, RAM_GFN + 9, ios2);
	assert_int_equal(iop1(h, emu2, &ops[0]), -ENOMEM);
	ops[0] = fmap_op(0, s.guest->id, RAM_GFN + 9, ios2, RW);
	assert_int_equal(iop1(h, emu2, &ops[0]), -ENOMEM);
	assert_int_equal(iommu_m2b_count(emu2), 1);
	assert_int_equal(pg->count, c0 + 2);
	h_audit(h);

	/* Destroying the emulator frees everything it held. */
	hv_lock(h->hv);
	domain_destroy(s.emu);
	domain_destroy(emu2);
	hv_unlock(h->hv);
	h_audit(h);
	assert_int_equal(pg->count, c0);
	h_fini(h);
}

/* The default budget (IOMMU_M2B_MAX) holds against an emulator that maps
 * the same frames at ever new BFNs, the cheapest way to grow the M2B. */
static void test_m2b_default_budget(void **state)
{
	struct emu_setup s;
	struct harness *h = &s.h;
	struct pv_iommu_op ops[64];
	const uint64_t gfn = RAM_GFN + 512, per = 512;
	uint64_t done = 0, bfn = 0x100000, frames = 4;
	int32_t last = 0;

	(void)state;
	emu_setup(&s, DOMF_iommu);
	/* 2048 frames, 32 BFNs each: short M2B chains keep the audit cheap. */
	assert_int_equal(populate(h, s.guest, gfn, frames, 9), (int64_t)frames);
	for (uint64_t k = 0; !last; k++) {
		for (unsigned int i = 0; i < ARRAY_SIZE(ops); i++, bfn += per)
			ops[i] = fmap_op(bfn, s.guest->id, gfn + ((k * ARRAY_SIZE(ops) + i) % frames) * per,
					 s.ios, IOMMUOP_readable | IOMMU_page_order(9));
		assert_int_equal(iop(h, s.emu, ops, ARRAY_SIZE(ops)), 0);
		for (unsigned int i = 0; i < ARRAY_SIZE(ops); i++) {
			if (ops[i].status == 0 && !last) {
				done += per;
				continue;
			}
			assert_int_equal(ops[i].status, -ENOMEM);
			last = ops[i].status;
		}
		assert_true(done <= IOMMU_M2B_MAX);
	}
	assert_int_equal(done, IOMMU_M2B_MAX);
	assert_int_equal(iommu_m2b_count(s.emu), IOMMU_M2B_MAX);
	h_audit(h);
	h_fini(h);
}

/* One frame at many BFNs, by two servers, swapped to the scratch frame by
 * ballooning and then unmapped one server at a time: every entry sits in
 * the same frame chain, first the target frame's, then the scratch's. */
static void test_m2b_one_frame_many_bfns(void **state)
{
	enum { NB = 4096, BATCH = 256 };
	struct emu_setup s;
	struct harness *h = &s.h;
	static struct pv_iommu_op ops[BATCH];
	struct page_info *pg;
	ioservid_t ios2;
	uint64_t g = RAM_GFN + 2, tot0;
	uint32_t c0;
	mfn_t m;

	(void)state;
	emu_setup(&s, DOMF_iommu);
	hv_lock(h->hv);
	assert_int_equal(ioreq_server_create(s.emu, s.guest, 0, &ios2), 0);
	hv_unlock(h->hv);
	pg = gfn_page(h, s.guest, g);
	c0 = pg->count;
	tot0 = s.guest->tot_pages;
	for (unsigned int srv = 0; srv < 2; srv++) {
		for (uint64_t b0 = 0; b0 < NB; b0 += BATCH) {
			for (unsigned int i = 0; i < BATCH; i++)
				ops[i] = fmap_op(0x1000 + b0 + i, s.guest->id, g, srv ? ios2 : s.ios,
						 IOMMUOP_readable | IOMMUOP_swap_mfn);
			assert_int_equal(iop(h, s.emu, ops, BATCH), 0);
			for (unsigned int i = 0; i < BATCH; i++)
				assert_int_equal(ops[i].status, 0);
		}
	}
	assert_int_equal(iommu_m2b_count(s.emu), 2 * NB);
	assert_int_equal(pg->count, c0 + 2 * NB);
	h_audit(h);

	/* Ballooned: all swapped, the frame freed, the BFNs still mapped. */
	assert_int_equal(h_reservation(h, s.guest, XENMEM_decrease_reservation, &g, 1, 0, DOMID_SELF), 1);
	h_audit(h);
	assert_int_equal(s.guest->tot_pages, tot0 - 1);
	assert_int_equal(iommu_m2b_count(s.emu), 2 * NB);
	assert_int_equal(iommu_translate(s.emu, _bfn(0x1000 + NB - 1), false, &m), 0);

	/* One server's unmaps keep the leaves (the other still maps them). */
	for (uint64_t b0 = 0; b0 < NB; b0 += BATCH) {
		for (unsigned int i = 0; i < BATCH; i++)
			ops[i] = funmap_op(0x1000 + b0 + i, s.ios, 0);
		assert_int_equal(iop(h, s.emu, ops, BATCH), 0);
		for (unsigned int i = 0; i < BATCH; i++)
			assert_int_equal(ops[i].status, 0);
	}
	h_audit(h);
	assert_int_equal(iommu_m2b_count(s.emu), NB);
	assert_int_equal(iommu_translate(s.emu, _bfn(0x1000), false, &m), 0);
	ops[0] = funmap_op(0x1000, s.ios, 0);
	assert_int_equal(iop1(h, s.emu, &ops[0]), -ENOENT);
	/* The other's take them away. */
	for (uint64_t b0 = 0; b0 < NB; b0 += BATCH) {
		for (unsigned int i = 0; i < BATCH; i++)
			ops[i] = funmap_op(0x1000 + b0 + i, ios2, 0);
		assert_int_equal(iop(h, s.emu, ops, BATCH), 0);
		for (unsigned int i = 0; i < BATCH; i++)
			assert_int_equal(ops[i].status, 0);
	}
	h_audit(h);
	assert_int_equal(iommu_m2b_count(s.emu), 0);
	assert_int_equal(iommu_translate(s.emu, _bfn(0x1000), false, &m), -ENXIO);
	h_fini(h);
}

static void ring_get(struct domain *emu, struct buffered_iopage *b)
{
	h_get(emu, BUF_PAGE * PAGE_SIZE, b, sizeof(*b));
}

static void test_balloon_invalidate(void **state)
{
	struct emu_setup s;
	struct harness *h = &s.h;
	struct pv_iommu_op op;
	struct page_info *pg;
	struct buffered_iopage *b = malloc(sizeof(*b));
	struct ioreq r;
	uint64_t gfn = RAM_GFN + 9, tot, free0;
	uint32_t w;

	(void)state;
	emu_setup(&s, DOMF_iommu);
	pg = gfn_page(h, s.guest, gfn);
	op = fmap_op(0x123456789ULL, s.guest->id, gfn, s.ios, RW); /* BFN above 32 bits */
	assert_int_equal(iop1(h, s.emu, &op), 0);
	tot = s.guest->tot_pages - s.guest->extra_pages; /* its own pages: not the server's */
	free0 = h->hv->heap.free_pages;

	/* The guest balloons the frame out: an invalidate on the buffered ring,
	 * the mapping and its reference stay. */
	assert_int_equal(h_reservation(h, s.guest, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	h_audit(h);
	ring_get(s.emu, b);
	assert_int_equal(b->write_pointer - b->read_pointer, 2);
	assert_int_equal(b->buf_ioreq[0].type, IOREQ_TYPE_INVALIDATE);
	assert_int_equal(b->buf_ioreq[0].size, 3);
	assert_int_equal(b->buf_ioreq[0].data, 0x23456789U);
	assert_int_equal(b->buf_ioreq[1].data, 0x1U);
	assert_int_equal(pg->count, 1);
	assert_int_equal(s.guest->tot_pages - s.guest->extra_pages, tot); /* still the guest's until unmapped */
	assert_int_equal(iommu_stats(s.emu)->invalidates_sent, 1);
	/* Lookup of the gone gfn fails; the emulator unmaps; the frame is freed. */
	op = lookup_op(s.guest->id, gfn, s.ios);
	assert_int_equal(iop1(h, s.emu, &op), -ENXIO);
	op = funmap_op(0x123456789ULL, s.ios, 0);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(s.guest->tot_pages - s.guest->extra_pages, tot - 1);
	assert_int_equal(h->hv->heap.free_pages, free0 + 1);
	h_audit(h);

	/* Ring full: the synchronous slot takes the request. */
	gfn = RAM_GFN + 10;
	op = fmap_op(0x50, s.guest->id, gfn, s.ios, RW);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	w = 1000;
	h_put(s.emu, BUF_PAGE * PAGE_SIZE + 4, &w, 4);                 /* write_pointer */
	w = 1000 - (IOREQ_BUFFER_SLOT_NUM - 1);
	h_put(s.emu, BUF_PAGE * PAGE_SIZE, &w, 4);                     /* read_pointer: 510 used */
	assert_int_equal(h_reservation(h, s.guest, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	h_audit(h);
	ring_get(s.emu, b);
	assert_int_equal(b->write_pointer, 1000); /* untouched */
	h_get(s.emu, SYNC_PAGE * PAGE_SIZE, &r, sizeof(r));
	assert_int_equal(r.state, STATE_IOREQ_READY);
	assert_int_equal(r.type, IOREQ_TYPE_INVALIDATE);
	assert_int_equal(r.data, 0x50);
	assert_int_equal(r.size, 8);

	/* Both busy: owed, and delivered on the emulator's next call once
	 * it has made room. */
	gfn = RAM_GFN + 11;
	op = fmap_op(0x51, s.guest->id, gfn, s.ios, RW);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(h_reservation(h, s.guest, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	h_audit(h);
	assert_int_equal(ioreq_server_find(h->hv, s.guest->id, s.ios)->st.backlog, 1);
	w = 1000;
	h_put(s.emu, BUF_PAGE * PAGE_SIZE, &w, 4); /* the emulator drained the ring */
	op = (struct pv_iommu_op){.subop_id = IOMMUOP_query_caps};
	assert_int_equal(iop1(h, s.emu, &op), 0);
	ring_get(s.emu, b);
	assert_int_equal(b->write_pointer, 1002);
	assert_int_equal(b->buf_ioreq[1000 % IOREQ_BUFFER_SLOT_NUM].data, 0x51);
	h_audit(h);
	/* Emulator shutdown drops everything it held. */
	hv_lock(h->hv);
	domain_destroy(s.emu);
	hv_unlock(h->hv);
	h_audit(h);
	assert_int_equal(s.guest->tot_pages - s.guest->extra_pages, tot - 3);
	free(b);
	h_fini(h);
}

static void test_balloon_swap_mfn(void **state)
{
	struct emu_setup s;
	struct harness *h = &s.h;
	struct pv_iommu_op op;
	uint64_t gfn = RAM_GFN + 12, tot, f0;
	mfn_t m, scratch;

	(void)state;
	emu_setup(&s, DOMF_iommu);
	op = fmap_op(0x60, s.guest->id, gfn, s.ios, RW | IOMMUOP_swap_mfn);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	op = fmap_op(0x61, s.guest->id, gfn + 1, s.ios, RW); /* no swap */
	assert_int_equal(iop1(h, s.emu, &op), 0);
	tot = s.guest->tot_pages;
	f0 = flushes(s.emu);
	/* All mappings of the frame allowed swapping: the BFN moves to the
	 * scratch frame, the reference goes, the frame is freed at once. */
	assert_int_equal(h_reservation(h, s.guest, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	h_audit(h);
	assert_int_equal(s.guest->tot_pages, tot - 1);
	assert_int_equal(iommu_stats(s.emu)->swapped, 1);
	assert_int_equal(flushes(s.emu), f0 + 1);
	assert_int_equal(iommu_translate(s.emu, _bfn(0x60), true, &scratch), 0);
	assert_int_equal(mfn_to_page(&h->hv->ft, scratch)->owner, DOMID_XEN);
	/* A DMA into the swapped BFN lands in the scratch frame, harmlessly. */
	assert_int_equal(iommu_translate(s.emu, _bfn(0x61), false, &m), 0);
	assert_int_equal(iommu_dma_copy(s.emu, 0x60ULL << PAGE_SHIFT, 0x61ULL << PAGE_SHIFT, 64, NULL), 0);
	h_audit(h);
	/* The emulator still unmaps it by (bfn, ioserver). */
	op = funmap_op(0x60, s.ios, 0);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(iommu_translate(s.emu, _bfn(0x60), false, &m), -ENXIO);
	h_audit(h);

	/* Two servers, one without swap_mfn: nobody is swapped. */
	ioservid_t ios2;

	gfn = RAM_GFN + 20;
	hv_lock(h->hv);
	assert_int_equal(ioreq_server_create(s.emu, s.guest, 0, &ios2), 0);
	hv_unlock(h->hv);
	op = fmap_op(0x70, s.guest->id, gfn, s.ios, RW | IOMMUOP_swap_mfn);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	op = fmap_op(0x71, s.guest->id, gfn, ios2, IOMMUOP_readable);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	tot = s.guest->tot_pages;
	assert_int_equal(h_reservation(h, s.guest, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	h_audit(h);
	assert_int_equal(s.guest->tot_pages, tot);
	assert_int_equal(iommu_stats(s.emu)->swapped, 1);
	/* The target dies: swap-allowed mappings are swapped, the rest wait. */
	hv_lock(h->hv);
	domain_destroy(s.guest);
	hv_unlock(h->hv);
	h_audit(h);
	assert_int_equal(iommu_stats(s.emu)->swapped, 2);
	op = funmap_op(0x71, ios2, 0);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	op = funmap_op(0x61, s.ios, 0);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	op = funmap_op(0x70, s.ios, 0);
	assert_int_equal(iop1(h, s.emu, &op), 0);
	assert_int_equal(iommu_m2b_count(s.emu), 0);
	h_audit(h);
	h_fini(h);
}

static void test_dma_copy_and_faults(void **state)
{
	struct harness h;
	struct domain *d;
	struct pv_iommu_op ops[4];
	uint8_t *src, *dst;
	uint64_t fault = 0, f0;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "dev", DOMF_iommu, 4096);
	assert_int_equal(populate(&h, d, RAM_GFN, 4, 0), 4);
	ops[0] = map_op(0x10, RAM_GFN, IOMMU_OP_readable);
	ops[1] = map_op(0x11, RAM_GFN + 1, IOMMU_OP_readable);
	ops[2] = map_op(0x20, RAM_GFN + 2, RW);
	ops[3] = map_op(0x21, RAM_GFN + 3, IOMMU_OP_readable);
	assert_int_equal(iop(&h, d, ops, 4), 0);
	src = h_va(d, RAM_GFN << PAGE_SHIFT);
	dst = h_va(d, (RAM_GFN + 2) << PAGE_SHIFT);
	for (int i = 0; i < 8192; i++)
		src[i] = (uint8_t)(i * 7);
	memset(dst, 0, 8192);
	/* A copy across a page boundary of the source. */
	assert_int_equal(iommu_dma_copy(d, 0x20000, 0x10800, 4096, NULL), 0);
	assert_memory_equal(dst, src + 0x800, 4096);
	/* A write to a read-only BFN faults and moves nothing. */
	memset(dst, 0, 8192);
	f0 = iommu_stats(d)->faults;
	assert_int_equal(iommu_dma_copy(d, 0x20800, 0x10000, 4096, &fault), -EACCES);
	assert_int_equal(fault, 0x21000);
	assert_int_equal(iommu_stats(d)->faults, f0 + 1);
	assert_true(iommu_stats(d)->last_fault_write);
	assert_int_equal(bfn_x(iommu_stats(d)->last_fault_bfn), 0x21);
	for (int i = 0; i < 8192; i++)
		assert_int_equal(dst[i], 0);
	/* A read from an unmapped BFN too. */
	assert_int_equal(iommu_dma_copy(d, 0x20000, 0x11800, 4096, &fault), -ENXIO);
	assert_int_equal(fault, 0x12000);
	assert_false(iommu_stats(d)->last_fault_write);
	assert_int_equal(bfn_x(iommu_stats(d)->last_fault_bfn), 0x12);
	for (int i = 0; i < 8192; i++)
		assert_int_equal(dst[i], 0);
	/* After unmap, the BFN faults. */
	ops[0] = unmap_op(0x10, 0);
	assert_int_equal(iop(&h, d, ops, 1), 0);
	assert_int_equal(iommu_dma_copy(d, 0x20000, 0x10000, 16, &fault), -ENXIO);
	assert_true(h_log_has(&h, "IOMMU fault"));
	h_audit(&h);
	h_fini(&h);
}

/* dm_op from the scratch area: bufs[0] at page 1, the op at page 2. */
static int64_t dmop(struct harness *h, struct domain *d, domid_t target, struct xen_dm_op *op,
		    uint64_t size)
{
	struct xen_dm_op_buf b = {.h = h_gpa(2 * PAGE_SIZE), .size = size};
	int64_t rc;

	h_put(d, PAGE_SIZE, &b, sizeof(b));
	h_put(d, 2 * PAGE_SIZE, op, sizeof(*op));
	rc = h_call(h, d, __HYPERVISOR_dm_op, target, 1, h_gpa(PAGE_SIZE), 0, 0);
	h_get(d, 2 * PAGE_SIZE, op, sizeof(*op));
	h_audit(h);
	return rc;
}

static struct xen_dm_op create_op(uint8_t bufioreq)
{
	struct xen_dm_op op = {.op = XEN_DMOP_create_ioreq_server};

	op.u.create_ioreq_server.handle_bufioreq = bufioreq;
	op.u.create_ioreq_server.id = 0xbeef;
	return op;
}

/* IOREQ servers from guests (dm_op; every sub-op and error is in
 * test_ioreq.c): privilege over the target, ids, destroy by the creator
 * only; the server then carries foreign maps. */
static void test_dm_op_ioreq_server(void **state)
{
	struct harness h;
	struct domain *guest, *emu, *other, *priv;
	struct xen_dm_op op;
	struct pv_iommu_op fop;

	(void)state;
	h_init_default(&h);
	guest = h_domain(&h, "guest", 0, 4096);
	emu = h_domain(&h, "emu", 0, 4096);
	other = h_domain(&h, "other", 0, 4096);
	priv = h_domain(&h, "priv", DOMF_privileged, 4096);
	assert_int_equal(populate(&h, guest, RAM_GFN, 4, 0), 4);
	hv_lock(h.hv);
	emu->targets[emu->nr_targets++] = guest->id;
	hv_unlock(h.hv);

	/* No privilege over the target, itself, no such domain. */
	op = create_op(1);
	assert_int_equal(dmop(&h, other, guest->id, &op, sizeof(op)), -EPERM);
	assert_int_equal(dmop(&h, emu, DOMID_SELF, &op, sizeof(op)), -EPERM);
	assert_int_equal(dmop(&h, emu, emu->id, &op, sizeof(op)), -EPERM);
	assert_int_equal(dmop(&h, emu, 0x7000, &op, sizeof(op)), -ESRCH);
	assert_int_equal(dmop(&h, emu, guest->id, &op, 8 + 4), -EFAULT);
	assert_int_equal(h_call(&h, emu, __HYPERVISOR_dm_op, guest->id, 0, h_gpa(PAGE_SIZE), 0, 0),
			 -ENODATA);
	op.op = 0x1234;
	assert_int_equal(dmop(&h, emu, guest->id, &op, sizeof(op)), -EOPNOTSUPP);
	op.op = 0x8001; /* memvisor's private create, retired */
	assert_int_equal(dmop(&h, emu, guest->id, &op, sizeof(op)), -EOPNOTSUPP);

	/* Created: ids are the smallest free per target. */
	op = create_op(1);
	assert_int_equal(dmop(&h, emu, guest->id, &op, sizeof(op)), 0);
	assert_int_equal(op.u.create_ioreq_server.id, 0);
	op = create_op(0);
	assert_int_equal(dmop(&h, priv, guest->id, &op, sizeof(op)), 0);
	assert_int_equal(op.u.create_ioreq_server.id, 1);
	assert_non_null(ioreq_server_find(h.hv, guest->id, 0));

	/* The server is usable by its emulator for foreign maps. */
	fop = lookup_op(guest->id, RAM_GFN, 0);
	assert_int_equal(iop1(&h, emu, &fop), 0);
	fop = funmap_op(fop.u.lookup_foreign_page.bfn, 0, 0);
	assert_int_equal(iop1(&h, emu, &fop), 0);
	h_audit(&h);

	/* Destroy: only by its creator (Xen: -EPERM); then the id is free again. */
	op = (struct xen_dm_op){.op = XEN_DMOP_destroy_ioreq_server};
	op.u.destroy_ioreq_server.id = 0;
	assert_int_equal(dmop(&h, priv, guest->id, &op, sizeof(op)), -EPERM);
	assert_int_equal(dmop(&h, emu, guest->id, &op, sizeof(op)), 0);
	assert_int_equal(dmop(&h, emu, guest->id, &op, sizeof(op)), -ENOENT);
	assert_null(ioreq_server_find(h.hv, guest->id, 0));
	op = create_op(0);
	assert_int_equal(dmop(&h, emu, guest->id, &op, sizeof(op)), 0);
	assert_int_equal(op.u.create_ioreq_server.id, 0);
	h_fini(&h);
}

#ifdef HV_FAILINJECT
/* Built only into unit_iommu_failinject: this file compiled again against
 * the hypervisor with allocation-failure injection (tests/meson.build). */
static void test_alloc_failures(void **state)
{
	struct harness h;
	struct domain *d;
	struct pv_iommu_op op;
	int failed = 0;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "dev", DOMF_iommu, 4096);
	assert_int_equal(populate(&h, d, RAM_GFN, 8, 0), 8);
	op = (struct pv_iommu_op){.subop_id = IOMMUOP_query_caps};
	assert_int_equal(iop1(&h, d, &op), 0); /* creates the context */
	/* Fail each allocation of a map into an empty region in turn. */
	for (uint64_t nth = 1; nth < 8; nth++) {
		uint64_t bfn = 0x1000000ULL * nth;

		h.hv->fi_nth = nth;
		h.hv->fi_calls = 0;
		op = map_op(bfn, RAM_GFN + nth, RW);
		assert_int_equal(iop(&h, d, &op, 1), 0);
		h.hv->fi_nth = 0;
		if (op.status == -ENOMEM)
			failed++;
		else
			assert_int_equal(op.status, 0);
		h_audit(&h);
	}
	assert_true(failed > 0);
	h_fini(&h);
}
#endif

static void test_dmadev_registers(void **state)
{
	struct harness h;
	struct domain *d;
	struct dmadev *dev;
	struct pv_iommu_op ops[2];
	const paddr_t base = 0x20000000ULL;
	uint64_t v;
	uint8_t *src, *dst;

	(void)state;
	h_init_default(&h);
	d = h_domain(&h, "dev", DOMF_iommu, 4096);
	assert_int_equal(populate(&h, d, RAM_GFN, 2, 0), 2);
	ops[0] = map_op(0x10, RAM_GFN, IOMMU_OP_readable);
	ops[1] = map_op(0x20, RAM_GFN + 1, RW);
	assert_int_equal(iop(&h, d, ops, 2), 0);
	src = h_va(d, RAM_GFN << PAGE_SHIFT);
	dst = h_va(d, (RAM_GFN + 1) << PAGE_SHIFT);
	memset(src, 0x5a, PAGE_SIZE);
	memset(dst, 0, PAGE_SIZE);
	dev = dmadev_create(h.hv, d, base);
	assert_non_null(dev);
	assert_false(dmadev_mmio_read(dev, base + DMADEV_WINDOW, 8, &v)); /* not ours */
	assert_true(dmadev_mmio_read(dev, base + DMADEV_REG_ID, 8, &v));
	assert_int_equal(v, DMADEV_ID);
	/* 4-byte halves and 8-byte writes. */
	assert_true(dmadev_mmio_write(dev, base + DMADEV_REG_SRC, 4, 0x10000));
	assert_true(dmadev_mmio_write(dev, base + DMADEV_REG_SRC + 4, 4, 0));
	assert_true(dmadev_mmio_write(dev, base + DMADEV_REG_DST, 8, 0x20000));
	assert_true(dmadev_mmio_write(dev, base + DMADEV_REG_LEN, 8, 100));
	assert_true(dmadev_mmio_write(dev, base + DMADEV_REG_CTRL, 8, DMADEV_CTRL_START));
	assert_true(dmadev_mmio_read(dev, base + DMADEV_REG_STATUS, 8, &v));
	assert_int_equal(v, DMADEV_ST_DONE);
	assert_int_equal(dst[99], 0x5a);
	assert_int_equal(dst[100], 0);
	/* Swapped direction: the destination is read-only, nothing moves. */
	memset(dst, 0x11, PAGE_SIZE);
	dmadev_mmio_write(dev, base + DMADEV_REG_SRC, 8, 0x20000);
	dmadev_mmio_write(dev, base + DMADEV_REG_DST, 8, 0x10000);
	dmadev_mmio_write(dev, base + DMADEV_REG_CTRL, 8, DMADEV_CTRL_START);
	dmadev_mmio_read(dev, base + DMADEV_REG_STATUS, 8, &v);
	assert_int_equal(v, DMADEV_ST_FAULT | DMADEV_ST_FAULT_WRITE | ((uint64_t)EACCES << DMADEV_ST_ERR_SHIFT));
	dmadev_mmio_read(dev, base + DMADEV_REG_FAULT_ADDR, 8, &v);
	assert_int_equal(v, 0x10000);
	assert_int_equal(src[0], 0x5a);
	dmadev_mmio_read(dev, base + DMADEV_REG_DONE_COUNT, 4, &v);
	assert_int_equal(v, 1);
	assert_int_equal(iommu_stats(d)->faults, 1);
	dmadev_destroy(dev);
	h_audit(&h);
	h_fini(&h);
}

/* A server id reused by another emulator must not receive the first
 * emulator's invalidations (found by the emulator guest tests). */
static void test_ioreq_id_reuse(void **state)
{
	struct harness h;
	struct domain *t, *a, *b;
	ioservid_t ida = 9, idb = 9;
	struct pv_iommu_op op;
	struct buffered_iopage ring;
	uint64_t gfn = H_SCRATCH_GFN + 5;

	(void)state;
	h_init_default(&h);
	t = h_domain(&h, "target", 0, 256);
	a = h_domain(&h, "emuA", DOMF_privileged, 256);
	b = h_domain(&h, "emuB", DOMF_privileged, 256);
	hv_lock(h.hv);
	assert_int_equal(ioreq_server_create(a, t, 0, &ida), 0);
	hv_unlock(h.hv);
	memset(&op, 0, sizeof(op));
	op.subop_id = IOMMUOP_map_foreign_page;
	op.flags = IOMMUOP_readable;
	op.u.map_foreign_page.gfn = gfn;
	op.u.map_foreign_page.domid = t->id;
	op.u.map_foreign_page.ioserver = ida;
	h_put(a, 0, &op, sizeof(op));
	assert_int_equal(h_call(&h, a, __HYPERVISOR_iommu_op, h_gpa(0), 1, 0, 0, 0), 0);
	h_get(a, 0, &op, sizeof(op));
	assert_int_equal(op.status, 0);
	hv_lock(h.hv);
	assert_int_equal(ioreq_server_destroy(a, t->id, ida), 0);
	assert_int_equal(ioreq_server_create(b, t, HVM_IOREQSRV_BUFIOREQ_LEGACY, &idb), 0);
	hv_unlock(h.hv);
	acquire_frames(&h, b, t, idb, H_SCRATCH_GFN + 2, 0);
	assert_int_equal(idb, ida);
	assert_int_equal(h_reservation(&h, t, XENMEM_decrease_reservation, &gfn, 1, 0, DOMID_SELF), 1);
	h_audit(&h);
	h_get(b, 0x2000, &ring, sizeof(ring));
	assert_int_equal(ring.write_pointer, 0);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_caps),
		cmocka_unit_test(test_build_dom0_passthrough),
		cmocka_unit_test(test_map_unmap_refs),
		cmocka_unit_test(test_balloon_own_mapping),
		cmocka_unit_test(test_superpage),
		cmocka_unit_test(test_batch_flush_and_continuation),
		cmocka_unit_test(test_foreign_map_lookup_unmap),
		cmocka_unit_test(test_foreign_without_iommu),
		cmocka_unit_test(test_m2b_budget),
		cmocka_unit_test(test_m2b_default_budget),
		cmocka_unit_test(test_m2b_one_frame_many_bfns),
		cmocka_unit_test(test_balloon_invalidate),
		cmocka_unit_test(test_balloon_swap_mfn),
		cmocka_unit_test(test_dma_copy_and_faults),
		cmocka_unit_test(test_dmadev_registers),
		cmocka_unit_test(test_dm_op_ioreq_server),
		cmocka_unit_test(test_ioreq_id_reuse),
#ifdef HV_FAILINJECT
		cmocka_unit_test(test_alloc_failures),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
