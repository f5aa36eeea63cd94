/*
 * memvisor public ABI: domctl hypercall (x86-64 layout).
 *
 * The domctl envelope and the domain-control sub-ops memvisor implements
 * (docs/abi.md, docs/toolstack.md): createdomain, destroydomain,
 * pause/unpausedomain, getdomaininfo, max_mem, max_vcpus and get/
 * sethvmcontext. Names, numbers and layouts follow Xen's public interface;
 * the getdomaininfo layout is the one with gpaddr_bits (Xen 4.16 and
 * later). createdomain's payload changed twice between the releases
 * memvisor presents, so all three layouts are here (the one the presented
 * release's interface version selects is the one read).
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

#define XEN_DOMCTL_createdomain 1
#define XEN_DOMCTL_destroydomain 2
#define XEN_DOMCTL_pausedomain 3
#define XEN_DOMCTL_unpausedomain 4
#define XEN_DOMCTL_getdomaininfo 5
#define XEN_DOMCTL_max_mem 11
#define XEN_DOMCTL_max_vcpus 15
#define XEN_DOMCTL_gethvmcontext 33
#define XEN_DOMCTL_sethvmcontext 34

/* x86 per-domain architecture configuration. */
struct xen_arch_domainconfig {
	uint32_t emulation_flags; /* devices the hypervisor emulates */
	uint32_t misc_flags;	  /* XEN_X86_MSR_RELAXED ... */
};
#define XEN_X86_MSR_RELAXED (1U << 0)

/* xen_arch_domainconfig.emulation_flags: what Xen emulates for an x86 domain. */
#define XEN_X86_EMU_LAPIC (1U << 0)
#define XEN_X86_EMU_HPET (1U << 1)
#define XEN_X86_EMU_PM (1U << 2)
#define XEN_X86_EMU_RTC (1U << 3)
#define XEN_X86_EMU_IOAPIC (1U << 4)
#define XEN_X86_EMU_PIC (1U << 5)
#define XEN_X86_EMU_VGA (1U << 6)
#define XEN_X86_EMU_IOMMU (1U << 7)
#define XEN_X86_EMU_PIT (1U << 8)
#define XEN_X86_EMU_USE_PIRQ (1U << 9)
#define XEN_X86_EMU_VPCI (1U << 10)
#define XEN_X86_EMU_ALL 0x7FFU

/* xen_domctl_createdomain.flags */
#define XEN_DOMCTL_CDF_hvm (1U << 0)	      /* HVM (translated) guest */
#define XEN_DOMCTL_CDF_hap (1U << 1)	      /* hardware-assisted paging */
#define XEN_DOMCTL_CDF_s3_integrity (1U << 2) /* tboot memory integrity */
#define XEN_DOMCTL_CDF_oos_off (1U << 3)      /* no out-of-sync shadows */
#define XEN_DOMCTL_CDF_xs_domain (1U << 4)    /* the xenstore domain */
#define XEN_DOMCTL_CDF_iommu (1U << 5)	      /* may use the IOMMU */
#define XEN_DOMCTL_CDF_nested_virt (1U << 6)
#define XEN_DOMCTL_CDF_vpmu (1U << 7)
/* Xen 4.21 and later (an unknown flag before, refused the same way). */
#define XEN_DOMCTL_CDF_trap_unmapped_accesses (1U << 8)

/* xen_domctl_createdomain.iommu_opts */
#define XEN_DOMCTL_IOMMU_no_sharept (1U << 0)

/* xen_domctl_createdomain.grant_opts: the highest grant version allowed. */
#define XEN_DOMCTL_GRANT_version_mask 0xfU
#define XEN_DOMCTL_GRANT_version(v) ((v) & XEN_DOMCTL_GRANT_version_mask)

/* xen_domctl_createdomain.altp2m(.opts): the mode in bits 0-1. */
#define XEN_DOMCTL_ALTP2M_mixed 1U
#define XEN_DOMCTL_ALTP2M_external 2U
#define XEN_DOMCTL_ALTP2M_limited 3U
#define XEN_DOMCTL_ALTP2M_mode_mask 0x3U

/*
 * XEN_DOMCTL_createdomain, interface versions 0x17 (4.19-4.21) and 0x18
 * (4.22): all IN. domctl.domain is IN/OUT: the id wanted (which ids mean
 * "any free one" depends on the release, see docs/toolstack.md), and the id
 * given on success. 4.19 and 4.20 name the altp2m word `altp2m_opts` (one
 * u32); 4.21 split it into opts and nr (u16 each) - same place, same size.
 */
struct xen_domctl_createdomain {
	uint32_t ssidref;	    /* XSM label (ignored: no XSM) */
	xen_domain_handle_t handle; /* toolstack's UUID, echoed by getdomaininfo */
	uint32_t flags;		    /* XEN_DOMCTL_CDF_* */
	uint32_t iommu_opts;	    /* XEN_DOMCTL_IOMMU_* (needs CDF_iommu) */
	uint32_t max_vcpus;	    /* >= 1 */
	uint32_t max_evtchn_port;   /* highest event-channel port allowed */
	int32_t max_grant_frames;   /* < 0: the hypervisor's default */
	int32_t max_maptrack_frames; /* < 0: the hypervisor's default */
	uint32_t grant_opts;	    /* XEN_DOMCTL_GRANT_version(v) */
	struct {
		uint16_t opts; /* XEN_DOMCTL_ALTP2M_* */
		uint16_t nr;
	} altp2m;
	uint32_t vmtrace_size; /* per-vCPU trace buffer bytes, 0: none */
	uint32_t cpupool_id;   /* 0: the default pool */
	struct xen_arch_domainconfig arch;
};

/* The same call at interface versions 0x15 (4.17) and 0x16 (4.18): no altp2m word. */
struct xen_domctl_createdomain_v15 {
	uint32_t ssidref;
	xen_domain_handle_t handle;
	uint32_t flags;
	uint32_t iommu_opts;
	uint32_t max_vcpus;
	uint32_t max_evtchn_port;
	int32_t max_grant_frames;
	int32_t max_maptrack_frames;
	uint32_t grant_opts;
	uint32_t vmtrace_size;
	uint32_t cpupool_id;
	struct xen_arch_domainconfig arch;
};

/* The same call at interface version 0x14 (4.16): no cpupool either. */
struct xen_domctl_createdomain_v14 {
	uint32_t ssidref;
	xen_domain_handle_t handle;
	uint32_t flags;
	uint32_t iommu_opts;
	uint32_t max_vcpus;
	uint32_t max_evtchn_port;
	int32_t max_grant_frames;
	int32_t max_maptrack_frames;
	uint32_t grant_opts;
	uint32_t vmtrace_size;
	struct xen_arch_domainconfig arch;
};

/* XEN_DOMCTL_max_mem: IN, the new limit of the target's pages in KiB. */
struct xen_domctl_max_mem {
	uint64_t max_memkb;
};

/* XEN_DOMCTL_max_vcpus: IN, must equal createdomain's max_vcpus. */
struct xen_domctl_max_vcpus {
	uint32_t max;
};

/*
 * XEN_DOMCTL_gethvmcontext / sethvmcontext: a stream of HVM save records
 * (public/hvm_save.h). get with a NULL buffer returns the size needed in
 * `size`; otherwise size is IN the buffer's capacity (set: the stream's
 * length) and OUT the bytes written.
 */
struct xen_domctl_hvmcontext {
	uint32_t size;
	uint32_t pad;
	XEN_GUEST_HANDLE_64(uint8) buffer;
};

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
		struct xen_domctl_createdomain createdomain;
		struct xen_domctl_createdomain_v15 createdomain_v15;
		struct xen_domctl_createdomain_v14 createdomain_v14;
		struct xen_domctl_getdomaininfo getdomaininfo;
		struct xen_domctl_max_mem max_mem;
		struct xen_domctl_max_vcpus max_vcpus;
		struct xen_domctl_hvmcontext hvmcontext;
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

/* createdomain: the three layouts (sizes 68, 64 and 60 on x86-64). */
_Static_assert(sizeof(struct xen_domctl_createdomain) == 68, "createdomain size (0x17/0x18)");
_Static_assert(_Alignof(struct xen_domctl_createdomain) == 4, "createdomain align");
_Static_assert(offsetof(struct xen_domctl_createdomain, ssidref) == 0, "createdomain.ssidref");
_Static_assert(offsetof(struct xen_domctl_createdomain, handle) == 4, "createdomain.handle");
_Static_assert(offsetof(struct xen_domctl_createdomain, flags) == 20, "createdomain.flags");
_Static_assert(offsetof(struct xen_domctl_createdomain, iommu_opts) == 24,
	       "createdomain.iommu_opts");
_Static_assert(offsetof(struct xen_domctl_createdomain, max_vcpus) == 28,
	       "createdomain.max_vcpus");
_Static_assert(offsetof(struct xen_domctl_createdomain, max_evtchn_port) == 32,
	       "createdomain.max_evtchn_port");
_Static_assert(offsetof(struct xen_domctl_createdomain, max_grant_frames) == 36,
	       "createdomain.max_grant_frames");
_Static_assert(offsetof(struct xen_domctl_createdomain, max_maptrack_frames) == 40,
	       "createdomain.max_maptrack_frames");
_Static_assert(offsetof(struct xen_domctl_createdomain, grant_opts) == 44,
	       "createdomain.grant_opts");
_Static_assert(offsetof(struct xen_domctl_createdomain, altp2m) == 48, "createdomain.altp2m");
_Static_assert(offsetof(struct xen_domctl_createdomain, altp2m.nr) == 50,
	       "createdomain.altp2m.nr");
_Static_assert(offsetof(struct xen_domctl_createdomain, vmtrace_size) == 52,
	       "createdomain.vmtrace_size");
_Static_assert(offsetof(struct xen_domctl_createdomain, cpupool_id) == 56,
	       "createdomain.cpupool_id");
_Static_assert(offsetof(struct xen_domctl_createdomain, arch) == 60, "createdomain.arch");
_Static_assert(sizeof(struct xen_domctl_createdomain_v15) == 64, "createdomain size (0x15/0x16)");
_Static_assert(offsetof(struct xen_domctl_createdomain_v15, grant_opts) == 44,
	       "createdomain_v15.grant_opts");
_Static_assert(offsetof(struct xen_domctl_createdomain_v15, vmtrace_size) == 48,
	       "createdomain_v15.vmtrace_size");
_Static_assert(offsetof(struct xen_domctl_createdomain_v15, cpupool_id) == 52,
	       "createdomain_v15.cpupool_id");
_Static_assert(offsetof(struct xen_domctl_createdomain_v15, arch) == 56,
	       "createdomain_v15.arch");
_Static_assert(sizeof(struct xen_domctl_createdomain_v14) == 60, "createdomain size (0x14)");
_Static_assert(offsetof(struct xen_domctl_createdomain_v14, vmtrace_size) == 48,
	       "createdomain_v14.vmtrace_size");
_Static_assert(offsetof(struct xen_domctl_createdomain_v14, arch) == 52,
	       "createdomain_v14.arch");

_Static_assert(sizeof(struct xen_domctl_max_mem) == 8, "xen_domctl_max_mem size");
_Static_assert(sizeof(struct xen_domctl_max_vcpus) == 4, "xen_domctl_max_vcpus size");
_Static_assert(sizeof(struct xen_domctl_hvmcontext) == 16, "xen_domctl_hvmcontext size");
_Static_assert(offsetof(struct xen_domctl_hvmcontext, size) == 0, "hvmcontext.size");
_Static_assert(offsetof(struct xen_domctl_hvmcontext, buffer) == 8, "hvmcontext.buffer");

_Static_assert(sizeof(struct xen_domctl) == 144, "xen_domctl size");
_Static_assert(offsetof(struct xen_domctl, cmd) == 0, "domctl.cmd");
_Static_assert(offsetof(struct xen_domctl, interface_version) == 4, "domctl.interface_version");
_Static_assert(offsetof(struct xen_domctl, domain) == 8, "domctl.domain");
_Static_assert(offsetof(struct xen_domctl, _pad) == 10, "domctl._pad");
_Static_assert(offsetof(struct xen_domctl, u) == 16, "domctl.u");

#endif /* MEMVISOR_PUBLIC_DOMCTL_H */
