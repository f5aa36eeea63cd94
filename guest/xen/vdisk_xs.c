/*
 * The virtio-disk backend driven by xenstore (design: include/xen/vdisk_xs.h).
 *
 * Waking: the session sleeps in SCHEDOP_poll on the vCPU's IOREQ port and
 * the xenstore client's port. A xenstore wake-up (a watch event on the
 * frontend's directory or @releaseDomain) makes it read the nodes
 * (xsbe_gone); events met while it reads are queued in the client, and
 * a queued event or unread bytes (whose kick a reply's wait may have
 * taken) make it read again, so none is lost between the check and the
 * next sleep.
 *
 * Nothing is allocated per session (vdxs_init took the frames, lists and
 * the page for the batched calls on vCPU 0): the guest's allocators are
 * vCPU 0's, and a session may run on another vCPU.
 */
#include <xen/vdisk_xs.h>

#include <public/errno.h>
#include <public/ioreq.h>
#include <rt/hypercall.h>
#include <rt/mm.h>
#include <string.h>
#include <xen/evtchn.h>
#include <xen/evtchn_bits.h>
#include <xen/foreign.h>
#include <xen/iommu.h>
#include <xen/multicall.h>
#include <xen/unpopulated.h>

#define VDXS_UNMAP_MC 32 /* removals per multicall */

struct vdxs_mc_page {
	struct multicall_entry ent[VDXS_UNMAP_MC];
	struct xen_remove_from_physmap x[VDXS_UNMAP_MC];
};
_Static_assert(sizeof(struct vdxs_mc_page) <= 4096, "list and requests fit one page");

#define VDXS_TICK_NS 1000000000ULL

static uint8_t slot_state(struct ioreq *slot)
{
	return __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_ACQUIRE) & 0xf;
}

static void slot_set_state(struct ioreq *slot, uint8_t st)
{
	uint8_t v = __atomic_load_n(&((uint8_t *)slot)[30], __ATOMIC_RELAXED);

	__atomic_store_n(&((uint8_t *)slot)[30], (uint8_t)((v & 0xf0) | st), __ATOMIC_RELEASE);
}

int vdxs_init(struct vdxs *v, struct xs_client *c, evtchn_port_t xs_port, uint64_t max_fe_ram,
	      uint8_t *disk, uint64_t sectors)
{
	unsigned long pages;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!xevtchn()->ready)
		return -XEN_ENODEV;
	v->shared = xevtchn()->shared;
	v->c = c;
	v->xs_port = xs_port;
	v->max_frames = max_fe_ram >> 12;
	v->tmpl.disk = disk;
	v->tmpl.sectors = sectors;
	pages = (unsigned long)((v->max_frames * sizeof(xen_pfn_t) + RT_PAGE_SIZE - 1) /
				RT_PAGE_SIZE);
	v->local = rt_alloc_pages(pages);
	v->fg = rt_alloc_pages(pages);
	v->mc_page = rt_alloc_pages(1);
	v->errs = rt_alloc_pages((VDXS_BATCH * sizeof(int) + RT_PAGE_SIZE - 1) / RT_PAGE_SIZE);
	if (!v->local || !v->fg || !v->mc_page || !v->errs || !v->max_frames)
		return -XEN_ENOMEM;
	/* where the frontend's frames will land, reachable from now on */
	rc = xen_alloc_unpopulated_pages(v->max_frames, v->local);
	if (rc)
		return rc;
	if (xforeign_reach(v->local, v->max_frames))
		return -XEN_ENOMEM;
	rc = xen_alloc_unpopulated_pages(1, &v->io_gfn);
	if (rc)
		return rc;
	if (rt_map_range(v->io_gfn << 12, RT_PAGE_SIZE))
		return -XEN_ENOMEM;
	xevb_mask(v->shared, xs_port); /* polled only */
	return xsbe_init(&v->be, c);
}

/* Waits for a frontend whose nodes are ready. */
static int take(struct vdxs *v, uint64_t deadline)
{
	for (;;) {
		int rc;

		xevb_take(v->shared, v->xs_port);
		rc = xsbe_take_only(&v->be, &v->cur);
		if (rc != -XEN_EAGAIN)
			return rc;
		if (xs_has_input(v->c))
			continue; /* its kick may be gone with an earlier reply's */
		if (deadline && xevtchn_now() > deadline)
			return -XEN_ETIMEDOUT;
		xevtchn_poll(&v->xs_port, 1,
			     deadline ? deadline : xevtchn_now() + VDXS_TICK_NS);
	}
}

/* Removes the mappings at local[0..n), a multicall of VDXS_UNMAP_MC at a
 * time; 0 or the first error. */
static int unmap_n(struct vdxs *v, uint64_t n)
{
	struct vdxs_mc_page *pg = v->mc_page;
	int first = 0;

	for (uint64_t i = 0; i < n; i += VDXS_UNMAP_MC) {
		struct xmc m;
		long rc;

		xmc_init(&m, pg->ent, VDXS_UNMAP_MC);
		for (unsigned int j = 0; j < VDXS_UNMAP_MC && i + j < n; j++) {
			pg->x[j] = (struct xen_remove_from_physmap){.domid = DOMID_SELF,
								    .gpfn = v->local[i + j]};
			xmc_add(&m, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
				rt_handle(&pg->x[j]), 0, 0, 0);
		}
		rc = xmc_run(&m, NULL);
		if (rc && !first)
			first = (int)rc;
	}
	return first;
}

/* The frontend's RAM over the two banks, every frame mapped at our
 * frames local[], VDXS_BATCH per add_to_physmap_batch. */
static int premap(struct vdxs *v, uint64_t frames)
{
	uint64_t in0 = frames < (VDXS_RAM0_SIZE >> 12) ? frames : (VDXS_RAM0_SIZE >> 12);

	v->banks[0] = (struct vmdev_bank){VDXS_RAM0_BASE, in0, v->local};
	v->banks[1] = (struct vmdev_bank){VDXS_RAM1_BASE, frames - in0, v->local + in0};
	for (uint64_t i = 0; i < frames; i++)
		v->fg[i] = i < in0 ? (VDXS_RAM0_BASE >> 12) + i :
				     (VDXS_RAM1_BASE >> 12) + (i - in0);
	for (uint64_t i = 0; i < frames; i += VDXS_BATCH) {
		uint64_t k = frames - i < VDXS_BATCH ? frames - i : VDXS_BATCH;
		struct xen_add_to_physmap_batch b = {
			.domid = DOMID_SELF,
			.space = XENMAPSPACE_gmfn_foreign,
			.size = (uint16_t)k,
			.u.foreign_domid = v->cur.fe,
		};
		long rc;

		set_xen_guest_handle(b.idxs, rt_handle(v->fg + i));
		set_xen_guest_handle(b.gpfns, rt_handle(v->local + i));
		set_xen_guest_handle(b.errs, rt_handle(v->errs));
		rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
		for (uint64_t j = 0; !rc && j < k; j++)
			if (v->errs[j])
				rc = v->errs[j];
		if (rc) {
			unmap_n(v, i + k); /* the failed ones fail again: harmless */
			return (int)rc;
		}
	}
	return 0;
}

static void unmap_all(struct vdxs *v, uint64_t frames)
{
	unmap_n(v, frames);
}

/* Serves the window until the frontend goes away. */
static int serve(struct vdxs *v, struct ioreq *slot, evtchn_port_t port)
{
	evtchn_port_t ports[2] = {port, v->xs_port};

	for (;;) {
		bool xs;
		int rc;

		/* take the ports, then look (pitfall 3) */
		xevb_take(v->shared, port);
		xs = xevb_take(v->shared, v->xs_port);
		if ((xs || xs_has_input(v->c)) && xsbe_gone(&v->be, &v->cur))
			return 0;
		if (xs_has_input(v->c))
			continue; /* an event came while we read: read again */
		if (slot_state(slot) != STATE_IOREQ_READY) {
			if (xevtchn_poll(ports, 2, xevtchn_now() + VDXS_TICK_NS) == -XEN_ETIMEDOUT &&
			    xsbe_gone(&v->be, &v->cur))
				return 0;
			continue;
		}
		slot_set_state(slot, STATE_IOREQ_INPROCESS);
		vmdev_ioreq(&v->dev, slot);
		slot_set_state(slot, STATE_IORESP_READY);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		rc = xevtchn_send(port);
		if (rc)
			return rc;
		v->st.accesses++;
		rc = vmdev_process(&v->dev);
		if (rc)
			return rc;
	}
}

int vdxs_session(struct vdxs *v, uint64_t deadline)
{
	struct ioreq *slot;
	evtchn_port_t port;
	uint64_t frames;
	ioservid_t id;
	int rc = take(v, deadline), rc2;

	if (rc)
		return rc;
	frames = v->cur.static_max_kib >> 2;
	if (!frames || frames > v->max_frames) {
		rc = -XEN_E2BIG;
		goto err_refuse;
	}
	rc = premap(v, frames);
	if (rc)
		goto err_refuse;
	v->dev = v->tmpl;
	v->dev.fe = v->cur.fe;
	v->dev.base = v->cur.base;
	v->dev.irq = v->cur.irq;
	v->dev.banks = v->banks;
	v->dev.nr_banks = v->banks[1].frames ? 2 : 1;
	vmdev_reset(&v->dev);
	rc = xdm_create_ioreq_server(v->cur.fe, XDM_NO_PAGE, v->io_gfn, &id);
	if (rc)
		goto err_unmap;
	slot = rt_phys_to_virt(v->io_gfn << 12);
	rc = xdm_map_mmio_range(v->cur.fe, id, v->cur.base, v->cur.base + VIRTIO_MMIO_SIZE - 1);
	if (!rc)
		rc = xevtchn_bind_interdomain(v->cur.fe, slot->vp_eport, &port);
	if (rc)
		goto err_server;
	xevb_mask(v->shared, port); /* polled only */
	rc = xsbe_ready(&v->be, &v->cur);
	if (!rc)
		rc = serve(v, slot, port);
	xevtchn_close(port);
err_server:
	rc2 = xdm_destroy_ioreq_server(v->cur.fe, id);
	if (!rc2) { /* the acquired ioreq page */
		struct xen_remove_from_physmap x = {.domid = DOMID_SELF, .gpfn = v->io_gfn};

		HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &x);
	}
	rc = rc ? rc : rc2;
err_unmap:
	unmap_all(v, frames);
	v->st.requests += v->dev.st.requests;
	v->st.bad_chains += v->dev.st.bad_chains;
	v->st.ioerr += v->dev.st.ioerr;
	if (!rc)
		v->st.sessions++;
	xsbe_end(&v->be, &v->cur);
	return rc;

err_refuse:
	v->st.refused++;
	xsbe_end(&v->be, &v->cur);
	return rc;
}
