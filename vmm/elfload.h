/*
 * ELF64 loader for guest kernels: copies the PT_LOAD segments of an x86-64
 * executable into guest RAM through the domain's window.
 *
 * Every segment must lie inside one RAM bank of the domain (by physical
 * address); images that are not 64-bit little-endian x86-64 executables,
 * whose headers point outside the file, or whose sizes overflow are
 * rejected with a message and nothing is written.
 */
#ifndef VMM_ELFLOAD_H
#define VMM_ELFLOAD_H

#include "guest.h"

#define ELF_MAX_SEGMENTS 16

struct elf_image {
	uint64_t entry;
	struct guest_range seg[ELF_MAX_SEGMENTS]; /* guest-physical, memsz */
	unsigned int nr_seg;
};

/* Checks img and loads it; 0, or -1 with a message in err. */
int elf_load(const struct guest_mem *gm, const void *img, size_t len, struct elf_image *out,
	     char *err, size_t errlen);
/* Only the checks (no guest memory needed): 0, or -1 with err. */
int elf_check(const struct guest_mem *gm, const void *img, size_t len, struct elf_image *out,
	      char *err, size_t errlen);
/* Reads a whole file (malloc'd); NULL with err on failure. */
void *elf_read_file(const char *path, size_t *len, char *err, size_t errlen);

#endif
