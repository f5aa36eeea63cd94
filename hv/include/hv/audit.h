/*
 * The invariant checker. Walks every frame, domain, P2M and list and
 * reports the first inconsistency it finds. Tests and fuzzers call it after
 * every operation; it takes the hypervisor lock.
 */
#ifndef HV_AUDIT_H
#define HV_AUDIT_H

#include <hv/hv.h>

/* 0 when consistent; otherwise -1 with a description in buf. */
int hv_audit(struct hv *hv, char *buf, size_t len);

/*
 * Where an audit pass writes what it found. Every subsystem's checker
 * (core, grant tables, IOMMU) reports through one of these so that the
 * first inconsistency found is the one described.
 */
struct audit_report {
	char *buf;
	size_t len;
	bool failed;
};

/* Records the first failure (later ones are ignored); returns -1. */
int audit_fail(struct audit_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
