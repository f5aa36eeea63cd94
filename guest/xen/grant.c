/*
 * Grant tables v1, guest side (see xen/grant.h).
 *
 * Invariants: frame[i] is the guest's view of table frame i, placed at
 * gfns[i]; with region 0 the GFNs are consecutive from its base; free_refs
 * holds every entry >= GNTTAB_NR_RESERVED_ENTRIES not currently granted.
 */
#include <public/errno.h>
#include <rt/dt.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <xen/balloon.h>
#include <xen/grant.h>
#include <xen/multicall.h>
#include <xen/resource.h>
#include <xen/unpopulated.h>

static RT_TLS struct xgnttab gt;

struct xgnttab *xgnttab(void)
{
	return &gt;
}

static int query_size(uint32_t *nr, uint32_t *max)
{
	struct gnttab_query_size q = {.dom = DOMID_SELF};
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);

	if (rc)
		return (int)rc;
	if (q.status != GNTST_okay)
		return -XEN_EINVAL;
	*nr = q.nr_frames;
	*max = q.max_nr_frames;
	return 0;
}

/*
 * Places table frames 0..nr-1 at gt.gfns[] in one multicall (one
 * add_to_physmap per frame, as a guest setting up its table batches
 * them); every entry's result is checked.
 */
static int place_frames(unsigned int nr)
{
	/* page 0: the list (nr <= 64 entries), page 1: the requests */
	uint8_t *buf = rt_alloc_pages(2);
	struct xen_add_to_physmap *x = (void *)(buf + RT_PAGE_SIZE);
	struct xmc m;
	unsigned int bad;
	long rc;

	_Static_assert(RT_ARRAY_SIZE(gt.frame) <= XMC_PER_PAGE, "one page of entries");
	_Static_assert(RT_ARRAY_SIZE(gt.frame) * sizeof(*x) <= 4096, "one page of requests");
	if (!buf)
		return -XEN_ENOMEM;
	xmc_init(&m, (void *)buf, XMC_PER_PAGE);
	for (unsigned int i = 0; i < nr; i++) {
		x[i] = (struct xen_add_to_physmap){
			.domid = DOMID_SELF,
			.space = XENMAPSPACE_grant_table,
			.idx = i,
			.gpfn = gt.gfns[i],
		};
		xmc_add(&m, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, rt_handle(&x[i]), 0, 0,
			0);
	}
	rc = xmc_run(&m, &bad);
	if (rc && bad < nr)
		rt_printf("xen: grant: frame %u at gfn %#lx: %ld\n", bad,
			  (unsigned long)gt.gfns[bad], rc);
	else if (rc)
		rt_printf("xen: grant: multicall failed: %ld\n", rc);
	rt_free_pages(buf, 2);
	return (int)rc;
}

int xgnttab_init(const void *fdt, unsigned int nr_frames)
{
	struct rt_range r0 = {0, 0};
	uint32_t cur = 0, max = 0;
	unsigned int nr_refs;
	int node, rc;

	if (gt.ready)
		return 0;
	rc = query_size(&cur, &max);
	if (rc) {
		rt_printf("xen: grant: query_size failed (%d)\n", rc);
		return rc;
	}
	if (max > RT_ARRAY_SIZE(gt.frame))
		max = RT_ARRAY_SIZE(gt.frame);
	node = rt_dt_hypervisor(fdt);
	if (node < 0 || rt_dt_reg(fdt, node, XRES_GNTTAB_INDEX, &r0) || !r0.size) {
		rt_printf("xen: grant table region not found, using ballooned pages\n");
		r0.size = 0;
	}
	if (!nr_frames)
		nr_frames = r0.size ? (unsigned int)(r0.size >> 12) : max;
	if (nr_frames > max)
		nr_frames = max;
	if (r0.size && nr_frames > r0.size >> 12)
		nr_frames = (unsigned int)(r0.size >> 12);
	if (!nr_frames)
		return -XEN_EINVAL;

	gt.gfns = rt_alloc_pages(1);
	if (!gt.gfns)
		return -XEN_ENOMEM;
	if (r0.size) {
		for (unsigned int i = 0; i < nr_frames; i++)
			gt.gfns[i] = (r0.base >> 12) + i;
		if (rt_map_range(r0.base, (uint64_t)nr_frames << 12)) {
			rc = -XEN_ENOMEM;
			goto err_gfns;
		}
	} else {
		gt.ballooned = true;
		rc = xen_unpopulated() ? xen_alloc_unpopulated_pages(nr_frames, gt.gfns)
				       : xballoon_alloc(nr_frames, gt.gfns);
		if (rc)
			goto err_gfns;
	}

	rc = place_frames(nr_frames);
	if (rc)
		goto err_gfns; /* placed frames stay: the table is the domain's */
	for (unsigned int i = 0; i < nr_frames; i++)
		gt.frame[i] = rt_phys_to_virt(gt.gfns[i] << 12);

	nr_refs = nr_frames * XGNTTAB_PER_FRAME;
	gt.free_refs = rt_alloc_pages((nr_refs * sizeof(grant_ref_t) + RT_PAGE_SIZE - 1) >> 12);
	if (!gt.free_refs) {
		rc = -XEN_ENOMEM;
		goto err_gfns;
	}
	gt.nr_free = 0;
	for (unsigned int r = nr_refs; r > GNTTAB_NR_RESERVED_ENTRIES; r--)
		gt.free_refs[gt.nr_free++] = r - 1;
	gt.nr_frames = nr_frames;
	gt.max_frames = max;
	gt.ready = true;
	rt_printf("xen: grant table: %u frame(s) at gfn %#lx%s\n", nr_frames,
		  (unsigned long)gt.gfns[0], gt.ballooned ? " (ballooned pages)" : " (region 0)");
	return 0;

err_gfns:
	rt_free_pages(gt.gfns, 1);
	gt.gfns = NULL;
	return rc;
}

grant_entry_v1_t *xgnttab_entry(grant_ref_t ref)
{
	unsigned int f = ref / XGNTTAB_PER_FRAME;

	if (!gt.ready || f >= gt.nr_frames)
		return NULL;
	return gt.frame[f] + ref % XGNTTAB_PER_FRAME;
}

long xgnttab_grant(domid_t domid, xen_pfn_t gfn, bool readonly)
{
	grant_entry_v1_t *e;
	grant_ref_t ref;

	if (!gt.ready)
		return -XEN_ENODEV;
	if (!gt.nr_free)
		return -XEN_ENOSPC;
	if (gfn >> 32)
		return -XEN_EINVAL;
	ref = gt.free_refs[--gt.nr_free];
	e = xgnttab_entry(ref);
	e->domid = domid;
	e->frame = (uint32_t)gfn;
	/* The hypervisor may read the entry as soon as flags say it is valid. */
	__atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
			 __ATOMIC_RELEASE);
	return ref;
}

int xgnttab_end(grant_ref_t ref)
{
	grant_entry_v1_t *e = xgnttab_entry(ref);
	uint16_t flags;

	if (!e || ref < GNTTAB_NR_RESERVED_ENTRIES)
		return -XEN_EINVAL;
	flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
	do {
		if (flags & (GTF_reading | GTF_writing))
			return -XEN_EBUSY;
	} while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_ACQUIRE));
	gt.free_refs[gt.nr_free++] = ref;
	return 0;
}

int xgnttab_map(domid_t dom, grant_ref_t ref, xen_pfn_t gfn, bool readonly,
		grant_handle_t *handle, int16_t *status)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = gfn << 12,
		.flags = GNTMAP_host_map | (readonly ? GNTMAP_readonly : 0),
		.ref = ref,
		.dom = dom,
	};
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

	if (rc)
		return (int)rc;
	if (status)
		*status = op.status;
	if (op.status != GNTST_okay)
		return -XEN_EIO;
	if (rt_map_range(gfn << 12, RT_PAGE_SIZE))
		rt_crash("xen: grant: cannot reach gfn %#lx", (unsigned long)gfn);
	*handle = op.handle;
	return 0;
}

int xgnttab_unmap(xen_pfn_t gfn, grant_handle_t handle, int16_t *status)
{
	struct gnttab_unmap_grant_ref op = {
		.host_addr = gfn << 12,
		.handle = handle,
	};
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

	if (rc)
		return (int)rc;
	if (status)
		*status = op.status;
	return op.status == GNTST_okay ? 0 : -XEN_EIO;
}
