/*
 * memvisor public ABI: event channels (__HYPERVISOR_event_channel_op, 32).
 *
 * event_channel_op(cmd, guest address of the sub-op's struct). Only the
 * 2-level ABI is implemented (docs/abi.md); the FIFO sub-op numbers are
 * listed so that a guest probing for them gets a defined answer.
 * Numbers and x86-64 layouts follow Xen's public interface; written for
 * memvisor from the published facts, not from Xen's header text.
 */
#ifndef MEMVISOR_PUBLIC_EVENT_CHANNEL_H
#define MEMVISOR_PUBLIC_EVENT_CHANNEL_H

#include "xen.h"

/* evtchn_port_t: xen.h */

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_bind_pirq 2
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi 7
#define EVTCHNOP_bind_vcpu 8
#define EVTCHNOP_unmask 9
#define EVTCHNOP_reset 10
#define EVTCHNOP_init_control 11 /* FIFO ABI only */
#define EVTCHNOP_expand_array 12 /* FIFO ABI only */
#define EVTCHNOP_set_priority 13 /* FIFO ABI only */

/* A new unbound port in `dom` that only `remote_dom` may bind. */
struct evtchn_alloc_unbound {
	domid_t dom, remote_dom; /* IN (DOMID_SELF allowed) */
	evtchn_port_t port;      /* OUT */
};
typedef struct evtchn_alloc_unbound evtchn_alloc_unbound_t;

/* Connect a new local port to remote_dom's unbound port remote_port. */
struct evtchn_bind_interdomain {
	domid_t remote_dom;        /* IN */
	evtchn_port_t remote_port; /* IN */
	evtchn_port_t local_port;  /* OUT */
};
typedef struct evtchn_bind_interdomain evtchn_bind_interdomain_t;

struct evtchn_bind_virq {
	uint32_t virq;      /* IN: VIRQ_* */
	uint32_t vcpu;      /* IN */
	evtchn_port_t port; /* OUT */
};
typedef struct evtchn_bind_virq evtchn_bind_virq_t;

struct evtchn_bind_pirq {
	uint32_t pirq;
	uint32_t flags;
	evtchn_port_t port;
};
typedef struct evtchn_bind_pirq evtchn_bind_pirq_t;

struct evtchn_bind_ipi {
	uint32_t vcpu;      /* IN */
	evtchn_port_t port; /* OUT */
};
typedef struct evtchn_bind_ipi evtchn_bind_ipi_t;

struct evtchn_close {
	evtchn_port_t port;
};
typedef struct evtchn_close evtchn_close_t;

struct evtchn_send {
	evtchn_port_t port;
};
typedef struct evtchn_send evtchn_send_t;

/* EVTCHNOP_status results. */
#define EVTCHNSTAT_closed 0
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq 3
#define EVTCHNSTAT_virq 4
#define EVTCHNSTAT_ipi 5

struct evtchn_status {
	domid_t dom;        /* IN (DOMID_SELF allowed) */
	evtchn_port_t port; /* IN */
	uint32_t status;    /* OUT: EVTCHNSTAT_* */
	uint32_t vcpu;      /* OUT: the vCPU notified */
	union {
		struct {
			domid_t dom; /* who may bind */
		} unbound;
		struct {
			domid_t dom;
			evtchn_port_t port;
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u;
};
typedef struct evtchn_status evtchn_status_t;

struct evtchn_bind_vcpu {
	evtchn_port_t port;
	uint32_t vcpu;
};
typedef struct evtchn_bind_vcpu evtchn_bind_vcpu_t;

struct evtchn_unmask {
	evtchn_port_t port;
};
typedef struct evtchn_unmask evtchn_unmask_t;

struct evtchn_reset {
	domid_t dom; /* IN (DOMID_SELF allowed) */
};
typedef struct evtchn_reset evtchn_reset_t;

struct evtchn_init_control {
	uint64_t control_gfn;
	uint32_t offset;
	uint32_t vcpu;
	uint8_t link_bits;
	uint8_t _pad[7];
};
typedef struct evtchn_init_control evtchn_init_control_t;

_Static_assert(sizeof(evtchn_port_t) == 4, "evtchn_port_t");
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "alloc_unbound size");
_Static_assert(offsetof(struct evtchn_alloc_unbound, dom) == 0, "alloc_unbound.dom");
_Static_assert(offsetof(struct evtchn_alloc_unbound, remote_dom) == 2, "alloc_unbound.remote_dom");
_Static_assert(offsetof(struct evtchn_alloc_unbound, port) == 4, "alloc_unbound.port");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "bind_interdomain size");
_Static_assert(offsetof(struct evtchn_bind_interdomain, remote_dom) == 0, "bind_interdomain.rd");
_Static_assert(offsetof(struct evtchn_bind_interdomain, remote_port) == 4, "bind_interdomain.rp");
_Static_assert(offsetof(struct evtchn_bind_interdomain, local_port) == 8, "bind_interdomain.lp");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "bind_virq size");
_Static_assert(offsetof(struct evtchn_bind_virq, vcpu) == 4, "bind_virq.vcpu");
_Static_assert(offsetof(struct evtchn_bind_virq, port) == 8, "bind_virq.port");
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "bind_ipi size");
_Static_assert(offsetof(struct evtchn_bind_ipi, port) == 4, "bind_ipi.port");
_Static_assert(sizeof(struct evtchn_close) == 4, "close size");
_Static_assert(sizeof(struct evtchn_send) == 4, "send size");
_Static_assert(sizeof(struct evtchn_unmask) == 4, "unmask size");
_Static_assert(sizeof(struct evtchn_status) == 24, "status size");
_Static_assert(offsetof(struct evtchn_status, port) == 4, "status.port");
_Static_assert(offsetof(struct evtchn_status, status) == 8, "status.status");
_Static_assert(offsetof(struct evtchn_status, vcpu) == 12, "status.vcpu");
_Static_assert(offsetof(struct evtchn_status, u) == 16, "status.u");
_Static_assert(offsetof(struct evtchn_status, u.unbound.dom) == 16, "status.u.unbound.dom");
_Static_assert(offsetof(struct evtchn_status, u.interdomain.dom) == 16, "status.u.interdomain.dom");
_Static_assert(offsetof(struct evtchn_status, u.interdomain.port) == 20,
	       "status.u.interdomain.port");
_Static_assert(offsetof(struct evtchn_status, u.virq) == 16, "status.u.virq");
_Static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "bind_vcpu size");
_Static_assert(offsetof(struct evtchn_bind_vcpu, vcpu) == 4, "bind_vcpu.vcpu");
_Static_assert(sizeof(struct evtchn_reset) == 2, "reset size");
_Static_assert(sizeof(struct evtchn_init_control) == 24, "init_control size");
_Static_assert(offsetof(struct evtchn_init_control, offset) == 8, "init_control.offset");
_Static_assert(offsetof(struct evtchn_init_control, vcpu) == 12, "init_control.vcpu");
_Static_assert(offsetof(struct evtchn_init_control, link_bits) == 16, "init_control.link_bits");

#endif /* MEMVISOR_PUBLIC_EVENT_CHANNEL_H */
