/*
 * The invariant checker. Walks every frame, domain, P2M and list and
 * reports the first inconsistency it finds. Tests and fuzzers call it after
 * every operation; it takes the hypervisor lock.
 */
#ifndef HV_AUDIT_H
#define HV_AUDIT_H

#include <hv/audit_report.h>
#include <hv/hv.h>

/* 0 when consistent; otherwise -1 with a description in buf. */
int hv_audit(struct hv *hv, char *buf, size_t len);

#endif
