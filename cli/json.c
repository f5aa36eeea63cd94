/*
 * The CLI's JSON writer (json.h).
 */
#include <inttypes.h>

#include "json.h"

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void json_hex_pair(FILE *f, uint64_t start, uint64_t size)
{
	fprintf(f, "[\"%#" PRIx64 "\",\"%#" PRIx64 "\"]", start, size);
}
