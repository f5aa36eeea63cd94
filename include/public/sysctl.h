/*
 * memvisor public ABI: sysctl hypercall (x86-64 layout).
 *
 * The sysctl envelope and the two sysctls memvisor knows: physinfo and
 * getdomaininfolist. Names, numbers and layouts follow Xen's public
 * interface at XEN_SYSCTL_INTERFACE_VERSION 0x16. One documented memvisor
 * extension reuses physinfo's padding word for gpaddr_bits without changing
 * the layout (see below and docs/abi.md). Written for memvisor from the
 * published facts, not from Xen's header text.
 *
 * Self-contained: needs only <stdint.h> and <stddef.h> (through xen.h).
 */
#ifndef MEMVISOR_PUBLIC_SYSCTL_H
#define MEMVISOR_PUBLIC_SYSCTL_H

#include "xen.h"

/* The caller must put exactly this value in xen_sysctl.interface_version. */
#define XEN_SYSCTL_INTERFACE_VERSION 0x00000016

#define XEN_SYSCTL_physinfo 3
#define XEN_SYSCTL_getdomaininfolist 6

/* xen_sysctl_physinfo.capabilities */
#define XEN_SYSCTL_PHYSCAP_hvm (1U << 0)
#define XEN_SYSCTL_PHYSCAP_pv (1U << 1)
#define XEN_SYSCTL_PHYSCAP_directio (1U << 2)
#define XEN_SYSCTL_PHYSCAP_hap (1U << 3)
#define XEN_SYSCTL_PHYSCAP_shadow (1U << 4)
#define XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share (1U << 5)
#define XEN_SYSCTL_PHYSCAP_vmtrace (1U << 6)
#define XEN_SYSCTL_PHYSCAP_vpmu (1U << 7)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1 (1U << 8)
#define XEN_SYSCTL_PHYSCAP_gnttab_v2 (1U << 9)
#define XEN_SYSCTL_PHYSCAP_MAX XEN_SYSCTL_PHYSCAP_gnttab_v2

/* xen_sysctl_physinfo.arch_capabilities on x86 */
#define XEN_SYSCTL_PHYSCAP_X86_ASSISTED_XAPIC (1U << 0)
#define XEN_SYSCTL_PHYSCAP_X86_ASSISTED_X2APIC (1U << 1)
#define XEN_SYSCTL_PHYSCAP_X86_MAX XEN_SYSCTL_PHYSCAP_X86_ASSISTED_X2APIC
/* xen_sysctl_physinfo.arch_capabilities on Arm: SVE vector-length field */
#define XEN_SYSCTL_PHYSCAP_ARM_SVE_MASK 0x1FU

/*
 * Set when these headers describe the memvisor gpaddr_bits extension of
 * physinfo, so portable tools can test for it at build time.
 */
#define MEMVISOR_SYSCTL_PHYSINFO_GPADDR_BITS 1

struct xen_sysctl_physinfo {
	uint32_t threads_per_core;
	uint32_t cores_per_socket;
	uint32_t nr_cpus;     /* CPUs currently online */
	uint32_t max_cpu_id;  /* largest possible CPU id */
	uint32_t nr_nodes;    /* NUMA nodes currently online */
	uint32_t max_node_id; /* largest possible node id */
	uint32_t cpu_khz;
	uint32_t capabilities;	    /* XEN_SYSCTL_PHYSCAP_* */
	uint32_t arch_capabilities; /* XEN_SYSCTL_PHYSCAP_{X86,ARM}_* */
	/*
	 * Upstream Xen has a padding word here. memvisor fills it with the
	 * guest physical address width (in bits) that new domains get, which
	 * is what the extended-regions series first proposed for physinfo.
	 * Upstream instead reports gpaddr_bits per domain in
	 * xen_domctl_getdomaininfo.gpaddr_bits; that stays the authoritative
	 * place. Readers must treat 0 as "not reported" (upstream Xen).
	 */
	union {
		uint32_t pad;
		uint32_t gpaddr_bits;
	};
	uint64_t total_pages;
	uint64_t free_pages;
	uint64_t scrub_pages;
	uint64_t outstanding_pages;
	uint64_t max_mfn; /* largest possible MFN on this host */
	uint32_t hw_cap[8];
};
typedef struct xen_sysctl_physinfo xen_sysctl_physinfo_t;

/*
 * Fills buffer with up to max_domains struct xen_domctl_getdomaininfo
 * (domctl.h) for the domains with id >= first_domain, in id order.
 */
struct xen_sysctl_getdomaininfolist {
	domid_t first_domain;					/* IN */
	uint32_t max_domains;					/* IN: capacity of buffer */
	XEN_GUEST_HANDLE_64(xen_domctl_getdomaininfo_t) buffer; /* OUT */
	uint32_t num_domains;					/* OUT: entries written */
};
typedef struct xen_sysctl_getdomaininfolist xen_sysctl_getdomaininfolist_t;

struct xen_sysctl {
	uint32_t cmd;		    /* XEN_SYSCTL_* */
	uint32_t interface_version; /* XEN_SYSCTL_INTERFACE_VERSION */
	union {
		struct xen_sysctl_physinfo physinfo;
		struct xen_sysctl_getdomaininfolist getdomaininfolist;
		uint8_t pad[128]; /* fixes the size for every sysctl */
	} u;
};
typedef struct xen_sysctl xen_sysctl_t;

_Static_assert(sizeof(struct xen_sysctl_physinfo) == 112, "xen_sysctl_physinfo size");
_Static_assert(offsetof(struct xen_sysctl_physinfo, threads_per_core) == 0,
	       "physinfo.threads_per_core");
_Static_assert(offsetof(struct xen_sysctl_physinfo, cores_per_socket) == 4,
	       "physinfo.cores_per_socket");
_Static_assert(offsetof(struct xen_sysctl_physinfo, nr_cpus) == 8, "physinfo.nr_cpus");
_Static_assert(offsetof(struct xen_sysctl_physinfo, max_cpu_id) == 12, "physinfo.max_cpu_id");
_Static_assert(offsetof(struct xen_sysctl_physinfo, nr_nodes) == 16, "physinfo.nr_nodes");
_Static_assert(offsetof(struct xen_sysctl_physinfo, max_node_id) == 20, "physinfo.max_node_id");
_Static_assert(offsetof(struct xen_sysctl_physinfo, cpu_khz) == 24, "physinfo.cpu_khz");
_Static_assert(offsetof(struct xen_sysctl_physinfo, capabilities) == 28, "physinfo.capabilities");
_Static_assert(offsetof(struct xen_sysctl_physinfo, arch_capabilities) == 32,
	       "physinfo.arch_capabilities");
_Static_assert(offsetof(struct xen_sysctl_physinfo, pad) == 36, "physinfo.pad");
_Static_assert(offsetof(struct xen_sysctl_physinfo, gpaddr_bits) == 36, "physinfo.gpaddr_bits");
_Static_assert(offsetof(struct xen_sysctl_physinfo, total_pages) == 40, "physinfo.total_pages");
_Static_assert(offsetof(struct xen_sysctl_physinfo, free_pages) == 48, "physinfo.free_pages");
_Static_assert(offsetof(struct xen_sysctl_physinfo, scrub_pages) == 56, "physinfo.scrub_pages");
_Static_assert(offsetof(struct xen_sysctl_physinfo, outstanding_pages) == 64,
	       "physinfo.outstanding_pages");
_Static_assert(offsetof(struct xen_sysctl_physinfo, max_mfn) == 72, "physinfo.max_mfn");
_Static_assert(offsetof(struct xen_sysctl_physinfo, hw_cap) == 80, "physinfo.hw_cap");

_Static_assert(sizeof(struct xen_sysctl_getdomaininfolist) == 24,
	       "xen_sysctl_getdomaininfolist size");
_Static_assert(offsetof(struct xen_sysctl_getdomaininfolist, first_domain) == 0,
	       "getdomaininfolist.first_domain");
_Static_assert(offsetof(struct xen_sysctl_getdomaininfolist, max_domains) == 4,
	       "getdomaininfolist.max_domains");
_Static_assert(offsetof(struct xen_sysctl_getdomaininfolist, buffer) == 8,
	       "getdomaininfolist.buffer");
_Static_assert(offsetof(struct xen_sysctl_getdomaininfolist, num_domains) == 16,
	       "getdomaininfolist.num_domains");

_Static_assert(sizeof(struct xen_sysctl) == 136, "xen_sysctl size");
_Static_assert(offsetof(struct xen_sysctl, cmd) == 0, "sysctl.cmd");
_Static_assert(offsetof(struct xen_sysctl, interface_version) == 4, "sysctl.interface_version");
_Static_assert(offsetof(struct xen_sysctl, u) == 8, "sysctl.u");

#endif /* MEMVISOR_PUBLIC_SYSCTL_H */
