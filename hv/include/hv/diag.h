/*
 * Diagnostics formatted into a caller's fixed buffer: the one formatter
 * behind the "why it failed" strings of the audit, the builder, the boot
 * planner and the VMM's loaders.
 *
 * The message is cut to fit (always terminated) rather than refused: a
 * diagnostic is for a person, and its start says the most. A NULL buffer
 * or a zero length asks for no message, so callers may pass an optional
 * (err, errlen) pair straight through.
 */
#ifndef HV_DIAG_H
#define HV_DIAG_H

#include <stdarg.h>
#include <stddef.h>

void diag_vfmt(char *buf, size_t len, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void diag_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* diag_fmt, then returns rc: `return diag_fail(err, errlen, -EINVAL, ...);` */
int diag_fail(char *buf, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
