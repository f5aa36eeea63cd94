/*
 * The kernel image check of the toolstack (docs/boot-protocol.md section
 * 1): an ELF64 little-endian x86-64 ET_EXEC whose PT_LOAD segments each lie
 * inside the file and inside one RAM bank of the domain, outside its boot
 * area, without overlapping, with the entry point in an executable
 * segment. The image comes from the host (the operator's `create`), so
 * every offset and size is checked before it is used; xl_create loads only
 * what this accepted. Split from toolstack.c so the fuzzer links it alone.
 */
#include <stdarg.h>
#include <string.h>

#include <public/errno.h>
#include <rt/rt.h>

#include "toolstack_priv.h"

/* The one writer of a call's error text (toolstack_priv.h). */
void xl_say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	rt_vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int xl_elf_check(const void *img, size_t len, const struct xl_dom *d, uint64_t area,
		 struct xl_elf *e, char *err, size_t errlen)
{
	const uint8_t *b = img;
	uint64_t phoff;
	uint16_t phnum, phentsize;
	bool entry_ok = false;

	memset(e, 0, sizeof(*e));
	if (len < 64 || memcmp(b, "\x7f" "ELF", 4)) {
		xl_say(err, errlen, "kernel: not an ELF image");
		return -XEN_EINVAL;
	}
	if (b[4] != 2 || b[5] != 1) {
		xl_say(err, errlen, "kernel: not ELF64 little-endian");
		return -XEN_EINVAL;
	}
	if (xl_le16(b + 16) != 2 || xl_le16(b + 18) != 62) {
		xl_say(err, errlen, "kernel: not an x86-64 executable (ET_EXEC, EM_X86_64)");
		return -XEN_EINVAL;
	}
	e->entry = xl_le64(b + 24);
	phoff = xl_le64(b + 32);
	phentsize = xl_le16(b + 54);
	phnum = xl_le16(b + 56);
	if (phentsize < 56 || phoff > len || (uint64_t)phnum * phentsize > len - phoff) {
		xl_say(err, errlen, "kernel: program headers outside the file");
		return -XEN_EINVAL;
	}
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (uint64_t)i * phentsize;
		struct xl_seg sg;
		bool in_bank = false;

		if (xl_le32(ph) != 1) /* PT_LOAD */
			continue;
		sg.flags = xl_le32(ph + 4);
		sg.off = xl_le64(ph + 8);
		sg.paddr = xl_le64(ph + 24);
		sg.filesz = xl_le64(ph + 32);
		sg.memsz = xl_le64(ph + 40);
		if (!sg.memsz)
			continue;
		if (sg.filesz > sg.memsz || sg.off > len || sg.filesz > len - sg.off ||
		    sg.paddr + sg.memsz < sg.paddr) {
			xl_say(err, errlen, "kernel: segment %u is outside the file", i);
			return -XEN_EINVAL;
		}
		for (unsigned int k = 0; k < d->nr_ram; k++)
			in_bank |= sg.paddr >= d->ram[k].base &&
				   sg.paddr + sg.memsz <= d->ram[k].base + d->ram[k].size;
		if (!in_bank || (sg.paddr < area + XL_2M && sg.paddr + sg.memsz > area)) {
			xl_say(err, errlen, "kernel: segment %u at %#llx (+%#llx) is not in the "
			    "domain's RAM outside its boot area (memory too small?)", i,
			    (unsigned long long)sg.paddr, (unsigned long long)sg.memsz);
			return -XEN_EINVAL;
		}
		for (unsigned int k = 0; k < e->nr; k++)
			if (sg.paddr < e->seg[k].paddr + e->seg[k].memsz &&
			    e->seg[k].paddr < sg.paddr + sg.memsz) {
				xl_say(err, errlen, "kernel: segments overlap");
				return -XEN_EINVAL;
			}
		if (e->nr == XL_ELF_MAX_SEGS) {
			xl_say(err, errlen, "kernel: more than %u segments", XL_ELF_MAX_SEGS);
			return -XEN_EINVAL;
		}
		entry_ok |= (sg.flags & 1) && e->entry >= sg.paddr && e->entry < sg.paddr + sg.memsz;
		e->seg[e->nr++] = sg;
	}
	if (!e->nr || !entry_ok) {
		xl_say(err, errlen, "kernel: the entry point is not in an executable segment");
		return -XEN_EINVAL;
	}
	return 0;
}
