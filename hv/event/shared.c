/*
 * shared_info and vcpu_info: where they live, wallclock and vCPU time,
 * VCPUOP_register_vcpu_info and the vcpu_op handler.
 *
 * Design:
 * - A domain's shared_info exists from creation, so that the vCPU slots
 *   (vcpu_info[0..31]) and the event bit arrays are there before the guest
 *   maps it: first on a zeroed host page of the hypervisor. The first
 *   XENMAPSPACE_shared_info moves it onto a heap frame kept by the
 *   hypervisor (PGC_xen, owner = the domain, count 0, never on its page
 *   list nor in tot_pages - like grant table frames, and like Xen's
 *   xenheap page), copying what it held; from then on it stays on that
 *   frame. Mapping again moves the P2M entry: the RAM page previously at
 *   the target GFN is released as by decrease_reservation, and the old GFN
 *   stops mapping it. shinfo_gfn is a hint: the guest may move or remove
 *   the frame with the ordinary physmap calls, so it is re-checked against
 *   the P2M, and when it is stale the P2M is searched for the frame (a
 *   frame mapped twice would break the audit's one-mapping rule). The
 *   frame is freed when the domain is finalised.
 * - A vCPU's vcpu_info is its slot in shared_info until
 *   VCPUOP_register_vcpu_info moves it (once) into a page of guest RAM, on
 *   which the hypervisor then holds one general page reference (reported to
 *   the audit) until the domain is destroyed, so the frame cannot be freed
 *   and reused while the hypervisor writes into it.
 * - Time: system time is ns of CLOCK_MONOTONIC since hv_init. Wallclock
 *   (wc_sec_hi:wc_sec, wc_nsec) = CLOCK_REALTIME at system time 0, written
 *   when shared_info is created and mapped. vcpu_time_info carries
 *   system_time as of its last update (creation, mapping, registration,
 *   HVMOP_get_time, the end of every block/poll) with tsc_to_system_mul 0:
 *   the guest's TSC is not related to it by memvisor (the host's KVM
 *   offsets it), so a guest may rely on system_time being a lower bound of
 *   the current time and on HVMOP_get_time for the current value, not on
 *   extrapolating with the TSC. Both use the version protocol (odd while
 *   written).
 *
 * Invariants: shinfo points at shinfo_host (shinfo_mfn invalid) or at the
 * frame shinfo_mfn (shinfo_host NULL); a registered vcpu_info lies in one
 * page (offset 8-aligned, <= 4096 - 64) whose frame we hold a reference on.
 *
 * Locking: hv->lock held throughout; guest-visible words are written with
 * atomics or the version protocol.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hv/guest_access.h>
#include <hv/hcall.h>
#include <hv/heap.h>
#include <hv/mm.h>
#include <hv/p2m.h>
#include <hv/page.h>
#include <public/vcpu.h>

#include "event_priv.h"

struct vcpu_info *evtchn_vcpu_info(const struct domain *d, const struct vcpu *v)
{
	if (v->vi_registered)
		return (struct vcpu_info *)((uint8_t *)frame_va(&d->hv->ft, v->vi_mfn) +
					    v->vi_offset);
	BUG_ON(v->id >= XEN_LEGACY_MAX_VCPUS);
	return &evd(d)->shinfo->vcpu_info[v->id];
}

static void fill_wallclock(struct domain *d)
{
	struct shared_info *s = evd(d)->shinfo;
	struct timespec rt;
	uint64_t sys = hv_system_time(d->hv), ns, boot;

	clock_gettime(CLOCK_REALTIME, &rt);
	ns = (uint64_t)rt.tv_sec * 1000000000ULL + (uint64_t)rt.tv_nsec;
	boot = ns > sys ? ns - sys : 0;
	__atomic_store_n(&s->wc_version, s->wc_version | 1, __ATOMIC_SEQ_CST);
	s->wc_sec = (uint32_t)(boot / 1000000000ULL);
	s->wc_sec_hi = (uint32_t)(boot / 1000000000ULL >> 32);
	s->wc_nsec = (uint32_t)(boot % 1000000000ULL);
	__atomic_store_n(&s->wc_version, s->wc_version + 1, __ATOMIC_SEQ_CST);
}

void evtchn_update_time(struct domain *d, struct vcpu *v)
{
	struct vcpu_time_info *t = &evtchn_vcpu_info(d, v)->time;
	uint32_t ver = __atomic_load_n(&t->version, __ATOMIC_SEQ_CST);

	__atomic_store_n(&t->version, (ver | 1) + 0, __ATOMIC_SEQ_CST);
	t->tsc_timestamp = 0;
	t->system_time = hv_system_time(d->hv);
	t->tsc_to_system_mul = 0;
	t->tsc_shift = 0;
	t->flags = 0;
	__atomic_store_n(&t->version, (ver | 1) + 1, __ATOMIC_SEQ_CST);
}

int evtchn_shared_init(struct domain *d)
{
	struct evtchn_domain *ed = evd(d);

	ed->shinfo_host = hv_alloc_table(d->hv);
	if (!ed->shinfo_host)
		return -ENOMEM;
	ed->shinfo = ed->shinfo_host;
	ed->shinfo_mfn = INVALID_MFN;
	ed->shinfo_gfn = INVALID_GFN;
	fill_wallclock(d);
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		evtchn_update_time(d, &d->vcpu[i]);
	return 0;
}

void evtchn_shared_destroy(struct domain *d)
{
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpu[i];

		if (!v->vi_registered)
			continue;
		/* Back into shared_info, so that late readers find a slot. */
		v->vi_registered = false;
		mm_put_page(d->hv, mfn_to_page(&d->hv->ft, v->vi_mfn));
		v->vi_mfn = INVALID_MFN;
	}
}

void evtchn_shared_free(struct domain *d)
{
	struct evtchn_domain *ed = evd(d);

	evtchn_shared_destroy(d);
	if (!mfn_eq(ed->shinfo_mfn, INVALID_MFN)) {
		struct page_info *pg = mfn_to_page(&d->hv->ft, ed->shinfo_mfn);

		BUG_ON(!pg || !(pg->flags & PGC_xen) || pg->count);
		pg->flags &= ~PGC_xen;
		pg->owner = DOMID_INVALID;
		heap_free(d->hv, pg, 0);
		ed->shinfo_mfn = INVALID_MFN;
	}
	free(ed->shinfo_host);
	ed->shinfo_host = NULL;
	ed->shinfo = NULL;
}

/* Moves shared_info from the host page onto a heap frame. 0 or -ENOMEM. */
static int shinfo_to_frame(struct domain *d)
{
	struct evtchn_domain *ed = evd(d);
	struct page_info *pg;
	mfn_t mfn;

	if (!mfn_eq(ed->shinfo_mfn, INVALID_MFN))
		return 0;
	pg = heap_alloc(d->hv, 0);
	if (!pg)
		return -ENOMEM;
	pg->flags |= PGC_xen;
	pg->owner = d->id;
	mfn = page_to_mfn(&d->hv->ft, pg);
	memcpy(frame_va(&d->hv->ft, mfn), ed->shinfo_host, PAGE_SIZE);
	ed->shinfo_mfn = mfn;
	ed->shinfo = frame_va(&d->hv->ft, mfn);
	free(ed->shinfo_host);
	ed->shinfo_host = NULL;
	return 0;
}

int evtchn_map_shared_info(struct domain *d, uint64_t idx, uint64_t gpfn)
{
	struct evtchn_domain *ed = evd(d);
	int rc;

	if (idx != 0 || gpfn >= d->p2m.max_gfn || !ed)
		return -EINVAL;
	rc = shinfo_to_frame(d);
	if (rc)
		return rc;
	rc = mm_place_xen_frame(d, ed->shinfo_mfn, &ed->shinfo_gfn, _gfn(gpfn));
	if (rc)
		return rc;
	fill_wallclock(d);
	return 0;
}

uint64_t evtchn_nr_shared_frames(const struct hv *hv)
{
	uint64_t n = 0;

	for (struct domain *d = hv->domains; d; d = d->next)
		if (evd(d) && !mfn_eq(evd(d)->shinfo_mfn, INVALID_MFN))
			n++;
	return n;
}

int64_t evtchn_register_vcpu_info(struct domain *d, struct vcpu *v, uint64_t arg)
{
	struct vcpu_register_vcpu_info r;
	struct vcpu_info *old, *new;
	struct page_info *pg;
	p2m_type_t t;
	mfn_t mfn;

	if (copy_from_guest(d, &r, arg, sizeof(r)))
		return -EFAULT;
	/* One-shot: 4.18's map_guest_area refuses a second area with -EBUSY,
	 * 4.17's map_vcpu_info re-registration with -EINVAL. */
	if (v->vi_registered)
		return evtchn_release_at_least(d->hv, 18) ? -EBUSY : -EINVAL;
	if ((r.offset & 7) || r.offset > PAGE_SIZE - sizeof(struct vcpu_info))
		return -ENXIO;
	if (r.mfn >= d->p2m.max_gfn)
		return -EINVAL;
	mfn = p2m_lookup(d, _gfn(r.mfn), &t, NULL);
	if (mfn_eq(mfn, INVALID_MFN) || !p2m_is_ram(t))
		return -EINVAL;
	if (t != p2m_ram_rw)
		return -EACCES;
	pg = mfn_to_page(&d->hv->ft, mfn);
	/* Hypervisor frames (shared_info, grant table) take no reference. */
	if (!pg || !mm_get_page(pg, d))
		return -EINVAL;
	old = evtchn_vcpu_info(d, v);
	new = (struct vcpu_info *)((uint8_t *)frame_va(&d->hv->ft, mfn) + r.offset);
	memcpy(new, old, sizeof(*new));
	v->vi_mfn = mfn;
	v->vi_offset = r.offset;
	v->vi_registered = true;
	/* Every word may hold events now: one (possibly spurious) upcall. */
	__atomic_store_n(&new->evtchn_pending_sel, ~0ULL, __ATOMIC_SEQ_CST);
	evtchn_vcpu_mark_pending(d, v);
	evtchn_update_time(d, v);
	return 0;
}

void evtchn_domain_shutdown(struct domain *d, unsigned int reason)
{
	if (d->state != DOMS_running)
		return;
	d->shutdown_reason = d->shutdown_code_set ? d->shutdown_code : reason;
	d->state = DOMS_shutdown;
	hv_info(d->hv, "d%u shut down: reason %u", d->id, d->shutdown_reason);
	/* As Xen: the global VIRQ's handler (Dom0) hears of it. */
	evtchn_send_global_virq(d->hv, VIRQ_DOM_EXC);
	/* vCPUs asleep in block/poll or parked return to their transports,
	 * which see the domain stopped. */
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		evtchn_wake_vcpu(&d->vcpu[i]);
}

/* x86-64 long mode as VCPUOP_initialise's 64-bit set must describe it. */
#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define X86_EFER_LME (1ULL << 8)
#define X86_EFER_LMA (1ULL << 10)

static int64_t vcpu_initialise(struct domain *d, struct vcpu *v, uint64_t arg)
{
	struct vcpu_hvm_context c;
	const struct vcpu_hvm_x86_64 *r = &c.cpu_regs.x86_64;

	if (copy_from_guest(d, &c, arg, sizeof(c)))
		return -EFAULT;
	if (v->initialised)
		return -EEXIST;
	/* The 32-bit register set (protected mode, segment bases and
	 * limits) is not implemented: memvisor's vCPUs start in long mode. */
	if (c.mode != VCPU_HVM_MODE_64B)
		return -EINVAL;
	if ((r->cr0 & (X86_CR0_PE | X86_CR0_PG)) != (X86_CR0_PE | X86_CR0_PG) ||
	    !(r->cr4 & X86_CR4_PAE) ||
	    (r->efer & (X86_EFER_LME | X86_EFER_LMA)) != (X86_EFER_LME | X86_EFER_LMA))
		return -EINVAL;
	v->start = (struct hv_vcpu_regs){
		.rax = r->rax, .rcx = r->rcx, .rdx = r->rdx, .rbx = r->rbx,
		.rsp = r->rsp, .rbp = r->rbp, .rsi = r->rsi, .rdi = r->rdi,
		.rip = r->rip, .rflags = r->rflags,
		.cr0 = r->cr0, .cr3 = r->cr3, .cr4 = r->cr4, .efer = r->efer,
	};
	v->initialised = true;
	/* taken by the transport at the first VCPUOP_up (hv_vcpu_wait_up);
	 * a later down and up resumes where the vCPU stopped */
	v->start_pending = true;
	return 0;
}

static int64_t vcpu_up(struct domain *d, struct vcpu *v)
{
	if (!v->initialised)
		return -EINVAL;
	if (v->up)
		return 0;
	v->up = true;
	(void)d;
	evtchn_wake_vcpu(v); /* its thread waits in hv_vcpu_wait_up or parked */
	return 0;
}

static int64_t vcpu_down(struct domain *d, struct vcpu *v, unsigned int caller)
{
	unsigned int up = 0;

	if (!v->up)
		return 0;
	v->up = false;
	for (unsigned int i = 0; i < d->nr_vcpus; i++)
		up += d->vcpu[i].up;
	/* The last running vCPU going down powers the domain off (Xen). */
	if (!up) {
		evtchn_domain_shutdown(d, SHUTDOWN_poweroff);
		return 0;
	}
	/* Another vCPU stops at its next way into the hypervisor: a
	 * hypercall (the dispatcher parks it) or the kick (its transport
	 * parks it); one asleep in block/poll returns and parks. */
	if (v->id != caller) {
		evtchn_kick_vcpu(d, v);
		evtchn_wake_vcpu(v);
	}
	return 0;
}

int64_t do_vcpu_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	uint64_t cmd = hc->args[0], id = hc->args[1], arg = hc->args[2];
	struct vcpu *v;

	(void)hv;
	if (id >= d->nr_vcpus)
		return -ENOENT;
	v = &d->vcpu[id];
	switch (cmd) {
	case VCPUOP_initialise:
		return vcpu_initialise(d, v, arg);
	case VCPUOP_up:
		return vcpu_up(d, v);
	case VCPUOP_down:
		return vcpu_down(d, v, hc->vcpu);
	case VCPUOP_is_up:
		return v->up ? 1 : 0;
	case VCPUOP_register_vcpu_info:
		return evtchn_register_vcpu_info(d, v, arg);
	default:
		return -ENOSYS;
	}
}
