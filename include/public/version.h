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
 * The Xen release whose interface memvisor presents. XENVER_version returns
 * (XEN_VERSION_MAJOR << 16) | XEN_VERSION_MINOR.
 */
#define XEN_VERSION_MAJOR 4
#define XEN_VERSION_MINOR 21
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

#endif /* MEMVISOR_PUBLIC_VERSION_H */
