/*
 * memvisor public ABI: domctl hypercall (x86-64 layout).
 *
 * The domctl envelope and XEN_DOMCTL_getdomaininfo, the one domctl memvisor
 * implements. Names, numbers and layouts follow Xen's public interface; the
 * getdomaininfo layout is the one with gpaddr_bits (Xen 4.16 and later).
 * Written for memvisor from the published facts (docs/abi.md), not from
 * Xen's header text.
 *
 * Self-contained: needs only <stdint.h> and <stddef.h> (through xen.h).
 */
#ifndef MEMVISOR_PUBLIC_DOMCTL_H
#define MEMVISOR_PUBLIC_DOMCTL_H

#include "xen.h"

/*
 * The caller must put exactly this value in xen_domctl.interface_version.
 * 0x18 is the value of Xen 4.22 and later; Xen 4.21 used 0x17 with the same
 * getdomaininfo layout (see docs/abi.md).
 */
#define XEN_DOMCTL_INTERFACE_VERSION 0x00000018

#define XEN_DOMCTL_getdomaininfo 5

/* x86 per-domain architecture configuration. */
struct xen_arch_domainconfig {
	uint32_t emulation_flags; /* devices the hypervisor emulates */
	uint32_t misc_flags;	  /* XEN_X86_MSR_RELAXED ... */
};
#define XEN_X86_MSR_RELAXED (1U << 0)

/* XEN_DOMCTL_getdomaininfo: everything OUT; domctl.domain selects. */
struct xen_domctl_getdomaininfo {
	domid_t domain; /* the domain described (echoed in domctl.domain) */
	uint16_t pad1;
	uint32_t flags;		    /* XEN_DOMINF_* */
	uint64_t tot_pages;	    /* pages currently owned */
	uint64_t max_pages;	    /* ownership limit */
	uint64_t outstanding_pages; /* claimed but not yet allocated */
	uint64_t shr_pages;	    /* pages shared copy-on-write */
	uint64_t paged_pages;	    /* pages paged out */
	uint64_t shared_info_frame; /* GMFN of the shared info page */
	uint64_t cpu_time;	    /* ns of CPU time used */
	uint32_t nr_online_vcpus;
	uint32_t max_vcpu_id; /* XEN_INVALID_MAX_VCPU_ID if no vCPUs */
	uint32_t ssidref;
	xen_domain_handle_t handle; /* toolstack-set UUID */
	uint32_t cpupool;
	uint8_t gpaddr_bits; /* guest physical address width */
	uint8_t pad2[7];     /* zero; reserved for future fields */
	struct xen_arch_domainconfig arch_config;
};
typedef struct xen_domctl_getdomaininfo xen_domctl_getdomaininfo_t;

/* xen_domctl_getdomaininfo.flags */
#define _XEN_DOMINF_dying 0 /* being destroyed */
#define XEN_DOMINF_dying (1U << _XEN_DOMINF_dying)
#define _XEN_DOMINF_hvm_guest 1 /* HVM (translated) guest */
#define XEN_DOMINF_hvm_guest (1U << _XEN_DOMINF_hvm_guest)
#define _XEN_DOMINF_shutdown 2 /* guest has shut down */
#define XEN_DOMINF_shutdown (1U << _XEN_DOMINF_shutdown)
#define _XEN_DOMINF_paused 3 /* paused by the toolstack */
#define XEN_DOMINF_paused (1U << _XEN_DOMINF_paused)
#define _XEN_DOMINF_blocked 4 /* all vCPUs blocked */
#define XEN_DOMINF_blocked (1U << _XEN_DOMINF_blocked)
#define _XEN_DOMINF_running 5 /* some vCPU running */
#define XEN_DOMINF_running (1U << _XEN_DOMINF_running)
#define _XEN_DOMINF_debugged 6
#define XEN_DOMINF_debugged (1U << _XEN_DOMINF_debugged)
#define _XEN_DOMINF_xs_domain 7 /* the xenstore domain */
#define XEN_DOMINF_xs_domain (1U << _XEN_DOMINF_xs_domain)
#define _XEN_DOMINF_hap 8 /* hardware-assisted paging */
#define XEN_DOMINF_hap (1U << _XEN_DOMINF_hap)
/* With XEN_DOMINF_shutdown: the SHUTDOWN_* reason in bits 16-23. */
#define XEN_DOMINF_shutdownshift 16
#define XEN_DOMINF_shutdownmask 255

#define XEN_INVALID_MAX_VCPU_ID (~0U)

struct xen_domctl {
	uint32_t cmd;		    /* XEN_DOMCTL_* */
	uint32_t interface_version; /* XEN_DOMCTL_INTERFACE_VERSION */
	domid_t domain;		    /* target domain */
	uint16_t _pad[3];
	union {
		struct xen_domctl_getdomaininfo getdomaininfo;
		uint8_t pad[128]; /* fixes the size for every domctl */
	} u;
};
typedef struct xen_domctl xen_domctl_t;

_Static_assert(sizeof(struct xen_arch_domainconfig) == 8, "xen_arch_domainconfig size");
_Static_assert(offsetof(struct xen_arch_domainconfig, emulation_flags) == 0,
	       "arch_domainconfig.emulation_flags");
_Static_assert(offsetof(struct xen_arch_domainconfig, misc_flags) == 4,
	       "arch_domainconfig.misc_flags");

_Static_assert(sizeof(struct xen_domctl_getdomaininfo) == 112, "xen_domctl_getdomaininfo size");
_Static_assert(_Alignof(struct xen_domctl_getdomaininfo) == 8, "getdomaininfo align");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, domain) == 0, "getdomaininfo.domain");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, pad1) == 2, "getdomaininfo.pad1");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, flags) == 4, "getdomaininfo.flags");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, tot_pages) == 8,
	       "getdomaininfo.tot_pages");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, max_pages) == 16,
	       "getdomaininfo.max_pages");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, outstanding_pages) == 24,
	       "getdomaininfo.outstanding_pages");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, shr_pages) == 32,
	       "getdomaininfo.shr_pages");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, paged_pages) == 40,
	       "getdomaininfo.paged_pages");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, shared_info_frame) == 48,
	       "getdomaininfo.shared_info_frame");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, cpu_time) == 56, "getdomaininfo.cpu_time");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, nr_online_vcpus) == 64,
	       "getdomaininfo.nr_online_vcpus");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, max_vcpu_id) == 68,
	       "getdomaininfo.max_vcpu_id");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, ssidref) == 72, "getdomaininfo.ssidref");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, handle) == 76, "getdomaininfo.handle");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, cpupool) == 92, "getdomaininfo.cpupool");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, gpaddr_bits) == 96,
	       "getdomaininfo.gpaddr_bits");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, pad2) == 97, "getdomaininfo.pad2");
_Static_assert(offsetof(struct xen_domctl_getdomaininfo, arch_config) == 104,
	       "getdomaininfo.arch_config");

_Static_assert(sizeof(struct xen_domctl) == 144, "xen_domctl size");
_Static_assert(offsetof(struct xen_domctl, cmd) == 0, "domctl.cmd");
_Static_assert(offsetof(struct xen_domctl, interface_version) == 4, "domctl.interface_version");
_Static_assert(offsetof(struct xen_domctl, domain) == 8, "domctl.domain");
_Static_assert(offsetof(struct xen_domctl, _pad) == 10, "domctl._pad");
_Static_assert(offsetof(struct xen_domctl, u) == 16, "domctl.u");

#endif /* MEMVISOR_PUBLIC_DOMCTL_H */
