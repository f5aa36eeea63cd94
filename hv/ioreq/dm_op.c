/*
 * dm_op (hypercall 41): Xen's IOREQ-server sub-ops, set_irq_level and
 * nr_vcpus (include/public/dm_op.h, facts 6.1-6.2, 6.7).
 *
 * Design: the checks run in Xen's order: nr_bufs (> 2: -E2BIG), the target
 * (-ESRCH; the caller itself: -EPERM), the privilege (control domain or a
 * domain naming the target as backend-for, domain_may_map: -EPERM),
 * nr_bufs 0 (-ENODATA), bufs[0] (too small for the sub-op: -EFAULT), pad
 * (-EINVAL), the sub-op (unknown: -EOPNOTSUPP). OUT fields go back to
 * bufs[0]; when that copy fails after a create, the server is destroyed
 * again so that a failed call leaves nothing behind. Later sub-ops on a
 * server: unknown id -ENOENT, another emulator's -EPERM.
 */
#include <errno.h>
#include <string.h>

#include <hv/event.h>
#include <hv/guest_access.h>
#include <hv/hcall.h>
#include <hv/hv.h>
#include <hv/ioreq.h>
#include <public/dm_op.h>
#include <public/xen.h>

static size_t sub_op_size(uint32_t op)
{
	struct xen_dm_op o;

	switch (op) {
	case XEN_DMOP_create_ioreq_server:
		return sizeof(o.u.create_ioreq_server);
	case XEN_DMOP_get_ioreq_server_info:
		return sizeof(o.u.get_ioreq_server_info);
	case XEN_DMOP_map_io_range_to_ioreq_server:
	case XEN_DMOP_unmap_io_range_from_ioreq_server:
		return sizeof(o.u.map_io_range_to_ioreq_server);
	case XEN_DMOP_set_ioreq_server_state:
		return sizeof(o.u.set_ioreq_server_state);
	case XEN_DMOP_destroy_ioreq_server:
		return sizeof(o.u.destroy_ioreq_server);
	case XEN_DMOP_nr_vcpus:
		return sizeof(o.u.nr_vcpus);
	case XEN_DMOP_set_irq_level:
		return sizeof(o.u.set_irq_level);
	default:
		return 0;
	}
}

static int64_t run_op(struct domain *d, struct domain *t, struct xen_dm_op *op, bool *out)
{
	struct ioreq_server *s;
	int rc;

	switch (op->op) {
	case XEN_DMOP_create_ioreq_server: {
		struct xen_dm_op_create_ioreq_server *c = &op->u.create_ioreq_server;

		if (c->pad[0] || c->pad[1] || c->pad[2] ||
		    c->handle_bufioreq > HVM_IOREQSRV_BUFIOREQ_ATOMIC)
			return -EINVAL;
		rc = ioreq_server_create(d, t, c->handle_bufioreq, &c->id);
		*out = !rc;
		return rc;
	}
	case XEN_DMOP_get_ioreq_server_info: {
		struct xen_dm_op_get_ioreq_server_info *g = &op->u.get_ioreq_server_info;

		if (g->flags & ~XEN_DMOP_no_gfns)
			return -EINVAL;
		s = ioreq_server_get(d, t, g->id, &rc);
		if (!s)
			return rc;
		/* As on Arm: the pages have no GFN in the target; the resource
		 * is the only way to them. */
		if (!(g->flags & XEN_DMOP_no_gfns))
			return -EOPNOTSUPP;
		g->bufioreq_port = s->buf_port;
		*out = true;
		return 0;
	}
	case XEN_DMOP_map_io_range_to_ioreq_server:
	case XEN_DMOP_unmap_io_range_from_ioreq_server: {
		struct xen_dm_op_ioreq_server_range *r = &op->u.map_io_range_to_ioreq_server;

		if (r->pad)
			return -EINVAL;
		s = ioreq_server_get(d, t, r->id, &rc);
		if (!s)
			return rc;
		if (op->op == XEN_DMOP_map_io_range_to_ioreq_server)
			return ioreq_server_map_range(s, r->type, r->start, r->end);
		return ioreq_server_unmap_range(s, r->type, r->start, r->end);
	}
	case XEN_DMOP_set_ioreq_server_state: {
		struct xen_dm_op_set_ioreq_server_state *st = &op->u.set_ioreq_server_state;

		if (st->pad)
			return -EINVAL;
		s = ioreq_server_get(d, t, st->id, &rc);
		if (!s)
			return rc;
		return ioreq_server_set_state(s, st->enabled != 0);
	}
	case XEN_DMOP_destroy_ioreq_server:
		if (op->u.destroy_ioreq_server.pad)
			return -EINVAL;
		return ioreq_server_destroy(d, t->id, op->u.destroy_ioreq_server.id);
	case XEN_DMOP_nr_vcpus:
		op->u.nr_vcpus.vcpus = t->nr_vcpus;
		*out = true;
		return 0;
	case XEN_DMOP_set_irq_level: {
		/* Arm's rules (SPIs, level 0/1); the line reaches the target as
		 * an event on the port it bound to it (hv/event.h). Like the
		 * vGIC that virtio-disk relied on, level 0 does nothing and
		 * every level 1 raises the line again. */
		struct xen_dm_op_set_irq_level *l = &op->u.set_irq_level;

		if (l->pad[0] || l->pad[1] || l->pad[2] || l->level > 1 || l->irq < 32 ||
		    l->irq >= EVTCHN_NR_PIRQS)
			return -EINVAL;
		if (l->level) {
			evtchn_send_pirq(t, l->irq);
			t->st.irq_raised++;
		}
		return 0;
	}
	}
	return -EOPNOTSUPP;
}

int64_t do_dm_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	domid_t domid = (domid_t)hc->args[0];
	unsigned int nr_bufs = (unsigned int)hc->args[1];
	struct xen_dm_op_buf buf;
	struct xen_dm_op op;
	struct domain *t;
	size_t need;
	bool out = false;
	int64_t rc;

	if (nr_bufs > 2)
		return -E2BIG;
	if (domid == DOMID_SELF || domid == d->id)
		return -EPERM; /* an emulator serves another domain */
	t = domain_by_id(hv, domid);
	if (!t || t->state == DOMS_dying)
		return -ESRCH;
	if (!domain_may_map(d, t))
		return -EPERM;
	if (nr_bufs < 1)
		return -ENODATA;
	if (copy_from_guest(d, &buf, hc->args[2], sizeof(buf)))
		return -EFAULT;
	memset(&op, 0, sizeof(op));
	if (buf.size < offsetof(struct xen_dm_op, u) ||
	    copy_from_guest(d, &op, buf.h, offsetof(struct xen_dm_op, u)))
		return -EFAULT;
	need = sub_op_size(op.op);
	if (!need)
		return -EOPNOTSUPP;
	need += offsetof(struct xen_dm_op, u);
	if (buf.size < need || copy_from_guest(d, &op, buf.h, need))
		return -EFAULT;
	if (op.pad)
		return -EINVAL;
	rc = run_op(d, t, &op, &out);
	if (rc || !out)
		return rc;
	if (copy_to_guest(d, buf.h, &op, need)) {
		if (op.op == XEN_DMOP_create_ioreq_server)
			(void)ioreq_server_destroy(d, t->id, op.u.create_ioreq_server.id);
		return -EFAULT;
	}
	return 0;
}
