/*
 * hv_ioreq_mmio: where a transport's MMIO exit meets the IOREQ servers
 * (hypercall.h; the protocol itself is in hv/ioreq/).
 *
 * Design: like a hypercall that sleeps (SCHEDOP_block), the call pins d
 * (hcall_pins) so that a destroy meanwhile does not free it and waits with
 * the event layer's evtchn_vcpu_wait (lock released, pending realization
 * work flushed first, so the emulator sees every P2M change the access
 * depends on). It returns when the request is answered or can no
 * longer be, or when a wake-up came that was not an answer (the
 * transport's stop, or an event for the vCPU): the request then stays in
 * flight and the next call resumes it (ioreq_mmio_send does not send it
 * twice), the way Xen's vCPU re-enters its wait after softirqs.
 *
 * While it waits the vCPU counts as sleeping (hv_vcpu_blocked reports it).
 *
 * Invariant: a vCPU has at most one request in flight (ioreq_domain's
 * waiting[vcpu]); it is cleared only by the answer, by the server's
 * destruction or by the target's death.
 */
#include <errno.h>

#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/realize.h>

enum hv_mmio_result hv_ioreq_mmio(struct hv *hv, struct domain *d, unsigned int vcpu,
				  uint64_t gpa, unsigned int size, bool write, uint64_t *data)
{
	enum hv_mmio_result res;
	bool woken = false;
	int rc;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return HV_MMIO_UNCLAIMED;
	hv_lock(hv);
	if (vcpu >= d->nr_vcpus || d->state == DOMS_dying) {
		hv_unlock(hv);
		return HV_MMIO_UNCLAIMED;
	}
	if (!ioreq_mmio_send(d, vcpu, gpa, size, write, write ? *data : 0)) {
		hv_unlock(hv);
		return HV_MMIO_UNCLAIMED;
	}
	d->hcall_pins++;
	for (;;) {
		uint64_t val = 0, answered;

		rc = ioreq_mmio_complete(d, vcpu, &val);
		if (rc) {
			res = rc > 0 ? HV_MMIO_DONE : HV_MMIO_GONE;
			/* Only the access's bytes: what the emulator left above
			 * them is not the guest's (Xen masks too). */
			if (size < 8)
				val &= (1ULL << (8 * size)) - 1;
			if (!write || rc < 0)
				*data = val;
			break;
		}
		if (woken) {
			res = HV_MMIO_PENDING; /* woken, but not by the server */
			break;
		}
		answered = ioreq_answer_gen(d, vcpu);
		/* The event layer's wait: a stop (hv_vcpu_wake) that came
		 * before it is remembered; the fuzzer's setting never sleeps. */
		if (evtchn_vcpu_wait(d, vcpu, 0) == -ESRCH)
			continue; /* dying: the next look gives up */
		woken = ioreq_answer_gen(d, vcpu) == answered;
	}
	BUG_ON(!d->hcall_pins);
	if (!--d->hcall_pins && d->state == DOMS_dying && !d->tot_pages && !d->relinquishing)
		domain_finalise(d);
	hv_realize_flush(hv);
	hv_unlock(hv);
	return res;
}
