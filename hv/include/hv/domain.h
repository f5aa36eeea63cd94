/*
 * Lifecycle of the hypervisor instance and its domains: the one layer that
 * sets every subsystem up and tears every subsystem down, so it sits above
 * them (dom/ in scripts/check-imports.py's LAYERS). struct domain itself,
 * its invariants and the domain registry (domain_by_id, ...) are in hv.h,
 * below every subsystem, which all work on domains.
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <hv/hv.h>

struct domain_config {
	const char *name;
	uint32_t flags;
	uint64_t max_pages;
	unsigned int gpaddr_bits; /* 0: the hypervisor default */
	int domid;                /* -1: next free */
	/* Limits from XEN_DOMCTL_createdomain (0: the defaults). */
	unsigned int gnttab_max_frames; /* grant-table frames */
	unsigned int evtchn_max_ports;	/* event-channel ports (highest + 1) */
	/* Made by the toolstack: starts paused (domain.pause_count 1). */
	bool toolstack;
};

/* Creates a domain (no memory yet). Returns it, or NULL with *err = -errno. */
struct domain *domain_create(struct hv *hv, const struct domain_config *cfg, int *err);
/* Releases every page and removes the domain. Pages still referenced by
 * others (foreign/grant maps) stay allocated until their last reference. */
void domain_destroy(struct domain *d);
/* Frees the domain structure once a dying domain owns no frames. */
void domain_finalise(struct domain *d);

int hv_init(struct hv *hv, const struct hv_config *cfg);
/* Destroys every domain (forcibly, ignoring outside references) and frees all. */
void hv_destroy(struct hv *hv);

#endif
