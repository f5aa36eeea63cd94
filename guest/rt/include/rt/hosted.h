/*
 * Programs built hosted (RT_HOSTED) started by a toolstack in process.
 *
 * A toolstack-created domain is entered from its CPU record
 * (sethvmcontext): on KVM at the ELF entry with rdi = its device tree; in
 * process rip must be an inproc_vcpu_entry_t of this binary, called with
 * its env and rdi (vmm/inproc_env.h). RT_HOSTED_ENTRY(entry, main) makes
 * such an entry for a program's main: it starts the runtime on the device
 * tree rdi names, exactly as the KVM image's head.S does with rdi, so the
 * program finds its tree and boot area the same way on both transports.
 *
 * rt_hosted_program_entry() is provided by the binary that links the
 * programs (memvisor: cli/hosted_programs.c; a test: its own table): the
 * entry of the built-in program a kernel file names (the rule of `memvisor
 * run --transport inproc`: the program whose name starts the file's base
 * name), 0 when none does.
 */
#ifndef RT_HOSTED_H
#define RT_HOSTED_H

#ifdef RT_HOSTED
#include <stdint.h>

#include <inproc_env.h>
#include <rt/rt.h>

RT_NORETURN void rt_hosted_program_start(const struct inproc_env *env, uint64_t dt,
					 void (*main_fn)(void));

#define RT_HOSTED_ENTRY(entry, main_fn)                                                  \
	void entry(const struct inproc_env *env, uint64_t dt);                           \
	void entry(const struct inproc_env *env, uint64_t dt)                            \
	{                                                                                \
		rt_hosted_program_start(env, dt, main_fn);                               \
	}

uint64_t rt_hosted_program_entry(const char *kernel_path);
#endif

#endif
