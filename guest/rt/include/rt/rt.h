/*
 * memvisor guest runtime: the pieces every guest program uses.
 *
 * The same sources build two ways:
 * - freestanding (default): an ELF64 kernel booted by the VMM per
 *   docs/boot-protocol.md; a short CPL0 stub, then everything at CPL3;
 *   guest-physical addresses equal pointers (identity map).
 * - hosted (RT_HOSTED): linked into a host program and run by the
 *   in-process transport in a thread whose stack is guest RAM; a pointer
 *   into guest memory converts to guest-physical as (p - window).
 *
 * Hosted rule: anything whose address goes to the hypervisor must be guest
 * memory: a stack object or a page from rt_alloc_pages(), never a global.
 */
#ifndef RT_RT_H
#define RT_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef RT_HOSTED
#define RT_TLS __thread
#else
#define RT_TLS
#endif

#define RT_PAGE_SIZE 4096UL
#define RT_NORETURN __attribute__((noreturn))
#define RT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define RT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Guest-physical <-> pointer. NULL and 0 map to each other. */
uint64_t rt_virt_to_phys(const void *p);
void *rt_phys_to_virt(uint64_t pa);

/* Console (console_io write). One call prints at most 512 bytes. */
int rt_printf(const char *fmt, ...) RT_PRINTF(1, 2);
int rt_vprintf(const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t n, const char *fmt, ...) RT_PRINTF(3, 4);
int rt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
void rt_console_write(const char *s, size_t len);

/*
 * CPUID as this guest sees it. On KVM the hypervisor leaves
 * 0x40000000-0x400000ff come from what the boot stub read at CPL0 (the
 * vCPU's own table on every host; subleaf 0, leaves past the snapshot read
 * as zeros); other leaves run the instruction at CPL3. Hosted: the
 * transport's table.
 */
void rt_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
/*
 * The CPUID instruction where the runtime runs (CPL3 on KVM), with no
 * snapshot: on hosts whose KVM does not intercept CPUID at CPL3 the outer
 * hypervisor answers it. For tests that look at the host; hosted, the same
 * as rt_cpuid().
 */
void rt_cpuid_direct(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/* Lifecycle. */
RT_NORETURN void rt_shutdown(unsigned int reason);
RT_NORETURN void rt_crash(const char *fmt, ...) RT_PRINTF(1, 2);

/* The device tree the VMM passed (see rt/dt.h). */
const void *rt_dt(void);
/* /chosen bootargs of that tree, "" when absent. */
const char *rt_bootargs(void);
/* The value of "key=" in the bootargs (up to the next space), "" when absent. */
const char *rt_bootarg(const char *key);
/* Whether a value rt_bootarg returned is exactly want. */
bool rt_bootarg_is(const char *val, const char *want);

/* The program's entry (freestanding builds call this symbol). */
void rt_main(void);

/* Called by both entries once the stack and hypercalls work. */
RT_NORETURN void rt_start(uint64_t dt_gpa, void (*main_fn)(void));

#endif
