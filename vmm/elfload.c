/*
 * ELF64 loader. All checks run before the first byte is written, so a
 * rejected image leaves guest memory untouched. Sizes from the file are
 * never trusted: every sum is checked for overflow and every file range
 * against the file length.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hv/diag.h>

#include "elfload.h"

static bool add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

int elf_check(const struct guest_mem *gm, const void *img, size_t len, struct elf_image *out,
	      char *err, size_t errlen)
{
	const uint8_t *p = img;
	Elf64_Ehdr eh;
	uint64_t phend;
	bool entry_ok = false;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(eh))
		return diag_fail(err, errlen, -1, "not an ELF file (only %zu bytes)", len);
	memcpy(&eh, p, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return diag_fail(err, errlen, -1, "not an ELF file (bad magic)");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return diag_fail(err, errlen, -1, "wrong ELF class %u: need ELFCLASS64",
				 eh.e_ident[EI_CLASS]);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return diag_fail(err, errlen, -1, "wrong ELF byte order: need little-endian");
	if (eh.e_machine != EM_X86_64)
		return diag_fail(err, errlen, -1, "wrong ELF machine %u: need x86-64 (%u)",
				 eh.e_machine, EM_X86_64);
	if (eh.e_type != ET_EXEC)
		return diag_fail(err, errlen, -1, "wrong ELF type %u: need an executable (ET_EXEC)",
				 eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return diag_fail(err, errlen, -1, "bad program header size %u", eh.e_phentsize);
	if (eh.e_phnum == 0)
		return diag_fail(err, errlen, -1, "no program headers");
	if (add_overflows(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), &phend) ||
	    phend > len)
		return diag_fail(err, errlen, -1, "program headers outside the file");

	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint64_t fend, mend;

		memcpy(&ph, p + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			return diag_fail(err, errlen, -1, "segment %u: file size above memory size",
					 i);
		if (add_overflows(ph.p_offset, ph.p_filesz, &fend) || fend > len)
			return diag_fail(err, errlen, -1, "segment %u: data outside the file", i);
		if (add_overflows(ph.p_paddr, ph.p_memsz, &mend))
			return diag_fail(err, errlen, -1, "segment %u: address range overflows", i);
		if (gm && !guest_range_in_ram(gm, ph.p_paddr, ph.p_memsz))
			return diag_fail(err, errlen, -1,
					 "segment %u [%#llx, %#llx) is outside the domain's RAM", i,
					 (unsigned long long)ph.p_paddr, (unsigned long long)mend);
		if (out->nr_seg == ELF_MAX_SEGMENTS)
			return diag_fail(err, errlen, -1, "more than %d loadable segments",
					 ELF_MAX_SEGMENTS);
		for (unsigned int j = 0; j < out->nr_seg; j++) {
			const struct guest_range *o = &out->seg[j];
			if (ph.p_paddr < o->base + o->size && o->base < mend)
				return diag_fail(err, errlen, -1,
						 "segment %u overlaps another segment", i);
		}
		out->seg[out->nr_seg++] = (struct guest_range){ph.p_paddr, ph.p_memsz};
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr && eh.e_entry < mend)
			entry_ok = true;
	}
	if (!out->nr_seg)
		return diag_fail(err, errlen, -1, "no loadable segments");
	if (!entry_ok)
		return diag_fail(err, errlen, -1,
				 "entry point %#llx is not in an executable segment",
				 (unsigned long long)eh.e_entry);
	out->entry = eh.e_entry;
	return 0;
}

int elf_load(const struct guest_mem *gm, const void *img, size_t len, struct elf_image *out,
	     char *err, size_t errlen)
{
	const uint8_t *p = img;
	Elf64_Ehdr eh;

	if (elf_check(gm, img, len, out, err, errlen))
		return -1;
	memcpy(&eh, p, sizeof(eh));
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, p + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		memcpy(gm->window + ph.p_paddr, p + ph.p_offset, ph.p_filesz);
		memset(gm->window + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	return 0;
}

void *elf_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		diag_fmt(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > (1ULL << 31)) {
		diag_fmt(err, errlen, "%s: not a regular file of a usable size", path);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		diag_fmt(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			diag_fmt(err, errlen, "%s: read failed", path);
			free(buf);
			close(fd);
			return NULL;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}
