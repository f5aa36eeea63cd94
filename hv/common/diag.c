/*
 * Diagnostics into a caller's buffer (hv/diag.h).
 */
#include <stdio.h>

#include <hv/diag.h>

void diag_vfmt(char *buf, size_t len, const char *fmt, va_list ap)
{
	if (!buf || !len)
		return;
	vsnprintf(buf, len, fmt, ap);
}

void diag_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vfmt(buf, len, fmt, ap);
	va_end(ap);
}

int diag_fail(char *buf, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vfmt(buf, len, fmt, ap);
	va_end(ap);
	return rc;
}
