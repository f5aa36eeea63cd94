/*
 * Where an audit pass writes what it found. Every subsystem's checker
 * (core, grant tables, IOMMU) reports through one of these so that the
 * first inconsistency found is the one described. It lives in common/, not
 * with the audit (audit.h), because the subsystems' checkers sit below the
 * audit that calls them.
 */
#ifndef HV_AUDIT_REPORT_H
#define HV_AUDIT_REPORT_H

#include <stdbool.h>
#include <stddef.h>

struct audit_report {
	char *buf;
	size_t len;
	bool failed;
};

/* Records the first failure (later ones are ignored); returns -1. */
int audit_fail(struct audit_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
