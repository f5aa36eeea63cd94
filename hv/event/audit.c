/*
 * The event channels' part of the audit: evtchn_audit_refs() checks every
 * port of every domain against the invariants of evtchn.c and shared.c and
 * adds the page references this subsystem holds (registered vcpu_info
 * pages) to refs. It reads and never changes; hv_audit() calls it under
 * the hypervisor lock after every operation, failed ones too.
 */
#include <inttypes.h>

#include <hv/audit_report.h>
#include <hv/p2m.h>
#include <hv/page.h>

#include "event_priv.h"

#define efail(r, ...) audit_fail(r, __VA_ARGS__)

static int audit_port(struct audit_report *r, struct hv *hv, struct domain *d, uint32_t p)
{
	struct evtchn_domain *ed = evd(d);
	struct evtchn *c = &ed->ports[p];
	struct domain *rd;
	struct evtchn *rc;

	if (p == 0)
		return c->state == ECS_RESERVED && !c->xen ? 0
		       : efail(r, "d%u port 0 is not reserved (state %u)", d->id, c->state);
	if (c->state == ECS_RESERVED || c->state > ECS_PIRQ)
		return efail(r, "d%u port %u has invalid state %u", d->id, p, c->state);
	if (c->notify_vcpu >= d->nr_vcpus)
		return efail(r, "d%u port %u notifies missing vCPU %u", d->id, p, c->notify_vcpu);
	if (c->xen && c->state != ECS_UNBOUND && c->state != ECS_INTERDOMAIN)
		return efail(r, "d%u Xen-attached port %u in state %u", d->id, p, c->state);
	if (c->xen && !c->notify)
		return efail(r, "d%u Xen-attached port %u has no notifier", d->id, p);
	switch (c->state) {
	case ECS_FREE:
		if (c->xen || c->remote_dom || c->remote_port || c->virq || c->notify_vcpu)
			return efail(r, "d%u free port %u is not clean", d->id, p);
		break;
	case ECS_UNBOUND:
		/* Any domid may be named (Xen does not check it exists), but
		 * DOMID_SELF is resolved when the port is made. */
		if (c->remote_dom == DOMID_SELF)
			return efail(r, "d%u unbound port %u reserved for DOMID_SELF", d->id, p);
		break;
	case ECS_INTERDOMAIN:
		rd = domain_by_id(hv, c->remote_dom);
		if (!rd || rd->state == DOMS_dying || !evd(rd))
			return efail(r, "d%u port %u is connected to dead d%u", d->id, p,
				     c->remote_dom);
		if (d->state == DOMS_dying)
			return efail(r, "dying d%u still has interdomain port %u", d->id, p);
		if (!evtchn_port_valid(rd, c->remote_port))
			return efail(r, "d%u port %u names invalid d%u port %u", d->id, p, rd->id,
				     c->remote_port);
		rc = &evd(rd)->ports[c->remote_port];
		if (rc->state != ECS_INTERDOMAIN || rc->remote_dom != d->id ||
		    rc->remote_port != p)
			return efail(r, "d%u port %u -> d%u port %u is not mutual", d->id, p,
				     rd->id, c->remote_port);
		if (c->xen && rc->xen)
			return efail(r, "d%u port %u: both ends Xen-attached", d->id, p);
		break;
	case ECS_VIRQ:
		if (c->virq >= NR_VIRQS || ed->virq_port[c->notify_vcpu][c->virq] != p)
			return efail(r, "d%u VIRQ port %u (virq %u) missing from the VIRQ table",
				     d->id, p, c->virq);
		break;
	case ECS_PIRQ:
		if (c->virq >= EVTCHN_NR_PIRQS || ed->pirq_port[c->virq] != p || c->xen)
			return efail(r, "d%u PIRQ port %u (line %u) missing from the line table",
				     d->id, p, c->virq);
		break;
	default:
		break;
	}
	return 0;
}

static int audit_domain(struct audit_report *r, struct hv *hv, struct domain *d, uint32_t *refs)
{
	struct evtchn_domain *ed = evd(d);
	uint32_t nr_xen = 0;

	if (!ed)
		return efail(r, "d%u has no event channel state", d->id);
	if (d->nr_vcpus == 0 || d->nr_vcpus > DOMAIN_MAX_VCPUS)
		return efail(r, "d%u has %u vCPUs", d->id, d->nr_vcpus);
	{
		unsigned int up = 0;

		for (unsigned int i = 0; i < d->nr_vcpus; i++) {
			const struct vcpu *v = &d->vcpu[i];

			/* up needs a start state; vCPU 0's is the boot state */
			if ((v->up && !v->initialised) || (v->start_pending && (!v->initialised || !i)))
				return efail(r, "d%u vCPU %u: up %d, initialised %d, start pending %d",
					     d->id, i, v->up, v->initialised, v->start_pending);
			up += v->up;
		}
		/* the last vCPU going down stops the domain */
		if (d->state == DOMS_running && !up)
			return efail(r, "d%u runs with no vCPU up", d->id);
	}
	if (ed->max_ports > EVTCHN_2L_NR_PORTS || ed->nr_valid > ed->max_ports ||
	    ed->nr_valid == 0 || (ed->nr_valid % EVTCHN_BUCKET && ed->nr_valid != ed->max_ports))
		return efail(r, "d%u port table: %u valid, limit %u", d->id, ed->nr_valid,
			     ed->max_ports);
	for (uint32_t p = 0; p < ed->nr_valid; p++) {
		if (audit_port(r, hv, d, p))
			return -1;
		nr_xen += ed->ports[p].xen;
	}
	if (nr_xen != ed->nr_xen)
		return efail(r, "d%u has %u Xen-attached ports, counted %u", d->id, nr_xen,
			     ed->nr_xen);
	for (unsigned int v = 0; v < DOMAIN_MAX_VCPUS; v++)
		for (unsigned int q = 0; q < NR_VIRQS; q++) {
			uint32_t p = ed->virq_port[v][q];

			if (!p)
				continue;
			if (v >= d->nr_vcpus || p >= ed->nr_valid ||
			    ed->ports[p].state != ECS_VIRQ || ed->ports[p].virq != q ||
			    ed->ports[p].notify_vcpu != v)
				return efail(r, "d%u VIRQ %u on vCPU %u names port %u of another kind",
					     d->id, q, v, p);
		}
	for (unsigned int q = 0; q < EVTCHN_NR_PIRQS; q++) {
		uint32_t p = ed->pirq_port[q];

		if (p && (p >= ed->nr_valid || ed->ports[p].state != ECS_PIRQ ||
			  ed->ports[p].virq != q))
			return efail(r, "d%u line %u names port %u of another kind", d->id, q, p);
	}
	/* shared_info placement. */
	if (mfn_eq(ed->shinfo_mfn, INVALID_MFN)) {
		if (!ed->shinfo_host || (void *)ed->shinfo != ed->shinfo_host)
			return efail(r, "d%u shared_info is on no page", d->id);
	} else {
		struct page_info *pg = mfn_to_page(&hv->ft, ed->shinfo_mfn);

		if (ed->shinfo_host || (void *)ed->shinfo != frame_va(&hv->ft, ed->shinfo_mfn))
			return efail(r, "d%u shared_info pointer disagrees with its frame", d->id);
		if (!pg || pg->state != PGS_inuse || !(pg->flags & PGC_xen) ||
		    pg->owner != d->id || pg->count || pg->list != PGL_NONE)
			return efail(r, "d%u shared_info frame %" PRI_mfn " is not a shared "
				     "hypervisor frame", d->id, mfn_x(ed->shinfo_mfn));
	}
	/* Registered vcpu_info pages: one reference each, owned by d. */
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpu[i];
		struct page_info *pg;

		if (!v->vi_registered)
			continue;
		pg = mfn_to_page(&hv->ft, v->vi_mfn);
		if (d->state == DOMS_dying)
			return efail(r, "dying d%u still holds vcpu_info page of vCPU %u", d->id, i);
		if (!pg || pg->state != PGS_inuse || pg->owner != d->id || (pg->flags & PGC_xen))
			return efail(r, "d%u vCPU %u vcpu_info on mfn %" PRI_mfn " not its RAM",
				     d->id, i, mfn_x(v->vi_mfn));
		if (v->vi_offset % 8 || v->vi_offset > PAGE_SIZE - sizeof(struct vcpu_info))
			return efail(r, "d%u vCPU %u vcpu_info offset %u", d->id, i, v->vi_offset);
		refs[page_to_pdx(&hv->ft, pg)]++;
	}
	return 0;
}

int evtchn_audit_refs(struct hv *hv, uint32_t *refs, char *buf, size_t len)
{
	struct audit_report r = {.buf = buf, .len = len};

	for (struct domain *d = hv->domains; d; d = d->next)
		if (audit_domain(&r, hv, d, refs))
			return -1;
	return 0;
}
