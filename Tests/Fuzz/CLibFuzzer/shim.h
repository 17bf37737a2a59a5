// libFuzzer's entry point for programs that have their own main (LLVM 11 and later), which
// the fuzz driver needs because SwiftPM names every executable's entry point itself. The
// symbol comes from the libFuzzer runtime that -sanitize=fuzzer links; only the fuzz build
// (Scripts/fuzz, -DHYPENCODER_LIBFUZZER) calls it.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
