/*
 * What the host-DT reader's files share inside hv/boot (private).
 */
#ifndef HV_BOOT_BOOTINFO_PRIV_H
#define HV_BOOT_BOOTINFO_PRIV_H

#include <hv/bootinfo.h>

/* Sorts sp and adds an error for each bank that overlaps the one before. */
void bootinfo_check_overlaps(struct bootinfo *bi, struct bootinfo_spans *sp,
			     const char *what);
/* The dom0less domains' rules (memory given, direct-map only with static
 * memory, static banks inside RAM and summing to `memory`); marks the
 * domains that break one invalid and adds their static banks to
 * bi->reserved. 0 or -ENOMEM. */
int bootinfo_check_domains(struct bootinfo *bi);

#endif
