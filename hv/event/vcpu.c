/*
 * Per-vCPU event state: set-up, wake-ups, the upcall query of transports,
 * system time.
 *
 * Invariants:
 * - d->nr_vcpus vCPUs exist, each with an initialised wake condition
 *   (CLOCK_MONOTONIC) from evtchn_domain_init until evtchn_domain_free.
 * - Everything here is changed with hv->lock held; hv_vcpu_wake and
 *   hv_vcpu_upcall_vector take the lock themselves.
 */
#include <errno.h>
#include <time.h>

#include <hv/event.h>
#include <hv/hv.h>
#include <public/event_channel.h>
#include <public/hvm_op.h>
#include <public/vcpu.h>
#include <public/xen.h>

uint64_t hv_system_time(const struct hv *hv)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	return now > hv->boot_ns ? now - hv->boot_ns : 0;
}

int evtchn_domain_init(struct domain *d)
{
	pthread_condattr_t ca;

	d->nr_vcpus = 1;
	if (pthread_condattr_init(&ca))
		return -ENOMEM;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpu[i];

		v->id = i;
		v->vi_mfn = INVALID_MFN;
		if (pthread_cond_init(&v->wake, &ca)) {
			pthread_condattr_destroy(&ca);
			evtchn_domain_free(d);
			return -ENOMEM;
		}
		v->wake_init = true;
	}
	pthread_condattr_destroy(&ca);
	return 0;
}

void evtchn_domain_destroy(struct domain *d)
{
	for (unsigned int i = 0; i < d->nr_vcpus; i++) {
		d->vcpu[i].wake_gen++;
		pthread_cond_broadcast(&d->vcpu[i].wake);
	}
}

void evtchn_domain_free(struct domain *d)
{
	for (unsigned int i = 0; i < DOMAIN_MAX_VCPUS; i++) {
		if (d->vcpu[i].wake_init)
			pthread_cond_destroy(&d->vcpu[i].wake);
		d->vcpu[i].wake_init = false;
	}
}

void hv_vcpu_wake(struct hv *hv, struct domain *d, unsigned int vcpu)
{
	hv_lock(hv);
	if (vcpu < d->nr_vcpus) {
		d->vcpu[vcpu].wake_gen++;
		pthread_cond_broadcast(&d->vcpu[vcpu].wake);
	}
	hv_unlock(hv);
}

int hv_vcpu_upcall_vector(struct hv *hv, struct domain *d, unsigned int vcpu)
{
	(void)hv;
	(void)d;
	(void)vcpu;
	return -1; /* no upcall source yet (event channels follow) */
}
