/* Constants shared by the domctl guest test and its driver. */
#ifndef GUEST_TEST_DOMCTL_DC_H
#define GUEST_TEST_DOMCTL_DC_H

#define DC_TOOLSTACK 1		/* the privileged domain's id */
#define DC_BYSTANDER 2
#define DC_ROUNDS 20		/* domains created and destroyed */
#define DC_PAGES 16		/* RAM of each (and the bystander's rounds) */
#define DC_MAP 4		/* of which the toolstack maps */
#define DC_RAM_GFN 0x40000ULL	/* their RAM0 at 1 GiB */
#define DC_BYSTANDER_ROUNDS 200
#define DC_WAIT 200000		/* polls for a created domain to answer (a hang, not a time limit) */
#define DC_BYSTANDER_GFN 0x80000ULL /* 2 GiB: above the bystander's RAM, below 4 GiB */

#endif
