/* FuzzDriver: runs libFuzzer from a harness's own main (SwiftPM gives a Swift executable its own main). */
#ifndef FUZZDRIVER_H
#define FUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

/* One input to test; returns 0 (libFuzzer's LLVMFuzzerTestOneInput). */
typedef int (*refract_fuzz_test)(const uint8_t *data, size_t size);

/* Runs libFuzzer (LLVMFuzzerRunDriver) with the command line's options on `test`; returns its exit status. */
int refract_fuzz_run(int argc, char **argv, refract_fuzz_test test);

#endif /* FUZZDRIVER_H */
