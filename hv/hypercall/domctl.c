/*
 * domctl (hypercall 36): the toolstack's control of domains.
 *
 * Sub-ops: createdomain, destroydomain, pausedomain, unpausedomain,
 * getdomaininfo, max_mem, max_vcpus, gethvmcontext, sethvmcontext, with
 * the layouts, checks and errnos of the presented Xen release (hv_release;
 * docs/toolstack.md lists them with what differs between releases).
 *
 * Checks, in Xen's order: the structure is read (-EFAULT), its
 * interface_version must be the one the release accepts (-EACCES), then
 * the caller must be privileged (-EPERM), then the target must exist
 * (-ESRCH). A sub-op that would need the caller to pause itself
 * (destroying, pausing, setting up its own vCPUs) is -EINVAL, as in Xen.
 *
 * Invariants:
 * - a domain made here starts with pause_count 1 and no memory
 *   (max_pages 0 until XEN_DOMCTL_max_mem): nothing runs it before the
 *   toolstack's unpause sets creation_finished; the VMM is told through
 *   the optional backend op domain_pause_state (docs/toolstack.md).
 * - createdomain either returns a complete domain or leaves nothing: every
 *   check is made before domain_create(), which unwinds itself.
 * - destroydomain first has the VMM stop the domain's vCPUs if it may be
 *   running them (backend op domain_stop; the call continues while they
 *   stop, as Xen restarts it; without the op such a domain is -EBUSY),
 *   then runs the whole teardown in one call (memvisor's simplification
 *   of Xen's -ERESTART continuations: the teardown is bounded by the
 *   domain's own size); a domain already dying (frames still mapped by
 *   others) answers 0, as Xen's DOMDYING_dead does.
 */
#include <errno.h>
#include <string.h>

#include <hv/domain.h>
#include <hv/extregion.h>
#include <hv/guest_access.h>
#include <hv/hv.h>
#include <hv/hypercall.h>
#include <public/domctl.h>
#include <public/hvm_save.h>
#include <public/xen.h>

#include "handlers.h"

/* Xen's limit on the toolstack's pause count (domain.c). */
#define DOMCTL_MAX_PAUSE 255
/* Grant frames memvisor can place: region 0 (facts section 2). */
#define DOMCTL_MAX_GNTTAB_FRAMES (GUEST_GNTTAB_SIZE >> PAGE_SHIFT)
/* 4.16/4.17's upper bound on max_maptrack_frames (opt_max_maptrack_frames). */
#define DOMCTL_MAX_MAPTRACK 1024
/* The highest grant-table version memvisor implements. */
#define DOMCTL_GNTTAB_MAX_VERSION 1
/* Largest sethvmcontext stream accepted (a bigger one is Xen's failed
 * allocation, -ENOMEM). */
#define DOMCTL_HVMCTX_MAX (1u << 20)

/* ---- createdomain ---- */

/* The fields every createdomain layout has, from an older layout o (the
 * types differ per version, so a macro). */
#define CREATEDOMAIN_COMMON(c, o)                                                  \
	do {                                                                       \
		(c)->ssidref = (o)->ssidref;                                       \
		memcpy((c)->handle, (o)->handle, sizeof((c)->handle));             \
		(c)->flags = (o)->flags;                                           \
		(c)->iommu_opts = (o)->iommu_opts;                                 \
		(c)->max_vcpus = (o)->max_vcpus;                                   \
		(c)->max_evtchn_port = (o)->max_evtchn_port;                       \
		(c)->max_grant_frames = (o)->max_grant_frames;                     \
		(c)->max_maptrack_frames = (o)->max_maptrack_frames;               \
		(c)->grant_opts = (o)->grant_opts;                                 \
		(c)->vmtrace_size = (o)->vmtrace_size;                             \
		(c)->arch = (o)->arch;                                             \
	} while (0)

/* op's createdomain payload in the layout of interface version ifv, as the
 * newest layout (fields an older release lacks read as 0). */
static void createdomain_read(const struct xen_domctl *op, uint32_t ifv,
			      struct xen_domctl_createdomain *c)
{
	memset(c, 0, sizeof(*c));
	if (ifv >= 0x17) {
		*c = op->u.createdomain;
		return;
	}
	if (ifv >= 0x15) {
		const struct xen_domctl_createdomain_v15 *o = &op->u.createdomain_v15;

		CREATEDOMAIN_COMMON(c, o);
		c->cpupool_id = o->cpupool_id; /* new in 0x15 */
		return;
	}
	{
		const struct xen_domctl_createdomain_v14 *o = &op->u.createdomain_v14;

		CREATEDOMAIN_COMMON(c, o);
	}
}

/*
 * Xen's sanitise_domain_config + arch_sanitise_domain_config (x86), then
 * the checks domain_create makes while setting up (emulation flags, grant
 * table, cpupool), against what memvisor offers: HVM with HAP only, a PVH
 * domain's emulated devices only (the local APIC), grant tables v1, one
 * cpupool, no vmtrace, vPMU, nested virtualization or altp2m.
 */
static int createdomain_check(const struct xen_domctl_createdomain *c, uint32_t ifv,
			      unsigned int minor, unsigned int default_gnttab)
{
	uint32_t known = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_s3_integrity |
			 XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain | XEN_DOMCTL_CDF_iommu |
			 XEN_DOMCTL_CDF_nested_virt | XEN_DOMCTL_CDF_vpmu;
	bool hvm = c->flags & XEN_DOMCTL_CDF_hvm, hap = c->flags & XEN_DOMCTL_CDF_hap;
	unsigned int version = XEN_DOMCTL_GRANT_version(c->grant_opts);

	if (minor >= 21)
		known |= XEN_DOMCTL_CDF_trap_unmapped_accesses;
	/* common checks */
	if (c->flags & ~known)
		return -EINVAL;
	if (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask)
		return -EINVAL;
	if (c->max_vcpus < 1)
		return -EINVAL;
	if (hap && !hvm)
		return -EINVAL;
	if (c->flags & XEN_DOMCTL_CDF_iommu) {
		if (c->iommu_opts & ~XEN_DOMCTL_IOMMU_no_sharept)
			return -EINVAL;
	} else if (c->iommu_opts) {
		return -EINVAL;
	}
	if (c->vmtrace_size) /* no processor trace */
		return -EINVAL;
	if (c->flags & XEN_DOMCTL_CDF_vpmu) /* no vPMU */
		return -EINVAL;
	/* x86 checks */
	if (!hvm) /* no PV support */
		return -EINVAL;
	/* memvisor's vCPU limit stands where Xen's HVM_MAX_VCPUS does */
	if (c->max_vcpus > DOMAIN_MAX_VCPUS)
		return -EINVAL;
	if (c->flags & XEN_DOMCTL_CDF_s3_integrity) /* no tboot */
		return -EINVAL;
	if (!hap) /* no shadow paging */
		return -EINVAL;
	if (c->flags & XEN_DOMCTL_CDF_nested_virt)
		return -EINVAL;
	if (c->flags & XEN_DOMCTL_CDF_trap_unmapped_accesses) /* Arm only */
		return -EINVAL;
	if (c->arch.misc_flags & ~XEN_X86_MSR_RELAXED)
		return -EINVAL;
	if (ifv >= 0x17 && (c->altp2m.opts & ~XEN_DOMCTL_ALTP2M_mode_mask))
		return -EINVAL;
	if (ifv >= 0x17 && (c->altp2m.opts & XEN_DOMCTL_ALTP2M_mode_mask)) /* no altp2m */
		return -EINVAL;
	/* arch_domain_create: the emulated devices must be one of the sets
	 * Xen allows; of those memvisor has a PVH domU's (LAPIC only). */
	if (c->arch.emulation_flags & ~XEN_X86_EMU_ALL)
		return -EINVAL;
	if (c->arch.emulation_flags != XEN_X86_EMU_LAPIC)
		return -EOPNOTSUPP;
	/* grant_table_init */
	if (!version || version > DOMCTL_GNTTAB_MAX_VERSION)
		return -EINVAL;
	if (c->max_grant_frames == 0)
		return -EINVAL;
	if (c->max_grant_frames > 0 &&
	    ((minor <= 17 && (unsigned int)c->max_grant_frames > default_gnttab) ||
	     (unsigned int)c->max_grant_frames > DOMCTL_MAX_GNTTAB_FRAMES))
		return -EINVAL;
	if (minor <= 17 && c->max_maptrack_frames > DOMCTL_MAX_MAPTRACK)
		return -EINVAL;
	/* sched_init_domain: only cpupool 0 exists */
	if (ifv >= 0x15 && c->cpupool_id != 0)
		return -ESRCH;
	return 0;
}

/*
 * The domain id createdomain uses for domctl.domain `want`: an explicit
 * one, or -1 for "the next free one". Which values mean "any" changed:
 * up to 4.20 0 and ids >= DOMID_FIRST_RESERVED; 4.21 the same (through
 * DOMID_INVALID); 4.22 only DOMID_ANY, any other reserved id is refused.
 */
static int createdomain_domid(unsigned int minor, domid_t want, int *id)
{
	if (minor >= 22) {
		if (want == DOMID_ANY)
			*id = -1;
		else if (want >= DOMID_FIRST_RESERVED)
			return -EEXIST;
		else
			*id = want;
	} else {
		*id = (want == 0 || want >= DOMID_FIRST_RESERVED) ? -1 : want;
	}
	return 0;
}

static int64_t domctl_createdomain(struct hv *hv, struct xen_domctl *op)
{
	const struct xen_policy_traits *r = hv_release(hv);
	struct xen_domctl_createdomain c;
	struct domain_config cfg = {.name = "", .max_pages = 0};
	struct domain *t;
	int rc, id;

	rc = createdomain_domid(r->minor, op->domain, &id);
	if (rc)
		return rc;
	if (id >= 0 && domain_by_id(hv, (domid_t)id))
		return -EEXIST;
	createdomain_read(op, r->domctl_version, &c);
	rc = createdomain_check(&c, r->domctl_version, r->minor, hv->cfg.gnttab_max_frames);
	if (rc)
		return rc;

	cfg.domid = id;
	cfg.flags = (c.flags & XEN_DOMCTL_CDF_iommu) ? DOMF_iommu : 0;
	cfg.gnttab_max_frames = c.max_grant_frames > 0 ? (unsigned int)c.max_grant_frames : 0;
	/* ports 0..max_evtchn_port, within the 2-level ABI's 4096 */
	cfg.evtchn_max_ports = MIN(c.max_evtchn_port, 4095u) + 1;
	cfg.toolstack = true;
	cfg.max_vcpus = c.max_vcpus; /* checked above: 1..DOMAIN_MAX_VCPUS */
	t = domain_create(hv, &cfg, &rc);
	if (!t) {
		/* no free id: Xen's rover said -ENOMEM, domid_alloc -EEXIST */
		if (rc == -ENOSPC)
			rc = r->minor >= 21 ? -EEXIST : -ENOMEM;
		return rc;
	}
	t->create_flags = c.flags;
	t->emulation_flags = c.arch.emulation_flags;
	t->misc_flags = c.arch.misc_flags;
	memcpy(t->handle, c.handle, sizeof(t->handle));
	op->domain = t->id;
	return 0;
}

/* ---- getdomaininfo ---- */

void domctl_fill_domaininfo(struct domain *t, struct xen_domctl_getdomaininfo *info)
{
	bool all_blocked = t->nr_vcpus > 0;

	memset(info, 0, sizeof(*info));
	info->domain = t->id;
	info->flags = XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
	for (unsigned int v = 0; v < t->nr_vcpus && v < DOMAIN_MAX_VCPUS; v++)
		all_blocked &= t->vcpu[v].sleeping;
	if (t->state == DOMS_dying)
		info->flags |= XEN_DOMINF_dying;
	else if (t->state == DOMS_shutdown)
		info->flags |= XEN_DOMINF_shutdown |
			       ((t->shutdown_reason & XEN_DOMINF_shutdownmask) << XEN_DOMINF_shutdownshift);
	if (t->pause_count)
		info->flags |= XEN_DOMINF_paused;
	else if (t->state == DOMS_running)
		info->flags |= all_blocked ? XEN_DOMINF_blocked : XEN_DOMINF_running;
	if (t->create_flags & XEN_DOMCTL_CDF_xs_domain)
		info->flags |= XEN_DOMINF_xs_domain;
	/* Xen's domain_tot_pages: the hypervisor's extra frames do not count */
	info->tot_pages = t->tot_pages - t->extra_pages;
	info->max_pages = t->max_pages;
	info->nr_online_vcpus = t->nr_vcpus;
	info->max_vcpu_id = t->nr_vcpus ? t->nr_vcpus - 1 : XEN_INVALID_MAX_VCPU_ID;
	memcpy(info->handle, t->handle, sizeof(info->handle));
	info->gpaddr_bits = (uint8_t)t->p2m.gpaddr_bits;
	info->arch_config.emulation_flags = t->emulation_flags;
	info->arch_config.misc_flags = t->misc_flags;
}

/* ---- destroy ---- */

/* The VMM may be running t's vCPUs: boot-built domains that have not shut
 * down, and toolstack-built ones once started (a VMM that starts them has
 * the domain_pause_state op) - those even after a shutdown, as the VMM's
 * threads of a domain it started at runtime may still be on their way out
 * (only the VMM knows when they are gone: domain_stop). */
static bool vmm_may_run(const struct hv *hv, const struct domain *t)
{
	if (!t->toolstack_created)
		return t->state == DOMS_running;
	return t->creation_finished && hv->cfg.backend && hv->cfg.backend->domain_pause_state;
}

static int64_t domctl_destroy(struct hv *hv, struct domain *d, struct domain *t)
{
	const struct hv_backend_ops *b = hv->cfg.backend;

	if (t == d)
		return -EINVAL;
	if (t->state == DOMS_dying)
		return 0; /* torn down, waiting for others' unmaps */
	if (vmm_may_run(hv, t)) {
		int rc;

		if (!b || !b->domain_stop)
			return -EBUSY;
		rc = b->domain_stop(hv->cfg.backend_ctx, t);
		if (rc == -EAGAIN)
			return HV_HCALL_CONTINUE; /* same arguments: ask again */
		if (rc)
			return rc;
	}
	domain_destroy(t);
	return 0;
}

/* ---- pause ---- */

static void pause_state(struct hv *hv, struct domain *t, bool paused)
{
	if (hv->cfg.backend && hv->cfg.backend->domain_pause_state)
		hv->cfg.backend->domain_pause_state(hv->cfg.backend_ctx, t, paused);
}

static int64_t domctl_pause(struct hv *hv, struct domain *t)
{
	if (t->pause_count >= DOMCTL_MAX_PAUSE)
		return -EOVERFLOW;
	if (t->pause_count++ == 0)
		pause_state(hv, t, true);
	return 0;
}

static int64_t domctl_unpause(struct hv *hv, struct domain *t)
{
	if (!t->pause_count)
		return -EINVAL;
	if (--t->pause_count)
		return 0;
	if (!t->creation_finished) {
		t->creation_finished = true;
		hv_info(hv, "d%u: creation finished (first unpause)", t->id);
	}
	pause_state(hv, t, false);
	return 0;
}

/* ---- HVM context ---- */

struct hvmctx_cursor {
	uint8_t *p;
	size_t off, len;
};

static void hvmctx_put(struct hvmctx_cursor *c, uint16_t code, uint16_t inst, const void *rec,
		       uint32_t len)
{
	struct hvm_save_descriptor desc = {.typecode = code, .instance = inst, .length = len};

	BUG_ON(c->off + sizeof(desc) + len > c->len);
	memcpy(c->p + c->off, &desc, sizeof(desc));
	c->off += sizeof(desc);
	if (len)
		memcpy(c->p + c->off, rec, len);
	c->off += len;
}

static size_t hvmctx_size(const struct domain *t)
{
	size_t d = sizeof(struct hvm_save_descriptor);

	return d + sizeof(struct hvm_save_header) +
	       t->nr_vcpus * (d + sizeof(struct hvm_hw_cpu) + d + sizeof(struct hvm_hw_mtrr)) + d;
}

static void hvmctx_cpu_out(const struct domain *t, unsigned int v, struct hvm_hw_cpu *cpu)
{
	const struct vcpu_boot *b = &t->boot[v];

	memset(cpu, 0, sizeof(*cpu));
	if (!b->set) {
		/* nothing loaded yet: the architectural reset state */
		cpu->rip = 0xfff0;
		cpu->rflags = 2;
		cpu->cr0 = 0x60000010;
		cpu->cs_sel = 0xf000;
		cpu->cs_base = 0xffff0000;
		cpu->cs_limit = 0xffff;
		cpu->cs_arbytes = 0x9b;
		return;
	}
	cpu->rip = b->rip;
	cpu->rsp = b->rsp;
	cpu->rflags = b->rflags;
	cpu->rax = b->rax;
	cpu->rbx = b->rbx;
	cpu->rcx = b->rcx;
	cpu->rdx = b->rdx;
	cpu->rsi = b->rsi;
	cpu->rdi = b->rdi;
	cpu->cr0 = b->cr0;
	cpu->cr3 = b->cr3;
	cpu->cr4 = b->cr4;
	cpu->msr_efer = b->efer;
	cpu->cs_arbytes = b->cs_arbytes;
}

static int64_t domctl_gethvmcontext(struct hv *hv, struct domain *d, struct domain *t,
				    struct xen_domctl *op)
{
	struct xen_domctl_hvmcontext *hc = &op->u.hvmcontext;
	size_t need = hvmctx_size(t);
	struct hvm_save_header hdr = {.magic = HVM_FILE_MAGIC, .version = HVM_FILE_VERSION};
	struct hvmctx_cursor c = {.len = need};
	int64_t rc;

	if (!hc->buffer) {
		hc->size = (uint32_t)need;
		return 0;
	}
	if (hc->size < need)
		return -ENOSPC;
	c.p = hv_malloc(hv, need);
	if (!c.p)
		return -ENOMEM;
	hvmctx_put(&c, HVM_SAVE_CODE_HEADER, 0, &hdr, sizeof(hdr));
	for (unsigned int v = 0; v < t->nr_vcpus; v++) {
		struct hvm_hw_cpu cpu;
		struct hvm_hw_mtrr mtrr = {
			.msr_pat_cr = 0x0007040600070406ULL, /* the power-on PAT */
			.msr_mtrr_cap = 0x508,		     /* 8 variable, fixed, WC */
		};

		hvmctx_cpu_out(t, v, &cpu);
		hvmctx_put(&c, HVM_SAVE_CODE_CPU, (uint16_t)v, &cpu, sizeof(cpu));
		hvmctx_put(&c, HVM_SAVE_CODE_MTRR, (uint16_t)v, &mtrr, sizeof(mtrr));
	}
	hvmctx_put(&c, HVM_SAVE_CODE_END, 0, NULL, 0);
	rc = copy_to_guest(d, hc->buffer, c.p, c.off) ? -EFAULT : 0;
	hc->size = (uint32_t)c.off;
	hv_free(c.p);
	return rc;
}

/* A CPU record memvisor can start a vCPU from: the control registers of
 * some real processor state (paging needs protection, long mode PAE). */
static bool hvmctx_cpu_ok(const struct hvm_hw_cpu *cpu)
{
	const uint64_t CR0_PE = 1, CR0_PG = 1ULL << 31, CR4_PAE = 1 << 5, EFER_LME = 1 << 8;

	if ((cpu->cr0 & CR0_PG) && !(cpu->cr0 & CR0_PE))
		return false;
	if ((cpu->msr_efer & EFER_LME) && (cpu->cr0 & CR0_PG) && !(cpu->cr4 & CR4_PAE))
		return false;
	return true;
}

/*
 * Walks the stream: with load false only checks it (Xen checks the whole
 * stream before changing anything), with load true applies it. HEADER
 * first, then CPU and MTRR records of existing vCPUs, up to END. MTRR
 * records are accepted and dropped (memvisor's guests have no MTRR
 * emulation to load them into).
 */
static int hvmctx_walk(struct domain *t, const uint8_t *p, size_t len, bool load)
{
	struct hvm_save_descriptor desc;
	struct hvm_save_header hdr;
	size_t off = 0;

	if (len < sizeof(desc) + sizeof(hdr))
		return -ENODATA;
	memcpy(&desc, p, sizeof(desc));
	if (desc.typecode != HVM_SAVE_CODE_HEADER || desc.length != sizeof(hdr))
		return -ENODATA;
	memcpy(&hdr, p + sizeof(desc), sizeof(hdr));
	if (hdr.magic != HVM_FILE_MAGIC || hdr.version != HVM_FILE_VERSION)
		return -EINVAL;
	off = sizeof(desc) + sizeof(hdr);
	for (;;) {
		if (len - off < sizeof(desc))
			return -ENODATA;
		memcpy(&desc, p + off, sizeof(desc));
		off += sizeof(desc);
		if (desc.typecode == HVM_SAVE_CODE_END)
			return 0;
		if (desc.length > len - off)
			return -ENODATA;
		switch (desc.typecode) {
		case HVM_SAVE_CODE_CPU: {
			struct hvm_hw_cpu cpu;
			struct vcpu_boot *b;

			if (desc.length != sizeof(cpu) || desc.instance >= t->nr_vcpus)
				return -EINVAL;
			memcpy(&cpu, p + off, sizeof(cpu));
			if (!hvmctx_cpu_ok(&cpu))
				return -EINVAL;
			if (!load)
				break;
			b = &t->boot[desc.instance];
			*b = (struct vcpu_boot){
				.set = true,
				.rip = cpu.rip, .rsp = cpu.rsp, .rflags = cpu.rflags,
				.rax = cpu.rax, .rbx = cpu.rbx, .rcx = cpu.rcx, .rdx = cpu.rdx,
				.rsi = cpu.rsi, .rdi = cpu.rdi,
				.cr0 = cpu.cr0, .cr3 = cpu.cr3, .cr4 = cpu.cr4, .efer = cpu.msr_efer,
				.cs_arbytes = cpu.cs_arbytes,
			};
			break;
		}
		case HVM_SAVE_CODE_MTRR:
			if (desc.length != sizeof(struct hvm_hw_mtrr) || desc.instance >= t->nr_vcpus)
				return -EINVAL;
			break;
		default: /* a device memvisor does not emulate */
			return -EINVAL;
		}
		off += desc.length;
	}
}

static int64_t domctl_sethvmcontext(struct hv *hv, struct domain *d, struct domain *t,
				    struct xen_domctl *op)
{
	uint32_t size = op->u.hvmcontext.size;
	uint8_t *buf;
	int64_t rc;

	/* The VMM reads the boot entry when it first starts the domain. */
	if (t->creation_finished)
		return -EBUSY;
	if (size > DOMCTL_HVMCTX_MAX)
		return -ENOMEM;
	buf = hv_malloc(hv, size ? size : 1);
	if (!buf)
		return -ENOMEM;
	if (copy_from_guest(d, buf, op->u.hvmcontext.buffer, size)) {
		rc = -EFAULT;
		goto out;
	}
	rc = hvmctx_walk(t, buf, size, false);
	if (!rc)
		rc = hvmctx_walk(t, buf, size, true);
out:
	hv_free(buf);
	return rc;
}

/* ---- the handler ---- */

/* Sub-ops that write their results back into the caller's structure. */
static bool copies_back(uint32_t cmd)
{
	return cmd == XEN_DOMCTL_createdomain || cmd == XEN_DOMCTL_getdomaininfo ||
	       cmd == XEN_DOMCTL_gethvmcontext;
}

int64_t do_domctl(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	struct xen_domctl op;
	struct domain *t = NULL;
	int64_t rc;

	if (copy_from_guest(d, &op, hc->args[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != hv_release(hv)->domctl_version)
		return -EACCES;
	if (!(d->flags & DOMF_privileged))
		return -EPERM;
	switch (op.cmd) {
	case XEN_DOMCTL_createdomain:
	case XEN_DOMCTL_destroydomain:
	case XEN_DOMCTL_pausedomain:
	case XEN_DOMCTL_unpausedomain:
	case XEN_DOMCTL_getdomaininfo:
	case XEN_DOMCTL_max_mem:
	case XEN_DOMCTL_max_vcpus:
	case XEN_DOMCTL_gethvmcontext:
	case XEN_DOMCTL_sethvmcontext:
		break;
	default:
		return -ENOSYS;
	}
	if (op.cmd != XEN_DOMCTL_createdomain) {
		/* dying domains too: Xen finds them until they are freed.
		 * DOMID_SELF is the caller (memvisor's convenience: Xen's
		 * domctl looks it up as an id and finds nothing). */
		t = domain_by_id(hv, op.domain == DOMID_SELF ? d->id : op.domain);
		if (!t && op.cmd == XEN_DOMCTL_getdomaininfo && hv_release(hv)->minor <= 17) {
			/* up to 4.17 getdomaininfo describes the first domain
			 * at or above the id asked for (how old toolstacks
			 * walked the list); reserved ids are -EINVAL */
			if (op.domain >= DOMID_FIRST_RESERVED)
				return -EINVAL;
			for (struct domain *x = hv->domains; x; x = x->next)
				if (x->id >= op.domain && (!t || x->id < t->id))
					t = x;
		}
		if (!t)
			return -ESRCH;
	}

	switch (op.cmd) {
	case XEN_DOMCTL_createdomain:
		rc = domctl_createdomain(hv, &op);
		break;
	case XEN_DOMCTL_destroydomain:
		rc = domctl_destroy(hv, d, t);
		break;
	case XEN_DOMCTL_pausedomain:
		rc = t == d ? -EINVAL : domctl_pause(hv, t);
		break;
	case XEN_DOMCTL_unpausedomain:
		rc = domctl_unpause(hv, t);
		break;
	case XEN_DOMCTL_getdomaininfo:
		domctl_fill_domaininfo(t, &op.u.getdomaininfo);
		op.domain = t->id;
		rc = 0;
		break;
	case XEN_DOMCTL_max_mem:
		/* No check against tot_pages: like Xen, a domain above its new
		 * limit may only shrink ("ratchet down"). Xen's max_pages is
		 * 32 bits wide. */
		t->max_pages = MIN(op.u.max_mem.max_memkb >> (PAGE_SHIFT - 10), (uint64_t)UINT32_MAX);
		t->ratchet_pages = t->tot_pages - t->extra_pages > t->max_pages
					   ? t->tot_pages - t->extra_pages : 0;
		rc = 0;
		break;
	case XEN_DOMCTL_max_vcpus:
		/* memvisor makes the vCPUs with the domain: only the check remains */
		rc = (t == d || op.u.max_vcpus.max != t->nr_vcpus) ? -EINVAL : 0;
		break;
	case XEN_DOMCTL_gethvmcontext:
		rc = t == d ? -EINVAL : domctl_gethvmcontext(hv, d, t, &op);
		break;
	case XEN_DOMCTL_sethvmcontext:
		rc = t == d ? -EINVAL : domctl_sethvmcontext(hv, d, t, &op);
		break;
	default:
		BUG_ON(1); /* filtered above */
		rc = -ENOSYS;
	}
	if (rc == 0 && copies_back(op.cmd) && copy_to_guest(d, hc->args[0], &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
