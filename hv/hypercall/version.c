/*
 * xen_version (hypercall 17) and the release identity behind it.
 *
 * One Xen release is presented for the whole life of a struct hv
 * (hv_config.release, the `--xen` policy of `memvisor run`): everything a
 * guest can learn about "which Xen is this" comes from that one row of the
 * release table (hv/dom/extregion.c), so the answers cannot disagree:
 * XENVER_version and CPUID leaf 0x40000001 (hv_xen_version), the other
 * identity strings here, the domctl/sysctl interface versions (sysctl.c)
 * and, through the planner, the /hypervisor compatible string.
 *
 * Argument rules follow Xen's (xen-facts-devices 4.3): sub-ops with a
 * fixed-size result copy it out whatever the handle (a NULL handle faults
 * like any other unmapped address), XENVER_pagesize refuses an argument,
 * the variable-size sub-ops (11-14, Xen 4.20+) and build_id use struct
 * xen_varbuf, and XSM's dummy policy hides the command line and the build
 * id from unprivileged domains. Unknown sub-ops are -ENOSYS.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hv/extregion.h>
#include <hv/guest_access.h>
#include <hv/hv.h>
#include <hv/hypercall.h>
#include <public/version.h>
#include <public/xen.h>

#include "handlers.h"

/* What Xen 4.17 reported to every guest as the start of its VA hole; 4.18
 * and later report 0 to HVM/PVH guests (xen-facts-devices 4.3). */
#define XEN_417_VIRT_START 0xFFFF800000000000ULL
/* Largest xen_varbuf capacity accepted (Xen: 64 KiB, else -E2BIG). */
#define VARBUF_MAX (64u * 1024)

/* What an unprivileged caller reads instead of a hidden string. */
static const char denied[] = "<denied>";
/* x86-64 Xen's capabilities: memvisor guests are 64-bit HVM-like. */
static const char capabilities[] = "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64";

const struct xen_policy_traits *hv_release(const struct hv *hv)
{
	return hv->cfg.release ? hv->cfg.release : xen_policy_traits(XEN_POLICY_LATEST);
}

uint32_t hv_xen_version(const struct hv *hv)
{
	const struct xen_policy_traits *t = hv_release(hv);

	return (t->major << 16) | t->minor;
}

static bool release_at_least(const struct hv *hv, unsigned int minor)
{
	const struct xen_policy_traits *t = hv_release(hv);

	return t->major > 4 || (t->major == 4 && t->minor >= minor);
}

uint32_t hv_domain_features(const struct hv *hv, const struct domain *d)
{
	/* memvisor guests are translated (the P2M stands between their
	 * addresses and machine frames) and have no PV page tables or PIRQs:
	 * Xen's Arm words are the model (docs/abi.md, "Feature bits"), plus
	 * hvm_callback_vector, which x86 HVM/PVH guests get and memvisor now
	 * honours (HVM_PARAM_CALLBACK_IRQ type 2, hv/event/sched.c). The
	 * IOMMU changes no bit, as on Arm. */
	uint32_t f = 1u << XENFEAT_writable_page_tables | 1u << XENFEAT_auto_translated_physmap |
		     1u << XENFEAT_hvm_callback_vector | 1u << XENFEAT_memory_op_vnode_supported;

	if (release_at_least(hv, 18))
		f |= 1u << XENFEAT_runstate_phys_area;
	if (d->flags & DOMF_privileged)
		f |= 1u << XENFEAT_dom0;
	f |= d->flags & DOMF_directmap ? 1u << XENFEAT_direct_mapped : 1u << XENFEAT_not_direct_mapped;
	return f;
}

static int64_t put_string(struct domain *d, uint64_t gaddr, const char *s, size_t field)
{
	char buf[1024];

	BUG_ON(field > sizeof(buf));
	memset(buf, 0, field);
	memcpy(buf, s, MIN(strlen(s), field - 1));
	return copy_to_guest(d, gaddr, buf, field) ? -EFAULT : 0;
}

/* Sub-ops 10-14: NULL asks for the length; else len bounds the copy. */
static int64_t put_varbuf(struct domain *d, uint64_t gaddr, const char *s, size_t n)
{
	uint32_t len;

	if (!gaddr)
		return (int64_t)n;
	if (copy_from_guest(d, &len, gaddr, sizeof(len)))
		return -EFAULT;
	if (len > VARBUF_MAX)
		return -E2BIG;
	if (len < n)
		return -ENOBUFS;
	if (n && copy_to_guest(d, gaddr + offsetof(struct xen_varbuf, buf), s, n))
		return -EFAULT;
	return (int64_t)n;
}

static void changeset(const struct hv *hv, char *buf, size_t len)
{
	snprintf(buf, len, "memvisor (Xen %s)", hv_release(hv)->models);
}

int64_t do_xen_version(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	const struct xen_policy_traits *t = hv_release(hv);
	bool priv = d->flags & DOMF_privileged;
	uint64_t cmd = hc->args[0], arg = hc->args[1];
	char cs[sizeof(xen_changeset_info_t)];

	if (cmd >= XENVER_extraversion2 && cmd <= XENVER_commandline2 && !release_at_least(hv, 20))
		return -ENOSYS;
	switch (cmd) {
	case XENVER_version:
		return hv_xen_version(hv);
	case XENVER_extraversion:
		return put_string(d, arg, t->extraversion, sizeof(xen_extraversion_t));
	case XENVER_extraversion2:
		return put_varbuf(d, arg, t->extraversion, strlen(t->extraversion));
	case XENVER_capabilities:
		return put_string(d, arg, capabilities, sizeof(xen_capabilities_info_t));
	case XENVER_capabilities2:
		return put_varbuf(d, arg, capabilities, strlen(capabilities));
	case XENVER_changeset:
		changeset(hv, cs, sizeof(cs));
		return put_string(d, arg, cs, sizeof(xen_changeset_info_t));
	case XENVER_changeset2:
		changeset(hv, cs, sizeof(cs));
		return put_varbuf(d, arg, cs, strlen(cs));
	case XENVER_compile_info: {
		struct xen_compile_info ci;

		memset(&ci, 0, sizeof(ci));
		strncpy(ci.compiler, "cc", sizeof(ci.compiler) - 1);
		strncpy(ci.compile_by, "memvisor", sizeof(ci.compile_by) - 1);
		strncpy(ci.compile_domain, "memvisor", sizeof(ci.compile_domain) - 1);
		strncpy(ci.compile_date, __DATE__, sizeof(ci.compile_date) - 1);
		return copy_to_guest(d, arg, &ci, sizeof(ci)) ? -EFAULT : 0;
	}
	case XENVER_platform_parameters: {
		struct xen_platform_parameters pp = {
			.virt_start = release_at_least(hv, 18) ? 0 : XEN_417_VIRT_START,
		};

		return copy_to_guest(d, arg, &pp, sizeof(pp)) ? -EFAULT : 0;
	}
	case XENVER_get_features: {
		struct xen_feature_info fi;

		if (copy_from_guest(d, &fi, arg, sizeof(fi)))
			return -EFAULT;
		if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
			return -EINVAL;
		fi.submap = hv_domain_features(hv, d);
		return copy_to_guest(d, arg, &fi, sizeof(fi)) ? -EFAULT : 0;
	}
	case XENVER_pagesize:
		return arg ? -EINVAL : (int64_t)PAGE_SIZE;
	case XENVER_guest_handle: {
		/* memvisor domains have no UUID: Xen's all-zero handle. */
		uint8_t h[sizeof(xen_domain_handle_t)] = {0};

		return copy_to_guest(d, arg, h, sizeof(h)) ? -EFAULT : 0;
	}
	case XENVER_commandline:
		return put_string(d, arg, priv ? "" : denied, sizeof(xen_commandline_t));
	case XENVER_commandline2:
		return priv ? put_varbuf(d, arg, "", 0) : -EPERM;
	case XENVER_build_id:
		/* memvisor has no build id to give (Xen without one: -ENODATA). */
		return priv ? -ENODATA : -EPERM;
	default:
		return -ENOSYS;
	}
}
