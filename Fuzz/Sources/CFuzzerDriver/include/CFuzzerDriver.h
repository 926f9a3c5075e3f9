// libFuzzer's driver, for fuzzers whose main is Swift's (SwiftPM executables always define their own
// main, so libFuzzer's FuzzerMain.o is not linked; main.swift calls the driver instead).
#ifndef CFUZZER_DRIVER_H
#define CFUZZER_DRIVER_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
