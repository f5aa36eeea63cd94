/*
 * The domain registry: finding a domain by id and the rules of who may
 * reach whose memory. Declared in hv.h so that every subsystem, mm/
 * included, can look domains up without including the lifecycle (dom/,
 * above them). Works on hv->domains, which only dom/ changes.
 */
#include <errno.h>

#include <hv/hv.h>
#include <public/xen.h>

struct domain *domain_by_id(struct hv *hv, domid_t id)
{
	for (struct domain *d = hv->domains; d; d = d->next)
		if (d->id == id)
			return d;
	return NULL;
}

bool domain_may_map(const struct domain *d, const struct domain *target)
{
	if (d == target || (d->flags & DOMF_privileged))
		return true;
	for (unsigned int i = 0; i < d->nr_targets; i++)
		if (d->targets[i] == target->id)
			return true;
	return false;
}

struct domain *domain_hcall_target(struct domain *caller, domid_t id, int *err)
{
	struct domain *t;

	if (id == DOMID_SELF || id == caller->id)
		return caller;
	t = domain_by_id(caller->hv, id);
	if (!t || t->state == DOMS_dying) {
		*err = -ESRCH;
		return NULL;
	}
	if (!(caller->flags & DOMF_privileged)) {
		*err = -EPERM;
		return NULL;
	}
	return t;
}
