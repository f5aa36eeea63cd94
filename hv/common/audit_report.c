/*
 * The audit's report: the first failure wins, later ones are dropped, so
 * that a cascade of consequences does not hide its cause.
 */
#include <stdarg.h>

#include <hv/audit_report.h>
#include <hv/diag.h>

int audit_fail(struct audit_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return -1;
	r->failed = true;
	va_start(ap, fmt);
	diag_vfmt(r->buf, r->len, fmt, ap);
	va_end(ap);
	return -1;
}
