/*
 * memvisor public ABI: xen_version hypercall (x86-64 layout).
 *
 * Sub-op numbers and argument layouts of __HYPERVISOR_xen_version, plus the
 * Xen release memvisor reports. Written for memvisor from the published
 * facts of Xen's interface (see docs/abi.md), not from Xen's header text.
 *
 * Self-contained: needs only <stdint.h> and <stddef.h>. xen.h includes it.
 */
#ifndef MEMVISOR_PUBLIC_VERSION_H
#define MEMVISOR_PUBLIC_VERSION_H

#include <stddef.h>
#include <stdint.h>

/*
 * The release memvisor presents by default (`memvisor run --xen latest`):
 * XENVER_version returns (XEN_VERSION_MAJOR << 16) | XEN_VERSION_MINOR.
 * `--xen` selects another release for a whole run (docs/abi.md,
 * "Releases"); a guest must ask XENVER_version rather than trust this.
 */
#define XEN_VERSION_MAJOR 4
#define XEN_VERSION_MINOR 22
#define XEN_VERSION_ENCODED ((XEN_VERSION_MAJOR << 16) | XEN_VERSION_MINOR)

/*
 * xen_version: (cmd, guest address of the argument or 0).
 * Every sub-op returns 0 on success except XENVER_version (the encoded
 * version), XENVER_pagesize (the page size) and XENVER_build_id (bytes
 * written, or the id's length when called with a zero address).
 */
#define XENVER_version 0	     /* arg: none */
#define XENVER_extraversion 1	     /* arg: xen_extraversion_t */
#define XENVER_compile_info 2	     /* arg: struct xen_compile_info */
#define XENVER_capabilities 3	     /* arg: xen_capabilities_info_t */
#define XENVER_changeset 4	     /* arg: xen_changeset_info_t */
#define XENVER_platform_parameters 5 /* arg: struct xen_platform_parameters */
#define XENVER_get_features 6	     /* arg: struct xen_feature_info */
#define XENVER_pagesize 7	     /* arg: none */
#define XENVER_guest_handle 8	     /* arg: xen_domain_handle_t (16 bytes) */
#define XENVER_commandline 9	     /* arg: xen_commandline_t */
#define XENVER_build_id 10	     /* arg: struct xen_build_id */
/* Variable-size variants (Xen 4.20 and later): arg struct xen_varbuf. */
#define XENVER_extraversion2 11
#define XENVER_capabilities2 12
#define XENVER_changeset2 13
#define XENVER_commandline2 14

/* NUL-terminated strings of fixed capacity. */
typedef char xen_extraversion_t[16];
typedef char xen_capabilities_info_t[1024];
typedef char xen_changeset_info_t[64];
typedef char xen_commandline_t[1024];

struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;

struct xen_platform_parameters {
	uint64_t virt_start; /* xen_ulong_t: start of the hypervisor's VA hole */
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

struct xen_feature_info {
	uint32_t submap_idx; /* IN: which 32-bit word of the feature bitmap */
	uint32_t submap;     /* OUT: that word */
};
typedef struct xen_feature_info xen_feature_info_t;

struct xen_build_id {
	uint32_t len;	     /* IN: capacity of buf */
	unsigned char buf[]; /* OUT: the build id bytes */
};
typedef struct xen_build_id xen_build_id_t;

/* Sub-ops 11-14: a NULL argument returns the length; otherwise len is the
 * capacity of buf, the bytes are copied without a NUL and their count is
 * returned (-ENOBUFS when len is too small). */
struct xen_varbuf {
	uint32_t len;	     /* IN: capacity of buf */
	unsigned char buf[]; /* OUT */
};
typedef struct xen_varbuf xen_varbuf_t;

/* XENVER_get_features: bit numbers in submap 0 (the only submap). */
#define XENFEAT_writable_page_tables 0
#define XENFEAT_writable_descriptor_tables 1
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_supervisor_mode_kernel 3
#define XENFEAT_pae_pgdir_above_4gb 4
#define XENFEAT_mmu_pt_update_preserve_ad 5
#define XENFEAT_highmem_assist 6
#define XENFEAT_gnttab_map_avail_bits 7
#define XENFEAT_hvm_callback_vector 8
#define XENFEAT_hvm_safe_pvclock 9
#define XENFEAT_hvm_pirqs 10
#define XENFEAT_dom0 11
#define XENFEAT_grant_map_identity 12
#define XENFEAT_memory_op_vnode_supported 13
#define XENFEAT_ARM_SMCCC_supported 14
#define XENFEAT_linux_rsdp_unrestricted 15
#define XENFEAT_not_direct_mapped 16
#define XENFEAT_direct_mapped 17
#define XENFEAT_runstate_phys_area 18
#define XENFEAT_vcpu_time_phys_area 19
#define XENFEAT_dm_msix_all_writes 20
#define XENFEAT_NR_SUBMAPS 1

_Static_assert(sizeof(xen_extraversion_t) == 16, "xen_extraversion_t size");
_Static_assert(sizeof(xen_capabilities_info_t) == 1024, "xen_capabilities_info_t size");
_Static_assert(sizeof(xen_changeset_info_t) == 64, "xen_changeset_info_t size");
_Static_assert(sizeof(xen_commandline_t) == 1024, "xen_commandline_t size");
_Static_assert(sizeof(struct xen_compile_info) == 144, "xen_compile_info size");
_Static_assert(offsetof(struct xen_compile_info, compiler) == 0, "compile_info.compiler");
_Static_assert(offsetof(struct xen_compile_info, compile_by) == 64, "compile_info.compile_by");
_Static_assert(offsetof(struct xen_compile_info, compile_domain) == 80,
	       "compile_info.compile_domain");
_Static_assert(offsetof(struct xen_compile_info, compile_date) == 112, "compile_info.compile_date");
_Static_assert(sizeof(struct xen_platform_parameters) == 8, "xen_platform_parameters size");
_Static_assert(sizeof(struct xen_feature_info) == 8, "xen_feature_info size");
_Static_assert(offsetof(struct xen_feature_info, submap_idx) == 0, "feature_info.submap_idx");
_Static_assert(offsetof(struct xen_feature_info, submap) == 4, "feature_info.submap");
_Static_assert(sizeof(struct xen_build_id) == 4, "xen_build_id header size");
_Static_assert(offsetof(struct xen_build_id, buf) == 4, "xen_build_id.buf");
_Static_assert(sizeof(struct xen_varbuf) == 4, "xen_varbuf header size");

#endif /* MEMVISOR_PUBLIC_VERSION_H */
