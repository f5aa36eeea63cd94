/*
 * The toolstack's kernel image check (guest/xen/xl_elf.c). The image
 * reaches Dom0 from the host console (`create`), so any bytes must be
 * refused with -EINVAL and a terminated message, or accepted only when
 * every loaded segment is inside the file, inside the domain's RAM bank
 * and outside its boot area, the segments do not overlap and the entry is
 * in an executable one - what xl_create then copies without further
 * checks.
 *
 * Byte 0 picks the domain's memory (1..256 MiB, so segments meet the bank
 * end and the boot area at many sizes) and byte 1 the message buffer's
 * size; the rest is the image, passed without slack (ASan sees any read
 * past it).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <public/errno.h>
#include <rt/rt.h>

#include "../guest/xen/toolstack_priv.h"
#include "fuzz.h"

#define CHECK(c)                                                                                 \
	do {                                                                                     \
		if (!(c))                                                                        \
			abort();                                                                 \
	} while (0)

int rt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	return vsnprintf(buf, n, fmt, ap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xl_dom d;
	struct xl_elf e;
	char err[256];
	size_t errlen;
	uint64_t area, ram_end;
	bool entry_ok = false;
	uint8_t *img;
	int rc;

	if (size < 2)
		return 0;
	memset(&d, 0, sizeof(d));
	d.nr_ram = 1; /* what xl_ram_banks gives for up to 3 GiB */
	d.ram[0].base = XL_RAM0_BASE;
	d.ram[0].size = ((uint64_t)data[0] + 1) << 20;
	ram_end = d.ram[0].base + d.ram[0].size;
	area = (ram_end & ~(XL_2M - 1)) - XL_2M;
	errlen = data[1];
	memset(err, 0x5a, sizeof(err));
	img = malloc(size - 2 ? size - 2 : 1);
	if (!img)
		return 0;
	memcpy(img, data + 2, size - 2);
	rc = xl_elf_check(img, size - 2, &d, area, &e, err, errlen);
	CHECK(rc == 0 || rc == -XEN_EINVAL);
	if (rc && errlen) /* a refusal says why, terminated */
		CHECK(memchr(err, '\0', errlen) != NULL);
	for (size_t i = errlen; i < sizeof(err); i++)
		CHECK(err[i] == 0x5a);
	if (!rc) {
		CHECK(e.nr >= 1 && e.nr <= XL_ELF_MAX_SEGS);
		for (unsigned int i = 0; i < e.nr; i++) {
			const struct xl_seg *s = &e.seg[i];

			CHECK(s->filesz <= s->memsz && s->memsz);
			CHECK(s->off <= size - 2 && s->filesz <= size - 2 - s->off);
			CHECK(s->paddr >= d.ram[0].base && s->paddr + s->memsz <= ram_end);
			CHECK(s->paddr + s->memsz <= area || s->paddr >= area + XL_2M);
			for (unsigned int k = 0; k < i; k++)
				CHECK(s->paddr >= e.seg[k].paddr + e.seg[k].memsz ||
				      e.seg[k].paddr >= s->paddr + s->memsz);
			entry_ok |= (s->flags & 1) && e.entry >= s->paddr &&
				    e.entry < s->paddr + s->memsz;
		}
		CHECK(entry_ok);
	}
	free(img);
	return 0;
}
