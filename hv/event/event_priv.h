/*
 * Private to hv/event/: the port table and the helpers the files share.
 * Design and invariants: evtchn.c (ports), shared.c (shared_info,
 * vcpu_info, time), sched.c (blocking and delivery).
 */
#ifndef HV_EVENT_PRIV_H
#define HV_EVENT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/event.h>
#include <hv/hv.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/xen.h>

/* Ports of the 2-level ABI with a 64-bit shared_info: 64 words of 64 bits. */
#define EVTCHN_2L_NR_PORTS 4096u
/* Ports become valid in buckets of this many (Xen's bucket for 64-bit). */
#define EVTCHN_BUCKET 64u
/*
 * Default per-domain limit: ports 0..1023 (max_evtchn_port 1023), what
 * libxl gives a guest by default (`event_channels` = 1023). Privileged
 * domains get the 2-level ABI's whole space, as Xen's Dom0 (-1).
 */
#define EVTCHN_DEFAULT_MAX_PORT 1023u

enum evtchn_state {
	ECS_FREE = 0,
	ECS_RESERVED,    /* port 0: never handed out */
	ECS_UNBOUND,     /* waiting for remote_dom to bind */
	ECS_INTERDOMAIN, /* connected to remote_dom:remote_port */
	ECS_VIRQ,
	ECS_IPI,
	ECS_PIRQ,        /* a device interrupt line (dm_op set_irq_level) */
};

struct evtchn {
	uint8_t state;       /* enum evtchn_state */
	bool xen;            /* Xen-attached: the hypervisor consumes it */
	uint16_t notify_vcpu; /* target vCPU of pending marks */
	domid_t remote_dom;  /* UNBOUND: who may bind; INTERDOMAIN: the peer */
	uint32_t remote_port; /* INTERDOMAIN */
	uint32_t virq;        /* VIRQ; PIRQ: the line */
	evtchn_xen_notify_t notify; /* xen: called when the peer sends */
	void *notify_ctx;
};

struct evtchn_domain {
	struct evtchn *ports; /* nr_valid entries */
	uint32_t nr_valid;    /* ports below this exist (a multiple of EVTCHN_BUCKET) */
	uint32_t max_ports;   /* limit: max_evtchn_port + 1, at most 4096 */
	uint32_t nr_xen;      /* Xen-attached ports in use */
	/* Port bound to each VIRQ per vCPU, 0 = none. */
	uint32_t virq_port[DOMAIN_MAX_VCPUS][NR_VIRQS];
	/* Port bound to each device interrupt line (EVTCHNOP_bind_pirq), 0 = none. */
	uint32_t pirq_port[EVTCHN_NR_PIRQS];

	/* shared_info: the host page until the guest maps it, then a heap
	 * frame (PGC_xen, owner d, count 0) mapped at shinfo_gfn. */
	struct shared_info *shinfo;
	void *shinfo_host;
	mfn_t shinfo_mfn;  /* INVALID_MFN while on the host page */
	gfn_t shinfo_gfn;  /* where the guest last put it (a hint: re-checked) */

	uint64_t params[HVM_NR_PARAMS];
};

/* evtchn.c */
static inline struct evtchn_domain *evd(const struct domain *d) { return d->evtchn; }
bool evtchn_port_valid(const struct domain *d, uint32_t port);
struct evtchn *evtchn_port(const struct domain *d, uint32_t port);
/* Marks port of d pending in Xen's 2-level order (evtchn.c). */
void evtchn_set_pending(struct domain *d, uint32_t port);
bool evtchn_is_pending(const struct domain *d, uint32_t port);
void evtchn_close_all(struct domain *d, bool keep_xen);

/* shared.c */
struct vcpu_info *evtchn_vcpu_info(const struct domain *d, const struct vcpu *v);
int evtchn_shared_init(struct domain *d);
void evtchn_shared_destroy(struct domain *d); /* drops vcpu_info page refs */
void evtchn_shared_free(struct domain *d);
void evtchn_update_time(struct domain *d, struct vcpu *v);
int64_t evtchn_register_vcpu_info(struct domain *d, struct vcpu *v, uint64_t arg);

/* sched.c */
/* vcpu_info upcall_pending 0->1 happened on v: deliver / wake. */
void evtchn_vcpu_mark_pending(struct domain *d, struct vcpu *v);
/* The upcall of v would be taken now (flag set and a vector callback). */
bool evtchn_upcall_deliverable(const struct domain *d, const struct vcpu *v);
/* Port of d became pending: wake vCPUs of d polling it. */
void evtchn_check_pollers(struct domain *d, uint32_t port);
void evtchn_wake_vcpu(struct vcpu *v);
/* The backend's vcpu_kick for v (the transport takes it out of guest code). */
void evtchn_kick_vcpu(struct domain *d, struct vcpu *v);
/* A callback (CALLBACK_IRQ or per-vCPU vector) was set on v. */
void evtchn_vcpu_callback_changed(struct domain *d, struct vcpu *v);
int evtchn_vcpus_init(struct domain *d);
void evtchn_vcpus_free(struct domain *d);

/* Release of the presented Xen, as 0x000MMmmm (hv->xen_version). */
static inline bool evtchn_release_at_least(const struct hv *hv, unsigned int minor)
{
	return hv->xen_version >= ((4u << 16) | minor);
}

#endif
