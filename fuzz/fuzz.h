/*
 * The libFuzzer entry point every target defines. The same function is
 * linked with fuzz/replay.c in builds without libFuzzer, so the checked-in
 * corpus runs in every build.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
