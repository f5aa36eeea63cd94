/*
 * The JSON writer of the CLI: `layout --json`, `run --json` and
 * `bench --json` write their documents with these, so that strings are
 * escaped one way everywhere. Numbers and keys the callers print
 * themselves: they are never taken from input.
 */
#ifndef MEMVISOR_CLI_JSON_H
#define MEMVISOR_CLI_JSON_H

#include <stdint.h>
#include <stdio.h>

/* s as a JSON string: quotes and backslashes escaped, control characters
 * as \u00XX, other bytes (UTF-8 included) as they are; NULL as "". */
void json_str(FILE *f, const char *s);
/* An address span as ["0xSTART","0xSIZE"]: hexadecimal strings, since
 * JSON numbers lose 64-bit precision in common readers. */
void json_hex_pair(FILE *f, uint64_t start, uint64_t size);

#endif
