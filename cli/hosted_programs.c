/*
 * The built-in programs: the seed-scenario programs (and hello) built
 * hosted and linked into memvisor, so that a domain can run one in
 * process. A kernel file names the program whose name starts its base
 * name ("virtio_frontend.elf" -> virtio_frontend); this one rule serves
 * `memvisor run --transport inproc` (boot-built domains: the program's
 * main) and a toolstack creating domains at runtime (the vCPU entry of
 * rt/hosted.h, started on the device tree its CPU record names).
 */
#include <stdint.h>
#include <string.h>

#include <rt/hosted.h>

#include "hosted_programs.h"

void backend_main(void);
void frontend_main(void);
void virtio_backend_main(void);
void virtio_frontend_main(void);
void hello_main(void);
void dom0_main(void);

RT_HOSTED_ENTRY(backend_entry, backend_main)
RT_HOSTED_ENTRY(frontend_entry, frontend_main)
RT_HOSTED_ENTRY(virtio_backend_entry, virtio_backend_main)
RT_HOSTED_ENTRY(virtio_frontend_entry, virtio_frontend_main)
RT_HOSTED_ENTRY(hello_entry, hello_main)
RT_HOSTED_ENTRY(dom0_entry, dom0_main)

static const struct {
	const char *name;
	void (*main_fn)(void);
	inproc_vcpu_entry_t entry;
} hosted_programs[] = {
	{"backend", backend_main, backend_entry},
	{"frontend", frontend_main, frontend_entry},
	{"virtio_backend", virtio_backend_main, virtio_backend_entry},
	{"virtio_frontend", virtio_frontend_main, virtio_frontend_entry},
	{"hello", hello_main, hello_entry},
	{"dom0", dom0_main, dom0_entry},
};

static int hosted_index(const char *path)
{
	const char *base;

	if (!path)
		return -1;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(hosted_programs) / sizeof(hosted_programs[0]); i++)
		if (!strncmp(base, hosted_programs[i].name, strlen(hosted_programs[i].name)))
			return (int)i;
	return -1;
}

void (*hosted_program(const char *path))(void)
{
	int i = hosted_index(path);

	return i < 0 ? NULL : hosted_programs[i].main_fn;
}

uint64_t rt_hosted_program_entry(const char *kernel_path)
{
	int i = hosted_index(kernel_path);

	return i < 0 ? 0 : (uint64_t)(uintptr_t)hosted_programs[i].entry;
}
