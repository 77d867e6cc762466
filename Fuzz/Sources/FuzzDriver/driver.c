/* FuzzDriver: hands the command line and the harness's test function to libFuzzer's driver. */
#include "FuzzDriver.h"

/* libFuzzer's entry point for programs with their own main (in the -fsanitize=fuzzer runtime). */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));

int refract_fuzz_run(int argc, char **argv, refract_fuzz_test test) {
    return LLVMFuzzerRunDriver(&argc, &argv, test);
}
