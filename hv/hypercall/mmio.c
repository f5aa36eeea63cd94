/*
 * hv_ioreq_mmio: where a transport's MMIO exit meets the IOREQ servers
 * (hypercall.h; the protocol itself is in hv/ioreq/).
 *
 * Design: like a hypercall that sleeps (SCHEDOP_block), the call pins d
 * (hcall_pins) so that a destroy meanwhile does not free it, flushes
 * pending realization work (the emulator must see every P2M change the
 * access depends on), and waits on the vCPU's wake-up primitive with the
 * lock released. It returns when the request is answered or can no
 * longer be, or when a wake-up came that was not an answer (the
 * transport's stop, or an event for the vCPU): the request then stays in
 * flight and the next call resumes it (ioreq_mmio_send does not send it
 * twice), the way Xen's vCPU re-enters its wait after softirqs.
 *
 * While it waits the vCPU counts as sleeping (struct vcpu: wake-ups
 * broadcast to it; hv_vcpu_blocked reports it).
 *
 * Invariant: a vCPU has at most one request in flight (ioreq_domain's
 * waiting[vcpu]); it is cleared only by the answer, by the server's
 * destruction or by the target's death.
 */
#include <errno.h>
#include <time.h>

#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/realize.h>

enum hv_mmio_result hv_ioreq_mmio(struct hv *hv, struct domain *d, unsigned int vcpu,
				  uint64_t gpa, unsigned int size, bool write, uint64_t *data)
{
	enum hv_mmio_result res;
	struct vcpu *v;
	uint64_t gen, answered;
	bool timed_out = false;
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
	v = &d->vcpu[vcpu];
	gen = v->wake_gen;
	answered = ioreq_answer_gen(d, vcpu);
	for (;;) {
		uint64_t val = 0;

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
		if (timed_out ||
		    (v->wake_gen != gen && ioreq_answer_gen(d, vcpu) == answered)) {
			res = HV_MMIO_PENDING; /* woken, but not by the server */
			break;
		}
		gen = v->wake_gen;
		answered = ioreq_answer_gen(d, vcpu);
		hv_realize_flush(hv);
		if (!v->wake_init)
			break; /* no event state (never for a live domain) */
		/* sleeping: destroy and the event layer's wake-ups broadcast */
		v->sleeping = true;
		if (hv->cfg.max_sleep_ns) {
			/* A bounded sleep (the fuzzer: nobody answers there). */
			struct timespec ts;
			uint64_t abs = hv->boot_ns + hv_system_time(hv) + hv->cfg.max_sleep_ns;

			ts.tv_sec = (time_t)(abs / 1000000000ULL);
			ts.tv_nsec = (long)(abs % 1000000000ULL);
			if (pthread_cond_timedwait(&v->wake, &hv->lock, &ts) == ETIMEDOUT)
				timed_out = true;
		} else {
			pthread_cond_wait(&v->wake, &hv->lock);
		}
		v->sleeping = false;
	}
	if (!v->wake_init && !rc)
		res = HV_MMIO_PENDING;
	BUG_ON(!d->hcall_pins);
	if (!--d->hcall_pins && d->state == DOMS_dying && !d->tot_pages && !d->relinquishing)
		domain_finalise(d);
	hv_realize_flush(hv);
	hv_unlock(hv);
	return res;
}
