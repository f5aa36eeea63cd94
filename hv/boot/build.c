/*
 * System and domain builder.
 *
 * Design: the layout plan (hv/boot/layout.c) decides where every domain's
 * RAM is, in guest and host terms, and which extended regions it gets; the
 * builder only carries that out, so `memvisor layout` predicts exactly what
 * `memvisor run` builds. Heap domains get their RAM in the largest extents
 * the heap and the guest alignment allow (1 GiB, 2 MiB, then 4 KiB), which
 * gives superpage P2M leaves and few host mappings.
 *
 * Invariants: a failed build leaves no domain behind and the audit green.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/build.h>
#include <hv/diag.h>
#include <hv/domain.h>
#include <hv/guestdt.h>
#include <hv/heap.h>
#include <hv/iommu.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <hv/realize.h>
#include <hv/staticcheck.h>
#include <hv/staticmem.h>
#include <public/xen.h>

#define BUILD_DTB_MAX (64 * 1024)

/* Sets the build result's reason and returns rc. */
#define fail(r, rc, ...) diag_fail((r)->err, sizeof((r)->err), (rc), __VA_ARGS__)

int build_populate_range(struct domain *d, paddr_t gaddr, paddr_t size)
{
	struct hv *hv = d->hv;
	uint64_t gfn = gaddr >> PAGE_SHIFT, left = size >> PAGE_SHIFT;

	if (!IS_ALIGNED(gaddr, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	while (left) {
		int order = HEAP_MAX_ORDER, rc = -ENOMEM;
		struct page_info *pg = NULL;

		while (order > 0 && (!IS_ALIGNED(gfn, 1ULL << order) || (1ULL << order) > left))
			order--;
		for (; order >= 0; order--) {
			pg = mm_alloc_domheap(d, (unsigned int)order, &rc);
			if (pg || rc != -ENOMEM || d->tot_pages + (1ULL << order) > d->max_pages)
				break;
		}
		if (!pg)
			return rc ? rc : -ENOMEM;
		rc = p2m_set_range(d, _gfn(gfn), page_to_mfn(&hv->ft, pg), 1ULL << order, p2m_ram_rw);
		if (rc) {
			for (uint64_t i = 0; i < (1ULL << order); i++)
				mm_drop_allocation(hv, pg + i);
			return rc;
		}
		gfn += 1ULL << order;
		left -= 1ULL << order;
	}
	return 0;
}

/* Assigns machine frames already taken out of the heap to d, mapped 1:1. */
static int assign_taken_1to1(struct domain *d, mfn_t mfn, uint64_t nr)
{
	struct hv *hv = d->hv;
	uint64_t i;
	int rc = 0;

	for (i = 0; i < nr; i++) {
		struct page_info *pg = mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)i));

		pg->state = PGS_inuse;
		pg->flags = 0;
		pg->count = 0;
		rc = mm_assign_pages(d, pg, 0);
		if (rc)
			goto err_undo;
	}
	rc = p2m_set_range(d, _gfn(mfn_x(mfn)), mfn, nr, p2m_ram_rw);
	if (rc)
		goto err_undo;
	return 0;

err_undo:
	/* Frames go back to the heap through the normal free path. */
	for (uint64_t k = 0; k < i; k++)
		mm_drop_allocation(hv, mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)k)));
	for (uint64_t k = i; k < nr; k++) {
		struct page_info *pg = mfn_to_page(&hv->ft, mfn_add(mfn, (int64_t)k));

		if (pg->state == PGS_inuse && pg->owner == DOMID_INVALID) {
			pg->state = PGS_broken;
			heap_add_range(hv, mfn_add(mfn, (int64_t)k), 1);
		}
	}
	return rc;
}

/* Static banks of d, packed into its guest banks (or 1:1 when direct-mapped). */
int build_static(struct domain *d, const struct layout_domain *ld)
{
	unsigned int gb = 0;
	paddr_t goff = 0;

	for (unsigned int i = 0; i < ld->host_mem.n; i++) {
		const struct ext_span *hb = &ld->host_mem.s[i];
		mfn_t mfn = maddr_to_mfn(hb->start);
		uint64_t nr = hb->size >> PAGE_SHIFT, done = 0;
		int rc = staticmem_acquire_domstatic(d, mfn, nr);

		if (rc)
			return rc;
		if (d->flags & DOMF_directmap)
			goto map_1to1;
		while (done < nr) {
			const struct ext_span *g;
			uint64_t n;

			if (gb >= ld->mem.n)
				return -ENOSPC;
			g = &ld->mem.s[gb];
			n = MIN(nr - done, (g->size - goff) >> PAGE_SHIFT);
			rc = p2m_set_range(d, gaddr_to_gfn(g->start + goff), mfn_add(mfn, (int64_t)done),
					   n, p2m_ram_rw);
			if (rc)
				return rc;
			done += n;
			goff += n << PAGE_SHIFT;
			if (goff == g->size) {
				gb++;
				goff = 0;
			}
		}
		continue;
map_1to1:
		rc = p2m_set_range(d, _gfn(mfn_x(mfn)), mfn, nr, p2m_ram_rw);
		if (rc)
			return rc;
	}
	return 0;
}

/* libxl's virtio-mmio allocation (GUEST_VIRTIO_MMIO_BASE/SIZE/SPI_FIRST). */
#define BUILD_VIRTIO_BASE 0x02000000ULL
#define BUILD_VIRTIO_AREA 0x00100000ULL
#define BUILD_VIRTIO_SPI 33

/* A planned domain's virtio-mmio disk (memvisor,virtio-disk), by plan index. */
struct build_virtio {
	bool on;
	domid_t fe, be;
	unsigned int be_plan;
	paddr_t base;
	uint32_t spi;
};

static int make_dtb(struct build_domain *bd, const struct layout_plan *plan,
		    const struct bootinfo *bi, const struct build_device *dev, unsigned int nr_dev,
		    const struct build_virtio *vio)
{
	void *buf = hv_malloc(bd->d->hv, BUILD_DTB_MAX);
	struct guestdt_info gi;
	struct guestdt_device gdev[BUILD_MAX_DEVICES + 1];
	struct guestdt_vbackend *vb = NULL;
	unsigned int nr_gdev = 0, nr_vb = 0;
	int len;

	if (!buf)
		return -ENOMEM;

	layout_guestdt_info(plan, bi, bd->plan_index, &gi);
	for (unsigned int i = 0; i < nr_dev; i++)
		if (bd->dev_base[i])
			gdev[nr_gdev++] = (struct guestdt_device){dev[i].node, dev[i].compatible,
								  bd->dev_base[i], dev[i].size, 0};
	if (vio[bd->plan_index].on)
		gdev[nr_gdev++] = (struct guestdt_device){"virtio", "virtio,mmio",
							  vio[bd->plan_index].base,
							  BOOTINFO_VIRTIO_WINDOW,
							  vio[bd->plan_index].spi};
	if (nr_gdev) {
		gi.devices = gdev;
		gi.nr_devices = nr_gdev;
	}
	/* The disks this domain serves. */
	for (unsigned int k = 0; k < plan->nr_dom; k++)
		nr_vb += vio[k].on && vio[k].be_plan == bd->plan_index;
	if (nr_vb) {
		vb = hv_calloc(bd->d->hv, nr_vb, sizeof(*vb));
		if (!vb) {
			free(buf);
			return -ENOMEM;
		}
		nr_vb = 0;
		for (unsigned int k = 0; k < plan->nr_dom; k++)
			if (vio[k].on && vio[k].be_plan == bd->plan_index)
				vb[nr_vb++] = (struct guestdt_vbackend){
					vio[k].fe, vio[k].base, BOOTINFO_VIRTIO_WINDOW, vio[k].spi,
					plan->dom[k].mem.s, plan->dom[k].mem.n};
		gi.vbackends = vb;
		gi.nr_vbackends = nr_vb;
	}
	len = guestdt_build(buf, BUILD_DTB_MAX, &gi, NULL);
	free(vb);
	if (len < 0) {
		free(buf);
		return len;
	}
	bd->dtb = buf;
	bd->dtb_len = (size_t)len;
	return 0;
}

static bool spans_meet(paddr_t a, paddr_t as, paddr_t b, paddr_t bs)
{
	return a < b + bs && b < a + as;
}

/* Whether [a, a + size) meets the domain's RAM, region 0 or an extended
 * region (the guest maps things there; a device window must stay unbacked
 * so that accesses reach the device). */
static bool meets_memory_map(const struct layout_domain *ld, paddr_t a, paddr_t size)
{
	for (unsigned int b = 0; b < ld->mem.n; b++)
		if (spans_meet(a, size, ld->mem.s[b].start, ld->mem.s[b].size))
			return true;
	if (ld->gnttab.size && spans_meet(a, size, ld->gnttab.start, ld->gnttab.size))
		return true;
	for (unsigned int e = 0; e < ld->ext.nr; e++)
		if (spans_meet(a, size, ld->ext.region[e].start, ld->ext.region[e].size))
			return true;
	return false;
}

/*
 * A device window property's value `val` (1 or 2 cells): the guest-physical
 * page of an emulated device's 4 KiB MMIO window. It must be page aligned
 * and clear of the domain's RAM, region 0 and extended regions (the guest
 * maps things there; the window must stay unbacked so accesses reach the
 * device). 0 with *base set, or -EINVAL with a message naming path/prop.
 */
static int device_window(struct build_result *r, const char *path, const char *prop,
			 paddr_t size, const struct layout_domain *ld, const uint8_t *v, int len,
			 paddr_t *base)
{
	paddr_t a = 0;

	if (len != 4 && len != 8)
		return fail(r, -EINVAL, "%s: %s must be one address (1 or 2 cells)", path, prop);
	for (int k = 0; k < len; k++)
		a = (a << 8) | v[k];
	if (!a || !IS_ALIGNED(a, PAGE_SIZE))
		return fail(r, -EINVAL, "%s: %s %#" PRIx64 " is not a non-zero page-aligned address",
			    path, prop, a);
	if (meets_memory_map(ld, a, size))
		goto overlap;
	*base = a;
	return 0;
overlap:
	return fail(r, -EINVAL, "%s: %s %#" PRIx64 " overlaps the domain's RAM, region 0 or an "
		    "extended region", path, prop, a);
}

/*
 * The window of device dev in domain ld: its property on a dom0less
 * domain's node, or for Dom0 its dom0_prop in the host's /chosen (NULL: Dom0
 * cannot have it). 0 with *base = 0 when the property is absent.
 */
static int device_of(struct build_result *r, const struct bootinfo *bi,
		     const struct layout_domain *ld, const struct build_device *dev, paddr_t *base)
{
	const struct bootinfo_domain *bdn;

	*base = 0;
	if (ld->is_dom0) {
		int chosen = dev->dom0_prop ? fdt_path_offset(bi->fdt, "/chosen") : -1, len;
		const void *v = chosen >= 0 ? fdt_getprop(bi->fdt, chosen, dev->dom0_prop, &len)
					    : NULL;

		return v ? device_window(r, "/chosen", dev->dom0_prop, dev->size, ld, v, len, base)
			 : 0;
	}
	if (ld->bootinfo_index < 0)
		return 0;
	bdn = &bi->domain[ld->bootinfo_index];
	for (unsigned int p = 0; p < bdn->nr_props; p++)
		if (!strcmp(bdn->props[p].name, dev->prop))
			return device_window(r, bdn->path, dev->prop, dev->size, ld,
					     bdn->props[p].val, bdn->props[p].len, base);
	return 0;
}

/* The property that gave domain ld device dev. */
static const char *dev_prop(const struct layout_domain *ld, const struct build_device *dev)
{
	return ld->is_dom0 ? dev->dom0_prop : dev->prop;
}

/*
 * Every device window of domain ld (base[i] for dev[i], 0: none), checked
 * against each other and, for a device that does DMA, against the IOMMU.
 * *dma tells whether the domain has such a device. 0 or -errno with a message.
 */
static int devices_of(struct build_result *r, const struct bootinfo *bi,
		      const struct layout_domain *ld, const struct build_device *dev,
		      unsigned int nr_dev, bool iommu, paddr_t *base, bool *dma)
{
	*dma = false;
	for (unsigned int i = 0; i < nr_dev; i++) {
		int rc = device_of(r, bi, ld, &dev[i], &base[i]);

		if (rc)
			return rc;
	}
	for (unsigned int i = 0; i < nr_dev; i++) {
		if (!base[i])
			continue;
		for (unsigned int j = i + 1; j < nr_dev; j++)
			if (base[j] && spans_meet(base[i], dev[i].size, base[j], dev[j].size))
				return fail(r, -EINVAL, "%s: %s and %s share the window %#" PRIx64,
					    ld->name, dev_prop(ld, &dev[i]), dev_prop(ld, &dev[j]),
					    base[i]);
	}
	for (unsigned int i = 0; i < nr_dev; i++) {
		if (!base[i] || !dev[i].dma)
			continue;
		if (!iommu)
			return fail(r, -ENODEV, "%s: %s needs an IOMMU (none in the system, or "
				    "iommu=off)", ld->name, dev_prop(ld, &dev[i]));
		*dma = true;
	}
	return 0;
}

/* Whether the dom0less domain bdn's memvisor,backend-for names `name`. */
static bool backend_for(const struct bootinfo_domain *bdn, const char *name)
{
	for (unsigned int p = 0; p < bdn->nr_props; p++) {
		const char *s = bdn->props[p].val, *end = s + bdn->props[p].len;

		if (strcmp(bdn->props[p].name, "memvisor,backend-for"))
			continue;
		for (; s < end && *s; s += strlen(s) + 1)
			if (!strcmp(s, name))
				return true;
	}
	return false;
}

/* Whether the virtio window [a, +0x200) of ld is clear of its memory map
 * and of its VMM device windows dev_base[]. */
static bool virtio_window_clear(const struct layout_domain *ld, paddr_t a,
				const struct build_device *dev, unsigned int nr_dev,
				const paddr_t *dev_base)
{
	if (a + BOOTINFO_VIRTIO_WINDOW < a || meets_memory_map(ld, a, BOOTINFO_VIRTIO_WINDOW))
		return false;
	for (unsigned int i = 0; i < nr_dev; i++)
		if (dev_base[i] && spans_meet(a, BOOTINFO_VIRTIO_WINDOW, dev_base[i], dev[i].size))
			return false;
	return true;
}

/*
 * The virtio-mmio disk of every planned domain (memvisor,virtio-disk): its
 * backend checked, its window and SPI given or allocated (build.h). ids[]
 * are the domain ids the build will give. 0 or -errno with a message.
 */
static int virtio_plan(struct build_result *r, const struct bootinfo *bi,
		       const struct layout_plan *plan, const struct build_device *dev,
		       unsigned int nr_dev, bool iommu, const domid_t *ids, struct build_virtio *vio)
{
	for (unsigned int i = 0; i < plan->nr_dom; i++) {
		const struct layout_domain *ld = &plan->dom[i];
		const struct bootinfo_domain *bdn;
		paddr_t dev_base[BUILD_MAX_DEVICES] = {0};
		struct build_virtio *v = &vio[i];
		unsigned int j;
		bool dma;
		int rc;

		if (ld->bootinfo_index < 0 || !bi->domain[ld->bootinfo_index].virtio_disk)
			continue;
		bdn = &bi->domain[ld->bootinfo_index];
		for (j = 0; j < plan->nr_dom; j++)
			if (ids[j] == bdn->virtio_backend)
				break;
		if (j == plan->nr_dom)
			return fail(r, -ENOENT, "%s: memvisor,virtio-disk: backend d%u is not a domain "
				    "of this system", bdn->path, bdn->virtio_backend);
		if (j == i)
			return fail(r, -EINVAL, "%s: memvisor,virtio-disk: a domain cannot be its own "
				    "backend (d%u)", bdn->path, bdn->virtio_backend);
		if (!plan->dom[j].is_dom0 &&
		    (plan->dom[j].bootinfo_index < 0 ||
		     !backend_for(&bi->domain[plan->dom[j].bootinfo_index], ld->name)))
			return fail(r, -EPERM, "%s: memvisor,virtio-disk: backend d%u (%s) may not map "
				    "this domain: its memvisor,backend-for does not name %s",
				    bdn->path, bdn->virtio_backend, plan->dom[j].name, ld->name);
		rc = devices_of(r, bi, ld, dev, nr_dev, iommu, dev_base, &dma);
		if (rc)
			return rc;
		*v = (struct build_virtio){.on = true, .fe = ids[i], .be = ids[j], .be_plan = j,
					   .base = bdn->virtio_base,
					   .spi = bdn->virtio_spi ? bdn->virtio_spi : BUILD_VIRTIO_SPI};
		if (v->base && !virtio_window_clear(ld, v->base, dev, nr_dev, dev_base))
			return fail(r, -EINVAL, "%s: memvisor,virtio-disk: window %#" PRIx64 " overlaps "
				    "the domain's RAM, region 0, an extended region or a device window",
				    bdn->path, v->base);
		for (paddr_t a = BUILD_VIRTIO_BASE; !v->base && a < BUILD_VIRTIO_BASE + BUILD_VIRTIO_AREA;
		     a += BOOTINFO_VIRTIO_WINDOW)
			if (virtio_window_clear(ld, a, dev, nr_dev, dev_base))
				v->base = a;
		if (!v->base)
			return fail(r, -ENOSPC, "%s: memvisor,virtio-disk: no free window in "
				    "[%#llx, %#llx): give one", bdn->path, BUILD_VIRTIO_BASE,
				    BUILD_VIRTIO_BASE + BUILD_VIRTIO_AREA);
	}
	return 0;
}

/* Resolves memvisor,backend-for (a string list of domain names). */
static int resolve_targets(struct build_result *r, const struct bootinfo *bi,
			   const struct layout_plan *plan)
{
	for (unsigned int i = 0; i < r->nr; i++) {
		struct build_domain *bd = &r->dom[i];
		const struct bootinfo_domain *bdn;

		if (bd->bootinfo_index < 0)
			continue;
		bdn = &bi->domain[bd->bootinfo_index];
		for (unsigned int p = 0; p < bdn->nr_props; p++) {
			const char *s = bdn->props[p].val, *end = s + bdn->props[p].len;

			if (strcmp(bdn->props[p].name, "memvisor,backend-for"))
				continue;
			for (; s < end && *s; s += strlen(s) + 1) {
				unsigned int k;

				for (k = 0; k < r->nr; k++)
					if (!strcmp(plan->dom[r->dom[k].plan_index].name, s))
						break;
				if (k == r->nr)
					return fail(r, -ENOENT, "%s: memvisor,backend-for names unknown domain '%s'",
						    bdn->path, s);
				if (bd->d->nr_targets == DOMAIN_MAX_TARGETS)
					return fail(r, -E2BIG, "%s: too many memvisor,backend-for targets",
						    bdn->path);
				bd->d->targets[bd->d->nr_targets++] = r->dom[k].d->id;
			}
		}
	}
	return 0;
}

/* Runs staticcheck_system on the system and logs every finding; the first
 * one (and how many there are) goes to out->err. */
static int check_static(struct hv *hv, const struct bootinfo *bi, const struct layout_plan *plan,
			struct build_result *out)
{
	struct ext_span avoid[1 + 16];
	unsigned int n = 0;
	struct staticcheck_report *rep;
	int rc;

	if (plan->xen_image.size) {
		avoid[n] = plan->xen_image;
		avoid[n].label = "the hypervisor image";
		n++;
	}
	for (unsigned int i = 0; i < plan->nr_dom; i++) {
		const struct layout_domain *ld = &plan->dom[i];

		if (!ld->is_dom0)
			continue;
		for (unsigned int b = 0; b < ld->host_mem.n && n < ARRAY_SIZE(avoid); b++) {
			avoid[n] = ld->host_mem.s[b];
			avoid[n].label = "Dom0 RAM";
			n++;
		}
	}
	rep = hv_malloc(hv, sizeof(*rep));
	if (!rep)
		return fail(out, -ENOMEM, "out of memory");
	rc = staticcheck_system(bi, avoid, n, rep);
	for (unsigned int i = 0; i < rep->nr; i++)
		hv_err(hv, "%s", rep->diag[i].msg);
	if (rc) {
		if (rep->nr_err > 1)
			fail(out, rc, "%.200s (and %u more static-memory errors)", rep->diag[0].msg,
			     rep->nr_err - 1);
		else
			fail(out, rc, "%s", rep->diag[0].msg);
	}
	free(rep);
	return rc;
}

int build_system(struct hv *hv, const struct bootinfo *bi, const struct layout_plan *plan,
		 const struct build_device *dev, unsigned int nr_dev, struct build_result *out)
{
	int rc = 0;
	domid_t next_id = 1, *ids = NULL;
	struct build_virtio *vio = NULL;
	unsigned int nr_claimed = 0;
	struct iommu_params iop;
	bool host_iommu = bi->args.iommu != 0 && bi->iommu_present;

	memset(out, 0, sizeof(*out));
	if (nr_dev > BUILD_MAX_DEVICES)
		return fail(out, -EINVAL, "more than %d emulated devices", BUILD_MAX_DEVICES);
	out->dom = hv_calloc(hv, plan->nr_dom ? plan->nr_dom : 1, sizeof(*out->dom));
	ids = hv_calloc(hv, plan->nr_dom ? plan->nr_dom : 1, sizeof(*ids));
	vio = hv_calloc(hv, plan->nr_dom ? plan->nr_dom : 1, sizeof(*vio));
	if (!out->dom || !ids || !vio) {
		free(ids);
		free(vio);
		return fail(out, -ENOMEM, "out of memory");
	}
	/* Domain ids in plan order: Dom0 0, the others from 1. */
	for (unsigned int i = 0; i < plan->nr_dom; i++)
		ids[i] = plan->dom[i].is_dom0 ? 0 : next_id++;

	/* The IOMMU: the host's (as the plan saw it) and the iommu= modes. */
	iop = cmdline_iommu_params(&bi->args);
	for (unsigned int i = 0; i < plan->nr_dom; i++)
		host_iommu |= plan->dom[i].iommu;
	iop.present = iop.present && host_iommu;

	hv_lock(hv);
	/* 0. Every static-memory rule and the virtio disks, before anything
	 * is claimed or built. */
	rc = check_static(hv, bi, plan, out);
	if (!rc)
		rc = virtio_plan(out, bi, plan, dev, nr_dev, iop.present, ids, vio);
	if (rc)
		goto err;
	/* 1. Static banks never enter the heap. */
	for (unsigned int i = 0; i < plan->nr_dom; i++) {
		const struct layout_domain *ld = &plan->dom[i];

		if (ld->invalid) {
			rc = fail(out, -EINVAL, "%s: the plan marks this domain unbuildable", ld->name);
			goto err;
		}
		if (!ld->static_mem)
			continue;
		for (unsigned int b = 0; b < ld->host_mem.n; b++) {
			rc = staticmem_claim(hv, maddr_to_mfn(ld->host_mem.s[b].start),
					     ld->host_mem.s[b].size >> PAGE_SHIFT);
			if (rc) {
				rc = fail(out, rc, "%s: static bank %#" PRIx64 "+%#" PRIx64
					  " is not free host RAM", ld->name, ld->host_mem.s[b].start,
					  ld->host_mem.s[b].size);
				goto err;
			}
			nr_claimed++;
		}
	}
	/* 2. The hypervisor image (Dom0's grant region overlays it). */
	if (plan->xen_image.size && mfn_to_page(&hv->ft, maddr_to_mfn(plan->xen_image.start))) {
		mfn_t m = maddr_to_mfn(plan->xen_image.start);
		uint64_t n = plan->xen_image.size >> PAGE_SHIFT;

		if (heap_take_range(hv, m, n) == 0) {
			for (uint64_t k = 0; k < n; k++) {
				struct page_info *pg = mfn_to_page(&hv->ft, mfn_add(m, (int64_t)k));

				pg->state = PGS_inuse;
				pg->flags = PGC_xen;
				pg->owner = DOMID_XEN;
			}
		}
	}

	/* 3. Domains, Dom0 first (it takes its 1:1 banks). */
	for (unsigned int i = 0; i < plan->nr_dom; i++) {
		const struct layout_domain *ld = &plan->dom[i];
		struct build_domain *bd = &out->dom[out->nr];
		struct domain_config cfg = {.name = ld->name, .gpaddr_bits = ld->gpaddr_bits};
		uint64_t pages = 0;
		paddr_t dev_base[BUILD_MAX_DEVICES] = {0};
		bool dma;

		rc = devices_of(out, bi, ld, dev, nr_dev, iop.present, dev_base, &dma);
		if (rc)
			goto err;
		for (unsigned int b = 0; b < ld->mem.n; b++)
			pages += ld->mem.s[b].size >> PAGE_SHIFT;
		cfg.max_pages = pages;
		cfg.domid = ids[i];
		/* Dom0 has one vCPU unless dom0_max_vcpus= says more; a dom0less
		 * domain has its node's `cpus`. */
		if (ld->bootinfo_index >= 0)
			cfg.max_vcpus = bi->domain[ld->bootinfo_index].cpus;
		if (ld->is_dom0 && bi->args.dom0_max_vcpus) {
			cfg.max_vcpus = bi->args.dom0_max_vcpus;
			if (cfg.max_vcpus > DOMAIN_MAX_VCPUS) {
				rc = fail(out, -EINVAL, "dom0_max_vcpus=%u: memvisor runs 1 to %u "
					  "vCPUs per domain", cfg.max_vcpus, DOMAIN_MAX_VCPUS);
				goto err;
			}
		}
		if (ld->bootinfo_index >= 0 && (!cfg.max_vcpus || cfg.max_vcpus > DOMAIN_MAX_VCPUS)) {
			rc = fail(out, -EINVAL, "%s: cpus = <%u>: memvisor runs 1 to %u vCPUs per domain",
				  ld->name, cfg.max_vcpus, DOMAIN_MAX_VCPUS);
			goto err;
		}
		cfg.flags = (ld->is_dom0 ? DOMF_privileged : 0) | (ld->static_mem ? DOMF_static : 0) |
			    (ld->direct_map ? DOMF_directmap : 0) | (ld->is_32bit ? DOMF_32bit : 0) |
			    (ld->iommu || dma ? DOMF_iommu : 0);
		bd->plan_index = i;
		bd->bootinfo_index = ld->bootinfo_index;
		bd->d = domain_create(hv, &cfg, &rc);
		if (!bd->d) {
			rc = fail(out, rc, "%s: cannot create domain: error %d", ld->name, rc);
			goto err;
		}
		out->nr++;
		memcpy(bd->dev_base, dev_base, sizeof(bd->dev_base));
		if (vio[i].on) {
			bd->virtio_base = vio[i].base;
			bd->virtio_spi = vio[i].spi;
			bd->virtio_backend = vio[i].be;
		}
		rc = iommu_domain_init(bd->d, &iop);
		if (rc) {
			rc = fail(out, rc, "%s: cannot set up its IOMMU context: error %d", ld->name, rc);
			goto err;
		}
		for (unsigned int b = 0; b < ld->mem.n && b < ARRAY_SIZE(bd->d->mem_banks); b++) {
			bd->d->mem_banks[b][0] = ld->mem.s[b].start;
			bd->d->mem_banks[b][1] = ld->mem.s[b].size;
			bd->d->nr_mem_banks = b + 1;
		}

		if (ld->static_mem) {
			rc = build_static(bd->d, ld);
		} else if (ld->direct_map) {
			rc = 0;
			for (unsigned int b = 0; b < ld->host_mem.n && !rc; b++) {
				mfn_t m = maddr_to_mfn(ld->host_mem.s[b].start);
				uint64_t n = ld->host_mem.s[b].size >> PAGE_SHIFT;

				rc = heap_take_range(hv, m, n);
				if (rc) {
					rc = fail(out, rc, "%s: 1:1 RAM %#" PRIx64 "+%#" PRIx64
						  " is not free host RAM", ld->name,
						  ld->host_mem.s[b].start, ld->host_mem.s[b].size);
					goto err;
				}
				rc = assign_taken_1to1(bd->d, m, n);
			}
		} else {
			rc = 0;
			for (unsigned int b = 0; b < ld->mem.n && !rc; b++)
				rc = build_populate_range(bd->d, ld->mem.s[b].start, ld->mem.s[b].size);
		}
		if (rc) {
			rc = fail(out, rc, "%s: cannot give the domain its %" PRIu64 " MiB of RAM: error %d",
				  ld->name, pages >> 8, rc);
			goto err;
		}
		rc = make_dtb(bd, plan, bi, dev, nr_dev, vio);
		if (rc) {
			rc = fail(out, rc, "%s: cannot generate its device tree: error %d", ld->name, rc);
			goto err;
		}
	}
	rc = resolve_targets(out, bi, plan);
	if (rc)
		goto err;
	hv_realize_flush(hv);
	hv_unlock(hv);
	free(ids);
	free(vio);
	return 0;

err:
	for (unsigned int i = out->nr; i-- > 0;) {
		domain_destroy(out->dom[i].d);
		free(out->dom[i].dtb);
		out->dom[i].dtb = NULL;
	}
	out->nr = 0;
	/* Banks no domain got go back to the heap; those a destroyed domain
	 * held are retired (never reusable, see staticmem.h). */
	for (unsigned int i = 0; i < plan->nr_dom && nr_claimed; i++) {
		const struct layout_domain *ld = &plan->dom[i];

		for (unsigned int b = 0; ld->static_mem && b < ld->host_mem.n && nr_claimed; b++) {
			(void)staticmem_unclaim(hv, maddr_to_mfn(ld->host_mem.s[b].start),
						ld->host_mem.s[b].size >> PAGE_SHIFT);
			nr_claimed--;
		}
	}
	hv_realize_flush(hv);
	hv_unlock(hv);
	free(ids);
	free(vio);
	return rc;
}

void build_result_free(struct build_result *r)
{
	for (unsigned int i = 0; i < r->nr; i++)
		free(r->dom[i].dtb);
	free(r->dom);
	r->dom = NULL;
	r->nr = 0;
}
