/*
 * The toolstack library (see xen/toolstack.h): what libxl and libxenguest
 * do to build an Arm guest, with memvisor's domctl and its x86 boot
 * protocol (docs/boot-protocol.md) where Arm would have its own.
 *
 * Design:
 * - Everything about the new domain is decided before the first hypercall
 *   that changes anything (the config, the kernel image, the backend
 *   names, free memory), so most mistakes fail with nothing made.
 * - From createdomain on, every failure goes to one unwinding path that
 *   removes the xenstore nodes (when written) and destroys the domain;
 *   what the domain owned (RAM, ports, grant table) goes with it. The
 *   toolstack's own mappings of the domain never outlive the call that
 *   made them (xl_write), so nothing of ours pins the domain as a zombie.
 * - The domain's memory is written only through foreign mappings at this
 *   domain's unpopulated frames (XL_MAP_PAGES of them, taken once).
 *
 * Invariant: a slot of xl->dom is used exactly while its domain exists
 * and was made by this toolstack.
 */
#include <string.h>

#include <public/domctl.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/hvm_save.h>
#include <public/memory.h>
#include <public/sysctl.h>
#include <public/version.h>
#include <public/xen.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/rt.h>
#include <xen/multicall.h>
#include <xen/toolstack.h>
#include <xen/unpopulated.h>
#include <xen/xlcfg.h>

#include "toolstack_priv.h"

/* libxl: max_mem is the target plus LIBXL_MAXMEM_CONSTANT (1 MiB). */
#define XL_MAXMEM_SLACK_KB 1024
_Static_assert(XL_MAX_RAM_BANKS == GUEST_RAM_BANKS, "libxl's two banks");
_Static_assert(XL_VIRTIO_MMIO_BASE == GUEST_VIRTIO_MMIO_BASE &&
	       XL_VIRTIO_MMIO_SIZE == GUEST_VIRTIO_MMIO_SIZE &&
	       XL_VIRTIO_SPI_FIRST == GUEST_VIRTIO_MMIO_SPI_FIRST &&
	       XL_MAGIC_BASE == GUEST_MAGIC_BASE, "toolstack.h repeats the shared guest map");
/* Foreign-mapped at a time while writing the domain. */
#define XL_MAP_PAGES 64

struct xl_maps {
	xen_pfn_t lg[XL_MAP_PAGES]; /* ours, unpopulated */
	xen_pfn_t fg[XL_MAP_PAGES]; /* the domain's */
	int errs[XL_MAP_PAGES];
	/* the small hypercall arguments: in this page, not on the stack (the
	 * library must not assume its stack is guest memory) */
	union {
		struct xen_memory_reservation res;
		struct evtchn_alloc_unbound unbound;
		struct xen_hvm_param param;
		struct xen_add_to_physmap atp;
		struct xen_add_to_physmap_batch batch;
	} arg;
};

/* The removals of one chunk as one multicall: the list and its requests. */
struct xl_unmaps {
	struct multicall_entry ent[XL_MAP_PAGES];
	struct xen_remove_from_physmap x[XL_MAP_PAGES];
};
#define XL_UNMAP_PAGES ((sizeof(struct xl_unmaps) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE)
_Static_assert(sizeof(struct xl_maps) <= RT_PAGE_SIZE, "one page");

/* --- hypercalls ---------------------------------------------------------- */

static struct xen_domctl *dc_of(struct xl *xl)
{
	return xl->dc;
}

static long domctl(struct xl *xl, uint32_t cmd, domid_t dom)
{
	struct xen_domctl *dc = dc_of(xl);

	dc->cmd = cmd;
	dc->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc->domain = dom;
	return rt_hypercall(__HYPERVISOR_domctl, rt_handle(dc), 0, 0, 0, 0);
}

static long getinfo(struct xl *xl, domid_t dom, struct xen_domctl_getdomaininfo *gi)
{
	struct xen_domctl *dc = dc_of(xl);
	long rc;

	memset(dc, 0, sizeof(*dc));
	rc = domctl(xl, XEN_DOMCTL_getdomaininfo, dom);
	if (!rc)
		*gi = dc->u.getdomaininfo;
	/* 4.16/4.17 answer with the next domain above a missing one */
	if (!rc && gi->domain != dom)
		rc = -XEN_ESRCH;
	return rc;
}

/* As xl does: a destroy not finished yet is asked again. */
static long destroydomain(struct xl *xl, domid_t dom)
{
	unsigned long n = 0;
	long rc;

	do {
		memset(dc_of(xl), 0, sizeof(struct xen_domctl));
		rc = domctl(xl, XEN_DOMCTL_destroydomain, dom);
	} while ((rc == -XEN_EAGAIN || rc == -XEN_ERESTART) && ++n < 10000000UL);
	return rc;
}

static long physinfo(struct xl *xl, struct xen_sysctl_physinfo *pi)
{
	struct xen_sysctl *sc = xl->dc;
	long rc;

	memset(sc, 0, sizeof(*sc));
	sc->cmd = XEN_SYSCTL_physinfo;
	sc->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	rc = rt_hypercall(__HYPERVISOR_sysctl, rt_handle(sc), 0, 0, 0, 0);
	if (!rc)
		*pi = sc->u.physinfo;
	return rc;
}

/* n frames of dom from gfns[] (guest memory), order 0: how many were made. */
static long populate(struct xl *xl, domid_t dom, xen_pfn_t *gfns, unsigned long n)
{
	struct xen_memory_reservation *r = &((struct xl_maps *)xl->maps)->arg.res;

	*r = (struct xen_memory_reservation){.nr_extents = n, .extent_order = 0, .domid = dom};
	set_xen_guest_handle(r->extent_start, rt_handle(gfns));
	return HYPERVISOR_memory_op(XENMEM_populate_physmap, r);
}

static long alloc_unbound(struct xl *xl, domid_t dom, domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound *a = &((struct xl_maps *)xl->maps)->arg.unbound;
	long rc;

	*a = (struct evtchn_alloc_unbound){.dom = dom, .remote_dom = remote};
	rc = rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, rt_handle(a), 0,
			  0, 0);
	if (!rc)
		*port = a->port;
	return rc;
}

static long set_param(struct xl *xl, domid_t dom, uint32_t index, uint64_t value)
{
	struct xen_hvm_param *p = &((struct xl_maps *)xl->maps)->arg.param;

	*p = (struct xen_hvm_param){.domid = dom, .index = index, .value = value};
	return rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, rt_handle(p), 0, 0, 0);
}

/* --- writing the domain's memory ----------------------------------------- */

/*
 * The foreign mappings are made and removed here rather than with
 * xen/foreign.h's helpers, which take pages from the runtime's allocator
 * on every call: after xl_init the library allocates nothing, so it may
 * run on any vCPU (the allocator is vCPU 0's in process, and unlocked).
 */

/* dom's frames fg[0..n) at our lg[0..n): 0, the number of entries that
 * failed (errs), or a negative errno for the call as a whole. */
static long map_chunk(struct xl *xl, domid_t dom, unsigned long n)
{
	struct xl_maps *m = xl->maps;
	struct xen_add_to_physmap_batch *b = &m->arg.batch;
	long rc, failed = 0;

	*b = (struct xen_add_to_physmap_batch){.domid = DOMID_SELF,
					       .space = XENMAPSPACE_gmfn_foreign,
					       .size = (uint16_t)n, .u.foreign_domid = dom};
	set_xen_guest_handle(b->idxs, rt_handle(m->fg));
	set_xen_guest_handle(b->gpfns, rt_handle(m->lg));
	set_xen_guest_handle(b->errs, rt_handle(m->errs));
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, b);
	if (rc)
		return rc < 0 ? rc : -XEN_EFAULT;
	for (unsigned long i = 0; i < n; i++)
		failed += m->errs[i] != 0;
	return failed;
}

/*
 * Removes our mappings at lg[0..n), all in one multicall. An entry that
 * failed is retried alone a few times while the hypervisor was short of
 * memory (what a retry can fix); one that was never mapped fails otherwise
 * and is done. A mapping left behind would keep the domain a dying zombie
 * after its destroy, so this tries hard. 0, or the error of a page that
 * stayed mapped.
 */
static int unmap_all(struct xl *xl, unsigned long n)
{
	struct xl_maps *m = xl->maps;
	struct xl_unmaps *u = xl->unmaps;
	struct xmc mc;
	unsigned int bad;
	int left = 0;
	long rc;

	xmc_init(&mc, u->ent, XL_MAP_PAGES);
	for (unsigned long i = 0; i < n; i++) {
		u->x[i] = (struct xen_remove_from_physmap){.domid = DOMID_SELF, .gpfn = m->lg[i]};
		xmc_add(&mc, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
			rt_handle(&u->x[i]), 0, 0, 0);
	}
	rc = xmc_run(&mc, &bad);
	if (!rc)
		return 0;
	for (unsigned long i = 0; i < n; i++) {
		/* the multicall itself failed (bad == n): no result can be
		 * trusted, every entry is tried again */
		long r = bad == n ? -XEN_EAGAIN : xmc_result(&mc, (unsigned int)i);

		if (!r)
			continue;
		for (unsigned int t = 0; t < 16 && (r == -XEN_ENOMEM || r == -XEN_EAGAIN); t++)
			r = HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &u->x[i]);
		if (r == -XEN_ENOMEM || r == -XEN_EAGAIN)
			left = (int)r;
	}
	return left;
}

/*
 * Copies len bytes from src (NULL: zeros) to the domain's guest-physical
 * gpa, through foreign mappings of at most XL_MAP_PAGES pages at a time,
 * removed before returning (also when the copy fails). The frames must be
 * the domain's RAM.
 */
static int xl_write(struct xl *xl, domid_t dom, uint64_t gpa, const void *src, size_t len)
{
	struct xl_maps *m = xl->maps;
	const uint8_t *s = src;

	while (len) {
		uint64_t first = gpa >> 12, last = (gpa + len - 1) >> 12;
		unsigned long n = last - first + 1;
		long rc;

		if (n > XL_MAP_PAGES)
			n = XL_MAP_PAGES;
		for (unsigned long i = 0; i < n; i++) {
			m->fg[i] = first + i;
			m->errs[i] = -XEN_EFAULT;
		}
		rc = map_chunk(xl, dom, n);
		if (rc) {
			int first_err = rc < 0 ? (int)rc : -XEN_EFAULT;

			for (unsigned long i = 0; rc > 0 && i < n; i++)
				if (m->errs[i]) {
					first_err = m->errs[i];
					break;
				}
			/* what was mapped (a whole call's failure says nothing of
			 * its entries) goes again */
			unmap_all(xl, n);
			return first_err;
		}
		for (unsigned long i = 0; i < n && len; i++) {
			uint8_t *pg = rt_phys_to_virt(m->lg[i] << 12);
			size_t off = (size_t)(gpa & 0xfff), k = RT_PAGE_SIZE - off;

			if (k > len)
				k = len;
			if (s) {
				memcpy(pg + off, s, k);
				s += k;
			} else {
				memset(pg + off, 0, k);
			}
			gpa += k;
			len -= k;
		}
		rc = unmap_all(xl, n);
		if (rc)
			return (int)rc;
	}
	return 0;
}

/* HEADER from gethvmcontext, one long-mode CPU record, END (as the domctl
 * test and libxenguest do it). */
static long set_entry(struct xl *xl, domid_t dom, uint64_t rip, uint64_t area, uint64_t dt)
{
	struct xen_domctl *dc = dc_of(xl);
	uint8_t *ctx = xl->scratch;
	struct hvm_save_descriptor desc;
	struct hvm_hw_cpu cpu;
	size_t off = sizeof(desc) + sizeof(struct hvm_save_header);
	long rc;

	memset(dc, 0, sizeof(*dc));
	rc = domctl(xl, XEN_DOMCTL_gethvmcontext, dom);
	if (rc)
		return rc;
	if (dc->u.hvmcontext.size > RT_PAGE_SIZE)
		return -XEN_ENOSPC;
	dc->u.hvmcontext.size = RT_PAGE_SIZE;
	dc->u.hvmcontext.buffer = rt_handle(ctx);
	rc = domctl(xl, XEN_DOMCTL_gethvmcontext, dom);
	if (rc)
		return rc;
	memcpy(&desc, ctx, sizeof(desc));
	if (desc.typecode != HVM_SAVE_CODE_HEADER)
		return -XEN_EINVAL;
	desc = (struct hvm_save_descriptor){HVM_SAVE_CODE_CPU, 0, sizeof(cpu)};
	memcpy(ctx + off, &desc, sizeof(desc));
	memset(&cpu, 0, sizeof(cpu));
	cpu.rip = rip;
	cpu.rsp = area + XL_2M;
	cpu.rdi = dt;
	cpu.rsi = area;
	cpu.rdx = XL_2M;
	cpu.rflags = 2;
	cpu.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	cpu.cr3 = area + 0x1000;
	cpu.cr4 = 0x620;      /* OSXMMEXCPT OSFXSR PAE */
	cpu.msr_efer = 0x500; /* LMA LME */
	cpu.cs_sel = 0x08;
	cpu.ds_sel = cpu.es_sel = cpu.ss_sel = cpu.fs_sel = cpu.gs_sel = 0x10;
	cpu.cs_arbytes = 0xa9b | HVM_ARBYTES_L;
	cpu.ds_arbytes = cpu.es_arbytes = cpu.ss_arbytes = cpu.fs_arbytes = cpu.gs_arbytes =
		0xc93;
	cpu.cs_limit = cpu.ds_limit = cpu.es_limit = cpu.ss_limit = 0xffffffff;
	cpu.gdtr_base = area;
	cpu.gdtr_limit = 23;
	memcpy(ctx + off + sizeof(desc), &cpu, sizeof(cpu));
	desc = (struct hvm_save_descriptor){HVM_SAVE_CODE_END, 0, 0};
	memcpy(ctx + off + sizeof(desc) + sizeof(cpu), &desc, sizeof(desc));
	memset(dc, 0, sizeof(*dc));
	dc->u.hvmcontext.size = (uint32_t)(off + 2 * sizeof(desc) + sizeof(cpu));
	dc->u.hvmcontext.buffer = rt_handle(ctx);
	return domctl(xl, XEN_DOMCTL_sethvmcontext, dom);
}

/* --- the table ------------------------------------------------------------ */

static struct xl_dom *slot_of(struct xl *xl, domid_t id)
{
	for (unsigned int i = 0; i < XL_MAX_DOMS; i++)
		if (xl->dom[i].used && xl->dom[i].domid == id)
			return &xl->dom[i];
	return NULL;
}

const struct xl_dom *xl_dom(const struct xl *xl, domid_t domid)
{
	return slot_of((struct xl *)xl, domid);
}

static bool parse_id(const char *s, unsigned long *v)
{
	unsigned long n = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > 100000)
			return false;
		n = n * 10 + (unsigned long)(*s - '0');
	}
	*v = n;
	return true;
}

int xl_find(struct xl *xl, const char *name)
{
	struct xen_domctl_getdomaininfo gi;
	unsigned long id;

	if (!name)
		return -XEN_EINVAL;
	for (unsigned int i = 0; i < XL_MAX_DOMS; i++)
		if (xl->dom[i].used && !strcmp(xl->dom[i].name, name))
			return xl->dom[i].domid;
	if (!strcmp(name, "Domain-0"))
		return 0;
	if (parse_id(name, &id) && id < DOMID_FIRST_RESERVED && !getinfo(xl, (domid_t)id, &gi))
		return (int)id;
	return -XEN_ESRCH;
}

/* --- init ------------------------------------------------------------------ */

int xl_init(struct xl *xl)
{
	long v;
	int rc;

	xl->dc = rt_alloc_pages(1);
	xl->scratch = rt_alloc_pages(1);
	xl->maps = rt_alloc_pages(1);
	xl->dtbuf = rt_alloc_pages(XL_DT_PAGES);
	xl->pt = rt_alloc_pages(XL_PT_PAGES);
	xl->gfns = rt_alloc_pages(1);
	xl->unmaps = rt_alloc_pages(XL_UNMAP_PAGES);
	if (!xl->dc || !xl->scratch || !xl->maps || !xl->dtbuf || !xl->pt || !xl->gfns ||
	    !xl->unmaps) {
		rc = -XEN_ENOMEM;
		goto err;
	}
	rc = xen_alloc_unpopulated_pages(XL_MAP_PAGES, ((struct xl_maps *)xl->maps)->lg);
	if (rc)
		goto err;
	v = rt_hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
	xl->xen_major = (unsigned int)((uint64_t)v >> 16) & 0xffff;
	xl->xen_minor = (unsigned int)v & 0xffff;
	memset(xl->dom, 0, sizeof(xl->dom));
	xl->uuid_seq = 0;
	return 0;
err:
	xl_fini(xl);
	return rc;
}

void xl_fini(struct xl *xl)
{
	if (xl->maps && ((struct xl_maps *)xl->maps)->lg[0])
		xen_free_unpopulated_pages(XL_MAP_PAGES, ((struct xl_maps *)xl->maps)->lg);
	if (xl->dc)
		rt_free_pages(xl->dc, 1);
	if (xl->scratch)
		rt_free_pages(xl->scratch, 1);
	if (xl->maps)
		rt_free_pages(xl->maps, 1);
	if (xl->dtbuf)
		rt_free_pages(xl->dtbuf, XL_DT_PAGES);
	if (xl->pt)
		rt_free_pages(xl->pt, XL_PT_PAGES);
	if (xl->gfns)
		rt_free_pages(xl->gfns, 1);
	if (xl->unmaps)
		rt_free_pages(xl->unmaps, XL_UNMAP_PAGES);
	xl->dc = xl->scratch = xl->maps = xl->dtbuf = xl->pt = xl->gfns = xl->unmaps = NULL;
}

/* --- create ----------------------------------------------------------------- */

/* The config's disks as libxl's virtio-mmio devices. */
static int plan_disks(struct xl *xl, const struct xlcfg *cfg, struct xl_dom *d, char *err,
		      size_t errlen)
{
	d->nr_disks = 0;
	for (unsigned int i = 0; i < cfg->nr_disks; i++) {
		const struct xlcfg_disk *c = &cfg->disk[i];
		struct xl_disk *k = &d->disk[i];
		int be = 0;

		if (!xlcfg_disk_is_virtio_mmio(c)) {
			xl_say(err, errlen, "disk %u (%s): memvisor has virtio-mmio disks only "
			    "(specification=virtio, transport=mmio)", i, c->vdev);
			return -XEN_EOPNOTSUPP;
		}
		if (c->backend[0]) {
			be = xl_find(xl, c->backend);
			if (be < 0) {
				xl_say(err, errlen, "disk %u (%s): no backend domain '%s'", i, c->vdev,
				    c->backend);
				return be;
			}
		}
		memset(k, 0, sizeof(*k));
		k->devid = i;
		k->backend = (domid_t)be;
		k->writable = !c->readonly && !c->cdrom;
		k->base = XL_VIRTIO_MMIO_BASE + XL_VIRTIO_MMIO_SIZE * i;
		k->size = XL_VIRTIO_MMIO_SIZE;
		k->spi = XL_VIRTIO_SPI_FIRST + i;
		rt_snprintf(k->vdev, sizeof(k->vdev), "%s", c->vdev);
		rt_snprintf(k->params, sizeof(k->params), "%s", c->target);
		d->nr_disks++;
	}
	return 0;
}

/* All of RAM in batches of a page of frame numbers. 0, or -ENOMEM when
 * the heap (or max_mem) gave out. */
static int populate_ram(struct xl *xl, const struct xl_dom *d)
{
	xen_pfn_t *g = xl->gfns;
	const unsigned long per = RT_PAGE_SIZE / sizeof(xen_pfn_t);

	for (unsigned int b = 0; b < d->nr_ram; b++) {
		uint64_t gfn = d->ram[b].base >> 12, left = d->ram[b].size >> 12;

		while (left) {
			unsigned long n = left < per ? (unsigned long)left : per;
			long rc;

			for (unsigned long i = 0; i < n; i++)
				g[i] = gfn + i;
			rc = populate(xl, d->domid, g, n);
			if (rc < 0)
				return (int)rc;
			if ((unsigned long)rc != n)
				return -XEN_ENOMEM;
			gfn += n;
			left -= n;
		}
	}
	return 0;
}

/* Console and xenstore: their pages (libxl's magic pages), the domain's
 * ports with the backends as remote ends, the HVM params the guest reads. */
static int magic(struct xl *xl, struct xl_dom *d)
{
	xen_pfn_t *g = xl->gfns;
	long rc;

	d->console_gfn = XL_CONSOLE_PFN;
	d->store_gfn = XL_STORE_PFN;
	g[0] = d->console_gfn;
	g[1] = d->store_gfn;
	rc = populate(xl, d->domid, g, 2);
	if (rc != 2)
		return rc < 0 ? (int)rc : -XEN_ENOMEM;
	d->console_domid = xl->console_domid;
	d->store_domid = xl->store_domid;
	rc = alloc_unbound(xl, d->domid, d->console_domid, &d->console_port);
	if (!rc)
		rc = alloc_unbound(xl, d->domid, d->store_domid, &d->store_port);
	if (!rc)
		rc = set_param(xl, d->domid, HVM_PARAM_CONSOLE_EVTCHN, d->console_port);
	if (!rc)
		rc = set_param(xl, d->domid, HVM_PARAM_CONSOLE_PFN, d->console_gfn);
	if (!rc)
		rc = set_param(xl, d->domid, HVM_PARAM_STORE_EVTCHN, d->store_port);
	if (!rc)
		rc = set_param(xl, d->domid, HVM_PARAM_STORE_PFN, d->store_gfn);
	return (int)rc;
}

/* Grant table frame 0 at region 0 (libxl places it before the guest runs;
 * memvisor cannot seed entries through a foreign map of it: a grant-table
 * frame is never foreign-mapped). */
static int place_gnttab(struct xl *xl, const struct xl_dom *d)
{
	struct xen_add_to_physmap *a = &((struct xl_maps *)xl->maps)->arg.atp;

	*a = (struct xen_add_to_physmap){.domid = d->domid, .space = XENMAPSPACE_grant_table,
					 .idx = 0, .gpfn = XL_GNTTAB_BASE >> 12};
	return (int)HYPERVISOR_memory_op(XENMEM_add_to_physmap, a);
}

static int load_kernel(struct xl *xl, const struct xl_dom *d, const void *img,
		       const struct xl_elf *e)
{
	for (unsigned int i = 0; i < e->nr; i++) {
		const struct xl_seg *s = &e->seg[i];
		int rc = xl_write(xl, d->domid, s->paddr, (const uint8_t *)img + s->off,
				  (size_t)s->filesz);

		/* the rest is zero already: fresh frames read zero */
		if (rc)
			return rc;
	}
	return 0;
}

static int boot_area(struct xl *xl, const struct xl_dom *d, const char *bootargs,
		     const struct xl_elf *e)
{
	uint64_t g[3];
	long dtlen;
	int rc, pages;

	xl_gdt(g);
	rc = xl_write(xl, d->domid, d->area_gpa, g, sizeof(g));
	if (rc)
		return rc;
	pages = xl_page_tables(d, d->area_gpa, xl->pt);
	if (pages < 0)
		return pages;
	rc = xl_write(xl, d->domid, d->area_gpa + 0x1000, xl->pt,
		      (size_t)pages * RT_PAGE_SIZE);
	if (rc)
		return rc;
	dtlen = xl_write_dt(xl, d, bootargs, d->area_gpa, e, xl->dtbuf,
			    XL_DT_PAGES * RT_PAGE_SIZE);
	if (dtlen < 0)
		return (int)dtlen;
	return xl_write(xl, d->domid, d->dt_gpa, xl->dtbuf, (size_t)dtlen);
}

static void make_uuid(struct xl *xl, domid_t id, uint8_t u[16])
{
	uint64_t a = 0x6d656d7669736f72ULL ^ ((uint64_t)++xl->uuid_seq << 16) ^ id;
	uint64_t b = a * 0x9e3779b97f4a7c15ULL;

	memcpy(u, &a, 8);
	memcpy(u + 8, &b, 8);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
}

int xl_create(struct xl *xl, const struct xlcfg *cfg, const void *kernel, size_t kernel_len,
	      domid_t *out, char *err, size_t errlen)
{
	struct xen_domctl *dc = dc_of(xl);
	struct xen_domctl_getdomaininfo gi;
	struct xen_sysctl_physinfo pi = {0};
	struct xl_dom *d = NULL;
	struct xl_elf elf;
	uint64_t need_pages, rip;
	int rc;

	if (err && errlen)
		err[0] = 0;
	if (!cfg || !kernel || !out)
		return -XEN_EINVAL;
	for (unsigned int i = 0; i < XL_MAX_DOMS && !d; i++)
		if (!xl->dom[i].used)
			d = &xl->dom[i];
	if (!d) {
		xl_say(err, errlen, "this toolstack keeps at most %u domains", XL_MAX_DOMS);
		return -XEN_ENOSPC;
	}
	memset(d, 0, sizeof(*d));
	if (!cfg->name[0] || strlen(cfg->name) >= sizeof(d->name)) {
		xl_say(err, errlen, "name: missing or too long");
		return -XEN_EINVAL;
	}
	if (xl_find(xl, cfg->name) >= 0) {
		xl_say(err, errlen, "name: a domain called '%s' exists", cfg->name);
		return -XEN_EEXIST;
	}
	if (!cfg->memory_mib || cfg->memory_mib > (XL_RAM0_SIZE + XL_RAM1_SIZE) >> 20) {
		xl_say(err, errlen, "memory: %llu MiB is not a size memvisor can give",
		    (unsigned long long)cfg->memory_mib);
		return -XEN_EINVAL;
	}
	rt_snprintf(d->name, sizeof(d->name), "%s", cfg->name);
	rt_snprintf(d->kernel, sizeof(d->kernel), "%s", cfg->kernel);
	d->memory_kb = cfg->memory_mib << 10;
	d->maxmem_kb = (cfg->maxmem_mib > cfg->memory_mib ? cfg->maxmem_mib : cfg->memory_mib)
		       << 10;
	d->vcpus = cfg->maxvcpus > cfg->vcpus ? cfg->maxvcpus : cfg->vcpus;
	if (!d->vcpus)
		d->vcpus = 1;
	xl_ram_banks(cfg->memory_mib << 20, d);
	/* the boot area: the top 2 MiB of RAM0 (its end rounded down) */
	d->area_gpa = ((d->ram[0].base + d->ram[0].size) & ~(XL_2M - 1)) - XL_2M;
	if (d->ram[0].size < 2 * XL_2M) {
		xl_say(err, errlen, "memory: at least 4 MiB (the kernel and the 2 MiB boot area)");
		return -XEN_EINVAL;
	}
	d->dt_gpa = d->area_gpa + 0x100000;
	rc = xl_elf_check(kernel, kernel_len, d, d->area_gpa, &elf, err, errlen);
	if (rc)
		return rc;
	rc = plan_disks(xl, cfg, d, err, errlen);
	if (rc)
		return rc;
	rip = elf.entry;
	if (xl->hosted_entry) {
		/* in process: the built-in program the kernel file names */
		rip = xl->hosted_entry(cfg->kernel);
		if (!rip) {
			xl_say(err, errlen, "kernel %s: no built-in program of that name to run in "
			    "process", cfg->kernel);
			return -XEN_ENOENT;
		}
	}
	/* Xen would fail the populate; asking first avoids building half a
	 * domain of many pages for nothing. */
	need_pages = (cfg->memory_mib << 8) + 2;
	rc = (int)physinfo(xl, &pi);
	if (!rc && pi.free_pages < need_pages) {
		xl_say(err, errlen, "memory: %llu MiB asked, %llu MiB free",
		    (unsigned long long)cfg->memory_mib,
		    (unsigned long long)(pi.free_pages >> 8));
		return -XEN_ENOMEM;
	}

	memset(dc, 0, sizeof(*dc));
	make_uuid(xl, 0, d->uuid);
	memcpy(dc->u.createdomain.handle, d->uuid, sizeof(d->uuid));
	dc->u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
	dc->u.createdomain.max_vcpus = d->vcpus;
	dc->u.createdomain.max_evtchn_port = 1023;
	dc->u.createdomain.max_grant_frames = -1;
	dc->u.createdomain.max_maptrack_frames = -1;
	dc->u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
	dc->u.createdomain.arch.emulation_flags = XEN_X86_EMU_LAPIC;
	rc = (int)domctl(xl, XEN_DOMCTL_createdomain, DOMID_ANY);
	if (rc) {
		xl_say(err, errlen, "createdomain: %d", rc);
		return rc;
	}
	d->domid = dc->domain;

#define STEP(what, call)                                                                 \
	do {                                                                             \
		rc = (call);                                                             \
		if (rc) {                                                                \
			xl_say(err, errlen, "d%u: %s: %d", d->domid, what, rc);             \
			goto err_domain;                                                 \
		}                                                                        \
	} while (0)

	memset(dc, 0, sizeof(*dc));
	dc->u.max_vcpus.max = d->vcpus;
	STEP("max_vcpus", (int)domctl(xl, XEN_DOMCTL_max_vcpus, d->domid));
	memset(dc, 0, sizeof(*dc));
	dc->u.max_mem.max_memkb = d->maxmem_kb + XL_MAXMEM_SLACK_KB;
	STEP("max_mem", (int)domctl(xl, XEN_DOMCTL_max_mem, d->domid));
	STEP("getdomaininfo", (int)getinfo(xl, d->domid, &gi));
	d->gpaddr_bits = gi.gpaddr_bits;
	if (d->gpaddr_bits && d->gpaddr_bits < 64 &&
	    ((d->ram[d->nr_ram - 1].base + d->ram[d->nr_ram - 1].size - 1) >> d->gpaddr_bits)) {
		rc = -XEN_EINVAL;
		xl_say(err, errlen, "memory: beyond the guest's %u address bits", d->gpaddr_bits);
		goto err_domain;
	}
	rc = populate_ram(xl, d);
	if (rc) {
		xl_say(err, errlen, "d%u: populate_physmap of %llu MiB: %d", d->domid,
		    (unsigned long long)cfg->memory_mib, rc);
		goto err_domain;
	}
	STEP("console and xenstore pages and ports", magic(xl, d));
	STEP("grant table at region 0", place_gnttab(xl, d));
	{
		uint64_t r[XL_MAX_REGIONS][2];
		/* the 4.21+ rules when the hypervisor presents 4.21 or later */
		bool cut = xl->xen_major > 4 || (xl->xen_major == 4 && xl->xen_minor >= 21);
		int n = xl_regions(d->gpaddr_bits, cut, d, r, XL_MAX_REGIONS);

		STEP("extended regions", n < 0 ? n : 0);
		d->nr_regions = (unsigned int)n;
		for (int i = 0; i < n; i++) {
			d->region[i].base = r[i][0];
			d->region[i].size = r[i][1];
		}
	}
	STEP("loading the kernel", load_kernel(xl, d, kernel, &elf));
	STEP("the boot area and device tree", boot_area(xl, d, cfg->extra, &elf));
	d->entry = rip;
	STEP("sethvmcontext", (int)set_entry(xl, d->domid, rip, d->area_gpa, d->dt_gpa));
	if (xl->xs && xl->xs->domain_new) {
		STEP("xenstore", xl->xs->domain_new(xl->xs_ctx, d));
		d->xs_written = true;
		for (unsigned int i = 0; i < d->nr_disks && xl->xs->disk_wait; i++)
			STEP("waiting for the disk backend", xl->xs->disk_wait(xl->xs_ctx, d, i));
	}
	memset(dc, 0, sizeof(*dc));
	STEP("unpause", (int)domctl(xl, XEN_DOMCTL_unpausedomain, d->domid));
#undef STEP
	d->used = true;
	*out = d->domid;
	return 0;

err_domain:
	if (d->xs_written && xl->xs->domain_gone)
		xl->xs->domain_gone(xl->xs_ctx, d);
	destroydomain(xl, d->domid);
	memset(d, 0, sizeof(*d));
	return rc;
}

/* --- destroy and list ------------------------------------------------------ */

int xl_destroy(struct xl *xl, domid_t domid)
{
	struct xl_dom *d = slot_of(xl, domid);
	long rc;

	if (d && d->xs_written && xl->xs && xl->xs->domain_gone)
		xl->xs->domain_gone(xl->xs_ctx, d);
	rc = destroydomain(xl, domid);
	if (d && (!rc || rc == -XEN_ESRCH))
		memset(d, 0, sizeof(*d));
	return (int)rc;
}

/* xl's State column: r b p s c d */
static void state(uint32_t f, char s[7])
{
	unsigned int why = (f >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	bool down = f & XEN_DOMINF_shutdown;

	s[0] = (f & XEN_DOMINF_running) ? 'r' : '-';
	s[1] = (f & XEN_DOMINF_blocked) ? 'b' : '-';
	s[2] = (f & XEN_DOMINF_paused) ? 'p' : '-';
	s[3] = down && why != SHUTDOWN_crash ? 's' : '-';
	s[4] = down && why == SHUTDOWN_crash ? 'c' : '-';
	s[5] = (f & XEN_DOMINF_dying) ? 'd' : '-';
	s[6] = 0;
}

int xl_list(struct xl *xl, void (*line)(void *arg, const char *text), void *arg)
{
	struct xen_sysctl *sc = xl->dc;
	struct xen_domctl_getdomaininfo *buf = xl->scratch;
	const uint32_t cap = RT_PAGE_SIZE / sizeof(*buf);
	unsigned int first = 0;
	char text[160];
	int count = 0;

	line(arg, "Name                                        ID   Mem VCPUs\tState\tTime(s)");
	for (;;) {
		uint32_t got;
		long rc;

		memset(sc, 0, sizeof(*sc));
		sc->cmd = XEN_SYSCTL_getdomaininfolist;
		sc->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
		sc->u.getdomaininfolist.first_domain = (domid_t)first;
		sc->u.getdomaininfolist.max_domains = cap;
		set_xen_guest_handle(sc->u.getdomaininfolist.buffer, rt_handle(buf));
		rc = rt_hypercall(__HYPERVISOR_sysctl, rt_handle(sc), 0, 0, 0, 0);
		if (rc < 0)
			return (int)rc;
		got = sc->u.getdomaininfolist.num_domains;
		for (uint32_t i = 0; i < got; i++) {
			const struct xen_domctl_getdomaininfo *g = &buf[i];
			const struct xl_dom *d = slot_of(xl, g->domain);
			char name[XL_NAME_MAX], st[7];
			uint64_t ds = g->cpu_time / 100000000ULL; /* tenths of a second */

			if (d)
				rt_snprintf(name, sizeof(name), "%s", d->name);
			else if (g->domain == 0)
				rt_snprintf(name, sizeof(name), "Domain-0");
			else
				rt_snprintf(name, sizeof(name), "(d%u)", g->domain);
			state(g->flags, st);
			rt_snprintf(text, sizeof(text), "%-40s %5u %5llu %5u     %s %6llu.%llu",
				    name, g->domain, (unsigned long long)(g->tot_pages >> 8),
				    g->nr_online_vcpus, st, (unsigned long long)(ds / 10),
				    (unsigned long long)(ds % 10));
			line(arg, text);
			count++;
		}
		if (got < cap)
			break;
		first = buf[got - 1].domain + 1u;
		if (first >= DOMID_FIRST_RESERVED)
			break;
	}
	return count;
}
