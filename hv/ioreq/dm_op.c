/*
 * dm_op (hypercall 41): the subset emulators need to get IOREQ servers
 * for the PV IOMMU's foreign sub-ops (include/public/dm_op.h,
 * docs/pv-iommu.md).
 *
 * Design: bufs[0] is read once into a struct xen_dm_op (only the bytes the
 * sub-op uses must be present), the sub-op runs on the registry
 * (hv/ioreq.h), and OUT fields are written back to bufs[0]. Privilege:
 * the caller must be allowed to map the target (domain_may_map:
 * privileged, or named in its target list) and may not target itself;
 * ioreq_server_create checks that again, so no path skips it.
 */
#include <errno.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/hcall.h>
#include <hv/hv.h>
#include <hv/ioreq.h>
#include <hv/p2m.h>
#include <public/dm_op.h>
#include <public/xen.h>

/* A ring page must be ordinary writable RAM of the caller. */
static bool own_ram_page(struct domain *d, xen_pfn_t gfn)
{
	p2m_type_t t;

	if (gfn == XEN_DMOP_NO_PAGE)
		return true;
	return !mfn_eq(p2m_lookup(d, _gfn(gfn), &t, NULL), INVALID_MFN) && t == p2m_ram_rw;
}

static gfn_t page_arg(xen_pfn_t gfn)
{
	return gfn == XEN_DMOP_NO_PAGE ? INVALID_GFN : _gfn(gfn);
}

int64_t do_dm_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	domid_t domid = (domid_t)hc->args[0];
	unsigned int nr_bufs = (unsigned int)hc->args[1];
	struct xen_dm_op_buf buf;
	struct xen_dm_op op;
	struct domain *t;
	size_t need;
	int rc;

	if (nr_bufs < 1)
		return -EINVAL;
	if (copy_from_guest(d, &buf, hc->args[2], sizeof(buf)))
		return -EFAULT;
	memset(&op, 0, sizeof(op));
	if (buf.size < offsetof(struct xen_dm_op, u))
		return -EFAULT;
	if (copy_from_guest(d, &op, buf.h, offsetof(struct xen_dm_op, u)))
		return -EFAULT;
	switch (op.op) {
	case XEN_DMOP_memvisor_create_ioreq_server:
		need = offsetof(struct xen_dm_op, u) + sizeof(op.u.memvisor_create_ioreq_server);
		break;
	case XEN_DMOP_destroy_ioreq_server:
		need = offsetof(struct xen_dm_op, u) + sizeof(op.u.destroy_ioreq_server);
		break;
	case XEN_DMOP_create_ioreq_server:
		return -EOPNOTSUPP;
	default:
		return -EOPNOTSUPP;
	}
	if (buf.size < need || copy_from_guest(d, &op, buf.h, need))
		return -EFAULT;
	if (domid == DOMID_SELF || domid == d->id)
		return -EPERM; /* an emulator serves another domain */
	t = domain_by_id(hv, domid);
	if (!t || t->state == DOMS_dying)
		return -ESRCH;
	if (!domain_may_map(d, t))
		return -EPERM;

	switch (op.op) {
	case XEN_DMOP_memvisor_create_ioreq_server: {
		struct xen_dm_op_memvisor_create_ioreq_server *c = &op.u.memvisor_create_ioreq_server;
		ioservid_t id;

		if (c->pad[0] || c->pad[1] || c->pad[2])
			return -EINVAL;
		if (!own_ram_page(d, c->buf_gfn) || !own_ram_page(d, c->sync_gfn) ||
		    (c->buf_gfn == c->sync_gfn && c->buf_gfn != XEN_DMOP_NO_PAGE))
			return -EINVAL;
		rc = ioreq_server_create(d, t, page_arg(c->buf_gfn), page_arg(c->sync_gfn), &id);
		if (rc)
			return rc;
		c->id = id;
		if (copy_to_guest(d, buf.h, &op, need)) {
			(void)ioreq_server_destroy(d, t->id, id);
			return -EFAULT;
		}
		return 0;
	}
	case XEN_DMOP_destroy_ioreq_server: {
		struct ioreq_server *s = ioreq_server_find(hv, t->id, op.u.destroy_ioreq_server.id);

		if (op.u.destroy_ioreq_server.pad)
			return -EINVAL;
		/* Only the emulator that created a server may destroy it. */
		if (!s || s->emulator != d)
			return -ENOENT;
		return ioreq_server_destroy(d, t->id, s->id);
	}
	}
	return -EOPNOTSUPP;
}
