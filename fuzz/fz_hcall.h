/*
 * The hypercall sequence fuzzer's pieces, shared with the soak program.
 */
#ifndef FUZZ_FZ_HCALL_H
#define FUZZ_FZ_HCALL_H

#include "fuzz.h"
#include "fz_env.h"

/* Creates the domains an input's header asks for. */
void fz_hcall_setup(struct fz_env *e, struct fz_in *in);
/* Runs one operation (a hypercall or a host-side event) chosen by in. */
void fz_hcall_one(struct fz_env *e, struct fz_in *in);

#endif
