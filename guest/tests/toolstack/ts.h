/* Constants shared by the toolstack guest test and its driver. */
#ifndef GUEST_TEST_TOOLSTACK_TS_H
#define GUEST_TEST_TOOLSTACK_TS_H

#define TS_DOM0 1        /* the toolstack's domain id */
#define TS_CYCLES 100    /* create/run/destroy cycles */
#define TS_WAIT 2000000  /* polls for a created domain to end (a hang, not a time limit) */

#endif
