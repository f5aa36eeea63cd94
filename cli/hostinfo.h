/*
 * The host a figure was measured on (issue 17, item 6): `memvisor bench`
 * prints it as a header (text) or as the "host" object (--json), and
 * `memvisor run --json` carries the same object, so that results taken on
 * different machines are never compared without saying so.
 */
#ifndef MEMVISOR_CLI_HOSTINFO_H
#define MEMVISOR_CLI_HOSTINFO_H

#include <stdio.h>

struct hostinfo {
	char cpu_vendor[32];  /* /proc/cpuinfo vendor_id, e.g. AuthenticAMD */
	char cpu_model[128];  /* /proc/cpuinfo model name */
	char cpu_id[64];      /* "family F model M stepping S": the model name can be vague */
	long cpus;            /* online CPUs */
	char kernel[4 * 65 + 8]; /* uname: sysname release version machine */
	/* "hardware", "software" or "unavailable" (/dev/kvm not usable). */
	const char *kvm;
	char kvm_how[160];    /* the evidence for kvm, or why it is unavailable */
	char host_hypervisor[16]; /* CPUID 0x40000000 signature, "" when bare metal */
	double load[3];       /* load average when collected; -1 if unknown */
	/* Build of this executable, fixed at configure/build time. */
	const char *version, *commit, *buildtype, *optimization, *sanitizers, *compiler;
	int optimised;        /* __OPTIMIZE__ was defined */
};

/* Collects everything; never fails (unknown fields say "unknown"). */
void hostinfo_collect(struct hostinfo *h);
/* Two "host:" / "build:" header lines for text output. */
void hostinfo_text(FILE *f, const struct hostinfo *h);
/* The object {"cpu_vendor":...}, on one line, no trailing newline. */
void hostinfo_json(FILE *f, const struct hostinfo *h);

#endif
